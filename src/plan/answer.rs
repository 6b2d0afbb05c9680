//! Answers from a one-axis sweep: where two designs' figures cross, where
//! a figure crosses a value (break-even), and the smallest or largest axis
//! value at which constraints hold (goal-seek). The sweep brackets the
//! answer; bisection on the axis refines it (integer axes stay integers);
//! the confidence intervals give the interval the answer may lie in.

use crate::lesson::figure_of;
use crate::plan::PlanError;
use crate::plan::spec::Axis;
use crate::plan::sweep::figure_key;
use crate::report::Estimate;
use crate::report::figures::{Unit, figure};
use crate::report::plan::{Answer, DesignPoint};
use crate::scenario::file::{ConstraintFile, PlanFigureFile, QuestionFile};

/// Most bisection steps one answer takes.
const MAX_BISECTIONS: u32 = 24;
/// A continuous axis is refined until its bracket is this share of the
/// swept range.
const RELATIVE_TOLERANCE: f64 = 1e-3;

/// Every point known so far on a one-axis plan: the sweep's and those run
/// while refining, kept sorted by axis value.
#[derive(Debug, Default)]
pub(crate) struct Samples {
    points: Vec<(f64, Vec<DesignPoint>)>,
}

impl Samples {
    /// Adds a point (keeps the first of two at the same value).
    pub fn insert(&mut self, x: f64, designs: Vec<DesignPoint>) {
        match self.points.binary_search_by(|(y, _)| y.total_cmp(&x)) {
            Ok(_) => {}
            Err(at) => self.points.insert(at, (x, designs)),
        }
    }

    fn get(&self, x: f64) -> Option<&[DesignPoint]> {
        self.points.binary_search_by(|(y, _)| y.total_cmp(&x)).ok().map(|i| self.points[i].1.as_slice())
    }
}

/// Runs points the answers need; a point already known is not run again.
pub(crate) struct Refiner<'a> {
    /// Known points.
    pub samples: Samples,
    /// Runs a point at an axis value.
    pub eval: &'a mut dyn FnMut(f64) -> Result<Vec<DesignPoint>, PlanError>,
    /// Points run by the refiner, in order.
    pub run: Vec<(f64, Vec<DesignPoint>)>,
}

impl Refiner<'_> {
    fn at(&mut self, x: f64) -> Result<&[DesignPoint], PlanError> {
        if self.samples.get(x).is_none() {
            let designs = (self.eval)(x)?;
            self.run.push((x, designs.clone()));
            self.samples.insert(x, designs);
        }
        Ok(self.samples.get(x).unwrap_or(&[]))
    }
}

fn read(designs: &[DesignPoint], design: &str, key: &str) -> Option<Estimate> {
    designs.iter().find(|d| d.design == design).and_then(|d| d.figures.get(key).copied())
}

/// Words for a plan figure, e.g. `p99 latency of tier premium`.
pub fn describe_figure(f: &PlanFigureFile) -> String {
    let label = figure(figure_of(f.metric)).label.to_lowercase();
    match (&f.tenant, &f.tier) {
        (Some(id), _) => format!("{label} of {id}"),
        (None, Some(tier)) => format!("{label} of tier {tier}"),
        (None, None) => label,
    }
}

fn unit_of(f: &PlanFigureFile) -> Unit {
    figure(figure_of(f.metric)).unit
}

/// A figure's value as written (mean and CI).
fn show_value(f: &PlanFigureFile, e: Estimate, tenants: usize) -> String {
    unit_of(f).format(e, tenants)
}

/// An axis value with its unit, e.g. `$283` or `3 instances`.
pub fn show_x(axis: &Axis, x: f64) -> String {
    let digits = if axis.knob.is_integer() || x.abs() >= 100.0 {
        0
    } else if x.abs() >= 1.0 {
        2
    } else {
        4
    };
    let number = crate::report::figures::thousands(x, digits);
    match axis.knob.unit() {
        "USD/month" => crate::report::figures::usd(x).trim_end_matches(".00").to_owned() + "/month",
        "" => number,
        "×" => format!("{number}×"),
        unit if x == 1.0 && unit.ends_with('s') => format!("{number} {}", &unit[..unit.len() - 1]),
        unit => format!("{number} {unit}"),
    }
}

/// The signed gap whose zero the question looks for, and its 95 % CI.
type Gap<'q> = Box<dyn Fn(&[DesignPoint]) -> Option<(f64, f64)> + 'q>;

/// Answers one question on a one-axis plan.
///
/// # Errors
/// Occurs when a refining run fails or is cancelled.
pub(crate) fn answer(
    q: &QuestionFile,
    axis: &Axis,
    range: (f64, f64),
    refiner: &mut Refiner<'_>,
    tenants: usize,
) -> Result<Answer, PlanError> {
    match q {
        QuestionFile::Crossover { figure: f, a, b } => {
            let key = figure_key(f);
            let (a2, b2, k2) = (a.clone(), b.clone(), key.clone());
            let gap: Gap<'_> = Box::new(move |p: &[DesignPoint]| {
                let (x, y) = (read(p, &a2, &k2)?, read(p, &b2, &k2)?);
                Some((x.mean - y.mean, x.ci95.hypot(y.ci95)))
            });
            let question = format!("Where does the {} of {a} cross that of {b}?", describe_figure(f));
            let mut ans = crossing("crossover", question, axis, range, refiner, &gap)?;
            if ans.found {
                let x = ans.value.unwrap_or(range.0);
                let after = refiner.samples.points.iter().find(|(y, _)| *y > x).and_then(|(_, p)| gap(p));
                if let Some((d, _)) = after {
                    let (lower, higher) = if d < 0.0 { (a, b) } else { (b, a) };
                    ans.sentence = format!(
                        "{} Above it {lower} has the lower {}, below it {higher}.",
                        ans.sentence,
                        describe_figure(f)
                    );
                }
            } else {
                let first =
                    refiner.samples.points.first().and_then(|(_, p)| Some((read(p, a, &key)?, read(p, b, &key)?)));
                if let Some((x, y)) = first {
                    let (lower, higher) = if x.mean < y.mean { (a, b) } else { (b, a) };
                    ans.sentence = format!(
                        "The {} of {a} and {b} do not cross from {} to {}: {lower} stays below {higher} ({} against {} at {}).",
                        describe_figure(f),
                        show_x(axis, range.0),
                        show_x(axis, range.1),
                        show_value(f, if lower == a { x } else { y }, tenants),
                        show_value(f, if lower == a { y } else { x }, tenants),
                        show_x(axis, range.0),
                    );
                }
            }
            Ok(ans)
        }
        QuestionFile::Crosses { design, figure: f, value } => {
            let key = figure_key(f);
            let (d2, k2, v) = (design.clone(), key, *value);
            let gap: Gap<'_> = Box::new(move |p: &[DesignPoint]| {
                let e = read(p, &d2, &k2)?;
                Some((e.mean - v, e.ci95))
            });
            let shown = unit_of(f).format(Estimate::exact(*value), tenants);
            let question = format!("Where does the {} in {design} cross {shown}?", describe_figure(f));
            let mut ans = crossing("crosses", question, axis, range, refiner, &gap)?;
            if !ans.found {
                ans.sentence = format!(
                    "The {} in {design} does not reach {shown} from {} to {}.",
                    describe_figure(f),
                    show_x(axis, range.0),
                    show_x(axis, range.1)
                );
            }
            Ok(ans)
        }
        QuestionFile::Smallest { design, constraints } => {
            goal(true, design, constraints, axis, range, refiner, tenants)
        }
        QuestionFile::Largest { design, constraints } => {
            goal(false, design, constraints, axis, range, refiner, tenants)
        }
    }
}

/// An answer not found yet, to be filled in.
fn unanswered(kind: &str, question: String) -> Answer {
    Answer {
        kind: kind.to_owned(),
        question,
        sentence: String::new(),
        found: false,
        value: None,
        interval: None,
        notes: Vec::new(),
    }
}

fn sign(d: f64) -> i8 {
    if d > 0.0 {
        1
    } else if d < 0.0 {
        -1
    } else {
        0
    }
}

/// Where `gap` changes sign along the axis: bracketed by the sweep,
/// refined by bisection, with the interval its CI allows.
fn crossing(
    kind: &str,
    question: String,
    axis: &Axis,
    range: (f64, f64),
    refiner: &mut Refiner<'_>,
    gap: &Gap<'_>,
) -> Result<Answer, PlanError> {
    let integer = axis.knob.is_integer();
    let swept: Vec<(f64, f64, f64)> =
        refiner.samples.points.iter().filter_map(|(x, p)| gap(p).map(|(d, ci)| (*x, d, ci))).collect();
    let mut answer = unanswered(kind, question);
    let crossings: Vec<usize> = (0..swept.len().saturating_sub(1))
        .filter(|&i| sign(swept[i].1) != sign(swept[i + 1].1) && sign(swept[i].1) != 0)
        .collect();
    let Some(&i) = crossings.first() else {
        if let Some(&(x, _, _)) = swept.iter().find(|s| s.1 == 0.0) {
            answer.found = true;
            answer.value = Some(x);
            answer.interval = Some([x, x]);
            answer.sentence = format!("At {} exactly.", show_x(axis, x));
        }
        return Ok(answer);
    };
    if crossings.len() > 1 {
        let others: Vec<String> = crossings[1..].iter().map(|&j| show_x(axis, swept[j + 1].0)).collect();
        answer.notes.push(format!(
            "it crosses {} times; the first crossing is refined (others near {})",
            crossings.len(),
            others.join(", ")
        ));
    }
    let (x0, d0, _) = swept[i];
    let (x1, d1, _) = swept[i + 1];
    let slope = (d1 - d0) / (x1 - x0);
    let (mut lo, mut dlo, mut hi, mut dhi) = (x0, d0, x1, d1);
    let tolerance = (range.1 - range.0).abs() * RELATIVE_TOLERANCE;
    for _ in 0..MAX_BISECTIONS {
        let mid = if integer {
            if hi - lo <= 1.0 {
                break;
            }
            ((lo + hi) / 2.0).floor()
        } else {
            if hi - lo <= tolerance {
                break;
            }
            (lo + hi) / 2.0
        };
        let Some((dm, _)) = gap(refiner.at(mid)?) else { break };
        if dm == 0.0 {
            (lo, dlo, hi, dhi) = (mid, dm, mid, dm);
            break;
        }
        if sign(dm) == sign(dlo) {
            (lo, dlo) = (mid, dm);
        } else {
            (hi, dhi) = (mid, dm);
        }
    }
    let estimate = if hi > lo && dlo != dhi { lo + (hi - lo) * dlo / (dlo - dhi) } else { lo };
    answer.found = true;
    answer.value = Some(estimate);
    // The interval the CIs allow: where the gap is within its CI of zero.
    let known: Vec<(f64, f64, f64)> =
        refiner.samples.points.iter().filter_map(|(x, p)| gap(p).map(|(d, ci)| (*x, d, ci))).collect();
    if integer {
        let side = sign(dlo);
        let low = known
            .iter()
            .filter(|k| k.0 <= lo && sign(k.1) == side && k.1.abs() > k.2)
            .map(|k| k.0)
            .fold(range.0, f64::max);
        let high = known
            .iter()
            .filter(|k| k.0 >= hi && sign(k.1) == -side && k.1.abs() > k.2)
            .map(|k| k.0)
            .fold(range.1, f64::min);
        answer.interval = Some([low, high]);
        answer.sentence = if lo == hi {
            format!("At {} exactly.", show_x(axis, lo))
        } else {
            format!("Between {} and {}.", show_x(axis, lo), show_x(axis, hi))
        };
        if low < lo || high > hi {
            answer.notes.push(format!(
                "the 95 % confidence intervals overlap near the crossing: it may lie anywhere from {} to {}",
                show_x(axis, low),
                show_x(axis, high)
            ));
        }
    } else {
        let ci_here =
            known.iter().min_by(|a, b| (a.0 - estimate).abs().total_cmp(&(b.0 - estimate).abs())).map_or(0.0, |k| k.2);
        let half = if slope != 0.0 { ci_here / slope.abs() } else { f64::INFINITY } + (hi - lo) / 2.0;
        let half = half.min((range.1 - range.0).abs());
        answer.interval = Some([estimate - half, estimate + half]);
        answer.sentence = format!("At {} ± {}.", show_x(axis, estimate), show_x(axis, half).trim_end_matches("/month"));
    }
    Ok(answer)
}

/// Whether every constraint holds for `design` at a point, judged on the
/// conservative side of the CI, and the first that does not (in words).
fn holds(
    p: &[DesignPoint],
    design: &str,
    constraints: &[ConstraintFile],
    tiers: &[String],
    tenants: usize,
) -> (bool, String) {
    for c in constraints {
        match c {
            ConstraintFile::SloMet { .. } | ConstraintFile::AllSlosMet => {
                let names: Vec<&String> = match c {
                    ConstraintFile::SloMet { tier } => vec![tier],
                    _ => tiers.iter().collect(),
                };
                for t in names {
                    let Some(e) = read(p, design, &format!("slo_met:{t}")) else { continue };
                    if e.mean - e.ci95 < 1.0 - 1e-9 {
                        return (false, format!("tier {t} meets its SLO for {:.1} % of its tenants", e.mean * 100.0));
                    }
                }
            }
            ConstraintFile::AtMost { figure: f, value } | ConstraintFile::AtLeast { figure: f, value } => {
                let most = matches!(c, ConstraintFile::AtMost { .. });
                let Some(e) = read(p, design, &figure_key(f)) else {
                    return (false, format!("{} is not reported here", describe_figure(f)));
                };
                let ok = if most { e.mean + e.ci95 <= *value } else { e.mean - e.ci95 >= *value };
                if !ok {
                    let op = if most { "above" } else { "below" };
                    let bound = unit_of(f).format(Estimate::exact(*value), tenants);
                    return (
                        false,
                        format!(
                            "{} is {} ({op} {bound} within its 95 % CI)",
                            describe_figure(f),
                            show_value(f, e, tenants)
                        ),
                    );
                }
            }
        }
    }
    (true, String::new())
}

/// Goal-seek: the smallest (or largest) axis value at which every
/// constraint holds, assuming they hold on one side of a threshold.
fn goal(
    smallest: bool,
    design: &str,
    constraints: &[ConstraintFile],
    axis: &Axis,
    range: (f64, f64),
    refiner: &mut Refiner<'_>,
    tenants: usize,
) -> Result<Answer, PlanError> {
    let tiers: Vec<String> = refiner
        .samples
        .points
        .first()
        .and_then(|(_, p)| p.iter().find(|d| d.design == design))
        .map(|d| d.figures.keys().filter_map(|k| k.strip_prefix("slo_met:")).map(str::to_owned).collect())
        .unwrap_or_default();
    let integer = axis.knob.is_integer();
    let words = if smallest { "smallest" } else { "largest" };
    let question = format!("What is the {words} {} at which {design} meets every constraint?", axis.knob.describe());
    let mut answer = unanswered(words, question);
    // Points in search order: from the end where the constraints are
    // expected to fail towards the end where they hold.
    let mut order: Vec<f64> = refiner.samples.points.iter().map(|(x, _)| *x).collect();
    if !smallest {
        order.reverse();
    }
    let verdicts: Vec<(f64, bool, String)> = order
        .iter()
        .map(|&x| {
            let (ok, why) = holds(refiner.samples.get(x).unwrap_or(&[]), design, constraints, &tiers, tenants);
            (x, ok, why)
        })
        .collect();
    let Some(k) = verdicts.iter().position(|v| v.1) else {
        let last = verdicts.last().map(|v| v.2.clone()).unwrap_or_default();
        answer.sentence = format!(
            "No {} from {} to {} meets every constraint for {design}; at {}: {last}.",
            axis.knob.describe(),
            show_x(axis, range.0),
            show_x(axis, range.1),
            show_x(axis, order.last().copied().unwrap_or(range.1)),
        );
        return Ok(answer);
    };
    let (mut pass, mut fail) = (verdicts[k].0, if k > 0 { Some(verdicts[k - 1].0) } else { None });
    if let Some(mut f) = fail {
        let tolerance = (range.1 - range.0).abs() * RELATIVE_TOLERANCE;
        for _ in 0..MAX_BISECTIONS {
            let gap = (pass - f).abs();
            let mid = if integer {
                if gap <= 1.0 {
                    break;
                }
                ((pass + f) / 2.0).floor()
            } else {
                if gap <= tolerance {
                    break;
                }
                (pass + f) / 2.0
            };
            let p = refiner.at(mid)?.to_vec();
            if holds(&p, design, constraints, &tiers, tenants).0 {
                pass = mid;
            } else {
                f = mid;
            }
        }
        fail = Some(f);
    } else {
        answer.notes.push(format!(
            "the constraints already hold at {}, the end of the range: a {} value may hold too",
            show_x(axis, pass),
            if smallest { "smaller" } else { "larger" }
        ));
    }
    answer.found = true;
    answer.value = Some(pass);
    answer.interval = Some(match fail {
        Some(f) if f < pass => [f, pass],
        Some(f) => [pass, f],
        None => [pass, pass],
    });
    // Monotonicity, checked on every point beyond the answer.
    let beyond: Vec<String> = refiner
        .samples
        .points
        .iter()
        .filter(|(x, _)| if smallest { *x > pass } else { *x < pass })
        .filter(|(_, p)| !holds(p, design, constraints, &tiers, tenants).0)
        .map(|(x, _)| show_x(axis, *x))
        .collect();
    if !beyond.is_empty() {
        answer.notes.push(format!(
            "not monotone: the constraints fail again at {} — the answer is the first value that holds, not a threshold",
            beyond.join(", ")
        ));
    }
    let cost = |x: f64| refiner.samples.get(x).and_then(|p| read(p, design, "cost"));
    let mut sentence = format!("{}: {}", capitalise(&format!("{words} {}", axis.knob.describe())), show_x(axis, pass));
    if let Some(c) = cost(pass) {
        sentence += &format!(" ({design} costs {} a month", Unit::Usd.format(c, tenants));
        if let Some(before) = fail.and_then(cost) {
            let delta = c.mean - before.mean;
            let signed = if delta >= 0.0 {
                format!("+{}", crate::report::figures::usd(delta))
            } else {
                crate::report::figures::usd(delta)
            };
            sentence += &format!(", {signed} against {}", show_x(axis, fail.unwrap_or(pass)));
        }
        sentence += ")";
    }
    sentence += ".";
    if let Some(f) = fail
        && let Some(p) = refiner.samples.get(f)
    {
        let why = holds(p, design, constraints, &tiers, tenants).1;
        sentence += &format!(" At {}: {why}.", show_x(axis, f));
    }
    answer.sentence = sentence;
    Ok(answer)
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |c| c.to_uppercase().collect::<String>() + chars.as_str())
}
