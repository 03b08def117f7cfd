//! The `rampart` command line as a library, so docs can be generated from it.

pub mod args;
pub mod commands;
pub mod inputs;
