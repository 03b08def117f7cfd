//! One AdmissionReview: parse, judge, answer.

use std::sync::Arc;

use rampart_diagnostics::{Finding, Severity};
use rampart_linter::admission::ModeLevels;
use rampart_linter::checker::{CheckOptions, check_file};
use rampart_linter::pss::{Level, PolicyVersion};
use rampart_source::SourceFile;
use serde_json::{Value, json};

use crate::namespaces::{NamespaceLabelSource, PodCheckLimits, PodLister, namespace_warnings};
use crate::policy::{ModePolicy, NamespacePolicy, resolve};

/// What a violation does (the command line's single mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Deny Pods; warn and audit workload controllers.
    Enforce,
    /// Allow, with a warning per violation.
    Warn,
    /// Allow, with audit annotations.
    Audit,
}

/// The policy the webhook applies.
#[derive(Clone)]
pub struct Engine {
    /// Checks, config (exceptions, `admission:` levels per namespace).
    pub options: Arc<CheckOptions>,
    /// The levels where the config's `admission:` section says nothing.
    pub fallback: ModeLevels,
    /// Findings below this severity are not reported.
    pub min_severity: Severity,
    /// The namespaces' Pod Security labels (`None`: not read).
    pub namespaces: Option<Arc<dyn NamespaceLabelSource>>,
    /// Lists a namespace's pods when its enforce level becomes stricter
    /// (`None`: no check of existing pods).
    pub pods: Option<Arc<dyn PodLister>>,
    /// How far that check goes.
    pub pod_check: PodCheckLimits,
}

impl Engine {
    /// One mode at one level, for namespaces the config does not name.
    pub fn new(options: Arc<CheckOptions>, mode: Mode, level: Level) -> Self {
        let version = options.pss_version;
        let on = Some(level);
        let fallback = match mode {
            Mode::Enforce => ModeLevels {
                enforce: on,
                warn: None,
                audit: None,
                version,
            },
            Mode::Warn => ModeLevels {
                enforce: None,
                warn: on,
                audit: None,
                version,
            },
            Mode::Audit => ModeLevels {
                enforce: None,
                warn: None,
                audit: on,
                version,
            },
        };
        Self {
            options,
            fallback,
            min_severity: Severity::Info,
            namespaces: None,
            pods: None,
            pod_check: PodCheckLimits::default(),
        }
    }

    /// Reads the namespaces' Pod Security labels from `source`.
    pub fn with_namespaces(mut self, source: Arc<dyn NamespaceLabelSource>) -> Self {
        self.namespaces = Some(source);
        self
    }

    /// Judges a namespace's existing pods, listed by `lister`, when its
    /// enforce level becomes stricter.
    pub fn with_pod_lister(mut self, lister: Arc<dyn PodLister>) -> Self {
        self.pods = Some(lister);
        self
    }

    /// The levels of `namespace`: the config's entry, its labels, the
    /// config's default, the command line (per mode, in that order).
    pub fn policy_for(&self, namespace: &str) -> NamespacePolicy {
        let labels = self.namespaces.as_ref().and_then(|s| s.labels(namespace));
        resolve(
            &self.options.config.admission,
            namespace,
            labels.as_ref(),
            self.fallback,
        )
    }

    /// Whether the namespace cache (when labels are read) has synced.
    pub fn is_ready(&self) -> bool {
        self.namespaces.as_ref().is_none_or(|s| s.is_synced())
    }
}

/// A request the webhook cannot judge: answered with HTTP 400.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReviewError {
    #[error("the body is not JSON: {0}")]
    NotJson(String),
    #[error("not an admission.k8s.io/v1 AdmissionReview with a request")]
    NotAReview,
    #[error("the request has no uid")]
    NoUid,
}

/// Kinds whose pod template is judged (warn and audit only, as PSA does).
const WORKLOAD_KINDS: [&str; 7] = [
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
];

/// Judges one AdmissionReview body and returns the AdmissionReview response.
pub fn review(body: &[u8], engine: &Engine) -> Result<Value, ReviewError> {
    let review: Value =
        serde_json::from_slice(body).map_err(|e| ReviewError::NotJson(e.to_string()))?;
    let request = review
        .get("request")
        .filter(|r| r.is_object())
        .ok_or(ReviewError::NotAReview)?;
    if review.get("apiVersion").and_then(Value::as_str) != Some("admission.k8s.io/v1") {
        return Err(ReviewError::NotAReview);
    }
    let uid = request
        .get("uid")
        .and_then(Value::as_str)
        .ok_or(ReviewError::NoUid)?;
    let kind = request
        .pointer("/kind/kind")
        .and_then(Value::as_str)
        .unwrap_or("");
    let operation = request
        .get("operation")
        .and_then(Value::as_str)
        .unwrap_or("");
    let sub_resource = request
        .get("subResource")
        .and_then(Value::as_str)
        .unwrap_or("");
    let object = request.get("object").filter(|o| o.is_object());

    let allow = |warnings: Vec<String>, audit: Option<String>| {
        let mut response = json!({"uid": uid, "allowed": true});
        if !warnings.is_empty() {
            response["warnings"] = json!(warnings);
        }
        if let Some(audit) = audit {
            response["auditAnnotations"] = json!({"rampart.dev/violations": audit});
        }
        respond(response)
    };

    let Some(object) = object else {
        return Ok(allow(Vec::new(), None));
    };
    let group = request
        .pointer("/kind/group")
        .and_then(Value::as_str)
        .unwrap_or("");
    if kind == "Namespace" && group.is_empty() {
        // Always allowed; warnings when the Pod Security labels change.
        let warnings = match (operation, sub_resource) {
            ("CREATE", "") => namespace_warnings(object, None, engine),
            ("UPDATE", "") => {
                let old = request.get("oldObject").filter(|o| o.is_object());
                namespace_warnings(object, Some(old.unwrap_or(&Value::Null)), engine)
            }
            _ => Vec::new(),
        };
        return Ok(allow(warnings, None));
    }
    let is_pod = kind == "Pod";
    let judged = match (is_pod, operation, sub_resource) {
        (true, "CREATE", "") => true,
        (true, "UPDATE", "") => is_significant_pod_update(object, request.get("oldObject")),
        (true, "UPDATE" | "CREATE", "ephemeralcontainers") => true,
        (false, "CREATE" | "UPDATE", "") => WORKLOAD_KINDS.contains(&kind),
        _ => false,
    };
    if !judged {
        return Ok(allow(Vec::new(), None));
    }
    let mut object = object.clone();
    // The namespace of the request applies when the object does not say.
    if let Some(namespace) = request.get("namespace").and_then(Value::as_str)
        && object.pointer("/metadata/namespace").is_none()
        && let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut)
    {
        metadata.insert("namespace".into(), json!(namespace));
    }
    let namespace = object
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or("default")
        .to_string();
    let levels = engine.policy_for(&namespace);
    // Each mode at its level; one evaluation per distinct level and version.
    let mut by_level: Vec<(Level, PolicyVersion, Vec<String>)> = Vec::new();
    let mut at = |mode: ModePolicy| -> Vec<String> {
        let Some(level) = mode.level.filter(|l| *l != Level::Privileged) else {
            return Vec::new();
        };
        if let Some((_, _, lines)) = by_level
            .iter()
            .find(|(l, v, _)| *l == level && *v == mode.version)
        {
            return lines.clone();
        }
        let lines: Vec<String> = judge(&object, engine, level, mode.version)
            .iter()
            .map(describe)
            .collect();
        by_level.push((level, mode.version, lines.clone()));
        lines
    };
    // Enforce applies to Pods; warn and audit to workload templates too (as PSA).
    let enforced = if is_pod {
        at(levels.enforce)
    } else {
        Vec::new()
    };
    let warned = at(levels.warn);
    let audited = at(levels.audit);
    if !enforced.is_empty() {
        let message = format!("rampart denied this pod: {}", enforced.join("; "));
        // The audit record holds what was denied and what the audit level finds.
        let mut recorded = enforced.clone();
        for line in audited {
            if !recorded.contains(&line) {
                recorded.push(line);
            }
        }
        let mut response = json!({
            "uid": uid,
            "allowed": false,
            "status": {"code": 403, "reason": "Forbidden", "message": message},
            "auditAnnotations": {"rampart.dev/violations": recorded.join("; ")},
        });
        if !warned.is_empty() {
            response["warnings"] = json!(warned);
        }
        return Ok(respond(response));
    }
    // A workload's template under enforce: as PSA does, warn instead of deny.
    let mut warnings = warned;
    if !is_pod {
        for line in at(levels.enforce) {
            if !warnings.contains(&line) {
                warnings.push(line);
            }
        }
    }
    let audit = (!audited.is_empty()).then(|| audited.join("; "));
    Ok(allow(warnings, audit))
}

fn respond(response: Value) -> Value {
    json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "response": response})
}

/// The findings that count for the object at `level` (notes and low
/// severities left out).
pub(crate) fn judge(
    object: &Value,
    engine: &Engine,
    level: Level,
    version: PolicyVersion,
) -> Vec<Finding> {
    let text = serde_json::to_string(object).unwrap_or_default();
    let file = SourceFile::new("request", text);
    let mut options = (*engine.options).clone();
    options.pss_level = level;
    options.pss_version = version;
    let report = check_file(&file, &options);
    report
        .findings
        .into_iter()
        .filter(|f| !f.is_note() && f.severity >= engine.min_severity)
        .collect()
}

/// `PSB002 privileged-container (/spec/containers/0/securityContext/privileged):
/// container "x" must not set securityContext.privileged=true`.
fn describe(finding: &Finding) -> String {
    match &finding.pointer {
        Some(pointer) if !pointer.is_empty() => format!(
            "{} {} ({pointer}): {}",
            finding.rule, finding.rule_name, finding.message
        ),
        _ => format!(
            "{} {}: {}",
            finding.rule, finding.rule_name, finding.message
        ),
    }
}

/// Pod Security Admission's rule: a pod update is judged again only when
/// it changes a container image, the containers, or a seccomp annotation.
fn is_significant_pod_update(pod: &Value, old: Option<&Value>) -> bool {
    let Some(old) = old.filter(|o| o.is_object()) else {
        return true;
    };
    let annotation = |v: &Value, key: &str| {
        v.pointer("/metadata/annotations")
            .and_then(|a| a.get(key))
            .cloned()
    };
    let pod_key = "seccomp.security.alpha.kubernetes.io/pod";
    if annotation(pod, pod_key) != annotation(old, pod_key) {
        return true;
    }
    let list = |v: &Value, field: &str| -> Vec<Value> {
        v.pointer(&format!("/spec/{field}"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    for field in ["containers", "initContainers"] {
        let (new, previous) = (list(pod, field), list(old, field));
        if new.len() != previous.len() {
            return true;
        }
        for (a, b) in new.iter().zip(&previous) {
            if a.get("image") != b.get("image") {
                return true;
            }
            let name = a.get("name").and_then(Value::as_str).unwrap_or("");
            let key = format!("container.seccomp.security.alpha.kubernetes.io/{name}");
            if annotation(pod, &key) != annotation(old, &key) {
                return true;
            }
        }
    }
    // A new ephemeral container is judged (the ephemeralcontainers subresource
    // is the usual way; a full update is covered too).
    let old_names: Vec<Value> = list(old, "ephemeralContainers")
        .iter()
        .filter_map(|c| c.get("name").cloned())
        .collect();
    list(pod, "ephemeralContainers")
        .iter()
        .any(|c| c.get("name").is_none_or(|n| !old_names.contains(n)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine(mode: Mode) -> Engine {
        let options = Arc::new(CheckOptions {
            posture_rules: false,
            ..CheckOptions::default()
        });
        Engine::new(options, mode, Level::Restricted)
    }

    fn request(kind: &str, operation: &str, object: Value) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
            "request": {"uid": "u1", "kind": {"group": "", "version": "v1", "kind": kind},
                        "operation": operation, "namespace": "ns", "object": object}
        }))
        .unwrap_or_default()
    }

    fn privileged_pod() -> Value {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
               "spec": {"containers": [{"name": "c", "image": "x",
                        "securityContext": {"privileged": true}}]}})
    }

    #[test]
    fn enforce_denies_pods_and_warns_on_workloads() {
        let out = review(
            &request("Pod", "CREATE", privileged_pod()),
            &engine(Mode::Enforce),
        );
        let out = out.unwrap_or_default();
        assert_eq!(out["response"]["uid"], "u1");
        assert_eq!(out["response"]["allowed"], false);
        let message = out["response"]["status"]["message"].as_str().unwrap_or("");
        assert!(message.contains("PSB002"), "{message}");
        // The denial names the field.
        assert!(
            message.contains("/spec/containers/0/securityContext/privileged"),
            "{message}"
        );

        let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
            "spec": {"selector": {}, "template": {"metadata": {}, "spec": privileged_pod()["spec"].clone()}}});
        let out = review(
            &request("Deployment", "CREATE", deployment),
            &engine(Mode::Enforce),
        )
        .unwrap_or_default();
        assert_eq!(out["response"]["allowed"], true);
        assert!(
            out["response"]["warnings"][0]
                .as_str()
                .unwrap_or("")
                .contains("PSB002")
        );
    }

    #[test]
    fn audit_annotates_and_allows() {
        let out = review(
            &request("Pod", "CREATE", privileged_pod()),
            &engine(Mode::Audit),
        )
        .unwrap_or_default();
        assert_eq!(out["response"]["allowed"], true);
        assert!(
            out["response"]["auditAnnotations"]["rampart.dev/violations"]
                .as_str()
                .unwrap_or("")
                .contains("PSB002")
        );
    }

    #[test]
    fn malformed_input_is_an_error() {
        assert!(matches!(
            review(b"{", &engine(Mode::Enforce)),
            Err(ReviewError::NotJson(_))
        ));
        assert_eq!(
            review(b"{}", &engine(Mode::Enforce)),
            Err(ReviewError::NotAReview)
        );
        let no_uid =
            br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{}}"#;
        assert_eq!(
            review(no_uid, &engine(Mode::Enforce)),
            Err(ReviewError::NoUid)
        );
    }

    #[test]
    fn insignificant_pod_updates_are_not_judged() {
        let pod = privileged_pod();
        let mut relabelled = pod.clone();
        relabelled["metadata"]["labels"] = json!({"a": "b"});
        assert!(!is_significant_pod_update(&relabelled, Some(&pod)));
        let mut new_image = pod.clone();
        new_image["spec"]["containers"][0]["image"] = json!("y");
        assert!(is_significant_pod_update(&new_image, Some(&pod)));
        let mut debug = pod.clone();
        debug["spec"]["ephemeralContainers"] = json!([{"name": "dbg", "image": "busybox"}]);
        assert!(is_significant_pod_update(&debug, Some(&pod)));
    }
}
