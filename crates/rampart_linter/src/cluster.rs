//! Rules that judge several objects together: the objects' facts are
//! collected while files are checked, then these rules run once at the end.

use crate::checker::CheckOptions;
use crate::exemptions::{Subject, names_rule};
use crate::facts::ObjectFacts;
use crate::registry::RuleMeta;
use rampart_diagnostics::{Finding, ObjectRef};
use rampart_source::SourceFile;
use std::borrow::Cow;
use std::sync::{Arc, LazyLock};

use crate::rules::{network, rbac};

/// A violation about the object `facts[object]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterViolation {
    pub object: usize,
    pub message: String,
    pub severity: Option<rampart_diagnostics::Severity>,
}

/// A rule over all objects of a scan.
pub trait ClusterRule: Sync + Send {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, facts: &[ObjectFacts], out: &mut Vec<ClusterViolation>);
}

/// A cross-object finding, with the rule that made it.
#[derive(Debug, Clone)]
pub struct ClusterFinding {
    pub rule: &'static RuleMeta,
    pub violation: ClusterViolation,
}

impl ClusterFinding {
    /// The finding as reported, about `fact` (the object it names) in `file`.
    pub fn to_finding(&self, fact: &ObjectFacts, file: SourceFile) -> Finding {
        let rule = self.rule;
        Finding {
            rule: Cow::Borrowed(rule.code),
            rule_name: Cow::Borrowed(rule.name),
            severity: self.violation.severity.unwrap_or(rule.severity),
            message: self.violation.message.clone(),
            help: rule.help.map(Cow::Borrowed),
            range: fact.range,
            file,
            object: Some(Arc::new(ObjectRef {
                kind: fact.kind.clone(),
                namespace: Some(fact.namespace.clone()).filter(|n| !n.is_empty()),
                name: Some(fact.name.clone()).filter(|n| !n.is_empty()),
            })),
            container: None,
            standards: Cow::Borrowed(rule.standards),
            helm_source: fact.helm_source.as_deref().map(Arc::from),
            explanation: None,
            pointer: None,
        }
    }
}

static CLUSTER_RULES: LazyLock<Vec<&'static dyn ClusterRule>> =
    LazyLock::new(|| [rbac::CLUSTER_RULES, network::CLUSTER_RULES].concat());

/// Every cross-object rule.
pub fn cluster_rules() -> &'static [&'static dyn ClusterRule] {
    &CLUSTER_RULES
}

/// Runs the cross-object rules; exempted findings are counted in the second value.
pub fn analyze(facts: &[ObjectFacts], options: &CheckOptions) -> (Vec<ClusterFinding>, usize) {
    let mut findings = Vec::new();
    let mut suppressed = 0;
    if !options.posture_rules {
        return (findings, suppressed);
    }
    let mut violations = Vec::new();
    for rule in cluster_rules() {
        let meta = rule.meta();
        if crate::checker::is_ignored(meta, options) {
            continue;
        }
        violations.clear();
        rule.check(facts, &mut violations);
        for violation in violations.drain(..) {
            let Some(object) = facts.get(violation.object) else {
                continue;
            };
            let inline = options.inline_ignores && names_rule(&object.inline_ignores, meta);
            let configured = options
                .config
                .exemption_for(
                    &Subject {
                        rule: meta,
                        file: &object.file,
                        namespace: Some(object.namespace.as_str()).filter(|n| !n.is_empty()),
                        kind: Some(object.kind.as_str()),
                        name: Some(object.name.as_str()),
                        container: None,
                    },
                    options.today,
                )
                .is_some();
            if inline || configured {
                suppressed += 1;
            } else {
                findings.push(ClusterFinding {
                    rule: meta,
                    violation,
                });
            }
        }
    }
    (findings, suppressed)
}
