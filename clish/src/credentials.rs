//! The one reader of passwords in cli.sh lines and connection strings, and the one redaction.
//!
//! - [`split_url_password`]: `http://user:password@host` → (`http://user@host`, `password`).
//!   Every caller that takes a password out of a URL (the `connect` parser, `xsite -c`,
//!   `--site-url`, the profiles) goes through it.
//! - [`redact_url`]: the same URL with [`SECRET_PLACEHOLDER`] where the password was.
//! - [`redact_line`]: a whole line, read by the one lexer ([`split_words`]): the values of
//!   `connect`'s password options and every URL password are masked, whatever the quoting and
//!   the spacing, because the words are the ones the parser sees, never a re-split of the text.
//!
//! The user-info of a URL ends at its **last** `@`: a password holding `/`, `?`, `#` or `@`
//! unencoded is still a password (masked whole), rather than a host that leaks it.

use secrecy::{ExposeSecret, SecretString};

use super::command::SECRET_PLACEHOLDER;
use super::lexer::{quote_word, split_words};
use super::spec;

/// The long names of `connect`'s options whose value is a secret.
const SECRET_OPTIONS: [&str; 3] = ["password", "truststore-password", "keystore-password"];

/// Where the password of the first `scheme://user:password@` in `text` is, as a byte range
/// (possibly empty: `http://user:@host`). Anything before the scheme (`site-a=`) is allowed.
fn password_span(text: &str) -> Option<std::ops::Range<usize>> {
    let start = text.find("://")? + 3;
    let at = start + text[start..].rfind('@')?;
    let colon = start + text[start..at].find(':')?;
    Some(colon + 1..at)
}

/// Splits a password out of a URL's user-info: `http://u:p@h` gives (`http://u@h`, `p`), kept
/// as written (not percent-decoded). A URL without a password comes back unchanged, with `None`.
pub fn split_url_password(url: &str) -> (String, Option<SecretString>) {
    match password_span(url) {
        Some(span) => {
            let password = SecretString::from(&url[span.clone()]);
            // The `:` before the password goes too.
            let stripped = format!("{}{}", &url[..span.start - 1], &url[span.end..]);
            (stripped, Some(password))
        }
        None => (url.to_owned(), None),
    }
}

/// Whether `text` holds a URL with a (non-empty) password.
pub fn url_has_password(text: &str) -> bool {
    password_span(text).is_some_and(|span| !span.is_empty())
}

/// `scheme://user:password@host` → `scheme://user:********@host`; anything before the scheme
/// (`site-a=`) is kept. Text without a URL password comes back unchanged.
pub fn redact_url(text: &str) -> String {
    match password_span(text) {
        Some(span) if !span.is_empty() => format!(
            "{}{SECRET_PLACEHOLDER}{}",
            &text[..span.start],
            &text[span.end..]
        ),
        _ => text.to_owned(),
    }
}

/// A URL whose password was split out ([`split_url_password`]) written back with
/// [`SECRET_PLACEHOLDER`] in its place: `http://u@h` → `http://u:********@h`.
pub fn url_with_placeholder(stripped: &str) -> String {
    let Some(start) = stripped.find("://").map(|i| i + 3) else {
        return stripped.to_owned();
    };
    match stripped[start..].rfind('@') {
        Some(at) => {
            let at = start + at;
            format!(
                "{}:{SECRET_PLACEHOLDER}{}",
                &stripped[..at],
                &stripped[at..]
            )
        }
        None => stripped.to_owned(),
    }
}

/// A line with its secrets masked, and the secrets themselves, to scrub messages about it.
///
/// `Debug` shows the masked text only.
#[derive(Clone)]
pub struct Redacted {
    text: String,
    secrets: Vec<SecretString>,
}

impl std::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redacted")
            .field("text", &self.text)
            .field("secrets", &self.secrets.len())
            .finish()
    }
}

impl Redacted {
    /// The line to show or keep: the original line when it holds no secret, else its words
    /// written back (quoted as needed) with [`SECRET_PLACEHOLDER`] for each secret.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The masked line, owned.
    pub fn into_text(self) -> String {
        self.text
    }

    /// Whether the line held a secret.
    pub fn has_secrets(&self) -> bool {
        !self.secrets.is_empty()
    }

    /// `message` with every secret of the line replaced by [`SECRET_PLACEHOLDER`]: for error
    /// messages that quote a word of the line (`Unknown option: --pasword=…`).
    pub fn scrub(&self, message: &str) -> String {
        let mut secrets: Vec<&str> = self
            .secrets
            .iter()
            .map(|s| s.expose_secret())
            .filter(|s| !s.is_empty())
            .collect();
        // Longest first, so that a secret holding another is masked whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        let mut out = message.to_owned();
        for secret in secrets {
            out = out.replace(secret, SECRET_PLACEHOLDER);
        }
        out
    }
}

/// What becomes of one word.
enum Word {
    Keep,
    /// The whole word is a secret.
    Secret,
    /// The word's first `n` bytes are an option (`--password=`, `-p`), the rest a secret.
    SecretAfter(usize),
}

/// The line with every secret masked: see the module documentation.
pub fn redact_line(line: &str) -> Redacted {
    let words = split_words(line).words;
    let mut plan: Vec<Word> = words.iter().map(|_| Word::Keep).collect();
    if words.first().map(String::as_str) == Some(spec::CONNECT.name) {
        plan_connect(&words, &mut plan);
    }
    let mut secrets = Vec::new();
    let mut out = Vec::with_capacity(words.len());
    for (word, what) in words.iter().zip(&plan) {
        match what {
            Word::Secret => {
                secrets.push(SecretString::from(word.as_str()));
                out.push(SECRET_PLACEHOLDER.to_owned());
            }
            Word::SecretAfter(n) => {
                secrets.push(SecretString::from(&word[*n..]));
                out.push(format!("{}{SECRET_PLACEHOLDER}", quote_word(&word[..*n])));
            }
            Word::Keep => match password_span(word) {
                Some(span) if !span.is_empty() => {
                    secrets.push(SecretString::from(&word[span]));
                    out.push(quote_word(&redact_url(word)));
                }
                _ => out.push(quote_word(word)),
            },
        }
    }
    if secrets.is_empty() {
        return Redacted {
            text: line.to_owned(),
            secrets,
        };
    }
    Redacted {
        text: out.join(" "),
        secrets,
    }
}

/// Marks the secrets of a `connect` line, reading the options as the option parser does
/// (`spec::parse_options`), but erring towards masking: the word after a password option is
/// masked whatever it looks like, and so is the value of an option the parser does not know
/// (it may be a misspelt `--password`).
fn plan_connect(words: &[String], plan: &mut [Word]) {
    let spec = &spec::CONNECT;
    let is_secret = |long: &str| SECRET_OPTIONS.contains(&long);
    let secret_shorts: Vec<char> = spec
        .options
        .iter()
        .filter(|o| is_secret(o.long))
        .filter_map(|o| o.short)
        .collect();
    let mut i = 1;
    while i < words.len() {
        let word = &words[i];
        i += 1;
        if word == "--" {
            // Only positional words follow; their URLs are masked like any word.
            return;
        }
        if !word.starts_with('-') {
            continue;
        }
        let mask_next = |plan: &mut [Word], i: &mut usize| {
            if *i < words.len() {
                plan[*i] = Word::Secret;
                *i += 1;
            }
        };
        let Some(found) = spec::search_option(spec, word) else {
            // An unknown option: mask its value, inline or next.
            match word.find('=') {
                Some(eq) => plan[i - 1] = Word::SecretAfter(eq + 1),
                None => {
                    if i < words.len() && !words[i].starts_with('-') {
                        mask_next(plan, &mut i);
                    }
                }
            }
            continue;
        };
        let option = &spec.options[found.index];
        let secret = is_secret(option.long);
        if found.long_used {
            if word.len() - 2 != option.long.len() {
                // `--name=value`, or `--namesuffix=value`.
                if secret && let Some(eq) = word.find('=') {
                    plan[i - 1] = Word::SecretAfter(eq + 1);
                }
            } else if secret {
                mask_next(plan, &mut i);
            }
            continue;
        }
        // A short option: `-p`, `-p=value`, `-pvalue`, or grouped flags (`-hp`).
        let first = word.chars().nth(1).map_or(1, char::len_utf8) + 1;
        let rest = word.get(first..).unwrap_or_default();
        if rest.is_empty() {
            if secret {
                mask_next(plan, &mut i);
            }
        } else if let Some(eq) = rest.find('=') {
            if secret {
                plan[i - 1] = Word::SecretAfter(first + eq + 1);
            }
        } else if option.takes_value {
            if secret {
                plan[i - 1] = Word::SecretAfter(first);
            }
        } else if rest.chars().any(|c| secret_shorts.contains(&c)) {
            // Aesh refuses a grouped option that takes a value; the next word was meant as it.
            mask_next(plan, &mut i);
        }
    }
}

/// Whether a line holds a secret, i.e. whether [`redact_line`] changes it.
pub fn has_secret(line: &str) -> bool {
    redact_line(line).has_secrets()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(line: &str) -> String {
        redact_line(line).into_text()
    }

    #[test]
    fn every_way_of_writing_a_password_is_masked() {
        for (line, shown) in [
            (
                "connect -u developer -p SECRET h:1",
                "connect -u developer -p ******** h:1",
            ),
            (
                "connect -u developer -pSECRET h:1",
                "connect -u developer -p******** h:1",
            ),
            ("connect -p  SECRET h:1", "connect -p ******** h:1"),
            ("connect '-p' SECRET h:1", "connect -p ******** h:1"),
            ("connect -p \"SEC RET\" h:1", "connect -p ******** h:1"),
            ("connect -p 'SEC RET", "connect -p ********"),
            ("connect -p=SECRET", "connect -p=********"),
            ("connect --password=SECRET", "connect --password=********"),
            (
                "connect --password='SEC RET' h:1",
                "connect --password=******** h:1",
            ),
            ("connect --password SECRET", "connect --password ********"),
            ("connect --passwordx=SECRET", "connect --passwordx=********"),
            (
                "connect -s SECRET -w SECRET",
                "connect -s ******** -w ********",
            ),
            (
                "connect --truststore-password SECRET --keystore-password=SECRET",
                "connect --truststore-password ******** --keystore-password=********",
            ),
            ("connect -hp SECRET", "connect -hp ********"),
            (
                "connect --pasword=SECRET h:1",
                "connect --pasword=******** h:1",
            ),
            ("connect --pasword SECRET", "connect --pasword ********"),
            ("connect -p -SECRET", "connect -p ********"),
            (
                "connect http://dev:SECRET@h:1/rest",
                "connect http://dev:********@h:1/rest",
            ),
            (
                "connect 'http://dev:SEC RET@h:1'",
                "connect http://dev:********@h:1",
            ),
            (
                "connect http://dev:SE/CR#ET@h:1",
                "connect http://dev:********@h:1",
            ),
            (
                "runbook status --site-url site-a=http://dev:SECRET@h:99999",
                "runbook status --site-url site-a=http://dev:********@h:99999",
            ),
            (
                "runbook status --site-url=site-a=http://dev:SECRET@h:1",
                "runbook status --site-url=site-a=http://dev:********@h:1",
            ),
        ] {
            let redacted = redact_line(line);
            assert_eq!(redacted.text(), shown, "{line}");
            assert!(redacted.has_secrets(), "{line}");
            assert!(!redacted.text().contains("SEC"), "{line}");
        }
    }

    #[test]
    fn lines_without_secrets_are_kept_as_written() {
        for line in [
            "site status -s site-b -c work",
            "site take-offline --all-caches --site=site-a",
            "connect -u developer  http://dev@h:1",
            "connect http://dev:@h:1",
            "echo 'a  b'",
            "",
            "   ",
        ] {
            assert_eq!(r(line), line);
            assert!(!has_secret(line));
        }
    }

    #[test]
    fn masked_lines_parse_back_to_the_placeholder() {
        let line = r("connect -u dev -p \"SEC RET\" http://u:X@h:1");
        let Ok(Some(super::super::Command::Connect(c))) = super::super::parse_line(&line) else {
            panic!("{line} parses as connect");
        };
        assert!(c.has_placeholder_secret());
        assert_eq!(c.url.as_deref(), Some("http://u@h:1"));
    }

    #[test]
    fn messages_are_scrubbed() {
        let redacted = redact_line("connect --pasword=SECRET h:1");
        assert_eq!(
            redacted.scrub("Unknown option: --pasword=SECRET"),
            "Unknown option: --pasword=********"
        );
    }

    #[test]
    fn url_passwords_split_and_mask() {
        let (url, password) = split_url_password("http://admin:s3cr%40t@host:11222/rest?x");
        assert_eq!(url, "http://admin@host:11222/rest?x");
        assert_eq!(password.unwrap().expose_secret(), "s3cr%40t");
        assert_eq!(
            url_with_placeholder(&url),
            "http://admin:********@host:11222/rest?x"
        );
        assert!(split_url_password("http://admin@h:1").1.is_none());
        assert_eq!(split_url_password("h:11222").0, "h:11222");
        let (url, password) = split_url_password("http://u:p/a?s#s@h:1");
        assert_eq!(url, "http://u@h:1");
        assert_eq!(password.unwrap().expose_secret(), "p/a?s#s");
        assert_eq!(redact_url("x=https://u:p@h"), "x=https://u:********@h");
        assert!(url_has_password("https://u:p@h"));
        assert!(!url_has_password("https://u:@h"));
    }
}
