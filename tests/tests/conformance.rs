//! Runs the conformance suite against the target named by the environment (real servers when
//! `XSITE_SITE_A_URL` and `XSITE_SITE_B_URL` are set, the embedded simulator otherwise).
//!
//! The cases share two servers and change their state, so they run one after another in this
//! binary (`harness = false`) rather than in libtest's parallel threads. Arguments that do not start
//! with `-` filter the cases by name.

#[tokio::main]
async fn main() {
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let summary = xsite_tests::run_suite(&filters).await;
    // Non-zero when a case failed, and also when nothing ran (a filter that matches no case).
    std::process::exit(summary.exit_code());
}
