//! The SDK's error type.
//!
//! Every error that comes from an HTTP exchange keeps the request (method and URL), the HTTP status
//! and the server's message, so that a caller can print exactly what the server said (the REPL prints
//! `Not Found: <message>` as cli.sh does) and an operator can see which call failed.

use std::fmt;
use std::time::Duration;

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
        write!(f, "{}: ", self.request)?;
        if self.message.is_empty() {
            // No body: the status' reason is all there is to say (a 3xx, a 204 or 304 in place of
            // an answer).
            f.write_str(&status_line(self.status.as_u16()))?;
        } else {
            write!(f, "HTTP {}", self.status.as_u16())?;
            write!(f, ": {}", printable(&self.message))?;
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
            .map(|(cache, message)| format!("{}: {}", printable(cache), printable(message)))
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
    #[error("TLS error: {request}: {detail} ({})", tls_hint(*plain_http))]
    Tls {
        /// The request whose connection failed.
        request: RequestInfo,
        /// The innermost error text (the TLS library's reason).
        detail: String,
        /// True when the port answered in plain HTTP: the URL should start with `http://`.
        plain_http: bool,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },
    /// The call did not end within its time limit (the client's request timeout, or the deadline
    /// of [`crate::Client::with_deadline`]): a read that got no complete answer in time, or any
    /// call that ran out of time before it could be sent. A state change that runs out of time
    /// after it was sent is [`Error::OutcomeUnknown`] instead.
    #[error("timed out: {request}: no complete answer within {}", seconds(*limit))]
    Timeout {
        /// The request that was not sent.
        request: RequestInfo,
        /// The limit that was reached.
        limit: Duration,
    },
    /// A request that changes state (a POST, PUT or DELETE) was sent, but its answer was lost: the
    /// connection broke, the time limit ran out, or the answer was too large to read. The server
    /// may or may not have applied it, so nothing may be assumed either way: read the state
    /// before sending it again.
    #[error(
        "outcome unknown: {request} was sent but {reason}; the server may or may not have applied it: check the state before sending it again"
    )]
    OutcomeUnknown {
        /// The request whose outcome is unknown.
        request: RequestInfo,
        /// What happened to the answer.
        reason: String,
        /// True when it was the time limit that ran out.
        timed_out: bool,
    },
    /// The answer's body is larger than the client reads ([`crate::MAX_RESPONSE_BYTES`]); no real
    /// cross-site answer comes near it.
    #[error(
        "response too large: {request}: the body is larger than {limit} bytes; it was not read"
    )]
    ResponseTooLarge {
        /// The request whose answer was too large.
        request: RequestInfo,
        /// The most the client reads.
        limit: usize,
    },
    /// The server asks for authentication in a way this client does not support (for example
    /// Digest with only `qop=auth-int`): the credentials were not even tried.
    #[error("unsupported authentication: {0}")]
    AuthUnsupported(Box<ServerError>),
    /// A name the server cannot be sent (too long, empty), refused before any request.
    #[error("invalid name: {0}")]
    InvalidName(String),
    /// The server's body could not be read as the expected type.
    #[error(
        "cannot decode the response of {request}: {reason}; body: {}",
        printable(body)
    )]
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
    Config(ConfigError),
    /// The caller gave up the call before its answer came (the REPL's Ctrl-C): a change it asked
    /// for may or may not have been made. The SDK never gives up a call by itself; a caller that
    /// drops a call's future reports it with this.
    #[error(
        "abandoned: the call was given up before its answer; a change it asked for may or may not have been made"
    )]
    Abandoned,
}

/// What is wrong with a client's configuration ([`Error::Config`]): found when the client is
/// built, or before a request is sent.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The base URL cannot be parsed.
    #[error("invalid base URL '{url}': {source}")]
    InvalidUrl {
        /// The base URL as given.
        url: String,
        /// Why it cannot be parsed.
        #[source]
        source: url::ParseError,
    },
    /// The base URL is neither `http://` nor `https://`.
    #[error("the base URL '{url}' must start with http:// or https://")]
    UnsupportedScheme {
        /// The base URL as given.
        url: String,
    },
    /// The base URL names no host.
    #[error("the base URL '{url}' has no host")]
    NoHost {
        /// The base URL as given.
        url: String,
    },
    /// A CA, client key or client certificate file cannot be read.
    #[error("cannot read the {role} {}: {source}", path.display())]
    UnreadableFile {
        /// What the file was to hold.
        role: FileRole,
        /// The file.
        path: std::path::PathBuf,
        /// Why it cannot be read.
        #[source]
        source: std::io::Error,
    },
    /// A CA file or PEM text is not a PEM certificate bundle.
    #[error("{ca} is not a PEM certificate bundle: {source}")]
    InvalidCa {
        /// The CA file or PEM text.
        ca: CaSource,
        /// Why it cannot be read as PEM.
        #[source]
        source: reqwest::Error,
    },
    /// A CA file or PEM text holds no certificate.
    #[error("{ca} holds no PEM certificate")]
    EmptyCa {
        /// The CA file or PEM text.
        ca: CaSource,
    },
    /// The client certificate or its key is invalid.
    #[error("invalid client certificate or key: {source}")]
    InvalidClientIdentity {
        /// What the TLS library found wrong.
        #[source]
        source: reqwest::Error,
    },
    /// The HTTP client cannot be built from the options.
    #[error("cannot build the HTTP client: {source}")]
    HttpClient {
        /// Why.
        #[source]
        source: reqwest::Error,
    },
    /// The credentials hold characters an HTTP header cannot carry.
    #[error("the credentials hold characters HTTP cannot carry")]
    UnencodableCredentials,
}

/// What a file given to the builder was to hold ([`ConfigError::UnreadableFile`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FileRole {
    /// CA certificates ([`crate::ClientBuilder::ca_file`]).
    CaFile,
    /// The client's private key ([`crate::ClientBuilder::client_certificate`]).
    ClientKey,
    /// The client's certificate (chain) ([`crate::ClientBuilder::client_certificate`]).
    ClientCertificate,
}

impl fmt::Display for FileRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FileRole::CaFile => "CA file",
            FileRole::ClientKey => "client key",
            FileRole::ClientCertificate => "client certificate",
        })
    }
}

/// Where CA certificates came from: a file, or the n-th PEM text given to
/// [`crate::ClientBuilder::ca_pem`] (counted from 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaSource {
    /// A CA file.
    File(std::path::PathBuf),
    /// The n-th PEM text, counted from 1.
    Pem(usize),
}

impl fmt::Display for CaSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CaSource::File(path) => write!(f, "{}", path.display()),
            CaSource::Pem(n) => write!(f, "CA PEM #{n}"),
        }
    }
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
            | Error::Timeout { request, .. }
            | Error::OutcomeUnknown { request, .. }
            | Error::ResponseTooLarge { request, .. }
            | Error::Decode { request, .. } => Some(request),
            Error::PartialFailure(p) => Some(&p.request),
            Error::Config(_) | Error::InvalidName(_) | Error::Abandoned => None,
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
            | Error::AuthUnsupported(e)
            | Error::UnexpectedStatus(e) => Some(e),
            _ => None,
        }
    }

    /// True when the server could not be reached at all (connection refused, DNS, connect timeout).
    pub fn is_connect(&self) -> bool {
        matches!(self, Error::Transport { source, .. } if source.is_connect())
    }

    /// True when a time limit ran out: the client's request timeout, or a deadline set with
    /// [`crate::Client::with_deadline`].
    pub fn is_timeout(&self) -> bool {
        match self {
            Error::Timeout { .. } => true,
            Error::OutcomeUnknown { timed_out, .. } => *timed_out,
            Error::Transport { source, .. } => source.is_timeout(),
            _ => false,
        }
    }

    /// True when a state change may or may not have been applied ([`Error::OutcomeUnknown`]).
    /// Such a failure must never be reported as "nothing happened".
    pub fn is_outcome_unknown(&self) -> bool {
        matches!(self, Error::OutcomeUnknown { .. })
    }
}

/// Server text made safe for a terminal: control characters (ESC, BEL, CR, …, and the C1 range)
/// become `\u00XX` escapes (as in JSON), so that a hostile or broken server cannot move the
/// cursor, clear the screen or set the window title. Line feeds and tabs are kept. Every text that
/// comes from a server goes through this before it is printed.
///
/// ```
/// assert_eq!(xsite::printable("a\x1b[2Jb\tc\nd"), "a\\u001b[2Jb\tc\nd");
/// ```
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char =
        |c: char| c.is_control() && c != '\n' && c != '\t' || c == '\u{2028}' || c == '\u{2029}';
    if !text.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// An HTTP status in words, for messages where the server sent no text: `HTTP 304 Not Modified`.
pub fn status_line(status: u16) -> String {
    match reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
    {
        Some(reason) => format!("HTTP {status} {reason}"),
        None => format!("HTTP {status}"),
    }
}

/// The longest server text kept in an error, in bytes: enough for any real message, small enough
/// that a hostile body cannot flood a terminal or a log.
pub const MAX_MESSAGE_BYTES: usize = 2048;

/// Cuts a server text to [`MAX_MESSAGE_BYTES`] (on a character boundary) and says how much was
/// left out. `total` is the body's whole size when known; `None` means it was larger than what
/// was read.
pub(crate) fn clip_message(text: &str, total: Option<usize>) -> String {
    let whole = total.is_some_and(|t| t <= text.len());
    if text.len() <= MAX_MESSAGE_BYTES && whole {
        return text.to_owned();
    }
    let mut end = text.len().min(MAX_MESSAGE_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    match total {
        Some(total) => format!(
            "{}… [{} bytes in all, cut]",
            &text[..end],
            total.max(text.len())
        ),
        None => format!(
            "{}… [more than {} bytes, cut]",
            &text[..end],
            text.len().max(MAX_MESSAGE_BYTES)
        ),
    }
}

/// What to do about a failed TLS handshake.
fn tls_hint(plain_http: bool) -> &'static str {
    if plain_http {
        "the port speaks plain HTTP, not TLS: use an http:// URL"
    } else {
        "give the server's CA with a CA file, or, for a test server only, trust all certificates"
    }
}

/// A duration in seconds, as operators give it (`--timeout 30`).
fn seconds(duration: Duration) -> String {
    format!("{:.3}", duration.as_secs_f64())
        .trim_end_matches('0')
        .trim_end_matches('.')
        .to_owned()
        + " s"
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

        /// Whatever a server sends, what is shown holds no control character but line feeds and
        /// tabs, and text without any is shown as sent.
        #[test]
        fn printable_text_drives_no_terminal(text in proptest::collection::vec(any::<char>(), 0..200)) {
            let text = String::from_iter(text);
            let shown = printable(&text);
            prop_assert!(!shown.chars().any(|c| c.is_control() && c != '\n' && c != '\t'));
            if !text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
                prop_assert!(shown.len() >= text.len());
            }
        }

        /// A clipped message stays short, whatever its size.
        #[test]
        fn clipped_messages_are_bounded(
            text in proptest::collection::vec(any::<char>(), 0..3000),
            extra in proptest::option::of(0usize..1_000_000_000),
        ) {
            let text = String::from_iter(text);
            let clipped = clip_message(&text, extra.map(|e| text.len() + e));
            prop_assert!(clipped.len() <= MAX_MESSAGE_BYTES + 64);
            if text.len() <= MAX_MESSAGE_BYTES && extra == Some(0) {
                prop_assert_eq!(clipped, text);
            }
        }
    }

    #[test]
    fn printable_escapes_terminal_controls() {
        assert_eq!(printable("ok"), "ok");
        assert_eq!(
            printable("a\u{1b}[2J\u{7}\r\u{9b}"),
            "a\\u001b[2J\\u0007\\u000d\\u009b"
        );
        assert_eq!(printable("line\n\tnext"), "line\n\tnext");
    }

    #[test]
    fn an_empty_error_names_its_status() {
        assert_eq!(status_line(302), "HTTP 302 Found");
        assert_eq!(status_line(599), "HTTP 599");
    }
}
