//! `connect [<url>] [-u USER] [-p PASSWORD] [--trustall] [-t FILE] …`
//!
//! Straight line: parse the connection string → build an [`xsite::Client`] → `GET /v2/server`
//! (discovery) and the container information. On a 401 without credentials, ask for them (as
//! cli.sh does) and try once more. Credentials come from, in order: `-u`/`-p`, the URL's
//! user-info, `XSITE_USERNAME`/`XSITE_PASSWORD`, the prompt.

use std::path::Path;

use secrecy::{ExposeSecret, SecretString};
use xsite::routes::ContainerPath;
use xsite::{Client, Credentials};
use xsite_batch::script::Connect;

use crate::console::{Console, Reply};
use crate::error::{CliError, CliResult, Kind};
use crate::session::{Connection, Session, TlsSettings, version_from_text};
use crate::target::{self, Target};

/// The environment variable holding the username when none is given.
pub const USERNAME_ENV: &str = "XSITE_USERNAME";
/// The environment variable holding the password when none is given.
pub const PASSWORD_ENV: &str = "XSITE_PASSWORD";

/// Runs `connect`.
pub fn run(session: &mut Session, console: &mut Console, args: &Connect) -> CliResult<Reply> {
    session.disconnect();
    let target = target::parse(args.url.as_deref()).map_err(CliError::usage)?;
    let tls = merge_tls(&session.tls, args);
    if let Some(verifier) = &tls.hostname_verifier {
        console.note(&format!(
            "xsite: --hostname-verifier '{verifier}' is not supported and is ignored: the server \
             certificate must match the host name (use --trustall for a test server)"
        ));
    }
    if args.provider.is_some() {
        console.note("xsite: --provider is ignored: xsite uses rustls");
    }

    let mut username = args.username.clone().or_else(|| target.username.clone());
    let mut password = args
        .password
        .clone()
        .or_else(|| {
            // The shared model keeps the URL's password as written; cli.sh URL-decodes it.
            args.url_password
                .as_ref()
                .map(|p| SecretString::from(target::decode(p.expose_secret())))
        })
        .or_else(|| target.password.clone());
    if username.is_none() {
        username = std::env::var(USERNAME_ENV).ok().filter(|u| !u.is_empty());
        if username.is_some() && password.is_none() {
            password = std::env::var(PASSWORD_ENV).ok().map(SecretString::from);
        }
    }
    if username.is_some() && password.is_none() {
        // cli.sh asks for the password of a username given without one.
        password = session.prompter.password();
    }
    let explicit = username.is_some();

    let first = open(
        session,
        &target,
        &tls,
        args,
        credentials(&username, &password),
    );
    let conn = match first {
        Err(e) if !explicit && is_unauthorized(&e) => {
            // cli.sh: the server wants credentials, so ask for them (the demo grid's are known).
            if let Some((user, pass)) = session.default_credentials.clone() {
                let conn = open(
                    session,
                    &target,
                    &tls,
                    args,
                    credentials(&Some(user), &Some(pass)),
                )
                .map_err(|e| sdk_error(&e, true))?;
                session.set_connection(conn);
                return Ok(Reply::Nothing);
            }
            let Some(user) = session.prompter.username() else {
                return Err(sdk_error(&e, false));
            };
            let pass = if user.is_empty() {
                Some(SecretString::from(""))
            } else {
                session.prompter.password()
            };
            open(
                session,
                &target,
                &tls,
                args,
                credentials(&Some(user), &pass),
            )
            .map_err(|e| sdk_error(&e, true))?
        }
        other => other.map_err(|e| sdk_error(&e, explicit))?,
    };
    session.set_connection(conn);
    Ok(Reply::Nothing)
}

fn credentials(username: &Option<String>, password: &Option<SecretString>) -> Credentials {
    match username {
        Some(user) => Credentials::password(
            user.clone(),
            password.clone().unwrap_or_else(|| SecretString::from("")),
        ),
        None => Credentials::None,
    }
}

fn is_unauthorized(error: &OpenError) -> bool {
    matches!(error, OpenError::Sdk(xsite::Error::Unauthorized(_)))
}

/// Why a connection could not be opened.
#[derive(Debug)]
enum OpenError {
    Sdk(xsite::Error),
    Cli(CliError),
}

fn sdk_error(error: &OpenError, had_credentials: bool) -> CliError {
    match error {
        OpenError::Cli(e) => e.clone(),
        OpenError::Sdk(e) => {
            let mut err = CliError::from_sdk(e);
            if let xsite::Error::Unauthorized(_) = e {
                err.kind = Kind::Auth;
                if !had_credentials {
                    err.hints = vec![
                        "the server wants credentials: connect -u USER, put them in the URL \
                         (http://user@host:port), or set XSITE_USERNAME / XSITE_PASSWORD"
                            .to_owned(),
                    ];
                }
            }
            err
        }
    }
}

/// Builds the client and reads what the prompt and the context need.
fn open(
    session: &Session,
    target: &Target,
    tls: &TlsSettings,
    args: &Connect,
    credentials: Credentials,
) -> Result<Connection, OpenError> {
    let client =
        build_client(target, tls, args, credentials.clone(), None).map_err(OpenError::Cli)?;
    let client = match session.block_on(client.discover()) {
        Ok(_) => client,
        // A server version text the SDK cannot read: every generation still answers the 14.0
        // container path (deprecated on 15+, but served), so use it. The failed discovery is
        // cached in the first client, hence a new one.
        Err(xsite::Error::Decode { .. }) => {
            let fallback = ContainerPath::CacheManager("default".to_owned());
            build_client(target, tls, args, credentials, Some(fallback)).map_err(OpenError::Cli)?
        }
        Err(e) => return Err(OpenError::Sdk(e)),
    };
    let info = session
        .block_on(client.container_info())
        .map_err(OpenError::Sdk)?;
    let container = info.name().unwrap_or("default").to_owned();
    let label = match (info.node_address(), info.cluster_name()) {
        (Some(node), cluster) => format!("{node}@{}", cluster.unwrap_or("null")),
        _ => target.host_port(),
    };
    let version = info
        .version()
        .and_then(version_from_text)
        .unwrap_or_default();
    Ok(Connection {
        client,
        target: target.clone(),
        label,
        containers: vec![container],
        info,
        version,
    })
}

fn build_client(
    target: &Target,
    tls: &TlsSettings,
    args: &Connect,
    credentials: Credentials,
    container: Option<ContainerPath>,
) -> Result<Client, CliError> {
    let mut builder = Client::builder(target.base_url()).credentials(credentials);
    if let Some(timeout) = tls.timeout {
        builder = builder.timeout(timeout);
    }
    if let Some(container) = container {
        builder = builder.container_path(container);
    }
    if let Some(path) = &args.context_path {
        builder = builder.context_path(path.clone());
    }
    if target.is_tls() {
        if let Some(truststore) = &tls.truststore {
            check_pem(truststore, "truststore")?;
            builder = builder.ca_file(truststore.clone());
        }
        if let Some(keystore) = &tls.keystore {
            let pem = check_pem(keystore, "keystore")?;
            builder = builder.client_identity_pem(pem);
        }
        builder = builder.trust_all(tls.trustall);
    }
    builder.build().map_err(|e| CliError::from_sdk(&e))
}

/// Reads a PEM file, or explains that xsite cannot read a Java keystore.
fn check_pem(path: &Path, what: &str) -> Result<Vec<u8>, CliError> {
    let bytes = std::fs::read(path)
        .map_err(|e| CliError::config(format!("Cannot read the {what} {}: {e}", path.display())))?;
    if !bytes.windows(11).any(|w| w == b"-----BEGIN ") {
        let hint = if what == "truststore" {
            format!(
                "export the CA certificate as PEM, e.g. keytool -exportcert -rfc -keystore {} \
                 -alias <alias> -file ca.pem, then use --truststore ca.pem",
                path.display()
            )
        } else {
            format!(
                "convert it to one PEM file holding the private key and the certificate, e.g. \
                 openssl pkcs12 -in {} -nodes -out client.pem",
                path.display()
            )
        };
        return Err(CliError::config(format!(
            "The {what} {} is not a PEM file: xsite reads PEM files only (rustls cannot read \
             JKS or PKCS#12 keystores)",
            path.display()
        ))
        .with_hint(hint));
    }
    Ok(bytes)
}

fn merge_tls(defaults: &TlsSettings, args: &Connect) -> TlsSettings {
    TlsSettings {
        trustall: defaults.trustall || args.trustall,
        truststore: args
            .truststore
            .as_ref()
            .map(Into::into)
            .or_else(|| defaults.truststore.clone()),
        truststore_password: args
            .truststore_password
            .clone()
            .or_else(|| defaults.truststore_password.clone()),
        keystore: args
            .keystore
            .as_ref()
            .map(Into::into)
            .or_else(|| defaults.keystore.clone()),
        keystore_password: args
            .keystore_password
            .clone()
            .or_else(|| defaults.keystore_password.clone()),
        hostname_verifier: args
            .hostname_verifier
            .clone()
            .or_else(|| defaults.hostname_verifier.clone()),
        timeout: defaults.timeout,
    }
}
