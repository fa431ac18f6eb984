//! Reading the log into items: error lines, aborts, JSON blocks and text.

use serde_json::Value;

use xsite_clish::{BATCH_ERROR, ERROR_EXECUTING_FILE, ERROR_LINE_BEGINNINGS, MARKER_PREFIX};

/// One line of the log.
#[derive(Debug, Clone)]
pub(super) struct LogLine {
    pub(super) number: usize,
    pub(super) text: String,
    pub(super) red: bool,
}

/// Strips ANSI escape sequences; tells whether one of them turned the text red.
pub(super) fn strip_ansi(line: &str) -> (String, bool) {
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
pub(super) enum ItemKind {
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
pub(super) struct Item {
    pub(super) line: usize,
    pub(super) text: String,
    pub(super) kind: ItemKind,
}

/// Words that make an unknown line look like an error.
pub(super) const ERROR_WORDS: &[&str] = &[
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

pub(super) fn looks_like_error(text: &str) -> bool {
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

pub(super) fn is_error_line(line: &LogLine) -> bool {
    line.red
        || ERROR_LINE_BEGINNINGS
            .iter()
            .any(|p| line.text.starts_with(p))
        || exception_prefix(&line.text)
}

/// `SomeException: message`, as the CLI's catch-all prints it.
pub(super) fn exception_prefix(text: &str) -> bool {
    text.split_once(": ").is_some_and(|(class, _)| {
        (class.ends_with("Exception") || class.ends_with("Error"))
            && class
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '$')
    })
}

/// `<file>, line <n>: '<text>'` after the abort prefix.
pub(super) fn abort_line(rest: &str) -> Option<usize> {
    let (_, after) = rest.rsplit_once(", line ")?;
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Brace depth change of a JSON line, ignoring braces inside strings.
pub(super) fn depth_change(line: &str) -> i32 {
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

pub(super) fn read_items(log: &str) -> Vec<Item> {
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
