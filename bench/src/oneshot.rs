//! 1. One-shot commands, from process start to result: `xsite -f -`, the JVM cli.sh on a file
//!    holding the same line, and the same REST request with `curl --digest` and with curl's Basic.
//!    Runs interleaved, after one warm-up; take-offline is checked and undone after every run,
//!    untimed.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};
use xsite_tests::{Grid, SITE_B};

use crate::Res;
use crate::processes::{Programs, outside_target, url_with_credentials};
use crate::report::{Samples, ms};
use crate::target::describe;

/// Options of `oneshot`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    pub(crate) tools: Programs,
    /// Timed runs per command and tool.
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) runs: u32,
}

/// A program run once per sample. Its arguments may hold the admin's password (cli.sh's `-c` URL,
/// curl's `-u`): they are never printed.
struct Tool {
    label: &'static str,
    program: String,
    args: Vec<String>,
    stdin: Option<Vec<u8>>,
}

fn run_once(tool: &Tool) -> Res<(Duration, Vec<u8>)> {
    let started = Instant::now();
    let mut child = Command::new(&tool.program)
        .args(&tool.args)
        .stdin(if tool.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", tool.program))?;
    if let Some(input) = &tool.stdin
        && let Some(mut stdin) = child.stdin.take()
    {
        stdin
            .write_all(input)
            .map_err(|e| format!("{}: stdin: {e}", tool.label))?;
    }
    let output = child
        .wait_with_output()
        .map_err(|e| format!("{}: {e}", tool.label))?;
    let took = started.elapsed();
    if !output.status.success() {
        return Err(format!(
            "{} failed ({}): {}{}",
            tool.label,
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok((took, output.stdout))
}

async fn container_prefix(target: &Grid) -> Res<String> {
    let version = target
        .a()
        .server_version()
        .await
        .map_err(|e| e.to_string())?
        .ok_or("no server version")?;
    Ok(if version.major >= 15 {
        format!("{}/rest/v2/container", target.site_a_url)
    } else {
        format!("{}/rest/v2/cache-managers/default", target.site_a_url)
    })
}

fn tools(
    target: &Grid,
    programs: &Programs,
    line: &str,
    rest_url: &str,
    post: bool,
    batch_file: &Path,
) -> Vec<Tool> {
    let url = url_with_credentials(target);
    let (user, password) = target.admin_password();
    let credentials = SecretString::from(format!("{user}:{password}"));
    let mut tools = vec![Tool {
        label: "xsite -f -",
        program: programs.xsite.display().to_string(),
        args: vec![
            "-c".into(),
            url.expose_secret().to_owned(),
            "-f".into(),
            "-".into(),
        ],
        stdin: Some(format!("{line}\n").into_bytes()),
    }];
    if let Some((program, args)) = programs.java_cli(&url, batch_file) {
        tools.push(Tool {
            label: "cli.sh (JVM) -f FILE",
            program,
            args,
            stdin: None,
        });
    }
    let curl = |label: &'static str, digest: bool| {
        let mut args: Vec<String> =
            vec!["-sS".into(), "-f".into(), "-o".into(), "/dev/null".into()];
        if digest {
            args.push("--digest".into());
        }
        args.extend(["-u".to_owned(), credentials.expose_secret().to_owned()]);
        if post {
            args.extend(["-X".to_owned(), "POST".to_owned()]);
        }
        args.push(rest_url.to_owned());
        Tool {
            label,
            program: "curl".into(),
            args,
            stdin: None,
        }
    };
    tools.push(curl("curl --digest", true));
    tools.push(curl("curl (Basic)", false));
    tools
}

/// Measures and prints the one-shot table and the ratio table.
pub(crate) async fn run(args: &Args) -> Res<()> {
    let target = outside_target("oneshot").await?;
    let runs = args.runs;
    target.reset().await.map_err(|e| e.0)?;
    let prefix = container_prefix(&target).await?;
    let dir = std::env::temp_dir().join(format!("xsite-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    println!(
        "### One-shot commands, process start to result ({}; {runs} runs each after 1 warm-up, interleaved)\n",
        describe(&target)
    );
    println!("| command | tool | median ms | min ms | max ms | ratio to xsite |");
    println!("|---|---|---:|---:|---:|---:|");
    let admin = target.a();
    let mut ratios = Vec::new();
    // The cache-level lines are xsite's floor (the Digest challenge and the command, as curl
    // --digest sends); an --all-caches line adds the version lookup its route needs.
    let cache = xsite::KEYCLOAK_LEGACY_CACHES[0];
    let cache_prefix = format!("{}/rest/v2/caches/{cache}", target.site_a_url);
    for (number, (line, post, prefix)) in [
        (
            format!("site status --cache={cache} --site=site-b"),
            false,
            &cache_prefix,
        ),
        (
            format!("site take-offline --cache={cache} --site=site-b"),
            true,
            &cache_prefix,
        ),
        (
            "site status --all-caches --site=site-b".to_owned(),
            false,
            &prefix,
        ),
        (
            "site take-offline --all-caches --site=site-b".to_owned(),
            true,
            &prefix,
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let line = line.as_str();
        let one_cache = !line.contains("--all-caches");
        let rest_url = if post {
            format!("{prefix}/x-site/backups/site-b?action=take-offline")
        } else {
            format!("{prefix}/x-site/backups/site-b")
        };
        let file = dir.join(format!("line-{number}.cli"));
        std::fs::write(&file, format!("{line}\n")).map_err(|e| e.to_string())?;
        let tools = tools(&target, &args.tools, line, &rest_url, post, &file);
        let mut samples: Vec<Samples> = vec![Samples::default(); tools.len()];
        for run in 0..=runs {
            for (tool, samples) in tools.iter().zip(samples.iter_mut()) {
                let (took, out) = run_once(tool)?;
                if post && one_cache {
                    // Untimed: check that it took, and put it back.
                    let status = admin
                        .cache(cache)
                        .xsite()
                        .site_status(SITE_B)
                        .await
                        .map_err(|e| e.to_string())?;
                    if !status.values().all(|s| *s == xsite::NodeStatus::Offline) {
                        return Err(format!(
                            "{}: site-b is {status:?} for {cache} after take-offline",
                            tool.label
                        ));
                    }
                    admin
                        .cache(cache)
                        .xsite()
                        .bring_online(SITE_B)
                        .await
                        .map_err(|e| e.to_string())?;
                } else if post {
                    // Untimed: check that it took, and put it back.
                    let status = admin
                        .container()
                        .xsite()
                        .site_status(SITE_B)
                        .await
                        .map_err(|e| e.to_string())?;
                    if !status.is_offline() {
                        return Err(format!(
                            "{}: site-b is {status} after take-offline",
                            tool.label
                        ));
                    }
                    admin
                        .container()
                        .xsite()
                        .bring_online(SITE_B)
                        .await
                        .map_err(|e| e.to_string())?;
                } else if tool.label.starts_with("xsite")
                    && !String::from_utf8_lossy(&out).contains("online")
                {
                    return Err(format!(
                        "{}: unexpected output {}",
                        tool.label,
                        String::from_utf8_lossy(&out)
                    ));
                }
                if run > 0 {
                    samples.push(took);
                }
            }
        }
        let xsite = samples[0].median();
        for (tool, s) in tools.iter().zip(&samples) {
            println!(
                "| `{line}` | {} | {} | {} | {} | {:.1}× |",
                tool.label,
                ms(s.median()),
                ms(s.min()),
                ms(s.max()),
                s.median() / xsite
            );
        }
        let find = |label: &str| {
            tools
                .iter()
                .position(|t| t.label.starts_with(label))
                .map(|i| samples[i].median())
        };
        ratios.push((
            line.to_owned(),
            find("cli.sh"),
            find("curl --digest"),
            find("curl (Basic)"),
            xsite,
        ));
    }
    println!();
    println!(
        "| command | cli.sh ÷ xsite (target ≥ 20) | xsite ÷ curl --digest (target ≤ 1.0) | xsite ÷ curl Basic |"
    );
    println!("|---|---:|---:|---:|");
    for (line, java, digest, basic, xsite) in ratios {
        let fmt = |v: Option<f64>| v.map_or("–".to_owned(), |v| format!("{v:.1}×"));
        println!(
            "| `{line}` | {} | {} | {} |",
            fmt(java.map(|j| j / xsite)),
            fmt(digest.map(|d| xsite / d)),
            fmt(basic.map(|b| xsite / b)),
        );
    }
    println!();
    let _ = std::fs::remove_dir_all(&dir);
    target.reset().await.map_err(|e| e.0)
}
