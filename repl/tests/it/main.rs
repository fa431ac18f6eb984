//! Integration tests of the xsite REPL, against the embedded two-site grid (the simulator).
//!
//! One test binary (to keep link time low): `commands` runs lines through the executor the shell
//! uses and checks the exact bytes; `binary` runs the built `xsite` with batch files; `secrets`
//! checks that no password reaches output, reports or history; `runbook` runs the
//! runbooks on the grid; `batch_cr` covers `batch-cr` and `batch-check`; `faults` runs the built
//! `xsite` against hostile servers; `watch` the snapshot and the full-screen view.

mod alerts;
mod batch_cr;
mod binary;
mod commands;
mod common;
mod connect;
mod doctor;
mod faults;
mod hardening;
mod manual;
mod oneshot;
mod request_counts;
mod runbook;
mod secrets;
mod transcripts;
mod watch;
