//! The executor: one line in, one command run, its output printed. The interactive shell, the
//! batch runner and the tests all go through it.
//!
//! ```text
//! line ─ Parser::parse_line ─▶ Command ─ resolve(Command, Context) ─▶ Resolution
//!      ─ commands::run ─▶ one SDK call ─▶ Reply ─ Console ─▶ stdout (cli.sh bytes)
//! ```

use xsite_clish::{Command, ParseError, Parser, Resolution, resolve};

use crate::commands;
use crate::console::Console;
use crate::error::CliError;
use crate::history;
use crate::session::Session;

/// What running a line came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing ran: a blank line or a comment.
    Blank,
    /// The command succeeded.
    Ok,
    /// The command failed; the error was printed.
    Failed(CliError),
    /// The line did not parse; the error was printed.
    ParseFailed(ParseError),
    /// The command was `quit`: stop reading lines.
    Quit,
}

impl Outcome {
    /// Whether the line failed, in any way.
    pub fn is_failure(&self) -> bool {
        matches!(self, Outcome::Failed(_) | Outcome::ParseFailed(_))
    }
}

/// Runs lines against a session and prints their results.
pub struct Executor {
    /// The connection and context.
    pub session: Session,
    /// Where output goes.
    pub console: Console,
    parser: Parser,
}

impl std::fmt::Debug for Executor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Executor")
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

impl Executor {
    /// An executor for a session.
    pub fn new(session: Session, console: Console) -> Executor {
        Executor {
            session,
            console,
            parser: commands::extension_names()
                .into_iter()
                .fold(Parser::new(), |parser, name| parser.with_extension(name)),
        }
    }

    /// Parses a line with the shared command model.
    pub fn parse(&self, line: &str) -> Result<Option<Command>, ParseError> {
        self.parser.parse_line(line)
    }

    /// Parses and runs one line, printing its output; parse errors are printed in the wording
    /// of the session's mode.
    pub fn run_line(&mut self, line: &str) -> Outcome {
        match self.parse(line) {
            Ok(None) => Outcome::Blank,
            Ok(Some(command)) => self.run_command(&command),
            Err(error) => {
                // The message may quote a word of the line (an unknown option's value).
                let redacted = history::redact_line(line.trim());
                let message =
                    redacted.scrub(&error.message(self.session.version(), self.session.mode));
                let mut cli_error = CliError::usage(message);
                if matches!(
                    error.kind(),
                    xsite_clish::ParseErrorKind::UnknownCommand { .. }
                ) {
                    cli_error = cli_error.with_hint("help lists the commands");
                }
                self.console.error(redacted.text(), &cli_error);
                Outcome::ParseFailed(error)
            }
        }
    }

    /// Resolves a parsed command against the context, runs it and prints its result. xsite's own
    /// commands take `--output cli|json` anywhere on the line, for that command only.
    pub fn run_command(&mut self, command: &Command) -> Outcome {
        let Command::Extension(raw) = command else {
            return self.run_in_format(command);
        };
        match commands::take_output_option(raw) {
            Ok((_, None)) => self.run_in_format(command),
            Ok((rest, Some(format))) => {
                let saved = std::mem::replace(&mut self.console.format, format);
                let outcome = self.run_in_format(&Command::Extension(rest));
                self.console.format = saved;
                outcome
            }
            Err(error) => {
                let label = history::redact(&command.render());
                self.console.error_on_stderr(&label, &error);
                Outcome::Failed(error)
            }
        }
    }

    fn run_in_format(&mut self, command: &Command) -> Outcome {
        // Reports echo the command: never with a password (a `--site-url` with user-info).
        let label = history::redact(&command.render());
        let resolution = match self.resolve(command) {
            Ok(resolution) => resolution,
            Err(error) => {
                self.console.error(&label, &error);
                return Outcome::Failed(error);
            }
        };
        let result = commands::run(&mut self.session, &mut self.console, command, &resolution);
        for warning in self.session.sites.basic_in_clear() {
            self.console.note(&warning);
        }
        match result {
            Ok(reply) => {
                self.console.reply(&label, &reply);
                if matches!(command, Command::Quit) {
                    Outcome::Quit
                } else {
                    Outcome::Ok
                }
            }
            Err(error) => {
                match command {
                    // Their stdout is YAML for oc or a check's report: errors go to stderr.
                    Command::Extension(raw)
                        if raw.name == "batch-cr" || raw.name == "batch-check" =>
                    {
                        self.console.error_on_stderr(&label, &error)
                    }
                    _ => self.console.error(&label, &error),
                }
                Outcome::Failed(error)
            }
        }
    }

    fn resolve(&self, command: &Command) -> Result<Resolution, CliError> {
        resolve(command, &self.session.context).map_err(|error| {
            CliError::from_resolve(&error, self.session.context.version(), self.session.mode)
        })
    }
}
