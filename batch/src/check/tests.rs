//! `check_log` on real cli.sh output (14.0.28 transcripts from `docs/real-server/cli-samples`)
//! and on made-up logs for the cases not recorded yet.

use super::*;
use serde_json::Value;
use xsite_clish::{Command, NoVars, Script, parse_script};

const PROCEDURE_LOG: &str = include_str!("fixtures/14.0.28.Final-02-procedure.log");
const PROCEDURE_CLI: &str = include_str!("fixtures/02-procedure.cli");
const ERRORS_LOG: &str = include_str!("fixtures/14.0.28.Final-03-errors.log");
const ERRORS_CLI: &str = include_str!("fixtures/03-errors.cli");
const OBSERVER_LOG: &str = include_str!("fixtures/14.0.28.Final-04-observer.log");
const UNKNOWN_LOG: &str = include_str!("fixtures/14.0.28.Final-05-unknown-command.log");
const UNKNOWN_CLI: &str = include_str!("fixtures/05-unknown-command.cli");
const STATUS_LOG: &str = include_str!("fixtures/14.0.28.Final-01-site-status.log");

fn script(text: &str) -> Script {
    // Parse leniently: 05-unknown-command.cli has a line cli.sh refuses, on purpose.
    xsite_clish::Parser::new().parse_script_lines("batch", text, &NoVars)
}

fn summary(report: &CheckReport) -> Vec<String> {
    report.failures.iter().map(ToString::to_string).collect()
}

#[test]
fn success_log() {
    let report = check_log(STATUS_LOG);
    assert!(report.is_success(), "{report}");
    assert_eq!(report.outputs.len(), 1);
    assert_eq!(report.outputs[0].value["status"], "online");
    assert_eq!(report.to_string(), "OK: no failure found\n");
}

#[test]
fn procedure_log_without_script() {
    let report = check_log(PROCEDURE_LOG);
    assert_eq!(
        summary(&report),
        [
            "error (log line 29): Error: ISPN000634: Cross-site automatic state transfer is not compatible with SYNC \
             backup strategy.",
            "error (log line 30): Not Found: ISPN012010: Cache with name 'nope' not found amongst the configured caches",
            "error (log line 31): Not Found: Cache 'no-backups' does not have backup sites.",
            "error (log line 32): Not Found: ",
            "cache 'offlineClientSessions' not ok (log line 34): \"offlineClientSessions\" : \"Incorrect site name: site-x\"",
            "cache 'authenticationSessions' not ok (log line 35): \"authenticationSessions\" : \"Incorrect site name: site-x\"",
            "cache 'sessions' not ok (log line 36): \"sessions\" : \"Incorrect site name: site-x\"",
            "cache 'clientSessions' not ok (log line 37): \"clientSessions\" : \"Incorrect site name: site-x\"",
            "cache 'work' not ok (log line 38): \"work\" : \"Incorrect site name: site-x\"",
            "cache 'offlineSessions' not ok (log line 39): \"offlineSessions\" : \"Incorrect site name: site-x\"",
            "cache 'loginFailures' not ok (log line 40): \"loginFailures\" : \"Incorrect site name: site-x\"",
            "cache 'actionTokens' not ok (log line 41): \"actionTokens\" : \"Incorrect site name: site-x\"",
        ]
    );
    // The status and node maps are not mistaken for per-cache answers.
    assert_eq!(report.outputs.len(), 11);
    assert_eq!(
        report.unrecognized,
        [
            (59, "[site-a, site-b]".to_owned()),
            (60, "site-a".to_owned()),
            (61, "true".to_owned()),
            (62, "[site-a-0]".to_owned())
        ]
    );
}

#[test]
fn procedure_log_with_script() {
    let script = script(PROCEDURE_CLI);
    let report = check_log_with_script(PROCEDURE_LOG, &script);
    let failures = summary(&report);
    assert_eq!(failures.len(), 12, "{report}");
    // Each error is tied to the command that printed it.
    assert_eq!(
        failures[0],
        "error (log line 29) [line 8: site state-transfer-mode set --cache=work --site=site-b --mode=MANUAL] (or one \
         of script lines 8, 9: no marker to tell): Error: ISPN000634: Cross-site automatic state transfer is not compatible with SYNC backup strategy."
    );
    assert!(
        failures[1].contains("[line 9: site status --cache=nope]"),
        "{}",
        failures[1]
    );
    assert!(
        failures[2].contains("[line 10: site status --cache=no-backups]"),
        "{}",
        failures[2]
    );
    assert!(
        failures[3].contains("[line 11: site status --all-caches --site=site-x]"),
        "{}",
        failures[3]
    );
    assert!(
        failures[4].contains("[line 12: site take-offline --all-caches --site=site-x]"),
        "{}",
        failures[4]
    );
    assert!(report.unrecognized.is_empty(), "{:?}", report.unrecognized);
    // Outputs are tied to commands too.
    assert_eq!(report.container_site_status("site-b"), Some("offline"));
    assert_eq!(
        report.push_statuses(),
        [("work".to_owned(), "site-b".to_owned(), "IDLE".to_owned())]
    );
    let view: Vec<&Value> = report.outputs_of(17).collect();
    assert_eq!(view, [&Value::String("[site-a, site-b]".into())]);
}

#[test]
fn errors_log_with_and_without_script() {
    let expected_tail = [
        "usage printed (the command failed) (log line 6): Usage: batch site state-transfer-mode [<options>]",
        "usage printed (the command failed) (log line 16): Usage: batch site [<options>]",
    ];
    let report = check_log(ERRORS_LOG);
    let failures = summary(&report);
    assert_eq!(failures.len(), 8, "{report}");
    assert_eq!(
        failures[0],
        "error (log line 1): One of the 'cache' and 'all-caches' options are required"
    );
    assert_eq!(failures[5..7], expected_tail);
    assert_eq!(
        failures[7],
        "batch stopped (log line 37): Error executing file: /work/main/docs/real-server/cli-samples/03-errors.cli, \
         line 8: 'site take-offline --cache=work' / RequiredOptionException: Option: --site is required for this \
         command."
    );
    assert!(report.unrecognized.is_empty(), "{:?}", report.unrecognized);

    let report = check_log_with_script(ERRORS_LOG, &script(ERRORS_CLI));
    let failures = summary(&report);
    assert_eq!(failures.len(), 9, "{report}");
    assert!(
        failures[0].contains("[line 1: site status]"),
        "{}",
        failures[0]
    );
    assert!(failures[1].contains("[line 2: site status --cache=work --all-caches]"));
    assert!(failures[5].contains("[line 6: site state-transfer-mode]"));
    assert!(failures[6].contains("[line 7: site]"));
    assert!(
        failures[7]
            .starts_with("batch stopped (log line 37) [line 8: site take-offline --cache=work]")
    );
    assert_eq!(
        failures[8],
        "not run [line 9: site status --all-caches --site=site-b]: the batch stopped before this command"
    );
}

#[test]
fn authorization_errors() {
    let report = check_log(OBSERVER_LOG);
    let failures = summary(&report);
    assert_eq!(failures.len(), 2);
    assert!(failures[0].starts_with(
        "error (log line 1): The user is not allowed to access the server resource: ISPN000287: Unauthorized access"
    ));
}

#[test]
fn unknown_command_aborts() {
    let report = check_log_with_script(UNKNOWN_LOG, &script(UNKNOWN_CLI));
    assert_eq!(
        summary(&report),
        [
            "batch stopped (log line 2) [line 2: nosuchcommand]: Error executing file: \
             /work/main/docs/real-server/cli-samples/05-unknown-command.cli, line 2: 'nosuchcommand' / \
             CommandLineParserException: batch 'nosuchcommand' is not a batch command. See 'batch --help'.",
            "not run [line 3: site name]: the batch stopped before this command",
        ]
    );
}

/// A Batch job log made with the builder's markers: every output is tied to its command.
#[test]
fn marked_log() {
    let script = parse_script(
        "/etc/batch/batch",
        "site take-offline --all-caches --site=site-a\nsite status --all-caches --site=site-a\nclearcache work\n\
         clearcache sessions\nsite push-site-status --cache=work\nsite clear-push-site-status --cache=work\n",
        &NoVars,
    )
    .unwrap()
    .with_markers();
    let log = "xsite-step-1\n{\n  \"work\" : \"ok\",\n  \"sessions\" : \"Exception on sessions : boom\"\n}\n\
               xsite-step-2\n{\n  \"status\" : \"mixed\",\n  \"online\" : [ \"sessions\" ],\n  \"offline\" : [ \"work\" ],\n  \"mixed\" : [  ]\n}\n\
               xsite-step-3\nxsite-step-4\n\x1b[;91;109mNot Found: ISPN012010: Cache with name 'sessions' not found amongst the configured caches\x1b[0m\n\
               xsite-step-5\n{\n  \"site-a\" : \"ERROR\"\n}\nxsite-step-6\n\"Unable to perform operation. Error=x\"\n";
    let report = check_log_with_script(log, &script);
    assert_eq!(
        summary(&report),
        [
            "cache 'sessions' not ok (log line 4) [line 2: site take-offline --all-caches --site=site-a]: \
             \"sessions\" : \"Exception on sessions : boom\"",
            "error (log line 15) [line 8: clearcache sessions]: Not Found: ISPN012010: Cache with name 'sessions' not \
             found amongst the configured caches",
            "push state to 'site-a' failed (log line 18) [line 10: site push-site-status --cache=work]: \
             \"site-a\" : \"ERROR\"",
            "not ok (log line 21) [line 12: site clear-push-site-status --cache=work]: \"Unable to perform \
             operation. Error=x\"",
        ]
    );
    assert_eq!(report.container_site_status("site-a"), Some("mixed"));
}

#[test]
fn marked_log_missing_and_unexpected_output() {
    let script = Script::from_commands(
        "s",
        [
            Command::status_all("site-a"),
            Command::clearcache("work"),
            Command::take_offline_all("site-a"),
        ],
    )
    .with_markers();
    // Step 1 printed nothing, step 2 printed something, step 3 never ran.
    let log = "xsite-step-1\nxsite-step-2\nsomething odd\n";
    let failures = summary(&check_log_with_script(log, &script));
    assert_eq!(
        failures,
        [
            "no output [line 2: site status --all-caches --site=site-a]: the command printed nothing",
            "not run [line 6: site take-offline --all-caches --site=site-a]: its marker is not in the log: the batch \
             did not get this far, or this is not its log",
        ]
    );
    let report = check_log_with_script(log, &script);
    assert_eq!(report.unrecognized, [(3, "something odd".to_owned())]);
    let log = "xsite-step-1\n{\n  \"status\" : \"online\"\n}\nxsite-step-2\nan error happened\nxsite-step-3\n{ }\n";
    let failures = summary(&check_log_with_script(log, &script));
    assert_eq!(
        failures,
        [
            "unexpected output (log line 6) [line 4: clearcache work]: an error happened",
            "no cache answered (log line 8) [line 6: site take-offline --all-caches --site=site-a]: { }",
        ]
    );
}

/// 16.0.9 and later: `Batch error` after the failed command (possibly twice), no exception line.
#[test]
fn batch_error_16() {
    let script = Script::from_commands(
        "/etc/batch/batch",
        [
            Command::take_offline_all("site-a"),
            Command::clearcache("work"),
        ],
    );
    let log = "\x1b[;91;109mError: ISPN012047: Site operation on 'site-a' failed: 'x'\x1b[0m\n\
               Batch error: /etc/batch/batch, line 1: 'site take-offline --all-caches --site=site-a'\n\
               Batch error: /etc/batch/batch, line 1: 'site take-offline --all-caches --site=site-a'\n";
    let failures = summary(&check_log_with_script(log, &script));
    assert_eq!(
        failures,
        [
            "error (log line 1) [line 1: site take-offline --all-caches --site=site-a]: Error: ISPN012047: Site \
             operation on 'site-a' failed: 'x'",
            "batch stopped (log line 2) [line 1: site take-offline --all-caches --site=site-a]: Batch error: \
             /etc/batch/batch, line 1: 'site take-offline --all-caches --site=site-a'",
            "not run [line 2: clearcache work]: the batch stopped before this command",
        ]
    );
}

#[test]
fn ambiguous_errors_name_their_candidates() {
    let script = Script::from_commands(
        "s",
        [
            Command::clearcache("a"),
            Command::clearcache("b"),
            Command::status_all("site-a"),
        ],
    );
    // The error names cache 'b', so it is tied to line 2.
    let log = "\x1b[;91;109mNot Found: ISPN012010: Cache with name 'b' not found amongst the configured caches\x1b[0m\n\
               {\n  \"status\" : \"online\"\n}\n";
    let failures = summary(&check_log_with_script(log, &script));
    assert_eq!(
        failures,
        [
            "error (log line 1) [line 2: clearcache b]: Not Found: ISPN012010: Cache with name 'b' not found amongst \
          the configured caches"
        ]
    );
    // An error naming nothing is given to the first candidate, with the others listed.
    let log = "\x1b[;91;109mError: \x1b[0m\n{\n  \"status\" : \"online\"\n}\n";
    let failures = summary(&check_log_with_script(log, &script));
    assert_eq!(
        failures,
        [
            "error (log line 1) [line 1: clearcache a] (or one of script lines 1, 2, 3: no marker to tell): Error: "
        ]
    );
}

#[test]
fn strict_about_unknown_error_text() {
    let log = "Picked up JAVA_TOOL_OPTIONS: -Xmx64m\nsomething failed badly\njava.io.IOException: connection reset\n\
               The command is not available in the current context.\n";
    let report = check_log(log);
    assert_eq!(
        summary(&report),
        [
            "unrecognized error output (log line 2): something failed badly",
            "error (log line 3): java.io.IOException: connection reset",
            "error (log line 4): The command is not available in the current context.",
        ]
    );
    assert_eq!(
        report.unrecognized,
        [(1, "Picked up JAVA_TOOL_OPTIONS: -Xmx64m".to_owned())]
    );
    assert!(
        report
            .to_string()
            .starts_with("FAILED: 3 failure(s)\n- unrecognized error output")
    );
}

#[test]
fn push_status_without_script() {
    let log = "{\n  \"site-b\" : \"SENDING\"\n}\n{\n  \"site-b\" : \"ERROR\"\n}\n{\n  \"ERROR\" : \"collect failed\"\n}\n\"ok\"\n";
    let failures = summary(&check_log(log));
    assert_eq!(
        failures,
        [
            "push state to 'site-b' failed (log line 5): \"site-b\" : \"ERROR\"",
            "push state to 'ERROR' failed (log line 8): \"ERROR\" : \"collect failed\"",
        ]
    );
}

/// Every recorded transcript (any version, see `fixtures/README.md`): what `lint` predicts cli.sh
/// prints for a line is in the real output, and `check_log` finds a failure exactly when the
/// batch printed an error.
#[test]
fn transcripts_match_the_message_model() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/check/fixtures");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let Some(stem) = file.strip_suffix(".log") else {
            continue;
        };
        // `<version>-<NN>-<name>`: the version is everything before the first `-<digit><digit>-`.
        let split = stem.find("-0").or_else(|| stem.find("-1")).unwrap();
        let (version, cli) = (&stem[..split], format!("{}.cli", &stem[split + 1..]));
        let version: xsite_clish::CliVersion = version.parse().unwrap();
        let log = std::fs::read_to_string(&path).unwrap();
        let plain: String = log.lines().map(|l| strip_ansi(l).0 + "\n").collect();
        let text = std::fs::read_to_string(dir.join(&cli)).unwrap();
        let name = format!("/work/main/docs/real-server/cli-samples/{cli}");
        let script = xsite_clish::Parser::new().parse_script_lines(&name, &text, &NoVars);
        let context = xsite_clish::Context::connected(version, xsite_clish::Mode::Batch, "default");
        for diagnostic in xsite_clish::lint(&script, &context) {
            if let Some(expected) = &diagnostic.cli_output {
                assert!(
                    plain.contains(expected.as_str()),
                    "{file}: cli.sh {version} should print {expected:?}\n{plain}"
                );
            }
        }
        let report = check_log_with_script(&log, &script);
        let printed_error = log.contains("\x1b[;91;109m") || log.contains("Error executing file");
        assert_eq!(!report.is_success(), printed_error, "{file}: {report}");
        assert!(
            report.unrecognized.is_empty(),
            "{file}: {:?}",
            report.unrecognized
        );
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} transcripts");
}
