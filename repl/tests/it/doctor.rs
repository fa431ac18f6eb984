//! `doctor`: the report against the embedded grid (text and JSON), exit codes 0/1/2, usage
//! errors before any request, and no password in the output.

use serde_json::Value;
use xsite_clish::Mode;
use xsite_repl::console::{Console, Format};
use xsite_repl::demo::DemoGrid;
use xsite_repl::exec::{Executor, Outcome};
use xsite_repl::prompt::NoPrompter;
use xsite_repl::session::{Session, TlsSettings};

use crate::common::Harness;

fn json(h: &mut Harness, line: &str) -> (Outcome, Value) {
    let (outcome, out) = h.outcome(&format!("{line} --output json"));
    let doc: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    (outcome, doc)
}

/// The (check, site, cache) of every error and warning.
fn problems(doc: &Value) -> Vec<(String, Value, Value)> {
    doc["result"]["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("{doc}"))
        .iter()
        .filter(|f| f["severity"] != "info")
        .map(|f| {
            (
                f["check"].as_str().unwrap().to_owned(),
                f["site"].clone(),
                f["cache"].clone(),
            )
        })
        .collect()
}

#[test]
fn the_clean_grid_has_only_the_plain_http_warning() {
    let mut h = Harness::with_both_sites();
    let (outcome, doc) = json(&mut h, "doctor");
    let Outcome::Failed(error) = outcome else {
        panic!("plain http is a warning: {doc}");
    };
    assert_eq!(error.exit_code(), 1, "{doc}");
    assert_eq!(doc["ok"], false, "{doc}");
    assert_eq!(doc["result"]["ok"], false, "{doc}");
    assert_eq!(
        problems(&doc),
        [
            ("plain-http".to_owned(), Value::from("site-a"), Value::Null),
            ("plain-http".to_owned(), Value::from("site-b"), Value::Null)
        ],
        "{doc}"
    );
    // Every finding has the documented fields.
    for finding in doc["result"]["findings"].as_array().unwrap() {
        let keys: Vec<&str> = finding
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            ["severity", "check", "site", "cache", "message", "fix"],
            "{finding}"
        );
    }

    // The text form: grouped by site, each finding with why and fix; no password anywhere.
    let (out, err) = h.run("doctor");
    assert!(
        out.starts_with("xsite doctor: site-a, site-b against the blueprint of keycloak-25\n\nsite-a\n  warning plain-http: credentials are sent to http://127.0.0.1:"),
        "{out}"
    );
    assert!(out.contains("\nsite-b\n"), "{out}");
    assert!(
        out.contains("  info    remote-timeout [work]: remote-timeout is 5000 ms; the Keycloak 24 multi-site guide prescribes 14000 ms\n          why: "),
        "{out}"
    );
    assert!(
        out.contains("\n0 error(s), 2 warning(s), 34 info\n"),
        "{out}"
    );
    // The failure line: on stdout in the shell, as cli.sh prints its errors.
    assert!(
        out.trim_end().ends_with("doctor: 0 error(s), 2 warning(s)"),
        "{out}"
    );
    let password = xsite_sim::ADMIN_PASSWORD;
    assert!(!out.contains(password) && !err.contains(password));
}

#[test]
fn a_fault_is_named_with_its_site_and_cache() {
    let mut h = Harness::with_both_sites();
    h.grid.site("site-b").unwrap().remove_cache("work");
    h.grid
        .site("site-a")
        .unwrap()
        .set_backup_online("sessions", "site-b", false);
    let (outcome, doc) = json(&mut h, "doctor");
    let Outcome::Failed(error) = outcome else {
        panic!("{doc}");
    };
    assert_eq!(error.exit_code(), 1);
    let found = problems(&doc);
    assert!(
        found.contains(&("cache-missing".to_owned(), "site-b".into(), "work".into())),
        "{doc}"
    );
    assert!(
        found.contains(&(
            "backup-offline".to_owned(),
            "site-a".into(),
            "sessions".into()
        )),
        "{doc}"
    );
    let (out, _) = h.run("doctor");
    assert!(
        out.contains("  error   cache-missing [work]: work is missing on site-b\n"),
        "{out}"
    );
    assert!(
        out.contains("fix: on site-a: cli.sh `site bring-online --cache=sessions --site=site-b`"),
        "{out}"
    );
    // An unreachable site is a finding, not a crash.
    h.grid.site("site-b").unwrap().set_down(true);
    let (_, doc) = json(&mut h, "doctor --cache-set keycloak-25");
    assert!(
        problems(&doc).contains(&("site-unreachable".to_owned(), "site-b".into(), Value::Null)),
        "{doc}"
    );
}

#[test]
fn usage_errors_come_before_any_request() {
    let mut h = Harness::with_both_sites();
    // Down: a usage error must not need the servers.
    h.grid.site("site-a").unwrap().set_down(true);
    h.grid.site("site-b").unwrap().set_down(true);
    for bad in [
        "doctor --cache-set=",
        "doctor --cache-set ,,",
        "doctor --cache-set keycloak-27",
        "doctor --site-deadline 0",
        "doctor --site-url site-c=notaurl",
    ] {
        let (outcome, out) = h.outcome(bad);
        let Outcome::Failed(error) = outcome else {
            panic!("{bad} accepted: {out}");
        };
        assert_eq!(error.exit_code(), 2, "{bad}: {error}");
    }
}

#[test]
fn no_warning_and_no_error_is_exit_0() {
    // A grid without authentication: no credentials cross plain http.
    let options = xsite_sim::SimOptions {
        mechanisms: Vec::new(),
        ..xsite_sim::SimOptions::default()
    };
    let grid = DemoGrid::start_with(options).expect("the embedded grid starts");
    let session = Session::new(
        TlsSettings::default(),
        Box::new(NoPrompter),
        Mode::Interactive,
    );
    let (console, out) = Console::capture(Format::Json);
    let mut exec = Executor::new(session, console);
    let line = format!(
        "doctor --site-url site-a={} --site-url site-b={}",
        grid.site_a_url(),
        grid.site_b_url()
    );
    let outcome = exec.run_line(&line);
    let (stdout, stderr) = out.take();
    assert_eq!(outcome, Outcome::Ok, "{stdout}{stderr}");
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["ok"], true, "{doc}");
    assert_eq!(doc["result"]["ok"], true, "{doc}");
    assert!(problems(&doc).is_empty(), "{doc}");
}
