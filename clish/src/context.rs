//! Where a command runs (the `cd` context and the connection), and what it acts on.
//!
//! cli.sh checks some things only when a command runs: which cache a `site` command means
//! when `--cache` is missing, whether `--cache` and `--all-caches` were both given, whether a
//! `--mode` value exists, whether a `cd` path exists. [`resolve`] makes those checks from a
//! [`Context`], with cli.sh's messages.

use std::fmt;

use super::command::{Command, SiteAction, SiteCommand};
use super::messages::{self, Mode};
use super::version::CliVersion;

/// A resource of the CLI's tree (`cli/.../resources/*`): `/containers/<c>/caches/<cache>`,
/// counters, configurations, schemas, tasks, `/cluster/<node>`, `/server`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    Containers,
    Container(String),
    Caches,
    Cache(String),
    /// A key inside a cache; `cd` to a key is ignored by cli.sh.
    Key(String),
    Counters,
    Counter(String),
    Configurations,
    Schemas,
    Tasks,
    Task(String),
    Cluster,
    Member(String),
    Server,
}

impl Node {
    fn name(&self) -> &str {
        match self {
            Node::Containers => "containers",
            Node::Caches => "caches",
            Node::Counters => "counters",
            Node::Configurations => "configurations",
            Node::Schemas => "schemas",
            Node::Tasks => "tasks",
            Node::Cluster => "cluster",
            Node::Server => "server",
            Node::Container(n)
            | Node::Cache(n)
            | Node::Key(n)
            | Node::Counter(n)
            | Node::Task(n)
            | Node::Member(n) => n,
        }
    }
}

/// The state a command runs in: the cli.sh version and mode, the connection and `cd` location,
/// and optionally what the server is known to hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    version: CliVersion,
    mode: Mode,
    /// `None` when disconnected; else the path from the root (empty = the root).
    location: Option<Vec<Node>>,
    /// The container `connect` moves to (cli.sh picks the server's first container).
    default_container: String,
    containers: Option<Vec<String>>,
    caches: Option<Vec<String>>,
}

/// The container name of a default Infinispan or Data Grid server, and of the Operator's.
pub const DEFAULT_CONTAINER: &str = "default";

impl Context {
    /// A disconnected cli.sh.
    pub fn disconnected(version: CliVersion, mode: Mode) -> Context {
        Context {
            version,
            mode,
            location: None,
            default_container: DEFAULT_CONTAINER.to_owned(),
            containers: None,
            caches: None,
        }
    }

    /// A cli.sh just connected: it moves to `/containers/<container>`.
    pub fn connected(version: CliVersion, mode: Mode, container: &str) -> Context {
        Context {
            location: Some(vec![
                Node::Containers,
                Node::Container(container.to_owned()),
            ]),
            default_container: container.to_owned(),
            ..Context::disconnected(version, mode)
        }
    }

    /// Where a Batch CR's script starts: batch mode, connected through the Operator's
    /// `autoconnect-url`, at `/containers/default`.
    pub fn batch_job(version: CliVersion) -> Context {
        Context::connected(version, Mode::Batch, DEFAULT_CONTAINER)
    }

    /// Also checks container names against this list (else any name is accepted).
    pub fn with_containers<I, S>(mut self, names: I) -> Context
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.containers = Some(names.into_iter().map(Into::into).collect());
        self
    }

    /// Also checks cache names in `cd` paths against this list (else any name is accepted).
    pub fn with_caches<I, S>(mut self, names: I) -> Context
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.caches = Some(names.into_iter().map(Into::into).collect());
        self
    }

    /// The cli.sh version.
    pub fn version(&self) -> CliVersion {
        self.version
    }

    /// Batch or interactive.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Whether cli.sh is connected.
    pub fn is_connected(&self) -> bool {
        self.location.is_some()
    }

    /// The container of the `cd` location, if inside one.
    pub fn container(&self) -> Option<&str> {
        self.location.as_ref()?.iter().find_map(|n| match n {
            Node::Container(name) => Some(name.as_str()),
            _ => None,
        })
    }

    /// The cache of the `cd` location, if inside one (`CacheResource.findCacheName`).
    pub fn cache(&self) -> Option<&str> {
        self.location.as_ref()?.iter().find_map(|n| match n {
            Node::Cache(name) => Some(name.as_str()),
            _ => None,
        })
    }

    /// The absolute path of the location (`/containers/default/caches/work`); `None` when
    /// disconnected.
    pub fn path(&self) -> Option<String> {
        let location = self.location.as_ref()?;
        if location.is_empty() {
            return Some("/".to_owned());
        }
        Some(location.iter().map(|n| format!("/{}", n.name())).collect())
    }

    /// The context after `cd <path>`, or cli.sh's error. A path that ends on a cache key
    /// leaves the location as it was, as cli.sh does.
    pub fn cd(&self, path: &str) -> Result<Context, ResolveError> {
        let current = self.location.as_ref().ok_or(ResolveError::NullConnection)?;
        let target = self.walk(current, path)?;
        let mut next = self.clone();
        if !matches!(target.last(), Some(Node::Key(_))) {
            next.location = Some(target);
        }
        Ok(next)
    }

    /// The context after `command` ran, whether or not it succeeded: a failed `cd` leaves it
    /// unchanged, `connect` moves to the default container, `disconnect` and `quit`
    /// disconnect.
    pub fn after(&self, command: &Command) -> Context {
        match command {
            Command::Cd { path } => self.cd(path).unwrap_or_else(|_| self.clone()),
            Command::Connect(_) => Context {
                location: Some(vec![
                    Node::Containers,
                    Node::Container(self.default_container.clone()),
                ]),
                ..self.clone()
            },
            Command::Disconnect | Command::Quit => Context {
                location: None,
                ..self.clone()
            },
            _ => self.clone(),
        }
    }

    /// `AbstractResource.getResource`: `.` and `..` as whole paths, else `/`-separated parts
    /// (Java's `split`, which drops trailing empty parts; an empty part means the root).
    fn walk(&self, current: &[Node], path: &str) -> Result<Vec<Node>, ResolveError> {
        match path {
            "." => return Ok(current.to_vec()),
            ".." => {
                return match current.split_last() {
                    Some((_, parent)) => Ok(parent.to_vec()),
                    None => Err(ResolveError::NoParent),
                };
            }
            _ => {}
        }
        let mut parts: Vec<&str> = path.split('/').collect();
        while parts.last() == Some(&"") {
            parts.pop();
        }
        let mut location = current.to_vec();
        if parts.is_empty() {
            location.clear();
        }
        for part in parts {
            if part.is_empty() {
                location.clear();
            } else {
                self.child(&mut location, part)?;
            }
        }
        Ok(location)
    }

    /// `getChild` of the resource at the end of `location`.
    fn child(&self, location: &mut Vec<Node>, name: &str) -> Result<(), ResolveError> {
        let no_such = || ResolveError::NoSuchResource {
            name: name.to_owned(),
        };
        let known =
            |list: &Option<Vec<String>>| list.as_ref().is_none_or(|l| l.iter().any(|n| n == name));
        // The root has no `..` child; every other resource goes back to its parent.
        if name == ".." && !location.is_empty() {
            location.pop();
            return Ok(());
        }
        let next = match location.last() {
            None => match name {
                "containers" => Node::Containers,
                "cluster" => Node::Cluster,
                "server" => Node::Server,
                _ => return Err(no_such()),
            },
            Some(Node::Containers) if known(&self.containers) => Node::Container(name.to_owned()),
            Some(Node::Container(_)) => match name {
                "caches" => Node::Caches,
                "counters" => Node::Counters,
                "configurations" => Node::Configurations,
                "schemas" => Node::Schemas,
                "tasks" => Node::Tasks,
                _ => return Err(no_such()),
            },
            Some(Node::Caches) if known(&self.caches) => Node::Cache(name.to_owned()),
            Some(Node::Cache(_)) => Node::Key(name.to_owned()),
            Some(Node::Counters) => Node::Counter(name.to_owned()),
            Some(Node::Tasks) => Node::Task(name.to_owned()),
            Some(Node::Cluster) => Node::Member(name.to_owned()),
            _ => return Err(no_such()),
        };
        location.push(next);
        Ok(())
    }
}

/// What a command acts on, once the context is taken into account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// One cache.
    Cache(String),
    /// Every cache of the container (`--all-caches`). On 14.0 the REST path names the
    /// container (`/rest/v2/cache-managers/{container}`); from 15.0 it is `/rest/v2/container`
    /// and `container` is `None`.
    AllCaches {
        /// The container, when the version addresses it by name.
        container: Option<String>,
    },
    /// The server's container information (`site view`, `site name`, relay nodes).
    Server,
    /// A resource of the CLI's tree, as an absolute path (`cd`, `ls`).
    Resource(String),
    /// Nothing on the server (`echo`, `help`, `connect`, …), or a command this crate does not
    /// type.
    Local,
}

/// The cross-site state transfer mode accepted by `site state-transfer-mode set`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransferMode {
    /// `AUTO`.
    Auto,
    /// `MANUAL`.
    Manual,
}

impl TransferMode {
    /// Every mode, in the order completion offers them.
    pub const ALL: [TransferMode; 2] = [TransferMode::Auto, TransferMode::Manual];

    /// The enum constant name.
    pub fn as_str(self) -> &'static str {
        match self {
            TransferMode::Auto => "AUTO",
            TransferMode::Manual => "MANUAL",
        }
    }
}

/// A command with its context resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    /// What it acts on.
    pub target: Target,
    /// For `site state-transfer-mode set`, the mode after the CLI's upper-casing.
    pub mode: Option<TransferMode>,
}

impl Resolution {
    fn target(target: Target) -> Resolution {
        Resolution { target, mode: None }
    }
}

/// Why a command fails once it runs, before any request is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResolveError {
    /// The command needs a connection: interactively for every command that does (Aesh's
    /// activator); in batch mode, where the activator lets every command run, for the REST
    /// commands (`site status`, `site take-offline`, `clearcache`, …), which print this and
    /// fail.
    NotConnected,
    /// `disconnect` in batch mode without a connection: it prints `Not connected` and fails.
    AlreadyDisconnected,
    /// `site view|name|is-relay-node|relay-nodes`, `cd` and `ls` in batch mode without a
    /// connection: they fail on a Java `NullPointerException` (worded by the JVM).
    NullConnection,
    /// `--cache` together with `--all-caches`.
    MutuallyExclusive,
    /// Neither `--cache`, nor `--all-caches`, nor a cache in the context.
    MissingCacheOrAllCaches,
    /// The context lacks the cache (or, on 14.0 with `--all-caches`, the container).
    WrongContext,
    /// `cd ..` at the root.
    NoParent,
    /// A `cd`/`ls` path part that does not exist.
    NoSuchResource {
        /// The part.
        name: String,
    },
    /// A `--mode` that is not a transfer mode.
    InvalidMode {
        /// The value, upper-cased as the CLI does before looking it up.
        value: String,
    },
}

impl ResolveError {
    /// The message, as cli.sh `version` words it.
    pub fn message(&self, version: CliVersion) -> String {
        match self {
            ResolveError::NotConnected => messages::NOT_AVAILABLE.to_owned(),
            ResolveError::AlreadyDisconnected => messages::NOT_CONNECTED.to_owned(),
            ResolveError::NullConnection => {
                "NullPointerException: the command needs a connection (cli.sh is not connected)"
                    .to_owned()
            }
            ResolveError::MutuallyExclusive => messages::mutually_exclusive_cache_options(version),
            ResolveError::MissingCacheOrAllCaches => {
                messages::requires_cache_or_all_caches(version)
            }
            ResolveError::WrongContext | ResolveError::NoParent => {
                messages::WRONG_CONTEXT.to_owned()
            }
            ResolveError::NoSuchResource { name } => messages::no_such_resource(name),
            ResolveError::InvalidMode { value } => messages::no_enum_constant(version, value),
        }
    }

    /// The line cli.sh prints for it, when known exactly. `cd` and `ls` failures go through the
    /// CLI's catch-all, which prefixes the exception's class (on standard error); REST commands
    /// print the message alone. `None` for [`ResolveError::NullConnection`], whose text comes
    /// from the JVM.
    pub fn printed(&self, version: CliVersion) -> Option<String> {
        match self {
            ResolveError::NullConnection => None,
            ResolveError::NoSuchResource { .. } => Some(format!(
                "IllegalArgumentException: {}",
                self.message(version)
            )),
            ResolveError::NoParent => {
                Some(format!("IllegalStateException: {}", self.message(version)))
            }
            _ => Some(self.message(version)),
        }
    }

    /// Whether this failure stops a batch run by cli.sh `version`: from 16.0.9 every failure
    /// does; before, none of these does (only parse errors do), the batch goes on.
    pub fn stops_batch(&self, version: CliVersion) -> bool {
        version.batch_stops_on_failure()
    }
}

impl fmt::Display for ResolveError {
    /// The wording of [`CliVersion::default`]; see [`ResolveError::message`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(CliVersion::default()))
    }
}

impl std::error::Error for ResolveError {}

/// Commands whose Aesh activator requires a connection (`ConnectionActivator`).
fn needs_connection(name: &str) -> bool {
    matches!(name, "site" | "clearcache" | "cd" | "ls" | "disconnect")
}

/// Resolves what `command` acts on in `context`, with the checks cli.sh makes when the
/// command runs (see the module documentation). Commands this crate does not type resolve to
/// [`Target::Local`] unchecked.
pub fn resolve(command: &Command, context: &Context) -> Result<Resolution, ResolveError> {
    if needs_connection(command.name()) && !context.is_connected() {
        let error = match (context.mode(), command) {
            (Mode::Interactive, _) => Some(ResolveError::NotConnected),
            // In batch mode nothing stops the command: `-h` prints its usage, and the others
            // fail each in its own way (recorded with cli.sh 14.0.28 and 16.0.7, disconnected).
            (Mode::Batch, Command::Usage { .. } | Command::Site(SiteCommand::NoSubcommand)) => None,
            (Mode::Batch, Command::Site(SiteCommand::StateTransferModeNoSubcommand)) => None,
            (Mode::Batch, Command::Disconnect) => Some(ResolveError::AlreadyDisconnected),
            (
                Mode::Batch,
                Command::Cd { .. }
                | Command::Ls(_)
                | Command::Site(
                    SiteCommand::View
                    | SiteCommand::Name
                    | SiteCommand::IsRelayNode
                    | SiteCommand::RelayNodes,
                ),
            ) => Some(ResolveError::NullConnection),
            (Mode::Batch, _) => Some(ResolveError::NotConnected),
        };
        if let Some(error) = error {
            return Err(error);
        }
    }
    match command {
        Command::Site(site) => resolve_site(site, context),
        Command::ClearCache { cache } => {
            let cache = cache
                .clone()
                .or_else(|| context.cache().map(str::to_owned))
                .ok_or(ResolveError::WrongContext)?;
            Ok(Resolution::target(Target::Cache(cache)))
        }
        Command::Cd { path } => {
            let next = context.cd(path)?;
            Ok(Resolution::target(Target::Resource(
                next.path().unwrap_or_default(),
            )))
        }
        Command::Ls(ls) => {
            let current = context
                .location
                .as_ref()
                .ok_or(ResolveError::NotConnected)?;
            let listed = match &ls.path {
                Some(path) => context.walk(current, path)?,
                None => current.clone(),
            };
            let probe = Context {
                location: Some(listed),
                ..context.clone()
            };
            Ok(Resolution::target(Target::Resource(
                probe.path().unwrap_or_default(),
            )))
        }
        _ => Ok(Resolution::target(Target::Local)),
    }
}

fn resolve_site(site: &SiteCommand, context: &Context) -> Result<Resolution, ResolveError> {
    let version = context.version;
    let target = |cache: &Option<String>, all_caches: bool| -> Result<Target, ResolveError> {
        // `Site.checkMutualExclusiveCacheAndGlobal` looks at the option only: a cache from
        // the context together with `--all-caches` is fine, and `--all-caches` wins.
        if cache.is_some() && all_caches {
            return Err(ResolveError::MutuallyExclusive);
        }
        if all_caches {
            return if version.all_caches_needs_container() {
                let container = context.container().ok_or(ResolveError::WrongContext)?;
                Ok(Target::AllCaches {
                    container: Some(container.to_owned()),
                })
            } else {
                Ok(Target::AllCaches { container: None })
            };
        }
        cache
            .clone()
            .or_else(|| context.cache().map(str::to_owned))
            .map(Target::Cache)
            .ok_or(ResolveError::MissingCacheOrAllCaches)
    };
    let cache_or_context = |cache: &Option<String>| {
        cache
            .clone()
            .or_else(|| context.cache().map(str::to_owned))
            .ok_or(ResolveError::WrongContext)
    };
    let action = |a: &SiteAction| target(&a.cache, a.all_caches).map(Resolution::target);
    match site {
        SiteCommand::Status {
            cache, all_caches, ..
        } => target(cache, *all_caches).map(Resolution::target),
        SiteCommand::BringOnline(a)
        | SiteCommand::TakeOffline(a)
        | SiteCommand::PushSiteState(a)
        | SiteCommand::CancelPushState(a) => action(a),
        SiteCommand::CancelReceiveState { cache, .. }
        | SiteCommand::PushSiteStatus { cache }
        | SiteCommand::ClearPushSiteStatus { cache } => {
            Ok(Resolution::target(Target::Cache(cache.clone())))
        }
        SiteCommand::GetStateTransferMode { cache, .. } => {
            Ok(Resolution::target(Target::Cache(cache_or_context(cache)?)))
        }
        SiteCommand::SetStateTransferMode { cache, mode, .. } => {
            // The cache is looked up first, then the mode (`Site.SetStateTransferMode.exec`).
            let cache = cache_or_context(cache)?;
            let upper = mode.to_uppercase();
            let Some(mode) = TransferMode::ALL.into_iter().find(|m| m.as_str() == upper) else {
                return Err(ResolveError::InvalidMode { value: upper });
            };
            Ok(Resolution {
                target: Target::Cache(cache),
                mode: Some(mode),
            })
        }
        SiteCommand::View
        | SiteCommand::Name
        | SiteCommand::IsRelayNode
        | SiteCommand::RelayNodes => Ok(Resolution::target(Target::Server)),
        SiteCommand::NoSubcommand | SiteCommand::StateTransferModeNoSubcommand => {
            Ok(Resolution::target(Target::Local))
        }
    }
}
