//! Reading the log of a Batch job (`oc logs job/<name> -c batch`) for failed commands.
//!
//! cli.sh's batch output is every command's output, in order, without the commands echoed:
//! - REST answers pretty-printed (`{`, `  "work" : "ok",`, `}`), or a JSON string (`"ok"`), or
//!   raw text (`[site-a, site-b]`, `site-a`, `true`), or nothing;
//! - a command that fails at run time prints one red line (`Not Found: …`, `Error: …`,
//!   `The user is not allowed…`, the CLI's option messages…) and, before 16.0.9, the batch goes
//!   on;
//! - a line that does not parse aborts the batch: `Error executing file: <file>, line <n>:
//!   '<line>'` then `<Exception>: <message>` (up to 16.0.8), or `Batch error: <file>, line <n>:
//!   '<line>'` (16.0.9 and later, after any failed line);
//! - `site` or `site state-transfer-mode` without a sub-command prints its usage and fails.
//!
//! Whatever the version, an `--all-caches` action succeeds with a per-cache map whose values
//! may be errors; [`check_log`] reports every value other than `"ok"`. It is strict: output that
//! looks like an error but matches nothing known is a failure too.
//!
//! Given the script ([`check_log_with_script`]), outputs are matched to commands: exactly when
//! the script has `echo` markers ([`Script::with_markers`], which the Batch builder adds), else
//! in order, as well as the output allows.

use std::fmt;

use serde_json::Value;

use xsite_clish::{BATCH_ERROR, ERROR_EXECUTING_FILE, ERROR_LINE_BEGINNINGS, MARKER_PREFIX};
use xsite_clish::{Command, LineItem, Script, SiteAction, SiteCommand};

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

/// What [`check_log`] found.
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

// ---- Reading the log into items.

/// One line of the log.
#[derive(Debug, Clone)]
struct LogLine {
    number: usize,
    text: String,
    red: bool,
}

/// Strips ANSI escape sequences; tells whether one of them turned the text red.
fn strip_ansi(line: &str) -> (String, bool) {
    let mut out = String::with_capacity(line.len());
    let mut red = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            out.push(c);
            continue;
        }
        if chars.peek() != Some(&'[') {
            continue;
        }
        chars.next();
        let mut params = String::new();
        for c in chars.by_ref() {
            if ('@'..='~').contains(&c) {
                if c == 'm' && params.split(';').any(|p| p == "31" || p == "91") {
                    red = true;
                }
                break;
            }
            params.push(c);
        }
    }
    (out, red)
}

#[derive(Debug, Clone, PartialEq)]
enum ItemKind {
    /// `xsite-step-<n>`.
    Marker(usize),
    /// A JSON value (possibly over several lines).
    Json(Value),
    /// A usage block.
    Usage,
    /// `Error executing file` / `Batch error`, with the script line and the exception line.
    Abort {
        line: Option<usize>,
        detail: Option<String>,
    },
    /// An error line.
    Error,
    /// Any other line.
    Text,
}

#[derive(Debug, Clone)]
struct Item {
    line: usize,
    text: String,
    kind: ItemKind,
}

/// Words that make an unknown line look like an error.
const ERROR_WORDS: &[&str] = &[
    "error",
    "exception",
    "fail",
    "denied",
    "not allowed",
    "unauthorized",
    "forbidden",
    "invalid",
    "unable",
    "cannot",
    "could not",
    "not found",
    "refused",
    "timed out",
    "timeout",
    "unknown",
    "wrong",
    "not available",
    "is required",
    "mutually exclusive",
    "no such",
    "not valid",
    "incorrect",
    "lacks",
    "rejected",
    "unreachable",
];

fn looks_like_error(text: &str) -> bool {
    let lower = text.to_lowercase();
    if ERROR_WORDS.iter().any(|w| lower.contains(w)) {
        return true;
    }
    // Infinispan message ids, `ISPN000287` and the like.
    text.match_indices("ISPN").any(|(i, _)| {
        let rest = &text[i + 4..];
        rest.len() >= 6 && rest[..6].chars().all(|c| c.is_ascii_digit())
    })
}

fn is_error_line(line: &LogLine) -> bool {
    line.red
        || ERROR_LINE_BEGINNINGS
            .iter()
            .any(|p| line.text.starts_with(p))
        || exception_prefix(&line.text)
}

/// `SomeException: message`, as the CLI's catch-all prints it.
fn exception_prefix(text: &str) -> bool {
    text.split_once(": ").is_some_and(|(class, _)| {
        (class.ends_with("Exception") || class.ends_with("Error"))
            && class
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '$')
    })
}

/// `<file>, line <n>: '<text>'` after the abort prefix.
fn abort_line(rest: &str) -> Option<usize> {
    let (_, after) = rest.rsplit_once(", line ")?;
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Brace depth change of a JSON line, ignoring braces inside strings.
fn depth_change(line: &str) -> i32 {
    let mut depth = 0;
    let mut in_string = false;
    let mut escaped = false;
    for c in line.chars() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '{' | '[' => depth += 1,
            '}' | ']' => depth -= 1,
            _ => {}
        }
    }
    depth
}

fn read_items(log: &str) -> Vec<Item> {
    let lines: Vec<LogLine> = log
        .lines()
        .enumerate()
        .map(|(i, raw)| {
            let (text, red) = strip_ansi(raw.trim_end_matches('\r'));
            LogLine {
                number: i + 1,
                text,
                red,
            }
        })
        .collect();
    let mut items = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = &lines[i];
        let text = line.text.as_str();
        let item = |kind: ItemKind| Item {
            line: line.number,
            text: text.to_owned(),
            kind,
        };
        if text.trim().is_empty() {
            i += 1;
            continue;
        }
        if let Some(n) = text
            .strip_prefix(MARKER_PREFIX)
            .and_then(|n| n.parse().ok())
        {
            items.push(item(ItemKind::Marker(n)));
            i += 1;
            continue;
        }
        if let Some(rest) = text
            .strip_prefix(ERROR_EXECUTING_FILE)
            .or_else(|| text.strip_prefix(BATCH_ERROR))
        {
            // Up to 16.0.8 the exception follows on the next line.
            let detail = lines
                .get(i + 1)
                .filter(|next| exception_prefix(&next.text))
                .map(|next| next.text.clone());
            i += 1 + usize::from(detail.is_some());
            let abort = item(ItemKind::Abort {
                line: abort_line(rest),
                detail,
            });
            // From 16.0.9 the same `Batch error` line can be printed twice for one line.
            let duplicate = items.last().is_some_and(|prev: &Item| {
                prev.text == abort.text && matches!(prev.kind, ItemKind::Abort { .. })
            });
            if !duplicate {
                items.push(abort);
            }
            continue;
        }
        if text.starts_with("Usage: ") {
            // The usage, a description line, then options and sub-commands: indented lines,
            // blank lines, and `Options:` / `<group> commands:` headings.
            let mut j = i + 2;
            while let Some(next) = lines.get(j) {
                let t = &next.text;
                let part_of_usage = t.is_empty()
                    || t.starts_with(' ')
                    || t == "Options:"
                    || t.ends_with(" commands:");
                if !part_of_usage {
                    break;
                }
                j += 1;
            }
            items.push(item(ItemKind::Usage));
            i = j.min(lines.len()).max(i + 1);
            continue;
        }
        if !line.red && (text.starts_with('{') || text.starts_with('[') || text.starts_with('"')) {
            let mut depth = 0;
            let mut j = i;
            let mut joined = String::new();
            while let Some(next) = lines.get(j) {
                joined.push_str(&next.text);
                joined.push('\n');
                depth += depth_change(&next.text);
                j += 1;
                if depth <= 0 {
                    break;
                }
            }
            if depth == 0
                && let Ok(value) = serde_json::from_str::<Value>(&joined)
            {
                items.push(Item {
                    line: line.number,
                    text: joined.trim_end().to_owned(),
                    kind: ItemKind::Json(value),
                });
                i = j;
                continue;
            }
        }
        let kind = if is_error_line(line) {
            ItemKind::Error
        } else {
            ItemKind::Text
        };
        items.push(item(kind));
        i += 1;
    }
    items
}

// ---- What each command prints.

#[derive(Debug, Clone, PartialEq)]
enum Expect {
    /// Nothing on success.
    Silent,
    /// A per-cache map of `"ok"` or an error.
    CacheMap,
    /// A JSON object of statuses.
    Status,
    /// A JSON object of push-state statuses.
    PushStatus,
    /// The JSON string `"ok"`.
    OkString,
    /// A JSON string.
    JsonString,
    /// This exact line.
    Echo(String),
    /// One line of text.
    OneLine,
    /// Any number of lines.
    Lines,
    /// A usage block; `false` when printing it means the command failed.
    Usage(bool),
}

fn expect(command: &Command) -> Expect {
    let action = |a: &SiteAction| {
        if a.all_caches {
            Expect::CacheMap
        } else {
            Expect::Silent
        }
    };
    match command {
        Command::Site(site) => match site {
            SiteCommand::Status { .. } => Expect::Status,
            SiteCommand::BringOnline(a)
            | SiteCommand::TakeOffline(a)
            | SiteCommand::PushSiteState(a)
            | SiteCommand::CancelPushState(a) => action(a),
            SiteCommand::CancelReceiveState { .. } | SiteCommand::SetStateTransferMode { .. } => {
                Expect::Silent
            }
            SiteCommand::PushSiteStatus { .. } => Expect::PushStatus,
            SiteCommand::ClearPushSiteStatus { .. } => Expect::OkString,
            SiteCommand::GetStateTransferMode { .. } => Expect::JsonString,
            SiteCommand::View
            | SiteCommand::Name
            | SiteCommand::IsRelayNode
            | SiteCommand::RelayNodes => Expect::OneLine,
            SiteCommand::NoSubcommand | SiteCommand::StateTransferModeNoSubcommand => {
                Expect::Usage(false)
            }
        },
        Command::ClearCache { .. }
        | Command::Cd { .. }
        | Command::Disconnect
        | Command::Connect(_) => Expect::Silent,
        Command::Echo { words } if words.is_empty() => Expect::Silent,
        Command::Echo { words } => Expect::Echo(words.join(" ")),
        Command::Usage { .. } => Expect::Usage(true),
        Command::Ls(_)
        | Command::Other(_)
        | Command::Extension(_)
        | Command::Help { .. }
        | Command::Quit => Expect::Lines,
    }
}

/// Whether an item is the output `expect` describes.
fn matches(expect: &Expect, item: &Item) -> bool {
    match (expect, &item.kind) {
        (Expect::CacheMap | Expect::Status | Expect::PushStatus, ItemKind::Json(v)) => {
            v.is_object()
        }
        (Expect::OkString | Expect::JsonString, ItemKind::Json(v)) => v.is_string(),
        (Expect::Echo(text), ItemKind::Text | ItemKind::Error | ItemKind::Json(_)) => {
            &item.text == text
        }
        (Expect::OneLine, ItemKind::Text | ItemKind::Json(_)) => true,
        (Expect::Lines, ItemKind::Text) => true,
        (Expect::Usage(_), ItemKind::Usage) => true,
        _ => false,
    }
}

// ---- Checking.

struct Step {
    /// `None` for a line cli.sh refuses (it aborts the batch there).
    command: Option<Command>,
    reference: CommandRef,
    expect: Expect,
}

struct Checker {
    report: CheckReport,
}

impl Checker {
    fn fail(
        &mut self,
        kind: FailureKind,
        item: Option<&Item>,
        text: String,
        step: Option<&Step>,
        candidates: Vec<usize>,
    ) {
        self.report.failures.push(Failure {
            kind,
            log_line: item.map(|i| i.line),
            text,
            command: step.map(|s| s.reference.clone()),
            candidates,
        });
    }

    /// Records an output item of `step` (or of no known command) and checks its content.
    fn output(&mut self, item: &Item, step: Option<&Step>) {
        let value = match &item.kind {
            ItemKind::Json(v) => v.clone(),
            _ => Value::String(item.text.clone()),
        };
        self.report.outputs.push(Output {
            log_line: item.line,
            command: step.map(|s| s.reference.clone()),
            value: value.clone(),
        });
        let expect = match step {
            Some(step) => step.expect.clone(),
            None => guess_expect(item),
        };
        match (&expect, &value) {
            (Expect::CacheMap, Value::Object(map)) => {
                if map.is_empty() {
                    self.fail(
                        FailureKind::NoCaches,
                        Some(item),
                        item.text.clone(),
                        step,
                        vec![],
                    );
                }
                for (cache, answer) in map {
                    let answer = answer
                        .as_str()
                        .map_or_else(|| answer.to_string(), str::to_owned);
                    if answer != "ok" {
                        self.fail(
                            FailureKind::CacheNotOk {
                                cache: cache.clone(),
                                value: answer.clone(),
                            },
                            Some(item),
                            format!("\"{cache}\" : \"{answer}\""),
                            step,
                            vec![],
                        );
                        self.point_at_key(item, cache);
                    }
                }
            }
            (Expect::PushStatus, Value::Object(map)) => {
                for (site, status) in map {
                    let status = status
                        .as_str()
                        .map_or_else(|| status.to_string(), str::to_owned);
                    if site == "ERROR" || status == "ERROR" {
                        self.fail(
                            FailureKind::PushStateError {
                                site: site.clone(),
                                status: status.clone(),
                            },
                            Some(item),
                            format!("\"{site}\" : \"{status}\""),
                            step,
                            vec![],
                        );
                        self.point_at_key(item, site);
                    }
                }
            }
            (Expect::OkString, Value::String(s)) if s != "ok" => {
                self.fail(
                    FailureKind::NotOk { value: s.clone() },
                    Some(item),
                    item.text.clone(),
                    step,
                    vec![],
                );
            }
            (Expect::JsonString | Expect::Lines | Expect::OneLine, Value::String(s))
                if looks_like_error(s) =>
            {
                self.fail(
                    FailureKind::Unrecognized,
                    Some(item),
                    item.text.clone(),
                    step,
                    vec![],
                );
            }
            (Expect::Usage(false), _) => {
                self.fail(
                    FailureKind::Usage,
                    Some(item),
                    item.text.clone(),
                    step,
                    vec![],
                );
            }
            _ => {}
        }
    }

    /// Points the last failure at the log line of `key` inside a multi-line JSON item (each
    /// cache of a map on its own line), rather than at its `{`.
    fn point_at_key(&mut self, item: &Item, key: &str) {
        let quoted = serde_json::to_string(key).unwrap_or_else(|_| format!("\"{key}\""));
        let offset = item
            .text
            .lines()
            .position(|l| l.trim_start().starts_with(&quoted));
        if let (Some(offset), Some(last)) = (offset, self.report.failures.last_mut()) {
            last.log_line = Some(item.line + offset);
        }
    }

    /// A log with no command output at all is a failure: nothing was verified. Without the
    /// script, plain text is not enough either (it may be anything but a Batch log).
    fn require_output(&mut self, items: &[Item], text_counts: bool) {
        let anything = items
            .iter()
            .any(|i| text_counts || !matches!(i.kind, ItemKind::Text) || looks_like_error(&i.text));
        if !anything {
            let text = if items.is_empty() {
                "the log is empty: did `oc logs` fail (wrong job, container or namespace), or has the Batch not run yet?"
            } else {
                "the log holds no cli.sh output (no JSON, marker, error or batch report): is this the Batch job's log?"
            };
            self.fail(FailureKind::EmptyLog, None, text.to_owned(), None, vec![]);
        }
    }

    fn error(&mut self, item: &Item, step: Option<&Step>, candidates: Vec<usize>) {
        self.fail(
            FailureKind::CommandError,
            Some(item),
            item.text.clone(),
            step,
            candidates,
        );
    }

    fn abort(&mut self, item: &Item, step: Option<&Step>) {
        if let ItemKind::Abort { line, detail } = &item.kind {
            self.fail(
                FailureKind::BatchAborted {
                    line: *line,
                    detail: detail.clone(),
                },
                Some(item),
                item.text.clone(),
                step,
                vec![],
            );
        }
    }

    /// An item of no known command.
    fn loose(&mut self, item: &Item) {
        match &item.kind {
            ItemKind::Abort { .. } => self.abort(item, None),
            ItemKind::Error => self.error(item, None, vec![]),
            ItemKind::Json(_) | ItemKind::Usage => self.output(item, None),
            ItemKind::Text if looks_like_error(&item.text) => {
                self.fail(
                    FailureKind::Unrecognized,
                    Some(item),
                    item.text.clone(),
                    None,
                    vec![],
                );
            }
            ItemKind::Text => self
                .report
                .unrecognized
                .push((item.line, item.text.clone())),
            ItemKind::Marker(_) => {}
        }
    }
}

/// What an output is, when no script tells: a status, a push status, or an action's per-cache
/// map (the default for a flat map of strings).
fn guess_expect(item: &Item) -> Expect {
    match &item.kind {
        ItemKind::Usage => Expect::Usage(false),
        ItemKind::Json(Value::Object(map)) => {
            if map.contains_key("status") || map.values().any(Value::is_object) {
                return Expect::Status;
            }
            let all_in = |words: &[&str]| {
                !map.is_empty()
                    && map
                        .values()
                        .all(|v| v.as_str().is_some_and(|s| words.contains(&s)))
            };
            if all_in(&["online", "offline", "failed"]) {
                Expect::Status
            } else if map.contains_key("ERROR")
                || all_in(&["IDLE", "SENDING", "OK", "ERROR", "CANCELED", "CANCELLING"])
            {
                Expect::PushStatus
            } else {
                Expect::CacheMap
            }
        }
        ItemKind::Json(Value::String(_)) => Expect::JsonString,
        _ => Expect::Lines,
    }
}

/// Checks a job log without the script: every error line, every abort, every non-`"ok"` cache
/// of an action map, every push status `ERROR`, and any error-looking text.
pub fn check_log(log: &str) -> CheckReport {
    let mut checker = Checker {
        report: CheckReport::default(),
    };
    let items = read_items(log);
    checker.require_output(&items, false);
    for item in &items {
        checker.loose(item);
    }
    checker.report
}

/// Checks a job log against the script that produced it (the script as it ran, markers
/// included), so that each output and failure is tied to its command, and missing or
/// unexpected output is noticed too.
pub fn check_log_with_script(log: &str, script: &Script) -> CheckReport {
    let items = read_items(log);
    let mut steps = Vec::new();
    let mut marker_steps = Vec::new();
    for line in &script.lines {
        let command = match &line.item {
            LineItem::Command(command) => command,
            LineItem::Invalid(_) => {
                steps.push(Step {
                    command: None,
                    reference: CommandRef {
                        line: line.number,
                        text: line.source.clone(),
                    },
                    expect: Expect::Silent,
                });
                continue;
            }
            LineItem::Blank | LineItem::Comment => continue,
        };
        if let Some(n) = Script::marker_step(command) {
            // The marker applies to the next command.
            marker_steps.push((n, steps.len()));
            continue;
        }
        steps.push(Step {
            command: Some(command.clone()),
            reference: CommandRef {
                line: line.number,
                text: command.render(),
            },
            expect: expect(command),
        });
    }
    let mut checker = Checker {
        report: CheckReport::default(),
    };
    checker.require_output(&items, true);
    if marker_steps.is_empty() {
        check_in_order(&mut checker, &items, &steps);
    } else {
        check_with_markers(&mut checker, &items, &steps, &marker_steps);
    }
    checker.report
}

/// The step a `line N` of an abort message names.
fn step_at_line(steps: &[Step], line: Option<usize>) -> Option<usize> {
    let line = line?;
    steps.iter().position(|s| s.reference.line == line)
}

fn check_with_markers(
    checker: &mut Checker,
    items: &[Item],
    steps: &[Step],
    markers: &[(usize, usize)],
) {
    // Split the log at the markers: segment k holds what step k printed.
    let mut segments: Vec<Vec<&Item>> = vec![Vec::new(); steps.len()];
    let mut seen = vec![false; steps.len()];
    let mut current: Option<usize> = None;
    let mut aborted_at: Option<usize> = None;
    for item in items {
        match &item.kind {
            ItemKind::Marker(n) => {
                current = markers.iter().find(|(m, _)| m == n).map(|(_, s)| *s);
                if let Some(s) = current.filter(|s| *s < steps.len()) {
                    seen[s] = true;
                }
            }
            ItemKind::Abort { line, .. } => {
                // The abort names its line; it may come from a marker line, or a command.
                // A marker with no command after it names no step.
                let step = step_at_line(steps, *line).or(current);
                checker.abort(item, step.and_then(|s| steps.get(s)));
                aborted_at = Some(aborted_at.map_or(item.line, |a: usize| a.min(item.line)));
            }
            _ => match current.filter(|s| *s < steps.len()) {
                Some(s) => segments[s].push(item),
                None => checker.loose(item),
            },
        }
    }
    for (s, step) in steps.iter().enumerate() {
        if !seen[s] {
            let why = if aborted_at.is_some() {
                "the batch stopped before this command"
            } else {
                "its marker is not in the log: the batch did not get this far, or this is not its log"
            };
            checker.fail(
                FailureKind::NotRun,
                None,
                why.to_owned(),
                Some(step),
                vec![],
            );
            continue;
        }
        check_segment(checker, step, &segments[s]);
    }
}

/// The items one step printed.
fn check_segment(checker: &mut Checker, step: &Step, items: &[&Item]) {
    let mut printed = false;
    let mut failed = false;
    for item in items {
        match &item.kind {
            ItemKind::Error => {
                // `echo` of error-looking text prints it as is.
                if matches!(&step.expect, Expect::Echo(t) if t == &item.text) {
                    printed = true;
                    checker.output(item, Some(step));
                } else {
                    failed = true;
                    checker.error(item, Some(step), vec![]);
                }
            }
            ItemKind::Abort { .. } => checker.abort(item, Some(step)),
            _ if matches(&step.expect, item) && (!printed || step.expect == Expect::Lines) => {
                printed = true;
                checker.output(item, Some(step));
            }
            _ => {
                if item.kind == ItemKind::Text
                    && !looks_like_error(&item.text)
                    && step.expect == Expect::Silent
                {
                    // A notice from outside cli.sh's command output.
                    checker
                        .report
                        .unrecognized
                        .push((item.line, item.text.clone()));
                } else {
                    checker.fail(
                        FailureKind::UnexpectedOutput,
                        Some(item),
                        item.text.clone(),
                        Some(step),
                        vec![],
                    );
                }
            }
        }
    }
    let prints_always = !matches!(step.expect, Expect::Silent | Expect::Lines);
    if prints_always && !printed && !failed {
        checker.fail(
            FailureKind::MissingOutput,
            None,
            "the command printed nothing".to_owned(),
            Some(step),
            vec![],
        );
    }
}

/// Names in a command (cache, site) that an error message may quote.
fn names_in(command: &Command) -> Vec<String> {
    let mut names = Vec::new();
    let mut add = |v: &Option<String>| names.extend(v.iter().cloned());
    match command {
        Command::Site(site) => match site {
            SiteCommand::Status { cache, site, .. } => {
                add(cache);
                add(site);
            }
            SiteCommand::BringOnline(a)
            | SiteCommand::TakeOffline(a)
            | SiteCommand::PushSiteState(a)
            | SiteCommand::CancelPushState(a) => {
                add(&a.cache);
                add(&Some(a.site.clone()));
            }
            SiteCommand::CancelReceiveState { cache, site }
            | SiteCommand::GetStateTransferMode {
                cache: Some(cache),
                site,
            }
            | SiteCommand::SetStateTransferMode {
                cache: Some(cache),
                site,
                ..
            } => {
                add(&Some(cache.clone()));
                add(&Some(site.clone()));
            }
            SiteCommand::PushSiteStatus { cache } | SiteCommand::ClearPushSiteStatus { cache } => {
                add(&Some(cache.clone()))
            }
            _ => {}
        },
        Command::ClearCache { cache } => add(cache),
        _ => {}
    }
    names
}

/// Whether `text` names `name` as a whole word (cache and site names are made of letters,
/// digits, `-`, `_` and `.`).
fn mentions(text: &str, name: &str) -> bool {
    let part_of_name = |c: char| c.is_alphanumeric() || matches!(c, '-' | '_' | '.');
    text.match_indices(name).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + name.len()..].chars().next();
        !before.is_some_and(part_of_name) && !after.is_some_and(|c| part_of_name(c) && c != '.')
    })
}

fn check_in_order(checker: &mut Checker, items: &[Item], steps: &[Step]) {
    let mut cursor = 0;
    let mut aborted = false;
    // The last step matched, when it may print several lines.
    let mut last_lines: Option<usize> = None;
    for item in items {
        match &item.kind {
            ItemKind::Marker(_) => {}
            ItemKind::Abort { line, .. } => {
                let step = step_at_line(steps, *line);
                checker.abort(item, step.map(|s| &steps[s]));
                if let Some(s) = step {
                    // Commands between the cursor and the aborted line printed nothing.
                    report_missing(checker, &steps[cursor.min(s)..s]);
                    cursor = s + 1;
                }
                aborted = true;
            }
            ItemKind::Error => {
                last_lines = None;
                // The error replaces the output of the first command that prints, or of a
                // silent command before it.
                let end = steps[cursor..]
                    .iter()
                    .position(|s| s.expect != Expect::Silent)
                    .map_or(steps.len(), |p| cursor + p + 1);
                let candidates: Vec<usize> = (cursor..end).collect();
                let named: Vec<usize> = candidates
                    .iter()
                    .copied()
                    .filter(|&s| {
                        steps[s]
                            .command
                            .as_ref()
                            .is_some_and(|c| names_in(c).iter().any(|n| mentions(&item.text, n)))
                    })
                    .collect();
                let chosen = match named.as_slice() {
                    [one] => Some(*one),
                    _ => candidates.first().copied(),
                };
                match chosen {
                    Some(s) => {
                        let lines = if named.len() == 1 {
                            vec![]
                        } else {
                            candidates
                                .iter()
                                .map(|&c| steps[c].reference.line)
                                .collect()
                        };
                        checker.error(item, Some(&steps[s]), lines);
                        cursor = s + 1;
                    }
                    None => checker.error(item, None, vec![]),
                }
            }
            _ => {
                let found = steps[cursor..]
                    .iter()
                    .position(|s| matches(&s.expect, item));
                match found {
                    Some(p) => {
                        let s = cursor + p;
                        report_missing(checker, &steps[cursor..s]);
                        checker.output(item, Some(&steps[s]));
                        last_lines = (steps[s].expect == Expect::Lines).then_some(s);
                        cursor = s + 1;
                    }
                    // More lines of an `ls` (or a command this crate does not type).
                    None if item.kind == ItemKind::Text && last_lines.is_some() => {
                        checker.output(item, last_lines.map(|s| &steps[s]));
                    }
                    None => checker.loose(item),
                }
            }
        }
    }
    let rest = &steps[cursor.min(steps.len())..];
    if aborted {
        for step in rest {
            checker.fail(
                FailureKind::NotRun,
                None,
                "the batch stopped before this command".to_owned(),
                Some(step),
                vec![],
            );
        }
    } else {
        report_missing(checker, rest);
    }
}

/// Steps skipped over: those that always print something printed nothing.
fn report_missing(checker: &mut Checker, skipped: &[Step]) {
    for step in skipped {
        if !matches!(step.expect, Expect::Silent | Expect::Lines) {
            checker.fail(
                FailureKind::MissingOutput,
                None,
                "the command printed nothing".to_owned(),
                Some(step),
                vec![],
            );
        }
    }
}

#[cfg(test)]
mod tests;
