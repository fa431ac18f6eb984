//! A `connect` line built from fuzzed words around a fuzzed password: the redaction never
//! panics, and never keeps the password where the parser reads one.
#![no_main]

use libfuzzer_sys::fuzz_target;
use secrecy::ExposeSecret;
use xsite_clish::{Command, parse_line, redact_line};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Any line: no panic, and a scrubbed copy of the line is as safe as the redacted one.
    let redacted = redact_line(text);
    let _ = redacted.scrub(text);
    // Where the parser reads a password, the redacted line must read the placeholder.
    if let Ok(Some(Command::Connect(connect))) = parse_line(text) {
        let secrets = [
            &connect.password,
            &connect.url_password,
            &connect.truststore_password,
            &connect.keystore_password,
        ];
        if secrets.iter().any(|s| s.as_ref().is_some_and(|s| !s.expose_secret().is_empty())) {
            assert!(redacted.has_secrets(), "{text:?} holds a password, not found");
            if let Ok(Some(Command::Connect(again))) = parse_line(redacted.text()) {
                let kept = [
                    &again.password,
                    &again.url_password,
                    &again.truststore_password,
                    &again.keystore_password,
                ];
                for (before, after) in secrets.iter().zip(kept) {
                    if let (Some(before), Some(after)) = (before, after) {
                        let (b, a) = (before.expose_secret(), after.expose_secret());
                        assert!(b.is_empty() || a != b || a == "********", "{text:?} kept {b:?}");
                    }
                }
            }
        }
    }
});
