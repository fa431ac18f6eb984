//! `connect` beyond cli.sh: the prompt names the host, the runbooks' sites are named when a
//! connection leaves them, and `-v` logs the requests.

use secrecy::SecretString;
use xsite_repl::demo::DemoGrid;
use xsite_repl::sites::SiteConfig;

use crate::binary::xsite;
use crate::common::Harness;

#[test]
fn the_shell_prompt_names_the_host() {
    let mut h = Harness::new();
    assert_eq!(h.exec.session.shell_prompt(false), "[disconnected]> ");
    let url = h.grid.connect_url(h.grid.site_a_url());
    h.run(&format!("connect {url}"));
    let host = h.grid.site_a_url().trim_start_matches("http://").to_owned();
    // cli.sh's prompt is unchanged; the shell's adds the host.
    assert_eq!(h.prompt(), "[site-a-0@site-a//containers/default]> ");
    assert_eq!(
        h.exec.session.shell_prompt(false),
        format!("[site-a-0@site-a//containers/default] ({host})> ")
    );
    // Another grid with the same node names: the shell's prompt tells them apart.
    let other = DemoGrid::start().unwrap();
    let (out, _) = h.run(&format!(
        "connect {}",
        other.connect_url(other.site_a_url())
    ));
    assert_eq!(out, "");
    assert_eq!(h.prompt(), "[site-a-0@site-a//containers/default]> ");
    assert_ne!(
        h.exec.session.shell_prompt(false),
        format!("[site-a-0@site-a//containers/default] ({host})> ")
    );
}

#[test]
fn connecting_away_from_the_runbooks_sites_says_so() {
    let mut h = Harness::new();
    for (name, url) in [
        ("site-a", h.grid.site_a_url().to_owned()),
        ("site-b", h.grid.site_b_url().to_owned()),
    ] {
        h.exec.session.sites.insert(SiteConfig {
            username: Some(xsite_sim::ADMIN_USER.to_owned()),
            password: Some(SecretString::from(xsite_sim::ADMIN_PASSWORD)),
            ..SiteConfig::from_url(name, &url).unwrap()
        });
    }
    // One of the sites: nothing to say.
    let (_, err) = h.run(&format!(
        "connect {}",
        h.grid.connect_url(h.grid.site_b_url())
    ));
    assert_eq!(err, "");
    // Another grid: the runbooks still act on the old sites, and the note says where.
    let other = DemoGrid::start().unwrap();
    let (_, err) = h.run(&format!(
        "connect {}",
        other.connect_url(other.site_a_url())
    ));
    assert!(err.contains("is not one of the runbooks' sites"), "{err}");
    assert!(err.contains(h.grid.site_a_url()), "{err}");
    assert!(!err.contains(xsite_sim::ADMIN_PASSWORD), "{err}");
}

#[test]
fn verbose_logs_the_requests_without_colour_in_a_file() {
    let grid = DemoGrid::start().unwrap();
    let url = grid.connect_url(grid.site_a_url());
    let quiet = xsite(&["-c", &url, "-f", "-"], Some("site name\n"));
    let quiet_err = String::from_utf8_lossy(&quiet.stderr).into_owned();
    assert!(!quiet_err.contains("GET "), "{quiet_err}");
    let verbose = xsite(&["-v", "-c", &url, "-f", "-"], Some("site name\n"));
    let err = String::from_utf8_lossy(&verbose.stderr).into_owned();
    assert_eq!(String::from_utf8_lossy(&verbose.stdout), "site-a\n");
    assert!(err.contains("GET http://127.0.0.1:"), "{err}");
    assert!(err.contains("status=200"), "{err}");
    // stderr is a pipe here: plain text, no escape codes.
    assert!(!err.contains('\u{1b}'), "{err:?}");
    assert!(!err.contains(xsite_sim::ADMIN_PASSWORD), "{err}");
}
