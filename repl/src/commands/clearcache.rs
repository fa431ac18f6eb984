//! `clearcache [<cache>]`: `cache(C).clear()` → `POST /v2/caches/C?action=clear` (204, prints
//! nothing). Without a name, the cache of the `cd` context (resolved by the shared model).
//!
//! The clear replicates to every backup site that is online: take the backups offline first
//! (`site take-offline`) unless that is what you want.

use xsite_clish::Target;

use crate::console::{Console, Reply};
use crate::error::{CliError, CliResult, Kind};
use crate::session::Session;

/// Runs `clearcache` on the resolved cache.
pub fn run(session: &mut Session, _console: &mut Console, target: &Target) -> CliResult<Reply> {
    let Target::Cache(cache) = target else {
        return Err(CliError::new(
            Kind::Internal,
            format!("internal error: clearcache resolved to {target:?}"),
        ));
    };
    let client = session.client()?;
    session
        .block_on(client.cache(cache).clear())
        .map_err(|e| CliError::from_sdk(&e))?;
    Ok(Reply::Nothing)
}
