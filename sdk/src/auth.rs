//! Authentication: Basic, Digest (MD5, SHA-256) and bearer tokens.
//!
//! Like the Infinispan CLI, the client first sends a request without credentials and picks a
//! mechanism from the 401's `WWW-Authenticate` headers (the server sends one header per
//! mechanism). It then remembers the mechanism, so that later requests authenticate up front: Basic
//! sends the header again, Digest reuses the nonce with an incrementing `nc`. A preemptive Basic
//! header is only sent when asked for, because a server without BASIC answers it with 403, not 401.

use std::fmt;
use std::sync::Mutex;

use http_auth::digest::{Algorithm, Qop};
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

/// The scheme a client's password goes with, once known: see [`Client::auth_scheme`].
///
/// [`Client::auth_scheme`]: crate::Client::auth_scheme
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthScheme {
    /// Basic: the password itself crosses the wire (readable by anyone on the path without TLS).
    Basic,
    /// Digest: only a hash of the password crosses the wire.
    Digest,
}

/// Which scheme the server accepted, learnt from a challenge.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Learnt {
    /// Nothing yet: send without credentials and wait for a challenge.
    Nothing,
    /// The server accepts Basic.
    Basic,
    /// The server accepts Digest.
    Digest,
}

/// Most Digest sessions kept for reuse; one per request in flight is enough.
const MAX_IDLE_DIGEST_SESSIONS: usize = 16;

/// A Digest session (a server nonce and its `nc` counter) lent to one request.
///
/// The server accepts a nonce again only with a strictly higher `nc`. Requests that run
/// concurrently, possibly over several connections, can arrive in any order, so each request
/// borrows a session for its whole exchange and gives it back afterwards: a nonce is never used by
/// two requests at once, and its `nc` always arrives in order.
pub(crate) struct Lease(Option<Box<DigestClient>>);

impl Lease {
    pub(crate) fn none() -> Self {
        Lease(None)
    }
}

struct State {
    learnt: Learnt,
    idle: Vec<DigestClient>,
}

/// The authentication state of one client, shared by its clones.
pub(crate) struct Authenticator {
    credentials: Credentials,
    state: Mutex<State>,
}

/// Why a challenge could not be answered.
#[derive(Debug)]
pub(crate) enum ChallengeError {
    /// No credentials were configured.
    NoCredentials,
    /// The server offered no mechanism this client may use.
    NoUsableMechanism(String),
    /// The server offered only challenges this client cannot answer (for example Digest with
    /// only `qop=auth-int`): what was offered, and why each Digest challenge was unusable.
    Unsupported {
        /// The schemes offered.
        offered: String,
        /// Why the challenges could not be answered.
        reasons: Vec<String>,
    },
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
            ChallengeError::Unsupported { offered, reasons } => write!(
                f,
                "the server's challenge cannot be answered, so the credentials were not tried: {} (offered: {offered})",
                reasons.join("; ")
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
            state: Mutex::new(State {
                learnt,
                idle: Vec::new(),
            }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    #[cfg(test)]
    pub(crate) fn username(&self) -> Option<&str> {
        self.credentials.username()
    }

    /// The scheme learnt from the server's challenge (or configured up front), if any.
    pub(crate) fn scheme(&self) -> Option<AuthScheme> {
        match self.state().learnt {
            Learnt::Nothing => None,
            Learnt::Basic => Some(AuthScheme::Basic),
            Learnt::Digest => Some(AuthScheme::Digest),
        }
    }

    pub(crate) fn has_credentials(&self) -> bool {
        !matches!(self.credentials, Credentials::None)
    }

    /// The `Authorization` header for a request, if the client knows how to authenticate, and the
    /// Digest session it borrowed (give it back with [`Authenticator::release`]). `fresh` is a
    /// session made from the challenge this very request received. `uri` is the raw path and
    /// query, as Digest signs it.
    pub(crate) fn authorize(
        &self,
        method: &str,
        uri: &str,
        fresh: Option<Box<DigestClient>>,
    ) -> (Option<String>, Lease) {
        let (username, password) = match &self.credentials {
            Credentials::None => return (None, Lease::none()),
            Credentials::Bearer(token) => {
                return (
                    Some(format!("Bearer {}", token.expose_secret())),
                    Lease::none(),
                );
            }
            Credentials::Password {
                username, password, ..
            } => (username.as_str(), password.expose_secret()),
        };
        let session = match fresh {
            Some(session) => Some(session),
            None => {
                let mut state = self.state();
                match state.learnt {
                    Learnt::Nothing => return (None, Lease::none()),
                    Learnt::Basic => {
                        return (
                            Some(http_auth::basic::encode_credentials(username, password)),
                            Lease::none(),
                        );
                    }
                    // No idle session: go without credentials and get a challenge of our own.
                    Learnt::Digest => state.idle.pop().map(Box::new),
                }
            }
        };
        let Some(mut session) = session else {
            return (None, Lease::none());
        };
        let params = PasswordParams {
            username,
            password,
            uri,
            method,
            body: None,
        };
        match session.respond(&params) {
            Ok(header) => (Some(header), Lease(Some(session))),
            // The session cannot answer (an unusable challenge): drop it, a new one will come.
            Err(_) => (None, Lease::none()),
        }
    }

    /// Gives a borrowed Digest session back after a request that the server did not refuse.
    pub(crate) fn release(&self, lease: Lease) {
        if let Some(session) = lease.0 {
            let mut state = self.state();
            if state.idle.len() < MAX_IDLE_DIGEST_SESSIONS {
                state.idle.push(*session);
            }
        }
    }

    /// Learns from a 401's challenges. For Digest, returns the session to answer with; for Basic,
    /// `None` (the header follows from the credentials). Errors when no challenge can be answered.
    pub(crate) fn learn(
        &self,
        headers: &HeaderMap,
    ) -> Result<Option<Box<DigestClient>>, ChallengeError> {
        let mechanism = match &self.credentials {
            Credentials::None => return Err(ChallengeError::NoCredentials),
            // A bearer token is always sent; a 401 means it was refused, nothing to learn.
            Credentials::Bearer(_) => {
                return Err(ChallengeError::NoUsableMechanism(offered_schemes(headers)));
            }
            Credentials::Password { mechanism, .. } => *mechanism,
        };
        let mut best_digest: Option<DigestClient> = None;
        let mut basic_offered = false;
        let mut unusable: Vec<String> = Vec::new();
        for value in headers
            .get_all(WWW_AUTHENTICATE)
            .iter()
            .filter_map(|v| v.to_str().ok())
        {
            // A header that does not parse is skipped rather than fatal: another may be usable.
            let Ok(challenges) = http_auth::parse_challenges(value) else {
                continue;
            };
            for challenge in &challenges {
                if challenge.scheme.eq_ignore_ascii_case("Digest") {
                    match DigestClient::try_from(challenge as &ChallengeRef) {
                        // Bodies are never signed, so `auth-int` alone cannot be answered.
                        Ok(client) if !(client.qop() & Qop::Auth) => unusable.push(
                            "Digest with only qop=auth-int (integrity protection of bodies) is not supported".to_owned(),
                        ),
                        Ok(client) => {
                            let stronger = best_digest.as_ref().is_none_or(|best| {
                                strength(client.algorithm()) > strength(best.algorithm())
                            });
                            if stronger {
                                best_digest = Some(client);
                            }
                        }
                        Err(reason) => {
                            unusable.push(format!("an unsupported Digest challenge ({reason})"))
                        }
                    }
                } else if challenge.scheme.eq_ignore_ascii_case("Basic") {
                    basic_offered = true;
                }
            }
        }
        let (learnt, session) = match (mechanism, best_digest, basic_offered) {
            (Mechanism::Auto | Mechanism::Digest, Some(digest), _) => {
                (Learnt::Digest, Some(Box::new(digest)))
            }
            (Mechanism::Auto | Mechanism::Basic | Mechanism::BasicPreemptive, _, true) => {
                (Learnt::Basic, None)
            }
            (Mechanism::Auto | Mechanism::Digest, None, _) if !unusable.is_empty() => {
                unusable.dedup();
                return Err(ChallengeError::Unsupported {
                    offered: offered_schemes(headers),
                    reasons: unusable,
                });
            }
            _ => return Err(ChallengeError::NoUsableMechanism(offered_schemes(headers))),
        };
        self.state().learnt = learnt;
        Ok(session)
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
        assert_eq!(auth.scheme(), None);
        let session = auth
            .learn(&challenges(&[MD5, SHA256, r#"Basic realm="default""#]))
            .unwrap();
        assert_eq!(auth.scheme(), Some(AuthScheme::Digest));
        let (header, lease) = auth.authorize("GET", "/rest/v2/caches", session);
        let header = header.unwrap();
        assert!(header.starts_with("Digest "), "{header}");
        assert!(header.contains("algorithm=SHA-256"), "{header}");
        assert!(header.contains("nc=00000001"), "{header}");
        // While the session is lent out, another request gets none and will be challenged.
        assert_eq!(auth.authorize("GET", "/", None).0, None);
        auth.release(lease);
        let (second, _) = auth.authorize("GET", "/rest/v2/caches", None);
        let second = second.unwrap();
        assert!(second.contains("nc=00000002"), "{second}");
    }

    #[test]
    fn falls_back_to_basic_when_no_digest() {
        let auth = Authenticator::new(Credentials::password("u", "p"));
        assert_eq!(auth.authorize("GET", "/", None).0, None);
        let session = auth.learn(&challenges(&[r#"Basic realm="default""#]));
        assert!(session.unwrap().is_none());
        assert_eq!(auth.scheme(), Some(AuthScheme::Basic));
        assert_eq!(auth.authorize("GET", "/", None).0.unwrap(), "Basic dTpw");
    }

    #[test]
    fn basic_only_refuses_digest_only_servers() {
        let auth =
            Authenticator::new(Credentials::password("u", "p").with_mechanism(Mechanism::Basic));
        let err = auth.learn(&challenges(&[MD5])).unwrap_err();
        assert!(err.to_string().contains("offered: Digest"), "{err}");
    }

    #[test]
    fn auth_int_only_is_named_as_unsupported() {
        let auth = Authenticator::new(Credentials::password("u", "p"));
        let only_int = r#"Digest realm="default", nonce="bm9uY2U=", algorithm=MD5, qop="auth-int""#;
        let err = auth.learn(&challenges(&[only_int])).unwrap_err();
        assert!(matches!(err, ChallengeError::Unsupported { .. }), "{err:?}");
        assert!(err.to_string().contains("qop=auth-int"), "{err}");
        // With Basic offered too, Basic is used rather than failing.
        let session = auth.learn(&challenges(&[only_int, r#"Basic realm="default""#]));
        assert!(session.unwrap().is_none());
    }

    #[test]
    fn preemptive_basic_needs_no_challenge() {
        let auth = Authenticator::new(
            Credentials::password("u", "p").with_mechanism(Mechanism::BasicPreemptive),
        );
        assert_eq!(auth.authorize("POST", "/", None).0.unwrap(), "Basic dTpw");
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

    /// Property tests: no challenge text, however broken, makes the client panic.
    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// Text from the characters challenges are made of, and some that break them.
        fn text(max: usize) -> impl Strategy<Value = String> {
            let chars = prop_oneof![
                8 => proptest::char::range(' ', '~'),
                1 => Just('"'),
                1 => Just(','),
                1 => Just('='),
                1 => Just('\\'),
                1 => proptest::char::range('\u{80}', '\u{ff}'),
            ];
            proptest::collection::vec(chars, 0..max).prop_map(String::from_iter)
        }

        /// One parameter: a known name or any, with a quoted, unquoted or broken value.
        fn param() -> impl Strategy<Value = String> {
            let name = prop_oneof![
                Just("realm".to_owned()),
                Just("nonce".to_owned()),
                Just("opaque".to_owned()),
                Just("algorithm".to_owned()),
                Just("qop".to_owned()),
                Just("stale".to_owned()),
                Just("charset".to_owned()),
                Just("userhash".to_owned()),
                text(12),
            ];
            let value = prop_oneof![
                Just("MD5".to_owned()),
                Just("SHA-256".to_owned()),
                Just("SHA-512-256".to_owned()),
                Just("MD5-sess".to_owned()),
                Just("\"auth\"".to_owned()),
                Just("\"auth-int\"".to_owned()),
                Just("\"auth,auth-int\"".to_owned()),
                text(40).prop_map(|t| format!("\"{t}\"")),
                text(40),
            ];
            (name, value).prop_map(|(n, v)| format!("{n}={v}"))
        }

        /// A `WWW-Authenticate` value: a scheme and parameters, or any text.
        fn challenge() -> impl Strategy<Value = String> {
            let scheme = prop_oneof![
                Just("Digest"),
                Just("digest"),
                Just("Basic"),
                Just("Bearer"),
                Just("Negotiate"),
            ];
            prop_oneof![
                4 => (scheme, proptest::collection::vec(param(), 0..8))
                    .prop_map(|(s, p)| format!("{s} {}", p.join(", "))),
                1 => text(120),
            ]
        }

        fn mechanism() -> impl Strategy<Value = Mechanism> {
            prop_oneof![
                Just(Mechanism::Auto),
                Just(Mechanism::Digest),
                Just(Mechanism::Basic),
                Just(Mechanism::BasicPreemptive),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

            #[test]
            fn any_challenge_is_answered_or_refused_without_panic(
                values in proptest::collection::vec(challenge(), 0..4),
                mechanism in mechanism(),
                uri in text(60),
            ) {
                let mut headers = HeaderMap::new();
                for value in &values {
                    if let Ok(value) = HeaderValue::from_str(value) {
                        headers.append(WWW_AUTHENTICATE, value);
                    }
                }
                let auth = Authenticator::new(
                    Credentials::password("developer", "strong-password").with_mechanism(mechanism),
                );
                let learnt = auth.learn(&headers);
                if let Err(e) = &learnt {
                    // Every refusal explains itself, without the password.
                    let text = e.to_string();
                    prop_assert!(!text.is_empty());
                    prop_assert!(!text.contains("strong-password"));
                }
                let (header, lease) = auth.authorize("POST", &uri, learnt.ok().flatten());
                if let Some(header) = header {
                    prop_assert!(!header.contains("strong-password"));
                }
                auth.release(lease);
                // A later request reuses what was learnt, still without panic.
                let (_, lease) = auth.authorize("GET", "/rest/v2/caches", None);
                auth.release(lease);
            }
        }
    }
}
