//! `admission:` in `rampart.yaml`: the Pod Security level of each admission
//! mode (enforce, warn, audit) and policy version, by default and per
//! namespace, as the `pod-security.kubernetes.io/*` labels set them for Pod
//! Security Admission.
//!
//! ```yaml
//! admission:
//!   default: {enforce: baseline, warn: restricted, audit: restricted, version: latest}
//!   namespaces:
//!     monitoring: {enforce: privileged, warn: baseline}
//! ```

use rampart_source::SourceFile;
use rampart_yaml::Node;

use crate::exemptions::{ConfigError, error_at};
use crate::pss::{Level, PolicyVersion};

/// The levels of one namespace; `None`: the mode is off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModeLevels {
    pub enforce: Option<Level>,
    pub warn: Option<Level>,
    pub audit: Option<Level>,
    pub version: PolicyVersion,
}

impl Default for ModeLevels {
    /// Enforce restricted, as `rampart scan` judges by default.
    fn default() -> Self {
        Self {
            enforce: Some(Level::Restricted),
            warn: None,
            audit: None,
            version: PolicyVersion::Latest,
        }
    }
}

/// Which modes (and the version) a namespace entry names itself, rather
/// than keeping the default's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SetModes {
    pub enforce: bool,
    pub warn: bool,
    pub audit: bool,
    pub version: bool,
}

/// The admission policy of the config file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AdmissionPolicy {
    /// Set when the config file has an `admission:` section.
    pub default: Option<ModeLevels>,
    /// Each namespace's levels, modes left out filled from the default.
    pub namespaces: Vec<(String, ModeLevels)>,
    /// What each namespace entry of `namespaces` names itself (same order).
    pub namespace_modes: Vec<(String, SetModes)>,
}

impl AdmissionPolicy {
    /// The levels for `namespace`: its own entry, else the default, else `fallback`.
    pub fn for_namespace(&self, namespace: &str, fallback: ModeLevels) -> ModeLevels {
        self.namespaces
            .iter()
            .find(|(name, _)| name == namespace)
            .map(|(_, levels)| *levels)
            .or(self.default)
            .unwrap_or(fallback)
    }

    /// The namespace's own entry, if the config has one, with the modes it
    /// names itself (the others are the default's).
    pub fn namespace_entry(&self, namespace: &str) -> Option<(ModeLevels, SetModes)> {
        let levels = self
            .namespaces
            .iter()
            .find(|(name, _)| name == namespace)
            .map(|(_, levels)| *levels)?;
        let set = self
            .namespace_modes
            .iter()
            .find(|(name, _)| name == namespace)
            .map(|(_, set)| *set)
            .unwrap_or_default();
        Some((levels, set))
    }
}

/// Parses the `admission:` section.
pub(crate) fn parse_admission(
    file: &SourceFile,
    node: &Node,
    errors: &mut Vec<ConfigError>,
) -> AdmissionPolicy {
    let mut policy = AdmissionPolicy::default();
    let Some(entries) = node.as_map() else {
        errors.push(error_at(
            file,
            node.range.start,
            "`admission` must be a mapping",
        ));
        return policy;
    };
    for entry in entries {
        match entry.key.as_str().unwrap_or("") {
            "default" => {
                policy.default =
                    Some(parse_levels(file, &entry.value, ModeLevels::default(), errors).0);
            }
            "namespaces" => {
                let Some(namespaces) = entry.value.as_map() else {
                    errors.push(error_at(
                        file,
                        entry.value.range.start,
                        "`namespaces` maps names to levels",
                    ));
                    continue;
                };
                for namespace in namespaces {
                    let name = namespace.key.as_str().unwrap_or("").to_string();
                    let base = policy.default.unwrap_or_default();
                    let (levels, set) = parse_levels(file, &namespace.value, base, errors);
                    policy.namespaces.push((name.clone(), levels));
                    policy.namespace_modes.push((name, set));
                }
            }
            other => errors.push(error_at(
                file,
                entry.key.range.start,
                &format!("unknown `admission` key `{other}` (expected default, namespaces)"),
            )),
        }
    }
    policy
}

/// `{enforce: baseline, warn: restricted, audit: restricted, version: v1.30}`;
/// modes left out keep `base`'s, `off` turns one off. Also says which
/// modes the mapping names.
fn parse_levels(
    file: &SourceFile,
    node: &Node,
    base: ModeLevels,
    errors: &mut Vec<ConfigError>,
) -> (ModeLevels, SetModes) {
    let mut levels = base;
    let mut set = SetModes::default();
    let Some(entries) = node.as_map() else {
        errors.push(error_at(
            file,
            node.range.start,
            "expected `{enforce: LEVEL, warn: LEVEL, audit: LEVEL, version: VERSION}`",
        ));
        return (levels, set);
    };
    for entry in entries {
        let value = entry.value.as_str().unwrap_or("");
        // `off` unquoted is a YAML 1.1 boolean, as kubectl reads it.
        let off = value == "off" || entry.value.as_bool() == Some(false);
        let level = || -> Option<Option<Level>> {
            if off {
                return Some(None);
            }
            value.parse::<Level>().ok().map(Some)
        };
        let (slot, named) = match entry.key.as_str().unwrap_or("") {
            "enforce" => (&mut levels.enforce, &mut set.enforce),
            "warn" => (&mut levels.warn, &mut set.warn),
            "audit" => (&mut levels.audit, &mut set.audit),
            "version" => {
                match value.parse::<PolicyVersion>() {
                    Ok(version) => {
                        levels.version = version;
                        set.version = true;
                    }
                    Err(_) => errors.push(error_at(
                        file,
                        entry.value.range.start,
                        "a version is `latest` or `v1.N`",
                    )),
                }
                continue;
            }
            other => {
                errors.push(error_at(
                    file,
                    entry.key.range.start,
                    &format!("unknown mode `{other}` (expected enforce, warn, audit, version)"),
                ));
                continue;
            }
        };
        match level() {
            Some(parsed) => {
                *slot = parsed;
                *named = true;
            }
            None => errors.push(error_at(
                file,
                entry.value.range.start,
                "a level is privileged, baseline, restricted, or off",
            )),
        }
    }
    (levels, set)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::exemptions::Config;

    fn policy(text: &str) -> AdmissionPolicy {
        match Config::parse(&SourceFile::new("rampart.yaml", text), Path::new(".")) {
            Ok(config) => config.admission,
            Err(errors) => panic!("{errors:?}"),
        }
    }

    #[test]
    fn a_namespace_entry_says_which_modes_it_names() {
        let policy = policy(
            "admission:\n  default: {enforce: baseline, warn: restricted}\n  namespaces:\n    mon: {enforce: privileged, version: v1.30}\n    legacy: {audit: off}\n",
        );
        let (levels, set) = policy
            .namespace_entry("mon")
            .unwrap_or_else(|| panic!("mon"));
        assert_eq!(levels.enforce, Some(Level::Privileged));
        // Left out: the default's.
        assert_eq!(levels.warn, Some(Level::Restricted));
        assert_eq!(levels.version, PolicyVersion::Minor(30));
        assert_eq!(
            set,
            SetModes {
                enforce: true,
                warn: false,
                audit: false,
                version: true
            }
        );
        let (levels, set) = policy
            .namespace_entry("legacy")
            .unwrap_or_else(|| panic!("legacy"));
        assert_eq!(levels.audit, None);
        assert!(set.audit && !set.enforce && !set.warn && !set.version);
        assert!(policy.namespace_entry("other").is_none());
    }
}
