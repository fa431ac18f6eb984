//! One file per command. Each `run` goes from the typed command (parsed by the shared command
//! model, `xsite_batch::script`) straight to one SDK call and returns what to print.

pub mod cd;
pub mod clearcache;
pub mod connect;
pub mod disconnect;
pub mod echo;
pub mod help;
pub mod ls;
pub mod quit;
pub mod site;

use xsite_batch::script::{Command, Resolution};

use crate::console::{Console, Reply};
use crate::error::{CliError, CliResult};
use crate::session::Session;

/// Runs one parsed command, whose context the shared model has resolved.
pub fn run(
    session: &mut Session,
    console: &mut Console,
    command: &Command,
    resolution: &Resolution,
) -> CliResult<Reply> {
    match command {
        Command::Site(site) => site::run(session, console, site, resolution),
        Command::ClearCache { .. } => clearcache::run(session, console, &resolution.target),
        Command::Connect(args) => connect::run(session, console, args),
        Command::Disconnect => disconnect::run(session, console),
        Command::Cd { path } => cd::run(session, console, path),
        Command::Ls(_) => ls::run(session, console, &resolution.target),
        Command::Echo { words } => echo::run(console, words),
        Command::Help { topic } => help::run(console, topic),
        Command::Usage { path } => help::run_usage(console, path),
        Command::Quit => quit::run(session),
        Command::Other(raw) | Command::Extension(raw) => Err(CliError::usage(format!(
            "xsite does not implement the cli.sh command '{}'",
            raw.name
        ))
        .with_hint("xsite covers cross-site work: connect, cd, ls, site, clearcache, echo, help")),
    }
}
