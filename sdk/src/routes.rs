//! The route table: every REST call the SDK makes, in one place.
//!
//! A [`Route`] names an operation. [`Route::method`], [`Route::path`], [`Route::query`] and
//! [`Route::expected`] turn it into an HTTP request and the statuses that mean success. Nothing else
//! in the SDK spells a path.

use reqwest::Method;

/// How the server addresses the cache container, which depends on its generation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContainerPath {
    /// Infinispan 14.0 (Data Grid 8.4): `/v2/cache-managers/{name}`.
    CacheManager(String),
    /// Infinispan 15 and later: `/v2/container`.
    Container,
}

impl ContainerPath {
    fn prefix(&self) -> String {
        match self {
            ContainerPath::CacheManager(name) => format!("/v2/cache-managers/{}", encode(name)),
            ContainerPath::Container => "/v2/container".to_owned(),
        }
    }
}

/// A per-cache cross-site action (`POST …/x-site/backups/{site}?action=…`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheAction {
    /// `take-offline`.
    TakeOffline,
    /// `bring-online`.
    BringOnline,
    /// `start-push-state`.
    StartPushState,
    /// `cancel-push-state`.
    CancelPushState,
    /// `cancel-receive-state`.
    CancelReceiveState,
}

impl CacheAction {
    /// The `action` query value.
    pub fn as_str(self) -> &'static str {
        match self {
            CacheAction::TakeOffline => "take-offline",
            CacheAction::BringOnline => "bring-online",
            CacheAction::StartPushState => "start-push-state",
            CacheAction::CancelPushState => "cancel-push-state",
            CacheAction::CancelReceiveState => "cancel-receive-state",
        }
    }
}

/// An all-caches (container) cross-site action. The container has no cancel-receive-state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerAction {
    /// `take-offline`.
    TakeOffline,
    /// `bring-online`.
    BringOnline,
    /// `start-push-state`.
    StartPushState,
    /// `cancel-push-state`.
    CancelPushState,
}

impl ContainerAction {
    /// The `action` query value.
    pub fn as_str(self) -> &'static str {
        match self {
            ContainerAction::TakeOffline => "take-offline",
            ContainerAction::BringOnline => "bring-online",
            ContainerAction::StartPushState => "start-push-state",
            ContainerAction::CancelPushState => "cancel-push-state",
        }
    }
}

/// Every REST call the SDK knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route<'a> {
    /// `GET /v2/server`: server information, including the version.
    ServerInfo,
    /// `GET /v2/server/cache-managers`: the container names (14.0).
    CacheManagerNames,
    /// `GET /v2/cache-managers/{name}` or `GET /v2/container`: container information.
    ContainerInfo,
    /// `GET /v2/caches`: cache names.
    CacheNames,
    /// `GET /v2/security/user/acl`: the authenticated user's permissions, globally and per cache.
    UserAcl,
    /// `POST /v2/caches/{cache}?action=clear`.
    CacheClear {
        /// The cache.
        cache: &'a str,
    },
    /// `GET /v2/caches/{cache}?action=config`: the cache's configuration as JSON.
    CacheConfig {
        /// The cache.
        cache: &'a str,
    },
    /// `POST /v2/caches/{cache}`: creates a cache from a configuration (JSON or XML body).
    CacheCreate {
        /// The cache.
        cache: &'a str,
    },
    /// `DELETE /v2/caches/{cache}`: removes a cache and its data.
    CacheDelete {
        /// The cache.
        cache: &'a str,
    },
    /// `GET /v2/caches/{cache}?action=size`.
    CacheSize {
        /// The cache.
        cache: &'a str,
    },
    /// `GET /v2/caches/{cache}?action=keys`.
    CacheKeys {
        /// The cache.
        cache: &'a str,
    },
    /// `GET /v2/caches/{cache}/{key}`.
    EntryGet {
        /// The cache.
        cache: &'a str,
        /// The key.
        key: &'a str,
    },
    /// `PUT /v2/caches/{cache}/{key}` (create or replace).
    EntryPut {
        /// The cache.
        cache: &'a str,
        /// The key.
        key: &'a str,
    },
    /// `DELETE /v2/caches/{cache}/{key}`.
    EntryDelete {
        /// The cache.
        cache: &'a str,
        /// The key.
        key: &'a str,
    },
    /// `GET /v2/caches/{cache}/x-site/backups/`: status of every backup site.
    CacheBackups {
        /// The cache.
        cache: &'a str,
    },
    /// `GET /v2/caches/{cache}/x-site/backups/{site}`: one site's status per node.
    CacheSiteStatus {
        /// The cache.
        cache: &'a str,
        /// The backup site.
        site: &'a str,
    },
    /// `POST /v2/caches/{cache}/x-site/backups/{site}?action=…`.
    CacheSiteAction {
        /// The cache.
        cache: &'a str,
        /// The backup site.
        site: &'a str,
        /// The action.
        action: CacheAction,
    },
    /// `GET /v2/caches/{cache}/x-site/backups?action=push-state-status`.
    PushStateStatus {
        /// The cache.
        cache: &'a str,
    },
    /// `POST /v2/caches/{cache}/x-site/local?action=clear-push-state-status`.
    ClearPushStateStatus {
        /// The cache.
        cache: &'a str,
    },
    /// `GET /v2/caches/{cache}/x-site/backups/{site}/take-offline-config`.
    TakeOfflineConfig {
        /// The cache.
        cache: &'a str,
        /// The backup site.
        site: &'a str,
    },
    /// `PUT /v2/caches/{cache}/x-site/backups/{site}/take-offline-config`.
    SetTakeOfflineConfig {
        /// The cache.
        cache: &'a str,
        /// The backup site.
        site: &'a str,
    },
    /// `GET /v2/caches/{cache}/x-site/backups/{site}/state-transfer-mode`.
    StateTransferMode {
        /// The cache.
        cache: &'a str,
        /// The backup site.
        site: &'a str,
    },
    /// `POST /v2/caches/{cache}/x-site/backups/{site}/state-transfer-mode?action=set&mode=…`.
    SetStateTransferMode {
        /// The cache.
        cache: &'a str,
        /// The backup site.
        site: &'a str,
        /// `MANUAL` or `AUTO`.
        mode: &'a str,
    },
    /// `GET {container}/x-site/backups/`: status of every site over all caches.
    ContainerBackups,
    /// `GET {container}/x-site/backups/{site}`: one site's status over all caches.
    ContainerSiteStatus {
        /// The backup site.
        site: &'a str,
    },
    /// `POST {container}/x-site/backups/{site}?action=…`: an action on every cache.
    ContainerSiteAction {
        /// The backup site.
        site: &'a str,
        /// The action.
        action: ContainerAction,
    },
}

impl Route<'_> {
    /// The HTTP method.
    pub fn method(&self) -> Method {
        match self {
            Route::CacheClear { .. }
            | Route::CacheCreate { .. }
            | Route::CacheSiteAction { .. }
            | Route::ClearPushStateStatus { .. }
            | Route::SetStateTransferMode { .. }
            | Route::ContainerSiteAction { .. } => Method::POST,
            Route::EntryPut { .. } | Route::SetTakeOfflineConfig { .. } => Method::PUT,
            Route::EntryDelete { .. } | Route::CacheDelete { .. } => Method::DELETE,
            _ => Method::GET,
        }
    }

    /// The path below the context path (for example `/v2/caches/work/x-site/backups/`).
    pub fn path(&self, container: &ContainerPath) -> String {
        let cache_path = |cache: &str| format!("/v2/caches/{}", encode(cache));
        let backups = |cache: &str| format!("{}/x-site/backups", cache_path(cache));
        let site_path = |cache: &str, site: &str| format!("{}/{}", backups(cache), encode(site));
        match self {
            Route::ServerInfo => "/v2/server".to_owned(),
            Route::CacheManagerNames => "/v2/server/cache-managers".to_owned(),
            Route::ContainerInfo => container.prefix(),
            Route::CacheNames => "/v2/caches".to_owned(),
            Route::UserAcl => "/v2/security/user/acl".to_owned(),
            Route::CacheClear { cache }
            | Route::CacheConfig { cache }
            | Route::CacheCreate { cache }
            | Route::CacheDelete { cache }
            | Route::CacheSize { cache }
            | Route::CacheKeys { cache } => cache_path(cache),
            Route::EntryGet { cache, key }
            | Route::EntryPut { cache, key }
            | Route::EntryDelete { cache, key } => format!("{}/{}", cache_path(cache), encode(key)),
            // The trailing slash is what the Java client sends; the server ignores it.
            Route::CacheBackups { cache } => format!("{}/", backups(cache)),
            Route::CacheSiteStatus { cache, site } | Route::CacheSiteAction { cache, site, .. } => {
                site_path(cache, site)
            }
            Route::PushStateStatus { cache } => backups(cache),
            Route::ClearPushStateStatus { cache } => format!("{}/x-site/local", cache_path(cache)),
            Route::TakeOfflineConfig { cache, site }
            | Route::SetTakeOfflineConfig { cache, site } => {
                format!("{}/take-offline-config", site_path(cache, site))
            }
            Route::StateTransferMode { cache, site }
            | Route::SetStateTransferMode { cache, site, .. } => {
                format!("{}/state-transfer-mode", site_path(cache, site))
            }
            Route::ContainerBackups => format!("{}/x-site/backups/", container.prefix()),
            Route::ContainerSiteStatus { site } | Route::ContainerSiteAction { site, .. } => {
                format!("{}/x-site/backups/{}", container.prefix(), encode(site))
            }
        }
    }

    /// The query parameters, in order.
    pub fn query(&self) -> Vec<(&'static str, &str)> {
        match self {
            Route::CacheClear { .. } => vec![("action", "clear")],
            Route::CacheSize { .. } => vec![("action", "size")],
            Route::CacheConfig { .. } => vec![("action", "config")],
            Route::CacheKeys { .. } => vec![("action", "keys")],
            Route::CacheSiteAction { action, .. } => vec![("action", action.as_str())],
            Route::PushStateStatus { .. } => vec![("action", "push-state-status")],
            Route::ClearPushStateStatus { .. } => vec![("action", "clear-push-state-status")],
            Route::SetStateTransferMode { mode, .. } => vec![("action", "set"), ("mode", mode)],
            Route::ContainerSiteAction { action, .. } => vec![("action", action.as_str())],
            _ => Vec::new(),
        }
    }

    /// The statuses that mean success for this route.
    pub fn expected(&self) -> &'static [u16] {
        match self {
            // 204 changed, 304 unchanged.
            Route::SetTakeOfflineConfig { .. } => &[204, 304],
            // 200 changed, 304 unchanged.
            Route::SetStateTransferMode { .. } => &[200, 304],
            Route::CacheClear { .. }
            | Route::EntryDelete { .. }
            | Route::CacheCreate { .. }
            | Route::CacheDelete { .. } => &[200, 204],
            Route::EntryPut { .. } => &[200, 204],
            // 404 is an answer here: the key is absent.
            Route::EntryGet { .. } => &[200, 404],
            _ => &[200],
        }
    }

    /// The `Accept` header. Entries are read as text: asked for JSON first, the server tries to
    /// convert a text value and answers 400 `ISPN000655`.
    pub fn accept(&self) -> &'static str {
        match self {
            Route::EntryGet { .. } => "text/plain",
            _ => "application/json, text/plain;q=0.9, */*;q=0.8",
        }
    }

    /// Whether the route may be retried after a failure that might have reached the server.
    ///
    /// Only reads are: a take-offline sent twice is harmless, but a retried push could restart a
    /// state transfer, so writes are retried only when the connection was never made.
    pub fn is_idempotent_read(&self) -> bool {
        self.method() == Method::GET
    }

    /// Whether the route changes a backup's online/offline state (take-offline, bring-online,
    /// push, cancel, a changed take-offline config), for one cache or all of them.
    ///
    /// Infinispan 15.0 and later deadlock when such calls for several caches run concurrently:
    /// each takes two caches' offline-status locks in opposite orders, and the node hangs until
    /// restarted (docs/real-server/DIFFERENCES.md, section D). The client sends these one at a
    /// time; reads stay concurrent.
    pub fn changes_site_state(&self) -> bool {
        matches!(
            self,
            Route::CacheSiteAction { .. }
                | Route::SetTakeOfflineConfig { .. }
                | Route::ContainerSiteAction { .. }
        )
    }

    /// Whether the path depends on how the server addresses the container (14.0 names it, 15 and
    /// later do not): only these routes need the server's version first (see
    /// [`Client::discover`](crate::Client::discover)); every other route is sent as it is.
    pub fn needs_container(&self) -> bool {
        matches!(
            self,
            Route::ContainerInfo
                | Route::ContainerBackups
                | Route::ContainerSiteStatus { .. }
                | Route::ContainerSiteAction { .. }
        )
    }

    /// The names the route puts in its URL: (what, name).
    pub fn names(&self) -> Vec<(&'static str, &str)> {
        match self {
            Route::CacheClear { cache }
            | Route::CacheConfig { cache }
            | Route::CacheCreate { cache }
            | Route::CacheDelete { cache }
            | Route::CacheSize { cache }
            | Route::CacheKeys { cache }
            | Route::CacheBackups { cache }
            | Route::PushStateStatus { cache }
            | Route::ClearPushStateStatus { cache } => vec![("cache", cache)],
            Route::EntryGet { cache, key }
            | Route::EntryPut { cache, key }
            | Route::EntryDelete { cache, key } => vec![("cache", cache), ("key", key)],
            Route::CacheSiteStatus { cache, site }
            | Route::CacheSiteAction { cache, site, .. }
            | Route::TakeOfflineConfig { cache, site }
            | Route::SetTakeOfflineConfig { cache, site }
            | Route::StateTransferMode { cache, site }
            | Route::SetStateTransferMode { cache, site, .. } => {
                vec![("cache", cache), ("site", site)]
            }
            Route::ContainerSiteStatus { site } | Route::ContainerSiteAction { site, .. } => {
                vec![("site", site)]
            }
            Route::ServerInfo
            | Route::CacheManagerNames
            | Route::ContainerInfo
            | Route::CacheNames
            | Route::UserAcl
            | Route::ContainerBackups => Vec::new(),
        }
    }

    /// Refuses, before any request, a name longer than `max_name` bytes (a key: `max_key`): no
    /// server takes such a URL, and the HTTP stack's own error would not say why.
    pub fn check_names(&self, max_name: usize, max_key: usize) -> Result<(), crate::Error> {
        for (what, name) in self.names() {
            let max = if what == "key" { max_key } else { max_name };
            if name.len() > max {
                let start: String = name.chars().take(40).collect();
                return Err(crate::Error::InvalidName(format!(
                    "the {what} name '{}…' is {} bytes long; the most is {max}",
                    crate::printable(&start),
                    name.len()
                )));
            }
        }
        Ok(())
    }
}

/// Encodes a path segment as Java's `URLEncoder.encode(s, UTF-8)` does, which is what the
/// Infinispan REST client does with cache names: ASCII letters, digits and `.-*_` stay, a space
/// becomes `+`, and every other byte becomes `%XX`. The server decodes `+` back to a space.
pub fn encode(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'-' | b'*' | b'_' => {
                out.push(byte as char)
            }
            b' ' => out.push('+'),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_like_java_url_encoder() {
        assert_eq!(encode("work"), "work");
        assert_eq!(encode("a b/c"), "a+b%2Fc");
        assert_eq!(encode("___script_cache"), "___script_cache");
        assert_eq!(encode("x*y.z-1"), "x*y.z-1");
        assert_eq!(encode("é"), "%C3%A9");
        assert_eq!(encode("a+b"), "a%2Bb");
    }

    #[test]
    fn container_prefix_depends_on_generation() {
        let v14 = ContainerPath::CacheManager("default".into());
        let v15 = ContainerPath::Container;
        let route = Route::ContainerSiteAction {
            site: "site-b",
            action: ContainerAction::TakeOffline,
        };
        assert_eq!(
            route.path(&v14),
            "/v2/cache-managers/default/x-site/backups/site-b"
        );
        assert_eq!(route.path(&v15), "/v2/container/x-site/backups/site-b");
        assert_eq!(route.query(), vec![("action", "take-offline")]);
        assert_eq!(route.method(), Method::POST);
    }

    #[test]
    fn clear_push_status_uses_the_local_path() {
        let route = Route::ClearPushStateStatus { cache: "work" };
        assert_eq!(
            route.path(&ContainerPath::Container),
            "/v2/caches/work/x-site/local"
        );
        assert_eq!(route.query(), vec![("action", "clear-push-state-status")]);
    }
}
