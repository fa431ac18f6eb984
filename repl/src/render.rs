//! Turning results and errors into the bytes cli.sh prints.
//!
//! cli.sh re-renders every `application/json` body with Infinispan's own pretty printer
//! (`Json.read(body).toPrettyString()`), which is *not* Jackson's default printer: arrays stay on one
//! line with no space after the comma (`[ "a","b" ]`), an empty array is `[  ]`, an empty object is
//! `{`, an empty line, `}`, and a top-level array is printed compact (only objects are pretty
//! printed). Everything here is a pure function of its input so that it can be tested byte for
//! byte.

use serde_json::Value;

/// Renders a JSON value the way cli.sh prints a JSON response body.
///
/// Objects are pretty printed; any other top-level value (string, number, boolean, null, array) is
/// printed compact, as `Json.toPrettyString()` only pretty prints objects.
///
/// ```
/// use serde_json::json;
/// assert_eq!(
///     xsite_repl::render::pretty(&json!({"site-b": {"status": "online"}})),
///     "{\n  \"site-b\" : {\n    \"status\" : \"online\"\n  }\n}"
/// );
/// assert_eq!(xsite_repl::render::pretty(&json!("ok")), "\"ok\"");
/// ```
pub fn pretty(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(_) => pretty_object(value, 1, &mut out),
        other => compact_into(other, &mut out),
    }
    out
}

fn pretty_object(value: &Value, indent: usize, out: &mut String) {
    let Value::Object(map) = value else {
        return compact_into(value, out);
    };
    out.push_str("{\n");
    let mut first = true;
    for (key, member) in map {
        if !first {
            out.push_str(",\n");
        }
        first = false;
        push_indent(indent, out);
        quote_into(key, out);
        out.push_str(" : ");
        pretty_value(member, indent + 1, out);
    }
    out.push('\n');
    push_indent(indent.saturating_sub(1), out);
    out.push('}');
}

fn pretty_array(items: &[Value], indent: usize, out: &mut String) {
    out.push_str("[ ");
    let mut first = true;
    for item in items {
        if !first {
            out.push(',');
        }
        first = false;
        // Elements that are objects or arrays keep the array's own indentation level.
        pretty_value(item, indent, out);
    }
    out.push_str(" ]");
}

fn pretty_value(value: &Value, indent: usize, out: &mut String) {
    match value {
        Value::Object(_) => pretty_object(value, indent, out),
        Value::Array(items) => pretty_array(items, indent, out),
        other => compact_into(other, out),
    }
}

fn push_indent(level: usize, out: &mut String) {
    for _ in 0..level {
        out.push_str("  ");
    }
}

/// The compact form Infinispan's `Json.toString()` gives: no spaces at all.
fn compact_into(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => quote_into(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                compact_into(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, member)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                quote_into(key, out);
                out.push(':');
                compact_into(member, out);
            }
            out.push('}');
        }
    }
}

/// Quotes and escapes a string as Infinispan's JSON escaper does: `"` and `\` are escaped, the
/// usual control characters get their short escapes, other control characters, U+007F to U+009F,
/// U+2028 and U+2029 become `\uXXXX`, and `/` is left alone.
fn quote_into(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20
                || (0x7f..=0x9f).contains(&(c as u32))
                || c == '\u{2028}'
                || c == '\u{2029}' =>
            {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Renders a list the way Java's `List.toString()` does: `[a, b]`, `[]` when empty. cli.sh prints
/// `site view` and `site relay-nodes` this way.
pub fn java_list(items: &[String]) -> String {
    let items: Vec<_> = items.iter().map(|item| xsite::printable(item)).collect();
    format!("[{}]", items.join(", "))
}

/// The width cli.sh pads each line of `ls` to when its output is not a terminal (its table
/// printer, one column), as recorded from the real 15.0.21 CLI in batch mode.
pub const LS_WIDTH: usize = 160;

/// One line of `ls` as cli.sh prints it: the name, control characters escaped, padded with
/// spaces to [`LS_WIDTH`] characters.
pub fn ls_line(name: &str) -> String {
    format!("{:<LS_WIDTH$}", xsite::printable(name))
}

/// Compact JSON for `--output json`: one line, serde's standard escaping, key order kept.
pub fn compact_json(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}

/// How cli.sh turns an HTTP error status and body into the message it prints
/// (`RestConnection.handleResponseStatus` and the CLI's message bundle).
///
/// Unlike cli.sh, the body's control characters are escaped ([`xsite::printable`]), so that a
/// server cannot drive the terminal, and an error without a body names its status rather than
/// printing `Error: ` alone (a 3xx, or a 204 or 304 where an answer was expected).
pub fn http_error_message(status: u16, body: &str) -> String {
    xsite_clish::http_error_message(status, &xsite::printable(body), &xsite::status_line(status))
}

/// ANSI sequences used when colour is on.
pub mod ansi {
    /// What cli.sh writes before a command's error line (Aesh `TerminalString` with RED /
    /// DEFAULT / BRIGHT), as recorded from the real CLI in `docs/real-server/cli-samples`.
    pub const ERROR_START: &str = "\x1b[;91;109m";
    /// What cli.sh writes before each line of a batch report (`Error executing file: …`).
    pub const REPORT_START: &str = "\x1b[0;31m";
    /// What cli.sh writes after each line of a batch report.
    pub const REPORT_END: &str = "\x1b[0;39m";
    /// What Aesh writes before a sub-command name in a group's usage.
    pub const COMMAND_NAME_START: &str = "\x1b[0;34;49m";
    /// Resets every attribute.
    pub const RESET: &str = "\x1b[0m";
    /// Green, for the connection part of the prompt.
    pub const GREEN: &str = "\x1b[32m";
    /// Yellow, for `disconnected` in the prompt.
    pub const YELLOW: &str = "\x1b[33m";
    /// Back to the default foreground.
    pub const DEFAULT_FG: &str = "\x1b[39m";
}

/// Wraps a line of a batch report (`Error executing file: …`) in cli.sh's red when `color` is
/// on.
pub fn report_line(text: &str, color: bool) -> String {
    if color {
        format!("{}{text}{}", ansi::REPORT_START, ansi::REPORT_END)
    } else {
        text.to_owned()
    }
}

/// Wraps an error line in red when `color` is on.
pub fn error_line(message: &str, color: bool) -> String {
    if color {
        format!("{}{message}{}", ansi::ERROR_START, ansi::RESET)
    } else {
        message.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn p(text: &str) -> String {
        pretty(&serde_json::from_str(text).unwrap())
    }

    #[test]
    fn flat_object() {
        assert_eq!(
            p(r#"{"after_failures":0,"min_wait":0}"#),
            "{\n  \"after_failures\" : 0,\n  \"min_wait\" : 0\n}"
        );
    }

    #[test]
    fn nested_object_with_arrays() {
        let text = r#"{"site-b":{"status":"mixed","online":["infinispan-0-29897"],"offline":["infinispan-1-4417","infinispan-2-1234"]}}"#;
        assert_eq!(
            p(text),
            "{\n  \"site-b\" : {\n    \"status\" : \"mixed\",\n    \"online\" : [ \"infinispan-0-29897\" ],\n    \"offline\" : [ \"infinispan-1-4417\",\"infinispan-2-1234\" ]\n  }\n}"
        );
    }

    #[test]
    fn keeps_server_key_order() {
        let text = r#"{"work":"ok","actionTokens":"ok","sessions":"ok"}"#;
        assert_eq!(
            p(text),
            "{\n  \"work\" : \"ok\",\n  \"actionTokens\" : \"ok\",\n  \"sessions\" : \"ok\"\n}"
        );
    }

    #[test]
    fn empty_containers() {
        assert_eq!(p("{}"), "{\n\n}");
        assert_eq!(p(r#"{"a":[]}"#), "{\n  \"a\" : [  ]\n}");
        assert_eq!(p(r#"{"a":{}}"#), "{\n  \"a\" : {\n\n  }\n}");
        assert_eq!(
            p(r#"{"status":"mixed","online":["work"],"offline":["sessions"],"mixed":[]}"#),
            "{\n  \"status\" : \"mixed\",\n  \"online\" : [ \"work\" ],\n  \"offline\" : [ \"sessions\" ],\n  \"mixed\" : [  ]\n}"
        );
    }

    #[test]
    fn objects_inside_arrays_keep_the_array_indent() {
        assert_eq!(
            p(r#"{"defined_caches":[{"name":"a","started":true},{"name":"b"}]}"#),
            "{\n  \"defined_caches\" : [ {\n    \"name\" : \"a\",\n    \"started\" : true\n  },{\n    \"name\" : \"b\"\n  } ]\n}"
        );
    }

    #[test]
    fn scalars_and_top_level_arrays_are_compact() {
        assert_eq!(p(r#""ok""#), "\"ok\"");
        assert_eq!(p(r#""AUTO""#), "\"AUTO\"");
        assert_eq!(p("true"), "true");
        assert_eq!(p("null"), "null");
        assert_eq!(p("42"), "42");
        assert_eq!(p(r#"["a", "b"]"#), "[\"a\",\"b\"]");
        assert_eq!(p(r#"[{"a": 1}]"#), "[{\"a\":1}]");
    }

    #[test]
    fn values_of_every_kind() {
        assert_eq!(
            p(r#"{"n":null,"t":true,"f":false,"i":-5,"x":1.5}"#),
            "{\n  \"n\" : null,\n  \"t\" : true,\n  \"f\" : false,\n  \"i\" : -5,\n  \"x\" : 1.5\n}"
        );
    }

    #[test]
    fn escaping() {
        let value =
            json!({"k\"ey": "a/b \\ \" \n \t \r \u{8} \u{c} \u{1} \u{7f} \u{85} \u{2028} é"});
        assert_eq!(
            pretty(&value),
            "{\n  \"k\\\"ey\" : \"a/b \\\\ \\\" \\n \\t \\r \\b \\f \\u0001 \\u007f \\u0085 \\u2028 é\"\n}"
        );
    }

    #[test]
    fn java_lists() {
        assert_eq!(java_list(&[]), "[]");
        assert_eq!(
            java_list(&["site-a".to_owned(), "site-b".to_owned()]),
            "[site-a, site-b]"
        );
    }

    #[test]
    fn http_errors_in_cli_words() {
        assert_eq!(
            http_error_message(404, "Cache 'st-mode' does not backup to site 'NOT_A_SITE'"),
            "Not Found: Cache 'st-mode' does not backup to site 'NOT_A_SITE'"
        );
        assert_eq!(http_error_message(404, ""), "Not Found: ");
        // cli.sh prints `Error: ` alone; the status says more.
        assert_eq!(http_error_message(304, ""), "Error: HTTP 304 Not Modified");
        assert_eq!(http_error_message(302, ""), "Error: HTTP 302 Found");
        assert_eq!(
            http_error_message(500, "a\u{1b}]0;pwned\u{7}b\u{1b}[2J"),
            "Error: a\\u001b]0;pwned\\u0007b\\u001b[2J"
        );
        assert_eq!(
            http_error_message(500, "ISPN012047: x"),
            "Error: ISPN012047: x"
        );
        assert_eq!(
            http_error_message(403, "ISPN000287: y"),
            "The user is not allowed to access the server resource: ISPN000287: y"
        );
        assert_eq!(
            http_error_message(401, ""),
            "The supplied credentials are invalid "
        );
    }

    #[test]
    fn compact_output() {
        assert_eq!(
            compact_json(&json!({"b": 1, "a": [1, 2]})),
            r#"{"b":1,"a":[1,2]}"#
        );
    }

    #[test]
    fn error_colour() {
        assert_eq!(error_line("Not Found: ", false), "Not Found: ");
        // The bytes of the real cli.sh (docs/real-server/cli-samples, through `cat -A`).
        assert_eq!(error_line("x", true), "\x1b[;91;109mx\x1b[0m");
        assert_eq!(
            report_line("Error executing file: f, line 2: 'x'", true),
            "\x1b[0;31mError executing file: f, line 2: 'x'\x1b[0;39m"
        );
        assert_eq!(report_line("y", false), "y");
    }
}
