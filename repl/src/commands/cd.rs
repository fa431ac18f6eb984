//! `cd <path>`: moves the context in the resource tree. No request is sent: the shared model
//! checks the path against the names read at connect (and refreshed by `ls`).

use xsite_batch::script::ResolveError;

use crate::console::{Console, Reply};
use crate::error::{CliError, CliResult, Kind};
use crate::session::Session;

/// Runs `cd`.
pub fn run(session: &mut Session, _console: &mut Console, path: &str) -> CliResult<Reply> {
    let version = session.context.version();
    session.context = session
        .context
        .cd(path)
        .map_err(|e: ResolveError| CliError::new(Kind::Usage, e.printed(version)))?;
    Ok(Reply::Nothing)
}
