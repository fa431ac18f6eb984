//! `watch`: every configured site side by side, refreshed by itself in a full-screen view, or one
//! snapshot with `--once` (text, or one JSON document with `--output json`).
//!
//! The view polls (`--interval`, default 1 s): the container's event stream
//! (`GET /rest/v2/container?action=listen`) carries cache configuration events (a cache created,
//! removed, changed) on every version, not the backup and push statuses shown here (conformance
//! case `container_events_carry_no_cross_site_change`, run on each real version). Each refresh reads every site at once, each bounded by its own time limit, in a task of
//! its own: a site that stops answering shows as unreachable, and the keys keep working
//! meanwhile. Keys: `q` (or Esc, Ctrl-C) quits and restores the terminal, `r` refreshes now, `?`
//! shows the keys. The terminal is also restored on a panic (ratatui's hook).

use std::collections::VecDeque;
use std::time::{Duration, SystemTime};

use crossterm::event::{Event as TermEvent, EventStream, KeyCode, KeyEventKind, KeyModifiers};
use futures::{Stream, StreamExt as _};
use ratatui::backend::Backend;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::{Frame, Terminal};
use xsite::runbook;
use xsite::watch::{self, SiteSnapshot, Snapshot};

use crate::commands::runbook::{ChosenCaches, CommonArgs, add_sites, connect, status_caches};
use crate::console::{Console, Format, Reply};
use crate::error::{CliError, CliResult, Kind};
use crate::session::Session;

/// The shortest `--interval`: faster only loads the servers.
pub const MIN_INTERVAL: f64 = 0.2;
/// The longest `--interval`: an hour.
pub const MAX_INTERVAL: f64 = 3600.0;
/// How many changes the event list keeps.
const EVENTS_KEPT: usize = 200;

/// `watch`.
#[derive(Debug, Clone, clap::Args)]
pub struct WatchArgs {
    /// Prints one snapshot and exits (exit 1 when a site cannot be read); with --output json,
    /// one JSON document.
    #[arg(long)]
    pub once: bool,

    /// Seconds between refreshes (0.2 to 3600); also each site's time limit per refresh, at
    /// most 5 s.
    #[arg(long, value_name = "SECS", default_value_t = 1.0)]
    pub interval: f64,

    /// Caches and sites.
    #[command(flatten)]
    pub common: CommonArgs,
}

impl WatchArgs {
    fn interval(&self) -> CliResult<Duration> {
        let value = self.interval;
        if value.is_finite() && (MIN_INTERVAL..=MAX_INTERVAL).contains(&value) {
            Ok(Duration::from_secs_f64(value))
        } else {
            Err(CliError::config(format!(
                "--interval takes a number of seconds from {MIN_INTERVAL} to {MAX_INTERVAL}, not {value}"
            )))
        }
    }
}

/// Each site's time limit for one refresh: the interval, at least 1 s, at most 5 s.
fn read_timeout(interval: Duration) -> Duration {
    interval.clamp(Duration::from_secs(1), Duration::from_secs(5))
}

/// Runs `watch`.
pub fn run(session: &mut Session, console: &mut Console, args: &WatchArgs) -> CliResult<Reply> {
    add_sites(session, &args.common.site_urls)?;
    let interval = args.interval()?;
    let given = args.common.caches()?;
    if session.sites.is_empty() {
        return Err(CliError::config("no site is configured").with_hint(
            "name each site's URL: --site-url site-a=https://… (or a profile, or xsite --demo)",
        ));
    }
    if !args.once && !console.stdout_tty {
        return Err(CliError::config(
            "the full-screen view needs a terminal: use --once for one snapshot (with --output json for scripts)",
        ));
    }
    let sites = connect(session, &[])?;
    let chosen = match given {
        Some(caches) => ChosenCaches {
            caches,
            detected_on: Vec::new(),
        },
        None => status_caches(session, &sites)?,
    };
    let timeout = read_timeout(interval);
    if args.once {
        let snapshot = session
            .runtime()
            .block_on(watch::snapshot(&sites, &chosen.caches, timeout));
        return once(console, &snapshot, &chosen);
    }
    let view = View::new(chosen.describe(), interval);
    let terminal = ratatui::init();
    let result =
        session
            .runtime()
            .block_on(view.run(terminal, sites, chosen.caches.clone(), timeout));
    ratatui::restore();
    result.map_err(|e| CliError::new(Kind::Config, format!("the terminal failed: {e}")))?;
    Ok(Reply::Nothing)
}

/// `--once`: the snapshot as text lines or one JSON document; a site that could not be read
/// fails the command (exit 1) after it is printed.
fn once(console: &mut Console, snapshot: &Snapshot, chosen: &ChosenCaches) -> CliResult<Reply> {
    let reply = if console.format == Format::Json {
        let mut doc = snapshot.to_json();
        doc["cache_set"] = chosen.json();
        Reply::Json(doc)
    } else {
        let mut lines = vec![chosen.describe()];
        for site in &snapshot.sites {
            lines.extend(site_lines(site).into_iter().map(|line| line.to_string()));
        }
        Reply::Text(lines.join("\n"))
    };
    if snapshot.all_reachable() {
        return Ok(reply);
    }
    let down: Vec<String> = snapshot
        .sites
        .iter()
        .filter_map(|s| {
            s.unreachable
                .as_ref()
                .map(|why| format!("{}: unreachable: {why}", s.site))
        })
        .collect();
    let mut error = CliError::new(Kind::Check, down.join("\n"));
    error.printed = Some(Box::new(reply));
    Err(error)
}

/// A site as lines of text: its header, its relay facts, then one row per cache.
fn site_lines(site: &SiteSnapshot) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let Some(why) = &site.unreachable else {
        lines.push(Line::from(vec![
            Span::styled(site.site.clone(), Style::new().add_modifier(Modifier::BOLD)),
            Span::raw(format!(
                "  {}  local site {}",
                site.version.as_deref().unwrap_or("version ?"),
                site.local_site.as_deref().unwrap_or("?")
            )),
        ]));
        lines.push(Line::raw(
            if site.relay_node || !site.site_view.is_empty() {
                format!(
                    "  sites view: {}; relay nodes: {}",
                    list_or_none(&site.site_view),
                    list_or_none(&site.relay_nodes)
                )
            } else {
                // Only a relay node sees the other sites: an empty view here says nothing of the link.
                format!(
                    "  sites view: not seen from this node (not a relay node; relay nodes: {})",
                    list_or_none(&site.relay_nodes)
                )
            },
        ));
        for cache in &site.caches {
            let mut spans = vec![Span::raw(format!("  {:<24}", cache.cache))];
            match &cache.backups {
                Ok(backups) if backups.is_empty() => spans.push(Span::raw("no backup  ")),
                Ok(backups) => {
                    for backup in backups {
                        spans.push(Span::raw(format!("{} ", backup.site)));
                        spans.push(Span::styled(
                            backup.status.clone(),
                            status_style(&backup.status),
                        ));
                        if !backup.nodes.is_empty() {
                            let nodes: Vec<String> = backup
                                .nodes
                                .iter()
                                .map(|(node, status)| format!("{node} {status}"))
                                .collect();
                            spans.push(Span::raw(format!(" ({})", nodes.join(", "))));
                        }
                        spans.push(Span::raw("  "));
                    }
                }
                Err(e) => spans.push(Span::styled(
                    format!("backups unreadable: {e}  "),
                    Style::new().fg(Color::Red),
                )),
            }
            match &cache.push {
                Ok(push) => {
                    for (to, status) in push {
                        spans.push(Span::raw(format!("push to {to} ")));
                        spans.push(Span::styled(status.clone(), push_style(status)));
                        spans.push(Span::raw("  "));
                    }
                }
                Err(e) => spans.push(Span::styled(
                    format!("push status unreadable: {e}"),
                    Style::new().fg(Color::Red),
                )),
            }
            lines.push(Line::from(spans));
        }
        return lines;
    };
    lines.push(Line::from(vec![
        Span::styled(site.site.clone(), Style::new().add_modifier(Modifier::BOLD)),
        Span::styled(format!("  unreachable: {why}"), Style::new().fg(Color::Red)),
    ]));
    lines
}

fn list_or_none(list: &[String]) -> String {
    if list.is_empty() {
        "none".to_owned()
    } else {
        list.join(", ")
    }
}

fn status_style(status: &str) -> Style {
    match status {
        "online" => Style::new().fg(Color::Green),
        "offline" => Style::new().fg(Color::Red),
        _ => Style::new().fg(Color::Yellow),
    }
}

fn push_style(status: &str) -> Style {
    match status {
        "IDLE" => Style::new(),
        "OK" => Style::new().fg(Color::Green),
        "SENDING" => Style::new().fg(Color::Yellow),
        _ => Style::new().fg(Color::Red),
    }
}

/// The full-screen view's state.
pub struct View {
    /// The cache set line.
    cache_set: String,
    interval: Duration,
    /// The last snapshot, when one arrived.
    snapshot: Option<Snapshot>,
    /// When the last snapshot arrived.
    refreshed: Option<SystemTime>,
    /// What changed, with when, oldest first.
    events: VecDeque<(SystemTime, String)>,
    help: bool,
    refreshes: usize,
}

impl View {
    /// A view with nothing read yet.
    pub fn new(cache_set: String, interval: Duration) -> View {
        View {
            cache_set,
            interval,
            snapshot: None,
            refreshed: None,
            events: VecDeque::new(),
            help: false,
            refreshes: 0,
        }
    }

    /// Takes a new snapshot: what changed since the last one goes to the event list.
    pub fn apply(&mut self, snapshot: Snapshot, at: SystemTime) {
        if let Some(before) = &self.snapshot {
            for change in snapshot.changes(before) {
                self.events.push_back((at, change));
            }
        } else {
            for site in &snapshot.sites {
                if let Some(why) = &site.unreachable {
                    self.events
                        .push_back((at, format!("{}: unreachable: {why}", site.site)));
                }
            }
        }
        while self.events.len() > EVENTS_KEPT {
            self.events.pop_front();
        }
        self.snapshot = Some(snapshot);
        self.refreshed = Some(at);
        self.refreshes += 1;
    }

    /// Draws the view: a title line, one column per site, the event list; the keys over it
    /// when asked.
    pub fn draw(&self, frame: &mut Frame) {
        let area = frame.area();
        let [title, body, events] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(4),
            Constraint::Length(8),
        ])
        .areas(area);
        let refreshed = self
            .refreshed
            .map_or_else(|| "reading…".to_owned(), |t| format!("at {}", clock(t)));
        frame.render_widget(
            Paragraph::new(format!(
                "xsite watch  every {:.1}s, {refreshed}  {}  (q quits, r refreshes, ? keys)",
                self.interval.as_secs_f64(),
                self.cache_set
            )),
            title,
        );
        if let Some(snapshot) = &self.snapshot {
            let count = snapshot.sites.len().max(1);
            let columns =
                Layout::horizontal((0..count).map(|_| Constraint::Ratio(1, count as u32)))
                    .split(body);
            for (site, column) in snapshot.sites.iter().zip(columns.iter()) {
                let lines = site_lines(site);
                let block = Block::default()
                    .borders(Borders::ALL)
                    .title(format!(" {} ", site.site));
                frame.render_widget(Paragraph::new(lines).block(block), *column);
            }
        }
        let shown = events.height.saturating_sub(2) as usize;
        let lines: Vec<Line> = self
            .events
            .iter()
            .skip(self.events.len().saturating_sub(shown))
            .map(|(at, what)| Line::raw(format!("{}  {what}", clock(*at))))
            .collect();
        frame.render_widget(
            Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(" changes ")),
            events,
        );
        if self.help {
            let keys = centered(area, 44, 7);
            frame.render_widget(Clear, keys);
            frame.render_widget(
                Paragraph::new(vec![
                    Line::raw("q, Esc, Ctrl-C  quit"),
                    Line::raw("r               refresh now"),
                    Line::raw("?               show or hide these keys"),
                    Line::raw(""),
                    Line::raw("Nothing here changes the servers."),
                ])
                .block(Block::default().borders(Borders::ALL).title(" keys ")),
                keys,
            );
        }
    }

    /// Runs the view on the terminal until a quit key: draws, reads keys, and refreshes every
    /// interval in a task of its own, so that a slow site never holds the keys.
    async fn run(
        self,
        mut terminal: ratatui::DefaultTerminal,
        sites: runbook::Sites,
        caches: xsite::CacheSet,
        timeout: Duration,
    ) -> std::io::Result<()> {
        self.run_on(&mut terminal, EventStream::new(), sites, caches, timeout)
            .await
            .map(drop)
    }

    /// The view's loop (what `watch` runs on the terminal) on any backend and key stream (a
    /// test backend and scripted keys in the tests); gives the view back when a quit key ends it.
    pub async fn run_on<B, K>(
        mut self,
        terminal: &mut Terminal<B>,
        mut keys: K,
        sites: runbook::Sites,
        caches: xsite::CacheSet,
        timeout: Duration,
    ) -> std::io::Result<View>
    where
        B: Backend,
        K: Stream<Item = std::io::Result<TermEvent>> + Unpin,
    {
        let fetch = |sites: runbook::Sites, caches: xsite::CacheSet| {
            tokio::spawn(async move { watch::snapshot(&sites, &caches, timeout).await })
        };
        let mut pending = Some(fetch(sites.clone(), caches.clone()));
        let mut next = tokio::time::Instant::now() + self.interval;
        loop {
            terminal
                .draw(|frame| self.draw(frame))
                .map_err(|e| std::io::Error::other(e.to_string()))?;
            let idle = pending.is_none();
            let refresh = async {
                match pending.as_mut() {
                    Some(task) => task.await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                key = keys.next() => match key {
                    Some(Ok(TermEvent::Key(key))) if key.kind == KeyEventKind::Press => {
                        let ctrl_c = key.code == KeyCode::Char('c')
                            && key.modifiers.contains(KeyModifiers::CONTROL);
                        match key.code {
                            KeyCode::Char('q') | KeyCode::Esc => return Ok(self),
                            _ if ctrl_c => return Ok(self),
                            KeyCode::Char('r') if idle => {
                                pending = Some(fetch(sites.clone(), caches.clone()));
                            }
                            KeyCode::Char('?') => self.help = !self.help,
                            _ => {}
                        }
                    }
                    Some(Ok(_)) => {}
                    Some(Err(e)) => return Err(e),
                    None => return Ok(self),
                },
                done = refresh => {
                    pending = None;
                    if let Ok(snapshot) = done {
                        self.apply(snapshot, SystemTime::now());
                    }
                    next = tokio::time::Instant::now() + self.interval;
                }
                () = tokio::time::sleep_until(next), if idle => {
                    pending = Some(fetch(sites.clone(), caches.clone()));
                }
            }
        }
    }

    /// How many snapshots the view has taken in (the first and every refresh since).
    pub fn refreshes(&self) -> usize {
        self.refreshes
    }
}

/// A `width` × `height` rectangle in the middle of `area`.
fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    )
}

/// `HH:MM:SS` (UTC) of a time.
fn clock(at: SystemTime) -> String {
    let secs = at
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format!(
        "{:02}:{:02}:{:02}Z",
        secs / 3600 % 24,
        secs / 60 % 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(lines: &[Line<'_>]) -> String {
        lines
            .iter()
            .map(|l| {
                l.spans
                    .iter()
                    .map(|s| s.content.as_ref())
                    .collect::<String>()
                    + "\n"
            })
            .collect()
    }

    /// A node that is not its site's relay node answers an empty sites view: the view says the
    /// link was not seen from there, not that the other site is gone.
    #[test]
    fn an_empty_view_from_a_node_that_is_not_a_relay_node_is_not_a_link_down() {
        let mut site = SiteSnapshot {
            site: "site-a".to_owned(),
            unreachable: None,
            version: Some("15.0.21.Final".to_owned()),
            local_site: Some("site-a".to_owned()),
            relay_node: false,
            site_view: Vec::new(),
            relay_nodes: vec!["site-a-1".to_owned()],
            caches: Vec::new(),
        };
        let shown = text(&site_lines(&site));
        assert!(
            shown.contains(
                "sites view: not seen from this node (not a relay node; relay nodes: site-a-1)"
            ),
            "{shown}"
        );
        site.relay_node = true;
        site.site_view = vec!["site-a".to_owned(), "site-b".to_owned()];
        let shown = text(&site_lines(&site));
        assert!(
            shown.contains("sites view: site-a, site-b; relay nodes: site-a-1"),
            "{shown}"
        );
    }
}
