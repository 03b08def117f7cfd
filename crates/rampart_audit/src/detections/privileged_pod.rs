use super::{Candidate, Context, Detection, controller_key, created_phrase, created_pod_specs};
use crate::meta::DetectionMeta;
use crate::signal::Signal;

crate::detection! {
    /// ## What it does
    /// Reports a pod or workload (Deployment, DaemonSet, StatefulSet,
    /// ReplicaSet, Job, CronJob, ReplicationController) created with a
    /// privileged container, including init and ephemeral containers.
    ///
    /// ## Why is this bad?
    /// A privileged container is root on the node: every capability, every
    /// device, no seccomp or AppArmor. Creating one is the shortest path from
    /// API access to node compromise.
    ///
    /// ## ATT&CK
    /// T1611 Escape to Host; T1610 Deploy Container.
    ///
    /// ## Known false positives
    /// Node agents that need it (CNI, CSI, some security agents) when they are
    /// installed or upgraded; compare with `rampart explain`.
    ///
    /// Pods a controller creates from a reported workload repeat it: one
    /// signal per controller (ReplicaSet, DaemonSet, Job) per ten minutes.
    pub PrivilegedPod {
        code: "KA002",
        name: "privileged-pod-created",
        severity: High,
        mitre: ["T1611", "T1610"],
    }
}

impl Detection for PrivilegedPod {
    fn meta(&self) -> &'static DetectionMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_, '_>, out: &mut Vec<Candidate>) {
        let mut names: Vec<&str> = Vec::new();
        for spec in created_pod_specs(cx) {
            for container in spec.all_containers() {
                let privileged = container
                    .security_context
                    .as_ref()
                    .and_then(|sc| sc.privileged)
                    == Some(true);
                if privileged {
                    names.push(&container.name);
                }
            }
        }
        if names.is_empty() {
            return;
        }
        let summary = format!(
            "{} created {} with privileged container {}",
            cx.event.username(),
            created_phrase(cx),
            names.join(", ")
        );
        out.push(Candidate::Signal {
            signal: Box::new(Signal::of(&Self::META, cx.event, summary)),
            quiet_key: controller_key(cx),
        });
    }
}
