//! Shared helpers: a mock server, a client for it, and fixtures.

use wiremock::MockServer;
use xsite::routes::ContainerPath;
use xsite::{Client, Credentials, RetryPolicy};

/// A fixture from `tests/fixtures`, as text.
pub fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("fixture {path}: {e}"))
        .trim_end()
        .to_owned()
}

/// A JSON response with the server's content type.
pub fn json(status: u16, body: &str) -> wiremock::ResponseTemplate {
    wiremock::ResponseTemplate::new(status)
        .set_body_raw(body.as_bytes().to_vec(), "application/json")
}

/// A plain-text response, as the server sends its error messages.
pub fn text(status: u16, body: &str) -> wiremock::ResponseTemplate {
    wiremock::ResponseTemplate::new(status).set_body_raw(body.as_bytes().to_vec(), "text/plain")
}

/// A client without credentials for a 14.0-style server (container `default`), no retries.
pub fn client_14(server: &MockServer) -> Client {
    Client::builder(server.uri())
        .container_path(ContainerPath::CacheManager("default".into()))
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

/// A client without credentials for a 15-style server (`/v2/container`), no retries.
pub fn client_15(server: &MockServer) -> Client {
    Client::builder(server.uri())
        .container_path(ContainerPath::Container)
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

/// A client with a username and password, mechanism chosen from the challenges.
pub fn client_with_password(server: &MockServer) -> Client {
    Client::builder(server.uri())
        .container_path(ContainerPath::Container)
        .credentials(Credentials::password("developer", "strong-password"))
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}
