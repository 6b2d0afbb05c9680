//! Machine-readable forms of a [`RunReport`]: JSON (the stable schema)
//! and CSV (one row per design and tenant; text cells made safe for
//! spreadsheets by [`csv_cell`], numbers as they are). Pure functions returning
//! strings; the caller decides where they go (the CLI's human tables are
//! in `cli::table`).

use crate::report::RunReport;
use crate::safe_text::csv_cell;

/// The report as pretty JSON.
///
/// # Errors
/// Occurs only if serialisation fails (it does not for finite reports).
pub fn json(report: &RunReport) -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(report)
}

/// CSV columns, in order (new columns are only added at the end).
pub const CSV_HEADER: [&str; 53] = [
    "design",
    "tenant",
    "tier",
    "offered",
    "admitted",
    "throttled",
    "throttled_plan",
    "throttled_quota",
    "throttled_account",
    "dropped",
    "dropped_timeout",
    "dropped_partition",
    "served",
    "in_flight",
    "mean_ms",
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "p99_ms_ci95",
    "unserved_fraction",
    "slo_met",
    "cost_usd_per_month",
    "cost_usd_per_month_ci95",
    "revenue_usd_per_month",
    "margin_usd_per_month",
    "impact_p99_increase_ms",
    "window_offered",
    "window_served",
    "window_unserved",
    "window_mean_ms",
    "window_p99_ms",
    "outside_mean_ms",
    "outside_p99_ms",
    "outside_unserved",
    "blamed",
    "steady_cost_usd_per_month",
    "incident_cost_usd",
    "throttled_concurrency",
    "cold_starts",
    "retries",
    "timed_out_client",
    "wasted_work",
    "gateway_ms",
    "compute_ms",
    "database_ms",
    "queue_ms",
    "oldest_message_ms",
    "redelivered",
    "dead_lettered",
    "dropped_connections",
    "duplicates",
    "throttled_queue",
    "invocations",
];

/// One row per design and tenant (means; CIs for the key figures).
///
/// # Errors
/// Occurs only if writing to memory fails.
pub fn csv(report: &RunReport) -> Result<String, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(CSV_HEADER)?;
    for design in &report.designs {
        for t in &design.tenants {
            let numbers = [
                t.offered.mean,
                t.admitted.mean,
                t.throttled.total.mean,
                t.throttled.plan.mean,
                t.throttled.quota.mean,
                t.throttled.account.mean,
                t.dropped.total.mean,
                t.dropped.timeout.mean,
                t.dropped.partition.mean,
                t.served.mean,
                t.in_flight.mean,
                t.latency.mean_ms.mean,
                t.latency.p50_ms.mean,
                t.latency.p95_ms.mean,
                t.latency.p99_ms.mean,
                t.latency.p99_ms.ci95,
                t.unserved_fraction.mean,
                t.slo_met.mean,
                t.cost_usd_per_month.mean,
                t.cost_usd_per_month.ci95,
                t.revenue_usd_per_month,
                t.margin_usd_per_month.mean,
                t.impact.p99_increase_ms.mean,
                t.windows.inside.offered.mean,
                t.windows.inside.served.mean,
                t.windows.inside.unserved.mean,
                t.windows.inside.latency.mean_ms.mean,
                t.windows.inside.latency.p99_ms.mean,
                t.windows.outside.latency.mean_ms.mean,
                t.windows.outside.latency.p99_ms.mean,
                t.windows.outside.unserved.mean,
            ];
            let mut record = vec![csv_cell(&design.name), csv_cell(&t.id), csv_cell(&t.tier)];
            record.extend(numbers.iter().map(|v| format!("{v}")));
            record.push(csv_cell(&t.impact.blamed.join(";")));
            record.extend(
                [
                    t.steady_cost_usd_per_month.mean,
                    t.incident_cost_usd.mean,
                    t.throttled.concurrency.mean,
                    t.cold_starts.mean,
                    t.retries.mean,
                    t.dropped.client.mean,
                    t.wasted_work.mean,
                    t.latency_by_layer.gateway_ms.mean,
                    t.latency_by_layer.compute_ms.mean,
                    t.latency_by_layer.database_ms.mean,
                    t.latency_by_layer.queue_ms.mean,
                    t.oldest_message_ms.mean,
                    t.redelivered.mean,
                    t.dropped.dead_letter.mean,
                    t.dropped.connections.mean,
                    t.duplicates.mean,
                    t.throttled.queue.mean,
                    t.invocations.mean,
                ]
                .map(|v| format!("{v}")),
            );
            writer.write_record(&record)?;
        }
    }
    let bytes = writer.into_inner().map_err(|e| csv::Error::from(e.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
