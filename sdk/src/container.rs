//! Handlers for the whole cache container: all-caches cross-site operations and site information.

use crate::client::Client;
use crate::error::{Error, PartialFailure, Result};
use crate::model::{CacheResults, ContainerInfo, SiteStatus, SiteStatuses};
use crate::routes::{ContainerAction, Route};

/// The cache container. Get it with [`Client::container`].
#[derive(Debug, Clone)]
pub struct ContainerHandle {
    client: Client,
}

impl ContainerHandle {
    pub(crate) fn new(client: Client) -> Self {
        ContainerHandle { client }
    }

    /// The all-caches cross-site operations.
    pub fn xsite(&self) -> ContainerXsite<'_> {
        ContainerXsite {
            client: &self.client,
        }
    }

    /// The container information: version, members, local site, sites view, relay nodes, ….
    pub async fn info(&self) -> Result<ContainerInfo> {
        self.client.container_info().await
    }

    /// The local site, the sites view and the relay nodes, read from the container information.
    pub async fn site_info(&self) -> Result<SiteInfo> {
        let info = self.info().await?;
        Ok(SiteInfo {
            local_site: info.local_site().map(str::to_owned),
            sites_view: info.sites_view(),
            relay_node: info.is_relay_node(),
            relay_nodes: info.relay_nodes(),
        })
    }
}

/// Where this site stands in the cross-site relay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteInfo {
    /// The local site's name; `None` when the cluster has no cross-site relay.
    pub local_site: Option<String>,
    /// The sites currently connected through the relay, sorted. This is connectivity, not the
    /// online/offline status of backups.
    pub sites_view: Vec<String>,
    /// Whether the answering node is a relay node.
    pub relay_node: bool,
    /// The relay nodes' addresses.
    pub relay_nodes: Vec<String>,
}

/// All-caches cross-site operations: `client.container().xsite()`.
///
/// Actions answer with each cache's result. The server answers 200 even when some caches failed;
/// here any failure makes the call return [`Error::PartialFailure`], which holds every cache's
/// result.
#[derive(Debug, Clone, Copy)]
pub struct ContainerXsite<'a> {
    client: &'a Client,
}

impl ContainerXsite<'_> {
    /// The status of every site over all caches with backups (`GET {container}/x-site/backups/`).
    pub async fn status(&self) -> Result<SiteStatuses> {
        self.client.call(&Route::ContainerBackups).await?.json()
    }

    /// One site's status over all caches (`GET {container}/x-site/backups/{site}`): online,
    /// offline, or mixed with the lists of caches. [`Error::SiteNotFound`] when no cache backs up to
    /// the site.
    pub async fn site_status(&self, site: &str) -> Result<SiteStatus> {
        self.client
            .call(&Route::ContainerSiteStatus { site })
            .await?
            .json()
    }

    async fn action(&self, site: &str, action: ContainerAction) -> Result<CacheResults> {
        let answer = self
            .client
            .call(&Route::ContainerSiteAction { site, action })
            .await?;
        let results: CacheResults = answer.json()?;
        if results.is_empty() {
            // No cache said "ok": nothing confirms the action took effect anywhere.
            return Err(answer.untrusted(
                "the server listed no cache's result, so the action is not confirmed for any cache",
            ));
        }
        if results.values().all(|outcome| outcome.is_ok()) {
            Ok(results)
        } else {
            Err(Error::PartialFailure(Box::new(PartialFailure {
                request: answer.request,
                results,
            })))
        }
    }

    /// Takes the site offline for every cache.
    pub async fn take_offline(&self, site: &str) -> Result<CacheResults> {
        self.action(site, ContainerAction::TakeOffline).await
    }

    /// Brings the site online for every cache.
    pub async fn bring_online(&self, site: &str) -> Result<CacheResults> {
        self.action(site, ContainerAction::BringOnline).await
    }

    /// Starts pushing every cache's state to the site (bringing it online first).
    pub async fn push_state(&self, site: &str) -> Result<CacheResults> {
        self.action(site, ContainerAction::StartPushState).await
    }

    /// Cancels the pushes to the site for every cache.
    pub async fn cancel_push_state(&self, site: &str) -> Result<CacheResults> {
        self.action(site, ContainerAction::CancelPushState).await
    }
}
