//! Running a Batch through the Kubernetes API (cargo feature `kube`, off by default): create its
//! ConfigMap (if any) and the Batch, wait until its phase is `Succeeded` or `Failed` (not only
//! `Succeeded`, which `oc wait` would wait for forever), read the job's log (container
//! `batch`), and check it as `xsite batch-check` does.
//!
//! ```no_run
//! # async fn demo(cr: xsite_batch::cr::BatchCr) -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//!
//! let client = kube::Client::try_default().await?;
//! let run = xsite_batch::kube::run_batch(client, &cr, Duration::from_secs(600)).await?;
//! println!("{} {:?}\n{}", run.name, run.phase, run.report);
//! assert!(run.is_success());
//! # Ok(()) }
//! ```

use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use kube::Client;
use kube::api::{
    Api, ApiResource, DynamicObject, GroupVersionKind, ListParams, LogParams, PostParams,
};

use crate::check::{CheckReport, check_log, check_log_with_script};
use crate::cr::{API_VERSION, BatchCr, JOB_CONTAINER, KIND};
use xsite_clish::{NoVars, Parser};

/// How often the phase is read.
pub const POLL: Duration = Duration::from_secs(2);

/// The terminal phase a Batch reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// The job exited 0 (before 16.0.9, even if commands failed: see the report).
    Succeeded,
    /// The job failed, or the operator could not run it.
    Failed,
}

/// What a Batch run came to.
#[derive(Debug, Clone)]
pub struct BatchRun {
    /// The Batch's name.
    pub name: String,
    /// Its terminal phase.
    pub phase: Phase,
    /// `status.reason` (set on `Failed`: the log, or the operator's error).
    pub reason: Option<String>,
    /// The job's log (empty if no pod ran).
    pub log: String,
    /// The check of the log against the script that ran.
    pub report: CheckReport,
}

impl BatchRun {
    /// `Succeeded`, and no failure in the log.
    pub fn is_success(&self) -> bool {
        self.phase == Phase::Succeeded && self.report.is_success()
    }
}

/// Why a Batch could not be run or followed.
#[derive(Debug, thiserror::Error)]
pub enum KubeError {
    /// The Kubernetes API refused or failed a request.
    #[error("Kubernetes API: {0}")]
    Api(#[from] kube::Error),
    /// A resource could not be converted.
    #[error("resource conversion: {0}")]
    Json(#[from] serde_json::Error),
    /// The phase was not terminal in time.
    #[error("Batch {name}: phase '{phase}' after {waited:?}")]
    Timeout {
        /// The Batch.
        name: String,
        /// The last phase seen (empty: none yet).
        phase: String,
        /// How long it was waited for.
        waited: Duration,
    },
}

/// The API resource of `Batch` (`batches.v2alpha1.infinispan.org`).
pub fn batch_resource() -> ApiResource {
    let (group, version) = API_VERSION.split_once('/').expect("group/version");
    ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, version, KIND), "batches")
}

/// The Batch as a dynamic object for the API.
pub fn batch_object(cr: &BatchCr) -> Result<DynamicObject, serde_json::Error> {
    serde_json::from_value(serde_json::to_value(&cr.batch)?)
}

/// The ConfigMap shipped with the Batch, if any, as the API type.
pub fn config_map_object(cr: &BatchCr) -> Result<Option<ConfigMap>, serde_json::Error> {
    cr.config_map
        .as_ref()
        .map(|cm| serde_json::from_value(serde_json::to_value(cm)?))
        .transpose()
}

/// Creates the Batch (and its ConfigMap first), waits up to `timeout` for `Succeeded` or
/// `Failed`, reads the log of its job's pod, and checks it against the script.
pub async fn run_batch(
    client: Client,
    cr: &BatchCr,
    timeout: Duration,
) -> Result<BatchRun, KubeError> {
    let namespace = cr
        .namespace()
        .map(str::to_owned)
        .unwrap_or_else(|| client.default_namespace().to_owned());
    if let Some(cm) = config_map_object(cr)? {
        let api: Api<ConfigMap> = Api::namespaced(client.clone(), &namespace);
        api.create(&PostParams::default(), &cm).await?;
    }
    let batches: Api<DynamicObject> =
        Api::namespaced_with(client.clone(), &namespace, &batch_resource());
    batches
        .create(&PostParams::default(), &batch_object(cr)?)
        .await?;
    let name = cr.name().to_owned();
    let started = Instant::now();
    let (phase, reason) = loop {
        let object = batches.get(&name).await?;
        let status = object.data.get("status");
        let phase_text = status
            .and_then(|s| s.get("phase"))
            .and_then(|p| p.as_str())
            .unwrap_or_default()
            .to_owned();
        let reason = status
            .and_then(|s| s.get("reason"))
            .and_then(|r| r.as_str())
            .filter(|r| !r.is_empty())
            .map(str::to_owned);
        match phase_text.as_str() {
            "Succeeded" => break (Phase::Succeeded, reason),
            "Failed" => break (Phase::Failed, reason),
            _ => {}
        }
        if started.elapsed() >= timeout {
            return Err(KubeError::Timeout {
                name,
                phase: phase_text,
                waited: timeout,
            });
        }
        tokio::time::sleep(POLL).await;
    };
    let log = job_log(&client, &namespace, &name).await?;
    // Without a pod (the operator failed before the job ran), the reason is all there is.
    let text = if log.is_empty() {
        reason.clone().unwrap_or_default()
    } else {
        log.clone()
    };
    let report = match cr.script_text() {
        Some(script) => check_log_with_script(
            &text,
            &Parser::new().parse_script_lines(crate::cr::SCRIPT_PATH, script, &NoVars),
        ),
        None => check_log(&text),
    };
    Ok(BatchRun {
        name,
        phase,
        reason,
        log,
        report,
    })
}

/// The log of the `batch` container of the job's pod (`oc logs job/<name> -c batch`).
async fn job_log(client: &Client, namespace: &str, job: &str) -> Result<String, KubeError> {
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let list = pods
        .list(&ListParams::default().labels(&format!("job-name={job}")))
        .await?;
    let Some(pod) = list.items.first().and_then(|p| p.metadata.name.clone()) else {
        return Ok(String::new());
    };
    let params = LogParams {
        container: Some(JOB_CONTAINER.to_owned()),
        ..LogParams::default()
    };
    Ok(pods.logs(&pod, &params).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use xsite_clish::Script;

    #[test]
    fn resources_convert_for_the_api() {
        let script = Script::from_commands("s", [xsite_clish::Command::status_all("site-a")]);
        let cr = BatchCr::builder("infinispan")
            .namespace("keycloak")
            .name("status-site-a")
            .config_map(true)
            .script(&script)
            .unwrap();
        let batch = batch_object(&cr).unwrap();
        assert_eq!(batch.metadata.name.as_deref(), Some("status-site-a"));
        assert_eq!(batch.types.as_ref().unwrap().kind, "Batch");
        assert_eq!(batch.data["spec"]["configMap"], "status-site-a");
        let cm = config_map_object(&cr).unwrap().unwrap();
        assert!(cm.data.unwrap()["batch"].contains("site status --all-caches --site=site-a"));
        assert_eq!(batch_resource().plural, "batches");
    }
}
