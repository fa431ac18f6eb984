//! TLS: the CAs trusted beyond the system's roots, the client's own certificate, the
//! test-only trust-all mode, and how a failed handshake is told from other failures.

use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretSlice};

use crate::error::{CaSource, ConfigError, Error, FileRole, Result};

/// The client certificate to present. The PEM form holds the private key: a secret.
pub(super) enum ClientIdentity {
    Files { cert: PathBuf, key: PathBuf },
    Pem(SecretSlice<u8>),
}

impl std::fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientIdentity::Files { cert, key } => f
                .debug_struct("Files")
                .field("cert", cert)
                .field("key", key)
                .finish(),
            ClientIdentity::Pem(_) => f.write_str("Pem([REDACTED])"),
        }
    }
}

/// Adds the CA files and PEM texts, the client certificate and the trust-all mode to `http`.
/// `origin` is only named in the trust-all warning.
pub(super) fn configure(
    mut http: reqwest::ClientBuilder,
    ca_files: &[PathBuf],
    ca_pems: &[Vec<u8>],
    client_identity: Option<&ClientIdentity>,
    trust_all: bool,
    origin: &str,
) -> Result<reqwest::ClientBuilder> {
    let mut roots = Vec::new();
    for path in ca_files {
        let pem = read_file(path, FileRole::CaFile)?;
        roots.extend(parse_ca(&pem, CaSource::File(path.clone()))?);
    }
    for (i, pem) in ca_pems.iter().enumerate() {
        roots.extend(parse_ca(pem, CaSource::Pem(i + 1))?);
    }
    if !roots.is_empty() {
        http = http.tls_certs_merge(roots);
    }
    if let Some(identity) = client_identity {
        let pem = match identity {
            ClientIdentity::Files { cert, key } => {
                let mut pem = read_file(key, FileRole::ClientKey)?;
                pem.push(b'\n');
                pem.extend(read_file(cert, FileRole::ClientCertificate)?);
                pem
            }
            ClientIdentity::Pem(pem) => pem.expose_secret().to_vec(),
        };
        let identity = reqwest::Identity::from_pem(&pem)
            .map_err(|source| Error::Config(ConfigError::InvalidClientIdentity { source }))?;
        http = http.identity(identity);
    }
    if trust_all {
        tracing::warn!(
            "TLS certificate verification is OFF (trust all): any server can impersonate {origin}"
        );
        http = http.tls_danger_accept_invalid_certs(true);
    }
    Ok(http)
}

fn read_file(path: &Path, role: FileRole) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| {
        Error::Config(ConfigError::UnreadableFile {
            role,
            path: path.to_owned(),
            source,
        })
    })
}

fn parse_ca(pem: &[u8], ca: CaSource) -> Result<Vec<reqwest::Certificate>> {
    let certs = match reqwest::Certificate::from_pem_bundle(pem) {
        Ok(certs) => certs,
        Err(source) => return Err(Error::Config(ConfigError::InvalidCa { ca, source })),
    };
    if certs.is_empty() {
        return Err(Error::Config(ConfigError::EmptyCa { ca }));
    }
    Ok(certs)
}

/// The TLS library's reason, when a request failed in the TLS handshake, and whether the port
/// answered in plain HTTP (the first bytes back were not a TLS record).
pub(super) fn tls_failure(error: &reqwest::Error) -> Option<(String, bool)> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = source {
        if let Some(tls) = find_rustls_error(current) {
            let plain_http = matches!(
                tls,
                rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType)
            );
            return Some((tls.to_string(), plain_http));
        }
        source = current.source();
    }
    None
}

/// Looks through `io::Error` wrappers, whose `source()` skips the wrapped error itself.
fn find_rustls_error<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a rustls::Error> {
    if let Some(tls) = error.downcast_ref::<rustls::Error>() {
        return Some(tls);
    }
    let inner = error.downcast_ref::<std::io::Error>()?.get_ref()?;
    find_rustls_error(inner)
}
