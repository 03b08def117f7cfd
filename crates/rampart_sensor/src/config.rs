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
    /// IPv4-mapped IPv6 addresses (`::ffff:169.254.169.254`, from an IPv6
    /// socket) match their IPv4 form.
    pub fn matches(&self, address: IpAddr, port: u16) -> bool {
        self.address == address.to_canonical() && self.port.is_none_or(|p| p == port)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Engine;
    use crate::event::Event;

    fn parse(text: &str) -> Result<SensorConfig, Vec<ConfigError>> {
        SensorConfig::parse(&SourceFile::new("sensor.yaml", text))
    }

    #[test]
    fn problems_are_reported_at_their_positions_all_at_once() {
        let errors = parse(
            "metadataEndpoints: [\"169.254.169.254\", \"nope\"]\nwatchFileNames: [\"a/b\"]\nallow:\n  - rule: KR002\n    colour: red\nextra: 1\n",
        )
        .unwrap_err();
        let rendered: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            rendered,
            [
                "sensor.yaml:1:40: `nope` is not an IP address or address:port",
                "sensor.yaml:2:18: a watched file name is a last path component shorter than 32 bytes",
                "sensor.yaml:5:5: unknown key `colour` (expected rule, namespace, pod, container, image, process, host)",
                "sensor.yaml:6:1: unknown key `extra` (expected metadataEndpoints, watchFileNames, allow, detections)",
            ]
        );
    }

    #[test]
    fn endpoints_take_an_optional_port() {
        let config = parse("metadataEndpoints: [\"10.0.0.1\", \"[fd00:ec2::254]:80\"]\n").unwrap();
        let any = config.metadata_endpoints[0];
        assert!(any.matches("10.0.0.1".parse().unwrap(), 1234));
        let v6 = config.metadata_endpoints[1];
        assert!(v6.matches("fd00:ec2::254".parse().unwrap(), 80));
        assert!(!v6.matches("fd00:ec2::254".parse().unwrap(), 443));
        assert!(any.matches("::ffff:10.0.0.1".parse().unwrap(), 80));
        assert_eq!(SensorConfig::default().metadata_endpoints.len(), 5);
    }

    const KUBECTL_IN_CONTAINER: &str = r#"{"time":1796639000000000000,"task":{"pid":10,"tid":10,"ppid":9,"uid":0,"gid":0,"comm":"kubectl","tty":false,"mntNs":1,"cgroupId":1,"cgroupV1Id":7},"type":"exec","filename":"/usr/local/bin/kubectl","args":["kubectl","get","secrets"],"parentComm":"sh","processStart":1796638999000000000,"cgroups":{"v2_leaf":"cri-containerd-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope","v2_parent":"kubepods-pod1b2c3d4e_0000_4000_8000_000000000001.slice"}}"#;

    fn signals(config: &str, event: &str) -> Vec<String> {
        let mut engine = Engine::new(parse(config).unwrap(), String::new());
        let event: Event = serde_json::from_str(event).unwrap();
        engine
            .handle(&event)
            .into_iter()
            .map(|s| s.rule.to_owned())
            .collect()
    }

    #[test]
    fn allow_entries_drop_matching_signals_only() {
        assert_eq!(signals("{}", KUBECTL_IN_CONTAINER), ["KR001"]);
        assert!(
            signals(
                "allow: [{rule: KR001, process: kubectl}]",
                KUBECTL_IN_CONTAINER
            )
            .is_empty()
        );
        assert!(
            signals(
                "allow: [{rule: container-client-in-container}]",
                KUBECTL_IN_CONTAINER
            )
            .is_empty()
        );
        assert_eq!(
            signals(
                "allow: [{rule: KR001, process: helm}]",
                KUBECTL_IN_CONTAINER
            ),
            ["KR001"]
        );
        assert_eq!(
            signals("allow: [{rule: KR001, host: true}]", KUBECTL_IN_CONTAINER),
            ["KR001"]
        );
        // A namespace needs a known pod: without the pod watch it never matches.
        assert_eq!(
            signals("allow: [{namespace: ci}]", KUBECTL_IN_CONTAINER),
            ["KR001"]
        );
    }

    #[test]
    fn a_code_used_twice_is_reported_at_the_second_detection() {
        let one = "  - code: X1\n    name: x\n    severity: low\n    summary: s\n    match: {event.type: exec}\n";
        let errors = parse(&format!("detections:\n{one}{one}")).unwrap_err();
        let rendered: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(rendered, ["sensor.yaml:7:5: duplicate code X1"]);
    }

    #[test]
    fn user_detections_match_runtime_fields() {
        let config = r#"
detections:
  - code: X100
    name: secrets-listed
    severity: high
    summary: "{process} listed secrets {place}"
    match:
      event.type: exec
      container.id: {exists: true}
      process.args: {any: [secrets, secret]}
"#;
        let mut engine = Engine::new(parse(config).unwrap(), String::new());
        let event: Event = serde_json::from_str(KUBECTL_IN_CONTAINER).unwrap();
        let out = engine.handle(&event);
        let custom: Vec<&crate::Signal> = out.iter().filter(|s| s.rule == "X100").collect();
        assert_eq!(custom.len(), 1);
        assert_eq!(
            custom[0].summary,
            "kubectl listed secrets in container 0123456789ab"
        );
        let errors = parse("detections:\n  - code: KR100\n    name: x\n    severity: low\n    summary: s\n    match: {process.colour: red}\n")
            .unwrap_err();
        assert_eq!(
            errors[0].to_string(),
            "sensor.yaml:2:5: codes starting with KR are rampart's own"
        );
        let errors = parse("detections:\n  - code: X1\n    name: x\n    severity: low\n    summary: s\n    match: {process.colour: red}\n")
            .unwrap_err();
        assert!(
            errors[0]
                .to_string()
                .starts_with("sensor.yaml:6:13: unknown field `process.colour`"),
            "{errors:?}"
        );
    }
}
