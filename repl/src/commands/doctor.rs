//! `doctor`: both sites checked against the Keycloak blueprint of their cache set (the SDK's
//! [`xsite::doctor`]), before an outage rather than during it. Reads only.
//!
//! Findings are printed grouped by site, each with its severity, check id, what was found, why
//! it matters and the fix; `--output json` gives `{"ok", "findings"}` as the envelope's result.
//! Exit 0 when there is no error and no warning, 1 when there is one, 2 for a wrong invocation.

use std::time::Duration;

use xsite::doctor::{self, Finding, Report};

use crate::commands::runbook::{CommonArgs, add_sites, connect};
use crate::console::{Console, Format, Reply};
use crate::error::{CliError, CliResult, Kind};
use crate::session::Session;

/// The longest `--site-deadline`: ten minutes.
pub const MAX_DEADLINE: f64 = 600.0;

/// `doctor`.
#[derive(Debug, Clone, clap::Args)]
pub struct DoctorArgs {
    /// Seconds each site's reads may take in all (1 to 600); each request is also bounded by
    /// --timeout.
    #[arg(long = "site-deadline", value_name = "SECS", default_value_t = 60.0)]
    pub site_deadline: f64,

    /// Caches and sites.
    #[command(flatten)]
    pub common: CommonArgs,
}

impl DoctorArgs {
    fn timeout(&self) -> CliResult<Duration> {
        let value = self.site_deadline;
        if value.is_finite() && (1.0..=MAX_DEADLINE).contains(&value) {
            Ok(Duration::from_secs_f64(value))
        } else {
            Err(CliError::config(format!(
                "--site-deadline takes a number of seconds from 1 to {MAX_DEADLINE}, not {value}"
            )))
        }
    }
}

/// Runs `doctor`.
pub fn run(session: &mut Session, console: &mut Console, args: &DoctorArgs) -> CliResult<Reply> {
    add_sites(session, &args.common.site_urls)?;
    let timeout = args.timeout()?;
    if let Some(text) = &args.common.cache_set
        && !text.contains(',')
        && xsite::CacheSet::named(text).is_none()
        && (text.starts_with("keycloak") || text.starts_with("kc"))
    {
        // A misspelt set name, not a one-cache list: checking a cache called "keycloak-27"
        // would only report it missing.
        return Err(CliError::config(format!(
            "--cache-set: unknown cache set '{}': give {}, or a comma-separated list of caches",
            xsite::printable(text),
            xsite::CacheSet::NAMES.join(", ")
        )));
    }
    let given = args.common.caches()?;
    if session.sites.is_empty() {
        return Err(CliError::config("no site is configured").with_hint(
            "name each site's URL: --site-url site-a=https://… (or a profile, or xsite --demo)",
        ));
    }
    let sites = connect(session, &[])?;
    let caches = match given {
        Some(caches) => caches,
        None => {
            let detected = session
                .runtime()
                .block_on(doctor::detect_cache_set(&sites, timeout));
            match detected {
                Ok(caches) => caches,
                Err(why) => {
                    return Err(CliError::config(why).with_hint(format!(
                        "give --cache-set: {} or the list of caches to check",
                        xsite::CacheSet::NAMES.join(", ")
                    )));
                }
            }
        }
    };
    let options = doctor::Options { timeout };
    let report = session
        .runtime()
        .block_on(doctor::diagnose(&sites, &caches, &options));
    let reply = if console.format == Format::Json {
        Reply::Json(report.to_json())
    } else {
        let set = caches
            .known_name()
            .map_or_else(|| caches.names().join(","), str::to_owned);
        Reply::Text(render(&report, &sites.names(), &set))
    };
    if report.ok() {
        return Ok(reply);
    }
    let count = |severity: doctor::Severity| {
        report
            .findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    };
    let mut error = CliError::new(
        Kind::Check,
        format!(
            "doctor: {} error(s), {} warning(s)",
            count(doctor::Severity::Error),
            count(doctor::Severity::Warning)
        ),
    );
    error.printed = Some(Box::new(reply));
    Err(error)
}

/// The report as text: a header, then the findings of each site, then those about both.
pub fn render(report: &Report, sites: &[&str], set: &str) -> String {
    let mut lines = vec![format!(
        "xsite doctor: {} against the blueprint of {}",
        sites.join(", "),
        xsite::printable(set)
    )];
    let groups = sites.iter().map(|s| Some(*s)).chain(std::iter::once(None));
    for site in groups {
        let findings: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.site.as_deref() == site)
            .collect();
        if site.is_none() && findings.is_empty() {
            continue;
        }
        lines.push(String::new());
        lines.push(site.map_or_else(|| "both sites".to_owned(), str::to_owned));
        if findings.is_empty() {
            lines.push("  no finding".to_owned());
        }
        for finding in findings {
            lines.push(format!(
                "  {:<7} {}{}: {}",
                finding.severity.as_str(),
                finding.check.as_str(),
                finding
                    .cache
                    .as_deref()
                    .map_or_else(String::new, |c| format!(" [{}]", xsite::printable(c))),
                xsite::printable(&finding.message)
            ));
            lines.push(format!("          why: {}", finding.check.why()));
            lines.push(format!("          fix: {}", xsite::printable(&finding.fix)));
        }
    }
    let count = |severity: doctor::Severity| {
        report
            .findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    };
    lines.push(String::new());
    lines.push(format!(
        "{} error(s), {} warning(s), {} info",
        count(doctor::Severity::Error),
        count(doctor::Severity::Warning),
        count(doctor::Severity::Info)
    ));
    lines.join("\n")
}
