//! The SDK's error type.
//!
//! Every error that comes from an HTTP exchange keeps the request (method and URL), the HTTP status
//! and the server's message, so that a caller can print exactly what the server said (the REPL prints
//! `Not Found: <message>` as cli.sh does) and an operator can see which call failed.

use std::fmt;

use indexmap::IndexMap;
use reqwest::{Method, StatusCode};

use crate::model::CacheOutcome;

/// The request an error belongs to: its method and its URL (which never holds credentials).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestInfo {
    /// The HTTP method.
    pub method: Method,
    /// The full URL, including the query.
    pub url: String,
}

impl fmt::Display for RequestInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.url)
    }
}

/// What the server answered when a call failed: the request, the status and the body text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerError {
    /// The request that failed.
    pub request: RequestInfo,
    /// The HTTP status the server answered with.
    pub status: StatusCode,
    /// The server's message: the response body as text (may be empty).
    pub message: String,
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: HTTP {}", self.request, self.status.as_u16())?;
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        Ok(())
    }
}

/// The per-cache results of an all-caches (container) action in which at least one cache failed.
///
/// The server answers such an action with HTTP 200 even when some caches failed; the SDK turns that
/// into this error so that a partial failure is never mistaken for success.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartialFailure {
    /// The request whose answer held failures.
    pub request: RequestInfo,
    /// Every cache's outcome, in the server's order (the successful ones too).
    pub results: IndexMap<String, CacheOutcome>,
}

impl PartialFailure {
    /// The caches that failed, with the server's text for each.
    pub fn failed(&self) -> impl Iterator<Item = (&str, &str)> {
        self.results
            .iter()
            .filter_map(|(cache, outcome)| match outcome {
                CacheOutcome::Failed(message) => Some((cache.as_str(), message.as_str())),
                CacheOutcome::Ok => None,
            })
    }
}

impl fmt::Display for PartialFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let failed: Vec<String> = self
            .failed()
            .map(|(cache, message)| format!("{cache}: {message}"))
            .collect();
        write!(
            f,
            "{}: {} of {} caches failed ({})",
            self.request,
            failed.len(),
            self.results.len(),
            failed.join("; ")
        )
    }
}

/// Everything that can go wrong in an SDK call.
///
/// Variants that come from the server box a [`ServerError`], which keeps the method, URL, status and
/// the server's message. Match on the variant to tell the cases apart; use [`Error::status`] and
/// [`Error::server_message`] to read what the server said.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The cache does not exist on the server (404 `ISPN012010`).
    #[error("unknown cache: {0}")]
    CacheNotFound(Box<ServerError>),
    /// The cache exists but has no backup sites (404 `Cache '…' does not have backup sites.`).
    #[error("cache has no backup sites: {0}")]
    CacheWithoutBackups(Box<ServerError>),
    /// The site is not a backup site of the cache, or no cache backs up to it (404).
    #[error("unknown site: {0}")]
    SiteNotFound(Box<ServerError>),
    /// The credentials were missing or rejected (401).
    #[error("unauthorized: {0}")]
    Unauthorized(Box<ServerError>),
    /// The user is authenticated but lacks the permission (403).
    #[error("forbidden: {0}")]
    Forbidden(Box<ServerError>),
    /// The server ran the site operation and it failed (500 `ISPN012047`, or an error text where the
    /// server answers 200 with a result string).
    #[error("site operation failed: {0}")]
    SiteOperationFailed(Box<ServerError>),
    /// An all-caches action that failed for some caches although the server answered 200.
    #[error("partial failure: {0}")]
    PartialFailure(Box<PartialFailure>),
    /// Any other status that the route does not expect.
    #[error("unexpected response: {0}")]
    UnexpectedStatus(Box<ServerError>),
    /// The server could not be reached, or the exchange broke or timed out.
    #[error("transport error: {request}: {source}")]
    Transport {
        /// The request that could not be completed.
        request: RequestInfo,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },
    /// The TLS handshake failed: most often a server certificate that no configured CA signed.
    #[error(
        "TLS error: {request}: {detail} (give the server's CA with a CA file, or, for a test server only, trust all certificates)"
    )]
    Tls {
        /// The request whose connection failed.
        request: RequestInfo,
        /// The innermost error text (the TLS library's reason).
        detail: String,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },
    /// The server's body could not be read as the expected type.
    #[error("cannot decode the response of {request}: {reason}; body: {body}")]
    Decode {
        /// The request whose answer was malformed.
        request: RequestInfo,
        /// What was wrong.
        reason: String,
        /// The body as received (truncated to 512 bytes).
        body: String,
    },
    /// The client was configured wrongly (bad URL, unreadable CA file, …).
    #[error("invalid configuration: {0}")]
    Config(String),
}

impl Error {
    /// The HTTP status the server answered with, when the error came from an answer.
    pub fn status(&self) -> Option<StatusCode> {
        self.server_error().map(|e| e.status)
    }

    /// The server's message (the response body), when the error came from an answer.
    pub fn server_message(&self) -> Option<&str> {
        self.server_error().map(|e| e.message.as_str())
    }

    /// The request the error belongs to, when there was one.
    pub fn request(&self) -> Option<&RequestInfo> {
        match self {
            Error::Transport { request, .. }
            | Error::Tls { request, .. }
            | Error::Decode { request, .. } => Some(request),
            Error::PartialFailure(p) => Some(&p.request),
            Error::Config(_) => None,
            _ => self.server_error().map(|e| &e.request),
        }
    }

    /// The server's answer behind this error, when there was one.
    pub fn server_error(&self) -> Option<&ServerError> {
        match self {
            Error::CacheNotFound(e)
            | Error::CacheWithoutBackups(e)
            | Error::SiteNotFound(e)
            | Error::Unauthorized(e)
            | Error::Forbidden(e)
            | Error::SiteOperationFailed(e)
            | Error::UnexpectedStatus(e) => Some(e),
            _ => None,
        }
    }

    /// True when the server could not be reached at all (connection refused, DNS, connect timeout).
    pub fn is_connect(&self) -> bool {
        matches!(self, Error::Transport { source, .. } if source.is_connect())
    }
}

/// The SDK's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Server message fragments that tell 404s apart. They are the server's own texts (see
/// `docs/real-server`), kept here and nowhere else.
pub(crate) mod server_texts {
    /// 404 for a cache that is not defined (`ISPN012010: Cache with name 'x' not found …`).
    pub const CACHE_NOT_FOUND: &str = "ISPN012010";
    /// 404 for a cache that exists but has no backups.
    pub const NO_BACKUP_SITES: &str = "does not have backup sites";
    /// 404 for a site that the cache does not back up to.
    pub const NOT_A_BACKUP_SITE: &str = "does not backup to site";
    /// 500 for a site operation whose result was not `ok`.
    pub const SITE_OPERATION_FAILED: &str = "ISPN012047";
}
