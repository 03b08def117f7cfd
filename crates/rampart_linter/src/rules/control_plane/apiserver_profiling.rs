use rampart_macros::RuleMetadata;

use super::apiservers;
use crate::registry::{RuleMeta, RuleMetadata};
use crate::rule::{ObjectContext, ObjectRule, Violation};

/// ## What it does
/// Reports kube-apiserver containers whose command line does not set
/// `--profiling=false`. The flag defaults to `true`.
///
/// ## Why is this bad?
/// Profiling serves Go's `pprof` handlers under `/debug/pprof`: heap and
/// goroutine dumps reveal internals, and CPU profiles are expensive to
/// produce, an easy way to load the control plane. They are authorized as the
/// non-resource URL `/debug/pprof`, which few roles need. Keep profiling on
/// only while debugging a performance problem.
///
/// A boolean flag takes its value only as `--profiling=false`:
/// `--profiling false` turns profiling on and leaves a stray argument.
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
///     - --profiling=false
/// ```
///
/// ## Fix
/// Set `--profiling=false`.
///
/// ## References
/// - CIS Kubernetes Benchmark v1.10, 1.2.15: ensure that the `--profiling` argument is set to false
/// - [kube-apiserver flags](https://kubernetes.io/docs/reference/command-line-tools-reference/kube-apiserver/)
#[derive(RuleMetadata)]
#[rule(
    code = "CP005",
    name = "apiserver-profiling",
    severity = "low",
    cis = "1.2.15",
    nsa = "control-plane"
)]
pub struct ApiserverProfiling;

impl ObjectRule for ApiserverProfiling {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &ObjectContext<'_>, out: &mut Vec<Violation>) {
        for server in apiservers(cx) {
            let violation = match server.last("profiling") {
                None => Violation::new(
                    server.missing_pointer.clone(),
                    format!(
                        "{} runs kube-apiserver without --profiling=false: /debug/pprof is served (the default is true)",
                        server.label()
                    ),
                ),
                Some(flag) => {
                    if server.bool("profiling").is_some_and(|(on, _)| !on) {
                        continue;
                    }
                    let mut message = format!(
                        "{} runs kube-apiserver with --profiling{}: /debug/pprof is served",
                        server.label(),
                        flag.value.map(|v| format!("={v}")).unwrap_or_default()
                    );
                    if let Some(stray) = flag.stray {
                        message.push_str(&format!(
                            " (a boolean flag takes no separate value: `{stray}` is not read as one; write --profiling=false)"
                        ));
                    }
                    Violation::new(flag.pointer.clone(), message)
                }
            };
            out.push(violation.in_container(&server.container));
        }
    }
}
