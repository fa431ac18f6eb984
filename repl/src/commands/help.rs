//! `help [<command>…]` and `<command> --help`: what each command does and which HTTP request it
//! sends. The texts are xsite's own (cli.sh's Aesh-generated help is not reproduced).

use xsite_clish::Mode;

use crate::console::{Console, Reply};
use crate::error::{CliError, CliResult, Kind};
use crate::render::ansi;

/// One entry of the help: the command path, its synopsis, and what it does.
struct Entry {
    path: &'static [&'static str],
    synopsis: &'static str,
    about: &'static str,
}

const ENTRIES: &[Entry] = &[
    Entry {
        path: &["connect"],
        synopsis: "connect [<url>] [-u USER] [-p PASSWORD] [--trustall] [-t CA.pem] [-k CLIENT.pem] [--context-path /rest]",
        about: "Connects to a server: host:port, [ipv6]:port or http(s)://[user[:password]@]host[:port] (none: localhost:11222).\n  Without credentials, asks for them when the server answers 401. GET /rest/v2/server, GET container info.",
    },
    Entry {
        path: &["disconnect"],
        synopsis: "disconnect",
        about: "Forgets the connection.",
    },
    Entry {
        path: &["cd"],
        synopsis: "cd <path>",
        about: "Moves in the resource tree: /containers/<c>/caches/<cache>; .. and . work. Site commands use the cache you are in.",
    },
    Entry {
        path: &["ls"],
        synopsis: "ls [<path>]",
        about: "Lists the names under a resource (the keys inside a cache).",
    },
    Entry {
        path: &["site"],
        synopsis: "site <status|bring-online|take-offline|push-site-state|cancel-push-state|cancel-receive-state|push-site-status|clear-push-site-status|state-transfer-mode|view|name|is-relay-node|relay-nodes> [options]",
        about: "Manages backup sites. Options: -c/--cache=C, -a/--all-caches, -s/--site=S. Without --cache, the cache you cd'd into.",
    },
    Entry {
        path: &["site", "status"],
        synopsis: "site status [--cache=C | --all-caches] [--site=S]",
        about: "Backup status: GET /rest/v2/caches/C/x-site/backups/[S], or the container's with --all-caches.",
    },
    Entry {
        path: &["site", "bring-online"],
        synopsis: "site bring-online [--cache=C | --all-caches] --site=S",
        about: "Resumes replication to S: POST …/x-site/backups/S?action=bring-online. With --all-caches, every cache must answer \"ok\" or the command fails.",
    },
    Entry {
        path: &["site", "take-offline"],
        synopsis: "site take-offline [--cache=C | --all-caches] --site=S",
        about: "Stops replication to S: POST …/x-site/backups/S?action=take-offline. With --all-caches, every cache must answer \"ok\" or the command fails.",
    },
    Entry {
        path: &["site", "push-site-state"],
        synopsis: "site push-site-state [--cache=C | --all-caches] --site=S",
        about: "Brings S online and starts pushing state to it: POST …?action=start-push-state. Watch it with push-site-status.",
    },
    Entry {
        path: &["site", "cancel-push-state"],
        synopsis: "site cancel-push-state [--cache=C | --all-caches] --site=S",
        about: "Cancels a push to S: POST …?action=cancel-push-state.",
    },
    Entry {
        path: &["site", "cancel-receive-state"],
        synopsis: "site cancel-receive-state --cache=C --site=S",
        about: "On the receiving site, ends a transfer whose sender died: POST …?action=cancel-receive-state.",
    },
    Entry {
        path: &["site", "push-site-status"],
        synopsis: "site push-site-status --cache=C",
        about: "Push status per site (IDLE, SENDING, OK, ERROR, CANCELED): GET …/x-site/backups?action=push-state-status.",
    },
    Entry {
        path: &["site", "clear-push-site-status"],
        synopsis: "site clear-push-site-status --cache=C",
        about: "Resets the push status to IDLE: POST …/x-site/local?action=clear-push-state-status. Prints \"ok\".",
    },
    Entry {
        path: &["site", "state-transfer-mode"],
        synopsis: "site state-transfer-mode <get|set> [--cache=C] --site=S [--mode=MANUAL|AUTO]",
        about: "Reads or sets the state-transfer mode (AUTO needs an ASYNC backup). Setting the current mode fails with \"Error: \" (304), as in cli.sh.",
    },
    Entry {
        path: &["site", "state-transfer-mode", "get"],
        synopsis: "site state-transfer-mode get [--cache=C] --site=S",
        about: "GET …/x-site/backups/S/state-transfer-mode.",
    },
    Entry {
        path: &["site", "state-transfer-mode", "set"],
        synopsis: "site state-transfer-mode set [--cache=C] --site=S --mode=MANUAL|AUTO",
        about: "POST …/x-site/backups/S/state-transfer-mode?action=set&mode=M.",
    },
    Entry {
        path: &["site", "view"],
        synopsis: "site view",
        about: "The sites connected now (RELAY2 view), from the container information.",
    },
    Entry {
        path: &["site", "name"],
        synopsis: "site name",
        about: "The local site's name.",
    },
    Entry {
        path: &["site", "is-relay-node"],
        synopsis: "site is-relay-node",
        about: "Whether the node that answers is a relay node.",
    },
    Entry {
        path: &["site", "relay-nodes"],
        synopsis: "site relay-nodes",
        about: "The relay nodes' addresses.",
    },
    Entry {
        path: &["clearcache"],
        synopsis: "clearcache [<cache>]",
        about: "Removes every entry: POST /rest/v2/caches/C?action=clear. The clear replicates to online backups: take them offline first.",
    },
    Entry {
        path: &["runbook"],
        synopsis: "runbook <status|fence|resync|sites> [--cache-set keycloak-25|keycloak-26|A,B] [--site-url NAME=URL]",
        about: "The Keycloak multi-site runbooks over both sites, with interlocks. Sites are named: --site-url, the profile\n  (~/.config/xsite/sites.toml, --profile), or --demo. --dry-run prints the plan; --emit-batch prints Batch CRs.\n  Exit codes: 0 done, 2 usage, 3 stopped by an interlock or a postcondition.",
    },
    Entry {
        path: &["runbook", "status"],
        synopsis: "runbook status [--cache-set SET] [--dry-run]",
        about: "Both sites and all caches: sites view, backup and push status per cache, anything degraded (then exit 1).",
    },
    Entry {
        path: &["runbook", "fence"],
        synopsis: "runbook fence --site S [--from STAY] [--dry-run] [--emit-batch --cluster C [--namespace NS]]",
        about: "From the sites that stay, takes S offline for every cache and verifies it (procedure 1). Idempotent.",
    },
    Entry {
        path: &["runbook", "resync"],
        synopsis: "runbook resync --from GOOD --to STALE [--dry-run] [--step-deadline SECS] [--emit-batch --cluster C [--namespace NS]]",
        about: "Replaces STALE's caches with GOOD's (procedure 3; swapped: procedure 4). Each cache is cleared only after\n  its backups were seen offline; the push is followed per cache until OK. Scale Keycloak on STALE to 0 first.",
    },
    Entry {
        path: &["runbook", "sites"],
        synopsis: "runbook sites [--site-url NAME=URL]",
        about: "Lists the configured sites: URL, user, where the password comes from (never the password).",
    },
    Entry {
        path: &["batch-cr"],
        synopsis: "batch-cr --cluster C [--namespace NS] [--name N] [--config-map] [--cpu L[:R]] [--memory L[:R]] (-f FILE | COMMAND…)",
        about: "Prints a Batch CR (YAML) for a script, after checking it as cli.sh would run it; the oc commands to apply it,\n  wait for Succeeded or Failed, and read its log go to stderr.",
    },
    Entry {
        path: &["batch-check"],
        synopsis: "batch-check [FILE|-] [--script FILE | --batch FILE] [--expect-status SITE=STATUS | --expect-push-ok SITE]",
        about: "Reads a Batch job's log (oc logs job/N -c batch): every failed command and every cache not \"ok\" (then exit 1).",
    },
    Entry {
        path: &["echo"],
        synopsis: "echo <text>",
        about: "Prints the text.",
    },
    Entry {
        path: &["help"],
        synopsis: "help [<command>]",
        about: "Shows this help.",
    },
    Entry {
        path: &["quit"],
        synopsis: "quit | exit",
        about: "Leaves the shell.",
    },
];

/// Every synopsis, for the shell's hints.
pub fn synopses() -> impl Iterator<Item = &'static str> {
    ENTRIES.iter().map(|e| e.synopsis)
}

/// The usage of a command path, or `None` for an unknown one.
pub fn usage(path: &[&str]) -> Option<String> {
    let entry = ENTRIES.iter().find(|e| e.path == path)?;
    let mut text = format!("Usage: {}\n  {}", entry.synopsis, entry.about);
    let children: Vec<&Entry> = ENTRIES
        .iter()
        .filter(|e| e.path.len() == path.len() + 1 && e.path.starts_with(path))
        .collect();
    if !children.is_empty() {
        text.push_str("\n\nSub-commands:");
        for child in children {
            text.push_str(&format!("\n  {}", child.synopsis));
        }
    }
    Some(text)
}

/// A group: its path, its description, and its sub-commands with their descriptions.
type Group = (
    &'static [&'static str],
    &'static str,
    &'static [(&'static str, &'static str)],
);

/// The groups whose usage cli.sh prints when they run without a sub-command: the
/// description and each sub-command's description, as cli.sh shows them.
const GROUPS: &[Group] = &[
    (
        &["site"],
        "Manages backup sites",
        &[
            ("status", "Shows site status"),
            ("bring-online", "Brings a site online"),
            ("take-offline", "Takes a site offline"),
            ("push-site-state", "Starts pushing state to a site"),
            ("cancel-push-state", "Cancels pushing state to a site"),
            ("cancel-receive-state", "Cancels receiving state to a site"),
            ("push-site-status", "Shows the status of pushing to a site"),
            ("clear-push-site-status", "Clears the push state status"),
            ("view", "Prints the global sites view"),
            ("name", "Prints the local site name"),
            (
                "state-transfer-mode",
                "Controls the cross-site state transfer mode.",
            ),
            (
                "is-relay-node",
                "Returns true if the node handles relay messages between clusters.",
            ),
            ("relay-nodes", "Returns the list of relay nodes."),
        ],
    ),
    (
        &["site", "state-transfer-mode"],
        "Controls the cross-site state transfer mode.",
        &[
            ("get", "Retrieves the cross-site state transfer mode."),
            ("set", "Sets the cross-site state transfer mode."),
        ],
    ),
];

/// A group's usage as Aesh prints it (recorded from the real cli.sh in
/// `docs/real-server/cli-samples`): in batch mode every command is a sub-command of `batch`,
/// and sub-command names are blue when `color` is on. Ends with an empty line, as cli.sh's.
pub fn group_usage(path: &[&str], mode: Mode, color: bool) -> Option<String> {
    let (_, description, children) = GROUPS.iter().find(|(p, _, _)| *p == path)?;
    let prefix = match mode {
        Mode::Batch => "batch ",
        Mode::Interactive => "",
    };
    let width = children
        .iter()
        .map(|(name, _)| name.len())
        .max()
        .unwrap_or(0)
        + 2;
    let mut text = format!(
        "Usage: {prefix}{} [<options>]\n{description}\n\nOptions:\n  -h, --help\n\n{} commands:\n",
        path.join(" "),
        path.last().unwrap_or(&"")
    );
    for (name, about) in children.iter() {
        let padding = " ".repeat(width - name.len());
        let shown = if color {
            format!("{}{name}{}", ansi::COMMAND_NAME_START, ansi::RESET)
        } else {
            (*name).to_owned()
        };
        text.push_str(&format!("    {shown}{padding}{about}\n"));
    }
    Some(text)
}

/// A group run without a sub-command: cli.sh prints its usage and fails (with no error line).
pub fn usage_error(path: &[&str], mode: Mode, color: bool) -> CliError {
    let mut err = CliError::new(Kind::Usage, "");
    let text = group_usage(path, mode, color)
        .or_else(|| usage(path))
        .unwrap_or_default();
    err.printed = Some(Box::new(Reply::Text(text)));
    err
}

/// Runs `help [<topic>…]`.
pub fn run(_console: &mut Console, topic: &[String]) -> CliResult<Reply> {
    if topic.is_empty() {
        let mut text = String::from("Commands (help <command> for details):");
        for entry in ENTRIES.iter().filter(|e| e.path.len() == 1) {
            text.push_str(&format!("\n  {:<12} {}", entry.path[0], entry.synopsis));
        }
        text.push_str("\n\nRunbooks:");
        for entry in ENTRIES
            .iter()
            .filter(|e| e.path.len() == 2 && e.path[0] == "runbook")
        {
            text.push_str(&format!("\n  {}", entry.synopsis));
        }
        text.push_str(
            "\n\nBatch files: xsite -f FILE (or -f - for stdin); # in column 0 starts a comment, \
             ${VAR} reads -P properties and the environment; --on-error FAIL_FAST|FAIL_AT_END|IGNORE.",
        );
        return Ok(Reply::Text(text));
    }
    let path: Vec<&str> = topic.iter().map(String::as_str).collect();
    usage(&path).map(Reply::Text).ok_or_else(|| {
        CliError::usage(format!("No help for '{}'", topic.join(" ")))
            .with_hint("help lists the commands")
    })
}

/// Runs `<command> --help`: prints the usage and succeeds, as cli.sh does.
pub fn run_usage(_console: &mut Console, path: &[String]) -> CliResult<Reply> {
    let path: Vec<&str> = path.iter().map(String::as_str).collect();
    Ok(Reply::Text(
        usage(&path).unwrap_or_else(|| format!("Usage: {}", path.join(" "))),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_usage_is_aesh_s() {
        assert_eq!(
            group_usage(&["site", "state-transfer-mode"], Mode::Batch, true).unwrap(),
            "Usage: batch site state-transfer-mode [<options>]\nControls the cross-site state transfer mode.\n\nOptions:\n  -h, --help\n\nstate-transfer-mode commands:\n    \x1b[0;34;49mget\x1b[0m  Retrieves the cross-site state transfer mode.\n    \x1b[0;34;49mset\x1b[0m  Sets the cross-site state transfer mode.\n"
        );
        let site = group_usage(&["site"], Mode::Interactive, false).unwrap();
        assert!(site.starts_with("Usage: site [<options>]\nManages backup sites\n"));
        assert!(site.contains("\n    status                  Shows site status\n"));
    }

    #[test]
    fn every_site_subcommand_has_help() {
        for sub in [
            "status",
            "bring-online",
            "take-offline",
            "push-site-state",
            "cancel-push-state",
            "cancel-receive-state",
            "push-site-status",
            "clear-push-site-status",
            "state-transfer-mode",
            "view",
            "name",
            "is-relay-node",
            "relay-nodes",
        ] {
            assert!(usage(&["site", sub]).is_some(), "{sub}");
        }
        assert!(usage(&["site"]).unwrap().contains("Sub-commands:"));
    }
}
