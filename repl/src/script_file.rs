//! Script files: `xsite -f FILE` and `xsite -f -` (stdin), as `cli.sh -f` (cli.sh calls them batch
//! files and runs their lines in its batch mode; a Batch CR is something else: `xsite-batch`).
//!
//! - A line starting with `#` (column 0) is a comment; a blank line does nothing.
//! - `${KEY}` is replaced from the `-P` properties, then the environment (`${env.NAME}` reads
//!   the environment, as in cli.sh), by the shared model's substitution.
//! - A line that does not parse stops the batch with cli.sh's report
//!   (`Error executing file: <file>, line <n>: '<line>'` and `<Exception>: <message>`), exit 1.
//! - A command that fails follows `--on-error`, as Infinispan 16.0.9 and later do:
//!   `FAIL_FAST` (default) prints `Batch error: <file>, line <n>: '<line>'` and stops with exit
//!   1; `FAIL_AT_END` goes on and exits 1; `IGNORE` goes on and exits 0.

use std::collections::BTreeMap;
use std::io::BufRead;

use xsite_clish::{self as script, Command, substitute};

use crate::error::{CliError, Kind};
use crate::exec::{Executor, Outcome};
use crate::history;

/// What to do when a command of a batch fails (cli.sh 16.0.9+ `--on-error`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
#[value(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OnError {
    /// Stop at the first failed command; exit 1.
    #[default]
    FailFast,
    /// Run every command; exit 1 if any failed.
    FailAtEnd,
    /// Run every command; exit 0.
    Ignore,
}

/// Where `${…}` values come from: `-P` properties first, then the environment.
#[derive(Debug, Clone, Default)]
pub struct Properties {
    values: BTreeMap<String, String>,
}

impl Properties {
    /// Properties from `key=value` pairs.
    pub fn new(values: BTreeMap<String, String>) -> Properties {
        Properties { values }
    }

    /// Reads a Java-style properties file (`key=value` or `key: value`, `#`/`!` comments).
    pub fn read(path: &std::path::Path) -> Result<Properties, CliError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            CliError::config(format!(
                "Cannot read the properties file {}: {e}",
                path.display()
            ))
        })?;
        let mut values = BTreeMap::new();
        for line in text.lines() {
            let line = line.trim_start();
            if line.is_empty() || line.starts_with('#') || line.starts_with('!') {
                continue;
            }
            let split = line.find(['=', ':']).unwrap_or(line.len());
            let key = line[..split].trim().to_owned();
            let value = line.get(split + 1..).unwrap_or("").trim().to_owned();
            values.insert(key, value);
        }
        Ok(Properties { values })
    }

    /// The properties as a map.
    pub fn into_map(self) -> BTreeMap<String, String> {
        self.values
    }

    /// The value of a property (not the environment).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str)
    }

    fn lookup(&self, key: &str) -> Option<String> {
        if let Some(value) = self.values.get(key) {
            return Some(value.clone());
        }
        if let Some(name) = key.strip_prefix("env.") {
            return std::env::var(name).ok();
        }
        std::env::var(key).ok()
    }
}

/// Runs a batch from `reader`; `name` is what the reports call it. Returns the exit code.
pub fn run(
    executor: &mut Executor,
    name: &str,
    reader: impl BufRead,
    properties: &Properties,
    on_error: OnError,
) -> i32 {
    let lookup = |key: &str| properties.lookup(key);
    let mut failed = false;
    for (index, line) in reader.lines().enumerate() {
        let number = index + 1;
        let line = match line {
            Ok(line) => line,
            Err(e) => {
                let err = CliError::config(format!("Cannot read {name}: {e}"));
                executor.console.error("", &err);
                return err.exit_code();
            }
        };
        if line.starts_with('#') {
            continue;
        }
        let text = substitute(&line, &lookup).text;
        // Reports echo the line; never with a password in it.
        let redacted = history::redact_line(&text);
        let shown = redacted.text();
        let command = match executor.parse(&text) {
            Ok(None) => continue,
            Ok(Some(command)) => command,
            Err(error) => {
                // The wording depends on the server's version.
                if let Err(error) = executor.complete_pending_connect() {
                    return error.exit_code();
                }
                let version = executor.session.version();
                let report = format!(
                    "{}\n{}: {}",
                    script::error_executing_file(name, number, shown),
                    error.exception_class().simple_name(),
                    redacted.scrub(&error.message(version, executor.session.mode))
                );
                executor.console.report(&report);
                return 1;
            }
        };
        if matches!(command, Command::Quit) {
            break;
        }
        match executor.run_command(&command) {
            Outcome::Failed(error) => {
                failed = true;
                // Without a connection nothing else can work: cli.sh stops there too. A Ctrl-C
                // stops the whole batch, whatever --on-error says.
                let stop = on_error == OnError::FailFast
                    || matches!(error.kind, Kind::NotConnected | Kind::Interrupted);
                if stop {
                    executor
                        .console
                        .report(&script::batch_error_line(name, number, shown));
                    // A runbook stopped by an interlock keeps its own exit code.
                    return match error.kind {
                        Kind::Stopped | Kind::NotYet | Kind::Interrupted => error.exit_code(),
                        _ => 1,
                    };
                }
            }
            Outcome::ConnectFailed(error) => return error.exit_code(),
            Outcome::Quit => break,
            _ => {}
        }
    }
    match (failed, on_error) {
        (true, OnError::FailFast | OnError::FailAtEnd) => 1,
        _ => 0,
    }
}
