//! The rows of the design comparison, prepared once per report: every
//! figure formatted, explained and marked when it is the best of its row,
//! plus who hurt whom. Pure functions, no egui.

use std::fmt::Write as _;

use crate::report::{DesignReport, Estimate, RunReport};

/// Which way a row's figures are better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    /// Smaller is better (cost, latency, throttling).
    Lower,
    /// Larger is better (margin, SLO met).
    Higher,
    /// No ranking (revenue, who hurt whom).
    Neither,
}

/// How a row's figures are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// US dollars per month.
    Usd,
    /// A fraction shown as a percentage.
    Percent,
    /// Milliseconds.
    Ms,
    /// A count of tenants out of the scenario's tenants.
    Tenants,
}

/// One design's figure in a row.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareCell {
    /// The figure as shown, with its ± when the interval is material.
    pub text: String,
    /// Mean over replications (for ranking and tests).
    pub mean: f64,
    /// True when this is the best figure of the row.
    pub best: bool,
    /// What the figure is and how it was computed (hover text).
    pub tooltip: String,
}

/// One row of the comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareRow {
    /// Section heading the row belongs to.
    pub section: &'static str,
    /// Row label.
    pub label: String,
    /// A sub-row (per tier), drawn indented.
    pub indent: bool,
    /// 0 for the headline rows kept when space is short, 1 for the main
    /// rows, 2 for details (per-tier margins, unallocated cost).
    pub priority: u8,
    /// What the row means (hover text of the label).
    pub help: String,
    /// Which way is better.
    pub better: Better,
    /// One cell per design, in report order.
    pub cells: Vec<CompareCell>,
}

/// Section headings, in order.
pub const SECTIONS: [&str; 4] = ["Cost", "Revenue and margin", "Service", "Noisy neighbours"];

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

/// True when a confidence half-width is worth showing next to its mean.
fn material(e: Estimate, unit: Unit) -> bool {
    match unit {
        Unit::Usd => e.ci95 >= 0.005 && e.ci95 > 0.002 * e.mean.abs(),
        Unit::Percent => e.ci95 >= 0.0005,
        Unit::Ms => e.ci95 >= 0.05,
        Unit::Tenants => e.ci95 >= 0.05,
    }
}

/// A figure as shown in the table, `± ci` only when material.
pub fn format_estimate(e: Estimate, unit: Unit, tenants: usize) -> String {
    let ci = material(e, unit);
    match unit {
        Unit::Usd if ci => format!("{} ± {}", usd(e.mean), thousands(e.ci95, 2)),
        Unit::Usd => usd(e.mean),
        Unit::Percent if ci => format!("{:.1} ± {:.1} %", e.mean * 100.0, e.ci95 * 100.0),
        Unit::Percent => format!("{:.1} %", e.mean * 100.0),
        Unit::Ms if ci => format!("{:.1} ± {:.1} ms", e.mean, e.ci95),
        Unit::Ms => format!("{:.1} ms", e.mean),
        Unit::Tenants if ci => format!("{:.1} ± {:.1} of {tenants}", e.mean, e.ci95),
        Unit::Tenants if (e.mean - e.mean.round()).abs() < 0.05 => format!("{:.0} of {tenants}", e.mean),
        Unit::Tenants => format!("{:.1} of {tenants}", e.mean),
    }
}

/// Which of `means` are best (all tied best are marked; nothing is marked
/// when every design has the same figure, or when there is only one).
pub fn best_of(means: &[f64], better: Better) -> Vec<bool> {
    let finite: Vec<f64> = means.iter().copied().filter(|m| m.is_finite()).collect();
    if better == Better::Neither || means.len() < 2 || finite.is_empty() {
        return vec![false; means.len()];
    }
    let best = match better {
        Better::Lower => finite.iter().copied().fold(f64::INFINITY, f64::min),
        _ => finite.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    };
    let worst = match better {
        Better::Lower => finite.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        _ => finite.iter().copied().fold(f64::INFINITY, f64::min),
    };
    let tolerance = 1e-9 * best.abs().max(1e-9);
    if (worst - best).abs() <= tolerance {
        return vec![false; means.len()];
    }
    means.iter().map(|m| m.is_finite() && (m - best).abs() <= tolerance).collect()
}

/// The order of the design columns: by the figures (means) of the row
/// labelled `sort_row`, smallest first unless `descending`; ties and
/// figures that are not numbers keep the scenario's order (the latter
/// last). Without such a row, the scenario's order.
pub fn design_order(rows: &[CompareRow], designs: usize, sort_row: Option<&str>, descending: bool) -> Vec<usize> {
    let mut order: Vec<usize> = (0..designs).collect();
    let Some(row) = sort_row.and_then(|label| rows.iter().find(|r| r.label == label)) else {
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

/// Who hurt whom in one design: each spiking tenant with the tenants it
/// hurt (file order), culprits in order of first appearance.
pub fn blame(design: &DesignReport) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for tenant in design.tenants.iter().filter(|t| t.impact.hurt) {
        for culprit in &tenant.impact.blamed {
            match out.iter_mut().find(|(c, _)| c == culprit) {
                Some((_, victims)) => victims.push(tenant.id.clone()),
                None => out.push((culprit.clone(), vec![tenant.id.clone()])),
            }
        }
    }
    out
}

/// Short text of a blame list: `smb-00 → 16 tenants`, `nobody hurt`.
fn blame_text(blame: &[(String, Vec<String>)]) -> String {
    if blame.is_empty() {
        return "nobody hurt".to_owned();
    }
    blame
        .iter()
        .map(|(culprit, victims)| match victims.len() {
            1 => format!("{culprit} → {}", victims[0]),
            n => format!("{culprit} → {n} tenants"),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Long text of a blame list, every victim named (up to 40 per culprit).
fn blame_tooltip(design: &str, blame: &[(String, Vec<String>)]) -> String {
    let mut text = format!("{design}: ");
    if blame.is_empty() {
        text.push_str("no tenant was measurably hurt by another tenant's spike.");
        return text;
    }
    for (culprit, victims) in blame {
        let shown: Vec<&str> = victims.iter().take(40).map(String::as_str).collect();
        let _ = write!(text, "\n• {culprit} hurt {} tenant(s): {}", victims.len(), shown.join(", "));
        if victims.len() > shown.len() {
            let _ = write!(text, " and {} more", victims.len() - shown.len());
        }
    }
    text
}

/// Everything a row needs to be built from the report.
struct RowSpec<'a> {
    section: &'static str,
    label: String,
    indent: bool,
    priority: u8,
    help: String,
    better: Better,
    unit: Unit,
    value: &'a dyn Fn(&DesignReport) -> Estimate,
}

fn build_row(report: &RunReport, spec: &RowSpec<'_>) -> CompareRow {
    let tenants = report.designs.first().map_or(0, |d| d.tenants.len());
    let values: Vec<Estimate> = report.designs.iter().map(|d| (spec.value)(d)).collect();
    let means: Vec<f64> = values.iter().map(|v| v.mean).collect();
    let best = best_of(&means, spec.better);
    let reps = report.replications;
    let cells = report
        .designs
        .iter()
        .zip(&values)
        .zip(best)
        .map(|((design, value), best)| {
            let mut tooltip =
                format!("{}\n\n{}: {}", spec.help, design.name, format_estimate(*value, spec.unit, tenants));
            if reps > 1 {
                let ci = match spec.unit {
                    Unit::Usd => usd(value.ci95),
                    Unit::Percent => format!("{:.2} percentage points", value.ci95 * 100.0),
                    Unit::Ms => format!("{:.2} ms", value.ci95),
                    Unit::Tenants => format!("{:.2} tenants", value.ci95),
                };
                let _ = write!(tooltip, "\nMean of {reps} replications; 95 % confidence interval ± {ci}.");
            } else {
                tooltip.push_str("\nOne replication: no confidence interval (add replications for ±).");
            }
            if best {
                tooltip.push_str(match spec.better {
                    Better::Lower => "\nBest of the designs (lower is better).",
                    _ => "\nBest of the designs (higher is better).",
                });
            }
            CompareCell { text: format_estimate(*value, spec.unit, tenants), mean: value.mean, best, tooltip }
        })
        .collect();
    CompareRow {
        section: spec.section,
        label: spec.label.clone(),
        indent: spec.indent,
        priority: spec.priority,
        help: spec.help.clone(),
        better: spec.better,
        cells,
    }
}

fn spec<'a>(
    section: &'static str,
    label: &str,
    help: &str,
    better: Better,
    unit: Unit,
    value: &'a dyn Fn(&DesignReport) -> Estimate,
) -> RowSpec<'a> {
    let headline = ["Total cost / month", "Margin / month", "SLO met (tenants)", "Unserved", "Worst p99 latency"];
    let priority = if headline.contains(&label) || label.starts_with("Tenants hurt") { 0 } else { 1 };
    RowSpec { section, label: label.to_owned(), indent: false, priority, help: help.to_owned(), better, unit, value }
}

/// Every row of the comparison, in display order.
pub fn compare_rows(report: &RunReport) -> Vec<CompareRow> {
    use Better::{Higher, Lower, Neither};
    let [cost, margin, service, noisy] = SECTIONS;
    let hours = if report.months_per_run > 0.0 { report.duration_secs / 3600.0 / report.months_per_run } else { 730.0 };
    let month = format!("a {hours:.0}-hour month");
    let mut rows = vec![
        build_row(
            report,
            &spec(
                cost,
                "Total cost / month",
                &format!(
                    "Total cost per month: usage during the run scaled to {month}, plus the fixed overhead of every \
                 stack. Lower is better."
                ),
                Lower,
                Unit::Usd,
                &|d| d.totals.cost_usd_per_month,
            ),
        ),
        build_row(
            report,
            &RowSpec {
                indent: true,
                priority: 2,
                ..spec(
                    cost,
                    "Unallocated",
                    "Cost not attributed to any tenant (idle capacity kept as its own line, empty cells). \
                 Tenant costs + unallocated = total cost, exactly.",
                    Lower,
                    Unit::Usd,
                    &|d| d.totals.unallocated_usd_per_month,
                )
            },
        ),
        build_row(
            report,
            &spec(
                cost,
                "Mean cost / tenant",
                "Attributed cost per tenant per month, averaged over tenants. Silo stacks belong to their tenant; \
             shared stacks are split by the scenario's attribution method.",
                Lower,
                Unit::Usd,
                &|d| d.totals.mean_cost_per_tenant_usd_per_month,
            ),
        ),
        build_row(
            report,
            &spec(
                cost,
                "Worst cost / tenant",
                "The largest attributed monthly cost of any one tenant.",
                Lower,
                Unit::Usd,
                &|d| d.totals.worst_cost_per_tenant_usd_per_month,
            ),
        ),
        build_row(
            report,
            &spec(
                margin,
                "Revenue / month",
                "Sum of every tenant's tier price per month. The same in every design: a design changes cost, \
             not price.",
                Neither,
                Unit::Usd,
                &|d| Estimate::exact(d.totals.revenue_usd_per_month),
            ),
        ),
        build_row(
            report,
            &spec(
                margin,
                "Margin / month",
                "Revenue minus total cost, per month. Higher is better.",
                Higher,
                Unit::Usd,
                &|d| d.totals.margin_usd_per_month,
            ),
        ),
    ];
    for (k, tier) in report.tiers.iter().enumerate() {
        let value = move |d: &DesignReport| d.tiers.get(k).map_or_else(Estimate::default, |t| t.margin_usd_per_month);
        let help = format!("The {tier} tier's revenue minus the cost attributed to its tenants, per month.");
        rows.push(build_row(
            report,
            &RowSpec {
                indent: true,
                priority: 2,
                ..spec(margin, &format!("Margin {tier}"), &help, Higher, Unit::Usd, &value)
            },
        ));
    }
    rows.push(build_row(
        report,
        &spec(
            service,
            "SLO met (tenants)",
            "Share of tenants that met their tier's service-level objective over the run: p99 latency under the \
         objective and, where the tier sets one, throttled share under its maximum. Higher is better.",
            Higher,
            Unit::Percent,
            &|d| d.totals.slo_met_fraction,
        ),
    ));
    for (k, tier) in report.tiers.iter().enumerate() {
        let value = move |d: &DesignReport| d.tiers.get(k).map_or_else(Estimate::default, |t| t.slo_met_fraction);
        let slo = report.tier_slo_p99_ms.get(k).map_or_else(String::new, |ms| format!(" (p99 ≤ {ms:.0} ms)"));
        let help = format!("Share of the {tier} tier's tenants that met its SLO{slo}.");
        rows.push(build_row(
            report,
            &RowSpec {
                indent: true,
                ..spec(service, &format!("SLO met {tier}"), &help, Higher, Unit::Percent, &value)
            },
        ));
    }
    rows.extend([
        build_row(
            report,
            &spec(
                service,
                "Throttled",
                "Requests rejected at the gateway (usage plan, quota or the shared account limit), as a share of \
             requests offered. Lower is better.",
                Lower,
                Unit::Percent,
                &|d| d.totals.throttled_fraction,
            ),
        ),
        build_row(
            report,
            &spec(
                service,
                "Unserved",
                "Requests throttled or dropped (queue timeout, saturated database partition), as a share of \
             requests offered. Lower is better.",
                Lower,
                Unit::Percent,
                &|d| d.totals.unserved_fraction,
            ),
        ),
        build_row(
            report,
            &spec(
                service,
                "Worst p99 latency",
                "The highest p99 latency of any tenant over the whole run. Lower is better.",
                Lower,
                Unit::Ms,
                &|d| d.totals.worst_p99_ms,
            ),
        ),
        build_row(
            report,
            &spec(
                noisy,
                "Tenants hurt by neighbours",
                "The noisy-neighbour blast radius: tenants whose p99 latency rose by more than 10 % (and 1 ms), or \
             whose unserved share rose by more than 0.5 points, inside other tenants' spike windows, compared \
             with the same run without the spikes. Lower is better.",
                Lower,
                Unit::Tenants,
                &|d| d.totals.tenants_hurt,
            ),
        ),
        build_row(
            report,
            &spec(
                noisy,
                "Worst p99 increase",
                "The largest rise of any tenant's p99 latency inside other tenants' spike windows, against the \
             same run without the spikes. Lower is better.",
                Lower,
                Unit::Ms,
                &|d| d.totals.worst_impact_p99_increase_ms,
            ),
        ),
    ]);
    rows.push(blame_row(report));
    rows
}

fn blame_row(report: &RunReport) -> CompareRow {
    let help = "Who hurt whom: for every hurt tenant, the spiking tenants that share a stack with it (the likely \
                culprits).";
    CompareRow {
        section: SECTIONS[3],
        label: "Who hurt whom".to_owned(),
        indent: false,
        priority: 0,
        help: help.to_owned(),
        better: Better::Neither,
        cells: report
            .designs
            .iter()
            .map(|d| {
                let blame = blame(d);
                let victims: usize = blame.iter().map(|(_, v)| v.len()).sum();
                CompareCell {
                    text: blame_text(&blame),
                    mean: victims as f64,
                    best: false,
                    tooltip: format!("{help}\n\n{}", blame_tooltip(&d.name, &blame)),
                }
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(format_estimate(Estimate { mean: 763.13, ci95: 0.0 }, Unit::Usd, tenants), "$763.13");
        assert_eq!(format_estimate(Estimate { mean: 72.13, ci95: 0.36 }, Unit::Usd, tenants), "$72.13 ± 0.36");
        assert_eq!(format_estimate(Estimate { mean: 0.8824, ci95: 0.0 }, Unit::Percent, tenants), "88.2 %");
        assert_eq!(format_estimate(Estimate { mean: 277.6, ci95: 0.2 }, Unit::Ms, tenants), "277.6 ± 0.2 ms");
        assert_eq!(format_estimate(Estimate { mean: 16.0, ci95: 0.0 }, Unit::Tenants, tenants), "16 of 17");
    }

    #[test]
    fn best_is_marked_by_direction_and_ties_are_not_noise() {
        assert_eq!(best_of(&[763.0, 5882.0, 1131.0], Better::Lower), vec![true, false, false]);
        assert_eq!(best_of(&[2719.0, -2399.0, 2351.0], Better::Higher), vec![true, false, false]);
        assert_eq!(best_of(&[0.0, 0.0, 0.0], Better::Lower), vec![false; 3], "all equal: nothing to mark");
        assert_eq!(best_of(&[1.0, 0.5, 1.0], Better::Higher), vec![true, false, true], "ties share the star");
        assert_eq!(best_of(&[3483.0, 1.0], Better::Neither), vec![false; 2]);
        assert_eq!(best_of(&[5.0], Better::Lower), vec![false], "one design: no contest");
    }

    #[test]
    fn designs_are_ordered_by_a_row_and_ties_keep_the_scenario_order() {
        let row = |means: &[f64]| CompareRow {
            section: SECTIONS[0],
            label: "Cost".into(),
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
        assert_eq!(design_order(&rows, 5, Some("Cost"), false), vec![1, 3, 4, 0, 2]);
        assert_eq!(design_order(&rows, 5, Some("Cost"), true), vec![0, 4, 1, 3, 2]);
        assert_eq!(design_order(&rows, 5, Some("No such row"), true), vec![0, 1, 2, 3, 4]);
        assert!(!best_first_descending(Better::Lower));
        assert!(best_first_descending(Better::Higher));
    }

    #[test]
    fn rows_follow_the_cli_comparison_and_mark_the_best() {
        let report = crate::app::plot_data::tests::noisy_report();
        let rows = compare_rows(&report);
        let cli = crate::report::format::compare_rows(&report);
        // Every CLI row has a counterpart, plus the blame row.
        assert_eq!(rows.len(), cli.len() + 1);
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
