//! One look at every site at once: what `xsite watch` draws and `xsite watch --once` prints.
//!
//! A [`Snapshot`] holds, per site, whether it answered (and why not), its version, local site
//! name, sites view and relay nodes, and per cache of the set, per backup site, the backup status
//! (with the nodes where they disagree) and the push status. [`Snapshot::changes`] tells what
//! differs from an earlier one, in words, for the view's event list.
//!
//! ```no_run
//! # async fn demo(sites: xsite::runbook::Sites) {
//! use std::time::Duration;
//! use xsite::CacheSet;
//!
//! let before = xsite::watch::snapshot(&sites, &CacheSet::keycloak_26(), Duration::from_secs(2)).await;
//! let now = xsite::watch::snapshot(&sites, &CacheSet::keycloak_26(), Duration::from_secs(2)).await;
//! for change in now.changes(&before) {
//!     println!("{change}");
//! }
//! println!("{}", now.to_json());
//! # }
//! ```

use std::time::{Duration, Instant};

use futures::future::join_all;
use serde_json::{Map, Value, json};

use crate::cache_set::CacheSet;
use crate::model::SiteStatus;
use crate::runbook::Sites;
use crate::runbook::status::{is_unreachable, unreachable_cause};

/// Every site at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// The sites, in the order they were configured.
    pub sites: Vec<SiteSnapshot>,
}

/// One site at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteSnapshot {
    /// The site's name, as configured.
    pub site: String,
    /// Why the site could not be read (no connection, TLS, rejected credentials, no answer in
    /// time); `None` when it answered.
    pub unreachable: Option<String>,
    /// The server's version, as it reports it.
    pub version: Option<String>,
    /// The local site name the server reports.
    pub local_site: Option<String>,
    /// Whether the node that answered is a relay node (a site master). Only a relay node sees
    /// the other sites: another node of a multi-node site answers an empty sites view although
    /// the link may be up (docs/real-server/DIFFERENCES.md F).
    pub relay_node: bool,
    /// The sites the server sees through the relay (empty on a node that is not a relay node).
    pub site_view: Vec<String>,
    /// The relay nodes' addresses.
    pub relay_nodes: Vec<String>,
    /// Each cache of the set, in the set's order.
    pub caches: Vec<CacheSnapshot>,
}

/// One cache on one site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheSnapshot {
    /// The cache.
    pub cache: String,
    /// Its backups, per backup site, or why they could not be read.
    pub backups: Result<Vec<BackupState>, String>,
    /// Its push status per backup site (`IDLE`, `SENDING`, `OK`, …), or why it could not be read.
    pub push: Result<Vec<(String, String)>, String>,
}

/// A cache's backup to one site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupState {
    /// The backup site.
    pub site: String,
    /// `online`, `offline`, `mixed`, or another word the server used.
    pub status: String,
    /// Where the nodes disagree (`mixed`): each node with its own status; empty otherwise.
    pub nodes: Vec<(String, String)>,
}

/// Reads every site of `sites` for the caches of `caches`, all sites and caches at once, each
/// site within `timeout` (a site that answers nothing in time is reported unreachable, so that
/// one hung site does not hold the others).
pub async fn snapshot(sites: &Sites, caches: &CacheSet, timeout: Duration) -> Snapshot {
    let reads = sites
        .names()
        .into_iter()
        .map(|name| read_site(sites, name, caches, timeout));
    Snapshot {
        sites: join_all(reads).await,
    }
}

async fn read_site(
    sites: &Sites,
    name: &str,
    caches: &CacheSet,
    timeout: Duration,
) -> SiteSnapshot {
    let mut snapshot = SiteSnapshot {
        site: name.to_owned(),
        unreachable: None,
        version: None,
        local_site: None,
        relay_node: false,
        site_view: Vec::new(),
        relay_nodes: Vec::new(),
        caches: Vec::new(),
    };
    let Some(site) = sites.get(name) else {
        snapshot.unreachable = Some("not configured".to_owned());
        return snapshot;
    };
    let client = match Instant::now().checked_add(timeout) {
        Some(deadline) => site.client.with_deadline(deadline),
        None => site.client.clone(),
    };
    let info = match client.container().info().await {
        Ok(info) => info,
        Err(e) => {
            snapshot.unreachable = Some(if is_unreachable(&e) || e.is_timeout() {
                unreachable_cause(&e)
            } else {
                crate::runbook::cause_chain(&e)
            });
            return snapshot;
        }
    };
    snapshot.version = info.version().map(str::to_owned);
    snapshot.local_site = info.local_site().map(str::to_owned);
    snapshot.relay_node = info.is_relay_node();
    snapshot.site_view = info.sites_view();
    snapshot.relay_nodes = info.relay_nodes();
    let backups = caches
        .fan_out(
            &client,
            |cache| async move { cache.xsite().backups().await },
        )
        .await;
    let pushes = caches
        .fan_out(&client, |cache| async move {
            cache.xsite().push_state_status().await
        })
        .await;
    for cache in caches.names() {
        let backups = match backups.get(cache) {
            Some(Ok(statuses)) => Ok(statuses
                .iter()
                .map(|(site, status)| backup_state(site, status))
                .collect()),
            Some(Err(e)) => Err(e.to_string()),
            None => Err("not read".to_owned()),
        };
        let push = match pushes.get(cache) {
            Some(Ok(statuses)) => Ok(statuses
                .iter()
                .map(|(site, status)| (site.clone(), status.as_str().to_owned()))
                .collect()),
            Some(Err(e)) => Err(e.to_string()),
            None => Err("not read".to_owned()),
        };
        snapshot.caches.push(CacheSnapshot {
            cache: cache.clone(),
            backups,
            push,
        });
    }
    snapshot
}

fn backup_state(site: &str, status: &SiteStatus) -> BackupState {
    let nodes = match status {
        SiteStatus::Mixed(mixed) => mixed
            .online
            .iter()
            .map(|node| (node.clone(), "online".to_owned()))
            .chain(
                mixed
                    .offline
                    .iter()
                    .map(|node| (node.clone(), "offline".to_owned())),
            )
            .collect(),
        _ => Vec::new(),
    };
    BackupState {
        site: site.to_owned(),
        status: status.as_str().to_owned(),
        nodes,
    }
}

impl Snapshot {
    /// Whether every site answered.
    pub fn all_reachable(&self) -> bool {
        self.sites.iter().all(|s| s.unreachable.is_none())
    }

    /// The snapshot as the JSON document of `xsite watch --once --output json`:
    /// `{"sites": {SITE: {"reachable", "unreachable", "version", "local_site", "relay_node",
    /// "site_view", "relay_nodes", "caches": {CACHE: {"backups": {SITE: {"status", "nodes": {NODE: STATUS}}},
    /// "push": {SITE: STATUS}}}}}}`; a part that could not be read is `{"error": "…"}`.
    pub fn to_json(&self) -> Value {
        let mut sites = Map::new();
        for site in &self.sites {
            let mut caches = Map::new();
            for cache in &site.caches {
                let backups = match &cache.backups {
                    Ok(list) => Value::Object(
                        list.iter()
                            .map(|b| {
                                let nodes: Map<String, Value> = b
                                    .nodes
                                    .iter()
                                    .map(|(node, status)| (node.clone(), json!(status)))
                                    .collect();
                                (b.site.clone(), json!({"status": b.status, "nodes": nodes}))
                            })
                            .collect(),
                    ),
                    Err(e) => json!({"error": e}),
                };
                let push = match &cache.push {
                    Ok(list) => Value::Object(
                        list.iter()
                            .map(|(site, status)| (site.clone(), json!(status)))
                            .collect(),
                    ),
                    Err(e) => json!({"error": e}),
                };
                caches.insert(
                    cache.cache.clone(),
                    json!({"backups": backups, "push": push}),
                );
            }
            sites.insert(
                site.site.clone(),
                json!({
                    "reachable": site.unreachable.is_none(),
                    "unreachable": site.unreachable,
                    "version": site.version,
                    "local_site": site.local_site,
                    "relay_node": site.relay_node,
                    "site_view": site.site_view,
                    "relay_nodes": site.relay_nodes,
                    "caches": caches,
                }),
            );
        }
        json!({ "sites": sites })
    }

    /// What differs from `before`, one line per change: a site that stopped or started
    /// answering, a sites view that changed, a backup status that flipped, a push that started,
    /// ended or failed.
    pub fn changes(&self, before: &Snapshot) -> Vec<String> {
        let mut changes = Vec::new();
        for site in &self.sites {
            let Some(old) = before.sites.iter().find(|s| s.site == site.site) else {
                continue;
            };
            match (&old.unreachable, &site.unreachable) {
                (None, Some(why)) => changes.push(format!("{}: unreachable: {why}", site.site)),
                (Some(_), None) => changes.push(format!("{}: answers again", site.site)),
                _ => {}
            }
            if site.unreachable.is_some() || old.unreachable.is_some() {
                continue;
            }
            if site.site_view != old.site_view {
                changes.push(format!(
                    "{}: sites view [{}] -> [{}]",
                    site.site,
                    old.site_view.join(", "),
                    site.site_view.join(", ")
                ));
            }
            for cache in &site.caches {
                let Some(was) = old.caches.iter().find(|c| c.cache == cache.cache) else {
                    continue;
                };
                if let (Ok(now), Ok(then)) = (&cache.backups, &was.backups) {
                    for backup in now {
                        let previous = then.iter().find(|b| b.site == backup.site);
                        if let Some(previous) = previous
                            && previous.status != backup.status
                        {
                            changes.push(format!(
                                "{} {}: backup to {} {} -> {}",
                                site.site, cache.cache, backup.site, previous.status, backup.status
                            ));
                        }
                    }
                }
                if let (Ok(now), Ok(then)) = (&cache.push, &was.push) {
                    for (to, status) in now {
                        let previous = then.iter().find(|(s, _)| s == to).map(|(_, s)| s);
                        if let Some(previous) = previous
                            && previous != status
                        {
                            changes.push(format!(
                                "{} {}: push to {to} {previous} -> {status}",
                                site.site, cache.cache
                            ));
                        }
                    }
                }
            }
        }
        changes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(name: &str, backup: &str, push: &str) -> SiteSnapshot {
        SiteSnapshot {
            site: name.to_owned(),
            unreachable: None,
            version: Some("15.0.21.Final".to_owned()),
            local_site: Some(name.to_owned()),
            relay_node: true,
            site_view: vec!["site-a".to_owned(), "site-b".to_owned()],
            relay_nodes: vec![format!("{name}-0")],
            caches: vec![CacheSnapshot {
                cache: "work".to_owned(),
                backups: Ok(vec![BackupState {
                    site: "site-b".to_owned(),
                    status: backup.to_owned(),
                    nodes: if backup == "mixed" {
                        vec![
                            ("n1".to_owned(), "online".to_owned()),
                            ("n2".to_owned(), "offline".to_owned()),
                        ]
                    } else {
                        Vec::new()
                    },
                }]),
                push: Ok(vec![("site-b".to_owned(), push.to_owned())]),
            }],
        }
    }

    #[test]
    fn changes_name_what_flipped() {
        let before = Snapshot {
            sites: vec![site("site-a", "online", "IDLE")],
        };
        assert!(before.changes(&before).is_empty());
        let after = Snapshot {
            sites: vec![site("site-a", "mixed", "SENDING")],
        };
        assert_eq!(
            after.changes(&before),
            [
                "site-a work: backup to site-b online -> mixed",
                "site-a work: push to site-b IDLE -> SENDING"
            ]
        );
        let mut down = site("site-a", "online", "IDLE");
        down.unreachable = Some("no connection: refused".to_owned());
        let down = Snapshot { sites: vec![down] };
        assert_eq!(
            down.changes(&after),
            ["site-a: unreachable: no connection: refused"]
        );
        assert_eq!(before.changes(&down), ["site-a: answers again"]);
        assert!(!down.all_reachable() && before.all_reachable());
    }

    #[test]
    fn the_json_has_the_documented_shape() {
        let snapshot = Snapshot {
            sites: vec![site("site-a", "mixed", "OK")],
        };
        assert_eq!(
            snapshot.to_json(),
            json!({"sites": {"site-a": {
                "reachable": true, "unreachable": null, "version": "15.0.21.Final",
                "local_site": "site-a", "relay_node": true, "site_view": ["site-a", "site-b"], "relay_nodes": ["site-a-0"],
                "caches": {"work": {
                    "backups": {"site-b": {"status": "mixed", "nodes": {"n1": "online", "n2": "offline"}}},
                    "push": {"site-b": "OK"}}}}}})
        );
    }
}
