//! `alerts`: the Prometheus alert rules for cross-site replication, with the metric names of the
//! server version in front of you (the SDK's [`xsite::alerts`]): a rules file, or a
//! `PrometheusRule` resource for the Prometheus Operator. The YAML goes to stdout (for
//! `kubectl apply -f -` or a rules directory); what the rules cannot cover goes to stderr too.

use serde_json::json;
use xsite::alerts::RuleSet;
use xsite::model::ServerVersion;

use crate::commands::runbook::{add_sites, connect};
use crate::console::{Console, Format, Reply};
use crate::error::{CliError, CliResult};
use crate::session::Session;

/// `alerts`.
#[derive(Debug, Clone, clap::Args)]
pub struct AlertsArgs {
    /// The server version (14.0.28.Final, 15.0.21.Final, 16.0.7, …). Default: what the first
    /// configured site answers.
    #[arg(long, value_name = "V")]
    pub version: Option<String>,

    /// What to print.
    #[arg(long, value_enum, default_value_t = AlertsFormat::Rules)]
    pub format: AlertsFormat,

    /// `metadata.name` of the PrometheusRule.
    #[arg(long, value_name = "NAME", default_value = "xsite-cross-site")]
    pub name: String,

    /// `metadata.namespace` of the PrometheusRule.
    #[arg(long, value_name = "NS")]
    pub namespace: Option<String>,

    /// A site's REST endpoint, NAME=URL, to read the version from; may be repeated.
    #[arg(long = "site-url", value_name = "NAME=URL")]
    pub site_urls: Vec<String>,
}

/// The output of `alerts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AlertsFormat {
    /// A Prometheus rules file (`groups:`).
    Rules,
    /// A `PrometheusRule` resource (monitoring.coreos.com/v1).
    PrometheusRule,
}

/// Runs `alerts`.
pub fn run(session: &mut Session, console: &mut Console, args: &AlertsArgs) -> CliResult<Reply> {
    add_sites(session, &args.site_urls)?;
    let version = match &args.version {
        Some(text) => ServerVersion::parse(text).ok_or_else(|| {
            CliError::config(format!(
                "--version '{text}' is not a version: give it as the server writes it, e.g. 15.0.21.Final"
            ))
        })?,
        None => server_version(session)?,
    };
    let rules = RuleSet::for_version(&version).map_err(|e| CliError::config(e.to_string()))?;
    if let Some(unchecked) = &rules.unchecked {
        console.note(&format!("caution: {unchecked}"));
    }
    for line in &rules.not_covered {
        console.note(&format!("not covered: {line}"));
    }
    if console.format == Format::Json {
        return Ok(Reply::Json(json!({
            "version": version.text,
            "rules": rules.rules.iter().map(|rule| json!({
                "alert": rule.alert,
                "expr": rule.expr(),
                "for": rule.hold,
                "severity": rule.severity,
                "summary": rule.summary,
                "description": rule.description,
            })).collect::<Vec<_>>(),
            "not_covered": rules.not_covered,
        })));
    }
    let yaml = match args.format {
        AlertsFormat::Rules => rules.to_rules_yaml(),
        AlertsFormat::PrometheusRule => {
            rules.to_prometheus_rule(&args.name, args.namespace.as_deref())
        }
    };
    Ok(Reply::Text(yaml.trim_end().to_owned()))
}

/// The version the first configured site answers.
fn server_version(session: &mut Session) -> CliResult<ServerVersion> {
    let Some(first) = session.sites.names().into_iter().next() else {
        return Err(CliError::config(
            "give --version V, or a site to read it from (--site-url NAME=URL, a profile, --demo)",
        ));
    };
    let sites = connect(session, &[first.as_str()])?;
    let Some(site) = sites.get(&first) else {
        return Err(CliError::config(format!("unknown site '{first}'")));
    };
    let info = session
        .runtime()
        .block_on(site.client.container().info())
        .map_err(|e| CliError::config(format!("cannot read the version of {first}: {e}")))?;
    info.version()
        .and_then(ServerVersion::parse)
        .ok_or_else(|| CliError::config(format!("{first} answered no version: give --version V")))
}
