//! An embedded two-site Infinispan / Red Hat Data Grid, for demos and fast tests of cross-site tooling.
//!
//! [`Grid::start`] runs two sites, `site-a` and `site-b`, each an HTTP server on a loopback port that answers the
//! Infinispan REST v2 API the way a real 14.0.35 (or 15.0.22) server does for everything cross-site operations
//! need: the per-cache and container x-site routes, cache entries and clear, container and server info, health.
//! Status codes, content types, bodies, error texts and authentication challenges follow the real server; the
//! routing errors (404 `Resource not found`, 405 `Not allowed`, 400 `Invalid 'action' parameter supplied`) come
//! from the same route tree rules and are answered before authentication, like the server does.
//!
//! Each site has the eight Keycloak caches (`sessions`, `actionTokens`, `authenticationSessions`,
//! `offlineSessions`, `clientSessions`, `offlineClientSessions`, `loginFailures`, `work`), each a SYNC backup of
//! the other site, and a cache `no-backups` without backups. Writes, removals and clears replicate to the other site
//! while the backup is online; pushes copy a cache's entries; faults (link cut, site down, latency, injected
//! statuses, a take-offline that does not take) are switched at runtime through [`Grid`] and [`SiteHandle`].
//!
//! The simulator is an independent reading of the server: it does not use the `xsite` SDK.
//!
//! # Fidelity
//!
//! Answers are checked (`tests/sim/recorded.rs`) against every recording of real servers in `docs/real-server/`:
//! 14.0.28 against the 14 generation; 15.0.21, 15.2.6 and 16.0.7 against the 15 generation, except the server and
//! container info of 15.2.6 and 16.0.7 (listed there). The generations report the 14.0.35 and 15.0.22 they are
//! named after (the replay rewrites the recorded release, and counts where). A push sends the cache's entries in
//! chunks ([`SimOptions::push_chunk_size`], one every [`SimOptions::push_chunk_delay`]), so a cancel, or a
//! cancel-receive on the other site, stops it halfway as on a real server. Known differences:
//! - Header names are lower case (hyper); Netty writes `Content-Type` in mixed case. A 304 carries no
//!   `content-length: 0`, and a HEAD error carries its body's length instead of 0.
//! - Entry ETags have the server's shape (a decimal `int`) but not its value (the server hashes the stored bytes
//!   with its own MurmurHash3 variant).
//! - `defined_caches`, `cache_configuration_names` and `GET /rest/v2/caches` use orders recorded from real servers
//!   (they come from hash sets of objects); maps keyed by cache or site name follow `java.util.HashMap` iteration.
//! - A write that cannot reach an online SYNC backup fails with 500 (failure policy FAIL, see
//!   [`SimOptions::backup_failure_policy`]) after being applied locally, as on a non-transactional cache; the message
//!   imitates `BackupFailureException` but was not recorded from a real server.
//! - Only the routes the toolkit uses are implemented; every other REST v2 route of the generation is known to
//!   the router (so 404/405/400 and authentication behave as on the server) and answers 501 once authenticated.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let grid = xsite_sim::Grid::start(xsite_sim::SimOptions::default()).await?;
//! println!("site-a at {}/rest", grid.site_a_url());
//! grid.cut_link();
//! grid.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod auth;
mod faults;
mod handlers;
pub mod harness;
pub mod hostile;
mod http;
mod model;
pub mod requests;
mod routes;
mod server;
mod state;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use requests::LoggedRequest;
pub use state::PushStatus;

use crate::auth::Authenticator;
use crate::faults::Faults;
use crate::routes::RouteTree;
use crate::server::RunState;
use crate::state::World;

pub use harness::{ADMIN_PASSWORD, ADMIN_USER, OBSERVER_PASSWORD, OBSERVER_USER};

/// The server generation to imitate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Generation {
    /// Infinispan 14.0.35.Final (Red Hat Data Grid 8.4, Keycloak 24): container x-site routes only under
    /// `/rest/v2/cache-managers/{name}`, where a wrong `{name}` answers 404.
    #[default]
    V14,
    /// Infinispan 15.0.22.Final: adds `/rest/v2/container/…`; the `cache-managers/{name}` forms still work and
    /// ignore `{name}`.
    V15,
}

/// An HTTP authentication mechanism of the REST endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mechanism {
    /// HTTP Digest (`qop=auth`) with [`SimOptions::digest_algorithm`]; the server calls it `DIGEST` (MD5) or
    /// `DIGEST-SHA-256`.
    Digest,
    /// HTTP Basic.
    Basic,
}

/// The hash algorithm of the Digest mechanism.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum DigestAlgorithm {
    /// `algorithm=MD5`, Infinispan's default `DIGEST` mechanism.
    #[default]
    Md5,
    /// `algorithm=SHA-256`, the `DIGEST-SHA-256` mechanism.
    Sha256,
}

/// What a write does when an online SYNC backup cannot be reached (the backup's `failure-policy`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum BackupFailurePolicy {
    /// The write answers 500 (Keycloak's setting). It is still applied locally, as on a non-transactional cache.
    #[default]
    Fail,
    /// The write succeeds locally and the failure is only logged (Infinispan's default).
    Warn,
}

/// How to run the simulated grid.
#[derive(Clone, Debug)]
pub struct SimOptions {
    /// Which server generation to imitate.
    pub generation: Generation,
    /// How long a push (start-push-state) stays `SENDING` before it sends its first chunk; a push
    /// of an empty cache ends then, in `OK` (or `ERROR`).
    pub push_delay: Duration,
    /// How many entries a push sends at a time (the backup's `state-transfer chunk-size`;
    /// by default the harness's, [`harness::STATE_TRANSFER_CHUNK_SIZE`]).
    pub push_chunk_size: usize,
    /// How long each chunk of a push takes, so that a push lasts in proportion to the entries.
    /// Zero sends every chunk at once: the push then lasts `push_delay`, whatever the entries.
    pub push_chunk_delay: Duration,
    /// The port of site-a on 127.0.0.1; 0 picks a free one.
    pub site_a_port: u16,
    /// The port of site-b on 127.0.0.1; 0 picks a free one.
    pub site_b_port: u16,
    /// The enabled authentication mechanisms, in the order their challenges are sent. Empty disables
    /// authentication (and so authorization) entirely.
    pub mechanisms: Vec<Mechanism>,
    /// The Digest hash algorithm.
    pub digest_algorithm: DigestAlgorithm,
    /// How long a Digest nonce can be first used after it was issued (Elytron: 300 s).
    pub nonce_validity: Duration,
    /// What a write does when an online backup's site is unreachable (link cut or site down).
    pub backup_failure_policy: BackupFailurePolicy,
    /// The version site-b reports (server and container info) instead of the generation's, for
    /// a version skew between the sites; its routes stay the generation's. `None`: the same.
    pub site_b_version: Option<String>,
    /// Nodes per site (1 to [`harness::MAX_NODES`]), `<site>-0` … : each has its own backup
    /// statuses and can be stopped and started ([`SiteHandle::stop_node`]); a site is still served
    /// on one address. A restarted node comes back with every backup online on
    /// [`Generation::V14`] (a mixed status where the others are offline) and with the cluster's
    /// statuses on [`Generation::V15`], as the real servers do (docs/real-server/DIFFERENCES.md F).
    pub nodes: usize,
}

impl Default for SimOptions {
    fn default() -> SimOptions {
        SimOptions {
            generation: Generation::V14,
            push_delay: Duration::from_millis(200),
            push_chunk_size: harness::STATE_TRANSFER_CHUNK_SIZE,
            push_chunk_delay: Duration::from_millis(2),
            site_a_port: 0,
            site_b_port: 0,
            mechanisms: vec![Mechanism::Digest, Mechanism::Basic],
            digest_algorithm: DigestAlgorithm::Md5,
            nonce_validity: Duration::from_secs(300),
            backup_failure_policy: BackupFailurePolicy::Fail,
            site_b_version: None,
            nodes: 1,
        }
    }
}

/// State shared by both sites.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) opts: SimOptions,
    pub(crate) world: Mutex<World>,
    pub(crate) routes: RouteTree,
}

impl Shared {
    pub(crate) fn world(&self) -> MutexGuard<'_, World> {
        // A panic while holding the lock would poison it; the state is still consistent enough for a simulator.
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Everything one site's request handlers need.
#[derive(Debug)]
pub(crate) struct SiteCtx {
    pub(crate) name: &'static str,
    pub(crate) idx: usize,
    pub(crate) port: u16,
    pub(crate) shared: Arc<Shared>,
    pub(crate) faults: Faults,
    pub(crate) auth: Authenticator,
    pub(crate) run: watch::Sender<RunState>,
    pub(crate) requests: requests::RequestLog,
}

/// A running two-site grid. Dropping it without [`Grid::shutdown`] also stops the listeners.
#[derive(Debug)]
pub struct Grid {
    shared: Arc<Shared>,
    sites: Vec<Arc<SiteCtx>>,
    tasks: Vec<JoinHandle<()>>,
}

impl Grid {
    /// Binds both sites on 127.0.0.1 and starts serving.
    ///
    /// # Errors
    /// When a listener cannot be bound, e.g. a fixed port is taken.
    pub async fn start(opts: SimOptions) -> std::io::Result<Grid> {
        let shared = Arc::new(Shared {
            routes: RouteTree::new(opts.generation),
            world: Mutex::new(World::with_nodes(
                opts.backup_failure_policy,
                opts.nodes.clamp(1, harness::MAX_NODES),
                opts.generation != Generation::V14,
            )),
            opts: opts.clone(),
        });
        let mut sites = Vec::new();
        let mut tasks = Vec::new();
        for (idx, (name, port)) in [
            (harness::SITE_A, opts.site_a_port),
            (harness::SITE_B, opts.site_b_port),
        ]
        .into_iter()
        .enumerate()
        {
            let listener = server::bind(port).await?;
            let port = listener.local_addr()?.port();
            let (run, run_rx) = watch::channel(RunState::Up);
            let ctx = Arc::new(SiteCtx {
                name,
                idx,
                port,
                shared: shared.clone(),
                faults: Faults::default(),
                auth: Authenticator::new(
                    opts.mechanisms.clone(),
                    opts.digest_algorithm,
                    opts.generation,
                    opts.nonce_validity,
                ),
                run,
                requests: requests::RequestLog::default(),
            });
            let router = handlers::router(ctx.clone());
            tasks.push(tokio::spawn(server::supervise(
                router, listener, port, run_rx,
            )));
            sites.push(ctx);
        }
        tracing::info!(
            site_a = sites[0].port,
            site_b = sites[1].port,
            generation = ?opts.generation,
            "xsite-sim started"
        );
        Ok(Grid {
            shared,
            sites,
            tasks,
        })
    }

    /// The base URL of site-a, `http://127.0.0.1:PORT` (the REST API is under `/rest`).
    pub fn site_a_url(&self) -> String {
        url(self.sites[0].port)
    }

    /// The base URL of site-b, `http://127.0.0.1:PORT`.
    pub fn site_b_url(&self) -> String {
        url(self.sites[1].port)
    }

    /// The generation this grid imitates.
    pub fn generation(&self) -> Generation {
        self.shared.opts.generation
    }

    /// A handle on one site (`"site-a"` or `"site-b"`), for fault switches and state assertions.
    pub fn site(&self, name: &str) -> Option<SiteHandle> {
        self.sites
            .iter()
            .find(|s| s.name == name)
            .map(|s| SiteHandle { ctx: s.clone() })
    }

    /// The handle of site-a.
    pub fn site_a(&self) -> SiteHandle {
        SiteHandle {
            ctx: self.sites[0].clone(),
        }
    }

    /// The handle of site-b.
    pub fn site_b(&self) -> SiteHandle {
        SiteHandle {
            ctx: self.sites[1].clone(),
        }
    }

    /// The options the grid was started with (ports as requested; see the URLs for the bound ones).
    pub fn options(&self) -> &SimOptions {
        &self.shared.opts
    }

    /// Cuts the cross-site link: both sites' views shrink to themselves, writes to caches whose backup is online
    /// fail, pushes end in `ERROR`.
    pub fn cut_link(&self) {
        self.shared.world().link_up = false;
    }

    /// Restores the cross-site link. Backups taken offline meanwhile stay offline, as on the real server.
    pub fn heal_link(&self) {
        self.shared.world().link_up = true;
    }

    /// Whether the cross-site link is up.
    pub fn link_is_up(&self) -> bool {
        self.shared.world().link_up
    }

    /// Stops both listeners and drops every open connection.
    pub async fn shutdown(mut self) {
        for s in &self.sites {
            let _ = s.run.send(RunState::Stopped);
        }
        for t in self.tasks.drain(..) {
            let _ = t.await;
        }
    }
}

impl Drop for Grid {
    fn drop(&mut self) {
        for s in &self.sites {
            let _ = s.run.send(RunState::Stopped);
        }
    }
}

fn url(port: u16) -> String {
    format!("http://127.0.0.1:{port}")
}

/// A snapshot of one cache's backup to one site, for assertions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupSnapshot {
    /// Whether the backup is online (the admin status, not connectivity).
    pub online: bool,
    /// The push-state status.
    pub push_status: PushStatus,
    /// The take-offline `after_failures` setting.
    pub after_failures: i64,
    /// The take-offline `min_wait` setting, in milliseconds.
    pub min_wait: i64,
    /// The state-transfer mode, `MANUAL` or `AUTO`.
    pub state_transfer_mode: String,
}

/// Fault switches and state peeking for one site.
#[derive(Clone, Debug)]
pub struct SiteHandle {
    ctx: Arc<SiteCtx>,
}

impl SiteHandle {
    /// The site name, `site-a` or `site-b`.
    pub fn name(&self) -> &'static str {
        self.ctx.name
    }

    /// The base URL, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        url(self.ctx.port)
    }

    /// Takes the whole site down (`true`) or brings it back (`false`). While down its port refuses connections,
    /// open connections are dropped, and the other site sees it as unreachable over the cross-site link (as when
    /// all its servers crashed). Its data is kept, as if it had been persisted.
    pub fn set_down(&self, down: bool) {
        self.ctx.shared.world().sites[self.ctx.idx].down = down;
        let state = if down { RunState::Down } else { RunState::Up };
        self.ctx.run.send_if_modified(|s| {
            if *s == RunState::Stopped || *s == state {
                false
            } else {
                *s = state;
                true
            }
        });
    }

    /// Whether the site is down.
    pub fn is_down(&self) -> bool {
        self.ctx.shared.world().sites[self.ctx.idx].down
    }

    /// Makes the site accept connections and requests but never answer (`true`), e.g. a hung JVM.
    pub fn set_unresponsive(&self, on: bool) {
        self.ctx.faults.set_unresponsive(on);
    }

    /// Delays every response of the site by `latency`.
    pub fn set_latency(&self, latency: Duration) {
        self.ctx.faults.set_latency(latency);
    }

    /// The next `count` requests to the site answer `status` with an empty body, before routing and
    /// authentication (as a proxy or an overloaded server would). Replaces an earlier injection.
    pub fn inject_status(&self, status: u16, count: usize) {
        self.ctx.faults.inject(None, status, String::new(), count);
    }

    /// Like [`SiteHandle::inject_status`], with a body; a body that parses as JSON is sent as `application/json`,
    /// any other without a content type (like the server's error texts).
    pub fn inject_response(&self, status: u16, body: &str, count: usize) {
        self.ctx
            .faults
            .inject(None, status, body.to_string(), count);
    }

    /// Like [`SiteHandle::inject_response`], for the requests whose path and query contain
    /// `matching` only (e.g. `/caches/work/x-site/backups?action=push-state-status`); the others
    /// are answered as usual. Inject a `count` of 0 to lift it.
    pub fn inject_response_on(&self, matching: &str, status: u16, body: &str, count: usize) {
        self.ctx
            .faults
            .inject(Some(matching.to_owned()), status, body.to_string(), count);
    }

    /// While `on`, `take-offline` of `cache` towards `site` (per cache or container-wide) answers success but the
    /// backup stays online, like the "repeat until offline" case of the runbooks.
    pub fn stick_online(&self, cache: &str, site: &str, on: bool) {
        if let Some(b) = self
            .ctx
            .shared
            .world()
            .backup_mut(self.ctx.idx, cache, site)
        {
            b.stick_online = on;
        }
    }

    /// The entries of a cache on this site (empty if the cache does not exist).
    pub fn entries(&self, cache: &str) -> BTreeMap<String, String> {
        self.ctx
            .shared
            .world()
            .cache(self.ctx.idx, cache)
            .map(|c| {
                c.entries
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Stores an entry on this site only, without replication: to seed diverged data.
    pub fn put_local(&self, cache: &str, key: &str, value: &str) {
        if let Some(c) = self.ctx.shared.world().cache_mut(self.ctx.idx, cache) {
            c.entries.insert(key.to_string(), value.to_string());
        }
    }

    /// Removes a cache from this site only (as `DELETE /rest/v2/caches/{name}` on one site
    /// would): to build a site that lacks a cache. Returns whether it existed.
    pub fn remove_cache(&self, cache: &str) -> bool {
        self.ctx.shared.world().sites[self.ctx.idx]
            .caches
            .remove(cache)
            .is_some()
    }

    /// Removes every entry of a cache on this site only, without replication.
    pub fn clear_local(&self, cache: &str) {
        if let Some(c) = self.ctx.shared.world().cache_mut(self.ctx.idx, cache) {
            c.entries.clear();
        }
    }

    /// The state of `cache`'s backup to `site`, or `None` if the cache does not back up there.
    pub fn backup(&self, cache: &str, site: &str) -> Option<BackupSnapshot> {
        let world = self.ctx.shared.world();
        let b = world.cache(self.ctx.idx, cache)?.backup(site)?;
        Some(BackupSnapshot {
            online: !b.offline,
            push_status: b.push,
            after_failures: b.after_failures,
            min_wait: b.min_wait,
            state_transfer_mode: b.mode.as_str().to_string(),
        })
    }

    /// Sets the admin status of `cache`'s backup to `site` directly, bypassing REST and faults.
    pub fn set_backup_online(&self, cache: &str, site: &str, online: bool) {
        if let Some(b) = self
            .ctx
            .shared
            .world()
            .backup_mut(self.ctx.idx, cache, site)
        {
            b.offline = !online;
            b.reopened.clear();
        }
    }

    /// Stops node `node` (0-based) of the site, as `scripts/grid stop-node`: it leaves the
    /// per-node statuses and the cluster members, and no longer replicates. The site stays
    /// reachable on its address even when node 0 stops (a real node 0's own URL would not).
    /// Returns false when the site has no such node.
    pub fn stop_node(&self, node: usize) -> bool {
        self.ctx.shared.world().stop_node(self.ctx.idx, node)
    }

    /// Starts node `node` of the site again (`scripts/grid start-node`), with the backup statuses
    /// its generation gives a restarted node ([`SimOptions::nodes`]). Returns false when the site
    /// has no such node.
    pub fn start_node(&self, node: usize) -> bool {
        self.ctx.shared.world().start_node(self.ctx.idx, node)
    }

    /// The running nodes' names, node 0 first.
    pub fn live_nodes(&self) -> Vec<String> {
        let world = self.ctx.shared.world();
        world.sites[self.ctx.idx]
            .live_nodes()
            .into_iter()
            .map(|n| model::node_name_of(self.ctx.name, n))
            .collect()
    }

    /// Switches `cache`'s backup to `site` between SYNC (`true`, the default) and ASYNC. Only the
    /// state-transfer mode cares: AUTO (and any mode change) is refused on a SYNC backup.
    pub fn set_backup_sync(&self, cache: &str, site: &str, sync: bool) {
        if let Some(b) = self
            .ctx
            .shared
            .world()
            .backup_mut(self.ctx.idx, cache, site)
        {
            b.sync = sync;
        }
    }

    /// The requests the site received since it started (or [`SiteHandle::clear_requests`]), in
    /// order, with their answers' statuses: at most [`requests::MAX_LOGGED`] of them.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.ctx.requests.snapshot().0
    }

    /// How many requests the site received since it started (or [`SiteHandle::clear_requests`]),
    /// also past the log's cap.
    pub fn request_count(&self) -> usize {
        self.ctx.requests.snapshot().1
    }

    /// Empties the request log.
    pub fn clear_requests(&self) {
        self.ctx.requests.clear();
    }

    /// The site's current RELAY2 view (`sites_view`).
    pub fn sites_view(&self) -> Vec<String> {
        self.ctx.shared.world().sites_view(self.ctx.idx)
    }
}
