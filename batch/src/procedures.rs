//! The Data Grid steps of the Keycloak cross-site runbooks, as scripts.
//!
//! Each function returns the [`Script`] of one step, for any site names and cache names. The
//! runbooks compose them: [`switch_over`] (planned switch-over, and the fencing part of a
//! fail-over) and [`resync`] (recover an out-of-sync site, and switch back). Every step is a
//! separate script because the runbooks check a result before going on ("repeat until
//! offline", "poll until OK"), and because clearing caches in the same batch as taking the
//! peer offline would wipe both sites if the take-offline did not apply: a batch before
//! 16.0.9 goes on after a failure, and an `--all-caches` answer never fails the command.

use crate::check::CheckReport;
use crate::script::{Command, Script};

/// A script header, so that a Batch or a log says what it is.
fn script(name: &str, what: &str, commands: impl IntoIterator<Item = Command>) -> Script {
    let mut script = Script::new(name);
    script.push_comment(&format!("xsite: {what}"));
    for command in commands {
        script.push(command);
    }
    script
}

/// Takes `peer` offline for every cache (so that this site stops replicating to it), then
/// prints the status. Run on the site that stays.
pub fn take_offline(peer: &str) -> Script {
    script(
        &format!("take-offline-{peer}"),
        &format!("stop replicating to {peer}, then show the status"),
        [Command::take_offline_all(peer), Command::status_all(peer)],
    )
}

/// Prints the container-level status of `peer` (`online`, `offline` or `mixed`).
pub fn site_status(peer: &str) -> Script {
    script(
        &format!("status-{peer}"),
        &format!("show the replication status to {peer}"),
        [Command::status_all(peer)],
    )
}

/// Clears each cache. Only after [`take_offline`] was confirmed `offline`: a clear is
/// replicated to every site still online.
pub fn clear_caches<S: AsRef<str>>(caches: &[S]) -> Script {
    script(
        "clear-caches",
        "clear the caches (replication to the peer must be offline)",
        caches.iter().map(|c| Command::clearcache(c.as_ref())),
    )
}

/// Brings `peer` online for every cache, then prints the status.
pub fn bring_online(peer: &str) -> Script {
    script(
        &format!("bring-online-{peer}"),
        &format!("replicate to {peer} again, then show the status"),
        [Command::bring_online_all(peer), Command::status_all(peer)],
    )
}

/// Starts pushing every cache's state to `peer` (which brings it online first), then prints
/// the status. The push runs on after the command returns: follow it with [`push_status`].
pub fn push_state(peer: &str) -> Script {
    script(
        &format!("push-state-{peer}"),
        &format!("start sending the state of every cache to {peer}, then show the status"),
        [
            Command::push_site_state_all(peer),
            Command::status_all(peer),
        ],
    )
}

/// Starts pushing one cache's state to `peer` again (after its push status was `ERROR`).
pub fn push_state_cache(cache: &str, peer: &str) -> Script {
    script(
        &format!("push-state-{cache}-{peer}"),
        &format!("start sending the state of {cache} to {peer} again"),
        [Command::push_site_state(cache, peer)],
    )
}

/// Prints the push-state status of each cache (`SENDING`, `OK`, `ERROR`, …).
pub fn push_status<S: AsRef<str>>(caches: &[S]) -> Script {
    script(
        "push-status",
        "show the state transfer status of each cache",
        caches.iter().map(|c| Command::push_site_status(c.as_ref())),
    )
}

/// Clears the push-state status of each cache. Done before a push too, since an old status
/// can hide the new one.
pub fn clear_push_status<S: AsRef<str>>(caches: &[S]) -> Script {
    script(
        "clear-push-status",
        "clear the state transfer status of each cache",
        caches
            .iter()
            .map(|c| Command::clear_push_site_status(c.as_ref())),
    )
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
    /// No failure, and every push-state status to `site` is `OK`.
    PushStatusOk {
        /// The site receiving the state.
        site: String,
    },
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

/// One step of a runbook.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// A short name (`take-offline`), also usable in a Batch name.
    pub name: &'static str,
    /// The site whose Data Grid runs the script.
    pub run_on: String,
    /// What to run.
    pub script: Script,
    /// What the log must show.
    pub expect: Expectation,
}

impl Step {
    fn new(name: &'static str, run_on: &str, script: Script, expect: Expectation) -> Step {
        Step {
            name,
            run_on: run_on.to_owned(),
            script,
            expect,
        }
    }

    /// Judges the step from the check of its log (made with its script, so that outputs are
    /// tied to commands).
    pub fn verdict(&self, report: &CheckReport) -> Verdict {
        // Any failure stops the procedure, including a push status `ERROR`.
        if !report.is_success() {
            return Verdict::Failed(report.to_string());
        }
        match &self.expect {
            Expectation::Success => Verdict::Done,
            Expectation::SiteStatus { site, status } => match report.container_site_status(site) {
                Some(seen) if seen == *status => Verdict::Done,
                Some(seen) => Verdict::Repeat(format!(
                    "replication to {site} is {seen}, not {status}: run this step again"
                )),
                None => Verdict::Failed(format!("the log shows no status for {site}")),
            },
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

/// Procedure 1, switch over (and the Data Grid part of a fail-over): on `stay`, stop
/// replicating to `leave` and confirm it is offline (repeat the step until it is).
pub fn switch_over(stay: &str, leave: &str) -> Vec<Step> {
    vec![Step::new(
        "take-offline",
        stay,
        take_offline(leave),
        Expectation::SiteStatus {
            site: leave.to_owned(),
            status: "offline",
        },
    )]
}

/// Procedures 3 and 4: make `stale` a copy of `keep` again (recover an out-of-sync passive
/// site; switch back to a restored primary). Keycloak on `stale` must be scaled to 0 first.
///
/// On `stale`: take `keep` offline until confirmed, clear the caches, bring `keep` online. On
/// `keep`: clear old push statuses, push the state to `stale`, poll the push status until
/// every cache is `OK` (push again the caches in `ERROR`), clear the push statuses.
pub fn resync<S: AsRef<str>>(keep: &str, stale: &str, caches: &[S]) -> Vec<Step> {
    let offline = Expectation::SiteStatus {
        site: keep.to_owned(),
        status: "offline",
    };
    let keep_online = Expectation::SiteStatus {
        site: keep.to_owned(),
        status: "online",
    };
    let stale_online = Expectation::SiteStatus {
        site: stale.to_owned(),
        status: "online",
    };
    vec![
        Step::new("take-offline", stale, take_offline(keep), offline),
        Step::new(
            "clear-caches",
            stale,
            clear_caches(caches),
            Expectation::Success,
        ),
        Step::new("bring-online", stale, bring_online(keep), keep_online),
        Step::new(
            "reset-push-status",
            keep,
            clear_push_status(caches),
            Expectation::Success,
        ),
        Step::new("push-state", keep, push_state(stale), stale_online),
        Step::new(
            "push-status",
            keep,
            push_status(caches),
            Expectation::PushStatusOk {
                site: stale.to_owned(),
            },
        ),
        Step::new(
            "clear-push-status",
            keep,
            clear_push_status(caches),
            Expectation::Success,
        ),
    ]
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

    #[test]
    fn scripts_read_like_the_runbook() {
        assert_eq!(
            take_offline("site-a").render(),
            "# xsite: stop replicating to site-a, then show the status\n\
             site take-offline --all-caches --site=site-a\nsite status --all-caches --site=site-a\n"
        );
        assert_eq!(
            clear_caches(&KC26).render(),
            "# xsite: clear the caches (replication to the peer must be offline)\nclearcache actionTokens\n\
             clearcache authenticationSessions\nclearcache loginFailures\nclearcache work\n"
        );
        assert_eq!(
            push_status(&["work"]).render(),
            "# xsite: show the state transfer status of each cache\nsite push-site-status --cache=work\n"
        );
        assert_eq!(
            clear_push_status(&["work"]).render(),
            "# xsite: clear the state transfer status of each cache\nsite clear-push-site-status --cache=work\n"
        );
        assert!(
            bring_online("b")
                .render()
                .contains("site bring-online --all-caches --site=b\n")
        );
        assert!(
            push_state("b")
                .render()
                .contains("site push-site-state --all-caches --site=b\n")
        );
        assert!(
            push_state_cache("work", "b")
                .render()
                .contains("site push-site-state --cache=work --site=b\n")
        );
        assert!(
            site_status("b")
                .render()
                .ends_with("site status --all-caches --site=b\n")
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
                assert!(found.is_empty(), "{version} {}: {found:?}", step.name);
                BatchCr::builder("infinispan")
                    .namespace("keycloak")
                    .step(step.name)
                    .version(version)
                    .script(&step.script)
                    .unwrap();
            }
        }
        let names: Vec<&str> = steps.iter().map(|s| s.name).collect();
        assert_eq!(
            names,
            [
                "take-offline",
                "clear-caches",
                "bring-online",
                "reset-push-status",
                "push-state",
                "push-status",
                "clear-push-status",
                "take-offline"
            ]
        );
        assert_eq!(steps[0].run_on, "site-b");
        assert_eq!(steps[4].run_on, "site-a");
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
        let poll = &steps[5];
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
}
