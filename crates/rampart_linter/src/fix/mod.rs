//! `rampart fix`: minimal, comment-keeping edits for the findings that have a
//! known remedy. Safe fixes harden without changing what the workload can do
//! in a normal run; unsafe ones (dropping a privilege an agent may need) are
//! applied only on request. Helm-rendered documents are never edited.

mod edits;

pub use edits::{Edit, apply, ensure_item, remove_item, remove_key, set_scalar};

use rampart_source::SourceFile;
use rampart_yaml::parse_stream;

use crate::checker::{CheckOptions, FixTarget, check_file};

/// Whether a fix can change behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Applicability {
    Safe,
    Unsafe,
}

/// What a rule's fix does.
#[derive(Debug, Clone, Copy)]
enum Remedy {
    /// Set the field at the finding's pointer.
    Set(&'static str),
    /// Set `<pointer>/<field>` (when the finding names the parent).
    SetChild(&'static str, &'static str),
    /// Make the list at the pointer hold this item.
    Contain(&'static str),
    /// Add the resource values the config names (`fix.resources`) that are missing.
    ConfiguredResources,
}

/// The known remedies: (rule code, last pointer token it applies to, remedy).
const REMEDIES: &[(&str, &str, Remedy, Applicability)] = &[
    (
        "PSR003",
        "allowPrivilegeEscalation",
        Remedy::Set("false"),
        Applicability::Safe,
    ),
    (
        "PSR002",
        "runAsNonRoot",
        Remedy::Set("true"),
        Applicability::Safe,
    ),
    (
        "PSR004",
        "seccompProfile",
        Remedy::SetChild("type", "RuntimeDefault"),
        Applicability::Safe,
    ),
    (
        "PSR004",
        "type",
        Remedy::Set("RuntimeDefault"),
        Applicability::Safe,
    ),
    (
        "PSR005",
        "drop",
        Remedy::Contain("ALL"),
        Applicability::Safe,
    ),
    (
        "WL006",
        "readOnlyRootFilesystem",
        Remedy::Set("true"),
        Applicability::Safe,
    ),
    (
        "WL007",
        "resources",
        Remedy::ConfiguredResources,
        Applicability::Safe,
    ),
    (
        "WL008",
        "automountServiceAccountToken",
        Remedy::Set("false"),
        Applicability::Safe,
    ),
    (
        "PSB002",
        "privileged",
        Remedy::Set("false"),
        Applicability::Unsafe,
    ),
    (
        "PSB001",
        "hostPID",
        Remedy::Set("false"),
        Applicability::Unsafe,
    ),
    (
        "PSB001",
        "hostIPC",
        Remedy::Set("false"),
        Applicability::Unsafe,
    ),
    (
        "PSB001",
        "hostNetwork",
        Remedy::Set("false"),
        Applicability::Unsafe,
    ),
];

/// The result of fixing one file.
#[derive(Debug, Clone, Default)]
pub struct FixOutcome {
    pub text: String,
    /// Fixes applied, by rule code.
    pub applied: Vec<&'static str>,
    /// Fixable findings left alone because their document is Helm output.
    pub helm_refused: usize,
    /// Fixable findings left alone because they need `--unsafe-fixes`.
    pub unsafe_skipped: usize,
}

/// Fixes `file` until no fixable finding is left (at most a few rounds, as
/// one insertion may enable the next); the result is idempotent.
pub fn fix_file(file: &SourceFile, options: &CheckOptions, allow_unsafe: bool) -> FixOutcome {
    let options = &CheckOptions {
        fix_targets: true,
        ..options.clone()
    };
    let mut outcome = FixOutcome {
        text: file.text().to_string(),
        ..FixOutcome::default()
    };
    for _ in 0..8 {
        let current = SourceFile::new(file.name(), outcome.text.clone());
        let report = check_file(&current, options);
        let stream = parse_stream(current.text(), &options.limits);
        let mut edits = Vec::new();
        let mut codes = Vec::new();
        let (mut helm, mut unsafe_skipped) = (0, 0);
        for target in &report.targets {
            let Some((remedy, applicability)) = remedy_for(target) else {
                continue;
            };
            if applicability == Applicability::Unsafe && !allow_unsafe {
                unsafe_skipped += 1;
                continue;
            }
            if target.helm {
                helm += 1;
                continue;
            }
            let Some(document) = stream.documents.iter().find(|d| d.index == target.document)
            else {
                continue;
            };
            let text = current.text();
            let found = match remedy {
                Remedy::Set(value) => set_scalar(text, document, &target.pointer, value),
                Remedy::SetChild(child, value) => set_scalar(
                    text,
                    document,
                    &format!("{}/{child}", target.pointer),
                    value,
                ),
                Remedy::Contain(item) => ensure_item(text, document, &target.pointer, item),
                Remedy::ConfiguredResources => {
                    Some(resource_defaults(text, document, target, options))
                }
            };
            if let Some(found) = found.filter(|e| !e.is_empty()) {
                edits.extend(found);
                codes.push(target.rule.code);
            }
        }
        outcome.helm_refused = helm;
        outcome.unsafe_skipped = unsafe_skipped;
        if edits.is_empty() {
            break;
        }
        let (text, applied) = apply(current.text(), edits);
        if applied == 0 || text == outcome.text {
            break;
        }
        outcome.applied.extend(codes.into_iter().take(applied));
        outcome.text = text;
    }
    outcome
}

/// The configured resource values a container lacks (config `fix.resources`).
fn resource_defaults(
    text: &str,
    document: &rampart_yaml::Document,
    target: &FixTarget,
    options: &CheckOptions,
) -> Vec<Edit> {
    let mut edits = Vec::new();
    for (list, resource, quantity) in &options.config.fix_resources {
        let pointer = format!("{}/{list}/{resource}", target.pointer);
        if document.root.pointer(&pointer).is_some() {
            continue;
        }
        if let Some(found) = set_scalar(text, document, &pointer, quantity) {
            edits.extend(found);
        }
    }
    edits
}

fn remedy_for(target: &FixTarget) -> Option<(Remedy, Applicability)> {
    let last = target.pointer.rsplit('/').next()?;
    REMEDIES
        .iter()
        .find(|(code, field, _, _)| *code == target.rule.code && *field == last)
        .map(|(_, _, remedy, applicability)| (*remedy, *applicability))
}

/// Whether a rule has a fix, and how safe it is (for docs and `rampart rule`).
pub fn fix_applicability(code: &str) -> Option<Applicability> {
    REMEDIES
        .iter()
        .filter(|(c, ..)| *c == code)
        .map(|(.., applicability)| *applicability)
        .min()
}
