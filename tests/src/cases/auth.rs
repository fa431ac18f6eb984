//! Authentication and authorisation: wrong password, a user without the admin role, and each
//! mechanism the server was started with.

use http_auth::digest::Algorithm;
use http_auth::{ChallengeRef, DigestClient, PasswordParams};
use xsite::{AuthScheme, Credentials, Error, Mechanism};

use super::case;
use crate::{Case, CaseResult, Failure, Grid, SITE_A, SITE_B, ensure};

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

async fn wrong_password(target: &Grid) -> CaseResult {
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

async fn non_admin_forbidden(target: &Grid) -> CaseResult {
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

/// One challenge of a 401, as the server sent it.
struct Offer {
    /// `DIGEST`, `DIGEST-SHA-256` or `BASIC`: the server configuration's name for it.
    mechanism: String,
    /// The challenge header value, to answer a Digest with its own algorithm and nonce.
    header: String,
}

const BACKUPS_PATH: &str = "/rest/v2/caches/work/x-site/backups/";

pub(super) fn raw_client(target: &Grid) -> Result<reqwest::Client, Failure> {
    let mut builder = reqwest::Client::builder();
    if let Some(ca) = &target.ca_file {
        let pem = std::fs::read(ca).map_err(|e| format!("CA file {ca}: {e}"))?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|e| format!("CA file {ca}: {e}"))?;
        builder = builder.tls_certs_merge(certs);
    }
    Ok(builder.build().map_err(|e| e.to_string())?)
}

/// The challenges of an anonymous request, one per mechanism, in the order the server sent them.
async fn offers(http: &reqwest::Client, target: &Grid) -> Result<Vec<Offer>, Failure> {
    let url = format!("{}{BACKUPS_PATH}", target.site_a_url);
    let response = http.get(&url).send().await.map_err(|e| e.to_string())?;
    ensure!(
        response.status() == reqwest::StatusCode::UNAUTHORIZED,
        "anonymous GET {BACKUPS_PATH}: {}",
        response.status()
    );
    let mut offers = Vec::new();
    for value in response
        .headers()
        .get_all(reqwest::header::WWW_AUTHENTICATE)
    {
        let header = value.to_str().map_err(|e| e.to_string())?.to_owned();
        let challenges = http_auth::parse_challenges(&header)
            .map_err(|e| format!("challenge {header:?}: {e}"))?;
        for challenge in &challenges {
            let mechanism = if challenge.scheme.eq_ignore_ascii_case("Basic") {
                "BASIC".to_owned()
            } else if challenge.scheme.eq_ignore_ascii_case("Digest") {
                let digest = DigestClient::try_from(challenge as &ChallengeRef)
                    .map_err(|e| format!("challenge {header:?}: {e}"))?;
                match digest.algorithm() {
                    Algorithm::Md5 => "DIGEST".to_owned(),
                    Algorithm::Sha256 => "DIGEST-SHA-256".to_owned(),
                    other => format!("DIGEST-{other:?}"),
                }
            } else {
                challenge.scheme.to_ascii_uppercase()
            };
            offers.push(Offer {
                mechanism,
                header: header.clone(),
            });
        }
    }
    Ok(offers)
}

/// Answers a Digest challenge with its own algorithm, twice on the same nonce (`nc` 1 then 2).
async fn answer_digest(http: &reqwest::Client, target: &Grid, offer: &Offer) -> CaseResult {
    let challenges = http_auth::parse_challenges(&offer.header).map_err(|e| e.to_string())?;
    let challenge = challenges
        .iter()
        .find(|c| c.scheme.eq_ignore_ascii_case("Digest"))
        .ok_or_else(|| format!("no Digest in {:?}", offer.header))?;
    let mut digest = DigestClient::try_from(challenge).map_err(|e| e.to_string())?;
    let (username, password) = target.admin_password();
    for round in 1..=2 {
        let header = digest
            .respond(&PasswordParams {
                username,
                password,
                uri: BACKUPS_PATH,
                method: "GET",
                body: None,
            })
            .map_err(|e| e.to_string())?;
        let response = http
            .get(format!("{}{BACKUPS_PATH}", target.site_a_url))
            .header(reqwest::header::AUTHORIZATION, header)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        ensure!(
            response.status() == reqwest::StatusCode::OK,
            "{} answered (request {round} on one nonce): {}",
            offer.mechanism,
            response.status()
        );
    }
    Ok(())
}

/// Several calls through the SDK with one mechanism; returns what the client learnt it uses.
async fn sdk_calls(target: &Grid, mechanism: Mechanism) -> Result<Option<AuthScheme>, Error> {
    let client = target.client_as(SITE_A, target.admin().with_mechanism(mechanism));
    // Several calls on one client: the learnt mechanism (and the Digest nonce) is reused.
    for _ in 0..3 {
        client.cache("work").xsite().backups().await?;
    }
    Ok(client.auth_scheme())
}

/// The server offers exactly the mechanisms it was started with, in that order; each one offered
/// works (every Digest algorithm answered on its own, Basic after a challenge and preemptively);
/// each one not offered is refused; Auto uses the server's first choice.
async fn digest_and_basic(target: &Grid) -> CaseResult {
    let http = raw_client(target)?;
    let offers = offers(&http, target).await?;
    let offered: Vec<&str> = offers.iter().map(|o| o.mechanism.as_str()).collect();
    ensure!(
        offered == target.rest_auth,
        "the server offers {offered:?}; it was started with {:?}",
        target.rest_auth
    );
    for offer in offers.iter().filter(|o| o.mechanism.starts_with("DIGEST")) {
        answer_digest(&http, target, offer).await?;
    }
    let digest_offered = offered.iter().any(|m| m.starts_with("DIGEST"));
    let basic_offered = offered.contains(&"BASIC");
    for (mechanism, offered, learnt) in [
        (Mechanism::Digest, digest_offered, AuthScheme::Digest),
        (Mechanism::Basic, basic_offered, AuthScheme::Basic),
        (Mechanism::BasicPreemptive, basic_offered, AuthScheme::Basic),
    ] {
        match sdk_calls(target, mechanism).await {
            Ok(used) => {
                ensure!(
                    offered,
                    "{mechanism:?} worked but the server does not offer it"
                );
                ensure!(
                    used == Some(learnt),
                    "{mechanism:?}: the client used {used:?}"
                );
            }
            // Not offered: a challenge-driven client says what the server offers, and a
            // preemptive Basic is refused with 403 ISPN080052.
            Err(Error::Unauthorized(e))
                if !offered
                    && mechanism != Mechanism::BasicPreemptive
                    && e.message.contains("offered:") => {}
            Err(Error::Forbidden(e))
                if !offered
                    && mechanism == Mechanism::BasicPreemptive
                    && e.message.contains("ISPN080052") => {}
            Err(e) => return Err(format!("{mechanism:?} (offered: {offered}): {e}").into()),
        }
    }
    let first = if offered.first().is_some_and(|m| m.starts_with("DIGEST")) {
        AuthScheme::Digest
    } else {
        AuthScheme::Basic
    };
    let used = sdk_calls(target, Mechanism::Auto)
        .await
        .map_err(|e| format!("Auto: {e}"))?;
    ensure!(
        used == Some(first),
        "Auto used {used:?}; the server prefers {:?}",
        offered.first()
    );
    Ok(())
}
