//! Everything that would make cli.sh fail on a script before the cluster sees it.

use std::fmt;

use super::command::{Command, SiteCommand};
use super::context::{Context, resolve};
use super::lexer::split_words;
use super::messages::Mode;
use super::parser::{ParseError, ParseErrorKind, parse_line};
use super::script::{LineItem, Script, ScriptError};
use super::version::AeshLine;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Worth a look; cli.sh runs the line.
    Warning,
    /// cli.sh fails on the line (or it is unsafe to run): the script is rejected.
    Error,
}

/// One finding of [`lint`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The script's name.
    pub file: String,
    /// The 1-based line number.
    pub line: usize,
    /// How bad it is.
    pub severity: Severity,
    /// What is wrong, for a person.
    pub message: String,
    /// What cli.sh would print for this line, when it would fail.
    pub cli_output: Option<String>,
}

impl fmt::Display for Diagnostic {
    /// `file:line: error: message`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        write!(
            f,
            "{}:{}: {severity}: {}",
            self.file, self.line, self.message
        )
    }
}

/// Whether any diagnostic is an error, i.e. cli.sh would fail on the script.
pub fn has_errors(diagnostics: &[Diagnostic]) -> bool {
    diagnostics.iter().any(|d| d.severity == Severity::Error)
}

struct Linter<'a> {
    script: &'a Script,
    out: Vec<Diagnostic>,
}

impl Linter<'_> {
    fn push(
        &mut self,
        line: usize,
        severity: Severity,
        message: String,
        cli_output: Option<String>,
    ) {
        self.out.push(Diagnostic {
            file: self.script.name.clone(),
            line,
            severity,
            message,
            cli_output,
        });
    }
}

/// Lints `script` as cli.sh would run it from `start` (for a Batch CR,
/// [`Context::batch_job`]), following `cd`, `connect` and `disconnect` from line to line.
///
/// Errors: lines cli.sh cannot parse; commands that are not batch commands (in batch mode);
/// what [`resolve`] rejects (missing cache, `--cache` with `--all-caches`, bad `--mode`, bad
/// `cd` path, no connection, and on 14.0 `--all-caches` outside a container); `site` without a
/// sub-command; passwords in `connect`; commands that cannot be written as one cli.sh line; a
/// script without commands. Warnings: `${…}` left unresolved, unclosed quotes, `-h`, commands
/// this crate does not check, and a `clearcache` after a `take-offline` in the same script.
pub fn lint(script: &Script, start: &Context) -> Vec<Diagnostic> {
    let version = start.version();
    let mode = start.mode();
    let mut l = Linter {
        script,
        out: Vec::new(),
    };
    let mut context = start.clone();
    let mut commands = 0;
    // The line of a take-offline earlier in the script, if any.
    let mut took_offline: Option<usize> = None;
    for line in &script.lines {
        let n = line.number;
        if line.source.chars().any(|c| c.is_control() && c != '\t') {
            l.push(
                n,
                Severity::Error,
                "the line holds a control character, which a Batch CR's YAML cannot carry"
                    .to_owned(),
                None,
            );
        }
        for key in &line.unresolved {
            l.push(
                n,
                Severity::Warning,
                format!(
                    "`${{{key}}}` has no value here; cli.sh replaces it with the Java system property '{key}' \
                     of the JVM running the batch, or leaves it as written"
                ),
                None,
            );
        }
        if line.unclosed_quote {
            l.push(
                n,
                Severity::Warning,
                "unclosed quote: cli.sh takes the rest of the line as one word".to_owned(),
                None,
            );
        }
        let command = match &line.item {
            LineItem::Blank | LineItem::Comment => continue,
            LineItem::Invalid(error) => {
                commands += 1;
                let report = ScriptError {
                    file: script.name.clone(),
                    line: n,
                    text: line.source.clone(),
                    error: error.clone(),
                };
                let cli_output = match mode {
                    Mode::Batch => report.cli_report(version),
                    Mode::Interactive => error.message(version, mode),
                };
                l.push(
                    n,
                    Severity::Error,
                    error.message(version, mode),
                    Some(cli_output),
                );
                continue;
            }
            LineItem::Command(command) => command,
        };
        commands += 1;
        lint_command(&mut l, n, &line.source, command, &context);
        if line.unresolved.is_empty() && command.render().contains("${") {
            l.push(
                n,
                Severity::Warning,
                "a value holds `${`, which cli.sh replaces with a system property when one of that name exists"
                    .to_owned(),
                None,
            );
        }
        match command {
            Command::Site(SiteCommand::TakeOffline(_)) => took_offline = Some(n),
            Command::ClearCache { .. } => {
                if let Some(at) = took_offline {
                    l.push(
                        n,
                        Severity::Warning,
                        format!(
                            "clearcache runs in the same script as the take-offline of line {at}: if that \
                             take-offline failed for a cache (an --all-caches answer other than \"ok\" does \
                             not fail the command), or the offline state has not reached every node yet, \
                             the clear is replicated to the other site. Check `site status` first, in a \
                             separate run"
                        ),
                        None,
                    );
                }
            }
            _ => {}
        }
        context = context.after(command);
    }
    if commands == 0 {
        l.push(
            script.lines.len().max(1),
            Severity::Error,
            "the script has no command".to_owned(),
            None,
        );
    }
    l.out
}

fn lint_command(l: &mut Linter<'_>, n: usize, source: &str, command: &Command, context: &Context) {
    let version = context.version();
    let mode = context.mode();
    let unknown = |name: &str| {
        ParseError::from_kind(ParseErrorKind::UnknownCommand {
            word: name.to_owned(),
        })
    };
    // Commands that exist only in the interactive shell, or only in the REPL. cli.sh names
    // the word as typed (`exit`, not `quit`).
    let typed = split_words(source).words.into_iter().next();
    let name = typed.as_deref().unwrap_or(command.name());
    let batch_unknown = match command {
        Command::Extension(_) => mode == Mode::Batch,
        Command::Other(raw) => raw.name == "benchmark" && !version.has_benchmark(),
        _ => mode == Mode::Batch && matches!(command.name(), "help" | "quit"),
    };
    if batch_unknown {
        let error = unknown(name);
        let report = ScriptError {
            file: l.script.name.clone(),
            line: n,
            text: source.to_owned(),
            error: error.clone(),
        };
        l.push(
            n,
            Severity::Error,
            format!(
                "`{name}` is not a cli.sh batch command: {}",
                error.message(version, mode)
            ),
            Some(report.cli_report(version)),
        );
        return;
    }
    match command {
        Command::Other(raw) => l.push(
            n,
            Severity::Warning,
            format!(
                "`{}` is a cli.sh command that xsite does not check",
                raw.name
            ),
            None,
        ),
        Command::Usage { path } => {
            let group = matches!(path.as_slice(), [a] if a == "site")
                || matches!(path.as_slice(), [a, b] if a == "site" && b == "state-transfer-mode");
            let long_help = source.split(' ').any(|w| w.eq_ignore_ascii_case("--help"));
            if group && long_help && version.aesh() == AeshLine::V2_8 {
                // Aesh 2.8 reads `--help` after a group name as an unknown sub-command
                // (recorded with 15.0.21, 15.2.6 and 16.0.7).
                let group = if path.len() == 1 {
                    vec!["site"]
                } else {
                    vec!["site", "state-transfer-mode"]
                };
                let error = ParseError::from_kind(ParseErrorKind::UnknownSubcommand {
                    group,
                    word: "--help".to_owned(),
                });
                let cli_output = match mode {
                    Mode::Batch => ScriptError {
                        file: l.script.name.clone(),
                        line: n,
                        text: source.to_owned(),
                        error: error.clone(),
                    }
                    .cli_report(version),
                    Mode::Interactive => error.message(version, mode),
                };
                l.push(
                    n,
                    Severity::Error,
                    error.message(version, mode),
                    Some(cli_output),
                );
            } else {
                l.push(
                    n,
                    Severity::Warning,
                    format!("`{} -h` only prints the usage", path.join(" ")),
                    None,
                );
            }
        }
        Command::Site(SiteCommand::NoSubcommand | SiteCommand::StateTransferModeNoSubcommand) => {
            l.push(
                n,
                Severity::Error,
                "a group without a sub-command: cli.sh prints its usage and the command fails"
                    .to_owned(),
                None,
            );
        }
        Command::Connect(connect) => {
            if connect.has_placeholder_secret() {
                l.push(
                    n,
                    Severity::Error,
                    format!(
                        "the password is the redaction placeholder {}; the real one was not kept",
                        super::SECRET_PLACEHOLDER
                    ),
                    None,
                );
            } else if connect.has_secrets() {
                l.push(
                    n,
                    Severity::Error,
                    "connect holds a password: a script must not carry credentials (a Batch job is already \
                     connected with the Operator's identity)"
                        .to_owned(),
                    None,
                );
            } else if mode == Mode::Batch {
                l.push(
                    n,
                    Severity::Warning,
                    "connect replaces the connection the batch started with".to_owned(),
                    None,
                );
            }
        }
        _ => {}
    }
    if !command.has_secrets() && !matches!(command, Command::Extension(_)) {
        check_writable(l, n, command);
    }
    if let Err(error) = resolve(command, context) {
        let mut message = error.message(version);
        if error.stops_batch(version) && mode == Mode::Batch {
            message.push_str(" (the batch stops here)");
        }
        l.push(n, Severity::Error, message, error.printed(version));
    }
}

/// A command built in code must come back unchanged from its own rendering; otherwise cli.sh
/// would read something else (an empty value, a line break, a leading `#`…).
fn check_writable(l: &mut Linter<'_>, n: usize, command: &Command) {
    let rendered = command.render();
    let back = parse_line(&rendered);
    if !matches!(&back, Ok(Some(c)) if c == command) {
        l.push(
            n,
            Severity::Error,
            format!("this command cannot be written as one cli.sh line (it would read back as `{rendered}`)"),
            None,
        );
    }
}
