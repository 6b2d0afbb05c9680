//! The work and memory a run of a scenario needs, estimated from the
//! scenario's shape before anything is allocated, and checked against the
//! budget in [`Limits`].
//!
//! [`Shape`] counts what a run's size depends on (tenants, ticks,
//! replications, each design's stacks and tables, key shards, spikes,
//! requests); [`estimate`] turns it into [`Needs`] by one documented
//! formula (docs/scenario-format.md, "Budget"). Resolution works the shape
//! out from the file before it builds a design's stacks, so a file over
//! the budget is refused before anything big is allocated, with the
//! estimate and the fields to reduce.
//!
//! The byte counts per item are upper bounds of what the engine keeps (a
//! test in the engine holds them to its types); the estimate assumes
//! [`ESTIMATE_THREADS`] worker threads, each simulating one task.

use crate::scenario::limits::Limits;
use crate::scenario::model::{Engine, Event, Scenario, StackKind, Tier};

/// Worker threads the memory estimate assumes (each further thread adds
/// one task's state).
pub const ESTIMATE_THREADS: f64 = 8.0;

/// Series points a run plots at most (as the engine's
/// `sim::series::MAX_SERIES_POINTS`).
pub const SERIES_POINTS: u64 = 360;

/// Parts a design is split into at most (as the engine's
/// `sim::parts::MAX_PARTS`).
pub const PARTS_PER_DESIGN: f64 = 8.0;

/// Tenants up to which every tenant gets its own series (as the engine's
/// `sim::FOCUS_ALL_MAX`).
pub const FOCUS_TENANTS: u64 = 32;

/// One latency histogram of a tenant or tier (its bins and header).
pub const HISTOGRAM_BYTES: f64 = 9_216.0;
/// A task's state per tenant, besides its histograms: arrivals, usage
/// plan, queues, counters, latency slots, raw results.
pub const TASK_BYTES_PER_TENANT: f64 = 2_048.0;
/// A task's state per stack (all layers): queue, autoscaler, buckets,
/// counters.
pub const TASK_BYTES_PER_STACK: f64 = 1_024.0;
/// A task's state per key shard: where it lies, its share, and the kept
/// partition and demand slot it may need.
pub const TASK_BYTES_PER_SHARD: f64 = 128.0;
/// The per-request engine's state per database partition.
pub const EXACT_BYTES_PER_PARTITION: f64 = 256.0;
/// One request waiting in a queue simulated request by request.
pub const REQUEST_BYTES: f64 = 64.0;

/// How long a request's bytes are budgeted to stay in a queue: at most
/// `timeout_secs` and the run; with failed messages coming back after
/// `visibility_secs` (`Some`), a message may live that much longer, and,
/// held with its place in the order it comes back, takes up to twice a
/// waiting request's bytes, so the whole window counts twice.
pub fn queued_secs(timeout_secs: f64, visibility_secs: Option<f64>, duration_secs: f64) -> f64 {
    match visibility_secs {
        None => timeout_secs.min(duration_secs),
        Some(hidden) => 2.0 * (timeout_secs + hidden).min(duration_secs),
    }
}
/// A client's retry waiting to be sent (the per-request engine's
/// `retries::Pending`, 72 bytes, in a heap that may double).
pub const RETRY_BYTES: f64 = 144.0;
/// An attempt whose client has a timeout, in the per-request engine: its
/// slot (the attempt and its state, 72 bytes), its deadline (16) and a
/// free-list entry (4), in vectors that may double.
pub const CLIENT_TIMEOUT_BYTES: f64 = 192.0;
/// A series point of one flow series (six flows, a p99, the latency sums
/// by layer, the requests waiting, and the per-request engine's sums per
/// row) while simulating and in a result.
pub const POINT_BYTES: f64 = 104.0;
/// A tier's latency weights at one series point, kept by a design's parts
/// for merging.
pub const MIXTURE_BYTES: f64 = 2_048.0;
/// A task's cache of latency distributions.
pub const LATENCY_CACHE_BYTES: f64 = 2048.0 * 8_704.0;
/// Shared by a run's tasks: the distributions cache and arrival tables.
pub const SHARED_BYTES: f64 = 8192.0 * 8_704.0 + 32.0 * 1024.0 * 1024.0;
/// A result per tenant (its counters, and those noted where the baseline
/// stops).
pub const RESULT_BYTES_PER_TENANT: f64 = 1_024.0;
/// A result per stack.
pub const RESULT_BYTES_PER_STACK: f64 = 256.0;
/// A report per tenant and design, with its JSON or CSV text.
pub const REPORT_BYTES_PER_TENANT: f64 = 6_144.0;
/// A report per stack and design, with its text.
pub const REPORT_BYTES_PER_STACK: f64 = 512.0;
/// A report's series point per flow series, with its text.
pub const REPORT_BYTES_PER_POINT: f64 = 512.0;
/// A resolved tenant.
pub const SCENARIO_BYTES_PER_TENANT: f64 = 256.0;
/// A resolved stack (its label and members' place).
pub const SCENARIO_BYTES_PER_STACK: f64 = 128.0;
/// A resolved design's placement per tenant (stack of each tenant and its
/// place among the stack's members, in three layers).
pub const SCENARIO_BYTES_PER_PLACEMENT: f64 = 24.0;
/// Figures of one tenant a replication records (see `sim::reduce`).
pub const FIGURES_PER_TENANT: f64 = 50.0;
/// Bytes of results of a run's first replications that may be kept for a
/// run of the rest (`sim::run_after`; the app's first look), counted in
/// every estimate: a first look whose results take more is not kept.
pub const KEPT_FIRST_BYTES: f64 = 64.0 * 1024.0 * 1024.0;

/// Bytes of results a wave of subtasks may hold beyond its least size
/// (`sim::WAVE_SUBTASKS_PER_THREAD` subtasks per thread). Most runs'
/// results are small, so they simulate in a few large waves, and no
/// thread waits long at a wave's end for another's slow task.
pub const WAVE_BYTES: f64 = 64.0 * 1024.0 * 1024.0;

/// Subtasks in a wave of a run on `threads` worker threads whose subtasks'
/// results take `result_bytes` each: 4 per thread, or as many as
/// [`WAVE_BYTES`] holds when that is more.
pub fn wave_subtasks(threads: f64, result_bytes: f64) -> f64 {
    (threads * 4.0).max((WAVE_BYTES / result_bytes.max(1.0)).floor())
}

/// Results held at once by a run on `threads` worker threads: a wave of
/// subtasks ([`wave_subtasks`]), one replication's parts beyond it (`runs`
/// runs of a design and replication, [`PARTS_PER_DESIGN`] parts each), and
/// as many again while they are merged.
pub fn held_results(threads: f64, result_bytes: f64, runs: f64) -> f64 {
    2.0 * (wave_subtasks(threads, result_bytes) + runs * PARTS_PER_DESIGN)
}

/// Most spiking tenants of a design with a baseline of their own (as
/// `sim::windows::MAX_OWN_BASELINES`).
pub const OWN_BASELINES: f64 = 16.0;

/// The most worker threads [`threads_within`] ever allows (more than any
/// machine's cap, see `host::max_threads`).
pub const MAX_THREADS: usize = 4096;
/// Values of a design the reduction keeps for two-pass estimates (as
/// `sim::reduce::KEPT_BYTES`).
pub const KEPT_BYTES: f64 = 32.0 * 1024.0 * 1024.0;

/// Work of simulating one request by request inside the tick loop
/// (`Auto`, near saturation), in units of one tenant for one tick; the
/// request count is already an upper bound (every request at peak rates).
pub const REQUEST_WORK: f64 = 4.0;
/// Work of one request as an event of the per-request engine (`Exact`):
/// measured at about 300 ns a request against 24 ns a unit
/// (tests/hostile/exact.ron and replications.ron).
pub const EXACT_REQUEST_WORK: f64 = 12.0;

/// The work of one request simulated one by one under `engine`.
fn request_work(engine: Engine) -> f64 {
    if engine == Engine::Exact { EXACT_REQUEST_WORK } else { REQUEST_WORK }
}
/// Work of folding one tenant's figures of one replication.
pub const FOLD_WORK: f64 = 4.0;

/// One design's size.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct DesignShape {
    /// Stacks over all its layers.
    pub stacks: u64,
    /// Partitions of its database tables.
    pub partitions: u64,
}

/// What a run's work and memory depend on.
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    /// Tenants.
    pub tenants: u64,
    /// Tiers.
    pub tiers: u64,
    /// Ticks per run.
    pub ticks: u64,
    /// Length of a tick, seconds.
    pub tick_secs: f64,
    /// Length of a run, seconds.
    pub duration_secs: f64,
    /// Replications.
    pub replications: u64,
    /// The engine.
    pub engine: Engine,
    /// True when nothing in the scenario needs the per-request engine (so
    /// `engine: Fast` is a way to make a run cheaper).
    pub fast_possible: bool,
    /// True when a queue layer takes the requests (its retention, not
    /// compute's queue timeout, bounds their wait).
    pub queue_layer: bool,
    /// True when some event is a spike (every run then has a baseline).
    pub spikes: bool,
    /// Tenants with a spike (with two or more, each may have a baseline
    /// of its own).
    pub spiking_tenants: u64,
    /// Each design's size, in file order.
    pub designs: Vec<DesignShape>,
    /// Key shards of every tenant (0 without a key-value database or a FIFO
    /// queue, which keep state per key shard).
    pub key_shards: u64,
    /// The field that sets the most key shards, for messages.
    pub key_shards_path: String,
    /// Sum of the tenants' peak rates (rate × pattern peak × spikes), req/s.
    pub peak_rate_per_sec: f64,
    /// Longest a request waits in a compute queue, seconds (at most the
    /// run).
    pub queue_timeout_secs: f64,
    /// Most attempts a request may take (1 when no tier retries).
    pub retry_attempts: f64,
    /// Most times a consumer may receive one message (1 unless a queue's
    /// failed messages come back).
    pub receives: f64,
    /// Longest a request may wait between its attempts in all, seconds.
    pub retry_wait_secs: f64,
    /// Longest any tier's clients wait for one attempt, seconds (0 when no
    /// client has a timeout).
    pub client_timeout_secs: f64,
    /// The most bytes one hurt tenant's blame list takes (see
    /// [`blamed_bytes`]).
    pub blamed_bytes: f64,
    /// Stages a request queues at and is served by: 2 with a relational
    /// database (compute, then its query), else 1.
    pub stages: f64,
}

impl Shape {
    /// Runs per design and replication, at most: the run itself, with
    /// spikes its no-spike baseline, and with several spiking tenants a
    /// baseline of each one's own.
    pub fn runs_per_replication(&self) -> f64 {
        let own = if self.spiking_tenants >= 2 { (self.spiking_tenants as f64).min(OWN_BASELINES) } else { 0.0 };
        1.0 + if self.spikes { 1.0 + own } else { 0.0 }
    }

    /// The shape of a resolved scenario (`key_shards_path` names the first
    /// tenant with the most shards).
    pub fn of(sc: &Scenario) -> Self {
        let designs = sc
            .designs
            .iter()
            .map(|d| DesignShape {
                stacks: d.layers.iter().map(|l| l.stacks.len() as u64).sum(),
                partitions: sc.database.as_ref().map_or(0, |db| {
                    d.layers[2]
                        .stacks
                        .iter()
                        .map(|s| {
                            u64::from(if s.kind == StackKind::Silo { db.silo_partitions } else { db.pool_partitions })
                        })
                        .sum()
                }),
            })
            .collect();
        // Key shards are a key-value table's keys and a FIFO queue's
        // message groups.
        let (key_shards, key_shards_path) = if sc.database.is_some() || sc.queue.as_ref().is_some_and(|q| q.fifo) {
            let most = (0..sc.tenants.len()).max_by_key(|&t| (sc.tenants[t].load.key_shards, std::cmp::Reverse(t)));
            (
                sc.tenants.iter().map(|t| u64::from(t.load.key_shards)).sum(),
                most.map_or_else(String::new, |t| format!("tenants.\"{}\".load.key_shards", sc.tenants[t].id)),
            )
        } else {
            (0, String::new())
        };
        Self {
            tenants: sc.tenants.len() as u64,
            tiers: sc.tiers.len() as u64,
            ticks: sc.clock.ticks,
            tick_secs: sc.clock.tick_secs,
            duration_secs: sc.clock.duration_secs,
            replications: u64::from(sc.clock.replications),
            engine: if sc.per_request() { Engine::Exact } else { sc.clock.engine },
            fast_possible: !sc.per_request_only(),
            queue_layer: sc.queue.is_some(),
            spikes: sc.has_spikes(),
            spiking_tenants: sc.spiking_tenants().len() as u64,
            designs,
            key_shards,
            key_shards_path,
            peak_rate_per_sec: peak_rates(
                sc.tenants.iter().map(|t| (t.load.rate_per_sec, t.load.pattern.peak())),
                &sc.events,
            )
            .iter()
            .sum(),
            queue_timeout_secs: queued_secs(
                sc.compute.queue_timeout_secs,
                sc.queue.as_ref().filter(|_| sc.redelivers()).map(|q| q.visibility_secs),
                sc.clock.duration_secs,
            ),
            retry_attempts: retry_attempts(&sc.tiers),
            receives: sc.queue.as_ref().filter(|_| sc.redelivers()).map_or(1.0, |q| {
                receives(q.max_receives, q.retention_secs.min(sc.clock.duration_secs), q.visibility_secs)
            }),
            retry_wait_secs: retry_wait_secs(&sc.tiers),
            client_timeout_secs: client_timeout_secs(&sc.tiers),
            blamed_bytes: blamed_bytes(&sc.tenants, &sc.events),
            stages: if sc.relational.is_some() { 2.0 } else { 1.0 },
        }
    }
}

/// Names a hurt tenant's blame list holds at most (as the report's
/// `MAX_BLAMED`).
pub const BLAMED_NAMES: usize = 16;

/// A name in a blame list besides its bytes: its string header, and its
/// quotes and comma in the report's text.
pub const BLAMED_NAME_BYTES: f64 = 28.0;

/// The most bytes one hurt tenant's blame list takes: the
/// [`BLAMED_NAMES`] longest ids of spiking tenants, each with
/// [`BLAMED_NAME_BYTES`]. Every hurt tenant of every design holds its own
/// copy, so long ids of spiking tenants count once per tenant and design.
pub fn blamed_bytes(tenants: &[crate::scenario::model::Tenant], events: &[Event]) -> f64 {
    let mut spiking: Vec<usize> =
        events.iter().filter_map(|e| if let Event::Spike { tenant, .. } = e { Some(*tenant) } else { None }).collect();
    spiking.sort_unstable();
    spiking.dedup();
    let mut lengths: Vec<usize> = spiking.iter().filter_map(|&t| tenants.get(t)).map(|t| t.id.len()).collect();
    lengths.sort_unstable_by(|a, b| b.cmp(a));
    lengths.iter().take(BLAMED_NAMES).map(|&len| len as f64 + BLAMED_NAME_BYTES).sum()
}

/// Each tenant's peak rate, req/s: its rate × its pattern's peak × the
/// factors (at least 1) of its spikes, from `(rate, pattern peak)` per
/// tenant.
pub fn peak_rates(tenants: impl Iterator<Item = (f64, f64)>, events: &[Event]) -> Vec<f64> {
    let mut peaks: Vec<f64> = tenants.map(|(rate, peak)| rate * peak).collect();
    let mut spikes = vec![1.0f64; peaks.len()];
    for e in events {
        if let Event::Spike { tenant, factor, .. } = *e
            && let Some(s) = spikes.get_mut(tenant)
        {
            *s *= factor.max(1.0);
        }
    }
    peaks.iter_mut().zip(&spikes).for_each(|(p, s)| *p *= s);
    peaks
}

/// One part of a run's memory.
#[derive(Debug, Clone, PartialEq)]
pub struct MemoryPart {
    /// What it holds.
    pub what: &'static str,
    /// Bytes.
    pub bytes: f64,
    /// The field to reduce, as a path.
    pub path: String,
    /// How to reduce it.
    pub reduce: String,
}

/// What a run needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Needs {
    /// Work in units of one tenant simulated for one tick, over every
    /// design, replication and baseline.
    pub work: f64,
    /// Work of the largest tick (tenants, stacks and key shards visited,
    /// and requests simulated one by one).
    pub tick_work: f64,
    /// The design whose tick is the largest.
    pub tick_design: usize,
    /// Memory, bytes: the sum of `memory`.
    pub memory_bytes: f64,
    /// Memory by part, largest first.
    pub memory: Vec<MemoryPart>,
}

/// The work and memory a run of `shape` needs:
///
/// - work = Σ over designs of (ticks × (tenants + stacks + key shards
///   beyond the first of each tenant) + 4 (`Auto`) or 12 (`Exact`) ×
///   requests (engines that
///   simulate requests) + 4 × tenants) × replications × (2 with spikes);
/// - the largest tick: tenants + the largest design's stacks + key shards
///   beyond the first, + requests in a tick at peak rates (Auto);
/// - memory: [`ESTIMATE_THREADS`] tasks' state (per tenant its state and
///   one latency histogram, two with spikes; per stack; per key shard;
///   per partition under Exact; waiting requests when requests are
///   simulated: peak rates × queue timeout) + [`held_results`] results +
///   the folded values + every design's report and its text + the
///   scenario + what the tasks share. Each term is one of the constants
///   of this module times a count.
pub fn estimate(s: &Shape) -> Needs {
    let n = s.tenants as f64;
    let runs = s.replications as f64 * s.runs_per_replication();
    let by_request = s.engine != Engine::Fast;
    // Every attempt of every request, at peak rates.
    let requests =
        if by_request { s.peak_rate_per_sec * s.duration_secs * s.retry_attempts * s.receives * s.stages } else { 0.0 };
    let extra_shards = s.key_shards.saturating_sub(s.tenants) as f64;
    let ticks = s.ticks as f64;
    let mut work = 0.0;
    let (mut tick_work, mut tick_design) = (0.0, 0);
    for (d, design) in s.designs.iter().enumerate() {
        let per_tick = n + design.stacks as f64 + extra_shards;
        work += (ticks * per_tick + request_work(s.engine) * requests + FOLD_WORK * n) * runs;
        if per_tick > tick_work {
            (tick_work, tick_design) = (per_tick, d);
        }
    }
    if s.engine == Engine::Auto {
        tick_work += s.peak_rate_per_sec * s.tick_secs;
    }
    let memory = memory(s, ESTIMATE_THREADS);
    Needs { work, tick_work, tick_design, memory_bytes: memory.iter().map(|p| p.bytes).sum(), memory }
}

/// The counts of a shape that the memory terms multiply.
struct Counts {
    /// Tenants.
    n: f64,
    /// Tiers.
    k: f64,
    /// 1 when every run has a no-spike baseline (a spike), else 0.
    windows: f64,
    /// Series points.
    points: f64,
    /// Series flows: the tiers, the focus tenants and the total.
    flows: f64,
}

impl Counts {
    fn of(s: &Shape) -> Self {
        let n = s.tenants as f64;
        let k = s.tiers as f64;
        let focus = if s.tenants <= FOCUS_TENANTS { n } else { 0.0 };
        Counts {
            n,
            k,
            windows: if s.spikes { 1.0 } else { 0.0 },
            points: s.ticks.min(SERIES_POINTS) as f64,
            flows: k + focus + 1.0,
        }
    }
}

/// The bytes of one subtask's results (those of its design's largest
/// part at most): its tenants', its stacks', its histograms and its
/// series.
pub fn result_bytes(s: &Shape) -> f64 {
    let Counts { n, k, windows, points, flows } = Counts::of(s);
    let stacks = s.designs.iter().map(|d| d.stacks as f64).fold(0.0, f64::max);
    n * RESULT_BYTES_PER_TENANT
        + stacks * RESULT_BYTES_PER_STACK
        + k * HISTOGRAM_BYTES * (1.0 + windows)
        + points * (flows * POINT_BYTES + k * MIXTURE_BYTES)
}

/// The bytes of one subtask's results in a plan's point, which records
/// one series point and no tenant's series. With spikes, a run's tenant
/// and stack counters are held twice (also where its baseline stops).
pub fn point_result_bytes(s: &Shape) -> f64 {
    let Counts { n, k, windows, .. } = Counts::of(s);
    let stacks = s.designs.iter().map(|d| d.stacks as f64).fold(0.0, f64::max);
    (n * RESULT_BYTES_PER_TENANT + stacks * RESULT_BYTES_PER_STACK) * (1.0 + windows)
        + k * HISTOGRAM_BYTES * (1.0 + windows)
        + (k + 1.0) * POINT_BYTES
        + k * MIXTURE_BYTES
}

/// The memory terms of [`estimate`] for a run on `threads` worker
/// threads, largest first.
fn memory(s: &Shape, threads: f64) -> Vec<MemoryPart> {
    let Counts { n, k, windows, points, flows } = Counts::of(s);
    let designs = s.designs.len() as f64;
    let (largest, stacks) = s
        .designs
        .iter()
        .enumerate()
        .map(|(d, x)| (d, x.stacks as f64))
        .fold((0, 0.0), |best, x| if x.1 > best.1 { x } else { best });
    let all_stacks: f64 = s.designs.iter().map(|d| d.stacks as f64).sum();
    let partitions = s.designs.iter().map(|d| d.partitions as f64).fold(0.0, f64::max);
    // A design runs as at most PARTS_PER_DESIGN parts, and no more than it
    // has stacks, each a subtask; never more are simulated or held at once
    // than there are.
    let runs = s.replications as f64 * s.runs_per_replication();
    let subtasks: f64 = s
        .designs
        .iter()
        .map(|d| if s.engine == Engine::Exact { 1.0 } else { (d.stacks as f64).clamp(1.0, PARTS_PER_DESIGN) })
        .sum::<f64>()
        * runs;
    let threads = threads.min(subtasks);
    let result = result_bytes(s);
    let held = held_results(threads, result, s.runs_per_replication()).min(subtasks);
    // A flow's values per point: six flows, its p99, four layers and its
    // queue depth.
    let width = n * FIGURES_PER_TENANT + stacks * 4.0 + points * (flows * 12.0 + 2.0) + k * 24.0 + 20.0;
    let kept = width * 8.0 * s.replications as f64;
    let folded = if kept <= KEPT_BYTES { kept } else { width * 24.0 } + held * width * 8.0;
    let waiting =
        if s.engine == Engine::Fast { 0.0 } else { s.peak_rate_per_sec * s.queue_timeout_secs * s.retry_attempts };
    // A request has at most one retry waiting, and only while it is under
    // way: its waits, and its attempts' queueing.
    let retrying = if s.retry_attempts > 1.0 {
        s.peak_rate_per_sec * (s.retry_wait_secs + s.retry_attempts * s.queue_timeout_secs)
    } else {
        0.0
    };
    // An attempt's slot lives from its admission until its deadline, or
    // until the server is done with it after its client gave up.
    let timing_out = if s.client_timeout_secs > 0.0 {
        s.peak_rate_per_sec * s.retry_attempts * (s.client_timeout_secs + s.queue_timeout_secs)
    } else {
        0.0
    };
    let design_path = format!("designs[{largest}].placement");
    let part = |what, bytes: f64, path: &str, reduce: &str| MemoryPart {
        what,
        bytes,
        path: path.to_owned(),
        reduce: reduce.to_owned(),
    };
    let mut parts = vec![
        part(
            "the tenants' state and latency histograms in the tasks running at once",
            threads * n * (TASK_BYTES_PER_TENANT + HISTOGRAM_BYTES * (1.0 + windows)),
            "tenants",
            "fewer tenants",
        ),
        part(
            "the stacks' state in the tasks running at once, and the stacks of every design",
            threads * stacks * TASK_BYTES_PER_STACK + all_stacks * (SCENARIO_BYTES_PER_STACK + REPORT_BYTES_PER_STACK),
            &design_path,
            "fewer silo stacks or cells",
        ),
        part(
            "the key shards in the tasks running at once",
            threads * s.key_shards as f64 * TASK_BYTES_PER_SHARD,
            &s.key_shards_path,
            "fewer key shards",
        ),
        part(
            "the database partitions of the per-request engine",
            if s.engine == Engine::Exact { threads * partitions * EXACT_BYTES_PER_PARTITION } else { 0.0 },
            "layers.database.partitions",
            "fewer partitions (partitions, silo_partitions) or tables, or the Fast or Auto engine",
        ),
        part(
            "requests waiting in queues simulated request by request (peak rates × queue timeout)",
            threads * waiting * REQUEST_BYTES,
            if s.queue_layer { "layers.queue.retention" } else { "layers.compute.queue_timeout" },
            if s.fast_possible {
                "a shorter queue_timeout or queue retention, lower rates, or engine: Fast"
            } else {
                "a shorter queue_timeout or queue retention, or lower rates"
            },
        ),
        part(
            "clients' retries waiting to be sent (peak rates × the longest backoffs and queueing of a request)",
            threads * retrying * RETRY_BYTES,
            "tiers",
            "fewer retry attempts or shorter backoffs",
        ),
        part(
            "clients' timeouts counting down (peak rates × attempts × the longest client timeout and queueing)",
            threads * timing_out * CLIENT_TIMEOUT_BYTES,
            "tiers",
            "shorter client timeouts, fewer attempts, or a shorter queue_timeout",
        ),
        part(
            "series of the tasks running at once",
            threads * points * (flows * POINT_BYTES + k * MIXTURE_BYTES),
            "tiers",
            "fewer tiers",
        ),
        part("results held while replications are folded", held * result + folded, "tenants", "fewer tenants"),
        part(
            "results of the first replications kept for the rest (the app's first look)",
            KEPT_FIRST_BYTES.min(designs * s.replications as f64 * s.runs_per_replication() * result),
            "tenants",
            "fewer tenants",
        ),
        part(
            "the report and its text",
            designs * (n * REPORT_BYTES_PER_TENANT + points * flows * REPORT_BYTES_PER_POINT),
            "designs",
            "fewer designs or tenants",
        ),
        part(
            "the blame lists of hurt tenants and their text (the longest ids of spiking tenants, once per tenant \
             and design)",
            2.0 * designs * n * s.blamed_bytes,
            "events",
            "shorter ids for spiking tenants, fewer tenants or designs",
        ),
        part(
            "the resolved scenario",
            n * SCENARIO_BYTES_PER_TENANT + designs * n * SCENARIO_BYTES_PER_PLACEMENT,
            "tenants",
            "fewer tenants or designs",
        ),
        part("caches and arrival tables", threads * LATENCY_CACHE_BYTES + SHARED_BYTES, "", ""),
    ];
    parts.retain(|p| p.bytes > 0.0);
    parts.sort_by(|a, b| b.bytes.total_cmp(&a.bytes));
    parts
}

/// The memory a run of `shape` on `threads` worker threads needs, bytes
/// ([`estimate`] is this at [`ESTIMATE_THREADS`]).
pub fn memory_bytes(shape: &Shape, threads: usize) -> f64 {
    memory(shape, threads as f64).iter().map(|p| p.bytes).sum()
}

/// The most worker threads a run of `shape` may use and stay within the
/// memory budget of `limits` (each thread simulates a task of its own and
/// holds its state): at least 1, at most [`MAX_THREADS`]. Validation
/// judges a file at [`ESTIMATE_THREADS`], so that a file is accepted or
/// refused alike on every machine; a run on a machine with more threads
/// than that uses no more than this many.
pub fn threads_within(shape: &Shape, limits: &Limits) -> usize {
    let fits = |threads: usize| memory_bytes(shape, threads) <= limits.max_memory_bytes;
    // Memory grows with threads: the largest count that fits, by bisection.
    let (mut fit, mut over) = (1, MAX_THREADS + 1);
    if !fits(1) {
        return 1;
    }
    while over - fit > 1 {
        let mid = fit + (over - fit) / 2;
        if fits(mid) { fit = mid } else { over = mid }
    }
    fit
}

/// A figure in bytes for messages: `2.1 GB`, `350 MB`.
pub fn show_bytes(bytes: f64) -> String {
    if bytes >= 1e9 { format!("{:.1} GB", bytes / 1e9) } else { format!("{:.0} MB", (bytes / 1e6).max(1.0)) }
}

/// One line on what a run needs against `limits`, for `validate`:
/// memory, work and the largest tick, each with its budget.
pub fn summary(needs: &Needs, limits: &Limits) -> String {
    format!(
        "needs about {} of memory (budget {}, for {ESTIMATE_THREADS} worker threads), {:.1e} units of work \
         (budget {:.1e}) and {:.1e} per tick (limit {:.1e})",
        show_bytes(needs.memory_bytes),
        show_bytes(limits.max_memory_bytes),
        needs.work,
        limits.max_work,
        needs.tick_work,
        limits.max_tick_work,
    )
}

/// A problem with the budget: the field to reduce and the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverBudget {
    /// The field path.
    pub path: String,
    /// The estimate, the budget and what to reduce.
    pub message: String,
}

/// Checks `shape` against `limits`; every budget it is over, with the
/// estimate and what to reduce.
pub fn check(shape: &Shape, limits: &Limits) -> Vec<OverBudget> {
    let needs = estimate(shape);
    let mut over = Vec::new();
    if needs.work > limits.max_work {
        let runs = shape.runs_per_replication();
        let baseline = if runs > 2.0 {
            format!(" × {runs} for the no-spike baseline and each spiking tenant's own")
        } else if runs > 1.0 {
            " × 2 for the no-spike baseline".to_owned()
        } else {
            String::new()
        };
        let requests = if shape.engine == Engine::Fast {
            String::new()
        } else {
            let attempts = if shape.retry_attempts > 1.0 {
                format!(" (up to {} attempts each, as clients retry)", shape.retry_attempts)
            } else if shape.receives > 1.0 {
                format!(
                    " (up to {} receives each, as messages come back, failed or still held by a slow consumer: a \
                     dead-letter queue after fewer receives, or a longer visibility timeout, bounds them)",
                    shape.receives
                )
            } else {
                String::new()
            };
            format!(" + {} × requests simulated one by one{attempts}", request_work(shape.engine))
        };
        // Retries run request by request whatever the engine.
        let instead = if shape.retry_attempts > 1.0 {
            ", or fewer retry attempts"
        } else if shape.receives > 1.0 {
            ", or fewer receives before the dead-letter queue (layers.queue.max_receives)"
        } else if shape.engine == Engine::Fast || !shape.fast_possible {
            ""
        } else {
            ", or engine: Fast"
        };
        over.push(OverBudget {
            path: "clock".into(),
            message: format!(
                "this run needs about {:.2e} units of work (budget {:.1e}): ticks × (tenants + stacks + extra key \
                 shards){requests}, × designs × replications{baseline}; use a longer tick, a shorter duration, fewer \
                 replications, designs or tenants{}",
                needs.work, limits.max_work, instead
            ),
        });
    }
    if needs.tick_work > limits.max_tick_work {
        let d = needs.tick_design;
        let stacks = shape.designs.get(d).map_or(0, |x| x.stacks);
        let extra_shards = shape.key_shards.saturating_sub(shape.tenants);
        let requests = if shape.engine == Engine::Auto { shape.peak_rate_per_sec * shape.tick_secs } else { 0.0 };
        // The largest contributor names the field.
        let (_, path, reduce) = [
            (shape.tenants as f64, "tenants".to_owned(), "fewer tenants"),
            (stacks as f64, format!("designs[{d}].placement"), "fewer silo stacks or cells"),
            (extra_shards as f64, shape.key_shards_path.clone(), "fewer key shards"),
            (requests, "clock.tick".into(), "a shorter tick, lower rates or engine: Fast"),
        ]
        .into_iter()
        .fold((0.0, String::new(), ""), |best, x| if x.0 > best.0 { x } else { best });
        over.push(OverBudget {
            path,
            message: format!(
                "one tick of this run visits about {:.2e} tenants, stacks and key shards{} ({} tenants, {stacks} stacks in \
                 designs[{d}], {extra_shards} key shards beyond the first of each tenant), over the limit of {:.1e} \
                 (a tick must stay short so that a run stops promptly when cancelled); use {reduce}",
                needs.tick_work,
                if requests > 0.0 { format!(" and {requests:.2e} requests at peak rates") } else { String::new() },
                shape.tenants,
                limits.max_tick_work,
            ),
        });
    }
    if needs.memory_bytes > limits.max_memory_bytes {
        let path = needs.memory.iter().find(|p| !p.path.is_empty()).map_or_else(String::new, |p| p.path.clone());
        let parts: Vec<String> = needs
            .memory
            .iter()
            .take(3)
            .map(|p| {
                if p.reduce.is_empty() {
                    format!("{} {}", p.what, show_bytes(p.bytes))
                } else {
                    format!("{} {} (reduce {}: {})", p.what, show_bytes(p.bytes), p.path, p.reduce)
                }
            })
            .collect();
        over.push(OverBudget {
            path,
            message: format!(
                "this run needs about {} of memory (budget {}, estimated for {ESTIMATE_THREADS} worker threads); the \
                 largest parts: {}",
                show_bytes(needs.memory_bytes),
                show_bytes(limits.max_memory_bytes),
                parts.join("; ")
            ),
        });
    }
    over
}

/// The most times a consumer may receive one message whose processing
/// keeps failing: `max_receives`, or without a dead-letter queue as often
/// as its visibility timeout (at least a second, for a work estimate) fits
/// in the time it may live.
pub fn receives(max_receives: Option<u32>, lives_secs: f64, visibility_secs: f64) -> f64 {
    max_receives.map_or_else(|| (lives_secs / visibility_secs.max(1.0)).ceil().max(1.0), f64::from)
}

/// The most attempts any tier's clients make of one request (1 when none
/// retries).
pub fn retry_attempts(tiers: &[Tier]) -> f64 {
    tiers.iter().filter_map(|t| t.retry).map(|r| f64::from(r.attempts)).fold(1.0, f64::max)
}

/// The longest any tier's clients wait for one attempt, seconds (0 when
/// none has a timeout).
pub fn client_timeout_secs(tiers: &[Tier]) -> f64 {
    tiers.iter().filter_map(|t| t.retry).filter_map(|r| r.timeout_secs).fold(0.0, f64::max)
}

/// The longest any tier's clients wait between the attempts of one
/// request, in all, seconds.
pub fn retry_wait_secs(tiers: &[Tier]) -> f64 {
    tiers.iter().filter_map(|t| t.retry).map(|r| r.max_total_backoff_secs()).fold(0.0, f64::max)
}
