//! `rampart trim`: the least-privilege manifest for the features kept.

use std::process::ExitCode;

use crate::args::TrimArgs;

pub fn run(_args: &TrimArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("trim is not built yet")
}
