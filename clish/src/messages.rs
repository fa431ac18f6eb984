//! The texts cli.sh prints, in one place.
//!
//! Each function names the class or bundle the text comes from, so that a difference from a
//! real transcript can be traced. The tests compare them with real cli.sh output (14.0.28,
//! 15.0.21, 15.2.6, 16.0.7); `Batch error` (16.0.9+) is read from source only.

use super::version::{AeshLine, CliVersion};

/// How cli.sh reads its commands; some errors are worded differently in each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Mode {
    /// `cli.sh --file` (and a Batch CR): every line runs as `batch <line>`, so every command is
    /// a sub-command of the `batch` group.
    #[default]
    Batch,
    /// The interactive shell: every command is a top-level command.
    Interactive,
}

/// The Java exception class cli.sh names when a parse error aborts a batch
/// (`<Class>: <message>` on the line after `Error executing file: …`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExceptionClass {
    /// `org.aesh.command.parser.CommandLineParserException`: unknown command or sub-command.
    CommandLineParserException,
    /// `org.aesh.command.parser.OptionParserException`: unknown option, missing value, stray
    /// argument.
    OptionParserException,
    /// `org.aesh.command.parser.RequiredOptionException`: a required option or argument is
    /// missing.
    RequiredOptionException,
    /// `java.lang.NumberFormatException`: an integer option got something else.
    NumberFormatException,
    /// `org.aesh.command.CommandException`: e.g. the command needs a connection.
    CommandException,
    /// `java.lang.IllegalArgumentException`, e.g. `No such resource 'x'`.
    IllegalArgumentException,
    /// `java.lang.IllegalStateException`, e.g. `Command invoked from the wrong context`.
    IllegalStateException,
}

impl ExceptionClass {
    /// The simple class name, as `Class.getSimpleName()` prints it.
    pub fn simple_name(self) -> &'static str {
        match self {
            ExceptionClass::CommandLineParserException => "CommandLineParserException",
            ExceptionClass::OptionParserException => "OptionParserException",
            ExceptionClass::RequiredOptionException => "RequiredOptionException",
            ExceptionClass::NumberFormatException => "NumberFormatException",
            ExceptionClass::CommandException => "CommandException",
            ExceptionClass::IllegalArgumentException => "IllegalArgumentException",
            ExceptionClass::IllegalStateException => "IllegalStateException",
        }
    }
}

// ---- Aesh parse errors (aesh `AeshCommandLineParser`, `AeshOptionParser`,
// ---- `DefaultCommandContainer`; the same in 2.7, 2.8.4 and 3.6.1 unless noted).

/// An unknown command.
///
/// Batch mode parses `batch <line>`, so the unknown word is a sub-command of the `batch` group:
/// aesh 2.8.4/3.x `'batch foo' is not part of the batch commands. See 'help batch'.`, aesh 2.7
/// `batch 'foo' is not a batch command. See 'batch --help'.`. The interactive shell prints
/// `Command not found` (`CliCommandNotFoundHandler`).
pub(crate) fn unknown_command(version: CliVersion, mode: Mode, word: &str) -> String {
    match mode {
        Mode::Interactive => "Command not found".to_owned(),
        Mode::Batch => group_child_unknown(version, "batch", word),
    }
}

/// An unknown sub-command of `site` or `site state-transfer-mode`.
///
/// Aesh records this error on the group's own parser but throws only the errors of the
/// top-level parser; below the top it finds no parsed command and throws
/// `Command and/or sub-command is not valid!` instead. In batch mode the top is `batch`, so
/// that is what every unknown sub-command gives; interactively `site foo` gives the group text.
pub(crate) fn unknown_subcommand(
    version: CliVersion,
    mode: Mode,
    group_path: &[&str],
    word: &str,
) -> String {
    match (mode, group_path) {
        (Mode::Interactive, [group]) => group_child_unknown(version, group, word),
        _ => "Command and/or sub-command is not valid!".to_owned(),
    }
}

fn group_child_unknown(version: CliVersion, group: &str, word: &str) -> String {
    match version.aesh() {
        AeshLine::V2_7 => {
            format!("{group} '{word}' is not a {group} command. See '{group} --help'.")
        }
        AeshLine::V2_8 | AeshLine::V3 => {
            format!("'{group} {word}' is not part of the {group} commands. See 'help {group}'.")
        }
    }
}

/// An option the command does not have (only words starting with `--`, or of two characters).
pub(crate) fn unknown_option(word: &str) -> String {
    format!("The option {word} is unknown.")
}

/// An option that takes a value and got none (the long name, without dashes).
pub(crate) fn missing_value(long: &str) -> String {
    format!("Option {long} was specified, but no value was given.")
}

/// A required option is missing (asserted by Infinispan's `XSiteCliOperations` test for
/// `--site`).
pub(crate) fn missing_required_option(long: &str) -> String {
    format!("Option: --{long} is required for this command.")
}

/// A required positional argument is missing; Aesh uses the argument's description.
pub(crate) fn missing_required_argument(description: &str) -> String {
    format!("{description} is required for this command.")
}

/// A positional word the command does not take (Aesh's own wording, grammar included).
pub(crate) fn unexpected_argument(word: &str) -> String {
    format!("A value {word} was given as an argument, but the command do not support it.")
}

/// A short option that takes a value, grouped after another one (`-as`).
pub(crate) fn short_option_needs_value(short: char) -> String {
    format!(
        "Option: -{short} can not be grouped with other options since it need to be given a value"
    )
}

/// An unknown short option inside a group (`-ax`).
pub(crate) fn short_option_not_found(short: char) -> String {
    format!("Option: -{short} was not found.")
}

/// A dash that Aesh could not read as an option.
pub(crate) fn dash_without_option() -> String {
    "Option: - must be followed by a valid operator".to_owned()
}

/// Java's `Integer.parseInt` failure (`NumberFormatException.forInputString`).
pub(crate) fn number_format(value: &str) -> String {
    format!("For input string: \"{value}\"")
}

// ---- Infinispan CLI messages (`cli/.../logging/Messages.java`, `Site.java`, `Executions`).

/// `--cache` together with `--all-caches` (`Messages.mutuallyExclusiveOptions`).
///
/// 14.x/15.x take two names. 16.x takes varargs, and the message bundle formats an array
/// parameter with `Arrays.toString`, which gives `'[cache, all-caches]'` (jboss-logging-tools
/// generator; recorded with 16.0.7).
pub(crate) fn mutually_exclusive_cache_options(version: CliVersion) -> String {
    if version.varargs_option_messages() {
        "The options '[cache, all-caches]' are mutually exclusive".to_owned()
    } else {
        "The options 'cache' and 'all-caches' are mutually exclusive".to_owned()
    }
}

/// Neither `--cache`, nor `--all-caches`, nor a cache in the `cd` context
/// (`Messages.requiresOneOf`; same array formatting as above in 16.x, recorded with 16.0.7).
pub(crate) fn requires_cache_or_all_caches(version: CliVersion) -> String {
    if version.varargs_option_messages() {
        "One of the '[cache, all-caches]' options is required".to_owned()
    } else {
        "One of the 'cache' and 'all-caches' options are required".to_owned()
    }
}

/// `Messages.illegalContext`.
pub const WRONG_CONTEXT: &str = "Command invoked from the wrong context";

/// Java's `Enum.valueOf` failure for `site state-transfer-mode set --mode`, after the CLI
/// upper-cases the value.
pub(crate) fn no_enum_constant(version: CliVersion, upper_value: &str) -> String {
    format!(
        "No enum constant {}.{upper_value}",
        version.state_transfer_mode_enum()
    )
}

/// `Messages.noSuchResource` (from `cd`/`ls` on a path that does not exist).
pub(crate) fn no_such_resource(name: &str) -> String {
    format!("No such resource '{name}'")
}

/// A command that needs a connection, run while disconnected: Aesh `Executions` (interactive,
/// the activator) and `RestCliCommand.exec` (batch mode; recorded with 14.0.28 and 16.0.7).
pub const NOT_AVAILABLE: &str = "The command is not available in the current context.";

/// `disconnect` while disconnected, in batch mode (`Disconnect.exec`; recorded).
pub const NOT_CONNECTED: &str = "Not connected";

/// The line the batch runner prints for a failed line (`Messages.batchError`): up to 16.0.8 it
/// heads the exception that aborts the batch; from 16.0.9 it follows every failed line.
pub(crate) fn batch_error(version: CliVersion, file: &str, line: usize, text: &str) -> String {
    if version.batch_stops_on_failure() {
        batch_error_line(file, line, text)
    } else {
        error_executing_file(file, line, text)
    }
}

/// The first line of the report of a batch line cli.sh cannot parse (and, up to 16.0.8, of any
/// error that aborts the batch).
pub fn error_executing_file(file: &str, line: usize, text: &str) -> String {
    format!("{ERROR_EXECUTING_FILE}{file}, line {line}: '{text}'")
}

/// The line after a failed command in a batch, from 16.0.9 (`Messages.batchError`).
pub fn batch_error_line(file: &str, line: usize, text: &str) -> String {
    format!("{BATCH_ERROR}{file}, line {line}: '{text}'")
}

/// The prefix of the batch error line up to 16.0.8 ([`error_executing_file`]).
pub const ERROR_EXECUTING_FILE: &str = "Error executing file: ";
/// The prefix of the batch error line from 16.0.9 ([`batch_error_line`]).
pub const BATCH_ERROR: &str = "Batch error: ";

// ---- The REST connection (`RestConnection.handleResponseStatus` and the CLI's message bundle).

/// 401: followed by a space and the response body.
pub const HTTP_UNAUTHORIZED: &str = "The supplied credentials are invalid";
/// 403: followed by `: ` and the response body.
pub const HTTP_FORBIDDEN: &str = "The user is not allowed to access the server resource";
/// 404: followed by a space and the response body.
pub const HTTP_NOT_FOUND: &str = "Not Found:";
/// Any other error status: followed by a space and the response body.
pub const HTTP_ERROR: &str = "Error:";

/// The line cli.sh prints for an HTTP error `status` with the response `body`.
///
/// `body` is printed as given: the caller escapes it first (cli.sh does not, and a server could
/// then drive the terminal). An error without a body names its status (`status_line`, e.g.
/// `302 Found`) rather than printing `Error: ` alone, as cli.sh would.
pub fn http_error_message(status: u16, body: &str, status_line: &str) -> String {
    match status {
        401 => format!("{HTTP_UNAUTHORIZED} {body}"),
        403 => format!("{HTTP_FORBIDDEN}: {body}"),
        404 => format!("{HTTP_NOT_FOUND} {body}"),
        _ if body.is_empty() => format!("{HTTP_ERROR} {status_line}"),
        _ => format!("{HTTP_ERROR} {body}"),
    }
}

/// How every line cli.sh prints for a failed command begins: the REST errors above, then the
/// CLI's and Aesh's own messages (this module's functions), then the connection's
/// (`Messages`: keystore errors, unreachable servers). A Batch log checker reads a line that
/// begins with one of these as an error.
pub const ERROR_LINE_BEGINNINGS: &[&str] = &[
    HTTP_NOT_FOUND,
    HTTP_ERROR,
    HTTP_FORBIDDEN,
    HTTP_UNAUTHORIZED,
    NOT_AVAILABLE,
    WRONG_CONTEXT,
    "One of the '",
    "The options '",
    "No enum constant ",
    "No such resource '",
    "Option: ",
    "The option ",
    "A value ",
    "Command and/or sub-command is not valid!",
    "Command not found",
    NOT_CONNECTED,
    "'batch ",
    "batch '",
    "Unable to ",
    "Could not ",
    "Cannot ",
];
