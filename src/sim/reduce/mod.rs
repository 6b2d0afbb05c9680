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
//!
//! Folding honours the run's [`RunControl`]: it reads the cancel flag
//! between replications and designs and, through a [`Checkpoint`], inside
//! every loop over tenants, stacks, series or figures, so that a cancel
//! that lands after the last tick still returns within milliseconds.

mod design;

use crate::report::DesignReport;
use crate::report::{Estimate, EventWindow, REPORT_SCHEMA_VERSION, RunReport, t_quantile_975};
use crate::scenario::Scenario;
use crate::scenario::model::{Engine, Event};
use crate::sim::cost::months_per_run;
use crate::sim::raw::TaskRaw;
use crate::sim::{Checkpoint, RunControl, RunError, free_elsewhere};

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
///
/// # Errors
/// Occurs when `control` is cancelled meanwhile.
pub(crate) fn sample(
    sc: &Scenario,
    d: usize,
    main: &TaskRaw,
    base: Option<&TaskRaw>,
    control: &RunControl,
) -> Result<Vec<f64>, RunError> {
    let mut record = Record(Vec::new());
    design_report(sc, d, Replication { main, base }, &mut record, &mut Checkpoint::new(control))?;
    Ok(record.0)
}

/// Values folded or estimated between two counts of work: a value is one
/// unit of [`crate::sim::task::CHECK_WORK`] (a few nanoseconds), so the
/// cancel flag is read every 16 chunks.
const CHUNK_VALUES: usize = 4096;

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
    /// Folds in one replication's values.
    ///
    /// # Errors
    /// Occurs when cancelled meanwhile; the stats are then part-folded and
    /// must be dropped.
    fn add(&mut self, values: &[f64], check: &mut Checkpoint<'_>) -> Result<(), RunError> {
        match self {
            Stats::Kept(kept) => kept.extend_from_slice(values),
            Stats::Running { n, sum, mean, m2 } => {
                *n += 1;
                let count = *n as f64;
                for (c, chunk) in values.chunks(CHUNK_VALUES).enumerate() {
                    for (k, &x) in (c * CHUNK_VALUES..).zip(chunk) {
                        sum[k] += x;
                        let delta = x - mean[k];
                        mean[k] += delta / count;
                        m2[k] += delta * (x - mean[k]);
                    }
                    if check.cancelled(chunk.len() as u64) {
                        return Err(RunError::Cancelled);
                    }
                }
            }
        }
        Ok(())
    }

    /// Every figure's estimate, in figure order.
    ///
    /// # Errors
    /// Occurs when cancelled meanwhile.
    fn estimates(self, width: usize, check: &mut Checkpoint<'_>) -> Result<Vec<Estimate>, RunError> {
        let mut out = Vec::with_capacity(width);
        match self {
            Stats::Kept(kept) => {
                let reps = kept.len() / width.max(1);
                let mut column = Vec::with_capacity(reps);
                for k in 0..width {
                    column.clear();
                    column.extend((0..reps).map(|r| kept[r * width + k]));
                    out.push(Estimate::from_samples(&column));
                    if check.cancelled(reps as u64) {
                        return Err(RunError::Cancelled);
                    }
                }
            }
            Stats::Running { n, sum, m2, .. } => {
                for (sum, m2) in sum.chunks(CHUNK_VALUES).zip(m2.chunks(CHUNK_VALUES)) {
                    out.extend(sum.iter().zip(m2).map(|(&sum, &m2)| {
                        let mean = sum / n as f64;
                        if n < 2 {
                            return Estimate { mean, ci95: 0.0 };
                        }
                        let var = m2 / (n - 1) as f64;
                        Estimate { mean, ci95: t_quantile_975(n - 1) * (var / n as f64).sqrt() }
                    }));
                    if check.cancelled(sum.len() as u64) {
                        return Err(RunError::Cancelled);
                    }
                }
            }
        }
        Ok(out)
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
///
/// Once a call returned [`RunError::Cancelled`], the reducer holds
/// part-folded results and must be dropped. Dropped unfinished, it frees
/// what it holds on another thread ([`free_elsewhere`]): the reports of
/// the designs done so far can take seconds to free.
pub(crate) struct Reducer<'a> {
    sc: &'a Scenario,
    /// Most bytes a design's kept values may take ([`KEPT_BYTES`]).
    kept_bytes: usize,
    control: &'a RunControl,
    /// Counts the work of folding between reads of the cancel flag.
    check: Checkpoint<'a>,
    done: Vec<DesignReport>,
    current: Option<Fold>,
}

impl<'a> Reducer<'a> {
    /// Nothing folded yet; stops when `control` is cancelled.
    pub fn new(sc: &'a Scenario, control: &'a RunControl) -> Self {
        Self::keeping(sc, KEPT_BYTES, control)
    }

    /// Nothing folded yet; a design's values are kept while they take at
    /// most `kept_bytes`.
    pub fn keeping(sc: &'a Scenario, kept_bytes: usize, control: &'a RunControl) -> Self {
        Self { sc, kept_bytes, control, check: Checkpoint::new(control), done: Vec::new(), current: None }
    }

    /// Folds in the next replication of design `d` (the next design once
    /// the last one has all its replications): its run `main`, its
    /// baseline `base` and their values from [`sample`].
    ///
    /// # Errors
    /// Occurs when the run is cancelled.
    pub fn add(&mut self, d: usize, main: TaskRaw, base: Option<TaskRaw>, values: &[f64]) -> Result<(), RunError> {
        if self.control.is_cancelled() {
            return Err(RunError::Cancelled);
        }
        if self.current.as_ref().is_some_and(|f| f.design != d) {
            self.finish_design()?;
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
            fold.stats.add(values, &mut self.check)?;
        }
        fold.folded += 1;
        if fold.folded >= replications {
            self.finish_design()?;
        }
        Ok(())
    }

    /// Builds the current design's report from its estimates.
    fn finish_design(&mut self) -> Result<(), RunError> {
        if self.control.is_cancelled() {
            return Err(RunError::Cancelled);
        }
        if let Some(Fold { design, first, width, stats, .. }) = self.current.take() {
            let mut read = Read(stats.estimates(width, &mut self.check)?.into_iter());
            let rep = Replication { main: &first.0, base: first.1.as_ref() };
            self.done.push(design_report(self.sc, design, rep, &mut read, &mut self.check)?);
        }
        Ok(())
    }

    /// The report of everything folded in.
    ///
    /// # Errors
    /// Occurs when the run is cancelled.
    pub fn finish(mut self) -> Result<RunReport, RunError> {
        self.finish_design()?;
        let sc = self.sc;
        Ok(RunReport {
            schema_version: REPORT_SCHEMA_VERSION,
            scenario: sc.name.clone(),
            seed: sc.clock.seed,
            replications: sc.clock.replications,
            duration_secs: sc.clock.duration_secs,
            tick_secs: sc.clock.tick_secs,
            // The engine that ran (retries need the per-request one).
            engine: match sc.clock.engine {
                _ if sc.per_request() => "exact",
                Engine::Auto => "auto",
                Engine::Fast => "fast",
                Engine::Exact => "exact",
            }
            .to_owned(),
            months_per_run: months_per_run(sc),
            tiers: sc.tiers.iter().map(|t| t.name.clone()).collect(),
            tier_slo_p99_ms: sc.tiers.iter().map(|t| t.slo.p99_ms).collect(),
            events: event_windows(sc),
            designs: std::mem::take(&mut self.done),
            serverless: sc.compute.functions.is_some(),
            queued: sc.queue.is_some(),
        })
    }
}

impl Drop for Reducer<'_> {
    fn drop(&mut self) {
        // Unfinished: a cancelled (or failed) run, whose caller waits.
        if !self.done.is_empty() || self.current.is_some() {
            free_elsewhere((std::mem::take(&mut self.done), self.current.take()));
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
    use crate::scenario::{Limits, load_str};
    use crate::sim::{RunOptions, simulate};

    /// A scenario of `tenants` tenants (1,000 to 9,999), two designs and
    /// three replications, one tenant spiking, and its simulated
    /// replications.
    fn simulated(tenants: usize) -> (Scenario, crate::sim::Simulated) {
        let text = format!(
            r#"Scenario(version: 1, name: "merge", clock: (duration: "1m", seed: 3, replications: 3),
            tiers: {{ "t": (price_per_month: 10.0, plan: (rate: 50.0, burst: 50.0)) }},
            tenants: [ Group(prefix: "a", count: {tenants}, tier: "t", load: (rate: 0.5)) ],
            layers: ( gateway: (), compute: (service_time: Exponential(mean_ms: 20.0), concurrency: 4, instances: (min: 1, max: 8)) ),
            designs: [ (name: "pool", placement: {{ "*": Pool }}), (name: "cells", placement: {{ "*": Cells(4) }}) ],
            events: [ Spike(tenant: "a-0000", at: "20s", duration: "20s", factor: 40.0) ])"#
        );
        let sc = match load_str(&text, &Limits::default()) {
            Ok((_, sc)) => sc,
            Err(e) => panic!("{e}"),
        };
        let options = RunOptions { threads: Some(2), ..RunOptions::default() };
        match simulate(&sc, &options, &RunControl::new()) {
            Ok(simulated) => (sc, simulated),
            Err(e) => panic!("{e}"),
        }
    }

    /// Records values, cancelling the run at the first one.
    struct CancelAtFirst<'a>(&'a RunControl, Vec<f64>);

    impl Figures for CancelAtFirst<'_> {
        fn figure(&mut self, value: &dyn Fn() -> f64) -> Estimate {
            self.0.cancel();
            self.1.push(value());
            Estimate::default()
        }

        fn building(&self) -> bool {
            false
        }
    }

    #[test]
    fn a_cancel_while_a_replication_is_read_stops_within_its_tenants() {
        let (sc, simulated) = simulated(2000);
        let u = &simulated.units[0];
        let Ok(all) = sample(&sc, u.design, &u.main, u.base.as_ref(), &RunControl::new()) else { panic!("runs") };
        let control = RunControl::new();
        let mut fig = CancelAtFirst(&control, Vec::new());
        let rep = Replication { main: &u.main, base: u.base.as_ref() };
        let result = design_report(&sc, u.design, rep, &mut fig, &mut Checkpoint::new(&control));
        assert!(matches!(result, Err(RunError::Cancelled)));
        // The flag is read every few hundred tenants, not only at the end.
        assert!(fig.1.len() < all.len() / 4, "read {} of {} values", fig.1.len(), all.len());
    }

    #[test]
    fn a_cancel_during_the_merge_stops_the_reducer() {
        let (sc, simulated) = simulated(1200);
        let live = RunControl::new();
        let samples: Vec<Vec<f64>> = simulated
            .units
            .iter()
            .map(|u| sample(&sc, u.design, &u.main, u.base.as_ref(), &live).unwrap_or_else(|e| panic!("{e}")))
            .collect();
        let units = || simulated.units.iter().zip(&samples);
        // Cancelled between two replications: the next one is refused.
        let control = RunControl::new();
        let mut reducer = Reducer::new(&sc, &control);
        let mut folded = units().map(|(u, values)| {
            if u.design == 1 {
                control.cancel();
            }
            reducer.add(u.design, u.main.clone(), u.base.clone(), values)
        });
        assert!(folded.by_ref().take(3).all(|r| r.is_ok()), "the first design folds");
        assert!(matches!(folded.next(), Some(Err(RunError::Cancelled))));
        drop(folded);
        // Cancelled once every replication is folded in: no report.
        let control = RunControl::new();
        let mut reducer = Reducer::new(&sc, &control);
        for (u, values) in units() {
            assert!(reducer.add(u.design, u.main.clone(), u.base.clone(), values).is_ok());
        }
        control.cancel();
        assert!(matches!(reducer.finish(), Err(RunError::Cancelled)));
        // And a simulation's report is refused once its run is cancelled.
        assert!(matches!(simulated.report(&sc, &control), Err(RunError::Cancelled)));
        assert!(simulated.report(&sc, &live).is_ok());
    }

    #[test]
    fn running_estimates_agree_with_the_two_pass_ones() {
        let reps: Vec<Vec<f64>> =
            (0..40).map(|r| vec![f64::from(r).sin() * 1e3 + 5e3, f64::from(r % 3), 7.0]).collect();
        let mut kept = Stats::Kept(Vec::new());
        let mut running = Stats::Running { n: 0, sum: vec![-0.0; 3], mean: vec![0.0; 3], m2: vec![0.0; 3] };
        let control = RunControl::new();
        let mut check = Checkpoint::new(&control);
        for values in &reps {
            assert!(kept.add(values, &mut check).is_ok() && running.add(values, &mut check).is_ok());
        }
        let (Ok(kept), Ok(running)) = (kept.estimates(3, &mut check), running.estimates(3, &mut check)) else {
            panic!("not cancelled")
        };
        for (a, b) in kept.iter().zip(running) {
            assert_eq!(a.mean.to_bits(), b.mean.to_bits(), "the same sum in the same order");
            assert!((a.ci95 - b.ci95).abs() <= 1e-12 * a.ci95.abs().max(1.0), "{a:?} vs {b:?}");
        }
    }
}
