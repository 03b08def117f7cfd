//! Secrets in manifests: literals in env, secrets as environment variables.

use crate::rule::ObjectRule;

/// The rules of this family, in code order.
pub static RULES: &[&dyn ObjectRule] = &[];
