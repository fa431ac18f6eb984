//! `xsite-bench`: the measurements behind `BENCHMARKS.md`. `scripts/bench` runs it; it is not a
//! test and asserts nothing about timings (it fails only when an operation itself fails).
//!
//! ```text
//! xsite-bench oneshot --xsite BIN (--ispn-cli SCRIPT [--cli-version V] | --no-java) [--runs N]
//! xsite-bench memory  --xsite BIN (--ispn-cli SCRIPT [--cli-version V] | --no-java) --file F [--runs N]
//! xsite-bench sdk     [--pairs N] [--rounds R]
//! xsite-bench fanout  [--runs N]
//! xsite-bench resync  [--entries 1000,10000] [--push-delay-ms 20] [--stale N] [--keycloak-values]
//!                     [--load] [--progress-ms MS] [--csv FILE [--series LABEL]]
//! xsite-bench plot    --csv FILE,… --out FILE.svg
//! ```
//!
//! One module per measurement (`oneshot`, `memory`, `sdk`, `fanout`, `resync`), the statistics and
//! number formats in `report`, the target (simulator or real servers) in `target`. The target is
//! the conformance suite's: real servers when `XSITE_SITE_A_URL` and `XSITE_SITE_B_URL` are set,
//! else (for `sdk`, `fanout`, `resync`) the simulator, started here in its own multi-threaded
//! runtime so that it serves like a separate process. `oneshot` and `memory` start processes, so
//! they need a server reachable from outside (a real grid, or an `xsite-sim` process that
//! `scripts/bench` starts). Each subcommand prints Markdown on stdout.
//!
//! The client side runs on a current-thread runtime, as the `xsite` REPL does. `XSITE_BENCH_LABEL`
//! names the target in the headings (default: "real servers" or "simulator (in process)").

mod baseline;
mod fanout;
mod memory;
mod oneshot;
mod plot;
mod processes;
mod report;
mod resync;
mod sdk;
mod target;
mod volume;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// What a measurement returns when an operation fails: the message for stderr.
type Res<T> = Result<T, String>;

/// The measurements behind BENCHMARKS.md (scripts/bench runs them). Each prints Markdown on stdout.
#[derive(Debug, Parser)]
#[command(name = "xsite-bench", version)]
struct Cli {
    #[command(subcommand)]
    command: Measurement,
}

#[derive(Debug, Subcommand)]
enum Measurement {
    /// One-shot commands from process start to result: xsite -f -, the JVM cli.sh, curl.
    Oneshot(oneshot::Args),
    /// Peak RSS of xsite and of the JVM cli.sh running the same batch file.
    Memory(memory::Args),
    /// Per-operation cost of the SDK against a bare reqwest client (Digest and Basic).
    Sdk(sdk::Args),
    /// A per-cache operation over the eight Keycloak caches, concurrent and sequential, vs one request.
    Fanout(fanout::Args),
    /// xsite::runbook::resync end to end, and the time its push-status polling loses.
    Resync(resync::Args),
    /// Resync time against entries, as an SVG, from the rows `resync --csv` wrote.
    Plot(plot::Args),
}

impl Measurement {
    fn name(&self) -> &'static str {
        match self {
            Measurement::Oneshot(_) => "oneshot",
            Measurement::Memory(_) => "memory",
            Measurement::Sdk(_) => "sdk",
            Measurement::Fanout(_) => "fanout",
            Measurement::Resync(_) => "resync",
            Measurement::Plot(_) => "plot",
        }
    }
}

fn main() -> ExitCode {
    // Bad options: clap prints the error and the usage on stderr and exits with 2.
    let cli = Cli::parse();
    let name = cli.command.name();
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xsite-bench {name}: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(measurement: Measurement) -> Res<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a runtime: {e}"))?;
    match measurement {
        Measurement::Oneshot(args) => rt.block_on(oneshot::run(&args)),
        Measurement::Memory(args) => rt.block_on(memory::run(&args)),
        Measurement::Sdk(args) => sdk::run(&rt, &args),
        Measurement::Fanout(args) => fanout::run(&rt, &args),
        Measurement::Resync(args) => resync::run(&rt, &args),
        Measurement::Plot(args) => plot::run(&args),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_cli_is_consistent() {
        Cli::command().debug_assert();
    }

    fn parse(line: &str) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("xsite-bench").chain(line.split_whitespace()))
    }

    /// The command lines scripts/bench runs parse to what they say.
    #[test]
    fn scripts_bench_command_lines_parse() {
        let cli = parse(
            "oneshot --xsite target/debug/xsite --ispn-cli scripts/ispn-cli --cli-version 15.0.21.Final --runs 2",
        )
        .unwrap();
        let Measurement::Oneshot(a) = cli.command else {
            panic!("not oneshot: {cli:?}")
        };
        assert_eq!(a.runs, 2);
        assert_eq!(a.tools.cli_version, "15.0.21.Final");
        assert!(!a.tools.no_java);

        let cli = parse("memory --xsite x --file f.cli --runs 1 --no-java").unwrap();
        let Measurement::Memory(a) = cli.command else {
            panic!("not memory: {cli:?}")
        };
        assert_eq!((a.runs, a.tools.no_java), (1, true));
        assert_eq!(a.file, std::path::PathBuf::from("f.cli"));

        let cli = parse("sdk --pairs 10 --rounds 1").unwrap();
        let Measurement::Sdk(a) = cli.command else {
            panic!("not sdk: {cli:?}")
        };
        assert_eq!((a.pairs, a.rounds), (10, 1));

        let cli = parse("fanout --runs=3").unwrap();
        let Measurement::Fanout(a) = cli.command else {
            panic!("not fanout: {cli:?}")
        };
        assert_eq!(a.runs, 3);

        let cli = parse("resync --entries 1000,10000,100000 --push-delay-ms 0,50,200").unwrap();
        let Measurement::Resync(a) = cli.command else {
            panic!("not resync: {cli:?}")
        };
        assert_eq!(a.entries, [1000, 10000, 100000]);
        assert_eq!(a.push_delay_ms, [0, 50, 200]);

        // Spaces after the commas, as the hand-rolled parser allowed.
        let cli =
            Cli::try_parse_from(["xsite-bench", "resync", "--entries", "10, 20", "--stale=3"])
                .unwrap();
        let Measurement::Resync(a) = cli.command else {
            panic!("not resync: {cli:?}")
        };
        assert_eq!((a.entries, a.stale), (vec![10, 20], Some(3)));
    }

    /// The defaults the hand-rolled parser had.
    #[test]
    fn defaults_are_the_old_ones() {
        let Measurement::Oneshot(a) = parse("oneshot --xsite x --no-java").unwrap().command else {
            panic!("not oneshot")
        };
        assert_eq!(
            (a.runs, a.tools.cli_version.as_str()),
            (10, "14.0.28.Final")
        );
        let Measurement::Memory(a) = parse("memory --xsite x --no-java --file f")
            .unwrap()
            .command
        else {
            panic!("not memory")
        };
        assert_eq!(a.runs, 3);
        let Measurement::Sdk(a) = parse("sdk").unwrap().command else {
            panic!("not sdk")
        };
        assert_eq!((a.pairs, a.rounds, a.sim.push_delay_ms), (50, 4, 20));
        let Measurement::Fanout(a) = parse("fanout").unwrap().command else {
            panic!("not fanout")
        };
        assert_eq!((a.runs, a.sim.push_delay_ms), (30, 20));
        let Measurement::Resync(a) = parse("resync").unwrap().command else {
            panic!("not resync")
        };
        assert_eq!(a.entries, [1000]);
        assert_eq!(a.push_delay_ms, [20]);
        assert_eq!(a.stale, None);
    }

    #[test]
    fn bad_options_are_clap_errors() {
        for line in [
            "",
            "nonsense",
            "oneshot --xsite x",
            "oneshot --no-java",
            "memory --xsite x --no-java",
            "sdk --pairs many",
            "sdk --pairs 0",
            "fanout --runs -1",
            "resync --entries 10,x",
            "resync --push-delay-ms",
            "sdk --entries 10",
        ] {
            let e = parse(line).expect_err(line);
            assert_ne!(e.exit_code(), 0, "{line}");
        }
    }
}
