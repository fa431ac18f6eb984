//! Builder, YAML and validation tests.

use std::time::{Duration, UNIX_EPOCH};

use super::*;
use xsite_clish::{Command, NoVars, parse_script};

/// 2026-09-01T12:00:00Z.
fn fixed_clock() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_788_264_000)
}

fn take_offline() -> Script {
    Script::from_commands(
        "take-offline",
        [
            Command::take_offline_all("site-a"),
            Command::status_all("site-a"),
        ],
    )
}

fn builder() -> BatchBuilder {
    BatchCr::builder("infinispan")
        .namespace("keycloak")
        .procedure("switch-over")
        .step("take-offline")
        .clock(fixed_clock)
        .rng(|| 1_234_567)
}

#[test]
fn inline_batch_yaml() {
    let cr = builder().script(&take_offline()).unwrap();
    assert_eq!(cr.name(), "xsite-take-offline-20260901-120000-jlgq");
    assert!(cr.config_map.is_none());
    assert!(cr.warnings.is_empty(), "{:?}", cr.warnings);
    insta::assert_snapshot!("inline_batch", cr.to_yaml().unwrap());
}

#[test]
fn config_map_batch_yaml() {
    let cr = builder()
        .config_map(true)
        .cpu("500m:250m")
        .memory("512Mi")
        .markers(false)
        .label("team", "iam")
        .script(&take_offline())
        .unwrap();
    let cm = cr.config_map.as_ref().unwrap();
    assert_eq!(cm.metadata.name, cr.name());
    assert_eq!(cr.batch.spec.config_map.as_deref(), Some(cr.name()));
    assert_eq!(
        cr.script_text(),
        Some(
            "site take-offline --all-caches --site=site-a\nsite status --all-caches --site=site-a\n"
        )
    );
    insta::assert_snapshot!("config_map_batch", cr.to_yaml().unwrap());
}

#[test]
fn yaml_reads_back() {
    for config_map in [false, true] {
        let cr = builder()
            .config_map(config_map)
            .cpu("1")
            .script(&take_offline())
            .unwrap();
        let yaml = cr.to_yaml().unwrap();
        let back = BatchCr::from_yaml(&yaml).unwrap();
        assert_eq!(back.batch, cr.batch);
        assert_eq!(back.config_map, cr.config_map);
        // The script inside the YAML parses back to the same commands.
        let script = parse_script(SCRIPT_PATH, back.script_text().unwrap(), &NoVars).unwrap();
        assert_eq!(script.commands().count(), 4);
    }
}

#[test]
fn awkward_scripts_survive_yaml() {
    let mut script = Script::new("x");
    script.push_comment("a comment: with 'quotes' and \"doubles\" # and a hash");
    script.push(Command::Echo {
        words: vec![
            "  spaced".into(),
            "it's".into(),
            "key: value".into(),
            "- dash".into(),
        ],
    });
    script.push(Command::clearcache("cache with spaces"));
    let cr = builder().script(&script).unwrap();
    let back = BatchCr::from_yaml(&cr.to_yaml().unwrap()).unwrap();
    assert_eq!(back.script_text(), cr.script_text());
    cr.validate().unwrap();
}

#[test]
fn generated_names_are_unique_and_valid() {
    let a = BatchCr::builder("infinispan")
        .script(&take_offline())
        .unwrap();
    let b = BatchCr::builder("infinispan")
        .script(&take_offline())
        .unwrap();
    assert_ne!(a.name(), b.name());
    assert!(a.name().starts_with("xsite-20"), "{}", a.name());
    assert_eq!(names::dns1123_label_error(a.name()), None);
    let long = builder()
        .step("x".repeat(80))
        .script(&take_offline())
        .unwrap();
    assert_eq!(long.name().len(), 63);
}

fn invalid(builder: BatchBuilder) -> Vec<String> {
    match builder.script(&take_offline()) {
        Err(CrError::Invalid { violations, .. }) => {
            violations.iter().map(ToString::to_string).collect()
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn user_names_are_checked() {
    assert_eq!(
        invalid(builder().name("Take_Offline")),
        [
            "metadata.name: Invalid value: \"Take_Offline\": a lowercase RFC 1123 label must consist of lower case \
          alphanumeric characters or '-', and must start and end with an alphanumeric character"
        ]
    );
    assert_eq!(invalid(builder().name("x".repeat(64))).len(), 1);
    assert_eq!(invalid(builder().namespace("Key Cloak")).len(), 1);
    assert_eq!(invalid(builder().label("bad key", "v")).len(), 1);
    assert_eq!(invalid(builder().label("k", "-bad")).len(), 1);
    assert_eq!(
        invalid(BatchCr::builder("").clock(fixed_clock)),
        [
            "spec.cluster: Invalid value: \"\": the name of an Infinispan CR a lowercase RFC 1123 subdomain must \
          consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric \
          character"
        ]
    );
    assert!(
        builder()
            .name("take-offline-1")
            .script(&take_offline())
            .is_ok()
    );
}

#[test]
fn resources_follow_the_webhook() {
    for ok in ["1", "500m", "1:500m", "1Gi:1Gi", "2.5", "1e3:1k"] {
        assert!(
            builder().cpu(ok).memory(ok).script(&take_offline()).is_ok(),
            "{ok}"
        );
    }
    assert_eq!(
        invalid(builder().cpu("500m:1")),
        ["spec.container.cpu: Invalid value: \"500m:1\": CPU request '1' exceeds limit '500m'"]
    );
    assert_eq!(
        invalid(builder().memory("1Gi:5Gi")),
        [
            "spec.container.memory: Invalid value: \"1Gi:5Gi\": Memory request '5Gi' exceeds limit '1Gi'"
        ]
    );
    assert_eq!(
        invalid(builder().memory("1Gi:1Gi:1Gi")),
        [
            "spec.container.memory: Invalid value: \"1Gi:1Gi:1Gi\": unexpected resource format. Expected a string \
          of '<limit>:<request>' or '<limit>', received: '1Gi:1Gi:1Gi'"
        ]
    );
    assert_eq!(
        invalid(builder().cpu("one")),
        [
            "spec.container.cpu: Invalid value: \"one\": quantities must match the regular expression \
          '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
        ]
    );
    assert_eq!(invalid(builder().cpu("1:x")).len(), 1);
    assert_eq!(invalid(builder().memory("-1Gi")).len(), 1);
    // Request equal to limit, and 1Gi (binary) against 1G (decimal).
    assert!(builder().memory("1Gi:1G").script(&take_offline()).is_ok());
    assert_eq!(invalid(builder().memory("1G:1Gi")).len(), 1);
}

#[test]
fn config_xor_config_map() {
    let cr = builder().script(&take_offline()).unwrap();
    let mut both = cr.clone();
    both.batch.spec.config_map = Some("other".into());
    let messages: Vec<String> = both.violations().iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        [
            "spec.configMap: Required value: At most one of ['Spec.config', 'spec.ConfigMap'] must be configured"
        ]
    );
    let mut neither = cr.clone();
    neither.batch.spec.config = None;
    let messages: Vec<String> = neither
        .violations()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        messages,
        ["spec.configMap: Required value: 'Spec.config' OR 'spec.ConfigMap' must be configured"]
    );
    // An external ConfigMap (not shipped here) is fine.
    let mut external = cr.clone();
    external.batch.spec.config = None;
    external.batch.spec.config_map = Some("kcb-take-offline".into());
    assert!(external.violations().is_empty());
}

#[test]
fn shipped_config_map_must_match() {
    let cr = builder().config_map(true).script(&take_offline()).unwrap();
    let mut renamed = cr.clone();
    renamed.batch.spec.config_map = Some("other".into());
    assert_eq!(renamed.violations().len(), 1);
    let mut no_key = cr.clone();
    no_key.config_map.as_mut().unwrap().data.clear();
    assert_eq!(
        no_key
            .violations()
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["ConfigMap.data: needs the key 'batch': the Operator runs /etc/batch/batch"]
    );
    let mut other_ns = cr.clone();
    other_ns.config_map.as_mut().unwrap().metadata.namespace = Some("default".into());
    assert_eq!(other_ns.violations().len(), 1);
    let mut empty = cr;
    empty
        .config_map
        .as_mut()
        .unwrap()
        .data
        .insert("batch".into(), "\n".into());
    assert_eq!(empty.violations().len(), 1);
}

#[test]
fn identity_and_schema() {
    let mut cr = builder().script(&take_offline()).unwrap();
    cr.batch.kind = "Cache".into();
    cr.batch.api_version = "infinispan.org/v1".into();
    assert_eq!(
        cr.violations()
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        [
            "apiVersion: must be infinispan.org/v2alpha1",
            "kind: must be Batch"
        ]
    );
}

#[test]
fn scripts_that_would_fail_are_refused() {
    let bad = Script::from_commands(
        "bad",
        [
            Command::take_offline_all("site-a"),
            Command::Site(xsite_clish::SiteCommand::Status {
                cache: None,
                all_caches: false,
                site: None,
            }),
            Command::Quit,
        ],
    );
    let Err(CrError::Lint(errors)) = builder().script(&bad) else {
        panic!("expected a lint error")
    };
    let found: Vec<String> = errors.iter().map(ToString::to_string).collect();
    // Line numbers count the marker lines the builder added.
    assert_eq!(
        found,
        [
            "/etc/batch/batch:4: error: One of the 'cache' and 'all-caches' options are required",
            "/etc/batch/batch:6: error: `quit` is not a cli.sh batch command: batch 'quit' is not a batch command. \
             See 'batch --help'.",
        ]
    );
    let empty = Script::new("empty");
    assert!(matches!(builder().script(&empty), Err(CrError::Lint(_))));
    // 14.0 needs a container for --all-caches; the job starts in one, but not after `cd /`.
    let rooted = parse_script(
        "r",
        "cd /\nsite take-offline --all-caches --site=a\n",
        &NoVars,
    )
    .unwrap();
    assert!(builder().markers(false).script(&rooted).is_err());
    assert!(
        builder()
            .markers(false)
            .version(CliVersion::V15_0)
            .script(&rooted)
            .is_ok()
    );
}

#[test]
fn oc_commands() {
    let cr = builder().config_map(true).script(&take_offline()).unwrap();
    assert_eq!(cr.apply_command(), "oc -n keycloak apply -f -");
    assert_eq!(
        cr.logs_command(),
        "oc -n keycloak logs job/xsite-take-offline-20260901-120000-jlgq -c batch"
    );
    assert_eq!(
        cr.delete_command(),
        "oc -n keycloak delete --ignore-not-found \
         batches.v2alpha1.infinispan.org/xsite-take-offline-20260901-120000-jlgq \
         configmap/xsite-take-offline-20260901-120000-jlgq"
    );
    insta::assert_snapshot!("wait_script", cr.wait_script(Duration::from_secs(600)));
    let apply = cr.apply_script().unwrap();
    assert!(apply.starts_with("oc -n keycloak apply -f - <<'XSITE_EOF'\napiVersion: v1\n"));
    assert!(apply.ends_with("\nXSITE_EOF\n"));
    let no_ns = BatchCr::builder("infinispan")
        .script(&take_offline())
        .unwrap();
    assert_eq!(no_ns.apply_command(), "oc apply -f -");
}

/// The wait loop exits 0 on Succeeded, 1 on Failed, 2 on timeout, with a stub `oc`. The script
/// is for a POSIX shell, so a machine without `sh` fails the test rather than skipping it.
#[test]
fn wait_script_runs() {
    let sh = which("sh").expect("`sh` on PATH: the wait script is a POSIX shell script");
    let cr = builder().script(&take_offline()).unwrap();
    let dir = std::env::temp_dir().join(format!("xsite-wait-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (phase, code) in [("Succeeded", 0), ("Failed", 1), ("Running", 2)] {
        let oc = dir.join("oc");
        std::fs::write(&oc, format!("#!/bin/sh\necho {phase}\n")).unwrap();
        set_executable(&oc);
        let path = format!(
            "{}:{}",
            dir.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let status = std::process::Command::new(&sh)
            .arg("-c")
            .arg(cr.wait_script(Duration::from_secs(1)))
            .env("PATH", path)
            .output()
            .unwrap();
        assert_eq!(status.status.code(), Some(code), "{phase}: {status:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn which(program: &str) -> Option<std::path::PathBuf> {
    let path = std::env::var("PATH").ok()?;
    std::env::split_paths(&path)
        .map(|p| p.join(program))
        .find(|p| p.is_file())
}

#[cfg(unix)]
fn set_executable(path: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[cfg(not(unix))]
fn set_executable(_path: &std::path::Path) {}
