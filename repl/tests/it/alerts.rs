//! `alerts`: the rules for the version the server answers, or the one given; the two formats;
//! versions that are not served.

use serde_json::Value;
use xsite_repl::exec::Outcome;

use crate::common::Harness;

#[test]
fn the_rules_follow_the_version() {
    let mut h = Harness::with_both_sites();
    // The simulator answers 14.0.35.Final: the per-cache vendor names, no sites-view rule.
    let (outcome, out) = h.outcome("alerts");
    assert_eq!(outcome, Outcome::Ok, "{out}");
    assert!(
        out.starts_with("# Cross-site replication alerts for Infinispan 14.0.35.Final"),
        "{out}"
    );
    assert!(
        out.contains(
            "    expr: '{__name__=~\"vendor_cache_manager_.+_x_site_admin_.+_status\"} == 0'\n"
        ),
        "{out}"
    );
    assert!(!out.contains("jgroups_site_view_status =="), "{out}");

    let (outcome, out) =
        h.outcome("alerts --version 16.0.7 --format prometheus-rule --namespace keycloak");
    assert_eq!(outcome, Outcome::Ok, "{out}");
    assert!(out.contains("kind: PrometheusRule\n"), "{out}");
    assert!(
        out.contains("      expr: 'infinispan_x_site_admin_status == 0'\n"),
        "{out}"
    );
    assert!(
        out.contains("      expr: 'jgroups_site_view_status == 0'\n"),
        "{out}"
    );

    let (outcome, out) = h.outcome("alerts --version 15.0.21.Final --output json");
    assert_eq!(outcome, Outcome::Ok, "{out}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        doc["result"]["rules"].as_array().map(Vec::len),
        Some(2),
        "{out}"
    );
    assert_eq!(
        doc["result"]["not_covered"].as_array().map(Vec::len),
        Some(2),
        "{out}"
    );

    for bad in ["13.0.1", "banana"] {
        let (outcome, _) = h.outcome(&format!("alerts --version {bad}"));
        let Outcome::Failed(error) = outcome else {
            panic!("--version {bad} accepted");
        };
        assert_eq!(error.exit_code(), 2, "{bad}");
    }
}
