//! `cd <path>`: moves the context in the resource tree. No request is sent: the shared model
//! checks the path against the names read at connect (and refreshed by `ls`).

use xsite_clish::ResolveError;

use crate::console::{Console, Reply};
use crate::error::{CliError, CliResult};
use crate::session::Session;

/// Runs `cd`.
pub fn run(session: &mut Session, _console: &mut Console, path: &str) -> CliResult<Reply> {
    let version = session.context.version();
    let mode = session.mode;
    session.context = session
        .context
        .cd(path)
        .map_err(|e: ResolveError| CliError::from_resolve(&e, version, mode))?;
    Ok(Reply::Nothing)
}
