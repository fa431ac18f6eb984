//! `runbook status`: both sites and all caches in one view, anything degraded marked.

use crate::cache_set::CacheSet;
use crate::error::Error;
use crate::model::{PushStateStatus, SiteStatus};

use super::run::Sites;

/// One cache on one site: its backup status and push status toward each other site.
#[derive(Debug, Clone, PartialEq)]
pub struct CacheRow {
    /// The cache.
    pub cache: String,
    /// Backup status per backup site, or the error that prevented reading it.
    pub backups: Result<Vec<(String, SiteStatus)>, String>,
    /// Push-state status per backup site, or the error that prevented reading it.
    pub push: Result<Vec<(String, PushStateStatus)>, String>,
}

/// One site's view.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteReport {
    /// The site's name.
    pub site: String,
    /// The sites its relay sees (connectivity), or the error.
    pub sites_view: Result<Vec<String>, String>,
    /// Its status over all caches toward each other site.
    pub container: Vec<(String, Result<SiteStatus, String>)>,
    /// Every cache of the set.
    pub caches: Vec<CacheRow>,
    /// Why the site could not be read at all (refused connection, rejected credentials, TLS),
    /// with the root cause; nothing else was read from it then.
    pub unreachable: Option<String>,
}

/// Something an operator should look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Degraded {
    /// Where: the site, and the cache when it is about one.
    pub site: String,
    /// The cache, if the finding is about one.
    pub cache: Option<String>,
    /// What was found.
    pub what: String,
    /// A state that a runbook leaves on purpose (a fenced site, a finished push whose status
    /// was not cleared): reported with what to run, but not degraded.
    pub expected: bool,
    /// What to run about it, when there is something to run.
    pub next: Option<String>,
}

impl Degraded {
    fn found(site: &str, cache: Option<&str>, what: String) -> Degraded {
        Degraded {
            site: site.to_owned(),
            cache: cache.map(str::to_owned),
            what,
            expected: false,
            next: None,
        }
    }
}

/// Both sites and all caches.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusReport {
    /// One report per site.
    pub sites: Vec<SiteReport>,
    /// Everything that is not as it should be in normal operation.
    pub degraded: Vec<Degraded>,
}

impl StatusReport {
    /// True when nothing is degraded (expected states aside).
    pub fn is_healthy(&self) -> bool {
        self.degraded.iter().all(|d| d.expected)
    }

    /// The sites that could not be read at all, with why.
    pub fn unreachable(&self) -> Vec<(&str, &str)> {
        self.sites
            .iter()
            .filter_map(|s| s.unreachable.as_deref().map(|why| (s.site.as_str(), why)))
            .collect()
    }
}

/// Whether an error means the site could not be read at all: no connection, TLS, or rejected
/// credentials.
pub(crate) fn is_unreachable(error: &Error) -> bool {
    matches!(
        error,
        Error::Transport { .. } | Error::Tls { .. } | Error::Unauthorized(_) | Error::Forbidden(_)
    )
}

/// Why a site cannot be read, in a few words with the root cause (a refused connection, a
/// certificate, rejected credentials), rather than the whole chain of wrappers.
pub(crate) fn unreachable_cause(error: &Error) -> String {
    fn innermost(error: &(dyn std::error::Error + 'static)) -> String {
        let mut current = error;
        while let Some(next) = current.source() {
            current = next;
        }
        current.to_string()
    }
    match error {
        Error::Transport { source, .. } => format!("no connection: {}", innermost(source)),
        Error::Tls { detail, .. } => format!("TLS handshake failed: {detail}"),
        Error::Unauthorized(_) => "HTTP 401: the credentials were rejected".to_owned(),
        Error::Forbidden(_) => {
            "HTTP 403: the user lacks the permission (cross-site operations need ADMIN)".to_owned()
        }
        other => super::run::cause_chain(other),
    }
}

/// Reads every site's view of every cache. A site that cannot be reached is reported, not fatal.
pub async fn status(sites: &Sites, caches: &CacheSet) -> StatusReport {
    // Keycloak 26's sites are told in its guide's words (take-offline, synchronize).
    let keycloak_26 = *caches == CacheSet::keycloak_26();
    let mut reports = Vec::new();
    let mut degraded = Vec::new();
    for name in sites.names() {
        let site = sites.get(name).expect("listed by names()");
        let others: Vec<String> = sites.others(name).map(|s| s.name.clone()).collect();
        let info = site.client.container().site_info().await;
        if let Err(e) = &info
            && is_unreachable(e)
        {
            // One finding for the site, with the root cause, rather than one per request.
            let why = format!("{} ({})", unreachable_cause(e), site.client.base_url());
            degraded.push(Degraded::found(name, None, format!("unreachable: {why}")));
            reports.push(SiteReport {
                site: name.to_owned(),
                sites_view: Err(why.clone()),
                container: Vec::new(),
                caches: Vec::new(),
                unreachable: Some(why),
            });
            continue;
        }
        // Only a relay node (the site master) sees the other sites: another node of a
        // multi-node site answers an empty view (docs/real-server/DIFFERENCES.md F).
        let relays_elsewhere = match &info {
            Ok(i) if !i.relay_node && i.sites_view.is_empty() => Some(i.relay_nodes.clone()),
            _ => None,
        };
        let sites_view = info.map(|i| i.sites_view).map_err(|e| e.to_string());
        match &sites_view {
            Ok(_) if relays_elsewhere.is_some() => degraded.push(Degraded {
                site: name.to_owned(),
                cache: None,
                what: format!(
                    "the node that answered is not a relay node (the relay nodes are {:?}) and only a relay node sees the other sites: the link was not checked",
                    relays_elsewhere.unwrap_or_default()
                ),
                expected: true,
                next: Some(format!(
                    "to check the link, point {name}'s URL at its relay node (the site's coordinator)"
                )),
            }),
            Ok(view) => {
                for other in &others {
                    if !view.contains(other) {
                        degraded.push(Degraded::found(
                            name,
                            None,
                            format!(
                                "{other} is not in the sites view {view:?}: the link between the sites is down"
                            ),
                        ));
                    }
                }
            }
            Err(e) => degraded.push(Degraded::found(
                name,
                None,
                format!("cannot read the site information: {e}"),
            )),
        }
        let mut container = Vec::new();
        let mut fenced: Vec<String> = Vec::new();
        for other in &others {
            let status = site.client.container().xsite().site_status(other).await;
            if let Ok(status) = &status
                && !status.is_online()
            {
                if *status == SiteStatus::Offline {
                    // Confirmed below when every cache of the set is offline toward it too.
                    fenced.push(other.clone());
                } else {
                    degraded.push(Degraded::found(
                        name,
                        None,
                        format!("all caches toward {other}: {status}"),
                    ));
                }
            }
            container.push((other.clone(), status.map_err(|e| e.to_string())));
        }
        let outcomes = caches
            .fan_out(&site.client, |cache| async move {
                let backups = cache.xsite().backups().await;
                let push = cache.xsite().push_state_status().await;
                Ok::<_, Error>((backups, push))
            })
            .await;
        let mut rows = Vec::new();
        let mut findings = Vec::new();
        for (cache, outcome) in outcomes.into_inner() {
            let (backups, push) = outcome.expect("the closure never fails");
            let backups = backups
                .map(|m| m.into_iter().collect::<Vec<_>>())
                .map_err(|e| e.to_string());
            let push = push
                .map(|m| m.into_iter().collect::<Vec<_>>())
                .map_err(|e| e.to_string());
            let mark = |what: String| Degraded::found(name, Some(&cache), what);
            match &backups {
                Ok(list) => {
                    for (backup, status) in list {
                        if !status.is_online() {
                            findings.push((
                                Some(backup.clone()),
                                mark(format!("backup to {backup} is {status}")),
                            ));
                        }
                    }
                }
                Err(e) => findings.push((None, mark(format!("backup status unreadable: {e}")))),
            }
            match &push {
                Ok(list) => {
                    for (backup, status) in list {
                        // IDLE is normal; OK is a finished push whose status was never cleared,
                        // which can hide the next push's result: expected after a push, with
                        // the command that clears it.
                        if *status == PushStateStatus::Ok {
                            let mut note = mark(format!(
                                "push to {backup} is OK: a finished push whose status was not cleared (it can hide the next push's result)"
                            ));
                            note.expected = true;
                            note.next = Some(format!(
                                "on {name}: site clear-push-site-status --cache={cache}"
                            ));
                            degraded.push(note);
                        } else if *status != PushStateStatus::Idle {
                            degraded.push(mark(format!("push to {backup} is {status}")));
                        }
                    }
                }
                Err(e) => degraded.push(mark(format!("push status unreadable: {e}"))),
            }
            rows.push(CacheRow {
                cache,
                backups,
                push,
            });
        }
        // A site offline toward another for the container and for every cache is fenced, as
        // `runbook fence` leaves it: one expected finding instead of one per cache.
        for other in &fenced {
            let all_offline = rows.iter().all(|row| {
                row.backups.as_ref().is_ok_and(|list| {
                    list.iter()
                        .any(|(b, s)| b == other && *s == SiteStatus::Offline)
                })
            });
            if all_offline {
                findings.retain(|(backup, _)| backup.as_deref() != Some(other.as_str()));
                degraded.push(Degraded {
                    site: name.to_owned(),
                    cache: None,
                    what: if keycloak_26 {
                        format!(
                            "{other} is offline: every cache's backup to {other} is offline (as `runbook take-offline --site {other}` leaves it)"
                        )
                    } else {
                        format!(
                            "{other} is fenced: every cache's backup to {other} is offline (as `runbook fence --site {other}` leaves it)"
                        )
                    },
                    expected: true,
                    next: Some(if keycloak_26 {
                        format!(
                            "once {other} is back and its Keycloak shut down: runbook synchronize --from {name} --to {other}, then runbook bring-online --site {other}"
                        )
                    } else {
                        format!(
                            "once {other} is back and its Keycloak scaled to 0: runbook resync --from {name} --to {other}"
                        )
                    }),
                });
            } else {
                degraded.push(Degraded::found(
                    name,
                    None,
                    format!("all caches toward {other}: offline"),
                ));
            }
        }
        degraded.extend(findings.into_iter().map(|(_, d)| d));
        reports.push(SiteReport {
            site: name.to_owned(),
            sites_view,
            container,
            caches: rows,
            unreachable: None,
        });
    }
    StatusReport {
        sites: reports,
        degraded,
    }
}
