//! Issue 13's proof through real Keycloak, steps 1 and 2, against `scripts/grid up --keycloak`
//! (`eval "$(scripts/grid env)"` first). Everything is observed through Keycloak's own HTTP answers:
//! its admin REST API and its OpenID Connect token endpoint.
//!
//! 1. A realm, a client and users are created on site-a's Keycloak; a user logs in on site-a, and
//!    the same user logs in on site-b.
//! 2. Brute-force detection on: wrong passwords on site-a lock the user; site-b then refuses that
//!    user's right password and its admin API reports the user locked, while another user of the
//!    realm still logs in on site-b (the refusal is the lockout, not a broken site).
//!
//! Skips, loudly, only when `XSITE_KEYCLOAK_SITE_A_URL` is unset. `harness = false`: the steps share
//! one realm and run in order.

use std::fmt::Write as _;
use std::process::ExitCode;

use serde_json::{Value, json};

/// Wrong passwords after which the realm locks a user.
const FAILURE_FACTOR: u32 = 3;
/// Pause between wrong passwords, above Keycloak's default quick-login check of 1000 ms.
const QUICK_LOGIN_GAP: std::time::Duration = std::time::Duration::from_millis(1200);
/// The public client with direct access grants the users log in through.
const CLIENT_ID: &str = "xsite-proof";

type Outcome<T> = Result<T, String>;

/// Connection facts from `scripts/grid env`.
struct Env {
    site_a: String,
    site_b: String,
    admin: String,
    admin_password: String,
}

impl Env {
    fn from_env() -> Option<Outcome<Env>> {
        let site_a = std::env::var("XSITE_KEYCLOAK_SITE_A_URL").ok()?;
        let var = |name: &str| {
            std::env::var(name)
                .map_err(|_| format!("{name} is not set (eval \"$(scripts/grid env)\")"))
        };
        Some((|| {
            Ok(Env {
                site_a,
                site_b: var("XSITE_KEYCLOAK_SITE_B_URL")?,
                admin: var("XSITE_KEYCLOAK_ADMIN")?,
                admin_password: var("XSITE_KEYCLOAK_ADMIN_PASSWORD")?,
            })
        })())
    }
}

/// `application/x-www-form-urlencoded` body: every byte outside the unreserved set is escaped.
fn form(fields: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in fields.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        for (j, part) in [k, v].into_iter().enumerate() {
            if j == 1 {
                out.push('=');
            }
            for b in part.bytes() {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    out.push(b as char);
                } else {
                    let _ = write!(out, "%{b:02X}");
                }
            }
        }
    }
    out
}

/// The answer of the token endpoint to a password grant.
struct TokenAnswer {
    status: u16,
    body: Value,
}

impl TokenAnswer {
    fn access_token(&self) -> Option<&str> {
        (self.status == 200)
            .then(|| self.body["access_token"].as_str())
            .flatten()
    }
}

struct Keycloak {
    http: reqwest::Client,
}

impl Keycloak {
    async fn password_grant(
        &self,
        base: &str,
        realm: &str,
        client: &str,
        user: &str,
        password: &str,
    ) -> Outcome<TokenAnswer> {
        let url = format!("{base}/realms/{realm}/protocol/openid-connect/token");
        let body = form(&[
            ("grant_type", "password"),
            ("client_id", client),
            ("username", user),
            ("password", password),
        ]);
        let resp = self
            .http
            .post(&url)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .map_err(|e| format!("POST {url}: {e}"))?;
        let status = resp.status().as_u16();
        let body = resp.json::<Value>().await.unwrap_or(Value::Null);
        Ok(TokenAnswer { status, body })
    }

    async fn admin_token(&self, base: &str, env: &Env) -> Outcome<String> {
        let answer = self
            .password_grant(base, "master", "admin-cli", &env.admin, &env.admin_password)
            .await?;
        answer.access_token().map(str::to_owned).ok_or_else(|| {
            format!(
                "{base}: no admin token: HTTP {} {}",
                answer.status, answer.body
            )
        })
    }

    /// An admin REST call that must answer `want`; the JSON body (or null).
    async fn admin(
        &self,
        token: &str,
        method: reqwest::Method,
        url: &str,
        body: Option<Value>,
        want: u16,
    ) -> Outcome<Value> {
        let mut req = self.http.request(method.clone(), url).bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| format!("{method} {url}: {e}"))?;
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        if status != want {
            return Err(format!(
                "{method} {url}: HTTP {status} (expected {want}): {text}"
            ));
        }
        Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

/// The `preferred_username` claim of a JWT access token (its payload is base64url JSON).
fn preferred_username(jwt: &str) -> Option<String> {
    let payload = jwt.split('.').nth(1)?;
    let mut bits = 0u32;
    let mut n = 0;
    let mut bytes = Vec::new();
    for c in payload.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => continue,
        };
        bits = (bits << 6) | u32::from(v);
        n += 6;
        if n >= 8 {
            n -= 8;
            bytes.push((bits >> n) as u8);
        }
    }
    let claims: Value = serde_json::from_slice(&bytes).ok()?;
    claims["preferred_username"].as_str().map(str::to_owned)
}

fn step(text: &str) {
    println!("ok   {text}");
}

async fn proof(env: &Env) -> Outcome<()> {
    let kc = Keycloak {
        http: reqwest::Client::new(),
    };
    let realm = format!(
        "xsite-proof-{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_err(|e| e.to_string())?
            .as_millis()
    );
    let (a, b) = (env.site_a.as_str(), env.site_b.as_str());
    let users = [("alice", "alice-password"), ("bob", "bob-password")];

    // Step 1: realm, client, users on site-a; log in on both sites.
    let token_a = kc.admin_token(a, env).await?;
    step("site-a: admin token (master realm, admin-cli)");
    let realm_json = json!({
        "realm": realm, "enabled": true,
        "bruteForceProtected": true, "failureFactor": FAILURE_FACTOR, "permanentLockout": false,
        "waitIncrementSeconds": 600, "maxFailureWaitSeconds": 900,
    });
    kc.admin(
        &token_a,
        reqwest::Method::POST,
        &format!("{a}/admin/realms"),
        Some(realm_json),
        201,
    )
    .await?;
    let client_json =
        json!({"clientId": CLIENT_ID, "publicClient": true, "directAccessGrantsEnabled": true});
    kc.admin(
        &token_a,
        reqwest::Method::POST,
        &format!("{a}/admin/realms/{realm}/clients"),
        Some(client_json),
        201,
    )
    .await?;
    for (user, password) in users {
        let user_json = json!({
            "username": user, "enabled": true, "email": format!("{user}@example.org"), "emailVerified": true,
            "firstName": user, "lastName": "Proof",
            "credentials": [{"type": "password", "value": password, "temporary": false}],
        });
        kc.admin(
            &token_a,
            reqwest::Method::POST,
            &format!("{a}/admin/realms/{realm}/users"),
            Some(user_json),
            201,
        )
        .await?;
    }
    step(&format!(
        "site-a: realm {realm} (brute-force detection, {FAILURE_FACTOR} failures), client {CLIENT_ID}, users alice and bob created"
    ));

    let (alice, alice_password) = users[0];
    for (site, base) in [("site-a", a), ("site-b", b)] {
        let answer = kc
            .password_grant(base, &realm, CLIENT_ID, alice, alice_password)
            .await?;
        let token = answer.access_token().ok_or_else(|| {
            format!(
                "{site}: {alice} could not log in: HTTP {} {}",
                answer.status, answer.body
            )
        })?;
        let who = preferred_username(token);
        if who.as_deref() != Some(alice) {
            return Err(format!(
                "{site}: the access token names {who:?}, not {alice}"
            ));
        }
        step(&format!(
            "{site}: {alice} logs in (password grant; the access token names {alice})"
        ));
    }

    // Step 2: lock alice out on site-a; site-b refuses her, and still lets bob in.
    for i in 1..=FAILURE_FACTOR {
        // Farther apart than the realm's quick-login check (1000 ms by default): the lockout comes
        // from the failure count, not from two failures in quick succession.
        if i > 1 {
            tokio::time::sleep(QUICK_LOGIN_GAP).await;
        }
        let answer = kc
            .password_grant(a, &realm, CLIENT_ID, alice, "wrong-password")
            .await?;
        if answer.access_token().is_some() || answer.body["error"] != "invalid_grant" {
            return Err(format!(
                "site-a: wrong password {i} answered HTTP {} {}",
                answer.status, answer.body
            ));
        }
    }
    step(&format!(
        "site-a: {FAILURE_FACTOR} wrong passwords for {alice} refused (invalid_grant)"
    ));

    let token_b = kc.admin_token(b, env).await?;
    let found = kc
        .admin(
            &token_b,
            reqwest::Method::GET,
            &format!("{b}/admin/realms/{realm}/users?username={alice}&exact=true"),
            None,
            200,
        )
        .await?;
    let alice_id = found[0]["id"]
        .as_str()
        .ok_or_else(|| format!("site-b: user {alice} not found: {found}"))?
        .to_owned();
    // Keycloak records failures on a background thread: allow it a few seconds to reach site-b.
    let status_url =
        format!("{b}/admin/realms/{realm}/attack-detection/brute-force/users/{alice_id}");
    let mut status = Value::Null;
    for _ in 0..50 {
        status = kc
            .admin(&token_b, reqwest::Method::GET, &status_url, None, 200)
            .await?;
        if status["disabled"] == true {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    if status["disabled"] != true {
        return Err(format!(
            "site-b: brute-force status of {alice} is not locked: {status}"
        ));
    }
    step(&format!(
        "site-b: admin API reports {alice} locked: {status}"
    ));

    let refused = kc
        .password_grant(b, &realm, CLIENT_ID, alice, alice_password)
        .await?;
    if refused.access_token().is_some() {
        return Err(format!(
            "site-b: locked-out {alice} logged in with her right password"
        ));
    }
    step(&format!(
        "site-b: {alice}'s right password refused: HTTP {} {}",
        refused.status, refused.body
    ));

    let (bob, bob_password) = users[1];
    let answer = kc
        .password_grant(b, &realm, CLIENT_ID, bob, bob_password)
        .await?;
    if answer.access_token().is_none() {
        return Err(format!(
            "site-b: {bob} (not locked) could not log in: HTTP {} {}",
            answer.status, answer.body
        ));
    }
    step(&format!("site-b: {bob}, not locked, logs in"));
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let env = match Env::from_env() {
        None => {
            eprintln!(
                "##################################################################################"
            );
            eprintln!("SKIPPED: the Keycloak proof (tests/tests/keycloak.rs) did not run:");
            eprintln!("XSITE_KEYCLOAK_SITE_A_URL is not set. Run scripts/grid up --keycloak, then");
            eprintln!(
                "eval \"$(scripts/grid env)\" and cargo test -p xsite-tests --test keycloak."
            );
            eprintln!(
                "##################################################################################"
            );
            return ExitCode::SUCCESS;
        }
        Some(Err(e)) => {
            eprintln!("FAIL {e}");
            return ExitCode::FAILURE;
        }
        Some(Ok(env)) => env,
    };
    let t0 = std::time::Instant::now();
    match proof(&env).await {
        Ok(()) => {
            println!("ok   steps 1-2 in {:.1}s", t0.elapsed().as_secs_f64());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("FAIL {e}");
            ExitCode::FAILURE
        }
    }
}
