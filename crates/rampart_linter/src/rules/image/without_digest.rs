use rampart_macros::RuleMetadata;

use super::container_images;
use crate::registry::{RuleMeta, RuleMetadata};
use crate::rule::{ObjectContext, ObjectRule, Violation};

/// ## What it does
/// Reports containers whose image is not pinned by a digest
/// (`name:tag@sha256:…` or `name@sha256:…`). Init and ephemeral containers
/// are checked too. This is an informational, low-severity rule: it also
/// fires with [`image-latest-tag`](IM001.md) and
/// [`image-without-tag`](IM002.md), and on images with a version tag.
///
/// ## Why is this bad?
/// A tag is a movable pointer: the registry lets anyone with push rights
/// point `app:1.4.2` at other content, and nodes pulling at different times
/// (scale-up, node replacement, `imagePullPolicy: Always`) then run
/// different code under one manifest. A digest names the content itself:
/// the runtime verifies it, and a compromised registry or repository cannot
/// swap the image. Where images are built and signed in your own pipeline
/// and an admission policy (Sigstore policy-controller, Kyverno
/// `verifyImages`, Connaisseur) resolves or checks tags, this rule can be
/// switched off.
///
/// ## Example
/// ```yaml
/// apiVersion: batch/v1
/// kind: CronJob
/// metadata:
///   name: backup
/// spec:
///   schedule: "0 3 * * *"
///   jobTemplate:
///     spec:
///       template:
///         spec:
///           restartPolicy: OnFailure
///           containers:
///           - name: backup
///             image: ghcr.io/example/backup:2.1.0
/// ```
///
/// ## Use instead
/// ```yaml
/// apiVersion: batch/v1
/// kind: CronJob
/// metadata:
///   name: backup
/// spec:
///   schedule: "0 3 * * *"
///   jobTemplate:
///     spec:
///       template:
///         spec:
///           restartPolicy: OnFailure
///           containers:
///           - name: backup
///             image: ghcr.io/example/backup:2.1.0@sha256:4b7ce07a18f1b9b5b1a5a3c4f0b8d1e2c3a4b5c6d7e8f9011223344556677889
/// ```
///
/// ## Fix
/// Pin the image by digest, keeping the tag for readers: `name:1.2.3@sha256:…` (`crane digest name:1.2.3` or `docker buildx imagetools inspect` prints it).
/// Renovate and Dependabot update pinned digests automatically.
///
/// ## References
/// - CIS Kubernetes Benchmark v1.10: no control covers digests (the
///   benchmark leaves image provenance to 5.5.1, image policy webhooks)
/// - MITRE ATT&CK: [T1525 Implant Internal Image](https://attack.mitre.org/techniques/T1525/),
///   [T1195.002 Compromise Software Supply Chain](https://attack.mitre.org/techniques/T1195/002/)
/// - Kubernetes: [Images: image names](https://kubernetes.io/docs/concepts/containers/images/#image-names)
/// - [OCI image digests](https://github.com/opencontainers/image-spec/blob/main/descriptor.md#digests)
#[derive(RuleMetadata)]
#[rule(
    code = "IM003",
    name = "image-without-digest",
    severity = "low",
    mitre = "T1525, T1195.002",
    opt_in = "true",
    nsa = "secure-images"
)]
pub struct ImageWithoutDigest;

impl ObjectRule for ImageWithoutDigest {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &ObjectContext<'_>, out: &mut Vec<Violation>) {
        for image in container_images(cx) {
            if let Some(tag) = image.reference.effective_tag() {
                out.push(
                    Violation::new(
                        image.pointer,
                        format!(
                            "{} uses image \"{}\" without a digest: tag `{tag}` can be moved to other content",
                            image.container.label(),
                            image.image,
                        ),
                    )
                    .in_container(&image.container),
                );
            }
        }
    }
}
