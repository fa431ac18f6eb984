//! `xsite completions SHELL` and `xsite man`: generated from the binary's clap definition.

use crate::binary::xsite;

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let output = xsite(args, None);
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn completion_scripts_name_the_real_options_and_commands() {
    for (shell, marker) in [
        ("bash", "complete -F _xsite"),
        ("zsh", "#compdef xsite"),
        ("fish", "complete -c xsite"),
    ] {
        let (code, stdout, stderr) = run(&["completions", shell]);
        assert_eq!(code, Some(0), "{shell}: {stderr}");
        assert!(
            stdout.contains(marker),
            "{shell}: no {marker:?} in {stdout}"
        );
        // Options of the binary, its own commands, and a runbook workflow's option.
        for word in [
            "site-url",
            "on-error",
            "runbook",
            "batch-cr",
            "step-deadline",
        ] {
            assert!(stdout.contains(word), "{shell}: no {word}");
        }
        assert_eq!(stderr, "", "{shell}");
    }
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let (code, stdout, stderr) = run(&["completions", "tcsh"]);
    assert_eq!(code, Some(2));
    assert_eq!(stdout, "");
    assert!(stderr.contains("invalid value 'tcsh'"), "{stderr}");
    assert!(stderr.contains("bash"), "{stderr}");
    let (code, _, stderr) = run(&["completions"]);
    assert_eq!(code, Some(2), "{stderr}");
}

#[test]
fn the_man_page_is_roff_and_names_the_options() {
    let (code, stdout, stderr) = run(&["man"]);
    assert_eq!(code, Some(0), "{stderr}");
    let header = stdout
        .lines()
        .position(|l| l.starts_with(".TH xsite 1"))
        .unwrap_or_else(|| panic!("no .TH header: {stdout}"));
    let name = stdout
        .lines()
        .position(|l| l == ".SH NAME")
        .unwrap_or_else(|| panic!("no NAME section: {stdout}"));
    assert!(header < name, "{stdout}");
    // roff escapes the dashes of option names.
    for option in [r"\-\-site\-url", r"\-\-on\-error", r"\-\-output", "runbook"] {
        assert!(stdout.contains(option), "no {option} in {stdout}");
    }
}

#[test]
fn the_pages_the_man_page_names_exist() {
    let (_, main, _) = run(&["man"]);
    assert!(main.contains(r"xsite\-runbook(1)"), "{main}");
    let (code, page, stderr) = run(&["man", "runbook", "resync"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(page.contains("\n.TH xsite-runbook-resync 1 "), "{page}");
    for option in [r"\-\-from", r"\-\-to", r"\-\-step\-deadline"] {
        assert!(page.contains(option), "no {option} in {page}");
    }
    let (code, stdout, stderr) = run(&["man", "runbook", "nope"]);
    assert_eq!(code, Some(2));
    assert_eq!(stdout, "");
    assert!(
        stderr.contains("no man page for 'runbook nope'"),
        "{stderr}"
    );
}
