//! The transport under every call: sending, body caps, the call's deadline, the retry policy,
//! authentication challenges, and the mapping of an unexpected status to an [`Error`].

use std::time::{Duration, Instant};

use reqwest::header::{
    ACCEPT, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HeaderMap, HeaderValue,
};
use reqwest::{Method, StatusCode};

use super::Client;
use super::tls::tls_failure;
use crate::auth::ChallengeError;
use crate::error::{
    ConfigError, Error, MAX_MESSAGE_BYTES, RequestInfo, Result, ServerError, clip_message,
    server_texts,
};
use crate::routes::{ContainerPath, Route};

/// The largest response body the client reads, in bytes. Real cross-site answers are a few
/// kilobytes; a key listing of a large cache stays far below it. A larger body is not read
/// ([`Error::ResponseTooLarge`]), so that a broken or hostile server cannot exhaust memory.
pub const MAX_RESPONSE_BYTES: usize = 8 * 1024 * 1024;

/// How failed requests are retried.
///
/// Reads (GET) are retried after a transport failure or a 502/503/504. Writes are retried only when
/// the connection could not be made, so a request that may have reached the server is never sent
/// twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 = none).
    pub max_retries: u32,
    /// The wait before the first retry; it doubles for each further retry.
    pub initial_backoff: Duration,
    /// The longest wait between two attempts.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(2),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        }
    }

    fn backoff(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1));
        self.initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff)
    }
}

/// A response that the route expected.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) request: RequestInfo,
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl Answer {
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON. An object that names a key twice is refused: which value the server
    /// meant is unknown, so nothing is concluded from it.
    pub(crate) fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
        let decode = |reason: String| Error::Decode {
            request: self.request.clone(),
            reason,
            body: truncate(&self.text(), 512),
        };
        crate::model::check_unique_keys(&self.body).map_err(decode)?;
        serde_json::from_slice(&self.body).map_err(|e| decode(e.to_string()))
    }

    /// An error that says the answer, although well-formed, cannot be trusted.
    pub(crate) fn untrusted(&self, reason: impl Into<String>) -> Error {
        Error::Decode {
            request: self.request.clone(),
            reason: reason.into(),
            body: truncate(&self.text(), 512),
        }
    }

    /// The `Content-Type` header, if any.
    #[allow(dead_code)]
    pub(crate) fn content_type(&self) -> Option<&str> {
        self.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok())
    }
}

pub(super) fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// A request body with its content type.
pub(crate) struct Body {
    pub(crate) content_type: &'static str,
    pub(crate) bytes: Vec<u8>,
}

impl Client {
    /// The transport: sends the request, answers an authentication challenge, retries what may be
    /// retried, and maps an unexpected status to an [`Error`]. Nothing of it runs past `limit`
    /// (the call's deadline and its length, for messages), and no body beyond
    /// [`MAX_RESPONSE_BYTES`] is read.
    pub(super) async fn execute(
        &self,
        route: &Route<'_>,
        container: Option<&ContainerPath>,
        body: Option<Body>,
        limit: (Instant, Duration),
    ) -> Result<Answer> {
        let (deadline, length) = limit;
        let method = route.method();
        let request = self.request_info(route, container);
        let url = request.url.clone();
        let is_read = route.is_idempotent_read();
        // Digest signs the raw path and query exactly as sent.
        let digest_uri = url[self.inner.origin.len()..].to_owned();
        let policy = self.inner.retry;
        let auth = &self.inner.auth;
        let mut retries = 0u32;
        // A Digest session made from the challenge this request received, for its next attempt.
        let mut fresh = None;
        // True when this attempt answers a challenge it just received: a 401 then means the
        // credentials are wrong, not that a reused nonce went stale.
        let mut answering_challenge = false;
        // Whether a retry may start: attempts left, and time for the backoff and some more.
        let may_retry = |retries: u32| {
            retries < policy.max_retries && Instant::now() + policy.backoff(retries + 1) < deadline
        };
        loop {
            if Instant::now() >= deadline {
                // Only reached before an attempt: whatever was sent before was answered.
                return Err(Error::Timeout {
                    request,
                    limit: length,
                });
            }
            let mut builder = self
                .inner
                .http
                .request(method.clone(), &url)
                .header(ACCEPT, route.accept());
            let (header, lease) = auth.authorize(method.as_str(), &digest_uri, fresh.take());
            if let Some(header) = header {
                let mut value = HeaderValue::from_str(&header)
                    .map_err(|_| Error::Config(ConfigError::UnencodableCredentials))?;
                value.set_sensitive(true);
                builder = builder.header(AUTHORIZATION, value);
            }
            builder = match &body {
                Some(body) => builder
                    .header(CONTENT_TYPE, body.content_type)
                    .body(body.bytes.clone()),
                // The Java client sends POSTs with an empty body and Content-Length: 0.
                None if method == Method::POST || method == Method::PUT => {
                    builder.header(CONTENT_LENGTH, "0").body(Vec::new())
                }
                None => builder,
            };
            let attempt = async {
                let mut response = builder.send().await.map_err(Failure::Send)?;
                // An answer is read up to the cap; an error only as far as its message is kept.
                let read = if route.expected().contains(&response.status().as_u16()) {
                    read_capped(&mut response, MAX_RESPONSE_BYTES, false).await
                } else {
                    read_capped(&mut response, MAX_MESSAGE_BYTES + 1, true).await
                }
                .map_err(Failure::Body)?;
                Ok::<_, Failure>((response.status(), response.headers().clone(), read))
            };
            let outcome = match tokio::time::timeout_at(deadline.into(), attempt).await {
                Ok(outcome) => outcome,
                Err(_) => Err(Failure::Deadline),
            };
            let (status, headers, read) = match outcome {
                Ok(answered) => answered,
                // The lease is dropped: whether its nc reached the server is unknown.
                Err(Failure::Send(source)) => {
                    if let Some((detail, plain_http)) = tls_failure(&source) {
                        return Err(Error::Tls {
                            request,
                            detail,
                            plain_http,
                            source,
                        });
                    }
                    // A write is retried only when it cannot have reached the server.
                    let retryable = source.is_connect() || is_read;
                    if retryable && may_retry(retries) {
                        retries += 1;
                        tracing::debug!(%request, retries, error = %source, "retrying");
                        tokio::time::sleep(policy.backoff(retries)).await;
                        answering_challenge = false;
                        continue;
                    }
                    if is_read || source.is_connect() {
                        return Err(Error::Transport { request, source });
                    }
                    let timed_out = source.is_timeout();
                    return Err(Error::OutcomeUnknown {
                        request,
                        reason: format!("no answer came back ({})", innermost(&source)),
                        timed_out,
                    });
                }
                Err(Failure::Body(source)) => {
                    if is_read && may_retry(retries) {
                        retries += 1;
                        tokio::time::sleep(policy.backoff(retries)).await;
                        answering_challenge = false;
                        continue;
                    }
                    if is_read {
                        return Err(Error::Transport { request, source });
                    }
                    return Err(Error::OutcomeUnknown {
                        request,
                        reason: format!("its answer broke off ({})", innermost(&source)),
                        timed_out: source.is_timeout(),
                    });
                }
                Err(Failure::Deadline) => {
                    if is_read {
                        return Err(Error::Timeout {
                            request,
                            limit: length,
                        });
                    }
                    return Err(Error::OutcomeUnknown {
                        request,
                        reason: format!(
                            "no answer came within the time limit of {:.1} s",
                            length.as_secs_f64()
                        ),
                        timed_out: true,
                    });
                }
            };
            // `-v` shows each exchange (the URL never holds credentials: taken out at build);
            // `-vv` the start of its body.
            tracing::debug!(%request, status = status.as_u16(), "answer");
            tracing::trace!(%request, body = %crate::error::printable(&truncate(&String::from_utf8_lossy(&read.bytes), 4096)), "answer body");
            if status == StatusCode::UNAUTHORIZED && auth.has_credentials() && !answering_challenge
            {
                // Either the first challenge, or a reused nonce the server no longer accepts:
                // answer this response's own challenge once.
                drop(lease);
                match auth.learn(&headers) {
                    Ok(session) => {
                        fresh = session;
                        answering_challenge = true;
                        continue;
                    }
                    Err(ChallengeError::NoCredentials) => {}
                    Err(e @ ChallengeError::NoUsableMechanism(_)) => {
                        return Err(Error::Unauthorized(Box::new(ServerError {
                            request,
                            status,
                            message: e.to_string(),
                        })));
                    }
                    Err(e @ ChallengeError::Unsupported { .. }) => {
                        return Err(Error::AuthUnsupported(Box::new(ServerError {
                            request,
                            status,
                            message: e.to_string(),
                        })));
                    }
                }
            } else if status != StatusCode::UNAUTHORIZED {
                auth.release(lease);
            }
            answering_challenge = false;
            if matches!(status.as_u16(), 502..=504) && is_read && may_retry(retries) {
                retries += 1;
                tokio::time::sleep(policy.backoff(retries)).await;
                continue;
            }
            let expected = route.expected().contains(&status.as_u16());
            if expected && read.overflowed {
                if is_read {
                    return Err(Error::ResponseTooLarge {
                        request,
                        limit: MAX_RESPONSE_BYTES,
                    });
                }
                return Err(Error::OutcomeUnknown {
                    request,
                    reason: format!(
                        "its answer (HTTP {}) was larger than {MAX_RESPONSE_BYTES} bytes and was not read",
                        status.as_u16()
                    ),
                    timed_out: false,
                });
            }
            let answer = Answer {
                request,
                status,
                headers,
                body: read.bytes,
            };
            if expected {
                return Ok(answer);
            }
            return Err(map_status(route, answer, read.total));
        }
    }
}

/// Why an attempt got no complete answer.
enum Failure {
    /// The request could not be sent, or no response head came back.
    Send(reqwest::Error),
    /// The response body broke off.
    Body(reqwest::Error),
    /// The call's deadline passed.
    Deadline,
}

/// A body read up to a limit.
struct CappedBody {
    /// The bytes read (at most the limit).
    bytes: Vec<u8>,
    /// The body's whole size, when known: its `Content-Length`, or the bytes read to its end.
    total: Option<usize>,
    /// True when the body was larger than the limit: the rest was not read.
    overflowed: bool,
}

/// Reads a body, but never more than `limit` bytes: a body is cut off once it passes the limit,
/// and one declared larger is not read at all unless `keep_start` (an error's message is in its
/// first bytes).
async fn read_capped(
    response: &mut reqwest::Response,
    limit: usize,
    keep_start: bool,
) -> std::result::Result<CappedBody, reqwest::Error> {
    let declared = response.content_length();
    if let Some(length) = declared
        && length > limit as u64
        && !keep_start
    {
        return Ok(CappedBody {
            bytes: Vec::new(),
            total: usize::try_from(length).ok(),
            overflowed: true,
        });
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if bytes.len() + chunk.len() > limit {
            let room = limit - bytes.len();
            bytes.extend_from_slice(&chunk[..room]);
            let total = declared.and_then(|d| usize::try_from(d).ok());
            return Ok(CappedBody {
                total,
                bytes,
                overflowed: true,
            });
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(CappedBody {
        total: Some(bytes.len()),
        bytes,
        overflowed: false,
    })
}

/// The innermost cause of an error, which usually says what really happened.
fn innermost(error: &(dyn std::error::Error + 'static)) -> String {
    let mut current = error;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}

/// Turns an unexpected answer into the error that says what happened.
fn map_status(route: &Route<'_>, answer: Answer, total: Option<usize>) -> Error {
    // Only the start of a long body is kept: enough for any real message.
    let message = clip_message(&answer.text(), total);
    let status = answer.status;
    let server_error = Box::new(ServerError {
        request: answer.request,
        status,
        message,
    });
    let text = server_error.message.as_str();
    match status.as_u16() {
        401 => Error::Unauthorized(server_error),
        403 => Error::Forbidden(server_error),
        404 if text.contains(server_texts::NO_BACKUP_SITES) => {
            Error::CacheWithoutBackups(server_error)
        }
        404 if text.contains(server_texts::NOT_A_BACKUP_SITE) => Error::SiteNotFound(server_error),
        404 if text.contains(server_texts::CACHE_NOT_FOUND) => Error::CacheNotFound(server_error),
        // The container answers 404 with an empty body when no cache backs up to the site.
        404 if text.is_empty() && matches!(route, Route::ContainerSiteStatus { .. }) => {
            Error::SiteNotFound(server_error)
        }
        500 if text.contains(server_texts::SITE_OPERATION_FAILED) => {
            Error::SiteOperationFailed(server_error)
        }
        _ => Error::UnexpectedStatus(server_error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let policy = RetryPolicy {
            max_retries: 5,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(300),
        };
        assert_eq!(policy.backoff(1), Duration::from_millis(100));
        assert_eq!(policy.backoff(2), Duration::from_millis(200));
        assert_eq!(policy.backoff(3), Duration::from_millis(300));
    }
}
