//! Batch CR generation for Infinispan / Data Grid cross-site operations, and the cli.sh
//! command model it shares with the `xsite` REPL.
//!
//! - [`script`]: parse, render, resolve and lint cli.sh commands and batch scripts.
//! - [`cr`]: the `Batch` (`infinispan.org/v2alpha1`) and `ConfigMap` resources, their YAML,
//!   their validation, and the `oc` commands that apply them and wait for them.
//! - [`check`]: reads a Batch job's log and reports every failed command.
//! - [`procedures`]: the Data Grid steps of the Keycloak cross-site runbooks as scripts.

pub mod check;
pub mod cr;
pub mod procedures;
pub mod script;
