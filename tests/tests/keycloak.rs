//! Issue 13's proof through real Keycloak, against `scripts/grid up --keycloak`
//! (`eval "$(scripts/grid env)"` first). Everything Keycloak does is observed through its own HTTP
//! answers: its admin REST API, its OpenID Connect token endpoint and its login pages. xsite acts
//! through the SDK's Keycloak 26 plans; the outage is `scripts/grid stop-site` / `start-site`.
//!
//! 1. A realm, a client and users are created on site-a's Keycloak; a user logs in on site-a, and
//!    the same user logs in on site-b.
//! 2. Brute-force detection on: wrong passwords on site-a lock the user; site-b then refuses that
//!    user's right password and its admin API reports the user locked, while another user of the
//!    realm still logs in on site-b (the refusal is the lockout, not a broken site).
//! 3. An outage of site-b (its Keycloak and its Infinispan stopped): xsite takes site-b offline
//!    from site-a (`Plan::take_offline`, cache set detected on site-a); site-a keeps serving; during
//!    the outage a user is locked out on site-a, and a single-use action token (an admin's
//!    execute-actions e-mail link, caught by a local SMTP sink) is consumed on site-a.
//! 4. Recovery: site-b's Infinispan comes back empty; xsite synchronizes it from site-a
//!    (`Plan::synchronize`); each cache's keys are compared between the sites; site-b's Keycloak
//!    starts and refuses the locked-out user and the replay of the consumed token; `bring_online`
//!    passes and `runbook status` is healthy.
//! 5. The control: the same outage without the synchronize (another user, another token): site-b
//!    lets that user in and accepts the token again, so the synchronize is what made the
//!    difference. The run ends by synchronizing site-b, so that the grid is left consistent.
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

/// Keycloak's HTTP side, as a client application and an administrator use it.
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
    let env_started = std::time::Instant::now();
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
    println!(
        "ok   steps 1-2 in {:.1}s",
        env_started.elapsed().as_secs_f64()
    );

    outage::steps_3_to_5(env, &kc, &realm).await
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
            println!("ok   steps 1-5 in {:.1}s", t0.elapsed().as_secs_f64());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("FAIL {e}");
            ExitCode::FAILURE
        }
    }
}

/// Steps 3-5: the outage of site-b, its recovery through xsite, and the control without it.
mod outage {
    use std::collections::BTreeMap;
    use std::path::PathBuf;
    use std::time::{Duration, Instant};

    use serde_json::{Value, json};
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    use tokio::sync::mpsc;
    use xsite::runbook::{self, Event, Options, Plan, Site, Sites};
    use xsite::{CacheSet, Client, Credentials};

    use super::{CLIENT_ID, Env, FAILURE_FACTOR, Keycloak, Outcome, QUICK_LOGIN_GAP, form, step};

    const SITE_A: &str = "site-a";
    const SITE_B: &str = "site-b";
    /// The required action the e-mailed link asks for: a one-time action, so Keycloak marks the
    /// token used (in its single-use store, the `actionTokens` cache) once it is done.
    const ACTION: &str = "UPDATE_PASSWORD";

    /// `scripts/grid` with these arguments; its log goes to stderr, its duration is returned.
    async fn grid(args: &[&str]) -> Outcome<Duration> {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/grid");
        let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        let shown = format!("scripts/grid {}", args.join(" "));
        let t0 = Instant::now();
        let status = tokio::task::spawn_blocking(move || {
            std::process::Command::new(script).args(&args).status()
        })
        .await
        .map_err(|e| format!("{shown}: {e}"))?
        .map_err(|e| format!("{shown}: {e}"))?;
        if !status.success() {
            return Err(format!("{shown} failed: {status}"));
        }
        Ok(t0.elapsed())
    }

    /// The Infinispan side of both sites, as xsite reaches it (`scripts/grid env`).
    fn sites() -> Outcome<Sites> {
        let var = |name: &str| {
            std::env::var(name)
                .map_err(|_| format!("{name} is not set (eval \"$(scripts/grid env)\")"))
        };
        let (user, password) = (var("XSITE_USERNAME")?, var("XSITE_PASSWORD")?);
        let mut all = Vec::new();
        for (name, url) in [
            (SITE_A, var("XSITE_SITE_A_URL")?),
            (SITE_B, var("XSITE_SITE_B_URL")?),
        ] {
            let client = Client::builder(url)
                .credentials(Credentials::password(user.clone(), password.clone()))
                .build()
                .map_err(|e| format!("{name}: {e}"))?;
            all.push(Site {
                name: name.to_owned(),
                client,
            });
        }
        Ok(Sites::new(all))
    }

    /// Runs an SDK plan, printing each finished step; the total time.
    async fn run(sites: &Sites, plan: &Plan, options: &Options) -> Outcome<Duration> {
        let t0 = Instant::now();
        let mut steps = Vec::new();
        let mut observer = |event: Event| {
            if let Event::StepFinished { step, elapsed } = event {
                steps.push(format!("{step} ({:.1}s)", elapsed.as_secs_f64()));
            }
        };
        runbook::run_plan(sites, plan, options, &mut observer)
            .await
            .map_err(|e| format!("{}: {e}", plan.workflow))?;
        let elapsed = t0.elapsed();
        step(&format!(
            "xsite {}: {} steps ok [{}] in {:.1}s",
            plan.workflow,
            plan.steps.len(),
            steps.join(", "),
            elapsed.as_secs_f64()
        ));
        Ok(elapsed)
    }

    /// The Infinispan REST API of both sites, read as the harness's admin user.
    struct Infinispan {
        http: reqwest::Client,
        user: String,
        password: String,
        urls: [(&'static str, String); 2],
    }

    impl Infinispan {
        fn from_env() -> Outcome<Infinispan> {
            let var = |name: &str| {
                std::env::var(name)
                    .map_err(|_| format!("{name} is not set (eval \"$(scripts/grid env)\")"))
            };
            Ok(Infinispan {
                http: reqwest::Client::new(),
                user: var("XSITE_USERNAME")?,
                password: var("XSITE_PASSWORD")?,
                urls: [
                    (SITE_A, var("XSITE_SITE_A_URL")?),
                    (SITE_B, var("XSITE_SITE_B_URL")?),
                ],
            })
        }

        /// A cache's keys on one site, as JSON text, sorted. `?action=keys` cannot list the
        /// keys of `loginFailures` (Infinispan 15.0.21: "MarshallingException: Unknown type id :
        /// 65599" while streaming them); `?action=entries&content-negotiation=true` converts the
        /// protobuf keys to JSON.
        async fn keys(&self, base: &str, cache: &str) -> Outcome<Vec<String>> {
            let url =
                format!("{base}/rest/v2/caches/{cache}?action=entries&content-negotiation=true");
            let resp = self
                .http
                .get(&url)
                .basic_auth(&self.user, Some(&self.password))
                .send()
                .await
                .map_err(|e| format!("GET {url}: {e}"))?;
            let status = resp.status().as_u16();
            let text = resp.text().await.unwrap_or_default();
            let entries: Value = serde_json::from_str(&text)
                .map_err(|e| format!("GET {url}: HTTP {status}: {e}: {text}"))?;
            let mut keys: Vec<String> = entries
                .as_array()
                .ok_or_else(|| format!("GET {url}: HTTP {status}: {text}"))?
                .iter()
                .map(|e| e["key"].to_string())
                .collect();
            keys.sort();
            Ok(keys)
        }

        /// Each cache's keys on both sites; equal, or the differences.
        async fn compare_keys(&self, caches: &CacheSet) -> Outcome<Result<String, String>> {
            let mut same = Vec::new();
            let mut differ = Vec::new();
            for cache in caches.names() {
                let mut keys = Vec::new();
                for (_, base) in &self.urls {
                    keys.push(self.keys(base, cache).await?);
                }
                if keys[0] == keys[1] {
                    same.push(format!("{cache} {}", keys[0].len()));
                } else {
                    let only = |x: &Vec<String>, y: &Vec<String>| {
                        x.iter().filter(|k| !y.contains(k)).count()
                    };
                    differ.push(format!(
                        "{cache}: {} keys on site-a, {} on site-b ({} only on site-a, {} only on site-b)",
                        keys[0].len(),
                        keys[1].len(),
                        only(&keys[0], &keys[1]),
                        only(&keys[1], &keys[0])
                    ));
                }
            }
            Ok(if differ.is_empty() {
                Ok(same.join(", "))
            } else {
                Err(differ.join("; "))
            })
        }

        /// The keys compared until they are equal (a write in flight between the two reads shows
        /// as a difference for a moment), at most 10 s.
        async fn keys_equal(&self, caches: &CacheSet) -> Outcome<String> {
            let mut last = String::new();
            for _ in 0..20 {
                match self.compare_keys(caches).await? {
                    Ok(same) => return Ok(same),
                    Err(differ) => last = differ,
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(format!("the caches' keys differ between the sites: {last}"))
        }
    }

    /// A local SMTP server that accepts every message: Keycloak's e-mails, caught for the test.
    struct MailSink {
        port: u16,
        messages: mpsc::UnboundedReceiver<String>,
    }

    impl MailSink {
        async fn start() -> Outcome<MailSink> {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .map_err(|e| format!("SMTP sink: {e}"))?;
            let port = listener.local_addr().map_err(|e| e.to_string())?.port();
            let (tx, messages) = mpsc::unbounded_channel();
            tokio::spawn(async move {
                while let Ok((conn, _)) = listener.accept().await {
                    let tx = tx.clone();
                    tokio::spawn(async move {
                        let _ = smtp_session(conn, tx).await;
                    });
                }
            });
            Ok(MailSink { port, messages })
        }

        /// The next message, within 30 s.
        async fn next(&mut self) -> Outcome<String> {
            tokio::time::timeout(Duration::from_secs(30), self.messages.recv())
                .await
                .map_err(|_| "no e-mail from Keycloak within 30 s".to_owned())?
                .ok_or_else(|| "the SMTP sink stopped".to_owned())
        }
    }

    /// Just enough SMTP for Jakarta Mail without authentication or TLS.
    async fn smtp_session(
        conn: tokio::net::TcpStream,
        tx: mpsc::UnboundedSender<String>,
    ) -> std::io::Result<()> {
        let (read, mut write) = conn.into_split();
        let mut lines = BufReader::new(read).lines();
        write.write_all(b"220 xsite-proof ESMTP\r\n").await?;
        while let Some(line) = lines.next_line().await? {
            let verb = line.get(..4).unwrap_or(&line).to_ascii_uppercase();
            let answer: &[u8] = match verb.as_str() {
                "EHLO" => b"250-xsite-proof\r\n250 8BITMIME\r\n",
                "DATA" => {
                    write.write_all(b"354 end with .\r\n").await?;
                    let mut message = String::new();
                    while let Some(l) = lines.next_line().await? {
                        if l == "." {
                            break;
                        }
                        message.push_str(l.strip_prefix('.').unwrap_or(&l));
                        message.push('\n');
                    }
                    let _ = tx.send(message);
                    b"250 queued\r\n"
                }
                "QUIT" => {
                    write.write_all(b"221 bye\r\n").await?;
                    return Ok(());
                }
                _ => b"250 ok\r\n",
            };
            write.write_all(answer).await?;
        }
        Ok(())
    }

    /// The action-token link of an e-mail, whatever transfer encoding its parts use.
    fn action_link(message: &str) -> Option<String> {
        let find = |text: &str| {
            let start = text.find("http")?;
            let rest = &text[start..];
            let link: String = rest
                .chars()
                .take_while(|c| !c.is_whitespace() && !"\"'<>".contains(*c))
                .collect();
            link.contains("/login-actions/action-token?")
                .then(|| link.replace("&amp;", "&"))
        };
        let candidates = [unfold_quoted_printable(message)]
            .into_iter()
            .chain(base64_parts(message));
        for text in candidates {
            let mut rest = text.as_str();
            while let Some(i) = rest.find("http") {
                if let Some(link) = find(&rest[i..]) {
                    return Some(link);
                }
                rest = &rest[i + 4..];
            }
        }
        None
    }

    fn unfold_quoted_printable(text: &str) -> String {
        let joined = text.replace("=\n", "");
        let bytes = joined.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'='
                && let Some(Ok(b)) = joined.get(i + 1..i + 3).map(|h| u8::from_str_radix(h, 16))
            {
                out.push(b);
                i += 3;
                continue;
            }
            out.push(bytes[i]);
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    /// The decoded bodies of the message's base64 parts.
    fn base64_parts(message: &str) -> Vec<String> {
        let mut out = Vec::new();
        for part in message.split("Content-Transfer-Encoding: base64").skip(1) {
            let body = part.split("\n\n").nth(1).unwrap_or("");
            let encoded: String = body
                .lines()
                .take_while(|l| !l.trim().is_empty() && !l.starts_with("--"))
                .collect();
            let mut bits = 0u32;
            let mut n = 0;
            let mut bytes = Vec::new();
            for c in encoded.bytes() {
                let v = match c {
                    b'A'..=b'Z' => c - b'A',
                    b'a'..=b'z' => c - b'a' + 26,
                    b'0'..=b'9' => c - b'0' + 52,
                    b'+' => 62,
                    b'/' => 63,
                    _ => continue,
                };
                bits = (bits << 6) | u32::from(v);
                n += 6;
                if n >= 8 {
                    n -= 8;
                    bytes.push((bits >> n) as u8);
                }
            }
            out.push(String::from_utf8_lossy(&bytes).into_owned());
        }
        out
    }

    /// A browser: cookies kept per run, redirects followed by hand (so that every Set-Cookie on
    /// the way is kept), and every request sent with the front-end host name both sites share.
    struct Browser {
        http: reqwest::Client,
        host: String,
        cookies: BTreeMap<String, String>,
    }

    /// A page as the browser ends on it.
    struct Page {
        status: u16,
        body: String,
    }

    impl Page {
        /// Keycloak's message on the page (its feedback or instruction text), for the log.
        fn message(&self) -> String {
            for marker in ["kc-feedback-text\">", "class=\"instruction\">", "<title>"] {
                if let Some(i) = self.body.find(marker) {
                    let rest = &self.body[i + marker.len()..];
                    let text = rest.split('<').next().unwrap_or("").trim();
                    if !text.is_empty() {
                        return text.split_whitespace().collect::<Vec<_>>().join(" ");
                    }
                }
            }
            "(no message)".to_owned()
        }

        /// The first link to an action token on the page (the info page's "proceed").
        fn action_token_link(&self) -> Option<String> {
            let i = self.body.find("login-actions/action-token?")?;
            let start = self.body[..i].rfind('"')? + 1;
            let end = i + self.body[i..].find('"')?;
            Some(self.body[start..end].replace("&amp;", "&"))
        }

        /// The `action` of the form with this id.
        fn form_action(&self, id: &str) -> Option<String> {
            let i = self.body.find(&format!("id=\"{id}\""))?;
            let form_start = self.body[..i].rfind("<form")?;
            let tag = &self.body[form_start..];
            let a = tag.find("action=\"")? + "action=\"".len();
            let end = a + tag[a..].find('"')?;
            Some(tag[a..end].replace("&amp;", "&"))
        }
    }

    impl Browser {
        fn new(front_end: &str) -> Outcome<Browser> {
            let http = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| e.to_string())?;
            let host = front_end
                .split("://")
                .nth(1)
                .unwrap_or(front_end)
                .trim_end_matches('/')
                .to_owned();
            Ok(Browser {
                http,
                host,
                cookies: BTreeMap::new(),
            })
        }

        fn cookie_header(&self) -> String {
            self.cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ")
        }

        async fn send(&mut self, mut url: String, mut form_body: Option<String>) -> Outcome<Page> {
            for _ in 0..10 {
                let mut req = match &form_body {
                    Some(b) => self
                        .http
                        .post(&url)
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .body(b.clone()),
                    None => self.http.get(&url),
                };
                req = req.header("Host", &self.host);
                if !self.cookies.is_empty() {
                    req = req.header("Cookie", self.cookie_header());
                }
                let resp = req.send().await.map_err(|e| format!("{url}: {e}"))?;
                for c in resp.headers().get_all("set-cookie") {
                    let c = c.to_str().unwrap_or("");
                    let pair = c.split(';').next().unwrap_or("");
                    if let Some((k, v)) = pair.split_once('=') {
                        if v.is_empty() || c.contains("Max-Age=0") {
                            self.cookies.remove(k.trim());
                        } else {
                            self.cookies.insert(k.trim().to_owned(), v.to_owned());
                        }
                    }
                }
                let status = resp.status().as_u16();
                if (300..400).contains(&status) {
                    let location = resp
                        .headers()
                        .get("location")
                        .and_then(|l| l.to_str().ok())
                        .ok_or_else(|| format!("{url}: redirect without Location"))?
                        .to_owned();
                    url = location;
                    form_body = None;
                    continue;
                }
                let body = resp.text().await.unwrap_or_default();
                return Ok(Page { status, body });
            }
            Err(format!("{url}: too many redirects"))
        }
    }

    /// The same link on another site's Keycloak (the host the browser names stays the front end's).
    fn on_site(link: &str, front_end: &str, base: &str) -> String {
        link.replacen(
            front_end.trim_end_matches('/'),
            base.trim_end_matches('/'),
            1,
        )
    }

    /// Opens an action-token link in a fresh browser; whether Keycloak accepts the token (its info
    /// page offers to proceed with the action), and its message.
    async fn open_link(front_end: &str, base: &str, link: &str) -> Outcome<(bool, String)> {
        let mut browser = Browser::new(front_end)?;
        let page = browser.send(on_site(link, front_end, base), None).await?;
        let accepted = page.action_token_link().is_some() || page.body.contains("password-new");
        Ok((
            accepted,
            format!("HTTP {}, \"{}\"", page.status, page.message()),
        ))
    }

    /// An administrator e-mails `user` an execute-actions link (site-a's Keycloak sends it to the
    /// sink); the link.
    async fn mailed_link(
        kc: &Keycloak,
        env: &Env,
        base: &str,
        realm: &str,
        user_id: &str,
        mail: &mut MailSink,
    ) -> Outcome<String> {
        let token = kc.admin_token(base, env).await?;
        kc.admin(
            &token,
            reqwest::Method::PUT,
            &format!(
                "{base}/admin/realms/{realm}/users/{user_id}/execute-actions-email?lifespan=3600"
            ),
            Some(json!([ACTION])),
            204,
        )
        .await?;
        let message = mail.next().await?;
        action_link(&message).ok_or_else(|| {
            format!(
                "no action-token link in Keycloak's e-mail: {}",
                message.chars().take(2000).collect::<String>()
            )
        })
    }

    /// Uses the link once, as the user does in a browser: the info page, "proceed", the new
    /// password. Keycloak's final message.
    async fn consume(front_end: &str, link: &str, new_password: &str) -> Outcome<String> {
        let mut browser = Browser::new(front_end)?;
        let info = browser.send(link.to_owned(), None).await?;
        let proceed = info.action_token_link().ok_or_else(|| {
            format!(
                "the link's page has no proceed link: HTTP {} \"{}\"",
                info.status,
                info.message()
            )
        })?;
        let form_page = browser.send(proceed, None).await?;
        let action = form_page
            .form_action("kc-passwd-update-form")
            .ok_or_else(|| {
                format!(
                    "no password form after proceeding: HTTP {} \"{}\"",
                    form_page.status,
                    form_page.message()
                )
            })?;
        let done = browser
            .send(
                action,
                Some(form(&[
                    ("password-new", new_password),
                    ("password-confirm", new_password),
                ])),
            )
            .await?;
        Ok(format!("HTTP {}, \"{}\"", done.status, done.message()))
    }

    async fn user_id(
        kc: &Keycloak,
        env: &Env,
        base: &str,
        realm: &str,
        user: &str,
    ) -> Outcome<String> {
        let token = kc.admin_token(base, env).await?;
        let found = kc
            .admin(
                &token,
                reqwest::Method::GET,
                &format!("{base}/admin/realms/{realm}/users?username={user}&exact=true"),
                None,
                200,
            )
            .await?;
        found[0]["id"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("user {user} not found: {found}"))
    }

    /// Locks `user` out on `base` with wrong passwords; the brute-force status there.
    async fn lock_out(
        kc: &Keycloak,
        env: &Env,
        base: &str,
        realm: &str,
        user: &str,
    ) -> Outcome<Value> {
        for i in 1..=FAILURE_FACTOR {
            if i > 1 {
                tokio::time::sleep(QUICK_LOGIN_GAP).await;
            }
            let answer = kc
                .password_grant(base, realm, CLIENT_ID, user, "wrong-password")
                .await?;
            if answer.access_token().is_some() || answer.body["error"] != "invalid_grant" {
                return Err(format!(
                    "wrong password {i} for {user} answered HTTP {} {}",
                    answer.status, answer.body
                ));
            }
        }
        let id = user_id(kc, env, base, realm, user).await?;
        let token = kc.admin_token(base, env).await?;
        let url = format!("{base}/admin/realms/{realm}/attack-detection/brute-force/users/{id}");
        let mut status = Value::Null;
        for _ in 0..50 {
            status = kc
                .admin(&token, reqwest::Method::GET, &url, None, 200)
                .await?;
            if status["disabled"] == true {
                return Ok(status);
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        Err(format!(
            "{user} is not locked after {FAILURE_FACTOR} wrong passwords: {status}"
        ))
    }

    /// Logs in with the right password; the answer, in a few words, and whether it was let in.
    async fn log_in(
        kc: &Keycloak,
        base: &str,
        realm: &str,
        user: &str,
        password: &str,
    ) -> Outcome<(bool, String)> {
        let answer = kc
            .password_grant(base, realm, CLIENT_ID, user, password)
            .await?;
        let words = match answer.access_token() {
            Some(_) => format!("HTTP {}, access token", answer.status),
            None => format!("HTTP {} {}", answer.status, answer.body),
        };
        Ok((answer.access_token().is_some(), words))
    }

    /// What one outage leaves behind on site-a: a user locked out, a token used.
    struct OutageState {
        locked: &'static str,
        token_user: &'static str,
        new_password: String,
        link: String,
    }

    /// Stops site-b, takes it offline from site-a, and changes state on site-a only.
    #[allow(clippy::too_many_arguments)]
    async fn outage(
        kc: &Keycloak,
        env: &Env,
        realm: &str,
        sites: &Sites,
        options: &Options,
        mail: &mut MailSink,
        locked: &'static str,
        token_user: &'static str,
        label: &str,
    ) -> Outcome<OutageState> {
        let (a, b) = (env.site_a.as_str(), env.site_b.as_str());
        let took = grid(&["stop-site", SITE_B]).await?;
        let down = kc.http.get(format!("{b}/realms/{realm}")).send().await;
        step(&format!(
            "{label}: scripts/grid stop-site site-b in {:.1}s (Keycloak and Infinispan of site-b stopped; site-b's Keycloak now: {})",
            took.as_secs_f64(),
            match down {
                Ok(r) => format!("HTTP {}", r.status().as_u16()),
                Err(e) => format!(
                    "no answer ({})",
                    if e.is_connect() {
                        "connection refused"
                    } else {
                        "error"
                    }
                ),
            }
        ));
        run(
            sites,
            &Plan::take_offline(SITE_B, SITE_A, &options.caches),
            options,
        )
        .await?;

        let (ok, words) = log_in(kc, a, realm, "bob", "bob-password").await?;
        if !ok {
            return Err(format!(
                "{label}: site-a does not serve bob after the fence: {words}"
            ));
        }
        step(&format!(
            "{label}: site-a keeps serving: bob logs in ({words})"
        ));

        let status = lock_out(kc, env, a, realm, locked).await?;
        let (ok, words) = log_in(kc, a, realm, locked, &format!("{locked}-password")).await?;
        if ok {
            return Err(format!("{label}: site-a let locked-out {locked} in"));
        }
        step(&format!(
            "{label}: site-a locks {locked} out: {FAILURE_FACTOR} wrong passwords, brute-force status numFailures {} disabled {}; her right password: {words}",
            status["numFailures"], status["disabled"]
        ));

        let id = user_id(kc, env, a, realm, token_user).await?;
        let link = mailed_link(kc, env, a, realm, &id, mail).await?;
        let new_password = format!("{token_user}-new-password");
        let done = consume(a, &link, &new_password).await?;
        let (ok, words) = log_in(kc, a, realm, token_user, &new_password).await?;
        if !ok {
            return Err(format!(
                "{label}: after the action token ({done}), {token_user}'s new password does not work on site-a: {words}"
            ));
        }
        let (accepted, replay) = open_link(a, a, &link).await?;
        if accepted {
            return Err(format!(
                "{label}: site-a accepts its own used action token again: {replay}"
            ));
        }
        step(&format!(
            "{label}: action token ({ACTION} link e-mailed to {token_user} by the admin API) consumed on site-a: {done}; the new password logs in ({words}); replay on site-a refused: {replay}"
        ));
        Ok(OutageState {
            locked,
            token_user,
            new_password,
            link,
        })
    }

    /// Site-b's Keycloak on what the outage left: (locked user refused?, token refused?).
    async fn site_b_sees(
        kc: &Keycloak,
        env: &Env,
        realm: &str,
        state: &OutageState,
        label: &str,
    ) -> Outcome<(bool, bool)> {
        let (a, b) = (env.site_a.as_str(), env.site_b.as_str());
        let (let_in, words) = log_in(
            kc,
            b,
            realm,
            state.locked,
            &format!("{}-password", state.locked),
        )
        .await?;
        step(&format!(
            "{label}: site-b, {}'s right password: {words}",
            state.locked
        ));
        let (accepted, replay) = open_link(a, b, &state.link).await?;
        step(&format!(
            "{label}: site-b, replay of {}'s used action token: {}: {replay}",
            state.token_user,
            if accepted { "accepted" } else { "refused" }
        ));
        let (ok, words) = log_in(kc, b, realm, state.token_user, &state.new_password).await?;
        if !ok {
            return Err(format!(
                "{label}: site-b does not serve {} (new password): {words}",
                state.token_user
            ));
        }
        Ok((!let_in, !accepted))
    }

    pub(super) async fn steps_3_to_5(env: &Env, kc: &Keycloak, realm: &str) -> Outcome<()> {
        let t0 = Instant::now();
        let a = env.site_a.as_str();
        let sites = sites()?;
        let ispn = Infinispan::from_env()?;
        let mut mail = MailSink::start().await?;
        let token = kc.admin_token(a, env).await?;
        kc.admin(
            &token,
            reqwest::Method::PUT,
            &format!("{a}/admin/realms/{realm}"),
            Some(json!({"smtpServer": {"host": "127.0.0.1", "port": mail.port.to_string(), "from": "keycloak@example.org"}})),
            204,
        )
        .await?;
        for user in ["carol", "dave", "erin", "frank"] {
            let body = json!({
                "username": user, "enabled": true, "email": format!("{user}@example.org"), "emailVerified": true,
                "firstName": user, "lastName": "Proof",
                "credentials": [{"type": "password", "value": format!("{user}-password"), "temporary": false}],
            });
            kc.admin(
                &token,
                reqwest::Method::POST,
                &format!("{a}/admin/realms/{realm}/users"),
                Some(body),
                201,
            )
            .await?;
        }
        step(&format!(
            "site-a: realm {realm} sends e-mail to a local SMTP sink (127.0.0.1:{}); users carol, dave, erin, frank created",
            mail.port
        ));

        let base = Options::default();
        let caches = runbook::detect_cache_set(&sites, &[SITE_A], &base, "take-offline site-b")
            .await
            .map_err(|e| e.to_string())?;
        if caches.known_name() != Some("keycloak-26") {
            return Err(format!(
                "site-a's caches are not the keycloak-26 set: {:?}",
                caches.names()
            ));
        }
        step(&format!(
            "xsite detects the cache set on site-a: keycloak-26 ({})",
            caches.names().join(", ")
        ));
        let options = Options {
            caches: caches.clone(),
            ..base
        };

        // Step 3: the outage, fenced; state changes on site-a only.
        let t3 = Instant::now();
        let first = outage(
            kc, env, realm, &sites, &options, &mut mail, "carol", "dave", "step 3",
        )
        .await?;
        println!("ok   step 3 in {:.1}s", t3.elapsed().as_secs_f64());

        // Step 4: site-b's Infinispan back empty, synchronized, then its Keycloak.
        let t4 = Instant::now();
        let took = grid(&["start-site", SITE_B, "--no-keycloak"]).await?;
        let empty = caches_sizes(&sites, SITE_B, &caches).await?;
        step(&format!(
            "step 4: scripts/grid start-site site-b --no-keycloak in {:.1}s: site-b's Infinispan back, entries {empty}",
            took.as_secs_f64()
        ));
        run(
            &sites,
            &Plan::synchronize(SITE_A, SITE_B, &caches),
            &options,
        )
        .await?;
        let same = ispn.keys_equal(&caches).await?;
        step(&format!(
            "step 4: each cache's keys equal on both sites after the synchronize: {same}"
        ));
        let took = grid(&["start-site", SITE_B]).await?;
        step(&format!(
            "step 4: scripts/grid start-site site-b: site-b's Keycloak ready in {:.1}s",
            took.as_secs_f64()
        ));
        let (refused_user, refused_token) = site_b_sees(kc, env, realm, &first, "step 4").await?;
        if !refused_user || !refused_token {
            return Err(format!(
                "step 4: after the synchronize site-b {}{}",
                if refused_user {
                    ""
                } else {
                    "let the locked-out user in "
                },
                if refused_token {
                    ""
                } else {
                    "accepted the used action token"
                }
            ));
        }
        let (ok, words) = log_in(kc, env.site_b.as_str(), realm, "bob", "bob-password").await?;
        if !ok {
            return Err(format!("step 4: site-b does not serve bob: {words}"));
        }
        step(&format!(
            "step 4: site-b serves bob ({words}): the refusals are the synchronized state"
        ));
        run(
            &sites,
            &Plan::bring_online(SITE_B, &[SITE_A], &caches),
            &options,
        )
        .await?;
        let report = runbook::status(&sites, &caches).await;
        if !report.is_healthy() {
            return Err(format!(
                "step 4: runbook status is not healthy: {:?}",
                report.degraded
            ));
        }
        step("step 4: runbook status healthy (every backup online both ways)");
        // Not asserted: the state transfer keeps each entry's lifespan but restarts it (site-b's
        // `created` is the transfer's time), so `work` entries (lifespan 120 s) that expire on
        // site-a stay on site-b a while longer.
        let now = match ispn.compare_keys(&caches).await? {
            Ok(same) => format!("equal ({same})"),
            Err(differ) => format!(
                "{differ} (entries site-a already expired: the transfer restarts lifespans)"
            ),
        };
        println!("note step 4: keys with both Keycloaks running, not asserted: {now}");
        println!("ok   step 4 in {:.1}s", t4.elapsed().as_secs_f64());

        // Step 5: the same outage, no synchronize.
        let t5 = Instant::now();
        let second = outage(
            kc, env, realm, &sites, &options, &mut mail, "erin", "frank", "step 5",
        )
        .await?;
        grid(&["start-site", SITE_B, "--no-keycloak"]).await?;
        let differ = match ispn.compare_keys(&caches).await? {
            Ok(same) => format!("equal ({same})"),
            Err(differ) => differ,
        };
        step(&format!(
            "step 5: site-b's Infinispan back, NOT synchronized: {differ}"
        ));
        let took = grid(&["start-site", SITE_B]).await?;
        step(&format!(
            "step 5: site-b's Keycloak ready in {:.1}s, on the unsynchronized caches",
            took.as_secs_f64()
        ));
        let (refused_user, refused_token) = site_b_sees(kc, env, realm, &second, "step 5").await?;
        if refused_user {
            return Err("step 5 (control): without the synchronize site-b refused the locked-out user: the synchronize is not shown to make the difference".to_owned());
        }
        if refused_token {
            // Keycloak 26.7 records a used action token as a revoked token: persisted in the
            // database and loaded into an `actionTokens` cache that lacks the `loaded.revoked`
            // marker when Keycloak starts. Then the refusal is Keycloak's own recovery, which
            // shows as site-a's used-token keys on site-b although nothing synchronized them.
            let used = |keys: &[String]| -> Vec<String> {
                keys.iter()
                    .filter(|k| k.ends_with(".revoked\"}") && !k.contains("\"loaded.revoked\""))
                    .cloned()
                    .collect()
            };
            let on_a = used(&ispn.keys(&ispn.urls[0].1, "actionTokens").await?);
            let on_b = used(&ispn.keys(&ispn.urls[1].1, "actionTokens").await?);
            if on_a.is_empty() || on_a.iter().any(|k| !on_b.contains(k)) {
                return Err(format!(
                    "step 5 (control): without the synchronize site-b refused the used action token, and not from Keycloak's database copy (used-token keys on site-a {}, on site-b {})",
                    on_a.len(),
                    on_b.len()
                ));
            }
            println!(
                "note step 5: site-b's Keycloak reloaded the {} used action tokens from the database into its empty actionTokens cache (keys '<user>.<exp>.<nonce>.execute-actions.revoked'): on this Keycloak the token refusal does not depend on the synchronize",
                on_b.len()
            );
            step(
                "step 5: without the synchronize, site-b let the locked-out user in: the synchronize made the difference (loginFailures)",
            );
        } else {
            step(
                "step 5: without the synchronize, site-b let the locked-out user in and accepted the used token: the synchronize made the difference",
            );
        }

        // Leave the grid consistent: synchronize site-b again, with its Keycloak down as the guide says.
        grid(&["stop-site", SITE_B, "--keycloak-only"]).await?;
        run(
            &sites,
            &Plan::synchronize(SITE_A, SITE_B, &caches),
            &options,
        )
        .await?;
        let same = ispn.keys_equal(&caches).await?;
        step(&format!(
            "step 5: site-b synchronized again; keys equal: {same}"
        ));
        grid(&["start-site", SITE_B]).await?;
        run(
            &sites,
            &Plan::bring_online(SITE_B, &[SITE_A], &caches),
            &options,
        )
        .await?;
        let (refused_user, refused_token) =
            site_b_sees(kc, env, realm, &second, "step 5, synchronized").await?;
        if !refused_user || !refused_token {
            return Err(
                "step 5: after the closing synchronize site-b still misses the outage's state"
                    .to_owned(),
            );
        }
        println!("ok   step 5 in {:.1}s", t5.elapsed().as_secs_f64());
        println!("ok   steps 3-5 in {:.1}s", t0.elapsed().as_secs_f64());
        Ok(())
    }

    /// Each cache's entry count on one site.
    async fn caches_sizes(sites: &Sites, site: &str, caches: &CacheSet) -> Outcome<String> {
        let client = &sites.get(site).ok_or("no site")?.client;
        let mut out = Vec::new();
        for cache in caches.names() {
            let n = client
                .cache(cache.as_str())
                .size()
                .await
                .map_err(|e| format!("{site} {cache}: size: {e}"))?;
            out.push(format!("{cache} {n}"));
        }
        Ok(out.join(", "))
    }
}
