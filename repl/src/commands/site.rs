//! `site <sub-command>`: one SDK call per sub-command.
//!
//! The sub-commands that exist for one cache and for every cache call `xsite(&scope)` (scope
//! `Scope::AllCaches` for `--all-caches`, else `Scope::Cache(C)`), which dispatches to the
//! container or cache chain shown here.
//!
//! | Sub-command | SDK call | HTTP |
//! |---|---|---|
//! | `status --all-caches` | `xsite(&scope).status(None)` → `container().xsite().status()` | `GET {container}/x-site/backups/` |
//! | `status --all-caches --site=S` | `xsite(&scope).status(Some(S))` → `container().xsite().site_status(S)` | `GET {container}/x-site/backups/S` |
//! | `status [--cache=C]` | `xsite(&scope).status(None)` → `cache(C).xsite().backups()` | `GET /v2/caches/C/x-site/backups/` |
//! | `status [--cache=C] --site=S` | `xsite(&scope).status(Some(S))` → `cache(C).xsite().site_status(S)` | `GET /v2/caches/C/x-site/backups/S` |
//! | `take-offline --all-caches --site=S` | `xsite(&scope).take_offline(S)` → `container().xsite().take_offline(S)` | `POST {container}/x-site/backups/S?action=take-offline` |
//! | `take-offline [--cache=C] --site=S` | `xsite(&scope).take_offline(S)` → `cache(C).xsite().take_offline(S)` | `POST /v2/caches/C/x-site/backups/S?action=take-offline` |
//! | `bring-online …` | `xsite(&scope).bring_online(S)` → `…bring_online(S)` | `…?action=bring-online` |
//! | `push-site-state …` | `xsite(&scope).push_state(S)` → `…push_state(S)` | `…?action=start-push-state` |
//! | `cancel-push-state …` | `xsite(&scope).cancel_push_state(S)` → `…cancel_push_state(S)` | `…?action=cancel-push-state` |
//! | `cancel-receive-state --cache=C --site=S` | `cache(C).xsite().cancel_receive_state(S)` | `…?action=cancel-receive-state` |
//! | `push-site-status --cache=C` | `cache(C).xsite().push_state_status()` | `GET /v2/caches/C/x-site/backups?action=push-state-status` |
//! | `clear-push-site-status --cache=C` | `cache(C).xsite().clear_push_state_status()` | `POST /v2/caches/C/x-site/local?action=clear-push-state-status` |
//! | `state-transfer-mode get [--cache=C] --site=S` | `cache(C).xsite().state_transfer_mode(S)` | `GET …/backups/S/state-transfer-mode` |
//! | `state-transfer-mode set [--cache=C] --site=S --mode=M` | `cache(C).xsite().set_state_transfer_mode(S, M)` | `POST …/state-transfer-mode?action=set&mode=M` |
//! | `view`, `name`, `is-relay-node`, `relay-nodes` | `container().info()` | `GET {container}` |
//!
//! `{container}` is `/v2/cache-managers/default` on 14.0 and `/v2/container` on 15 and later.
//! Without `--cache`, per-cache sub-commands use the cache of the `cd` context, as cli.sh does.

use serde::Serialize;
use serde_json::Value;
use xsite::{ConfigUpdate, Scope, ScopedOutcome, StateTransferMode};
use xsite_clish::{Resolution, SiteCommand, Target, TransferMode};

use crate::commands::help;
use crate::console::{Console, ListStyle, Reply};
use crate::error::{CliError, CliResult, Kind};
use crate::render;
use crate::session::Session;

/// Runs a `site` sub-command.
pub fn run(
    session: &mut Session,
    console: &mut Console,
    command: &SiteCommand,
    resolution: &Resolution,
) -> CliResult<Reply> {
    let scope = &resolution.target;
    use SiteCommand as S;
    match command {
        S::NoSubcommand => Err(help::usage_error(&["site"], session.mode, console.color)),
        S::StateTransferModeNoSubcommand => Err(help::usage_error(
            &["site", "state-transfer-mode"],
            session.mode,
            console.color,
        )),
        S::Status { site, .. } => {
            let client = session.client()?;
            let scope = xsite_scope(scope)?;
            json(session.block_on(client.xsite(&scope).status(site.as_deref())))
        }
        S::TakeOffline(action) => {
            let client = session.client()?;
            let scope = xsite_scope(scope)?;
            outcome(session.block_on(client.xsite(&scope).take_offline(&action.site)))
        }
        S::BringOnline(action) => {
            let client = session.client()?;
            let scope = xsite_scope(scope)?;
            outcome(session.block_on(client.xsite(&scope).bring_online(&action.site)))
        }
        S::PushSiteState(action) => {
            let client = session.client()?;
            let scope = xsite_scope(scope)?;
            outcome(session.block_on(client.xsite(&scope).push_state(&action.site)))
        }
        S::CancelPushState(action) => {
            let client = session.client()?;
            let scope = xsite_scope(scope)?;
            outcome(session.block_on(client.xsite(&scope).cancel_push_state(&action.site)))
        }
        S::CancelReceiveState { cache, site } => {
            let client = session.client()?;
            nothing(session.block_on(client.cache(cache).xsite().cancel_receive_state(site)))
        }
        S::PushSiteStatus { cache } => {
            let client = session.client()?;
            match session.block_on(client.cache(cache).xsite().push_state_status()) {
                // The server could not collect the status and said so in a 200 body
                // `{"ERROR":"…"}`: cli.sh prints that map as a success; xsite prints it too, and
                // fails.
                Err(xsite::Error::SiteOperationFailed(e)) if e.status.as_u16() == 200 => {
                    let mut err = CliError::new(
                        Kind::PartialFailure,
                        format!(
                            "the server could not collect the push status: {}",
                            e.message
                        ),
                    );
                    err.printed = Some(Box::new(Reply::Json(
                        serde_json::json!({"ERROR": e.message}),
                    )));
                    Err(err)
                }
                other => json(other),
            }
        }
        S::ClearPushSiteStatus { cache } => {
            let client = session.client()?;
            match session.block_on(client.cache(cache).xsite().clear_push_state_status()) {
                Ok(()) => Ok(Reply::Json(Value::String(
                    xsite::model::OK_RESULT.to_owned(),
                ))),
                // A 200 whose body is not "ok": cli.sh prints the text as a success.
                Err(xsite::Error::SiteOperationFailed(e)) if e.status.as_u16() == 200 => {
                    let mut err = CliError::new(
                        Kind::PartialFailure,
                        format!("clearing the push status failed: {}", e.message),
                    );
                    err.printed = Some(Box::new(Reply::Json(Value::String(e.message.clone()))));
                    Err(err)
                }
                Err(e) => Err(CliError::from_sdk(&e)),
            }
        }
        S::GetStateTransferMode { site, .. } => {
            let cache = resolved_cache(scope)?;
            let client = session.client()?;
            json(session.block_on(client.cache(cache).xsite().state_transfer_mode(site)))
        }
        S::SetStateTransferMode { site, .. } => {
            let cache = resolved_cache(scope)?;
            let client = session.client()?;
            // The shared model upper-cased and checked the value, as cli.sh does.
            let mode = match resolution.mode {
                Some(TransferMode::Auto) => StateTransferMode::Auto,
                Some(TransferMode::Manual) | None => StateTransferMode::Manual,
            };
            let update = session
                .block_on(
                    client
                        .cache(cache)
                        .xsite()
                        .set_state_transfer_mode(site, mode),
                )
                .map_err(|e| CliError::from_sdk(&e))?;
            match update {
                ConfigUpdate::Changed => Ok(Reply::Nothing),
                // cli.sh treats the 304 as an error with an empty body.
                ConfigUpdate::Unchanged => {
                    let mut err = CliError::new(Kind::Server, render::http_error_message(304, ""));
                    err.status = Some(304);
                    Err(err.with_hint(format!(
                        "the mode already was {mode} (the server answered 304 Not Modified)"
                    )))
                }
            }
        }
        S::View => {
            let info = container_info(session)?;
            let mut view = info.sites_view();
            view.sort();
            Ok(Reply::List(view, ListStyle::JavaList))
        }
        S::Name => {
            let info = container_info(session)?;
            Ok(Reply::Text(
                xsite::printable(info.local_site().unwrap_or("null")).into_owned(),
            ))
        }
        S::IsRelayNode => {
            let info = container_info(session)?;
            Ok(Reply::Text(info.is_relay_node().to_string()))
        }
        S::RelayNodes => {
            let info = container_info(session)?;
            Ok(Reply::List(info.relay_nodes(), ListStyle::JavaList))
        }
    }
}

/// Reads the container information (cli.sh refreshes it before the site information commands)
/// and keeps it in the session.
fn container_info(session: &mut Session) -> CliResult<xsite::ContainerInfo> {
    let client = session.client()?;
    let info = session
        .block_on(client.container().info())
        .map_err(|e| CliError::from_sdk(&e))?;
    session.connection_mut()?.info = info.clone();
    Ok(info)
}

/// The SDK's scope of a command the shared model resolved to one cache or to every cache.
fn xsite_scope(target: &Target) -> CliResult<Scope> {
    match target {
        Target::AllCaches { .. } => Ok(Scope::AllCaches),
        Target::Cache(cache) => Ok(Scope::Cache(cache.clone())),
        other => unexpected(other),
    }
}

/// The cache the shared model resolved the command to.
fn resolved_cache(target: &Target) -> CliResult<&str> {
    match target {
        Target::Cache(cache) => Ok(cache),
        other => unexpected(other),
    }
}

/// A resolution this command cannot have: a bug in the glue, not a user error.
fn unexpected<T>(target: &Target) -> CliResult<T> {
    Err(CliError::new(
        Kind::Internal,
        format!("internal error: unexpected target {target:?}"),
    ))
}

/// A JSON result, printed as the server sent it (the model types keep the server's shape and
/// key order).
fn json<T: Serialize>(result: xsite::Result<T>) -> CliResult<Reply> {
    let value = result.map_err(|e| CliError::from_sdk(&e))?;
    let value = serde_json::to_value(&value)
        .map_err(|e| CliError::new(Kind::Internal, format!("cannot render the result: {e}")))?;
    Ok(Reply::Json(value))
}

/// An action's result: every cache's result as JSON for `--all-caches`, nothing for one cache
/// (the server sends no body), as cli.sh prints them.
fn outcome(result: xsite::Result<ScopedOutcome>) -> CliResult<Reply> {
    match result.map_err(|e| CliError::from_sdk(&e))? {
        ScopedOutcome::AllCaches(results) => json(Ok(results)),
        ScopedOutcome::Cache => Ok(Reply::Nothing),
    }
}

/// A result the server sends no body for: cli.sh prints nothing.
fn nothing(result: xsite::Result<()>) -> CliResult<Reply> {
    result.map_err(|e| CliError::from_sdk(&e))?;
    Ok(Reply::Nothing)
}
