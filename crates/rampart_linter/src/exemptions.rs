//! Exemptions users govern: inline annotations on an object or its pod
//! template, and scoped entries in a `rampart.yaml` config file. Every
//! exemption carries a reason; config entries may expire, and the report
//! says which of them matched nothing.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use globset::{Glob, GlobMatcher};
use jiff::civil::Date;
use rampart_source::SourceFile;
use rampart_yaml::{Limits, Node, parse_stream};
use serde_json::Value;

use crate::registry::RuleMeta;

/// The annotation that exempts an object (or, with `.<container>`, one container).
pub const IGNORE_ANNOTATION: &str = "rampart.dev/ignore";

/// The names rampart looks for when it discovers a config file.
pub const CONFIG_FILE_NAMES: [&str; 2] = ["rampart.yaml", ".rampart.yaml"];

/// A problem in the config file, with its position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct ConfigError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// One scoped exemption from the config file. Empty scopes match anything.
#[derive(Debug)]
pub struct Exemption {
    pub rules: Vec<String>,
    pub reason: String,
    pub paths: Vec<GlobMatcher>,
    pub namespaces: Vec<String>,
    pub kinds: Vec<String>,
    pub names: Vec<String>,
    pub containers: Vec<String>,
    pub expires: Option<Date>,
    /// Where it is written, for the report.
    pub line: usize,
    matched: AtomicUsize,
}

impl Exemption {
    pub fn matched(&self) -> usize {
        self.matched.load(Ordering::Relaxed)
    }

    pub fn is_expired(&self, today: Date) -> bool {
        self.expires.is_some_and(|expires| expires < today)
    }
}

/// The loaded config file.
#[derive(Debug, Default)]
pub struct Config {
    /// The file it came from (None: no config).
    pub file: Option<PathBuf>,
    pub exemptions: Vec<Exemption>,
    /// Scoped privilege exceptions.
    pub exceptions: Vec<crate::exceptions::PrivilegeException>,
    /// Admission levels and modes, by default and per namespace (the webhook).
    pub admission: crate::admission::AdmissionPolicy,
    /// Rules switched off everywhere, by code or name.
    pub ignore: Vec<String>,
    pub allowed_registries: Vec<String>,
    /// Resource values `rampart fix` gives containers that lack them:
    /// (`requests`|`limits`, resource, quantity).
    pub fix_resources: Vec<(String, String, String)>,
}

/// What a finding is about, for matching exemptions.
pub struct Subject<'a> {
    pub rule: &'a RuleMeta,
    pub file: &'a str,
    pub namespace: Option<&'a str>,
    pub kind: Option<&'a str>,
    pub name: Option<&'a str>,
    pub container: Option<&'a str>,
}

impl Config {
    /// Finds `rampart.yaml` in `start` or the nearest parent directory.
    pub fn discover(start: &Path) -> Option<PathBuf> {
        let absolute = std::path::absolute(start).ok()?;
        let mut dir = if absolute.is_dir() {
            Some(absolute.as_path())
        } else {
            absolute.parent()
        };
        while let Some(current) = dir {
            for name in CONFIG_FILE_NAMES {
                let candidate = current.join(name);
                if candidate.is_file() {
                    return Some(candidate);
                }
            }
            dir = current.parent();
        }
        None
    }

    /// Reads and validates a config file.
    pub fn load(path: &Path) -> Result<Config, Vec<ConfigError>> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| {
            vec![ConfigError {
                file: name.clone(),
                line: 0,
                column: 0,
                message: format!("cannot read config: {e}"),
            }]
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        let mut config = Config::parse(&SourceFile::new(name, text), base)?;
        config.file = Some(path.to_path_buf());
        Ok(config)
    }

    /// Parses config text; path globs are relative to `base`.
    pub fn parse(file: &SourceFile, base: &Path) -> Result<Config, Vec<ConfigError>> {
        let mut errors = Vec::new();
        let stream = parse_stream(file.text(), &Limits::default());
        for error in &stream.errors {
            errors.push(error_at(file, error.range.start, &error.message));
        }
        let mut config = Config::default();
        let Some(document) = stream.documents.iter().find(|d| !d.is_empty) else {
            return if errors.is_empty() {
                Ok(config)
            } else {
                Err(errors)
            };
        };
        let root = &document.root;
        if root.as_map().is_none() {
            errors.push(error_at(
                file,
                root.range.start,
                "the config must be a mapping",
            ));
            return Err(errors);
        }
        for entry in root.as_map().unwrap_or(&[]) {
            let key = entry.key.as_str().unwrap_or("");
            match key {
                "exemptions" => {
                    for item in entry.value.as_seq().unwrap_or(&[]) {
                        match parse_exemption(file, item, base) {
                            Ok(exemption) => config.exemptions.push(exemption),
                            Err(error) => errors.push(error),
                        }
                    }
                    if entry.value.as_seq().is_none() && !entry.value.is_null() {
                        errors.push(error_at(file, entry.value.range.start, "`exemptions` must be a list"));
                    }
                }
                "exceptions" => {
                    for item in entry.value.as_seq().unwrap_or(&[]) {
                        match crate::exceptions::parse_exception(file, item) {
                            Ok(exception) => config.exceptions.push(exception),
                            Err(error) => errors.push(error),
                        }
                    }
                    if entry.value.as_seq().is_none() && !entry.value.is_null() {
                        errors.push(error_at(file, entry.value.range.start, "`exceptions` must be a list"));
                    }
                }
                "admission" => {
                    config.admission =
                        crate::admission::parse_admission(file, &entry.value, &mut errors)
                }
                "ignore" => config.ignore = strings(file, &entry.value, &mut errors),
                "allowed_registries" => {
                    config.allowed_registries = strings(file, &entry.value, &mut errors)
                }
                "fix" => config.fix_resources = parse_fix(file, &entry.value, &mut errors),
                other => errors.push(error_at(
                    file,
                    entry.key.range.start,
                    &format!(
                        "unknown config key `{other}` (expected exemptions, exceptions, admission, ignore, allowed_registries, fix)"
                    ),
                )),
            }
        }
        if errors.is_empty() {
            Ok(config)
        } else {
            Err(errors)
        }
    }

    /// The config exemption covering `subject`, if any (and counts the match).
    pub fn exemption_for(&self, subject: &Subject<'_>, today: Date) -> Option<&Exemption> {
        if self.exemptions.is_empty() {
            return None;
        }
        // Globs are anchored at the config file's directory: match absolute paths.
        let absolute = std::path::absolute(subject.file).unwrap_or_else(|_| subject.file.into());
        let found = self.exemptions.iter().find(|e| {
            !e.is_expired(today)
                && names_rule(&e.rules, subject.rule)
                && (e.paths.is_empty() || e.paths.iter().any(|g| g.is_match(&absolute)))
                && in_scope(&e.namespaces, subject.namespace)
                && in_scope(&e.kinds, subject.kind)
                && in_scope(&e.names, subject.name)
                && in_scope(&e.containers, subject.container)
        })?;
        found.matched.fetch_add(1, Ordering::Relaxed);
        Some(found)
    }
}

fn in_scope(allowed: &[String], value: Option<&str>) -> bool {
    allowed.is_empty() || value.is_some_and(|v| allowed.iter().any(|a| a == v))
}

/// Whether a list of codes or names (or `*`) names `rule`.
pub fn names_rule(list: &[String], rule: &RuleMeta) -> bool {
    list.iter()
        .any(|r| r == "*" || r.eq_ignore_ascii_case(rule.code) || r == rule.name)
}

fn parse_exemption(file: &SourceFile, item: &Node, base: &Path) -> Result<Exemption, ConfigError> {
    let line = file.position(item.range.start).line;
    let Some(entries) = item.as_map() else {
        return Err(error_at(
            file,
            item.range.start,
            "an exemption must be a mapping",
        ));
    };
    let mut errors = Vec::new();
    let mut exemption = Exemption {
        rules: Vec::new(),
        reason: String::new(),
        paths: Vec::new(),
        namespaces: Vec::new(),
        kinds: Vec::new(),
        names: Vec::new(),
        containers: Vec::new(),
        expires: None,
        line,
        matched: AtomicUsize::new(0),
    };
    for entry in entries {
        let value = &entry.value;
        match entry.key.as_str().unwrap_or("") {
            "rules" => exemption.rules = strings(file, value, &mut errors),
            "reason" => exemption.reason = value.as_str().unwrap_or("").trim().to_string(),
            "paths" => {
                for (glob, node) in strings(file, value, &mut errors)
                    .into_iter()
                    .zip(value.as_seq().unwrap_or(&[]))
                {
                    let pattern = base.join(&glob).display().to_string();
                    match Glob::new(&pattern) {
                        Ok(g) => exemption.paths.push(g.compile_matcher()),
                        Err(e) => errors.push(error_at(file, node.range.start, &format!("bad glob: {e}"))),
                    }
                }
            }
            "namespaces" => exemption.namespaces = strings(file, value, &mut errors),
            "kinds" => exemption.kinds = strings(file, value, &mut errors),
            "names" => exemption.names = strings(file, value, &mut errors),
            "containers" => exemption.containers = strings(file, value, &mut errors),
            "expires" => exemption.expires = expiry(file, value, &mut errors),
            other => errors.push(error_at(
                file,
                entry.key.range.start,
                &format!(
                    "unknown exemption key `{other}` (expected rules, reason, paths, namespaces, kinds, names, containers, expires)"
                ),
            )),
        }
    }
    if exemption.rules.is_empty() {
        errors.push(error_at(
            file,
            item.range.start,
            "an exemption needs `rules` (codes, names or `*`)",
        ));
    }
    if exemption.reason.is_empty() {
        errors.push(error_at(
            file,
            item.range.start,
            "an exemption needs a `reason`",
        ));
    }
    match errors.into_iter().next() {
        Some(error) => Err(error),
        None => Ok(exemption),
    }
}

/// `fix: {resources: {requests: {cpu: 100m}, limits: {memory: 256Mi}}}`.
fn parse_fix(
    file: &SourceFile,
    node: &Node,
    errors: &mut Vec<ConfigError>,
) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for entry in node.as_map().unwrap_or(&[]) {
        if entry.key.as_str() != Some("resources") {
            errors.push(error_at(
                file,
                entry.key.range.start,
                "unknown `fix` key (expected resources)",
            ));
            continue;
        }
        for list in entry.value.as_map().unwrap_or(&[]) {
            let list_name = list.key.as_str().unwrap_or("");
            if list_name != "requests" && list_name != "limits" {
                errors.push(error_at(
                    file,
                    list.key.range.start,
                    "expected `requests` or `limits`",
                ));
                continue;
            }
            for resource in list.value.as_map().unwrap_or(&[]) {
                let quantity = match &resource.value.kind {
                    rampart_yaml::NodeKind::Scalar(rampart_yaml::Scalar::Str(s)) => s.clone(),
                    rampart_yaml::NodeKind::Scalar(rampart_yaml::Scalar::Int(i)) => i.to_string(),
                    rampart_yaml::NodeKind::Scalar(rampart_yaml::Scalar::Float(f)) => f.to_string(),
                    _ => String::new(),
                };
                let valid = !quantity.is_empty()
                    && quantity
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '.');
                if !valid {
                    errors.push(error_at(
                        file,
                        resource.value.range.start,
                        "expected a quantity such as 100m or 128Mi",
                    ));
                    continue;
                }
                out.push((
                    list_name.to_string(),
                    resource.key.as_str().unwrap_or("").to_string(),
                    quantity,
                ));
            }
        }
    }
    out
}

pub(crate) fn strings(
    file: &SourceFile,
    node: &Node,
    errors: &mut Vec<ConfigError>,
) -> Vec<String> {
    if let Some(single) = node.as_str() {
        return vec![single.to_string()];
    }
    let Some(items) = node.as_seq() else {
        errors.push(error_at(
            file,
            node.range.start,
            "expected a list of strings",
        ));
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| match item.as_str() {
            Some(s) => Some(s.to_string()),
            None => {
                errors.push(error_at(file, item.range.start, "expected a string"));
                None
            }
        })
        .collect()
}

/// An `expires: 2026-12-31` date; an input error otherwise.
pub(crate) fn expiry(
    file: &SourceFile,
    value: &Node,
    errors: &mut Vec<ConfigError>,
) -> Option<Date> {
    let parsed = match &value.kind {
        rampart_yaml::NodeKind::Scalar(rampart_yaml::Scalar::Str(s)) => s.parse::<Date>().ok(),
        _ => None,
    };
    if parsed.is_none() {
        errors.push(error_at(
            file,
            value.range.start,
            "`expires` must be a date like 2026-12-31",
        ));
    }
    parsed
}

pub(crate) fn error_at(file: &SourceFile, offset: usize, message: &str) -> ConfigError {
    let position = file.position(offset);
    ConfigError {
        file: file.name().to_string(),
        line: position.line,
        column: position.column,
        message: message.to_string(),
    }
}

/// An inline exemption read from the `rampart.dev/ignore` annotations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineIgnore {
    pub rules: Vec<String>,
    pub reason: String,
    /// `None`: the whole object; `Some(c)`: only container `c`.
    pub container: Option<String>,
    /// JSON pointer of the annotation (relative to the object).
    pub pointer: String,
}

/// Reads `rampart.dev/ignore: "CODE[,CODE]: reason"` and the per-container
/// `rampart.dev/ignore.<container>` from annotations at `pointer`.
/// Annotations without a reason come back as errors (pointer, message).
pub fn inline_ignores(
    annotations: Option<&Value>,
    pointer: &str,
) -> (Vec<InlineIgnore>, Vec<(String, String)>) {
    let mut ignores = Vec::new();
    let mut errors = Vec::new();
    let Some(map) = annotations.and_then(Value::as_object) else {
        return (ignores, errors);
    };
    for (key, value) in map {
        let container = if key == IGNORE_ANNOTATION {
            None
        } else if let Some(name) = key
            .strip_prefix(IGNORE_ANNOTATION)
            .and_then(|r| r.strip_prefix('.'))
        {
            Some(name.to_string())
        } else {
            continue;
        };
        let annotation_pointer = format!("{pointer}/{}", rampart_k8s::escape_token(key));
        let text = value.as_str().unwrap_or("");
        let (codes, reason) = text.split_once(':').unwrap_or((text, ""));
        let rules: Vec<String> = codes
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect();
        if rules.is_empty() || reason.trim().is_empty() {
            errors.push((
                annotation_pointer,
                format!("`{key}` must read \"CODE[,CODE]: reason\" (an exemption needs a reason)"),
            ));
            continue;
        }
        ignores.push(InlineIgnore {
            rules,
            reason: reason.trim().to_string(),
            container,
            pointer: annotation_pointer,
        });
    }
    (ignores, errors)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn parses_inline_ignores() {
        let annotations = json!({
            "rampart.dev/ignore": "PSB001, WL001: the agent needs host PID for DogStatsD origin detection",
            "rampart.dev/ignore.system-probe": "WL001: eBPF network monitoring",
            "rampart.dev/ignore.bad": "WL001",
            "other": "x"
        });
        let (ignores, errors) = inline_ignores(Some(&annotations), "/metadata/annotations");
        assert_eq!(ignores.len(), 2);
        assert_eq!(ignores[0].rules, ["PSB001", "WL001"]);
        assert_eq!(ignores[0].container, None);
        assert_eq!(ignores[1].container.as_deref(), Some("system-probe"));
        assert_eq!(
            ignores[0].pointer,
            "/metadata/annotations/rampart.dev~1ignore"
        );
        assert_eq!(errors.len(), 1);
        assert!(errors[0].1.contains("needs a reason"));
    }

    #[test]
    fn parses_config_and_reports_errors_with_positions() {
        let text = "exemptions:\n- rules: [WL001]\n  reason: system-probe needs it\n  namespaces: [datadog]\n  containers: [system-probe]\n  expires: 2020-01-01\n- rules: [PSB002]\n  paths: ['agents/**']\n  reason: node agent\nignore: [IM003]\n";
        let config =
            Config::parse(&SourceFile::new("rampart.yaml", text), Path::new("/repo")).unwrap();
        assert_eq!(config.exemptions.len(), 2);
        assert_eq!(config.ignore, ["IM003"]);
        let today: Date = "2026-11-23".parse().unwrap();
        assert!(config.exemptions[0].is_expired(today));
        assert!(config.exemptions[1].paths[0].is_match("/repo/agents/datadog/ds.yaml"));

        let bad = "exemptions:\n- rules: [WL001]\n  namespace: [x]\n";
        let errors =
            Config::parse(&SourceFile::new("rampart.yaml", bad), Path::new(".")).unwrap_err();
        assert_eq!((errors[0].line, errors[0].column), (3, 3));
        assert!(
            errors[0]
                .message
                .contains("unknown exemption key `namespace`")
        );
        let missing_reason = "exemptions:\n- rules: [WL001]\n";
        let errors =
            Config::parse(&SourceFile::new("r.yaml", missing_reason), Path::new(".")).unwrap_err();
        assert!(errors[0].message.contains("reason"));
    }
}
