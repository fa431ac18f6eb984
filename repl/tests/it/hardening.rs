//! Issue 11 (hardening) for `runbook`, `batch-cr` and `batch-check`: bad input refused before
//! anything is sent, Ctrl-C, `--output json` as one JSON document, errors on stderr, and the
//! log verdicts. Each test fails on the behaviour the issue describes.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;
use xsite_clish::Mode;
use xsite_repl::console::Format;
use xsite_repl::exec::Outcome;
use xsite_repl::prompt::NoPrompter;

use crate::common::Harness;

/// A harness in the given format whose session names both sites of its grid.
fn harness(format: Format) -> Harness {
    let mut h = Harness::with(Box::new(NoPrompter), Mode::Interactive, format);
    let (a, b) = (
        h.grid.connect_url(h.grid.site_a_url()),
        h.grid.connect_url(h.grid.site_b_url()),
    );
    h.exec.run_line(&format!(
        "runbook sites --site-url site-a={a} --site-url site-b={b}"
    ));
    h.out.take();
    h
}

fn failed(outcome: Outcome, out: &str) -> xsite_repl::error::CliError {
    match outcome {
        Outcome::Failed(error) => error,
        other => panic!("expected a failure, got {other:?}: {out}"),
    }
}

/// The binary, with no profile and no credentials from the caller's environment.
fn xsite(args: &[&str], stdin: &str) -> Output {
    let mut child = command(args)
        .stdin(Stdio::piped())
        .spawn()
        .expect("xsite runs");
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.as_bytes()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

fn command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_xsite"));
    command
        .args(args)
        .env(
            "XDG_CONFIG_HOME",
            std::env::temp_dir().join("xsite-it-no-profile"),
        )
        .env_remove("XSITE_USERNAME")
        .env_remove("XSITE_PASSWORD")
        .env_remove("XSITE_PASSWORD_SITE_A")
        .env_remove("XSITE_PASSWORD_SITE_B")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

// ---- Bad input, refused before the first request.

#[test]
fn huge_deadlines_are_refused_before_anything_is_sent() {
    let mut h = harness(Format::Cli);
    for option in [
        "--push-deadline 1e19",
        "--step-deadline 1e20",
        "--step-deadline 1e300",
        "--step-deadline 18446744073709551616",
        "--push-deadline inf",
        "--push-deadline 0",
    ] {
        let (outcome, out) = h.outcome(&format!(
            "runbook resync --from site-a --to site-b --cache-set work {option}"
        ));
        let error = failed(outcome, &out);
        assert_eq!(error.exit_code(), 2, "{option}: {}", error.message);
        assert!(
            error.message.contains("takes a number of seconds"),
            "{}",
            error.message
        );
        assert!(!out.contains("step 1"), "{option}: something ran: {out}");
    }
    // Nothing was sent: site-b still replicates to site-a.
    let b = h.grid.site("site-b").unwrap();
    assert_eq!(b.backup("work", "site-a").map(|s| s.online), Some(true));
    // The same in a dry run: the option is wrong whatever the mode.
    let (outcome, out) = h.outcome("runbook fence --site site-a --dry-run --step-deadline 1e300");
    assert_eq!(failed(outcome, &out).exit_code(), 2);
}

#[test]
fn an_unknown_cache_stops_the_resync_before_step_1_with_a_next_step_that_works() {
    let mut h = harness(Format::Cli);
    let (outcome, out) =
        h.outcome("runbook resync --from site-a --to site-b --cache-set nope,work");
    let error = failed(outcome, &out);
    assert_eq!(error.exit_code(), 2, "{}", error.message);
    assert!(
        error.message.contains("has no cache nope"),
        "{}",
        error.message
    );
    assert!(
        error.message.contains("--cache-set work "),
        "the next step names the caches that exist: {}",
        error.message
    );
    assert!(!out.contains("step 1"), "{out}");
    // site-a was not taken offline on site-b.
    let b = h.grid.site("site-b").unwrap();
    assert_eq!(b.backup("work", "site-a").map(|s| s.online), Some(true));
    // The suggested command runs.
    let (outcome, out) = h.outcome("runbook resync --from site-a --to site-b --cache-set work");
    assert_eq!(outcome, Outcome::Ok, "{out}");
}

#[test]
fn a_stopped_workflow_suggests_the_same_cache_set_again() {
    let mut h = harness(Format::Cli);
    let b = h.grid.site("site-b").unwrap();
    b.stick_online("work", "site-a", true);
    let (outcome, out) = h.outcome(
        "runbook resync --from site-a --to site-b --cache-set work,sessions --step-deadline 0.3",
    );
    let error = failed(outcome, &out);
    assert_eq!(error.exit_code(), 3);
    assert!(
        error
            .message
            .contains("runbook resync --from site-a --to site-b --cache-set work,sessions`"),
        "{}",
        error.message
    );
}

#[test]
fn wait_timeouts_out_of_range_are_refused() {
    for value in ["0", "18446744073709551615", "604801"] {
        let output = xsite(
            &[
                "batch-cr",
                "--cluster",
                "c",
                "--wait-timeout",
                value,
                "site status --all-caches --site=b",
            ],
            "",
        );
        assert_eq!(
            output.status.code(),
            Some(2),
            "{value}: {}",
            text(&output.stderr)
        );
        assert_eq!(text(&output.stdout), "", "{value}");
    }
}

#[test]
fn batch_commands_do_not_offer_demo_or_profile() {
    for command in ["batch-cr", "batch-check"] {
        let output = xsite(&[command, "--help"], "");
        let help = text(&output.stdout);
        assert!(help.contains("Usage"), "{help}");
        assert!(
            !help.contains("--demo") && !help.contains("--profile"),
            "{command}: {help}"
        );
    }
    let output = xsite(&["runbook", "status", "--help"], "");
    assert!(text(&output.stdout).contains("--demo"));
}

// ---- JSON.

/// Exactly one JSON document on stdout.
fn one_document(stdout: &str) -> Value {
    let mut lines = stdout.lines();
    let first = lines.next().unwrap_or_else(|| panic!("no output"));
    assert_eq!(lines.next(), None, "more than one line: {stdout}");
    serde_json::from_str(first).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

#[test]
fn runbook_status_output_json_is_one_document_in_any_position() {
    for args in [
        &["--output", "json", "--demo", "runbook", "status"][..],
        &["--demo", "runbook", "status", "--output", "json"][..],
        &["runbook", "status", "--demo", "--output", "json"][..],
    ] {
        let output = xsite(args, "");
        let out = text(&output.stdout);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{args:?}: {out}{}",
            text(&output.stderr)
        );
        let doc = one_document(&out);
        assert_eq!(doc["ok"], true);
        assert_eq!(doc["result"]["version"], 1);
        assert_eq!(doc["result"]["healthy"], true);
        let sites = doc["result"]["sites"].as_array().unwrap();
        assert_eq!(sites.len(), 2);
        assert_eq!(sites[0]["caches"].as_array().unwrap().len(), 8);
        assert_eq!(sites[0]["caches"][0]["backups"]["site-b"], "online");
    }
}

#[test]
fn output_json_typed_on_a_line_applies_to_that_command_only() {
    // In the shell or a batch file, `--output` is a word of the line, in any position.
    let lines = "runbook status --output json\n\
                 runbook --output=json resync --from site-a --to site-b --dry-run\n\
                 runbook status\n";
    let output = xsite(&["--demo"], lines);
    let out = text(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{out}{}",
        text(&output.stderr)
    );
    let mut lines = out.lines();
    let status: Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    assert_eq!(status["command"], "runbook status", "{out}");
    assert_eq!(status["result"]["healthy"], true, "{out}");
    let dry_run: Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    assert_eq!(
        dry_run["command"], "runbook resync --from site-a --to site-b --dry-run",
        "{out}"
    );
    // The next lines are back in the session's format: the cache set, then the text table.
    let rest: Vec<&str> = lines.collect();
    assert!(
        rest.first()
            .is_some_and(|l| l.starts_with("cache set: keycloak-25 (detected: ")),
        "{out}"
    );
    assert!(
        rest.get(1)
            .is_some_and(|l| l.starts_with("site-a (sites view")),
        "{out}"
    );
    assert!(rest.iter().all(|l| !l.starts_with('{')), "{out}");

    let bad = xsite(&["--demo"], "runbook status --output yaml\n");
    assert_eq!(bad.status.code(), Some(1));
    // stdout holds only cli.sh's batch report of the failed line, no document.
    assert!(!text(&bad.stdout).contains('{'), "{}", text(&bad.stdout));
    assert!(
        text(&bad.stderr).contains("invalid value 'yaml' for '--output <FORMAT>': use cli or json"),
        "{}",
        text(&bad.stderr)
    );
}

#[test]
fn a_degraded_status_in_json_has_a_message_and_its_findings() {
    let mut h = harness(Format::Json);
    h.grid
        .site("site-a")
        .unwrap()
        .set_backup_online("work", "site-b", false);
    let (outcome, out) = h.outcome("runbook status --cache-set keycloak-26");
    let error = failed(outcome, &out);
    assert_eq!(error.exit_code(), 1);
    let doc = one_document(&out);
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["error"]["message"], "degraded: 2 finding(s)");
    let findings = doc["result"]["findings"].as_array().unwrap();
    assert!(
        findings
            .iter()
            .any(|f| f["site"] == "site-a" && f["cache"] == "work" && f["expected"] == false),
        "{doc}"
    );
}

#[test]
fn a_stopped_resync_in_json_has_its_report_per_step_and_per_cache() {
    let mut h = harness(Format::Json);
    h.grid
        .site("site-b")
        .unwrap()
        .stick_online("work", "site-a", true);
    let (outcome, out) = h.outcome(
        "runbook resync --from site-a --to site-b --cache-set work,sessions --step-deadline 0.3",
    );
    assert_eq!(failed(outcome, &out).exit_code(), 3);
    let doc = one_document(&out);
    let result = &doc["result"];
    assert_eq!(result["version"], 1);
    assert_eq!(result["done"], false);
    assert_eq!(result["steps"][0]["step"], 1);
    assert_eq!(result["steps"][0]["site"], "site-b");
    assert_eq!(
        result["steps"][0]["actions"][0]["command"],
        "site take-offline --all-caches --site=site-a"
    );
    let stopped = &result["stopped"];
    assert_eq!(stopped["step"], 1);
    assert_eq!(stopped["cleared"], serde_json::json!([]));
    let caches = stopped["caches"].as_array().unwrap();
    assert_eq!(caches.len(), 2, "{doc}");
    assert_eq!(caches[0]["site"], "site-b");
    assert_eq!(caches[0]["cache"], "work");
    assert!(stopped["next"].as_str().unwrap().contains("runbook resync"));
}

#[test]
fn a_resync_and_a_dry_run_in_json_are_one_document_each() {
    let mut h = harness(Format::Json);
    let (outcome, out) =
        h.outcome("runbook resync --from site-a --to site-b --dry-run --cache-set work");
    assert_eq!(outcome, Outcome::Ok);
    let doc = one_document(&out);
    assert_eq!(doc["result"]["plans"][0]["steps"][0]["site"], "site-b");
    let (outcome, out) = h.outcome("runbook resync --from site-a --to site-b --cache-set work");
    assert_eq!(outcome, Outcome::Ok, "{out}");
    let doc = one_document(&out);
    assert_eq!(doc["result"]["done"], true);
    assert_eq!(doc["result"]["steps"].as_array().unwrap().len(), 6);
    assert_eq!(doc["result"]["steps"][5]["reached"], true);
}

#[test]
fn batch_cr_output_json_is_one_document_holding_the_yaml() {
    let output = xsite(
        &[
            "batch-cr",
            "--cluster",
            "c",
            "--name",
            "j1",
            "--output",
            "json",
            "site view",
        ],
        "",
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let doc = one_document(&text(&output.stdout));
    assert_eq!(doc["result"]["name"], "j1");
    assert!(
        doc["result"]["yaml"]
            .as_str()
            .unwrap()
            .contains("kind: Batch")
    );
    assert!(doc["result"]["oc"].as_array().unwrap().len() > 3);
}

// ---- runbook status: unreachable sites and expected states.

#[test]
fn unreachable_sites_are_one_line_each_with_the_cause_and_exit_2() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let output = xsite(
        &[
            "runbook",
            "status",
            "--site-url",
            &format!("site-a=http://u:p@127.0.0.1:{port}"),
            "--site-url",
            &format!("site-b=http://u:p@127.0.0.1:{port}"),
        ],
        "",
    );
    let out = text(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(2),
        "{out}{}",
        text(&output.stderr)
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines[0].starts_with("site-a: unreachable: "), "{out}");
    assert!(lines[1].starts_with("site-b: unreachable: "), "{out}");
    assert!(
        out.to_lowercase().contains("refused"),
        "the cause is kept: {out}"
    );
}

#[test]
fn a_wrong_password_is_one_line_per_site_and_exit_2() {
    let grid = xsite_repl::demo::DemoGrid::start().unwrap();
    let url = |u: &str| u.replacen("http://", "http://admin:wrong-password@", 1);
    let output = xsite(
        &[
            "runbook",
            "status",
            "--site-url",
            &format!("site-a={}", url(grid.site_a_url())),
            "--site-url",
            &format!("site-b={}", url(grid.site_b_url())),
        ],
        "",
    );
    let out = text(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(2),
        "{out}{}",
        text(&output.stderr)
    );
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(
        out.contains("site-a: unreachable: ") && out.contains("401"),
        "{out}"
    );
}

#[test]
fn a_fenced_site_and_a_left_over_push_status_are_expected_with_what_to_run() {
    let mut h = harness(Format::Cli);
    let (outcome, out) = h.outcome("runbook fence --site site-b --cache-set keycloak-26");
    assert_eq!(outcome, Outcome::Ok, "{out}");
    let (outcome, out) = h.outcome("runbook status --cache-set keycloak-26");
    assert_eq!(outcome, Outcome::Ok, "a fence is what was asked for: {out}");
    assert!(out.contains("expected (1)"), "{out}");
    // Keycloak 26's set is told in its guide's words.
    assert!(out.contains("site-a: site-b is offline"), "{out}");
    assert!(
        out.contains("next: once site-b is back and its Keycloak shut down: runbook synchronize --from site-a --to site-b, then runbook bring-online --site site-b"),
        "{out}"
    );
    assert!(!out.contains("degraded ("), "{out}");
}

#[test]
fn a_fenced_keycloak_25_site_is_told_in_the_keycloak_24_procedures_words() {
    let mut h = harness(Format::Cli);
    let (outcome, out) = h.outcome("runbook fence --site site-b");
    assert_eq!(outcome, Outcome::Ok, "{out}");
    let (outcome, out) = h.outcome("runbook status");
    assert_eq!(outcome, Outcome::Ok, "{out}");
    assert!(
        out.starts_with("cache set: keycloak-25 (detected: "),
        "{out}"
    );
    assert!(out.contains("site-a: site-b is fenced"), "{out}");
    assert!(
        out.contains("next: once site-b is back and its Keycloak scaled to 0: runbook resync --from site-a --to site-b"),
        "{out}"
    );
}

// ---- batch-check and batch-cr.

#[test]
fn an_empty_log_is_a_failure() {
    for log in ["", "\n\n", "some text that is no cli.sh output\n"] {
        let output = xsite(&["batch-check", "-"], log);
        let out = text(&output.stdout);
        assert_eq!(output.status.code(), Some(1), "{log:?}: {out}");
        assert!(
            out.starts_with("FAILED: 1 failure(s)\n- nothing to check"),
            "{out}"
        );
    }
}

#[test]
fn the_printed_check_uses_the_batch_so_that_a_failed_oc_logs_fails() {
    let output = xsite(
        &[
            "batch-cr",
            "--cluster",
            "infinispan",
            "--name",
            "t1",
            "site status --all-caches --site=site-a",
        ],
        "",
    );
    assert_eq!(output.status.code(), Some(0));
    let err = text(&output.stderr);
    assert!(
        err.contains("| xsite batch-check --batch t1.yaml -"),
        "{err}"
    );
    // With the YAML, a log where the batch printed nothing fails.
    let dir = std::env::temp_dir().join(format!("xsite-h5-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let yaml = dir.join("t1.yaml");
    std::fs::write(&yaml, &output.stdout).unwrap();
    let check = xsite(&["batch-check", "--batch", yaml.to_str().unwrap(), "-"], "");
    assert_eq!(check.status.code(), Some(1), "{}", text(&check.stdout));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn batch_errors_go_to_stderr_never_into_the_yaml() {
    let output = xsite(
        &["batch-cr", "--cluster", "c", "-f", "/nonexistent/x.cli"],
        "",
    );
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(text(&output.stdout), "");
    assert!(text(&output.stderr).contains("Cannot read the batch file"));
    let output = xsite(&["batch-cr", "--cluster", "c", "site nonsense"], "");
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(text(&output.stdout), "", "{}", text(&output.stderr));
    let output = xsite(&["batch-check", "/nonexistent/log"], "");
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(text(&output.stdout), "");
}

#[test]
fn every_refused_line_is_reported_and_the_first_is_where_cli_sh_stops() {
    let output = xsite(
        &[
            "batch-cr",
            "--cluster",
            "c",
            "help",
            "site status --all-caches --site=b",
            "quit",
            "runbook status",
        ],
        "",
    );
    assert_eq!(output.status.code(), Some(1));
    let err = text(&output.stderr);
    for line in ["<arguments>:1:", "<arguments>:3:", "<arguments>:4:"] {
        assert!(err.contains(line), "{line}: {err}");
    }
    assert!(
        err.contains("3 refused line(s); cli.sh would stop the batch at the first, <arguments>:1"),
        "{err}"
    );
}

const PUSH_ERROR_SCRIPT: &str = "site push-site-status --cache=work\n";

#[test]
fn a_push_in_error_says_which_push_to_run_again() {
    let dir = std::env::temp_dir().join(format!("xsite-h5-push-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("push.cli");
    std::fs::write(&script, PUSH_ERROR_SCRIPT).unwrap();
    let output = xsite(
        &[
            "batch-check",
            "--script",
            script.to_str().unwrap(),
            "--expect-push-ok",
            "site-b",
            "-",
        ],
        "{\n  \"site-b\" : \"ERROR\"\n}\n",
    );
    let out = text(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{out}");
    assert!(
        out.contains("next: push work to site-b again, on this site: xsite batch-cr --cluster <cluster> 'site push-site-state --cache=work --site=site-b'"),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn one_verdict_line_and_no_ok_before_failed() {
    // Status of another site only: no failure, but the expectation is not shown.
    let output = xsite(
        &["batch-check", "--expect-status", "site-a=offline", "-"],
        "{\n  \"status\" : \"offline\"\n}\n",
    );
    let out = text(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{out}");
    assert!(out.starts_with("FAILED: "), "{out}");
    assert!(!out.contains("OK"), "{out}");
}

#[test]
fn each_cache_failure_points_at_its_own_line() {
    let log = "{\n  \"a\" : \"ok\",\n  \"b\" : \"boom\",\n  \"c\" : \"bang\"\n}\n";
    let output = xsite(&["batch-check", "-"], log);
    let out = text(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{out}");
    assert!(out.contains("cache 'b' not ok (log line 3)"), "{out}");
    assert!(out.contains("cache 'c' not ok (log line 4)"), "{out}");
}

#[test]
fn batch_check_output_json_is_one_document() {
    let output = xsite(&["batch-check", "--output", "json", "-"], "");
    let out = text(&output.stdout);
    assert_eq!(output.status.code(), Some(1));
    let doc = one_document(&out);
    assert_eq!(doc["result"]["version"], 1);
    assert_eq!(doc["result"]["verdict"], "failed");
    assert_eq!(doc["result"]["failures"][0]["kind"], "empty-log");
}

// ---- Ctrl-C.

/// Starts a resync site-a → site-b in the binary against `grid`, with every answer of site-b
/// delayed, and returns the child and a reader of its stdout lines.
fn slow_resync(grid: &xsite_repl::demo::DemoGrid) -> std::process::Child {
    grid.site("site-b")
        .unwrap()
        .set_latency(Duration::from_millis(150));
    let site_a = format!("site-a={}", grid.connect_url(grid.site_a_url()));
    let site_b = format!("site-b={}", grid.connect_url(grid.site_b_url()));
    command(&[
        "runbook",
        "resync",
        "--from",
        "site-a",
        "--to",
        "site-b",
        "--site-url",
        &site_a,
        "--site-url",
        &site_b,
    ])
    .stdin(Stdio::null())
    .spawn()
    .expect("xsite runs")
}

fn interrupt(pid: u32) {
    let status = Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

#[test]
fn ctrl_c_in_a_resync_stops_at_a_safe_point_with_the_stop_report() {
    let grid = xsite_repl::demo::DemoGrid::start().unwrap();
    let mut child = slow_resync(&grid);
    let stdout = child.stdout.take().unwrap();
    let mut reader = BufReader::new(stdout);
    let mut seen = String::new();
    // Wait until the clears have begun: the first cleared cache.
    loop {
        let mut line = String::new();
        let n = reader.read_line(&mut line).unwrap();
        assert!(n > 0, "the resync ended before its clears: {seen}");
        seen.push_str(&line);
        if line.contains("clearcache ") {
            break;
        }
    }
    interrupt(child.id());
    reader.read_to_string(&mut seen).unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{seen}{err}");
    assert!(
        err.contains("Ctrl-C: stopping at the next safe point"),
        "{err}"
    );
    assert!(
        seen.contains("STOPPED: resync from site-a to site-b: step 2"),
        "{seen}"
    );
    assert!(seen.contains("interrupted (Ctrl-C)"), "{seen}");
    assert!(seen.contains("\ncleared so far: "), "{seen}");
    assert!(seen.contains("\nstate when stopped:\n  site-b "), "{seen}");
    assert!(seen.contains("\nnext: "), "{seen}");
    // Never between a status check and its clear: every checked cache was cleared.
    let checked = seen.matches("  site status --cache=").count();
    let cleared = seen.matches("  clearcache ").count();
    assert_eq!(checked, cleared, "{seen}");
}

/// `xsite ARGS` in its interactive shell on a pseudo-terminal (script(1)): the child, its input,
/// and its output in chunks from a reader thread (the channel closes when the shell ends).
pub fn shell_on_a_pty(
    args: &str,
) -> (
    std::process::Child,
    std::process::ChildStdin,
    std::sync::mpsc::Receiver<String>,
) {
    on_a_pty("", args)
}

/// `xsite args` on a pseudo-terminal of `rows` × `cols` (`stty` first, in the same shell line).
pub fn on_a_pty_sized(
    rows: u16,
    cols: u16,
    args: &str,
) -> (
    std::process::Child,
    std::process::ChildStdin,
    std::sync::mpsc::Receiver<String>,
) {
    on_a_pty(&format!("stty rows {rows} cols {cols}; "), args)
}

fn on_a_pty(
    setup: &str,
    args: &str,
) -> (
    std::process::Child,
    std::process::ChildStdin,
    std::sync::mpsc::Receiver<String>,
) {
    // `exec`: script(1) runs the line with $SHELL -c; a shell that forked and waited (dash, CI's
    // /bin/sh) would share the terminal's Ctrl-C and die of it after xsite exits normally.
    let inner = format!("{setup}exec '{}' {args}", env!("CARGO_BIN_EXE_xsite"));
    let mut child = Command::new("script")
        .args(["-qfec", &inner, "/dev/null"])
        .env(
            "XDG_CONFIG_HOME",
            std::env::temp_dir().join("xsite-it-no-profile"),
        )
        .env("TERM", "dumb")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("script runs");
    let input = child.stdin.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let mut stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0
                || tx
                    .send(String::from_utf8_lossy(&buf[..n]).into_owned())
                    .is_err()
            {
                break;
            }
        }
    });
    (child, input, rx)
}

#[test]
fn the_shell_survives_ctrl_c_during_a_runbook() {
    // A pseudo-terminal (script(1)), so that xsite runs its interactive shell; Ctrl-C is the
    // byte 0x03, which the terminal turns into SIGINT while a command runs.
    let grid = xsite_repl::demo::DemoGrid::start().unwrap();
    grid.site("site-b")
        .unwrap()
        .set_latency(Duration::from_millis(150));
    let site_a = format!("site-a={}", grid.connect_url(grid.site_a_url()));
    let site_b = format!("site-b={}", grid.connect_url(grid.site_b_url()));
    let (mut child, mut input, rx) = shell_on_a_pty(&format!(
        "--no-history --color never --site-url {site_a} --site-url {site_b}"
    ));
    let mut seen = String::new();
    let wait_for = |needle: &str, seen: &mut String| {
        while !seen.contains(needle) {
            match rx.recv() {
                Ok(chunk) => seen.push_str(&chunk),
                Err(_) => panic!("the shell ended before {needle:?}: {seen}"),
            }
        }
    };
    wait_for("]> ", &mut seen);
    input
        .write_all(b"runbook resync --from site-a --to site-b\r")
        .unwrap();
    wait_for("clearcache ", &mut seen);
    input.write_all(b"\x03").unwrap();
    wait_for("STOPPED: ", &mut seen);
    input.write_all(b"echo still-here\r").unwrap();
    let start = seen.len();
    let mut rest = String::new();
    while !rest.contains("still-here\r\n") && !rest.contains("still-here\n") {
        match rx.recv() {
            Ok(chunk) => {
                seen.push_str(&chunk);
                rest = seen[start..].to_owned();
            }
            Err(_) => panic!("the shell ended after Ctrl-C: {seen}"),
        }
    }
    input.write_all(b"quit\r").unwrap();
    drop(input);
    let status = child.wait().unwrap();
    assert!(status.success(), "{seen}");
    assert!(seen.contains("interrupted (Ctrl-C)"), "{seen}");
}

#[test]
fn ctrl_c_in_a_batch_file_stops_the_batch_whatever_on_error_says() {
    let grid = xsite_repl::demo::DemoGrid::start().unwrap();
    grid.site("site-b")
        .unwrap()
        .set_latency(Duration::from_millis(150));
    let file = crate::binary::Scratch::new(
        "h5-interrupted.cli",
        &format!(
            "runbook resync --from site-a --to site-b --site-url site-a={} --site-url site-b={}\necho after-the-runbook\n",
            grid.connect_url(grid.site_a_url()),
            grid.connect_url(grid.site_b_url())
        ),
    );
    let mut child = command(&["--on-error", "IGNORE", "-f", &file.path()])
        .stdin(Stdio::null())
        .spawn()
        .expect("xsite runs");
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        let n = reader.read_line(&mut line).unwrap();
        assert!(n > 0, "the resync ended before its clears: {seen}");
        seen.push_str(&line);
        if line.contains("clearcache ") {
            break;
        }
    }
    interrupt(child.id());
    reader.read_to_string(&mut seen).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{seen}");
    assert!(seen.contains("interrupted (Ctrl-C)"), "{seen}");
    assert!(!seen.contains("after-the-runbook"), "{seen}");
}

#[test]
fn ctrl_c_in_the_shell_abandons_a_hung_command_and_the_shell_goes_on() {
    // A server that never answers: Ctrl-C is typed only once it has the request, so the command
    // is surely waiting on it (no race with the line editor's own Ctrl-C).
    let server = xsite_sim::hostile::Hostile::start(|_| xsite_sim::hostile::Play::Silent);
    let (mut child, mut input, rx) = shell_on_a_pty("--no-history --color never --timeout 300");
    let mut seen = String::new();
    // Every wait is bounded: a failure ends the test, never hangs it.
    let wait_for = |needle: &str, seen: &mut String| {
        let start = seen.len();
        while !seen[start..].contains(needle) {
            match rx.recv_timeout(Duration::from_secs(30)) {
                Ok(chunk) => seen.push_str(&chunk),
                Err(e) => panic!("{e:?} before {needle:?}: {seen}"),
            }
        }
    };
    wait_for("> ", &mut seen);
    input
        .write_all(format!("connect {}\r", server.url()).as_bytes())
        .unwrap();
    let asked = std::time::Instant::now();
    while server.requests().is_empty() {
        assert!(
            asked.elapsed() < Duration::from_secs(30),
            "the request never came: {seen}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    input.write_all(b"\x03").unwrap();
    wait_for("interrupted (Ctrl-C): the request was abandoned", &mut seen);
    input.write_all(b"echo still-here\r").unwrap();
    input.write_all(b"quit\r").unwrap();
    drop(input);
    // The same shell reads both lines and ends normally (Ctrl-C did not end it).
    let quitting = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if quitting.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("the shell did not quit: {seen}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    while let Ok(chunk) = rx.recv_timeout(Duration::from_secs(5)) {
        seen.push_str(&chunk);
    }
    assert!(status.success(), "{status:?}: {seen}");
    // The line as typed, and its answer.
    assert!(seen.matches("still-here").count() >= 2, "{seen}");
    assert!(
        asked.elapsed() < Duration::from_secs(60),
        "Ctrl-C did not abandon the request: {seen}"
    );
}
