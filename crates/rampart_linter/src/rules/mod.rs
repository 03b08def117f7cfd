//! The rules. Each rule is a unit struct whose doc comment is its
//! documentation (see [`crate::registry`]).

pub mod pod_security;

use crate::registry::RuleMeta;

/// Every rule's metadata, in registration order.
pub fn all_rules() -> Vec<&'static RuleMeta> {
    pod_security::RULES.to_vec()
}
