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
use crate::report::ms;
use crate::target::{client, describe, with_target};

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

async fn fill(target: &Grid, site: &str, caches: &CacheSet, n: usize, prefix: &str) -> Res<()> {
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
                .take_offline(Grid::other(site))
                .await
                .map_err(|e| e.to_string())?;
        }
        fill(target, SITE_A, &caches, n, "key-").await?;
        fill(
            target,
            SITE_B,
            &caches,
            args.stale.unwrap_or(n / 10).max(1),
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
