use rampart_k8s::escape_token;
use rampart_macros::RuleMetadata;
use serde_json::Value;

use super::{is_windows, join_and};
use crate::registry::{RuleMeta, RuleMetadata};
use crate::rule::{ContainerRef, ObjectContext, ObjectRule, PodContext, Violation};

/// ## What it does
/// Reports pods and containers that explicitly turn off the kernel's
/// confinement: a seccomp profile of type `Unconfined` (pod or container
/// `securityContext.seccompProfile`), the legacy annotations
/// `seccomp.security.alpha.kubernetes.io/pod` or
/// `container.seccomp.security.alpha.kubernetes.io/<container>` set to
/// `unconfined`, an AppArmor profile of type `Unconfined`
/// (`securityContext.appArmorProfile`), or the annotation
/// `container.apparmor.security.beta.kubernetes.io/<container>: unconfined`.
///
/// A pod-level `Unconfined` is reported only when some container inherits
/// it (does not set its own profile); annotations naming a container that
/// the pod does not have are ignored. Windows pods are skipped. Unset
/// profiles are not this rule's concern: the Pod Security check PSR004
/// (`seccompProfile_restricted`) requires `RuntimeDefault` or `Localhost`;
/// this rule reports only the explicit opt-out, at any level.
///
/// ## Why is this bad?
/// The runtime's default seccomp profile blocks a few dozen system calls
/// (`unshare`, `mount`, `keyctl`, `bpf`, `open_by_handle_at`, ...) that
/// recur in container-escape exploits; its default AppArmor profile denies
/// writes to `/proc` and `/sys` and mounting. `Unconfined` removes that
/// layer, so a kernel bug or an extra capability turns into a node
/// compromise much more easily. Choosing `Unconfined` is deliberate, and
/// usually a shortcut around one blocked call.
///
/// Tracing and security agents (Falco, Datadog's system-probe, eBPF
/// profilers) need calls such as `bpf` or `perf_event_open`: give them a
/// `Localhost` profile that allows exactly those (Datadog ships one), or
/// suppress the finding with the reason.
///
/// ## Example
/// ```yaml
/// apiVersion: apps/v1
/// kind: Deployment
/// metadata:
///   name: api
///   namespace: shop
/// spec:
///   selector:
///     matchLabels: {app: api}
///   template:
///     metadata:
///       labels: {app: api}
///     spec:
///       containers:
///       - name: api
///         image: registry.example.com/api:1.0
///         securityContext:
///           seccompProfile:
///             type: Unconfined
/// ```
///
/// ## Use instead
/// ```yaml
/// apiVersion: apps/v1
/// kind: Deployment
/// metadata:
///   name: api
///   namespace: shop
/// spec:
///   selector:
///     matchLabels: {app: api}
///   template:
///     metadata:
///       labels: {app: api}
///     spec:
///       securityContext:
///         seccompProfile:
///           type: RuntimeDefault
///       containers:
///       - name: api
///         image: registry.example.com/api:1.0
/// ```
///
/// ## Fix
/// Set the profile type to `RuntimeDefault`, or to `Localhost` with a profile that allows just the extra system calls the workload needs.
/// Replace legacy seccomp and AppArmor annotations with the
/// `seccompProfile` and `appArmorProfile` fields.
///
/// ## References
/// - CIS Kubernetes Benchmark v1.10, 5.7.2: ensure that the seccomp profile is set to docker/default or runtime/default in your pod definitions
/// - MITRE ATT&CK: [T1611 Escape to Host](https://attack.mitre.org/techniques/T1611/)
/// - [Kubernetes: restrict a container's syscalls with seccomp](https://kubernetes.io/docs/tutorials/security/seccomp/)
/// - [Kubernetes: restrict a container's access to resources with AppArmor](https://kubernetes.io/docs/tutorials/security/apparmor/)
#[derive(RuleMetadata)]
#[rule(
    code = "WL011",
    name = "seccomp-unconfined",
    severity = "medium",
    cis = "5.7.2",
    mitre = "T1611",
    nsa = "container-environments"
)]
pub struct SeccompUnconfined;

const SECCOMP_POD_ANNOTATION: &str = "seccomp.security.alpha.kubernetes.io/pod";
const SECCOMP_CONTAINER_PREFIX: &str = "container.seccomp.security.alpha.kubernetes.io/";
const APPARMOR_CONTAINER_PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";

/// The two confinements this rule knows, by their securityContext field.
const PROFILES: &[(&str, &str)] = &[
    ("seccompProfile", "seccomp"),
    ("appArmorProfile", "AppArmor"),
];

/// The `type` of a profile mapping.
fn profile_type(profile: Option<&Value>) -> Option<&str> {
    profile?.get("type")?.as_str()
}

fn container_profile<'a>(container: &ContainerRef<'a>, field: &str) -> Option<&'a Value> {
    container
        .security_context()
        .and_then(|sc| sc.get(field))
        .filter(|v| !v.is_null())
}

fn annotation_pointer(pod: &PodContext<'_>, key: &str) -> String {
    pod.metadata_pointer(&format!("/annotations/{}", escape_token(key)))
}

impl ObjectRule for SeccompUnconfined {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &ObjectContext<'_>, out: &mut Vec<Violation>) {
        let Some(pod) = &cx.pod else { return };
        if is_windows(pod) {
            return;
        }
        for (field, what) in PROFILES {
            let pod_profile = pod.security_context().and_then(|sc| sc.get(*field));
            if profile_type(pod_profile) == Some("Unconfined") {
                let inheriting: Vec<String> = pod
                    .containers
                    .iter()
                    .filter(|c| container_profile(c, field).is_none())
                    .map(|c| c.label())
                    .collect();
                if !inheriting.is_empty() {
                    out.push(Violation::new(
                        pod.spec_pointer(&format!("/securityContext/{field}/type")),
                        format!(
                            "pod sets {what} profile Unconfined, inherited by {}",
                            join_and(&inheriting)
                        ),
                    ));
                }
            }
            for container in &pod.containers {
                if profile_type(container_profile(container, field)) == Some("Unconfined") {
                    out.push(
                        Violation::new(
                            pod.container_pointer(
                                container,
                                &format!("/securityContext/{field}/type"),
                            ),
                            format!("{} sets {what} profile Unconfined", container.label()),
                        )
                        .in_container(container),
                    );
                }
            }
        }
        let annotations = pod
            .metadata
            .and_then(|m| m.get("annotations"))
            .and_then(Value::as_object);
        for (key, value) in annotations.into_iter().flatten() {
            if value.as_str() != Some("unconfined") {
                continue;
            }
            if key == SECCOMP_POD_ANNOTATION {
                out.push(Violation::new(
                    annotation_pointer(pod, key),
                    format!(
                        "pod annotation {key}: unconfined turns seccomp off for the pod (legacy annotation)"
                    ),
                ));
                continue;
            }
            let (target, what) = if let Some(name) = key.strip_prefix(SECCOMP_CONTAINER_PREFIX) {
                (name, "seccomp")
            } else if let Some(name) = key.strip_prefix(APPARMOR_CONTAINER_PREFIX) {
                (name, "AppArmor")
            } else {
                continue;
            };
            let Some(container) = pod.containers.iter().find(|c| c.name == target) else {
                continue;
            };
            out.push(
                Violation::new(
                    annotation_pointer(pod, key),
                    format!(
                        "annotation {key}: unconfined turns {what} off for {} (legacy annotation)",
                        container.label()
                    ),
                )
                .in_container(container),
            );
        }
    }
}
