//! The client: [`Client`], its cheap clone, and the entry points of the handler chains.
//!
//! Its parts: [`builder`] makes a client from a URL and options, [`tls`] sets up rustls (CA files,
//! a client certificate, trust-all for test servers), and [`transport`] sends a call (body caps,
//! deadlines, retries, authentication challenges, the mapping of statuses to errors).

mod builder;
mod tls;
mod transport;

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::OnceCell;

use crate::auth::Authenticator;
use crate::error::{Error, RequestInfo, Result};
use crate::model::{ContainerInfo, ServerVersion};
use crate::routes::{ContainerPath, Route};

pub use builder::{
    ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_CONTEXT_PATH, DEFAULT_REQUEST_TIMEOUT,
};
use transport::truncate;
pub(crate) use transport::{Answer, Body};
pub use transport::{MAX_RESPONSE_BYTES, RetryPolicy};

/// The longest cache, site or container name sent, in bytes. Longer names are refused before
/// any request ([`Error::InvalidName`]): no server accepts them in a URL.
pub const MAX_NAME_BYTES: usize = 1024;
/// The longest entry key sent, in bytes (keys are part of the URL too).
pub const MAX_KEY_BYTES: usize = 8 * 1024;

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
    trust_all: bool,
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

    /// Whether the client accepts any server certificate ([`ClientBuilder::trust_all`]).
    pub fn trusts_all(&self) -> bool {
        self.inner.trust_all
    }

    /// Whether the client sends credentials (a password or a token).
    pub fn has_credentials(&self) -> bool {
        self.inner.auth.has_credentials()
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

    /// The authenticated user's permissions (`GET /v2/security/user/acl`):
    /// `{"subject": [{"name", "type"}], "global": [PERMISSION…], "caches": {CACHE: [PERMISSION…]}}`.
    pub async fn user_acl(&self) -> Result<serde_json::Value> {
        self.call(&Route::UserAcl).await?.json()
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
        // The version lookup only for a route whose path depends on it: a per-cache call is one
        // request (two with a Digest challenge), whatever the server's generation.
        let container = if route.needs_container() {
            Some(self.discover().await?.container.clone())
        } else {
            None
        };
        let limit = self.call_deadline();
        // One state change at a time: concurrent ones deadlock Infinispan 15+ (see
        // `Route::changes_site_state`). The wait counts against the call's time limit.
        let _one_at_a_time = if route.changes_site_state() {
            let lock = self.inner.site_state_changes.lock();
            match tokio::time::timeout_at(limit.0.into(), lock).await {
                Ok(guard) => Some(guard),
                Err(_) => {
                    return Err(Error::Timeout {
                        request: self.request_info(route, container.as_ref()),
                        limit: limit.1,
                    });
                }
            }
        } else {
            None
        };
        self.execute(route, container.as_ref(), body, limit).await
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
}
