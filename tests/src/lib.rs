//! # The conformance suite
//!
//! Written once against a [`Grid`]: two sites, `site-a` and `site-b`, each backing up the Keycloak
//! caches to the other, plus a cache `no-backups` without backups, and two users: an admin
//! (`developer` / `strong-password` unless `XSITE_USERNAME` / `XSITE_PASSWORD` say otherwise) and an
//! authenticated user without the admin role (`observer` / `observer-password`, or
//! `XSITE_OBSERVER_USERNAME` / `XSITE_OBSERVER_PASSWORD`).
//!
//! - `XSITE_SITE_A_URL` and `XSITE_SITE_B_URL` set: the suite runs against those servers (the real
//!   two-site Infinispan started by `scripts/grid up`).
//! - Unset: it starts the embedded simulator (`xsite-sim`) in process.
//!
//! Every case starts from the same state ([`Grid::reset`]): every backup online, push status
//! cleared, take-offline config at its default, caches empty, every node running.
//!
//! Several nodes per site: `XSITE_GRID_NODES` (printed by `scripts/grid env`) says how many the real
//! grid runs, and `XSITE_GRID_SCRIPT` (the same) is the script whose `stop-node` / `start-node` the
//! node cases run; the simulator's are [`xsite_sim::SimOptions::nodes`] and its node switches. The
//! node cases skip with one node per site; `tests/tests/nodes.rs` runs them on two-node simulators. The cases are listed in
//! [`cases::all`], each with the upstream test whose intent it ports.

use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use secrecy::SecretString;
use xsite::{CacheSet, Client, Credentials, RetryPolicy, TakeOfflineConfig};

pub mod cases;

/// The first site's name.
pub const SITE_A: &str = "site-a";
/// The second site's name.
pub const SITE_B: &str = "site-b";
/// A cache that exists on both sites and has no backups.
pub const NO_BACKUPS_CACHE: &str = "no-backups";

/// What the suite runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GridKind {
    /// The embedded simulator, started in process.
    Simulator,
    /// Real servers named by the environment.
    Real,
}

/// Two sites and the credentials to use with them.
pub struct Grid {
    /// The first site's URL (`http://127.0.0.1:11222` for the real harness).
    pub site_a_url: String,
    /// The second site's URL.
    pub site_b_url: String,
    /// The admin user.
    pub username: String,
    password: SecretString,
    /// The authenticated user without the admin role.
    pub observer_username: String,
    observer_password: SecretString,
    /// A CA file for https targets (`XSITE_CA_FILE`).
    pub ca_file: Option<String>,
    /// The REST authentication mechanisms the servers were started with, in their order
    /// (`DIGEST`, `DIGEST-SHA-256`, `BASIC`): `XSITE_REST_AUTH` as `scripts/grid env` prints it
    /// (`DIGEST BASIC` when unset), or the simulator's options.
    pub rest_auth: Vec<String>,
    /// Real servers or the simulator.
    pub kind: GridKind,
    sim: Option<xsite_sim::Grid>,
    /// Nodes per site.
    nodes: usize,
    /// `scripts/grid` of the real grid, for its stop-node / start-node (`XSITE_GRID_SCRIPT`).
    grid_script: Option<String>,
    /// Nodes a case stopped and has not started again: the next reset starts them.
    stopped_nodes: Mutex<Vec<(String, usize)>>,
    /// Why the running case skipped itself, if it did ([`Grid::skip`]).
    skipped: Mutex<Option<String>>,
}

impl Grid {
    /// The target the environment names, or a freshly started simulator.
    pub async fn from_env() -> Result<Grid, String> {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let username = env("XSITE_USERNAME").unwrap_or_else(|| "developer".to_owned());
        let password = env("XSITE_PASSWORD").unwrap_or_else(|| "strong-password".to_owned());
        let observer_username =
            env("XSITE_OBSERVER_USERNAME").unwrap_or_else(|| xsite_sim::OBSERVER_USER.to_owned());
        let observer_password = env("XSITE_OBSERVER_PASSWORD")
            .unwrap_or_else(|| xsite_sim::OBSERVER_PASSWORD.to_owned());
        let (site_a_url, site_b_url, kind, sim) = match (
            env("XSITE_SITE_A_URL"),
            env("XSITE_SITE_B_URL"),
        ) {
            (Some(a), Some(b)) => (a, b, GridKind::Real, None),
            (None, None) => {
                let grid = xsite_sim::Grid::start(xsite_sim::SimOptions::default())
                    .await
                    .map_err(|e| format!("cannot start the simulator: {e}"))?;
                (
                    grid.site_a_url(),
                    grid.site_b_url(),
                    GridKind::Simulator,
                    Some(grid),
                )
            }
            _ => {
                return Err(
                        "set both XSITE_SITE_A_URL and XSITE_SITE_B_URL, or neither (to use the simulator)"
                            .to_owned(),
                    );
            }
        };
        Ok(Grid {
            site_a_url,
            site_b_url,
            username,
            password: password.into(),
            observer_username,
            observer_password: observer_password.into(),
            ca_file: env("XSITE_CA_FILE"),
            rest_auth: match &sim {
                Some(grid) => sim_rest_auth(grid.options()),
                None => env("XSITE_REST_AUTH")
                    .unwrap_or_else(|| "DIGEST BASIC".to_owned())
                    .split_whitespace()
                    .map(str::to_owned)
                    .collect(),
            },
            kind,
            nodes: match &sim {
                Some(grid) => grid.options().nodes.max(1),
                None => match env("XSITE_GRID_NODES") {
                    None => 1,
                    Some(n) => n.parse().map_err(|_| {
                        format!("XSITE_GRID_NODES={n:?}: give the nodes per site, e.g. 2 (scripts/grid env prints it)")
                    })?,
                },
            },
            grid_script: env("XSITE_GRID_SCRIPT"),
            stopped_nodes: Mutex::new(Vec::new()),
            sim,
            skipped: Mutex::new(None),
        })
    }

    /// A freshly started simulator with the given options (for example a shorter push delay), and
    /// the default credentials.
    pub async fn with_simulator(options: xsite_sim::SimOptions) -> Result<Grid, String> {
        let grid = xsite_sim::Grid::start(options)
            .await
            .map_err(|e| format!("cannot start the simulator: {e}"))?;
        Ok(Grid {
            rest_auth: sim_rest_auth(grid.options()),
            site_a_url: grid.site_a_url(),
            site_b_url: grid.site_b_url(),
            username: xsite_sim::ADMIN_USER.to_owned(),
            password: xsite_sim::ADMIN_PASSWORD.to_owned().into(),
            observer_username: xsite_sim::OBSERVER_USER.to_owned(),
            observer_password: xsite_sim::OBSERVER_PASSWORD.to_owned().into(),
            ca_file: None,
            kind: GridKind::Simulator,
            nodes: grid.options().nodes.max(1),
            grid_script: None,
            stopped_nodes: Mutex::new(Vec::new()),
            sim: Some(grid),
            skipped: Mutex::new(None),
        })
    }

    /// Nodes per site.
    pub fn nodes(&self) -> usize {
        self.nodes
    }

    /// The names of a site's nodes, `<site>-0` first (the harness's `node-name`).
    pub fn node_names(&self, site: &str) -> Vec<String> {
        (0..self.nodes).map(|k| format!("{site}-{k}")).collect()
    }

    /// Stops node `node` of `site`: the simulator's switch, or `scripts/grid stop-node SITE K`
    /// (`XSITE_GRID_SCRIPT`) on real servers. The next [`Grid::reset`] starts it again if the case
    /// does not.
    pub async fn stop_node(&self, site: &str, node: usize) -> CaseResult {
        self.stopped_nodes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((site.to_owned(), node));
        self.node_command(site, node, false).await
    }

    /// Starts node `node` of `site` again and returns once it is back in its site's cluster.
    pub async fn start_node(&self, site: &str, node: usize) -> CaseResult {
        self.node_command(site, node, true).await?;
        self.stopped_nodes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|(s, n)| !(s == site && *n == node));
        Ok(())
    }

    async fn node_command(&self, site: &str, node: usize, start: bool) -> CaseResult {
        if let Some(grid) = &self.sim {
            let handle = grid
                .site(site)
                .ok_or_else(|| Failure(format!("no site {site}")))?;
            let done = if start {
                handle.start_node(node)
            } else {
                handle.stop_node(node)
            };
            ensure!(done, "the simulator's {site} has no node {node}");
            return Ok(());
        }
        let script = self.grid_script.clone().ok_or_else(|| {
            Failure(
                "XSITE_GRID_SCRIPT is not set: load `scripts/grid env` to let the node cases stop and start nodes".to_owned(),
            )
        })?;
        let verb = if start { "start-node" } else { "stop-node" };
        let args = [verb.to_owned(), site.to_owned(), node.to_string()];
        // The script's own timeouts bound it (XSITE_GRID_START_TIMEOUT, XSITE_GRID_STOP_TIMEOUT).
        let output = tokio::task::spawn_blocking(move || {
            std::process::Command::new(&script).args(&args).output()
        })
        .await
        .map_err(|e| Failure(format!("{verb}: {e}")))?
        .map_err(|e| Failure(format!("cannot run scripts/grid {verb}: {e}")))?;
        ensure!(
            output.status.success(),
            "scripts/grid {verb} {site} {node} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
        Ok(())
    }

    /// Starts every node a case left stopped.
    async fn start_stopped_nodes(&self) -> CaseResult {
        let stopped = self
            .stopped_nodes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        for (site, node) in stopped {
            self.start_node(&site, node).await?;
        }
        Ok(())
    }

    /// Ends the running case as skipped: the runner counts and prints it as such, never as
    /// passed. Use it only when the target cannot exercise the case's subject, and say why.
    pub fn skip(&self, reason: impl Into<String>) -> CaseResult {
        *self.skipped.lock().unwrap_or_else(|e| e.into_inner()) = Some(reason.into());
        Ok(())
    }

    fn take_skip(&self) -> Option<String> {
        self.skipped
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }

    /// Stops the simulator, when the target is one.
    pub async fn shutdown(self) {
        if let Some(grid) = self.sim {
            grid.shutdown().await;
        }
    }

    /// The admin's username and password, for clients built outside the SDK (benchmarks).
    pub fn admin_password(&self) -> (&str, &str) {
        use secrecy::ExposeSecret;
        (&self.username, self.password.expose_secret())
    }

    /// The simulator, when the target is one.
    pub fn sim(&self) -> Option<&xsite_sim::Grid> {
        self.sim.as_ref()
    }

    /// The URL of a site by name.
    pub fn url(&self, site: &str) -> &str {
        if site == SITE_A {
            &self.site_a_url
        } else {
            &self.site_b_url
        }
    }

    /// The other site's name.
    pub fn other(site: &str) -> &'static str {
        if site == SITE_A { SITE_B } else { SITE_A }
    }

    /// A client for a site with the given credentials.
    pub fn client_as(&self, site: &str, credentials: Credentials) -> Client {
        let mut builder = Client::builder(self.url(site))
            .credentials(credentials)
            .retry(RetryPolicy::default());
        if let Some(ca) = &self.ca_file {
            builder = builder.ca_file(ca);
        }
        builder.build().expect("the target's URLs are valid")
    }

    /// The admin's credentials.
    pub fn admin(&self) -> Credentials {
        Credentials::password(self.username.clone(), self.password.clone())
    }

    /// The observer's credentials (authenticated, not admin).
    pub fn observer(&self) -> Credentials {
        Credentials::password(
            self.observer_username.clone(),
            self.observer_password.clone(),
        )
    }

    /// An admin client for site-a.
    pub fn a(&self) -> Client {
        self.client_as(SITE_A, self.admin())
    }

    /// An admin client for site-b.
    pub fn b(&self) -> Client {
        self.client_as(SITE_B, self.admin())
    }

    /// Puts both sites back in the starting state: every backup online, default take-offline
    /// config, push status cleared, the Keycloak caches empty, and every node a case stopped running.
    ///
    /// The x-site state changes go one cache at a time: on Infinispan 15.0 and later, per-cache
    /// take-offline or bring-online requests for several caches of a node running at once can
    /// deadlock the server (BENCHMARKS.md, "fan-out"). Reads and clears go concurrently.
    pub async fn reset(&self) -> Result<(), Failure> {
        self.start_stopped_nodes().await?;
        let caches = CacheSet::keycloak_legacy();
        for site in [SITE_A, SITE_B] {
            let client = self.client_as(site, self.admin());
            let other = Grid::other(site);
            // A cache a case deleted (the doctor's faults) comes back as scripts/grid creates it.
            let present = client.cache_names().await?;
            for cache in caches.names() {
                if !present.contains(cache) {
                    client
                        .cache(cache)
                        .create(&harness_cache_config(cache, Some((other, "SYNC"))))
                        .await
                        .map_err(|e| {
                            Failure(format!("reset: recreating {cache} on {site}: {e}"))
                        })?;
                }
            }
            client.container().xsite().bring_online(other).await?;
            let configs = caches
                .fan_out(&client, |cache| async move {
                    cache.xsite().take_offline_config(other).await
                })
                .await;
            for (cache, config) in configs.iter() {
                let failed = |e: &xsite::Error| Failure(format!("reset of {cache} on {site}: {e}"));
                let xsite = client.cache(cache);
                let xsite = xsite.xsite();
                if *config.as_ref().map_err(failed)? != TakeOfflineConfig::default() {
                    xsite
                        .set_take_offline_config(other, TakeOfflineConfig::default())
                        .await
                        .map_err(|e| failed(&e))?;
                }
                xsite.bring_online(other).await.map_err(|e| failed(&e))?;
            }
            let outcomes = caches
                .fan_out(&client, |cache| async move {
                    cache.xsite().clear_push_state_status().await?;
                    cache.clear().await
                })
                .await;
            if let Some((cache, error)) = outcomes.failures().next() {
                return Err(Failure(format!("reset of {cache} on {site}: {error}")));
            }
        }
        Ok(())
    }
}

/// A Keycloak cache's configuration as scripts/grid creates it (scripts/harness.env), as JSON
/// for `POST /rest/v2/caches/{cache}`: with a backup to `backup` = (site, strategy), or none.
pub fn harness_cache_config(cache: &str, backup: Option<(&str, &str)>) -> serde_json::Value {
    use xsite_sim::harness as h;
    let mut config = serde_json::json!({
        "mode": h::CACHE_MODE,
        "owners": h::CACHE_OWNERS,
        "remote-timeout": h::CACHE_REMOTE_TIMEOUT,
        "statistics": true,
        "encoding": {"media-type": h::CACHE_ENCODING},
        "state-transfer": {"chunk-size": h::STATE_TRANSFER_CHUNK_SIZE},
    });
    if let Some((site, strategy)) = backup {
        let mut backups = serde_json::json!({
            site: {"backup": {
                "strategy": strategy,
                "timeout": h::BACKUP_TIMEOUT,
                "state-transfer": {"chunk-size": h::STATE_TRANSFER_CHUNK_SIZE},
            }}
        });
        if h::MERGE_POLICY_CACHES.contains(&cache) {
            backups["merge-policy"] = serde_json::json!(h::MERGE_POLICY);
        }
        config["backups"] = backups;
    }
    serde_json::json!({ "distributed-cache": config })
}

/// The simulator's mechanisms under the names the server's configuration uses.
fn sim_rest_auth(options: &xsite_sim::SimOptions) -> Vec<String> {
    options
        .mechanisms
        .iter()
        .map(|m| match (m, options.digest_algorithm) {
            (xsite_sim::Mechanism::Basic, _) => "BASIC",
            (xsite_sim::Mechanism::Digest, xsite_sim::DigestAlgorithm::Md5) => "DIGEST",
            (xsite_sim::Mechanism::Digest, xsite_sim::DigestAlgorithm::Sha256) => "DIGEST-SHA-256",
        })
        .map(str::to_owned)
        .collect()
}

/// Why a case failed.
#[derive(Debug)]
pub struct Failure(pub String);

impl From<xsite::Error> for Failure {
    fn from(e: xsite::Error) -> Self {
        Failure(e.to_string())
    }
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Failure(message)
    }
}

/// A case's outcome.
pub type CaseResult = Result<(), Failure>;

/// A boxed case future.
pub type CaseFuture<'a> = Pin<Box<dyn Future<Output = CaseResult> + 'a>>;

/// One conformance case.
pub struct Case {
    /// A short unique name.
    pub name: &'static str,
    /// The upstream test whose intent it ports, or `xsite` for our own.
    pub ports: &'static str,
    /// The body. A body that cannot exercise its subject on this target says so with
    /// [`Grid::skip`], so that the run counts it as skipped rather than passed.
    pub run: for<'a> fn(&'a Grid) -> CaseFuture<'a>,
}

/// Fails the case with a message when the condition is false.
#[macro_export]
macro_rules! ensure {
    ($cond:expr, $($arg:tt)+) => {
        if !$cond {
            return Err($crate::Failure(format!($($arg)+)));
        }
    };
}

/// Polls until the check returns `Some`, or fails after the deadline with the last observation.
pub async fn eventually<T, F, Fut>(
    what: &str,
    deadline: Duration,
    mut check: F,
) -> Result<T, Failure>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>, Failure>>,
{
    let start = Instant::now();
    let mut wait = Duration::from_millis(20);
    loop {
        if let Some(value) = check().await? {
            return Ok(value);
        }
        if start.elapsed() > deadline {
            return Err(Failure(format!("{what}: not reached within {deadline:?}")));
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(Duration::from_millis(500));
    }
}

/// What a run counted. Every case listed by [`cases::all`] lands in exactly one of `passed`,
/// `failed`, `skipped` or `filtered_out`; a failed reset after the last case adds one failure.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Cases that ran and passed.
    pub passed: usize,
    /// Cases that failed, panicked, or whose reset failed; plus a failed final reset.
    pub failed: usize,
    /// Cases that ran but skipped themselves through [`Grid::skip`] (the subject could not be
    /// exercised on this target).
    pub skipped: usize,
    /// Cases whose name matched no filter.
    pub filtered_out: usize,
}

impl Summary {
    /// The process exit code: 0 only when something ran and nothing failed.
    pub fn exit_code(&self) -> i32 {
        if self.failed == 0 && self.passed > 0 {
            0
        } else {
            1
        }
    }
}

/// Runs every case whose name contains one of the filters (all when empty) against the target the
/// environment names, printing one line per case and a closing summary line.
pub async fn run_suite(filters: &[String]) -> Summary {
    let target = match Grid::from_env().await {
        Ok(target) => target,
        Err(reason) => {
            println!("conformance: cannot set up the target: {reason}");
            let summary = Summary {
                failed: 1,
                ..Summary::default()
            };
            print_summary(&summary);
            return summary;
        }
    };
    let version = target
        .a()
        .server_version()
        .await
        .ok()
        .flatten()
        .map(|v| v.text)
        .unwrap_or_else(|| "unknown version".to_owned());
    println!(
        "conformance: {:?} target, site-a {} site-b {} ({version})",
        target.kind, target.site_a_url, target.site_b_url
    );
    let summary = run_cases(&target, &cases::all(), filters).await;
    target.shutdown().await;
    summary
}

/// Runs the given cases against a target, each after a reset, then resets once more; prints one
/// line per case and the summary. A panic in a case (or in its reset) is that case's failure, and
/// the run goes on.
pub async fn run_cases(target: &Grid, cases: &[Case], filters: &[String]) -> Summary {
    let mut summary = Summary::default();
    for case in cases {
        if !filters.is_empty() && !filters.iter().any(|f| case.name.contains(f.as_str())) {
            summary.filtered_out += 1;
            continue;
        }
        let started = Instant::now();
        target.take_skip();
        let run = async {
            match target.reset().await {
                Ok(()) => (case.run)(target).await,
                Err(e) => Err(Failure(format!("reset before the case failed: {}", e.0))),
            }
        };
        let outcome = caught(run).await;
        let skip = target.take_skip();
        let took = started.elapsed().as_millis();
        match (outcome, skip) {
            (Ok(()), None) => {
                summary.passed += 1;
                println!("case {} ... ok ({took} ms) [{}]", case.name, case.ports);
            }
            (Ok(()), Some(reason)) => {
                summary.skipped += 1;
                println!("case {} ... skipped ({took} ms): {reason}", case.name);
            }
            (Err(Failure(message)), _) => {
                summary.failed += 1;
                println!("case {} ... FAILED ({took} ms): {message}", case.name);
            }
        }
    }
    if let Err(Failure(message)) = caught(target.reset()).await {
        summary.failed += 1;
        println!("conformance: reset after the last case ... FAILED: {message}");
    }
    if summary.passed + summary.failed + summary.skipped == 0 {
        println!(
            "conformance: no case ran (the filters {filters:?} match none of the {} cases)",
            cases.len()
        );
    }
    print_summary(&summary);
    summary
}

fn print_summary(summary: &Summary) {
    println!(
        "conformance: {} passed, {} failed, {} skipped, {} filtered out",
        summary.passed, summary.failed, summary.skipped, summary.filtered_out
    );
}

/// Runs a case's future, turning a panic into its failure.
async fn caught(run: impl Future<Output = CaseResult>) -> CaseResult {
    use futures::FutureExt;
    match std::panic::AssertUnwindSafe(run).catch_unwind().await {
        Ok(outcome) => outcome,
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(no message)".to_owned());
            Err(Failure(format!("panicked: {message}")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn passes(_: &Grid) -> CaseResult {
        Ok(())
    }

    async fn fails(_: &Grid) -> CaseResult {
        Err(Failure("on purpose".to_owned()))
    }

    async fn panics(_: &Grid) -> CaseResult {
        panic!("on purpose")
    }

    async fn skips(target: &Grid) -> CaseResult {
        target.skip("not here")
    }

    fn case(name: &'static str, run: for<'a> fn(&'a Grid) -> CaseFuture<'a>) -> Case {
        Case {
            name,
            ports: "xsite",
            run,
        }
    }

    fn cases() -> Vec<Case> {
        vec![
            case("passes", |t| Box::pin(passes(t))),
            case("panics", |t| Box::pin(panics(t))),
            case("fails", |t| Box::pin(fails(t))),
            case("skips", |t| Box::pin(skips(t))),
            case("passes_again", |t| Box::pin(passes(t))),
        ]
    }

    #[tokio::test]
    async fn every_outcome_is_counted_and_a_panic_is_a_failure() {
        let target = Grid::with_simulator(xsite_sim::SimOptions::default())
            .await
            .unwrap();
        let summary = run_cases(&target, &cases(), &[]).await;
        assert_eq!(
            summary,
            Summary {
                passed: 2,
                failed: 2,
                skipped: 1,
                filtered_out: 0,
            }
        );
        assert_eq!(summary.exit_code(), 1);
        let only_passing = run_cases(&target, &cases(), &["passes".to_owned()]).await;
        assert_eq!(
            (
                only_passing.passed,
                only_passing.filtered_out,
                only_passing.exit_code()
            ),
            (2, 3, 0)
        );
        target.shutdown().await;
    }

    #[tokio::test]
    async fn nothing_ran_is_a_failed_run() {
        let target = Grid::with_simulator(xsite_sim::SimOptions::default())
            .await
            .unwrap();
        let none = run_cases(&target, &cases(), &["no-such-case".to_owned()]).await;
        assert_eq!((none.filtered_out, none.exit_code()), (5, 1));
        let only_skips = run_cases(&target, &cases(), &["skips".to_owned()]).await;
        assert_eq!((only_skips.skipped, only_skips.exit_code()), (1, 1));
        target.shutdown().await;
    }

    #[tokio::test]
    async fn a_failed_final_reset_is_counted() {
        let target = Grid::with_simulator(xsite_sim::SimOptions::default())
            .await
            .unwrap();
        target.sim().unwrap().site_a().set_down(true);
        let summary = run_cases(&target, &[], &[]).await;
        assert_eq!(summary.failed, 1);
        assert_eq!(summary.exit_code(), 1);
        target.shutdown().await;
    }
}
