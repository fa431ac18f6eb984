//! The plan of a workflow: its steps, where each runs, what it sends, and what it checks.
//!
//! A plan is data. `--dry-run` prints it; a real run walks the same steps and reports them through
//! [`super::Event`]s, so a plan and a run's log have the same shape.

use std::fmt;

use crate::cache_set::CacheSet;

/// One operation on one site, in the terms of the Keycloak runbooks (each is one `cli.sh` line).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action {
    /// `site status --all-caches --site=<backup>`.
    StatusAll {
        /// The backup site.
        backup: String,
    },
    /// `site take-offline --all-caches --site=<backup>`.
    TakeOfflineAll {
        /// The backup site.
        backup: String,
    },
    /// `site bring-online --all-caches --site=<backup>`.
    BringOnlineAll {
        /// The backup site.
        backup: String,
    },
    /// `site push-site-state --all-caches --site=<backup>`.
    PushStateAll {
        /// The backup site.
        backup: String,
    },
    /// `site status --cache=<cache>`: the cache's backup status toward every site.
    CacheStatus {
        /// The cache.
        cache: String,
    },
    /// `clearcache <cache>`.
    ClearCache {
        /// The cache.
        cache: String,
    },
    /// `site push-site-status --cache=<cache>`.
    PushStatus {
        /// The cache.
        cache: String,
    },
    /// `site push-site-state --cache=<cache> --site=<backup>`.
    PushState {
        /// The cache.
        cache: String,
        /// The backup site.
        backup: String,
    },
    /// `site clear-push-site-status --cache=<cache>`.
    ClearPushStatus {
        /// The cache.
        cache: String,
    },
}

/// What a step must have reached before the workflow goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Check {
    /// Nothing to verify.
    None,
    /// Every cache of the set has its backup to `backup` offline.
    Offline {
        /// The backup site.
        backup: String,
    },
    /// Every cache of the set has its backup to `backup` online.
    Online {
        /// The backup site.
        backup: String,
    },
    /// Every cache's backup to every site is offline, checked again right before each clear.
    OfflineBeforeEachClear,
    /// Every cache reports `OK` for its push to `backup`.
    PushOk {
        /// The backup site.
        backup: String,
    },
    /// Every cache's push status is `IDLE`.
    PushIdle,
}

/// One step of a plan: where it runs, what it sends, and what it checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// 1-based position in the plan.
    pub number: usize,
    /// The site whose Data Grid the step talks to.
    pub site: String,
    /// What the step is for, in a few words.
    pub title: String,
    /// The operations it sends, in order.
    pub actions: Vec<Action>,
    /// The postcondition it verifies before the next step.
    pub check: Check,
}

/// Which workflow a plan belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Workflow {
    /// Take a site offline everywhere else, and verify it.
    Fence {
        /// The site being fenced.
        site: String,
    },
    /// Replace a stale site's cache contents with a good site's (Keycloak procedure 3; with the
    /// roles swapped, procedure 4).
    Resync {
        /// The site whose data is kept.
        from: String,
        /// The site whose data is discarded and replaced.
        to: String,
    },
    /// Keycloak 26's "take site offline": the operator takes the site out of the load balancer,
    /// then the sites that stay stop replicating to it (the steps of a fence).
    TakeOffline {
        /// The site taken offline.
        site: String,
    },
    /// Keycloak 26's "synchronize": with Keycloak on `to` shut down, `to`'s caches are
    /// replaced by `from`'s (the steps of a resync).
    Synchronize {
        /// The site whose data is kept.
        from: String,
        /// The site whose data is discarded and replaced.
        to: String,
    },
    /// Keycloak 26's "bring site online": every backup between the site and the others is
    /// verified online, after which the operator puts the site back behind the load balancer.
    BringOnline {
        /// The site brought online.
        site: String,
    },
}

impl fmt::Display for Workflow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Workflow::Fence { site } => write!(f, "fence {site}"),
            Workflow::Resync { from, to } => write!(f, "resync from {from} to {to}"),
            Workflow::TakeOffline { site } => write!(f, "take-offline {site}"),
            Workflow::Synchronize { from, to } => write!(f, "synchronize {to} from {from}"),
            Workflow::BringOnline { site } => write!(f, "bring-online {site}"),
        }
    }
}

/// The ordered steps of a workflow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The workflow.
    pub workflow: Workflow,
    /// The caches it covers.
    pub caches: CacheSet,
    /// The steps, in order.
    pub steps: Vec<Step>,
}

impl Plan {
    /// The fence of `site`, run from `from` (the site that stays).
    pub fn fence(site: &str, from: &str, caches: &CacheSet) -> Plan {
        let steps = vec![Step {
            number: 1,
            site: from.to_owned(),
            title: format!("take {site} offline for every cache, and verify"),
            actions: vec![
                Action::TakeOfflineAll {
                    backup: site.to_owned(),
                },
                Action::StatusAll {
                    backup: site.to_owned(),
                },
            ],
            check: Check::Offline {
                backup: site.to_owned(),
            },
        }];
        Plan {
            workflow: Workflow::Fence {
                site: site.to_owned(),
            },
            caches: caches.clone(),
            steps,
        }
    }

    /// Keycloak 26's "take site offline" of `site`, run from `from` (a site that stays): the
    /// steps of [`Plan::fence`].
    pub fn take_offline(site: &str, from: &str, caches: &CacheSet) -> Plan {
        Plan {
            workflow: Workflow::TakeOffline {
                site: site.to_owned(),
            },
            ..Plan::fence(site, from, caches)
        }
    }

    /// Keycloak 26's "synchronize" of `to` from `from`: the steps of [`Plan::resync`].
    pub fn synchronize(from: &str, to: &str, caches: &CacheSet) -> Plan {
        Plan {
            workflow: Workflow::Synchronize {
                from: from.to_owned(),
                to: to.to_owned(),
            },
            ..Plan::resync(from, to, caches)
        }
    }

    /// Keycloak 26's "bring site online" of `site`: on each other site, its backup to `site` is
    /// read and must be online; then on `site`, its backup to each other site. Nothing is
    /// changed: a site that was taken offline is synchronized first, and that brings the
    /// backups online.
    pub fn bring_online(site: &str, others: &[&str], caches: &CacheSet) -> Plan {
        let verify = |on: &str, backup: &str| Step {
            number: 0,
            site: on.to_owned(),
            title: format!("verify that every cache's backup to {backup} is online"),
            actions: vec![Action::StatusAll {
                backup: backup.to_owned(),
            }],
            check: Check::Online {
                backup: backup.to_owned(),
            },
        };
        let mut steps: Vec<Step> = others.iter().map(|other| verify(other, site)).collect();
        steps.extend(others.iter().map(|other| verify(site, other)));
        for (index, step) in steps.iter_mut().enumerate() {
            step.number = index + 1;
        }
        Plan {
            workflow: Workflow::BringOnline {
                site: site.to_owned(),
            },
            caches: caches.clone(),
            steps,
        }
    }

    /// The resync of `to` from `from`: Keycloak procedure 3 (and 4 with the roles swapped).
    pub fn resync(from: &str, to: &str, caches: &CacheSet) -> Plan {
        let each = |make: fn(String) -> Action| -> Vec<Action> {
            caches.names().iter().cloned().map(make).collect()
        };
        let good = from.to_owned();
        let stale = to.to_owned();
        let steps = vec![
            Step {
                number: 1,
                site: stale.clone(),
                title: format!("take {good} offline, so that the clears cannot reach it"),
                actions: vec![
                    Action::TakeOfflineAll {
                        backup: good.clone(),
                    },
                    Action::StatusAll {
                        backup: good.clone(),
                    },
                ],
                check: Check::Offline {
                    backup: good.clone(),
                },
            },
            Step {
                number: 2,
                site: stale.clone(),
                title: "clear the caches (each only once its backups are verified offline)"
                    .to_owned(),
                actions: caches
                    .names()
                    .iter()
                    .flat_map(|cache| {
                        [
                            Action::CacheStatus {
                                cache: cache.clone(),
                            },
                            Action::ClearCache {
                                cache: cache.clone(),
                            },
                        ]
                    })
                    .collect(),
                check: Check::OfflineBeforeEachClear,
            },
            Step {
                number: 3,
                site: stale.clone(),
                title: format!("bring {good} online again"),
                actions: vec![
                    Action::BringOnlineAll {
                        backup: good.clone(),
                    },
                    Action::StatusAll {
                        backup: good.clone(),
                    },
                ],
                check: Check::Online {
                    backup: good.clone(),
                },
            },
            Step {
                number: 4,
                site: good.clone(),
                title: format!("clear old push status, then push state to {stale}"),
                actions: each(|cache| Action::ClearPushStatus { cache })
                    .into_iter()
                    .chain([
                        Action::PushStateAll {
                            backup: stale.clone(),
                        },
                        Action::StatusAll {
                            backup: stale.clone(),
                        },
                    ])
                    .collect(),
                check: Check::Online {
                    backup: stale.clone(),
                },
            },
            Step {
                number: 5,
                site: good.clone(),
                title: "wait until every cache reports OK (re-pushing a cache in ERROR)".to_owned(),
                actions: each(|cache| Action::PushStatus { cache }),
                check: Check::PushOk {
                    backup: stale.clone(),
                },
            },
            Step {
                number: 6,
                site: good.clone(),
                title: "clear the push status".to_owned(),
                actions: each(|cache| Action::ClearPushStatus { cache }),
                check: Check::PushIdle,
            },
        ];
        Plan {
            workflow: Workflow::Resync {
                from: good,
                to: stale,
            },
            caches: caches.clone(),
            steps,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(name: &str) -> String {
        name.to_owned()
    }

    /// Keycloak 26's operations: take-offline and synchronize are the fence's and the resync's
    /// steps under their own names; bring-online reads both directions and changes nothing.
    #[test]
    fn keycloak_26_plans() {
        let caches = CacheSet::keycloak_26();
        let take = Plan::take_offline("site-b", "site-a", &caches);
        assert_eq!(take.steps, Plan::fence("site-b", "site-a", &caches).steps);
        assert_eq!(take.workflow.to_string(), "take-offline site-b");
        let sync = Plan::synchronize("site-a", "site-b", &caches);
        assert_eq!(sync.steps, Plan::resync("site-a", "site-b", &caches).steps);
        assert_eq!(sync.workflow.to_string(), "synchronize site-b from site-a");
        let online = Plan::bring_online("site-b", &["site-a", "site-c"], &caches);
        let shape: Vec<(usize, &str, Vec<Action>, Check)> = online
            .steps
            .iter()
            .map(|s| {
                (
                    s.number,
                    s.site.as_str(),
                    s.actions.clone(),
                    s.check.clone(),
                )
            })
            .collect();
        let read = |backup: &str| {
            vec![Action::StatusAll {
                backup: backup.to_owned(),
            }]
        };
        let online_to = |backup: &str| Check::Online {
            backup: backup.to_owned(),
        };
        assert_eq!(
            shape,
            vec![
                (1, "site-a", read("site-b"), online_to("site-b")),
                (2, "site-c", read("site-b"), online_to("site-b")),
                (3, "site-b", read("site-a"), online_to("site-a")),
                (4, "site-b", read("site-c"), online_to("site-c")),
            ]
        );
    }

    /// The plan follows Keycloak procedure 3 step by step (runbooks.md), on the right sites.
    #[test]
    fn resync_plan_matches_procedure_three() {
        let caches = CacheSet::custom(["work", "sessions"]);
        let plan = Plan::resync("site-a", "site-b", &caches);
        let sites: Vec<&str> = plan.steps.iter().map(|s| s.site.as_str()).collect();
        assert_eq!(
            sites,
            ["site-b", "site-b", "site-b", "site-a", "site-a", "site-a"]
        );
        let a = || "site-a".to_owned();
        let b = || "site-b".to_owned();
        let actions: Vec<Vec<Action>> = plan.steps.iter().map(|s| s.actions.clone()).collect();
        assert_eq!(
            actions,
            vec![
                // 2-3: take site-a offline on site-b, check the status.
                vec![
                    Action::TakeOfflineAll { backup: a() },
                    Action::StatusAll { backup: a() }
                ],
                // 4: clear every cache, each after its status.
                vec![
                    Action::CacheStatus {
                        cache: cache("work")
                    },
                    Action::ClearCache {
                        cache: cache("work")
                    },
                    Action::CacheStatus {
                        cache: cache("sessions")
                    },
                    Action::ClearCache {
                        cache: cache("sessions")
                    },
                ],
                // 5-6: bring site-a online, check.
                vec![
                    Action::BringOnlineAll { backup: a() },
                    Action::StatusAll { backup: a() }
                ],
                // 7-8 (clearing old push status first): push to site-b, check.
                vec![
                    Action::ClearPushStatus {
                        cache: cache("work")
                    },
                    Action::ClearPushStatus {
                        cache: cache("sessions")
                    },
                    Action::PushStateAll { backup: b() },
                    Action::StatusAll { backup: b() },
                ],
                // 9: push status per cache.
                vec![
                    Action::PushStatus {
                        cache: cache("work")
                    },
                    Action::PushStatus {
                        cache: cache("sessions")
                    },
                ],
                // 10: clear the push status per cache.
                vec![
                    Action::ClearPushStatus {
                        cache: cache("work")
                    },
                    Action::ClearPushStatus {
                        cache: cache("sessions")
                    },
                ],
            ]
        );
        assert_eq!(plan.steps[1].check, Check::OfflineBeforeEachClear);
        assert_eq!(plan.steps[4].check, Check::PushOk { backup: b() });
    }

    /// Procedure 4 is procedure 3 with the roles swapped.
    #[test]
    fn switch_back_is_resync_with_roles_swapped() {
        let plan = Plan::resync("site-b", "site-a", &CacheSet::keycloak_26());
        assert_eq!(plan.steps[0].site, "site-a");
        assert_eq!(
            plan.steps[0].actions[0],
            Action::TakeOfflineAll {
                backup: "site-b".into()
            }
        );
        assert_eq!(plan.steps[3].site, "site-b");
        assert_eq!(plan.steps[1].actions.len(), 8);
    }

    /// Fence: one step on the site that stays.
    #[test]
    fn fence_plan_is_procedure_one() {
        let plan = Plan::fence("site-a", "site-b", &CacheSet::default());
        assert_eq!(plan.steps.len(), 1);
        assert_eq!(plan.steps[0].site, "site-b");
        assert_eq!(
            plan.steps[0].actions,
            [
                Action::TakeOfflineAll {
                    backup: "site-a".into()
                },
                Action::StatusAll {
                    backup: "site-a".into()
                }
            ]
        );
        assert_eq!(
            plan.steps[0].check,
            Check::Offline {
                backup: "site-a".into()
            }
        );
    }
}
