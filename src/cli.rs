//! The `tenantsim` command line: `run`, `compare`, `validate`, `plan`,
//! `merge`, `agreement`, `bench` and `gui`.
//!
//! The edge of the program: reads files, prints, shows a progress bar on
//! stderr for runs longer than a second and maps failures to exit codes
//! (0 ok, 2 bad input, 1 anything else).

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};

use crate::files::{self, FileError};
use crate::report::RunReport;
use crate::report::format;
use crate::safe_text;
use crate::scenario::budget;
use crate::scenario::file::EngineFile;
use crate::scenario::{Limits, Scenario};
use crate::sim::{self, RunControl, RunOptions};

pub mod agreement;
pub(crate) mod bench;
pub mod plan;
pub mod progress;
pub mod table;

/// Exit code for success.
pub const EXIT_OK: u8 = 0;
/// Exit code for failures other than bad input.
pub const EXIT_FAILURE: u8 = 1;
/// Exit code for bad input (unreadable or invalid scenario, bad arguments).
pub const EXIT_BAD_INPUT: u8 = 2;

/// Simulate multi-tenant SaaS designs (silo, pool, bridge, cells) on the
/// same random traffic and compare throttling, latency and cost per tenant.
#[derive(Debug, Parser)]
#[command(name = "tenantsim", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate a scenario and print per-design, per-tenant results.
    Run(RunArgs),
    /// Simulate a scenario and print all designs side by side.
    Compare(RunArgs),
    /// Check scenario files without running them.
    Validate {
        /// Scenario files (RON).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Open the desktop app (what `tenantsim` with no arguments does), on a
    /// file or bundled example, a view, optionally saving a screenshot.
    Gui(GuiArgs),
    /// Compare the fast engine with the per-request engine on cases near
    /// saturation (exit code 1 when a figure is outside its limit).
    Agreement {
        /// Replications per case.
        #[arg(long, default_value_t = 32)]
        replications: u32,
        /// The engine to check: `fast` or `auto`.
        #[arg(long, value_enum, default_value_t = EngineArg::Fast)]
        engine: EngineArg,
    },
    /// Run a scenario's plan: a sweep, its answers (crossover, break-even,
    /// goal-seek) and the cheapest-design search; answers first.
    Plan(plan::PlanArgs),
    /// Merge the parts of a sharded plan into its report.
    Merge(plan::MergeArgs),
    /// Print throughput figures of the engine on reference scenarios.
    Bench {
        /// Shorter reference day (2 h instead of 24 h), for CI.
        #[arg(long)]
        quick: bool,
        /// Only these parts (repeatable; default all): `day`, `lesson`,
        /// `exact` (the per-request engine), `sweep`, `crossover`, `search`.
        #[arg(long, value_enum)]
        only: Vec<bench::Part>,
    },
}

/// Output format of `run` and `compare`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Human-readable tables.
    Table,
    /// The report as JSON (stable schema).
    Json,
    /// One row per design and tenant.
    Csv,
}

/// Engine named on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EngineArg {
    /// Time-stepped, fluid queues.
    Fast,
    /// Every request an event.
    Exact,
    /// Fast, with stacks near saturation request by request.
    Auto,
}

/// Results view to open the app on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum View {
    /// Designs side by side.
    Compare,
    /// Timelines.
    Timelines,
    /// Cost per tenant and margin per tier.
    Costs,
    /// Per-tenant results table.
    Tenants,
    /// The scenario's plans (sweeps, answers, cheapest design).
    Planner,
}

/// Arguments of `gui`.
#[derive(Debug, Args)]
pub struct GuiArgs {
    /// Scenario file, or the file name of a bundled example.
    pub file: Option<PathBuf>,
    /// Results view to show (default: the lesson's starting view, else compare).
    #[arg(long, value_enum)]
    pub view: Option<View>,
    /// Start in presenter mode (large UI, high contrast, results only).
    #[arg(long)]
    pub presenter: bool,
    /// Tenant to highlight in every plot.
    #[arg(long)]
    pub select: Option<String>,
    /// Save a PNG of the window once results are shown, then exit.
    #[arg(long, value_name = "PNG")]
    pub screenshot: Option<PathBuf>,
    /// Re-roll the seed this many times (each re-simulates in the
    /// background), then print frame times and edit-to-results times and exit.
    #[arg(long, value_name = "EDITS")]
    pub measure: Option<u32>,
    /// Window size in points, e.g. `1280x720` (instead of the last one used).
    #[arg(long, value_name = "WxH", value_parser = parse_window_size)]
    pub size: Option<(u32, u32)>,
}

/// Parses `WIDTHxHEIGHT` (each 200 to 10,000 points).
fn parse_window_size(text: &str) -> Result<(u32, u32), String> {
    let (w, h) =
        text.split_once(['x', 'X']).ok_or_else(|| format!("{text:?}: expected WIDTHxHEIGHT, e.g. 1280x720"))?;
    let side = |t: &str| {
        t.trim()
            .parse::<u32>()
            .ok()
            .filter(|v| (200..=10_000).contains(v))
            .ok_or_else(|| format!("{text:?}: each side must be a whole number of points from 200 to 10000"))
    };
    Ok((side(w)?, side(h)?))
}

/// Arguments of `run` and `compare`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario file (RON).
    pub file: PathBuf,
    /// Only these designs (repeatable; default all).
    #[arg(long = "design", value_name = "NAME")]
    pub designs: Vec<String>,
    /// Override the scenario's seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Override the scenario's replications.
    #[arg(long)]
    pub replications: Option<u32>,
    /// Worker threads (default: all cores; at most 4 × the cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Override the scenario's engine: `auto` (the default: time-stepped,
    /// stacks near saturation request by request), `fast` (time-stepped
    /// only) or `exact` (every request an event).
    #[arg(long, value_enum)]
    pub engine: Option<EngineArg>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the output to this file instead of stdout (checked before the
    /// run starts).
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
}

/// A failure with its exit code.
#[derive(Debug)]
pub struct Failure {
    /// Exit code.
    pub code: u8,
    /// Message for stderr.
    pub message: String,
}

impl Failure {
    fn bad_input(message: impl Into<String>) -> Self {
        Self { code: EXIT_BAD_INPUT, message: message.into() }
    }

    fn other(message: impl Into<String>) -> Self {
        Self { code: EXIT_FAILURE, message: message.into() }
    }
}

impl From<FileError> for Failure {
    fn from(error: FileError) -> Self {
        Failure::bad_input(error.to_string())
    }
}

/// Runs a parsed command line; returns the exit code.
pub fn execute(cli: Cli) -> u8 {
    let result = match cli.command {
        None => {
            let mut help = <Cli as clap::CommandFactory>::command();
            let _ = help.print_help();
            println!();
            Ok(())
        }
        Some(Command::Run(args)) => run_command(&args, false),
        Some(Command::Compare(args)) => run_command(&args, true),
        Some(Command::Validate { files }) => validate(&files),
        Some(Command::Gui(_)) => Err(Failure::other("this build has no desktop app (built without the `gui` feature)")),
        Some(Command::Agreement { engine: EngineArg::Exact, .. }) => {
            Err(Failure::bad_input("--engine: the per-request engine is the reference; check fast or auto against it"))
        }
        Some(Command::Agreement { replications, engine }) => match agreement::run(
            replications.max(2),
            if engine == EngineArg::Auto {
                crate::scenario::model::Engine::Auto
            } else {
                crate::scenario::model::Engine::Fast
            },
        ) {
            Ok(0) => Ok(()),
            Ok(n) => Err(Failure::other(format!("{n} figure(s) disagree"))),
            Err(e) => Err(Failure::other(e.to_string())),
        },
        Some(Command::Plan(args)) => plan::run(&args),
        Some(Command::Merge(args)) => plan::merge(&args),
        Some(Command::Bench { quick, only }) => {
            bench::run(quick, &only);
            Ok(())
        }
    };
    match result {
        Ok(()) => EXIT_OK,
        Err(failure) => {
            // Messages quote names and text from files.
            eprintln!("{}", safe_text::terminal(&failure.message));
            failure.code
        }
    }
}

/// Settings the command line overrides in a scenario file.
#[derive(Debug, Clone, Copy, Default)]
pub struct Overrides {
    /// The master seed.
    pub seed: Option<u64>,
    /// Replications.
    pub replications: Option<u32>,
    /// The engine.
    pub engine: Option<EngineArg>,
}

/// Loads a scenario with command-line overrides applied before resolution.
///
/// # Errors
/// Occurs when the file cannot be read or is invalid (exit code 2).
pub fn load(path: &Path, overrides: &Overrides) -> Result<Scenario, Failure> {
    let limits = Limits::default();
    let mut file = files::parse_file(path, &limits)?;
    if let Some(seed) = overrides.seed {
        file.clock.seed = seed;
    }
    if let Some(replications) = overrides.replications {
        file.clock.replications = replications;
    }
    if let Some(engine) = overrides.engine {
        file.clock.engine = match engine {
            EngineArg::Fast => EngineFile::Fast,
            EngineArg::Exact => EngineFile::Exact,
            EngineArg::Auto => EngineFile::Auto,
        };
    }
    Ok(files::resolve_file(path, &file, &limits)?)
}

fn validate(paths: &[PathBuf]) -> Result<(), Failure> {
    let mut failures = Vec::new();
    for path in paths {
        match load(path, &Overrides::default()) {
            Ok(scenario) => println!(
                "{}: ok — \"{}\", {} tenants, {} tiers, {} designs, {} ticks × {} replications\n  {}",
                safe_text::terminal(&path.display().to_string()),
                safe_text::terminal(&scenario.name),
                scenario.tenants.len(),
                scenario.tiers.len(),
                scenario.designs.len(),
                scenario.clock.ticks,
                scenario.clock.replications,
                budget::summary(&budget::estimate(&budget::Shape::of(&scenario)), &Limits::default()),
            ),
            Err(failure) => failures.push(failure.message),
        }
    }
    if failures.is_empty() { Ok(()) } else { Err(Failure::bad_input(failures.join("\n"))) }
}

/// Checks `--threads`: at least 1 and at most [`crate::host::max_threads`]
/// (more threads than that only add switching; a typo such as `--threads
/// 1000000` would otherwise spawn a million).
///
/// # Errors
/// Exit 2 with the limit in the message.
pub fn check_threads(threads: Option<usize>) -> Result<Option<usize>, Failure> {
    let max = crate::host::max_threads();
    match threads {
        Some(0) => Err(Failure::bad_input("--threads: must be at least 1")),
        Some(n) if n > max => Err(Failure::bad_input(format!(
            "--threads: {n} is over the limit of {max} (4 × the {} core(s) here)",
            max / crate::host::THREADS_PER_CORE
        ))),
        t => Ok(t),
    }
}

/// Checks that `--out` (or another file written after a long run) can be
/// written, before the run starts, so its results are never lost to a
/// typo in the path.
///
/// # Errors
/// Exit 2 naming the flag and the reason.
pub fn check_out(flag: &str, path: Option<&Path>) -> Result<(), Failure> {
    match path {
        Some(path) => files::check_writable(path).map_err(|e| Failure::bad_input(format!("{flag}: {e}"))),
        None => Ok(()),
    }
}

/// Checks the file `tenantsim gui FILE` is to open, before the window
/// does: a file that cannot be read or parsed is refused (exit 2) rather
/// than leaving the bundled example on screen under its name; with
/// `scripted` (`--screenshot`, `--measure`) a file the resolver rejects is
/// refused too, since no results could be shown. A bundled example's file
/// name (when no such file exists here) always passes.
///
/// # Errors
/// Occurs when the file cannot be opened as said above (exit code 2).
pub fn check_gui_file(path: &Path, scripted: bool) -> Result<(), Failure> {
    if !path.exists() && crate::bundled::by_file_name(&path.to_string_lossy()).is_some() {
        return Ok(());
    }
    if scripted {
        load(path, &Overrides::default()).map(|_| ())
    } else {
        files::parse_file(path, &Limits::default()).map(|_| ()).map_err(Failure::from)
    }
}

/// Checks the flags of `run` and `compare` that need no file: a design
/// named twice, replications out of range, threads, the output path.
fn check_run_args(args: &RunArgs) -> Result<Option<usize>, Failure> {
    for (i, name) in args.designs.iter().enumerate() {
        if args.designs[..i].contains(name) {
            return Err(Failure::bad_input(format!("--design: \"{name}\" is named twice")));
        }
    }
    let max_replications = Limits::default().max_replications;
    match args.replications {
        Some(0) => return Err(Failure::bad_input("--replications: must be at least 1")),
        Some(n) if n > max_replications => {
            return Err(Failure::bad_input(format!("--replications: {n} is over the limit of {max_replications}")));
        }
        _ => {}
    }
    let threads = check_threads(args.threads)?;
    check_out("--out", args.out.as_deref())?;
    Ok(threads)
}

fn run_command(args: &RunArgs, compare: bool) -> Result<(), Failure> {
    let threads = check_run_args(args)?;
    let overrides = Overrides { seed: args.seed, replications: args.replications, engine: args.engine };
    let scenario = load(&args.file, &overrides)?;
    if scenario.per_request() && scenario.clock.engine != crate::scenario::model::Engine::Exact {
        let why = if scenario.redelivers() && scenario.has_database() {
            "messages whose processing fails are offered again"
        } else if scenario.redelivers() {
            "a consumer's processing can outlive the queue's visibility timeout (the message is then offered again \
             while held)"
        } else if scenario.queue.as_ref().is_some_and(|q| q.fifo) {
            "a FIFO queue's message groups are processed one message at a time"
        } else if scenario.relational.is_some() {
            "requests wait for a relational database's connections and vCPUs"
        } else if scenario.queued_functions() {
            "a queue's messages wait for the concurrency of the functions that consume them"
        } else if scenario.queue.as_ref().is_some_and(|q| q.fair) {
            "a fair queue serves its quiet tenants' messages before a noisy tenant's"
        } else {
            "clients retry or time out"
        };
        eprintln!("note: {why} in this scenario, so it runs request by request (engine exact)");
    }
    let designs = if args.designs.is_empty() {
        None
    } else {
        let mut indices = Vec::new();
        for name in &args.designs {
            match scenario.designs.iter().position(|d| &d.name == name) {
                Some(i) => indices.push(i),
                None => {
                    let known: Vec<&str> = scenario.designs.iter().map(|d| d.name.as_str()).collect();
                    return Err(Failure::bad_input(format!(
                        "--design: no design \"{name}\" in {} (known: {})",
                        args.file.display(),
                        known.join(", ")
                    )));
                }
            }
        }
        Some(indices)
    };
    let options = RunOptions { threads, designs, ..crate::host::run_options() };
    let report = run_with_progress(&scenario, &options)?;
    let text = match args.format {
        Format::Table if compare => table::compare_table(&report),
        Format::Table => table::table(&report),
        Format::Json => format::json(&report).map_err(|e| Failure::other(e.to_string()))?,
        Format::Csv => format::csv(&report).map_err(|e| Failure::other(e.to_string()))?,
    };
    write_out(args.out.as_deref(), &text)
}

/// Writes a command's output to `out` (atomically) or to stdout.
///
/// # Errors
/// Exit 1 when the file cannot be written or stdout is closed.
pub fn write_out(out: Option<&Path>, text: &str) -> Result<(), Failure> {
    match out {
        // The error names the file.
        Some(path) => files::save_atomic(path, text).map_err(|e| Failure::other(e.to_string())),
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()).map_err(|e| Failure::other(e.to_string()))
        }
    }
}

/// Runs on a worker thread while this thread draws a progress bar on
/// stderr once the run has taken more than a second.
fn run_with_progress(scenario: &Scenario, options: &RunOptions) -> Result<RunReport, Failure> {
    let control = RunControl::new();
    let total = sim::total_ticks(scenario, options);
    let result = progress::with_bar(
        "{spinner} simulating {bar:40} {percent:>3}% {elapsed_precise} (eta {eta})",
        || (control.ticks_done(), total),
        || sim::run(scenario, options, &control),
    );
    match result {
        Some(result) => result.map_err(|e| Failure::other(e.to_string())),
        None => Err(Failure::other("the simulation thread failed")),
    }
}
