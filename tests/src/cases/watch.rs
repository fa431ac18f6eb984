//! The watch snapshot (`xsite::watch`): both sites, every cache, and a change made by another
//! client showing in the next snapshot; the cache set read from the servers.

use std::time::Duration;

use xsite::CacheSet;
use xsite::watch;

use super::case;
use super::runbook::sites;
use crate::{Case, CaseResult, Grid, SITE_A, SITE_B, ensure};

pub(super) fn cases() -> Vec<Case> {
    vec![
        case!("watch_snapshot", "xsite (watch --once)", snapshot),
        case!(
            "cache_set_detected",
            "xsite (runbooks without --cache-set)",
            cache_set_detected
        ),
    ]
}

async fn snapshot(target: &Grid) -> CaseResult {
    let sites = sites(target);
    let caches = CacheSet::keycloak_legacy();
    let before = watch::snapshot(&sites, &caches, Duration::from_secs(5)).await;
    ensure!(before.all_reachable(), "{before:?}");
    for (site, other) in [(SITE_A, SITE_B), (SITE_B, SITE_A)] {
        let s = before
            .sites
            .iter()
            .find(|s| s.site == site)
            .ok_or_else(|| format!("{site} missing"))?;
        ensure!(s.local_site.as_deref() == Some(site), "{s:?}");
        ensure!(s.site_view.len() == 2, "{s:?}");
        ensure!(s.version.is_some(), "{s:?}");
        ensure!(s.caches.len() == caches.len(), "every cache: {s:?}");
        for cache in &s.caches {
            let backups = cache.backups.as_ref().map_err(|e| e.clone())?;
            ensure!(
                backups
                    .iter()
                    .any(|b| b.site == other && b.status == "online"),
                "{site} {}: {backups:?}",
                cache.cache
            );
            let push = cache.push.as_ref().map_err(|e| e.clone())?;
            ensure!(push.iter().any(|(to, _)| to == other), "{push:?}");
        }
    }
    // A change made by another client is in the next snapshot, and named as a change.
    target
        .a()
        .cache("work")
        .xsite()
        .take_offline(SITE_B)
        .await?;
    let after = watch::snapshot(&sites, &caches, Duration::from_secs(5)).await;
    let changes = after.changes(&before);
    ensure!(
        changes == ["site-a work: backup to site-b online -> offline"],
        "{changes:?}"
    );
    let json = after.to_json();
    ensure!(
        json["sites"][SITE_A]["caches"]["work"]["backups"][SITE_B]["status"] == "offline",
        "{json}"
    );
    Ok(())
}

async fn cache_set_detected(target: &Grid) -> CaseResult {
    let sites = sites(target);
    let detected = xsite::runbook::detect_cache_set(
        &sites,
        &[SITE_A, SITE_B],
        &xsite::runbook::Options::default(),
        "status",
    )
    .await
    .map_err(|e| e.to_string())?;
    // The harness creates the eight caches of Keycloak 25 and earlier on both sites.
    ensure!(detected == CacheSet::keycloak_legacy(), "{detected:?}");
    Ok(())
}
