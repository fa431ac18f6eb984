//! A plan's text form, for a person: what `runbook --dry-run` prints, and the headers of a run's
//! log. The text of an action is the command language's (cli.sh), which the SDK does not know,
//! so [`Plan::describe`] takes it from the caller.

use std::fmt;

use super::plan::{Action, Check, Plan, Step, Workflow};

/// What the check verifies, in a sentence: `every cache's backup to site-b is offline`.
impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Check::None => f.write_str("none"),
            Check::Offline { backup } => write!(f, "every cache's backup to {backup} is offline"),
            Check::Online { backup } => write!(f, "every cache's backup to {backup} is online"),
            Check::OfflineBeforeEachClear => {
                f.write_str("each cache is cleared only right after its backups were seen offline")
            }
            Check::PushOk { backup } => write!(
                f,
                "every cache's push to {backup} is OK (a cache in ERROR is pushed again)"
            ),
            Check::PushIdle => f.write_str("every cache's push status is IDLE"),
        }
    }
}

impl Step {
    /// The step's header line: `step N on SITE: title`.
    pub fn header(&self) -> String {
        format!("step {} on {}: {}", self.number, self.site, self.title)
    }
}

impl Plan {
    /// The plan's header, in a dry run and at the start of a run's log: the workflow, what it
    /// does to which site, and the caches, each line a `#` comment.
    pub fn header(&self) -> Vec<String> {
        let mut lines = vec![format!("# runbook: {}", self.workflow)];
        match &self.workflow {
            Workflow::Resync { from, to } => {
                lines.push(format!(
                    "# {to}'s cache contents are discarded and replaced by {from}'s (Keycloak procedure 3; with the roles swapped, procedure 4)"
                ));
                lines.push(format!(
                    "# before: scale Keycloak on {to} to 0; after: scale it back"
                ));
            }
            Workflow::Fence { site } => lines.push(format!(
                "# {site} stops receiving replication from the sites that stay (Keycloak procedure 1)"
            )),
            Workflow::TakeOffline { site } => {
                lines.push(format!(
                    "# Keycloak 26 'take site offline': first take {site} out of the load balancer (you do; xsite does not)"
                ));
                lines.push(format!(
                    "# then {site} stops receiving replication from the sites that stay; after the maintenance: runbook synchronize, then runbook bring-online --site {site}"
                ));
            }
            Workflow::Synchronize { from, to } => {
                lines.push(format!(
                    "# Keycloak 26 'synchronize': {to}'s cache contents are discarded and replaced by {from}'s"
                ));
                lines.push(format!(
                    "# before: shut Keycloak down on {to} (scale it to 0); after: start it again, then runbook bring-online --site {to}"
                ));
            }
            Workflow::BringOnline { site } => {
                lines.push(format!(
                    "# Keycloak 26 'bring site online': the backups between {site} and the other sites must be online both ways (nothing is changed)"
                ));
                lines.push(format!(
                    "# after: put {site} back in the load balancer (you do; xsite does not)"
                ));
            }
        }
        lines.push(format!(
            "# caches ({}): {}",
            self.caches.len(),
            self.caches.names().join(", ")
        ));
        lines
    }

    /// The plan as text: the [header](Plan::header), then per step its
    /// [header](Step::header), its actions (each as `action_text` writes it, indented) and its
    /// check.
    pub fn describe(&self, action_text: impl Fn(&Action) -> String) -> Vec<String> {
        let mut lines = self.header();
        for step in &self.steps {
            lines.push(step.header());
            for action in &step.actions {
                lines.push(format!("  {}", action_text(action)));
            }
            lines.push(format!("  check: {}", step.check));
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CacheSet;

    #[test]
    fn a_fence_plan_reads_as_its_steps() {
        let plan = Plan::fence("site-b", "site-a", &CacheSet::custom(["work", "sessions"]));
        let lines = plan.describe(|action| format!("{action:?}"));
        assert_eq!(
            lines,
            [
                "# runbook: fence site-b",
                "# site-b stops receiving replication from the sites that stay (Keycloak procedure 1)",
                "# caches (2): work, sessions",
                "step 1 on site-a: take site-b offline for every cache, and verify",
                "  TakeOfflineAll { backup: \"site-b\" }",
                "  StatusAll { backup: \"site-b\" }",
                "  check: every cache's backup to site-b is offline",
            ]
        );
    }

    #[test]
    fn every_check_has_its_sentence() {
        let b = || "site-b".to_owned();
        let texts: Vec<String> = [
            Check::None,
            Check::Offline { backup: b() },
            Check::Online { backup: b() },
            Check::OfflineBeforeEachClear,
            Check::PushOk { backup: b() },
            Check::PushIdle,
        ]
        .iter()
        .map(Check::to_string)
        .collect();
        assert_eq!(
            texts,
            [
                "none",
                "every cache's backup to site-b is offline",
                "every cache's backup to site-b is online",
                "each cache is cleared only right after its backups were seen offline",
                "every cache's push to site-b is OK (a cache in ERROR is pushed again)",
                "every cache's push status is IDLE",
            ]
        );
    }
}
