//! `batch-check [FILE|-]`: reads a Batch job's log (`oc logs job/<name> -c batch`) and reports
//! every failed command and every cache whose answer is not "ok".
//!
//! With the script that ran (`--script FILE`, or `--batch FILE`: the YAML `batch-cr` printed),
//! each output is tied to its command. With `--expect-…`, the log must also show a runbook
//! step's postcondition (status offline/online, every push OK, each cache offline when
//! cleared). Exit codes: 0 no failure, 1 a failure, 2 usage, 4 the step ran but its
//! postcondition is not reached yet (apply it again under a new name).

use std::io::{IsTerminal, Read};

use xsite_batch::check::{check_log, check_log_with_script};
use xsite_batch::cr::BatchCr;
use xsite_batch::procedures::{Expectation, Verdict};
use xsite_batch::script::{NoVars, Parser, Script};

use crate::console::{Console, Reply};
use crate::error::{CliError, CliResult, Kind};

/// `batch-check`: checks a Batch job's log.
#[derive(Debug, Clone, clap::Args)]
#[command(
    about = "Checks a Batch job's log (oc logs job/<name> -c batch): every failed command and every cache not \"ok\""
)]
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

/// Runs `batch-check`.
pub fn run(console: &mut Console, args: &BatchCheckArgs) -> CliResult<Reply> {
    let expectation = args.expectation()?;
    let script = script(args)?;
    let log = read(args.log.as_deref(), "log")?;
    let report = match &script {
        Some(script) => check_log_with_script(&log, script),
        None => check_log(&log),
    };
    for line in report.to_string().lines() {
        console.line(line);
    }
    if !report.is_success() {
        return Err(CliError::new(Kind::Check, "")
            .with_hint("do not apply the next step: read the failures above"));
    }
    let Some(expectation) = expectation else {
        return Ok(Reply::Nothing);
    };
    match expectation.verdict(&report) {
        Verdict::Done => {
            console.line(&format!("OK: {}", expectation.describe()));
            Ok(Reply::Nothing)
        }
        Verdict::Repeat(why) => Err(CliError::new(Kind::NotYet, format!("NOT YET: {why}"))
            .with_hint("apply this step again under a new name, then check its log")),
        Verdict::Failed(why) => Err(CliError::new(Kind::Check, format!("FAILED: {why}"))),
    }
}
