//! The run report: one type, used by the CLI (table, JSON, CSV) and the
//! app. Every headline figure is an [`Estimate`]: the mean over
//! replications and the half-width of its 95 % confidence interval.
//!
//! The JSON form of [`RunReport`] is a documented, stable schema
//! (`schema_version`); fields are only ever added.

pub mod compare;
pub mod figures;
pub mod format;
pub mod plan;

use serde::{Deserialize, Serialize};

/// Version of the report schema.
pub const REPORT_SCHEMA_VERSION: u32 = 1;

/// Mean over replications and 95 % confidence half-width (Student t).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Estimate {
    /// Mean over replications.
    pub mean: f64,
    /// Half-width of the 95 % confidence interval (0 with one replication).
    pub ci95: f64,
}

/// Two-sided 97.5 % Student t quantiles for 1–30 degrees of freedom.
const T_975: [f64; 30] = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120,
    2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/// The 97.5 % Student t quantile for `dof` degrees of freedom.
pub fn t_quantile_975(dof: usize) -> f64 {
    match dof {
        0 => 0.0,
        1..=30 => T_975[dof - 1],
        31..=60 => 2.000 + (2.042 - 2.000) * (60 - dof) as f64 / 30.0,
        61..=120 => 1.980 + (2.000 - 1.980) * (120 - dof) as f64 / 60.0,
        _ => 1.960,
    }
}

impl Estimate {
    /// Mean and confidence half-width of replication values, summed in
    /// order (so the result does not depend on thread count).
    pub fn from_samples(samples: &[f64]) -> Self {
        let n = samples.len();
        if n == 0 {
            return Self::default();
        }
        let mean = samples.iter().sum::<f64>() / n as f64;
        if n == 1 {
            return Self { mean, ci95: 0.0 };
        }
        let var = samples.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64;
        Self { mean, ci95: t_quantile_975(n - 1) * (var / n as f64).sqrt() }
    }

    /// A figure without sampling error.
    pub fn exact(value: f64) -> Self {
        Self { mean: value, ci95: 0.0 }
    }
}

/// Results of one run of a scenario: every design on the same traffic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// Report schema version ([`REPORT_SCHEMA_VERSION`]).
    pub schema_version: u32,
    /// Scenario name.
    pub scenario: String,
    /// Master seed used.
    pub seed: u64,
    /// Replications run.
    pub replications: u32,
    /// Simulated seconds.
    pub duration_secs: f64,
    /// Tick length in seconds.
    pub tick_secs: f64,
    /// The engine that produced it: `auto`, `fast` or `exact`.
    #[serde(default)]
    pub engine: String,
    /// Months the run's usage costs were scaled by to get monthly figures.
    pub months_per_run: f64,
    /// Tier names in file order.
    pub tiers: Vec<String>,
    /// Each tier's p99 latency objective, ms (same order as `tiers`).
    #[serde(default)]
    pub tier_slo_p99_ms: Vec<f64>,
    /// Event windows (for shading timelines).
    pub events: Vec<EventWindow>,
    /// One entry per design, in file order.
    pub designs: Vec<DesignReport>,
    /// Compute is serverless functions: a compute stack's instances are
    /// its provisioned environments and its utilisation the share of its
    /// concurrency limit in use.
    #[serde(default)]
    pub serverless: bool,
    /// The scenario has a queue layer: the series' `queue_depth` is its
    /// queues' depth.
    #[serde(default)]
    pub queued: bool,
}

/// An event's window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventWindow {
    /// `spike` or `capacity_loss`.
    pub kind: String,
    /// Human label, e.g. `smb-00 ×20` or `compute −50 %`.
    pub label: String,
    /// Tenant id for spikes.
    pub tenant: Option<String>,
    /// Start, seconds from the beginning of the run.
    pub start_secs: f64,
    /// End, seconds.
    pub end_secs: f64,
}

/// Results of one design.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DesignReport {
    /// Design name.
    pub name: String,
    /// Headline figures.
    pub totals: DesignTotals,
    /// Per tenant, in file order.
    pub tenants: Vec<TenantReport>,
    /// Per tier, in file order.
    pub tiers: Vec<TierReport>,
    /// Per stack, layer by layer.
    pub stacks: Vec<StackReport>,
    /// Time series for plotting.
    pub series: SeriesReport,
}

/// Headline figures of a design.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DesignTotals {
    /// Total cost per month, USD (usage scaled to a month plus overheads).
    pub cost_usd_per_month: Estimate,
    /// Cost not attributed to any tenant (idle capacity, empty cells).
    pub unallocated_usd_per_month: Estimate,
    /// Sum of tier prices, USD per month.
    pub revenue_usd_per_month: f64,
    /// Revenue minus total cost.
    pub margin_usd_per_month: Estimate,
    /// Mean attributed cost per tenant.
    pub mean_cost_per_tenant_usd_per_month: Estimate,
    /// Largest attributed cost of one tenant.
    pub worst_cost_per_tenant_usd_per_month: Estimate,
    /// Requests offered in the run.
    pub offered: Estimate,
    /// Requests throttled at the gateway.
    pub throttled: Estimate,
    /// Requests dropped (timeout or partition).
    pub dropped: Estimate,
    /// Requests served.
    pub served: Estimate,
    /// Throttled / offered.
    pub throttled_fraction: Estimate,
    /// (Throttled + dropped) / offered.
    pub unserved_fraction: Estimate,
    /// Fraction of tenants meeting their SLO.
    pub slo_met_fraction: Estimate,
    /// Largest tenant p99, ms.
    pub worst_p99_ms: Estimate,
    /// Tenants hurt by other tenants' spikes.
    pub tenants_hurt: Estimate,
    /// Largest p99 increase any tenant suffered from others' spikes, ms.
    pub worst_impact_p99_increase_ms: Estimate,
    /// Total cost per month of the same design without its spikes: the
    /// no-spike run's usage scaled to a month, plus overheads. Equals
    /// `cost_usd_per_month` when the scenario has no spikes.
    #[serde(default)]
    pub steady_cost_usd_per_month: Estimate,
    /// What the spikes add, once: the run's cost with them minus without
    /// them, both over the run's length, not scaled to a month. Zero when
    /// the scenario has no spikes.
    #[serde(default)]
    pub incident_cost_usd: Estimate,
    /// Requests that started a new function environment (serverless
    /// compute).
    #[serde(default)]
    pub cold_starts: Estimate,
    /// Executions of serverless functions (one per request, or per batch
    /// of queued messages; 0 on instances).
    #[serde(default)]
    pub invocations: Estimate,
    /// Attempts that were clients' retries of failed requests (counted in
    /// the offered requests).
    #[serde(default)]
    pub retries: Estimate,
    /// Share of compute busy time spent on attempts whose client gave up
    /// (its own timeout) before their answer reached it.
    #[serde(default)]
    pub wasted_work_fraction: Estimate,
    /// Messages the queue layer offered again after their processing
    /// failed.
    #[serde(default)]
    pub redelivered: Estimate,
    /// Messages processed again by a second consumer because the first
    /// one's processing outlived the visibility timeout.
    #[serde(default)]
    pub duplicates: Estimate,
    /// Messages moved to the dead-letter queue.
    #[serde(default)]
    pub dead_lettered: Estimate,
    /// Requests whose query found no relational connection.
    #[serde(default)]
    pub dropped_connections: Estimate,
}

/// Throttled requests by cause.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Throttles {
    /// By the tenant's usage-plan bucket.
    pub plan: Estimate,
    /// By a usage-plan quota.
    pub quota: Estimate,
    /// By the shared stage/account bucket of its gateway stack.
    pub account: Estimate,
    /// By its function: no concurrency free, or no new environment allowed
    /// yet (serverless compute).
    #[serde(default)]
    pub concurrency: Estimate,
    /// By its FIFO queue's send limit.
    #[serde(default)]
    pub queue: Estimate,
    /// All causes.
    pub total: Estimate,
}

/// Dropped requests by cause.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Drops {
    /// Waited in a compute queue past the timeout.
    pub timeout: Estimate,
    /// Rejected by a saturated database partition.
    pub partition: Estimate,
    /// Found no connection to its relational database, or waited past
    /// the proxy's borrow timeout for one.
    #[serde(default)]
    pub connections: Estimate,
    /// Not answered before the client's own timeout (the client gave up;
    /// the server went on with it).
    #[serde(default)]
    pub client: Estimate,
    /// Moved to the dead-letter queue after the queue layer's
    /// `max_receives` failed receives.
    #[serde(default)]
    pub dead_letter: Estimate,
    /// All causes.
    pub total: Estimate,
}

/// Latency of served requests, ms.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Latency {
    /// Mean.
    pub mean_ms: Estimate,
    /// Median.
    pub p50_ms: Estimate,
    /// 95th percentile.
    pub p95_ms: Estimate,
    /// 99th percentile.
    pub p99_ms: Estimate,
}

/// The mean latency of served requests by layer, ms: the gateway's and
/// the database's own (their distributions' means), and compute's
/// queueing and service (the rest, with a retried request's failed
/// attempts and backoffs).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct LayerLatencyMs {
    /// Added by the gateway.
    pub gateway_ms: Estimate,
    /// Compute's queueing and service (its service alone with a queue
    /// layer).
    pub compute_ms: Estimate,
    /// Added by the database's read or write.
    pub database_ms: Estimate,
    /// Time in the queue layer's queue (0 without one).
    #[serde(default)]
    pub queue_ms: Estimate,
}

/// Cost per layer, USD per month.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct LayerCosts {
    /// Gateway.
    pub gateway: Estimate,
    /// Compute.
    pub compute: Estimate,
    /// Database (capacity and storage).
    pub database: Estimate,
    /// Fixed per-stack overheads.
    pub overhead: Estimate,
    /// Queue messages.
    #[serde(default)]
    pub queue: Estimate,
}

/// How much a tenant suffered during other tenants' spikes, against the
/// same run without spikes.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Impact {
    /// Increase of its p99 inside other tenants' spike windows, ms.
    pub p99_increase_ms: Estimate,
    /// Increase of its unserved fraction inside those windows, counting
    /// only losses at shared resources (account throttles, timeouts,
    /// partition throttles), not its own usage plan or quotas.
    pub unserved_increase: Estimate,
    /// True when the increase is material (p99 up > 10 % and > 1 ms, or
    /// unserved up > 0.5 percentage points).
    pub hurt: bool,
    /// Spiking tenants that share a stack with it (the likely culprits),
    /// the first [`MAX_BLAMED`] in the order of their first spike in the
    /// file.
    pub blamed: Vec<String>,
    /// Further spiking tenants that share a stack with it, not listed in
    /// `blamed` (0 unless more than [`MAX_BLAMED`] do).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub blamed_not_listed: u64,
    /// It spikes too and was judged against the run without any spike,
    /// not one with its own spikes only (more than 16 spiking tenants of
    /// the design share stacks): the increase includes what its own
    /// spikes did to it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub own_spikes_counted: bool,
}

impl Impact {
    /// The culprits for reading: `a, b` or, when the list was cut,
    /// `a, b, … +3 more`.
    pub fn blamed_text(&self) -> String {
        let names = self.blamed.join(", ");
        let names =
            if self.blamed_not_listed == 0 { names } else { format!("{names}, … +{} more", self.blamed_not_listed) };
        match (self.own_spikes_counted, names.is_empty()) {
            (false, _) => names,
            (true, true) => format!("its own spikes count: {OWN_SPIKES_COUNTED}"),
            (true, false) => format!("{names} (and its own spikes: {OWN_SPIKES_COUNTED})"),
        }
    }
}

/// Why a spiking tenant's increase may count its own spikes
/// ([`Impact::own_spikes_counted`]).
pub const OWN_SPIKES_COUNTED: &str =
    "past 16 spiking tenants sharing stacks, the others are judged against the run without any spike";

/// Culprits a hurt tenant's [`Impact::blamed`] names at most: enough to
/// read, and a report of 20,000 tenants among 1,000 spiking ones stays
/// small (each tenant's list would otherwise name every one of them). The
/// memory estimate counts this many (`scenario::budget::BLAMED_NAMES`).
pub const MAX_BLAMED: usize = 16;

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Requests inside (or outside) other tenants' spike windows.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct WindowSide {
    /// Requests offered.
    pub offered: Estimate,
    /// Requests served.
    pub served: Estimate,
    /// Requests lost at shared resources (account throttles, queue
    /// timeouts, partition caps); a tenant's own plan and quotas are not
    /// counted.
    pub unserved: Estimate,
    /// `unserved / offered`.
    pub unserved_fraction: Estimate,
    /// Latency of the requests served.
    pub latency: Latency,
}

/// A tenant's (or tier's) requests inside other tenants' spike windows
/// and outside them; all zero inside when the scenario has no spikes.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct WindowFigures {
    /// While another tenant's spike runs.
    pub inside: WindowSide,
    /// The rest of the run.
    pub outside: WindowSide,
}

/// Results of one tenant under one design.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TenantReport {
    /// Tenant id.
    pub id: String,
    /// Tier name.
    pub tier: String,
    /// Stack label per layer (gateway, compute, database; absent layers
    /// are omitted).
    pub stacks: Vec<String>,
    /// Requests offered.
    pub offered: Estimate,
    /// Requests admitted by the gateway.
    pub admitted: Estimate,
    /// Requests throttled, by cause.
    pub throttled: Throttles,
    /// Requests dropped, by cause.
    pub dropped: Drops,
    /// Requests served.
    pub served: Estimate,
    /// Requests still queued at the end of the run.
    pub in_flight: Estimate,
    /// Latency of served requests.
    pub latency: Latency,
    /// Their mean latency by layer.
    #[serde(default)]
    pub latency_by_layer: LayerLatencyMs,
    /// (Throttled + dropped) / offered.
    pub unserved_fraction: Estimate,
    /// Fraction of replications in which the tenant met its SLO.
    pub slo_met: Estimate,
    /// Attributed cost, USD per month.
    pub cost_usd_per_month: Estimate,
    /// Attributed cost per layer.
    pub cost_by_layer: LayerCosts,
    /// Attributed cost per month of the same design without spikes.
    #[serde(default)]
    pub steady_cost_usd_per_month: Estimate,
    /// Attributed cost the spikes add, once (the run's attributed cost with
    /// them minus without them; may be negative when a neighbour's spike
    /// shifts a shared stack's cost onto the spiking tenant).
    #[serde(default)]
    pub incident_cost_usd: Estimate,
    /// Tier price, USD per month.
    pub revenue_usd_per_month: f64,
    /// Revenue minus cost.
    pub margin_usd_per_month: Estimate,
    /// Noisy-neighbour impact.
    pub impact: Impact,
    /// Inside and outside other tenants' spike windows.
    #[serde(default)]
    pub windows: WindowFigures,
    /// Requests that started a new function environment (serverless
    /// compute).
    #[serde(default)]
    pub cold_starts: Estimate,
    /// Its share of the serverless functions' executions: 1 for a request
    /// or message processed alone, 1/k for each of a batch of k (0 on
    /// instances).
    #[serde(default)]
    pub invocations: Estimate,
    /// Attempts that were clients' retries of failed requests (counted in
    /// the offered requests).
    #[serde(default)]
    pub retries: Estimate,
    /// Share of its compute busy time spent on attempts its client gave up
    /// on (its own timeout) before their answer reached it.
    #[serde(default)]
    pub wasted_work: Estimate,
    /// Messages the queue layer offered again after their processing failed
    /// (each failed receive but the last), or while a consumer still held
    /// them (its processing outlived the visibility timeout).
    #[serde(default)]
    pub redelivered: Estimate,
    /// Its messages processed once more after another consumer had
    /// processed them (a processing that outlived the visibility timeout).
    #[serde(default)]
    pub duplicates: Estimate,
    /// The oldest any of its messages got in the queue layer before a
    /// consumer took it (or the queue deleted it at its retention): the
    /// peak of its oldest waiting message's age, ms (0 without a queue
    /// layer).
    #[serde(default)]
    pub oldest_message_ms: Estimate,
}

/// Aggregates of one tier under one design.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TierReport {
    /// Tier name.
    pub name: String,
    /// Tenants in the tier.
    pub tenants: usize,
    /// Summed attributed cost, USD per month.
    pub cost_usd_per_month: Estimate,
    /// Summed attributed cost per month without spikes.
    #[serde(default)]
    pub steady_cost_usd_per_month: Estimate,
    /// Summed attributed cost the spikes add, once.
    #[serde(default)]
    pub incident_cost_usd: Estimate,
    /// Summed revenue, USD per month.
    pub revenue_usd_per_month: f64,
    /// Revenue minus cost.
    pub margin_usd_per_month: Estimate,
    /// p99 of all the tier's served requests, ms.
    pub p99_ms: Estimate,
    /// Fraction of the tier's tenants meeting the SLO.
    pub slo_met_fraction: Estimate,
    /// (Throttled + dropped) / offered over the tier.
    pub unserved_fraction: Estimate,
    /// Inside and outside other tenants' spike windows.
    #[serde(default)]
    pub windows: WindowFigures,
}

/// One stack under one design.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StackReport {
    /// `gateway`, `compute` or `database`.
    pub layer: String,
    /// Label, e.g. `pool *` or `silo acme`.
    pub label: String,
    /// Tenants served.
    pub tenants: usize,
    /// Busy fraction of capacity (compute: server time, database: units).
    pub utilisation: Estimate,
    /// Time-averaged instances (compute only; 0 elsewhere).
    pub mean_instances: Estimate,
    /// Largest instance count (compute only).
    pub peak_instances: Estimate,
    /// Cost, USD per month.
    pub cost_usd_per_month: Estimate,
}

/// A series with a confidence band, one value per point.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Band {
    /// Mean over replications.
    pub mean: Vec<f64>,
    /// 95 % confidence half-width.
    pub ci95: Vec<f64>,
}

impl Band {
    /// True when it has no point (a series the run does not have).
    pub fn is_empty(&self) -> bool {
        self.mean.is_empty()
    }
}

fn no_limit(limit: &f64) -> bool {
    *limit == 0.0
}

/// The flows of requests through the system, in order: every request
/// offered is admitted or throttled at the gateway; every request admitted
/// is served, dropped or still in flight at the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flow {
    /// Requests arriving.
    Offered,
    /// Requests past the gateway.
    Admitted,
    /// Requests refused at the gateway (offered − admitted).
    Throttled,
    /// Requests dropped after admission (timeout, partition).
    Dropped,
    /// Requests served.
    Served,
    /// Attempts that were clients' retries (part of the offered).
    Retries,
}

impl Flow {
    /// Every flow, in order.
    pub const ALL: [Flow; 6] =
        [Flow::Offered, Flow::Admitted, Flow::Throttled, Flow::Dropped, Flow::Served, Flow::Retries];

    /// Position in [`Flow::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// Lower-case name, as in legends.
    pub fn label(self) -> &'static str {
        match self {
            Flow::Offered => "offered",
            Flow::Admitted => "admitted",
            Flow::Throttled => "throttled",
            Flow::Dropped => "dropped",
            Flow::Served => "served",
            Flow::Retries => "retries",
        }
    }
}

/// Flow through the system over time for one tier (or all).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FlowSeries {
    /// Tier name, or `all`.
    pub name: String,
    /// Offered requests per second.
    pub offered_per_sec: Band,
    /// Admitted requests per second.
    pub admitted_per_sec: Band,
    /// Throttled requests per second.
    pub throttled_per_sec: Band,
    /// Dropped requests per second.
    pub dropped_per_sec: Band,
    /// Served requests per second.
    pub served_per_sec: Band,
    /// Retries per second (attempts that were clients' retries, counted in
    /// the offered requests).
    #[serde(default)]
    pub retries_per_sec: Band,
    /// p99 latency of requests served in each interval, ms.
    pub p99_ms: Band,
    /// Mean latency of the requests served in each interval, by layer
    /// (split as a tenant's [`LayerLatencyMs`] is); empty when only
    /// compute adds latency.
    #[serde(default, skip_serializing_if = "LayerSeries::is_empty")]
    pub latency_by_layer: LayerSeries,
    /// Its messages in the queue layer at each interval's end (waiting for
    /// a consumer); empty without a queue layer.
    #[serde(default, skip_serializing_if = "Band::is_empty")]
    pub queue_depth: Band,
}

/// Mean latency of the requests served in each interval, by layer, ms
/// (0 in an interval that served none). The layers add up to the mean.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct LayerSeries {
    /// Added by the gateway.
    pub gateway_ms: Band,
    /// Time in the queue layer's queue (0 without one).
    pub queue_ms: Band,
    /// Compute's queueing and service (its service alone with a queue
    /// layer; with a retried request's failed attempts and backoffs).
    pub compute_ms: Band,
    /// Added by the database.
    pub database_ms: Band,
}

impl LayerSeries {
    /// True when the run did not split its latency by layer.
    pub fn is_empty(&self) -> bool {
        self.compute_ms.is_empty()
    }
}

/// Downsampled time series of one design.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SeriesReport {
    /// Start of each point's interval, seconds.
    pub t_secs: Vec<f64>,
    /// Length of each interval, seconds.
    pub interval_secs: f64,
    /// All tenants together.
    pub total: FlowSeries,
    /// Per tier, in file order.
    pub tiers: Vec<FlowSeries>,
    /// Compute instances (all stacks), time-averaged per interval.
    pub instances: Band,
    /// Compute utilisation (busy / capacity over all stacks).
    pub utilisation: Band,
    /// Requests waiting for a compute server at the end of each interval,
    /// over all stacks: with a queue layer, the messages visible in its
    /// queues.
    #[serde(default)]
    pub queue_depth: Band,
    /// Age of the oldest of them, seconds (at most the queue timeout or
    /// retention).
    #[serde(default)]
    pub oldest_message_secs: Band,
    /// Connections compute holds to the relational database at the end of
    /// each interval, over all its stacks (empty without one).
    #[serde(default, skip_serializing_if = "Band::is_empty")]
    pub db_connections: Band,
    /// The relational database's vCPU utilisation per interval (empty
    /// without one).
    #[serde(default, skip_serializing_if = "Band::is_empty")]
    pub db_utilisation: Band,
    /// Connections its stacks accept in all (0 without one).
    #[serde(default, skip_serializing_if = "no_limit")]
    pub db_connection_limit: f64,
    /// Per-tenant flows (named by tenant id) for the tenants the run was
    /// asked to follow (every tenant of small scenarios).
    #[serde(default)]
    pub tenants: Vec<FlowSeries>,
}

impl FlowSeries {
    /// Series named `name` with one band per flow (in [`Flow::ALL`] order)
    /// and the p99 band.
    pub fn new(
        name: String,
        [offered, admitted, throttled, dropped, served, retries]: [Band; 6],
        p99_ms: Band,
    ) -> Self {
        Self {
            name,
            offered_per_sec: offered,
            admitted_per_sec: admitted,
            throttled_per_sec: throttled,
            dropped_per_sec: dropped,
            served_per_sec: served,
            retries_per_sec: retries,
            p99_ms,
            latency_by_layer: LayerSeries::default(),
            queue_depth: Band::default(),
        }
    }

    /// The band of one flow, requests per second.
    pub fn band(&self, flow: Flow) -> &Band {
        match flow {
            Flow::Offered => &self.offered_per_sec,
            Flow::Admitted => &self.admitted_per_sec,
            Flow::Throttled => &self.throttled_per_sec,
            Flow::Dropped => &self.dropped_per_sec,
            Flow::Served => &self.served_per_sec,
            Flow::Retries => &self.retries_per_sec,
        }
    }
}

impl RunReport {
    /// The design named `name`.
    pub fn design(&self, name: &str) -> Option<&DesignReport> {
        self.designs.iter().find(|d| d.name == name)
    }
}

impl DesignReport {
    /// The tenant with id `id`.
    pub fn tenant(&self, id: &str) -> Option<&TenantReport> {
        self.tenants.iter().find(|t| t.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two-sided 95 % Student t quantiles, t(0.975; dof), as printed in
    /// the standard tables (e.g. NIST/SEMATECH e-Handbook, table 1.3.6.7.2).
    const PUBLISHED: [(usize, f64); 12] = [
        (1, 12.706),
        (2, 4.303),
        (3, 3.182),
        (4, 2.776),
        (5, 2.571),
        (10, 2.228),
        (20, 2.086),
        (30, 2.042),
        (40, 2.021),
        (60, 2.000),
        (100, 1.984),
        (120, 1.980),
    ];

    #[test]
    fn t_quantile_975_matches_published_values() {
        for (dof, want) in PUBLISHED {
            let got = t_quantile_975(dof);
            // Tabulated degrees of freedom to the table's three decimals;
            // interpolated ones (40, 100) within 0.5 % of the true value.
            let tol = if dof <= 30 || dof == 60 || dof == 120 { 5e-4 } else { 5e-3 * want };
            assert!((got - want).abs() <= tol, "t(0.975; {dof}) = {got}, published {want}");
        }
        // The normal quantile z(0.975) = 1.95996 for large samples.
        for dof in [1000, 100_000] {
            assert!((t_quantile_975(dof) - 1.959_96).abs() < 3e-3, "dof {dof}: {}", t_quantile_975(dof));
        }
        // Zero degrees of freedom has no interval.
        assert_eq!(t_quantile_975(0), 0.0);
        // The quantile never rises with more degrees of freedom.
        for dof in 1..500 {
            assert!(t_quantile_975(dof + 1) <= t_quantile_975(dof), "dof {dof}");
        }
    }

    #[test]
    fn estimate_of_known_samples() {
        // 1..5: mean 3, sample variance 10/4 = 2.5, standard error
        // √(2.5/5) = 0.707107, t(0.975; 4) = 2.776 → half-width 1.962929.
        let e = Estimate::from_samples(&[1.0, 2.0, 3.0, 4.0, 5.0]);
        assert!((e.mean - 3.0).abs() < 1e-12);
        assert!((e.ci95 - 1.962_929).abs() < 1e-6, "{}", e.ci95);
        // 10 and 14: mean 12, variance 8, standard error 2, t(0.975; 1) =
        // 12.706 → half-width 25.412.
        let e = Estimate::from_samples(&[10.0, 14.0]);
        assert!((e.mean - 12.0).abs() < 1e-12);
        assert!((e.ci95 - 25.412).abs() < 1e-9, "{}", e.ci95);
        // Order does not change the figure's meaning.
        let e = Estimate::from_samples(&[14.0, 10.0]);
        assert!((e.ci95 - 25.412).abs() < 1e-9);
        // Identical samples: no spread.
        let e = Estimate::from_samples(&[7.5; 4]);
        assert_eq!((e.mean, e.ci95), (7.5, 0.0));
        // One sample: its value, no interval; none: zero.
        assert_eq!(Estimate::from_samples(&[42.0]), Estimate { mean: 42.0, ci95: 0.0 });
        assert_eq!(Estimate::from_samples(&[]), Estimate::default());
    }
}
