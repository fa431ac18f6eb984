//! Prometheus alert rules for cross-site replication, with the metric names of the Infinispan
//! version in front of you.
//!
//! The names were read from the real servers' `GET /metrics` (scripts/grid; the lists are kept in
//! `docs/real-server/metrics/`, and the tests check every rule against them):
//! - 14.0 and 15.x name a metric per cache and backup site,
//!   `vendor_cache_manager_default_cache_<cache>_x_site_admin_<site>_status`, with `cache` and
//!   `site` labels too: the rules select them by name pattern and report the labels;
//! - 16.0 names them once, `infinispan_x_site_admin_status{cache=…,site=…}`, and adds the
//!   JGroups sites view, `jgroups_site_view_status{site=…}` (0 offline, 1 online, 2 n/a), which
//!   14.0.28, 15.0.21 and 15.2.6 do not answer;
//! - no version has a metric for the push (state transfer) status: that one is read over REST
//!   (`xsite watch --once --output json`, `xsite runbook status`), and the rules file says so.
//!
//! ```
//! use xsite::alerts::RuleSet;
//! use xsite::model::ServerVersion;
//!
//! let rules = RuleSet::for_version(&ServerVersion::parse("16.0.7").unwrap()).unwrap();
//! assert!(rules.to_rules_yaml().contains("expr: 'infinispan_x_site_admin_status == 0'"));
//! ```

use std::fmt::Write as _;

use crate::model::ServerVersion;

/// Which metric names a version uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricNames {
    /// 14.0 and 15.x: `vendor_` names, one per cache and site.
    PerCacheVendor,
    /// 16.0 and later: `infinispan_` and `jgroups_` names, the cache and site as labels.
    Labelled,
}

/// Which metrics a rule reads: one name, or names made of these parts with anything (at least
/// one character) between them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    /// Exactly this metric name.
    Name(&'static str),
    /// Any name made of these parts, in order, with at least one character between two parts.
    Pattern(&'static [&'static str]),
}

impl Selector {
    /// The selector in PromQL: the name, or `{__name__=~"…"}`.
    pub fn promql(&self) -> String {
        match self {
            Selector::Name(name) => (*name).to_owned(),
            Selector::Pattern(parts) => format!("{{__name__=~\"{}\"}}", parts.join(".+")),
        }
    }

    /// Whether a metric name is one this selector reads.
    pub fn matches(&self, name: &str) -> bool {
        match self {
            Selector::Name(wanted) => name == *wanted,
            Selector::Pattern(parts) => {
                let Some((first, rest)) = parts.split_first() else {
                    return false;
                };
                let Some(mut remaining) = name.strip_prefix(first) else {
                    return false;
                };
                for (index, part) in rest.iter().enumerate() {
                    let last = index + 1 == rest.len();
                    // At least one character before the part; the last part ends the name.
                    let found = if last {
                        remaining
                            .strip_suffix(part)
                            .filter(|between| !between.is_empty())
                            .map(|_| "")
                    } else {
                        remaining
                            .get(1..)
                            .and_then(|tail| tail.find(part).map(|at| &tail[at + part.len()..]))
                    };
                    match found {
                        Some(after) => remaining = after,
                        None => return false,
                    }
                }
                true
            }
        }
    }
}

/// One alert rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The alert's name.
    pub alert: &'static str,
    /// The metric it reads.
    pub selector: Selector,
    /// What follows the selector in the expression (`== 0`).
    pub condition: &'static str,
    /// How long the condition must hold.
    pub hold: &'static str,
    /// `critical` or `warning`.
    pub severity: &'static str,
    /// One line, with Prometheus label templates.
    pub summary: &'static str,
    /// What to do.
    pub description: &'static str,
}

impl Rule {
    /// The PromQL expression.
    pub fn expr(&self) -> String {
        format!("{} {}", self.selector.promql(), self.condition)
    }
}

/// The rules for one server version, and what that version cannot be alerted on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSet {
    /// The version the rules are for.
    pub version: ServerVersion,
    /// Its metric names.
    pub names: MetricNames,
    /// The rules.
    pub rules: Vec<Rule>,
    /// What no metric of this version shows, with what to use instead.
    pub not_covered: Vec<&'static str>,
    /// A word of caution about the names, when they were not read from this version's server.
    pub unchecked: Option<String>,
}

/// The version is older than 14.0, which this project does not serve.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Infinispan {0} is not served: alert rules exist for 14.0, 15.x and 16.x")]
pub struct UnsupportedVersion(pub String);

/// The JGroups sites-view metric (16.0 on).
const SITE_VIEW_METRIC: &str = "jgroups_site_view_status";
const DESCRIPTION_BACKUP: &str = "Writes to this cache no longer reach the site, and the sites drift apart. Read both sites with `xsite runbook status`; once the site is back, synchronize it (`xsite runbook synchronize` / `resync`) before bringing it online.";
const DESCRIPTION_FAILING: &str = "Requests to the site fail; with a take-offline policy the backup goes offline after enough failures, and under SYNC with FAIL each write fails meanwhile. Check the link and the other site.";
const DESCRIPTION_VIEW: &str = "The site left the JGroups sites view: nothing can be replicated to it. Check the other site and the link; `xsite watch` shows both sites.";
const PUSH_NOT_COVERED: &str = "The push (state transfer) status (SENDING stuck, ERROR, an old OK) has no metric: poll `xsite watch --once --output json` (caches.*.push) or `xsite runbook status`.";
const VIEW_NOT_COVERED: &str = "The sites view has no metric before 16.0 (jgroups_site_view_status is not in 14.0.28, 15.0.21 or 15.2.6's /metrics): poll `xsite watch --once --output json` (site_view).";

impl RuleSet {
    /// The rules for `version`: 14.0 and 15.x with their `vendor_` names, 16.x with the
    /// labelled ones (read on 16.0.7; 16.1 and later were not checked against a server).
    pub fn for_version(version: &ServerVersion) -> Result<RuleSet, UnsupportedVersion> {
        let (names, rules, not_covered) = match version.major {
            14 | 15 => (
                MetricNames::PerCacheVendor,
                vec![
                    backup_offline(Selector::Pattern(&[
                        "vendor_cache_manager_",
                        "_x_site_admin_",
                        "_status",
                    ])),
                    backup_failing(Selector::Pattern(&[
                        "vendor_cache_manager_",
                        "_x_site_admin_",
                        "_failures_count",
                    ])),
                ],
                vec![VIEW_NOT_COVERED, PUSH_NOT_COVERED],
            ),
            major if major >= 16 => (
                MetricNames::Labelled,
                vec![
                    backup_offline(Selector::Name("infinispan_x_site_admin_status")),
                    backup_failing(Selector::Name("infinispan_x_site_admin_failures_count")),
                    Rule {
                        alert: "XsiteSiteNotInView",
                        selector: Selector::Name(SITE_VIEW_METRIC),
                        condition: "== 0",
                        hold: "1m",
                        severity: "critical",
                        summary: "{{ $labels.node }} does not see site {{ $labels.site }}",
                        description: DESCRIPTION_VIEW,
                    },
                ],
                vec![PUSH_NOT_COVERED],
            ),
            _ => return Err(UnsupportedVersion(version.text.clone())),
        };
        let unchecked = (version.major > 16 || (version.major == 16 && version.minor > 0))
            .then(|| {
                format!(
                    "the names were read on 16.0.7; {} was not checked against a server (no server artifacts on Maven Central)",
                    version.text
                )
            });
        Ok(RuleSet {
            version: version.clone(),
            names,
            rules,
            not_covered,
            unchecked,
        })
    }

    /// What a scrape of this version's `/metrics` (its metric names) contradicts in these rules:
    /// a rule whose metric is not among `names`, and the sites-view metric present where the
    /// rules say the version has none (or absent where a rule reads it). Empty: the rules fit.
    pub fn mismatches<'a>(&self, names: impl IntoIterator<Item = &'a str> + Clone) -> Vec<String> {
        let mut found = Vec::new();
        for rule in &self.rules {
            if !names.clone().into_iter().any(|n| rule.selector.matches(n)) {
                found.push(format!(
                    "{}: {} reads {}, which the server does not answer",
                    self.version.text,
                    rule.alert,
                    rule.selector.promql()
                ));
            }
        }
        let has_view = names.into_iter().any(|n| n == SITE_VIEW_METRIC);
        if has_view != (self.names == MetricNames::Labelled) {
            found.push(format!(
                "{}: {SITE_VIEW_METRIC} {} while the rules use {:?} names",
                self.version.text,
                if has_view { "answered" } else { "not answered" },
                self.names
            ));
        }
        found
    }

    /// A Prometheus rules file (`groups:`), with what it cannot cover as comments.
    pub fn to_rules_yaml(&self) -> String {
        let mut out = self.comments();
        out.push_str("groups:\n");
        self.write_group(&mut out, "");
        out
    }

    /// A `PrometheusRule` resource (monitoring.coreos.com/v1, for the Prometheus Operator) with
    /// the same group.
    pub fn to_prometheus_rule(&self, name: &str, namespace: Option<&str>) -> String {
        let mut out = self.comments();
        out.push_str("apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n");
        let _ = writeln!(out, "  name: {}", quote(name));
        if let Some(namespace) = namespace {
            let _ = writeln!(out, "  namespace: {}", quote(namespace));
        }
        out.push_str("spec:\n  groups:\n");
        self.write_group(&mut out, "  ");
        out
    }

    fn comments(&self) -> String {
        let mut out = format!(
            "# Cross-site replication alerts for Infinispan {} (xsite alerts)\n",
            self.version.text
        );
        if let Some(unchecked) = &self.unchecked {
            let _ = writeln!(out, "# Caution: {unchecked}.");
        }
        for line in &self.not_covered {
            let _ = writeln!(out, "# Not covered: {line}");
        }
        out
    }

    fn write_group(&self, out: &mut String, indent: &str) {
        let _ = writeln!(out, "{indent}- name: xsite-cross-site");
        let _ = writeln!(out, "{indent}  rules:");
        for rule in &self.rules {
            let _ = writeln!(out, "{indent}  - alert: {}", rule.alert);
            let _ = writeln!(out, "{indent}    expr: {}", quote(&rule.expr()));
            let _ = writeln!(out, "{indent}    for: {}", rule.hold);
            let _ = writeln!(out, "{indent}    labels:");
            let _ = writeln!(out, "{indent}      severity: {}", rule.severity);
            let _ = writeln!(out, "{indent}    annotations:");
            let _ = writeln!(out, "{indent}      summary: {}", quote(rule.summary));
            let _ = writeln!(
                out,
                "{indent}      description: {}",
                quote(rule.description)
            );
        }
    }
}

fn backup_offline(selector: Selector) -> Rule {
    Rule {
        alert: "XsiteBackupOffline",
        selector,
        condition: "== 0",
        hold: "1m",
        severity: "critical",
        summary: "Cache {{ $labels.cache }} on {{ $labels.node }}: its backup to {{ $labels.site }} is offline",
        description: DESCRIPTION_BACKUP,
    }
}

fn backup_failing(selector: Selector) -> Rule {
    Rule {
        alert: "XsiteBackupFailing",
        selector,
        // A gauge: the failures since the last success (what a take-offline policy counts).
        condition: "> 0",
        hold: "1m",
        severity: "warning",
        summary: "Cache {{ $labels.cache }} on {{ $labels.node }}: requests to {{ $labels.site }} fail",
        description: DESCRIPTION_FAILING,
    }
}

/// A YAML single-quoted scalar.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The metric names a real server answered (docs/real-server/metrics/).
    fn scraped(version: &str) -> Vec<String> {
        let path = format!(
            "{}/../docs/real-server/metrics/{version}.txt",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        text.lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// Every rule of each version reads metrics that version's real server answers.
    #[test]
    fn every_rule_reads_a_metric_the_real_server_has() {
        for version in ["14.0.28.Final", "15.0.21.Final", "15.2.6.Final", "16.0.7"] {
            let names = scraped(version);
            let set = RuleSet::for_version(&ServerVersion::parse(version).unwrap()).unwrap();
            assert!(set.unchecked.is_none(), "{version}");
            let mismatches = set.mismatches(names.iter().map(String::as_str));
            assert!(mismatches.is_empty(), "{mismatches:?}");
            // And a scrape without the rules' metrics is caught.
            let unrelated = ["jvm_memory_used_bytes"];
            assert_eq!(
                set.mismatches(unrelated).len(),
                set.rules.len() + usize::from(set.names == MetricNames::Labelled),
                "{version}"
            );
        }
    }

    #[test]
    fn patterns_need_something_between_their_parts() {
        let status = Selector::Pattern(&["vendor_cache_manager_", "_x_site_admin_", "_status"]);
        assert!(
            status.matches("vendor_cache_manager_default_cache_work_x_site_admin_site_b_status")
        );
        assert!(!status.matches("vendor_cache_manager__x_site_admin__status"));
        assert!(
            !status.matches(
                "vendor_cache_manager_default_cache_work_x_site_admin_site_b_failures_count"
            )
        );
        assert_eq!(
            status.promql(),
            "{__name__=~\"vendor_cache_manager_.+_x_site_admin_.+_status\"}"
        );
    }

    #[test]
    fn versions_outside_the_served_ones_are_refused_or_flagged() {
        assert!(RuleSet::for_version(&ServerVersion::parse("13.0.10").unwrap()).is_err());
        let later = RuleSet::for_version(&ServerVersion::parse("16.1.2").unwrap()).unwrap();
        assert!(
            later
                .to_rules_yaml()
                .contains("# Caution: the names were read on 16.0.7")
        );
    }

    #[test]
    fn the_yaml_quotes_what_it_must() {
        let set = RuleSet::for_version(&ServerVersion::parse("15.0.21.Final").unwrap()).unwrap();
        let yaml = set.to_prometheus_rule("xsite-alerts", Some("keycloak"));
        assert!(yaml.contains(
            "    expr: '{__name__=~\"vendor_cache_manager_.+_x_site_admin_.+_status\"} == 0'\n"
        ));
        assert!(yaml.contains("kind: PrometheusRule\n"));
        assert!(yaml.contains("  namespace: 'keycloak'\n"));
        assert!(yaml.contains("# Not covered: The sites view has no metric before 16.0"));
        assert_eq!(quote("it's"), "'it''s'");
    }
}
