//! Behaviour the upstream fixtures do not cover (tests/data/pss/README.md,
//! "Coverage gaps"), checked against SPEC.md.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: panics are failures

mod common;

use common::*;
use proptest::prelude::*;
use rampart_linter::pss::{
    self, Evaluation, Level, NEWEST_MINOR, PodRef, PolicyVersion, apply_api_defaults,
    apply_pod_host_network_port_defaults, check::all_checks, check::newest_minor_in_table,
    checks_in_force, evaluate, evaluate_as,
};
use serde_json::{Value, json};

/// A restricted-compliant pod with one init, one regular and one ephemeral
/// container.
fn restricted_pod() -> Value {
    let sc = json!({"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}});
    json!({
        "metadata": {"name": "p"},
        "spec": {
            "securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
            "initContainers": [{"name": "init", "image": "i", "securityContext": sc.clone()}],
            "containers": [{"name": "app", "image": "i", "securityContext": sc.clone()}],
            "ephemeralContainers": [{"name": "debug", "image": "i", "securityContext": sc}],
        }
    })
}

/// Sets `value` at the JSON `pointer`, creating objects on the way.
fn put(pod: &mut Value, pointer: &str, value: Value) {
    let mut target = pod;
    let tokens: Vec<&str> = pointer.trim_start_matches('/').split('/').collect();
    for (i, token) in tokens.iter().enumerate() {
        let token = token.replace("~1", "/").replace("~0", "~");
        let last = i == tokens.len() - 1;
        target = match target {
            Value::Array(items) => {
                let index: usize = token.parse().unwrap();
                if last {
                    items[index] = value;
                    return;
                }
                &mut items[index]
            }
            Value::Object(map) => {
                if last {
                    map.insert(token, value);
                    return;
                }
                map.entry(token).or_insert_with(|| json!({}))
            }
            other => panic!("cannot descend into {other}"),
        };
    }
}

fn at(pod: &Value, level: &str, version: &str) -> Evaluation {
    eval(pod, level.parse().unwrap(), version.parse().unwrap())
}

fn checks(evaluation: &Evaluation) -> Vec<&'static str> {
    evaluation.failing_checks().collect()
}

fn detail_of<'a>(evaluation: &'a Evaluation, check: &str) -> &'a str {
    &evaluation
        .violations
        .iter()
        .find(|v| v.check == check)
        .unwrap_or_else(|| panic!("{check} does not fail: {evaluation:?}"))
        .detail
}

fn pointers_of(evaluation: &Evaluation, check: &str) -> Vec<String> {
    evaluation
        .violations
        .iter()
        .find(|v| v.check == check)
        .unwrap_or_else(|| panic!("{check} does not fail"))
        .offenders
        .iter()
        .map(|o| o.pointer.clone())
        .collect()
}

#[test]
fn base_pod_is_restricted() {
    let pod = restricted_pod();
    for version in ["v1.0", "v1.8", "v1.19", "v1.22", "v1.25", "v1.35", "latest"] {
        let e = at(&pod, "restricted", version);
        assert!(e.allowed, "{version}: {e:?}");
    }
}

#[test]
fn ephemeral_containers_in_every_container_check() {
    // (check, level, version, pointer under the ephemeral container, value, expected detail)
    let cases: Vec<(&str, &str, &str, &str, Value, &str)> = vec![
        (
            "privileged",
            "baseline",
            "latest",
            "securityContext/privileged",
            json!(true),
            r#"container "debug" must not set securityContext.privileged=true"#,
        ),
        (
            "capabilities_baseline",
            "baseline",
            "latest",
            "securityContext/capabilities/add",
            json!(["SYS_ADMIN"]),
            r#"container "debug" must not include "SYS_ADMIN" in securityContext.capabilities.add"#,
        ),
        (
            "hostPorts",
            "baseline",
            "latest",
            "ports",
            json!([{"containerPort": 80, "hostPort": 80}]),
            r#"container "debug" uses hostPort 80"#,
        ),
        (
            "appArmorProfile",
            "baseline",
            "latest",
            "securityContext/appArmorProfile",
            json!({"type": "Unconfined"}),
            r#"container "debug" must not set AppArmor profile type to "Unconfined""#,
        ),
        (
            "seLinuxOptions",
            "baseline",
            "latest",
            "securityContext/seLinuxOptions",
            json!({"type": "spc_t"}),
            r#"container "debug" set forbidden securityContext.seLinuxOptions: type "spc_t""#,
        ),
        (
            "procMount",
            "baseline",
            "latest",
            "securityContext/procMount",
            json!("Unmasked"),
            r#"container "debug" must not set securityContext.procMount to "Unmasked""#,
        ),
        (
            "seccompProfile_baseline",
            "baseline",
            "latest",
            "securityContext/seccompProfile",
            json!({"type": "Unconfined"}),
            r#"container "debug" must not set securityContext.seccompProfile.type to "Unconfined""#,
        ),
        (
            "windowsHostProcess",
            "baseline",
            "latest",
            "securityContext/windowsOptions",
            json!({"hostProcess": true}),
            r#"container "debug" must not set securityContext.windowsOptions.hostProcess=true"#,
        ),
        (
            "hostProbesAndHostLifecycle",
            "baseline",
            "latest",
            "lifecycle",
            json!({"preStop": {"tcpSocket": {"host": "10.0.0.1", "port": 1}}}),
            r#"container "debug" uses probe or lifecycle host "10.0.0.1""#,
        ),
        (
            "allowPrivilegeEscalation",
            "restricted",
            "latest",
            "securityContext/allowPrivilegeEscalation",
            json!(true),
            r#"container "debug" must set securityContext.allowPrivilegeEscalation=false"#,
        ),
        (
            "capabilities_restricted",
            "restricted",
            "latest",
            "securityContext/capabilities",
            json!({"drop": ["all"]}),
            r#"container "debug" must set securityContext.capabilities.drop=["ALL"]"#,
        ),
        (
            "runAsNonRoot",
            "restricted",
            "latest",
            "securityContext/runAsNonRoot",
            json!(false),
            r#"container "debug" must not set securityContext.runAsNonRoot=false"#,
        ),
        (
            "runAsUser",
            "restricted",
            "latest",
            "securityContext/runAsUser",
            json!(0),
            r#"container "debug" must not set runAsUser=0"#,
        ),
        (
            "seccompProfile_restricted",
            "restricted",
            "latest",
            "securityContext/seccompProfile",
            json!({"type": "Unconfined"}),
            r#"container "debug" must not set securityContext.seccompProfile.type to "Unconfined""#,
        ),
        (
            "procMount_restricted",
            "restricted",
            "latest",
            "securityContext/procMount",
            json!("Unmasked"),
            r#"container "debug" must not set securityContext.procMount to "Unmasked""#,
        ),
    ];
    let container_checks: Vec<&str> = cases.iter().map(|c| c.0).collect();
    for (check, level, version, pointer, value, detail) in cases {
        let mut pod = restricted_pod();
        put(
            &mut pod,
            &format!("/spec/ephemeralContainers/0/{pointer}"),
            value,
        );
        let e = at(&pod, level, version);
        assert_eq!(detail_of(&e, check), detail, "{check}");
        for p in pointers_of(&e, check) {
            assert!(
                p.starts_with("/spec/ephemeralContainers/0/"),
                "{check}: {p}"
            );
        }
        let violation = e.violations.iter().find(|v| v.check == check).unwrap();
        assert!(
            violation
                .offenders
                .iter()
                .all(|o| o.container.as_deref() == Some("debug"))
        );
    }
    // Every check that visits containers is covered above.
    for check in all_checks() {
        let pod_only = [
            "hostNamespaces",
            "hostPathVolumes",
            "sysctls",
            "restrictedVolumes",
        ];
        assert!(
            pod_only.contains(&check.id) || container_checks.contains(&check.id),
            "{} lacks an ephemeral-container case",
            check.id
        );
    }

    // Missing settings in an ephemeral container fail the restricted checks.
    let mut pod = restricted_pod();
    put(
        &mut pod,
        "/spec/ephemeralContainers/0",
        json!({"name": "debug", "image": "busybox"}),
    );
    let e = at(&pod, "restricted", "latest");
    assert_eq!(
        checks(&e),
        ["allowPrivilegeEscalation", "capabilities_restricted"]
    );
    assert_eq!(
        pointers_of(&e, "allowPrivilegeEscalation"),
        ["/spec/ephemeralContainers/0/securityContext/allowPrivilegeEscalation"]
    );
    // Legacy seccomp annotations (v1.0-v1.18) also apply to ephemeral containers.
    let mut pod = restricted_pod();
    put(
        &mut pod,
        "/metadata/annotations",
        json!({"container.seccomp.security.alpha.kubernetes.io/debug": "unconfined"}),
    );
    let e = at(&pod, "baseline", "v1.18");
    assert_eq!(
        e.aggregate_detail(),
        r#"seccompProfile (forbidden annotation container.seccomp.security.alpha.kubernetes.io/debug="unconfined")"#
    );
    assert_eq!(
        pointers_of(&e, "seccompProfile_baseline"),
        ["/metadata/annotations/container.seccomp.security.alpha.kubernetes.io~1debug"]
    );
    assert!(at(&pod, "baseline", "v1.19").allowed);
}

#[test]
fn apparmor_fields_and_annotations() {
    // Pod-level field alone.
    let mut pod = restricted_pod();
    put(
        &mut pod,
        "/spec/securityContext/appArmorProfile",
        json!({"type": "Unconfined"}),
    );
    let e = at(&pod, "baseline", "v1.0");
    assert_eq!(
        e.aggregate_detail(),
        r#"forbidden AppArmor profile (pod must not set AppArmor profile type to "Unconfined")"#
    );
    assert_eq!(
        pointers_of(&e, "appArmorProfile"),
        ["/spec/securityContext/appArmorProfile/type"]
    );
    // Allowed types.
    for kind in ["RuntimeDefault", "Localhost"] {
        let mut pod = restricted_pod();
        put(
            &mut pod,
            "/spec/securityContext/appArmorProfile",
            json!({"type": kind}),
        );
        put(
            &mut pod,
            "/spec/containers/0/securityContext/appArmorProfile",
            json!({"type": kind, "localhostProfile": "x"}),
        );
        assert!(at(&pod, "restricted", "latest").allowed, "{kind}");
    }
    // Pod, containers and annotations mixed: plural reason, sorted unique
    // types first, then sorted annotation renderings.
    let mut pod = restricted_pod();
    put(
        &mut pod,
        "/spec/securityContext/appArmorProfile",
        json!({"type": "Unconfined"}),
    );
    put(
        &mut pod,
        "/spec/initContainers/0/securityContext/appArmorProfile",
        json!({"type": "Unconfined"}),
    );
    put(
        &mut pod,
        "/spec/containers/0/securityContext/appArmorProfile",
        json!({}),
    );
    put(
        &mut pod,
        "/metadata/annotations",
        json!({
            "container.apparmor.security.beta.kubernetes.io/zz": "unconfined",
            "container.apparmor.security.beta.kubernetes.io/app": "weird\"value",
            "container.apparmor.security.beta.kubernetes.io/ok1": "runtime/default",
            "container.apparmor.security.beta.kubernetes.io/ok2": "localhost/foo",
            "container.apparmor.security.beta.kubernetes.io/ok3": "",
            "unrelated": "unconfined",
        }),
    );
    let e = at(&pod, "baseline", "latest");
    assert_eq!(checks(&e), ["appArmorProfile"]);
    assert_eq!(e.violations[0].reason, "forbidden AppArmor profiles");
    assert_eq!(
        e.violations[0].detail,
        concat!(
            r#"pod and containers "init", "app" and annotations must not set AppArmor profile type to "#,
            r#""", "Unconfined", "#,
            r#""container.apparmor.security.beta.kubernetes.io/app="weird\"value"", "#,
            r#""container.apparmor.security.beta.kubernetes.io/zz="unconfined"""#
        )
    );
    assert_eq!(
        pointers_of(&e, "appArmorProfile"),
        [
            "/spec/securityContext/appArmorProfile/type",
            "/spec/initContainers/0/securityContext/appArmorProfile/type",
            "/spec/containers/0/securityContext/appArmorProfile/type",
            "/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1app",
            "/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1zz",
        ]
    );
    let offenders = &e.violations[0].offenders;
    assert_eq!(offenders[3].container.as_deref(), Some("app"));
    assert_eq!(offenders[4].container, None, "no container named zz");
    // A single bad annotation: singular.
    let mut pod = restricted_pod();
    put(
        &mut pod,
        "/metadata/annotations",
        json!({"container.apparmor.security.beta.kubernetes.io/": "unconfined"}),
    );
    let e = at(&pod, "baseline", "v1.10");
    assert_eq!(
        e.aggregate_detail(),
        r#"forbidden AppArmor profile (annotation must not set AppArmor profile type to "container.apparmor.security.beta.kubernetes.io/="unconfined"")"#
    );
    // Two bad annotations and nothing else: plural setter and reason.
    let mut pod = restricted_pod();
    put(
        &mut pod,
        "/metadata/annotations",
        json!({
            "container.apparmor.security.beta.kubernetes.io/b": "x",
            "container.apparmor.security.beta.kubernetes.io/a": "y",
        }),
    );
    let e = at(&pod, "baseline", "latest");
    assert_eq!(
        e.aggregate_detail(),
        r#"forbidden AppArmor profiles (annotations must not set AppArmor profile type to "container.apparmor.security.beta.kubernetes.io/a="y"", "container.apparmor.security.beta.kubernetes.io/b="x"")"#
    );
    // Annotation values use Go %q escaping.
    let mut pod = restricted_pod();
    put(
        &mut pod,
        "/metadata/annotations",
        json!({"container.apparmor.security.beta.kubernetes.io/a": "a\\b\n\u{1}é"}),
    );
    let e = at(&pod, "baseline", "latest");
    assert!(
        e.aggregate_detail().contains(r#"/a="a\\b\n\x01é""#),
        "{}",
        e.aggregate_detail()
    );
}

#[test]
fn selinux_container_engine_t_and_parts() {
    let mut pod = restricted_pod();
    put(
        &mut pod,
        "/spec/containers/0/securityContext/seLinuxOptions",
        json!({"type": "container_engine_t"}),
    );
    let e = at(&pod, "baseline", "v1.30");
    assert_eq!(
        e.aggregate_detail(),
        r#"seLinuxOptions (container "app" set forbidden securityContext.seLinuxOptions: type "container_engine_t")"#
    );
    assert!(at(&pod, "baseline", "v1.31").allowed);
    assert!(at(&pod, "restricted", "v1.31").allowed);
    assert!(!at(&pod, "restricted", "v1.30").allowed);

    let mut pod = restricted_pod();
    put(
        &mut pod,
        "/spec/securityContext/seLinuxOptions",
        json!({"type": "foo", "level": "s0:c1"}),
    );
    put(
        &mut pod,
        "/spec/initContainers/0/securityContext/seLinuxOptions",
        json!({"type": "bar", "user": "u"}),
    );
    put(
        &mut pod,
        "/spec/containers/0/securityContext/seLinuxOptions",
        json!({"role": "r", "type": "container_t"}),
    );
    put(
        &mut pod,
        "/spec/ephemeralContainers/0/securityContext/seLinuxOptions",
        json!({"type": "foo", "level": "s0"}),
    );
    let e = at(&pod, "baseline", "latest");
    assert_eq!(
        e.aggregate_detail(),
        r#"seLinuxOptions (pod and containers "init", "app", "debug" set forbidden securityContext.seLinuxOptions: types "bar", "foo"; user may not be set; role may not be set)"#
    );
    assert_eq!(
        pointers_of(&e, "seLinuxOptions"),
        [
            "/spec/securityContext/seLinuxOptions/type",
            "/spec/initContainers/0/securityContext/seLinuxOptions/type",
            "/spec/initContainers/0/securityContext/seLinuxOptions/user",
            "/spec/containers/0/securityContext/seLinuxOptions/role",
            "/spec/ephemeralContainers/0/securityContext/seLinuxOptions/type",
        ]
    );
    // Only `level` set: fine.
    let mut pod = restricted_pod();
    put(
        &mut pod,
        "/spec/securityContext/seLinuxOptions",
        json!({"level": "s0:c1,c2"}),
    );
    assert!(at(&pod, "restricted", "v1.0").allowed);
}

#[test]
fn windows_exemptions_start_at_v1_25() {
    let pod = json!({
        "metadata": {"name": "w"},
        "spec": {
            "os": {"name": "windows"},
            "securityContext": {"runAsNonRoot": true},
            "containers": [{"name": "app", "image": "i"}],
        }
    });
    let e = at(&pod, "restricted", "v1.24");
    assert_eq!(
        checks(&e),
        [
            "allowPrivilegeEscalation",
            "capabilities_restricted",
            "seccompProfile_restricted"
        ]
    );
    for minor in 25..=28 {
        let e = at(&pod, "restricted", &format!("v1.{minor}"));
        assert!(e.allowed, "v1.{minor}: {e:?}");
    }
    assert!(at(&pod, "restricted", "latest").allowed);
    // Before capabilities_restricted exists, capabilities_baseline runs (and passes).
    assert_eq!(
        checks(&at(&pod, "restricted", "v1.21")),
        ["allowPrivilegeEscalation", "seccompProfile_restricted"]
    );
    assert_eq!(checks(&at(&pod, "restricted", "v1.7")), Vec::<&str>::new());
    // runAsNonRoot is not exempt.
    let mut no_root = pod.clone();
    put(&mut no_root, "/spec/securityContext", json!({}));
    assert_eq!(
        checks(&at(&no_root, "restricted", "v1.28")),
        ["runAsNonRoot"]
    );
    // Only os.name == "windows" counts.
    let mut linux = pod.clone();
    put(&mut linux, "/spec/os/name", json!("Windows"));
    assert!(!at(&linux, "restricted", "v1.28").allowed);
    // Baseline checks still apply to Windows pods.
    let mut host = pod.clone();
    put(
        &mut host,
        "/spec/securityContext/windowsOptions/hostProcess",
        json!(true),
    );
    put(&mut host, "/spec/hostNetwork", json!(true));
    let e = at(&host, "baseline", "v1.28");
    assert_eq!(
        e.aggregate_detail(),
        "host namespaces (hostNetwork=true), hostProcess (pod must not set securityContext.windowsOptions.hostProcess=true)"
    );
}

#[test]
fn messages_with_several_containers() {
    let pod = json!({
        "metadata": {"name": "p"},
        "spec": {
            "initContainers": [
                {"name": "i1", "securityContext": {"privileged": true}},
                {"name": "z", "livenessProbe": {"httpGet": {"host": "b.example"}},
                 "readinessProbe": {"tcpSocket": {"host": "a.example"}}},
            ],
            "containers": [
                {"name": "a", "securityContext": {"privileged": true},
                 "startupProbe": {"httpGet": {"host": "b.example"}}},
                {"name": "a", "securityContext": {"privileged": true, "procMount": "Unmasked"}},
                {"name": "b", "securityContext": {"privileged": false, "procMount": "Default"},
                 "lifecycle": {"postStart": {"httpGet": {"host": "c.example"}}, "preStop": {"grpc": {"port": 1}}}},
            ],
            "ephemeralContainers": [
                {"name": "e", "securityContext": {"privileged": true, "procMount": "Weird"}},
            ],
        }
    });
    let e = at(&pod, "baseline", "latest");
    assert_eq!(
        checks(&e),
        ["hostProbesAndHostLifecycle", "privileged", "procMount"]
    );
    assert_eq!(
        detail_of(&e, "privileged"),
        r#"containers "i1", "a", "a", "e" must not set securityContext.privileged=true"#
    );
    // De-duplicated and sorted, unlike other checks.
    assert_eq!(
        detail_of(&e, "hostProbesAndHostLifecycle"),
        r#"containers "a", "b", "z" use probe or lifecycle hosts "a.example", "b.example", "c.example""#
    );
    assert_eq!(
        detail_of(&e, "procMount"),
        r#"containers "a", "e" must not set securityContext.procMount to "Unmasked", "Weird""#
    );
    assert_eq!(
        pointers_of(&e, "hostProbesAndHostLifecycle"),
        [
            "/spec/initContainers/1/livenessProbe/httpGet/host",
            "/spec/initContainers/1/readinessProbe/tcpSocket/host",
            "/spec/containers/0/startupProbe/httpGet/host",
            "/spec/containers/2/lifecycle/postStart/httpGet/host",
        ]
    );
    // hostProbesAndHostLifecycle does not exist before v1.34.
    assert_eq!(
        checks(&at(&pod, "baseline", "v1.33")),
        ["privileged", "procMount"]
    );
    // Singular forms.
    let single = json!({"spec": {"containers": [
        {"name": "a", "livenessProbe": {"httpGet": {"host": "localhost"}}, "readinessProbe": {"httpGet": {"host": "localhost"}}}
    ]}});
    assert_eq!(
        at(&single, "baseline", "v1.34").aggregate_detail(),
        r#"probe or lifecycle host (container "a" uses probe or lifecycle host "localhost")"#
    );
    // Capabilities: names keep order and duplicates, values are sorted unique.
    let caps = json!({"spec": {"containers": [
        {"name": "c", "securityContext": {"capabilities": {"add": ["SYS_TIME", "CHOWN", "NET_RAW"]}}},
        {"name": "c", "securityContext": {"capabilities": {"add": ["NET_RAW", "chown", "CAP_CHOWN"]}}},
        {"name": "ok", "securityContext": {"capabilities": {"add": ["KILL"], "drop": ["ALL"]}}},
    ]}});
    let e = at(&caps, "baseline", "latest");
    assert_eq!(
        e.aggregate_detail(),
        r#"non-default capabilities (containers "c", "c" must not include "CAP_CHOWN", "NET_RAW", "SYS_TIME", "chown" in securityContext.capabilities.add)"#
    );
    let e = at(&caps, "restricted", "latest");
    assert_eq!(
        detail_of(&e, "capabilities_restricted"),
        r#"containers "c", "c" must set securityContext.capabilities.drop=["ALL"]; containers "c", "c", "ok" must not include "CAP_CHOWN", "CHOWN", "KILL", "NET_RAW", "SYS_TIME", "chown" in securityContext.capabilities.add"#
    );
    // Volumes.
    let volumes = json!({"spec": {"containers": [], "volumes": [
        {"name": "h1", "hostPath": {"path": "/"}},
        {"name": "n", "nfs": {"server": "s", "path": "/"}},
        {"name": "h1", "hostPath": {"path": "/proc"}},
        {"name": "ok", "configMap": {"name": "c"}},
        {"name": "img", "image": {"reference": "r"}},
        {"name": "u"},
    ]}});
    let e = at(&volumes, "baseline", "latest");
    assert_eq!(
        e.aggregate_detail(),
        r#"hostPath volumes (volumes "h1", "h1")"#
    );
    assert_eq!(
        pointers_of(&e, "hostPathVolumes"),
        ["/spec/volumes/0/hostPath", "/spec/volumes/2/hostPath"]
    );
    assert_eq!(
        e.violations[0].offenders[1].message,
        r#"volume "h1" uses a hostPath volume (/proc)"#
    );
    let e = at(&volumes, "restricted", "v1.0");
    assert_eq!(
        detail_of(&e, "restrictedVolumes"),
        r#"volumes "h1", "n", "h1", "u" use restricted volume types "hostPath", "nfs", "unknown""#
    );
    assert_eq!(
        pointers_of(&e, "restrictedVolumes"),
        [
            "/spec/volumes/0/hostPath",
            "/spec/volumes/1/nfs",
            "/spec/volumes/2/hostPath",
            "/spec/volumes/5"
        ]
    );
    assert!(
        !checks(&e).contains(&"hostPathVolumes"),
        "overridden at restricted"
    );
}

#[test]
fn host_ports_sorted_as_strings() {
    let pod = json!({"spec": {"containers": [
        {"name": "a", "ports": [{"containerPort": 1, "hostPort": 80}, {"containerPort": 2, "hostPort": 10000}, {"containerPort": 3}]},
        {"name": "ok", "ports": [{"containerPort": 4, "hostPort": 0}]},
        {"name": "b", "ports": [{"containerPort": 5, "hostPort": 8080}, {"containerPort": 6, "hostPort": 80}]},
    ]}});
    let e = at(&pod, "baseline", "latest");
    assert_eq!(
        e.aggregate_detail(),
        r#"hostPort (containers "a", "b" use hostPorts 10000, 80, 8080)"#
    );
    assert_eq!(
        pointers_of(&e, "hostPorts"),
        [
            "/spec/containers/0/ports/0/hostPort",
            "/spec/containers/0/ports/1/hostPort",
            "/spec/containers/2/ports/0/hostPort",
            "/spec/containers/2/ports/1/hostPort",
        ]
    );
    let single = json!({"spec": {"initContainers": [
        {"name": "i", "ports": [{"hostPort": 9}, {"hostPort": 9}]}
    ]}});
    assert_eq!(
        at(&single, "baseline", "v1.0").aggregate_detail(),
        r#"hostPort (container "i" uses hostPort 9)"#
    );
}

#[test]
fn host_network_port_defaulting() {
    let mut spec = json!({
        "hostNetwork": true,
        "containers": [{"name": "a", "ports": [{"containerPort": 8080}, {"containerPort": 9090, "hostPort": 0}, {"containerPort": 1, "hostPort": 2}]}],
        "initContainers": [{"name": "i", "ports": [{"containerPort": 53, "hostPort": null}]}],
        "ephemeralContainers": [{"name": "e", "ports": [{"containerPort": 7}]}],
    });
    apply_pod_host_network_port_defaults(&mut spec);
    assert_eq!(spec["containers"][0]["ports"][0]["hostPort"], 8080);
    assert_eq!(spec["containers"][0]["ports"][1]["hostPort"], 9090);
    assert_eq!(spec["containers"][0]["ports"][2]["hostPort"], 2);
    assert_eq!(spec["initContainers"][0]["ports"][0]["hostPort"], 53);
    assert!(
        spec["ephemeralContainers"][0]["ports"][0]
            .get("hostPort")
            .is_none()
    );
    let e = evaluate(
        PodRef::new(None, &spec),
        Level::Baseline,
        PolicyVersion::Latest,
    );
    assert_eq!(
        e.aggregate_detail(),
        r#"host namespaces (hostNetwork=true), hostPort (containers "i", "a" use hostPorts 2, 53, 8080, 9090)"#
    );
    // No hostNetwork: untouched. apply_api_defaults never does this.
    let mut spec = json!({"containers": [{"name": "a", "ports": [{"containerPort": 8080}]}]});
    let before = spec.clone();
    apply_pod_host_network_port_defaults(&mut spec);
    assert_eq!(spec, before);
    let mut spec = json!({"hostNetwork": true, "containers": [{"name": "a", "ports": [{"containerPort": 8080}]}]});
    let before = spec.clone();
    apply_api_defaults(&mut spec);
    assert_eq!(spec, before);
}

#[test]
fn api_defaults_volume_without_source() {
    let mut spec = json!({"volumes": [
        {"name": "a"},
        {"name": "b", "emptyDir": null},
        {"name": "c", "secret": {"secretName": "s"}},
        {"name": "d", "hostPath": {"path": "/"}},
        {"name": "e", "unknownSource": {}},
        "not an object",
    ]});
    apply_api_defaults(&mut spec);
    assert_eq!(spec["volumes"][0], json!({"name": "a", "emptyDir": {}}));
    assert_eq!(spec["volumes"][1], json!({"name": "b", "emptyDir": {}}));
    assert_eq!(
        spec["volumes"][2],
        json!({"name": "c", "secret": {"secretName": "s"}})
    );
    assert_eq!(
        spec["volumes"][3],
        json!({"name": "d", "hostPath": {"path": "/"}})
    );
    assert_eq!(
        spec["volumes"][4],
        json!({"name": "e", "unknownSource": {}, "emptyDir": {}})
    );
    assert_eq!(spec["volumes"][5], json!("not an object"));
    for mut odd in [json!(null), json!([]), json!({"volumes": 3})] {
        let before = odd.clone();
        apply_api_defaults(&mut odd);
        assert_eq!(odd, before);
    }
}

#[test]
fn fixture_needs_defaulting() {
    let path = data_dir().join("restricted/v1.37/pass/restrictedvolumes0.yaml");
    let raw = parse_yaml(&std::fs::read_to_string(path).unwrap());
    let e = at(&raw, "restricted", "v1.37");
    assert_eq!(
        e.aggregate_detail(),
        r#"restricted volume types (volume "volume0" uses restricted volume type "unknown")"#
    );
    assert_eq!(pointers_of(&e, "restrictedVolumes"), ["/spec/volumes/0"]);
    let defaulted = load_fixture("restricted/v1.37/pass/restrictedvolumes0.yaml");
    assert!(at(&defaulted, "restricted", "v1.37").allowed);
}

#[test]
fn sysctls_order_and_duplicates() {
    let pod = json!({"spec": {"containers": [], "securityContext": {"sysctls": [
        {"name": "kernel.msgmax", "value": "1"},
        {"name": "net.ipv4.tcp_syncookies", "value": "1"},
        {"name": "b.second"},
        {"name": "kernel.msgmax"},
        {"name": "net.ipv4.tcp_rmem"},
        {"name": "net.ipv4.tcp_notsent_lowat"},
    ]}}});
    assert_eq!(
        at(&pod, "baseline", "v1.37").aggregate_detail(),
        "forbidden sysctls (kernel.msgmax, b.second, kernel.msgmax)"
    );
    assert_eq!(
        at(&pod, "baseline", "v1.36").aggregate_detail(),
        "forbidden sysctls (kernel.msgmax, b.second, kernel.msgmax, net.ipv4.tcp_notsent_lowat)"
    );
    assert_eq!(
        at(&pod, "baseline", "v1.31").aggregate_detail(),
        "forbidden sysctls (kernel.msgmax, b.second, kernel.msgmax, net.ipv4.tcp_rmem, net.ipv4.tcp_notsent_lowat)"
    );
    let e = at(&pod, "baseline", "latest");
    assert_eq!(
        pointers_of(&e, "sysctls"),
        [
            "/spec/securityContext/sysctls/0/name",
            "/spec/securityContext/sysctls/2/name",
            "/spec/securityContext/sysctls/3/name",
        ]
    );
    assert_eq!(
        e.violations[0].offenders[1].message,
        r#"pod must not set forbidden sysctl "b.second""#
    );
}

#[test]
fn user_namespaces_relax_checks_from_v1_35() {
    let mut pod = restricted_pod();
    put(&mut pod, "/spec/hostUsers", json!(false));
    put(
        &mut pod,
        "/spec/securityContext",
        json!({"runAsUser": 0, "seccompProfile": {"type": "RuntimeDefault"}}),
    );
    put(
        &mut pod,
        "/spec/containers/0/securityContext/procMount",
        json!("Unmasked"),
    );
    assert_eq!(checks(&at(&pod, "baseline", "v1.34")), ["procMount"]);
    assert!(at(&pod, "baseline", "v1.35").allowed);
    assert!(at(&pod, "baseline", "latest").allowed);
    assert_eq!(
        checks(&at(&pod, "restricted", "v1.34")),
        ["procMount", "runAsNonRoot", "runAsUser"]
    );
    let e = at(&pod, "restricted", "v1.35");
    assert_eq!(checks(&e), ["procMount_restricted"]);
    assert_eq!(
        e.aggregate_detail(),
        r#"procMount (container "app" must not set securityContext.procMount to "Unmasked")"#
    );
    // hostUsers: true (or absent) gets no exemption.
    put(&mut pod, "/spec/hostUsers", json!(true));
    assert_eq!(
        checks(&at(&pod, "restricted", "v1.35")),
        ["procMount_restricted", "runAsNonRoot", "runAsUser"]
    );
    assert_eq!(checks(&at(&pod, "baseline", "v1.35")), ["procMount"]);
    // Before v1.23 runAsUser does not exist.
    assert_eq!(
        checks(&at(&pod, "restricted", "v1.22")),
        ["procMount", "runAsNonRoot"]
    );
}

#[test]
fn run_as_non_root_and_run_as_user_messages() {
    let mut pod = restricted_pod();
    put(&mut pod, "/spec/securityContext/runAsNonRoot", json!(false));
    put(&mut pod, "/spec/securityContext/runAsUser", json!(0));
    put(
        &mut pod,
        "/spec/containers/0/securityContext/runAsNonRoot",
        json!(false),
    );
    put(
        &mut pod,
        "/spec/containers/0/securityContext/runAsUser",
        json!(1000),
    );
    put(
        &mut pod,
        "/spec/initContainers/0/securityContext/runAsUser",
        json!(0),
    );
    let e = at(&pod, "restricted", "latest");
    assert_eq!(
        detail_of(&e, "runAsNonRoot"),
        r#"pod and container "app" must not set securityContext.runAsNonRoot=false"#
    );
    assert_eq!(
        pointers_of(&e, "runAsNonRoot"),
        [
            "/spec/securityContext/runAsNonRoot",
            "/spec/containers/0/securityContext/runAsNonRoot"
        ]
    );
    assert_eq!(
        detail_of(&e, "runAsUser"),
        r#"pod and container "init" must not set runAsUser=0"#
    );
    // Implicit: a non-zero runAsUser does not satisfy runAsNonRoot.
    let mut pod = restricted_pod();
    put(
        &mut pod,
        "/spec/securityContext",
        json!({"runAsUser": 1000, "seccompProfile": {"type": "RuntimeDefault"}}),
    );
    put(
        &mut pod,
        "/spec/containers/0/securityContext/runAsNonRoot",
        json!(true),
    );
    let e = at(&pod, "restricted", "latest");
    assert_eq!(
        e.aggregate_detail(),
        r#"runAsNonRoot != true (pod or containers "init", "debug" must set securityContext.runAsNonRoot=true)"#
    );
    assert_eq!(
        pointers_of(&e, "runAsNonRoot"),
        [
            "/spec/initContainers/0/securityContext/runAsNonRoot",
            "/spec/ephemeralContainers/0/securityContext/runAsNonRoot",
        ]
    );
}

#[test]
fn seccomp_pod_level_invalid_and_container_localhost() {
    // Pod-level invalid type: explicit setter, containers without a profile are not listed.
    for (profile, shown) in [
        (json!({"type": "Unconfined"}), "Unconfined"),
        (json!({}), ""),
        (json!({"type": "runtime/default"}), "runtime/default"),
    ] {
        let mut pod = restricted_pod();
        put(&mut pod, "/spec/securityContext/seccompProfile", profile);
        let e = at(&pod, "restricted", "latest");
        assert_eq!(
            e.aggregate_detail(),
            format!(
                r#"seccompProfile (pod must not set securityContext.seccompProfile.type to "{shown}")"#
            )
        );
        assert_eq!(
            pointers_of(&e, "seccompProfile_restricted"),
            ["/spec/securityContext/seccompProfile/type"]
        );
        let e = at(&pod, "baseline", "v1.19");
        assert_eq!(
            e.aggregate_detail(),
            format!(
                r#"seccompProfile (pod must not set securityContext.seccompProfile.type to "{shown}")"#
            )
        );
        // Fields are ignored before v1.19.
        assert!(at(&pod, "baseline", "v1.18").allowed);
    }
    // Pod invalid and one container invalid.
    let mut pod = restricted_pod();
    put(
        &mut pod,
        "/spec/securityContext/seccompProfile",
        json!({"type": "Unconfined"}),
    );
    put(
        &mut pod,
        "/spec/containers/0/securityContext/seccompProfile",
        json!({"type": "foo"}),
    );
    put(
        &mut pod,
        "/spec/initContainers/0/securityContext/seccompProfile",
        json!({"type": "Unconfined"}),
    );
    assert_eq!(
        detail_of(
            &at(&pod, "restricted", "latest"),
            "seccompProfile_restricted"
        ),
        r#"pod and containers "init", "app" must not set securityContext.seccompProfile.type to "Unconfined", "foo""#
    );
    // Localhost at container level, no pod-level profile.
    let mut pod = restricted_pod();
    put(
        &mut pod,
        "/spec/securityContext",
        json!({"runAsNonRoot": true}),
    );
    put(
        &mut pod,
        "/spec/containers/0/securityContext/seccompProfile",
        json!({"type": "Localhost", "localhostProfile": "p.json"}),
    );
    put(
        &mut pod,
        "/spec/initContainers/0/securityContext/seccompProfile",
        json!({"type": "RuntimeDefault"}),
    );
    let e = at(&pod, "restricted", "latest");
    assert_eq!(
        e.aggregate_detail(),
        r#"seccompProfile (pod or container "debug" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")"#
    );
    assert_eq!(
        pointers_of(&e, "seccompProfile_restricted"),
        ["/spec/ephemeralContainers/0/securityContext/seccompProfile"]
    );
    put(
        &mut pod,
        "/spec/ephemeralContainers/0/securityContext/seccompProfile",
        json!({"type": "Localhost"}),
    );
    assert!(at(&pod, "restricted", "latest").allowed);
    // Before v1.19 restricted runs the annotation-based baseline check.
    let mut pod = restricted_pod();
    put(
        &mut pod,
        "/spec/securityContext/seccompProfile",
        json!({"type": "Unconfined"}),
    );
    put(
        &mut pod,
        "/metadata/annotations",
        json!({
            "seccomp.security.alpha.kubernetes.io/pod": "",
            "container.seccomp.security.alpha.kubernetes.io/app": "localhost/x",
            "container.seccomp.security.alpha.kubernetes.io/init": "unconfined",
            "container.seccomp.security.alpha.kubernetes.io/missing": "unconfined",
        }),
    );
    let e = at(&pod, "restricted", "v1.18");
    assert_eq!(
        e.aggregate_detail(),
        r#"seccompProfile (forbidden annotations container.seccomp.security.alpha.kubernetes.io/init="unconfined", seccomp.security.alpha.kubernetes.io/pod="")"#
    );
    assert_eq!(
        checks(&at(&pod, "restricted", "v1.19")),
        ["seccompProfile_restricted"]
    );
}

#[test]
fn versions_and_levels() {
    for bad in [
        "v1.05",
        "1.25",
        "v2.0",
        "v1.25.1",
        "",
        "v1.",
        "V1.2",
        "v1.-1",
        "latest ",
        "v1.99999999999",
    ] {
        let err = bad.parse::<PolicyVersion>().expect_err(bad);
        let message = err.to_string();
        assert!(
            message.contains(r#"must be "latest" or "v1.x""#),
            "{message}"
        );
        assert!(message.contains(&format!("{bad:?}")), "{message}");
    }
    assert_eq!(
        "latest".parse::<PolicyVersion>().unwrap(),
        PolicyVersion::Latest
    );
    assert_eq!(
        "v1.0".parse::<PolicyVersion>().unwrap(),
        PolicyVersion::Minor(0)
    );
    assert_eq!(
        "v1.99".parse::<PolicyVersion>().unwrap(),
        PolicyVersion::Minor(99)
    );
    assert_eq!(PolicyVersion::Minor(30).to_string(), "v1.30");
    assert_eq!(PolicyVersion::Latest.to_string(), "latest");
    assert_eq!(PolicyVersion::Latest.effective_minor(NEWEST_MINOR), 37);
    assert_eq!(PolicyVersion::Minor(99).effective_minor(NEWEST_MINOR), 37);
    assert_eq!(PolicyVersion::Minor(12).effective_minor(NEWEST_MINOR), 12);
    assert_eq!(PolicyVersion::Minor(35).effective_minor(30), 30);

    for level in Level::ALL {
        assert_eq!(level.to_string().parse::<Level>().unwrap(), level);
    }
    assert!(Level::Privileged < Level::Baseline && Level::Baseline < Level::Restricted);
    for bad in ["Baseline", "", "strict"] {
        assert!(bad.parse::<Level>().is_err());
    }

    // Above v1.37 and latest: v1.37 rules, labels as requested.
    let mut pod = restricted_pod();
    put(
        &mut pod,
        "/spec/securityContext/sysctls",
        json!([{"name": "net.ipv4.tcp_notsent_lowat"}, {"name": "x"}]),
    );
    let newest = at(&pod, "restricted", "v1.37");
    for version in ["latest", "v1.38", "v1.99", "v1.4294967295"] {
        let e = at(&pod, "restricted", version);
        assert_eq!(e.violations, newest.violations, "{version}");
        assert_eq!(
            e.forbidden_message().unwrap(),
            format!(r#"violates PodSecurity "restricted:{version}": forbidden sysctls (x)"#)
        );
        assert_eq!(
            e.warning_message().unwrap(),
            format!(r#"would violate PodSecurity "restricted:{version}": forbidden sysctls (x)"#)
        );
    }
    assert_eq!(
        at(&pod, "restricted", "v1.36").aggregate_detail(),
        "forbidden sysctls (net.ipv4.tcp_notsent_lowat, x)"
    );
    // Privileged allows anything.
    let e = at(&pod, "privileged", "v1.0");
    assert!(e.allowed && e.violations.is_empty() && e.forbidden_message().is_none());
}

#[test]
fn emulation_clamps_latest() {
    let mut pod = restricted_pod();
    put(
        &mut pod,
        "/spec/containers/0/securityContext/seLinuxOptions",
        json!({"type": "container_engine_t"}),
    );
    let pod_ref = PodRef::from_pod(&pod).unwrap();
    let as_30 = evaluate_as(pod_ref, Level::Baseline, PolicyVersion::Latest, 30);
    assert!(!as_30.allowed);
    assert_eq!(as_30.version, PolicyVersion::Latest);
    assert_eq!(
        as_30.forbidden_message().unwrap(),
        r#"violates PodSecurity "baseline:latest": seLinuxOptions (container "app" set forbidden securityContext.seLinuxOptions: type "container_engine_t")"#
    );
    assert!(evaluate_as(pod_ref, Level::Baseline, PolicyVersion::Latest, 31).allowed);
    assert!(!evaluate_as(pod_ref, Level::Baseline, PolicyVersion::Minor(35), 30).allowed);
    assert!(evaluate_as(pod_ref, Level::Baseline, PolicyVersion::Minor(35), 99).allowed);
    // Emulated v1.33: hostProbesAndHostLifecycle does not exist yet.
    let probe = json!({"spec": {"containers": [{"name": "a", "livenessProbe": {"tcpSocket": {"host": "h"}}}]}});
    let probe_ref = PodRef::from_pod(&probe).unwrap();
    assert!(evaluate_as(probe_ref, Level::Baseline, PolicyVersion::Latest, 33).allowed);
    assert!(!evaluate_as(probe_ref, Level::Baseline, PolicyVersion::Latest, 34).allowed);
    assert!(!evaluate(probe_ref, Level::Baseline, PolicyVersion::Latest).allowed);
}

#[test]
fn check_table() {
    assert_eq!(newest_minor_in_table(), NEWEST_MINOR);
    let checks = all_checks();
    assert_eq!(checks.len(), 19);
    let mut sorted: Vec<(Level, &str)> = checks.iter().map(|c| (c.level, c.id)).collect();
    sorted.sort();
    let actual: Vec<(Level, &str)> = checks.iter().map(|c| (c.level, c.id)).collect();
    assert_eq!(
        actual, sorted,
        "CHECKS must be in upstream evaluation order"
    );
    for check in checks {
        assert!(
            check
                .definitions
                .windows(2)
                .all(|w| w[0].min_minor < w[1].min_minor)
        );
        assert_eq!(
            check.rule.pss.unwrap().split_once(':').unwrap(),
            (check.level.as_str(), check.id)
        );
        for definition in check.definitions {
            for overridden in definition.overrides {
                let target = pss::check::check_by_id(overridden).unwrap();
                assert_eq!(target.level, Level::Baseline);
                assert_eq!(check.level, Level::Restricted);
            }
        }
    }
    let ids = |level, minor| {
        checks_in_force(level, minor)
            .map(|(c, _)| c.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(Level::Privileged, 37), Vec::<&str>::new());
    assert_eq!(
        ids(Level::Restricted, 0),
        [
            "appArmorProfile",
            "capabilities_baseline",
            "hostNamespaces",
            "hostPorts",
            "privileged",
            "procMount",
            "seLinuxOptions",
            "seccompProfile_baseline",
            "sysctls",
            "windowsHostProcess",
            "restrictedVolumes",
            "runAsNonRoot",
        ]
    );
    assert_eq!(
        ids(Level::Restricted, 37),
        [
            "appArmorProfile",
            "hostNamespaces",
            "hostPorts",
            "hostProbesAndHostLifecycle",
            "privileged",
            "seLinuxOptions",
            "sysctls",
            "windowsHostProcess",
            "allowPrivilegeEscalation",
            "capabilities_restricted",
            "procMount_restricted",
            "restrictedVolumes",
            "runAsNonRoot",
            "runAsUser",
            "seccompProfile_restricted",
        ]
    );
    assert_eq!(ids(Level::Baseline, 37).len(), 12);
    assert_eq!(ids(Level::Baseline, 33).len(), 11);
}

#[test]
fn offender_pointers_for_a_multi_container_pod() {
    let pod = json!({
        "metadata": {"name": "multi", "annotations": {
            "container.apparmor.security.beta.kubernetes.io/side~car": "unconfined"
        }},
        "spec": {
            "hostPID": true,
            "securityContext": {"sysctls": [{"name": "net.ipv4.tcp_syncookies"}, {"name": "kernel.sem"}]},
            "initContainers": [
                {"name": "setup", "securityContext": {"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}}},
                {"name": "perm", "securityContext": {"runAsUser": 0, "allowPrivilegeEscalation": false,
                    "capabilities": {"drop": ["ALL"], "add": ["CHOWN"]}}, "ports": [{"hostPort": 53}]},
            ],
            "containers": [
                {"name": "agent", "securityContext": {"privileged": true, "capabilities": {"add": ["SYS_ADMIN"]}}},
                {"name": "side~car", "securityContext": {"allowPrivilegeEscalation": false,
                    "capabilities": {"drop": ["ALL"]}, "runAsNonRoot": true}},
            ],
            "volumes": [{"name": "cfg", "configMap": {"name": "c"}}, {"name": "proc", "hostPath": {"path": "/proc"}}],
        }
    });
    let e = at(&pod, "restricted", "latest");
    let got: Vec<(&str, &str, Option<&str>)> = e
        .violations
        .iter()
        .flat_map(|v| {
            v.offenders
                .iter()
                .map(move |o| (v.check, o.pointer.as_str(), o.container.as_deref()))
        })
        .collect();
    let want: Vec<(&str, &str, Option<&str>)> = vec![
        (
            "appArmorProfile",
            "/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1side~0car",
            Some("side~car"),
        ),
        ("hostNamespaces", "/spec/hostPID", None),
        (
            "hostPorts",
            "/spec/initContainers/1/ports/0/hostPort",
            Some("perm"),
        ),
        (
            "privileged",
            "/spec/containers/0/securityContext/privileged",
            Some("agent"),
        ),
        ("sysctls", "/spec/securityContext/sysctls/1/name", None),
        (
            "allowPrivilegeEscalation",
            "/spec/containers/0/securityContext/allowPrivilegeEscalation",
            Some("agent"),
        ),
        (
            "capabilities_restricted",
            "/spec/initContainers/1/securityContext/capabilities/add/0",
            Some("perm"),
        ),
        (
            "capabilities_restricted",
            "/spec/containers/0/securityContext/capabilities/drop",
            Some("agent"),
        ),
        (
            "capabilities_restricted",
            "/spec/containers/0/securityContext/capabilities/add/0",
            Some("agent"),
        ),
        ("restrictedVolumes", "/spec/volumes/1/hostPath", None),
        (
            "runAsNonRoot",
            "/spec/initContainers/0/securityContext/runAsNonRoot",
            Some("setup"),
        ),
        (
            "runAsNonRoot",
            "/spec/initContainers/1/securityContext/runAsNonRoot",
            Some("perm"),
        ),
        (
            "runAsNonRoot",
            "/spec/containers/0/securityContext/runAsNonRoot",
            Some("agent"),
        ),
        (
            "runAsUser",
            "/spec/initContainers/1/securityContext/runAsUser",
            Some("perm"),
        ),
        (
            "seccompProfile_restricted",
            "/spec/initContainers/0/securityContext/seccompProfile",
            Some("setup"),
        ),
        (
            "seccompProfile_restricted",
            "/spec/initContainers/1/securityContext/seccompProfile",
            Some("perm"),
        ),
        (
            "seccompProfile_restricted",
            "/spec/containers/0/securityContext/seccompProfile",
            Some("agent"),
        ),
        (
            "seccompProfile_restricted",
            "/spec/containers/1/securityContext/seccompProfile",
            Some("side~car"),
        ),
    ];
    assert_eq!(got, want);
    let privileged = &e
        .violations
        .iter()
        .find(|v| v.check == "privileged")
        .unwrap()
        .offenders[0];
    assert_eq!(
        privileged.message,
        r#"container "agent" must not set securityContext.privileged=true"#
    );
    let host_pid = &e
        .violations
        .iter()
        .find(|v| v.check == "hostNamespaces")
        .unwrap()
        .offenders[0];
    assert_eq!(host_pid.message, "pod must not set hostPID=true");
    assert_eq!(
        e.aggregate_reasons(),
        "forbidden AppArmor profile, host namespaces, hostPort, privileged, forbidden sysctls, \
         allowPrivilegeEscalation != false, unrestricted capabilities, restricted volume types, \
         runAsNonRoot != true, runAsUser=0, seccompProfile"
    );
    // Every pointer resolves in the pod, or (for must-set fields) its parent
    // path exists up to the securityContext.
    for (_, pointer, _) in &got {
        let mut path = pointer.to_string();
        while pod.pointer(&path).is_none() {
            path.truncate(path.rfind('/').unwrap());
        }
        assert!(
            path.starts_with("/spec") || path.starts_with("/metadata"),
            "{pointer}"
        );
    }
}

#[test]
fn wrong_types_do_not_panic() {
    let odd_values = [
        json!(null),
        json!(true),
        json!(0),
        json!(-1),
        json!(1.5),
        json!("x"),
        json!([]),
        json!([null, 1, "a", {}]),
        json!({}),
        json!({"type": 3, "name": []}),
    ];
    let fields = [
        "/spec/hostNetwork",
        "/spec/hostUsers",
        "/spec/os",
        "/spec/securityContext",
        "/spec/securityContext/sysctls",
        "/spec/securityContext/runAsUser",
        "/spec/securityContext/seccompProfile",
        "/spec/securityContext/appArmorProfile",
        "/spec/securityContext/seLinuxOptions",
        "/spec/securityContext/windowsOptions",
        "/spec/volumes",
        "/spec/containers",
        "/spec/containers/0",
        "/spec/containers/0/name",
        "/spec/containers/0/securityContext",
        "/spec/containers/0/ports",
        "/spec/containers/0/securityContext/capabilities",
        "/spec/containers/0/securityContext/capabilities/add",
        "/spec/containers/0/securityContext/capabilities/drop",
        "/spec/containers/0/securityContext/procMount",
        "/spec/containers/0/securityContext/runAsNonRoot",
        "/spec/containers/0/livenessProbe",
        "/spec/containers/0/lifecycle",
        "/metadata",
        "/metadata/annotations",
    ];
    for field in fields {
        for value in &odd_values {
            let mut pod = restricted_pod();
            put(&mut pod, field, value.clone());
            for level in Level::ALL {
                for version in [
                    PolicyVersion::Minor(0),
                    PolicyVersion::Minor(18),
                    PolicyVersion::Latest,
                ] {
                    let e = eval(&pod, level, version);
                    let _ = (e.aggregate_detail(), e.forbidden_message());
                }
            }
        }
    }
    // Documented readings: a string "true" is not `true`, and a string
    // "false" does not satisfy allowPrivilegeEscalation.
    let mut pod = restricted_pod();
    put(
        &mut pod,
        "/spec/containers/0/securityContext/privileged",
        json!("true"),
    );
    assert!(at(&pod, "baseline", "latest").allowed);
    put(
        &mut pod,
        "/spec/containers/0/securityContext/allowPrivilegeEscalation",
        json!("false"),
    );
    assert_eq!(
        checks(&at(&pod, "restricted", "latest")),
        ["allowPrivilegeEscalation"]
    );
    // A set seccompProfile of the wrong type is set, with an empty type.
    let mut pod = restricted_pod();
    put(
        &mut pod,
        "/spec/securityContext/seccompProfile",
        json!("RuntimeDefault"),
    );
    assert_eq!(
        at(&pod, "restricted", "latest").aggregate_detail(),
        r#"seccompProfile (pod must not set securityContext.seccompProfile.type to "")"#
    );
    // Non-object spec: nothing to check.
    for spec in [json!(null), json!([1, 2]), json!("spec")] {
        let e = evaluate(
            PodRef::new(Some(&json!(7)), &spec),
            Level::Restricted,
            PolicyVersion::Latest,
        );
        assert!(e.allowed);
    }
}

fn arb_json() -> impl Strategy<Value = Value> {
    let keys = prop::sample::select(vec![
        "containers",
        "initContainers",
        "ephemeralContainers",
        "securityContext",
        "name",
        "privileged",
        "capabilities",
        "add",
        "drop",
        "hostNetwork",
        "hostPID",
        "hostIPC",
        "hostUsers",
        "os",
        "volumes",
        "hostPath",
        "emptyDir",
        "nfs",
        "ports",
        "hostPort",
        "containerPort",
        "seccompProfile",
        "appArmorProfile",
        "type",
        "seLinuxOptions",
        "user",
        "role",
        "procMount",
        "sysctls",
        "windowsOptions",
        "hostProcess",
        "runAsNonRoot",
        "runAsUser",
        "allowPrivilegeEscalation",
        "livenessProbe",
        "httpGet",
        "tcpSocket",
        "host",
        "lifecycle",
        "postStart",
        "annotations",
    ]);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        prop::sample::select(vec![
            "",
            "ALL",
            "Unmasked",
            "RuntimeDefault",
            "windows",
            "x\"y",
            "Default",
            "spc_t"
        ])
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(6, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((keys.clone(), inner), 0..6).prop_map(|entries| {
                Value::Object(
                    entries
                        .into_iter()
                        .map(|(k, v)| (k.to_owned(), v))
                        .collect(),
                )
            }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    #[test]
    fn random_json_never_panics(spec in arb_json(), metadata in arb_json(), minor in 0u32..40) {
        let mut spec = spec;
        apply_api_defaults(&mut spec);
        apply_pod_host_network_port_defaults(&mut spec);
        for level in Level::ALL {
            for version in [PolicyVersion::Minor(minor), PolicyVersion::Latest] {
                let e = evaluate(PodRef::new(Some(&metadata), &spec), level, version);
                prop_assert_eq!(e.allowed, e.violations.is_empty());
                let _ = (e.aggregate_reasons(), e.aggregate_detail(), e.forbidden_message());
                for v in &e.violations {
                    prop_assert!(!v.offenders.is_empty());
                    for o in &v.offenders {
                        prop_assert!(o.pointer.starts_with("/spec/") || o.pointer.starts_with("/metadata/annotations/"));
                    }
                }
            }
        }
    }
}
