use super::prelude::*;

/// ## What it does
/// Requires every container to drop all Linux capabilities
/// (`securityContext.capabilities.drop` containing exactly `ALL`) and to
/// add back nothing but `NET_BIND_SERVICE`.
///
/// This is the Pod Security Standards `capabilities_restricted` check
/// (Restricted level, from policy v1.22). From v1.25 pods with
/// `spec.os.name: windows` are exempt. It replaces `capabilities_baseline`
/// (rule PSB003) at the Restricted level.
///
/// ## Why is this bad?
/// Containers start with the runtime's default capability set (`CHOWN`,
/// `DAC_OVERRIDE`, `FOWNER`, `SETUID`, `SETGID`, `NET_RAW`, `MKNOD`, ...).
/// A process running as root, or one that escalates to root, can use them to
/// read and write any file in the container, change ownership, forge
/// packets or create device nodes; several kernel privilege-escalation
/// exploits need one of them. Almost no application needs any, so
/// dropping them all removes attack surface for free. `ALL` must be listed
/// literally: dropping capabilities one by one misses those added by newer
/// runtimes or kernels.
///
/// ## Example
/// ```yaml
/// apiVersion: v1
/// kind: Pod
/// metadata:
///   name: app
/// spec:
///   securityContext:
///     runAsNonRoot: true
///     seccompProfile:
///       type: RuntimeDefault
///   containers:
///     - name: app
///       image: registry.example.com/app:1.0
///       securityContext:
///         allowPrivilegeEscalation: false
///         capabilities:
///           add: ["CHOWN"]
/// ```
///
/// ## Use instead
/// ```yaml
/// apiVersion: v1
/// kind: Pod
/// metadata:
///   name: app
/// spec:
///   securityContext:
///     runAsNonRoot: true
///     seccompProfile:
///       type: RuntimeDefault
///   containers:
///     - name: app
///       image: registry.example.com/app:1.0
///       securityContext:
///         allowPrivilegeEscalation: false
///         capabilities:
///           drop: ["ALL"]
///           add: ["NET_BIND_SERVICE"]
/// ```
///
/// ## Fix
/// Add `capabilities: {drop: ["ALL"]}` to every container's
/// `securityContext` and remove every added capability except
/// `NET_BIND_SERVICE` (needed only to bind ports below 1024 as non-root).
///
/// ## References
/// - [Pod Security Standards: Capabilities (Restricted)](https://kubernetes.io/docs/concepts/security/pod-security-standards/)
/// - CIS Kubernetes Benchmark 5.2.9 (minimize the admission of containers with capabilities assigned), 5.2.10 (minimize the admission of containers with the NET_RAW capability)
/// - [MITRE ATT&CK T1068: Exploitation for Privilege Escalation](https://attack.mitre.org/techniques/T1068/)
#[derive(RuleMetadata)]
#[rule(
    code = "PSR005",
    name = "capabilities-not-dropped",
    severity = "medium",
    pss = "restricted:capabilities_restricted",
    cis = "5.2.9, 5.2.10",
    mitre = "T1068",
    nsa = "pod-security"
)]
pub struct CapabilitiesNotDropped;

pub(super) static CHECK: Check = Check {
    id: "capabilities_restricted",
    level: Level::Restricted,
    rule: &CapabilitiesNotDropped::META,
    definitions: &[
        CheckDefinition {
            min_minor: 22,
            evaluate: evaluate_v1_22,
            cel: cel_v1_22,
            overrides: &["capabilities_baseline"],
        },
        CheckDefinition {
            min_minor: 25,
            evaluate: evaluate_v1_25,
            cel: cel_v1_25,
            overrides: &["capabilities_baseline"],
        },
    ],
};

/// v1.22–v1.24: `drop` must contain `"ALL"`; `add` may contain only
/// `NET_BIND_SERVICE` (non-string entries read as `""`, which is not).
fn evaluate_v1_22(pod: &Pod<'_>) -> Option<Failure> {
    let mut missing_drop: Vec<&str> = Vec::new();
    let mut adding: Vec<&str> = Vec::new();
    let mut bad_caps: Vec<&str> = Vec::new();
    let mut offenders = Vec::new();
    for c in pod.containers() {
        let capabilities = c.sc_field("capabilities");
        let dropped_all = list(capabilities, "drop")
            .iter()
            .any(|entry| entry.as_str() == Some("ALL"));
        if !dropped_all {
            missing_drop.push(c.name);
            offenders.push(Offender::container(
                &c,
                "securityContext/capabilities/drop",
                format!(
                    "{} must set securityContext.capabilities.drop=[\"ALL\"]",
                    c.label()
                ),
            ));
        }
        let mut container_adds = false;
        for (j, entry) in list(capabilities, "add").iter().enumerate() {
            let cap = entry.as_str().unwrap_or("");
            if cap == "NET_BIND_SERVICE" {
                continue;
            }
            container_adds = true;
            bad_caps.push(cap);
            offenders.push(Offender::container(
                &c,
                &format!("securityContext/capabilities/add/{j}"),
                format!(
                    "{} must not include \"{cap}\" in securityContext.capabilities.add",
                    c.label()
                ),
            ));
        }
        if container_adds {
            adding.push(c.name);
        }
    }
    if missing_drop.is_empty() && adding.is_empty() {
        return None;
    }
    let mut parts: Vec<String> = Vec::new();
    if !missing_drop.is_empty() {
        parts.push(format!(
            "{} must set securityContext.capabilities.drop=[\"ALL\"]",
            containers_phrase(&missing_drop)
        ));
    }
    if !adding.is_empty() {
        parts.push(format!(
            "{} must not include {} in securityContext.capabilities.add",
            containers_phrase(&adding),
            quote_list(&sorted_unique(bad_caps))
        ));
    }
    Some(Failure {
        reason: "unrestricted capabilities",
        detail: parts.join("; "),
        offenders,
    })
}

/// v1.25+: as v1.22, but Windows pods (`spec.os.name: windows`) pass.
fn evaluate_v1_25(pod: &Pod<'_>) -> Option<Failure> {
    if pod.is_windows() {
        return None;
    }
    evaluate_v1_22(pod)
}

/// v1.22+ in CEL.
fn cel_v1_22(exempt: &dyn CelExemptions) -> String {
    let allowed = exempt.container(
        &CapabilitiesNotDropped::META,
        "c",
        CelPrivilege::Capability("cap"),
    );
    format!(
        "variables.containers.all(c, ({} && 'ALL' in c.securityContext.capabilities.drop) && (!({}) || c.securityContext.capabilities.add.all(cap, {})))",
        container_sc_has("c", "capabilities.drop"),
        container_sc_has("c", "capabilities.add"),
        or("cap == 'NET_BIND_SERVICE'", allowed)
    )
}

/// v1.25+ in CEL: Windows pods pass.
fn cel_v1_25(exempt: &dyn CelExemptions) -> String {
    unless(WINDOWS_POD, cel_v1_22(exempt))
}
