//! The sites a runbook works on, by name: each site's URL, username and TLS settings, from
//! `--site-url site-a=https://…` or a profile file, with the passwords kept apart.
//!
//! A profile (`--profile FILE`, else `$XDG_CONFIG_HOME/xsite/sites.toml` or
//! `~/.config/xsite/sites.toml` when it exists) names each site:
//!
//! ```toml
//! [sites.site-a]
//! url = "https://dg.site-a.example.com:11222"
//! username = "developer"
//! ca-file = "/etc/pki/dg-ca.pem"     # optional
//! trustall = false                   # optional, test servers only
//!
//! [sites.site-b]
//! url = "https://dg.site-b.example.com:11222"
//! username = "developer"
//! ```
//!
//! A profile never holds a password (one that does is refused). The password of a site comes
//! from, in order: the URL's user-info, `XSITE_PASSWORD_<SITE>` (the site name upper-cased,
//! every other character than a letter or digit as `_`: `XSITE_PASSWORD_SITE_A`),
//! `XSITE_PASSWORD`, then a no-echo prompt on the terminal. The username likewise: the profile
//! or the URL, `XSITE_USERNAME_<SITE>`, `XSITE_USERNAME`. Passwords are [`SecretString`]s: they
//! never appear in `Debug`, in what `runbook sites` prints, or in the history.

use std::path::{Path, PathBuf};

use secrecy::SecretString;
use serde::Deserialize;
use xsite::runbook::{Site, Sites};
use xsite::{AuthScheme, Client, Credentials};

use xsite_clish::{redact_url, split_url_password};

use crate::endpoint;
use crate::error::{CliError, CliResult};
use crate::prompt::Prompter;
use crate::tls::TlsSettings;

/// The environment variable prefix of a site's password (`XSITE_PASSWORD_SITE_A`).
pub const PASSWORD_ENV_PREFIX: &str = "XSITE_PASSWORD";
/// The environment variable prefix of a site's username (`XSITE_USERNAME_SITE_A`).
pub const USERNAME_ENV_PREFIX: &str = "XSITE_USERNAME";

/// One site: where its Data Grid is and how to log in.
#[derive(Debug, Clone)]
pub struct SiteConfig {
    /// The site's name, as the servers know it (`site-a`).
    pub name: String,
    /// The REST endpoint, without credentials (`https://host:11222`).
    pub url: String,
    /// The username, if the server wants one.
    pub username: Option<String>,
    /// The password, once known (from the URL, the environment or the prompt).
    pub password: Option<SecretString>,
    /// A PEM file of CA certificates to trust.
    pub ca_file: Option<PathBuf>,
    /// Trust every certificate (test servers only).
    pub trustall: bool,
}

impl SiteConfig {
    /// A site at `url` (which may carry `user[:password]@`), with nothing else set.
    pub fn from_url(name: &str, url: &str) -> CliResult<SiteConfig> {
        if name.is_empty() {
            return Err(CliError::config(format!(
                "a site needs a name: --site-url NAME=URL, not '{url}'"
            )));
        }
        let parsed = endpoint::parse(Some(url))
            .map_err(|e| CliError::config(format!("site {name}: {e}")))?;
        Ok(SiteConfig {
            name: name.to_owned(),
            url: parsed.base_url(),
            username: parsed.username.clone(),
            password: parsed.password.clone(),
            ca_file: None,
            trustall: false,
        })
    }

    /// The environment variable suffix of a site: `site-a` → `SITE_A`.
    pub fn env_suffix(name: &str) -> String {
        name.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect()
    }
}

/// The configured sites, in the order they were given.
#[derive(Debug, Clone, Default)]
pub struct SiteRegistry {
    sites: Vec<SiteConfig>,
    /// The clients [`SiteRegistry::connect`] built last, per site, to learn which of them sent
    /// a password with Basic over plain `http://`.
    built: Vec<Built>,
}

/// A client built for a site, and whether its Basic-in-clear warning was given.
#[derive(Debug, Clone)]
struct Built {
    site: String,
    client: Client,
    warned: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    #[serde(default)]
    sites: indexmap::IndexMap<String, ProfileSite>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ProfileSite {
    url: String,
    username: Option<String>,
    ca_file: Option<PathBuf>,
    #[serde(default)]
    trustall: bool,
    // Read only to refuse it with a clear message.
    password: Option<toml::Value>,
}

impl SiteRegistry {
    /// No site.
    pub fn new() -> SiteRegistry {
        SiteRegistry::default()
    }

    /// The default profile, when it exists: `$XDG_CONFIG_HOME/xsite/sites.toml`, else
    /// `~/.config/xsite/sites.toml`.
    pub fn default_profile() -> Option<PathBuf> {
        let dir = match std::env::var_os("XDG_CONFIG_HOME").filter(|d| !d.is_empty()) {
            Some(dir) => PathBuf::from(dir),
            None => {
                PathBuf::from(std::env::var_os("HOME").filter(|h| !h.is_empty())?).join(".config")
            }
        };
        let path = dir.join("xsite").join("sites.toml");
        path.is_file().then_some(path)
    }

    /// Reads a profile's sites into the registry (a site already configured is replaced).
    pub fn load_profile(&mut self, path: &Path) -> CliResult {
        let text = std::fs::read_to_string(path).map_err(|e| {
            CliError::config(format!("Cannot read the profile {}: {e}", path.display()))
        })?;
        self.load_profile_text(&path.display().to_string(), &text)
    }

    /// Reads a profile's text; `name` is what errors call it.
    pub fn load_profile_text(&mut self, name: &str, text: &str) -> CliResult {
        let file: ProfileFile = toml::from_str(text).map_err(|e| {
            CliError::config(format!(
                "The profile {name} is not valid: {}",
                redact_url(e.message())
            ))
                .with_hint("each site is a table [sites.NAME] with url, and optionally username, ca-file, trustall")
        })?;
        for (site, entry) in file.sites {
            if entry.password.is_some() {
                return Err(CliError::config(format!(
                    "The profile {name} holds a password for {site}: profiles never hold secrets"
                ))
                .with_hint(format!(
                    "remove it; set {PASSWORD_ENV_PREFIX}_{} (or {PASSWORD_ENV_PREFIX}), or answer the prompt",
                    SiteConfig::env_suffix(&site)
                )));
            }
            if split_url_password(&entry.url).1.is_some() {
                // Named, never echoed: the URL is the secret's carrier.
                return Err(CliError::config(format!(
                    "The profile {name} holds a password in the url of {site}: profiles never \
                     hold secrets"
                ))
                .with_hint(format!(
                    "write the url as https://USER@HOST:PORT (or put the user in username); set \
                     {PASSWORD_ENV_PREFIX}_{} (or {PASSWORD_ENV_PREFIX}), or answer the prompt",
                    SiteConfig::env_suffix(&site)
                )));
            }
            let mut config = SiteConfig::from_url(&site, &entry.url)?;
            if entry.username.is_some() {
                config.username = entry.username;
            }
            config.ca_file = entry.ca_file;
            config.trustall = entry.trustall;
            self.insert(config);
        }
        Ok(())
    }

    /// Adds `NAME=URL` (from `--site-url`), replacing the URL of a site already configured
    /// and keeping its other settings.
    pub fn set_url(&mut self, spec: &str) -> CliResult {
        let Some((name, url)) = spec.split_once('=') else {
            return Err(CliError::config(format!(
                "--site-url takes NAME=URL (site-a=https://dg.example.com:11222), not '{}'",
                redact_url(spec)
            )));
        };
        let mut config = SiteConfig::from_url(name.trim(), url.trim())?;
        if let Some(old) = self.get(&config.name) {
            config.username = config.username.or_else(|| old.username.clone());
            config.ca_file = old.ca_file.clone();
            config.trustall = old.trustall;
        }
        self.insert(config);
        Ok(())
    }

    /// Adds a site, replacing one of the same name.
    pub fn insert(&mut self, config: SiteConfig) {
        match self.sites.iter_mut().find(|s| s.name == config.name) {
            Some(existing) => *existing = config,
            None => self.sites.push(config),
        }
    }

    /// A site by name.
    pub fn get(&self, name: &str) -> Option<&SiteConfig> {
        self.sites.iter().find(|s| s.name == name)
    }

    /// The sites' names, in order.
    pub fn names(&self) -> Vec<String> {
        self.sites.iter().map(|s| s.name.clone()).collect()
    }

    /// The sites' URLs (without credentials), in order.
    pub fn urls(&self) -> Vec<String> {
        self.sites.iter().map(|s| s.url.clone()).collect()
    }

    /// `site-a (https://…), site-b (https://…)`: where the runbooks act.
    pub fn describe_urls(&self) -> String {
        self.sites
            .iter()
            .map(|s| format!("{} ({})", s.name, s.url))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Whether no site is configured.
    pub fn is_empty(&self) -> bool {
        self.sites.is_empty()
    }

    /// One line per site, without secrets: `site-a  https://…  user developer  password: from
    /// XSITE_PASSWORD_SITE_A`.
    pub fn describe(&self) -> Vec<String> {
        self.sites
            .iter()
            .map(|s| {
                let user = s.username.as_deref().unwrap_or("(none)");
                let password = if s.password.is_some() {
                    "password: set".to_owned()
                } else if let Some((var, _)) = env_password(&s.name) {
                    format!("password: from {var}")
                } else if s.username.is_some() || env_username(&s.name).is_some() {
                    "password: asked when needed".to_owned()
                } else {
                    "no credentials".to_owned()
                };
                let mut line = format!("{}  {}  user {user}  {password}", s.name, s.url);
                if let Some(ca) = &s.ca_file {
                    line.push_str(&format!("  ca-file {}", ca.display()));
                }
                if s.trustall {
                    line.push_str("  trustall");
                }
                line
            })
            .collect()
    }

    /// Clients for every configured site, for the SDK's workflows. Passwords not known yet are
    /// read from the environment, or asked for (and then kept for the session).
    pub fn connect(&mut self, tls: &TlsSettings, prompter: &mut dyn Prompter) -> CliResult<Sites> {
        let mut sites = Vec::new();
        for config in &mut self.sites {
            let username = config
                .username
                .clone()
                .or_else(|| env_username(&config.name));
            if username.is_some() && config.password.is_none() {
                config.password = match env_password(&config.name) {
                    Some((_, password)) => Some(password),
                    None => prompter.password_for(&format!(
                        "Password for {} at {}: ",
                        username.as_deref().unwrap_or_default(),
                        config.name
                    )),
                };
            }
            let credentials = match &username {
                Some(user) => Credentials::password(
                    user.clone(),
                    config
                        .password
                        .clone()
                        .unwrap_or_else(|| SecretString::from("")),
                ),
                None => Credentials::None,
            };
            let mut builder = Client::builder(config.url.clone()).credentials(credentials);
            if let Some(timeout) = tls.timeout {
                builder = builder.timeout(timeout);
            }
            if config.url.starts_with("https://") {
                if let Some(ca) = config.ca_file.as_ref().or(tls.truststore.as_ref()) {
                    builder = builder.ca_file(ca.clone());
                }
                builder = builder.trust_all(config.trustall || tls.trustall);
            }
            let client = builder
                .build()
                .map_err(|e| CliError::from_sdk(&e).with_hint(format!("site {}", config.name)))?;
            self.built.retain(|b| b.site != config.name);
            self.built.push(Built {
                site: config.name.clone(),
                client: client.clone(),
                warned: false,
            });
            sites.push(Site {
                name: config.name.clone(),
                client,
            });
        }
        Ok(Sites::new(sites))
    }

    /// The warnings for the site connections that sent their password with Basic over plain
    /// `http://` since the last call: one per connection, never the password.
    pub fn basic_in_clear(&mut self) -> Vec<String> {
        let mut warnings = Vec::new();
        for built in &mut self.built {
            let origin = built.client.base_url();
            if built.warned
                || !origin.starts_with("http://")
                || built.client.auth_scheme() != Some(AuthScheme::Basic)
            {
                continue;
            }
            built.warned = true;
            let host = endpoint::parse(Some(&origin))
                .map(|t| t.host_port())
                .unwrap_or(origin);
            warnings.push(format!(
                "{} (site {})",
                crate::commands::connect::basic_in_clear_warning(&host),
                built.site
            ));
        }
        warnings
    }
}

/// `XSITE_PASSWORD_<SITE>`, then `XSITE_PASSWORD`: the variable's name and the secret.
fn env_password(site: &str) -> Option<(String, SecretString)> {
    let specific = format!("{PASSWORD_ENV_PREFIX}_{}", SiteConfig::env_suffix(site));
    for var in [specific, PASSWORD_ENV_PREFIX.to_owned()] {
        if let Ok(value) = std::env::var(&var) {
            return Some((var, SecretString::from(value)));
        }
    }
    None
}

/// `XSITE_USERNAME_<SITE>`, then `XSITE_USERNAME`.
fn env_username(site: &str) -> Option<String> {
    let specific = format!("{USERNAME_ENV_PREFIX}_{}", SiteConfig::env_suffix(site));
    [specific, USERNAME_ENV_PREFIX.to_owned()]
        .iter()
        .find_map(|var| std::env::var(var).ok().filter(|v| !v.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_and_flags() {
        let mut sites = SiteRegistry::new();
        sites
            .load_profile_text(
                "sites.toml",
                "[sites.site-a]\nurl = \"https://a.example.com:11222\"\nusername = \"developer\"\nca-file = \"/ca.pem\"\n\n[sites.site-b]\nurl = \"b.example.com:11222\"\ntrustall = true\n",
            )
            .unwrap();
        assert_eq!(sites.names(), ["site-a", "site-b"]);
        let a = sites.get("site-a").unwrap();
        assert_eq!(a.url, "https://a.example.com:11222");
        assert_eq!(a.ca_file.as_deref(), Some(Path::new("/ca.pem")));
        assert_eq!(
            sites.get("site-b").unwrap().url,
            "http://b.example.com:11222"
        );
        sites
            .set_url("site-a=https://admin:s3cret@a2.example.com:11222")
            .unwrap();
        let a = sites.get("site-a").unwrap();
        assert_eq!(a.url, "https://a2.example.com:11222");
        assert_eq!(a.username.as_deref(), Some("admin"));
        assert!(a.password.is_some());
        assert_eq!(a.ca_file.as_deref(), Some(Path::new("/ca.pem")));
        let shown = format!("{sites:?}{}", sites.describe().join("\n"));
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(sites.set_url("https://x:1").is_err());
    }

    #[test]
    fn a_profile_with_a_password_is_refused() {
        let err = SiteRegistry::new()
            .load_profile_text(
                "p.toml",
                "[sites.site-a]\nurl = \"http://a:1\"\npassword = \"s3cret\"\n",
            )
            .unwrap_err();
        assert!(err.message.contains("never hold secrets"), "{err}");
        assert!(!err.message.contains("s3cret"));
        assert!(err.hints[0].contains("XSITE_PASSWORD_SITE_A"));
    }

    #[test]
    fn a_profile_with_a_password_in_its_url_is_refused() {
        for url in ["http://dev:SECRET@a:1", "https://dev:SE/CRET@a:1/rest"] {
            let err = SiteRegistry::new()
                .load_profile_text("p.toml", &format!("[sites.site-a]\nurl = \"{url}\"\n"))
                .unwrap_err();
            assert_eq!(err.exit_code(), 2, "{err}");
            assert!(err.message.contains("never hold secrets"), "{err}");
            let shown = format!("{err} {:?} {}", err.hints, err.message);
            assert!(!shown.contains("CRET"), "{shown}");
        }
        let mut sites = SiteRegistry::new();
        sites
            .load_profile_text("p.toml", "[sites.site-a]\nurl = \"http://dev@a:1\"\n")
            .unwrap();
        assert_eq!(
            sites.get("site-a").unwrap().username.as_deref(),
            Some("dev")
        );
    }

    #[test]
    fn a_site_url_that_does_not_parse_is_reported_masked() {
        let err = SiteRegistry::new()
            .set_url("site-a=http://dev:SECRET@host:99999")
            .unwrap_err();
        assert!(err.message.contains("dev:********@host:99999"), "{err}");
        assert!(!err.to_string().contains("SECRET"), "{err}");
    }

    /// `text` as a TOML basic string.
    fn toml_string(text: &str) -> String {
        let mut out = String::from("\"");
        for c in text.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 1_000,
            failure_persistence: None,
            ..proptest::prelude::ProptestConfig::default()
        })]

        /// Any text as a profile: an error or sites, never a panic.
        #[test]
        fn any_profile_text_is_read_without_panic(text in "(\\[sites\\.[a-z-]{0,6}\\]\n|url = |username = |\"[^\"\n]{0,12}\"|[ -~]{0,6}|\n|é){0,16}") {
            let _ = SiteRegistry::new().load_profile_text("p.toml", &text);
        }

        /// Whatever the password in a profile's url, the profile is refused (exit 2) and the
        /// password is not in the message or the hints.
        #[test]
        fn any_password_in_a_profile_url_is_refused_unechoed(pw in "[^\r\n]{1,16}") {
            let profile = |pw: &str| {
                format!("[sites.site-a]\nurl = {}\n", toml_string(&format!("http://dev:{pw}@h:1")))
            };
            let err = SiteRegistry::new()
                .load_profile_text("p.toml", &profile(&pw))
                .expect_err("refused");
            proptest::prop_assert_eq!(err.exit_code(), 2);
            let shown = format!("{} {}", err.message, err.hints.join(" "));
            let reference = SiteRegistry::new()
                .load_profile_text("p.toml", &profile("X"))
                .expect_err("refused");
            let fixed = format!("{} {}", reference.message, reference.hints.join(" "));
            if !fixed.contains(&pw) {
                proptest::prop_assert!(!shown.contains(&pw), "{} in {}", pw, shown);
            }
        }
    }

    #[test]
    fn env_names() {
        assert_eq!(SiteConfig::env_suffix("site-a"), "SITE_A");
        assert_eq!(SiteConfig::env_suffix("LON.1"), "LON_1");
    }
}
