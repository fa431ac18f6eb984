//! A small structural validator for the Batch CRD's `openAPIV3Schema`.
//!
//! Only what the Batch CRD uses: `type` (`object`, `string`, plus `integer`, `number`,
//! `boolean`, `array` for completeness), `properties` and `required`. An object with
//! `properties` rejects other fields (the API server would prune them, and `oc apply` with
//! strict field validation refuses them); an object without `properties` (`metadata`) accepts
//! anything, since the API server checks `ObjectMeta` itself.

use indexmap::IndexMap;
use serde_json::Value;

use super::Violation;

/// A node of an OpenAPI v3 schema, reduced to what is validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaNode {
    /// `type`, if given.
    pub kind: Option<String>,
    /// `properties` (empty when not given).
    pub properties: IndexMap<String, SchemaNode>,
    /// `required`.
    pub required: Vec<String>,
}

impl SchemaNode {
    fn typed(kind: &str) -> SchemaNode {
        SchemaNode {
            kind: Some(kind.to_owned()),
            properties: IndexMap::new(),
            required: Vec::new(),
        }
    }

    fn object(properties: &[(&str, SchemaNode)], required: &[&str]) -> SchemaNode {
        SchemaNode {
            kind: Some("object".to_owned()),
            properties: properties
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
            required: required.iter().map(|r| (*r).to_owned()).collect(),
        }
    }

    /// The structure of `batches.infinispan.org` version `v2alpha1` (infinispan-operator
    /// `config/crd/bases/infinispan.org_batches.yaml`, unchanged in structure since operator
    /// 2.4.5): `spec` needs `cluster`; `config`, `configMap` and `container.{cpu,memory}` are
    /// optional strings; `status` needs `phase`.
    pub fn batch_v2alpha1() -> SchemaNode {
        let string = || SchemaNode::typed("string");
        SchemaNode::object(
            &[
                ("apiVersion", string()),
                ("kind", string()),
                ("metadata", SchemaNode::typed("object")),
                (
                    "spec",
                    SchemaNode::object(
                        &[
                            ("cluster", string()),
                            ("config", string()),
                            ("configMap", string()),
                            (
                                "container",
                                SchemaNode::object(&[("cpu", string()), ("memory", string())], &[]),
                            ),
                        ],
                        &["cluster"],
                    ),
                ),
                (
                    "status",
                    SchemaNode::object(
                        &[
                            ("clusterUID", string()),
                            ("phase", string()),
                            ("reason", string()),
                        ],
                        &["phase"],
                    ),
                ),
            ],
            &[],
        )
    }

    /// Reads the `openAPIV3Schema` of `version` from a CRD document (e.g. the output of
    /// `oc get crd batches.infinispan.org -o yaml`), to validate against what a cluster serves.
    pub fn from_crd_yaml(yaml: &str, version: &str) -> Result<SchemaNode, String> {
        let crd: Value =
            serde_saphyr::from_str(yaml).map_err(|e| format!("cannot read the CRD: {e}"))?;
        let versions = crd
            .pointer("/spec/versions")
            .and_then(Value::as_array)
            .ok_or("the CRD has no spec.versions")?;
        let schema = versions
            .iter()
            .find(|v| v.get("name").and_then(Value::as_str) == Some(version))
            .ok_or_else(|| format!("the CRD does not serve version {version}"))?
            .pointer("/schema/openAPIV3Schema")
            .ok_or_else(|| format!("version {version} has no openAPIV3Schema"))?;
        Ok(SchemaNode::from_json(schema))
    }

    fn from_json(schema: &Value) -> SchemaNode {
        SchemaNode {
            kind: schema
                .get("type")
                .and_then(Value::as_str)
                .map(str::to_owned),
            properties: schema
                .get("properties")
                .and_then(Value::as_object)
                .map(|props| {
                    props
                        .iter()
                        .map(|(k, v)| (k.clone(), SchemaNode::from_json(v)))
                        .collect()
                })
                .unwrap_or_default(),
            required: schema
                .get("required")
                .and_then(Value::as_array)
                .map(|r| {
                    r.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    /// Checks `value` against this schema; each violation names its path
    /// (`spec.container.cpu`).
    pub fn validate(&self, value: &Value) -> Vec<Violation> {
        let mut out = Vec::new();
        self.check(value, "", &mut out);
        out
    }

    fn check(&self, value: &Value, path: &str, out: &mut Vec<Violation>) {
        let shown = if path.is_empty() { "<root>" } else { path };
        let type_ok = match self.kind.as_deref() {
            None => true,
            Some("object") => value.is_object(),
            Some("string") => value.is_string(),
            Some("integer") => value.is_i64() || value.is_u64(),
            Some("number") => value.is_number(),
            Some("boolean") => value.is_boolean(),
            Some("array") => value.is_array(),
            Some(_) => true,
        };
        if !type_ok {
            out.push(Violation::new(
                shown,
                format!(
                    "Invalid value: \"{}\": {shown} in body must be of type {}",
                    kind_of(value),
                    self.kind.as_deref().unwrap_or("?")
                ),
            ));
            return;
        }
        let Some(map) = value.as_object() else {
            return;
        };
        for required in &self.required {
            if !map.contains_key(required) {
                out.push(Violation::new(
                    &join(path, required),
                    "Required value".to_owned(),
                ));
            }
        }
        if self.properties.is_empty() {
            return;
        }
        for (key, child) in map {
            let child_path = join(path, key);
            match self.properties.get(key) {
                Some(schema) => schema.check(child, &child_path, out),
                None => out.push(Violation::new(
                    &child_path,
                    format!("unknown field \"{child_path}\""),
                )),
            }
        }
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn checks_required_types_and_unknown_fields() {
        let schema = SchemaNode::batch_v2alpha1();
        let ok = json!({"apiVersion": "infinispan.org/v2alpha1", "kind": "Batch",
            "metadata": {"name": "x", "anything": {"goes": 1}},
            "spec": {"cluster": "infinispan", "config": "site view\n", "container": {"cpu": "1"}}});
        assert!(schema.validate(&ok).is_empty());
        let bad = json!({"apiVersion": 2, "kind": "Batch", "metadata": {},
            "spec": {"config": "x", "configmap": "y", "container": {"cpu": 1, "gpu": "1"}}});
        let found: Vec<String> = schema
            .validate(&bad)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            found,
            [
                "apiVersion: Invalid value: \"number\": apiVersion in body must be of type string",
                "spec.cluster: Required value",
                "spec.configmap: unknown field \"spec.configmap\"",
                "spec.container.cpu: Invalid value: \"number\": spec.container.cpu in body must be of type string",
                "spec.container.gpu: unknown field \"spec.container.gpu\"",
            ]
        );
    }

    /// The built-in structure matches the CRD's structure kept in the repository
    /// (`fixtures/batches-crd.yaml`, written from the operator's CRD). `include_str!` makes a
    /// missing file a build failure rather than a silent pass.
    #[test]
    fn matches_the_crd_structure() {
        let text = include_str!("fixtures/batches-crd.yaml");
        let loaded = SchemaNode::from_crd_yaml(text, "v2alpha1").unwrap();
        assert_eq!(loaded, SchemaNode::batch_v2alpha1());
        assert!(SchemaNode::from_crd_yaml(text, "v1").is_err());
    }
}
