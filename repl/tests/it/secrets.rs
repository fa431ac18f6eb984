//! No password in anything xsite writes: stdout, stderr (with trace logs), `--output json`,
//! the Batch YAML, the history file, `Debug`; for every way a password can be given.
//!
//! The coverage matrix, checked by [`every_way_every_output`]:
//!
//! | way | cli + `-vv` | json + `-vv` |
//! |---|---|---|
//! | `-c http://developer:PW@…` | ✓ | ✓ |
//! | `connect -u developer -p PW …` (also `-pPW`, `-p  PW`, `'-p' PW`, `--password=PW`, `--password PW`) | ✓ | ✓ |
//! | `connect http://developer:PW@…` | ✓ | ✓ |
//! | `-c http://developer@…` + `XSITE_PASSWORD` | ✓ | ✓ |
//! | `XSITE_USERNAME` + `XSITE_PASSWORD` | ✓ | ✓ |
//! | `-s PW -w PW` (store passwords) | ✓ | ✓ |
//! | `--site-url site-a=http://developer:PW@…` (runbook) | ✓ | ✓ |
//! | `--site-url site-a=http://developer@…` + `XSITE_PASSWORD_SITE_A` | ✓ | ✓ |
//!
//! Each `connect` form runs twice: connecting (a later line fails, so the batch report is
//! printed) and to a closed port (the report echoes the `connect` line itself), plus a parse
//! error on the `connect` line. The grep looks for the password, and for the Basic header that
//! would carry it (`base64(developer:PW)`). Separately: the history file (through the shell's
//! own `remember`), `batch-cr`'s YAML, the profile, a masked line recalled from the history, and
//! the Basic-over-http warning.

use std::path::PathBuf;

use xsite_clish::Mode;
use xsite_repl::console::{Console, Format};
use xsite_repl::demo::DemoGrid;
use xsite_repl::exec::{Executor, Outcome};
use xsite_repl::history;
use xsite_repl::prompt::{NoPrompter, Prompter, ScriptedPrompter};
use xsite_repl::session::{Session, TlsSettings};

use crate::binary::Scratch;
use crate::common::Harness;

/// The demo grid's password, which the successful forms must send.
const PASSWORD: &str = xsite_sim::ADMIN_PASSWORD;
/// A password with spaces and quotes, which no server accepts: only its masking is checked.
const ODD_PASSWORD: &str = "Zq9 Wv8'x";

/// The Basic `Authorization` value that would carry `user:password`.
fn basic_header(user: &str, password: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = format!("{user}:{password}").into_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Fails if `text` holds `password`, or the Basic header made from it.
fn assert_clean(what: &str, text: &str, password: &str) {
    assert!(
        !text.contains(password),
        "{what}: the password leaked:\n{text}"
    );
    for part in password.split(' ').filter(|p| p.len() > 2) {
        assert!(
            !text.contains(part),
            "{what}: part {part:?} leaked:\n{text}"
        );
    }
    let basic = basic_header("developer", password);
    assert!(
        !text.contains(&basic),
        "{what}: the Basic header leaked:\n{text}"
    );
}

/// Runs the built binary with `-vv` (trace logs on stderr) and the given environment.
fn run(args: &[&str], env: &[(&str, &str)], stdin: &str) -> (Option<i32>, String) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut command = Command::new(env!("CARGO_BIN_EXE_xsite"));
    command
        .arg("-vv")
        .args(args)
        .env_remove("XSITE_USERNAME")
        .env_remove("XSITE_PASSWORD")
        .env_remove("XSITE_PASSWORD_SITE_A")
        .env_remove("XSITE_LOG")
        .env(
            "XDG_CONFIG_HOME",
            std::env::temp_dir().join("xsite-it-no-profile"),
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.spawn().expect("xsite runs");
    let mut input = child.stdin.take().expect("stdin");
    input.write_all(stdin.as_bytes()).expect("stdin written");
    drop(input);
    let output = child.wait_with_output().expect("xsite ends");
    let all = format!(
        "{}\n--- stderr ---\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code(), all)
}

/// One way of giving a password: its name, the arguments, the environment, the batch script
/// (empty for a one-shot command) and the password to look for.
type Case = (
    String,
    Vec<String>,
    Vec<(&'static str, &'static str)>,
    String,
    &'static str,
);

/// A closed port: a `connect` there fails, so the batch report echoes the line.
const CLOSED: &str = "127.0.0.1:1";

#[test]
fn every_way_every_output() {
    let grid = DemoGrid::start().unwrap();
    let addr = grid.site_a_url().trim_start_matches("http://").to_owned();
    let later_failure = "site status --cache=nope\n";
    let mut cases: Vec<Case> = Vec::new();
    // `connect` lines in a batch, each form with the real password and with an odd one.
    let forms = [
        "connect -u developer -p {pw} {addr}",
        "connect -u developer -p{pw} {addr}",
        "connect -u developer -p  {pw} {addr}",
        "connect -u developer '-p' {pw} {addr}",
        "connect -u developer --password={pw} {addr}",
        "connect -u developer --password {pw} {addr}",
        "connect {addr} -u developer -s {pw} -w {pw} --password {pw}",
        "connect http://developer:{pw}@{addr}",
    ];
    for form in forms {
        for (pw, quoted) in [
            (PASSWORD, PASSWORD.to_owned()),
            (ODD_PASSWORD, format!("\"{ODD_PASSWORD}\"")),
        ] {
            let with = |addr: &str| form.replace("{pw}", &quoted).replace("{addr}", addr);
            // The URL form cannot hold the odd password's space unquoted: quote the URL.
            let with = |addr: &str| {
                if form.contains("http://") && pw == ODD_PASSWORD {
                    format!("connect \"http://developer:{ODD_PASSWORD}@{addr}\"")
                } else {
                    with(addr)
                }
            };
            cases.push((
                format!("{form} ({pw:?}), then a failure"),
                vec![],
                vec![],
                format!("{}\n{later_failure}", with(&addr)),
                pw,
            ));
            cases.push((
                format!("{form} ({pw:?}) to a closed port"),
                vec![],
                vec![],
                format!("{}\n", with(CLOSED)),
                pw,
            ));
            cases.push((
                format!("{form} ({pw:?}) with an unknown option"),
                vec![],
                vec![],
                format!("{} --bogus\n", with(&addr)),
                pw,
            ));
        }
    }
    let url_with = format!("http://developer:{PASSWORD}@{addr}");
    let url_without = format!("http://developer@{addr}");
    cases.push((
        "-c URL with a password".into(),
        vec!["-c".into(), url_with.clone()],
        vec![],
        later_failure.into(),
        PASSWORD,
    ));
    cases.push((
        "-c URL with a password, a bad port".into(),
        vec![
            "-c".into(),
            format!("http://developer:{PASSWORD}@127.0.0.1:99999"),
        ],
        vec![],
        later_failure.into(),
        PASSWORD,
    ));
    cases.push((
        "-c URL + XSITE_PASSWORD".into(),
        vec!["-c".into(), url_without.clone()],
        vec![("XSITE_PASSWORD", PASSWORD)],
        later_failure.into(),
        PASSWORD,
    ));
    cases.push((
        "XSITE_USERNAME + XSITE_PASSWORD".into(),
        vec!["-c".into(), addr.clone()],
        vec![
            ("XSITE_USERNAME", "developer"),
            ("XSITE_PASSWORD", PASSWORD),
        ],
        later_failure.into(),
        PASSWORD,
    ));
    cases.push((
        "-s / -w options".into(),
        vec![
            "-c".into(),
            url_without.clone(),
            "-s".into(),
            PASSWORD.into(),
            "-w".into(),
            PASSWORD.into(),
        ],
        vec![("XSITE_PASSWORD", PASSWORD)],
        later_failure.into(),
        PASSWORD,
    ));
    for (name, args, env) in [
        (
            "--site-url with a password",
            vec![format!("site-a={url_with}")],
            vec![],
        ),
        (
            "--site-url with a password, a bad port",
            vec![format!("site-a=http://developer:{PASSWORD}@h:99999")],
            vec![],
        ),
        (
            "--site-url + XSITE_PASSWORD_SITE_A",
            vec![format!("site-a={url_without}")],
            vec![("XSITE_PASSWORD_SITE_A", PASSWORD)],
        ),
    ] {
        let mut argv = Vec::new();
        for url in args {
            argv.push("--site-url".to_owned());
            argv.push(url);
        }
        argv.extend(["runbook".to_owned(), "status".to_owned()]);
        cases.push((name.into(), argv, env, String::new(), PASSWORD));
    }

    let mut runs = 0;
    for (name, args, env, script, pw) in &cases {
        for output in ["cli", "json"] {
            let file = Scratch::new("secrets-matrix.cli", script);
            let mut argv: Vec<&str> = vec!["--output", output];
            argv.extend(args.iter().map(String::as_str));
            let is_oneshot = args.iter().any(|a| a == "runbook");
            if !is_oneshot {
                argv.extend(["-f", file.0.to_str().unwrap()]);
            }
            let (code, all) = run(&argv, env, "");
            assert_clean(&format!("{name}, --output {output}"), &all, pw);
            // Every case writes something: the check is not vacuous.
            assert!(!all.trim().is_empty(), "{name}: no output");
            if name.ends_with("then a failure") && *pw == PASSWORD {
                // The line after a working connect ran: the password was sent, not just hidden.
                assert!(all.contains("nope"), "{name}: {code:?}\n{all}");
            }
            runs += 1;
        }
    }
    assert_eq!(runs, cases.len() * 2);
}

#[test]
fn the_issue_forms_are_masked_in_the_batch_report() {
    // Each line fails (closed port), so cli.sh's report echoes it: `Batch error: -, line 1: '…'`.
    for (line, shown) in [
        (
            "connect -u developer -pSEKRIT42 127.0.0.1:1",
            "connect -u developer -p******** 127.0.0.1:1",
        ),
        (
            "connect -u developer -p  SEKRIT42 127.0.0.1:1",
            "connect -u developer -p ******** 127.0.0.1:1",
        ),
        (
            "connect -u developer '-p' SEKRIT42 127.0.0.1:1",
            "connect -u developer -p ******** 127.0.0.1:1",
        ),
        (
            "connect -u developer -p \"SEKRIT 42\" 127.0.0.1:1",
            "connect -u developer -p ******** 127.0.0.1:1",
        ),
    ] {
        let (code, all) = run(&["-f", "-"], &[], &format!("{line}\n"));
        assert_eq!(code, Some(1), "{all}");
        assert!(
            all.contains(&format!("Batch error: -, line 1: '{shown}'")),
            "{line}:\n{all}"
        );
        assert!(!all.contains("SEKRIT"), "{all}");
    }
}

#[test]
fn history_file_never_holds_a_password() {
    let dir = std::env::temp_dir().join(format!("xsite-it-history-{}", std::process::id()));
    let path: PathBuf = dir.join("history");
    let _ = std::fs::remove_file(&path);
    let lines = [
        "connect -u developer -p strong-password localhost:11222",
        "connect -u developer -pstrong-password localhost:11222",
        "connect -u developer -p  strong-password localhost:11222",
        "connect -u developer '-p' strong-password localhost:11222",
        "connect -u developer -p \"strong-password and more\" localhost:11222",
        "connect --password=strong-password localhost:11222",
        "connect http://developer:strong-password@localhost:11222",
        "connect localhost:11222 -s strong-password -w strong-password",
        "runbook status --site-url site-a=http://developer:strong-password@h:99999",
        "connect --pasword=strong-password localhost:11222",
    ];
    let mut editor = rustyline::Editor::<(), rustyline::history::DefaultHistory>::new().unwrap();
    for line in lines {
        xsite_repl::shell::remember(&mut editor, line, Some(&path));
    }
    let kept = std::fs::read_to_string(&path).unwrap();
    assert_clean("history file", &kept, PASSWORD);
    // Every entry is there, masked (rustyline drops an entry equal to the one before it).
    let mut expected: Vec<String> = lines.iter().map(|l| history::redact(l)).collect();
    expected.dedup();
    let entries: Vec<&str> = kept.lines().filter(|l| !l.starts_with("#V")).collect();
    assert_eq!(entries, expected, "{kept}");
    assert!(
        entries.iter().all(|e| e.contains(history::REDACTED)),
        "{kept}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the history file is private: {mode:o}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn batch_cr_yaml_never_holds_a_password() {
    let file = Scratch::new(
        "secret-cr.cli",
        "connect -u developer -p strong-password dg:11222\nsite status --all-caches --site=site-a\n",
    );
    for output in ["cli", "json"] {
        let (_, all) = run(
            &[
                "--output",
                output,
                "batch-cr",
                "--cluster",
                "infinispan",
                "--namespace",
                "keycloak",
                "--name",
                "x",
                "-f",
                file.0.to_str().unwrap(),
            ],
            &[],
            "",
        );
        assert_clean("batch-cr", &all, PASSWORD);
    }
}

#[test]
fn a_profile_with_a_password_in_its_url_is_refused() {
    let profile = Scratch::new(
        "secret-profile.toml",
        "[sites.site-a]\nurl = \"http://developer:strong-password@h:11222\"\n",
    );
    let (code, all) = run(
        &["--profile", profile.0.to_str().unwrap(), "runbook", "sites"],
        &[],
        "",
    );
    assert_eq!(code, Some(2), "{all}");
    assert!(all.contains("never hold secrets"), "{all}");
    assert_clean("profile", &all, PASSWORD);
}

#[test]
fn a_password_in_a_url_on_the_command_line_is_warned_about() {
    let grid = DemoGrid::start().unwrap();
    let url = grid.connect_url(grid.site_a_url());
    let (_, all) = run(&["-c", &url, "-f", "-"], &[], "");
    assert!(all.contains("can be read by other users"), "{all}");
    let (_, all) = run(
        &["--site-url", &format!("site-a={url}"), "runbook", "sites"],
        &[],
        "",
    );
    assert!(all.contains("can be read by other users"), "{all}");
    assert_clean("warning", &all, PASSWORD);
}

#[test]
fn xsite_password_serves_a_user_given_in_the_url() {
    let grid = DemoGrid::start().unwrap();
    let url = grid.site_a_url().replacen("://", "://developer@", 1);
    let (code, all) = run(
        &["-c", &url, "-f", "-"],
        &[("XSITE_PASSWORD", PASSWORD)],
        "site name\n",
    );
    assert_eq!(code, Some(0), "{all}");
    assert!(all.starts_with("site-a\n"), "{all}");
    // Without it, and with no terminal to ask on, the error says what is missing.
    let (code, all) = run(&["-c", &url, "-f", "-"], &[], "site name\n");
    assert_ne!(code, Some(0), "{all}");
    assert!(
        all.contains("wants a password for developer, and none was given"),
        "{all}"
    );
    assert!(!all.contains("supplied credentials"), "{all}");
}

/// A session of its own on a grid started with `options`.
fn harness(prompter: Box<dyn Prompter>, options: xsite_sim::SimOptions) -> Harness {
    let grid = DemoGrid::start_with(options).unwrap();
    let session = Session::new(TlsSettings::default(), prompter, Mode::Interactive);
    let (console, out) = Console::capture(Format::Cli);
    Harness {
        exec: Executor::new(session, console),
        out,
        grid,
    }
}

#[test]
fn a_recalled_masked_line_asks_for_the_password() {
    let prompter = ScriptedPrompter::new(Vec::<String>::new(), [PASSWORD]);
    let asked = prompter.asked.clone();
    let mut h = harness(Box::new(prompter), xsite_sim::SimOptions::default());
    // What the history holds for `connect -u developer -p strong-password <site-b>`.
    let typed = format!("connect -u developer -p {PASSWORD} {}", h.grid.site_b_url());
    let recalled = history::redact(&typed);
    assert!(recalled.contains("-p ********"), "{recalled}");
    let (outcome, out) = h.outcome(&recalled);
    assert_eq!(outcome, Outcome::Ok, "{out}");
    assert_eq!(asked.get(), (0, 1), "the password was asked for once");
    assert_eq!(h.run("site name").0, "site-b\n");

    // The URL form too.
    let recalled = history::redact(&h.grid.connect_url(h.grid.site_a_url()));
    let recalled = format!("connect {recalled}");
    assert!(recalled.contains(":********@"), "{recalled}");
}

#[test]
fn a_recalled_masked_line_without_a_terminal_is_refused_and_keeps_the_connection() {
    let mut h = harness(Box::new(NoPrompter), xsite_sim::SimOptions::default());
    let url = h.grid.connect_url(h.grid.site_a_url());
    assert_eq!(h.outcome(&format!("connect {url}")).0, Outcome::Ok);
    let before = h.prompt();
    for line in [
        format!("connect -u developer -p ******** {}", h.grid.site_b_url()),
        history::redact(&format!(
            "connect {}",
            h.grid.connect_url(h.grid.site_b_url())
        )),
    ] {
        let (outcome, out) = h.outcome(&line);
        assert!(outcome.is_failure(), "{line}: {out}");
        assert!(out.contains("mask"), "{out}");
        assert_eq!(h.prompt(), before, "the working connection stays");
        assert_eq!(h.run("site name").0, "site-a\n");
    }
}

#[test]
fn basic_over_plain_http_is_warned_about_once() {
    let basic_only = xsite_sim::SimOptions {
        mechanisms: vec![xsite_sim::Mechanism::Basic],
        ..xsite_sim::SimOptions::default()
    };
    let mut h = harness(Box::new(NoPrompter), basic_only);
    let url = h.grid.connect_url(h.grid.site_a_url());
    let (out, err) = h.run(&format!("connect {url}"));
    assert_eq!(out, "");
    assert_eq!(
        err.matches("Basic authentication over plain http").count(),
        1,
        "{err}"
    );
    assert_clean("warning", &err, PASSWORD);
    // Later commands on the same connection say nothing more.
    let (_, err) = h.run("site name");
    assert_eq!(err, "");

    // Digest offered: no warning.
    let mut h = harness(Box::new(NoPrompter), xsite_sim::SimOptions::default());
    let url = h.grid.connect_url(h.grid.site_a_url());
    let (_, err) = h.run(&format!("connect {url}"));
    assert_eq!(err, "");
}

#[test]
fn basic_over_plain_http_is_warned_about_for_the_runbooks_sites() {
    let basic_only = xsite_sim::SimOptions {
        mechanisms: vec![xsite_sim::Mechanism::Basic],
        ..xsite_sim::SimOptions::default()
    };
    let mut h = harness(Box::new(NoPrompter), basic_only);
    for (name, url) in [
        ("site-a", h.grid.site_a_url().to_owned()),
        ("site-b", h.grid.site_b_url().to_owned()),
    ] {
        let url = url.replacen("://", &format!("://developer:{PASSWORD}@"), 1);
        h.exec
            .session
            .sites
            .set_url(&format!("{name}={url}"))
            .unwrap();
    }
    let (_, err) = h.run("runbook status");
    for site in ["site-a", "site-b"] {
        let line = format!("Digest (site {site})");
        assert_eq!(err.matches(&line).count(), 1, "{err}");
    }
    assert_clean("runbook warnings", &err, PASSWORD);
}

#[test]
fn no_password_in_debug() {
    let mut h = Harness::connected();
    let url = h.grid.connect_url(h.grid.site_b_url());
    let (out, err) = h.run(&format!("connect {url}"));
    assert_clean("connect", &format!("{out}{err}"), PASSWORD);
    let debug = format!("{:?}", h.exec);
    assert_clean("Debug", &debug, PASSWORD);
}
