//! Per-cache progress of a state transfer, fed by the SDK's `Event::PushProgress`: spinners on a
//! terminal (stderr, with indicatif), plain lines otherwise (one per change of a cache's
//! status, and while it sends, its entries on the receiving site at most every
//! [`ENTRIES_LINE_EVERY`]).

use std::collections::HashMap;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use xsite::PushStateStatus;
use xsite::runbook::PushEntries;

use crate::console::Console;

/// How often a plain progress line repeats a sending cache's entry count (spinners show it at
/// every poll).
pub const ENTRIES_LINE_EVERY: Duration = Duration::from_secs(5);

/// How progress is shown.
pub enum Progress {
    /// One spinner per cache on stderr.
    Bars {
        /// The spinners' group.
        multi: MultiProgress,
        /// Each cache's spinner, created at its first report.
        bars: HashMap<String, ProgressBar>,
    },
    /// One stderr line each time a cache's status changes, and its entries now and then.
    Lines {
        /// The last status shown per cache.
        last: HashMap<String, String>,
        /// When each cache's last line was shown (time into the push).
        shown_at: HashMap<String, Duration>,
    },
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Progress::Bars { bars, .. } => write!(f, "Progress::Bars({})", bars.len()),
            Progress::Lines { last, .. } => write!(f, "Progress::Lines({last:?})"),
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
                shown_at: HashMap::new(),
            }
        }
    }

    /// Shows a cache's push status toward `site`, with the entries it holds so far if known.
    pub fn update(
        &mut self,
        console: &mut Console,
        site: &str,
        cache: &str,
        status: &PushStateStatus,
        elapsed: Duration,
        entries: Option<PushEntries>,
    ) {
        let text = status.to_string();
        let detail = match entries {
            Some(e) => format!("{text}, entries on {site}: {} of {}", e.received, e.source),
            None => text.clone(),
        };
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
                    _ => bar.set_message(detail),
                }
            }
            Progress::Lines { last, shown_at } => {
                let changed = last.get(cache) != Some(&text);
                let due = entries.is_some()
                    && shown_at
                        .get(cache)
                        .is_none_or(|at| elapsed.saturating_sub(*at) >= ENTRIES_LINE_EVERY);
                if changed || due {
                    console.note(&format!(
                        "push {cache} to {site}: {detail} ({:.1}s)",
                        elapsed.as_secs_f64()
                    ));
                    last.insert(cache.to_owned(), text);
                    shown_at.insert(cache.to_owned(), elapsed);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::Format;

    #[test]
    fn plain_lines_show_the_entries_on_a_status_change_and_then_every_few_seconds() {
        let (mut console, captured) = Console::capture(Format::Cli);
        let mut progress = Progress::new(false);
        let sending = PushStateStatus::Sending;
        let entries = |received| {
            Some(PushEntries {
                received,
                source: 100,
            })
        };
        let at = Duration::from_secs;
        progress.update(
            &mut console,
            "site-b",
            "sessions",
            &sending,
            at(0),
            entries(0),
        );
        // Within the interval: no new line, whatever the count.
        progress.update(
            &mut console,
            "site-b",
            "sessions",
            &sending,
            at(2),
            entries(40),
        );
        progress.update(
            &mut console,
            "site-b",
            "sessions",
            &sending,
            at(6),
            entries(70),
        );
        progress.update(
            &mut console,
            "site-b",
            "sessions",
            &PushStateStatus::Ok,
            at(7),
            None,
        );
        let lines: Vec<String> = captured.stderr().lines().map(str::to_owned).collect();
        assert_eq!(
            lines,
            [
                "push sessions to site-b: SENDING, entries on site-b: 0 of 100 (0.0s)",
                "push sessions to site-b: SENDING, entries on site-b: 70 of 100 (6.0s)",
                "push sessions to site-b: OK (7.0s)",
            ]
        );
    }
}
