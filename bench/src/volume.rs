//! Keycloak-like data for the volume runs of `resync`: UUID-shaped keys and values sized like the
//! entries Keycloak keeps in each of its caches (a few hundred bytes to a few KiB), deterministic
//! so that every run stores the same bytes.

/// The value sizes, in bytes, of one cache's entries: (smallest, largest). Sessions carry their
/// notes and client links, authentication sessions their execution state; login failures, action
/// tokens and work entries are a few fields. Unknown caches get the sessions' range.
fn value_range(cache: &str) -> (usize, usize) {
    match cache {
        "sessions" | "offlineSessions" => (700, 2500),
        "clientSessions" | "offlineClientSessions" => (300, 900),
        "authenticationSessions" => (500, 4000),
        "loginFailures" => (150, 300),
        "actionTokens" => (150, 400),
        "work" => (100, 250),
        _ => (700, 2500),
    }
}

/// A 64-bit mix of a number (splitmix64's finaliser): spreads consecutive indexes.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce5_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// The key of entry `i` of a data set (`seed` tells the sets apart): a version-4-shaped UUID, as
/// Keycloak's session ids are.
pub(crate) fn key(seed: u64, i: usize) -> String {
    let a = mix(seed.wrapping_mul(0x1_0000_0001) ^ i as u64);
    let b = mix(a);
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | (b >> 48) & 0x3fff,
        b & 0xffff_ffff_ffff
    )
}

/// The value of entry `i` in `cache`: printable ASCII, its length within the cache's range.
pub(crate) fn value(cache: &str, i: usize) -> String {
    let (lo, hi) = value_range(cache);
    let len = lo + (mix(i as u64) as usize) % (hi - lo + 1);
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";
    let mut x = mix(i as u64 ^ 0x5eed);
    (0..len)
        .map(|_| {
            x = mix(x);
            ALPHABET[(x % ALPHABET.len() as u64) as usize] as char
        })
        .collect()
}

/// The mean value size of a cache's entries, in bytes (for the report's data volume).
pub(crate) fn mean_value_len(cache: &str) -> f64 {
    let (lo, hi) = value_range(cache);
    (lo + hi) as f64 / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_uuid_shaped_distinct_and_stable() {
        let k = key(1, 0);
        assert_eq!(k.len(), 36, "{k}");
        assert_eq!(k.as_bytes()[14], b'4', "{k}");
        assert_eq!(k, key(1, 0));
        assert_ne!(k, key(1, 1));
        assert_ne!(k, key(2, 0));
        let many: std::collections::BTreeSet<String> = (0..10_000).map(|i| key(7, i)).collect();
        assert_eq!(many.len(), 10_000);
    }

    #[test]
    fn values_stay_in_their_cache_range() {
        for cache in ["sessions", "authenticationSessions", "work", "other"] {
            let (lo, hi) = value_range(cache);
            let lens: Vec<usize> = (0..500).map(|i| value(cache, i).len()).collect();
            assert!(lens.iter().all(|l| (lo..=hi).contains(l)), "{cache}");
            // Spread over the range, not one size.
            assert!(lens.iter().min() < lens.iter().max(), "{cache}");
        }
        assert_eq!(value("sessions", 3), value("sessions", 3));
    }
}
