//! User detections in YAML, compiled to the same matchers as the built-in
//! ones (docs/audit.md has the format):
//!
//! ```yaml
//! detections:
//!   - code: X001
//!     name: configmap-deleted-in-prod
//!     severity: medium
//!     summary: deleted a configmap in a prod namespace
//!     mitre: [T1485]
//!     match:
//!       verb: delete
//!       objectRef.resource: [configmaps, secrets]
//!       objectRef.namespace: {prefix: prod-}
//!       user.username: {not: {prefix: "system:"}}
//!     group_by: user.username
//!     threshold: {count: 5, distinct: objectRef.name, window: 10m}
//! ```

use rampart_diagnostics::Severity;
use rampart_source::SourceFile;
use rampart_yaml::{Limits, Node, parse_stream};
use regex::Regex;

use crate::detections::{Candidate, Context, Detection, Window};
use crate::event::AuditEvent;
use crate::meta::DetectionMeta;
use crate::signal::Signal;

/// A problem in a detections file, at `file:line:col`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct CustomError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// An event field a condition reads.
#[derive(Debug, Clone)]
enum Field {
    Verb,
    Stage,
    Level,
    Username,
    Groups,
    UserAgent,
    SourceIps,
    RequestUri,
    Resource,
    Subresource,
    Namespace,
    Name,
    ApiGroup,
    Code,
    Reason,
    ImpersonatedUser,
    Annotation(String),
    /// A JSON pointer into the request object.
    RequestObject(String),
}

impl Field {
    fn parse(path: &str) -> Option<Field> {
        Some(match path {
            "verb" => Field::Verb,
            "stage" => Field::Stage,
            "level" => Field::Level,
            "user.username" => Field::Username,
            "user.groups" => Field::Groups,
            "userAgent" => Field::UserAgent,
            "sourceIPs" => Field::SourceIps,
            "requestURI" => Field::RequestUri,
            "objectRef.resource" => Field::Resource,
            "objectRef.subresource" => Field::Subresource,
            "objectRef.namespace" => Field::Namespace,
            "objectRef.name" => Field::Name,
            "objectRef.apiGroup" => Field::ApiGroup,
            "responseStatus.code" => Field::Code,
            "responseStatus.reason" => Field::Reason,
            "impersonatedUser.username" => Field::ImpersonatedUser,
            other => {
                if let Some(key) = other.strip_prefix("annotations.") {
                    Field::Annotation(key.to_owned())
                } else if let Some(pointer) = other.strip_prefix("requestObject") {
                    if !(pointer.is_empty() || pointer.starts_with('/')) {
                        return None;
                    }
                    Field::RequestObject(pointer.to_owned())
                } else {
                    return None;
                }
            }
        })
    }

    /// The field's values (several for lists such as groups).
    fn values(&self, cx: &Context<'_, '_>) -> Vec<String> {
        let e: &AuditEvent<'_> = cx.event;
        let one = |v: Option<&str>| v.map(|s| vec![s.to_owned()]).unwrap_or_default();
        match self {
            Field::Verb => one(e.verb.as_deref()),
            Field::Stage => one(e.stage.as_deref()),
            Field::Level => one(e.level.as_deref()),
            Field::Username => one(e.user.username.as_deref()),
            Field::Groups => e.user.groups.iter().map(|g| g.to_string()).collect(),
            Field::UserAgent => one(e.user_agent.as_deref()),
            Field::SourceIps => e.source_ips.iter().map(|g| g.to_string()).collect(),
            Field::RequestUri => one(e.request_uri.as_deref()),
            Field::Resource => one(e.object_ref.as_ref().and_then(|o| o.resource.as_deref())),
            Field::Subresource => one(e.object_ref.as_ref().and_then(|o| o.subresource.as_deref())),
            Field::Namespace => one(e.object_ref.as_ref().and_then(|o| o.namespace.as_deref())),
            Field::Name => one(e.object_ref.as_ref().and_then(|o| o.name.as_deref())),
            Field::ApiGroup => one(e.object_ref.as_ref().and_then(|o| o.api_group.as_deref())),
            Field::Code => e.code().map(|c| vec![c.to_string()]).unwrap_or_default(),
            Field::Reason => one(e.response_status.as_ref().and_then(|s| s.reason.as_deref())),
            Field::ImpersonatedUser => one(e
                .impersonated_user
                .as_ref()
                .and_then(|u| u.username.as_deref())),
            Field::Annotation(key) => e.annotation(key).into_iter().collect::<Vec<String>>(),
            Field::RequestObject(pointer) => match cx.request().and_then(|o| o.pointer(pointer)) {
                Some(serde_json::Value::String(s)) => vec![s.clone()],
                Some(serde_json::Value::Array(items)) => items
                    .iter()
                    .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
                    .collect(),
                Some(serde_json::Value::Null) | None => Vec::new(),
                Some(other) => vec![other.to_string()],
            },
        }
    }
}

/// A condition on a field's values (true when any value satisfies it;
/// `exists` and `not` look at all of them).
#[derive(Debug, Clone)]
pub enum Condition {
    Equals(Vec<String>),
    Prefix(String),
    Suffix(String),
    Contains(String),
    Regex(Regex),
    Exists(bool),
    Compare { op: &'static str, value: f64 },
    Not(Box<Condition>),
    Any(Vec<Condition>),
}

impl Condition {
    /// Whether the values of a field satisfy the condition.
    pub fn holds(&self, values: &[String]) -> bool {
        match self {
            Condition::Exists(wanted) => values.is_empty() != *wanted,
            Condition::Not(inner) => !inner.holds(values),
            Condition::Any(inner) => inner.iter().any(|c| c.holds(values)),
            _ => values.iter().any(|v| self.holds_one(v)),
        }
    }

    fn holds_one(&self, value: &str) -> bool {
        match self {
            Condition::Equals(options) => options.iter().any(|o| o == value),
            Condition::Prefix(p) => value.starts_with(p.as_str()),
            Condition::Suffix(s) => value.ends_with(s.as_str()),
            Condition::Contains(s) => value.contains(s.as_str()),
            Condition::Regex(re) => re.is_match(value),
            Condition::Compare { op, value: wanted } => {
                value.parse::<f64>().is_ok_and(|v| match *op {
                    "gt" => v > *wanted,
                    "gte" => v >= *wanted,
                    "lt" => v < *wanted,
                    _ => v <= *wanted,
                })
            }
            Condition::Exists(_) | Condition::Not(_) | Condition::Any(_) => false,
        }
    }
}

/// One user detection.
#[derive(Debug)]
pub struct CustomDetection {
    meta: &'static DetectionMeta,
    summary: String,
    conditions: Vec<(Field, Condition)>,
    group_by: Vec<Field>,
    distinct: Option<Field>,
    window: Option<Window>,
}

impl Detection for CustomDetection {
    fn meta(&self) -> &'static DetectionMeta {
        self.meta
    }

    fn window(&self) -> Option<Window> {
        self.window
    }

    fn check(&self, cx: &Context<'_, '_>, out: &mut Vec<Candidate>) {
        if cx.event.stage() == "RequestReceived" {
            return;
        }
        if !self
            .conditions
            .iter()
            .all(|(field, condition)| condition.holds(&field.values(cx)))
        {
            return;
        }
        let signal = Signal::of(self.meta, cx.event, self.render(cx));
        match self.window {
            None => out.push(Candidate::signal(signal)),
            Some(_) => {
                let group: Vec<String> = self
                    .group_by
                    .iter()
                    .map(|f| f.values(cx).join(","))
                    .collect();
                let distinct = self
                    .distinct
                    .as_ref()
                    .map(|f| f.values(cx).join(","))
                    .unwrap_or_else(|| cx.event.audit_id.as_deref().unwrap_or("").to_owned());
                out.push(Candidate::Observation {
                    group: group.join("|"),
                    distinct,
                    signal: Box::new(signal),
                });
            }
        }
    }
}

impl CustomDetection {
    /// The summary with `{user}`, `{verb}`, `{resource}`, `{namespace}`, `{name}` filled in.
    fn render(&self, cx: &Context<'_, '_>) -> String {
        let e = cx.event;
        self.summary
            .replace("{user}", e.username())
            .replace("{verb}", e.verb())
            .replace("{resource}", e.resource())
            .replace("{namespace}", e.namespace())
            .replace("{name}", e.name())
    }
}

/// A problem at `node`'s position in `file`.
pub fn node_error(file: &SourceFile, node: &Node, message: String) -> CustomError {
    let at = file.position(node.range.start);
    CustomError {
        file: file.name().to_owned(),
        line: at.line,
        column: at.column,
        message,
    }
}

/// Parses a YAML file: its syntax errors at their positions, and the stream.
pub fn parse_yaml(file: &SourceFile) -> (rampart_yaml::Stream, Vec<CustomError>) {
    let stream = parse_stream(file.text(), &Limits::default());
    let errors = stream
        .errors
        .iter()
        .map(|e| {
            let at = file.position(e.range.start);
            CustomError {
                file: file.name().to_owned(),
                line: at.line,
                column: at.column,
                message: e.message.clone(),
            }
        })
        .collect();
    (stream, errors)
}

/// Parses a detections file.
pub fn parse(file: &SourceFile) -> Result<Vec<CustomDetection>, Vec<CustomError>> {
    let error = |node: &Node, message: String| node_error(file, node, message);
    let (stream, mut errors) = parse_yaml(file);
    let Some(root) = stream.documents.first().map(|d| &d.root) else {
        return Ok(Vec::new());
    };
    let Some(items) = root.get("detections").and_then(Node::as_seq) else {
        errors.push(error(
            root,
            "expected `detections:` with a list of detections".to_owned(),
        ));
        return Err(errors);
    };
    let (out, mut item_errors) = parse_items(
        items,
        &error,
        |item| parse_one(item, &error),
        |d| d.meta.code,
    );
    errors.append(&mut item_errors);
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Parses each item of a `detections:` list with `parse`, keeping every
/// problem; a code used twice is one (at the second item).
pub fn parse_items<T>(
    items: &[Node],
    error: &dyn Fn(&Node, String) -> CustomError,
    parse: impl Fn(&Node) -> Result<T, CustomError>,
    code: impl Fn(&T) -> &str,
) -> (Vec<T>, Vec<CustomError>) {
    let mut out: Vec<T> = Vec::new();
    let mut errors = Vec::new();
    for item in items {
        match parse(item) {
            Ok(parsed) => {
                if out.iter().any(|seen| code(seen) == code(&parsed)) {
                    errors.push(error(item, format!("duplicate code {}", code(&parsed))));
                }
                out.push(parsed);
            }
            Err(e) => errors.push(e),
        }
    }
    (out, errors)
}

fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

/// What every user detection declares: `code`, `name`, `severity`,
/// `summary`, optional `mitre` and `description`.
pub struct DetectionHeader {
    pub meta: &'static DetectionMeta,
    pub summary: String,
}

/// Reads a detection's header; keys beyond the header's and `extra_keys`
/// are errors, and so are codes starting with one of `reserved`.
pub fn detection_header(
    item: &Node,
    error: &dyn Fn(&Node, String) -> CustomError,
    extra_keys: &[&str],
    reserved: &[&str],
) -> Result<DetectionHeader, CustomError> {
    const HEADER: [&str; 6] = [
        "code",
        "name",
        "severity",
        "summary",
        "mitre",
        "description",
    ];
    let text = |key: &str| -> Result<String, CustomError> {
        item.get(key)
            .and_then(Node::as_str)
            .map(str::to_owned)
            .ok_or_else(|| error(item, format!("a detection needs `{key}`")))
    };
    for entry in item.as_map().unwrap_or(&[]) {
        let key = entry.key.as_str().unwrap_or("");
        if !HEADER.contains(&key) && !extra_keys.contains(&key) {
            let expected: Vec<&str> = HEADER.iter().chain(extra_keys).copied().collect();
            return Err(error(
                &entry.key,
                format!("unknown key `{key}` (expected {})", expected.join(", ")),
            ));
        }
    }
    let code = text("code")?;
    if let Some(prefix) = reserved.iter().find(|p| code.starts_with(**p)) {
        return Err(error(
            item,
            format!("codes starting with {prefix} are rampart's own"),
        ));
    }
    let name = text("name")?;
    let severity_text = text("severity")?;
    let severity = Severity::ALL
        .into_iter()
        .find(|s| s.as_str() == severity_text)
        .ok_or_else(|| {
            error(
                item.get("severity").unwrap_or(item),
                format!("unknown severity `{severity_text}`"),
            )
        })?;
    let summary = text("summary")?;
    let mitre: Vec<&'static str> = match item.get("mitre") {
        Some(node) => node
            .as_seq()
            .ok_or_else(|| error(node, "`mitre` is a list".to_owned()))?
            .iter()
            .filter_map(Node::as_str)
            .map(|s| leak(s.to_owned()))
            .collect(),
        None => Vec::new(),
    };
    let description = item
        .get("description")
        .and_then(Node::as_str)
        .unwrap_or(&summary)
        .to_owned();
    let meta: &'static DetectionMeta = Box::leak(Box::new(DetectionMeta {
        code: leak(code),
        name: leak(name),
        severity,
        mitre: Box::leak(mitre.into_boxed_slice()),
        derived_from: None,
        documentation: leak(format!("## What it does\n{description}\n")),
    }));
    Ok(DetectionHeader { meta, summary })
}

fn parse_one(
    item: &Node,
    error: &dyn Fn(&Node, String) -> CustomError,
) -> Result<CustomDetection, CustomError> {
    let DetectionHeader { meta, summary } =
        detection_header(item, error, &["match", "group_by", "threshold"], &["KA"])?;
    let matcher = item.get("match").and_then(Node::as_map).ok_or_else(|| {
        error(
            item,
            "a detection needs `match:` with field conditions".to_owned(),
        )
    })?;
    let mut conditions = Vec::new();
    for entry in matcher {
        let path = entry.key.as_str().unwrap_or("");
        let field = Field::parse(path)
            .ok_or_else(|| error(&entry.key, format!("unknown field `{path}`")))?;
        conditions.push((field, condition(&entry.value, error)?));
    }
    let fields = |node: Option<&Node>| -> Result<Vec<Field>, CustomError> {
        let Some(node) = node else {
            return Ok(Vec::new());
        };
        let items: Vec<&Node> = match node.as_seq() {
            Some(seq) => seq.iter().collect(),
            None => vec![node],
        };
        items
            .into_iter()
            .map(|n| {
                let path = n.as_str().unwrap_or("");
                Field::parse(path).ok_or_else(|| error(n, format!("unknown field `{path}`")))
            })
            .collect()
    };
    let group_by = fields(item.get("group_by"))?;
    let (window, distinct) = match item.get("threshold") {
        None => (None, None),
        Some(node) => {
            let count = node
                .get("count")
                .and_then(Node::as_i64)
                .filter(|c| *c > 0)
                .ok_or_else(|| error(node, "`threshold` needs a positive `count`".to_owned()))?;
            let seconds = node
                .get("window")
                .and_then(Node::as_str)
                .and_then(duration)
                .ok_or_else(|| {
                    error(
                        node,
                        "`threshold` needs a `window` such as 30s, 10m, 1h".to_owned(),
                    )
                })?;
            let distinct = fields(node.get("distinct"))?.into_iter().next();
            let count = count as usize;
            (
                Some(Window {
                    count,
                    distinct: if distinct.is_some() { count } else { 1 },
                    seconds,
                }),
                distinct,
            )
        }
    };
    Ok(CustomDetection {
        meta,
        summary,
        conditions,
        group_by,
        distinct,
        window,
    })
}

/// Parses a condition: a value, a list of values, or one of `prefix`,
/// `suffix`, `contains`, `regex`, `exists`, `not`, `any`, `gt`, `gte`, `lt`,
/// `lte` (the sensor's user detections share the syntax).
pub fn condition(
    node: &Node,
    error: &dyn Fn(&Node, String) -> CustomError,
) -> Result<Condition, CustomError> {
    let scalar = |n: &Node| -> Option<String> {
        n.as_str()
            .map(str::to_owned)
            .or_else(|| n.as_i64().map(|i| i.to_string()))
            .or_else(|| n.as_bool().map(|b| b.to_string()))
    };
    if let Some(value) = scalar(node) {
        return Ok(Condition::Equals(vec![value]));
    }
    if let Some(items) = node.as_seq() {
        let values: Option<Vec<String>> = items.iter().map(scalar).collect();
        return values
            .map(Condition::Equals)
            .ok_or_else(|| error(node, "a list of values holds scalars only".to_owned()));
    }
    let Some(entries) = node.as_map().filter(|e| e.len() == 1) else {
        return Err(error(node, "a condition is a value, a list of values, or one of {prefix, suffix, contains, regex, exists, not, any, gt, gte, lt, lte}".to_owned()));
    };
    let (key, value) = (entries[0].key.as_str().unwrap_or(""), &entries[0].value);
    let text = || scalar(value).ok_or_else(|| error(value, format!("`{key}` takes a string")));
    Ok(match key {
        "prefix" => Condition::Prefix(text()?),
        "suffix" => Condition::Suffix(text()?),
        "contains" => Condition::Contains(text()?),
        "regex" => Condition::Regex(
            Regex::new(&text()?).map_err(|e| error(value, format!("bad regex: {e}")))?,
        ),
        "exists" => Condition::Exists(
            value
                .as_bool()
                .ok_or_else(|| error(value, "`exists` takes true or false".to_owned()))?,
        ),
        "not" => Condition::Not(Box::new(condition(value, error)?)),
        "any" => Condition::Any(
            value
                .as_seq()
                .ok_or_else(|| error(value, "`any` takes a list of conditions".to_owned()))?
                .iter()
                .map(|c| condition(c, error))
                .collect::<Result<_, _>>()?,
        ),
        op @ ("gt" | "gte" | "lt" | "lte") => Condition::Compare {
            op: match op {
                "gt" => "gt",
                "gte" => "gte",
                "lt" => "lt",
                _ => "lte",
            },
            value: value
                .as_f64()
                .ok_or_else(|| error(value, format!("`{op}` takes a number")))?,
        },
        other => {
            return Err(error(
                &entries[0].key,
                format!("unknown condition `{other}`"),
            ));
        }
    })
}

/// `30s`, `10m`, `2h`, `1d` in seconds.
fn duration(text: &str) -> Option<i64> {
    let (number, unit) = text.split_at(text.len().checked_sub(1)?);
    let n: i64 = number.parse().ok()?;
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return None,
    };
    (n > 0).then_some(n * scale)
}
