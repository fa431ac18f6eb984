//! The cases, grouped by area. Each names the upstream test whose intent it ports:
//! `XSiteResourceTest` (server/rest, REST resource), `XSiteRestCacheOperations` (server/tests,
//! functional), `AbstractAuthorization` (server/tests, security), `XSiteAdminOperationsTest` (core).

mod auth;
mod clear;
mod config;
mod doctor;
mod errors;
mod info;
mod nodes;
mod push;
mod runbook;
mod status;
mod watch;

use crate::Case;

/// Declares a case: `case!(name, ports, body_fn)`.
macro_rules! case {
    ($name:literal, $ports:literal, $body:path) => {
        $crate::Case {
            name: $name,
            ports: $ports,
            run: |target| Box::pin($body(target)),
        }
    };
}
pub(crate) use case;

/// Every case, in the order they run.
pub fn all() -> Vec<Case> {
    let mut cases = Vec::new();
    cases.extend(info::cases());
    cases.extend(errors::cases());
    cases.extend(auth::cases());
    cases.extend(status::cases());
    cases.extend(push::cases());
    cases.extend(config::cases());
    cases.extend(clear::cases());
    cases.extend(runbook::cases());
    cases.extend(watch::cases());
    cases.extend(doctor::cases());
    cases.extend(nodes::cases());
    cases
}
