//! Resolution of the `plans` section: every plan's axes expanded to their
//! values, names checked against the scenario, figures checked against
//! the table of figures, and the work a plan implies estimated and bounded
//! before anything runs. Every problem is reported with its field path.

use rustc_hash::FxHashSet;

use crate::lesson::figure_of;
use crate::plan::budget::{PointRuns, check_points};
use crate::report::figures::{self, Scope};
use crate::scenario::change::KnobValue;
use crate::scenario::file::{
    AnswerClaimFile, AxisFile, ClaimFile, ConstraintFile, KnobFile, PlacementFile, PlanFigureFile, PlannerFile,
    QuestionFile, SearchFile, ValuesFile,
};
use crate::scenario::{FieldError, FieldErrors, Limits, Scenario, ScenarioFile, resolve};

/// Most points one plan sweeps (the product of its axes' value counts).
pub const MAX_PLAN_POINTS: usize = 10_000;
/// Most candidates a cheapest-design search considers.
pub const MAX_SEARCH_CANDIDATES: u64 = 100_000;
/// Most values listed on one axis before checking only its ends.
const CHECK_EVERY_VALUE_UP_TO: usize = 32;

/// A resolved plan: ready to run.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanSpec {
    /// Position in the file's `plans`.
    pub index: usize,
    /// Name.
    pub name: String,
    /// What it is for.
    pub description: String,
    /// The axes, values expanded.
    pub axes: Vec<Axis>,
    /// Names of the designs run at every point.
    pub designs: Vec<String>,
    /// Replications at every point.
    pub replications: u32,
    /// Questions (only on one numeric axis).
    pub questions: Vec<QuestionFile>,
    /// The cheapest-design search, if asked for.
    pub search: Option<SearchFile>,
    /// Claims about the answers.
    pub expect: Vec<AnswerClaimFile>,
}

/// One axis: its knob and every value it takes, in the file's order.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    /// What it turns.
    pub knob: KnobFile,
    /// Its values.
    pub values: Vec<KnobValue>,
    /// Whether the values were spread geometrically (`Geometric`), so that
    /// plots draw the axis on a logarithmic scale.
    pub log_scale: bool,
}

impl PlanSpec {
    /// Number of points of the sweep (1 for a plan without axes).
    pub fn points(&self) -> usize {
        self.axes.iter().map(|a| a.values.len()).product()
    }

    /// The axis values of point `p`; the first axis varies fastest.
    pub fn point_values(&self, mut p: usize) -> Vec<KnobValue> {
        self.axes
            .iter()
            .map(|a| {
                let v = a.values[p % a.values.len()];
                p /= a.values.len();
                v
            })
            .collect()
    }
}

/// Sets every axis of `spec` to `values` in a copy of `file` (its plans
/// removed, so the copy is an ordinary scenario).
///
/// # Errors
/// Occurs when a knob cannot be applied (see [`KnobFile::apply`]).
pub fn apply_point(file: &ScenarioFile, axes: &[Axis], values: &[KnobValue]) -> Result<ScenarioFile, String> {
    let mut copy = file.clone();
    copy.plans.clear();
    for (axis, &value) in axes.iter().zip(values) {
        axis.knob.apply(&mut copy, value)?;
    }
    Ok(copy)
}

/// Resolves every plan of `file`, whose scenario resolved to `scenario`.
///
/// # Errors
/// Occurs when any plan is invalid; every problem found, with its path.
pub fn resolve_plans(file: &ScenarioFile, scenario: &Scenario, limits: &Limits) -> Result<Vec<PlanSpec>, FieldErrors> {
    let tenant_ids = scenario.tenants.iter().map(|t| t.id.as_str()).collect();
    let mut r = Checker { errors: Vec::new(), file, scenario, tenant_ids, limits };
    let mut specs = Vec::new();
    for (i, plan) in file.plans.iter().enumerate() {
        let path = format!("plans[{i}]");
        if plan.name.trim().is_empty() {
            r.error(format!("{path}.name"), "a plan needs a name");
        } else if file.plans[..i].iter().any(|p| p.name == plan.name) {
            r.error(format!("{path}.name"), format!("duplicate plan name \"{}\"", plan.name));
        }
        if let Some(spec) = r.plan(&path, i, plan) {
            specs.push(spec);
        }
    }
    if r.errors.is_empty() { Ok(specs) } else { Err(FieldErrors(r.errors)) }
}

struct Checker<'a> {
    errors: Vec<FieldError>,
    file: &'a ScenarioFile,
    scenario: &'a Scenario,
    /// The scenario's tenant ids, so a name is looked up once, not once
    /// per tenant.
    tenant_ids: FxHashSet<&'a str>,
    limits: &'a Limits,
}

impl Checker<'_> {
    fn error(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError { path: path.into(), message: message.into() });
    }

    fn plan(&mut self, path: &str, index: usize, plan: &PlannerFile) -> Option<PlanSpec> {
        let before = self.errors.len();
        if plan.axes.len() > 2 {
            self.error(format!("{path}.axes"), format!("{} axes: a plan sweeps at most two", plan.axes.len()));
        }
        let axes: Vec<Axis> = plan
            .axes
            .iter()
            .take(2)
            .enumerate()
            .filter_map(|(j, a)| self.axis(&format!("{path}.axes[{j}]"), a))
            .collect();
        let mut designs = Vec::new();
        for (k, name) in plan.designs.iter().enumerate() {
            if !self.has_design(name) {
                self.error(format!("{path}.designs[{k}]"), self.no_design(name));
            } else if designs.contains(name) {
                self.error(format!("{path}.designs[{k}]"), format!("design \"{name}\" is listed twice"));
            } else {
                designs.push(name.clone());
            }
        }
        if plan.designs.is_empty() {
            designs = self.file.designs.iter().map(|d| d.name.clone()).collect();
        }
        let replications = plan.replications.unwrap_or(self.scenario.clock.replications);
        if replications == 0 || replications > self.limits.max_replications {
            self.error(
                format!("{path}.replications"),
                format!("must be from 1 to {} (got {replications})", self.limits.max_replications),
            );
        }
        if plan.ask.is_empty() && plan.search.is_none() && plan.axes.is_empty() {
            self.error(path, "a plan needs an axis, a question or a search");
        }
        for (k, q) in plan.ask.iter().enumerate() {
            self.question(&format!("{path}.ask[{k}]"), q, plan, &designs);
        }
        if let Some(search) = &plan.search {
            self.search(&format!("{path}.search"), search, &axes);
        }
        for (k, claim) in plan.expect.iter().enumerate() {
            let cpath = format!("{path}.expect[{k}]");
            if claim.answer >= plan.ask.len() {
                self.error(
                    format!("{cpath}.answer"),
                    format!("the plan asks {} question(s); answers count from 0", plan.ask.len()),
                );
            }
            match claim.holds {
                ClaimFile::Within { low, high } if !(low.is_finite() && high.is_finite() && low <= high) => {
                    self.error(format!("{cpath}.holds"), format!("needs finite low ≤ high (got {low} and {high})"));
                }
                ClaimFile::AtLeast(x) | ClaimFile::AtMost(x) if !x.is_finite() => {
                    self.error(format!("{cpath}.holds"), format!("must be a finite number, not {x}"));
                }
                _ => {}
            }
        }
        let points: usize = axes.iter().map(|a| a.values.len()).product();
        if axes.len() == plan.axes.len() && points > MAX_PLAN_POINTS {
            self.error(
                format!("{path}.axes"),
                format!("{points} points is over the limit of {MAX_PLAN_POINTS}: use fewer values or a larger step"),
            );
        } else if self.errors.len() == before {
            self.check_work(path, plan, &axes, designs.len(), replications);
        }
        if self.errors.len() == before {
            let candidates = plan.search.as_ref().map_or(0, |s| {
                let slots = s.keys.len() * s.layers.len().max(1);
                (s.placements.len() as u64).saturating_pow(u32::try_from(slots).unwrap_or(u32::MAX))
            });
            let runs =
                PointRuns { axes: &axes, designs: &designs, replications, search: plan.search.as_ref(), candidates };
            for problem in check_points(self.file, &runs, self.scenario.tenants.len(), self.limits) {
                self.error(path, problem);
            }
        }
        (self.errors.len() == before).then(|| PlanSpec {
            index,
            name: plan.name.clone(),
            description: plan.description.clone(),
            axes,
            designs,
            replications,
            questions: plan.ask.clone(),
            search: plan.search.clone(),
            expect: plan.expect.clone(),
        })
    }

    fn axis(&mut self, path: &str, axis: &AxisFile) -> Option<Axis> {
        let before = self.errors.len();
        let integer = axis.knob.is_integer();
        let vpath = format!("{path}.values");
        let values: Vec<KnobValue> = match (&axis.values, axis.knob.is_placement()) {
            (ValuesFile::Placements(list), true) => {
                for (k, p) in list.iter().enumerate() {
                    if let PlacementFile::Cells(n) = p
                        && (*n == 0 || *n > self.limits.max_cells)
                    {
                        self.error(
                            format!("{vpath}[{k}]"),
                            format!("cells must be from 1 to {}", self.limits.max_cells),
                        );
                    }
                }
                list.iter().map(|&p| KnobValue::Placement(p)).collect()
            }
            (_, true) => {
                self.error(&vpath, "a Placement knob takes Placements([...])");
                Vec::new()
            }
            (ValuesFile::Placements(_), false) => {
                self.error(&vpath, "Placements([...]) is for a Placement knob; this knob takes numbers");
                Vec::new()
            }
            (ValuesFile::List(list), false) => {
                for (k, &x) in list.iter().enumerate() {
                    if !x.is_finite() {
                        self.error(format!("{vpath}[{k}]"), format!("must be a finite number, not {x}"));
                    } else if integer && x.fract() != 0.0 {
                        self.error(format!("{vpath}[{k}]"), format!("this knob takes whole numbers, not {x}"));
                    }
                }
                list.iter().map(|&x| KnobValue::Number(x)).collect()
            }
            (&ValuesFile::Linear { from, to, step }, false) => self.linear(&vpath, from, to, step, integer),
            (&ValuesFile::Geometric { from, to, points }, false) => self.geometric(&vpath, from, to, points, integer),
        };
        if self.errors.len() > before {
            return None;
        }
        if values.is_empty() {
            self.error(&vpath, "the axis has no values");
            return None;
        }
        for (k, v) in values.iter().enumerate() {
            if values[..k].contains(v) {
                self.error(&vpath, format!("{} is listed twice", show(*v)));
                return None;
            }
        }
        // The knob must apply, and the scenario resolve, at every value (at
        // both ends of a long range).
        let check: Vec<KnobValue> = if values.len() <= CHECK_EVERY_VALUE_UP_TO {
            values.clone()
        } else {
            let (lo, hi) = numeric_ends(&values);
            vec![KnobValue::Number(lo), KnobValue::Number(hi)]
        };
        let one = [Axis { knob: axis.knob.clone(), values: Vec::new(), log_scale: false }];
        for v in check {
            match apply_point(self.file, &one, &[v]) {
                Err(message) => {
                    self.error(format!("{path}.knob"), message);
                    return None;
                }
                Ok(changed) => {
                    if let Err(errors) = resolve::resolve(&changed, self.limits) {
                        for e in errors.0 {
                            self.error(&vpath, format!("at {}: {}: {}", show(v), e.path, e.message));
                        }
                        return None;
                    }
                }
            }
        }
        let log_scale = matches!(axis.values, ValuesFile::Geometric { .. });
        Some(Axis { knob: axis.knob.clone(), values, log_scale })
    }

    fn linear(&mut self, path: &str, from: f64, to: f64, step: f64, integer: bool) -> Vec<KnobValue> {
        if !(from.is_finite() && to.is_finite() && step.is_finite()) {
            self.error(path, "from, to and step must be finite numbers");
            return Vec::new();
        }
        if step <= 0.0 {
            self.error(path, format!("step must be greater than zero (got {step})"));
            return Vec::new();
        }
        if to < from {
            self.error(path, format!("empty range: to ({to}) is below from ({from})"));
            return Vec::new();
        }
        if integer && (from.fract() != 0.0 || step.fract() != 0.0) {
            self.error(path, "this knob takes whole numbers: from and step must be whole");
            return Vec::new();
        }
        let count = ((to - from) / step * (1.0 + 1e-12)).floor() + 1.0;
        if count > MAX_PLAN_POINTS as f64 {
            self.error(path, format!("{count:.0} values is over the limit of {MAX_PLAN_POINTS}: use a larger step"));
            return Vec::new();
        }
        // Each value rounded to the decimals `from` and `step` are written
        // with, so that 0.05 + 2 × 0.05 is 0.15, not 0.15000000000000002.
        let decimals = written_decimals(from).max(written_decimals(step));
        (0..count as usize)
            .map(|k| {
                let x = from + step * k as f64;
                let rounded = decimals.and_then(|d| format!("{x:.d$}").parse::<f64>().ok());
                KnobValue::Number(rounded.unwrap_or(x))
            })
            .collect()
    }

    fn geometric(&mut self, path: &str, from: f64, to: f64, points: u32, integer: bool) -> Vec<KnobValue> {
        if !(from.is_finite() && to.is_finite() && from > 0.0 && to > 0.0) {
            self.error(path, "a geometric range needs finite from and to greater than zero");
            return Vec::new();
        }
        if points < 2 {
            self.error(path, format!("a geometric range needs at least 2 points (got {points})"));
            return Vec::new();
        }
        if points as usize > MAX_PLAN_POINTS {
            self.error(path, format!("{points} points is over the limit of {MAX_PLAN_POINTS}"));
            return Vec::new();
        }
        let ratio = (to / from).ln() / f64::from(points - 1);
        let mut values: Vec<KnobValue> = Vec::new();
        for k in 0..points {
            let mut x = if k + 1 == points { to } else { from * (ratio * f64::from(k)).exp() };
            if integer {
                x = x.round();
            }
            if values.last() != Some(&KnobValue::Number(x)) {
                values.push(KnobValue::Number(x));
            }
        }
        values
    }

    fn has_design(&self, name: &str) -> bool {
        self.file.designs.iter().any(|d| d.name == name)
    }

    fn no_design(&self, name: &str) -> String {
        let known: Vec<&str> = self.file.designs.iter().map(|d| d.name.as_str()).collect();
        format!("no design \"{name}\" (known: {})", known.join(", "))
    }

    fn design_in(&mut self, path: &str, name: &str, designs: &[String]) {
        if !self.has_design(name) {
            self.error(path, self.no_design(name));
        } else if !designs.iter().any(|d| d == name) {
            self.error(path, format!("design \"{name}\" is not among the plan's designs"));
        }
    }

    fn figure(&mut self, path: &str, f: &PlanFigureFile) {
        let fig = figures::figure(figure_of(f.metric));
        let scope = match (&f.tenant, &f.tier) {
            (Some(_), Some(_)) => {
                self.error(path, "name a tier or a tenant, not both");
                return;
            }
            (Some(id), None) => {
                if !self.tenant_ids.contains(id.as_str()) {
                    self.error(format!("{path}.tenant"), format!("no tenant \"{id}\""));
                    return;
                }
                Scope::Tenant(id)
            }
            (None, Some(name)) => match self.file.tiers.get_index_of(name) {
                Some(k) => Scope::Tier(k),
                None => {
                    let known: Vec<&str> = self.file.tiers.keys().map(String::as_str).collect();
                    self.error(format!("{path}.tier"), format!("no tier \"{name}\" (known: {})", known.join(", ")));
                    return;
                }
            },
            (None, None) => Scope::Design,
        };
        if !fig.has_scope(scope) {
            let what = match scope {
                Scope::Design => "a design",
                Scope::Tier(_) => "a tier",
                Scope::Tenant(_) => "a tenant",
            };
            self.error(format!("{path}.metric"), format!("{:?} is not {what} figure", f.metric));
        }
    }

    fn constraints(&mut self, path: &str, list: &[ConstraintFile]) {
        if list.is_empty() {
            self.error(path, "at least one constraint is needed");
        }
        for (k, c) in list.iter().enumerate() {
            let cpath = format!("{path}[{k}]");
            match c {
                ConstraintFile::SloMet { tier: name } if !self.file.tiers.contains_key(name) => {
                    self.error(format!("{cpath}.tier"), format!("no tier \"{name}\""));
                }
                ConstraintFile::SloMet { .. } | ConstraintFile::AllSlosMet => {}
                ConstraintFile::AtMost { figure, value } | ConstraintFile::AtLeast { figure, value } => {
                    self.figure(&format!("{cpath}.figure"), figure);
                    if !value.is_finite() {
                        self.error(format!("{cpath}.value"), format!("must be a finite number, not {value}"));
                    }
                }
            }
        }
        // Contradictions: a figure asked to be at most a value below what it
        // must at least be.
        for (k, c) in list.iter().enumerate() {
            if let ConstraintFile::AtMost { figure, value: most } = c {
                for d in list {
                    if let ConstraintFile::AtLeast { figure: g, value: least } = d
                        && g == figure
                        && least > most
                    {
                        self.error(
                            format!("{path}[{k}]"),
                            format!(
                                "contradictory constraints: {:?} at most {most} and at least {least} cannot both hold",
                                figure.metric
                            ),
                        );
                    }
                }
            }
        }
    }

    fn question(&mut self, path: &str, q: &QuestionFile, plan: &PlannerFile, designs: &[String]) {
        let numeric = plan.axes.len() == 1 && !plan.axes[0].knob.is_placement();
        if !numeric {
            self.error(path, "questions need a plan with exactly one numeric axis");
        }
        match q {
            QuestionFile::Crossover { figure, a, b } => {
                self.design_in(&format!("{path}.a"), a, designs);
                self.design_in(&format!("{path}.b"), b, designs);
                if a == b {
                    self.error(format!("{path}.b"), "a crossover needs two different designs");
                }
                self.figure(&format!("{path}.figure"), figure);
            }
            QuestionFile::Crosses { design, figure, value } => {
                self.design_in(&format!("{path}.design"), design, designs);
                self.figure(&format!("{path}.figure"), figure);
                if !value.is_finite() {
                    self.error(format!("{path}.value"), format!("must be a finite number, not {value}"));
                }
            }
            QuestionFile::Smallest { design, constraints } | QuestionFile::Largest { design, constraints } => {
                self.design_in(&format!("{path}.design"), design, designs);
                self.constraints(&format!("{path}.constraints"), constraints);
            }
        }
    }

    fn search(&mut self, path: &str, s: &SearchFile, axes: &[Axis]) {
        if !self.has_design(&s.base) {
            self.error(format!("{path}.base"), self.no_design(&s.base));
        }
        if s.keys.is_empty() {
            self.error(format!("{path}.keys"), "name at least one placement key (a tier, a tenant or \"*\")");
        }
        for (k, key) in s.keys.iter().enumerate() {
            let known = key == "*" || self.file.tiers.contains_key(key) || self.tenant_ids.contains(key.as_str());
            if !known {
                self.error(format!("{path}.keys[{k}]"), format!("\"{key}\" is not a tier, a tenant or \"*\""));
            } else if s.keys[..k].contains(key) {
                self.error(format!("{path}.keys[{k}]"), format!("\"{key}\" is listed twice"));
            }
        }
        for (k, layer) in s.layers.iter().enumerate() {
            let present = self.file.layers.has(*layer);
            if !present {
                self.error(format!("{path}.layers[{k}]"), format!("the scenario has no {layer:?} layer"));
            } else if s.layers[..k].contains(layer) {
                self.error(format!("{path}.layers[{k}]"), format!("{layer:?} is listed twice"));
            }
        }
        if s.placements.is_empty() {
            self.error(format!("{path}.placements"), "list at least one placement to try");
        }
        for (k, p) in s.placements.iter().enumerate() {
            if let PlacementFile::Cells(n) = p
                && (*n == 0 || *n > self.limits.max_cells)
            {
                self.error(
                    format!("{path}.placements[{k}]"),
                    format!("cells must be from 1 to {}", self.limits.max_cells),
                );
            } else if s.placements[..k].contains(p) {
                self.error(format!("{path}.placements[{k}]"), format!("{p:?} is listed twice"));
            }
        }
        self.constraints(&format!("{path}.constraints"), &s.constraints);
        if axes.iter().any(|a| a.knob.is_placement()) {
            self.error(path, "a search places keys itself; its axes must be numeric (sizing)");
        }
        let slots = s.keys.len() as u32 * s.layers.len().max(1) as u32;
        let points: f64 = axes.iter().map(|a| a.values.len() as f64).product();
        let candidates = (s.placements.len() as f64).powi(slots as i32) * points;
        if candidates > MAX_SEARCH_CANDIDATES as f64 {
            self.error(
                path,
                format!(
                    "{candidates:.0} candidates is over the limit of {MAX_SEARCH_CANDIDATES}: search fewer keys, \
                     layers or placements"
                ),
            );
        }
    }

    /// The plan's work: every point at its largest, every design and
    /// replication, with and without spikes.
    fn check_work(&mut self, path: &str, plan: &PlannerFile, axes: &[Axis], designs: usize, replications: u32) {
        let mut tenant_ticks = self.scenario.tenant_ticks() as f64;
        for axis in axes {
            if let KnobFile::GroupCount { .. } = axis.knob {
                let (_, hi) = numeric_ends(&axis.values);
                let one = [axis.clone()];
                if let Ok(changed) = apply_point(self.file, &one, &[KnobValue::Number(hi)])
                    && let Ok(sc) = resolve::resolve(&changed, self.limits)
                {
                    tenant_ticks = tenant_ticks.max(sc.tenant_ticks() as f64);
                }
            }
        }
        let points: f64 = axes.iter().map(|a| a.values.len() as f64).product();
        let runs_per_design = crate::scenario::budget::Shape::of(self.scenario).runs_per_replication();
        let candidates = plan.search.as_ref().map_or(designs as f64, |s| {
            let slots = s.keys.len() as i32 * s.layers.len().max(1) as i32;
            (s.placements.len() as f64).powi(slots)
        });
        let work = points * candidates * f64::from(replications) * runs_per_design * tenant_ticks;
        if work > self.limits.max_work {
            self.error(
                path,
                format!(
                    "the plan would simulate {work:.2e} tenant-ticks, over the limit of {:.0e}: use fewer points, \
                     designs or replications",
                    self.limits.max_work
                ),
            );
        }
    }
}

/// The smallest and largest number among `values` (placements count as 0).
fn numeric_ends(values: &[KnobValue]) -> (f64, f64) {
    values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| match v {
        KnobValue::Number(x) => (lo.min(*x), hi.max(*x)),
        KnobValue::Placement(_) => (lo.min(0.0), hi.max(0.0)),
    })
}

/// The decimals `x` is written with in its shortest form (none for a
/// number written with an exponent or more than 12 decimals: it is left as
/// it is).
fn written_decimals(x: f64) -> Option<usize> {
    let text = format!("{x}");
    if text.contains(['e', 'E']) {
        return None;
    }
    let decimals = text.split_once('.').map_or(0, |(_, d)| d.len());
    (decimals <= 12).then_some(decimals)
}

/// A value as written in messages and tables.
pub fn show(v: KnobValue) -> String {
    match v {
        KnobValue::Number(x) => {
            if x.fract() == 0.0 && x.abs() < 1e15 {
                format!("{x:.0}")
            } else if x.is_finite() && x != 0.0 && (1e-6..1e15).contains(&x.abs()) {
                // Six significant digits, trailing zeros trimmed: a value a
                // bisection or a sum of steps reached reads as it would be
                // written (0.15, not 0.15000000000000002).
                let decimals = (5 - x.abs().log10().floor() as i32).clamp(0, 15) as usize;
                let text = format!("{x:.decimals$}");
                let text = if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.') } else { &text };
                text.to_owned()
            } else {
                format!("{x}")
            }
        }
        KnobValue::Placement(PlacementFile::Silo) => "Silo".to_owned(),
        KnobValue::Placement(PlacementFile::Pool) => "Pool".to_owned(),
        KnobValue::Placement(PlacementFile::Cells(k)) => format!("Cells({k})"),
    }
}
