//! The `rampart` command line.

use std::process::ExitCode;

use clap::Parser;
use rampart::args::{Cli, Command};
use rampart::commands;

/// mimalloc: the scan allocates many small trees and strings across threads.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Scan(args) => commands::scan::run(&args),
        Command::Fix(args) => commands::fix::run(&args),
        Command::Rule(args) => commands::rule::run(&args),
        Command::Explain(args) => commands::explain::run(&args),
        Command::Trim(args) => commands::trim::run(&args),
        Command::Webhook(args) => commands::webhook::run(&args),
        Command::Policy(command) => commands::policy::run(&command),
        Command::Audit(args) => commands::audit::run(&args),
        Command::Sensor(args) => commands::sensor::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("rampart: error: {error:#}");
            ExitCode::from(2)
        }
    }
}
