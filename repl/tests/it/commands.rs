//! Lines through the executor, exact bytes out (cli.sh's rendering and messages).

use xsite_clish::Mode;
use xsite_repl::console::Format;
use xsite_repl::error::Kind;
use xsite_repl::exec::Outcome;
use xsite_repl::prompt::ScriptedPrompter;

use crate::common::Harness;

#[test]
fn prompt_follows_connect_cd_and_disconnect() {
    let mut h = Harness::new();
    assert_eq!(h.prompt(), "[disconnected]> ");
    let url = h.grid.connect_url(h.grid.site_a_url());
    assert_eq!(
        h.run(&format!("connect {url}")),
        (String::new(), String::new())
    );
    assert_eq!(h.prompt(), "[site-a-0@site-a//containers/default]> ");
    h.run("cd caches/work");
    assert_eq!(
        h.prompt(),
        "[site-a-0@site-a//containers/default/caches/work]> "
    );
    h.run("cd ..");
    assert_eq!(h.prompt(), "[site-a-0@site-a//containers/default/caches]> ");
    h.run("cd /containers/default");
    assert_eq!(h.prompt(), "[site-a-0@site-a//containers/default]> ");
    assert_eq!(h.run("disconnect"), (String::new(), String::new()));
    assert_eq!(h.prompt(), "[disconnected]> ");
}

#[test]
fn status_and_actions_render_like_cli_sh() {
    let mut h = Harness::connected();
    assert_eq!(
        h.run("site status --all-caches --site=site-b").0,
        "{\n  \"status\" : \"online\"\n}\n"
    );
    assert_eq!(h.run("site take-offline --cache=work --site=site-b").0, "");
    assert_eq!(
        h.run("site status --cache=work").0,
        "{\n  \"site-b\" : {\n    \"status\" : \"offline\"\n  }\n}\n"
    );
    assert_eq!(
        h.run("site status --cache=work --site=site-b").0,
        "{\n  \"site-a-0\" : \"offline\"\n}\n"
    );
    assert_eq!(
        h.run("site status --all-caches --site=site-b").0,
        "{\n  \"status\" : \"mixed\",\n  \"online\" : [ \"authenticationSessions\",\"sessions\",\"clientSessions\",\"loginFailures\",\"offlineClientSessions\",\"offlineSessions\",\"actionTokens\" ],\n  \"offline\" : [ \"work\" ],\n  \"mixed\" : [  ]\n}\n"
    );
    assert_eq!(h.run("site bring-online --cache=work --site=site-b").0, "");
    assert_eq!(
        h.run("site push-site-status --cache=work").0,
        "{\n  \"site-b\" : \"IDLE\"\n}\n"
    );
    assert_eq!(
        h.run("site clear-push-site-status --cache=work").0,
        "\"ok\"\n"
    );
    assert_eq!(
        h.run("site cancel-receive-state --cache=work --site=site-b")
            .0,
        ""
    );
}

#[test]
fn all_caches_actions_print_the_per_cache_map() {
    let mut h = Harness::connected();
    let (out, err) = h.run("site take-offline --all-caches --site=site-b");
    assert_eq!(
        out,
        "{\n  \"offlineClientSessions\" : \"ok\",\n  \"authenticationSessions\" : \"ok\",\n  \"sessions\" : \"ok\",\n  \"clientSessions\" : \"ok\",\n  \"work\" : \"ok\",\n  \"offlineSessions\" : \"ok\",\n  \"loginFailures\" : \"ok\",\n  \"actionTokens\" : \"ok\"\n}\n"
    );
    assert_eq!(err, "");
    assert_eq!(
        h.run("site status --all-caches --site=site-b").0,
        "{\n  \"status\" : \"offline\"\n}\n"
    );
}

#[test]
fn a_cache_that_is_not_ok_fails_the_command() {
    let mut h = Harness::connected();
    h.grid.site("site-a").unwrap().inject_response(
        200,
        r#"{"work":"ok","sessions":"Exception on sessions : boom"}"#,
        1,
    );
    let outcome = h
        .exec
        .run_line("site take-offline --all-caches --site=site-b");
    let (out, err) = h.out.take();
    assert_eq!(
        out,
        "{\n  \"work\" : \"ok\",\n  \"sessions\" : \"Exception on sessions : boom\"\n}\n"
    );
    assert_eq!(
        err,
        "xsite: site take-offline --all-caches --site=site-b failed: 1 of 2 caches failed: Exception on sessions : boom (sessions)\n"
    );
    match outcome {
        Outcome::Failed(e) => assert_eq!(e.kind, Kind::PartialFailure),
        other => panic!("{other:?}"),
    }
}

#[test]
fn server_errors_in_cli_words() {
    let mut h = Harness::connected();
    assert_eq!(
        h.run("site status --cache=nope").0,
        "Not Found: ISPN012010: Cache with name 'nope' not found amongst the configured caches\n"
    );
    assert_eq!(
        h.run("site take-offline --cache=no-backups --site=site-b")
            .0,
        "Not Found: Cache 'no-backups' does not have backup sites.\n"
    );
    assert_eq!(
        h.run("site take-offline --cache=work --site=nope").0,
        "Not Found: Cache 'work' does not backup to site 'nope'\n"
    );
    assert_eq!(
        h.run("site status --all-caches --site=nope").0,
        "Not Found: \n"
    );
}

#[test]
fn option_and_context_errors_in_cli_words() {
    let mut h = Harness::connected();
    let (out, err) = h.run("site status");
    assert_eq!(
        out,
        "One of the 'cache' and 'all-caches' options are required\n"
    );
    assert!(err.starts_with("hint: "), "{err}");
    assert_eq!(
        h.run("site take-offline --cache=work --all-caches --site=site-b")
            .0,
        "The options 'cache' and 'all-caches' are mutually exclusive\n"
    );
    assert_eq!(
        h.run("site state-transfer-mode get --site=site-b").0,
        "Command invoked from the wrong context\n"
    );
    assert_eq!(
        h.run("site state-transfer-mode set --cache=work --site=site-b --mode=abc")
            .0,
        "No enum constant org.infinispan.configuration.cache.XSiteStateTransferMode.ABC\n"
    );
    assert_eq!(
        h.run("site take-offline --cache=work").0,
        "Option: --site is required for this command.\n"
    );
    // cli.sh prints a failed cd through its catch-all: on stderr, nothing on stdout.
    assert_eq!(
        h.run("cd nope"),
        (
            String::new(),
            "IllegalArgumentException: No such resource 'nope'\n".to_owned()
        )
    );
    assert_eq!(
        h.run("clearcache").0,
        "Command invoked from the wrong context\n"
    );
}

#[test]
fn the_cd_context_supplies_the_cache() {
    let mut h = Harness::connected();
    h.run("cd caches/work");
    assert_eq!(
        h.run("site status").0,
        "{\n  \"site-b\" : {\n    \"status\" : \"online\"\n  }\n}\n"
    );
    assert_eq!(
        h.run("site state-transfer-mode get --site=site-b").0,
        "\"MANUAL\"\n"
    );
    let site_a = h.grid.site("site-a").unwrap().clone();
    site_a.put_local("work", "k1", "v1");
    // cli.sh's table of keys: a header, a rule, each line padded to 160 columns (15.0.21, batch).
    assert_eq!(
        h.run("ls").0,
        format!("{:160}\n{}\n{:160}\n", "Key", "-".repeat(160), "k1")
    );
    assert_eq!(h.run("clearcache").0, "");
    assert!(site_a.entries("work").is_empty());
}

#[test]
fn site_information() {
    let mut h = Harness::connected();
    assert_eq!(h.run("site view").0, "[site-a, site-b]\n");
    assert_eq!(h.run("site name").0, "site-a\n");
    assert_eq!(h.run("site is-relay-node").0, "true\n");
    assert_eq!(h.run("site relay-nodes").0, "[site-a-0]\n");
    assert_eq!(h.run("echo hello   world").0, "hello world\n");
}

#[test]
fn disconnected_commands_are_not_available() {
    let mut h = Harness::new();
    let (outcome, out) = h.outcome("site status --all-caches");
    assert_eq!(
        out,
        "The command is not available in the current context.\n"
    );
    assert!(outcome.is_failure());
    assert_eq!(
        h.run("clearcache work").0,
        "The command is not available in the current context.\n"
    );
}

#[test]
fn parse_errors_interactive_wording() {
    let mut h = Harness::connected();
    assert_eq!(h.run("frobnicate").0, "Command not found\n");
    assert_eq!(
        h.run("site status --cahce=work").0,
        "The option --cahce=work is unknown.\n"
    );
    assert_eq!(h.run("# a comment").0, "");
    assert_eq!(h.outcome("quit").0, Outcome::Quit);
}

#[test]
fn setting_the_same_mode_is_an_error_as_in_cli_sh() {
    // The simulator refuses any mode on a SYNC backup, as a real server does.
    let mut h = Harness::connected();
    let (out, _) = h.run("site state-transfer-mode set --cache=work --site=site-b --mode=auto");
    assert_eq!(
        out,
        "Error: ISPN000634: Cross-site automatic state transfer is not compatible with SYNC backup strategy.\n"
    );
}

#[test]
fn json_output_is_one_document_per_command() {
    let mut h = Harness::with(
        Box::new(xsite_repl::prompt::NoPrompter),
        Mode::Interactive,
        Format::Json,
    );
    let url = h.grid.connect_url(h.grid.site_a_url());
    let (out, _) = h.run(&format!("connect {url}"));
    assert!(!out.contains("strong-password"), "{out}");
    assert_eq!(
        out,
        format!(
            "{{\"command\":\"connect http://developer:********@{}\",\"ok\":true,\"result\":null}}\n",
            h.grid.site_a_url().trim_start_matches("http://")
        )
    );
    assert_eq!(
        h.run("site status --cache=work").0,
        "{\"command\":\"site status --cache=work\",\"ok\":true,\"result\":{\"site-b\":{\"status\":\"online\"}}}\n"
    );
    assert_eq!(
        h.run("site status --cache=nope").0,
        "{\"command\":\"site status --cache=nope\",\"ok\":false,\"error\":{\"kind\":\"server\",\"message\":\"Not Found: ISPN012010: Cache with name 'nope' not found amongst the configured caches\",\"status\":404}}\n"
    );
}

#[test]
fn credentials_are_asked_for_on_401() {
    let prompter = ScriptedPrompter::new(["developer"], ["strong-password"]);
    let asked = prompter.asked.clone();
    let mut h = Harness::with(Box::new(prompter), Mode::Interactive, Format::Cli);
    let url = h.grid.site_a_url().to_owned();
    assert_eq!(
        h.run(&format!("connect {url}")),
        (String::new(), String::new())
    );
    assert_eq!(asked.get(), (1, 1));
    assert_eq!(h.prompt(), "[site-a-0@site-a//containers/default]> ");
}

#[test]
fn wrong_credentials_are_reported() {
    let mut h = Harness::new();
    let url = h.grid.site_a_url().trim_start_matches("http://").to_owned();
    let (out, err) = h.run(&format!("connect -u developer -p wrong {url}"));
    assert_eq!(out, "The supplied credentials are invalid \n");
    assert!(
        err.contains("hint: check the username and password"),
        "{err}"
    );
    assert_eq!(h.prompt(), "[disconnected]> ");
}

#[test]
fn a_refused_connection_is_explained() {
    let mut h = Harness::new();
    // A port nothing listens on: bind one, then free it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (out, err) = h.run(&format!("connect 127.0.0.1:{port}"));
    assert!(out.starts_with("Could not connect to server: "), "{out}");
    assert!(err.contains("hint: is the server running"), "{err}");
}

#[test]
fn a_jks_truststore_is_refused_with_a_way_out() {
    let mut h = Harness::new();
    let dir = std::env::temp_dir().join(format!("xsite-jks-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let jks = dir.join("truststore.jks");
    std::fs::write(&jks, [0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2]).unwrap();
    let (out, err) = h.run(&format!(
        "connect https://127.0.0.1:11222 --truststore {}",
        jks.display()
    ));
    assert!(out.contains("is not a PEM file"), "{out}");
    assert!(out.contains("rustls cannot read JKS"), "{out}");
    assert!(err.contains("keytool -exportcert -rfc"), "{err}");
}

#[test]
fn a_user_without_admin_gets_cli_sh_s_403_text() {
    let mut h = Harness::new();
    let url = h.grid.site_a_url().trim_start_matches("http://").to_owned();
    h.run(&format!("connect -u observer -p observer-password {url}"));
    let (out, err) = h.run("site status --all-caches --site=site-b");
    assert_eq!(
        out,
        "The user is not allowed to access the server resource: ISPN000287: Unauthorized access: subject 'Subject with principal(s): [observer, RolePrincipal{name='observer'}]' lacks 'ADMIN' permission\n"
    );
    assert!(err.contains("ADMIN permission"), "{err}");
    assert_eq!(h.run("site view").0, "[site-a, site-b]\n");
}

#[test]
fn help_and_dash_dash_help_print_the_same_for_xsite_s_own_commands() {
    let mut h = Harness::new();
    for path in [
        "runbook",
        "runbook status",
        "runbook fence",
        "runbook resync",
        "runbook sites",
        "batch-cr",
        "batch-check",
    ] {
        let (help, help_err) = h.run(&format!("help {path}"));
        let (dash, dash_err) = h.run(&format!("{path} --help"));
        assert_eq!(help, dash, "{path}");
        assert_eq!((help_err.as_str(), dash_err.as_str()), ("", ""), "{path}");
        // The usage line names the command as typed in the shell.
        assert!(
            help.contains(&format!("\nUsage: {path} ")),
            "{path}: {help}"
        );
    }
    let (resync, _) = h.run("help runbook resync");
    for option in ["--from <GOOD>", "--to <STALE>", "--dry-run", "--emit-batch"] {
        assert!(resync.contains(option), "{option}: {resync}");
    }
    // The overview and the hints read the same definition.
    let (overview, _) = h.run("help");
    assert!(
        overview.contains("\n  runbook resync [OPTIONS] --from <GOOD> --to <STALE>\n"),
        "{overview}"
    );
    assert_eq!(
        xsite_repl::shell::hint("runbook fence").as_deref(),
        Some(" [OPTIONS] --site <SITE>")
    );
    let (out, _) = h.run("help runbook nope");
    assert!(out.contains("No help for 'runbook nope'"), "{out}");
}
