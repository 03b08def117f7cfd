use super::{Candidate, Context, Detection, controller_key, created_phrase, created_pod_specs};
use crate::meta::DetectionMeta;
use crate::signal::Signal;

crate::detection! {
    /// ## What it does
    /// Reports a pod or workload created sharing the node's network, process
    /// or IPC namespace (`hostNetwork`, `hostPID`, `hostIPC`).
    ///
    /// ## Why is this bad?
    /// `hostPID` lets the pod see and signal every process of the node (and
    /// read their environment); `hostNetwork` puts it on the node's
    /// interfaces, past NetworkPolicies, able to reach the kubelet and sniff
    /// traffic; `hostIPC` opens the node's shared memory.
    ///
    /// ## ATT&CK
    /// T1611 Escape to Host.
    ///
    /// ## Known false positives
    /// CNI plugins, kube-proxy, node exporters and monitoring agents.
    ///
    /// Pods a controller creates from a reported workload repeat it: one
    /// signal per controller (ReplicaSet, DaemonSet, Job) per ten minutes.
    pub HostNamespaces {
        code: "KA004",
        name: "host-namespaces-pod-created",
        severity: Medium,
        mitre: ["T1611"],
    }
}

impl Detection for HostNamespaces {
    fn meta(&self) -> &'static DetectionMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_, '_>, out: &mut Vec<Candidate>) {
        let mut shared: Vec<&str> = Vec::new();
        for spec in created_pod_specs(cx) {
            for (field, set) in [
                ("hostNetwork", spec.host_network),
                ("hostPID", spec.host_pid),
                ("hostIPC", spec.host_ipc),
            ] {
                if set == Some(true) && !shared.contains(&field) {
                    shared.push(field);
                }
            }
        }
        if shared.is_empty() {
            return;
        }
        let summary = format!(
            "{} created {} with {}",
            cx.event.username(),
            created_phrase(cx),
            shared.join(", ")
        );
        out.push(Candidate::Signal {
            signal: Box::new(Signal::of(&Self::META, cx.event, summary)),
            quiet_key: controller_key(cx),
        });
    }
}
