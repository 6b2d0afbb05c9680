//! The `plans` section as written: named studies that sweep one or two
//! knobs of the scenario over a range of values, ask questions of the
//! results (crossover, break-even, goal-seek) and search for the cheapest
//! design. Checked by [`crate::scenario::plan`].

use serde::{Deserialize, Serialize};

use super::{LayerName, MetricFile, PlacementFile};

/// One planning study.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Plan")]
pub struct PlannerFile {
    /// Name, unique among the file's plans (`tenantsim plan --plan NAME`).
    pub name: String,
    /// What the study is for, shown above its answers.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The knobs swept: none (a search over placements only), one (a
    /// curve) or two (a grid).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub axes: Vec<AxisFile>,
    /// Designs run at every point, by name (default: every design).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub designs: Vec<String>,
    /// Replications at every point (default: the clock's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replications: Option<u32>,
    /// Questions answered from the sweep (one-axis plans).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ask: Vec<QuestionFile>,
    /// A search for the cheapest design that meets constraints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search: Option<SearchFile>,
    /// Claims about the answers that the tests check on three seeds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expect: Vec<AnswerClaimFile>,
}

/// A claim about one of a plan's answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Claim")]
pub struct AnswerClaimFile {
    /// Why it holds, shown to attendees.
    #[serde(default)]
    pub why: String,
    /// Position of the question in `ask`.
    pub answer: usize,
    /// What is claimed.
    pub holds: ClaimFile,
}

/// What a claim says of an answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum ClaimFile {
    /// The question has an answer in the swept range.
    Found,
    /// It has none.
    NotFound,
    /// The answer's value lies from `low` to `high`.
    Within {
        /// Smallest value allowed.
        low: f64,
        /// Largest value allowed.
        high: f64,
    },
    /// The answer's value is at least this.
    AtLeast(f64),
    /// The answer's value is at most this.
    AtMost(f64),
}

/// One swept knob and its values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Axis")]
pub struct AxisFile {
    /// What the axis changes.
    pub knob: KnobFile,
    /// The values it takes.
    pub values: ValuesFile,
}

/// A number of the scenario an axis can change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum KnobFile {
    /// A tier's price, USD per month.
    TierPrice {
        /// Tier name.
        tier: String,
    },
    /// A tier's p99 objective, ms.
    SloP99 {
        /// Tier name.
        tier: String,
    },
    /// A tier's largest unserved share allowed by its SLO (0–1).
    MaxThrottled {
        /// Tier name.
        tier: String,
    },
    /// The oldest a tier's message may get by its SLO, seconds (the
    /// scenario must have a queue layer).
    MaxMessageAgeSecs {
        /// Tier name.
        tier: String,
    },
    /// The refill rate of a tier's usage plan, req/s.
    PlanRate {
        /// Tier name.
        tier: String,
    },
    /// The bucket size of a tier's usage plan, requests.
    PlanBurst {
        /// Tier name.
        tier: String,
    },
    /// A tier's daily quota, requests (integer).
    QuotaPerDay {
        /// Tier name.
        tier: String,
    },
    /// A tier's monthly quota, requests (integer).
    QuotaPerMonth {
        /// Tier name.
        tier: String,
    },
    /// The base rate of a tenant (by id) or group (by prefix), req/s.
    TenantRate {
        /// Tenant id or group prefix.
        tenant: String,
    },
    /// The number of tenants of a group (integer).
    GroupCount {
        /// Group prefix.
        prefix: String,
    },
    /// Partition keys of a tenant or group (integer).
    KeyShards {
        /// Tenant id or group prefix.
        tenant: String,
    },
    /// A pooled compute stack's fewest instances (integer; the most is
    /// raised to it when lower).
    InstancesMin,
    /// A pooled compute stack's most instances (integer).
    InstancesMax,
    /// Requests one instance serves at once (integer).
    Concurrency,
    /// Seconds queued work waits before it is dropped.
    QueueTimeoutSecs,
    /// Seconds the queue layer keeps a message for a consumer.
    QueueRetentionSecs,
    /// Seconds the queue layer hides a message a consumer received.
    QueueVisibilitySecs,
    /// Seconds a queue's messages wait for their batch to fill (serverless
    /// functions with batches).
    QueueBatchWindowSecs,
    /// Messages a second a FIFO queue accepts (its send limit).
    QueueSendRate,
    /// The most executions each queue's event source runs at once
    /// (serverless functions).
    QueueMaxConcurrency,
    /// The most messages a function's execution takes from its queue at
    /// once (serverless functions; 1 to 10).
    QueueBatchSize,
    /// The autoscaler's target utilisation (0–1).
    TargetUtilisation,
    /// The shared gateway account rate per stack, req/s.
    AccountRate,
    /// Serverless: the concurrency limit of each stack (integer).
    FunctionsConcurrency,
    /// Serverless: the concurrency a tier reserves per tenant (integer; 0
    /// for none).
    FunctionsReserved {
        /// Tier name.
        tier: String,
    },
    /// Serverless: provisioned environments per function (integer).
    FunctionsProvisioned,
    /// Relational: vCPUs of each instance (integer).
    DatabaseVcpus,
    /// Relational: read replicas of each stack (integer).
    ReadReplicas,
    /// Relational: connections each instance accepts (integer).
    MaxConnections,
    /// Relational: connections each compute instance keeps per database
    /// (integer).
    PoolPerInstance,
    /// Relational: relations in each tenant's schema (integer), whose
    /// catalog every connection caches with a schema per tenant.
    RelationsPerSchema,
    /// Client retries: most attempts of a tier's clients (integer; the tier
    /// must retry).
    RetryAttempts {
        /// Tier name.
        tier: String,
    },
    /// Client retries: a tier's retry budget, retries per request (0–1;
    /// the tier must retry).
    RetryBudget {
        /// Tier name.
        tier: String,
    },
    /// Client retries: how long a tier's clients wait for each attempt,
    /// seconds (the tier must retry).
    ClientTimeoutSecs {
        /// Tier name.
        tier: String,
    },
    /// Serverless: memory per environment, MB.
    FunctionsMemoryMb,
    /// The factor of the `index`th event (a spike).
    SpikeFactor {
        /// Position in `events`.
        index: usize,
    },
    /// The number of cells `k` of a design's `Cells(k)` placement for a key
    /// (integer).
    Cells {
        /// Design name.
        design: String,
        /// Placement key (tenant, tier or `"*"`).
        key: String,
        /// Only this layer (default: the placement of every layer).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        layer: Option<LayerName>,
    },
    /// A design's placement of a key (values: `Placements([...])`).
    Placement {
        /// Design name.
        design: String,
        /// Placement key (tenant, tier or `"*"`).
        key: String,
        /// Only this layer (default: every layer).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        layer: Option<LayerName>,
    },
}

/// The values of an axis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum ValuesFile {
    /// These numbers, in this order.
    List(Vec<f64>),
    /// `from`, `from + step`, … up to `to` (included when on the grid).
    Linear {
        /// First value.
        from: f64,
        /// Last value (at most).
        to: f64,
        /// Distance between values.
        step: f64,
    },
    /// `points` values from `from` to `to`, evenly spaced on a log scale
    /// (rounded and deduplicated on integer knobs).
    Geometric {
        /// First value (greater than zero).
        from: f64,
        /// Last value.
        to: f64,
        /// How many values.
        points: u32,
    },
    /// Placements, for a `Placement` knob.
    Placements(Vec<PlacementFile>),
}

/// A figure the planner reads, for the design a question names: the
/// design's, a tier's or a tenant's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Figure")]
pub struct PlanFigureFile {
    /// Which figure.
    pub metric: MetricFile,
    /// Restrict to a tier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    /// Restrict to a tenant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
}

/// A question a one-axis plan answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum QuestionFile {
    /// Where `figure` of design `a` crosses the same figure of design `b`.
    Crossover {
        /// The figure compared.
        figure: PlanFigureFile,
        /// First design.
        a: String,
        /// Second design.
        b: String,
    },
    /// Where `figure` of `design` crosses `value` (margin = 0: break-even).
    Crosses {
        /// Design name.
        design: String,
        /// The figure.
        figure: PlanFigureFile,
        /// The value it crosses.
        #[serde(default)]
        value: f64,
    },
    /// The smallest axis value at which every constraint holds for `design`.
    Smallest {
        /// Design name.
        design: String,
        /// What must hold.
        constraints: Vec<ConstraintFile>,
    },
    /// The largest axis value at which every constraint holds for `design`.
    Largest {
        /// Design name.
        design: String,
        /// What must hold.
        constraints: Vec<ConstraintFile>,
    },
}

/// Something a design must satisfy, judged on the conservative side of the
/// 95 % confidence interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum ConstraintFile {
    /// Every tenant of every tier meets its SLO in every replication.
    AllSlosMet,
    /// Every tenant of `tier` meets its SLO in every replication.
    SloMet {
        /// Tier name.
        tier: String,
    },
    /// The figure's upper confidence bound is at most `value`.
    AtMost {
        /// The figure.
        figure: PlanFigureFile,
        /// Bound.
        value: f64,
    },
    /// The figure's lower confidence bound is at least `value`.
    AtLeast {
        /// The figure.
        figure: PlanFigureFile,
        /// Bound.
        value: f64,
    },
}

/// What the cheapest-design search minimises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ObjectiveFile {
    /// Total cost per month (usage scaled to a month plus overheads).
    #[default]
    MinCost,
    /// Revenue minus total cost, maximised.
    MaxMargin,
    /// The steady cost per month (the month without the spikes), so that
    /// a rare incident is not billed as if it happened every run.
    MinSteadyCost,
}

/// A search over placements (per key and per layer) and the plan's axes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Search")]
pub struct SearchFile {
    /// The design candidates start from (overhead and keys not searched).
    pub base: String,
    /// Placement keys searched: tier names, tenant ids or `"*"`.
    pub keys: Vec<String>,
    /// Layers placed separately; empty places every layer alike.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub layers: Vec<LayerName>,
    /// Placements tried for every key (and layer).
    pub placements: Vec<PlacementFile>,
    /// What is minimised.
    #[serde(default)]
    pub objective: ObjectiveFile,
    /// What every candidate must satisfy.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<ConstraintFile>,
}
