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
    /// True when nothing is degraded.
    pub fn is_healthy(&self) -> bool {
        self.degraded.is_empty()
    }
}

/// Reads every site's view of every cache. A site that cannot be reached is reported, not fatal.
pub async fn status(sites: &Sites, caches: &CacheSet) -> StatusReport {
    let mut reports = Vec::new();
    let mut degraded = Vec::new();
    for name in sites.names() {
        let site = sites.get(name).expect("listed by names()");
        let others: Vec<String> = sites.others(name).map(|s| s.name.clone()).collect();
        let info = site.client.container().site_info().await;
        let sites_view = info.map(|i| i.sites_view).map_err(|e| e.to_string());
        match &sites_view {
            Ok(view) => {
                for other in &others {
                    if !view.contains(other) {
                        degraded.push(Degraded {
                            site: name.to_owned(),
                            cache: None,
                            what: format!(
                                "{other} is not in the sites view {view:?}: the link between the sites is down"
                            ),
                        });
                    }
                }
            }
            Err(e) => degraded.push(Degraded {
                site: name.to_owned(),
                cache: None,
                what: format!("cannot read the site information: {e}"),
            }),
        }
        let mut container = Vec::new();
        for other in &others {
            let status = site.client.container().xsite().site_status(other).await;
            if let Ok(status) = &status
                && !status.is_online()
            {
                degraded.push(Degraded {
                    site: name.to_owned(),
                    cache: None,
                    what: format!("all caches toward {other}: {status}"),
                });
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
        for (cache, outcome) in outcomes.into_inner() {
            let (backups, push) = outcome.expect("the closure never fails");
            let backups = backups
                .map(|m| m.into_iter().collect::<Vec<_>>())
                .map_err(|e| e.to_string());
            let push = push
                .map(|m| m.into_iter().collect::<Vec<_>>())
                .map_err(|e| e.to_string());
            let mark = |what: String, degraded: &mut Vec<Degraded>| {
                degraded.push(Degraded {
                    site: name.to_owned(),
                    cache: Some(cache.clone()),
                    what,
                })
            };
            match &backups {
                Ok(list) => {
                    for (backup, status) in list {
                        if !status.is_online() {
                            mark(format!("backup to {backup} is {status}"), &mut degraded);
                        }
                    }
                }
                Err(e) => mark(format!("backup status unreadable: {e}"), &mut degraded),
            }
            match &push {
                Ok(list) => {
                    for (backup, status) in list {
                        // IDLE is normal; OK is a finished push whose status was never cleared,
                        // which can hide the next push's result.
                        if *status != PushStateStatus::Idle {
                            mark(format!("push to {backup} is {status}"), &mut degraded);
                        }
                    }
                }
                Err(e) => mark(format!("push status unreadable: {e}"), &mut degraded),
            }
            rows.push(CacheRow {
                cache,
                backups,
                push,
            });
        }
        reports.push(SiteReport {
            site: name.to_owned(),
            sites_view,
            container,
            caches: rows,
        });
    }
    StatusReport {
        sites: reports,
        degraded,
    }
}
