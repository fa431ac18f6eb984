//! TLS against a local rustls server whose CA is generated in the test.

use std::sync::{Arc, Mutex};

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use xsite::routes::ContainerPath;
use xsite::{Client, Error, RetryPolicy};

/// A CA, and a certificate it signed.
struct Pki {
    ca_pem: String,
    ca_der: CertificateDer<'static>,
    issuer: Issuer<'static, KeyPair>,
}

impl Pki {
    fn new() -> Pki {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let cert = params.self_signed(&key).unwrap();
        Pki {
            ca_pem: cert.pem(),
            ca_der: cert.der().clone(),
            issuer: Issuer::new(params, key),
        }
    }

    /// A leaf certificate and its PKCS#8 key, for these names.
    fn leaf(&self, names: &[&str]) -> (CertificateDer<'static>, String, KeyPair) {
        let key = KeyPair::generate().unwrap();
        let params =
            CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                .unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        (cert.der().clone(), cert.pem(), key)
    }
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// Starts an HTTPS server that answers `[]` to anything, and records whether the client presented
/// a certificate. With `client_ca`, client certificates signed by it are required.
async fn https_server(pki: &Pki, client_ca: Option<&Pki>) -> (String, Arc<Mutex<Vec<bool>>>) {
    let (cert, _, key) = pki.leaf(&["127.0.0.1", "localhost"]);
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let builder = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap();
    let config = match client_ca {
        Some(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            roots.add(ca.ca_der.clone()).unwrap();
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider())
                .build()
                .unwrap();
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    }
    .with_single_cert(vec![cert], key)
    .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "https://127.0.0.1:{}",
        listener.local_addr().unwrap().port()
    );
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen_by_server = seen.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let seen = seen_by_server.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let has_client_cert = tls.get_ref().1.peer_certificates().is_some();
                seen.lock().unwrap().push(has_client_cert);
                let mut buf = vec![0u8; 4096];
                let _ = tls.read(&mut buf).await;
                let response = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n[]";
                let _ = tls.write_all(response.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (url, seen)
}

fn builder(url: &str) -> xsite::ClientBuilder {
    Client::builder(url)
        .container_path(ContainerPath::Container)
        .retry(RetryPolicy::none())
        .http1_only()
}

#[tokio::test]
async fn an_unknown_ca_is_rejected_with_a_hint() {
    let pki = Pki::new();
    let (url, _) = https_server(&pki, None).await;
    let err = builder(&url)
        .build()
        .unwrap()
        .cache_names()
        .await
        .unwrap_err();
    let Error::Tls { detail, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(detail.to_lowercase().contains("certificate"), "{detail}");
    assert!(err.to_string().contains("CA file"), "{err}");
}

#[tokio::test]
async fn the_ca_file_makes_it_trusted() {
    let pki = Pki::new();
    let (url, _) = https_server(&pki, None).await;
    let dir = std::env::temp_dir().join(format!("xsite-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, &pki.ca_pem).unwrap();
    let names = builder(&url)
        .ca_file(&ca_file)
        .build()
        .unwrap()
        .cache_names()
        .await
        .unwrap();
    assert!(names.is_empty());
}

#[tokio::test]
async fn trust_all_accepts_any_certificate() {
    let pki = Pki::new();
    let (url, _) = https_server(&pki, None).await;
    let client = builder(&url).trust_all(true).build().unwrap();
    assert!(client.cache_names().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_client_certificate_is_sent_when_configured() {
    let server_pki = Pki::new();
    let client_pki = Pki::new();
    let (url, seen) = https_server(&server_pki, Some(&client_pki)).await;
    let (_, cert_pem, key) = client_pki.leaf(&["xsite-client"]);
    let identity = format!("{}\n{cert_pem}", key.serialize_pem());
    builder(&url)
        .ca_pem(server_pki.ca_pem.clone())
        .client_identity_pem(identity)
        .build()
        .unwrap()
        .cache_names()
        .await
        .unwrap();
    assert_eq!(*seen.lock().unwrap(), [true]);
    // Without it, the server refuses the handshake.
    let err = builder(&url)
        .ca_pem(server_pki.ca_pem.clone())
        .build()
        .unwrap()
        .cache_names()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Tls { .. } | Error::Transport { .. }),
        "{err:?}"
    );
}

#[test]
fn unreadable_ca_files_are_config_errors() {
    let err = Client::builder("https://127.0.0.1:1")
        .ca_file("/nonexistent/ca.pem")
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    assert!(err.to_string().contains("/nonexistent/ca.pem"), "{err}");
    let err = Client::builder("https://127.0.0.1:1")
        .ca_pem("not a pem")
        .build()
        .unwrap_err();
    assert!(
        err.to_string().contains("holds no PEM certificate"),
        "{err}"
    );
}

/// `xsite doctor` names the site whose connection trusts any certificate, and only that one
/// (the other trusts the server's CA); neither is plain http.
#[tokio::test]
async fn doctor_names_the_site_that_trusts_all() {
    use xsite::doctor::{self, Check, Options};
    use xsite::runbook::{Site, Sites};
    let pki = Pki::new();
    let (url, _) = https_server(&pki, None).await;
    let sites = Sites::new([
        Site {
            name: "site-a".to_owned(),
            client: builder(&url).trust_all(true).build().unwrap(),
        },
        Site {
            name: "site-b".to_owned(),
            client: builder(&url).ca_pem(pki.ca_pem.clone()).build().unwrap(),
        },
    ]);
    let options = Options {
        timeout: std::time::Duration::from_secs(20),
    };
    let report = doctor::diagnose(&sites, &xsite::CacheSet::custom(["work"]), &options).await;
    let trust_all: Vec<_> = report
        .of(Check::TrustAll)
        .map(|f| (f.site.clone(), f.message.clone()))
        .collect();
    assert_eq!(
        trust_all,
        [(
            Some("site-a".to_owned()),
            format!("the connection to {url}/rest trusts any certificate")
        )],
        "{:?}",
        report.findings
    );
    assert_eq!(
        report.of(Check::PlainHttp).count(),
        0,
        "{:?}",
        report.findings
    );
    assert!(!report.ok());
}
