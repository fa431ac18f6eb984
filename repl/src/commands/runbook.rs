//! `runbook status|fence|resync|sites`: the Keycloak multi-site runbooks over both sites at once.
//!
//! The workflows are the SDK's ([`xsite::runbook`]): a [`Plan`] of steps, each on one site, each
//! verified before the next, with the interlocks (a cache is never cleared unless its backup to
//! every site was just seen offline; mixed or unknown statuses are retried until the step's
//! deadline, then the workflow stops with each cache's state and what to run next).
//!
//! - `--dry-run` prints the plan: a header per step, then each cli.sh command (rendered by the
//!   shared command model) and the step's check. Nothing is sent but, without `--cache-set`, the
//!   reads of the cache lists that choose the set.
//! - A real run prints a log of the same shape: each step's header, each command with its
//!   result (`  <command>  => <result>`), then the check reached; the state transfer's progress
//!   goes to stderr (spinners on a terminal, lines otherwise).
//! - `--emit-batch` prints the workflow as Batch CRs, one per step, each marked with the site
//!   it must be applied on, with the commands to wait for it and check its log in between.
//!
//! Sites are named (`site-a`, `site-b`); their URLs and credentials come from `--site-url`, the
//! profile, or `--demo` in builds with the embedded grid (see [`crate::sites`]). Exit codes: 0
//! done, 2 usage or configuration, 3 stopped by an interlock or a postcondition (nothing more is
//! sent), 1 for `status` when something is degraded.

use std::time::{Duration, Instant, SystemTime};

use serde_json::{Value, json};
use xsite::CacheSet;
use xsite::runbook::{
    self, Cancel, Check, Event, INTERRUPTED, Options, Plan, RunbookError, StatusReport, Workflow,
    cause_chain,
};
use xsite_batch::cr::{ANNOTATION_APPLY_ON, LABEL_SITE};
use xsite_batch::procedures::{self, Expectation};

use crate::commands::batch_cr::{BatchOptions, check_command, cr_error};
use crate::console::{Console, Format, ListStyle, Reply};
use crate::error::{CliError, CliResult, Kind};
use crate::interrupt::RunbookGuard;
use crate::progress::Progress;
use crate::session::Session;

/// `, or --demo` in the texts that say how sites are named, in builds that have the embedded grid
/// (the `demo` feature); nothing in the others.
#[cfg(feature = "demo")]
macro_rules! or_demo {
    () => {
        ", or --demo"
    };
}
#[cfg(not(feature = "demo"))]
macro_rules! or_demo {
    () => {
        ""
    };
}

/// The hint when a runbook's sites are not configured.
const NAME_SITES_HINT: &str = concat!(
    "name each site's URL: --site-url site-a=https://… (or a profile",
    or_demo!(),
    ")"
);

/// `runbook`: the Keycloak multi-site runbooks (its one-line help is [`super::Extension`]'s).
#[derive(Debug, Clone, clap::Args)]
#[command(
    after_help = concat!(
        "Sites are named: --site-url, the profile (~/.config/xsite/sites.toml, --profile)",
        or_demo!(),
        ". --dry-run prints the plan; --emit-batch prints Batch CRs.\n\
         Exit codes: 0 done, 1 degraded (status), 2 usage, 3 stopped by an interlock or a \
         postcondition."
    )
)]
pub struct RunbookArgs {
    /// The workflow.
    #[command(subcommand)]
    pub workflow: RunbookCommand,

    /// Starts an embedded two-site Data Grid and names both sites (the xsite option, also
    /// accepted here; not in the shell).
    #[arg(long, global = true)]
    #[cfg_attr(not(feature = "demo"), arg(help = crate::no_demo::HELP))]
    pub demo: bool,

    /// The sites profile (the xsite option, also accepted here; not in the shell).
    #[arg(long, value_name = "FILE", global = true)]
    pub profile: Option<std::path::PathBuf>,
}

/// The runbook workflows.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum RunbookCommand {
    /// Both sites and all caches in one view, anything degraded marked (exit 1 when degraded).
    Status(StatusArgs),
    /// From every other site, takes SITE offline for every cache and verifies it (procedure 1;
    /// idempotent).
    Fence(FenceArgs),
    /// Replaces TO's cache contents with FROM's (procedure 3; with the roles swapped, procedure
    /// 4, switch back). Scale Keycloak on TO to 0 first.
    Resync(ResyncArgs),
    /// Keycloak 26's "take site offline": after you take SITE out of the load balancer, the
    /// sites that stay stop replicating to it (the steps of fence).
    TakeOffline(FenceArgs),
    /// Keycloak 26's "synchronize": with Keycloak on TO shut down, TO's caches are replaced by
    /// FROM's (the steps of resync).
    Synchronize(ResyncArgs),
    /// Keycloak 26's "bring site online": verifies that every backup between SITE and the
    /// other sites is online, before you put SITE back in the load balancer (changes nothing; a
    /// backup not online stops it after --step-deadline, default 60 s).
    BringOnline(BringOnlineArgs),
    /// Lists the configured sites (URL, user, where the password comes from; never the password).
    Sites(SitesArgs),
}

/// Options of every workflow.
#[derive(Debug, Clone, clap::Args)]
pub struct CommonArgs {
    /// The caches: keycloak-25 (the eight of Keycloak 25 and earlier), keycloak-26 (its four),
    /// or a comma-separated list. Default: the set the sites hold, read from their cache lists
    /// (refused when they hold no single Keycloak set).
    #[arg(long = "cache-set", value_name = "SET")]
    pub cache_set: Option<String>,

    /// A site's REST endpoint, NAME=URL (site-a=https://…:11222); may be
    /// repeated. Kept for the rest of the session.
    #[arg(long = "site-url", value_name = "NAME=URL")]
    pub site_urls: Vec<String>,
}

impl CommonArgs {
    /// The cache set named by `--cache-set`, if one is given.
    pub fn caches(&self) -> CliResult<Option<CacheSet>> {
        self.cache_set.as_deref().map(cache_set).transpose()
    }
}

/// A workflow's caches and how they were chosen, said in its output.
pub(crate) struct ChosenCaches {
    pub(crate) caches: CacheSet,
    /// The sites whose cache lists chose it; empty when `--cache-set` named it.
    pub(crate) detected_on: Vec<String>,
}

impl ChosenCaches {
    /// One line: the set, and how it was chosen.
    pub(crate) fn describe(&self) -> String {
        let name = match self.caches.known_name() {
            Some(name) => name.to_owned(),
            None => self.caches.names().join(","),
        };
        if self.detected_on.is_empty() {
            format!("cache set: {name} (from --cache-set)")
        } else {
            format!(
                "cache set: {name} (detected: {} hold{} {})",
                self.detected_on.join(" and "),
                if self.detected_on.len() == 1 { "s" } else { "" },
                xsite::SiteCaches::of(self.caches.names())
            )
        }
    }

    /// `"cache_set"` in the JSON documents.
    pub(crate) fn json(&self) -> Value {
        json!({
            "name": self.caches.known_name(),
            "caches": self.caches.names(),
            "detected_on": self.detected_on,
        })
    }
}

/// The caches of a workflow: `--cache-set`, else the set that the sites `on` hold, read from
/// their cache lists (reads only) with the clients of `sites`; `options` then runs on them.
fn choose_caches(
    session: &Session,
    common: &CommonArgs,
    sites: Option<&runbook::Sites>,
    on: &[&str],
    options: &mut Options,
    workflow: &str,
) -> CliResult<ChosenCaches> {
    let chosen = match common.caches()? {
        Some(caches) => ChosenCaches {
            caches,
            detected_on: Vec::new(),
        },
        None => {
            let Some(sites) = sites else {
                return Err(CliError::config(format!(
                    "no --cache-set, and no site to read the cache set from: give --cache-set ({}, or a list of caches), or the sites",
                    CacheSet::NAMES.join(", ")
                ))
                .with_hint(NAME_SITES_HINT));
            };
            let caches = session
                .runtime()
                .block_on(runbook::detect_cache_set(sites, on, options, workflow))
                .map_err(|error| stopped(&error))?;
            ChosenCaches {
                caches,
                detected_on: on.iter().map(|s| (*s).to_owned()).collect(),
            }
        }
    };
    options.caches = chosen.caches.clone();
    options.caches_listed_on = chosen.detected_on.clone();
    Ok(chosen)
}

/// Reads `--cache-set`: a known set's name, or a comma-separated list of caches.
pub fn cache_set(text: &str) -> CliResult<CacheSet> {
    if let Some(set) = CacheSet::named(text) {
        return Ok(set);
    }
    let names: Vec<&str> = text
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .collect();
    if names.is_empty() {
        return Err(CliError::config(format!(
            "--cache-set: give {}, or a comma-separated list of caches",
            CacheSet::NAMES.join(", ")
        )));
    }
    Ok(CacheSet::custom(names))
}

/// Options of the workflows that change something.
#[derive(Debug, Clone, clap::Args)]
pub struct RunArgs {
    /// Prints the plan (each step's site, cli.sh commands and check) and changes nothing (without
    /// --cache-set, the cache lists are read to choose the set).
    #[arg(long = "dry-run")]
    pub dry_run: bool,

    /// Seconds a step may take to reach its postcondition (default 60).
    #[arg(long = "step-deadline", value_name = "SECS")]
    pub step_deadline: Option<f64>,

    /// Seconds the state transfer may take (default 1800).
    #[arg(long = "push-deadline", value_name = "SECS")]
    pub push_deadline: Option<f64>,

    /// Prints the workflow as Batch CRs (one per step, marked with its site), with the checks
    /// to run between them; changes nothing. Needs --cluster.
    #[arg(long = "emit-batch")]
    pub emit_batch: bool,

    /// For --emit-batch: cluster, namespace, resources.
    #[command(flatten)]
    pub batch: BatchOptions,
}

/// The longest `--step-deadline`: a day (a step takes seconds; longer is a typo).
pub const MAX_STEP_DEADLINE: u64 = 24 * 3600;
/// The longest `--push-deadline`: a week.
pub const MAX_PUSH_DEADLINE: u64 = 7 * 24 * 3600;

/// Reads a deadline in seconds: a number above 0 and at most `max` (huge values would
/// overflow the clock).
fn deadline(value: f64, name: &str, max: u64) -> CliResult<Duration> {
    if value.is_finite() && value > 0.0 && value <= max as f64 {
        Duration::try_from_secs_f64(value).map_err(|e| CliError::config(format!("--{name}: {e}")))
    } else {
        Err(CliError::config(format!(
            "--{name} takes a number of seconds above 0 and at most {max}, not {value}"
        )))
    }
}

impl RunArgs {
    fn options(&self, caches: CacheSet) -> CliResult<Options> {
        let mut options = Options {
            caches,
            ..Options::default()
        };
        if let Some(value) = self.step_deadline {
            options.step_deadline = deadline(value, "step-deadline", MAX_STEP_DEADLINE)?;
        }
        if let Some(value) = self.push_deadline {
            options.push_deadline = deadline(value, "push-deadline", MAX_PUSH_DEADLINE)?;
        }
        Ok(options)
    }
}

/// `runbook status`.
#[derive(Debug, Clone, clap::Args)]
pub struct StatusArgs {
    /// Prints what would be read from each site (as cli.sh commands) and reads nothing but the
    /// cache lists (and those only without --cache-set).
    #[arg(long = "dry-run")]
    pub dry_run: bool,

    /// Caches and sites.
    #[command(flatten)]
    pub common: CommonArgs,
}

/// `runbook fence`.
#[derive(Debug, Clone, clap::Args)]
pub struct FenceArgs {
    /// The site to fence (take offline everywhere else).
    #[arg(long, value_name = "SITE")]
    pub site: String,

    /// The site that stays, where the take-offline is sent (default: every other configured
    /// site).
    #[arg(long, value_name = "SITE")]
    pub from: Vec<String>,

    /// Caches and sites.
    #[command(flatten)]
    pub common: CommonArgs,

    /// Dry run, deadlines, Batch CRs.
    #[command(flatten)]
    pub run: RunArgs,
}

/// `runbook resync`.
#[derive(Debug, Clone, clap::Args)]
#[command(
    after_help = "Each cache is cleared only after its backups were seen offline; the push is \
                  followed per cache until OK."
)]
pub struct ResyncArgs {
    /// The site whose data is kept (the good one).
    #[arg(long, value_name = "GOOD")]
    pub from: String,

    /// The site whose data is discarded and replaced (the stale one).
    #[arg(long, value_name = "STALE")]
    pub to: String,

    /// Caches and sites.
    #[command(flatten)]
    pub common: CommonArgs,

    /// Dry run, deadlines, Batch CRs.
    #[command(flatten)]
    pub run: RunArgs,
}

/// `runbook bring-online`.
#[derive(Debug, Clone, clap::Args)]
pub struct BringOnlineArgs {
    /// The site going back in the load balancer.
    #[arg(long, value_name = "SITE")]
    pub site: String,

    /// Caches and sites.
    #[command(flatten)]
    pub common: CommonArgs,

    /// Dry run, deadlines, Batch CRs.
    #[command(flatten)]
    pub run: RunArgs,
}

/// `runbook sites`.
#[derive(Debug, Clone, clap::Args)]
pub struct SitesArgs {
    /// Adds or changes a site (NAME=URL); may be repeated.
    #[arg(long = "site-url", value_name = "NAME=URL")]
    pub site_urls: Vec<String>,
}

/// Runs a `runbook` command.
pub fn run(session: &mut Session, console: &mut Console, args: &RunbookArgs) -> CliResult<Reply> {
    if args.demo || args.profile.is_some() {
        return Err(CliError::usage(
            "--demo and --profile are options of the xsite command: give them when starting xsite",
        ));
    }
    match &args.workflow {
        RunbookCommand::Status(a) => status(session, console, a),
        RunbookCommand::Fence(a) => fence(session, console, a, Guide::Keycloak24),
        RunbookCommand::Resync(a) => resync(session, console, a, Guide::Keycloak24),
        RunbookCommand::TakeOffline(a) => fence(session, console, a, Guide::Keycloak26),
        RunbookCommand::Synchronize(a) => resync(session, console, a, Guide::Keycloak26),
        RunbookCommand::BringOnline(a) => bring_online(session, console, a),
        RunbookCommand::Sites(a) => {
            add_sites(session, &a.site_urls)?;
            if session.sites.is_empty() {
                console.note(concat!(
                    "no site configured: use --site-url NAME=URL, a profile (--profile FILE, \
                     ~/.config/xsite/sites.toml)",
                    or_demo!()
                ));
            }
            Ok(Reply::List(session.sites.describe(), ListStyle::Lines))
        }
    }
}

pub(crate) fn add_sites(session: &mut Session, urls: &[String]) -> CliResult {
    for spec in urls {
        session.sites.set_url(spec)?;
    }
    Ok(())
}

/// The clients of the configured sites, checking that `needed` are among them.
pub(crate) fn connect(session: &mut Session, needed: &[&str]) -> CliResult<runbook::Sites> {
    for name in needed {
        if session.sites.get(name).is_none() {
            let known = session.sites.names();
            return Err(CliError::config(format!(
                "unknown site '{name}': {}",
                if known.is_empty() {
                    "no site is configured".to_owned()
                } else {
                    format!("the sites are {}", known.join(", "))
                }
            ))
            .with_hint(NAME_SITES_HINT));
        }
    }
    let tls = session.tls.clone();
    session.sites.connect(&tls, session.prompter.as_mut())
}

// ---- Plans and logs, printed the same way: the plan's own text (headers, checks) is the SDK's
// (`xsite::runbook`), an action's text is cli.sh's (`procedures::render`).

/// Prints the log of a running plan from its events, and keeps it for `--output json`.
struct Log<'a> {
    console: &'a mut Console,
    progress: Progress,
    check: Option<Check>,
    receiver: Option<String>,
    /// With `--output json` the log lines go to stderr and the steps are kept here.
    json: bool,
    steps: Vec<Value>,
}

impl Log<'_> {
    fn line(&mut self, text: &str) {
        let console = &mut *self.console;
        if self.json {
            self.progress.print(|| console.note(text));
        } else {
            self.progress.print(|| console.line(text));
        }
    }

    fn event(&mut self, event: Event) {
        match event {
            Event::StepStarted(step) => {
                self.receiver = match &step.check {
                    Check::PushOk { backup } => Some(backup.clone()),
                    _ => None,
                };
                self.check = Some(step.check.clone());
                self.steps.push(json!({
                    "step": step.number,
                    "site": step.site,
                    "title": step.title,
                    "check": step.check.to_string(),
                    "actions": [],
                    "reached": false,
                }));
                self.line(&step.header());
            }
            Event::ActionDone { action, result, .. } => {
                let command = procedures::render(&action);
                if let Some(Value::Array(actions)) =
                    self.steps.last_mut().and_then(|s| s.get_mut("actions"))
                {
                    actions.push(json!({"command": command, "result": result}));
                }
                self.line(&format!("  {command}  => {result}"));
            }
            Event::Waiting { detail, .. } => {
                self.line(&format!("  waiting: {detail}"));
            }
            Event::PushProgress {
                cache,
                status,
                elapsed,
                entries,
            } => {
                let site = self.receiver.clone().unwrap_or_default();
                self.progress
                    .update(self.console, &site, &cache, &status, elapsed, entries);
            }
            Event::StepFinished { elapsed, .. } => {
                self.progress.finish();
                let check = self.check.take().map(|c| c.to_string()).unwrap_or_default();
                if let Some(step) = self.steps.last_mut() {
                    step["reached"] = json!(true);
                    step["elapsed_s"] = json!(seconds(elapsed));
                }
                self.line(&format!(
                    "  check: {check}: reached in {:.1}s",
                    elapsed.as_secs_f64()
                ));
            }
            _ => {}
        }
    }
}

/// A duration in seconds, to the millisecond, for JSON.
fn seconds(elapsed: Duration) -> f64 {
    (elapsed.as_secs_f64() * 1000.0).round() / 1000.0
}

/// A stopped workflow as a CLI error: the whole report, exit 3 (2 when nothing could start
/// because the sites or caches are wrong; 130 when stopped by Ctrl-C).
pub fn stopped(error: &RunbookError) -> CliError {
    let kind = if error.reason == INTERRUPTED {
        Kind::Interrupted
    } else if error.step == 0 {
        Kind::Config
    } else {
        Kind::Stopped
    };
    let mut message = format!("STOPPED: {error}");
    if let Some(source) = &error.source {
        message.push_str(&format!("\ncause: {}", cause_chain(source)));
    }
    CliError::new(kind, message)
}

/// The stop report as JSON (`stopped` in the run document).
pub fn stopped_json(error: &RunbookError) -> Value {
    json!({
        "step": error.step,
        "title": error.title,
        "site": error.site,
        "reason": error.reason,
        "cause": error.source.as_ref().map(|s| cause_chain(s)),
        "interrupted": error.reason == INTERRUPTED,
        "cleared": error.cleared,
        "caches": error
            .cache_states
            .iter()
            .map(|(site, cache, state)| json!({"site": site, "cache": cache, "state": state}))
            .collect::<Vec<_>>(),
        "next": error.next,
    })
}

/// The version of the JSON documents of `runbook` and `batch-check` (`"version"`).
pub const JSON_VERSION: u32 = 1;

/// What a run sends.
enum Job<'a> {
    /// These plans, in order.
    Plans(&'a [Plan]),
    /// The SDK's fence of a site, from every other site.
    FenceAll(&'a str),
}

/// Runs a job with its log and progress on `console`; `plans` are printed as the header.
/// Ctrl-C stops it at its next safe point, with the stop report.
fn run_logged(
    session: &Session,
    console: &mut Console,
    plans: &[Plan],
    sites: &runbook::Sites,
    chosen: &ChosenCaches,
    mut options: Options,
    job: Job<'_>,
) -> CliResult<Reply> {
    let started = Instant::now();
    let json = console.format == Format::Json;
    if json {
        console.note(&chosen.describe());
    } else {
        console.line(&format!("# {}", chosen.describe()));
    }
    if let Some(plan) = plans.first() {
        for line in plan.header() {
            if json {
                console.note(&line);
            } else {
                console.line(&line);
            }
        }
    }
    let terminal = console.stderr_tty;
    let mut log = Log {
        console,
        progress: Progress::new(terminal),
        check: None,
        receiver: None,
        json,
        steps: Vec::new(),
    };
    let cancel = Cancel::new();
    options.cancel = cancel.clone();
    let guard = RunbookGuard::new(cancel);
    let result = {
        let mut observer = |event: Event| log.event(event);
        let options = &options;
        session.runtime().block_on(async {
            match job {
                Job::Plans(plans) => {
                    for plan in plans {
                        runbook::run_plan(sites, plan, options, &mut observer).await?;
                    }
                    Ok(())
                }
                Job::FenceAll(site) => runbook::fence(sites, site, options, &mut observer).await,
            }
        })
    };
    drop(guard);
    log.progress.finish();
    let workflow = plans
        .first()
        .map(|p| p.workflow.to_string())
        .unwrap_or_default();
    let caches: Vec<String> = plans
        .first()
        .map(|p| p.caches.names().to_vec())
        .unwrap_or_default();
    let mut doc = json!({
        "version": JSON_VERSION,
        "workflow": workflow,
        "caches": caches,
        "cache_set": chosen.json(),
        "done": result.is_ok(),
        "elapsed_s": seconds(started.elapsed()),
        "steps": log.steps,
    });
    match result {
        Ok(()) => {
            let done = format!(
                "done: {workflow} in {:.1}s",
                started.elapsed().as_secs_f64()
            );
            if json {
                log.console.note(&done);
                Ok(Reply::Json(doc))
            } else {
                log.console.line(&done);
                Ok(Reply::Nothing)
            }
        }
        Err(error) => {
            let mut cli = stopped(&error);
            if json {
                doc["stopped"] = stopped_json(&error);
                cli.message = format!("STOPPED: {}", error.reason);
                cli.printed = Some(Box::new(Reply::Json(doc)));
            }
            Err(cli)
        }
    }
}

/// A plan as JSON: its workflow, caches, and per step its site, cli.sh commands and check.
pub fn plan_json(plan: &Plan) -> Value {
    json!({
        "workflow": plan.workflow.to_string(),
        "caches": plan.caches.names(),
        "steps": plan.steps.iter().map(|step| json!({
            "step": step.number,
            "site": step.site,
            "title": step.title,
            "commands": step.actions.iter().map(procedures::render).collect::<Vec<_>>(),
            "check": step.check.to_string(),
        })).collect::<Vec<_>>(),
    })
}

/// The first line of a dry run: what it sent.
fn dry_run_line(chosen: &ChosenCaches) -> &'static str {
    if chosen.detected_on.is_empty() {
        "# dry run: nothing is sent"
    } else {
        "# dry run: nothing is sent but the reads of the cache lists"
    }
}

fn print_dry_run(console: &mut Console, plans: &[Plan], chosen: &ChosenCaches) -> CliResult<Reply> {
    if console.format == Format::Json {
        return Ok(Reply::Json(json!({
            "version": JSON_VERSION,
            "dry_run": true,
            "cache_set": chosen.json(),
            "plans": plans.iter().map(plan_json).collect::<Vec<_>>(),
        })));
    }
    console.line(dry_run_line(chosen));
    console.line(&format!("# {}", chosen.describe()));
    for plan in plans {
        for line in plan.describe(procedures::render) {
            console.line(&line);
        }
    }
    Ok(Reply::Nothing)
}

/// Prints the Batch CRs (a shell script of YAML documents): as text, or as one JSON string.
fn print_batches(console: &mut Console, text: String) -> CliResult<Reply> {
    if console.format == Format::Json {
        return Ok(Reply::Text(text));
    }
    console.line(text.trim_end_matches('\n'));
    Ok(Reply::Nothing)
}

/// Whose words a workflow speaks: the Keycloak 24 procedures (fence, resync) or Keycloak 26's
/// operations (take-offline, synchronize), which run the same steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Guide {
    Keycloak24,
    Keycloak26,
}

fn fence(
    session: &mut Session,
    console: &mut Console,
    args: &FenceArgs,
    guide: Guide,
) -> CliResult<Reply> {
    add_sites(session, &args.common.site_urls)?;
    // Every option is checked before anything is printed or sent.
    let given = args.common.caches()?;
    let mut options = args.run.options(given.clone().unwrap_or_default())?;
    let from: Vec<String> = if args.from.is_empty() {
        session
            .sites
            .names()
            .into_iter()
            .filter(|s| *s != args.site)
            .collect()
    } else {
        args.from.clone()
    };
    if from.is_empty() {
        return Err(CliError::config(format!(
            "a fence runs from the site that stays: name it with --from SITE, or configure the sites (--site-url), so that the sites other than {} are known",
            args.site
        )));
    }
    if from.contains(&args.site) {
        return Err(CliError::config(format!(
            "--from {} is the site being fenced",
            args.site
        )));
    }
    let mut needed: Vec<&str> = vec![args.site.as_str()];
    needed.extend(from.iter().map(String::as_str));
    let sends = !(args.run.emit_batch || args.run.dry_run);
    let sites = connect_for(session, &needed, sends || given.is_none())?;
    // The fenced site may be down: the set is read where the fence runs.
    let on: Vec<&str> = from.iter().map(String::as_str).collect();
    let workflow = match guide {
        Guide::Keycloak24 => "fence",
        Guide::Keycloak26 => "take-offline",
    };
    let chosen = choose_caches(
        session,
        &args.common,
        sites.as_ref(),
        &on,
        &mut options,
        workflow,
    )?;
    let plans: Vec<Plan> = from
        .iter()
        .map(|stay| match guide {
            Guide::Keycloak24 => Plan::fence(&args.site, stay, &chosen.caches),
            Guide::Keycloak26 => Plan::take_offline(&args.site, stay, &chosen.caches),
        })
        .collect();
    let fence_all = (args.from.is_empty() && guide == Guide::Keycloak24).then_some(&*args.site);
    let run = Run {
        fence_all,
        ..Run::of(&plans, &chosen, &args.run, sites, &needed)
    };
    run.emit_or_run(session, console, options)
}

/// A workflow that changes something, planned: what is left is to print its Batch CRs, its dry
/// run, or to run it.
struct Run<'a> {
    plans: &'a [Plan],
    chosen: &'a ChosenCaches,
    args: &'a RunArgs,
    /// The clients, when the cache set was read from the sites.
    sites: Option<runbook::Sites>,
    /// The sites the workflow talks to.
    needed: &'a [&'a str],
    /// `Some(site)`: the SDK's fence of `site` from every other site, rather than the plans.
    fence_all: Option<&'a str>,
}

impl<'a> Run<'a> {
    /// The run of `plans`, on the sites `needed` (`sites` when already connected).
    fn of(
        plans: &'a [Plan],
        chosen: &'a ChosenCaches,
        args: &'a RunArgs,
        sites: Option<runbook::Sites>,
        needed: &'a [&'a str],
    ) -> Self {
        Run {
            plans,
            chosen,
            args,
            sites,
            needed,
            fence_all: None,
        }
    }

    fn emit_or_run(
        self,
        session: &mut Session,
        console: &mut Console,
        options: Options,
    ) -> CliResult<Reply> {
        if self.args.emit_batch {
            console.note(&self.chosen.describe());
            let text = emit_batches(self.plans, &self.args.batch, None)?;
            return print_batches(console, text);
        }
        if self.args.dry_run {
            return print_dry_run(console, self.plans, self.chosen);
        }
        let sites = match self.sites {
            Some(sites) => sites,
            None => connect(session, self.needed)?,
        };
        let job = match self.fence_all {
            Some(site) => Job::FenceAll(site),
            None => Job::Plans(self.plans),
        };
        run_logged(
            session,
            console,
            self.plans,
            &sites,
            self.chosen,
            options,
            job,
        )
    }
}

/// The clients of the sites `needed`, when `wanted` (a run, or a cache set to read), checking
/// that they are configured when the cache set has to be read from them.
fn connect_for(
    session: &mut Session,
    needed: &[&str],
    wanted: bool,
) -> CliResult<Option<runbook::Sites>> {
    if !wanted {
        return Ok(None);
    }
    connect(session, needed).map(Some)
}

fn resync(
    session: &mut Session,
    console: &mut Console,
    args: &ResyncArgs,
    guide: Guide,
) -> CliResult<Reply> {
    add_sites(session, &args.common.site_urls)?;
    if args.from == args.to {
        return Err(CliError::config(format!(
            "--from and --to are both {}: a resync copies one site onto another",
            args.from
        )));
    }
    // Every option is checked before anything is printed or sent.
    let given = args.common.caches()?;
    let mut options = args.run.options(given.clone().unwrap_or_default())?;
    let needed = [args.from.as_str(), args.to.as_str()];
    let sends = !(args.run.emit_batch || args.run.dry_run);
    let sites = connect_for(session, &needed, sends || given.is_none())?;
    /// A resync's plan maker: `Plan::resync` or `Plan::synchronize` (from, to, caches).
    type MakePlan = fn(&str, &str, &CacheSet) -> Plan;
    let (workflow, plan): (&str, MakePlan) = match guide {
        Guide::Keycloak24 => ("resync", Plan::resync),
        Guide::Keycloak26 => ("synchronize", Plan::synchronize),
    };
    let chosen = choose_caches(
        session,
        &args.common,
        sites.as_ref(),
        &needed,
        &mut options,
        workflow,
    )?;
    let plans = [plan(&args.from, &args.to, &chosen.caches)];
    Run::of(&plans, &chosen, &args.run, sites, &needed).emit_or_run(session, console, options)
}

fn bring_online(
    session: &mut Session,
    console: &mut Console,
    args: &BringOnlineArgs,
) -> CliResult<Reply> {
    add_sites(session, &args.common.site_urls)?;
    // Every option is checked before anything is printed or sent.
    let given = args.common.caches()?;
    let mut options = args.run.options(given.clone().unwrap_or_default())?;
    let others: Vec<String> = session
        .sites
        .names()
        .into_iter()
        .filter(|s| *s != args.site)
        .collect();
    if others.is_empty() {
        return Err(CliError::config(format!(
            "bring-online checks the backups between {} and the other sites: configure them (--site-url)",
            args.site
        ))
        .with_hint(NAME_SITES_HINT));
    }
    let mut needed: Vec<&str> = vec![args.site.as_str()];
    needed.extend(others.iter().map(String::as_str));
    let sends = !(args.run.emit_batch || args.run.dry_run);
    let sites = connect_for(session, &needed, sends || given.is_none())?;
    let chosen = choose_caches(
        session,
        &args.common,
        sites.as_ref(),
        &needed,
        &mut options,
        "bring-online",
    )?;
    let other_names: Vec<&str> = others.iter().map(String::as_str).collect();
    let plans = [Plan::bring_online(&args.site, &other_names, &chosen.caches)];
    Run::of(&plans, &chosen, &args.run, sites, &needed).emit_or_run(session, console, options)
}

fn status(session: &mut Session, console: &mut Console, args: &StatusArgs) -> CliResult<Reply> {
    add_sites(session, &args.common.site_urls)?;
    let given = args.common.caches()?;
    if session.sites.is_empty() {
        return Err(CliError::config("no site is configured").with_hint(NAME_SITES_HINT));
    }
    let json = console.format == Format::Json;
    let sites = connect_for(session, &[], !args.dry_run || given.is_none())?;
    let chosen = match (given, &sites) {
        (Some(caches), _) => ChosenCaches {
            caches,
            detected_on: Vec::new(),
        },
        (None, Some(sites)) => status_caches(session, sites)?,
        (None, None) => return Err(CliError::config("no site to read the cache set from")),
    };
    let caches = &chosen.caches;
    if args.dry_run {
        let names = session.sites.names();
        let mut per_site = Vec::new();
        for site in &names {
            let mut commands = vec!["site view".to_owned()];
            for other in names.iter().filter(|o| *o != site) {
                commands.push(xsite_clish::Command::status_all(other).render());
            }
            for cache in caches.names() {
                for action in [
                    runbook::Action::CacheStatus {
                        cache: cache.clone(),
                    },
                    runbook::Action::PushStatus {
                        cache: cache.clone(),
                    },
                ] {
                    commands.push(procedures::render(&action));
                }
            }
            per_site.push((site.clone(), commands));
        }
        if json {
            return Ok(Reply::Json(json!({
                "version": JSON_VERSION,
                "dry_run": true,
                "cache_set": chosen.json(),
                "sites": per_site.iter().map(|(site, commands)| json!({"site": site, "commands": commands})).collect::<Vec<_>>(),
            })));
        }
        console.line(dry_run_line(&chosen));
        console.line("# runbook: status (reads only)");
        console.line(&format!("# {}", chosen.describe()));
        for (site, commands) in per_site {
            console.line(&format!("{site}:"));
            for command in commands {
                console.line(&format!("  {command}"));
            }
        }
        return Ok(Reply::Nothing);
    }
    let sites = match sites {
        Some(sites) => sites,
        None => connect(session, &[])?,
    };
    let report = session.runtime().block_on(runbook::status(&sites, caches));
    let unreachable = report.unreachable();
    // Where a site cannot be read, the lines below say why, and nothing else is said.
    if unreachable.is_empty() {
        if json {
            console.note(&chosen.describe());
        } else {
            console.line(&chosen.describe());
        }
    }
    if !json {
        for line in render_status(&report) {
            console.line(&line);
        }
    }
    let mut doc = status_json(&report);
    doc["cache_set"] = chosen.json();
    if !unreachable.is_empty() {
        // One line per site, with the cause; nothing else can be said about it.
        let lines: Vec<String> = unreachable
            .iter()
            .map(|(site, why)| format!("{site}: unreachable: {why}"))
            .collect();
        let mut error = CliError::config(lines.join("\n")).with_hint(
            "check each site's URL, that its Data Grid runs, and the credentials (XSITE_PASSWORD_<SITE>)",
        );
        if json {
            error.printed = Some(Box::new(Reply::Json(doc)));
        }
        return Err(error);
    }
    if report.is_healthy() {
        return Ok(if json {
            Reply::Json(doc)
        } else {
            Reply::Nothing
        });
    }
    let count = report.degraded.iter().filter(|d| !d.expected).count();
    let mut error = CliError::new(Kind::Check, format!("degraded: {count} finding(s)"));
    if json {
        error.printed = Some(Box::new(Reply::Json(doc)));
    } else {
        // The list above says it all; the message would repeat it.
        error.message.clear();
        error = error.with_hint("something is degraded: see the list above");
    }
    Err(error)
}

/// The cache set of `runbook status` without `--cache-set`: the one the sites that answer hold
/// (an unreachable site is reported by the status itself).
pub(crate) fn status_caches(session: &Session, sites: &runbook::Sites) -> CliResult<ChosenCaches> {
    let options = Options::default();
    let mut on = sites.names();
    loop {
        let detected = session
            .runtime()
            .block_on(runbook::detect_cache_set(sites, &on, &options, "status"));
        match detected {
            Ok(caches) => {
                return Ok(ChosenCaches {
                    caches,
                    detected_on: on.iter().map(|s| (*s).to_owned()).collect(),
                });
            }
            // A site that cannot be read has no say; the status shows why it cannot be read.
            Err(error) if error.source.is_some() && on.len() > 1 => {
                on.retain(|site| *site != error.site);
            }
            // No site answers: the status says so, site by site, and reads no cache.
            Err(error) if error.source.is_some() => {
                return Ok(ChosenCaches {
                    caches: CacheSet::custom(Vec::<String>::new()),
                    detected_on: Vec::new(),
                });
            }
            Err(error) => return Err(stopped(&error)),
        }
    }
}

/// The status report as JSON: per site, its view, the all-caches status toward each other site
/// and each cache's backups and push status; then every finding.
pub fn status_json(report: &StatusReport) -> Value {
    let per_site = |list: &Result<Vec<(String, String)>, String>| match list {
        Ok(list) => json!(
            list.iter()
                .map(|(site, status)| (site.clone(), json!(status)))
                .collect::<serde_json::Map<_, _>>()
        ),
        Err(e) => json!({"error": e}),
    };
    let sites: Vec<Value> = report
        .sites
        .iter()
        .map(|site| {
            json!({
                "site": site.site,
                "unreachable": site.unreachable,
                "sites_view": match &site.sites_view {
                    Ok(view) => json!(view),
                    Err(e) => json!({"error": e}),
                },
                "all_caches": site.container.iter().map(|(other, status)| match status {
                    Ok(s) => json!({"site": other, "status": s.to_string()}),
                    Err(e) => json!({"site": other, "error": e}),
                }).collect::<Vec<_>>(),
                "caches": site.caches.iter().map(|row| json!({
                    "cache": row.cache,
                    "backups": per_site(&row.backups.as_ref().map(|l| l.iter().map(|(s, st)| (s.clone(), st.to_string())).collect()).map_err(Clone::clone)),
                    "push": per_site(&row.push.as_ref().map(|l| l.iter().map(|(s, st)| (s.clone(), st.to_string())).collect()).map_err(Clone::clone)),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "version": JSON_VERSION,
        "healthy": report.is_healthy(),
        "sites": sites,
        "findings": report.degraded.iter().map(|d| json!({
            "site": d.site,
            "cache": d.cache,
            "what": d.what,
            "expected": d.expected,
            "next": d.next,
        })).collect::<Vec<_>>(),
    })
}

/// The status report as text: per site, its sites view, the all-caches status toward each
/// other site, one row per cache, then everything degraded, then the expected states with what
/// to run. A site that cannot be read at all is left out (the error says why, in one line).
pub fn render_status(report: &StatusReport) -> Vec<String> {
    let mut lines = Vec::new();
    for site in report.sites.iter().filter(|s| s.unreachable.is_none()) {
        let view = match &site.sites_view {
            Ok(view) => view.join(", "),
            Err(e) => format!("unreadable ({e})"),
        };
        lines.push(format!("{} (sites view: {view})", site.site));
        for (other, status) in &site.container {
            let status = match status {
                Ok(s) => s.to_string(),
                Err(e) => format!("unreadable ({e})"),
            };
            lines.push(format!("  all caches to {other}: {status}"));
        }
        let rows: Vec<(String, String, String)> = site
            .caches
            .iter()
            .map(|row| {
                let backups = describe_per_site(&row.backups);
                let push = describe_per_site(&row.push);
                (row.cache.clone(), backups, push)
            })
            .collect();
        let w1 = rows.iter().map(|r| r.0.len()).max().unwrap_or(0).max(5);
        let w2 = rows.iter().map(|r| r.1.len()).max().unwrap_or(0).max(7);
        lines.push(format!("  {:w1$}  {:w2$}  push", "cache", "backups"));
        for (cache, backups, push) in rows {
            lines.push(format!("  {cache:w1$}  {backups:w2$}  {push}"));
        }
    }
    let unreachable: Vec<&str> = report.unreachable().iter().map(|(s, _)| *s).collect();
    let describe = |d: &runbook::Degraded| match &d.cache {
        Some(cache) => format!("  {} {cache}: {}", d.site, d.what),
        None => format!("  {}: {}", d.site, d.what),
    };
    let degraded: Vec<&runbook::Degraded> = report
        .degraded
        .iter()
        .filter(|d| !d.expected && !unreachable.contains(&d.site.as_str()))
        .collect();
    let expected: Vec<&runbook::Degraded> = report.degraded.iter().filter(|d| d.expected).collect();
    if report.is_healthy() && expected.is_empty() {
        lines.push("healthy: nothing degraded".to_owned());
    } else if report.is_healthy() {
        lines.push(
            "healthy: nothing degraded, but not everything is as in normal operation".to_owned(),
        );
    } else if !degraded.is_empty() {
        lines.push(format!("degraded ({}):", degraded.len()));
        for d in degraded {
            lines.push(describe(d));
        }
    }
    if !expected.is_empty() {
        lines.push(format!(
            "expected ({}): states the runbooks leave on purpose",
            expected.len()
        ));
        for d in expected {
            lines.push(describe(d));
            if let Some(next) = &d.next {
                lines.push(format!("    next: {next}"));
            }
        }
    }
    lines
}

// ---- Batch CRs.

/// The `batch-check` options that verify an expectation.
fn expect_flags(expect: &Expectation) -> String {
    match expect {
        Expectation::Success => String::new(),
        Expectation::SiteStatus { site, status } => format!(" --expect-status {site}={status}"),
        Expectation::CachesOffline => " --expect-caches-offline".to_owned(),
        Expectation::PushStatusOk { site } => format!(" --expect-push-ok {site}"),
    }
}

/// The plans as an ordered set of Batch CRs, one per step, each labelled and annotated with
/// the site it must be applied on, with the commands to wait for it and to check its log
/// before the next. `clock` fixes the generated names (tests).
pub fn emit_batches(
    plans: &[Plan],
    options: &BatchOptions,
    clock: Option<SystemTime>,
) -> CliResult<String> {
    let mut out = Vec::new();
    let total: usize = plans.iter().map(|p| p.steps.len()).sum();
    let Some(first) = plans.first() else {
        return Ok(String::new());
    };
    out.push(format!("# xsite runbook as Batch CRs: {}", first.workflow));
    for line in first.header().into_iter().skip(1) {
        out.push(line);
    }
    let cluster = options
        .cluster
        .clone()
        .ok_or_else(|| CliError::config("--emit-batch needs --cluster NAME (the Infinispan CR)"))?;
    out.push(format!(
        "# Infinispan CR {cluster}{}",
        options
            .namespace
            .as_deref()
            .map(|ns| format!(", namespace {ns}"))
            .unwrap_or_default()
    ));
    out.extend(
        [
            "#",
            "# Do not run this file as a whole, and never apply all the Batches at once: each step",
            "# runs on the cluster of the site it names (label xsite/site, annotation",
            "# xsite/apply-on). Take the steps in order. For each: write its YAML, apply it on that",
            "# site's cluster, wait for Succeeded or Failed, then check its log with xsite",
            "# batch-check; go on to the next step only when the check exits 0.",
            "# batch-check exits 4 when the step must be repeated (a status still mixed, a push",
            "# still SENDING): a Batch runs only once, so apply the same file again under a new",
            "# metadata.name, then check again. Any other exit: stop and read the report.",
            "# A Batch cannot branch, so it cannot refuse a clear as `xsite runbook` does. Apply",
            "# the clearing step only after the take-offline step's batch-check passed: it takes",
            "# the peer offline again first (idempotent), and batch-check counts its clears as",
            "# verified only if the status printed after that, and each cache's status right",
            "# before its clear, show offline.",
        ]
        .map(str::to_owned),
    );
    let procedure = match &first.workflow {
        Workflow::Resync { from, to } => format!("resync-{from}-to-{to}"),
        Workflow::Fence { site } => format!("fence-{site}"),
        Workflow::TakeOffline { site } => format!("take-offline-{site}"),
        Workflow::Synchronize { from, to } => format!("synchronize-{to}-from-{from}"),
        Workflow::BringOnline { site } => format!("bring-online-{site}"),
    };
    let mut index = 0;
    for plan in plans {
        for step in procedures::steps(plan) {
            index += 1;
            let mut builder = options
                .builder()?
                .procedure(procedure.clone())
                .step(format!("{index}-{}", step.name))
                .label(LABEL_SITE, step.run_on.clone())
                .annotation(
                    ANNOTATION_APPLY_ON,
                    format!(
                        "{}: step {index} of {total} of {}",
                        step.run_on, plan.workflow
                    ),
                );
            if let Some(time) = clock {
                let seed = u32::try_from(index).unwrap_or(0).wrapping_mul(7919);
                builder = builder.clock(move || time).rng(move || seed);
            }
            let cr = builder.script(&step.script).map_err(cr_error)?;
            let yaml = cr.to_yaml().map_err(cr_error)?;
            let file = format!("{index:02}-{}-{}.yaml", step.run_on, step.name);
            out.push(String::new());
            out.push(format!(
                "# ===== Step {index} of {total}, on {}: {}",
                step.run_on, step.title
            ));
            out.push(format!("# Check: {}", step.expect.describe()));
            if step.expect.may_repeat() {
                out.push("#        (repeat the step until it does)".to_owned());
            }
            out.push(format!("cat > {file} <<'XSITE_EOF'"));
            out.push(yaml.trim_end_matches('\n').to_owned());
            out.push("XSITE_EOF".to_owned());
            out.push(format!(
                "# On {}'s cluster: apply, wait (exit 0 Succeeded, 1 Failed, 2 timeout), check:",
                step.run_on
            ));
            out.push(
                cr.apply_command()
                    .replacen(" -f -", &format!(" -f {file}"), 1),
            );
            out.extend(
                cr.wait_script(options.wait_timeout())
                    .lines()
                    .map(str::to_owned),
            );
            out.push(check_command(&cr, &file, &expect_flags(&step.expect)));
        }
    }
    out.push(String::new());
    if let Workflow::Resync { to, .. } = &first.workflow {
        out.push(format!(
            "# Done: scale Keycloak on {to} back to its original count."
        ));
    } else if let Workflow::Synchronize { to, .. } = &first.workflow {
        out.push(format!(
            "# Done: start Keycloak on {to} again, then runbook bring-online --site {to}."
        ));
    } else if let Workflow::BringOnline { site } = &first.workflow {
        out.push(format!("# Done: put {site} back in the load balancer."));
    } else {
        out.push("# Done.".to_owned());
    }
    Ok(out.join("\n") + "\n")
}

/// `site-b online, site-c offline` from a per-site list, or why it could not be read.
fn describe_per_site<T: std::fmt::Display>(list: &Result<Vec<(String, T)>, String>) -> String {
    match list {
        Ok(list) => list
            .iter()
            .map(|(site, status)| format!("{site} {status}"))
            .collect::<Vec<_>>()
            .join(", "),
        Err(e) => format!("unreadable ({e})"),
    }
}
