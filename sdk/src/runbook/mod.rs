//! The Keycloak multi-site runbooks as typed workflows, with interlocks.
//!
//! - [`fence`]: from the site that stays, take a site offline for every cache and verify it.
//! - [`resync`]: Keycloak procedure 3 (recover a stale passive site); with the roles swapped,
//!   procedure 4 (switch back).
//! - [`status`]: both sites and all caches in one view, with anything degraded marked.
//!
//! Each workflow is first a [`Plan`] (what `--dry-run` prints); running it walks the same steps,
//! reports [`Event`]s as it goes, and verifies every step's postcondition before the next. The
//! interlock that matters most: **a cache is cleared only after its backup to every site was
//! verified offline, right before the clear**, because a clear replicates to any online backup and
//! would wipe both sites.

mod plan;
mod run;
pub(crate) mod status;
mod text;

pub use plan::{Action, Check, Plan, Step, Workflow};
pub use run::{
    Cancel, Event, INTERRUPTED, Options, Poll, PushEntries, RunbookError, Site, Sites, cause_chain,
    detect_cache_set, fence, resync, run_plan,
};
pub use status::{CacheRow, Degraded, SiteReport, StatusReport, status};
