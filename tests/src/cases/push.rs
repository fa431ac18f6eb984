//! Push state: to an offline site, over all caches, its status, cancel and clear.

use std::time::Duration;

use futures::{StreamExt, stream};
use xsite::PushStateStatus;

use super::case;
use crate::{Case, CaseResult, Failure, Grid, SITE_A, SITE_B, ensure, eventually};

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
            "cancel_receive_state",
            "XSiteResourceTest.testCancelPushState (receiving side)",
            cancel_receive
        ),
        case!(
            "container_cancel_push",
            "XSiteResourceTest.testCancelPushAllCaches",
            container_cancel_push
        ),
    ]
}

const DEADLINE: Duration = Duration::from_secs(60);

pub(super) async fn wait_push_ok(client: &xsite::Client, cache: &str, site: &str) -> CaseResult {
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

async fn push_state(target: &Grid) -> CaseResult {
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

async fn push_all_caches(target: &Grid) -> CaseResult {
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

/// Entries written before a push that must be interrupted: with the grid's state-transfer chunk
/// size of 16 (and the simulator's, [`xsite_sim::SimOptions::push_chunk_size`]) that is 125
/// chunks, each a cross-site round trip, so the push is still running when the cancel lands.
pub(crate) const CANCEL_ENTRIES: usize = 2000;

/// Writes [`CANCEL_ENTRIES`] entries to a cache of site-a whose backup to site-b is offline, so
/// that only a push can bring them to site-b.
async fn fill_offline(target: &Grid, cache: &str) -> CaseResult {
    let a = target.a();
    let handle = a.cache(cache);
    handle.xsite().take_offline(SITE_B).await?;
    let handle = &handle;
    let written: Vec<xsite::Result<()>> = stream::iter(0..CANCEL_ENTRIES)
        .map(|i| async move { handle.put(&format!("k{i:05}"), "v").await })
        .buffer_unordered(16)
        .collect()
        .await;
    if let Some(Err(e)) = written.into_iter().find(Result::is_err) {
        return Err(format!("filling {cache}: {e}").into());
    }
    let size = target.b().cache(cache).size().await?;
    ensure!(
        size == 0,
        "{cache}: {size} entries reached site-b while offline"
    );
    Ok(())
}

/// The push status of a cache towards a site, polled until it is no longer SENDING.
async fn push_ended(
    client: &xsite::Client,
    cache: &str,
    site: &str,
) -> Result<PushStateStatus, Failure> {
    eventually(
        &format!("push of {cache} to {site} ended"),
        DEADLINE,
        || async {
            let statuses = client.cache(cache).xsite().push_state_status().await?;
            Ok(statuses.get(site).filter(|s| s.is_terminal()).cloned())
        },
    )
    .await
}

/// What a cancelled push left on site-b: some entries may have arrived, never all of them.
async fn interrupted(target: &Grid, cache: &str) -> CaseResult {
    let size = target.b().cache(cache).size().await?;
    ensure!(
        size < CANCEL_ENTRIES as u64,
        "{cache}: all {size} entries reached site-b, the push was not interrupted"
    );
    Ok(())
}

async fn cancel_and_clear(target: &Grid) -> CaseResult {
    let a = target.a();
    let work = a.cache("work");
    let statuses = work.xsite().push_state_status().await?;
    ensure!(
        statuses.len() == 1 && statuses[SITE_B] == PushStateStatus::Idle,
        "every backup site is listed, IDLE at first: {statuses:?}"
    );
    fill_offline(target, "work").await?;
    work.xsite().push_state(SITE_B).await?;
    work.xsite().cancel_push_state(SITE_B).await?;
    let ended = push_ended(&a, "work", SITE_B).await?;
    ensure!(
        ended == PushStateStatus::Canceled,
        "a push of {CANCEL_ENTRIES} entries, cancelled at once: {ended}"
    );
    interrupted(target, "work").await?;
    work.xsite().clear_push_state_status().await?;
    let statuses = work.xsite().push_state_status().await?;
    ensure!(
        statuses[SITE_B] == PushStateStatus::Idle,
        "after clear: {statuses:?}"
    );
    Ok(())
}

/// Cancel-receive on the receiving side ends a running push there: the entries stop arriving. The
/// sender is not told, and its push still ends in OK on the real servers (DIFFERENCES.md, section
/// B, item 10): an OK push status does not prove that the data arrived.
async fn cancel_receive(target: &Grid) -> CaseResult {
    let a = target.a();
    let b = target.b();
    let work = a.cache("work");
    fill_offline(target, "work").await?;
    work.xsite().push_state(SITE_B).await?;
    b.cache("work").xsite().cancel_receive_state(SITE_A).await?;
    let at_cancel = b.cache("work").size().await?;
    ensure!(
        at_cancel < CANCEL_ENTRIES as u64,
        "the push of {CANCEL_ENTRIES} entries was over before the receiver cancelled it"
    );
    let ended = push_ended(&a, "work", SITE_B).await?;
    ensure!(
        ended == PushStateStatus::Ok,
        "the sender of a push its receiver cancelled: {ended} (real servers report OK)"
    );
    interrupted(target, "work").await?;
    // The receiving side can end a transfer when none is running, too.
    b.cache("work").xsite().cancel_receive_state(SITE_A).await?;
    Ok(())
}

async fn container_cancel_push(target: &Grid) -> CaseResult {
    let a = target.a();
    for cache in ["work", "sessions"] {
        fill_offline(target, cache).await?;
    }
    let pushed = a.container().xsite().push_state(SITE_B).await?;
    ensure!(pushed.values().all(|r| r.is_ok()), "push: {pushed:?}");
    let results = a.container().xsite().cancel_push_state(SITE_B).await?;
    ensure!(
        results.len() == 8 && results.values().all(|r| r.is_ok()),
        "cancel: {results:?}"
    );
    for cache in ["work", "sessions"] {
        let ended = push_ended(&a, cache, SITE_B).await?;
        ensure!(
            ended == PushStateStatus::Canceled,
            "{cache}: a push of {CANCEL_ENTRIES} entries, cancelled at once: {ended}"
        );
        interrupted(target, cache).await?;
    }
    Ok(())
}
