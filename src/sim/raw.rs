//! Raw results of one task (one design, one replication, with or without
//! spikes): per tenant, per stack and per series point, before cost
//! attribution, merging of parts and reduction over replications.
//!
//! Plain data; the engine writes it, [`crate::sim::parts`],
//! [`crate::sim::cost`] and the reduction read it.

use crate::report::Flow;
use crate::sim::cost::COST_BUCKETS;
use crate::sim::histogram::Histogram;
use crate::sim::latency::Mixture;

/// Raw results of one tenant in one task.
#[derive(Debug, Clone, Default)]
pub struct TenantRaw {
    /// Requests that arrived.
    pub offered: f64,
    /// Requests past every gateway throttle.
    pub admitted: f64,
    /// Requests refused by the tenant's usage-plan bucket.
    pub throttled_plan: f64,
    /// Requests refused by the tenant's quotas.
    pub throttled_quota: f64,
    /// Requests refused by the shared account bucket.
    pub throttled_account: f64,
    /// Requests its function could not start (serverless concurrency or
    /// scaling limit).
    pub throttled_concurrency: f64,
    /// Messages its FIFO queue refused over the queue's send limit.
    pub throttled_queue: f64,
    /// Requests that started a new function environment.
    pub cold_starts: f64,
    /// Attempts that were a client's retries (counted in `offered`).
    pub retries: f64,
    /// Requests whose last attempt failed and that the client gave up on
    /// (counted by the per-request engine; without retries, every failed
    /// attempt).
    pub gave_up: f64,
    /// Of those, requests whose last attempt failed at a resource the
    /// tenant shares (what a neighbour can cause).
    pub gave_up_shared: f64,
    /// Its clients retry: its requests are counted by their give-ups
    /// (set by the per-request engine).
    pub retrying: bool,
    /// Requests served to the end.
    pub served: f64,
    /// Requests that waited longer than the queue timeout.
    pub dropped_timeout: f64,
    /// Requests refused by a database partition's cap.
    pub dropped_partition: f64,
    /// Requests whose query found no connection to its relational
    /// database (or waited past the proxy's borrow timeout).
    pub dropped_connections: f64,
    /// Attempts whose client gave up waiting before they were answered
    /// (its tier's `timeout`).
    pub timed_out_client: f64,
    /// Attempts compute served for nobody: after their client had given
    /// up, or with an answer that would reach it too late.
    pub wasted: f64,
    /// Compute busy time those attempts took, seconds (counted in
    /// `compute_busy_secs` too).
    pub wasted_busy_secs: f64,
    /// Requests still queued when the run ended.
    pub in_flight: f64,
    /// Sum of the served requests' mean latencies, seconds.
    pub latency_sum_secs: f64,
    /// Latency percentiles over the run, ms.
    pub p50_ms: f64,
    /// 95th percentile, ms.
    pub p95_ms: f64,
    /// 99th percentile, ms.
    pub p99_ms: f64,
    /// Requests its compute stack served.
    pub compute_requests: f64,
    /// Compute busy time those requests took, seconds.
    pub compute_busy_secs: f64,
    /// Database capacity units its requests consumed.
    pub db_units: f64,
    /// Database operations served.
    pub db_ops: f64,
    /// Requests offered while inside another tenant's spike window.
    pub window_offered: f64,
    /// Of those, requests lost at shared resources.
    pub window_unserved: f64,
    /// Latency inside other tenants' spike windows, ms.
    pub window_p99_ms: f64,
    /// Requests served inside other tenants' spike windows.
    pub window_served: f64,
    /// Latency inside and outside the windows: mean, p50, p95 (inside)
    /// and mean, p50, p95, p99 (outside), ms.
    pub window_latency_ms: WindowLatency,
    /// Attributed cost per layer (gateway, compute, database), overhead and
    /// queue, USD per month; filled by the cost module.
    pub cost_usd_per_month: [f64; COST_BUCKETS],
    /// Messages a queue offered again after their processing failed (kept
    /// last, away from the fields every request touches).
    pub redelivered: f64,
    /// Messages processed once more because a consumer's processing
    /// outlived the visibility timeout and another consumer took the
    /// message meanwhile: receives finished after another had processed it.
    pub duplicates: f64,
    /// Messages moved to the dead-letter queue after their last receive
    /// failed.
    pub dead_lettered: f64,
    /// The longest any of its requests waited for a server (a message for
    /// a consumer): the most its oldest waiting one was ever aged, counting
    /// those dropped at the timeout (deleted at the retention) and those
    /// still waiting at the end, seconds.
    pub longest_wait_secs: f64,
    /// Time its served requests spent at a relational database (waiting
    /// for a connection and a vCPU, and running), seconds summed.
    pub relational_secs: f64,
    /// Its share of the executions that processed its messages and of the
    /// queue calls that received and deleted them: 1 for a message taken
    /// alone, 1/k for one of a batch of k (the per-request engine).
    pub receipts: f64,
    /// Time the batches that processed its served messages spent on the
    /// other messages of the batch (before or after its own), seconds
    /// summed.
    pub batched_secs: f64,
}

impl TenantRaw {
    /// Reads the latency figures from the tenant's whole-run histogram and,
    /// when windows are tracked, its part inside other tenants' windows.
    pub fn read_latency(&mut self, run: &Histogram, window: Option<&Histogram>) {
        self.p50_ms = run.quantile_ms(0.5);
        self.p95_ms = run.quantile_ms(0.95);
        self.p99_ms = run.quantile_ms(0.99);
        match window {
            Some(w) => {
                self.window_p99_ms = w.quantile_ms(0.99);
                self.window_served = w.total();
                self.window_latency_ms = WindowLatency::of(run, w);
            }
            None => self.window_latency_ms = WindowLatency::outside_only(run),
        }
    }
}

/// Each tier's latency histograms, merged from its tenants'.
#[derive(Debug)]
pub struct TierHistograms {
    /// Over the whole run.
    pub run: Vec<Histogram>,
    /// Inside other tenants' spike windows (empty when not tracked).
    pub window: Vec<Histogram>,
}

impl TierHistograms {
    /// Empty histograms for `tiers` tiers.
    pub fn new(tiers: usize, windows: bool) -> Self {
        Self {
            run: (0..tiers).map(|_| Histogram::fine()).collect(),
            window: if windows { (0..tiers).map(|_| Histogram::fine()).collect() } else { Vec::new() },
        }
    }

    /// Adds a tenant of `tier`.
    pub fn add(&mut self, tier: usize, run: &Histogram, window: Option<&Histogram>) {
        self.run[tier].merge(run);
        if let (Some(into), Some(w)) = (self.window.get_mut(tier), window) {
            into.merge(w);
        }
    }
}

/// A tenant's latency inside and outside other tenants' spike windows.
#[derive(Debug, Clone, Copy, Default)]
pub struct WindowLatency {
    /// Inside: mean, p50, p95, p99, ms.
    pub inside: [f64; 4],
    /// Outside: mean, p50, p95, p99, ms.
    pub outside: [f64; 4],
}

impl WindowLatency {
    /// Read from a tenant's whole-run histogram and its window part.
    pub fn of(run: &Histogram, window: &Histogram) -> Self {
        Self { inside: window.summary(None), outside: run.summary(Some(window)) }
    }

    /// A run without windows: all of it is outside.
    pub fn outside_only(run: &Histogram) -> Self {
        Self { inside: [0.0; 4], outside: figures(run) }
    }
}

/// Mean, p50, p95 and p99 of a histogram, ms.
pub fn figures(h: &Histogram) -> [f64; 4] {
    h.summary(None)
}

/// Raw results of one stack in one task.
#[derive(Debug, Clone, Default)]
pub struct StackRaw {
    /// Instance-seconds paid for (active and warming up).
    pub instance_secs: f64,
    /// Instance-seconds of active instances.
    pub active_instance_secs: f64,
    /// Server-seconds spent serving.
    pub busy_secs: f64,
    /// Of those, seconds of execution on provisioned function environments
    /// (serverless).
    pub provisioned_busy_secs: f64,
    /// Server-seconds available.
    pub capacity_secs: f64,
    /// Most active instances at once.
    pub peak_instances: f64,
    /// Requests the stack handled.
    pub requests: f64,
    /// Database read units served.
    pub read_units: f64,
    /// Database write units served.
    pub write_units: f64,
    /// Monthly cost of the stack (usage and overhead), filled by cost.
    pub cost_usd_per_month: f64,
    /// Part of it not attributed to any tenant.
    pub unallocated_usd_per_month: f64,
}

/// Every counter a run's cost is worked out from, at one moment: each
/// tenant's and each stack's (by layer), as the task's end would leave
/// them had the run stopped there.
#[derive(Debug, Clone, Default)]
pub struct Counts {
    /// Per tenant, in file order.
    pub tenants: Vec<TenantRaw>,
    /// Per stack, by layer.
    pub stacks: [Vec<StackRaw>; 3],
}

/// Raw time series of one task, indexed `[point]`: each flow's rate per
/// second once the task finishes (sums until then), and the p99.
#[derive(Debug, Clone, Default)]
pub struct FlowRaw {
    /// Each flow's series, by [`Flow::index`].
    pub flows: [Vec<f64>; 6],
    /// p99 latency of the point, ms.
    pub p99_ms: Vec<f64>,
    /// Latency of the requests served in the point, summed, seconds (a
    /// sum, not per second, when the task finishes).
    pub latency_secs: Vec<f64>,
    /// The relational database's part of it, summed, seconds (zeros
    /// without one).
    pub database_secs: Vec<f64>,
    /// The time batches spent processing other messages than the served
    /// ones, summed, seconds (zeros without batches).
    pub batched_secs: Vec<f64>,
    /// Requests of the flow waiting for compute (with a queue layer, the
    /// messages in its queues) at each point's end.
    pub waiting: Vec<f64>,
}

impl FlowRaw {
    /// Zeroed series of `points` points.
    pub fn new(points: usize) -> Self {
        Self {
            flows: std::array::from_fn(|_| vec![0.0; points]),
            p99_ms: vec![0.0; points],
            latency_secs: vec![0.0; points],
            database_secs: vec![0.0; points],
            batched_secs: vec![0.0; points],
            waiting: vec![0.0; points],
        }
    }

    /// Adds `other`'s latency sums and waiting requests, point by point.
    pub fn add_sums(&mut self, other: &FlowRaw) {
        for (into, from) in [
            (&mut self.latency_secs, &other.latency_secs),
            (&mut self.database_secs, &other.database_secs),
            (&mut self.batched_secs, &other.batched_secs),
            (&mut self.waiting, &other.waiting),
        ] {
            if into.len() < from.len() {
                into.resize(from.len(), 0.0);
            }
            into.iter_mut().zip(from).for_each(|(a, b)| *a += b);
        }
    }

    /// One flow's series.
    pub fn flow(&self, flow: Flow) -> &Vec<f64> {
        &self.flows[flow.index()]
    }

    /// Adds one point's requests: `offered` and `admitted` (whose
    /// difference was throttled), `served` and `dropped`.
    pub fn add(&mut self, point: usize, offered: f64, admitted: f64, served: f64, dropped: f64) {
        let [o, a, t, d, s, _] = &mut self.flows;
        o[point] += offered;
        a[point] += admitted;
        t[point] += offered - admitted;
        s[point] += served;
        d[point] += dropped;
    }
}

/// Raw results of one task.
#[derive(Debug, Clone, Default)]
pub struct TaskRaw {
    /// Tenants this task simulated (all but in a no-spike baseline, which
    /// only needs the tenants connected to a spiking tenant).
    pub active: Vec<bool>,
    /// Per tenant, in file order.
    pub tenants: Vec<TenantRaw>,
    /// Each tier's p99 over the run, ms.
    pub tier_p99_ms: Vec<f64>,
    /// Per stack, by layer.
    pub stacks: [Vec<StackRaw>; 3],
    /// Ticks per series point (the last point may have fewer).
    pub ticks_per_point: u64,
    /// Ticks simulated in each point.
    pub point_ticks: Vec<u64>,
    /// Each tier's flows.
    pub tiers: Vec<FlowRaw>,
    /// All tenants' flows.
    pub total: FlowRaw,
    /// Series of the focus tenants, in the order given.
    pub focus: Vec<(usize, FlowRaw)>,
    /// Mean active instances per point, over every compute stack.
    pub instances: Vec<f64>,
    /// Compute utilisation per point.
    pub utilisation: Vec<f64>,
    /// Busy and capacity seconds of the compute stacks per point (the
    /// utilisation's parts, for merging).
    pub busy_secs: Vec<f64>,
    /// See [`TaskRaw::busy_secs`].
    pub capacity_secs: Vec<f64>,
    /// Requests waiting for a compute server at each point's end, over
    /// every stack (a queue layer's depth).
    pub waiting: Vec<f64>,
    /// Age of the oldest of them at each point's end, seconds.
    pub oldest_secs: Vec<f64>,
    /// Connections compute holds to the relational database at each
    /// point's end, over every stack (empty without one).
    pub db_connections: Vec<f64>,
    /// The relational database's vCPU utilisation per point, over every
    /// instance (empty without one).
    pub db_utilisation: Vec<f64>,
    /// Each tier's run latency histogram.
    pub tier_hist: Vec<Histogram>,
    /// Each tier's latency inside other tenants' spike windows (empty
    /// without spikes).
    pub tier_window_hist: Vec<Histogram>,
    /// Each point's latency weights per tier, `[point][tier]`; kept only
    /// for a part of a design, whose p99 series are read after merging.
    pub tier_mixtures: Vec<Vec<Mixture>>,
    /// A run with spikes that went on past the tick where its no-spike
    /// baseline stops: its counters there (the steady cost reads the run
    /// with spikes from there on; see `sim::cost::steady`).
    pub settled: Option<Box<Counts>>,
    /// In a no-spike baseline: each spiking tenant, with its figures in
    /// its own baseline (only its own spikes applied), against which its
    /// harm from the others' spikes is judged; `None` when no other spike
    /// can reach it.
    pub own: Vec<(usize, Option<Box<TenantRaw>>)>,
}
