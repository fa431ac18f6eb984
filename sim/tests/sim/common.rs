//! A deliberately small HTTP/1.1 client for the tests: it keeps one TCP connection per [`Conn`] (the server's
//! authentication cache is per connection), sends exactly the headers given, and returns every response header.

#![allow(dead_code, missing_docs)]

use std::time::Duration;

use base64::Engine;
use md5::{Digest as _, Md5};
use sha2::Sha256;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use xsite_sim::{ADMIN_PASSWORD, ADMIN_USER};

pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

pub struct Conn {
    reader: BufReader<TcpStream>,
    host: String,
}

impl Conn {
    pub async fn open(base_url: &str) -> std::io::Result<Conn> {
        let host = base_url.trim_start_matches("http://").to_string();
        let stream = TcpStream::connect(&host).await?;
        Ok(Conn {
            reader: BufReader::new(stream),
            host,
        })
    }

    pub async fn send(
        &mut self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> std::io::Result<Resp> {
        let mut req = format!("{method} {target} HTTP/1.1\r\nHost: {}\r\n", self.host);
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        if !body.is_empty() || method == "PUT" || method == "POST" {
            req.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        req.push_str("\r\n");
        req.push_str(body);
        self.reader.get_mut().write_all(req.as_bytes()).await?;
        let mut line = String::new();
        self.reader.read_line(&mut line).await?;
        if line.is_empty() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "connection closed",
            ));
        }
        let status: u16 = line.split(' ').nth(1).unwrap_or("0").parse().unwrap_or(0);
        let mut headers = Vec::new();
        loop {
            line.clear();
            self.reader.read_line(&mut line).await?;
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':') {
                headers.push((k.trim().to_string(), v.trim().to_string()));
            }
        }
        let len: usize = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let mut buf = vec![0u8; if method == "HEAD" { 0 } else { len }];
        self.reader.read_exact(&mut buf).await?;
        Ok(Resp {
            status,
            headers,
            body: String::from_utf8_lossy(&buf).into_owned(),
        })
    }
}

pub fn basic(user: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

/// The value of a `name="value"` or `name=value` parameter of a challenge.
pub fn param(challenge: &str, name: &str) -> Option<String> {
    let start = challenge.find(&format!("{name}="))? + name.len() + 1;
    let rest = &challenge[start..];
    if let Some(stripped) = rest.strip_prefix('"') {
        stripped.split('"').next().map(str::to_string)
    } else {
        rest.split(',').next().map(|s| s.trim().to_string())
    }
}

/// A Digest `Authorization` header as a standard client builds it (`qop=auth`).
#[allow(clippy::too_many_arguments)]
pub fn digest(
    algorithm: &str,
    user: &str,
    password: &str,
    method: &str,
    uri: &str,
    nonce: &str,
    nc: u32,
    cnonce: &str,
) -> String {
    let h = |s: String| -> String {
        let bytes = if algorithm == "SHA-256" {
            Sha256::digest(s.as_bytes()).to_vec()
        } else {
            Md5::digest(s.as_bytes()).to_vec()
        };
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    };
    let ha1 = h(format!("{user}:default:{password}"));
    let ha2 = h(format!("{method}:{uri}"));
    let nc = format!("{nc:08x}");
    let response = h(format!("{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}"));
    format!(
        "Digest username=\"{user}\", realm=\"default\", nonce=\"{nonce}\", uri=\"{uri}\", response=\"{response}\", qop=auth, nc={nc}, cnonce=\"{cnonce}\", algorithm={algorithm}, opaque=\"00000000000000000000000000000000\""
    )
}

/// One request with preemptive Basic as the admin, on a fresh connection.
pub async fn admin(base: &str, method: &str, target: &str, body: &str) -> Resp {
    let mut c = Conn::open(base).await.expect("connect");
    let auth = basic(ADMIN_USER, ADMIN_PASSWORD);
    c.send(method, target, &[("Authorization", &auth)], body)
        .await
        .expect("request")
}

/// How long a test waits for something the simulator does in the background (a push, a site going
/// down or coming back): far more than it takes, so that only a real failure runs into it.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// Polls `check` every 10 ms until it yields a value; fails the test naming `what` after [`PATIENCE`].
pub async fn eventually<T>(what: &str, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what}: still not the case after {PATIENCE:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The push-state status of a cache's backups on the site at `base` (`GET …?action=push-state-status`), once
/// no backup reports `SENDING` any more.
pub async fn push_outcome(base: &str, cache: &str) -> String {
    let target = format!("/rest/v2/caches/{cache}/x-site/backups?action=push-state-status");
    eventually(
        &format!("the push of {cache} from {base} ends"),
        async || {
            let r = admin(base, "GET", &target, "").await;
            assert_eq!(r.status, 200, "{target}: {}", r.body);
            (!r.body.contains("SENDING")).then_some(r.body)
        },
    )
    .await
}
