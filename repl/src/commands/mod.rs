//! One file per command. Each `run` goes from the typed command (parsed by the shared command
//! model, `xsite_clish`) straight to one SDK call and returns what to print.

pub mod alerts;
pub mod batch_check;
pub mod batch_cr;
pub mod cd;
pub mod clearcache;
pub mod connect;
pub mod disconnect;
pub mod doctor;
pub mod echo;
pub mod help;
pub mod ls;
pub mod quit;
pub mod runbook;
pub mod site;
pub mod watch;

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

/// The commands xsite adds to cli.sh's (`batch-cr`, `batch-check`, `runbook`), parsed by the
/// shared model as extensions and then by clap, with the same arguments as the one-shot
/// `xsite <command> …`: the names of [`Extension`]'s variants.
pub fn extension_names() -> Vec<String> {
    visible_subcommands(&extension_command())
        .map(|c| c.get_name().to_owned())
        .collect()
}

/// The clap definition of xsite's own commands as the shell and batch files parse them.
fn extension_command() -> clap::Command {
    use clap::CommandFactory as _;
    ExtensionLine::command()
}

/// The sub-commands of a command, without the `help` sub-command clap adds.
fn visible_subcommands(command: &clap::Command) -> impl Iterator<Item = &clap::Command> {
    command
        .get_subcommands()
        .filter(|c| !c.is_hide_set() && c.get_name() != "help")
}

/// Each of xsite's own commands and sub-commands, as its path (`["runbook", "resync"]`) and its
/// usage line from the clap definition (`runbook resync [OPTIONS] --from <GOOD> --to <STALE>`),
/// parents before children.
pub fn extension_usages() -> Vec<(Vec<String>, String)> {
    fn walk(command: &clap::Command, path: &[String], out: &mut Vec<(Vec<String>, String)>) {
        for sub in visible_subcommands(command) {
            let mut sub_path = path.to_vec();
            sub_path.push(sub.get_name().to_owned());
            // Named as typed in the shell (`runbook resync`), not as the binary's sub-command.
            let usage = sub
                .clone()
                .bin_name(sub_path.join(" "))
                .render_usage()
                .to_string();
            let usage = usage.strip_prefix("Usage: ").unwrap_or(&usage).trim_end();
            out.push((sub_path.clone(), usage.to_owned()));
            walk(sub, &sub_path, out);
        }
    }
    let mut out = Vec::new();
    walk(&extension_command(), &[], &mut out);
    out
}

/// The help of one of xsite's own commands at `path` (`["runbook", "resync"]`), exactly as
/// `runbook resync --help` prints it in the shell (both come from the clap definition that
/// parses it); `None` for a path that is not one of them.
pub fn extension_help(path: &[&str]) -> Option<String> {
    let (name, args) = path.split_first()?;
    // Only a path that exists: clap would print the nearest command's help for the rest.
    let mut command = &extension_command();
    for word in path {
        command = visible_subcommands(command).find(|c| c.get_name() == *word)?;
    }
    let raw = RawCommand {
        name: (*name).to_owned(),
        args: args
            .iter()
            .map(|a| (*a).to_owned())
            .chain(["--help".to_owned()])
            .collect(),
    };
    match parse_extension(&raw) {
        Err(Ok(text)) => Some(text),
        _ => None,
    }
}

/// xsite's own commands: one-shot (`xsite runbook …`) or typed in the shell or a batch file.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum Extension {
    /// A cli.sh script as a Batch CR.
    BatchCr(batch_cr::BatchCrArgs),
    /// Checks a Batch job's log.
    BatchCheck(batch_check::BatchCheckArgs),
    /// The Keycloak multi-site runbooks.
    Runbook(runbook::RunbookArgs),
    /// Every site side by side, refreshed by itself (full screen), or one snapshot (--once).
    Watch(watch::WatchArgs),
    /// Prometheus alert rules for cross-site replication, with the server version's metric names.
    Alerts(alerts::AlertsArgs),
    /// Both sites checked against the Keycloak blueprint of their cache set, before an outage.
    Doctor(doctor::DoctorArgs),
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
    match parse_extension(raw) {
        Ok(extension) => run_parsed(session, console, &extension),
        Err(Ok(text)) => Ok(Reply::Text(text)),
        Err(Err(error)) => Err(error),
    }
}

/// Parses a line of one of xsite's own commands with clap: the command, or the text clap
/// prints instead of running it (`--help`), or the usage error.
fn parse_extension(raw: &RawCommand) -> Result<Extension, CliResult<String>> {
    use clap::Parser as _;
    let words = std::iter::once(raw.name.clone()).chain(raw.args.iter().cloned());
    match ExtensionLine::try_parse_from(words) {
        Ok(line) => Ok(line.command),
        Err(e) => {
            use clap::error::ErrorKind;
            let text = e.render().to_string();
            Err(match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
                    Ok(text.trim_end().to_owned())
                }
                _ => Err(CliError::usage(text.trim_end().to_owned())),
            })
        }
    }
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
        Extension::Watch(args) => watch::run(session, console, args),
        Extension::Alerts(args) => alerts::run(session, console, args),
        Extension::Doctor(args) => doctor::run(session, console, args),
    }
}
