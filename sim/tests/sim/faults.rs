//! Fault switches: injected statuses, latency, a site going down and coming back, take-offline that does not take.

use std::time::{Duration, Instant};

use crate::common::{Conn, admin, eventually};
use xsite_sim::{Grid, SimOptions};

const WORK_B: &str = "/rest/v2/caches/work/x-site/backups/site-b";

#[tokio::test]
async fn injected_statuses_and_latency() {
    let grid = Grid::start(SimOptions::default()).await.unwrap();
    let a = grid.site_a_url();
    let site_a = grid.site("site-a").unwrap();
    site_a.inject_status(503, 2);
    assert_eq!(admin(&a, "GET", "/rest/v2/server", "").await.status, 503);
    assert_eq!(admin(&a, "GET", "/rest/v2/server", "").await.status, 503);
    assert_eq!(admin(&a, "GET", "/rest/v2/server", "").await.status, 200);
    // Only the faulty site is affected.
    site_a.inject_response(500, "boom", 1);
    assert_eq!(
        admin(&grid.site_b_url(), "GET", "/rest/v2/server", "")
            .await
            .status,
        200
    );
    let r = admin(&a, "GET", "/rest/v2/server", "").await;
    assert_eq!((r.status, r.body.as_str()), (500, "boom"));

    site_a.set_latency(Duration::from_millis(120));
    let start = Instant::now();
    assert_eq!(admin(&a, "GET", "/rest/v2/server", "").await.status, 200);
    assert!(start.elapsed() >= Duration::from_millis(120));
    grid.shutdown().await;
}

#[tokio::test]
async fn site_down_refuses_connections_and_cuts_replication() {
    let grid = Grid::start(SimOptions::default()).await.unwrap();
    let (a, b) = (grid.site_a_url(), grid.site_b_url());
    let site_b = grid.site("site-b").unwrap();
    let mut open = Conn::open(&b).await.unwrap();

    site_b.set_down(true);
    eventually("a down site refuses connections", async || {
        Conn::open(&b).await.err().map(|_| ())
    })
    .await;
    assert!(
        open.send("GET", "/rest/v2/server", &[], "").await.is_err(),
        "open connections are dropped"
    );
    // Site-a sees site-b gone: its view shrinks and SYNC writes fail while the backup is online.
    let info = admin(&a, "GET", "/rest/v2/cache-managers/default", "").await;
    assert!(info.body.contains(r#""sites_view":["site-a"]"#));
    assert_eq!(
        admin(&a, "PUT", "/rest/v2/caches/work/k", "v").await.status,
        500
    );
    // Once taken offline, writes succeed locally.
    admin(&a, "POST", &format!("{WORK_B}?action=take-offline"), "").await;
    assert_eq!(
        admin(&a, "PUT", "/rest/v2/caches/work/k", "v").await.status,
        204
    );

    site_b.set_down(false);
    let mut up = eventually("site-b is back on the same port", async || {
        Conn::open(&b).await.ok()
    })
    .await;
    let r = up
        .send(
            "GET",
            "/rest/v2/cache-managers/default/health/status",
            &[],
            "",
        )
        .await
        .unwrap();
    assert_eq!(r.body, "HEALTHY");
    assert!(site_b.entries("work").is_empty());
    grid.shutdown().await;
}

#[tokio::test]
async fn take_offline_that_does_not_take() {
    let grid = Grid::start(SimOptions::default()).await.unwrap();
    let a = grid.site_a_url();
    let site_a = grid.site("site-a").unwrap();
    site_a.stick_online("sessions", "site-b", true);
    let r = admin(
        &a,
        "POST",
        "/rest/v2/cache-managers/default/x-site/backups/site-b?action=take-offline",
        "",
    )
    .await;
    assert!(r.body.contains(r#""sessions":"ok""#));
    let r = admin(
        &a,
        "GET",
        "/rest/v2/cache-managers/default/x-site/backups/site-b",
        "",
    )
    .await;
    assert_eq!(
        r.body,
        r#"{"status":"mixed","online":["sessions"],"offline":["authenticationSessions","clientSessions","work","loginFailures","offlineClientSessions","offlineSessions","actionTokens"],"mixed":[]}"#
    );
    assert_eq!(
        admin(
            &a,
            "POST",
            "/rest/v2/caches/sessions/x-site/backups/site-b?action=take-offline",
            ""
        )
        .await
        .status,
        200
    );
    assert!(site_a.backup("sessions", "site-b").unwrap().online);
    site_a.stick_online("sessions", "site-b", false);
    admin(
        &a,
        "POST",
        "/rest/v2/caches/sessions/x-site/backups/site-b?action=take-offline",
        "",
    )
    .await;
    assert!(!site_a.backup("sessions", "site-b").unwrap().online);
    grid.shutdown().await;
}
