//! The watch snapshot (`xsite::watch`): both sites, every cache, and a change made by another
//! client showing in the next snapshot; the cache set read from the servers.

use std::time::Duration;

use xsite::CacheSet;
use xsite::watch;

use super::auth::raw_client;
use super::case;
use super::runbook::sites;
use crate::{Case, CaseResult, Grid, GridKind, SITE_A, SITE_B, ensure};

pub(super) fn cases() -> Vec<Case> {
    vec![
        case!("watch_snapshot", "xsite (watch --once)", snapshot),
        case!(
            "cache_set_detected",
            "xsite (runbooks without --cache-set)",
            cache_set_detected
        ),
        case!(
            "container_events_carry_no_cross_site_change",
            "xsite (watch polls: why)",
            container_events
        ),
        case!(
            "alert_rules_read_live_metrics",
            "xsite (alerts)",
            alert_rules_read_live_metrics
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
        ensure!(s.relay_node && s.site_view.len() == 2, "{s:?}");
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

/// A cache created and removed only to mark a point in the container's event stream.
const PROBE_CACHE: &str = "xsite-events-probe";

/// Why `xsite watch` polls: the container's event stream (`GET /rest/v2/container?action=listen`,
/// the same path on 14.0, 15.x and 16.0) carries cache configuration events only. A take-offline,
/// a bring-online and a push send nothing; the cache created after them (the positive control)
/// arrives as the first event, so nothing was missed by reading too early. When a version starts
/// sending cross-site events, this case fails and `watch` can use them.
async fn container_events(target: &Grid) -> CaseResult {
    if target.kind == GridKind::Simulator {
        return target.skip("a check of the real servers' event stream; the simulator has none");
    }
    if !target.rest_auth.iter().any(|m| m == "BASIC") {
        return target.skip("reads the stream with Basic; the servers do not offer it");
    }
    let http = raw_client(target)?;
    let (username, password) = target.admin_password();
    let base = &target.site_a_url;
    // `Accept: text/event-stream` is refused (406 ISPN012007) on every version; JSON is the
    // events' payload format.
    let mut stream = http
        .get(format!("{base}/rest/v2/container?action=listen"))
        .basic_auth(username, Some(password))
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| e.to_string())?;
    ensure!(
        stream.status() == reqwest::StatusCode::OK,
        "listen: {}",
        stream.status()
    );
    let work = target.a().cache("work");
    work.xsite().take_offline(SITE_B).await?;
    work.xsite().bring_online(SITE_B).await?;
    work.xsite().push_state(SITE_B).await?;
    let probe = format!("{base}/rest/v2/caches/{PROBE_CACHE}");
    let config = r#"{"local-cache":{}}"#;
    let created = http
        .post(&probe)
        .basic_auth(username, Some(password))
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(config)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    ensure!(
        created.status().is_success(),
        "create {PROBE_CACHE}: {}",
        created.status()
    );
    let removed = http
        .delete(&probe)
        .basic_auth(username, Some(password))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    ensure!(
        removed.status().is_success(),
        "remove {PROBE_CACHE}: {}",
        removed.status()
    );

    // Read until the probe's removal arrives (bounded: 10 s, 64 KiB).
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !text.contains(&format!("data: {PROBE_CACHE}")) {
        ensure!(
            text.len() < 64 * 1024,
            "no probe removal in 64 KiB of events: {text}"
        );
        let chunk = tokio::time::timeout_at(deadline, stream.chunk())
            .await
            .map_err(|_| format!("no probe removal within 10 s; the stream sent: {text:?}"))?
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("the stream ended; it sent: {text:?}"))?;
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    let events: Vec<&str> = text
        .lines()
        .filter_map(|line| line.strip_prefix("event: "))
        .collect();
    ensure!(
        events == ["create-cache", "remove-cache"],
        "events after take-offline, bring-online and push: {events:?} in {text:?}"
    );
    ensure!(text.contains(PROBE_CACHE), "{text:?}");
    Ok(())
}

/// `xsite alerts` for the version a site answers reads metrics that site's `/metrics` has now
/// (the SDK's unit tests check the same against the scrapes stored in docs/real-server/metrics/;
/// this keeps those honest on every CI version), and the sites-view metric is there exactly when
/// the rules say.
async fn alert_rules_read_live_metrics(target: &Grid) -> CaseResult {
    if target.kind == GridKind::Simulator {
        return target.skip("the simulator has no /metrics");
    }
    if !target.rest_auth.iter().any(|m| m == "BASIC") {
        return target.skip("reads /metrics with Basic; the servers do not offer it");
    }
    let version = target
        .a()
        .server_version()
        .await?
        .ok_or_else(|| "no version".to_owned())?;
    let rules = xsite::alerts::RuleSet::for_version(&version).map_err(|e| e.to_string())?;
    let http = raw_client(target)?;
    let (username, password) = target.admin_password();
    let response = http
        .get(format!("{}/metrics", target.site_a_url))
        .basic_auth(username, Some(password))
        .header(reqwest::header::ACCEPT, "text/plain")
        .send()
        .await
        .map_err(|e| e.to_string())?;
    ensure!(
        response.status() == reqwest::StatusCode::OK,
        "/metrics: {}",
        response.status()
    );
    let text = response.text().await.map_err(|e| e.to_string())?;
    let names: Vec<&str> = text
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split(['{', ' ']).next())
        .filter(|name| !name.is_empty())
        .collect();
    ensure!(
        !names.is_empty(),
        "no metric in /metrics: {:?}",
        &text[..text.len().min(500)]
    );
    let mismatches = rules.mismatches(names.iter().copied());
    ensure!(mismatches.is_empty(), "{mismatches:?}");
    Ok(())
}
