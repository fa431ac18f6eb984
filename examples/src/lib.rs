//! Runnable examples of the `xsite` SDK. Each binary in `src/bin` takes the server URL as its first
//! argument; credentials come from `XSITE_USERNAME` / `XSITE_PASSWORD` (default `developer` /
//! `strong-password`).
//!
//! ```text
//! cargo run -p xsite-examples --bin status -- http://127.0.0.1:11222
//! cargo run -p xsite-examples --bin take_offline_all -- http://127.0.0.1:11222 site-a
//! ```

use xsite::{Client, Credentials};

/// Builds a client for the URL given as the first argument, or exits with a usage message.
pub fn client_from_args(usage: &str) -> (Client, Vec<String>) {
    let mut args = std::env::args().skip(1);
    let Some(url) = args.next() else {
        eprintln!("usage: {usage}");
        std::process::exit(2);
    };
    let username = std::env::var("XSITE_USERNAME").unwrap_or_else(|_| "developer".to_owned());
    let password = std::env::var("XSITE_PASSWORD").unwrap_or_else(|_| "strong-password".to_owned());
    match Client::builder(url)
        .credentials(Credentials::password(username, password))
        .build()
    {
        Ok(client) => (client, args.collect()),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    }
}
