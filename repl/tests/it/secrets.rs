//! No password in output, reports, history or Debug.

use xsite_repl::history;

use crate::binary::{Scratch, xsite};
use crate::common::Harness;

const PASSWORD: &str = "strong-password";

#[test]
fn no_password_in_batch_output_or_reports() {
    // The connect line holds the password; the next line fails, and the report echoes lines.
    let script = "connect -u developer -p strong-password ${ADDR}\nsite status --cache=nope\n";
    let grid = xsite_repl::demo::DemoGrid::start().unwrap();
    let addr = grid.site_a_url().trim_start_matches("http://").to_owned();
    let file = Scratch::new("secret.cli", script);
    let output = xsite(&["-D", &format!("ADDR={addr}"), "-f", &file.path()], None);
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(output.status.code(), Some(1), "{all}");
    assert!(!all.contains(PASSWORD), "{all}");

    // A connect line that fails is reported redacted.
    let file = Scratch::new(
        "secret-fail.cli",
        "connect -u developer -p strong-password 127.0.0.1:1\n",
    );
    let output = xsite(&["-f", &file.path()], None);
    let out = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(out.contains("-p ********"), "{out}");
    assert!(!out.contains(PASSWORD), "{out}");
}

#[test]
fn no_password_in_json_output_or_debug() {
    let mut h = Harness::connected();
    let url = h.grid.connect_url(h.grid.site_b_url());
    let (out, err) = h.run(&format!("connect {url}"));
    assert!(!out.contains(PASSWORD) && !err.contains(PASSWORD));
    let debug = format!("{:?}", h.exec);
    assert!(!debug.contains(PASSWORD), "{debug}");
}

#[test]
fn history_lines_are_redacted() {
    for line in [
        "connect -u developer -p strong-password localhost:11222",
        "connect --password=strong-password localhost:11222",
        "connect http://developer:strong-password@localhost:11222",
        "connect localhost:11222 -s strong-password -w strong-password",
    ] {
        let kept = history::redact(line);
        assert!(!kept.contains(PASSWORD), "{kept}");
        assert!(kept.contains(history::REDACTED), "{kept}");
    }
}
