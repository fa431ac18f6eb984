//! From one line of text to a [`Command`], with cli.sh's parse errors.

use std::fmt;

use secrecy::SecretString;

use super::command::{Command, Connect, Ls, RawCommand, SiteAction, SiteCommand};
use super::lexer::split_words;
use super::messages::{self, ExceptionClass, Mode};
use super::spec::{self, CmdSpec, Parsed, RawError};
use super::version::CliVersion;

/// Why a line does not parse. These are the errors cli.sh's parser (Aesh) raises before the
/// command runs; in a batch before 16.0.9 they are the only errors that stop it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseErrorKind {
    /// The first word is not a command.
    UnknownCommand {
        /// The word.
        word: String,
    },
    /// A group (`site`, `site state-transfer-mode`) followed by a word that is not one of its
    /// sub-commands.
    UnknownSubcommand {
        /// The group's path, e.g. `["site"]`.
        group: Vec<&'static str>,
        /// The word.
        word: String,
    },
    /// An option the command does not have.
    UnknownOption {
        /// The word as written, e.g. `--cahce=work`.
        word: String,
    },
    /// An option that takes a value got none.
    MissingValue {
        /// Its long name.
        option: &'static str,
    },
    /// A required option is missing.
    MissingRequiredOption {
        /// Its long name.
        option: &'static str,
    },
    /// A required positional argument is missing.
    MissingRequiredArgument {
        /// The argument's description (Aesh prints it).
        description: &'static str,
    },
    /// A positional word the command does not take.
    UnexpectedArgument {
        /// The word.
        word: String,
    },
    /// A short option taking a value was grouped after another (`-as`).
    ShortOptionNeedsValue {
        /// The option.
        short: char,
    },
    /// An unknown short option inside a group (`-ax`).
    ShortOptionNotFound {
        /// The option.
        short: char,
    },
    /// A dash Aesh could not read as an option.
    DashWithoutOption,
    /// An integer option (`ls --max-items`) got something else.
    InvalidNumber {
        /// The value.
        value: String,
    },
}

/// A line that cli.sh would refuse to run. The wording depends on the CLI version and on the
/// mode: see [`ParseError::message`]. `Display` shows the batch wording of
/// [`CliVersion::default`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    kind: ParseErrorKind,
}

impl ParseError {
    /// What went wrong.
    pub fn kind(&self) -> &ParseErrorKind {
        &self.kind
    }

    /// The message as cli.sh `version` prints it in `mode`.
    pub fn message(&self, version: CliVersion, mode: Mode) -> String {
        match &self.kind {
            ParseErrorKind::UnknownCommand { word } => {
                messages::unknown_command(version, mode, word)
            }
            ParseErrorKind::UnknownSubcommand { group, word } => {
                messages::unknown_subcommand(version, mode, group, word)
            }
            ParseErrorKind::UnknownOption { word } => messages::unknown_option(word),
            ParseErrorKind::MissingValue { option } => messages::missing_value(option),
            ParseErrorKind::MissingRequiredOption { option } => {
                messages::missing_required_option(option)
            }
            ParseErrorKind::MissingRequiredArgument { description } => {
                messages::missing_required_argument(description)
            }
            ParseErrorKind::UnexpectedArgument { word } => messages::unexpected_argument(word),
            ParseErrorKind::ShortOptionNeedsValue { short } => {
                messages::short_option_needs_value(*short)
            }
            ParseErrorKind::ShortOptionNotFound { short } => {
                messages::short_option_not_found(*short)
            }
            ParseErrorKind::DashWithoutOption => messages::dash_without_option(),
            ParseErrorKind::InvalidNumber { value } => messages::number_format(value),
        }
    }

    /// The exception class cli.sh names when this error aborts a batch.
    pub fn exception_class(&self) -> ExceptionClass {
        match &self.kind {
            ParseErrorKind::UnknownCommand { .. } | ParseErrorKind::UnknownSubcommand { .. } => {
                ExceptionClass::CommandLineParserException
            }
            ParseErrorKind::MissingRequiredOption { .. }
            | ParseErrorKind::MissingRequiredArgument { .. } => {
                ExceptionClass::RequiredOptionException
            }
            ParseErrorKind::InvalidNumber { .. } => ExceptionClass::NumberFormatException,
            _ => ExceptionClass::OptionParserException,
        }
    }

    pub(crate) fn from_kind(kind: ParseErrorKind) -> ParseError {
        ParseError { kind }
    }

    fn from_raw(raw: RawError) -> ParseError {
        let class = raw.class();
        let kind = match raw {
            RawError::UnknownOption(word) => ParseErrorKind::UnknownOption { word },
            RawError::MissingValue(option) => ParseErrorKind::MissingValue { option },
            RawError::MissingRequiredOption(option) => {
                ParseErrorKind::MissingRequiredOption { option }
            }
            RawError::MissingRequiredArgument(description) => {
                ParseErrorKind::MissingRequiredArgument { description }
            }
            RawError::UnexpectedArgument(word) => ParseErrorKind::UnexpectedArgument { word },
            RawError::ShortOptionNeedsValue(short) => {
                ParseErrorKind::ShortOptionNeedsValue { short }
            }
            RawError::ShortOptionNotFound(short) => ParseErrorKind::ShortOptionNotFound { short },
            RawError::DashWithoutOption => ParseErrorKind::DashWithoutOption,
        };
        let error = ParseError { kind };
        debug_assert_eq!(error.exception_class(), class);
        error
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(CliVersion::default(), Mode::Batch))
    }
}

impl std::error::Error for ParseError {}

/// Parses lines into [`Command`]s; knows the REPL's extension commands.
#[derive(Debug, Clone, Default)]
pub struct Parser {
    extensions: Vec<String>,
}

impl Parser {
    /// A parser for cli.sh commands only.
    pub fn new() -> Parser {
        Parser::default()
    }

    /// Also accepts `name` as a REPL command, parsed into [`Command::Extension`] with its words.
    /// A cli.sh command of the same name takes precedence.
    pub fn with_extension(mut self, name: impl Into<String>) -> Parser {
        self.extensions.push(name.into());
        self
    }

    /// Parses one line (already `${…}`-substituted). `None` for a line without words or a line
    /// with `#` in its first column (cli.sh's only form of comment).
    pub fn parse_line(&self, line: &str) -> Result<Option<Command>, ParseError> {
        if line.starts_with('#') {
            return Ok(None);
        }
        let words = split_words(line).words;
        let Some((name, rest)) = words.split_first() else {
            return Ok(None);
        };
        if let Some(spec) = spec::find_typed(name) {
            return parse_typed(spec, rest).map(Some);
        }
        let raw = || RawCommand {
            name: name.clone(),
            args: rest.to_vec(),
        };
        if spec::OTHER_BATCH_COMMANDS.contains(&name.as_str()) {
            return Ok(Some(Command::Other(raw())));
        }
        if self.extensions.iter().any(|e| e == name) {
            return Ok(Some(Command::Extension(raw())));
        }
        Err(ParseError {
            kind: ParseErrorKind::UnknownCommand { word: name.clone() },
        })
    }
}

/// Parses one line with a [`Parser`] that knows no extension command.
pub fn parse_line(line: &str) -> Result<Option<Command>, ParseError> {
    Parser::new().parse_line(line)
}

/// Walks a group's sub-commands (Aesh `AeshCommandLineParser.parse`), then parses the options.
fn parse_typed(spec: &'static CmdSpec, words: &[String]) -> Result<Command, ParseError> {
    let mut spec = spec;
    let mut path: Vec<&'static str> = vec![spec.name];
    let mut words = words;
    while !spec.children.is_empty() {
        let Some((next, rest)) = words.split_first() else {
            break;
        };
        if let Some(child) = spec.children.iter().find(|c| c.name == next) {
            spec = child;
            path.push(child.name);
            words = rest;
            continue;
        }
        if next.starts_with('-') {
            // Options of the group itself (only `-h`); Aesh 2.8 treats `--help` differently,
            // which `lint` reports.
            break;
        }
        return Err(ParseError {
            kind: ParseErrorKind::UnknownSubcommand {
                group: path,
                word: next.clone(),
            },
        });
    }
    let parsed = spec::parse_options(spec, words).map_err(ParseError::from_raw)?;
    if parsed.help(spec) {
        return Ok(Command::Usage {
            path: path.iter().map(|p| (*p).to_owned()).collect(),
        });
    }
    build(&path, spec, parsed)
}

/// The typed command for a parsed line.
fn build(path: &[&str], spec: &CmdSpec, p: Parsed) -> Result<Command, ParseError> {
    let value = |long: &str| p.value(spec, long);
    // Required options are present here: the option parser checked them.
    let required = |long: &str| value(long).unwrap_or_default();
    let action = || SiteAction {
        cache: value("cache"),
        all_caches: p.flag(spec, "all-caches"),
        site: required("site"),
    };
    let command = match path {
        ["site"] => Command::Site(SiteCommand::NoSubcommand),
        ["site", "status"] => Command::Site(SiteCommand::Status {
            cache: value("cache"),
            all_caches: p.flag(spec, "all-caches"),
            site: value("site"),
        }),
        ["site", "bring-online"] => Command::Site(SiteCommand::BringOnline(action())),
        ["site", "take-offline"] => Command::Site(SiteCommand::TakeOffline(action())),
        ["site", "push-site-state"] => Command::Site(SiteCommand::PushSiteState(action())),
        ["site", "cancel-push-state"] => Command::Site(SiteCommand::CancelPushState(action())),
        ["site", "cancel-receive-state"] => Command::Site(SiteCommand::CancelReceiveState {
            cache: required("cache"),
            site: required("site"),
        }),
        ["site", "push-site-status"] => Command::Site(SiteCommand::PushSiteStatus {
            cache: required("cache"),
        }),
        ["site", "clear-push-site-status"] => Command::Site(SiteCommand::ClearPushSiteStatus {
            cache: required("cache"),
        }),
        ["site", "view"] => Command::Site(SiteCommand::View),
        ["site", "name"] => Command::Site(SiteCommand::Name),
        ["site", "is-relay-node"] => Command::Site(SiteCommand::IsRelayNode),
        ["site", "relay-nodes"] => Command::Site(SiteCommand::RelayNodes),
        ["site", "state-transfer-mode"] => {
            Command::Site(SiteCommand::StateTransferModeNoSubcommand)
        }
        ["site", "state-transfer-mode", "get"] => {
            Command::Site(SiteCommand::GetStateTransferMode {
                cache: value("cache"),
                site: required("site"),
            })
        }
        ["site", "state-transfer-mode", "set"] => {
            Command::Site(SiteCommand::SetStateTransferMode {
                cache: value("cache"),
                site: required("site"),
                mode: required("mode"),
            })
        }
        ["clearcache"] => Command::ClearCache {
            cache: p.args.first().cloned(),
        },
        ["connect"] => {
            let secret = |long: &str| value(long).map(SecretString::from);
            let (url, url_password) = match p.args.first() {
                Some(url) => {
                    let (url, password) = Connect::split_url(url);
                    (Some(url), password)
                }
                None => (None, None),
            };
            Command::Connect(Box::new(Connect {
                url,
                url_password,
                username: value("username"),
                password: secret("password"),
                truststore: value("truststore"),
                truststore_password: secret("truststore-password"),
                keystore: value("keystore"),
                keystore_password: secret("keystore-password"),
                provider: value("provider"),
                trustall: p.flag(spec, "trustall"),
                hostname_verifier: value("hostname-verifier"),
                context_path: value("context-path"),
            }))
        }
        ["disconnect"] => Command::Disconnect,
        ["cd"] => Command::Cd {
            path: p.args.first().cloned().unwrap_or_default(),
        },
        ["ls"] => {
            let max_items = match value("max-items") {
                None => None,
                Some(v) => Some(v.parse::<i32>().map_err(|_| ParseError {
                    kind: ParseErrorKind::InvalidNumber { value: v.clone() },
                })?),
            };
            Command::Ls(Ls {
                path: p.args.first().cloned(),
                format: value("format"),
                pretty_print: value("pretty-print"),
                long: p.flag(spec, "l"),
                max_items,
            })
        }
        ["echo"] => Command::Echo { words: p.args },
        ["help"] => Command::Help { topic: p.args },
        ["quit"] => Command::Quit,
        other => unreachable!("no typed command for {other:?}"),
    };
    Ok(command)
}
