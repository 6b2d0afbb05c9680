//! The `tenantsim` binary: with no arguments it opens the desktop app (when
//! built with the default `gui` feature); otherwise it runs the command line.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = tenantsim::cli::Cli::parse();
    #[cfg(feature = "gui")]
    if let Some(startup) = startup(&cli) {
        // Refused before the window opens, not after the results are drawn.
        if let Err(failure) = tenantsim::cli::check_out("--screenshot", startup.screenshot.as_deref()) {
            eprintln!("{}", tenantsim::safe_text::terminal(&failure.message));
            return ExitCode::from(failure.code);
        }
        let scripted = startup.screenshot.is_some() || startup.measure.is_some();
        if let Some(file) = &startup.file
            && let Err(failure) = tenantsim::cli::check_gui_file(file, scripted)
        {
            eprintln!("{}", tenantsim::safe_text::terminal(&failure.message));
            return ExitCode::from(failure.code);
        }
        return match tenantsim::app::run_native(startup) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("cannot open the window: {e}\nrun `tenantsim --help` for the command line");
                ExitCode::from(tenantsim::cli::EXIT_FAILURE)
            }
        };
    }
    ExitCode::from(tenantsim::cli::execute(cli))
}

/// What to open the app on, when the command line asks for the app.
#[cfg(feature = "gui")]
fn startup(cli: &tenantsim::cli::Cli) -> Option<tenantsim::app::Startup> {
    use tenantsim::app::{ResultsTab, Startup};
    use tenantsim::cli::{Command, View};
    match &cli.command {
        None => Some(Startup::default()),
        Some(Command::Gui(args)) => Some(Startup {
            file: args.file.clone(),
            tab: args.view.map(|view| match view {
                View::Compare => ResultsTab::Compare,
                View::Timelines => ResultsTab::Timelines,
                View::Costs => ResultsTab::Costs,
                View::Tenants => ResultsTab::Tenants,
                View::Planner => ResultsTab::Planner,
            }),
            presenter: args.presenter,
            select: args.select.clone(),
            screenshot: args.screenshot.clone(),
            measure: args.measure,
            size: args.size,
        }),
        Some(_) => None,
    }
}
