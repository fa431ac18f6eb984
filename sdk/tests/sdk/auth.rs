//! Authentication: the Digest handshake (MD5, SHA-256, nonce reuse), Basic, bearer, and failures.

use md5::{Digest as _, Md5};
use sha2::Sha256;
use wiremock::matchers::{header, header_exists, method};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};
use xsite::routes::ContainerPath;
use xsite::{Client, Credentials, Mechanism, RetryPolicy};

use crate::common::client_with_password;

const NONCE: &str = "bm9uY2UtMQ==";

fn digest_challenge(algorithm: &str) -> String {
    format!(
        r#"Digest realm="default", nonce="{NONCE}", opaque="00000000000000000000000000000000", algorithm={algorithm}, qop=auth"#
    )
}

/// A 401 with the server's challenges, one header per mechanism.
fn challenge(headers: &[String]) -> ResponseTemplate {
    let mut template = ResponseTemplate::new(401);
    for value in headers {
        template = template.append_header("WWW-Authenticate", value.as_str());
    }
    template
}

/// The parameters of a `Digest …` Authorization header.
fn digest_params(value: &str) -> std::collections::HashMap<String, String> {
    let rest = value.strip_prefix("Digest ").expect("a Digest header");
    let mut params = std::collections::HashMap::new();
    let mut in_quotes = false;
    let mut current = String::new();
    let mut parts = Vec::new();
    for c in rest.chars() {
        match c {
            '"' => {
                in_quotes = !in_quotes;
                current.push(c);
            }
            ',' if !in_quotes => parts.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    parts.push(current);
    for part in parts {
        let (k, v) = part.trim().split_once('=').unwrap();
        params.insert(k.to_owned(), v.trim_matches('"').to_owned());
    }
    params
}

fn hex_hash(algorithm: &str, data: &str) -> String {
    let bytes = match algorithm {
        "MD5" => Md5::digest(data.as_bytes()).to_vec(),
        "SHA-256" => Sha256::digest(data.as_bytes()).to_vec(),
        other => panic!("algorithm {other}"),
    };
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Verifies a Digest response the way the server does: the hash, the realm, the algorithm, qop,
/// and that `uri` is the raw path and query of the request.
fn valid_digest(request: &Request, algorithm: &str) -> bool {
    let Some(value) = request.headers.get("authorization") else {
        return false;
    };
    let params = digest_params(value.to_str().unwrap());
    let raw_uri = match request.url.query() {
        Some(q) => format!("{}?{q}", request.url.path()),
        None => request.url.path().to_owned(),
    };
    let ha1 = hex_hash(algorithm, "developer:default:strong-password");
    let ha2 = hex_hash(algorithm, &format!("{}:{raw_uri}", request.method));
    let expected = hex_hash(
        algorithm,
        &format!(
            "{ha1}:{NONCE}:{}:{}:auth:{ha2}",
            params["nc"], params["cnonce"]
        ),
    );
    params["username"] == "developer"
        && params["realm"] == "default"
        && params["algorithm"] == algorithm
        && params["qop"] == "auth"
        && params["uri"] == raw_uri
        && params["opaque"] == "00000000000000000000000000000000"
        && params["response"] == expected
}

fn nc_of(request: &Request) -> String {
    let value = request
        .headers
        .get("authorization")
        .unwrap()
        .to_str()
        .unwrap();
    digest_params(value)["nc"].clone()
}

async fn digest_handshake(algorithm: &'static str, offered: Vec<String>) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(move |r: &Request| valid_digest(r, algorithm))
        .respond_with(ResponseTemplate::new(200))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(challenge(&offered))
        .with_priority(2)
        .mount(&server)
        .await;
    let client = client_with_password(&server);
    let work = client.cache("work");
    work.xsite().take_offline("site-b").await.unwrap();
    work.xsite().bring_online("site-b").await.unwrap();
    let received = server.received_requests().await.unwrap();
    // The first request goes without credentials, the challenge is answered, and the second
    // operation reuses the nonce with the next nc: three requests, not four.
    assert_eq!(received.len(), 3, "{received:?}");
    assert!(received[0].headers.get("authorization").is_none());
    assert_eq!(nc_of(&received[1]), "00000001");
    assert_eq!(nc_of(&received[2]), "00000002");
    assert!(valid_digest(&received[2], algorithm));
}

#[tokio::test]
async fn digest_md5_handshake_and_nonce_reuse() {
    digest_handshake(
        "MD5",
        vec![
            digest_challenge("MD5"),
            r#"Basic realm="default""#.to_owned(),
        ],
    )
    .await;
}

#[tokio::test]
async fn digest_sha256_is_preferred_over_md5() {
    digest_handshake(
        "SHA-256",
        vec![
            digest_challenge("MD5"),
            digest_challenge("SHA-256"),
            r#"Basic realm="default""#.to_owned(),
        ],
    )
    .await;
}

#[tokio::test]
async fn digest_signs_the_raw_path_and_query() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(|r: &Request| valid_digest(r, "MD5"))
        .respond_with(ResponseTemplate::new(200))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(challenge(&[digest_challenge("MD5")]))
        .with_priority(2)
        .mount(&server)
        .await;
    client_with_password(&server)
        .cache("a b")
        .xsite()
        .take_offline("site-b")
        .await
        .unwrap();
    let received = server.received_requests().await.unwrap();
    let params = digest_params(received[1].headers["authorization"].to_str().unwrap());
    assert_eq!(
        params["uri"],
        "/rest/v2/caches/a+b/x-site/backups/site-b?action=take-offline"
    );
}

#[tokio::test]
async fn a_stale_nonce_is_renewed_from_the_new_challenge() {
    let server = MockServer::start().await;
    // The first authenticated request succeeds; after that the server rejects the old nonce once.
    Mock::given(method("GET"))
        .and(|r: &Request| valid_digest(r, "MD5") && nc_of(r) == "00000001")
        .respond_with(ResponseTemplate::new(200).set_body_string("[]"))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(challenge(&[digest_challenge("MD5")]))
        .with_priority(2)
        .mount(&server)
        .await;
    let client = client_with_password(&server);
    client.cache_names().await.unwrap();
    // nc=2 is refused, the new challenge starts a new count at nc=1, which passes.
    client.cache_names().await.unwrap();
    let received = server.received_requests().await.unwrap();
    let ncs: Vec<String> = received[1..].iter().map(nc_of).collect();
    assert_eq!(ncs, ["00000001", "00000002", "00000001"]);
}

#[tokio::test]
async fn basic_is_used_when_it_is_the_only_challenge() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(header(
            "authorization",
            "Basic ZGV2ZWxvcGVyOnN0cm9uZy1wYXNzd29yZA==",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_string("[]"))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(challenge(&[r#"Basic realm="default""#.to_owned()]))
        .with_priority(2)
        .mount(&server)
        .await;
    let client = client_with_password(&server);
    client.cache_names().await.unwrap();
    client.cache_names().await.unwrap();
    // Challenge once, then Basic up front.
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn preemptive_basic_and_bearer_go_with_the_first_request() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(header(
            "authorization",
            "Basic ZGV2ZWxvcGVyOnN0cm9uZy1wYXNzd29yZA==",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_string("[]"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer tok-123"))
        .respond_with(ResponseTemplate::new(200).set_body_string("[]"))
        .mount(&server)
        .await;
    for credentials in [
        Credentials::password("developer", "strong-password")
            .with_mechanism(Mechanism::BasicPreemptive),
        Credentials::bearer("tok-123"),
    ] {
        let client = Client::builder(server.uri())
            .container_path(ContainerPath::Container)
            .credentials(credentials)
            .build()
            .unwrap();
        client.cache_names().await.unwrap();
    }
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_wrong_password_is_unauthorized_after_one_challenge() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(challenge(&[digest_challenge("MD5")]))
        .mount(&server)
        .await;
    let err = client_with_password(&server)
        .cache_names()
        .await
        .unwrap_err();
    assert!(matches!(err, xsite::Error::Unauthorized(_)), "{err:?}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
    assert!(!format!("{err:?} {err}").contains("strong-password"));
}

#[tokio::test]
async fn no_credentials_is_unauthorized_at_once() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(challenge(&[digest_challenge("MD5")]))
        .mount(&server)
        .await;
    let err = crate::common::client_15(&server)
        .cache_names()
        .await
        .unwrap_err();
    assert!(matches!(err, xsite::Error::Unauthorized(_)), "{err:?}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn url_user_info_is_used_and_never_shown() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(header_exists("authorization"))
        .respond_with(ResponseTemplate::new(500))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(challenge(&[r#"Basic realm="default""#.to_owned()]))
        .with_priority(2)
        .mount(&server)
        .await;
    let url = server
        .uri()
        .replace("http://", "http://developer:strong-password@");
    let client = Client::builder(url)
        .container_path(ContainerPath::Container)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = client.cache_names().await.unwrap_err();
    let shown = format!("{err} {err:?} {client:?}");
    assert!(!shown.contains("strong-password"), "{shown}");
    assert!(err.to_string().contains("HTTP 500"), "{err}");
}

/// A server that checks Digest like the real one: every challenge has a new nonce, and a nonce is
/// accepted again only with a strictly higher nc.
struct StrictDigestServer {
    highest_nc: std::sync::Mutex<std::collections::HashMap<String, u32>>,
    issued: std::sync::atomic::AtomicU32,
}

impl wiremock::Respond for StrictDigestServer {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if let Some(value) = request.headers.get("authorization") {
            let params = digest_params(value.to_str().unwrap());
            let nc = u32::from_str_radix(&params["nc"], 16).unwrap();
            let nonce = params["nonce"].clone();
            let raw_uri = match request.url.query() {
                Some(query) => format!("{}?{query}", request.url.path()),
                None => request.url.path().to_owned(),
            };
            let ha1 = hex_hash("MD5", "developer:default:strong-password");
            let ha2 = hex_hash("MD5", &format!("{}:{raw_uri}", request.method));
            let expected = hex_hash(
                "MD5",
                &format!(
                    "{ha1}:{nonce}:{}:{}:auth:{ha2}",
                    params["nc"], params["cnonce"]
                ),
            );
            let mut highest = self.highest_nc.lock().unwrap();
            let known = highest.get(&nonce).copied();
            if params["response"] == expected && known.is_some_and(|h| nc > h) {
                highest.insert(nonce, nc);
                return crate::common::json(200, r#"{"site-b":{"status":"online"}}"#);
            }
        }
        let n = self
            .issued
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let nonce = format!("nonce-{n}");
        self.highest_nc.lock().unwrap().insert(nonce.clone(), 0);
        challenge(&[format!(
            r#"Digest realm="default", nonce="{nonce}", opaque="00000000000000000000000000000000", algorithm=MD5, qop=auth"#
        )])
    }
}

#[tokio::test]
async fn concurrent_requests_never_send_a_nonce_out_of_order() {
    let server = MockServer::start().await;
    // Reads, because the client sends state changes one at a time anyway.
    Mock::given(method("GET"))
        .respond_with(StrictDigestServer {
            highest_nc: Default::default(),
            issued: Default::default(),
        })
        .mount(&server)
        .await;
    let client = client_with_password(&server);
    for round in 0..3 {
        let outcomes = xsite::CacheSet::keycloak_legacy()
            .fan_out(
                &client,
                |cache| async move { cache.xsite().backups().await },
            )
            .await;
        let failures: Vec<_> = outcomes.failures().collect();
        assert!(failures.is_empty(), "round {round}: {failures:?}");
    }
    // Sessions are reused across rounds: far fewer challenges than requests.
    let received = server.received_requests().await.unwrap();
    let challenges = received
        .iter()
        .filter(|r| r.headers.get("authorization").is_none())
        .count();
    assert!(challenges <= 8, "{challenges} challenges for 24 operations");
}
