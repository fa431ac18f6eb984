//! Response builders with the server's conventions: compact JSON with `application/json`, error strings without a
//! content type (only a few answers set `text/plain` explicitly), and empty bodies with `Content-Length: 0`.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::Value;

/// A complete HTTP response.
pub(crate) type Reply = Response;

fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// An empty response: no content type, `Content-Length: 0`. On 204 neither the server nor hyper sends a length;
/// on 304 the server sends `content-length: 0` but hyper never writes one (a known, harmless difference).
pub(crate) fn empty(code: u16) -> Reply {
    empty_with_headers(code, Vec::new())
}

/// An empty response with extra headers, e.g. one `WWW-Authenticate` per mechanism.
pub(crate) fn empty_with_headers(code: u16, headers: Vec<(&'static str, String)>) -> Reply {
    let mut r = Response::new(Body::empty());
    *r.status_mut() = status(code);
    for (name, value) in headers {
        if let Ok(v) = HeaderValue::from_str(&value) {
            r.headers_mut().append(name, v);
        }
    }
    r
}

/// A message body without a content type, as `RestRequestHandler.handleError` writes errors.
pub(crate) fn text(code: u16, body: impl Into<String>) -> Reply {
    let mut r = Response::new(Body::from(body.into()));
    *r.status_mut() = status(code);
    r
}

/// A body with an explicit content type.
pub(crate) fn typed(code: u16, content_type: &'static str, body: impl Into<String>) -> Reply {
    let mut r = text(code, body);
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

/// A `text/plain` body, as the two x-site 404s and the health status set it.
pub(crate) fn text_plain(code: u16, body: impl Into<String>) -> Reply {
    typed(code, "text/plain", body)
}

/// 200 with compact JSON (`Json.toString()` has no spaces; `serde_json` writes the same).
pub(crate) fn json(value: &Value) -> Reply {
    typed(200, "application/json", value.to_string())
}
