//! Which cli.sh is being reproduced, and every behaviour that depends on it.
//!
//! cli.sh ships inside the server image, so its version is the server's version. The differences
//! that matter here come from three sources, each kept as one method below:
//! - the Aesh parser bundled with the CLI (wording of parse errors),
//! - the CLI's own message bundle (wording of option errors, enum class of the transfer mode),
//! - the batch runner (what it prints when a line fails, and whether it stops).

use std::fmt;
use std::str::FromStr;

/// The Infinispan version of cli.sh (the same as the server image it runs in).
///
/// Only the ordering matters: each behaviour is a threshold test in one method of this type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CliVersion {
    /// Major version, e.g. 14.
    pub major: u16,
    /// Minor version, e.g. 0.
    pub minor: u16,
    /// Micro (patch) version, e.g. 35.
    pub patch: u16,
}

/// The Aesh release line bundled with a CLI; parse error texts differ between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AeshLine {
    /// Aesh 2.7 (Infinispan 14.0).
    V2_7,
    /// Aesh 2.8.4 (Infinispan 15.0 to 16.1).
    V2_8,
    /// Aesh 3.x (Infinispan 16.2 and later).
    V3,
}

impl CliVersion {
    /// Infinispan 14.0 (Data Grid 8.4, the line Keycloak 24 uses); 14.0.35 is its last release.
    pub const V14_0: CliVersion = CliVersion::new(14, 0, 35);
    /// Infinispan 15.0 (Data Grid 8.5).
    pub const V15_0: CliVersion = CliVersion::new(15, 0, 22);
    /// Infinispan 15.2.
    pub const V15_2: CliVersion = CliVersion::new(15, 2, 6);
    /// Infinispan 16.0.8, the last 16.0 whose batches go on after a failed command.
    pub const V16_0_8: CliVersion = CliVersion::new(16, 0, 8);
    /// Infinispan 16.0.14.
    pub const V16_0: CliVersion = CliVersion::new(16, 0, 14);
    /// Infinispan 16.2.2.
    pub const V16_2: CliVersion = CliVersion::new(16, 2, 2);

    /// A version from its three numbers.
    pub const fn new(major: u16, minor: u16, patch: u16) -> CliVersion {
        CliVersion {
            major,
            minor,
            patch,
        }
    }

    /// Which Aesh line this CLI bundles (`build/configuration/pom.xml`, `version.aesh`: 2.7 on
    /// 14.0.x, 2.8.4 on 15.0.x to 16.1.x, 3.6.1 on 16.2.x).
    pub(crate) fn aesh(self) -> AeshLine {
        if self.major < 15 {
            AeshLine::V2_7
        } else if self < CliVersion::new(16, 2, 0) {
            AeshLine::V2_8
        } else {
            AeshLine::V3
        }
    }

    /// Whether `--all-caches` needs a container in the `cd` context.
    ///
    /// 14.0 addresses the container by name (`/rest/v2/cache-managers/{name}`) taken from the
    /// context; 15.0 and later use `/rest/v2/container`, which needs no context.
    pub fn all_caches_needs_container(self) -> bool {
        self.major < 15
    }

    /// Whether the option errors use the 16.x varargs message bundle, which prints the option
    /// names as a Java array (`'[cache, all-caches]'`).
    pub(crate) fn varargs_option_messages(self) -> bool {
        self.major >= 16
    }

    /// The fully qualified Java enum that `site state-transfer-mode set --mode` goes through
    /// (named in the `No enum constant` error). It moved to the REST client in 15.1.
    pub fn state_transfer_mode_enum(self) -> &'static str {
        if self < CliVersion::new(15, 1, 0) {
            "org.infinispan.configuration.cache.XSiteStateTransferMode"
        } else {
            "org.infinispan.client.rest.XSiteStateTransferMode"
        }
    }

    /// Whether a batch stops at the first failed command and exits non-zero (`--on-error`
    /// defaults to `FAIL_FAST`), so that a Batch CR ends `Failed`.
    ///
    /// Before 16.0.9 (and 16.1.0), only a parse error stops a batch; a command that fails at run
    /// time prints its error, the batch goes on, and the exit code is 0 (infinispan#16464).
    pub fn batch_stops_on_failure(self) -> bool {
        self >= CliVersion::new(16, 1, 0)
            || (self.major == 16 && self.minor == 0 && self.patch >= 9)
    }

    /// Whether the `benchmark` command exists (added to the batch commands in 15.0).
    pub(crate) fn has_benchmark(self) -> bool {
        self.major >= 15
    }
}

impl Default for CliVersion {
    /// 14.0: the line the runbooks were written for (Keycloak 24, Data Grid 8.4).
    fn default() -> Self {
        CliVersion::V14_0
    }
}

impl fmt::Display for CliVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// A version string that is not `major.minor[.patch][.qualifier]`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot read an Infinispan version from '{0}' (expected e.g. 14.0.35.Final or 16.0.9)")]
pub struct VersionParseError(pub String);

impl FromStr for CliVersion {
    type Err = VersionParseError;

    /// Reads `14.0.35.Final`, `16.0.9`, `15.2` (patch 0) and the like; a qualifier after the
    /// third number is ignored.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = || VersionParseError(text.to_owned());
        let mut parts = text.trim().split(['.', '-']);
        let major = parts.next().and_then(|p| p.parse().ok()).ok_or_else(err)?;
        let minor = parts.next().and_then(|p| p.parse().ok()).ok_or_else(err)?;
        let patch = match parts.next() {
            None => 0,
            // A qualifier right after the minor version (`15.2.Final`) means patch 0.
            Some(p) => p.parse().unwrap_or(0),
        };
        Ok(CliVersion::new(major, minor, patch))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_release_names() {
        assert_eq!("14.0.35.Final".parse(), Ok(CliVersion::new(14, 0, 35)));
        assert_eq!("16.0.9".parse(), Ok(CliVersion::new(16, 0, 9)));
        assert_eq!("15.2".parse(), Ok(CliVersion::new(15, 2, 0)));
        assert!("x".parse::<CliVersion>().is_err());
    }

    #[test]
    fn thresholds() {
        assert!(!CliVersion::new(16, 0, 8).batch_stops_on_failure());
        assert!(CliVersion::new(16, 0, 9).batch_stops_on_failure());
        assert!(CliVersion::new(16, 1, 0).batch_stops_on_failure());
        assert!(!CliVersion::V15_2.batch_stops_on_failure());
        assert_eq!(CliVersion::new(15, 0, 22).aesh(), AeshLine::V2_8);
        assert_eq!(CliVersion::new(16, 2, 0).aesh(), AeshLine::V3);
        assert!(CliVersion::V14_0.all_caches_needs_container());
        assert!(
            CliVersion::new(15, 0, 22)
                .state_transfer_mode_enum()
                .contains("configuration.cache")
        );
        assert!(
            CliVersion::new(15, 1, 0)
                .state_transfer_mode_enum()
                .contains("client.rest")
        );
    }
}
