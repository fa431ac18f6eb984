//! # xsite: a typed async SDK for Data Grid cross-site replication
//!
//! `xsite` speaks the Infinispan / Red Hat Data Grid REST v2 cross-site routes: backup status,
//! take-offline, bring-online, push state and its status, cancel, clear, take-offline config,
//! state-transfer mode and the sites view, for one cache or for the whole container, plus cache
//! clear and entries. It works with Infinispan 14.0 (Data Grid 8.4) and 15 and later, choosing the
//! container routes from the server's version.
//!
//! ```no_run
//! use xsite::{CacheSet, Client, Credentials};
//!
//! # async fn demo() -> xsite::Result<()> {
//! let client = Client::builder("http://127.0.0.1:11222")
//!     .credentials(Credentials::password("developer", "strong-password"))
//!     .build()?;
//!
//! // One cache.
//! client.cache("work").xsite().take_offline("site-b").await?;
//! let sites = client.cache("work").xsite().backups().await?;
//! assert!(sites["site-b"].is_offline());
//!
//! // Every cache at once. A cache that fails makes this an error, although the server answers 200.
//! client.container().xsite().bring_online("site-b").await?;
//!
//! // A set of caches, concurrently, with every cache's outcome.
//! let outcomes = CacheSet::keycloak_legacy()
//!     .fan_out(&client, |cache| async move { cache.xsite().push_state_status().await })
//!     .await;
//! for (cache, status) in outcomes.iter() {
//!     println!("{cache}: {status:?}");
//! }
//! # Ok(()) }
//! ```
//!
//! A caller that holds the scope as data (a command line's `--cache=C` or `--all-caches`) calls
//! [`Client::xsite`] with a [`Scope`], which dispatches to the same chains.
//!
//! ## Authentication
//! [`Credentials::password`] answers the server's challenge with Digest (MD5 or SHA-256) when it
//! is offered, else Basic, and then reuses what it learnt on later requests. A preemptive Basic
//! header is only sent with [`Mechanism::BasicPreemptive`]. Secrets are [`secrecy`] types and never
//! appear in `Debug` or `Display` output.
//!
//! ## TLS
//! rustls with the system's roots, plus CA files ([`ClientBuilder::ca_file`]), a client
//! certificate ([`ClientBuilder::client_certificate`]) and, for test servers only,
//! [`ClientBuilder::trust_all`]. The library installs no process-wide crypto provider.
//!
//! ## Errors
//! [`Error`] keeps the method, URL, HTTP status and the server's message, and tells apart an
//! unknown cache, a cache without backups, an unknown site, 401, 403, a failed site operation, a
//! partial failure of an all-caches action, and transport, TLS and decode failures.

pub mod alerts;
mod auth;
mod cache;
mod cache_set;
mod client;
mod container;
pub mod doctor;
mod error;
pub mod model;
pub mod routes;
pub mod runbook;
mod scope;
pub mod watch;

pub use auth::{AuthScheme, Credentials, Mechanism};
pub use cache::{CacheHandle, CacheXsite};
pub use cache_set::{
    CacheSet, FanOut, KEYCLOAK_26_CACHES, KEYCLOAK_LEGACY_CACHES, NoCacheSet, SiteCaches,
};
pub use client::{
    Client, ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_CONTEXT_PATH, DEFAULT_REQUEST_TIMEOUT,
    Discovery, MAX_KEY_BYTES, MAX_NAME_BYTES, MAX_RESPONSE_BYTES, RetryPolicy,
};
pub use container::{ContainerHandle, ContainerXsite, SiteInfo};
pub use error::{
    CaSource, ConfigError, Error, FileRole, MAX_MESSAGE_BYTES, PartialFailure, RequestInfo, Result,
    ServerError, printable, status_line,
};
pub use model::{
    CacheOutcome, CacheResults, ConfigUpdate, ContainerInfo, MixedStatus, NodeStatus, NodeStatuses,
    PushStateStatus, PushStateStatuses, ServerVersion, SiteStatus, SiteStatuses, StateTransferMode,
    TakeOfflineConfig,
};
pub use scope::{Scope, ScopedOutcome, ScopedStatus, ScopedXsite};
pub use secrecy::SecretString;
