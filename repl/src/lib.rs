//! # xsite-repl: the `xsite` shell
//!
//! A shell that speaks `cli.sh`'s language for Data Grid cross-site replication, prints what
//! `cli.sh` prints, and goes further: completion, a password-free history, checked all-caches
//! results, JSON output, batch files with `--on-error`, and an embedded two-site grid
//! (`--demo`, with the default `demo` feature; a build without it carries no server code).
//!
//! One straight line from a typed line to its HTTP request:
//!
//! ```text
//! shell / script-file line
//!   └─ exec::Executor::run_line
//!        └─ xsite_clish::Parser::parse_line   (the cli.sh language crate)
//!             └─ xsite_clish::resolve          (the cd context, cli.sh's checks)
//!                  └─ commands::<command>::run         (one file per command)
//!                       └─ one xsite SDK call          (client.cache(c).xsite().take_offline(s))
//!                            └─ render / console       (cli.sh's bytes, or --output json)
//! ```

pub mod commands;
pub mod console;
#[cfg(feature = "demo")]
pub mod demo;
pub mod endpoint;
pub mod error;
pub mod exec;
pub mod history;
pub mod interrupt;
pub mod manual;
#[cfg(not(feature = "demo"))]
pub mod no_demo;
pub mod progress;
pub mod prompt;
pub mod render;
pub mod reply;
pub mod script_file;
pub mod session;
pub mod shell;
pub mod sites;
pub mod tls;
