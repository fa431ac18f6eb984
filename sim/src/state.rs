//! The replicated state of the two sites: caches with their entries, and per cache and backup site the admin
//! online/offline flag, the push-state status, the take-offline settings and the state-transfer mode.
//!
//! All of it lives in one [`World`] behind one mutex, because cross-site operations touch both sites at once
//! (a write replicates, a push copies) and a single lock keeps them atomic without lock-ordering rules.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use crate::BackupFailurePolicy;
use crate::harness::{
    BACKUP_STRATEGY, BACKUP_TIMEOUT, CACHE_ENCODING, CACHE_MODE, CACHE_OWNERS,
    CACHE_REMOTE_TIMEOUT, KEYCLOAK_CACHES, MERGE_POLICY, MERGE_POLICY_CACHES, NO_BACKUPS_CACHE,
    SITE_A, SITE_B, STATE_TRANSFER_CHUNK_SIZE,
};
use crate::model::{INTERNAL_CACHES, node_name};

/// The push-state (cross-site state transfer) status of one cache towards one backup site.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PushStatus {
    /// No push has run since the status was last cleared.
    Idle,
    /// A push is running.
    Sending,
    /// The last push finished and every entry was delivered.
    Ok,
    /// The last push failed, e.g. because the other site was unreachable.
    Error,
    /// The last push was cancelled.
    Canceled,
}

impl PushStatus {
    /// The text the server reports (`StateTransferStatus.toText`).
    pub fn as_str(self) -> &'static str {
        match self {
            PushStatus::Idle => "IDLE",
            PushStatus::Sending => "SENDING",
            PushStatus::Ok => "OK",
            PushStatus::Error => "ERROR",
            PushStatus::Canceled => "CANCELED",
        }
    }
}

/// The cross-site state-transfer mode of a backup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    Manual,
    Auto,
}

impl Mode {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Mode::Manual => "MANUAL",
            Mode::Auto => "AUTO",
        }
    }
}

/// One cache's backup to one remote site.
#[derive(Debug)]
pub(crate) struct Backup {
    /// The remote site.
    pub(crate) site: String,
    /// The admin status the site's nodes were last given (every live node takes a take-offline or
    /// a bring-online): offline backups receive no writes.
    pub(crate) offline: bool,
    /// The nodes that came back online after a restart while the backup was `offline`: a 14.0
    /// node starts from the configuration, not from the cluster's state (DIFFERENCES.md F). The
    /// next admin change applies to them too.
    pub(crate) reopened: Vec<usize>,
    pub(crate) push: PushStatus,
    /// Identifies the running push, so that a late completion of a cancelled or restarted push is ignored.
    pub(crate) push_token: u64,
    /// The receiving site cancelled the running push (cancel-receive-state): its remaining chunks
    /// are dropped, yet the sender is not told and still ends in `OK`, as real servers do.
    receiver_cancelled: bool,
    pub(crate) after_failures: i64,
    pub(crate) min_wait: i64,
    pub(crate) mode: Mode,
    /// SYNC strategy (all simulated backups are SYNC, like Keycloak's).
    pub(crate) sync: bool,
    /// Fault switch: `take-offline` answers ok but leaves the backup online.
    pub(crate) stick_online: bool,
    /// `timeout` of the backup's configuration, as the server writes it.
    pub(crate) timeout: String,
    /// `failure-policy`, when the configuration sets one.
    pub(crate) failure_policy: Option<String>,
    /// `state-transfer chunk-size` to the backup site.
    pub(crate) chunk_size: String,
    failures: i64,
    first_failure: Option<Instant>,
}

impl Backup {
    /// A backup to `site` as the harness configures it.
    pub(crate) fn new(site: &str) -> Backup {
        Backup {
            site: site.to_string(),
            offline: false,
            reopened: Vec::new(),
            push: PushStatus::Idle,
            push_token: 0,
            receiver_cancelled: false,
            after_failures: 0,
            min_wait: 0,
            mode: Mode::Manual,
            sync: BACKUP_STRATEGY == "SYNC",
            stick_online: false,
            timeout: BACKUP_TIMEOUT.to_string(),
            failure_policy: None,
            chunk_size: STATE_TRANSFER_CHUNK_SIZE.to_string(),
            failures: 0,
            first_failure: None,
        }
    }

    /// `OfflineStatus.reset()`: forget failures (bringing a site online always does). Every
    /// admin change reaches every live node, so no node differs afterwards.
    fn reset(&mut self) {
        self.failures = 0;
        self.first_failure = None;
        self.reopened.clear();
    }

    /// Whether node `node` replicates to the site.
    pub(crate) fn node_online(&self, node: usize) -> bool {
        !self.offline || self.reopened.contains(&node)
    }

    /// Whether some node of the site replicates (a write or a clear it handles reaches the site).
    pub(crate) fn replicates(&self) -> bool {
        !self.offline || !self.reopened.is_empty()
    }

    /// The status of node `node`, as `GET …/x-site/backups/{site}` writes it.
    pub(crate) fn node_status_str(&self, node: usize) -> &'static str {
        if self.node_online(node) {
            "online"
        } else {
            "offline"
        }
    }
}

/// A cache's status toward one site over the live nodes: every node online, every node offline, or
/// mixed (the nodes online, the nodes offline).
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum CacheStatus {
    Online,
    Offline,
    Mixed(Vec<usize>, Vec<usize>),
}

/// A cache's configuration apart from its backups, as `?action=config` writes it: every value a
/// string, `None` for an attribute the configuration leaves out.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) mode: Option<String>,
    pub(crate) owners: Option<String>,
    pub(crate) remote_timeout: Option<String>,
    pub(crate) statistics: bool,
    pub(crate) encoding: Option<String>,
    pub(crate) chunk_size: Option<String>,
    pub(crate) merge_policy: Option<String>,
}

impl Settings {
    /// The harness's settings for `cache` (scripts/harness.env).
    pub(crate) fn harness(cache: &str) -> Settings {
        Settings {
            mode: Some(CACHE_MODE.to_string()),
            owners: Some(CACHE_OWNERS.to_string()),
            remote_timeout: Some(CACHE_REMOTE_TIMEOUT.to_string()),
            statistics: true,
            encoding: Some(CACHE_ENCODING.to_string()),
            chunk_size: Some(STATE_TRANSFER_CHUNK_SIZE.to_string()),
            merge_policy: MERGE_POLICY_CACHES
                .contains(&cache)
                .then(|| MERGE_POLICY.to_string()),
        }
    }
}

/// A cache on one site.
#[derive(Debug)]
pub(crate) struct Cache {
    pub(crate) entries: HashMap<String, String>,
    pub(crate) backups: Vec<Backup>,
    pub(crate) settings: Settings,
}

impl Cache {
    /// A cache as the harness creates it, backing up to `backups`.
    pub(crate) fn harness(cache: &str, backups: &[&str]) -> Cache {
        Cache {
            entries: HashMap::new(),
            backups: backups.iter().map(|site| Backup::new(site)).collect(),
            settings: Settings::harness(cache),
        }
    }
}

impl Cache {
    pub(crate) fn backup(&self, site: &str) -> Option<&Backup> {
        self.backups.iter().find(|b| b.site == site)
    }

    pub(crate) fn backup_mut(&mut self, site: &str) -> Option<&mut Backup> {
        self.backups.iter_mut().find(|b| b.site == site)
    }
}

/// One site: a Data Grid cluster of one or more nodes (`<site>-0` … ), served on one address.
#[derive(Debug)]
pub(crate) struct Site {
    pub(crate) name: &'static str,
    /// The whole site is down: unreachable over HTTP and over the cross-site link.
    pub(crate) down: bool,
    /// Which nodes run (node 0 first); a stopped node is left out of the per-node statuses.
    pub(crate) node_up: Vec<bool>,
    /// The coordinator, also the site master: node 0 until it stops, then the oldest running
    /// node (a restarted node joins as the youngest).
    pub(crate) coordinator: usize,
    /// The running nodes from the oldest member to the youngest.
    joined: Vec<usize>,
    pub(crate) caches: BTreeMap<String, Cache>,
}

impl Site {
    /// The running nodes, in order.
    pub(crate) fn live_nodes(&self) -> Vec<usize> {
        (0..self.node_up.len())
            .filter(|n| self.node_up[*n])
            .collect()
    }

    /// The nodes as the site's address shows them: node 0 answers (while it runs; a stopped node
    /// 0's address would refuse connections on a real grid, the simulator's answers as the
    /// coordinator).
    pub(crate) fn node_view(&self) -> crate::model::NodeView {
        crate::model::NodeView {
            answering: if self.node_up.first() == Some(&true) {
                0
            } else {
                self.coordinator
            },
            coordinator: self.coordinator,
            live: self.live_nodes(),
        }
    }

    /// A cache's backup status toward `backup` over the running nodes.
    pub(crate) fn cache_status(&self, backup: &Backup) -> CacheStatus {
        let (online, offline): (Vec<usize>, Vec<usize>) = self
            .live_nodes()
            .into_iter()
            .partition(|n| backup.node_online(*n));
        match (online.is_empty(), offline.is_empty()) {
            (_, true) => CacheStatus::Online,
            (true, false) => CacheStatus::Offline,
            (false, false) => CacheStatus::Mixed(online, offline),
        }
    }
}

/// A cache write, replicated to online backups.
#[derive(Debug)]
pub(crate) enum Write<'a> {
    Put(&'a str, &'a str),
    Remove(&'a str),
    Clear,
}

/// Both sites and the link between them.
#[derive(Debug)]
pub(crate) struct World {
    pub(crate) link_up: bool,
    pub(crate) sites: Vec<Site>,
    failure_policy: BackupFailurePolicy,
    /// Whether a restarted node takes the cluster's offline statuses (15.0.11+, a global state) or
    /// starts from the configuration, every backup online (14.0).
    restart_keeps_offline: bool,
    next_token: u64,
}

impl World {
    /// The harness's layout on both sites: the Keycloak caches backing up to the other site, `no-backups`, and the
    /// server's internal caches (which have no backups either).
    #[cfg(test)]
    pub(crate) fn new(failure_policy: BackupFailurePolicy) -> World {
        World::with_nodes(failure_policy, 1, true)
    }

    /// [`World::new`] with `nodes` nodes per site; `restart_keeps_offline` as the generation does.
    pub(crate) fn with_nodes(
        failure_policy: BackupFailurePolicy,
        nodes: usize,
        restart_keeps_offline: bool,
    ) -> World {
        let nodes = nodes.max(1);
        let site = |name: &'static str, other: &str| {
            let mut caches = BTreeMap::new();
            for c in KEYCLOAK_CACHES {
                caches.insert(c.to_string(), Cache::harness(c, &[other]));
            }
            caches.insert(
                NO_BACKUPS_CACHE.to_string(),
                Cache::harness(NO_BACKUPS_CACHE, &[]),
            );
            for c in INTERNAL_CACHES {
                caches.insert(c.to_string(), Cache::harness(c, &[]));
            }
            Site {
                name,
                down: false,
                node_up: vec![true; nodes],
                coordinator: 0,
                joined: (0..nodes).collect(),
                caches,
            }
        };
        World {
            link_up: true,
            sites: vec![site(SITE_A, SITE_B), site(SITE_B, SITE_A)],
            failure_policy,
            restart_keeps_offline,
            next_token: 0,
        }
    }

    /// Stops node `node` of a site: it leaves the per-node statuses. Returns false for no such node.
    pub(crate) fn stop_node(&mut self, idx: usize, node: usize) -> bool {
        let site = &mut self.sites[idx];
        if node >= site.node_up.len() {
            return false;
        }
        site.node_up[node] = false;
        site.joined.retain(|n| *n != node);
        if site.coordinator == node
            && let Some(oldest) = site.joined.first()
        {
            site.coordinator = *oldest;
        }
        for b in site.caches.values_mut().flat_map(|c| c.backups.iter_mut()) {
            b.reopened.retain(|n| *n != node);
        }
        true
    }

    /// Starts node `node` of a site again: on 14.0 it comes back with every backup online, which
    /// makes a backup the others hold offline mixed; on 15.x it takes the cluster's statuses.
    pub(crate) fn start_node(&mut self, idx: usize, node: usize) -> bool {
        let keeps = self.restart_keeps_offline;
        let site = &mut self.sites[idx];
        if node >= site.node_up.len() {
            return false;
        }
        if site.node_up[node] {
            return true;
        }
        site.node_up[node] = true;
        site.joined.push(node);
        if site.joined.len() == 1 {
            site.coordinator = node;
        }
        if !keeps {
            for b in site.caches.values_mut().flat_map(|c| c.backups.iter_mut()) {
                if b.offline && !b.reopened.contains(&node) {
                    b.reopened.push(node);
                }
            }
        }
        true
    }

    /// The index of a site by name.
    pub(crate) fn index(&self, name: &str) -> Option<usize> {
        self.sites.iter().position(|s| s.name == name)
    }

    /// Whether `from` can reach site `to` over RELAY2: the link is up and both sites are running.
    pub(crate) fn reachable(&self, from: usize, to: &str) -> bool {
        let Some(to) = self.index(to) else {
            return false;
        };
        self.link_up && !self.sites[from].down && !self.sites[to].down
    }

    /// The RELAY2 view of a site, sorted like the server's `TreeSet`.
    pub(crate) fn sites_view(&self, idx: usize) -> Vec<String> {
        let mut view: Vec<String> = self
            .sites
            .iter()
            .filter(|s| s.name == self.sites[idx].name || self.reachable(idx, s.name))
            .map(|s| s.name.to_string())
            .collect();
        view.sort();
        view
    }

    pub(crate) fn cache(&self, idx: usize, cache: &str) -> Option<&Cache> {
        self.sites[idx].caches.get(cache)
    }

    pub(crate) fn cache_mut(&mut self, idx: usize, cache: &str) -> Option<&mut Cache> {
        self.sites[idx].caches.get_mut(cache)
    }

    pub(crate) fn backup_mut(
        &mut self,
        idx: usize,
        cache: &str,
        site: &str,
    ) -> Option<&mut Backup> {
        self.cache_mut(idx, cache)?.backup_mut(site)
    }

    /// Applies a write on a site's cache and replicates it to every online backup whose site is reachable.
    /// Offline backups are skipped (that is what makes the runbook's "take offline, then clear" safe).
    ///
    /// An online backup whose site is unreachable counts as a failure for auto take-offline. With failure policy
    /// FAIL the write then answers an error, after having been applied locally: the caches are non-transactional,
    /// and Infinispan backs up after the local write. With WARN it succeeds.
    ///
    /// Returns the server's error message on failure. The caller has checked that the cache exists.
    pub(crate) fn write(&mut self, idx: usize, cache: &str, op: &Write<'_>) -> Result<(), String> {
        let now = Instant::now();
        let targets: Vec<String> = match self.cache(idx, cache) {
            Some(c) => c
                .backups
                .iter()
                .filter(|b| b.replicates())
                .map(|b| b.site.clone())
                .collect(),
            None => return Ok(()),
        };
        let (reachable, failed): (Vec<String>, Vec<String>) =
            targets.into_iter().partition(|t| self.reachable(idx, t));
        if let Some(c) = self.cache_mut(idx, cache) {
            apply(&mut c.entries, op);
        }
        for t in &reachable {
            if let Some(remote) = self.index(t).and_then(|r| self.cache_mut(r, cache)) {
                apply(&mut remote.entries, op);
            }
            if let Some(b) = self.backup_mut(idx, cache, t) {
                b.reset();
            }
        }
        for site in &failed {
            self.record_failure(idx, cache, site, now);
        }
        if failed.is_empty() || self.failure_policy == BackupFailurePolicy::Warn {
            return Ok(());
        }
        let details: Vec<String> = failed
            .iter()
            .map(|s| {
                format!(
                    "{s}: org.infinispan.remoting.transport.jgroups.SuspectException: ISPN000400: Node {} was suspected",
                    node_name(s)
                )
            })
            .collect();
        Err(format!(
            "The local cache {cache} failed to backup data to the remote sites:\n{}",
            details.join("\n")
        ))
    }

    /// `OfflineStatus.updateOnCommunicationFailure`: count a failure and take the site offline once the
    /// take-offline thresholds are met. Disabled while both settings are 0 (the default).
    fn record_failure(&mut self, idx: usize, cache: &str, site: &str, now: Instant) {
        let Some(b) = self.backup_mut(idx, cache, site) else {
            return;
        };
        if b.after_failures <= 0 && b.min_wait <= 0 {
            return;
        }
        b.failures += 1;
        let first = *b.first_failure.get_or_insert(now);
        let offline = if b.min_wait > 0 {
            let waited = now.duration_since(first).as_millis() as i64 >= b.min_wait;
            waited && (b.after_failures <= 0 || b.failures >= b.after_failures)
        } else {
            b.failures >= b.after_failures
        };
        if offline {
            b.offline = true;
            b.reset();
        }
    }

    /// Admin take-offline; a no-op when the stick-online fault is set for this backup.
    pub(crate) fn take_offline(&mut self, idx: usize, cache: &str, site: &str) {
        if let Some(b) = self.backup_mut(idx, cache, site)
            && !b.stick_online
        {
            b.offline = true;
            b.reset();
        }
    }

    /// Admin bring-online.
    pub(crate) fn bring_online(&mut self, idx: usize, cache: &str, site: &str) {
        if let Some(b) = self.backup_mut(idx, cache, site) {
            b.offline = false;
            b.reset();
        }
    }

    /// Starts a push: brings the backup online, then marks it SENDING. Returns the token the completion must
    /// present, or `None` when a push is already running (the server does not restart it).
    pub(crate) fn start_push(&mut self, idx: usize, cache: &str, site: &str) -> Option<u64> {
        self.next_token += 1;
        let token = self.next_token;
        let b = self.backup_mut(idx, cache, site)?;
        b.offline = false;
        b.reset();
        if b.push == PushStatus::Sending {
            return None;
        }
        b.push = PushStatus::Sending;
        b.push_token = token;
        b.receiver_cancelled = false;
        Some(token)
    }

    /// Whether `token` is the push still running from this cache to `site`.
    fn pushing(&mut self, idx: usize, cache: &str, site: &str, token: u64) -> bool {
        self.backup_mut(idx, cache, site)
            .is_some_and(|b| b.push == PushStatus::Sending && b.push_token == token)
    }

    /// The entries a running push sends, as they are when it begins; `None` when the push was
    /// cancelled or superseded meanwhile.
    pub(crate) fn push_snapshot(
        &mut self,
        idx: usize,
        cache: &str,
        site: &str,
        token: u64,
    ) -> Option<Vec<(String, String)>> {
        if !self.pushing(idx, cache, site, token) {
            return None;
        }
        let mut entries: Vec<(String, String)> = self
            .cache(idx, cache)
            .map(|c| {
                c.entries
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            })
            .unwrap_or_default();
        // A stable order, so that a cancelled push leaves a reproducible part behind.
        entries.sort();
        Some(entries)
    }

    /// Delivers one chunk of a running push to the remote cache (never deleting there). Returns
    /// whether the push goes on: not when it was cancelled or superseded, nor when the remote site
    /// is unreachable (the push then ends in ERROR).
    pub(crate) fn push_chunk(
        &mut self,
        idx: usize,
        cache: &str,
        site: &str,
        token: u64,
        chunk: &[(String, String)],
    ) -> bool {
        if !self.pushing(idx, cache, site, token) {
            return false;
        }
        if !self.reachable(idx, site) {
            if let Some(b) = self.backup_mut(idx, cache, site) {
                b.push = PushStatus::Error;
            }
            return false;
        }
        if self
            .backup_mut(idx, cache, site)
            .is_some_and(|b| b.receiver_cancelled)
        {
            return true;
        }
        if let Some(remote) = self.index(site).and_then(|r| self.cache_mut(r, cache)) {
            remote.entries.extend(chunk.iter().cloned());
        }
        true
    }

    /// The receiving side ends the transfer `sender` is pushing into this cache
    /// (cancel-receive-state): nothing more is applied here. Succeeds when nothing is being received.
    pub(crate) fn cancel_receive(&mut self, idx: usize, cache: &str, sender: &str) {
        let receiver = self.sites[idx].name;
        if let Some(b) = self
            .index(sender)
            .and_then(|s| self.backup_mut(s, cache, receiver))
            && b.push == PushStatus::Sending
        {
            b.receiver_cancelled = true;
        }
    }

    /// Completes a push whose chunks were all delivered: OK, or ERROR when the remote site is
    /// unreachable at that moment. Ignored if the push was cancelled or superseded.
    pub(crate) fn finish_push(&mut self, idx: usize, cache: &str, site: &str, token: u64) {
        if !self.pushing(idx, cache, site, token) {
            return;
        }
        let reachable = self.reachable(idx, site);
        if let Some(b) = self.backup_mut(idx, cache, site) {
            b.push = if reachable {
                PushStatus::Ok
            } else {
                PushStatus::Error
            };
        }
    }

    /// Cancels a running push (`CANCELED`); without one the status is left as it is.
    pub(crate) fn cancel_push(&mut self, idx: usize, cache: &str, site: &str) {
        if let Some(b) = self.backup_mut(idx, cache, site)
            && b.push == PushStatus::Sending
        {
            b.push = PushStatus::Canceled;
        }
    }

    /// Resets every finished push status of a cache to IDLE; a running push keeps SENDING.
    pub(crate) fn clear_push_status(&mut self, idx: usize, cache: &str) {
        if let Some(c) = self.cache_mut(idx, cache) {
            for b in &mut c.backups {
                if b.push != PushStatus::Sending {
                    b.push = PushStatus::Idle;
                }
            }
        }
    }
}

fn apply(entries: &mut HashMap<String, String>, op: &Write<'_>) {
    match op {
        Write::Put(k, v) => {
            entries.insert((*k).to_string(), (*v).to_string());
        }
        Write::Remove(k) => {
            entries.remove(*k);
        }
        Write::Clear => entries.clear(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_replicate_only_while_online_and_reachable() {
        let mut w = World::new(BackupFailurePolicy::Fail);
        w.write(0, "work", &Write::Put("k", "v")).unwrap();
        assert_eq!(w.cache(1, "work").unwrap().entries["k"], "v");
        w.take_offline(0, "work", SITE_B);
        w.write(0, "work", &Write::Clear).unwrap();
        assert!(w.cache(0, "work").unwrap().entries.is_empty());
        assert_eq!(w.cache(1, "work").unwrap().entries.len(), 1);
        w.bring_online(0, "work", SITE_B);
        w.link_up = false;
        assert!(w.write(0, "work", &Write::Put("x", "y")).is_err());
        // Non-transactional: applied locally all the same, but not on the other site.
        assert!(w.cache(0, "work").unwrap().entries.contains_key("x"));
        assert!(!w.cache(1, "work").unwrap().entries.contains_key("x"));
        // A cache without backups never fails.
        w.write(0, NO_BACKUPS_CACHE, &Write::Put("x", "y")).unwrap();
    }

    #[test]
    fn a_restarted_node_reopens_replication_on_14_only() {
        for keeps in [false, true] {
            let mut w = World::with_nodes(BackupFailurePolicy::Fail, 2, keeps);
            w.take_offline(1, "work", SITE_A);
            assert!(w.stop_node(1, 1));
            let b = w.cache(1, "work").unwrap().backup(SITE_A).unwrap();
            assert_eq!(w.sites[1].cache_status(b), CacheStatus::Offline);
            assert!(w.start_node(1, 1));
            assert!(!w.start_node(1, 2), "no node 2");
            let b = w.cache(1, "work").unwrap().backup(SITE_A).unwrap();
            let status = w.sites[1].cache_status(b);
            w.write(0, "work", &Write::Put("good", "1")).unwrap();
            // A clear on the stale site: it reaches the good site only through a reopened node.
            w.write(1, "work", &Write::Clear).unwrap();
            let good_kept = w.cache(0, "work").unwrap().entries.contains_key("good");
            if keeps {
                assert_eq!(status, CacheStatus::Offline);
                assert!(good_kept);
            } else {
                assert_eq!(status, CacheStatus::Mixed(vec![1], vec![0]));
                assert!(!good_kept, "14.0: the restarted node replicates the clear");
            }
            // The next admin change reaches every node.
            w.take_offline(1, "work", SITE_A);
            let b = w.cache(1, "work").unwrap().backup(SITE_A).unwrap();
            assert_eq!(w.sites[1].cache_status(b), CacheStatus::Offline);
        }
    }

    #[test]
    fn auto_take_offline_after_failures() {
        let mut w = World::new(BackupFailurePolicy::Fail);
        w.backup_mut(0, "work", SITE_B).unwrap().after_failures = 2;
        w.link_up = false;
        assert!(w.write(0, "work", &Write::Put("a", "1")).is_err());
        assert!(!w.backup_mut(0, "work", SITE_B).unwrap().offline);
        assert!(w.write(0, "work", &Write::Put("a", "1")).is_err());
        assert!(w.backup_mut(0, "work", SITE_B).unwrap().offline);
        w.write(0, "work", &Write::Put("a", "1")).unwrap();
    }

    #[test]
    fn push_copies_without_deleting() {
        let mut w = World::new(BackupFailurePolicy::Fail);
        w.cache_mut(0, "work")
            .unwrap()
            .entries
            .insert("a".into(), "1".into());
        w.cache_mut(1, "work")
            .unwrap()
            .entries
            .insert("b".into(), "2".into());
        w.take_offline(0, "work", SITE_B);
        let t = w.start_push(0, "work", SITE_B).unwrap();
        assert!(!w.backup_mut(0, "work", SITE_B).unwrap().offline);
        assert!(w.start_push(0, "work", SITE_B).is_none());
        let entries = w.push_snapshot(0, "work", SITE_B, t).unwrap();
        assert!(w.push_chunk(0, "work", SITE_B, t, &entries));
        w.finish_push(0, "work", SITE_B, t);
        assert_eq!(
            w.backup_mut(0, "work", SITE_B).unwrap().push,
            PushStatus::Ok
        );
        assert_eq!(w.cache(1, "work").unwrap().entries.len(), 2);
        w.clear_push_status(0, "work");
        assert_eq!(
            w.backup_mut(0, "work", SITE_B).unwrap().push,
            PushStatus::Idle
        );
        let t = w.start_push(0, "work", SITE_B).unwrap();
        let entries = w.push_snapshot(0, "work", SITE_B, t).unwrap();
        w.cancel_push(0, "work", SITE_B);
        assert!(!w.push_chunk(0, "work", SITE_B, t, &entries));
        w.finish_push(0, "work", SITE_B, t);
        assert_eq!(
            w.backup_mut(0, "work", SITE_B).unwrap().push,
            PushStatus::Canceled
        );
        assert!(w.push_snapshot(0, "work", SITE_B, t).is_none());
        // Cancelled by the receiver: nothing more arrives, and the sender still reports OK.
        w.cache_mut(0, "work")
            .unwrap()
            .entries
            .insert("c".into(), "3".into());
        w.clear_push_status(0, "work");
        let t = w.start_push(0, "work", SITE_B).unwrap();
        let entries = w.push_snapshot(0, "work", SITE_B, t).unwrap();
        w.cancel_receive(1, "work", SITE_A);
        assert!(w.push_chunk(0, "work", SITE_B, t, &entries));
        w.finish_push(0, "work", SITE_B, t);
        assert_eq!(
            w.backup_mut(0, "work", SITE_B).unwrap().push,
            PushStatus::Ok
        );
        assert!(!w.cache(1, "work").unwrap().entries.contains_key("c"));
    }
}
