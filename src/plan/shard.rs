//! Sharding a plan over machines: shard `i` of `n` runs the sweep points
//! (and the search's first-stage candidates) whose index is `i` modulo
//! `n` and writes them as a [`PlanPart`]; [`merge`] checks that the parts
//! belong together and cover every point exactly once, then runs what
//! follows the sweep (refinement and later search stages, a small share of
//! the work) and gives the report an unsharded run gives, byte for byte.

use serde::{Deserialize, Serialize};

use crate::plan::search::{self, Judged};
use crate::plan::spec::{PlanSpec, resolve_plans};
use crate::plan::{PlanError, PlanOptions, PlanProgress, finish, in_pool, sweep};
use crate::report::plan::{DesignPoint, PlanReport, PointReport};
use crate::scenario::{Limits, ScenarioFile};
use crate::sim::RunControl;

/// Version of the part-file schema.
pub const PART_SCHEMA_VERSION: u32 = 1;

/// One shard's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanPart {
    /// Schema version ([`PART_SCHEMA_VERSION`]).
    pub part_schema_version: u32,
    /// Plan name.
    pub plan: String,
    /// This shard's index, from 0.
    pub shard: u32,
    /// Number of shards.
    pub shards: u32,
    /// The scenario the shard ran, as RON (every part of a plan carries the
    /// same text; the merge runs what follows the sweep from it).
    pub scenario: String,
    /// The shard's sweep points.
    pub points: Vec<PointReport>,
    /// The shard's first-stage search results.
    #[serde(default)]
    pub first_stage: Vec<StageResult>,
}

/// A candidate's first-stage figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageResult {
    /// Candidate index.
    pub index: usize,
    /// Replications it ran.
    pub replications: u32,
    /// Its figures.
    pub figures: DesignPoint,
}

/// One shard of a sharded plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Its index, from 0.
    pub index: u32,
    /// How many shards there are.
    pub count: u32,
}

/// Runs one shard of a plan.
///
/// # Errors
/// Occurs when the shard is out of range, a point fails, or on cancel.
pub fn run_shard(
    file: &ScenarioFile,
    spec: &PlanSpec,
    Shard { index: shard, count: shards }: Shard,
    limits: &Limits,
    options: PlanOptions,
    control: &RunControl,
    progress: &PlanProgress,
) -> Result<PlanPart, PlanError> {
    if shards == 0 || shard >= shards {
        return Err(PlanError::Parts(format!("shard {shard} of {shards} does not exist (shards count from 0)")));
    }
    let mine = |k: usize| k % shards as usize == shard as usize;
    in_pool(options.threads, || {
        let which: Vec<usize> = (0..spec.points()).filter(|&p| mine(p)).collect();
        let points = sweep(file, spec, &which, limits, control, progress)?;
        let mut first_stage = Vec::new();
        if let Some(s) = &spec.search {
            let all = search::candidates(spec, s);
            let stages = search::stages(file, spec, s, &all, limits, control)?;
            let which: Vec<usize> =
                stages.unique.iter().enumerate().filter(|(k, _)| mine(*k)).map(|(_, &i)| i).collect();
            progress.add_total(which.len());
            let done = |n: usize| progress.add_done(n);
            let space = search::Space { file, spec, search: s, all: &all, limits };
            let judged = search::run_stage(&space, &which, stages.replications[0], control, &done)?;
            first_stage = judged
                .into_iter()
                .map(|j| StageResult { index: j.index, replications: j.replications, figures: j.figures })
                .collect();
        }
        let scenario = crate::scenario::to_ron_string(file).map_err(|e| PlanError::Parts(e.to_string()))?;
        Ok(PlanPart {
            part_schema_version: PART_SCHEMA_VERSION,
            plan: spec.name.clone(),
            shard,
            shards,
            scenario,
            points,
            first_stage,
        })
    })
}

/// Combines the parts of a sharded plan into its report.
///
/// # Errors
/// Occurs when parts are missing, duplicated or from different plans or
/// scenarios, or when the remaining work fails.
pub fn merge(
    parts: Vec<PlanPart>,
    limits: &Limits,
    options: PlanOptions,
    control: &RunControl,
    progress: &PlanProgress,
) -> Result<PlanReport, PlanError> {
    let Some(first) = parts.first() else { return Err(PlanError::Parts("no parts to merge".to_owned())) };
    let (name, shards, text) = (first.plan.clone(), first.shards, first.scenario.clone());
    for p in &parts {
        if p.part_schema_version != PART_SCHEMA_VERSION {
            return Err(PlanError::Parts(format!(
                "part {} has schema version {}, this tenantsim reads {PART_SCHEMA_VERSION}",
                p.shard, p.part_schema_version
            )));
        }
        if p.plan != name {
            return Err(PlanError::Parts(format!("parts of different plans: \"{name}\" and \"{}\"", p.plan)));
        }
        if p.shards != shards {
            return Err(PlanError::Parts(format!("parts of {shards} and of {} shards cannot be merged", p.shards)));
        }
        if p.scenario != text {
            return Err(PlanError::Parts(format!(
                "part {} was run on a different scenario than part {}",
                p.shard, first.shard
            )));
        }
    }
    for k in 0..shards {
        match parts.iter().filter(|p| p.shard == k).count() {
            0 => return Err(PlanError::Parts(format!("part {k} of {shards} is missing"))),
            1 => {}
            n => return Err(PlanError::Parts(format!("part {k} of {shards} is given {n} times"))),
        }
    }
    if let Some(p) = parts.iter().find(|p| p.shard >= shards) {
        return Err(PlanError::Parts(format!("part {} of {shards} does not exist", p.shard)));
    }
    let file =
        crate::scenario::parse_str(&text, limits).map_err(|e| PlanError::Parts(format!("the parts' scenario: {e}")))?;
    let mut base = file.clone();
    base.plans.clear();
    let scenario = crate::scenario::resolve::resolve(&base, limits)
        .map_err(|e| PlanError::Parts(format!("the parts' scenario: {e}")))?;
    let specs =
        resolve_plans(&file, &scenario, limits).map_err(|e| PlanError::Parts(format!("the parts' plans: {e}")))?;
    let spec =
        specs.into_iter().find(|s| s.name == name).ok_or_else(|| PlanError::Parts(format!("no plan \"{name}\"")))?;
    let mut points: Vec<PointReport> = parts.iter().flat_map(|p| p.points.iter().cloned()).collect();
    points.sort_by_key(|p| p.index);
    let expected = if spec.axes.is_empty() && spec.search.is_some() { 0 } else { spec.points() };
    if points.len() != expected || points.iter().enumerate().any(|(k, p)| p.index != Some(k)) {
        return Err(PlanError::Parts(format!("the parts hold {} of the plan's {expected} points", points.len())));
    }
    let first_stage = match &spec.search {
        Some(_) => {
            let mut judged: Vec<Judged> = parts
                .into_iter()
                .flat_map(|p| p.first_stage)
                .map(|r| Judged { index: r.index, replications: r.replications, figures: r.figures })
                .collect();
            judged.sort_by_key(|j| j.index);
            Some(judged)
        }
        None => None,
    };
    in_pool(options.threads, || finish(&file, &spec, points, first_stage, limits, control, progress))
}
