//! `xsite doctor` (`xsite::doctor`): the clean grid has no error and no warning but plain http;
//! each fault, injected through REST, gives exactly the finding expected, naming the site and
//! cache. Every fault is undone before the case returns (and `Grid::reset` recreates a deleted
//! cache).

use std::time::Duration;

use xsite::doctor::{self, Check, Options, Report, Severity};
use xsite::runbook::{Site, Sites};
use xsite::{CacheSet, Client};

use super::case;
use super::runbook::sites;
use crate::{Case, CaseResult, Grid, SITE_A, SITE_B, ensure, harness_cache_config};

/// The cache the faults are made on (no merge policy, in both Keycloak sets).
const CACHE: &str = "work";

pub(super) fn cases() -> Vec<Case> {
    vec![
        case!("doctor_clean_grid", "xsite doctor", clean_grid),
        case!(
            "doctor_keycloak_26_blueprint",
            "xsite doctor --cache-set keycloak-26",
            keycloak_26_blueprint
        ),
        case!(
            "doctor_cache_missing",
            "xsite doctor (DELETE /rest/v2/caches/work on site-b)",
            cache_missing
        ),
        case!(
            "doctor_async_backup",
            "xsite doctor (work recreated with an ASYNC backup)",
            async_backup
        ),
        case!(
            "doctor_backup_offline",
            "xsite doctor (take-offline work on site-a)",
            backup_offline
        ),
        case!(
            "doctor_no_backups",
            "xsite doctor (work recreated without backups)",
            no_backups
        ),
        case!(
            "doctor_site_unreachable",
            "xsite doctor (site-b at a closed port)",
            site_unreachable
        ),
        case!(
            "doctor_version_skew",
            "xsite doctor (simulator: site-b reports another version)",
            version_skew
        ),
        case!(
            "doctor_observer",
            "xsite doctor (the observer user on site-a)",
            observer
        ),
        case!(
            "doctor_wrong_password",
            "xsite doctor (a wrong password for site-b)",
            wrong_password
        ),
        case!(
            "doctor_site_names_swapped",
            "xsite doctor (site-a named site-b and site-b named site-a)",
            site_names_swapped
        ),
        case!(
            "doctor_push_left",
            "xsite doctor (a push of work to site-b ended OK, its status left)",
            push_left
        ),
        case!(
            "doctor_take_offline_never",
            "xsite doctor (work recreated on site-b with failure-policy FAIL, take-offline 0/0)",
            take_offline_never
        ),
        case!(
            "doctor_state_transfer_auto",
            "xsite doctor (work recreated on site-b with an ASYNC backup in state-transfer mode AUTO)",
            state_transfer_auto
        ),
        case!(
            "doctor_owners_differ",
            "xsite doctor (work recreated on site-b with owners 1)",
            owners_differ
        ),
        case!(
            "doctor_chunk_size",
            "xsite doctor (work recreated on site-b with state-transfer chunk-size 32)",
            chunk_size
        ),
        case!(
            "doctor_cache_mode",
            "xsite doctor (work recreated on site-b in mode ASYNC)",
            cache_mode
        ),
        case!(
            "doctor_backup_unknown_site",
            "xsite doctor (work recreated on site-b backing up to site-c)",
            backup_unknown_site
        ),
        case!(
            "doctor_push_sending",
            "xsite doctor (simulator: a push of work held SENDING)",
            push_sending
        ),
        case!(
            "doctor_push_error",
            "xsite doctor (simulator: a push of work ended in ERROR, link cut)",
            push_error
        ),
        case!(
            "doctor_site_view",
            "xsite doctor (simulator: the cross-site link cut, each view holds its own site only)",
            site_view
        ),
        case!(
            "doctor_unreadable",
            "xsite doctor (simulator: work's push status answers 500 on site-a)",
            unreadable
        ),
    ]
}

fn options() -> Options {
    Options {
        timeout: Duration::from_secs(20),
    }
}

async fn diagnose(sites: &Sites) -> Report {
    doctor::diagnose(sites, &CacheSet::keycloak_legacy(), &options()).await
}

/// The errors and warnings of a report, as (check, site, cache), plain http left out (the
/// harness serves plain http, on purpose).
fn problems(report: &Report) -> Vec<(&'static str, Option<String>, Option<String>)> {
    report
        .findings
        .iter()
        .filter(|f| f.severity != Severity::Info && f.check != Check::PlainHttp)
        .map(|f| (f.check.as_str(), f.site.clone(), f.cache.clone()))
        .collect()
}

/// The findings of one check, as (site, cache, message).
fn messages(report: &Report, check: Check) -> Vec<(Option<String>, Option<String>, String)> {
    report
        .of(check)
        .map(|f| (f.site.clone(), f.cache.clone(), f.message.clone()))
        .collect()
}

/// A finding on site-b's `work`, as [`messages`] lists it.
fn on_b(message: &str) -> (Option<String>, Option<String>, String) {
    (
        Some(SITE_B.to_owned()),
        Some(CACHE.to_owned()),
        message.to_owned(),
    )
}

/// Whether the sites' configurations of `work` differ in exactly one finding, naming `setting`.
fn differs_only_in(report: &Report, setting: &str) -> bool {
    let differ: Vec<_> = report.of(Check::SitesDiffer).collect();
    differ.len() == 1
        && differ[0].cache.as_deref() == Some(CACHE)
        && differ[0].message.contains(setting)
}

fn one(
    check: Check,
    site: &str,
    cache: Option<&str>,
) -> Vec<(&'static str, Option<String>, Option<String>)> {
    vec![(
        check.as_str(),
        Some(site.to_owned()),
        cache.map(str::to_owned),
    )]
}

/// Runs `fault`, then `restore` whatever happened, and gives the fault's outcome first.
async fn with_restore<F, R>(fault: F, restore: R) -> CaseResult
where
    F: std::future::Future<Output = CaseResult>,
    R: std::future::Future<Output = CaseResult>,
{
    let outcome = fault.await;
    let restored = restore.await;
    outcome.and(restored)
}

/// Puts `CACHE` back on `client`'s site as scripts/grid creates it.
async fn recreate(client: &Client, other: &str) -> CaseResult {
    let cache = client.cache(CACHE);
    if client.cache_names().await?.iter().any(|c| c == CACHE) {
        cache.destroy().await?;
    }
    cache
        .create(&harness_cache_config(CACHE, Some((other, "SYNC"))))
        .await?;
    Ok(())
}

async fn clean_grid(target: &Grid) -> CaseResult {
    let report = diagnose(&sites(target)).await;
    ensure!(problems(&report).is_empty(), "{:?}", report.findings);
    let plain: Vec<Option<String>> = report
        .of(Check::PlainHttp)
        .map(|f| f.site.clone())
        .collect();
    // Plain http on each site the harness serves over http (scripts/tls-check runs the suite
    // over https, where there is none and the report is ok).
    let over_http: Vec<Option<String>> = [SITE_A, SITE_B]
        .into_iter()
        .filter(|site| target.url(site).starts_with("http://"))
        .map(|site| Some(site.to_owned()))
        .collect();
    ensure!(plain == over_http, "{plain:?}");
    ensure!(report.ok() == over_http.is_empty(), "{:?}", report.findings);
    // What differs from the Keycloak 24 guide is the harness's shorter timeouts (and, on 15.2
    // and 16.0, the version the guide names): info only.
    for finding in &report.findings {
        ensure!(
            matches!(
                finding.check,
                Check::PlainHttp
                    | Check::RemoteTimeout
                    | Check::BackupTimeout
                    | Check::VersionSupport
                    | Check::UserRights
            ),
            "{finding:?}"
        );
    }
    ensure!(
        report.of(Check::RemoteTimeout).count() == 16,
        "{:?}",
        report.findings
    );
    // The harness's admin user has ALL: more than xsite needs, on each site.
    let rights: Vec<Option<String>> = report
        .of(Check::UserRights)
        .map(|f| f.site.clone())
        .collect();
    ensure!(
        rights == [Some(SITE_A.to_owned()), Some(SITE_B.to_owned())],
        "{:?}",
        report.findings
    );
    Ok(())
}

/// The harness's caches against the Keycloak 26 guide: every difference is info (the harness
/// follows the Keycloak 24 guide), nothing else than plain http is a warning.
async fn keycloak_26_blueprint(target: &Grid) -> CaseResult {
    let report = doctor::diagnose(&sites(target), &CacheSet::keycloak_26(), &options()).await;
    ensure!(problems(&report).is_empty(), "{:?}", report.findings);
    for check in [
        Check::Encoding,
        Check::Transaction,
        Check::Locking,
        Check::FailurePolicy,
    ] {
        // Each of the four caches, on both sites.
        ensure!(
            report.of(check).count() == 8,
            "{}: {:?}",
            check.as_str(),
            report.findings
        );
    }
    // authenticationSessions has the Keycloak 24 guide's merge policy; the Keycloak 26 guide none.
    let merge: Vec<Option<String>> = report
        .of(Check::MergePolicy)
        .map(|f| f.cache.clone())
        .collect();
    ensure!(
        merge
            == [
                Some("authenticationSessions".to_owned()),
                Some("authenticationSessions".to_owned())
            ],
        "{merge:?}"
    );
    Ok(())
}

async fn cache_missing(target: &Grid) -> CaseResult {
    let b = target.b();
    b.cache(CACHE).destroy().await?;
    with_restore(
        async {
            let report = diagnose(&sites(target)).await;
            let found = problems(&report);
            ensure!(
                found == one(Check::CacheMissing, SITE_B, Some(CACHE)),
                "{:?}",
                report.findings
            );
            // The set is still detected (site-a holds it whole).
            let set = doctor::detect_cache_set(&sites(target), Duration::from_secs(20)).await?;
            ensure!(set == CacheSet::keycloak_legacy(), "{set:?}");
            Ok(())
        },
        recreate(&b, SITE_A),
    )
    .await
}

async fn async_backup(target: &Grid) -> CaseResult {
    let b = target.b();
    b.cache(CACHE).destroy().await?;
    b.cache(CACHE)
        .create(&harness_cache_config(CACHE, Some((SITE_A, "ASYNC"))))
        .await?;
    with_restore(
        async {
            let report = diagnose(&sites(target)).await;
            ensure!(
                problems(&report) == one(Check::BackupStrategy, SITE_B, Some(CACHE)),
                "{:?}",
                report.findings
            );
            let finding = report.of(Check::BackupStrategy).next().expect("checked");
            ensure!(
                finding.message
                    == "the backup to site-a: strategy is ASYNC; the Keycloak 24 multi-site guide prescribes SYNC",
                "{finding:?}"
            );
            Ok(())
        },
        recreate(&b, SITE_A),
    )
    .await
}

async fn backup_offline(target: &Grid) -> CaseResult {
    let a = target.a();
    a.cache(CACHE).xsite().take_offline(SITE_B).await?;
    with_restore(
        async {
            let report = diagnose(&sites(target)).await;
            ensure!(
                problems(&report) == one(Check::BackupOffline, SITE_A, Some(CACHE)),
                "{:?}",
                report.findings
            );
            let finding = report.of(Check::BackupOffline).next().expect("checked");
            ensure!(
                finding
                    .fix
                    .contains("`site bring-online --cache=work --site=site-b`"),
                "{finding:?}"
            );
            Ok(())
        },
        async {
            a.cache(CACHE).xsite().bring_online(SITE_B).await?;
            Ok(())
        },
    )
    .await
}

async fn no_backups(target: &Grid) -> CaseResult {
    let b = target.b();
    b.cache(CACHE).destroy().await?;
    b.cache(CACHE)
        .create(&harness_cache_config(CACHE, None))
        .await?;
    with_restore(
        async {
            let report = diagnose(&sites(target)).await;
            ensure!(
                problems(&report) == one(Check::BackupMissing, SITE_B, Some(CACHE)),
                "{:?}",
                report.findings
            );
            Ok(())
        },
        recreate(&b, SITE_A),
    )
    .await
}

async fn site_unreachable(target: &Grid) -> CaseResult {
    // A port nothing listens on (reserved, never bound by the harness).
    let closed = Client::builder("http://127.0.0.1:1")
        .credentials(target.admin())
        .build()?;
    let sites = Sites::new([
        Site {
            name: SITE_A.to_owned(),
            client: target.a(),
        },
        Site {
            name: SITE_B.to_owned(),
            client: closed,
        },
    ]);
    let report = diagnose(&sites).await;
    ensure!(
        problems(&report) == one(Check::SiteUnreachable, SITE_B, None),
        "{:?}",
        report.findings
    );
    Ok(())
}

/// The harness runs one version on both sites; only the simulator can report another on
/// site-b: a second grid, started with the skew, for this case.
async fn version_skew(target: &Grid) -> CaseResult {
    let Some(sim) = target.sim() else {
        return target.skip("the real harness runs one version on both sites");
    };
    let info = target.a().container().info().await?;
    let version = info
        .version()
        .ok_or_else(|| "site-a reports no version".to_owned())?
        .to_owned();
    let (major, minor) = version
        .split_once('.')
        .and_then(|(major, rest)| Some((major, rest.split('.').next()?)))
        .ok_or_else(|| format!("version {version}"))?;
    for (skewed, check) in [
        (
            format!("{major}.{minor}.999.Final"),
            Check::VersionPatchSkew,
        ),
        (
            format!("{major}.{}.0.Final", minor.parse::<u32>().unwrap_or(0) + 1),
            Check::VersionSkew,
        ),
    ] {
        let options = xsite_sim::SimOptions {
            site_b_version: Some(skewed.clone()),
            ..sim.options().clone()
        };
        let skewed_grid = Grid::with_simulator(options).await?;
        let report = diagnose(&sites(&skewed_grid)).await;
        skewed_grid.shutdown().await;
        let found: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.severity != Severity::Info && f.check != Check::PlainHttp)
            .map(|f| (f.check, f.site.clone(), f.message.clone()))
            .collect();
        ensure!(
            found
                == [(
                    check,
                    None,
                    format!("site-a runs {version}, site-b runs {skewed}")
                )],
            "{skewed}: {:?}",
            report.findings
        );
    }
    Ok(())
}

async fn observer(target: &Grid) -> CaseResult {
    let sites = Sites::new([
        Site {
            name: SITE_A.to_owned(),
            client: target.client_as(SITE_A, target.observer()),
        },
        Site {
            name: SITE_B.to_owned(),
            client: target.b(),
        },
    ]);
    let report = diagnose(&sites).await;
    ensure!(
        problems(&report) == one(Check::SiteForbidden, SITE_A, None),
        "{:?}",
        report.findings
    );
    Ok(())
}

async fn wrong_password(target: &Grid) -> CaseResult {
    let wrong = target.client_as(
        SITE_B,
        xsite::Credentials::password(target.username.clone(), "not-the-password"),
    );
    let sites = Sites::new([
        Site {
            name: SITE_A.to_owned(),
            client: target.a(),
        },
        Site {
            name: SITE_B.to_owned(),
            client: wrong,
        },
    ]);
    let report = diagnose(&sites).await;
    ensure!(
        problems(&report) == one(Check::SiteUnauthenticated, SITE_B, None),
        "{:?}",
        report.findings
    );
    Ok(())
}

/// Each server under the other's name: both report the name they have, and the doctor says so
/// on each site. (The backups then point to the site's own configured name: every cache also
/// lacks a backup to the "other" site, as configured.)
async fn site_names_swapped(target: &Grid) -> CaseResult {
    let sites = Sites::new([
        Site {
            name: SITE_A.to_owned(),
            client: target.b(),
        },
        Site {
            name: SITE_B.to_owned(),
            client: target.a(),
        },
    ]);
    let report = diagnose(&sites).await;
    let named: Vec<(Option<String>, String)> = report
        .of(Check::SiteName)
        .map(|f| (f.site.clone(), f.message.clone()))
        .collect();
    ensure!(
        named
            == [
                (
                    Some(SITE_A.to_owned()),
                    format!(
                        "the server at {} calls its site '{SITE_B}', not {SITE_A}",
                        target.b().base_url()
                    )
                ),
                (
                    Some(SITE_B.to_owned()),
                    format!(
                        "the server at {} calls its site '{SITE_A}', not {SITE_B}",
                        target.a().base_url()
                    )
                ),
            ],
        "{:?}",
        report.findings
    );
    let others: Vec<_> = problems(&report)
        .into_iter()
        .filter(|(check, _, _)| *check != Check::SiteName.as_str())
        .collect();
    ensure!(
        others
            .iter()
            .all(|(check, _, _)| *check == Check::BackupMissing.as_str()),
        "{:?}",
        report.findings
    );
    Ok(())
}

async fn push_left(target: &Grid) -> CaseResult {
    let a = target.a();
    let work = a.cache(CACHE);
    work.xsite().push_state(SITE_B).await?;
    with_restore(
        async {
            crate::eventually(
                "the push of work to site-b ends",
                Duration::from_secs(60),
                || async {
                    let statuses = work.xsite().push_state_status().await?;
                    Ok(match statuses.get(SITE_B) {
                        Some(xsite::PushStateStatus::Sending) => None,
                        other => Some(other.cloned()),
                    })
                },
            )
            .await?;
            let report = diagnose(&sites(target)).await;
            ensure!(
                problems(&report) == one(Check::PushLeft, SITE_A, Some(CACHE)),
                "{:?}",
                report.findings
            );
            let finding = report.of(Check::PushLeft).next().expect("checked");
            ensure!(
                finding.message == "the push status of work from site-a to site-b is OK",
                "{finding:?}"
            );
            Ok(())
        },
        async {
            work.xsite().clear_push_state_status().await?;
            Ok(())
        },
    )
    .await
}

/// `harness_cache_config` for `CACHE` backing up to site-a, changed by `change`.
fn changed_config(
    strategy: &str,
    change: impl FnOnce(&mut serde_json::Value),
) -> serde_json::Value {
    let mut config = harness_cache_config(CACHE, Some((SITE_A, strategy)));
    change(&mut config["distributed-cache"]);
    config
}

/// Recreates `CACHE` on site-b with `config`, runs `check`, and recreates it as the grid has it.
async fn with_cache_on_b<F>(target: &Grid, config: serde_json::Value, check: F) -> CaseResult
where
    F: std::future::Future<Output = CaseResult>,
{
    let b = target.b();
    b.cache(CACHE).destroy().await?;
    let created = b.cache(CACHE).create(&config).await;
    let outcome = match created {
        Ok(()) => check.await,
        Err(e) => Err(format!("creating {CACHE} on site-b with {config}: {e}").into()),
    };
    outcome.and(recreate(&b, SITE_A).await)
}

async fn take_offline_never(target: &Grid) -> CaseResult {
    let config = changed_config("SYNC", |c| {
        c["backups"][SITE_A]["backup"]["failure-policy"] = "FAIL".into();
    });
    with_cache_on_b(target, config, async {
        let report = diagnose(&sites(target)).await;
        ensure!(
            problems(&report) == one(Check::TakeOfflineNever, SITE_B, Some(CACHE)),
            "{:?}",
            report.findings
        );
        let finding = report.of(Check::TakeOfflineNever).next().expect("checked");
        ensure!(
            finding.message.contains("(after_failures 0, min_wait 0)"),
            "{finding:?}"
        );
        Ok(())
    })
    .await
}

async fn state_transfer_auto(target: &Grid) -> CaseResult {
    let config = changed_config("ASYNC", |c| {
        c["backups"][SITE_A]["backup"]["state-transfer"]["mode"] = "AUTO".into();
    });
    with_cache_on_b(target, config, async {
        let report = diagnose(&sites(target)).await;
        ensure!(
            problems(&report) == one(Check::BackupStrategy, SITE_B, Some(CACHE)),
            "{:?}",
            report.findings
        );
        let auto = messages(&report, Check::StateTransferMode);
        ensure!(
            auto == [on_b(
                "the state transfer of work from site-b to site-a is AUTO"
            )],
            "{:?}",
            report.findings
        );
        Ok(())
    })
    .await
}

async fn owners_differ(target: &Grid) -> CaseResult {
    let config = changed_config("SYNC", |c| c["owners"] = 1.into());
    with_cache_on_b(target, config, async {
        let report = diagnose(&sites(target)).await;
        ensure!(problems(&report).is_empty(), "{:?}", report.findings);
        let owners = messages(&report, Check::Owners);
        ensure!(
            owners
                == [on_b(
                    "owners is 1; the Keycloak 24 multi-site guide prescribes 2"
                )],
            "{:?}",
            report.findings
        );
        ensure!(differs_only_in(&report, "owners"), "{:?}", report.findings);
        Ok(())
    })
    .await
}

async fn chunk_size(target: &Grid) -> CaseResult {
    let config = changed_config("SYNC", |c| {
        c["state-transfer"]["chunk-size"] = 32.into();
        c["backups"][SITE_A]["backup"]["state-transfer"]["chunk-size"] = 32.into();
    });
    with_cache_on_b(target, config, async {
        let report = diagnose(&sites(target)).await;
        ensure!(problems(&report).is_empty(), "{:?}", report.findings);
        let chunks = messages(&report, Check::ChunkSize);
        ensure!(
            chunks
                == [
                    on_b("state-transfer chunk-size is 32; the Keycloak 24 multi-site guide prescribes 16"),
                    on_b("the backup to site-a: state-transfer chunk-size is 32; the Keycloak 24 multi-site guide prescribes 16"),
                ],
            "{:?}",
            report.findings
        );
        // Not a setting the two sites must share.
        ensure!(
            report.of(Check::SitesDiffer).count() == 0,
            "{:?}",
            report.findings
        );
        Ok(())
    })
    .await
}

async fn cache_mode(target: &Grid) -> CaseResult {
    let config = changed_config("SYNC", |c| c["mode"] = "ASYNC".into());
    with_cache_on_b(target, config, async {
        let report = diagnose(&sites(target)).await;
        ensure!(problems(&report).is_empty(), "{:?}", report.findings);
        let modes = messages(&report, Check::CacheMode);
        ensure!(
            modes
                == [on_b(
                    "the cache is a distributed-cache in mode ASYNC; the Keycloak 24 multi-site guide prescribes a distributed-cache in mode SYNC"
                )],
            "{:?}",
            report.findings
        );
        ensure!(
            differs_only_in(&report, "mode"),
            "{:?}",
            report.findings
        );
        Ok(())
    })
    .await
}

async fn backup_unknown_site(target: &Grid) -> CaseResult {
    let config = harness_cache_config(CACHE, Some(("site-c", "SYNC")));
    with_cache_on_b(target, config, async {
        let report = diagnose(&sites(target)).await;
        let found = problems(&report);
        let mut expected = one(Check::BackupMissing, SITE_B, Some(CACHE));
        expected.extend(one(Check::BackupUnknownSite, SITE_B, Some(CACHE)));
        ensure!(found == expected, "{:?}", report.findings);
        let finding = report.of(Check::BackupUnknownSite).next().expect("checked");
        ensure!(
            finding.message
                == "work on site-b backs up to 'site-c', which is neither a configured site nor in the sites view",
            "{finding:?}"
        );
        Ok(())
    })
    .await
}

/// A simulator whose pushes stay SENDING until cancelled (a push delay no case waits for).
async fn push_sending(target: &Grid) -> CaseResult {
    let Some(sim) = target.sim() else {
        return target.skip("a real push of an empty cache ends before one read can see it");
    };
    let options = xsite_sim::SimOptions {
        push_delay: Duration::from_secs(3600),
        ..sim.options().clone()
    };
    let held = Grid::with_simulator(options).await?;
    let work = held.a().cache(CACHE);
    let outcome = async {
        work.xsite().push_state(SITE_B).await?;
        let report = diagnose(&sites(&held)).await;
        ensure!(
            problems(&report) == one(Check::PushSending, SITE_A, Some(CACHE)),
            "{:?}",
            report.findings
        );
        work.xsite().cancel_push_state(SITE_B).await?;
        Ok(())
    }
    .await;
    held.shutdown().await;
    outcome
}

/// A push that meets a cut link ends in ERROR (the simulator; the real harness cannot cut it).
async fn push_error(target: &Grid) -> CaseResult {
    let Some(sim) = target.sim() else {
        return target.skip("the real harness cannot cut the cross-site link");
    };
    let failing = Grid::with_simulator(sim.options().clone()).await?;
    let outcome = async {
        let grid = failing.sim().expect("a simulator");
        let work = failing.a().cache(CACHE);
        grid.cut_link();
        work.xsite().push_state(SITE_B).await?;
        crate::eventually(
            "the push of work to site-b ends",
            Duration::from_secs(60),
            || async {
                let statuses = work.xsite().push_state_status().await?;
                Ok(match statuses.get(SITE_B) {
                    Some(xsite::PushStateStatus::Sending) => None,
                    other => Some(other.cloned()),
                })
            },
        )
        .await?;
        grid.heal_link();
        let report = diagnose(&sites(&failing)).await;
        ensure!(
            problems(&report) == one(Check::PushError, SITE_A, Some(CACHE)),
            "{:?}",
            report.findings
        );
        Ok(())
    }
    .await;
    failing.shutdown().await;
    outcome
}

/// One read of one cache failing (the simulator answers 500 to it): that cache's finding, and
/// the rest of the report as on a clean grid.
async fn unreadable(target: &Grid) -> CaseResult {
    let Some(sim) = target.sim() else {
        return target.skip("the real servers answer the push status");
    };
    let failing = Grid::with_simulator(sim.options().clone()).await?;
    failing
        .sim()
        .expect("a simulator")
        .site_a()
        .inject_response_on(
            &format!("/caches/{CACHE}/x-site/backups?action=push-state-status"),
            500,
            "ISPN000000: injected",
            usize::MAX,
        );
    let report = diagnose(&sites(&failing)).await;
    failing.shutdown().await;
    ensure!(
        problems(&report) == one(Check::Unreadable, SITE_A, Some(CACHE)),
        "{:?}",
        report.findings
    );
    let finding = report.of(Check::Unreadable).next().expect("checked");
    ensure!(
        finding
            .message
            .starts_with("its push status could not be read: ")
            && finding.message.contains("500"),
        "{finding:?}"
    );
    Ok(())
}

/// The cross-site link cut (the simulator; the real harness cannot split the view through REST):
/// each site misses the other in its sites view.
async fn site_view(target: &Grid) -> CaseResult {
    let Some(sim) = target.sim() else {
        return target.skip("the real harness cannot cut the cross-site link");
    };
    let split = Grid::with_simulator(sim.options().clone()).await?;
    split.sim().expect("a simulator").cut_link();
    let report = diagnose(&sites(&split)).await;
    split.shutdown().await;
    let mut expected = one(Check::SiteView, SITE_A, None);
    expected.extend(one(Check::SiteView, SITE_B, None));
    ensure!(problems(&report) == expected, "{:?}", report.findings);
    let finding = report.of(Check::SiteView).next().expect("checked");
    ensure!(
        finding
            .message
            .starts_with("site-b is not in site-a's sites view [site-a] (relay nodes: "),
        "{finding:?}"
    );
    Ok(())
}
