//! Integration tests of the simulator, in one binary (to keep link time low): `auth` the authentication
//! handshake, `faults` the fault switches, `recorded` the replay of the recordings of real servers,
//! `replication` the cross-site state; `common` is their small HTTP client.

mod auth;
mod common;
mod faults;
mod recorded;
mod replication;
