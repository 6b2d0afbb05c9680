//! The resolved scenario: names turned into indices, units into numbers,
//! every rule checked. The engine only ever sees these types, so it never
//! re-checks what `resolve` has already proven.

pub use crate::queueing::ServiceTime;

/// Index of a tier in [`Scenario::tiers`].
pub type TierId = usize;
/// Index of a tenant in [`Scenario::tenants`].
pub type TenantId = usize;

/// A checked scenario ready to simulate.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Short title.
    pub name: String,
    /// One-line description.
    pub description: String,
    /// Simulated time.
    pub clock: Clock,
    /// Tiers in file order.
    pub tiers: Vec<Tier>,
    /// Tenants in file order, groups expanded.
    pub tenants: Vec<Tenant>,
    /// Gateway layer, if any.
    pub gateway: Option<Gateway>,
    /// Queue layer, if any.
    pub queue: Option<Queue>,
    /// Compute layer.
    pub compute: Compute,
    /// Database layer, if any.
    pub database: Option<Database>,
    /// Relational database layer, if any (never with `database`).
    pub relational: Option<Relational>,
    /// Designs in file order.
    pub designs: Vec<Design>,
    /// Events in file order.
    pub events: Vec<Event>,
    /// Cost settings.
    pub cost: CostSettings,
    /// The most worker threads a run may use and stay within the memory
    /// budget it was resolved with (a run asking for more uses this many;
    /// results do not depend on it).
    pub max_threads: usize,
    /// The estimated bytes of one subtask's results, which size the waves
    /// a run simulates in (`budget::wave_subtasks`).
    pub result_bytes: f64,
}

impl Scenario {
    /// Number of tenant-ticks one replication of one design simulates.
    pub fn tenant_ticks(&self) -> u64 {
        self.clock.ticks.saturating_mul(self.tenants.len() as u64)
    }

    /// True when some event multiplies a tenant's load (so the engine also
    /// runs the no-spike baseline for the noisy-neighbour figures).
    pub fn has_spikes(&self) -> bool {
        self.events.iter().any(|e| matches!(e, Event::Spike { .. }))
    }

    /// Length of a month in seconds: the billing month (`hours_per_month`)
    /// that monthly costs and monthly quotas both use.
    pub fn month_secs(&self) -> f64 {
        self.cost.hours_per_month * 3600.0
    }

    /// The tenants with a spike, each once, in order of their first spike.
    pub fn spiking_tenants(&self) -> Vec<usize> {
        spiking_tenants(&self.events)
    }

    /// Every spike event, in file order.
    pub fn spikes(&self) -> Vec<Spike> {
        self.events
            .iter()
            .filter_map(|e| match *e {
                Event::Spike { tenant, start_secs, end_secs, factor } => {
                    Some(Spike { tenant, start_secs, end_secs, factor })
                }
                Event::CapacityLoss { .. } => None,
            })
            .collect()
    }

    /// True when the per-request engine simulates the run: asked for, or
    /// needed because some tier's clients retry (the fast engine does not
    /// follow retries; docs/engine.md, "Client retries").
    pub fn per_request(&self) -> bool {
        self.clock.engine == Engine::Exact || self.per_request_only()
    }

    /// True when only the per-request engine can simulate the scenario,
    /// whatever its `engine` says.
    pub fn per_request_only(&self) -> bool {
        self.tiers.iter().any(|t| t.retry.is_some())
            || self.redelivers()
            || self.relational.is_some()
            || self.queue.as_ref().is_some_and(|q| q.fifo || q.fair)
            || self.queued_functions()
    }

    /// True when serverless functions consume a queue layer's messages
    /// (only the per-request engine follows messages waiting for a
    /// function's concurrency).
    pub fn queued_functions(&self) -> bool {
        self.queue.is_some() && self.compute.functions.is_some()
    }

    /// True when the scenario has a database layer of either kind.
    pub fn has_database(&self) -> bool {
        self.database.is_some() || self.relational.is_some()
    }

    /// True when a queue's messages may be offered again: a consumer's
    /// processing may fail (a database behind it refuses operations), or
    /// may outlive the visibility timeout (at least one processing in
    /// [`OUTLIVED_PER_REQUEST`] does), so that messages are redelivered,
    /// processed twice or dead-lettered, which only the per-request engine
    /// simulates.
    pub fn redelivers(&self) -> bool {
        // Only functions take batches (resolution refuses them elsewhere).
        self.queue
            .as_ref()
            .is_some_and(|q| self.has_database() || outlives(&self.compute.service, q.visibility_secs, q.batch_size))
    }
}

/// The share of processings outliving a queue's visibility timeout from
/// which a scenario runs the per-request engine (below it, the fast engine
/// leaves the few duplicates out).
pub const OUTLIVED_PER_REQUEST: f64 = 1e-6;

/// True when processing of `service` outlives a visibility timeout of
/// `visibility_secs` often enough ([`OUTLIVED_PER_REQUEST`]) to be
/// simulated request by request, in batches of up to `batch` messages
/// processed one after the other (a batch outlives the timeout only if
/// one of its messages takes more than the timeout's share of it, so
/// `batch` × that chance bounds the batch's).
pub fn outlives(service: &ServiceTime, visibility_secs: f64, batch: u32) -> bool {
    let batch = f64::from(batch.max(1));
    batch * (1.0 - service.cdf(visibility_secs / batch)) >= OUTLIVED_PER_REQUEST
}

/// The tenants `events` spike, each once, in order of their first spike.
pub fn spiking_tenants(events: &[Event]) -> Vec<usize> {
    let mut spikers: Vec<usize> = Vec::new();
    for e in events {
        if let Event::Spike { tenant, .. } = *e
            && !spikers.contains(&tenant)
        {
            spikers.push(tenant);
        }
    }
    spikers
}

/// Simulated time.
#[derive(Debug, Clone, PartialEq)]
pub struct Clock {
    /// Length of the run in seconds.
    pub duration_secs: f64,
    /// Time step in seconds.
    pub tick_secs: f64,
    /// Number of ticks (`duration / tick`, rounded up).
    pub ticks: u64,
    /// Master seed.
    pub seed: u64,
    /// Independent replications.
    pub replications: u32,
    /// Hour of day at t = 0.
    pub start_hour: f64,
    /// Which engine simulates the run.
    pub engine: Engine,
}

/// Which engine simulates a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// Time-stepped, fluid queues with a stationary latency per tick.
    Fast,
    /// Per request: every arrival, queueing, service and drop an event.
    Exact,
    /// Fast, with stacks near saturation simulated request by request.
    Auto,
}

/// A commercial tier.
#[derive(Debug, Clone, PartialEq)]
pub struct Tier {
    /// Tier name.
    pub name: String,
    /// Price per tenant-month in USD.
    pub price_usd_per_month: f64,
    /// Usage plan, if throttled.
    pub plan: Option<UsagePlan>,
    /// Service-level objective.
    pub slo: Slo,
    /// Weighted-fair share weight.
    pub weight: f64,
    /// Weight for tier-weight cost attribution.
    pub cost_weight: f64,
    /// How its tenants' clients retry failed requests (none: they do not).
    pub retry: Option<RetryPolicy>,
}

/// How a tier's clients retry a request that failed (throttled, timed out
/// or dropped): docs/model.md, "Client retries".
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Most attempts of one request, the first included (1 only with a
    /// timeout: clients that give up but never retry).
    pub attempts: u32,
    /// The wait before each retry, before jitter.
    pub backoff: Backoff,
    /// How the wait is randomised.
    pub jitter: Jitter,
    /// Retries allowed per first attempt over time (a token bucket each
    /// first attempt fills by this much and each retry empties by one);
    /// none: no budget.
    pub budget_ratio: Option<f64>,
    /// How long a client waits for an attempt before it gives up on it
    /// (and retries it if it may), seconds; none: as long as the queue
    /// keeps it.
    pub timeout_secs: Option<f64>,
}

/// Tokens a retry budget holds at most (and starts with): the retries it
/// allows at once, beyond its ratio of first attempts.
pub const RETRY_BUDGET_TOKENS: f64 = 10.0;

impl RetryPolicy {
    /// The wait before retry number `retry` (1 for the first retry), before
    /// jitter, in seconds.
    pub fn backoff_secs(&self, retry: u32) -> f64 {
        match self.backoff {
            Backoff::Constant { delay_secs } => delay_secs,
            Backoff::Exponential { base_secs, cap_secs } => {
                (base_secs * 2f64.powi(retry.saturating_sub(1).min(62) as i32)).min(cap_secs)
            }
        }
    }

    /// The wait before retry number `retry` given a uniform draw `u` in
    /// [0, 1), in seconds.
    pub fn delay_secs(&self, retry: u32, u: f64) -> f64 {
        let b = self.backoff_secs(retry);
        match self.jitter {
            Jitter::None => b,
            Jitter::Full => b * u,
            Jitter::Equal => b * (0.5 + 0.5 * u),
        }
    }

    /// The longest a request can spend waiting between its attempts, in
    /// seconds.
    pub fn max_total_backoff_secs(&self) -> f64 {
        (1..self.attempts).map(|k| self.backoff_secs(k)).sum()
    }
}

/// The wait before a retry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Backoff {
    /// The same wait before every retry.
    Constant {
        /// The wait, seconds.
        delay_secs: f64,
    },
    /// `base × 2^(k-1)` before retry k, at most `cap`.
    Exponential {
        /// The wait before the first retry, seconds.
        base_secs: f64,
        /// The longest wait, seconds.
        cap_secs: f64,
    },
}

/// How a retry's wait is randomised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Jitter {
    /// Exactly the backoff.
    None,
    /// Uniform between zero and the backoff.
    Full,
    /// Half the backoff plus a uniform share of the other half.
    Equal,
}

/// A token bucket plus quotas.
#[derive(Debug, Clone, PartialEq)]
pub struct UsagePlan {
    /// Refill rate in requests per second.
    pub rate_per_sec: f64,
    /// Bucket capacity in requests.
    pub burst: f64,
    /// Quotas, each over its own period.
    pub quotas: Vec<Quota>,
}

/// A request quota over a fixed period (periods start at t = 0).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quota {
    /// Requests allowed per period.
    pub limit: u64,
    /// Its period.
    pub period: QuotaPeriod,
}

/// The period of a quota, counted from the start of the run (not
/// calendar days).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotaPeriod {
    /// 86,400 seconds.
    Day,
    /// Seven days.
    Week,
    /// The scenario's month ([`Scenario::month_secs`]).
    Month,
}

/// Seconds in a day.
pub const SECS_PER_DAY: f64 = 86_400.0;

impl QuotaPeriod {
    /// Every period, in [`QuotaPeriod::index`] order.
    pub const ALL: [QuotaPeriod; 3] = [QuotaPeriod::Day, QuotaPeriod::Week, QuotaPeriod::Month];

    /// Position in [`QuotaPeriod::ALL`].
    pub fn index(self) -> usize {
        match self {
            QuotaPeriod::Day => 0,
            QuotaPeriod::Week => 1,
            QuotaPeriod::Month => 2,
        }
    }

    /// Length in seconds, with months of `month_secs`.
    pub fn secs(self, month_secs: f64) -> f64 {
        match self {
            QuotaPeriod::Day => SECS_PER_DAY,
            QuotaPeriod::Week => 7.0 * SECS_PER_DAY,
            QuotaPeriod::Month => month_secs,
        }
    }
}

/// A service-level objective.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Slo {
    /// Target p99 latency in milliseconds.
    pub p99_ms: f64,
    /// Largest unserved (throttled + dropped) fraction of offered requests.
    pub max_unserved_fraction: f64,
    /// Oldest a tenant's message may get before a consumer takes it,
    /// seconds (none: no objective on message age).
    pub max_message_age_secs: Option<f64>,
}

/// A tenant.
#[derive(Debug, Clone, PartialEq)]
pub struct Tenant {
    /// Unique id.
    pub id: String,
    /// Its tier.
    pub tier: TierId,
    /// Its load profile.
    pub load: Load,
}

/// A tenant's load profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Load {
    /// Base rate in requests per second.
    pub rate_per_sec: f64,
    /// Shape over time.
    pub pattern: Pattern,
    /// Fraction of requests that read.
    pub read_fraction: f64,
    /// Read units one read consumes (4 KB each, rounded up).
    pub read_units_per_read: f64,
    /// Write units one write consumes (1 KB each, rounded up).
    pub write_units_per_write: f64,
    /// Data stored in GB.
    pub data_gb: f64,
    /// Partition keys the tenant's items are spread over.
    pub key_shards: u32,
    /// Share of traffic on the hottest shard.
    pub hot_key_share: f64,
}

/// Shape of a load profile (multiplies the base rate).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pattern {
    /// Flat.
    Constant,
    /// Daily cosine around `peak_hour`.
    Diurnal {
        /// Hour of the peak.
        peak_hour: f64,
        /// Relative swing.
        amplitude: f64,
    },
    /// On/off, starting on.
    Bursty {
        /// On period in seconds.
        on_secs: f64,
        /// Off period in seconds.
        off_secs: f64,
        /// Multiplier while on.
        factor: f64,
    },
    /// Linear ramp to `to_factor` over `over_secs`.
    Ramp {
        /// Final multiplier.
        to_factor: f64,
        /// Ramp length in seconds.
        over_secs: f64,
    },
}

impl Pattern {
    /// The largest multiplier the pattern reaches.
    pub fn peak(&self) -> f64 {
        match *self {
            Pattern::Constant => 1.0,
            Pattern::Diurnal { amplitude, .. } => 1.0 + amplitude.max(0.0),
            Pattern::Bursty { factor, .. } => factor.max(1.0),
            Pattern::Ramp { to_factor, .. } => to_factor.max(1.0),
        }
    }

    /// A multiplier [`Pattern::factor_at`] never goes below (computed as
    /// it computes its lowest, so the bound holds in floating point too).
    pub fn floor(&self) -> f64 {
        match *self {
            Pattern::Constant => 1.0,
            Pattern::Diurnal { amplitude, .. } => (1.0 - amplitude.abs()).max(0.0),
            Pattern::Bursty { factor, .. } => factor.min(1.0),
            Pattern::Ramp { to_factor, .. } => (1.0 + (to_factor - 1.0)).min(1.0),
        }
    }

    /// The multiplier at `t_secs` into the run, with the run starting at
    /// `start_hour` of the day.
    pub fn factor_at(&self, t_secs: f64, start_hour: f64) -> f64 {
        match *self {
            Pattern::Constant => 1.0,
            Pattern::Diurnal { peak_hour, amplitude } => {
                let hour = start_hour + t_secs / 3600.0;
                let phase = std::f64::consts::TAU * (hour - peak_hour) / 24.0;
                (1.0 + amplitude * phase.cos()).max(0.0)
            }
            Pattern::Bursty { on_secs, off_secs, factor } => {
                let cycle = on_secs + off_secs;
                if t_secs % cycle < on_secs { factor } else { 1.0 }
            }
            Pattern::Ramp { to_factor, over_secs } => {
                let progress = if over_secs > 0.0 { (t_secs / over_secs).min(1.0) } else { 1.0 };
                1.0 + (to_factor - 1.0) * progress
            }
        }
    }
}

/// Gateway layer.
#[derive(Debug, Clone, PartialEq)]
pub struct Gateway {
    /// Shared bucket refill per stack, requests per second.
    pub account_rate_per_sec: f64,
    /// Shared bucket capacity per stack.
    pub account_burst: f64,
    /// USD per million admitted requests.
    pub usd_per_million_requests: f64,
    /// The latency it adds to every request it passes, if any.
    pub latency: Option<ServiceTime>,
}

/// Queue layer (docs/model.md, "Queues"): each compute stack consumes the
/// queues of its tenants, one shared queue first in, first out, or one
/// queue per tenant in turn.
#[derive(Debug, Clone, PartialEq)]
pub struct Queue {
    /// How long a message waits for a consumer at most, seconds (compute's
    /// `queue_timeout_secs` is set to it).
    pub retention_secs: f64,
    /// How long after a consumer received a message whose processing
    /// failed the queue offers it again, seconds.
    pub visibility_secs: f64,
    /// Receives after which such a message goes to the dead-letter queue
    /// (none: offered again until the retention deletes it).
    pub max_receives: Option<u32>,
    /// USD per million queue requests.
    pub usd_per_million_requests: f64,
    /// Queue requests per message.
    pub requests_per_message: f64,
    /// A FIFO queue: a tenant's messages form one message group per key
    /// shard, each processed one message at a time.
    pub fifo: bool,
    /// A fair standard queue (docs/model.md, "Fair queues"): a shared
    /// queue gives its quiet tenants' messages to consumers before its
    /// noisy tenants'.
    pub fair: bool,
    /// Messages per second each queue accepts (FIFO queues; none for
    /// standard queues, which have no practical limit).
    pub send_rate_per_sec: Option<f64>,
    /// With serverless functions, the most messages of one queue processed
    /// at once (none: as many as the function allows).
    pub max_concurrency: Option<u32>,
    /// With serverless functions, the most messages one execution takes
    /// from its queue at once (1: one message an invocation).
    pub batch_size: u32,
    /// How long a queue's messages wait for their batch to fill, from the
    /// oldest one's arrival, seconds (0: they never wait for it).
    pub batch_window_secs: f64,
}

/// Compute layer.
#[derive(Debug, Clone, PartialEq)]
pub struct Compute {
    /// Service-time distribution.
    pub service: ServiceTime,
    /// Concurrent requests per instance.
    pub concurrency: u32,
    /// Instance bounds of pooled stacks and cells.
    pub pool_instances: InstanceBounds,
    /// Instance bounds of silo stacks.
    pub silo_instances: InstanceBounds,
    /// Autoscaling policy, if any.
    pub autoscale: Option<Autoscale>,
    /// Longest a request waits for a server, seconds: the queue timeout,
    /// or the queue layer's retention.
    pub queue_timeout_secs: f64,
    /// USD per instance-hour.
    pub usd_per_instance_hour: f64,
    /// Sharing policy.
    pub fairness: Fairness,
    /// Serverless functions instead of instances, if so.
    pub functions: Option<Functions>,
}

/// Serverless compute (docs/model.md, "Serverless functions"): each
/// compute stack is an account of `concurrency_limit` concurrent
/// executions. A tenant whose tier reserves concurrency has a function of
/// its own limited to its reservation; the stack's other tenants share one
/// function limited to what is left.
#[derive(Debug, Clone, PartialEq)]
pub struct Functions {
    /// Concurrent executions per stack.
    pub concurrency_limit: u32,
    /// Concurrency reserved per tenant, by tier (0: none).
    pub reserved_by_tier: Vec<u32>,
    /// Provisioned (always warm) environments of each function.
    pub provisioned: u32,
    /// Mean initialisation time of a new environment (exponential), seconds.
    pub cold_start_secs: f64,
    /// Idle time after which an environment is gone, seconds.
    pub keep_warm_secs: f64,
    /// New environments a function may add per 10 seconds.
    pub scale_per_10s: u32,
    /// Memory per environment, GB.
    pub memory_gb: f64,
    /// USD per million invocations.
    pub usd_per_million_requests: f64,
    /// USD per GB-second of execution.
    pub usd_per_gb_sec: f64,
    /// USD per GB-second of provisioned environment.
    pub provisioned_usd_per_gb_sec: f64,
    /// USD per GB-second of execution on a provisioned environment.
    pub provisioned_execution_usd_per_gb_sec: f64,
}

impl Functions {
    /// The concurrency tenant `tier` reserves per tenant (0: none).
    pub fn reserved(&self, tier: usize) -> u32 {
        self.reserved_by_tier.get(tier).copied().unwrap_or(0)
    }
}

/// Instance count bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InstanceBounds {
    /// Fewest instances.
    pub min: u32,
    /// Most instances.
    pub max: u32,
}

/// Target-tracking autoscaling.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Autoscale {
    /// Target utilisation (0–1).
    pub target_utilisation: f64,
    /// Evaluation period in seconds.
    pub evaluation_secs: f64,
    /// Warm-up delay in seconds.
    pub warmup_secs: f64,
}

/// Database layer.
#[derive(Debug, Clone, PartialEq)]
pub struct Database {
    /// Partitions per pooled table (and per cell).
    pub pool_partitions: u32,
    /// Partitions per silo table.
    pub silo_partitions: u32,
    /// Read units per second per partition.
    pub read_units_per_partition_per_sec: f64,
    /// Write units per second per partition.
    pub write_units_per_partition_per_sec: f64,
    /// Capacity pricing.
    pub pricing: DbPricing,
    /// USD per GB-month stored.
    pub storage_usd_per_gb_month: f64,
    /// The latency of one read or write, if any.
    pub latency: Option<ServiceTime>,
}

/// Relational database layer (docs/model.md, "Relational database"):
/// each database stack is a writer instance and its read replicas, each
/// with `vcpus` servers for queries and at most `max_connections` open
/// connections. A compute server waits for its request's query.
#[derive(Debug, Clone, PartialEq)]
pub struct Relational {
    /// Queries an instance runs at once.
    pub vcpus: u32,
    /// Connections an instance accepts.
    pub max_connections: u32,
    /// Memory of an instance, bytes.
    pub memory_bytes: f64,
    /// Relations (tables, indexes, sequences) in each tenant's schema.
    pub relations_per_schema: u32,
    /// CPU time of one query.
    pub query: ServiceTime,
    /// Read replicas per stack.
    pub read_replicas: u32,
    /// How tenants sharing an instance keep their data.
    pub tenancy: Tenancy,
    /// Connections a compute instance keeps open per database it uses.
    pub pool_per_instance: u32,
    /// A connection proxy in front of each stack, if any.
    pub proxy: Option<Proxy>,
    /// USD per instance-hour.
    pub usd_per_instance_hour: f64,
    /// USD per GB-month stored.
    pub storage_usd_per_gb_month: f64,
}

/// Memory a managed PostgreSQL instance budgets for each connection: its
/// default connection limit is its memory over this, at most 5,000.
pub const CONNECTION_BYTES: f64 = 9_531_392.0;

/// Memory a connection's catalog cache takes for each relation it has
/// used (a relation cache entry of a table with a few columns, with its
/// catalog rows: a few KB).
pub const RELATION_CATALOG_BYTES: f64 = 5.0 * 1024.0;

impl Relational {
    /// Instances per stack: the writer and its replicas.
    pub fn instances(&self) -> u32 {
        1 + self.read_replicas
    }

    /// Connections an instance holding the data of `tenants` tenants
    /// accepts. With a schema per tenant, every connection in time caches
    /// the catalog of every schema's relations (a pooled connection serves
    /// every tenant), beyond the one schema the per-connection memory
    /// allows for: fewer connections then fit in the instance's memory
    /// than `max_connections`. One schema, or a database per tenant (a
    /// connection belongs to one database), adds nothing.
    pub fn connections_for(&self, tenants: usize) -> u32 {
        if self.tenancy != Tenancy::SchemaPerTenant {
            return self.max_connections;
        }
        connections_with_schemas(self.memory_bytes, self.max_connections, self.relations_per_schema, tenants)
    }
}

/// Connections an instance of `memory_bytes` accepting `max_connections`
/// accepts when it holds `schemas` schemas of `relations` relations each,
/// every connection caching all their catalogs (see
/// [`Relational::connections_for`]).
pub fn connections_with_schemas(memory_bytes: f64, max_connections: u32, relations: u32, schemas: usize) -> u32 {
    if schemas < 2 {
        return max_connections;
    }
    let catalog = (schemas - 1) as f64 * f64::from(relations) * RELATION_CATALOG_BYTES;
    let fit = (memory_bytes / (CONNECTION_BYTES + catalog)).floor();
    (fit.max(1.0) as u32).min(max_connections)
}

/// How tenants sharing a relational instance keep their data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tenancy {
    /// One schema, rows keyed by tenant.
    SharedSchema,
    /// A schema per tenant in one database.
    SchemaPerTenant,
    /// A database per tenant (a connection pool per tenant database).
    DatabasePerTenant,
}

/// A connection proxy in front of a relational stack.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Proxy {
    /// Database connections it opens per instance.
    pub connections: u32,
    /// Longest a query waits for one of them, seconds.
    pub borrow_timeout_secs: f64,
    /// USD per hour per vCPU of the instances behind it.
    pub usd_per_vcpu_hour: f64,
}

/// Seconds of unused provisioned capacity a partition may bank as burst.
pub const DB_BURST_BANK_SECS: f64 = 300.0;

/// Database capacity pricing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DbPricing {
    /// Per request unit.
    OnDemand {
        /// USD per million read units.
        read_usd_per_million: f64,
        /// USD per million write units.
        write_usd_per_million: f64,
    },
    /// Per provisioned unit-hour.
    Provisioned {
        /// Read units per second per table.
        read_units_per_sec: f64,
        /// Write units per second per table.
        write_units_per_sec: f64,
        /// USD per read-unit-hour.
        read_usd_per_unit_hour: f64,
        /// USD per write-unit-hour.
        write_usd_per_unit_hour: f64,
    },
}

/// A layer of the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layer {
    /// The API gateway.
    Gateway,
    /// Compute.
    Compute,
    /// The database.
    Database,
}

/// The three layers, in request order (and as indices into per-layer
/// arrays).
pub const LAYERS: [Layer; 3] = [Layer::Gateway, Layer::Compute, Layer::Database];

impl Layer {
    /// Position in [`LAYERS`].
    pub fn index(self) -> usize {
        match self {
            Layer::Gateway => 0,
            Layer::Compute => 1,
            Layer::Database => 2,
        }
    }

    /// Lower-case name used in reports.
    pub fn label(self) -> &'static str {
        match self {
            Layer::Gateway => "gateway",
            Layer::Compute => "compute",
            Layer::Database => "database",
        }
    }
}

/// How a saturated compute stack shares its capacity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fairness {
    /// First come, first served: capacity follows arrivals.
    Fifo,
    /// Capacity divided by tier weight among tenants with work.
    WeightedFair,
}

/// How a shared stack's cost is divided among its tenants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attribution {
    /// By consumption: compute-seconds, capacity units, data stored, requests.
    Proportional,
    /// By request count in every layer.
    Requests,
    /// Equal share per tenant of the stack.
    Even,
    /// By the tiers' cost weights.
    TierWeights,
}

/// What happens to the cost of capacity nobody used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idle {
    /// Divided like the rest.
    Spread,
    /// Reported on its own "unallocated" line.
    Unallocated,
}

/// A design: for each layer, which stack serves each tenant.
#[derive(Debug, Clone, PartialEq)]
pub struct Design {
    /// Name.
    pub name: String,
    /// Fixed USD per month per stack.
    pub overhead_usd_per_stack_month: f64,
    /// Placement per layer, indexed by [`LayerName::index`]; an absent
    /// layer has no stacks.
    pub layers: [Topology; 3],
    /// The queues (no stacks without a queue layer): a Silo stack is a
    /// queue of one tenant, a Pool stack one shared by its tenants.
    pub queue: Topology,
}

/// The stacks of one layer in one design.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Topology {
    /// Stack index of each tenant.
    pub stack_of_tenant: Vec<u32>,
    /// Stacks in order of their first tenant.
    pub stacks: Vec<Stack>,
}

/// One stack (one instance of a layer's resources).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Stack {
    /// How the stack came to be.
    pub kind: StackKind,
    /// Human label, e.g. `silo acme`, `pool *`, `cell 2/4 basic`.
    pub label: String,
    /// Tenants it serves, in file order.
    pub tenants: Vec<u32>,
}

/// Kind of stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StackKind {
    /// Serves one tenant.
    Silo,
    /// Shared by all tenants of one placement entry.
    Pool,
    /// One of `of` cells of one placement entry.
    Cell {
        /// Zero-based cell number.
        index: u32,
        /// Number of cells.
        of: u32,
    },
}

/// A scheduled event.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Event {
    /// A tenant's rate multiplied for a window.
    Spike {
        /// Spiking tenant.
        tenant: TenantId,
        /// Window start in seconds.
        start_secs: f64,
        /// Window end in seconds.
        end_secs: f64,
        /// Rate multiplier.
        factor: f64,
    },
    /// Capacity lost in every stack of a layer for a window.
    CapacityLoss {
        /// Affected layer.
        layer: Layer,
        /// Window start in seconds.
        start_secs: f64,
        /// Window end in seconds.
        end_secs: f64,
        /// Fraction lost.
        fraction: f64,
    },
}

impl Event {
    /// Window `[start, end)` in seconds.
    pub fn window_secs(&self) -> (f64, f64) {
        match *self {
            Event::Spike { start_secs, end_secs, .. } | Event::CapacityLoss { start_secs, end_secs, .. } => {
                (start_secs, end_secs)
            }
        }
    }
}

/// A tenant's rate multiplied by `factor` over `[start_secs, end_secs)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spike {
    /// The spiking tenant.
    pub tenant: usize,
    /// Window start, seconds.
    pub start_secs: f64,
    /// Window end, seconds.
    pub end_secs: f64,
    /// Rate multiplier.
    pub factor: f64,
}

impl Spike {
    /// True while the spike runs at `t_secs`.
    #[inline]
    pub fn runs_at(&self, t_secs: f64) -> bool {
        t_secs >= self.start_secs && t_secs < self.end_secs
    }
}

/// The product of tenant `t`'s spikes running at `t_secs`.
pub fn spike_factor_at(spikes: &[Spike], t: usize, t_secs: f64) -> f64 {
    let mut factor = 1.0;
    for s in spikes {
        if s.tenant == t && s.runs_at(t_secs) {
            factor *= s.factor;
        }
    }
    factor
}

/// Cost settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CostSettings {
    /// Attribution method for shared stacks.
    pub attribution: Attribution,
    /// Idle-capacity handling.
    pub idle: Idle,
    /// Hours in a billing month.
    pub hours_per_month: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: f64 = 3600.0;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * b.abs().max(1.0)
    }

    #[test]
    fn constant_is_one_at_every_time_and_start_hour() {
        for t in [0.0, 1.0, 12.5 * HOUR, 1e7] {
            for start in [0.0, 9.0, 23.5] {
                assert_eq!(Pattern::Constant.factor_at(t, start), 1.0);
            }
        }
    }

    #[test]
    fn no_pattern_goes_below_its_floor_and_each_reaches_it() {
        let patterns = [
            Pattern::Constant,
            Pattern::Diurnal { peak_hour: 14.0, amplitude: 0.5 },
            Pattern::Diurnal { peak_hour: 3.0, amplitude: 0.3 },
            Pattern::Diurnal { peak_hour: 0.0, amplitude: 1.7 },
            Pattern::Bursty { on_secs: 30.0, off_secs: 90.0, factor: 4.0 },
            Pattern::Bursty { on_secs: 30.0, off_secs: 90.0, factor: 0.2 },
            Pattern::Ramp { to_factor: 3.0, over_secs: 600.0 },
            Pattern::Ramp { to_factor: 0.3, over_secs: 600.0 },
        ];
        for p in patterns {
            let floor = p.floor();
            // Every second of two days (troughs and ramps' ends included).
            let lowest = (0..2 * 86_400).map(|s| p.factor_at(f64::from(s), 0.0)).fold(f64::INFINITY, f64::min);
            assert!(lowest >= floor, "{p:?}: {lowest} below the floor {floor}");
            assert!(lowest - floor < 1e-9, "{p:?}: its lowest {lowest} is above the floor {floor}");
            assert!(floor <= p.peak());
        }
    }

    #[test]
    fn diurnal_peaks_at_peak_hour_and_bottoms_out_twelve_hours_later() {
        let p = Pattern::Diurnal { peak_hour: 14.0, amplitude: 0.4 };
        // Run starting at midnight: peak 14 h in, trough at 02:00 (2 h in
        // and 26 h in), mean level 1 at the quarter days 08:00 and 20:00.
        assert!(close(p.factor_at(14.0 * HOUR, 0.0), 1.4));
        assert!(close(p.factor_at(38.0 * HOUR, 0.0), 1.4), "a day later, the same peak");
        assert!(close(p.factor_at(2.0 * HOUR, 0.0), 0.6));
        assert!(close(p.factor_at(26.0 * HOUR, 0.0), 0.6));
        assert!((p.factor_at(8.0 * HOUR, 0.0) - 1.0).abs() < 1e-12);
        assert!((p.factor_at(20.0 * HOUR, 0.0) - 1.0).abs() < 1e-12);
        // 1 + a·cos(2π·3/24) three hours off the peak, either side.
        let three_off = 1.0 + 0.4 * (std::f64::consts::PI / 4.0).cos();
        assert!(close(p.factor_at(11.0 * HOUR, 0.0), three_off));
        assert!(close(p.factor_at(17.0 * HOUR, 0.0), three_off));
        // The start hour shifts the clock: starting at 09:00, the peak is
        // 5 h into the run and the trough 17 h in.
        assert!(close(p.factor_at(5.0 * HOUR, 9.0), 1.4));
        assert!(close(p.factor_at(17.0 * HOUR, 9.0), 0.6));
        assert!(close(p.factor_at(0.0, 9.0), p.factor_at(9.0 * HOUR, 0.0)));
        // Never above 1 + a nor below 1 − a, sampled every minute of a day.
        for minute in 0..24 * 60 {
            let f = p.factor_at(f64::from(minute) * 60.0, 0.0);
            assert!((0.6 - 1e-12..=1.4 + 1e-12).contains(&f), "minute {minute}: {f}");
        }
    }

    #[test]
    fn diurnal_of_full_amplitude_touches_zero_and_is_never_negative() {
        let p = Pattern::Diurnal { peak_hour: 0.0, amplitude: 1.0 };
        assert!(close(p.factor_at(0.0, 0.0), 2.0));
        assert!(p.factor_at(12.0 * HOUR, 0.0).abs() < 1e-12);
        for second in (0..86_400).step_by(7) {
            assert!(p.factor_at(f64::from(second), 0.0) >= 0.0, "negative at {second} s");
        }
    }

    #[test]
    fn bursty_starts_on_and_switches_at_the_boundaries() {
        let p = Pattern::Bursty { on_secs: 20.0, off_secs: 40.0, factor: 6.0 };
        // On over [0, 20), off over [20, 60), on again over [60, 80) …
        for (t, want) in [
            (0.0, 6.0),
            (19.999, 6.0),
            (20.0, 1.0),
            (59.999, 1.0),
            (60.0, 6.0),
            (79.0, 6.0),
            (80.0, 1.0),
            (6000.0, 6.0),
            (6030.0, 1.0),
        ] {
            assert_eq!(p.factor_at(t, 0.0), want, "t = {t}");
        }
        // The start hour plays no part.
        assert_eq!(p.factor_at(10.0, 13.0), 6.0);
        // A factor below 1 is a dip: 0 while "on".
        let dip = Pattern::Bursty { on_secs: 5.0, off_secs: 5.0, factor: 0.0 };
        assert_eq!((dip.factor_at(4.0, 0.0), dip.factor_at(5.0, 0.0)), (0.0, 1.0));
    }

    #[test]
    fn ramp_starts_at_one_reaches_its_factor_and_stays() {
        let up = Pattern::Ramp { to_factor: 4.0, over_secs: 180.0 };
        assert!(close(up.factor_at(0.0, 0.0), 1.0));
        assert!(close(up.factor_at(90.0, 0.0), 2.5), "midpoint (1 + 4) / 2");
        assert!(close(up.factor_at(60.0, 0.0), 2.0), "a third of the way: 1 + 3/3");
        assert!(close(up.factor_at(180.0, 0.0), 4.0));
        assert!(close(up.factor_at(1e6, 0.0), 4.0), "stays after the ramp");
        let down = Pattern::Ramp { to_factor: 0.0, over_secs: 100.0 };
        assert!(close(down.factor_at(25.0, 0.0), 0.75));
        assert!(close(down.factor_at(100.0, 0.0), 0.0));
        // Over 0 s it jumps at once.
        let jump = Pattern::Ramp { to_factor: 3.0, over_secs: 0.0 };
        assert!(close(jump.factor_at(0.0, 0.0), 3.0));
        assert!(close(jump.factor_at(10.0, 0.0), 3.0));
    }
}
