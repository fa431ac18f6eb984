//! How many requests `runbook status` and each runbook send, per site and per route, counted by
//! the simulator's request log, against the least their checks need (BENCHMARKS.md, "Requests
//! per command"). Run with `--nocapture` to print the table:
//! `cargo test -p xsite-repl --test it request_counts -- --nocapture`.

use std::collections::BTreeMap;

use xsite_repl::exec::Outcome;

use crate::common::Harness;

/// The requests of one line on both sites: (site, `METHOD route`) → count, the route with the
/// cache and site names replaced by `{cache}` and `{site}`.
fn count(line: &str) -> (Outcome, BTreeMap<(String, String), usize>, String) {
    let mut h = Harness::with_both_sites();
    for site in ["site-a", "site-b"] {
        h.grid.site(site).unwrap().clear_requests();
    }
    let (outcome, out) = h.outcome(line);
    let mut counts = BTreeMap::new();
    for site in ["site-a", "site-b"] {
        for request in h.grid.site(site).unwrap().requests() {
            let route = shape(&request.uri);
            let key = if request.status == 401 {
                format!("{} {route} (401 challenge)", request.method)
            } else {
                format!("{} {route}", request.method)
            };
            *counts.entry((site.to_owned(), key)).or_insert(0) += 1;
        }
    }
    (outcome, counts, out)
}

/// `/rest/v2/caches/work/x-site/backups/site-b?action=x` → `/v2/caches/{cache}/x-site/backups/{site}?action=x`.
fn shape(uri: &str) -> String {
    let uri = uri.strip_prefix("/rest").unwrap_or(uri);
    let (path, query) = uri
        .split_once('?')
        .map_or((uri, None), |(p, q)| (p, Some(q)));
    let mut parts: Vec<String> = path.split('/').map(str::to_owned).collect();
    for i in 0..parts.len() {
        if i > 0 && parts[i - 1] == "caches" && !parts[i].is_empty() {
            parts[i] = "{cache}".to_owned();
        }
        if i > 0 && parts[i - 1] == "backups" && !parts[i].is_empty() {
            parts[i] = "{site}".to_owned();
        }
    }
    let path = parts.join("/");
    match query {
        Some(q) => format!("{path}?{q}"),
        None => path,
    }
}

/// The least the checks need, per site, on the simulator's Infinispan 14.0 (the demo grid),
/// without the Digest challenges and the push-status polls (whose numbers depend on the
/// authentication's concurrency and on how long the transfer takes). `n` is the number of
/// caches of the set, `d` the version lookup of the container routes (two requests on 14.0:
/// the version and the container's name; one on 15 and later), `l` one cache listing.
struct Floor {
    line: &'static str,
    /// Requests per site, `site-a` then `site-b`.
    least: [usize; 2],
    /// How the figure is made up.
    why: &'static str,
}

const N: usize = 8;
const D: usize = 2;
const L: usize = 1;

fn floors() -> Vec<Floor> {
    vec![
        Floor {
            line: "runbook status --cache-set keycloak-25",
            // Version lookup, sites view (container information), the container's status
            // toward the other site, then each cache's backups and push status.
            least: [D + 1 + 1 + 2 * N, D + 1 + 1 + 2 * N],
            why: "per site: d + info + container status + n × (backups + push status)",
        },
        Floor {
            line: "runbook status",
            least: [L + D + 1 + 1 + 2 * N, L + D + 1 + 1 + 2 * N],
            why: "the same + one cache listing per site to detect the set",
        },
        Floor {
            line: "runbook fence --site site-b --cache-set keycloak-25",
            // On site-a: the caches exist, then take-offline, the status line, each cache.
            least: [L + D + 1 + 1 + N, 0],
            why: "site-a: l + d + take-offline + container status + n cache statuses",
        },
        Floor {
            line: "runbook fence --site site-b",
            least: [L + D + 1 + 1 + N, 0],
            why: "the same: the listing that detects the set is the one the check needs",
        },
        Floor {
            line: "runbook take-offline --site site-b --cache-set keycloak-25",
            least: [L + D + 1 + 1 + N, 0],
            why: "the fence's steps",
        },
        Floor {
            line: "runbook bring-online --site site-b --cache-set keycloak-25",
            least: [L + D + 1 + N, L + D + 1 + N],
            why: "per site: l + d + container status + n cache statuses (reads only)",
        },
        Floor {
            line: "runbook resync --from site-a --to site-b --cache-set keycloak-25",
            least: [
                // Step 4: clear n push statuses, push, status line + n; step 6: clear n.
                L + D + N + 1 + 1 + N + N,
                // Step 1: take-offline, status line + n; step 2: n × (status + clear);
                // step 3: bring-online, status line + n.
                L + D + 1 + 1 + N + 2 * N + 1 + 1 + N,
            ],
            why: "site-b: l + d + steps 1–3 (fence 2 + n, n × (status + clear), online 2 + n); site-a: l + d + step 4 (n clears + push + 1 + n) + step 6 (n clears), + the polls of step 5",
        },
        Floor {
            line: "runbook resync --from site-a --to site-b",
            least: [
                L + D + N + 1 + 1 + N + N,
                L + D + 1 + 1 + N + 2 * N + 1 + 1 + N,
            ],
            why: "the same (the detection's listings serve the check)",
        },
        Floor {
            line: "runbook synchronize --from site-a --to site-b --cache-set keycloak-25",
            least: [
                L + D + N + 1 + 1 + N + N,
                L + D + 1 + 1 + N + 2 * N + 1 + 1 + N,
            ],
            why: "the resync's steps",
        },
    ]
}

fn is_poll(route: &str) -> bool {
    route.ends_with("?action=push-state-status")
}

/// Every runbook sends the least its checks need, besides the challenges and the polls; the
/// table of BENCHMARKS.md is what this prints (`-- --nocapture`).
#[test]
fn runbooks_send_the_least_their_checks_need() {
    println!(
        "| command | site-a | site-b | least (without challenges, polls) | Digest challenges | push-status polls |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    for floor in floors() {
        let (outcome, counts, out) = count(floor.line);
        assert_eq!(outcome, Outcome::Ok, "{}: {out}", floor.line);
        let mut sent = [0usize; 2];
        let mut counted = [0usize; 2];
        let (mut challenges, mut polls) = (0, 0);
        // Only a resync polls the push status (step 5); the status view reads it once.
        let waits_for_transfer =
            floor.line.contains(" resync ") || floor.line.contains(" synchronize ");
        for ((site, route), n) in &counts {
            let i = usize::from(site == "site-b");
            sent[i] += n;
            if route.ends_with("(401 challenge)") {
                challenges += n;
            } else if is_poll(route) && waits_for_transfer {
                polls += n;
            } else {
                counted[i] += n;
            }
        }
        assert_eq!(
            counted, floor.least,
            "{}: {}\n{counts:#?}",
            floor.line, floor.why
        );
        println!(
            "| `{}` | {} | {} | {} = {} ({}) | {challenges} | {polls} |",
            floor.line,
            sent[0],
            sent[1],
            counted[0] + counted[1],
            floor.least[0] + floor.least[1],
            floor.why,
        );
    }
}
