//! Handlers for one cache: its entries, its clear, and its cross-site operations.

use crate::client::{Body, Client};
use crate::error::{Error, Result, ServerError, server_texts};
use crate::model::{
    ConfigUpdate, NodeStatuses, OK_RESULT, PushStateStatus, PushStateStatuses, SiteStatuses,
    StateTransferMode, TakeOfflineConfig,
};
use crate::routes::{CacheAction, Route};

/// One cache. Get it with [`Client::cache`].
#[derive(Debug, Clone)]
pub struct CacheHandle {
    client: Client,
    name: String,
}

impl CacheHandle {
    pub(crate) fn new(client: Client, name: String) -> Self {
        CacheHandle { client, name }
    }

    /// The cache's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The cache's cross-site operations.
    pub fn xsite(&self) -> CacheXsite<'_> {
        CacheXsite { cache: self }
    }

    /// Removes every entry (`POST /v2/caches/{cache}?action=clear`).
    ///
    /// **The clear replicates to every backup site that is online.** Take the backups offline first
    /// unless that is what you want; the runbook workflows check it for you.
    pub async fn clear(&self) -> Result<()> {
        self.client
            .call(&Route::CacheClear { cache: &self.name })
            .await?;
        Ok(())
    }

    /// Counts the entries (`GET /v2/caches/{cache}?action=size`).
    pub async fn size(&self) -> Result<u64> {
        self.client
            .call(&Route::CacheSize { cache: &self.name })
            .await?
            .json()
    }

    /// Lists the keys (`GET /v2/caches/{cache}?action=keys`), as text.
    pub async fn keys(&self) -> Result<Vec<String>> {
        let values: Vec<serde_json::Value> = self
            .client
            .call(&Route::CacheKeys { cache: &self.name })
            .await?
            .json()?;
        Ok(values
            .into_iter()
            .map(|v| match v {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            })
            .collect())
    }

    /// Reads an entry as text (`GET /v2/caches/{cache}/{key}`); `None` when the key is absent.
    pub async fn get(&self, key: &str) -> Result<Option<String>> {
        let answer = self
            .client
            .call(&Route::EntryGet {
                cache: &self.name,
                key,
            })
            .await?;
        if answer.status.as_u16() == 404 {
            // The same status says "no such cache"; only the server's text tells them apart.
            if answer.text().contains(server_texts::CACHE_NOT_FOUND) {
                return Err(Error::CacheNotFound(Box::new(ServerError {
                    message: answer.text(),
                    request: answer.request,
                    status: answer.status,
                })));
            }
            return Ok(None);
        }
        Ok(Some(answer.text()))
    }

    /// Writes an entry as text (`PUT /v2/caches/{cache}/{key}`, `text/plain`).
    pub async fn put(&self, key: &str, value: &str) -> Result<()> {
        let body = Body {
            content_type: "text/plain; charset=UTF-8",
            bytes: value.as_bytes().to_vec(),
        };
        self.client
            .call_with(
                &Route::EntryPut {
                    cache: &self.name,
                    key,
                },
                Some(body),
            )
            .await?;
        Ok(())
    }

    /// The cache's configuration as the server describes it (`GET /v2/caches/{cache}?action=config`):
    /// `{"<cache>": {"distributed-cache": {…}}}`, numbers as strings, only the attributes that were
    /// set ([`crate::doctor::CacheConfig::from_json`] reads it).
    pub async fn config(&self) -> Result<serde_json::Value> {
        self.client
            .call(&Route::CacheConfig { cache: &self.name })
            .await?
            .json()
    }

    /// Creates the cache from a JSON configuration (`POST /v2/caches/{cache}`), such as
    /// `{"distributed-cache": {"mode": "SYNC", …}}`. An existing cache is an error.
    pub async fn create(&self, config: &serde_json::Value) -> Result<()> {
        let body = Body {
            content_type: "application/json",
            bytes: serde_json::to_vec(config).expect("a JSON value always serializes"),
        };
        self.client
            .call_with(&Route::CacheCreate { cache: &self.name }, Some(body))
            .await?;
        Ok(())
    }

    /// Removes the cache, with its data, from the whole site (`DELETE /v2/caches/{cache}`).
    pub async fn destroy(&self) -> Result<()> {
        self.client
            .call(&Route::CacheDelete { cache: &self.name })
            .await?;
        Ok(())
    }

    /// Removes an entry (`DELETE /v2/caches/{cache}/{key}`). Removing an absent key is an error
    /// ([`Error::UnexpectedStatus`] with 404).
    pub async fn delete(&self, key: &str) -> Result<()> {
        self.client
            .call(&Route::EntryDelete {
                cache: &self.name,
                key,
            })
            .await?;
        Ok(())
    }
}

/// A cache's cross-site operations: `client.cache("work").xsite()`.
///
/// Every call answers [`Error::CacheNotFound`] for an unknown cache and
/// [`Error::CacheWithoutBackups`] for a cache with no backups; calls that name a site answer
/// [`Error::SiteNotFound`] when the cache does not back up to it.
#[derive(Debug, Clone, Copy)]
pub struct CacheXsite<'a> {
    cache: &'a CacheHandle,
}

impl CacheXsite<'_> {
    fn name(&self) -> &str {
        &self.cache.name
    }

    fn client(&self) -> &Client {
        &self.cache.client
    }

    /// The status of every backup site (`GET …/x-site/backups/`).
    pub async fn backups(&self) -> Result<SiteStatuses> {
        self.client()
            .call(&Route::CacheBackups { cache: self.name() })
            .await?
            .json()
    }

    /// One site's status on every node (`GET …/x-site/backups/{site}`).
    pub async fn site_status(&self, site: &str) -> Result<NodeStatuses> {
        self.client()
            .call(&Route::CacheSiteStatus {
                cache: self.name(),
                site,
            })
            .await?
            .json()
    }

    async fn action(&self, site: &str, action: CacheAction) -> Result<()> {
        self.client()
            .call(&Route::CacheSiteAction {
                cache: self.name(),
                site,
                action,
            })
            .await?;
        Ok(())
    }

    /// Stops replicating to the site (`?action=take-offline`). Taking an offline site offline
    /// succeeds.
    pub async fn take_offline(&self, site: &str) -> Result<()> {
        self.action(site, CacheAction::TakeOffline).await
    }

    /// Resumes replicating to the site (`?action=bring-online`).
    pub async fn bring_online(&self, site: &str) -> Result<()> {
        self.action(site, CacheAction::BringOnline).await
    }

    /// Brings the site online and starts pushing the cache's state to it
    /// (`?action=start-push-state`). Success means the push started: watch
    /// [`push_state_status`](Self::push_state_status) for its end.
    pub async fn push_state(&self, site: &str) -> Result<()> {
        self.action(site, CacheAction::StartPushState).await
    }

    /// Cancels a running push to the site (`?action=cancel-push-state`).
    pub async fn cancel_push_state(&self, site: &str) -> Result<()> {
        self.action(site, CacheAction::CancelPushState).await
    }

    /// On the receiving site, ends a state transfer whose sender died
    /// (`?action=cancel-receive-state`).
    pub async fn cancel_receive_state(&self, site: &str) -> Result<()> {
        self.action(site, CacheAction::CancelReceiveState).await
    }

    /// The push-state status of every backup site (`GET …/x-site/backups?action=push-state-status`).
    ///
    /// When the server cannot collect the status it answers `{"ERROR":"<message>"}` with 200; that
    /// is returned as [`Error::SiteOperationFailed`].
    pub async fn push_state_status(&self) -> Result<PushStateStatuses> {
        let answer = self
            .client()
            .call(&Route::PushStateStatus { cache: self.name() })
            .await?;
        let statuses: PushStateStatuses = answer.json()?;
        if let Some(PushStateStatus::Other(message)) = statuses.get("ERROR")
            && statuses.len() == 1
        {
            return Err(Error::SiteOperationFailed(Box::new(ServerError {
                request: answer.request,
                status: answer.status,
                message: message.clone(),
            })));
        }
        Ok(statuses)
    }

    /// Resets the push-state status to `IDLE` where no push runs
    /// (`POST …/x-site/local?action=clear-push-state-status`).
    ///
    /// The server answers 200 even when this fails, with the failure as the body; that is returned
    /// as [`Error::SiteOperationFailed`].
    pub async fn clear_push_state_status(&self) -> Result<()> {
        let answer = self
            .client()
            .call(&Route::ClearPushStateStatus { cache: self.name() })
            .await?;
        let result: String = answer.json()?;
        if result == OK_RESULT {
            Ok(())
        } else {
            Err(Error::SiteOperationFailed(Box::new(ServerError {
                request: answer.request,
                status: answer.status,
                message: result,
            })))
        }
    }

    /// When the backup to the site goes offline by itself (`GET …/take-offline-config`).
    pub async fn take_offline_config(&self, site: &str) -> Result<TakeOfflineConfig> {
        self.client()
            .call(&Route::TakeOfflineConfig {
                cache: self.name(),
                site,
            })
            .await?
            .json()
    }

    /// Changes when the backup to the site goes offline by itself (`PUT …/take-offline-config`).
    ///
    /// Note: a change also resets the failure counters and **brings the site back online** if it
    /// was offline.
    pub async fn set_take_offline_config(
        &self,
        site: &str,
        config: TakeOfflineConfig,
    ) -> Result<ConfigUpdate> {
        let body = Body {
            content_type: "application/json",
            bytes: serde_json::to_vec(&config).expect("two integers always serialize"),
        };
        let answer = self
            .client()
            .call_with(
                &Route::SetTakeOfflineConfig {
                    cache: self.name(),
                    site,
                },
                Some(body),
            )
            .await?;
        Ok(update_from_status(answer.status.as_u16()))
    }

    /// The state-transfer mode to the site (`GET …/state-transfer-mode`).
    pub async fn state_transfer_mode(&self, site: &str) -> Result<StateTransferMode> {
        self.client()
            .call(&Route::StateTransferMode {
                cache: self.name(),
                site,
            })
            .await?
            .json()
    }

    /// Sets the state-transfer mode to the site (`POST …/state-transfer-mode?action=set&mode=…`).
    /// `AUTO` is refused for SYNC backups (400 `ISPN000634`).
    pub async fn set_state_transfer_mode(
        &self,
        site: &str,
        mode: StateTransferMode,
    ) -> Result<ConfigUpdate> {
        let answer = self
            .client()
            .call(&Route::SetStateTransferMode {
                cache: self.name(),
                site,
                mode: mode.as_str(),
            })
            .await?;
        Ok(update_from_status(answer.status.as_u16()))
    }
}

fn update_from_status(status: u16) -> ConfigUpdate {
    if status == 304 {
        ConfigUpdate::Unchanged
    } else {
        ConfigUpdate::Changed
    }
}
