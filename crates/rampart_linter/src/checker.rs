//! Checks one source file: parse, find the objects, judge every pod, and turn
//! the results into positioned findings and input errors.

use rampart_diagnostics::{Finding, InputError, ObjectRef, ObjectSummary, SkippedInput};
use rampart_k8s::{K8sObject, check_schema, extract_objects, join_pointer};
use rampart_source::{SourceFile, TextRange};
use rampart_yaml::{Document, Limits, Located, parse_stream};
use serde_json::{Value, json};

use crate::pss::{self, Evaluation, Level, PodRef, PolicyVersion};
use std::borrow::Cow;
use std::sync::Arc;

use jiff::civil::Date;

use crate::agent_privileges::{
    HeldPrivilege, PrivilegeExplainer, explanation_for, related_privileges,
};
use crate::exceptions::{self, PodScope};
use crate::exemptions::{Config, InlineIgnore, Subject, inline_ignores, names_rule};
use crate::facts::{ObjectFacts, facts_of};
use crate::registry::RuleMeta;
use crate::rule::{ObjectContext, RuleSettings};
use crate::rules::object_rules;

/// What to check and how.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    pub pss_level: Level,
    pub pss_version: PolicyVersion,
    /// Evaluate as a cluster of this minor version (PSS emulation); newest known by default.
    pub cluster_minor: u32,
    pub limits: Limits,
    /// Run the posture rules (everything but the Pod Security checks).
    pub posture_rules: bool,
    /// Rules to run, by code, code prefix (`WL`, `PSB0`), name or `ALL`;
    /// empty: every rule that is not opt-in.
    pub select: Vec<String>,
    /// Rule codes or names not to report.
    pub ignore: Vec<String>,
    pub settings: RuleSettings,
    /// Exemptions from the config file.
    pub config: Arc<Config>,
    /// Honour `rampart.dev/ignore` annotations (`--no-inline-ignores` turns this off).
    pub inline_ignores: bool,
    /// The date expiries are judged against.
    pub today: Date,
    /// Record where each finding is, for `rampart fix` ([`FileReport::targets`]).
    pub fix_targets: bool,
    /// Explains the privileges of recognised agents (`rampart_privileges`).
    pub agent_privileges: Option<Arc<dyn PrivilegeExplainer>>,
}

impl Default for CheckOptions {
    fn default() -> Self {
        Self {
            pss_level: Level::Restricted,
            pss_version: PolicyVersion::Latest,
            cluster_minor: pss::NEWEST_MINOR,
            limits: Limits::default(),
            posture_rules: true,
            select: Vec::new(),
            ignore: Vec::new(),
            settings: RuleSettings::default(),
            config: Arc::new(Config::default()),
            inline_ignores: true,
            today: jiff::Zoned::now().date(),
            fix_targets: false,
            agent_privileges: None,
        }
    }
}

/// Everything found in one file.
#[derive(Debug, Default)]
pub struct FileReport {
    pub objects: Vec<ObjectSummary>,
    pub findings: Vec<Finding>,
    pub errors: Vec<InputError>,
    /// Documents that are not Kubernetes objects (Helm values, rule files, audit events).
    pub skipped: Vec<SkippedInput>,
    /// Findings left out because an exemption covers them.
    pub suppressed: usize,
    /// Facts for the cross-object rules ([`crate::cluster`]).
    pub facts: Vec<ObjectFacts>,
    /// Where each finding is, for fixes: same order as `findings`.
    pub targets: Vec<FixTarget>,
}

/// A finding's place in its document, which fixes edit.
#[derive(Debug, Clone)]
pub struct FixTarget {
    pub rule: &'static RuleMeta,
    /// Absolute JSON pointer inside the document.
    pub pointer: String,
    /// Index of the document in its stream.
    pub document: usize,
    /// The document is Helm output: fix the chart's values instead.
    pub helm: bool,
}

/// Checks every document of `file`. Never panics; problems become `errors`.
pub fn check_file(file: &SourceFile, options: &CheckOptions) -> FileReport {
    let mut report = FileReport::default();
    let stream = parse_stream(file.text(), &options.limits);
    for error in &stream.errors {
        report
            .errors
            .push(InputError::at(file, error.range, error.message.clone()));
    }
    for document in &stream.documents {
        if document.is_empty {
            continue;
        }
        check_document(file, document, options, &mut report);
    }
    report
}

fn check_document(
    file: &SourceFile,
    document: &Document,
    options: &CheckOptions,
    report: &mut FileReport,
) {
    let mut value = document.root.to_json();
    apply_defaults(&mut value);
    let extracted = extract_objects(&value);
    if let Some(reason) = extracted.skipped {
        report.skipped.push(SkippedInput {
            file: file.name().to_string(),
            line: file.position(document.root.range.start).line,
            reason: reason.describe().to_string(),
        });
    }
    for problem in extracted.problems {
        let range = field_range(file, document.locate(&problem.pointer));
        report
            .errors
            .push(InputError::at(file, range, problem.message));
    }
    for object in &extracted.objects {
        check_object(file, document, object, options, report);
    }
}

/// API-server defaulting that changes verdicts (see `pss::apply_api_defaults`).
fn apply_defaults(document: &mut Value) {
    let mut targets = Vec::new();
    {
        for object in &extract_objects(document).objects {
            if let Some(template) = object.pod_template {
                let is_pod = object.kind == Some("Pod") && object.api_version == Some("v1");
                targets.push((join_pointer(&object.pointer, template.spec), is_pod));
            }
        }
    }
    for (pointer, is_pod) in targets {
        if let Some(spec) = document.pointer_mut(&pointer) {
            pss::apply_api_defaults(spec);
            if is_pod {
                pss::apply_pod_host_network_port_defaults(spec);
            }
        }
    }
}

fn check_object(
    file: &SourceFile,
    document: &Document,
    object: &K8sObject<'_>,
    options: &CheckOptions,
    report: &mut FileReport,
) {
    if let (Some(api_version), Some(kind)) = (object.api_version, object.kind)
        && let Some(problem) = check_schema(api_version, kind, object.value, object.pod_template)
    {
        let pointer = join_pointer(&object.pointer, &problem.pointer);
        let range = field_range(file, document.locate(&pointer));
        report
            .errors
            .push(InputError::at(file, range, problem.message));
    }

    // Shared by every finding of the object.
    let object_ref = Arc::new(ObjectRef {
        kind: object.kind.unwrap_or("").to_string(),
        namespace: object.namespace.map(str::to_string),
        name: object.name.map(str::to_string),
    });
    let helm_source: Option<Arc<str>> = document.helm_source.as_deref().map(Arc::from);
    let ignores = if options.inline_ignores {
        read_inline_ignores(file, document, object, report)
    } else {
        Vec::new()
    };
    // Computed on the first finding that concerns a privilege.
    let held: std::cell::OnceCell<Vec<HeldPrivilege>> = std::cell::OnceCell::new();
    let emit = |rule: &'static RuleMeta,
                pointer: String,
                container: Option<String>,
                message: String,
                severity: rampart_diagnostics::Severity,
                report: &mut FileReport| {
        if is_exempt(rule, object, file, container.as_deref(), &ignores, options) {
            report.suppressed += 1;
            return;
        }
        let explanation = match &options.agent_privileges {
            Some(explainer)
                if object.pod_template.is_some()
                    && !crate::agent_privileges::privilege_kinds(rule.code).is_empty() =>
            {
                let held = held.get_or_init(|| explainer.privileges(object));
                let relative = pointer
                    .strip_prefix(object.pointer.as_str())
                    .unwrap_or(&pointer);
                if !options.config.exceptions.is_empty()
                    && let Some((_, spec)) = object.pod_parts()
                {
                    let related =
                        related_privileges(held, rule.code, relative, container.as_deref());
                    let scope = PodScope::of(object.namespace, spec);
                    if exceptions::covered(
                        &options.config.exceptions,
                        rule,
                        &related,
                        &scope,
                        options.today,
                    ) {
                        report.suppressed += 1;
                        return;
                    }
                }
                explanation_for(held, rule.code, relative, container.as_deref())
            }
            _ => None,
        };
        let located = document.locate(&pointer);
        let range = field_range(file, located);
        if options.fix_targets {
            report.targets.push(FixTarget {
                rule,
                pointer: pointer.clone(),
                document: document.index,
                helm: document.helm_source.is_some(),
            });
        }
        let mut message = message;
        if defaulted_host_port(document, &pointer, located) {
            message.push_str(
                " (the API server sets hostPort to containerPort because the pod uses hostNetwork: true)",
            );
        }
        report.findings.push(Finding {
            rule: Cow::Borrowed(rule.code),
            rule_name: Cow::Borrowed(rule.name),
            severity,
            message,
            help: rule.help.map(Cow::Borrowed),
            file: file.clone(),
            range,
            object: Some(Arc::clone(&object_ref)),
            container,
            standards: Cow::Borrowed(rule.standards),
            helm_source: helm_source.clone(),
            explanation,
            pointer: Some(pointer),
        });
    };
    let start = document.locate(&object.pointer).value.start;
    let mut pss_json = Value::Null;
    if let (Some(template), Some((metadata, spec))) = (object.pod_template, object.pod_parts()) {
        let evaluation = pss::evaluate_as(
            PodRef { metadata, spec },
            options.pss_level,
            options.pss_version,
            options.cluster_minor,
        );
        pss_json = evaluation_json(&evaluation);
        for violation in &evaluation.violations {
            let rule = violation.rule;
            if is_ignored(rule, options) {
                continue;
            }
            for offender in &violation.offenders {
                let relative = map_pod_pointer(&offender.pointer, template);
                emit(
                    rule,
                    join_pointer(&object.pointer, &relative),
                    offender.container.clone(),
                    offender.message.clone(),
                    rule.severity,
                    report,
                );
            }
        }
    }
    if options.posture_rules {
        let cx = ObjectContext::new(object, &options.settings);
        let mut violations = Vec::new();
        for rule in object_rules().iter() {
            let meta = rule.meta();
            if is_ignored(meta, options) {
                continue;
            }
            violations.clear();
            rule.check(&cx, &mut violations);
            if violations.is_empty() {
                continue;
            }
            for violation in violations.drain(..) {
                emit(
                    meta,
                    join_pointer(&object.pointer, &violation.pointer),
                    violation.container,
                    violation.message,
                    violation.severity.unwrap_or(meta.severity),
                    report,
                );
            }
        }
    }
    if options.posture_rules {
        let name_range = || {
            field_range(
                file,
                document.locate(&join_pointer(&object.pointer, "/metadata/name")),
            )
        };
        let object_ignores = || {
            ignores
                .iter()
                .filter(|i| i.container.is_none())
                .flat_map(|i| i.rules.iter().cloned())
                .collect()
        };
        if let Some(facts) = facts_of(
            object,
            file,
            name_range,
            document.helm_source.as_deref(),
            object_ignores,
        ) {
            report.facts.push(facts);
        }
    }
    report.objects.push(ObjectSummary {
        file: file.name().to_string(),
        line: file.position(start).line,
        api_version: object.api_version.map(str::to_string),
        kind: object.kind.map(str::to_string),
        namespace: object.namespace.map(str::to_string),
        name: object.name.map(str::to_string),
        helm_source: document.helm_source.clone(),
        pss: pss_json,
        origin: file.origin(),
    });
}

/// The `rampart.dev/ignore` annotations of the object and of its pod template;
/// malformed ones (no reason) are input errors.
fn read_inline_ignores(
    file: &SourceFile,
    document: &Document,
    object: &K8sObject<'_>,
    report: &mut FileReport,
) -> Vec<InlineIgnore> {
    let mut places = vec!["/metadata".to_string()];
    if let Some(template) = object.pod_template
        && template.metadata != "/metadata"
    {
        places.push(template.metadata.to_string());
    }
    let mut all = Vec::new();
    for place in places {
        let annotations = object.value.pointer(&format!("{place}/annotations"));
        let (ignores, errors) = inline_ignores(annotations, &format!("{place}/annotations"));
        for (pointer, message) in errors {
            let range = field_range(
                file,
                document.locate(&join_pointer(&object.pointer, &pointer)),
            );
            report.errors.push(InputError::at(file, range, message));
        }
        all.extend(ignores);
    }
    all
}

fn is_exempt(
    rule: &RuleMeta,
    object: &K8sObject<'_>,
    file: &SourceFile,
    container: Option<&str>,
    ignores: &[InlineIgnore],
    options: &CheckOptions,
) -> bool {
    let inline = ignores.iter().any(|ignore| {
        names_rule(&ignore.rules, rule)
            && (ignore.container.is_none() || ignore.container.as_deref() == container)
    });
    inline
        || options
            .config
            .exemption_for(
                &Subject {
                    rule,
                    file: file.name(),
                    namespace: object.namespace,
                    kind: object.kind,
                    name: object.name,
                    container,
                },
                options.today,
            )
            .is_some()
}

/// Whether the options switch `rule` off (selection, `--ignore`, config `ignore`).
pub fn is_ignored(rule: &RuleMeta, options: &CheckOptions) -> bool {
    let selected = if options.select.is_empty() {
        !rule.opt_in
    } else {
        options.select.iter().any(|s| {
            s.eq_ignore_ascii_case("ALL")
                || s == rule.name
                || rule
                    .code
                    .get(..s.len())
                    .is_some_and(|prefix| prefix.eq_ignore_ascii_case(s))
        })
    };
    !selected || names_rule(&options.ignore, rule) || names_rule(&options.config.ignore, rule)
}

/// Whether a `hostPort` at `pointer` exists only through the hostNetwork
/// defaulting of Pods (absent or 0 in the source).
fn defaulted_host_port(document: &Document, pointer: &str, located: Located) -> bool {
    pointer.ends_with("/hostPort")
        && (!located.exact
            || document
                .root
                .pointer(pointer)
                .and_then(|node| node.as_i64())
                == Some(0))
}

/// The `pss` member of an object in the JSON output.
pub fn evaluation_json(evaluation: &Evaluation) -> Value {
    json!({
        "level": evaluation.level.to_string(),
        "version": evaluation.version.to_string(),
        "allowed": evaluation.allowed,
        "violations": evaluation.violations.iter().map(|v| json!({
            "check": v.check,
            "reason": v.reason,
            "detail": v.detail,
        })).collect::<Vec<_>>(),
    })
}

/// Maps a pointer relative to a pod (`/spec/...`, `/metadata/...`) into the object.
fn map_pod_pointer(pointer: &str, template: rampart_k8s::PodTemplate) -> String {
    if let Some(rest) = pointer.strip_prefix("/spec") {
        format!("{}{rest}", template.spec)
    } else if let Some(rest) = pointer.strip_prefix("/metadata") {
        format!("{}{rest}", template.metadata)
    } else {
        pointer.to_string()
    }
}

/// The range to underline: key and value when they share a line, else the key;
/// for a missing field, the key of its nearest existing ancestor.
fn field_range(file: &SourceFile, located: Located) -> TextRange {
    match located.key {
        Some(key) if located.exact => {
            let same_line = file.position(key.start).line == file.position(located.value.end).line;
            if same_line && located.value.end > key.start {
                key.cover(located.value)
            } else {
                key
            }
        }
        Some(key) => key,
        None => {
            let value = located.value;
            let first_line_end = file.text()[value.start.min(file.text().len())..]
                .find('\n')
                .map_or(value.end, |i| value.start + i);
            TextRange::new(value.start, value.end.min(first_line_end).max(value.start))
        }
    }
}
