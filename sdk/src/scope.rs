//! One entry point for the cross-site calls that exist both for one cache and for every cache:
//! `client.xsite(&scope)` dispatches to [`Client::cache`]`(name).xsite()` or
//! [`Client::container`]`().xsite()`, the documented chains, so that a caller holding a scope (a
//! command line's `--cache=C` or `--all-caches`) needs no arm per scope.
//!
//! ```no_run
//! use xsite::{Client, Scope, ScopedOutcome};
//!
//! # async fn demo(client: Client) -> xsite::Result<()> {
//! match client.xsite(&Scope::AllCaches).take_offline("site-b").await? {
//!     ScopedOutcome::AllCaches(results) => println!("{} caches offline", results.len()),
//!     ScopedOutcome::Cache => println!("offline"),
//! }
//! # Ok(()) }
//! ```

use serde::Serialize;

use crate::client::Client;
use crate::error::Result;
use crate::model::{CacheResults, NodeStatuses, SiteStatus, SiteStatuses};

/// The caches a cross-site call covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every cache of the container (the container routes).
    AllCaches,
    /// One cache, by name (the cache routes).
    Cache(String),
}

/// The cross-site calls of a [`Scope`]: `client.xsite(&scope)`.
#[derive(Debug, Clone, Copy)]
pub struct ScopedXsite<'a> {
    client: &'a Client,
    scope: &'a Scope,
}

/// What a status call answers; each variant is the answer of the call it came from, and
/// serializes exactly as that answer does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum ScopedStatus {
    /// Every site's status: over all caches ([`crate::ContainerXsite::status`]) or of one cache
    /// ([`crate::CacheXsite::backups`]).
    Sites(SiteStatuses),
    /// One site's status over all caches ([`crate::ContainerXsite::site_status`]).
    Site(SiteStatus),
    /// One site's status on every node of one cache ([`crate::CacheXsite::site_status`]).
    Nodes(NodeStatuses),
}

/// What an action (take-offline, bring-online, push, cancel push) answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopedOutcome {
    /// Over all caches: every cache's result (all `ok`; a failed cache makes the call an
    /// [`Error::PartialFailure`](crate::Error::PartialFailure)).
    AllCaches(CacheResults),
    /// For one cache: the server sends no body.
    Cache,
}

impl Client {
    /// The cross-site calls over `scope`, dispatched to the cache or container handlers.
    pub fn xsite<'a>(&'a self, scope: &'a Scope) -> ScopedXsite<'a> {
        ScopedXsite {
            client: self,
            scope,
        }
    }
}

impl ScopedXsite<'_> {
    /// The backup status: of every site without `site`, else of that site
    /// (`container().xsite().status()` / `.site_status(site)`, or
    /// `cache(c).xsite().backups()` / `.site_status(site)`).
    pub async fn status(&self, site: Option<&str>) -> Result<ScopedStatus> {
        match (self.scope, site) {
            (Scope::AllCaches, None) => {
                let statuses = self.client.container().xsite().status().await?;
                Ok(ScopedStatus::Sites(statuses))
            }
            (Scope::AllCaches, Some(site)) => {
                let status = self.client.container().xsite().site_status(site).await?;
                Ok(ScopedStatus::Site(status))
            }
            (Scope::Cache(name), None) => {
                let cache = self.client.cache(name.as_str());
                Ok(ScopedStatus::Sites(cache.xsite().backups().await?))
            }
            (Scope::Cache(name), Some(site)) => {
                let cache = self.client.cache(name.as_str());
                Ok(ScopedStatus::Nodes(cache.xsite().site_status(site).await?))
            }
        }
    }

    /// Takes `site` offline (`take_offline` of the container or the cache).
    pub async fn take_offline(&self, site: &str) -> Result<ScopedOutcome> {
        match self.scope {
            Scope::AllCaches => Ok(ScopedOutcome::AllCaches(
                self.client.container().xsite().take_offline(site).await?,
            )),
            Scope::Cache(name) => {
                let cache = self.client.cache(name.as_str());
                cache.xsite().take_offline(site).await?;
                Ok(ScopedOutcome::Cache)
            }
        }
    }

    /// Brings `site` online (`bring_online` of the container or the cache).
    pub async fn bring_online(&self, site: &str) -> Result<ScopedOutcome> {
        match self.scope {
            Scope::AllCaches => Ok(ScopedOutcome::AllCaches(
                self.client.container().xsite().bring_online(site).await?,
            )),
            Scope::Cache(name) => {
                let cache = self.client.cache(name.as_str());
                cache.xsite().bring_online(site).await?;
                Ok(ScopedOutcome::Cache)
            }
        }
    }

    /// Starts pushing state to `site` (`push_state` of the container or the cache).
    pub async fn push_state(&self, site: &str) -> Result<ScopedOutcome> {
        match self.scope {
            Scope::AllCaches => Ok(ScopedOutcome::AllCaches(
                self.client.container().xsite().push_state(site).await?,
            )),
            Scope::Cache(name) => {
                let cache = self.client.cache(name.as_str());
                cache.xsite().push_state(site).await?;
                Ok(ScopedOutcome::Cache)
            }
        }
    }

    /// Cancels the push to `site` (`cancel_push_state` of the container or the cache).
    pub async fn cancel_push_state(&self, site: &str) -> Result<ScopedOutcome> {
        match self.scope {
            Scope::AllCaches => Ok(ScopedOutcome::AllCaches(
                self.client
                    .container()
                    .xsite()
                    .cancel_push_state(site)
                    .await?,
            )),
            Scope::Cache(name) => {
                let cache = self.client.cache(name.as_str());
                cache.xsite().cancel_push_state(site).await?;
                Ok(ScopedOutcome::Cache)
            }
        }
    }
}
