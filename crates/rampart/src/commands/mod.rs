pub mod fix;
pub mod rule;
pub mod scan;
