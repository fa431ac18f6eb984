//! The client, its builder, and the transport under every call.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{
    ACCEPT, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HeaderMap, HeaderValue,
};
use reqwest::{Method, StatusCode};
use tokio::sync::OnceCell;
use url::Url;

use crate::auth::{Authenticator, ChallengeError, Credentials};
use crate::error::{
    Error, MAX_MESSAGE_BYTES, RequestInfo, Result, ServerError, clip_message, server_texts,
};
use crate::model::{ContainerInfo, ServerVersion};
use crate::routes::{ContainerPath, Route};

/// The default REST context path.
pub const DEFAULT_CONTEXT_PATH: &str = "/rest";
/// The default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default time limit of one call: every attempt, retry and authentication round trip of it.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// The largest response body the client reads, in bytes. Real cross-site answers are a few
/// kilobytes; a key listing of a large cache stays far below it. A larger body is not read
/// ([`Error::ResponseTooLarge`]), so that a broken or hostile server cannot exhaust memory.
pub const MAX_RESPONSE_BYTES: usize = 8 * 1024 * 1024;
/// The longest cache, site or container name sent, in bytes. Longer names are refused before
/// any request ([`Error::InvalidName`]): no server accepts them in a URL.
pub const MAX_NAME_BYTES: usize = 1024;
/// The longest entry key sent, in bytes (keys are part of the URL too).
pub const MAX_KEY_BYTES: usize = 8 * 1024;

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

/// Builds a [`Client`].
///
/// ```no_run
/// # async fn demo() -> xsite::Result<()> {
/// use xsite::{Client, Credentials};
///
/// let client = Client::builder("https://dg.example.com:11222")
///     .credentials(Credentials::password("developer", "strong-password"))
///     .ca_file("/etc/pki/dg-ca.pem")
///     .build()?;
/// let status = client.container().xsite().site_status("site-b").await?;
/// println!("site-b is {status}");
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct ClientBuilder {
    base_url: String,
    context_path: Option<String>,
    credentials: Credentials,
    ca_files: Vec<PathBuf>,
    ca_pems: Vec<Vec<u8>>,
    client_identity: Option<ClientIdentity>,
    trust_all: bool,
    connect_timeout: Duration,
    request_timeout: Duration,
    retry: RetryPolicy,
    container: Option<ContainerPath>,
    http1_only: bool,
}

#[derive(Debug)]
enum ClientIdentity {
    Files { cert: PathBuf, key: PathBuf },
    Pem(Vec<u8>),
}

impl ClientBuilder {
    fn new(base_url: impl Into<String>) -> Self {
        ClientBuilder {
            base_url: base_url.into(),
            context_path: None,
            credentials: Credentials::None,
            ca_files: Vec::new(),
            ca_pems: Vec::new(),
            client_identity: None,
            trust_all: false,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            retry: RetryPolicy::default(),
            container: None,
            http1_only: false,
        }
    }

    /// The REST context path (default `/rest`).
    pub fn context_path(mut self, path: impl Into<String>) -> Self {
        self.context_path = Some(path.into());
        self
    }

    /// The credentials to present. Credentials in the base URL's user-info are used when none are
    /// given here.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = credentials;
        self
    }

    /// Trusts the CAs in a PEM file, in addition to the system's roots.
    pub fn ca_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_files.push(path.into());
        self
    }

    /// Trusts the CAs in PEM text, in addition to the system's roots.
    pub fn ca_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.ca_pems.push(pem.into());
        self
    }

    /// Presents a client certificate: a PEM certificate (chain) file and a PEM private key file.
    pub fn client_certificate(mut self, cert: impl Into<PathBuf>, key: impl Into<PathBuf>) -> Self {
        self.client_identity = Some(ClientIdentity::Files {
            cert: cert.into(),
            key: key.into(),
        });
        self
    }

    /// Presents a client certificate from PEM text holding the private key and the certificate.
    pub fn client_identity_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.client_identity = Some(ClientIdentity::Pem(pem.into()));
        self
    }

    /// Accepts any server certificate. Only for test servers: it removes the protection TLS gives.
    /// A warning is logged when the client is built.
    pub fn trust_all(mut self, trust_all: bool) -> Self {
        self.trust_all = trust_all;
        self
    }

    /// The connect timeout (default 10 s). It never exceeds the request timeout.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The time limit of one call, from its start to its answer's last byte, retries and
    /// authentication round trips included (default 60 s). A read that runs out of time fails
    /// with a timeout; a state change that was already sent fails with
    /// [`Error::OutcomeUnknown`].
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Sets both the request timeout and (when lower than its default) the connect timeout, as
    /// the REPL's `--timeout` does.
    pub fn timeout(self, timeout: Duration) -> Self {
        let connect = self.connect_timeout.min(timeout);
        self.request_timeout(timeout).connect_timeout(connect)
    }

    /// How failed requests are retried.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Uses this container path instead of discovering it from the server's version.
    pub fn container_path(mut self, container: ContainerPath) -> Self {
        self.container = Some(container);
        self
    }

    /// Speaks HTTP/1.1 only (no HTTP/2 negotiation).
    pub fn http1_only(mut self) -> Self {
        self.http1_only = true;
        self
    }

    /// Builds the client. Fails on a bad URL or an unreadable CA or certificate file.
    pub fn build(self) -> Result<Client> {
        let mut url = Url::parse(&self.base_url)
            .map_err(|e| Error::Config(format!("invalid base URL '{}': {e}", self.base_url)))?;
        if url.scheme() != "http" && url.scheme() != "https" {
            return Err(Error::Config(format!(
                "the base URL '{}' must start with http:// or https://",
                self.base_url
            )));
        }
        if url.host_str().is_none() {
            return Err(Error::Config(format!(
                "the base URL '{}' has no host",
                self.base_url
            )));
        }
        let mut credentials = self.credentials;
        if !url.username().is_empty() {
            // Credentials in the URL are taken out of it, so that URLs in errors and logs hold none.
            if matches!(credentials, Credentials::None) {
                let username = percent_decode(url.username());
                let password = percent_decode(url.password().unwrap_or(""));
                credentials = Credentials::password(username, password);
            }
            let _ = url.set_username("");
            let _ = url.set_password(None);
        }
        let context_path = match self.context_path {
            Some(path) => path,
            None if url.path() != "/" && !url.path().is_empty() => url.path().to_owned(),
            None => DEFAULT_CONTEXT_PATH.to_owned(),
        };
        let context_path = normalize_context_path(&context_path);
        let origin = url.origin().ascii_serialization();

        let mut http = reqwest::Client::builder()
            // No overall timeout here: each call runs under its own deadline (`Client::execute`),
            // which also bounds retries and tells a lost state change from a slow read.
            .connect_timeout(self.connect_timeout.min(self.request_timeout))
            // Keep connections: the server caches the authenticated subject per connection.
            .pool_idle_timeout(Duration::from_secs(60))
            .redirect(reqwest::redirect::Policy::none());
        if self.http1_only {
            http = http.http1_only();
        }
        let mut roots = Vec::new();
        for path in &self.ca_files {
            let pem = read_file(path, "CA file")?;
            roots.extend(parse_ca(&pem, &path.display().to_string())?);
        }
        for (i, pem) in self.ca_pems.iter().enumerate() {
            roots.extend(parse_ca(pem, &format!("CA PEM #{}", i + 1))?);
        }
        if !roots.is_empty() {
            http = http.tls_certs_merge(roots);
        }
        if let Some(identity) = &self.client_identity {
            let pem = match identity {
                ClientIdentity::Files { cert, key } => {
                    let mut pem = read_file(key, "client key")?;
                    pem.push(b'\n');
                    pem.extend(read_file(cert, "client certificate")?);
                    pem
                }
                ClientIdentity::Pem(pem) => pem.clone(),
            };
            let identity = reqwest::Identity::from_pem(&pem)
                .map_err(|e| Error::Config(format!("invalid client certificate or key: {e}")))?;
            http = http.identity(identity);
        }
        if self.trust_all {
            tracing::warn!(
                "TLS certificate verification is OFF (trust all): any server can impersonate {origin}"
            );
            http = http.tls_danger_accept_invalid_certs(true);
        }
        let http = http
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        let discovered = OnceCell::new_with(self.container.map(|container| Discovery {
            version: None,
            container,
        }));
        Ok(Client {
            deadline: None,
            inner: Arc::new(Inner {
                http,
                origin,
                context_path,
                auth: Authenticator::new(credentials),
                retry: self.retry,
                request_timeout: self.request_timeout,
                discovered,
                site_state_changes: tokio::sync::Mutex::new(()),
            }),
        })
    }
}

fn normalize_context_path(path: &str) -> String {
    let trimmed = path.trim_matches('/');
    if trimmed.is_empty() {
        String::new()
    } else {
        format!("/{trimmed}")
    }
}

fn percent_decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", text.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

fn read_file(path: &Path, what: &str) -> Result<Vec<u8>> {
    std::fs::read(path)
        .map_err(|e| Error::Config(format!("cannot read the {what} {}: {e}", path.display())))
}

fn parse_ca(pem: &[u8], what: &str) -> Result<Vec<reqwest::Certificate>> {
    let certs = reqwest::Certificate::from_pem_bundle(pem)
        .map_err(|e| Error::Config(format!("{what} is not a PEM certificate bundle: {e}")))?;
    if certs.is_empty() {
        return Err(Error::Config(format!("{what} holds no PEM certificate")));
    }
    Ok(certs)
}

/// What the client found out about the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovery {
    /// The server's version; `None` when the container path was configured instead.
    pub version: Option<ServerVersion>,
    /// How the container is addressed.
    pub container: ContainerPath,
}

struct Inner {
    http: reqwest::Client,
    origin: String,
    context_path: String,
    auth: Authenticator,
    retry: RetryPolicy,
    request_timeout: Duration,
    discovered: OnceCell<Discovery>,
    site_state_changes: tokio::sync::Mutex<()>,
}

/// A Data Grid REST client. Cheap to clone: clones share the connection pool and what was learnt
/// about authentication and the server.
///
/// Start from [`Client::builder`], then follow a handler chain to the operation:
/// `client.cache("work").xsite().take_offline("site-b")`,
/// `client.container().xsite().site_status("site-b")`.
///
/// Calls that change a backup's state (take-offline, bring-online, push, cancel, a take-offline
/// config change) are sent one at a time per client, even from a concurrent fan-out: run
/// concurrently for several caches they deadlock Infinispan 15 and later. Reads run concurrently.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
    /// When set, no call of this handle runs past it (see [`Client::with_deadline`]).
    deadline: Option<Instant>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base_url())
            .finish_non_exhaustive()
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

fn truncate(text: &str, max: usize) -> String {
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
    /// Starts building a client for a server, for example `http://127.0.0.1:11222`.
    pub fn builder(base_url: impl Into<String>) -> ClientBuilder {
        ClientBuilder::new(base_url)
    }

    /// A handle on the same client whose calls all end by `deadline`: a call that would start
    /// later fails at once with [`Error::Timeout`], and one still running then is cut off (a read
    /// with a timeout, a state change already sent with [`Error::OutcomeUnknown`]). The request
    /// timeout still bounds each call. An earlier deadline of this handle is kept.
    ///
    /// The runbooks use it so that a step's deadline bounds the requests made inside it.
    pub fn with_deadline(&self, deadline: Instant) -> Client {
        Client {
            inner: Arc::clone(&self.inner),
            deadline: Some(self.deadline.map_or(deadline, |d| d.min(deadline))),
        }
    }

    /// The time limit of one call starting now: the request timeout, or less when the handle's
    /// deadline comes first.
    fn call_deadline(&self) -> (Instant, Duration) {
        // A timeout past what the clock can hold is taken as a year: no panic on any value.
        let timeout = self.inner.request_timeout;
        let now = Instant::now();
        let by_timeout = now
            .checked_add(timeout)
            .unwrap_or_else(|| now + Duration::from_secs(365 * 24 * 3600));
        match self.deadline {
            Some(deadline) if deadline < by_timeout => {
                (deadline, deadline.saturating_duration_since(Instant::now()))
            }
            _ => (by_timeout, timeout),
        }
    }

    /// The scheme this client's password goes with, once a request has learnt it from the
    /// server's challenge (or [`Mechanism::BasicPreemptive`](crate::Mechanism) set it up front);
    /// `None` before that, or without a password. Callers warn on [`AuthScheme::Basic`] over
    /// plain `http://`.
    ///
    /// [`AuthScheme::Basic`]: crate::AuthScheme::Basic
    pub fn auth_scheme(&self) -> Option<crate::AuthScheme> {
        self.inner.auth.scheme()
    }

    /// The server's origin and context path, for example `http://127.0.0.1:11222/rest`.
    pub fn base_url(&self) -> String {
        format!("{}{}", self.inner.origin, self.inner.context_path)
    }

    /// Finds out the server's version and how it addresses the container (once; later calls reuse
    /// the answer). 14.0 serves `/v2/cache-managers/{name}`, 15 and later `/v2/container`.
    pub async fn discover(&self) -> Result<&Discovery> {
        self.inner
            .discovered
            .get_or_try_init(|| async {
                let answer = self
                    .execute(&Route::ServerInfo, None, None, self.call_deadline())
                    .await?;
                let info: serde_json::Value = answer.json()?;
                let text = info.get("version").and_then(|v| v.as_str()).unwrap_or("");
                let version = ServerVersion::parse(text).ok_or_else(|| Error::Decode {
                    request: answer.request.clone(),
                    reason: format!("cannot read a server version from '{text}'"),
                    body: truncate(&answer.text(), 512),
                })?;
                let container = if version.major >= 15 {
                    ContainerPath::Container
                } else {
                    let answer = self
                        .execute(&Route::CacheManagerNames, None, None, self.call_deadline())
                        .await?;
                    let names: Vec<String> = answer.json()?;
                    let name = names.into_iter().next().ok_or_else(|| Error::Decode {
                        request: answer.request.clone(),
                        reason: "the server lists no cache container".to_owned(),
                        body: truncate(&answer.text(), 512),
                    })?;
                    ContainerPath::CacheManager(name)
                };
                Ok(Discovery {
                    version: Some(version),
                    container,
                })
            })
            .await
    }

    /// Reads the server's version (`GET /v2/server`).
    pub async fn server_version(&self) -> Result<Option<ServerVersion>> {
        Ok(self.discover().await?.version.clone())
    }

    /// Handlers for one cache.
    pub fn cache(&self, name: impl Into<String>) -> crate::cache::CacheHandle {
        crate::cache::CacheHandle::new(self.clone(), name.into())
    }

    /// Handlers for the whole cache container.
    pub fn container(&self) -> crate::container::ContainerHandle {
        crate::container::ContainerHandle::new(self.clone())
    }

    /// Lists the cache names (`GET /v2/caches`).
    pub async fn cache_names(&self) -> Result<Vec<String>> {
        self.call(&Route::CacheNames).await?.json()
    }

    /// Reads the container information, which holds the local site, the sites view and the relay
    /// nodes (`GET /v2/cache-managers/{name}` on 14.0, `GET /v2/container` on 15 and later).
    pub async fn container_info(&self) -> Result<ContainerInfo> {
        self.call(&Route::ContainerInfo).await?.json()
    }

    /// Sends a route without a body and checks the status.
    pub(crate) async fn call(&self, route: &Route<'_>) -> Result<Answer> {
        self.call_with(route, None).await
    }

    /// Sends a route, with an optional body, and checks the status.
    pub(crate) async fn call_with(&self, route: &Route<'_>, body: Option<Body>) -> Result<Answer> {
        // Names are checked before anything is sent, discovery included.
        route.check_names(MAX_NAME_BYTES, MAX_KEY_BYTES)?;
        let container = self.discover().await?.container.clone();
        let limit = self.call_deadline();
        // One state change at a time: concurrent ones deadlock Infinispan 15+ (see
        // `Route::changes_site_state`). The wait counts against the call's time limit.
        let _one_at_a_time = if route.changes_site_state() {
            let lock = self.inner.site_state_changes.lock();
            match tokio::time::timeout_at(limit.0.into(), lock).await {
                Ok(guard) => Some(guard),
                Err(_) => {
                    return Err(Error::Timeout {
                        request: self.request_info(route, Some(&container)),
                        limit: limit.1,
                    });
                }
            }
        } else {
            None
        };
        self.execute(route, Some(&container), body, limit).await
    }

    fn request_info(&self, route: &Route<'_>, container: Option<&ContainerPath>) -> RequestInfo {
        RequestInfo {
            method: route.method(),
            url: self.url_for(route, container),
        }
    }

    fn url_for(&self, route: &Route<'_>, container: Option<&ContainerPath>) -> String {
        let fallback = ContainerPath::Container;
        let path = route.path(container.unwrap_or(&fallback));
        let mut url = format!("{}{}{}", self.inner.origin, self.inner.context_path, path);
        let query = route.query();
        if !query.is_empty() {
            let pairs: Vec<String> = query
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{k}={}",
                        url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>()
                    )
                })
                .collect();
            url.push('?');
            url.push_str(&pairs.join("&"));
        }
        url
    }

    /// The transport: sends the request, answers an authentication challenge, retries what may be
    /// retried, and maps an unexpected status to an [`Error`]. Nothing of it runs past `limit`
    /// (the call's deadline and its length, for messages), and no body beyond
    /// [`MAX_RESPONSE_BYTES`] is read.
    async fn execute(
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
                let mut value = HeaderValue::from_str(&header).map_err(|_| {
                    Error::Config("the credentials hold characters HTTP cannot carry".to_owned())
                })?;
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

/// The TLS library's reason, when a request failed in the TLS handshake, and whether the port
/// answered in plain HTTP (the first bytes back were not a TLS record).
fn tls_failure(error: &reqwest::Error) -> Option<(String, bool)> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = source {
        if let Some(tls) = find_rustls_error(current) {
            let plain_http = matches!(
                tls,
                rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType)
            );
            return Some((tls.to_string(), plain_http));
        }
        source = current.source();
    }
    None
}

/// Looks through `io::Error` wrappers, whose `source()` skips the wrapped error itself.
fn find_rustls_error<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a rustls::Error> {
    if let Some(tls) = error.downcast_ref::<rustls::Error>() {
        return Some(tls);
    }
    let inner = error.downcast_ref::<std::io::Error>()?.get_ref()?;
    find_rustls_error(inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_info_becomes_credentials_and_leaves_the_url() {
        let client = Client::builder("http://dev%40corp:p%3Ass@127.0.0.1:11222")
            .build()
            .unwrap();
        assert_eq!(client.base_url(), "http://127.0.0.1:11222/rest");
        assert_eq!(client.inner.auth_username(), Some("dev@corp"));
    }

    #[test]
    fn context_path_comes_from_the_url_or_the_default() {
        let client = Client::builder("http://h:1/custom/").build().unwrap();
        assert_eq!(client.base_url(), "http://h:1/custom");
        let client = Client::builder("http://h:1").build().unwrap();
        assert_eq!(client.base_url(), "http://h:1/rest");
        let client = Client::builder("http://h:1")
            .context_path("")
            .build()
            .unwrap();
        assert_eq!(client.base_url(), "http://h:1");
    }

    #[test]
    fn bad_urls_are_refused_with_a_reason() {
        let err = Client::builder("ftp://h").build().unwrap_err();
        assert!(err.to_string().contains("http:// or https://"), "{err}");
        let err = Client::builder("not a url").build().unwrap_err();
        assert!(err.to_string().contains("invalid base URL"), "{err}");
    }

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

    impl Inner {
        fn auth_username(&self) -> Option<&str> {
            self.auth.username()
        }
    }
}
