//! The simulation core: runs every design of a [`Scenario`] over its
//! replications in parallel (rayon) and reduces the results, in a fixed
//! order, into one [`RunReport`].
//!
//! Pure and deterministic: no IO, no wall clock, no global RNG. The same
//! scenario and seed give a bit-identical report for any thread count.
//! Progress and cancellation go through a [`RunControl`] the caller owns.

pub mod arrivals;
pub(crate) mod compute;
pub(crate) mod consumers;
pub(crate) mod cost;
pub(crate) mod database;
pub(crate) mod deep;
pub(crate) mod drawer;
pub(crate) mod exact;
pub(crate) mod functions;
pub(crate) mod gateway;
pub mod histogram;
pub(crate) mod latency;
pub(crate) mod layer_latency;
pub mod parts;
pub(crate) mod raw;
mod reduce;
pub(crate) mod requests;
pub(crate) mod series;
pub(crate) mod task;
pub(crate) mod tenants;
pub(crate) mod windows;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use rayon::prelude::*;

use crate::report::RunReport;
use crate::scenario::Scenario;
use crate::sim::windows::Spikes;

/// Progress and cancellation shared between a run and its caller.
#[derive(Debug, Default)]
pub struct RunControl {
    ticks_done: AtomicU64,
    cancelled: AtomicBool,
}

impl RunControl {
    /// A fresh control.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the run to stop; it returns [`RunError::Cancelled`] soon after.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    /// True once [`RunControl::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }

    /// Ticks simulated so far over all tasks.
    pub fn ticks_done(&self) -> u64 {
        self.ticks_done.load(Ordering::Relaxed)
    }

    pub(crate) fn add_progress(&self, ticks: u64) {
        self.ticks_done.fetch_add(ticks, Ordering::Relaxed);
    }
}

/// Reads the cancel flag once per [`task::CHECK_WORK`] units of work done
/// in a set-up loop (allocating a tenant's histograms, placing a key
/// shard), so that set-up, like simulation, stops within milliseconds of
/// a cancel.
pub(crate) struct Checkpoint<'a> {
    control: &'a RunControl,
    work: u64,
}

impl<'a> Checkpoint<'a> {
    /// A checkpoint of `control` with no work counted yet.
    pub(crate) fn new(control: &'a RunControl) -> Self {
        Self { control, work: 0 }
    }

    /// Counts `work` units; true when the run was cancelled (read once the
    /// work since the last read reaches [`task::CHECK_WORK`]).
    #[inline]
    pub(crate) fn cancelled(&mut self, work: u64) -> bool {
        self.work += work;
        if self.work < task::CHECK_WORK {
            return false;
        }
        self.work = 0;
        self.control.is_cancelled()
    }
}

/// Frees `value` on a thread of its own. What a cancelled run has built
/// (the reports of designs with thousands of tenants, each tenant with
/// its own strings) can take seconds to free, far longer than a cancel
/// may take to return. When no thread can be started, `value` is freed
/// here.
pub(crate) fn free_elsewhere<T: Send + 'static>(value: T) {
    // A failed spawn drops the closure, and `value` with it, right here.
    let _ = std::thread::Builder::new().name("tenantsim-free".to_owned()).spawn(move || drop(value));
}

/// A monotonic clock, in seconds since an origin of the caller's choosing.
///
/// The core never reads the wall clock. A caller that passes one in
/// [`RunOptions::clock`] lets a large task balance the drawing of its
/// arrivals between two threads by their timings (results never depend on
/// it; without one, the other thread draws all of them).
#[derive(Clone)]
pub struct WallClock(Arc<dyn Fn() -> f64 + Send + Sync>);

impl WallClock {
    /// A clock that reads `now_secs`.
    pub fn new(now_secs: impl Fn() -> f64 + Send + Sync + 'static) -> Self {
        Self(Arc::new(now_secs))
    }

    /// The time now, seconds.
    pub fn now_secs(&self) -> f64 {
        (self.0)()
    }
}

impl std::fmt::Debug for WallClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WallClock")
    }
}

/// How to run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Worker threads; `None` uses rayon's global pool.
    pub threads: Option<usize>,
    /// Indices of the designs to run; `None` runs all.
    pub designs: Option<Vec<usize>>,
    /// Tenants whose own time series are recorded; `None` records every
    /// tenant of scenarios with at most [`FOCUS_ALL_MAX`] tenants.
    pub focus: Option<Vec<usize>>,
    /// The caller's clock, for balancing work between threads; `None`
    /// balances by a fixed rule.
    pub clock: Option<WallClock>,
    /// Most points in a time series; `None` for [`series::MAX_SERIES_POINTS`].
    pub series_points: Option<u64>,
    /// Only these replications (`None`: all of the scenario's). Each gives
    /// the results it gives in a run of all, so the results of adjoining
    /// ranges fold into those of one run ([`run_after`]).
    pub replications: Option<std::ops::Range<u32>>,
    /// Tenants that differ between runs that share parts (see
    /// [`Shared`]): each design is split apart around the stacks they use,
    /// so that the rest runs as parts of its own, which they cannot
    /// change. `None` splits designs as usual.
    pub varying: Option<Varying>,
    /// Parts simulated before (see [`simulate_shared`]), taken instead of
    /// simulating them again.
    pub given: Option<std::sync::Arc<Shared>>,
}

impl RunOptions {
    /// The replications of `scenario` to run.
    fn replications_of(&self, scenario: &Scenario) -> std::ops::Range<u32> {
        let all = scenario.clock.replications;
        self.replications.clone().map_or(0..all, |r| r.start.min(all)..r.end.min(all))
    }
}

/// Scenarios with at most this many tenants get per-tenant time series
/// for every tenant by default.
pub const FOCUS_ALL_MAX: usize = 32;

/// Why a run did not produce a report.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Occurs when [`RunControl::cancel`] was called during the run.
    #[error("the run was cancelled")]
    Cancelled,
    /// Occurs when the requested thread pool cannot be built.
    #[error("cannot start {threads} worker threads: {message}")]
    ThreadPool {
        /// Threads asked for.
        threads: usize,
        /// The system's reason.
        message: String,
    },
    /// Occurs when a design index in [`RunOptions::designs`] does not exist.
    #[error("no design with index {0}")]
    NoSuchDesign(usize),
}

/// Total ticks a run will simulate (for progress bars): every task's ticks
/// (a no-spike baseline stops when the last spike ends).
pub fn total_ticks(scenario: &Scenario, options: &RunOptions) -> u64 {
    let designs: Vec<usize> = options.designs.clone().unwrap_or_else(|| (0..scenario.designs.len()).collect());
    let Ok(plan) = Plan::new(scenario, &designs, options.replications_of(scenario), options, &RunControl::new()) else {
        return 0;
    };
    let given = options.given.as_deref().filter(|g| g.outline == plan.outline(scenario));
    plan.subtasks
        .iter()
        .filter(|&&sub| given.is_none_or(|g| g.get(plan.key(sub)).is_none()))
        .map(|&(task, _)| plan.tasks[task].2.ticks(scenario))
        .sum()
}

/// What a run simulates: tasks (design, replication, the spikes applied:
/// all, then with spikes the no-spike baseline and the spiking tenants'
/// own baselines), each as one subtask per part of its design (see
/// [`parts`]); a baseline only runs the parts that hold a tenant it
/// simulates.
struct Plan {
    tasks: Vec<(usize, u32, Spikes)>,
    /// Part masks of each design, by design index (empty when not run).
    splits: Vec<Vec<Vec<bool>>>,
    /// Each design's spiking tenants that no other spike reaches.
    alone: Vec<Vec<usize>>,
    /// Most tasks of one design and replication.
    runs_per_replication: usize,
    /// (task, part) pairs, in task order.
    subtasks: Vec<(usize, usize)>,
    /// The first replication run.
    first_replication: u32,
}

impl Plan {
    fn new(
        scenario: &Scenario,
        designs: &[usize],
        replications: std::ops::Range<u32>,
        options: &RunOptions,
        control: &RunControl,
    ) -> Result<Self, RunError> {
        if let Some(&bad) = designs.iter().find(|&&d| d >= scenario.designs.len()) {
            return Err(RunError::NoSuchDesign(bad));
        }
        // Each design's tasks of a replication.
        let mut applied = vec![Vec::new(); scenario.designs.len()];
        let mut alone = vec![Vec::new(); scenario.designs.len()];
        for &d in designs {
            applied[d].push(Spikes::All);
            if scenario.has_spikes() {
                applied[d].push(Spikes::None);
                let own = windows::own_baselines(scenario, &scenario.designs[d]);
                applied[d].extend(own.run.into_iter().map(Spikes::Own));
                alone[d] = own.alone;
            }
        }
        let runs_per_replication = applied.iter().map(Vec::len).max().unwrap_or(1);
        let tasks: Vec<(usize, u32, Spikes)> = designs
            .iter()
            .flat_map(|&d| {
                let applied = &applied[d];
                replications.clone().flat_map(move |r| applied.iter().map(move |&s| (d, r, s)))
            })
            .collect();
        let mut splits = vec![Vec::new(); scenario.designs.len()];
        // The tenants each of a design's tasks simulates.
        let mut components: Vec<Vec<(Spikes, Vec<bool>)>> = vec![Vec::new(); scenario.designs.len()];
        for &d in designs {
            if control.is_cancelled() {
                return Err(RunError::Cancelled);
            }
            // The per-request engine runs whole designs.
            splits[d] = if scenario.per_request() {
                vec![vec![true; scenario.tenants.len()]]
            } else {
                let masks = parts::split(scenario, &scenario.designs[d]);
                match &options.varying {
                    Some(varying) => parts::split_apart(scenario, &scenario.designs[d], masks, &varying.any()),
                    None => masks,
                }
            };
            components[d] =
                applied[d].iter().map(|&s| (s, windows::simulated(scenario, &scenario.designs[d], s))).collect();
        }
        let mut subtasks = Vec::new();
        for (i, &(d, _, spikes)) in tasks.iter().enumerate() {
            let before = subtasks.len();
            let simulated = components[d].iter().find(|(s, _)| *s == spikes).map(|(_, c)| c.as_slice());
            for (p, mask) in splits[d].iter().enumerate() {
                if !spikes.baseline() || simulated.is_some_and(|c| mask.iter().zip(c).any(|(&m, &c)| m && c)) {
                    subtasks.push((i, p));
                }
            }
            if subtasks.len() == before {
                subtasks.push((i, 0));
            }
        }
        Ok(Self { tasks, splits, alone, runs_per_replication, subtasks, first_replication: replications.start })
    }

    /// The key of subtask `(task, part)` among shared parts.
    fn key(&self, (task, part): (usize, usize)) -> PartKey {
        let (design, replication, spikes) = self.tasks[task];
        PartKey { design, replication, spikes, part }
    }

    /// True when the tenants `varying` can change subtask `(task, part)`:
    /// its part simulates one of them that varies, or one whose spikes
    /// vary and whose spikes it applies.
    fn varies(&self, (task, part): (usize, usize), varying: &Varying) -> bool {
        let (d, _, spikes) = self.tasks[task];
        let mask = &self.splits[d][part];
        (0..mask.len()).any(|t| {
            mask[t]
                && (varying.tenants.get(t).copied().unwrap_or(false)
                    || (varying.spikes.get(t).copied().unwrap_or(false) && spikes.keeps(t)))
        })
    }

    /// What a shared part's validity rests on besides its own inputs: the
    /// tasks, how long each runs, and how designs are split.
    fn outline(&self, scenario: &Scenario) -> Outline {
        Outline {
            tasks: self.tasks.iter().map(|&(d, r, s)| (d, r, s, s.ticks(scenario))).collect(),
            splits: self.splits.clone(),
            per_request: scenario.per_request(),
        }
    }
}

/// Smallest task (tenant-ticks) that draws its arrivals a block ahead on
/// another thread, when no table is shared and the run has no more tasks
/// than threads.
pub const AHEAD_TENANT_TICKS: u64 = 1 << 22;

/// Most table entries (tenants × ticks × replications, 16 bytes each) a
/// run keeps to share arrivals between its tasks.
pub const ARRIVAL_TABLE_ENTRIES: u64 = 1 << 21;

/// Subtasks simulated together per worker thread, at least: a run
/// simulates its replications in waves of about this many subtasks per
/// thread (more when their results are small, see
/// [`budget::wave_subtasks`](crate::scenario::budget::wave_subtasks)), and
/// folds each wave's results into the report before the next starts, so
/// it holds at most a wave's results (plus one replication's parts).
pub const WAVE_SUBTASKS_PER_THREAD: usize = 4;

/// Each replication's arrivals, drawn once when several tasks of a
/// replication would draw them and they fit [`ARRIVAL_TABLE_ENTRIES`];
/// empty otherwise (every task then draws its own). With `over`, a run
/// whose parts `given` holds, only the tenants `varying` are drawn and the
/// others' are read from `given`'s tables: the same draws, since each
/// tenant's arrivals come from streams of its own and the others' are the
/// same in both runs.
fn arrival_tables(
    scenario: &Scenario,
    plan: &Plan,
    over: Option<(&Shared, &Varying)>,
    control: &RunControl,
) -> Result<Vec<drawer::ArrivalTable>, RunError> {
    let first = plan.first_replication;
    let replications = plan.tasks.last().map_or(first, |t| t.1 + 1).saturating_sub(first);
    let entries = scenario.tenants.len() as u64 * scenario.clock.ticks * u64::from(replications);
    let subtasks_per_replication = plan.subtasks.len() / replications.max(1) as usize;
    if subtasks_per_replication < 2 || entries > ARRIVAL_TABLE_ENTRIES || scenario.per_request() {
        return Ok(Vec::new());
    }
    let over = over
        .filter(|(given, _)| given.tables.len() == replications as usize)
        .map(|(given, varying)| (given, varying.any()));
    let tables: Vec<Option<drawer::ArrivalTable>> = (first..first + replications)
        .into_par_iter()
        .map(|r| match &over {
            Some((given, any)) => {
                drawer::ArrivalTable::patched(scenario, r, &given.tables[(r - first) as usize], any, control)
            }
            None => drawer::ArrivalTable::draw(scenario, r, control),
        })
        .collect();
    if control.is_cancelled() {
        return Err(RunError::Cancelled);
    }
    Ok(tables.into_iter().flatten().collect())
}

/// One replication of one design: its run and, when the scenario has
/// spikes, its no-spike baseline, each merged from its parts with its
/// costs attributed.
#[derive(Debug, Clone)]
struct Unit {
    design: usize,
    main: raw::TaskRaw,
    base: Option<raw::TaskRaw>,
}

/// A run's results before they are reduced to a report. The planner keeps
/// one so that points which change only how results are read (tier prices
/// and service-level objectives) are reported without simulating again.
#[derive(Debug, Clone)]
pub struct Simulated {
    units: Vec<Unit>,
}

impl Simulated {
    /// Requests offered in the runs and in their no-spike baselines: what
    /// a per-request run simulated, for its benchmark (leaving out the own
    /// baselines of spiking tenants that other spikes reach, which keep
    /// only their tenant's figures).
    pub fn requests_offered(&self) -> f64 {
        self.units
            .iter()
            .flat_map(|u| std::iter::once(&u.main).chain(u.base.as_ref()))
            .map(|r| r.tenants.iter().map(|t| t.offered).sum::<f64>())
            .sum()
    }

    /// The report of these results for `scenario`: the scenario simulated,
    /// or one that differs from it only in tier prices and service-level
    /// objectives.
    ///
    /// # Errors
    /// Occurs when `control` is cancelled before the report is built.
    pub fn report(&self, scenario: &Scenario, control: &RunControl) -> Result<RunReport, RunError> {
        self.report_keeping(scenario, reduce::KEPT_BYTES, control)
    }

    /// The report, with a design's values kept for two-pass estimates while
    /// they take at most `kept_bytes` (see [`reduce::KEPT_BYTES`]).
    fn report_keeping(
        &self,
        scenario: &Scenario,
        kept_bytes: usize,
        control: &RunControl,
    ) -> Result<RunReport, RunError> {
        let mut reducer = reduce::Reducer::keeping(scenario, kept_bytes, control);
        let samples = samples(scenario, &self.units, control)?;
        for (u, values) in self.units.iter().zip(samples) {
            reducer.add(u.design, u.main.clone(), u.base.clone(), &values)?;
        }
        reducer.finish()
    }
}

/// Each replication's values (see [`reduce::sample`]), in order.
fn samples(scenario: &Scenario, units: &[Unit], control: &RunControl) -> Result<Vec<Vec<f64>>, RunError> {
    units.par_iter().map(|u| reduce::sample(scenario, u.design, &u.main, u.base.as_ref(), control)).collect()
}

/// Simulates the scenario and returns its report.
///
/// # Errors
/// Occurs when cancelled (during the simulation or while its results are
/// folded into the report), when the thread pool cannot be built, or when
/// `options.designs` names a design that does not exist.
pub fn run(scenario: &Scenario, options: &RunOptions, control: &RunControl) -> Result<RunReport, RunError> {
    in_pool(pool_threads(scenario, options), || {
        let mut reducer = reduce::Reducer::new(scenario, control);
        simulate_waves(scenario, options, control, |units| {
            let samples = samples(scenario, &units, control)?;
            for (u, values) in units.into_iter().zip(samples) {
                reducer.add(u.design, u.main, u.base, &values)?;
            }
            Ok(())
        })?;
        reducer.finish()
    })
}

/// The report of one run of every replication of `scenario`, given the
/// results `first` of its first replications (a run of fewer of them) and
/// simulating the rest, `options.replications`, which must follow them.
/// The rest is folded into the report wave by wave as in [`run`], each
/// design's first replications ahead of its others, so besides what a run
/// holds only `first` is held.
///
/// # Errors
/// As [`run`].
pub fn run_after(
    first: Simulated,
    scenario: &Scenario,
    options: &RunOptions,
    control: &RunControl,
) -> Result<RunReport, RunError> {
    let order: Vec<usize> = options.designs.clone().unwrap_or_else(|| (0..scenario.designs.len()).collect());
    let place = |d: usize| order.iter().position(|&x| x == d).unwrap_or(usize::MAX);
    in_pool(pool_threads(scenario, options), || {
        let mut reducer = reduce::Reducer::new(scenario, control);
        let fold = |reducer: &mut reduce::Reducer<'_>, units: Vec<Unit>| -> Result<(), RunError> {
            let samples = samples(scenario, &units, control)?;
            for (u, values) in units.into_iter().zip(samples) {
                reducer.add(u.design, u.main, u.base, &values)?;
            }
            Ok(())
        };
        let mut kept: std::collections::VecDeque<Unit> = first.units.into();
        simulate_waves(scenario, options, control, |wave| {
            let mut units = Vec::with_capacity(wave.len());
            for u in wave {
                // The first replications of this design, and of any design
                // before it, come first.
                while kept.front().is_some_and(|k| place(k.design) <= place(u.design)) {
                    units.extend(kept.pop_front());
                }
                units.push(u);
            }
            fold(&mut reducer, units)
        })?;
        fold(&mut reducer, kept.drain(..).collect())?;
        reducer.finish()
    })
}

/// Simulates the scenario and keeps its results unreduced (see
/// [`Simulated`]).
///
/// # Errors
/// As [`run`].
pub fn simulate(scenario: &Scenario, options: &RunOptions, control: &RunControl) -> Result<Simulated, RunError> {
    in_pool(pool_threads(scenario, options), || {
        let mut units = Vec::new();
        simulate_waves(scenario, options, control, |wave| {
            units.extend(wave);
            Ok(())
        })?;
        Ok(Simulated { units })
    })
}

/// Which subtask a shared part is: its design, replication, spikes
/// applied and part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct PartKey {
    design: usize,
    replication: u32,
    spikes: Spikes,
    part: usize,
}

/// The raw results of a run's subtasks that the [`Varying`] tenants
/// cannot change (those that simulate none of them, or only tenants whose
/// spikes vary without applying those spikes), simulated once and given
/// to later runs of scenarios that differ from the one simulated only in
/// those tenants: the planner's points along a spike's factor, a tier's
/// usage plan or a tenant's rate share them this way.
#[derive(Debug, Clone, Default)]
pub struct Shared {
    parts: rustc_hash::FxHashMap<PartKey, raw::TaskRaw>,
    /// The run they were simulated in.
    outline: Outline,
    /// Its arrival tables, one per replication (empty when it drew none
    /// or they were too large to keep): a later run draws only its
    /// varying tenants' arrivals and reads the others' from them.
    tables: Vec<drawer::ArrivalTable>,
}

/// The tenants that differ between runs sharing parts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Varying {
    /// Tenants whose load, tier or plan differs: every subtask simulating
    /// one of them varies.
    pub tenants: Vec<bool>,
    /// Tenants whose spikes' factors differ: a subtask varies only if it
    /// simulates one of them and applies its spikes.
    pub spikes: Vec<bool>,
}

impl Varying {
    /// Every tenant that varies in any way.
    fn any(&self) -> Vec<bool> {
        let n = self.tenants.len().max(self.spikes.len());
        (0..n)
            .map(|t| self.tenants.get(t).copied().unwrap_or(false) || self.spikes.get(t).copied().unwrap_or(false))
            .collect()
    }
}

/// A run's tasks with the ticks each simulates, its designs' splits and
/// its engine: runs whose outlines differ do not share parts (a change
/// that moves where the baselines stop, say, changes every baseline).
#[derive(Debug, Clone, Default, PartialEq)]
struct Outline {
    tasks: Vec<(usize, u32, Spikes, u64)>,
    splits: Vec<Vec<Vec<bool>>>,
    per_request: bool,
}

impl Shared {
    /// The raw results of subtask `key`, if shared.
    fn get(&self, key: PartKey) -> Option<&raw::TaskRaw> {
        self.parts.get(&key)
    }

    /// How many parts are kept.
    pub fn len(&self) -> usize {
        self.parts.len()
    }

    /// True when no part is kept.
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }
}

/// How many subtasks of a run of `scenario` with `options` the spikes of
/// the tenants `options.varying` cannot change: what [`simulate_shared`]
/// would keep.
pub fn shared_count(scenario: &Scenario, options: &RunOptions) -> usize {
    let Some(varying) = &options.varying else { return 0 };
    let designs: Vec<usize> = options.designs.clone().unwrap_or_else(|| (0..scenario.designs.len()).collect());
    Plan::new(scenario, &designs, options.replications_of(scenario), options, &RunControl::new())
        .map_or(0, |plan| plan.subtasks.iter().filter(|&&sub| !plan.varies(sub, varying)).count())
}

/// Simulates only the subtasks of a run of `scenario` that the spikes of
/// the tenants `options.varying` cannot change, and keeps their raw
/// results for later runs ([`RunOptions::given`], with the same
/// `varying`). A run given them takes them instead of simulating the same
/// subtasks, so the caller must only give them to runs of scenarios that
/// differ from this one in those tenants' spikes' factors alone.
///
/// # Errors
/// As [`run`].
pub fn simulate_shared(
    scenario: &Scenario,
    options: &RunOptions,
    control: &RunControl,
    table_room_bytes: usize,
) -> Result<Shared, RunError> {
    let Some(varying) = &options.varying else { return Ok(Shared::default()) };
    in_pool(pool_threads(scenario, options), || {
        with_job(scenario, options, control, |job| {
            let plan = job.plan;
            let keep: Vec<(usize, usize)> =
                plan.subtasks.iter().copied().filter(|&sub| !plan.varies(sub, varying)).collect();
            let raws: Vec<Option<raw::TaskRaw>> = keep.par_iter().map(|&(task, p)| job.subtask(task, p)).collect();
            let raws: Vec<raw::TaskRaw> = raws.into_iter().collect::<Option<_>>().ok_or(RunError::Cancelled)?;
            let table_bytes: usize = job.tables.iter().map(drawer::ArrivalTable::bytes).sum();
            Ok(Shared {
                parts: keep.into_iter().map(|sub| plan.key(sub)).zip(raws).collect(),
                outline: plan.outline(scenario),
                tables: if table_bytes <= table_room_bytes { job.tables.to_vec() } else { Vec::new() },
            })
        })
    })
}

/// The worker threads a run of `scenario` uses: those asked for (or the
/// current pool's), but no more than the scenario's memory budget allows
/// ([`Scenario::max_threads`]).
pub fn run_threads(scenario: &Scenario, options: &RunOptions) -> usize {
    options.threads.unwrap_or_else(rayon::current_num_threads).min(scenario.max_threads.max(1))
}

/// The pool a run needs: `None` runs on the current one (nothing was
/// asked and the budget allows all of its threads).
fn pool_threads(scenario: &Scenario, options: &RunOptions) -> Option<usize> {
    let threads = run_threads(scenario, options);
    (options.threads.is_some() || threads < rayon::current_num_threads()).then_some(threads)
}

fn in_pool<T: Send>(threads: Option<usize>, work: impl FnOnce() -> Result<T, RunError> + Send) -> Result<T, RunError> {
    match threads {
        Some(threads) => rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| RunError::ThreadPool { threads, message: e.to_string() })?
            .install(work),
        None => work(),
    }
}

/// Simulates on the current pool in waves of whole replications, handing
/// each wave's replications, in order, to `each` before the next wave
/// starts; stops at the first error `each` returns.
fn simulate_waves(
    scenario: &Scenario,
    options: &RunOptions,
    control: &RunControl,
    mut each: impl FnMut(Vec<Unit>) -> Result<(), RunError>,
) -> Result<(), RunError> {
    with_job(scenario, options, control, |job| {
        let (plan, threads) = (job.plan, rayon::current_num_threads());
        let wave_subtasks = crate::scenario::budget::wave_subtasks(threads as f64, scenario.result_bytes) as usize;
        // Replications are runs of tasks of the same design and
        // replication; subtasks are in task order.
        let mut task = 0;
        let mut subtask = 0;
        while task < plan.tasks.len() {
            let (first_task, first_subtask) = (task, subtask);
            while task < plan.tasks.len() && (task == first_task || subtask - first_subtask < wave_subtasks) {
                let (d, r, _) = plan.tasks[task];
                while task < plan.tasks.len() && plan.tasks[task].0 == d && plan.tasks[task].1 == r {
                    task += 1;
                }
                while subtask < plan.subtasks.len() && plan.subtasks[subtask].0 < task {
                    subtask += 1;
                }
            }
            debug_assert!(
                subtask - first_subtask < wave_subtasks + plan.runs_per_replication * parts::MAX_PARTS,
                "a wave holds what the budget counts (budget::held_results)"
            );
            let units = job.wave(first_task..task, first_subtask..subtask)?;
            if control.is_cancelled() {
                return Err(RunError::Cancelled);
            }
            each(units)?;
        }
        Ok(())
    })
}

/// Plans the tasks of a run of `scenario`, sets up what their subtasks
/// share (latency cache, arrival tables) and hands the job to `body`.
fn with_job<T>(
    scenario: &Scenario,
    options: &RunOptions,
    control: &RunControl,
    body: impl FnOnce(&Job<'_>) -> Result<T, RunError>,
) -> Result<T, RunError> {
    if control.is_cancelled() {
        return Err(RunError::Cancelled);
    }
    let designs: Vec<usize> = options.designs.clone().unwrap_or_else(|| (0..scenario.designs.len()).collect());
    let plan = Plan::new(scenario, &designs, options.replications_of(scenario), options, control)?;
    let shared = latency::SharedPmfs::of(scenario);
    let focus: Vec<usize> = match &options.focus {
        Some(list) => list.iter().copied().filter(|&t| t < scenario.tenants.len()).collect(),
        None if scenario.tenants.len() <= FOCUS_ALL_MAX => (0..scenario.tenants.len()).collect(),
        None => Vec::new(),
    };
    let points = options.series_points.unwrap_or(series::MAX_SERIES_POINTS).clamp(1, series::MAX_SERIES_POINTS);
    // Parts from a run laid out otherwise cannot stand in for these.
    let given = options.given.as_deref().filter(|g| g.outline == plan.outline(scenario));
    let tables = arrival_tables(scenario, &plan, given.zip(options.varying.as_ref()), control)?;
    // Drawing ahead only pays when the tasks leave a thread idle (every
    // way of getting arrivals gives the same numbers).
    let threads = rayon::current_num_threads();
    let ahead = threads > 1 && plan.subtasks.len() <= threads;
    let clock = options.clock.as_ref();
    let job = Job {
        scenario,
        plan: &plan,
        given,
        tables: &tables,
        shared: &shared,
        focus: &focus,
        points,
        ahead,
        control,
        clock,
    };
    body(&job)
}

/// What every subtask of a run reads.
struct Job<'a> {
    scenario: &'a Scenario,
    plan: &'a Plan,
    /// Parts simulated before, taken instead of simulating them.
    given: Option<&'a Shared>,
    tables: &'a [drawer::ArrivalTable],
    shared: &'a latency::SharedPmfs,
    focus: &'a [usize],
    points: u64,
    ahead: bool,
    control: &'a RunControl,
    clock: Option<&'a WallClock>,
}

impl Job<'_> {
    /// Simulates the subtasks `subtasks` (those of the tasks `tasks`, whole
    /// replications) and merges them into their replications.
    fn wave(&self, tasks: std::ops::Range<usize>, subtasks: std::ops::Range<usize>) -> Result<Vec<Unit>, RunError> {
        let plan = self.plan;
        let merged = self.merged(tasks.clone(), subtasks)?;
        let mut units: Vec<Unit> = Vec::new();
        for (raw, i) in merged.into_iter().zip(tasks) {
            let (d, _, spikes) = plan.tasks[i];
            match (spikes, units.last_mut()) {
                (Spikes::None, Some(unit)) => {
                    let mut base = raw;
                    // Spiking tenants no other spike reaches are not hurt;
                    // the others' own baselines follow.
                    base.own = plan.alone[d].iter().map(|&t| (t, None)).collect();
                    unit.base = Some(base);
                }
                (Spikes::Own(t), Some(Unit { base: Some(base), .. })) => {
                    base.own.push((t, raw.tenants.get(t).cloned().map(Box::new)));
                }
                _ => units.push(Unit { design: d, main: raw, base: None }),
            }
        }
        Ok(units)
    }

    /// The merged results of the tasks `tasks`, with costs attributed:
    /// their subtasks `subtasks` simulated and merged, or given.
    fn merged(
        &self,
        tasks: std::ops::Range<usize>,
        subtasks: std::ops::Range<usize>,
    ) -> Result<Vec<raw::TaskRaw>, RunError> {
        let (sc, plan) = (self.scenario, self.plan);
        let parts: Vec<Option<raw::TaskRaw>> = plan.subtasks[subtasks.clone()]
            .par_iter()
            .map(|&(task, p)| match self.given.and_then(|g| g.get(plan.key((task, p)))) {
                Some(given) => Some(given.clone()),
                None => self.subtask(task, p),
            })
            .collect();
        let parts: Vec<raw::TaskRaw> = parts.into_iter().collect::<Option<_>>().ok_or(RunError::Cancelled)?;
        // Each task's parts (subtasks are in task order).
        let mut own: Vec<Vec<raw::TaskRaw>> = tasks.clone().map(|_| Vec::new()).collect();
        for (raw, &(task, _)) in parts.into_iter().zip(&plan.subtasks[subtasks]) {
            own[task - tasks.start].push(raw);
        }
        let merged: Vec<raw::TaskRaw> = own
            .into_par_iter()
            .zip(tasks.clone())
            .map(|(own, i)| {
                let design = &sc.designs[plan.tasks[i].0];
                let mut raw = parts::merge(sc, design, own, self.shared);
                cost::attribute(sc, design, &mut raw);
                raw
            })
            .collect();
        Ok(merged)
    }

    /// Part `p` of task `task`; `None` when cancelled.
    fn subtask(&self, task: usize, p: usize) -> Option<raw::TaskRaw> {
        let (scenario, plan) = (self.scenario, self.plan);
        let (d, r, spikes) = plan.tasks[task];
        let masks = &plan.splits[d];
        let part = task::Part { members: (masks.len() > 1).then(|| masks[p].as_slice()), first: p == 0 };
        let tenants = part.members.map_or(scenario.tenants.len(), |m| m.iter().filter(|&&x| x).count());
        let arrivals = match self.tables.get((r - plan.first_replication) as usize) {
            Some(table) => drawer::Arrivals::Table(table),
            None if self.ahead && tenants as u64 * scenario.clock.ticks >= AHEAD_TENANT_TICKS => {
                drawer::Arrivals::Ahead
            }
            None => drawer::Arrivals::Inline,
        };
        // A baseline is only read for its window figures.
        let focus: &[usize] = if spikes.baseline() { &[] } else { self.focus };
        if scenario.per_request() {
            return exact::simulate(scenario, &scenario.designs[d], r, spikes, focus, self.points, self.control);
        }
        task::simulate(
            scenario,
            &scenario.designs[d],
            r,
            spikes,
            part,
            arrivals,
            self.shared,
            focus,
            self.control,
            self.clock,
            self.points,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::model::Engine;
    use crate::scenario::{Limits, load_str};

    #[test]
    fn estimates_folded_in_one_pass_keep_the_means_and_nearly_the_intervals() {
        let text = r#"Scenario(version: 1, name: "fold", clock: (duration: "10m", seed: 4, replications: 5),
            tiers: { "t": (price_per_month: 10.0, plan: (rate: 50.0, burst: 50.0)) },
            tenants: [ Group(prefix: "a", count: 6, tier: "t", load: (rate: 8.0), spread: LogNormal(sigma: 0.5)) ],
            layers: ( gateway: (), compute: (service_time: Exponential(mean_ms: 40.0), concurrency: 2, instances: (min: 1, max: 3)) ),
            designs: [ (name: "pool", placement: { "*": Pool }), (name: "silo", placement: { "*": Silo }) ],
            events: [ Spike(tenant: "a-00", at: "3m", duration: "3m", factor: 10.0) ])"#;
        let sc = match load_str(text, &Limits::default()) {
            Ok((_, sc)) => sc,
            Err(e) => panic!("{e}"),
        };
        let options = |threads| RunOptions { threads: Some(threads), ..RunOptions::default() };
        let Ok(simulated) = simulate(&sc, &options(2), &RunControl::new()) else { panic!("runs") };
        let control = RunControl::new();
        let (Ok(kept), Ok(running)) =
            (simulated.report_keeping(&sc, reduce::KEPT_BYTES, &control), simulated.report_keeping(&sc, 0, &control))
        else {
            panic!("not cancelled")
        };
        let Ok(run) = run(&sc, &options(1), &RunControl::new()) else { panic!("runs") };
        assert_eq!(run, kept, "a run folds as the kept results do");
        let (a, b) = (kept.designs[0].tenants[3].served, running.designs[0].tenants[3].served);
        assert_eq!(a.mean.to_bits(), b.mean.to_bits());
        assert!(a.ci95 > 0.0 && (a.ci95 - b.ci95).abs() <= 1e-9 * a.ci95, "{a:?} vs {b:?}");
        let (a, b) = (&kept.designs[1].series.total.served_per_sec, &running.designs[1].series.total.served_per_sec);
        assert_eq!(a.mean, b.mean);
        assert!(a.ci95.iter().zip(&b.ci95).all(|(x, y)| (x - y).abs() <= 1e-9 * x.abs().max(1e-9)));
    }

    #[test]
    fn runs_of_adjoining_replications_merge_into_one_run() {
        let text = r#"Scenario(version: 1, name: "merge", clock: (duration: "10m", seed: 8, replications: 5),
            tiers: { "t": (price_per_month: 10.0, plan: (rate: 50.0, burst: 50.0)) },
            tenants: [ Group(prefix: "a", count: 5, tier: "t", load: (rate: 30.0)) ],
            layers: ( gateway: (), compute: (service_time: Exponential(mean_ms: 40.0), concurrency: 2, instances: (min: 2, max: 4),
                autoscale: (target_utilisation: 0.6, warmup: "1m")) ),
            designs: [ (name: "pool", placement: { "*": Pool }), (name: "silo", placement: { "*": Silo }) ],
            events: [ Spike(tenant: "a-01", at: "3m", duration: "3m", factor: 8.0) ])"#;
        let auto = match load_str(text, &Limits::default()) {
            Ok((_, sc)) => sc,
            Err(e) => panic!("{e}"),
        };
        let control = RunControl::new();
        for (engine, threads) in [(Engine::Auto, 1), (Engine::Auto, 2), (Engine::Fast, 2), (Engine::Exact, 2)] {
            let mut sc = auto.clone();
            sc.clock.engine = engine;
            let options = |replications| RunOptions { threads: Some(threads), replications, ..RunOptions::default() };
            let Ok(whole) = run(&sc, &options(None), &control) else { panic!("runs") };
            // A first look at two replications, as the app runs it: a
            // scenario of two replications, then the rest of the full one.
            let mut look = sc.clone();
            look.clock.replications = 2;
            let Ok(first) = simulate(&look, &options(None), &control) else { panic!("runs") };
            let Ok(first_report) = first.report(&look, &control) else { panic!("reports") };
            let Ok(look_run) = run(&look, &options(None), &control) else { panic!("runs") };
            assert_eq!(
                first_report, look_run,
                "{engine:?}, {threads} thread(s): the first look is a run of two replications"
            );
            let Ok(after) = run_after(first, &sc, &options(Some(2..5)), &control) else { panic!("runs") };
            assert_eq!(
                after, whole,
                "{engine:?}, {threads} thread(s): the rest run after the first look is the whole run"
            );
            // The same with one design of two (the second).
            let only = |replications| RunOptions { designs: Some(vec![1]), ..options(replications) };
            let (Ok(whole), Ok(first)) = (run(&sc, &only(None), &control), simulate(&look, &only(None), &control))
            else {
                panic!("runs")
            };
            let Ok(after) = run_after(first, &sc, &only(Some(2..5)), &control) else { panic!("runs") };
            assert_eq!(after, whole, "{engine:?}, {threads} thread(s): one design");
            assert!(
                total_ticks(&sc, &options(Some(2..5))) * 5 == total_ticks(&sc, &options(None)) * 3,
                "progress counts the replications run"
            );
        }
        // A range past the scenario's replications runs none of them.
        let Ok(none) = simulate(&auto, &RunOptions { replications: Some(7..9), ..RunOptions::default() }, &control)
        else {
            panic!("runs")
        };
        assert!(none.units.is_empty());
    }

    #[test]
    fn the_budget_counts_as_the_engine_does() {
        use crate::scenario::budget;
        assert_eq!(budget::SERIES_POINTS, series::MAX_SERIES_POINTS);
        assert_eq!(budget::FOCUS_TENANTS, FOCUS_ALL_MAX as u64);
        assert_eq!(budget::KEPT_BYTES, reduce::KEPT_BYTES as f64);
        assert_eq!(budget::PARTS_PER_DESIGN, parts::MAX_PARTS as f64);
        // A wave holds at least WAVE_SUBTASKS_PER_THREAD subtasks per
        // thread (more only while their results fit WAVE_BYTES), and one
        // replication's parts beyond it: a run and its baselines, at most
        // MAX_PARTS each.
        assert_eq!(budget::wave_subtasks(8.0, budget::WAVE_BYTES), 8.0 * WAVE_SUBTASKS_PER_THREAD as f64);
        let beyond =
            budget::held_results(8.0, budget::WAVE_BYTES, 3.0) / 2.0 - budget::wave_subtasks(8.0, budget::WAVE_BYTES);
        assert_eq!(beyond, 3.0 * parts::MAX_PARTS as f64);
        assert_eq!(budget::OWN_BASELINES, windows::MAX_OWN_BASELINES as f64);
        assert_eq!(budget::BLAMED_NAMES, crate::report::MAX_BLAMED);
        assert!(budget::BLAMED_NAME_BYTES >= std::mem::size_of::<String>() as f64 + 3.0);
        // A result's fixed part per tenant and per stack fits its share.
        assert!(std::mem::size_of::<raw::TenantRaw>() as f64 <= budget::RESULT_BYTES_PER_TENANT);
        assert!(std::mem::size_of::<raw::StackRaw>() as f64 <= budget::RESULT_BYTES_PER_STACK);
    }
}
