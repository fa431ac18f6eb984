//! The authentication handshake as a client sees it: challenges, Digest with nonce-count reuse, Basic, and the
//! authorization failure of a non-admin user.

use crate::common::{Conn, basic, digest, param};
use xsite_sim::{
    ADMIN_PASSWORD, ADMIN_USER, DigestAlgorithm, Generation, Grid, Mechanism, OBSERVER_PASSWORD,
    OBSERVER_USER, SimOptions,
};

const BACKUPS: &str = "/rest/v2/caches/work/x-site/backups/";

#[tokio::test]
async fn digest_md5_handshake_with_nonce_count_reuse() {
    let grid = Grid::start(SimOptions::default()).await.unwrap();
    let url = grid.site_a_url();
    let mut conn = Conn::open(&url).await.unwrap();

    // No credentials: one challenge per mechanism, Digest first, empty body.
    let r = conn.send("GET", BACKUPS, &[], "").await.unwrap();
    assert_eq!(r.status, 401);
    let challenges = r.all("www-authenticate");
    assert_eq!(challenges.len(), 2);
    assert!(challenges[0].starts_with("Digest realm=\"default\", nonce=\""));
    assert!(
        challenges[0]
            .ends_with("opaque=\"00000000000000000000000000000000\", algorithm=MD5, qop=auth")
    );
    assert_eq!(challenges[1], "Basic realm=\"default\"");
    assert_eq!(r.body, "");
    assert_eq!(r.header("content-length"), Some("0"));
    assert_eq!(r.header("date"), None);
    let nonce = param(challenges[0], "nonce").unwrap();

    let auth = |nc: u32| {
        digest(
            "MD5",
            ADMIN_USER,
            ADMIN_PASSWORD,
            "GET",
            BACKUPS,
            &nonce,
            nc,
            "0a4f113b",
        )
    };
    let r = conn
        .send("GET", BACKUPS, &[("Authorization", &auth(1))], "")
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.body, r#"{"site-b":{"status":"online"}}"#);
    assert_eq!(r.header("content-type"), Some("application/json"));

    // The same nonce with a higher count works on another connection too.
    let mut other = Conn::open(&url).await.unwrap();
    let r = other
        .send("GET", BACKUPS, &[("Authorization", &auth(2))], "")
        .await
        .unwrap();
    assert_eq!(r.status, 200);

    // Replaying a count is refused with a fresh, stale challenge (the proof itself is right).
    let mut third = Conn::open(&url).await.unwrap();
    let r = third
        .send("GET", BACKUPS, &[("Authorization", &auth(2))], "")
        .await
        .unwrap();
    assert_eq!(r.status, 401);
    let challenges = r.all("www-authenticate");
    assert_eq!(challenges.len(), 1);
    assert!(challenges[0].contains(", stale=true, algorithm=MD5, qop=auth"));

    // Skipping ahead is fine.
    let r = third
        .send("GET", BACKUPS, &[("Authorization", &auth(9))], "")
        .await
        .unwrap();
    assert_eq!(r.status, 200);

    // The uri must be the request target, query included: otherwise 400 without a challenge.
    let target = "/rest/v2/caches/work/x-site/backups/site-b?action=take-offline";
    let wrong_uri = digest(
        "MD5",
        ADMIN_USER,
        ADMIN_PASSWORD,
        "POST",
        "/rest/v2/caches/work/x-site/backups/site-b",
        &nonce,
        10,
        "0a4f113b",
    );
    let r = third
        .send("POST", target, &[("Authorization", &wrong_uri)], "")
        .await
        .unwrap();
    assert_eq!(r.status, 400);
    assert!(r.all("www-authenticate").is_empty());
    let right_uri = digest(
        "MD5",
        ADMIN_USER,
        ADMIN_PASSWORD,
        "POST",
        target,
        &nonce,
        11,
        "0a4f113b",
    );
    let r = third
        .send("POST", target, &[("Authorization", &right_uri)], "")
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.body, "");

    // A wrong password gets a fresh Digest challenge only.
    let bad = digest(
        "MD5", ADMIN_USER, "wrong", "GET", BACKUPS, &nonce, 12, "0a4f113b",
    );
    let r = third
        .send("GET", BACKUPS, &[("Authorization", &bad)], "")
        .await
        .unwrap();
    assert_eq!(r.status, 401);
    let challenges = r.all("www-authenticate");
    assert_eq!(challenges.len(), 1);
    assert!(!challenges[0].contains("stale"));

    // The identity is kept per connection only for an identical Authorization header.
    let r = conn.send("GET", BACKUPS, &[], "").await.unwrap();
    assert_eq!(r.status, 401);
    grid.shutdown().await;
}

#[tokio::test]
async fn digest_sha256_only() {
    let opts = SimOptions {
        mechanisms: vec![Mechanism::Digest],
        digest_algorithm: DigestAlgorithm::Sha256,
        generation: Generation::V15,
        ..SimOptions::default()
    };
    let grid = Grid::start(opts).await.unwrap();
    let mut conn = Conn::open(&grid.site_b_url()).await.unwrap();
    let r = conn.send("GET", BACKUPS, &[], "").await.unwrap();
    let challenges = r.all("www-authenticate");
    assert_eq!(challenges.len(), 1);
    assert!(challenges[0].contains("algorithm=SHA-256, qop=auth"));
    let nonce = param(challenges[0], "nonce").unwrap();
    let auth = digest(
        "SHA-256",
        ADMIN_USER,
        ADMIN_PASSWORD,
        "GET",
        BACKUPS,
        &nonce,
        1,
        "abcdef0123456789",
    );
    let r = conn
        .send("GET", BACKUPS, &[("Authorization", &auth)], "")
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.body, r#"{"site-a":{"status":"online"}}"#);
    // Basic is not enabled: 15.0 cannot map the scheme to a mechanism.
    let r = conn
        .send(
            "GET",
            BACKUPS,
            &[("Authorization", &basic(ADMIN_USER, ADMIN_PASSWORD))],
            "",
        )
        .await
        .unwrap();
    assert_eq!(r.status, 403);
    assert_eq!(
        r.body,
        "ISPN080052: The request authentication mechanism 'null' is not supported"
    );
    grid.shutdown().await;
}

#[tokio::test]
async fn basic_bearer_observer_and_anonymous_routing_errors() {
    let grid = Grid::start(SimOptions::default()).await.unwrap();
    let url = grid.site_a_url();
    let mut conn = Conn::open(&url).await.unwrap();

    let r = conn
        .send(
            "GET",
            BACKUPS,
            &[("Authorization", &basic(ADMIN_USER, "wrong"))],
            "",
        )
        .await
        .unwrap();
    assert_eq!(r.status, 401);
    assert_eq!(r.all("www-authenticate"), ["Basic realm=\"default\""]);

    let r = conn
        .send("GET", BACKUPS, &[("Authorization", "Basic !!!")], "")
        .await
        .unwrap();
    assert_eq!(
        (r.status, r.body.as_str()),
        (400, "COM00508: Invalid base 64 character")
    );

    let r = conn
        .send("GET", BACKUPS, &[("Authorization", "Bearer abc")], "")
        .await
        .unwrap();
    assert_eq!(r.status, 403);
    assert_eq!(
        r.body,
        "ISPN080052: The request authentication mechanism 'BEARER_TOKEN' is not supported"
    );

    let observer = basic(OBSERVER_USER, OBSERVER_PASSWORD);
    let r = conn
        .send("GET", BACKUPS, &[("Authorization", &observer)], "")
        .await
        .unwrap();
    assert_eq!(r.status, 403);
    assert_eq!(
        r.body,
        "ISPN000287: Unauthorized access: subject 'Subject with principal(s): [observer, RolePrincipal{name='observer'}]' lacks 'ADMIN' permission"
    );
    // Authorization comes before the cache lookup.
    let r = conn
        .send(
            "GET",
            "/rest/v2/caches/nope/x-site/backups/",
            &[("Authorization", &observer)],
            "",
        )
        .await
        .unwrap();
    assert_eq!(r.status, 403);
    // Container info needs no ADMIN.
    let r = conn
        .send(
            "GET",
            "/rest/v2/cache-managers/default",
            &[("Authorization", &observer)],
            "",
        )
        .await
        .unwrap();
    assert_eq!(r.status, 200);

    // Routing errors and health answer without any credentials or challenge.
    for (method, target, status, body) in [
        ("GET", "/rest/v2/nope", 404, "Resource not found"),
        (
            "PUT",
            "/rest/v2/caches/work/x-site/backups/site-b",
            405,
            "Not allowed",
        ),
        (
            "POST",
            "/rest/v2/caches/work/x-site/backups/site-b",
            400,
            "Invalid 'action' parameter supplied",
        ),
        (
            "POST",
            "/rest/v2/caches/work/x-site/backups/site-b?action=",
            400,
            "Invalid action",
        ),
        (
            "GET",
            "/rest/v2/caches/work/x-site/backups/site-b?action=take-offline",
            400,
            "Invalid 'action' parameter supplied",
        ),
        (
            "PATCH",
            "/rest/v2/caches/work/x-site/backups/site-b",
            403,
            "",
        ),
        (
            "GET",
            "/rest/v2/cache-managers/default/health/status",
            200,
            "HEALTHY",
        ),
    ] {
        let r = conn.send(method, target, &[], "").await.unwrap();
        assert_eq!(
            (r.status, r.body.as_str()),
            (status, body),
            "{method} {target}"
        );
        assert!(r.all("www-authenticate").is_empty());
    }
    grid.shutdown().await;
}
