//! Static facts about the simulated grid (names, versions, addresses) and the JSON documents built from them.
//!
//! Everything here mirrors what the reference two-site harness (`scripts/grid`) produces on a real server, so that a
//! test can switch between the simulator and real servers without changing its expectations.

use serde_json::{Value, json};

use crate::Generation;
use crate::harness::{
    CONTAINER_NAME, NODE_PORT_STEP, SITE_A, SITE_A_JGROUPS_PORT, SITE_B_JGROUPS_PORT,
};

/// The name of a site's first node (the harness sets `node-name="<site>-<k>"`), which is also its JGroups
/// logical address and the RELAY2 site master.
pub(crate) fn node_name(site: &str) -> String {
    node_name_of(site, 0)
}

/// The name of node `node` of a site.
pub(crate) fn node_name_of(site: &str, node: usize) -> String {
    format!("{site}-{node}")
}

/// The JGroups physical address of node `node` of a site, as the harness configures it.
pub(crate) fn physical_address(site: &str, node: usize) -> String {
    let port = if site == SITE_A {
        SITE_A_JGROUPS_PORT
    } else {
        SITE_B_JGROUPS_PORT
    };
    format!(
        "127.0.0.1:{}",
        port as usize + node * NODE_PORT_STEP as usize
    )
}

impl Generation {
    /// `Version.getVersion()` of the server generation.
    pub(crate) fn version(self) -> &'static str {
        match self {
            Generation::V14 => "14.0.35.Final",
            Generation::V15 => "15.0.22.Final",
        }
    }

    /// `Version.printVersion()`: brand, code name and version, as `GET /rest/v2/server` reports it.
    pub(crate) fn print_version(self) -> &'static str {
        match self {
            Generation::V14 => "Infinispan 'Flying Saucer' 14.0.35.Final",
            Generation::V15 => "Infinispan 'I'm Still Standing' 15.0.22.Final",
        }
    }
}

/// `String.hashCode()` of Java: 31-based polynomial over UTF-16 code units, wrapping in 32 bits.
pub(crate) fn java_string_hash(s: &str) -> i32 {
    s.encode_utf16()
        .fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(i32::from(c)))
}

/// The bucket of a key in a `java.util.HashMap` table of `capacity` slots (`hash ^ hash >>> 16`, masked).
fn java_bucket(s: &str, capacity: usize) -> usize {
    let h = java_string_hash(s) as u32;
    ((h ^ (h >> 16)) as usize) & (capacity - 1)
}

/// Orders keys the way a `java.util.HashMap`/`HashSet` built by inserting them in the given order iterates them.
///
/// The server builds most of its JSON maps with `Collectors.toMap`/`toSet` (default capacity 16, resized at a 0.75
/// load factor), and its JSON objects keep that iteration order. Reproducing it makes the simulator's key order match
/// the real server byte for byte, e.g. the container `take-offline` map.
#[cfg(test)]
pub(crate) fn java_hash_order<S: AsRef<str>>(keys: Vec<S>) -> Vec<S> {
    java_hash_order_by(keys, |k| k.as_ref())
}

/// [`java_hash_order`] for items keyed by a string they hold.
pub(crate) fn java_hash_order_by<T>(items: Vec<T>, key: impl Fn(&T) -> &str) -> Vec<T> {
    let mut capacity = 16;
    while items.len() * 4 > capacity * 3 {
        capacity *= 2;
    }
    let mut items = items;
    // A stable sort keeps insertion order inside one bucket, as the bucket's linked list does.
    items.sort_by_key(|k| java_bucket(key(k), capacity));
    items
}

/// The iteration order of `cacheManager.getCacheNames()`, which decides the order of the container-level lists.
///
/// On 14.0 that set is a hash set whose table is larger than 16 slots (it also holds the internal caches); a 32-slot
/// table reproduces what a real 14.0 server returns, e.g. the `mixed` status lists and `loginFailures` before
/// `actionTokens` (which share a bucket in a 16-slot table) in action maps. From 15.0 the names come sorted.
pub(crate) fn cache_names_order<S: AsRef<str>>(generation: Generation, keys: Vec<S>) -> Vec<S> {
    let mut keys = keys;
    match generation {
        Generation::V14 => keys.sort_by_key(|k| java_bucket(k.as_ref(), 32)),
        Generation::V15 => keys.sort_by(|a, b| a.as_ref().cmp(b.as_ref())),
    }
    keys
}

/// Internal caches every server defines; they have no backups and do not count as created caches.
pub(crate) const INTERNAL_CACHES: [&str; 2] = ["___protobuf_metadata", "___script_cache"];

/// `cache_configuration_names` as the real servers list them (templates included; a hash set on 14.0, sorted on
/// 15.0).
fn configuration_names(generation: Generation) -> &'static [&'static str] {
    match generation {
        Generation::V14 => &[
            "org.infinispan.REPL_ASYNC",
            "___protobuf_metadata",
            "org.infinispan.DIST_SYNC",
            "clientSessions",
            "org.infinispan.LOCAL",
            "org.infinispan.INVALIDATION_SYNC",
            "org.infinispan.REPL_SYNC",
            "example.PROTOBUF_DIST",
            "loginFailures",
            "org.infinispan.SCATTERED_SYNC",
            "org.infinispan.DIST_ASYNC",
            "authenticationSessions",
            "sessions",
            "work",
            "offlineClientSessions",
            "org.infinispan.INVALIDATION_ASYNC",
            "no-backups",
            "___script_cache",
            "offlineSessions",
            "actionTokens",
        ],
        Generation::V15 => &[
            "___protobuf_metadata",
            "___script_cache",
            "actionTokens",
            "authenticationSessions",
            "clientSessions",
            "example.PROTOBUF_DIST",
            "loginFailures",
            "no-backups",
            "offlineClientSessions",
            "offlineSessions",
            "org.infinispan.DIST_ASYNC",
            "org.infinispan.DIST_SYNC",
            "org.infinispan.INVALIDATION_ASYNC",
            "org.infinispan.INVALIDATION_SYNC",
            "org.infinispan.LOCAL",
            "org.infinispan.REPL_ASYNC",
            "org.infinispan.REPL_SYNC",
            "sessions",
            "work",
        ],
    }
}

/// The order of `defined_caches` (and of `GET /rest/v2/caches`) that real servers produced. The server builds it
/// from a hash set of objects whose hash is not the name's, so it cannot be derived; these are recorded orders.
pub(crate) fn defined_caches_order(generation: Generation) -> &'static [&'static str] {
    match generation {
        Generation::V14 => &[
            "offlineClientSessions",
            "___script_cache",
            "work",
            "no-backups",
            "clientSessions",
            "loginFailures",
            "sessions",
            "authenticationSessions",
            "actionTokens",
            "___protobuf_metadata",
            "offlineSessions",
        ],
        Generation::V15 => &[
            "offlineClientSessions",
            "actionTokens",
            "authenticationSessions",
            "sessions",
            "offlineSessions",
            "work",
            "loginFailures",
            "no-backups",
            "___script_cache",
            "clientSessions",
            "___protobuf_metadata",
        ],
    }
}

/// Orders the given cache names like `defined_caches`; names not in the recorded list go last, sorted.
pub(crate) fn order_like_defined(generation: Generation, names: &[String]) -> Vec<String> {
    let known = defined_caches_order(generation);
    let mut out: Vec<String> = known
        .iter()
        .filter(|k| names.iter().any(|n| n == *k))
        .map(|k| (*k).to_string())
        .collect();
    let mut rest: Vec<String> = names
        .iter()
        .filter(|n| !known.contains(&n.as_str()))
        .cloned()
        .collect();
    rest.sort();
    out.extend(rest);
    out
}

/// Which node answers on a site's address, which is the coordinator, and which run.
pub(crate) struct NodeView {
    pub(crate) answering: usize,
    pub(crate) coordinator: usize,
    pub(crate) live: Vec<usize>,
}

/// The `CacheManagerInfo` document of `GET /rest/v2/cache-managers/default` (and `GET /rest/v2/container` on 15),
/// with keys in the order `CacheManagerInfo.toJson` writes them.
pub(crate) fn cache_manager_info(
    generation: Generation,
    site: &str,
    cache_names: &[String],
    sites_view: &[String],
    nodes: &NodeView,
) -> Value {
    let live_nodes = &nodes.live;
    let node = node_name_of(site, nodes.answering);
    let coordinator = node_name_of(site, nodes.coordinator);
    let master = nodes.answering == nodes.coordinator;
    // Only the site master (the coordinator, RELAY2 max_site_masters=1) knows the sites view;
    // another node answers an empty one (DIFFERENCES.md F).
    let sites_view: &[String] = if master { sites_view } else { &[] };
    let members: Vec<String> = live_nodes.iter().map(|n| node_name_of(site, *n)).collect();
    let addresses: Vec<String> = live_nodes
        .iter()
        .map(|n| physical_address(site, *n))
        .collect();
    let defined: Vec<Value> = order_like_defined(generation, cache_names)
        .iter()
        .map(|n| json!({"name": n, "started": true}))
        .collect();
    let created = cache_names
        .iter()
        .filter(|n| !INTERNAL_CACHES.contains(&n.as_str()))
        .count();
    json!({
        "version": generation.version(),
        "name": CONTAINER_NAME,
        "coordinator": master,
        "cache_configuration_names": configuration_names(generation),
        "cluster_name": site,
        "physical_addresses": format!("[{}]", addresses.join(", ")),
        "coordinator_address": coordinator,
        "cache_manager_status": "RUNNING",
        "created_cache_count": created,
        "running_cache_count": created,
        "node_address": node,
        "cluster_members": members,
        "cluster_members_physical_addresses": addresses,
        "cluster_size": live_nodes.len(),
        "defined_caches": defined,
        "local_site": site,
        "relay_node": master,
        "relay_nodes_address": [coordinator],
        "sites_view": sites_view,
        "rebalancing_enabled": true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::harness::KEYCLOAK_CACHES;

    #[test]
    fn java_hash_matches_java() {
        // Values computed with Java's "…".hashCode().
        assert_eq!(java_string_hash(""), 0);
        assert_eq!(java_string_hash("a"), 97);
        assert_eq!(java_string_hash("hello"), 99_162_322);
    }

    #[test]
    fn container_map_order_matches_a_real_server() {
        // The order a real 14.0 server answered a container take-offline with.
        let order = java_hash_order(cache_names_order(Generation::V14, KEYCLOAK_CACHES.to_vec()));
        assert_eq!(
            order,
            [
                "offlineClientSessions",
                "authenticationSessions",
                "sessions",
                "clientSessions",
                "work",
                "offlineSessions",
                "loginFailures",
                "actionTokens"
            ]
        );
        // 15.0 iterates the names sorted, which swaps the two names sharing a bucket.
        let order = java_hash_order(cache_names_order(Generation::V15, KEYCLOAK_CACHES.to_vec()));
        assert_eq!(order[6..], ["actionTokens", "loginFailures"]);
    }

    #[test]
    fn container_list_order_matches_a_real_server() {
        let mut names = KEYCLOAK_CACHES.to_vec();
        names.retain(|n| *n != "work");
        assert_eq!(
            cache_names_order(Generation::V14, names),
            [
                "authenticationSessions",
                "sessions",
                "clientSessions",
                "loginFailures",
                "offlineClientSessions",
                "offlineSessions",
                "actionTokens"
            ]
        );
    }
}
