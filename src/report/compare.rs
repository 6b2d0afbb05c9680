//! The design comparison, built from the table of figures: one row per
//! compared figure (and per tier where the figure has tier rows), every
//! design's value formatted and explained, the best of each row marked,
//! and who hurt whom. The CLI prints it; the app draws it.

use std::fmt::Write as _;

use crate::report::figures::{Better, FIGURES, Figure, SECTIONS, Scope};
use crate::report::{DesignReport, Estimate, MAX_BLAMED, OWN_SPIKES_COUNTED, RunReport};

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
    /// Stable key: the figure's key, `.` and the tier for a tier's row.
    pub key: String,
    /// Section heading the row belongs to (one of [`SECTIONS`]).
    pub section: &'static str,
    /// Row label.
    pub label: String,
    /// A sub-row (per tier, or a detail), drawn indented.
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

/// Relative difference under which two figures count as equal.
const PRACTICALLY_EQUAL: f64 = 0.005;

/// Which designs are best: the best mean, and every design whose 95 %
/// confidence interval overlaps the best's, or (with tighter intervals)
/// that is within half a percent of it (they cannot be told apart, so they share the mark). Nothing is marked when no design is clearly worse
/// than the best (every one ties), or when there is only one.
pub fn best_of(values: &[Estimate], better: Better) -> Vec<bool> {
    let n = values.len();
    let finite: Vec<usize> = (0..n).filter(|&i| values[i].mean.is_finite()).collect();
    if better == Better::Neither || n < 2 || finite.is_empty() {
        return vec![false; n];
    }
    let score = |i: usize| if better == Better::Lower { values[i].mean } else { -values[i].mean };
    let best = finite.iter().copied().min_by(|&a, &b| score(a).total_cmp(&score(b))).unwrap_or(0);
    let half = |i: usize| if values[i].ci95.is_finite() { values[i].ci95.abs() } else { 0.0 };
    // Within half a percent of the best is the same figure to a reader,
    // however tight the intervals.
    let tolerance = PRACTICALLY_EQUAL * values[best].mean.abs().max(1e-9);
    let marks: Vec<bool> = (0..n)
        .map(|i| {
            values[i].mean.is_finite()
                && (values[i].mean - values[best].mean).abs() <= (half(i) + half(best)).max(tolerance)
        })
        .collect();
    if marks.iter().filter(|&&m| m).count() == finite.len() { vec![false; n] } else { marks }
}

/// Hours in the run's billing month.
fn hours_per_month(report: &RunReport) -> f64 {
    if report.months_per_run > 0.0 { report.duration_secs / 3600.0 / report.months_per_run } else { 730.0 }
}

/// The row of `figure` at `scope` (the whole design or one tier).
fn row(report: &RunReport, figure: &Figure, scope: Scope<'_>) -> CompareRow {
    let Some(slot) = figure.compare else { unreachable!("only compared figures get rows") };
    let (key, label, help, indent, priority) = match scope {
        Scope::Tier(k) => {
            let tier = report.tiers.get(k).map_or("", String::as_str);
            let slo = report.tier_slo_p99_ms.get(k).map_or_else(String::new, |ms| format!(" (p99 ≤ {ms:.0} ms)"));
            (
                format!("{}.{tier}", figure.key),
                figure.tier_label.replace("{tier}", tier),
                figure.tier_help.replace("{tier}", tier).replace("{slo}", &slo),
                true,
                slot.tier_rows.unwrap_or(slot.priority),
            )
        }
        _ => (
            figure.key.to_owned(),
            figure.label.to_owned(),
            figure.help_text(hours_per_month(report)),
            slot.indent,
            slot.priority,
        ),
    };
    let tenants = report.designs.first().map_or(0, |d| d.tenants.len());
    let values: Vec<_> = report.designs.iter().map(|d| figure.read(d, scope).unwrap_or_default()).collect();
    let best = best_of(&values, figure.better);
    let reps = report.replications;
    let cells = report
        .designs
        .iter()
        .zip(&values)
        .zip(best)
        .map(|((design, value), best)| {
            let text = figure.unit.format(*value, tenants);
            let mut tooltip = format!("{help}\n\n{}: {text}", design.name);
            if reps > 1 {
                let ci = figure.unit.format_ci(value.ci95);
                let _ = write!(tooltip, "\nMean of {reps} replications; 95 % confidence interval ± {ci}.");
            } else {
                tooltip.push_str("\nOne replication: no confidence interval (add replications for ±).");
            }
            if best {
                tooltip.push_str(match figure.better {
                    Better::Lower => "\nBest of the designs (lower is better).",
                    _ => "\nBest of the designs (higher is better).",
                });
            }
            CompareCell { text, mean: value.mean, best, tooltip }
        })
        .collect();
    CompareRow { key, section: SECTIONS[slot.section], label, indent, priority, help, better: figure.better, cells }
}

/// Every row of the comparison, in display order, ending with who hurt
/// whom.
pub fn compare_rows(report: &RunReport) -> Vec<CompareRow> {
    let mut rows = Vec::new();
    let spikes = report.events.iter().any(|e| e.kind == "spike");
    let shown = |f: &Figure| {
        f.compare.is_some_and(|s| {
            let nonzero = || report.designs.iter().any(|d| f.read(d, Scope::Design).is_ok_and(|e| e.mean != 0.0));
            (spikes || !s.spikes_only) && (!s.zero_hidden || nonzero())
        })
    };
    for figure in FIGURES.iter().filter(|f| shown(f)) {
        rows.push(row(report, figure, Scope::Design));
        if figure.compare.is_some_and(|s| s.tier_rows.is_some()) {
            rows.extend((0..report.tiers.len()).map(|k| row(report, figure, Scope::Tier(k))));
        }
    }
    rows.push(blame_row(report));
    rows
}

/// Who hurt whom in one design: each spiking tenant with the tenants it
/// hurt (file order), culprits in order of first appearance.
pub fn blame(design: &DesignReport) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    let mut index: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for tenant in design.tenants.iter().filter(|t| t.impact.hurt) {
        for culprit in &tenant.impact.blamed {
            let at = *index.entry(culprit.as_str()).or_insert_with(|| {
                out.push((culprit.clone(), Vec::new()));
                out.len() - 1
            });
            out[at].1.push(tenant.id.clone());
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

/// The last row: who hurt whom in each design.
fn blame_row(report: &RunReport) -> CompareRow {
    let help = "Who hurt whom: for every hurt tenant, the spiking tenants that share a stack with it (the likely \
                culprits).";
    CompareRow {
        key: "blame".to_owned(),
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
                // Blame lists name at most MAX_BLAMED culprits each.
                let mut more = if d.tenants.iter().any(|t| t.impact.blamed_not_listed > 0) {
                    format!(" (+ culprits not listed: a tenant's list names {MAX_BLAMED} at most)")
                } else {
                    String::new()
                };
                let counted = d.tenants.iter().filter(|t| t.impact.own_spikes_counted).count();
                if counted > 0 {
                    let _ = write!(
                        more,
                        " ({counted} spiking tenant(s) judged with their own spikes counted: {OWN_SPIKES_COUNTED})"
                    );
                }
                CompareCell {
                    text: format!("{}{more}", blame_text(&blame)),
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
    fn best_is_marked_by_direction_and_ties_are_not_noise() {
        let exact = |means: &[f64]| means.iter().map(|&mean| Estimate { mean, ci95: 0.0 }).collect::<Vec<_>>();
        assert_eq!(best_of(&exact(&[763.0, 5882.0, 1131.0]), Better::Lower), vec![true, false, false]);
        assert_eq!(best_of(&exact(&[2719.0, -2399.0, 2351.0]), Better::Higher), vec![true, false, false]);
        assert_eq!(best_of(&exact(&[0.0, 0.0, 0.0]), Better::Lower), vec![false; 3], "all equal: nothing to mark");
        assert_eq!(best_of(&exact(&[1.0, 0.5, 1.0]), Better::Higher), vec![true, false, true], "ties share the star");
        assert_eq!(best_of(&exact(&[3483.0, 1.0]), Better::Neither), vec![false; 2]);
        assert_eq!(best_of(&exact(&[5.0]), Better::Lower), vec![false], "one design: no contest");
    }

    #[test]
    fn a_best_within_another_designs_confidence_interval_is_a_tie() {
        let e = |mean: f64, ci95: f64| Estimate { mean, ci95 };
        // 27,514 ± 8,090 ms cannot be told from 31,232 ms: no star.
        assert_eq!(best_of(&[e(27_514.0, 8_090.0), e(31_232.0, 0.0)], Better::Lower), vec![false, false]);
        // Both beat a third clearly: they share the star.
        let three = [e(27_514.0, 8_090.0), e(31_232.0, 500.0), e(90_000.0, 1_000.0)];
        assert_eq!(best_of(&three, Better::Lower), vec![true, true, false]);
        // Intervals apart: the best alone.
        assert_eq!(best_of(&[e(100.0, 5.0), e(120.0, 5.0)], Better::Lower), vec![true, false]);
        assert_eq!(best_of(&[e(100.0, 5.0), e(120.0, 5.0)], Better::Higher), vec![false, true]);
        // 92.1, 92.2 and 92.5 ms with tight intervals read as the same: no star.
        let close = [e(92.5, 0.01), e(92.1, 0.01), e(92.2, 0.01)];
        assert_eq!(best_of(&close, Better::Lower), vec![false; 3]);
        // 93.4 ± 6.1 % is 6.6 points short of 100 %: told apart, as 94.1 % is.
        let slo = [e(93.4, 6.1), e(94.1, 0.0), e(100.0, 0.0)];
        assert_eq!(best_of(&slo, Better::Higher), vec![false, false, true]);
    }
}
