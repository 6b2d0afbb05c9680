//! The rows of the design comparison, prepared once per report: every
//! figure formatted, explained and marked when it is the best of its row,
//! plus who hurt whom. Pure functions, no egui.

pub use crate::report::compare::{CompareCell, CompareRow, best_of, blame, compare_rows};
pub use crate::report::figures::{Better, SECTIONS, Unit, thousands, usd};

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
    fn rows_follow_the_cli_comparison_and_mark_the_best() {
        let report = crate::app::plot_data::tests::noisy_report();
        let rows = compare_rows(&report);
        // One row per compared figure, one per tier for margin and SLO met,
        // and the blame row.
        assert_eq!(rows.len(), 12 + 2 * report.tiers.len() + 1);
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
