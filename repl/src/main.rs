//! `xsite`: a `cli.sh`-compatible shell for Data Grid cross-site replication.
//!
//! The options mirror `cli.sh`'s; `--on-error`, `--output`, `--color`, `--demo` and the history
//! options are xsite's own.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use secrecy::SecretString;
use xsite_clish::{Command, Connect, Mode, split_url_password, url_has_password};
use xsite_repl::commands::{self, Extension};
use xsite_repl::console::{Console, Format};
#[cfg(feature = "demo")]
use xsite_repl::demo::DemoGrid;
use xsite_repl::error::CliError;
use xsite_repl::exec::{Executor, Outcome};
use xsite_repl::prompt::TtyPrompter;
use xsite_repl::script_file::{self, OnError, Properties};
use xsite_repl::session::{Session, TlsSettings};
use xsite_repl::sites::SiteRegistry;
use xsite_repl::{history, interrupt, manual, shell};

/// A cli.sh-compatible shell for Infinispan / Red Hat Data Grid cross-site replication.
#[derive(Debug, Parser)]
#[command(name = "xsite", version, about, long_about = None)]
struct Args {
    /// Connects to a server first: host:port, [ipv6]:port or http(s)://[user[:password]@]host[:port].
    #[arg(short = 'c', long = "connect", value_name = "URL")]
    connect: Option<String>,

    /// Runs the commands of a batch file ("-" reads standard input); may be repeated.
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    file: Vec<String>,

    /// Trusts every server certificate (test servers only).
    #[arg(long)]
    trustall: bool,

    /// A PEM file of CA certificates to trust (Java keystores are not readable: export to PEM).
    #[arg(short = 't', long, value_name = "FILE")]
    truststore: Option<PathBuf>,

    /// The truststore's password (accepted for compatibility; PEM needs none). Avoid passwords on
    /// the command line.
    #[arg(short = 's', long = "truststore-password", value_name = "PASSWORD")]
    truststore_password: Option<String>,

    /// A PEM file holding the client's private key and certificate.
    #[arg(short = 'k', long, value_name = "FILE")]
    keystore: Option<PathBuf>,

    /// The keystore's password (accepted for compatibility; PEM needs none). Avoid passwords on
    /// the command line.
    #[arg(short = 'w', long = "keystore-password", value_name = "PASSWORD")]
    keystore_password: Option<String>,

    /// Accepted for compatibility and ignored: the certificate must match the host name.
    #[arg(long = "hostname-verifier", value_name = "REGEX")]
    hostname_verifier: Option<String>,

    /// A properties file: `${key}` values for batch files, and cli.sh's context properties
    /// (autoconnect-url, trustall, truststore, keystore).
    #[arg(short = 'P', long = "properties", value_name = "FILE")]
    properties: Option<PathBuf>,

    /// Sets a property for `${key}` substitution (key=value); may be repeated.
    #[arg(short = 'D', value_name = "KEY=VALUE")]
    defines: Vec<String>,

    /// What a batch does when a command fails (as cli.sh 16.0.9+).
    #[arg(long = "on-error", value_enum, default_value_t = OnError::FailFast, value_name = "MODE")]
    on_error: OnError,

    /// Starts an embedded two-site Data Grid, connects to site-a, and names both sites for the
    /// runbooks.
    #[arg(long)]
    #[cfg_attr(not(feature = "demo"), arg(help = xsite_repl::no_demo::HELP))]
    demo: bool,

    /// A site for the runbooks, NAME=URL (site-a=https://dg.site-a.example.com:11222); may be
    /// repeated. Passwords: XSITE_PASSWORD_<SITE>, XSITE_PASSWORD, or a prompt.
    #[arg(long = "site-url", value_name = "NAME=URL")]
    site_urls: Vec<String>,

    /// The sites profile (default: ~/.config/xsite/sites.toml when it exists): [sites.NAME]
    /// tables with url, username, ca-file, trustall. Never a password.
    #[arg(long, value_name = "FILE")]
    profile: Option<PathBuf>,

    /// How results are printed: as cli.sh does, or one JSON document per command (JSON Lines);
    /// accepted before or after the command.
    #[arg(long, value_enum, default_value_t = OutputArg::Cli, value_name = "FORMAT", global = true)]
    output: OutputArg,

    /// Colours errors and the prompt: auto (when stdout is a terminal), always, never.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto, value_name = "WHEN")]
    color: ColorArg,

    /// The history file (default: ~/.local/share/xsite/history).
    #[arg(long = "history-file", value_name = "FILE")]
    history_file: Option<PathBuf>,

    /// Keeps no history.
    #[arg(long = "no-history")]
    no_history: bool,

    /// The time limit of each request to a server, in seconds (default 60), retries included;
    /// connecting may take 10 s at most, or this if lower. A state change that runs out of time
    /// is reported as "outcome unknown": it may or may not have been applied. A runbook's
    /// deadlines also bound the requests made inside them.
    #[arg(long, value_name = "SECONDS", global = true, value_parser = parse_timeout)]
    timeout: Option<Duration>,

    /// Logs requests on stderr (-v: debug, -vv: trace).
    #[arg(short = 'v', long = "verbose", action = clap::ArgAction::Count, global = true)]
    verbose: u8,

    /// xsite's own commands, and the completion script and man page of this binary.
    #[command(subcommand)]
    top: Option<TopCommand>,

    /// xsite's own command, one-shot (taken out of `top`).
    #[arg(skip)]
    command: Option<Extension>,
}

/// The sub-commands of the binary.
#[derive(Debug, Subcommand)]
enum TopCommand {
    /// xsite's own commands, one-shot (they also work in the shell and in batch files).
    #[command(flatten)]
    Own(Box<Extension>),
    /// Prints the shell completion script on stdout.
    ///
    /// For example: xsite completions bash > ~/.local/share/bash-completion/completions/xsite
    Completions {
        /// The shell.
        #[arg(value_enum, value_name = "SHELL")]
        shell: manual::Shell,
    },
    /// Prints the man page (roff) on stdout, or a command's (xsite man runbook resync).
    ///
    /// For example: xsite man > ~/.local/share/man/man1/xsite.1
    Man {
        /// The command whose page to print (default: xsite's own).
        #[arg(value_name = "COMMAND")]
        command: Vec<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OutputArg {
    Cli,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorArg {
    Auto,
    Always,
    Never,
}

fn main() -> ExitCode {
    let mut args = Args::parse();
    // Generated from the clap definition above: the options and commands the binary accepts.
    let generated = match args.top.take() {
        Some(TopCommand::Completions { shell }) => {
            Some(Ok(manual::completions(&mut Args::command(), shell)))
        }
        Some(TopCommand::Man { command }) => Some(manual::man_page(Args::command(), &command)),
        Some(TopCommand::Own(extension)) => {
            args.command = Some(*extension);
            None
        }
        None => None,
    };
    if let Some(bytes) = generated {
        return match bytes.and_then(|b| manual::print(&b)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("xsite: {e}");
                // A command that does not exist is a usage error, as clap's own.
                match e.kind() {
                    std::io::ErrorKind::InvalidInput => ExitCode::from(2),
                    _ => ExitCode::FAILURE,
                }
            }
        };
    }
    init_logging(args.verbose);
    let code = match run(args) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("xsite: {error}");
            for hint in &error.hints {
                eprintln!("hint: {hint}");
            }
            error.exit_code()
        }
    };
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "xsite=debug,xsite_repl=debug,info",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("XSITE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Escape codes only on a terminal: a log redirected to a file stays plain text.
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .init();
}

fn run(mut args: Args) -> Result<i32, CliError> {
    // `xsite runbook … --demo / --profile`: the runbook's copies of the global options.
    let (demo_flag, profile_flag) = match &args.command {
        Some(Extension::Runbook(r)) => (
            args.demo || r.demo,
            args.profile.clone().or(r.profile.clone()),
        ),
        _ => (args.demo, args.profile.clone()),
    };
    if let Some(Extension::Runbook(r)) = &mut args.command {
        // Taken into account above; the runbook itself refuses them (in the shell).
        r.demo = false;
        r.profile = None;
    }
    #[cfg(not(feature = "demo"))]
    if demo_flag {
        return Err(xsite_repl::no_demo::unavailable());
    }
    // Ctrl-C: a runbook stops at its next safe point, the shell survives (see interrupt).
    interrupt::install();
    if args.truststore_password.is_some() || args.keystore_password.is_some() {
        eprintln!(
            "xsite: warning: passwords given as options can be read by other users (ps, shell \
             history); PEM files need none"
        );
    }
    let url_passwords = args
        .connect
        .iter()
        .chain(&args.site_urls)
        .any(|url| url_has_password(url));
    if url_passwords {
        eprintln!(
            "xsite: warning: a password in a URL on the command line can be read by other users \
             (ps, shell history); leave it out and set {} (or {}_<SITE> for --site-url), or \
             answer the prompt",
            commands::connect::PASSWORD_ENV,
            xsite_repl::sites::PASSWORD_ENV_PREFIX
        );
    }
    let mut properties = match &args.properties {
        Some(path) => Properties::read(path)?.into_map(),
        None => Default::default(),
    };
    for define in &args.defines {
        let (key, value) = define.split_once('=').unwrap_or((define, ""));
        properties.insert(key.to_owned(), value.to_owned());
    }
    let properties = Properties::new(properties);

    let tls = TlsSettings {
        trustall: args.trustall || properties.get("trustall") == Some("true"),
        truststore: args
            .truststore
            .clone()
            .or_else(|| properties.get("truststore").map(PathBuf::from)),
        truststore_password: args
            .truststore_password
            .clone()
            .or_else(|| properties.get("truststore-password").map(str::to_owned))
            .map(SecretString::from),
        keystore: args
            .keystore
            .clone()
            .or_else(|| properties.get("keystore").map(PathBuf::from)),
        keystore_password: args
            .keystore_password
            .clone()
            .or_else(|| properties.get("keystore-password").map(str::to_owned))
            .map(SecretString::from),
        hostname_verifier: args.hostname_verifier.clone(),
        timeout: args.timeout,
    };

    let stdin_is_tty = std::io::stdin().is_terminal();
    let mut files = args.file.clone();
    if files.is_empty() && !stdin_is_tty && args.command.is_none() {
        // Commands piped in without -f: read them as a batch, as `-f -` would.
        files.push("-".to_owned());
    }
    let mode = if files.is_empty() {
        Mode::Interactive
    } else {
        Mode::Batch
    };
    let color = match args.color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let format = match args.output {
        OutputArg::Cli => Format::Cli,
        OutputArg::Json => Format::Json,
    };
    let mut session = Session::new(tls, Box::new(TtyPrompter), mode);
    if let Some(profile) = profile_flag.or_else(SiteRegistry::default_profile) {
        session.sites.load_profile(&profile)?;
    }
    for spec in &args.site_urls {
        session.sites.set_url(spec)?;
    }

    // The grid runs until the end, after the executor (and its connection) is gone.
    #[cfg(feature = "demo")]
    let demo = if demo_flag {
        Some(start_demo(&mut session, args.command.is_none())?)
    } else {
        None
    };
    #[cfg(feature = "demo")]
    let demo_site_a = demo.as_ref().map(|g| g.site_a_url().to_owned());
    #[cfg(not(feature = "demo"))]
    let demo_site_a: Option<String> = None;

    let mut executor = Executor::new(session, Console::stdio(color, format));

    if let Some(command) = &args.command {
        // One-shot: xsite's own command, without connecting or reading batch files.
        let label = match command {
            Extension::BatchCr(_) => "batch-cr",
            Extension::BatchCheck(_) => "batch-check",
            Extension::Runbook(_) => "runbook",
            Extension::Watch(_) => "watch",
            Extension::Alerts(_) => "alerts",
            Extension::Doctor(_) => "doctor",
        };
        let Executor {
            session, console, ..
        } = &mut executor;
        let result = commands::run_parsed(session, console, command);
        for warning in session.sites.basic_in_clear() {
            console.note(&warning);
        }
        let code = match result {
            Ok(reply) => {
                console.reply(label, &reply);
                0
            }
            Err(error) => {
                if label == "runbook" {
                    console.error(label, &error);
                } else {
                    // stdout holds only what is meant for oc (YAML) or the check's report.
                    console.error_on_stderr(label, &error);
                }
                error.exit_code()
            }
        };
        drop(executor);
        #[cfg(feature = "demo")]
        drop(demo);
        return Ok(code);
    }

    let connect_to = args
        .connect
        .clone()
        .or(demo_site_a)
        .or_else(|| properties.get("autoconnect-url").map(str::to_owned));
    if let Some(url) = connect_to {
        let (url, url_password) = split_url_password(&url);
        let command = Command::Connect(Box::new(Connect {
            url: Some(url),
            url_password,
            ..Connect::default()
        }));
        // A batch sends the connection's requests only when a command needs them (see
        // `PendingConnect`): a one-shot cache-level command is one request plus its challenge.
        executor.session.defer_connect = mode == Mode::Batch;
        let outcome = executor.run_command(&command);
        executor.session.defer_connect = false;
        if let Outcome::Failed(error) = outcome
            && mode == Mode::Batch
        {
            return Ok(error.exit_code());
        }
    }

    let code = if files.is_empty() {
        let history_file = if args.no_history {
            None
        } else {
            args.history_file.clone().or_else(history::default_path)
        };
        shell::run(&mut executor, history_file, color)
    } else {
        let mut code = 0;
        for file in &files {
            code = run_file(&mut executor, file, &properties, args.on_error)?;
            if code != 0 {
                break;
            }
        }
        // A batch that never needed the server still connects, as cli.sh's `-c` does (and
        // fails as it would).
        let never_used = executor
            .session
            .pending_connect
            .as_ref()
            .is_some_and(|p| !p.established);
        if code == 0
            && never_used
            && let Err(error) = executor.complete_pending_connect()
        {
            code = error.exit_code();
        }
        code
    };
    drop(executor);
    #[cfg(feature = "demo")]
    drop(demo);
    Ok(code)
}

/// `--demo`: starts the embedded grid, names both sites for the runbooks and gives the session
/// the grid's credentials; `announce` prints the sites' URLs (the shell and script files). The
/// grid stops when the returned value is dropped.
#[cfg(feature = "demo")]
fn start_demo(session: &mut Session, announce: bool) -> Result<DemoGrid, CliError> {
    use xsite_repl::sites::SiteConfig;
    let grid = DemoGrid::start()
        .map_err(|e| CliError::config(format!("Cannot start the embedded grid: {e}")))?;
    session.default_credentials = Some((
        xsite_sim::ADMIN_USER.to_owned(),
        SecretString::from(xsite_sim::ADMIN_PASSWORD),
    ));
    for (name, url) in [("site-a", grid.site_a_url()), ("site-b", grid.site_b_url())] {
        session.sites.insert(SiteConfig {
            username: Some(xsite_sim::ADMIN_USER.to_owned()),
            password: Some(SecretString::from(xsite_sim::ADMIN_PASSWORD)),
            ..SiteConfig::from_url(name, url)?
        });
    }
    if announce {
        eprintln!(
            "xsite: embedded two-site grid running (Infinispan 14.0 simulator; user {} / {}):\n  \
             site-a  {}\n  site-b  {}\nxsite: connected to site-a; to switch: connect {}\n\
             xsite: both sites are named for the runbooks: try runbook status, or \
             runbook resync --from site-a --to site-b --dry-run",
            xsite_sim::ADMIN_USER,
            xsite_sim::ADMIN_PASSWORD,
            grid.site_a_url(),
            grid.site_b_url(),
            grid.site_b_url()
        );
    }
    Ok(grid)
}

fn run_file(
    executor: &mut Executor,
    file: &str,
    properties: &Properties,
    on_error: OnError,
) -> Result<i32, CliError> {
    if file == "-" {
        let stdin = std::io::stdin();
        return Ok(script_file::run(
            executor,
            "-",
            stdin.lock(),
            properties,
            on_error,
        ));
    }
    let path = PathBuf::from(file);
    let opened = match std::fs::File::open(&path) {
        Ok(opened) => opened,
        Err(e) => {
            // `-c`'s connection comes first, as when it was opened before the files.
            if let Err(error) = executor.complete_pending_connect() {
                return Ok(error.exit_code());
            }
            return Err(CliError::config(format!(
                "Cannot read the batch file {file}: {e}"
            )));
        }
    };
    // cli.sh names the file by its absolute path in its reports.
    let name = std::path::absolute(&path)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| file.to_owned());
    Ok(script_file::run(
        executor,
        &name,
        std::io::BufReader::new(opened),
        properties,
        on_error,
    ))
}

/// Reads `--timeout`: seconds, above zero, at most a day.
fn parse_timeout(text: &str) -> Result<Duration, String> {
    let seconds: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("'{text}' is not a number of seconds"))?;
    if !(seconds > 0.0 && seconds <= 86_400.0) {
        return Err(format!(
            "'{text}': the timeout must be above 0 and at most 86400 seconds"
        ));
    }
    Ok(Duration::from_secs_f64(seconds))
}

#[cfg(all(test, not(feature = "demo")))]
mod no_demo_tests {
    use super::*;

    /// Parses as `main` does: xsite's own command is taken out of `top`.
    fn args(argv: &[&str]) -> Args {
        let mut args = Args::try_parse_from(argv).expect("--demo still parses");
        if let Some(TopCommand::Own(extension)) = args.top.take() {
            args.command = Some(*extension);
        }
        args
    }

    #[test]
    fn demo_is_a_clear_error_with_exit_code_2() {
        for argv in [
            &["xsite", "--demo"][..],
            &["xsite", "--demo", "-f", "-"][..],
            &["xsite", "--demo", "runbook", "status"][..],
            &["xsite", "runbook", "status", "--demo"][..],
        ] {
            let error = run(args(argv)).expect_err("no embedded grid in this build");
            assert_eq!(error.exit_code(), 2, "{argv:?}");
            assert!(
                error.message.contains("no embedded demo grid")
                    && error.message.contains("`demo` feature"),
                "{argv:?}: {}",
                error.message
            );
            assert!(
                error.hints.iter().any(|h| h.contains("default features")),
                "{argv:?}: {:?}",
                error.hints
            );
        }
    }

    #[test]
    fn help_says_demo_is_not_in_this_build() {
        let command = Args::command();
        let runbook = command.find_subcommand("runbook").expect("runbook");
        for owner in [&command, runbook] {
            let demo = owner
                .get_arguments()
                .find(|a| a.get_long() == Some("demo"))
                .expect("--demo is still an option");
            let help = demo.get_help().map(ToString::to_string);
            assert_eq!(help.as_deref(), Some(xsite_repl::no_demo::HELP));
            // `--help` shows the long help when there is one: none, or the same.
            if let Some(long) = demo.get_long_help() {
                assert_eq!(long.to_string(), xsite_repl::no_demo::HELP);
            }
        }
    }
}
