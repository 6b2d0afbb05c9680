//! Running the document's plans in the background: the planner's [`Job`]
//! for the [`crate::app::Runner`] (never on the UI thread, newest request
//! only, a cancelled or superseded run never delivers), and the app's
//! side of the Planner tab's commands: run, cancel, collect finished
//! points each frame, export the sweep as CSV. At most one plan runs per
//! document; opening another document cancels it (see
//! [`TenantsimApp::replace_document`]).

use std::path::Path;
use std::sync::Arc;

use crate::app::runner::Job;
use crate::app::{PlanRun, TenantsimApp};
use crate::files;
use crate::plan::spec::PlanSpec;
use crate::plan::{self, PlanError, PlanOptions, PlanProgress};
use crate::report::plan::PlanReport;
use crate::scenario::{Limits, ScenarioFile};
use crate::sim::{RunControl, RunError};

/// A plan to run on a worker thread, reporting to a shared progress.
pub struct PlanJob {
    /// The scenario as written.
    pub file: ScenarioFile,
    /// The plan, resolved.
    pub spec: PlanSpec,
    /// Work done and points finished, shared with the UI.
    pub progress: Arc<PlanProgress>,
}

impl Job for PlanJob {
    type Output = Result<PlanReport, PlanError>;

    fn total_ticks(&self) -> u64 {
        0 // progress is counted in points, by `PlanProgress`
    }

    fn run(self, control: &RunControl) -> Result<Self::Output, RunError> {
        match plan::run(&self.file, &self.spec, &Limits::default(), PlanOptions::default(), control, &self.progress) {
            Err(PlanError::Cancelled) => Err(RunError::Cancelled),
            other => Ok(other),
        }
    }
}

impl TenantsimApp {
    /// Starts the plan at `index` of the document's file in the
    /// background, replacing (and cancelling) any plan run of it.
    pub(super) fn run_plan(&mut self, index: usize) {
        let Some(checked) = self.doc.plan_checked(index).cloned() else {
            // Runs when its check comes (see `poll_plan_check`).
            self.plan_wanted = Some(index);
            return;
        };
        self.plan_wanted = None;
        let spec = match checked {
            Ok(spec) => spec,
            Err(errors) => {
                let first = errors.0.first().map_or_else(String::new, ToString::to_string);
                return self.set_status(format!("The plan cannot run: {first}"), true);
            }
        };
        let progress = Arc::new(PlanProgress::default());
        let file = self.doc.file.clone();
        self.doc.plan_run = Some(PlanRun::new(file.clone(), spec.clone(), Arc::clone(&progress)));
        self.planner.request(PlanJob { file, spec, progress }, false);
    }

    /// Takes the answer of a plan check that came since the last frame,
    /// and runs the plan the user asked for while it was being checked.
    pub(super) fn poll_plan_check(&mut self) {
        let answered = self.doc.plan_check.poll();
        let ready = (answered || !self.doc.plan_check.is_checking()) && !self.doc.is_resolving();
        if let Some(index) = self.plan_wanted.filter(|_| ready) {
            self.run_plan(index);
        }
    }

    /// Stops the plan run in flight; the points it finished stay drawn.
    pub(super) fn cancel_plan(&mut self) {
        self.planner.cancel();
        self.plan_wanted = None;
        if let Some(run) = self.doc.plan_run.as_mut().filter(|r| r.running) {
            run.cancelled();
        }
    }

    /// Collects the points finished since the last frame and the final
    /// report, if it has come.
    pub(super) fn poll_plan(&mut self) {
        let (finished, _) = self.planner.poll();
        let Some(run) = self.doc.plan_run.as_mut() else { return };
        run.collect();
        if let Some(finished) = finished {
            let result =
                finished.result.unwrap_or_else(|e| Err(PlanError::Point { at: String::new(), message: e.to_string() }));
            run.finish(result, finished.run_time);
        }
    }

    /// Writes the last plan report's sweep to `path` as CSV.
    pub(super) fn export_plan_csv(&mut self, path: &Path) {
        let Some(report) = self.doc.plan_run.as_ref().and_then(|r| r.report.as_ref()) else {
            return self.set_status("No finished plan to export yet", true);
        };
        // A save error names the file itself.
        match report
            .csv()
            .map_err(|e| format!("{}: {e}", path.display()))
            .and_then(|t| files::save_atomic(path, &t).map_err(|e| e.to_string()))
        {
            Ok(()) => self.set_status(format!("Exported the sweep to {}", path.display()), false),
            Err(e) => self.set_status(e, true),
        }
    }
}
