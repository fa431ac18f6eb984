//! Typed results of the cross-site routes.
//!
//! Maps are [`IndexMap`]s that keep the server's key order, and every type serializes back to the
//! server's JSON shape, so that a caller (the REPL) can print a result exactly as cli.sh prints the
//! server's body. Unknown status values are kept rather than rejected: a newer server must not break
//! an operator's tool in the middle of an outage.

use std::fmt;
use std::str::FromStr;

use indexmap::IndexMap;
use serde::de::{Error as _, MapAccess, SeqAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The status word `online`, as the server writes it.
pub const ONLINE: &str = "online";
/// The status word `offline`, as the server writes it.
pub const OFFLINE: &str = "offline";
/// The status word `mixed`, as the server writes it.
pub const MIXED: &str = "mixed";
/// The per-node status word for a node that could not be asked (14.0 to 15.0).
pub const FAILED: &str = "failed";
/// The result string of a successful site operation.
pub const OK_RESULT: &str = "ok";

/// Backup status of one site, for one cache or for the whole container.
///
/// JSON: `{"status":"online"}`, `{"status":"offline"}`, or
/// `{"status":"mixed","online":[…],"offline":[…],"mixed":[…]}`. For one cache the lists hold node
/// names and there is no `mixed` list; for the container they hold cache names and `mixed` is always
/// present.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SiteStatus {
    /// Replication to the site is on.
    Online,
    /// Replication to the site is off.
    Offline,
    /// Nodes (cache level) or caches (container level) disagree.
    Mixed(MixedStatus),
    /// A status word this SDK does not know (for example `unknown`), kept as sent.
    Other(String),
}

/// Who is online and who is offline in a [`SiteStatus::Mixed`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MixedStatus {
    /// Nodes or caches that are online.
    pub online: Vec<String>,
    /// Nodes or caches that are offline.
    pub offline: Vec<String>,
    /// Caches that are themselves mixed (container level only; `None` when the key was absent).
    pub mixed: Option<Vec<String>>,
}

impl SiteStatus {
    /// The status word, as the server writes it.
    pub fn as_str(&self) -> &str {
        match self {
            SiteStatus::Online => ONLINE,
            SiteStatus::Offline => OFFLINE,
            SiteStatus::Mixed(_) => MIXED,
            SiteStatus::Other(word) => word,
        }
    }

    /// True for [`SiteStatus::Online`].
    pub fn is_online(&self) -> bool {
        matches!(self, SiteStatus::Online)
    }

    /// True for [`SiteStatus::Offline`].
    pub fn is_offline(&self) -> bool {
        matches!(self, SiteStatus::Offline)
    }
}

impl fmt::Display for SiteStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Deserialize)]
struct RawSiteStatus {
    status: String,
    #[serde(default)]
    online: Option<Vec<String>>,
    #[serde(default)]
    offline: Option<Vec<String>>,
    #[serde(default)]
    mixed: Option<Vec<String>>,
}

impl<'de> Deserialize<'de> for SiteStatus {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = RawSiteStatus::deserialize(deserializer)?;
        Ok(match raw.status.as_str() {
            ONLINE => SiteStatus::Online,
            OFFLINE => SiteStatus::Offline,
            MIXED => SiteStatus::Mixed(MixedStatus {
                online: raw.online.unwrap_or_default(),
                offline: raw.offline.unwrap_or_default(),
                mixed: raw.mixed,
            }),
            _ => SiteStatus::Other(raw.status),
        })
    }
}

impl Serialize for SiteStatus {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Key order as the server writes it: status, online, offline, mixed.
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("status", self.as_str())?;
        if let SiteStatus::Mixed(mixed) = self {
            map.serialize_entry("online", &mixed.online)?;
            map.serialize_entry("offline", &mixed.offline)?;
            if let Some(list) = &mixed.mixed {
                map.serialize_entry("mixed", list)?;
            }
        }
        map.end()
    }
}

/// A site's status on one node, from the per-node status route.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NodeStatus {
    /// The node replicates to the site.
    Online,
    /// The node does not replicate to the site.
    Offline,
    /// The node could not be asked (14.0 to 15.0).
    Failed,
    /// A value this SDK does not know, kept as sent.
    Other(String),
}

impl NodeStatus {
    /// The status word, as the server writes it.
    pub fn as_str(&self) -> &str {
        match self {
            NodeStatus::Online => ONLINE,
            NodeStatus::Offline => OFFLINE,
            NodeStatus::Failed => FAILED,
            NodeStatus::Other(word) => word,
        }
    }
}

impl From<String> for NodeStatus {
    fn from(word: String) -> Self {
        match word.as_str() {
            ONLINE => NodeStatus::Online,
            OFFLINE => NodeStatus::Offline,
            FAILED => NodeStatus::Failed,
            _ => NodeStatus::Other(word),
        }
    }
}

impl<'de> Deserialize<'de> for NodeStatus {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(String::deserialize(deserializer)?.into())
    }
}

impl Serialize for NodeStatus {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl fmt::Display for NodeStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The state of a push of state to one site.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PushStateStatus {
    /// No push has run, or its status was cleared.
    Idle,
    /// A push is running.
    Sending,
    /// The last push completed.
    Ok,
    /// The last push failed on at least one node.
    Error,
    /// The last push was cancelled.
    Canceled,
    /// A value this SDK does not know, kept as sent.
    Other(String),
}

impl PushStateStatus {
    /// The value, as the server writes it.
    pub fn as_str(&self) -> &str {
        match self {
            PushStateStatus::Idle => "IDLE",
            PushStateStatus::Sending => "SENDING",
            PushStateStatus::Ok => "OK",
            PushStateStatus::Error => "ERROR",
            PushStateStatus::Canceled => "CANCELED",
            PushStateStatus::Other(word) => word,
        }
    }

    /// True once the push has ended, well or not (`OK`, `ERROR`, `CANCELED`).
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            PushStateStatus::Ok | PushStateStatus::Error | PushStateStatus::Canceled
        )
    }
}

impl From<String> for PushStateStatus {
    fn from(word: String) -> Self {
        match word.as_str() {
            "IDLE" => PushStateStatus::Idle,
            "SENDING" => PushStateStatus::Sending,
            "OK" => PushStateStatus::Ok,
            "ERROR" => PushStateStatus::Error,
            "CANCELED" => PushStateStatus::Canceled,
            _ => PushStateStatus::Other(word),
        }
    }
}

impl<'de> Deserialize<'de> for PushStateStatus {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(String::deserialize(deserializer)?.into())
    }
}

impl Serialize for PushStateStatus {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl fmt::Display for PushStateStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// When a backup goes offline by itself after failures.
///
/// Automatic take-offline is on when either value is above zero.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TakeOfflineConfig {
    /// Consecutive failed writes after which the site goes offline (0 = not counted).
    pub after_failures: i32,
    /// Milliseconds to wait after the first failure before the site may go offline (0 = no wait).
    pub min_wait: i64,
}

/// Whether a write changed the server's configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigUpdate {
    /// The value was changed (204 or 200).
    Changed,
    /// The value was already that (304).
    Unchanged,
}

/// How state is transferred to a backup site after it comes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StateTransferMode {
    /// An operator pushes state by hand (the default).
    Manual,
    /// State is pushed automatically (ASYNC backups only).
    Auto,
}

impl StateTransferMode {
    /// The value, as the server writes and reads it (case-sensitive).
    pub fn as_str(&self) -> &'static str {
        match self {
            StateTransferMode::Manual => "MANUAL",
            StateTransferMode::Auto => "AUTO",
        }
    }
}

impl fmt::Display for StateTransferMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for StateTransferMode {
    type Err = String;

    /// Parses `MANUAL` or `AUTO` exactly, as the server does.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "MANUAL" => Ok(StateTransferMode::Manual),
            "AUTO" => Ok(StateTransferMode::Auto),
            other => Err(format!(
                "unknown state-transfer mode '{other}': expected MANUAL or AUTO"
            )),
        }
    }
}

impl<'de> Deserialize<'de> for StateTransferMode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let word = String::deserialize(deserializer)?;
        word.parse().map_err(D::Error::custom)
    }
}

impl Serialize for StateTransferMode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// One cache's result in an all-caches action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheOutcome {
    /// The server answered `"ok"` for the cache.
    Ok,
    /// The server answered another text, which says what went wrong.
    Failed(String),
}

impl CacheOutcome {
    /// True for [`CacheOutcome::Ok`].
    pub fn is_ok(&self) -> bool {
        matches!(self, CacheOutcome::Ok)
    }

    /// The text as the server wrote it (`ok` or the failure).
    pub fn as_str(&self) -> &str {
        match self {
            CacheOutcome::Ok => OK_RESULT,
            CacheOutcome::Failed(message) => message,
        }
    }
}

impl From<String> for CacheOutcome {
    fn from(text: String) -> Self {
        if text == OK_RESULT {
            CacheOutcome::Ok
        } else {
            CacheOutcome::Failed(text)
        }
    }
}

impl<'de> Deserialize<'de> for CacheOutcome {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(String::deserialize(deserializer)?.into())
    }
}

impl Serialize for CacheOutcome {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Backup status of every backup site, keyed by site name, in the server's order.
pub type SiteStatuses = IndexMap<String, SiteStatus>;
/// A site's status on every node, keyed by node name, in the server's order.
pub type NodeStatuses = IndexMap<String, NodeStatus>;
/// Push-state status per backup site, in the server's order.
pub type PushStateStatuses = IndexMap<String, PushStateStatus>;
/// Per-cache results of an all-caches action, in the server's order; every value is `ok`.
pub type CacheResults = IndexMap<String, CacheOutcome>;

/// The server's version, as `GET /v2/server` reports it (for example `14.0.35.Final`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerVersion {
    /// Major version (14 for Data Grid 8.4).
    pub major: u32,
    /// Minor version.
    pub minor: u32,
    /// The full text as sent.
    pub text: String,
}

impl ServerVersion {
    /// Reads the version from `14.0.35.Final`, `16.0.14`, or the server's own
    /// `Infinispan 'Flying Saucer' 14.0.28.Final` (the first word that starts with `major.minor`).
    pub fn parse(text: &str) -> Option<ServerVersion> {
        text.split_whitespace().find_map(|word| {
            let mut parts = word.split(['.', '-']);
            let major = parts.next()?.parse().ok()?;
            let minor = parts.next()?.parse().ok()?;
            Some(ServerVersion {
                major,
                minor,
                text: text.trim().to_owned(),
            })
        })
    }
}

impl fmt::Display for ServerVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// The cache container's information (`GET /v2/cache-managers/{name}` on 14.0, `GET /v2/container`
/// on 15 and later): among others the local site, the sites view and the relay nodes.
///
/// The whole JSON object is kept, in the server's order, in [`ContainerInfo::raw`].
#[derive(Debug, Clone, PartialEq)]
pub struct ContainerInfo {
    /// The object as the server sent it.
    pub raw: serde_json::Map<String, serde_json::Value>,
}

impl ContainerInfo {
    fn str_field(&self, key: &str) -> Option<&str> {
        self.raw.get(key).and_then(|v| v.as_str())
    }

    fn list_field(&self, key: &str) -> Vec<String> {
        self.raw
            .get(key)
            .and_then(|v| v.as_array())
            .map(|items| {
                items
                    .iter()
                    .map(|item| match item {
                        serde_json::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The container's name (`name`), normally `default`.
    pub fn name(&self) -> Option<&str> {
        self.str_field("name")
    }

    /// The server version the container reports (`version`).
    pub fn version(&self) -> Option<&str> {
        self.str_field("version")
    }

    /// The local site (`local_site`); `None` when the cluster has no cross-site relay.
    pub fn local_site(&self) -> Option<&str> {
        self.str_field("local_site")
    }

    /// The sites currently connected through the relay (`sites_view`), sorted by the server.
    pub fn sites_view(&self) -> Vec<String> {
        self.list_field("sites_view")
    }

    /// Whether this node is a relay node (site master) (`relay_node`; false when absent).
    pub fn is_relay_node(&self) -> bool {
        self.raw
            .get("relay_node")
            .and_then(|v| v.as_bool())
            .unwrap_or(false)
    }

    /// The relay nodes' addresses (`relay_nodes_address`).
    pub fn relay_nodes(&self) -> Vec<String> {
        self.list_field("relay_nodes_address")
    }

    /// The answering node's name (`node_address`).
    pub fn node_address(&self) -> Option<&str> {
        self.str_field("node_address")
    }

    /// The cluster's name (`cluster_name`).
    pub fn cluster_name(&self) -> Option<&str> {
        self.str_field("cluster_name")
    }

    /// The cluster's members (`cluster_members`).
    pub fn cluster_members(&self) -> Vec<String> {
        self.list_field("cluster_members")
    }

    /// The names of the defined caches (`defined_caches[].name`), in the server's order.
    pub fn defined_caches(&self) -> Vec<String> {
        self.raw
            .get("defined_caches")
            .and_then(|v| v.as_array())
            .map(|items| {
                items
                    .iter()
                    .filter_map(|item| item.get("name").and_then(|n| n.as_str()))
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl<'de> Deserialize<'de> for ContainerInfo {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(ContainerInfo {
            raw: serde_json::Map::deserialize(deserializer)?,
        })
    }
}

impl Serialize for ContainerInfo {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.raw.serialize(serializer)
    }
}

/// Checks that no JSON object in a document names a key twice.
///
/// A map type keeps the last of two equal keys without a word; an answer such as
/// `{"site-a":{"status":"online"},"site-a":{"status":"offline"}}` could then pass as offline.
/// Every answer is checked before it is read, so such an answer fails closed.
pub(crate) fn check_unique_keys(json: &[u8]) -> Result<(), String> {
    serde_json::from_slice::<UniqueKeys>(json)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Any JSON value whose objects have unique keys; nothing is kept.
struct UniqueKeys;

impl<'de> Deserialize<'de> for UniqueKeys {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(UniqueKeysVisitor)
    }
}

struct UniqueKeysVisitor;

impl<'de> Visitor<'de> for UniqueKeysVisitor {
    type Value = UniqueKeys;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }

    fn visit_i64<E>(self, _: i64) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }

    fn visit_u64<E>(self, _: u64) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }

    fn visit_f64<E>(self, _: f64) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }

    fn visit_str<E>(self, _: &str) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }

    fn visit_unit<E>(self) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<UniqueKeys, A::Error> {
        while seq.next_element::<UniqueKeys>()?.is_some() {}
        Ok(UniqueKeys)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<UniqueKeys, A::Error> {
        let mut seen = std::collections::HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            map.next_value::<UniqueKeys>()?;
            if !seen.insert(key) {
                return Err(A::Error::custom(
                    "an object names the same key twice, so which value holds is unknown",
                ));
            }
        }
        Ok(UniqueKeys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_keys_are_refused_at_any_depth() {
        assert!(check_unique_keys(br#"{"a":1,"b":[{"c":1,"d":2}]}"#).is_ok());
        assert!(check_unique_keys(br#"["x",1,null,true,-1.5]"#).is_ok());
        let twice = br#"{"site-a":{"status":"online"},"site-a":{"status":"offline"}}"#;
        assert!(check_unique_keys(twice).unwrap_err().contains("twice"));
        // The map type alone would have kept the last value.
        let statuses: SiteStatuses = serde_json::from_slice(twice).unwrap();
        assert!(statuses["site-a"].is_offline());
        assert!(check_unique_keys(br#"{"x":[{"k":1,"k":2}]}"#).is_err());
    }

    #[test]
    fn site_status_round_trips_in_server_order() {
        let text = r#"{"status":"mixed","online":["a"],"offline":["b","c"],"mixed":[]}"#;
        let status: SiteStatus = serde_json::from_str(text).unwrap();
        assert_eq!(
            status,
            SiteStatus::Mixed(MixedStatus {
                online: vec!["a".into()],
                offline: vec!["b".into(), "c".into()],
                mixed: Some(vec![]),
            })
        );
        assert_eq!(serde_json::to_string(&status).unwrap(), text);
    }

    #[test]
    fn cache_level_mixed_has_no_mixed_key() {
        let text = r#"{"status":"mixed","online":["n1"],"offline":["n2"]}"#;
        let status: SiteStatus = serde_json::from_str(text).unwrap();
        assert_eq!(serde_json::to_string(&status).unwrap(), text);
    }

    #[test]
    fn unknown_words_are_kept() {
        let status: SiteStatus = serde_json::from_str(r#"{"status":"unknown"}"#).unwrap();
        assert_eq!(status, SiteStatus::Other("unknown".into()));
        let push: PushStateStatus = serde_json::from_str(r#""CANCELLING""#).unwrap();
        assert_eq!(push, PushStateStatus::Other("CANCELLING".into()));
        assert_eq!(serde_json::to_string(&push).unwrap(), r#""CANCELLING""#);
    }

    #[test]
    fn versions_parse() {
        let v = ServerVersion::parse("14.0.35.Final").unwrap();
        assert_eq!((v.major, v.minor), (14, 0));
        let v = ServerVersion::parse("16.0.14").unwrap();
        assert_eq!((v.major, v.minor), (16, 0));
        let v = ServerVersion::parse("Infinispan 'Flying Saucer' 14.0.28.Final").unwrap();
        assert_eq!((v.major, v.minor), (14, 0));
        assert_eq!(v.text, "Infinispan 'Flying Saucer' 14.0.28.Final");
        assert!(ServerVersion::parse("garbage").is_none());
    }

    #[test]
    fn state_transfer_mode_is_case_sensitive() {
        assert_eq!("AUTO".parse(), Ok(StateTransferMode::Auto));
        assert!("auto".parse::<StateTransferMode>().is_err());
    }

    /// Property tests: no JSON document, however shaped, makes a model panic.
    mod properties {
        use super::*;
        use proptest::prelude::*;
        use serde_json::Value;

        fn word() -> impl Strategy<Value = String> {
            let chars = prop_oneof![
                6 => proptest::char::range('a', 'z'),
                1 => Just('-'),
                1 => proptest::char::range('\u{0}', '\u{1f}'),
                1 => any::<char>(),
            ];
            prop_oneof![
                4 => proptest::collection::vec(chars, 0..12).prop_map(String::from_iter),
                1 => Just("status".to_owned()),
                1 => Just("online".to_owned()),
                1 => Just("offline".to_owned()),
                1 => Just("mixed".to_owned()),
                1 => Just("ok".to_owned()),
                1 => Just("OK".to_owned()),
                1 => Just("ERROR".to_owned()),
                1 => Just("defined_caches".to_owned()),
                1 => Just("name".to_owned()),
                1 => Just("after_failures".to_owned()),
                1 => Just("min_wait".to_owned()),
            ]
        }

        /// Any JSON value, biased toward the shapes and words the server uses.
        fn json() -> impl Strategy<Value = Value> {
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::Bool),
                any::<i64>().prop_map(Value::from),
                any::<u64>().prop_map(Value::from),
                any::<f64>().prop_map(Value::from),
                word().prop_map(Value::String),
            ];
            leaf.prop_recursive(4, 48, 6, |inner| {
                prop_oneof![
                    proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                    proptest::collection::vec((word(), inner), 0..6)
                        .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
                ]
            })
        }

        fn exercise(text: &[u8]) {
            let _ = check_unique_keys(text);
            let _ = serde_json::from_slice::<SiteStatus>(text).map(|s| s.to_string());
            let _ = serde_json::from_slice::<SiteStatuses>(text)
                .map(|s| serde_json::to_string(&s).ok());
            let _ = serde_json::from_slice::<NodeStatuses>(text)
                .map(|s| serde_json::to_string(&s).ok());
            let _ = serde_json::from_slice::<PushStateStatuses>(text)
                .map(|s| s.values().filter(|v| v.is_terminal()).count());
            let _ = serde_json::from_slice::<CacheResults>(text)
                .map(|s| s.values().filter(|v| v.is_ok()).count());
            let _ = serde_json::from_slice::<TakeOfflineConfig>(text);
            let _ = serde_json::from_slice::<StateTransferMode>(text);
            if let Ok(info) = serde_json::from_slice::<ContainerInfo>(text) {
                let _ = (
                    info.name(),
                    info.version(),
                    info.local_site(),
                    info.sites_view(),
                    info.is_relay_node(),
                    info.relay_nodes(),
                    info.node_address(),
                    info.cluster_name(),
                    info.cluster_members(),
                    info.defined_caches(),
                );
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

            #[test]
            fn any_json_is_read_or_refused_without_panic(value in json()) {
                let text = serde_json::to_vec(&value).unwrap();
                exercise(&text);
                // Wrapped as a status map and as a per-cache map, the shapes the routes answer.
                exercise(format!(r#"{{"site-b":{value}}}"#).as_bytes());
                exercise(format!(r#"{{"status":"mixed","online":{value},"offline":{value}}}"#).as_bytes());
            }

            #[test]
            fn any_bytes_are_read_or_refused_without_panic(
                bytes in proptest::collection::vec(any::<u8>(), 0..256),
            ) {
                exercise(&bytes);
            }

            #[test]
            fn duplicate_keys_are_always_found(value in json(), key in word()) {
                // The same key twice in one object, anywhere a value can be.
                let doc = format!(r#"[{{{k}:{value},{k}:{value}}}]"#, k = Value::String(key));
                prop_assert!(check_unique_keys(doc.as_bytes()).is_err());
            }

            #[test]
            fn versions_parse_without_panic(text in proptest::collection::vec(any::<char>(), 0..40)) {
                let text = String::from_iter(text);
                if let Some(v) = ServerVersion::parse(&text) {
                    prop_assert_eq!(v.text, text.trim());
                }
            }
        }
    }
}
