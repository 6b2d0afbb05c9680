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
use crate::scenario::file::{DesignFile, KnobFile, PlanFigureFile};
use crate::scenario::{Limits, ScenarioFile, resolve};
use std::sync::Arc;

use crate::scenario::budget::{self, KEPT_FIRST_BYTES};
use crate::scenario::model::{Event, Scenario};
use crate::sim::{self, RunControl, RunOptions, Shared, Simulated, Varying};

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
    /// Parts of every point's run that the axes cannot change, simulated
    /// once and given to every point (see [`PointJob::share_parts`]).
    pub parts: Option<SharedParts>,
}

/// What the points of a plan along spikes' factors share: the tenants
/// whose spikes vary, and the parts of the run those spikes cannot change.
#[derive(Debug, Clone)]
pub struct SharedParts {
    varying: Varying,
    given: Arc<Shared>,
}

impl SharedParts {
    /// How many parts are shared.
    pub fn len(&self) -> usize {
        self.given.len()
    }

    /// True when no part is shared.
    pub fn is_empty(&self) -> bool {
        self.given.is_empty()
    }
}

/// An axis's smallest and largest numbers (its values when it has none).
fn ends(values: &[KnobValue]) -> Vec<KnobValue> {
    let numbers: Vec<f64> =
        values.iter().filter_map(|v| if let KnobValue::Number(x) = v { Some(*x) } else { None }).collect();
    if numbers.is_empty() {
        return values.to_vec();
    }
    let low = numbers.iter().copied().fold(f64::INFINITY, f64::min);
    let high = numbers.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    vec![KnobValue::Number(low), KnobValue::Number(high)]
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

    /// Simulates once the parts of a point's run that every point would
    /// simulate alike, when every axis is a spike's factor, a tier's usage
    /// plan or quota, or a tenant's rate (or changes only how results are
    /// read): each design is split apart around the tenants the axes
    /// change, and what they cannot change (the other tenants' stacks; with
    /// spikes' factors also the no-spike baseline and the other spiking
    /// tenants' own baselines) is kept. `None` when nothing is left to
    /// share, when the axes' ends change more of the scenario than those
    /// tenants, or when the parts would take more than
    /// [`KEPT_FIRST_BYTES`]. A point whose run is laid out otherwise (its
    /// baselines stop elsewhere) simulates every part.
    ///
    /// # Errors
    /// As [`PointJob::run`].
    pub fn share_parts(&self, values: &[KnobValue], control: &RunControl) -> Result<Option<SharedParts>, PlanError> {
        if self.candidates.is_some() || self.shared.is_some() || self.axes.is_empty() {
            return Ok(None);
        }
        let mut spikes = Vec::new();
        for axis in self.axes {
            match axis.knob {
                KnobFile::SpikeFactor { index } => spikes.push(index),
                KnobFile::PlanRate { .. }
                | KnobFile::PlanBurst { .. }
                | KnobFile::QuotaPerDay { .. }
                | KnobFile::QuotaPerMonth { .. }
                | KnobFile::TenantRate { .. } => {}
                ref knob if knob.reads_only() => {}
                _ => return Ok(None),
            }
        }
        let (scenario, options) = self.prepare(values)?;
        let n = scenario.tenants.len();
        let mut varying = Varying { tenants: vec![false; n], spikes: vec![false; n] };
        for &i in &spikes {
            if let Some(&Event::Spike { tenant, .. }) = scenario.events.get(i) {
                varying.spikes[tenant] = true;
            }
        }
        // The tenants each axis changes, from the scenario at its ends; an
        // end that changes anything else shares nothing.
        for (a, axis) in self.axes.iter().enumerate() {
            if matches!(axis.knob, KnobFile::SpikeFactor { .. }) || axis.knob.reads_only() {
                continue;
            }
            for end in ends(&axis.values) {
                let mut at = values.to_vec();
                at[a] = end;
                let (other, _) = self.prepare(&at)?;
                if other.tenants.len() != n {
                    return Ok(None);
                }
                for (t, (mine, theirs)) in scenario.tenants.iter().zip(&other.tenants).enumerate() {
                    if mine != theirs || scenario.tiers[mine.tier] != other.tiers[theirs.tier] {
                        varying.tenants[t] = true;
                    }
                }
                let same_else = Scenario {
                    tenants: scenario.tenants.clone(),
                    tiers: scenario.tiers.clone(),
                    max_threads: scenario.max_threads,
                    result_bytes: scenario.result_bytes,
                    ..other
                };
                if same_else != scenario {
                    return Ok(None);
                }
            }
        }
        let options = RunOptions { varying: Some(varying.clone()), ..options };
        let count = sim::shared_count(&scenario, &options);
        let bytes = budget::point_result_bytes(&budget::Shape::of(&scenario));
        if count == 0 || count as f64 * bytes > KEPT_FIRST_BYTES {
            return Ok(None);
        }
        // Its arrival tables too, in the room the parts leave.
        let room = (KEPT_FIRST_BYTES - count as f64 * bytes) as usize;
        let given = sim::simulate_shared(&scenario, &options, control, room).map_err(|e| self.failed(values, e))?;
        Ok(Some(SharedParts { varying, given: Arc::new(given) }))
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
            varying: self.parts.as_ref().map(|p| p.varying.clone()),
            given: self.parts.as_ref().map(|p| Arc::clone(&p.given)),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::spec::resolve_plans;

    /// The ticks a point at `values` simulates (the parts it is given
    /// left out).
    fn ticks(job: &PointJob<'_>, values: &[KnobValue]) -> u64 {
        let (scenario, options) = job.prepare(values).unwrap_or_else(|e| panic!("{e}"));
        sim::total_ticks(&scenario, &options)
    }

    /// Asserts that `a` and `b` hold the same figures with means and
    /// confidence intervals equal up to rounding: a run split apart sums
    /// its parts in another order than one run whole.
    fn assert_close(a: &[DesignPoint], b: &[DesignPoint], context: &str) {
        assert_eq!(a.len(), b.len(), "{context}");
        for (x, y) in a.iter().zip(b) {
            assert_eq!(x.design, y.design, "{context}");
            assert!(x.figures.keys().eq(y.figures.keys()), "{context}: {}", x.design);
            for ((key, e), f) in x.figures.iter().zip(y.figures.values()) {
                for (u, v) in [(e.mean, f.mean), (e.ci95, f.ci95)] {
                    let close = u == v || (u - v).abs() <= 1e-9 * u.abs().max(v.abs()).max(1e-6);
                    assert!(close, "{context}: {} {key}: {u} against {v}", x.design);
                }
            }
        }
    }

    /// The file `text` and the axes of its first plan.
    fn first_plan(text: &str) -> (ScenarioFile, Vec<Axis>, Limits) {
        let limits = Limits::default();
        let file = crate::scenario::parse_str(text, &limits).unwrap_or_else(|e| panic!("{e}"));
        let sc = resolve::resolve(&file, &limits).unwrap_or_else(|e| panic!("{e}"));
        let specs = resolve_plans(&file, &sc, &limits).unwrap_or_else(|e| panic!("{e}"));
        let Some(spec) = specs.into_iter().next() else { panic!("a plan") };
        (file, spec.axes, limits)
    }

    /// A scenario whose two tenants spike in a shared pool, with `axis`
    /// as its one plan's axis, run by `engine`.
    fn two_spikes(axis: &str, engine: &str) -> (ScenarioFile, Vec<Axis>, Limits) {
        let text = format!(
            r#"Scenario(version: 1, name: "two spikes", clock: (duration: "12m", seed: 3, replications: 3, engine: {engine}),
            tiers: {{ "t": (price_per_month: 50.0, plan: (rate: 400.0, burst: 400.0), slo: (p99_ms: 120.0)) }},
            tenants: [ Group(prefix: "a", count: 5, tier: "t", load: (rate: 12.0)) ],
            layers: ( gateway: (), compute: (service_time: Exponential(mean_ms: 40.0), concurrency: 2, instances: (min: 2, max: 5),
                autoscale: (target_utilisation: 0.6, warmup: "1m")) ),
            designs: [ (name: "pool", placement: {{ "*": Pool }}), (name: "silo", placement: {{ "*": Silo }}) ],
            events: [ Spike(tenant: "a-01", at: "3m", duration: "3m", factor: 8.0),
                      Spike(tenant: "a-03", at: "4m", duration: "2m", factor: 4.0) ],
            plans: [ (name: "p", axes: [ (knob: {axis}, values: List([2.0, 9.0, 15.0])) ]) ])"#
        );
        first_plan(&text)
    }

    /// The job of the plan's points on both designs.
    fn job<'a>(file: &'a ScenarioFile, axes: &'a [Axis], designs: &'a [String], limits: &'a Limits) -> PointJob<'a> {
        PointJob {
            file,
            axes,
            designs,
            candidates: None,
            replications: 3,
            tenant_figures: &[],
            limits,
            shared: None,
            parts: None,
        }
    }

    /// Basic tenants a-00..a-03 (a-01 spikes) and premium p-00, p-01 under
    /// pool, silo and a bridge (premium in silos), with `axis` swept over
    /// `values`.
    fn two_tiers(axis: &str, values: &str, engine: &str) -> (ScenarioFile, Vec<Axis>, Limits) {
        let text = format!(
            r#"Scenario(version: 1, name: "two tiers", clock: (duration: "12m", seed: 5, replications: 3, engine: {engine}),
            tiers: {{ "basic": (price_per_month: 10.0, plan: (rate: 60.0, burst: 60.0)),
                      "premium": (price_per_month: 90.0, plan: (rate: 100.0, burst: 100.0)) }},
            tenants: [ Group(prefix: "a", count: 4, tier: "basic", load: (rate: 10.0)),
                       Group(prefix: "p", count: 2, tier: "premium", load: (rate: 20.0)) ],
            layers: ( gateway: (), compute: (service_time: Exponential(mean_ms: 40.0), concurrency: 2, instances: (min: 2, max: 6),
                autoscale: (target_utilisation: 0.6, warmup: "1m")) ),
            designs: [ (name: "pool", placement: {{ "*": Pool }}), (name: "silo", placement: {{ "*": Silo }}),
                       (name: "bridge", placement: {{ "premium": Silo, "*": Pool }}) ],
            events: [ Spike(tenant: "a-01", at: "3m", duration: "3m", factor: 6.0) ],
            plans: [ (name: "p", axes: [ (knob: {axis}, values: List([{values}])) ]) ])"#
        );
        first_plan(&text)
    }

    #[test]
    fn points_along_a_tier_or_tenant_knob_share_the_other_tenants_parts_and_equal_points_that_simulate_them() {
        let designs = ["pool".to_owned(), "silo".to_owned(), "bridge".to_owned()];
        let control = RunControl::new();
        // (axis, its values, parts shared per replication, what varies).
        // A premium knob varies p-00 and p-01: the pool's every part does;
        // silo and bridge keep the rest of their run and their no-spike
        // baseline (a-01's). A basic tier's burst large enough to refill
        // for longer than the autoscaler settles moves where the baselines
        // stop: the points at other values share nothing, and still equal
        // points that simulate everything.
        let cases = [
            ("PlanRate(tier: \"premium\")", "50.0, 100.0, 400.0", 4, "premium"),
            ("TenantRate(tenant: \"p\")", "10.0, 20.0, 35.0", 4, "premium"),
            ("PlanBurst(tier: \"basic\")", "60.0, 6000.0", 0, "basic"),
        ];
        for (axis, values, per_replication, varies) in cases {
            for engine in ["Auto", "Exact"] {
                let (file, axes, limits) = two_tiers(axis, values, engine);
                let parts = job(&file, &axes, &designs, &limits)
                    .share_parts(&[axes[0].values[0]], &control)
                    .unwrap_or_else(|e| panic!("{e}"));
                // The per-request engine runs whole designs, every one of
                // which holds a varying tenant.
                if engine == "Exact" {
                    assert!(parts.is_none(), "{axis}: whole designs share nothing");
                    continue;
                }
                let Some(parts) = parts else { panic!("{axis} {engine}: nothing shared") };
                let (basic, premium) = parts.varying.tenants.split_at(4);
                assert!(basic.iter().all(|&v| v == (varies == "basic")), "{axis}: {:?}", parts.varying);
                assert!(premium.iter().all(|&v| v == (varies == "premium")), "{axis}: {:?}", parts.varying);
                if per_replication > 0 {
                    assert_eq!(parts.len(), 3 * per_replication, "{axis}");
                }
                let alone = SharedParts { varying: parts.varying.clone(), given: Arc::new(Shared::default()) };
                let simulating = PointJob { parts: Some(alone), ..job(&file, &axes, &designs, &limits) };
                let sharing = PointJob { parts: Some(parts), ..job(&file, &axes, &designs, &limits) };
                for threads in [1, 2] {
                    let Ok(pool) = rayon::ThreadPoolBuilder::new().num_threads(threads).build() else { panic!("pool") };
                    pool.install(|| {
                        for &x in &axes[0].values[1..] {
                            let values = [x];
                            let (Ok(a), Ok(b)) = (sharing.run(&values, &control), simulating.run(&values, &control))
                            else {
                                panic!("runs")
                            };
                            assert_eq!(a, b, "{axis} {engine}, {threads} thread(s), {x:?}");
                            // And a run not split apart at all.
                            let Ok(whole) = job(&file, &axes, &designs, &limits).run(&values, &control) else {
                                panic!("the whole run")
                            };
                            assert_close(&a, &whole, &format!("{axis} {engine}, {threads} thread(s), {x:?}"));
                            // The shared parts were taken, unless the point
                            // is laid out otherwise.
                            let (taken, all) = (ticks(&sharing, &values), ticks(&simulating, &values));
                            if per_replication > 0 {
                                assert!(taken < all, "{axis}: {taken} ticks simulated of {all}");
                            } else {
                                assert_eq!(taken, all, "{axis}: laid out otherwise, every part simulated");
                            }
                        }
                    });
                }
            }
        }
    }

    #[test]
    fn points_given_the_shared_parts_equal_points_that_simulate_them() {
        let designs = ["pool".to_owned(), "silo".to_owned()];
        // Parts shared per replication: in the pool a-01's own baseline and
        // the no-spike baseline (a-03's spike is the one swept); in the
        // silos (split apart around a-03, unless run whole by the
        // per-request engine) the no-spike baseline's parts and the run's
        // part without a-03 (no spike reaches another spiking tenant there,
        // so no own baseline).
        for (engine, per_replication) in [("Auto", 2 + 3), ("Exact", 2 + 1)] {
            let (file, axes, limits) = two_spikes("SpikeFactor(index: 1)", engine);
            let control = RunControl::new();
            for threads in [1, 2] {
                let Ok(pool) = rayon::ThreadPoolBuilder::new().num_threads(threads).build() else { panic!("pool") };
                pool.install(|| {
                    let parts = job(&file, &axes, &designs, &limits)
                        .share_parts(&[KnobValue::Number(2.0)], &control)
                        .unwrap_or_else(|e| panic!("{e}"));
                    let Some(parts) = parts else { panic!("{engine}: nothing shared") };
                    assert_eq!(parts.len(), 3 * per_replication, "{engine}");
                    // The same split, every part simulated.
                    let alone = SharedParts { varying: parts.varying.clone(), given: Arc::new(Shared::default()) };
                    let simulating = PointJob { parts: Some(alone), ..job(&file, &axes, &designs, &limits) };
                    let sharing = PointJob { parts: Some(parts), ..job(&file, &axes, &designs, &limits) };
                    for x in [9.0, 15.0] {
                        let values = [KnobValue::Number(x)];
                        let (Ok(a), Ok(b)) = (sharing.run(&values, &control), simulating.run(&values, &control)) else {
                            panic!("runs")
                        };
                        assert_eq!(a, b, "{engine}, {threads} thread(s), factor {x}");
                        let Ok(whole) = job(&file, &axes, &designs, &limits).run(&values, &control) else {
                            panic!("the whole run")
                        };
                        assert_close(&a, &whole, &format!("{engine}, {threads} thread(s), factor {x}"));
                        let (taken, all) = (ticks(&sharing, &values), ticks(&simulating, &values));
                        assert!(taken < all, "{engine}: {taken} ticks simulated of {all}");
                        assert!(a.iter().all(|d| d.figures.get("tenants_hurt").is_some()));
                    }
                });
            }
        }
        // An axis that changes what every part simulates shares none.
        let (file, axes, limits) = two_spikes("InstancesMin", "Auto");
        let parts = job(&file, &axes, &designs, &limits).share_parts(&[KnobValue::Number(2.0)], &RunControl::new());
        assert!(matches!(parts, Ok(None)));
    }
}
