//! Keeping secrets out of the history file and out of reports.
//!
//! A line with a password (`-p`/`--password`, `-s`/`--truststore-password`,
//! `-w`/`--keystore-password`, or a URL with `user:password@`) is redacted before it is saved
//! or echoed: the secret is replaced with `********`.

use std::path::PathBuf;

/// What replaces a secret.
pub const REDACTED: &str = "********";

/// The options whose value is a secret.
const SECRET_OPTIONS: [&str; 6] = [
    "-p",
    "--password",
    "-s",
    "--truststore-password",
    "-w",
    "--keystore-password",
];

/// The default history file: `$XDG_DATA_HOME/xsite/history`, else
/// `~/.local/share/xsite/history`.
pub fn default_path() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join("xsite").join("history"));
    }
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty())?;
    Some(
        PathBuf::from(home)
            .join(".local")
            .join("share")
            .join("xsite")
            .join("history"),
    )
}

/// The line with every secret replaced by [`REDACTED`]. Only `connect` lines can hold secrets
/// (the `site` command's `-s` is a site name, not a password).
pub fn redact(line: &str) -> String {
    let trimmed = line.trim_start();
    if !trimmed.starts_with("connect") {
        // `runbook … --site-url site-a=https://user:password@host` and the like.
        if line.contains("://") && line.contains('@') {
            return line
                .split(' ')
                .map(redact_url)
                .collect::<Vec<_>>()
                .join(" ");
        }
        return line.to_owned();
    }
    let mut out = Vec::new();
    let mut words = line.split(' ').peekable();
    while let Some(word) = words.next() {
        if SECRET_OPTIONS.contains(&word) {
            out.push(word.to_owned());
            if let Some(value) = words.next() {
                out.push(if value.is_empty() {
                    value.to_owned()
                } else {
                    REDACTED.to_owned()
                });
            }
            continue;
        }
        if let Some((name, _)) = word.split_once('=')
            && SECRET_OPTIONS.contains(&name)
        {
            out.push(format!("{name}={REDACTED}"));
            continue;
        }
        out.push(redact_url(word));
    }
    out.join(" ")
}

/// Whether a line holds a secret (so that [`redact`] changes it).
pub fn has_secret(line: &str) -> bool {
    redact(line) != line
}

/// `scheme://user:password@host` → `scheme://user:********@host` (anything before the scheme,
/// such as `site-a=`, is kept).
pub fn redact_url(word: &str) -> String {
    let Some(scheme_end) = word.find("://") else {
        return word.to_owned();
    };
    let start = scheme_end + 3;
    let rest = &word[start..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return word.to_owned();
    };
    let Some(colon) = rest[..at].find(':') else {
        return word.to_owned();
    };
    format!(
        "{}{}:{REDACTED}{}",
        &word[..start],
        &rest[..colon],
        &rest[at..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact("connect -u admin -p s3cret localhost:11222"),
            "connect -u admin -p ******** localhost:11222"
        );
        assert_eq!(
            redact("connect --password=s3cret --truststore-password x"),
            "connect --password=******** --truststore-password ********"
        );
        assert_eq!(
            redact("connect http://admin:s3cret@h:11222/rest"),
            "connect http://admin:********@h:11222/rest"
        );
        assert_eq!(
            redact("runbook status --site-url site-a=http://admin:s3cret@h:11222"),
            "runbook status --site-url site-a=http://admin:********@h:11222"
        );
        assert_eq!(
            redact("connect http://admin@h:11222"),
            "connect http://admin@h:11222"
        );
    }

    #[test]
    fn other_lines_are_kept() {
        assert_eq!(
            redact("site status -s site-b -c work"),
            "site status -s site-b -c work"
        );
        assert!(!has_secret("site take-offline --all-caches --site=site-a"));
        assert!(has_secret("connect -p x"));
    }
}
