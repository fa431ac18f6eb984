//! A whole batch file: lines, comments, `${…}` substitution, `file:line` errors.

use std::fmt;

use super::command::Command;
use super::lexer::split_words;
use super::messages::{self, Mode};
use super::parser::{ParseError, Parser};
use super::vars::{Vars, substitute};
use super::version::CliVersion;

/// A batch script: what cli.sh `--file` runs, and what a Batch CR carries.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Script {
    /// The file name used in messages (`/etc/batch/batch` in a Batch job).
    pub name: String,
    /// The lines, in order.
    pub lines: Vec<ScriptLine>,
}

/// One line of a [`Script`].
#[derive(Debug, Clone, PartialEq)]
pub struct ScriptLine {
    /// The 1-based line number.
    pub number: usize,
    /// The text as written (before `${…}` substitution).
    pub source: String,
    /// What the line is.
    pub item: LineItem,
    /// Keys of `${…}` that resolved to nothing and stay in the line as written.
    pub unresolved: Vec<String>,
    /// The line ends inside a quote (cli.sh keeps the partial word).
    pub unclosed_quote: bool,
}

/// What a script line holds.
#[derive(Debug, Clone, PartialEq)]
pub enum LineItem {
    /// No words: cli.sh runs an empty `batch`, which does nothing.
    Blank,
    /// `#` in the first column.
    Comment,
    /// A command.
    Command(Command),
    /// A line cli.sh would refuse.
    Invalid(ParseError),
}

/// The echo line that [`Script::with_markers`] puts before each command, minus its number.
pub const MARKER_PREFIX: &str = "xsite-step-";

impl Script {
    /// An empty script.
    pub fn new(name: impl Into<String>) -> Script {
        Script {
            name: name.into(),
            lines: Vec::new(),
        }
    }

    /// A script of `commands`, one per line.
    pub fn from_commands(
        name: impl Into<String>,
        commands: impl IntoIterator<Item = Command>,
    ) -> Script {
        let mut script = Script::new(name);
        for command in commands {
            script.push(command);
        }
        script
    }

    /// Appends a command line.
    pub fn push(&mut self, command: Command) -> &mut Script {
        let source = command.render();
        self.push_line(source, LineItem::Command(command));
        self
    }

    /// Appends a comment line (`# text`; the text must be a single line).
    pub fn push_comment(&mut self, text: &str) -> &mut Script {
        let source = format!("# {}", text.replace(['\n', '\r'], " "));
        self.push_line(source, LineItem::Comment);
        self
    }

    /// Appends the lines of `other`.
    pub fn extend(&mut self, other: &Script) -> &mut Script {
        for line in &other.lines {
            self.push_line(line.source.clone(), line.item.clone());
        }
        self
    }

    fn push_line(&mut self, source: String, item: LineItem) {
        self.lines.push(ScriptLine {
            number: self.lines.len() + 1,
            source,
            item,
            unresolved: Vec::new(),
            unclosed_quote: false,
        });
    }

    /// The commands with their line numbers.
    pub fn commands(&self) -> impl Iterator<Item = (usize, &Command)> {
        self.lines.iter().filter_map(|l| match &l.item {
            LineItem::Command(c) => Some((l.number, c)),
            _ => None,
        })
    }

    /// The script as cli.sh text, one line each, ending with a newline. Commands are written
    /// in canonical form ([`Command::render`]); comments and invalid lines as written.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for line in &self.lines {
            match &line.item {
                LineItem::Command(c) => out.push_str(&c.render()),
                LineItem::Blank => {}
                LineItem::Comment | LineItem::Invalid(_) => out.push_str(&line.source),
            }
            out.push('\n');
        }
        out
    }

    /// A copy with `echo xsite-step-<n>` before each command, `<n>` counting the commands
    /// from 1. cli.sh prints those lines in the job log, so that
    /// a log checker (`xsite_batch::check::check_log`) can tell which output belongs to which command.
    /// (`echo` exists in every version and needs no connection; the marker has no word that
    /// `echo` could take for an option.)
    pub fn with_markers(&self) -> Script {
        let mut marked = Script::new(self.name.clone());
        let mut step = 0;
        for line in &self.lines {
            if matches!(line.item, LineItem::Command(_)) {
                step += 1;
                marked.push(Command::Echo {
                    words: vec![format!("{MARKER_PREFIX}{step}")],
                });
            }
            marked.push_line(line.source.clone(), line.item.clone());
        }
        marked
    }

    /// The step number of a marker command made by [`Script::with_markers`].
    pub fn marker_step(command: &Command) -> Option<usize> {
        match command {
            Command::Echo { words } if words.len() == 1 => {
                words[0].strip_prefix(MARKER_PREFIX)?.parse().ok()
            }
            _ => None,
        }
    }
}

/// A line of a script that cli.sh would refuse, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptError {
    /// The script's name.
    pub file: String,
    /// The 1-based line number.
    pub line: usize,
    /// The line as written.
    pub text: String,
    /// The parse error.
    pub error: ParseError,
}

impl ScriptError {
    /// What cli.sh `version` prints when this line aborts a batch: up to 16.0.8
    /// `Error executing file: <file>, line <n>: '<line>'` then `<Exception>: <message>`; from
    /// 16.0.9 `Batch error: <file>, line <n>: '<line>'` (the cause is not printed).
    pub fn cli_report(&self, version: CliVersion) -> String {
        let head = messages::batch_error(version, &self.file, self.line, &self.text);
        if version.batch_stops_on_failure() {
            head
        } else {
            format!(
                "{head}\n{}: {}",
                self.error.exception_class().simple_name(),
                self.error.message(version, Mode::Batch)
            )
        }
    }
}

impl fmt::Display for ScriptError {
    /// `file:line: message`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.error)
    }
}

impl std::error::Error for ScriptError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

impl Parser {
    /// Parses a whole script, keeping every line (invalid ones as [`LineItem::Invalid`]), the
    /// way cli.sh reads it: a `#` in the first column makes a comment, any other line is
    /// `${…}`-substituted with `vars` and parsed.
    pub fn parse_script_lines<V: Vars + ?Sized>(&self, name: &str, text: &str, vars: &V) -> Script {
        let mut script = Script::new(name);
        // `BufferedReader.readLine` ends a line at `\n`, `\r\n` or `\r`.
        let text = text.replace("\r\n", "\n").replace('\r', "\n");
        let mut lines: Vec<&str> = text.split('\n').collect();
        if text.ends_with('\n') {
            lines.pop();
        }
        for (index, source) in lines.into_iter().enumerate() {
            let mut line = ScriptLine {
                number: index + 1,
                source: source.to_owned(),
                item: LineItem::Blank,
                unresolved: Vec::new(),
                unclosed_quote: false,
            };
            if source.starts_with('#') {
                line.item = LineItem::Comment;
            } else {
                let substituted = substitute(source, vars);
                line.unresolved = substituted.unresolved;
                line.unclosed_quote = split_words(&substituted.text).unclosed_quote;
                line.item = match self.parse_line(&substituted.text) {
                    Ok(Some(command)) => LineItem::Command(command),
                    Ok(None) => LineItem::Blank,
                    Err(e) => LineItem::Invalid(e),
                };
            }
            script.lines.push(line);
        }
        script
    }

    /// Parses a whole script; the first line cli.sh would refuse is the error.
    pub fn parse_script<V: Vars + ?Sized>(
        &self,
        name: &str,
        text: &str,
        vars: &V,
    ) -> Result<Script, ScriptError> {
        let script = self.parse_script_lines(name, text, vars);
        if let Some(error) = first_error(&script) {
            return Err(error);
        }
        Ok(script)
    }
}

/// The first invalid line of a script, as a [`ScriptError`].
pub(crate) fn first_error(script: &Script) -> Option<ScriptError> {
    script.lines.iter().find_map(|line| match &line.item {
        LineItem::Invalid(error) => Some(ScriptError {
            file: script.name.clone(),
            line: line.number,
            text: line.source.clone(),
            error: error.clone(),
        }),
        _ => None,
    })
}

/// Parses a whole script with a [`Parser`] that knows no extension command.
pub fn parse_script<V: Vars + ?Sized>(
    name: &str,
    text: &str,
    vars: &V,
) -> Result<Script, ScriptError> {
    Parser::new().parse_script(name, text, vars)
}
