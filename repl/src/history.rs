//! Keeping secrets out of the history file and out of reports.
//!
//! A line with a password (`-p`/`--password`, `-s`/`--truststore-password`,
//! `-w`/`--keystore-password`, or a URL with `user:password@`) is redacted before it is saved
//! or echoed: the secret is replaced with `********`. The redaction is the shared model's
//! (`xsite_clish::redact_line`); this module only re-exports it. A line recalled from
//! the history holds `********` instead of its password: `connect` asks for the password again
//! rather than sending the mask.

use std::path::PathBuf;

pub use xsite_clish::{SECRET_PLACEHOLDER as REDACTED, has_secret, redact_line, redact_url};

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

/// The line with every secret replaced by [`REDACTED`], by the shared model's one redaction
/// ([`redact_line`]), which reads the line with the parser's own lexer.
pub fn redact(line: &str) -> String {
    redact_line(line).into_text()
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
