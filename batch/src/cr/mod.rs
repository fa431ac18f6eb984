//! The `Batch` custom resource (`infinispan.org/v2alpha1`) and its `ConfigMap`: types, a
//! builder, YAML for `oc apply -f -`, validation, and the `oc` commands around them.
//!
//! Validation covers what the API server and the Operator's admission webhook check (the CRD
//! structure; exactly one of `spec.config` / `spec.configMap`; `spec.container.cpu|memory` in
//! `limit[:request]` form with request ≤ limit; names) and a few things they do not check but
//! that make a Batch hang or fail later (an empty cluster name, an empty script).

use std::fmt;
use std::time::SystemTime;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize, Serializer};

use xsite_clish::{CliVersion, Context, Diagnostic, Script, Severity, lint};

pub mod names;
mod oc;
mod quantity;
mod schema;

pub use quantity::{Quantity, QuantityError};
pub use schema::SchemaNode;

/// `apiVersion` of a Batch.
pub const API_VERSION: &str = "infinispan.org/v2alpha1";
/// `kind` of a Batch.
pub const KIND: &str = "Batch";
/// The fully qualified resource name, for `oc get/delete` without clashing with another
/// CRD whose kind is also `Batch`.
pub const RESOURCE: &str = "batches.v2alpha1.infinispan.org";
/// Where the Operator mounts the script in the Job's pod; cli.sh reports errors with this
/// file name.
pub const SCRIPT_PATH: &str = "/etc/batch/batch";
/// The ConfigMap key the Operator runs (`--file /etc/batch/batch`).
pub const CONFIG_MAP_KEY: &str = "batch";
/// The name of the Job's container that runs cli.sh (operator 2.4.11 and later; before, it
/// was the Batch's name).
pub const JOB_CONTAINER: &str = "batch";

/// Label naming the tool that made the resource.
pub const LABEL_MANAGED_BY: &str = "app.kubernetes.io/managed-by";
/// Its value.
pub const MANAGED_BY: &str = "xsite";
/// Label naming the procedure (runbook) a Batch belongs to.
pub const LABEL_PROCEDURE: &str = "xsite/procedure";
/// Label naming the step of the procedure.
pub const LABEL_STEP: &str = "xsite/step";
/// Label naming the site whose cluster the Batch must be applied on (runbooks span two sites).
pub const LABEL_SITE: &str = "xsite/site";
/// Annotation saying, for a person, where and in which order a runbook's Batch is applied.
pub const ANNOTATION_APPLY_ON: &str = "xsite/apply-on";

/// The prefix of generated names when no procedure or step is given.
const DEFAULT_PREFIX: &str = "xsite";

/// `metadata` of the resources made here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectMeta {
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace`: the Infinispan CR's namespace (`oc`'s current one when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// `metadata.labels`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub labels: IndexMap<String, String>,
    /// `metadata.annotations`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub annotations: IndexMap<String, String>,
}

/// A `Batch`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Batch {
    /// Always [`API_VERSION`].
    pub api_version: String,
    /// Always [`KIND`].
    pub kind: String,
    /// Name, namespace, labels.
    pub metadata: ObjectMeta,
    /// What to run, where.
    pub spec: BatchSpec,
}

/// `spec` of a Batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchSpec {
    /// The Infinispan CR, in the Batch's namespace.
    pub cluster: String,
    /// The script, inline (written as a YAML literal block).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "literal"
    )]
    pub config: Option<String>,
    /// The name of a ConfigMap holding the script under key `batch`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_map: Option<String>,
    /// Resources of the Job's container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<BatchContainer>,
}

/// `spec.container` of a Batch: `limit[:request]` strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct BatchContainer {
    /// CPU, e.g. `500m` or `1:500m`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<String>,
    /// Memory, e.g. `512Mi` or `1Gi:512Mi`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<String>,
}

/// A `ConfigMap` holding a script under key `batch`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigMap {
    /// Always `v1`.
    pub api_version: String,
    /// Always `ConfigMap`.
    pub kind: String,
    /// Name, namespace, labels.
    pub metadata: ObjectMeta,
    /// The files; [`CONFIG_MAP_KEY`] is the script.
    #[serde(serialize_with = "literal_map")]
    pub data: IndexMap<String, String>,
}

/// Writes a string as a YAML literal block (`|`), so the script reads as written.
fn literal<S: Serializer>(value: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(text) => serde_saphyr::LitStr(text).serialize(s),
        None => s.serialize_none(),
    }
}

fn literal_map<S: Serializer>(map: &IndexMap<String, String>, s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut out = s.serialize_map(Some(map.len()))?;
    for (k, v) in map {
        out.serialize_entry(k, &serde_saphyr::LitStr(v))?;
    }
    out.end()
}

/// A Batch, and the ConfigMap holding its script when it does not carry it inline.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchCr {
    /// The Batch.
    pub batch: Batch,
    /// The ConfigMap, when the script is in one made here.
    pub config_map: Option<ConfigMap>,
    /// The lint warnings of the script (errors prevent building).
    pub warnings: Vec<Diagnostic>,
}

/// One rule a resource breaks, with the path of the field (`spec.container.cpu`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The field.
    pub path: String,
    /// What is wrong, worded like the API server or the webhook where they have a message.
    pub message: String,
}

impl Violation {
    pub(crate) fn new(path: &str, message: String) -> Violation {
        Violation {
            path: path.to_owned(),
            message,
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Why a Batch could not be built or read.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CrError {
    /// The script would fail in cli.sh.
    #[error("the script would fail in cli.sh:\n{}", list(.0))]
    Lint(Vec<Diagnostic>),
    /// The resources break the CRD, the webhook or naming rules.
    #[error("the Batch '{name}' is invalid:\n{}", list(.violations))]
    Invalid {
        /// `metadata.name`.
        name: String,
        /// Every violation.
        violations: Vec<Violation>,
    },
    /// YAML could not be written or read.
    #[error("YAML: {0}")]
    Yaml(String),
}

fn list<T: fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(|i| format!("  {i}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Builds a [`BatchCr`]: see [`BatchCr::builder`].
pub struct BatchBuilder {
    cluster: String,
    namespace: Option<String>,
    name: Option<String>,
    procedure: Option<String>,
    step: Option<String>,
    config_map: bool,
    cpu: Option<String>,
    memory: Option<String>,
    labels: IndexMap<String, String>,
    annotations: IndexMap<String, String>,
    version: CliVersion,
    markers: bool,
    clock: Box<dyn Fn() -> SystemTime + Send + Sync>,
    rng: Box<dyn FnMut() -> u32 + Send>,
}

impl fmt::Debug for BatchBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BatchBuilder")
            .field("cluster", &self.cluster)
            .field("namespace", &self.namespace)
            .field("name", &self.name)
            .field("procedure", &self.procedure)
            .field("step", &self.step)
            .field("config_map", &self.config_map)
            .field("cpu", &self.cpu)
            .field("memory", &self.memory)
            .field("labels", &self.labels)
            .field("annotations", &self.annotations)
            .field("version", &self.version)
            .field("markers", &self.markers)
            .finish_non_exhaustive()
    }
}

impl BatchCr {
    /// Starts a Batch for the Infinispan CR named `cluster`.
    ///
    /// By default: the name is unique per run (`xsite-<step>-<UTC time>-<random>`), the script
    /// is inline, it gets `echo` markers between commands (see [`Script::with_markers`]), and it
    /// is linted for cli.sh [`CliVersion::default`].
    pub fn builder(cluster: impl Into<String>) -> BatchBuilder {
        BatchBuilder {
            cluster: cluster.into(),
            namespace: None,
            name: None,
            procedure: None,
            step: None,
            config_map: false,
            cpu: None,
            memory: None,
            labels: IndexMap::new(),
            annotations: IndexMap::new(),
            version: CliVersion::default(),
            markers: true,
            clock: Box::new(SystemTime::now),
            rng: Box::new(rand::random::<u32>),
        }
    }

    /// `metadata.name`.
    pub fn name(&self) -> &str {
        &self.batch.metadata.name
    }

    /// `metadata.namespace`.
    pub fn namespace(&self) -> Option<&str> {
        self.batch.metadata.namespace.as_deref()
    }

    /// The script the Batch runs.
    pub fn script_text(&self) -> Option<&str> {
        if let Some(config) = &self.batch.spec.config {
            return Some(config);
        }
        self.config_map
            .as_ref()?
            .data
            .get(CONFIG_MAP_KEY)
            .map(String::as_str)
    }

    /// Every rule the resources break: the CRD structure (built in), the webhook, names,
    /// labels, and that the YAML reads back unchanged.
    pub fn violations(&self) -> Vec<Violation> {
        self.violations_against(&SchemaNode::batch_v2alpha1())
    }

    /// Like [`BatchCr::violations`], with a CRD schema read from a cluster
    /// ([`SchemaNode::from_crd_yaml`]).
    pub fn violations_against(&self, schema: &SchemaNode) -> Vec<Violation> {
        let mut out = Vec::new();
        match serde_json::to_value(&self.batch) {
            Ok(value) => out.extend(schema.validate(&value)),
            Err(e) => out.push(Violation::new(
                "",
                format!("cannot be written as JSON: {e}"),
            )),
        }
        let b = &self.batch;
        if b.api_version != API_VERSION {
            out.push(Violation::new(
                "apiVersion",
                format!("must be {API_VERSION}"),
            ));
        }
        if b.kind != KIND {
            out.push(Violation::new("kind", format!("must be {KIND}")));
        }
        out.extend(metadata_violations(&b.metadata, "metadata"));
        if let Some(e) = names::dns1123_subdomain_error(&b.spec.cluster) {
            out.push(Violation::new(
                "spec.cluster",
                format!(
                    "Invalid value: \"{}\": the name of an Infinispan CR {e}",
                    b.spec.cluster
                ),
            ));
        }
        out.extend(webhook_violations(&b.spec));
        if let Some(config) = &b.spec.config {
            out.extend(script_violations(config, "spec.config"));
        }
        if let Some(cm_name) = &b.spec.config_map
            && let Some(e) = names::dns1123_subdomain_error(cm_name)
        {
            out.push(Violation::new(
                "spec.configMap",
                format!("Invalid value: \"{cm_name}\": {e}"),
            ));
        }
        if let Some(cm) = &self.config_map {
            out.extend(config_map_violations(cm, b));
        }
        if out.is_empty()
            && let Err(e) = self.check_yaml_round_trip()
        {
            out.push(Violation::new("", e));
        }
        out
    }

    /// `Ok` if [`BatchCr::violations`] is empty.
    pub fn validate(&self) -> Result<(), CrError> {
        let violations = self.violations();
        if violations.is_empty() {
            Ok(())
        } else {
            Err(CrError::Invalid {
                name: self.name().to_owned(),
                violations,
            })
        }
    }

    /// The YAML for `oc apply -f -`: the ConfigMap (if any) first, then the Batch, as
    /// documents separated by `---`. The script is a literal block (`|`).
    pub fn to_yaml(&self) -> Result<String, CrError> {
        let yaml_err = |e: serde_saphyr::ser::Error| CrError::Yaml(e.to_string());
        let mut docs = Vec::new();
        if let Some(cm) = &self.config_map {
            docs.push(serde_saphyr::to_string(cm).map_err(yaml_err)?);
        }
        docs.push(serde_saphyr::to_string(&self.batch).map_err(yaml_err)?);
        Ok(docs.join("---\n"))
    }

    /// Reads the YAML written by [`BatchCr::to_yaml`] (or any Batch, with an optional
    /// ConfigMap).
    pub fn from_yaml(yaml: &str) -> Result<BatchCr, CrError> {
        let docs: Vec<serde_json::Value> =
            serde_saphyr::from_multiple(yaml).map_err(|e| CrError::Yaml(e.to_string()))?;
        let mut batch = None;
        let mut config_map = None;
        for doc in docs {
            let kind = doc
                .get("kind")
                .and_then(|k| k.as_str())
                .unwrap_or_default()
                .to_owned();
            let json_err = |e: serde_json::Error| CrError::Yaml(format!("{kind}: {e}"));
            match kind.as_str() {
                KIND => batch = Some(serde_json::from_value::<Batch>(doc).map_err(json_err)?),
                "ConfigMap" => {
                    config_map = Some(serde_json::from_value::<ConfigMap>(doc).map_err(json_err)?)
                }
                other => {
                    return Err(CrError::Yaml(format!(
                        "unexpected document of kind '{other}'"
                    )));
                }
            }
        }
        let batch = batch.ok_or_else(|| CrError::Yaml("no Batch document".to_owned()))?;
        Ok(BatchCr {
            batch,
            config_map,
            warnings: Vec::new(),
        })
    }

    fn check_yaml_round_trip(&self) -> Result<(), String> {
        let yaml = self.to_yaml().map_err(|e| e.to_string())?;
        let back =
            BatchCr::from_yaml(&yaml).map_err(|e| format!("the YAML does not read back: {e}"))?;
        if back.batch != self.batch || back.config_map != self.config_map {
            return Err("the YAML reads back as a different resource".to_owned());
        }
        Ok(())
    }
}

impl BatchBuilder {
    /// `metadata.namespace`: the Infinispan CR's namespace.
    pub fn namespace(mut self, namespace: impl Into<String>) -> BatchBuilder {
        self.namespace = Some(namespace.into());
        self
    }

    /// A fixed `metadata.name` instead of a unique one. A Batch cannot be re-run or edited:
    /// applying the same name again does nothing, or is refused if the spec differs.
    pub fn name(mut self, name: impl Into<String>) -> BatchBuilder {
        self.name = Some(name.into());
        self
    }

    /// The procedure (runbook) this Batch belongs to: label [`LABEL_PROCEDURE`].
    pub fn procedure(mut self, procedure: impl Into<String>) -> BatchBuilder {
        self.procedure = Some(procedure.into());
        self
    }

    /// The step of the procedure: label [`LABEL_STEP`], and the start of the generated name.
    pub fn step(mut self, step: impl Into<String>) -> BatchBuilder {
        self.step = Some(step.into());
        self
    }

    /// Puts the script in a ConfigMap of the same name (applied before the Batch) rather than
    /// inline. Deleting the Batch does not delete that ConfigMap.
    pub fn config_map(mut self, config_map: bool) -> BatchBuilder {
        self.config_map = config_map;
        self
    }

    /// `spec.container.cpu`, `limit[:request]` (e.g. `500m` or `1:500m`).
    pub fn cpu(mut self, cpu: impl Into<String>) -> BatchBuilder {
        self.cpu = Some(cpu.into());
        self
    }

    /// `spec.container.memory`, `limit[:request]` (e.g. `1Gi:512Mi`).
    pub fn memory(mut self, memory: impl Into<String>) -> BatchBuilder {
        self.memory = Some(memory.into());
        self
    }

    /// An extra label on the Batch (and its ConfigMap).
    pub fn label(mut self, key: impl Into<String>, value: impl Into<String>) -> BatchBuilder {
        self.labels.insert(key.into(), value.into());
        self
    }

    /// An annotation on the Batch (and its ConfigMap).
    pub fn annotation(mut self, key: impl Into<String>, value: impl Into<String>) -> BatchBuilder {
        self.annotations.insert(key.into(), value.into());
        self
    }

    /// The cli.sh version of the cluster (the server image), for lint.
    pub fn version(mut self, version: CliVersion) -> BatchBuilder {
        self.version = version;
        self
    }

    /// Whether to put `echo` markers between commands (default: yes).
    pub fn markers(mut self, markers: bool) -> BatchBuilder {
        self.markers = markers;
        self
    }

    /// The clock for generated names (tests).
    pub fn clock(mut self, clock: impl Fn() -> SystemTime + Send + Sync + 'static) -> BatchBuilder {
        self.clock = Box::new(clock);
        self
    }

    /// The random source for generated names (tests).
    pub fn rng(mut self, rng: impl FnMut() -> u32 + Send + 'static) -> BatchBuilder {
        self.rng = Box::new(rng);
        self
    }

    /// Builds the resources for `script`: lints it as a Batch job runs it (any error refuses),
    /// names them, and validates them.
    pub fn script(mut self, script: &Script) -> Result<BatchCr, CrError> {
        let mut script = if self.markers {
            script.with_markers()
        } else {
            script.clone()
        };
        script.name = SCRIPT_PATH.to_owned();
        let diagnostics = lint(&script, &Context::batch_job(self.version));
        let (errors, warnings): (Vec<Diagnostic>, Vec<Diagnostic>) = diagnostics
            .into_iter()
            .partition(|d| d.severity == Severity::Error);
        if !errors.is_empty() {
            return Err(CrError::Lint(errors));
        }
        let text = script.render();
        let name = match self.name.take() {
            Some(name) => name,
            None => {
                let prefix = match (&self.procedure, &self.step) {
                    (_, Some(step)) => format!("{DEFAULT_PREFIX}-{step}"),
                    (Some(procedure), None) => format!("{DEFAULT_PREFIX}-{procedure}"),
                    (None, None) => DEFAULT_PREFIX.to_owned(),
                };
                names::unique_name(&prefix, (self.clock)(), (self.rng)())
            }
        };
        let mut labels = IndexMap::new();
        labels.insert(LABEL_MANAGED_BY.to_owned(), MANAGED_BY.to_owned());
        if let Some(procedure) = &self.procedure {
            labels.insert(LABEL_PROCEDURE.to_owned(), label_value(procedure));
        }
        if let Some(step) = &self.step {
            labels.insert(LABEL_STEP.to_owned(), label_value(step));
        }
        labels.extend(self.labels);
        let metadata = ObjectMeta {
            name: name.clone(),
            namespace: self.namespace,
            labels,
            annotations: self.annotations,
        };
        let container = (self.cpu.is_some() || self.memory.is_some()).then_some(BatchContainer {
            cpu: self.cpu,
            memory: self.memory,
        });
        let (config, config_map_name, config_map) = if self.config_map {
            let cm = ConfigMap {
                api_version: "v1".to_owned(),
                kind: "ConfigMap".to_owned(),
                metadata: metadata.clone(),
                data: IndexMap::from([(CONFIG_MAP_KEY.to_owned(), text)]),
            };
            (None, Some(name), Some(cm))
        } else {
            (Some(text), None, None)
        };
        let cr = BatchCr {
            batch: Batch {
                api_version: API_VERSION.to_owned(),
                kind: KIND.to_owned(),
                metadata,
                spec: BatchSpec {
                    cluster: self.cluster,
                    config,
                    config_map: config_map_name,
                    container,
                },
            },
            config_map,
            warnings,
        };
        cr.validate()?;
        Ok(cr)
    }
}

/// A label value from free text: sanitized and cut to 63 characters.
fn label_value(text: &str) -> String {
    let mut value = names::sanitize(text);
    value.truncate(names::MAX_LABEL);
    value.trim_end_matches('-').to_owned()
}

fn metadata_violations(meta: &ObjectMeta, at: &str) -> Vec<Violation> {
    let mut out = Vec::new();
    if let Some(e) = names::dns1123_label_error(&meta.name) {
        out.push(Violation::new(
            &format!("{at}.name"),
            format!("Invalid value: \"{}\": {e}", meta.name),
        ));
    }
    if let Some(ns) = &meta.namespace
        && let Some(e) = names::dns1123_label_error(ns)
    {
        out.push(Violation::new(
            &format!("{at}.namespace"),
            format!("Invalid value: \"{ns}\": {e}"),
        ));
    }
    for key in meta.annotations.keys() {
        if let Some(e) = names::label_key_error(key) {
            out.push(Violation::new(
                &format!("{at}.annotations"),
                format!("Invalid value: \"{key}\": {e}"),
            ));
        }
    }
    for (key, value) in &meta.labels {
        if let Some(e) = names::label_key_error(key) {
            out.push(Violation::new(
                &format!("{at}.labels"),
                format!("Invalid value: \"{key}\": {e}"),
            ));
        }
        if let Some(e) = names::label_value_error(value) {
            out.push(Violation::new(
                &format!("{at}.labels"),
                format!("Invalid value: \"{value}\": {e}"),
            ));
        }
    }
    out
}

/// The checks of the Operator's admission webhook (`api/v2alpha1/batch_webhook.go`): exactly
/// one of `config` / `configMap`, and `container.cpu|memory` parseable with request ≤ limit.
/// Messages as the webhook words them.
pub fn webhook_violations(spec: &BatchSpec) -> Vec<Violation> {
    let mut out = Vec::new();
    if let Some(container) = &spec.container {
        if let Some(cpu) = &container.cpu {
            out.extend(resource_violation("CPU", "spec.container.cpu", cpu));
        }
        if let Some(memory) = &container.memory {
            out.extend(resource_violation(
                "Memory",
                "spec.container.memory",
                memory,
            ));
        }
    }
    match (&spec.config, &spec.config_map) {
        (None, None) => out.push(Violation::new(
            "spec.configMap",
            "Required value: 'Spec.config' OR 'spec.ConfigMap' must be configured".to_owned(),
        )),
        (Some(_), Some(_)) => out.push(Violation::new(
            "spec.configMap",
            "Required value: At most one of ['Spec.config', 'spec.ConfigMap'] must be configured"
                .to_owned(),
        )),
        _ => {}
    }
    out
}

/// `limit[:request]` (`api/v1/types_util.go` `GetRequestLimits`), request ≤ limit.
fn resource_violation(kind: &str, path: &str, value: &str) -> Option<Violation> {
    // The webhook skips an empty string.
    if value.is_empty() {
        return None;
    }
    let invalid = |detail: String| {
        Some(Violation::new(
            path,
            format!("Invalid value: \"{value}\": {detail}"),
        ))
    };
    let parts: Vec<&str> = value.split(':').collect();
    if parts.len() > 2 {
        return invalid(format!(
            "unexpected resource format. Expected a string of '<limit>:<request>' or '<limit>', received: '{value}'"
        ));
    }
    let limit = match parts[0].parse::<Quantity>() {
        Ok(q) => q,
        Err(e) => return invalid(e.to_string()),
    };
    let (request, request_text) = match parts.get(1) {
        Some(text) => match text.parse::<Quantity>() {
            Ok(q) => (q, *text),
            Err(e) => return invalid(e.to_string()),
        },
        None => (limit, parts[0]),
    };
    // Not a webhook check, but the Job's pod would be refused.
    if limit.is_negative() || request.is_negative() {
        return invalid("must be greater than or equal to 0".to_owned());
    }
    if request > limit {
        return invalid(format!(
            "{kind} request '{request_text}' exceeds limit '{}'",
            parts[0]
        ));
    }
    None
}

fn script_violations(script: &str, path: &str) -> Vec<Violation> {
    let mut out = Vec::new();
    if script.trim().is_empty() {
        out.push(Violation::new(path, "the script is empty".to_owned()));
    }
    if script
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        out.push(Violation::new(
            path,
            "the script holds a control character".to_owned(),
        ));
    }
    out
}

fn config_map_violations(cm: &ConfigMap, batch: &Batch) -> Vec<Violation> {
    let mut out = Vec::new();
    if cm.api_version != "v1" || cm.kind != "ConfigMap" {
        out.push(Violation::new(
            "ConfigMap",
            "must be apiVersion v1, kind ConfigMap".to_owned(),
        ));
    }
    if let Some(e) = names::dns1123_subdomain_error(&cm.metadata.name) {
        out.push(Violation::new(
            "ConfigMap.metadata.name",
            format!("Invalid value: \"{}\": {e}", cm.metadata.name),
        ));
    }
    out.extend(
        metadata_violations(&cm.metadata, "ConfigMap.metadata")
            .into_iter()
            .filter(|v| v.path != "ConfigMap.metadata.name"),
    );
    if batch.spec.config_map.as_deref() != Some(cm.metadata.name.as_str()) {
        out.push(Violation::new(
            "spec.configMap",
            format!(
                "must name the ConfigMap '{}' shipped with the Batch",
                cm.metadata.name
            ),
        ));
    }
    if cm.metadata.namespace != batch.metadata.namespace {
        out.push(Violation::new(
            "ConfigMap.metadata.namespace",
            "must be the Batch's namespace".to_owned(),
        ));
    }
    match cm.data.get(CONFIG_MAP_KEY) {
        Some(script) => out.extend(script_violations(script, "ConfigMap.data.batch")),
        None => out.push(Violation::new(
            "ConfigMap.data",
            format!(
                "needs the key '{CONFIG_MAP_KEY}': the Operator runs /etc/batch/{CONFIG_MAP_KEY}"
            ),
        )),
    }
    out
}

#[cfg(test)]
mod tests;
