//! Hostile and broken servers for the fault catalog: a loopback HTTP/1.1 server that answers each
//! request with one scripted fault (a huge or endless body, silence, a reset after the request,
//! control characters, duplicate keys, an empty error, a challenge that cannot be answered, …) and
//! records every request it received, so that a test can tell what was, and was not, sent.
//!
//! It speaks just enough HTTP to be believable and nothing more: every answer closes its
//! connection. It runs on its own thread, so that blocking tests (a spawned `xsite`) can use it
//! as well as async ones.
//!
//! ```no_run
//! use xsite_sim::hostile::{Hostile, Play};
//!
//! let server = Hostile::start(|_| Play::text(500, "boom"));
//! println!("{}", server.url());
//! assert!(server.requests().is_empty());
//! ```

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A request as the hostile server read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// The method (`GET`, `POST`, …), or `TLS` for a TLS handshake sent to this plain port.
    pub method: String,
    /// The request target: path and query, as sent.
    pub target: String,
    /// The headers, names in lower case, in the order sent.
    pub headers: Vec<(String, String)>,
}

impl Seen {
    /// The first header of that (lower-case) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What the server does with one request.
#[derive(Debug, Clone)]
pub enum Play {
    /// A complete answer with a `Content-Length`.
    Respond {
        /// The status.
        status: u16,
        /// Extra headers.
        headers: Vec<(String, String)>,
        /// The body.
        body: Vec<u8>,
    },
    /// An answer whose body is `size` bytes of `fill`, sent in pieces; with `chunked` it has no
    /// length and uses chunked transfer encoding. Sending stops when the client goes away.
    Huge {
        /// The status.
        status: u16,
        /// The body's size.
        size: u64,
        /// Chunked transfer encoding instead of a `Content-Length`.
        chunked: bool,
        /// The byte repeated.
        fill: u8,
    },
    /// Reads the request and never answers; the connection stays open until the server stops.
    Silent,
    /// Reads the request, then resets the connection (TCP RST) without a byte of answer.
    Reset,
}

impl Play {
    /// A text answer.
    pub fn text(status: u16, body: &str) -> Play {
        Play::Respond {
            status,
            headers: vec![("Content-Type".into(), "text/plain".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    /// A JSON answer.
    pub fn json(status: u16, body: &str) -> Play {
        Play::Respond {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    /// An answer without a body.
    pub fn empty(status: u16, headers: &[(&str, &str)]) -> Play {
        Play::Respond {
            status,
            headers: headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
            body: Vec::new(),
        }
    }
}

type Script = dyn Fn(&Seen) -> Play + Send + Sync;

/// A running hostile server; it stops when dropped.
pub struct Hostile {
    port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
    bytes_sent: Arc<Mutex<u64>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Hostile {
    /// Starts a server on a loopback port that answers each request with `script(request)`.
    pub fn start(script: impl Fn(&Seen) -> Play + Send + Sync + 'static) -> Hostile {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        listener
            .set_nonblocking(true)
            .expect("a non-blocking listener");
        let port = listener.local_addr().expect("a local address").port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let bytes_sent = Arc::new(Mutex::new(0u64));
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let script: Arc<Script> = Arc::new(script);
        let thread = {
            let seen = Arc::clone(&seen);
            let bytes_sent = Arc::clone(&bytes_sent);
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a tokio runtime");
                rt.block_on(async move {
                    let listener = TcpListener::from_std(listener).expect("a tokio listener");
                    let accept = async {
                        loop {
                            let Ok((stream, _)) = listener.accept().await else {
                                continue;
                            };
                            let script = Arc::clone(&script);
                            let seen = Arc::clone(&seen);
                            let bytes_sent = Arc::clone(&bytes_sent);
                            tokio::spawn(async move {
                                serve(stream, &*script, &seen, &bytes_sent).await;
                            });
                        }
                    };
                    tokio::select! {
                        _ = accept => {}
                        _ = stopped => {}
                    }
                });
            })
        };
        Hostile {
            port,
            seen,
            bytes_sent,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// The server's base URL, `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// How many requests had this method and a target containing `fragment`.
    pub fn count(&self, method: &str, fragment: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.method == method && r.target.contains(fragment))
            .count()
    }

    /// The body bytes written so far by [`Play::Huge`] answers.
    pub fn huge_bytes_sent(&self) -> u64 {
        self.bytes_sent.lock().map(|b| *b).unwrap_or(0)
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The most a request head may hold; a longer one is answered 431 and closed.
const MAX_HEAD: usize = 1024 * 1024;

async fn serve(mut stream: TcpStream, script: &Script, seen: &Mutex<Vec<Seen>>, sent: &Mutex<u64>) {
    let mut buffer = Vec::new();
    let mut piece = [0u8; 8192];
    let head_end = loop {
        if let Some(end) = find(&buffer, b"\r\n\r\n") {
            break end;
        }
        if buffer.first() == Some(&0x16) {
            // A TLS ClientHello on a plain port: answer as a plain HTTP server does.
            record(
                seen,
                Seen {
                    method: "TLS".into(),
                    target: String::new(),
                    headers: Vec::new(),
                },
            );
            let _ = stream
                .write_all(
                    b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                )
                .await;
            return;
        }
        if buffer.len() > MAX_HEAD {
            let _ = stream
                .write_all(b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                .await;
            return;
        }
        match stream.read(&mut piece).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buffer.extend_from_slice(&piece[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or("").split(' ');
    let method = first.next().unwrap_or("").to_owned();
    let target = first.next().unwrap_or("").to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let request = Seen {
        method,
        target,
        headers,
    };
    // Read the request body, so that the client has sent everything before the fault plays.
    let length: usize = request
        .header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut have = buffer.len() - (head_end + 4);
    while have < length {
        match stream.read(&mut piece).await {
            Ok(0) | Err(_) => return,
            Ok(n) => have += n,
        }
    }
    let play = script(&request);
    record(seen, request);
    match play {
        Play::Respond {
            status,
            headers,
            body,
        } => {
            let mut out = format!("HTTP/1.1 {status} {}\r\n", reason(status));
            for (name, value) in &headers {
                out.push_str(&format!("{name}: {value}\r\n"));
            }
            out.push_str(&format!(
                "content-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            ));
            let mut bytes = out.into_bytes();
            bytes.extend_from_slice(&body);
            let _ = stream.write_all(&bytes).await;
            let _ = stream.shutdown().await;
        }
        Play::Huge {
            status,
            size,
            chunked,
            fill,
        } => {
            let framing = if chunked {
                "transfer-encoding: chunked".to_owned()
            } else {
                format!("content-length: {size}")
            };
            let head = format!(
                "HTTP/1.1 {status} {}\r\ncontent-type: text/plain\r\n{framing}\r\nconnection: close\r\n\r\n",
                reason(status)
            );
            if stream.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let piece = vec![fill; 64 * 1024];
            let mut left = size;
            while left > 0 {
                let n = left.min(piece.len() as u64) as usize;
                let written = if chunked {
                    let mut frame = format!("{n:x}\r\n").into_bytes();
                    frame.extend_from_slice(&piece[..n]);
                    frame.extend_from_slice(b"\r\n");
                    stream.write_all(&frame).await
                } else {
                    stream.write_all(&piece[..n]).await
                };
                if written.is_err() {
                    return;
                }
                if let Ok(mut total) = sent.lock() {
                    *total += n as u64;
                }
                left -= n as u64;
            }
            if chunked {
                let _ = stream.write_all(b"0\r\n\r\n").await;
            }
            let _ = stream.shutdown().await;
        }
        Play::Silent => {
            // Hold the connection open without a byte, until the server stops.
            let _keep = stream;
            tokio::time::sleep(Duration::from_secs(24 * 3600)).await;
        }
        Play::Reset => {
            // Linger 0: closing sends a RST rather than a FIN.
            let _ = stream.set_zero_linger();
            drop(stream);
        }
    }
}

fn record(seen: &Mutex<Vec<Seen>>, request: Seen) {
    if let Ok(mut seen) = seen.lock() {
        seen.push(request);
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        302 => "Found",
        304 => "Not Modified",
        401 => "Unauthorized",
        404 => "Not Found",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}
