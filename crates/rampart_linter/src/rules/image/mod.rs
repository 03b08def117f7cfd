//! Container image rules: tags, digests, registries.

mod latest_tag;
pub mod reference;
mod registry_not_allowed;
mod without_digest;
mod without_tag;

use serde_json::Value;

use crate::rule::{ContainerRef, ObjectContext, ObjectRule};

pub use latest_tag::ImageLatestTag;
pub use reference::{ImageReference, ReferenceError};
pub use registry_not_allowed::ImageRegistryNotAllowed;
pub use without_digest::ImageWithoutDigest;
pub use without_tag::ImageWithoutTag;

/// The rules of this family, in code order.
pub static RULES: &[&dyn ObjectRule] = &[
    &ImageLatestTag,
    &ImageWithoutTag,
    &ImageWithoutDigest,
    &ImageRegistryNotAllowed,
];

/// The image of one container, parsed.
pub(crate) struct ContainerImage<'a> {
    pub container: ContainerRef<'a>,
    /// The image as written.
    pub image: &'a str,
    pub reference: ImageReference<'a>,
    /// Pointer to the container's `image` field.
    pub pointer: String,
}

/// The images of every container (init, regular, ephemeral) of the object's
/// pod. Images that are missing, not strings, empty or not valid references
/// are skipped: the schema check reports those, and the runtime cannot pull
/// them (`InvalidImageName`).
pub(crate) fn container_images<'a>(cx: &ObjectContext<'a>) -> Vec<ContainerImage<'a>> {
    let Some(pod) = &cx.pod else {
        return Vec::new();
    };
    pod.containers
        .iter()
        .filter_map(|container| {
            let image = container.value.get("image").and_then(Value::as_str)?;
            let reference = ImageReference::parse(image).ok()?;
            Some(ContainerImage {
                container: *container,
                image,
                reference,
                pointer: pod.container_pointer(container, "/image"),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use rampart_source::SourceFile;

    use crate::checker::{CheckOptions, check_file};
    use crate::rule::RuleSettings;

    /// Images of the wrong type are left to the schema check, without panics.
    #[test]
    fn wrong_types_are_skipped() {
        let yaml = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: a, image: 5}\n  - {name: b, image: [x]}\n  - {name: c, image: {x: 1}}\n  - {name: d, image: null}\n  - {name: e, image: true}\n  - 7\n";
        let options = CheckOptions {
            settings: RuleSettings {
                allowed_registries: vec!["registry.example.com/".into()],
            },
            ..CheckOptions::default()
        };
        let report = check_file(&SourceFile::new("t.yaml", yaml), &options);
        assert!(
            !report.findings.iter().any(|f| f.rule.starts_with("IM")),
            "{:?}",
            report.findings
        );
    }
}
