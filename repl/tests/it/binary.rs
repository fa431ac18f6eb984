//! The built `xsite` binary in batch mode, against its own embedded grid (`--demo`).

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

/// A scratch file, removed on drop.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(name: &str, text: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("xsite-it-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        Scratch(path)
    }

    pub fn path(&self) -> String {
        self.0.display().to_string()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

pub fn xsite(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_xsite"))
        .args(args)
        .env_remove("XSITE_USERNAME")
        .env_remove("XSITE_PASSWORD")
        .env("XSITE_TEST_VAR", "work")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("xsite runs");
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

const FAILING: &str = "site status --cache=work\nsite status --cache=nope\necho reached\n";
const WORK_ONLINE: &str = "{\n  \"site-b\" : {\n    \"status\" : \"online\"\n  }\n}\n";
const NOPE: &str =
    "Not Found: ISPN012010: Cache with name 'nope' not found amongst the configured caches\n";

#[test]
fn a_batch_file_prints_what_cli_sh_prints() {
    let file = Scratch::new(
        "ok.cli",
        "# comment\n\nsite take-offline --cache=${XSITE_TEST_VAR} --site=site-b\nsite status --cache=work\n",
    );
    let output = xsite(&["--demo", "-f", &file.path()], None);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(
        stdout(&output),
        "{\n  \"site-b\" : {\n    \"status\" : \"offline\"\n  }\n}\n"
    );
}

#[test]
fn fail_fast_stops_at_the_first_failure() {
    let file = Scratch::new("fail-fast.cli", FAILING);
    let output = xsite(&["--demo", "-f", &file.path()], None);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stdout(&output),
        format!(
            "{WORK_ONLINE}{NOPE}Batch error: {}, line 2: 'site status --cache=nope'\n",
            file.path()
        )
    );
}

#[test]
fn fail_at_end_runs_everything_then_fails() {
    let file = Scratch::new("fail-at-end.cli", FAILING);
    let output = xsite(
        &["--demo", "--on-error=FAIL_AT_END", "-f", &file.path()],
        None,
    );
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), format!("{WORK_ONLINE}{NOPE}reached\n"));
}

#[test]
fn ignore_runs_everything_and_succeeds() {
    let file = Scratch::new("ignore.cli", FAILING);
    let output = xsite(
        &["--demo", "--on-error", "IGNORE", "-f", &file.path()],
        None,
    );
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(stdout(&output), format!("{WORK_ONLINE}{NOPE}reached\n"));
}

#[test]
fn a_parse_error_stops_the_batch_with_cli_sh_report() {
    let file = Scratch::new("parse.cli", "echo one\nsite frobnicate\necho two\n");
    let output = xsite(&["--demo", "--on-error=IGNORE", "-f", &file.path()], None);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stdout(&output),
        format!(
            "one\nError executing file: {}, line 2: 'site frobnicate'\nCommandLineParserException: Command and/or sub-command is not valid!\n",
            file.path()
        )
    );
}

#[test]
fn standard_input_is_a_batch_too() {
    let output = xsite(&["--demo", "-f", "-"], Some("site name\nsite view\n"));
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(stdout(&output), "site-a\n[site-a, site-b]\n");
    // Piped without -f: the same.
    let output = xsite(&["--demo"], Some("site name\n"));
    assert_eq!(stdout(&output), "site-a\n");
}

#[test]
fn properties_feed_substitution() {
    let props = Scratch::new(
        "vars.properties",
        "cache=sessions\n# comment\nsite = site-b\n",
    );
    let output = xsite(
        &["--demo", "-P", &props.path(), "-f", "-"],
        Some("site status --cache=${cache} --site=${site}\n"),
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(stdout(&output), "{\n  \"site-a-0\" : \"online\"\n}\n");
}

#[test]
fn disconnected_batches_stop_at_the_first_remote_command() {
    let output = xsite(&["-f", "-"], Some("echo before\nsite name\necho after\n"));
    assert_eq!(output.status.code(), Some(1));
    let out = stdout(&output);
    assert!(out.starts_with("before\n"), "{out}");
    assert!(out.contains("Batch error: -, line 2: 'site name'"), "{out}");
    assert!(!out.contains("after"), "{out}");
}

#[test]
fn json_output_for_scripts() {
    let output = xsite(
        &["--demo", "--output", "json", "-f", "-"],
        Some("site name\nsite take-offline --cache=work --site=site-b\n"),
    );
    assert_eq!(output.status.code(), Some(0));
    // The first document is the implicit connect of --demo.
    let out = stdout(&output);
    let (first, rest) = out.split_once('\n').unwrap();
    assert!(
        first.starts_with("{\"command\":\"connect http://127.0.0.1:")
            && first.ends_with(",\"ok\":true,\"result\":null}"),
        "{first}"
    );
    assert_eq!(
        format!("{rest}"),
        "{\"command\":\"site name\",\"ok\":true,\"result\":\"site-a\"}\n{\"command\":\"site take-offline --cache=work --site=site-b\",\"ok\":true,\"result\":null}\n"
    );
}

#[test]
fn demo_says_how_to_reach_site_b() {
    let output = xsite(&["--demo", "-f", "-"], Some(""));
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains("to switch: connect http://127.0.0.1:"),
        "{err}"
    );
}

#[test]
fn credentials_from_the_environment() {
    let grid = xsite_repl::demo::DemoGrid::start().unwrap();
    let addr = grid.site_a_url().trim_start_matches("http://").to_owned();
    let run = |user: Option<&str>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_xsite"));
        command
            .args(["-c", &addr, "-f", "-"])
            .env_remove("XSITE_USERNAME")
            .env_remove("XSITE_PASSWORD")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(user) = user {
            command
                .env("XSITE_USERNAME", user)
                .env("XSITE_PASSWORD", "strong-password");
        }
        let mut child = command.spawn().unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"site name\n")
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let output = run(Some("developer"));
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(stdout(&output), "site-a\n");
    // Without credentials and without a terminal to ask on, the 401 stands.
    let output = run(None);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).starts_with("The supplied credentials are invalid "),
        "{output:?}"
    );
}
