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
    /// What the simulator does once the request is authenticated and authorized.
    pub(crate) op: Op,
}

/// The operation a route invokes in the simulator; the handlers dispatch on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    /// A route of the server the simulator does not implement: 501 once authenticated.
    Unsimulated,
    /// `GET /v2/caches/`: the cache names.
    CacheNames,
    /// `HEAD` of a cache: 204 when it exists.
    CacheExists,
    /// `?action=keys`.
    CacheKeys,
    /// `?action=size`.
    CacheSize,
    /// `?action=clear`, replicated.
    ClearCache,
    /// `?action=config`: the cache's configuration as the harness defines it.
    CacheConfig,
    /// `POST`/`PUT` of a cache with a JSON configuration.
    CreateCache,
    /// The authenticated user's permissions, globally and per cache.
    UserAcl,
    /// `DELETE` of a cache.
    DeleteCache,
    /// `PUT`/`POST` of an entry (`POST` refuses an existing key), replicated.
    PutEntry,
    /// `GET`/`HEAD` of an entry.
    GetEntry,
    /// `DELETE` of an entry, replicated.
    RemoveEntry,
    /// A cache's backup statuses, per site.
    BackupStatuses,
    /// `?action=push-state-status`: a cache's push statuses, per site.
    PushStateStatus,
    /// `?action=clear-push-state-status`.
    ClearPushStateStatus,
    /// The status of a cache's backup to one site, per node.
    BackupStatus,
    /// A per-cache action towards one site.
    Backup(SiteAction),
    /// `?action=cancel-receive-state`: the receiving side's cancel (per cache only).
    CancelReceiveState,
    /// A backup's take-offline configuration.
    TakeOfflineConfig,
    /// Amends a backup's take-offline configuration.
    SetTakeOfflineConfig,
    /// A backup's state-transfer mode.
    StateTransferMode,
    /// `?action=set&mode=…`: changes a backup's state-transfer mode.
    SetStateTransferMode,
    /// The container's status per backup site.
    ContainerBackupStatuses,
    /// The container's status towards one site.
    ContainerBackupStatus,
    /// A container-wide action towards one site: a map of cache → result.
    Container(SiteAction),
    /// The container (cache manager) info document.
    ContainerInfo,
    /// `health/status`: `HEALTHY`, anonymous.
    HealthStatus,
    /// `GET /v2/server/`: the server version.
    ServerInfo,
    /// `GET /v2/server/cache-managers`: the container names.
    CacheManagerNames,
}

/// An x-site action towards one site, per cache ([`Op::Backup`]) or for the whole container ([`Op::Container`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SiteAction {
    /// `?action=take-offline`.
    TakeOffline,
    /// `?action=bring-online`.
    BringOnline,
    /// `?action=start-push-state`.
    StartPushState,
    /// `?action=cancel-push-state`.
    CancelPushState,
}

/// Builds the route table, one row per declaration: `gens methods "path" action access => op`, where `action`
/// is `-` or the `"action"`, and `access` is `-` (authenticated, no permission check), `anonymous`, or the
/// [`P`] variant the route requires.
macro_rules! routes {
    (@action -) => { None };
    (@action $action:literal) => { Some($action) };
    (@permission -) => { None };
    (@permission anonymous) => { None };
    (@permission $permission:ident) => { Some(P::$permission) };
    (@anonymous anonymous) => { true };
    (@anonymous $access:tt) => { false };
    ($($gens:ident $($method:ident)|+ $path:literal $action:tt $access:tt => $op:expr;)*) => {{
        use Op::*;
        use SiteAction::*;
        [$(RouteDef {
            gens: $gens,
            methods: &[$(M::$method),+],
            path: $path,
            action: routes!(@action $action),
            permission: routes!(@permission $access),
            anonymous: routes!(@anonymous $access),
            op: $op,
        }),*]
    }};
}

/// Every literal REST v2 route of Infinispan 14.0.35 and 15.0.22 (facts read from the server's route declarations).
static ROUTES: &[RouteDef] = &routes! {
    // gens methods path action access => op
    Both Put|Post  "/v2/caches/{cacheName}/{cacheKey}" - - => PutEntry;
    Both Get|Head  "/v2/caches/{cacheName}/{cacheKey}" - - => GetEntry;
    Both Delete    "/v2/caches/{cacheName}/{cacheKey}" - - => RemoveEntry;
    Both Get       "/v2/caches/{cacheName}" "keys" - => CacheKeys;
    Both Get       "/v2/caches/{cacheName}" "entries" - => Unsimulated;
    Both Get       "/v2/caches/{cacheName}" "listen" - => Unsimulated;
    V14  Get|Head  "/v2/caches/{cacheName}" "config" - => CacheConfig;
    Both Get       "/v2/caches/{cacheName}" "stats" - => Unsimulated;
    Both Get       "/v2/caches/{cacheName}" "distribution" - => Unsimulated;
    Both Get       "/v2/caches/{cacheName}" "get-mutable-attributes" Admin => Unsimulated;
    Both Get       "/v2/caches/{cacheName}" "get-mutable-attribute" Admin => Unsimulated;
    Both Post      "/v2/caches/{cacheName}" "set-mutable-attribute" Admin => Unsimulated;
    Both Get       "/v2/caches/" - - => CacheNames;
    Both Post|Put  "/v2/caches/{cacheName}" - - => CreateCache;
    Both Delete    "/v2/caches/{cacheName}" - - => DeleteCache;
    Both Head      "/v2/caches/{cacheName}" - - => CacheExists;
    Both Get       "/v2/caches/{cacheName}" "get-availability" Admin => Unsimulated;
    Both Post      "/v2/caches/{cacheName}" "set-availability" Admin => Unsimulated;
    Both Post      "/v2/caches/{cacheName}" "clear" - => ClearCache;
    Both Get       "/v2/caches/{cacheName}" "size" - => CacheSize;
    Both Post      "/v2/caches/{cacheName}" "sync-data" - => Unsimulated;
    Both Post      "/v2/caches/{cacheName}" "disconnect-source" - => Unsimulated;
    Both Post      "/v2/caches/{cacheName}/rolling-upgrade/source-connection" - - => Unsimulated;
    Both Delete    "/v2/caches/{cacheName}/rolling-upgrade/source-connection" - - => Unsimulated;
    Both Head      "/v2/caches/{cacheName}/rolling-upgrade/source-connection" - - => Unsimulated;
    Both Get       "/v2/caches/{cacheName}/rolling-upgrade/source-connection" - - => Unsimulated;
    Both Get|Post  "/v2/caches/{cacheName}" "search" BulkRead => Unsimulated;
    Both Post      "/v2/caches" "toJSON" - => Unsimulated;
    Both Post      "/v2/caches" "convert" - => Unsimulated;
    Both Post      "/v2/caches" "compare" - => Unsimulated;
    Both Get       "/v2/caches/{cacheName}" - - => Unsimulated;
    Both Post      "/v2/caches/{cacheName}" "enable-rebalancing" Admin => Unsimulated;
    Both Post      "/v2/caches/{cacheName}" "disable-rebalancing" Admin => Unsimulated;
    Both Post      "/v2/caches/{cacheName}" "initialize" Admin => Unsimulated;
    Both Post      "/v2/cluster" "stop" Lifecycle => Unsimulated;
    Both Get       "/v2/cluster" "distribution" Monitor => Unsimulated;
    Both Get|Head  "/v2/cluster/backups" - Admin => Unsimulated;
    Both Delete|Get|Head|Post "/v2/cluster/backups/{backupName}" - Admin => Unsimulated;
    Both Get       "/v2/cluster/restores" - Admin => Unsimulated;
    Both Delete|Head|Post "/v2/cluster/restores/{restoreName}" - Admin => Unsimulated;
    Both Get|Head  "/v2/cache-managers/{name}/health" - - => Unsimulated;
    Both Get|Head  "/v2/cache-managers/{name}/health/status" - anonymous => HealthStatus;
    Both Get       "/v2/cache-managers/{name}/cache-configs" - - => Unsimulated;
    Both Get       "/v2/cache-managers/{name}/cache-configs/templates" - - => Unsimulated;
    Both Post      "/v2/cache-managers/{name}/config" "toJSON" - => Unsimulated;
    Both Get       "/v2/cache-managers/{name}/config" - - => Unsimulated;
    Both Post      "/v2/container" "shutdown" - => Unsimulated;
    Both Get       "/v2/container/config" "listen" Admin => Unsimulated;
    Both Get       "/v2/container" "listen" Admin => Unsimulated;
    Both Get       "/v2/cache-managers/{name}" - - => ContainerInfo;
    Both Post      "/v2/cache-managers/{name}" "enable-rebalancing" Admin => Unsimulated;
    Both Post      "/v2/cache-managers/{name}" "disable-rebalancing" Admin => Unsimulated;
    Both Get       "/v2/cache-managers/{name}/stats" - - => Unsimulated;
    Both Get       "/v2/cache-managers/{name}/caches" - - => Unsimulated;
    Both Get       "/v2/cache-managers/{name}/backups" - - => Unsimulated;
    Both Delete|Get|Head|Post "/v2/cache-managers/{name}/backups/{backupName}" - Admin => Unsimulated;
    Both Get       "/v2/cache-managers/{name}/restores" - Admin => Unsimulated;
    Both Delete|Head|Post "/v2/cache-managers/{name}/restores/{restoreName}" - Admin => Unsimulated;
    Both Post      "/v2/counters/{counterName}" - - => Unsimulated;
    Both Delete    "/v2/counters/{counterName}" - - => Unsimulated;
    Both Get       "/v2/counters/{counterName}/config" - - => Unsimulated;
    Both Get       "/v2/counters/" - - => Unsimulated;
    Both Get       "/v2/counters/{counterName}" - - => Unsimulated;
    Both Post      "/v2/counters/{counterName}" "reset" - => Unsimulated;
    Both Post      "/v2/counters/{counterName}" "increment" - => Unsimulated;
    Both Post      "/v2/counters/{counterName}" "decrement" - => Unsimulated;
    Both Post      "/v2/counters/{counterName}" "add" - => Unsimulated;
    Both Post      "/v2/counters/{counterName}" "compareAndSet" - => Unsimulated;
    Both Post      "/v2/counters/{counterName}" "compareAndSwap" - => Unsimulated;
    Both Get       "/v2/logging/loggers" - - => Unsimulated;
    Both Get       "/v2/logging/appenders" - - => Unsimulated;
    Both Delete    "/v2/logging/loggers/{loggerName}" - - => Unsimulated;
    Both Put       "/v2/logging/loggers/{loggerName}" - - => Unsimulated;
    Both Put       "/v2/logging/loggers" - - => Unsimulated;
    Both Get       "/v2/schemas" - - => Unsimulated;
    Both Get       "/v2/schemas" "types" - => Unsimulated;
    Both Post      "/v2/schemas/{schemaName}" - Create => Unsimulated;
    Both Put       "/v2/schemas/{schemaName}" - Create => Unsimulated;
    Both Get       "/v2/schemas/{schemaName}" - - => Unsimulated;
    Both Delete    "/v2/schemas/{schemaName}" - Create => Unsimulated;
    Both Post      "/v2/caches/{cacheName}/search/indexes" "mass-index" - => Unsimulated;
    Both Post      "/v2/caches/{cacheName}/search/indexes" "reindex" - => Unsimulated;
    Both Post      "/v2/caches/{cacheName}/search/indexes" "updateSchema" - => Unsimulated;
    Both Post      "/v2/caches/{cacheName}/search/indexes" "clear" - => Unsimulated;
    Both Get       "/v2/caches/{cacheName}/search/indexes/metamodel" - - => Unsimulated;
    Both Get       "/v2/caches/{cacheName}/search/indexes/stats" - - => Unsimulated;
    Both Get       "/v2/caches/{cacheName}/search/query/stats" - - => Unsimulated;
    Both Post      "/v2/caches/{cacheName}/search/query/stats" "clear" - => Unsimulated;
    Both Get       "/v2/caches/{cacheName}/search/stats" - - => Unsimulated;
    Both Post      "/v2/caches/{cacheName}/search/stats" "clear" - => Unsimulated;
    Both Get       "/v2/login" "config" - => Unsimulated;
    Both Get|Post  "/v2/login" "login" None => Unsimulated;
    Both Get       "/v2/login" - None => Unsimulated;
    Both Get       "/v2/security/user/acl" - - => UserAcl;
    Both Get       "/v2/security/roles" - Admin => Unsimulated;
    Both Get       "/v2/security/roles/{principal}" - Admin => Unsimulated;
    Both Put       "/v2/security/roles/{principal}" "grant" Admin => Unsimulated;
    Both Put       "/v2/security/roles/{principal}" "deny" Admin => Unsimulated;
    V14  Post|Put  "/v2/security/permissions/{role}" - Admin => Unsimulated;
    Both Delete    "/v2/security/permissions/{role}" - Admin => Unsimulated;
    Both Post      "/v2/security/cache" "flush" Admin => Unsimulated;
    Both Get       "/v2/server/" - - => ServerInfo;
    Both Get       "/v2/server/config" - Admin => Unsimulated;
    Both Get       "/v2/server/env" - Admin => Unsimulated;
    Both Get       "/v2/server/memory" - Admin => Unsimulated;
    Both Post      "/v2/server/memory" "heap-dump" Admin => Unsimulated;
    Both Post      "/v2/server/" "stop" Admin => Unsimulated;
    Both Get       "/v2/server/overview-report" - Admin => Unsimulated;
    Both Get       "/v2/server/threads" - Admin => Unsimulated;
    Both Get       "/v2/server/report" - Admin => Unsimulated;
    Both Get       "/v2/server/cache-managers" - - => CacheManagerNames;
    Both Get       "/v2/server/ignored-caches/{cache-manager}" - Admin => Unsimulated;
    Both Post|Delete "/v2/server/ignored-caches/{cache-manager}/{cache}" - Admin => Unsimulated;
    Both Get       "/v2/server/connectors" - Admin => Unsimulated;
    Both Get       "/v2/server/connectors/{connector}" - Admin => Unsimulated;
    Both Post      "/v2/server/connectors/{connector}" "start" Admin => Unsimulated;
    Both Post      "/v2/server/connectors/{connector}" "stop" Admin => Unsimulated;
    Both Get       "/v2/server/connectors/{connector}/ip-filter" - Admin => Unsimulated;
    Both Post      "/v2/server/connectors/{connector}/ip-filter" - Admin => Unsimulated;
    Both Delete    "/v2/server/connectors/{connector}/ip-filter" - Admin => Unsimulated;
    Both Get       "/v2/server/datasources" - Admin => Unsimulated;
    Both Post      "/v2/server/datasources/{datasource}" "test" Admin => Unsimulated;
    Both Get       "/v2/tasks/" - - => Unsimulated;
    Both Put|Post  "/v2/tasks/{taskName}" - - => Unsimulated;
    Both Post      "/v2/tasks/{taskName}" "exec" - => Unsimulated;
    Both Get       "/v2/tasks/{taskName}" "script" - => Unsimulated;
    Both Post      "/v2/caches/{cacheName}/x-site/local/" "clear-push-state-status" Admin => ClearPushStateStatus;
    Both Get       "/v2/caches/{cacheName}/x-site/backups/" - Admin => BackupStatuses;
    Both Get       "/v2/caches/{cacheName}/x-site/backups/" "push-state-status" Admin => PushStateStatus;
    Both Get       "/v2/caches/{cacheName}/x-site/backups/{site}" - Admin => BackupStatus;
    Both Post      "/v2/caches/{cacheName}/x-site/backups/{site}" "take-offline" Admin => Backup(TakeOffline);
    Both Post      "/v2/caches/{cacheName}/x-site/backups/{site}" "bring-online" Admin => Backup(BringOnline);
    Both Post      "/v2/caches/{cacheName}/x-site/backups/{site}" "start-push-state" Admin => Backup(StartPushState);
    Both Post      "/v2/caches/{cacheName}/x-site/backups/{site}" "cancel-push-state" Admin => Backup(CancelPushState);
    Both Get       "/v2/caches/{cacheName}/x-site/backups/{site}/take-offline-config" - Admin => TakeOfflineConfig;
    Both Put       "/v2/caches/{cacheName}/x-site/backups/{site}/take-offline-config" - Admin => SetTakeOfflineConfig;
    Both Post      "/v2/caches/{cacheName}/x-site/backups/{site}" "cancel-receive-state" Admin => CancelReceiveState;
    Both Get       "/v2/caches/{cacheName}/x-site/backups/{site}/state-transfer-mode" - Admin => StateTransferMode;
    Both Post      "/v2/caches/{cacheName}/x-site/backups/{site}/state-transfer-mode" "set" Admin => SetStateTransferMode;
    Both Get       "/v2/cache-managers/{name}/x-site/backups/" - Admin => ContainerBackupStatuses;
    Both Get       "/v2/cache-managers/{name}/x-site/backups/{site}" - Admin => ContainerBackupStatus;
    Both Post      "/v2/cache-managers/{name}/x-site/backups/{site}" "bring-online" Admin => Container(BringOnline);
    Both Post      "/v2/cache-managers/{name}/x-site/backups/{site}" "take-offline" Admin => Container(TakeOffline);
    Both Post      "/v2/cache-managers/{name}/x-site/backups/{site}" "start-push-state" Admin => Container(StartPushState);
    Both Post      "/v2/cache-managers/{name}/x-site/backups/{site}" "cancel-push-state" Admin => Container(CancelPushState);
    V15  Get       "/v2/caches/{cacheName}/{cacheKey}" "distribution" - => Unsimulated;
    V15  Get|Head  "/v2/caches/{cacheName}" "config" Admin => CacheConfig;
    V15  Post      "/v2/caches/{cacheName}" "stats-reset" Admin => Unsimulated;
    V15  Get       "/v2/caches" "detailed" - => Unsimulated;
    V15  Get       "/v2/caches" "role-accessible" Admin => Unsimulated;
    V15  Get       "/v2/caches/{cacheName}" "health" - => Unsimulated;
    V15  Get|Head  "/v2/container/health" - - => Unsimulated;
    V15  Get|Head  "/v2/container/health/status" - anonymous => HealthStatus;
    V15  Get       "/v2/container/cache-configs" - - => Unsimulated;
    V15  Get       "/v2/container/cache-configs/templates" - - => Unsimulated;
    V15  Post      "/v2/container/cache-configs/config" "toJSON" - => Unsimulated;
    V15  Get       "/v2/container/config" - - => Unsimulated;
    V15  Get       "/v2/container" - - => ContainerInfo;
    V15  Post      "/v2/container" "enable-rebalancing" Admin => Unsimulated;
    V15  Post      "/v2/container" "disable-rebalancing" Admin => Unsimulated;
    V15  Post      "/v2/cache-managers/{name}/stats" "reset" Admin => Unsimulated;
    V15  Get       "/v2/container/stats" - - => Unsimulated;
    V15  Post      "/v2/container/stats" "reset" Admin => Unsimulated;
    V15  Get       "/v2/container/backups" - - => Unsimulated;
    V15  Delete|Get|Head|Post "/v2/container/backups/{backupName}" - Admin => Unsimulated;
    V15  Get       "/v2/container/restores" - Admin => Unsimulated;
    V15  Delete|Head|Post "/v2/container/restores/{restoreName}" - Admin => Unsimulated;
    V15  Post      "/v2/counters/{counterName}" "getAndSet" - => Unsimulated;
    V15  Get       "/v2/security/roles" "detailed" Admin => Unsimulated;
    V15  Post      "/v2/security/roles/{principal}" "grant" Admin => Unsimulated;
    V15  Delete    "/v2/security/roles/{principal}" "grant" Admin => Unsimulated;
    V15  Get       "/v2/security/users" - Admin => Unsimulated;
    V15  Get       "/v2/security/principals" "detailed" Admin => Unsimulated;
    V15  Get       "/v2/security/principals" - Admin => Unsimulated;
    V15  Post      "/v2/security/permissions/{role}" - Admin => Unsimulated;
    V15  Put       "/v2/security/permissions/{role}" - Admin => Unsimulated;
    V15  Get       "/v2/security/permissions/{role}" - Admin => Unsimulated;
    V15  Get       "/v2/server/report/{nodeName}" - Admin => Unsimulated;
    V15  Get       "/v2/server/ignored-caches" - Admin => Unsimulated;
    V15  Post|Delete "/v2/server/ignored-caches/{cache}" - Admin => Unsimulated;
    V15  Get       "/v2/server/connections" - Admin => Unsimulated;
    V15  Get       "/v2/server/caches/defaults" - - => Unsimulated;
    V15  Get       "/v2/container/x-site/backups/" - Admin => ContainerBackupStatuses;
    V15  Get       "/v2/container/x-site/backups/{site}" - Admin => ContainerBackupStatus;
    V15  Post      "/v2/container/x-site/backups/{site}" "bring-online" Admin => Container(BringOnline);
    V15  Post      "/v2/container/x-site/backups/{site}" "take-offline" Admin => Container(TakeOffline);
    V15  Post      "/v2/container/x-site/backups/{site}" "start-push-state" Admin => Container(StartPushState);
    V15  Post      "/v2/container/x-site/backups/{site}" "cancel-push-state" Admin => Container(CancelPushState);
};

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
