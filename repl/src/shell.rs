//! The interactive shell: rustyline with cli.sh's prompt, completion, hints and a history file.
//!
//! Completion offers commands, sub-commands, options, and the cache and site names the session
//! read from the server after `connect` (it never sends a request itself: it runs inside the key
//! loop). The history never holds a password: lines are redacted before they are added.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::DefaultHistory;
use rustyline::validate::Validator;
use rustyline::{CompletionType, Config, Context, Editor, Helper};

use crate::commands::help;
use crate::exec::{Executor, Outcome};
use crate::history;
use crate::session::{Names, SharedNames};

/// The other name of `quit` that completion offers (cli.sh's grammar also has `bye`).
const QUIT_ALIAS: &str = "exit";

/// The top-level commands, sorted: the cli.sh commands the shared grammar types, and xsite's own
/// (from their clap definition).
fn commands() -> Vec<String> {
    let mut names: Vec<String> = xsite_clish::typed_command_names()
        .into_iter()
        .chain([QUIT_ALIAS])
        .map(str::to_owned)
        .chain(crate::commands::extension_names())
        .collect();
    names.sort();
    names
}

/// What completes after a cli.sh command path (`["site"]`, `["site", "take-offline"]`), from
/// the shared grammar: its sub-commands, or else its options (without `--help`), sorted.
fn grammar_words(path: &[&str]) -> Vec<String> {
    let Some(info) = xsite_clish::command_info(path) else {
        return Vec::new();
    };
    let mut words: Vec<String> = if info.subcommands.is_empty() {
        info.options
            .iter()
            .filter(|o| o.long != "help")
            .map(|o| format!("--{}", o.long))
            .collect()
    } else {
        info.subcommands.iter().map(|s| (*s).to_owned()).collect()
    };
    words.sort();
    words
}

/// The runbook workflows, sorted, from their clap definition.
fn runbook_workflows() -> Vec<String> {
    let mut names: Vec<String> = crate::commands::extension_usages()
        .into_iter()
        .filter_map(|(path, _)| match path.as_slice() {
            [runbook, workflow] if runbook == "runbook" => Some(workflow.clone()),
            _ => None,
        })
        .collect();
    names.sort();
    names
}

/// The options of a `runbook` workflow, for completion: read from its clap definition (the one
/// that parses it), without the xsite-wide `--demo` / `--profile` and `--help`.
fn runbook_options(workflow: &str) -> Vec<String> {
    use clap::Args as _;
    let runbook =
        crate::commands::runbook::RunbookArgs::augment_args(clap::Command::new("runbook"));
    let Some(sub) = runbook.find_subcommand(workflow) else {
        return Vec::new();
    };
    let mut options: Vec<String> = sub
        .get_arguments()
        .filter(|a| !a.is_global_set())
        .filter_map(|a| a.get_long())
        .filter(|long| !matches!(*long, "help" | "demo" | "profile"))
        .map(|long| format!("--{long}"))
        .collect();
    options.sort();
    options
}

/// Which kind of value an option takes, for completion.
fn value_kind(option: &str) -> Option<&'static str> {
    match option {
        "-c" | "--cache" => Some("cache"),
        "-s" | "--site" => Some("site"),
        "-m" | "--mode" => Some("mode"),
        _ => None,
    }
}

/// Completes the word that ends at `pos`: returns where it starts and the candidates.
pub fn complete(line: &str, pos: usize, names: &Names) -> (usize, Vec<String>) {
    let head = &line[..pos];
    let start = head.rfind(' ').map(|i| i + 1).unwrap_or(0);
    let word = &head[start..];
    let before: Vec<&str> = head[..start].split_whitespace().collect();
    let filter = |candidates: Vec<String>| -> Vec<String> {
        candidates
            .into_iter()
            .filter(|c| c.starts_with(word))
            .collect()
    };
    let owned = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let values = |kind: &str| -> Vec<String> {
        match kind {
            "cache" => names.caches.clone(),
            "site" => names.sites.clone(),
            "mode" => xsite_clish::TransferMode::ALL
                .iter()
                .map(|m| m.as_str().to_owned())
                .collect(),
            _ => Vec::new(),
        }
    };

    // `--site=si` / `--cache=wo`: complete the value after `=`.
    if let Some((option, partial)) = word.split_once('=')
        && let Some(kind) = value_kind(option)
    {
        let candidates = values(kind)
            .into_iter()
            .filter(|v| v.starts_with(partial))
            .collect();
        return (start + option.len() + 1, candidates);
    }
    // The value of an option given as a separate word.
    if let Some(last) = before.last()
        && let Some(kind) = value_kind(last)
        && before.first() != Some(&"connect")
    {
        return (start, filter(values(kind)));
    }

    let Some((command, rest)) = before.split_first() else {
        return (start, filter(commands()));
    };
    let candidates = match *command {
        "site" => {
            let positional: Vec<&str> = rest
                .iter()
                .copied()
                .filter(|w| !w.starts_with('-'))
                .collect();
            let used: Vec<&str> = rest
                .iter()
                .map(|w| w.split('=').next().unwrap_or(w))
                .collect();
            let path: Vec<&str> = std::iter::once("site").chain(positional).collect();
            grammar_words(&path)
                .into_iter()
                .filter(|w| !used.contains(&w.as_str()))
                .collect()
        }
        "clearcache" if rest.is_empty() => names.caches.clone(),
        "cd" | "ls" if rest.is_empty() => {
            let mut paths = owned(&["..", "caches", "/containers/"]);
            paths.extend(names.caches.iter().map(|c| format!("caches/{c}")));
            paths
        }
        "connect" => grammar_words(&["connect"]),
        "runbook" if rest.is_empty() => runbook_workflows(),
        "runbook" => match rest.last().copied() {
            Some("--from" | "--to" | "--site") => names.sites.clone(),
            Some("--cache-set") => owned(&xsite::CacheSet::NAMES),
            _ => {
                let used: Vec<&str> = rest
                    .iter()
                    .map(|w| w.split('=').next().unwrap_or(w))
                    .collect();
                runbook_options(rest.first().copied().unwrap_or(""))
                    .into_iter()
                    .filter(|o| !used.contains(&o.as_str()) || o == "--site-url" || o == "--from")
                    .collect()
            }
        },
        "help" if rest.is_empty() => commands(),
        "help" if rest == ["site"] => grammar_words(&["site"]),
        _ => Vec::new(),
    };
    (start, filter(candidates))
}

/// The rest of the matching command's synopsis, shown dimmed after the cursor.
pub fn hint(line: &str) -> Option<String> {
    if line.trim().is_empty() {
        return None;
    }
    help::synopses()
        .iter()
        .filter(|s| s.starts_with(line) && s.len() > line.len())
        .min_by_key(|s| s.len())
        .map(|s| s[line.len()..].to_owned())
}

/// rustyline's helper: completion and hints from the session's names.
pub struct ReplHelper {
    names: SharedNames,
    color: bool,
}

impl Completer for ReplHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let names = self.names.read().unwrap_or_else(|e| e.into_inner()).clone();
        let (start, candidates) = complete(line, pos, &names);
        Ok((
            start,
            candidates
                .into_iter()
                .map(|c| Pair {
                    display: c.clone(),
                    replacement: c,
                })
                .collect(),
        ))
    }
}

impl Hinter for ReplHelper {
    type Hint = String;

    fn hint(&self, line: &str, pos: usize, _ctx: &Context<'_>) -> Option<String> {
        if pos < line.len() {
            return None;
        }
        hint(line)
    }
}

impl Highlighter for ReplHelper {
    fn highlight_hint<'h>(&self, hint: &'h str) -> Cow<'h, str> {
        if self.color {
            Cow::Owned(format!("\x1b[2m{hint}\x1b[0m"))
        } else {
            Cow::Borrowed(hint)
        }
    }
}

impl Validator for ReplHelper {}

impl Helper for ReplHelper {}

/// Runs the interactive loop until `quit` or end of input. Returns the exit code (0).
pub fn run(executor: &mut Executor, history_file: Option<PathBuf>, color: bool) -> i32 {
    // Ctrl-C while a command runs must not end the shell (the editor reads it as a key).
    crate::interrupt::set_mode(crate::interrupt::Mode::Shell);
    let config = Config::builder()
        .auto_add_history(false)
        .history_ignore_space(true)
        .completion_type(CompletionType::List)
        .build();
    let mut editor: Editor<ReplHelper, DefaultHistory> = match Editor::with_config(config) {
        Ok(editor) => editor,
        Err(e) => {
            executor
                .console
                .note(&format!("xsite: cannot start the line editor: {e}"));
            return 2;
        }
    };
    editor.set_helper(Some(ReplHelper {
        names: executor.session.names.clone(),
        color,
    }));
    if let Some(path) = &history_file
        && path.exists()
    {
        let _ = editor.load_history(path);
    }
    loop {
        let raw = executor.session.shell_prompt(false);
        let styled = executor.session.shell_prompt(color);
        // A Ctrl-C left over from the last command must not abandon the next one.
        crate::interrupt::clear_pending();
        match editor.readline(&(raw, styled)) {
            Ok(line) => {
                remember(&mut editor, &line, history_file.as_deref());
                if executor.run_line(&line) == Outcome::Quit {
                    break;
                }
            }
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(e) => {
                executor.console.note(&format!("xsite: {e}"));
                return 1;
            }
        }
    }
    0
}

/// Adds a line to the history, redacted by the shared model's one redaction, and appends it to
/// the history file, if any. The one way a line reaches the history.
pub fn remember<H: Helper>(
    editor: &mut Editor<H, DefaultHistory>,
    line: &str,
    history_file: Option<&Path>,
) {
    if line.trim().is_empty() {
        return;
    }
    let _ = editor.add_history_entry(history::redact(line));
    if let Some(path) = history_file {
        save_history(editor, path);
    }
}

/// Appends the new history entries to the file, which only its owner can read.
fn save_history<H: Helper>(editor: &mut Editor<H, DefaultHistory>, path: &Path) {
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    if !path.exists() {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let _ = options.open(path);
    }
    let _ = editor.append_history(path);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Names {
        Names {
            caches: vec!["work".into(), "sessions".into(), "actionTokens".into()],
            sites: vec!["site-a".into(), "site-b".into()],
            containers: vec!["default".into()],
        }
    }

    fn c(line: &str) -> Vec<String> {
        complete(line, line.len(), &names()).1
    }

    #[test]
    fn commands_and_subcommands() {
        assert_eq!(c("si"), ["site"]);
        assert_eq!(c("site st"), ["state-transfer-mode", "status"]);
        assert_eq!(c("site state-transfer-mode "), ["get", "set"]);
        assert_eq!(c("site take-offline --a"), ["--all-caches"]);
        assert_eq!(c("site take-offline --all-caches "), ["--cache", "--site"]);
    }

    #[test]
    fn names_from_the_server() {
        assert_eq!(c("site status --cache w"), ["work"]);
        assert_eq!(c("site status -c "), ["work", "sessions", "actionTokens"]);
        assert_eq!(c("site take-offline --site=site-"), ["site-a", "site-b"]);
        assert_eq!(
            complete("site take-offline --site=site-b", 31, &names()),
            (25, vec!["site-b".to_owned()])
        );
        assert_eq!(c("clearcache se"), ["sessions"]);
        assert_eq!(
            c("site state-transfer-mode set --mode "),
            ["AUTO", "MANUAL"]
        );
        assert_eq!(c("cd caches/w"), ["caches/work"]);
    }

    #[test]
    fn the_lists_come_from_the_grammar_and_the_clap_definitions() {
        assert_eq!(
            c(""),
            [
                "alerts",
                "batch-check",
                "batch-cr",
                "cd",
                "clearcache",
                "connect",
                "disconnect",
                "doctor",
                "echo",
                "exit",
                "help",
                "ls",
                "quit",
                "runbook",
                "site",
                "watch",
            ]
        );
        let quit = xsite_clish::command_info(&["quit"]).unwrap();
        assert!(quit.aliases.contains(&QUIT_ALIAS));
        assert_eq!(c("site ").len(), 13);
        assert_eq!(c("help site "), c("site "));
        assert_eq!(c("site view "), Vec::<String>::new());
        assert_eq!(
            c("site state-transfer-mode set "),
            ["--cache", "--mode", "--site"]
        );
        assert_eq!(c("site cancel-receive-state "), ["--cache", "--site"]);
        assert_eq!(c("site push-site-status "), ["--cache"]);
        let connect = c("connect ");
        assert_eq!(connect.len(), 10, "{connect:?}");
        assert!(connect.contains(&"--context-path".to_owned()));
        assert!(!connect.contains(&"--help".to_owned()));
        assert_eq!(
            c("runbook "),
            [
                "bring-online",
                "fence",
                "resync",
                "sites",
                "status",
                "synchronize",
                "take-offline"
            ]
        );
        assert!(c("runbook bring-online --").contains(&"--site".to_owned()));
    }

    #[test]
    fn runbook_options_are_those_of_the_workflow() {
        let resync = c("runbook resync --");
        assert!(resync.contains(&"--from".to_owned()), "{resync:?}");
        assert!(!resync.contains(&"--site".to_owned()), "{resync:?}");
        assert!(c("runbook fence --").contains(&"--site".to_owned()));
        assert!(!c("runbook status --").contains(&"--from".to_owned()));
        // An option given once is not offered again.
        assert!(!c("runbook resync --to site-b --").contains(&"--to".to_owned()));
    }

    #[test]
    fn hints_complete_the_synopsis() {
        assert_eq!(
            hint("site take-offline").as_deref(),
            Some(" [--cache=C | --all-caches] --site=S")
        );
        assert_eq!(hint(""), None);
        assert_eq!(hint("nonsense"), None);
    }
}
