//! `xsite doctor`: both sites checked against the Keycloak blueprint of their cache set, before an
//! outage rather than during it.
//!
//! [`diagnose`] reads each site (version, local site name, sites view, relay nodes, cache list,
//! and per cache of the set its configuration, backup statuses, push status, take-offline
//! configuration and state-transfer mode) and returns a [`Report`]: [`Finding`]s, each with a
//! [`Severity`], a stable [`Check`] id, the site and cache it is about, what was found and the fix.
//! Reads only: the doctor changes nothing.
//!
//! The blueprints ([`Blueprint`]) are the cache settings of the Keycloak multi-site guides: the
//! Keycloak 24 guide for the eight caches of Keycloak 25 and earlier, the Keycloak 26 guide for its
//! four.
//!
//! ```no_run
//! # async fn demo(sites: xsite::runbook::Sites) {
//! use std::time::Duration;
//! use xsite::CacheSet;
//! use xsite::doctor::{Options, diagnose};
//!
//! let report = diagnose(&sites, &CacheSet::keycloak_26(), &Options::default()).await;
//! for finding in &report.findings {
//!     println!("{} {} {}", finding.severity.as_str(), finding.check.as_str(), finding.message);
//! }
//! assert_eq!(report.ok(), report.to_json()["ok"] == true);
//! # }
//! ```

use std::time::{Duration, Instant};

use futures::future::join_all;
use serde_json::{Value, json};

use crate::cache_set::CacheSet;
use crate::client::Client;
use crate::error::Error;
use crate::model::{PushStateStatus, ServerVersion, SiteStatus, StateTransferMode};
use crate::runbook::Sites;
use crate::runbook::status::unreachable_cause;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// An operation would fail or data could be lost.
    Error,
    /// A risk in the next outage or resync.
    Warning,
    /// Any other difference from the blueprint.
    Info,
}

impl Severity {
    /// `error`, `warning` or `info`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// What a finding is about. [`Check::as_str`] is the stable id (`--output json`'s `check`,
/// documented in docs/doctor.md); each id has one severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// The site does not answer (no connection, TLS, no answer in time).
    SiteUnreachable,
    /// The site rejects the credentials (401).
    SiteUnauthenticated,
    /// The user may not read or run cross-site operations (403).
    SiteForbidden,
    /// The site's local site name is not the name it is configured under.
    SiteName,
    /// The other site is not in the site's sites view (or it has no relay node).
    SiteView,
    /// The major.minor versions of the sites differ.
    VersionSkew,
    /// A cache of the set is missing on a site.
    CacheMissing,
    /// A cache has no backup to the other site.
    BackupMissing,
    /// A cache backs up to a site that does not exist.
    BackupUnknownSite,
    /// A backup is offline (or offline on some nodes).
    BackupOffline,
    /// The backup strategy is not the blueprint's (ASYNC where SYNC is prescribed).
    BackupStrategy,
    /// A push (state transfer) is running, or stuck.
    PushSending,
    /// The last push failed.
    PushError,
    /// A finished push's status (OK, CANCELED) was left: it will mislead the next resync.
    PushLeft,
    /// The patch versions of the sites differ.
    VersionPatchSkew,
    /// Credentials are sent over plain http.
    PlainHttp,
    /// The connection trusts any certificate.
    TrustAll,
    /// Under failure policy FAIL, no take-offline policy ever takes a failing site offline.
    TakeOfflineNever,
    /// Something could not be read (a cache configuration, a status).
    Unreadable,
    /// The server version is not one the blueprint's Keycloak names.
    VersionSupport,
    /// Under FAIL without a take-offline policy, as the blueprint prescribes: fencing is the
    /// operator's (or the guide's alert's) job.
    TakeOfflineExternal,
    /// The cache mode (SYNC/ASYNC, distributed) is not the blueprint's.
    CacheMode,
    /// The number of owners is not the blueprint's.
    Owners,
    /// The remote timeout is not the blueprint's.
    RemoteTimeout,
    /// The backup timeout is not the blueprint's.
    BackupTimeout,
    /// The backup failure policy is not the blueprint's.
    FailurePolicy,
    /// A state-transfer chunk size (in the site or to the backup) is not the blueprint's.
    ChunkSize,
    /// The cross-site merge policy is not the blueprint's.
    MergePolicy,
    /// The encoding is not the blueprint's.
    Encoding,
    /// The transaction mode or locking is not the blueprint's.
    Transaction,
    /// The lock acquisition timeout is not the blueprint's.
    Locking,
    /// The state-transfer mode is AUTO (the blueprint pushes by hand).
    StateTransferMode,
    /// The two sites configure one cache differently (mode, owners, encoding, transaction,
    /// locking).
    SitesDiffer,
    /// The user has more permissions than xsite needs (where the server lists them).
    UserRights,
}

impl Check {
    /// Every check, in the order of the table in docs/doctor.md.
    pub const ALL: [Check; 34] = [
        Check::SiteUnreachable,
        Check::SiteUnauthenticated,
        Check::SiteForbidden,
        Check::SiteName,
        Check::SiteView,
        Check::VersionSkew,
        Check::CacheMissing,
        Check::BackupMissing,
        Check::BackupUnknownSite,
        Check::BackupOffline,
        Check::BackupStrategy,
        Check::PushSending,
        Check::PushError,
        Check::PushLeft,
        Check::VersionPatchSkew,
        Check::PlainHttp,
        Check::TrustAll,
        Check::TakeOfflineNever,
        Check::Unreadable,
        Check::VersionSupport,
        Check::TakeOfflineExternal,
        Check::CacheMode,
        Check::Owners,
        Check::RemoteTimeout,
        Check::BackupTimeout,
        Check::FailurePolicy,
        Check::ChunkSize,
        Check::MergePolicy,
        Check::Encoding,
        Check::Transaction,
        Check::Locking,
        Check::StateTransferMode,
        Check::SitesDiffer,
        Check::UserRights,
    ];

    /// The stable id.
    pub fn as_str(self) -> &'static str {
        match self {
            Check::SiteUnreachable => "site-unreachable",
            Check::SiteUnauthenticated => "site-unauthenticated",
            Check::SiteForbidden => "site-forbidden",
            Check::SiteName => "site-name",
            Check::SiteView => "site-view",
            Check::VersionSkew => "version-skew",
            Check::CacheMissing => "cache-missing",
            Check::BackupMissing => "backup-missing",
            Check::BackupUnknownSite => "backup-unknown-site",
            Check::BackupOffline => "backup-offline",
            Check::BackupStrategy => "backup-strategy",
            Check::PushSending => "push-sending",
            Check::PushError => "push-error",
            Check::PushLeft => "push-left",
            Check::VersionPatchSkew => "version-patch-skew",
            Check::PlainHttp => "plain-http",
            Check::TrustAll => "trust-all",
            Check::TakeOfflineNever => "take-offline-never",
            Check::Unreadable => "unreadable",
            Check::VersionSupport => "version-support",
            Check::TakeOfflineExternal => "take-offline-external",
            Check::CacheMode => "cache-mode",
            Check::Owners => "owners",
            Check::RemoteTimeout => "remote-timeout",
            Check::BackupTimeout => "backup-timeout",
            Check::FailurePolicy => "failure-policy",
            Check::ChunkSize => "chunk-size",
            Check::MergePolicy => "merge-policy",
            Check::Encoding => "encoding",
            Check::Transaction => "transaction",
            Check::Locking => "locking",
            Check::StateTransferMode => "state-transfer-mode",
            Check::SitesDiffer => "sites-differ",
            Check::UserRights => "user-rights",
        }
    }

    /// The check's severity.
    pub fn severity(self) -> Severity {
        match self {
            Check::SiteUnreachable
            | Check::SiteUnauthenticated
            | Check::SiteForbidden
            | Check::SiteName
            | Check::SiteView
            | Check::VersionSkew
            | Check::CacheMissing
            | Check::BackupMissing
            | Check::BackupUnknownSite => Severity::Error,
            Check::BackupOffline
            | Check::BackupStrategy
            | Check::PushSending
            | Check::PushError
            | Check::PushLeft
            | Check::VersionPatchSkew
            | Check::PlainHttp
            | Check::TrustAll
            | Check::TakeOfflineNever
            | Check::Unreadable => Severity::Warning,
            Check::VersionSupport
            | Check::TakeOfflineExternal
            | Check::CacheMode
            | Check::Owners
            | Check::RemoteTimeout
            | Check::BackupTimeout
            | Check::FailurePolicy
            | Check::ChunkSize
            | Check::MergePolicy
            | Check::Encoding
            | Check::Transaction
            | Check::Locking
            | Check::StateTransferMode
            | Check::SitesDiffer
            | Check::UserRights => Severity::Info,
        }
    }

    /// Why it matters, in one line.
    pub fn why(self) -> &'static str {
        match self {
            Check::SiteUnreachable => "no runbook step can run on a site the tool cannot reach",
            Check::SiteUnauthenticated => "every operation on the site fails with 401",
            Check::SiteForbidden => {
                "take-offline, bring-online and push need the ADMIN permission; they would fail mid-procedure"
            }
            Check::SiteName => {
                "the runbooks name sites as the servers do; a wrong name fences or pushes to the wrong site"
            }
            Check::SiteView => {
                "without the other site in the sites view nothing replicates to it: writes fail (FAIL) or the sites drift apart"
            }
            Check::VersionSkew => {
                "cross-site replication between different minor versions is not supported and may fail or lose data"
            }
            Check::CacheMissing => {
                "writes to this cache on the other site have nowhere to go, and a failover finds it empty"
            }
            Check::BackupMissing => {
                "the cache's writes never reach the other site: a failover loses them"
            }
            Check::BackupUnknownSite => {
                "a backup to a site that does not exist fails every SYNC write, or queues forever"
            }
            Check::BackupOffline => {
                "writes to this cache no longer reach the other site; the sites drift apart until a resync"
            }
            Check::BackupStrategy => {
                "an ASYNC backup can lose acknowledged writes on a failover; the guide prescribes SYNC"
            }
            Check::PushSending => {
                "a push still running (or stuck) blocks the next resync, which waits for it or misreads it"
            }
            Check::PushError => {
                "the last state transfer failed: the other site may be missing entries"
            }
            Check::PushLeft => {
                "an old OK (or CANCELED) reads like the result of the next push before it ends"
            }
            Check::VersionPatchSkew => {
                "different patch versions work, but behave differently in corner cases; upgrade both"
            }
            Check::PlainHttp => {
                "the password (Basic) or its hash (Digest) crosses the network readable by anyone on the path"
            }
            Check::TrustAll => {
                "any server can pose as the site: the credentials go to whoever answers"
            }
            Check::TakeOfflineNever => {
                "under FAIL, every write fails while the other site is down, until someone takes it offline"
            }
            Check::Unreadable => "the doctor could not check this part",
            Check::VersionSupport => {
                "the guide of this cache set names other versions; check the Keycloak release notes"
            }
            Check::TakeOfflineExternal => {
                "as the guide prescribes, fencing is the operator's job (or the guide's alert's): writes fail until it is done"
            }
            Check::CacheMode
            | Check::Owners
            | Check::RemoteTimeout
            | Check::BackupTimeout
            | Check::FailurePolicy
            | Check::ChunkSize
            | Check::MergePolicy
            | Check::Encoding
            | Check::Transaction
            | Check::Locking => "a difference from the guide's configuration, tested by nobody",
            Check::StateTransferMode => {
                "an automatic push starts on its own when the site comes back, before the runbook's steps"
            }
            Check::SitesDiffer => {
                "the two sites treat the same cache differently: a failover changes its behaviour"
            }
            Check::UserRights => {
                "credentials that can create, drop and reconfigure caches do more damage when they leak"
            }
        }
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The check's severity.
    pub severity: Severity,
    /// What is checked.
    pub check: Check,
    /// The site it is about; `None` for both sites.
    pub site: Option<String>,
    /// The cache it is about, if any.
    pub cache: Option<String>,
    /// What was found. May hold server text: escape it before it reaches a terminal.
    pub message: String,
    /// The fix: a cli.sh command, a REST call or a configuration change.
    pub fix: String,
}

impl Finding {
    fn new(
        check: Check,
        site: Option<&str>,
        cache: Option<&str>,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) -> Finding {
        Finding {
            severity: check.severity(),
            check,
            site: site.map(str::to_owned),
            cache: cache.map(str::to_owned),
            message: message.into(),
            fix: fix.into(),
        }
    }

    /// The finding as JSON: `{"severity", "check", "site", "cache", "message", "fix"}`.
    pub fn to_json(&self) -> Value {
        json!({
            "severity": self.severity.as_str(),
            "check": self.check.as_str(),
            "site": self.site,
            "cache": self.cache,
            "message": self.message,
            "fix": self.fix,
        })
    }
}

/// Everything the doctor found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// The findings: per site in the configured order (then those about both sites), errors
    /// first within a site.
    pub findings: Vec<Finding>,
}

impl Report {
    /// True when there is no error and no warning (the command's exit code 0).
    pub fn ok(&self) -> bool {
        self.findings.iter().all(|f| f.severity == Severity::Info)
    }

    /// The findings of one check.
    pub fn of(&self, check: Check) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.check == check)
    }

    /// `{"ok": bool, "findings": [Finding::to_json…]}`.
    pub fn to_json(&self) -> Value {
        json!({
            "ok": self.ok(),
            "findings": self.findings.iter().map(Finding::to_json).collect::<Vec<_>>(),
        })
    }
}

/// The cache settings a Keycloak multi-site guide prescribes for a cache set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blueprint {
    /// The cache set's name ([`CacheSet::NAMES`]).
    pub set: &'static str,
    /// The guide the values come from.
    pub guide: &'static str,
    /// The server versions (major, minor) the guide's Keycloak works with.
    pub versions: &'static [(u32, u32)],
    /// Cache mode (`SYNC`).
    pub mode: &'static str,
    /// Owners.
    pub owners: u32,
    /// Remote timeout, ms.
    pub remote_timeout: u64,
    /// State-transfer chunk size, in the site and to the backup.
    pub chunk_size: u32,
    /// Backup strategy.
    pub strategy: &'static str,
    /// Backup timeout, ms.
    pub backup_timeout: u64,
    /// Backup failure policy; `None`: the guide sets none (the server's default, WARN).
    pub failure_policy: Option<&'static str>,
    /// The merge policy, and the caches it is set on (the others have none).
    pub merge_policy: Option<(&'static str, &'static [&'static str])>,
    /// The encoding's media type, when the guide sets one.
    pub encoding: Option<&'static str>,
    /// Transaction mode and locking, when the guide sets them.
    pub transaction: Option<(&'static str, &'static str)>,
    /// Lock acquisition timeout, ms, when the guide sets one.
    pub acquire_timeout: Option<u64>,
    /// The guide sets no take-offline policy: fencing a failed site is the operator's (or its
    /// alert's) step.
    pub fenced_externally: bool,
}

/// The Keycloak 24 guide (Data Grid 8.4 / Infinispan 14.0), for the eight caches of Keycloak 25
/// and earlier: distributed SYNC, 2 owners, remoteTimeout 14000, chunkSize 16; backup SYNC,
/// timeout 13000, chunkSize 16; mergePolicy ALWAYS_REMOVE on the five session caches; no failure
/// policy, encoding or transaction (/work/shared/runbooks.md, "Cache settings from the guide").
pub const KEYCLOAK_25: Blueprint = Blueprint {
    set: "keycloak-25",
    guide: "Keycloak 24 multi-site guide",
    versions: &[(14, 0), (15, 0)],
    mode: "SYNC",
    owners: 2,
    remote_timeout: 14000,
    chunk_size: 16,
    strategy: "SYNC",
    backup_timeout: 13000,
    failure_policy: None,
    merge_policy: Some((
        "ALWAYS_REMOVE",
        &[
            "sessions",
            "authenticationSessions",
            "offlineSessions",
            "clientSessions",
            "offlineClientSessions",
        ],
    )),
    encoding: None,
    transaction: None,
    acquire_timeout: None,
    fenced_externally: false,
};

/// The Keycloak 26 guide (docs/guides/high-availability, the Infinispan CR of its chart, as
/// recorded in docs/real-server/KEYCLOAK.md): distributed SYNC, 2 owners, remoteTimeout 5000,
/// protostream, locking acquireTimeout 4000, NON_DURABLE_XA with PESSIMISTIC locking, chunkSize
/// 16; backup SYNC, timeout 4500, failurePolicy FAIL, chunkSize 16; no merge policy, no
/// take-offline policy (the guide fences with an alert).
pub const KEYCLOAK_26: Blueprint = Blueprint {
    set: "keycloak-26",
    guide: "Keycloak 26 multi-site guide",
    versions: &[(15, 0), (15, 2), (16, 0)],
    mode: "SYNC",
    owners: 2,
    remote_timeout: 5000,
    chunk_size: 16,
    strategy: "SYNC",
    backup_timeout: 4500,
    failure_policy: Some("FAIL"),
    merge_policy: None,
    encoding: Some("application/x-protostream"),
    transaction: Some(("NON_DURABLE_XA", "PESSIMISTIC")),
    acquire_timeout: Some(4000),
    fenced_externally: true,
};

impl Blueprint {
    /// The blueprint of a known cache set; `None` for a list of caches.
    pub fn of(caches: &CacheSet) -> Option<&'static Blueprint> {
        match caches.known_name()? {
            "keycloak-25" => Some(&KEYCLOAK_25),
            "keycloak-26" => Some(&KEYCLOAK_26),
            _ => None,
        }
    }

    fn merge_policy_of(&self, cache: &str) -> Option<&'static str> {
        self.merge_policy
            .filter(|(_, caches)| caches.contains(&cache))
            .map(|(policy, _)| policy)
    }
}

// What the server assumes when the configuration does not say (Infinispan's defaults).
const DEFAULT_STRATEGY: &str = "ASYNC";
const DEFAULT_FAILURE_POLICY: &str = "WARN";
const DEFAULT_TIMEOUT: &str = "15000";
const DEFAULT_CHUNK_SIZE: &str = "512";
const DEFAULT_OWNERS: &str = "2";
const DEFAULT_MODE: &str = "SYNC";
const DEFAULT_MERGE_POLICY: &str = "DEFAULT";
const DEFAULT_TRANSACTION: &str = "NONE";
const DEFAULT_LOCKING: &str = "OPTIMISTIC";

/// A cache's configuration as `GET /v2/caches/{cache}?action=config` describes it. Every value
/// is kept as the server wrote it (a string, numbers too); `None` where the server left the
/// attribute out, which it does for every attribute left at its default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CacheConfig {
    /// `distributed-cache`, `replicated-cache`, …
    pub kind: String,
    /// `mode`.
    pub mode: Option<String>,
    /// `owners`.
    pub owners: Option<String>,
    /// `remote-timeout`.
    pub remote_timeout: Option<String>,
    /// `encoding.media-type` (or the key and value media types, `key/value`).
    pub encoding: Option<String>,
    /// `transaction.mode`.
    pub transaction: Option<String>,
    /// `transaction.locking`.
    pub transaction_locking: Option<String>,
    /// `locking.acquire-timeout`.
    pub acquire_timeout: Option<String>,
    /// `state-transfer.chunk-size`.
    pub chunk_size: Option<String>,
    /// `backups.merge-policy`.
    pub merge_policy: Option<String>,
    /// The backups, in the server's order.
    pub backups: Vec<BackupConfig>,
}

/// One backup of a [`CacheConfig`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BackupConfig {
    /// The backup site.
    pub site: String,
    /// `strategy`.
    pub strategy: Option<String>,
    /// `timeout`.
    pub timeout: Option<String>,
    /// `failure-policy`.
    pub failure_policy: Option<String>,
    /// `state-transfer.chunk-size`.
    pub chunk_size: Option<String>,
}

impl BackupConfig {
    fn strategy(&self) -> &str {
        self.strategy.as_deref().unwrap_or(DEFAULT_STRATEGY)
    }

    fn failure_policy(&self) -> &str {
        self.failure_policy
            .as_deref()
            .unwrap_or(DEFAULT_FAILURE_POLICY)
    }
}

fn scalar(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

impl CacheConfig {
    /// Reads the server's answer: `{"<cache>": {"<kind>": {…}}}` (every version served answers
    /// so), or `{"<kind>": {…}}`. `None` when it holds no cache configuration.
    pub fn from_json(doc: &Value) -> Option<CacheConfig> {
        let object = doc.as_object()?;
        let (kind, body) = match object.iter().next() {
            Some((key, value)) if object.len() == 1 && key.ends_with("-cache") => (key, value),
            Some((_, inner)) if object.len() == 1 => {
                let inner = inner.as_object()?;
                let (key, value) = inner.iter().next()?;
                if inner.len() != 1 || !key.ends_with("-cache") {
                    return None;
                }
                (key, value)
            }
            _ => return None,
        };
        let body = body.as_object()?;
        let encoding = body.get("encoding").and_then(|e| {
            scalar(e.get("media-type")).or_else(|| {
                let key = scalar(e.get("key").and_then(|k| k.get("media-type")));
                let value = scalar(e.get("value").and_then(|v| v.get("media-type")));
                match (key, value) {
                    (None, None) => None,
                    (k, v) => Some(format!(
                        "{}/{}",
                        k.unwrap_or_default(),
                        v.unwrap_or_default()
                    )),
                }
            })
        });
        let mut config = CacheConfig {
            kind: kind.clone(),
            mode: scalar(body.get("mode")),
            owners: scalar(body.get("owners")),
            remote_timeout: scalar(body.get("remote-timeout")),
            encoding,
            transaction: scalar(body.get("transaction").and_then(|t| t.get("mode"))),
            transaction_locking: scalar(body.get("transaction").and_then(|t| t.get("locking"))),
            acquire_timeout: scalar(body.get("locking").and_then(|l| l.get("acquire-timeout"))),
            chunk_size: scalar(body.get("state-transfer").and_then(|s| s.get("chunk-size"))),
            merge_policy: None,
            backups: Vec::new(),
        };
        if let Some(backups) = body.get("backups").and_then(Value::as_object) {
            config.merge_policy = scalar(backups.get("merge-policy"));
            for (site, value) in backups {
                let Some(backup) = value.get("backup") else {
                    continue;
                };
                config.backups.push(BackupConfig {
                    site: site.clone(),
                    strategy: scalar(backup.get("strategy")),
                    timeout: scalar(backup.get("timeout")),
                    failure_policy: scalar(backup.get("failure-policy")),
                    chunk_size: scalar(
                        backup
                            .get("state-transfer")
                            .and_then(|s| s.get("chunk-size")),
                    ),
                });
            }
        }
        Some(config)
    }

    /// The backup to `site`, if the cache has one.
    pub fn backup(&self, site: &str) -> Option<&BackupConfig> {
        self.backups.iter().find(|b| b.site == site)
    }

    /// The settings the two sites' copies of a cache must share, with their values as the
    /// server applies them.
    fn shared_settings(&self) -> [(&'static str, String); 7] {
        let or = |value: &Option<String>, default: &str| {
            value.clone().unwrap_or_else(|| default.to_owned())
        };
        [
            ("type", self.kind.clone()),
            ("mode", or(&self.mode, DEFAULT_MODE)),
            ("owners", or(&self.owners, DEFAULT_OWNERS)),
            ("encoding", or(&self.encoding, "none")),
            ("transaction", or(&self.transaction, DEFAULT_TRANSACTION)),
            ("locking", or(&self.transaction_locking, DEFAULT_LOCKING)),
            ("acquire-timeout", or(&self.acquire_timeout, "default")),
        ]
    }
}

/// How the doctor reads.
#[derive(Debug, Clone)]
pub struct Options {
    /// Each site's time limit for all its reads.
    pub timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            timeout: Duration::from_secs(30),
        }
    }
}

/// The cache set to check when none is given: the Keycloak set that the most sites hold whole
/// (the first site's on a tie), so that a cache missing on one site is a finding rather than a
/// refusal. A site that cannot be read has no say (the report says why); when none can, the set
/// is empty and the report holds only the sites' findings. An error names what each site holds
/// when none holds a whole set.
pub async fn detect_cache_set(sites: &Sites, timeout: Duration) -> Result<CacheSet, String> {
    let reads = sites.names().into_iter().map(|name| async move {
        let site = sites.get(name)?;
        let client = match Instant::now().checked_add(timeout) {
            Some(deadline) => site.client.with_deadline(deadline),
            None => site.client.clone(),
        };
        client.cache_names().await.ok().map(|names| (name, names))
    });
    let listings: Vec<(&str, Vec<String>)> = join_all(reads).await.into_iter().flatten().collect();
    if listings.is_empty() {
        return Ok(CacheSet::custom(Vec::<String>::new()));
    }
    let held: Vec<(String, crate::SiteCaches)> = listings
        .iter()
        .map(|(site, names)| ((*site).to_owned(), crate::SiteCaches::of(names)))
        .collect();
    let mut best: Option<(CacheSet, usize)> = None;
    for (_, caches) in &held {
        let Some(set) = caches.cache_set() else {
            continue;
        };
        let count = held
            .iter()
            .filter(|(_, c)| c.cache_set().as_ref() == Some(&set))
            .count();
        if best.as_ref().is_none_or(|(_, most)| count > *most) {
            best = Some((set, count));
        }
    }
    best.map(|(set, _)| set)
        .ok_or_else(|| crate::NoCacheSet { sites: held }.to_string())
}

/// What one site answered.
#[derive(Debug, Default)]
struct SiteRead {
    name: String,
    version: Option<String>,
    caches: Vec<CacheRead>,
    findings: Vec<Finding>,
}

#[derive(Debug)]
struct CacheRead {
    name: String,
    config: Option<CacheConfig>,
}

/// Checks every site of `sites` for the caches of `caches`, against the blueprint of that set
/// ([`Blueprint::of`]; a list of caches is checked for presence, backups, live state and the
/// two sites' agreement only). Each site's reads are bounded by `options.timeout`.
pub async fn diagnose(sites: &Sites, caches: &CacheSet, options: &Options) -> Report {
    let blueprint = Blueprint::of(caches);
    let names = sites.names();
    let reads = names
        .iter()
        .map(|name| read_site(sites, name, caches, blueprint, options));
    let mut reads: Vec<SiteRead> = join_all(reads).await;
    let mut both = Vec::new();
    compare_versions(&reads, blueprint, &mut both);
    compare_sites(&mut reads);
    let mut report = Report::default();
    for mut read in reads {
        // Errors first, then warnings, then info; a stable sort keeps the reading order.
        read.findings.sort_by_key(|f| f.severity);
        report.findings.extend(read.findings);
    }
    both.sort_by_key(|f| f.severity);
    report.findings.extend(both);
    report
}

async fn read_site(
    sites: &Sites,
    name: &str,
    caches: &CacheSet,
    blueprint: Option<&'static Blueprint>,
    options: &Options,
) -> SiteRead {
    let mut read = SiteRead {
        name: name.to_owned(),
        ..SiteRead::default()
    };
    let Some(site) = sites.get(name) else {
        return read;
    };
    let client = match Instant::now().checked_add(options.timeout) {
        Some(deadline) => site.client.with_deadline(deadline),
        None => site.client.clone(),
    };
    security(name, &client, &mut read.findings);
    let info = match client.container().info().await {
        Ok(info) => info,
        Err(e) => {
            read.findings.push(access_finding(name, &client, &e));
            return read;
        }
    };
    read.version = info.version().map(str::to_owned);
    // Where the server lists the user's permissions; a server that does not is no finding.
    if let Ok(acl) = client.user_acl().await
        && let Some(finding) = user_rights(name, &acl)
    {
        read.findings.push(finding);
    }
    let others: Vec<&str> = sites.others(name).map(|s| s.name.as_str()).collect();
    let local = info.local_site();
    if local != Some(name) {
        read.findings.push(Finding::new(
            Check::SiteName,
            Some(name),
            None,
            format!(
                "the server at {} calls its site {}, not {name}",
                client.base_url(),
                local.map_or("nothing (no cross-site relay configured)".to_owned(), |l| {
                    format!("'{l}'")
                })
            ),
            format!(
                "name the site as the server does (--site-url {}=…), or fix <relay.RELAY2 site=\"…\"> in the server's JGroups stack",
                local.unwrap_or(name)
            ),
        ));
    }
    let view = info.sites_view();
    let relay_nodes = info.relay_nodes();
    for other in &others {
        if !view.iter().any(|v| v == other) {
            read.findings.push(Finding::new(
                Check::SiteView,
                Some(name),
                None,
                format!(
                    "{other} is not in {name}'s sites view [{}] (relay nodes: {})",
                    view.join(", "),
                    if relay_nodes.is_empty() {
                        "none".to_owned()
                    } else {
                        relay_nodes.join(", ")
                    }
                ),
                format!(
                    "check the cross-site link from {name} to {other} (RELAY2 bridge, its ports and discovery); `site status --all-caches` in cli.sh shows the view"
                ),
            ));
        }
    }
    let present = match client.cache_names().await {
        Ok(list) => list,
        Err(e) => {
            read.findings.push(access_finding(name, &client, &e));
            return read;
        }
    };
    let known_sites: Vec<&str> = sites.names();
    let checks = caches.names().iter().map(|cache| {
        let client = client.clone();
        let present = present.iter().any(|p| p == cache);
        let others = others.clone();
        let known_sites = known_sites.clone();
        let view = view.clone();
        async move {
            let mut findings = Vec::new();
            if !present {
                let other = others.first().copied().unwrap_or("the other site");
                findings.push(Finding::new(
                    Check::CacheMissing,
                    Some(name),
                    Some(cache),
                    format!("{cache} is missing on {name}"),
                    create_fix(cache, name, other, blueprint),
                ));
                return (None, findings, false);
            }
            let (config, forbidden) = check_cache(
                &client,
                name,
                cache,
                &others,
                &known_sites,
                &view,
                blueprint,
                &mut findings,
            )
            .await;
            (config, findings, forbidden)
        }
    });
    let mut forbidden_seen = false;
    for (cache, (config, findings, forbidden)) in caches.names().iter().zip(join_all(checks).await)
    {
        if forbidden {
            if !forbidden_seen {
                read.findings.push(Finding::new(
                    Check::SiteForbidden,
                    Some(name),
                    None,
                    format!(
                        "{}: the user may not read cross-site state",
                        client.base_url()
                    ),
                    FORBIDDEN_FIX,
                ));
            }
            forbidden_seen = true;
            continue;
        }
        read.findings.extend(findings);
        read.caches.push(CacheRead {
            name: cache.clone(),
            config,
        });
    }
    read
}

/// What xsite's commands and runbooks need: the cross-site operations (ADMIN), the statuses
/// (MONITOR), reading and writing entries, listing keys and clearing (READ, WRITE, BULK_READ,
/// BULK_WRITE, and their composites).
const NEEDED_PERMISSIONS: [&str; 8] = [
    "ADMIN",
    "MONITOR",
    "READ",
    "WRITE",
    "BULK_READ",
    "BULK_WRITE",
    "ALL_READ",
    "ALL_WRITE",
];

/// A finding when the user's global permissions (`GET /v2/security/user/acl`) hold more than
/// [`NEEDED_PERMISSIONS`].
fn user_rights(site: &str, acl: &Value) -> Option<Finding> {
    let global: Vec<&str> = acl
        .get("global")?
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    // The server lists every permission whose mask overlaps the user's, so ALL appears for a
    // read-only observer too: the composites say nothing by themselves.
    let extra: Vec<&str> = global
        .iter()
        .copied()
        .filter(|p| !NEEDED_PERMISSIONS.contains(p) && *p != "ALL")
        .collect();
    if extra.is_empty() {
        return None;
    }
    let user = acl
        .get("subject")
        .and_then(Value::as_array)
        .and_then(|s| s.first())
        .and_then(|p| p.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("the user");
    Some(Finding::new(
        Check::UserRights,
        Some(site),
        None,
        format!(
            "{} has {} globally, more than xsite needs ({})",
            crate::printable(user),
            crate::printable(&extra.join(", ")),
            NEEDED_PERMISSIONS[..6].join(", ")
        ),
        "give the operator's user a role with only those permissions: in the cache container's <security><authorization>, <role name=\"xsite-operator\" permissions=\"ADMIN MONITOR READ WRITE BULK_READ BULK_WRITE\"/>, and map the operator's group to it",
    ))
}

const FORBIDDEN_FIX: &str = "use a user with the ADMIN permission (the admin role), e.g. cli.sh `user roles grant --roles=admin USER`; set it with XSITE_USERNAME / XSITE_PASSWORD_<SITE> or the profile";

/// A finding for a site whose first read failed: unreachable, unauthenticated or forbidden.
fn access_finding(site: &str, client: &Client, error: &Error) -> Finding {
    let (check, fix) = match error {
        Error::Unauthorized(_) => (
            Check::SiteUnauthenticated,
            "give a user of the server's realm: XSITE_USERNAME and XSITE_PASSWORD (or XSITE_PASSWORD_<SITE>), or the profile's".to_owned(),
        ),
        Error::Forbidden(_) => (Check::SiteForbidden, FORBIDDEN_FIX.to_owned()),
        _ => (
            Check::SiteUnreachable,
            format!(
                "check the URL and that the server runs: curl {}/v2/server",
                client.base_url()
            ),
        ),
    };
    Finding::new(
        check,
        Some(site),
        None,
        format!("{}: {}", client.base_url(), unreachable_cause(error)),
        fix,
    )
}

fn security(site: &str, client: &Client, findings: &mut Vec<Finding>) {
    let url = client.base_url();
    if client.has_credentials() && url.starts_with("http://") {
        findings.push(Finding::new(
            Check::PlainHttp,
            Some(site),
            None,
            format!("credentials are sent to {url} over plain http"),
            "enable TLS on the REST endpoint (a server identity in the security realm) and use https://",
        ));
    }
    if client.trusts_all() {
        findings.push(Finding::new(
            Check::TrustAll,
            Some(site),
            None,
            format!("the connection to {url} trusts any certificate"),
            "give the server's CA instead (--ca-file, or the profile's ca_file) and drop --trust-all",
        ));
    }
}

fn create_fix(cache: &str, site: &str, other: &str, blueprint: Option<&Blueprint>) -> String {
    let what = match blueprint {
        Some(b) => format!("as the {} prescribes, backing up to {other}", b.guide),
        None => format!("as on {other}, backing up to {other}"),
    };
    format!(
        "create {cache} on {site} {what}: cli.sh `create cache --file={cache}.xml {cache}` (or POST /rest/v2/caches/{cache} with the configuration)"
    )
}

/// Checks one cache present on `site`; returns its configuration, if read, and whether a read
/// was forbidden.
#[allow(clippy::too_many_arguments)]
async fn check_cache(
    client: &Client,
    site: &str,
    cache: &str,
    others: &[&str],
    known_sites: &[&str],
    view: &[String],
    blueprint: Option<&Blueprint>,
    findings: &mut Vec<Finding>,
) -> (Option<CacheConfig>, bool) {
    let handle = client.cache(cache);
    let config = match handle.config().await {
        Ok(doc) => match CacheConfig::from_json(&doc) {
            Some(config) => Some(config),
            None => {
                findings.push(unreadable(
                    site,
                    cache,
                    "its configuration",
                    "no cache in the answer",
                ));
                None
            }
        },
        Err(Error::Forbidden(_)) => return (None, true),
        Err(e) => {
            findings.push(unreadable(site, cache, "its configuration", &e.to_string()));
            None
        }
    };
    if let Some(config) = &config {
        check_config(
            site,
            cache,
            config,
            others,
            known_sites,
            view,
            blueprint,
            findings,
        );
    }
    // Live state, for the backups to the other sites that the configuration has (or all of
    // them when it could not be read).
    let backed_up: Vec<&str> = others
        .iter()
        .copied()
        .filter(|o| config.as_ref().is_none_or(|c| c.backup(o).is_some()))
        .collect();
    if backed_up.is_empty() {
        return (config, false);
    }
    let xsite = handle.xsite();
    match xsite.backups().await {
        Ok(statuses) => {
            for other in &backed_up {
                match statuses.get(*other) {
                    Some(SiteStatus::Online) | None => {}
                    Some(status) => findings.push(Finding::new(
                        Check::BackupOffline,
                        Some(site),
                        Some(cache),
                        format!(
                            "the backup of {cache} from {site} to {other} is {}",
                            describe_status(status)
                        ),
                        format!(
                            "on {site}: cli.sh `site bring-online --cache={cache} --site={other}` (after `site push-site-state --cache={cache} --site={other}` if {other} missed writes; `xsite runbook resync` does both)"
                        ),
                    )),
                }
            }
        }
        Err(Error::Forbidden(_)) => return (config, true),
        Err(e) => findings.push(unreadable(site, cache, "its backup status", &e.to_string())),
    }
    match xsite.push_state_status().await {
        Ok(pushes) => {
            for other in &backed_up {
                let Some(status) = pushes.get(*other) else {
                    continue;
                };
                let (check, fix) = match status {
                    PushStateStatus::Idle => continue,
                    PushStateStatus::Sending => (
                        Check::PushSending,
                        format!(
                            "wait for it to end; if it stays SENDING, on {site}: cli.sh `site cancel-push-state --cache={cache} --site={other}`, then `site clear-push-site-status --cache={cache}`"
                        ),
                    ),
                    PushStateStatus::Error => (
                        Check::PushError,
                        format!(
                            "on {site}: push again, cli.sh `site push-site-state --cache={cache} --site={other}`; once OK, `site clear-push-site-status --cache={cache}`"
                        ),
                    ),
                    PushStateStatus::Other(_) => (
                        Check::PushError,
                        format!("on {site}: cli.sh `site push-site-status --cache={cache}`"),
                    ),
                    PushStateStatus::Ok | PushStateStatus::Canceled => (
                        Check::PushLeft,
                        format!("on {site}: cli.sh `site clear-push-site-status --cache={cache}`"),
                    ),
                };
                findings.push(Finding::new(
                    check,
                    Some(site),
                    Some(cache),
                    format!(
                        "the push status of {cache} from {site} to {other} is {}",
                        crate::printable(status.as_str())
                    ),
                    fix,
                ));
            }
        }
        Err(Error::Forbidden(_)) => return (config, true),
        Err(e) => findings.push(unreadable(site, cache, "its push status", &e.to_string())),
    }
    for other in &backed_up {
        let failure_policy = config
            .as_ref()
            .and_then(|c| c.backup(other))
            .map(|b| b.failure_policy().to_owned());
        if failure_policy.as_deref() == Some("FAIL") {
            match xsite.take_offline_config(other).await {
                Ok(take) if take.after_failures <= 0 && take.min_wait <= 0 => {
                    let check = if blueprint.is_some_and(|b| b.fenced_externally) {
                        Check::TakeOfflineExternal
                    } else {
                        Check::TakeOfflineNever
                    };
                    findings.push(Finding::new(
                        check,
                        Some(site),
                        Some(cache),
                        format!(
                            "the backup of {cache} to {other} has failure policy FAIL and a take-offline policy that never fires (after_failures {}, min_wait {})",
                            take.after_failures, take.min_wait
                        ),
                        format!(
                            "set one on {site}: PUT /rest/v2/caches/{cache}/x-site/backups/{other}/take-offline-config {{\"after_failures\": 3, \"min_wait\": 10000}}, or fence with `xsite runbook fence` when {other} fails"
                        ),
                    ));
                }
                Ok(_) => {}
                Err(Error::Forbidden(_)) => return (config, true),
                Err(e) => findings.push(unreadable(
                    site,
                    cache,
                    "its take-offline configuration",
                    &e.to_string(),
                )),
            }
        }
        match xsite.state_transfer_mode(other).await {
            Ok(StateTransferMode::Auto) => findings.push(Finding::new(
                Check::StateTransferMode,
                Some(site),
                Some(cache),
                format!("the state transfer of {cache} from {site} to {other} is AUTO"),
                format!(
                    "on {site}: cli.sh `site state-transfer-mode set --cache={cache} --site={other} --mode=MANUAL`"
                ),
            )),
            Ok(StateTransferMode::Manual) => {}
            Err(Error::Forbidden(_)) => return (config, true),
            Err(e) => findings.push(unreadable(
                site,
                cache,
                "its state-transfer mode",
                &e.to_string(),
            )),
        }
    }
    (config, false)
}

fn describe_status(status: &SiteStatus) -> String {
    match status {
        SiteStatus::Mixed(mixed) => format!(
            "mixed (offline on {})",
            crate::printable(&mixed.offline.join(", "))
        ),
        other => crate::printable(other.as_str()).into_owned(),
    }
}

fn unreadable(site: &str, cache: &str, what: &str, why: &str) -> Finding {
    Finding::new(
        Check::Unreadable,
        Some(site),
        Some(cache),
        format!("{what} could not be read: {why}"),
        "check the server's log and the user's permissions, then run xsite doctor again",
    )
}

/// The configuration of one cache against the other sites and the blueprint.
#[allow(clippy::too_many_arguments)]
fn check_config(
    site: &str,
    cache: &str,
    config: &CacheConfig,
    others: &[&str],
    known_sites: &[&str],
    view: &[String],
    blueprint: Option<&Blueprint>,
    findings: &mut Vec<Finding>,
) {
    let mut push = |check: Check, message: String, fix: String| {
        findings.push(Finding::new(check, Some(site), Some(cache), message, fix));
    };
    let recreate = format!(
        "change the configuration of {cache} on {site} (cli.sh `drop cache {cache}` then `create cache --file={cache}.xml {cache}`, which loses its entries: push them back from the other site)"
    );
    for other in others {
        if config.backup(other).is_none() {
            push(
                Check::BackupMissing,
                format!(
                    "{cache} on {site} has no backup to {other}{}",
                    if config.backups.is_empty() {
                        " (no backup at all)".to_owned()
                    } else {
                        format!(
                            " (it backs up to {})",
                            config
                                .backups
                                .iter()
                                .map(|b| crate::printable(&b.site).into_owned())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    }
                ),
                format!("{recreate}, with <backup site=\"{other}\" strategy=\"SYNC\"/>"),
            );
        }
    }
    for backup in &config.backups {
        let known = known_sites.contains(&backup.site.as_str()) || view.contains(&backup.site);
        if !known && backup.site != site {
            push(
                Check::BackupUnknownSite,
                format!(
                    "{cache} on {site} backs up to '{}', which is neither a configured site nor in the sites view",
                    crate::printable(&backup.site)
                ),
                format!("{recreate}, backing up to the other site's name"),
            );
        }
    }
    let Some(bp) = blueprint else {
        return;
    };
    let guide = bp.guide;
    let differs = |what: &str, found: &str, wanted: &str| {
        format!(
            "{what} is {}; the {guide} prescribes {wanted}",
            crate::printable(found)
        )
    };
    let found_mode = config.mode.as_deref().unwrap_or(DEFAULT_MODE);
    if config.kind != "distributed-cache" || found_mode != bp.mode {
        push(
            Check::CacheMode,
            differs(
                "the cache",
                &format!("a {} in mode {found_mode}", config.kind),
                &format!("a distributed-cache in mode {}", bp.mode),
            ),
            recreate.clone(),
        );
    }
    let owners = config.owners.as_deref().unwrap_or(DEFAULT_OWNERS);
    if owners != bp.owners.to_string() {
        push(
            Check::Owners,
            differs("owners", owners, &bp.owners.to_string()),
            recreate.clone(),
        );
    }
    let remote_timeout = config.remote_timeout.as_deref().unwrap_or(DEFAULT_TIMEOUT);
    if remote_timeout != bp.remote_timeout.to_string() {
        push(
            Check::RemoteTimeout,
            differs(
                "remote-timeout",
                &format!("{remote_timeout} ms"),
                &format!("{} ms", bp.remote_timeout),
            ),
            recreate.clone(),
        );
    }
    let chunk = config.chunk_size.as_deref().unwrap_or(DEFAULT_CHUNK_SIZE);
    if chunk != bp.chunk_size.to_string() {
        push(
            Check::ChunkSize,
            differs(
                "state-transfer chunk-size",
                chunk,
                &bp.chunk_size.to_string(),
            ),
            recreate.clone(),
        );
    }
    let merge = config
        .merge_policy
        .as_deref()
        .unwrap_or(DEFAULT_MERGE_POLICY);
    let wanted_merge = bp.merge_policy_of(cache).unwrap_or(DEFAULT_MERGE_POLICY);
    if !config.backups.is_empty() && merge != wanted_merge {
        push(
            Check::MergePolicy,
            differs("the merge policy", merge, wanted_merge),
            recreate.clone(),
        );
    }
    if let Some(encoding) = bp.encoding {
        let found = config.encoding.as_deref().unwrap_or("none");
        if found != encoding {
            push(
                Check::Encoding,
                differs("the encoding", found, encoding),
                recreate.clone(),
            );
        }
    }
    if let Some((mode, locking)) = bp.transaction {
        let found = (
            config.transaction.as_deref().unwrap_or(DEFAULT_TRANSACTION),
            config
                .transaction_locking
                .as_deref()
                .unwrap_or(DEFAULT_LOCKING),
        );
        if found != (mode, locking) {
            push(
                Check::Transaction,
                differs(
                    "the transaction",
                    &format!("{} with {} locking", found.0, found.1),
                    &format!("{mode} with {locking} locking"),
                ),
                recreate.clone(),
            );
        }
    }
    if let Some(acquire) = bp.acquire_timeout {
        let found = config.acquire_timeout.as_deref().unwrap_or("the default");
        if found != acquire.to_string() {
            push(
                Check::Locking,
                differs("locking acquire-timeout", found, &format!("{acquire}")),
                recreate.clone(),
            );
        }
    }
    for other in others {
        let Some(backup) = config.backup(other) else {
            continue;
        };
        let what = |setting: &str| format!("the backup to {other}: {setting}");
        if backup.strategy() != bp.strategy {
            push(
                Check::BackupStrategy,
                differs(&what("strategy"), backup.strategy(), bp.strategy),
                format!(
                    "{recreate}, with <backup site=\"{other}\" strategy=\"{}\"/>",
                    bp.strategy
                ),
            );
        }
        let timeout = backup.timeout.as_deref().unwrap_or(DEFAULT_TIMEOUT);
        if timeout != bp.backup_timeout.to_string() {
            push(
                Check::BackupTimeout,
                differs(
                    &what("timeout"),
                    &format!("{timeout} ms"),
                    &format!("{} ms", bp.backup_timeout),
                ),
                recreate.clone(),
            );
        }
        let wanted_policy = bp.failure_policy.unwrap_or(DEFAULT_FAILURE_POLICY);
        if backup.failure_policy() != wanted_policy {
            push(
                Check::FailurePolicy,
                differs(
                    &what("failure-policy"),
                    backup.failure_policy(),
                    wanted_policy,
                ),
                recreate.clone(),
            );
        }
        let chunk = backup.chunk_size.as_deref().unwrap_or(DEFAULT_CHUNK_SIZE);
        if chunk != bp.chunk_size.to_string() {
            push(
                Check::ChunkSize,
                differs(
                    &what("state-transfer chunk-size"),
                    chunk,
                    &bp.chunk_size.to_string(),
                ),
                recreate.clone(),
            );
        }
    }
}

/// The version skew between the sites that answered, and each version against the blueprint.
fn compare_versions(reads: &[SiteRead], blueprint: Option<&Blueprint>, both: &mut Vec<Finding>) {
    let versions: Vec<(&str, &str, Option<ServerVersion>)> = reads
        .iter()
        .filter_map(|r| {
            r.version
                .as_deref()
                .map(|v| (r.name.as_str(), v, ServerVersion::parse(v)))
        })
        .collect();
    if let Some(bp) = blueprint {
        for (site, text, version) in &versions {
            let supported = version
                .as_ref()
                .is_some_and(|v| bp.versions.contains(&(v.major, v.minor)));
            if !supported {
                let names: Vec<String> = bp
                    .versions
                    .iter()
                    .map(|(major, minor)| format!("{major}.{minor}"))
                    .collect();
                both.push(Finding::new(
                    Check::VersionSupport,
                    Some(site),
                    None,
                    format!(
                        "{site} runs Infinispan {}; the {} names {}",
                        crate::printable(text),
                        bp.guide,
                        names.join(", ")
                    ),
                    "run a version the guide names, or check the Keycloak release notes for this one",
                ));
            }
        }
    }
    for pair in versions.windows(2) {
        let [(a, a_text, a_version), (b, b_text, b_version)] = pair else {
            continue;
        };
        if a_text == b_text {
            continue;
        }
        let minor_differs = match (a_version, b_version) {
            (Some(x), Some(y)) => (x.major, x.minor) != (y.major, y.minor),
            _ => true,
        };
        let (check, fix) = if minor_differs {
            (
                Check::VersionSkew,
                "upgrade one site to the other's version (a rolling upgrade, one site at a time, the backups to it taken offline meanwhile)",
            )
        } else {
            (
                Check::VersionPatchSkew,
                "upgrade the older site to the newer patch version",
            )
        };
        both.push(Finding::new(
            check,
            None,
            None,
            format!(
                "{a} runs {}, {b} runs {}",
                crate::printable(a_text),
                crate::printable(b_text)
            ),
            fix,
        ));
    }
}

/// The two sites' configurations of each cache, compared.
fn compare_sites(reads: &mut [SiteRead]) {
    if reads.len() < 2 {
        return;
    }
    let (first, rest) = reads.split_at_mut(1);
    let first = &first[0];
    for other in rest.iter_mut() {
        for cache in &other.caches {
            let Some(mine) = &cache.config else { continue };
            let Some(theirs) = first
                .caches
                .iter()
                .find(|c| c.name == cache.name)
                .and_then(|c| c.config.as_ref())
            else {
                continue;
            };
            let differences: Vec<String> = theirs
                .shared_settings()
                .iter()
                .zip(mine.shared_settings().iter())
                .filter(|(a, b)| a.1 != b.1)
                .map(|(a, b)| {
                    format!(
                        "{} {} on {}, {} on {}",
                        a.0,
                        crate::printable(&a.1),
                        first.name,
                        crate::printable(&b.1),
                        other.name
                    )
                })
                .collect();
            if !differences.is_empty() {
                other.findings.push(Finding::new(
                    Check::SitesDiffer,
                    Some(&other.name),
                    Some(&cache.name),
                    format!(
                        "{} differs between the sites: {}",
                        cache.name,
                        differences.join("; ")
                    ),
                    format!(
                        "make both sites' {} the same (recreate it on one site from the other's configuration)",
                        cache.name
                    ),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn harness_config(cache: &str, strategy: &str) -> Value {
        json!({cache: {"distributed-cache": {
            "owners": "2", "mode": "SYNC", "remote-timeout": "5000", "statistics": true,
            "backups": {"merge-policy": "ALWAYS_REMOVE", "site-b": {"backup": {
                "strategy": strategy, "timeout": "4500", "state-transfer": {"chunk-size": "16"}}}},
            "encoding": {"media-type": "text/plain; charset=UTF-8"},
            "state-transfer": {"chunk-size": "16"}}}})
    }

    fn checks(findings: &[Finding]) -> Vec<&'static str> {
        findings.iter().map(|f| f.check.as_str()).collect()
    }

    #[test]
    fn reads_the_servers_configuration() {
        // As 14.0.28, 15.0.21, 15.2.6 and 16.0.7 answer (docs/real-server/*.md, "cache config").
        let config = CacheConfig::from_json(&harness_config("sessions", "SYNC")).unwrap();
        assert_eq!(config.kind, "distributed-cache");
        assert_eq!(config.remote_timeout.as_deref(), Some("5000"));
        assert_eq!(config.merge_policy.as_deref(), Some("ALWAYS_REMOVE"));
        assert_eq!(
            config.backups,
            [BackupConfig {
                site: "site-b".into(),
                strategy: Some("SYNC".into()),
                timeout: Some("4500".into()),
                failure_policy: None,
                chunk_size: Some("16".into()),
            }]
        );
        // Keycloak 26's, without the name around it.
        let kc26 = json!({"distributed-cache":{"owners":"2","mode":"SYNC","remote-timeout":"5000","statistics":true,"backups":{"site-b":{"backup":{"strategy":"SYNC","timeout":"4500","failure-policy":"FAIL","state-transfer":{"chunk-size":"16"}}}},"encoding":{"media-type":"application/x-protostream"},"locking":{"acquire-timeout":"4000"},"transaction":{"mode":"NON_DURABLE_XA","locking":"PESSIMISTIC"},"state-transfer":{"chunk-size":"16"}}});
        let config = CacheConfig::from_json(&kc26).unwrap();
        let mut findings = Vec::new();
        check_config(
            "site-a",
            "work",
            &config,
            &["site-b"],
            &["site-a", "site-b"],
            &[],
            Some(&KEYCLOAK_26),
            &mut findings,
        );
        assert!(findings.is_empty(), "{findings:?}");
        assert!(CacheConfig::from_json(&json!({"a": 1, "b": 2})).is_none());
        assert!(CacheConfig::from_json(&json!("text")).is_none());
    }

    #[test]
    fn the_harness_differs_from_the_keycloak_24_guide_in_timeouts_only() {
        let config = CacheConfig::from_json(&harness_config("sessions", "SYNC")).unwrap();
        let mut findings = Vec::new();
        check_config(
            "site-a",
            "sessions",
            &config,
            &["site-b"],
            &["site-a", "site-b"],
            &[],
            Some(&KEYCLOAK_25),
            &mut findings,
        );
        assert_eq!(checks(&findings), ["remote-timeout", "backup-timeout"]);
        assert!(findings.iter().all(|f| f.severity == Severity::Info));
        assert_eq!(
            findings[0].message,
            "remote-timeout is 5000 ms; the Keycloak 24 multi-site guide prescribes 14000 ms"
        );
    }

    #[test]
    fn an_async_backup_and_a_missing_one_are_found() {
        let config = CacheConfig::from_json(&harness_config("sessions", "ASYNC")).unwrap();
        let mut findings = Vec::new();
        check_config(
            "site-a",
            "sessions",
            &config,
            &["site-b", "site-c"],
            &["site-a", "site-b", "site-c"],
            &[],
            Some(&KEYCLOAK_25),
            &mut findings,
        );
        assert_eq!(
            checks(&findings),
            [
                "backup-missing",
                "remote-timeout",
                "backup-strategy",
                "backup-timeout"
            ]
        );
        assert_eq!(
            findings[0].message,
            "sessions on site-a has no backup to site-c (it backs up to site-b)"
        );
        assert_eq!(findings[2].severity, Severity::Warning);
        // A backup to a site nobody knows.
        let mut findings = Vec::new();
        check_config(
            "site-a",
            "work",
            &config,
            &[],
            &["site-a"],
            &["site-a".to_owned()],
            None,
            &mut findings,
        );
        assert_eq!(checks(&findings), ["backup-unknown-site"]);
    }

    #[test]
    fn server_text_is_escaped_in_messages() {
        let doc = json!({"work": {"distributed-cache": {"owners": "2\u{1b}[2J",
            "backups": {"evil\u{1b}]0;x\u{7}": {"backup": {"strategy": "SYNC"}}}}}});
        let config = CacheConfig::from_json(&doc).unwrap();
        let mut findings = Vec::new();
        check_config(
            "site-a",
            "work",
            &config,
            &["site-b"],
            &["site-a", "site-b"],
            &[],
            Some(&KEYCLOAK_25),
            &mut findings,
        );
        assert!(!findings.is_empty());
        for finding in &findings {
            assert!(
                !finding.message.contains('\u{1b}') && !finding.message.contains('\u{7}'),
                "{finding:?}"
            );
        }
        assert!(
            findings
                .iter()
                .any(|f| f.check == Check::BackupUnknownSite && f.message.contains("evil\\u001b")),
            "{findings:?}"
        );
    }

    #[test]
    fn rights_beyond_what_xsite_needs_are_named() {
        // 15.0.21's answer for the harness's developer (docs/real-server/DIFFERENCES.md, E).
        let acl = json!({"subject": [{"name": "developer", "type": "NamePrincipal"},
                {"name": "admin", "type": "GroupPrincipal"}],
            "global": ["LIFECYCLE","READ","WRITE","EXEC","LISTEN","BULK_READ","BULK_WRITE","ADMIN","CREATE","MONITOR","ALL","ALL_READ","ALL_WRITE"]});
        let finding = user_rights("site-a", &acl).unwrap();
        assert_eq!(
            finding.message,
            "developer has LIFECYCLE, EXEC, LISTEN, CREATE globally, more than xsite needs (ADMIN, MONITOR, READ, WRITE, BULK_READ, BULK_WRITE)"
        );
        assert_eq!(finding.severity, Severity::Info);
        let operator = json!({"global": ["READ", "ADMIN", "MONITOR", "ALL_READ"]});
        assert!(user_rights("site-a", &operator).is_none());
        // The harness's observer, as every version answers it: ALL listed for an overlap only.
        let observer = json!({"global": ["READ", "BULK_READ", "MONITOR", "ALL", "ALL_READ"]});
        assert!(user_rights("site-a", &observer).is_none());
        assert!(user_rights("site-a", &json!("nonsense")).is_none());
    }

    #[test]
    fn versions_are_compared() {
        let read = |name: &str, version: &str| SiteRead {
            name: name.to_owned(),
            version: Some(version.to_owned()),
            ..SiteRead::default()
        };
        let mut both = Vec::new();
        compare_versions(
            &[read("a", "15.0.21.Final"), read("b", "15.0.19.Final")],
            Some(&KEYCLOAK_25),
            &mut both,
        );
        assert_eq!(checks(&both), ["version-patch-skew"]);
        assert_eq!(
            both[0].message,
            "a runs 15.0.21.Final, b runs 15.0.19.Final"
        );
        let mut both = Vec::new();
        compare_versions(
            &[read("a", "14.0.28.Final"), read("b", "16.0.7")],
            Some(&KEYCLOAK_26),
            &mut both,
        );
        assert_eq!(checks(&both), ["version-support", "version-skew"]);
        assert_eq!(both[1].severity, Severity::Error);
    }

    #[test]
    fn the_sites_configurations_are_compared() {
        let config = |encoding: &str| CacheRead {
            name: "work".into(),
            config: Some(CacheConfig {
                kind: "distributed-cache".into(),
                encoding: Some(encoding.into()),
                ..CacheConfig::default()
            }),
        };
        let mut reads = vec![
            SiteRead {
                name: "a".into(),
                caches: vec![config("text/plain")],
                ..SiteRead::default()
            },
            SiteRead {
                name: "b".into(),
                caches: vec![config("application/x-protostream")],
                ..SiteRead::default()
            },
        ];
        compare_sites(&mut reads);
        assert_eq!(checks(&reads[1].findings), ["sites-differ"]);
        assert_eq!(
            reads[1].findings[0].message,
            "work differs between the sites: encoding text/plain on a, application/x-protostream on b"
        );
    }

    #[test]
    fn ids_are_unique_and_the_json_has_the_documented_shape() {
        let mut ids: Vec<&str> = Check::ALL.iter().map(|c| c.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), Check::ALL.len());
        let report = Report {
            findings: vec![Finding::new(
                Check::RemoteTimeout,
                Some("site-a"),
                Some("work"),
                "m",
                "f",
            )],
        };
        assert!(report.ok());
        assert_eq!(
            report.to_json(),
            json!({"ok": true, "findings": [{"severity": "info", "check": "remote-timeout",
                "site": "site-a", "cache": "work", "message": "m", "fix": "f"}]})
        );
        let report = Report {
            findings: vec![Finding::new(Check::PlainHttp, None, None, "m", "f")],
        };
        assert!(!report.ok());
    }
}
