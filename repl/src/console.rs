//! Where output goes: stdout for what cli.sh prints, stderr for what xsite adds.
//!
//! cli.sh writes results *and* error messages to stdout (`shell.writeln`), so xsite does too, to
//! stay byte-identical. What xsite adds beyond cli.sh (hints, the failure line of an all-caches
//! action, notes) goes to stderr, so it never changes stdout.

use std::cell::RefCell;
use std::io::{self, Write};
use std::rc::Rc;

use serde_json::{Value, json};

use crate::error::{CliError, Kind};
use crate::render;
pub use crate::reply::{ListStyle, Reply};

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// As cli.sh prints them.
    #[default]
    Cli,
    /// One compact JSON document per command, on stdout.
    Json,
}

/// The output streams of a session, with the colour and format settings.
pub struct Console {
    out: Box<dyn Write>,
    err: Box<dyn Write>,
    /// Whether error lines are printed red (ANSI).
    pub color: bool,
    /// How results are printed.
    pub format: Format,
    /// Whether stderr is a terminal: progress is drawn as spinners there, else as plain lines.
    pub stderr_tty: bool,
    /// Whether stdout is a terminal: `watch` draws its full-screen view only there.
    pub stdout_tty: bool,
}

impl std::fmt::Debug for Console {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Console")
            .field("color", &self.color)
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

impl Console {
    /// A console on the process's stdout and stderr.
    pub fn stdio(color: bool, format: Format) -> Console {
        Console {
            out: Box::new(io::stdout()),
            err: Box::new(io::stderr()),
            color,
            format,
            stderr_tty: io::IsTerminal::is_terminal(&io::stderr()),
            stdout_tty: io::IsTerminal::is_terminal(&io::stdout()),
        }
    }

    /// A console writing into memory, for tests; read it back through the returned [`Captured`].
    pub fn capture(format: Format) -> (Console, Captured) {
        let captured = Captured::default();
        let console = Console {
            out: Box::new(SharedBuf(captured.out.clone())),
            err: Box::new(SharedBuf(captured.err.clone())),
            color: false,
            format,
            stderr_tty: false,
            stdout_tty: false,
        };
        (console, captured)
    }

    /// Writes a line on stdout.
    pub fn line(&mut self, text: &str) {
        let _ = writeln!(self.out, "{text}");
        let _ = self.out.flush();
    }

    /// Writes a line on stderr.
    pub fn note(&mut self, text: &str) {
        let _ = writeln!(self.err, "{text}");
        let _ = self.err.flush();
    }

    /// Prints a command's result.
    pub fn reply(&mut self, command: &str, reply: &Reply) {
        match self.format {
            Format::Cli => match reply {
                Reply::Nothing => {}
                Reply::Json(value) => self.line(&render::pretty(value)),
                Reply::Text(text) => self.line(text),
                Reply::List(items, ListStyle::JavaList) => self.line(&render::java_list(items)),
                Reply::List(items, ListStyle::Lines) => {
                    for item in items {
                        self.line(&render::ls_line(item));
                    }
                }
                Reply::List(items, ListStyle::Table(header)) => {
                    if !items.is_empty() {
                        self.line(&render::ls_line(header));
                        self.line(&"-".repeat(render::LS_WIDTH));
                    }
                    for item in items {
                        self.line(&render::ls_line(item));
                    }
                }
            },
            Format::Json => {
                let result = match reply {
                    Reply::Nothing => Value::Null,
                    Reply::Json(value) => value.clone(),
                    Reply::Text(text) => Value::String(text.clone()),
                    Reply::List(items, _) => json!(items),
                };
                let doc = json!({"command": command, "ok": true, "result": result});
                self.line(&render::compact_json(&doc));
            }
        }
    }

    /// Prints the report of a failed batch line (`Error executing file: …`, `Batch error: …`),
    /// one coloured line at a time as cli.sh does. With `--output json`, one error document.
    pub fn report(&mut self, text: &str) {
        match self.format {
            Format::Cli => {
                for line in text.lines() {
                    let line = render::report_line(line, self.color);
                    self.line(&line);
                }
            }
            Format::Json => {
                let doc = json!({"ok": false, "error": {"kind": "batch", "message": text}});
                self.line(&render::compact_json(&doc));
            }
        }
    }

    /// Prints a failed command: what cli.sh prints on stdout, then xsite's hints on stderr.
    ///
    /// A [`Kind::PartialFailure`] is a success to cli.sh, which prints the server's answer and
    /// nothing else; xsite prints the same answer on stdout and the failure on stderr.
    pub fn error(&mut self, command: &str, error: &CliError) {
        match self.format {
            Format::Cli => {
                if let Some(printed) = &error.printed {
                    self.reply(command, printed);
                }
                if error.kind == Kind::PartialFailure {
                    let text = format!("xsite: {command} failed: {}", error.message);
                    let line = render::error_line(&text, self.color);
                    self.note(&line);
                } else if error.catch_all {
                    let line = render::report_line(&error.message, self.color);
                    self.note(&line);
                } else if !error.message.is_empty() {
                    let line = render::error_line(&error.message, self.color);
                    self.line(&line);
                }
                for hint in &error.hints {
                    self.note(&format!("hint: {hint}"));
                }
            }
            Format::Json => {
                let mut detail = json!({"kind": error.kind.as_str(), "message": error.message});
                if let Some(status) = error.status {
                    detail["status"] = json!(status);
                }
                if !error.hints.is_empty() {
                    detail["hints"] = json!(error.hints);
                }
                let mut doc = json!({"command": command, "ok": false, "error": detail});
                if let Some(Reply::Json(value)) = error.printed.as_deref() {
                    doc["result"] = value.clone();
                }
                self.line(&render::compact_json(&doc));
            }
        }
    }
}

impl Console {
    /// Prints a failed command with its message on stderr rather than stdout (`batch-cr`,
    /// `batch-check`: their stdout is YAML for `oc` or the check's report). With `--output
    /// json`, the error document still goes to stdout, which then holds only JSON.
    pub fn error_on_stderr(&mut self, command: &str, error: &CliError) {
        if self.format == Format::Json {
            return self.error(command, error);
        }
        if let Some(printed) = &error.printed {
            self.reply(command, printed);
        }
        if !error.message.is_empty() {
            let line = render::error_line(&error.message, self.color);
            self.note(&line);
        }
        for hint in &error.hints {
            self.note(&format!("hint: {hint}"));
        }
    }
}

/// What a captured [`Console`] wrote.
#[derive(Debug, Clone, Default)]
pub struct Captured {
    out: Rc<RefCell<Vec<u8>>>,
    err: Rc<RefCell<Vec<u8>>>,
}

impl Captured {
    /// Everything written to stdout so far.
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.out.borrow()).into_owned()
    }

    /// Everything written to stderr so far.
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.err.borrow()).into_owned()
    }

    /// Empties both buffers.
    pub fn clear(&self) {
        self.out.borrow_mut().clear();
        self.err.borrow_mut().clear();
    }

    /// Returns stdout and stderr and empties both.
    pub fn take(&self) -> (String, String) {
        let taken = (self.stdout(), self.stderr());
        self.clear();
        taken
    }
}

struct SharedBuf(Rc<RefCell<Vec<u8>>>);

impl Write for SharedBuf {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_format() {
        let (mut console, captured) = Console::capture(Format::Cli);
        console.reply("site status", &Reply::Json(json!({"status": "online"})));
        console.reply("site take-offline", &Reply::Nothing);
        console.reply("clear-push-site-status", &Reply::Json(json!("ok")));
        assert_eq!(
            captured.stdout(),
            "{\n  \"status\" : \"online\"\n}\n\"ok\"\n"
        );
        console.error(
            "site status",
            &CliError::new(Kind::Server, "Not Found: x").with_hint("h"),
        );
        assert_eq!(
            captured.take(),
            (
                "{\n  \"status\" : \"online\"\n}\n\"ok\"\nNot Found: x\n".to_owned(),
                "hint: h\n".to_owned()
            )
        );
    }

    #[test]
    fn partial_failure_prints_the_map_then_fails_on_stderr() {
        let (mut console, captured) = Console::capture(Format::Cli);
        let mut error = CliError::new(Kind::PartialFailure, "1 of 2 caches failed: b (boom)");
        error.printed = Some(Box::new(Reply::Json(json!({"a": "ok", "b": "boom"}))));
        console.error("site take-offline", &error);
        let (out, err) = captured.take();
        assert_eq!(out, "{\n  \"a\" : \"ok\",\n  \"b\" : \"boom\"\n}\n");
        assert_eq!(
            err,
            "xsite: site take-offline failed: 1 of 2 caches failed: b (boom)\n"
        );
    }

    #[test]
    fn lists() {
        let (mut console, captured) = Console::capture(Format::Cli);
        let view = Reply::List(vec!["site-a".into(), "site-b".into()], ListStyle::JavaList);
        console.reply("site view", &view);
        console.reply(
            "ls",
            &Reply::List(vec!["a".into(), "b".into()], ListStyle::Lines),
        );
        console.reply("ls", &Reply::List(vec![], ListStyle::Lines));
        let pad = " ".repeat(render::LS_WIDTH - 1);
        assert_eq!(
            captured.take().0,
            format!("[site-a, site-b]\na{pad}\nb{pad}\n")
        );
        let (mut console, captured) = Console::capture(Format::Json);
        console.reply("site view", &view);
        assert_eq!(
            captured.take().0,
            "{\"command\":\"site view\",\"ok\":true,\"result\":[\"site-a\",\"site-b\"]}\n"
        );
    }

    #[test]
    fn json_format() {
        let (mut console, captured) = Console::capture(Format::Json);
        console.reply("site status", &Reply::Json(json!({"status": "online"})));
        console.reply("site take-offline", &Reply::Nothing);
        let mut error = CliError::new(Kind::Server, "Not Found: x");
        error.status = Some(404);
        console.error("site status", &error);
        assert_eq!(
            captured.stdout(),
            concat!(
                r#"{"command":"site status","ok":true,"result":{"status":"online"}}"#,
                "\n",
                r#"{"command":"site take-offline","ok":true,"result":null}"#,
                "\n",
                r#"{"command":"site status","ok":false,"error":{"kind":"server","message":"Not Found: x","status":404}}"#,
                "\n"
            )
        );
    }
}
