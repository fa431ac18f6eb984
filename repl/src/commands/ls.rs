//! `ls [<path>]`: lists the names under a resource, one per line, padded as cli.sh pads them (the
//! keys of a cache under cli.sh's `Key` header).
//!
//! Like cli.sh, it first reads the container information again (`container().info()` →
//! `GET` container info), so new caches show up; inside a cache it lists the keys
//! (`cache(C).keys()` → `GET /v2/caches/C?action=keys`).

use xsite_clish::Target;

use crate::console::{Console, ListStyle, Reply};
use crate::error::{CliError, CliResult, Kind};
use crate::session::Session;

/// The children of a container.
const CONTAINER_CHILDREN: [&str; 5] = ["caches", "counters", "configurations", "schemas", "tasks"];
/// The column header cli.sh prints above the keys of a cache.
const KEY_HEADER: &str = "Key";
/// The children of the root.
const ROOT_CHILDREN: [&str; 3] = ["containers", "cluster", "server"];

/// Runs `ls` on the resource the shared model resolved.
pub fn run(session: &mut Session, _console: &mut Console, target: &Target) -> CliResult<Reply> {
    let Target::Resource(path) = target else {
        return Err(CliError::new(
            Kind::Internal,
            format!("internal error: ls resolved to {target:?}"),
        ));
    };
    let client = session.client()?;
    let info = session
        .block_on(client.container().info())
        .map_err(|e| CliError::from_sdk(&e))?;
    let conn = session.connection_mut()?;
    conn.info = info;
    let containers = conn.containers.clone();
    let caches = conn.caches();
    let members = conn.info.cluster_members();
    session.update_caches();
    session.refresh_names();

    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let owned = |names: &[&str]| names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>();
    let keys = |names| Ok(Reply::List(names, ListStyle::Table(KEY_HEADER)));
    let names = match segments.as_slice() {
        [] => owned(&ROOT_CHILDREN),
        ["containers"] => containers,
        ["containers", _] => owned(&CONTAINER_CHILDREN),
        ["containers", _, "caches"] => caches,
        ["containers", _, "caches", cache, ..] => {
            return keys(
                session
                    .block_on(client.cache(*cache).keys())
                    .map_err(|e| CliError::from_sdk(&e))?,
            );
        }
        ["cluster"] => members,
        // Counters, schemas, tasks, configurations and the server are not cross-site
        // resources: xsite lists nothing under them.
        _ => Vec::new(),
    };
    Ok(Reply::List(names, ListStyle::Lines))
}
