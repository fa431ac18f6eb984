//! The raw-HTTP baseline of the per-operation measurement (`sdk`): a bare reqwest client doing
//! the same requests as the SDK, on one kept-alive connection. It deliberately does not use the
//! SDK: the measurement is the SDK's cost over this. So it answers Basic and Digest itself, as
//! little as a client can (http-auth computes the Digest response), and nothing else uses it.

use std::time::Duration;

use http_auth::{ChallengeRef, DigestClient, PasswordParams};
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_LENGTH, WWW_AUTHENTICATE};
use secrecy::{ExposeSecret, SecretString};
use xsite_tests::Grid;

use crate::Res;

/// A bare client for site-a, answering with Basic (preemptive) or Digest.
pub(crate) struct Bare {
    http: reqwest::Client,
    base: String,
    user: String,
    password: SecretString,
    digest: Option<DigestClient>,
    basic: bool,
}

impl Bare {
    /// A client with a fresh connection pool of one connection.
    pub(crate) fn new(target: &Grid, basic: bool) -> Res<Bare> {
        let (user, password) = target.admin_password();
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(1)
            .pool_idle_timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Bare {
            http,
            base: target.site_a_url.clone(),
            user: user.to_owned(),
            password: password.to_owned().into(),
            digest: None,
            basic,
        })
    }

    /// POSTs an empty body to a path of site-a; with Digest, learns (or renews) the challenge
    /// on a 401 and answers it once.
    pub(crate) async fn post(&mut self, path_and_query: &str) -> Res<()> {
        for _attempt in 0..2 {
            let mut request = self
                .http
                .post(format!("{}{path_and_query}", self.base))
                .header(ACCEPT, "application/json, text/plain;q=0.9, */*;q=0.8")
                .header(CONTENT_LENGTH, "0");
            if self.basic {
                request = request.header(
                    AUTHORIZATION,
                    http_auth::basic::encode_credentials(&self.user, self.password.expose_secret()),
                );
            } else if let Some(digest) = self.digest.as_mut() {
                let header = digest
                    .respond(&PasswordParams {
                        username: &self.user,
                        password: self.password.expose_secret(),
                        uri: path_and_query,
                        method: "POST",
                        body: None,
                    })
                    .map_err(|e| e.to_string())?;
                request = request.header(AUTHORIZATION, header);
            }
            let response = request.send().await.map_err(|e| e.to_string())?;
            let status = response.status();
            if status == reqwest::StatusCode::UNAUTHORIZED && !self.basic {
                let mut found = None;
                for value in response.headers().get_all(WWW_AUTHENTICATE) {
                    let Ok(text) = value.to_str() else { continue };
                    let Ok(challenges) = http_auth::parse_challenges(text) else {
                        continue;
                    };
                    for challenge in &challenges {
                        if challenge.scheme.eq_ignore_ascii_case("Digest") {
                            found = DigestClient::try_from(challenge as &ChallengeRef).ok();
                        }
                    }
                }
                let _ = response.bytes().await;
                self.digest = Some(found.ok_or("no Digest challenge")?);
                continue;
            }
            let _ = response.bytes().await.map_err(|e| e.to_string())?;
            if !status.is_success() {
                return Err(format!("POST {path_and_query}: {status}"));
            }
            return Ok(());
        }
        Err(format!(
            "POST {path_and_query}: still 401 after answering the challenge"
        ))
    }
}
