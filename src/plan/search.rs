//! The cheapest-design search: every placement of the searched keys (per
//! layer when asked) and every point of the plan's sizing axes is a
//! candidate design. Candidates whose stacks come out identical are run
//! once. When more than [`EXHAUSTIVE_MAX`] remain, successive halving
//! spends few replications on all of them and full replications on the
//! best quarter, stage by stage; otherwise every candidate gets full
//! replications. The winner is the candidate with the best objective
//! among those meeting every constraint on the conservative side of the
//! CI; the Pareto front is computed over the candidates judged at full
//! replications.

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::plan::PlanError;
use crate::plan::spec::{PlanSpec, show};
use crate::plan::sweep::{PointJob, point_values};
use crate::report::Estimate;
use crate::report::plan::{Candidate, DesignPoint, SearchReport, SlotPlacement};
use crate::scenario::change::KnobValue;
use crate::scenario::file::{ConstraintFile, DesignFile, LayerName, ObjectiveFile, PlacementFile, SearchFile};
use crate::scenario::model::{Design, Topology};
use crate::scenario::{Limits, ScenarioFile, resolve};
use crate::sim::RunControl;

/// Up to this many distinct candidates, every one runs at full replications.
pub const EXHAUSTIVE_MAX: usize = 64;
/// Successive halving keeps this share of candidates at each stage …
const KEEP_SHARE: f64 = 0.25;
/// … and never fewer than this many.
const FINALISTS: usize = 16;
/// Candidates run together as the designs of one scenario.
pub(crate) const CHUNK: usize = 32;
/// Candidates the duplicate pass builds or groups between two reads of
/// the cancel flag.
const CHECK_CANDIDATES: usize = 64;

/// One candidate: a placement per slot and a sizing point.
#[derive(Debug, Clone)]
pub(crate) struct Cand {
    /// Index of the placement per slot.
    pub choice: Vec<usize>,
    /// Index of the sizing point.
    pub point: usize,
}

/// The search's slots: (key, layer) pairs, each placed on its own.
fn slots(s: &SearchFile) -> Vec<(String, Option<LayerName>)> {
    let layers: Vec<Option<LayerName>> =
        if s.layers.is_empty() { vec![None] } else { s.layers.iter().map(|&l| Some(l)).collect() };
    layers.iter().flat_map(|&l| s.keys.iter().map(move |k| (k.clone(), l))).collect()
}

fn layer_name(l: LayerName) -> &'static str {
    l.label()
}

/// The design a candidate stands for, named `name`.
pub(crate) fn candidate_design(file: &ScenarioFile, s: &SearchFile, choice: &[usize], name: &str) -> DesignFile {
    let mut design = file.designs.iter().find(|d| d.name == s.base).cloned().unwrap_or_else(|| file.designs[0].clone());
    design.name = name.to_owned();
    // A layer override starts from the design's all-layer placement.
    for ((key, layer), &c) in slots(s).iter().zip(choice) {
        let p = s.placements[c];
        let map = match layer {
            None => &mut design.placement,
            // A queue left without its own entries follows compute's
            // placement, so its override starts empty.
            Some(LayerName::Queue) => design.layers.get_mut(LayerName::Queue).get_or_insert_with(Default::default),
            Some(l) => design.layers.get_mut(*l).get_or_insert_with(|| design.placement.clone()),
        };
        map.insert(key.clone(), p);
    }
    design
}

fn label(s: &SearchFile, choice: &[usize]) -> (String, Vec<SlotPlacement>) {
    let placements: Vec<SlotPlacement> = slots(s)
        .iter()
        .zip(choice)
        .map(|((key, layer), &c)| SlotPlacement {
            key: key.clone(),
            layer: layer.map(|l| layer_name(l).to_owned()),
            placement: show(KnobValue::Placement(s.placements[c])),
        })
        .collect();
    let text = placements
        .iter()
        .map(|p| match &p.layer {
            Some(l) => format!("{} {l}: {}", p.key, p.placement),
            None => format!("{}: {}", p.key, p.placement),
        })
        .collect::<Vec<_>>()
        .join(", ");
    (text, placements)
}

/// Every candidate of the search, in index order (placements vary
/// fastest, the sizing point slowest).
pub(crate) fn candidates(spec: &PlanSpec, s: &SearchFile) -> Vec<Cand> {
    let n_slots = slots(s).len();
    let per_point = s.placements.len().pow(n_slots as u32);
    (0..spec.points())
        .flat_map(|point| {
            (0..per_point).map(move |mut a| {
                let choice = (0..n_slots)
                    .map(|_| {
                        let c = a % s.placements.len();
                        a /= s.placements.len();
                        c
                    })
                    .collect();
                Cand { choice, point }
            })
        })
        .collect()
}

/// What makes two resolved candidates duplicates: equal stacks on every
/// layer and an equal overhead, compared as `==` compares them (the
/// overhead's bits, with -0 as 0); `None` for a NaN overhead, which
/// equals nothing.
type SameStacks<'a> = (&'a [Topology; 3], &'a Topology, u64);

fn same_stacks(design: &Design) -> Option<SameStacks<'_>> {
    let overhead = design.overhead_usd_per_stack_month;
    if overhead.is_nan() {
        return None;
    }
    let bits = if overhead == 0.0 { 0.0_f64.to_bits() } else { overhead.to_bits() };
    Some((&design.layers, &design.queue, bits))
}

/// Groups candidates whose resolved stacks are identical at the same
/// sizing point; returns, for each candidate, the index of the first of
/// its group.
///
/// # Errors
/// Occurs when `control` is cancelled (read at every point and every
/// [`CHECK_CANDIDATES`] candidates).
pub(crate) fn duplicates_of(
    file: &ScenarioFile,
    spec: &PlanSpec,
    s: &SearchFile,
    all: &[Cand],
    limits: &Limits,
    control: &RunControl,
) -> Result<Vec<usize>, PlanError> {
    let cancelled = |k: usize| k.is_multiple_of(CHECK_CANDIDATES) && control.is_cancelled();
    let mut first = (0..all.len()).collect::<Vec<usize>>();
    let mut by_point: Vec<Vec<usize>> = vec![Vec::new(); spec.points()];
    for (i, c) in all.iter().enumerate() {
        by_point[c.point].push(i);
    }
    for (point, members) in by_point.iter().enumerate() {
        if control.is_cancelled() {
            return Err(PlanError::Cancelled);
        }
        let Ok(mut copy) = crate::plan::spec::apply_point(file, &spec.axes, &spec.point_values(point)) else {
            continue;
        };
        copy.designs = Vec::with_capacity(members.len());
        for (k, &i) in members.iter().enumerate() {
            if cancelled(k) {
                return Err(PlanError::Cancelled);
            }
            copy.designs.push(candidate_design(file, s, &all[i].choice, &format!("c{k}")));
        }
        let limits = Limits { max_designs: copy.designs.len().max(limits.max_designs), ..*limits };
        let Ok(sc) = resolve::resolve(&copy, &limits) else { continue };
        // The first candidate of each group stands for it.
        let mut group: FxHashMap<SameStacks<'_>, usize> = FxHashMap::default();
        for (k, &i) in members.iter().enumerate() {
            if cancelled(k) {
                return Err(PlanError::Cancelled);
            }
            if let Some(key) = same_stacks(&sc.designs[k]) {
                first[i] = *group.entry(key).or_insert(i);
            }
        }
    }
    Ok(first)
}

/// A candidate's figures after a stage.
#[derive(Debug, Clone)]
pub(crate) struct Judged {
    /// Index among all candidates.
    pub index: usize,
    /// Replications it was run with.
    pub replications: u32,
    /// Its figures.
    pub figures: DesignPoint,
}

/// What a search stage runs on: the scenario, the plan, its search and
/// every candidate.
pub(crate) struct Space<'a> {
    /// The scenario as written.
    pub file: &'a ScenarioFile,
    /// The plan.
    pub spec: &'a PlanSpec,
    /// Its search.
    pub search: &'a SearchFile,
    /// Every candidate.
    pub all: &'a [Cand],
    /// Limits of every run.
    pub limits: &'a Limits,
}

/// Runs candidates `which` at `replications`, in chunks, in parallel.
pub(crate) fn run_stage(
    space: &Space<'_>,
    which: &[usize],
    replications: u32,
    control: &RunControl,
    done: &(dyn Fn(usize) + Sync),
) -> Result<Vec<Judged>, PlanError> {
    let Space { file, spec, search: s, all, limits } = *space;
    // Chunks hold candidates of one sizing point.
    let mut chunks: Vec<Vec<usize>> = Vec::new();
    for &i in which {
        match chunks.last_mut() {
            Some(chunk) if chunk.len() < CHUNK && all[chunk[0]].point == all[i].point => chunk.push(i),
            _ => chunks.push(vec![i]),
        }
    }
    let results: Vec<Result<Vec<Judged>, PlanError>> = chunks
        .par_iter()
        .map(|chunk| {
            let designs: Vec<DesignFile> =
                chunk.iter().map(|&i| candidate_design(file, s, &all[i].choice, &format!("candidate {i}"))).collect();
            let job = PointJob {
                file,
                axes: &spec.axes,
                designs: &[],
                candidates: Some(designs),
                replications,
                tenant_figures: &tenant_figures(s),
                limits,
                shared: None,
                parts: None,
            };
            let points = job.run(&spec.point_values(all[chunk[0]].point), control)?;
            done(chunk.len());
            Ok(chunk.iter().zip(points).map(|(&index, figures)| Judged { index, replications, figures }).collect())
        })
        .collect();
    let mut out = Vec::with_capacity(which.len());
    for r in results {
        out.extend(r?);
    }
    Ok(out)
}

fn tenant_figures(s: &SearchFile) -> Vec<crate::scenario::file::PlanFigureFile> {
    s.constraints
        .iter()
        .filter_map(|c| match c {
            ConstraintFile::AtMost { figure, .. } | ConstraintFile::AtLeast { figure, .. }
                if figure.tenant.is_some() =>
            {
                Some(figure.clone())
            }
            _ => None,
        })
        .collect()
}

fn get(p: &DesignPoint, key: &str) -> Estimate {
    p.figures.get(key).copied().unwrap_or_default()
}

/// Whether a candidate meets every constraint; `conservative` judges on
/// the far side of the CI, otherwise on the mean. Returns the total
/// violation (0 when it holds) for ranking.
fn violation(p: &DesignPoint, constraints: &[ConstraintFile], conservative: bool) -> f64 {
    let k = if conservative { 1.0 } else { 0.0 };
    let mut total = 0.0;
    for c in constraints {
        match c {
            ConstraintFile::SloMet { .. } | ConstraintFile::AllSlosMet => {
                let tier = if let ConstraintFile::SloMet { tier } = c { Some(tier) } else { None };
                for (key, e) in &p.figures {
                    let Some(t) = key.strip_prefix("slo_met:") else { continue };
                    if tier.is_none_or(|want| want == t) {
                        total += (1.0 - 1e-9 - (e.mean - k * e.ci95)).max(0.0);
                    }
                }
            }
            ConstraintFile::AtMost { figure, value } => {
                let e = get(p, &crate::plan::sweep::figure_key(figure));
                total += ((e.mean + k * e.ci95 - value) / value.abs().max(1e-9)).max(0.0);
            }
            ConstraintFile::AtLeast { figure, value } => {
                let e = get(p, &crate::plan::sweep::figure_key(figure));
                total += ((value - (e.mean - k * e.ci95)) / value.abs().max(1e-9)).max(0.0);
            }
        }
    }
    total
}

/// The objective to minimise.
fn objective(p: &DesignPoint, o: ObjectiveFile) -> f64 {
    match o {
        ObjectiveFile::MinCost => get(p, "cost").mean,
        ObjectiveFile::MaxMargin => -get(p, "margin").mean,
        ObjectiveFile::MinSteadyCost => get(p, "steady_cost").mean,
    }
}

/// Runs the whole search. `first_stage`, when given, holds the first
/// stage's results already run elsewhere (shards).
pub(crate) fn search(
    file: &ScenarioFile,
    spec: &PlanSpec,
    s: &SearchFile,
    first_stage: Option<Vec<Judged>>,
    limits: &Limits,
    control: &RunControl,
    progress: &crate::plan::PlanProgress,
) -> Result<SearchReport, PlanError> {
    let done = &|n: usize| progress.add_done(n);
    let all = candidates(spec, s);
    let plan = stages(file, spec, s, &all, limits, control)?;
    let space = Space { file, spec, search: s, all: &all, limits };
    let mut current = match first_stage {
        Some(judged) => {
            let indices: Vec<usize> = judged.iter().map(|j| j.index).collect();
            if indices != plan.unique {
                return Err(PlanError::Parts(format!(
                    "the parts hold {} of the search's {} first-stage candidates",
                    indices.len(),
                    plan.unique.len()
                )));
            }
            judged
        }
        None => run_stage(&space, &plan.unique, plan.replications[0], control, done)?,
    };
    let mut stages = vec![[plan.unique.len() as u64, u64::from(plan.replications[0])]];
    let mut design_runs = plan.unique.len() as u64 * u64::from(plan.replications[0]);
    for &r in &plan.replications[1..] {
        current.sort_by(|a, b| rank(a, b, s));
        let keep = ((current.len() as f64 * KEEP_SHARE).ceil() as usize).max(FINALISTS).min(current.len());
        let mut next: Vec<usize> = current[..keep].iter().map(|j| j.index).collect();
        next.sort_unstable();
        progress.add_total(next.len());
        current = run_stage(&space, &next, r, control, done)?;
        stages.push([next.len() as u64, u64::from(r)]);
        design_runs += next.len() as u64 * u64::from(r);
    }
    current.sort_by(|a, b| rank(a, b, s));
    let full = spec.replications;
    let to_candidate = |j: &Judged| -> Candidate {
        let (label, placements) = label(s, &all[j.index].choice);
        let p = &j.figures;
        Candidate {
            label,
            placements,
            values: point_values(&spec.point_values(all[j.index].point)),
            feasible: violation(p, &s.constraints, true) == 0.0,
            replications: j.replications,
            cost: get(p, "cost"),
            margin: get(p, "margin"),
            worst_p99_ms: get(p, "p99"),
            tenants_hurt: get(p, "tenants_hurt"),
            unserved: get(p, "unserved"),
        }
    };
    let finals: Vec<Candidate> = current.iter().filter(|j| j.replications == full).map(to_candidate).collect();
    let best = finals.iter().find(|c| c.feasible).cloned();
    let pareto = pareto(&finals);
    let unique = plan.unique.len() as u64;
    let candidates = all.len() as u64;
    let finalists = finals.len() as u64;
    let objective = match s.objective {
        ObjectiveFile::MinCost => {
            "lowest total cost per month (usage during the run scaled to a month, plus overheads)"
        }
        ObjectiveFile::MaxMargin => "highest margin per month (revenue minus total cost per month)",
        ObjectiveFile::MinSteadyCost => {
            "lowest steady cost per month (the month without the spikes; their cost, once, is reported apart)"
        }
    };
    let strategy = if plan.replications.len() == 1 {
        format!(
            "{candidates} candidates, {} duplicates of another; all {unique} distinct candidates run at {full} replications",
            candidates - unique
        )
    } else {
        format!(
            "{candidates} candidates, {} duplicates of another; successive halving on replications ({}), keeping \
             the best quarter (at least {FINALISTS}) by constraint violation then objective at each stage; {finalists} \
             finalists at {full} replications",
            candidates - unique,
            stages.iter().map(|s| format!("{} at {}", s[0], s[1])).collect::<Vec<_>>().join(", ")
        )
    };
    Ok(SearchReport {
        objective: objective.to_owned(),
        best,
        candidates,
        evaluated: unique,
        duplicates: candidates - unique,
        pruned: unique - finalists,
        design_runs,
        stages,
        pareto,
        strategy,
    })
}

/// Order: meets the constraints on the mean first (least violation), then
/// the objective, then index (deterministic).
fn rank(a: &Judged, b: &Judged, s: &SearchFile) -> std::cmp::Ordering {
    let va = violation(&a.figures, &s.constraints, a.replications > 1);
    let vb = violation(&b.figures, &s.constraints, b.replications > 1);
    va.total_cmp(&vb)
        .then(objective(&a.figures, s.objective).total_cmp(&objective(&b.figures, s.objective)))
        .then(a.index.cmp(&b.index))
}

/// The stages the search will run.
pub(crate) struct Stages {
    /// Distinct candidates (first of each duplicate group), in index order.
    pub unique: Vec<usize>,
    /// Replications per stage.
    pub replications: Vec<u32>,
}

/// Plans the stages: distinct candidates and the replications of each stage.
///
/// # Errors
/// Occurs when `control` is cancelled.
pub(crate) fn stages(
    file: &ScenarioFile,
    spec: &PlanSpec,
    s: &SearchFile,
    all: &[Cand],
    limits: &Limits,
    control: &RunControl,
) -> Result<Stages, PlanError> {
    let first = duplicates_of(file, spec, s, all, limits, control)?;
    let unique: Vec<usize> = (0..all.len()).filter(|&i| first[i] == i).collect();
    let full = spec.replications;
    let mut replications = vec![full];
    if unique.len() > EXHAUSTIVE_MAX && full > 2 {
        // Halve replications going back from full, down to 2, as long as
        // the earlier stage still has candidates to prune.
        let mut n = unique.len() as f64;
        let mut r = full;
        while r > 2 && n > FINALISTS as f64 {
            r = (r / 2).max(2);
            replications.insert(0, r);
            n *= KEEP_SHARE;
        }
    }
    Ok(Stages { unique, replications })
}

/// Candidates no other is at least as good as on cost, worst p99, tenants
/// hurt and unserved, and better on one.
fn pareto(list: &[Candidate]) -> Vec<Candidate> {
    let key = |c: &Candidate| [c.cost.mean, c.worst_p99_ms.mean, c.tenants_hurt.mean, c.unserved.mean];
    let mut front: Vec<Candidate> = list
        .iter()
        .filter(|c| {
            let a = key(c);
            !list.iter().any(|o| {
                let b = key(o);
                b.iter().zip(&a).all(|(x, y)| x <= y) && b.iter().zip(&a).any(|(x, y)| x < y)
            })
        })
        .cloned()
        .collect();
    front.sort_by(|a, b| a.cost.mean.total_cmp(&b.cost.mean));
    front.dedup_by(|a, b| key(a) == key(b));
    front
}

/// The winner as a design named `name`, ready to add to the scenario.
pub fn winner_design(file: &ScenarioFile, s: &SearchFile, best: &Candidate, name: &str) -> DesignFile {
    let choice: Vec<usize> = best
        .placements
        .iter()
        .map(|sp| s.placements.iter().position(|p| show(KnobValue::Placement(*p)) == sp.placement).unwrap_or(0))
        .collect();
    candidate_design(file, s, &choice, name)
}

/// Words for a placement list (used by sentences).
pub fn placement_words(p: PlacementFile) -> String {
    show(KnobValue::Placement(p))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::spec::resolve_plans;
    use crate::scenario::model::Design;

    /// The bundled noisy-neighbour scenario with `edit` applied to its text,
    /// and its plan "cheapest design".
    fn cheapest_design(edit: impl Fn(&str) -> String) -> (ScenarioFile, PlanSpec, Limits) {
        let limits = Limits::default();
        let Some(bundled) = crate::bundled::by_file_name("noisy-neighbour.ron") else { panic!("bundled") };
        let file = match crate::scenario::parse_str(&edit(bundled.text), &limits) {
            Ok(file) => file,
            Err(e) => panic!("{e}"),
        };
        let sc = resolve::resolve(&file, &limits).unwrap_or_else(|e| panic!("{e}"));
        let specs = resolve_plans(&file, &sc, &limits).unwrap_or_else(|e| panic!("{e}"));
        let Some(spec) = specs.into_iter().find(|s| s.name == "cheapest design") else { panic!("no search") };
        (file, spec, limits)
    }

    /// The duplicate pass as it was before grouping by hash: every
    /// candidate compared with every earlier one at its point.
    fn duplicates_pairwise(
        file: &ScenarioFile,
        spec: &PlanSpec,
        s: &SearchFile,
        all: &[Cand],
        limits: &Limits,
    ) -> Vec<usize> {
        let mut first = (0..all.len()).collect::<Vec<usize>>();
        let mut by_point: Vec<Vec<usize>> = vec![Vec::new(); spec.points()];
        for (i, c) in all.iter().enumerate() {
            by_point[c.point].push(i);
        }
        for (point, members) in by_point.iter().enumerate() {
            let Ok(mut copy) = crate::plan::spec::apply_point(file, &spec.axes, &spec.point_values(point)) else {
                continue;
            };
            copy.designs = members.iter().map(|&i| candidate_design(file, s, &all[i].choice, "c")).collect();
            for (k, d) in copy.designs.iter_mut().enumerate() {
                d.name = format!("c{k}");
            }
            let limits = Limits { max_designs: copy.designs.len().max(limits.max_designs), ..*limits };
            let Ok(sc) = resolve::resolve(&copy, &limits) else { continue };
            for (k, &i) in members.iter().enumerate() {
                let me = &sc.designs[k];
                if let Some(j) = (0..k).find(|&j| {
                    let other = &sc.designs[j];
                    other.layers == me.layers && other.overhead_usd_per_stack_month == me.overhead_usd_per_stack_month
                }) {
                    first[i] = first[members[j]];
                }
            }
        }
        first
    }

    fn hashed(file: &ScenarioFile, spec: &PlanSpec, all: &[Cand], limits: &Limits) -> Vec<usize> {
        let Some(s) = &spec.search else { panic!("no search") };
        match duplicates_of(file, spec, s, all, limits, &RunControl::new()) {
            Ok(first) => first,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn hashed_duplicates_equal_the_pairwise_ones_on_the_bundled_search() {
        let (file, spec, limits) = cheapest_design(str::to_owned);
        let Some(s) = &spec.search else { panic!("no search") };
        let all = candidates(&spec, s);
        assert_eq!(all.len(), 2048);
        assert_eq!(hashed(&file, &spec, &all, &limits), duplicates_pairwise(&file, &spec, s, &all, &limits));
    }

    #[test]
    fn hashed_duplicates_equal_the_pairwise_ones_when_there_are_duplicates() {
        // Both tiers are placed on their own, so the "*" slot changes
        // nothing: every candidate has three duplicates.
        let (file, spec, limits) = cheapest_design(|text| {
            text.replace(r#"keys: ["basic", "premium"],"#, r#"keys: ["basic", "premium", "*"],"#)
                .replace("layers: [Gateway, Compute],", "layers: [Compute],")
        });
        let Some(s) = &spec.search else { panic!("no search") };
        let all = candidates(&spec, s);
        let first = hashed(&file, &spec, &all, &limits);
        assert_eq!(first, duplicates_pairwise(&file, &spec, s, &all, &limits));
        let unique = (0..all.len()).filter(|&i| first[i] == i).count();
        assert_eq!(unique * 4, all.len(), "{unique} of {}", all.len());
    }

    #[test]
    fn overheads_group_as_they_compare() {
        let design = |overhead| Design {
            name: String::new(),
            overhead_usd_per_stack_month: overhead,
            layers: Default::default(),
            queue: Topology::default(),
        };
        let (zero, minus_zero, nan) = (design(0.0), design(-0.0), design(f64::NAN));
        assert_eq!(same_stacks(&zero), same_stacks(&minus_zero));
        assert_ne!(same_stacks(&zero), same_stacks(&design(1.0)));
        assert_eq!(same_stacks(&nan), None, "NaN equals nothing, not even itself");
    }

    #[test]
    fn the_duplicate_pass_stops_when_cancelled() {
        let (file, spec, limits) = cheapest_design(str::to_owned);
        let Some(s) = &spec.search else { panic!("no search") };
        let all = candidates(&spec, s);
        let control = RunControl::new();
        control.cancel();
        assert_eq!(duplicates_of(&file, &spec, s, &all, &limits, &control), Err(PlanError::Cancelled));
        assert!(matches!(stages(&file, &spec, s, &all, &limits, &control), Err(PlanError::Cancelled)));
    }

    /// Prints how long the duplicate pass takes on the bundled search,
    /// pairwise (as before) and grouped by hash (best of five each):
    /// `cargo test --release --lib duplicate_pass_timing -- --ignored --nocapture`.
    #[test]
    #[ignore = "a measurement, not a test"]
    fn duplicate_pass_timing() {
        let (file, spec, limits) = cheapest_design(str::to_owned);
        let Some(s) = &spec.search else { panic!("no search") };
        let all = candidates(&spec, s);
        let best_of_5 = |f: &dyn Fn() -> Vec<usize>| {
            (0..5)
                .map(|_| {
                    let started = std::time::Instant::now();
                    std::hint::black_box(f());
                    started.elapsed().as_secs_f64() * 1e3
                })
                .fold(f64::INFINITY, f64::min)
        };
        let pairwise = best_of_5(&|| duplicates_pairwise(&file, &spec, s, &all, &limits));
        let grouped = best_of_5(&|| hashed(&file, &spec, &all, &limits));
        // The part both share: building and resolving each point's candidates.
        let resolve_only = best_of_5(&|| {
            for point in 0..spec.points() {
                let Ok(mut copy) = crate::plan::spec::apply_point(&file, &spec.axes, &spec.point_values(point)) else {
                    continue;
                };
                copy.designs = all
                    .iter()
                    .filter(|c| c.point == point)
                    .enumerate()
                    .map(|(k, c)| candidate_design(&file, s, &c.choice, &format!("c{k}")))
                    .collect();
                let limits = Limits { max_designs: copy.designs.len().max(limits.max_designs), ..limits };
                std::hint::black_box(resolve::resolve(&copy, &limits).is_ok());
            }
            Vec::new()
        });
        println!(
            "duplicate pass over {} candidates: pairwise {pairwise:.1} ms, grouped {grouped:.1} ms \
             (building and resolving the candidates alone: {resolve_only:.1} ms)",
            all.len()
        );
    }
}
