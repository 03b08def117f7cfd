//! The rule engine and the rules.

pub mod checker;
pub mod exemptions;
pub mod pss;
pub mod registry;
pub mod rule;
pub mod rules;
