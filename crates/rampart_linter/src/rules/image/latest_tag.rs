use rampart_macros::RuleMetadata;

use super::container_images;
use crate::registry::{RuleMeta, RuleMetadata};
use crate::rule::{ObjectContext, ObjectRule, Violation};

/// ## What it does
/// Reports containers whose image is tagged `latest` and not pinned by a
/// digest (`nginx:latest`, `ghcr.io/org/app:latest`). Init and ephemeral
/// containers are checked too. `app:latest@sha256:…` is not reported: the
/// runtime pulls the digest and ignores the tag. Tags are case-sensitive:
/// `Latest` is an ordinary tag.
///
/// ## Why is this bad?
/// `latest` is just the tag a registry moves with every push: two nodes can
/// run two different images under one manifest, a rollback does not roll
/// anything back, and you cannot tell which code is running. With `latest`
/// the kubelet also defaults `imagePullPolicy` to `Always`, so whoever can
/// push to the repository (or compromise it) replaces the code on the next
/// pod start, without any change to the manifest.
///
/// ## Example
/// ```yaml
/// apiVersion: apps/v1
/// kind: Deployment
/// metadata:
///   name: web
/// spec:
///   selector: {matchLabels: {app: web}}
///   template:
///     metadata:
///       labels: {app: web}
///     spec:
///       containers:
///       - name: web
///         image: nginx:latest
/// ```
///
/// ## Use instead
/// ```yaml
/// apiVersion: apps/v1
/// kind: Deployment
/// metadata:
///   name: web
/// spec:
///   selector: {matchLabels: {app: web}}
///   template:
///     metadata:
///       labels: {app: web}
///     spec:
///       containers:
///       - name: web
///         image: nginx:1.27.3@sha256:0a399eb16751829e1af26fea27b20c3ec28d7ab1fb72182879dcae1cca21206a
/// ```
///
/// ## Fix
/// Replace `latest` with a version tag, and pin the image by digest (`name:1.2.3@sha256:…`).
/// Tools such as Renovate or Dependabot keep digests up to date.
///
/// ## References
/// - CIS Kubernetes Benchmark v1.10: no control covers image tags (the
///   benchmark leaves image provenance to 5.5.1, image policy webhooks)
/// - MITRE ATT&CK: [T1525 Implant Internal Image](https://attack.mitre.org/techniques/T1525/),
///   [T1195.002 Compromise Software Supply Chain](https://attack.mitre.org/techniques/T1195/002/)
/// - Kubernetes: [Images](https://kubernetes.io/docs/concepts/containers/images/),
///   [Configuration best practices: container images](https://kubernetes.io/docs/concepts/configuration/overview/#container-images)
#[derive(RuleMetadata)]
#[rule(
    code = "IM001",
    name = "image-latest-tag",
    severity = "medium",
    mitre = "T1525, T1195.002",
    nsa = "secure-images"
)]
pub struct ImageLatestTag;

impl ObjectRule for ImageLatestTag {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &ObjectContext<'_>, out: &mut Vec<Violation>) {
        for image in container_images(cx) {
            if image.reference.tag == Some("latest") && !image.reference.is_pinned() {
                out.push(
                    Violation::new(
                        image.pointer,
                        format!(
                            "{} uses image \"{}\" with tag `latest` and no digest: the image changes whenever someone pushes to {}",
                            image.container.label(),
                            image.image,
                            image.reference.name()
                        ),
                    )
                    .in_container(&image.container),
                );
            }
        }
    }
}
