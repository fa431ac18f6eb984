//! What the two process measurements (`oneshot`, `memory`) share: the programs they start and
//! the server they need, which must be reachable from outside this process.

use std::path::PathBuf;

use secrecy::{ExposeSecret, SecretString};
use xsite_tests::{Grid, GridKind};

use crate::Res;

/// The programs to compare.
#[derive(Debug, clap::Args)]
pub(crate) struct Programs {
    /// The xsite binary to run.
    #[arg(long, value_name = "BIN")]
    pub(crate) xsite: PathBuf,
    /// The script that runs the JVM cli.sh (scripts/ispn-cli); needed unless --no-java.
    #[arg(long, value_name = "SCRIPT", required_unless_present = "no_java")]
    pub(crate) ispn_cli: Option<PathBuf>,
    /// The cli.sh version the script runs.
    #[arg(long, value_name = "V", default_value = "14.0.28.Final")]
    pub(crate) cli_version: String,
    /// Leave out the JVM cli.sh (the simulator: its connect reads routes the simulator lacks).
    #[arg(long)]
    pub(crate) no_java: bool,
}

impl Programs {
    /// The program and the arguments that run the JVM cli.sh on a batch file against `url`, or
    /// `None` with --no-java.
    pub(crate) fn java_cli(
        &self,
        url: &SecretString,
        file: &std::path::Path,
    ) -> Option<(String, Vec<String>)> {
        if self.no_java {
            return None;
        }
        // clap makes --ispn-cli present without --no-java.
        let cli = self.ispn_cli.as_ref()?;
        Some((
            cli.display().to_string(),
            vec![
                "--version".into(),
                self.cli_version.clone(),
                "--".into(),
                "-c".into(),
                url.expose_secret().to_owned(),
                "-f".into(),
                file.display().to_string(),
            ],
        ))
    }
}

/// The target the environment names, which must be real servers or an `xsite-sim` process: the
/// programs measured are separate processes.
pub(crate) async fn outside_target(measurement: &str) -> Res<Grid> {
    let target = Grid::from_env().await?;
    if target.kind != GridKind::Real {
        return Err(format!(
            "{measurement} needs XSITE_SITE_A_URL/XSITE_SITE_B_URL (a grid or an xsite-sim process)"
        ));
    }
    Ok(target)
}

/// The site-a URL with the admin's credentials in its user-info, as cli.sh's `-c` takes it.
pub(crate) fn url_with_credentials(target: &Grid) -> SecretString {
    let (user, password) = target.admin_password();
    let url = &target.site_a_url;
    match url.split_once("://") {
        Some((scheme, rest)) => format!("{scheme}://{user}:{password}@{rest}").into(),
        None => url.clone().into(),
    }
}
