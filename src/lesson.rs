//! Lessons: the "try this" changes a lesson offers and the outcomes it
//! promises (`expect`), checked against a [`RunReport`]. Pure functions of
//! a scenario file or a report; the app turns them into buttons and a
//! checklist, the tests into assertions.

use crate::report::figures::{self, FigureId, Scope};
use crate::report::plan::PlanReport;
use crate::report::{DesignReport, RunReport};
use crate::scenario::file::{AnswerClaimFile, ClaimFile, ExpectFile, FigureFile, MetricFile, OpFile, TryThisFile};
use crate::scenario::{FieldError, Limits, ScenarioFile, resolve};

pub use crate::scenario::change::apply_change;

/// The result of checking one expectation.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// The claim, in words.
    pub claim: String,
    /// Left-hand value.
    pub left: f64,
    /// Right-hand value (after the factor).
    pub right: f64,
    /// True when the claim holds.
    pub passed: bool,
}

fn design<'a>(report: &'a RunReport, name: &str) -> Result<&'a DesignReport, String> {
    report.design(name).ok_or_else(|| format!("no design \"{name}\""))
}

/// The report figure a lesson's metric names.
pub fn figure_of(metric: MetricFile) -> FigureId {
    match metric {
        MetricFile::TotalCost | MetricFile::Cost => FigureId::Cost,
        MetricFile::CostPerTenant => FigureId::CostPerTenant,
        MetricFile::Margin => FigureId::Margin,
        MetricFile::SloMet => FigureId::SloMet,
        MetricFile::Unserved => FigureId::Unserved,
        MetricFile::Throttled => FigureId::Throttled,
        MetricFile::P99 => FigureId::P99,
        MetricFile::TenantsHurt => FigureId::TenantsHurt,
        MetricFile::ImpactP99 => FigureId::ImpactP99,
        MetricFile::Dropped => FigureId::Dropped,
        MetricFile::DroppedPartition => FigureId::DroppedPartition,
        MetricFile::ThrottledAccount => FigureId::ThrottledAccount,
        MetricFile::ThrottledPlan => FigureId::ThrottledPlan,
        MetricFile::ThrottledConcurrency => FigureId::ThrottledConcurrency,
        MetricFile::ThrottledQueue => FigureId::ThrottledQueue,
        MetricFile::ColdStarts => FigureId::ColdStarts,
        MetricFile::Invocations => FigureId::Invocations,
        MetricFile::Retries => FigureId::Retries,
        MetricFile::TimedOutClient => FigureId::TimedOutClient,
        MetricFile::WastedWork => FigureId::WastedWork,
        MetricFile::QueueMs => FigureId::QueueMs,
        MetricFile::OldestMessage => FigureId::OldestMessage,
        MetricFile::Redelivered => FigureId::Redelivered,
        MetricFile::Duplicates => FigureId::Duplicates,
        MetricFile::DeadLettered => FigureId::DeadLettered,
        MetricFile::DroppedConnections => FigureId::DroppedConnections,
        MetricFile::Unallocated => FigureId::Unallocated,
        MetricFile::SteadyCost => FigureId::SteadyCost,
        MetricFile::IncidentCost => FigureId::IncidentCost,
    }
}

/// The value of a figure in a report (means over replications), read
/// through the table of figures.
///
/// # Errors
/// Occurs when the design, tier or tenant does not exist, or the metric
/// does not exist for the scope given.
pub fn figure(report: &RunReport, f: &FigureFile) -> Result<f64, String> {
    let d = design(report, &f.design)?;
    let scope = match (&f.tenant, &f.tier) {
        (Some(id), _) => Scope::Tenant(id),
        (None, Some(name)) => {
            Scope::Tier(report.tiers.iter().position(|t| t == name).ok_or_else(|| format!("no tier \"{name}\""))?)
        }
        (None, None) => Scope::Design,
    };
    figures::figure(figure_of(f.metric)).read(d, scope).map(|e| e.mean).map_err(|e| e.to_string())
}

/// Words for a figure, e.g. `pool: p99 of acme`.
pub fn describe_figure(f: &FigureFile) -> String {
    let scope = match (&f.tenant, &f.tier) {
        (Some(t), _) => format!(" of {t}"),
        (None, Some(t)) => format!(" of tier {t}"),
        (None, None) => String::new(),
    };
    let label = figures::figure(figure_of(f.metric)).label;
    format!("{}: {label}{scope}", f.design)
}

/// Words for a claim, e.g. `silo: Mean cost / tenant > 2 × pool: Mean cost / tenant`.
pub fn describe(e: &ExpectFile) -> String {
    let op = match e.op {
        OpFile::Gt => ">",
        OpFile::Ge => "≥",
        OpFile::Lt => "<",
        OpFile::Le => "≤",
    };
    match &e.right {
        Some(right) if (e.factor - 1.0).abs() < 1e-12 => {
            format!("{} {op} {}", describe_figure(&e.left), describe_figure(right))
        }
        Some(right) => format!("{} {op} {} × {}", describe_figure(&e.left), e.factor, describe_figure(right)),
        None => format!("{} {op} {}", describe_figure(&e.left), e.value),
    }
}

/// Checks one expectation against a report.
///
/// # Errors
/// Occurs when a figure cannot be found (see [`figure`]).
pub fn check(report: &RunReport, e: &ExpectFile) -> Result<Check, String> {
    let left = figure(report, &e.left)?;
    let right = match &e.right {
        Some(r) => e.factor * figure(report, r)?,
        None => e.value,
    };
    let passed = match e.op {
        OpFile::Gt => left > right,
        OpFile::Ge => left >= right,
        OpFile::Lt => left < right,
        OpFile::Le => left <= right,
    };
    Ok(Check { claim: describe(e), left, right, passed })
}

/// Checks a claim about a plan's answer.
///
/// # Errors
/// Occurs when the report has no answer at the claim's position.
pub fn check_plan_claim(report: &PlanReport, claim: &AnswerClaimFile) -> Result<Check, String> {
    let answer = report
        .answers
        .get(claim.answer)
        .ok_or_else(|| format!("plan \"{}\" has no answer {}", report.plan, claim.answer))?;
    let value = answer.value.unwrap_or(f64::NAN);
    let (words, right, passed) = match claim.holds {
        ClaimFile::Found => ("has an answer".to_owned(), 1.0, answer.found),
        ClaimFile::NotFound => ("has no answer".to_owned(), 0.0, !answer.found),
        ClaimFile::Within { low, high } => {
            (format!("lies from {low} to {high}"), low, answer.found && value >= low && value <= high)
        }
        ClaimFile::AtLeast(x) => (format!("is at least {x}"), x, answer.found && value >= x),
        ClaimFile::AtMost(x) => (format!("is at most {x}"), x, answer.found && value <= x),
    };
    Ok(Check {
        claim: format!("{}: \"{}\" {words} ({})", report.plan, answer.question, answer.sentence),
        left: value,
        right,
        passed,
    })
}

/// Whether `step` is in effect in `file`: it has changes and they would
/// change nothing (clicked, or already the case). Undo and redo are seen as they
/// happen, since this reads the file rather than remembering clicks.
pub fn step_in_effect(file: &ScenarioFile, step: &TryThisFile) -> bool {
    if step.changes.is_empty() {
        return false;
    }
    let mut applied = file.clone();
    step.changes.iter().all(|c| apply_change(&mut applied, c).is_ok()) && applied == *file
}

/// Checks a lesson's "try this" steps and claims: every step's changes are
/// applied in turn to the file as written (what the step's claims are
/// checked against) and the result is resolved; then the steps are applied
/// one after the other, as clicking them in order in the app does. A claim's
/// `factor` and `value` must be finite.
///
/// Returns every problem, each with the path of the step, change or claim
/// (e.g. `lesson.try_this[2].changes[0]: tenants[0].load.rate: …`); empty
/// when the file has no lesson or all is well.
pub fn check_steps(file: &ScenarioFile, limits: &Limits) -> Vec<FieldError> {
    let Some(lesson) = &file.lesson else { return Vec::new() };
    let mut errors = Vec::new();
    check_claims("lesson.expect", &lesson.expect, &mut errors);
    // The steps clicked in order so far; none once one of them failed.
    let mut in_turn = Some(file.clone());
    for (i, step) in lesson.try_this.iter().enumerate() {
        let path = format!("lesson.try_this[{i}]");
        check_claims(&format!("{path}.expect"), &step.expect, &mut errors);
        let before = errors.len();
        step_alone(file, step, &path, limits, &mut errors);
        let Some(current) = &mut in_turn else { continue };
        if errors.len() > before {
            in_turn = None;
            continue;
        }
        let applied: Result<(), String> = step.changes.iter().try_for_each(|c| apply_change(current, c));
        let failure = match applied {
            Err(message) => Some(message),
            Ok(()) => resolve::resolve(current, limits).err().map(|e| e.to_string().replace('\n', "; ")),
        };
        if let Some(message) = failure {
            errors.push(FieldError {
                path,
                message: format!("after the steps before it (as the app applies them in turn): {message}"),
            });
            in_turn = None;
        }
    }
    errors
}

/// Applies one step's changes to `file` one by one; a change that cannot
/// apply, or the one from which the scenario no longer resolves, is blamed
/// for the problems of the step's result.
fn step_alone(file: &ScenarioFile, step: &TryThisFile, path: &str, limits: &Limits, errors: &mut Vec<FieldError>) {
    let mut changed = file.clone();
    changed.lesson = None;
    changed.plans.clear();
    // The change from which every later state fails to resolve, and the
    // problems of the last state.
    let mut failing: Option<(usize, Vec<FieldError>)> = None;
    for (j, change) in step.changes.iter().enumerate() {
        if let Err(message) = apply_change(&mut changed, change) {
            errors.push(FieldError { path: format!("{path}.changes[{j}]"), message });
            return;
        }
        failing = match resolve::resolve(&changed, limits) {
            Ok(_) => None,
            Err(problems) => Some((failing.map_or(j, |(since, _)| since), problems.0)),
        };
    }
    if let Some((j, problems)) = failing {
        errors.extend(problems.into_iter().map(|e| FieldError {
            path: format!("{path}.changes[{j}]"),
            message: format!("{}: {}", e.path, e.message),
        }));
    }
}

/// A claim's numbers must be finite (a NaN would make it fail or pass
/// whatever the run shows).
/// Checks that the lesson's claims name designs, tiers and tenants the
/// scenario has (a claim about an unknown one could never be checked and
/// would show as such in front of a room), and so are the lesson's
/// starting view's. The claims of the steps are
/// held to the designs and tiers; their tenants may come from the step.
pub fn check_claim_names(file: &ScenarioFile, scenario: &crate::scenario::Scenario) -> Vec<FieldError> {
    let Some(lesson) = &file.lesson else { return Vec::new() };
    let designs: std::collections::HashSet<&str> = scenario.designs.iter().map(|d| d.name.as_str()).collect();
    let tiers: std::collections::HashSet<&str> = scenario.tiers.iter().map(|t| t.name.as_str()).collect();
    let tenants: std::collections::HashSet<&str> = scenario.tenants.iter().map(|t| t.id.as_str()).collect();
    let mut errors = Vec::new();
    let mut check = |path: String, f: &FigureFile, check_tenant: bool| {
        if !designs.contains(f.design.as_str()) {
            errors.push(FieldError { path: format!("{path}.design"), message: format!("no design \"{}\"", f.design) });
        }
        if let Some(tier) = f.tier.as_deref().filter(|t| !tiers.contains(t)) {
            errors.push(FieldError { path: format!("{path}.tier"), message: format!("no tier \"{tier}\"") });
        }
        if let Some(tenant) = f.tenant.as_deref().filter(|t| check_tenant && !tenants.contains(t)) {
            errors.push(FieldError { path: format!("{path}.tenant"), message: format!("no tenant \"{tenant}\"") });
        }
    };
    let mut sides = |path: &str, claims: &[ExpectFile], check_tenant: bool| {
        for (k, claim) in claims.iter().enumerate() {
            check(format!("{path}[{k}].left"), &claim.left, check_tenant);
            if let Some(right) = &claim.right {
                check(format!("{path}[{k}].right"), right, check_tenant);
            }
        }
    };
    sides("lesson.expect", &lesson.expect, true);
    for (i, step) in lesson.try_this.iter().enumerate() {
        sides(&format!("lesson.try_this[{i}].expect"), &step.expect, false);
    }
    if let Some(view) = &lesson.view {
        let mut unknown = |field: &str, what: &str, name: &str| {
            errors.push(FieldError { path: format!("lesson.view.{field}"), message: format!("no {what} \"{name}\"") });
        };
        if let Some(design) = view.design.as_deref().filter(|d| !designs.contains(d)) {
            unknown("design", "design", design);
        }
        if let Some(crate::scenario::file::ScopeFile::Tier(tier)) = &view.scope
            && !tiers.contains(tier.as_str())
        {
            unknown("scope", "tier", tier);
        }
        if let Some(tenant) = view.select.as_deref().filter(|t| !tenants.contains(t)) {
            unknown("select", "tenant", tenant);
        }
        if view.scope == Some(crate::scenario::file::ScopeFile::Tenant) && view.select.is_none() {
            errors.push(FieldError {
                path: "lesson.view.scope".to_owned(),
                message: "Tenant shows the selected tenant: name it in `select`".to_owned(),
            });
        }
    }
    errors
}

fn check_claims(path: &str, claims: &[ExpectFile], errors: &mut Vec<FieldError>) {
    for (k, claim) in claims.iter().enumerate() {
        for (field, value) in [("factor", claim.factor), ("value", claim.value)] {
            if !value.is_finite() {
                errors.push(FieldError {
                    path: format!("{path}[{k}].{field}"),
                    message: format!("must be a finite number, not {value}"),
                });
            }
        }
    }
}
