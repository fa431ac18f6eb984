//! The error mapping: every kind of failure, with the server's status and message kept.

use std::time::Duration;

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};
use xsite::routes::ContainerPath;
use xsite::{Client, Error, RetryPolicy};

use crate::common::{client_15, json, text};

async fn take_offline_error(response: ResponseTemplate) -> Error {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(response)
        .mount(&server)
        .await;
    client_15(&server)
        .cache("work")
        .xsite()
        .take_offline("site-z")
        .await
        .unwrap_err()
}

/// Tells whether an error is of the expected kind.
type KindCheck = fn(&Error) -> bool;

#[tokio::test]
async fn each_server_answer_maps_to_its_kind() {
    let cases: Vec<(ResponseTemplate, KindCheck, u16, &str)> = vec![
        (
            text(
                404,
                "ISPN012010: Cache with name 'work' not found amongst the configured caches",
            ),
            |e| matches!(e, Error::CacheNotFound(_)),
            404,
            "ISPN012010: Cache with name 'work' not found amongst the configured caches",
        ),
        (
            text(404, "Cache 'work' does not have backup sites."),
            |e| matches!(e, Error::CacheWithoutBackups(_)),
            404,
            "Cache 'work' does not have backup sites.",
        ),
        (
            text(404, "Cache 'work' does not backup to site 'site-z'"),
            |e| matches!(e, Error::SiteNotFound(_)),
            404,
            "Cache 'work' does not backup to site 'site-z'",
        ),
        (
            ResponseTemplate::new(401),
            |e| matches!(e, Error::Unauthorized(_)),
            401,
            "",
        ),
        (
            text(
                403,
                "ISPN000287: Unauthorized access: subject 'Subject with principal(s): [observer]' lacks 'ADMIN' permission",
            ),
            |e| matches!(e, Error::Forbidden(_)),
            403,
            "ISPN000287: Unauthorized access: subject 'Subject with principal(s): [observer]' lacks 'ADMIN' permission",
        ),
        (
            text(
                500,
                "ISPN012047: Site operation on 'site-z' failed: 'Could not take the site offline on nodes:[a]'",
            ),
            |e| matches!(e, Error::SiteOperationFailed(_)),
            500,
            "ISPN012047: Site operation on 'site-z' failed: 'Could not take the site offline on nodes:[a]'",
        ),
        (
            text(400, "Invalid 'action' parameter supplied"),
            |e| matches!(e, Error::UnexpectedStatus(_)),
            400,
            "Invalid 'action' parameter supplied",
        ),
    ];
    for (response, is_kind, status, message) in cases {
        let err = take_offline_error(response).await;
        assert!(is_kind(&err), "{err:?}");
        assert_eq!(err.status().unwrap().as_u16(), status);
        assert_eq!(err.server_message(), Some(message));
        let request = err.request().unwrap();
        assert_eq!(request.method.as_str(), "POST");
        assert!(
            request
                .url
                .ends_with("/rest/v2/caches/work/x-site/backups/site-z?action=take-offline"),
            "{}",
            request.url
        );
        // Display says which call failed and what the server said.
        let shown = err.to_string();
        assert!(shown.contains("POST http://"), "{shown}");
        assert!(shown.contains(&format!("HTTP {status}")), "{shown}");
    }
}

#[tokio::test]
async fn container_status_of_an_unknown_site_is_site_not_found() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/rest/v2/container/x-site/backups/nowhere"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    let err = client_15(&server)
        .container()
        .xsite()
        .site_status("nowhere")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::SiteNotFound(_)), "{err:?}");
    assert_eq!(err.server_message(), Some(""));
}

#[tokio::test]
async fn container_action_on_an_unknown_site_is_a_partial_failure() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(json(
            200,
            r#"{"work":"Incorrect site name: nowhere","sessions":"Incorrect site name: nowhere"}"#,
        ))
        .mount(&server)
        .await;
    let err = client_15(&server)
        .container()
        .xsite()
        .bring_online("nowhere")
        .await
        .unwrap_err();
    let Error::PartialFailure(partial) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(partial.failed().count(), 2);
}

#[tokio::test]
async fn a_malformed_body_is_a_decode_error_with_the_body() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(json(200, "{not json"))
        .mount(&server)
        .await;
    let err = client_15(&server)
        .cache("work")
        .xsite()
        .backups()
        .await
        .unwrap_err();
    let Error::Decode { body, request, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(body, "{not json");
    assert!(request.url.ends_with("/x-site/backups/"));
}

#[tokio::test]
async fn push_status_collection_failure_is_an_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(json(200, r#"{"ERROR":"Timed out waiting for responses"}"#))
        .mount(&server)
        .await;
    let err = client_15(&server)
        .cache("work")
        .xsite()
        .push_state_status()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::SiteOperationFailed(_)), "{err:?}");
    assert_eq!(
        err.server_message(),
        Some("Timed out waiting for responses")
    );
}

#[tokio::test]
async fn a_refused_connection_is_a_transport_error() {
    // Bind and drop a listener to get a port where nothing listens.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = Client::builder(format!("http://127.0.0.1:{port}"))
        .container_path(ContainerPath::Container)
        .retry(RetryPolicy {
            max_retries: 1,
            initial_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(1),
        })
        .build()
        .unwrap();
    let err = client.cache_names().await.unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    assert!(matches!(err, Error::Transport { .. }));
}

#[tokio::test]
async fn reads_are_retried_after_503_but_writes_are_not() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(json(200, r#"["work"]"#))
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let client = Client::builder(server.uri())
        .container_path(ContainerPath::Container)
        .retry(RetryPolicy {
            max_retries: 2,
            initial_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(1),
        })
        .build()
        .unwrap();
    assert_eq!(client.cache_names().await.unwrap(), ["work"]);
    let err = client
        .cache("work")
        .xsite()
        .push_state("site-b")
        .await
        .unwrap_err();
    assert_eq!(err.status().unwrap().as_u16(), 503);
    let posts = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == "POST")
        .count();
    assert_eq!(posts, 1, "a push must never be sent twice");
}

#[tokio::test]
async fn a_slow_server_times_out() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(json(200, "[]").set_delay(Duration::from_millis(500)))
        .mount(&server)
        .await;
    let client = Client::builder(server.uri())
        .container_path(ContainerPath::Container)
        .request_timeout(Duration::from_millis(50))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = client.cache_names().await.unwrap_err();
    assert!(
        matches!(err, Error::Timeout { limit, .. } if limit == Duration::from_millis(50)),
        "{err:?}"
    );
    assert!(err.is_timeout());
}
