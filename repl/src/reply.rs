//! What a command produced, before the console prints it (in cli.sh's format or as JSON).
//!
//! Its own module, below both the console that prints it and the error that may carry one, so
//! that neither depends on the other for it.

use serde_json::Value;

/// What a command produced, before it is printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// Nothing: the server answered 200 with an empty body, or 204. cli.sh prints nothing.
    Nothing,
    /// A JSON body: pretty printed as cli.sh does, or compact with `--output json`.
    Json(Value),
    /// A line of text (`site name`, `echo`, usage, …).
    Text(String),
    /// A list: printed as Java's `List.toString()` (`[a, b]`, as `site view` and
    /// `site relay-nodes` do) or one item per line (`ls`); a JSON array with `--output json`.
    List(Vec<String>, ListStyle),
}

/// How a [`Reply::List`] prints in cli.sh's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListStyle {
    /// `[a, b]`.
    JavaList,
    /// One item per line, padded as cli.sh's `ls` pads it ([`crate::render::ls_line`]); nothing when
    /// empty.
    Lines,
    /// As [`ListStyle::Lines`], under a column header and a rule when there is any item (cli.sh's
    /// table of keys); the header is not part of the data (`--output json`).
    Table(&'static str),
}
