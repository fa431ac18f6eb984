//! Cache clear and replication: the reason the runbooks take the backup offline first.

use super::case;
use crate::{Case, CaseResult, Grid, SITE_B, ensure};

pub(super) fn cases() -> Vec<Case> {
    vec![
        case!(
            "writes_replicate_while_online",
            "XSiteRestCacheOperations.testBackupStatus",
            writes_replicate
        ),
        case!(
            "clear_replicates_while_online",
            "xsite (runbook warning)",
            clear_replicates_while_online
        ),
        case!(
            "clear_stays_local_while_offline",
            "xsite (runbook procedure 3)",
            clear_stays_local_while_offline
        ),
    ]
}

async fn writes_replicate(target: &Grid) -> CaseResult {
    let (a, b) = (target.a(), target.b());
    a.cache("work").put("k1", "from-a").await?;
    let seen = b.cache("work").get("k1").await?;
    ensure!(seen.as_deref() == Some("from-a"), "site-b sees {seen:?}");
    b.cache("work").put("k2", "from-b").await?;
    let seen = a.cache("work").get("k2").await?;
    ensure!(seen.as_deref() == Some("from-b"), "site-a sees {seen:?}");
    a.cache("work").delete("k1").await?;
    ensure!(
        b.cache("work").get("k1").await?.is_none(),
        "delete did not replicate"
    );
    Ok(())
}

async fn clear_replicates_while_online(target: &Grid) -> CaseResult {
    let (a, b) = (target.a(), target.b());
    a.cache("work").put("k", "v").await?;
    ensure!(b.cache("work").get("k").await?.is_some(), "not replicated");
    a.cache("work").clear().await?;
    ensure!(
        b.cache("work").size().await? == 0,
        "a clear on site-a while online must reach site-b"
    );
    Ok(())
}

async fn clear_stays_local_while_offline(target: &Grid) -> CaseResult {
    let (a, b) = (target.a(), target.b());
    a.cache("work").put("k", "v").await?;
    a.cache("work").xsite().take_offline(SITE_B).await?;
    a.cache("work").clear().await?;
    ensure!(a.cache("work").size().await? == 0, "site-a not cleared");
    let kept = b.cache("work").get("k").await?;
    ensure!(
        kept.as_deref() == Some("v"),
        "site-b lost its entry while the backup was offline: {kept:?}"
    );
    Ok(())
}
