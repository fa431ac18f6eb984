//! `disconnect`: forgets the connection (no request is sent).

use crate::console::{Console, Reply};
use crate::error::CliResult;
use crate::session::Session;

/// Runs `disconnect`.
pub fn run(session: &mut Session, _console: &mut Console) -> CliResult<Reply> {
    session.disconnect();
    Ok(Reply::Nothing)
}
