//! One file per command. Each `run` goes from the typed command (parsed by the shared command
//! model, `xsite_clish`) straight to one SDK call and returns what to print.

pub mod batch_check;
pub mod batch_cr;
pub mod cd;
pub mod clearcache;
pub mod connect;
pub mod disconnect;
pub mod echo;
pub mod help;
pub mod ls;
pub mod quit;
pub mod runbook;
pub mod site;

use xsite_clish::{Command, RawCommand, Resolution};

use crate::console::{Console, Format, Reply};
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
        Command::Extension(raw) => run_extension(session, console, raw),
        Command::Other(raw) => Err(CliError::usage(format!(
            "xsite does not implement the cli.sh command '{}'",
            raw.name
        ))
        .with_hint("xsite covers cross-site work: connect, cd, ls, site, clearcache, echo, help")),
    }
}

/// The commands xsite adds to cli.sh's, parsed by the shared model as extensions and then by
/// clap, with the same arguments as the one-shot `xsite <command> …`.
pub const EXTENSIONS: [&str; 3] = ["batch-cr", "batch-check", "runbook"];

/// xsite's own commands: one-shot (`xsite runbook …`) or typed in the shell or a batch file.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum Extension {
    /// A cli.sh script as a Batch CR.
    BatchCr(batch_cr::BatchCrArgs),
    /// Checks a Batch job's log.
    BatchCheck(batch_check::BatchCheckArgs),
    /// The Keycloak multi-site runbooks.
    Runbook(runbook::RunbookArgs),
}

/// A line of one of xsite's own commands, for clap.
#[derive(Debug, clap::Parser)]
#[command(name = "xsite", no_binary_name = true, disable_version_flag = true)]
struct ExtensionLine {
    #[command(subcommand)]
    command: Extension,
}

/// Takes `--output FORMAT` / `--output=FORMAT` out of one of xsite's own commands typed in the
/// shell or a batch file (the one-shot `xsite --output json runbook …` has it as a global
/// option, in any position): the words left, and the format asked for.
pub fn take_output_option(raw: &RawCommand) -> CliResult<(RawCommand, Option<Format>)> {
    let parse = |value: &str| match value {
        "cli" => Ok(Format::Cli),
        "json" => Ok(Format::Json),
        other => Err(CliError::usage(format!(
            "invalid value '{other}' for '--output <FORMAT>': use cli or json"
        ))),
    };
    let mut format = None;
    let mut args = Vec::with_capacity(raw.args.len());
    let mut words = raw.args.iter();
    while let Some(word) = words.next() {
        if word == "--output" {
            let value = words
                .next()
                .ok_or_else(|| CliError::usage("'--output' needs a value: cli or json"))?;
            format = Some(parse(value)?);
        } else if let Some(value) = word.strip_prefix("--output=") {
            format = Some(parse(value)?);
        } else {
            args.push(word.clone());
        }
    }
    let rest = RawCommand {
        name: raw.name.clone(),
        args,
    };
    Ok((rest, format))
}

/// Runs one of xsite's own commands.
pub fn run_extension(
    session: &mut Session,
    console: &mut Console,
    raw: &RawCommand,
) -> CliResult<Reply> {
    use clap::Parser as _;
    let words = std::iter::once(raw.name.clone()).chain(raw.args.iter().cloned());
    let extension = match ExtensionLine::try_parse_from(words) {
        Ok(line) => line.command,
        Err(e) => {
            use clap::error::ErrorKind;
            let text = e.render().to_string();
            return match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
                    Ok(Reply::Text(text.trim_end().to_owned()))
                }
                _ => Err(CliError::usage(text.trim_end().to_owned())),
            };
        }
    };
    run_parsed(session, console, &extension)
}

/// Runs a parsed xsite command.
pub fn run_parsed(
    session: &mut Session,
    console: &mut Console,
    extension: &Extension,
) -> CliResult<Reply> {
    match extension {
        Extension::BatchCr(args) => batch_cr::run(console, args),
        Extension::BatchCheck(args) => batch_check::run(console, args),
        Extension::Runbook(args) => runbook::run(session, console, args),
    }
}
