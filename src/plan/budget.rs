//! The budget of one plan point: the scenarios a plan's largest points
//! would run (its axes at their ends, the plan's replications, its designs
//! or a chunk of its largest search candidates), each resolved so that the
//! scenario budget of [`crate::scenario::budget`] refuses a plan whose
//! points would take the machine down, before anything runs.
//!
//! It must not simulate: resolution stops at the budget check before a
//! design's stacks are built.

use crate::plan::search::{CHUNK, candidate_design};
use crate::plan::spec::{Axis, apply_point, show};
use crate::scenario::change::KnobValue;
use crate::scenario::file::{PlacementFile, SearchFile};
use crate::scenario::{Limits, ScenarioFile, resolve};

/// Most corner points checked per plan (beyond, placement axes are
/// checked at their first and last value only).
const MAX_CORNERS: usize = 16;

/// The values each axis is checked at: a numeric axis at its smallest and
/// largest value (a point's size grows or shrinks with a knob, never
/// peaks inside), a placement axis at every value, or at its first and
/// last when that makes too many corners.
fn ends(axes: &[Axis]) -> Vec<Vec<KnobValue>> {
    let numeric = |values: &[KnobValue]| {
        let mut lo = f64::INFINITY;
        let mut hi = f64::NEG_INFINITY;
        for v in values {
            if let KnobValue::Number(x) = v {
                lo = lo.min(*x);
                hi = hi.max(*x);
            }
        }
        if lo == hi { vec![KnobValue::Number(lo)] } else { vec![KnobValue::Number(lo), KnobValue::Number(hi)] }
    };
    let all: Vec<Vec<KnobValue>> =
        axes.iter().map(|a| if a.knob.is_placement() { a.values.clone() } else { numeric(&a.values) }).collect();
    if all.iter().map(Vec::len).product::<usize>() <= MAX_CORNERS {
        return all;
    }
    all.into_iter().map(|v| if v.len() > 2 { vec![v[0], v[v.len() - 1]] } else { v }).collect()
}

/// Every combination of `ends`, the first axis varying fastest.
fn corners(ends: &[Vec<KnobValue>]) -> Vec<Vec<KnobValue>> {
    let mut out = vec![Vec::new()];
    for values in ends {
        out = values
            .iter()
            .flat_map(|v| out.iter().map(move |c: &Vec<KnobValue>| [c.as_slice(), &[*v]].concat()))
            .collect();
    }
    out
}

/// The placement of `s` that builds the most stacks (Silo, or the most
/// cells; a pool builds one).
fn largest(s: &SearchFile, tenants: usize) -> usize {
    let stacks = |p: PlacementFile| match p {
        PlacementFile::Silo => tenants as u64,
        PlacementFile::Pool => 1,
        PlacementFile::Cells(k) => u64::from(k),
    };
    (0..s.placements.len()).max_by_key(|&i| (stacks(s.placements[i]), std::cmp::Reverse(i))).unwrap_or(0)
}

/// What a plan runs at each point.
pub struct PointRuns<'a> {
    /// The plan's axes.
    pub axes: &'a [Axis],
    /// Names of the designs a sweep runs.
    pub designs: &'a [String],
    /// Replications of every point.
    pub replications: u32,
    /// The cheapest-design search, whose candidates run in chunks.
    pub search: Option<&'a SearchFile>,
    /// Candidates of a search at one point.
    pub candidates: u64,
}

/// Checks the budget of the plan's corner points; each problem as the
/// point's values and the field error, ready for the plan's path.
pub fn check_points(file: &ScenarioFile, runs: &PointRuns<'_>, tenants: usize, limits: &Limits) -> Vec<String> {
    let mut problems = Vec::new();
    for values in corners(&ends(runs.axes)) {
        let Ok(mut copy) = apply_point(file, runs.axes, &values) else {
            // The axis check reports a knob that does not apply.
            continue;
        };
        copy.clock.replications = runs.replications;
        match runs.search {
            Some(s) => {
                let slots = s.keys.len() * s.layers.len().max(1);
                let choice = vec![largest(s, tenants); slots];
                let chunk = runs.candidates.clamp(1, CHUNK as u64) as usize;
                copy.designs =
                    (0..chunk).map(|i| candidate_design(file, s, &choice, &format!("candidate {i}"))).collect();
            }
            None => copy.designs.retain(|d| runs.designs.contains(&d.name)),
        }
        let limits = Limits { max_designs: copy.designs.len().max(limits.max_designs), ..*limits };
        if let Err(errors) = resolve::resolve(&copy, &limits) {
            let at: Vec<String> = values.iter().map(|&v| show(v)).collect();
            let at = if at.is_empty() { String::new() } else { format!(" at {}", at.join(", ")) };
            let what = if runs.search.is_some() { "a chunk of the largest candidates" } else { "the plan's designs" };
            for e in errors.0 {
                problems.push(format!("{what}{at} at {} replications: {}: {}", runs.replications, e.path, e.message));
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::file::KnobFile;

    #[test]
    fn corners_take_numeric_ends_and_every_placement() {
        let axes = [
            Axis {
                knob: KnobFile::Concurrency,
                values: [3.0, 1.0, 7.0, 5.0].map(KnobValue::Number).to_vec(),
                log_scale: false,
            },
            Axis {
                knob: KnobFile::Placement { design: "d".into(), key: "*".into(), layer: None },
                values: vec![KnobValue::Placement(PlacementFile::Pool), KnobValue::Placement(PlacementFile::Silo)],
                log_scale: false,
            },
        ];
        let c = corners(&ends(&axes));
        assert_eq!(c.len(), 4);
        assert_eq!(c[0], vec![KnobValue::Number(1.0), KnobValue::Placement(PlacementFile::Pool)]);
        assert_eq!(c[3], vec![KnobValue::Number(7.0), KnobValue::Placement(PlacementFile::Silo)]);
    }
}
