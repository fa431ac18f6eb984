//! `client.xsite(&scope)`: each scope sends exactly the requests of its handler chain and answers
//! what that chain answers.

use serde::Serialize;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};
use xsite::{Scope, ScopedOutcome, ScopedStatus};

use crate::common::{client_15, fixture, json};

/// Mounts an answer for every route a scoped call can take, for cache `work` and site `site-b`.
async fn server() -> MockServer {
    let server = MockServer::start().await;
    let answers = [
        (
            "GET",
            "/rest/v2/container/x-site/backups/",
            "container-backups.json",
        ),
        (
            "GET",
            "/rest/v2/container/x-site/backups/site-b",
            "container-site-status.json",
        ),
        (
            "POST",
            "/rest/v2/container/x-site/backups/site-b",
            "container-action-ok.json",
        ),
        (
            "GET",
            "/rest/v2/caches/work/x-site/backups/",
            "cache-backups.json",
        ),
        (
            "GET",
            "/rest/v2/caches/work/x-site/backups/site-b",
            "cache-site-status.json",
        ),
    ];
    for (verb, route, body) in answers {
        Mock::given(method(verb))
            .and(path(route))
            .respond_with(json(200, &fixture(body)))
            .mount(&server)
            .await;
    }
    Mock::given(method("POST"))
        .and(path("/rest/v2/caches/work/x-site/backups/site-b"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    server
}

/// The requests the server received, as `METHOD path?query`.
async fn requests(server: &MockServer) -> Vec<String> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| {
            let query = r.url.query().map(|q| format!("?{q}")).unwrap_or_default();
            format!("{} {}{}", r.method, r.url.path(), query)
        })
        .collect()
}

fn same_json(a: &impl Serialize, b: &impl Serialize) {
    assert_eq!(
        serde_json::to_value(a).unwrap(),
        serde_json::to_value(b).unwrap()
    );
}

#[tokio::test]
async fn status_dispatches_to_the_chain_of_its_scope() {
    let server = server().await;
    let client = client_15(&server);
    let all = Scope::AllCaches;
    let work = Scope::Cache("work".to_owned());

    let scoped = client.xsite(&all).status(None).await.unwrap();
    let chain = client.container().xsite().status().await.unwrap();
    same_json(&scoped, &chain);
    assert_eq!(scoped, ScopedStatus::Sites(chain));

    let scoped = client.xsite(&all).status(Some("site-b")).await.unwrap();
    let chain = client
        .container()
        .xsite()
        .site_status("site-b")
        .await
        .unwrap();
    same_json(&scoped, &chain);
    assert_eq!(scoped, ScopedStatus::Site(chain));

    let scoped = client.xsite(&work).status(None).await.unwrap();
    let chain = client.cache("work").xsite().backups().await.unwrap();
    same_json(&scoped, &chain);
    assert_eq!(scoped, ScopedStatus::Sites(chain));

    let scoped = client.xsite(&work).status(Some("site-b")).await.unwrap();
    let chain = client
        .cache("work")
        .xsite()
        .site_status("site-b")
        .await
        .unwrap();
    same_json(&scoped, &chain);
    assert_eq!(scoped, ScopedStatus::Nodes(chain));

    // Each scoped call sent the request of the chain after it, and nothing else.
    let received = requests(&server).await;
    let pairs: Vec<_> = received.chunks(2).collect();
    assert_eq!(pairs.len(), 4, "{received:?}");
    for pair in pairs {
        assert_eq!(pair[0], pair[1], "{received:?}");
    }
    assert_eq!(
        received.iter().step_by(2).collect::<Vec<_>>(),
        [
            "GET /rest/v2/container/x-site/backups/",
            "GET /rest/v2/container/x-site/backups/site-b",
            "GET /rest/v2/caches/work/x-site/backups/",
            "GET /rest/v2/caches/work/x-site/backups/site-b",
        ]
    );
}

#[tokio::test]
async fn actions_dispatch_to_the_chain_of_their_scope() {
    let server = server().await;
    let client = client_15(&server);
    let work = Scope::Cache("work".to_owned());
    let all = client.xsite(&Scope::AllCaches);
    let one = client.xsite(&work);
    let container = client.container();
    let chain = container.xsite();

    let results = chain.take_offline("site-b").await.unwrap();
    assert_eq!(
        all.take_offline("site-b").await.unwrap(),
        ScopedOutcome::AllCaches(results.clone())
    );
    assert_eq!(
        all.bring_online("site-b").await.unwrap(),
        ScopedOutcome::AllCaches(results.clone())
    );
    assert_eq!(
        all.push_state("site-b").await.unwrap(),
        ScopedOutcome::AllCaches(results.clone())
    );
    assert_eq!(
        all.cancel_push_state("site-b").await.unwrap(),
        ScopedOutcome::AllCaches(results)
    );
    assert_eq!(
        one.take_offline("site-b").await.unwrap(),
        ScopedOutcome::Cache
    );
    assert_eq!(
        one.bring_online("site-b").await.unwrap(),
        ScopedOutcome::Cache
    );
    assert_eq!(
        one.push_state("site-b").await.unwrap(),
        ScopedOutcome::Cache
    );
    assert_eq!(
        one.cancel_push_state("site-b").await.unwrap(),
        ScopedOutcome::Cache
    );
    assert_eq!(
        requests(&server).await,
        [
            "POST /rest/v2/container/x-site/backups/site-b?action=take-offline",
            "POST /rest/v2/container/x-site/backups/site-b?action=take-offline",
            "POST /rest/v2/container/x-site/backups/site-b?action=bring-online",
            "POST /rest/v2/container/x-site/backups/site-b?action=start-push-state",
            "POST /rest/v2/container/x-site/backups/site-b?action=cancel-push-state",
            "POST /rest/v2/caches/work/x-site/backups/site-b?action=take-offline",
            "POST /rest/v2/caches/work/x-site/backups/site-b?action=bring-online",
            "POST /rest/v2/caches/work/x-site/backups/site-b?action=start-push-state",
            "POST /rest/v2/caches/work/x-site/backups/site-b?action=cancel-push-state",
        ]
    );
}

#[tokio::test]
async fn a_failing_scope_fails_as_its_chain_does() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/rest/v2/container/x-site/backups/site-b"))
        .respond_with(json(200, &fixture("container-action-partial.json")))
        .mount(&server)
        .await;
    let client = client_15(&server);
    let err = client
        .xsite(&Scope::AllCaches)
        .take_offline("site-b")
        .await
        .unwrap_err();
    assert!(matches!(err, xsite::Error::PartialFailure(_)), "{err:?}");
}
