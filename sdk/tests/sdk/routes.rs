//! Every route: method, path, query, body and headers as sent, and the typed result.

use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};
use xsite::{
    CacheOutcome, ConfigUpdate, NodeStatus, PushStateStatus, SiteStatus, StateTransferMode,
    TakeOfflineConfig,
};

use crate::common::{client_14, client_15, fixture, json};

/// Asserts that the server received exactly these requests, as `METHOD path?query`.
async fn assert_requests(server: &MockServer, expected: &[&str]) {
    let received: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| {
            let query = r.url.query().map(|q| format!("?{q}")).unwrap_or_default();
            format!("{} {}{}", r.method, r.url.path(), query)
        })
        .collect();
    assert_eq!(received, expected);
}

#[tokio::test]
async fn cache_backups_status() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/rest/v2/caches/work/x-site/backups/"))
        .respond_with(json(200, &fixture("cache-backups.json")))
        .expect(1)
        .mount(&server)
        .await;
    let sites = client_14(&server)
        .cache("work")
        .xsite()
        .backups()
        .await
        .unwrap();
    assert_eq!(sites["site-b"], SiteStatus::Online);
    assert_requests(&server, &["GET /rest/v2/caches/work/x-site/backups/"]).await;
}

#[tokio::test]
async fn cache_site_status_per_node_keeps_order() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/rest/v2/caches/work/x-site/backups/site-b"))
        .respond_with(json(200, &fixture("cache-site-status.json")))
        .mount(&server)
        .await;
    let nodes = client_14(&server)
        .cache("work")
        .xsite()
        .site_status("site-b")
        .await
        .unwrap();
    let pairs: Vec<(&str, &NodeStatus)> = nodes.iter().map(|(k, v)| (k.as_str(), v)).collect();
    assert_eq!(
        pairs,
        [
            ("site-a-0", &NodeStatus::Online),
            ("site-a-1", &NodeStatus::Offline)
        ]
    );
}

#[tokio::test]
async fn per_cache_actions_send_an_empty_post_with_the_action() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/rest/v2/caches/work/x-site/backups/site-b"))
        .and(header("content-length", "0"))
        .respond_with(ResponseTemplate::new(200))
        .expect(5)
        .mount(&server)
        .await;
    let client = client_14(&server);
    let work = client.cache("work");
    let xsite = work.xsite();
    xsite.take_offline("site-b").await.unwrap();
    xsite.bring_online("site-b").await.unwrap();
    xsite.push_state("site-b").await.unwrap();
    xsite.cancel_push_state("site-b").await.unwrap();
    xsite.cancel_receive_state("site-b").await.unwrap();
    assert_requests(
        &server,
        &[
            "POST /rest/v2/caches/work/x-site/backups/site-b?action=take-offline",
            "POST /rest/v2/caches/work/x-site/backups/site-b?action=bring-online",
            "POST /rest/v2/caches/work/x-site/backups/site-b?action=start-push-state",
            "POST /rest/v2/caches/work/x-site/backups/site-b?action=cancel-push-state",
            "POST /rest/v2/caches/work/x-site/backups/site-b?action=cancel-receive-state",
        ],
    )
    .await;
}

#[tokio::test]
async fn push_state_status_and_clear() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/rest/v2/caches/work/x-site/backups"))
        .and(query_param("action", "push-state-status"))
        .respond_with(json(200, &fixture("push-state-status.json")))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/rest/v2/caches/work/x-site/local"))
        .and(query_param("action", "clear-push-state-status"))
        .respond_with(json(200, "\"ok\""))
        .mount(&server)
        .await;
    let client = client_14(&server);
    let work = client.cache("work");
    let statuses = work.xsite().push_state_status().await.unwrap();
    assert_eq!(
        statuses.into_iter().collect::<Vec<_>>(),
        [
            ("site-b".to_owned(), PushStateStatus::Sending),
            ("site-c".to_owned(), PushStateStatus::Idle)
        ]
    );
    work.xsite().clear_push_state_status().await.unwrap();
    assert_requests(
        &server,
        &[
            "GET /rest/v2/caches/work/x-site/backups?action=push-state-status",
            "POST /rest/v2/caches/work/x-site/local?action=clear-push-state-status",
        ],
    )
    .await;
}

#[tokio::test]
async fn clear_push_status_that_failed_under_200_is_an_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(json(200, "\"Unable to perform operation. Error=boom\""))
        .mount(&server)
        .await;
    let err = client_14(&server)
        .cache("work")
        .xsite()
        .clear_push_state_status()
        .await
        .unwrap_err();
    assert!(
        matches!(err, xsite::Error::SiteOperationFailed(_)),
        "{err:?}"
    );
    assert_eq!(
        err.server_message(),
        Some("Unable to perform operation. Error=boom")
    );
}

#[tokio::test]
async fn take_offline_config_get_and_put_tell_changed_from_unchanged() {
    let server = MockServer::start().await;
    let route = "/rest/v2/caches/work/x-site/backups/site-b/take-offline-config";
    Mock::given(method("GET"))
        .and(path(route))
        .respond_with(json(200, &fixture("take-offline-config.json")))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(route))
        .and(header("content-type", "application/json"))
        .and(body_json(
            serde_json::json!({"after_failures": 5, "min_wait": 1000}),
        ))
        .respond_with(ResponseTemplate::new(204))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(route))
        .respond_with(ResponseTemplate::new(304))
        .mount(&server)
        .await;
    let client = client_14(&server);
    let work = client.cache("work");
    let config = work.xsite().take_offline_config("site-b").await.unwrap();
    assert_eq!(
        config,
        TakeOfflineConfig {
            after_failures: 5,
            min_wait: 1000
        }
    );
    assert_eq!(
        work.xsite()
            .set_take_offline_config("site-b", config)
            .await
            .unwrap(),
        ConfigUpdate::Changed
    );
    assert_eq!(
        work.xsite()
            .set_take_offline_config("site-b", config)
            .await
            .unwrap(),
        ConfigUpdate::Unchanged
    );
}

#[tokio::test]
async fn state_transfer_mode_get_and_set() {
    let server = MockServer::start().await;
    let route = "/rest/v2/caches/work/x-site/backups/site-b/state-transfer-mode";
    Mock::given(method("GET"))
        .and(path(route))
        .respond_with(json(200, "\"MANUAL\""))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(route))
        .and(query_param("action", "set"))
        .and(query_param("mode", "MANUAL"))
        .respond_with(ResponseTemplate::new(304))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(route))
        .and(query_param("action", "set"))
        .and(query_param("mode", "AUTO"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let client = client_14(&server);
    let work = client.cache("work");
    let xsite = work.xsite();
    assert_eq!(
        xsite.state_transfer_mode("site-b").await.unwrap(),
        StateTransferMode::Manual
    );
    assert_eq!(
        xsite
            .set_state_transfer_mode("site-b", StateTransferMode::Manual)
            .await
            .unwrap(),
        ConfigUpdate::Unchanged
    );
    assert_eq!(
        xsite
            .set_state_transfer_mode("site-b", StateTransferMode::Auto)
            .await
            .unwrap(),
        ConfigUpdate::Changed
    );
    assert_requests(
        &server,
        &[
            &format!("GET {route}"),
            &format!("POST {route}?action=set&mode=MANUAL"),
            &format!("POST {route}?action=set&mode=AUTO"),
        ],
    )
    .await;
}

#[tokio::test]
async fn cache_clear_names_and_entries() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/rest/v2/caches/work"))
        .and(query_param("action", "clear"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/v2/caches"))
        .respond_with(json(200, r#"["work","sessions"]"#))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/rest/v2/caches/work/k+1"))
        .and(header("content-type", "text/plain; charset=UTF-8"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/v2/caches/work/k+1"))
        .respond_with(ResponseTemplate::new(200).set_body_string("v1"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/v2/caches/work/missing"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/v2/caches/work"))
        .and(query_param("action", "keys"))
        .respond_with(json(200, r#"["k 1"]"#))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/v2/caches/work"))
        .and(query_param("action", "size"))
        .respond_with(json(200, "1"))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/rest/v2/caches/work/k+1"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let client = client_14(&server);
    let work = client.cache("work");
    work.clear().await.unwrap();
    assert_eq!(client.cache_names().await.unwrap(), ["work", "sessions"]);
    work.put("k 1", "v1").await.unwrap();
    assert_eq!(work.get("k 1").await.unwrap().as_deref(), Some("v1"));
    assert_eq!(work.get("missing").await.unwrap(), None);
    assert_eq!(work.keys().await.unwrap(), ["k 1"]);
    assert_eq!(work.size().await.unwrap(), 1);
    work.delete("k 1").await.unwrap();
    let received = server.received_requests().await.unwrap();
    let put = received
        .iter()
        .find(|r| r.method.as_str() == "PUT")
        .unwrap();
    assert_eq!(put.body, b"v1");
}

#[tokio::test]
async fn cache_names_are_encoded_like_the_java_client() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    client_14(&server)
        .cache("my cache/x")
        .xsite()
        .take_offline("site-b")
        .await
        .unwrap();
    let received = server.received_requests().await.unwrap();
    assert_eq!(
        received[0].url.path(),
        "/rest/v2/caches/my+cache%2Fx/x-site/backups/site-b"
    );
}

#[tokio::test]
async fn container_routes_on_14_use_cache_managers() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/rest/v2/cache-managers/default/x-site/backups/"))
        .respond_with(json(200, &fixture("container-backups.json")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(
            "/rest/v2/cache-managers/default/x-site/backups/site-b",
        ))
        .respond_with(json(200, &fixture("container-site-status.json")))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(
            "/rest/v2/cache-managers/default/x-site/backups/site-b",
        ))
        .respond_with(json(200, &fixture("container-action-ok.json")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/v2/cache-managers/default"))
        .respond_with(json(200, &fixture("container-info.json")))
        .mount(&server)
        .await;
    let client = client_14(&server);
    let container = client.container();
    let xsite = container.xsite();
    let all = xsite.status().await.unwrap();
    let SiteStatus::Mixed(mixed) = &all["site-b"] else {
        panic!("{all:?}")
    };
    assert_eq!(mixed.offline, ["sessions"]);
    assert_eq!(mixed.mixed.as_deref(), Some(&[][..]));
    assert!(matches!(
        xsite.site_status("site-b").await.unwrap(),
        SiteStatus::Mixed(_)
    ));
    let results = xsite.take_offline("site-b").await.unwrap();
    assert_eq!(results.len(), 8);
    assert_eq!(results.keys().next().unwrap(), "offlineClientSessions");
    xsite.bring_online("site-b").await.unwrap();
    xsite.push_state("site-b").await.unwrap();
    xsite.cancel_push_state("site-b").await.unwrap();
    let info = container.site_info().await.unwrap();
    assert_eq!(info.local_site.as_deref(), Some("site-a"));
    assert_eq!(info.sites_view, ["site-a", "site-b"]);
    assert!(info.relay_node);
    assert_eq!(info.relay_nodes, ["site-a-0"]);
    assert_requests(
        &server,
        &[
            "GET /rest/v2/cache-managers/default/x-site/backups/",
            "GET /rest/v2/cache-managers/default/x-site/backups/site-b",
            "POST /rest/v2/cache-managers/default/x-site/backups/site-b?action=take-offline",
            "POST /rest/v2/cache-managers/default/x-site/backups/site-b?action=bring-online",
            "POST /rest/v2/cache-managers/default/x-site/backups/site-b?action=start-push-state",
            "POST /rest/v2/cache-managers/default/x-site/backups/site-b?action=cancel-push-state",
            "GET /rest/v2/cache-managers/default",
        ],
    )
    .await;
}

#[tokio::test]
async fn container_routes_on_15_use_container() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/rest/v2/container/x-site/backups/site-b"))
        .and(query_param("action", "take-offline"))
        .respond_with(json(200, &fixture("container-action-ok.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/v2/container"))
        .respond_with(json(200, &fixture("container-info.json")))
        .expect(1)
        .mount(&server)
        .await;
    let client = client_15(&server);
    client
        .container()
        .xsite()
        .take_offline("site-b")
        .await
        .unwrap();
    let info = client.container_info().await.unwrap();
    assert_eq!(info.defined_caches(), ["work", "sessions"]);
}

#[tokio::test]
async fn a_partial_failure_under_200_is_an_error_with_every_outcome() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(json(200, &fixture("container-action-partial.json")))
        .mount(&server)
        .await;
    let err = client_15(&server)
        .container()
        .xsite()
        .take_offline("site-b")
        .await
        .unwrap_err();
    let xsite::Error::PartialFailure(partial) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(partial.results.len(), 3);
    assert_eq!(partial.results["work"], CacheOutcome::Ok);
    let failed: Vec<_> = partial.failed().collect();
    assert_eq!(failed, [("sessions", "Exception on sessions : timed out")]);
    assert!(err.to_string().contains("1 of 3 caches failed"), "{err}");
}

#[tokio::test]
async fn discovery_picks_the_container_routes_from_the_version() {
    for (server_fixture, major, expected_path) in [
        (
            "server-14.json",
            14,
            "/rest/v2/cache-managers/default/x-site/backups/site-b",
        ),
        (
            "server-15.json",
            15,
            "/rest/v2/container/x-site/backups/site-b",
        ),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/rest/v2/server"))
            .respond_with(json(200, &fixture(server_fixture)))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/rest/v2/server/cache-managers"))
            .respond_with(json(200, r#"["default"]"#))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(expected_path))
            .respond_with(json(200, r#"{"status":"online"}"#))
            .expect(2)
            .mount(&server)
            .await;
        let client = xsite::Client::builder(server.uri()).build().unwrap();
        for _ in 0..2 {
            assert_eq!(
                client
                    .container()
                    .xsite()
                    .site_status("site-b")
                    .await
                    .unwrap(),
                SiteStatus::Online
            );
        }
        let version = client.server_version().await.unwrap().unwrap();
        assert_eq!(version.major, major);
    }
}

#[tokio::test]
async fn fan_out_runs_every_cache_and_keeps_each_outcome() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/rest/v2/caches/sessions/x-site/backups/site-b"))
        .respond_with(crate::common::text(
            404,
            "ISPN012010: Cache with name 'sessions' not found amongst the configured caches",
        ))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let client = client_15(&server);
    let outcomes = xsite::CacheSet::keycloak_legacy()
        .fan_out(&client, |cache| async move {
            cache.xsite().take_offline("site-b").await
        })
        .await;
    assert_eq!(outcomes.iter().count(), 8);
    assert!(!outcomes.all_ok());
    let failures: Vec<&str> = outcomes.failures().map(|(c, _)| c).collect();
    assert_eq!(failures, ["sessions"]);
    assert!(outcomes.get("work").unwrap().is_ok());
    assert_eq!(server.received_requests().await.unwrap().len(), 8);
}

/// Concurrent state changes for several caches deadlock Infinispan 15+: the client sends them one
/// at a time even from a fan-out, while reads stay concurrent.
#[tokio::test]
async fn state_changes_are_sent_one_at_a_time_and_reads_concurrently() {
    use std::time::{Duration, Instant};
    let server = MockServer::start().await;
    let delay = Duration::from_millis(50);
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(delay))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(json(200, &fixture("cache-backups.json")).set_delay(delay))
        .mount(&server)
        .await;
    let client = client_15(&server);
    let caches = xsite::CacheSet::keycloak_legacy();
    let started = Instant::now();
    let outcomes = caches
        .fan_out(&client, |cache| async move {
            cache.xsite().take_offline("site-b").await
        })
        .await;
    assert!(outcomes.all_ok());
    // Serialized: at least eight delays, whatever the machine.
    assert!(started.elapsed() >= delay * 8, "{:?}", started.elapsed());
    let started = Instant::now();
    let outcomes = caches
        .fan_out(
            &client,
            |cache| async move { cache.xsite().backups().await },
        )
        .await;
    assert!(outcomes.all_ok());
    // Concurrent: well under eight delays.
    assert!(started.elapsed() < delay * 7, "{:?}", started.elapsed());
}
