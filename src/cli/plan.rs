//! `tenantsim plan` and `tenantsim merge`: run a scenario's plan (whole or
//! one shard), merge shards, print the answers first and then the sweep,
//! and optionally add the search's winner to the scenario as a design.

use std::path::{Path, PathBuf};

use clap::Args;
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, CellAlignment, Table};

use crate::cli::{Failure, Format, check_out, check_threads, write_out};
use crate::files;
use crate::plan::spec::{PlanSpec, resolve_plans};
use crate::plan::{self, PlanError, PlanOptions, PlanPart, PlanProgress};
use crate::report::Estimate;
use crate::report::figures::{FIGURES, Unit};
use crate::report::plan::{PlanReport, PointValue};
use crate::safe_text;
use crate::scenario::{Limits, ScenarioFile};
use crate::sim::RunControl;

/// Arguments of `plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Scenario file (RON) with a `plans` section.
    pub file: PathBuf,
    /// The plan to run (needed when the file has several).
    #[arg(long = "plan", value_name = "NAME")]
    pub plan: Option<String>,
    /// Output format (a shard always writes its part as JSON).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the output to this file instead of stdout (checked before the
    /// run starts).
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// Worker threads (default: all cores; at most 4 × the cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Run only shard I of N (from 0) and write its part for `merge`.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Add the search's winner to the scenario file as a design of this name.
    #[arg(long, value_name = "NAME")]
    pub write_design: Option<String>,
    /// Print the names of the file's plans, one a line, and run nothing.
    #[arg(long)]
    pub list: bool,
}

/// Arguments of `merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Part files written by `plan --shard`.
    #[arg(required = true)]
    pub parts: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the output to this file instead of stdout (checked before the
    /// merge starts).
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// Worker threads (default: all cores; at most 4 × the cores).
    #[arg(long)]
    pub threads: Option<usize>,
}

fn parse_shard(text: &str) -> Result<(u32, u32), Failure> {
    let bad = || Failure::bad_input(format!("--shard: \"{text}\" is not I/N with 0 ≤ I < N (e.g. 0/4)"));
    let (i, n) = text.split_once('/').ok_or_else(bad)?;
    let (i, n): (u32, u32) = (i.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?);
    if n == 0 || i >= n || n > 100_000 {
        return Err(bad());
    }
    Ok((i, n))
}

/// Loads the file and picks the plan.
fn load_plan(path: &Path, name: Option<&str>, limits: &Limits) -> Result<(ScenarioFile, PlanSpec), Failure> {
    let file = files::parse_file(path, limits)?;
    let scenario = files::resolve_file(path, &file, limits)?;
    let specs =
        resolve_plans(&file, &scenario, limits).map_err(|e| Failure::bad_input(format!("{}: {e}", path.display())))?;
    let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
    let spec = match name {
        Some(n) => specs.iter().find(|s| s.name == n).ok_or_else(|| {
            Failure::bad_input(format!("--plan: no plan \"{n}\" in {} (plans: {})", path.display(), list(&names)))
        })?,
        None if specs.len() == 1 => &specs[0],
        None if specs.is_empty() => {
            return Err(Failure::bad_input(format!(
                "{} has no plans: add a `plans` section (see docs/scenario-format.md)",
                path.display()
            )));
        }
        None => {
            return Err(Failure::bad_input(format!(
                "{} has {} plans; choose one with --plan ({})",
                path.display(),
                specs.len(),
                list(&names)
            )));
        }
    };
    Ok((file.clone(), spec.clone()))
}

fn list(names: &[&str]) -> String {
    if names.is_empty() { "none".to_owned() } else { names.join(", ") }
}

/// `tenantsim plan`.
///
/// # Errors
/// Exit 2 for bad input, 1 for other failures.
pub fn run(args: &PlanArgs) -> Result<(), Failure> {
    let limits = Limits::default();
    let threads = check_threads(args.threads)?;
    check_out("--out", args.out.as_deref())?;
    if args.list {
        let file = files::parse_file(&args.file, &limits)?;
        files::resolve_file(&args.file, &file, &limits)?;
        let names: String = file.plans.iter().map(|p| format!("{}\n", safe_text::terminal(&p.name))).collect();
        return write_out(args.out.as_deref(), &names);
    }
    let (file, spec) = load_plan(&args.file, args.plan.as_deref(), &limits)?;
    // A shard writes only its part; the design is written after a merge.
    if let Some(name) = &args.write_design
        && args.shard.is_none()
    {
        check_write_design(&args.file, &file, &spec, name)?;
    }
    let options = PlanOptions { threads };
    if let Some(text) = &args.shard {
        let (i, n) = parse_shard(text)?;
        let part = with_progress(|control, progress| {
            plan::run_shard(&file, &spec, plan::Shard { index: i, count: n }, &limits, options, control, progress)
        })?;
        let json = serde_json::to_string(&part).map_err(|e| Failure::other(e.to_string()))?;
        return write_out(args.out.as_deref(), &json);
    }
    let report = with_progress(|control, progress| plan::run(&file, &spec, &limits, options, control, progress))?;
    if let Some(name) = &args.write_design {
        write_design(&args.file, &file, &spec, &report, name)?;
    }
    write_out(args.out.as_deref(), &render(&report, args.format)?)
}

/// `tenantsim merge`.
///
/// # Errors
/// Exit 2 when parts are unreadable, missing, duplicated or do not belong
/// together; 1 for other failures.
pub fn merge(args: &MergeArgs) -> Result<(), Failure> {
    let limits = Limits::default();
    let threads = check_threads(args.threads)?;
    check_out("--out", args.out.as_deref())?;
    let mut parts: Vec<PlanPart> = Vec::new();
    for path in &args.parts {
        let text = files::read_text(path, &Limits { max_file_bytes: 1 << 30, ..limits })?;
        let part: PlanPart = serde_json::from_str(&text)
            .map_err(|e| Failure::bad_input(format!("{}: not a plan part: {e}", path.display())))?;
        parts.push(part);
    }
    // Parts that do not fit together are bad input (exit 2): `with_progress`
    // maps `PlanError::Parts` so.
    let report =
        with_progress(|control, progress| plan::merge(parts, &limits, PlanOptions { threads }, control, progress))?;
    write_out(args.out.as_deref(), &render(&report, args.format)?)
}

fn render(report: &PlanReport, format: Format) -> Result<String, Failure> {
    match format {
        Format::Table => Ok(table(report)),
        Format::Json => report.json().map(|s| s + "\n").map_err(|e| Failure::other(e.to_string())),
        Format::Csv => report.csv().map_err(|e| Failure::other(e.to_string())),
    }
}

/// Runs `work` on a worker thread; draws a progress bar with ETA on stderr
/// once it has taken more than a second.
fn with_progress<T: Send>(
    work: impl FnOnce(&RunControl, &PlanProgress) -> Result<T, PlanError> + Send,
) -> Result<T, Failure> {
    let control = RunControl::new();
    let progress = PlanProgress::default();
    let result = crate::cli::progress::with_bar(
        "{spinner} planning {bar:40} {pos}/{len} {elapsed_precise} (eta {eta})",
        || (progress.done(), progress.total()),
        || work(&control, &progress),
    );
    match result {
        Some(Ok(v)) => Ok(v),
        Some(Err(PlanError::Parts(message))) => Err(Failure::bad_input(message)),
        Some(Err(e)) => Err(Failure::other(e.to_string())),
        None => Err(Failure::other("the planning thread failed")),
    }
}

fn new_table(header: &[String]) -> Table {
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED);
    table.set_header(header.iter().map(Cell::new));
    table
}

/// The answers first, then the search, then the sweep. Text from the
/// scenario (names, the description, questions) is made safe to print.
pub fn table(r: &PlanReport) -> String {
    safe_text::terminal(&table_text(r)).into_owned()
}

fn table_text(r: &PlanReport) -> String {
    let mut out = format!(
        "Plan \"{}\" of \"{}\" — {} point(s), {} replication(s), seed {} at every point (± is the 95 % CI)\n",
        r.plan,
        r.scenario,
        r.points.len(),
        r.replications,
        r.seed
    );
    if !r.description.is_empty() {
        out += &format!("{}\n", r.description);
    }
    if !r.answers.is_empty() {
        out += "\nAnswers\n";
        for (k, a) in r.answers.iter().enumerate() {
            out += &format!("  {}. {}\n     {}\n", k + 1, a.question, a.sentence);
            for note in &a.notes {
                out += &format!("     note: {note}\n");
            }
        }
    }
    if let Some(s) = &r.search {
        out += "\nCheapest design\n";
        match &s.best {
            Some(b) => {
                out += &format!(
                    "  Best: {}{} — {} / month, margin {}, worst p99 {}, {} tenants hurt, unserved {} ({} replications)\n",
                    b.label,
                    sizing(r, &b.values),
                    Unit::Usd.format(b.cost, 0),
                    Unit::Usd.format(b.margin, 0),
                    Unit::Ms.format(b.worst_p99_ms, 0),
                    show_plain(b.tenants_hurt),
                    Unit::Percent.format(b.unserved, 0),
                    b.replications
                );
            }
            None => out += "  No candidate meets every constraint.\n",
        }
        out += &format!("  Objective: {}.\n  {}.\n", s.objective, s.strategy);
        let mut t = new_table(
            &["Pareto front", "cost / month", "worst p99", "tenants hurt", "unserved", "meets constraints"]
                .map(str::to_owned),
        );
        for c in &s.pareto {
            t.add_row(vec![
                Cell::new(safe_text::terminal(&format!("{}{}", c.label, sizing(r, &c.values)))),
                Cell::new(Unit::Usd.format(c.cost, 0)),
                Cell::new(Unit::Ms.format(c.worst_p99_ms, 0)),
                Cell::new(show_plain(c.tenants_hurt)),
                Cell::new(Unit::Percent.format(c.unserved, 0)),
                Cell::new(if c.feasible { "yes" } else { "no" }),
            ]);
        }
        right(&mut t, 1);
        out += &format!("{t}\n");
    }
    if !r.points.is_empty() {
        out += "\nSweep\n";
        let shown = ["cost", "cost_per_tenant", "margin", "slo_met", "unserved", "p99", "tenants_hurt"];
        let mut header: Vec<String> = r.axes.iter().map(|a| safe_text::terminal(&a.knob).into_owned()).collect();
        header.push("design".to_owned());
        header.extend(shown.iter().map(|k| FIGURES.iter().find(|f| f.key == *k).map_or(*k, |f| f.label).to_owned()));
        let mut t = new_table(&header);
        let mut sorted: Vec<&crate::report::plan::PointReport> = r.points.iter().chain(&r.refinements).collect();
        sorted.sort_by(|a, b| {
            let key = |p: &crate::report::plan::PointReport| -> Vec<f64> {
                p.values.iter().rev().map(|v| if let PointValue::Number(x) = v { *x } else { 0.0 }).collect()
            };
            key(a).partial_cmp(&key(b)).unwrap_or(std::cmp::Ordering::Equal).then(a.index.cmp(&b.index))
        });
        for p in sorted {
            for d in &p.designs {
                let mut cells: Vec<Cell> = p
                    .values
                    .iter()
                    .map(|v| match v {
                        PointValue::Number(x) => {
                            Cell::new(crate::plan::spec::show(crate::scenario::change::KnobValue::Number(*x)))
                        }
                        PointValue::Placement(s) => Cell::new(safe_text::terminal(s)),
                    })
                    .collect();
                let design = safe_text::terminal(&d.design);
                cells.push(Cell::new(if p.index.is_none() {
                    format!("{design} (refined)")
                } else {
                    design.into_owned()
                }));
                for k in shown {
                    let f = FIGURES.iter().find(|f| f.key == k);
                    let text = match (d.figures.get(k), f) {
                        (Some(e), Some(f)) => f.unit.format(*e, 0).replace(" of 0", ""),
                        _ => "—".to_owned(),
                    };
                    cells.push(Cell::new(text));
                }
                t.add_row(cells);
            }
        }
        right(&mut t, r.axes.len() + 1);
        out += &format!("{t}\n");
    }
    out
}

fn show_plain(e: Estimate) -> String {
    if e.ci95 >= 0.05 { format!("{:.1} ± {:.1}", e.mean, e.ci95) } else { format!("{:.1}", e.mean) }
}

fn sizing(r: &PlanReport, values: &[PointValue]) -> String {
    let parts: Vec<String> = r
        .axes
        .iter()
        .zip(values)
        .map(|(a, v)| match v {
            PointValue::Number(x) => {
                format!("{} = {}", a.knob, crate::plan::spec::show(crate::scenario::change::KnobValue::Number(*x)))
            }
            PointValue::Placement(s) => format!("{} = {s}", a.knob),
        })
        .collect();
    if parts.is_empty() { String::new() } else { format!(" with {}", parts.join(", ")) }
}

fn right(table: &mut Table, from: usize) {
    for c in from..table.column_count() {
        if let Some(col) = table.column_mut(c) {
            col.set_cell_alignment(CellAlignment::Right);
        }
    }
}

/// Checks before the run that `--write-design` can succeed: the plan has
/// a search, the name is free and the scenario file can be saved.
fn check_write_design(path: &Path, file: &ScenarioFile, spec: &PlanSpec, name: &str) -> Result<(), Failure> {
    if spec.search.is_none() {
        return Err(Failure::bad_input("--write-design: the plan has no search"));
    }
    if file.designs.iter().any(|d| d.name == name) {
        return Err(Failure::bad_input(format!("--write-design: the scenario already has a design \"{name}\"")));
    }
    check_out("--write-design", Some(path))
}

/// Adds the search's winner to the scenario file as design `name`,
/// inserted as text before the end of its `designs` list so that the rest
/// of the file (comments included) is kept.
fn write_design(
    path: &Path,
    file: &ScenarioFile,
    spec: &PlanSpec,
    report: &PlanReport,
    name: &str,
) -> Result<(), Failure> {
    let (Some(search), Some(s)) = (&spec.search, &report.search) else {
        return Err(Failure::bad_input("--write-design: the plan has no search"));
    };
    let Some(best) = &s.best else {
        return Err(Failure::other("--write-design: no candidate meets every constraint; nothing written"));
    };
    let design = plan::search::winner_design(file, search, best, name);
    let text = files::read_text(path, &Limits::default())?;
    let updated = crate::scenario::edit::append_design(&text, &design)
        .map_err(|e| Failure::other(format!("--write-design: {e}")))?;
    files::save_atomic(path, &updated).map_err(|e| Failure::other(e.to_string()))?;
    let sizing = sizing(report, &best.values);
    let note = format!(
        "added design \"{name}\" ({}) to {}{}",
        best.label,
        path.display(),
        if sizing.is_empty() {
            String::new()
        } else {
            format!("; it was judged{sizing}, which a design does not hold")
        }
    );
    eprintln!("{}", safe_text::terminal(&note));
    Ok(())
}
