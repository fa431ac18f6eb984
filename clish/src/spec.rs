//! The command table (names, options, arguments) and an option parser that follows Aesh's rules.
//!
//! Option order inside each table is the order of the fields in the CLI's command class: Aesh
//! reports the first missing required option in that order, and resolves a short-option prefix
//! (`-sfoo`) to the first option in that order.

use super::messages::ExceptionClass;

/// One option of a command.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OptSpec {
    /// The long name, without dashes.
    pub long: &'static str,
    /// The short name, if any.
    pub short: Option<char>,
    /// Whether the option takes a value; otherwise it is a boolean flag.
    pub takes_value: bool,
    /// Whether Aesh requires it.
    pub required: bool,
    /// When given, required options are not checked (the `-h/--help` flag).
    pub overrides_required: bool,
}

const fn val(long: &'static str, short: Option<char>) -> OptSpec {
    OptSpec {
        long,
        short,
        takes_value: true,
        required: false,
        overrides_required: false,
    }
}

const fn req(long: &'static str, short: Option<char>) -> OptSpec {
    OptSpec {
        required: true,
        ..val(long, short)
    }
}

const fn flag(long: &'static str, short: Option<char>) -> OptSpec {
    OptSpec {
        takes_value: false,
        ..val(long, short)
    }
}

/// The `-h/--help` flag every CLI command has.
const HELP: OptSpec = OptSpec {
    overrides_required: true,
    ..flag("help", Some('h'))
};

/// The positional arguments of a command.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ArgSpec {
    /// None.
    None,
    /// At most one (`@Argument`).
    One {
        /// Whether it is required.
        required: bool,
        /// The description, which Aesh uses in the "required" error.
        description: &'static str,
    },
    /// Any number (`@Arguments`).
    Many,
}

/// A command, or a group of sub-commands.
#[derive(Debug)]
pub(crate) struct CmdSpec {
    /// The name.
    pub name: &'static str,
    /// Other names it answers to.
    pub aliases: &'static [&'static str],
    /// Its options, in field order.
    pub options: &'static [OptSpec],
    /// Its positional arguments.
    pub arg: ArgSpec,
    /// Its sub-commands (empty unless a group).
    pub children: &'static [CmdSpec],
    /// The description cli.sh prints for it in its group's usage (recorded from the real
    /// cli.sh, `docs/real-server/cli-samples`); `None` where none is recorded.
    pub description: Option<&'static str>,
}

const fn leaf(name: &'static str, options: &'static [OptSpec], arg: ArgSpec) -> CmdSpec {
    CmdSpec {
        name,
        aliases: &[],
        options,
        arg,
        children: &[],
        description: None,
    }
}

/// A sub-command without arguments, with cli.sh's description of it.
const fn sub(
    name: &'static str,
    description: &'static str,
    options: &'static [OptSpec],
) -> CmdSpec {
    CmdSpec {
        description: Some(description),
        ..leaf(name, options, ArgSpec::None)
    }
}

/// The options shared by the four actions that take `--cache | --all-caches` and `--site`.
const SITE_ACTION: &[OptSpec] = &[
    val("cache", Some('c')),
    flag("all-caches", Some('a')),
    req("site", Some('s')),
    HELP,
];

/// `site` and its sub-commands (`cli/.../commands/rest/Site.java`).
pub(crate) const SITE: CmdSpec = CmdSpec {
    name: "site",
    aliases: &[],
    options: &[HELP],
    arg: ArgSpec::None,
    description: Some("Manages backup sites"),
    children: &[
        sub(
            "status",
            "Shows site status",
            &[
                val("cache", Some('c')),
                flag("all-caches", Some('a')),
                val("site", Some('s')),
                HELP,
            ],
        ),
        sub("bring-online", "Brings a site online", SITE_ACTION),
        sub("take-offline", "Takes a site offline", SITE_ACTION),
        sub(
            "push-site-state",
            "Starts pushing state to a site",
            SITE_ACTION,
        ),
        sub(
            "cancel-push-state",
            "Cancels pushing state to a site",
            SITE_ACTION,
        ),
        sub(
            "cancel-receive-state",
            "Cancels receiving state to a site",
            &[req("cache", Some('c')), req("site", Some('s')), HELP],
        ),
        sub(
            "push-site-status",
            "Shows the status of pushing to a site",
            &[req("cache", Some('c')), HELP],
        ),
        sub(
            "clear-push-site-status",
            "Clears the push state status",
            &[req("cache", Some('c')), HELP],
        ),
        sub("view", "Prints the global sites view", &[HELP]),
        sub("name", "Prints the local site name", &[HELP]),
        CmdSpec {
            name: "state-transfer-mode",
            aliases: &[],
            options: &[HELP],
            arg: ArgSpec::None,
            description: Some("Controls the cross-site state transfer mode."),
            children: &[
                sub(
                    "get",
                    "Retrieves the cross-site state transfer mode.",
                    &[HELP, val("cache", Some('c')), req("site", Some('s'))],
                ),
                sub(
                    "set",
                    "Sets the cross-site state transfer mode.",
                    &[
                        HELP,
                        val("cache", Some('c')),
                        req("site", Some('s')),
                        req("mode", Some('m')),
                    ],
                ),
            ],
        },
        sub(
            "is-relay-node",
            "Returns true if the node handles relay messages between clusters.",
            &[HELP],
        ),
        sub("relay-nodes", "Returns the list of relay nodes.", &[HELP]),
    ],
};

/// `clearcache [<name>]` (`ClearCache.java`).
pub(crate) const CLEARCACHE: CmdSpec = leaf(
    "clearcache",
    &[HELP],
    ArgSpec::One {
        required: false,
        description: "The name of the cache",
    },
);

/// `connect [<url>] …` (`Connect.java`).
pub(crate) const CONNECT: CmdSpec = leaf(
    "connect",
    &[
        val("username", Some('u')),
        val("password", Some('p')),
        val("truststore", Some('t')),
        val("truststore-password", Some('s')),
        val("keystore", Some('k')),
        val("keystore-password", Some('w')),
        val("provider", None),
        flag("trustall", None),
        val("hostname-verifier", None),
        val("context-path", None),
        HELP,
    ],
    ArgSpec::One {
        required: false,
        description: "The connection string 'http://<host>:<port>",
    },
);

/// `disconnect` (`Disconnect.java`).
pub(crate) const DISCONNECT: CmdSpec = leaf("disconnect", &[HELP], ArgSpec::None);

/// `cd <path>` (`Cd.java`).
pub(crate) const CD: CmdSpec = leaf(
    "cd",
    &[HELP],
    ArgSpec::One {
        required: true,
        description: "The name of the subsystem/item",
    },
);

/// `ls [<path>] …` (`Ls.java`). The `-l` flag's long name is the field name, `l`.
pub(crate) const LS: CmdSpec = leaf(
    "ls",
    &[
        val("format", Some('f')),
        val("pretty-print", Some('p')),
        flag("l", Some('l')),
        val("max-items", Some('m')),
        HELP,
    ],
    ArgSpec::One {
        required: false,
        description: "The path of the subsystem/item",
    },
);

/// `echo <text…>` (`Echo.java`).
pub(crate) const ECHO: CmdSpec = leaf("echo", &[HELP], ArgSpec::Many);

/// `help [<command>…]` (`Help.java`; interactive only, it is not a batch command).
pub(crate) const HELP_CMD: CmdSpec = leaf("help", &[], ArgSpec::Many);

/// `quit`, also `exit` and `bye` (`Quit.java`; interactive only).
pub(crate) const QUIT: CmdSpec = CmdSpec {
    aliases: &["exit", "bye"],
    ..leaf("quit", &[HELP], ArgSpec::None)
};

/// The commands this crate types.
pub(crate) const TYPED: &[&CmdSpec] = &[
    &SITE,
    &CLEARCACHE,
    &CONNECT,
    &DISCONNECT,
    &CD,
    &LS,
    &ECHO,
    &HELP_CMD,
    &QUIT,
];

/// The other commands of cli.sh's batch group (`commands/Batch.java`), kept as raw words.
pub(crate) const OTHER_BATCH_COMMANDS: &[&str] = &[
    "add",
    "alter",
    "availability",
    "backup",
    "benchmark",
    "cache",
    "cas",
    "config",
    "container",
    "counter",
    "create",
    "credentials",
    "describe",
    "drop",
    "encoding",
    "get",
    "index",
    "install",
    "migrate",
    "patch",
    "put",
    "query",
    "rebalance",
    "remove",
    "reset",
    "run",
    "schema",
    "server",
    "shutdown",
    "stats",
    "task",
    "topology",
    "user",
    "version",
];

/// Finds a typed command by name or alias.
pub(crate) fn find_typed(name: &str) -> Option<&'static CmdSpec> {
    TYPED
        .iter()
        .copied()
        .find(|spec| spec.name == name || spec.aliases.contains(&name))
}

/// A parse error, as Aesh would raise it (without the wording, which depends on the version).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RawError {
    UnknownOption(String),
    MissingValue(&'static str),
    MissingRequiredOption(&'static str),
    MissingRequiredArgument(&'static str),
    UnexpectedArgument(String),
    ShortOptionNeedsValue(char),
    ShortOptionNotFound(char),
    DashWithoutOption,
}

impl RawError {
    pub(crate) fn class(&self) -> ExceptionClass {
        match self {
            RawError::MissingRequiredOption(_) | RawError::MissingRequiredArgument(_) => {
                ExceptionClass::RequiredOptionException
            }
            _ => ExceptionClass::OptionParserException,
        }
    }
}

/// What the option parser found for one command.
#[derive(Debug, Clone, Default)]
pub(crate) struct Parsed {
    /// The values of each option, by index in the spec (several if repeated; Aesh uses the
    /// first).
    pub values: Vec<Vec<String>>,
    /// The positional words.
    pub args: Vec<String>,
}

impl Parsed {
    /// The value Aesh injects for an option: its first one.
    pub(crate) fn value(&self, spec: &CmdSpec, long: &str) -> Option<String> {
        let index = spec.options.iter().position(|o| o.long == long)?;
        self.values[index].first().cloned()
    }

    /// A boolean flag, converted the way Java's `Boolean.parseBoolean` does.
    pub(crate) fn flag(&self, spec: &CmdSpec, long: &str) -> bool {
        self.value(spec, long)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    /// Whether `-h/--help` was given.
    pub(crate) fn help(&self, spec: &CmdSpec) -> bool {
        spec.options
            .iter()
            .zip(&self.values)
            .any(|(o, v)| o.overrides_required && !v.is_empty())
    }
}

/// Where an option word points.
pub(crate) struct Found {
    pub(crate) index: usize,
    pub(crate) long_used: bool,
}

/// Aesh `ProcessedCommand.searchAllOptions`: exact long name; else, when the word has `=`, the
/// longest long name it starts with; exact short name; else the first short name it starts with.
pub(crate) fn search_option(spec: &CmdSpec, word: &str) -> Option<Found> {
    if let Some(name) = word.strip_prefix("--") {
        let exact = spec.options.iter().position(|o| o.long == name);
        let index = exact.or_else(|| {
            if !name.contains('=') {
                return None;
            }
            spec.options
                .iter()
                .enumerate()
                .filter(|(_, o)| name.starts_with(o.long))
                .max_by_key(|(_, o)| o.long.len())
                .map(|(i, _)| i)
        })?;
        Some(Found {
            index,
            long_used: true,
        })
    } else if let Some(rest) = word.strip_prefix('-') {
        // Short names are one character, so the exact match and the prefix match are the
        // same option; the rest of the word is read by `parse_one_option`.
        let first = rest.chars().next()?;
        let index = spec.options.iter().position(|o| o.short == Some(first))?;
        Some(Found {
            index,
            long_used: false,
        })
    } else {
        None
    }
}

/// Runs Aesh's option parser over the words after the command name (`doParse` in STRICT mode).
pub(crate) fn parse_options(spec: &CmdSpec, words: &[String]) -> Result<Parsed, RawError> {
    let mut parsed = Parsed {
        values: vec![Vec::new(); spec.options.len()],
        args: Vec::new(),
    };
    // Errors are collected in word order; the first one is thrown.
    let mut errors: Vec<RawError> = Vec::new();
    let mut argument_marker = false;
    let mut i = 0;
    while i < words.len() {
        let word = &words[i];
        if argument_marker {
            push_argument(spec, &mut parsed, &mut errors, word);
            i += 1;
            continue;
        }
        if let Some(found) = search_option(spec, word) {
            if let Err(e) = parse_one_option(spec, &found, words, &mut i, &mut parsed) {
                // Aesh throws here, which ends the loop.
                errors.push(e);
                break;
            }
            continue;
        }
        if word == "--" {
            argument_marker = true;
        } else if word.starts_with('-') && (word.starts_with("--") || word.chars().count() == 2) {
            errors.push(RawError::UnknownOption(word.clone()));
        } else {
            push_argument(spec, &mut parsed, &mut errors, word);
        }
        i += 1;
    }
    if !parsed.help(spec) {
        let missing = spec
            .options
            .iter()
            .zip(&parsed.values)
            .find(|(o, v)| o.required && v.is_empty());
        if let Some((option, _)) = missing {
            errors.push(RawError::MissingRequiredOption(option.long));
        } else if let ArgSpec::One {
            required: true,
            description,
        } = spec.arg
            && parsed.args.is_empty()
        {
            errors.push(RawError::MissingRequiredArgument(description));
        }
    }
    match errors.into_iter().next() {
        Some(e) => Err(e),
        None => Ok(parsed),
    }
}

fn push_argument(spec: &CmdSpec, parsed: &mut Parsed, errors: &mut Vec<RawError>, word: &str) {
    match spec.arg {
        ArgSpec::Many => parsed.args.push(word.to_owned()),
        ArgSpec::One { .. } if parsed.args.is_empty() => parsed.args.push(word.to_owned()),
        _ => errors.push(RawError::UnexpectedArgument(word.to_owned())),
    }
}

/// Aesh `AeshOptionParser.parse` for one option word (and its value word, if separate).
fn parse_one_option(
    spec: &CmdSpec,
    found: &Found,
    words: &[String],
    i: &mut usize,
    parsed: &mut Parsed,
) -> Result<(), RawError> {
    let option = &spec.options[found.index];
    let word = &words[*i];
    *i += 1;
    // Whether the value is still to come in the next word.
    let mut waiting = false;
    if found.long_used {
        let name = &word[2..];
        if name.len() != option.long.len() {
            // `--name=value` (or `--namesuffix=value`, which Aesh reads the same way).
            let rest = &name[option.long.len()..];
            match rest.find('=') {
                Some(eq) => parsed.values[found.index].push(rest[eq + 1..].to_owned()),
                None => return Err(RawError::DashWithoutOption),
            }
        } else if option.takes_value {
            waiting = true;
        } else {
            parsed.values[found.index].push("true".to_owned());
        }
    } else {
        let rest: String = word.chars().skip(2).collect();
        if rest.is_empty() {
            if option.takes_value {
                waiting = true;
            } else {
                parsed.values[found.index].push("true".to_owned());
            }
        } else if let Some(eq) = rest.find('=') {
            // `-c=work`; like Aesh, everything after the first `=` (`-cx=y` gives `y`).
            parsed.values[found.index].push(rest[eq + 1..].to_owned());
        } else if option.takes_value {
            // `-cwork`
            parsed.values[found.index].push(rest);
        } else {
            // `-ah`: grouped flags.
            parsed.values[found.index].push("true".to_owned());
            for short in rest.chars() {
                let index = spec
                    .options
                    .iter()
                    .position(|o| o.short == Some(short))
                    .ok_or(RawError::ShortOptionNotFound(short))?;
                if spec.options[index].takes_value {
                    return Err(RawError::ShortOptionNeedsValue(short));
                }
                parsed.values[index].push("true".to_owned());
            }
        }
    }
    if waiting && *i < words.len() {
        if search_option(spec, &words[*i]).is_some() {
            // `--cache --site=x`: the next word is another option.
            if parsed.values[found.index].is_empty() {
                return Err(RawError::MissingValue(option.long));
            }
            return Ok(());
        }
        parsed.values[found.index].push(words[*i].clone());
        *i += 1;
    }
    if option.takes_value
        && parsed.values[found.index]
            .first()
            .is_none_or(|v| v.is_empty())
    {
        return Err(RawError::MissingValue(option.long));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split(' ')
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect()
    }

    fn take_offline() -> &'static CmdSpec {
        &SITE.children[2]
    }

    #[test]
    fn option_forms() {
        let spec = take_offline();
        for line in [
            "--cache=work --site=b",
            "--cache work --site b",
            "-c work -s b",
            "-c=work -s=b",
            "-cwork -sb",
            "--cachex=work --site=b",
        ] {
            let parsed = parse_options(spec, &words(line)).unwrap();
            assert_eq!(
                parsed.value(spec, "cache").as_deref(),
                Some("work"),
                "{line}"
            );
            assert_eq!(parsed.value(spec, "site").as_deref(), Some("b"), "{line}");
        }
        let parsed = parse_options(spec, &words("-a -s b")).unwrap();
        assert!(parsed.flag(spec, "all-caches"));
    }

    #[test]
    fn errors_in_aesh_order() {
        let spec = take_offline();
        let err = |line: &str| parse_options(spec, &words(line)).unwrap_err();
        assert_eq!(err("--all-caches"), RawError::MissingRequiredOption("site"));
        assert_eq!(
            err("--foo --site=b"),
            RawError::UnknownOption("--foo".into())
        );
        assert_eq!(err("--site"), RawError::MissingValue("site"));
        assert_eq!(err("--site --all-caches"), RawError::MissingValue("site"));
        assert_eq!(err("--site="), RawError::MissingValue("site"));
        assert_eq!(err("-x --site=b"), RawError::UnknownOption("-x".into()));
        assert_eq!(
            err("extra --site=b"),
            RawError::UnexpectedArgument("extra".into())
        );
        assert_eq!(err("-as b"), RawError::ShortOptionNeedsValue('s'));
        assert_eq!(err("-ax"), RawError::ShortOptionNotFound('x'));
        // A value that looks like an unknown option is taken as the value.
        let parsed = parse_options(spec, &words("--site --nope")).unwrap();
        assert_eq!(parsed.value(spec, "site").as_deref(), Some("--nope"));
        // Help overrides the required options.
        assert!(parse_options(spec, &words("-h")).unwrap().help(spec));
    }
}

/// An option of a cli.sh command, for completion and help.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionInfo {
    /// The long name, without dashes.
    pub long: &'static str,
    /// The short name, if any.
    pub short: Option<char>,
    /// Whether it takes a value (else it is a flag).
    pub takes_value: bool,
    /// Whether cli.sh requires it.
    pub required: bool,
}

/// What a command (or group) accepts, for completion and help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandInfo {
    /// Its other names (`exit` and `bye` for `quit`).
    pub aliases: Vec<&'static str>,
    /// The description cli.sh prints for it in its group's usage (`Shows site status`), where
    /// recorded.
    pub description: Option<&'static str>,
    /// Its sub-commands (empty unless a group).
    pub subcommands: Vec<&'static str>,
    /// Its options, in cli.sh's order.
    pub options: Vec<OptionInfo>,
    /// Whether it takes positional words.
    pub takes_arguments: bool,
}

/// What the typed command at `path` accepts (`["site"]`, `["site", "take-offline"]`,
/// `["clearcache"]`…); `None` for an unknown path or a command this crate does not type.
pub fn command_info(path: &[&str]) -> Option<CommandInfo> {
    let (first, rest) = path.split_first()?;
    let mut spec = find_typed(first)?;
    for name in rest {
        spec = spec.children.iter().find(|c| c.name == *name)?;
    }
    Some(CommandInfo {
        aliases: spec.aliases.to_vec(),
        description: spec.description,
        subcommands: spec.children.iter().map(|c| c.name).collect(),
        options: spec
            .options
            .iter()
            .map(|o| OptionInfo {
                long: o.long,
                short: o.short,
                takes_value: o.takes_value,
                required: o.required,
            })
            .collect(),
        takes_arguments: !matches!(spec.arg, ArgSpec::None),
    })
}

/// The commands this crate types (the ones [`command_info`] knows), by their main name.
pub fn typed_command_names() -> Vec<&'static str> {
    TYPED.iter().map(|s| s.name).collect()
}

/// The names of every command cli.sh has in batch mode, plus `help` and `quit` (interactive),
/// sorted.
pub fn command_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = TYPED
        .iter()
        .map(|s| s.name)
        .chain(OTHER_BATCH_COMMANDS.iter().copied())
        .collect();
    names.sort_unstable();
    names
}
