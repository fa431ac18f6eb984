//! What a one-shot `xsite -c URL -f -` sends: the Digest challenge and the command, plus the
//! version lookup (and on 14.0 the container's name) for an `--all-caches` route; nothing of the
//! connection's own reads. Counted by the simulator's request log.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use xsite_repl::demo::DemoGrid;
use xsite_sim::{Generation, SimOptions};

fn grid(generation: Generation) -> DemoGrid {
    DemoGrid::start_with(SimOptions {
        generation,
        ..SimOptions::default()
    })
    .expect("the grid starts")
}

/// Runs `xsite [extra] -c URL -f -` with `lines` on stdin.
fn one_shot(url: &str, extra: &[&str], lines: &str) -> Output {
    one_shot_with_env(url, extra, lines, &[])
}

fn one_shot_with_env(url: &str, extra: &[&str], lines: &str, env: &[(&str, &str)]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_xsite"))
        .args(extra)
        .envs(env.iter().copied())
        .args(["-c", url, "-f", "-"])
        .env_remove("XSITE_USERNAME")
        .env_remove("XSITE_PASSWORD")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("xsite runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(lines.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// The requests site-a received for one run, as `STATUS METHOD uri`.
fn requests_of(grid: &DemoGrid, extra: &[&str], lines: &str) -> (Output, Vec<String>) {
    let site = grid.site("site-a").unwrap();
    site.clear_requests();
    let output = one_shot(&grid.connect_url(grid.site_a_url()), extra, lines);
    let sent = site
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.status, r.line()))
        .collect();
    (output, sent)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const TAKE_OFFLINE: &str = "/rest/v2/caches/work/x-site/backups/site-b?action=take-offline";

#[test]
fn a_cache_level_command_is_the_challenge_and_the_command() {
    for generation in [Generation::V14, Generation::V15] {
        let grid = grid(generation);
        let (output, sent) =
            requests_of(&grid, &[], "site take-offline --cache=work --site=site-b\n");
        assert_eq!(output.status.code(), Some(0), "{output:?}");
        assert_eq!(text(&output.stdout), "");
        assert_eq!(
            sent,
            [
                format!("401 POST {TAKE_OFFLINE}"),
                format!("200 POST {TAKE_OFFLINE}"),
            ],
            "{generation:?}"
        );
        let (output, sent) = requests_of(&grid, &[], "site status --cache=work --site=site-b\n");
        assert_eq!(text(&output.stdout), "{\n  \"site-a-0\" : \"offline\"\n}\n");
        assert_eq!(sent.len(), 2, "{generation:?}: {sent:?}");
    }
}

#[test]
fn an_all_caches_command_adds_only_the_version_lookup() {
    for (generation, route, lookups) in [
        (
            Generation::V14,
            "/rest/v2/cache-managers/default/x-site/backups/site-b",
            vec![
                "401 GET /rest/v2/server",
                "200 GET /rest/v2/server",
                "200 GET /rest/v2/server/cache-managers",
            ],
        ),
        (
            Generation::V15,
            "/rest/v2/container/x-site/backups/site-b",
            vec!["401 GET /rest/v2/server", "200 GET /rest/v2/server"],
        ),
    ] {
        let grid = grid(generation);
        let (output, sent) = requests_of(&grid, &[], "site status --all-caches --site=site-b\n");
        assert_eq!(output.status.code(), Some(0), "{output:?}");
        assert!(
            text(&output.stdout).contains("\"status\" : \"online\""),
            "{output:?}"
        );
        let mut expected: Vec<String> = lookups.iter().map(|s| (*s).to_owned()).collect();
        expected.push(format!("200 GET {route}"));
        assert_eq!(sent, expected, "{generation:?}");
    }
}

#[test]
fn json_output_still_reports_the_connect_first() {
    let grid = grid(Generation::V15);
    let (output, sent) = requests_of(
        &grid,
        &["--output", "json"],
        "site status --cache=work --site=site-b\n",
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let stdout = text(&output.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(
        lines[0].starts_with("{\"command\":\"connect http://")
            && lines[0].ends_with("\"ok\":true,\"result\":null}")
            && !lines[0].contains(xsite_sim::ADMIN_PASSWORD),
        "{stdout}"
    );
    assert!(
        lines[1].starts_with("{\"command\":\"site status --cache=work --site=site-b\""),
        "{stdout}"
    );
    assert_eq!(sent.len(), 2, "{sent:?}");
}

#[test]
fn other_commands_connect_first_as_before() {
    let grid = grid(Generation::V15);
    // `site name` reads the container: the connection's reads come first, as they always did.
    let (output, sent) = requests_of(&grid, &[], "site name\n");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(text(&output.stdout), "site-a\n");
    assert_eq!(
        sent[..2],
        ["401 GET /rest/v2/server", "200 GET /rest/v2/server"]
    );
    assert!(
        sent.contains(&"200 GET /rest/v2/container".to_owned()),
        "{sent:?}"
    );
    // A batch that never needs the server still connects (and would fail as connect fails).
    let (output, sent) = requests_of(&grid, &[], "# nothing\n");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(
        sent.contains(&"200 GET /rest/v2/server".to_owned()),
        "{sent:?}"
    );
}

#[test]
fn a_refused_connection_fails_as_connect_did() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://developer:secret@127.0.0.1:{port}");
    let deferred = one_shot(
        &url,
        &[],
        "site take-offline --cache=work --site=site-b\necho no\n",
    );
    let idle = one_shot(&url, &[], "");
    // The same failure as a batch whose connection is opened without a command: connect's
    // error, its exit code, no batch report and nothing after it.
    assert_ne!(deferred.status.code(), Some(0), "{deferred:?}");
    assert_eq!(deferred.status.code(), idle.status.code());
    assert_eq!(text(&deferred.stdout), text(&idle.stdout));
    assert!(
        !text(&deferred.stdout).contains("Batch error"),
        "{deferred:?}"
    );
    assert!(
        !text(&deferred.stdout).lines().any(|l| l == "no"),
        "{deferred:?}"
    );
}

#[test]
fn wrong_credentials_are_refused_before_the_command() {
    let grid = grid(Generation::V15);
    let site = grid.site("site-a").unwrap();
    site.clear_requests();
    let url = grid
        .site_a_url()
        .replacen("://", &format!("://{}:wrong@", xsite_sim::ADMIN_USER), 1);
    let output = one_shot(&url, &[], "site take-offline --cache=work --site=site-b\n");
    assert_ne!(output.status.code(), Some(0), "{output:?}");
    assert!(
        !site.requests().iter().any(|r| r.status == 200),
        "{:?}",
        site.requests()
    );
    assert!(!text(&output.stdout).contains("Batch error"), "{output:?}");
    assert_eq!(
        site.backup("work", "site-b").map(|b| b.online),
        Some(true),
        "not applied"
    );
}

#[test]
fn plain_http_does_without_the_system_ca_roots() {
    let grid = grid(Generation::V15);
    // The CA roots come from these: pointed at nothing, a client that loads them cannot be
    // built ("No CA certificates were loaded from the system").
    let nowhere = [
        ("SSL_CERT_FILE", "/nonexistent/xsite-test/ca.pem"),
        ("SSL_CERT_DIR", "/nonexistent/xsite-test"),
    ];
    let output = one_shot_with_env(
        &grid.connect_url(grid.site_a_url()),
        &[],
        "site status --cache=work --site=site-b\n",
        &nowhere,
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(text(&output.stdout), "{\n  \"site-a-0\" : \"online\"\n}\n");
}
