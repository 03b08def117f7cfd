//! RBAC rules: each Role and ClusterRole rule judged on its own, and risky bindings.

use crate::rule::ObjectRule;

/// The rules of this family, in code order.
pub static RULES: &[&dyn ObjectRule] = &[];
