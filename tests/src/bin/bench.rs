//! `bench`: the measurements behind `BENCHMARKS.md`. `scripts/bench` runs it; it is not a test and
//! asserts nothing about timings (it fails only when an operation itself fails).
//!
//! ```text
//! bench oneshot --xsite BIN --ispn-cli SCRIPT --cli-version V [--runs N] [--no-java]
//! bench memory  --xsite BIN --ispn-cli SCRIPT --cli-version V --file F [--runs N] [--no-java]
//! bench sdk     [--pairs N] [--rounds R]
//! bench fanout  [--runs N]
//! bench resync  [--entries 1000,10000] [--push-delay-ms 20] [--stale N]
//! ```
//!
//! The target is the conformance suite's: real servers when `XSITE_SITE_A_URL` and
//! `XSITE_SITE_B_URL` are set, else (for `sdk`, `fanout`, `resync`) the simulator, started here
//! in its own multi-threaded runtime so that it serves like a separate process. `oneshot` and
//! `memory` start processes, so they need a server reachable from outside (a real grid, or an
//! `xsite-sim` process that `scripts/bench` starts). Each subcommand prints Markdown.
//!
//! The client side runs on a current-thread runtime, as the `xsite` REPL does. `XSITE_BENCH_LABEL`
//! names the target in the headings (default: "real servers" or "simulator (in process)").

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::future::join_all;
use http_auth::{ChallengeRef, DigestClient, PasswordParams};
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_LENGTH, WWW_AUTHENTICATE};
use xsite::runbook::{self, Action, Event, Options, Site, Sites};
use xsite::{CacheSet, Client, Mechanism, PushStateStatus};
use xsite_tests::{SITE_A, SITE_B, Target, TargetKind};

type Res<T> = Result<T, String>;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        eprintln!(
            "usage: bench oneshot|memory|sdk|fanout|resync [options] (see the source's header)"
        );
        std::process::exit(2);
    };
    let opts = match Opts::parse(rest) {
        Ok(opts) => opts,
        Err(e) => {
            eprintln!("bench: {e}");
            std::process::exit(2);
        }
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let outcome = match command.as_str() {
        "oneshot" => rt.block_on(oneshot(&opts)),
        "memory" => rt.block_on(memory(&opts)),
        "sdk" | "fanout" | "resync" => with_target(&rt, &opts, command),
        other => Err(format!("unknown subcommand '{other}'")),
    };
    if let Err(e) = outcome {
        eprintln!("bench {command}: {e}");
        std::process::exit(1);
    }
}

// ------------------------------------------------------------------------------------------------
// options

#[derive(Debug, Default)]
struct Opts {
    xsite: Option<PathBuf>,
    ispn_cli: Option<PathBuf>,
    cli_version: Option<String>,
    file: Option<PathBuf>,
    runs: Option<usize>,
    pairs: Option<usize>,
    rounds: Option<usize>,
    entries: Vec<usize>,
    push_delay_ms: Vec<u64>,
    stale: Option<usize>,
    no_java: bool,
}

impl Opts {
    fn parse(args: &[String]) -> Res<Opts> {
        let mut o = Opts::default();
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let (name, inline) = match arg.split_once('=') {
                Some((n, v)) => (n.to_owned(), Some(v.to_owned())),
                None => (arg.clone(), None),
            };
            if name == "--no-java" {
                o.no_java = true;
                continue;
            }
            let value = match inline {
                Some(v) => v,
                None => it
                    .next()
                    .cloned()
                    .ok_or_else(|| format!("{name} needs a value"))?,
            };
            let num = |v: &str| {
                v.parse::<usize>()
                    .map_err(|_| format!("{name}: '{v}' is not a number"))
            };
            match name.as_str() {
                "--xsite" => o.xsite = Some(value.into()),
                "--ispn-cli" => o.ispn_cli = Some(value.into()),
                "--cli-version" => o.cli_version = Some(value),
                "--file" => o.file = Some(value.into()),
                "--runs" => o.runs = Some(num(&value)?),
                "--pairs" => o.pairs = Some(num(&value)?),
                "--rounds" => o.rounds = Some(num(&value)?),
                "--stale" => o.stale = Some(num(&value)?),
                "--push-delay-ms" => {
                    o.push_delay_ms = value
                        .split(',')
                        .map(|v| num(v.trim()).map(|n| n as u64))
                        .collect::<Res<Vec<_>>>()?;
                }
                "--entries" => {
                    o.entries = value
                        .split(',')
                        .map(|v| num(v.trim()))
                        .collect::<Res<Vec<_>>>()?;
                }
                _ => return Err(format!("unknown option {name}")),
            }
        }
        Ok(o)
    }

    fn xsite(&self) -> Res<&PathBuf> {
        self.xsite
            .as_ref()
            .ok_or_else(|| "--xsite BIN is needed".to_owned())
    }
}

// ------------------------------------------------------------------------------------------------
// statistics

/// Samples in milliseconds.
#[derive(Debug, Clone, Default)]
struct Samples(Vec<f64>);

impl Samples {
    fn push(&mut self, d: Duration) {
        self.0.push(d.as_secs_f64() * 1000.0);
    }

    fn sorted(&self) -> Vec<f64> {
        let mut v = self.0.clone();
        v.sort_by(|a, b| a.total_cmp(b));
        v
    }

    /// The p-quantile (0..=1), linearly interpolated.
    fn quantile(&self, p: f64) -> f64 {
        let v = self.sorted();
        if v.is_empty() {
            return f64::NAN;
        }
        let pos = p * (v.len() - 1) as f64;
        let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
        v[lo] + (v[hi] - v[lo]) * (pos - lo as f64)
    }

    fn median(&self) -> f64 {
        self.quantile(0.5)
    }

    fn min(&self) -> f64 {
        self.quantile(0.0)
    }

    fn max(&self) -> f64 {
        self.quantile(1.0)
    }

    fn mean(&self) -> f64 {
        self.0.iter().sum::<f64>() / self.0.len() as f64
    }

    fn len(&self) -> usize {
        self.0.len()
    }
}

/// An error with its sources, for transport failures whose top line says little.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

fn ms(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

fn us(v_ms: f64) -> String {
    format!("{:.0}", v_ms * 1000.0)
}

// ------------------------------------------------------------------------------------------------
// the target

fn with_target(rt: &tokio::runtime::Runtime, opts: &Opts, command: &str) -> Res<()> {
    let real = std::env::var("XSITE_SITE_A_URL").is_ok_and(|v| !v.is_empty());
    if real {
        let target = rt.block_on(Target::from_env())?;
        rt.block_on(measure(&target, opts, command))?;
        return notes(command, true);
    }
    // The simulator's push delay is fixed when it starts: one simulator per delay.
    let delays = if opts.push_delay_ms.is_empty() || command != "resync" {
        vec![opts.push_delay_ms.first().copied().unwrap_or(20)]
    } else {
        opts.push_delay_ms.clone()
    };
    for delay in delays {
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
        let target = sim_rt.block_on(Target::with_simulator(options))?;
        let outcome = rt.block_on(measure(&target, opts, command));
        // The grid's tasks live on that runtime.
        sim_rt.block_on(target.shutdown());
        sim_rt.shutdown_background();
        outcome?;
    }
    notes(command, false)
}

fn notes(command: &str, real: bool) -> Res<()> {
    if command == "resync" {
        println!(
            "\n(Stale site-b: both backups offline, site-a filled, site-b holding other keys; then the whole runbook. \
             Transfer: from the answer to the push request to the last cache's push being OK, as seen by a watcher {}; \
             noticed after: from the same answer to the runbook's own OK status for that cache; polling waste: the difference. \
             Waste bound from events: the time between the runbook's last SENDING and its OK for that cache. \
             Target: waste ≤ 10% of the transfer or ≤ 100 ms.)\n",
            if real {
                "polling the push status over REST every 10 ms"
            } else {
                "reading the simulator's state every 1 ms"
            }
        );
    }
    Ok(())
}

async fn measure(target: &Target, opts: &Opts, command: &str) -> Res<()> {
    target
        .reset()
        .await
        .map_err(|e| format!("reset: {}", e.0))?;
    let outcome = match command {
        "sdk" => sdk_overhead(target, opts).await,
        "fanout" => fan_out(target, opts).await,
        _ => resync(target, opts).await,
    };
    let reset = target.reset().await;
    outcome?;
    reset.map_err(|e| format!("final reset: {}", e.0))
}

fn describe(target: &Target) -> String {
    if let Ok(label) = std::env::var("XSITE_BENCH_LABEL")
        && !label.is_empty()
    {
        return format!("{label}, site-a {}", target.site_a_url);
    }
    match target.kind {
        TargetKind::Simulator => format!("simulator (in process), site-a {}", target.site_a_url),
        TargetKind::Real => format!("real servers, site-a {}", target.site_a_url),
    }
}

fn client(target: &Target, site: &str, mechanism: Mechanism) -> Client {
    target.client_as(site, target.admin().with_mechanism(mechanism))
}

// ------------------------------------------------------------------------------------------------
// 1. one-shot commands, from process start to result

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
    if let Some(input) = &tool.stdin {
        let mut stdin = child.stdin.take().expect("piped stdin");
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

/// The URL with the admin's credentials in its user-info, as cli.sh's `-c` takes it.
fn url_with_credentials(target: &Target) -> String {
    let (user, password) = target.admin_password();
    let url = &target.site_a_url;
    match url.split_once("://") {
        Some((scheme, rest)) => format!("{scheme}://{user}:{password}@{rest}"),
        None => url.clone(),
    }
}

async fn container_prefix(target: &Target) -> Res<String> {
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
    target: &Target,
    opts: &Opts,
    line: &str,
    rest_url: &str,
    post: bool,
    batch_file: &std::path::Path,
) -> Res<Vec<Tool>> {
    let url = url_with_credentials(target);
    let (user, password) = target.admin_password();
    let credentials = format!("{user}:{password}");
    let mut tools = vec![Tool {
        label: "xsite -f -",
        program: opts.xsite()?.display().to_string(),
        args: vec!["-c".into(), url.clone(), "-f".into(), "-".into()],
        stdin: Some(format!("{line}\n").into_bytes()),
    }];
    if !opts.no_java {
        let cli = opts
            .ispn_cli
            .as_ref()
            .ok_or("--ispn-cli SCRIPT is needed (or --no-java)")?;
        let version = opts.cli_version.clone().unwrap_or("14.0.28.Final".into());
        tools.push(Tool {
            label: "cli.sh (JVM) -f FILE",
            program: cli.display().to_string(),
            args: vec![
                "--version".into(),
                version,
                "--".into(),
                "-c".into(),
                url,
                "-f".into(),
                batch_file.display().to_string(),
            ],
            stdin: None,
        });
    }
    let method: Vec<String> = if post {
        vec!["-X".into(), "POST".into()]
    } else {
        Vec::new()
    };
    let curl = |label: &'static str, digest: bool| {
        let mut args: Vec<String> =
            vec!["-sS".into(), "-f".into(), "-o".into(), "/dev/null".into()];
        if digest {
            args.push("--digest".into());
        }
        args.extend(["-u".to_owned(), credentials.clone()]);
        args.extend(method.clone());
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
    Ok(tools)
}

async fn oneshot(opts: &Opts) -> Res<()> {
    let target = Target::from_env().await?;
    if target.kind != TargetKind::Real {
        return Err(
            "oneshot needs XSITE_SITE_A_URL/XSITE_SITE_B_URL (a grid or an xsite-sim process)"
                .into(),
        );
    }
    let runs = opts.runs.unwrap_or(10);
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
    for (line, post) in [
        ("site status --all-caches --site=site-b", false),
        ("site take-offline --all-caches --site=site-b", true),
    ] {
        let rest_url = if post {
            format!("{prefix}/x-site/backups/site-b?action=take-offline")
        } else {
            format!("{prefix}/x-site/backups/site-b")
        };
        let file = dir.join(if post {
            "take-offline.cli"
        } else {
            "status.cli"
        });
        std::fs::write(&file, format!("{line}\n")).map_err(|e| e.to_string())?;
        let tools = tools(&target, opts, line, &rest_url, post, &file)?;
        let mut samples: Vec<Samples> = vec![Samples::default(); tools.len()];
        for run in 0..=runs {
            for (i, tool) in tools.iter().enumerate() {
                let (took, out) = run_once(tool)?;
                if post {
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
                    samples[i].push(took);
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
            line,
            find("cli.sh"),
            find("curl --digest"),
            find("curl (Basic)"),
            xsite,
        ));
    }
    println!();
    println!(
        "| command | cli.sh ÷ xsite (target ≥ 20) | xsite ÷ curl --digest (target ≤ 1.5) | xsite ÷ curl Basic |"
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

// ------------------------------------------------------------------------------------------------
// 5. peak memory of a batch run

async fn memory(opts: &Opts) -> Res<()> {
    let target = Target::from_env().await?;
    if target.kind != TargetKind::Real {
        return Err(
            "memory needs XSITE_SITE_A_URL/XSITE_SITE_B_URL (a grid or an xsite-sim process)"
                .into(),
        );
    }
    let file = opts.file.as_ref().ok_or("--file F is needed")?;
    let commands = std::fs::read_to_string(file)
        .map_err(|e| format!("{}: {e}", file.display()))?
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .count();
    let runs = opts.runs.unwrap_or(3);
    target.reset().await.map_err(|e| e.0)?;
    let url = url_with_credentials(&target);
    let mut tools = vec![(
        "xsite -f FILE",
        opts.xsite()?.display().to_string(),
        vec![
            "--on-error".to_owned(),
            "IGNORE".into(),
            "-c".into(),
            url.clone(),
            "-f".into(),
            file.display().to_string(),
        ],
    )];
    if !opts.no_java {
        let cli = opts
            .ispn_cli
            .as_ref()
            .ok_or("--ispn-cli SCRIPT is needed (or --no-java)")?;
        tools.push((
            "cli.sh (JVM) -f FILE",
            cli.display().to_string(),
            vec![
                "--version".into(),
                opts.cli_version.clone().unwrap_or("14.0.28.Final".into()),
                "--".into(),
                "-c".into(),
                url,
                "-f".into(),
                file.display().to_string(),
            ],
        ));
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
    for (label, program, args) in tools {
        let mut rss = Samples::default();
        let mut wall = Samples::default();
        for _ in 0..runs {
            let started = Instant::now();
            let status = Command::new("/usr/bin/time")
                .args(["-f", "%M", "-o"])
                .arg(&out)
                .arg(&program)
                .args(&args)
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

// ------------------------------------------------------------------------------------------------
// 2. per-operation overhead: the SDK vs a bare reqwest client

/// A bare reqwest client doing the same requests as the SDK, on one kept-alive connection.
struct Bare {
    http: reqwest::Client,
    base: String,
    user: String,
    password: String,
    digest: Option<DigestClient>,
    basic: bool,
}

impl Bare {
    fn new(target: &Target, basic: bool) -> Res<Bare> {
        let (user, password) = target.admin_password();
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(1)
            .pool_idle_timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Bare {
            http,
            base: target.site_a_url.clone(),
            user: user.to_owned(),
            password: password.to_owned(),
            digest: None,
            basic,
        })
    }

    async fn post(&mut self, path_and_query: &str) -> Res<()> {
        for _attempt in 0..2 {
            let mut request = self
                .http
                .post(format!("{}{path_and_query}", self.base))
                .header(ACCEPT, "application/json, text/plain;q=0.9, */*;q=0.8")
                .header(CONTENT_LENGTH, "0");
            if self.basic {
                request = request.header(
                    AUTHORIZATION,
                    http_auth::basic::encode_credentials(&self.user, &self.password),
                );
            } else if let Some(digest) = self.digest.as_mut() {
                let header = digest
                    .respond(&PasswordParams {
                        username: &self.user,
                        password: &self.password,
                        uri: path_and_query,
                        method: "POST",
                        body: None,
                    })
                    .map_err(|e| e.to_string())?;
                request = request.header(AUTHORIZATION, header);
            }
            let response = request.send().await.map_err(|e| e.to_string())?;
            let status = response.status();
            if status == reqwest::StatusCode::UNAUTHORIZED && !self.basic {
                // Learn (or renew) the Digest challenge, then answer it.
                let mut found = None;
                for value in response.headers().get_all(WWW_AUTHENTICATE) {
                    let Ok(text) = value.to_str() else { continue };
                    let Ok(challenges) = http_auth::parse_challenges(text) else {
                        continue;
                    };
                    for challenge in &challenges {
                        if challenge.scheme.eq_ignore_ascii_case("Digest") {
                            found = DigestClient::try_from(challenge as &ChallengeRef).ok();
                        }
                    }
                }
                let _ = response.bytes().await;
                self.digest = Some(found.ok_or("no Digest challenge")?);
                continue;
            }
            let _ = response.bytes().await.map_err(|e| e.to_string())?;
            if !status.is_success() {
                return Err(format!("POST {path_and_query}: {status}"));
            }
            return Ok(());
        }
        Err(format!(
            "POST {path_and_query}: still 401 after answering the challenge"
        ))
    }
}

/// CPU time this thread has used, in nanoseconds (`/proc/thread-self/schedstat`). The client runs
/// on a current-thread runtime, so this is all of the client's work, connection tasks included.
fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

async fn sdk_overhead(target: &Target, opts: &Opts) -> Res<()> {
    let pairs = opts.pairs.unwrap_or(50);
    let rounds = opts.rounds.unwrap_or(4);
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

// ------------------------------------------------------------------------------------------------
// 3. fan-out over the eight Keycloak caches vs one request

async fn fan_out(target: &Target, opts: &Opts) -> Res<()> {
    let runs = opts.runs.unwrap_or(30);
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
        TargetKind::Real => target
            .a()
            .server_version()
            .await
            .map_err(|e| e.to_string())?
            .map_or(0, |v| v.major),
        TargetKind::Simulator => 0,
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
    target: &Target,
    caches: &CacheSet,
    runs: usize,
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

// ------------------------------------------------------------------------------------------------
// 4. resync end to end, and the time lost polling

/// When each cache's push was first seen OK by a watcher much faster than the runbook's polling.
type Truth = Arc<Mutex<BTreeMap<String, Instant>>>;

/// Watches the push status of every cache: in process on the simulator (every 1 ms, no request),
/// over REST on real servers (every 10 ms, the pending caches only). A cache counts once it was
/// seen not OK (the runbook clears the status before it pushes) and then OK.
fn spawn_watcher(
    target: &Target,
    caches: Vec<String>,
    truth: Truth,
    stop: Arc<std::sync::atomic::AtomicBool>,
) -> tokio::task::JoinHandle<()> {
    use std::sync::atomic::Ordering;
    let sim_site = target.sim().map(|g| g.site_a());
    let rest = client(target, SITE_A, Mechanism::BasicPreemptive);
    tokio::spawn(async move {
        let mut armed: BTreeMap<String, bool> = caches.iter().map(|c| (c.clone(), false)).collect();
        while !stop.load(Ordering::Relaxed) {
            let pending: Vec<String> = {
                let seen = truth.lock().unwrap();
                caches
                    .iter()
                    .filter(|c| !seen.contains_key(*c))
                    .cloned()
                    .collect()
            };
            if pending.is_empty() {
                return;
            }
            let observed: Vec<(String, bool)> = if let Some(site) = &sim_site {
                pending
                    .iter()
                    .map(|c| {
                        let ok = site
                            .backup(c, SITE_B)
                            .is_some_and(|b| b.push_status == xsite_sim::PushStatus::Ok);
                        (c.clone(), ok)
                    })
                    .collect()
            } else {
                let outcomes = CacheSet::custom(pending.clone())
                    .fan_out(&rest, |cache| async move {
                        cache.xsite().push_state_status().await
                    })
                    .await;
                outcomes
                    .iter()
                    .map(|(c, r)| {
                        let ok = matches!(r, Ok(s) if s.get(SITE_B) == Some(&PushStateStatus::Ok));
                        (c.to_owned(), ok)
                    })
                    .collect()
            };
            let now = Instant::now();
            for (cache, ok) in observed {
                let was_armed = armed.get(&cache).copied().unwrap_or(false);
                if !ok {
                    armed.insert(cache, true);
                } else if was_armed {
                    truth.lock().unwrap().entry(cache).or_insert(now);
                }
            }
            let period = if sim_site.is_some() { 1 } else { 10 };
            tokio::time::sleep(Duration::from_millis(period)).await;
        }
    })
}

async fn fill(target: &Target, site: &str, caches: &CacheSet, n: usize, prefix: &str) -> Res<()> {
    if let Some(grid) = target.sim() {
        let handle = grid.site(site).ok_or("no such site")?;
        for cache in caches.names() {
            for i in 0..n {
                handle.put_local(cache, &format!("{prefix}{i}"), &format!("value-{i}"));
            }
        }
        return Ok(());
    }
    let c = client(target, site, Mechanism::BasicPreemptive);
    let jobs: Vec<(String, usize)> = caches
        .names()
        .iter()
        .flat_map(|cache| (0..n).map(move |i| (cache.clone(), i)))
        .collect();
    for chunk in jobs.chunks(32) {
        let puts = chunk.iter().map(|(cache, i)| {
            let c = c.clone();
            async move {
                c.cache(cache.as_str())
                    .put(&format!("{prefix}{i}"), &format!("value-{i}"))
                    .await
            }
        });
        for outcome in join_all(puts).await {
            outcome.map_err(|e| format!("fill: {e}"))?;
        }
    }
    Ok(())
}

async fn cache_size(target: &Target, site: &str, cache: &str) -> Res<usize> {
    if let Some(grid) = target.sim() {
        return Ok(grid.site(site).ok_or("no such site")?.entries(cache).len());
    }
    let size = target
        .client_as(site, target.admin())
        .cache(cache)
        .size()
        .await
        .map_err(|e| e.to_string())?;
    Ok(size as usize)
}

async fn resync(target: &Target, opts: &Opts) -> Res<()> {
    let entries = if opts.entries.is_empty() {
        vec![1000]
    } else {
        opts.entries.clone()
    };
    let caches = CacheSet::keycloak_legacy();
    let options = Options {
        caches: caches.clone(),
        ..Options::default()
    };
    static HEADER: std::sync::Once = std::sync::Once::new();
    HEADER.call_once(|| {
        println!(
            "### Resync end to end (`xsite::runbook::resync` site-a → site-b, {} caches; {}; push-status poll: {:?} first, then a tenth of the time waited so far, at most {:?})\n",
            caches.len(),
            describe(target),
            options.poll.initial,
            options.poll.max
        );
        println!("| entries per cache | simulator push delay ms | total s | steps 1–3 (fence, clear, online) ms | step 4 (push sent) ms | transfer ms | noticed after ms | polling waste ms | waste ÷ transfer | status polls | waste bound from events ms | site-b entries ok |");
        println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    });
    let push_delay = target.sim().map_or("–".to_owned(), |g| {
        g.options().push_delay.as_millis().to_string()
    });
    for n in entries {
        target.reset().await.map_err(|e| e.0)?;
        // A stale site-b: both backups offline, site-a full, site-b with other, older keys.
        for site in [SITE_A, SITE_B] {
            target
                .client_as(site, target.admin())
                .container()
                .xsite()
                .take_offline(Target::other(site))
                .await
                .map_err(|e| e.to_string())?;
        }
        fill(target, SITE_A, &caches, n, "key-").await?;
        fill(
            target,
            SITE_B,
            &caches,
            opts.stale.unwrap_or(n / 10).max(1),
            "stale-",
        )
        .await?;
        let sites = Sites::new([
            Site {
                name: SITE_A.to_owned(),
                client: target.a(),
            },
            Site {
                name: SITE_B.to_owned(),
                client: target.b(),
            },
        ]);
        let truth: Truth = Arc::default();
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let watcher = spawn_watcher(target, caches.names().to_vec(), truth.clone(), stop.clone());
        let mut log: Vec<(Instant, Event)> = Vec::new();
        let started = Instant::now();
        let outcome = runbook::resync(&sites, SITE_A, SITE_B, &options, &mut |event| {
            log.push((Instant::now(), event));
        })
        .await;
        let total = started.elapsed();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let _ = watcher.await;
        outcome.map_err(|e| e.to_string())?;
        let at = |f: &dyn Fn(&Event) -> bool| log.iter().find(|(_, e)| f(e)).map(|(t, _)| *t);
        let step_end =
            |n: usize| at(&|e| matches!(e, Event::StepFinished { step, .. } if *step == n));
        let push_sent = at(&|e| {
            matches!(
                e,
                Event::ActionDone {
                    action: Action::PushStateAll { .. },
                    ..
                }
            )
        })
        .ok_or("no push action in the log")?;
        let step3 = step_end(3).ok_or("step 3 did not finish")?;
        let step4 = step_end(4).ok_or("step 4 did not finish")?;
        // The runbook noticed the last cache when it saw it OK.
        let noticed = log
            .iter()
            .filter(|(_, e)| {
                matches!(
                    e,
                    Event::PushProgress {
                        status: PushStateStatus::Ok,
                        ..
                    }
                )
            })
            .map(|(t, _)| *t)
            .max()
            .ok_or("no OK push status in the log")?;
        let truth = truth.lock().unwrap().clone();
        let done = truth.values().max().copied();
        let last_cache = truth
            .iter()
            .max_by_key(|(_, t)| **t)
            .map(|(c, _)| c.clone())
            .unwrap_or_default();
        // The events alone bound the waste: the last SENDING seen for that cache, then OK.
        let last_sending = log
            .iter()
            .filter(|(_, e)| {
                matches!(e, Event::PushProgress { cache, status, .. } if *cache == last_cache && *status != PushStateStatus::Ok)
            })
            .map(|(t, _)| *t)
            .max();
        let polls = log
            .iter()
            .filter(|(_, e)| matches!(e, Event::PushProgress { cache, .. } if *cache == last_cache))
            .count();
        let mut sizes_ok = true;
        for cache in caches.names() {
            let size = cache_size(target, SITE_B, cache).await?;
            if size != n {
                sizes_ok = false;
                eprintln!("{cache} on site-b holds {size} entries, not {n}");
            }
        }
        let msd = |a: Instant, b: Instant| a.saturating_duration_since(b).as_secs_f64() * 1000.0;
        let (transfer, waste) = match done {
            Some(done) => (msd(done, push_sent), msd(noticed, done)),
            None => (f64::NAN, f64::NAN),
        };
        println!(
            "| {n} | {push_delay} | {:.2} | {} | {} | {} | {} | {} | {:.0}% | {polls} | {} | {} |",
            total.as_secs_f64(),
            ms(msd(step3, started)),
            ms(msd(step4, step3)),
            ms(transfer),
            ms(msd(noticed, push_sent)),
            ms(waste),
            100.0 * waste / transfer,
            last_sending.map_or("–".to_owned(), |s| ms(msd(noticed, s))),
            if sizes_ok { "yes" } else { "NO" }
        );
        if !sizes_ok {
            return Err(format!(
                "after the resync site-b does not hold the {n} entries per cache"
            ));
        }
    }
    Ok(())
}
