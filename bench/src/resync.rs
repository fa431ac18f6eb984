//! 4. Resync end to end: `xsite::runbook::resync` from site-a to a stale site-b, its steps'
//!    times, and the time its push-status polling loses against a much faster watcher.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use futures::future::join_all;
use xsite::runbook::{self, Action, Event, Options, Site, Sites};
use xsite::{CacheSet, Mechanism, PushStateStatus};
use xsite_tests::{Grid, GridKind, SITE_A, SITE_B};

use crate::Res;
use crate::report::{Samples, ms};
use crate::target::{client, describe, with_target};
use crate::volume;

/// Options of `resync`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Entries per cache on site-a, one row each (comma-separated).
    #[arg(long, value_name = "N,…", value_delimiter = ',', default_value = "1000", value_parser = count::<usize>)]
    pub(crate) entries: Vec<usize>,
    /// The simulator's push delays in milliseconds, one simulator each (comma-separated; ignored
    /// against real servers).
    #[arg(long, value_name = "MS,…", value_delimiter = ',', default_value = "20", value_parser = count::<u64>)]
    pub(crate) push_delay_ms: Vec<u64>,
    /// Stale entries per cache on site-b (default: a tenth of the entries, at least one).
    #[arg(long, value_name = "N", value_parser = count::<usize>)]
    pub(crate) stale: Option<usize>,
    /// Keycloak-like data: UUID keys, values of a few hundred bytes to a few KiB by cache
    /// (volume.rs); without it, short keys and values of a dozen bytes.
    #[arg(long)]
    pub(crate) keycloak_values: bool,
    /// A small read/write load on site-a, one operation at a time (a get, then a put of the same
    /// value, of entries site-a holds): its latency before the runbook and during the push.
    #[arg(long)]
    pub(crate) load: bool,
    /// The pause between two operations of the load, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 10, value_parser = count::<u64>)]
    pub(crate) load_pause_ms: u64,
    /// Operations of the load before the runbook starts (its "before" latency).
    #[arg(long, value_name = "N", default_value_t = 300, value_parser = count::<usize>)]
    pub(crate) load_before: usize,
    /// During the push, read the caches' sizes on site-b every MS milliseconds (the entries
    /// transferred so far); 0: not at all. Each read costs the servers a size count.
    #[arg(long, value_name = "MS", default_value_t = 0, value_parser = count::<u64>)]
    pub(crate) progress_ms: u64,
    /// Puts in flight while filling the real servers.
    #[arg(long, value_name = "N", default_value_t = 32, value_parser = count::<usize>)]
    pub(crate) fill_concurrency: usize,
    /// Appends one row per run to FILE (`plot` draws them); the series names what ran.
    #[arg(long, value_name = "FILE")]
    pub(crate) csv: Option<std::path::PathBuf>,
    /// The series of the CSV rows (default: "simulator" or "real, N node(s)/site").
    #[arg(long, value_name = "LABEL")]
    pub(crate) series: Option<String>,
}

/// A count, spaces around it allowed (`--entries "1000, 10000"`, as the old parser took it).
fn count<T: std::str::FromStr>(v: &str) -> Result<T, String> {
    v.trim()
        .parse()
        .map_err(|_| format!("'{v}' is not a number"))
}

/// Measures and prints the resync table, then the notes on its columns.
pub(crate) fn run(rt: &tokio::runtime::Runtime, args: &Args) -> Res<()> {
    let kind = with_target(rt, &args.push_delay_ms, async |target| {
        resync(target, args).await
    })?;
    println!(
        "\n(Stale site-b: both backups offline, site-a filled, site-b holding other keys; then the whole runbook. \
         Transfer: from the answer to the push request to the last cache's push being OK, as seen by a watcher {}; \
         noticed after: from the same answer to the runbook's own OK status for that cache; polling waste: the difference. \
         Waste bound from events: the time between the runbook's last SENDING and its OK for that cache. \
         Grid: waste ≤ 10% of the transfer or ≤ 100 ms.)\n",
        match kind {
            GridKind::Real => "polling the push status over REST every 10 ms",
            GridKind::Simulator => "reading the simulator's state every 1 ms",
        }
    );
    Ok(())
}

/// When each cache's push was first seen OK by a watcher much faster than the runbook's polling.
type Truth = Arc<Mutex<BTreeMap<String, Instant>>>;

/// Watches the push status of every cache: in process on the simulator (every 1 ms, no request),
/// over REST on real servers (every 10 ms, the pending caches only). A cache counts once it was
/// seen not OK (the runbook clears the status before it pushes) and then OK.
fn spawn_watcher(
    target: &Grid,
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
                let seen = truth.lock().unwrap_or_else(PoisonError::into_inner);
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
                    truth
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .entry(cache)
                        .or_insert(now);
                }
            }
            let period = if sim_site.is_some() { 1 } else { 10 };
            tokio::time::sleep(Duration::from_millis(period)).await;
        }
    })
}

/// Entry `i` of a data set (`seed` 1: site-a's, 2: site-b's stale ones) in `cache`.
fn entry(keycloak_values: bool, seed: u64, cache: &str, i: usize) -> (String, String) {
    if keycloak_values {
        (volume::key(seed, i), volume::value(cache, i))
    } else {
        let prefix = if seed == 1 { "key-" } else { "stale-" };
        (format!("{prefix}{i}"), format!("value-{i}"))
    }
}

async fn fill(
    target: &Grid,
    site: &str,
    caches: &CacheSet,
    n: usize,
    seed: u64,
    args: &Args,
) -> Res<()> {
    if let Some(grid) = target.sim() {
        let handle = grid.site(site).ok_or("no such site")?;
        for cache in caches.names() {
            for i in 0..n {
                let (k, v) = entry(args.keycloak_values, seed, cache, i);
                handle.put_local(cache, &k, &v);
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
    let total = jobs.len();
    let mut done = 0usize;
    let mut reported = Instant::now();
    for chunk in jobs.chunks(args.fill_concurrency.max(1)) {
        let puts = chunk.iter().map(|(cache, i)| {
            let c = c.clone();
            let (k, v) = entry(args.keycloak_values, seed, cache, *i);
            async move { c.cache(cache.as_str()).put(&k, &v).await }
        });
        for outcome in join_all(puts).await {
            outcome.map_err(|e| format!("fill: {e}"))?;
        }
        done += chunk.len();
        if reported.elapsed() >= Duration::from_secs(10) {
            eprintln!("[resync] filling {site}: {done} of {total} entries");
            reported = Instant::now();
        }
    }
    Ok(())
}

async fn cache_size(target: &Grid, site: &str, cache: &str) -> Res<usize> {
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

/// A small load on site-a: one operation at a time, a get then a put of the same value, over the
/// first entries of site-a's data set. Returns when `stop` is set: each operation's start, its
/// latency in ms, and whether it failed.
fn spawn_load(
    target: &Grid,
    caches: &CacheSet,
    args: &Args,
    entries: usize,
    stop: Arc<std::sync::atomic::AtomicBool>,
) -> tokio::task::JoinHandle<Vec<(Instant, f64, bool)>> {
    let c = client(target, SITE_A, Mechanism::BasicPreemptive);
    let keys: Vec<(String, String, String)> = caches
        .names()
        .iter()
        .flat_map(|cache| {
            (0..entries.min(16)).map(move |i| {
                let (k, v) = entry(args.keycloak_values, 1, cache, i);
                (cache.clone(), k, v)
            })
        })
        .collect();
    let pause = Duration::from_millis(args.load_pause_ms);
    tokio::spawn(async move {
        let mut samples = Vec::new();
        let mut n = 0usize;
        while !stop.load(std::sync::atomic::Ordering::Relaxed) {
            let (cache, key, value) = &keys[(n / 2) % keys.len()];
            let cache = c.cache(cache.as_str());
            let start = Instant::now();
            let failed = if n.is_multiple_of(2) {
                cache.get(key).await.is_err()
            } else {
                cache.put(key, value).await.is_err()
            };
            samples.push((start, start.elapsed().as_secs_f64() * 1000.0, failed));
            n += 1;
            tokio::time::sleep(pause).await;
        }
        samples
    })
}

/// While the push runs: the entries on site-b over all caches, every `period`, with when.
fn spawn_progress(
    target: &Grid,
    caches: &CacheSet,
    period: Duration,
    stop: Arc<std::sync::atomic::AtomicBool>,
) -> tokio::task::JoinHandle<Vec<(Instant, u64)>> {
    let c = target.client_as(SITE_B, target.admin());
    let caches = caches.clone();
    tokio::spawn(async move {
        let mut seen = Vec::new();
        while !stop.load(std::sync::atomic::Ordering::Relaxed) {
            let at = Instant::now();
            let sizes = caches
                .fan_out(&c, |cache| async move { cache.size().await })
                .await;
            let total: u64 = sizes.iter().filter_map(|(_, r)| r.as_ref().ok()).sum();
            seen.push((at, total));
            tokio::time::sleep(period).await;
        }
        seen
    })
}

/// The load's latencies in one phase, as a table row.
fn load_row(label: &str, phase: &str, samples: &[(Instant, f64, bool)]) -> String {
    let ok = Samples(samples.iter().filter(|s| !s.2).map(|s| s.1).collect());
    let failed = samples.iter().filter(|s| s.2).count();
    format!(
        "| {label} | {phase} | {} | {failed} | {} | {} | {} |",
        ok.len(),
        ms(ok.median()),
        ms(ok.quantile(0.99)),
        ms(ok.max())
    )
}

async fn resync(target: &Grid, args: &Args) -> Res<()> {
    let entries = if args.entries.is_empty() {
        vec![1000]
    } else {
        args.entries.clone()
    };
    let caches = CacheSet::keycloak_legacy();
    let options = Options {
        caches: caches.clone(),
        ..Options::default()
    };
    static HEADER: std::sync::Once = std::sync::Once::new();
    HEADER.call_once(|| {
        println!(
            "### Resync end to end (`xsite::runbook::resync` site-a → site-b, {} caches; {}; {}; push-status poll: {:?} first, then a tenth of the time waited so far, at most {:?})\n",
            caches.len(),
            describe(target),
            if args.keycloak_values {
                "Keycloak-like entries: UUID keys, values 100 B–4 KiB by cache"
            } else {
                "short keys and values"
            },
            options.poll.initial,
            options.poll.max
        );
        println!("| entries per cache | entries total | values MiB | fill s | simulator push delay ms | total s | checks before step 1 ms | steps 1–3 (fence, clear, online) ms | step 4 (push sent) ms | transfer ms | noticed after ms | polling waste ms | waste ÷ transfer | status polls | waste bound from events ms | step 6 (clear status) ms | site-b entries ok |");
        println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    });
    let push_delay = target.sim().map_or("–".to_owned(), |g| {
        g.options().push_delay.as_millis().to_string()
    });
    let series = args.series.clone().unwrap_or_else(|| match target.kind {
        GridKind::Simulator => "simulator".to_owned(),
        GridKind::Real => {
            let nodes = std::env::var("XSITE_GRID_NODES").unwrap_or_else(|_| "1".to_owned());
            format!("real, {nodes} node(s)/site")
        }
    });
    let mut load_rows = Vec::new();
    let mut progress_lines = Vec::new();
    for n in entries {
        target.reset().await.map_err(|e| e.0)?;
        // A stale site-b: both backups offline, site-a full, site-b with other, older keys.
        for site in [SITE_A, SITE_B] {
            target
                .client_as(site, target.admin())
                .container()
                .xsite()
                .take_offline(Grid::other(site))
                .await
                .map_err(|e| e.to_string())?;
        }
        let fill_started = Instant::now();
        fill(target, SITE_A, &caches, n, 1, args).await?;
        fill(
            target,
            SITE_B,
            &caches,
            args.stale.unwrap_or(n / 10).max(1),
            2,
            args,
        )
        .await?;
        let fill_time = fill_started.elapsed();
        let values_mib: f64 = caches
            .names()
            .iter()
            .map(|c| {
                n as f64
                    * if args.keycloak_values {
                        volume::mean_value_len(c)
                    } else {
                        8.0
                    }
            })
            .sum::<f64>()
            / 1_048_576.0;
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
        let load_stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let load = args
            .load
            .then(|| spawn_load(target, &caches, args, n, load_stop.clone()));
        if load.is_some() {
            // The "before" phase: the load alone, after the fill.
            let pause = Duration::from_millis(args.load_pause_ms);
            tokio::time::sleep(pause * u32::try_from(args.load_before).unwrap_or(u32::MAX)).await;
        }
        let progress_stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let truth: Truth = Arc::default();
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let watcher = spawn_watcher(target, caches.names().to_vec(), truth.clone(), stop.clone());
        let mut log: Vec<(Instant, Event)> = Vec::new();
        let mut progress = None;
        let started = Instant::now();
        let outcome = runbook::resync(&sites, SITE_A, SITE_B, &options, &mut |event| {
            if args.progress_ms > 0
                && progress.is_none()
                && matches!(&event, Event::StepStarted(step) if step.number == 4)
            {
                progress = Some(spawn_progress(
                    target,
                    &caches,
                    Duration::from_millis(args.progress_ms),
                    progress_stop.clone(),
                ));
            }
            if matches!(&event, Event::StepFinished { step: 5, .. }) {
                progress_stop.store(true, std::sync::atomic::Ordering::Relaxed);
            }
            log.push((Instant::now(), event));
        })
        .await;
        let total = started.elapsed();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        load_stop.store(true, std::sync::atomic::Ordering::Relaxed);
        progress_stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let _ = watcher.await;
        let load = match load {
            Some(handle) => handle.await.unwrap_or_default(),
            None => Vec::new(),
        };
        let progress = match progress {
            Some(handle) => handle.await.unwrap_or_default(),
            None => Vec::new(),
        };
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
        // The checks before step 1 (the sites, their caches) send no event of their own.
        let step0 = at(&|e| matches!(e, Event::StepStarted(step) if step.number == 1))
            .ok_or("step 1 did not start")?;
        let step3 = step_end(3).ok_or("step 3 did not finish")?;
        let step4 = step_end(4).ok_or("step 4 did not finish")?;
        let step5 = step_end(5).ok_or("step 5 did not finish")?;
        let step6 = step_end(6).ok_or("step 6 did not finish")?;
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
        let truth = truth.lock().unwrap_or_else(PoisonError::into_inner).clone();
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
        let total_entries = n * caches.len();
        println!(
            "| {n} | {total_entries} | {values_mib:.1} | {:.1} | {push_delay} | {:.2} | {} | {} | {} | {} | {} | {} | {:.0}% | {polls} | {} | {} | {} |",
            fill_time.as_secs_f64(),
            total.as_secs_f64(),
            ms(msd(step0, started)),
            ms(msd(step3, step0)),
            ms(msd(step4, step3)),
            ms(transfer),
            ms(msd(noticed, push_sent)),
            ms(waste),
            100.0 * waste / transfer,
            last_sending.map_or("–".to_owned(), |s| ms(msd(noticed, s))),
            ms(msd(step6, step5)),
            if sizes_ok { "yes" } else { "NO" }
        );
        if args.load {
            let end = done.unwrap_or(noticed);
            let before: Vec<_> = load.iter().filter(|s| s.0 < started).copied().collect();
            let during: Vec<_> = load
                .iter()
                .filter(|s| s.0 >= push_sent && s.0 <= end)
                .copied()
                .collect();
            load_rows.push(load_row(
                &total_entries.to_string(),
                "before the runbook",
                &before,
            ));
            load_rows.push(load_row(
                &total_entries.to_string(),
                "during the push",
                &during,
            ));
        }
        if !progress.is_empty() {
            // The readings where the size changed, at most a dozen, evenly picked.
            let mut changes: Vec<(Instant, u64)> = Vec::new();
            for &(t, size) in progress.iter().filter(|(t, _)| *t >= push_sent) {
                if changes.last().is_none_or(|(_, last)| *last != size) {
                    changes.push((t, size));
                }
            }
            let step = changes.len().div_ceil(12).max(1);
            let trail: Vec<String> = changes
                .iter()
                .enumerate()
                .filter(|(i, _)| i.is_multiple_of(step) || *i == changes.len() - 1)
                .map(|(_, (t, size))| format!("{:.1} s: {size}", msd(*t, push_sent) / 1000.0))
                .collect();
            if !trail.is_empty() {
                progress_lines.push(format!(
                "- {total_entries} entries: site-b's size over the 8 caches after the push was sent (read every {} ms; the stale entries are cleared first): {}",
                args.progress_ms,
                trail.join(", ")
            ));
            }
        }
        // The runbook's own progress: the entries it reported for the last cache to finish.
        let reported: Vec<String> = log
            .iter()
            .filter_map(|(t, e)| match e {
                Event::PushProgress {
                    cache,
                    entries: Some(entries),
                    ..
                } if *cache == last_cache => Some(format!(
                    "{:.1} s: {} of {}",
                    msd(*t, push_sent) / 1000.0,
                    entries.received,
                    entries.source
                )),
                _ => None,
            })
            .collect();
        if !reported.is_empty() {
            let step = reported.len().div_ceil(12).max(1);
            let picked: Vec<&str> = reported
                .iter()
                .enumerate()
                .filter(|(i, _)| i.is_multiple_of(step) || *i == reported.len() - 1)
                .map(|(_, r)| r.as_str())
                .collect();
            progress_lines.push(format!(
                "- {total_entries} entries: the runbook's progress for {last_cache} (the last cache to finish; {} SENDING polls with a count): {}",
                reported.len(),
                picked.join(", ")
            ));
        }
        if let Some(path) = &args.csv {
            let row = crate::plot::Row {
                series: series.clone(),
                entries: total_entries as u64,
                total_s: total.as_secs_f64(),
                transfer_s: transfer / 1000.0,
            };
            append_csv(path, &row)?;
        }
        if !sizes_ok {
            return Err(format!(
                "after the resync site-b does not hold the {n} entries per cache"
            ));
        }
    }
    if !load_rows.is_empty() {
        println!(
            "\n#### Latency of a small load on site-a (a get or a put of a site-a entry, one at a time, {} ms apart; {} operations before the runbook)\n",
            args.load_pause_ms, args.load_before
        );
        println!("| entries total | phase | operations | failed | p50 ms | p99 ms | max ms |");
        println!("|---:|---|---:|---:|---:|---:|---:|");
        for row in load_rows {
            println!("{row}");
        }
    }
    if !progress_lines.is_empty() {
        println!(
            "\n#### Push progress as entries on site-b (the bench's own reads, and the runbook's)\n"
        );
        for line in progress_lines {
            println!("{line}");
        }
    }
    Ok(())
}

/// Appends a row to the CSV file, with the header first when the file is new or empty.
fn append_csv(path: &std::path::Path, row: &crate::plot::Row) -> Res<()> {
    use std::io::Write as _;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    let empty = file.metadata().map(|m| m.len() == 0).unwrap_or(false);
    let text = if empty {
        format!("{}\n{}\n", crate::plot::HEADER, row.to_csv())
    } else {
        format!("{}\n", row.to_csv())
    };
    file.write_all(text.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}
