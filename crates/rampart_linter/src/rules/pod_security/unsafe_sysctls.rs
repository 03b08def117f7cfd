use super::prelude::*;

/// ## What it does
/// Flags pods that set a sysctl (`spec.securityContext.sysctls[*].name`)
/// outside the allow-list of namespaced, "safe" sysctls for the policy
/// version. Values are not checked.
///
/// Allowed from v1.0: `kernel.shm_rmid_forced`,
/// `net.ipv4.ip_local_port_range`, `net.ipv4.tcp_syncookies`,
/// `net.ipv4.ping_group_range`, `net.ipv4.ip_unprivileged_port_start`;
/// from v1.27 `net.ipv4.ip_local_reserved_ports`; from v1.29
/// `net.ipv4.tcp_keepalive_time`, `net.ipv4.tcp_fin_timeout`,
/// `net.ipv4.tcp_keepalive_intvl`, `net.ipv4.tcp_keepalive_probes`; from
/// v1.32 `net.ipv4.tcp_rmem`, `net.ipv4.tcp_wmem`; from v1.37
/// `net.ipv4.tcp_slow_start_after_idle`, `net.ipv4.tcp_notsent_lowat`.
///
/// This is the Pod Security Standards `sysctls` check (Baseline level, all
/// policy versions).
///
/// ## Why is this bad?
/// Sysctls tune the kernel. The allowed ones are isolated per pod (they only
/// affect the pod's own network or IPC namespace). Others either affect the
/// whole node (memory, scheduling, filesystem limits), letting one pod
/// degrade or destabilise its neighbours, or weaken isolation between
/// namespaces. The kubelet also rejects "unsafe" sysctls unless explicitly
/// enabled on the node.
///
/// ## Example
/// ```yaml
/// apiVersion: v1
/// kind: Pod
/// metadata:
///   name: db
/// spec:
///   securityContext:
///     sysctls:
///       - name: kernel.msgmax
///         value: "65536"
///   containers:
///     - name: db
///       image: registry.example.com/db:1.0
/// ```
///
/// ## Use instead
/// ```yaml
/// apiVersion: v1
/// kind: Pod
/// metadata:
///   name: db
/// spec:
///   securityContext:
///     sysctls:
///       - name: net.ipv4.ip_local_port_range
///         value: "32768 60999"
///   containers:
///     - name: db
///       image: registry.example.com/db:1.0
/// ```
///
/// ## Fix
/// Remove the unsafe sysctls from the pod. If a workload needs a node-level
/// kernel setting, configure it on a dedicated node pool (node
/// configuration, a tuning DaemonSet in a privileged namespace) and schedule
/// the workload there with node affinity and taints.
///
/// ## References
/// - [Pod Security Standards: Sysctls](https://kubernetes.io/docs/concepts/security/pod-security-standards/)
/// - [Using sysctls in a Kubernetes cluster](https://kubernetes.io/docs/tasks/administer-cluster/sysctl-cluster/)
/// - CIS Kubernetes Benchmark 5.7.3 (apply security context to pods and containers)
/// - [MITRE ATT&CK T1611: Escape to Host](https://attack.mitre.org/techniques/T1611/)
#[derive(RuleMetadata)]
#[rule(
    code = "PSB010",
    name = "unsafe-sysctls",
    severity = "medium",
    pss = "baseline:sysctls",
    cis = "5.7.3",
    mitre = "T1611",
    nsa = "pod-security"
)]
pub struct UnsafeSysctls;

pub(super) static CHECK: Check = Check {
    id: "sysctls",
    level: Level::Baseline,
    rule: &UnsafeSysctls::META,
    definitions: &[
        CheckDefinition {
            min_minor: 0,
            evaluate: evaluate_v1_0,
            cel: cel_v1_0,
            overrides: &[],
        },
        CheckDefinition {
            min_minor: 27,
            evaluate: evaluate_v1_27,
            cel: cel_v1_27,
            overrides: &[],
        },
        CheckDefinition {
            min_minor: 29,
            evaluate: evaluate_v1_29,
            cel: cel_v1_29,
            overrides: &[],
        },
        CheckDefinition {
            min_minor: 32,
            evaluate: evaluate_v1_32,
            cel: cel_v1_32,
            overrides: &[],
        },
        CheckDefinition {
            min_minor: 37,
            evaluate: evaluate_v1_37,
            cel: cel_v1_37,
            overrides: &[],
        },
    ],
};

const ADDED_V1_0: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_unprivileged_port_start",
];
const ADDED_V1_27: &[&str] = &["net.ipv4.ip_local_reserved_ports"];
const ADDED_V1_29: &[&str] = &[
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
];
const ADDED_V1_32: &[&str] = &["net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"];
const ADDED_V1_37: &[&str] = &[
    "net.ipv4.tcp_slow_start_after_idle",
    "net.ipv4.tcp_notsent_lowat",
];

fn evaluate_v1_0(pod: &Pod<'_>) -> Option<Failure> {
    evaluate_with(pod, &[ADDED_V1_0])
}

fn evaluate_v1_27(pod: &Pod<'_>) -> Option<Failure> {
    evaluate_with(pod, &[ADDED_V1_0, ADDED_V1_27])
}

fn evaluate_v1_29(pod: &Pod<'_>) -> Option<Failure> {
    evaluate_with(pod, &[ADDED_V1_0, ADDED_V1_27, ADDED_V1_29])
}

fn evaluate_v1_32(pod: &Pod<'_>) -> Option<Failure> {
    evaluate_with(pod, &[ADDED_V1_0, ADDED_V1_27, ADDED_V1_29, ADDED_V1_32])
}

fn evaluate_v1_37(pod: &Pod<'_>) -> Option<Failure> {
    evaluate_with(
        pod,
        &[
            ADDED_V1_0,
            ADDED_V1_27,
            ADDED_V1_29,
            ADDED_V1_32,
            ADDED_V1_37,
        ],
    )
}

/// Every sysctl name must be in one of `allowed` (a missing or non-string
/// name reads as `""`, which is not allowed). The detail lists bad names in
/// spec order, unquoted, with duplicates.
fn evaluate_with(pod: &Pod<'_>, allowed: &[&[&str]]) -> Option<Failure> {
    let mut bad: Vec<&str> = Vec::new();
    let mut offenders = Vec::new();
    for (i, sysctl) in list(pod.security_context, "sysctls").iter().enumerate() {
        let name = text(Some(sysctl), "name");
        if allowed.iter().any(|names| names.contains(&name)) {
            continue;
        }
        bad.push(name);
        offenders.push(Offender::pod(
            format!("/spec/securityContext/sysctls/{i}/name"),
            format!("pod must not set forbidden sysctl \"{name}\""),
        ));
    }
    if bad.is_empty() {
        return None;
    }
    Some(Failure {
        reason: "forbidden sysctls",
        detail: bad.join(", "),
        offenders,
    })
}

fn cel_with(allowed: &[&[&str]]) -> String {
    let names: Vec<&str> = allowed
        .iter()
        .flat_map(|names| names.iter().copied())
        .collect();
    format!(
        "!({}) || variables.spec.securityContext.sysctls.all(s, {} in {})",
        pod_sc_has("sysctls"),
        value_or("s", "name", "''"),
        string_list(&names)
    )
}

/// v1.0+ in CEL.
fn cel_v1_0(_: &dyn CelExemptions) -> String {
    cel_with(&[ADDED_V1_0])
}

/// v1.27+ in CEL.
fn cel_v1_27(_: &dyn CelExemptions) -> String {
    cel_with(&[ADDED_V1_0, ADDED_V1_27])
}

/// v1.29+ in CEL.
fn cel_v1_29(_: &dyn CelExemptions) -> String {
    cel_with(&[ADDED_V1_0, ADDED_V1_27, ADDED_V1_29])
}

/// v1.32+ in CEL.
fn cel_v1_32(_: &dyn CelExemptions) -> String {
    cel_with(&[ADDED_V1_0, ADDED_V1_27, ADDED_V1_29, ADDED_V1_32])
}

/// v1.37+ in CEL.
fn cel_v1_37(_: &dyn CelExemptions) -> String {
    cel_with(&[
        ADDED_V1_0,
        ADDED_V1_27,
        ADDED_V1_29,
        ADDED_V1_32,
        ADDED_V1_37,
    ])
}
