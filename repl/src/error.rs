//! The REPL's error type: what went wrong, in cli.sh's words, plus what to do about it.
//!
//! A [`CliError`] carries the message cli.sh would print (so the output stays byte-identical), a
//! [`Kind`] that decides the process exit code, and hints that xsite adds on stderr. SDK errors are
//! converted with [`CliError::from_sdk`], which keeps the HTTP status and the server's message.

use std::fmt;

use xsite_clish::{CliVersion, Mode, ResolveError};

use crate::render;
use crate::reply::Reply;

/// What kind of failure an error is; each kind has an exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The command line was wrong: unknown command, bad or missing option, wrong context.
    Usage,
    /// The server answered with an error status (404, 500, 304, …).
    Server,
    /// An all-caches action that the server answered with 200 but where some caches failed.
    PartialFailure,
    /// The credentials were missing or rejected, or the user lacks the permission.
    Auth,
    /// The server could not be reached.
    Connection,
    /// The TLS handshake failed.
    Tls,
    /// A state change was sent but its answer was lost (a broken connection, a time limit): it
    /// may or may not have been applied.
    OutcomeUnknown,
    /// A command that needs a connection was run while disconnected.
    NotConnected,
    /// The xsite invocation itself is wrong: bad arguments, unreadable files.
    Config,
    /// A check found failures: a script cli.sh would refuse (`batch-cr`), a Batch log with a
    /// failed command or a cache not "ok" (`batch-check`), a degraded site (`runbook status`).
    Check,
    /// A runbook stopped: an interlock held (a cache is never cleared unless its backups were
    /// verified offline), a step's postcondition was not reached by its deadline, or a request
    /// failed. The report says which step, each cache's state, and what to run next.
    Stopped,
    /// Not there yet: a Batch log shows the step ran but its postcondition is not reached (a
    /// status still `mixed`, a push still `SENDING`); apply the step again.
    NotYet,
    /// Stopped by Ctrl-C (a runbook stops at its next safe point, with its report).
    Interrupted,
    /// A bug in xsite.
    Internal,
}

impl Kind {
    /// The process exit code for this kind when it ends a run.
    ///
    /// cli.sh exits 1 for every failed command; xsite keeps 1 for those (and for failed
    /// checks), and uses 2 for a wrong invocation (as clap does), 3 for a runbook stopped by an
    /// interlock or a postcondition, 4 for a step to apply again, 130 for Ctrl-C (as shells do),
    /// and 255 for internal errors.
    pub fn exit_code(self) -> i32 {
        match self {
            Kind::Config => 2,
            Kind::Stopped => 3,
            Kind::NotYet => 4,
            Kind::Interrupted => 130,
            Kind::Internal => 255,
            _ => 1,
        }
    }

    /// A short machine-readable name, used by `--output json`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Usage => "usage",
            Kind::Server => "server",
            Kind::PartialFailure => "partial-failure",
            Kind::Auth => "auth",
            Kind::Connection => "connection",
            Kind::Tls => "tls",
            Kind::OutcomeUnknown => "outcome-unknown",
            Kind::NotConnected => "not-connected",
            Kind::Config => "config",
            Kind::Check => "check",
            Kind::Stopped => "stopped",
            Kind::NotYet => "not-yet",
            Kind::Interrupted => "interrupted",
            Kind::Internal => "internal",
        }
    }
}

/// A failed command or invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliError {
    /// What kind of failure this is.
    pub kind: Kind,
    /// The message, as cli.sh prints it (printed on stdout, like cli.sh, in red on a terminal).
    pub message: String,
    /// The HTTP status, when the server answered.
    pub status: Option<u16>,
    /// Extra lines xsite prints on stderr, after the message (`hint: …`).
    pub hints: Vec<String>,
    /// What cli.sh would have printed as a success before xsite judged it a failure (the
    /// per-cache map of an all-caches action in which some cache failed).
    pub printed: Option<Box<Reply>>,
    /// Printed by cli.sh's catch-all for exceptions (a failed `cd`): on stderr, in the colours of
    /// its batch reports, rather than on stdout like a command's error.
    pub catch_all: bool,
    /// The command was not applied and may be sent again as it is: the connection was refused
    /// or failed in TLS, the server asked for credentials (401), or the SDK refused it before
    /// sending. A pending connection then opens first, as `connect` would have (see
    /// [`crate::commands::connect::PendingConnect`]).
    pub unapplied: bool,
}

impl CliError {
    /// An error of the given kind with cli.sh's message.
    pub fn new(kind: Kind, message: impl Into<String>) -> Self {
        CliError {
            kind,
            message: message.into(),
            status: None,
            hints: Vec::new(),
            printed: None,
            catch_all: false,
            unapplied: false,
        }
    }

    /// What cli.sh prints when a command does not fit the context (the shared model's
    /// [`ResolveError`]), with xsite's hints.
    pub fn from_resolve(error: &ResolveError, version: CliVersion, mode: Mode) -> Self {
        // The exact line cli.sh prints, or the message when the real one is the JVM's.
        let printed = error
            .printed(version)
            .unwrap_or_else(|| error.message(version));
        let mut err = match (error, mode) {
            (ResolveError::NotConnected, Mode::Interactive) => {
                CliError::new(Kind::NotConnected, error.message(version))
                    .with_hint("connect first: connect [http(s)://]host:port")
            }
            (ResolveError::NotConnected, Mode::Batch) => CliError::new(Kind::NotConnected, printed)
                .with_hint("connect first: connect [http(s)://]host:port"),
            (ResolveError::MissingCacheOrAllCaches, _) => CliError::new(Kind::Usage, printed)
                .with_hint("give --cache=NAME or --all-caches, or cd into a cache first"),
            (ResolveError::WrongContext, _) => CliError::new(Kind::Usage, printed)
                .with_hint("give --cache=NAME, or cd into a cache first"),
            _ => CliError::new(Kind::Usage, printed),
        };
        err.catch_all = matches!(
            error,
            ResolveError::NoSuchResource { .. } | ResolveError::NoParent
        );
        err
    }

    /// A usage error (bad command line).
    pub fn usage(message: impl Into<String>) -> Self {
        CliError::new(Kind::Usage, message)
    }

    /// A configuration error (bad invocation).
    pub fn config(message: impl Into<String>) -> Self {
        CliError::new(Kind::Config, message)
    }

    /// Adds a hint line.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }

    /// The exit code this error gives.
    pub fn exit_code(&self) -> i32 {
        self.kind.exit_code()
    }

    /// Converts an SDK error into what cli.sh prints for it, with hints.
    pub fn from_sdk(error: &xsite::Error) -> Self {
        use xsite::Error as E;
        let mut err = Self::from_sdk_error(error);
        // A write fails with `Transport` only when it cannot have reached the server (else it is
        // `OutcomeUnknown`); a read may be sent again.
        err.unapplied = matches!(
            error,
            E::Unauthorized(_)
                | E::Transport { .. }
                | E::Tls { .. }
                | E::InvalidName(_)
                | E::Config(_)
        );
        err
    }

    fn from_sdk_error(error: &xsite::Error) -> Self {
        use xsite::Error as E;
        if let E::AuthUnsupported(server) = error {
            let mut err = CliError::new(
                Kind::Auth,
                format!(
                    "Unsupported authentication: {}",
                    xsite::printable(&server.message)
                ),
            )
            .with_hint(
                "xsite answers Digest (MD5, SHA-256; qop=auth) and Basic: enable one of them on \
                 the server's REST endpoint",
            );
            err.status = Some(server.status.as_u16());
            return err;
        }
        if let Some(server) = error.server_error() {
            let status = server.status.as_u16();
            let kind = match error {
                E::Unauthorized(_) | E::Forbidden(_) => Kind::Auth,
                _ => Kind::Server,
            };
            let mut err = CliError::new(kind, render::http_error_message(status, &server.message));
            err.status = Some(status);
            match status {
                401 => {
                    err = err.with_hint(
                        "check the username and password (connect -u USER, the URL's user-info, \
                         or XSITE_USERNAME / XSITE_PASSWORD)",
                    )
                }
                403 => {
                    err = err.with_hint(
                        "the user is authenticated but lacks the permission: cross-site \
                         operations need the ADMIN permission",
                    )
                }
                _ => {}
            }
            return err;
        }
        match error {
            E::PartialFailure(partial) => {
                // Group the failed caches by the server's text: an unknown site fails them all
                // with the same one.
                let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
                for (cache, message) in partial.failed() {
                    match groups.iter_mut().find(|(m, _)| *m == message) {
                        Some((_, caches)) => caches.push(cache),
                        None => groups.push((message, vec![cache])),
                    }
                }
                let failed: usize = groups.iter().map(|(_, caches)| caches.len()).sum();
                let detail: Vec<String> = groups
                    .iter()
                    .map(|(message, caches)| {
                        let caches: Vec<_> = caches.iter().map(|c| xsite::printable(c)).collect();
                        format!("{} ({})", xsite::printable(message), caches.join(", "))
                    })
                    .collect();
                let mut err = CliError::new(
                    Kind::PartialFailure,
                    format!(
                        "{failed} of {} caches failed: {}",
                        partial.results.len(),
                        detail.join("; ")
                    ),
                );
                err.printed = Some(Box::new(Reply::Json(
                    serde_json::to_value(&partial.results).unwrap_or_default(),
                )));
                err
            }
            E::Tls {
                plain_http: true, ..
            } => CliError::new(
                Kind::Tls,
                "Could not connect to server: TLS handshake failed: the port answered in plain \
                 HTTP, not TLS",
            )
            .with_hint("this port speaks plain HTTP: connect with http:// instead of https://"),
            E::Tls { detail, .. } => CliError::new(
                Kind::Tls,
                format!("Could not connect to server: TLS handshake failed: {detail}"),
            )
            .with_hint(
                "give the server's CA certificate with --truststore FILE (a PEM file), or, for a \
                 test server only, --trustall",
            ),
            E::Timeout { limit, .. } => CliError::new(
                Kind::Connection,
                format!(
                    "Timed out: no complete answer from the server within {} s",
                    limit.as_secs_f64()
                ),
            )
            .with_hint(
                "the server may be hung or overloaded; give it longer with --timeout SECONDS",
            ),
            E::OutcomeUnknown {
                request, reason, ..
            } => CliError::new(
                Kind::OutcomeUnknown,
                format!(
                    "Outcome unknown: {request} was sent but {reason}; the server may or may not \
                     have applied it"
                ),
            )
            .with_hint("read the state (site status) before sending it again"),
            E::ResponseTooLarge { limit, .. } => CliError::new(
                Kind::Server,
                format!("Error: the server's answer is larger than {limit} bytes; it was not read"),
            ),
            E::InvalidName(message) => CliError::usage(message.clone()),
            E::Transport { source, .. } => {
                let kind = Kind::Connection;
                let detail = innermost(source);
                let mut err = CliError::new(kind, format!("Could not connect to server: {detail}"));
                if source.is_connect() {
                    err = err.with_hint(
                        "is the server running, and is this its REST port (11222 by default)?",
                    );
                } else if source.is_timeout() {
                    err = err.with_hint(
                        "the server did not answer in time; give it longer with --timeout SECONDS",
                    );
                }
                err
            }
            E::Decode { reason, body, .. } => CliError::new(
                Kind::Server,
                format!(
                    "Error: unexpected response ({}): {}",
                    xsite::printable(reason),
                    xsite::printable(body)
                ),
            ),
            E::Config(config) => CliError::config(config.to_string()),
            E::Abandoned => CliError::config(crate::interrupt::ABANDONED),
            other => CliError::new(Kind::Internal, other.to_string()),
        }
    }
}

/// The innermost cause of an error, which usually says what really happened.
fn innermost(error: &(dyn std::error::Error + 'static)) -> String {
    let mut current = error;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

/// The result type of commands.
pub type CliResult<T = ()> = Result<T, CliError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configuration_and_abandoned_calls_keep_their_messages_and_exit_code() {
        let err = xsite::Client::builder("ftp://h").build().unwrap_err();
        let cli = CliError::from_sdk(&err);
        assert_eq!(cli.kind, Kind::Config);
        assert_eq!(
            cli.message,
            "the base URL 'ftp://h' must start with http:// or https://"
        );
        let cli = CliError::from_sdk(&xsite::Error::Abandoned);
        assert_eq!(cli.kind, Kind::Config);
        assert_eq!(cli.message, crate::interrupt::ABANDONED);
    }

    #[test]
    fn exit_codes() {
        assert_eq!(Kind::Server.exit_code(), 1);
        assert_eq!(Kind::Usage.exit_code(), 1);
        assert_eq!(Kind::Config.exit_code(), 2);
        assert_eq!(Kind::Check.exit_code(), 1);
        assert_eq!(Kind::Stopped.exit_code(), 3);
        assert_eq!(Kind::NotYet.exit_code(), 4);
        assert_eq!(Kind::Internal.exit_code(), 255);
    }

    #[test]
    fn hints_are_kept_apart_from_the_message() {
        let err = CliError::usage("Command not found").with_hint("try help");
        assert_eq!(err.to_string(), "Command not found");
        assert_eq!(err.hints, ["try help"]);
    }
}
