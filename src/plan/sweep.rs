//! One point of a plan: the scenario with the axes set, resolved, run on
//! the plan's designs and replications, and read into figures. The seed
//! never changes between points (common random numbers), so differences
//! between points and between designs are not sampling noise.

use indexmap::IndexMap;

use crate::lesson::figure_of;
use crate::plan::PlanError;
use crate::plan::spec::{Axis, apply_point, show};
use crate::report::figures::{FIGURES, Scope, figure};
use crate::report::plan::{DesignPoint, PointReport, PointValue};
use crate::report::{Estimate, RunReport};
use crate::scenario::change::KnobValue;
use crate::scenario::file::{DesignFile, PlanFigureFile};
use crate::scenario::{Limits, ScenarioFile, resolve};
use crate::sim::{self, RunControl, RunOptions, Simulated};

/// What a point runs: the base file, the axes, the designs (by name or
/// given outright) and the replications.
pub(crate) struct PointJob<'a> {
    /// The scenario as written (plans are ignored).
    pub file: &'a ScenarioFile,
    /// The axes whose values the point sets.
    pub axes: &'a [Axis],
    /// Names of the file's designs to run.
    pub designs: &'a [String],
    /// Designs run instead of the file's (the search's candidates).
    pub candidates: Option<Vec<DesignFile>>,
    /// Replications.
    pub replications: u32,
    /// Tenant figures to read besides the design and tier figures.
    pub tenant_figures: &'a [PlanFigureFile],
    /// Limits every point's scenario must stay within.
    pub limits: &'a Limits,
    /// Results simulated once and read by every point, when the axes only
    /// change how results are read (see [`crate::scenario::file::KnobFile::reads_only`]).
    pub shared: Option<&'a Simulated>,
}

/// The key of a figure in a point's map: `cost`, `margin:pro`, `p99@acme`.
pub fn figure_key(f: &PlanFigureFile) -> String {
    let key = figure(figure_of(f.metric)).key;
    match (&f.tenant, &f.tier) {
        (Some(id), _) => format!("{key}@{id}"),
        (None, Some(tier)) => format!("{key}:{tier}"),
        (None, None) => key.to_owned(),
    }
}

impl PointJob<'_> {
    /// Runs the point with the axes at `values`.
    ///
    /// # Errors
    /// Occurs when the changed scenario does not resolve (an interior value
    /// the plan's check did not reach), or when the run is cancelled.
    pub fn run(&self, values: &[KnobValue], control: &RunControl) -> Result<Vec<DesignPoint>, PlanError> {
        let (scenario, options) = self.prepare(values)?;
        let report = match self.shared {
            Some(simulated) => simulated.report(&scenario, control).map_err(|e| self.failed(values, e))?,
            None => sim::run(&scenario, &options, control).map_err(|e| self.failed(values, e))?,
        };
        Ok(read_figures(&report, self.tenant_figures))
    }

    /// Simulates the point at `values` and keeps its results for other
    /// points to read, when every axis only changes how results are read.
    ///
    /// # Errors
    /// As [`PointJob::run`].
    pub fn simulate_shared(&self, values: &[KnobValue], control: &RunControl) -> Result<Option<Simulated>, PlanError> {
        if self.candidates.is_some() || self.axes.is_empty() || !self.axes.iter().all(|a| a.knob.reads_only()) {
            return Ok(None);
        }
        let (scenario, options) = self.prepare(values)?;
        sim::simulate(&scenario, &options, control).map(Some).map_err(|e| self.failed(values, e))
    }

    fn failed(&self, values: &[KnobValue], e: sim::RunError) -> PlanError {
        match e {
            sim::RunError::Cancelled => PlanError::Cancelled,
            other => PlanError::Point {
                at: values.iter().map(|&v| show(v)).collect::<Vec<_>>().join(", "),
                message: other.to_string(),
            },
        }
    }

    /// The point's scenario and run options.
    fn prepare(&self, values: &[KnobValue]) -> Result<(crate::scenario::Scenario, RunOptions), PlanError> {
        let at = || values.iter().map(|&v| show(v)).collect::<Vec<_>>().join(", ");
        let mut file =
            apply_point(self.file, self.axes, values).map_err(|message| PlanError::Point { at: at(), message })?;
        file.clock.replications = self.replications;
        let names: Vec<String> = match &self.candidates {
            Some(list) => {
                file.designs.clone_from(list);
                list.iter().map(|d| d.name.clone()).collect()
            }
            None => self.designs.to_vec(),
        };
        // Candidates may outnumber the file's design limit; the plan's own
        // work estimate bounds them.
        let limits = Limits { max_designs: file.designs.len().max(self.limits.max_designs), ..*self.limits };
        let scenario = resolve::resolve(&file, &limits)
            .map_err(|errors| PlanError::Point { at: at(), message: errors.to_string() })?;
        let indices: Vec<usize> =
            names.iter().filter_map(|n| scenario.designs.iter().position(|d| &d.name == n)).collect();
        let options = RunOptions {
            designs: Some(indices),
            focus: Some(Vec::new()),
            series_points: Some(1),
            ..Default::default()
        };
        Ok((scenario, options))
    }
}

/// Every design figure, every tier figure and the asked-for tenant
/// figures of every design in `report`.
pub fn read_figures(report: &RunReport, tenant_figures: &[PlanFigureFile]) -> Vec<DesignPoint> {
    report
        .designs
        .iter()
        .map(|d| {
            let mut figures: IndexMap<String, Estimate> = IndexMap::new();
            for f in &FIGURES {
                if let Ok(e) = f.read(d, Scope::Design) {
                    figures.insert(f.key.to_owned(), e);
                }
                for (k, tier) in report.tiers.iter().enumerate() {
                    if let Ok(e) = f.read(d, Scope::Tier(k)) {
                        figures.insert(format!("{}:{tier}", f.key), e);
                    }
                }
            }
            for f in tenant_figures {
                if let Some(id) = &f.tenant
                    && let Ok(e) = figure(figure_of(f.metric)).read(d, Scope::Tenant(id))
                {
                    figures.insert(figure_key(f), e);
                }
            }
            DesignPoint { design: d.name.clone(), figures }
        })
        .collect()
}

/// A point's values as reported.
pub fn point_values(values: &[KnobValue]) -> Vec<PointValue> {
    values
        .iter()
        .map(|&v| match v {
            KnobValue::Number(x) => PointValue::Number(x),
            KnobValue::Placement(_) => PointValue::Placement(show(v)),
        })
        .collect()
}

/// A point as reported.
pub fn point_report(index: Option<usize>, values: &[KnobValue], designs: Vec<DesignPoint>) -> PointReport {
    PointReport { index, values: point_values(values), designs }
}
