//! The HTTP side of a site: a loopback listener served by hyper with an axum router, that can be taken down
//! (connections refused, open connections dropped) and brought back on the same port.
//!
//! The accept loop is ours rather than `axum::serve` because the simulator needs two things per connection:
//! dropping every open connection when the site goes down, and per-connection state for the server's
//! authentication cache (it skips re-authentication when the same `Authorization` header comes again on the
//! same connection).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, Method, StatusCode, header};
use hyper::body::Incoming;
use hyper::service::Service as _;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::auth::ConnState;

/// Whether a site's listener should run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RunState {
    Up,
    Down,
    Stopped,
}

/// Binds a loopback listener (port 0 picks a free port).
pub(crate) async fn bind(port: u16) -> std::io::Result<TcpListener> {
    TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await
}

/// Runs a site's listener until the grid stops: serves while `Up`, closes the listener and every open connection
/// while `Down`, and rebinds the same port when it comes back `Up`.
pub(crate) async fn supervise(
    router: Router,
    first: TcpListener,
    port: u16,
    mut run: watch::Receiver<RunState>,
) {
    let mut listener = Some(first);
    loop {
        let current = match listener.take() {
            Some(l) => l,
            None => {
                if !wait_for(&mut run, |s| s != RunState::Down).await
                    || *run.borrow() == RunState::Stopped
                {
                    return;
                }
                match bind(port).await {
                    Ok(l) => l,
                    Err(e) => {
                        tracing::warn!(port, error = %e, "rebinding the site listener failed; retrying");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                }
            }
        };
        loop {
            tokio::select! {
                accepted = current.accept() => {
                    if let Ok((stream, _)) = accepted {
                        tokio::spawn(serve_connection(router.clone(), stream, run.clone()));
                    }
                }
                changed = run.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    if *run.borrow_and_update() != RunState::Up {
                        break;
                    }
                }
            }
        }
        drop(current);
        if *run.borrow() == RunState::Stopped {
            return;
        }
    }
}

/// Waits until the state satisfies `pred`; false if the grid is gone.
async fn wait_for(run: &mut watch::Receiver<RunState>, pred: impl Fn(RunState) -> bool) -> bool {
    loop {
        if pred(*run.borrow_and_update()) {
            return true;
        }
        if run.changed().await.is_err() {
            return false;
        }
    }
}

/// Netty answers HEAD with an empty body and `content-length: 0`, except on 204 where it sends no length; axum
/// would otherwise announce the length of the body it drops.
fn head_like_netty(response: &mut axum::response::Response) {
    *response.body_mut() = Body::empty();
    if response.status() == StatusCode::NO_CONTENT {
        response.headers_mut().remove(header::CONTENT_LENGTH);
    } else {
        response
            .headers_mut()
            .insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
    }
}

async fn serve_connection(router: Router, stream: TcpStream, mut run: watch::Receiver<RunState>) {
    let _ = stream.set_nodelay(true);
    let conn_state = Arc::new(ConnState::default());
    let service = TowerToHyperService::new(router);
    let svc = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(conn_state.clone());
        let head = req.method() == Method::HEAD;
        let response = service.call(req);
        async move {
            let mut response = response.await?;
            if head {
                head_like_netty(&mut response);
            }
            Ok::<_, std::convert::Infallible>(response)
        }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        // The real server (Netty) sends no Date header.
        .auto_date_header(false)
        .serve_connection(TokioIo::new(stream), svc);
    // Dropping the connection future closes the socket: that is how a site going down cuts its clients off.
    tokio::select! {
        _ = conn => {}
        _ = wait_for(&mut run, |s| s != RunState::Up) => {}
    }
}
