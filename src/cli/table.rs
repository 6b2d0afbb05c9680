//! The CLI's human tables: the design comparison (the shared rows of
//! [`crate::report::compare`]) and each design's tenants and stacks.
//! Names from the scenario go through [`safe_text::terminal`] before they
//! are laid out, so they cannot drive the terminal and columns stay aligned.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, CellAlignment, Table};

use crate::report::compare::compare_rows;
use crate::report::figures::Unit;
use crate::report::{DesignReport, RunReport};
use crate::safe_text;

/// A cell of text from the scenario (a name, an id, a label).
fn text_cell(text: &str) -> Cell {
    Cell::new(safe_text::terminal(text))
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

/// All designs side by side.
pub fn compare_table(report: &RunReport) -> String {
    let mut header = vec!["".to_owned()];
    header.extend(report.designs.iter().map(|d| safe_text::terminal(&d.name).into_owned()));
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut table = new_table(&header);
    for row in compare_rows(report) {
        let label = if row.indent { format!("  {}", row.label) } else { row.label };
        let mut cells = vec![text_cell(&label)];
        cells.extend(row.cells.into_iter().map(|c| text_cell(&if c.best { format!("★ {}", c.text) } else { c.text })));
        table.add_row(cells);
    }
    right_align(&mut table, 1);
    format!(
        "{} — seed {}, {} replication(s), {} s simulated (± is the 95 % CI, ★ the best of a row)\n{table}\n",
        safe_text::terminal(&report.scenario),
        report.seed,
        report.replications,
        report.duration_secs
    )
}

/// One design's tenants and stacks (a serverless stack's instances are
/// its provisioned environments).
pub fn design_table(design: &DesignReport, serverless: bool) -> String {
    let tenants = design.tenants.len();
    // Serverless columns only where functions ran (they are zero elsewhere).
    let functions = design.tenants.iter().any(|t| t.throttled.concurrency.mean > 0.0 || t.cold_starts.mean > 0.0);
    // A retries column only where clients retried.
    let retries = design.tenants.iter().any(|t| t.retries.mean > 0.0);
    // A FIFO queue's throttles only where a queue refused messages.
    let queue = design.tenants.iter().any(|t| t.throttled.queue.mean > 0.0);
    let mut header = vec!["tenant", "tier", "offered"];
    if retries {
        header.push("retries");
    }
    header.extend(["throttled", "by plan", "by quota", "by account"]);
    if functions {
        header.extend(["by concurrency", "cold starts"]);
    }
    if queue {
        header.push("by queue");
    }
    header.extend(["dropped", "p50", "p99", "SLO met", "cost / month", "margin / month", "p99 increase", "blamed"]);
    let mut table = new_table(&header);
    for t in &design.tenants {
        let requests = |e| Unit::Requests.format(e, tenants);
        let mut row = vec![text_cell(&t.id), text_cell(&t.tier), Cell::new(requests(t.offered))];
        if retries {
            row.push(Cell::new(requests(t.retries)));
        }
        row.extend([
            Cell::new(requests(t.throttled.total)),
            Cell::new(requests(t.throttled.plan)),
            Cell::new(requests(t.throttled.quota)),
            Cell::new(requests(t.throttled.account)),
        ]);
        if functions {
            row.extend([Cell::new(requests(t.throttled.concurrency)), Cell::new(requests(t.cold_starts))]);
        }
        if queue {
            row.push(Cell::new(requests(t.throttled.queue)));
        }
        row.extend([
            Cell::new(requests(t.dropped.total)),
            Cell::new(Unit::Ms.format(t.latency.p50_ms, tenants)),
            Cell::new(Unit::Ms.format(t.latency.p99_ms, tenants)),
            Cell::new(Unit::Percent.format(t.slo_met, tenants)),
            Cell::new(Unit::Usd.format(t.cost_usd_per_month, tenants)),
            Cell::new(Unit::Usd.format(t.margin_usd_per_month, tenants)),
            Cell::new(if t.impact.hurt { Unit::Ms.format(t.impact.p99_increase_ms, tenants) } else { "-".into() }),
            text_cell(&t.impact.blamed_text()),
        ]);
        table.add_row(row);
    }
    right_align(&mut table, 2);
    let (mean, peak) =
        if serverless { ("provisioned", "peak provisioned") } else { ("mean instances", "peak instances") };
    let mut stacks = new_table(&["layer", "stack", "tenants", "utilisation", mean, peak, "cost / month"]);
    for s in &design.stacks {
        stacks.add_row(vec![
            text_cell(&s.layer),
            text_cell(&s.label),
            Cell::new(s.tenants),
            Cell::new(Unit::Percent.format(s.utilisation, tenants)),
            Cell::new(format!("{:.1}", s.mean_instances.mean)),
            Cell::new(format!("{:.0}", s.peak_instances.mean)),
            Cell::new(Unit::Usd.format(s.cost_usd_per_month, tenants)),
        ]);
    }
    right_align(&mut stacks, 2);
    format!("design {}\n{table}\n{stacks}\n", safe_text::terminal(&design.name))
}

/// The report as tables: the comparison, then each design's tenants.
pub fn table(report: &RunReport) -> String {
    let mut out = compare_table(report);
    for design in &report.designs {
        out.push('\n');
        out.push_str(&design_table(design, report.serverless));
    }
    out
}
