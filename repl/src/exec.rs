//! The executor: one line in, one command run, its output printed. The interactive shell, the
//! batch runner and the tests all go through it.
//!
//! ```text
//! line ─ Parser::parse_line ─▶ Command ─ resolve(Command, Context) ─▶ Resolution
//!      ─ commands::run ─▶ one SDK call ─▶ Reply ─ Console ─▶ stdout (cli.sh bytes)
//! ```

use xsite_clish::{Command, ParseError, Parser, Resolution, resolve};

use crate::commands;
use crate::console::{Console, Format, Reply};
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
    /// A pending connection (a batch's `-c URL`) could not be opened when a command needed it;
    /// `connect`'s error was printed. A batch stops with its exit code, as when `connect` fails
    /// before the first line.
    ConnectFailed(CliError),
}

impl Outcome {
    /// Whether the line failed, in any way.
    pub fn is_failure(&self) -> bool {
        matches!(
            self,
            Outcome::Failed(_) | Outcome::ParseFailed(_) | Outcome::ConnectFailed(_)
        )
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
                // The wording depends on the server's version.
                if let Err(error) = self.complete_pending_connect() {
                    return Outcome::ConnectFailed(error);
                }
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
        if self.session.pending_connect.is_some() {
            if let Some(outcome) = self.run_before_connect(command) {
                return outcome;
            }
            if let Err(error) = self.complete_pending_connect() {
                return Outcome::ConnectFailed(error);
            }
        }
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
        if let (Command::Connect(_), Ok(_), Some(pending)) =
            (command, &result, self.session.pending_connect.as_mut())
            && pending.label.is_none()
        {
            // Left pending: its result is printed when it gets through to the server.
            pending.label = Some((label, self.console.format));
            return Outcome::Ok;
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

    /// Runs a command on a pending connection's client before the connection's own reads, when
    /// what it prints does not depend on them: the `site` and `clearcache` commands that act on
    /// one cache or on every cache (the route of `--all-caches` makes its own version lookup).
    /// `None` when the command is not one of them, its resolution failed (whose message is
    /// worded for the server's version) or it never got through to the server (nothing was
    /// applied): the caller completes the connection, then runs the command as usual.
    fn run_before_connect(&mut self, command: &Command) -> Option<Outcome> {
        use xsite_clish::SiteCommand as S;
        let runs_early = match command {
            Command::ClearCache { .. } => true,
            Command::Site(site) => !matches!(
                site,
                S::View
                    | S::Name
                    | S::IsRelayNode
                    | S::RelayNodes
                    | S::NoSubcommand
                    | S::StateTransferModeNoSubcommand
            ),
            _ => false,
        };
        if !runs_early {
            return None;
        }
        let resolution = self.resolve(command).ok()?;
        let label = history::redact(&command.render());
        let result = commands::run(&mut self.session, &mut self.console, command, &resolution);
        let pending = self.session.pending_connect.as_mut()?;
        if !pending.established {
            if let Err(error) = &result
                && error.unapplied
            {
                return None;
            }
            pending.established = true;
            let connect = pending.label.clone();
            // What `connect` would have printed before this command.
            self.as_connect(connect, |console, label| {
                console.reply(label, &Reply::Nothing)
            });
            commands::connect::announce(&self.session, &mut self.console);
        }
        for warning in self.session.sites.basic_in_clear() {
            self.console.note(&warning);
        }
        Some(match result {
            Ok(reply) => {
                self.console.reply(&label, &reply);
                Outcome::Ok
            }
            Err(error) => {
                self.console.error(&label, &error);
                Outcome::Failed(error)
            }
        })
    }

    /// Completes a pending connection (see [`commands::connect::PendingConnect`]), printing what
    /// `connect` prints; on failure its error, which ends a batch.
    pub fn complete_pending_connect(&mut self) -> Result<(), CliError> {
        let Some(pending) = self.session.pending_connect.take() else {
            return Ok(());
        };
        let connect = pending.label.clone();
        let established = pending.established;
        let result =
            commands::connect::complete(&mut self.session, &mut self.console, pending, established);
        match result {
            Ok(reply) => {
                if !established {
                    self.as_connect(connect, |console, label| console.reply(label, &reply));
                }
                Ok(())
            }
            Err(error) => {
                self.session.disconnect();
                self.as_connect(connect, |console, label| console.error(label, &error));
                Err(error)
            }
        }
    }

    /// Prints for the pending `connect` line: under its label, in the format it was run in.
    fn as_connect(
        &mut self,
        connect: Option<(String, Format)>,
        print: impl FnOnce(&mut Console, &str),
    ) {
        let (label, format) =
            connect.unwrap_or_else(|| (String::from("connect"), self.console.format));
        let saved = std::mem::replace(&mut self.console.format, format);
        print(&mut self.console, &label);
        self.console.format = saved;
    }

    fn resolve(&self, command: &Command) -> Result<Resolution, CliError> {
        resolve(command, &self.session.context).map_err(|error| {
            CliError::from_resolve(&error, self.session.context.version(), self.session.mode)
        })
    }
}
