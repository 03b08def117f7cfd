//! Container image rules: tags, digests, registries.

use crate::rule::ObjectRule;

/// The rules of this family, in code order.
pub static RULES: &[&dyn ObjectRule] = &[];
