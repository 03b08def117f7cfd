//! The rule engine and the rules.

pub mod checker;
pub mod cluster;
pub mod exemptions;
pub mod facts;
pub mod pss;
pub mod registry;
pub mod rule;
pub mod rules;
