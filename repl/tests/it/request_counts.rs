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
    line: String,
    /// Requests per site, `site-a` then `site-b`.
    least: [usize; 2],
    /// How the figure is made up.
    why: &'static str,
}

const D: usize = 2;
const L: usize = 1;

fn floor(line: &str, least: [usize; 2], why: &'static str) -> Floor {
    Floor {
        line: line.to_owned(),
        least,
        why,
    }
}

fn floors() -> Vec<Floor> {
    let mut floors = Vec::new();
    for (set, n) in [("keycloak-25", 8), ("keycloak-26", 4)] {
        // Version lookup, sites view (container information), the container's status toward
        // the other site, then each cache's backups and push status.
        let status = D + 1 + 1 + 2 * n;
        // On site-a: the caches exist, then take-offline, the status line, each cache.
        let fence = L + D + 1 + 1 + n;
        let online = L + D + 1 + n;
        // site-a: step 4 clears n push statuses, pushes, reads the status line and n caches;
        // step 6 clears n push statuses. site-b: step 1 takes offline and reads 1 + n, step 2
        // reads and clears each cache, step 3 brings online and reads 1 + n.
        let resync = [
            L + D + n + 1 + 1 + n + n,
            L + D + 1 + 1 + n + 2 * n + 1 + 1 + n,
        ];
        let with_set = |command: &str| format!("runbook {command} --cache-set {set}");
        floors.push(floor(
            &with_set("status"),
            [status, status],
            "per site: d + info + container status + n × (backups + push status)",
        ));
        floors.push(floor(
            &with_set("fence --site site-b"),
            [fence, 0],
            "site-a: l + d + take-offline + container status + n cache statuses",
        ));
        floors.push(floor(
            &with_set("take-offline --site site-b"),
            [fence, 0],
            "the fence's steps",
        ));
        floors.push(floor(
            &with_set("bring-online --site site-b"),
            [online, online],
            "per site: l + d + container status + n cache statuses (reads only)",
        ));
        floors.push(floor(
            &with_set("resync --from site-a --to site-b"),
            resync,
            "site-b: l + d + steps 1–3 (fence 2 + n, n × (status + clear), online 2 + n); site-a: l + d + step 4 (n clears + push + 1 + n) + step 6 (n clears), + the polls of step 5",
        ));
        floors.push(floor(
            &with_set("synchronize --from site-a --to site-b"),
            resync,
            "the resync's steps",
        ));
        if n == 8 {
            // The demo grid's set, detected from the sites' cache lists.
            floors.push(floor(
                "runbook status",
                [L + status, L + status],
                "+ one cache listing per site to detect the set",
            ));
            floors.push(floor(
                "runbook fence --site site-b",
                [fence, 0],
                "the listing that detects the set is the one the check needs",
            ));
            floors.push(floor(
                "runbook resync --from site-a --to site-b",
                resync,
                "the detection's listings serve the check",
            ));
        }
    }
    floors
}

fn is_poll(route: &str) -> bool {
    route.ends_with("?action=push-state-status")
}

/// The sizes a resync reads while a push sends, to show its progress as entries (as many as the
/// polls that see SENDING, plus the source's once per cache).
fn is_entry_count(route: &str) -> bool {
    route.ends_with("?action=size")
}

/// Every runbook sends the least its checks need, besides the challenges and the polls; the
/// table of BENCHMARKS.md is what this prints (`-- --nocapture`).
#[test]
fn runbooks_send_the_least_their_checks_need() {
    println!(
        "| command | site-a | site-b | least (without challenges, polls) | Digest challenges | push-status polls | entry counts while sending |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for floor in floors() {
        let (outcome, counts, out) = count(&floor.line);
        assert_eq!(outcome, Outcome::Ok, "{}: {out}", floor.line);
        let mut sent = [0usize; 2];
        let mut counted = [0usize; 2];
        let (mut challenges, mut polls, mut entry_counts) = (0, 0, 0);
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
            } else if is_entry_count(route) && waits_for_transfer {
                entry_counts += n;
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
            "| `{}` | {} | {} | {} = {} ({}) | {challenges} | {polls} | {entry_counts} |",
            floor.line,
            sent[0],
            sent[1],
            counted[0] + counted[1],
            floor.least[0] + floor.least[1],
            floor.why,
        );
    }
}
