//! The state a shell keeps between commands: the connection, the `cd` context, the TLS settings
//! given on the command line, and the names the completer offers.
//!
//! The session owns a current-thread tokio runtime; every command runs its SDK call with
//! [`Session::block_on`], so the shell itself stays synchronous.

use std::future::Future;
use std::sync::{Arc, RwLock};

use secrecy::SecretString;
use xsite::{Client, ContainerInfo};
use xsite_clish::{CliVersion, Context, Mode, ResolveError};

use crate::commands::connect::PendingConnect;
use crate::endpoint::Endpoint;
use crate::error::{CliError, CliResult, Kind};
use crate::prompt::Prompter;
use crate::sites::SiteRegistry;
pub use crate::tls::TlsSettings;

/// Names read from the server for completion: never fetched by the completer itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Names {
    /// The defined caches, in the server's order.
    pub caches: Vec<String>,
    /// The sites: the sites view plus every backup site.
    pub sites: Vec<String>,
    /// The containers.
    pub containers: Vec<String>,
}

/// The names, shared with the completer.
pub type SharedNames = Arc<RwLock<Names>>;

/// An open connection.
#[derive(Debug)]
pub struct Connection {
    /// The SDK client.
    pub client: Client,
    /// Where it points.
    pub endpoint: Endpoint,
    /// What the prompt shows: `node@cluster`, or `host:port` if the server names no node.
    pub label: String,
    /// The containers (normally just `default`).
    pub containers: Vec<String>,
    /// The last container information read.
    pub info: ContainerInfo,
    /// The server's version, which decides some of cli.sh's message texts.
    pub version: CliVersion,
}

impl Connection {
    /// The defined caches, as `ls caches` lists them (without `___protobuf_metadata`).
    pub fn caches(&self) -> Vec<String> {
        self.info
            .defined_caches()
            .into_iter()
            .filter(|c| c != "___protobuf_metadata")
            .collect()
    }
}

/// The shell's state.
pub struct Session {
    rt: tokio::runtime::Runtime,
    /// The open connection, if any.
    pub conn: Option<Connection>,
    /// The `cd` location, the cli.sh version and mode: the shared command model's context,
    /// against which every command is resolved.
    pub context: Context,
    /// TLS settings from the command line.
    pub tls: TlsSettings,
    /// Asks for a username and password when the server wants them.
    pub prompter: Box<dyn Prompter>,
    /// Names for the completer.
    pub names: SharedNames,
    /// Whether lines come from a person or a file (some cli.sh messages differ).
    pub mode: Mode,
    /// Credentials `connect` uses when none are given and the server asks (the demo grid's).
    pub default_credentials: Option<(String, SecretString)>,
    /// The named sites the runbooks work on (`--site-url`, the profile, the demo grid).
    pub sites: SiteRegistry,
    /// Whether `connect` leaves its requests to the first command that needs them (a batch's
    /// `-c URL`); see [`PendingConnect`].
    pub defer_connect: bool,
    /// The connection `connect` left pending, while [`Session::conn`] is its provisional stand-in.
    pub pending_connect: Option<PendingConnect>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("conn", &self.conn)
            .field("mode", &self.mode)
            .field("sites", &self.sites)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// A disconnected session.
    pub fn new(tls: TlsSettings, prompter: Box<dyn Prompter>, mode: Mode) -> Session {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a current-thread tokio runtime always builds");
        Session {
            rt,
            conn: None,
            context: Context::disconnected(CliVersion::default(), mode),
            tls,
            prompter,
            names: SharedNames::default(),
            mode,
            default_credentials: None,
            sites: SiteRegistry::default(),
            defer_connect: false,
            pending_connect: None,
        }
    }

    /// Runs a future to completion on the session's runtime. In the shell, Ctrl-C abandons it
    /// and answers [`crate::interrupt::Interruptible::interrupted`] (see [`crate::interrupt`]).
    pub fn block_on<F>(&self, future: F) -> F::Output
    where
        F: Future,
        F::Output: crate::interrupt::Interruptible,
    {
        self.rt.block_on(crate::interrupt::interruptible(future))
    }

    /// The runtime, for code that must hold a connection and the runtime at once.
    pub fn runtime(&self) -> &tokio::runtime::Runtime {
        &self.rt
    }

    /// The CLI version whose messages apply: the server's, or 14.0 before connecting.
    pub fn version(&self) -> CliVersion {
        self.conn.as_ref().map(|c| c.version).unwrap_or_default()
    }

    /// The connection, or cli.sh's error for a command that needs one.
    pub fn connection(&self) -> CliResult<&Connection> {
        self.conn.as_ref().ok_or_else(not_connected)
    }

    /// The connection, mutably, or cli.sh's error for a command that needs one.
    pub fn connection_mut(&mut self) -> CliResult<&mut Connection> {
        self.conn.as_mut().ok_or_else(not_connected)
    }

    /// The SDK client, or cli.sh's error for a command that needs a connection.
    pub fn client(&self) -> CliResult<Client> {
        Ok(self.connection()?.client.clone())
    }

    /// The prompt: `[node@cluster//containers/default]> ` or `[disconnected]> `. With `color`,
    /// the connection is green and `disconnected` yellow, as in cli.sh.
    pub fn prompt(&self, color: bool) -> String {
        use crate::render::ansi::{DEFAULT_FG, GREEN, YELLOW};
        match &self.conn {
            Some(conn) => {
                let (start, end) = if color { (GREEN, DEFAULT_FG) } else { ("", "") };
                // cli.sh joins "/" + name from the root, whose name is empty.
                let path = match self.context.path().as_deref() {
                    None | Some("/") => "/".to_owned(),
                    Some(path) => format!("/{path}"),
                };
                format!("[{start}{}{end}{path}]> ", conn.label)
            }
            None => {
                let (start, end) = if color {
                    (YELLOW, DEFAULT_FG)
                } else {
                    ("", "")
                };
                format!("[{start}disconnected{end}]> ")
            }
        }
    }

    /// The interactive shell's prompt: cli.sh's ([`Session::prompt`]), followed by the server's
    /// `host:port` when the prompt names a node instead, so that two grids with the same node
    /// names (a demo and a real one, two sites) are told apart: `[site-a-0@site-a//containers/
    /// default] (dg.example.com:11222)> `. Batch output never shows a prompt, so cli.sh's bytes
    /// are unchanged.
    pub fn shell_prompt(&self, color: bool) -> String {
        let prompt = self.prompt(color);
        match &self.conn {
            Some(conn) if conn.label != conn.endpoint.host_port() => {
                let base = prompt.strip_suffix("> ").unwrap_or(&prompt);
                format!("{base} ({})> ", conn.endpoint.host_port())
            }
            _ => prompt,
        }
    }

    /// Re-reads the names the completer offers (caches, sites). Failures leave the old names:
    /// completion must never be the reason a command fails.
    pub fn refresh_names(&mut self) {
        let Some(conn) = &self.conn else {
            *self.names.write().unwrap_or_else(|e| e.into_inner()) = Names::default();
            return;
        };
        let mut sites = conn.info.sites_view();
        if let Ok(statuses) = self.block_on(conn.client.container().xsite().status()) {
            for site in statuses.keys() {
                if !sites.contains(site) {
                    sites.push(site.clone());
                }
            }
        }
        let names = Names {
            caches: conn.caches(),
            sites,
            containers: conn.containers.clone(),
        };
        *self.names.write().unwrap_or_else(|e| e.into_inner()) = names;
    }

    /// Closes the connection, if any.
    pub fn disconnect(&mut self) -> bool {
        self.pending_connect = None;
        let was = self.conn.take().is_some();
        self.context = Context::disconnected(self.context.version(), self.mode);
        self.refresh_names();
        was
    }

    /// Makes `conn` the connection, at `/containers/<container>` as cli.sh does.
    pub fn set_connection(&mut self, conn: Connection) {
        let container = conn.containers.first().cloned().unwrap_or_default();
        self.context = Context::connected(conn.version, self.mode, &container)
            .with_containers(conn.containers.clone())
            .with_caches(conn.caches());
        self.conn = Some(conn);
        self.refresh_names();
    }

    /// Leaves a connection pending: its provisional stand-in becomes the connection, at
    /// `/containers/default`, and nothing is sent.
    pub fn set_pending_connect(&mut self, pending: PendingConnect) {
        let conn = pending.provisional();
        self.context = Context::connected(conn.version, self.mode, &conn.containers[0])
            .with_containers(conn.containers.clone());
        self.conn = Some(conn);
        self.pending_connect = Some(pending);
    }

    /// Tells the context which caches exist, so that `cd` checks names as cli.sh does.
    pub fn update_caches(&mut self) {
        if let Some(conn) = &self.conn {
            self.context = self.context.clone().with_caches(conn.caches());
        }
    }
}

/// cli.sh's answer to a command that needs a connection when there is none.
pub fn not_connected() -> CliError {
    CliError::new(
        Kind::NotConnected,
        ResolveError::NotConnected.message(CliVersion::default()),
    )
    .with_hint("connect first: connect [http(s)://]host:port")
}

/// Reads cli.sh's version from the server's version text (`Infinispan 'Flying Saucer'
/// 14.0.35.Final`, or `14.0.35.Final`).
pub fn version_from_text(text: &str) -> Option<CliVersion> {
    text.split_whitespace()
        .rev()
        .find_map(|word| word.trim_matches('\'').parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(
            version_from_text("Infinispan 'Flying Saucer' 14.0.35.Final"),
            Some(CliVersion::new(14, 0, 35))
        );
        assert_eq!(version_from_text("16.0.9"), Some(CliVersion::new(16, 0, 9)));
        assert_eq!(version_from_text("garbage"), None);
    }
}
