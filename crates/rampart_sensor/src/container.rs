//! Container attribution from cgroups.
//!
//! A container runtime puts each container in a cgroup of its own, named
//! after the container id: `cri-containerd-<id>.scope`, `crio-<id>.scope`,
//! `docker-<id>.scope`, `libpod-<id>.scope` with the systemd cgroup driver,
//! `<id>` or `crio-<id>` with the cgroupfs one. The kubelet puts the
//! containers of a pod under a `pod<uid>` cgroup (`kubepods-…-pod<uid>.slice`
//! with systemd, whose names spell the UID's dashes as `_`).
//!
//! The functions here read those names; they never fail loudly: what is not
//! recognised is not a container (`None`).

use serde::Serialize;

/// The container runtime (or manager) that named a container's cgroup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Runtime {
    Containerd,
    CriO,
    Docker,
    Podman,
    /// A bare id under a pod cgroup (cgroupfs driver): the name does not say
    /// which runtime made it.
    Unknown,
}

impl Runtime {
    /// The name serialised for this runtime.
    pub fn as_str(self) -> &'static str {
        match self {
            Runtime::Containerd => "containerd",
            Runtime::CriO => "cri-o",
            Runtime::Docker => "docker",
            Runtime::Podman => "podman",
            Runtime::Unknown => "unknown",
        }
    }
}

/// A container, as named by its cgroup.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ContainerRef {
    /// The full container id (64 lowercase hex digits).
    pub id: String,
    pub runtime: Runtime,
    /// The pod's UID in its canonical dashed form, when an enclosing
    /// `pod<uid>` cgroup names it. For a static pod this is the kubelet's
    /// config hash (32 hex digits), not the mirror pod's UID.
    #[serde(rename = "podUID", skip_serializing_if = "Option::is_none")]
    pub pod_uid: Option<String>,
}

/// The container of a cgroup, from its leaf and parent names (kernfs names,
/// no slashes). The parent may be empty when unknown (the root).
pub fn from_cgroup_names(leaf: &str, parent: &str) -> Option<ContainerRef> {
    attribute([leaf, parent].into_iter().filter(|name| !name.is_empty()))
}

/// The container of a cgroup path such as
/// `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid>.slice/cri-containerd-<id>.scope`.
///
/// With nested containers (kind, docker-in-docker) the innermost one wins.
/// A cgroup below a container's (`libpod-<id>.scope/container`) belongs to
/// that container.
pub fn from_cgroup_path(path: &str) -> Option<ContainerRef> {
    let path = path.trim_end();
    let path = path.strip_suffix(" (deleted)").unwrap_or(path);
    attribute(path.rsplit('/').filter(|name| !name.is_empty()))
}

/// The container of a process, from the text of `/proc/<pid>/cgroup`: one
/// line per hierarchy, `N:controllers:/path` (v1) or `0::/path` (v2), both on
/// hybrid hosts.
///
/// The v2 line and the `memory` and `pids` lines are preferred; otherwise the
/// first line that names a container. Malformed lines are skipped.
pub fn from_proc_cgroup(text: &str) -> Option<ContainerRef> {
    let mut fallback = None;
    for line in text.lines() {
        let mut fields = line.splitn(3, ':');
        let (Some(hierarchy), Some(controllers), Some(path)) =
            (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        let preferred = (hierarchy == "0" && controllers.is_empty())
            || controllers
                .split(',')
                .any(|controller| controller == "memory" || controller == "pids");
        if !preferred && fallback.is_some() {
            continue;
        }
        if let Some(container) = from_cgroup_path(path) {
            if preferred {
                return Some(container);
            }
            fallback = Some(container);
        }
    }
    fallback
}

/// Cgroup names from the leaf upwards: the first container found wins; its
/// pod is the nearest `pod<uid>` above it, unless another container is in
/// between (a pod of an outer cluster is not the inner container's).
fn attribute<'a, I>(mut upward: I) -> Option<ContainerRef>
where
    I: Iterator<Item = &'a str> + Clone,
{
    loop {
        let name = upward.next()?;
        let Some(found) = container_in(name, upward.clone().next()) else {
            continue;
        };
        let pod_uid = found
            .pod_uid
            .or_else(|| pod_uid_above(upward))
            .map(canonical_pod_uid);
        return Some(ContainerRef {
            id: found.id.to_owned(),
            runtime: found.runtime,
            pod_uid,
        });
    }
}

/// The nearest `pod<uid>` among the names above a container (upwards), if no
/// other container comes first.
fn pod_uid_above<'a, I>(mut upward: I) -> Option<&'a str>
where
    I: Iterator<Item = &'a str> + Clone,
{
    while let Some(name) = upward.next() {
        if container_in(name, upward.clone().next()).is_some() {
            return None;
        }
        if let Some(uid) = pod_uid_in(name) {
            return Some(uid);
        }
    }
    None
}

/// A container named by one cgroup name.
struct Found<'a> {
    id: &'a str,
    runtime: Runtime,
    /// The pod UID (raw, maybe with `_`) when the same name carries it.
    pod_uid: Option<&'a str>,
}

/// systemd scope prefixes: `<prefix><id>.scope`. The conmon scopes
/// (`crio-conmon-<id>`, `libpod-conmon-<id>`) fail the id check.
const SCOPE_PREFIXES: [(&str, Runtime); 5] = [
    ("cri-containerd-", Runtime::Containerd),
    ("crio-", Runtime::CriO),
    ("docker-", Runtime::Docker),
    ("libpod-", Runtime::Podman),
    ("nerdctl-", Runtime::Containerd),
];

/// runc's systemd cgroups path form `<slice>:<prefix>:<id>`, met as a single
/// cgroup name on cgroup v1.
const COLON_PREFIXES: [(&str, Runtime); 5] = [
    ("cri-containerd", Runtime::Containerd),
    ("crio", Runtime::CriO),
    ("docker", Runtime::Docker),
    ("libpod", Runtime::Podman),
    ("nerdctl", Runtime::Containerd),
];

/// The container a cgroup name stands for, given its parent's name.
fn container_in<'a>(name: &'a str, parent: Option<&str>) -> Option<Found<'a>> {
    if let Some(unit) = name.strip_suffix(".scope") {
        return SCOPE_PREFIXES.iter().find_map(|&(prefix, runtime)| {
            let id = unit.strip_prefix(prefix)?;
            is_container_id(id).then_some(Found {
                id,
                runtime,
                pod_uid: None,
            })
        });
    }
    if name.contains(':') {
        let mut parts = name.rsplitn(3, ':');
        let (Some(id), Some(prefix), Some(slice)) = (parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        let runtime = COLON_PREFIXES
            .iter()
            .find_map(|&(known, runtime)| (known == prefix).then_some(runtime))?;
        return is_container_id(id).then(|| Found {
            id,
            runtime,
            pod_uid: pod_uid_in(slice),
        });
    }
    if let Some(id) = name.strip_prefix("crio-") {
        return is_container_id(id).then_some(Found {
            id,
            runtime: Runtime::CriO,
            pod_uid: None,
        });
    }
    if !is_container_id(name) {
        return None;
    }
    let runtime = match parent {
        Some("docker") => Runtime::Docker,
        Some(parent) if pod_uid_in(parent).is_some() => Runtime::Unknown,
        _ => return None,
    };
    Some(Found {
        id: name,
        runtime,
        pod_uid: None,
    })
}

/// A full container id: exactly 64 lowercase hex digits.
fn is_container_id(id: &str) -> bool {
    id.len() == 64
        && id
            .bytes()
            .all(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f'))
}

/// The raw pod UID of a pod cgroup name: `pod<uid>` (cgroupfs) or
/// `…-pod<uid>.slice` (systemd, with `_` for `-`).
fn pod_uid_in(name: &str) -> Option<&str> {
    let name = name.strip_suffix(".slice").unwrap_or(name);
    let uid = match name.strip_prefix("pod") {
        Some(uid) if is_pod_uid(uid) => uid,
        _ => {
            let start = name.rfind("-pod")? + "-pod".len();
            name.get(start..)?
        }
    };
    is_pod_uid(uid).then_some(uid)
}

/// A pod UID: a UUID (with `-` or systemd's `_`) or, for static pods, the
/// kubelet's 32-hex-digit config hash.
fn is_pod_uid(uid: &str) -> bool {
    let hex = |byte: u8| matches!(byte, b'0'..=b'9' | b'a'..=b'f');
    match uid.len() {
        32 => uid.bytes().all(hex),
        36 => uid.bytes().enumerate().all(|(index, byte)| match index {
            8 | 13 | 18 | 23 => byte == b'-' || byte == b'_',
            _ => hex(byte),
        }),
        _ => false,
    }
}

/// The dashed form of a raw pod UID.
fn canonical_pod_uid(uid: &str) -> String {
    uid.replace('_', "-")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const ID: &str = "2f3b1c9d8e7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c";
    const INNER: &str = "aaaabbbbccccddddeeeeffff0000111122223333444455556666777788889999";
    const UID: &str = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d";
    const UID_SYSTEMD: &str = "1a2b3c4d_5e6f_4a7b_8c9d_0e1f2a3b4c5d";
    const STATIC_UID: &str = "6b2ecd4c1e3f4d9c8a7f7e6d5c4b3a29";

    fn container(id: &str, runtime: Runtime, pod_uid: Option<&str>) -> Option<ContainerRef> {
        Some(ContainerRef {
            id: id.to_owned(),
            runtime,
            pod_uid: pod_uid.map(str::to_owned),
        })
    }

    #[test]
    fn test_ids_are_valid() {
        assert!(is_container_id(ID));
        assert!(is_container_id(INNER));
    }

    #[test]
    fn systemd_containerd_scope() {
        let leaf = format!("cri-containerd-{ID}.scope");
        let parent = format!("kubepods-burstable-pod{UID_SYSTEMD}.slice");
        assert_eq!(
            from_cgroup_names(&leaf, &parent),
            container(ID, Runtime::Containerd, Some(UID))
        );
        let path = format!("/kubepods.slice/kubepods-burstable.slice/{parent}/{leaf}");
        assert_eq!(
            from_cgroup_path(&path),
            container(ID, Runtime::Containerd, Some(UID))
        );
    }

    #[test]
    fn systemd_guaranteed_pod_slice() {
        let path =
            format!("/kubepods.slice/kubepods-pod{UID_SYSTEMD}.slice/cri-containerd-{ID}.scope");
        assert_eq!(
            from_cgroup_path(&path),
            container(ID, Runtime::Containerd, Some(UID))
        );
    }

    #[test]
    fn systemd_crio_scope() {
        let path = format!(
            "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod{UID_SYSTEMD}.slice/crio-{ID}.scope"
        );
        assert_eq!(
            from_cgroup_path(&path),
            container(ID, Runtime::CriO, Some(UID))
        );
    }

    #[test]
    fn crio_conmon_is_not_a_container() {
        let parent = format!("kubepods-besteffort-pod{UID_SYSTEMD}.slice");
        assert_eq!(
            from_cgroup_names(&format!("crio-conmon-{ID}.scope"), &parent),
            None
        );
        assert_eq!(
            from_cgroup_names(&format!("crio-conmon-{ID}"), &format!("pod{UID}")),
            None
        );
        assert_eq!(
            from_cgroup_path(&format!("/machine.slice/libpod-conmon-{ID}.scope")),
            None
        );
    }

    #[test]
    fn systemd_docker_scope() {
        assert_eq!(
            from_cgroup_path(&format!("/system.slice/docker-{ID}.scope")),
            container(ID, Runtime::Docker, None)
        );
        assert_eq!(
            from_cgroup_names(&format!("docker-{ID}.scope"), "system.slice"),
            container(ID, Runtime::Docker, None)
        );
    }

    #[test]
    fn podman_scope_and_its_container_subgroup() {
        let path =
            format!("/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-{ID}.scope");
        assert_eq!(
            from_cgroup_path(&path),
            container(ID, Runtime::Podman, None)
        );
        // crun's `container` subgroup under the scope.
        assert_eq!(
            from_cgroup_path(&format!("/machine.slice/libpod-{ID}.scope/container")),
            container(ID, Runtime::Podman, None)
        );
        assert_eq!(
            from_cgroup_names("container", &format!("libpod-{ID}.scope")),
            container(ID, Runtime::Podman, None)
        );
    }

    #[test]
    fn nerdctl_scope() {
        assert_eq!(
            from_cgroup_names(&format!("nerdctl-{ID}.scope"), "system.slice"),
            container(ID, Runtime::Containerd, None)
        );
    }

    #[test]
    fn cgroupfs_bare_id_under_pod() {
        let path = format!("/kubepods/besteffort/pod{UID}/{ID}");
        assert_eq!(
            from_cgroup_path(&path),
            container(ID, Runtime::Unknown, Some(UID))
        );
        assert_eq!(
            from_cgroup_names(ID, &format!("pod{UID}")),
            container(ID, Runtime::Unknown, Some(UID))
        );
        // Guaranteed pods sit right under kubepods.
        assert_eq!(
            from_cgroup_path(&format!("/kubepods/pod{UID}/{ID}")),
            container(ID, Runtime::Unknown, Some(UID))
        );
        // containerd without SystemdCgroup.
        assert_eq!(
            from_cgroup_path(&format!("/kubepods/burstable/pod{UID}/{ID}")),
            container(ID, Runtime::Unknown, Some(UID))
        );
    }

    #[test]
    fn cgroupfs_docker() {
        assert_eq!(
            from_cgroup_path(&format!("/docker/{ID}")),
            container(ID, Runtime::Docker, None)
        );
        assert_eq!(
            from_cgroup_names(ID, "docker"),
            container(ID, Runtime::Docker, None)
        );
    }

    #[test]
    fn cgroupfs_crio() {
        let path = format!("/kubepods/burstable/pod{UID}/crio-{ID}");
        assert_eq!(
            from_cgroup_path(&path),
            container(ID, Runtime::CriO, Some(UID))
        );
    }

    #[test]
    fn bare_id_needs_a_pod_or_docker_parent() {
        assert_eq!(from_cgroup_names(ID, ""), None);
        assert_eq!(from_cgroup_names(ID, "system.slice"), None);
        assert_eq!(from_cgroup_path(&format!("/{ID}")), None);
        assert_eq!(from_cgroup_path(&format!("/lxc/{ID}")), None);
    }

    #[test]
    fn colon_form_on_cgroup_v1() {
        let path = format!(
            "/system.slice/containerd.service/kubepods-burstable-pod{UID_SYSTEMD}.slice:cri-containerd:{ID}"
        );
        assert_eq!(
            from_cgroup_path(&path),
            container(ID, Runtime::Containerd, Some(UID))
        );
        let leaf = format!("kubepods-burstable-pod{UID_SYSTEMD}.slice:cri-containerd:{ID}");
        assert_eq!(
            from_cgroup_names(&leaf, "containerd.service"),
            container(ID, Runtime::Containerd, Some(UID))
        );
        let crio = format!("kubepods-pod{UID_SYSTEMD}.slice:crio:{ID}");
        assert_eq!(
            from_cgroup_names(&crio, "kubepods.slice"),
            container(ID, Runtime::CriO, Some(UID))
        );
        assert_eq!(
            from_cgroup_names(&format!("system.slice:docker:{ID}"), ""),
            container(ID, Runtime::Docker, None)
        );
    }

    #[test]
    fn colon_form_negatives() {
        assert_eq!(from_cgroup_names(&format!("x.slice:runc:{ID}"), ""), None);
        assert_eq!(from_cgroup_names("x.slice:cri-containerd:abc", ""), None);
        assert_eq!(from_cgroup_names(&format!("cri-containerd:{ID}"), ""), None);
        assert_eq!(from_cgroup_names(":::", ""), None);
    }

    #[test]
    fn nested_innermost_container_wins() {
        let kind = format!(
            "/docker/{ID}/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod{UID_SYSTEMD}.slice/cri-containerd-{INNER}.scope"
        );
        assert_eq!(
            from_cgroup_path(&kind),
            container(INNER, Runtime::Containerd, Some(UID))
        );
        // The kind node's own processes belong to the outer container.
        assert_eq!(
            from_cgroup_path(&format!("/docker/{ID}/kubelet.slice/kubelet.service")),
            container(ID, Runtime::Docker, None)
        );
        // Docker in a pod: the pod is the outer container's, not the inner's.
        let dind = format!("/kubepods/burstable/pod{UID}/{ID}/docker/{}", INNER);
        assert_eq!(
            from_cgroup_path(&dind),
            container(INNER, Runtime::Docker, None)
        );
    }

    #[test]
    fn static_pod_uid_is_the_config_hash() {
        let path = format!(
            "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{STATIC_UID}.slice/cri-containerd-{ID}.scope"
        );
        assert_eq!(
            from_cgroup_path(&path),
            container(ID, Runtime::Containerd, Some(STATIC_UID))
        );
    }

    #[test]
    fn not_containers() {
        for path in [
            "",
            "/",
            "/init.scope",
            "/user.slice/user-1000.slice/session-3.scope",
            "/user.slice",
            "/system.slice",
            "/system.slice/containerd.service",
            "/kubepods.slice",
            "/kubepods.slice/kubepods-besteffort.slice",
            "/kubepods/besteffort",
        ] {
            assert_eq!(from_cgroup_path(path), None, "{path}");
        }
        // A pod cgroup alone is not a container (the pause process may sit there).
        let pod = format!(
            "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod{UID_SYSTEMD}.slice"
        );
        assert_eq!(from_cgroup_path(&pod), None);
        assert_eq!(
            from_cgroup_path(&format!("/kubepods/besteffort/pod{UID}")),
            None
        );
        assert_eq!(
            from_cgroup_names(
                &format!("kubepods-besteffort-pod{UID_SYSTEMD}.slice"),
                "kubepods-besteffort.slice"
            ),
            None
        );
        assert_eq!(from_cgroup_names("init.scope", ""), None);
        assert_eq!(
            from_cgroup_names("session-3.scope", "user-1000.slice"),
            None
        );
        assert_eq!(from_cgroup_names("", ""), None);
    }

    #[test]
    fn ids_must_be_64_lowercase_hex() {
        let short = &ID[..12];
        let upper = ID.to_uppercase();
        let long = format!("{ID}0");
        let not_hex = format!("{}g", &ID[..63]);
        for id in [short, upper.as_str(), long.as_str(), not_hex.as_str()] {
            assert_eq!(
                from_cgroup_names(&format!("docker-{id}.scope"), ""),
                None,
                "{id}"
            );
            assert_eq!(
                from_cgroup_names(&format!("cri-containerd-{id}.scope"), ""),
                None
            );
            assert_eq!(from_cgroup_names(id, &format!("pod{UID}")), None, "{id}");
            assert_eq!(from_cgroup_names(id, "docker"), None, "{id}");
            assert_eq!(from_cgroup_names(&format!("crio-{id}"), ""), None, "{id}");
        }
    }

    #[test]
    fn pod_uids() {
        assert_eq!(pod_uid_in(&format!("pod{UID}")), Some(UID));
        assert_eq!(pod_uid_in(&format!("pod{UID_SYSTEMD}")), Some(UID_SYSTEMD));
        assert_eq!(
            pod_uid_in(&format!("kubepods-besteffort-pod{UID_SYSTEMD}.slice")),
            Some(UID_SYSTEMD)
        );
        assert_eq!(
            pod_uid_in(&format!("kubepods-pod{UID_SYSTEMD}.slice")),
            Some(UID_SYSTEMD)
        );
        assert_eq!(pod_uid_in(&format!("pod{STATIC_UID}")), Some(STATIC_UID));
        assert_eq!(pod_uid_in("kubepods.slice"), None);
        assert_eq!(pod_uid_in("pods"), None);
        assert_eq!(pod_uid_in("pod"), None);
        assert_eq!(pod_uid_in("podman"), None);
        assert_eq!(pod_uid_in(&format!("pod{}", &UID[..35])), None);
        assert_eq!(pod_uid_in(&format!("pod{}", UID.replace('-', "x"))), None);
        // Multi-byte text never panics on slicing.
        assert_eq!(pod_uid_in("é-podé"), None);
        assert_eq!(canonical_pod_uid(UID_SYSTEMD), UID);
    }

    #[test]
    fn proc_cgroup_v2() {
        let text = format!(
            "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{UID_SYSTEMD}.slice/cri-containerd-{ID}.scope\n"
        );
        assert_eq!(
            from_proc_cgroup(&text),
            container(ID, Runtime::Containerd, Some(UID))
        );
        assert_eq!(from_proc_cgroup("0::/init.scope\n"), None);
        assert_eq!(from_proc_cgroup("0::/\n"), None);
    }

    #[test]
    fn proc_cgroup_v1() {
        let text = format!(
            "12:hugetlb:/kubepods/besteffort/pod{UID}/{ID}\n\
             11:memory:/kubepods/besteffort/pod{UID}/{ID}\n\
             10:cpu,cpuacct:/kubepods/besteffort/pod{UID}/{ID}\n\
             1:name=systemd:/kubepods/besteffort/pod{UID}/{ID}\n"
        );
        assert_eq!(
            from_proc_cgroup(&text),
            container(ID, Runtime::Unknown, Some(UID))
        );
    }

    #[test]
    fn proc_cgroup_prefers_v2_and_memory_and_pids() {
        // A stale v1 controller names another container: memory wins.
        let text = format!(
            "5:cpuset:/docker/{ID}\n\
             4:memory:/kubepods/burstable/pod{UID}/crio-{}\n\
             0::/\n",
            INNER
        );
        assert_eq!(
            from_proc_cgroup(&text),
            container(INNER, Runtime::CriO, Some(UID))
        );
        let text = format!(
            "3:cpu:/docker/{ID}\n2:pids:/system.slice/docker-{}.scope\n",
            INNER
        );
        assert_eq!(
            from_proc_cgroup(&text),
            container(INNER, Runtime::Docker, None)
        );
        // Without a preferred line that names one, the first that does.
        let text = format!("3:cpu:/docker/{ID}\n2:blkio:/docker/{}\n0::/\n", INNER);
        assert_eq!(
            from_proc_cgroup(&text),
            container(ID, Runtime::Docker, None)
        );
    }

    #[test]
    fn proc_cgroup_hybrid() {
        let text = format!(
            "12:memory:/system.slice/containerd.service/kubepods-burstable-pod{UID_SYSTEMD}.slice:cri-containerd:{ID}\n\
             11:pids:/system.slice/containerd.service/kubepods-burstable-pod{UID_SYSTEMD}.slice:cri-containerd:{ID}\n\
             1:name=systemd:/system.slice/containerd.service/kubepods-burstable-pod{UID_SYSTEMD}.slice:cri-containerd:{ID}\n\
             0::/system.slice/containerd.service\n"
        );
        assert_eq!(
            from_proc_cgroup(&text),
            container(ID, Runtime::Containerd, Some(UID))
        );
        let text = format!(
            "0::/kubepods.slice/kubepods-pod{UID_SYSTEMD}.slice/crio-{ID}.scope\n\
             7:memory:/kubepods.slice/kubepods-pod{UID_SYSTEMD}.slice/crio-{ID}.scope\n"
        );
        assert_eq!(
            from_proc_cgroup(&text),
            container(ID, Runtime::CriO, Some(UID))
        );
    }

    #[test]
    fn proc_cgroup_garbage_and_deleted() {
        let text = format!(
            "garbage\n\n::\n:\n7\n\u{0}:\u{ff}:/\n0::/kubepods.slice/kubepods-pod{UID_SYSTEMD}.slice/cri-containerd-{ID}.scope (deleted)\n\n"
        );
        assert_eq!(
            from_proc_cgroup(&text),
            container(ID, Runtime::Containerd, Some(UID))
        );
        let crlf = format!("0::/docker/{ID}\r\n");
        assert_eq!(
            from_proc_cgroup(&crlf),
            container(ID, Runtime::Docker, None)
        );
        assert_eq!(from_proc_cgroup(""), None);
        assert_eq!(from_proc_cgroup("\n\n"), None);
        assert_eq!(from_proc_cgroup("not a cgroup file at all"), None);
        assert_eq!(from_cgroup_path("//docker//"), None);
        assert_eq!(
            from_cgroup_path(&format!("//docker//{ID}//")),
            container(ID, Runtime::Docker, None)
        );
    }

    #[test]
    fn serialises_with_kebab_case_runtime_and_pod_uid() {
        let found = from_cgroup_path(&format!("/kubepods/pod{UID}/crio-{ID}")).unwrap();
        assert_eq!(
            serde_json::to_value(&found).unwrap(),
            serde_json::json!({"id": ID, "runtime": "cri-o", "podUID": UID})
        );
        let docker = from_cgroup_path(&format!("/docker/{ID}")).unwrap();
        assert_eq!(
            serde_json::to_value(&docker).unwrap(),
            serde_json::json!({"id": ID, "runtime": "docker"})
        );
        for runtime in [
            Runtime::Containerd,
            Runtime::CriO,
            Runtime::Docker,
            Runtime::Podman,
            Runtime::Unknown,
        ] {
            assert_eq!(
                serde_json::to_value(runtime).unwrap(),
                serde_json::json!(runtime.as_str())
            );
        }
    }
}
