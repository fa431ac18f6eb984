//! Running a plan: every action through the SDK, every postcondition verified, interlocks first.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::cache_set::CacheSet;
use crate::client::Client;
use crate::error::{Error, printable};
use crate::model::{NodeStatuses, PushStateStatus, SiteStatus};

use super::plan::{Action, Check, Plan, Step};

/// A named site and the client that reaches its Data Grid.
#[derive(Debug, Clone)]
pub struct Site {
    /// The site's name, as the servers know it (`site-a`).
    pub name: String,
    /// A client for the site's Data Grid.
    pub client: Client,
}

/// The sites a workflow may use.
#[derive(Debug, Clone)]
pub struct Sites {
    sites: Vec<Site>,
}

impl Sites {
    /// The given sites.
    pub fn new(sites: impl IntoIterator<Item = Site>) -> Sites {
        Sites {
            sites: sites.into_iter().collect(),
        }
    }

    /// A site by name.
    pub fn get(&self, name: &str) -> Option<&Site> {
        self.sites.iter().find(|s| s.name == name)
    }

    /// Every site's name.
    pub fn names(&self) -> Vec<&str> {
        self.sites.iter().map(|s| s.name.as_str()).collect()
    }

    /// The sites other than `name`.
    pub fn others<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Site> + 'a {
        self.sites.iter().filter(move |s| s.name != name)
    }

    fn require(&self, name: &str, workflow: &str) -> Result<&Site, Box<RunbookError>> {
        self.get(name).ok_or_else(|| {
            setup_error(
                workflow,
                name,
                format!(
                    "unknown site '{name}': the sites are {}",
                    self.names().join(", ")
                ),
            )
        })
    }
}

/// An error found before any step ran: nothing was sent.
fn setup_error(workflow: &str, site: &str, reason: String) -> Box<RunbookError> {
    Box::new(RunbookError {
        workflow: workflow.to_owned(),
        step: 0,
        title: "check the sites".to_owned(),
        site: site.to_owned(),
        reason,
        cache_states: Vec::new(),
        cleared: Vec::new(),
        unknown: Vec::new(),
        next: "configure both sites (URL and credentials) and name them as the servers do"
            .to_owned(),
        source: None,
    })
}

/// How status is polled while waiting for a postcondition: start fast, slow down to a ceiling, so
/// that a quick transition is seen at once and a slow one costs few requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Poll {
    /// The first wait.
    pub initial: Duration,
    /// The longest wait.
    pub max: Duration,
}

impl Default for Poll {
    fn default() -> Self {
        Poll {
            initial: Duration::from_millis(25),
            max: Duration::from_secs(1),
        }
    }
}

impl Poll {
    /// The wait before the next push-status poll, `elapsed` into the transfer: a tenth of the time
    /// waited so far, between `initial` and `max`. The end of a transfer is then seen at most
    /// about 10% (or `initial`) late, where doubling waits could see it up to 100% late.
    pub fn next_push_wait(&self, elapsed: Duration) -> Duration {
        (elapsed / 10).max(self.initial).min(self.max)
    }
}

/// A request to stop a running workflow at its next safe point (a Ctrl-C): before a step, before
/// a cache's offline check (never between that check and the clear it guards), or between two
/// polls. The workflow then stops as an interlock does, with the same report. Clones share the
/// request.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// A fresh, unrequested cancellation.
    pub fn new() -> Cancel {
        Cancel::default()
    }

    /// Asks the workflow to stop at its next safe point.
    pub fn request(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether a stop was asked for.
    pub fn is_requested(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    /// Forgets a request (the shell reuses the flag for its next command).
    pub fn reset(&self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

/// The reason given when a workflow stops because it was asked to.
pub const INTERRUPTED: &str = "interrupted (Ctrl-C): stopped at a safe point";

/// Workflow settings.
#[derive(Debug, Clone)]
pub struct Options {
    /// The caches the workflow covers (default: the eight of Keycloak 25 and earlier).
    pub caches: CacheSet,
    /// How long a step may take to reach its postcondition (default 60 s).
    pub step_deadline: Duration,
    /// How long the state transfer may take (default 30 min).
    pub push_deadline: Duration,
    /// How many times a cache whose push ended in ERROR is pushed again (default 3).
    pub push_retries: u32,
    /// How status is polled.
    pub poll: Poll,
    /// Checked at the workflow's safe points: once requested, the workflow stops there.
    pub cancel: Cancel,
    /// The sites whose cache lists were just read and hold every cache of `caches` (the sites
    /// [`detect_cache_set`] read the set from): the check before step 1 does not list them
    /// again. Empty by default: every site of the plan is listed.
    pub caches_listed_on: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            caches: CacheSet::default(),
            step_deadline: Duration::from_secs(60),
            push_deadline: Duration::from_secs(30 * 60),
            push_retries: 3,
            poll: Poll::default(),
            cancel: Cancel::default(),
            caches_listed_on: Vec::new(),
        }
    }
}

/// What a running workflow reports.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// A step begins.
    StepStarted(Step),
    /// An action was sent and answered.
    ActionDone {
        /// The step's number.
        step: usize,
        /// The site it was sent to.
        site: String,
        /// The action.
        action: Action,
        /// What came back, in a few words (`ok`, `offline`, a failure).
        result: String,
    },
    /// A postcondition is not reached yet; the step keeps trying until its deadline.
    Waiting {
        /// The step's number.
        step: usize,
        /// What is awaited and what was seen.
        detail: String,
    },
    /// A cache's push status, while the state transfer runs.
    PushProgress {
        /// The cache.
        cache: String,
        /// Its status toward the receiving site.
        status: PushStateStatus,
        /// Time since the push started.
        elapsed: Duration,
        /// While the push runs: the entries on the receiving site against the source's, read
        /// with the status (the push status gives no count). `None` once the push is done, or
        /// when a size could not be read (the push goes on regardless).
        entries: Option<PushEntries>,
    },
    /// A step reached its postcondition.
    StepFinished {
        /// The step's number.
        step: usize,
        /// How long it took.
        elapsed: Duration,
    },
}

/// The entries a running push has brought so far: the receiving site's size of the cache against
/// the source site's, both as `GET /rest/v2/caches/{c}?action=size` counts them. The receiving
/// side was cleared before the push, so its size grows from 0 toward the source's (writes
/// replicated during the push count too).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PushEntries {
    /// Entries on the receiving site.
    pub received: u64,
    /// Entries on the source site, read when the push was first seen running.
    pub source: u64,
}

/// A workflow that stopped: which step, why, what state each cache was left in, and what to do.
#[derive(Debug, thiserror::Error)]
pub struct RunbookError {
    /// The workflow, as text (`resync from site-a to site-b`).
    pub workflow: String,
    /// The step that failed (0: before any step).
    pub step: usize,
    /// The step's title.
    pub title: String,
    /// The site the step talked to.
    pub site: String,
    /// What went wrong.
    pub reason: String,
    /// Each cache's state when the workflow stopped: (site, cache, state).
    pub cache_states: Vec<(String, String, String)>,
    /// The caches that were cleared before the stop.
    pub cleared: Vec<String>,
    /// The state changes whose outcome is unknown: sent, but their answer was lost (a broken
    /// connection, a time limit). Each may or may not have been applied, a clear included.
    pub unknown: Vec<String>,
    /// What to run next.
    pub next: String,
    /// The SDK error behind it, if any.
    #[source]
    pub source: Option<Error>,
}

impl fmt::Display for RunbookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: step {} ({}) on {} stopped: {}",
            self.workflow,
            self.step,
            self.title,
            self.site,
            printable(&self.reason)
        )?;
        let clear_unknown = self.unknown.iter().any(|u| u.starts_with(CLEAR_PREFIX));
        match (self.cleared.is_empty(), clear_unknown) {
            (true, false) => write!(f, "\nnothing was cleared")?,
            (true, true) => write!(f, "\nno clear is known to have happened")?,
            (false, _) => write!(f, "\ncleared so far: {}", self.cleared.join(", "))?,
        }
        for unknown in &self.unknown {
            write!(
                f,
                "\noutcome unknown: {unknown} (sent, but no answer came back: it may or may not have been applied)"
            )?;
        }
        if !self.cache_states.is_empty() {
            write!(f, "\nstate when stopped:")?;
            for (site, cache, state) in &self.cache_states {
                write!(f, "\n  {site} {cache}: {}", printable(state))?;
            }
        }
        write!(f, "\nnext: {}", self.next)
    }
}

/// Fences `site`: from every other site, takes it offline for every cache, and verifies it.
/// Idempotent: fencing a fenced site verifies and returns.
pub async fn fence(
    sites: &Sites,
    site: &str,
    options: &Options,
    observer: &mut dyn FnMut(Event),
) -> Result<(), Box<RunbookError>> {
    let workflow = format!("fence {site}");
    sites.require(site, &workflow)?;
    let others: Vec<&Site> = sites.others(site).collect();
    if others.is_empty() {
        return Err(setup_error(
            &workflow,
            site,
            "a fence runs from another site, and no other site is configured".to_owned(),
        ));
    }
    for from in others {
        run_plan(
            sites,
            &Plan::fence(site, &from.name, &options.caches),
            options,
            observer,
        )
        .await?;
    }
    Ok(())
}

/// Resyncs `to` from `from` (Keycloak procedure 3; with the roles swapped, procedure 4): `to`'s
/// cache contents are discarded and replaced by `from`'s.
pub async fn resync(
    sites: &Sites,
    from: &str,
    to: &str,
    options: &Options,
    observer: &mut dyn FnMut(Event),
) -> Result<(), Box<RunbookError>> {
    run_plan(
        sites,
        &Plan::resync(from, to, &options.caches),
        options,
        observer,
    )
    .await
}

/// Runs a plan step by step, verifying each step's postcondition before the next.
pub async fn run_plan(
    sites: &Sites,
    plan: &Plan,
    options: &Options,
    observer: &mut dyn FnMut(Event),
) -> Result<(), Box<RunbookError>> {
    let workflow = plan.workflow.to_string();
    for step in &plan.steps {
        sites.require(&step.site, &workflow)?;
    }
    check_caches(sites, plan, options, &workflow).await?;
    let mut runner = Runner {
        sites,
        plan,
        options,
        observer,
        workflow,
        cleared: Vec::new(),
        unknown: Vec::new(),
        deadline: None,
    };
    for step in &plan.steps {
        runner.step(step).await?;
    }
    Ok(())
}

/// Before step 1: every cache of the set must exist on every site the plan talks to, so that a
/// wrong `--cache-set` stops with nothing sent rather than after a site was taken offline.
async fn check_caches(
    sites: &Sites,
    plan: &Plan,
    options: &Options,
    workflow: &str,
) -> Result<(), Box<RunbookError>> {
    // This check is bounded like a step: a hung server cannot hold it past the step deadline.
    let deadline = Instant::now().checked_add(options.step_deadline);
    let mut checked: Vec<&str> = Vec::new();
    for step in &plan.steps {
        if checked.contains(&step.site.as_str()) {
            continue;
        }
        checked.push(&step.site);
        // Read moments ago, when the set was detected from it: one listing is enough.
        if options.caches_listed_on.contains(&step.site) {
            continue;
        }
        let existing = list_caches(sites, &step.site, deadline, workflow).await?;
        let missing: Vec<&str> = plan
            .caches
            .names()
            .iter()
            .filter(|c| !existing.contains(c))
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            let present: Vec<&str> = plan
                .caches
                .names()
                .iter()
                .filter(|c| existing.contains(c))
                .map(String::as_str)
                .collect();
            let mut error = setup_error(
                workflow,
                &step.site,
                format!(
                    "{} has no cache {}: nothing was sent",
                    step.site,
                    missing.join(", ")
                ),
            );
            // Internal caches (`___protobuf_metadata`, …) are no candidates.
            let mut known: Vec<String> = existing
                .iter()
                .filter(|c| !c.starts_with("___"))
                .cloned()
                .collect();
            known.sort();
            error.next = if present.is_empty() {
                format!(
                    "give --cache-set with caches of {} (it has: {})",
                    step.site,
                    known.join(", ")
                )
            } else {
                format!(
                    "give --cache-set with caches that exist on every site, e.g. --cache-set {} ({} has: {})",
                    present.join(","),
                    step.site,
                    known.join(", ")
                )
            };
            return Err(error);
        }
    }
    Ok(())
}

/// The cache names of a site, read before step 1 (nothing was sent yet when it fails).
async fn list_caches(
    sites: &Sites,
    site: &str,
    deadline: Option<Instant>,
    workflow: &str,
) -> Result<Vec<String>, Box<RunbookError>> {
    let client = &sites.require(site, workflow)?.client;
    let client = match deadline {
        Some(deadline) => client.with_deadline(deadline),
        None => client.clone(),
    };
    client.cache_names().await.map_err(|e| {
        let mut error = setup_error(
            workflow,
            site,
            format!("cannot list the caches of {site}: {}", cause_chain(&e)),
        );
        error.next = format!(
            "check that {site} is reachable with these credentials, then run the same command again"
        );
        error.source = Some(e);
        error
    })
}

/// The Keycloak cache set that the named sites hold ([`CacheSet::detect`]), read from their
/// cache lists within one step deadline, for a workflow run without a cache set. A site that
/// cannot be read, or sites that hold no single set, stop it before step 1, naming what each
/// site holds.
pub async fn detect_cache_set(
    sites: &Sites,
    on: &[&str],
    options: &Options,
    workflow: &str,
) -> Result<CacheSet, Box<RunbookError>> {
    let deadline = Instant::now().checked_add(options.step_deadline);
    let mut listings = Vec::new();
    for site in on {
        listings.push((*site, list_caches(sites, site, deadline, workflow).await?));
    }
    CacheSet::detect(
        listings
            .iter()
            .map(|(site, names)| (*site, names.as_slice())),
    )
    .map_err(|no_set| {
        let mut error = setup_error(
            workflow,
            on.first().copied().unwrap_or(""),
            no_set.to_string(),
        );
        error.next = format!(
            "give --cache-set: {} or the list of caches to work on",
            CacheSet::NAMES.join(", ")
        );
        error
    })
}

/// An error and its causes, `outer: inner: innermost`, so that the root cause (a refused
/// connection, a bad certificate) is not lost behind "error sending request".
pub fn cause_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut current = error.source();
    while let Some(next) = current {
        let part = next.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        current = next.source();
    }
    text
}

/// `--cache-set …` for a next command, so that it runs on the same caches (empty for the
/// default set).
fn cache_set_flag(caches: &CacheSet) -> String {
    if *caches == CacheSet::default() {
        String::new()
    } else if let Some(name) = caches.known_name() {
        format!(" --cache-set {name}")
    } else {
        format!(" --cache-set {}", caches.names().join(","))
    }
}

struct Runner<'a> {
    sites: &'a Sites,
    plan: &'a Plan,
    options: &'a Options,
    observer: &'a mut dyn FnMut(Event),
    workflow: String,
    cleared: Vec<String>,
    /// State changes sent whose outcome is unknown (see [`RunbookError::unknown`]).
    unknown: Vec<String>,
    /// The running step's deadline: no request made for the step runs past it.
    deadline: Option<Instant>,
}

/// How an unknown clear is named in [`RunbookError::unknown`].
const CLEAR_PREFIX: &str = "the clear of ";

/// Why a step stopped, before it is dressed as a [`RunbookError`].
struct Stop {
    reason: String,
    source: Option<Error>,
}

impl From<Error> for Stop {
    fn from(e: Error) -> Self {
        Stop {
            reason: e.to_string(),
            source: Some(e),
        }
    }
}

fn stop(reason: impl Into<String>) -> Stop {
    Stop {
        reason: reason.into(),
        source: None,
    }
}

impl Runner<'_> {
    /// The client of a site, bound by the running step's deadline.
    fn client(&self, site: &str) -> Client {
        let client = &self
            .sites
            .get(site)
            .expect("sites were checked before the run")
            .client;
        match self.deadline {
            Some(deadline) => client.with_deadline(deadline),
            None => client.clone(),
        }
    }

    fn caches(&self) -> &CacheSet {
        &self.plan.caches
    }

    fn done(&mut self, step: &Step, action: &Action, result: impl Into<String>) {
        // Results quote the server (status words, site names, failure texts): never raw.
        let result = printable(&result.into()).into_owned();
        (self.observer)(Event::ActionDone {
            step: step.number,
            site: step.site.clone(),
            action: action.clone(),
            result,
        });
    }

    /// Stops here if a stop was asked for (a safe point).
    fn safe_point(&self) -> Result<(), Stop> {
        if self.options.cancel.is_requested() {
            Err(stop(INTERRUPTED))
        } else {
            Ok(())
        }
    }

    async fn step(&mut self, step: &Step) -> Result<(), Box<RunbookError>> {
        if let Err(stopped) = self.safe_point() {
            // The report's reads get a step deadline of their own, not the last step's.
            self.deadline = Instant::now().checked_add(self.options.step_deadline);
            return Err(self.error(step, stopped).await);
        }
        let started = Instant::now();
        // The step's deadline bounds every request made for it, not only the polling.
        let length = match &step.check {
            Check::PushOk { .. } => self.options.push_deadline,
            _ => self.options.step_deadline,
        };
        self.deadline = started.checked_add(length);
        (self.observer)(Event::StepStarted(step.clone()));
        let outcome = match &step.check {
            Check::OfflineBeforeEachClear => self.clear_caches(step).await,
            Check::PushOk { backup } => self.await_push(step, backup).await,
            _ => self.actions_then_check(step).await,
        };
        match outcome {
            Ok(()) => {
                (self.observer)(Event::StepFinished {
                    step: step.number,
                    elapsed: started.elapsed(),
                });
                Ok(())
            }
            Err(stopped) => {
                // The report reads the state within one more step deadline, so that a hung
                // server cannot hold the report either.
                self.deadline = Instant::now().checked_add(self.options.step_deadline);
                Err(self.error(step, stopped).await)
            }
        }
    }

    /// Sends the step's actions, then polls its postcondition, sending the state-changing actions
    /// again while it is not reached (the runbook's "if it is not offline, repeat the previous
    /// step"), until the deadline.
    async fn actions_then_check(&mut self, step: &Step) -> Result<(), Stop> {
        // The step's deadline (or, without one, the step deadline from now); a deadline past
        // what the clock can hold never comes.
        let deadline = self
            .deadline
            .or_else(|| Instant::now().checked_add(self.options.step_deadline));
        let mut wait = self.options.poll.initial;
        // What the last complete round saw: when the deadline then cuts a round short, that is
        // the reason to give, not the cut request.
        let mut last_detail: Option<String> = None;
        let not_reached = |detail: &str| {
            stop(format!(
                "postcondition not reached within {:?}: {detail}",
                self.options.step_deadline
            ))
        };
        loop {
            let mut last_failure = None;
            for action in &step.actions {
                if let Err(e) = self.send(step, action).await {
                    // A partial failure is retried with the rest of the step; others (an unknown
                    // outcome, an untrusted answer) stop it.
                    match e {
                        Error::PartialFailure(_) => last_failure = Some(e),
                        e if cut_by_deadline(&e, deadline) && last_detail.is_some() => {
                            return Err(not_reached(last_detail.as_deref().unwrap_or_default()));
                        }
                        other => return Err(other.into()),
                    }
                }
            }
            let unmet = match self.unmet(step).await {
                Ok(unmet) => unmet,
                Err(stopped)
                    if last_detail.is_some()
                        && stopped
                            .source
                            .as_ref()
                            .is_some_and(|e| cut_by_deadline(e, deadline)) =>
                {
                    return Err(not_reached(last_detail.as_deref().unwrap_or_default()));
                }
                Err(stopped) => return Err(stopped),
            };
            if unmet.is_empty() && last_failure.is_none() {
                return Ok(());
            }
            let detail = if unmet.is_empty() {
                last_failure
                    .as_ref()
                    .map(Error::to_string)
                    .unwrap_or_default()
            } else {
                unmet.join(", ")
            };
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return Err(match last_failure {
                    Some(e) if unmet.is_empty() => e.into(),
                    _ => not_reached(&detail),
                });
            }
            last_detail = Some(detail.clone());
            (self.observer)(Event::Waiting {
                step: step.number,
                detail,
            });
            self.safe_point()?;
            let left = deadline.map_or(wait, |d| d.saturating_duration_since(Instant::now()));
            tokio::time::sleep(wait.min(left)).await;
            self.safe_point()?;
            wait = (wait * 2).min(self.options.poll.max);
        }
    }

    /// The caches that do not meet the step's check yet, described.
    async fn unmet(&self, step: &Step) -> Result<Vec<String>, Stop> {
        let wanted = match &step.check {
            Check::Offline { backup } => (backup, false),
            Check::Online { backup } => (backup, true),
            Check::PushIdle => {
                let client = self.client(&step.site);
                let outcomes = self
                    .caches()
                    .fan_out(&client, |cache| async move {
                        cache.xsite().push_state_status().await
                    })
                    .await;
                let mut unmet = Vec::new();
                for (cache, outcome) in outcomes.iter() {
                    match outcome {
                        Ok(statuses) => {
                            let busy: Vec<String> = statuses
                                .iter()
                                .filter(|(_, s)| **s != PushStateStatus::Idle)
                                .map(|(site, s)| format!("{site} {s}"))
                                .collect();
                            if !busy.is_empty() {
                                unmet.push(format!("{cache}: push status {}", busy.join(", ")));
                            }
                        }
                        Err(e) => unmet.push(format!("{cache}: {e}")),
                    }
                }
                return Ok(unmet);
            }
            Check::None | Check::OfflineBeforeEachClear | Check::PushOk { .. } => {
                return Ok(Vec::new());
            }
        };
        let (backup, online) = wanted;
        let client = self.client(&step.site);
        let outcomes = self
            .caches()
            .fan_out(
                &client,
                |cache| async move { cache.xsite().backups().await },
            )
            .await;
        let mut unmet = Vec::new();
        let mut failed = None;
        for (cache, outcome) in outcomes.iter() {
            match outcome {
                Ok(statuses) => match statuses.get(backup.as_str()) {
                    Some(status) if status.is_online() == online && is_definite(status) => {}
                    Some(status) => unmet.push(format!("{cache}: {backup} is {status}")),
                    None => {
                        return Err(stop(format!(
                            "{cache} on {} does not back up to {backup}",
                            step.site
                        )));
                    }
                },
                // A cache that is missing or unreachable is not verified: never assume.
                Err(_) => {
                    failed = Some(cache.to_owned());
                    break;
                }
            }
        }
        match failed {
            Some(cache) => Err(failed_read(&cache, outcomes)),
            None => Ok(unmet),
        }
    }

    async fn send(&mut self, step: &Step, action: &Action) -> Result<(), Error> {
        let client = self.client(&step.site);
        let container = client.container();
        let result = match action {
            Action::TakeOfflineAll { backup } => container
                .xsite()
                .take_offline(backup)
                .await
                .map(|_| "ok".to_owned()),
            Action::BringOnlineAll { backup } => container
                .xsite()
                .bring_online(backup)
                .await
                .map(|_| "ok".to_owned()),
            Action::PushStateAll { backup } => container
                .xsite()
                .push_state(backup)
                .await
                .map(|_| "ok".to_owned()),
            Action::StatusAll { backup } => container
                .xsite()
                .site_status(backup)
                .await
                .map(|s| s.to_string()),
            Action::CacheStatus { cache } => {
                client.cache(cache).xsite().backups().await.map(|statuses| {
                    statuses
                        .iter()
                        .map(|(site, s)| format!("{site} {s}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                })
            }
            Action::ClearCache { cache } => client.cache(cache).clear().await.map(|_| "ok".into()),
            Action::PushStatus { cache } => client
                .cache(cache)
                .xsite()
                .push_state_status()
                .await
                .map(|statuses| {
                    statuses
                        .iter()
                        .map(|(site, s)| format!("{site} {s}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                }),
            Action::PushState { cache, backup } => client
                .cache(cache)
                .xsite()
                .push_state(backup)
                .await
                .map(|_| "ok".into()),
            Action::ClearPushStatus { cache } => client
                .cache(cache)
                .xsite()
                .clear_push_state_status()
                .await
                .map(|_| "ok".into()),
        };
        match result {
            Ok(text) => {
                self.done(step, action, text);
                Ok(())
            }
            Err(e) => {
                if e.is_outcome_unknown() {
                    let what = match (action, e.request()) {
                        (Action::ClearCache { cache }, _) => format!("{CLEAR_PREFIX}{cache}"),
                        (_, Some(request)) => format!("`{request}`"),
                        (other, None) => format!("{other:?}"),
                    };
                    self.unknown.push(format!("{what} on {}", step.site));
                    self.done(step, action, format!("OUTCOME UNKNOWN: {e}"));
                } else {
                    self.done(step, action, format!("FAILED: {e}"));
                }
                Err(e)
            }
        }
    }

    /// The interlock: each cache is cleared only right after its backup to every site was seen
    /// offline. The first cache that is not stops the workflow, before its clear.
    async fn clear_caches(&mut self, step: &Step) -> Result<(), Stop> {
        let client = self.client(&step.site);
        for action in &step.actions {
            let Action::ClearCache { cache } = action else {
                continue;
            };
            // Before the check, never between it and the clear it guards.
            self.safe_point()?;
            let statuses = client.cache(cache).xsite().backups().await?;
            let status_action = Action::CacheStatus {
                cache: cache.clone(),
            };
            let shown: Vec<String> = statuses
                .iter()
                .map(|(site, s)| format!("{site} {s}"))
                .collect();
            self.done(step, &status_action, shown.join(", "));
            if statuses.is_empty() {
                return Err(stop(format!(
                    "{cache} lists no backup site, so its replication cannot be verified offline; refusing to clear it"
                )));
            }
            if let Some((site, status)) = statuses.iter().find(|(_, s)| !s.is_offline()) {
                // A mixed status: some node replicates to the site (a node restarted since the
                // take-offline comes back online on 14.0); name them.
                let nodes = match status {
                    SiteStatus::Mixed(mixed) if !mixed.online.is_empty() => {
                        format!(" (online on {})", mixed.online.join(", "))
                    }
                    _ => String::new(),
                };
                return Err(stop(format!(
                    "refusing to clear {cache}: its backup to {site} is {status}{nodes}, so the clear would reach {site}"
                )));
            }
            self.send(step, action).await?;
            self.cleared.push(cache.clone());
        }
        Ok(())
    }

    /// Waits until every cache's push to `backup` reports OK, pushing again a cache in ERROR up
    /// to the retry limit. Polls fast at first and then every tenth of the time waited so far
    /// ([`Poll::next_push_wait`]), so little time is lost once done.
    async fn await_push(&mut self, step: &Step, backup: &str) -> Result<(), Stop> {
        let mut confirmed = Vec::new();
        let outcome = self.poll_push(step, backup, &mut confirmed).await;
        // The OK confirmations go to the log in the plan's order, whatever order the pushes ended
        // in (a poll can see some caches done and others not yet), so the log keeps the plan's shape.
        for cache in self.caches().names().to_vec() {
            if confirmed.contains(&cache) {
                self.done(step, &Action::PushStatus { cache }, "OK");
            }
        }
        outcome
    }

    /// Polls the push status of the caches not yet OK until all are; those seen OK are added to
    /// `confirmed`.
    async fn poll_push(
        &mut self,
        step: &Step,
        backup: &str,
        confirmed: &mut Vec<String>,
    ) -> Result<(), Stop> {
        let client = self.client(&step.site);
        let started = Instant::now();
        let deadline = self
            .deadline
            .or_else(|| started.checked_add(self.options.push_deadline));
        let mut pending: Vec<String> = self.caches().names().to_vec();
        let mut retries: std::collections::HashMap<String, u32> = Default::default();
        // The receiving site's client, for the entries it holds so far (none if the plan's sites
        // do not include it: the progress then shows the status alone).
        let receiver = self
            .sites
            .get(backup)
            .is_some()
            .then(|| self.client(backup));
        let mut source_sizes: std::collections::HashMap<String, u64> = Default::default();
        loop {
            let set = CacheSet::custom(pending.clone());
            let outcomes = set
                .fan_out(&client, |cache| async move {
                    cache.xsite().push_state_status().await
                })
                .await;
            let mut still = Vec::new();
            for (cache, outcome) in outcomes.into_inner() {
                let statuses = outcome?;
                let status = statuses
                    .get(backup)
                    .cloned()
                    .ok_or_else(|| stop(format!("{cache} has no push status for {backup}")))?;
                let entries = match &receiver {
                    Some(receiver) if status == PushStateStatus::Sending => {
                        push_entries(&client, receiver, &cache, &mut source_sizes).await
                    }
                    _ => None,
                };
                (self.observer)(Event::PushProgress {
                    cache: cache.clone(),
                    status: status.clone(),
                    elapsed: started.elapsed(),
                    entries,
                });
                match status {
                    PushStateStatus::Ok => confirmed.push(cache),
                    PushStateStatus::Error => {
                        let count = retries.entry(cache.clone()).or_default();
                        if *count >= self.options.push_retries {
                            return Err(stop(format!(
                                "the push of {cache} to {backup} ended in ERROR {} times",
                                *count + 1
                            )));
                        }
                        *count += 1;
                        self.send(
                            step,
                            &Action::PushState {
                                cache: cache.clone(),
                                backup: backup.to_owned(),
                            },
                        )
                        .await?;
                        still.push(cache);
                    }
                    PushStateStatus::Canceled => {
                        return Err(stop(format!(
                            "the push of {cache} to {backup} was cancelled"
                        )));
                    }
                    _ => still.push(cache),
                }
            }
            if still.is_empty() {
                return Ok(());
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return Err(stop(format!(
                    "the push did not finish within {:?} for {}",
                    self.options.push_deadline,
                    still.join(", ")
                )));
            }
            pending = still;
            self.safe_point()?;
            tokio::time::sleep(self.options.poll.next_push_wait(started.elapsed())).await;
            self.safe_point()?;
        }
    }

    /// Dresses a stop as an error: reads each cache's state for the report and says what to do.
    async fn error(&self, step: &Step, stopped: Stop) -> Box<RunbookError> {
        let mut cache_states = Vec::new();
        if let Some(site) = self.sites.get(&step.site) {
            let client = self.client(&site.name);
            let outcomes = self
                .caches()
                .fan_out(&client, |cache| async move {
                    let backups = cache.xsite().backups().await?;
                    // Each node's status, so that a node that disagrees (a mixed status, e.g. a
                    // 14.0 node restarted during a fence) is named; best effort.
                    let mut nodes = Vec::new();
                    for site in backups.keys() {
                        nodes.push(cache.xsite().site_status(site).await.ok());
                    }
                    let push = cache.xsite().push_state_status().await.ok();
                    Ok((backups, nodes, push))
                })
                .await;
            for (cache, outcome) in outcomes.iter() {
                let state = match outcome {
                    Ok((backups, nodes, push)) => {
                        let mut parts: Vec<String> = backups
                            .iter()
                            .zip(nodes)
                            .map(|((s, st), nodes)| {
                                format!("backup to {s} {st}{}", per_node(st, nodes.as_ref()))
                            })
                            .collect();
                        if let Some(push) = push {
                            parts.extend(push.iter().map(|(s, st)| format!("push to {s} {st}")));
                        }
                        parts.join(", ")
                    }
                    Err(e) => format!("unknown ({e})"),
                };
                cache_states.push((site.name.clone(), cache.to_owned(), state));
            }
        }
        Box::new(RunbookError {
            workflow: self.workflow.clone(),
            step: step.number,
            title: step.title.clone(),
            site: step.site.clone(),
            reason: stopped.reason,
            cache_states,
            cleared: self.cleared.clone(),
            unknown: self.unknown.clone(),
            next: self.next_hint(step),
            source: stopped.source,
        })
    }

    fn next_hint(&self, step: &Step) -> String {
        let hint = self.workflow_hint(step);
        if self.unknown.is_empty() {
            return hint;
        }
        // An unknown outcome comes first: what follows depends on it.
        format!(
            "first find out what happened to {}: read the state (`site status`, `site push-site-status`) and treat a clear as done; then {hint}",
            self.unknown.join(", ")
        )
    }

    fn workflow_hint(&self, step: &Step) -> String {
        use super::plan::Workflow;
        let set = cache_set_flag(self.caches());
        match &self.plan.workflow {
            Workflow::Fence { site } => format!(
                "check that {} can reach its Data Grid, then run `runbook fence --site {site}{set}` again (it is idempotent)",
                step.site
            ),
            Workflow::TakeOffline { site } => format!(
                "check that {} can reach its Data Grid, then run `runbook take-offline --site {site}{set}` again (it is idempotent)",
                step.site
            ),
            Workflow::BringOnline { site } => format!(
                "{site} is not online both ways: if it was taken offline, run `runbook synchronize --from {} --to {site}{set}` first (it brings the backups online), then `runbook bring-online --site {site}{set}` again; keep {site} out of the load balancer until then",
                if step.site == *site {
                    match &step.check {
                        super::plan::Check::Online { backup } => backup.as_str(),
                        _ => "<the good site>",
                    }
                } else {
                    step.site.as_str()
                }
            ),
            Workflow::Synchronize { from, to } => resync_hint("synchronize", from, to, step, &set),
            Workflow::Resync { from, to } => resync_hint("resync", from, to, step, &set),
        }
    }
}

/// What to do after a resync (`runbook resync`) or a synchronize (`runbook synchronize`, the
/// same steps) stopped at `step`.
fn resync_hint(command: &str, from: &str, to: &str, step: &Step, set: &str) -> String {
    match step.number {
        1 | 2 => format!(
            "nothing more will be cleared; make sure {to} has {from} offline (`site take-offline --all-caches --site={from}` on {to}), then run `runbook {command} --from {from} --to {to}{set}` again"
        ),
        3 => format!(
            "{to}'s caches are cleared; on {to} run `site bring-online --all-caches --site={from}`, then run `runbook {command} --from {from} --to {to}{set}` again"
        ),
        4 | 5 => format!(
            "on {from}, push again the caches that are not OK (`site push-site-state --cache=<cache> --site={to}`), or run `runbook {command} --from {from} --to {to}{set}` again"
        ),
        _ => format!(
            "on {from}, clear the push status of each cache (`site clear-push-site-status --cache=<cache>`)"
        ),
    }
}

/// A read that ran out of time because the step's deadline passed (not a lost state change).
fn cut_by_deadline(error: &Error, deadline: Option<Instant>) -> bool {
    error.is_timeout()
        && !error.is_outcome_unknown()
        && deadline.is_some_and(|d| Instant::now() >= d)
}

/// The stop for a cache whose read failed, with the SDK error as its source.
fn failed_read<T>(cache: &str, outcomes: crate::cache_set::FanOut<T>) -> Stop {
    let cache = cache.to_owned();
    match outcomes.into_inner().swap_remove(&cache) {
        Some(Err(e)) => Stop {
            reason: format!("{cache}: {e}"),
            source: Some(e),
        },
        _ => stop(format!("{cache}: not read")),
    }
}

/// ` (site-b-0 offline, site-b-1 online)`: each node's status, when the site has several nodes or
/// they disagree; empty for one node that agrees with the cache's status (or when unread).
fn per_node(status: &SiteStatus, nodes: Option<&NodeStatuses>) -> String {
    match nodes {
        Some(nodes) if nodes.len() > 1 || (!nodes.is_empty() && !is_definite(status)) => {
            let mut shown: Vec<String> = nodes.iter().map(|(n, s)| format!("{n} {s}")).collect();
            // The server's order is a hash map's: sorted, the report reads the same every time.
            shown.sort();
            format!(" ({})", shown.join(", "))
        }
        _ => String::new(),
    }
}

/// Mixed and unknown statuses never count as reached: they are retried until the deadline.
fn is_definite(status: &SiteStatus) -> bool {
    matches!(status, SiteStatus::Online | SiteStatus::Offline)
}

/// The entries a running push of `cache` has brought: the receiver's size against the source's
/// (read once per cache and kept in `source_sizes`). `None` when a size cannot be read: progress
/// is shown without it, the push goes on.
async fn push_entries(
    source: &Client,
    receiver: &Client,
    cache: &str,
    source_sizes: &mut std::collections::HashMap<String, u64>,
) -> Option<PushEntries> {
    let source_size = match source_sizes.get(cache) {
        Some(size) => *size,
        None => {
            let size = source.cache(cache).size().await.ok()?;
            source_sizes.insert(cache.to_owned(), size);
            size
        }
    };
    let received = receiver.cache(cache).size().await.ok()?;
    Some(PushEntries {
        received,
        source: source_size,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The push-status poll waits a tenth of the time waited so far, between the bounds, so that
    /// the end of a transfer is seen at most about 10% late (BENCHMARKS.md, resync).
    #[test]
    fn push_polls_wait_a_tenth_of_the_time_so_far_within_bounds() {
        let poll = Poll::default();
        let ms = Duration::from_millis;
        assert_eq!(poll.next_push_wait(ms(0)), ms(25));
        assert_eq!(poll.next_push_wait(ms(200)), ms(25));
        assert_eq!(poll.next_push_wait(ms(3_000)), ms(300));
        assert_eq!(poll.next_push_wait(Duration::from_secs(600)), ms(1_000));
        let inverted = Poll {
            initial: ms(50),
            max: ms(10),
        };
        assert_eq!(
            inverted.next_push_wait(ms(0)),
            ms(10),
            "no panic on bad bounds"
        );
    }
}
