//! Text forms of a [`RunReport`]: human tables, JSON (the stable schema)
//! and CSV (one row per design and tenant). Pure functions returning
//! strings; the caller decides where they go.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, CellAlignment, Table};

use crate::report::{DesignReport, Estimate, RunReport};

/// Output format of the CLI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Human-readable tables.
    Table,
    /// The report as JSON (stable schema).
    Json,
    /// One row per design and tenant.
    Csv,
}

fn money(e: Estimate) -> String {
    if e.ci95 > 0.005 * e.mean.abs().max(1.0) {
        format!("${:.2} ±{:.2}", e.mean, e.ci95)
    } else {
        format!("${:.2}", e.mean)
    }
}

fn ms(e: Estimate) -> String {
    if e.ci95 >= 0.05 { format!("{:.1} ±{:.1}", e.mean, e.ci95) } else { format!("{:.1}", e.mean) }
}

fn pct(e: Estimate) -> String {
    if e.ci95 >= 0.0005 {
        format!("{:.2}% ±{:.2}", e.mean * 100.0, e.ci95 * 100.0)
    } else {
        format!("{:.2}%", e.mean * 100.0)
    }
}

fn count(e: Estimate) -> String {
    format!("{:.0}", e.mean)
}

fn new_table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED);
    table.set_header(header.iter().map(Cell::new));
    table
}

fn right_align(table: &mut Table, from: usize) {
    let columns = table.column_count();
    for c in from..columns {
        if let Some(col) = table.column_mut(c) {
            col.set_cell_alignment(CellAlignment::Right);
        }
    }
}

/// Rows of the side-by-side comparison: (label, one value per design).
pub fn compare_rows(report: &RunReport) -> Vec<(String, Vec<String>)> {
    let designs = &report.designs;
    let row = |label: &str, f: &dyn Fn(&DesignReport) -> String| (label.to_owned(), designs.iter().map(f).collect());
    let mut rows = vec![
        row("total cost / month", &|d| money(d.totals.cost_usd_per_month)),
        row("  unallocated", &|d| money(d.totals.unallocated_usd_per_month)),
        row("mean cost / tenant", &|d| money(d.totals.mean_cost_per_tenant_usd_per_month)),
        row("worst cost / tenant", &|d| money(d.totals.worst_cost_per_tenant_usd_per_month)),
        row("revenue / month", &|d| format!("${:.2}", d.totals.revenue_usd_per_month)),
        row("margin / month", &|d| money(d.totals.margin_usd_per_month)),
    ];
    for (k, tier) in report.tiers.iter().enumerate() {
        rows.push(row(&format!("  margin {tier}"), &|d| money(d.tiers[k].margin_usd_per_month)));
    }
    rows.push(row("SLO met (tenants)", &|d| pct(d.totals.slo_met_fraction)));
    for (k, tier) in report.tiers.iter().enumerate() {
        rows.push(row(&format!("  SLO met {tier}"), &|d| pct(d.tiers[k].slo_met_fraction)));
    }
    rows.extend([
        row("throttled", &|d| pct(d.totals.throttled_fraction)),
        row("unserved (throttled+dropped)", &|d| pct(d.totals.unserved_fraction)),
        row("worst p99 ms", &|d| ms(d.totals.worst_p99_ms)),
        row("tenants hurt by neighbours", &|d| format!("{:.1}", d.totals.tenants_hurt.mean)),
        row("worst p99 increase ms", &|d| ms(d.totals.worst_impact_p99_increase_ms)),
    ]);
    rows
}

/// All designs side by side.
pub fn compare_table(report: &RunReport) -> String {
    let mut header = vec!["".to_owned()];
    header.extend(report.designs.iter().map(|d| d.name.clone()));
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut table = new_table(&header);
    for (label, values) in compare_rows(report) {
        let mut cells = vec![Cell::new(label)];
        cells.extend(values.into_iter().map(Cell::new));
        table.add_row(cells);
    }
    right_align(&mut table, 1);
    format!(
        "{} — seed {}, {} replication(s), {} s simulated (± is the 95 % CI)\n{table}\n",
        report.scenario, report.seed, report.replications, report.duration_secs
    )
}

/// One design's tenants.
pub fn design_table(design: &DesignReport) -> String {
    let mut table = new_table(&[
        "tenant",
        "tier",
        "offered",
        "throttled",
        "by plan",
        "by quota",
        "by account",
        "dropped",
        "p50 ms",
        "p99 ms",
        "SLO",
        "cost/mo",
        "margin/mo",
        "impact p99 ms",
        "blamed",
    ]);
    for t in &design.tenants {
        table.add_row(vec![
            Cell::new(&t.id),
            Cell::new(&t.tier),
            Cell::new(count(t.offered)),
            Cell::new(count(t.throttled.total)),
            Cell::new(count(t.throttled.plan)),
            Cell::new(count(t.throttled.quota)),
            Cell::new(count(t.throttled.account)),
            Cell::new(count(t.dropped.total)),
            Cell::new(ms(t.latency.p50_ms)),
            Cell::new(ms(t.latency.p99_ms)),
            Cell::new(format!("{:.0}%", t.slo_met.mean * 100.0)),
            Cell::new(money(t.cost_usd_per_month)),
            Cell::new(money(t.margin_usd_per_month)),
            Cell::new(if t.impact.hurt { ms(t.impact.p99_increase_ms) } else { "-".into() }),
            Cell::new(t.impact.blamed.join(", ")),
        ]);
    }
    right_align(&mut table, 2);
    let mut stacks = new_table(&["layer", "stack", "tenants", "utilisation", "mean inst.", "peak inst.", "cost/mo"]);
    for s in &design.stacks {
        stacks.add_row(vec![
            Cell::new(&s.layer),
            Cell::new(&s.label),
            Cell::new(s.tenants),
            Cell::new(pct(s.utilisation)),
            Cell::new(format!("{:.1}", s.mean_instances.mean)),
            Cell::new(format!("{:.0}", s.peak_instances.mean)),
            Cell::new(money(s.cost_usd_per_month)),
        ]);
    }
    right_align(&mut stacks, 2);
    format!("design {}\n{table}\n{stacks}\n", design.name)
}

/// The report as tables: the comparison, then each design's tenants.
pub fn table(report: &RunReport) -> String {
    let mut out = compare_table(report);
    for design in &report.designs {
        out.push('\n');
        out.push_str(&design_table(design));
    }
    out
}

/// The report as pretty JSON.
///
/// # Errors
/// Occurs only if serialisation fails (it does not for finite reports).
pub fn json(report: &RunReport) -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(report)
}

/// CSV columns, in order.
pub const CSV_HEADER: [&str; 27] = [
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
    "blamed",
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
            ];
            let mut record = vec![design.name.clone(), t.id.clone(), t.tier.clone()];
            record.extend(numbers.iter().map(|v| format!("{v}")));
            record.push(t.impact.blamed.join(";"));
            writer.write_record(&record)?;
        }
    }
    let bytes = writer.into_inner().map_err(|e| csv::Error::from(e.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
