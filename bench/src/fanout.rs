//! 3. Fan-out: one per-cache operation (status GET, take-offline POST) over the eight Keycloak
//!    caches with the SDK's `CacheSet::fan_out`, and the same one cache after another, against
//!    one request; Digest and preemptive Basic; on the simulator also with every answer late.

use std::time::{Duration, Instant};

use xsite::{CacheSet, Mechanism};
use xsite_tests::{Grid, GridKind, SITE_A, SITE_B};

use crate::Res;
use crate::report::{Samples, chain, ms};
use crate::target::{SimDelay, client, describe, with_target};

/// Options of `fanout`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Timed runs per row.
    #[arg(long, value_name = "N", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) runs: u32,
    #[command(flatten)]
    pub(crate) sim: SimDelay,
}

/// Measures and prints the fan-out table.
pub(crate) fn run(rt: &tokio::runtime::Runtime, args: &Args) -> Res<()> {
    with_target(rt, &[args.sim.push_delay_ms], async |target| {
        fan_out(target, args).await
    })?;
    Ok(())
}

async fn fan_out(target: &Grid, args: &Args) -> Res<()> {
    let runs = args.runs;
    let caches = CacheSet::keycloak_legacy();
    println!(
        "### Fan-out: one per-cache operation on the {} Keycloak caches, concurrent (`CacheSet::fan_out`) and sequential, vs one request ({}; {runs} runs each after a warm-up)\n",
        caches.len(),
        describe(target)
    );
    println!(
        "| auth | operation | one request, median ms | fan-out ×8, median ms (p10–p90) | sequential ×8, median ms | fan-out ÷ one (target ≤ 1.5) | sequential ÷ fan-out |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|");
    // Concurrent per-cache take-offline (or bring-online) requests for several caches deadlock
    // Infinispan 15.0 and later (the global offline status: two caches' OfflineStatus monitors
    // taken in opposite orders); 14.0 and the simulator take them.
    let major = match target.kind {
        GridKind::Real => target
            .a()
            .server_version()
            .await
            .map_err(|e| e.to_string())?
            .map_or(0, |v| v.major),
        GridKind::Simulator => 0,
    };
    for (label, mechanism) in [
        ("Digest (SDK default)", Mechanism::Auto),
        ("Basic, preemptive", Mechanism::BasicPreemptive),
    ] {
        for post in [false, true] {
            if post && major >= 15 {
                println!(
                    "| {label} | take-offline (POST) | not measured: concurrent per-cache take-offline deadlocks Infinispan {major}.x | | | | |"
                );
                continue;
            }
            fan_out_row(target, &caches, runs, label, mechanism, post).await?;
        }
    }
    if let Some(grid) = target.sim() {
        // The same with a server that is slow rather than busy: every answer 5 ms late. The
        // fan-out then shows what the client side costs when the server's CPU does not bound it.
        grid.site_a().set_latency(Duration::from_millis(5));
        let outcome = fan_out_row(
            target,
            &caches,
            runs,
            "Digest, every answer delayed 5 ms (simulated)",
            Mechanism::Auto,
            false,
        )
        .await;
        grid.site_a().set_latency(Duration::ZERO);
        outcome?;
    }
    println!();
    Ok(())
}

async fn fan_out_row(
    target: &Grid,
    caches: &CacheSet,
    runs: u32,
    label: &str,
    mechanism: Mechanism,
    post: bool,
) -> Res<()> {
    let sdk = client(target, SITE_A, mechanism);
    let op = if post {
        "take-offline (POST)"
    } else {
        "status (GET)"
    };
    let one = || async {
        let cache = sdk.cache("work");
        if post {
            cache.xsite().take_offline(SITE_B).await.map(|_| ())
        } else {
            cache.xsite().backups().await.map(|_| ())
        }
        .map_err(|e| e.to_string())
    };
    let all = || async {
        let outcome = caches
            .fan_out(&sdk, |cache| async move {
                if post {
                    cache.xsite().take_offline(SITE_B).await.map(|_| ())
                } else {
                    cache.xsite().backups().await.map(|_| ())
                }
            })
            .await;
        match outcome.failures().next() {
            Some((cache, e)) => Err(format!("{cache}: {}", chain(e))),
            None => Ok(()),
        }
    };
    let sequential = || async {
        for name in caches.names() {
            let cache = sdk.cache(name);
            if post {
                cache.xsite().take_offline(SITE_B).await.map(|_| ())
            } else {
                cache.xsite().backups().await.map(|_| ())
            }
            .map_err(|e| e.to_string())?;
        }
        Ok::<(), String>(())
    };
    // Untimed, after a take-offline: every backup online again.
    let restore = || async {
        if post {
            let outcome = caches
                .fan_out(&sdk, |cache| async move {
                    cache.xsite().bring_online(SITE_B).await
                })
                .await;
            if let Some((cache, e)) = outcome.failures().next() {
                return Err(format!("{cache}: {}", chain(e)));
            }
        }
        Ok::<(), String>(())
    };
    // Warm-up: eight pooled connections, eight Digest sessions, the server discovery.
    for _ in 0..3 {
        all().await?;
        restore().await?;
        one().await?;
        restore().await?;
    }
    let (mut s_one, mut s_fan, mut s_seq) =
        (Samples::default(), Samples::default(), Samples::default());
    for _ in 0..runs {
        let t = Instant::now();
        one().await?;
        s_one.push(t.elapsed());
        restore().await?;
        let t = Instant::now();
        all().await?;
        s_fan.push(t.elapsed());
        restore().await?;
        let t = Instant::now();
        sequential().await?;
        s_seq.push(t.elapsed());
        restore().await?;
    }
    println!(
        "| {label} | {op} | {} | {} ({}–{}) | {} | {:.2}× | {:.1}× |",
        ms(s_one.median()),
        ms(s_fan.median()),
        ms(s_fan.quantile(0.1)),
        ms(s_fan.quantile(0.9)),
        ms(s_seq.median()),
        s_fan.median() / s_one.median(),
        s_seq.median() / s_fan.median()
    );
    Ok(())
}
