use super::prelude::*;

/// ## What it does
/// Flags pods that override the default AppArmor profile with anything other
/// than `RuntimeDefault` or a `Localhost` profile, through the
/// `securityContext.appArmorProfile` field of the pod or of a container, or
/// through the legacy `container.apparmor.security.beta.kubernetes.io/<name>`
/// annotations (allowed values there: empty, `runtime/default`,
/// `localhost/<profile>`).
///
/// This is the Pod Security Standards `appArmorProfile` check (Baseline level,
/// all policy versions; fields and annotations are both inspected at every
/// version).
///
/// ## Why is this bad?
/// On nodes with AppArmor, the container runtime confines every container
/// with a default profile that denies writes to `/proc` and `/sys` files,
/// mounting, and other operations used in container escapes. Setting the
/// profile to `Unconfined` removes that layer, so a kernel or runtime bug, or
/// an over-broad capability, is much easier to turn into a node compromise.
///
/// Some node agents run unconfined because the default profile blocks what
/// they do (for example security agents such as Falco, or Datadog's
/// system-probe, reading kernel interfaces). Prefer shipping a `Localhost`
/// profile tailored to the agent, and keep unconfined agents in a dedicated
/// privileged namespace.
///
/// ## Example
/// ```yaml
/// apiVersion: v1
/// kind: Pod
/// metadata:
///   name: app
/// spec:
///   containers:
///     - name: app
///       image: registry.example.com/app:1.0
///       securityContext:
///         appArmorProfile:
///           type: Unconfined
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
///     appArmorProfile:
///       type: RuntimeDefault
///   containers:
///     - name: app
///       image: registry.example.com/app:1.0
/// ```
///
/// ## Fix
/// Remove the override, or set `appArmorProfile.type` to `RuntimeDefault`
/// (or `Localhost` with `localhostProfile` naming a profile loaded on the
/// nodes). Replace legacy annotations with the `appArmorProfile` field
/// (Kubernetes 1.30+); if you keep them, use `runtime/default` or
/// `localhost/<profile>`.
///
/// ## References
/// - [Pod Security Standards: AppArmor](https://kubernetes.io/docs/concepts/security/pod-security-standards/)
/// - CIS Kubernetes Benchmark 5.7.3 (apply security context to pods and containers)
/// - [MITRE ATT&CK T1611: Escape to Host](https://attack.mitre.org/techniques/T1611/)
#[derive(RuleMetadata)]
#[rule(
    code = "PSB006",
    name = "apparmor-profile",
    severity = "medium",
    pss = "baseline:appArmorProfile",
    cis = "5.7.3",
    mitre = "T1611",
    nsa = "container-environments"
)]
pub struct AppArmorProfile;

pub(super) static CHECK: Check = Check {
    id: "appArmorProfile",
    level: Level::Baseline,
    rule: &AppArmorProfile::META,
    definitions: &[CheckDefinition {
        min_minor: 0,
        evaluate: evaluate_v1_0,
        cel: cel_v1_0,
        overrides: &[],
    }],
};

/// Prefix of the legacy per-container AppArmor annotations.
const ANNOTATION_PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";

/// The `type` of a set `appArmorProfile`, when it is not allowed.
fn bad_type(profile: &serde_json::Value) -> Option<&str> {
    let kind = text(Some(profile), "type");
    (!matches!(kind, "RuntimeDefault" | "Localhost")).then_some(kind)
}

/// An allowed annotation value: empty, `runtime/default` or `localhost/...`.
fn allowed_annotation_value(value: &str) -> bool {
    value.is_empty() || value == "runtime/default" || value.starts_with("localhost/")
}

/// v1.0+: pod and container `appArmorProfile.type` must be `RuntimeDefault` or
/// `Localhost`; AppArmor annotations must have an allowed value (a non-string
/// annotation value reads as `""`, which is allowed).
fn evaluate_v1_0(pod: &Pod<'_>) -> Option<Failure> {
    let mut bad_types: Vec<&str> = Vec::new();
    let mut offenders = Vec::new();
    let mut pod_bad = false;
    if let Some(kind) = pod.sc_field("appArmorProfile").and_then(bad_type) {
        pod_bad = true;
        bad_types.push(kind);
        offenders.push(Offender::pod(
            "/spec/securityContext/appArmorProfile/type",
            format!("pod must not set securityContext.appArmorProfile.type to \"{kind}\""),
        ));
    }
    let mut bad_containers: Vec<&str> = Vec::new();
    for c in pod.containers() {
        if let Some(kind) = c.sc_field("appArmorProfile").and_then(bad_type) {
            bad_containers.push(c.name);
            bad_types.push(kind);
            offenders.push(Offender::container(
                &c,
                "securityContext/appArmorProfile/type",
                format!(
                    "{} must not set securityContext.appArmorProfile.type to \"{kind}\"",
                    c.label()
                ),
            ));
        }
    }
    // (rendering, key, value)
    let mut annotations: Vec<(String, &str, &str)> = pod
        .annotations
        .into_iter()
        .flatten()
        .filter(|(key, _)| key.starts_with(ANNOTATION_PREFIX))
        .map(|(key, value)| (key.as_str(), value.as_str().unwrap_or("")))
        .filter(|(_, value)| !allowed_annotation_value(value))
        .map(|(key, value)| (format!("{key}={}", go_quote(value)), key, value))
        .collect();
    if !pod_bad && bad_containers.is_empty() && annotations.is_empty() {
        return None;
    }
    annotations.sort_unstable();

    for (_, key, value) in &annotations {
        let target = key.strip_prefix(ANNOTATION_PREFIX).unwrap_or_default();
        let container = pod
            .containers()
            .any(|c| c.name == target)
            .then(|| target.to_owned());
        offenders.push(Offender {
            pointer: annotation_pointer(key),
            container,
            message: format!(
                "annotation \"{key}\" must not set AppArmor profile {}",
                go_quote(value)
            ),
        });
    }

    let mut values = sorted_unique(bad_types);
    values.extend(
        annotations
            .iter()
            .map(|(rendering, _, _)| rendering.as_str()),
    );

    let mut setter_parts: Vec<String> = Vec::new();
    if pod_bad || !bad_containers.is_empty() {
        setter_parts.push(setters(pod_bad, &bad_containers));
    }
    if !annotations.is_empty() {
        setter_parts.push(plural("annotation", "annotations", annotations.len()).to_owned());
    }
    Some(Failure {
        reason: plural(
            "forbidden AppArmor profile",
            "forbidden AppArmor profiles",
            values.len(),
        ),
        detail: format!(
            "{} must not set AppArmor profile type to {}",
            setter_parts.join(" and "),
            quote_list(&values)
        ),
        offenders,
    })
}

/// v1.0+ in CEL.
fn cel_v1_0(exempt: &dyn CelExemptions) -> String {
    let rule = &AppArmorProfile::META;
    let allowed_types = string_list(&["RuntimeDefault", "Localhost"]);
    let pod_type = value_or(
        "variables.spec.securityContext.appArmorProfile",
        "type",
        "''",
    );
    let pod = or(
        format!(
            "!({}) || {pod_type} in {allowed_types}",
            pod_sc_has("appArmorProfile")
        ),
        and(
            format!("{pod_type} == 'Unconfined'"),
            exempt.pod(rule, CelPrivilege::AppArmorUnconfined),
        ),
    );
    let container_type = value_or("c.securityContext.appArmorProfile", "type", "''");
    let containers = format!(
        "variables.containers.all(c, {})",
        or(
            format!(
                "!({}) || {container_type} in {allowed_types}",
                container_sc_has("c", "appArmorProfile")
            ),
            and(
                format!("{container_type} == 'Unconfined'"),
                exempt.container(rule, "c", CelPrivilege::AppArmorUnconfined)
            ),
        )
    );
    let value = "variables.annotations[k]";
    let annotation_exempt = exempt.container(rule, "c", CelPrivilege::AppArmorUnconfined);
    let annotation_allowed = if annotation_exempt == crate::pss::cel::FALSE {
        annotation_exempt
    } else {
        format!(
            "{value} == 'unconfined' && variables.containers.exists(c, {} + c.name == k && !({}) && ({annotation_exempt}))",
            quote(ANNOTATION_PREFIX),
            container_sc_has("c", "appArmorProfile.type"),
        )
    };
    let annotations = format!(
        "variables.annotations.all(k, {})",
        or(
            format!(
                "!k.startsWith({}) || {value} in ['', 'runtime/default'] || {value}.startsWith('localhost/')",
                quote(ANNOTATION_PREFIX)
            ),
            annotation_allowed
        )
    );
    format!("({pod}) && ({containers}) && ({annotations})")
}
