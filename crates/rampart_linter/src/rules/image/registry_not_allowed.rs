use rampart_macros::RuleMetadata;

use super::container_images;
use crate::registry::{RuleMeta, RuleMetadata};
use crate::rule::{ObjectContext, ObjectRule, Violation};

/// ## What it does
/// Reports containers whose image does not come from one of the allowed
/// registries, set with `--allowed-registry PREFIX` (repeatable) or
/// `allowed_registries` in the config file. With no allowed registry
/// configured (the default) the rule never fires.
///
/// The image is compared in its fully qualified form, as the runtime
/// resolves it: `nginx` is `docker.io/library/nginx`, `bitnami/redis` is
/// `docker.io/bitnami/redis`, `index.docker.io/x/y` is `docker.io/x/y`. A
/// prefix matches the start of that name, ignoring ASCII case, and must end
/// on a boundary: a prefix without `/` names a whole registry host
/// (`registry.example.com` allows `registry.example.com/app` but not
/// `registry.example.com.evil.io/app` nor `registry.example.com:5000/app`),
/// and a prefix that does not end with `/`, `:`, `@`, `-`, `_` or `.` names
/// whole path components (`docker.io/library` does not allow
/// `docker.io/library-mirror/app`, `docker.io/library-` does).
/// Init and ephemeral containers are checked too.
///
/// ## Why is this bad?
/// Images from public or unknown registries bypass your build pipeline,
/// vulnerability scanning and signing: a typo-squatted or hijacked public
/// repository runs with the pod's service account, network access and
/// secrets. Restricting pulls to a registry you control (a mirror or
/// pull-through cache with scanning) is the usual supply-chain control.
/// On CRI-O, short names such as `nginx` may be resolved through
/// `unqualified-search-registries` to another registry than `docker.io`:
/// write fully qualified image names there.
///
/// ## Example
/// ```yaml
/// apiVersion: v1
/// kind: Pod
/// metadata:
///   name: web
/// spec:
///   containers:
///   - name: web
///     image: nginx:1.27.3
/// ```
///
/// ## Use instead
/// ```yaml
/// apiVersion: v1
/// kind: Pod
/// metadata:
///   name: web
/// spec:
///   containers:
///   - name: web
///     image: registry.example.com/mirror/nginx:1.27.3
/// ```
///
/// (Both examples assume `--allowed-registry registry.example.com/`.)
///
/// ## Fix
/// Pull the image from an allowed registry (mirror it there), or add its registry to `allowed_registries` if it is trusted.
/// Enforce the same list at admission (Kyverno, Gatekeeper, or the
/// ImagePolicyWebhook) so that it holds for what is deployed.
///
/// ## References
/// - CIS Kubernetes Benchmark v1.10, 5.5.1: configure image provenance using the ImagePolicyWebhook admission controller
/// - MITRE ATT&CK: [T1195.002 Compromise Software Supply Chain](https://attack.mitre.org/techniques/T1195/002/),
///   [T1525 Implant Internal Image](https://attack.mitre.org/techniques/T1525/)
/// - Kubernetes: [Images](https://kubernetes.io/docs/concepts/containers/images/),
///   [ImagePolicyWebhook](https://kubernetes.io/docs/reference/access-authn-authz/admission-controllers/#imagepolicywebhook)
#[derive(RuleMetadata)]
#[rule(
    code = "IM004",
    name = "image-registry-not-allowed",
    severity = "high",
    cis = "5.5.1",
    mitre = "T1195.002, T1525",
    nsa = "secure-images"
)]
pub struct ImageRegistryNotAllowed;

/// Whether `name` (a fully qualified reference) starts with `prefix`, ending
/// on a boundary: a prefix without `/` is a registry host and must be
/// followed by `/`; a prefix that does not end with a separator must end a
/// path component (`docker.io/library` does not allow `docker.io/libraryx/…`).
fn allowed_by(name: &str, prefix: &str) -> bool {
    let prefix = prefix.trim();
    if prefix.is_empty() {
        return false;
    }
    let starts = name
        .get(..prefix.len())
        .is_some_and(|start| start.eq_ignore_ascii_case(prefix));
    if !starts {
        return false;
    }
    let next = name.as_bytes().get(prefix.len()).copied();
    if !prefix.contains('/') {
        next == Some(b'/')
    } else if prefix.ends_with(['/', ':', '@', '-', '_', '.']) {
        true
    } else {
        matches!(next, None | Some(b'/' | b':' | b'@'))
    }
}

impl ObjectRule for ImageRegistryNotAllowed {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &ObjectContext<'_>, out: &mut Vec<Violation>) {
        let allowed = &cx.settings.allowed_registries;
        if allowed.iter().all(|p| p.trim().is_empty()) {
            return;
        }
        for image in container_images(cx) {
            let normalized = image.reference.normalized();
            if allowed.iter().any(|prefix| allowed_by(&normalized, prefix)) {
                continue;
            }
            out.push(
                Violation::new(
                    image.pointer,
                    format!(
                        "{} uses image \"{}\" from registry {} ({normalized}), which is not an allowed registry ({})",
                        image.container.label(),
                        image.image,
                        image.reference.registry(),
                        allowed.join(", ")
                    ),
                )
                .in_container(&image.container),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::allowed_by;

    #[test]
    fn prefixes() {
        assert!(allowed_by(
            "registry.example.com/app:1",
            "registry.example.com/"
        ));
        assert!(allowed_by(
            "registry.example.com/app:1",
            "registry.example.com"
        ));
        assert!(allowed_by(
            "Registry.Example.com/app:1",
            "registry.example.com/"
        ));
        assert!(!allowed_by(
            "registry.example.com.evil.io/app",
            "registry.example.com"
        ));
        assert!(allowed_by(
            "docker.io/library/nginx:1",
            "docker.io/library/"
        ));
        assert!(!allowed_by("docker.io/bitnami/redis", "docker.io/library/"));
        assert!(allowed_by("localhost:5000/a/b", "localhost:5000"));
        assert!(!allowed_by("localhost:50001/a/b", "localhost:5000"));
        assert!(!allowed_by("docker.io/library/nginx", ""));
        assert!(allowed_by("docker.io/library/nginx", "docker.io/library"));
        assert!(!allowed_by("docker.io/libraryx/nginx", "docker.io/library"));
        assert!(allowed_by(
            "docker.io/library-x/nginx",
            "docker.io/library-"
        ));
        assert!(allowed_by("ghcr.io/org/app:1", "ghcr.io/org/app"));
        assert!(allowed_by("ghcr.io/org/app", "ghcr.io/org/app"));
        assert!(!allowed_by("ghcr.io/org/app2", "ghcr.io/org/app"));
        assert!(!allowed_by(
            "registry.example.com:5000/a",
            "registry.example.com"
        ));
        assert!(!allowed_by("é", "ab"));
    }
}
