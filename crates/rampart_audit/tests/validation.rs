//! Validation of the built-in detections against two labelled corpora,
//! copied into `tests/data/audit/` (provenance and licences in its
//! `SOURCES.md`): Falco's k8saudit test cases (falco 0.34.1,
//! `expected_detections.json`) and the labelled test events of Panther's
//! Kubernetes rules (panther-analysis, `events.jsonl` + `labels.jsonl`).
//!
//! Every case whose source rule maps to a rampart detection ([`FALCO_RULES`],
//! [`PANTHER_RULES`]) runs through the engine and is compared with its label.
//! Every miss, a false negative or a false positive, must be listed in
//! [`KNOWN`] with its reason: the test fails on a new miss, and on a listed
//! miss that no longer happens (update the table). It also fails when a
//! detection fires on a Falco trace no case expects it on ([`KNOWN_EXTRA`]).
//!
//! The numbers, the mapping tables and the explained misses are rendered into
//! `docs/DETECTIONS.md`, which must hold them verbatim between the
//! `validation.rs` markers. Print them with
//! `cargo test -p rampart_audit --test validation -- --nocapture`; rewrite the
//! document's generated part with `UPDATE_DETECTIONS_DOC=1 cargo test -p
//! rampart_audit --test validation`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use rampart_audit::{Engine, Signal, State};
use serde_json::Value;

/// How a source rule maps to rampart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cover {
    /// The detection fires on the event.
    Code(&'static str),
    /// The detection fires on the event with critical severity.
    Critical(&'static str),
    /// A windowed detection: the event is repeated `copies` times, each copy
    /// made distinct as `Vary` says (and given its own audit ID), and the
    /// detection must fire on the series. Panther's label says whether the
    /// event counts towards its rule's threshold.
    Replay(&'static str, usize, Vary),
    /// Not covered, and why.
    Not(&'static str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Vary {
    /// Another secret: `objectRef.name` (else `objectRef.namespace`) gets a suffix.
    Secret,
    /// Another endpoint: `objectRef.resource` (else the request URI) gets a suffix.
    Endpoint,
}

impl Cover {
    fn code(self) -> Option<&'static str> {
        match self {
            Cover::Code(c) | Cover::Critical(c) | Cover::Replay(c, _, _) => Some(c),
            Cover::Not(_) => None,
        }
    }

    fn describe(self) -> String {
        match self {
            Cover::Code(c) => c.to_owned(),
            Cover::Critical(c) => format!("{c} (critical severity)"),
            Cover::Replay(c, n, Vary::Secret) => {
                format!("{c} (event repeated {n}× with distinct secret names)")
            }
            Cover::Replay(c, n, Vary::Endpoint) => {
                format!("{c} (event repeated {n}× on distinct endpoints)")
            }
            Cover::Not(why) => format!("not covered: {why}"),
        }
    }
}

const ACTIVITY: &str = "an INFO activity rule (every create or delete of one kind): an inventory log, not an attack signal";

/// Every Falco rule named in `expected_detections.json`.
const FALCO_RULES: &[(&str, Cover)] = &[
    ("Attach/Exec Pod", Cover::Code("KA001")),
    ("Create Privileged Pod", Cover::Code("KA002")),
    ("Create Sensitive Mount Pod", Cover::Code("KA003")),
    ("Create HostNetwork Pod", Cover::Code("KA004")),
    ("Attach to cluster-admin Role", Cover::Code("KA005")),
    ("Anonymous Request Allowed", Cover::Code("KA006")),
    ("ClusterRole With Wildcard Created", Cover::Code("KA007")),
    ("ClusterRole With Pod Exec Created", Cover::Code("KA007")),
    ("Pod Created in Kube Namespace", Cover::Code("KA008")),
    (
        "Service Account Created in Kube Namespace",
        Cover::Code("KA008"),
    ),
    (
        "ClusterRole With Write Privileges Created",
        Cover::Not(
            "write verbs on ordinary resources are what most roles grant; KA007 reports the rules that lead to more privilege",
        ),
    ),
    (
        "Create Disallowed Pod",
        Cover::Not(
            "an image allow-list that Falco ships disabled (`allowed_k8s_containers` is always true); images are judged by rampart's posture rules",
        ),
    ),
    (
        "Disallowed K8s User",
        Cover::Not("a site-specific allow-list of users"),
    ),
    (
        "Create Disallowed Namespace",
        Cover::Not("a site-specific allow-list of namespaces"),
    ),
    (
        "Create NodePort Service",
        Cover::Not("exposure is a posture finding (`rampart scan`), not an attack signal"),
    ),
    (
        "Create/Modify Configmap With Private Credentials",
        Cover::Not("scanning ConfigMap values for secrets is out of scope for the audit engine"),
    ),
    (
        "System ClusterRole Modified/Deleted",
        Cover::Not("a candidate for a next detection (changes to `system:` ClusterRoles)"),
    ),
    ("K8s Deployment Created", Cover::Not(ACTIVITY)),
    ("K8s Deployment Deleted", Cover::Not(ACTIVITY)),
    ("K8s Service Created", Cover::Not(ACTIVITY)),
    ("K8s Service Deleted", Cover::Not(ACTIVITY)),
    ("K8s ConfigMap Created", Cover::Not(ACTIVITY)),
    ("K8s ConfigMap Deleted", Cover::Not(ACTIVITY)),
    ("K8s Namespace Created", Cover::Not(ACTIVITY)),
    ("K8s Namespace Deleted", Cover::Not(ACTIVITY)),
    ("K8s Serviceaccount Created", Cover::Not(ACTIVITY)),
    ("K8s Serviceaccount Deleted", Cover::Not(ACTIVITY)),
    ("K8s Role/Clusterrole Created", Cover::Not(ACTIVITY)),
    ("K8s Role/Clusterrole Deleted", Cover::Not(ACTIVITY)),
    ("K8s Role/Clusterrolebinding Created", Cover::Not(ACTIVITY)),
    ("K8s Role/Clusterrolebinding Deleted", Cover::Not(ACTIVITY)),
    ("K8s Secret Created", Cover::Not(ACTIVITY)),
    ("K8s Secret Deleted", Cover::Not(ACTIVITY)),
    (
        "json_pointer_example",
        Cover::Not("a test of Falco's rule language (JSON pointers), not a detection"),
    ),
    (
        MALFORMED,
        Cover::Not("a parser test: the engine must count the line as malformed and go on"),
    ),
];

/// The rule a negative case tests (a case with `detect: false` names none).
const MALFORMED: &str = "(malformed input)";

/// Falco's negative cases: the rule under test, and the override file when
/// the expectation holds only once that allow-list is applied.
const FALCO_NEGATIVES: &[(&str, &str, Option<&str>)] = &[
    (
        "compat_engine_v4_create_allowed_pod",
        "Create Disallowed Pod",
        Some("allow_nginx_container.yaml"),
    ),
    (
        "compat_engine_v4_create_privileged_trusted_pod",
        "Create Privileged Pod",
        Some("trust_nginx_container.yaml"),
    ),
    (
        "compat_engine_v4_create_unprivileged_pod",
        "Create Privileged Pod",
        None,
    ),
    (
        "compat_engine_v4_create_hostnetwork_trusted_pod",
        "Create HostNetwork Pod",
        Some("trust_nginx_container.yaml"),
    ),
    (
        "user_in_allowed_set",
        "Disallowed K8s User",
        Some("allow_user_some-user.yaml"),
    ),
    (
        "create_allowed_pod",
        "Create Disallowed Pod",
        Some("allow_nginx_container.yaml"),
    ),
    (
        "create_privileged_trusted_pod",
        "Create Privileged Pod",
        Some("trust_nginx_container.yaml"),
    ),
    ("create_unprivileged_pod", "Create Privileged Pod", None),
    // The trust override is loaded, but nothing is privileged anyway.
    (
        "create_unprivileged_trusted_pod",
        "Create Privileged Pod",
        None,
    ),
    (
        "create_sensitive_mount_trusted_pod",
        "Create Sensitive Mount Pod",
        Some("trust_nginx_container.yaml"),
    ),
    (
        "create_unsensitive_mount_pod",
        "Create Sensitive Mount Pod",
        None,
    ),
    (
        "create_unsensitive_mount_trusted_pod",
        "Create Sensitive Mount Pod",
        None,
    ),
    (
        "create_hostnetwork_trusted_pod",
        "Create HostNetwork Pod",
        Some("trust_nginx_container.yaml"),
    ),
    ("create_nohostnetwork_pod", "Create HostNetwork Pod", None),
    (
        "create_nohostnetwork_trusted_pod",
        "Create HostNetwork Pod",
        None,
    ),
    ("create_nonodeport_service", "Create NodePort Service", None),
    (
        "create_configmap_no_private_creds",
        "Create/Modify Configmap With Private Credentials",
        None,
    ),
    (
        "namespace_in_allowed_set",
        "Create Disallowed Namespace",
        Some("allow_namespace_foo.yaml"),
    ),
    (
        "create_service_account_token_secret",
        "K8s Secret Created",
        None,
    ),
    ("create_kube_system_secret", "K8s Secret Created", None),
    ("fal_01_003", MALFORMED, None),
];

/// Every Panther rule in `labels.jsonl`.
const PANTHER_RULES: &[(&str, Cover)] = &[
    ("Amazon.EKS.AnonymousAPIAccess", Cover::Code("KA006")),
    ("Kubernetes.API.AnonymousAccess", Cover::Code("KA006")),
    (
        "Amazon.EKS.Audit.Multiple403",
        Cover::Replay("KA011", 10, Vary::Endpoint),
    ),
    (
        "Kubernetes.API.Multiple403.PublicIP",
        Cover::Replay("KA011", 10, Vary::Endpoint),
    ),
    (
        "Kubernetes.BulkSecretAccess",
        Cover::Replay("KA009", 15, Vary::Secret),
    ),
    ("Kubernetes.Secrets.DumpAllNamespaces", Cover::Code("KA009")),
    (
        "Kubernetes.ClusterRoleBinding.Privileged",
        Cover::Code("KA005"),
    ),
    ("Kubernetes.Pod.Exec", Cover::Code("KA001")),
    (
        "Kubernetes.Pod.StealServiceAccountToken",
        Cover::Critical("KA001"),
    ),
    ("Kubernetes.Pod.SystemNamespace", Cover::Code("KA008")),
    ("Kubernetes.Pod.Host.IPC", Cover::Code("KA004")),
    ("Kubernetes.Pod.Host.Network", Cover::Code("KA004")),
    ("Kubernetes.Pod.Host.PID", Cover::Code("KA004")),
    ("Kubernetes.Pod.HostPath.Volume", Cover::Code("KA003")),
    ("Kubernetes.Pod.Privileged.Created", Cover::Code("KA002")),
    ("Kubernetes.Role.NodeProxyPermissions", Cover::Code("KA007")),
    ("Kubernetes.Role.PodExec", Cover::Code("KA007")),
    ("Kubernetes.Role.Wildcard", Cover::Code("KA007")),
    (
        "Kubernetes.ServiceAccount.TokenCreated",
        Cover::Code("KA010"),
    ),
    (
        "Amazon.EKS.Audit.SystemNamespaceFromPublicIP",
        Cover::Not(
            "needs the cloud provider's published IP ranges to tell public from provider addresses",
        ),
    ),
    (
        "Kubernetes.System.Principal.PublicIP",
        Cover::Not(
            "needs the cloud provider's published IP ranges to tell public from provider addresses",
        ),
    ),
    (
        "Kubernetes.API.IOC.Activity",
        Cover::Not("needs a feed of Tor exit nodes (Panther enriches events with one)"),
    ),
    (
        "Kubernetes.AdmissionController.Created",
        Cover::Not("a candidate for a next detection (admission webhook configurations)"),
    ),
    (
        "Kubernetes.ClientCertificate.Created",
        Cover::Not("a candidate for a next detection (client-certificate CSRs)"),
    ),
    (
        "Kubernetes.CronJob.CreatedOrModified",
        Cover::Not(
            "an activity rule (every CronJob written): an inventory log, not an attack signal",
        ),
    ),
    (
        "Kubernetes.DaemonSet.Created",
        Cover::Not(
            "an activity rule (every DaemonSet created); KA002–KA004 and KA008 judge what the DaemonSet runs and where",
        ),
    ),
    (
        "Kubernetes.Ingress.NoTLS",
        Cover::Not("exposure is a posture finding (`rampart scan`), not an attack signal"),
    ),
    (
        "Kubernetes.Service.NodePort.Deployed",
        Cover::Not("exposure is a posture finding (`rampart scan`), not an attack signal"),
    ),
    (
        "Kubernetes.Kubectl.CP.Operation",
        Cover::Not(
            "rampart does not single out `kubectl cp` (`tar` through exec); KA001 reports every exec, these included",
        ),
    ),
    (
        "Kubernetes.Pod.Dangerous.Capabilities",
        Cover::Not("not yet: KA002 reports `privileged`, not added capabilities such as SYS_ADMIN"),
    ),
    (
        "Kubernetes.Role.WritePermissions",
        Cover::Not(
            "write verbs on ordinary resources are what most roles grant; KA007 reports the rules that lead to more privilege",
        ),
    ),
    (
        "Kubernetes.Secret.AccessDenied",
        Cover::Not("a single denied read is routine; KA011 reports bursts of denials"),
    ),
    (
        "Kubernetes.SystemRole.Modified",
        Cover::Not("a candidate for a next detection (changes to `system:` ClusterRoles)"),
    ),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Miss {
    /// Labelled positive, no signal.
    FalseNegative,
    /// Labelled negative, a signal.
    FalsePositive,
}

/// Known misses: case, detection, kind, reason. Cases are `falco:<test>` or
/// `panther:<rule id>: <test name>`.
const KNOWN: &[(&str, &str, Miss, &str)] = &[
    // Falco.
    (
        "falco:create_pod_in_kube_system_namespace",
        "KA008",
        Miss::FalseNegative,
        "the pod is created by `system:serviceaccount:kube-system:replicaset-controller` for a ReplicaSet; KA008 reports the person who creates the Deployment or DaemonSet (a controller creating pods there is normal), Falco every pod not on its image allow-list",
    ),
    (
        "falco:create_pod_in_kube_public_namespace",
        "KA008",
        Miss::FalseNegative,
        "as above: the creator is the ReplicaSet controller, a system identity",
    ),
    (
        "falco:compat_engine_v4_create_privileged_trusted_pod",
        "KA002",
        Miss::FalsePositive,
        "allow-list case: quiet in Falco only with `trust_nginx_container.yaml`, which adds nginx to Falco's image allow-lists; rampart's built-in detections have no image allow-list",
    ),
    (
        "falco:create_privileged_trusted_pod",
        "KA002",
        Miss::FalsePositive,
        "allow-list case (`trust_nginx_container.yaml`), as above",
    ),
    (
        "falco:create_sensitive_mount_trusted_pod",
        "KA003",
        Miss::FalsePositive,
        "allow-list case (`trust_nginx_container.yaml`), as above",
    ),
    (
        "falco:compat_engine_v4_create_hostnetwork_trusted_pod",
        "KA004",
        Miss::FalsePositive,
        "allow-list case (`trust_nginx_container.yaml`), as above",
    ),
    (
        "falco:create_hostnetwork_trusted_pod",
        "KA004",
        Miss::FalsePositive,
        "allow-list case (`trust_nginx_container.yaml`), as above",
    ),
    // Panther: KA001.
    (
        "panther:Kubernetes.Pod.StealServiceAccountToken: System principal in system namespace (excluded)",
        "KA001",
        Miss::FalsePositive,
        "Panther trusts `kube-system` service accounts exec-ing into `kube-system` pods; KA001 has no identity exclusions, and a service account reading another pod's token is worth a look whoever it is",
    ),
    // KA002.
    (
        "panther:Kubernetes.Pod.Privileged.Created: Run-As-Root Pod Created",
        "KA002",
        Miss::FalseNegative,
        "Panther counts `runAsNonRoot: false` as privileged; KA002 reports `privileged: true` only (running as root is a posture finding)",
    ),
    (
        "panther:Kubernetes.Pod.Privileged.Created: Pod with runAsUser=0 (root)",
        "KA002",
        Miss::FalseNegative,
        "Panther counts `runAsUser: 0` as privileged; KA002 reports `privileged: true` only",
    ),
    (
        "panther:Kubernetes.Pod.Privileged.Created: Privileged Pod in System Namespace (Excluded)",
        "KA002",
        Miss::FalsePositive,
        "Panther excludes system namespaces; KA002 reports privileged pods anywhere (a privileged pod in `kube-system` is no less root on the node)",
    ),
    // KA003.
    (
        "panther:Kubernetes.Pod.HostPath.Volume: AKS Pod With HostPath",
        "KA003",
        Miss::FalseNegative,
        "the path is `/mnt/data`; Panther reports every hostPath, KA003 only sensitive host paths",
    ),
    // KA004.
    (
        "panther:Kubernetes.Pod.Host.IPC: System Namespace with HostIPC (Excluded)",
        "KA004",
        Miss::FalsePositive,
        "Panther excludes system namespaces; KA004 reports host namespaces anywhere",
    ),
    // KA005.
    (
        "panther:Kubernetes.ClusterRoleBinding.Privileged: AKS ClusterRoleBinding to system:masters",
        "KA005",
        Miss::FalseNegative,
        "the roleRef names a ClusterRole `system:masters` (a group name; no such role exists by default); KA005 reports bindings to `cluster-admin` only",
    ),
    (
        "panther:Kubernetes.ClusterRoleBinding.Privileged: EKS ClusterRoleBinding to controller-manager role",
        "KA005",
        Miss::FalseNegative,
        "a binding to `system:kube-controller-manager`; KA005 reports bindings to `cluster-admin` only",
    ),
    (
        "panther:Kubernetes.ClusterRoleBinding.Privileged: RoleBinding (not ClusterRoleBinding)",
        "KA005",
        Miss::FalsePositive,
        "a RoleBinding to `cluster-admin` grants every right in its namespace (secrets included); KA005 reports it by design",
    ),
    (
        "panther:Kubernetes.ClusterRoleBinding.Privileged: System principal creating binding (excluded)",
        "KA005",
        Miss::FalsePositive,
        "KA005 has no identity exclusions: a `cluster-admin` binding is rare enough to show whoever makes it",
    ),
    // KA006.
    (
        "panther:Amazon.EKS.AnonymousAPIAccess: Anonymous API Access Web Scanner Allowed",
        "KA006",
        Miss::FalseNegative,
        "a `GET /version`; KA006 leaves out health and version endpoints, which clusters open to anonymous users by default (Panther alerts on it from a public address)",
    ),
    (
        "panther:Amazon.EKS.AnonymousAPIAccess: ELB Health Check from Public IP",
        "KA006",
        Miss::FalseNegative,
        "a `GET /healthz`; KA006 leaves out health endpoints whatever the source (it does not classify addresses)",
    ),
    (
        "panther:Amazon.EKS.AnonymousAPIAccess: Anonymous API Access Web Scanner Denied",
        "KA006",
        Miss::FalseNegative,
        "the request was denied (403); KA006 reports anonymous requests that were allowed, KA011 bursts of denials",
    ),
    // KA007.
    (
        "panther:Kubernetes.Role.NodeProxyPermissions: System principal creating role (excluded)",
        "KA007",
        Miss::FalsePositive,
        "KA007 has no identity exclusions (the role grants what it grants); controllers that install roles are a known false positive",
    ),
    (
        "panther:Kubernetes.Role.NodeProxyPermissions: Updating existing role (not creating)",
        "KA007",
        Miss::FalsePositive,
        "KA007 reports updates and patches too: adding a dangerous rule to an existing role is the same escalation",
    ),
    (
        "panther:Kubernetes.Role.PodExec: System principal creating role (excluded)",
        "KA007",
        Miss::FalsePositive,
        "KA007 has no identity exclusions, as above",
    ),
    (
        "panther:Kubernetes.Role.PodExec: Updating existing role (not creating)",
        "KA007",
        Miss::FalsePositive,
        "KA007 reports updates and patches too, as above",
    ),
    (
        "panther:Kubernetes.Role.Wildcard: System principal creating role (excluded)",
        "KA007",
        Miss::FalsePositive,
        "KA007 has no identity exclusions, as above",
    ),
    (
        "panther:Kubernetes.Role.Wildcard: Updating existing role (not creating)",
        "KA007",
        Miss::FalsePositive,
        "KA007 reports updates and patches too, as above",
    ),
    // KA008.
    (
        "panther:Kubernetes.Pod.SystemNamespace: Deployment creating pod (not direct pod creation)",
        "KA008",
        Miss::FalsePositive,
        "a person creating a Deployment in `kube-system`: KA008 reports Deployments and DaemonSets as well as pods (Panther's rule is about pods only)",
    ),
    // KA009.
    (
        "panther:Kubernetes.BulkSecretAccess: User Lists Secrets",
        "KA009",
        Miss::FalseNegative,
        "a `list` of secrets in one namespace; KA009 counts reads of named secrets and cluster-wide lists, not namespaced lists (a gap: listing 15 namespaces one by one goes unreported)",
    ),
    (
        "panther:Kubernetes.BulkSecretAccess: User Watches Secrets",
        "KA009",
        Miss::FalseNegative,
        "a namespaced `watch`, as above",
    ),
    (
        "panther:Kubernetes.BulkSecretAccess: User Gets Secret - Access Denied",
        "KA009",
        Miss::FalseNegative,
        "the reads were denied (403); KA009 counts secrets actually read, and the denials hit one endpoint so KA011 stays quiet too",
    ),
    // KA010.
    (
        "panther:Kubernetes.ServiceAccount.TokenCreated: System principal in user namespace (alert)",
        "KA010",
        Miss::FalseNegative,
        "the minter is `system:kube-controller-manager`; KA010 leaves out the control plane, which mints tokens as part of running the cluster",
    ),
    // KA011.
    (
        "panther:Amazon.EKS.Audit.Multiple403: 403 and Private IP",
        "KA011",
        Miss::FalsePositive,
        "Panther counts denials from public addresses only; KA011 does not classify addresses (a stolen token used from inside the cluster is as interesting)",
    ),
    (
        "panther:Kubernetes.API.Multiple403.PublicIP: 403 from Private IP (Excluded)",
        "KA011",
        Miss::FalsePositive,
        "as above: KA011 does not classify addresses",
    ),
    (
        "panther:Kubernetes.API.Multiple403.PublicIP: No Source IP",
        "KA011",
        Miss::FalsePositive,
        "Panther needs a public address; KA011 groups an event without user or address under an unknown source",
    ),
];

/// Signals on Falco traces that no case of the trace expects: trace,
/// detection, reason.
const KNOWN_EXTRA: &[(&str, &str, &str)] = &[];

/// What each detection covers of other rule sets (beyond the tests above).
const COVERS: &[(&str, &str)] = &[
    (
        "KA001",
        "Falco *Attach/Exec Pod*; Sigma *Potential Remote Command Execution In Pod Container*; Panther *Pod.Exec* and, at critical severity, *Pod.StealServiceAccountToken*; Stratus Red Team `k8s.credential-access.steal-serviceaccount-token`. Every exec is reported, so Panther's *Kubectl.CP.Operation* events are too.",
    ),
    (
        "KA002",
        "Falco *Create Privileged Pod* (pods only; KA002 also reads workload templates); Sigma *Privileged Container Deployed* (whose `capabilities` field does not exist in raw audit events); Panther *Pod.Privileged.Created*; Stratus `k8s.privilege-escalation.privileged-pod`.",
    ),
    (
        "KA003",
        "Falco *Create Sensitive Mount Pod* (exact paths; KA003 also matches below them, e.g. `/etc/kubernetes/pki`); Sigma *Container With A hostPath Mount Created* and Panther *Pod.HostPath.Volume* (any hostPath; KA003 only sensitive ones); Stratus `k8s.privilege-escalation.hostpath-volume`.",
    ),
    (
        "KA004",
        "Falco *Create HostNetwork Pod*, *Create HostPid Pod*, *Create HostIPC Pod*; Panther *Pod.Host.Network*, *Pod.Host.PID*, *Pod.Host.IPC*.",
    ),
    (
        "KA005",
        "Falco *Attach to cluster-admin Role* (ClusterRoleBinding create only; KA005 also RoleBindings, updates and patches); Datadog *A Kubernetes user was assigned cluster administrator permissions*; Panther *ClusterRoleBinding.Privileged* (which also counts other roles).",
    ),
    (
        "KA006",
        "Falco *Anonymous Request Allowed*; Datadog *Anonymous request authorized*; Panther *API.AnonymousAccess* and *Amazon.EKS.AnonymousAPIAccess*.",
    ),
    (
        "KA007",
        "Falco *ClusterRole With Wildcard Created* and *ClusterRole With Pod Exec Created*; Panther *Role.Wildcard*, *Role.PodExec*, *Role.NodeProxyPermissions*; Stratus `k8s.persistence.create-admin-clusterrole` and `k8s.privilege-escalation.nodes-proxy` (the role half). Not Falco's *ClusterRole With Write Privileges Created* nor Panther's *Role.WritePermissions*.",
    ),
    (
        "KA008",
        "Falco *Pod Created in Kube Namespace* and *Service Account Created in Kube Namespace*; Sigma *Creation Of Pod In System Namespace*; Datadog *Kubernetes Pod Created in Kube Namespace*; Panther *Pod.SystemNamespace*.",
    ),
    (
        "KA009",
        "Panther *Secrets.DumpAllNamespaces* and *BulkSecretAccess*; Sigma *Kubernetes Secrets Enumeration*; Stratus `k8s.credential-access.dump-secrets`. Falco's *K8s Secret Get Successfully* (every read) has no test case.",
    ),
    (
        "KA010",
        "Panther *ServiceAccount.TokenCreated*; Stratus `k8s.persistence.create-token`.",
    ),
    (
        "KA011",
        "Datadog *A Kubernetes user attempted to perform a high number of actions that were denied*; Sigma *Kubernetes Unauthorized or Unauthenticated Access* (every 401/403; KA011 bursts only); Panther *API.Multiple403.PublicIP* and *Amazon.EKS.Audit.Multiple403*.",
    ),
    (
        "KA012",
        "Sigma *RBAC Permission Enumeration Attempt*. Neither Falco nor Panther has a test case: the fixture is its only check.",
    ),
    (
        "KA013",
        "Datadog Workload Protection's kubectl-in-container rules see the same act from the node. Neither Falco nor Panther has a test case: the fixture is its only check.",
    ),
    (
        "KA014",
        "No counterpart in Falco, Sigma or Panther, and no test case: the fixture is its only check.",
    ),
];

// ---------------------------------------------------------------------------

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/audit")
}

fn doc_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/DETECTIONS.md")
}

struct Run {
    signals: Vec<Signal>,
    malformed: u64,
}

fn run(engine: &Engine, bytes: &[u8], input: &str) -> Run {
    let mut signals = Vec::new();
    let mut reader = bytes;
    let stats = engine
        .run(&mut reader, input, &mut State::default(), &mut |s| {
            signals.push(s)
        })
        .expect("reading from memory");
    Run {
        signals,
        malformed: stats.malformed,
    }
}

fn count(signals: &[Signal], code: &str) -> usize {
    signals.iter().filter(|s| s.rule == code).count()
}

/// `copies` distinct copies of one event, one per line.
fn replay(line: &str, copies: usize, vary: Vary) -> String {
    let event: Value = serde_json::from_str(line).expect("a Panther event is JSON");
    let mut out = String::new();
    for i in 0..copies {
        let mut copy = event.clone();
        if let Some(id) = copy.get("auditID").and_then(Value::as_str) {
            copy["auditID"] = Value::from(format!("{id}-{i}"));
        }
        let object = copy.get_mut("objectRef").and_then(Value::as_object_mut);
        match (vary, object) {
            (Vary::Secret, Some(object)) => {
                let field = if object.contains_key("name") || !object.contains_key("namespace") {
                    "name"
                } else {
                    "namespace"
                };
                let base = object
                    .get(field)
                    .and_then(Value::as_str)
                    .unwrap_or("secret")
                    .to_owned();
                object.insert(field.to_owned(), Value::from(format!("{base}-{i}")));
            }
            (Vary::Endpoint, Some(object)) if object.contains_key("resource") => {
                let base = object["resource"].as_str().unwrap_or("").to_owned();
                object.insert("resource".to_owned(), Value::from(format!("{base}-{i}")));
            }
            (Vary::Endpoint, _) => {
                let uri = copy.get("requestURI").and_then(Value::as_str).unwrap_or("");
                let path = uri.split('?').next().unwrap_or("");
                copy["requestURI"] = Value::from(format!("{path}/endpoint-{i}"));
            }
            (Vary::Secret, None) => {}
        }
        out.push_str(&serde_json::to_string(&copy).expect("serialisable"));
        out.push('\n');
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    TruePositive,
    FalseNegative,
    TrueNegative,
    FalsePositive,
}

impl Outcome {
    fn of(expected: bool, fired: bool) -> Self {
        match (expected, fired) {
            (true, true) => Outcome::TruePositive,
            (true, false) => Outcome::FalseNegative,
            (false, false) => Outcome::TrueNegative,
            (false, true) => Outcome::FalsePositive,
        }
    }

    fn miss(self) -> Option<Miss> {
        match self {
            Outcome::FalseNegative => Some(Miss::FalseNegative),
            Outcome::FalsePositive => Some(Miss::FalsePositive),
            _ => None,
        }
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    tp: usize,
    fn_: usize,
    tn: usize,
    fp: usize,
}

impl Counts {
    fn add(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::TruePositive => self.tp += 1,
            Outcome::FalseNegative => self.fn_ += 1,
            Outcome::TrueNegative => self.tn += 1,
            Outcome::FalsePositive => self.fp += 1,
        }
    }

    fn recall(&self) -> String {
        ratio(self.tp, self.tp + self.fn_)
    }

    fn false_positives(&self) -> String {
        ratio(self.fp, self.fp + self.tn)
    }
}

fn ratio(n: usize, of: usize) -> String {
    if of == 0 {
        "—".to_owned()
    } else {
        format!("{n}/{of} ({:.0}%)", 100.0 * n as f64 / of as f64)
    }
}

/// One judged case.
#[derive(Debug, Clone)]
struct Case {
    key: String,
    code: &'static str,
    outcome: Outcome,
}

#[derive(Default)]
struct Report {
    cases: Vec<Case>,
    /// Per code: Falco cases (allow-list negatives apart), allow-list negatives, Panther events.
    falco: BTreeMap<&'static str, Counts>,
    falco_allow: BTreeMap<&'static str, Counts>,
    panther: BTreeMap<&'static str, Counts>,
    /// Per code: signals on Falco traces no case expects it on.
    extra: BTreeMap<&'static str, Vec<String>>,
    /// Per source rule: outcome counts.
    falco_rules: BTreeMap<String, Counts>,
    falco_rules_allow: BTreeMap<String, Counts>,
    panther_rules: BTreeMap<String, Counts>,
    /// Problems that fail the test.
    failures: Vec<String>,
}

fn falco_cover(rule: &str) -> Cover {
    FALCO_RULES
        .iter()
        .find(|(r, _)| *r == rule)
        .map(|(_, c)| *c)
        .unwrap_or_else(|| panic!("Falco rule {rule:?} is not in FALCO_RULES"))
}

fn falco(engine: &Engine, report: &mut Report) {
    let dir = data().join("falco");
    let cases: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string(dir.join("expected_detections.json"))
            .expect("expected_detections.json"),
    )
    .expect("expected_detections.json is JSON");
    assert_eq!(cases.len(), 66, "Falco's 66 cases");

    // Every trace, run once.
    let mut traces: BTreeMap<String, Run> = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).expect("falco folder") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_owned();
        if !name.ends_with(".json") || name == "expected_detections.json" {
            continue;
        }
        let bytes = std::fs::read(&path).expect("trace");
        traces.insert(name.clone(), run(engine, &bytes, &name));
    }
    assert_eq!(
        traces.len(),
        47,
        "46 traces and the malformed fal_01_003.json"
    );

    let mut used_rules: BTreeSet<&str> = BTreeSet::new();
    let mut used_negatives: BTreeSet<&str> = BTreeSet::new();
    // Per trace, the detections some positive case expects.
    let mut expected_on: BTreeMap<String, BTreeSet<&'static str>> = BTreeMap::new();
    for case in &cases {
        let test = case["test"].as_str().expect("test");
        let trace = case["trace"].as_str().expect("trace");
        let files: Vec<&str> = case["rules_files"]
            .as_array()
            .expect("rules_files")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let result = &traces[trace];
        let key = format!("falco:{test}");
        if case["detect"].as_bool() == Some(true) {
            for (rule, want) in case["detect_counts"].as_object().expect("detect_counts") {
                let rule = FALCO_RULES
                    .iter()
                    .find(|(r, _)| r == rule)
                    .map(|(r, _)| *r)
                    .unwrap_or_else(|| panic!("Falco rule {rule:?} is not in FALCO_RULES"));
                used_rules.insert(rule);
                let Some(code) = falco_cover(rule).code() else {
                    continue;
                };
                expected_on
                    .entry(trace.to_owned())
                    .or_default()
                    .insert(code);
                let got = count(&result.signals, code);
                let outcome = Outcome::of(true, got > 0);
                if got > 0 && Some(got as u64) != want.as_u64() {
                    report.failures.push(format!(
                        "{key}: {code} fired {got} times, Falco's {rule:?} {want}"
                    ));
                }
                report.falco.entry(code).or_default().add(outcome);
                report
                    .falco_rules
                    .entry(rule.to_owned())
                    .or_default()
                    .add(outcome);
                report.cases.push(Case {
                    key: key.clone(),
                    code,
                    outcome,
                });
            }
        } else {
            let Some(&(_, rule, allow)) = FALCO_NEGATIVES.iter().find(|(t, _, _)| *t == test)
            else {
                panic!("negative case {test} is not in FALCO_NEGATIVES");
            };
            used_negatives.insert(test);
            used_rules.insert(rule);
            if let Some(file) = allow {
                assert!(files.contains(&file), "{test} does not load {file}");
            }
            if rule == MALFORMED {
                if result.malformed != 1 || !result.signals.is_empty() {
                    report.failures.push(format!(
                        "{key}: expected one malformed line and no signal, got {} and {}",
                        result.malformed,
                        result.signals.len()
                    ));
                }
                continue;
            }
            let Some(code) = falco_cover(rule).code() else {
                continue;
            };
            let outcome = Outcome::of(false, count(&result.signals, code) > 0);
            let (tally, rules) = if allow.is_some() {
                (&mut report.falco_allow, &mut report.falco_rules_allow)
            } else {
                (&mut report.falco, &mut report.falco_rules)
            };
            tally.entry(code).or_default().add(outcome);
            rules.entry(rule.to_owned()).or_default().add(outcome);
            report.cases.push(Case { key, code, outcome });
        }
    }
    for (rule, _) in FALCO_RULES {
        assert!(
            used_rules.contains(rule),
            "FALCO_RULES: {rule:?} is in no case"
        );
    }
    for (test, _, _) in FALCO_NEGATIVES {
        assert!(
            used_negatives.contains(test),
            "FALCO_NEGATIVES: {test} is no negative case"
        );
    }

    // Signals no case expects.
    let mut known_extra_seen = BTreeSet::new();
    for (trace, result) in &traces {
        let expected = expected_on.get(trace);
        for signal in &result.signals {
            if expected.is_some_and(|e| e.contains(signal.rule)) {
                continue;
            }
            report
                .extra
                .entry(signal.rule)
                .or_default()
                .push(trace.clone());
            match KNOWN_EXTRA.iter().find(|(t, c, _)| t == trace && *c == signal.rule) {
                Some(known) => {
                    known_extra_seen.insert(*known);
                }
                None => report.failures.push(format!(
                    "falco:{trace}: unexpected {} signal: {} (fix it, or explain it in KNOWN_EXTRA)",
                    signal.rule, signal.summary
                )),
            }
        }
    }
    for known in KNOWN_EXTRA {
        if !known_extra_seen.contains(known) {
            report.failures.push(format!(
                "KNOWN_EXTRA: {} {} no longer fires: remove it",
                known.0, known.1
            ));
        }
    }
}

fn panther(engine: &Engine, report: &mut Report) {
    let dir = data().join("panther");
    let events = std::fs::read_to_string(dir.join("events.jsonl")).expect("events.jsonl");
    let events: Vec<&str> = events.lines().collect();
    let labels: Vec<Value> = std::fs::read_to_string(dir.join("labels.jsonl"))
        .expect("labels.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a label is JSON"))
        .collect();
    assert_eq!(events.len(), 222, "Panther's 222 events");
    assert_eq!(labels.len(), events.len(), "one label per event");

    let mut used: BTreeSet<&str> = BTreeSet::new();
    for label in &labels {
        let line = label["line"].as_u64().expect("line") as usize;
        let rule = label["rule_id"].as_str().expect("rule_id");
        let test = label["test_name"].as_str().expect("test_name");
        let expected = label["expected_result"].as_bool().expect("expected_result");
        let &(rule, cover) = PANTHER_RULES
            .iter()
            .find(|(r, _)| *r == rule)
            .unwrap_or_else(|| panic!("Panther rule {rule:?} is not in PANTHER_RULES"));
        used.insert(rule);
        let event = events[line - 1];
        let input = format!("panther:{line}");
        let (code, fired) = match cover {
            Cover::Not(_) => {
                report.panther_rules.entry(rule.to_owned()).or_default();
                continue;
            }
            Cover::Code(code) => (
                code,
                count(&run(engine, event.as_bytes(), &input).signals, code) > 0,
            ),
            Cover::Critical(code) => (
                code,
                run(engine, event.as_bytes(), &input)
                    .signals
                    .iter()
                    .any(|s| s.rule == code && s.severity.as_str() == "critical"),
            ),
            Cover::Replay(code, copies, vary) => {
                let series = replay(event, copies, vary);
                (
                    code,
                    count(&run(engine, series.as_bytes(), &input).signals, code) > 0,
                )
            }
        };
        let outcome = Outcome::of(expected, fired);
        report.panther.entry(code).or_default().add(outcome);
        report
            .panther_rules
            .entry(rule.to_owned())
            .or_default()
            .add(outcome);
        report.cases.push(Case {
            key: format!("panther:{rule}: {test}"),
            code,
            outcome,
        });
    }
    for (rule, _) in PANTHER_RULES {
        assert!(used.contains(rule), "PANTHER_RULES: {rule:?} has no event");
    }
}

/// Misses against `KNOWN`, both ways.
fn check_known(report: &mut Report) {
    let mut seen = BTreeSet::new();
    for case in &report.cases {
        let Some(miss) = case.outcome.miss() else {
            continue;
        };
        match KNOWN
            .iter()
            .find(|(k, c, _, _)| *k == case.key && *c == case.code)
        {
            Some(known) if known.2 == miss => {
                seen.insert((known.0, known.1));
            }
            _ => report.failures.push(format!(
                "{} {}: new {miss:?} (fix the detection, or explain it in KNOWN)",
                case.key, case.code
            )),
        }
    }
    for (key, code, miss, _) in KNOWN {
        if !seen.contains(&(*key, *code)) {
            report.failures.push(format!(
                "KNOWN: {key} {code} is no longer a {miss:?}: remove it"
            ));
        }
    }
}

fn meta(engine: &Engine, code: &str) -> (&'static str, &'static str) {
    let meta = engine
        .detections()
        .iter()
        .map(|d| d.meta())
        .find(|m| m.code == code)
        .unwrap_or_else(|| panic!("no detection {code}"));
    (meta.code, meta.name)
}

/// The generated part of docs/DETECTIONS.md.
fn render(engine: &Engine, report: &Report) -> String {
    let mut out = String::new();
    let falco_traces = 46;
    out.push_str("## Results\n\n");
    out.push_str(
        "Recall is true positives over labelled positives; FP is false positives over labelled \
         negatives. Falco's allow-list cases are counted apart (see Method). \"Other traces\" \
         counts signals on Falco traces that no case expects the detection on.\n\n",
    );
    out.push_str("| Detection | Falco recall | Falco FP | Falco allow-list cases that fire | Other Falco traces with a signal | Panther recall | Panther FP |\n");
    out.push_str("|---|---|---|---|---|---|---|\n");
    let none = Counts::default();
    for detection in engine.detections() {
        let code = detection.meta().code;
        let falco = report.falco.get(code).unwrap_or(&none);
        let allow = report.falco_allow.get(code).unwrap_or(&none);
        let panther = report.panther.get(code).unwrap_or(&none);
        let extra = report.extra.get(code).map_or(0, Vec::len);
        let _ = writeln!(
            out,
            "| [{code}](detections/{code}.md) {} | {} | {} | {} | {extra}/{falco_traces} | {} | {} |",
            detection.meta().name,
            falco.recall(),
            falco.false_positives(),
            if allow.fp + allow.tn == 0 {
                "—".to_owned()
            } else {
                format!("{}/{}", allow.fp, allow.fp + allow.tn)
            },
            panther.recall(),
            panther.false_positives(),
        );
    }
    let total = |map: &BTreeMap<&'static str, Counts>| {
        map.values().fold(Counts::default(), |mut a, c| {
            a.tp += c.tp;
            a.fn_ += c.fn_;
            a.tn += c.tn;
            a.fp += c.fp;
            a
        })
    };
    let (falco, panther) = (total(&report.falco), total(&report.panther));
    let allow = total(&report.falco_allow);
    let extra: usize = report.extra.values().map(Vec::len).sum();
    let _ = writeln!(
        out,
        "| **all** | {} | {} | {}/{} | {extra} | {} | {} |",
        falco.recall(),
        falco.false_positives(),
        allow.fp,
        allow.fp + allow.tn,
        panther.recall(),
        panther.false_positives(),
    );

    out.push_str("\n## Per detection\n");
    for detection in engine.detections() {
        let code = detection.meta().code;
        let (_, name) = meta(engine, code);
        let _ = writeln!(out, "\n### {code} {name}\n");
        if let Some((_, covers)) = COVERS.iter().find(|(c, _)| *c == code) {
            let _ = writeln!(out, "Covers: {covers}\n");
        }
        let falco_rules: Vec<String> = FALCO_RULES
            .iter()
            .filter(|(_, c)| c.code() == Some(code))
            .map(|(r, _)| format!("*{r}*"))
            .collect();
        let panther_rules: Vec<String> = PANTHER_RULES
            .iter()
            .filter(|(_, c)| c.code() == Some(code))
            .map(|(r, c)| match c {
                Cover::Code(_) => format!("*{r}*"),
                other => format!(
                    "*{r}* ({})",
                    other
                        .describe()
                        .trim_start_matches(code)
                        .trim()
                        .trim_matches(['(', ')'])
                ),
            })
            .collect();
        let counts = |map: &BTreeMap<&'static str, Counts>| *map.get(code).unwrap_or(&none);
        let (f, a, p) = (
            counts(&report.falco),
            counts(&report.falco_allow),
            counts(&report.panther),
        );
        if falco_rules.is_empty() {
            out.push_str("- Falco: no test case maps to it.\n");
        } else {
            let _ = write!(
                out,
                "- Falco ({}): recall {}, false positives {}",
                falco_rules.join(", "),
                f.recall(),
                f.false_positives()
            );
            if a.fp + a.tn > 0 {
                let _ = write!(out, "; allow-list cases firing {}/{}", a.fp, a.fp + a.tn);
            }
            out.push_str(".\n");
        }
        if let Some(traces) = report.extra.get(code) {
            let _ = writeln!(
                out,
                "- Signals on other Falco traces: {}.",
                traces.join(", ")
            );
        }
        if panther_rules.is_empty() {
            out.push_str("- Panther: no test case maps to it.\n");
        } else {
            let _ = writeln!(
                out,
                "- Panther ({}): recall {}, false positives {}.",
                panther_rules.join(", "),
                p.recall(),
                p.false_positives()
            );
        }
        let misses: Vec<_> = KNOWN.iter().filter(|(_, c, _, _)| *c == code).collect();
        if misses.is_empty() {
            out.push_str("- Misses: none.\n");
        } else {
            out.push_str("- Misses:\n");
            for (key, _, miss, reason) in misses {
                let kind = match miss {
                    Miss::FalseNegative => "false negative",
                    Miss::FalsePositive => "false positive",
                };
                let _ = writeln!(out, "  - {kind}, `{key}`: {reason}.");
            }
        }
        for (trace, c, reason) in KNOWN_EXTRA {
            if *c == code {
                let _ = writeln!(out, "  - signal on `{trace}`: {reason}.");
            }
        }
    }

    out.push_str("\n## Falco rules\n\n| Falco rule | rampart | TP | FN | TN | FP | allow-list cases that fire |\n|---|---|---|---|---|---|---|\n");
    for (rule, cover) in FALCO_RULES {
        let c = report.falco_rules.get(*rule).copied().unwrap_or_default();
        let a = report
            .falco_rules_allow
            .get(*rule)
            .copied()
            .unwrap_or_default();
        if cover.code().is_some() {
            let _ = writeln!(
                out,
                "| {rule} | {} | {} | {} | {} | {} | {} |",
                cover.describe(),
                c.tp,
                c.fn_,
                c.tn,
                c.fp,
                if a.fp + a.tn == 0 {
                    String::new()
                } else {
                    format!("{}/{}", a.fp, a.fp + a.tn)
                }
            );
        } else {
            let _ = writeln!(out, "| {rule} | {} | | | | | |", cover.describe());
        }
    }
    out.push_str("\n## Panther rules\n\n| Panther rule | rampart | TP | FN | TN | FP |\n|---|---|---|---|---|---|\n");
    for (rule, cover) in PANTHER_RULES {
        let c = report.panther_rules.get(*rule).copied().unwrap_or_default();
        if cover.code().is_some() {
            let _ = writeln!(
                out,
                "| {rule} | {} | {} | {} | {} | {} |",
                cover.describe(),
                c.tp,
                c.fn_,
                c.tn,
                c.fp
            );
        } else {
            let _ = writeln!(out, "| {rule} | {} | | | | |", cover.describe());
        }
    }
    out
}

const BEGIN: &str =
    "<!-- BEGIN generated by crates/rampart_audit/tests/validation.rs; do not edit -->\n";
const END: &str = "<!-- END generated -->\n";

#[test]
fn falco_and_panther_validation() {
    let engine = Engine::builtin();
    let mut report = Report::default();
    falco(&engine, &mut report);
    panther(&engine, &mut report);
    check_known(&mut report);
    let rendered = render(&engine, &report);
    println!("{rendered}");

    let path = doc_path();
    let doc = std::fs::read_to_string(&path).unwrap_or_default();
    let generated = doc
        .split_once(BEGIN)
        .and_then(|(head, rest)| rest.split_once(END).map(|(body, tail)| (head, body, tail)));
    match generated {
        Some((head, body, tail)) if body != rendered => {
            if std::env::var_os("UPDATE_DETECTIONS_DOC").is_some() {
                std::fs::write(&path, format!("{head}{BEGIN}{rendered}{END}{tail}"))
                    .expect("writing docs/DETECTIONS.md");
            } else {
                report.failures.push(
                    "docs/DETECTIONS.md is out of date: run `UPDATE_DETECTIONS_DOC=1 cargo test -p rampart_audit --test validation`".to_owned(),
                );
            }
        }
        Some(_) => {}
        None => report.failures.push(format!(
            "docs/DETECTIONS.md has no {BEGIN:?} … {END:?} section"
        )),
    }
    assert!(
        report.failures.is_empty(),
        "validation failures:\n{}",
        report.failures.join("\n")
    );
}

#[test]
fn replays_vary_what_they_should() {
    let secret = r#"{"auditID":"a","verb":"get","objectRef":{"resource":"secrets","namespace":"ns","name":"s"}}"#;
    let lines: Vec<Value> = replay(secret, 3, Vary::Secret)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[2]["objectRef"]["name"], "s-2");
    assert_eq!(lines[2]["objectRef"]["namespace"], "ns");
    assert_eq!(lines[1]["auditID"], "a-1");

    let listed = r#"{"verb":"list","objectRef":{"resource":"secrets","namespace":"ns"}}"#;
    let first: Value =
        serde_json::from_str(replay(listed, 2, Vary::Secret).lines().nth(1).unwrap()).unwrap();
    assert_eq!(first["objectRef"]["namespace"], "ns-1");
    assert!(first.get("auditID").is_none());

    let bare = r#"{"verb":"get","requestURI":"/x?y=1","responseStatus":{"code":403}}"#;
    let copy: Value =
        serde_json::from_str(replay(bare, 2, Vary::Endpoint).lines().nth(1).unwrap()).unwrap();
    assert_eq!(copy["requestURI"], "/x/endpoint-1");
    let with_resource = r#"{"verb":"get","objectRef":{"resource":"pods"}}"#;
    let copy: Value = serde_json::from_str(
        replay(with_resource, 2, Vary::Endpoint)
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(copy["objectRef"]["resource"], "pods-0");
}
