//! Rule metadata shared by every rule family.

pub use rampart_diagnostics::{Severity, StandardTag};

/// What a rule is, as documented in its doc comment and `#[rule(...)]` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleMeta {
    /// Stable code, e.g. `PSB002`.
    pub code: &'static str,
    /// Kebab-case name, usable in configuration and suppression comments.
    pub name: &'static str,
    /// One line: the first paragraph of "What it does".
    pub summary: &'static str,
    /// One-line help for findings: the first sentence of the "Fix" section.
    pub help: Option<&'static str>,
    /// The full Markdown documentation (the doc comment).
    pub documentation: &'static str,
    pub severity: Severity,
    /// Pod Security Standards mapping, `level:checkId`.
    pub pss: Option<&'static str>,
    /// CIS Kubernetes Benchmark sections.
    pub cis: &'static [&'static str],
    /// MITRE ATT&CK technique IDs.
    pub mitre: &'static [&'static str],
    /// Sections of the NSA/CISA Kubernetes Hardening Guidance.
    pub nsa: &'static [nsa::Section],
    /// Every mapping as a tag (`pss:…`, `cis-k8s:…`, `mitre:…`, `nsa:…`), built at compile time.
    pub standards: &'static [StandardTag],
    /// Version of rampart that introduced the rule.
    pub since: &'static str,
    /// Off unless selected (`--select`): useful to some, noise to most.
    pub opt_in: bool,
}

impl RuleMeta {
    /// Standards tags such as `pss:baseline:privileged`, `cis-k8s:5.2.2`,
    /// `mitre:T1611`, `nsa:pod-security`.
    pub fn standards(&self) -> &'static [StandardTag] {
        self.standards
    }
}

/// Implemented by `#[derive(RuleMetadata)]`.
pub trait RuleMetadata {
    const META: RuleMeta;
}

/// The sections of the NSA/CISA Kubernetes Hardening Guidance (v1.2, August
/// 2022) that rules map to, as `nsa:<slug>` tags. The guidance does not number
/// its recommendations, so the tags name its headings.
pub mod nsa {
    /// One heading of the guidance.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Section {
        pub slug: &'static str,
        pub title: &'static str,
    }

    macro_rules! sections {
        ($($name:ident = $slug:literal, $title:literal;)*) => {
            $(pub const $name: Section = Section { slug: $slug, title: $title };)*
            /// Every section, in the guidance's order.
            pub const ALL: &[Section] = &[$($name),*];
        };
    }

    sections! {
        NON_ROOT_CONTAINERS = "non-root-containers", "Kubernetes Pod security: Non-root containers and rootless container engines";
        IMMUTABLE_FILESYSTEMS = "immutable-filesystems", "Kubernetes Pod security: Immutable container file systems";
        SECURE_IMAGES = "secure-images", "Kubernetes Pod security: Building secure container images";
        POD_SECURITY = "pod-security", "Kubernetes Pod security: Pod security enforcement";
        SERVICE_ACCOUNT_TOKENS = "service-account-tokens", "Kubernetes Pod security: Protecting Pod service account tokens";
        CONTAINER_ENVIRONMENTS = "container-environments", "Kubernetes Pod security: Hardening container environments";
        NAMESPACES = "namespaces", "Network separation and hardening: Namespaces";
        NETWORK_POLICIES = "network-policies", "Network separation and hardening: Network policies";
        RESOURCE_POLICIES = "resource-policies", "Network separation and hardening: Resource policies";
        CONTROL_PLANE = "control-plane", "Network separation and hardening: Control plane hardening";
        NETWORK_SEPARATION = "network-separation", "Network separation and hardening: Worker node segmentation";
        ENCRYPTION = "encryption", "Network separation and hardening: Encryption";
        SECRETS = "secrets", "Network separation and hardening: Secrets";
        CLOUD_INFRASTRUCTURE = "cloud-infrastructure", "Network separation and hardening: Protecting sensitive cloud infrastructure";
        AUTHORIZATION = "authorization", "Authentication and authorization";
        AUDIT_LOGGING = "audit-logging", "Audit Logging and Threat Detection";
    }
}
