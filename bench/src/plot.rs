//! `plot`: resync time against entries, as an SVG, from the rows `resync --csv` appended (one
//! series per label: a server version and its nodes per site). Plain SVG text: no plotting crate.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use crate::Res;

/// Options of `plot`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The rows `resync --csv FILE` wrote (several files allowed, comma-separated).
    #[arg(long, value_name = "FILE,…", value_delimiter = ',', required = true)]
    pub(crate) csv: Vec<PathBuf>,
    /// Where to write the SVG.
    #[arg(long, value_name = "FILE")]
    pub(crate) out: PathBuf,
}

/// One measured resync, as `resync --csv` writes it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Row {
    /// The series: what ran (server version, nodes per site).
    pub(crate) series: String,
    /// Entries over all caches.
    pub(crate) entries: u64,
    /// The whole runbook, seconds.
    pub(crate) total_s: f64,
    /// The state transfer alone (push answered to the last cache OK), seconds.
    pub(crate) transfer_s: f64,
}

/// The CSV header `resync --csv` writes before its first row.
pub(crate) const HEADER: &str = "series,entries_total,total_s,transfer_s";

impl Row {
    /// The row as a CSV line (the series may not hold a comma: it is replaced).
    pub(crate) fn to_csv(&self) -> String {
        format!(
            "{},{},{:.3},{:.3}",
            self.series.replace(',', ";"),
            self.entries,
            self.total_s,
            self.transfer_s
        )
    }

    fn parse(line: &str) -> Option<Row> {
        let mut f = line.split(',');
        let row = Row {
            series: f.next()?.to_owned(),
            entries: f.next()?.trim().parse().ok()?,
            total_s: f.next()?.trim().parse().ok()?,
            transfer_s: f.next()?.trim().parse().ok()?,
        };
        (f.next().is_none() && row.entries > 0 && row.total_s > 0.0).then_some(row)
    }
}

/// Reads the files and writes the SVG.
pub(crate) fn run(args: &Args) -> Res<()> {
    let mut rows = Vec::new();
    for path in &args.csv {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() || line == HEADER {
                continue;
            }
            rows.push(Row::parse(line).ok_or_else(|| {
                format!(
                    "{}:{}: not a row of `resync --csv` ({HEADER}): {line:?}",
                    path.display(),
                    n + 1
                )
            })?);
        }
    }
    if rows.is_empty() {
        return Err("no rows to plot: run `xsite-bench resync --csv FILE` first".to_owned());
    }
    std::fs::write(&args.out, svg(&rows))
        .map_err(|e| format!("cannot write {}: {e}", args.out.display()))?;
    eprintln!("{} rows plotted to {}", rows.len(), args.out.display());
    Ok(())
}

const COLOURS: [&str; 6] = [
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b",
];

/// Log-log axes: entries (x) against seconds (y); per series, the whole runbook (solid) and the
/// transfer alone (dashed).
pub(crate) fn svg(rows: &[Row]) -> String {
    let (w, h) = (800.0, 440.0);
    let (left, right, top, bottom) = (70.0, 310.0, 30.0, 60.0);
    let decade = |v: f64, up: bool| {
        let l = v.max(1e-3).log10();
        if up { l.ceil() } else { l.floor() }
    };
    let xs = rows.iter().map(|r| r.entries as f64);
    let ys = rows
        .iter()
        .flat_map(|r| [r.total_s, r.transfer_s])
        .filter(|v| *v > 0.0);
    let (x0, x1) = (
        decade(xs.clone().fold(f64::MAX, f64::min), false),
        decade(xs.fold(0.0, f64::max), true).max(decade(1.0, false) + 1.0),
    );
    let (y0, y1) = (
        decade(ys.clone().fold(f64::MAX, f64::min), false),
        decade(ys.fold(0.0, f64::max), true),
    );
    let (x1, y1) = (x1.max(x0 + 1.0), y1.max(y0 + 1.0));
    let px = |v: f64| left + (v.log10() - x0) / (x1 - x0) * (w - left - right);
    let py = |v: f64| h - bottom - (v.log10() - y0) / (y1 - y0) * (h - top - bottom);
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="{w}" height="{h}" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{}" y="18" text-anchor="middle" font-size="14">Resync site-a → site-b: time against entries (log-log)</text>"#,
        (left + w - right) / 2.0
    );
    for d in x0 as i32..=x1 as i32 {
        let x = px(10f64.powi(d));
        let _ = writeln!(
            s,
            r##"<line x1="{x:.1}" y1="{top}" x2="{x:.1}" y2="{}" stroke="#ddd"/><text x="{x:.1}" y="{}" text-anchor="middle">{}</text>"##,
            h - bottom,
            h - bottom + 16.0,
            tick(10f64.powi(d))
        );
    }
    for d in y0 as i32..=y1 as i32 {
        let y = py(10f64.powi(d));
        let _ = writeln!(
            s,
            r##"<line x1="{left}" y1="{y:.1}" x2="{}" y2="{y:.1}" stroke="#ddd"/><text x="{}" y="{:.1}" text-anchor="end">{}</text>"##,
            w - right,
            left - 6.0,
            y + 4.0,
            tick(10f64.powi(d))
        );
    }
    let _ = writeln!(
        s,
        r#"<rect x="{left}" y="{top}" width="{}" height="{}" fill="none" stroke="black"/>"#,
        w - left - right,
        h - top - bottom
    );
    let _ = writeln!(
        s,
        r#"<text x="{}" y="{}" text-anchor="middle">entries over the 8 caches</text>"#,
        (left + w - right) / 2.0,
        h - 18.0
    );
    let _ = writeln!(
        s,
        r#"<text x="18" y="{}" text-anchor="middle" transform="rotate(-90 18 {})">seconds</text>"#,
        (top + h - bottom) / 2.0,
        (top + h - bottom) / 2.0
    );
    let mut series: BTreeMap<&str, Vec<&Row>> = BTreeMap::new();
    for r in rows {
        series.entry(r.series.as_str()).or_default().push(r);
    }
    for (n, (name, mut points)) in series.into_iter().enumerate() {
        points.sort_by_key(|r| r.entries);
        let colour = COLOURS[n % COLOURS.len()];
        for (dash, value) in [
            ("", (|r: &Row| r.total_s) as fn(&Row) -> f64),
            (r#" stroke-dasharray="5 4""#, |r: &Row| r.transfer_s),
        ] {
            let path: Vec<String> = points
                .iter()
                .filter(|r| value(r) > 0.0)
                .map(|r| format!("{:.1},{:.1}", px(r.entries as f64), py(value(r))))
                .collect();
            let _ = writeln!(
                s,
                r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>"#,
                path.join(" ")
            );
            for p in &path {
                let (x, y) = p.split_once(',').unwrap_or(("0", "0"));
                let _ = writeln!(s, r#"<circle cx="{x}" cy="{y}" r="3" fill="{colour}"/>"#);
            }
        }
        let ly = top + 10.0 + n as f64 * 36.0;
        let lx = w - right + 14.0;
        let _ = writeln!(
            s,
            r#"<line x1="{lx}" y1="{ly}" x2="{}" y2="{ly}" stroke="{colour}" stroke-width="2"/><text x="{}" y="{}">{}</text>"#,
            lx + 24.0,
            lx + 30.0,
            ly + 4.0,
            escape(name)
        );
        let _ = writeln!(
            s,
            r#"<line x1="{lx}" y1="{}" x2="{}" y2="{}" stroke="{colour}" stroke-width="2" stroke-dasharray="5 4"/><text x="{}" y="{}">transfer alone</text>"#,
            ly + 16.0,
            lx + 24.0,
            ly + 16.0,
            lx + 30.0,
            ly + 20.0
        );
    }
    s.push_str("</svg>\n");
    s
}

fn tick(v: f64) -> String {
    if v >= 1e6 {
        format!("{}M", v / 1e6)
    } else if v >= 1e3 {
        format!("{}k", v / 1e3)
    } else {
        format!("{v}")
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_round_trip_and_bad_lines_are_refused() {
        let row = Row {
            series: "15.0.21, 1 node".to_owned(),
            entries: 10_000,
            total_s: 1.5,
            transfer_s: 1.25,
        };
        let parsed = Row::parse(&row.to_csv()).unwrap();
        assert_eq!(parsed.series, "15.0.21; 1 node");
        assert_eq!((parsed.entries, parsed.total_s), (10_000, 1.5));
        assert!(Row::parse("a,b,c,d").is_none());
        assert!(Row::parse("a,10,1.0").is_none());
        assert!(Row::parse("a,10,1.0,1.0,9").is_none());
    }

    #[test]
    fn the_svg_has_a_line_and_points_per_series() {
        let rows: Vec<Row> = [
            ("x", 10_000, 2.0),
            ("x", 100_000, 20.0),
            ("y<z", 10_000, 3.0),
        ]
        .iter()
        .map(|(s, e, t)| Row {
            series: (*s).to_owned(),
            entries: *e,
            total_s: *t,
            transfer_s: t / 2.0,
        })
        .collect();
        let svg = svg(&rows);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
        assert_eq!(svg.matches("<polyline").count(), 4);
        assert_eq!(svg.matches("<circle").count(), 6);
        assert!(svg.contains("y&lt;z") && !svg.contains("y<z"));
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
    }
}
