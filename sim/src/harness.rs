//! The facts of the two-site test harness (sites, ports, users, caches), read at compile time from
//! `scripts/harness.env`, the file `scripts/grid` sources to build a real grid.
//!
//! A key the simulator reads but the file lacks, or a value of the wrong shape, is a compile error; the
//! tests below check that every key of the file is read both here and by `scripts/grid`, and that bash
//! reads every value the way the simulator does.

/// The harness file, as `scripts/grid` sources it.
const FILE: &str = include_str!("../../scripts/harness.env");

/// Name of the first site; also its JGroups cluster name.
pub const SITE_A: &str = value("SITE_A");
/// Name of the second site.
pub const SITE_B: &str = value("SITE_B");
/// The REST port of site-a on a real grid, and the `xsite-sim` binary's default.
pub const SITE_A_REST_PORT: u16 = number("SITE_A_REST_PORT");
/// The REST port of site-b on a real grid, and the `xsite-sim` binary's default.
pub const SITE_B_REST_PORT: u16 = number("SITE_B_REST_PORT");
/// The JGroups port of site-a's node: its physical address.
pub const SITE_A_JGROUPS_PORT: u16 = number("SITE_A_JGROUPS_PORT");
/// The JGroups port of site-b's node: its physical address.
pub const SITE_B_JGROUPS_PORT: u16 = number("SITE_B_JGROUPS_PORT");
/// The cross-site bridge port of site-a on a real grid (the simulated link has none).
pub const SITE_A_BRIDGE_PORT: u16 = number("SITE_A_BRIDGE_PORT");
/// The cross-site bridge port of site-b on a real grid (the simulated link has none).
pub const SITE_B_BRIDGE_PORT: u16 = number("SITE_B_BRIDGE_PORT");

/// How many nodes a site can have (`scripts/grid up --nodes N`, [`crate::SimOptions::nodes`]).
pub const MAX_NODES: usize = number("MAX_NODES") as usize;
/// Node k of a site serves REST on the site's REST port + k * this, on a real grid.
pub const NODE_REST_PORT_STEP: u16 = number("NODE_REST_PORT_STEP");
/// Node k of a site has its JGroups and bridge ports at the site's + k * this.
pub const NODE_PORT_STEP: u16 = number("NODE_PORT_STEP");

/// The container (cache manager) name every Infinispan server uses unless configured otherwise.
pub const CONTAINER_NAME: &str = value("CONTAINER");
/// The security realm name; it appears in every authentication challenge.
pub const REALM: &str = value("REALM");

/// The user with the `admin` role, allowed everything.
pub const ADMIN_USER: &str = value("ADMIN_USER");
/// The password of [`ADMIN_USER`].
pub const ADMIN_PASSWORD: &str = value("ADMIN_PASSWORD");
/// A user with the `observer` role: authenticated, but without the ADMIN permission the x-site routes need.
pub const OBSERVER_USER: &str = value("OBSERVER_USER");
/// The password of [`OBSERVER_USER`].
pub const OBSERVER_PASSWORD: &str = value("OBSERVER_PASSWORD");

/// The eight Keycloak (<= 25) caches, each a backup of the other site.
pub const KEYCLOAK_CACHES: [&str; 8] = words("KEYCLOAK_CACHES");
/// A cache defined on both sites without any backup, to exercise the "does not have backup sites" answers.
pub const NO_BACKUPS_CACHE: &str = value("NO_BACKUPS_CACHE");
/// The Keycloak caches whose backups have the [`MERGE_POLICY`].
pub const MERGE_POLICY_CACHES: [&str; 5] = words("MERGE_POLICY_CACHES");
/// The backups' merge policy of the [`MERGE_POLICY_CACHES`].
pub const MERGE_POLICY: &str = value("MERGE_POLICY");
/// Every cache's clustering mode.
pub const CACHE_MODE: &str = value("CACHE_MODE");
/// Every cache's number of owners.
pub const CACHE_OWNERS: &str = value("CACHE_OWNERS");
/// Every cache's remote timeout, in milliseconds.
pub const CACHE_REMOTE_TIMEOUT: &str = value("CACHE_REMOTE_TIMEOUT");
/// The caches' value encoding, and so the content type of values read back.
pub const CACHE_ENCODING: &str = value("CACHE_ENCODING");
/// Every backup's strategy, `SYNC` or `ASYNC`.
pub const BACKUP_STRATEGY: &str = value("BACKUP_STRATEGY");
/// Every backup's timeout, in milliseconds.
pub const BACKUP_TIMEOUT: &str = value("BACKUP_TIMEOUT");
/// The state-transfer chunk size, within a site and of a push to the backup site.
pub const STATE_TRANSFER_CHUNK_SIZE: usize = number("STATE_TRANSFER_CHUNK_SIZE") as usize;

/// The value of `key` in [`FILE`], without its double quotes; a missing key fails the build.
const fn value(key: &str) -> &'static str {
    let file = FILE.as_bytes();
    let key = key.as_bytes();
    let mut start = 0;
    while start < file.len() {
        let mut end = start;
        while end < file.len() && file[end] != b'\n' {
            end += 1;
        }
        if is_key_of(file, start, end, key) {
            let mut from = start + key.len() + 1;
            let mut to = end;
            if to > from && file[to - 1] == b'\r' {
                to -= 1;
            }
            if to >= from + 2 && file[from] == b'"' && file[to - 1] == b'"' {
                from += 1;
                to -= 1;
            }
            return sub(FILE, from, to);
        }
        start = end + 1;
    }
    panic!("scripts/harness.env lacks a key the simulator reads")
}

/// Whether the line `file[start..end]` is `key=…`.
const fn is_key_of(file: &[u8], start: usize, end: usize, key: &[u8]) -> bool {
    if end - start <= key.len() || file[start + key.len()] != b'=' {
        return false;
    }
    let mut i = 0;
    while i < key.len() {
        if file[start + i] != key[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// `s[from..to]` in a const context.
const fn sub(s: &'static str, from: usize, to: usize) -> &'static str {
    let (_, tail) = s.as_bytes().split_at(from);
    let (bytes, _) = tail.split_at(to - from);
    match core::str::from_utf8(bytes) {
        Ok(s) => s,
        Err(_) => panic!("scripts/harness.env is not UTF-8"),
    }
}

/// A decimal number of at most 65535 (a port, a size).
const fn number(key: &str) -> u16 {
    let digits = value(key).as_bytes();
    if digits.is_empty() {
        panic!("scripts/harness.env: an empty number");
    }
    let mut n: u32 = 0;
    let mut i = 0;
    while i < digits.len() {
        if !digits[i].is_ascii_digit() {
            panic!("scripts/harness.env: a number with a non-digit");
        }
        n = n * 10 + (digits[i] - b'0') as u32;
        if n > u16::MAX as u32 {
            panic!("scripts/harness.env: a number above 65535");
        }
        i += 1;
    }
    n as u16
}

/// The space-separated words of `key`'s value, exactly `N` of them.
const fn words<const N: usize>(key: &str) -> [&'static str; N] {
    let v = value(key);
    let b = v.as_bytes();
    let mut out = [""; N];
    let mut n = 0;
    let mut i = 0;
    while i < b.len() {
        if b[i] == b' ' {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && b[i] != b' ' {
            i += 1;
        }
        if n == N {
            panic!("scripts/harness.env: a list longer than the simulator expects");
        }
        out[n] = sub(v, start, i);
        n += 1;
    }
    if n != N {
        panic!("scripts/harness.env: a list shorter than the simulator expects");
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    /// The file's (key, value) pairs, checking each line is one bash reads literally.
    fn entries() -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for line in FILE.lines() {
            let line = line.trim_end();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (key, raw) = line
                .split_once('=')
                .unwrap_or_else(|| panic!("not KEY=VALUE: {line}"));
            assert!(
                !key.is_empty()
                    && key
                        .bytes()
                        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'),
                "key {key:?}"
            );
            let quoted = raw.len() >= 2 && raw.starts_with('"') && raw.ends_with('"');
            let inner = if quoted { &raw[1..raw.len() - 1] } else { raw };
            assert!(
                !inner.contains(['"', '\'', '$', '`', '\\']),
                "{key}: quotes, `$`, backquotes and backslashes are not allowed"
            );
            assert!(
                quoted || !inner.contains([' ', '\t', ';', '#', '&', '|', '<', '>', '(', ')']),
                "{key}: a value with spaces or shell characters needs double quotes"
            );
            assert_eq!(value(key), inner, "{key}");
            assert!(
                out.insert(key.to_string(), inner.to_string()).is_none(),
                "{key} twice"
            );
        }
        out
    }

    #[test]
    fn every_key_is_read_by_the_simulator_and_scripts_grid() {
        let sim = include_str!("harness.rs");
        let grid = include_str!("../../scripts/grid");
        let entries = entries();
        assert!(entries.len() >= 20, "{entries:?}");
        for key in entries.keys() {
            assert!(
                sim.contains(&format!("(\"{key}\")")),
                "scripts/harness.env: {key} is not read by the simulator (sim/src/harness.rs)"
            );
            assert!(
                grid.contains(&format!("${key}")) || grid.contains(&format!("${{{key}")),
                "scripts/harness.env: {key} is not read by scripts/grid"
            );
        }
    }

    #[test]
    fn bash_reads_the_values_the_simulator_reads() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/harness.env");
        let entries = entries();
        let keys: Vec<&str> = entries.keys().map(String::as_str).collect();
        // One line per key: the value as bash sees it after `source`.
        let script = format!(
            "set -eu; source \"$1\"; for k in {}; do printf '%s\\n' \"${{!k}}\"; done",
            keys.join(" ")
        );
        let out = std::process::Command::new("bash")
            .args(["-c", &script, "bash", path])
            .output()
            .expect("bash runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8(out.stdout).expect("UTF-8");
        let seen: Vec<&str> = stdout.lines().collect();
        let expected: Vec<&str> = entries.values().map(String::as_str).collect();
        assert_eq!(seen, expected);
    }

    #[test]
    fn the_lists_are_consistent() {
        for c in MERGE_POLICY_CACHES {
            assert!(KEYCLOAK_CACHES.contains(&c), "{c}");
        }
        assert!(!KEYCLOAK_CACHES.contains(&NO_BACKUPS_CACHE));
        assert_ne!(SITE_A, SITE_B);
        assert!(matches!(BACKUP_STRATEGY, "SYNC" | "ASYNC"));
        assert!((1..=9).contains(&MAX_NODES), "scripts/grid takes one digit");
        // The nodes' ports of one site stay below the other site's.
        let top = (MAX_NODES as u16 - 1) * NODE_REST_PORT_STEP;
        assert!(SITE_A_REST_PORT + top < SITE_B_REST_PORT);
        assert!(SITE_A_JGROUPS_PORT + (MAX_NODES as u16 - 1) * NODE_PORT_STEP < SITE_A_BRIDGE_PORT);
        const { assert!(NODE_PORT_STEP > 0 && NODE_REST_PORT_STEP > 0) };
    }
}
