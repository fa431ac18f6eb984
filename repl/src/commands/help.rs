//! `help [<command>…]` and `<command> --help`: what each command does and which HTTP request it
//! sends. The texts are xsite's own (cli.sh's Aesh-generated help is not reproduced).

use std::sync::LazyLock;

use xsite_clish::Mode;

use crate::commands;
use crate::console::{Console, Reply};
use crate::error::{CliError, CliResult, Kind};
use crate::render::ansi;

/// One entry of the help, in the overview's order.
enum Entry {
    /// A cli.sh command: its path, its synopsis, and what it does.
    Written {
        path: &'static [&'static str],
        synopsis: &'static str,
        about: &'static str,
    },
    /// One of xsite's own commands: its synopsis and help are its clap definition's, the one
    /// that parses it (so `help runbook` and `runbook --help` print the same).
    Own(&'static str),
}

/// A cli.sh command's path, synopsis and description.
type Written = (&'static [&'static str], &'static str, &'static str);

/// The entries of cli.sh commands.
fn written() -> impl Iterator<Item = Written> {
    ENTRIES.iter().filter_map(|entry| match entry {
        Entry::Written {
            path,
            synopsis,
            about,
        } => Some((*path, *synopsis, *about)),
        Entry::Own(_) => None,
    })
}

const ENTRIES: &[Entry] = &[
    Entry::Written {
        path: &["connect"],
        synopsis: "connect [<url>] [-u USER] [-p PASSWORD] [--trustall] [-t CA.pem] [-k CLIENT.pem] [--context-path /rest]",
        about: "Connects to a server: host:port, [ipv6]:port or http(s)://[user[:password]@]host[:port] (none: localhost:11222).\n  Without credentials, asks for them when the server answers 401. GET /rest/v2/server, GET container info.",
    },
    Entry::Written {
        path: &["disconnect"],
        synopsis: "disconnect",
        about: "Forgets the connection.",
    },
    Entry::Written {
        path: &["cd"],
        synopsis: "cd <path>",
        about: "Moves in the resource tree: /containers/<c>/caches/<cache>; .. and . work. Site commands use the cache you are in.",
    },
    Entry::Written {
        path: &["ls"],
        synopsis: "ls [<path>]",
        about: "Lists the names under a resource (the keys inside a cache).",
    },
    Entry::Written {
        path: &["site"],
        synopsis: "site <status|bring-online|take-offline|push-site-state|cancel-push-state|cancel-receive-state|push-site-status|clear-push-site-status|state-transfer-mode|view|name|is-relay-node|relay-nodes> [options]",
        about: "Manages backup sites. Options: -c/--cache=C, -a/--all-caches, -s/--site=S. Without --cache, the cache you cd'd into.",
    },
    Entry::Written {
        path: &["site", "status"],
        synopsis: "site status [--cache=C | --all-caches] [--site=S]",
        about: "Backup status: GET /rest/v2/caches/C/x-site/backups/[S], or the container's with --all-caches.",
    },
    Entry::Written {
        path: &["site", "bring-online"],
        synopsis: "site bring-online [--cache=C | --all-caches] --site=S",
        about: "Resumes replication to S: POST …/x-site/backups/S?action=bring-online. With --all-caches, every cache must answer \"ok\" or the command fails.",
    },
    Entry::Written {
        path: &["site", "take-offline"],
        synopsis: "site take-offline [--cache=C | --all-caches] --site=S",
        about: "Stops replication to S: POST …/x-site/backups/S?action=take-offline. With --all-caches, every cache must answer \"ok\" or the command fails.",
    },
    Entry::Written {
        path: &["site", "push-site-state"],
        synopsis: "site push-site-state [--cache=C | --all-caches] --site=S",
        about: "Brings S online and starts pushing state to it: POST …?action=start-push-state. Watch it with push-site-status.",
    },
    Entry::Written {
        path: &["site", "cancel-push-state"],
        synopsis: "site cancel-push-state [--cache=C | --all-caches] --site=S",
        about: "Cancels a push to S: POST …?action=cancel-push-state.",
    },
    Entry::Written {
        path: &["site", "cancel-receive-state"],
        synopsis: "site cancel-receive-state --cache=C --site=S",
        about: "On the receiving site, ends a transfer whose sender died: POST …?action=cancel-receive-state.",
    },
    Entry::Written {
        path: &["site", "push-site-status"],
        synopsis: "site push-site-status --cache=C",
        about: "Push status per site (IDLE, SENDING, OK, ERROR, CANCELED): GET …/x-site/backups?action=push-state-status.",
    },
    Entry::Written {
        path: &["site", "clear-push-site-status"],
        synopsis: "site clear-push-site-status --cache=C",
        about: "Resets the push status to IDLE: POST …/x-site/local?action=clear-push-state-status. Prints \"ok\".",
    },
    Entry::Written {
        path: &["site", "state-transfer-mode"],
        synopsis: "site state-transfer-mode <get|set> [--cache=C] --site=S [--mode=MANUAL|AUTO]",
        about: "Reads or sets the state-transfer mode (AUTO needs an ASYNC backup). Setting the current mode fails with \"Error: \" (304), as in cli.sh.",
    },
    Entry::Written {
        path: &["site", "state-transfer-mode", "get"],
        synopsis: "site state-transfer-mode get [--cache=C] --site=S",
        about: "GET …/x-site/backups/S/state-transfer-mode.",
    },
    Entry::Written {
        path: &["site", "state-transfer-mode", "set"],
        synopsis: "site state-transfer-mode set [--cache=C] --site=S --mode=MANUAL|AUTO",
        about: "POST …/x-site/backups/S/state-transfer-mode?action=set&mode=M.",
    },
    Entry::Written {
        path: &["site", "view"],
        synopsis: "site view",
        about: "The sites connected now (RELAY2 view), from the container information.",
    },
    Entry::Written {
        path: &["site", "name"],
        synopsis: "site name",
        about: "The local site's name.",
    },
    Entry::Written {
        path: &["site", "is-relay-node"],
        synopsis: "site is-relay-node",
        about: "Whether the node that answers is a relay node.",
    },
    Entry::Written {
        path: &["site", "relay-nodes"],
        synopsis: "site relay-nodes",
        about: "The relay nodes' addresses.",
    },
    Entry::Written {
        path: &["clearcache"],
        synopsis: "clearcache [<cache>]",
        about: "Removes every entry: POST /rest/v2/caches/C?action=clear. The clear replicates to online backups: take them offline first.",
    },
    Entry::Own("runbook"),
    Entry::Own("watch"),
    Entry::Own("alerts"),
    Entry::Own("doctor"),
    Entry::Own("batch-cr"),
    Entry::Own("batch-check"),
    Entry::Written {
        path: &["echo"],
        synopsis: "echo <text>",
        about: "Prints the text.",
    },
    Entry::Written {
        path: &["help"],
        synopsis: "help [<command>]",
        about: "Shows this help.",
    },
    Entry::Written {
        path: &["quit"],
        synopsis: "quit | exit",
        about: "Leaves the shell.",
    },
];

/// Every synopsis (of xsite's own commands, their clap usage lines), for the shell's hints.
pub fn synopses() -> &'static [String] {
    static SYNOPSES: LazyLock<Vec<String>> = LazyLock::new(|| {
        written()
            .map(|(_, synopsis, _)| synopsis.to_owned())
            .chain(
                commands::extension_usages()
                    .into_iter()
                    .map(|(_, usage)| usage),
            )
            .collect()
    });
    &SYNOPSES
}

/// The usage of a cli.sh command path, or `None` for an unknown one.
pub fn usage(path: &[&str]) -> Option<String> {
    let (_, synopsis, about) = written().find(|(p, _, _)| *p == path)?;
    let mut text = format!("Usage: {synopsis}\n  {about}");
    let children: Vec<Written> = written()
        .filter(|(p, _, _)| p.len() == path.len() + 1 && p.starts_with(path))
        .collect();
    if !children.is_empty() {
        text.push_str("\n\nSub-commands:");
        for (_, synopsis, _) in children {
            text.push_str(&format!("\n  {synopsis}"));
        }
    }
    Some(text)
}

/// A group's usage as Aesh prints it (recorded from the real cli.sh in
/// `docs/real-server/cli-samples`): in batch mode every command is a sub-command of `batch`,
/// and sub-command names are blue when `color` is on. Ends with an empty line, as cli.sh's.
pub fn group_usage(path: &[&str], mode: Mode, color: bool) -> Option<String> {
    // The group, its description and its sub-commands' are the shared grammar's.
    let info = xsite_clish::command_info(path)?;
    let description = info.description?;
    let children: Vec<(&str, &str)> = info
        .subcommands
        .iter()
        .map(|name| {
            let child: Vec<&str> = path.iter().copied().chain([*name]).collect();
            let about = xsite_clish::command_info(&child).and_then(|c| c.description);
            (*name, about.unwrap_or(""))
        })
        .collect();
    if children.is_empty() {
        return None;
    }
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
    for (name, about) in &children {
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
        let own = commands::extension_usages();
        let mut text = String::from("Commands (help <command> for details):");
        for entry in ENTRIES {
            let (name, synopsis) = match entry {
                Entry::Written {
                    path: [name],
                    synopsis,
                    ..
                } => (*name, *synopsis),
                Entry::Written { .. } => continue,
                Entry::Own(name) => {
                    let usage = own.iter().find(|(p, _)| p == &[*name]);
                    (*name, usage.map_or("", |(_, u)| u.as_str()))
                }
            };
            text.push_str(&format!("\n  {name:<12} {synopsis}"));
        }
        text.push_str("\n\nRunbooks:");
        for (_, usage) in own
            .iter()
            .filter(|(p, _)| p.len() == 2 && p[0] == "runbook")
        {
            text.push_str(&format!("\n  {usage}"));
        }
        text.push_str(
            "\n\nBatch files: xsite -f FILE (or -f - for stdin); # in column 0 starts a comment, \
             ${VAR} reads -P properties and the environment; --on-error FAIL_FAST|FAIL_AT_END|IGNORE.",
        );
        return Ok(Reply::Text(text));
    }
    let path: Vec<&str> = topic.iter().map(String::as_str).collect();
    usage(&path)
        .or_else(|| commands::extension_help(&path))
        .map(Reply::Text)
        .ok_or_else(|| {
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

    /// Every path of the shared grammar, parents first.
    fn grammar_paths() -> Vec<Vec<&'static str>> {
        fn walk(path: Vec<&'static str>, out: &mut Vec<Vec<&'static str>>) {
            let Some(info) = xsite_clish::command_info(&path) else {
                return;
            };
            out.push(path.clone());
            for sub in info.subcommands {
                let mut child = path.clone();
                child.push(sub);
                walk(child, out);
            }
        }
        let mut out = Vec::new();
        for name in xsite_clish::typed_command_names() {
            walk(vec![name], &mut out);
        }
        out
    }

    #[test]
    fn every_command_of_the_grammar_has_help_and_no_other() {
        let paths = grammar_paths();
        for path in &paths {
            assert!(usage(path).is_some(), "{path:?}");
        }
        for (path, _, _) in written() {
            assert!(paths.iter().any(|p| p == path), "{path:?}");
        }
        assert!(usage(&["site"]).unwrap().contains("Sub-commands:"));
    }

    #[test]
    fn the_overview_lists_each_of_xsite_s_own_commands() {
        let mut listed: Vec<&str> = ENTRIES
            .iter()
            .filter_map(|e| match e {
                Entry::Own(name) => Some(*name),
                Entry::Written { .. } => None,
            })
            .collect();
        let mut names = commands::extension_names();
        listed.sort_unstable();
        names.sort_unstable();
        assert_eq!(listed, names);
    }

    #[test]
    fn synopses_name_the_grammar_s_options_and_sub_commands() {
        for (path, synopsis, _) in written() {
            let info = xsite_clish::command_info(path).unwrap();
            let rest = synopsis
                .strip_prefix(path.join(" ").as_str())
                .unwrap_or_else(|| panic!("{synopsis}"));
            // `site <status|bring-online|…>`: exactly the grammar's sub-commands.
            if let Some(choices) = rest.strip_prefix(" <")
                && !info.subcommands.is_empty()
            {
                let choices = &choices[..choices.find('>').unwrap()];
                let mut named: Vec<&str> = choices.split('|').collect();
                let mut subcommands = info.subcommands.clone();
                named.sort_unstable();
                subcommands.sort_unstable();
                assert_eq!(named, subcommands, "{synopsis}");
            }
            // Every option a synopsis shows is one of the command's (or its sub-commands').
            let mut options = info.options.clone();
            for sub in &info.subcommands {
                let child: Vec<&str> = path.iter().copied().chain([*sub]).collect();
                options.extend(xsite_clish::command_info(&child).unwrap().options);
            }
            for word in rest.split([' ', '[', ']', '|', '(', ')']) {
                let name = word.split('=').next().unwrap_or(word);
                let known = if let Some(long) = name.strip_prefix("--") {
                    options.iter().any(|o| o.long == long)
                } else if let Some(short) = name.strip_prefix('-') {
                    options
                        .iter()
                        .any(|o| o.short.map(String::from).as_deref() == Some(short))
                } else {
                    true
                };
                assert!(known, "{synopsis}: {name}");
            }
        }
    }
}
