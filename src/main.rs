//! The `tenantsim` binary: with no arguments it opens the desktop app (when
//! built with the default `gui` feature); otherwise it runs the command line.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = tenantsim::cli::Cli::parse();
    #[cfg(feature = "gui")]
    if cli.command.is_none() {
        return match tenantsim::app::run_native() {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("cannot open the window: {e}\nrun `tenantsim --help` for the command line");
                ExitCode::from(tenantsim::cli::EXIT_FAILURE)
            }
        };
    }
    ExitCode::from(tenantsim::cli::execute(cli))
}
