//! The sensor's configuration file (`--config`), YAML:
//!
//! ```yaml
//! # Where the cloud metadata service answers (address, or address:port).
//! metadataEndpoints: ["169.254.169.254", "fd00:ec2::254", "169.254.170.2"]
//! # Extra file names whose opens are reported (for user detections).
//! watchFileNames: [id_rsa]
//! # Signals not reported: every given field must match (`*` ends a prefix).
//! allow:
//!   - rule: KR002
//!     namespace: kube-system
//!     process: aws-node
//! detections:          # user detections, see custom.rs
//!   - code: X100
//!     ...
//! ```

use std::net::{IpAddr, SocketAddr};

use rampart_audit::custom::{node_error, parse_yaml};
use rampart_source::SourceFile;
use rampart_yaml::Node;

use crate::custom::{self, CustomDetection};
use crate::signal::Signal;

/// A problem in the configuration, at `file:line:col`.
pub use rampart_audit::custom::CustomError as ConfigError;

/// A place the metadata service answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoint {
    pub address: IpAddr,
    /// Any port when `None`.
    pub port: Option<u16>,
}

impl Endpoint {
    pub fn matches(&self, address: IpAddr, port: u16) -> bool {
        self.address == address && self.port.is_none_or(|p| p == port)
    }

    fn parse(text: &str) -> Option<Self> {
        if let Ok(address) = text.parse::<IpAddr>() {
            return Some(Self {
                address,
                port: None,
            });
        }
        let socket: SocketAddr = text.parse().ok()?;
        Some(Self {
            address: socket.ip(),
            port: Some(socket.port()),
        })
    }
}

/// The metadata services of AWS (IMDS over IPv4 and IPv6, ECS task
/// credentials, EKS Pod Identity), GCP and Azure (the same link-local address).
pub const DEFAULT_METADATA_ENDPOINTS: [&str; 5] = [
    "169.254.169.254",
    "fd00:ec2::254",
    "169.254.170.2",
    "169.254.170.23",
    "fd00:ec2::23",
];

/// One allow-list entry: a signal matching every given field is dropped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Allow {
    pub rule: Option<String>,
    pub namespace: Option<String>,
    pub pod: Option<String>,
    pub container: Option<String>,
    pub image: Option<String>,
    /// The process's comm or executable base name.
    pub process: Option<String>,
    /// Host processes only (`true`) or container processes only (`false`).
    pub host: Option<bool>,
}

impl Allow {
    pub fn matches(&self, signal: &Signal) -> bool {
        let pod = signal.pod.as_ref();
        let field = |pattern: &Option<String>, value: Option<&str>| match pattern {
            None => true,
            Some(p) => value.is_some_and(|v| glob(p, v)),
        };
        let exe_name = signal.process.exe.rsplit('/').next().unwrap_or("");
        (self.rule.is_none()
            || field(&self.rule, Some(signal.rule))
            || field(&self.rule, Some(signal.name)))
            && field(&self.namespace, pod.map(|p| p.namespace.as_str()))
            && field(&self.pod, pod.map(|p| p.name.as_str()))
            && field(&self.container, pod.map(|p| p.container.as_str()))
            && field(&self.image, pod.map(|p| p.image.as_str()))
            && (self.process.is_none()
                || field(&self.process, Some(signal.process.comm.as_str()))
                || field(&self.process, Some(exe_name)))
            && self.host.is_none_or(|h| h == signal.container.is_none())
    }
}

/// `prefix*` or an exact value.
fn glob(pattern: &str, value: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => value.starts_with(prefix),
        None => pattern == value,
    }
}

#[derive(Debug)]
pub struct SensorConfig {
    pub metadata_endpoints: Vec<Endpoint>,
    pub watch_file_names: Vec<String>,
    pub allow: Vec<Allow>,
    pub detections: Vec<CustomDetection>,
}

impl Default for SensorConfig {
    fn default() -> Self {
        Self {
            metadata_endpoints: DEFAULT_METADATA_ENDPOINTS
                .iter()
                .filter_map(|e| Endpoint::parse(e))
                .collect(),
            watch_file_names: Vec::new(),
            allow: Vec::new(),
            detections: Vec::new(),
        }
    }
}

impl SensorConfig {
    /// Whether an allow entry drops the signal.
    pub fn allowed(&self, signal: &Signal) -> bool {
        self.allow.iter().any(|a| a.matches(signal))
    }

    /// Parses a configuration file; every problem is reported with its position.
    pub fn parse(file: &SourceFile) -> Result<Self, Vec<ConfigError>> {
        let error = |node: &Node, message: String| node_error(file, node, message);
        let (stream, mut errors) = parse_yaml(file);
        let mut config = SensorConfig::default();
        let Some(root) = stream.documents.first().map(|d| &d.root) else {
            return if errors.is_empty() {
                Ok(config)
            } else {
                Err(errors)
            };
        };
        let Some(entries) = root.as_map() else {
            errors.push(error(root, "expected a mapping".to_owned()));
            return Err(errors);
        };
        for entry in entries {
            let key = entry.key.as_str().unwrap_or("");
            let value = &entry.value;
            match key {
                "metadataEndpoints" => {
                    config.metadata_endpoints.clear();
                    for item in strings(value, &error, &mut errors) {
                        match Endpoint::parse(&item.1) {
                            Some(endpoint) => config.metadata_endpoints.push(endpoint),
                            None => errors.push(error(
                                item.0,
                                format!("`{}` is not an IP address or address:port", item.1),
                            )),
                        }
                    }
                }
                "watchFileNames" => {
                    for (node, name) in strings(value, &error, &mut errors) {
                        if name.is_empty() || name.contains('/') || name.len() >= 32 {
                            errors.push(error(
                                node,
                                "a watched file name is a last path component shorter than 32 bytes".to_owned(),
                            ));
                        } else {
                            config.watch_file_names.push(name);
                        }
                    }
                }
                "allow" => match value.as_seq() {
                    Some(items) => {
                        for item in items {
                            match allow(item, &error) {
                                Ok(a) => config.allow.push(a),
                                Err(e) => errors.push(e),
                            }
                        }
                    }
                    None => errors.push(error(value, "`allow` is a list".to_owned())),
                },
                "detections" => match custom::parse_list(value, &error) {
                    Ok(detections) => config.detections = detections,
                    Err(mut e) => errors.append(&mut e),
                },
                other => errors.push(error(
                    &entry.key,
                    format!(
                        "unknown key `{other}` (expected metadataEndpoints, watchFileNames, allow, detections)"
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
}

fn strings<'n>(
    node: &'n Node,
    error: &dyn Fn(&Node, String) -> ConfigError,
    errors: &mut Vec<ConfigError>,
) -> Vec<(&'n Node, String)> {
    let Some(items) = node.as_seq() else {
        errors.push(error(node, "expected a list of strings".to_owned()));
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in items {
        match item.as_str() {
            Some(s) => out.push((item, s.to_owned())),
            None => errors.push(error(item, "expected a string".to_owned())),
        }
    }
    out
}

fn allow(node: &Node, error: &dyn Fn(&Node, String) -> ConfigError) -> Result<Allow, ConfigError> {
    let Some(entries) = node.as_map() else {
        return Err(error(node, "an allow entry is a mapping".to_owned()));
    };
    let mut out = Allow::default();
    for entry in entries {
        let key = entry.key.as_str().unwrap_or("");
        if key == "host" {
            out.host = Some(
                entry
                    .value
                    .as_bool()
                    .ok_or_else(|| error(&entry.value, "`host` is true or false".to_owned()))?,
            );
            continue;
        }
        let value = entry
            .value
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| error(&entry.value, format!("`{key}` takes a string")))?;
        let slot = match key {
            "rule" => &mut out.rule,
            "namespace" => &mut out.namespace,
            "pod" => &mut out.pod,
            "container" => &mut out.container,
            "image" => &mut out.image,
            "process" => &mut out.process,
            other => {
                return Err(error(
                    &entry.key,
                    format!(
                        "unknown key `{other}` (expected rule, namespace, pod, container, image, process, host)"
                    ),
                ));
            }
        };
        *slot = Some(value);
    }
    if out == Allow::default() {
        return Err(error(
            node,
            "an allow entry needs at least one field".to_owned(),
        ));
    }
    Ok(out)
}
