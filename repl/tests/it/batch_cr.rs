//! `batch-cr`, `runbook … --emit-batch` and `batch-check`: YAML snapshots, scripts refused before
//! the cluster sees them, and exit codes on real cli.sh logs.

use std::path::PathBuf;
use std::process::Output;
use std::time::{Duration, SystemTime};

use xsite::CacheSet;
use xsite::runbook::Plan;
use xsite_repl::commands::batch_cr::BatchOptions;
use xsite_repl::commands::runbook::emit_batches;

use crate::binary::{Scratch, xsite};

fn out(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn err(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

const SCRIPT: &str = "# fence site-a from site-b\nsite take-offline --all-caches --site=site-a\nsite status --all-caches --site=site-a\n";

#[test]
fn batch_cr_prints_the_yaml_and_the_oc_commands() {
    let file = Scratch::new("take-offline.cli", SCRIPT);
    let output = xsite(
        &[
            "batch-cr",
            "--cluster",
            "infinispan",
            "--namespace",
            "keycloak",
            "--name",
            "take-offline-site-a",
            "-f",
            &file.path(),
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{}", err(&output));
    insta::assert_snapshot!("batch_cr_inline", out(&output));
    let commands = err(&output);
    assert!(
        commands.contains("oc -n keycloak apply -f take-offline-site-a.yaml\n"),
        "{commands}"
    );
    assert!(
        commands.contains("Failed) echo \"Batch take-offline-site-a: Failed"),
        "{commands}"
    );
    assert!(
        commands.contains(
            "oc -n keycloak logs job/take-offline-site-a -c batch | xsite batch-check --batch take-offline-site-a.yaml -\n"
        ),
        "{commands}"
    );

    // The same script from standard input, as a ConfigMap, with resources; commands as
    // YAML comments on stdout.
    let output = xsite(
        &[
            "batch-cr",
            "--cluster",
            "infinispan",
            "--namespace",
            "keycloak",
            "--name",
            "take-offline-site-a",
            "--config-map",
            "--cpu",
            "500m:250m",
            "--memory",
            "512Mi",
            "--commands",
            "stdout",
            "-f",
            "-",
        ],
        Some(SCRIPT),
    );
    assert_eq!(output.status.code(), Some(0), "{}", err(&output));
    insta::assert_snapshot!("batch_cr_config_map", out(&output));

    // Commands as arguments; piped without -f.
    let output = xsite(
        &[
            "batch-cr",
            "--cluster",
            "infinispan",
            "--name",
            "x",
            "--commands",
            "none",
            "site status --all-caches --site=site-b",
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(0));
    assert!(out(&output).contains("    site status --all-caches --site=site-b\n"));
    assert_eq!(err(&output), "");
    let output = xsite(
        &[
            "batch-cr",
            "--cluster",
            "infinispan",
            "--name",
            "x",
            "--commands",
            "none",
        ],
        Some("site view\n"),
    );
    assert_eq!(output.status.code(), Some(0), "{}", err(&output));
    assert!(out(&output).contains("    site view\n"));
}

#[test]
fn a_script_cli_sh_would_refuse_is_not_printed() {
    let file = Scratch::new(
        "bad.cli",
        "site status --all-caches --site=site-a\nsite stauts\n",
    );
    let output = xsite(
        &["batch-cr", "--cluster", "infinispan", "-f", &file.path()],
        None,
    );
    assert_eq!(output.status.code(), Some(1));
    // Errors go to stderr: stdout is only for oc.
    assert_eq!(out(&output), "");
    let text = err(&output);
    assert!(!text.contains("apiVersion"), "{text}");
    assert!(
        text.starts_with(&format!(
            "{}:2: error: Command and/or sub-command is not valid!\n",
            file.path()
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "Error executing file: {}, line 2: 'site stauts'",
            file.path()
        )),
        "{text}"
    );
    // Parses, but fails when the job runs it: found by lint.
    let output = xsite(
        &[
            "batch-cr",
            "--cluster",
            "infinispan",
            "site status --all-caches --site=site-a",
            "site take-offline --site=site-a",
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(out(&output), "");
    assert!(
        err(&output).starts_with(
            "<arguments>:2: error: One of the 'cache' and 'all-caches' options are required\n"
        ),
        "{}",
        err(&output)
    );
    // Webhook rules are checked too: request above limit is a usage error.
    let output = xsite(
        &[
            "batch-cr",
            "--cluster",
            "infinispan",
            "--cpu",
            "1:2",
            "site view",
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(out(&output), "");
    assert!(err(&output).contains("CPU request '2' exceeds limit '1'"));
    // No cluster.
    let output = xsite(&["batch-cr", "site view"], None);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn a_runbook_as_batch_crs() {
    let plan = Plan::resync("site-a", "site-b", &CacheSet::keycloak_legacy());
    let options = BatchOptions {
        cluster: Some("infinispan".into()),
        namespace: Some("keycloak".into()),
        config_map: false,
        cpu: None,
        memory: None,
        server_version: None,
        wait_timeout: 900,
    };
    let time = SystemTime::UNIX_EPOCH + Duration::from_secs(1_788_264_000);
    let text = emit_batches(&[plan], &options, Some(time)).unwrap();
    insta::assert_snapshot!("runbook_resync_emit_batch", text);
    // Six Batches, each marked with its site, and a check after each.
    assert_eq!(text.matches("kind: Batch\n").count(), 6);
    assert_eq!(text.matches("    xsite/site: site-b\n").count(), 3);
    assert_eq!(text.matches("    xsite/site: site-a\n").count(), 3);
    assert_eq!(text.matches("| xsite batch-check --batch ").count(), 6);
    assert!(text.contains("--batch 01-site-b-take-offline.yaml --expect-status site-a=offline -"));
    assert!(text.contains("--batch 05-site-a-push-status.yaml --expect-push-ok site-b -"));

    // The binary prints the same shape.
    let output = xsite(
        &[
            "runbook",
            "resync",
            "--from",
            "site-b",
            "--to",
            "site-a",
            "--emit-batch",
            "--cluster",
            "infinispan",
            "--namespace",
            "keycloak",
            "--cache-set",
            "keycloak-26",
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{}", err(&output));
    let text = out(&output);
    assert!(
        text.contains("# ===== Step 1 of 6, on site-a: take site-b offline"),
        "{text}"
    );
    assert!(text.contains("    clearcache work\n"), "{text}");
    assert!(!text.contains("clearcache sessions"), "{text}");
}

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../batch/src/check/fixtures")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn batch_check_exit_codes() {
    // A clean log: exit 0.
    let output = xsite(
        &[
            "batch-check",
            &fixture("14.0.28.Final-01-site-status.log"),
            "--script",
            &fixture("01-site-status.cli"),
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{}", out(&output));
    assert_eq!(out(&output), "OK: no failure found\n");

    // Failures, from standard input: every failed command and every cache not "ok".
    let log = std::fs::read_to_string(fixture("16.0.7-02-procedure.log")).unwrap();
    let output = xsite(
        &["batch-check", "--script", &fixture("02-procedure.cli"), "-"],
        Some(&log),
    );
    assert_eq!(output.status.code(), Some(1));
    let text = out(&output);
    assert!(text.starts_with("FAILED: 12 failure(s)\n"), "{text}");
    assert!(
        text.contains("- cache 'work' not ok (log line 38) [line 12: site take-offline --all-caches --site=site-x]: \"work\" : \"Incorrect site name: site-x\"\n"),
        "{text}"
    );
    assert!(
        text.contains("[line 9: site status --cache=nope]: Not Found: ISPN012010"),
        "{text}"
    );
    assert!(err(&output).contains("do not apply the next step"));

    // A step's postcondition, from a Batch YAML: done, not yet, failed.
    let batch = Scratch::new(
        "step.yaml",
        "apiVersion: infinispan.org/v2alpha1\nkind: Batch\nmetadata:\n  name: s\nspec:\n  cluster: infinispan\n  config: |\n    echo xsite-step-1\n    site take-offline --all-caches --site=site-a\n    echo xsite-step-2\n    site status --all-caches --site=site-a\n",
    );
    let log = |status: &str| {
        format!(
            "xsite-step-1\n{{\n  \"work\" : \"ok\"\n}}\nxsite-step-2\n{{\n  \"status\" : \"{status}\"\n}}\n"
        )
    };
    let check = |status: &str| {
        xsite(
            &[
                "batch-check",
                "--batch",
                &batch.path(),
                "--expect-status",
                "site-a=offline",
            ],
            Some(&log(status)),
        )
    };
    let output = check("offline");
    assert_eq!(output.status.code(), Some(0), "{}", out(&output));
    assert!(out(&output).ends_with("OK: every command succeeded, and `site status --all-caches --site=site-a` shows \"offline\"\n"));
    let output = check("mixed");
    assert_eq!(output.status.code(), Some(4), "{}", out(&output));
    assert!(out(&output).contains("NOT YET: replication to site-a is mixed, not offline"));
    let output = xsite(
        &["batch-check", "--batch", &batch.path()],
        Some(
            "xsite-step-1\n{\n  \"work\" : \"Exception on work : boom\"\n}\nxsite-step-2\n{\n  \"status\" : \"offline\"\n}\n",
        ),
    );
    assert_eq!(output.status.code(), Some(1));
    // No log at all: usage.
    let output = xsite(&["batch-check", "/nonexistent/log"], None);
    assert_eq!(output.status.code(), Some(2));
}
