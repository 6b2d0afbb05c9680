//! The Planner tab's plot data (pure functions, no egui): a figure of
//! every design against a one-axis plan's axis with its 95 % band, the
//! answers as marks on that axis, the constraint levels, a two-axis
//! plan's grid of one figure with the cells where a level is crossed, and
//! the search's Pareto front as cost against worst p99. The tab draws
//! these as they are; it computes nothing itself.

use crate::plan::answer::show_x;
use crate::plan::spec::{Axis, PlanSpec};
use crate::plan::sweep::figure_key;
use crate::report::Estimate;
use crate::report::figures::{FIGURES, Unit};
use crate::report::plan::{Candidate, PlanReport, PointReport, PointValue, SearchReport};
use crate::scenario::file::{ConstraintFile, QuestionFile};

/// One design's figure along the axis, with its 95 % band, sorted by x.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Curve {
    /// Design name.
    pub design: String,
    /// Axis values.
    pub x: Vec<f64>,
    /// Means.
    pub mean: Vec<f64>,
    /// Mean minus the CI half-width.
    pub lower: Vec<f64>,
    /// Mean plus the CI half-width.
    pub upper: Vec<f64>,
}

impl Curve {
    /// The mean as `[x, y]` points.
    pub fn points(&self) -> Vec<[f64; 2]> {
        self.x.iter().zip(&self.mean).map(|(x, y)| [*x, *y]).collect()
    }
}

/// A mark on the axis: an answer's value.
#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    /// Where, on the axis.
    pub x: f64,
    /// What it is, e.g. `smallest: 3 instances`.
    pub label: String,
    /// What the confidence intervals allow, when wider than a point.
    pub interval: Option<[f64; 2]>,
}

/// A level a constraint sets on the figure drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct Level {
    /// The figure's value.
    pub y: f64,
    /// E.g. `at most 150 ms`.
    pub label: String,
}

/// Every figure key in `points`, in the order first met (the table of
/// figures' order: cost, margin, …, then tiers' and tenants').
pub fn figure_keys(points: &[&PointReport]) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for p in points {
        for d in &p.designs {
            for k in d.figures.keys() {
                if !keys.contains(k) {
                    keys.push(k.clone());
                }
            }
        }
    }
    keys
}

/// The figure a plan's first question is about (a goal's first
/// constraint), the one its plot should show first; total cost otherwise.
pub fn question_figure(spec: &PlanSpec) -> String {
    let constraint = |c: &ConstraintFile| match c {
        ConstraintFile::AllSlosMet => "slo_met".to_owned(),
        ConstraintFile::SloMet { tier } => format!("slo_met:{tier}"),
        ConstraintFile::AtMost { figure, .. } | ConstraintFile::AtLeast { figure, .. } => figure_key(figure),
    };
    let from_search = || spec.search.as_ref().and_then(|s| s.constraints.first()).map(constraint);
    match spec.questions.first() {
        Some(QuestionFile::Crossover { figure, .. } | QuestionFile::Crosses { figure, .. }) => figure_key(figure),
        Some(QuestionFile::Smallest { constraints, .. } | QuestionFile::Largest { constraints, .. }) => {
            constraints.first().map_or_else(|| "cost".to_owned(), constraint)
        }
        None => from_search().unwrap_or_else(|| "cost".to_owned()),
    }
}

/// The words and unit of a figure key: `p99:premium` → (`Worst p99 latency
/// of tier premium`, ms).
pub fn figure_label(key: &str) -> (String, Unit) {
    let (base, scope) = match key.split_once(['@', ':']) {
        Some((base, rest)) if key.contains('@') => (base, format!(" of {rest}")),
        Some((base, rest)) => (base, format!(" of tier {rest}")),
        None => (key, String::new()),
    };
    match FIGURES.iter().find(|f| f.key == base) {
        Some(f) => (format!("{}{scope}", f.label), f.unit),
        None => (key.to_owned(), Unit::Requests),
    }
}

fn number(v: Option<&PointValue>) -> Option<f64> {
    match v {
        Some(PointValue::Number(x)) => Some(*x),
        _ => None,
    }
}

/// Every design's `key` against the first axis, in the order the designs
/// first appear; points whose first value is not a number are skipped.
/// On a two-axis plan only the points at the second axis's first value.
pub fn curves(points: &[&PointReport], key: &str) -> Vec<Curve> {
    let second = points.iter().find_map(|p| p.values.get(1).cloned());
    let mut out: Vec<Curve> = Vec::new();
    let mut rows: Vec<(f64, &PointReport)> = points
        .iter()
        .filter(|p| second.is_none() || p.values.get(1) == second.as_ref())
        .filter_map(|p| number(p.values.first()).map(|x| (x, *p)))
        .collect();
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    rows.dedup_by(|a, b| a.0 == b.0);
    for (x, p) in rows {
        for d in &p.designs {
            let Some(e) = d.figures.get(key) else { continue };
            let curve = match out.iter_mut().position(|c| c.design == d.design) {
                Some(i) => &mut out[i],
                None => {
                    out.push(Curve { design: d.design.clone(), ..Curve::default() });
                    let last = out.len() - 1;
                    &mut out[last]
                }
            };
            curve.x.push(x);
            curve.mean.push(e.mean);
            curve.lower.push(e.mean - e.ci95);
            curve.upper.push(e.mean + e.ci95);
        }
    }
    out
}

/// How a plot spreads the axis: as its values, or as their base-10
/// logarithm (a geometric axis, whose points then lie evenly apart).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XScale {
    /// Values as they are.
    Linear,
    /// `log10` of the values.
    Log10,
}

impl XScale {
    /// The scale `axis` is drawn on: logarithmic when its values were
    /// spread geometrically (all of them then greater than zero).
    pub fn of(axis: &Axis) -> Self {
        if axis.log_scale { Self::Log10 } else { Self::Linear }
    }

    /// Where axis value `x` lies on the plot.
    pub fn to_plot(self, x: f64) -> f64 {
        match self {
            Self::Linear => x,
            Self::Log10 => x.log10(),
        }
    }

    /// The axis value at plot position `v`.
    pub fn from_plot(self, v: f64) -> f64 {
        match self {
            Self::Linear => v,
            Self::Log10 => 10f64.powf(v),
        }
    }
}

/// A grid line of a logarithmic axis: where it lies on the plot and how
/// far apart lines of its weight are (decades 1, then 2× and 5×, then the
/// other multiples).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogMark {
    /// Position on the plot (`log10` of the value).
    pub at: f64,
    /// Spacing of lines of this weight, in plot units.
    pub step: f64,
}

/// Grid lines of a logarithmic axis over the plot range `[lo, hi]`
/// (in `log10` units): every decade, and within each decade 2× and 5×,
/// and the other multiples when fewer than three decades show. A range
/// narrower than half a decade gets evenly spaced round values instead.
pub fn log_marks(lo: f64, hi: f64) -> Vec<LogMark> {
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo || hi - lo > 600.0 {
        return Vec::new();
    }
    let mut out = Vec::new();
    if hi - lo < 0.5 {
        let (a, b) = (10f64.powf(lo), 10f64.powf(hi));
        let raw = (b - a) / 5.0;
        let magnitude = 10f64.powf(raw.log10().floor());
        let step = [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * magnitude).find(|s| *s >= raw).unwrap_or(10.0 * magnitude);
        let mut k = (a / step).ceil();
        while k * step <= b && out.len() < 64 {
            out.push(LogMark { at: (k * step).log10(), step: (hi - lo) / 5.0 });
            k += 1.0;
        }
        return out;
    }
    let fine = hi - lo < 3.0;
    for decade in (lo.floor() as i64)..=(hi.ceil() as i64) {
        for m in 1..=9u32 {
            let step = match m {
                1 => 1.0,
                2 | 5 => 0.3,
                _ if fine => 0.1,
                _ => continue,
            };
            let at = decade as f64 + f64::from(m).log10();
            if (lo..=hi).contains(&at) {
                out.push(LogMark { at, step });
            }
        }
    }
    out
}

/// A grid value of a logarithmic axis as text: at most three significant
/// digits, no trailing zeros (`2`, `0.05`, `150`, `1.25`).
pub fn log_tick_text(x: f64) -> String {
    if !x.is_finite() || x <= 0.0 {
        return String::new();
    }
    let digits = (2 - x.log10().floor() as i32).clamp(0, 12) as usize;
    let text = format!("{x:.digits$}");
    if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_owned() } else { text }
}

/// The answers found, as marks on the axis.
pub fn markers(report: &PlanReport, axis: &Axis) -> Vec<Marker> {
    report
        .answers
        .iter()
        .filter(|a| a.found)
        .filter_map(|a| {
            let x = a.value?;
            let what = a.kind.as_str();
            let interval = a.interval.filter(|[lo, hi]| hi > lo);
            // On a whole-number knob a crossing between two values is
            // estimated in between: name both, as the answer does.
            let at = if axis.knob.is_integer() && x.fract() != 0.0 {
                format!("between {} and {}", show_x(axis, x.floor()), show_x(axis, x.ceil()))
            } else {
                show_x(axis, x)
            };
            Some(Marker { x, label: format!("{what}: {at}"), interval })
        })
        .collect()
}

/// The levels the plan's constraints and `Crosses` questions set on the
/// figure `key`.
pub fn levels(spec: &PlanSpec, key: &str) -> Vec<Level> {
    let (_, unit) = figure_label(key);
    let show = |y: f64| unit.format(Estimate::exact(y), 0).replace(" of 0", "");
    let constraint = |c: &ConstraintFile| match c {
        ConstraintFile::AtMost { figure, value } if figure_key(figure) == key => {
            Some(Level { y: *value, label: format!("at most {}", show(*value)) })
        }
        ConstraintFile::AtLeast { figure, value } if figure_key(figure) == key => {
            Some(Level { y: *value, label: format!("at least {}", show(*value)) })
        }
        ConstraintFile::SloMet { tier } if key == format!("slo_met:{tier}") => {
            Some(Level { y: 1.0, label: "every tenant meets its SLO".to_owned() })
        }
        ConstraintFile::AllSlosMet if key == "slo_met" => {
            Some(Level { y: 1.0, label: "every tenant meets its SLO".to_owned() })
        }
        _ => None,
    };
    let mut out = Vec::new();
    for q in &spec.questions {
        match q {
            QuestionFile::Smallest { constraints, .. } | QuestionFile::Largest { constraints, .. } => {
                out.extend(constraints.iter().filter_map(constraint));
            }
            QuestionFile::Crosses { figure, value, .. } if figure_key(figure) == key => {
                out.push(Level { y: *value, label: format!("crosses {}", show(*value)) });
            }
            _ => {}
        }
    }
    if let Some(s) = &spec.search {
        out.extend(s.constraints.iter().filter_map(constraint));
    }
    out.dedup();
    out
}

/// A two-axis plan's grid of one design's figure.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    /// First axis values (columns), as shown.
    pub columns: Vec<String>,
    /// Second axis values (rows), as shown.
    pub rows: Vec<String>,
    /// Row by row (the second axis), each row along the first axis; `None`
    /// where the point has not finished.
    pub cells: Vec<Option<Estimate>>,
    /// Smallest and largest mean among the cells.
    pub range: (f64, f64),
}

impl Grid {
    /// The cell at `column`, `row`.
    pub fn at(&self, column: usize, row: usize) -> Option<Estimate> {
        self.cells.get(row * self.columns.len() + column).copied().flatten()
    }

    /// Where the cell and its right or upper neighbour lie on either side
    /// of `level`: the edges of the contour, as (column, row, true for the
    /// right neighbour, false for the upper one).
    pub fn flips(&self, level: f64) -> Vec<(usize, usize, bool)> {
        let side = |c: usize, r: usize| self.at(c, r).map(|e| e.mean >= level);
        let mut out = Vec::new();
        for r in 0..self.rows.len() {
            for c in 0..self.columns.len() {
                let Some(here) = side(c, r) else { continue };
                if c + 1 < self.columns.len() && side(c + 1, r).is_some_and(|s| s != here) {
                    out.push((c, r, true));
                }
                if r + 1 < self.rows.len() && side(c, r + 1).is_some_and(|s| s != here) {
                    out.push((c, r, false));
                }
            }
        }
        out
    }
}

/// The grid of `design`'s `key` over a two-axis plan's points.
pub fn grid(spec: &PlanSpec, points: &[&PointReport], design: &str, key: &str) -> Option<Grid> {
    let [a, b] = spec.axes.as_slice() else { return None };
    let show = |v: &crate::scenario::change::KnobValue| crate::plan::spec::show(*v);
    let (cols, rows) = (a.values.len(), b.values.len());
    let mut cells = vec![None; cols * rows];
    for p in points {
        let Some(i) = p.index.filter(|&i| i < cols * rows) else { continue };
        let value = p.designs.iter().find(|d| d.design == design).and_then(|d| d.figures.get(key)).copied();
        // Point index: the first axis varies fastest, as rows are laid out.
        cells[i] = value;
    }
    let means = cells.iter().flatten().map(|e| e.mean);
    let range = means.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), m| (lo.min(m), hi.max(m)));
    Some(Grid { columns: a.values.iter().map(show).collect(), rows: b.values.iter().map(show).collect(), cells, range })
}

/// One candidate on the Pareto plot.
#[derive(Debug, Clone, PartialEq)]
pub struct ParetoPoint {
    /// Its label (placements and sizing).
    pub label: String,
    /// Total cost / month, USD.
    pub cost_usd: f64,
    /// Worst p99, ms.
    pub worst_p99_ms: f64,
    /// Met every constraint.
    pub feasible: bool,
    /// The search's winner.
    pub best: bool,
    /// The candidate itself.
    pub candidate: Candidate,
}

/// The search's Pareto front (and its winner) as cost against worst p99;
/// each labelled with its placements and its values on the sizing `axes`.
pub fn pareto(search: &SearchReport, axes: &[Axis]) -> Vec<ParetoPoint> {
    let best = search.best.as_ref().map(|b| &b.label);
    let label = |c: &Candidate| {
        let values: Vec<String> = axes
            .iter()
            .zip(&c.values)
            .map(|(axis, v)| match v {
                PointValue::Number(x) => format!("{} = {}", axis.knob.describe(), show_x(axis, *x)),
                PointValue::Placement(p) => format!("{} = {p}", axis.knob.describe()),
            })
            .collect();
        if values.is_empty() { c.label.clone() } else { format!("{} with {}", c.label, values.join(", ")) }
    };
    let mut out: Vec<ParetoPoint> = search
        .pareto
        .iter()
        .map(|c| ParetoPoint {
            label: label(c),
            cost_usd: c.cost.mean,
            worst_p99_ms: c.worst_p99_ms.mean,
            feasible: c.feasible,
            best: best == Some(&c.label) && search.best.as_ref().is_some_and(|b| b.values == c.values),
            candidate: c.clone(),
        })
        .collect();
    if let Some(b) = &search.best
        && !out.iter().any(|p| p.best)
    {
        out.push(ParetoPoint {
            label: label(b),
            cost_usd: b.cost.mean,
            worst_p99_ms: b.worst_p99_ms.mean,
            feasible: b.feasible,
            best: true,
            candidate: b.clone(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use indexmap::IndexMap;

    use super::*;
    use crate::report::plan::DesignPoint;

    fn point(index: usize, x: f64, figures: &[(&str, &str, f64)]) -> PointReport {
        let mut designs: Vec<DesignPoint> = Vec::new();
        for (design, key, mean) in figures {
            let e = Estimate { mean: *mean, ci95: 1.0 };
            match designs.iter_mut().find(|d| d.design == *design) {
                Some(d) => {
                    d.figures.insert((*key).to_owned(), e);
                }
                None => designs.push(DesignPoint {
                    design: (*design).to_owned(),
                    figures: IndexMap::from([((*key).to_owned(), e)]),
                }),
            }
        }
        PointReport { index: Some(index), values: vec![PointValue::Number(x)], designs }
    }

    #[test]
    fn a_log_axis_has_decades_and_round_multiples_where_its_values_are() {
        // 1 to 100: decades 1, 10, 100 and 2, 5, 20, 50 among the rest.
        let marks = log_marks(0.0, 2.0);
        let values: Vec<f64> = marks.iter().map(|m| (10f64.powf(m.at) * 1000.0).round() / 1000.0).collect();
        for v in [1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 3.0, 70.0] {
            assert!(values.contains(&v), "{v} missing from {values:?}");
        }
        assert!(values.iter().all(|v| (1.0..=100.0).contains(v)), "{values:?}");
        let decade = marks.iter().find(|m| m.at == 1.0).map(|m| m.step);
        let five = marks.iter().find(|m| (m.at - 5f64.log10()).abs() < 1e-12).map(|m| m.step);
        assert!(decade > five, "a decade's line weighs more than 5×'s: {decade:?} {five:?}");
        // Six decades: no 3× or 7× lines.
        let wide: Vec<f64> = log_marks(-3.0, 3.0).iter().map(|m| 10f64.powf(m.at)).collect();
        assert!(!wide.iter().any(|v| (v / 3.0 - 1.0).abs() < 1e-9), "{wide:?}");
        assert_eq!(wide.len(), 7 + 2 * 6);
        // A narrow range (3.2 to 4.8) gets round values.
        let narrow: Vec<f64> = log_marks(3.2f64.log10(), 4.8f64.log10()).iter().map(|m| 10f64.powf(m.at)).collect();
        assert!(narrow.len() >= 3 && narrow.iter().any(|v| (v - 4.0).abs() < 1e-9), "{narrow:?}");
        assert!(log_marks(1.0, f64::NAN).is_empty() && log_marks(2.0, 1.0).is_empty());
    }

    #[test]
    fn a_log_tick_reads_as_a_short_number() {
        assert_eq!(log_tick_text(2.0000000001), "2");
        assert_eq!(log_tick_text(0.05), "0.05");
        assert_eq!(log_tick_text(150.0), "150");
        assert_eq!(log_tick_text(1.25), "1.25");
        assert_eq!(log_tick_text(20000.0), "20000");
        assert_eq!(log_tick_text(-1.0), "");
    }

    #[test]
    fn a_crossing_between_two_whole_numbers_is_marked_with_both() {
        use crate::report::plan::Answer;
        use crate::scenario::file::KnobFile;
        let axis = Axis { knob: KnobFile::GroupCount { prefix: "t".into() }, values: Vec::new(), log_scale: true };
        assert_eq!(XScale::of(&axis), XScale::Log10);
        assert!((XScale::Log10.from_plot(XScale::Log10.to_plot(37.0)) - 37.0).abs() < 1e-9);
        let answer = |value: f64| Answer {
            kind: "crossover".into(),
            question: String::new(),
            sentence: String::new(),
            found: true,
            value: Some(value),
            interval: None,
            notes: Vec::new(),
        };
        let report = PlanReport {
            plan_schema_version: 1,
            scenario: String::new(),
            plan: String::new(),
            description: String::new(),
            seed: 1,
            replications: 1,
            axes: Vec::new(),
            answers: vec![answer(3.4), answer(5.0)],
            search: None,
            points: Vec::new(),
            refinements: Vec::new(),
        };
        let labels: Vec<String> = markers(&report, &axis).into_iter().map(|m| m.label).collect();
        assert_eq!(labels[0], "crossover: between 3 tenants and 4 tenants");
        assert_eq!(labels[1], "crossover: 5 tenants");
    }

    #[test]
    fn curves_are_sorted_by_the_axis_whatever_order_points_finished_in() {
        let a = point(1, 2.0, &[("pool", "cost", 20.0), ("silo", "cost", 30.0)]);
        let b = point(0, 1.0, &[("pool", "cost", 10.0), ("silo", "cost", 40.0)]);
        let c = curves(&[&a, &b], "cost");
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].design, "pool");
        assert_eq!(c[0].x, vec![1.0, 2.0]);
        assert_eq!(c[0].mean, vec![10.0, 20.0]);
        assert_eq!(c[1].lower, vec![39.0, 29.0]);
        assert_eq!(figure_keys(&[&a]), vec!["cost".to_owned()]);
    }

    #[test]
    fn a_figure_key_reads_as_words_with_its_scope() {
        assert!(figure_label("p99:premium").0.ends_with(" of tier premium"));
        assert!(figure_label("p99@acme").0.ends_with(" of acme"));
        assert_eq!(figure_label("slo_met").1, Unit::Percent);
    }
}
