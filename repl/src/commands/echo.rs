//! `echo <words…>`: prints the words joined by single spaces.

use crate::console::{Console, Reply};
use crate::error::CliResult;

/// Runs `echo`.
pub fn run(_console: &mut Console, words: &[String]) -> CliResult<Reply> {
    Ok(Reply::Text(words.join(" ")))
}
