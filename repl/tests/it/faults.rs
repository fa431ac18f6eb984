//! The fault catalog, REPL side: the built `xsite` against hostile or broken servers
//! ([`xsite_sim::hostile`]), with the exact expectation for each: exit code, message, what was
//! (not) sent, and the process' peak RSS where a hostile body could blow it up. The SDK side is in
//! `sdk/tests/sdk/faults.rs`; the table is in `docs/FAULTS.md`.

use std::io::Read;
use std::process::{Command, Stdio};

use xsite_sim::hostile::{Hostile, Play, Seen};

use crate::binary::Scratch;

/// What a run of `xsite` left behind.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    /// The peak resident set size seen (`VmHWM`), in kB.
    peak_kb: u64,
}

/// Runs `xsite` with `args`, sampling its peak RSS from `/proc/<pid>/status` until it exits.
/// `VmHWM` is the peak so far, so any sample after the peak holds it.
fn run(args: &[&str]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_xsite"))
        .args(args)
        .env_remove("XSITE_USERNAME")
        .env_remove("XSITE_PASSWORD")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("xsite runs");
    // Drained on their own threads, so that a flood of output cannot block the child.
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kb = 0;
    let code = loop {
        if let Ok(text) = std::fs::read_to_string(&status_file)
            && let Some(kb) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        {
            peak_kb = peak_kb.max(kb);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status.code().unwrap_or(-1);
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    };
    Run {
        code,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
        peak_kb,
    }
}

/// A 15.0 server that answers what `connect` reads, and plays `fault` for everything else.
fn server(fault: impl Fn(&Seen) -> Play + Send + Sync + 'static) -> Hostile {
    Hostile::start(move |seen| match seen.target.as_str() {
        "/rest/v2/server" => Play::json(200, r#"{"version":"15.0.21.Final"}"#),
        "/rest/v2/container" => Play::json(
            200,
            r#"{"name":"default","version":"15.0.21.Final","local_site":"site-a","defined_caches":[{"name":"work"}]}"#,
        ),
        _ => fault(seen),
    })
}

/// Runs one batch line against `server`.
fn batch(server: &Hostile, extra: &[&str], line: &str) -> Run {
    let file = Scratch::new(
        &format!("fault-{}.cli", server.port()),
        &format!("{line}\n"),
    );
    let url = server.url();
    let path = file.path();
    let mut args = extra.to_vec();
    args.extend(["-c", url.as_str(), "-f", path.as_str()]);
    run(&args)
}

/// The command's own line: a batch then reports the failed line (`Batch error: …`), as cli.sh does.
fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

/// No byte of the output may drive a terminal.
fn assert_no_control(text: &str) {
    assert!(
        !text.chars().any(|c| c.is_control() && c != '\n'),
        "control characters in {text:?}"
    );
}

/// Generous: xsite itself needs ~20 MB; a hostile body read whole needed 423 MB (200 MB body)
/// and 2.1 GB (1 GiB chunked).
const RSS_BOUND_KB: u64 = 120 * 1024;

#[test]
fn a_200_mb_error_body_is_clipped_and_not_held_in_memory() {
    let server = server(|_| Play::Huge {
        status: 500,
        size: 200 * 1024 * 1024,
        chunked: false,
        fill: b'E',
    });
    let run = batch(&server, &[], "site take-offline --cache=work --site=site-b");
    assert_eq!(run.code, 1, "{}", run.stderr);
    let line = first_line(&run.stdout);
    assert!(line.starts_with("Error: EEEE"), "{line:.100}");
    assert!(line.len() < 4096, "{} bytes printed", line.len());
    assert!(line.ends_with("bytes in all, cut]"), "{line:.100}");
    assert!(
        run.stdout.len() < 8192,
        "{} bytes printed",
        run.stdout.len()
    );
    assert!(run.peak_kb < RSS_BOUND_KB, "peak RSS {} kB", run.peak_kb);
}

#[test]
fn a_1_gib_chunked_answer_is_refused_within_the_rss_bound() {
    let server = server(|_| Play::Huge {
        status: 200,
        size: 1024 * 1024 * 1024,
        chunked: true,
        fill: b'{',
    });
    let run = batch(&server, &[], "site status --cache=work");
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stdout.contains("larger than") && run.stdout.contains("not read"),
        "{:.200}",
        run.stdout
    );
    assert!(run.peak_kb < RSS_BOUND_KB, "peak RSS {} kB", run.peak_kb);
}

#[test]
fn escape_sequences_in_server_text_are_escaped_on_every_path() {
    let hostile = "\u{1b}]0;owned\u{7}\u{1b}[2J";
    let server = server(move |seen| {
        if seen.target.contains("/container/x-site/backups/site-b") {
            // An --all-caches failure string.
            Play::json(
                200,
                r#"{"work":"no\u001b[2J\u001b]0;x\u0007","sessions":"ok"}"#,
            )
        } else {
            Play::text(500, hostile)
        }
    });
    let run = batch(&server, &[], "site status --cache=work");
    assert_eq!(run.code, 1);
    assert_eq!(
        first_line(&run.stdout),
        "Error: \\u001b]0;owned\\u0007\\u001b[2J"
    );
    assert_no_control(&run.stdout);
    let run = batch(
        &server,
        &["--on-error", "IGNORE"],
        "site take-offline --all-caches --site=site-b",
    );
    assert_eq!(
        run.code, 0,
        "cli.sh's exit code with IGNORE: {}",
        run.stderr
    );
    assert_no_control(&run.stdout);
    assert_no_control(&run.stderr);
    assert!(run.stdout.contains("\\u001b[2J"), "{}", run.stdout);
}

#[test]
fn hostile_cache_names_are_escaped_in_ls() {
    let server = Hostile::start(|seen| match seen.target.as_str() {
        "/rest/v2/server" => Play::json(200, r#"{"version":"15.0.21.Final"}"#),
        _ => Play::json(
            200,
            r#"{"name":"default","version":"15.0.21.Final","defined_caches":[{"name":"a\u001b]0;t\u0007b"}]}"#,
        ),
    });
    let run = batch(&server, &[], "ls caches");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_no_control(&run.stdout);
    assert_eq!(run.stdout.trim_end(), "a\\u001b]0;t\\u0007b");
}

#[test]
fn timeout_bounds_a_silent_server_and_says_so() {
    let server = server(|_| Play::Silent);
    let run = batch(&server, &["--timeout", "0.5"], "site status --cache=work");
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        first_line(&run.stdout),
        "Timed out: no complete answer from the server within 0.5 s"
    );
    assert!(run.stderr.contains("--timeout"), "{}", run.stderr);
    // One attempt: the limit covers the call, retries included.
    assert_eq!(server.count("GET", "/caches/work/x-site/backups/"), 1);
}

#[test]
fn a_timed_out_state_change_is_reported_as_outcome_unknown() {
    let server = server(|_| Play::Silent);
    let run = batch(
        &server,
        &["--timeout", "0.5"],
        "site take-offline --cache=work --site=site-b",
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stdout.starts_with("Outcome unknown: POST "),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("may or may not"), "{}", run.stdout);
    assert_eq!(server.count("POST", "take-offline"), 1);
}

#[test]
fn a_timeout_that_is_not_a_number_is_refused() {
    for bad in ["0", "-1", "soon", "NaN", "1e9"] {
        let option = format!("--timeout={bad}");
        let run = run(&[&option, "-c", "http://127.0.0.1:1", "-f", "/dev/null"]);
        assert_eq!(run.code, 2, "--timeout {bad}: {}", run.stderr);
        assert!(run.stderr.contains("--timeout"), "{}", run.stderr);
    }
}

#[test]
fn an_empty_all_caches_answer_fails() {
    let server = server(|_| Play::json(200, "{}"));
    let run = batch(&server, &[], "site take-offline --all-caches --site=site-b");
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.contains("no cache's result"), "{}", run.stdout);
}

#[test]
fn errors_without_a_body_show_their_status() {
    let server = server(|_| Play::empty(302, &[("Location", "http://127.0.0.1:1/")]));
    let run = batch(&server, &[], "site status --cache=work");
    assert_eq!(run.code, 1);
    assert_eq!(first_line(&run.stdout), "Error: HTTP 302 Found");
}

#[test]
fn digest_with_only_auth_int_is_named_as_unsupported() {
    let server = Hostile::start(|_| {
        Play::empty(
            401,
            &[(
                "WWW-Authenticate",
                r#"Digest realm="default", nonce="bm9uY2U=", algorithm=MD5, qop="auth-int""#,
            )],
        )
    });
    let url = format!(
        "http://developer:strong-password@127.0.0.1:{}",
        server.port()
    );
    let run = run(&["-c", &url, "-f", "/dev/null"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(all.contains("Unsupported authentication"), "{all}");
    assert!(all.contains("qop=auth-int"), "{all}");
    assert!(!all.contains("credentials are invalid"), "{all}");
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.header("authorization").is_none())
    );
}

#[test]
fn https_to_a_plain_port_hints_at_http() {
    let server = server(|_| Play::json(200, "{}"));
    let url = format!("https://127.0.0.1:{}", server.port());
    let run = run(&["-c", &url, "-f", "/dev/null"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(all.contains("plain HTTP"), "{all}");
    assert!(all.contains("http://"), "{all}");
    assert!(!all.contains("--truststore"), "{all}");
}

#[test]
fn a_200000_character_cache_name_is_refused_before_sending() {
    let server = server(|_| Play::json(200, "{}"));
    let name = "c".repeat(200_000);
    let run = batch(&server, &[], &format!("site status --cache={name}"));
    assert_eq!(run.code, 1, "{:.300}", run.stderr);
    let line = first_line(&run.stdout);
    assert!(line.contains("200000 bytes long"), "{line:.300}");
    assert!(line.len() < 300, "{}", line.len());
    assert_eq!(server.count("GET", "/caches/"), 0);
}
