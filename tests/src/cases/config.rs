//! Take-offline configuration and state-transfer mode.

use xsite::{ConfigUpdate, Error, StateTransferMode, TakeOfflineConfig};

use super::case;
use crate::{Case, CaseResult, Grid, SITE_B, ensure};

pub(super) fn cases() -> Vec<Case> {
    vec![
        case!(
            "take_offline_config_round_trip",
            "XSiteResourceTest.testTakeOfflineConfig",
            take_offline_config
        ),
        case!(
            "state_transfer_mode",
            "XSiteAdminOperationsTest / AbstractAuthorization",
            state_transfer_mode
        ),
    ]
}

async fn take_offline_config(target: &Grid) -> CaseResult {
    let client = target.a();
    let work = client.cache("work");
    let xsite = work.xsite();
    let initial = xsite.take_offline_config(SITE_B).await?;
    ensure!(
        initial == TakeOfflineConfig::default(),
        "defaults: {initial:?}"
    );
    let wanted = TakeOfflineConfig {
        after_failures: 5,
        min_wait: 1000,
    };
    ensure!(
        xsite.set_take_offline_config(SITE_B, wanted).await? == ConfigUpdate::Changed,
        "first PUT should change (204)"
    );
    ensure!(
        xsite.take_offline_config(SITE_B).await? == wanted,
        "read back after PUT"
    );
    ensure!(
        xsite.set_take_offline_config(SITE_B, wanted).await? == ConfigUpdate::Unchanged,
        "same values should be unchanged (304)"
    );
    // Another cache keeps its own configuration.
    let other = client
        .cache("sessions")
        .xsite()
        .take_offline_config(SITE_B)
        .await?;
    ensure!(other == TakeOfflineConfig::default(), "sessions: {other:?}");
    // A changed configuration brings an offline site back online.
    xsite.take_offline(SITE_B).await?;
    xsite
        .set_take_offline_config(SITE_B, TakeOfflineConfig::default())
        .await?;
    let sites = xsite.backups().await?;
    ensure!(
        sites[SITE_B].is_online(),
        "after amending the config: {sites:?}"
    );
    Ok(())
}

async fn state_transfer_mode(target: &Grid) -> CaseResult {
    let client = target.a();
    let work = client.cache("work");
    let xsite = work.xsite();
    ensure!(
        xsite.state_transfer_mode(SITE_B).await? == StateTransferMode::Manual,
        "default mode is MANUAL"
    );
    let err = xsite
        .set_state_transfer_mode(SITE_B, StateTransferMode::Auto)
        .await
        .unwrap_err();
    ensure!(
        matches!(&err, Error::UnexpectedStatus(e) if e.status.as_u16() == 400),
        "AUTO on a SYNC backup: {err:?}"
    );
    ensure!(
        err.server_message().unwrap_or("").contains("ISPN000634"),
        "message: {:?}",
        err.server_message()
    );
    // The reference notes expected 304 for MANUAL on a MANUAL SYNC backup; the real servers
    // (14.0.28, 15.0.21, 15.2.6, 16.0.7) refuse any set on a SYNC backup with the same 400.
    let err = xsite
        .set_state_transfer_mode(SITE_B, StateTransferMode::Manual)
        .await
        .unwrap_err();
    ensure!(
        err.server_message().unwrap_or("").contains("ISPN000634"),
        "MANUAL on a SYNC backup: {err:?}"
    );
    ensure!(
        xsite.state_transfer_mode(SITE_B).await? == StateTransferMode::Manual,
        "the mode is still MANUAL"
    );
    Ok(())
}
