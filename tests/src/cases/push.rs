//! Push state: to an offline site, over all caches, its status, cancel and clear.

use std::time::Duration;

use xsite::PushStateStatus;

use super::case;
use crate::{Case, CaseResult, SITE_A, SITE_B, Target, ensure, eventually};

pub(super) fn cases() -> Vec<Case> {
    vec![
        case!("push_state", "XSiteResourceTest.testPushState", push_state),
        case!(
            "push_all_caches",
            "XSiteResourceTest.testPushAllCaches",
            push_all_caches
        ),
        case!(
            "cancel_and_clear_push_status",
            "XSiteResourceTest.testCancelPushState",
            cancel_and_clear
        ),
        case!(
            "container_cancel_push",
            "XSiteResourceTest.testCancelPushAllCaches",
            container_cancel_push
        ),
    ]
}

const DEADLINE: Duration = Duration::from_secs(60);

async fn wait_push_ok(client: &xsite::Client, cache: &str, site: &str) -> CaseResult {
    eventually(
        &format!("push of {cache} to {site} reports OK"),
        DEADLINE,
        || async {
            let statuses = client.cache(cache).xsite().push_state_status().await?;
            match statuses.get(site) {
                Some(PushStateStatus::Ok) => Ok(Some(())),
                Some(PushStateStatus::Error | PushStateStatus::Canceled) => {
                    Err(format!("push of {cache} ended as {statuses:?}").into())
                }
                _ => Ok(None),
            }
        },
    )
    .await
}

async fn push_state(target: &Target) -> CaseResult {
    let (a, b) = (target.a(), target.b());
    let work_a = a.cache("work");
    work_a.xsite().take_offline(SITE_B).await?;
    work_a.put("pushed-key", "pushed-value").await?;
    ensure!(
        b.cache("work").get("pushed-key").await?.is_none(),
        "the write reached site-b while its backup was offline"
    );
    work_a.xsite().push_state(SITE_B).await?;
    // Pushing brings the site online first.
    let sites = work_a.xsite().backups().await?;
    ensure!(sites[SITE_B].is_online(), "after push: {sites:?}");
    wait_push_ok(&a, "work", SITE_B).await?;
    let value = b.cache("work").get("pushed-key").await?;
    ensure!(
        value.as_deref() == Some("pushed-value"),
        "site-b holds {value:?} after the push"
    );
    Ok(())
}

async fn push_all_caches(target: &Target) -> CaseResult {
    let (a, b) = (target.a(), target.b());
    a.container().xsite().take_offline(SITE_B).await?;
    for cache in ["work", "sessions"] {
        a.cache(cache).put("k", &format!("v-{cache}")).await?;
        ensure!(
            b.cache(cache).get("k").await?.is_none(),
            "{cache}: written through while offline"
        );
    }
    let results = a.container().xsite().push_state(SITE_B).await?;
    ensure!(results.values().all(|r| r.is_ok()), "{results:?}");
    let status = a.container().xsite().site_status(SITE_B).await?;
    ensure!(status.is_online(), "after push: {status}");
    for cache in ["work", "sessions"] {
        wait_push_ok(&a, cache, SITE_B).await?;
        let value = b.cache(cache).get("k").await?;
        ensure!(
            value.as_deref() == Some(format!("v-{cache}").as_str()),
            "{cache} on site-b: {value:?}"
        );
    }
    Ok(())
}

async fn cancel_and_clear(target: &Target) -> CaseResult {
    let a = target.a();
    let work = a.cache("work");
    let statuses = work.xsite().push_state_status().await?;
    ensure!(
        statuses.len() == 1 && statuses[SITE_B] == PushStateStatus::Idle,
        "every backup site is listed, IDLE at first: {statuses:?}"
    );
    work.xsite().push_state(SITE_B).await?;
    work.xsite().cancel_push_state(SITE_B).await?;
    // A small push may finish before the cancel lands: OK or CANCELED, never SENDING for ever.
    let ended = eventually("push ended after cancel", DEADLINE, || async {
        let statuses = work.xsite().push_state_status().await?;
        Ok(statuses.get(SITE_B).filter(|s| s.is_terminal()).cloned())
    })
    .await?;
    ensure!(
        matches!(ended, PushStateStatus::Canceled | PushStateStatus::Ok),
        "after cancel: {ended}"
    );
    work.xsite().clear_push_state_status().await?;
    let statuses = work.xsite().push_state_status().await?;
    ensure!(
        statuses[SITE_B] == PushStateStatus::Idle,
        "after clear: {statuses:?}"
    );
    // The receiving side can always end a transfer, running or not.
    target
        .b()
        .cache("work")
        .xsite()
        .cancel_receive_state(SITE_A)
        .await?;
    Ok(())
}

async fn container_cancel_push(target: &Target) -> CaseResult {
    let a = target.a();
    let results = a.container().xsite().cancel_push_state(SITE_B).await?;
    ensure!(
        results.len() >= 8 && results.values().all(|r| r.is_ok()),
        "{results:?}"
    );
    Ok(())
}
