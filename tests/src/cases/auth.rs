//! Authentication and authorisation: wrong password, a user without the admin role, and each
//! mechanism the server offers.

use xsite::{Credentials, Error, Mechanism};

use super::case;
use crate::{Case, CaseResult, SITE_A, SITE_B, Target, ensure};

pub(super) fn cases() -> Vec<Case> {
    vec![
        case!("wrong_password", "AbstractAuthorization", wrong_password),
        case!(
            "non_admin_forbidden",
            "AbstractAuthorization.testRestNonAdminsMustNotAccessPerformXSiteOps",
            non_admin_forbidden
        ),
        case!("digest_and_basic", "xsite", digest_and_basic),
    ]
}

async fn wrong_password(target: &Target) -> CaseResult {
    let client = target.client_as(
        SITE_A,
        Credentials::password(target.username.clone(), "not-the-password"),
    );
    let err = client.cache("work").xsite().backups().await.unwrap_err();
    ensure!(matches!(err, Error::Unauthorized(_)), "{err:?}");
    ensure!(err.status().map(|s| s.as_u16()) == Some(401), "{err:?}");
    let anonymous = target.client_as(SITE_A, Credentials::None);
    let err = anonymous.cache("work").xsite().backups().await.unwrap_err();
    ensure!(matches!(err, Error::Unauthorized(_)), "anonymous: {err:?}");
    Ok(())
}

async fn non_admin_forbidden(target: &Target) -> CaseResult {
    let client = target.client_as(SITE_A, target.observer());
    let work = client.cache("work");
    let xsite = work.xsite();
    let checks = [
        ("backups", xsite.backups().await.err()),
        ("site status", xsite.site_status(SITE_B).await.err()),
        ("take-offline", xsite.take_offline(SITE_B).await.err()),
        ("bring-online", xsite.bring_online(SITE_B).await.err()),
        ("push", xsite.push_state(SITE_B).await.err()),
        ("push status", xsite.push_state_status().await.err()),
        (
            "clear push status",
            xsite.clear_push_state_status().await.err(),
        ),
        (
            "take-offline config",
            xsite.take_offline_config(SITE_B).await.err(),
        ),
        ("mode", xsite.state_transfer_mode(SITE_B).await.err()),
        (
            "container take-offline",
            client.container().xsite().take_offline(SITE_B).await.err(),
        ),
        (
            "container status",
            client.container().xsite().status().await.err(),
        ),
    ];
    for (what, err) in checks {
        let Some(err) = err else {
            return Err(format!("{what}: a non-admin user was allowed").into());
        };
        ensure!(matches!(err, Error::Forbidden(_)), "{what}: {err:?}");
        ensure!(
            err.server_message().unwrap_or("").contains("ADMIN"),
            "{what}: message {:?}",
            err.server_message()
        );
    }
    // Nothing was changed by the refused calls.
    let sites = target.a().cache("work").xsite().backups().await?;
    ensure!(sites[SITE_B].is_online(), "site-b is {}", sites[SITE_B]);
    Ok(())
}

async fn digest_and_basic(target: &Target) -> CaseResult {
    let mut worked = Vec::new();
    for mechanism in [
        Mechanism::Auto,
        Mechanism::Digest,
        Mechanism::Basic,
        Mechanism::BasicPreemptive,
    ] {
        let client = target.client_as(SITE_A, target.admin().with_mechanism(mechanism));
        match client.cache("work").xsite().backups().await {
            Ok(_) => {}
            // A server configured without this mechanism (the Keycloak blueprint allows BASIC
            // only) says which it offers; that is an answer, not a failure of the case.
            Err(Error::Unauthorized(e)) if e.message.contains("offered:") => continue,
            // A preemptive Basic on a server without BASIC is refused with 403 ISPN080052.
            Err(Error::Forbidden(e))
                if mechanism == Mechanism::BasicPreemptive && e.message.contains("ISPN080052") =>
            {
                continue;
            }
            Err(e) => return Err(format!("{mechanism:?}: {e}").into()),
        }
        // Several calls on one client: the learnt mechanism (and the Digest nonce) is reused.
        for _ in 0..3 {
            let sites = client.cache("work").xsite().backups().await?;
            ensure!(sites.contains_key(SITE_B), "{mechanism:?}: {sites:?}");
        }
        worked.push(mechanism);
    }
    ensure!(
        worked.contains(&Mechanism::Auto) && worked.len() >= 2,
        "mechanisms that worked: {worked:?}"
    );
    Ok(())
}
