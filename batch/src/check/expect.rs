//! What each command prints when it succeeds.

use xsite_clish::{Command, SiteAction, SiteCommand};

use super::log::*;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Expect {
    /// Nothing on success.
    Silent,
    /// A per-cache map of `"ok"` or an error.
    CacheMap,
    /// A JSON object of statuses.
    Status,
    /// A JSON object of push-state statuses.
    PushStatus,
    /// The JSON string `"ok"`.
    OkString,
    /// A JSON string.
    JsonString,
    /// This exact line.
    Echo(String),
    /// One line of text.
    OneLine,
    /// Any number of lines.
    Lines,
    /// A usage block; `false` when printing it means the command failed.
    Usage(bool),
}

pub(super) fn expect(command: &Command) -> Expect {
    let action = |a: &SiteAction| {
        if a.all_caches {
            Expect::CacheMap
        } else {
            Expect::Silent
        }
    };
    match command {
        Command::Site(site) => match site {
            SiteCommand::Status { .. } => Expect::Status,
            SiteCommand::BringOnline(a)
            | SiteCommand::TakeOffline(a)
            | SiteCommand::PushSiteState(a)
            | SiteCommand::CancelPushState(a) => action(a),
            SiteCommand::CancelReceiveState { .. } | SiteCommand::SetStateTransferMode { .. } => {
                Expect::Silent
            }
            SiteCommand::PushSiteStatus { .. } => Expect::PushStatus,
            SiteCommand::ClearPushSiteStatus { .. } => Expect::OkString,
            SiteCommand::GetStateTransferMode { .. } => Expect::JsonString,
            SiteCommand::View
            | SiteCommand::Name
            | SiteCommand::IsRelayNode
            | SiteCommand::RelayNodes => Expect::OneLine,
            SiteCommand::NoSubcommand | SiteCommand::StateTransferModeNoSubcommand => {
                Expect::Usage(false)
            }
        },
        Command::ClearCache { .. }
        | Command::Cd { .. }
        | Command::Disconnect
        | Command::Connect(_) => Expect::Silent,
        Command::Echo { words } if words.is_empty() => Expect::Silent,
        Command::Echo { words } => Expect::Echo(words.join(" ")),
        Command::Usage { .. } => Expect::Usage(true),
        Command::Ls(_)
        | Command::Other(_)
        | Command::Extension(_)
        | Command::Help { .. }
        | Command::Quit => Expect::Lines,
    }
}

/// Whether an item is the output `expect` describes.
pub(super) fn matches(expect: &Expect, item: &Item) -> bool {
    match (expect, &item.kind) {
        (Expect::CacheMap | Expect::Status | Expect::PushStatus, ItemKind::Json(v)) => {
            v.is_object()
        }
        (Expect::OkString | Expect::JsonString, ItemKind::Json(v)) => v.is_string(),
        (Expect::Echo(text), ItemKind::Text | ItemKind::Error | ItemKind::Json(_)) => {
            &item.text == text
        }
        (Expect::OneLine, ItemKind::Text | ItemKind::Json(_)) => true,
        (Expect::Lines, ItemKind::Text) => true,
        (Expect::Usage(_), ItemKind::Usage) => true,
        _ => false,
    }
}
