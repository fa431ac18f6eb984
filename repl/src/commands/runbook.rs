//! `runbook status|fence|resync|sites`: the Keycloak multi-site runbooks over both sites at once.
//!
//! The workflows are the SDK's ([`xsite::runbook`]): a [`Plan`] of steps, each on one site, each
//! verified before the next, with the interlocks (a cache is never cleared unless its backup to
//! every site was just seen offline; mixed or unknown statuses are retried until the step's
//! deadline, then the workflow stops with each cache's state and what to run next).
//!
//! - `--dry-run` prints the plan: a header per step, then each cli.sh command (rendered by the
//!   shared command model) and the step's check. Nothing is sent.
//! - A real run prints a log of the same shape: each step's header, each command with its
//!   result (`  <command>  => <result>`), then the check reached; the state transfer's progress
//!   goes to stderr (spinners on a terminal, lines otherwise).
//! - `--emit-batch` prints the workflow as Batch CRs, one per step, each marked with the site
//!   it must be applied on, with the commands to wait for it and check its log in between.
//!
//! Sites are named (`site-a`, `site-b`); their URLs and credentials come from `--site-url`, the
//! profile, or `--demo` (see [`crate::sites`]). Exit codes: 0 done, 2 usage or configuration,
//! 3 stopped by an interlock or a postcondition (nothing more is sent), 1 for `status` when
//! something is degraded.

use std::time::{Duration, Instant, SystemTime};

use xsite::CacheSet;
use xsite::runbook::{self, Check, Event, Options, Plan, RunbookError, StatusReport, Workflow};
use xsite_batch::cr::{ANNOTATION_APPLY_ON, LABEL_SITE};
use xsite_batch::procedures::{self, Expectation};

use crate::commands::batch_cr::{BatchOptions, cr_error};
use crate::console::{Console, Reply};
use crate::error::{CliError, CliResult, Kind};
use crate::progress::Progress;
use crate::session::Session;

/// `runbook`: the Keycloak multi-site runbooks.
#[derive(Debug, Clone, clap::Args)]
#[command(about = "The Keycloak multi-site runbooks over both sites: status, fence, resync")]
pub struct RunbookArgs {
    /// The workflow.
    #[command(subcommand)]
    pub workflow: RunbookCommand,
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
    /// Lists the configured sites (URL, user, where the password comes from; never the password).
    Sites(SitesArgs),
}

/// Options of every workflow.
#[derive(Debug, Clone, clap::Args)]
pub struct CommonArgs {
    /// The caches: keycloak-25 (the eight of Keycloak 25 and earlier, the default), keycloak-26
    /// (its four), or a comma-separated list.
    #[arg(long = "cache-set", value_name = "SET", default_value = "keycloak-25")]
    pub cache_set: String,

    /// A site's REST endpoint, NAME=URL (site-a=https://…:11222); may be
    /// repeated. Kept for the rest of the session.
    #[arg(long = "site-url", value_name = "NAME=URL")]
    pub site_urls: Vec<String>,
}

impl CommonArgs {
    /// The cache set named by `--cache-set`.
    pub fn caches(&self) -> CliResult<CacheSet> {
        cache_set(&self.cache_set)
    }
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
        return Err(CliError::config(
            "--cache-set: give keycloak-25, keycloak-26, or a comma-separated list of caches",
        ));
    }
    Ok(CacheSet::custom(names))
}

/// Options of the workflows that change something.
#[derive(Debug, Clone, clap::Args)]
pub struct RunArgs {
    /// Prints the plan (each step's site, cli.sh commands and check) and sends nothing.
    #[arg(long = "dry-run")]
    pub dry_run: bool,

    /// Seconds a step may take to reach its postcondition (default 60).
    #[arg(long = "step-deadline", value_name = "SECS")]
    pub step_deadline: Option<f64>,

    /// Seconds the state transfer may take (default 1800).
    #[arg(long = "push-deadline", value_name = "SECS")]
    pub push_deadline: Option<f64>,

    /// Prints the workflow as Batch CRs (one per step, marked with its site), with the checks
    /// to run between them; sends nothing. Needs --cluster.
    #[arg(long = "emit-batch")]
    pub emit_batch: bool,

    /// For --emit-batch: cluster, namespace, resources.
    #[command(flatten)]
    pub batch: BatchOptions,
}

impl RunArgs {
    fn options(&self, caches: CacheSet) -> CliResult<Options> {
        let mut options = Options {
            caches,
            ..Options::default()
        };
        let secs = |value: f64, name: &str| {
            if value.is_finite() && value > 0.0 {
                Ok(Duration::from_secs_f64(value))
            } else {
                Err(CliError::config(format!(
                    "--{name} takes a number of seconds above 0"
                )))
            }
        };
        if let Some(value) = self.step_deadline {
            options.step_deadline = secs(value, "step-deadline")?;
        }
        if let Some(value) = self.push_deadline {
            options.push_deadline = secs(value, "push-deadline")?;
        }
        Ok(options)
    }
}

/// `runbook status`.
#[derive(Debug, Clone, clap::Args)]
pub struct StatusArgs {
    /// Prints what would be read from each site (as cli.sh commands) and sends nothing.
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

/// `runbook sites`.
#[derive(Debug, Clone, clap::Args)]
pub struct SitesArgs {
    /// Adds or changes a site (NAME=URL); may be repeated.
    #[arg(long = "site-url", value_name = "NAME=URL")]
    pub site_urls: Vec<String>,
}

/// Runs a `runbook` command.
pub fn run(session: &mut Session, console: &mut Console, args: &RunbookArgs) -> CliResult<Reply> {
    match &args.workflow {
        RunbookCommand::Status(a) => status(session, console, a),
        RunbookCommand::Fence(a) => fence(session, console, a),
        RunbookCommand::Resync(a) => resync(session, console, a),
        RunbookCommand::Sites(a) => {
            add_sites(session, &a.site_urls)?;
            if session.sites.is_empty() {
                console.line("no site configured: use --site-url NAME=URL, a profile (--profile FILE, ~/.config/xsite/sites.toml), or --demo");
            }
            for line in session.sites.describe() {
                console.line(&line);
            }
            Ok(Reply::Nothing)
        }
    }
}

fn add_sites(session: &mut Session, urls: &[String]) -> CliResult {
    for spec in urls {
        session.sites.set_url(spec)?;
    }
    Ok(())
}

/// The clients of the configured sites, checking that `needed` are among them.
fn connect(session: &mut Session, needed: &[&str]) -> CliResult<runbook::Sites> {
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
            .with_hint(
                "name each site's URL: --site-url site-a=https://… (or a profile, or --demo)",
            ));
        }
    }
    let tls = session.tls.clone();
    session.sites.connect(&tls, session.prompter.as_mut())
}

// ---- Plans and logs, printed the same way.

/// What a check verifies, for a person.
pub fn describe_check(check: &Check) -> String {
    match check {
        Check::Offline { backup } => format!("every cache's backup to {backup} is offline"),
        Check::Online { backup } => format!("every cache's backup to {backup} is online"),
        Check::OfflineBeforeEachClear => {
            "each cache is cleared only right after its backups were seen offline".to_owned()
        }
        Check::PushOk { backup } => {
            format!("every cache's push to {backup} is OK (a cache in ERROR is pushed again)")
        }
        Check::PushIdle => "every cache's push status is IDLE".to_owned(),
        _ => "none".to_owned(),
    }
}

/// The header of a plan, in a dry run and in a log.
pub fn plan_header(plan: &Plan) -> Vec<String> {
    let mut lines = vec![format!("# runbook: {}", plan.workflow)];
    match &plan.workflow {
        Workflow::Resync { from, to } => {
            lines.push(format!(
                "# {to}'s cache contents are discarded and replaced by {from}'s (Keycloak procedure 3; with the roles swapped, procedure 4)"
            ));
            lines.push(format!(
                "# before: scale Keycloak on {to} to 0; after: scale it back"
            ));
        }
        Workflow::Fence { site } => lines.push(format!(
            "# {site} stops receiving replication from the sites that stay (Keycloak procedure 1)"
        )),
    }
    lines.push(format!(
        "# caches ({}): {}",
        plan.caches.len(),
        plan.caches.names().join(", ")
    ));
    lines
}

/// A step's header: `step N on SITE: title`.
fn step_header(step: &runbook::Step) -> String {
    format!("step {} on {}: {}", step.number, step.site, step.title)
}

/// The plan as text: the header, then per step its header, its cli.sh commands (each rendered by
/// the shared command model) and its check.
pub fn render_plan(plan: &Plan) -> Vec<String> {
    let mut lines = plan_header(plan);
    for step in &plan.steps {
        lines.push(step_header(step));
        for action in &step.actions {
            lines.push(format!("  {}", procedures::render(action)));
        }
        lines.push(format!("  check: {}", describe_check(&step.check)));
    }
    lines
}

/// Prints the log of a running plan from its events.
struct Log<'a> {
    console: &'a mut Console,
    progress: Progress,
    check: Option<Check>,
    receiver: Option<String>,
}

impl Log<'_> {
    fn line(&mut self, text: &str) {
        let console = &mut *self.console;
        self.progress.print(|| console.line(text));
    }

    fn event(&mut self, event: Event) {
        match event {
            Event::StepStarted(step) => {
                self.receiver = match &step.check {
                    Check::PushOk { backup } => Some(backup.clone()),
                    _ => None,
                };
                self.check = Some(step.check.clone());
                self.line(&step_header(&step));
            }
            Event::ActionDone { action, result, .. } => {
                self.line(&format!("  {}  => {result}", procedures::render(&action)));
            }
            Event::Waiting { detail, .. } => {
                self.line(&format!("  waiting: {detail}"));
            }
            Event::PushProgress {
                cache,
                status,
                elapsed,
            } => {
                let site = self.receiver.clone().unwrap_or_default();
                self.progress
                    .update(self.console, &site, &cache, &status, elapsed);
            }
            Event::StepFinished { elapsed, .. } => {
                self.progress.finish();
                let check = self
                    .check
                    .take()
                    .map(|c| describe_check(&c))
                    .unwrap_or_default();
                self.line(&format!(
                    "  check: {check}: reached in {:.1}s",
                    elapsed.as_secs_f64()
                ));
            }
            _ => {}
        }
    }
}

/// A stopped workflow as a CLI error: the whole report, exit 3 (2 when nothing could start
/// because the sites are not configured).
pub fn stopped(error: &RunbookError) -> CliError {
    let kind = if error.step == 0 {
        Kind::Config
    } else {
        Kind::Stopped
    };
    let mut message = format!("STOPPED: {error}");
    if let Some(source) = &error.source {
        message.push_str(&format!("\ncause: {source}"));
    }
    CliError::new(kind, message)
}

/// What a run sends.
enum Job<'a> {
    /// These plans, in order.
    Plans(&'a [Plan]),
    /// The SDK's fence of a site, from every other site.
    FenceAll(&'a str),
}

/// Runs a job with its log and progress on `console`; `plans` are printed as the header.
fn run_logged(
    session: &Session,
    console: &mut Console,
    plans: &[Plan],
    sites: &runbook::Sites,
    options: &Options,
    job: Job<'_>,
) -> CliResult<Reply> {
    let started = Instant::now();
    if let Some(plan) = plans.first() {
        for line in plan_header(plan) {
            console.line(&line);
        }
    }
    let terminal = console.stderr_tty;
    let mut log = Log {
        console,
        progress: Progress::new(terminal),
        check: None,
        receiver: None,
    };
    let result = {
        let mut observer = |event: Event| log.event(event);
        session.block_on(async {
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
    log.progress.finish();
    match result {
        Ok(()) => {
            let workflow = plans
                .first()
                .map(|p| p.workflow.to_string())
                .unwrap_or_default();
            log.console.line(&format!(
                "done: {workflow} in {:.1}s",
                started.elapsed().as_secs_f64()
            ));
            Ok(Reply::Nothing)
        }
        Err(error) => Err(stopped(&error)),
    }
}

fn print_dry_run(console: &mut Console, plans: &[Plan]) -> CliResult<Reply> {
    console.line("# dry run: nothing is sent");
    for plan in plans {
        for line in render_plan(plan) {
            console.line(&line);
        }
    }
    Ok(Reply::Nothing)
}

fn fence(session: &mut Session, console: &mut Console, args: &FenceArgs) -> CliResult<Reply> {
    add_sites(session, &args.common.site_urls)?;
    let caches = args.common.caches()?;
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
    let plans: Vec<Plan> = from
        .iter()
        .map(|stay| Plan::fence(&args.site, stay, &caches))
        .collect();
    if args.run.emit_batch {
        let text = emit_batches(&plans, &args.run.batch, None)?;
        console.line(text.trim_end_matches('\n'));
        return Ok(Reply::Nothing);
    }
    if args.run.dry_run {
        return print_dry_run(console, &plans);
    }
    let options = args.run.options(caches)?;
    let mut needed: Vec<&str> = vec![args.site.as_str()];
    needed.extend(from.iter().map(String::as_str));
    let sites = connect(session, &needed)?;
    let job = if args.from.is_empty() {
        Job::FenceAll(&args.site)
    } else {
        Job::Plans(&plans)
    };
    run_logged(session, console, &plans, &sites, &options, job)
}

fn resync(session: &mut Session, console: &mut Console, args: &ResyncArgs) -> CliResult<Reply> {
    add_sites(session, &args.common.site_urls)?;
    if args.from == args.to {
        return Err(CliError::config(format!(
            "--from and --to are both {}: a resync copies one site onto another",
            args.from
        )));
    }
    let caches = args.common.caches()?;
    let plan = Plan::resync(&args.from, &args.to, &caches);
    if args.run.emit_batch {
        let text = emit_batches(std::slice::from_ref(&plan), &args.run.batch, None)?;
        console.line(text.trim_end_matches('\n'));
        return Ok(Reply::Nothing);
    }
    if args.run.dry_run {
        return print_dry_run(console, std::slice::from_ref(&plan));
    }
    let options = args.run.options(caches)?;
    let sites = connect(session, &[&args.from, &args.to])?;
    let plans = [plan];
    run_logged(
        session,
        console,
        &plans,
        &sites,
        &options,
        Job::Plans(&plans),
    )
}

fn status(session: &mut Session, console: &mut Console, args: &StatusArgs) -> CliResult<Reply> {
    add_sites(session, &args.common.site_urls)?;
    let caches = args.common.caches()?;
    if session.sites.is_empty() {
        return Err(CliError::config("no site is configured").with_hint(
            "name each site's URL: --site-url site-a=https://… (or a profile, or --demo)",
        ));
    }
    if args.dry_run {
        console.line("# dry run: nothing is sent");
        console.line("# runbook: status (reads only)");
        let names = session.sites.names();
        for site in &names {
            console.line(&format!("{site}:"));
            console.line("  site view");
            for other in names.iter().filter(|o| *o != site) {
                console.line(&format!(
                    "  {}",
                    xsite_batch::script::Command::status_all(other).render()
                ));
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
                    console.line(&format!("  {}", procedures::render(&action)));
                }
            }
        }
        return Ok(Reply::Nothing);
    }
    let sites = connect(session, &[])?;
    let report = session.block_on(runbook::status(&sites, &caches));
    for line in render_status(&report) {
        console.line(&line);
    }
    if report.is_healthy() {
        Ok(Reply::Nothing)
    } else {
        Err(CliError::new(Kind::Check, "").with_hint("something is degraded: see the list above"))
    }
}

/// The status report as text: per site, its sites view, the all-caches status toward each
/// other site, one row per cache, then everything degraded.
pub fn render_status(report: &StatusReport) -> Vec<String> {
    let mut lines = Vec::new();
    for site in &report.sites {
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
    if report.is_healthy() {
        lines.push("healthy: nothing degraded".to_owned());
    } else {
        lines.push(format!("degraded ({}):", report.degraded.len()));
        for d in &report.degraded {
            match &d.cache {
                Some(cache) => lines.push(format!("  {} {cache}: {}", d.site, d.what)),
                None => lines.push(format!("  {}: {}", d.site, d.what)),
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
    for line in plan_header(first).into_iter().skip(1) {
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
            out.push(format!(
                "{} | xsite batch-check --batch {file}{} -",
                cr.logs_command(),
                expect_flags(&step.expect)
            ));
        }
    }
    out.push(String::new());
    if let Workflow::Resync { to, .. } = &first.workflow {
        out.push(format!(
            "# Done: scale Keycloak on {to} back to its original count."
        ));
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
