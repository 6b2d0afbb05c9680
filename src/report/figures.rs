//! The one table of report figures.
//!
//! Every headline figure a front end shows (the CLI's comparison, the
//! app's Compare view, the lessons' claims, the planner's answers) is one
//! row of [`FIGURES`]: its id, label, help text, unit, which direction is
//! better, where it sits in the comparison, and how it is read from a
//! report for a design, a tier or a tenant. A new figure is one row here.
//!
//! Numbers are shown by [`Unit::format`], which writes a confidence
//! half-width only when it is material.

use crate::report::{DesignReport, Estimate, TenantReport};

/// Which figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FigureId {
    /// Cost per month: a design's total, a tier's or a tenant's attributed.
    Cost,
    /// Cost not attributed to any tenant.
    Unallocated,
    /// Cost per month of the same design without its spikes.
    SteadyCost,
    /// What the spikes add, once (not per month).
    IncidentCost,
    /// Mean attributed cost per tenant (a tenant's own cost).
    CostPerTenant,
    /// The largest attributed cost of one tenant.
    WorstCostPerTenant,
    /// Sum of tier prices.
    Revenue,
    /// Revenue minus cost.
    Margin,
    /// Share of tenants meeting their SLO (a tenant: share of replications).
    SloMet,
    /// Share of offered requests throttled at the gateway.
    Throttled,
    /// Requests throttled by the tenant's own usage plan.
    ThrottledPlan,
    /// Requests throttled by the shared account bucket.
    ThrottledAccount,
    /// Requests throttled by their function (serverless concurrency).
    ThrottledConcurrency,
    /// Messages throttled by their FIFO queue's send limit.
    ThrottledQueue,
    /// Requests that started a new function environment.
    ColdStarts,
    /// Executions of serverless functions (a batch of messages is one).
    Invocations,
    /// Attempts that were clients' retries.
    Retries,
    /// Share of offered requests throttled or dropped.
    Unserved,
    /// Requests dropped after admission.
    Dropped,
    /// Requests dropped by saturated database partitions.
    DroppedPartition,
    /// Attempts not answered before the client's own timeout.
    TimedOutClient,
    /// Share of compute busy time spent on attempts nobody waited for.
    WastedWork,
    /// Mean time a served request's message waited in the queue layer.
    QueueMs,
    /// The peak age of a tenant's oldest message in the queue layer.
    OldestMessage,
    /// Messages offered again after their processing failed.
    Redelivered,
    /// Messages processed again because a consumer outlived the visibility
    /// timeout.
    Duplicates,
    /// Messages moved to the dead-letter queue.
    DeadLettered,
    /// Requests that found no relational connection.
    DroppedConnections,
    /// p99 latency: a design's worst tenant, a tier's, a tenant's.
    P99,
    /// Tenants hurt by other tenants' spikes.
    TenantsHurt,
    /// Rise of p99 inside other tenants' spike windows (a design: the worst).
    ImpactP99,
}

/// How a figure's numbers are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// US dollars (per month, but for a figure that says "once").
    Usd,
    /// A fraction shown as a percentage.
    Percent,
    /// Milliseconds.
    Ms,
    /// A count of tenants out of the scenario's tenants.
    Tenants,
    /// A count of requests.
    Requests,
}

/// Which way a figure is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    /// Smaller is better (cost, latency, throttling).
    Lower,
    /// Larger is better (margin, SLO met).
    Higher,
    /// No ranking (revenue, who hurt whom).
    Neither,
}

/// Section headings of the comparison, in order.
pub const SECTIONS: [&str; 4] = ["Cost", "Revenue and margin", "Service", "Noisy neighbours"];

/// Where a figure sits in the design comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompareSlot {
    /// Index into [`SECTIONS`].
    pub section: usize,
    /// 0 for the headline rows kept when space is short, 1 for the main
    /// rows, 2 for details.
    pub priority: u8,
    /// Drawn indented under the row above.
    pub indent: bool,
    /// One sub-row per tier follows, at this priority.
    pub tier_rows: Option<u8>,
    /// Shown only when the run has spikes (without them it would repeat
    /// another row or read zero).
    pub spikes_only: bool,
    /// Shown only when some design's figure is not zero (a figure of a
    /// kind of layer the scenario may not have).
    pub zero_hidden: bool,
}

/// One figure: what it is, how it reads and how it is shown.
#[derive(Debug, Clone, Copy)]
pub struct Figure {
    /// Which figure.
    pub id: FigureId,
    /// Stable machine name (JSON, CSV, sort keys).
    pub key: &'static str,
    /// Label at design level.
    pub label: &'static str,
    /// What it means; `{month}` stands for the billing month's length.
    pub help: &'static str,
    /// Label of a tier's sub-row; `{tier}` stands for the tier's name.
    pub tier_label: &'static str,
    /// Help of a tier's sub-row; `{tier}` and `{slo}` (its objective).
    pub tier_help: &'static str,
    /// Unit of its numbers.
    pub unit: Unit,
    /// Which way is better.
    pub better: Better,
    /// Its row in the comparison, if it has one.
    pub compare: Option<CompareSlot>,
    design: Option<fn(&DesignReport) -> Estimate>,
    tier: Option<fn(&DesignReport, usize) -> Option<Estimate>>,
    tenant: Option<fn(&TenantReport) -> Estimate>,
}

/// What a figure is read for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope<'a> {
    /// The whole design.
    Design,
    /// One tier, by index in the report's tiers.
    Tier(usize),
    /// One tenant, by id.
    Tenant(&'a str),
}

/// Why a figure cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// Occurs when a figure does not exist at the scope asked for.
    #[error("{figure} is not a {scope} figure")]
    NoSuchScope {
        /// The figure's label.
        figure: &'static str,
        /// `design`, `tier` or `tenant`.
        scope: &'static str,
    },
    /// Occurs when the tier index is out of range.
    #[error("no tier {0}")]
    NoSuchTier(usize),
    /// Occurs when no tenant has the id.
    #[error("no tenant \"{0}\"")]
    NoSuchTenant(String),
}

const fn slot(section: usize, priority: u8) -> Option<CompareSlot> {
    Some(CompareSlot { section, priority, indent: false, tier_rows: None, spikes_only: false, zero_hidden: false })
}

/// A main row of the Service section shown only when some design's figure
/// is not zero (a figure of a kind of layer or client the scenario may not
/// have).
const fn service_detail() -> Option<CompareSlot> {
    Some(CompareSlot { section: 2, priority: 1, indent: false, tier_rows: None, spikes_only: false, zero_hidden: true })
}

const BASE: Figure = Figure {
    id: FigureId::Cost,
    key: "",
    label: "",
    help: "",
    tier_label: "",
    tier_help: "",
    unit: Unit::Usd,
    better: Better::Lower,
    compare: None,
    design: None,
    tier: None,
    tenant: None,
};

/// Every figure, in the order of the comparison.
pub const FIGURES: [Figure; 31] = [
    Figure {
        id: FigureId::Cost,
        key: "cost",
        label: "Total cost / month",
        help: "Total cost per month: usage during the run scaled to {month}, plus the fixed overhead of every stack. \
               Lower is better.",
        compare: slot(0, 0),
        design: Some(|d| d.totals.cost_usd_per_month),
        tier: Some(|d, k| d.tiers.get(k).map(|t| t.cost_usd_per_month)),
        tenant: Some(|t| t.cost_usd_per_month),
        ..BASE
    },
    Figure {
        id: FigureId::Unallocated,
        key: "unallocated",
        label: "Unallocated",
        help: "Cost not attributed to any tenant (idle capacity kept as its own line, empty cells). Tenant costs + \
               unallocated = total cost, exactly.",
        compare: Some(CompareSlot {
            section: 0,
            priority: 2,
            indent: true,
            tier_rows: None,
            spikes_only: false,
            zero_hidden: false,
        }),
        design: Some(|d| d.totals.unallocated_usd_per_month),
        ..BASE
    },
    Figure {
        id: FigureId::SteadyCost,
        key: "steady_cost",
        label: "Steady cost / month",
        help: "Total cost per month of the same design without its spikes: the run without them, scaled to {month}, \
               plus the fixed overhead of every stack. Total cost / month bills the run's spikes as if they came back \
               every run-length; this is the month with no incident. Lower is better.",
        compare: Some(CompareSlot {
            section: 0,
            priority: 1,
            indent: true,
            tier_rows: None,
            spikes_only: true,
            zero_hidden: false,
        }),
        design: Some(|d| d.totals.steady_cost_usd_per_month),
        tier: Some(|d, k| d.tiers.get(k).map(|t| t.steady_cost_usd_per_month)),
        tenant: Some(|t| t.steady_cost_usd_per_month),
        ..BASE
    },
    Figure {
        id: FigureId::IncidentCost,
        key: "incident_cost",
        label: "Incident cost (once)",
        help: "What the run's spikes add, counted once: the run's cost with them minus without them, both over the \
               run's length, not scaled to a month. A month with one such incident costs the steady cost plus this. \
               Lower is better.",
        compare: Some(CompareSlot {
            section: 0,
            priority: 1,
            indent: true,
            tier_rows: None,
            spikes_only: true,
            zero_hidden: false,
        }),
        design: Some(|d| d.totals.incident_cost_usd),
        tier: Some(|d, k| d.tiers.get(k).map(|t| t.incident_cost_usd)),
        tenant: Some(|t| t.incident_cost_usd),
        ..BASE
    },
    Figure {
        id: FigureId::CostPerTenant,
        key: "cost_per_tenant",
        label: "Mean cost / tenant",
        help: "Attributed cost per tenant per month, averaged over tenants. Silo stacks belong to their tenant; \
               shared stacks are split by the scenario's attribution method.",
        compare: slot(0, 1),
        design: Some(|d| d.totals.mean_cost_per_tenant_usd_per_month),
        tier: Some(|d, k| {
            d.tiers.get(k).map(|t| {
                let n = t.tenants.max(1) as f64;
                Estimate { mean: t.cost_usd_per_month.mean / n, ci95: t.cost_usd_per_month.ci95 / n }
            })
        }),
        tenant: Some(|t| t.cost_usd_per_month),
        ..BASE
    },
    Figure {
        id: FigureId::WorstCostPerTenant,
        key: "worst_cost_per_tenant",
        label: "Worst cost / tenant",
        help: "The largest attributed monthly cost of any one tenant.",
        compare: slot(0, 1),
        design: Some(|d| d.totals.worst_cost_per_tenant_usd_per_month),
        ..BASE
    },
    Figure {
        id: FigureId::Revenue,
        key: "revenue",
        label: "Revenue / month",
        help: "Sum of every tenant's tier price per month. The same in every design: a design changes cost, not \
               price.",
        better: Better::Neither,
        compare: slot(1, 1),
        design: Some(|d| Estimate::exact(d.totals.revenue_usd_per_month)),
        tier: Some(|d, k| d.tiers.get(k).map(|t| Estimate::exact(t.revenue_usd_per_month))),
        tenant: Some(|t| Estimate::exact(t.revenue_usd_per_month)),
        ..BASE
    },
    Figure {
        id: FigureId::Margin,
        key: "margin",
        label: "Margin / month",
        help: "Revenue minus total cost, per month. Higher is better.",
        tier_label: "Margin {tier}",
        tier_help: "The {tier} tier's revenue minus the cost attributed to its tenants, per month.",
        better: Better::Higher,
        compare: Some(CompareSlot {
            section: 1,
            priority: 0,
            indent: false,
            tier_rows: Some(2),
            spikes_only: false,
            zero_hidden: false,
        }),
        design: Some(|d| d.totals.margin_usd_per_month),
        tier: Some(|d, k| d.tiers.get(k).map(|t| t.margin_usd_per_month)),
        tenant: Some(|t| t.margin_usd_per_month),
        ..BASE
    },
    Figure {
        id: FigureId::SloMet,
        key: "slo_met",
        label: "SLO met (tenants)",
        help: "Share of tenants that met their tier's service-level objective over the run: p99 latency under the \
               objective and, where the tier sets one, throttled share under its maximum. Higher is better.",
        tier_label: "SLO met {tier}",
        tier_help: "Share of the {tier} tier's tenants that met its SLO{slo}.",
        unit: Unit::Percent,
        better: Better::Higher,
        compare: Some(CompareSlot {
            section: 2,
            priority: 0,
            indent: false,
            tier_rows: Some(1),
            spikes_only: false,
            zero_hidden: false,
        }),
        design: Some(|d| d.totals.slo_met_fraction),
        tier: Some(|d, k| d.tiers.get(k).map(|t| t.slo_met_fraction)),
        tenant: Some(|t| t.slo_met),
    },
    Figure {
        id: FigureId::Throttled,
        key: "throttled",
        label: "Throttled",
        help: "Requests rejected at the gateway (usage plan, quota or the shared account limit) or by a serverless \
               function's concurrency, as a share of requests offered. Lower is better.",
        unit: Unit::Percent,
        compare: slot(2, 1),
        design: Some(|d| d.totals.throttled_fraction),
        ..BASE
    },
    Figure {
        id: FigureId::ThrottledPlan,
        key: "throttled_plan",
        label: "Throttled by its plan",
        help: "Requests the tenant's own usage-plan bucket refused.",
        unit: Unit::Requests,
        tenant: Some(|t| t.throttled.plan),
        ..BASE
    },
    Figure {
        id: FigureId::ThrottledAccount,
        key: "throttled_account",
        label: "Throttled by the account",
        help: "Requests the shared account bucket of the tenant's gateway stack refused.",
        unit: Unit::Requests,
        tenant: Some(|t| t.throttled.account),
        ..BASE
    },
    Figure {
        id: FigureId::ThrottledConcurrency,
        key: "throttled_concurrency",
        label: "Throttled by concurrency",
        help: "Requests the tenant's function refused at once: every execution its concurrency allows was running, \
               or it could not start a new environment yet (serverless compute).",
        unit: Unit::Requests,
        tenant: Some(|t| t.throttled.concurrency),
        ..BASE
    },
    Figure {
        id: FigureId::ThrottledQueue,
        key: "throttled_queue",
        label: "Throttled by the queue",
        help: "Messages the tenant's FIFO queue refused: more were sent to it in a second than its send limit. A \
               shared queue's limit is shared by its tenants.",
        unit: Unit::Requests,
        tenant: Some(|t| t.throttled.queue),
        ..BASE
    },
    Figure {
        id: FigureId::ColdStarts,
        key: "cold_starts",
        label: "Cold starts",
        help: "Requests that waited for a new function environment to initialise (serverless compute). Lower is \
               better.",
        unit: Unit::Requests,
        compare: service_detail(),
        design: Some(|d| d.totals.cold_starts),
        tenant: Some(|t| t.cold_starts),
        ..BASE
    },
    Figure {
        id: FigureId::Invocations,
        key: "invocations",
        label: "Function invocations",
        help: "Executions of serverless functions: one per request, or per batch of messages a queue's event \
               source hands a function at once. A tenant's share is 1 for a message processed alone and 1/k for \
               each message of a batch of k. Functions and the queue's receive and delete calls are paid per \
               invocation.",
        unit: Unit::Requests,
        compare: service_detail(),
        design: Some(|d| d.totals.invocations),
        tenant: Some(|t| t.invocations),
        ..BASE
    },
    Figure {
        id: FigureId::Retries,
        key: "retries",
        label: "Retries",
        help: "Attempts that were clients retrying a failed request (throttled, timed out or dropped), counted in \
               the requests offered: the load retries add. Lower is better.",
        unit: Unit::Requests,
        compare: service_detail(),
        design: Some(|d| d.totals.retries),
        tenant: Some(|t| t.retries),
        ..BASE
    },
    Figure {
        id: FigureId::Unserved,
        key: "unserved",
        label: "Unserved",
        help: "Requests throttled or dropped (queue timeout, saturated database partition), as a share of requests \
               offered. When clients retry, a request counts once: unserved when its last attempt failed. Lower is \
               better.",
        unit: Unit::Percent,
        compare: slot(2, 0),
        design: Some(|d| d.totals.unserved_fraction),
        tier: Some(|d, k| d.tiers.get(k).map(|t| t.unserved_fraction)),
        tenant: Some(|t| t.unserved_fraction),
        ..BASE
    },
    Figure {
        id: FigureId::Dropped,
        key: "dropped",
        label: "Dropped",
        help: "Requests admitted but not served: timed out in a compute queue, refused by a saturated database \
               partition, or not answered before the client's own timeout.",
        unit: Unit::Requests,
        design: Some(|d| d.totals.dropped),
        tenant: Some(|t| t.dropped.total),
        ..BASE
    },
    Figure {
        id: FigureId::DroppedPartition,
        key: "dropped_partition",
        label: "Dropped by partitions",
        help: "Requests refused by a saturated database partition.",
        unit: Unit::Requests,
        tenant: Some(|t| t.dropped.partition),
        ..BASE
    },
    Figure {
        id: FigureId::DroppedConnections,
        key: "dropped_connections",
        label: "Dropped for connections",
        help: "Requests whose query found no connection to the relational database: the compute instances using it \
               keep more connections open than it accepts, or the query waited past the proxy's borrow timeout. \
               Lower is better.",
        unit: Unit::Requests,
        compare: service_detail(),
        design: Some(|d| d.totals.dropped_connections),
        tenant: Some(|t| t.dropped.connections),
        ..BASE
    },
    Figure {
        id: FigureId::TimedOutClient,
        key: "timed_out_client",
        label: "Timed out at the client",
        help: "Attempts not answered before the client's own timeout (its tier's retry timeout): the client gave up \
               on them, and retried them if it could. Lower is better.",
        unit: Unit::Requests,
        tenant: Some(|t| t.dropped.client),
        ..BASE
    },
    Figure {
        id: FigureId::WastedWork,
        key: "wasted_work",
        label: "Wasted work",
        help: "The share of compute busy time spent on attempts whose client had already given up (its own \
               timeout): the server finished them for nobody. Lower is better.",
        unit: Unit::Percent,
        compare: service_detail(),
        design: Some(|d| d.totals.wasted_work_fraction),
        tenant: Some(|t| t.wasted_work),
        ..BASE
    },
    Figure {
        id: FigureId::QueueMs,
        key: "queue_ms",
        label: "Time in queue",
        help: "The mean time a served request's message waited in the queue layer for a consumer, ms. Lower is \
               better.",
        unit: Unit::Ms,
        tenant: Some(|t| t.latency_by_layer.queue_ms),
        ..BASE
    },
    Figure {
        id: FigureId::OldestMessage,
        key: "oldest_message_ms",
        label: "Oldest message",
        help: "The oldest any of the tenant's messages got in the queue layer before a consumer took it (or the \
               queue deleted it): the peak of its oldest message's age, ms. A tier's max_message_age objective \
               holds it. Lower is better.",
        unit: Unit::Ms,
        tenant: Some(|t| t.oldest_message_ms),
        ..BASE
    },
    Figure {
        id: FigureId::Redelivered,
        key: "redelivered",
        label: "Redelivered",
        help: "Messages the queue offered again because a consumer could not process them (the database refused \
               the write), or still held them when their visibility timeout ended: each is received once more. \
               Lower is better.",
        unit: Unit::Requests,
        compare: service_detail(),
        design: Some(|d| d.totals.redelivered),
        tenant: Some(|t| t.redelivered),
        ..BASE
    },
    Figure {
        id: FigureId::Duplicates,
        key: "duplicates",
        label: "Duplicates",
        help: "Messages processed twice (or more): a consumer still processing a message when its visibility \
               timeout ended, another consumer took it too, and finished after the message had been processed. \
               The work, and any database write, is done again. Lower is better.",
        unit: Unit::Requests,
        compare: service_detail(),
        design: Some(|d| d.totals.duplicates),
        tenant: Some(|t| t.duplicates),
        ..BASE
    },
    Figure {
        id: FigureId::DeadLettered,
        key: "dead_lettered",
        label: "Dead-lettered",
        help: "Messages moved to the dead-letter queue after the queue's max_receives failed receives: lost to the \
               tenant until someone replays them. Lower is better.",
        unit: Unit::Requests,
        compare: service_detail(),
        design: Some(|d| d.totals.dead_lettered),
        tenant: Some(|t| t.dropped.dead_letter),
        ..BASE
    },
    Figure {
        id: FigureId::P99,
        key: "p99",
        label: "Worst p99 latency",
        help: "The highest p99 latency of any tenant over the whole run. Lower is better.",
        unit: Unit::Ms,
        compare: slot(2, 0),
        design: Some(|d| d.totals.worst_p99_ms),
        tier: Some(|d, k| d.tiers.get(k).map(|t| t.p99_ms)),
        tenant: Some(|t| t.latency.p99_ms),
        ..BASE
    },
    Figure {
        id: FigureId::TenantsHurt,
        key: "tenants_hurt",
        label: "Tenants hurt by neighbours",
        help: "The noisy-neighbour blast radius: tenants whose p99 latency rose by more than 10 % (and 1 ms), or \
               whose unserved share rose by more than 0.5 points, inside other tenants' spike windows, compared with \
               the same run without the spikes (for a spiking tenant, with only its own). Lower is better.",
        unit: Unit::Tenants,
        compare: slot(3, 0),
        design: Some(|d| d.totals.tenants_hurt),
        ..BASE
    },
    Figure {
        id: FigureId::ImpactP99,
        key: "impact_p99",
        label: "Worst p99 increase",
        help: "The largest rise of any tenant's p99 latency inside other tenants' spike windows, against the same \
               run without the spikes (for a spiking tenant, with only its own). Lower is better.",
        unit: Unit::Ms,
        compare: slot(3, 1),
        design: Some(|d| d.totals.worst_impact_p99_increase_ms),
        tenant: Some(|t| t.impact.p99_increase_ms),
        ..BASE
    },
];

/// The figure with id `id`.
pub fn figure(id: FigureId) -> &'static Figure {
    // Every id has exactly one row (tested).
    FIGURES.iter().find(|f| f.id == id).unwrap_or(&FIGURES[0])
}

impl Figure {
    /// Its value for `scope` in `design`.
    ///
    /// # Errors
    /// Occurs when the figure does not exist at that scope, or the tier or
    /// tenant does not.
    pub fn read(&self, design: &DesignReport, scope: Scope<'_>) -> Result<Estimate, ReadError> {
        let missing = |scope| ReadError::NoSuchScope { figure: self.label, scope };
        match scope {
            Scope::Design => self.design.map(|read| read(design)).ok_or_else(|| missing("design")),
            Scope::Tier(k) => self.tier.ok_or_else(|| missing("tier"))?(design, k).ok_or(ReadError::NoSuchTier(k)),
            Scope::Tenant(id) => {
                let read = self.tenant.ok_or_else(|| missing("tenant"))?;
                design.tenant(id).map(read).ok_or_else(|| ReadError::NoSuchTenant(id.to_owned()))
            }
        }
    }

    /// True when it can be read for `scope`.
    pub fn has_scope(&self, scope: Scope<'_>) -> bool {
        match scope {
            Scope::Design => self.design.is_some(),
            Scope::Tier(_) => self.tier.is_some(),
            Scope::Tenant(_) => self.tenant.is_some(),
        }
    }

    /// Its help text for a run whose billing month has `hours_per_month`
    /// hours.
    pub fn help_text(&self, hours_per_month: f64) -> String {
        self.help.replace("{month}", &format!("a {hours_per_month:.0}-hour month"))
    }
}

/// A number with its integer part grouped by thousands: `1,234,567.80`.
pub fn thousands(value: f64, decimals: usize) -> String {
    let text = format!("{:.*}", decimals, value.abs());
    let (int, frac) = text.split_once('.').map_or((text.as_str(), ""), |(i, f)| (i, f));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if value < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') { "−" } else { "" };
    if frac.is_empty() { format!("{sign}{grouped}") } else { format!("{sign}{grouped}.{frac}") }
}

/// Dollars with thousands separators: `$5,882.65`, `−$2,399.65`.
pub fn usd(value: f64) -> String {
    let text = thousands(value, 2);
    match text.strip_prefix('−') {
        Some(rest) => format!("−${rest}"),
        None => format!("${text}"),
    }
}

impl Unit {
    /// True when a confidence half-width is worth showing next to its mean.
    pub fn material(self, e: Estimate) -> bool {
        match self {
            Unit::Usd => e.ci95 >= 0.005 && e.ci95 > 0.002 * e.mean.abs(),
            Unit::Percent => e.ci95 >= 0.0005,
            Unit::Ms | Unit::Tenants => e.ci95 >= 0.05,
            Unit::Requests => e.ci95 >= 0.5,
        }
    }

    /// A figure as shown, `± ci` only when material; `tenants` is the
    /// scenario's tenant count (for [`Unit::Tenants`]).
    pub fn format(self, e: Estimate, tenants: usize) -> String {
        let ci = self.material(e);
        match self {
            Unit::Usd if ci => format!("{} ± {}", usd(e.mean), thousands(e.ci95, 2)),
            Unit::Usd => usd(e.mean),
            Unit::Percent if ci => format!("{:.1} ± {:.1} %", e.mean * 100.0, e.ci95 * 100.0),
            Unit::Percent => format!("{:.1} %", e.mean * 100.0),
            Unit::Ms if ci => format!("{:.1} ± {:.1} ms", e.mean, e.ci95),
            Unit::Ms => format!("{:.1} ms", e.mean),
            Unit::Tenants if ci => format!("{:.1} ± {:.1} of {tenants}", e.mean, e.ci95),
            Unit::Tenants if (e.mean - e.mean.round()).abs() < 0.05 => format!("{:.0} of {tenants}", e.mean),
            Unit::Tenants => format!("{:.1} of {tenants}", e.mean),
            Unit::Requests if ci => format!("{} ± {}", thousands(e.mean, 0), thousands(e.ci95, 0)),
            Unit::Requests => thousands(e.mean, 0),
        }
    }

    /// A confidence half-width in words, e.g. `1.20 percentage points`.
    pub fn format_ci(self, ci95: f64) -> String {
        match self {
            Unit::Usd => usd(ci95),
            Unit::Percent => format!("{:.2} percentage points", ci95 * 100.0),
            Unit::Ms => format!("{ci95:.2} ms"),
            Unit::Tenants => format!("{ci95:.2} tenants"),
            Unit::Requests => format!("{ci95:.1} requests"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_figure_has_one_row_and_a_unique_key() {
        for (i, f) in FIGURES.iter().enumerate() {
            assert_eq!(FIGURES.iter().filter(|g| g.id == f.id).count(), 1, "{:?}", f.id);
            assert_eq!(FIGURES.iter().filter(|g| g.key == f.key).count(), 1, "{}", f.key);
            assert_eq!(figure(f.id).key, f.key);
            assert!(!f.label.is_empty() && !f.help.is_empty(), "{}", f.key);
            assert!(f.design.is_some() || f.tier.is_some() || f.tenant.is_some(), "{} reads nothing", f.key);
            if let Some(slot) = f.compare {
                assert!(slot.section < SECTIONS.len());
                assert!(f.design.is_some(), "{} is compared but has no design value", f.key);
                assert_eq!(slot.tier_rows.is_some(), !f.tier_label.is_empty(), "{}", f.key);
                // The comparison's sections come in order.
                let before = FIGURES[..i].iter().filter_map(|g| g.compare).map(|s| s.section).max().unwrap_or(0);
                assert!(slot.section >= before, "{} is out of section order", f.key);
            }
        }
    }

    #[test]
    fn dollars_are_grouped_and_signed() {
        assert_eq!(usd(5882.654), "$5,882.65");
        assert_eq!(usd(-2399.65), "−$2,399.65");
        assert_eq!(usd(0.0), "$0.00");
        assert_eq!(usd(-0.001), "$0.00");
        assert_eq!(usd(1_234_567.0), "$1,234,567.00");
        assert_eq!(usd(999.0), "$999.00");
    }

    #[test]
    fn intervals_show_only_when_material() {
        let tenants = 17;
        let e = |mean, ci95| Estimate { mean, ci95 };
        assert_eq!(Unit::Usd.format(e(763.13, 0.0), tenants), "$763.13");
        assert_eq!(Unit::Usd.format(e(72.13, 0.36), tenants), "$72.13 ± 0.36");
        assert_eq!(Unit::Percent.format(e(0.8824, 0.0), tenants), "88.2 %");
        assert_eq!(Unit::Ms.format(e(277.6, 0.2), tenants), "277.6 ± 0.2 ms");
        assert_eq!(Unit::Tenants.format(e(16.0, 0.0), tenants), "16 of 17");
        assert_eq!(Unit::Tenants.format(e(15.5, 0.0), tenants), "15.5 of 17");
        assert_eq!(Unit::Requests.format(e(123_456.4, 0.2), tenants), "123,456");
        assert_eq!(Unit::Requests.format(e(123_456.4, 80.0), tenants), "123,456 ± 80");
    }

    #[test]
    fn month_in_help_follows_the_scenario() {
        let help = figure(FigureId::Cost).help_text(720.0);
        assert!(help.contains("a 720-hour month"), "{help}");
        assert!(!help.contains("{month}"));
    }
}
