//! The target of the in-process measurements (`sdk`, `fanout`, `resync`): the real servers the
//! environment names, or the simulator, started in its own multi-threaded runtime so that it
//! serves like a separate process while the client side keeps its current-thread runtime.

use std::time::Duration;

use xsite::{Client, Mechanism};
use xsite_tests::{Grid, GridKind};

use crate::Res;

/// The simulator's push delay, for the measurements that need one simulator only.
#[derive(Debug, clap::Args)]
pub(crate) struct SimDelay {
    /// The simulator's push delay in milliseconds (ignored against real servers).
    #[arg(long, value_name = "MS", default_value_t = 20)]
    pub(crate) push_delay_ms: u64,
}

/// Whether `XSITE_SITE_A_URL` names real servers.
pub(crate) fn real_servers() -> bool {
    std::env::var("XSITE_SITE_A_URL").is_ok_and(|v| !v.is_empty())
}

/// Runs `measure` against the real servers, or else once per push delay against a fresh simulator
/// with that delay (its push delay is fixed when it starts). Both sites are reset before and after.
/// Returns what it ran against.
pub(crate) fn with_target(
    rt: &tokio::runtime::Runtime,
    push_delays_ms: &[u64],
    measure: impl AsyncFn(&Grid) -> Res<()>,
) -> Res<GridKind> {
    if real_servers() {
        let target = rt.block_on(Grid::from_env())?;
        rt.block_on(reset_around(&target, &measure))?;
        return Ok(GridKind::Real);
    }
    for &delay in push_delays_ms {
        let sim_rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        let options = xsite_sim::SimOptions {
            push_delay: Duration::from_millis(delay),
            // The transfer is the push delay alone, so that the polling waste is measured against
            // a known transfer time (BENCHMARKS.md), whatever the entries.
            push_chunk_delay: Duration::ZERO,
            ..xsite_sim::SimOptions::default()
        };
        let target = sim_rt.block_on(Grid::with_simulator(options))?;
        let outcome = rt.block_on(reset_around(&target, &measure));
        // The grid's tasks live on that runtime.
        sim_rt.block_on(target.shutdown());
        sim_rt.shutdown_background();
        outcome?;
    }
    Ok(GridKind::Simulator)
}

async fn reset_around(target: &Grid, measure: &impl AsyncFn(&Grid) -> Res<()>) -> Res<()> {
    target
        .reset()
        .await
        .map_err(|e| format!("reset: {}", e.0))?;
    let outcome = measure(target).await;
    let reset = target.reset().await;
    outcome?;
    reset.map_err(|e| format!("final reset: {}", e.0))
}

/// The target as the headings name it.
pub(crate) fn describe(target: &Grid) -> String {
    if let Ok(label) = std::env::var("XSITE_BENCH_LABEL")
        && !label.is_empty()
    {
        return format!("{label}, site-a {}", target.site_a_url);
    }
    match target.kind {
        GridKind::Simulator => format!("simulator (in process), site-a {}", target.site_a_url),
        GridKind::Real => format!("real servers, site-a {}", target.site_a_url),
    }
}

/// An SDK client for a site, as the admin, with the given mechanism.
pub(crate) fn client(target: &Grid, site: &str, mechanism: Mechanism) -> Client {
    target.client_as(site, target.admin().with_mechanism(mechanism))
}
