//! The per-tenant results table: its columns and the filtered, sorted row
//! order. Pure functions, no egui; the panel asks for the order only when
//! the design, filter or sort changes.

use std::cmp::Ordering;

use crate::report::{DesignReport, TenantReport};

/// A column of the tenant table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    /// Tenant id.
    Id,
    /// Tier name.
    Tier,
    /// Requests offered.
    Offered,
    /// Requests throttled, all causes.
    Throttled,
    /// Attempts that were clients' retries.
    Retries,
    /// Throttled by the tenant's usage plan.
    ThrottledPlan,
    /// Throttled by a quota.
    ThrottledQuota,
    /// Throttled by the shared account limit.
    ThrottledAccount,
    /// Throttled by its function's concurrency (serverless).
    ThrottledConcurrency,
    /// Throttled by its FIFO queue's send limit.
    ThrottledQueue,
    /// Requests that started a new function environment (serverless).
    ColdStarts,
    /// Requests dropped, all causes.
    Dropped,
    /// Dropped after a queue timeout.
    DroppedTimeout,
    /// Dropped by a saturated partition.
    DroppedPartition,
    /// Not answered before the client's own timeout.
    DroppedClient,
    /// No connection to a relational database.
    DroppedConnections,
    /// Share of its compute time spent on attempts nobody waited for.
    WastedWork,
    /// Messages offered again after their processing failed.
    Redelivered,
    /// Messages processed again because a consumer outlived the visibility
    /// timeout.
    Duplicates,
    /// Messages moved to the dead-letter queue.
    DeadLettered,
    /// Median latency.
    P50,
    /// 99th percentile latency.
    P99,
    /// Mean latency the gateway adds.
    GatewayMs,
    /// Mean time in the queue layer's queue.
    QueueMs,
    /// The peak age of its oldest message in the queue layer.
    OldestMessage,
    /// Mean latency of compute (queueing and service).
    ComputeMs,
    /// Mean latency the database adds.
    DatabaseMs,
    /// 99th percentile latency inside other tenants' spike windows.
    SpikeP99,
    /// Share lost at shared resources inside other tenants' spike windows.
    SpikeUnserved,
    /// Share of replications meeting the SLO.
    SloMet,
    /// Attributed cost per month.
    Cost,
    /// Tier price per month.
    Revenue,
    /// Revenue minus cost.
    Margin,
    /// p99 increase during others' spikes.
    Impact,
    /// Spiking neighbours blamed.
    Blamed,
}

/// Every column, in display order (the index is `TableView::sort_column`).
pub const COLUMNS: [Column; 35] = [
    Column::Id,
    Column::Tier,
    Column::Offered,
    Column::Retries,
    Column::Throttled,
    Column::ThrottledPlan,
    Column::ThrottledQuota,
    Column::ThrottledAccount,
    Column::ThrottledConcurrency,
    Column::ThrottledQueue,
    Column::ColdStarts,
    Column::Dropped,
    Column::DroppedTimeout,
    Column::DroppedPartition,
    Column::DroppedClient,
    Column::DroppedConnections,
    Column::WastedWork,
    Column::Redelivered,
    Column::Duplicates,
    Column::DeadLettered,
    Column::P50,
    Column::P99,
    Column::GatewayMs,
    Column::QueueMs,
    Column::OldestMessage,
    Column::ComputeMs,
    Column::DatabaseMs,
    Column::SpikeP99,
    Column::SpikeUnserved,
    Column::SloMet,
    Column::Cost,
    Column::Revenue,
    Column::Margin,
    Column::Impact,
    Column::Blamed,
];

impl Column {
    /// Header text.
    pub fn title(self) -> &'static str {
        match self {
            Column::Id => "tenant",
            Column::Tier => "tier",
            Column::Offered => "offered",
            Column::Retries => "retries",
            Column::Throttled => "throttled",
            Column::ThrottledPlan => "plan",
            Column::ThrottledQuota => "quota",
            Column::ThrottledAccount => "account",
            Column::ThrottledConcurrency => "concurrency",
            Column::ThrottledQueue => "queue limit",
            Column::ColdStarts => "cold starts",
            Column::Dropped => "dropped",
            Column::DroppedTimeout => "timeout",
            Column::DroppedPartition => "partition",
            Column::DroppedClient => "client",
            Column::DroppedConnections => "no conn.",
            Column::WastedWork => "wasted",
            Column::Redelivered => "redelivered",
            Column::Duplicates => "dup",
            Column::DeadLettered => "DLQ",
            Column::P50 => "p50 ms",
            Column::P99 => "p99 ms",
            Column::GatewayMs => "gateway ms",
            Column::QueueMs => "queue ms",
            Column::OldestMessage => "oldest msg",
            Column::ComputeMs => "compute ms",
            Column::DatabaseMs => "database ms",
            Column::SpikeP99 => "spike p99",
            Column::SpikeUnserved => "spike lost",
            Column::SloMet => "SLO met",
            Column::Cost => "cost/mo",
            Column::Revenue => "revenue/mo",
            Column::Margin => "margin/mo",
            Column::Impact => "impact p99",
            Column::Blamed => "blamed",
        }
    }

    /// What the column means (header hover text).
    pub fn help(self) -> &'static str {
        match self {
            Column::Id => "Tenant id",
            Column::Tier => "The tenant's commercial plan",
            Column::Offered => {
                "Requests the tenant sent during the run (mean over replications), every attempt of a retried \
                 request included"
            }
            Column::Retries => {
                "Attempts that were the tenant's clients retrying a failed request (counted in offered): the load \
                 retries add"
            }
            Column::Throttled => {
                "Requests rejected at the gateway or by a serverless function's concurrency, all causes"
            }
            Column::ThrottledPlan => "Throttled by the tenant's own usage-plan token bucket",
            Column::ThrottledQuota => "Throttled because the usage-plan quota (per day/week/month) ran out",
            Column::ThrottledAccount => {
                "Throttled by the stage/account bucket shared by every tenant of the gateway stack (the gateway \
                 form of the noisy neighbour)"
            }
            Column::ThrottledQueue => {
                "Refused by the tenant's FIFO queue: more messages were sent to it in a second than its send limit \
                 (shared by the queue's tenants)"
            }
            Column::ThrottledConcurrency => {
                "Refused at once by the tenant's function: every execution its concurrency allows was running, or it \
                 could not start a new environment yet (serverless)"
            }
            Column::ColdStarts => "Requests that waited for a new function environment to initialise (serverless)",
            Column::Dropped => "Admitted but not served, all causes",
            Column::DroppedTimeout => "Waited in a compute queue longer than the timeout",
            Column::DroppedPartition => "Rejected by a saturated database partition (hot partition)",
            Column::DroppedConnections => {
                "Found no connection to the relational database (its compute instance holds none), or waited past the \
                 proxy's borrow timeout"
            }
            Column::DroppedClient => {
                "Not answered before the client's own timeout: the client gave up (and retried if it could); the \
                 server served it anyway"
            }
            Column::WastedWork => {
                "Share of the compute time the tenant's attempts took that went on attempts its clients had given \
                 up on (their own timeout): work done for nobody"
            }
            Column::Redelivered => {
                "Messages the queue offered again because a consumer could not process them (the database refused \
                 the write) or still held them when their visibility timeout ended"
            }
            Column::Duplicates => {
                "Messages processed again: a consumer still held the message when its visibility timeout ended, \
                 and a second consumer processed it too"
            }
            Column::DeadLettered => "Messages moved to the dead-letter queue after the queue's max_receives receives",
            Column::GatewayMs => "Mean latency the gateway adds to a served request, ms",
            Column::QueueMs => "Mean time a served request's message waited in the queue for a consumer, ms",
            Column::OldestMessage => {
                "The oldest any of its messages got in the queue before a consumer took it (or the queue deleted \
                 it), ms; its tier's max_message_age objective holds it"
            }
            Column::ComputeMs => {
                "Mean latency of compute, of a served request, ms: queueing and service (its service alone with a \
                 queue layer)"
            }
            Column::DatabaseMs => "Mean latency the database's read or write adds to a served request, ms",
            Column::P50 => "Median latency of served requests, ms",
            Column::P99 => "99th-percentile latency of served requests, ms",
            Column::SpikeP99 => {
                "99th-percentile latency of the tenant's requests served while another tenant's spike ran, ms \
                 (– when it sent none then)"
            }
            Column::SpikeUnserved => {
                "Share of the tenant's requests lost at shared resources (the account's throttle, queue timeouts, \
                 saturated partitions) while another tenant's spike ran; its own plan and quotas do not count"
            }
            Column::SloMet => "Share of replications in which the tenant met its tier's SLO",
            Column::Cost => "Attributed cost per month, USD",
            Column::Revenue => "Tier price per month, USD",
            Column::Margin => "Revenue minus attributed cost, per month, USD",
            Column::Impact => {
                "Rise of the tenant's p99 inside other tenants' spike windows against the same run without them, \
                 ms (shown when material)"
            }
            Column::Blamed => "Spiking tenants sharing a stack with this tenant (the likely culprits)",
        }
    }

    /// True for numeric columns (right-aligned, sorted descending first).
    pub fn numeric(self) -> bool {
        !matches!(self, Column::Id | Column::Tier | Column::Blamed)
    }

    fn number(self, t: &TenantReport) -> f64 {
        match self {
            Column::Offered => t.offered.mean,
            Column::Retries => t.retries.mean,
            Column::Throttled => t.throttled.total.mean,
            Column::ThrottledPlan => t.throttled.plan.mean,
            Column::ThrottledQuota => t.throttled.quota.mean,
            Column::ThrottledAccount => t.throttled.account.mean,
            Column::ThrottledConcurrency => t.throttled.concurrency.mean,
            Column::ThrottledQueue => t.throttled.queue.mean,
            Column::ColdStarts => t.cold_starts.mean,
            Column::Dropped => t.dropped.total.mean,
            Column::DroppedTimeout => t.dropped.timeout.mean,
            Column::DroppedPartition => t.dropped.partition.mean,
            Column::DroppedClient => t.dropped.client.mean,
            Column::DroppedConnections => t.dropped.connections.mean,
            Column::WastedWork => t.wasted_work.mean,
            Column::P50 => t.latency.p50_ms.mean,
            Column::P99 => t.latency.p99_ms.mean,
            Column::Redelivered => t.redelivered.mean,
            Column::Duplicates => t.duplicates.mean,
            Column::DeadLettered => t.dropped.dead_letter.mean,
            Column::GatewayMs => t.latency_by_layer.gateway_ms.mean,
            Column::QueueMs => t.latency_by_layer.queue_ms.mean,
            Column::OldestMessage => t.oldest_message_ms.mean,
            Column::ComputeMs => t.latency_by_layer.compute_ms.mean,
            Column::DatabaseMs => t.latency_by_layer.database_ms.mean,
            // Tenants without requests inside the windows sort below all.
            Column::SpikeP99 | Column::SpikeUnserved if !in_spike_windows(t) => f64::NEG_INFINITY,
            Column::SpikeP99 => t.windows.inside.latency.p99_ms.mean,
            Column::SpikeUnserved => t.windows.inside.unserved_fraction.mean,
            Column::SloMet => t.slo_met.mean,
            Column::Cost => t.cost_usd_per_month.mean,
            Column::Revenue => t.revenue_usd_per_month,
            Column::Margin => t.margin_usd_per_month.mean,
            // Tenants not hurt sort below every hurt one.
            Column::Impact if t.impact.hurt => t.impact.p99_increase_ms.mean,
            Column::Impact => f64::NEG_INFINITY,
            Column::Id | Column::Tier | Column::Blamed => 0.0,
        }
    }

    /// Orders two tenants by this column (ascending).
    pub fn compare(self, a: &TenantReport, b: &TenantReport, tiers: &[String]) -> Ordering {
        let tier = |t: &TenantReport| tiers.iter().position(|n| *n == t.tier).unwrap_or(tiers.len());
        match self {
            Column::Id => natural_cmp(&a.id, &b.id),
            Column::Tier => tier(a).cmp(&tier(b)),
            Column::Blamed => a.impact.blamed.cmp(&b.impact.blamed),
            _ => self.number(a).total_cmp(&self.number(b)),
        }
    }
}

/// Compares ids so that `t-2` comes before `t-10` (case-insensitive, case
/// only breaks ties).
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    natural_cmp_bytes(a.to_ascii_lowercase().as_bytes(), b.to_ascii_lowercase().as_bytes()).then_with(|| a.cmp(b))
}

fn natural_cmp_bytes(mut a: &[u8], mut b: &[u8]) -> Ordering {
    loop {
        match (a.first(), b.first()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let da = a.iter().take_while(|c| c.is_ascii_digit()).count();
                let db = b.iter().take_while(|c| c.is_ascii_digit()).count();
                let za = a[..da].iter().take_while(|&&c| c == b'0').count();
                let zb = b[..db].iter().take_while(|&&c| c == b'0').count();
                let (na, nb) = (&a[za..da], &b[zb..db]);
                let order = na.len().cmp(&nb.len()).then_with(|| na.cmp(nb)).then_with(|| da.cmp(&db));
                if order != Ordering::Equal {
                    return order;
                }
                a = &a[da..];
                b = &b[db..];
            }
            (Some(x), Some(y)) => {
                if x != y {
                    return x.cmp(y);
                }
                a = &a[1..];
                b = &b[1..];
            }
        }
    }
}

/// True when the tenant sent requests while another tenant's spike ran.
pub fn in_spike_windows(t: &TenantReport) -> bool {
    t.windows.inside.offered.mean >= 0.5
}

/// Columns worth showing for `design`: every column except the throttle
/// and drop causes that never happened (a cause column of zeros only
/// pushes the interesting ones off screen) and the spike-window columns
/// when nobody sent requests during another tenant's spike (no spikes).
/// Indices into [`COLUMNS`].
pub fn shown_columns(design: &DesignReport) -> Vec<usize> {
    let any = |column: Column| design.tenants.iter().any(|t| column.number(t).abs() >= 0.5);
    let spikes = design.tenants.iter().any(in_spike_windows);
    let layers = design.tenants.iter().any(|t| {
        let l = &t.latency_by_layer;
        l.gateway_ms.mean > 0.0 || l.database_ms.mean > 0.0
    });
    let queue = design.tenants.iter().any(|t| t.latency_by_layer.queue_ms.mean > 0.0);
    COLUMNS
        .iter()
        .enumerate()
        .filter(|(_, c)| match c {
            Column::ThrottledPlan
            | Column::ThrottledQuota
            | Column::ThrottledAccount
            | Column::ThrottledConcurrency
            | Column::ThrottledQueue
            | Column::ColdStarts
            | Column::Retries
            | Column::DroppedTimeout
            | Column::DroppedPartition
            | Column::DroppedClient
            | Column::DroppedConnections
            | Column::Redelivered
            | Column::Duplicates
            | Column::DeadLettered => any(**c),
            Column::WastedWork => design.tenants.iter().any(|t| t.wasted_work.mean > 0.0),
            Column::SpikeP99 | Column::SpikeUnserved => spikes,
            Column::GatewayMs | Column::DatabaseMs => layers,
            Column::ComputeMs => layers || queue,
            Column::QueueMs | Column::OldestMessage => queue,
            _ => true,
        })
        .map(|(i, _)| i)
        .collect()
}

/// What the table shows.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TableQuery {
    /// Only this tier.
    pub tier: Option<String>,
    /// Only ids containing this text (case-insensitive).
    pub search: String,
    /// Index into [`COLUMNS`].
    pub sort_column: usize,
    /// Largest first.
    pub descending: bool,
}

/// Indices of `design.tenants` to show, filtered and sorted (ties keep
/// file order in both directions).
pub fn table_rows(design: &DesignReport, tiers: &[String], query: &TableQuery) -> Vec<usize> {
    let needle = query.search.trim().to_lowercase();
    let mut rows: Vec<usize> = design
        .tenants
        .iter()
        .enumerate()
        .filter(|(_, t)| query.tier.as_ref().is_none_or(|tier| t.tier == *tier))
        .filter(|(_, t)| needle.is_empty() || t.id.to_lowercase().contains(&needle))
        .map(|(i, _)| i)
        .collect();
    let column = COLUMNS.get(query.sort_column).copied().unwrap_or(Column::Id);
    rows.sort_by(|&a, &b| {
        let order = column.compare(&design.tenants[a], &design.tenants[b], tiers);
        if query.descending { order.reverse() } else { order }
    });
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(column: Column, descending: bool) -> TableQuery {
        let sort_column = COLUMNS.iter().position(|c| *c == column).unwrap_or(0);
        TableQuery { tier: None, search: String::new(), sort_column, descending }
    }

    #[test]
    fn ids_sort_naturally() {
        let mut ids = vec!["t-10", "t-2", "T-3", "acme", "t-02"];
        ids.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(ids, vec!["acme", "t-2", "t-02", "T-3", "t-10"]);
    }

    #[test]
    fn rows_sort_by_a_column_both_ways_and_filter() {
        let report = crate::app::plot_data::tests::noisy_report();
        let pool = report.design("pool").unwrap_or_else(|| panic!("pool"));
        let rows = table_rows(pool, &report.tiers, &query(Column::P99, true));
        assert_eq!(rows.len(), pool.tenants.len());
        let p99: Vec<f64> = rows.iter().map(|&i| pool.tenants[i].latency.p99_ms.mean).collect();
        assert!(p99.windows(2).all(|w| w[0] >= w[1]), "{p99:?}");
        assert_eq!(pool.tenants[rows[0]].id, "smb-00", "the spiking tenant has the worst p99 in the pool");
        let up = table_rows(pool, &report.tiers, &query(Column::Cost, false));
        let cost: Vec<f64> = up.iter().map(|&i| pool.tenants[i].cost_usd_per_month.mean).collect();
        assert!(cost.windows(2).all(|w| w[0] <= w[1]));
        let by_tier = table_rows(pool, &report.tiers, &query(Column::Tier, false));
        assert_eq!(pool.tenants[by_tier[0]].tier, report.tiers[0]);
        let premium = TableQuery { tier: Some("premium".into()), ..query(Column::Id, false) };
        let ids: Vec<&str> =
            table_rows(pool, &report.tiers, &premium).iter().map(|&i| pool.tenants[i].id.as_str()).collect();
        assert_eq!(ids, vec!["acme", "globex"]);
        let search = TableQuery { search: " SMB-1".into(), ..query(Column::Id, true) };
        let ids: Vec<&str> =
            table_rows(pool, &report.tiers, &search).iter().map(|&i| pool.tenants[i].id.as_str()).collect();
        assert_eq!(ids, vec!["smb-14", "smb-13", "smb-12", "smb-11", "smb-10"]);
    }

    #[test]
    fn cause_columns_show_only_when_something_happened() {
        let mut report = crate::app::plot_data::tests::noisy_report();
        let pool = &mut report.designs[0];
        let shown = shown_columns(pool);
        assert_eq!(
            shown.len(),
            COLUMNS.len() - 20,
            "nothing throttled or dropped, no functions, no FIFO queue, no retries or client timeouts, no gateway or database \
             latency, no queue and no relational database in the example"
        );
        assert!(shown.contains(&COLUMNS.iter().position(|c| *c == Column::Throttled).unwrap_or(99)));
        pool.tenants[3].throttled.quota.mean = 12.0;
        let quota = COLUMNS.iter().position(|c| *c == Column::ThrottledQuota).unwrap_or(99);
        assert!(shown_columns(pool).contains(&quota));
        // Work done for a client that gave up shows its column.
        pool.tenants[4].wasted_work.mean = 0.1;
        let wasted = COLUMNS.iter().position(|c| *c == Column::WastedWork).unwrap_or(99);
        assert!(shown_columns(pool).contains(&wasted));
        // One tenant's database latency shows the split by layer.
        pool.tenants[5].latency_by_layer.database_ms.mean = 8.0;
        let shown = shown_columns(pool);
        for column in [Column::GatewayMs, Column::ComputeMs, Column::DatabaseMs] {
            assert!(shown.contains(&COLUMNS.iter().position(|c| *c == column).unwrap_or(99)), "{column:?}");
        }
        let queue = COLUMNS.iter().position(|c| *c == Column::QueueMs).unwrap_or(99);
        assert!(!shown.contains(&queue), "no time in queue, no column");
        pool.tenants[2].latency_by_layer.queue_ms.mean = 30.0;
        let oldest = COLUMNS.iter().position(|c| *c == Column::OldestMessage).unwrap_or(99);
        assert!(shown_columns(pool).contains(&queue) && shown_columns(pool).contains(&oldest));
    }

    #[test]
    fn ties_keep_file_order_in_both_directions() {
        let report = crate::app::plot_data::tests::noisy_report();
        let pool = report.design("pool").unwrap_or_else(|| panic!("pool"));
        for descending in [false, true] {
            let rows = table_rows(pool, &report.tiers, &query(Column::Revenue, descending));
            let basic: Vec<usize> = rows.iter().copied().filter(|&i| pool.tenants[i].tier == "basic").collect();
            assert!(basic.windows(2).all(|w| w[0] < w[1]), "{basic:?}");
        }
    }
}
