//! `watch`: the snapshot (`--once`, text and JSON) against the embedded grid, a change and an
//! unreachable site showing up, the full-screen view drawn on a test backend, and the real
//! binary on a pseudo-terminal leaving the terminal as it found it.

use std::io::Write as _;
use std::time::{Duration, Instant, SystemTime};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::Value;
use xsite::KEYCLOAK_LEGACY_CACHES;
use xsite_repl::commands::watch::View;
use xsite_repl::exec::Outcome;

use crate::common::Harness;
use crate::hardening::on_a_pty_sized;

fn once_json(h: &mut Harness) -> (Outcome, Value) {
    let (outcome, out) = h.outcome("watch --once --output json");
    let doc: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    (outcome, doc["result"].clone())
}

#[test]
fn the_snapshot_shows_both_sites_every_cache_and_a_change() {
    let mut h = Harness::with_both_sites();
    let (outcome, doc) = once_json(&mut h);
    assert_eq!(outcome, Outcome::Ok, "{doc}");
    for (site, other) in [("site-a", "site-b"), ("site-b", "site-a")] {
        let s = &doc["sites"][site];
        assert_eq!(s["reachable"], true, "{doc}");
        assert_eq!(s["local_site"], site, "{doc}");
        assert_eq!(
            s["site_view"],
            serde_json::json!(["site-a", "site-b"]),
            "{doc}"
        );
        for cache in KEYCLOAK_LEGACY_CACHES {
            assert_eq!(
                s["caches"][cache]["backups"][other]["status"], "online",
                "{doc}"
            );
            assert_eq!(s["caches"][cache]["push"][other], "IDLE", "{doc}");
        }
    }
    assert_eq!(doc["cache_set"]["name"], "keycloak-25", "{doc}");

    // A change made by another client shows in the next snapshot.
    h.grid
        .site("site-a")
        .unwrap()
        .set_backup_online("work", "site-b", false);
    let (_, doc) = once_json(&mut h);
    assert_eq!(
        doc["sites"]["site-a"]["caches"]["work"]["backups"]["site-b"]["status"], "offline",
        "{doc}"
    );

    // The text form: the cache set, then per site its header and one row per cache.
    let (outcome, out) = h.outcome("watch --once --cache-set work");
    assert_eq!(outcome, Outcome::Ok, "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "cache set: work (from --cache-set)", "{out}");
    assert!(
        lines[1].starts_with("site-a  14.0.35.Final  local site site-a"),
        "{out}"
    );
    assert!(
        lines[3].starts_with("  work                    site-b offline  push to site-b IDLE"),
        "{out}"
    );
}

#[test]
fn an_unreachable_site_is_shown_and_fails_the_snapshot() {
    let mut h = Harness::with_both_sites();
    h.grid.site("site-b").unwrap().set_down(true);
    let (outcome, doc) = once_json(&mut h);
    let Outcome::Failed(error) = outcome else {
        panic!("a site down but the snapshot passed: {doc}");
    };
    assert_eq!(error.exit_code(), 1, "{doc}");
    assert_eq!(doc["sites"]["site-b"]["reachable"], false, "{doc}");
    assert!(
        doc["sites"]["site-b"]["unreachable"]
            .as_str()
            .is_some_and(|why| why.starts_with("no connection")),
        "{doc}"
    );
    assert_eq!(doc["sites"]["site-a"]["reachable"], true, "{doc}");
}

#[test]
fn the_interval_and_a_terminal_are_checked_before_anything_is_read() {
    let mut h = Harness::with_both_sites();
    for bad in ["0", "0.1", "3601", "nan", "inf"] {
        let (outcome, _) = h.outcome(&format!("watch --once --interval {bad}"));
        let Outcome::Failed(error) = outcome else {
            panic!("--interval {bad} accepted");
        };
        assert_eq!(error.exit_code(), 2, "--interval {bad}");
    }
    // Not a terminal: the full-screen view is refused with the way out.
    let (outcome, _) = h.outcome("watch");
    let Outcome::Failed(error) = outcome else {
        panic!("full screen without a terminal");
    };
    assert_eq!(error.exit_code(), 2);
    assert!(error.to_string().contains("--once"), "{error}");
}

/// The view, drawn on a test backend from two snapshots of the grid: both sites and every cache
/// are on screen, and a change made between the two shows in the change list.
#[test]
fn the_view_shows_every_site_and_cache_and_what_changed() {
    let h = Harness::with_both_sites();
    let sites = both_sites(&h);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let caches = xsite::CacheSet::keycloak_legacy();
    let take = || {
        runtime.block_on(xsite::watch::snapshot(
            &sites,
            &caches,
            Duration::from_secs(2),
        ))
    };
    let mut view = View::new("cache set: keycloak-25".to_owned(), Duration::from_secs(1));
    view.apply(take(), SystemTime::now());
    h.grid
        .site("site-b")
        .unwrap()
        .set_backup_online("loginFailures", "site-a", false);
    view.apply(take(), SystemTime::now());

    let mut terminal = Terminal::new(TestBackend::new(200, 40)).unwrap();
    terminal.draw(|frame| view.draw(frame)).unwrap();
    let screen = screen(&terminal);
    assert!(screen.contains(" site-a "), "{screen}");
    assert!(screen.contains(" site-b "), "{screen}");
    for cache in KEYCLOAK_LEGACY_CACHES {
        assert_eq!(
            screen.matches(&format!(" {cache} ")).count(),
            2,
            "{cache}: {screen}"
        );
    }
    assert!(
        screen.contains("site-b loginFailures: backup to site-a online -> offline"),
        "{screen}"
    );
}

/// The running view on a test backend with scripted keys: a change made by another client
/// shows within two refreshes, and `q` ends it.
#[test]
fn the_running_view_shows_a_change_within_two_refreshes() {
    use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};

    let h = Harness::with_both_sites();
    let sites = both_sites(&h);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let interval = Duration::from_millis(300);
    let view = View::new("cache set: keycloak-25".to_owned(), interval);
    let mut terminal = Terminal::new(TestBackend::new(200, 40)).unwrap();
    let (keys, typed) = futures::channel::mpsc::unbounded::<std::io::Result<Event>>();
    let grid = &h.grid;
    let driver = async move {
        // Let the first snapshot in, then change a backup from another client.
        tokio::time::sleep(interval).await;
        grid.site("site-a")
            .unwrap()
            .set_backup_online("work", "site-b", false);
        // Two refreshes (and each read's own time) later, quit.
        tokio::time::sleep(interval * 2 + Duration::from_millis(500)).await;
        keys.unbounded_send(Ok(Event::Key(KeyEvent::new(
            KeyCode::Char('q'),
            KeyModifiers::NONE,
        ))))
        .unwrap();
    };
    let (view, ()) = runtime.block_on(async {
        tokio::join!(
            view.run_on(
                &mut terminal,
                typed,
                sites,
                xsite::CacheSet::keycloak_legacy(),
                Duration::from_secs(2)
            ),
            driver
        )
    });
    let view = view.unwrap();
    assert!(view.refreshes() >= 2, "{}", view.refreshes());
    let screen = screen(&terminal);
    assert!(
        screen.contains("site-a work: backup to site-b online -> offline"),
        "{screen}"
    );
    assert!(
        screen.contains("work                    site-b offline"),
        "{screen}"
    );
}

/// The binary on a pseudo-terminal: the alternate screen is entered and left again, and the
/// terminal is back in its mode, after `q` and after Ctrl-C.
#[test]
fn q_and_ctrl_c_quit_and_restore_the_terminal() {
    for key in ["q", "\u{3}"] {
        let (mut child, mut input, output) = on_a_pty_sized(40, 200, "--demo watch --interval 0.3");
        let started = Instant::now();
        let mut seen = String::new();
        // Typed only once the view has drawn a snapshot.
        while !seen.contains("loginFailures") && started.elapsed() < Duration::from_secs(30) {
            if let Ok(chunk) = output.recv_timeout(Duration::from_millis(200)) {
                seen.push_str(&chunk);
            }
        }
        assert!(
            seen.contains("\u{1b}[?1049h"),
            "no alternate screen: {seen:?}"
        );
        quits_restored(
            key,
            &mut child,
            &mut input,
            &output,
            &mut seen,
            started + Duration::from_secs(30),
        );
    }
}

/// The SDK's clients of both sites of the harness's grid.
fn both_sites(h: &Harness) -> xsite::runbook::Sites {
    xsite::runbook::Sites::new(["site-a", "site-b"].map(|name| {
        let url = if name == "site-a" {
            h.grid.site_a_url()
        } else {
            h.grid.site_b_url()
        };
        xsite::runbook::Site {
            name: name.to_owned(),
            client: xsite::Client::builder(url)
                .credentials(xsite::Credentials::password(
                    xsite_sim::ADMIN_USER,
                    xsite_sim::ADMIN_PASSWORD,
                ))
                .build()
                .unwrap(),
        }
    }))
}

/// What a test backend shows, line by line.
fn screen(terminal: &Terminal<TestBackend>) -> String {
    let buffer = terminal.backend().buffer();
    (0..buffer.area.height)
        .map(|y| {
            (0..buffer.area.width)
                .map(|x| buffer[(x, y)].symbol().to_owned())
                .collect::<String>()
                + "\n"
        })
        .collect()
}

/// The binary against the real grid (`scripts/grid up`, then `eval "$(scripts/grid env)"`; CI runs
/// it on each real version): on a pseudo-terminal, `xsite watch` shows both sites and the eight
/// caches, a take-offline and a bring-online made by another client appear as changes within two
/// refreshes, and `q` ends it with the terminal restored. What the view shows is read through a
/// terminal emulator (the view redraws only the cells that changed). Without the grid's
/// environment it says so and checks nothing.
#[test]
fn the_binary_on_the_real_grid_shows_changes_and_quits() {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let (Some(site_a), Some(site_b), Some(user), Some(password)) = (
        var("XSITE_SITE_A_URL"),
        var("XSITE_SITE_B_URL"),
        var("XSITE_USERNAME"),
        var("XSITE_PASSWORD"),
    ) else {
        eprintln!(
            "SKIPPED: the real grid's environment is not set (scripts/grid up; eval \"$(scripts/grid env)\")"
        );
        return;
    };
    if var("XSITE_CA_FILE").is_some() {
        eprintln!("SKIPPED: https grid; this check runs on the plain-http grid");
        return;
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = xsite::Client::builder(&site_a)
        .credentials(xsite::Credentials::password(user, password))
        .build()
        .unwrap();
    let work = client.cache("work");
    // Whatever happens below, the backup is online again afterwards.
    struct Online<'a>(&'a tokio::runtime::Runtime, &'a xsite::CacheHandle);
    impl Drop for Online<'_> {
        fn drop(&mut self) {
            let _ = self.0.block_on(self.1.xsite().bring_online("site-b"));
        }
    }
    let _online = Online(&runtime, &work);

    // XSITE_USERNAME and XSITE_PASSWORD reach the child through script(1)'s environment.
    let (rows, cols) = (45u16, 200u16);
    let (child, mut input, output) = on_a_pty_sized(
        rows,
        cols,
        &format!("watch --interval 0.5 --site-url site-a={site_a} --site-url site-b={site_b}"),
    );
    // A failed assertion must not leave the view running (it would hold the grid's lock).
    struct Killed(std::process::Child);
    impl Drop for Killed {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut child = Killed(child);
    let mut terminal = vt100::Parser::new(
        rows.try_into().expect("rows"),
        cols.try_into().expect("columns"),
        0,
    );
    let mut raw = String::new();
    let started = Instant::now();
    let wait_for = |needles: &[&str], terminal: &mut vt100::Parser, raw: &mut String| {
        while !needles
            .iter()
            .all(|n| terminal.screen().contents().contains(n))
        {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "{needles:?} not shown within 60 s; the screen:\n{}",
                terminal.screen().contents()
            );
            if let Ok(chunk) = output.recv_timeout(Duration::from_millis(200)) {
                terminal.process(chunk.as_bytes());
                raw.push_str(&chunk);
            }
        }
    };
    let mut everything: Vec<&str> = vec!["site-a", "site-b", "cache set: keycloak-25"];
    everything.extend(KEYCLOAK_LEGACY_CACHES);
    wait_for(&everything, &mut terminal, &mut raw);
    runtime
        .block_on(work.xsite().take_offline("site-b"))
        .unwrap();
    wait_for(
        &["site-a work: backup to site-b online -> offline"],
        &mut terminal,
        &mut raw,
    );
    runtime
        .block_on(work.xsite().bring_online("site-b"))
        .unwrap();
    wait_for(
        &["site-a work: backup to site-b offline -> online"],
        &mut terminal,
        &mut raw,
    );
    quits_restored(
        "q",
        &mut child.0,
        &mut input,
        &output,
        &mut raw,
        started + Duration::from_secs(60),
    );
}

/// Types `key` into the view on its pseudo-terminal, and asserts that it then exits 0 before
/// `deadline`, having left the alternate screen (what it printed is added to `seen`).
fn quits_restored(
    key: &str,
    child: &mut std::process::Child,
    input: &mut std::process::ChildStdin,
    output: &std::sync::mpsc::Receiver<String>,
    seen: &mut String,
    deadline: Instant,
) {
    input.write_all(key.as_bytes()).unwrap();
    input.flush().unwrap();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "still running after {key:?}");
        std::thread::sleep(Duration::from_millis(50));
    };
    while let Ok(chunk) = output.recv_timeout(Duration::from_millis(200)) {
        seen.push_str(&chunk);
    }
    assert_eq!(status.code(), Some(0), "{key:?}: {seen:?}");
    assert!(
        seen.contains("\u{1b}[?1049l"),
        "{key:?}: the screen was not restored: {seen:?}"
    );
}
