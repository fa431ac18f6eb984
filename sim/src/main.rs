//! `xsite-sim`: runs the simulated two-site grid until Ctrl-C.

use std::time::Duration;

use clap::Parser;
use xsite_sim::{
    ADMIN_PASSWORD, ADMIN_USER, BackupFailurePolicy, DigestAlgorithm, Generation, Grid, Mechanism,
    OBSERVER_PASSWORD, OBSERVER_USER, SimOptions, harness,
};

/// Two simulated Infinispan sites (site-a, site-b) with cross-site replication, on loopback ports.
#[derive(Debug, Parser)]
#[command(name = "xsite-sim", version)]
struct Args {
    /// Server generation to imitate: 14 (Infinispan 14.0.35.Final) or 15 (15.0.22.Final).
    #[arg(long, default_value = "14", value_parser = ["14", "15"])]
    generation: String,
    /// Port of site-a on 127.0.0.1 (0 picks a free port).
    #[arg(long, default_value_t = harness::SITE_A_REST_PORT)]
    site_a_port: u16,
    /// Port of site-b on 127.0.0.1 (0 picks a free port).
    #[arg(long, default_value_t = harness::SITE_B_REST_PORT)]
    site_b_port: u16,
    /// How long a state push stays SENDING, in milliseconds.
    #[arg(long, default_value_t = 200)]
    push_delay_ms: u64,
    /// Authentication mechanisms in challenge order, comma-separated: digest, basic; "none" disables auth.
    #[arg(long, default_value = "digest,basic")]
    mechanisms: String,
    /// Use DIGEST-SHA-256 instead of MD5 Digest.
    #[arg(long)]
    sha256: bool,
    /// What a write does when an online backup's site is unreachable: fail (500) or warn (succeed).
    #[arg(long, default_value = "fail", value_parser = ["fail", "warn"])]
    failure_policy: String,
    /// Nodes per site, 1 to 3 (`<site>-0` …): per-node backup statuses, as `scripts/grid up --nodes`.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=harness::MAX_NODES as i64))]
    nodes: u8,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let args = Args::parse();
    let mut mechanisms = Vec::new();
    for m in args.mechanisms.split(',').map(str::trim) {
        match m.to_ascii_lowercase().as_str() {
            "digest" => mechanisms.push(Mechanism::Digest),
            "basic" => mechanisms.push(Mechanism::Basic),
            "none" | "" => {}
            other => {
                eprintln!("unknown mechanism '{other}' (use digest, basic or none)");
                std::process::exit(2);
            }
        }
    }
    let opts = SimOptions {
        generation: if args.generation == "15" {
            Generation::V15
        } else {
            Generation::V14
        },
        push_delay: Duration::from_millis(args.push_delay_ms),
        site_a_port: args.site_a_port,
        site_b_port: args.site_b_port,
        mechanisms,
        digest_algorithm: if args.sha256 {
            DigestAlgorithm::Sha256
        } else {
            DigestAlgorithm::Md5
        },
        backup_failure_policy: if args.failure_policy == "warn" {
            BackupFailurePolicy::Warn
        } else {
            BackupFailurePolicy::Fail
        },
        nodes: usize::from(args.nodes),
        ..SimOptions::default()
    };
    let grid = Grid::start(opts).await?;
    println!("site-a: {}/rest", grid.site_a_url());
    println!("site-b: {}/rest", grid.site_b_url());
    println!("admin:    {ADMIN_USER} / {ADMIN_PASSWORD}");
    println!("observer: {OBSERVER_USER} / {OBSERVER_PASSWORD}");
    println!("Press Ctrl-C to stop.");
    tokio::signal::ctrl_c().await?;
    grid.shutdown().await;
    Ok(())
}
