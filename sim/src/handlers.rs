//! Request handling: faults, routing, authentication, authorization, then the operation itself.
//!
//! The order is the server's (`RestRequestHandler.channelRead0` → `RestDispatcherImpl.dispatch`): unknown methods
//! get 403, routing errors are answered anonymously, known routes are authenticated, then the route's permission
//! is checked, then the handler runs and applies its own preconditions (cache exists, has backups, backs up to
//! the site).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::header;
use serde_json::{Map, Value, json};

use crate::auth::{AuthResult, ConnState, User};
use crate::harness::{CACHE_ENCODING, CONTAINER_NAME};
use crate::http::{Reply, empty, json, text, text_plain, typed};
use crate::model::{
    INTERNAL_CACHES, cache_manager_info, cache_names_order, java_hash_order_by, java_string_hash,
    node_name_of, order_like_defined,
};
use crate::routes::{Lookup, M, Op, RouteDef, SiteAction, parse_query};
use crate::state::{Backup, Cache, CacheStatus, Mode, Settings, World, Write};
use crate::{Generation, SiteCtx};

/// The axum router of one site: every request goes through [`handle`], which does its own routing so that the
/// routing errors match Infinispan's route tree exactly.
pub(crate) fn router(ctx: Arc<SiteCtx>) -> Router {
    Router::new().fallback(handle).with_state(ctx)
}

/// Largest request body read; the operations simulated take tiny bodies.
const BODY_LIMIT: usize = 16 * 1024 * 1024;

async fn handle(State(ctx): State<Arc<SiteCtx>>, req: Request) -> Reply {
    let (method, uri) = (req.method().clone(), req.uri().clone());
    let reply = answer(&ctx, req).await;
    let path = uri
        .path_and_query()
        .map_or_else(|| uri.path(), |pq| pq.as_str());
    ctx.requests
        .record(method.as_str(), path, reply.status().as_u16());
    reply
}

async fn answer(ctx: &Arc<SiteCtx>, req: Request) -> Reply {
    let latency = ctx.faults.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    // A hung server: keep the request open until the fault is lifted (or the client gives up).
    while ctx.faults.unresponsive() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let target = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.uri().path(), |pq| pq.as_str());
    if let Some((status, body)) = ctx.faults.take_injection(target) {
        return if body.is_empty() {
            empty(status)
        } else if serde_json::from_str::<Value>(&body).is_ok() {
            // An injected JSON body (e.g. a container action map with a failed cache) reads like the server's.
            typed(status, "application/json", body)
        } else {
            text(status, body)
        };
    }
    let (method, uri) = (req.method().clone(), req.uri().clone());
    let reply = dispatch(ctx, req).await;
    tracing::debug!(site = ctx.name, %method, %uri, status = reply.status().as_u16(), "request");
    reply
}

/// A routed, authenticated request.
struct Req {
    /// The authenticated user; `None` without authentication.
    user: Option<&'static crate::auth::User>,
    method: M,
    vars: HashMap<String, String>,
    query: Vec<(String, String)>,
    body: Bytes,
}

impl Req {
    fn var(&self, name: &str) -> &str {
        self.vars.get(name).map_or("", String::as_str)
    }

    /// `RestRequest.getParameter`: the last value of a query parameter.
    fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

async fn dispatch(ctx: &Arc<SiteCtx>, req: Request) -> Reply {
    let (parts, body) = req.into_parts();
    let Some(method) = M::parse(parts.method.as_str()) else {
        return empty(403);
    };
    let raw_uri = parts.uri.path_and_query().map_or_else(
        || parts.uri.path().to_string(),
        |pq| pq.as_str().to_string(),
    );
    let query = parse_query(parts.uri.query());
    // The server dispatches on the *first* `action` value.
    let action = query
        .iter()
        .find(|(k, _)| k == "action")
        .map(|(_, v)| v.clone());
    let (def, vars) = match ctx
        .shared
        .routes
        .lookup(method, parts.uri.path(), action.as_deref())
    {
        Lookup::Found(def, vars) => (def, vars),
        other => {
            // No invocation means anonymous: routing errors never challenge.
            if action.as_deref() == Some("") {
                return text(400, "Invalid action");
            }
            return match other {
                Lookup::NotFound => text(404, "Resource not found"),
                Lookup::InvalidMethod => text(405, "Not allowed"),
                _ => text(400, "Invalid 'action' parameter supplied"),
            };
        }
    };
    let user = if def.anonymous || !ctx.auth.enabled() {
        None
    } else {
        let conn = parts
            .extensions
            .get::<Arc<ConnState>>()
            .cloned()
            .unwrap_or_default();
        let authorization = parts
            .headers
            .get(header::AUTHORIZATION)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        match ctx.auth.authenticate(
            parts.method.as_str(),
            &raw_uri,
            authorization.as_deref(),
            &conn,
        ) {
            AuthResult::Ok(user) => Some(user),
            AuthResult::Reply(reply) => return reply,
        }
    };
    if let (Some(permission), Some(user)) = (def.permission, user)
        && !user.has(permission)
    {
        return forbidden(user, permission.name());
    }
    let body = axum::body::to_bytes(body, BODY_LIMIT)
        .await
        .unwrap_or_default();
    let req = Req {
        user,
        method,
        vars,
        query,
        body,
    };
    execute(ctx, def, &req)
}

/// ISPN000287, the authorization failure.
fn forbidden(user: &User, permission: &str) -> Reply {
    text(
        403,
        format!(
            "ISPN000287: Unauthorized access: subject '{}' lacks '{permission}' permission",
            user.subject()
        ),
    )
}

fn execute(ctx: &Arc<SiteCtx>, def: &RouteDef, req: &Req) -> Reply {
    let cache = req.var("cacheName");
    let site = req.var("site");
    match def.op {
        Op::CacheNames => cache_names(ctx),
        Op::CacheKeys => with_cache(ctx, cache, |w, idx| keys(w, idx, cache)),
        Op::CacheSize => with_cache(ctx, cache, |w, idx| {
            json(&json!(w.cache(idx, cache).map_or(0, |c| c.entries.len())))
        }),
        Op::ClearCache => with_cache(ctx, cache, |w, idx| {
            write_reply(w.write(idx, cache, &Write::Clear))
        }),
        Op::CacheConfig => cache_config(ctx, cache),
        Op::CreateCache => create_cache(ctx, req, cache),
        Op::UserAcl => user_acl(ctx, req),
        Op::DeleteCache => delete_cache(ctx, cache),
        Op::CacheExists => {
            let exists = ctx.shared.world().cache(ctx.idx, cache).is_some();
            empty(if exists { 204 } else { 404 })
        }
        Op::PutEntry => put_entry(ctx, req, cache),
        Op::GetEntry => with_cache(ctx, cache, |w, idx| {
            match w
                .cache(idx, cache)
                .and_then(|c| c.entries.get(req.var("cacheKey")))
            {
                Some(v) => {
                    let mut r = typed(200, CACHE_ENCODING, v.clone());
                    if let Ok(tag) = etag(v).parse() {
                        r.headers_mut().insert(header::ETAG, tag);
                    }
                    r
                }
                None => empty(404),
            }
        }),
        Op::RemoveEntry => with_cache(ctx, cache, |w, idx| {
            let key = req.var("cacheKey");
            if !w
                .cache(idx, cache)
                .is_some_and(|c| c.entries.contains_key(key))
            {
                return empty(404);
            }
            write_reply(w.write(idx, cache, &Write::Remove(key)))
        }),
        Op::BackupStatuses => with_backups(ctx, cache, |w, idx| {
            let site = &w.sites[idx];
            let c = w.cache(idx, cache).expect("checked");
            let mut map = Map::new();
            for b in java_hash_order_by(c.backups.iter().collect(), |b| &b.site) {
                let names = |nodes: Vec<usize>| -> Vec<String> {
                    nodes
                        .into_iter()
                        .map(|n| node_name_of(ctx.name, n))
                        .collect()
                };
                let status = match site.cache_status(b) {
                    CacheStatus::Online => json!({"status": "online"}),
                    CacheStatus::Offline => json!({"status": "offline"}),
                    // Cache level: no `mixed` key (DIFFERENCES.md F).
                    CacheStatus::Mixed(online, offline) => {
                        json!({"status": "mixed", "online": names(online), "offline": names(offline)})
                    }
                };
                map.insert(b.site.clone(), status);
            }
            json(&Value::Object(map))
        }),
        Op::PushStateStatus => with_backups(ctx, cache, |w, idx| {
            let c = w.cache(idx, cache).expect("checked");
            let mut map = Map::new();
            for b in java_hash_order_by(c.backups.iter().collect(), |b| &b.site) {
                map.insert(b.site.clone(), json!(b.push.as_str()));
            }
            json(&Value::Object(map))
        }),
        Op::ClearPushStateStatus => with_backups(ctx, cache, |w, idx| {
            w.clear_push_status(idx, cache);
            json(&json!("ok"))
        }),
        Op::BackupStatus => with_site(ctx, cache, site, |w, idx| {
            let b = w
                .cache(idx, cache)
                .and_then(|c| c.backup(site))
                .expect("checked");
            // Only the running nodes answer.
            let map: Map<String, Value> = w.sites[idx]
                .live_nodes()
                .into_iter()
                .map(|n| (node_name_of(ctx.name, n), json!(b.node_status_str(n))))
                .collect();
            json(&Value::Object(map))
        }),
        Op::Backup(action) => cache_action(ctx, cache, site, action),
        // The receiving side's cancel succeeds even when nothing is being received.
        Op::CancelReceiveState => with_site(ctx, cache, site, |w, idx| {
            w.cancel_receive(idx, cache, site);
            empty(200)
        }),
        Op::TakeOfflineConfig => with_site(ctx, cache, site, |w, idx| {
            let b = w
                .cache(idx, cache)
                .and_then(|c| c.backup(site))
                .expect("checked");
            json(&json!({"after_failures": b.after_failures, "min_wait": b.min_wait}))
        }),
        Op::SetTakeOfflineConfig => with_site(ctx, cache, site, |w, idx| {
            update_take_offline(w, idx, cache, site, &req.body)
        }),
        Op::StateTransferMode => with_site(ctx, cache, site, |w, idx| {
            let b = w
                .cache(idx, cache)
                .and_then(|c| c.backup(site))
                .expect("checked");
            json(&json!(b.mode.as_str()))
        }),
        Op::SetStateTransferMode => {
            // The `mode` argument is checked before the cache and the site.
            let Some(mode) = req.param("mode") else {
                return text(400, "ISPN012040: Missing required argument 'mode'");
            };
            with_site(ctx, cache, site, |w, idx| {
                set_mode(w, idx, cache, site, mode)
            })
        }
        Op::ContainerBackupStatuses => with_container(ctx, req, |w, idx| {
            json(&Value::Object(
                global_status(w, idx, generation(ctx)).into_iter().collect(),
            ))
        }),
        Op::ContainerBackupStatus => with_container(ctx, req, |w, idx| {
            match global_status(w, idx, generation(ctx))
                .into_iter()
                .find(|(s, _)| s == site)
            {
                Some((_, status)) => json(&status),
                // No cache backs up to that site.
                None => empty(404),
            }
        }),
        Op::Container(action) => container_action(ctx, req, site, action),
        Op::ContainerInfo => with_container(ctx, req, |w, idx| {
            let names: Vec<String> = w.sites[idx].caches.keys().cloned().collect();
            let mut info = cache_manager_info(
                ctx.shared.opts.generation,
                ctx.name,
                &names,
                &w.sites_view(idx),
                &w.sites[idx].node_view(),
            );
            if let Some(version) = skewed_version(ctx) {
                info["version"] = json!(version);
            }
            json(&info)
        }),
        Op::HealthStatus => with_container(ctx, req, |_, _| {
            if req.method == M::Head {
                empty(200)
            } else {
                text_plain(200, "HEALTHY")
            }
        }),
        Op::ServerInfo => match skewed_version(ctx) {
            Some(version) => json(&json!({ "version": format!("Infinispan {version}") })),
            None => json(&json!({"version": ctx.shared.opts.generation.print_version()})),
        },
        Op::CacheManagerNames => json(&json!([CONTAINER_NAME])),
        Op::Unsimulated => text(
            501,
            format!(
                "xsite-sim does not implement {}{}",
                def.path,
                def.action
                    .map(|a| format!("?action={a}"))
                    .unwrap_or_default()
            ),
        ),
    }
}

/// `RestCacheManager.getCache`: 404 ISPN012010 for an unknown cache.
fn with_cache(ctx: &SiteCtx, cache: &str, f: impl FnOnce(&mut World, usize) -> Reply) -> Reply {
    let mut w = ctx.shared.world();
    if w.cache(ctx.idx, cache).is_none() {
        return text(
            404,
            format!(
                "ISPN012010: Cache with name '{cache}' not found amongst the configured caches"
            ),
        );
    }
    f(&mut w, ctx.idx)
}

/// `XSiteResource.getXSiteAdmin`: the cache must exist and have backups.
fn with_backups(ctx: &SiteCtx, cache: &str, f: impl FnOnce(&mut World, usize) -> Reply) -> Reply {
    with_cache(ctx, cache, |w, idx| {
        if w.cache(idx, cache).is_some_and(|c| c.backups.is_empty()) {
            return text_plain(404, format!("Cache '{cache}' does not have backup sites."));
        }
        f(w, idx)
    })
}

/// `XSiteResource.getXSiteAdminAndCheckSite`: also the site must be one of the cache's backups.
fn with_site(
    ctx: &SiteCtx,
    cache: &str,
    site: &str,
    f: impl FnOnce(&mut World, usize) -> Reply,
) -> Reply {
    with_backups(ctx, cache, |w, idx| {
        if w.cache(idx, cache).and_then(|c| c.backup(site)).is_none() {
            return text_plain(
                404,
                format!("Cache '{cache}' does not backup to site '{site}'"),
            );
        }
        f(w, idx)
    })
}

/// Container routes: on 14.0 the `{name}` of `/v2/cache-managers/{name}/…` must be the container's name
/// (404 with an empty body otherwise); from 15.0 it is ignored.
fn with_container(ctx: &SiteCtx, req: &Req, f: impl FnOnce(&mut World, usize) -> Reply) -> Reply {
    if ctx.shared.opts.generation == Generation::V14
        && req.vars.contains_key("name")
        && req.var("name") != CONTAINER_NAME
    {
        return empty(404);
    }
    let mut w = ctx.shared.world();
    f(&mut w, ctx.idx)
}

fn write_reply(result: Result<(), String>) -> Reply {
    match result {
        Ok(()) => empty(204),
        Err(message) => text(500, message),
    }
}

/// The version this site reports when the grid was started with a skew (site-b only).
fn skewed_version(ctx: &SiteCtx) -> Option<&str> {
    (ctx.idx == 1)
        .then_some(ctx.shared.opts.site_b_version.as_deref())
        .flatten()
}

fn generation(ctx: &SiteCtx) -> Generation {
    ctx.shared.opts.generation
}

fn cache_names(ctx: &SiteCtx) -> Reply {
    let w = ctx.shared.world();
    let names: Vec<String> = w.sites[ctx.idx].caches.keys().cloned().collect();
    json(&json!(order_like_defined(generation(ctx), &names)))
}

/// `?action=config`: the cache configuration as JSON, in the server's attribute order, from the
/// cache's settings (the harness's, or those it was created with).
fn cache_config(ctx: &SiteCtx, cache: &str) -> Reply {
    with_cache(ctx, cache, |w, idx| {
        if INTERNAL_CACHES.contains(&cache) {
            return text(
                501,
                format!("xsite-sim does not describe the internal cache '{cache}'"),
            );
        }
        let c = w.cache(idx, cache).expect("checked");
        let settings = &c.settings;
        let mut dist = Map::new();
        let put = |map: &mut Map<String, Value>, key: &str, value: &Option<String>| {
            if let Some(value) = value {
                map.insert(key.into(), json!(value));
            }
        };
        put(&mut dist, "owners", &settings.owners);
        put(&mut dist, "mode", &settings.mode);
        put(&mut dist, "remote-timeout", &settings.remote_timeout);
        if settings.statistics {
            dist.insert("statistics".into(), json!(true));
        }
        if !c.backups.is_empty() {
            let mut backups = Map::new();
            put(&mut backups, "merge-policy", &settings.merge_policy);
            for b in &c.backups {
                let mut backup = Map::new();
                backup.insert(
                    "strategy".into(),
                    json!(if b.sync { "SYNC" } else { "ASYNC" }),
                );
                backup.insert("timeout".into(), json!(b.timeout));
                put(&mut backup, "failure-policy", &b.failure_policy);
                let mut transfer = json!({"chunk-size": b.chunk_size});
                if b.mode == Mode::Auto {
                    transfer["mode"] = json!(b.mode.as_str());
                }
                backup.insert("state-transfer".into(), transfer);
                backups.insert(b.site.clone(), json!({ "backup": backup }));
            }
            dist.insert("backups".into(), Value::Object(backups));
        }
        if let Some(encoding) = &settings.encoding {
            dist.insert("encoding".into(), json!({"media-type": encoding}));
        }
        if let Some(chunk) = &settings.chunk_size {
            dist.insert("state-transfer".into(), json!({"chunk-size": chunk}));
        }
        json(&json!({ cache: {"distributed-cache": dist} }))
    })
}

/// A configuration value as the server writes it back: text.
fn config_text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// `POST`/`PUT /v2/caches/{cacheName}` with a JSON configuration: `{"distributed-cache": {…}}`,
/// optionally inside `{"<name>": …}`. The simulator creates distributed caches only, and takes
/// JSON only (the real server also takes XML and YAML).
fn create_cache(ctx: &SiteCtx, req: &Req, cache: &str) -> Reply {
    let parsed: Value = match serde_json::from_slice(&req.body) {
        Ok(value) => value,
        Err(e) => {
            return text(
                400,
                format!("xsite-sim takes a JSON cache configuration only: {e}"),
            );
        }
    };
    let mut body = &parsed;
    if let Some(object) = body.as_object()
        && object.len() == 1
        && let Some((key, inner)) = object.iter().next()
        && !key.ends_with("-cache")
    {
        body = inner;
    }
    let Some(dist) = body.get("distributed-cache").and_then(Value::as_object) else {
        return text(
            400,
            "xsite-sim creates distributed caches only: give {\"distributed-cache\": {…}}",
        );
    };
    let mut settings = Settings {
        mode: config_text(dist.get("mode")),
        owners: config_text(dist.get("owners")),
        remote_timeout: config_text(dist.get("remote-timeout")),
        statistics: dist
            .get("statistics")
            .is_some_and(|v| v == true || v == "true"),
        encoding: config_text(dist.get("encoding").and_then(|e| e.get("media-type"))),
        chunk_size: config_text(dist.get("state-transfer").and_then(|t| t.get("chunk-size"))),
        merge_policy: None,
    };
    let mut backups = Vec::new();
    if let Some(list) = dist.get("backups").and_then(Value::as_object) {
        settings.merge_policy = config_text(list.get("merge-policy"));
        for (site, value) in list {
            let Some(config) = value.get("backup") else {
                continue;
            };
            let mut backup = Backup::new(site);
            backup.sync = config_text(config.get("strategy")).as_deref() == Some("SYNC");
            if let Some(timeout) = config_text(config.get("timeout")) {
                backup.timeout = timeout;
            }
            backup.failure_policy = config_text(config.get("failure-policy"));
            if !backup.sync && backup.failure_policy.as_deref() == Some("FAIL") {
                return text(
                    400,
                    format!(
                        "ISPN000656: The backup '{site}' configuration 'failure-policy=FAIL' is not valid with an ASYNC backup strategy."
                    ),
                );
            }
            let transfer = config.get("state-transfer");
            if let Some(chunk) = config_text(transfer.and_then(|t| t.get("chunk-size"))) {
                backup.chunk_size = chunk;
            }
            match config_text(transfer.and_then(|t| t.get("mode"))).as_deref() {
                None | Some("MANUAL") => {}
                Some("AUTO") if backup.sync => {
                    return text(400, AUTO_WITH_SYNC);
                }
                Some("AUTO") => backup.mode = Mode::Auto,
                Some(other) => return text(400, unknown_mode(other)),
            }
            backups.push(backup);
        }
    }
    let mut w = ctx.shared.world();
    let caches = &mut w.sites[ctx.idx].caches;
    if caches.contains_key(cache) {
        return text(409, format!("ISPN000507: Cache {cache} already exists"));
    }
    caches.insert(
        cache.to_string(),
        Cache {
            entries: Default::default(),
            backups,
            settings,
        },
    );
    empty(200)
}

/// `GET /v2/security/user/acl`: the user (a `NamePrincipal`, then its role: a `RolePrincipal` on
/// 14.0, a `GroupPrincipal` from 15.0), its global permissions, and per cache what it may do: the
/// internal caches follow the global roles, the created caches have no authorization of their own
/// and allow everything. Caches in `getCacheNames()` order, as the real servers answer.
fn user_acl(ctx: &SiteCtx, req: &Req) -> Reply {
    let Some(user) = req.user else {
        return json(&json!({"subject": [], "global": [], "caches": {}}));
    };
    let role_type = match generation(ctx) {
        Generation::V14 => "RolePrincipal",
        Generation::V15 => "GroupPrincipal",
    };
    let mut subject = vec![json!({"name": user.name, "type": "NamePrincipal"})];
    subject.extend(
        user.roles()
            .iter()
            .map(|role| json!({"name": role, "type": role_type})),
    );
    let global = user.permission_names();
    let w = ctx.shared.world();
    let names: Vec<String> = w.sites[ctx.idx].caches.keys().cloned().collect();
    let caches: Map<String, Value> = crate::model::cache_names_order(generation(ctx), names)
        .into_iter()
        .map(|name| {
            let permissions = if INTERNAL_CACHES.contains(&name.as_str()) {
                json!(global)
            } else {
                json!(crate::auth::ALL_PERMISSIONS)
            };
            (name, permissions)
        })
        .collect();
    json(&json!({"subject": subject, "global": global, "caches": caches}))
}

/// `DELETE /v2/caches/{cacheName}`: the cache and its entries are gone from this site (200 with
/// no body; 404 with no body for an unknown cache, as 15.0.21 answers).
fn delete_cache(ctx: &SiteCtx, cache: &str) -> Reply {
    let removed = ctx.shared.world().sites[ctx.idx].caches.remove(cache);
    empty(if removed.is_some() { 200 } else { 404 })
}

/// A stand-in for the server's entry ETag (a MurmurHash3 of the stored bytes): same shape, a decimal `int`, but not
/// the same number.
fn etag(value: &str) -> String {
    java_string_hash(value).to_string()
}

fn keys(w: &World, idx: usize, cache: &str) -> Reply {
    let mut keys: Vec<&String> = w
        .cache(idx, cache)
        .map(|c| c.entries.keys().collect())
        .unwrap_or_default();
    keys.sort();
    json(&json!(keys))
}

fn put_entry(ctx: &SiteCtx, req: &Req, cache: &str) -> Reply {
    let key = req.var("cacheKey");
    let value = String::from_utf8_lossy(&req.body).into_owned();
    with_cache(ctx, cache, |w, idx| {
        let exists = w
            .cache(idx, cache)
            .is_some_and(|c| c.entries.contains_key(key));
        if req.method == M::Post && exists {
            return text(409, "An entry already exists");
        }
        let mut r = write_reply(w.write(idx, cache, &Write::Put(key, &value)));
        if r.status() == 204
            && let Ok(tag) = etag(&value).parse()
        {
            r.headers_mut().insert(header::ETAG, tag);
        }
        r
    })
}

/// The per-cache actions; all answer 200 with an empty body once the preconditions hold.
fn cache_action(ctx: &Arc<SiteCtx>, cache: &str, site: &str, action: SiteAction) -> Reply {
    with_site(ctx, cache, site, |w, idx| {
        match action {
            SiteAction::TakeOffline => w.take_offline(idx, cache, site),
            SiteAction::BringOnline => w.bring_online(idx, cache, site),
            SiteAction::StartPushState => start_push(ctx, w, cache, site),
            SiteAction::CancelPushState => w.cancel_push(idx, cache, site),
        }
        empty(200)
    })
}

/// Starts a push: after [`crate::SimOptions::push_delay`] the cache's entries go to the remote site
/// in chunks of [`crate::SimOptions::push_chunk_size`], one every
/// [`crate::SimOptions::push_chunk_delay`], so a push takes time in proportion to the entries and a
/// cancel can stop it halfway, as on a real server.
fn start_push(ctx: &Arc<SiteCtx>, w: &mut World, cache: &str, site: &str) {
    let Some(token) = w.start_push(ctx.idx, cache, site) else {
        return;
    };
    let shared = ctx.shared.clone();
    let idx = ctx.idx;
    let (cache, site) = (cache.to_string(), site.to_string());
    tokio::spawn(async move {
        tokio::time::sleep(shared.opts.push_delay).await;
        let Some(entries) = shared.world().push_snapshot(idx, &cache, &site, token) else {
            return;
        };
        let delay = shared.opts.push_chunk_delay;
        for chunk in entries.chunks(shared.opts.push_chunk_size.max(1)) {
            // No delay: every chunk at once (a zero sleep would still wait for the timer's tick).
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            if !shared.world().push_chunk(idx, &cache, &site, token, chunk) {
                return;
            }
        }
        shared.world().finish_push(idx, &cache, &site, token);
    });
}

fn update_take_offline(w: &mut World, idx: usize, cache: &str, site: &str, body: &[u8]) -> Reply {
    if body.is_empty() {
        return text(400, "ISPN012031: Method requires content");
    }
    let parsed = match serde_json::from_slice::<Value>(body) {
        Ok(v) => v,
        // The server's JSON reader messages, with its 1-based [row,column] position.
        Err(e) if e.is_eof() => {
            return text(
                400,
                format!("Reached end of input at [1,{}]", body.len() + 2),
            );
        }
        Err(e) => {
            return text(
                400,
                format!("Invalid JSON at [{},{}]", e.line(), e.column() + 1),
            );
        }
    };
    let (Some(min_wait), Some(after_failures)) =
        (parsed.get("min_wait"), parsed.get("after_failures"))
    else {
        return text(
            400,
            "ISPN012044: Missing at least one argument in '[min_wait, after_failures]'",
        );
    };
    // `Json.asInteger()`: numbers are truncated, strings are parsed (the server accepts `"7"`).
    let as_int = |v: &Value| -> Result<i64, Box<Reply>> {
        match v {
            Value::Number(n) => Ok(n
                .as_i64()
                .unwrap_or_else(|| n.as_f64().unwrap_or(0.0) as i64)),
            Value::String(s) => s
                .parse::<i32>()
                .map(i64::from)
                .map_err(|_| Box::new(text(400, format!("For input string: \"{s}\"")))),
            _ => Err(Box::new(text(
                400,
                "ISPN012044: Missing at least one argument in '[min_wait, after_failures]'",
            ))),
        }
    };
    let min_wait = match as_int(min_wait) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let after_failures = match as_int(after_failures) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let b = w.backup_mut(idx, cache, site).expect("checked");
    if b.after_failures == after_failures && b.min_wait == min_wait {
        return empty(304);
    }
    b.after_failures = after_failures;
    b.min_wait = min_wait;
    // Amending resets the failure counters and brings the site back online.
    w.bring_online(idx, cache, site);
    empty(204)
}

/// What the server answers for the state-transfer mode of a SYNC backup.
const AUTO_WITH_SYNC: &str =
    "ISPN000634: Cross-site automatic state transfer is not compatible with SYNC backup strategy.";

/// What the server answers for a state-transfer mode that is neither MANUAL nor AUTO.
fn unknown_mode(mode: &str) -> String {
    format!("No enum constant org.infinispan.configuration.cache.XSiteStateTransferMode.{mode}")
}

fn set_mode(w: &mut World, idx: usize, cache: &str, site: &str, mode: &str) -> Reply {
    let mode = match mode {
        "MANUAL" => Mode::Manual,
        "AUTO" => Mode::Auto,
        other => return text(400, unknown_mode(other)),
    };
    let b = w.backup_mut(idx, cache, site).expect("checked");
    // A real server refuses any mode on a SYNC backup, even the MANUAL it already has.
    if b.sync {
        return text(400, AUTO_WITH_SYNC);
    }
    if b.mode == mode {
        return empty(304);
    }
    b.mode = mode;
    empty(200)
}

/// `GlobalXSiteAdminOperations.globalStatus`: per backup site, which caches are online, which offline,
/// and which mixed (their nodes disagree).
fn global_status(w: &World, idx: usize, generation: Generation) -> Vec<(String, Value)> {
    type Lists = (String, Vec<String>, Vec<String>, Vec<String>);
    let mut per_site: Vec<Lists> = Vec::new();
    let site = &w.sites[idx];
    for name in cache_names_order(generation, site.caches.keys().cloned().collect()) {
        let cache = &site.caches[&name];
        for b in &cache.backups {
            let pos = match per_site.iter().position(|(s, ..)| *s == b.site) {
                Some(p) => p,
                None => {
                    per_site.push((b.site.clone(), Vec::new(), Vec::new(), Vec::new()));
                    per_site.len() - 1
                }
            };
            let entry = &mut per_site[pos];
            match site.cache_status(b) {
                CacheStatus::Online => entry.1.push(name.clone()),
                CacheStatus::Offline => entry.2.push(name.clone()),
                CacheStatus::Mixed(..) => entry.3.push(name.clone()),
            }
        }
    }
    java_hash_order_by(per_site, |(s, ..)| s)
        .into_iter()
        .map(|(site, online, offline, mixed)| {
            let status = if offline.is_empty() && mixed.is_empty() {
                json!({"status": "online"})
            } else if online.is_empty() && mixed.is_empty() {
                json!({"status": "offline"})
            } else {
                json!({"status": "mixed", "online": online, "offline": offline, "mixed": mixed})
            };
            (site, status)
        })
        .collect()
}

/// Container-wide actions: always 200 with a map of cache name → `"ok"` or the error text.
fn container_action(ctx: &Arc<SiteCtx>, req: &Req, site: &str, action: SiteAction) -> Reply {
    with_container(ctx, req, |w, idx| {
        let names: Vec<String> = cache_names_order(
            generation(ctx),
            w.sites[idx]
                .caches
                .iter()
                .filter(|(_, c)| !c.backups.is_empty())
                .map(|(n, _)| n.clone())
                .collect(),
        );
        let mut results: Vec<(String, String)> = Vec::new();
        for name in names {
            let known = w
                .cache(idx, &name)
                .is_some_and(|c| c.backup(site).is_some());
            let result = if known {
                match action {
                    SiteAction::TakeOffline => w.take_offline(idx, &name, site),
                    SiteAction::BringOnline => w.bring_online(idx, &name, site),
                    SiteAction::StartPushState => start_push(ctx, w, &name, site),
                    SiteAction::CancelPushState => w.cancel_push(idx, &name, site),
                }
                "ok".to_string()
            } else {
                match action {
                    SiteAction::TakeOffline | SiteAction::BringOnline => {
                        format!("Incorrect site name: {site}")
                    }
                    SiteAction::StartPushState => {
                        format!("Unable to pushState to '{site}'. Incorrect site name: {site}")
                    }
                    SiteAction::CancelPushState => format!(
                        "Unable to perform operation. Error=ISPN000617: Site '{site}' not found."
                    ),
                }
            };
            results.push((name, result));
        }
        let map: Map<String, Value> = java_hash_order_by(results, |(k, _)| k)
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        json(&Value::Object(map))
    })
}
