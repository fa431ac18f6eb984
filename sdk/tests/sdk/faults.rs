//! The fault catalog, SDK side: hostile or broken servers ([`xsite_sim::hostile`]), each playing one
//! fault, and exactly what the SDK does about it: the error, what was (not) sent, and how much of
//! a hostile body was read. The REPL side (exit codes, printed messages, RSS) is in
//! `repl/tests/it/faults.rs`; the catalog as a table is in `docs/FAULTS.md`.

use std::time::Duration;

use xsite::routes::ContainerPath;
use xsite::runbook::{self, Options, Plan, Site, Sites};
use xsite::{CacheSet, Client, Credentials, Error, MAX_MESSAGE_BYTES, RetryPolicy};
use xsite_sim::hostile::{Hostile, Play, Seen};

/// Retries as by default, without the waits.
fn quick_retries() -> RetryPolicy {
    RetryPolicy {
        max_retries: 2,
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(1),
    }
}

fn client(server: &Hostile) -> Client {
    Client::builder(server.url())
        .container_path(ContainerPath::Container)
        .retry(quick_retries())
        .build()
        .unwrap()
}

fn client_with_timeout(server: &Hostile, timeout: Duration) -> Client {
    Client::builder(server.url())
        .container_path(ContainerPath::Container)
        .retry(quick_retries())
        .timeout(timeout)
        .build()
        .unwrap()
}

const MB: u64 = 1024 * 1024;

#[tokio::test]
async fn a_huge_declared_body_is_not_read() {
    let server = Hostile::start(|_| Play::Huge {
        status: 200,
        size: 200 * MB,
        chunked: false,
        fill: b'x',
    });
    let err = client(&server).cache_names().await.unwrap_err();
    assert!(
        matches!(err, Error::ResponseTooLarge { .. }),
        "{err:?} ({err})"
    );
    // The client hung up: the server could not write more than the socket buffers took.
    assert!(
        server.huge_bytes_sent() < 100 * MB,
        "{}",
        server.huge_bytes_sent()
    );
}

#[tokio::test]
async fn an_endless_chunked_body_is_cut_off() {
    let server = Hostile::start(|_| Play::Huge {
        status: 200,
        size: 1024 * MB,
        chunked: true,
        fill: b'[',
    });
    let err = client(&server).cache_names().await.unwrap_err();
    assert!(
        matches!(err, Error::ResponseTooLarge { .. }),
        "{err:?} ({err})"
    );
    assert!(
        server.huge_bytes_sent() < 512 * MB,
        "{}",
        server.huge_bytes_sent()
    );
    // Not retried: the answer was complete enough to judge.
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_huge_error_body_is_clipped() {
    let server = Hostile::start(|_| Play::Huge {
        status: 500,
        size: 200 * MB,
        chunked: false,
        fill: b'E',
    });
    let err = client(&server)
        .cache("work")
        .xsite()
        .take_offline("site-b")
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500), "{err:?}");
    let message = err.server_message().unwrap();
    assert!(message.starts_with("EEEE"), "{message:.80}");
    assert!(message.len() <= MAX_MESSAGE_BYTES + 64, "{}", message.len());
    assert!(
        message.ends_with("bytes in all, cut]"),
        "{}",
        &message[message.len() - 60..]
    );
    assert!(err.to_string().len() < MAX_MESSAGE_BYTES + 300);
}

#[tokio::test]
async fn server_text_with_escape_sequences_is_escaped_when_shown() {
    let hostile = "\u{1b}]0;owned\u{7}\u{1b}[2J\u{1b}[Hgone\u{9b}31m";
    let server = Hostile::start(move |_| Play::text(500, hostile));
    let err = client(&server)
        .cache("work")
        .xsite()
        .take_offline("site-b")
        .await
        .unwrap_err();
    // Kept as sent for programs, escaped wherever it is displayed.
    assert_eq!(err.server_message(), Some(hostile));
    let shown = err.to_string();
    assert!(
        !shown.chars().any(|c| c.is_control()),
        "{shown:?} holds control characters"
    );
    assert!(shown.contains("\\u001b]0;owned\\u0007"), "{shown}");
}

#[tokio::test]
async fn a_partial_failure_text_with_escape_sequences_is_escaped_when_shown() {
    let server = Hostile::start(|_| {
        Play::json(
            200,
            r#"{"work":"ok","sessions":"bad\u001b[2J\u001b]0;x\u0007"}"#,
        )
    });
    let err = client(&server)
        .container()
        .xsite()
        .take_offline("site-b")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::PartialFailure(_)), "{err:?}");
    let shown = err.to_string();
    assert!(!shown.chars().any(|c| c.is_control()), "{shown:?}");
}

#[tokio::test]
async fn a_silent_server_costs_one_time_limit_not_one_per_retry() {
    let server = Hostile::start(|_| Play::Silent);
    let err = client_with_timeout(&server, Duration::from_millis(300))
        .cache_names()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(!err.is_outcome_unknown(), "a read changes nothing: {err:?}");
    // The time limit covers the call, retries included: no second attempt after it ran out.
    assert_eq!(server.requests().len(), 1, "{:?}", server.requests());
}

#[tokio::test]
async fn a_state_change_that_times_out_has_an_unknown_outcome() {
    let server = Hostile::start(|_| Play::Silent);
    let err = client_with_timeout(&server, Duration::from_millis(300))
        .cache("work")
        .xsite()
        .take_offline("site-b")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::OutcomeUnknown {
                timed_out: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("may or may not"), "{err}");
    assert_eq!(server.count("POST", "take-offline"), 1, "never sent twice");
}

#[tokio::test]
async fn a_clear_whose_connection_resets_has_an_unknown_outcome() {
    let server = Hostile::start(|_| Play::Reset);
    let err = client(&server).cache("work").clear().await.unwrap_err();
    assert!(err.is_outcome_unknown(), "{err:?}");
    assert!(!err.is_timeout(), "{err:?}");
    assert_eq!(server.count("POST", "action=clear"), 1, "never sent twice");
}

#[tokio::test]
async fn a_read_whose_connection_resets_is_retried_then_reported() {
    let server = Hostile::start(|_| Play::Reset);
    let err = client(&server).cache_names().await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(
        server.requests().len(),
        3,
        "the first attempt and two retries"
    );
}

#[tokio::test]
async fn an_empty_all_caches_answer_is_not_success() {
    let server = Hostile::start(|_| Play::json(200, "{}"));
    let err = client(&server)
        .container()
        .xsite()
        .take_offline("site-b")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    assert!(err.to_string().contains("no cache's result"), "{err}");
}

#[tokio::test]
async fn an_answer_that_names_a_key_twice_is_not_trusted() {
    let server = Hostile::start(|_| {
        Play::json(
            200,
            r#"{"site-b":{"status":"online"},"site-b":{"status":"offline"}}"#,
        )
    });
    let err = client(&server)
        .cache("work")
        .xsite()
        .backups()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    assert!(err.to_string().contains("twice"), "{err}");
    let server = Hostile::start(|_| Play::json(200, r#"{"work":"ok","work":"ok"}"#));
    let err = client(&server)
        .container()
        .xsite()
        .bring_online("site-b")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
}

#[tokio::test]
async fn errors_without_a_body_name_their_status() {
    let cases = [
        (
            Play::empty(302, &[("Location", "http://127.0.0.1:1/elsewhere")]),
            "HTTP 302 Found",
        ),
        (Play::empty(304, &[]), "HTTP 304 Not Modified"),
        (Play::empty(204, &[]), "HTTP 204 No Content"),
    ];
    for (play, words) in cases {
        let server = Hostile::start(move |_| play.clone());
        let err = client(&server)
            .cache("work")
            .xsite()
            .backups()
            .await
            .unwrap_err();
        assert!(matches!(err, Error::UnexpectedStatus(_)), "{err:?}");
        assert!(err.to_string().ends_with(words), "{err}");
        // A redirect is not followed.
        assert_eq!(server.requests().len(), 1);
    }
}

const AUTH_INT_ONLY: &str =
    r#"Digest realm="default", nonce="bm9uY2U=", opaque="00", algorithm=MD5, qop="auth-int""#;
const AUTH: &str =
    r#"Digest realm="default", nonce="bm9uY2U=", opaque="00", algorithm=MD5, qop="auth""#;

fn with_password(server: &Hostile) -> Client {
    Client::builder(server.url())
        .container_path(ContainerPath::Container)
        .credentials(Credentials::password("developer", "strong-password"))
        .retry(quick_retries())
        .build()
        .unwrap()
}

#[tokio::test]
async fn digest_with_only_auth_int_is_named_unsupported() {
    let server = Hostile::start(|_| Play::empty(401, &[("WWW-Authenticate", AUTH_INT_ONLY)]));
    let err = with_password(&server).cache_names().await.unwrap_err();
    assert!(matches!(err, Error::AuthUnsupported(_)), "{err:?}");
    assert!(err.to_string().contains("qop=auth-int"), "{err}");
    // The credentials were never sent: one request, without an Authorization header.
    let seen = server.requests();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].header("authorization").is_none());
}

#[tokio::test]
async fn a_401_loop_ends_after_one_answered_challenge() {
    let server = Hostile::start(|_| Play::empty(401, &[("WWW-Authenticate", AUTH)]));
    let err = with_password(&server).cache_names().await.unwrap_err();
    assert!(matches!(err, Error::Unauthorized(_)), "{err:?}");
    let seen = server.requests();
    assert_eq!(seen.len(), 2, "the challenge is answered once: {seen:?}");
    assert!(seen[1].header("authorization").is_some());
}

#[tokio::test]
async fn https_to_a_plain_http_port_says_so() {
    let server = Hostile::start(|_| Play::json(200, "[]"));
    let client = Client::builder(format!("https://127.0.0.1:{}", server.port()))
        .container_path(ContainerPath::Container)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = client.cache_names().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Tls {
                plain_http: true,
                ..
            }
        ),
        "{err:?}"
    );
    let shown = err.to_string();
    assert!(
        shown.contains("plain HTTP") && shown.contains("http://"),
        "{shown}"
    );
    assert!(!shown.contains("CA file"), "no truststore hint: {shown}");
}

#[tokio::test]
async fn a_huge_cache_name_is_refused_before_any_request() {
    let server = Hostile::start(|_| Play::json(200, "{}"));
    let name = "a".repeat(200_000);
    let err = client(&server)
        .cache(&name)
        .xsite()
        .backups()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidName(_)), "{err:?}");
    assert!(err.to_string().contains("200000 bytes"), "{err}");
    assert!(
        err.to_string().len() < 300,
        "the name is not repeated whole"
    );
    let err = client(&server)
        .container()
        .xsite()
        .take_offline(&name)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidName(_)), "{err:?}");
    assert_eq!(server.requests(), Vec::<Seen>::new());
}

/// Both sites on one hostile server: the resync's first two steps only talk to the stale site.
fn sites(server: &Hostile, timeout: Duration) -> Sites {
    Sites::new(["site-a", "site-b"].map(|name| Site {
        name: name.to_owned(),
        client: client_with_timeout(server, timeout),
    }))
}

fn options(step_deadline: Duration) -> Options {
    Options {
        caches: CacheSet::custom(["c1", "c2"]),
        step_deadline,
        ..Options::default()
    }
}

#[tokio::test]
async fn a_step_deadline_bounds_the_requests_inside_it() {
    // The take-offline is answered; the status route then hangs.
    let server = Hostile::start(|seen| {
        if seen.method == "POST" {
            Play::json(200, r#"{"c1":"ok","c2":"ok"}"#)
        } else if seen.target == "/rest/v2/caches" {
            Play::json(200, r#"["c1","c2"]"#)
        } else {
            Play::Silent
        }
    });
    let deadline = Duration::from_millis(400);
    let err = runbook::run_plan(
        &sites(&server, Duration::from_secs(120)),
        &Plan::fence("site-a", "site-b", &options(deadline).caches),
        &options(deadline),
        &mut |_| {},
    )
    .await
    .unwrap_err();
    assert_eq!(err.step, 1, "{err}");
    match &err.source {
        Some(Error::Timeout { limit, .. }) => assert!(*limit <= deadline, "{limit:?}"),
        other => panic!("expected a timeout bounded by the step deadline: {other:?}\n{err}"),
    }
}

/// The answers of a stale site-a whose backups to site-b are offline; `clear` plays the clears.
fn stale_site(seen: &Seen, clear: &Play, backups: &str) -> Play {
    let target = seen.target.as_str();
    if target == "/rest/v2/caches" {
        Play::json(200, r#"["c1","c2"]"#)
    } else if target.contains("action=clear") {
        clear.clone()
    } else if target.contains("/x-site/backups/site-b?action=take-offline") {
        Play::json(200, r#"{"c1":"ok","c2":"ok"}"#)
    } else if target.contains("action=push-state-status") {
        Play::json(200, r#"{"site-b":"IDLE"}"#)
    } else if target.starts_with("/rest/v2/container/x-site/backups/site-b") {
        Play::json(200, r#"{"status":"offline"}"#)
    } else if target.contains("/x-site/backups/") {
        Play::json(200, backups)
    } else {
        Play::text(404, "not here")
    }
}

#[tokio::test]
async fn a_clear_whose_answer_is_lost_is_reported_as_unknown_not_as_nothing_cleared() {
    let server =
        Hostile::start(|seen| stale_site(seen, &Play::Reset, r#"{"site-b":{"status":"offline"}}"#));
    let options = options(Duration::from_secs(5));
    let err = runbook::resync(
        &sites(&server, Duration::from_secs(5)),
        "site-b",
        "site-a",
        &options,
        &mut |_| {},
    )
    .await
    .unwrap_err();
    assert_eq!(err.step, 2, "{err}");
    assert_eq!(err.unknown, ["the clear of c1 on site-a"], "{err}");
    let report = err.to_string();
    assert!(!report.contains("nothing was cleared"), "{report}");
    assert!(
        report.contains("outcome unknown: the clear of c1"),
        "{report}"
    );
    assert!(
        err.next
            .starts_with("first find out what happened to the clear of c1"),
        "{}",
        err.next
    );
    // The stop came at the first unknown clear: c2 was never sent.
    assert_eq!(server.count("POST", "/c2?action=clear"), 0);
}

#[tokio::test]
async fn a_site_named_twice_lets_no_clear_through() {
    let twice = r#"{"site-b":{"status":"online"},"site-b":{"status":"offline"}}"#;
    let server = Hostile::start(move |seen| stale_site(seen, &Play::json(200, "\"ok\""), twice));
    let options = options(Duration::from_millis(300));
    let err = runbook::resync(
        &sites(&server, Duration::from_secs(5)),
        "site-b",
        "site-a",
        &options,
        &mut |_| {},
    )
    .await
    .unwrap_err();
    assert_eq!(server.count("POST", "action=clear"), 0, "{err}");
    assert!(err.to_string().contains("nothing was cleared"), "{err}");
}

#[tokio::test]
async fn the_check_before_step_1_is_bounded_by_the_step_deadline() {
    // Every route hangs: the cache check before step 1 must give up at the step deadline (not
    // the 120 s request timeout), with nothing sent.
    let server = Hostile::start(|_| Play::Silent);
    let deadline = Duration::from_millis(400);
    let err = runbook::run_plan(
        &sites(&server, Duration::from_secs(120)),
        &Plan::fence("site-a", "site-b", &options(deadline).caches),
        &options(deadline),
        &mut |_| {},
    )
    .await
    .unwrap_err();
    assert_eq!(err.step, 0, "{err}");
    match &err.source {
        Some(Error::Timeout { limit, .. }) => assert!(*limit <= deadline, "{limit:?}"),
        other => panic!("expected a timeout bounded by the step deadline: {other:?}\n{err}"),
    }
    assert!(
        server.requests().iter().all(|s| s.method == "GET"),
        "nothing but reads may be sent before step 1"
    );
}
