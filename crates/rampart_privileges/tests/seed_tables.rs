//! The knowledge base reproduces the vendors' own tables: Datadog's hostPath
//! table and non-root user (seed 000), DataKit's feature-to-privilege table
//! (seed 002).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use rampart_privileges::KnowledgeBase;
use rampart_privileges::profile::{Access, Evidence, NeedKind, Profile};

fn profile(name: &str) -> Profile {
    let (base, errors) = KnowledgeBase::builtin();
    assert!(errors.is_empty(), "{errors:?}");
    base.get(name)
        .cloned()
        .unwrap_or_else(|| panic!("no profile {name}"))
}

/// (feature, need) pairs of a profile whose need names `volume`.
fn needs_of_volume<'a>(profile: &'a Profile, volume: &str) -> Vec<(&'a str, NeedKind, Evidence)> {
    profile
        .features
        .iter()
        .flat_map(|f| {
            f.needs
                .iter()
                .filter(|n| n.volume.as_deref() == Some(volume))
                .map(move |n| (f.id.as_str(), n.kind().unwrap(), n.evidence))
        })
        .collect()
}

#[test]
fn datadog_host_path_table() {
    let datadog = profile("datadog-agent");
    // Volume, host path (None: the runtime socket's directory), mode, feature.
    let table: [(&str, Option<&str>, Access, &str); 7] = [
        ("procdir", Some("/proc"), Access::ReadOnly, "system-check"),
        (
            "cgroups",
            Some("/sys/fs/cgroup"),
            Access::ReadOnly,
            "container-metadata",
        ),
        (
            "os-release-file",
            Some("/etc/os-release"),
            Access::ReadOnly,
            "os-detection",
        ),
        (
            "dsdsocket",
            Some("/var/run/datadog"),
            Access::ReadWrite,
            "dogstatsd-socket",
        ),
        (
            "apmsocket",
            Some("/var/run/datadog"),
            Access::ReadWrite,
            "apm-socket",
        ),
        (
            "passwd",
            Some("/etc/passwd"),
            Access::ReadOnly,
            "process-collection",
        ),
        (
            "runtimesocketdir",
            None,
            Access::ReadOnly,
            "container-runtime",
        ),
    ];
    for (volume, path, access, feature) in table {
        let needs = needs_of_volume(&datadog, volume);
        let found = needs.iter().any(|(id, kind, evidence)| {
            *id == feature
                && *evidence == Evidence::VendorDoc
                && match (kind, path) {
                    (NeedKind::HostPath { paths, access: a }, Some(path)) => {
                        paths.iter().any(|p| p == path) && *a == access
                    }
                    (NeedKind::RuntimeSocket { access: a }, None) => *a == access,
                    _ => false,
                }
        });
        assert!(
            found,
            "{volume}: expected {feature} {access:?} (vendor-doc), got {needs:?}"
        );
    }
    // hostPID for DogStatsD origin detection.
    let origin = datadog
        .features
        .iter()
        .find(|f| f.id == "dogstatsd-origin-detection")
        .unwrap();
    assert!(
        origin
            .needs
            .iter()
            .any(|n| n.kind() == Ok(NeedKind::HostPid) && n.evidence == Evidence::VendorDoc)
    );
    // The non-root user: 100, and 101 up to Agent 7.47.0.
    let non_root = datadog.non_root.as_ref().unwrap();
    assert_eq!(non_root.user, 100);
    assert_eq!(non_root.versions.len(), 1);
    assert_eq!(
        (
            non_root.versions[0].up_to.as_str(),
            non_root.versions[0].user
        ),
        ("7.47.0", 101)
    );
    assert_eq!(non_root.evidence, Evidence::VendorDoc);
    let changes = non_root.node_changes.join(" ").to_lowercase();
    assert!(changes.contains("socket"), "{changes}");
    assert!(changes.contains("log"), "{changes}");
    assert!(!non_root.may_break.is_empty());
}

#[test]
fn datakit_feature_table() {
    let datakit = profile("datakit");
    let needs = |id: &str| -> Vec<NeedKind> {
        datakit
            .features
            .iter()
            .find(|f| f.id == id)
            .unwrap_or_else(|| panic!("no feature {id}"))
            .needs
            .iter()
            .map(|n| n.kind().unwrap())
            .collect()
    };
    let has_port = |kinds: &[NeedKind], port: u16| {
        kinds
            .iter()
            .any(|k| matches!(k, NeedKind::HostPort { port: p, .. } if *p == port))
    };
    // host_processes → hostPID.
    assert!(needs("host_processes").contains(&NeedKind::HostPid));
    // eBPF → privileged and hostPID (and the eBPF inputs, in config).
    let ebpf = needs("ebpf");
    assert!(ebpf.contains(&NeedKind::Privileged) && ebpf.contains(&NeedKind::HostPid));
    let ebpf_feature = datakit.features.iter().find(|f| f.id == "ebpf").unwrap();
    assert!(
        ebpf_feature
            .config
            .iter()
            .any(|c| c.env == "ENV_DEFAULT_ENABLED_INPUTS")
    );
    // net → hostNetwork; StatsD and OpenTelemetry reception → hostNetwork and their host ports.
    assert!(needs("net").contains(&NeedKind::HostNetwork));
    let statsd = needs("statsd");
    assert!(statsd.contains(&NeedKind::HostNetwork) && has_port(&statsd, 8125));
    let otel = needs("opentelemetry");
    assert!(otel.contains(&NeedKind::HostNetwork) && has_port(&otel, 4317));
    // hostIPC is explained by nothing: a genuine finding.
    assert!(
        datakit
            .features
            .iter()
            .all(|f| f.needs.iter().all(|n| n.kind() != Ok(NeedKind::HostIpc)))
    );
}
