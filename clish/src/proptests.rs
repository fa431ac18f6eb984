//! Property tests of the lexer, the parser and the redaction (bounded case counts, so that they
//! run in `cargo test`; the fuzz targets in `batch/fuzz` push the same entry points further).

use proptest::prelude::*;
use secrecy::ExposeSecret;

use super::lexer::{quote_word, split_words};
use super::{Command, SECRET_PLACEHOLDER, parse_line, parse_script, redact_line};

/// Cases per property: enough to find the spacing and quoting bugs, small enough for CI.
const CASES: u32 = 2_000;

/// Any text a line can hold: the characters the lexer and the option parser treat specially,
/// ordinary ones, and some beyond ASCII.
fn line_text() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        " ",
        "  ",
        "\t",
        "'",
        "\"",
        "\\",
        "=",
        "-",
        "--",
        "-p",
        "--password",
        "-s",
        "-w",
        "-hp",
        "://",
        "@",
        ":",
        "/",
        "connect",
        "site",
        "${x}",
        "#",
        "é",
        "🔑",
        "a",
        "SECRET",
        "http",
    ]);
    prop::collection::vec(
        prop_oneof![pieces.prop_map(str::to_owned), "[ -~]{0,4}"],
        0..24,
    )
    .prop_map(|parts| parts.concat())
}

/// A password: anything but a line break (a line cannot hold one), possibly with spaces,
/// quotes, backslashes, `@`, `/`, `:` and non-ASCII letters.
fn password() -> impl Strategy<Value = String> {
    "[^\r\n]{1,16}"
}

/// The ways `connect` takes a password, with `{}` for the quoted password.
const FORMS: [&str; 9] = [
    "-p{sp}{pw}",
    "-p{pw}",
    "-p={pw}",
    "--password{sp}{pw}",
    "--password={pw}",
    "'-p'{sp}{pw}",
    "\"--password\"{sp}{pw}",
    "-s{sp}{pw}",
    "--keystore-password={pw}",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, failure_persistence: None, ..ProptestConfig::default() })]

    /// No input makes the lexer, the parser, the script reader or the redaction panic.
    #[test]
    fn nothing_panics(line in line_text()) {
        let _ = split_words(&line);
        let _ = parse_line(&line);
        let redacted = redact_line(&line);
        let _ = redacted.scrub(&line);
        let _ = parse_script("p.cli", &format!("{line}\n{line}"), &super::NoVars);
    }

    /// A quoted word always reads back as itself.
    #[test]
    fn quoting_round_trips(word in "[^\r\n]{1,24}") {
        prop_assert_eq!(split_words(&quote_word(&word)).words, vec![word]);
    }

    /// Whatever the password, the option form and the spacing, the redacted line holds the
    /// placeholder where the parser reads the password, and never the password itself.
    #[test]
    fn option_passwords_never_survive_redaction(
        pw in password(),
        form in prop::sample::select(FORMS.to_vec()),
        spaces in 1usize..4,
        before in prop::bool::ANY,
    ) {
        let build = |value: &str| {
            let option = form.replace("{sp}", &" ".repeat(spaces)).replace("{pw}", value);
            if before {
                format!("connect{0}-u{0}developer{0}{option}{0}h:1", " ".repeat(spaces))
            } else {
                format!("connect h:1 {option}")
            }
        };
        let line = build(&quote_word(&pw));
        // What the line is made of besides the password, as the redaction writes it.
        let template = build(SECRET_PLACEHOLDER);
        // The line reads as intended: the parser sees this password.
        let Ok(Some(Command::Connect(parsed))) = parse_line(&line) else {
            return Err(TestCaseError::reject("not a connect line"));
        };
        let secret = parsed.password.as_ref()
            .or(parsed.truststore_password.as_ref())
            .or(parsed.keystore_password.as_ref());
        prop_assume!(secret.is_some_and(|s| s.expose_secret() == pw));
        let redacted = redact_line(&line);
        let Ok(Some(Command::Connect(again))) = parse_line(redacted.text()) else {
            return Err(TestCaseError::fail(format!("{:?} does not parse back", redacted.text())));
        };
        prop_assert!(again.has_placeholder_secret(), "{:?}", redacted.text());
        // The text holds the password only where the fixed words already do.
        if !template.contains(&pw) {
            prop_assert!(!redacted.text().contains(&pw), "{:?} kept in {:?}", pw, redacted.text());
            let message = format!("x {pw} y");
            prop_assert!(!redacted.scrub(&message).contains(&pw));
        }
    }

    /// The same for a password in a connection string, in `connect` and in `--site-url`.
    #[test]
    fn url_passwords_never_survive_redaction(
        pw in "[^\r\n@]{1,16}",
        runbook in prop::bool::ANY,
    ) {
        let build = |value: &str| {
            let url = format!("http://developer:{value}@h:11222");
            if runbook {
                format!("runbook status --site-url {}", quote_word(&format!("site-a={url}")))
            } else {
                format!("connect {}", quote_word(&url))
            }
        };
        let line = build(&pw);
        let template = build(SECRET_PLACEHOLDER);
        let redacted = redact_line(&line);
        prop_assert!(redacted.has_secrets());
        if !template.contains(&pw) {
            prop_assert!(!redacted.text().contains(&pw), "{:?} kept in {:?}", pw, redacted.text());
        }
        let masked = format!("developer:{SECRET_PLACEHOLDER}@h:11222");
        prop_assert!(redacted.text().contains(&masked), "{:?}", redacted.text());
    }
}
