//! Batch CR generation for Infinispan / Data Grid cross-site operations, on top of the cli.sh
//! language ([`xsite_clish`]: parse, render, resolve and lint cli.sh commands and batch
//! scripts) and the SDK.
//!
//! - [`cr`]: the `Batch` (`infinispan.org/v2alpha1`) and `ConfigMap` resources, their YAML,
//!   their validation, and the `oc` commands that apply them and wait for them.
//! - [`check`]: reads a Batch job's log and reports every failed command.
//! - `kube` (cargo feature `kube`, off by default): creates a Batch through the Kubernetes API,
//!   waits for `Succeeded` or `Failed`, reads its log and checks it.
//! - [`procedures`]: the Keycloak cross-site runbooks (the SDK's [`xsite::runbook::Plan`]s) as
//!   scripts, one per step and site, with what each step's log must show.
//!
//! ```
//! use std::time::Duration;
//! use xsite_clish::{CliVersion, NoVars, parse_script};
//! use xsite_batch::{check, cr::BatchCr, procedures};
//!
//! // Procedure 1 on site-b: stop replicating to site-a and check it is offline.
//! let step = &procedures::switch_over("site-b", "site-a")[0];
//! let batch = BatchCr::builder("infinispan")
//!     .namespace("keycloak")
//!     .step(step.name.clone())
//!     .version(CliVersion::V14_0)
//!     .script(&step.script)?;
//! let yaml = batch.to_yaml()?; // for `batch.apply_command()`: oc -n keycloak apply -f -
//! let wait = batch.wait_script(Duration::from_secs(300)); // exits 0 Succeeded, 1 Failed
//! assert!(yaml.contains("site take-offline --all-caches --site=site-a"));
//! assert!(wait.contains("Failed)"));
//!
//! // Then read `oc logs job/<name> -c batch` against the script that ran.
//! let ran = parse_script("/etc/batch/batch", batch.script_text().unwrap(), &NoVars)?;
//! let log = "xsite-step-1\n{\n  \"work\" : \"ok\"\n}\nxsite-step-2\n{\n  \"status\" : \"offline\"\n}\n";
//! let report = check::check_log_with_script(log, &ran);
//! assert!(report.is_success());
//! assert_eq!(step.verdict(&report), procedures::Verdict::Done);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod check;
pub mod cr;
#[cfg(feature = "kube")]
pub mod kube;
pub mod procedures;
