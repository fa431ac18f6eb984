//! Any bytes as a line, and as a script: the parser and the script reader never panic, and a
//! line that parses renders to text that parses again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use xsite_clish::{NoVars, parse_line, parse_script};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = parse_script("fuzz.cli", text, &NoVars);
    for line in text.lines() {
        if let Ok(Some(command)) = parse_line(line) {
            let rendered = command.render();
            assert!(
                parse_line(&rendered).is_ok(),
                "{line:?} renders as {rendered:?}, which does not parse"
            );
        }
    }
});
