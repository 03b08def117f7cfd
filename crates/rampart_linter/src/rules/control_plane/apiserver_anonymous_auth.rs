use rampart_macros::RuleMetadata;

use super::apiservers;
use crate::registry::{RuleMeta, RuleMetadata};
use crate::rule::{ObjectContext, ObjectRule, Violation};

/// ## What it does
/// Reports kube-apiserver containers (the static pod in `kube-system`, or a
/// hosted control plane's workload) whose command line does not set
/// `--anonymous-auth=false`. The flag defaults to `true`.
///
/// ## Why is this bad?
/// With anonymous authentication on, requests without credentials are served
/// as the user `system:anonymous` in the group `system:unauthenticated`. RBAC
/// then decides what they may do, so a single careless binding (see RB009)
/// opens the API to anyone who can reach it, and every version and health
/// endpoint is readable without credentials.
///
/// kubeadm keeps anonymous requests on because the liveness and readiness
/// probes of the static pod call `/livez` and `/readyz` without credentials.
/// From Kubernetes 1.32 a structured `--authentication-config` file can allow
/// anonymous requests for those paths only; when that flag is set and
/// `--anonymous-auth` is not, the rule stays silent because the file decides.
/// A boolean flag takes its value only as `--anonymous-auth=false`:
/// `--anonymous-auth false` turns it on and leaves a stray argument.
///
/// ## Example
/// ```yaml
/// apiVersion: v1
/// kind: Pod
/// metadata:
///   name: kube-apiserver
///   namespace: kube-system
/// spec:
///   containers:
///   - name: kube-apiserver
///     image: registry.k8s.io/kube-apiserver:v1.31.0
///     command:
///     - kube-apiserver
///     - --authorization-mode=Node,RBAC
///     - --anonymous-auth=true
/// ```
///
/// ## Use instead
/// ```yaml
/// apiVersion: v1
/// kind: Pod
/// metadata:
///   name: kube-apiserver
///   namespace: kube-system
/// spec:
///   containers:
///   - name: kube-apiserver
///     image: registry.k8s.io/kube-apiserver:v1.31.0
///     command:
///     - kube-apiserver
///     - --authorization-mode=Node,RBAC
///     - --anonymous-auth=false
/// ```
///
/// ## Fix
/// Set `--anonymous-auth=false`, or on Kubernetes 1.32 and later use an `--authentication-config` file that allows anonymous requests only for `/livez`, `/readyz` and `/healthz`.
///
/// ## References
/// - CIS Kubernetes Benchmark v1.10, 1.2.1: ensure that the `--anonymous-auth` argument is set to false
/// - MITRE ATT&CK: [T1078 Valid Accounts](https://attack.mitre.org/techniques/T1078/)
/// - [Anonymous requests](https://kubernetes.io/docs/reference/access-authn-authz/authentication/#anonymous-requests)
#[derive(RuleMetadata)]
#[rule(
    code = "CP001",
    name = "apiserver-anonymous-auth",
    severity = "medium",
    cis = "1.2.1",
    mitre = "T1078",
    nsa = "authorization"
)]
pub struct ApiserverAnonymousAuth;

impl ObjectRule for ApiserverAnonymousAuth {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &ObjectContext<'_>, out: &mut Vec<Violation>) {
        for server in apiservers(cx) {
            let violation = match server.last("anonymous-auth") {
                None if server.has("authentication-config") => continue,
                None => Violation::new(
                    server.missing_pointer.clone(),
                    format!(
                        "{} runs kube-apiserver without --anonymous-auth=false: requests without credentials are served (the default is true)",
                        server.label()
                    ),
                ),
                Some(flag) => {
                    if server.bool("anonymous-auth").is_some_and(|(on, _)| !on) {
                        continue;
                    }
                    let mut message = format!(
                        "{} runs kube-apiserver with --anonymous-auth{}: requests without credentials are served as system:anonymous",
                        server.label(),
                        flag.value.map(|v| format!("={v}")).unwrap_or_default()
                    );
                    if let Some(stray) = flag.stray {
                        message.push_str(&format!(
                            " (a boolean flag takes no separate value: `{stray}` is not read as one; write --anonymous-auth=false)"
                        ));
                    }
                    Violation::new(flag.pointer.clone(), message)
                }
            };
            out.push(violation.in_container(&server.container));
        }
    }
}
