//! 5. Peak memory of a batch run: `xsite -f FILE` and the JVM cli.sh on the same file, under
//!    `/usr/bin/time -f %M` (peak RSS), with both sites reset after every run.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::Res;
use crate::processes::{Programs, outside_target, url_with_credentials};
use crate::report::{Samples, ms};
use crate::target::describe;

/// Options of `memory`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    pub(crate) tools: Programs,
    /// The batch file both tools run.
    #[arg(long, value_name = "F")]
    pub(crate) file: PathBuf,
    /// Runs per tool.
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) runs: u32,
}

/// Measures and prints the peak-RSS table.
pub(crate) async fn run(args: &Args) -> Res<()> {
    let target = outside_target("memory").await?;
    let file = &args.file;
    let commands = std::fs::read_to_string(file)
        .map_err(|e| format!("{}: {e}", file.display()))?
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .count();
    let runs = args.runs;
    target.reset().await.map_err(|e| e.0)?;
    let url = url_with_credentials(&target);
    let mut tools = vec![(
        "xsite -f FILE",
        args.tools.xsite.display().to_string(),
        vec![
            "--on-error".to_owned(),
            "IGNORE".into(),
            "-c".into(),
            secrecy::ExposeSecret::expose_secret(&url).to_owned(),
            "-f".into(),
            file.display().to_string(),
        ],
    )];
    if let Some((program, cli_args)) = args.tools.java_cli(&url, file) {
        tools.push(("cli.sh (JVM) -f FILE", program, cli_args));
    }
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    println!(
        "### Peak RSS running `{name}` ({commands} commands; {}; /usr/bin/time, {runs} runs)\n",
        describe(&target)
    );
    println!("| tool | peak RSS median MB | min MB | max MB | wall median ms |");
    println!("|---|---:|---:|---:|---:|");
    let out = std::env::temp_dir().join(format!("xsite-bench-rss-{}", std::process::id()));
    for (label, program, program_args) in tools {
        let mut rss = Samples::default();
        let mut wall = Samples::default();
        for _ in 0..runs {
            let started = Instant::now();
            let status = Command::new("/usr/bin/time")
                .args(["-f", "%M", "-o"])
                .arg(&out)
                .arg(&program)
                .args(&program_args)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .map_err(|e| format!("/usr/bin/time: {e} (apt-get install time)"))?;
            wall.push(started.elapsed());
            let kb: f64 = std::fs::read_to_string(&out)
                .map_err(|e| e.to_string())?
                .lines()
                .last()
                .and_then(|l| l.trim().parse().ok())
                .ok_or("cannot read /usr/bin/time's output")?;
            if !status.success() {
                return Err(format!("{label} exited with {status}"));
            }
            // Samples are in "ms" units: store MB there.
            rss.0.push(kb / 1024.0);
            target.reset().await.map_err(|e| e.0)?;
        }
        println!(
            "| {label} | {:.1} | {:.1} | {:.1} | {} |",
            rss.median(),
            rss.min(),
            rss.max(),
            ms(wall.median())
        );
    }
    println!();
    let _ = std::fs::remove_file(out);
    Ok(())
}
