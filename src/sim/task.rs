//! One simulation task: one design, one replication, with or without
//! spikes. Time-stepped; each layer's state is a type of its own,
//! allocated once before the loop, and nothing in the tick loop allocates
//! (beyond the bounded latency cache).
//!
//! Per tick, in the model's order ([`Task::step`]): event windows →
//! arrivals and usage plans → shared account buckets → compute stacks →
//! database partitions → the tenants simulated one by one → series.
//! The engine never reads the wall clock: the one that balances drawing
//! between threads comes from the caller.

use crate::queueing::WaitState;
use crate::scenario::model::{Design, Layer, Pattern, Scenario, Topology};
use crate::sim::compute::Compute;
use crate::sim::consumers::Consumers;
use crate::sim::database::serve_all_in_db;
use crate::sim::database::{Database, MANY_SHARDS};
use crate::sim::drawer::{Arrivals, Drawer, Row, distinct_patterns, empty_row};
use crate::sim::functions::FastFunctions;
use crate::sim::gateway::{AccountBuckets, Inflow, QuotaClock, reset_quotas};
use crate::sim::latency::{LatencyBook, SharedPmfs, key_of, key_of_delay};
use crate::sim::layer_latency::LayerLatency;
use crate::sim::raw::{Counts, StackRaw, TaskRaw, TenantRaw, TierHistograms};
use crate::sim::series::Series;
use crate::sim::tenants::Totals;
use crate::sim::tenants::{SlowList, Tenants, TickFlow};
use crate::sim::windows::{
    CapacityLosses, EpochState, SpikeFactors, Spikes, WindowFlags, Windows, baseline_ticks, close_window, flush_epoch,
    simulated, spikes_of, window_ticks,
};
use crate::sim::{Checkpoint, RunControl, WallClock};

/// Most ticks between progress updates and cancellation checks.
const PROGRESS_STRIDE: u64 = 256;

/// Most work between cancellation checks, in the units of
/// [`crate::scenario::budget`] (tenants, stacks and key shards visited in a
/// tick): well under a millisecond of simulation.
pub const CHECK_WORK: u64 = 1 << 16;

/// The tenants one task simulates: a design whose stacks fall into
/// independent groups runs as several parts (see [`crate::sim::parts`]).
#[derive(Debug, Clone, Copy)]
pub struct Part<'a> {
    /// Tenants of this part; `None` for the whole design.
    pub members: Option<&'a [bool]>,
    /// This part simulates the stacks with no tenants (one part does).
    pub first: bool,
}

/// What a task simulates, as index lists (a part of a design skips the
/// rest without looking at it).
#[derive(Debug)]
struct Live {
    tenants: Vec<usize>,
    gateway: Vec<usize>,
    compute: Vec<usize>,
    database: Vec<usize>,
}

/// One task's whole state.
struct Task<'a> {
    sc: &'a Scenario,
    design: &'a Design,
    dt: f64,
    /// The tick after the last one simulated (a no-spike baseline stops
    /// once the spikes' effects on cost have settled).
    end_tick: u64,
    /// A run with spikes that goes on past the baseline's end notes its
    /// cost counters after this tick's predecessor, in `settled`.
    settle_tick: Option<u64>,
    settled: Option<Box<Counts>>,
    /// A baseline that goes on past the last spike window reads its window
    /// figures when this tick begins, into `window_read`, as a baseline
    /// stopping there would have.
    window_end: Option<u64>,
    window_read: Vec<WindowRead>,
    active: Vec<bool>,
    live: Live,
    patterns: Vec<Pattern>,
    pattern_factor: Vec<f64>,
    /// The spike factors of the spikes this task applies.
    spike_factors: SpikeFactors,
    /// Capacity lost per layer.
    losses: CapacityLosses,
    /// Work of one tick (see [`CHECK_WORK`]), ticks and work since the
    /// last cancellation check.
    tick_work: u64,
    ticks_since_check: u64,
    work_since_check: u64,
    quotas: QuotaClock,
    windows: Windows,
    tenants: Tenants,
    slow: SlowList,
    /// Each tenant's share of its compute-served requests the database
    /// served this tick (for request-by-request stacks).
    kept: Vec<f64>,
    /// Each tenant's requests waiting in stacks simulated request by
    /// request at a series point's end (room to count them in).
    waiting_requests: Vec<f64>,
    accounts: AccountBuckets,
    compute: Compute,
    /// Serverless functions, when compute is serverless.
    functions: Option<FastFunctions>,
    database: Option<Database>,
    series: Series,
    book: LatencyBook<'a>,
    /// The gateway's and the database's latency, and the stream request-
    /// by-request stacks draw it from for each request they serve.
    layers: LayerLatency,
    layer_rng: Vec<rand_xoshiro::Xoshiro256PlusPlus>,
    control: &'a RunControl,
}

/// The stacks of `topology` a task simulates: those with an active
/// member, and those with none in the `first` part.
fn live_stacks(topology: &Topology, active: &[bool], first: bool) -> Vec<usize> {
    (0..topology.stacks.len())
        .filter(|&s| {
            let tenants = &topology.stacks[s].tenants;
            if tenants.is_empty() { first } else { tenants.iter().any(|&t| active[t as usize]) }
        })
        .collect()
}

/// Runs one task. Returns `None` when cancelled.
#[allow(clippy::too_many_arguments)]
pub fn simulate(
    sc: &Scenario,
    design: &Design,
    replication: u32,
    spikes: Spikes,
    part: Part<'_>,
    arrivals: Arrivals<'_>,
    shared: &SharedPmfs,
    focus: &[usize],
    control: &RunControl,
    clock: Option<&WallClock>,
    series_points: u64,
) -> Option<TaskRaw> {
    if control.is_cancelled() {
        return None;
    }
    let table = match arrivals {
        Arrivals::Table(table) => Some(table),
        Arrivals::Inline | Arrivals::Ahead => None,
    };
    let mut task =
        Task::new(sc, design, replication, spikes, part, table.is_some(), shared, focus, control, series_points)?;
    let mut drawer = matches!(arrivals, Arrivals::Ahead).then(|| Drawer::new(sc, replication, spikes, &task.active));
    if drawer.is_some() {
        task.tenants.inflows.iter_mut().for_each(|f| f.from_table = true);
    }
    let end_tick = task.end_tick;
    let n = sc.tenants.len();
    let finished = match (&mut drawer, table) {
        (Some(drawer), _) => drawer.drive(sc, end_tick, clock, |tick, row| task.step(tick, row)),
        (None, Some(table)) => (0..end_tick).all(|tick| task.step(tick, table.row(tick, n))),
        (None, None) => (0..end_tick).all(|tick| task.step(tick, empty_row())),
    };
    if !finished {
        return None;
    }
    let throttled: Vec<(i64, i64)> = match (&drawer, table) {
        (Some(drawer), _) => drawer.throttled(),
        (None, Some(table)) => (0..n)
            .map(|t| {
                let f = &task.tenants.inflows[t];
                if f.from_table { table.throttled(t, end_tick) } else { (f.throttled_plan, f.throttled_quota) }
            })
            .collect(),
        (None, None) => task.tenants.inflows.iter().map(|f| (f.throttled_plan, f.throttled_quota)).collect(),
    };
    Some(task.finish(&throttled))
}

impl<'a> Task<'a> {
    /// The state at t = 0; `from_table` when arrivals are read from a
    /// replication's table.
    #[allow(clippy::too_many_arguments)]
    fn new(
        sc: &'a Scenario,
        design: &'a Design,
        replication: u32,
        spikes: Spikes,
        part: Part<'_>,
        from_table: bool,
        shared: &'a SharedPmfs,
        focus: &[usize],
        control: &'a RunControl,
        series_points: u64,
    ) -> Option<Self> {
        let n = sc.tenants.len();
        let mut check = Checkpoint::new(control);
        let layers = LayerLatency::of(sc);
        let mut active = simulated(sc, design, spikes);
        if let Some(members) = part.members {
            active.iter_mut().zip(members).for_each(|(a, &m)| *a &= m);
        }
        let gw_topology = &design.layers[Layer::Gateway.index()];
        let c_topology = &design.layers[Layer::Compute.index()];
        let db_topology = &design.layers[Layer::Database.index()];
        let (patterns, pattern_of) = distinct_patterns(sc);
        let windows = Windows::new(sc);
        let spiking = windows.spiking(n);
        let database = match sc.database.as_ref() {
            Some(layer) => Some(Database::new(sc, layer, db_topology, &active, &mut check)?),
            None => None,
        };
        // One record per tenant for the arrival pass (one bounds check,
        // one cache line or two).
        let inflows: Vec<Inflow> = (0..n)
            .map(|t| {
                // A tenant with one key shard adds its demand directly.
                let (db_slot, db_read_units, db_write_units) =
                    database.as_ref().map_or((MANY_SHARDS, 0.0, 0.0), |db| db.single_slot(t));
                Inflow {
                    active: active[t],
                    gw: gw_topology.stack_of_tenant.get(t).copied().unwrap_or(0),
                    compute: c_topology.stack_of_tenant[t],
                    db: db_topology.stack_of_tenant.get(t).copied().unwrap_or(0),
                    db_slot,
                    db_read_units,
                    db_write_units,
                    // A baseline draws the unspiked arrivals of the spiking
                    // tenants whose spikes it leaves out.
                    from_table: from_table && (spikes.keeps(t) || !spiking[t]),
                    ..Inflow::new(sc, t, replication, pattern_of[t])
                }
            })
            .collect();
        let live = Live {
            tenants: (0..n).filter(|&t| active[t]).collect(),
            gateway: live_stacks(gw_topology, &active, part.first),
            compute: live_stacks(c_topology, &active, part.first),
            database: live_stacks(db_topology, &active, part.first),
        };
        let tier_of: Vec<usize> = sc.tenants.iter().map(|t| t.tier).collect();
        let series = Series::new(sc.clock.ticks, sc.tiers.len(), n, focus, part.members.is_some(), series_points);
        let ticks = sc.clock.ticks;
        let (baseline_end, window_end) = (baseline_ticks(sc), window_ticks(sc));
        let shards: u64 = live.tenants.iter().map(|&t| u64::from(sc.tenants[t].load.key_shards)).sum();
        let stacks = live.gateway.len() + live.compute.len() + live.database.len();
        let tick_work = (live.tenants.len() + stacks) as u64 + if database.is_some() { shards } else { 0 } + 1;
        let mut compute = Compute::new(sc, c_topology, Consumers::of(sc, design), series.points, replication);
        let functions = sc.compute.functions.as_ref().map(|f| {
            let functions = FastFunctions::new(sc, f, c_topology);
            for s in 0..c_topology.stacks.len() {
                compute.serverless(s, functions.provisioned(s), f.concurrency_limit);
            }
            functions
        });
        Some(Self {
            sc,
            design,
            dt: sc.clock.tick_secs,
            end_tick: spikes.ticks(sc),
            settle_tick: (!spikes.baseline() && sc.has_spikes() && baseline_end < ticks).then_some(baseline_end),
            settled: None,
            window_end: (spikes == Spikes::None && window_end < baseline_end).then_some(window_end),
            window_read: Vec::new(),
            live,
            pattern_factor: vec![1.0; patterns.len()],
            patterns,
            spike_factors: SpikeFactors::new(&spikes_of(sc, spikes), n),
            losses: CapacityLosses::new(sc),
            tick_work,
            ticks_since_check: 0,
            work_since_check: 0,
            quotas: QuotaClock::new(sc),
            book: LatencyBook::new(shared, tier_of, sc.tiers.len(), (focus, windows.tracked()), &mut check)?,
            layer_rng: layers.streams(sc, replication),
            layers,
            windows,
            tenants: Tenants::new(inflows),
            slow: SlowList::new(n),
            kept: vec![1.0; n],
            waiting_requests: vec![0.0; n],
            accounts: AccountBuckets::new(sc.gateway.as_ref(), gw_topology),
            compute,
            functions,
            database,
            series,
            active,
            control,
        })
    }

    /// Simulates tick `tick`, whose drawn arrivals are in `row` (empty
    /// when the task draws its own); false when the run was cancelled.
    fn step(&mut self, tick: u64, row: Row<'_>) -> bool {
        if self.ticks_since_check >= PROGRESS_STRIDE || self.work_since_check >= CHECK_WORK {
            if self.control.is_cancelled() {
                return false;
            }
            self.control.add_progress(self.ticks_since_check);
            self.ticks_since_check = 0;
            self.work_since_check = 0;
        }
        self.ticks_since_check += 1;
        self.work_since_check += self.tick_work;
        if self.window_end == Some(tick) {
            self.read_windows(tick);
        }
        let t_secs = tick as f64 * self.dt;
        let point = self.series.begin_tick();
        self.move_windows(tick, t_secs);
        let lost = self.losses.at(t_secs);
        self.arrive(t_secs, row);
        self.apply_account_buckets(1.0 - lost[Layer::Gateway.index()]);
        self.apply_functions(tick, 1.0 - lost[Layer::Compute.index()]);
        self.serve_compute(tick, point, 1.0 - lost[Layer::Compute.index()]);
        self.serve_database(tick, 1.0 - lost[Layer::Database.index()]);
        self.record_slow_tenants(tick);
        self.record_samples(tick);
        if self.series.ends_point(tick) {
            self.end_point(tick, point);
        }
        if self.settle_tick == Some(tick + 1) {
            self.settled = Some(Box::new(self.counts(tick + 1)));
        }
        true
    }

    /// Every tenant's and stack's cost counters as [`Task::finish`] would
    /// leave them had the run stopped before tick `end` (nothing changes).
    /// Once a run: kept out of the tick loop's inlined code.
    #[cold]
    #[inline(never)]
    fn counts(&self, end: u64) -> Counts {
        let mut tenants = self.tenants.raw.clone();
        let mut database = self.database.as_ref().map_or_else(Vec::new, |db| db.raw.clone());
        let db_raw = self.database.is_some().then_some(database.as_mut_slice());
        let mean_service = self.compute.mean_service_secs();
        let init = self.functions.as_ref().map(|f| f.init_busy_secs.as_slice());
        count_fast(self.sc, &self.tenants.inflows, &self.tenants.totals, &mut tenants, db_raw, (mean_service, init));
        let mut compute = self.compute.raw.clone();
        for &s in &self.live.compute {
            compute[s] = self.compute.totals_at(s, end, self.dt);
        }
        Counts { tenants, stacks: [self.accounts.raw.clone(), compute, database] }
    }

    /// A baseline's window figures at tick `tick`, where the last spike
    /// window ends, read as [`Task::finish`] would read them had the
    /// baseline stopped there (the latency weights gathered so far are
    /// recorded now; the run's later figures are not reported). Once a
    /// run: kept out of the tick loop's inlined code.
    #[cold]
    #[inline(never)]
    fn read_windows(&mut self, tick: u64) {
        let window = self.windows.flags();
        flush_epochs(
            &self.live.compute,
            &self.design.layers[Layer::Compute.index()],
            &self.compute,
            true,
            tick,
            &mut self.tenants,
            &mut self.book,
            &window,
        );
        close_window(&mut self.tenants, &window);
        self.book.flush_all();
        self.window_read = (0..self.sc.tenants.len())
            .map(|t| {
                let r = &self.tenants.raw[t];
                let histogram = self.book.window.get(t);
                WindowRead {
                    offered: r.window_offered,
                    unserved: r.window_unserved,
                    served: histogram.map_or(0.0, |h| h.total()),
                    p99_ms: histogram.map_or(0.0, |h| h.quantile_ms(0.99)),
                }
            })
            .collect();
    }

    /// Event windows at `t_secs`. When the set of running spikes changes,
    /// so does who is inside another tenant's window: what was gathered
    /// under the old flags is recorded first.
    fn move_windows(&mut self, tick: u64, t_secs: f64) {
        if self.windows.advance(t_secs) {
            let window = self.windows.flags();
            flush_epochs(
                &self.live.compute,
                self.compute_topology(),
                &self.compute,
                false,
                tick,
                &mut self.tenants,
                &mut self.book,
                &window,
            );
            close_window(&mut self.tenants, &window);
            self.windows.recount();
        }
    }

    /// The design's compute stacks.
    fn compute_topology(&self) -> &'a Topology {
        &self.design.layers[Layer::Compute.index()]
    }

    /// Arrivals and the per-tenant part of the gateway (usage plans and
    /// quotas); each tenant's admitted requests are added to its stacks'
    /// demand.
    fn arrive(&mut self, t_secs: f64, row: Row<'_>) {
        let (sc, dt) = (self.sc, self.dt);
        let inflows = &mut self.tenants.inflows;
        self.spike_factors.advance(t_secs, |t, factor| inflows[t].spike_factor = factor);
        for (f, p) in self.pattern_factor.iter_mut().zip(&self.patterns) {
            *f = p.factor_at(t_secs, sc.clock.start_hour);
        }
        reset_quotas(inflows, &mut self.quotas, t_secs);
        for &t in &self.live.tenants {
            let (f, flow) = (&mut inflows[t], &mut self.tenants.now[t]);
            let lambda = f.rate_per_sec * self.pattern_factor[f.pattern] * f.spike_factor;
            let (_offered, allowed) = if f.from_table {
                let drawn = row.of(t);
                f.offered += drawn.offered;
                (drawn.offered, drawn.admitted)
            } else {
                f.arrive(sc, lambda, dt)
            };
            // The plan's bucket and quotas, followed as a fluid, say at
            // what intensity and how smoothly requests come through.
            let (intensity, ca2) = f.admitted_flow(lambda, dt);
            f.plan_admitted += allowed;
            *flow = TickFlow { intensity, ca2, plan_admitted: allowed, admitted: allowed };
            self.accounts.add(f.gw, allowed);
            self.compute.stacks[f.compute as usize].add(allowed, intensity, ca2);
            if let Some(db) = &mut self.database {
                db.add(f, t, allowed as f64);
            }
        }
    }

    /// Shared account buckets: when one binds, its members' admitted
    /// requests (and their stacks' demand) shrink.
    fn apply_account_buckets(&mut self, keep: f64) {
        if self.sc.gateway.is_none() {
            self.accounts.clear();
            return;
        }
        let refill = self.accounts.refill(keep, self.dt);
        let topology = &self.design.layers[Layer::Gateway.index()];
        let window = self.windows.flags();
        for &s in &self.live.gateway {
            let (demand, allowed) = self.accounts.take(s, refill);
            if allowed == demand {
                continue;
            }
            let members = &topology.stacks[s].tenants;
            let Tenants { inflows, now, totals, raw } = &mut self.tenants;
            self.accounts.share(s, members, allowed, demand, now);
            for &t in members {
                let t = t as usize;
                let flow = &mut now[t];
                let cut = flow.plan_admitted - flow.admitted;
                if cut == 0 {
                    continue;
                }
                let f = &inflows[t];
                totals[t].throttled_account += cut;
                if window.of(t) {
                    raw[t].window_unserved += cut as f64;
                }
                let lambda_cut = flow.intensity * cut as f64 / flow.plan_admitted as f64;
                flow.intensity -= lambda_cut;
                self.compute.stacks[f.compute as usize].add(-cut, -lambda_cut, flow.ca2);
                if let Some(db) = &mut self.database {
                    db.add(f, t, -(cut as f64));
                }
            }
        }
    }

    /// Serverless functions throttle what they cannot run (their tenants'
    /// admitted requests, and their stacks' and tables' demand, shrink),
    /// and give each of their tenants this tick's latency state: its
    /// function's share of cold starts. Their tenants are recorded one by
    /// one, each at its own state.
    fn apply_functions(&mut self, tick: u64, keep: f64) {
        let Some(functions) = &mut self.functions else { return };
        let window = self.windows.flags();
        let Tenants { inflows, now, totals, raw } = &mut self.tenants;
        functions.tick(tick, self.dt, keep, now);
        for &(s, secs) in &functions.provisioned_busy {
            self.compute.raw[s].provisioned_busy_secs += secs;
        }
        for &(t, cut, cold_share, cold) in &functions.out {
            let t = t as usize;
            let flow = &mut now[t];
            if cut > 0 {
                totals[t].throttled_concurrency += cut;
                if window.of(t) {
                    raw[t].window_unserved += cut as f64;
                }
                let lambda_cut = flow.intensity * cut as f64 / flow.admitted as f64;
                flow.admitted -= cut;
                flow.intensity -= lambda_cut;
                let f = &inflows[t];
                self.compute.stacks[f.compute as usize].add(-cut, -lambda_cut, flow.ca2);
                if let Some(db) = &mut self.database {
                    db.add(f, t, -(cut as f64));
                }
            }
            raw[t].cold_starts += cold;
            self.compute.tenant_state[t] = functions.state(cold_share);
            self.slow.mark(t as u32, tick);
        }
    }

    /// Compute stacks serve their backlog and arrivals, move to this
    /// tick's latency state and scale.
    fn serve_compute(&mut self, tick: u64, point: usize, keep: f64) {
        self.slow.tenants.clear();
        self.compute.samples.clear();
        self.compute.deep_pieces.clear();
        let dt = self.dt;
        let evaluates = self.compute.evaluates(tick);
        let topology = self.compute_topology();
        for &s in &self.live.compute {
            let members = &topology.stacks[s].tenants;
            if self.functions.is_some() {
                // No queue: what was not throttled runs at once.
                let served: i64 = members.iter().map(|&t| self.tenants.now[t as usize].admitted).sum();
                self.compute.count_served(s, served as f64);
                continue;
            }
            let window = self.windows.flags();
            let done =
                self.compute.serve(s, members, tick, point, keep, dt, &self.tenants.now, &mut self.tenants.raw, window);
            if done.slow {
                for &t in members {
                    self.slow.mark(t, tick);
                    // The database's demand counted the admitted requests
                    // (a tenant this task does not simulate has neither).
                    let tu = t as usize;
                    let extra = self.compute.served[tu] - self.tenants.now[tu].admitted as f64;
                    if let Some(db) = &mut self.database
                        && extra != 0.0
                    {
                        db.add(&self.tenants.inflows[tu], tu, extra);
                    }
                }
            }
            let state = self.compute.wait_state(s, members, done.lambda, dt);
            let stack = &self.compute.stacks[s];
            if let Some(next) = stack.next_epoch(&state, self.compute.service()) {
                if stack.epoch_changes(&next) {
                    let window = self.windows.flags();
                    flush_epoch(members, stack.epoch(), true, true, tick, &mut self.tenants, &mut self.book, &window);
                }
                self.compute.stacks[s].enter(state, next);
            }
            self.compute.count_served(s, done.served);
            if evaluates {
                self.compute.autoscale(s, tick, point, dt, done.backlog_end);
            }
        }
        self.compute.end_tick(tick);
    }

    /// Database stacks: a stack whose partitions cannot reach a cap this
    /// tick serves everything; otherwise it is simulated partition by
    /// partition and its members one by one.
    fn serve_database(&mut self, tick: u64, keep: f64) {
        let Some(db) = &mut self.database else { return };
        let Tenants { inflows, now, raw, .. } = &mut self.tenants;
        let compute = &self.compute;
        let ops_of = |t: usize| {
            if compute.stacks[inflows[t].compute as usize].slow { compute.served[t] } else { now[t].admitted as f64 }
        };
        let topology = &self.design.layers[Layer::Database.index()];
        db.apply(self.sc, topology, &self.live.database, tick, keep, self.dt, ops_of, &mut self.slow, raw);
    }

    /// Tenants simulated one by one: served counts, losses inside others'
    /// windows, and latency at their own tick's state.
    fn record_slow_tenants(&mut self, tick: u64) {
        let window = self.windows.flags();
        for &t in &self.slow.tenants {
            let t = t as usize;
            let flow = self.tenants.now[t];
            self.tenants.totals[t].slow_admitted += flow.admitted;
            let f = &self.tenants.inflows[t];
            let weighted_fair = self.compute.weighted_fair(f.compute as usize);
            let r = &mut self.tenants.raw[t];
            let stack = &self.compute.stacks[f.compute as usize];
            let (ops, dropped_in_queue) = if stack.slow {
                (self.compute.served[t], self.compute.timeout_drops[t])
            } else {
                r.compute_requests += flow.admitted as f64;
                (flow.admitted as f64, 0.0)
            };
            let served = match &mut self.database {
                Some(db) => db.served(t, f.db as usize, &self.sc.tenants[t].load, ops, tick, r),
                None => ops,
            };
            r.served += served;
            let in_window = window.of(t);
            let share = if ops > 0.0 { self.compute.window_served[t] / ops } else { 0.0 };
            if stack.by_request || stack.deep() {
                // Counted by when each request was sent: its own drops, and
                // its share of what the database refused.
                r.window_unserved += (ops - served) * share + self.compute.window_drops[t];
            } else if in_window {
                // Only losses at shared resources: a tenant's own usage plan
                // and quotas cannot be exhausted by its neighbours (but by
                // its own earlier spike, which the no-spike baseline lacks).
                r.window_unserved += ops - served + dropped_in_queue;
            }
            if stack.by_request || stack.deep() {
                // Latency comes from the requests' own samples (or a deep
                // stack's pieces), weighted by the share the database
                // served to the end.
                self.kept[t] = if ops > 0.0 { served / ops } else { 0.0 };
                continue;
            }
            if served > 0.0 {
                let epoch = if (weighted_fair && stack.slow) || self.functions.is_some() {
                    let state = &self.compute.tenant_state[t];
                    EpochState {
                        key: key_of(state),
                        mean_latency_secs: state.mean_latency_secs(self.compute.service()),
                    }
                } else {
                    stack.epoch()
                };
                r.latency_sum_secs += served * epoch.mean_latency_secs;
                self.book.record(t, epoch.key, served, in_window, tick);
            }
        }
    }

    /// Latency of the requests of stacks simulated request by request, and
    /// of deep stacks' pieces (each at its own wait, exactly).
    fn record_samples(&mut self, tick: u64) {
        for &(t, count, wait_secs, in_window) in &self.compute.deep_pieces {
            let t = t as usize;
            let weight = count * self.kept[t];
            if weight > 0.0 {
                let state = WaitState::delay_only(wait_secs);
                self.tenants.raw[t].latency_sum_secs += weight * state.mean_latency_secs(self.compute.service());
                self.book.record(t, key_of_delay(wait_secs), weight, in_window, tick);
            }
        }
        for &(t, ms, in_window) in &self.compute.samples {
            let t = t as usize;
            let weight = self.kept[t];
            if weight > 0.0 {
                // The other layers' latency, whose mean `finish` adds.
                let layers_ms =
                    if self.layers.is_none() { 0.0 } else { self.layers.draw(&mut self.layer_rng[t]) * 1e3 };
                self.book.record_sample(t, ms + layers_ms, weight, in_window);
                self.tenants.raw[t].latency_sum_secs += ms * 1e-3 * weight;
            }
        }
    }

    /// Ends series point `point` with tick `tick`.
    fn end_point(&mut self, tick: u64, point: usize) {
        let dt = self.dt;
        let waiting: f64 = self.live.compute.iter().map(|&s| self.compute.stacks[s].waiting()).sum();
        self.compute.series.waiting[point] = waiting;
        let topology = &self.design.layers[Layer::Compute.index()];
        let now_secs = (tick + 1) as f64 * dt;
        let oldest = self
            .live
            .compute
            .iter()
            .map(|&s| self.compute.oldest_secs(s, &topology.stacks[s].tenants, now_secs, dt))
            .fold(0.0, f64::max);
        self.compute.series.oldest_secs[point] = oldest;
        self.compute.close_segments(&self.live.compute, tick + 1, point, dt);
        let window = self.windows.flags();
        flush_epochs(
            &self.live.compute,
            self.compute_topology(),
            &self.compute,
            tick + 1 == self.sc.clock.ticks,
            tick,
            &mut self.tenants,
            &mut self.book,
            &window,
        );
        // Fast tenants' latency since their stack's state last changed,
        // at that state's mean (what the next flush will add).
        let (compute, tenants) = (&self.compute, &self.tenants);
        let pending = |t: usize| {
            let (inflow, totals) = (&tenants.inflows[t], &tenants.totals[t]);
            let unflushed = totals.fast(inflow) - totals.mean_mark;
            if unflushed == 0 {
                return 0.0;
            }
            unflushed as f64 * compute.stacks[inflow.compute as usize].epoch().mean_latency_secs
        };
        let layers_secs = self.layers.mean_secs();
        self.waiting_requests.fill(0.0);
        compute.count_waiting_requests(&mut self.waiting_requests);
        let requests = &self.waiting_requests;
        let waiting = |t: usize| compute.backlog[t] + requests[t];
        self.series.end_point(
            point,
            (&self.live.tenants, &self.tenants),
            (pending, layers_secs, waiting),
            &mut self.book,
        );
    }

    /// The raw results, once every tick is simulated; `throttled` holds
    /// each tenant's requests throttled by its plan and by its quotas.
    fn finish(mut self, throttled: &[(i64, i64)]) -> TaskRaw {
        let sc = self.sc;
        let end_tick = self.end_tick;
        self.control.add_progress(self.ticks_since_check);
        let window = self.windows.flags();
        if end_tick < sc.clock.ticks {
            flush_epochs(
                &self.live.compute,
                self.compute_topology(),
                &self.compute,
                true,
                end_tick,
                &mut self.tenants,
                &mut self.book,
                &window,
            );
        }
        // The last point flushed every epoch; what is left are the window
        // counts and the totals of fast ticks.
        close_window(&mut self.tenants, &window);
        self.accounts.finish(sc.gateway.as_ref());
        if let Some(db) = &mut self.database {
            db.finish();
        }
        let mean_service = self.compute.mean_service_secs();
        let Tenants { inflows, totals, raw, .. } = &mut self.tenants;
        let db_raw = self.database.as_mut().map(|db| db.raw.as_mut_slice());
        let init = self.functions.as_ref().map(|f| f.init_busy_secs.as_slice());
        count_fast(sc, inflows, totals, raw, db_raw, (mean_service, init));
        // The gateway's and the database's latency, in every served
        // request's mean (their distributions are in the histograms).
        let layers_secs = self.layers.mean_secs();
        if layers_secs > 0.0 {
            raw.iter_mut().for_each(|r| r.latency_sum_secs += r.served * layers_secs);
        }
        for (t, r) in raw.iter_mut().enumerate() {
            let f = &inflows[t];
            r.offered = f.offered as f64;
            let (throttled_plan, throttled_quota) = throttled[t];
            r.throttled_plan = throttled_plan as f64;
            r.throttled_quota = throttled_quota as f64;
            r.throttled_account = totals[t].throttled_account as f64;
            r.throttled_concurrency = totals[t].throttled_concurrency as f64;
        }

        let raw = &mut self.tenants.raw;
        self.compute.left_at_end(end_tick as f64 * self.dt, |t, timed_out, waited_secs, in_window| {
            let r = &mut raw[t as usize];
            r.longest_wait_secs = r.longest_wait_secs.max(waited_secs);
            if timed_out {
                r.dropped_timeout += 1.0;
                if in_window {
                    // Lost at the stack it shares, as the per-request
                    // engine counts it.
                    r.window_unserved += 1.0;
                }
            } else {
                r.in_flight += 1.0;
            }
        });
        self.book.flush_all();
        let mut tiers = TierHistograms::new(sc.tiers.len(), self.windows.tracked());
        for (t, r) in raw.iter_mut().enumerate() {
            r.in_flight += self.compute.backlog[t];
            let (run, window) = (&self.book.run[t], self.book.window.get(t));
            r.read_latency(run, window);
            tiers.add(sc.tenants[t].tier, run, window);
        }
        for (r, read) in raw.iter_mut().zip(&self.window_read) {
            r.window_offered = read.offered;
            r.window_unserved = read.unserved;
            r.window_served = read.served;
            r.window_p99_ms = read.p99_ms;
        }
        // A baseline that stops between series points closes its segments
        // here (its costs feed the steady cost).
        if end_tick < sc.clock.ticks {
            for &s in &self.live.compute {
                self.compute.raw[s] = self.compute.totals_at(s, end_tick, self.dt);
            }
        }
        let Compute { raw: compute_raw, series: stack_series, .. } = self.compute;
        let series = self.series.finish(self.dt, stack_series);
        TaskRaw {
            active: self.active,
            tenants: std::mem::take(raw),
            tier_p99_ms: tiers.run.iter().map(|h| h.quantile_ms(0.99)).collect(),
            tier_hist: tiers.run,
            tier_window_hist: tiers.window,
            stacks: [self.accounts.raw, compute_raw, self.database.map(|db| db.raw).unwrap_or_default()],
            ticks_per_point: series.ticks_per_point,
            point_ticks: series.point_ticks,
            tiers: series.tiers,
            total: series.total,
            focus: series.focus,
            instances: series.instances,
            waiting: series.waiting,
            oldest_secs: series.oldest_secs,
            utilisation: series.utilisation,
            busy_secs: series.busy_secs,
            capacity_secs: series.capacity_secs,
            db_connections: Vec::new(),
            db_utilisation: Vec::new(),
            tier_mixtures: series.tier_mixtures,
            settled: self.settled,
            own: Vec::new(),
        }
    }
}

/// A baseline's window figures for one tenant where the last window ends.
#[derive(Debug, Clone, Copy)]
struct WindowRead {
    offered: f64,
    unserved: f64,
    served: f64,
    p99_ms: f64,
}

/// Adds each tenant's fast requests (all served, at its compute stack's
/// state, and counted only here) to its counts and its database stack's
/// (`database`, when the scenario has one), and sets its admitted requests
/// and compute time.
fn count_fast(
    sc: &Scenario,
    inflows: &[Inflow],
    totals: &[Totals],
    raw: &mut [TenantRaw],
    mut database: Option<&mut [StackRaw]>,
    (mean_service_secs, init_busy_secs): (f64, Option<&[f64]>),
) {
    for (t, r) in raw.iter_mut().enumerate() {
        let f = &inflows[t];
        let fast = totals[t].fast(f) as f64;
        r.served += fast;
        r.compute_requests += fast;
        if let Some(db) = database.as_deref_mut()
            && f.active
        {
            serve_all_in_db(&sc.tenants[t].load, fast, r, &mut db[f.db as usize]);
        }
        r.compute_busy_secs = r.compute_requests * mean_service_secs + init_busy_secs.map_or(0.0, |i| i[t]);
        r.admitted = (f.plan_admitted - totals[t].throttled_account - totals[t].throttled_concurrency) as f64;
    }
}

/// Records the epochs of every stack in `live` between ticks (see
/// [`flush_epoch`]).
#[allow(clippy::too_many_arguments)]
fn flush_epochs(
    live: &[usize],
    topology: &Topology,
    compute: &Compute,
    close_mean: bool,
    tick: u64,
    tenants: &mut Tenants,
    book: &mut LatencyBook<'_>,
    window: &WindowFlags<'_>,
) {
    for &s in live {
        flush_epoch(
            &topology.stacks[s].tenants,
            compute.stacks[s].epoch(),
            false,
            close_mean,
            tick,
            tenants,
            book,
            window,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::drawer::ArrivalTable;
    use crate::sim::drawer::tests::scenario;

    #[test]
    fn reading_the_arrival_table_gives_what_drawing_gives() {
        let sc = scenario();
        let control = RunControl::new();
        let Some(table) = ArrivalTable::draw(&sc, 0, &control) else { panic!("the table draws") };
        let shared = SharedPmfs::of(&sc);
        let whole = Part { members: None, first: true };
        let focus = [0, 12];
        let clock = WallClock::new(|| 0.0);
        // With spikes every tenant reads the table; a baseline draws the
        // unspiked arrivals of the spiking tenants it leaves out itself and
        // reads the others.
        let spiker = sc.spiking_tenants()[0];
        for spikes in [Spikes::All, Spikes::None, Spikes::Own(spiker)] {
            let run = |arrivals, clock| {
                simulate(&sc, &sc.designs[0], 0, spikes, whole, arrivals, &shared, &focus, &control, clock, 360)
            };
            let Some(drawn) = run(Arrivals::Inline, None) else { panic!("runs") };
            for (arrivals, clock) in
                [(Arrivals::Table(&table), None), (Arrivals::Ahead, None), (Arrivals::Ahead, Some(&clock))]
            {
                let Some(other) = run(arrivals, clock) else { panic!("runs") };
                assert_eq!(format!("{drawn:?}"), format!("{other:?}"), "{arrivals:?}, spikes: {spikes:?}");
            }
            assert!(drawn.tenants.iter().any(|t| t.throttled_quota > 0.0 || t.throttled_plan > 0.0));
        }
    }
}
