//! Sets of caches, and running one per-cache operation over a set.

use std::future::Future;

use futures::future::join_all;
use indexmap::IndexMap;

use crate::cache::CacheHandle;
use crate::client::Client;
use crate::error::Result;

/// The caches of Keycloak 25 and earlier, in the order of the Keycloak documentation.
pub const KEYCLOAK_LEGACY_CACHES: [&str; 8] = [
    "sessions",
    "actionTokens",
    "authenticationSessions",
    "offlineSessions",
    "clientSessions",
    "offlineClientSessions",
    "loginFailures",
    "work",
];

/// The caches of Keycloak 26, which keeps sessions in the database.
pub const KEYCLOAK_26_CACHES: [&str; 4] = [
    "actionTokens",
    "authenticationSessions",
    "loginFailures",
    "work",
];

/// An ordered set of cache names.
///
/// ```
/// use xsite::CacheSet;
///
/// assert_eq!(CacheSet::default().len(), 8);
/// assert_eq!(CacheSet::keycloak_26().names()[0], "actionTokens");
/// let mine = CacheSet::custom(["orders", "orders", "carts"]);
/// assert_eq!(mine.names(), ["orders", "carts"]);
/// assert_eq!(CacheSet::named("kc26").unwrap().known_name(), Some("keycloak-26"));
/// assert_eq!(mine.known_name(), None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheSet {
    names: Vec<String>,
}

impl Default for CacheSet {
    /// The Keycloak 25 and earlier set of eight caches.
    fn default() -> Self {
        CacheSet::keycloak_legacy()
    }
}

impl CacheSet {
    /// The eight caches of Keycloak 25 and earlier.
    pub fn keycloak_legacy() -> Self {
        CacheSet::custom(KEYCLOAK_LEGACY_CACHES)
    }

    /// The four caches of Keycloak 26.
    pub fn keycloak_26() -> Self {
        CacheSet::custom(KEYCLOAK_26_CACHES)
    }

    /// Any list of caches; duplicates are dropped, the first occurrence keeps its place.
    pub fn custom<I, S>(names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut unique: Vec<String> = Vec::new();
        for name in names {
            let name = name.into();
            if !unique.contains(&name) {
                unique.push(name);
            }
        }
        CacheSet { names: unique }
    }

    /// The names of the known sets, as `--cache-set` takes them and completion offers them:
    /// the eight caches of Keycloak 25 and earlier, then Keycloak 26's four.
    pub const NAMES: [&'static str; 2] = ["keycloak-25", "keycloak-26"];

    /// Looks a set up by name: one of [`CacheSet::NAMES`], or an alias (`keycloak-legacy`,
    /// `keycloak-24`, `kc25` for the eight; `kc26` for the four).
    pub fn named(name: &str) -> Option<Self> {
        match name {
            "keycloak-25" | "keycloak-legacy" | "keycloak-24" | "kc25" => {
                Some(CacheSet::keycloak_legacy())
            }
            "keycloak-26" | "kc26" => Some(CacheSet::keycloak_26()),
            _ => None,
        }
    }

    /// The set's name in [`CacheSet::NAMES`] when it is one of the known sets (same caches in
    /// the same order), else `None`.
    pub fn known_name(&self) -> Option<&'static str> {
        CacheSet::NAMES
            .into_iter()
            .find(|name| CacheSet::named(name).as_ref() == Some(self))
    }

    /// The cache names, in order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// How many caches the set holds.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True when the set is empty.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Runs a per-cache operation on every cache of the set concurrently, and returns every
    /// cache's outcome in the set's order. One cache's failure does not stop the others.
    ///
    /// Reads run concurrently. Calls that change a backup's state are sent one at a time by the
    /// client (concurrent ones deadlock Infinispan 15+), so a take-offline fan-out is safe but no
    /// faster than a loop; the all-caches routes of [`crate::ContainerXsite`] are one request.
    ///
    /// ```no_run
    /// # async fn demo(client: xsite::Client) {
    /// use xsite::CacheSet;
    ///
    /// let outcomes = CacheSet::keycloak_legacy()
    ///     .fan_out(&client, |cache| async move { cache.xsite().take_offline("site-b").await })
    ///     .await;
    /// for (cache, outcome) in outcomes.iter() {
    ///     println!("{cache}: {}", if outcome.is_ok() { "ok" } else { "FAILED" });
    /// }
    /// assert!(outcomes.all_ok(), "{:?}", outcomes.failures().collect::<Vec<_>>());
    /// # }
    /// ```
    pub async fn fan_out<T, F, Fut>(&self, client: &Client, operation: F) -> FanOut<T>
    where
        F: Fn(CacheHandle) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let runs = self.names.iter().map(|name| operation(client.cache(name)));
        let results = join_all(runs).await;
        FanOut {
            results: self.names.iter().cloned().zip(results).collect(),
        }
    }
}

/// What one site's cache list says about the Keycloak caches it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SiteCaches {
    /// All eight caches of Keycloak 25 and earlier.
    KeycloakLegacy,
    /// Keycloak 26's four caches, and none of the four that only earlier Keycloaks use.
    Keycloak26,
    /// Neither: the Keycloak caches it has (of the eight), possibly none.
    Other {
        /// The Keycloak cache names found, in the order of [`KEYCLOAK_LEGACY_CACHES`].
        present: Vec<String>,
    },
}

impl SiteCaches {
    /// Reads a site's cache names (`GET /rest/v2/caches`).
    pub fn of(names: &[String]) -> SiteCaches {
        let has = |cache: &str| names.iter().any(|n| n == cache);
        let present: Vec<String> = KEYCLOAK_LEGACY_CACHES
            .iter()
            .filter(|c| has(c))
            .map(|c| (*c).to_owned())
            .collect();
        if present.len() == KEYCLOAK_LEGACY_CACHES.len() {
            SiteCaches::KeycloakLegacy
        } else if KEYCLOAK_26_CACHES.iter().all(|c| has(c))
            && present.len() == KEYCLOAK_26_CACHES.len()
        {
            SiteCaches::Keycloak26
        } else {
            SiteCaches::Other { present }
        }
    }

    /// The known set these caches make, if any.
    pub fn cache_set(&self) -> Option<CacheSet> {
        match self {
            SiteCaches::KeycloakLegacy => Some(CacheSet::keycloak_legacy()),
            SiteCaches::Keycloak26 => Some(CacheSet::keycloak_26()),
            SiteCaches::Other { .. } => None,
        }
    }
}

impl std::fmt::Display for SiteCaches {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SiteCaches::KeycloakLegacy => {
                write!(f, "the eight caches of Keycloak 25 and earlier")
            }
            SiteCaches::Keycloak26 => write!(f, "the four caches of Keycloak 26"),
            SiteCaches::Other { present } if present.is_empty() => {
                write!(f, "none of Keycloak's caches")
            }
            SiteCaches::Other { present } => {
                let missing: Vec<&str> = KEYCLOAK_LEGACY_CACHES
                    .iter()
                    .copied()
                    .filter(|c| !present.iter().any(|p| p == c))
                    .collect();
                write!(f, "{} (no {})", present.join(", "), missing.join(", "))
            }
        }
    }
}

/// The sites' cache lists name no single Keycloak cache set (see [`CacheSet::detect`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the sites hold no single Keycloak cache set: {}",
    .sites.iter().map(|(site, caches)| format!("{site} has {caches}")).collect::<Vec<_>>().join("; ")
)]
pub struct NoCacheSet {
    /// Each site, with what its cache list holds.
    pub sites: Vec<(String, SiteCaches)>,
}

impl CacheSet {
    /// The Keycloak cache set that every site holds: [`CacheSet::keycloak_legacy`] when each
    /// has all eight caches of Keycloak 25 and earlier, [`CacheSet::keycloak_26`] when each has
    /// Keycloak 26's four and none of the others. Caches that are not Keycloak's are ignored.
    /// Anything else (a site with a part of a set, sites that differ, no site) is an error that
    /// names what each site holds: guessing would run a procedure on the wrong caches.
    ///
    /// ```
    /// use xsite::CacheSet;
    ///
    /// let kc26: Vec<String> = ["work", "loginFailures", "actionTokens", "authenticationSessions", "mine"]
    ///     .map(String::from).to_vec();
    /// let set = CacheSet::detect([("site-a", kc26.as_slice()), ("site-b", kc26.as_slice())]).unwrap();
    /// assert_eq!(set.known_name(), Some("keycloak-26"));
    /// let partial = vec!["work".to_owned()];
    /// let error = CacheSet::detect([("site-a", kc26.as_slice()), ("site-b", partial.as_slice())]);
    /// assert!(error.unwrap_err().to_string().contains("site-b has work (no sessions"));
    /// ```
    pub fn detect<'a>(
        listings: impl IntoIterator<Item = (&'a str, &'a [String])>,
    ) -> std::result::Result<CacheSet, NoCacheSet> {
        let sites: Vec<(String, SiteCaches)> = listings
            .into_iter()
            .map(|(site, names)| (site.to_owned(), SiteCaches::of(names)))
            .collect();
        let first = sites.first().and_then(|(_, caches)| caches.cache_set());
        match first {
            Some(set)
                if sites
                    .iter()
                    .all(|(_, c)| c.cache_set().as_ref() == Some(&set)) =>
            {
                Ok(set)
            }
            _ => Err(NoCacheSet { sites }),
        }
    }
}

/// Every cache's outcome of a [`CacheSet::fan_out`], in the set's order.
#[derive(Debug)]
pub struct FanOut<T> {
    results: IndexMap<String, Result<T>>,
}

impl<T> FanOut<T> {
    /// Each cache with its outcome.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Result<T>)> {
        self.results.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The outcome for one cache.
    pub fn get(&self, cache: &str) -> Option<&Result<T>> {
        self.results.get(cache)
    }

    /// True when every cache succeeded.
    pub fn all_ok(&self) -> bool {
        self.results.values().all(|r| r.is_ok())
    }

    /// The caches that failed, with their errors.
    pub fn failures(&self) -> impl Iterator<Item = (&str, &crate::Error)> {
        self.results
            .iter()
            .filter_map(|(k, v)| v.as_ref().err().map(|e| (k.as_str(), e)))
    }

    /// The outcomes as a map.
    pub fn into_inner(self) -> IndexMap<String, Result<T>> {
        self.results
    }
}

#[cfg(test)]
mod detection_tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn each_site_is_read_by_its_keycloak_caches() {
        let mut legacy = names(&KEYCLOAK_LEGACY_CACHES);
        legacy.push("___protobuf_metadata".to_owned());
        assert_eq!(SiteCaches::of(&legacy), SiteCaches::KeycloakLegacy);
        assert_eq!(
            SiteCaches::of(&names(&[
                "work",
                "actionTokens",
                "loginFailures",
                "authenticationSessions",
                "x"
            ])),
            SiteCaches::Keycloak26
        );
        // Keycloak 26's four plus one of the older ones: neither set.
        let mixed = names(&[
            "work",
            "actionTokens",
            "loginFailures",
            "authenticationSessions",
            "sessions",
        ]);
        assert_eq!(
            SiteCaches::of(&mixed).to_string(),
            "sessions, actionTokens, authenticationSessions, loginFailures, work \
             (no offlineSessions, clientSessions, offlineClientSessions)"
        );
        assert_eq!(SiteCaches::of(&[]).to_string(), "none of Keycloak's caches");
    }

    #[test]
    fn the_sites_must_agree() {
        let legacy = names(&KEYCLOAK_LEGACY_CACHES);
        let kc26 = names(&KEYCLOAK_26_CACHES);
        assert_eq!(
            CacheSet::detect([("a", legacy.as_slice()), ("b", legacy.as_slice())]),
            Ok(CacheSet::keycloak_legacy())
        );
        assert_eq!(
            CacheSet::detect([("a", kc26.as_slice()), ("b", kc26.as_slice())]),
            Ok(CacheSet::keycloak_26())
        );
        let error =
            CacheSet::detect([("a", legacy.as_slice()), ("b", kc26.as_slice())]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the sites hold no single Keycloak cache set: a has the eight caches of Keycloak 25 \
             and earlier; b has the four caches of Keycloak 26"
        );
        assert!(CacheSet::detect(std::iter::empty()).is_err());
    }
}
