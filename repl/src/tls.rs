//! The TLS settings every client the shell builds gets: from the top-level options, overridden
//! per `connect`. Its own module, so that the session and the site registry both read it without
//! depending on each other.

use std::path::PathBuf;

use secrecy::SecretString;

/// TLS settings: from the top-level options, overridden per `connect`.
#[derive(Debug, Clone, Default)]
pub struct TlsSettings {
    /// `--trustall`: accept any server certificate.
    pub trustall: bool,
    /// `--truststore`: a PEM file of CA certificates.
    pub truststore: Option<PathBuf>,
    /// `--truststore-password`: accepted for compatibility; a PEM file needs none.
    pub truststore_password: Option<SecretString>,
    /// `--keystore`: a PEM file holding the client's private key and certificate.
    pub keystore: Option<PathBuf>,
    /// `--keystore-password`: accepted for compatibility; unused for PEM.
    pub keystore_password: Option<SecretString>,
    /// `--hostname-verifier`: accepted but not supported (the certificate must match the host).
    pub hostname_verifier: Option<String>,
    /// `--timeout`: the time limit of each request (the SDK's default when `None`). Kept here
    /// because it goes wherever the TLS settings go: to every client the shell builds.
    pub timeout: Option<std::time::Duration>,
}
