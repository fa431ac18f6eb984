//! The typed commands, and how each is written back as cli.sh text.

use secrecy::{ExposeSecret, SecretString};

use super::lexer::{quote_with_prefix, quote_word};

/// What [`Command::render`] writes in place of a password.
///
/// Rendering never writes a secret in clear; it writes this placeholder instead (it does not
/// refuse), so that history, dry-run plans and logs can show the command. A script holding the
/// placeholder is rejected by [`lint`](super::lint) because cli.sh would send it as the password.
pub const SECRET_PLACEHOLDER: &str = "********";

/// One cli.sh command, typed.
///
/// The REPL adds its own commands as [`Command::Extension`] (see
/// [`Parser::with_extension`](super::Parser::with_extension)); to type one of them later, add a
/// variant here next to the cli.sh ones, with its parse arm in `parser.rs` and a render arm
/// below.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// `site …`.
    Site(SiteCommand),
    /// `clearcache [<cache>]`: without a name, the cache of the `cd` context.
    ClearCache {
        /// The cache to clear.
        cache: Option<String>,
    },
    /// `connect [<url>] …`.
    Connect(Box<Connect>),
    /// `disconnect`.
    Disconnect,
    /// `cd <path>`.
    Cd {
        /// The resource path, relative or absolute (`/containers/default/caches/work`).
        path: String,
    },
    /// `ls [<path>] …`.
    Ls(Ls),
    /// `echo <text…>`: prints the words joined by single spaces.
    Echo {
        /// The words.
        words: Vec<String>,
    },
    /// `help [<command>…]`: interactive only, not a batch command.
    Help {
        /// The command asked about.
        topic: Vec<String>,
    },
    /// `quit` (also `exit`, `bye`): interactive only, not a batch command.
    Quit,
    /// Any command given `-h`/`--help`: prints its usage and nothing else.
    Usage {
        /// The command's name and sub-command names, e.g. `["site", "take-offline"]`.
        path: Vec<String>,
    },
    /// A cli.sh batch command this crate does not type (`stats`, `describe`, …); kept as words.
    Other(RawCommand),
    /// A command registered by the REPL; kept as words, not a cli.sh command.
    Extension(RawCommand),
}

/// A command kept as its words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawCommand {
    /// The command name.
    pub name: String,
    /// The words after the name, quotes removed.
    pub args: Vec<String>,
}

/// `site` sub-commands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SiteCommand {
    /// `site status [--cache=C | --all-caches] [--site=S]`.
    Status {
        /// `--cache`.
        cache: Option<String>,
        /// `--all-caches`.
        all_caches: bool,
        /// `--site`.
        site: Option<String>,
    },
    /// `site bring-online`.
    BringOnline(SiteAction),
    /// `site take-offline`.
    TakeOffline(SiteAction),
    /// `site push-site-state` (starts a state transfer; brings the site online first).
    PushSiteState(SiteAction),
    /// `site cancel-push-state`.
    CancelPushState(SiteAction),
    /// `site cancel-receive-state --cache=C --site=S`.
    CancelReceiveState {
        /// `--cache` (required).
        cache: String,
        /// `--site` (required).
        site: String,
    },
    /// `site push-site-status --cache=C`.
    PushSiteStatus {
        /// `--cache` (required).
        cache: String,
    },
    /// `site clear-push-site-status --cache=C`.
    ClearPushSiteStatus {
        /// `--cache` (required).
        cache: String,
    },
    /// `site state-transfer-mode get [--cache=C] --site=S`.
    GetStateTransferMode {
        /// `--cache`; else the cache of the `cd` context.
        cache: Option<String>,
        /// `--site` (required).
        site: String,
    },
    /// `site state-transfer-mode set [--cache=C] --site=S --mode=M`.
    SetStateTransferMode {
        /// `--cache`; else the cache of the `cd` context.
        cache: Option<String>,
        /// `--site` (required).
        site: String,
        /// `--mode`, as written: the CLI upper-cases it and checks it when the command runs.
        mode: String,
    },
    /// `site view`: the sites currently in the RELAY2 view.
    View,
    /// `site name`: the local site's name.
    Name,
    /// `site is-relay-node`.
    IsRelayNode,
    /// `site relay-nodes`.
    RelayNodes,
    /// `site` alone: prints the usage and fails.
    NoSubcommand,
    /// `site state-transfer-mode` alone: prints the usage and fails.
    StateTransferModeNoSubcommand,
}

/// The arguments of `bring-online`, `take-offline`, `push-site-state` and `cancel-push-state`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteAction {
    /// `--cache`; without it and without `--all-caches`, the cache of the `cd` context.
    pub cache: Option<String>,
    /// `--all-caches`: every cache of the container, one answer per cache.
    pub all_caches: bool,
    /// `--site`: the remote site.
    pub site: String,
}

impl SiteAction {
    /// The action for every cache (`--all-caches --site=S`).
    pub fn all_caches(site: impl Into<String>) -> SiteAction {
        SiteAction {
            cache: None,
            all_caches: true,
            site: site.into(),
        }
    }

    /// The action for one cache (`--cache=C --site=S`).
    pub fn cache(cache: impl Into<String>, site: impl Into<String>) -> SiteAction {
        SiteAction {
            cache: Some(cache.into()),
            all_caches: false,
            site: site.into(),
        }
    }
}

/// `connect` and its options. Secrets are held as [`SecretString`] and never rendered.
#[derive(Debug, Clone, Default)]
pub struct Connect {
    /// The connection string, with any password removed from its user-info
    /// (`http://admin@host:11222`); the password is in [`Connect::url_password`].
    pub url: Option<String>,
    /// The password that was in the URL's user-info.
    pub url_password: Option<SecretString>,
    /// `-u/--username`.
    pub username: Option<String>,
    /// `-p/--password`.
    pub password: Option<SecretString>,
    /// `-t/--truststore`.
    pub truststore: Option<String>,
    /// `-s/--truststore-password`.
    pub truststore_password: Option<SecretString>,
    /// `-k/--keystore`.
    pub keystore: Option<String>,
    /// `-w/--keystore-password`.
    pub keystore_password: Option<SecretString>,
    /// `--provider`.
    pub provider: Option<String>,
    /// `--trustall`.
    pub trustall: bool,
    /// `--hostname-verifier`.
    pub hostname_verifier: Option<String>,
    /// `--context-path`.
    pub context_path: Option<String>,
}

impl Connect {
    /// Whether any password is set (in the URL or in an option).
    pub fn has_secrets(&self) -> bool {
        self.secrets().next().is_some()
    }

    fn secrets(&self) -> impl Iterator<Item = &SecretString> {
        [
            &self.url_password,
            &self.password,
            &self.truststore_password,
            &self.keystore_password,
        ]
        .into_iter()
        .flatten()
    }

    /// Whether a secret is the [`SECRET_PLACEHOLDER`], i.e. this command was read back from a
    /// rendering and lost its real password.
    pub fn has_placeholder_secret(&self) -> bool {
        self.secrets()
            .any(|s| s.expose_secret() == SECRET_PLACEHOLDER)
    }

    /// Splits a password out of a URL's user-info: `http://u:p@h` gives (`http://u@h`, `p`).
    pub(crate) fn split_url(url: &str) -> (String, Option<SecretString>) {
        super::credentials::split_url_password(url)
    }

    /// The URL with [`SECRET_PLACEHOLDER`] where its password was.
    fn rendered_url(&self) -> Option<String> {
        let url = self.url.as_ref()?;
        if self.url_password.is_none() {
            return Some(url.clone());
        }
        Some(super::credentials::url_with_placeholder(url))
    }
}

impl PartialEq for Connect {
    fn eq(&self, other: &Self) -> bool {
        fn same(a: &Option<SecretString>, b: &Option<SecretString>) -> bool {
            match (a, b) {
                (None, None) => true,
                (Some(a), Some(b)) => a.expose_secret() == b.expose_secret(),
                _ => false,
            }
        }
        self.url == other.url
            && same(&self.url_password, &other.url_password)
            && self.username == other.username
            && same(&self.password, &other.password)
            && self.truststore == other.truststore
            && same(&self.truststore_password, &other.truststore_password)
            && self.keystore == other.keystore
            && same(&self.keystore_password, &other.keystore_password)
            && self.provider == other.provider
            && self.trustall == other.trustall
            && self.hostname_verifier == other.hostname_verifier
            && self.context_path == other.context_path
    }
}

/// `ls` and its options.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Ls {
    /// The path to list; else the current resource.
    pub path: Option<String>,
    /// `-f/--format` (`NAMES`, `VALUES`, `FULL`).
    pub format: Option<String>,
    /// `-p/--pretty-print` (`TABLE`, `JSON`, `CSV`).
    pub pretty_print: Option<String>,
    /// `-l`: shortcut for `-f FULL`.
    pub long: bool,
    /// `-m/--max-items`.
    pub max_items: Option<i32>,
}

impl Command {
    /// `site take-offline --all-caches --site=S`.
    pub fn take_offline_all(site: impl Into<String>) -> Command {
        Command::Site(SiteCommand::TakeOffline(SiteAction::all_caches(site)))
    }

    /// `site bring-online --all-caches --site=S`.
    pub fn bring_online_all(site: impl Into<String>) -> Command {
        Command::Site(SiteCommand::BringOnline(SiteAction::all_caches(site)))
    }

    /// `site push-site-state --all-caches --site=S`.
    pub fn push_site_state_all(site: impl Into<String>) -> Command {
        Command::Site(SiteCommand::PushSiteState(SiteAction::all_caches(site)))
    }

    /// `site push-site-state --cache=C --site=S`.
    pub fn push_site_state(cache: impl Into<String>, site: impl Into<String>) -> Command {
        Command::Site(SiteCommand::PushSiteState(SiteAction::cache(cache, site)))
    }

    /// `site status --all-caches --site=S`.
    pub fn status_all(site: impl Into<String>) -> Command {
        Command::Site(SiteCommand::Status {
            cache: None,
            all_caches: true,
            site: Some(site.into()),
        })
    }

    /// `site push-site-status --cache=C`.
    pub fn push_site_status(cache: impl Into<String>) -> Command {
        Command::Site(SiteCommand::PushSiteStatus {
            cache: cache.into(),
        })
    }

    /// `site clear-push-site-status --cache=C`.
    pub fn clear_push_site_status(cache: impl Into<String>) -> Command {
        Command::Site(SiteCommand::ClearPushSiteStatus {
            cache: cache.into(),
        })
    }

    /// `clearcache C`.
    pub fn clearcache(cache: impl Into<String>) -> Command {
        Command::ClearCache {
            cache: Some(cache.into()),
        }
    }

    /// `echo` with the given text split on spaces (as cli.sh would print it back).
    pub fn echo(text: &str) -> Command {
        Command::Echo {
            words: text
                .split(' ')
                .filter(|w| !w.is_empty())
                .map(str::to_owned)
                .collect(),
        }
    }

    /// The command's name as typed first on the line (`site`, `clearcache`, …).
    pub fn name(&self) -> &str {
        match self {
            Command::Site(_) => "site",
            Command::ClearCache { .. } => "clearcache",
            Command::Connect(_) => "connect",
            Command::Disconnect => "disconnect",
            Command::Cd { .. } => "cd",
            Command::Ls(_) => "ls",
            Command::Echo { .. } => "echo",
            Command::Help { .. } => "help",
            Command::Quit => "quit",
            Command::Usage { path } => path.first().map_or("", String::as_str),
            Command::Other(raw) | Command::Extension(raw) => &raw.name,
        }
    }

    /// Whether the command holds a password (only `connect` can).
    pub fn has_secrets(&self) -> bool {
        matches!(self, Command::Connect(c) if c.has_secrets())
    }

    /// The canonical cli.sh text of the command: options in `--name=value` form, in a fixed
    /// order, values quoted only when needed. `parse_line(&c.render())` gives `c` back, except
    /// for a `connect` holding a password, which renders [`SECRET_PLACEHOLDER`] instead.
    pub fn render(&self) -> String {
        let mut w = Words::default();
        match self {
            Command::Site(site) => render_site(site, &mut w),
            Command::ClearCache { cache } => {
                w.plain("clearcache");
                w.args(cache.iter());
            }
            Command::Connect(c) => render_connect(c, &mut w),
            Command::Disconnect => w.plain("disconnect"),
            Command::Cd { path } => {
                w.plain("cd");
                w.args([path]);
            }
            Command::Ls(ls) => {
                w.plain("ls");
                w.opt("format", ls.format.as_deref());
                w.opt("pretty-print", ls.pretty_print.as_deref());
                if ls.long {
                    w.plain("-l");
                }
                if let Some(max) = ls.max_items {
                    w.opt("max-items", Some(&max.to_string()));
                }
                w.args(ls.path.iter());
            }
            Command::Echo { words } => {
                w.plain("echo");
                w.args(words);
            }
            Command::Help { topic } => {
                w.plain("help");
                w.args(topic);
            }
            Command::Quit => w.plain("quit"),
            Command::Usage { path } => {
                for part in path {
                    w.word(part);
                }
                // `-h` rather than `--help`: Aesh 2.8 rejects `--help` right after a group name.
                w.plain("-h");
            }
            Command::Other(raw) | Command::Extension(raw) => {
                w.word(&raw.name);
                for arg in &raw.args {
                    w.word(arg);
                }
            }
        }
        w.finish()
    }
}

fn render_site(site: &SiteCommand, w: &mut Words) {
    w.plain("site");
    match site {
        SiteCommand::Status {
            cache,
            all_caches,
            site,
        } => {
            w.plain("status");
            cache_options(w, cache.as_deref(), *all_caches);
            w.opt("site", site.as_deref());
        }
        SiteCommand::BringOnline(a) => action(w, "bring-online", a),
        SiteCommand::TakeOffline(a) => action(w, "take-offline", a),
        SiteCommand::PushSiteState(a) => action(w, "push-site-state", a),
        SiteCommand::CancelPushState(a) => action(w, "cancel-push-state", a),
        SiteCommand::CancelReceiveState { cache, site } => {
            w.plain("cancel-receive-state");
            w.opt("cache", Some(cache));
            w.opt("site", Some(site));
        }
        SiteCommand::PushSiteStatus { cache } => {
            w.plain("push-site-status");
            w.opt("cache", Some(cache));
        }
        SiteCommand::ClearPushSiteStatus { cache } => {
            w.plain("clear-push-site-status");
            w.opt("cache", Some(cache));
        }
        SiteCommand::GetStateTransferMode { cache, site } => {
            w.plain("state-transfer-mode get");
            w.opt("cache", cache.as_deref());
            w.opt("site", Some(site));
        }
        SiteCommand::SetStateTransferMode { cache, site, mode } => {
            w.plain("state-transfer-mode set");
            w.opt("cache", cache.as_deref());
            w.opt("site", Some(site));
            w.opt("mode", Some(mode));
        }
        SiteCommand::View => w.plain("view"),
        SiteCommand::Name => w.plain("name"),
        SiteCommand::IsRelayNode => w.plain("is-relay-node"),
        SiteCommand::RelayNodes => w.plain("relay-nodes"),
        SiteCommand::NoSubcommand => {}
        SiteCommand::StateTransferModeNoSubcommand => w.plain("state-transfer-mode"),
    }
}

fn cache_options(w: &mut Words, cache: Option<&str>, all_caches: bool) {
    w.opt("cache", cache);
    if all_caches {
        w.plain("--all-caches");
    }
}

fn action(w: &mut Words, name: &str, a: &SiteAction) {
    w.plain(name);
    cache_options(w, a.cache.as_deref(), a.all_caches);
    w.opt("site", Some(&a.site));
}

fn render_connect(c: &Connect, w: &mut Words) {
    let placeholder = |s: &Option<SecretString>| s.as_ref().map(|_| SECRET_PLACEHOLDER);
    w.plain("connect");
    w.opt("username", c.username.as_deref());
    w.opt("password", placeholder(&c.password));
    w.opt("truststore", c.truststore.as_deref());
    w.opt("truststore-password", placeholder(&c.truststore_password));
    w.opt("keystore", c.keystore.as_deref());
    w.opt("keystore-password", placeholder(&c.keystore_password));
    w.opt("provider", c.provider.as_deref());
    if c.trustall {
        w.plain("--trustall");
    }
    w.opt("hostname-verifier", c.hostname_verifier.as_deref());
    w.opt("context-path", c.context_path.as_deref());
    w.args(c.rendered_url().iter());
}

/// Builds a rendered line word by word.
#[derive(Default)]
struct Words {
    out: Vec<String>,
}

impl Words {
    /// Text known to need no quoting.
    fn plain(&mut self, text: &str) {
        self.out.push(text.to_owned());
    }

    /// One word, quoted as needed.
    fn word(&mut self, text: &str) {
        self.out.push(quote_word(text));
    }

    /// `--name=value`, if there is a value.
    fn opt(&mut self, name: &str, value: Option<&str>) {
        if let Some(value) = value {
            self.out
                .push(quote_with_prefix(&format!("--{name}="), value));
        }
    }

    /// Positional words, after a `--` marker if one of them would read as an option.
    fn args<'a>(&mut self, args: impl IntoIterator<Item = &'a String>) {
        let args: Vec<&String> = args.into_iter().collect();
        if args.iter().any(|a| a.starts_with('-')) {
            self.out.push("--".to_owned());
        }
        for arg in args {
            self.word(arg);
        }
    }

    fn finish(self) -> String {
        self.out.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_password_is_split_and_masked() {
        let (url, password) = Connect::split_url("http://admin:s3cr%40t@host:11222/rest?x");
        assert_eq!(url, "http://admin@host:11222/rest?x");
        assert_eq!(password.unwrap().expose_secret(), "s3cr%40t");
        let c = Connect {
            url: Some(url),
            url_password: Some(SecretString::from("x")),
            ..Connect::default()
        };
        assert_eq!(
            c.rendered_url().unwrap(),
            "http://admin:********@host:11222/rest?x"
        );
        assert_eq!(Connect::split_url("http://admin@h:1").1.map(|_| ()), None);
        assert_eq!(Connect::split_url("h:11222").0, "h:11222");
    }
}
