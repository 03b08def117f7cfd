//! The level and version of each admission mode in a namespace, from four
//! sources, per mode (first that says wins):
//!
//! 1. the namespace's own entry in `rampart.yaml` `admission.namespaces`
//!    (only the modes, and the version, it names);
//! 2. the namespace's `pod-security.kubernetes.io/{enforce,warn,audit}[-version]`
//!    labels, when the webhook reads them from the cluster;
//! 3. `admission.default` in `rampart.yaml`;
//! 4. the command line's `--mode`, `--pss-level` and `--pss-version`.
//!
//! Label values are validated as Pod Security Admission does: a level is
//! exactly `privileged`, `baseline` or `restricted`, a version `latest` or
//! `v1.N`. An invalid enforce level counts as `restricted` (fail closed), an
//! invalid warn or audit level as `privileged` (fail open), an invalid
//! version as `latest`.

use std::fmt;

use rampart_linter::admission::{AdmissionPolicy, ModeLevels};
use rampart_linter::pss::{Level, PolicyVersion};

/// The label prefix Pod Security Admission reads.
pub const LABEL_PREFIX: &str = "pod-security.kubernetes.io/";

/// One admission mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PsaMode {
    Enforce,
    Warn,
    Audit,
}

impl PsaMode {
    pub const ALL: [PsaMode; 3] = [PsaMode::Enforce, PsaMode::Warn, PsaMode::Audit];

    pub const fn as_str(self) -> &'static str {
        match self {
            PsaMode::Enforce => "enforce",
            PsaMode::Warn => "warn",
            PsaMode::Audit => "audit",
        }
    }

    /// `pod-security.kubernetes.io/enforce`.
    pub fn level_label(self) -> String {
        format!("{LABEL_PREFIX}{}", self.as_str())
    }

    /// `pod-security.kubernetes.io/enforce-version`.
    pub fn version_label(self) -> String {
        format!("{LABEL_PREFIX}{}-version", self.as_str())
    }
}

/// One mode's level (`None`: off) and version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ModePolicy {
    pub level: Option<Level>,
    pub version: PolicyVersion,
}

impl ModePolicy {
    /// Off, or at `privileged`: judges nothing.
    pub fn is_off(&self) -> bool {
        self.level.is_none_or(|l| l == Level::Privileged)
    }
}

impl fmt::Display for ModePolicy {
    /// `restricted:latest`, as PSA names a level and version.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.level {
            Some(level) => write!(f, "{level}:{}", self.version),
            None => write!(f, "off:{}", self.version),
        }
    }
}

/// The three modes of one namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NamespacePolicy {
    pub enforce: ModePolicy,
    pub warn: ModePolicy,
    pub audit: ModePolicy,
}

impl NamespacePolicy {
    pub fn mode(&self, mode: PsaMode) -> ModePolicy {
        match mode {
            PsaMode::Enforce => self.enforce,
            PsaMode::Warn => self.warn,
            PsaMode::Audit => self.audit,
        }
    }
}

/// What a namespace's labels say about one mode (`None`: no such label).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ModeLabels {
    pub level: Option<Level>,
    pub version: Option<PolicyVersion>,
}

/// What a namespace's Pod Security labels say, invalid values already
/// replaced as PSA replaces them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PsaLabels {
    pub enforce: ModeLabels,
    pub warn: ModeLabels,
    pub audit: ModeLabels,
}

impl PsaLabels {
    pub fn mode(&self, mode: PsaMode) -> ModeLabels {
        match mode {
            PsaMode::Enforce => self.enforce,
            PsaMode::Warn => self.warn,
            PsaMode::Audit => self.audit,
        }
    }

    fn mode_mut(&mut self, mode: PsaMode) -> &mut ModeLabels {
        match mode {
            PsaMode::Enforce => &mut self.enforce,
            PsaMode::Warn => &mut self.warn,
            PsaMode::Audit => &mut self.audit,
        }
    }

    /// Parses the labels `get` returns; invalid values become what PSA uses
    /// instead (see [`LabelProblem`]).
    pub fn parse<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Self {
        Self::parse_checked(get).0
    }

    /// As [`PsaLabels::parse`], with a problem per invalid value.
    pub fn parse_checked<'a>(get: impl Fn(&str) -> Option<&'a str>) -> (Self, Vec<LabelProblem>) {
        let mut labels = PsaLabels::default();
        let mut problems = Vec::new();
        for mode in PsaMode::ALL {
            let slot = labels.mode_mut(mode);
            let key = mode.level_label();
            if let Some(value) = get(&key) {
                slot.level = Some(match value.parse::<Level>() {
                    Ok(level) => level,
                    Err(_) => {
                        // Enforce fails closed, warn and audit fail open (as PSA).
                        let instead = match mode {
                            PsaMode::Enforce => Level::Restricted,
                            PsaMode::Warn | PsaMode::Audit => Level::Privileged,
                        };
                        problems.push(LabelProblem {
                            label: key,
                            value: value.to_string(),
                            expected: "must be one of privileged, baseline, restricted",
                            instead: instead.as_str().to_string(),
                        });
                        instead
                    }
                });
            }
            let key = mode.version_label();
            if let Some(value) = get(&key) {
                slot.version = Some(match value.parse::<PolicyVersion>() {
                    Ok(version) => version,
                    Err(_) => {
                        problems.push(LabelProblem {
                            label: key,
                            value: value.to_string(),
                            expected: "must be \"latest\" or \"v1.x\"",
                            instead: "latest".to_string(),
                        });
                        PolicyVersion::Latest
                    }
                });
            }
        }
        (labels, problems)
    }
}

/// An invalid Pod Security label value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelProblem {
    /// `pod-security.kubernetes.io/enforce`.
    pub label: String,
    pub value: String,
    /// What PSA requires.
    pub expected: &'static str,
    /// What rampart uses instead.
    pub instead: String,
}

impl fmt::Display for LabelProblem {
    /// PSA's field error, and what rampart does about it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "metadata.labels[{}]: Invalid value: {:?}: {} (rampart uses {:?} instead)",
            self.label, self.value, self.expected, self.instead
        )
    }
}

/// The policy of `namespace`: per mode, the config's namespace entry, else
/// the labels (when known), else the config's default, else `fallback` (the
/// command line).
pub fn resolve(
    admission: &AdmissionPolicy,
    namespace: &str,
    labels: Option<&PsaLabels>,
    fallback: ModeLevels,
) -> NamespacePolicy {
    let entry = admission.namespace_entry(namespace);
    let base = admission.default.unwrap_or(fallback);
    let one = |mode: PsaMode| -> ModePolicy {
        let pick = |m: &ModeLevels| match mode {
            PsaMode::Enforce => m.enforce,
            PsaMode::Warn => m.warn,
            PsaMode::Audit => m.audit,
        };
        let from_labels = labels.map(|l| l.mode(mode)).unwrap_or_default();
        let (entry_level, entry_version) = match entry {
            Some((levels, set)) => {
                let names_mode = match mode {
                    PsaMode::Enforce => set.enforce,
                    PsaMode::Warn => set.warn,
                    PsaMode::Audit => set.audit,
                };
                // A mode the entry names takes the entry's version, else
                // the default's (or the command line's), never a label's.
                let version = if set.version {
                    Some(levels.version)
                } else {
                    names_mode.then_some(base.version)
                };
                (names_mode.then(|| pick(&levels)), version)
            }
            None => (None, None),
        };
        ModePolicy {
            level: entry_level
                .or(from_labels.level.map(Some))
                .unwrap_or_else(|| pick(&base)),
            version: entry_version
                .or(from_labels.version)
                .unwrap_or(base.version),
        }
    };
    NamespacePolicy {
        enforce: one(PsaMode::Enforce),
        warn: one(PsaMode::Warn),
        audit: one(PsaMode::Audit),
    }
}

/// Whether the config's entry for `namespace` names `mode` (or the version),
/// so that the namespace's label for it has no effect on rampart.
pub fn config_overrides(
    admission: &AdmissionPolicy,
    namespace: &str,
    mode: PsaMode,
    version: bool,
) -> bool {
    admission
        .namespace_entry(namespace)
        .is_some_and(|(_, set)| match (mode, version) {
            (_, true) if set.version => true,
            (PsaMode::Enforce, _) => set.enforce,
            (PsaMode::Warn, _) => set.warn,
            (PsaMode::Audit, _) => set.audit,
        })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::Path;

    use rampart_linter::exemptions::Config;
    use rampart_source::SourceFile;

    use super::*;

    fn admission(text: &str) -> AdmissionPolicy {
        match Config::parse(&SourceFile::new("rampart.yaml", text), Path::new(".")) {
            Ok(config) => config.admission,
            Err(errors) => panic!("{errors:?}"),
        }
    }

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (format!("{LABEL_PREFIX}{k}"), v.to_string()))
            .collect()
    }

    fn parse(map: &BTreeMap<String, String>) -> (PsaLabels, Vec<LabelProblem>) {
        PsaLabels::parse_checked(|k| map.get(k).map(String::as_str))
    }

    /// The command line: enforce restricted at v1.25.
    fn cli() -> ModeLevels {
        ModeLevels {
            enforce: Some(Level::Restricted),
            warn: None,
            audit: None,
            version: PolicyVersion::Minor(25),
        }
    }

    fn mode(level: Option<Level>, version: PolicyVersion) -> ModePolicy {
        ModePolicy { level, version }
    }

    #[test]
    fn valid_labels_parse_and_invalid_ones_fail_as_psa_does() {
        let (parsed, problems) = parse(&labels(&[
            ("enforce", "baseline"),
            ("enforce-version", "v1.30"),
            ("warn", "restricted"),
        ]));
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(parsed.enforce.level, Some(Level::Baseline));
        assert_eq!(parsed.enforce.version, Some(PolicyVersion::Minor(30)));
        assert_eq!(parsed.warn.level, Some(Level::Restricted));
        assert_eq!(parsed.warn.version, None);
        assert_eq!(parsed.audit, ModeLabels::default());

        let (parsed, problems) = parse(&labels(&[
            ("enforce", "Baseline"),
            ("enforce-version", "v1.030"),
            ("warn", "strict"),
            ("audit", ""),
            ("audit-version", "1.30"),
        ]));
        // Enforce fails closed, warn and audit open; versions become latest.
        assert_eq!(parsed.enforce.level, Some(Level::Restricted));
        assert_eq!(parsed.enforce.version, Some(PolicyVersion::Latest));
        assert_eq!(parsed.warn.level, Some(Level::Privileged));
        assert_eq!(parsed.audit.level, Some(Level::Privileged));
        assert_eq!(parsed.audit.version, Some(PolicyVersion::Latest));
        assert_eq!(problems.len(), 5, "{problems:?}");
        assert_eq!(
            problems[0].to_string(),
            "metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: \"Baseline\": \
             must be one of privileged, baseline, restricted (rampart uses \"restricted\" instead)"
        );
        assert!(
            problems[1]
                .to_string()
                .contains("must be \"latest\" or \"v1.x\""),
            "{}",
            problems[1]
        );
        // Other labels are not Pod Security labels.
        let mut map = labels(&[]);
        map.insert("pod-security.kubernetes.io/enforced".into(), "x".into());
        map.insert("team".into(), "a".into());
        assert_eq!(parse(&map), (PsaLabels::default(), Vec::new()));
    }

    #[test]
    fn without_config_or_labels_the_command_line_applies() {
        let policy = resolve(&AdmissionPolicy::default(), "ns", None, cli());
        assert_eq!(
            policy.enforce,
            mode(Some(Level::Restricted), PolicyVersion::Minor(25))
        );
        assert_eq!(policy.warn, mode(None, PolicyVersion::Minor(25)));
        assert!(policy.warn.is_off());
    }

    #[test]
    fn labels_beat_the_command_line_per_mode() {
        let (parsed, _) = parse(&labels(&[("warn", "baseline"), ("audit-version", "v1.29")]));
        let policy = resolve(&AdmissionPolicy::default(), "ns", Some(&parsed), cli());
        // Enforce: not labelled, the command line's.
        assert_eq!(
            policy.enforce,
            mode(Some(Level::Restricted), PolicyVersion::Minor(25))
        );
        // Warn: the label's level, the command line's version.
        assert_eq!(
            policy.warn,
            mode(Some(Level::Baseline), PolicyVersion::Minor(25))
        );
        // Audit: only the version labelled.
        assert_eq!(policy.audit, mode(None, PolicyVersion::Minor(29)));
    }

    #[test]
    fn labels_beat_the_config_default() {
        let config = admission("admission:\n  default: {enforce: baseline, warn: restricted}\n");
        let (parsed, _) = parse(&labels(&[
            ("enforce", "privileged"),
            ("enforce-version", "v1.28"),
        ]));
        let policy = resolve(&config, "ns", Some(&parsed), cli());
        assert_eq!(
            policy.enforce,
            mode(Some(Level::Privileged), PolicyVersion::Minor(28))
        );
        assert!(policy.enforce.is_off());
        // Not labelled: the default's (and its version, latest), not the command line's.
        assert_eq!(
            policy.warn,
            mode(Some(Level::Restricted), PolicyVersion::Latest)
        );
        // A namespace the cache does not know yet: the default.
        let unknown = resolve(&config, "ns", None, cli());
        assert_eq!(
            unknown.enforce,
            mode(Some(Level::Baseline), PolicyVersion::Latest)
        );
    }

    #[test]
    fn a_config_namespace_entry_beats_the_labels_for_the_modes_it_names() {
        let config = admission(
            "admission:\n  default: {enforce: baseline, warn: restricted}\n  namespaces:\n    mon: {enforce: privileged}\n    old: {version: v1.24}\n",
        );
        let (parsed, _) = parse(&labels(&[
            ("enforce", "restricted"),
            ("enforce-version", "v1.30"),
            ("warn", "baseline"),
        ]));
        let policy = resolve(&config, "mon", Some(&parsed), cli());
        // Named by the entry: the entry's level and version.
        assert_eq!(
            policy.enforce,
            mode(Some(Level::Privileged), PolicyVersion::Latest)
        );
        // Not named: the labels.
        assert_eq!(
            policy.warn,
            mode(Some(Level::Baseline), PolicyVersion::Latest)
        );
        // An entry naming only the version: the labels' levels, its version.
        let policy = resolve(&config, "old", Some(&parsed), cli());
        assert_eq!(
            policy.enforce,
            mode(Some(Level::Restricted), PolicyVersion::Minor(24))
        );
        assert!(config_overrides(&config, "mon", PsaMode::Enforce, false));
        assert!(!config_overrides(&config, "mon", PsaMode::Warn, false));
        assert!(config_overrides(&config, "old", PsaMode::Warn, true));
        assert!(!config_overrides(&config, "old", PsaMode::Warn, false));
        assert!(!config_overrides(&config, "other", PsaMode::Enforce, false));
    }

    #[test]
    fn levels_print_as_psa_names_them() {
        assert_eq!(
            mode(Some(Level::Restricted), PolicyVersion::Latest).to_string(),
            "restricted:latest"
        );
        assert_eq!(
            mode(Some(Level::Baseline), PolicyVersion::Minor(30)).to_string(),
            "baseline:v1.30"
        );
    }
}
