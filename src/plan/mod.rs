//! The planner: runs a scenario's plan (a sweep of one or two knobs over
//! the same random traffic), answers its questions (crossover, break-even,
//! goal-seek) and searches for the cheapest design that meets constraints.
//!
//! Pure and deterministic like the engine: a point gives the same figures
//! whichever thread or shard runs it. A sharded run ([`run_shard`]) writes
//! a [`PlanPart`] per shard; [`merge`] combines parts into exactly the
//! report an unsharded run ([`run`]) gives.

pub mod answer;
pub mod budget;
pub mod search;
pub mod shard;
pub mod spec;
pub mod sweep;

use std::cell::OnceCell;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use crate::plan::answer::{Refiner, Samples};
use crate::plan::spec::{PlanSpec, show};
use crate::plan::sweep::{PointJob, SharedParts, point_report};
use crate::report::plan::{AxisReport, DesignPoint, PLAN_SCHEMA_VERSION, PlanReport, PointReport};
use crate::scenario::change::KnobValue;
use crate::scenario::file::{ConstraintFile, PlanFigureFile, QuestionFile};
use crate::scenario::{Limits, ScenarioFile};
use crate::sim::RunControl;
use crate::sim::Simulated;

pub use shard::{PlanPart, Shard, merge, run_shard};

/// Why a plan did not produce a report.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    /// Occurs when the scenario at one point does not resolve or run.
    #[error("at {at}: {message}")]
    Point {
        /// The point's axis values.
        at: String,
        /// What went wrong.
        message: String,
    },
    /// Occurs when the run was cancelled.
    #[error("the plan was cancelled")]
    Cancelled,
    /// Occurs when shard parts do not fit together.
    #[error("{0}")]
    Parts(String),
    /// Occurs when the thread pool cannot be built.
    #[error("cannot start {threads} worker threads: {message}")]
    ThreadPool {
        /// Threads asked for.
        threads: usize,
        /// The system's reason.
        message: String,
    },
}

/// Progress of a plan: units of work (points or candidates) done and
/// expected, and the sweep points finished so far, shared with a caller
/// that shows a bar or draws points as they come.
#[derive(Debug, Default)]
pub struct PlanProgress {
    done: AtomicU64,
    total: AtomicU64,
    finished: Mutex<Vec<PointReport>>,
}

impl PlanProgress {
    /// Units done so far.
    pub fn done(&self) -> u64 {
        self.done.load(Ordering::Relaxed)
    }

    /// Units expected (grows when refinement or a later stage adds work).
    pub fn total(&self) -> u64 {
        self.total.load(Ordering::Relaxed)
    }

    /// The sweep points finished since the last call, in the order they
    /// finished (the final report holds them all, in point order).
    pub fn take_finished(&self) -> Vec<PointReport> {
        self.finished.lock().map(|mut v| std::mem::take(&mut *v)).unwrap_or_default()
    }

    fn push_finished(&self, point: &PointReport) {
        if let Ok(mut v) = self.finished.lock() {
            v.push(point.clone());
        }
    }

    fn add_done(&self, n: usize) {
        self.done.fetch_add(n as u64, Ordering::Relaxed);
    }

    fn add_total(&self, n: usize) {
        self.total.fetch_add(n as u64, Ordering::Relaxed);
    }
}

/// Tenant figures the plan's questions read (design and tier figures are
/// always read).
fn tenant_figures(spec: &PlanSpec) -> Vec<PlanFigureFile> {
    let mut out: Vec<PlanFigureFile> = Vec::new();
    let mut add = |f: &PlanFigureFile| {
        if f.tenant.is_some() && !out.contains(f) {
            out.push(f.clone());
        }
    };
    for q in &spec.questions {
        match q {
            QuestionFile::Crossover { figure, .. } | QuestionFile::Crosses { figure, .. } => add(figure),
            QuestionFile::Smallest { constraints, .. } | QuestionFile::Largest { constraints, .. } => {
                for c in constraints {
                    if let ConstraintFile::AtMost { figure, .. } | ConstraintFile::AtLeast { figure, .. } = c {
                        add(figure);
                    }
                }
            }
        }
    }
    out
}

/// The job of a sweep point (or a refinement point): the plan's designs,
/// replications and asked-for tenant figures.
fn sweep_job<'a>(
    file: &'a ScenarioFile,
    spec: &'a PlanSpec,
    tenant_figures: &'a [PlanFigureFile],
    limits: &'a Limits,
) -> PointJob<'a> {
    PointJob {
        file,
        axes: &spec.axes,
        designs: &spec.designs,
        candidates: None,
        replications: spec.replications,
        tenant_figures,
        limits,
        shared: None,
        parts: None,
    }
}

/// Runs the sweep points `which` (all of them when unsharded), in parallel.
fn sweep(
    file: &ScenarioFile,
    spec: &PlanSpec,
    which: &[usize],
    limits: &Limits,
    control: &RunControl,
    progress: &PlanProgress,
) -> Result<Vec<PointReport>, PlanError> {
    if spec.axes.is_empty() && spec.search.is_some() {
        return Ok(Vec::new());
    }
    let tenants = tenant_figures(spec);
    let job = sweep_job(file, spec, &tenants, limits);
    progress.add_total(which.len());
    let first = spec.point_values(which.first().copied().unwrap_or(0));
    let shared = if which.is_empty() { None } else { job.simulate_shared(&first, control)? };
    let job = PointJob { shared: shared.as_ref(), ..job };
    let parts = if which.is_empty() { None } else { job.share_parts(&first, control)? };
    let job = PointJob { parts, ..job };
    which
        .par_iter()
        .map(|&p| {
            let values = spec.point_values(p);
            let designs = job.run(&values, control)?;
            let point = point_report(Some(p), &values, designs);
            progress.push_finished(&point);
            progress.add_done(1);
            Ok(point)
        })
        .collect()
}

/// Answers and search from the sweep's points: the part of a plan that
/// follows the sweep (refinement points and later search stages run here).
fn finish(
    file: &ScenarioFile,
    spec: &PlanSpec,
    points: Vec<PointReport>,
    first_stage: Option<Vec<search::Judged>>,
    limits: &Limits,
    control: &RunControl,
    progress: &PlanProgress,
) -> Result<PlanReport, PlanError> {
    let tenants_n = crate::scenario::resolve::resolve(
        &{
            let mut f = file.clone();
            f.plans.clear();
            f
        },
        limits,
    )
    .map(|s| s.tenants.len())
    .unwrap_or(0);
    let mut answers = Vec::new();
    let mut refinements = Vec::new();
    if !spec.questions.is_empty() && spec.axes.len() == 1 {
        let axis = &spec.axes[0];
        let mut samples = Samples::default();
        for p in &points {
            if let Some(crate::report::plan::PointValue::Number(x)) = p.values.first() {
                samples.insert(*x, p.designs.clone());
            }
        }
        let numbers: Vec<f64> =
            axis.values.iter().filter_map(|v| if let KnobValue::Number(x) = v { Some(*x) } else { None }).collect();
        let range = (
            numbers.iter().copied().fold(f64::INFINITY, f64::min),
            numbers.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        );
        let tf = tenant_figures(spec);
        // What points share is simulated with the first refinement point,
        // not before: a question the sweep answers runs none.
        let shared: OnceCell<Option<Simulated>> = OnceCell::new();
        let parts: OnceCell<Option<SharedParts>> = OnceCell::new();
        let first = [axis.values[0]];
        let mut eval = |x: f64| -> Result<Vec<DesignPoint>, PlanError> {
            progress.add_total(1);
            let shared = match shared.get() {
                Some(s) => s,
                None => {
                    let s = sweep_job(file, spec, &tf, limits).simulate_shared(&first, control)?;
                    shared.get_or_init(|| s)
                }
            };
            let job = PointJob { shared: shared.as_ref(), ..sweep_job(file, spec, &tf, limits) };
            let parts = match parts.get() {
                Some(p) => p.clone(),
                None => {
                    let p = job.share_parts(&first, control)?;
                    parts.get_or_init(|| p).clone()
                }
            };
            let out = PointJob { parts, ..job }.run(&[KnobValue::Number(x)], control);
            progress.add_done(1);
            out
        };
        let mut refiner = Refiner { samples, eval: &mut eval, run: Vec::new() };
        for q in &spec.questions {
            answers.push(answer::answer(q, axis, range, &mut refiner, tenants_n)?);
        }
        refinements =
            refiner.run.iter().map(|(x, d)| point_report(None, &[KnobValue::Number(*x)], d.clone())).collect();
    }
    let search = match &spec.search {
        Some(s) => Some(search::search(file, spec, s, first_stage, limits, control, progress)?),
        None => None,
    };
    Ok(PlanReport {
        plan_schema_version: PLAN_SCHEMA_VERSION,
        scenario: file.name.clone(),
        plan: spec.name.clone(),
        description: spec.description.clone(),
        seed: file.clock.seed,
        replications: spec.replications,
        axes: spec
            .axes
            .iter()
            .map(|a| AxisReport {
                knob: a.knob.describe(),
                unit: a.knob.unit().to_owned(),
                integer: a.knob.is_integer(),
                values: a.values.iter().map(|&v| show(v)).collect(),
            })
            .collect(),
        answers,
        search,
        points,
        refinements,
    })
}

/// How to run a plan.
#[derive(Debug, Clone, Copy, Default)]
pub struct PlanOptions {
    /// Worker threads; `None` uses rayon's global pool.
    pub threads: Option<usize>,
}

fn in_pool<T: Send>(
    threads: Option<usize>,
    work: impl FnOnce() -> Result<T, PlanError> + Send,
) -> Result<T, PlanError> {
    match threads {
        Some(threads) => rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| PlanError::ThreadPool { threads, message: e.to_string() })?
            .install(work),
        None => work(),
    }
}

/// Runs a whole plan: the sweep, the answers and the search.
///
/// # Errors
/// Occurs when a point fails to resolve or run, or when cancelled.
pub fn run(
    file: &ScenarioFile,
    spec: &PlanSpec,
    limits: &Limits,
    options: PlanOptions,
    control: &RunControl,
    progress: &PlanProgress,
) -> Result<PlanReport, PlanError> {
    in_pool(options.threads, || {
        let all: Vec<usize> = (0..spec.points()).collect();
        let points = sweep(file, spec, &all, limits, control, progress)?;
        if let Some(s) = &spec.search {
            progress
                .add_total(search::stages(file, spec, s, &search::candidates(spec, s), limits, control)?.unique.len());
        }
        finish(file, spec, points, None, limits, control, progress)
    })
}
