//! Reduction of raw results into the [`RunReport`], as replications
//! finish: each replication's figures are folded into running estimates
//! (mean and 95 % CI) in replication order, and its raw results dropped,
//! so what a run holds grows with its tenants and plotted points, not
//! with its replications or designs. The order is fixed, so the report
//! does not depend on which thread ran what.
//!
//! While a design's values over all its replications take at most
//! [`KEPT_BYTES`], they are kept and each estimate is worked out in two
//! passes ([`Estimate::from_samples`]); beyond that, in one pass
//! (Welford's running sums, the same mean to the last bit and an interval
//! that can differ from the two-pass one in its last digits).

mod design;

use crate::report::DesignReport;
use crate::report::{Estimate, EventWindow, REPORT_SCHEMA_VERSION, RunReport, t_quantile_975};
use crate::scenario::Scenario;
use crate::scenario::model::{Engine, Event};
use crate::sim::cost::months_per_run;
use crate::sim::raw::TaskRaw;

use design::{Figures, Replication, design_report};

/// Most bytes a design's kept values may take (see the module's doc).
pub const KEPT_BYTES: usize = 32 << 20;

/// Records one replication's values.
struct Record(Vec<f64>);

impl Figures for Record {
    fn figure(&mut self, value: &dyn Fn() -> f64) -> Estimate {
        self.0.push(value());
        Estimate::default()
    }

    fn building(&self) -> bool {
        false
    }
}

/// Reads the estimates back, in the order they were recorded.
struct Read(std::vec::IntoIter<Estimate>);

impl Figures for Read {
    fn figure(&mut self, _value: &dyn Fn() -> f64) -> Estimate {
        self.0.next().unwrap_or_default()
    }

    fn building(&self) -> bool {
        true
    }
}

/// Design `d`'s values in one replication, in the order its report reads
/// them (run on any thread; folded in replication order by [`Reducer`]).
pub(crate) fn sample(sc: &Scenario, d: usize, main: &TaskRaw, base: Option<&TaskRaw>) -> Vec<f64> {
    let mut record = Record(Vec::new());
    design_report(sc, d, Replication { main, base }, &mut record);
    record.0
}

/// Every figure's values folded so far.
enum Stats {
    /// Every replication's values, replication after replication.
    Kept(Vec<f64>),
    /// Running sums (Welford's): count, sum (from -0.0, as
    /// `Iterator::sum`), running mean and sum of squared deviations of
    /// each figure.
    Running { n: usize, sum: Vec<f64>, mean: Vec<f64>, m2: Vec<f64> },
}

impl Stats {
    fn add(&mut self, values: &[f64]) {
        match self {
            Stats::Kept(kept) => kept.extend_from_slice(values),
            Stats::Running { n, sum, mean, m2 } => {
                *n += 1;
                let count = *n as f64;
                for (k, &x) in values.iter().enumerate() {
                    sum[k] += x;
                    let delta = x - mean[k];
                    mean[k] += delta / count;
                    m2[k] += delta * (x - mean[k]);
                }
            }
        }
    }

    fn estimates(self, width: usize) -> Vec<Estimate> {
        match self {
            Stats::Kept(kept) => {
                let reps = kept.len() / width.max(1);
                let mut column = Vec::with_capacity(reps);
                (0..width)
                    .map(|k| {
                        column.clear();
                        column.extend((0..reps).map(|r| kept[r * width + k]));
                        Estimate::from_samples(&column)
                    })
                    .collect()
            }
            Stats::Running { n, sum, m2, .. } => sum
                .iter()
                .zip(&m2)
                .map(|(&sum, &m2)| {
                    let mean = sum / n as f64;
                    if n < 2 {
                        return Estimate { mean, ci95: 0.0 };
                    }
                    let var = m2 / (n - 1) as f64;
                    Estimate { mean, ci95: t_quantile_975(n - 1) * (var / n as f64).sqrt() }
                })
                .collect(),
        }
    }
}

/// One design's replications folded so far.
struct Fold {
    design: usize,
    /// The first replication, whose layout the report is built on.
    first: (TaskRaw, Option<TaskRaw>),
    width: usize,
    folded: u32,
    stats: Stats,
}

/// Folds replications into a report, design after design, each in
/// replication order.
pub(crate) struct Reducer<'a> {
    sc: &'a Scenario,
    /// Most bytes a design's kept values may take ([`KEPT_BYTES`]).
    kept_bytes: usize,
    done: Vec<DesignReport>,
    current: Option<Fold>,
}

impl<'a> Reducer<'a> {
    /// Nothing folded yet.
    pub fn new(sc: &'a Scenario) -> Self {
        Self::keeping(sc, KEPT_BYTES)
    }

    /// Nothing folded yet; a design's values are kept while they take at
    /// most `kept_bytes`.
    pub fn keeping(sc: &'a Scenario, kept_bytes: usize) -> Self {
        Self { sc, kept_bytes, done: Vec::new(), current: None }
    }

    /// Folds in the next replication of design `d` (the next design once
    /// the last one has all its replications): its run `main`, its
    /// baseline `base` and their values from [`sample`].
    pub fn add(&mut self, d: usize, main: TaskRaw, base: Option<TaskRaw>, values: &[f64]) {
        if self.current.as_ref().is_some_and(|f| f.design != d) {
            self.finish_design();
        }
        let (replications, kept_bytes) = (self.sc.clock.replications, self.kept_bytes);
        let fold = self.current.get_or_insert_with(|| {
            let width = values.len();
            let kept = width.saturating_mul(replications as usize).saturating_mul(size_of::<f64>());
            let stats = if kept <= kept_bytes {
                Stats::Kept(Vec::with_capacity(width * replications as usize))
            } else {
                Stats::Running { n: 0, sum: vec![-0.0; width], mean: vec![0.0; width], m2: vec![0.0; width] }
            };
            Fold { design: d, first: (main, base), width, folded: 0, stats }
        });
        debug_assert_eq!(values.len(), fold.width, "every replication reads the same figures");
        if values.len() == fold.width {
            fold.stats.add(values);
        }
        fold.folded += 1;
        if fold.folded >= replications {
            self.finish_design();
        }
    }

    fn finish_design(&mut self) {
        if let Some(Fold { design, first, width, stats, .. }) = self.current.take() {
            let mut read = Read(stats.estimates(width).into_iter());
            let rep = Replication { main: &first.0, base: first.1.as_ref() };
            self.done.push(design_report(self.sc, design, rep, &mut read));
        }
    }

    /// The report of everything folded in.
    pub fn finish(mut self) -> RunReport {
        self.finish_design();
        let sc = self.sc;
        RunReport {
            schema_version: REPORT_SCHEMA_VERSION,
            scenario: sc.name.clone(),
            seed: sc.clock.seed,
            replications: sc.clock.replications,
            duration_secs: sc.clock.duration_secs,
            tick_secs: sc.clock.tick_secs,
            engine: match sc.clock.engine {
                Engine::Auto => "auto",
                Engine::Fast => "fast",
                Engine::Exact => "exact",
            }
            .to_owned(),
            months_per_run: months_per_run(sc),
            tiers: sc.tiers.iter().map(|t| t.name.clone()).collect(),
            tier_slo_p99_ms: sc.tiers.iter().map(|t| t.slo.p99_ms).collect(),
            events: event_windows(sc),
            designs: self.done,
        }
    }
}

fn event_windows(sc: &Scenario) -> Vec<EventWindow> {
    sc.events
        .iter()
        .map(|e| match *e {
            Event::Spike { tenant, start_secs, end_secs, factor } => EventWindow {
                kind: "spike".into(),
                label: format!("{} ×{factor}", sc.tenants[tenant].id),
                tenant: Some(sc.tenants[tenant].id.clone()),
                start_secs,
                end_secs,
            },
            Event::CapacityLoss { layer, start_secs, end_secs, fraction } => EventWindow {
                kind: "capacity_loss".into(),
                label: format!("{} −{:.0} %", layer.label(), fraction * 100.0),
                tenant: None,
                start_secs,
                end_secs,
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn running_estimates_agree_with_the_two_pass_ones() {
        let reps: Vec<Vec<f64>> =
            (0..40).map(|r| vec![f64::from(r).sin() * 1e3 + 5e3, f64::from(r % 3), 7.0]).collect();
        let mut kept = Stats::Kept(Vec::new());
        let mut running = Stats::Running { n: 0, sum: vec![-0.0; 3], mean: vec![0.0; 3], m2: vec![0.0; 3] };
        for values in &reps {
            kept.add(values);
            running.add(values);
        }
        for (a, b) in kept.estimates(3).iter().zip(running.estimates(3)) {
            assert_eq!(a.mean.to_bits(), b.mean.to_bits(), "the same sum in the same order");
            assert!((a.ci95 - b.ci95).abs() <= 1e-12 * a.ci95.abs().max(1.0), "{a:?} vs {b:?}");
        }
    }
}
