//! The built-in knowledge base loads without errors and covers the agents it promises.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use rampart_privileges::KnowledgeBase;

#[test]
fn builtin_profiles_load_cleanly() {
    let (base, errors) = KnowledgeBase::builtin();
    assert!(
        errors.is_empty(),
        "{}",
        errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    );
    for profile in base.profiles() {
        assert!(!profile.features.is_empty(), "{}", profile.name);
        for feature in &profile.features {
            assert!(
                feature.breaks_without.is_some(),
                "{}/{}: say what breaks without it",
                profile.name,
                feature.id
            );
            assert!(
                feature.disable.describe().is_some() || feature.required,
                "{}/{}: say how to turn it off",
                profile.name,
                feature.id
            );
        }
    }
}
