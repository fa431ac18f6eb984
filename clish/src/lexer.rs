//! Splitting a line into words, and quoting words back, the way cli.sh's batch runner does.
//!
//! The batch runtime uses Aesh's `LineParser` without operators and without bracket grouping,
//! so `|`, `>`, `;`, `{`…`}` are ordinary characters. Only a space separates words (not a tab).
//! A backslash escapes a space or a quote outside quotes; before any other character it stays.
//! A closing quote always ends the word, and an empty pair of quotes yields no word at all.
//! `""` inside a double-quoted word starts Aesh's "ternary" quote mode, which [`quote_word`]
//! never produces.

/// The words of one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Lexed {
    /// The words, quotes and escapes removed.
    pub words: Vec<String>,
    /// The line ends inside a quote; Aesh keeps the partial word anyway.
    pub unclosed_quote: bool,
}

/// Splits `line` into words.
pub(crate) fn split_words(line: &str) -> Lexed {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut escape = false;
    let mut single = false;
    let mut double = false;
    let mut ternary = false;
    // The previous character; an escaped space counts as "not a space".
    let mut prev = '\0';
    for c in line.chars() {
        let mut seen = c;
        match c {
            ' ' => {
                if escape {
                    word.push(' ');
                    escape = false;
                    seen = '\0';
                } else if single || double {
                    word.push(' ');
                } else if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            '\\' => {
                if escape || ternary || double || single {
                    word.push('\\');
                    escape = false;
                } else {
                    escape = true;
                }
            }
            '\'' => {
                if (ternary || double || single) && prev == '\\' {
                    word.push('\'');
                } else if escape || ternary {
                    word.push('\'');
                    escape = false;
                } else if single {
                    if !word.is_empty() {
                        words.push(std::mem::take(&mut word));
                    }
                    single = false;
                } else if double {
                    word.push('\'');
                } else {
                    single = true;
                }
            }
            '"' => {
                if (ternary || double || single) && prev == '\\' {
                    word.push('"');
                } else if escape || (ternary && prev != '"') {
                    word.push('"');
                    escape = false;
                } else if double {
                    if !ternary && prev == '"' {
                        ternary = true;
                    } else if ternary && prev == '"' {
                        // The first quote of the closing pair was appended above.
                        if !word.is_empty() {
                            word.pop();
                            words.push(std::mem::take(&mut word));
                        }
                        double = false;
                        ternary = false;
                    } else {
                        if !word.is_empty() {
                            words.push(std::mem::take(&mut word));
                        }
                        double = false;
                    }
                } else if single {
                    word.push('"');
                } else {
                    double = true;
                }
            }
            _ => {
                if escape {
                    // An escape before an ordinary character is kept.
                    word.push('\\');
                    escape = false;
                }
                word.push(c);
            }
        }
        prev = seen;
    }
    if escape {
        word.push('\\');
    }
    if !word.is_empty() {
        words.push(word);
    }
    Lexed {
        words,
        unclosed_quote: single || double,
    }
}

/// Characters that need quoting or escaping in a word.
fn is_special(c: char) -> bool {
    matches!(c, ' ' | '\'' | '"' | '\\')
}

/// Writes `value` so that [`split_words`] reads it back as exactly one word.
///
/// Plain when possible, else in single quotes, else with backslash escapes. An empty value
/// cannot be written (Aesh drops empty words); it comes back as `''`, which reads as no word.
pub(crate) fn quote_word(value: &str) -> String {
    quote_with_prefix("", value)
}

/// Writes `prefix` (plain, e.g. `--cache=`) followed by `value`, as one word.
///
/// A quote may open in the middle of a word, so only the value is quoted:
/// `--cache='my cache'`.
pub(crate) fn quote_with_prefix(prefix: &str, value: &str) -> String {
    if value.is_empty() {
        return format!("{prefix}''");
    }
    if !value.chars().any(is_special) {
        return format!("{prefix}{value}");
    }
    // Inside single quotes only `'` (and `\'`) is special; a trailing backslash would
    // escape the closing quote.
    if !value.contains('\'') && !value.ends_with('\\') {
        return format!("{prefix}'{value}'");
    }
    let mut out = String::with_capacity(prefix.len() + value.len() * 2);
    out.push_str(prefix);
    for c in value.chars() {
        if is_special(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<String> {
        split_words(line).words
    }

    #[test]
    fn splits_on_spaces_only() {
        assert_eq!(
            words("  site  status\t--cache=a "),
            ["site", "status\t--cache=a"]
        );
        assert_eq!(words(""), Vec::<String>::new());
        assert_eq!(words("a | b > c"), ["a", "|", "b", ">", "c"]);
    }

    #[test]
    fn quotes_and_escapes() {
        assert_eq!(words("echo 'a b' \"c d\""), ["echo", "a b", "c d"]);
        assert_eq!(words("--cache='my cache'"), ["--cache=my cache"]);
        assert_eq!(words(r"a\ b c\'d \\ \x"), ["a b", "c'd", "\\", "\\x"]);
        assert_eq!(words("'ab'cd"), ["ab", "cd"]);
        assert_eq!(words("x '' y"), ["x", "y"]);
        assert_eq!(words(r#"'a"b' "a'b""#), ["a\"b", "a'b"]);
        assert_eq!(words(r"'a\'b'"), [r"a\'b"]);
        assert_eq!(words("trailing\\"), ["trailing\\"]);
    }

    #[test]
    fn unclosed_quote_keeps_the_word() {
        let lexed = split_words("echo 'open end");
        assert_eq!(lexed.words, ["echo", "open end"]);
        assert!(lexed.unclosed_quote);
    }

    #[test]
    fn quoting_round_trips() {
        for value in [
            "plain",
            "with space",
            "it's",
            "a\"b",
            "both ' and \"",
            "back\\slash",
            "ends\\",
            "'",
            "\"",
            "\\",
            " lead",
            "x'y z\\",
            "tab\there",
        ] {
            let quoted = quote_word(value);
            assert_eq!(words(&quoted), [value], "{value:?} quoted as {quoted:?}");
            let opt = quote_with_prefix("--cache=", value);
            assert_eq!(words(&opt), [format!("--cache={value}")], "{opt:?}");
        }
    }
}
