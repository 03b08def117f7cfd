use rampart_macros::RuleMetadata;

use super::container_images;
use crate::registry::{RuleMeta, RuleMetadata};
use crate::rule::{ObjectContext, ObjectRule, Violation};

/// ## What it does
/// Reports containers whose image has neither a tag nor a digest (`nginx`,
/// `registry.example.com/team/app`, `localhost:5000/app`: the `:5000` of a
/// registry is a port, not a tag). Init and ephemeral containers are
/// checked too.
///
/// ## Why is this bad?
/// Without a tag the runtime pulls `latest`: the manifest does not say which
/// version runs, every push to the repository changes it, and the kubelet
/// defaults `imagePullPolicy` to `Always`, so the next pod start runs
/// whatever the repository holds at that moment, including an image
/// planted by whoever can push to it.
///
/// ## Example
/// ```yaml
/// apiVersion: v1
/// kind: Pod
/// metadata:
///   name: cache
/// spec:
///   containers:
///   - name: redis
///     image: redis
/// ```
///
/// ## Use instead
/// ```yaml
/// apiVersion: v1
/// kind: Pod
/// metadata:
///   name: cache
/// spec:
///   containers:
///   - name: redis
///     image: redis:7.4.1
/// ```
///
/// ## Fix
/// Add an explicit version tag to the image, and preferably a digest (`redis:7.4.1@sha256:…`).
///
/// ## References
/// - CIS Kubernetes Benchmark v1.10: no control covers image tags (the
///   benchmark leaves image provenance to 5.5.1, image policy webhooks)
/// - MITRE ATT&CK: [T1525 Implant Internal Image](https://attack.mitre.org/techniques/T1525/),
///   [T1195.002 Compromise Software Supply Chain](https://attack.mitre.org/techniques/T1195/002/)
/// - Kubernetes: [Images: image names](https://kubernetes.io/docs/concepts/containers/images/#image-names),
///   [Configuration best practices: container images](https://kubernetes.io/docs/concepts/configuration/overview/#container-images)
#[derive(RuleMetadata)]
#[rule(
    code = "IM002",
    name = "image-without-tag",
    severity = "medium",
    mitre = "T1525, T1195.002",
    nsa = "secure-images"
)]
pub struct ImageWithoutTag;

impl ObjectRule for ImageWithoutTag {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &ObjectContext<'_>, out: &mut Vec<Violation>) {
        for image in container_images(cx) {
            if image.reference.tag.is_none() && !image.reference.is_pinned() {
                out.push(
                    Violation::new(
                        image.pointer,
                        format!(
                            "{} uses image \"{}\" without a tag or digest: the runtime pulls {}:latest",
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
