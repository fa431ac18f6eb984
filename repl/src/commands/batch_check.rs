//! `batch-check [FILE|-]`: reads a Batch job's log (`oc logs job/<name> -c batch`) and reports
//! every failed command and every cache whose answer is not "ok".
//!
//! With the script that ran (`--script FILE`, or `--batch FILE`: the YAML `batch-cr` printed),
//! each output is tied to its command. With `--expect-…`, the log must also show a runbook
//! step's postcondition (status offline/online, every push OK, each cache offline when
//! cleared). Exit codes: 0 no failure, 1 a failure, 2 usage, 4 the step ran but its
//! postcondition is not reached yet (apply it again under a new name).

use std::io::{IsTerminal, Read};

use serde_json::{Value, json};
use xsite_batch::check::{CheckReport, FailureKind, check_log, check_log_with_script};
use xsite_batch::cr::BatchCr;
use xsite_batch::procedures::{Expectation, Verdict};
use xsite_clish::{NoVars, Parser, Script};

use crate::commands::runbook::JSON_VERSION;
use crate::console::{Console, Format, Reply};
use crate::error::{CliError, CliResult, Kind};

/// `batch-check`: checks a Batch job's log (its help text is [`super::Extension`]'s).
#[derive(Debug, Clone, clap::Args)]
pub struct BatchCheckArgs {
    /// The log file ("-" or nothing: standard input).
    #[arg(value_name = "FILE|-")]
    pub log: Option<String>,

    /// The script that ran, to tie each output to its command.
    #[arg(long, value_name = "FILE", conflicts_with = "batch")]
    pub script: Option<String>,

    /// The Batch YAML that ran (as batch-cr printed it), to tie each output to its command.
    #[arg(long, value_name = "FILE")]
    pub batch: Option<String>,

    /// The log must show `site status --all-caches --site=SITE` as STATUS (online|offline).
    #[arg(long = "expect-status", value_name = "SITE=STATUS")]
    pub expect_status: Option<String>,

    /// The log must show every cache's push to SITE as OK.
    #[arg(long = "expect-push-ok", value_name = "SITE")]
    pub expect_push_ok: Option<String>,

    /// The log must show each cache's backups offline right before its clear.
    #[arg(long = "expect-caches-offline")]
    pub expect_caches_offline: bool,
}

impl BatchCheckArgs {
    fn expectation(&self) -> CliResult<Option<Expectation>> {
        if let Some(spec) = &self.expect_status {
            let (site, status) = spec.split_once('=').ok_or_else(|| {
                CliError::config(format!("--expect-status takes SITE=STATUS, not '{spec}'"))
            })?;
            let status = match status {
                "online" => "online",
                "offline" => "offline",
                other => {
                    return Err(CliError::config(format!(
                        "--expect-status: the status is online or offline, not '{other}'"
                    )));
                }
            };
            return Ok(Some(Expectation::SiteStatus {
                site: site.to_owned(),
                status,
            }));
        }
        if let Some(site) = &self.expect_push_ok {
            return Ok(Some(Expectation::PushStatusOk { site: site.clone() }));
        }
        if self.expect_caches_offline {
            return Ok(Some(Expectation::CachesOffline));
        }
        Ok(None)
    }
}

fn read(path: Option<&str>, what: &str) -> CliResult<String> {
    match path {
        None | Some("-") => {
            if std::io::stdin().is_terminal() {
                return Err(CliError::config(format!(
                    "no {what}: pipe it in (oc logs job/<name> -c batch | xsite batch-check) or give a file"
                )));
            }
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| CliError::config(format!("Cannot read standard input: {e}")))?;
            Ok(text)
        }
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| CliError::config(format!("Cannot read the {what} {path}: {e}"))),
    }
}

/// The script that ran, from `--script` or `--batch`.
fn script(args: &BatchCheckArgs) -> CliResult<Option<Script>> {
    let (name, text) = if let Some(path) = &args.script {
        (path.clone(), read(Some(path), "script")?)
    } else if let Some(path) = &args.batch {
        let yaml = read(Some(path), "Batch YAML")?;
        let cr = BatchCr::from_yaml(&yaml).map_err(|e| CliError::config(format!("{path}: {e}")))?;
        let text = cr
            .script_text()
            .ok_or_else(|| {
                CliError::config(format!(
                    "{path}: the Batch names a ConfigMap that is not in the file; give --script"
                ))
            })?
            .to_owned();
        (xsite_batch::cr::SCRIPT_PATH.to_owned(), text)
    } else {
        return Ok(None);
    };
    // Invalid lines are kept: the check reports the batch stopping there.
    Ok(Some(
        Parser::new().parse_script_lines(&name, &text, &NoVars),
    ))
}

/// What to run about the failures of a report: a push that ended in `ERROR` is pushed again
/// (a Batch runs once: a new one, under a new name).
fn next_steps(report: &CheckReport) -> Vec<String> {
    let mut next = Vec::new();
    for failure in &report.failures {
        let FailureKind::PushStateError { site, .. } = &failure.kind else {
            continue;
        };
        let cache = failure
            .command
            .as_ref()
            .and_then(|c| match xsite_clish::parse_line(&c.text) {
                Ok(Some(xsite_clish::Command::Site(
                    xsite_clish::SiteCommand::PushSiteStatus { cache },
                ))) => Some(cache),
                _ => None,
            });
        let line = match cache {
            Some(cache) => format!(
                "push {cache} to {site} again, on this site: xsite batch-cr --cluster <cluster> 'site push-site-state --cache={cache} --site={site}' 'site push-site-status --cache={cache}' > repush-{cache}.yaml; apply it, then check its log with --expect-push-ok {site} (exit 4: check again later)"
            ),
            None => format!(
                "push each cache in ERROR to {site} again, on this site: site push-site-state --cache=<cache> --site={site} (as a new Batch), then check its log with --expect-push-ok {site}"
            ),
        };
        if !next.contains(&line) {
            next.push(line);
        }
    }
    next
}

/// The report as JSON (version 1): the verdict, every failure, what to run next, notes.
fn report_json(report: &CheckReport, verdict: &str, why: Option<&str>, next: &[String]) -> Value {
    json!({
        "version": JSON_VERSION,
        "verdict": verdict,
        "reason": why,
        "failures": report.failures.iter().map(|f| json!({
            "kind": failure_kind(&f.kind),
            "log_line": f.log_line,
            "command": f.command.as_ref().map(|c| json!({"line": c.line, "text": c.text})),
            "text": f.text,
            "description": f.to_string(),
        })).collect::<Vec<_>>(),
        "next": next,
        "notes": report.unrecognized.iter().map(|(line, text)| json!({"log_line": line, "text": text})).collect::<Vec<_>>(),
    })
}

/// A failure's kind, for JSON.
fn failure_kind(kind: &FailureKind) -> &'static str {
    match kind {
        FailureKind::CommandError => "command-error",
        FailureKind::BatchAborted { .. } => "batch-aborted",
        FailureKind::CacheNotOk { .. } => "cache-not-ok",
        FailureKind::NoCaches => "no-caches",
        FailureKind::PushStateError { .. } => "push-state-error",
        FailureKind::NotOk { .. } => "not-ok",
        FailureKind::Usage => "usage",
        FailureKind::MissingOutput => "missing-output",
        FailureKind::UnexpectedOutput => "unexpected-output",
        FailureKind::NotRun => "not-run",
        FailureKind::Unrecognized => "unrecognized",
        FailureKind::EmptyLog => "empty-log",
    }
}

/// Runs `batch-check`: one verdict line (OK, NOT YET or FAILED), then the failures and what
/// to run next, on stdout.
pub fn run(console: &mut Console, args: &BatchCheckArgs) -> CliResult<Reply> {
    let expectation = args.expectation()?;
    let script = script(args)?;
    let log = read(args.log.as_deref(), "log")?;
    let report = match &script {
        Some(script) => check_log_with_script(&log, script),
        None => check_log(&log),
    };
    let next = next_steps(&report);
    // One verdict, decided before anything is printed.
    let (kind, headline, why) = if !report.is_success() {
        (
            Some(Kind::Check),
            format!("FAILED: {} failure(s)", report.failures.len()),
            None,
        )
    } else {
        match expectation.as_ref().map(|e| (e, e.verdict(&report))) {
            None => (None, "OK: no failure found".to_owned(), None),
            Some((e, Verdict::Done)) => (None, format!("OK: {}", e.describe()), None),
            Some((_, Verdict::Repeat(why))) => {
                (Some(Kind::NotYet), format!("NOT YET: {why}"), Some(why))
            }
            Some((_, Verdict::Failed(why))) => {
                (Some(Kind::Check), format!("FAILED: {why}"), Some(why))
            }
        }
    };
    let verdict = match kind {
        None => "ok",
        Some(Kind::NotYet) => "not-yet",
        Some(_) => "failed",
    };
    if console.format == Format::Json {
        let doc = report_json(&report, verdict, why.as_deref(), &next);
        return match kind {
            None => Ok(Reply::Json(doc)),
            Some(kind) => {
                let mut error = CliError::new(kind, headline);
                error.printed = Some(Box::new(Reply::Json(doc)));
                Err(error)
            }
        };
    }
    console.line(&headline);
    for failure in &report.failures {
        console.line(&format!("- {failure}"));
    }
    for line in &next {
        console.line(&format!("next: {line}"));
    }
    for (line, text) in &report.unrecognized {
        console.line(&format!(
            "  note: unrecognized output on log line {line}: {text}"
        ));
    }
    match kind {
        None => Ok(Reply::Nothing),
        Some(Kind::NotYet) => Err(CliError::new(Kind::NotYet, "")
            .with_hint("apply this step again under a new name, then check its log")),
        Some(kind) => Err(CliError::new(kind, "")
            .with_hint("do not apply the next step: read the failures above")),
    }
}
