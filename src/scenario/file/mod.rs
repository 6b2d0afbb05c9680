//! The scenario file as written: a serde mirror of the RON text.
//!
//! Types here keep human units (`DurationText`), names instead of indices
//! and optional fields with defaults. Nothing here is validated beyond what
//! serde checks; `resolve` turns a [`ScenarioFile`] into a checked
//! [`crate::scenario::Scenario`]. The engine never sees these types.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::units::DurationText;

mod plan;
pub(crate) mod unique;

pub use plan::{
    AnswerClaimFile, AxisFile, ClaimFile, ConstraintFile, KnobFile, ObjectiveFile, PlanFigureFile, PlannerFile,
    QuestionFile, SearchFile, ValuesFile,
};

/// The current file format version. Files must say `version: 1`.
pub const FORMAT_VERSION: u32 = 1;

/// A whole scenario file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Scenario")]
pub struct ScenarioFile {
    /// File format version; required so later formats can migrate old files.
    pub version: u32,
    /// Short title shown in lists.
    pub name: String,
    /// One-line description.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Teaching text for workshops.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lesson: Option<LessonFile>,
    /// Simulated time, seed and replications.
    pub clock: ClockFile,
    /// Commercial tiers by name, in file order.
    #[serde(deserialize_with = "unique::keys")]
    pub tiers: IndexMap<String, TierFile>,
    /// Explicit tenants and generated groups, in file order.
    pub tenants: Vec<TenantEntryFile>,
    /// The resources a request passes through.
    pub layers: LayersFile,
    /// Deployment designs to compare.
    pub designs: Vec<DesignFile>,
    /// Spikes and capacity losses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<EventFile>,
    /// How shared costs are attributed to tenants.
    #[serde(default, skip_serializing_if = "is_default")]
    pub cost: CostFile,
    /// Planning studies: sweeps and the questions they answer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub plans: Vec<PlannerFile>,
}

/// Teaching material attached to a scenario.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LessonFile {
    /// Audience level, e.g. "intro", "intermediate", "advanced".
    pub level: String,
    /// What to look at and why, as plain text.
    pub text: String,
    /// "Try this" steps: changes an attendee applies, and what they show.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub try_this: Vec<TryThisFile>,
    /// Outcomes the lesson promises; the tests check them on every build.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expect: Vec<ExpectFile>,
    /// What the app shows when the lesson opens (or is reset).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub view: Option<LessonViewFile>,
}

/// Where the app opens a lesson: the results view, the design and scope
/// of the timelines, and the tenant selected. Anything left out stays as
/// the app would have it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LessonViewFile {
    /// The results view shown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tab: Option<ViewTabFile>,
    /// The design the timelines and the tenant table show (by name); the
    /// timelines overlay every design when left out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub design: Option<String>,
    /// Whose flows the timelines show.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<ScopeFile>,
    /// The tenant selected (highlighted in every plot), by id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub select: Option<String>,
}

/// A results view of the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ViewTabFile {
    /// The designs side by side.
    Compare,
    /// The timelines.
    Timelines,
    /// Cost per tenant and margin per tier.
    Costs,
    /// The per-tenant table.
    Tenants,
    /// The scenario's plans.
    Planner,
}

/// Whose flows the timelines show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScopeFile {
    /// All tenants together.
    All,
    /// One tier, by name.
    Tier(String),
    /// The selected tenant (`select`).
    Tenant,
    /// Every tenant's own line, the selected one picked out.
    EachTenant,
}

/// One "try this" step of a lesson.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TryThisFile {
    /// Button text, e.g. "Give basic a usage plan".
    pub label: String,
    /// What the change should show.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub explain: String,
    /// The edits the step makes.
    pub changes: Vec<ChangeFile>,
    /// Outcomes that hold after the change.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expect: Vec<ExpectFile>,
}

/// An edit a "try this" step applies to the scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum ChangeFile {
    /// Set the base rate of a tenant (by id) or group (by prefix), req/s.
    TenantRate {
        /// Tenant id or group prefix.
        tenant: String,
        /// New rate, req/s.
        rate: f64,
    },
    /// Set the number of tenants of a group.
    GroupCount {
        /// Group prefix.
        prefix: String,
        /// New count.
        count: u32,
    },
    /// Give a tier a usage plan (replacing any).
    TierPlan {
        /// Tier name.
        tier: String,
        /// Refill rate, req/s.
        rate: f64,
        /// Bucket size, requests.
        burst: f64,
    },
    /// Remove a tier's usage plan.
    NoTierPlan {
        /// Tier name.
        tier: String,
    },
    /// Set a design's placement for a key (tenant, tier or "*"), in every
    /// layer or in one.
    Placement {
        /// Design name.
        design: String,
        /// Placement key.
        key: String,
        /// New placement.
        placement: PlacementFile,
        /// Only this layer.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        layer: Option<LayerName>,
    },
    /// Set the pooled compute instance bounds.
    Instances {
        /// Fewest instances.
        min: u32,
        /// Most instances.
        max: u32,
    },
    /// Set the autoscaling warm-up.
    Warmup {
        /// New warm-up.
        warmup: DurationText,
    },
    /// Spread a tenant's (or group's) items over more partition keys.
    KeyShards {
        /// Tenant id or group prefix.
        tenant: String,
        /// Partition keys.
        shards: u32,
    },
    /// Set the shared gateway account limit.
    AccountLimit {
        /// Steady rate, req/s.
        rate: f64,
        /// Bucket size.
        burst: f64,
    },
    /// Set the cost attribution method.
    Attribution {
        /// New method.
        method: AttributionFile,
    },
    /// Set the idle-capacity handling.
    Idle {
        /// New handling.
        idle: IdleFile,
    },
    /// Set the factor of the `index`th event (a spike).
    SpikeFactor {
        /// Position in `events`.
        index: usize,
        /// New factor.
        factor: f64,
    },
    /// Set the serverless account concurrency limit.
    FunctionsConcurrency {
        /// Concurrent executions per stack.
        limit: u32,
    },
    /// Set (or with 0 remove) the concurrency a tier reserves per tenant.
    FunctionsReserved {
        /// Tier name.
        tier: String,
        /// Concurrency per tenant; 0 for none.
        concurrency: u32,
    },
    /// Set how a tier's clients retry failed requests; left out, they do
    /// not retry.
    TierRetry {
        /// Tier name.
        tier: String,
        /// The retry policy (none: no retries).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry: Option<RetryFile>,
    },
    /// Set how long the queue layer keeps a message for a consumer.
    QueueRetention {
        /// New retention.
        retention: DurationText,
    },
    /// Put a connection proxy (with its defaults) in front of the
    /// relational database, or take it away.
    DatabaseProxy {
        /// True for a proxy.
        on: bool,
    },
    /// Make the queue layer a FIFO queue with message groups, or a
    /// standard queue.
    QueueFifo {
        /// True for a FIFO queue.
        on: bool,
    },
    /// Make the queue layer a fair standard queue (a shared queue serves
    /// its quiet tenants' messages first), or a plain one.
    QueueFair {
        /// True for a fair queue.
        on: bool,
    },
    /// Set how many messages a function's execution takes from its queue
    /// at once (1: one message an invocation).
    QueueBatchSize {
        /// Messages a batch holds at most.
        size: u32,
    },
}

/// A checkable claim about a run: `left op factor × right` or
/// `left op value`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectFile {
    /// Why it holds, shown to attendees.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub why: String,
    /// Left-hand figure.
    pub left: FigureFile,
    /// Comparison.
    pub op: OpFile,
    /// Right-hand figure (multiplied by `factor`); absent compares with `value`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub right: Option<FigureFile>,
    /// Multiplier of `right`.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub factor: f64,
    /// Constant to compare with when there is no `right`.
    #[serde(default)]
    pub value: f64,
}

/// Comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OpFile {
    /// Greater than.
    Gt,
    /// Greater than or equal.
    Ge,
    /// Less than.
    Lt,
    /// Less than or equal.
    Le,
}

/// One figure of a report: a design's metric, optionally for one tier or
/// tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FigureFile {
    /// Design name.
    pub design: String,
    /// Which figure.
    pub metric: MetricFile,
    /// Restrict to a tier (for tier metrics).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    /// Restrict to a tenant (for tenant metrics).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
}

/// Report figures a lesson can check. Tenant metrics need `tenant`, tier
/// metrics `tier`; design metrics need neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MetricFile {
    /// Design: total cost per month, USD.
    TotalCost,
    /// Design: mean attributed cost per tenant per month, USD.
    CostPerTenant,
    /// Design (or tier): margin per month, USD.
    Margin,
    /// Design (or tier): fraction of tenants meeting their SLO.
    SloMet,
    /// Design (or tier, or tenant): unserved fraction.
    Unserved,
    /// Design: throttled fraction.
    Throttled,
    /// Design: largest tenant p99, ms; tier: the tier's p99; tenant: its p99.
    P99,
    /// Design: tenants hurt by neighbours.
    TenantsHurt,
    /// Tenant (or design worst): p99 increase during others' spikes, ms.
    ImpactP99,
    /// Tenant: requests dropped (timeout and partition).
    Dropped,
    /// Tenant: requests dropped by saturated partitions.
    DroppedPartition,
    /// Tenant: requests throttled by the shared account bucket.
    ThrottledAccount,
    /// Tenant: requests throttled by its own plan.
    ThrottledPlan,
    /// Tenant: requests throttled by its function (serverless concurrency).
    ThrottledConcurrency,
    /// Tenant: messages throttled by its FIFO queue's send limit.
    ThrottledQueue,
    /// Design (or tenant): requests that started a new function
    /// environment.
    ColdStarts,
    /// Design (or tenant): executions of serverless functions (a batch of
    /// messages is one).
    Invocations,
    /// Design (or tenant): attempts that were clients' retries.
    Retries,
    /// Tenant: attempts not answered before its client's own timeout.
    TimedOutClient,
    /// Design (or tenant): share of compute busy time spent on attempts
    /// whose client had already given up.
    WastedWork,
    /// Tenant: mean time its served requests' messages waited in the queue
    /// layer, ms.
    QueueMs,
    /// Tenant: the oldest any of its messages got in the queue layer before
    /// a consumer took it, ms.
    OldestMessage,
    /// Design (or tenant): messages the queue offered again after their
    /// processing failed.
    Redelivered,
    /// Design (or tenant): messages processed again because a consumer
    /// outlived the visibility timeout.
    Duplicates,
    /// Design (or tenant): messages moved to the dead-letter queue.
    DeadLettered,
    /// Tenant: requests whose query found no relational connection.
    DroppedConnections,
    /// Tenant (or tier): cost per month, USD.
    Cost,
    /// Design: unallocated cost per month, USD.
    Unallocated,
    /// Design (or tier, or tenant): cost per month without the spikes, USD.
    SteadyCost,
    /// Design (or tier, or tenant): what the spikes add, once, USD.
    IncidentCost,
}

/// Simulated time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockFile {
    /// Simulated duration, e.g. `"1h"`.
    pub duration: DurationText,
    /// Time step, e.g. `"1s"` (default).
    #[serde(default = "default_tick", skip_serializing_if = "is_default_tick")]
    pub tick: DurationText,
    /// Master seed; every random stream is derived from it.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Independent replications (for confidence intervals).
    #[serde(default = "default_replications")]
    pub replications: u32,
    /// Hour of day at which the run starts (0–24), for diurnal profiles.
    #[serde(default, skip_serializing_if = "is_default")]
    pub start_hour: f64,
    /// Which engine simulates the run.
    #[serde(default, skip_serializing_if = "EngineFile::is_default")]
    pub engine: EngineFile,
}

/// Which engine simulates a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum EngineFile {
    /// Time-stepped: queues as fluids with stationary latency per tick.
    Fast,
    /// Every request an event (slower, exact up to sampling).
    Exact,
    /// Fast, but stacks near saturation simulated request by request.
    #[default]
    Auto,
}

impl EngineFile {
    fn is_default(&self) -> bool {
        *self == EngineFile::Auto
    }
}

fn default_tick() -> DurationText {
    DurationText::new("1s")
}
fn default_seed() -> u64 {
    1
}
fn default_replications() -> u32 {
    8
}

/// A commercial tier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierFile {
    /// Price a tenant of this tier pays per month, in USD.
    pub price_per_month: f64,
    /// Usage plan enforced at the gateway; none means unthrottled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<PlanFile>,
    /// Service-level objective.
    #[serde(default, skip_serializing_if = "is_default")]
    pub slo: SloFile,
    /// Weight under weighted-fair sharing of a pooled compute stack.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub weight: f64,
    /// Weight for the `TierWeights` cost attribution method.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub cost_weight: f64,
    /// How the tier's clients retry failed requests; none: they do not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<RetryFile>,
}

/// A client retry policy: how often and after what wait a failed request
/// (throttled, timed out or dropped) is sent again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetryFile {
    /// Most attempts of one request, the first included.
    pub attempts: u32,
    /// The wait before each retry.
    pub backoff: BackoffFile,
    /// How the wait is randomised (default `Full`, as AWS SDKs do).
    #[serde(default, skip_serializing_if = "is_default")]
    pub jitter: JitterFile,
    /// Retries allowed per first attempt over time (a retry budget); none:
    /// every failure is retried up to `attempts`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<f64>,
    /// How long a client waits for each attempt before it gives up on it;
    /// none: as long as the server keeps it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<DurationText>,
}

/// The wait before a retry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum BackoffFile {
    /// The same wait before every retry: `Constant("1s")`.
    Constant(DurationText),
    /// Doubling from `base` before each retry, at most `cap`.
    Exponential {
        /// The wait before the first retry.
        base: DurationText,
        /// The longest wait.
        cap: DurationText,
    },
}

/// How a retry's wait is randomised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum JitterFile {
    /// Exactly the backoff: clients that failed together retry together.
    None,
    /// Uniform between zero and the backoff.
    #[default]
    Full,
    /// Half the backoff, plus a uniform share of the other half.
    Equal,
}

/// True for the value a field defaulting to [`one`] takes when left out.
fn is_one(value: &f64) -> bool {
    value.to_bits() == one().to_bits()
}

/// True when a field holds its type's default (so a save may leave it out).
fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

fn is_default_read_fraction(value: &f64) -> bool {
    value.to_bits() == default_read_fraction().to_bits()
}

fn is_default_key_shards(value: &u32) -> bool {
    *value == default_key_shards()
}

fn is_default_tick(value: &DurationText) -> bool {
    *value == default_tick()
}

fn one() -> f64 {
    1.0
}

/// A usage plan: token bucket plus optional quotas.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanFile {
    /// Steady rate in requests per second (bucket refill).
    pub rate: f64,
    /// Bucket capacity in requests.
    pub burst: f64,
    /// Requests allowed per day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota_per_day: Option<u64>,
    /// Requests allowed per week.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota_per_week: Option<u64>,
    /// Requests allowed per month (30 days).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota_per_month: Option<u64>,
}

/// A service-level objective.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SloFile {
    /// Target 99th-percentile latency in milliseconds.
    pub p99_ms: f64,
    /// Largest fraction of offered requests that may go unserved
    /// (throttled or dropped).
    pub max_throttled: f64,
    /// Oldest a tenant's message may get before a consumer takes it (none:
    /// no objective on message age; needs a queue layer).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_message_age: Option<DurationText>,
}

impl Default for SloFile {
    fn default() -> Self {
        Self { p99_ms: 500.0, max_throttled: 0.01, max_message_age: None }
    }
}

/// One entry of the tenant list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum TenantEntryFile {
    /// One named tenant.
    Tenant {
        /// Unique tenant id.
        id: String,
        /// Tier name.
        tier: String,
        /// Load profile.
        load: LoadFile,
    },
    /// `count` tenants named `prefix-00`, `prefix-01`, … of one tier.
    Group {
        /// Id prefix.
        prefix: String,
        /// How many tenants.
        count: u32,
        /// Tier name.
        tier: String,
        /// Load profile shared by the group (rate is the mean).
        load: LoadFile,
        /// How rates vary across the group (drawn from the seed).
        #[serde(default, skip_serializing_if = "is_default")]
        spread: SpreadFile,
    },
}

/// How a group's rates vary around its mean rate.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum SpreadFile {
    /// Every tenant has the mean rate.
    #[default]
    Fixed,
    /// Rate × a lognormal factor with mean 1 and the given log-space sigma.
    LogNormal {
        /// Standard deviation of the log of the factor.
        sigma: f64,
    },
    /// Rate × a factor uniform in `[low, high]`.
    Uniform {
        /// Smallest factor.
        low: f64,
        /// Largest factor.
        high: f64,
    },
}

/// A tenant's load profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoadFile {
    /// Base request rate in requests per second.
    pub rate: f64,
    /// Shape over time.
    #[serde(default, skip_serializing_if = "is_default")]
    pub pattern: PatternFile,
    /// Fraction of requests that are reads (the rest are writes).
    #[serde(default = "default_read_fraction", skip_serializing_if = "is_default_read_fraction")]
    pub read_fraction: f64,
    /// Item size per request in KB (sets database units per request).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub item_kb: f64,
    /// Data stored, in GB.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub data_gb: f64,
    /// Partition keys the tenant's items are spread over (1 = keyed by tenant).
    #[serde(default = "default_key_shards", skip_serializing_if = "is_default_key_shards")]
    pub key_shards: u32,
    /// Share of traffic on the hottest key shard (default: even spread).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hot_key_share: Option<f64>,
}

fn default_read_fraction() -> f64 {
    0.8
}
fn default_key_shards() -> u32 {
    1
}

/// Shape of a load profile over time (multiplies the base rate).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum PatternFile {
    /// Flat.
    #[default]
    Constant,
    /// Daily cosine: `1 + amplitude·cos(2π(hour − peak_hour)/24)`.
    Diurnal {
        /// Hour of day of the peak (0–24).
        peak_hour: f64,
        /// Relative swing (0–1).
        amplitude: f64,
    },
    /// On/off: `factor` while on, 1 while off, starting on.
    Bursty {
        /// Length of an on period.
        on: DurationText,
        /// Length of an off period.
        off: DurationText,
        /// Rate multiplier while on.
        factor: f64,
    },
    /// Linear from 1× at the start to `to_factor` after `over`, then flat.
    Ramp {
        /// Final multiplier.
        to_factor: f64,
        /// Time to reach it.
        over: DurationText,
    },
}

/// The layers a request passes through, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayersFile {
    /// API gateway (throttling); absent means no throttling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway: Option<GatewayFile>,
    /// A message queue between the gateway and compute: the gateway's
    /// answer is the message's acceptance, and compute's instances consume
    /// the queues; absent means compute takes requests directly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<QueueFile>,
    /// Compute (queueing, latency, autoscaling).
    pub compute: ComputeFile,
    /// Database (partitions, hot-partition throttling).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<DatabaseFile>,
    /// A relational database instead of `database` (instances, vCPUs,
    /// connections); placed by designs as `database`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relational: Option<RelationalFile>,
}

impl LayersFile {
    /// True when the scenario has `layer` (compute always).
    pub fn has(&self, layer: LayerName) -> bool {
        match layer {
            LayerName::Gateway => self.gateway.is_some(),
            LayerName::Queue => self.queue.is_some(),
            LayerName::Compute => true,
            LayerName::Database => self.database.is_some() || self.relational.is_some(),
        }
    }
}

/// API gateway layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GatewayFile {
    /// Shared stage/account steady rate (requests per second) per stack.
    pub account_rate: f64,
    /// Shared stage/account bucket size per stack.
    pub account_burst: f64,
    /// USD per million admitted requests.
    pub price_per_million: f64,
    /// The latency the gateway adds to every request it passes (none: 0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency: Option<ServiceTimeFile>,
}

impl Default for GatewayFile {
    fn default() -> Self {
        Self { account_rate: 10_000.0, account_burst: 5_000.0, price_per_million: 3.5, latency: None }
    }
}

/// Queue layer: messages wait in queues (one shared, or one per tenant, as
/// the design places them) until a compute instance takes them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct QueueFile {
    /// How long a message is kept for a consumer before the queue deletes
    /// it (it replaces compute's `queue_timeout`).
    pub retention: DurationText,
    /// How long a message a consumer received stays hidden from the
    /// others: one whose processing failed is offered again after it.
    pub visibility_timeout: DurationText,
    /// Receives after which a message whose processing keeps failing goes
    /// to the dead-letter queue (none: it is offered again until the
    /// retention deletes it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_receives: Option<u32>,
    /// USD per million queue requests.
    pub price_per_million: f64,
    /// Queue requests one message takes (send, receive and delete): one
    /// to send it, the rest once a consumer takes it.
    pub requests_per_message: f64,
    /// A FIFO queue: each tenant's messages form message groups (one per
    /// key shard), and a group's messages are processed one at a time, in
    /// order.
    #[serde(skip_serializing_if = "is_default")]
    pub fifo: bool,
    /// A fair standard queue: each tenant's messages carry its id as
    /// their message group, and a shared queue gives the messages of its
    /// quiet tenants to consumers before a noisy tenant's, as SQS fair
    /// queues do.
    #[serde(skip_serializing_if = "is_default")]
    pub fair: bool,
    /// Messages per second a FIFO queue accepts, sends above it throttled
    /// (none: 300, as an SQS FIFO queue sending one message per call;
    /// 3,000 with batches of ten). Standard queues have no such limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub send_rate: Option<f64>,
    /// With serverless functions: the most executions each queue's event
    /// source runs at once (none: as many as its function allows), as
    /// SQS's maximum concurrency for a Lambda trigger (2 to 1,000).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_concurrency: Option<u32>,
    /// With serverless functions: the most messages one execution takes
    /// from its queue at once and processes in turn, as a Lambda trigger's
    /// batch size (none: 1, one message an invocation; AWS's default for a
    /// new trigger is 10).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch_size: Option<u32>,
    /// With batches: how long the event source waits for a batch to fill
    /// before it hands over what it has, from the oldest message's
    /// arrival (none: it never waits), as a Lambda trigger's batching
    /// window.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch_window: Option<DurationText>,
}

impl QueueFile {
    /// The most messages its consumers take at once: its `batch_size`
    /// (within a trigger's 1 to 10,000) when serverless `functions` read
    /// it, one message a server on instances.
    pub fn batch_for(&self, functions: bool) -> u32 {
        if functions { self.batch_size.unwrap_or(1).clamp(1, 10_000) } else { 1 }
    }
}

impl Default for QueueFile {
    fn default() -> Self {
        Self {
            retention: DurationText::new("1d"),
            visibility_timeout: DurationText::new("30s"),
            max_receives: None,
            price_per_million: 0.40,
            requests_per_message: 3.0,
            fifo: false,
            fair: false,
            send_rate: None,
            max_concurrency: None,
            batch_size: None,
            batch_window: None,
        }
    }
}

/// Compute layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComputeFile {
    /// Service-time distribution of one request.
    pub service_time: ServiceTimeFile,
    /// Requests one instance serves at once.
    #[serde(default = "default_concurrency")]
    pub concurrency: u32,
    /// Instance count bounds of a pooled stack (and of each cell).
    #[serde(default)]
    pub instances: InstancesFile,
    /// Instance count bounds of a silo stack (default: same as `instances`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub silo_instances: Option<InstancesFile>,
    /// Target-tracking autoscaling; absent means a fixed `min` instances.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autoscale: Option<AutoscaleFile>,
    /// Queued work older than this is dropped.
    #[serde(default = "default_queue_timeout")]
    pub queue_timeout: DurationText,
    /// USD per instance-hour.
    #[serde(default)]
    pub price_per_hour: f64,
    /// How a shared stack divides its capacity.
    #[serde(default, skip_serializing_if = "is_default")]
    pub fairness: FairnessFile,
    /// Serverless functions instead of instances: each stack is an account
    /// with a concurrency limit, billed per use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub functions: Option<FunctionsFile>,
}

/// Serverless compute: a stack is an account whose functions share its
/// concurrency limit; a request that finds no concurrency free is
/// throttled at once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FunctionsFile {
    /// Concurrent executions the stack's account allows.
    pub concurrency_limit: u32,
    /// Concurrency reserved for each tenant of the named tiers: such a
    /// tenant has a function of its own, which never runs more than its
    /// reservation and which nobody else can use.
    pub reserved: IndexMap<String, u32>,
    /// Warm (provisioned) environments each function keeps, billed
    /// whether used or not.
    pub provisioned: u32,
    /// Mean time a new execution environment takes to initialise.
    pub cold_start: DurationText,
    /// How long an idle environment stays warm.
    pub keep_warm: DurationText,
    /// New environments a function may add per 10 seconds.
    pub scale_per_10s: u32,
    /// Memory of each environment, MB (what duration is billed by).
    pub memory_mb: f64,
    /// USD per million invocations.
    pub price_per_million: f64,
    /// USD per GB-second of execution (initialisation included).
    pub price_per_gb_second: f64,
    /// USD per GB-second a provisioned environment exists.
    pub provisioned_price_per_gb_second: f64,
    /// USD per GB-second of execution on a provisioned environment (AWS
    /// bills it below the on-demand rate).
    pub provisioned_execution_price_per_gb_second: f64,
}

impl Default for FunctionsFile {
    fn default() -> Self {
        Self {
            concurrency_limit: 1000,
            reserved: IndexMap::new(),
            provisioned: 0,
            cold_start: DurationText::new("300ms"),
            keep_warm: DurationText::new("10m"),
            scale_per_10s: 1000,
            memory_mb: 1024.0,
            price_per_million: 0.20,
            price_per_gb_second: 0.000_016_666_7,
            provisioned_price_per_gb_second: 0.000_004_166_7,
            provisioned_execution_price_per_gb_second: 0.000_009_722_2,
        }
    }
}

fn default_concurrency() -> u32 {
    1
}
fn default_queue_timeout() -> DurationText {
    DurationText::new("30s")
}

/// Service-time distribution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum ServiceTimeFile {
    /// Exponential with the given mean (M/M/c).
    Exponential {
        /// Mean in milliseconds.
        mean_ms: f64,
    },
    /// Lognormal with the given mean and coefficient of variation.
    LogNormal {
        /// Mean in milliseconds.
        mean_ms: f64,
        /// Standard deviation divided by the mean.
        cv: f64,
    },
    /// Every request takes the same time.
    Deterministic {
        /// Service time in milliseconds.
        ms: f64,
    },
}

impl ServiceTimeFile {
    /// The distribution as written, without the range checks resolving
    /// applies (for hints about a draft).
    pub fn as_written(&self) -> crate::queueing::ServiceTime {
        use crate::queueing::ServiceTime;
        match *self {
            ServiceTimeFile::Exponential { mean_ms } => ServiceTime::Exponential { mean_secs: mean_ms / 1000.0 },
            ServiceTimeFile::LogNormal { mean_ms, cv } => ServiceTime::LogNormal { mean_secs: mean_ms / 1000.0, cv },
            ServiceTimeFile::Deterministic { ms } => ServiceTime::Deterministic { secs: ms / 1000.0 },
        }
    }
}

/// Instance count bounds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstancesFile {
    /// Fewest instances (the fixed count without autoscaling).
    pub min: u32,
    /// Most instances.
    pub max: u32,
}

impl Default for InstancesFile {
    fn default() -> Self {
        Self { min: 1, max: 1 }
    }
}

/// Target-tracking autoscaling.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutoscaleFile {
    /// Utilisation the policy aims for (0–1).
    pub target_utilisation: f64,
    /// How often the policy looks at utilisation.
    #[serde(default = "default_evaluation_period")]
    pub evaluation_period: DurationText,
    /// Delay before a new instance serves.
    #[serde(default = "default_warmup")]
    pub warmup: DurationText,
}

fn default_evaluation_period() -> DurationText {
    DurationText::new("1m")
}
fn default_warmup() -> DurationText {
    DurationText::new("3m")
}

/// Sharing policy of a pooled compute stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum FairnessFile {
    /// First come, first served: capacity follows arrivals.
    #[default]
    Fifo,
    /// Capacity divided by tier weight among tenants with work.
    WeightedFair,
}

/// Database layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseFile {
    /// Partitions of a pooled table (and of each cell's table).
    pub partitions: u32,
    /// Partitions of a silo table (default: same as `partitions`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub silo_partitions: Option<u32>,
    /// Read units per second one partition serves at most.
    pub read_units_per_partition: f64,
    /// Write units per second one partition serves at most.
    pub write_units_per_partition: f64,
    /// Capacity pricing.
    pub pricing: DbPricingFile,
    /// USD per GB-month stored.
    pub storage_per_gb_month: f64,
    /// The latency of one read or write, as a request served sees it
    /// (none: 0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency: Option<ServiceTimeFile>,
}

impl Default for DatabaseFile {
    fn default() -> Self {
        Self {
            partitions: 4,
            silo_partitions: None,
            read_units_per_partition: 3000.0,
            write_units_per_partition: 1000.0,
            pricing: DbPricingFile::default(),
            storage_per_gb_month: 0.25,
            latency: None,
        }
    }
}

/// Relational database layer: each database stack is a writer instance
/// and its read replicas.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RelationalFile {
    /// vCPUs of each instance: the queries it runs at once.
    pub vcpus: u32,
    /// Memory of each instance, GiB (sets the default connection limit).
    pub memory_gib: f64,
    /// Connections each instance accepts (default: its memory in bytes
    /// over 9,531,392, at most 5,000).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_connections: Option<u32>,
    /// CPU time of one query (one per request).
    pub query_time: ServiceTimeFile,
    /// Read replicas of each stack: reads go to them, writes to the writer.
    #[serde(skip_serializing_if = "is_default")]
    pub read_replicas: u32,
    /// How tenants sharing an instance keep their data.
    #[serde(skip_serializing_if = "is_default")]
    pub tenancy: TenancyFile,
    /// Relations (tables, indexes, sequences) in each tenant's schema,
    /// whose catalog every connection caches with a schema per tenant
    /// (default 50).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relations_per_schema: Option<u32>,
    /// Connections each compute instance (or function environment) keeps
    /// open to each database it uses (default: compute's concurrency, at
    /// most 10; one per function environment).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pool_per_instance: Option<u32>,
    /// A connection proxy in front of each stack, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxy: Option<ProxyFile>,
    /// USD per instance-hour (writer and each replica).
    pub price_per_hour: f64,
    /// USD per GB-month stored.
    pub storage_per_gb_month: f64,
}

impl Default for RelationalFile {
    fn default() -> Self {
        Self {
            vcpus: 2,
            memory_gib: 4.0,
            max_connections: None,
            query_time: ServiceTimeFile::Exponential { mean_ms: 2.0 },
            read_replicas: 0,
            tenancy: TenancyFile::SharedSchema,
            relations_per_schema: None,
            pool_per_instance: None,
            proxy: None,
            price_per_hour: 0.065,
            storage_per_gb_month: 0.115,
        }
    }
}

/// How tenants sharing a relational instance keep their data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum TenancyFile {
    /// One schema, rows keyed by tenant: one connection pool serves all.
    #[default]
    SharedSchema,
    /// A schema per tenant in one database: one pool switches schemas.
    SchemaPerTenant,
    /// A database per tenant: a connection belongs to one database, so
    /// every compute instance keeps a pool per tenant database.
    DatabasePerTenant,
}

/// A connection proxy (pooler) in front of a relational stack: compute
/// connects to it, and it multiplexes queries onto a bounded number of
/// database connections.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProxyFile {
    /// Share of each instance's `max_connections` the proxy may open, %.
    pub max_connections_percent: f64,
    /// Longest a query waits at the proxy for a connection before it
    /// fails.
    pub borrow_timeout: DurationText,
    /// USD per hour per vCPU of the instances behind it.
    pub price_per_vcpu_hour: f64,
}

impl Default for ProxyFile {
    fn default() -> Self {
        Self { max_connections_percent: 100.0, borrow_timeout: DurationText::new("120s"), price_per_vcpu_hour: 0.015 }
    }
}

/// Database capacity pricing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum DbPricingFile {
    /// Pay per request unit.
    OnDemand {
        /// USD per million read units.
        #[serde(default = "default_read_per_million")]
        read_per_million: f64,
        /// USD per million write units.
        #[serde(default = "default_write_per_million")]
        write_per_million: f64,
    },
    /// Pay per provisioned unit-hour; the table serves at most what is
    /// provisioned (plus banked burst), spread evenly over partitions.
    Provisioned {
        /// Read units per second provisioned per table.
        read_units: f64,
        /// Write units per second provisioned per table.
        write_units: f64,
        /// USD per read-unit-hour.
        #[serde(default = "default_read_unit_hour")]
        read_unit_per_hour: f64,
        /// USD per write-unit-hour.
        #[serde(default = "default_write_unit_hour")]
        write_unit_per_hour: f64,
    },
}

impl Default for DbPricingFile {
    fn default() -> Self {
        Self::OnDemand { read_per_million: default_read_per_million(), write_per_million: default_write_per_million() }
    }
}

fn default_read_per_million() -> f64 {
    0.25
}
fn default_write_per_million() -> f64 {
    1.25
}
fn default_read_unit_hour() -> f64 {
    0.000_13
}
fn default_write_unit_hour() -> f64 {
    0.000_65
}

/// Where tenants land in each layer: keys are tenant ids, tier names or `"*"`.
pub type PlacementMap = IndexMap<String, PlacementFile>;

/// One deployment design.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DesignFile {
    /// Name shown in columns.
    pub name: String,
    /// Placement for every layer, by tenant id, tier name or `"*"`.
    #[serde(deserialize_with = "unique::keys")]
    pub placement: PlacementMap,
    /// Per-layer overrides of `placement`.
    #[serde(default, skip_serializing_if = "LayerPlacementsFile::is_empty")]
    pub layers: LayerPlacementsFile,
    /// Fixed USD per month for every stack of every layer.
    #[serde(default, skip_serializing_if = "is_default")]
    pub overhead_per_stack_per_month: f64,
}

/// Per-layer placement overrides.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LayerPlacementsFile {
    /// Gateway placements.
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "unique::optional_keys")]
    pub gateway: Option<PlacementMap>,
    /// Queue placements (Silo: a queue per tenant; Pool: one shared queue).
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "unique::optional_keys")]
    pub queue: Option<PlacementMap>,
    /// Compute placements.
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "unique::optional_keys")]
    pub compute: Option<PlacementMap>,
    /// Database placements.
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "unique::optional_keys")]
    pub database: Option<PlacementMap>,
}

impl LayerPlacementsFile {
    /// The override of `layer`, if any.
    pub fn get(&self, layer: LayerName) -> Option<&PlacementMap> {
        match layer {
            LayerName::Gateway => self.gateway.as_ref(),
            LayerName::Queue => self.queue.as_ref(),
            LayerName::Compute => self.compute.as_ref(),
            LayerName::Database => self.database.as_ref(),
        }
    }

    /// The override of `layer`, to set or clear.
    pub fn get_mut(&mut self, layer: LayerName) -> &mut Option<PlacementMap> {
        match layer {
            LayerName::Gateway => &mut self.gateway,
            LayerName::Queue => &mut self.queue,
            LayerName::Compute => &mut self.compute,
            LayerName::Database => &mut self.database,
        }
    }

    /// True when no layer is overridden.
    pub fn is_empty(&self) -> bool {
        self.gateway.is_none() && self.queue.is_none() && self.compute.is_none() && self.database.is_none()
    }
}

/// Placement of tenants in one layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PlacementFile {
    /// A stack of its own per tenant.
    Silo,
    /// One stack shared by every tenant the entry matches.
    Pool,
    /// `k` shared stacks; tenants the entry matches are spread over them.
    Cells(u32),
}

/// Which layer an event or placement refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LayerName {
    /// The API gateway.
    Gateway,
    /// The queue layer.
    Queue,
    /// Compute.
    Compute,
    /// The database.
    Database,
}

impl LayerName {
    /// Every layer, in request order.
    pub const ALL: [LayerName; 4] = [LayerName::Gateway, LayerName::Queue, LayerName::Compute, LayerName::Database];

    /// Lower-case name, as in messages.
    pub fn label(self) -> &'static str {
        match self {
            LayerName::Gateway => "gateway",
            LayerName::Queue => "queue",
            LayerName::Compute => "compute",
            LayerName::Database => "database",
        }
    }
}

/// A scheduled event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum EventFile {
    /// One tenant's rate multiplied by `factor` for a window.
    Spike {
        /// Tenant id.
        tenant: String,
        /// Start, from the beginning of the run.
        at: DurationText,
        /// Length of the window.
        duration: DurationText,
        /// Rate multiplier.
        factor: f64,
    },
    /// A fraction of a layer's capacity lost in every stack for a window.
    CapacityLoss {
        /// Affected layer.
        layer: LayerName,
        /// Start, from the beginning of the run.
        at: DurationText,
        /// Length of the window.
        duration: DurationText,
        /// Fraction of capacity lost (0–1).
        fraction: f64,
    },
}

/// Cost settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CostFile {
    /// How shared stack costs are divided among tenants.
    pub attribution: AttributionFile,
    /// What happens to the cost of idle capacity.
    pub idle: IdleFile,
    /// Hours in a billing month (730 by AWS convention).
    pub hours_per_month: f64,
}

impl Default for CostFile {
    fn default() -> Self {
        Self { attribution: AttributionFile::Proportional, idle: IdleFile::Spread, hours_per_month: 730.0 }
    }
}

/// Cost attribution method for shared stacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum AttributionFile {
    /// By consumption: compute-seconds, capacity units, data stored, requests.
    #[default]
    Proportional,
    /// By request count in every layer.
    Requests,
    /// Equal share per tenant of the stack.
    Even,
    /// By the tiers' `cost_weight`.
    TierWeights,
}

/// Handling of idle capacity cost in shared stacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum IdleFile {
    /// Idle cost is divided like the rest.
    #[default]
    Spread,
    /// Idle cost is reported on its own "unallocated" line.
    Unallocated,
}
