//! `batch-cr`: a cli.sh script as a `Batch` custom resource (YAML for `oc apply -f -`).
//!
//! The script (`-f FILE`, `-f -` or piped standard input, or commands given as arguments, one
//! per argument) is parsed and linted with the same command model as the shell, as the Batch
//! job runs it: any line cli.sh would refuse or fail on is reported as `file:line: …` in
//! cli.sh's words, and nothing is printed for the cluster. Otherwise the YAML goes to stdout
//! (the ConfigMap first with `--config-map`), and the `oc` commands to apply it, wait for
//! `Succeeded` *or* `Failed`, and read its log go to stderr (or stdout as YAML comments with
//! `--commands stdout`).

use std::io::{IsTerminal, Read};
use std::time::Duration;

use clap::ValueEnum;
use xsite_batch::cr::{BatchBuilder, BatchCr, CrError};
use xsite_clish::{CliVersion, Context, NoVars, Parser, Script, Severity, has_errors, lint};

use crate::console::{Console, Format, Reply};
use crate::error::{CliError, CliResult, Kind};

/// Where the `oc` commands go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum CommandsTo {
    /// On stderr, apart from the YAML.
    #[default]
    Stderr,
    /// On stdout after the YAML, as YAML comments (`oc apply` ignores them).
    Stdout,
    /// Not at all.
    None,
}

/// The longest `--wait-timeout`, in seconds: a week (longer overflows the shell's clock
/// arithmetic in the printed loop, and is a typo anyway).
pub const MAX_WAIT_TIMEOUT: u64 = 7 * 24 * 3600;

/// The options shared by `batch-cr` and `runbook … --emit-batch`.
#[derive(Debug, Clone, clap::Args)]
pub struct BatchOptions {
    /// The Infinispan CR (`spec.cluster`), in the Batch's namespace.
    #[arg(long, value_name = "NAME")]
    pub cluster: Option<String>,

    /// The namespace of the Infinispan CR (and of the Batch).
    #[arg(long, value_name = "NS")]
    pub namespace: Option<String>,

    /// Puts the script in a ConfigMap of the Batch's name, printed first, instead of inline.
    #[arg(long = "config-map")]
    pub config_map: bool,

    /// `spec.container.cpu`: LIMIT or LIMIT:REQUEST (e.g. 500m or 1:500m).
    #[arg(long, value_name = "LIMIT[:REQUEST]")]
    pub cpu: Option<String>,

    /// `spec.container.memory`: LIMIT or LIMIT:REQUEST (e.g. 1Gi:512Mi).
    #[arg(long, value_name = "LIMIT[:REQUEST]")]
    pub memory: Option<String>,

    /// The Infinispan version of the cluster (the server image), for cli.sh's rules.
    #[arg(long = "server-version", value_name = "VERSION", value_parser = parse_version)]
    pub server_version: Option<CliVersion>,

    /// How long the printed wait loop waits for Succeeded or Failed, in seconds (1 to 604800,
    /// a week).
    #[arg(long = "wait-timeout", value_name = "SECS", default_value_t = 600,
          value_parser = clap::value_parser!(u64).range(1..=MAX_WAIT_TIMEOUT))]
    pub wait_timeout: u64,
}

fn parse_version(text: &str) -> Result<CliVersion, String> {
    text.parse().map_err(|e| format!("{e}"))
}

impl BatchOptions {
    /// A builder with the cluster, namespace, ConfigMap and resources set.
    pub fn builder(&self) -> CliResult<BatchBuilder> {
        let cluster = self.cluster.clone().ok_or_else(|| {
            CliError::config("--cluster NAME is required: the Infinispan CR the Batch runs on")
        })?;
        let mut builder = BatchCr::builder(cluster)
            .config_map(self.config_map)
            .version(self.version());
        if let Some(ns) = &self.namespace {
            builder = builder.namespace(ns.clone());
        }
        if let Some(cpu) = &self.cpu {
            builder = builder.cpu(cpu.clone());
        }
        if let Some(memory) = &self.memory {
            builder = builder.memory(memory.clone());
        }
        Ok(builder)
    }

    /// The cli.sh version whose rules apply.
    pub fn version(&self) -> CliVersion {
        self.server_version.unwrap_or_default()
    }

    /// The wait loop's timeout.
    pub fn wait_timeout(&self) -> Duration {
        Duration::from_secs(self.wait_timeout)
    }
}

/// `batch-cr`: prints a Batch CR for a cli.sh script (its help text is [`super::Extension`]'s).
#[derive(Debug, Clone, clap::Args)]
pub struct BatchCrArgs {
    /// The script ("-" reads standard input, as does a pipe without -f).
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Option<String>,

    /// `metadata.name` (default: unique per run, xsite-TIME-RANDOM).
    #[arg(long, value_name = "N")]
    pub name: Option<String>,

    /// An extra label on the resources (KEY=VALUE); may be repeated.
    #[arg(long = "label", value_name = "KEY=VALUE")]
    pub labels: Vec<String>,

    /// No `echo xsite-step-<n>` markers between commands (they let batch-check tie each
    /// output to its command).
    #[arg(long = "no-markers")]
    pub no_markers: bool,

    /// Where the oc commands (apply, wait, logs) are printed.
    #[arg(long, value_enum, default_value_t = CommandsTo::Stderr, value_name = "WHERE")]
    pub commands: CommandsTo,

    /// Cluster, namespace, resources.
    #[command(flatten)]
    pub batch: BatchOptions,

    /// Commands, one per argument, instead of a file.
    #[arg(value_name = "COMMAND", conflicts_with = "file")]
    pub script: Vec<String>,
}

/// Reads the script named by the arguments: its name for messages and its text.
fn read_script(args: &BatchCrArgs) -> CliResult<(String, String)> {
    if !args.script.is_empty() {
        let mut text = args.script.join("\n");
        text.push('\n');
        return Ok(("<arguments>".to_owned(), text));
    }
    match args.file.as_deref() {
        Some("-") => read_stdin(),
        Some(path) => std::fs::read_to_string(path)
            .map(|text| (path.to_owned(), text))
            .map_err(|e| CliError::config(format!("Cannot read the batch file {path}: {e}"))),
        None if !std::io::stdin().is_terminal() => read_stdin(),
        None => Err(CliError::config(
            "no script: give -f FILE, -f - (standard input), or the commands as arguments",
        )),
    }
}

fn read_stdin() -> CliResult<(String, String)> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| CliError::config(format!("Cannot read standard input: {e}")))?;
    Ok(("-".to_owned(), text))
}

/// Parses and lints a script as a Batch job runs it; every problem is reported in cli.sh's
/// words with its `file:line`, every refused line (not only the first), and the first as where
/// cli.sh stops the batch. Warnings are printed on stderr.
pub fn check_script(
    console: &mut Console,
    name: &str,
    text: &str,
    version: CliVersion,
) -> CliResult<Script> {
    // Every line, the invalid ones kept, so that each is reported.
    let script = Parser::new().parse_script_lines(name, text, &NoVars);
    let diagnostics = lint(&script, &Context::batch_job(version));
    if has_errors(&diagnostics) {
        let errors: Vec<&xsite_clish::Diagnostic> = diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .collect();
        let mut lines: Vec<String> = errors
            .iter()
            .map(|d| match &d.cli_output {
                Some(output) if *output != d.message => format!("{d}\n  cli.sh: {output}"),
                _ => d.to_string(),
            })
            .collect();
        if let Some(first) = errors.iter().min_by_key(|d| d.line)
            && errors.len() > 1
        {
            lines.push(format!(
                "{} refused line(s); cli.sh would stop the batch at the first, {}:{}",
                errors.len(),
                first.file,
                first.line
            ));
        }
        return Err(CliError::new(Kind::Check, lines.join("\n"))
            .with_hint("nothing was printed for the cluster: fix the script first"));
    }
    for warning in diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning)
    {
        console.note(&warning.to_string());
    }
    if script.commands().next().is_none() {
        return Err(CliError::new(
            Kind::Check,
            format!("{name}: the script has no command"),
        ));
    }
    Ok(script)
}

/// A builder error as a CLI error.
pub fn cr_error(error: CrError) -> CliError {
    match error {
        CrError::Invalid { .. } => CliError::config(error.to_string()),
        CrError::Lint(_) => CliError::new(Kind::Check, error.to_string()),
        CrError::Yaml(_) => CliError::new(Kind::Internal, error.to_string()),
    }
}

/// The pipeline that reads a Batch's log and checks it against its YAML (`file`), with the
/// `batch-check` options in `flags`. With `--batch`, a failed `oc logs` (an empty log) fails
/// the check: every command of the script must show in the log.
pub fn check_command(cr: &BatchCr, file: &str, flags: &str) -> String {
    format!(
        "{} | xsite batch-check --batch {file}{flags} -",
        cr.logs_command()
    )
}

/// The `oc` commands for a Batch: apply, wait for Succeeded or Failed, read the log.
pub fn oc_commands(cr: &BatchCr, wait: Duration) -> Vec<String> {
    let mut out = vec![
        "# Apply it (a Batch runs once; to run the script again, apply it under a new name):"
            .to_owned(),
    ];
    let file = format!("{}.yaml", cr.name());
    out.push(format!("# (the YAML above, saved as {file})"));
    out.push(
        cr.apply_command()
            .replacen(" -f -", &format!(" -f {file}"), 1),
    );
    out.push(
        "# Wait for Succeeded or Failed (oc wait --for=jsonpath=…=Succeeded never notices Failed);"
            .to_owned(),
    );
    out.push("# exit 0 Succeeded, 1 Failed, 2 timeout:".to_owned());
    out.extend(cr.wait_script(wait).lines().map(str::to_owned));
    out.push(
        "# Read its log (the only place the output is kept) and check it against the Batch (an"
            .to_owned(),
    );
    out.push("# empty log, as a failed oc logs leaves, fails the check):".to_owned());
    out.push(check_command(cr, &file, ""));
    out.push("# Remove it once read:".to_owned());
    out.push(cr.delete_command());
    out
}

/// Runs `batch-cr`.
pub fn run(console: &mut Console, args: &BatchCrArgs) -> CliResult<Reply> {
    let version = args.batch.version();
    let (name, text) = read_script(args)?;
    let script = check_script(console, &name, &text, version)?;
    let mut builder = args.batch.builder()?.markers(!args.no_markers);
    if let Some(name) = &args.name {
        builder = builder.name(name.clone());
    }
    for label in &args.labels {
        let (key, value) = label
            .split_once('=')
            .ok_or_else(|| CliError::config(format!("--label takes KEY=VALUE, not '{label}'")))?;
        builder = builder.label(key, value);
    }
    let cr = builder.script(&script).map_err(cr_error)?;
    let yaml = cr.to_yaml().map_err(cr_error)?;
    let commands = oc_commands(&cr, args.batch.wait_timeout());
    if console.format == Format::Json {
        // One document: the YAML as a string, and the oc commands.
        return Ok(Reply::Json(serde_json::json!({
            "version": crate::commands::runbook::JSON_VERSION,
            "name": cr.name(),
            "yaml": yaml,
            "oc": commands,
        })));
    }
    console.line(yaml.trim_end_matches('\n'));
    match args.commands {
        CommandsTo::Stderr => {
            for line in commands {
                console.note(&line);
            }
        }
        CommandsTo::Stdout => {
            for line in commands {
                if line.starts_with('#') {
                    console.line(&line);
                } else {
                    console.line(&format!("#   {line}"));
                }
            }
        }
        CommandsTo::None => {}
    }
    Ok(Reply::Nothing)
}
