//! One simulation task: one design, one replication, with or without
//! spikes. Time-stepped; state is struct-of-arrays per tenant and per
//! stack, allocated once before the loop. Nothing in the tick loop
//! allocates (beyond the bounded latency cache).
//!
//! Per tick, in order: arrivals (Poisson at each tenant's intensity from
//! its own stream) → gateway (usage plan, quotas, shared account bucket)
//! → compute (fluid queue with carried backlog, timeouts, FIFO or
//! weighted-fair service, autoscaling) → database (per-partition caps) →
//! latency recording and series.

use crate::queueing::WaitState;
use crate::scenario::file::{FairnessFile, LayerName};
use crate::scenario::model::{
    DB_BURST_BANK_SECS, DbPricing, Design, Event, Load, Pattern, Scenario, ServiceTime, StackKind, Topology,
};
use crate::sim::RunControl;
use crate::sim::arrivals::ArrivalStream;
use crate::sim::histogram::Histogram;
use crate::sim::latency::{Key, LatencyBook, Mixture, SharedPmfs, key_of};
use crate::sim::parts::connected_groups;
use crate::sim::rng::{StreamPurpose, stream, stream_seed};

/// Most points in a time series.
pub const MAX_SERIES_POINTS: u64 = 360;

/// Ticks between progress updates and cancellation checks.
const PROGRESS_STRIDE: u64 = 256;

/// Ticks per block drawn ahead (see [`Arrivals::Ahead`]).
const PIPELINE_BLOCK_TICKS: u64 = 16;

/// Raw results of one tenant in one task.
#[derive(Debug, Clone, Default)]
pub struct TenantRaw {
    pub offered: f64,
    pub admitted: f64,
    pub throttled_plan: f64,
    pub throttled_quota: f64,
    pub throttled_account: f64,
    pub served: f64,
    pub dropped_timeout: f64,
    pub dropped_partition: f64,
    pub in_flight: f64,
    pub latency_sum_secs: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub compute_requests: f64,
    pub compute_busy_secs: f64,
    pub db_units: f64,
    pub db_ops: f64,
    pub window_offered: f64,
    pub window_unserved: f64,
    pub window_p99_ms: f64,
    /// Attributed cost per layer (gateway, compute, database) and overhead,
    /// USD per month; filled by the cost module.
    pub cost_usd_per_month: [f64; 4],
}

/// Raw results of one stack in one task.
#[derive(Debug, Clone, Default)]
pub struct StackRaw {
    pub instance_secs: f64,
    pub active_instance_secs: f64,
    pub busy_secs: f64,
    pub capacity_secs: f64,
    pub peak_instances: f64,
    pub requests: f64,
    pub read_units: f64,
    pub write_units: f64,
    /// Monthly cost of the stack (usage and overhead), filled by cost.
    pub cost_usd_per_month: f64,
    /// Part of it not attributed to any tenant.
    pub unallocated_usd_per_month: f64,
}

/// Raw time series of one task, indexed `[point]`.
#[derive(Debug, Clone, Default)]
pub struct FlowRaw {
    pub offered: Vec<f64>,
    pub admitted: Vec<f64>,
    pub throttled: Vec<f64>,
    pub dropped: Vec<f64>,
    pub served: Vec<f64>,
    pub p99_ms: Vec<f64>,
}

impl FlowRaw {
    fn new(points: usize) -> Self {
        Self {
            offered: vec![0.0; points],
            admitted: vec![0.0; points],
            throttled: vec![0.0; points],
            dropped: vec![0.0; points],
            served: vec![0.0; points],
            p99_ms: vec![0.0; points],
        }
    }
}

/// Raw results of one task.
#[derive(Debug, Clone, Default)]
pub struct TaskRaw {
    /// Tenants this task simulated (all but in a no-spike baseline, which
    /// only needs the tenants connected to a spiking tenant).
    pub active: Vec<bool>,
    pub tenants: Vec<TenantRaw>,
    pub tier_p99_ms: Vec<f64>,
    pub stacks: [Vec<StackRaw>; 3],
    pub ticks_per_point: u64,
    pub point_ticks: Vec<u64>,
    pub tiers: Vec<FlowRaw>,
    pub total: FlowRaw,
    /// Series of the focus tenants, in the order given.
    pub focus: Vec<(usize, FlowRaw)>,
    pub instances: Vec<f64>,
    pub utilisation: Vec<f64>,
    /// Busy and capacity seconds of the compute stacks per point (the
    /// utilisation's parts, for merging).
    pub busy_secs: Vec<f64>,
    pub capacity_secs: Vec<f64>,
    /// Each tier's run latency histogram.
    pub tier_hist: Vec<Histogram>,
    /// Each point's latency weights per tier, `[point][tier]`; kept only
    /// for a part of a design, whose p99 series are read after merging.
    pub tier_mixtures: Vec<Vec<Mixture>>,
}

/// The tenants one task simulates: a design whose stacks fall into
/// independent groups runs as several parts (see [`crate::sim::parts`]).
#[derive(Debug, Clone, Copy)]
pub struct Part<'a> {
    /// Tenants of this part; `None` for the whole design.
    pub members: Option<&'a [bool]>,
    /// This part simulates the stacks with no tenants (one part does).
    pub first: bool,
}

struct ComputeStack {
    active: u32,
    pending: Vec<(u64, u32)>,
    min: u32,
    max: u32,
    eval_busy_secs: f64,
    eval_capacity_secs: f64,
    /// Last stationary wait computed, with its inputs (servers, load):
    /// reused while the servers are unchanged and the load is within
    /// [`LOAD_TOLERANCE`] of it.
    memo: (u32, f64, WaitState),
    /// Backlog driven by intensity rather than counts, for the delay term:
    /// zero whenever the stack is stable (the stationary wait already
    /// covers Poisson noise), equal to the real backlog in overload.
    fluid_backlog: f64,
    /// Requests queued at the end of the last tick (sum over members).
    backlog: f64,
    /// Whole requests admitted to the stack this tick, and their intensity
    /// (per second), gathered as tenants arrive.
    arrived: i64,
    lambda: f64,
    /// The stack was saturated or had a backlog this tick, so its members
    /// were simulated one by one.
    slow: bool,
    /// The latency distribution its requests see (quantised) and its mean.
    state: WaitState,
    key: Key,
    mean_latency_secs: f64,
    /// Fraction of its capacity kept (capacity-loss events) and what
    /// follows from `active` and it; constant over a segment of ticks.
    keep: f64,
    servers_total: u32,
    servers: u32,
    drain_per_sec: f64,
    /// Instances still warming up, and the first tick one is ready.
    pending_total: u32,
    next_ready: u64,
    /// First tick of the current segment, and requests served since.
    segment_start: u64,
    served_since: f64,
}

/// A task's per-point compute series, summed over stacks.
struct StackSeries {
    instances: Vec<f64>,
    busy: Vec<f64>,
    capacity: Vec<f64>,
}

impl ComputeStack {
    /// Recomputes the servers and drain rate from `active` and `keep`.
    fn resize(&mut self, concurrency: u32, mu: f64) {
        self.servers_total = self.active * concurrency;
        // Non-negative, so truncation is floor (and avoids a libm call).
        self.servers = (f64::from(self.servers_total) * self.keep) as u32;
        self.drain_per_sec = f64::from(self.servers) * mu;
        self.pending_total = self.pending.iter().map(|p| p.1).sum();
        self.next_ready = self.pending.iter().map(|p| p.0).min().unwrap_or(u64::MAX);
    }

    /// Adds the segment that ends before tick `end` to the stack's totals,
    /// the series point `point` and the autoscaler's window: the sizing
    /// was constant over it, so its sums are products.
    fn close_segment(
        &mut self,
        end: u64,
        raw: &mut StackRaw,
        series: &mut StackSeries,
        point: usize,
        dt: f64,
        mean_service: f64,
    ) {
        let ticks = end.saturating_sub(self.segment_start) as f64;
        if ticks > 0.0 {
            let active = f64::from(self.active);
            let capacity_secs = f64::from(self.servers) * dt * ticks;
            raw.instance_secs += f64::from(self.active + self.pending_total) * dt * ticks;
            raw.active_instance_secs += active * dt * ticks;
            raw.capacity_secs += capacity_secs;
            raw.peak_instances = raw.peak_instances.max(active);
            series.instances[point] += active * ticks;
            series.capacity[point] += capacity_secs;
            self.eval_capacity_secs += f64::from(self.servers_total) * dt * ticks;
        }
        let busy = self.served_since * mean_service;
        raw.busy_secs += busy;
        raw.requests += self.served_since;
        series.busy[point] += busy;
        self.eval_busy_secs += busy;
        self.served_since = 0.0;
        self.segment_start = end;
    }
}

/// Relative change of a stack's load below which its stationary wait is
/// not recomputed: far finer than the latency key's quantisation (0.4 %
/// of P(wait), 1 % of the wait rate).
const LOAD_TOLERANCE: f64 = 1e-4;

/// Largest tolerance while P(wait) is below [`NEGLIGIBLE_WAIT`]. There
/// the tolerance is `ln 2 / (c + 1)` for `c` servers: Erlang C grows at
/// most about like the load to the power `c + 1` while it is that small,
/// so it stays below twice [`NEGLIGIBLE_WAIT`] (it quantises to zero and
/// adds under 1e-9 of a wait to the mean latency).
const LOAD_TOLERANCE_NO_WAIT: f64 = 1e-2;

/// P(wait) below which the wait is negligible.
const NEGLIGIBLE_WAIT: f64 = 1e-9;

/// A tenant's arrivals and the per-tenant part of the gateway: its
/// stream, load, usage plan, the stacks it is routed to, and the counters
/// the arrival pass keeps.
#[derive(Debug, Clone)]
struct Inflow {
    stream: ArrivalStream,
    /// Simulated in this task (all but in a no-spike baseline).
    active: bool,
    tier: usize,
    rate_per_sec: f64,
    pattern: usize,
    /// Product of the tenant's spikes active this tick.
    spike_factor: f64,
    plan: Option<PlanRates>,
    tokens: f64,
    quota_used: [u64; 3],
    /// Its gateway, compute and database stacks (0 for a missing layer).
    gw: u32,
    compute: u32,
    db: u32,
    /// The demand slot ([`Shards::slot`]) of its only key shard
    /// ([`MANY_SHARDS`] when it has several) and the read and write units
    /// one request puts on it.
    db_slot: u32,
    db_read_units: f64,
    db_write_units: f64,
    offered: i64,
    plan_admitted: i64,
    throttled_plan: i64,
    throttled_quota: i64,
    /// Its arrivals are read from the replication's [`ArrivalTable`].
    from_table: bool,
}

impl Inflow {
    /// Tenant `t`'s arrival state at the start of a replication (routed to
    /// stack 0 of every layer until the caller says otherwise).
    fn new(sc: &Scenario, t: usize, replication: u32, pattern: usize) -> Self {
        let tenant = &sc.tenants[t];
        let tier_plan = sc.tiers[tenant.tier].plan.as_ref();
        Self {
            stream: ArrivalStream::new(stream(
                sc.clock.seed,
                u64::from(replication),
                t as u64,
                StreamPurpose::Arrivals,
            )),
            active: true,
            tier: tenant.tier,
            rate_per_sec: tenant.load.rate_per_sec,
            pattern,
            spike_factor: 1.0,
            plan: tier_plan.filter(|_| sc.gateway.is_some()).map(|p| PlanRates {
                refill: p.rate_per_sec * sc.clock.tick_secs,
                burst: p.burst,
                has_quotas: !p.quotas.is_empty(),
            }),
            tokens: tier_plan.map_or(0.0, |p| p.burst),
            quota_used: [0; 3],
            gw: 0,
            compute: 0,
            db: 0,
            db_slot: MANY_SHARDS,
            db_read_units: 0.0,
            db_write_units: 0.0,
            offered: 0,
            plan_admitted: 0,
            throttled_plan: 0,
            throttled_quota: 0,
            from_table: false,
        }
    }

    /// One tick's arrivals at `lambda` per second and what the tenant's
    /// usage plan and quotas admit: (arrivals, admitted). Counts them in
    /// the tenant's totals.
    #[inline(always)]
    fn arrive(&mut self, sc: &Scenario, lambda: f64, dt: f64) -> (i64, i64) {
        let count = self.stream.draw(lambda * dt) as i64;
        self.offered += count;
        let mut allowed = count;
        if let Some(plan) = &self.plan {
            let available = self.tokens + plan.refill;
            // `available` is never negative, so truncation is floor.
            let by_plan = allowed.min(available as i64);
            self.tokens = (available - by_plan as f64).min(plan.burst);
            self.throttled_plan += allowed - by_plan;
            allowed = by_plan;
            if plan.has_quotas {
                let by_quota = self.take_quota(sc, allowed);
                self.throttled_quota += allowed - by_quota;
                allowed = by_quota;
            }
        }
        (count, allowed)
    }

    /// Of `allowed` requests, those the tier's quotas still admit (and
    /// counts them against every quota).
    fn take_quota(&mut self, sc: &Scenario, allowed: i64) -> i64 {
        let Some(plan) = &sc.tiers[self.tier].plan else { return allowed };
        let mut by_quota = allowed as u64;
        for quota in &plan.quotas {
            by_quota = by_quota.min(quota.limit.saturating_sub(self.quota_used[quota_kind(quota.period_secs)]));
        }
        for quota in &plan.quotas {
            self.quota_used[quota_kind(quota.period_secs)] += by_quota;
        }
        by_quota as i64
    }
}

/// A tenant's whole-request totals kept outside the arrival pass.
///
/// Most ticks are *fast* for a tenant: nothing throttles or queues it
/// after its usage plan, so each of its admitted requests is served at its
/// compute stack's latency. Those ticks cost nothing per tenant; their
/// totals follow from the counters ([`Totals::fast`]) and their latency
/// weight is recorded per epoch of the stack's latency state.
#[derive(Debug, Clone, Copy, Default)]
struct Totals {
    throttled_account: i64,
    /// Admitted requests in slow ticks (simulated one by one).
    slow_admitted: i64,
    /// Fast requests already recorded in the latency histograms.
    latency_mark: i64,
    /// Fast requests already counted in the latency sum (whose mean only
    /// changes with the stack's state, so splitting an epoch for a window
    /// or a series point does not change how the sum rounds).
    mean_mark: i64,
    /// Offered requests counted when the event window last changed.
    window_mark: i64,
}

impl Totals {
    /// Requests admitted and served in fast ticks so far.
    fn fast(&self, inflow: &Inflow) -> i64 {
        inflow.plan_admitted - self.throttled_account - self.slow_admitted
    }
}

/// One tenant's requests in the current tick, stage by stage.
#[derive(Debug, Clone, Copy, Default)]
struct TickFlow {
    /// Arrival intensity after the gateway, per second.
    intensity: f64,
    plan_admitted: i64,
    admitted: i64,
}

/// A tenant's running totals when the current series point began.
#[derive(Debug, Clone, Copy, Default)]
struct PointStart {
    offered: i64,
    admitted: i64,
    served: f64,
    dropped: f64,
}

/// A tenant's usage plan in per-tick terms (only when a gateway applies it).
#[derive(Debug, Clone, Copy)]
struct PlanRates {
    refill: f64,
    burst: f64,
    has_quotas: bool,
}

/// Where each tenant's requests land in its database stack: tenant `t`'s
/// key shards are `start[t]..start[t + 1]`; shard `k` lies on partition
/// `partition[k]` and takes `share[k]` of the tenant's requests, which
/// put `read_units[k]` and `write_units[k]` on it per request. Each
/// (stack, partition) that some shard lies on has a demand slot, `slot[k]`
/// for shard `k`; a stack's slots are consecutive.
#[derive(Debug, Default)]
struct Shards {
    start: Vec<usize>,
    partition: Vec<usize>,
    slot: Vec<usize>,
    share: Vec<f64>,
    read_units: Vec<f64>,
    write_units: Vec<f64>,
}

/// [`Inflow::db_slot`] of a tenant with several key shards.
const MANY_SHARDS: u32 = u32::MAX;

/// Read and write units asked of every partition some tenant uses, by
/// demand slot, this tick, gathered as requests move through the tick.
struct PartitionDemand {
    read: Vec<f64>,
    write: Vec<f64>,
}

impl PartitionDemand {
    /// Adds `ops` requests (negative to take them back) of tenant `t`.
    #[inline(always)]
    fn add(&mut self, shards: &Shards, f: &Inflow, t: usize, ops: f64) {
        if f.db_slot == MANY_SHARDS {
            self.add_shards(shards, t, ops);
        } else {
            let slot = f.db_slot as usize;
            self.read[slot] += ops * f.db_read_units;
            self.write[slot] += ops * f.db_write_units;
        }
    }

    #[cold]
    fn add_shards(&mut self, shards: &Shards, t: usize, ops: f64) {
        for k in shards.start[t]..shards.start[t + 1] {
            let slot = shards.slot[k];
            self.read[slot] += ops * shards.read_units[k];
            self.write[slot] += ops * shards.write_units[k];
        }
    }
}

struct DbStack {
    partitions: usize,
    first_partition: usize,
    /// The demand slots of the partitions its members' key shards are
    /// on (the others never see a request).
    slots: std::ops::Range<usize>,
    /// Tick + 1 of the last tick it was simulated partition by partition
    /// (0: never), so that a tick with none to simulate need not visit
    /// every stack.
    slow_in: u64,
    /// Every partition's provisioned burst bank is full.
    banks_full: bool,
}

/// Splits `allowed` whole requests among the members' `plan_admitted`
/// proportionally into their `admitted`; the remainder goes round-robin
/// from `cursor` so no tenant is favoured.
fn share_out(members: &[u32], allowed: i64, total: i64, cursor: &mut usize, flows: &mut [TickFlow]) {
    let mut given = 0;
    for &t in members {
        let flow = &mut flows[t as usize];
        let share = ((i128::from(allowed) * i128::from(flow.plan_admitted)) / i128::from(total.max(1))) as i64;
        flow.admitted = share;
        given += share;
    }
    let n = members.len();
    let mut left = allowed - given;
    let mut i = 0;
    while left > 0 && i < n {
        let flow = &mut flows[members[(*cursor + i) % n] as usize];
        if flow.admitted < flow.plan_admitted {
            flow.admitted += 1;
            left -= 1;
        }
        i += 1;
    }
    *cursor = (*cursor + 1) % n.max(1);
}

/// Partition (within its stack) of a tenant's key shard: a fixed hash of
/// (tenant, shard), the same in every design.
fn partition_of(tenant: usize, shard: u32, partitions: usize) -> usize {
    (stream_seed(tenant as u64, 0, u64::from(shard), StreamPurpose::GroupRates) % partitions as u64) as usize
}

/// Whether tenant `t` is inside another tenant's event window this tick.
struct WindowFlags<'a> {
    track: bool,
    active_spikes: u32,
    own_active: &'a [u32],
}

impl WindowFlags<'_> {
    #[inline]
    fn of(&self, t: usize) -> bool {
        self.track && self.active_spikes > self.own_active[t]
    }
}

/// Records the fast-tick weight the members of a compute stack gathered
/// since their last flush under the stack's current latency state. With
/// `open_tick`, the current tick's admitted requests are left for the
/// next epoch (the stack's state is about to change); with `close_mean`,
/// their latency sum is brought up to date too.
#[allow(clippy::too_many_arguments)]
fn flush_epoch(
    members: &[u32],
    cs: &ComputeStack,
    open_tick: bool,
    close_mean: bool,
    tick: u64,
    inflows: &[Inflow],
    totals: &mut [Totals],
    now: &[TickFlow],
    raw: &mut [TenantRaw],
    book: &mut LatencyBook<'_>,
    window: &WindowFlags<'_>,
) {
    for &t in members {
        let t = t as usize;
        if !inflows[t].active {
            continue;
        }
        let mut fast = totals[t].fast(&inflows[t]);
        if open_tick {
            fast -= now[t].admitted;
        }
        let weight = fast - totals[t].latency_mark;
        if weight > 0 {
            book.record(t, cs.key, weight as f64, window.of(t), tick);
        }
        totals[t].latency_mark = fast;
        if close_mean {
            raw[t].latency_sum_secs += (fast - totals[t].mean_mark) as f64 * cs.mean_latency_secs;
            totals[t].mean_mark = fast;
        }
    }
}

/// [`flush_epoch`] for every stack in `live`, between ticks.
#[allow(clippy::too_many_arguments)]
fn flush_epochs(
    live: &[usize],
    topology: &Topology,
    compute: &[ComputeStack],
    close_mean: bool,
    tick: u64,
    inflows: &[Inflow],
    totals: &mut [Totals],
    raw: &mut [TenantRaw],
    book: &mut LatencyBook<'_>,
    window: &WindowFlags<'_>,
) {
    for &s in live {
        flush_epoch(
            &topology.stacks[s].tenants,
            &compute[s],
            false,
            close_mean,
            tick,
            inflows,
            totals,
            &[],
            raw,
            book,
            window,
        );
    }
}

/// Where a task's arrivals (and usage-plan results) come from. All three
/// give the same numbers; they differ in who draws them and when.
#[derive(Debug, Clone, Copy)]
pub enum Arrivals<'a> {
    /// Drawn tick by tick inside the task.
    Inline,
    /// Drawn a block of ticks ahead, on another thread when one is free
    /// (`rayon::join`): a large task then uses two cores, one simulating
    /// and one drawing (which costs less than simulating).
    Ahead,
    /// Read from the replication's table, drawn once for all its tasks (a
    /// baseline still draws its spiking tenants' own).
    Table(&'a ArrivalTable),
}

/// Runs one task. Returns `None` when cancelled.
#[allow(clippy::too_many_lines)]
#[allow(clippy::too_many_arguments)]
pub fn simulate(
    sc: &Scenario,
    design: &Design,
    replication: u32,
    with_spikes: bool,
    part: Part<'_>,
    arrivals: Arrivals<'_>,
    shared: &SharedPmfs,
    focus: &[usize],
    control: &RunControl,
) -> Option<TaskRaw> {
    let n = sc.tenants.len();
    let table = match arrivals {
        Arrivals::Table(table) => Some(table),
        Arrivals::Inline | Arrivals::Ahead => None,
    };
    let mut active: Vec<bool> = if with_spikes { vec![true; n] } else { spike_component(sc, design) };
    if let Some(members) = part.members {
        active.iter_mut().zip(members).for_each(|(a, &m)| *a &= m);
    }
    let keep_mixtures = part.members.is_some();
    let stack_active = |topology: &Topology| -> Vec<bool> {
        topology
            .stacks
            .iter()
            .map(|s| if s.tenants.is_empty() { part.first } else { s.tenants.iter().any(|&t| active[t as usize]) })
            .collect()
    };
    let dt = sc.clock.tick_secs;
    let ticks = sc.clock.ticks;
    let service = sc.compute.service;
    let mean_service = service.mean_secs();
    let mu = 1.0 / mean_service;

    let (patterns, pattern_of) = distinct_patterns(sc);
    let mut pattern_factor = vec![1.0; patterns.len()];

    let spikes_drawn = spikes_of(sc, with_spikes);
    let mut spiking = vec![false; n];
    // Every spike defines a window, whether this task applies it or not.
    let spikes_in_scenario = spikes_of(sc, true);
    let track_window = !spikes_in_scenario.is_empty();
    for &(t, _, _, _) in &spikes_in_scenario {
        spiking[t] = true;
    }
    let mut spike_on = vec![false; spikes_in_scenario.len()];

    let gw_topology = &design.layers[LayerName::Gateway.index()];
    let c_topology = &design.layers[LayerName::Compute.index()];
    let db_topology = &design.layers[LayerName::Database.index()];

    // Database stacks and key shards.
    let mut db_stacks = Vec::with_capacity(db_topology.stacks.len());
    let mut total_partitions = 0usize;
    if let Some(db) = &sc.database {
        for s in &db_topology.stacks {
            let partitions = if s.kind == StackKind::Silo { db.silo_partitions } else { db.pool_partitions } as usize;
            db_stacks.push(DbStack {
                partitions,
                first_partition: total_partitions,
                slots: 0..0,
                slow_in: 0,
                banks_full: false,
            });
            total_partitions += partitions;
        }
    }
    let mut shards = Shards { start: Vec::with_capacity(n + 1), ..Shards::default() };
    let mut used_partitions = Vec::new();
    if sc.database.is_some() {
        for (t, tenant) in sc.tenants.iter().enumerate() {
            shards.start.push(shards.partition.len());
            let stack = &db_stacks[db_topology.stack_of_tenant[t] as usize];
            let load = &tenant.load;
            let count = load.key_shards;
            for shard in 0..count {
                let p = stack.first_partition + partition_of(t, shard, stack.partitions);
                let share =
                    if shard == 0 { load.hot_key_share } else { (1.0 - load.hot_key_share) / f64::from(count - 1) };
                shards.partition.push(p);
                shards.share.push(share);
                shards.read_units.push(load.read_fraction * load.read_units_per_read * share);
                shards.write_units.push((1.0 - load.read_fraction) * load.write_units_per_write * share);
            }
        }
        shards.start.push(shards.partition.len());
        // Slots for the partitions this task simulates, in stack order
        // (a tenant it does not simulate never asks for one).
        shards.slot = vec![usize::MAX; shards.partition.len()];
        for (s, stack) in db_topology.stacks.iter().enumerate() {
            let first = used_partitions.len();
            for &t in &stack.tenants {
                let t = t as usize;
                if !active[t] {
                    continue;
                }
                for k in shards.start[t]..shards.start[t + 1] {
                    let p = shards.partition[k];
                    shards.slot[k] = match used_partitions[first..].iter().position(|&q| q == p) {
                        Some(i) => first + i,
                        None => {
                            used_partitions.push(p);
                            used_partitions.len() - 1
                        }
                    };
                }
            }
            db_stacks[s].slots = first..used_partitions.len();
        }
    }

    // Tenant state: what the arrival pass reads and writes, one record
    // per tenant (one bounds check, one cache line or two).
    let mut inflows: Vec<Inflow> = (0..n)
        .map(|t| {
            // A tenant with one key shard adds its demand directly.
            let (db_slot, db_read_units, db_write_units) = match shards.start.get(t..t + 2) {
                Some(&[k, end]) if end == k + 1 => (shards.slot[k] as u32, shards.read_units[k], shards.write_units[k]),
                _ => (MANY_SHARDS, 0.0, 0.0),
            };
            Inflow {
                active: active[t],
                gw: gw_topology.stack_of_tenant.get(t).copied().unwrap_or(0),
                compute: c_topology.stack_of_tenant[t],
                db: db_topology.stack_of_tenant.get(t).copied().unwrap_or(0),
                db_slot,
                db_read_units,
                db_write_units,
                // A baseline draws its spiking tenants' unspiked arrivals.
                from_table: table.is_some() && (with_spikes || !spiking[t]),
                ..Inflow::new(sc, t, replication, pattern_of[t])
            }
        })
        .collect();
    let mut quota_period = [0u64; 3];
    let mut own_active = vec![0u32; n];
    let mut active_spikes = 0u32;
    let mut now = vec![TickFlow::default(); n];
    let mut totals = vec![Totals::default(); n];
    // What each tenant had counted at the start of the current series
    // point (offered, admitted, served, dropped).
    let mut point_start = vec![PointStart::default(); n];
    let tier_of: Vec<usize> = sc.tenants.iter().map(|t| t.tier).collect();
    let mut backlog = vec![0.0; n];
    let mut backlog_start = vec![0.0; n];
    let mut compute_served = vec![0.0; n];
    let mut final_served = vec![0.0; n];
    let mut timeout_drops = vec![0.0; n];
    let mut tenant_state: Vec<WaitState> =
        vec![WaitState { delay_secs: 0.0, wait_probability: 0.0, wait_rate_per_sec: 1.0 }; n];
    let mut raw: Vec<TenantRaw> = vec![TenantRaw::default(); n];
    let tiers = sc.tiers.len();
    let mut book = LatencyBook::new(shared, tier_of.clone(), tiers, focus, track_window);
    let weights: Vec<f64> = sc.tenants.iter().map(|t| sc.tiers[t.tier].weight).collect();
    // Tenants simulated one by one this tick, each once.
    let mut slow_tenants: Vec<u32> = Vec::with_capacity(n);
    let mut slow_mark = vec![0u64; n];

    // Gateway stacks.
    let mut gw_tokens: Vec<f64> = vec![sc.gateway.as_ref().map_or(0.0, |g| g.account_burst); gw_topology.stacks.len()];
    let mut gw_demand = vec![0i64; gw_topology.stacks.len().max(1)];
    let mut gw_cursor = vec![0usize; gw_topology.stacks.len()];
    let mut gw_stacks_raw = vec![StackRaw::default(); gw_topology.stacks.len()];
    let gw_active = stack_active(gw_topology);

    // Compute stacks, pre-sized for the load at t = 0 when autoscaled.
    let concurrency = sc.compute.concurrency;
    let idle = WaitState { delay_secs: 0.0, wait_probability: 0.0, wait_rate_per_sec: 1.0 };
    let mut compute: Vec<ComputeStack> = c_topology
        .stacks
        .iter()
        .map(|s| {
            let bounds = if s.kind == StackKind::Silo { sc.compute.silo_instances } else { sc.compute.pool_instances };
            let active = match &sc.compute.autoscale {
                Some(a) => {
                    let load: f64 = s
                        .tenants
                        .iter()
                        .map(|&t| {
                            let t = &sc.tenants[t as usize];
                            t.load.rate_per_sec * t.load.pattern.factor_at(0.0, sc.clock.start_hour)
                        })
                        .sum();
                    let needed = (load * mean_service / (f64::from(concurrency) * a.target_utilisation)).ceil();
                    (needed.min(f64::from(bounds.max)) as u32).clamp(bounds.min, bounds.max)
                }
                None => bounds.min,
            };
            ComputeStack {
                active,
                pending: Vec::with_capacity(8),
                min: bounds.min,
                max: bounds.max,
                eval_busy_secs: 0.0,
                eval_capacity_secs: 0.0,
                memo: (u32::MAX, f64::NAN, idle),
                fluid_backlog: 0.0,
                backlog: 0.0,
                arrived: 0,
                lambda: 0.0,
                slow: false,
                state: idle,
                key: key_of(&idle),
                mean_latency_secs: idle.mean_latency_secs(&service),
                keep: 1.0,
                servers_total: 0,
                servers: 0,
                drain_per_sec: 0.0,
                pending_total: 0,
                next_ready: u64::MAX,
                segment_start: 0,
                served_since: 0.0,
            }
        })
        .collect();
    for cs in &mut compute {
        cs.resize(concurrency, mu);
    }
    let mut c_stacks_raw = vec![StackRaw::default(); c_topology.stacks.len()];
    let c_active = stack_active(c_topology);
    let eval_ticks = sc.compute.autoscale.map_or(u64::MAX, |a| ((a.evaluation_secs / dt).round() as u64).max(1));
    let warmup_ticks = sc.compute.autoscale.map_or(0, |a| (a.warmup_secs / dt).round() as u64);
    let timeout = sc.compute.queue_timeout_secs;
    let weighted_fair = sc.compute.fairness == FairnessFile::WeightedFair;

    let has_db = sc.database.is_some();
    // Gathered as requests move through the tick; the slow path recounts
    // them from what reached the database.
    let mut db_demand =
        PartitionDemand { read: vec![0.0; used_partitions.len()], write: vec![0.0; used_partitions.len()] };
    let mut read_demand = vec![0.0; total_partitions];
    let mut write_demand = vec![0.0; total_partitions];
    let mut read_ok = vec![1.0; total_partitions];
    let mut write_ok = vec![1.0; total_partitions];
    let (prov_read, prov_write) = match sc.database.as_ref().map(|d| d.pricing) {
        Some(DbPricing::Provisioned { read_units_per_sec, write_units_per_sec, .. }) => {
            (Some(read_units_per_sec), Some(write_units_per_sec))
        }
        _ => (None, None),
    };
    let mut read_bank = vec![0.0; total_partitions];
    let mut write_bank = vec![0.0; total_partitions];
    let mut db_stacks_raw = vec![StackRaw::default(); db_stacks.len()];
    let db_active = stack_active(db_topology);
    // What this task simulates, as index lists (a part of a design skips
    // the rest without looking at it).
    let live = |flags: &[bool]| -> Vec<usize> { (0..flags.len()).filter(|&i| flags[i]).collect() };
    let (gw_live, c_live, db_live) = (live(&gw_active), live(&c_active), live(&db_active));
    let active_tenants = live(&active);

    // Series.
    let ticks_per_point = ticks.div_ceil(MAX_SERIES_POINTS.min(ticks).max(1));
    let points = ticks.div_ceil(ticks_per_point) as usize;
    let mut tier_flow: Vec<FlowRaw> = (0..tiers).map(|_| FlowRaw::new(points)).collect();
    let mut total_flow = FlowRaw::new(points);
    let mut stack_series =
        StackSeries { instances: vec![0.0; points], busy: vec![0.0; points], capacity: vec![0.0; points] };
    let mut point_ticks = vec![0u64; points];
    let mut focus_of: Vec<Option<usize>> = vec![None; n];
    for (k, &t) in focus.iter().enumerate() {
        if t < n {
            focus_of[t] = Some(k);
        }
    }
    let mut focus_flow: Vec<FlowRaw> = focus.iter().map(|_| FlowRaw::new(points)).collect();

    let db = sc.database.as_ref();
    let gateway = sc.gateway.as_ref();

    let mut db_kept_secs = 0.0;
    let mut gw_kept_secs = 0.0;
    let mut tier_mixtures: Vec<Vec<Mixture>> = Vec::new();
    let mut next_point_tick = ticks_per_point;
    let mut next_eval_tick = eval_ticks;
    // A no-spike baseline only serves the window figures: it stops when
    // the last spike ends.
    let end_tick = if with_spikes { ticks } else { baseline_ticks(sc) };
    let mut drawer = matches!(arrivals, Arrivals::Ahead).then(|| Drawer::new(sc, replication, with_spikes, &active));
    if drawer.is_some() {
        inflows.iter_mut().for_each(|f| f.from_table = true);
    }
    // One tick, with its drawn arrivals (empty when the tick draws its
    // own); false when the run was cancelled.
    let mut step = |tick: u64, row: Row<'_>| -> bool {
        if tick.is_multiple_of(PROGRESS_STRIDE) && tick > 0 {
            if control.is_cancelled() {
                return false;
            }
            control.add_progress(PROGRESS_STRIDE);
        }
        let t_secs = tick as f64 * dt;
        let point = (next_point_tick / ticks_per_point - 1) as usize;
        point_ticks[point] += 1;

        // Events active now. When the set of running spikes changes, so
        // does who is inside another tenant's window: close the epochs.
        let mut window_changed = false;
        for (on, &(_, start, end, _)) in spike_on.iter_mut().zip(&spikes_in_scenario) {
            let running = t_secs >= start && t_secs < end;
            window_changed |= running != *on;
            *on = running;
        }
        if window_changed {
            let window = WindowFlags { track: track_window, active_spikes, own_active: &own_active };
            flush_epochs(
                &c_live,
                c_topology,
                &compute,
                false,
                tick,
                &inflows,
                &mut totals,
                &mut raw,
                &mut book,
                &window,
            );
            close_window(&inflows, &mut totals, &mut raw, &window);
            own_active.iter_mut().for_each(|a| *a = 0);
            active_spikes = 0;
            for (&(t, _, _, _), &on) in spikes_in_scenario.iter().zip(&spike_on) {
                if on {
                    active_spikes += 1;
                    own_active[t] += 1;
                }
            }
        }
        let mut loss = [0.0f64; 3];
        set_spike_factors(&mut inflows, &spikes_drawn, t_secs);
        for e in &sc.events {
            if let Event::CapacityLoss { layer, start_secs, end_secs, fraction } = *e
                && t_secs >= start_secs
                && t_secs < end_secs
            {
                let kept = 1.0 - loss[layer.index()];
                loss[layer.index()] = 1.0 - kept * (1.0 - fraction);
            }
        }
        let window = WindowFlags { track: track_window, active_spikes, own_active: &own_active };
        for (f, p) in pattern_factor.iter_mut().zip(&patterns) {
            *f = p.factor_at(t_secs, sc.clock.start_hour);
        }
        reset_quotas(&mut inflows, &mut quota_period, t_secs);

        // Arrivals and the per-tenant part of the gateway; each tenant's
        // admitted requests are added to its stacks' totals.
        for &t in &active_tenants {
            let (f, flow) = (&mut inflows[t], &mut now[t]);
            let lambda = f.rate_per_sec * pattern_factor[f.pattern] * f.spike_factor;
            let (offered, allowed) = if f.from_table {
                let drawn = row.of(t);
                f.offered += drawn.offered;
                (drawn.offered, drawn.admitted)
            } else {
                f.arrive(sc, lambda, dt)
            };
            let intensity = admitted_intensity(lambda, offered, allowed);
            f.plan_admitted += allowed;
            *flow = TickFlow { intensity, plan_admitted: allowed, admitted: allowed };
            gw_demand[f.gw as usize] += allowed;
            let cs = &mut compute[f.compute as usize];
            cs.arrived += allowed;
            cs.lambda += intensity;
            if has_db {
                db_demand.add(&shards, f, t, allowed as f64);
            }
        }

        // Shared account buckets: when one binds, its members' admitted
        // requests (and their stacks' totals) shrink.
        if let Some(g) = gateway {
            let keep = 1.0 - loss[LayerName::Gateway.index()];
            let refill = g.account_rate_per_sec * keep * dt;
            // Every stack's capacity scales with the same factor: filled
            // in after the loop.
            gw_kept_secs += keep * dt;
            for &s in &gw_live {
                let stack = &gw_topology.stacks[s];
                let demand = std::mem::take(&mut gw_demand[s]);
                // A full bucket that this tick's refill covers stays full.
                if gw_tokens[s] == g.account_burst && demand as f64 <= refill {
                    gw_stacks_raw[s].requests += demand as f64;
                    continue;
                }
                let available = gw_tokens[s] + refill;
                let allowed = demand.min(available as i64);
                gw_tokens[s] = (available - allowed as f64).min(g.account_burst);
                if allowed != demand {
                    share_out(&stack.tenants, allowed, demand, &mut gw_cursor[s], &mut now);
                    for &t in &stack.tenants {
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
                        let cs = &mut compute[f.compute as usize];
                        cs.arrived -= cut;
                        cs.lambda -= lambda_cut;
                        if has_db {
                            db_demand.add(&shards, f, t, -(cut as f64));
                        }
                    }
                }
                gw_stacks_raw[s].requests += allowed as f64;
            }
        } else {
            gw_demand.iter_mut().for_each(|d| *d = 0);
        }

        // Compute stacks. A stack with no backlog whose arrivals fit its
        // capacity serves every request this tick (fast); otherwise its
        // members are simulated one by one (slow).
        slow_tenants.clear();
        let keep = 1.0 - loss[LayerName::Compute.index()];
        for &s in &c_live {
            let stack = &c_topology.stacks[s];
            let cs = &mut compute[s];
            let arrived = std::mem::take(&mut cs.arrived) as f64;
            let lambda = std::mem::take(&mut cs.lambda).max(0.0);
            if cs.next_ready <= tick || cs.keep != keep {
                cs.close_segment(tick, &mut c_stacks_raw[s], &mut stack_series, point, dt, mean_service);
                while let Some(i) = cs.pending.iter().position(|&(ready, _)| ready <= tick) {
                    cs.active += cs.pending[i].1;
                    cs.pending.swap_remove(i);
                }
                cs.keep = keep;
                cs.resize(concurrency, mu);
            }
            let servers = cs.servers;
            let drain_per_sec = cs.drain_per_sec;
            let capacity = drain_per_sec * dt;
            let max_backlog = drain_per_sec * timeout;
            cs.slow = cs.backlog > 0.0 || arrived > capacity;
            let mut served_total = arrived;
            let mut backlog_end = 0.0;
            if cs.slow {
                (served_total, backlog_end) = serve_slowly(
                    &stack.tenants,
                    sc.compute.fairness,
                    capacity,
                    max_backlog,
                    dt,
                    timeout,
                    &weights,
                    &now,
                    &mut backlog,
                    &mut backlog_start,
                    &mut compute_served,
                    &mut timeout_drops,
                    &mut raw,
                );
                for &t in &stack.tenants {
                    let tu = t as usize;
                    if slow_mark[tu] != tick + 1 {
                        slow_mark[tu] = tick + 1;
                        slow_tenants.push(t);
                    }
                    // The database's demand counted the admitted requests
                    // (a tenant this task does not simulate has neither).
                    let extra = compute_served[tu] - now[tu].admitted as f64;
                    if has_db && extra != 0.0 {
                        db_demand.add(&shards, &inflows[tu], tu, extra);
                    }
                }
            }
            cs.backlog = backlog_end;
            let shared = stationary(cs, servers, lambda, &service);
            if weighted_fair && cs.slow {
                for &t in &stack.tenants {
                    let t = t as usize;
                    let rate = compute_served[t] / dt;
                    let delay = if backlog_start[t] + backlog[t] <= 0.0 {
                        0.0
                    } else if rate > 0.0 {
                        (0.5 * (backlog_start[t] + backlog[t]) / rate).min(timeout)
                    } else {
                        timeout
                    };
                    tenant_state[t] = WaitState { delay_secs: delay, ..shared };
                }
            }
            let state = if weighted_fair {
                shared
            } else {
                let fluid_start = cs.fluid_backlog;
                let delay = if fluid_start == 0.0 && lambda <= drain_per_sec && drain_per_sec > 0.0 {
                    // No backlog, and none builds up.
                    0.0
                } else {
                    cs.fluid_backlog = (fluid_start + (lambda - drain_per_sec) * dt).clamp(0.0, max_backlog);
                    if drain_per_sec > 0.0 {
                        (0.5 * (fluid_start + cs.fluid_backlog) / drain_per_sec).min(timeout)
                    } else {
                        timeout
                    }
                };
                WaitState { delay_secs: delay, ..shared }
            };
            if state != cs.state {
                let key = key_of(&state);
                let mean = state.mean_latency_secs(&service);
                if key != cs.key || mean != cs.mean_latency_secs {
                    flush_epoch(
                        &stack.tenants,
                        cs,
                        true,
                        true,
                        tick,
                        &inflows,
                        &mut totals,
                        &now,
                        &mut raw,
                        &mut book,
                        &window,
                    );
                }
                cs.state = state;
                cs.key = key;
                cs.mean_latency_secs = mean;
            }
            cs.served_since += served_total;

            if let Some(policy) = &sc.compute.autoscale
                && tick + 1 == next_eval_tick
            {
                cs.close_segment(tick + 1, &mut c_stacks_raw[s], &mut stack_series, point, dt, mean_service);
                let pending = cs.pending_total;
                let utilisation = if cs.eval_capacity_secs > 0.0 {
                    cs.eval_busy_secs / cs.eval_capacity_secs
                } else if cs.eval_busy_secs > 0.0 || backlog_end > 0.0 {
                    1.0
                } else {
                    0.0
                };
                let active = f64::from(cs.active.max(1));
                let desired = ((active * utilisation / policy.target_utilisation).ceil() as u32).clamp(cs.min, cs.max);
                let current = cs.active + pending;
                if desired > current {
                    cs.pending.push((tick + 1 + warmup_ticks, desired - current));
                } else if desired < cs.active && pending == 0 {
                    cs.active = desired;
                }
                cs.resize(concurrency, mu);
                cs.eval_busy_secs = 0.0;
                cs.eval_capacity_secs = 0.0;
            }
        }

        if tick + 1 == next_eval_tick {
            next_eval_tick = next_eval_tick.saturating_add(eval_ticks);
        }

        // Database stacks: a stack whose partitions cannot reach a cap
        // this tick serves everything (fast); otherwise it is simulated
        // partition by partition and its members one by one.
        if let Some(db) = db {
            let keep = 1.0 - loss[LayerName::Database.index()];
            // Every partition's capacity scales with the same factor: the
            // stacks' capacity seconds are filled in after the loop.
            db_kept_secs += keep * dt;
            let hard_read = db.read_units_per_partition_per_sec * keep * dt;
            let hard_write = db.write_units_per_partition_per_sec * keep * dt;
            // On demand, every partition has the same caps: one pass over
            // the demands (without a branch per partition) tells whether
            // any stack needs a closer look.
            let on_demand = prov_read.is_none() && prov_write.is_none();
            let any_over = !on_demand
                || db_demand
                    .read
                    .iter()
                    .zip(&db_demand.write)
                    .fold(false, |over, (&read, &write)| over | (read > hard_read) | (write > hard_write));
            if !any_over {
                db_demand.read.fill(0.0);
                db_demand.write.fill(0.0);
            }
            for &s in db_live.iter().filter(|_| any_over) {
                let stack = &db_topology.stacks[s];
                let d = &mut db_stacks[s];
                let partitions = d.partitions as f64;
                // The most one partition can serve this tick without
                // touching its burst bank (provisioned) or at all.
                let cap = |hard: f64, provisioned: Option<f64>| match provisioned {
                    Some(table) if d.banks_full => (table / partitions * keep * dt).min(hard),
                    Some(_) => -1.0,
                    None => hard,
                };
                let (read_cap, write_cap) = (cap(hard_read, prov_read), cap(hard_write, prov_write));
                let mut slow = false;
                for slot in d.slots.clone() {
                    let (read, write) = (&mut db_demand.read[slot], &mut db_demand.write[slot]);
                    slow |= *read > read_cap || *write > write_cap;
                    (*read, *write) = (0.0, 0.0);
                }
                if !slow {
                    continue;
                }
                d.slow_in = tick + 1;
                let ops_of = |t: usize| {
                    if compute[inflows[t].compute as usize].slow { compute_served[t] } else { now[t].admitted as f64 }
                };
                let partition_range = d.first_partition..d.first_partition + d.partitions;
                read_demand[partition_range.clone()].iter_mut().for_each(|x| *x = 0.0);
                write_demand[partition_range.clone()].iter_mut().for_each(|x| *x = 0.0);
                for &t in &stack.tenants {
                    let t = t as usize;
                    let ops = ops_of(t);
                    for k in shards.start[t]..shards.start[t + 1] {
                        let p = shards.partition[k];
                        read_demand[p] += ops * shards.read_units[k];
                        write_demand[p] += ops * shards.write_units[k];
                    }
                }
                let raw_s = &mut db_stacks_raw[s];
                let mut full = true;
                for p in partition_range {
                    for (demand, ok, bank, hard, provisioned, used) in [
                        (
                            read_demand[p],
                            &mut read_ok[p],
                            &mut read_bank[p],
                            db.read_units_per_partition_per_sec,
                            prov_read,
                            &mut raw_s.read_units,
                        ),
                        (
                            write_demand[p],
                            &mut write_ok[p],
                            &mut write_bank[p],
                            db.write_units_per_partition_per_sec,
                            prov_write,
                            &mut raw_s.write_units,
                        ),
                    ] {
                        let hard_cap = hard * keep * dt;
                        let cap = match provisioned {
                            Some(table) => {
                                let share_per_sec = table / partitions;
                                let max_bank = share_per_sec * DB_BURST_BANK_SECS;
                                let share = share_per_sec * keep * dt;
                                let cap = (share + *bank).min(hard_cap);
                                let served = demand.min(cap);
                                *bank = (*bank + share - served).clamp(0.0, max_bank);
                                full &= *bank >= max_bank;
                                cap
                            }
                            None => hard_cap,
                        };
                        let served = demand.min(cap);
                        *ok = if demand > 0.0 { served / demand } else { 1.0 };
                        *used += served;
                    }
                }
                d.banks_full = full;
                for &t in &stack.tenants {
                    let tu = t as usize;
                    let ops = ops_of(tu);
                    if slow_mark[tu] != tick + 1 {
                        slow_mark[tu] = tick + 1;
                        slow_tenants.push(t);
                    }
                    if ops <= 0.0 {
                        final_served[tu] = 0.0;
                        continue;
                    }
                    let load = &sc.tenants[tu].load;
                    let mut ok_reads = 0.0;
                    let mut ok_writes = 0.0;
                    for k in shards.start[tu]..shards.start[tu + 1] {
                        ok_reads += shards.share[k] * read_ok[shards.partition[k]];
                        ok_writes += shards.share[k] * write_ok[shards.partition[k]];
                    }
                    let reads = ops * load.read_fraction;
                    let writes = ops - reads;
                    let good = reads * ok_reads + writes * ok_writes;
                    final_served[tu] = good;
                    raw[tu].dropped_partition += ops - good;
                    raw[tu].db_ops += good;
                    raw[tu].db_units +=
                        reads * ok_reads * load.read_units_per_read + writes * ok_writes * load.write_units_per_write;
                    raw_s.requests += good;
                }
            }
        }

        // Tenants simulated one by one: served counts, losses inside
        // others' windows, and latency at their own tick's state.
        for &t in &slow_tenants {
            let t = t as usize;
            let flow = now[t];
            totals[t].slow_admitted += flow.admitted;
            let cs = &compute[inflows[t].compute as usize];
            let (ops, dropped_in_queue) = if cs.slow {
                (compute_served[t], timeout_drops[t])
            } else {
                raw[t].compute_requests += flow.admitted as f64;
                (flow.admitted as f64, 0.0)
            };
            let served = match db {
                Some(_) if db_stacks[inflows[t].db as usize].slow_in != tick + 1 => {
                    serve_all_in_db(&sc.tenants[t].load, ops, &mut raw[t], &mut db_stacks_raw[inflows[t].db as usize]);
                    ops
                }
                Some(_) => final_served[t],
                None => ops,
            };
            let r = &mut raw[t];
            r.served += served;
            let in_window = window.of(t);
            if in_window {
                // Only losses at shared resources: a tenant's own usage plan
                // and quotas cannot be exhausted by its neighbours (but by
                // its own earlier spike, which the no-spike baseline lacks).
                r.window_unserved += ops - served + dropped_in_queue;
            }
            if served > 0.0 {
                let (key, mean_latency_secs) = if weighted_fair && cs.slow {
                    (key_of(&tenant_state[t]), tenant_state[t].mean_latency_secs(&service))
                } else {
                    (cs.key, cs.mean_latency_secs)
                };
                r.latency_sum_secs += served * mean_latency_secs;
                book.record(t, key, served, in_window, tick);
            }
        }

        if tick + 1 == ticks || tick + 1 == next_point_tick {
            next_point_tick += ticks_per_point;
            for &s in &c_live {
                compute[s].close_segment(tick + 1, &mut c_stacks_raw[s], &mut stack_series, point, dt, mean_service);
            }
            flush_epochs(
                &c_live,
                c_topology,
                &compute,
                tick + 1 == ticks,
                tick,
                &inflows,
                &mut totals,
                &mut raw,
                &mut book,
                &window,
            );
            for &t in &active_tenants {
                let tier = tier_of[t];
                let fast = totals[t].fast(&inflows[t]);
                let now = PointStart {
                    offered: inflows[t].offered,
                    admitted: inflows[t].plan_admitted - totals[t].throttled_account,
                    served: raw[t].served + fast as f64,
                    dropped: raw[t].dropped_timeout + raw[t].dropped_partition,
                };
                let start = std::mem::replace(&mut point_start[t], now);
                let offered = (now.offered - start.offered) as f64;
                let admitted = (now.admitted - start.admitted) as f64;
                let served = now.served - start.served;
                let dropped = now.dropped - start.dropped;
                let flows = [Some(&mut tier_flow[tier]), focus_of[t].map(|k| &mut focus_flow[k])];
                for flow in flows.into_iter().flatten() {
                    flow.offered[point] += offered;
                    flow.admitted[point] += admitted;
                    flow.throttled[point] += offered - admitted;
                    flow.served[point] += served;
                    flow.dropped[point] += dropped;
                }
                if let Some((k, p99)) = book.end_point(t) {
                    focus_flow[k].p99_ms[point] = p99;
                }
            }
            if keep_mixtures {
                tier_mixtures.push(book.tier_mixtures());
            }
            total_flow.p99_ms[point] = book.end_point_of_tiers(|tier, p99| tier_flow[tier].p99_ms[point] = p99);
        }
        true
    };
    let finished = match (&mut drawer, table) {
        (Some(drawer), _) => {
            // Per block: one thread draws the next block while the other
            // simulates this one (and then draws some of the next).
            let stride = PIPELINE_BLOCK_TICKS as usize;
            let (mut current, mut next) = (vec![Drawn::default(); n * stride], vec![Drawn::default(); n * stride]);
            drawer.fill(sc, 0..PIPELINE_BLOCK_TICKS.min(end_tick), &mut current, stride);
            let mut start = 0;
            let mut going = true;
            while going && start < end_tick {
                let stop = (start + PIPELINE_BLOCK_TICKS).min(end_tick);
                let following = stop..(stop + PIPELINE_BLOCK_TICKS).min(end_tick);
                let rows = &current;
                going = drawer.fill_alongside(sc, following, &mut next, stride, || {
                    (start..stop).all(|tick| step(tick, Row { drawn: rows, offset: (tick - start) as usize, stride }))
                });
                std::mem::swap(&mut current, &mut next);
                start = stop;
            }
            going
        }
        (None, Some(table)) => {
            (0..end_tick).all(|tick| step(tick, Row { drawn: &table.drawn, offset: tick as usize * n, stride: 1 }))
        }
        (None, None) => (0..end_tick).all(|tick| step(tick, Row { drawn: &[], offset: 0, stride: 0 })),
    };
    if !finished {
        return None;
    }
    let drawn_throttled = drawer.as_ref().map(Drawer::throttled);
    control.add_progress(end_tick % PROGRESS_STRIDE);
    if end_tick < ticks {
        let window = WindowFlags { track: track_window, active_spikes, own_active: &own_active };
        flush_epochs(
            &c_live,
            c_topology,
            &compute,
            true,
            end_tick,
            &inflows,
            &mut totals,
            &mut raw,
            &mut book,
            &window,
        );
    }
    // The last point flushed every epoch; what is left are the window
    // counts and the totals of fast ticks.
    close_window(
        &inflows,
        &mut totals,
        &mut raw,
        &WindowFlags { track: track_window, active_spikes, own_active: &own_active },
    );
    if let Some(g) = gateway {
        for raw_s in &mut gw_stacks_raw {
            raw_s.capacity_secs = g.account_rate_per_sec * gw_kept_secs;
        }
    }
    if let Some(db) = db {
        for (raw_s, stack) in db_stacks_raw.iter_mut().zip(&db_stacks) {
            raw_s.capacity_secs = stack.partitions as f64
                * (db.read_units_per_partition_per_sec + db.write_units_per_partition_per_sec)
                * db_kept_secs;
        }
    }
    for (t, r) in raw.iter_mut().enumerate() {
        let f = &inflows[t];
        let fast = totals[t].fast(f) as f64;
        r.served += fast;
        r.compute_requests += fast;
        if db.is_some() && f.active {
            serve_all_in_db(&sc.tenants[t].load, fast, r, &mut db_stacks_raw[f.db as usize]);
        }
        r.compute_busy_secs = r.compute_requests * mean_service;
        r.offered = f.offered as f64;
        r.admitted = (f.plan_admitted - totals[t].throttled_account) as f64;
        let (throttled_plan, throttled_quota) = match (&drawn_throttled, table) {
            (Some(drawn), _) => drawn[t],
            (None, Some(table)) if f.from_table && end_tick < ticks => table.throttled_in_baseline[t],
            (None, Some(table)) if f.from_table => table.throttled[t],
            _ => (f.throttled_plan, f.throttled_quota),
        };
        r.throttled_plan = throttled_plan as f64;
        r.throttled_quota = throttled_quota as f64;
        r.throttled_account = totals[t].throttled_account as f64;
    }

    book.flush_all();
    let mut tier_hist: Vec<Histogram> = (0..tiers).map(|_| Histogram::fine()).collect();
    for t in 0..n {
        let r = &mut raw[t];
        r.in_flight = backlog[t];
        let h = &book.run[t];
        r.p50_ms = h.quantile_ms(0.5);
        r.p95_ms = h.quantile_ms(0.95);
        r.p99_ms = h.quantile_ms(0.99);
        if let Some(w) = book.window.get(t) {
            r.window_p99_ms = w.quantile_ms(0.99);
        }
        tier_hist[sc.tenants[t].tier].merge(h);
    }
    // Series rates and totals.
    for p in 0..points {
        if point_ticks[p] == 0 {
            // Past the end of a baseline: nothing was simulated.
            continue;
        }
        let secs = point_ticks[p] as f64 * dt;
        for flow in &mut tier_flow {
            for series in
                [&mut flow.offered, &mut flow.admitted, &mut flow.throttled, &mut flow.dropped, &mut flow.served]
            {
                series[p] /= secs;
            }
        }
        for flow in &mut focus_flow {
            for series in
                [&mut flow.offered, &mut flow.admitted, &mut flow.throttled, &mut flow.dropped, &mut flow.served]
            {
                series[p] /= secs;
            }
        }
        for flow in &tier_flow {
            total_flow.offered[p] += flow.offered[p];
            total_flow.admitted[p] += flow.admitted[p];
            total_flow.throttled[p] += flow.throttled[p];
            total_flow.dropped[p] += flow.dropped[p];
            total_flow.served[p] += flow.served[p];
        }
        stack_series.instances[p] /= point_ticks[p] as f64;
    }
    let utilisation = stack_series
        .busy
        .iter()
        .zip(&stack_series.capacity)
        .map(|(&busy, &capacity)| if capacity > 0.0 { busy / capacity } else { 0.0 })
        .collect();
    Some(TaskRaw {
        active,
        tenants: raw,
        tier_p99_ms: tier_hist.iter().map(|h| h.quantile_ms(0.99)).collect(),
        tier_hist,
        stacks: [gw_stacks_raw, c_stacks_raw, db_stacks_raw],
        ticks_per_point,
        point_ticks,
        tiers: tier_flow,
        total: total_flow,
        focus: focus.iter().copied().zip(focus_flow).collect(),
        instances: stack_series.instances,
        utilisation,
        busy_secs: stack_series.busy,
        capacity_secs: stack_series.capacity,
        tier_mixtures,
    })
}

/// Counts the requests each tenant offered while inside another tenant's
/// window since the window last changed.
fn close_window(inflows: &[Inflow], totals: &mut [Totals], raw: &mut [TenantRaw], window: &WindowFlags<'_>) {
    if !window.track {
        return;
    }
    for (t, (f, total)) in inflows.iter().zip(totals.iter_mut()).enumerate() {
        if f.active && window.of(t) {
            raw[t].window_offered += (f.offered - total.window_mark) as f64;
        }
        total.window_mark = f.offered;
    }
}

/// One slow tick of a compute stack: its members' backlog and admitted
/// requests are served FIFO or weighted-fair within `capacity`, and what
/// would wait longer than the timeout is dropped. Returns the requests
/// served and the backlog left.
#[allow(clippy::too_many_arguments)]
fn serve_slowly(
    members: &[u32],
    fairness: FairnessFile,
    capacity: f64,
    max_backlog: f64,
    dt: f64,
    timeout: f64,
    weights: &[f64],
    now: &[TickFlow],
    backlog: &mut [f64],
    backlog_start: &mut [f64],
    compute_served: &mut [f64],
    timeout_drops: &mut [f64],
    raw: &mut [TenantRaw],
) -> (f64, f64) {
    let mut backlog_total: f64 = 0.0;
    let mut arrived: f64 = 0.0;
    for &t in members {
        let t = t as usize;
        timeout_drops[t] = 0.0;
        backlog_start[t] = backlog[t];
        backlog_total += backlog[t];
        arrived += now[t].admitted as f64;
    }
    let mut served_total = 0.0;
    let mut backlog_end = 0.0;
    match fairness {
        FairnessFile::Fifo => {
            let from_backlog = backlog_total.min(capacity);
            let old_ratio = if backlog_total > 0.0 { from_backlog / backlog_total } else { 0.0 };
            let from_new = arrived.min(capacity - from_backlog);
            let new_ratio = if arrived > 0.0 { from_new / arrived } else { 0.0 };
            for &t in members {
                let t = t as usize;
                let a = now[t].admitted as f64;
                let old = backlog[t] * old_ratio;
                let new = a * new_ratio;
                compute_served[t] = old + new;
                raw[t].compute_requests += old + new;
                backlog[t] = backlog[t] - old + (a - new);
                backlog_end += backlog[t];
                served_total += old + new;
            }
            // Timeouts: what would wait longer than the timeout is dropped.
            if backlog_end > max_backlog {
                let keep_ratio = if backlog_end > 0.0 { max_backlog / backlog_end } else { 0.0 };
                backlog_end = 0.0;
                for &t in members {
                    let t = t as usize;
                    let drop = backlog[t] * (1.0 - keep_ratio);
                    backlog[t] -= drop;
                    timeout_drops[t] = drop;
                    raw[t].dropped_timeout += drop;
                    backlog_end += backlog[t];
                }
            }
        }
        FairnessFile::WeightedFair => {
            for &t in members {
                let t = t as usize;
                backlog[t] += now[t].admitted as f64;
                compute_served[t] = 0.0;
            }
            let mut remaining = capacity;
            for _round in 0..64 {
                let weight_sum: f64 = members
                    .iter()
                    .filter(|&&t| backlog[t as usize] - compute_served[t as usize] > 1e-12)
                    .map(|&t| weights[t as usize])
                    .sum();
                if weight_sum <= 0.0 || remaining <= 1e-12 {
                    break;
                }
                let mut used = 0.0;
                for &t in members {
                    let t = t as usize;
                    let want = backlog[t] - compute_served[t];
                    if want > 1e-12 {
                        let give = (remaining * weights[t] / weight_sum).min(want);
                        compute_served[t] += give;
                        used += give;
                    }
                }
                remaining -= used;
                if used <= 1e-12 {
                    break;
                }
            }
            for &t in members {
                let t = t as usize;
                backlog[t] -= compute_served[t];
                if backlog[t] < 1e-9 {
                    compute_served[t] += backlog[t];
                    backlog[t] = 0.0;
                }
                raw[t].compute_requests += compute_served[t];
                served_total += compute_served[t];
                // Timeouts: each tenant's queue drains at its own rate.
                let limit = compute_served[t] / dt * timeout;
                if backlog[t] > limit {
                    timeout_drops[t] = backlog[t] - limit;
                    raw[t].dropped_timeout += backlog[t] - limit;
                    backlog[t] = limit;
                }
                backlog_end += backlog[t];
            }
        }
    }
    (served_total, backlog_end)
}

/// Ticks a no-spike baseline simulates: up to the end of the last spike
/// (its results are only read inside spike windows).
pub fn baseline_ticks(sc: &Scenario) -> u64 {
    let last_end_secs = spikes_of(sc, true).iter().map(|&(_, _, end, _)| end).fold(0.0, f64::max);
    ((last_end_secs / sc.clock.tick_secs).ceil() as u64).min(sc.clock.ticks)
}

/// Tenants connected to a spiking tenant through shared stacks (in any
/// layer, transitively): the only ones whose results a spike can change.
pub fn spike_component(sc: &Scenario, design: &Design) -> Vec<bool> {
    let mut component = vec![false; sc.tenants.len()];
    for group in connected_groups(sc, design) {
        if sc.events.iter().any(|e| matches!(*e, Event::Spike { tenant, .. } if group.binary_search(&tenant).is_ok())) {
            group.iter().for_each(|&t| component[t] = true);
        }
    }
    component
}

/// The stationary wait of a compute stack, recomputed only when its
/// servers changed or its load moved by more than [`LOAD_TOLERANCE`]
/// (or [`LOAD_TOLERANCE_NO_WAIT`]) since it was last computed.
fn stationary(cs: &mut ComputeStack, servers: u32, lambda: f64, service: &ServiceTime) -> WaitState {
    let (memo_servers, memo_lambda, memo) = cs.memo;
    let tolerance = if memo.wait_probability < NEGLIGIBLE_WAIT {
        (std::f64::consts::LN_2 / f64::from(servers + 1)).min(LOAD_TOLERANCE_NO_WAIT)
    } else {
        LOAD_TOLERANCE
    };
    if memo_servers != servers || memo_lambda.is_nan() || (lambda - memo_lambda).abs() > tolerance * memo_lambda {
        cs.memo = (servers, lambda, WaitState::stationary(servers, lambda, service, 0.0));
    }
    cs.memo.2
}

/// Index of a quota in a tenant's `quota_used` by its period.
fn quota_kind(period_secs: f64) -> usize {
    if period_secs <= 86_400.0 {
        0
    } else if period_secs <= 7.0 * 86_400.0 {
        1
    } else {
        2
    }
}

/// The distinct load patterns of a scenario and each tenant's index into
/// them, so each pattern is evaluated once per tick.
fn distinct_patterns(sc: &Scenario) -> (Vec<Pattern>, Vec<usize>) {
    let mut patterns: Vec<Pattern> = Vec::new();
    let pattern_of = sc
        .tenants
        .iter()
        .map(|t| {
            if let Some(i) = patterns.iter().position(|p| *p == t.load.pattern) {
                i
            } else {
                patterns.push(t.load.pattern);
                patterns.len() - 1
            }
        })
        .collect();
    (patterns, pattern_of)
}

/// Counts `ops` requests of a tenant with `load` that its database stack
/// served in full (no partition reached its cap).
fn serve_all_in_db(load: &Load, ops: f64, tenant: &mut TenantRaw, stack: &mut StackRaw) {
    let reads = ops * load.read_fraction;
    let writes = ops - reads;
    let (read_units, write_units) = (reads * load.read_units_per_read, writes * load.write_units_per_write);
    tenant.db_ops += ops;
    tenant.db_units += read_units + write_units;
    stack.requests += ops;
    stack.read_units += read_units;
    stack.write_units += write_units;
}

/// The spikes (tenant, start, end, factor) a task applies: none in a
/// no-spike baseline.
fn spikes_of(sc: &Scenario, with_spikes: bool) -> Vec<(usize, f64, f64, f64)> {
    sc.events
        .iter()
        .filter_map(|e| match *e {
            Event::Spike { tenant, start_secs, end_secs, factor } if with_spikes => {
                Some((tenant, start_secs, end_secs, factor))
            }
            _ => None,
        })
        .collect()
}

/// Sets each spiking tenant's rate factor at `t_secs`: the product of its
/// spikes running then.
fn set_spike_factors(inflows: &mut [Inflow], spikes: &[(usize, f64, f64, f64)], t_secs: f64) {
    for &(t, _, _, _) in spikes {
        inflows[t].spike_factor = spike_factor_at(spikes, t, t_secs);
    }
}

/// Starts a new quota period (day, week, month) when `t_secs` enters one.
fn reset_quotas(inflows: &mut [Inflow], quota_period: &mut [u64; 3], t_secs: f64) {
    for (k, starts) in start_quota_periods(quota_period, t_secs).into_iter().enumerate() {
        if starts {
            inflows.iter_mut().for_each(|f| f.quota_used[k] = 0);
        }
    }
}

/// Which quota periods (day, week, month) start at `t_secs`, given the
/// current ones in `quota_period` (moved on to those of `t_secs`).
fn start_quota_periods(quota_period: &mut [u64; 3], t_secs: f64) -> [bool; 3] {
    let mut starts = [false; 3];
    for (k, period) in quota_period.iter_mut().enumerate() {
        let now = (t_secs / QUOTA_PERIOD_SECS[k]) as u64;
        starts[k] = now != *period;
        *period = now;
    }
    starts
}

/// Length of the day, week and month quota periods.
const QUOTA_PERIOD_SECS: [f64; 3] = [86_400.0, 7.0 * 86_400.0, 30.0 * 86_400.0];

/// Draws the block of `clock` for tenants `drawn`, whose records start at
/// tenant `first` in `inflows` and `out` (`out[(t - first) * stride + k]`
/// for tick `k`).
#[allow(clippy::too_many_arguments)]
fn draw_block(
    sc: &Scenario,
    clock: &BlockClock,
    inflows: &mut [Inflow],
    first: usize,
    drawn: &[usize],
    spikes: &[(usize, f64, f64, f64)],
    spiking: &[bool],
    out: &mut [Drawn],
    stride: usize,
) {
    let dt = sc.clock.tick_secs;
    let len = clock.resets.len();
    for &t in drawn {
        let f = &mut inflows[t - first];
        let factors = &clock.factors[f.pattern * len..][..len];
        let row = &mut out[(t - first) * stride..][..len];
        for (k, tick) in clock.ticks.clone().enumerate() {
            for (used, &reset) in f.quota_used.iter_mut().zip(&clock.resets[k]) {
                if reset {
                    *used = 0;
                }
            }
            if spiking[t] {
                f.spike_factor = spike_factor_at(spikes, t, tick as f64 * dt);
            }
            let lambda = f.rate_per_sec * factors[k] * f.spike_factor;
            let (offered, admitted) = f.arrive(sc, lambda, dt);
            row[k] = Drawn { offered, admitted };
        }
    }
}

/// The product of tenant `t`'s spikes running at `t_secs`.
fn spike_factor_at(spikes: &[(usize, f64, f64, f64)], t: usize, t_secs: f64) -> f64 {
    let mut factor = 1.0;
    for &(s, start, end, f) in spikes {
        if s == t && t_secs >= start && t_secs < end {
            factor *= f;
        }
    }
    factor
}

/// One tenant's arrivals in one tick, after its usage plan.
#[derive(Debug, Clone, Copy, Default)]
pub struct Drawn {
    offered: i64,
    admitted: i64,
}

/// The intensity per second of the requests a usage plan admitted, of
/// `offered` arrivals at `lambda` per second.
#[inline]
fn admitted_intensity(lambda: f64, offered: i64, admitted: i64) -> f64 {
    if admitted == offered { lambda } else { lambda * admitted as f64 / offered as f64 }
}

/// Draws tenants' arrivals and usage-plan results tick after tick, apart
/// from the rest of the simulation (they depend on nothing else): ahead of
/// a task on another thread, or for a whole replication at once. It draws
/// a block of ticks tenant by tenant, so a block's tenants can be shared
/// between two threads.
#[derive(Debug, Clone)]
struct Drawer {
    inflows: Vec<Inflow>,
    patterns: Vec<Pattern>,
    quota_period: [u64; 3],
    /// (tenant, start, end, factor) of the spikes drawn.
    spikes: Vec<(usize, f64, f64, f64)>,
    spiking: Vec<bool>,
    /// Tenants drawn (the others' entries stay empty).
    drawn: Vec<usize>,
    clock: BlockClock,
    /// How many of the last tenants drawn the simulating thread draws
    /// after its block (see [`Drawer::fill_alongside`]).
    share: usize,
}

/// What every tenant's draws in one block of ticks share.
#[derive(Debug, Clone, Default)]
struct BlockClock {
    ticks: std::ops::Range<u64>,
    /// Pattern `p`'s factor at the block's tick `k`: `factors[p * len + k]`.
    factors: Vec<f64>,
    /// The quota periods (day, week, month) that start at tick `k`.
    resets: Vec<[bool; 3]>,
}

impl Drawer {
    /// A drawer of the active tenants.
    fn new(sc: &Scenario, replication: u32, with_spikes: bool, active: &[bool]) -> Self {
        let (patterns, pattern_of) = distinct_patterns(sc);
        let inflows = (0..sc.tenants.len()).map(|t| Inflow::new(sc, t, replication, pattern_of[t])).collect();
        let spikes = spikes_of(sc, with_spikes);
        let mut spiking = vec![false; sc.tenants.len()];
        for &(t, ..) in &spikes {
            spiking[t] = true;
        }
        Self {
            inflows,
            patterns,
            quota_period: [0; 3],
            spikes,
            spiking,
            drawn: (0..sc.tenants.len()).filter(|&t| active[t]).collect(),
            clock: BlockClock::default(),
            share: 0,
        }
    }

    /// Sets the clock for the block `ticks` (which follow the last ones
    /// drawn).
    fn start_block(&mut self, sc: &Scenario, ticks: std::ops::Range<u64>) {
        let clock = &mut self.clock;
        clock.factors.clear();
        for p in &self.patterns {
            clock
                .factors
                .extend(ticks.clone().map(|tick| p.factor_at(tick as f64 * sc.clock.tick_secs, sc.clock.start_hour)));
        }
        clock.resets.clear();
        for tick in ticks.clone() {
            clock.resets.push(start_quota_periods(&mut self.quota_period, tick as f64 * sc.clock.tick_secs));
        }
        clock.ticks = ticks;
    }

    /// Draws ticks `ticks` (which follow the last ones drawn) into `out`:
    /// tick `k` of tenant `t` goes to `out[t * stride + k]`.
    fn fill(&mut self, sc: &Scenario, ticks: std::ops::Range<u64>, out: &mut [Drawn], stride: usize) {
        self.start_block(sc, ticks);
        draw_block(sc, &self.clock, &mut self.inflows, 0, &self.drawn, &self.spikes, &self.spiking, out, stride);
    }

    /// Draws the block `ticks` into `out` (as [`Drawer::fill`]) while
    /// `work` runs, with `rayon::join`: one thread draws the first
    /// tenants, the other runs `work` and then draws the rest. How many
    /// each draws follows the last block's timings, so both finish
    /// together; who draws which tenant does not change what is drawn.
    fn fill_alongside<R: Send>(
        &mut self,
        sc: &Scenario,
        ticks: std::ops::Range<u64>,
        out: &mut [Drawn],
        stride: usize,
        work: impl FnOnce() -> R + Send,
    ) -> R {
        self.start_block(sc, ticks);
        let count = self.drawn.len();
        let share = self.share.min(count);
        let (first, rest) = self.drawn.split_at(count - share);
        let boundary = rest.first().copied().unwrap_or(self.inflows.len());
        let (inflows_a, inflows_b) = self.inflows.split_at_mut(boundary);
        let (out_a, out_b) = out.split_at_mut(boundary * stride);
        let (clock, spikes, spiking) = (&self.clock, &self.spikes, &self.spiking);
        let ((), (result, work_secs, b_secs)) = rayon::join(
            || draw_block(sc, clock, inflows_a, 0, first, spikes, spiking, out_a, stride),
            || {
                let started = std::time::Instant::now();
                let result = work();
                let worked = started.elapsed().as_secs_f64();
                draw_block(sc, clock, inflows_b, boundary, rest, spikes, spiking, out_b, stride);
                (result, worked, started.elapsed().as_secs_f64() - worked)
            },
        );
        // Balance: the drawing thread's part should take as long as the
        // work plus the rest. Estimate a tenant's drawing from the rest
        // (or assume the work costs as much as drawing everything).
        let per_tenant = if share > 0 { b_secs / share as f64 } else { work_secs / count.max(1) as f64 };
        let target = if per_tenant > 0.0 {
            ((count as f64 - work_secs / per_tenant) / 2.0).clamp(0.0, count as f64)
        } else {
            0.0
        };
        self.share = ((self.share as f64 + target) / 2.0).round() as usize;
        result
    }

    /// Each tenant's requests throttled by its plan and by its quotas so
    /// far.
    fn throttled(&self) -> Vec<(i64, i64)> {
        self.inflows.iter().map(|f| (f.throttled_plan, f.throttled_quota)).collect()
    }
}

/// A tick's drawn arrivals: tenant `t`'s entry is
/// `drawn[offset + t * stride]`.
#[derive(Clone, Copy)]
struct Row<'a> {
    drawn: &'a [Drawn],
    offset: usize,
    stride: usize,
}

impl Row<'_> {
    #[inline]
    fn of(&self, t: usize) -> Drawn {
        self.drawn[self.offset + t * self.stride]
    }
}

/// Every tenant's arrivals and usage-plan results in one replication,
/// with spikes. Common random numbers make them the same in every design,
/// so a run with several designs draws them once per replication and
/// every task reads them (a baseline draws its spiking tenants' own).
#[derive(Debug, Clone)]
pub struct ArrivalTable {
    /// `[tick * tenants + tenant]`.
    drawn: Vec<Drawn>,
    /// Each tenant's requests throttled by its plan and by its quotas over
    /// the run, and until a no-spike baseline stops.
    throttled: Vec<(i64, i64)>,
    throttled_in_baseline: Vec<(i64, i64)>,
}

impl ArrivalTable {
    /// Draws replication `replication`'s table; `None` when cancelled.
    pub fn draw(sc: &Scenario, replication: u32, control: &RunControl) -> Option<Self> {
        let n = sc.tenants.len();
        let mut drawer = Drawer::new(sc, replication, true, &vec![true; n]);
        let ticks = sc.clock.ticks;
        let baseline_end = baseline_ticks(sc);
        let mut drawn = Vec::with_capacity(n * ticks as usize);
        let mut block = Vec::new();
        let mut throttled_in_baseline = Vec::new();
        let mut start = 0;
        while start < ticks {
            if control.is_cancelled() {
                return None;
            }
            if start == baseline_end {
                throttled_in_baseline = drawer.throttled();
            }
            // Blocks end where the baseline does, to note its totals.
            let end =
                if start < baseline_end { baseline_end.min(start + PROGRESS_STRIDE) } else { start + PROGRESS_STRIDE };
            let end = end.min(ticks);
            let len = (end - start) as usize;
            block.clear();
            block.resize(n * len, Drawn::default());
            drawer.fill(sc, start..end, &mut block, len);
            // The table is tick-major.
            for k in 0..len {
                drawn.extend((0..n).map(|t| block[t * len + k]));
            }
            start = end;
        }
        let throttled = drawer.throttled();
        if throttled_in_baseline.is_empty() {
            throttled_in_baseline.clone_from(&throttled);
        }
        Some(Self { drawn, throttled, throttled_in_baseline })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Limits, load_str};

    fn scenario() -> Scenario {
        let text = r#"Scenario(version: 1, name: "table", clock: (duration: "20m", seed: 3, replications: 1),
            tiers: {
                "basic": (price_per_month: 49.0, plan: (rate: 12.0, burst: 12.0, quota_per_day: 9000)),
                "pro": (price_per_month: 299.0, plan: (rate: 100.0, burst: 100.0)),
            },
            tenants: [
                Group(prefix: "b", count: 12, tier: "basic", load: (rate: 8.0, pattern: Diurnal(peak_hour: 0.0, amplitude: 0.5)), spread: LogNormal(sigma: 0.5)),
                Tenant(id: "p", tier: "pro", load: (rate: 60.0)),
            ],
            layers: (
                gateway: (account_rate: 150.0, account_burst: 150.0),
                compute: (service_time: Exponential(mean_ms: 20.0), concurrency: 4, instances: (min: 1, max: 4),
                          autoscale: (target_utilisation: 0.6)),
                database: (partitions: 2),
            ),
            designs: [ (name: "pool", placement: { "*": Pool }) ],
            events: [ Spike(tenant: "b-00", at: "5m", duration: "5m", factor: 6.0) ],
        )"#;
        match load_str(text, &Limits::default()) {
            Ok((_, sc)) => sc,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn drawing_a_block_on_two_threads_gives_what_one_draws() {
        // However the tenants of a block are shared between the drawing
        // and the simulating thread, every tenant's draws are the same.
        let sc = scenario();
        let n = sc.tenants.len();
        let stride = PIPELINE_BLOCK_TICKS as usize;
        let mut alone = Drawer::new(&sc, 0, true, &vec![true; n]);
        let mut shared = alone.clone();
        let (mut a, mut b) = (vec![Drawn::default(); n * stride], vec![Drawn::default(); n * stride]);
        let blocks = sc.clock.ticks.div_ceil(PIPELINE_BLOCK_TICKS);
        for block in 0..blocks {
            let ticks = block * PIPELINE_BLOCK_TICKS..((block + 1) * PIPELINE_BLOCK_TICKS).min(sc.clock.ticks);
            alone.fill(&sc, ticks.clone(), &mut a, stride);
            // From nothing to everything to the work's side, and beyond.
            shared.share = block as usize % (n + 2);
            let seen = shared.fill_alongside(&sc, ticks, &mut b, stride, || block);
            assert_eq!(seen, block);
            let len = (sc.clock.ticks - block * PIPELINE_BLOCK_TICKS).min(PIPELINE_BLOCK_TICKS) as usize;
            for t in 0..n {
                for k in 0..len {
                    let (x, y) = (a[t * stride + k], b[t * stride + k]);
                    assert_eq!((x.offered, x.admitted), (y.offered, y.admitted), "block {block}, tenant {t}, tick {k}");
                }
            }
        }
        assert_eq!(alone.throttled(), shared.throttled());
    }

    #[test]
    fn reading_the_arrival_table_gives_what_drawing_gives() {
        let sc = scenario();
        let control = RunControl::new();
        let Some(table) = ArrivalTable::draw(&sc, 0, &control) else { panic!("the table draws") };
        let shared = SharedPmfs::new(sc.compute.service);
        let whole = Part { members: None, first: true };
        let focus = [0, 12];
        // With spikes every tenant reads the table; the baseline draws the
        // spiking tenant's unspiked arrivals itself and reads the others.
        for with_spikes in [true, false] {
            let run =
                |arrivals| simulate(&sc, &sc.designs[0], 0, with_spikes, whole, arrivals, &shared, &focus, &control);
            let Some(drawn) = run(Arrivals::Inline) else { panic!("runs") };
            for arrivals in [Arrivals::Table(&table), Arrivals::Ahead] {
                let Some(other) = run(arrivals) else { panic!("runs") };
                assert_eq!(format!("{drawn:?}"), format!("{other:?}"), "{arrivals:?}, with spikes: {with_spikes}");
            }
            assert!(drawn.tenants.iter().any(|t| t.throttled_quota > 0.0 || t.throttled_plan > 0.0));
        }
    }
}
