//! 2. Per-operation cost of the SDK (`xsite::Client`) over a bare reqwest client
//!    ([`crate::baseline`]): cache-level take-offline / bring-online pairs, Digest and Basic,
//!    interleaved pair by pair, with fresh clients each round. Latency and this thread's CPU time.

use std::time::Instant;

use xsite::Mechanism;
use xsite_tests::{Grid, SITE_A, SITE_B};

use crate::Res;
use crate::baseline::Bare;
use crate::report::{Samples, us};
use crate::target::{SimDelay, client, describe, with_target};

/// Options of `sdk`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Take-offline / bring-online pairs per client and round.
    #[arg(long, value_name = "N", default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) pairs: u32,
    /// Rounds, each with fresh clients (so fresh connections).
    #[arg(long, value_name = "R", default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) rounds: u32,
    #[command(flatten)]
    pub(crate) sim: SimDelay,
}

/// Measures and prints the per-operation table.
pub(crate) fn run(rt: &tokio::runtime::Runtime, args: &Args) -> Res<()> {
    with_target(rt, &[args.sim.push_delay_ms], async |target| {
        sdk_overhead(target, args).await
    })?;
    Ok(())
}

/// CPU time this thread has used, in nanoseconds (`/proc/thread-self/schedstat`). The client runs
/// on a current-thread runtime, so this is all of the client's work, connection tasks included.
fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

async fn sdk_overhead(target: &Grid, args: &Args) -> Res<()> {
    let (pairs, rounds) = (args.pairs, args.rounds);
    let cache = "work";
    let take = format!("/rest/v2/caches/{cache}/x-site/backups/{SITE_B}?action=take-offline");
    let bring = format!("/rest/v2/caches/{cache}/x-site/backups/{SITE_B}?action=bring-online");
    println!(
        "### Per-operation cost: cache-level take-offline / bring-online pairs, the SDK vs bare reqwest ({}; {rounds} rounds of fresh clients × {pairs} pairs each, interleaved pair by pair, after a warm-up)\n",
        describe(target),
    );
    println!(
        "| auth | client | ops | median µs/op | mean µs/op | p90 µs/op | client CPU µs/op | SDK − bare: median | mean | client CPU |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (label, mechanism, basic) in [
        ("Digest (nonce reused, nc+1)", Mechanism::Digest, false),
        ("Basic, preemptive", Mechanism::BasicPreemptive, true),
    ] {
        let (mut s_sdk, mut s_bare) = (Samples::default(), Samples::default());
        let (mut cpu_sdk, mut cpu_bare) = (0u64, 0u64);
        // Fresh clients (so fresh connections) each round: the server binds a connection to one
        // of its event-loop threads, and a per-connection difference must not favour one side.
        for _ in 0..rounds {
            let sdk = client(target, SITE_A, mechanism);
            let mut bare = Bare::new(target, basic)?;
            let xs = sdk.cache(cache);
            // Warm-up: connection, authentication, the SDK's server discovery.
            for _ in 0..pairs.clamp(5, 50) {
                xs.xsite()
                    .take_offline(SITE_B)
                    .await
                    .map_err(|e| e.to_string())?;
                xs.xsite()
                    .bring_online(SITE_B)
                    .await
                    .map_err(|e| e.to_string())?;
                bare.post(&take).await?;
                bare.post(&bring).await?;
            }
            // Interleaved pair by pair (and which goes first alternates), so that a change of
            // the machine's state (CPU placement, frequency, the server's GC) weighs on both.
            for i in 0..pairs {
                for which in 0..2 {
                    let cpu = thread_cpu_ns();
                    if (i + which) % 2 == 0 {
                        let t = Instant::now();
                        xs.xsite()
                            .take_offline(SITE_B)
                            .await
                            .map_err(|e| e.to_string())?;
                        s_sdk.push(t.elapsed());
                        let t = Instant::now();
                        xs.xsite()
                            .bring_online(SITE_B)
                            .await
                            .map_err(|e| e.to_string())?;
                        s_sdk.push(t.elapsed());
                        cpu_sdk += thread_cpu_ns().saturating_sub(cpu);
                    } else {
                        let t = Instant::now();
                        bare.post(&take).await?;
                        s_bare.push(t.elapsed());
                        let t = Instant::now();
                        bare.post(&bring).await?;
                        s_bare.push(t.elapsed());
                        cpu_bare += thread_cpu_ns().saturating_sub(cpu);
                    }
                }
            }
        }
        let cpu_per_op = |ns: u64, s: &Samples| ns as f64 / 1000.0 / s.len() as f64;
        let (c_sdk, c_bare) = (cpu_per_op(cpu_sdk, &s_sdk), cpu_per_op(cpu_bare, &s_bare));
        for (who, s, cpu) in [("SDK", &s_sdk, c_sdk), ("bare reqwest", &s_bare, c_bare)] {
            let diff = if who == "SDK" {
                format!(
                    "**{}** | **{}** | **{:.0}**",
                    us(s_sdk.median() - s_bare.median()),
                    us(s_sdk.mean() - s_bare.mean()),
                    c_sdk - c_bare
                )
            } else {
                " | | ".to_owned()
            };
            println!(
                "| {label} | {who} | {} | {} | {} | {} | {cpu:.0} | {diff} |",
                s.len(),
                us(s.median()),
                us(s.mean()),
                us(s.quantile(0.9)),
            );
        }
    }
    println!(
        "\n(target: SDK − bare ≤ 50 µs per operation. Client CPU: this thread's CPU time (schedstat) over the operations, \
         everything the client does for a request; the latencies include the server's time and its jitter.)\n"
    );
    Ok(())
}
