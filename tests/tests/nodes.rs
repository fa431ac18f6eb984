//! The several-nodes cases (`nodes_*`) on two-node simulators of both generations: the 14.0 one,
//! whose restarted node comes back online, and the 15.x one, whose node keeps the cluster's
//! offline statuses. On real servers they run in the conformance suite against
//! `scripts/grid up --nodes 2`, and skip with one node per site.

use xsite_sim::{Generation, SimOptions};

#[tokio::main]
async fn main() {
    let mut failed = false;
    for generation in [Generation::V14, Generation::V15] {
        let target = match xsite_tests::Grid::with_simulator(SimOptions {
            generation,
            nodes: 2,
            ..SimOptions::default()
        })
        .await
        {
            Ok(target) => target,
            Err(e) => {
                println!("nodes: {e}");
                std::process::exit(1);
            }
        };
        println!("nodes: two-node simulator, {generation:?}");
        let summary =
            xsite_tests::run_cases(&target, &xsite_tests::cases::all(), &["nodes_".to_owned()])
                .await;
        target.shutdown().await;
        // Every node case must have run: a skip here would mean the two nodes were not seen.
        if summary.failed > 0 || summary.skipped > 0 || summary.passed < 5 {
            println!("nodes: {generation:?}: {summary:?}");
            failed = true;
        }
    }
    std::process::exit(i32::from(failed));
}
