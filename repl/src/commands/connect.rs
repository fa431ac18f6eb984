//! `connect [<url>] [-u USER] [-p PASSWORD] [--trustall] [-t FILE] …`
//!
//! Straight line: parse the connection string → build an [`xsite::Client`] → `GET /v2/server`
//! (discovery) and the container information. On a 401 without credentials, ask for them (as
//! cli.sh does) and try once more. The username comes from `-u`, the URL's user-info or
//! `XSITE_USERNAME`; its password from `-p`, the URL's user-info, `XSITE_PASSWORD` or the
//! prompt. A password that is the history's mask (`********`, from a recalled line) is never
//! sent: it is asked for again, or the line is refused before the working connection is closed.

use std::path::Path;

use secrecy::{ExposeSecret, SecretString};
use xsite::routes::ContainerPath;
use xsite::{AuthScheme, Client, Credentials};
use xsite_clish::{Connect, SECRET_PLACEHOLDER};

use crate::console::{Console, Reply};
use crate::endpoint::{self, Endpoint};
use crate::error::{CliError, CliResult, Kind};
use crate::session::{Connection, Session, TlsSettings, version_from_text};

/// The environment variable holding the username when none is given.
pub const USERNAME_ENV: &str = "XSITE_USERNAME";
/// The environment variable holding the password when none is given.
pub const PASSWORD_ENV: &str = "XSITE_PASSWORD";

/// Runs `connect`. With [`Session::defer_connect`] set (a batch's `-c URL`), everything up to the
/// first request runs now (the URL, the credentials, the notes) and the connection is left
/// pending: see [`PendingConnect`].
pub fn run(session: &mut Session, console: &mut Console, args: &Connect) -> CliResult<Reply> {
    let prepared = prepare(session, console, args)?;
    if session.defer_connect {
        let client = build_client(
            &prepared.endpoint,
            &prepared.tls,
            &prepared.args,
            credentials(&prepared.username, &prepared.password),
            None,
        )?;
        session.set_pending_connect(PendingConnect {
            prepared,
            client,
            label: None,
            established: false,
        });
        return Ok(Reply::Nothing);
    }
    open_prepared(session, console, &prepared)?;
    Ok(Reply::Nothing)
}

/// What `connect` read before sending anything: where to, with which credentials and TLS
/// settings.
#[derive(Debug)]
pub struct Prepared {
    endpoint: Endpoint,
    tls: TlsSettings,
    args: Connect,
    username: Option<String>,
    password: Option<SecretString>,
    supplied: Supplied,
}

/// A batch's `-c URL` connection whose requests wait for the first command that needs the
/// server. A one-shot `xsite -c URL -f file` thereby sends only what its commands need: a
/// cache-level `site` command goes out at once (its Digest challenge is the only extra request),
/// an `--all-caches` one after the version lookup its route needs. The connection's own reads
/// (the server version, the container information, the backups the completer offers) are made
/// only when a command needs them
/// ([`Executor::complete_pending_connect`](crate::exec::Executor::complete_pending_connect));
/// none of them changes what a batch prints, as no prompt is shown.
#[derive(Debug)]
pub struct PendingConnect {
    prepared: Prepared,
    /// The client the first commands use; kept once the connection is completed, so that its
    /// Digest session is not learnt twice.
    pub client: Client,
    /// The `connect …` line as reports echo it, and the output format in effect for it (its
    /// result is printed in that format later), set by the executor.
    pub label: Option<(String, crate::console::Format)>,
    /// Whether a command already got through to the server with [`PendingConnect::client`]
    /// (and `connect`'s result and notes were printed).
    pub established: bool,
}

impl PendingConnect {
    /// A connection to use before the server was read: the prompt's label is the `host:port`,
    /// the container `default`, the version cli.sh's default (only the cache-level and
    /// all-caches `site` commands run on it, and what they print depends on none of these).
    pub fn provisional(&self) -> Connection {
        Connection {
            client: self.client.clone(),
            endpoint: self.prepared.endpoint.clone(),
            label: self.prepared.endpoint.host_port(),
            containers: vec![xsite_clish::DEFAULT_CONTAINER.to_owned()],
            info: xsite::ContainerInfo {
                raw: Default::default(),
            },
            version: Default::default(),
        }
    }
}

/// Finishes a pending connection as `connect` would have: with the pending client when it already
/// got through to the server (`reuse_client`), else from the start (a new client, the credential
/// question on a 401). Prints `connect`'s notes; the caller prints its result.
pub fn complete(
    session: &mut Session,
    console: &mut Console,
    pending: PendingConnect,
    reuse_client: bool,
) -> CliResult<Reply> {
    if reuse_client {
        let conn = read_server(
            session,
            &pending.prepared.endpoint,
            &pending.prepared.tls,
            &pending.prepared.args,
            pending.client,
            credentials(&pending.prepared.username, &pending.prepared.password),
        )
        .map_err(|e| sdk_error(&e, &pending.prepared.supplied))?;
        // Its notes were printed when it got through.
        session.set_connection(conn);
    } else {
        session.disconnect();
        open_prepared(session, console, &pending.prepared)?;
    }
    Ok(Reply::Nothing)
}

/// Everything `connect` does before its first request.
fn prepare(session: &mut Session, console: &mut Console, args: &Connect) -> CliResult<Prepared> {
    let endpoint = match endpoint::parse(args.url.as_deref()) {
        Ok(endpoint) => endpoint,
        Err(message) => {
            session.disconnect();
            return Err(CliError::usage(message));
        }
    };
    // A line recalled from the history holds the mask instead of its passwords: they are asked
    // for again (or refused), and the mask is never sent. Before the working connection goes.
    let (args, masked) = unmask(args);
    let args = &args;
    let mut username = args.username.clone().or_else(|| endpoint.username.clone());
    let mut password = args.password.clone().or_else(|| {
        // The shared model keeps the URL's password as written; cli.sh URL-decodes it.
        args.url_password
            .as_ref()
            .map(|p| SecretString::from(endpoint::decode(p.expose_secret())))
    });
    if username.is_none() {
        username = std::env::var(USERNAME_ENV).ok().filter(|u| !u.is_empty());
    }
    if username.is_some() && password.is_none() {
        // Whatever gave the username (-u, the URL, XSITE_USERNAME), the password may come from
        // the environment; else cli.sh asks for it.
        password = std::env::var(PASSWORD_ENV)
            .ok()
            .map(SecretString::from)
            .or_else(|| session.prompter.password());
        if password.is_none() && crate::interrupt::take_prompt_cancelled() {
            return Err(cancelled_at_prompt());
        }
    }
    if masked && password.is_none() {
        return Err(CliError::usage(format!(
            "This line holds the history's mask {SECRET_PLACEHOLDER} in place of a password: \
             xsite does not send it"
        ))
        .with_hint(format!(
            "type the line again with the password, or without it to be asked (on a terminal), \
             or set {PASSWORD_ENV}"
        )));
    }
    let supplied = match (&username, &password) {
        (Some(_), Some(_)) => Supplied::Password,
        (Some(user), None) => Supplied::UserOnly(user.clone()),
        (None, _) => Supplied::Nothing,
    };

    session.disconnect();
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
    Ok(Prepared {
        endpoint,
        tls,
        args: args.clone(),
        username,
        password,
        supplied,
    })
}

/// Opens the connection: the server's reads, the credential question on a 401, the notes.
fn open_prepared(
    session: &mut Session,
    console: &mut Console,
    prepared: &Prepared,
) -> CliResult<()> {
    let Prepared {
        endpoint,
        tls,
        args,
        username,
        password,
        supplied,
    } = prepared;
    let supplied = supplied.clone();
    let first = open(
        session,
        endpoint,
        tls,
        args,
        credentials(username, password),
    );
    let conn = match first {
        Err(e) if supplied == Supplied::Nothing && is_unauthorized(&e) => {
            // cli.sh: the server wants credentials, so ask for them (the demo grid's are known).
            if let Some((user, pass)) = session.default_credentials.clone() {
                open(
                    session,
                    endpoint,
                    tls,
                    args,
                    credentials(&Some(user), &Some(pass)),
                )
                .map_err(|e| sdk_error(&e, &Supplied::Password))?
            } else {
                let Some(user) = session.prompter.username() else {
                    return Err(sdk_error(&e, &Supplied::Nothing));
                };
                let pass = if user.is_empty() {
                    Some(SecretString::from(""))
                } else {
                    session.prompter.password()
                };
                if pass.is_none() && crate::interrupt::take_prompt_cancelled() {
                    return Err(cancelled_at_prompt());
                }
                let asked = match &pass {
                    Some(_) => Supplied::Password,
                    None => Supplied::UserOnly(user.clone()),
                };
                open(
                    session,
                    endpoint,
                    tls,
                    args,
                    credentials(&Some(user), &pass),
                )
                .map_err(|e| sdk_error(&e, &asked))?
            }
        }
        other => other.map_err(|e| sdk_error(&e, &supplied))?,
    };
    finish(session, console, conn);
    Ok(())
}

/// `connect`'s notes for the session's connection (a pending one that just got through).
pub fn announce(session: &Session, console: &mut Console) {
    if let Some(conn) = &session.conn {
        warn_basic_in_clear(console, conn);
        note_runbook_sites(session, console, conn);
    }
}

/// `connect`'s notes, then the connection becomes the session's.
fn finish(session: &mut Session, console: &mut Console, conn: Connection) {
    warn_basic_in_clear(console, &conn);
    note_runbook_sites(session, console, &conn);
    session.set_connection(conn);
}

/// Ctrl-C at the password question: nothing is sent (a connection asked before the question
/// stays as it was).
fn cancelled_at_prompt() -> CliError {
    CliError::new(
        crate::error::Kind::Interrupted,
        "connect cancelled (Ctrl-C at the password prompt): nothing was sent",
    )
}

/// The arguments with every masked secret taken out, and whether the login password was one.
/// The PEM files xsite reads need no password, so masked store passwords are just dropped.
fn unmask(args: &Connect) -> (Connect, bool) {
    let is_mask = |secret: &Option<SecretString>| {
        secret
            .as_ref()
            .is_some_and(|s| s.expose_secret() == SECRET_PLACEHOLDER)
    };
    let mut args = args.clone();
    let mut login = false;
    for (secret, is_login) in [
        (&mut args.password, true),
        (&mut args.url_password, true),
        (&mut args.truststore_password, false),
        (&mut args.keystore_password, false),
    ] {
        if is_mask(secret) {
            *secret = None;
            login |= is_login;
        }
    }
    (args, login)
}

/// Warns, once per connection, when the server took the password with Basic over plain
/// `http://` (the password crosses the network readable; also a downgrade from Digest).
fn warn_basic_in_clear(console: &mut Console, conn: &Connection) {
    if !conn.endpoint.is_tls() && conn.client.auth_scheme() == Some(AuthScheme::Basic) {
        console.note(&basic_in_clear_warning(&conn.endpoint.host_port()));
    }
}

/// The warning for a server that took a password with Basic over plain `http://`: for
/// `connect`, and for the runbooks' site connections.
pub fn basic_in_clear_warning(host_port: &str) -> String {
    format!(
        "xsite: warning: {host_port} accepts the password with Basic authentication over plain \
         http: anyone on the network path can read it; use https://, or a server that offers \
         Digest"
    )
}

/// Says when the runbooks' named sites are elsewhere than this connection, so that
/// `runbook …` after `connect` to another grid does not silently act on the old one.
fn note_runbook_sites(session: &Session, console: &mut Console, conn: &Connection) {
    if session.sites.is_empty() {
        return;
    }
    let base = conn.endpoint.base_url();
    if session.sites.urls().contains(&base) {
        return;
    }
    console.note(&format!(
        "xsite: note: {base} is not one of the runbooks' sites; runbook commands still work on {} \
         (name the sites with --site-url or a profile)",
        session.sites.describe_urls()
    ));
}

/// The credentials to send: none until both a username and a password are known (a server
/// without security then lets the connection in, and one with security says what is missing).
fn credentials(username: &Option<String>, password: &Option<SecretString>) -> Credentials {
    match (username, password) {
        (Some(user), Some(password)) => Credentials::password(user.clone(), password.clone()),
        _ => Credentials::None,
    }
}

fn is_unauthorized(error: &OpenError) -> bool {
    matches!(error, OpenError::Sdk(xsite::Error::Unauthorized(_)))
}

/// Which credentials a connection attempt carried, for the error of a refused one.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Supplied {
    /// A username and a password.
    Password,
    /// A username, and no password from any source.
    UserOnly(String),
    /// None.
    Nothing,
}

/// Why a connection could not be opened.
#[derive(Debug)]
enum OpenError {
    Sdk(xsite::Error),
    Cli(CliError),
}

fn sdk_error(error: &OpenError, supplied: &Supplied) -> CliError {
    match error {
        OpenError::Cli(e) => e.clone(),
        OpenError::Sdk(e) => {
            let mut err = CliError::from_sdk(e);
            if let xsite::Error::Unauthorized(_) = e {
                err.kind = Kind::Auth;
                match supplied {
                    Supplied::Password => {}
                    // cli.sh's "The supplied credentials are invalid" would be untrue.
                    Supplied::UserOnly(user) => {
                        err.message =
                            format!("The server wants a password for {user}, and none was given");
                        err.hints = vec![format!(
                            "set {PASSWORD_ENV}, use connect -p, or run on a terminal to be asked"
                        )];
                    }
                    Supplied::Nothing => {
                        err.hints = vec![
                            "the server wants credentials: connect -u USER, put them in the URL \
                             (http://user@host:port), or set XSITE_USERNAME / XSITE_PASSWORD"
                                .to_owned(),
                        ];
                    }
                }
            }
            err
        }
    }
}

/// Builds the client and reads what the prompt and the context need.
fn open(
    session: &Session,
    endpoint: &Endpoint,
    tls: &TlsSettings,
    args: &Connect,
    credentials: Credentials,
) -> Result<Connection, OpenError> {
    let client =
        build_client(endpoint, tls, args, credentials.clone(), None).map_err(OpenError::Cli)?;
    read_server(session, endpoint, tls, args, client, credentials)
}

/// Reads what the prompt and the context need with `client`: the version (how the container is
/// addressed) and the container information.
fn read_server(
    session: &Session,
    endpoint: &Endpoint,
    tls: &TlsSettings,
    args: &Connect,
    client: Client,
    credentials: Credentials,
) -> Result<Connection, OpenError> {
    let client = match session.block_on(client.discover()) {
        Ok(_) => client,
        // A server version text the SDK cannot read: every generation still answers the 14.0
        // container path (deprecated on 15+, but served), so use it. The failed discovery is
        // cached in the first client, hence a new one.
        Err(xsite::Error::Decode { .. }) => {
            let fallback = ContainerPath::CacheManager("default".to_owned());
            build_client(endpoint, tls, args, credentials, Some(fallback))
                .map_err(OpenError::Cli)?
        }
        Err(e) => return Err(OpenError::Sdk(e)),
    };
    let info = session
        .block_on(client.container_info())
        .map_err(OpenError::Sdk)?;
    let container = info.name().unwrap_or("default").to_owned();
    let label = match (info.node_address(), info.cluster_name()) {
        (Some(node), cluster) => format!("{node}@{}", cluster.unwrap_or("null")),
        _ => endpoint.host_port(),
    };
    let version = info
        .version()
        .and_then(version_from_text)
        .unwrap_or_default();
    Ok(Connection {
        client,
        endpoint: endpoint.clone(),
        label,
        containers: vec![container],
        info,
        version,
    })
}

fn build_client(
    endpoint: &Endpoint,
    tls: &TlsSettings,
    args: &Connect,
    credentials: Credentials,
    container: Option<ContainerPath>,
) -> Result<Client, CliError> {
    let mut builder = Client::builder(endpoint.base_url()).credentials(credentials);
    if let Some(timeout) = tls.timeout {
        builder = builder.timeout(timeout);
    }
    if let Some(container) = container {
        builder = builder.container_path(container);
    }
    if let Some(path) = &args.context_path {
        builder = builder.context_path(path.clone());
    }
    if endpoint.is_tls() {
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
