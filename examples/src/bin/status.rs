//! Prints the local site, the sites view, and the backup status of every site for every cache.
//!
//! `cargo run -p xsite-examples --bin status -- http://127.0.0.1:11222`

use xsite::CacheSet;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let (client, _) = xsite_examples::client_from_args("status <server-url>");
    if let Err(e) = run(&client).await {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

async fn run(client: &xsite::Client) -> xsite::Result<()> {
    let site = client.container().site_info().await?;
    println!(
        "local site: {}   sites view: [{}]",
        site.local_site.as_deref().unwrap_or("(none)"),
        site.sites_view.join(", ")
    );
    for (backup, status) in client.container().xsite().status().await? {
        println!("all caches -> {backup}: {status}");
    }
    let outcomes = CacheSet::keycloak_legacy()
        .fan_out(client, |cache| async move { cache.xsite().backups().await })
        .await;
    for (cache, outcome) in outcomes.iter() {
        match outcome {
            Ok(sites) => {
                let shown: Vec<String> = sites.iter().map(|(s, st)| format!("{s}: {st}")).collect();
                println!("{cache:<24} {}", shown.join(", "));
            }
            Err(e) => println!("{cache:<24} error: {e}"),
        }
    }
    Ok(())
}
