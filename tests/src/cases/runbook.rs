//! The runbook workflows end to end: fence, resync with a data proof, the interlocks, and status.

use std::collections::BTreeMap;
use std::time::Duration;

use xsite::runbook::{self, Action, Event, Options, Plan, Site, Sites};
use xsite::{CacheSet, Client};

use super::case;
use crate::{Case, CaseResult, Failure, Grid, SITE_A, SITE_B, ensure};

pub(super) fn cases() -> Vec<Case> {
    vec![
        case!("runbook_status", "xsite (runbook status)", status),
        case!("runbook_fence", "xsite (procedure 1)", fence),
        case!(
            "runbook_resync_data_proof",
            "xsite (procedure 3)",
            resync_data_proof
        ),
        case!("runbook_switch_back", "xsite (procedure 4)", switch_back),
        case!(
            "runbook_keycloak_26_operations",
            "xsite (Keycloak 26: take site offline, synchronize, bring site online)",
            keycloak_26_operations
        ),
        case!(
            "runbook_interlock_take_offline_does_not_take",
            "xsite (procedure 3 warning)",
            interlock_step_one
        ),
        case!(
            "runbook_interlock_before_each_clear",
            "xsite (procedure 3 warning)",
            interlock_before_clear
        ),
    ]
}

pub(super) fn sites(target: &Grid) -> Sites {
    Sites::new([
        Site {
            name: SITE_A.to_owned(),
            client: target.a(),
        },
        Site {
            name: SITE_B.to_owned(),
            client: target.b(),
        },
    ])
}

pub(super) fn options() -> Options {
    Options {
        step_deadline: Duration::from_secs(20),
        push_deadline: Duration::from_secs(120),
        ..Options::default()
    }
}

/// Every entry of every Keycloak cache on a site.
pub(super) async fn contents(
    client: &Client,
) -> Result<BTreeMap<String, BTreeMap<String, String>>, Failure> {
    let mut all = BTreeMap::new();
    for cache in CacheSet::keycloak_legacy().names() {
        let handle = client.cache(cache);
        let mut entries = BTreeMap::new();
        for key in handle.keys().await? {
            let value = handle
                .get(&key)
                .await?
                .ok_or_else(|| format!("{cache}/{key} vanished"))?;
            entries.insert(key, value);
        }
        all.insert(cache.clone(), entries);
    }
    Ok(all)
}

/// Puts `count` entries in every cache through `client`.
pub(super) async fn fill(client: &Client, prefix: &str, count: usize) -> CaseResult {
    for cache in CacheSet::keycloak_legacy().names() {
        for i in 0..count {
            client
                .cache(cache)
                .put(&format!("{prefix}-{i}"), &format!("{prefix}-{cache}-{i}"))
                .await?;
        }
    }
    Ok(())
}

async fn status(target: &Grid) -> CaseResult {
    let sites = sites(target);
    let caches = CacheSet::keycloak_legacy();
    let report = runbook::status(&sites, &caches).await;
    ensure!(report.is_healthy(), "at start: {:?}", report.degraded);
    ensure!(report.sites.len() == 2, "{:?}", report.sites);
    ensure!(
        report.sites.iter().all(|s| s.caches.len() == 8),
        "every cache on every site"
    );
    target
        .a()
        .cache("work")
        .xsite()
        .take_offline(SITE_B)
        .await?;
    let report = runbook::status(&sites, &caches).await;
    let marked: Vec<_> = report
        .degraded
        .iter()
        .filter(|d| d.site == SITE_A && d.cache.as_deref() == Some("work"))
        .collect();
    ensure!(
        marked.len() == 1,
        "work offline is marked: {:?}",
        report.degraded
    );
    ensure!(
        report
            .degraded
            .iter()
            .any(|d| d.site == SITE_A && d.cache.is_none() && d.what.contains("mixed")),
        "the container view is mixed: {:?}",
        report.degraded
    );
    Ok(())
}

async fn fence(target: &Grid) -> CaseResult {
    let sites = sites(target);
    let mut events = Vec::new();
    runbook::fence(&sites, SITE_B, &options(), &mut |e| events.push(e))
        .await
        .map_err(|e| e.to_string())?;
    let status = target.a().container().xsite().site_status(SITE_B).await?;
    ensure!(status.is_offline(), "after fence: {status}");
    ensure!(
        events.iter().any(|e| matches!(
            e,
            Event::ActionDone { action: Action::TakeOfflineAll { backup }, site, .. }
                if backup == SITE_B && site == SITE_A
        )),
        "the take-offline was sent from site-a: {events:?}"
    );
    // Idempotent.
    runbook::fence(&sites, SITE_B, &options(), &mut |_| {})
        .await
        .map_err(|e| e.to_string())?;
    // The other direction is untouched.
    let reverse = target.b().container().xsite().site_status(SITE_A).await?;
    ensure!(reverse.is_online(), "site-b to site-a: {reverse}");
    Ok(())
}

/// Site-a holds the truth; site-b diverges (extra keys, changed values) while replication is off;
/// after resync, site-b holds exactly site-a's entries in every cache.
async fn diverge_then_resync(target: &Grid, good: &str, stale: &str) -> CaseResult {
    let (good_client, stale_client) = (
        target.client_as(good, target.admin()),
        target.client_as(stale, target.admin()),
    );
    fill(&good_client, "shared", 3).await?;
    good_client.container().xsite().take_offline(stale).await?;
    stale_client.container().xsite().take_offline(good).await?;
    fill(&stale_client, "extra", 2).await?;
    for cache in CacheSet::keycloak_legacy().names() {
        stale_client
            .cache(cache)
            .put("shared-0", "changed on the stale site")
            .await?;
    }
    let truth = contents(&good_client).await?;
    ensure!(
        contents(&stale_client).await? != truth,
        "the sites did not diverge"
    );
    let mut pushes = 0;
    let mut counts = Vec::new();
    runbook::resync(&sites(target), good, stale, &options(), &mut |e| {
        if let Event::PushProgress { entries, .. } = e {
            pushes += 1;
            counts.extend(entries);
        }
    })
    .await
    .map_err(|e| e.to_string())?;
    ensure!(pushes >= 8, "push progress was reported ({pushes} events)");
    // While a cache sends, the progress counts its entries on the stale site against the good
    // site's 3 (the stale site was cleared first). The simulator's push stays SENDING for its push
    // delay, so the first poll sees it; a real server may finish these 3 entries before that.
    ensure!(
        counts.iter().all(|c| c.source == 3 && c.received <= 3),
        "entries reported during the push: {counts:?}"
    );
    if target.sim().is_some() {
        ensure!(
            counts.len() >= 8,
            "the push progress counted no entries for some caches: {counts:?}"
        );
    }
    let after = contents(&stale_client).await?;
    ensure!(
        after == truth,
        "{stale} after resync: {after:?}\nexpected {truth:?}"
    );
    ensure!(
        contents(&good_client).await? == truth,
        "{good} changed during the resync"
    );
    // Replication is back on in both directions, and the push status is clear.
    for (client, other) in [(&good_client, stale), (&stale_client, good)] {
        let status = client.container().xsite().site_status(other).await?;
        ensure!(status.is_online(), "toward {other}: {status}");
    }
    let report = runbook::status(&sites(target), &CacheSet::keycloak_legacy()).await;
    ensure!(report.is_healthy(), "after resync: {:?}", report.degraded);
    Ok(())
}

async fn resync_data_proof(target: &Grid) -> CaseResult {
    diverge_then_resync(target, SITE_A, SITE_B).await
}

async fn switch_back(target: &Grid) -> CaseResult {
    diverge_then_resync(target, SITE_B, SITE_A).await
}

/// Keycloak 26's operations on its four caches: site-b taken offline from site-a; bring-online
/// refused while it is; site-a's writes of the outage and site-b's stale entries diverge;
/// synchronize makes site-b a copy of site-a; bring-online then passes.
async fn keycloak_26_operations(target: &Grid) -> CaseResult {
    let sites = sites(target);
    let caches = CacheSet::keycloak_26();
    let options = Options {
        caches: caches.clone(),
        ..options()
    };
    let mut ignore = |_: Event| {};
    runbook::run_plan(
        &sites,
        &Plan::take_offline(SITE_B, SITE_A, &caches),
        &options,
        &mut ignore,
    )
    .await
    .map_err(|e| e.to_string())?;
    let status = target.a().cache("work").xsite().site_status(SITE_B).await?;
    ensure!(
        status
            .values()
            .all(|s| *s == xsite::model::NodeStatus::Offline),
        "work to site-b after take-offline: {status:?}"
    );

    let refused = runbook::run_plan(
        &sites,
        &Plan::bring_online(SITE_B, &[SITE_A], &caches),
        &Options {
            step_deadline: Duration::from_secs(2),
            ..options.clone()
        },
        &mut ignore,
    )
    .await;
    let Err(refused) = refused else {
        return Err(Failure(
            "bring-online passed while site-b was offline".into(),
        ));
    };
    ensure!(
        refused.step == 1,
        "stopped at step {}: {refused}",
        refused.step
    );
    ensure!(
        refused
            .next
            .contains("runbook synchronize --from site-a --to site-b"),
        "{refused}"
    );

    // During the outage: site-a writes (not replicated), site-b holds a stale entry.
    for cache in caches.names() {
        target
            .a()
            .cache(cache)
            .put("during-outage", "from-site-a")
            .await?;
    }
    // (site-b's own backup to site-a is taken offline first, as the cut link of an outage
    // would: else its write would replicate to site-a.)
    let stale_cache = target.b().cache("actionTokens");
    stale_cache.xsite().take_offline(SITE_A).await?;
    stale_cache.put("stale", "site-b-only").await?;

    runbook::run_plan(
        &sites,
        &Plan::synchronize(SITE_A, SITE_B, &caches),
        &options,
        &mut ignore,
    )
    .await
    .map_err(|e| e.to_string())?;
    for cache in caches.names() {
        let value = target.b().cache(cache).get("during-outage").await?;
        ensure!(
            value.as_deref() == Some("from-site-a"),
            "{cache} on site-b: {value:?}"
        );
    }
    let stale = target.b().cache("actionTokens").get("stale").await?;
    ensure!(stale.is_none(), "the stale entry survived: {stale:?}");
    let stale_on_a = target.a().cache("actionTokens").get("stale").await?;
    ensure!(
        stale_on_a.is_none(),
        "site-b's stale entry reached site-a: {stale_on_a:?}"
    );

    runbook::run_plan(
        &sites,
        &Plan::bring_online(SITE_B, &[SITE_A], &caches),
        &options,
        &mut ignore,
    )
    .await
    .map_err(|e| e.to_string())?;
    Ok(())
}

/// Take-offline does not take (something brings the backup online again right after each
/// take-offline): the workflow stops at step 1, nothing is cleared on either site.
async fn interlock_step_one(target: &Grid) -> CaseResult {
    fill(&target.a(), "keep", 2).await?;
    let before_a = contents(&target.a()).await?;
    let before_b = contents(&target.b()).await?;
    let saboteur = target.b();
    let options = Options {
        step_deadline: Duration::from_secs(3),
        ..options()
    };
    let result = runbook::resync(&sites(target), SITE_A, SITE_B, &options, &mut |event| {
        if let Event::ActionDone {
            action: Action::TakeOfflineAll { .. },
            ..
        } = event
        {
            let saboteur = saboteur.clone();
            tokio::task::block_in_place(|| {
                tokio::runtime::Handle::current().block_on(async move {
                    let _ = saboteur.cache("work").xsite().bring_online(SITE_A).await;
                })
            });
        }
    })
    .await;
    let err = match result {
        Ok(()) => {
            return Err(Failure(
                "the resync went on although work stayed online".into(),
            ));
        }
        Err(e) => e,
    };
    ensure!(err.step == 1, "stopped at step {}: {err}", err.step);
    ensure!(err.cleared.is_empty(), "cleared {:?}", err.cleared);
    ensure!(
        err.reason.contains("work"),
        "the reason names the cache: {err}"
    );
    ensure!(
        err.cache_states
            .iter()
            .any(|(_, c, s)| c == "work" && s.contains("online")),
        "the report shows work online: {:?}",
        err.cache_states
    );
    ensure!(contents(&target.a()).await? == before_a, "site-a lost data");
    ensure!(contents(&target.b()).await? == before_b, "site-b lost data");
    Ok(())
}

/// The backup of one cache is online when step 2 reaches it: that cache is not cleared, on
/// either site, and the workflow stops there.
async fn interlock_before_clear(target: &Grid) -> CaseResult {
    fill(&target.a(), "keep", 2).await?;
    let before_a = contents(&target.a()).await?;
    let b = target.b();
    b.container().xsite().take_offline(SITE_A).await?;
    b.cache("work").xsite().bring_online(SITE_A).await?;
    let plan = runbook::Plan::resync(SITE_A, SITE_B, &CacheSet::keycloak_legacy());
    let step_two = runbook::Plan {
        steps: vec![plan.steps[1].clone()],
        ..plan
    };
    let err = runbook::run_plan(&sites(target), &step_two, &options(), &mut |_| {})
        .await
        .err()
        .ok_or_else(|| Failure("step 2 cleared a cache whose backup was online".into()))?;
    ensure!(
        err.reason.contains("refusing to clear work"),
        "reason: {}",
        err.reason
    );
    ensure!(
        !err.cleared.contains(&"work".to_owned()),
        "work was cleared: {:?}",
        err.cleared
    );
    ensure!(contents(&target.a()).await? == before_a, "site-a lost data");
    let work_b = b.cache("work").keys().await?;
    ensure!(work_b.len() == 2, "site-b's work cache: {work_b:?}");
    Ok(())
}
