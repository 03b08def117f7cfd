use super::{Context, Detection, Finding};
use rampart_audit::meta::DetectionMeta;

rampart_audit::detection! {
    /// ## What it does
    /// Reports `authorized_keys` or `authorized_keys2` in a `.ssh`
    /// directory opened for writing, or made by renaming another file onto
    /// it, on the host or in a container.
    ///
    /// ## Why is this bad?
    /// A key added to `authorized_keys` is a door that survives restarts
    /// and password changes. From a container with a hostPath mount of
    /// `/root` or `/home`, it is a door into the node.
    ///
    /// ## ATT&CK
    /// T1098.004 Account Manipulation: SSH Authorized Keys.
    ///
    /// ## Known false positives
    /// Configuration management and cloud-init adding keys at provisioning;
    /// `sshd` itself is never reported.
    ///
    /// ## Prior art
    /// Falco "Adding ssh keys to authorized_keys"; Datadog
    /// `ssh_authorized_keys_*`.
    pub AuthorizedKeys {
        code: "KR005",
        name: "authorized-keys-modified",
        severity: High,
        mitre: ["T1098.004"],
    }
}

impl Detection for AuthorizedKeys {
    fn meta(&self) -> &'static DetectionMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let Some((path, write)) = cx.opened() else {
            return;
        };
        if !write || cx.process.comm == "sshd" {
            return;
        }
        let mut parts = path.rsplit('/');
        let (Some(name), Some(dir)) = (parts.next(), parts.next()) else {
            return;
        };
        if !matches!(name, "authorized_keys" | "authorized_keys2") || dir != ".ssh" {
            return;
        }
        out.push(Finding::new(format!(
            "{} wrote {path} {}",
            cx.process.name(),
            cx.place()
        )));
    }
}
