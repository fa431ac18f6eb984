//! Reading the log of a Batch job (`oc logs job/<name> -c batch`) for failed commands.
//!
//! cli.sh's batch output is every command's output, in order, without the commands echoed:
//! - REST answers pretty-printed (`{`, `  "work" : "ok",`, `}`), or a JSON string (`"ok"`), or
//!   raw text (`[site-a, site-b]`, `site-a`, `true`), or nothing;
//! - a command that fails at run time prints one red line (`Not Found: …`, `Error: …`,
//!   `The user is not allowed…`, the CLI's option messages…) and, before 16.0.9, the batch goes
//!   on;
//! - a line that does not parse aborts the batch: `Error executing file: <file>, line <n>:
//!   '<line>'` then `<Exception>: <message>` (up to 16.0.8), or `Batch error: <file>, line <n>:
//!   '<line>'` (16.0.9 and later, after any failed line);
//! - `site` or `site state-transfer-mode` without a sub-command prints its usage and fails.
//!
//! Whatever the version, an `--all-caches` action succeeds with a per-cache map whose values
//! may be errors; [`check_log`] reports every value other than `"ok"`. It is strict: output that
//! looks like an error but matches nothing known is a failure too.
//!
//! Given the script ([`check_log_with_script`]), outputs are matched to commands: exactly when
//! the script has `echo` markers ([`Script::with_markers`](xsite_clish::Script::with_markers), which the Batch builder adds), else
//! in order, as well as the output allows.

// The parts, in the order a log goes through them: `log` reads it into items, `expect` says
// what each command prints, `checker` ties items to commands, `report` is what comes out.
mod checker;
mod expect;
mod log;
mod report;

pub use checker::{check_log, check_log_with_script};
pub use report::{CheckReport, CommandRef, Failure, FailureKind, Output};

// The unit tests (`use super::*`) read log lines too.
#[cfg(test)]
use log::*;

#[cfg(test)]
mod tests;
