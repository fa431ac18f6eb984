//! The REST v2 route table and Infinispan's route lookup.
//!
//! The server keeps its routes in a tree of path segments (`ResourceNode`); the lookup result decides between
//! 404 `Resource not found`, 405 `Not allowed`, 400 `Invalid 'action' parameter supplied` and a real invocation,
//! and it decides so *before* authentication. To answer those routing errors exactly like the server, the table
//! below lists every literal REST v2 route of the two server generations (method, path, action, permission,
//! anonymous), not only the ones the simulator implements; the others answer 501 once authenticated.

use std::collections::HashMap;

use crate::Generation;

/// HTTP methods the server knows (`org.infinispan.rest.framework.Method`); others are refused with 403.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum M {
    Get,
    Put,
    Post,
    Head,
    Delete,
    Options,
}

impl M {
    /// Parses a request method; `None` for methods the server refuses outright.
    pub(crate) fn parse(method: &str) -> Option<M> {
        Some(match method {
            "GET" => M::Get,
            "PUT" => M::Put,
            "POST" => M::Post,
            "HEAD" => M::Head,
            "DELETE" => M::Delete,
            "OPTIONS" => M::Options,
            _ => return None,
        })
    }
}

/// Authorization permissions a route can require (`AuthorizationPermission`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum P {
    Admin,
    BulkRead,
    Create,
    Lifecycle,
    Monitor,
    None,
}

impl P {
    /// The permission's name as the server prints it in ISPN000287.
    pub(crate) fn name(self) -> &'static str {
        match self {
            P::Admin => "ADMIN",
            P::BulkRead => "BULK_READ",
            P::Create => "CREATE",
            P::Lifecycle => "LIFECYCLE",
            P::Monitor => "MONITOR",
            P::None => "NONE",
        }
    }
}

/// Which server generations declare a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Gens {
    Both,
    V14,
    V15,
}

use Gens::{Both, V14, V15};

/// One route declaration, as `Invocations.Builder` would register it.
#[derive(Debug)]
pub(crate) struct RouteDef {
    gens: Gens,
    /// Methods this declaration answers.
    pub(crate) methods: &'static [M],
    /// Path template below the `/rest` context, with `{variables}`.
    pub(crate) path: &'static str,
    /// The `?action=` value, if the route is an action.
    pub(crate) action: Option<&'static str>,
    /// Permission checked after authentication.
    pub(crate) permission: Option<P>,
    /// Whether the route is served without authentication.
    pub(crate) anonymous: bool,
}

const fn r(
    gens: Gens,
    methods: &'static [M],
    path: &'static str,
    action: Option<&'static str>,
    permission: Option<P>,
    anonymous: bool,
) -> RouteDef {
    RouteDef {
        gens,
        methods,
        path,
        action,
        permission,
        anonymous,
    }
}

/// Every literal REST v2 route of Infinispan 14.0.35 and 15.0.22 (facts read from the server's route declarations).
static ROUTES: &[RouteDef] = &[
    r(
        Both,
        &[M::Put, M::Post],
        "/v2/caches/{cacheName}/{cacheKey}",
        None,
        None,
        false,
    ),
    r(
        Both,
        &[M::Get, M::Head],
        "/v2/caches/{cacheName}/{cacheKey}",
        None,
        None,
        false,
    ),
    r(
        Both,
        &[M::Delete],
        "/v2/caches/{cacheName}/{cacheKey}",
        None,
        None,
        false,
    ),
    r(
        Both,
        &[M::Get],
        "/v2/caches/{cacheName}",
        Some("keys"),
        None,
        false,
    ),
    r(
        Both,
        &[M::Get],
        "/v2/caches/{cacheName}",
        Some("entries"),
        None,
        false,
    ),
    r(
        Both,
        &[M::Get],
        "/v2/caches/{cacheName}",
        Some("listen"),
        None,
        false,
    ),
    r(
        V14,
        &[M::Get, M::Head],
        "/v2/caches/{cacheName}",
        Some("config"),
        None,
        false,
    ),
    r(
        Both,
        &[M::Get],
        "/v2/caches/{cacheName}",
        Some("stats"),
        None,
        false,
    ),
    r(
        Both,
        &[M::Get],
        "/v2/caches/{cacheName}",
        Some("distribution"),
        None,
        false,
    ),
    r(
        Both,
        &[M::Get],
        "/v2/caches/{cacheName}",
        Some("get-mutable-attributes"),
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Get],
        "/v2/caches/{cacheName}",
        Some("get-mutable-attribute"),
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Post],
        "/v2/caches/{cacheName}",
        Some("set-mutable-attribute"),
        Some(P::Admin),
        false,
    ),
    r(Both, &[M::Get], "/v2/caches/", None, None, false),
    r(
        Both,
        &[M::Post, M::Put],
        "/v2/caches/{cacheName}",
        None,
        None,
        false,
    ),
    r(
        Both,
        &[M::Delete],
        "/v2/caches/{cacheName}",
        None,
        None,
        false,
    ),
    r(
        Both,
        &[M::Head],
        "/v2/caches/{cacheName}",
        None,
        None,
        false,
    ),
    r(
        Both,
        &[M::Get],
        "/v2/caches/{cacheName}",
        Some("get-availability"),
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Post],
        "/v2/caches/{cacheName}",
        Some("set-availability"),
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Post],
        "/v2/caches/{cacheName}",
        Some("clear"),
        None,
        false,
    ),
    r(
        Both,
        &[M::Get],
        "/v2/caches/{cacheName}",
        Some("size"),
        None,
        false,
    ),
    r(
        Both,
        &[M::Post],
        "/v2/caches/{cacheName}",
        Some("sync-data"),
        None,
        false,
    ),
    r(
        Both,
        &[M::Post],
        "/v2/caches/{cacheName}",
        Some("disconnect-source"),
        None,
        false,
    ),
    r(
        Both,
        &[M::Post],
        "/v2/caches/{cacheName}/rolling-upgrade/source-connection",
        None,
        None,
        false,
    ),
    r(
        Both,
        &[M::Delete],
        "/v2/caches/{cacheName}/rolling-upgrade/source-connection",
        None,
        None,
        false,
    ),
    r(
        Both,
        &[M::Head],
        "/v2/caches/{cacheName}/rolling-upgrade/source-connection",
        None,
        None,
        false,
    ),
    r(
        Both,
        &[M::Get],
        "/v2/caches/{cacheName}/rolling-upgrade/source-connection",
        None,
        None,
        false,
    ),
    r(
        Both,
        &[M::Get, M::Post],
        "/v2/caches/{cacheName}",
        Some("search"),
        Some(P::BulkRead),
        false,
    ),
    r(Both, &[M::Post], "/v2/caches", Some("toJSON"), None, false),
    r(Both, &[M::Post], "/v2/caches", Some("convert"), None, false),
    r(Both, &[M::Post], "/v2/caches", Some("compare"), None, false),
    r(Both, &[M::Get], "/v2/caches/{cacheName}", None, None, false),
    r(
        Both,
        &[M::Post],
        "/v2/caches/{cacheName}",
        Some("enable-rebalancing"),
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Post],
        "/v2/caches/{cacheName}",
        Some("disable-rebalancing"),
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Post],
        "/v2/caches/{cacheName}",
        Some("initialize"),
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Post],
        "/v2/cluster",
        Some("stop"),
        Some(P::Lifecycle),
        false,
    ),
    r(
        Both,
        &[M::Get],
        "/v2/cluster",
        Some("distribution"),
        Some(P::Monitor),
        false,
    ),
    r(
        Both,
        &[M::Get, M::Head],
        "/v2/cluster/backups",
        None,
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Delete, M::Get, M::Head, M::Post],
        "/v2/cluster/backups/{backupName}",
        None,
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Get],
        "/v2/cluster/restores",
        None,
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Delete, M::Head, M::Post],
        "/v2/cluster/restores/{restoreName}",
        None,
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Get, M::Head],
        "/v2/cache-managers/{name}/health",
        None,
        None,
        false,
    ),
    r(
        Both,
        &[M::Get, M::Head],
        "/v2/cache-managers/{name}/health/status",
        None,
        None,
        true,
    ),
    r(
        Both,
        &[M::Get],
        "/v2/cache-managers/{name}/cache-configs",
        None,
        None,
        false,
    ),
    r(
        Both,
        &[M::Get],
        "/v2/cache-managers/{name}/cache-configs/templates",
        None,
        None,
        false,
    ),
    r(
        Both,
        &[M::Post],
        "/v2/cache-managers/{name}/config",
        Some("toJSON"),
        None,
        false,
    ),
    r(
        Both,
        &[M::Get],
        "/v2/cache-managers/{name}/config",
        None,
        None,
        false,
    ),
    r(
        Both,
        &[M::Post],
        "/v2/container",
        Some("shutdown"),
        None,
        false,
    ),
    r(
        Both,
        &[M::Get],
        "/v2/container/config",
        Some("listen"),
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Get],
        "/v2/container",
        Some("listen"),
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Get],
        "/v2/cache-managers/{name}",
        None,
        None,
        false,
    ),
    r(
        Both,
        &[M::Post],
        "/v2/cache-managers/{name}",
        Some("enable-rebalancing"),
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Post],
        "/v2/cache-managers/{name}",
        Some("disable-rebalancing"),
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Get],
        "/v2/cache-managers/{name}/stats",
        None,
        None,
        false,
    ),
    r(
        Both,
        &[M::Get],
        "/v2/cache-managers/{name}/caches",
        None,
        None,
        false,
    ),
    r(
        Both,
        &[M::Get],
        "/v2/cache-managers/{name}/backups",
        None,
        None,
        false,
    ),
    r(
        Both,
        &[M::Delete, M::Get, M::Head, M::Post],
        "/v2/cache-managers/{name}/backups/{backupName}",
        None,
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Get],
        "/v2/cache-managers/{name}/restores",
        None,
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Delete, M::Head, M::Post],
        "/v2/cache-managers/{name}/restores/{restoreName}",
        None,
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Post],
        "/v2/counters/{counterName}",
        None,
        None,
        false,
    ),
    r(
        Both,
        &[M::Delete],
        "/v2/counters/{counterName}",
        None,
        None,
        false,
    ),
    r(
        Both,
        &[M::Get],
        "/v2/counters/{counterName}/config",
        None,
        None,
        false,
    ),
    r(Both, &[M::Get], "/v2/counters/", None, None, false),
    r(
        Both,
        &[M::Get],
        "/v2/counters/{counterName}",
        None,
        None,
        false,
    ),
    r(
        Both,
        &[M::Post],
        "/v2/counters/{counterName}",
        Some("reset"),
        None,
        false,
    ),
    r(
        Both,
        &[M::Post],
        "/v2/counters/{counterName}",
        Some("increment"),
        None,
        false,
    ),
    r(
        Both,
        &[M::Post],
        "/v2/counters/{counterName}",
        Some("decrement"),
        None,
        false,
    ),
    r(
        Both,
        &[M::Post],
        "/v2/counters/{counterName}",
        Some("add"),
        None,
        false,
    ),
    r(
        Both,
        &[M::Post],
        "/v2/counters/{counterName}",
        Some("compareAndSet"),
        None,
        false,
    ),
    r(
        Both,
        &[M::Post],
        "/v2/counters/{counterName}",
        Some("compareAndSwap"),
        None,
        false,
    ),
    r(Both, &[M::Get], "/v2/logging/loggers", None, None, false),
    r(Both, &[M::Get], "/v2/logging/appenders", None, None, false),
    r(
        Both,
        &[M::Delete],
        "/v2/logging/loggers/{loggerName}",
        None,
        None,
        false,
    ),
    r(
        Both,
        &[M::Put],
        "/v2/logging/loggers/{loggerName}",
        None,
        None,
        false,
    ),
    r(Both, &[M::Put], "/v2/logging/loggers", None, None, false),
    r(Both, &[M::Get], "/v2/schemas", None, None, false),
    r(Both, &[M::Get], "/v2/schemas", Some("types"), None, false),
    r(
        Both,
        &[M::Post],
        "/v2/schemas/{schemaName}",
        None,
        Some(P::Create),
        false,
    ),
    r(
        Both,
        &[M::Put],
        "/v2/schemas/{schemaName}",
        None,
        Some(P::Create),
        false,
    ),
    r(
        Both,
        &[M::Get],
        "/v2/schemas/{schemaName}",
        None,
        None,
        false,
    ),
    r(
        Both,
        &[M::Delete],
        "/v2/schemas/{schemaName}",
        None,
        Some(P::Create),
        false,
    ),
    r(
        Both,
        &[M::Post],
        "/v2/caches/{cacheName}/search/indexes",
        Some("mass-index"),
        None,
        false,
    ),
    r(
        Both,
        &[M::Post],
        "/v2/caches/{cacheName}/search/indexes",
        Some("reindex"),
        None,
        false,
    ),
    r(
        Both,
        &[M::Post],
        "/v2/caches/{cacheName}/search/indexes",
        Some("updateSchema"),
        None,
        false,
    ),
    r(
        Both,
        &[M::Post],
        "/v2/caches/{cacheName}/search/indexes",
        Some("clear"),
        None,
        false,
    ),
    r(
        Both,
        &[M::Get],
        "/v2/caches/{cacheName}/search/indexes/metamodel",
        None,
        None,
        false,
    ),
    r(
        Both,
        &[M::Get],
        "/v2/caches/{cacheName}/search/indexes/stats",
        None,
        None,
        false,
    ),
    r(
        Both,
        &[M::Get],
        "/v2/caches/{cacheName}/search/query/stats",
        None,
        None,
        false,
    ),
    r(
        Both,
        &[M::Post],
        "/v2/caches/{cacheName}/search/query/stats",
        Some("clear"),
        None,
        false,
    ),
    r(
        Both,
        &[M::Get],
        "/v2/caches/{cacheName}/search/stats",
        None,
        None,
        false,
    ),
    r(
        Both,
        &[M::Post],
        "/v2/caches/{cacheName}/search/stats",
        Some("clear"),
        None,
        false,
    ),
    r(Both, &[M::Get], "/v2/login", Some("config"), None, false),
    r(
        Both,
        &[M::Get, M::Post],
        "/v2/login",
        Some("login"),
        Some(P::None),
        false,
    ),
    r(Both, &[M::Get], "/v2/login", None, Some(P::None), false),
    r(Both, &[M::Get], "/v2/security/user/acl", None, None, false),
    r(
        Both,
        &[M::Get],
        "/v2/security/roles",
        None,
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Get],
        "/v2/security/roles/{principal}",
        None,
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Put],
        "/v2/security/roles/{principal}",
        Some("grant"),
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Put],
        "/v2/security/roles/{principal}",
        Some("deny"),
        Some(P::Admin),
        false,
    ),
    r(
        V14,
        &[M::Post, M::Put],
        "/v2/security/permissions/{role}",
        None,
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Delete],
        "/v2/security/permissions/{role}",
        None,
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Post],
        "/v2/security/cache",
        Some("flush"),
        Some(P::Admin),
        false,
    ),
    r(Both, &[M::Get], "/v2/server/", None, None, false),
    r(
        Both,
        &[M::Get],
        "/v2/server/config",
        None,
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Get],
        "/v2/server/env",
        None,
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Get],
        "/v2/server/memory",
        None,
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Post],
        "/v2/server/memory",
        Some("heap-dump"),
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Post],
        "/v2/server/",
        Some("stop"),
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Get],
        "/v2/server/overview-report",
        None,
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Get],
        "/v2/server/threads",
        None,
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Get],
        "/v2/server/report",
        None,
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Get],
        "/v2/server/cache-managers",
        None,
        None,
        false,
    ),
    r(
        Both,
        &[M::Get],
        "/v2/server/ignored-caches/{cache-manager}",
        None,
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Post, M::Delete],
        "/v2/server/ignored-caches/{cache-manager}/{cache}",
        None,
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Get],
        "/v2/server/connectors",
        None,
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Get],
        "/v2/server/connectors/{connector}",
        None,
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Post],
        "/v2/server/connectors/{connector}",
        Some("start"),
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Post],
        "/v2/server/connectors/{connector}",
        Some("stop"),
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Get],
        "/v2/server/connectors/{connector}/ip-filter",
        None,
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Post],
        "/v2/server/connectors/{connector}/ip-filter",
        None,
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Delete],
        "/v2/server/connectors/{connector}/ip-filter",
        None,
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Get],
        "/v2/server/datasources",
        None,
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Post],
        "/v2/server/datasources/{datasource}",
        Some("test"),
        Some(P::Admin),
        false,
    ),
    r(Both, &[M::Get], "/v2/tasks/", None, None, false),
    r(
        Both,
        &[M::Put, M::Post],
        "/v2/tasks/{taskName}",
        None,
        None,
        false,
    ),
    r(
        Both,
        &[M::Post],
        "/v2/tasks/{taskName}",
        Some("exec"),
        None,
        false,
    ),
    r(
        Both,
        &[M::Get],
        "/v2/tasks/{taskName}",
        Some("script"),
        None,
        false,
    ),
    r(
        Both,
        &[M::Post],
        "/v2/caches/{cacheName}/x-site/local/",
        Some("clear-push-state-status"),
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Get],
        "/v2/caches/{cacheName}/x-site/backups/",
        None,
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Get],
        "/v2/caches/{cacheName}/x-site/backups/",
        Some("push-state-status"),
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Get],
        "/v2/caches/{cacheName}/x-site/backups/{site}",
        None,
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Post],
        "/v2/caches/{cacheName}/x-site/backups/{site}",
        Some("take-offline"),
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Post],
        "/v2/caches/{cacheName}/x-site/backups/{site}",
        Some("bring-online"),
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Post],
        "/v2/caches/{cacheName}/x-site/backups/{site}",
        Some("start-push-state"),
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Post],
        "/v2/caches/{cacheName}/x-site/backups/{site}",
        Some("cancel-push-state"),
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Get],
        "/v2/caches/{cacheName}/x-site/backups/{site}/take-offline-config",
        None,
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Put],
        "/v2/caches/{cacheName}/x-site/backups/{site}/take-offline-config",
        None,
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Post],
        "/v2/caches/{cacheName}/x-site/backups/{site}",
        Some("cancel-receive-state"),
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Get],
        "/v2/caches/{cacheName}/x-site/backups/{site}/state-transfer-mode",
        None,
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Post],
        "/v2/caches/{cacheName}/x-site/backups/{site}/state-transfer-mode",
        Some("set"),
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Get],
        "/v2/cache-managers/{name}/x-site/backups/",
        None,
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Get],
        "/v2/cache-managers/{name}/x-site/backups/{site}",
        None,
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Post],
        "/v2/cache-managers/{name}/x-site/backups/{site}",
        Some("bring-online"),
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Post],
        "/v2/cache-managers/{name}/x-site/backups/{site}",
        Some("take-offline"),
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Post],
        "/v2/cache-managers/{name}/x-site/backups/{site}",
        Some("start-push-state"),
        Some(P::Admin),
        false,
    ),
    r(
        Both,
        &[M::Post],
        "/v2/cache-managers/{name}/x-site/backups/{site}",
        Some("cancel-push-state"),
        Some(P::Admin),
        false,
    ),
    r(
        V15,
        &[M::Get],
        "/v2/caches/{cacheName}/{cacheKey}",
        Some("distribution"),
        None,
        false,
    ),
    r(
        V15,
        &[M::Get, M::Head],
        "/v2/caches/{cacheName}",
        Some("config"),
        Some(P::Admin),
        false,
    ),
    r(
        V15,
        &[M::Post],
        "/v2/caches/{cacheName}",
        Some("stats-reset"),
        Some(P::Admin),
        false,
    ),
    r(V15, &[M::Get], "/v2/caches", Some("detailed"), None, false),
    r(
        V15,
        &[M::Get],
        "/v2/caches",
        Some("role-accessible"),
        Some(P::Admin),
        false,
    ),
    r(
        V15,
        &[M::Get],
        "/v2/caches/{cacheName}",
        Some("health"),
        None,
        false,
    ),
    r(
        V15,
        &[M::Get, M::Head],
        "/v2/container/health",
        None,
        None,
        false,
    ),
    r(
        V15,
        &[M::Get, M::Head],
        "/v2/container/health/status",
        None,
        None,
        true,
    ),
    r(
        V15,
        &[M::Get],
        "/v2/container/cache-configs",
        None,
        None,
        false,
    ),
    r(
        V15,
        &[M::Get],
        "/v2/container/cache-configs/templates",
        None,
        None,
        false,
    ),
    r(
        V15,
        &[M::Post],
        "/v2/container/cache-configs/config",
        Some("toJSON"),
        None,
        false,
    ),
    r(V15, &[M::Get], "/v2/container/config", None, None, false),
    r(V15, &[M::Get], "/v2/container", None, None, false),
    r(
        V15,
        &[M::Post],
        "/v2/container",
        Some("enable-rebalancing"),
        Some(P::Admin),
        false,
    ),
    r(
        V15,
        &[M::Post],
        "/v2/container",
        Some("disable-rebalancing"),
        Some(P::Admin),
        false,
    ),
    r(
        V15,
        &[M::Post],
        "/v2/cache-managers/{name}/stats",
        Some("reset"),
        Some(P::Admin),
        false,
    ),
    r(V15, &[M::Get], "/v2/container/stats", None, None, false),
    r(
        V15,
        &[M::Post],
        "/v2/container/stats",
        Some("reset"),
        Some(P::Admin),
        false,
    ),
    r(V15, &[M::Get], "/v2/container/backups", None, None, false),
    r(
        V15,
        &[M::Delete, M::Get, M::Head, M::Post],
        "/v2/container/backups/{backupName}",
        None,
        Some(P::Admin),
        false,
    ),
    r(
        V15,
        &[M::Get],
        "/v2/container/restores",
        None,
        Some(P::Admin),
        false,
    ),
    r(
        V15,
        &[M::Delete, M::Head, M::Post],
        "/v2/container/restores/{restoreName}",
        None,
        Some(P::Admin),
        false,
    ),
    r(
        V15,
        &[M::Post],
        "/v2/counters/{counterName}",
        Some("getAndSet"),
        None,
        false,
    ),
    r(
        V15,
        &[M::Get],
        "/v2/security/roles",
        Some("detailed"),
        Some(P::Admin),
        false,
    ),
    r(
        V15,
        &[M::Post],
        "/v2/security/roles/{principal}",
        Some("grant"),
        Some(P::Admin),
        false,
    ),
    r(
        V15,
        &[M::Delete],
        "/v2/security/roles/{principal}",
        Some("grant"),
        Some(P::Admin),
        false,
    ),
    r(
        V15,
        &[M::Get],
        "/v2/security/users",
        None,
        Some(P::Admin),
        false,
    ),
    r(
        V15,
        &[M::Get],
        "/v2/security/principals",
        Some("detailed"),
        Some(P::Admin),
        false,
    ),
    r(
        V15,
        &[M::Get],
        "/v2/security/principals",
        None,
        Some(P::Admin),
        false,
    ),
    r(
        V15,
        &[M::Post],
        "/v2/security/permissions/{role}",
        None,
        Some(P::Admin),
        false,
    ),
    r(
        V15,
        &[M::Put],
        "/v2/security/permissions/{role}",
        None,
        Some(P::Admin),
        false,
    ),
    r(
        V15,
        &[M::Get],
        "/v2/security/permissions/{role}",
        None,
        Some(P::Admin),
        false,
    ),
    r(
        V15,
        &[M::Get],
        "/v2/server/report/{nodeName}",
        None,
        Some(P::Admin),
        false,
    ),
    r(
        V15,
        &[M::Get],
        "/v2/server/ignored-caches",
        None,
        Some(P::Admin),
        false,
    ),
    r(
        V15,
        &[M::Post, M::Delete],
        "/v2/server/ignored-caches/{cache}",
        None,
        Some(P::Admin),
        false,
    ),
    r(
        V15,
        &[M::Get],
        "/v2/server/connections",
        None,
        Some(P::Admin),
        false,
    ),
    r(
        V15,
        &[M::Get],
        "/v2/server/caches/defaults",
        None,
        None,
        false,
    ),
    r(
        V15,
        &[M::Get],
        "/v2/container/x-site/backups/",
        None,
        Some(P::Admin),
        false,
    ),
    r(
        V15,
        &[M::Get],
        "/v2/container/x-site/backups/{site}",
        None,
        Some(P::Admin),
        false,
    ),
    r(
        V15,
        &[M::Post],
        "/v2/container/x-site/backups/{site}",
        Some("bring-online"),
        Some(P::Admin),
        false,
    ),
    r(
        V15,
        &[M::Post],
        "/v2/container/x-site/backups/{site}",
        Some("take-offline"),
        Some(P::Admin),
        false,
    ),
    r(
        V15,
        &[M::Post],
        "/v2/container/x-site/backups/{site}",
        Some("start-push-state"),
        Some(P::Admin),
        false,
    ),
    r(
        V15,
        &[M::Post],
        "/v2/container/x-site/backups/{site}",
        Some("cancel-push-state"),
        Some(P::Admin),
        false,
    ),
];

/// A path segment of the route tree.
#[derive(Debug)]
enum Seg {
    Literal(String),
    Variable(String),
}

/// One node of the route tree: children by segment, and the invocations declared exactly at this path.
#[derive(Debug, Default)]
struct Node {
    children: Vec<(Seg, Node)>,
    /// (method, action) → index into [`ROUTES`].
    table: Vec<(M, Option<&'static str>, usize)>,
}

/// The outcome of a lookup, with the same four cases as `LookupResult.Status`.
#[derive(Debug)]
pub(crate) enum Lookup {
    /// A route matched: the declaration and the decoded path variables.
    Found(&'static RouteDef, HashMap<String, String>),
    /// No node for the path, or a node without invocations → 404 `Resource not found`.
    NotFound,
    /// The node exists but not for this method → 405 `Not allowed`.
    InvalidMethod,
    /// The method exists at the node but not with this action (or without one) → 400.
    InvalidAction,
}

/// The route tree of one server generation.
#[derive(Debug)]
pub(crate) struct RouteTree {
    root: Node,
}

impl RouteTree {
    /// Builds the tree of the routes a generation declares, under the `/rest` context.
    pub(crate) fn new(generation: Generation) -> RouteTree {
        let mut root = Node::default();
        for (idx, def) in ROUTES.iter().enumerate() {
            let included = match (def.gens, generation) {
                (Both, _) => true,
                (V14, g) => g == Generation::V14,
                (V15, g) => g == Generation::V15,
            };
            if !included {
                continue;
            }
            let mut node = &mut root;
            let segments =
                std::iter::once("rest").chain(def.path.split('/').filter(|s| !s.is_empty()));
            for seg in segments {
                let pos = node.children.iter().position(|(s, _)| match s {
                    Seg::Literal(l) => l == seg,
                    Seg::Variable(v) => seg.starts_with('{') && v == seg,
                });
                let pos = match pos {
                    Some(p) => p,
                    None => {
                        let s = if seg.starts_with('{') && seg.ends_with('}') {
                            Seg::Variable(seg.to_string())
                        } else {
                            Seg::Literal(seg.to_string())
                        };
                        node.children.push((s, Node::default()));
                        node.children.len() - 1
                    }
                };
                node = &mut node.children[pos].1;
            }
            for m in def.methods {
                node.table.push((*m, def.action, idx));
            }
        }
        RouteTree { root }
    }

    /// Finds the invocation for a request like `ResourceNode.find`: `//` collapses, each segment is percent- and
    /// `+`-decoded, a literal child wins over a variable one and there is no backtracking.
    pub(crate) fn lookup(&self, method: M, raw_path: &str, action: Option<&str>) -> Lookup {
        let mut node = &self.root;
        let mut vars = HashMap::new();
        for raw in raw_path.split('/').filter(|s| !s.is_empty()) {
            let seg = decode_component(raw);
            let literal = node
                .children
                .iter()
                .find(|(s, _)| matches!(s, Seg::Literal(l) if *l == seg));
            if let Some((_, child)) = literal {
                node = child;
                continue;
            }
            let variable = node
                .children
                .iter()
                .find(|(s, _)| matches!(s, Seg::Variable(_)));
            match variable {
                Some((Seg::Variable(name), child)) => {
                    vars.insert(name.trim_matches(|c| c == '{' || c == '}').to_string(), seg);
                    node = child;
                }
                _ => return Lookup::NotFound,
            }
        }
        if node.table.is_empty() {
            return Lookup::NotFound;
        }
        if let Some((_, _, idx)) = node
            .table
            .iter()
            .find(|(m, a, _)| *m == method && *a == action)
        {
            return Lookup::Found(&ROUTES[*idx], vars);
        }
        if node.table.iter().any(|(m, _, _)| *m == method) {
            Lookup::InvalidAction
        } else {
            Lookup::InvalidMethod
        }
    }
}

/// `QueryStringDecoder.decodeComponent`: `+` is a space and `%xx` sequences are UTF-8 bytes.
pub(crate) fn decode_component(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Parses a raw query string into (name, value) pairs in order, decoding both.
pub(crate) fn parse_query(query: Option<&str>) -> Vec<(String, String)> {
    query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode_component(k), decode_component(v)),
            None => (decode_component(p), String::new()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(t: &RouteTree, m: M, p: &str, a: Option<&str>) -> Option<&'static str> {
        match t.lookup(m, p, a) {
            Lookup::Found(def, _) => Some(def.path),
            _ => None,
        }
    }

    #[test]
    fn lookup_rules() {
        let t = RouteTree::new(Generation::V14);
        assert_eq!(
            found(&t, M::Get, "/rest/v2/caches/work/x-site/backups/", None),
            Some("/v2/caches/{cacheName}/x-site/backups/")
        );
        assert_eq!(
            found(&t, M::Get, "/rest//v2/caches/work/x-site/backups", None),
            Some("/v2/caches/{cacheName}/x-site/backups/")
        );
        assert!(matches!(
            t.lookup(M::Post, "/rest/v2/caches/work/x-site/backups/site-b", None),
            Lookup::InvalidAction
        ));
        assert!(matches!(
            t.lookup(M::Put, "/rest/v2/caches/work/x-site/backups/site-b", None),
            Lookup::InvalidMethod
        ));
        assert!(matches!(
            t.lookup(M::Get, "/rest/v2/caches/work/x-site", None),
            Lookup::NotFound
        ));
        assert!(matches!(
            t.lookup(M::Get, "/rest/v2/container/x-site/backups", None),
            Lookup::NotFound
        ));
        // 14.0 declares GET /v2/container only with ?action=listen.
        assert!(matches!(
            t.lookup(M::Get, "/rest/v2/container", None),
            Lookup::InvalidAction
        ));
        let t15 = RouteTree::new(Generation::V15);
        assert!(found(&t15, M::Get, "/rest/v2/container/x-site/backups", None).is_some());
        assert!(found(&t15, M::Get, "/rest/v2/container", None).is_some());
        assert_eq!(
            found(&t, M::Put, "/rest/v2/caches/work/my%20key", None),
            Some("/v2/caches/{cacheName}/{cacheKey}")
        );
    }

    #[test]
    fn decoding() {
        assert_eq!(decode_component("a+b%2Fc"), "a b/c");
        assert_eq!(decode_component("100%"), "100%");
        assert_eq!(
            parse_query(Some("action=set&mode=AUTO&mode=MANUAL")),
            vec![
                ("action".to_string(), "set".to_string()),
                ("mode".to_string(), "AUTO".to_string()),
                ("mode".to_string(), "MANUAL".to_string())
            ]
        );
    }
}
