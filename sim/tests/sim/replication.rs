//! Cross-site state: replication while online, not while offline, push-state, and the container routes.

use std::time::Duration;

use crate::common::{admin, push_outcome};
use xsite_sim::{Generation, Grid, PushStatus, SimOptions};

const WORK_B: &str = "/rest/v2/caches/work/x-site/backups/site-b";
const WORK_A: &str = "/rest/v2/caches/work/x-site/backups/site-a";

#[tokio::test]
async fn writes_and_clears_replicate_only_while_online() {
    let grid = Grid::start(SimOptions::default()).await.unwrap();
    let (a, b) = (grid.site_a_url(), grid.site_b_url());

    let r = admin(&a, "PUT", "/rest/v2/caches/work/k1", "v").await;
    assert_eq!(r.status, 204);
    assert!(r.header("etag").is_some());
    let r = admin(&b, "GET", "/rest/v2/caches/work/k1", "").await;
    assert_eq!((r.status, r.body.as_str()), (200, "v"));
    assert_eq!(r.header("content-type"), Some("text/plain; charset=UTF-8"));
    assert_eq!(
        admin(&a, "POST", "/rest/v2/caches/work/k1", "x")
            .await
            .status,
        409
    );

    // Offline: the clear (and later writes) stay local, as the runbook relies on.
    assert_eq!(
        admin(&a, "POST", &format!("{WORK_B}?action=take-offline"), "")
            .await
            .status,
        200
    );
    let r = admin(&a, "GET", "/rest/v2/caches/work/x-site/backups/", "").await;
    assert_eq!(r.body, r#"{"site-b":{"status":"offline"}}"#);
    assert_eq!(
        admin(&a, "POST", "/rest/v2/caches/work?action=clear", "")
            .await
            .status,
        204
    );
    assert_eq!(
        admin(&a, "GET", "/rest/v2/caches/work/k1", "").await.status,
        404
    );
    assert_eq!(
        admin(&b, "GET", "/rest/v2/caches/work/k1", "").await.body,
        "v"
    );
    // The other direction is independent.
    let r = admin(&b, "GET", "/rest/v2/caches/work/x-site/backups/", "").await;
    assert_eq!(r.body, r#"{"site-a":{"status":"online"}}"#);

    // Online again: a clear replicates.
    assert_eq!(
        admin(&a, "POST", &format!("{WORK_B}?action=bring-online"), "")
            .await
            .status,
        200
    );
    assert_eq!(
        admin(&a, "POST", "/rest/v2/caches/work?action=clear", "")
            .await
            .status,
        204
    );
    assert!(grid.site("site-b").unwrap().entries("work").is_empty());

    // Link cut while online: a SYNC write fails and is not applied; the view shrinks.
    grid.cut_link();
    let r = admin(&a, "PUT", "/rest/v2/caches/work/k2", "v").await;
    assert_eq!(r.status, 500);
    assert!(
        r.body
            .starts_with("The local cache work failed to backup data to the remote sites")
    );
    assert_eq!(grid.site_a().entries("work").len(), 1);
    assert!(grid.site_b().entries("work").is_empty());
    let info = admin(&a, "GET", "/rest/v2/cache-managers/default", "").await;
    assert!(info.body.contains(r#""sites_view":["site-a"]"#));
    // A cache without backups is not affected.
    assert_eq!(
        admin(&a, "PUT", "/rest/v2/caches/no-backups/k", "v")
            .await
            .status,
        204
    );
    grid.heal_link();
    assert!(
        admin(&a, "GET", "/rest/v2/cache-managers/default", "")
            .await
            .body
            .contains(r#""sites_view":["site-a","site-b"]"#)
    );
    grid.shutdown().await;
}

#[tokio::test]
async fn push_state_copies_entries_and_reports_progress() {
    let opts = SimOptions {
        push_delay: Duration::from_millis(150),
        ..SimOptions::default()
    };
    let grid = Grid::start(opts).await.unwrap();
    let (a, b) = (grid.site_a_url(), grid.site_b_url());
    let site_b = grid.site("site-b").unwrap();
    site_b.put_local("work", "only-on-b", "x");

    admin(&a, "POST", &format!("{WORK_B}?action=take-offline"), "").await;
    admin(&a, "PUT", "/rest/v2/caches/work/pushed", "value").await;
    assert_eq!(
        admin(&b, "GET", "/rest/v2/caches/work/pushed", "")
            .await
            .status,
        404
    );

    let status = "/rest/v2/caches/work/x-site/backups?action=push-state-status";
    assert_eq!(
        admin(&a, "GET", status, "").await.body,
        r#"{"site-b":"IDLE"}"#
    );
    assert_eq!(
        admin(&a, "POST", &format!("{WORK_B}?action=start-push-state"), "")
            .await
            .status,
        200
    );
    // The push brings the site online first.
    assert_eq!(
        admin(&a, "GET", "/rest/v2/caches/work/x-site/backups/", "")
            .await
            .body,
        r#"{"site-b":{"status":"online"}}"#
    );
    assert_eq!(
        admin(&a, "GET", status, "").await.body,
        r#"{"site-b":"SENDING"}"#
    );
    assert_eq!(push_outcome(&a, "work").await, r#"{"site-b":"OK"}"#);
    // Entries arrive; nothing is deleted on the receiver.
    assert_eq!(
        admin(&b, "GET", "/rest/v2/caches/work/pushed", "")
            .await
            .body,
        "value"
    );
    assert_eq!(site_b.entries("work").len(), 2);

    let r = admin(
        &a,
        "POST",
        "/rest/v2/caches/work/x-site/local?action=clear-push-state-status",
        "",
    )
    .await;
    assert_eq!((r.status, r.body.as_str()), (200, "\"ok\""));
    assert_eq!(
        admin(&a, "GET", status, "").await.body,
        r#"{"site-b":"IDLE"}"#
    );

    // Cancel while sending.
    admin(&a, "POST", &format!("{WORK_B}?action=start-push-state"), "").await;
    admin(
        &a,
        "POST",
        &format!("{WORK_B}?action=cancel-push-state"),
        "",
    )
    .await;
    assert_eq!(push_outcome(&a, "work").await, r#"{"site-b":"CANCELED"}"#);
    // And it stays so: the cancelled push's task, due after `push_delay`, must not revive it. (A
    // wait for nothing to happen: under load it only checks less, it cannot fail spuriously.)
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        admin(&a, "GET", status, "").await.body,
        r#"{"site-b":"CANCELED"}"#
    );

    // A push over a cut link ends in ERROR.
    grid.cut_link();
    admin(&a, "POST", &format!("{WORK_B}?action=start-push-state"), "").await;
    push_outcome(&a, "work").await;
    assert_eq!(
        grid.site("site-a")
            .unwrap()
            .backup("work", "site-b")
            .unwrap()
            .push_status,
        PushStatus::Error
    );
    grid.shutdown().await;
}

#[tokio::test]
async fn per_cache_errors_and_settings() {
    let grid = Grid::start(SimOptions::default()).await.unwrap();
    let a = grid.site_a_url();
    let r = admin(&a, "GET", "/rest/v2/caches/nope/x-site/backups/", "").await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (
            404,
            "ISPN012010: Cache with name 'nope' not found amongst the configured caches"
        )
    );
    assert_eq!(r.header("content-type"), None);
    let r = admin(
        &a,
        "POST",
        "/rest/v2/caches/no-backups/x-site/backups/site-b?action=take-offline",
        "",
    )
    .await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (404, "Cache 'no-backups' does not have backup sites.")
    );
    assert_eq!(r.header("content-type"), Some("text/plain"));
    let r = admin(&a, "GET", WORK_A, "").await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (404, "Cache 'work' does not backup to site 'site-a'")
    );
    let r = admin(&a, "GET", WORK_B, "").await;
    assert_eq!(r.body, r#"{"site-a-0":"online"}"#);

    let config = format!("{WORK_B}/take-offline-config");
    assert_eq!(
        admin(&a, "GET", &config, "").await.body,
        r#"{"after_failures":0,"min_wait":0}"#
    );
    admin(&a, "POST", &format!("{WORK_B}?action=take-offline"), "").await;
    assert_eq!(
        admin(
            &a,
            "PUT",
            &config,
            r#"{"after_failures":5,"min_wait":1000}"#
        )
        .await
        .status,
        204
    );
    // Amending brings the site back online.
    assert_eq!(
        admin(&a, "GET", WORK_B, "").await.body,
        r#"{"site-a-0":"online"}"#
    );
    let r = admin(
        &a,
        "PUT",
        &config,
        r#"{"after_failures":5,"min_wait":1000}"#,
    )
    .await;
    assert_eq!((r.status, r.body.as_str()), (304, ""));
    let r = admin(&a, "PUT", &config, r#"{"after_failures":5}"#).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (
            400,
            "ISPN012044: Missing at least one argument in '[min_wait, after_failures]'"
        )
    );
    assert_eq!(
        admin(&a, "PUT", &config, "").await.body,
        "ISPN012031: Method requires content"
    );

    let mode = format!("{WORK_B}/state-transfer-mode");
    assert_eq!(admin(&a, "GET", &mode, "").await.body, "\"MANUAL\"");
    let r = admin(&a, "POST", &format!("{mode}?action=set"), "").await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (400, "ISPN012040: Missing required argument 'mode'")
    );
    let r = admin(&a, "POST", &format!("{mode}?action=set&mode=auto"), "").await;
    assert_eq!(
        r.body,
        "No enum constant org.infinispan.configuration.cache.XSiteStateTransferMode.auto"
    );
    let r = admin(&a, "POST", &format!("{mode}?action=set&mode=AUTO"), "").await;
    assert!(r.body.starts_with("ISPN000634: "));
    grid.site("site-a")
        .unwrap()
        .set_backup_sync("work", "site-b", false);
    assert_eq!(
        admin(&a, "POST", &format!("{mode}?action=set&mode=AUTO"), "")
            .await
            .status,
        200
    );
    assert_eq!(
        admin(&a, "POST", &format!("{mode}?action=set&mode=AUTO"), "")
            .await
            .status,
        304
    );
    grid.shutdown().await;
}

#[tokio::test]
async fn container_routes_per_generation() {
    let grid = Grid::start(SimOptions::default()).await.unwrap();
    let a = grid.site_a_url();
    let prefix = "/rest/v2/cache-managers/default/x-site/backups";
    let r = admin(
        &a,
        "POST",
        &format!("{prefix}/site-b?action=take-offline"),
        "",
    )
    .await;
    assert_eq!(
        r.body,
        r#"{"offlineClientSessions":"ok","authenticationSessions":"ok","sessions":"ok","clientSessions":"ok","work":"ok","offlineSessions":"ok","loginFailures":"ok","actionTokens":"ok"}"#
    );
    assert_eq!(
        admin(&a, "GET", &format!("{prefix}/site-b"), "").await.body,
        r#"{"status":"offline"}"#
    );
    admin(
        &a,
        "POST",
        &format!("{prefix}/site-b?action=bring-online"),
        "",
    )
    .await;
    admin(&a, "POST", &format!("{WORK_B}?action=take-offline"), "").await;
    assert_eq!(
        admin(&a, "GET", prefix, "").await.body,
        r#"{"site-b":{"status":"mixed","online":["authenticationSessions","sessions","clientSessions","loginFailures","offlineClientSessions","offlineSessions","actionTokens"],"offline":["work"],"mixed":[]}}"#
    );
    let r = admin(
        &a,
        "POST",
        &format!("{prefix}/site-x?action=take-offline"),
        "",
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains(r#""work":"Incorrect site name: site-x""#));
    let r = admin(&a, "GET", &format!("{prefix}/site-x"), "").await;
    assert_eq!((r.status, r.body.as_str()), (404, ""));
    assert_eq!(
        admin(
            &a,
            "GET",
            "/rest/v2/cache-managers/nope/x-site/backups/",
            ""
        )
        .await
        .status,
        404
    );
    let r = admin(&a, "GET", "/rest/v2/container/x-site/backups/", "").await;
    assert_eq!((r.status, r.body.as_str()), (404, "Resource not found"));
    let r = admin(&a, "GET", "/rest/v2/server", "").await;
    assert_eq!(
        r.body,
        r#"{"version":"Infinispan 'Flying Saucer' 14.0.35.Final"}"#
    );
    grid.shutdown().await;

    let grid = Grid::start(SimOptions {
        generation: Generation::V15,
        ..SimOptions::default()
    })
    .await
    .unwrap();
    let a = grid.site_a_url();
    let r = admin(
        &a,
        "POST",
        "/rest/v2/container/x-site/backups/site-b?action=take-offline",
        "",
    )
    .await;
    assert_eq!(
        r.body,
        r#"{"offlineClientSessions":"ok","authenticationSessions":"ok","sessions":"ok","clientSessions":"ok","work":"ok","offlineSessions":"ok","actionTokens":"ok","loginFailures":"ok"}"#
    );
    // The deprecated form ignores the container name.
    let r = admin(
        &a,
        "GET",
        "/rest/v2/cache-managers/whatever/x-site/backups/",
        "",
    )
    .await;
    assert_eq!(r.body, r#"{"site-b":{"status":"offline"}}"#);
    let r = admin(&a, "GET", "/rest/v2/container", "").await;
    assert!(
        r.body
            .starts_with(r#"{"version":"15.0.22.Final","name":"default","coordinator":true,"#)
    );
    assert_eq!(
        admin(&a, "GET", "/rest/v2/container/health/status", "")
            .await
            .body,
        "HEALTHY"
    );
    grid.shutdown().await;
}

/// `GET /rest/v2/security/user/acl` answers, byte for byte, what the real servers answered for the
/// harness's users (docs/real-server/acl/, recorded with curl on each version): 14.0.28 for the
/// 14 generation, 15.0.21 for the 15 generation (15.2.6 and 16.0.7 answer the same as 15.0.21).
#[tokio::test]
async fn the_user_acl_is_the_real_servers() {
    use crate::common::{Conn, basic};
    use xsite_sim::{ADMIN_PASSWORD, ADMIN_USER, OBSERVER_PASSWORD, OBSERVER_USER};
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/real-server/acl");
    for (generation, version) in [
        (Generation::V14, "14.0.28.Final"),
        (Generation::V15, "15.0.21.Final"),
    ] {
        let grid = Grid::start(SimOptions {
            generation,
            ..SimOptions::default()
        })
        .await
        .unwrap();
        for (user, password, file) in [
            (ADMIN_USER, ADMIN_PASSWORD, "developer"),
            (OBSERVER_USER, OBSERVER_PASSWORD, "observer"),
        ] {
            let mut c = Conn::open(&grid.site_a_url()).await.unwrap();
            let auth = basic(user, password);
            let resp = c
                .send(
                    "GET",
                    "/rest/v2/security/user/acl",
                    &[("Authorization", &auth)],
                    "",
                )
                .await
                .unwrap();
            let recorded = std::fs::read_to_string(format!("{dir}/{version}-{file}.json")).unwrap();
            assert_eq!(resp.status, 200);
            assert_eq!(resp.body, recorded.trim_end(), "{version} {user}");
        }
        grid.shutdown().await;
    }
    for later in ["15.2.6.Final", "16.0.7"] {
        for file in ["developer", "observer"] {
            assert_eq!(
                std::fs::read_to_string(format!("{dir}/{later}-{file}.json")).unwrap(),
                std::fs::read_to_string(format!("{dir}/15.0.21.Final-{file}.json")).unwrap(),
                "{later} {file}"
            );
        }
    }
}
