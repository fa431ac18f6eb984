//! [`ClientBuilder`]: the base URL and its user-info, the context path, timeouts and options,
//! checked when the client is built.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::OnceCell;
use url::Url;

use super::tls::{self, ClientIdentity};
use super::{Client, Discovery, Inner, RetryPolicy};
use crate::auth::{Authenticator, Credentials};
use crate::error::{ConfigError, Error, Result};
use crate::routes::ContainerPath;

/// The default REST context path.
pub const DEFAULT_CONTEXT_PATH: &str = "/rest";
/// The default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default time limit of one call: every attempt, retry and authentication round trip of it.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// Builds a [`Client`].
///
/// ```no_run
/// # async fn demo() -> xsite::Result<()> {
/// use xsite::{Client, Credentials};
///
/// let client = Client::builder("https://dg.example.com:11222")
///     .credentials(Credentials::password("developer", "strong-password"))
///     .ca_file("/etc/pki/dg-ca.pem")
///     .build()?;
/// let status = client.container().xsite().site_status("site-b").await?;
/// println!("site-b is {status}");
/// # Ok(()) }
/// ```
pub struct ClientBuilder {
    base_url: String,
    context_path: Option<String>,
    credentials: Credentials,
    ca_files: Vec<PathBuf>,
    ca_pems: Vec<Vec<u8>>,
    client_identity: Option<ClientIdentity>,
    trust_all: bool,
    connect_timeout: Duration,
    request_timeout: Duration,
    retry: RetryPolicy,
    container: Option<ContainerPath>,
    http1_only: bool,
}

impl std::fmt::Debug for ClientBuilder {
    // Written by hand: the base URL may still hold a password (it is taken out in `build`), and
    // the client identity holds a private key. Neither may reach a log through `{:?}`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &url_without_password(&self.base_url))
            .field("context_path", &self.context_path)
            .field("credentials", &self.credentials)
            .field("ca_files", &self.ca_files)
            .field(
                "ca_pems",
                &format_args!("[{} PEM text(s)]", self.ca_pems.len()),
            )
            .field("client_identity", &self.client_identity)
            .field("trust_all", &self.trust_all)
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("retry", &self.retry)
            .field("container", &self.container)
            .field("http1_only", &self.http1_only)
            .finish()
    }
}

/// `base_url` as it may be shown: a password in its user-info replaced by `********`. The URL
/// crate finds the user-info when the URL parses; when it does not, everything between the
/// scheme's `://` and the last `@` after it goes, user name included (nothing there is trusted).
fn url_without_password(base_url: &str) -> String {
    if let Ok(mut url) = Url::parse(base_url) {
        if url.password().is_some() && url.set_password(Some("********")).is_ok() {
            return url.to_string();
        }
        if url.password().is_none() {
            return base_url.to_owned();
        }
    }
    match base_url.find("://").map(|i| i + 3) {
        Some(start) => match base_url[start..].rfind('@') {
            Some(at) => format!("{}********{}", &base_url[..start], &base_url[start + at..]),
            None => base_url.to_owned(),
        },
        None => base_url.to_owned(),
    }
}

impl ClientBuilder {
    pub(super) fn new(base_url: impl Into<String>) -> Self {
        ClientBuilder {
            base_url: base_url.into(),
            context_path: None,
            credentials: Credentials::None,
            ca_files: Vec::new(),
            ca_pems: Vec::new(),
            client_identity: None,
            trust_all: false,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            retry: RetryPolicy::default(),
            container: None,
            http1_only: false,
        }
    }

    /// The REST context path (default `/rest`).
    pub fn context_path(mut self, path: impl Into<String>) -> Self {
        self.context_path = Some(path.into());
        self
    }

    /// The credentials to present. Credentials in the base URL's user-info are used when none are
    /// given here.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = credentials;
        self
    }

    /// Trusts the CAs in a PEM file, in addition to the system's roots.
    pub fn ca_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_files.push(path.into());
        self
    }

    /// Trusts the CAs in PEM text, in addition to the system's roots.
    pub fn ca_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.ca_pems.push(pem.into());
        self
    }

    /// Presents a client certificate: a PEM certificate (chain) file and a PEM private key file.
    pub fn client_certificate(mut self, cert: impl Into<PathBuf>, key: impl Into<PathBuf>) -> Self {
        self.client_identity = Some(ClientIdentity::Files {
            cert: cert.into(),
            key: key.into(),
        });
        self
    }

    /// Presents a client certificate from PEM text holding the private key and the certificate.
    pub fn client_identity_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.client_identity = Some(ClientIdentity::Pem(pem.into().into()));
        self
    }

    /// Accepts any server certificate. Only for test servers: it removes the protection TLS gives.
    /// A warning is logged when the client is built.
    pub fn trust_all(mut self, trust_all: bool) -> Self {
        self.trust_all = trust_all;
        self
    }

    /// The connect timeout (default 10 s). It never exceeds the request timeout.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The time limit of one call, from its start to its answer's last byte, retries and
    /// authentication round trips included (default 60 s). A read that runs out of time fails
    /// with a timeout; a state change that was already sent fails with
    /// [`Error::OutcomeUnknown`].
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Sets both the request timeout and (when lower than its default) the connect timeout, as
    /// the REPL's `--timeout` does.
    pub fn timeout(self, timeout: Duration) -> Self {
        let connect = self.connect_timeout.min(timeout);
        self.request_timeout(timeout).connect_timeout(connect)
    }

    /// How failed requests are retried.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Uses this container path instead of discovering it from the server's version.
    pub fn container_path(mut self, container: ContainerPath) -> Self {
        self.container = Some(container);
        self
    }

    /// Speaks HTTP/1.1 only (no HTTP/2 negotiation).
    pub fn http1_only(mut self) -> Self {
        self.http1_only = true;
        self
    }

    /// Builds the client. Fails on a bad URL or an unreadable CA or certificate file.
    pub fn build(self) -> Result<Client> {
        let mut url = Url::parse(&self.base_url).map_err(|source| {
            Error::Config(ConfigError::InvalidUrl {
                url: url_without_password(&self.base_url),
                source,
            })
        })?;
        if url.scheme() != "http" && url.scheme() != "https" {
            return Err(Error::Config(ConfigError::UnsupportedScheme {
                url: url_without_password(&self.base_url),
            }));
        }
        if url.host_str().is_none() {
            return Err(Error::Config(ConfigError::NoHost {
                url: url_without_password(&self.base_url),
            }));
        }
        let mut credentials = self.credentials;
        if !url.username().is_empty() {
            // Credentials in the URL are taken out of it, so that URLs in errors and logs hold none.
            if matches!(credentials, Credentials::None) {
                let username = percent_decode(url.username());
                let password = percent_decode(url.password().unwrap_or(""));
                credentials = Credentials::password(username, password);
            }
            let _ = url.set_username("");
            let _ = url.set_password(None);
        }
        let context_path = match self.context_path {
            Some(path) => path,
            None if url.path() != "/" && !url.path().is_empty() => url.path().to_owned(),
            None => DEFAULT_CONTEXT_PATH.to_owned(),
        };
        let context_path = normalize_context_path(&context_path);
        let origin = url.origin().ascii_serialization();

        let mut http = reqwest::Client::builder()
            // No overall timeout here: each call runs under its own deadline (`Client::execute`),
            // which also bounds retries and tells a lost state change from a slow read.
            .connect_timeout(self.connect_timeout.min(self.request_timeout))
            // Keep connections: the server caches the authenticated subject per connection.
            .pool_idle_timeout(Duration::from_secs(60))
            .redirect(reqwest::redirect::Policy::none());
        if self.http1_only {
            http = http.http1_only();
        }
        let http = tls::configure(
            http,
            &self.ca_files,
            &self.ca_pems,
            self.client_identity.as_ref(),
            self.trust_all,
            &origin,
        )?;
        // A plain-http client never makes a TLS handshake (redirects are not followed): it does
        // without the system's CA roots, whose loading costs a one-shot run about 2 ms.
        let http = if url.scheme() == "http" {
            http.tls_certs_only(Vec::new())
        } else {
            http
        };
        let http = http
            .build()
            .map_err(|source| Error::Config(ConfigError::HttpClient { source }))?;
        let discovered = OnceCell::new_with(self.container.map(|container| Discovery {
            version: None,
            container,
        }));
        Ok(Client {
            deadline: None,
            inner: Arc::new(Inner {
                http,
                trust_all: self.trust_all,
                origin,
                context_path,
                auth: Authenticator::new(credentials),
                retry: self.retry,
                request_timeout: self.request_timeout,
                discovered,
                site_state_changes: tokio::sync::Mutex::new(()),
            }),
        })
    }
}

fn normalize_context_path(path: &str) -> String {
    let trimmed = path.trim_matches('/');
    if trimmed.is_empty() {
        String::new()
    } else {
        format!("/{trimmed}")
    }
}

fn percent_decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", text.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_info_becomes_credentials_and_leaves_the_url() {
        let client = Client::builder("http://dev%40corp:p%3Ass@127.0.0.1:11222")
            .build()
            .unwrap();
        assert_eq!(client.base_url(), "http://127.0.0.1:11222/rest");
        assert_eq!(client.inner.auth_username(), Some("dev@corp"));
    }

    #[test]
    fn context_path_comes_from_the_url_or_the_default() {
        let client = Client::builder("http://h:1/custom/").build().unwrap();
        assert_eq!(client.base_url(), "http://h:1/custom");
        let client = Client::builder("http://h:1").build().unwrap();
        assert_eq!(client.base_url(), "http://h:1/rest");
        let client = Client::builder("http://h:1")
            .context_path("")
            .build()
            .unwrap();
        assert_eq!(client.base_url(), "http://h:1");
    }

    #[test]
    fn bad_urls_are_refused_with_a_reason() {
        let err = Client::builder("ftp://h").build().unwrap_err();
        assert!(err.to_string().contains("http:// or https://"), "{err}");
        let err = Client::builder("not a url").build().unwrap_err();
        assert!(err.to_string().contains("invalid base URL"), "{err}");
    }

    #[test]
    fn debug_and_url_errors_show_no_secret() {
        let builder = Client::builder("http://dev:s3cr%40t@h:1")
            .credentials(Credentials::password("dev", "the-password"))
            .client_identity_pem("-----BEGIN PRIVATE KEY-----\nMIIkey\n-----END PRIVATE KEY-----")
            .ca_pem("-----BEGIN CERTIFICATE-----\nMIIca\n-----END CERTIFICATE-----");
        let debug = format!("{builder:?}");
        for secret in ["s3cr", "the-password", "MIIkey", "PRIVATE KEY", "MIIca"] {
            assert!(!debug.contains(secret), "{secret} in {debug}");
        }
        assert!(debug.contains("http://dev:********@h:1/"), "{debug}");
        assert!(debug.contains("Pem([REDACTED])"), "{debug}");

        // Each URL error names the URL, without its password, parsed or not.
        for (url, shown) in [
            ("ftp://u:hunter2@h", "ftp://u:********@h"),
            ("http://u:hunter2@", "http://********@"),
            ("http://u:hunter2@h:99999", "http://********@h:99999"),
        ] {
            let text = Client::builder(url).build().unwrap_err().to_string();
            assert!(!text.contains("hunter2"), "{text}");
            assert!(text.contains(shown), "{text}");
        }
    }

    #[test]
    fn configuration_errors_keep_their_texts() {
        // The REPL prints these texts as they are: typed variants must not change a byte.
        let text = |builder: ClientBuilder| builder.build().unwrap_err().to_string();
        assert_eq!(
            text(Client::builder("ftp://h")),
            "invalid configuration: the base URL 'ftp://h' must start with http:// or https://"
        );
        assert_eq!(
            text(Client::builder("not a url")),
            "invalid configuration: invalid base URL 'not a url': relative URL without a base"
        );
        assert_eq!(
            text(Client::builder("http://h:1").ca_pem("not a pem")),
            "invalid configuration: CA PEM #1 holds no PEM certificate"
        );
        let err = Client::builder("http://h:1")
            .ca_file("/nonexistent/ca.pem")
            .build()
            .unwrap_err();
        assert!(
            matches!(
                &err,
                Error::Config(ConfigError::UnreadableFile {
                    role: crate::error::FileRole::CaFile,
                    ..
                })
            ),
            "{err:?}"
        );
        assert!(
            err.to_string().starts_with(
                "invalid configuration: cannot read the CA file /nonexistent/ca.pem: "
            ),
            "{err}"
        );
    }

    impl Inner {
        fn auth_username(&self) -> Option<&str> {
            self.auth.username()
        }
    }
}
