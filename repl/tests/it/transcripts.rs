//! Replays the real cli.sh transcripts (`docs/real-server/cli-samples`, recorded from
//! Infinispan 14.0.28 and 15.0.21) against the embedded grid and compares stdout byte for byte.
//!
//! The real cli.sh colours errors even when stdout is a pipe, and (before 16.0.9) goes on after
//! a failed command; `--color always --on-error IGNORE` asks xsite for exactly that.

use std::path::{Path, PathBuf};

use crate::binary::xsite;

fn samples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/real-server/cli-samples")
}

/// The stdout block of a transcript, with `cat -A`'s marks undone.
fn recorded_stdout(transcript: &str) -> String {
    let start = transcript
        .find("stdout through `cat -A`")
        .expect("a stdout section");
    let block = &transcript[start..];
    let open = block.find("```\n").expect("a code block") + 4;
    let close = block[open..].find("```").expect("the end of the block") + open;
    block[open..close]
        .lines()
        .map(|line| {
            let line = line.strip_suffix('$').unwrap_or(line);
            format!("{}\n", line.replace("^[", "\x1b"))
        })
        .collect()
}

fn replay(version: &str, sample: &str) {
    let dir = samples_dir();
    let transcript_path = dir.join(format!("{version}-{sample}.md"));
    // A missing transcript is a failure: the test would otherwise pass without comparing anything.
    let transcript = std::fs::read_to_string(&transcript_path)
        .unwrap_or_else(|e| panic!("transcript {}: {e}", transcript_path.display()));
    let script = dir.join(format!("{sample}.cli"));
    let script = std::path::absolute(&script).unwrap();
    let expected = recorded_stdout(&transcript).replace(
        "/work/main/docs/real-server/cli-samples/",
        &format!("{}/", script.parent().unwrap().display()),
    );
    let output = xsite(
        &[
            "--demo",
            "--color",
            "always",
            "--on-error",
            "IGNORE",
            "-f",
            &script.display().to_string(),
        ],
        None,
    );
    let actual = String::from_utf8_lossy(&output.stdout);
    assert_eq!(actual, expected, "{version} {sample}");
}

#[test]
fn site_status_matches_the_real_cli() {
    replay("14.0.28.Final", "01-site-status");
}

#[test]
fn the_runbook_procedure_matches_the_real_cli() {
    replay("14.0.28.Final", "02-procedure");
}

#[test]
fn errors_match_the_real_cli() {
    replay("14.0.28.Final", "03-errors");
}

#[test]
fn unknown_commands_match_the_real_cli() {
    replay("14.0.28.Final", "05-unknown-command");
}
