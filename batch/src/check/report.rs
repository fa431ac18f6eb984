//! What a check finds: the report, its failures and outputs.

use std::fmt;

use serde_json::Value;

use xsite_clish::{Command, SiteCommand};

/// A command of the script, as named in a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandRef {
    /// Its 1-based line in the script.
    pub line: usize,
    /// Its text.
    pub text: String,
}

impl fmt::Display for CommandRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.text)
    }
}

/// What kind of failure was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureKind {
    /// A command printed an error.
    CommandError,
    /// The batch stopped at a line (`Error executing file` / `Batch error`).
    BatchAborted {
        /// The script line named by cli.sh.
        line: Option<usize>,
        /// The exception line that followed, if any.
        detail: Option<String>,
    },
    /// A cache's answer in an `--all-caches` map is not `"ok"`.
    CacheNotOk {
        /// The cache.
        cache: String,
        /// Its answer.
        value: String,
    },
    /// An `--all-caches` map with no cache at all: nothing was done.
    NoCaches,
    /// A push-state status is `ERROR` (or the status could not be collected).
    PushStateError {
        /// The site (or `ERROR` when the collection failed).
        site: String,
        /// The status, or the collection error.
        status: String,
    },
    /// `site clear-push-site-status` answered something other than `"ok"`.
    NotOk {
        /// The answer.
        value: String,
    },
    /// A group without a sub-command printed its usage (the command failed).
    Usage,
    /// A command that always prints something printed nothing.
    MissingOutput,
    /// Output that the command does not print.
    UnexpectedOutput,
    /// The batch stopped before this command.
    NotRun,
    /// Text that looks like an error, from no known source.
    Unrecognized,
    /// The log holds nothing cli.sh prints: it is empty (a failed `oc logs`, the wrong job or
    /// container) or not a Batch log. Nothing can be verified from it.
    EmptyLog,
}

/// One failure found in a log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// What kind.
    pub kind: FailureKind,
    /// The 1-based line of the log, if the failure is in the log.
    pub log_line: Option<usize>,
    /// The log text (without colour codes), or a description.
    pub text: String,
    /// The command it belongs to, when known.
    pub command: Option<CommandRef>,
    /// When the command is a guess: the script lines it may belong to.
    pub candidates: Vec<usize>,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match &self.kind {
            FailureKind::CommandError => "error".to_owned(),
            FailureKind::BatchAborted { .. } => "batch stopped".to_owned(),
            FailureKind::CacheNotOk { cache, .. } => format!("cache '{cache}' not ok"),
            FailureKind::NoCaches => "no cache answered".to_owned(),
            FailureKind::PushStateError { site, .. } => format!("push state to '{site}' failed"),
            FailureKind::NotOk { .. } => "not ok".to_owned(),
            FailureKind::Usage => "usage printed (the command failed)".to_owned(),
            FailureKind::MissingOutput => "no output".to_owned(),
            FailureKind::UnexpectedOutput => "unexpected output".to_owned(),
            FailureKind::NotRun => "not run".to_owned(),
            FailureKind::Unrecognized => "unrecognized error output".to_owned(),
            FailureKind::EmptyLog => "nothing to check".to_owned(),
        };
        write!(f, "{what}")?;
        if let Some(line) = self.log_line {
            write!(f, " (log line {line})")?;
        }
        if let Some(command) = &self.command {
            write!(f, " [{command}]")?;
            if self.candidates.len() > 1 {
                let lines: Vec<String> = self.candidates.iter().map(ToString::to_string).collect();
                write!(
                    f,
                    " (or one of script lines {}: no marker to tell)",
                    lines.join(", ")
                )?;
            }
        }
        write!(f, ": {}", self.text)?;
        if let FailureKind::BatchAborted {
            detail: Some(detail),
            ..
        } = &self.kind
        {
            write!(f, " / {detail}")?;
        }
        Ok(())
    }
}

/// A recognized output, with the command it belongs to when known.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    /// The first 1-based log line.
    pub log_line: usize,
    /// The command, when known.
    pub command: Option<CommandRef>,
    /// The value: JSON when the output is JSON, else a string of the text.
    pub value: Value,
}

/// What [`check_log`](super::check_log) found.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CheckReport {
    /// Every failure, in log order (then commands that did not run).
    pub failures: Vec<Failure>,
    /// Every recognized output.
    pub outputs: Vec<Output>,
    /// Lines that match nothing and do not look like errors (JVM notices and the like).
    pub unrecognized: Vec<(usize, String)>,
}

impl CheckReport {
    /// Whether no failure was found.
    pub fn is_success(&self) -> bool {
        self.failures.is_empty()
    }

    /// The JSON outputs of the command on `script_line`.
    pub fn outputs_of(&self, script_line: usize) -> impl Iterator<Item = &Value> {
        self.outputs
            .iter()
            .filter(move |o| o.command.as_ref().is_some_and(|c| c.line == script_line))
            .map(|o| &o.value)
    }

    /// The last `"status"` printed by `site status --all-caches --site=<site>` in the script
    /// (`online`, `offline` or `mixed`).
    pub fn container_site_status(&self, site: &str) -> Option<&str> {
        self.outputs
            .iter()
            .rev()
            .filter(|o| {
                o.command
                    .as_ref()
                    .is_some_and(|c| is_container_status_of(&c.text, site))
            })
            .find_map(|o| o.value.get("status").and_then(Value::as_str))
    }

    /// The push-state statuses printed by `site push-site-status`: (cache, site, status).
    pub fn push_statuses(&self) -> Vec<(String, String, String)> {
        let mut out = Vec::new();
        for o in &self.outputs {
            let Some(cache) = o.command.as_ref().and_then(|c| push_status_cache(&c.text)) else {
                continue;
            };
            if let Some(map) = o.value.as_object() {
                for (site, status) in map {
                    if let Some(status) = status.as_str() {
                        out.push((cache.clone(), site.clone(), status.to_owned()));
                    }
                }
            }
        }
        out
    }
}

fn is_container_status_of(command_text: &str, site: &str) -> bool {
    matches!(
        xsite_clish::parse_line(command_text),
        Ok(Some(Command::Site(SiteCommand::Status { all_caches: true, site: Some(s), .. }))) if s == site
    )
}

fn push_status_cache(command_text: &str) -> Option<String> {
    match xsite_clish::parse_line(command_text) {
        Ok(Some(Command::Site(SiteCommand::PushSiteStatus { cache }))) => Some(cache),
        _ => None,
    }
}

impl fmt::Display for CheckReport {
    /// `OK` or `FAILED`, then one failure per line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_success() {
            writeln!(f, "OK: no failure found")?;
        } else {
            writeln!(f, "FAILED: {} failure(s)", self.failures.len())?;
            for failure in &self.failures {
                writeln!(f, "- {failure}")?;
            }
        }
        for (line, text) in &self.unrecognized {
            writeln!(f, "  note: unrecognized output on log line {line}: {text}")?;
        }
        Ok(())
    }
}
