use super::{Context, Detection, Finding};
use rampart_audit::meta::DetectionMeta;

rampart_audit::detection! {
    /// ## What it does
    /// Reports a package manager (`apt`, `apt-get`, `dpkg`, `yum`, `dnf`,
    /// `microdnf`, `rpm`, `apk`, `pip`, `npm`, `gem`, …) started in a
    /// running container. One signal per install: package managers started
    /// by another package manager are not reported again.
    ///
    /// ## Why is this bad?
    /// Images are built once and run unchanged. Installing software into a
    /// running container is drift: an attacker fetching tools (`apt-get
    /// install nmap`) or someone patching production by hand.
    ///
    /// ## ATT&CK
    /// T1072 Software Deployment Tools; T1105 Ingress Tool Transfer.
    ///
    /// ## Known false positives
    /// Images that install packages at start-up; allow them by image.
    ///
    /// ## Prior art
    /// Falco "Launch Package Management Process in Container"; Datadog
    /// `package_management_in_container`.
    pub PackageManager {
        code: "KR006",
        name: "package-manager-in-container",
        severity: Medium,
        mitre: ["T1072", "T1105"],
    }
}

const PACKAGE_MANAGERS: &[&str] = &[
    "apt", "apt-get", "aptitude", "dpkg", "yum", "dnf", "dnf-3", "microdnf", "rpm", "zypper",
    "apk", "pacman", "pip", "pip3", "pipx", "npm", "yarn", "pnpm", "gem", "conda", "uv", "cargo",
];

fn is_package_manager(name: &str) -> bool {
    PACKAGE_MANAGERS.contains(&name) || (name.starts_with("pip3.") && name.len() <= 8)
}

impl Detection for PackageManager {
    fn meta(&self) -> &'static DetectionMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        if !cx.is_exec() || !cx.in_container() || !is_package_manager(cx.process.name()) {
            return;
        }
        if is_package_manager(cx.parent_name())
            || cx
                .container_ancestors(4)
                .iter()
                .any(|a| is_package_manager(a.name()))
        {
            return;
        }
        out.push(Finding::new(format!(
            "package manager started {}: {}",
            cx.place(),
            cx.command_line()
        )));
    }
}
