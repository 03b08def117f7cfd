use super::prelude::*;

/// ## What it does
/// Flags containers whose probes (`livenessProbe`, `readinessProbe`,
/// `startupProbe`) or lifecycle hooks (`lifecycle.postStart`,
/// `lifecycle.preStop`) set a `host` on their `httpGet` or `tcpSocket`
/// handler. Any value is forbidden, including `localhost`, `127.0.0.1` and
/// `::1`; `exec` and `grpc` handlers are not inspected.
///
/// This is the Pod Security Standards `hostProbesAndHostLifecycle` check
/// (Baseline level, from policy v1.34).
///
/// ## Why is this bad?
/// Probes and lifecycle hooks are executed by the kubelet, from the node's
/// network namespace. A `host` field makes the kubelet send requests to an
/// arbitrary address on the pod's behalf: a server-side request forgery
/// primitive that reaches endpoints the pod itself cannot (node-local
/// services, the cloud metadata service, hosts behind NetworkPolicy) and
/// attributes the traffic to the node.
///
/// ## Example
/// ```yaml
/// apiVersion: v1
/// kind: Pod
/// metadata:
///   name: web
/// spec:
///   containers:
///     - name: web
///       image: registry.example.com/web:1.0
///       livenessProbe:
///         httpGet:
///           host: 169.254.169.254
///           path: /latest/meta-data/
///           port: 80
/// ```
///
/// ## Use instead
/// ```yaml
/// apiVersion: v1
/// kind: Pod
/// metadata:
///   name: web
/// spec:
///   containers:
///     - name: web
///       image: registry.example.com/web:1.0
///       livenessProbe:
///         httpGet:
///           path: /healthz
///           port: 8080
/// ```
///
/// ## Fix
/// Remove `host` from the handler: the kubelet then targets the pod's own
/// IP, which is what a health check needs. To check a dependency, do it
/// from inside the application (or with an `exec` probe).
///
/// ## References
/// - [Pod Security Standards: Probes and lifecycle hooks](https://kubernetes.io/docs/concepts/security/pod-security-standards/)
/// - CIS Kubernetes Benchmark 5.7.3 (apply security context to pods and containers)
/// - [MITRE ATT&CK T1090: Proxy](https://attack.mitre.org/techniques/T1090/)
#[derive(RuleMetadata)]
#[rule(
    code = "PSB012",
    name = "host-probe-or-lifecycle",
    severity = "medium",
    pss = "baseline:hostProbesAndHostLifecycle",
    cis = "5.7.3",
    mitre = "T1090",
    nsa = "pod-security"
)]
pub struct HostProbeOrLifecycle;

pub(super) static CHECK: Check = Check {
    id: "hostProbesAndHostLifecycle",
    level: Level::Baseline,
    rule: &HostProbeOrLifecycle::META,
    definitions: &[CheckDefinition {
        min_minor: 34,
        evaluate: evaluate_v1_34,
        cel: cel_v1_34,
        overrides: &[],
    }],
};

/// Where handlers live: (pointer prefix, message prefix, parent field, handler field).
const HANDLERS: [(&str, &str, Option<&str>, &str); 5] = [
    ("livenessProbe", "livenessProbe", None, "livenessProbe"),
    ("readinessProbe", "readinessProbe", None, "readinessProbe"),
    ("startupProbe", "startupProbe", None, "startupProbe"),
    (
        "lifecycle/postStart",
        "lifecycle.postStart",
        Some("lifecycle"),
        "postStart",
    ),
    (
        "lifecycle/preStop",
        "lifecycle.preStop",
        Some("lifecycle"),
        "preStop",
    ),
];

/// v1.34+: no `httpGet.host` / `tcpSocket.host` in probes or lifecycle hooks
/// (a non-string host reads as `""`, i.e. unset).
fn evaluate_v1_34(pod: &Pod<'_>) -> Option<Failure> {
    let mut bad_containers: Vec<&str> = Vec::new();
    let mut hosts: Vec<&str> = Vec::new();
    let mut offenders = Vec::new();
    for c in pod.containers() {
        for (pointer, path, parent, field) in HANDLERS {
            let owner = match parent {
                Some(parent) => child(Some(c.value), parent),
                None => Some(c.value),
            };
            let Some(handler) = child(owner, field) else {
                continue;
            };
            for kind in ["httpGet", "tcpSocket"] {
                let host = text(child(Some(handler), kind), "host");
                if host.is_empty() {
                    continue;
                }
                bad_containers.push(c.name);
                hosts.push(host);
                offenders.push(Offender::container(
                    &c,
                    &format!("{pointer}/{kind}/host"),
                    format!("{} must not set {path}.{kind}.host (\"{host}\")", c.label()),
                ));
            }
        }
    }
    if bad_containers.is_empty() {
        return None;
    }
    let bad_containers = sorted_unique(bad_containers);
    let hosts = sorted_unique(hosts);
    Some(Failure {
        reason: "probe or lifecycle host",
        detail: format!(
            "{} {} {} {}",
            containers_phrase(&bad_containers),
            plural("uses", "use", bad_containers.len()),
            plural(
                "probe or lifecycle host",
                "probe or lifecycle hosts",
                hosts.len()
            ),
            quote_list(&hosts)
        ),
        offenders,
    })
}

/// v1.34+ in CEL.
fn cel_v1_34(_: &dyn CelExemptions) -> String {
    let mut parts = Vec::new();
    for (_, _, parent, field) in HANDLERS {
        let handler = match parent {
            Some(parent) => format!("{parent}.{field}"),
            None => field.to_owned(),
        };
        for kind in ["httpGet", "tcpSocket"] {
            let path = format!("{handler}.{kind}.host");
            parts.push(format!("!({} && c.{path} != '')", has_path("c", &path)));
        }
    }
    format!("variables.containers.all(c, {})", parts.join(" && "))
}
