//! `runbook status|fence|resync` against the embedded grid: dry-run plans, a real resync with a
//! data proof, the interlock, fence idempotence, the status view, exit codes and secrets.

use std::collections::BTreeMap;
use std::process::{Command, Output, Stdio};

use xsite::KEYCLOAK_LEGACY_CACHES;
use xsite_repl::error::Kind;
use xsite_repl::exec::Outcome;

use crate::common::Harness;

const PASSWORD: &str = "strong-password";

/// A harness whose session names both sites of its grid (as `--demo` does).
fn harness() -> Harness {
    Harness::with_both_sites()
}

/// Every entry of every Keycloak cache on a site of the grid.
fn contents(h: &Harness, site: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let handle = h.grid.site(site).unwrap();
    KEYCLOAK_LEGACY_CACHES
        .iter()
        .map(|c| ((*c).to_owned(), handle.entries(c)))
        .collect()
}

/// The cli.sh lines of resync site-a → site-b over the eight caches, step by step.
fn expected_resync_lines() -> Vec<String> {
    let caches = KEYCLOAK_LEGACY_CACHES;
    let mut lines = vec![
        "step 1 on site-b: take site-a offline, so that the clears cannot reach it".to_owned(),
        "  site take-offline --all-caches --site=site-a".to_owned(),
        "  site status --all-caches --site=site-a".to_owned(),
        "  check: every cache's backup to site-a is offline".to_owned(),
        "step 2 on site-b: clear the caches (each only once its backups are verified offline)"
            .to_owned(),
    ];
    for cache in caches {
        lines.push(format!("  site status --cache={cache}"));
        lines.push(format!("  clearcache {cache}"));
    }
    lines.extend([
        "  check: each cache is cleared only right after its backups were seen offline".to_owned(),
        "step 3 on site-b: bring site-a online again".to_owned(),
        "  site bring-online --all-caches --site=site-a".to_owned(),
        "  site status --all-caches --site=site-a".to_owned(),
        "  check: every cache's backup to site-a is online".to_owned(),
        "step 4 on site-a: clear old push status, then push state to site-b".to_owned(),
    ]);
    for cache in caches {
        lines.push(format!("  site clear-push-site-status --cache={cache}"));
    }
    lines.extend([
        "  site push-site-state --all-caches --site=site-b".to_owned(),
        "  site status --all-caches --site=site-b".to_owned(),
        "  check: every cache's backup to site-b is online".to_owned(),
        "step 5 on site-a: wait until every cache reports OK (re-pushing a cache in ERROR)"
            .to_owned(),
    ]);
    for cache in caches {
        lines.push(format!("  site push-site-status --cache={cache}"));
    }
    lines.extend([
        "  check: every cache's push to site-b is OK (a cache in ERROR is pushed again)".to_owned(),
        "step 6 on site-a: clear the push status".to_owned(),
    ]);
    for cache in caches {
        lines.push(format!("  site clear-push-site-status --cache={cache}"));
    }
    lines.push("  check: every cache's push status is IDLE".to_owned());
    lines
}

#[test]
fn dry_run_prints_the_exact_plan_and_sends_nothing() {
    let mut h = harness();
    h.grid.site("site-a").unwrap().put_local("work", "k", "v");
    let (outcome, out) = h.outcome("runbook resync --from site-a --to site-b --dry-run");
    assert_eq!(outcome, Outcome::Ok, "{out}");
    let mut expected = vec![
        // No --cache-set: the set is read from both sites' cache lists, and said.
        "# dry run: nothing is sent but the reads of the cache lists".to_owned(),
        "# cache set: keycloak-25 (detected: site-a and site-b hold the eight caches of Keycloak 25 and earlier)".to_owned(),
        "# runbook: resync from site-a to site-b".to_owned(),
        "# site-b's cache contents are discarded and replaced by site-a's (Keycloak procedure 3; with the roles swapped, procedure 4)".to_owned(),
        "# before: scale Keycloak on site-b to 0; after: scale it back".to_owned(),
        "# caches (8): sessions, actionTokens, authenticationSessions, offlineSessions, clientSessions, offlineClientSessions, loginFailures, work".to_owned(),
    ];
    expected.extend(expected_resync_lines());
    assert_eq!(out.lines().collect::<Vec<_>>(), expected);
    // Nothing was sent: replication is on in both directions and nothing moved.
    let a = h.grid.site("site-a").unwrap();
    let b = h.grid.site("site-b").unwrap();
    assert!(b.backup("work", "site-a").unwrap().online);
    assert!(a.backup("work", "site-b").unwrap().online);
    assert_eq!(b.entries("work").len(), 0);

    // Procedure 4 is the same with the roles swapped; the Keycloak 26 set has four caches.
    let (outcome, out) =
        h.outcome("runbook resync --from site-b --to site-a --dry-run --cache-set keycloak-26");
    assert_eq!(outcome, Outcome::Ok);
    assert!(
        out.contains("step 1 on site-a: take site-b offline"),
        "{out}"
    );
    assert!(
        out.contains("# caches (4): actionTokens, authenticationSessions, loginFailures, work\n")
    );
    assert!(!out.contains("clearcache sessions"), "{out}");
    // A custom list.
    let (_, out) = h.outcome("runbook fence --site site-a --dry-run --cache-set work,sessions");
    assert_eq!(
        out,
        "# dry run: nothing is sent\n# cache set: work,sessions (from --cache-set)\n# runbook: fence site-a\n\
         # site-a stops receiving replication from the sites that stay (Keycloak procedure 1)\n\
         # caches (2): work, sessions\n\
         step 1 on site-b: take site-a offline for every cache, and verify\n\
         \x20 site take-offline --all-caches --site=site-a\n\
         \x20 site status --all-caches --site=site-a\n\
         \x20 check: every cache's backup to site-a is offline\n"
    );
}

#[test]
fn resync_makes_site_b_a_copy_of_site_a() {
    let mut h = harness();
    let a = h.grid.site("site-a").unwrap().clone();
    let b = h.grid.site("site-b").unwrap().clone();
    // Diverged sites: shared keys with other values, and keys only one site has.
    for cache in KEYCLOAK_LEGACY_CACHES {
        for i in 0..3 {
            a.put_local(cache, &format!("shared-{i}"), &format!("a-{cache}-{i}"));
            b.put_local(cache, &format!("shared-{i}"), "stale");
        }
        a.put_local(cache, "only-a", "a");
        b.put_local(cache, "only-b", "b");
    }
    let truth = contents(&h, "site-a");
    assert_ne!(contents(&h, "site-b"), truth);

    let (outcome, out) = h.outcome("runbook resync --from site-a --to site-b");
    assert_eq!(outcome, Outcome::Ok, "{out}");
    assert_eq!(
        contents(&h, "site-b"),
        truth,
        "site-b holds exactly site-a's entries"
    );
    assert_eq!(contents(&h, "site-a"), truth, "site-a is unchanged");
    for cache in KEYCLOAK_LEGACY_CACHES {
        assert!(a.backup(cache, "site-b").unwrap().online);
        assert!(b.backup(cache, "site-a").unwrap().online);
        assert_eq!(
            a.backup(cache, "site-b").unwrap().push_status,
            xsite_sim::PushStatus::Idle
        );
    }

    // The log has the plan's shape: the same step headers and commands, each with its result.
    let log: Vec<&str> = out.lines().collect();
    assert_eq!(
        log.last()
            .map(|l| l.starts_with("done: resync from site-a to site-b in ")),
        Some(true)
    );
    let stripped: Vec<String> = log
        .iter()
        .filter(|l| !l.starts_with('#') && !l.starts_with("done:"))
        .map(|l| match l.split_once("  => ") {
            Some((command, _)) => command.to_owned(),
            None => l.split(": reached in ").next().unwrap().to_owned(),
        })
        .collect();
    assert_eq!(stripped, expected_resync_lines());
    assert!(out.contains("  clearcache work  => ok\n"), "{out}");
    assert!(
        out.contains("  site push-site-status --cache=work  => OK\n"),
        "{out}"
    );
    // Progress went to stderr, as plain lines (no terminal).
    let (_, err) = h.run("runbook status");
    assert!(!err.contains("push work"), "{err}");
}

#[test]
fn progress_lines_on_stderr() {
    let mut h = harness();
    h.exec
        .run_line("runbook resync --from site-a --to site-b --cache-set work");
    let (_, err) = h.out.take();
    assert!(err.contains("push work to site-b: SENDING"), "{err}");
    assert!(err.contains("push work to site-b: OK"), "{err}");
}

#[test]
fn take_offline_that_does_not_take_stops_before_any_clear() {
    let mut h = harness();
    let a = h.grid.site("site-a").unwrap().clone();
    let b = h.grid.site("site-b").unwrap().clone();
    for cache in KEYCLOAK_LEGACY_CACHES {
        a.put_local(cache, "keep", "a");
        b.put_local(cache, "keep", "b");
    }
    let before_a = contents(&h, "site-a");
    let before_b = contents(&h, "site-b");
    b.stick_online("work", "site-a", true);

    let (outcome, out) = h.outcome("runbook resync --from site-a --to site-b --step-deadline 0.5");
    let Outcome::Failed(error) = outcome else {
        panic!("the resync went on: {out}");
    };
    assert_eq!(error.kind, Kind::Stopped);
    assert_eq!(error.exit_code(), 3);
    assert!(
        error
            .message
            .starts_with("STOPPED: resync from site-a to site-b: step 1"),
        "{}",
        error.message
    );
    assert!(
        error.message.contains("work: site-a is online"),
        "{}",
        error.message
    );
    assert!(
        error.message.contains("\nnothing was cleared\n"),
        "{}",
        error.message
    );
    assert!(
        error
            .message
            .contains("site-b work: backup to site-a online"),
        "{}",
        error.message
    );
    assert!(error.message.contains("\nnext: "), "{}", error.message);
    assert!(out.contains("  waiting: work: site-a is online"), "{out}");
    assert!(!out.contains("clearcache"), "{out}");
    assert!(
        out.contains("STOPPED: "),
        "the whole report is printed: {out}"
    );
    assert_eq!(contents(&h, "site-a"), before_a, "site-a lost data");
    assert_eq!(contents(&h, "site-b"), before_b, "site-b lost data");
}

#[test]
fn fence_is_idempotent() {
    let mut h = harness();
    let a = h.grid.site("site-a").unwrap().clone();
    let b = h.grid.site("site-b").unwrap().clone();
    for _ in 0..2 {
        let (outcome, out) = h.outcome("runbook fence --site site-b");
        assert_eq!(outcome, Outcome::Ok, "{out}");
        assert!(out.contains("step 1 on site-a: take site-b offline for every cache, and verify\n  site take-offline --all-caches --site=site-b  => ok\n  site status --all-caches --site=site-b  => offline\n"), "{out}");
        for cache in KEYCLOAK_LEGACY_CACHES {
            assert!(!a.backup(cache, "site-b").unwrap().online);
            // The other direction is untouched.
            assert!(b.backup(cache, "site-a").unwrap().online);
        }
    }
}

#[test]
fn status_shows_both_sites_and_marks_what_is_degraded() {
    let mut h = harness();
    let (outcome, out) = h.outcome("runbook status --cache-set keycloak-26");
    assert_eq!(outcome, Outcome::Ok, "{out}");
    assert!(
        out.starts_with("cache set: keycloak-26 (from --cache-set)\nsite-a (sites view: site-a, site-b)\n  all caches to site-b: online\n"),
        "{out}"
    );
    assert!(
        out.contains("\nsite-b (sites view: site-a, site-b)\n"),
        "{out}"
    );
    assert!(
        out.contains("  cache                   backups        push\n  actionTokens            site-b online  site-b IDLE\n"),
        "{out}"
    );
    assert!(
        out.contains("  work                    site-b online  site-b IDLE\n"),
        "{out}"
    );
    assert!(out.ends_with("healthy: nothing degraded\n"), "{out}");

    let (outcome, out) = h.outcome("runbook status --dry-run --cache-set work");
    assert_eq!(outcome, Outcome::Ok);
    assert_eq!(
        out,
        "# dry run: nothing is sent\n# runbook: status (reads only)\n# cache set: work (from --cache-set)\n\
         site-a:\n  site view\n  site status --all-caches --site=site-b\n  site status --cache=work\n  site push-site-status --cache=work\n\
         site-b:\n  site view\n  site status --all-caches --site=site-a\n  site status --cache=work\n  site push-site-status --cache=work\n"
    );

    h.grid
        .site("site-a")
        .unwrap()
        .set_backup_online("work", "site-b", false);
    let (outcome, out) = h.outcome("runbook status --cache-set keycloak-26");
    let Outcome::Failed(error) = outcome else {
        panic!("degraded but ok: {out}");
    };
    assert_eq!(error.exit_code(), 1);
    assert!(out.contains("degraded (2):\n"), "{out}");
    assert!(
        out.contains("  site-a work: backup to site-b is offline\n"),
        "{out}"
    );
    assert!(
        out.contains("  site-a: all caches toward site-b: mixed\n"),
        "{out}"
    );
}

#[test]
fn unknown_sites_and_bad_options_are_usage_errors() {
    let mut h = harness();
    let (outcome, out) = h.outcome("runbook resync --from site-a --to site-c");
    let Outcome::Failed(error) = outcome else {
        panic!("{out}");
    };
    assert_eq!(error.exit_code(), 2);
    assert!(
        error
            .message
            .contains("unknown site 'site-c': the sites are site-a, site-b")
    );
    let (outcome, _) = h.outcome("runbook resync --from site-a");
    assert!(matches!(outcome, Outcome::Failed(e) if e.kind == Kind::Usage));
}

// ---- The binary, against a grid of the test's own.

fn xsite_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_xsite"));
    command
        .args(args)
        .env(
            "XDG_CONFIG_HOME",
            std::env::temp_dir().join("xsite-it-no-profile"),
        )
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, _) in std::env::vars() {
        if key.starts_with("XSITE_PASSWORD") || key.starts_with("XSITE_USERNAME") {
            command.env_remove(key);
        }
    }
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().unwrap()
}

#[test]
fn the_binary_exits_3_when_an_interlock_stops_it_and_keeps_secrets() {
    let grid = xsite_repl::demo::DemoGrid::start().unwrap();
    let b = grid.site("site-b").unwrap();
    b.put_local("work", "keep", "b");
    b.stick_online("work", "site-a", true);
    let site_a = format!("site-a={}", grid.site_a_url());
    let site_b = format!("site-b={}", grid.site_b_url());
    let output = xsite_env(
        &[
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
            "--step-deadline",
            "0.5",
            "--cache-set",
            "work,sessions",
        ],
        &[
            ("XSITE_USERNAME", "developer"),
            ("XSITE_PASSWORD_SITE_A", PASSWORD),
            ("XSITE_PASSWORD", PASSWORD),
        ],
    );
    let out = String::from_utf8_lossy(&output.stdout);
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{out}{err}");
    assert!(
        out.contains("STOPPED: resync from site-a to site-b: step 1"),
        "{out}"
    );
    assert!(
        !out.contains(PASSWORD) && !err.contains(PASSWORD),
        "{out}{err}"
    );
    assert_eq!(b.entries("work").get("keep").map(String::as_str), Some("b"));

    // The same with the password in a URL: never printed.
    let site_a = format!("site-a={}", grid.connect_url(grid.site_a_url()));
    let site_b = format!("site-b={}", grid.connect_url(grid.site_b_url()));
    let output = xsite_env(
        &[
            "runbook",
            "sites",
            "--site-url",
            &site_a,
            "--site-url",
            &site_b,
        ],
        &[],
    );
    let out = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0));
    assert!(out.contains("site-a  http://127.0.0.1:"), "{out}");
    assert!(out.contains("user developer  password: set"), "{out}");
    assert!(!out.contains(PASSWORD), "{out}");
    // A profile holding a password is refused, without echoing it.
    let profile = crate::binary::Scratch::new(
        "sites.toml",
        "[sites.site-a]\nurl = \"http://127.0.0.1:1\"\npassword = \"strong-password\"\n",
    );
    let output = xsite_env(&["--profile", &profile.path(), "runbook", "sites"], &[]);
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(output.status.code(), Some(2), "{all}");
    assert!(all.contains("profiles never hold secrets"), "{all}");
    assert!(!all.contains(PASSWORD), "{all}");
}

#[test]
fn the_demo_names_both_sites_for_a_resync() {
    let output = xsite_env(
        &[
            "--demo", "runbook", "resync", "--from", "site-a", "--to", "site-b",
        ],
        &[],
    );
    let out = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{out}");
    assert!(
        out.ends_with("\n") && out.contains("done: resync from site-a to site-b in "),
        "{out}"
    );
}

#[test]
fn json_output_and_batch_files_keep_passwords_out() {
    let grid = xsite_repl::demo::DemoGrid::start().unwrap();
    let site_a = format!("site-a={}", grid.connect_url(grid.site_a_url()));
    let output = xsite_env(
        &[
            "--output",
            "json",
            "runbook",
            "sites",
            "--site-url",
            &site_a,
        ],
        &[],
    );
    let out = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{out}");
    assert!(!out.contains(PASSWORD), "{out}");
    // In a batch file, a stopped runbook keeps exit code 3, and the echoed line is redacted.
    let b = grid.site("site-b").unwrap();
    b.stick_online("work", "site-a", true);
    let file = crate::binary::Scratch::new(
        "resync.cli",
        &format!(
            "runbook resync --from site-a --to site-b --cache-set work --step-deadline 0.3 --site-url {site_a} --site-url site-b={}\n",
            grid.connect_url(grid.site_b_url())
        ),
    );
    let output = xsite_env(&["-f", &file.path()], &[]);
    let out = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(3), "{out}");
    assert!(out.contains("Batch error: "), "{out}");
    assert!(!out.contains(PASSWORD), "{out}");
}

#[test]
fn a_profile_names_the_sites() {
    let grid = xsite_repl::demo::DemoGrid::start().unwrap();
    let profile = crate::binary::Scratch::new(
        "profile.toml",
        &format!(
            "[sites.site-a]\nurl = \"{}\"\nusername = \"developer\"\n\n[sites.site-b]\nurl = \"{}\"\nusername = \"developer\"\n",
            grid.site_a_url(),
            grid.site_b_url()
        ),
    );
    let output = xsite_env(
        &[
            "--profile",
            &profile.path(),
            "runbook",
            "fence",
            "--site",
            "site-a",
        ],
        &[("XSITE_PASSWORD", PASSWORD)],
    );
    let out = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{out}{:?}", output.stderr);
    assert!(
        !grid
            .site("site-b")
            .unwrap()
            .backup("work", "site-a")
            .unwrap()
            .online
    );
    // Without a password and without a terminal to ask on, the server refuses: the run stops.
    let output = xsite_env(
        &[
            "--profile",
            &profile.path(),
            "runbook",
            "fence",
            "--site",
            "site-b",
        ],
        &[],
    );
    assert_ne!(output.status.code(), Some(0));
}

/// Without `--cache-set`, the runbooks read the set from the sites' cache lists and say which.
#[test]
fn the_cache_set_is_read_from_the_sites_and_said() {
    let mut h = harness();
    let legacy_only: Vec<&str> = KEYCLOAK_LEGACY_CACHES
        .iter()
        .copied()
        .filter(|c| !xsite::KEYCLOAK_26_CACHES.contains(c))
        .collect();
    // site-b lacks one of the older caches: neither set, and nothing is sent.
    assert!(h.grid.site("site-b").unwrap().remove_cache(legacy_only[0]));
    let (outcome, out) = h.outcome("runbook fence --site site-a --from site-b");
    let Outcome::Failed(error) = outcome else {
        panic!("fenced with no cache set: {out}");
    };
    assert_eq!(error.exit_code(), 2, "{out}");
    let message = error.to_string();
    assert!(
        message.contains(&format!(
            "site-b has {} (no {})",
            KEYCLOAK_LEGACY_CACHES
                .iter()
                .filter(|c| **c != legacy_only[0])
                .copied()
                .collect::<Vec<_>>()
                .join(", "),
            legacy_only[0]
        )),
        "{message}"
    );
    assert!(message.contains("--cache-set"), "{message}");
    assert!(
        h.grid
            .site("site-b")
            .unwrap()
            .backup("work", "site-a")
            .unwrap()
            .online
    );

    // Both sites hold Keycloak 26's four and no other Keycloak cache: keycloak-26.
    for site in ["site-a", "site-b"] {
        for cache in &legacy_only {
            h.grid.site(site).unwrap().remove_cache(cache);
        }
    }
    let (outcome, out) = h.outcome("runbook fence --site site-a --from site-b");
    assert_eq!(outcome, Outcome::Ok, "{out}");
    assert!(
        out.starts_with(
            "# cache set: keycloak-26 (detected: site-b holds the four caches of Keycloak 26)\n"
        ),
        "{out}"
    );
    assert!(
        !h.grid
            .site("site-b")
            .unwrap()
            .backup("work", "site-a")
            .unwrap()
            .online
    );
    let (outcome, out) = h.outcome("runbook status --output json");
    // A fence is an expected state: healthy.
    assert_eq!(outcome, Outcome::Ok, "{out}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["result"]["cache_set"]["name"], "keycloak-26", "{out}");
    assert_eq!(
        doc["result"]["cache_set"]["detected_on"],
        serde_json::json!(["site-a", "site-b"]),
        "{out}"
    );
}

/// Keycloak 26's operations: take site-b offline, see bring-online refuse while it is fenced,
/// synchronize it (site-a's data on site-b), then bring-online passes.
#[test]
fn keycloak_26_take_offline_synchronize_bring_online() {
    let mut h = harness();
    let legacy_only: Vec<&str> = KEYCLOAK_LEGACY_CACHES
        .iter()
        .copied()
        .filter(|c| !xsite::KEYCLOAK_26_CACHES.contains(c))
        .collect();
    for site in ["site-a", "site-b"] {
        for cache in &legacy_only {
            assert!(h.grid.site(site).unwrap().remove_cache(cache));
        }
    }
    let (outcome, out) = h.outcome("runbook take-offline --site site-b --dry-run");
    assert_eq!(outcome, Outcome::Ok, "{out}");
    assert!(
        out.contains("# cache set: keycloak-26 (detected: site-a holds the four caches of Keycloak 26)\n# runbook: take-offline site-b\n# Keycloak 26 'take site offline': first take site-b out of the load balancer"),
        "{out}"
    );
    let (outcome, out) = h.outcome("runbook take-offline --site site-b");
    assert_eq!(outcome, Outcome::Ok, "{out}");
    {
        let a = h.grid.site("site-a").unwrap();
        for cache in xsite::KEYCLOAK_26_CACHES {
            assert!(!a.backup(cache, "site-b").unwrap().online, "{cache}");
        }
        // While site-b is offline, site-a changes and site-b keeps stale data.
        a.put_local("loginFailures", "user-1", "locked");
        let b = h.grid.site("site-b").unwrap();
        b.put_local("actionTokens", "stale", "token");
    }

    let (outcome, out) = h.outcome("runbook bring-online --site site-b --step-deadline 0.5");
    let Outcome::Failed(error) = outcome else {
        panic!("brought online a fenced site: {out}");
    };
    assert_eq!(error.exit_code(), 3, "{out}");
    assert!(
        error.to_string().contains(
            "next: site-b is not online both ways: if it was taken offline, run `runbook synchronize --from site-a --to site-b --cache-set keycloak-26` first"
        ),
        "{error}"
    );

    let (outcome, out) = h.outcome("runbook synchronize --from site-a --to site-b");
    assert_eq!(outcome, Outcome::Ok, "{out}");
    assert!(
        out.contains("# runbook: synchronize site-b from site-a\n"),
        "{out}"
    );
    assert!(
        out.contains("# before: shut Keycloak down on site-b (scale it to 0); after: start it again, then runbook bring-online --site site-b\n"),
        "{out}"
    );
    let b = h.grid.site("site-b").unwrap();
    assert_eq!(
        b.entries("loginFailures").get("user-1").map(String::as_str),
        Some("locked")
    );
    assert!(
        b.entries("actionTokens").is_empty(),
        "the stale token is gone"
    );

    let (outcome, out) = h.outcome("runbook bring-online --site site-b");
    assert_eq!(outcome, Outcome::Ok, "{out}");
    assert!(
        out.contains("# after: put site-b back in the load balancer (you do; xsite does not)\n"),
        "{out}"
    );
    assert!(
        out.contains("step 2 on site-b: verify that every cache's backup to site-a is online\n"),
        "{out}"
    );
    assert!(
        out.ends_with("done: bring-online site-b in 0.0s\n")
            || out.contains("done: bring-online site-b in "),
        "{out}"
    );
}
