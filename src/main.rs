//! The `tenantsim` binary: parses the command line and runs it.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = tenantsim::cli::Cli::parse();
    ExitCode::from(tenantsim::cli::execute(cli))
}
