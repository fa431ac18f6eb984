//! Per-cache progress of a state transfer, fed by the SDK's `Event::PushProgress`: spinners on a
//! terminal (stderr, with indicatif), plain lines otherwise (one per change of a cache's
//! status).

use std::collections::HashMap;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use xsite::PushStateStatus;

use crate::console::Console;

/// How progress is shown.
pub enum Progress {
    /// One spinner per cache on stderr.
    Bars {
        /// The spinners' group.
        multi: MultiProgress,
        /// Each cache's spinner, created at its first report.
        bars: HashMap<String, ProgressBar>,
    },
    /// One stderr line each time a cache's status changes.
    Lines {
        /// The last status shown per cache.
        last: HashMap<String, String>,
    },
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Progress::Bars { bars, .. } => write!(f, "Progress::Bars({})", bars.len()),
            Progress::Lines { last } => write!(f, "Progress::Lines({last:?})"),
        }
    }
}

impl Progress {
    /// Spinners when `terminal` (stderr is one), else plain lines.
    pub fn new(terminal: bool) -> Progress {
        if terminal {
            Progress::Bars {
                multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
                bars: HashMap::new(),
            }
        } else {
            Progress::Lines {
                last: HashMap::new(),
            }
        }
    }

    /// Shows a cache's push status toward `site`.
    pub fn update(
        &mut self,
        console: &mut Console,
        site: &str,
        cache: &str,
        status: &PushStateStatus,
        elapsed: Duration,
    ) {
        let text = status.to_string();
        match self {
            Progress::Bars { multi, bars } => {
                let bar = bars.entry(cache.to_owned()).or_insert_with(|| {
                    let bar = multi.add(ProgressBar::new_spinner());
                    if let Ok(style) =
                        ProgressStyle::with_template("{spinner} push {prefix:24} {msg} [{elapsed}]")
                    {
                        bar.set_style(style);
                    }
                    bar.set_prefix(format!("{cache} to {site}"));
                    bar.enable_steady_tick(Duration::from_millis(120));
                    bar
                });
                match status {
                    PushStateStatus::Ok | PushStateStatus::Error | PushStateStatus::Canceled => {
                        bar.finish_with_message(text)
                    }
                    _ => bar.set_message(text),
                }
            }
            Progress::Lines { last } => {
                if last.get(cache) != Some(&text) {
                    console.note(&format!(
                        "push {cache} to {site}: {text} ({:.1}s)",
                        elapsed.as_secs_f64()
                    ));
                    last.insert(cache.to_owned(), text);
                }
            }
        }
    }

    /// Runs `print` without the spinners getting in its way.
    pub fn print(&self, print: impl FnOnce()) {
        match self {
            Progress::Bars { multi, .. } => multi.suspend(print),
            Progress::Lines { .. } => print(),
        }
    }

    /// Stops every spinner and takes them off the screen (the log has each cache's result);
    /// later updates start new ones.
    pub fn finish(&mut self) {
        if let Progress::Bars { bars, multi } = self {
            for bar in bars.values() {
                if !bar.is_finished() {
                    bar.abandon();
                }
            }
            let _ = multi.clear();
            bars.clear();
            *multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        }
    }
}
