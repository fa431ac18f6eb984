//! Takes a backup site offline for every cache, then checks that it is offline.
//!
//! `cargo run -p xsite-examples --bin take_offline_all -- http://127.0.0.1:11322 site-a`
//!
//! The server answers an all-caches action with 200 even when some caches failed; the SDK reports
//! that as an error naming each failed cache, so this program never claims a partial success.

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let (client, args) = xsite_examples::client_from_args("take_offline_all <server-url> <site>");
    let Some(site) = args.first() else {
        eprintln!("usage: take_offline_all <server-url> <site>");
        std::process::exit(2);
    };
    let xsite = client.container();
    match xsite.xsite().take_offline(site).await {
        Ok(results) => {
            for (cache, outcome) in &results {
                println!("{cache}: {}", outcome.as_str());
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
    match xsite.xsite().site_status(site).await {
        Ok(status) if status.is_offline() => println!("{site} is offline for every cache"),
        Ok(status) => {
            eprintln!("{site} is {status}, not offline: run this again");
            std::process::exit(1);
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
