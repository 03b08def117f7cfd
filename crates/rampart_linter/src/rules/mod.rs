//! The rules. Each rule is a unit struct whose doc comment is its
//! documentation (see [`crate::registry`]).

pub mod control_plane;
pub mod image;
pub mod network;
pub mod pod_security;
pub mod rbac;
pub mod secrets;
pub mod workload;

use std::sync::LazyLock;

use crate::registry::RuleMeta;
use crate::rule::ObjectRule;

static OBJECT_RULES: LazyLock<Vec<&'static dyn ObjectRule>> = LazyLock::new(|| {
    [
        workload::RULES,
        image::RULES,
        secrets::RULES,
        rbac::RULES,
        network::RULES,
        control_plane::RULES,
    ]
    .concat()
});

/// Every posture rule (all rules but the Pod Security checks), in family order.
pub fn object_rules() -> &'static [&'static dyn ObjectRule] {
    &OBJECT_RULES
}

/// Every rule's metadata, in registration order.
pub fn all_rules() -> Vec<&'static RuleMeta> {
    let mut rules = pod_security::RULES.to_vec();
    rules.extend(object_rules().iter().map(|rule| rule.meta()));
    rules.extend(
        crate::cluster::cluster_rules()
            .iter()
            .map(|rule| rule.meta()),
    );
    rules
}
