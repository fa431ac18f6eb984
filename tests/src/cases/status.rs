//! Backup status: per cache, per node, over all caches; take-offline and bring-online.

use std::time::Duration;

use xsite::{CacheSet, NodeStatus, SiteStatus};

use super::case;
use crate::{Case, CaseResult, Failure, Grid, SITE_A, SITE_B, ensure, eventually};

pub(super) fn cases() -> Vec<Case> {
    vec![
        case!(
            "everything_online_at_start",
            "XSiteResourceTest.testObtainBackupStatus",
            everything_online
        ),
        case!(
            "cache_take_offline_bring_online",
            "XSiteResourceTest.testOnlineOffline",
            cache_offline_online
        ),
        case!(
            "take_offline_is_idempotent",
            "XSiteAdminOperationsTest",
            take_offline_idempotent
        ),
        case!(
            "container_mixed_then_offline",
            "XSiteResourceTest.testGetStatusAllCaches",
            container_mixed_then_offline
        ),
        case!(
            "container_take_offline_bring_online",
            "XSiteResourceTest.testBringAllCachesOnlineOffline",
            container_offline_online
        ),
        case!(
            "per_cache_fan_out_of_state_changes",
            "xsite (15.0+ deadlock, DIFFERENCES.md D)",
            fan_out_state_changes
        ),
    ]
}

const DEADLINE: Duration = Duration::from_secs(30);

async fn everything_online(target: &Grid) -> CaseResult {
    for site in [SITE_A, SITE_B] {
        let client = target.client_as(site, target.admin());
        let other = Grid::other(site);
        let outcomes = CacheSet::keycloak_legacy()
            .fan_out(&client, |cache| async move {
                Ok((
                    cache.xsite().backups().await?,
                    cache.xsite().site_status(other).await?,
                ))
            })
            .await;
        for (cache, outcome) in outcomes.iter() {
            let (sites, nodes) = outcome
                .as_ref()
                .map_err(|e| Failure(format!("{cache}: {e}")))?;
            ensure!(
                sites.len() == 1 && sites[other] == SiteStatus::Online,
                "{site}/{cache}: {sites:?}"
            );
            ensure!(
                !nodes.is_empty() && nodes.values().all(|n| *n == NodeStatus::Online),
                "{site}/{cache} nodes: {nodes:?}"
            );
        }
        let all = client.container().xsite().status().await?;
        ensure!(
            all.len() == 1 && all[other] == SiteStatus::Online,
            "{site} container: {all:?}"
        );
        ensure!(
            client.container().xsite().site_status(other).await? == SiteStatus::Online,
            "{site} container site status"
        );
    }
    Ok(())
}

async fn cache_offline_online(target: &Grid) -> CaseResult {
    let client = target.a();
    let work = client.cache("work");
    work.xsite().take_offline(SITE_B).await?;
    let sites = work.xsite().backups().await?;
    ensure!(sites[SITE_B].is_offline(), "after take-offline: {sites:?}");
    let nodes = work.xsite().site_status(SITE_B).await?;
    ensure!(
        nodes.values().all(|n| *n == NodeStatus::Offline),
        "nodes after take-offline: {nodes:?}"
    );
    // Only this cache and only this direction changed.
    let sessions = client.cache("sessions").xsite().backups().await?;
    ensure!(sessions[SITE_B].is_online(), "sessions: {sessions:?}");
    let reverse = target.b().cache("work").xsite().backups().await?;
    ensure!(
        reverse[SITE_A].is_online(),
        "site-b's backup to site-a: {reverse:?}"
    );
    work.xsite().bring_online(SITE_B).await?;
    let sites = work.xsite().backups().await?;
    ensure!(sites[SITE_B].is_online(), "after bring-online: {sites:?}");
    Ok(())
}

async fn take_offline_idempotent(target: &Grid) -> CaseResult {
    let client = target.a();
    let work = client.cache("work");
    work.xsite().take_offline(SITE_B).await?;
    work.xsite().take_offline(SITE_B).await?;
    ensure!(
        work.xsite().backups().await?[SITE_B].is_offline(),
        "offline after two take-offline"
    );
    work.xsite().bring_online(SITE_B).await?;
    work.xsite().bring_online(SITE_B).await?;
    let results = client.container().xsite().bring_online(SITE_B).await?;
    ensure!(results.values().all(|r| r.is_ok()), "{results:?}");
    Ok(())
}

async fn container_mixed_then_offline(target: &Grid) -> CaseResult {
    let client = target.a();
    client
        .cache("sessions")
        .xsite()
        .take_offline(SITE_B)
        .await?;
    let status = client.container().xsite().site_status(SITE_B).await?;
    let SiteStatus::Mixed(mixed) = &status else {
        return Err(format!("one cache offline: expected mixed, got {status:?}").into());
    };
    ensure!(mixed.offline == ["sessions"], "offline list: {mixed:?}");
    ensure!(
        mixed.online.len() == 7 && !mixed.online.contains(&"sessions".to_owned()),
        "online list: {mixed:?}"
    );
    ensure!(
        mixed.mixed.as_deref() == Some(&[][..]),
        "the container always lists mixed caches (empty here): {mixed:?}"
    );
    let all = client.container().xsite().status().await?;
    ensure!(
        all[SITE_B] == status,
        "all-sites view {all:?} vs {status:?}"
    );
    let results = client.container().xsite().take_offline(SITE_B).await?;
    ensure!(
        results.len() == 8 && results.values().all(|r| r.is_ok()),
        "take-offline results: {results:?}"
    );
    eventually("container status offline", DEADLINE, || async {
        let status = client.container().xsite().site_status(SITE_B).await?;
        Ok(status.is_offline().then_some(()))
    })
    .await
}

async fn container_offline_online(target: &Grid) -> CaseResult {
    let client = target.b();
    let results = client.container().xsite().take_offline(SITE_A).await?;
    let names: Vec<&str> = results.keys().map(String::as_str).collect();
    for cache in CacheSet::keycloak_legacy().names() {
        ensure!(
            names.contains(&cache.as_str()),
            "{cache} missing from {names:?}"
        );
    }
    eventually("offline", DEADLINE, || async {
        let status = client.container().xsite().site_status(SITE_A).await?;
        Ok(status.is_offline().then_some(()))
    })
    .await?;
    let per_cache = client.cache("actionTokens").xsite().backups().await?;
    ensure!(per_cache[SITE_A].is_offline(), "{per_cache:?}");
    client.container().xsite().bring_online(SITE_A).await?;
    eventually("online", DEADLINE, || async {
        let status = client.container().xsite().site_status(SITE_A).await?;
        Ok(status.is_online().then_some(()))
    })
    .await
}

/// A fan-out of per-cache take-offline and bring-online over the eight caches: sent concurrently,
/// these deadlock Infinispan 15+; the SDK sends them one at a time, so this must complete.
async fn fan_out_state_changes(target: &Grid) -> CaseResult {
    let client = target.a();
    let caches = CacheSet::keycloak_legacy();
    for round in 0..2 {
        let taken = caches
            .fan_out(&client, |cache| async move {
                cache.xsite().take_offline(SITE_B).await
            })
            .await;
        ensure!(
            taken.all_ok(),
            "round {round}: {:?}",
            taken.failures().collect::<Vec<_>>()
        );
        eventually("every cache offline", DEADLINE, || async {
            let status = client.container().xsite().site_status(SITE_B).await?;
            Ok(status.is_offline().then_some(()))
        })
        .await?;
        let brought = caches
            .fan_out(&client, |cache| async move {
                cache.xsite().bring_online(SITE_B).await
            })
            .await;
        ensure!(
            brought.all_ok(),
            "round {round}: {:?}",
            brought.failures().collect::<Vec<_>>()
        );
        eventually("every cache online", DEADLINE, || async {
            let status = client.container().xsite().site_status(SITE_B).await?;
            Ok(status.is_online().then_some(()))
        })
        .await?;
    }
    Ok(())
}
