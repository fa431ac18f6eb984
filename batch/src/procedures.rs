//! The Keycloak cross-site runbooks as batch scripts, derived from the SDK's plans.
//!
//! There is one source of truth for the runbook sequences: [`xsite::runbook::Plan`] (what the
//! `xsite runbook` commands run and print with `--dry-run`). This module only translates it:
//! [`command`] maps each [`Action`] to its cli.sh [`Command`], and [`steps`] turns each step of
//! a plan into a [`Step`]: the [`Script`] to run on the step's site, and what its Batch log must
//! show ([`Expectation`]) before the next step may be applied. [`switch_over`] and [`resync`]
//! are shorthands for [`Plan::fence`] and [`Plan::resync`].
//!
//! Every step is a separate script, because the runbooks check a result before going on
//! ("repeat until offline", "poll until OK"), and because clearing caches in the same batch as
//! taking the peer offline would wipe both sites if the take-offline did not apply: a batch
//! before 16.0.9 goes on after a failure, and an `--all-caches` answer never fails the command.
//! What a batch cannot do is the SDK's check right before each clear (a Batch cannot branch).
//! So the clear step is applied only once the take-offline step's log was checked, and its
//! script re-asserts that precondition itself ([`clear_precondition`]): it takes the peer
//! offline again (idempotent) and prints its status before the first clear. Its log counts as
//! verified only if that status, and each cache's status right before its clear, show offline
//! ([`Expectation::CachesOffline`]); a peer brought back online between the two steps is thus
//! taken offline before anything is cleared, and a re-assertion that did not hold fails the
//! check.

use serde_json::Value;
use xsite::CacheSet;
use xsite::runbook::{Action, Check, Plan, Step as PlanStep};

use crate::check::CheckReport;
use xsite_clish::{Command, Script, SiteCommand};

/// The cli.sh command of a runbook action; `None` for an action this crate does not know yet
/// (the SDK's `Action` may grow).
pub fn command(action: &Action) -> Option<Command> {
    Some(match action {
        Action::StatusAll { backup } => Command::status_all(backup),
        Action::TakeOfflineAll { backup } => Command::take_offline_all(backup),
        Action::BringOnlineAll { backup } => Command::bring_online_all(backup),
        Action::PushStateAll { backup } => Command::push_site_state_all(backup),
        Action::CacheStatus { cache } => Command::Site(SiteCommand::Status {
            cache: Some(cache.clone()),
            all_caches: false,
            site: None,
        }),
        Action::ClearCache { cache } => Command::clearcache(cache),
        Action::PushStatus { cache } => Command::push_site_status(cache),
        Action::PushState { cache, backup } => Command::push_site_state(cache, backup),
        Action::ClearPushStatus { cache } => Command::clear_push_site_status(cache),
        _ => return None,
    })
}

/// The cli.sh text of a runbook action ([`Command::render`] of [`command`]).
pub fn render(action: &Action) -> String {
    command(action)
        .map(|c| c.render())
        .unwrap_or_else(|| format!("# (no cli.sh command for {action:?})"))
}

/// A short name for a plan step, usable in a Batch name (`take-offline`, `clear-caches`,
/// `bring-online`, `push-state`, `push-status`, `clear-push-status`).
pub fn step_name(step: &PlanStep) -> String {
    let pushes = step
        .actions
        .iter()
        .any(|a| matches!(a, Action::PushStateAll { .. }));
    match &step.check {
        Check::Offline { .. } => "take-offline".to_owned(),
        Check::OfflineBeforeEachClear => "clear-caches".to_owned(),
        Check::Online { .. } if pushes => "push-state".to_owned(),
        Check::Online { .. } => "bring-online".to_owned(),
        Check::PushOk { .. } => "push-status".to_owned(),
        Check::PushIdle => "clear-push-status".to_owned(),
        _ => format!("step-{}", step.number),
    }
}

/// What a step's log must show, from the plan step's postcondition.
pub fn expectation(check: &Check) -> Expectation {
    match check {
        Check::Offline { backup } => Expectation::SiteStatus {
            site: backup.clone(),
            status: "offline",
        },
        Check::Online { backup } => Expectation::SiteStatus {
            site: backup.clone(),
            status: "online",
        },
        Check::OfflineBeforeEachClear => Expectation::CachesOffline,
        Check::PushOk { backup } => Expectation::PushStatusOk {
            site: backup.clone(),
        },
        // `clear-push-site-status` answers "ok" per cache, which the log check verifies.
        _ => Expectation::Success,
    }
}

/// The script of one plan step: a comment naming it, then its commands in order.
pub fn script(step: &PlanStep) -> Script {
    script_with(step, &[])
}

/// A step's script, with `precondition` (see [`clear_precondition`]) sent before its actions.
fn script_with(step: &PlanStep, precondition: &[Action]) -> Script {
    let mut script = Script::new(step_name(step));
    script.push_comment(&format!(
        "xsite: step {} on {}: {}",
        step.number, step.site, step.title
    ));
    if !precondition.is_empty() {
        // The Batch form cannot check before it clears, so the comment says what makes it safe.
        script.push_comment(
            "xsite: apply only after the previous step's batch-check passed. A Batch cannot \
             branch, so the take-offline is repeated here; batch-check counts the clears as \
             verified only if the status after it shows offline",
        );
    }
    for action in precondition.iter().chain(&step.actions) {
        if let Some(command) = command(action) {
            script.push(command);
        }
    }
    script
}

/// The actions a clearing step's Batch sends before its clears, to re-assert its precondition:
/// the take-offline of the backup that an earlier step on the same site took offline (the
/// plan's [`Check::Offline`] before it), then that backup's status. Empty for any other step.
pub fn clear_precondition(plan: &Plan, step: &PlanStep) -> Vec<Action> {
    if step.check != Check::OfflineBeforeEachClear {
        return Vec::new();
    }
    let backup = plan
        .steps
        .iter()
        .take_while(|s| s.number < step.number)
        .filter(|s| s.site == step.site)
        .filter_map(|s| match &s.check {
            Check::Offline { backup } => Some(backup.clone()),
            _ => None,
        })
        .last();
    match backup {
        Some(backup) => vec![
            Action::TakeOfflineAll {
                backup: backup.clone(),
            },
            Action::StatusAll { backup },
        ],
        None => Vec::new(),
    }
}

/// Every step of a plan as a [`Step`], in order. A clearing step's script starts with its
/// [`clear_precondition`].
pub fn steps(plan: &Plan) -> Vec<Step> {
    plan.steps
        .iter()
        .map(|step| Step {
            number: step.number,
            name: step_name(step),
            run_on: step.site.clone(),
            title: step.title.clone(),
            script: script_with(step, &clear_precondition(plan, step)),
            expect: expectation(&step.check),
        })
        .collect()
}

/// Procedure 1, switch over (and the Data Grid part of a fail-over): on `stay`, stop
/// replicating to `leave` and confirm it is offline (repeat the step until it is). The steps
/// of [`Plan::fence`].
pub fn switch_over(stay: &str, leave: &str) -> Vec<Step> {
    steps(&Plan::fence(leave, stay, &CacheSet::default()))
}

/// Procedures 3 and 4: make `stale` a copy of `keep` again (recover an out-of-sync passive
/// site; switch back to a restored primary). The steps of [`Plan::resync`]. Keycloak on
/// `stale` must be scaled to 0 first.
pub fn resync<S: AsRef<str>>(keep: &str, stale: &str, caches: &[S]) -> Vec<Step> {
    let caches = CacheSet::custom(caches.iter().map(|c| c.as_ref().to_owned()));
    steps(&Plan::resync(keep, stale, &caches))
}

/// Starts pushing one cache's state to `peer` again (after its push status was `ERROR`): the
/// retry the SDK does by itself ([`Action::PushState`]), as a script of its own.
pub fn push_state_cache(cache: &str, peer: &str) -> Script {
    let mut script = Script::new(format!("push-state-{cache}-{peer}"));
    script.push_comment(&format!(
        "xsite: start sending the state of {cache} to {peer} again"
    ));
    script.push(Command::push_site_state(cache, peer));
    script
}

/// What a step's log must show for the procedure to go on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expectation {
    /// No failure.
    Success,
    /// No failure, and `site status --all-caches --site=<site>` printed `status`.
    SiteStatus {
        /// The peer site.
        site: String,
        /// `online` or `offline`.
        status: &'static str,
    },
    /// No failure, a `site status --all-caches --site=<peer>` printed `offline` before the first
    /// cache status (the re-asserted precondition), and every `site status --cache=<cache>`
    /// printed only offline backups (the clear step: anything else means the clear may have
    /// reached the other site, or was not verified).
    CachesOffline,
    /// No failure, and every push-state status to `site` is `OK`.
    PushStatusOk {
        /// The site receiving the state.
        site: String,
    },
}

impl Expectation {
    /// Judges a Batch log's check against this expectation.
    pub fn verdict(&self, report: &CheckReport) -> Verdict {
        // Any failure stops the procedure, including a push status `ERROR`.
        if !report.is_success() {
            return Verdict::Failed(report.to_string());
        }
        match self {
            Expectation::Success => Verdict::Done,
            Expectation::SiteStatus { site, status } => match report.container_site_status(site) {
                Some(seen) if seen == *status => Verdict::Done,
                Some(seen) => Verdict::Repeat(format!(
                    "replication to {site} is {seen}, not {status}: run this step again"
                )),
                None => Verdict::Failed(format!("the log shows no status for {site}")),
            },
            Expectation::CachesOffline => caches_offline(report),
            Expectation::PushStatusOk { site } => {
                let statuses: Vec<(String, String)> = report
                    .push_statuses()
                    .into_iter()
                    .filter(|(_, s, _)| s == site)
                    .map(|(cache, _, status)| (cache, status))
                    .collect();
                if statuses.is_empty() {
                    return Verdict::Failed(format!("the log shows no push status for {site}"));
                }
                let stopped: Vec<String> = statuses
                    .iter()
                    .filter(|(_, status)| status == "CANCELED")
                    .map(|(cache, _)| cache.clone())
                    .collect();
                if !stopped.is_empty() {
                    return Verdict::Failed(format!(
                        "the push to {site} was cancelled for: {}; push those caches again",
                        stopped.join(", ")
                    ));
                }
                let pending: Vec<String> = statuses
                    .iter()
                    .filter(|(_, status)| status != "OK")
                    .map(|(cache, status)| format!("{cache} ({status})"))
                    .collect();
                if pending.is_empty() {
                    Verdict::Done
                } else {
                    Verdict::Repeat(format!("not finished: {}", pending.join(", ")))
                }
            }
        }
    }

    /// What the expectation means, for a person (`site-a is offline`).
    pub fn describe(&self) -> String {
        match self {
            Expectation::Success => "every command succeeded".to_owned(),
            Expectation::SiteStatus { site, status } => format!(
                "every command succeeded, and `site status --all-caches --site={site}` shows \"{status}\""
            ),
            Expectation::CachesOffline => {
                "every command succeeded, the peer was taken offline again and seen offline before the first clear, and each cache's backups were offline when it was cleared"
                    .to_owned()
            }
            Expectation::PushStatusOk { site } => {
                format!("every command succeeded, and every cache's push to {site} is OK")
            }
        }
    }

    /// Whether a step with this expectation may have to be run again (a new Batch) until the
    /// log shows it.
    pub fn may_repeat(&self) -> bool {
        matches!(
            self,
            Expectation::SiteStatus { .. } | Expectation::PushStatusOk { .. }
        )
    }
}

/// The clear step's log: the re-asserted container status must show the peer offline before
/// the first cache status, and each cache's status, printed right before its clear, must list
/// only offline backups.
fn caches_offline(report: &CheckReport) -> Verdict {
    let mut seen = 0;
    let mut reasserted = false;
    let mut not_offline = Vec::new();
    let mut online = Vec::new();
    let mut unverified = Vec::new();
    for output in &report.outputs {
        let Some(command) = &output.command else {
            continue;
        };
        let Ok(Some(Command::Site(SiteCommand::Status {
            cache,
            all_caches,
            site,
        }))) = xsite_clish::parse_line(&command.text)
        else {
            continue;
        };
        match (cache, all_caches, site) {
            (None, true, Some(peer)) => {
                let status = output
                    .value
                    .get("status")
                    .and_then(Value::as_str)
                    .unwrap_or("unknown");
                if status == "offline" {
                    reasserted = true;
                } else {
                    not_offline.push(format!("{peer} is {status}"));
                }
            }
            (Some(cache), false, None) => {
                seen += 1;
                if !reasserted {
                    unverified.push(cache.clone());
                }
                if let Some(map) = output.value.as_object() {
                    for (site, status) in map {
                        let status = status
                            .get("status")
                            .and_then(Value::as_str)
                            .unwrap_or("unknown");
                        if status != "offline" {
                            online.push(format!("{cache}: {site} is {status}"));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    if !online.is_empty() {
        return Verdict::Failed(format!(
            "a cache was cleared while its backup was not offline, so the clear may have reached the other site: {}",
            online.join("; ")
        ));
    }
    if !not_offline.is_empty() {
        return Verdict::Failed(format!(
            "the re-asserted take-offline did not hold ({}): the clears are not verified",
            not_offline.join("; ")
        ));
    }
    if seen == 0 {
        return Verdict::Failed("the log shows no cache status".to_owned());
    }
    if !unverified.is_empty() {
        return Verdict::Failed(format!(
            "not verified: the log shows no `site status --all-caches --site=…` answering offline before the clears of {}",
            unverified.join(", ")
        ));
    }
    Verdict::Done
}

/// What to do after a step, from its log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Go on with the next step.
    Done,
    /// Not there yet: run the same step again (after a pause).
    Repeat(String),
    /// Stop: the step failed.
    Failed(String),
}

/// One step of a runbook, as a script for one site.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The plan step's number (1-based).
    pub number: usize,
    /// A short name (`take-offline`), also usable in a Batch name.
    pub name: String,
    /// The site whose Data Grid runs the script.
    pub run_on: String,
    /// What the step is for, from the plan.
    pub title: String,
    /// What to run.
    pub script: Script,
    /// What the log must show.
    pub expect: Expectation,
}

impl Step {
    /// Judges the step from the check of its log (made with its script, so that outputs are
    /// tied to commands).
    pub fn verdict(&self, report: &CheckReport) -> Verdict {
        self.expect.verdict(report)
    }
}

/// The caches whose push status is `ERROR` in a report: push them again with
/// [`push_state_cache`].
pub fn caches_to_push_again(report: &CheckReport) -> Vec<String> {
    let mut caches: Vec<String> = report
        .push_statuses()
        .into_iter()
        .filter(|(_, _, status)| status == "ERROR")
        .map(|(cache, _, _)| cache)
        .collect();
    caches.sort();
    caches.dedup();
    caches
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::check_log_with_script;
    use crate::cr::BatchCr;
    use xsite_clish::{CliVersion, Context, lint};

    const KC26: [&str; 4] = [
        "actionTokens",
        "authenticationSessions",
        "loginFailures",
        "work",
    ];

    /// The scripts are the plan's actions, rendered: nothing restated by hand.
    #[test]
    fn scripts_are_the_plan_rendered() {
        let plan = Plan::resync("site-a", "site-b", &CacheSet::keycloak_26());
        let steps = steps(&plan);
        assert_eq!(steps.len(), plan.steps.len());
        for (step, planned) in steps.iter().zip(&plan.steps) {
            let rendered: Vec<String> = step.script.commands().map(|(_, c)| c.render()).collect();
            let expected: Vec<String> = clear_precondition(&plan, planned)
                .iter()
                .chain(&planned.actions)
                .map(render)
                .collect();
            assert_eq!(rendered, expected);
            assert_eq!(step.run_on, planned.site);
        }
        assert_eq!(
            steps[0].script.render(),
            "# xsite: step 1 on site-b: take site-a offline, so that the clears cannot reach it\n\
             site take-offline --all-caches --site=site-a\nsite status --all-caches --site=site-a\n"
        );
        // The clearing step re-asserts step 1 first: take-offline again, then the status.
        let clear = steps[1].script.render();
        assert!(
            clear.contains(
                "site take-offline --all-caches --site=site-a\nsite status --all-caches --site=site-a\nsite status --cache=actionTokens\nclearcache actionTokens\n"
            ),
            "{clear}"
        );
        assert!(clear.contains("apply only after the previous step's batch-check passed"));
        for other in [0, 2, 3, 4, 5] {
            assert!(clear_precondition(&plan, &plan.steps[other]).is_empty());
        }
        assert_eq!(
            push_state_cache("work", "b").render(),
            "# xsite: start sending the state of work to b again\nsite push-site-state --cache=work --site=b\n"
        );
    }

    #[test]
    fn every_step_lints_and_builds_for_every_version() {
        let steps: Vec<Step> = resync("site-a", "site-b", &KC26)
            .into_iter()
            .chain(switch_over("site-b", "site-a"))
            .collect();
        for version in [
            CliVersion::V14_0,
            CliVersion::V15_0,
            CliVersion::V16_0,
            CliVersion::V16_2,
        ] {
            for step in &steps {
                let found = lint(&step.script, &Context::batch_job(version));
                let errors: Vec<_> = found
                    .iter()
                    .filter(|d| d.severity == xsite_clish::Severity::Error)
                    .collect();
                assert!(errors.is_empty(), "{version} {}: {found:?}", step.name);
                BatchCr::builder("infinispan")
                    .namespace("keycloak")
                    .step(step.name.clone())
                    .version(version)
                    .script(&step.script)
                    .unwrap();
            }
        }
        let names: Vec<&str> = steps.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "take-offline",
                "clear-caches",
                "bring-online",
                "push-state",
                "push-status",
                "clear-push-status",
                "take-offline"
            ]
        );
        assert_eq!(steps[0].run_on, "site-b");
        assert_eq!(steps[3].run_on, "site-a");
        assert_eq!(steps[6].run_on, "site-b");
    }

    #[test]
    fn verdicts() {
        let step = &switch_over("site-b", "site-a")[0];
        let script = step.script.with_markers();
        let log = |status: &str| {
            format!(
                "xsite-step-1\n{{\n  \"work\" : \"ok\"\n}}\nxsite-step-2\n{{\n  \"status\" : \"{status}\"\n}}\n"
            )
        };
        let verdict = |log: &str| step.verdict(&check_log_with_script(log, &script));
        assert_eq!(verdict(&log("offline")), Verdict::Done);
        assert!(matches!(verdict(&log("mixed")), Verdict::Repeat(_)));
        let failed = "xsite-step-1\n{\n  \"work\" : \"Exception on work : x\"\n}\nxsite-step-2\n{\n  \"status\" : \"offline\"\n}\n";
        assert!(matches!(verdict(failed), Verdict::Failed(_)));

        let steps = resync("site-a", "site-b", &["work", "sessions"]);
        let poll = &steps[4];
        assert_eq!(poll.name, "push-status");
        let script = poll.script.with_markers();
        let log = |a: &str, b: &str| {
            format!(
                "xsite-step-1\n{{\n  \"site-b\" : \"{a}\"\n}}\nxsite-step-2\n{{\n  \"site-b\" : \"{b}\"\n}}\n"
            )
        };
        let report = |a: &str, b: &str| check_log_with_script(&log(a, b), &script);
        assert_eq!(poll.verdict(&report("OK", "OK")), Verdict::Done);
        assert_eq!(
            poll.verdict(&report("OK", "SENDING")),
            Verdict::Repeat("not finished: sessions (SENDING)".into())
        );
        assert!(matches!(
            poll.verdict(&report("ERROR", "OK")),
            Verdict::Failed(_)
        ));
        assert_eq!(caches_to_push_again(&report("ERROR", "OK")), ["work"]);
        assert!(matches!(
            poll.verdict(&report("CANCELED", "OK")),
            Verdict::Failed(_)
        ));
    }

    /// The clear step's log: the re-asserted take-offline must show offline before the first
    /// clear, and a cache cleared while a backup was online fails the step.
    #[test]
    fn the_clear_step_checks_each_status() {
        let clear = &resync("site-a", "site-b", &["work"])[1];
        assert_eq!(clear.expect, Expectation::CachesOffline);
        let script = clear.script.with_markers();
        let log = |peer: &str, cache: &str| {
            format!(
                "xsite-step-1\n{{\n  \"work\" : \"ok\"\n}}\nxsite-step-2\n{{\n  \"status\" : \"{peer}\"\n}}\n\
                 xsite-step-3\n{{\n  \"site-a\" : {{\n    \"status\" : \"{cache}\"\n  }}\n}}\nxsite-step-4\n"
            )
        };
        let verdict = |log: &str| clear.verdict(&check_log_with_script(log, &script));
        assert_eq!(verdict(&log("offline", "offline")), Verdict::Done);
        assert!(
            matches!(verdict(&log("offline", "online")), Verdict::Failed(m) if m.contains("work: site-a is online"))
        );
        assert!(
            matches!(verdict(&log("mixed", "offline")), Verdict::Failed(m) if m.contains("did not hold (site-a is mixed)"))
        );
    }

    /// The clear step's log as the script before the re-assertion printed it (no container
    /// status before the clears): not verified, even with every cache offline.
    #[test]
    fn a_clear_step_without_the_reasserted_status_is_not_verified() {
        let plan = Plan::resync("site-a", "site-b", &CacheSet::custom(["work"]));
        let clear = &steps(&plan)[1];
        let old_script = script(&plan.steps[1]).with_markers();
        let log = "xsite-step-1\n{\n  \"site-a\" : {\n    \"status\" : \"offline\"\n  }\n}\nxsite-step-2\n";
        let report = check_log_with_script(log, &old_script);
        assert!(report.is_success(), "{report}");
        assert!(
            matches!(clear.verdict(&report), Verdict::Failed(m) if m.starts_with("not verified") && m.contains("work")),
        );
    }
}
