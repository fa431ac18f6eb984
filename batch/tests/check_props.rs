//! Property tests of the Batch log checker: whatever the log (and the script), it never panics,
//! an empty log never passes, and every failure it points at a log line points inside the log.

use proptest::prelude::*;
use xsite_batch::check::{check_log, check_log_with_script};
use xsite_clish::{NoVars, Parser};

/// Lines that look like a Batch log: JSON pieces, markers, cli.sh reports, ANSI colours,
/// usage blocks, and arbitrary text.
fn log_line() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just("[".to_owned()),
        Just("]".to_owned()),
        Just("  \"work\" : \"ok\",".to_owned()),
        Just("  \"sessions\" : \"boom\"".to_owned()),
        Just("  \"site-b\" : \"ERROR\"".to_owned()),
        Just("  \"status\" : \"offline\"".to_owned()),
        Just("\"ok\"".to_owned()),
        Just("xsite-step-1".to_owned()),
        Just("xsite-step-2".to_owned()),
        Just("xsite-step-99999999999999999999999".to_owned()),
        Just("Error executing file: /etc/batch/batch, line 2".to_owned()),
        Just("Batch error: line 18446744073709551616".to_owned()),
        Just("Usage: site [OPTIONS]".to_owned()),
        Just("\u{1b}[31mNot Found: x\u{1b}[0m".to_owned()),
        Just("\u{1b}[".to_owned()),
        Just("{\"a\":".to_owned()),
        "[^\n]{0,40}",
        any::<String>(),
    ]
}

fn log() -> impl Strategy<Value = String> {
    prop::collection::vec(log_line(), 0..40).prop_map(|lines| lines.join("\n"))
}

fn script_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("echo xsite-step-1".to_owned()),
            Just("echo xsite-step-2".to_owned()),
            Just("site take-offline --all-caches --site=site-a".to_owned()),
            Just("site status --all-caches --site=site-a".to_owned()),
            Just("site push-site-status --cache=work".to_owned()),
            Just("clearcache work".to_owned()),
            Just("site nonsense".to_owned()),
            "[^\n]{0,30}",
        ],
        0..10,
    )
    .prop_map(|lines| lines.join("\n"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn the_checker_never_panics_and_points_inside_the_log(log in log()) {
        let report = check_log(&log);
        let lines = log.lines().count();
        for failure in &report.failures {
            if let Some(line) = failure.log_line {
                prop_assert!(line >= 1 && line <= lines, "{failure} in {lines} lines");
            }
        }
        if log.trim().is_empty() {
            prop_assert!(!report.is_success());
        }
        let _ = report.to_string();
    }

    #[test]
    fn the_checker_with_a_script_never_panics(log in log(), script in script_text()) {
        let script = Parser::new().parse_script_lines("s", &script, &NoVars);
        let report = check_log_with_script(&log, &script);
        if log.trim().is_empty() {
            prop_assert!(!report.is_success());
        }
        let _ = report.to_string();
    }
}
