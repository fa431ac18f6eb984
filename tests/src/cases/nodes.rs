//! Several nodes per site (`scripts/grid up --nodes 2`, or the simulator's `nodes`): per-node
//! statuses, a node restarted while its site's backup is offline, a node down during a
//! take-offline or a push, and a resync whose stale site has a node restarted between the
//! take-offline and the clears. What the real servers do is in docs/real-server/DIFFERENCES.md F;
//! every case skips with one node per site.

use std::time::Duration;

use xsite::runbook::{self, Plan};
use xsite::{CacheSet, NodeStatus, SiteStatus};

use super::case;
use super::push::wait_push_ok;
use super::runbook::{contents, fill, options, sites};
use crate::{Case, CaseResult, Failure, Grid, SITE_A, SITE_B, ensure, eventually};

pub(super) fn cases() -> Vec<Case> {
    vec![
        case!(
            "nodes_every_node_listed",
            "xsite (several nodes: per-node status)",
            every_node_listed
        ),
        case!(
            "nodes_restart_while_offline",
            "xsite (several nodes: a restarted node's state, 14.0 vs 15.x)",
            restart_while_offline
        ),
        case!(
            "nodes_down_during_take_offline_and_push",
            "xsite (several nodes: a node down)",
            down_during_take_offline_and_push
        ),
        case!(
            "nodes_sites_view_only_on_the_relay_node",
            "xsite (several nodes: the site master after a coordinator restart)",
            sites_view_only_on_the_relay_node
        ),
        case!(
            "nodes_resync_stale_node_restarted",
            "xsite (procedure 3 on several nodes)",
            resync_stale_node_restarted
        ),
    ]
}

/// Whether the case can run: at least two nodes per site.
fn single_node(target: &Grid) -> Option<CaseResult> {
    (target.nodes() < 2).then(|| {
        target.skip(
            "one node per site (run the real grid with `scripts/grid up --nodes 2`; tests/tests/nodes.rs runs these on two-node simulators)",
        )
    })
}

/// Whether a restarted node keeps the cluster's offline statuses: 15.0.11+ (a global state); a
/// 14.0 node comes back online.
async fn restart_keeps_offline(target: &Grid) -> Result<bool, Failure> {
    let version = target
        .a()
        .server_version()
        .await?
        .ok_or_else(|| Failure("the server reports no version".to_owned()))?;
    Ok(version.major >= 15)
}

/// Each node's status of `cache`'s backup, sorted by node (the server's order is a hash map's).
async fn per_node(
    target: &Grid,
    site: &str,
    cache: &str,
) -> Result<Vec<(String, NodeStatus)>, Failure> {
    let client = target.client_as(site, target.admin());
    let nodes = client
        .cache(cache)
        .xsite()
        .site_status(Grid::other(site))
        .await?;
    let mut nodes: Vec<(String, NodeStatus)> = nodes.into_iter().collect();
    nodes.sort_by(|x, y| x.0.cmp(&y.0));
    Ok(nodes)
}

fn all(names: &[String], status: NodeStatus) -> Vec<(String, NodeStatus)> {
    names.iter().map(|n| (n.clone(), status.clone())).collect()
}

async fn every_node_listed(target: &Grid) -> CaseResult {
    if let Some(skip) = single_node(target) {
        return skip;
    }
    for site in [SITE_A, SITE_B] {
        let names = target.node_names(site);
        for cache in CacheSet::keycloak_legacy().names() {
            let nodes = per_node(target, site, cache).await?;
            ensure!(
                nodes == all(&names, NodeStatus::Online),
                "{site}/{cache}: {nodes:?}, expected every node of {names:?} online"
            );
        }
    }
    // A take-offline sent to one node applies on every node.
    let a = target.a();
    a.container().xsite().take_offline(SITE_B).await?;
    let names = target.node_names(SITE_A);
    for cache in CacheSet::keycloak_legacy().names() {
        let nodes = per_node(target, SITE_A, cache).await?;
        ensure!(
            nodes == all(&names, NodeStatus::Offline),
            "{cache} after take-offline: {nodes:?}"
        );
        let view = a.cache(cache).xsite().backups().await?;
        ensure!(
            view.get(SITE_B) == Some(&SiteStatus::Offline),
            "{cache}: {view:?}"
        );
    }
    let container = a.container().xsite().site_status(SITE_B).await?;
    ensure!(container.is_offline(), "container: {container:?}");
    Ok(())
}

async fn restart_while_offline(target: &Grid) -> CaseResult {
    if let Some(skip) = single_node(target) {
        return skip;
    }
    let keeps = restart_keeps_offline(target).await?;
    let a = target.a();
    a.container().xsite().take_offline(SITE_B).await?;
    target.stop_node(SITE_A, 1).await?;
    let nodes = per_node(target, SITE_A, "work").await?;
    let survivors: Vec<String> = target
        .node_names(SITE_A)
        .into_iter()
        .filter(|n| n != "site-a-1")
        .collect();
    ensure!(
        nodes == all(&survivors, NodeStatus::Offline),
        "with site-a-1 down, only the live nodes are listed: {nodes:?}"
    );
    target.start_node(SITE_A, 1).await?;
    let caches = CacheSet::keycloak_legacy();
    let nodes = per_node(target, SITE_A, "work").await?;
    let view = a.cache("work").xsite().backups().await?;
    let container = a.container().xsite().status().await?;
    if keeps {
        // 15.x: the node takes the cluster's offline status.
        ensure!(
            nodes.iter().all(|(_, s)| *s == NodeStatus::Offline),
            "15.x: the restarted node is offline too: {nodes:?}"
        );
        ensure!(
            view.get(SITE_B) == Some(&SiteStatus::Offline),
            "work: {view:?}"
        );
        ensure!(
            container.get(SITE_B) == Some(&SiteStatus::Offline),
            "container: {container:?}"
        );
    } else {
        // 14.0: the node starts from the configuration, online; the others stay offline.
        ensure!(
            nodes.iter().all(|(n, s)| *s
                == if n == "site-a-1" {
                    NodeStatus::Online
                } else {
                    NodeStatus::Offline
                }),
            "14.0: site-a-1 back online, the others offline: {nodes:?}"
        );
        match view.get(SITE_B) {
            Some(SiteStatus::Mixed(mixed)) => {
                ensure!(
                    mixed.online == ["site-a-1"]
                        && !mixed.offline.is_empty()
                        && mixed.mixed.is_none(),
                    "work's mixed status: {mixed:?}"
                );
            }
            other => return Err(Failure(format!("14.0: work is mixed, not {other:?}"))),
        }
        match container.get(SITE_B) {
            Some(SiteStatus::Mixed(mixed)) => {
                let mut listed = mixed.mixed.clone().unwrap_or_default();
                listed.sort();
                let mut expected = caches.names().to_vec();
                expected.sort();
                ensure!(
                    listed == expected && mixed.online.is_empty() && mixed.offline.is_empty(),
                    "the container lists every cache as mixed: {mixed:?}"
                );
            }
            other => {
                return Err(Failure(format!(
                    "14.0: the container view is mixed, not {other:?}"
                )));
            }
        }
    }
    // A bring-online reaches every node, the restarted one included.
    a.container().xsite().bring_online(SITE_B).await?;
    let nodes = per_node(target, SITE_A, "work").await?;
    ensure!(
        nodes == all(&target.node_names(SITE_A), NodeStatus::Online),
        "after bring-online: {nodes:?}"
    );
    Ok(())
}

async fn down_during_take_offline_and_push(target: &Grid) -> CaseResult {
    if let Some(skip) = single_node(target) {
        return skip;
    }
    let (a, b) = (target.a(), target.b());
    let work = a.cache("work");
    // A node of the sending site down.
    target.stop_node(SITE_A, 1).await?;
    work.xsite().take_offline(SITE_B).await?;
    let nodes = per_node(target, SITE_A, "work").await?;
    ensure!(
        nodes.len() == target.nodes() - 1 && nodes.iter().all(|(_, s)| *s == NodeStatus::Offline),
        "take-offline with site-a-1 down: {nodes:?}"
    );
    work.xsite().bring_online(SITE_B).await?;
    work.put("k1", "v1").await?;
    work.xsite().push_state(SITE_B).await?;
    wait_push_ok(&a, "work", SITE_B).await?;
    ensure!(
        b.cache("work").get("k1").await?.as_deref() == Some("v1"),
        "k1 did not reach site-b"
    );
    let results = a.container().xsite().take_offline(SITE_B).await?;
    ensure!(
        results.len() == CacheSet::keycloak_legacy().names().len()
            && results.values().all(|r| r.is_ok()),
        "container take-offline with a node down: {results:?}"
    );
    a.container().xsite().bring_online(SITE_B).await?;
    target.start_node(SITE_A, 1).await?;
    // A node of the receiving site down.
    target.stop_node(SITE_B, 1).await?;
    work.xsite().clear_push_state_status().await?;
    work.put("k2", "v2").await?;
    work.xsite().push_state(SITE_B).await?;
    wait_push_ok(&a, "work", SITE_B).await?;
    ensure!(
        b.cache("work").get("k2").await?.as_deref() == Some("v2"),
        "k2 did not reach site-b"
    );
    target.start_node(SITE_B, 1).await?;
    Ok(())
}

/// Procedure 3 (resync site-b from site-a) with site-b-1 restarted after step 1 took site-a
/// offline. Whatever the version does, no clear may reach site-a: its entries are intact. On 14.0
/// the restarted node is online again, so the interlock refuses the first clear and the stop
/// report names each node's state; on 15.x the fence holds and the resync completes.
async fn resync_stale_node_restarted(target: &Grid) -> CaseResult {
    if let Some(skip) = single_node(target) {
        return skip;
    }
    let keeps = restart_keeps_offline(target).await?;
    fill(&target.a(), "good", 3).await?;
    let before_a = contents(&target.a()).await?;
    let sites = sites(target);
    let plan = Plan::resync(SITE_A, SITE_B, &CacheSet::keycloak_legacy());
    let (first, rest) = plan.steps.split_at(1);
    let step_one = Plan {
        steps: first.to_vec(),
        ..plan.clone()
    };
    runbook::run_plan(&sites, &step_one, &options(), &mut |_| {})
        .await
        .map_err(|e| Failure(format!("step 1: {e}")))?;
    target.stop_node(SITE_B, 1).await?;
    target.start_node(SITE_B, 1).await?;
    let the_rest = Plan {
        steps: rest.to_vec(),
        ..plan
    };
    let outcome = runbook::run_plan(&sites, &the_rest, &options(), &mut |_| {}).await;
    ensure!(
        contents(&target.a()).await? == before_a,
        "site-a (the good site) lost entries: a clear reached it"
    );
    if keeps {
        outcome.map_err(|e| Failure(format!("15.x: the resync stopped: {e}")))?;
        ensure!(
            contents(&target.b()).await? == before_a,
            "site-b does not hold site-a's entries after the resync"
        );
    } else {
        let err = match outcome {
            Ok(()) => {
                return Err(Failure(
                    "14.0: the resync cleared with site-b-1 online to site-a".into(),
                ));
            }
            Err(e) => e,
        };
        ensure!(
            err.reason.contains("refusing to clear") && err.reason.contains("mixed"),
            "reason: {}",
            err.reason
        );
        ensure!(err.cleared.is_empty(), "cleared: {:?}", err.cleared);
        let report = err.to_string();
        ensure!(
            report.contains("site-b-1 online") && report.contains("site-b-0 offline"),
            "the stop report shows each node's state: {report}"
        );
    }
    Ok(())
}

/// Only the site master (the coordinator) sees the sites view. Once site-a-0 restarts, site-a-1
/// is the coordinator: site-a-0's address answers `relay_node: false` and an empty view, which
/// `runbook status` reports as a link it could not check, not as a link down. Then site-a-1
/// restarts, so that site-a-0 is the site master again for what follows.
async fn sites_view_only_on_the_relay_node(target: &Grid) -> CaseResult {
    if let Some(skip) = single_node(target) {
        return skip;
    }
    let a = target.a();
    let before = a.container().site_info().await?;
    ensure!(
        before.relay_node && before.sites_view == [SITE_A, SITE_B],
        "site-a-0 at start: {before:?}"
    );
    target.stop_node(SITE_A, 0).await?;
    target.start_node(SITE_A, 0).await?;
    let after = a.container().site_info().await?;
    let report = runbook::status(&sites(target), &CacheSet::keycloak_legacy()).await;
    // Back to site-a-0 as the site master before judging, whatever was seen.
    target.stop_node(SITE_A, 1).await?;
    target.start_node(SITE_A, 1).await?;
    eventually(
        "site-a-0 is the site master and sees site-b again",
        Duration::from_secs(60),
        || async {
            let info = target.a().container().site_info().await?;
            Ok((info.relay_node && info.sites_view == [SITE_A, SITE_B]).then_some(()))
        },
    )
    .await?;
    ensure!(
        !after.relay_node && after.sites_view.is_empty() && after.relay_nodes == ["site-a-1"],
        "site-a-0 after its restart: {after:?}"
    );
    ensure!(
        report.is_healthy()
            && report
                .degraded
                .iter()
                .any(|d| d.site == SITE_A && d.expected && d.what.contains("not a relay node")),
        "runbook status with site-a-0 not the site master: {:?}",
        report.degraded
    );
    Ok(())
}
