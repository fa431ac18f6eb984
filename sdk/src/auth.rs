//! Authentication: Basic, Digest (MD5, SHA-256) and bearer tokens.
//!
//! Like the Infinispan CLI, the client first sends a request without credentials and picks a
//! mechanism from the 401's `WWW-Authenticate` headers (the server sends one header per
//! mechanism). It then remembers the mechanism, so that later requests authenticate up front: Basic
//! sends the header again, Digest reuses the nonce with an incrementing `nc`. A preemptive Basic
//! header is only sent when asked for, because a server without BASIC answers it with 403, not 401.

use std::fmt;
use std::sync::Mutex;

use http_auth::digest::Algorithm;
use http_auth::{ChallengeRef, DigestClient, PasswordParams};
use reqwest::header::{HeaderMap, WWW_AUTHENTICATE};
use secrecy::{ExposeSecret, SecretString};

/// Which mechanism to use with a username and password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Mechanism {
    /// Choose from the server's challenges: Digest if offered (the strongest algorithm first, so the
    /// password never crosses the wire), otherwise Basic.
    #[default]
    Auto,
    /// Digest only.
    Digest,
    /// Basic, after a challenge.
    Basic,
    /// Basic, sent with the first request without waiting for a challenge.
    BasicPreemptive,
}

/// The credentials a client presents.
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum Credentials {
    /// No credentials: a 401 is returned as [`crate::Error::Unauthorized`].
    #[default]
    None,
    /// A username and password, used with the given mechanism.
    Password {
        /// The username.
        username: String,
        /// The password.
        password: SecretString,
        /// Which mechanism to use.
        mechanism: Mechanism,
    },
    /// A bearer token (for example from Keycloak), always sent up front.
    Bearer(SecretString),
}

impl Credentials {
    /// A username and password, with the mechanism chosen from the server's challenges.
    pub fn password(username: impl Into<String>, password: impl Into<SecretString>) -> Self {
        Credentials::Password {
            username: username.into(),
            password: password.into(),
            mechanism: Mechanism::Auto,
        }
    }

    /// A bearer token.
    pub fn bearer(token: impl Into<SecretString>) -> Self {
        Credentials::Bearer(token.into())
    }

    /// The same username and password with another mechanism; other credentials are unchanged.
    pub fn with_mechanism(self, mechanism: Mechanism) -> Self {
        match self {
            Credentials::Password {
                username, password, ..
            } => Credentials::Password {
                username,
                password,
                mechanism,
            },
            other => other,
        }
    }

    /// The username, if there is one.
    pub fn username(&self) -> Option<&str> {
        match self {
            Credentials::Password { username, .. } => Some(username),
            _ => None,
        }
    }
}

impl fmt::Debug for Credentials {
    // Written by hand so that no secret can ever be printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::None => f.write_str("None"),
            Credentials::Password {
                username,
                mechanism,
                ..
            } => f
                .debug_struct("Password")
                .field("username", username)
                .field("password", &"[REDACTED]")
                .field("mechanism", mechanism)
                .finish(),
            Credentials::Bearer(_) => f.write_str("Bearer([REDACTED])"),
        }
    }
}

/// What the client learnt from the last challenge.
enum Learnt {
    /// Nothing yet: send without credentials and wait for a challenge.
    Nothing,
    /// The server accepts Basic.
    Basic,
    /// The server accepts Digest; the client holds its nonce and counts `nc`.
    Digest(Box<DigestClient>),
}

/// The authentication state of one client, shared by its clones.
pub(crate) struct Authenticator {
    credentials: Credentials,
    learnt: Mutex<Learnt>,
}

/// Why a challenge could not be answered.
#[derive(Debug)]
pub(crate) enum ChallengeError {
    /// No credentials were configured.
    NoCredentials,
    /// The server offered no mechanism this client may use.
    NoUsableMechanism(String),
}

impl fmt::Display for ChallengeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChallengeError::NoCredentials => {
                f.write_str("the server asks for credentials and none were given")
            }
            ChallengeError::NoUsableMechanism(offered) => write!(
                f,
                "the server offers no authentication mechanism this client is configured for (offered: {offered})"
            ),
        }
    }
}

impl Authenticator {
    pub(crate) fn new(credentials: Credentials) -> Self {
        let learnt = match &credentials {
            Credentials::Password {
                mechanism: Mechanism::BasicPreemptive,
                ..
            } => Learnt::Basic,
            _ => Learnt::Nothing,
        };
        Authenticator {
            credentials,
            learnt: Mutex::new(learnt),
        }
    }

    #[cfg(test)]
    pub(crate) fn username(&self) -> Option<&str> {
        self.credentials.username()
    }

    pub(crate) fn has_credentials(&self) -> bool {
        !matches!(self.credentials, Credentials::None)
    }

    /// The `Authorization` header to send with a request, if the client already knows how to
    /// authenticate. `uri` is the raw path and query, as Digest signs it.
    pub(crate) fn authorization(&self, method: &str, uri: &str) -> Option<String> {
        match &self.credentials {
            Credentials::None => None,
            Credentials::Bearer(token) => Some(format!("Bearer {}", token.expose_secret())),
            Credentials::Password {
                username, password, ..
            } => {
                let mut learnt = self.learnt.lock().unwrap_or_else(|e| e.into_inner());
                let params = PasswordParams {
                    username,
                    password: password.expose_secret(),
                    uri,
                    method,
                    body: None,
                };
                match &mut *learnt {
                    Learnt::Nothing => None,
                    Learnt::Basic => Some(http_auth::basic::encode_credentials(
                        username,
                        password.expose_secret(),
                    )),
                    // A failure here means the challenge was unusable; fall back to a fresh one.
                    Learnt::Digest(client) => client.respond(&params).ok(),
                }
            }
        }
    }

    /// Learns from a 401's challenges. Returns an error when none can be answered.
    pub(crate) fn learn(&self, headers: &HeaderMap) -> Result<(), ChallengeError> {
        let mechanism = match &self.credentials {
            Credentials::None => return Err(ChallengeError::NoCredentials),
            // A bearer token is always sent; a 401 means it was refused, nothing to learn.
            Credentials::Bearer(_) => {
                return Err(ChallengeError::NoUsableMechanism(offered_schemes(headers)));
            }
            Credentials::Password { mechanism, .. } => *mechanism,
        };
        let values: Vec<&str> = headers
            .get_all(WWW_AUTHENTICATE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let mut best_digest: Option<DigestClient> = None;
        let mut basic_offered = false;
        for value in &values {
            // A header that does not parse is skipped rather than fatal: another may be usable.
            let Ok(challenges) = http_auth::parse_challenges(value) else {
                continue;
            };
            for challenge in &challenges {
                if challenge.scheme.eq_ignore_ascii_case("Digest") {
                    if let Ok(client) = DigestClient::try_from(challenge as &ChallengeRef) {
                        let stronger = best_digest.as_ref().is_none_or(|best| {
                            strength(client.algorithm()) > strength(best.algorithm())
                        });
                        if stronger {
                            best_digest = Some(client);
                        }
                    }
                } else if challenge.scheme.eq_ignore_ascii_case("Basic") {
                    basic_offered = true;
                }
            }
        }
        let learnt = match (mechanism, best_digest, basic_offered) {
            (Mechanism::Auto | Mechanism::Digest, Some(digest), _) => {
                Learnt::Digest(Box::new(digest))
            }
            (Mechanism::Auto | Mechanism::Basic | Mechanism::BasicPreemptive, _, true) => {
                Learnt::Basic
            }
            _ => return Err(ChallengeError::NoUsableMechanism(offered_schemes(headers))),
        };
        *self.learnt.lock().unwrap_or_else(|e| e.into_inner()) = learnt;
        Ok(())
    }
}

fn strength(algorithm: Algorithm) -> u8 {
    match algorithm {
        Algorithm::Md5 => 1,
        Algorithm::Sha256 => 2,
        Algorithm::Sha512Trunc256 => 3,
        _ => 0,
    }
}

fn offered_schemes(headers: &HeaderMap) -> String {
    let schemes: Vec<String> = headers
        .get_all(WWW_AUTHENTICATE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(|v| v.split_whitespace().next().unwrap_or("").to_owned())
        .collect();
    if schemes.is_empty() {
        "none".to_owned()
    } else {
        schemes.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn challenges(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append(WWW_AUTHENTICATE, HeaderValue::from_str(v).unwrap());
        }
        headers
    }

    const MD5: &str = r#"Digest realm="default", nonce="bm9uY2U=", opaque="00000000000000000000000000000000", algorithm=MD5, qop=auth"#;
    const SHA256: &str = r#"Digest realm="default", nonce="bm9uY2U=", opaque="00000000000000000000000000000000", algorithm=SHA-256, qop=auth"#;

    #[test]
    fn prefers_the_strongest_digest_over_basic() {
        let auth = Authenticator::new(Credentials::password("u", "p"));
        auth.learn(&challenges(&[MD5, SHA256, r#"Basic realm="default""#]))
            .unwrap();
        let header = auth.authorization("GET", "/rest/v2/caches").unwrap();
        assert!(header.starts_with("Digest "), "{header}");
        assert!(header.contains("algorithm=SHA-256"), "{header}");
        assert!(header.contains("nc=00000001"), "{header}");
        let second = auth.authorization("GET", "/rest/v2/caches").unwrap();
        assert!(second.contains("nc=00000002"), "{second}");
    }

    #[test]
    fn falls_back_to_basic_when_no_digest() {
        let auth = Authenticator::new(Credentials::password("u", "p"));
        assert_eq!(auth.authorization("GET", "/"), None);
        auth.learn(&challenges(&[r#"Basic realm="default""#]))
            .unwrap();
        assert_eq!(auth.authorization("GET", "/").unwrap(), "Basic dTpw");
    }

    #[test]
    fn basic_only_refuses_digest_only_servers() {
        let auth =
            Authenticator::new(Credentials::password("u", "p").with_mechanism(Mechanism::Basic));
        let err = auth.learn(&challenges(&[MD5])).unwrap_err();
        assert!(err.to_string().contains("offered: Digest"), "{err}");
    }

    #[test]
    fn preemptive_basic_needs_no_challenge() {
        let auth = Authenticator::new(
            Credentials::password("u", "p").with_mechanism(Mechanism::BasicPreemptive),
        );
        assert_eq!(auth.authorization("POST", "/").unwrap(), "Basic dTpw");
    }

    #[test]
    fn debug_never_shows_secrets() {
        let shown = format!(
            "{:?} {:?}",
            Credentials::password("developer", "strong-password"),
            Credentials::bearer("tok-123")
        );
        assert!(!shown.contains("strong-password"), "{shown}");
        assert!(!shown.contains("tok-123"), "{shown}");
        assert!(shown.contains("developer"), "{shown}");
    }
}
