use super::prelude::*;

/// ## What it does
/// Flags pods and containers whose `securityContext.seLinuxOptions` set a
/// custom SELinux `user` or `role`, or a `type` other than the container
/// types: `container_t`, `container_init_t`, `container_kvm_t`, and from
/// policy v1.31 `container_engine_t`. The `level` (MCS categories) is not
/// restricted.
///
/// This is the Pod Security Standards `seLinuxOptions` check (Baseline level,
/// all policy versions).
///
/// ## Why is this bad?
/// On SELinux-enforcing nodes, the `container_t` domain is what keeps a
/// container away from host files and processes even when it runs as root.
/// A type such as `spc_t` ("super privileged container") or `unconfined_t`
/// disables that confinement, and a custom user or role can grant the
/// process the rights of a host administrator domain.
///
/// Node agents that inspect the host (log collectors reading
/// `/var/log/journal`, security agents such as Falco, Datadog's
/// system-probe) are sometimes deployed with `spc_t`. Keep them in a
/// dedicated privileged namespace, or write a targeted SELinux module for
/// them.
///
/// ## Example
/// ```yaml
/// apiVersion: v1
/// kind: Pod
/// metadata:
///   name: app
/// spec:
///   securityContext:
///     seLinuxOptions:
///       type: spc_t
///   containers:
///     - name: app
///       image: registry.example.com/app:1.0
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
///     seLinuxOptions:
///       level: "s0:c123,c456"
///   containers:
///     - name: app
///       image: registry.example.com/app:1.0
/// ```
///
/// ## Fix
/// Remove `seLinuxOptions.type`, `user` and `role` and let the runtime
/// assign `container_t`; set only `level` when you need fixed MCS
/// categories (for example to share a volume between pods).
///
/// ## References
/// - [Pod Security Standards: SELinux](https://kubernetes.io/docs/concepts/security/pod-security-standards/)
/// - CIS Kubernetes Benchmark 5.7.3 (apply security context to pods and containers)
/// - [MITRE ATT&CK T1611: Escape to Host](https://attack.mitre.org/techniques/T1611/)
#[derive(RuleMetadata)]
#[rule(
    code = "PSB007",
    name = "selinux-options",
    severity = "medium",
    pss = "baseline:seLinuxOptions",
    cis = "5.7.3",
    mitre = "T1611",
    nsa = "container-environments"
)]
pub struct SeLinuxOptions;

pub(super) static CHECK: Check = Check {
    id: "seLinuxOptions",
    level: Level::Baseline,
    rule: &SeLinuxOptions::META,
    definitions: &[
        CheckDefinition {
            min_minor: 0,
            evaluate: evaluate_v1_0,
            cel: cel_v1_0,
            overrides: &[],
        },
        CheckDefinition {
            min_minor: 31,
            evaluate: evaluate_v1_31,
            cel: cel_v1_31,
            overrides: &[],
        },
    ],
};

const TYPES_V1_0: &[&str] = &["", "container_t", "container_init_t", "container_kvm_t"];
const TYPES_V1_31: &[&str] = &[
    "",
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
];

/// v1.0–v1.30.
fn evaluate_v1_0(pod: &Pod<'_>) -> Option<Failure> {
    evaluate_with(pod, TYPES_V1_0)
}

/// v1.31+: `container_engine_t` is allowed too.
fn evaluate_v1_31(pod: &Pod<'_>) -> Option<Failure> {
    evaluate_with(pod, TYPES_V1_31)
}

#[derive(Default)]
struct Findings<'a> {
    bad_types: Vec<&'a str>,
    set_user: bool,
    set_role: bool,
    offenders: Vec<Offender>,
}

impl<'a> Findings<'a> {
    /// Inspects one `seLinuxOptions` object; returns whether it is bad.
    /// `make` builds an offender from a pointer suffix and a message suffix.
    fn inspect(
        &mut self,
        options: &'a serde_json::Value,
        allowed: &[&str],
        make: &dyn Fn(&str, String) -> Offender,
    ) -> bool {
        let mut bad = false;
        let kind = text(Some(options), "type");
        if !allowed.contains(&kind) {
            bad = true;
            self.bad_types.push(kind);
            self.offenders.push(make(
                "type",
                format!("must not set securityContext.seLinuxOptions.type to \"{kind}\""),
            ));
        }
        for (field, seen) in [("user", &mut self.set_user), ("role", &mut self.set_role)] {
            if !text(Some(options), field).is_empty() {
                bad = true;
                *seen = true;
                self.offenders.push(make(
                    field,
                    format!("must not set securityContext.seLinuxOptions.{field}"),
                ));
            }
        }
        bad
    }
}

/// Pod and container `seLinuxOptions`: `type` in `allowed`, no `user`, no
/// `role`.
fn evaluate_with(pod: &Pod<'_>, allowed: &[&str]) -> Option<Failure> {
    let mut findings = Findings::default();
    let pod_bad = pod.sc_field("seLinuxOptions").is_some_and(|options| {
        findings.inspect(options, allowed, &|field, message| {
            Offender::pod(
                format!("/spec/securityContext/seLinuxOptions/{field}"),
                format!("pod {message}"),
            )
        })
    });
    let mut bad_containers: Vec<&str> = Vec::new();
    for c in pod.containers() {
        let Some(options) = c.sc_field("seLinuxOptions") else {
            continue;
        };
        let bad = findings.inspect(options, allowed, &|field, message| {
            Offender::container(
                &c,
                &format!("securityContext/seLinuxOptions/{field}"),
                format!("{} {message}", c.label()),
            )
        });
        if bad {
            bad_containers.push(c.name);
        }
    }
    if !pod_bad && bad_containers.is_empty() {
        return None;
    }
    let mut parts: Vec<String> = Vec::new();
    let bad_types = sorted_unique(findings.bad_types);
    if !bad_types.is_empty() {
        parts.push(format!(
            "{} {}",
            plural("type", "types", bad_types.len()),
            quote_list(&bad_types)
        ));
    }
    if findings.set_user {
        parts.push("user may not be set".to_owned());
    }
    if findings.set_role {
        parts.push("role may not be set".to_owned());
    }
    Some(Failure {
        reason: "seLinuxOptions",
        detail: format!(
            "{} set forbidden securityContext.seLinuxOptions: {}",
            setters(pod_bad, &bad_containers),
            parts.join("; ")
        ),
        offenders: findings.offenders,
    })
}

/// A CEL condition: the seLinuxOptions at `options` are allowed.
fn cel_allowed(options: &str, types: &[&str]) -> String {
    format!(
        "{} in {} && (!has({options}.user) || {options}.user == '') && (!has({options}.role) || {options}.role == '')",
        value_or(options, "type", "''"),
        string_list(types)
    )
}

fn cel_with(types: &[&str]) -> String {
    format!(
        "(!({}) || ({})) && variables.containers.all(c, !({}) || ({}))",
        pod_sc_has("seLinuxOptions"),
        cel_allowed("variables.spec.securityContext.seLinuxOptions", types),
        container_sc_has("c", "seLinuxOptions"),
        cel_allowed("c.securityContext.seLinuxOptions", types),
    )
}

/// v1.0+ in CEL.
fn cel_v1_0(_: &dyn CelExemptions) -> String {
    cel_with(TYPES_V1_0)
}

/// v1.31+ in CEL.
fn cel_v1_31(_: &dyn CelExemptions) -> String {
    cel_with(TYPES_V1_31)
}
