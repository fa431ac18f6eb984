//! Matching the log's items to the script's commands, with or without markers.

use serde_json::Value;

use xsite_clish::{Command, LineItem, Script, SiteCommand};

use super::expect::*;
use super::log::*;
use super::report::*;

pub(super) struct Step {
    /// `None` for a line cli.sh refuses (it aborts the batch there).
    pub(super) command: Option<Command>,
    pub(super) reference: CommandRef,
    pub(super) expect: Expect,
}

pub(super) struct Checker {
    pub(super) report: CheckReport,
}

impl Checker {
    pub(super) fn fail(
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
    pub(super) fn output(&mut self, item: &Item, step: Option<&Step>) {
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
    pub(super) fn point_at_key(&mut self, item: &Item, key: &str) {
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
    pub(super) fn require_output(&mut self, items: &[Item], text_counts: bool) {
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

    pub(super) fn error(&mut self, item: &Item, step: Option<&Step>, candidates: Vec<usize>) {
        self.fail(
            FailureKind::CommandError,
            Some(item),
            item.text.clone(),
            step,
            candidates,
        );
    }

    pub(super) fn abort(&mut self, item: &Item, step: Option<&Step>) {
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
    pub(super) fn loose(&mut self, item: &Item) {
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
pub(super) fn guess_expect(item: &Item) -> Expect {
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
pub(super) fn step_at_line(steps: &[Step], line: Option<usize>) -> Option<usize> {
    let line = line?;
    steps.iter().position(|s| s.reference.line == line)
}

pub(super) fn check_with_markers(
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
pub(super) fn check_segment(checker: &mut Checker, step: &Step, items: &[&Item]) {
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
    if prints_always(step) && !printed && !failed {
        fail_missing_output(checker, step);
    }
}

/// Whether the step's command prints something whenever it runs.
fn prints_always(step: &Step) -> bool {
    !matches!(step.expect, Expect::Silent | Expect::Lines)
}

fn fail_missing_output(checker: &mut Checker, step: &Step) {
    checker.fail(
        FailureKind::MissingOutput,
        None,
        "the command printed nothing".to_owned(),
        Some(step),
        vec![],
    );
}

/// Names in a command (cache, site) that an error message may quote.
pub(super) fn names_in(command: &Command) -> Vec<String> {
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
pub(super) fn mentions(text: &str, name: &str) -> bool {
    let part_of_name = |c: char| c.is_alphanumeric() || matches!(c, '-' | '_' | '.');
    text.match_indices(name).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + name.len()..].chars().next();
        !before.is_some_and(part_of_name) && !after.is_some_and(|c| part_of_name(c) && c != '.')
    })
}

pub(super) fn check_in_order(checker: &mut Checker, items: &[Item], steps: &[Step]) {
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
pub(super) fn report_missing(checker: &mut Checker, skipped: &[Step]) {
    for step in skipped.iter().filter(|step| prints_always(step)) {
        fail_missing_output(checker, step);
    }
}
