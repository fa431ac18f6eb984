//! Site name, sites view and relay nodes.

use super::case;
use crate::{Case, CaseResult, Grid, SITE_A, SITE_B, ensure};

pub(super) fn cases() -> Vec<Case> {
    vec![
        case!("site_info", "XSiteResourceTest.testXsiteView", site_info),
        case!("server_version", "xsite", server_version),
    ]
}

async fn site_info(target: &Grid) -> CaseResult {
    for site in [SITE_A, SITE_B] {
        let client = target.client_as(site, target.admin());
        let info = client.container().site_info().await?;
        ensure!(
            info.local_site.as_deref() == Some(site),
            "{site}: local site is {:?}",
            info.local_site
        );
        ensure!(
            info.sites_view == [SITE_A, SITE_B],
            "{site}: sites view is {:?}",
            info.sites_view
        );
        ensure!(info.relay_node, "{site}: not a relay node");
        let members = client.container().info().await?.cluster_members();
        ensure!(
            !info.relay_nodes.is_empty() && info.relay_nodes.iter().all(|n| members.contains(n)),
            "{site}: relay nodes {:?} are not among the members {members:?}",
            info.relay_nodes
        );
    }
    Ok(())
}

async fn server_version(target: &Grid) -> CaseResult {
    let version = target.a().server_version().await?;
    let version = version.ok_or_else(|| "no version".to_owned())?;
    ensure!(version.major >= 14, "unexpected version {version}");
    Ok(())
}
