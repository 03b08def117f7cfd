//! Rule metadata shared by every rule family.

pub use rampart_diagnostics::Severity;

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
    /// Version of rampart that introduced the rule.
    pub since: &'static str,
    /// Off unless selected (`--select`): useful to some, noise to most.
    pub opt_in: bool,
}

impl RuleMeta {
    /// Standards tags such as `pss:baseline:privileged`, `cis-k8s:5.2.2`, `mitre:T1611`.
    pub fn standards(&self) -> Vec<String> {
        let mut tags = Vec::new();
        if let Some(pss) = self.pss {
            tags.push(format!("pss:{pss}"));
        }
        tags.extend(self.cis.iter().map(|c| format!("cis-k8s:{c}")));
        tags.extend(self.mitre.iter().map(|m| format!("mitre:{m}")));
        tags
    }
}

/// Implemented by `#[derive(RuleMetadata)]`.
pub trait RuleMetadata {
    const META: RuleMeta;
}
