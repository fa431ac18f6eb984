//! `--demo` in a build without the `demo` feature: there is no embedded grid (and no server code),
//! but the flag is still accepted, since scripts and docs name it, and ends with a clear error.

use crate::error::CliError;

/// The help of the `--demo` options in this build.
pub const HELP: &str = "Not in this build (built without the `demo` feature): would start an \
                        embedded two-site Data Grid";

/// The error `--demo` gives in this build (exit code 2), with how to get a build that has the
/// embedded grid.
pub fn unavailable() -> CliError {
    CliError::config(
        "--demo: this xsite has no embedded demo grid (it was built without the `demo` feature)",
    )
    .with_hint(
        "build xsite with its default features to get one: cargo install --path repl (without \
         --no-default-features)",
    )
    .with_hint(
        "or use real servers: --connect URL, --site-url NAME=URL, or a profile (--profile FILE)",
    )
}
