//! User detections over runtime events, in the sensor configuration's
//! `detections:` list, with the audit detections' condition syntax:
//!
//! ```yaml
//! detections:
//!   - code: X100
//!     name: netcat-listener-in-container
//!     severity: high
//!     summary: "{process} listening with netcat {place}: {cmdline}"
//!     mitre: [T1059]
//!     match:
//!       event.type: exec
//!       container.id: {exists: true}
//!       process.name: [nc, ncat, netcat]
//!       process.args: {any: ["-l", "-lp", "-lvp"]}
//! ```
//!
//! Fields: `event.type`, `process.name`, `process.comm`, `process.exe`,
//! `process.args`, `process.cmdline`, `process.tty`, `process.uid`,
//! `parent.name`, `container.id`, `container.runtime`, `pod.name`,
//! `pod.namespace`, `pod.container`, `pod.image`, `workload.kind`,
//! `workload.name`, `connect.address`, `connect.port`, `file.path`,
//! `file.access` (`read` or `write`), `file.operation` (`open` or `rename`).
//! Opens are reported for the built-in watched file names plus the
//! configuration's `watchFileNames`.

use rampart_audit::custom::{Condition, DetectionHeader, condition, detection_header, parse_items};
use rampart_audit::meta::DetectionMeta;
use rampart_yaml::Node;

use crate::config::ConfigError;
use crate::detections::{Context, Detection, Finding};
use crate::event::{EventKind, PathOperation};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    EventType,
    ProcessName,
    ProcessComm,
    ProcessExe,
    ProcessArgs,
    ProcessCmdline,
    ProcessTty,
    ProcessUid,
    ParentName,
    ContainerId,
    ContainerRuntime,
    PodName,
    PodNamespace,
    PodContainer,
    PodImage,
    WorkloadKind,
    WorkloadName,
    ConnectAddress,
    ConnectPort,
    FilePath,
    FileAccess,
    FileOperation,
}

const FIELDS: &[(&str, Field)] = &[
    ("event.type", Field::EventType),
    ("process.name", Field::ProcessName),
    ("process.comm", Field::ProcessComm),
    ("process.exe", Field::ProcessExe),
    ("process.args", Field::ProcessArgs),
    ("process.cmdline", Field::ProcessCmdline),
    ("process.tty", Field::ProcessTty),
    ("process.uid", Field::ProcessUid),
    ("parent.name", Field::ParentName),
    ("container.id", Field::ContainerId),
    ("container.runtime", Field::ContainerRuntime),
    ("pod.name", Field::PodName),
    ("pod.namespace", Field::PodNamespace),
    ("pod.container", Field::PodContainer),
    ("pod.image", Field::PodImage),
    ("workload.kind", Field::WorkloadKind),
    ("workload.name", Field::WorkloadName),
    ("connect.address", Field::ConnectAddress),
    ("connect.port", Field::ConnectPort),
    ("file.path", Field::FilePath),
    ("file.access", Field::FileAccess),
    ("file.operation", Field::FileOperation),
];

impl Field {
    fn parse(name: &str) -> Option<Field> {
        FIELDS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
    }

    fn values(self, cx: &Context<'_>) -> Vec<String> {
        let one = |s: &str| {
            if s.is_empty() {
                Vec::new()
            } else {
                vec![s.to_owned()]
            }
        };
        let pod = cx.pod;
        match self {
            Field::EventType => vec![cx.event.type_name().to_owned()],
            Field::ProcessName => one(cx.process.name()),
            Field::ProcessComm => one(&cx.process.comm),
            Field::ProcessExe => one(&cx.process.exe),
            Field::ProcessArgs => cx.process.args.iter().skip(1).cloned().collect(),
            Field::ProcessCmdline => one(&cx.process.args.join(" ")),
            Field::ProcessTty => vec![cx.process.tty.to_string()],
            Field::ProcessUid => vec![cx.process.uid.to_string()],
            Field::ParentName => one(cx.parent_name()),
            Field::ContainerId => cx.container.map(|c| vec![c.id.clone()]).unwrap_or_default(),
            Field::ContainerRuntime => cx
                .container
                .map(|c| vec![c.runtime.as_str().to_owned()])
                .unwrap_or_default(),
            Field::PodName => pod.map(|p| one(&p.name)).unwrap_or_default(),
            Field::PodNamespace => pod.map(|p| one(&p.namespace)).unwrap_or_default(),
            Field::PodContainer => pod.map(|p| one(&p.container)).unwrap_or_default(),
            Field::PodImage => pod.map(|p| one(&p.image)).unwrap_or_default(),
            Field::WorkloadKind => pod
                .and_then(|p| p.workload.as_ref())
                .map(|w| one(&w.kind))
                .unwrap_or_default(),
            Field::WorkloadName => pod
                .and_then(|p| p.workload.as_ref())
                .map(|w| one(&w.name))
                .unwrap_or_default(),
            Field::ConnectAddress => match cx.event.kind {
                EventKind::Connect { address, .. } => vec![address.to_string()],
                _ => Vec::new(),
            },
            Field::ConnectPort => match cx.event.kind {
                EventKind::Connect { port, .. } => vec![port.to_string()],
                _ => Vec::new(),
            },
            Field::FilePath => cx
                .opened()
                .map(|(p, _)| vec![p.to_owned()])
                .unwrap_or_default(),
            Field::FileAccess => cx
                .opened()
                .map(|(_, write)| vec![if write { "write" } else { "read" }.to_owned()])
                .unwrap_or_default(),
            Field::FileOperation => match cx.event.kind {
                EventKind::Open { operation, .. } => vec![
                    match operation {
                        PathOperation::Open => "open",
                        PathOperation::Rename => "rename",
                    }
                    .to_owned(),
                ],
                _ => Vec::new(),
            },
        }
    }
}

/// One user detection.
#[derive(Debug)]
pub struct CustomDetection {
    meta: &'static DetectionMeta,
    summary: String,
    conditions: Vec<(Field, Condition)>,
}

impl Detection for CustomDetection {
    fn meta(&self) -> &'static DetectionMeta {
        self.meta
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        if matches!(cx.event.kind, EventKind::Exit { .. }) {
            return;
        }
        if self
            .conditions
            .iter()
            .all(|(field, condition)| condition.holds(&field.values(cx)))
        {
            out.push(Finding::new(self.render(cx)));
        }
    }
}

impl CustomDetection {
    /// The summary with `{process}`, `{cmdline}`, `{parent}`, `{path}`,
    /// `{address}`, `{port}`, `{place}`, `{pod}`, `{namespace}` filled in.
    fn render(&self, cx: &Context<'_>) -> String {
        let first = |f: Field| f.values(cx).into_iter().next().unwrap_or_default();
        self.summary
            .replace("{process}", cx.process.name())
            .replace("{cmdline}", &cx.command_line())
            .replace("{parent}", cx.parent_name())
            .replace("{path}", &first(Field::FilePath))
            .replace("{address}", &first(Field::ConnectAddress))
            .replace("{port}", &first(Field::ConnectPort))
            .replace("{place}", &cx.place())
            .replace("{pod}", &first(Field::PodName))
            .replace("{namespace}", &first(Field::PodNamespace))
    }
}

/// Parses the `detections:` list.
pub fn parse_list(
    node: &Node,
    error: &dyn Fn(&Node, String) -> ConfigError,
) -> Result<Vec<CustomDetection>, Vec<ConfigError>> {
    let Some(items) = node.as_seq() else {
        return Err(vec![error(node, "`detections` is a list".to_owned())]);
    };
    let (out, errors) = parse_items(items, error, |item| parse_one(item, error), |d| d.meta.code);
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

fn parse_one(
    item: &Node,
    error: &dyn Fn(&Node, String) -> ConfigError,
) -> Result<CustomDetection, ConfigError> {
    let DetectionHeader { meta, summary } =
        detection_header(item, error, &["match"], &["KR", "KA"])?;
    let matcher = item.get("match").and_then(Node::as_map).ok_or_else(|| {
        error(
            item,
            "a detection needs `match:` with field conditions".to_owned(),
        )
    })?;
    let mut conditions = Vec::new();
    for entry in matcher {
        let path = entry.key.as_str().unwrap_or("");
        let field = Field::parse(path).ok_or_else(|| {
            let known: Vec<&str> = FIELDS.iter().map(|(n, _)| *n).collect();
            error(
                &entry.key,
                format!("unknown field `{path}` (known: {})", known.join(", ")),
            )
        })?;
        conditions.push((field, condition(&entry.value, error)?));
    }
    Ok(CustomDetection {
        meta,
        summary,
        conditions,
    })
}
