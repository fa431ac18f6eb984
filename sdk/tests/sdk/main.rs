//! The SDK's tests against wiremock and a local TLS server: one test binary, one module per area.

mod auth;
mod common;
mod errors;
mod faults;
mod routes;
mod scope;
mod tls;
