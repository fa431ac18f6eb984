//! Server-side HTTP authentication: Basic and Digest (MD5 or SHA-256, `qop=auth`), as Infinispan's REST endpoint
//! runs them through WildFly Elytron, plus the users, their roles and the permission check.
//!
//! The simulator really verifies credentials rather than accepting any header, so that client code proves its
//! handshake (challenge parsing, `HA1`/`HA2`, nonce counts, the exact `uri`) against it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use md5::Md5;
use rand::RngCore;
use sha2::{Digest as _, Sha256};

use crate::harness::REALM;
use crate::http::{Reply, empty_with_headers, text};
use crate::routes::P;
use crate::{
    ADMIN_PASSWORD, ADMIN_USER, DigestAlgorithm, Generation, Mechanism, OBSERVER_PASSWORD,
    OBSERVER_USER,
};

/// Elytron's fixed `opaque` value.
const OPAQUE: &str = "00000000000000000000000000000000";

/// How long a nonce that was used with a nonce count stays usable after its last use (Elytron: 900 s).
const NONCE_SESSION: Duration = Duration::from_secs(900);

/// A known identity with its roles (the harness maps groups to roles one to one).
#[derive(Debug)]
pub(crate) struct User {
    /// The login name.
    pub(crate) name: &'static str,
    password: &'static str,
    roles: &'static [&'static str],
}

/// Every permission, in `AuthorizationPermission` order (the ACL of a user that has ALL, and of
/// anyone on a cache without authorization of its own).
pub(crate) const ALL_PERMISSIONS: [&str; 13] = [
    "LIFECYCLE",
    "READ",
    "WRITE",
    "EXEC",
    "LISTEN",
    "BULK_READ",
    "BULK_WRITE",
    "ADMIN",
    "CREATE",
    "MONITOR",
    "ALL",
    "ALL_READ",
    "ALL_WRITE",
];

static USERS: [User; 2] = [
    User {
        name: ADMIN_USER,
        password: ADMIN_PASSWORD,
        roles: &["admin"],
    },
    User {
        name: OBSERVER_USER,
        password: OBSERVER_PASSWORD,
        roles: &["observer"],
    },
];

fn find_user(name: &str) -> Option<&'static User> {
    USERS.iter().find(|u| u.name == name)
}

impl User {
    /// Whether the user's roles grant a permission. `admin` has ALL; `observer` has ALL_READ and MONITOR
    /// (Infinispan's default role definitions).
    pub(crate) fn has(&self, permission: P) -> bool {
        self.roles.iter().any(|r| match *r {
            "admin" => true,
            "observer" => matches!(permission, P::BulkRead | P::Monitor | P::None),
            _ => false,
        })
    }

    /// The permissions `GET /rest/v2/security/user/acl` lists for the user's roles, in
    /// `AuthorizationPermission` order: every permission whose mask overlaps the role's, so the
    /// observer's ALL_READ and MONITOR also list ALL (as 14.0.28, 15.0.21, 15.2.6 and 16.0.7 answer).
    pub(crate) fn permission_names(&self) -> Vec<&'static str> {
        if self.roles.contains(&"admin") {
            ALL_PERMISSIONS.to_vec()
        } else if self.roles.contains(&"observer") {
            vec!["READ", "BULK_READ", "MONITOR", "ALL", "ALL_READ"]
        } else {
            Vec::new()
        }
    }

    /// The user's roles (the harness maps each group to the role of the same name).
    pub(crate) fn roles(&self) -> &'static [&'static str] {
        self.roles
    }

    /// `Util.prettyPrintSubject`: the user principal, then one `RolePrincipal` per role.
    pub(crate) fn subject(&self) -> String {
        let mut s = format!("Subject with principal(s): [{}", self.name);
        for r in self.roles {
            s.push_str(&format!(", RolePrincipal{{name='{r}'}}"));
        }
        s.push(']');
        s
    }
}

/// Per-connection authentication cache: the server skips authentication for a request whose `Authorization`
/// header is byte-identical to the one that last authenticated on the same connection.
#[derive(Debug, Default)]
pub(crate) struct ConnState {
    cached: Mutex<Option<(String, &'static User)>>,
}

/// The result of authenticating a request.
pub(crate) enum AuthResult {
    /// Authenticated as this user.
    Ok(&'static User),
    /// Answer the request with this response (401 challenge, 400, 403 or 500).
    Reply(Reply),
}

#[derive(Debug)]
struct NonceUse {
    /// The highest nonce count seen, or -1 when the nonce was used once without a count.
    highest: i64,
    expires: Instant,
}

/// Elytron's `NonceManager` rules: a nonce is valid 300 s after issue; used without `nc` it is single-use; used with
/// `nc` it can be reused with a strictly higher count while its session lasts.
#[derive(Debug, Default)]
struct Nonces {
    issued: HashMap<String, Instant>,
    used: HashMap<String, NonceUse>,
    counter: u32,
}

impl Nonces {
    fn generate(&mut self, validity: Duration) -> String {
        let now = Instant::now();
        // Pruning on issue keeps the maps small without a background task.
        self.issued
            .retain(|_, t| now.duration_since(*t) <= validity);
        self.used.retain(|_, u| u.expires > now);
        // Same shape as Elytron's nonces: a counter (4 bytes), a timestamp (8) and a SHA-256 (32), 60 base64
        // characters that start `AAAAA`; here the last 40 bytes are random.
        let mut bytes = [0u8; 44];
        rand::rng().fill_bytes(&mut bytes[4..]);
        self.counter = self.counter.wrapping_add(1);
        bytes[..4].copy_from_slice(&self.counter.to_be_bytes());
        let nonce = STANDARD.encode(bytes);
        self.issued.insert(nonce.clone(), now);
        nonce
    }

    fn use_nonce(&mut self, nonce: &str, nc: i64, validity: Duration) -> bool {
        let now = Instant::now();
        if self.used.get(nonce).is_some_and(|u| u.expires <= now) {
            self.used.remove(nonce);
        }
        let fresh = self
            .issued
            .get(nonce)
            .is_some_and(|t| now.duration_since(*t) <= validity);
        if nc > 0 {
            match self.used.get_mut(nonce) {
                Some(u) if u.highest < 0 => false,
                Some(u) if nc > u.highest => {
                    u.highest = nc;
                    u.expires = now + NONCE_SESSION;
                    true
                }
                Some(_) => false,
                None if !fresh => false,
                None => {
                    self.used.insert(
                        nonce.to_string(),
                        NonceUse {
                            highest: nc,
                            expires: now + NONCE_SESSION,
                        },
                    );
                    true
                }
            }
        } else {
            if !fresh || self.used.contains_key(nonce) {
                return false;
            }
            self.used.insert(
                nonce.to_string(),
                NonceUse {
                    highest: -1,
                    expires: now + validity,
                },
            );
            true
        }
    }
}

/// What one mechanism concluded.
enum Evaluation {
    Success(&'static User),
    /// 401 with this mechanism's challenge; `stale` marks a valid proof with a used-up nonce.
    Challenge {
        stale: bool,
    },
    /// 400 without a challenge (Digest `uri` mismatch).
    BadRequest,
    /// 400 with the decoder's message (a Basic token that is not base64).
    Malformed,
}

/// The REST endpoint's authenticator: the configured mechanisms, in challenge order, and the nonce store.
#[derive(Debug)]
pub(crate) struct Authenticator {
    mechanisms: Vec<Mechanism>,
    algorithm: DigestAlgorithm,
    generation: Generation,
    validity: Duration,
    nonces: Mutex<Nonces>,
}

impl DigestAlgorithm {
    /// The `algorithm=` token.
    fn token(self) -> &'static str {
        match self {
            DigestAlgorithm::Md5 => "MD5",
            DigestAlgorithm::Sha256 => "SHA-256",
        }
    }

    fn hash(self, data: &[u8]) -> Vec<u8> {
        match self {
            DigestAlgorithm::Md5 => Md5::digest(data).to_vec(),
            DigestAlgorithm::Sha256 => Sha256::digest(data).to_vec(),
        }
    }

    fn hex(self, data: &[u8]) -> String {
        hex_lower(&self.hash(data))
    }
}

fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hex_decode(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

impl Authenticator {
    /// An authenticator for the given mechanisms (challenge order), digest algorithm and nonce validity.
    pub(crate) fn new(
        mechanisms: Vec<Mechanism>,
        algorithm: DigestAlgorithm,
        generation: Generation,
        validity: Duration,
    ) -> Authenticator {
        Authenticator {
            mechanisms,
            algorithm,
            generation,
            validity,
            nonces: Mutex::new(Nonces::default()),
        }
    }

    /// Whether any mechanism is configured; without one every route is anonymous.
    pub(crate) fn enabled(&self) -> bool {
        !self.mechanisms.is_empty()
    }

    /// The server's mechanism name (`BASIC`, `DIGEST`, `DIGEST-SHA-256`).
    fn mech_name(&self, m: Mechanism) -> &'static str {
        match (m, self.algorithm) {
            (Mechanism::Basic, _) => "BASIC",
            (Mechanism::Digest, DigestAlgorithm::Md5) => "DIGEST",
            (Mechanism::Digest, DigestAlgorithm::Sha256) => "DIGEST-SHA-256",
        }
    }

    fn challenge_header(&self, m: Mechanism, stale: bool) -> String {
        match m {
            Mechanism::Basic => format!("Basic realm=\"{REALM}\""),
            Mechanism::Digest => {
                let nonce = self
                    .nonces
                    .lock()
                    .expect("nonce lock")
                    .generate(self.validity);
                let stale = if stale { ", stale=true" } else { "" };
                format!(
                    "Digest realm=\"{REALM}\", nonce=\"{nonce}\", opaque=\"{OPAQUE}\"{stale}, algorithm={}, qop=auth",
                    self.algorithm.token()
                )
            }
        }
    }

    fn challenge(&self, only: Option<(Mechanism, bool)>) -> Reply {
        let headers: Vec<(&'static str, String)> = match only {
            Some((m, stale)) => vec![("www-authenticate", self.challenge_header(m, stale))],
            None => self
                .mechanisms
                .iter()
                .map(|m| ("www-authenticate", self.challenge_header(*m, false)))
                .collect(),
        };
        empty_with_headers(401, headers)
    }

    /// Authenticates a request the way `RestRequestHandler` + `ElytronHTTPAuthenticator` do.
    ///
    /// `raw_uri` is the request target exactly as sent (path and query), which a Digest `uri` must equal.
    pub(crate) fn authenticate(
        &self,
        method: &str,
        raw_uri: &str,
        authorization: Option<&str>,
        conn: &ConnState,
    ) -> AuthResult {
        {
            let mut cached = conn.cached.lock().expect("conn lock");
            if let Some((header, user)) = &*cached {
                if Some(header.as_str()) == authorization {
                    return AuthResult::Ok(user);
                }
                *cached = None;
            }
        }
        let Some(header) = authorization else {
            return AuthResult::Reply(self.challenge(None));
        };
        let Some(space) = header.find(' ') else {
            // `substring(0, indexOf(' '))` throws; the server answers 500 with the JDK's message.
            return AuthResult::Reply(text(
                500,
                format!("begin 0, end -1, length {}", header.encode_utf16().count()),
            ));
        };
        let scheme = header[..space].to_uppercase();
        let wanted: Option<String> = match self.generation {
            Generation::V14 => Some(match scheme.as_str() {
                "BEARER" => "BEARER_TOKEN".to_string(),
                "NEGOTIATE" => "SPNEGO".to_string(),
                _ => scheme.clone(),
            }),
            // 15.0 maps the header prefix to a configured mechanism; an unknown prefix maps to null.
            Generation::V15 => self
                .mechanisms
                .iter()
                .find(|m| match m {
                    Mechanism::Basic => scheme == "BASIC",
                    Mechanism::Digest => scheme == "DIGEST",
                })
                .map(|m| self.mech_name(*m).to_string()),
        };
        let mechanism = self
            .mechanisms
            .iter()
            .copied()
            .find(|m| Some(self.mech_name(*m)) == wanted.as_deref());
        let Some(mechanism) = mechanism else {
            let name = wanted.unwrap_or_else(|| "null".to_string());
            return AuthResult::Reply(text(
                403,
                format!(
                    "ISPN080052: The request authentication mechanism '{name}' is not supported"
                ),
            ));
        };
        let evaluation = match mechanism {
            Mechanism::Basic => self.evaluate_basic(header),
            Mechanism::Digest => self.evaluate_digest(method, raw_uri, header),
        };
        match evaluation {
            Evaluation::Success(user) => {
                *conn.cached.lock().expect("conn lock") = Some((header.to_string(), user));
                AuthResult::Ok(user)
            }
            Evaluation::Challenge { stale } => {
                AuthResult::Reply(self.challenge(Some((mechanism, stale))))
            }
            Evaluation::BadRequest => AuthResult::Reply(empty_with_headers(400, Vec::new())),
            Evaluation::Malformed => {
                AuthResult::Reply(text(400, "COM00508: Invalid base 64 character"))
            }
        }
    }

    fn evaluate_basic(&self, header: &str) -> Evaluation {
        let Some(encoded) = header
            .get(6..)
            .filter(|_| header[..6].eq_ignore_ascii_case("basic "))
        else {
            return Evaluation::Challenge { stale: false };
        };
        let Ok(decoded) = STANDARD.decode(encoded.trim()) else {
            // Elytron's decoder throws; the server answers 400 with its message.
            return Evaluation::Malformed;
        };
        let decoded = String::from_utf8_lossy(&decoded);
        let Some((user, password)) = decoded.split_once(':').filter(|(u, _)| !u.is_empty()) else {
            return Evaluation::Challenge { stale: false };
        };
        match find_user(user) {
            Some(u) if u.password == password => Evaluation::Success(u),
            _ => Evaluation::Challenge { stale: false },
        }
    }

    fn evaluate_digest(&self, method: &str, raw_uri: &str, header: &str) -> Evaluation {
        const FAIL: Evaluation = Evaluation::Challenge { stale: false };
        if !header
            .get(..7)
            .is_some_and(|p| p.eq_ignore_ascii_case("digest "))
        {
            return FAIL;
        }
        let Some(tokens) = parse_digest(&header[7..]) else {
            return FAIL;
        };
        let (Some(nonce), Some(realm)) = (tokens.get("nonce"), tokens.get("realm")) else {
            return FAIL;
        };
        let nc = match tokens.get("nc") {
            None => -1,
            Some(v) => match i64::from_str_radix(v, 16) {
                Ok(n) => n,
                Err(_) => return FAIL,
            },
        };
        // Like Elytron, record the nonce use before checking the proof, and act on its validity last.
        let nonce_valid =
            self.nonces
                .lock()
                .expect("nonce lock")
                .use_nonce(nonce, nc, self.validity);
        let Some(username) = tokens.get("username") else {
            return FAIL;
        };
        let Some(uri) = tokens.get("uri") else {
            return FAIL;
        };
        if uri != raw_uri {
            return Evaluation::BadRequest;
        }
        let Some(response) = tokens.get("response").and_then(|r| hex_decode(r)) else {
            return FAIL;
        };
        let algorithm = tokens.get("algorithm").map_or("MD5", String::as_str);
        if algorithm != self.algorithm.token() || realm != REALM || username.is_empty() {
            return FAIL;
        }
        let Some(user) = find_user(username) else {
            return FAIL;
        };
        let alg = self.algorithm;
        let ha1 = alg.hex(format!("{username}:{realm}:{}", user.password).as_bytes());
        let ha2 = alg.hex(format!("{method}:{uri}").as_bytes());
        let expected = match tokens.get("qop") {
            Some(qop) => {
                let cnonce = tokens.get("cnonce").map_or("", String::as_str);
                let nc = tokens.get("nc").map_or("", String::as_str);
                alg.hash(format!("{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}").as_bytes())
            }
            None => alg.hash(format!("{ha1}:{nonce}:{ha2}").as_bytes()),
        };
        if expected != response {
            return FAIL;
        }
        if !nonce_valid {
            return Evaluation::Challenge { stale: true };
        }
        Evaluation::Success(user)
    }
}

/// Parses the comma-separated `name=value` / `name="quoted value"` list of a Digest `Authorization` header.
fn parse_digest(s: &str) -> Option<HashMap<String, String>> {
    let mut out = HashMap::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ',' || c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            return Some(out);
        }
        let mut name = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' {
                break;
            }
            name.push(c);
            chars.next();
        }
        chars.next()?; // '='
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next()? {
                    '\\' => value.push(chars.next()?),
                    '"' => break,
                    c => value.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ',' {
                    break;
                }
                value.push(c);
                chars.next();
            }
            value = value.trim().to_string();
        }
        out.insert(name.trim().to_ascii_lowercase(), value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_digest_fields() {
        let t = parse_digest(
            r#"username="u", realm="default", nonce="a,b", uri="/x?y=1", qop=auth, nc=00000001"#,
        )
        .unwrap();
        assert_eq!(t["nonce"], "a,b");
        assert_eq!(t["qop"], "auth");
        assert_eq!(t["nc"], "00000001");
        assert_eq!(t["uri"], "/x?y=1");
    }

    #[test]
    fn nonce_counts_must_increase() {
        let mut n = Nonces::default();
        let v = Duration::from_secs(300);
        let nonce = n.generate(v);
        assert_eq!(nonce.len(), 60);
        assert!(nonce.starts_with("AAAAA"));
        assert!(n.use_nonce(&nonce, 1, v));
        assert!(!n.use_nonce(&nonce, 1, v));
        assert!(n.use_nonce(&nonce, 2, v));
        assert!(!n.use_nonce("unknown", 1, v));
        let single = n.generate(v);
        assert!(n.use_nonce(&single, -1, v));
        assert!(!n.use_nonce(&single, -1, v));
        assert!(!n.use_nonce(&single, 5, v));
    }

    #[test]
    fn subject_text() {
        assert_eq!(
            USERS[1].subject(),
            "Subject with principal(s): [observer, RolePrincipal{name='observer'}]"
        );
    }
}
