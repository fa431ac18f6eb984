//! # The conformance suite
//!
//! Written once against a [`Target`]: two sites, `site-a` and `site-b`, each backing up the Keycloak
//! caches to the other, plus a cache `no-backups` without backups, and two users: an admin
//! (`developer` / `strong-password` unless `XSITE_USERNAME` / `XSITE_PASSWORD` say otherwise) and an
//! authenticated user without the admin role (`observer` / `observer-password`, or
//! `XSITE_OBSERVER_USERNAME` / `XSITE_OBSERVER_PASSWORD`).
//!
//! - `XSITE_SITE_A_URL` and `XSITE_SITE_B_URL` set: the suite runs against those servers (the real
//!   two-site Infinispan started by `scripts/grid up`).
//! - Unset: it starts the embedded simulator (`xsite-sim`) in process.
//!
//! Every case starts from the same state ([`Target::reset`]): every backup online, push status
//! cleared, take-offline config at its default, caches empty. The cases are listed in
//! [`cases::all`], each with the upstream test whose intent it ports.

use std::future::Future;
use std::pin::Pin;
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
pub enum TargetKind {
    /// The embedded simulator, started in process.
    Simulator,
    /// Real servers named by the environment.
    Real,
}

/// Two sites and the credentials to use with them.
pub struct Target {
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
    /// Real servers or the simulator.
    pub kind: TargetKind,
    sim: Option<xsite_sim::Grid>,
}

impl Target {
    /// The target the environment names, or a freshly started simulator.
    pub async fn from_env() -> Result<Target, String> {
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
            (Some(a), Some(b)) => (a, b, TargetKind::Real, None),
            (None, None) => {
                let grid = xsite_sim::Grid::start(xsite_sim::SimOptions::default())
                    .await
                    .map_err(|e| format!("cannot start the simulator: {e}"))?;
                (
                    grid.site_a_url(),
                    grid.site_b_url(),
                    TargetKind::Simulator,
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
        Ok(Target {
            site_a_url,
            site_b_url,
            username,
            password: password.into(),
            observer_username,
            observer_password: observer_password.into(),
            ca_file: env("XSITE_CA_FILE"),
            kind,
            sim,
        })
    }

    /// A freshly started simulator with the given options (for example a shorter push delay), and
    /// the default credentials.
    pub async fn with_simulator(options: xsite_sim::SimOptions) -> Result<Target, String> {
        let grid = xsite_sim::Grid::start(options)
            .await
            .map_err(|e| format!("cannot start the simulator: {e}"))?;
        Ok(Target {
            site_a_url: grid.site_a_url(),
            site_b_url: grid.site_b_url(),
            username: xsite_sim::ADMIN_USER.to_owned(),
            password: xsite_sim::ADMIN_PASSWORD.to_owned().into(),
            observer_username: xsite_sim::OBSERVER_USER.to_owned(),
            observer_password: xsite_sim::OBSERVER_PASSWORD.to_owned().into(),
            ca_file: None,
            kind: TargetKind::Simulator,
            sim: Some(grid),
        })
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
    /// config, push status cleared, and the Keycloak caches empty.
    ///
    /// The x-site state changes go one cache at a time: on Infinispan 15.0 and later, per-cache
    /// take-offline or bring-online requests for several caches of a node running at once can
    /// deadlock the server (BENCHMARKS.md, "fan-out"). Reads and clears go concurrently.
    pub async fn reset(&self) -> Result<(), Failure> {
        let caches = CacheSet::keycloak_legacy();
        for site in [SITE_A, SITE_B] {
            let client = self.client_as(site, self.admin());
            let other = Target::other(site);
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
    /// The body.
    pub run: for<'a> fn(&'a Target) -> CaseFuture<'a>,
    /// When set, the simulator cannot honour the case, for this reason.
    pub not_on_simulator: Option<&'static str>,
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

/// What a run counted.
#[derive(Debug, Default, Clone, Copy)]
pub struct Summary {
    /// Cases that passed.
    pub passed: usize,
    /// Cases that failed.
    pub failed: usize,
    /// Cases skipped (filtered out, or not honoured by the simulator).
    pub skipped: usize,
}

/// Runs every case whose name contains one of the filters (all when empty), printing one line per
/// case and a closing `N passed, N failed, N skipped` line.
pub async fn run_suite(filters: &[String]) -> Summary {
    let target = match Target::from_env().await {
        Ok(target) => target,
        Err(reason) => {
            println!("conformance: cannot set up the target: {reason}");
            println!("0 passed, 1 failed");
            return Summary {
                failed: 1,
                ..Summary::default()
            };
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
    let mut summary = Summary::default();
    for case in cases::all() {
        if !filters.is_empty() && !filters.iter().any(|f| case.name.contains(f.as_str())) {
            summary.skipped += 1;
            continue;
        }
        if let (TargetKind::Simulator, Some(reason)) = (target.kind, case.not_on_simulator) {
            println!("case {} ... skipped on the simulator: {reason}", case.name);
            summary.skipped += 1;
            continue;
        }
        let started = Instant::now();
        let outcome = match target.reset().await {
            Ok(()) => (case.run)(&target).await,
            Err(e) => Err(Failure(format!("reset before the case failed: {}", e.0))),
        };
        let took = started.elapsed().as_millis();
        match outcome {
            Ok(()) => {
                summary.passed += 1;
                println!("case {} ... ok ({took} ms) [{}]", case.name, case.ports);
            }
            Err(Failure(message)) => {
                summary.failed += 1;
                println!("case {} ... FAILED ({took} ms): {message}", case.name);
            }
        }
    }
    if let Err(e) = target.reset().await {
        println!("conformance: final reset failed: {}", e.0);
    }
    if let Some(grid) = target.sim {
        grid.shutdown().await;
    }
    println!(
        "conformance: {} passed, {} failed, {} skipped",
        summary.passed, summary.failed, summary.skipped
    );
    summary
}
