//! Compact facts about each object, kept after its file is checked, for the
//! rules that judge several objects together (network policies per namespace).

use std::collections::BTreeMap;

use rampart_k8s::K8sObject;
use rampart_source::{SourceFile, TextRange};
use serde_json::Value;

/// What a cross-object rule needs to know about one object.
#[derive(Debug, Clone)]
pub struct ObjectFacts {
    pub file: String,
    /// Where to point a finding about this object (its `metadata.name`, or the object).
    pub range: TextRange,
    /// Kept only for standard input and live cluster objects, which cannot be read twice.
    pub source: Option<SourceFile>,
    pub api_version: String,
    pub kind: String,
    /// Empty when the manifest leaves it to `kubectl -n`.
    pub namespace: String,
    pub name: String,
    /// Rules the object exempts inline (`rampart.dev/ignore`).
    pub inline_ignores: Vec<String>,
    pub helm_source: Option<String>,
    pub detail: FactDetail,
}

/// The kind-specific part of the facts.
#[derive(Debug, Clone)]
pub enum FactDetail {
    /// An object that runs pods, with its pod labels.
    Workload {
        pod_labels: BTreeMap<String, String>,
        /// NetworkPolicies do not apply to pods in the node's network namespace.
        host_network: bool,
        /// `serviceAccountName` (`default` when unset).
        service_account: String,
        /// Whether the service account token is mounted (`automountServiceAccountToken`).
        token_mounted: bool,
    },
    /// A Role or ClusterRole: what its rules grant, each rule judged on its own.
    Role {
        cluster: bool,
        grants: Vec<Grant>,
    },
    /// A RoleBinding or ClusterRoleBinding.
    Binding(BindingFacts),
    /// A Kubernetes, Calico or Cilium network policy.
    NetworkPolicy(NetworkPolicyFacts),
    Namespace,
    Other,
}

/// A network policy, reduced to what the network rules judge.
#[derive(Debug, Clone, Default)]
pub struct NetworkPolicyFacts {
    /// Applies to every namespace (Calico GlobalNetworkPolicy, Cilium clusterwide).
    pub cluster_wide: bool,
    /// Selects every pod of its namespace (empty `podSelector`, Calico `all()`, Cilium `{}`).
    pub selects_all: bool,
    /// Pod label selector (matchLabels only; expressions make it "some pods").
    pub match_labels: BTreeMap<String, String>,
    /// Has match expressions or a selector rampart cannot evaluate.
    pub complex_selector: bool,
    pub isolates_ingress: bool,
    pub isolates_egress: bool,
    /// Whether an egress rule of this policy allows the cloud metadata address.
    pub allows_metadata: bool,
    /// An explicit deny of the metadata address (Calico, Cilium).
    pub denies_metadata: bool,
    /// No ingress rule: the selected pods accept no traffic (default deny).
    pub denies_all_ingress: bool,
}

impl NetworkPolicyFacts {
    /// Whether the policy selects pods with `labels` (complex selectors count as "maybe": no).
    pub fn selects(&self, labels: &BTreeMap<String, String>) -> bool {
        if self.selects_all {
            return true;
        }
        if self.complex_selector {
            return false;
        }
        self.match_labels
            .iter()
            .all(|(k, v)| labels.get(k) == Some(v))
    }
}

const METADATA_V4: [u8; 4] = [169, 254, 169, 254];

/// The facts of one object, for the cross-object rules; `None` for objects
/// none of them looks at.
pub fn facts_of(
    object: &K8sObject<'_>,
    file: &SourceFile,
    range: impl FnOnce() -> TextRange,
    helm_source: Option<&str>,
    inline_ignores: impl FnOnce() -> Vec<String>,
) -> Option<ObjectFacts> {
    let value = object.value;
    let kind = object.kind.unwrap_or("");
    let api_version = object.api_version.unwrap_or("");
    let detail = if let Some((metadata, spec)) = object.pod_parts() {
        let service_account = spec
            .get("serviceAccountName")
            .or_else(|| spec.get("serviceAccount"))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .unwrap_or("default");
        FactDetail::Workload {
            pod_labels: string_map(metadata.and_then(|m| m.get("labels"))),
            host_network: spec.get("hostNetwork").and_then(Value::as_bool) == Some(true),
            service_account: service_account.to_string(),
            token_mounted: spec
                .get("automountServiceAccountToken")
                .and_then(Value::as_bool)
                != Some(false),
        }
    } else if api_version.starts_with("rbac.authorization.k8s.io/")
        && (kind == "Role" || kind == "ClusterRole")
    {
        FactDetail::Role {
            cluster: kind == "ClusterRole",
            grants: role_grants(value),
        }
    } else if api_version.starts_with("rbac.authorization.k8s.io/")
        && (kind == "RoleBinding" || kind == "ClusterRoleBinding")
    {
        FactDetail::Binding(binding_facts(value, kind == "ClusterRoleBinding"))
    } else if kind == "Namespace" && api_version == "v1" {
        FactDetail::Namespace
    } else if let Some(policy) = network_policy(api_version, kind, value) {
        FactDetail::NetworkPolicy(policy)
    } else {
        // No cross-object rule looks at other objects: keep nothing.
        return None;
    };
    Some(ObjectFacts {
        file: file.name().to_string(),
        range: range(),
        source: (file.name() == "<stdin>" || file.is_cluster()).then(|| file.clone()),
        api_version: api_version.to_string(),
        kind: kind.to_string(),
        namespace: object.namespace.unwrap_or("").to_string(),
        name: object.name.unwrap_or("").to_string(),
        inline_ignores: inline_ignores(),
        helm_source: helm_source.map(str::to_string),
        detail,
    })
}

/// A power a Role grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Grant {
    ReadSecrets,
    ExecIntoPods,
}

impl Grant {
    pub fn describe(self) -> &'static str {
        match self {
            Grant::ReadSecrets => "read secrets",
            Grant::ExecIntoPods => "exec into pods",
        }
    }
}

/// A binding's role and subjects.
#[derive(Debug, Clone, Default)]
pub struct BindingFacts {
    pub cluster: bool,
    /// `Role` or `ClusterRole`.
    pub role_kind: String,
    pub role_name: String,
    /// (kind, name, namespace) of each subject.
    pub subjects: Vec<(String, String, String)>,
}

fn strings(value: Option<&Value>) -> Vec<&str> {
    value
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// What each rule of a Role grants (never a flattened union of the rules).
fn role_grants(value: &Value) -> Vec<Grant> {
    let mut grants = Vec::new();
    for rule in value
        .get("rules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let groups = strings(rule.get("apiGroups"));
        let resources = strings(rule.get("resources"));
        let verbs = strings(rule.get("verbs"));
        let core = groups.iter().any(|g| g.is_empty() || *g == "*");
        let has = |resource: &str| resources.iter().any(|r| *r == resource || *r == "*");
        let can = |verb: &str| verbs.iter().any(|v| *v == verb || *v == "*");
        if core && has("secrets") && (can("get") || can("list") || can("watch")) {
            grants.push(Grant::ReadSecrets);
        }
        let exec = resources
            .iter()
            .any(|r| *r == "pods/exec" || *r == "pods/attach" || *r == "*");
        if core && exec && (can("create") || can("get")) {
            grants.push(Grant::ExecIntoPods);
        }
    }
    grants.sort();
    grants.dedup();
    grants
}

fn binding_facts(value: &Value, cluster: bool) -> BindingFacts {
    let role = value.get("roleRef");
    let text = |v: Option<&Value>, key: &str| {
        v.and_then(|v| v.get(key))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let subjects = value
        .get("subjects")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|s| {
            (
                text(Some(s), "kind"),
                text(Some(s), "name"),
                text(Some(s), "namespace"),
            )
        })
        .collect();
    BindingFacts {
        cluster,
        role_kind: text(role, "kind"),
        role_name: text(role, "name"),
        subjects,
    }
}

fn string_map(value: Option<&Value>) -> BTreeMap<String, String> {
    value
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

fn network_policy(api_version: &str, kind: &str, value: &Value) -> Option<NetworkPolicyFacts> {
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    match (group, kind) {
        ("networking.k8s.io", "NetworkPolicy") => Some(kubernetes_policy(value)),
        (
            "projectcalico.org" | "crd.projectcalico.org",
            "NetworkPolicy" | "GlobalNetworkPolicy",
        ) => Some(calico_policy(value, kind == "GlobalNetworkPolicy")),
        ("cilium.io", "CiliumNetworkPolicy" | "CiliumClusterwideNetworkPolicy") => Some(
            cilium_policy(value, kind == "CiliumClusterwideNetworkPolicy"),
        ),
        _ => None,
    }
}

/// Kubernetes NetworkPolicy semantics: `policyTypes` defaults to Ingress, plus
/// Egress when `egress` rules exist; an egress rule without `to` allows every
/// destination; an `ipBlock` allows its CIDR minus `except`; pod and
/// namespace selectors only reach pods, never the node's metadata address.
fn kubernetes_policy(value: &Value) -> NetworkPolicyFacts {
    let spec = value.get("spec").unwrap_or(&Value::Null);
    let selector = spec.get("podSelector");
    let match_labels = string_map(selector.and_then(|s| s.get("matchLabels")));
    let has_expressions = selector
        .and_then(|s| s.get("matchExpressions"))
        .and_then(Value::as_array)
        .is_some_and(|e| !e.is_empty());
    let types: Vec<&str> = spec
        .get("policyTypes")
        .and_then(Value::as_array)
        .map(|t| t.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let egress_rules = spec.get("egress").and_then(Value::as_array);
    let ingress_rules = spec.get("ingress").and_then(Value::as_array);
    let (isolates_ingress, isolates_egress) = if types.is_empty() {
        (true, egress_rules.is_some())
    } else {
        (types.contains(&"Ingress"), types.contains(&"Egress"))
    };
    let allows_metadata = egress_rules
        .into_iter()
        .flatten()
        .any(kubernetes_rule_allows_metadata);
    NetworkPolicyFacts {
        cluster_wide: false,
        selects_all: match_labels.is_empty() && !has_expressions,
        match_labels,
        complex_selector: has_expressions,
        isolates_ingress,
        isolates_egress,
        allows_metadata,
        denies_metadata: false,
        denies_all_ingress: isolates_ingress && ingress_rules.is_none_or(|r| r.is_empty()),
    }
}

fn kubernetes_rule_allows_metadata(rule: &Value) -> bool {
    if !port_allows_http(rule.get("ports")) {
        return false;
    }
    match rule.get("to").and_then(Value::as_array) {
        None => true,
        Some(peers) if peers.is_empty() => true,
        Some(peers) => peers
            .iter()
            .any(|peer| peer.get("ipBlock").is_some_and(block_holds_metadata)),
    }
}

/// Whether a `{cidr, except}` block (Kubernetes `ipBlock`, Cilium
/// `toCIDRSet` entry) holds the metadata address after its exceptions.
fn block_holds_metadata(block: &Value) -> bool {
    let cidr = block.get("cidr").and_then(Value::as_str).unwrap_or("");
    let excepted = block
        .get("except")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .any(cidr_contains_metadata);
    cidr_contains_metadata(cidr) && !excepted
}

/// Whether a rule's port list lets HTTP (80) through; no list: every port.
fn port_allows_http(ports: Option<&Value>) -> bool {
    let Some(ports) = ports.and_then(Value::as_array).filter(|p| !p.is_empty()) else {
        return true;
    };
    ports.iter().any(|p| {
        let port = p.get("port");
        let start = port.and_then(Value::as_u64);
        let end = p.get("endPort").and_then(Value::as_u64);
        match (port, start, end) {
            (None, _, _) => true,
            (_, Some(start), Some(end)) => (start..=end).contains(&80),
            (_, Some(start), None) => start == 80,
            // Named ports resolve to container ports, not to the metadata service.
            _ => false,
        }
    })
}

/// Whether an IPv4 or IPv6 CIDR contains a cloud metadata address
/// (169.254.169.254, or AWS's fd00:ec2::254).
pub fn cidr_contains_metadata(cidr: &str) -> bool {
    let (address, prefix) = cidr.split_once('/').unwrap_or((cidr, ""));
    if let Ok(v4) = address.parse::<std::net::Ipv4Addr>() {
        let prefix: u32 = prefix.parse().unwrap_or(32).min(32);
        let mask = if prefix == 0 {
            0
        } else {
            u32::MAX << (32 - prefix)
        };
        return (u32::from(v4) & mask) == (u32::from_be_bytes(METADATA_V4) & mask);
    }
    if let Ok(v6) = address.parse::<std::net::Ipv6Addr>() {
        let prefix: u32 = prefix.parse().unwrap_or(128).min(128);
        let mask = if prefix == 0 {
            0
        } else {
            u128::MAX << (128 - prefix)
        };
        let aws: std::net::Ipv6Addr = "fd00:ec2::254"
            .parse()
            .unwrap_or(std::net::Ipv6Addr::UNSPECIFIED);
        return (u128::from(v6) & mask) == (u128::from(aws) & mask);
    }
    false
}

/// Calico: `selector: all()` or absent selects every pod; egress rules with
/// `action: Deny` and a destination net holding the metadata address block it.
fn calico_policy(value: &Value, cluster_wide: bool) -> NetworkPolicyFacts {
    let spec = value.get("spec").unwrap_or(&Value::Null);
    let selector = spec
        .get("selector")
        .and_then(Value::as_str)
        .unwrap_or("all()")
        .trim();
    let types: Vec<&str> = spec
        .get("types")
        .and_then(Value::as_array)
        .map(|t| t.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let egress: Vec<&Value> = spec
        .get("egress")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    let mut denies_metadata = false;
    let mut allows_metadata = false;
    for rule in &egress {
        let action = rule.get("action").and_then(Value::as_str).unwrap_or("");
        let nets = rule
            .pointer("/destination/nets")
            .and_then(Value::as_array)
            .map(|n| {
                n.iter()
                    .filter_map(Value::as_str)
                    .any(cidr_contains_metadata)
            });
        let not_nets = rule
            .pointer("/destination/notNets")
            .and_then(Value::as_array)
            .is_some_and(|n| {
                n.iter()
                    .filter_map(Value::as_str)
                    .any(cidr_contains_metadata)
            });
        // Calico evaluates rules in order: the first match decides.
        if action == "Deny" && nets == Some(true) && !allows_metadata {
            denies_metadata = true;
        }
        if action == "Allow" && nets.unwrap_or(true) && !not_nets && !denies_metadata {
            allows_metadata = true;
        }
    }
    let isolates_egress = types.contains(&"Egress") || !egress.is_empty();
    NetworkPolicyFacts {
        cluster_wide,
        selects_all: selector.is_empty() || selector == "all()",
        match_labels: BTreeMap::new(),
        complex_selector: !(selector.is_empty() || selector == "all()"),
        isolates_ingress: types.contains(&"Ingress") || spec.get("ingress").is_some(),
        isolates_egress,
        allows_metadata: allows_metadata && !denies_metadata,
        denies_metadata,
        denies_all_ingress: false,
    }
}

/// Cilium: `endpointSelector: {}` selects every pod; `egressDeny` with a
/// `toCIDR`/`toCIDRSet` holding the metadata address blocks it, and an
/// egress allow list that does not hold it blocks it too.
fn cilium_policy(value: &Value, cluster_wide: bool) -> NetworkPolicyFacts {
    let specs: Vec<&Value> = match (value.get("spec"), value.get("specs")) {
        (Some(spec), _) => vec![spec],
        (None, Some(Value::Array(specs))) => specs.iter().collect(),
        _ => Vec::new(),
    };
    let mut facts = NetworkPolicyFacts {
        cluster_wide,
        ..NetworkPolicyFacts::default()
    };
    for spec in specs {
        let selector = spec.get("endpointSelector");
        let labels = string_map(selector.and_then(|s| s.get("matchLabels")));
        let expressions = selector
            .and_then(|s| s.get("matchExpressions"))
            .and_then(Value::as_array)
            .is_some_and(|e| !e.is_empty());
        if labels.is_empty() && !expressions {
            facts.selects_all = true;
        } else {
            facts.match_labels.extend(labels);
            facts.complex_selector |= expressions;
        }
        let cidrs = |rules: Option<&Value>| -> bool {
            rules
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .any(|rule| {
                    let to_cidr = rule
                        .get("toCIDR")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .any(cidr_contains_metadata);
                    let to_set = rule
                        .get("toCIDRSet")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .any(block_holds_metadata);
                    let to_world = rule
                        .get("toEntities")
                        .and_then(Value::as_array)
                        .is_some_and(|e| e.iter().any(|v| v == "world" || v == "all"));
                    to_cidr || to_set || to_world
                })
        };
        facts.denies_metadata |= cidrs(spec.get("egressDeny"));
        if spec.get("egress").is_some() || spec.get("egressDeny").is_some() {
            facts.isolates_egress = true;
        }
        facts.allows_metadata |= cidrs(spec.get("egress"));
        facts.isolates_ingress |=
            spec.get("ingress").is_some() || spec.get("ingressDeny").is_some();
    }
    if facts.denies_metadata {
        facts.allows_metadata = false;
    }
    facts
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn metadata_cidrs() {
        assert!(cidr_contains_metadata("0.0.0.0/0"));
        assert!(cidr_contains_metadata("169.254.0.0/16"));
        assert!(cidr_contains_metadata("169.254.169.254/32"));
        assert!(!cidr_contains_metadata("10.0.0.0/8"));
        assert!(cidr_contains_metadata("::/0"));
        assert!(cidr_contains_metadata("fd00:ec2::254/128"));
        assert!(!cidr_contains_metadata("fd00:ec3::/32"));
        assert!(!cidr_contains_metadata("garbage"));
    }

    #[test]
    fn kubernetes_egress_semantics() {
        let open = json!({"spec": {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{}]}});
        assert!(kubernetes_policy(&open).allows_metadata);
        let except = json!({"spec": {"podSelector": {}, "policyTypes": ["Egress"],
            "egress": [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["169.254.169.254/32"]}}]}]}});
        let facts = kubernetes_policy(&except);
        assert!(facts.isolates_egress && !facts.allows_metadata);
        let dns_only = json!({"spec": {"podSelector": {"matchLabels": {"app": "a"}},
            "egress": [{"ports": [{"port": 53, "protocol": "UDP"}]}]}});
        let facts = kubernetes_policy(&dns_only);
        assert!(facts.isolates_egress && !facts.allows_metadata && !facts.selects_all);
        let ingress_only = json!({"spec": {"podSelector": {}}});
        let facts = kubernetes_policy(&ingress_only);
        assert!(facts.isolates_ingress && !facts.isolates_egress && facts.denies_all_ingress);
    }

    #[test]
    fn calico_and_cilium_metadata_denies() {
        let calico = json!({"spec": {"selector": "all()", "types": ["Egress"], "egress": [
            {"action": "Deny", "destination": {"nets": ["169.254.169.254/32"]}},
            {"action": "Allow"}]}});
        let facts = calico_policy(&calico, true);
        assert!(facts.denies_metadata && !facts.allows_metadata && facts.cluster_wide);
        let cilium = json!({"spec": {"endpointSelector": {}, "egressDeny": [{"toCIDR": ["169.254.169.254/32"]}]}});
        let facts = cilium_policy(&cilium, false);
        assert!(facts.denies_metadata && facts.selects_all);
    }
}
