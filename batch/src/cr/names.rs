//! Kubernetes name rules, and unique Batch names.

use std::time::{SystemTime, UNIX_EPOCH};

/// The longest DNS-1123 label (and label value).
pub const MAX_LABEL: usize = 63;
/// The longest DNS-1123 subdomain.
pub const MAX_SUBDOMAIN: usize = 253;

/// Why a name is not a DNS-1123 label, or `None` if it is one.
///
/// A Batch's name must be one: it also names the Job, the inline ConfigMap, the pod label
/// `infinispan_batch`, and (before operator 2.4.11) the container.
pub fn dns1123_label_error(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("must not be empty".to_owned());
    }
    if name.len() > MAX_LABEL {
        return Some(format!(
            "must be no more than {MAX_LABEL} characters (has {})",
            name.len()
        ));
    }
    let valid_chars = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    let alnum_ends =
        |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !valid_chars || !alnum_ends(name.chars().next()) || !alnum_ends(name.chars().last()) {
        return Some(
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must \
             start and end with an alphanumeric character"
                .to_owned(),
        );
    }
    None
}

/// Why a name is not a DNS-1123 subdomain (dot-separated labels, at most 253 characters).
pub fn dns1123_subdomain_error(name: &str) -> Option<String> {
    if name.len() > MAX_SUBDOMAIN {
        return Some(format!("must be no more than {MAX_SUBDOMAIN} characters"));
    }
    if name
        .split('.')
        .any(|part| dns1123_label_error(part).is_some())
    {
        return Some(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and \
             must start and end with an alphanumeric character"
                .to_owned(),
        );
    }
    None
}

/// Why a label key is invalid (`[prefix/]name`: a DNS subdomain prefix, a name of at most 63
/// alphanumerics, `-`, `_`, `.`, starting and ending alphanumeric).
pub fn label_key_error(key: &str) -> Option<String> {
    let (prefix, name) = match key.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    if let Some(prefix) = prefix
        && let Some(e) = dns1123_subdomain_error(prefix)
    {
        return Some(format!("prefix part {e}"));
    }
    label_value_error(name)
        .or_else(|| {
            name.is_empty()
                .then(|| "name part must be non-empty".to_owned())
        })
        .map(|e| format!("name part {e}"))
}

/// Why a label value is invalid (empty, or at most 63 alphanumerics, `-`, `_`, `.`, starting
/// and ending alphanumeric).
pub fn label_value_error(value: &str) -> Option<String> {
    if value.is_empty() {
        return None;
    }
    if value.len() > MAX_LABEL {
        return Some(format!("must be no more than {MAX_LABEL} characters"));
    }
    let ok_chars = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if !ok_chars || !alnum(value.chars().next()) || !alnum(value.chars().last()) {
        return Some(
            "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an \
             alphanumeric character"
                .to_owned(),
        );
    }
    None
}

/// Lowercases `text` and keeps it to `a-z0-9-`, for use inside a name or label value.
pub fn sanitize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_owned()
}

/// `YYYYMMDD-HHMMSS` in UTC.
pub(crate) fn utc_stamp(time: SystemTime) -> String {
    let secs = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}{m:02}{d:02}-{:02}{:02}{:02}",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Four base-36 characters from a random number.
pub(crate) fn suffix(random: u32) -> String {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut n = random;
    (0..4)
        .map(|_| {
            let c = ALPHABET[(n % 36) as usize] as char;
            n /= 36;
            c
        })
        .collect()
}

/// `<prefix>-<YYYYMMDD>-<HHMMSS>-<4 random>`, the prefix cut so that the whole fits a label.
pub(crate) fn unique_name(prefix: &str, time: SystemTime, random: u32) -> String {
    let tail = format!("{}-{}", utc_stamp(time), suffix(random));
    let room = MAX_LABEL - tail.len() - 1;
    let mut prefix = sanitize(prefix);
    prefix.truncate(room);
    let prefix = prefix.trim_end_matches('-');
    if prefix.is_empty() {
        format!("xsite-{tail}")
    } else {
        format!("{prefix}-{tail}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn labels_and_subdomains() {
        assert_eq!(dns1123_label_error("take-offline-1"), None);
        assert!(dns1123_label_error("Take").is_some());
        assert!(dns1123_label_error("-a").is_some());
        assert!(dns1123_label_error("a-").is_some());
        assert!(dns1123_label_error("a.b").is_some());
        assert!(dns1123_label_error(&"a".repeat(64)).is_some());
        assert!(dns1123_label_error("").is_some());
        assert_eq!(dns1123_subdomain_error("a.b-c"), None);
        assert!(dns1123_subdomain_error("a..b").is_some());
        assert_eq!(label_key_error("app.kubernetes.io/managed-by"), None);
        assert_eq!(label_key_error("xsite/step"), None);
        assert!(label_key_error("bad key").is_some());
        assert!(label_key_error("Bad_/x").is_some());
        assert_eq!(label_value_error("Site_A.1"), None);
        assert!(label_value_error("-x").is_some());
    }

    #[test]
    fn unique_names() {
        let t = UNIX_EPOCH + Duration::from_secs(1_788_264_000); // 2026-09-01T12:00:00Z
        assert_eq!(utc_stamp(t), "20260901-120000");
        assert_eq!(utc_stamp(UNIX_EPOCH), "19700101-000000");
        assert_eq!(
            unique_name("Take Offline: site-a", t, 0),
            "take-offline-site-a-20260901-120000-0000"
        );
        let long = unique_name(&"x".repeat(100), t, 35 + 36 * 10);
        assert_eq!(long.len(), MAX_LABEL);
        assert!(long.ends_with("-za00"));
        assert_eq!(dns1123_label_error(&long), None);
        assert_eq!(unique_name("!!!", t, 1), "xsite-20260901-120000-1000");
    }
}
