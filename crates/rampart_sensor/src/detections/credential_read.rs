use super::{Context, Detection, Finding, is_shell};
use rampart_audit::meta::DetectionMeta;

rampart_audit::detection! {
    /// ## What it does
    /// Reports credential files opened for reading in a container: password
    /// hashes (`/etc/shadow`, `/etc/gshadow`), `/etc/sudoers`, kubeconfig
    /// files (`~/.kube/config`, `/etc/kubernetes/*.conf`), and cloud
    /// credentials (`~/.aws/credentials`, gcloud and Azure token caches). A
    /// service-account token (`…/serviceaccount/token`) is reported only when
    /// a shell or file tool reads it (`cat`, `base64`, `head`, …) or the
    /// reader has a terminal: applications read their own token all the
    /// time.
    ///
    /// ## Why is this bad?
    /// Reading credentials is the first step from one compromised container
    /// to more of the cluster or the cloud account.
    ///
    /// ## ATT&CK
    /// T1552.001 Unsecured Credentials: Credentials In Files; T1528 Steal
    /// Application Access Token; T1003.008 OS Credential Dumping:
    /// /etc/passwd and /etc/shadow.
    ///
    /// ## Known false positives
    /// Login tools (`sshd`, `su`, `sudo`, `login`, `passwd`, `unix_chkpwd`)
    /// are never reported. One signal per container, process and file every
    /// ten minutes.
    ///
    /// ## Prior art
    /// Falco "Read sensitive file untrusted"; Datadog `credential_accessed`,
    /// `read_kubeconfig`, `aws_eks_service_account_token_accessed`.
    pub CredentialRead {
        code: "KR007",
        name: "credential-file-read",
        severity: Medium,
        mitre: ["T1552.001", "T1528", "T1003.008"],
    }
}

const LOGIN_TOOLS: &[&str] = &[
    "sshd",
    "su",
    "sudo",
    "login",
    "passwd",
    "chpasswd",
    "unix_chkpwd",
    "useradd",
    "usermod",
    "groupadd",
    "chage",
    "systemd-logind",
    "nscd",
    "sssd",
];
const FILE_TOOLS: &[&str] = &[
    "cat", "head", "tail", "less", "more", "base64", "xxd", "od", "strings", "grep", "awk", "sed",
    "cp", "tar", "dd", "curl", "wget", "nc", "python", "python3", "perl", "vi", "vim",
];

/// What kind of credential a path holds, if any.
fn credential(path: &str) -> Option<&'static str> {
    let name = path.rsplit('/').next().unwrap_or(path);
    Some(match name {
        "shadow" | "gshadow" if path.starts_with("/etc/") => "password hashes",
        "sudoers" if path.starts_with("/etc/") => "sudo rules",
        "config" if path.ends_with("/.kube/config") => "kubeconfig",
        "kubeconfig" => "kubeconfig",
        "admin.conf"
        | "super-admin.conf"
        | "kubelet.conf"
        | "controller-manager.conf"
        | "scheduler.conf"
            if path.contains("/etc/kubernetes/") =>
        {
            "kubeconfig"
        }
        "credentials" if path.ends_with("/.aws/credentials") => "AWS credentials",
        "application_default_credentials.json" => "Google Cloud credentials",
        "accessTokens.json" | "msal_token_cache.json" if path.contains("/.azure/") => {
            "Azure tokens"
        }
        "token" if path.contains("/serviceaccount/") => "service-account token",
        _ => return None,
    })
}

impl Detection for CredentialRead {
    fn meta(&self) -> &'static DetectionMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let Some((path, write)) = cx.opened() else {
            return;
        };
        let Some(container) = cx.container else {
            return;
        };
        let name = cx.process.name();
        if write || LOGIN_TOOLS.contains(&name) || LOGIN_TOOLS.contains(&cx.process.comm.as_str()) {
            return;
        }
        let Some(kind) = credential(path) else {
            return;
        };
        if kind == "service-account token"
            && !(cx.process.tty || is_shell(name) || FILE_TOOLS.contains(&name))
        {
            return;
        }
        out.push(
            Finding::new(format!("{name} read {kind} {path} {}", cx.place()))
                .quiet(format!("{}|{}|{path}", container.id, cx.process.comm)),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::credential;

    #[test]
    fn credential_paths() {
        assert_eq!(credential("/etc/shadow"), Some("password hashes"));
        assert_eq!(credential("/tmp/etc/shadow"), None);
        assert_eq!(credential("/root/.kube/config"), Some("kubeconfig"));
        assert_eq!(credential("/repo/.git/config"), None);
        assert_eq!(
            credential("/var/run/secrets/kubernetes.io/serviceaccount/token"),
            Some("service-account token")
        );
        assert_eq!(credential("/etc/kubernetes/admin.conf"), Some("kubeconfig"));
        assert_eq!(
            credential("/home/a/.aws/credentials"),
            Some("AWS credentials")
        );
    }
}
