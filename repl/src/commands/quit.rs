//! `quit` (also `exit`): ends the interactive shell. The executor stops reading lines; this
//! command itself only closes the connection.

use crate::console::Reply;
use crate::error::CliResult;
use crate::session::Session;

/// Runs `quit`.
pub fn run(session: &mut Session) -> CliResult<Reply> {
    session.disconnect();
    Ok(Reply::Nothing)
}
