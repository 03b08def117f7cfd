pub mod cluster;
pub mod explain;
pub mod fix;
pub mod policy;
pub mod rule;
pub mod scan;
pub mod trim;
pub mod webhook;
