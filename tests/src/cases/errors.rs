//! Unknown cache, unknown site, cache without backups.

use xsite::Error;

use super::case;
use crate::{Case, CaseResult, Grid, NO_BACKUPS_CACHE, SITE_B, ensure};

pub(super) fn cases() -> Vec<Case> {
    vec![
        case!(
            "unknown_cache",
            "XSiteResourceTest.testInvalidCache",
            unknown_cache
        ),
        case!(
            "unknown_site",
            "XSiteResourceTest.testInvalidSite",
            unknown_site
        ),
        case!(
            "cache_without_backups",
            "XSiteRestCacheOperations.testBackupStatus",
            cache_without_backups
        ),
        case!(
            "container_unknown_site",
            "XSiteResourceTest.testGetStatusAllCaches",
            container_unknown_site
        ),
    ]
}

async fn unknown_cache(target: &Grid) -> CaseResult {
    let client = target.a();
    let cache = client.cache("invalid-cache");
    let err = cache.xsite().backups().await.unwrap_err();
    ensure!(matches!(err, Error::CacheNotFound(_)), "backups: {err:?}");
    ensure!(
        err.server_message().unwrap_or("").contains("invalid-cache"),
        "the message names the cache: {err}"
    );
    let err = cache.xsite().take_offline(SITE_B).await.unwrap_err();
    ensure!(
        matches!(err, Error::CacheNotFound(_)),
        "take-offline: {err:?}"
    );
    let err = cache.xsite().push_state_status().await.unwrap_err();
    ensure!(
        matches!(err, Error::CacheNotFound(_)),
        "push status: {err:?}"
    );
    let err = cache.clear().await.unwrap_err();
    ensure!(matches!(err, Error::CacheNotFound(_)), "clear: {err:?}");
    Ok(())
}

async fn unknown_site(target: &Grid) -> CaseResult {
    let client = target.a();
    let work = client.cache("work");
    let xsite = work.xsite();
    let err = xsite.site_status("invalid-site").await.unwrap_err();
    ensure!(
        matches!(err, Error::SiteNotFound(_)),
        "site status: {err:?}"
    );
    ensure!(
        err.server_message() == Some("Cache 'work' does not backup to site 'invalid-site'"),
        "message: {:?}",
        err.server_message()
    );
    for result in [
        xsite.take_offline("invalid-site").await,
        xsite.bring_online("invalid-site").await,
        xsite.push_state("invalid-site").await,
        xsite.cancel_push_state("invalid-site").await,
    ] {
        let err = result.unwrap_err();
        ensure!(matches!(err, Error::SiteNotFound(_)), "action: {err:?}");
    }
    let err = xsite.take_offline_config("invalid-site").await.unwrap_err();
    ensure!(matches!(err, Error::SiteNotFound(_)), "config: {err:?}");
    let err = xsite.state_transfer_mode("invalid-site").await.unwrap_err();
    ensure!(matches!(err, Error::SiteNotFound(_)), "mode: {err:?}");
    // A site that is the local one is not a backup site either.
    let err = xsite.site_status("site-a").await.unwrap_err();
    ensure!(matches!(err, Error::SiteNotFound(_)), "local site: {err:?}");
    Ok(())
}

async fn cache_without_backups(target: &Grid) -> CaseResult {
    let client = target.a();
    let cache = client.cache(NO_BACKUPS_CACHE);
    let err = cache.xsite().backups().await.unwrap_err();
    ensure!(
        matches!(err, Error::CacheWithoutBackups(_)),
        "backups: {err:?}"
    );
    ensure!(
        err.server_message() == Some("Cache 'no-backups' does not have backup sites."),
        "message: {:?}",
        err.server_message()
    );
    let err = cache.xsite().take_offline(SITE_B).await.unwrap_err();
    ensure!(
        matches!(err, Error::CacheWithoutBackups(_)),
        "take-offline: {err:?}"
    );
    // The container's operations leave out caches without backups.
    let results = client.container().xsite().take_offline(SITE_B).await?;
    ensure!(
        !results.contains_key(NO_BACKUPS_CACHE),
        "container results hold the cache without backups: {results:?}"
    );
    Ok(())
}

async fn container_unknown_site(target: &Grid) -> CaseResult {
    let client = target.a();
    let err = client
        .container()
        .xsite()
        .site_status("nowhere")
        .await
        .unwrap_err();
    ensure!(matches!(err, Error::SiteNotFound(_)), "status: {err:?}");
    // The action answers 200 with a failure per cache; the SDK must say so.
    let err = client
        .container()
        .xsite()
        .take_offline("nowhere")
        .await
        .unwrap_err();
    let Error::PartialFailure(partial) = &err else {
        return Err(format!("take-offline on an unknown site: {err:?}").into());
    };
    ensure!(
        partial.failed().count() == partial.results.len() && partial.results.len() >= 8,
        "every cache fails: {:?}",
        partial.results
    );
    ensure!(
        partial
            .failed()
            .all(|(_, m)| m == "Incorrect site name: nowhere"),
        "messages: {:?}",
        partial.results
    );
    Ok(())
}
