//! The cli.sh command language of Infinispan / Data Grid, as the `xsite` shell, the Batch
//! generator and the Batch log checker read and write it. It depends on nothing else of xsite's.
//!
//! - [`parse_line`] / [`Parser::parse_line`]: one cli.sh line to a typed [`Command`], with the
//!   parse errors cli.sh (Aesh) raises ([`ParseError`]).
//! - [`parse_script`]: a whole batch file, with `${…}` substitution ([`Vars`]) and
//!   `file:line` errors ([`ScriptError`], which also gives cli.sh's own batch report).
//! - [`Command::render`]: a command back to canonical cli.sh text.
//! - [`resolve`]: what a command acts on in a [`Context`] (the `cd` location, the connection,
//!   the [`CliVersion`]), with the errors cli.sh gives only when the command runs.
//! - [`lint`]: every reason cli.sh would fail on a script, before it reaches a cluster.
//! - [`command_info`] / [`typed_command_names`]: the grammar the parser reads (commands,
//!   aliases, sub-commands, options, cli.sh's descriptions of sub-commands), for completion and
//!   help.
//!
//! The message texts are in one private module, `messages`, each with its source.

mod command;
mod context;
mod credentials;
mod lexer;
mod lint;
mod messages;
pub use messages::{batch_error_line, error_executing_file};
mod parser;
mod script;
mod spec;
mod vars;
mod version;

pub use command::{Command, Connect, Ls, RawCommand, SECRET_PLACEHOLDER, SiteAction, SiteCommand};
pub use context::{
    Context, DEFAULT_CONTAINER, Resolution, ResolveError, Target, TransferMode, resolve,
};
pub use credentials::{
    Redacted, has_secret, redact_line, redact_url, split_url_password, url_has_password,
    url_with_placeholder,
};
pub use lint::{Diagnostic, Severity, has_errors, lint};
pub use messages::{ExceptionClass, Mode};
pub use parser::{ParseError, ParseErrorKind, Parser, parse_line};
pub use script::{LineItem, MARKER_PREFIX, Script, ScriptError, ScriptLine, parse_script};
pub use spec::{CommandInfo, OptionInfo, command_info, command_names, typed_command_names};
pub use vars::{NoVars, Substituted, Vars, substitute};
pub use version::{CliVersion, VersionParseError};

pub use messages::{
    BATCH_ERROR, ERROR_EXECUTING_FILE, ERROR_LINE_BEGINNINGS, HTTP_ERROR, HTTP_FORBIDDEN,
    HTTP_NOT_FOUND, HTTP_UNAUTHORIZED, NOT_AVAILABLE, NOT_CONNECTED, WRONG_CONTEXT,
    http_error_message,
};

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
