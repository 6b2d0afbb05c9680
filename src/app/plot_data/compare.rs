//! The rows of the design comparison, prepared once per report: every
//! figure formatted, explained and marked when it is the best of its row,
//! plus who hurt whom (from [`crate::report::compare`]) and, when the
//! scenario has spikes, the "during the spike" block: each tier's latency
//! and losses inside other tenants' spike windows against the rest of the
//! run. Pure functions, no egui.

use std::fmt::Write as _;

pub use crate::report::compare::{CompareCell, CompareRow, best_of, blame, compare_rows};
pub use crate::report::figures::{Better, SECTIONS, Unit, thousands, usd};
use crate::report::{Estimate, RunReport, WindowSide};

/// Section heading of the "during the spike" block.
pub const DURING_THE_SPIKE: &str = "During the spike (in / out)";

/// A tier figure read inside other tenants' spike windows and outside
/// them (the report's `windows`).
///
/// These belong with the figures of `report::figures` (which has no
/// window figures yet); they are defined here, once, for the app.
#[derive(Debug, Clone, Copy)]
pub struct WindowFigure {
    /// Stable key; a row's key is `key.tier`.
    pub key: &'static str,
    /// Row label; `{tier}` stands for the tier's name.
    pub label: &'static str,
    /// What it means; `{tier}` stands for the tier's name.
    pub help: &'static str,
    /// Unit of its numbers.
    pub unit: Unit,
    /// Priority of its rows (see [`CompareRow::priority`]).
    pub priority: u8,
    /// Its value on one side of the windows.
    pub read: fn(&WindowSide) -> Estimate,
}

/// The window figures, in the block's order.
pub const WINDOW_FIGURES: [WindowFigure; 3] = [
    WindowFigure {
        key: "window_p99",
        label: "p99 {tier}",
        help: "p99 latency of the {tier} tier's requests served while another tenant's spike runs (in), and over \
               the rest of the run (out). Lower is better.",
        unit: Unit::Ms,
        priority: 1,
        read: |side| side.latency.p99_ms,
    },
    WindowFigure {
        key: "window_mean",
        label: "Mean latency {tier}",
        help: "Mean latency of the {tier} tier's requests served while another tenant's spike runs (in), and over \
               the rest of the run (out). Lower is better.",
        unit: Unit::Ms,
        priority: 2,
        read: |side| side.latency.mean_ms,
    },
    WindowFigure {
        key: "window_unserved",
        label: "Unserved {tier}",
        help: "Share of the {tier} tier's requests lost at shared resources (the account's throttle, queue \
               timeouts, saturated partitions) while another tenant's spike runs (in), and over the rest of the run \
               (out); throttling by the tier's own plan and quotas does not count. Lower is better.",
        unit: Unit::Percent,
        priority: 1,
        read: |side| side.unserved_fraction,
    },
];

/// Fewer requests than this inside the windows count as none (the tier
/// had no traffic while others spiked: nothing to rank).
const NO_REQUESTS: f64 = 0.5;

/// The "during the spike" block: one row per window figure and tier,
/// figure by figure; empty when the scenario has no spikes. A cell reads
/// `in / out`; the best inside value of a row is marked. A row that reads
/// zero in every design, in and out (nothing lost), drops to the details.
pub fn window_rows(report: &RunReport) -> Vec<CompareRow> {
    if !report.events.iter().any(|e| e.kind == "spike") {
        return Vec::new();
    }
    let tenants = report.designs.first().map_or(0, |d| d.tenants.len());
    let mut rows = Vec::new();
    for figure in &WINDOW_FIGURES {
        for (k, tier) in report.tiers.iter().enumerate() {
            let sides: Vec<_> = report.designs.iter().map(|d| d.tiers.get(k).map(|t| &t.windows)).collect();
            let inside = |d: usize| sides[d].filter(|w| w.inside.offered.mean >= NO_REQUESTS).map(|w| &w.inside);
            let values: Vec<Estimate> = (0..sides.len())
                .map(|d| inside(d).map_or(Estimate { mean: f64::NAN, ci95: 0.0 }, |s| (figure.read)(s)))
                .collect();
            let best = best_of(&values, Better::Lower);
            let help = figure.help.replace("{tier}", tier);
            let cells = report
                .designs
                .iter()
                .enumerate()
                .map(|(d, design)| {
                    let Some(windows) = sides[d] else {
                        return CompareCell {
                            text: "–".to_owned(),
                            mean: f64::NAN,
                            best: false,
                            tooltip: help.clone(),
                        };
                    };
                    let outside = figure.unit.format(Estimate::exact((figure.read)(&windows.outside).mean), tenants);
                    let Some(side) = inside(d) else {
                        let tooltip = format!(
                            "{help}\n\n{}: no {tier} requests while another tenant's spike ran; {outside} the rest \
                             of the run.",
                            design.name
                        );
                        return CompareCell { text: format!("– / {outside}"), mean: f64::NAN, best: false, tooltip };
                    };
                    let value = (figure.read)(side);
                    let text = format!("{} / {outside}", figure.unit.format(value, tenants));
                    let tooltip = window_tooltip(report, figure, &help, &design.name, windows, best[d], tenants);
                    CompareCell { text, mean: value.mean, best: best[d], tooltip }
                })
                .collect();
            // A row that reads zero everywhere (nothing lost) is a detail.
            let zero = figure.unit.format(Estimate::default(), tenants);
            let reads_zero =
                |side: &WindowSide| figure.unit.format(Estimate::exact((figure.read)(side).mean), tenants) == zero;
            let all_zero = sides.iter().flatten().all(|w| reads_zero(&w.inside) && reads_zero(&w.outside));
            let priority = if all_zero { 2 } else { figure.priority };
            rows.push(CompareRow {
                key: format!("{}.{tier}", figure.key),
                section: DURING_THE_SPIKE,
                label: figure.label.replace("{tier}", tier),
                indent: false,
                priority,
                help,
                better: Better::Lower,
                cells,
            });
        }
    }
    rows
}

/// A window cell's hover text: both sides with their requests, the
/// confidence intervals and whether it is the best.
fn window_tooltip(
    report: &RunReport,
    figure: &WindowFigure,
    help: &str,
    design: &str,
    windows: &crate::report::WindowFigures,
    best: bool,
    tenants: usize,
) -> String {
    let side_text = |side: &WindowSide| {
        format!(
            "{} ({} requests offered, {} served, {} lost at shared resources)",
            figure.unit.format((figure.read)(side), tenants),
            thousands(side.offered.mean, 0),
            thousands(side.served.mean, 0),
            thousands(side.unserved.mean, 0)
        )
    };
    let mut tooltip = format!(
        "{help}\n\n{design}\nin spike windows: {}\nout of them: {}",
        side_text(&windows.inside),
        side_text(&windows.outside)
    );
    let reps = report.replications;
    if reps > 1 {
        let ci = figure.unit.format_ci((figure.read)(&windows.inside).ci95);
        let _ = write!(tooltip, "\nMean of {reps} replications; 95 % confidence interval (in) ± {ci}.");
    } else {
        tooltip.push_str("\nOne replication: no confidence interval (add replications for ±).");
    }
    if best {
        tooltip.push_str("\nBest of the designs during the spike (lower is better).");
    }
    tooltip
}

/// The order of the design columns: by the figures (means) of the row
/// whose key is `sort_row`, smallest first unless `descending`; ties and
/// figures that are not numbers keep the scenario's order (the latter
/// last). Without such a row, the scenario's order.
pub fn design_order(rows: &[CompareRow], designs: usize, sort_row: Option<&str>, descending: bool) -> Vec<usize> {
    let mut order: Vec<usize> = (0..designs).collect();
    let Some(row) = sort_row.and_then(|key| rows.iter().find(|r| r.key == key)) else {
        return order;
    };
    let key = |d: usize| row.cells.get(d).map_or(f64::NAN, |c| c.mean);
    order.sort_by(|&a, &b| {
        let (x, y) = (key(a), key(b));
        match (x.is_nan(), y.is_nan()) {
            (true, true) => std::cmp::Ordering::Equal,
            (true, false) => std::cmp::Ordering::Greater,
            (false, true) => std::cmp::Ordering::Less,
            (false, false) if descending => y.total_cmp(&x),
            (false, false) => x.total_cmp(&y),
        }
    });
    order
}

/// The direction a first click on a row sorts in: best first (largest
/// first when no direction is better).
pub fn best_first_descending(better: Better) -> bool {
    better != Better::Lower
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn designs_are_ordered_by_a_row_and_ties_keep_the_scenario_order() {
        let row = |means: &[f64]| CompareRow {
            key: "cost".into(),
            section: SECTIONS[0],
            label: "Total cost / month".into(),
            indent: false,
            priority: 0,
            help: String::new(),
            better: Better::Lower,
            cells: means
                .iter()
                .map(|&mean| CompareCell { text: String::new(), mean, best: false, tooltip: String::new() })
                .collect(),
        };
        let rows = vec![row(&[30.0, 10.0, f64::NAN, 10.0, 20.0])];
        assert_eq!(design_order(&rows, 5, None, false), vec![0, 1, 2, 3, 4]);
        assert_eq!(design_order(&rows, 5, Some("cost"), false), vec![1, 3, 4, 0, 2]);
        assert_eq!(design_order(&rows, 5, Some("cost"), true), vec![0, 4, 1, 3, 2]);
        assert_eq!(design_order(&rows, 5, Some("Total cost / month"), false), vec![0, 1, 2, 3, 4], "by key, not label");
        assert_eq!(design_order(&rows, 5, Some("No such row"), true), vec![0, 1, 2, 3, 4]);
        assert!(!best_first_descending(Better::Lower));
        assert!(best_first_descending(Better::Higher));
    }

    #[test]
    fn the_spike_block_shows_each_tier_in_and_out_of_the_windows_and_marks_the_best() {
        let report = crate::app::plot_data::tests::noisy_report();
        let rows = window_rows(&report);
        assert_eq!(rows.len(), WINDOW_FIGURES.len() * report.tiers.len());
        assert!(rows.iter().all(|r| r.section == DURING_THE_SPIKE && r.better == Better::Lower));
        let premium = report.tiers.iter().position(|t| t == "premium").unwrap_or(0);
        let row = rows.iter().find(|r| r.key == "window_p99.premium").unwrap_or_else(|| panic!("p99 premium row"));
        assert_eq!(row.label, "p99 premium");
        let tenants = report.designs[0].tenants.len();
        let values: Vec<Estimate> =
            report.designs.iter().map(|d| d.tiers[premium].windows.inside.latency.p99_ms).collect();
        let means: Vec<f64> = values.iter().map(|v| v.mean).collect();
        for (d, design) in report.designs.iter().enumerate() {
            let windows = &design.tiers[premium].windows;
            let expected = format!(
                "{} / {}",
                Unit::Ms.format(windows.inside.latency.p99_ms, tenants),
                Unit::Ms.format(Estimate::exact(windows.outside.latency.p99_ms.mean), tenants)
            );
            assert_eq!(row.cells[d].text, expected, "{}", design.name);
            assert!(row.cells[d].tooltip.contains("out of them"), "{}", row.cells[d].tooltip);
        }
        assert_eq!(row.cells.iter().map(|c| c.best).collect::<Vec<_>>(), best_of(&values, Better::Lower));
        let pool = report.designs.iter().position(|d| d.name == "pool").unwrap_or(0);
        assert!(!row.cells[pool].best, "the pool's premium p99 rises during the spike: {means:?}");
        assert!(row.cells.iter().any(|c| c.best));
        // Nothing is lost in the example: the unserved rows are details.
        let unserved: Vec<&CompareRow> = rows.iter().filter(|r| r.key.starts_with("window_unserved")).collect();
        assert!(unserved.iter().all(|r| r.priority == 2), "nothing lost, nothing to headline");
        assert!(rows.iter().filter(|r| r.key.starts_with("window_p99")).all(|r| r.priority == 1));
    }

    #[test]
    fn no_spikes_no_spike_block_and_no_requests_no_rank() {
        let mut report = crate::app::plot_data::tests::noisy_report();
        // A tier that sent nothing during the spike is not ranked.
        for design in &mut report.designs {
            design.tiers[0].windows.inside = WindowSide::default();
        }
        let rows = window_rows(&report);
        let basic = rows.iter().find(|r| r.key == format!("window_p99.{}", report.tiers[0])).map(|r| &r.cells);
        let basic = basic.unwrap_or_else(|| panic!("a row for the first tier"));
        assert!(basic.iter().all(|c| !c.best && c.mean.is_nan() && c.text.starts_with("– / ")), "{basic:?}");
        report.events.retain(|e| e.kind != "spike");
        assert!(window_rows(&report).is_empty());
    }

    #[test]
    fn rows_follow_the_cli_comparison_and_mark_the_best() {
        let report = crate::app::plot_data::tests::noisy_report();
        let rows = compare_rows(&report);
        // One row per compared figure (steady and incident cost among them:
        // the scenario has a spike), one per tier for margin and SLO met,
        // and the blame row.
        assert_eq!(rows.len(), 14 + 2 * report.tiers.len() + 1);
        let cost = &rows[0];
        assert_eq!(cost.cells.len(), report.designs.len());
        let cheapest = report
            .designs
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.totals.cost_usd_per_month.mean.total_cmp(&b.1.totals.cost_usd_per_month.mean))
            .map(|(i, _)| i);
        assert_eq!(cost.cells.iter().position(|c| c.best), cheapest);
        assert!(cost.cells[0].tooltip.contains("730-hour month"), "{}", cost.cells[0].tooltip);
        assert!(cost.cells[0].tooltip.contains("replications"));
        let revenue = rows.iter().find(|r| r.label.starts_with("Revenue")).map(|r| r.cells.iter().any(|c| c.best));
        assert_eq!(revenue, Some(false), "revenue is not ranked");
        let blame = rows.last().map(|r| r.cells.iter().map(|c| c.text.clone()).collect::<Vec<_>>());
        let blame = blame.unwrap_or_default();
        let pool = report.designs.iter().position(|d| d.name == "pool").unwrap_or(0);
        let silo = report.designs.iter().position(|d| d.name == "silo").unwrap_or(0);
        assert!(blame[pool].starts_with("smb-00 → "), "{blame:?}");
        assert_eq!(blame[silo], "nobody hurt");
        let headline: Vec<&str> = rows.iter().filter(|r| r.priority == 0).map(|r| r.label.as_str()).collect();
        assert_eq!(headline.len(), 7, "{headline:?}");
        assert!(rows.iter().filter(|r| r.label.starts_with("Margin ") && r.indent).all(|r| r.priority == 2));
    }
}
