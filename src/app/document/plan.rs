//! A document's planning state: the run of one of its plans (the file and
//! plan as run, the sweep points that have finished, the final report or
//! why there is none) and the check of the plan being edited, cached until
//! the scenario changes. No egui here, and nothing runs: the run itself is
//! on a worker thread ([`crate::app::planning`]); this only collects what
//! it hands over, and builds the edits its answers offer (an answer
//! applied, a search candidate added as a design).

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::app::checker::Checker;
use crate::app::panels::form::unique_name;
use crate::plan::answer::show_x;
use crate::plan::search::winner_design;
use crate::plan::spec::{PlanSpec, resolve_plans};
use crate::plan::{PlanError, PlanProgress};
use crate::report::plan::{Candidate, PlanReport, PointReport, PointValue};
use crate::scenario::change::KnobValue;
use crate::scenario::{FieldError, FieldErrors, Limits, Scenario, ScenarioFile};

/// One run of a plan, from the moment it was asked for.
#[derive(Debug)]
pub struct PlanRun {
    /// The scenario as run (the answers apply to it).
    pub file: ScenarioFile,
    /// The plan as run.
    pub spec: PlanSpec,
    /// Shared with the worker: work done and points finished.
    pub progress: Arc<PlanProgress>,
    /// Sweep points finished so far, in point order.
    pub points: Vec<PointReport>,
    /// The report, once the run has finished.
    pub report: Option<PlanReport>,
    /// Why the run stopped without a report.
    pub error: Option<String>,
    /// True while the worker is on it.
    pub running: bool,
    /// When it was asked for.
    pub started: Instant,
    /// Wall time of the finished run.
    pub run_time: Option<Duration>,
}

impl PlanRun {
    /// A run of `spec` on `file`, reporting to `progress`, just asked for.
    pub fn new(file: ScenarioFile, spec: PlanSpec, progress: Arc<PlanProgress>) -> Self {
        Self {
            file,
            spec,
            progress,
            points: Vec::new(),
            report: None,
            error: None,
            running: true,
            started: Instant::now(),
            run_time: None,
        }
    }

    /// Takes the points finished since the last call; true when there were
    /// any (the plot has something new to draw).
    pub fn collect(&mut self) -> bool {
        let new = self.progress.take_finished();
        if new.is_empty() {
            return false;
        }
        self.points.extend(new);
        self.points.sort_by_key(|p| p.index.unwrap_or(usize::MAX));
        true
    }

    /// Records the worker's outcome.
    pub fn finish(&mut self, result: Result<PlanReport, PlanError>, run_time: Duration) {
        self.collect();
        self.running = false;
        self.run_time = Some(run_time);
        match result {
            Ok(report) => {
                self.points.clone_from(&report.points);
                self.report = Some(report);
            }
            Err(e) => self.error = Some(e.to_string()),
        }
    }

    /// Records that the user stopped the run.
    pub fn cancelled(&mut self) {
        self.collect();
        self.running = false;
        self.error = Some("Cancelled: the points above are those that finished.".to_owned());
    }

    /// Share of the work done (0–1); the total grows while refinement and
    /// the search add work.
    pub fn fraction(&self) -> f32 {
        let total = self.progress.total();
        if total == 0 { 0.0 } else { (self.progress.done() as f64 / total as f64).min(1.0) as f32 }
    }

    /// Every point to draw: the sweep's and, once finished, the
    /// refinement's (which sit between sweep points on the axis).
    pub fn all_points(&self) -> Vec<&PointReport> {
        let refined = self.report.as_ref().map(|r| r.refinements.as_slice()).unwrap_or_default();
        self.points.iter().chain(refined).collect()
    }
}

/// The check of one plan of a file, kept until the file changes; done on
/// a worker thread (see [`Checker`]), since a plan's corner points are
/// resolved and budgeted too.
#[derive(Debug, Default)]
pub struct PlanCheck {
    key: Option<(ScenarioFile, usize)>,
    result: Option<Result<PlanSpec, FieldErrors>>,
    checker: Option<Checker<PlanQuestion, Result<PlanSpec, FieldErrors>>>,
}

/// What a plan check is asked: the file, its resolution and the plan.
type PlanQuestion = (ScenarioFile, Result<Scenario, FieldErrors>, usize);

impl PlanCheck {
    /// The plan at `index` of `file` resolved, or its problems with paths
    /// relative to the plan (`axes[0].values`); checked again only when the
    /// file or the index changed. `None` while the check is under way (it
    /// then comes through [`PlanCheck::poll`]).
    pub fn check(
        &mut self,
        file: &ScenarioFile,
        scenario: &Result<Scenario, FieldErrors>,
        index: usize,
    ) -> Option<&Result<PlanSpec, FieldErrors>> {
        let fresh = self.key.as_ref().is_some_and(|(f, i)| *i == index && f == file);
        if !fresh {
            self.key = Some((file.clone(), index));
            let checker = self.checker.get_or_insert_with(|| {
                Checker::new(
                    "plan check",
                    |(file, scenario, index)| check_plan(&file, &scenario, index),
                    || {
                        Err(FieldErrors(vec![FieldError {
                            path: String::new(),
                            message: "internal error while checking this plan".to_owned(),
                        }]))
                    },
                )
            });
            self.result = checker.ask((file.clone(), scenario.clone(), index));
        }
        self.result.as_ref()
    }

    /// Takes the check's answer if it has come; true when it did.
    pub fn poll(&mut self) -> bool {
        match self.checker.as_mut().and_then(Checker::poll) {
            Some(answer) => {
                self.result = Some(answer);
                true
            }
            None => false,
        }
    }

    /// True while a check is under way.
    pub fn is_checking(&self) -> bool {
        self.checker.as_ref().is_some_and(Checker::is_waiting)
    }

    /// Forgets the last check (the file's resolution changed under it).
    pub fn invalidate(&mut self) {
        self.key = None;
        self.result = None;
    }
}

/// Resolves only the plan at `index` of `file` (the others' problems are
/// theirs), with paths relative to the plan.
///
/// # Errors
/// Occurs when the scenario or the plan is invalid.
pub fn check_plan(
    file: &ScenarioFile,
    scenario: &Result<Scenario, FieldErrors>,
    index: usize,
) -> Result<PlanSpec, FieldErrors> {
    let Some(plan) = file.plans.get(index) else {
        return Err(FieldErrors(vec![FieldError { path: String::new(), message: "no such plan".to_owned() }]));
    };
    let Ok(scenario) = scenario else {
        return Err(FieldErrors(vec![FieldError {
            path: String::new(),
            message: "fix the scenario's problems (left) before planning".to_owned(),
        }]));
    };
    let mut one = file.clone();
    one.plans = vec![plan.clone()];
    match resolve_plans(&one, scenario, &Limits::default()) {
        Ok(mut specs) if !specs.is_empty() => {
            let mut spec = specs.remove(0);
            spec.index = index;
            Ok(spec)
        }
        Ok(_) => Err(FieldErrors(Vec::new())),
        Err(FieldErrors(errors)) => Err(FieldErrors(
            errors
                .into_iter()
                .map(|e| {
                    let path = e.path.strip_prefix("plans[0]").unwrap_or(&e.path);
                    FieldError { path: path.trim_start_matches('.').to_owned(), message: e.message }
                })
                .collect(),
        )),
    }
}

/// The scenario with the plan's (first) axis set to `x`, as one edit:
/// the file and the edit's label (a goal-seek answer applied).
///
/// # Errors
/// Occurs when the plan has no axis or its knob no longer applies to the
/// scenario (the tier or design it names was renamed since the run).
pub fn answer_edit(file: &ScenarioFile, spec: &PlanSpec, x: f64) -> Result<(ScenarioFile, String), String> {
    let axis = spec.axes.first().ok_or("the plan has no axis")?;
    let mut edited = file.clone();
    axis.knob.apply(&mut edited, KnobValue::Number(x))?;
    Ok((edited, format!("Set {} to {}", axis.knob.describe(), show_x(axis, x))))
}

/// The scenario with a search candidate added as a design (and the
/// sizing axes set to its values), as one edit: the file, the new
/// design's name and the edit's label.
///
/// # Errors
/// Occurs when the plan has no search or a sizing knob no longer applies.
pub fn candidate_edit(
    file: &ScenarioFile,
    spec: &PlanSpec,
    candidate: &Candidate,
) -> Result<(ScenarioFile, String, String), String> {
    let search = spec.search.as_ref().ok_or("the plan has no search")?;
    let name = unique_name("cheapest", |n| file.designs.iter().any(|d| d.name == n));
    let mut edited = file.clone();
    edited.designs.push(winner_design(file, search, candidate, &name));
    let mut sizing = Vec::new();
    for (axis, value) in spec.axes.iter().zip(&candidate.values) {
        if let PointValue::Number(x) = value {
            axis.knob.apply(&mut edited, KnobValue::Number(*x))?;
            sizing.push(format!("{} {}", axis.knob.describe(), show_x(axis, *x)));
        }
    }
    let label = if sizing.is_empty() {
        format!("Add design {name}")
    } else {
        format!("Add design {name} ({})", sizing.join(", "))
    };
    Ok((edited, name, label))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundled;
    use crate::scenario::file::ValuesFile;

    fn noisy() -> (ScenarioFile, Result<Scenario, FieldErrors>) {
        let text = bundled::by_file_name("noisy-neighbour.ron").map(|b| b.text).unwrap_or_default();
        let file = crate::scenario::parse_str(text, &Limits::default()).unwrap_or_else(|e| panic!("{e}"));
        let scenario = crate::scenario::resolve::resolve(&file, &Limits::default());
        (file, scenario)
    }

    #[test]
    fn a_plans_problems_are_reported_relative_to_the_plan() {
        let (mut file, scenario) = noisy();
        assert!(check_plan(&file, &scenario, 0).is_ok());
        file.plans[0].axes[0].values = ValuesFile::Linear { from: 3.0, to: 1.0, step: 1.0 };
        let errors = check_plan(&file, &scenario, 0).err().unwrap_or_else(|| panic!("an empty range"));
        assert!(errors.for_path("axes[0].values").is_some_and(|m| m.contains("empty range")), "{errors:?}");
    }

    #[test]
    fn an_answer_applied_sets_the_axis_knob() {
        let (file, scenario) = noisy();
        let spec = check_plan(&file, &scenario, 0).unwrap_or_else(|e| panic!("{e}"));
        let (edited, label) = answer_edit(&file, &spec, 3.0).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(edited.layers.compute.instances.min, 3);
        assert_eq!(label, "Set minimum instances to 3 instances");
    }

    /// The check's answer, at once or (on a loaded machine) by polling.
    fn checked(check: &mut PlanCheck, file: &ScenarioFile, scenario: &Result<Scenario, FieldErrors>) -> bool {
        if let Some(result) = check.check(file, scenario, 0) {
            return result.is_ok();
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        while !check.poll() {
            assert!(Instant::now() < deadline, "no answer in 30 s");
            std::thread::sleep(Duration::from_millis(1));
        }
        let again = check.check(file, scenario, 0).map(Result::is_ok);
        again.unwrap_or_else(|| panic!("an answer came, and the file did not change"))
    }

    #[test]
    fn the_check_is_cached_until_the_file_changes() {
        let (mut file, scenario) = noisy();
        let mut check = PlanCheck::default();
        assert!(checked(&mut check, &file, &scenario));
        file.plans[0].designs = vec!["nowhere".into()];
        assert!(!checked(&mut check, &file, &scenario));
        assert!(!check.is_checking());
    }
}
