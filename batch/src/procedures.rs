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
//! What a batch cannot do is the SDK's check right before each clear; the Batch form relies on
//! the check of the take-offline step's log instead, and the clear step's own log is checked
//! afterwards ([`Expectation::CachesOffline`]).

use serde_json::Value;
use xsite::CacheSet;
use xsite::runbook::{Action, Check, Plan, Step as PlanStep};

use crate::check::CheckReport;
use crate::script::{Command, Script, SiteCommand};

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
    let mut script = Script::new(step_name(step));
    script.push_comment(&format!(
        "xsite: step {} on {}: {}",
        step.number, step.site, step.title
    ));
    for action in &step.actions {
        if let Some(command) = command(action) {
            script.push(command);
        }
    }
    script
}

/// Every step of a plan as a [`Step`], in order.
pub fn steps(plan: &Plan) -> Vec<Step> {
    plan.steps
        .iter()
        .map(|step| Step {
            number: step.number,
            name: step_name(step),
            run_on: step.site.clone(),
            title: step.title.clone(),
            script: script(step),
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
    /// No failure, and every `site status --cache=<cache>` printed only offline backups (the
    /// clear step: anything else means the clear may have reached the other site).
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
                "every command succeeded, and each cache's backups were offline when it was cleared"
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

/// The clear step's log: each cache's status, printed right before its clear, must list only
/// offline backups.
fn caches_offline(report: &CheckReport) -> Verdict {
    let mut seen = 0;
    let mut online = Vec::new();
    for output in &report.outputs {
        let Some(command) = &output.command else {
            continue;
        };
        let Ok(Some(Command::Site(SiteCommand::Status {
            cache: Some(cache),
            all_caches: false,
            site: None,
        }))) = crate::script::parse_line(&command.text)
        else {
            continue;
        };
        seen += 1;
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
    if !online.is_empty() {
        return Verdict::Failed(format!(
            "a cache was cleared while its backup was not offline, so the clear may have reached the other site: {}",
            online.join("; ")
        ));
    }
    if seen == 0 {
        return Verdict::Failed("the log shows no cache status".to_owned());
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
    use crate::script::{CliVersion, Context, lint};

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
            let expected: Vec<String> = planned.actions.iter().map(render).collect();
            assert_eq!(rendered, expected);
            assert_eq!(step.run_on, planned.site);
        }
        assert_eq!(
            steps[0].script.render(),
            "# xsite: step 1 on site-b: take site-a offline, so that the clears cannot reach it\n\
             site take-offline --all-caches --site=site-a\nsite status --all-caches --site=site-a\n"
        );
        assert!(
            steps[1]
                .script
                .render()
                .contains("site status --cache=actionTokens\nclearcache actionTokens\n")
        );
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
                    .filter(|d| d.severity == crate::script::Severity::Error)
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

    /// The clear step's log is checked afterwards: a cache cleared while a backup was online
    /// fails the step.
    #[test]
    fn the_clear_step_checks_each_status() {
        let clear = &resync("site-a", "site-b", &["work"])[1];
        assert_eq!(clear.expect, Expectation::CachesOffline);
        let script = clear.script.with_markers();
        let log = |status: &str| {
            format!(
                "xsite-step-1\n{{\n  \"site-a\" : {{\n    \"status\" : \"{status}\"\n  }}\n}}\nxsite-step-2\n"
            )
        };
        let verdict = |log: &str| clear.verdict(&check_log_with_script(log, &script));
        assert_eq!(verdict(&log("offline")), Verdict::Done);
        assert!(
            matches!(verdict(&log("online")), Verdict::Failed(m) if m.contains("work: site-a is online"))
        );
    }
}
