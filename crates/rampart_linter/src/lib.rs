//! The rule engine and the rules.

pub mod admission;
pub mod agent_privileges;
pub mod checker;
pub mod cluster;
pub mod cluster_rbac;
pub mod config_schema;
pub mod exceptions;
pub mod exemptions;
pub mod facts;
pub mod fix;
pub mod pss;
pub mod registry;
pub mod rule;
pub mod rules;
