//! `cd <path>`: moves the context in the resource tree. No request is sent: the shared model
//! checks the path against the names read at connect (and refreshed by `ls`).

use xsite_batch::script::ResolveError;

use crate::console::{Console, Reply};
use crate::error::{CliError, CliResult, Kind};
use crate::session::Session;

/// Runs `cd`.
pub fn run(session: &mut Session, _console: &mut Console, path: &str) -> CliResult<Reply> {
    let version = session.context.version();
    session.context = session.context.cd(path).map_err(|e: ResolveError| {
        let text = e.printed(version).unwrap_or_else(|| e.message(version));
        CliError::new(Kind::Usage, text)
    })?;
    Ok(Reply::Nothing)
}
