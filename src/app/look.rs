//! What the app simulates after an edit: every replication at once, or a
//! first look at a few of them and then the rest. When the first look's
//! results are small enough to keep ([`KEPT_FIRST_BYTES`], which every
//! memory estimate counts), the rest simulates only the replications
//! after them and folds the two together, which gives exactly the results
//! of one run of all of them (each replication's random streams are its
//! own): then a first look costs no extra simulation.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::app::Prepared;
use crate::app::runner::Job;
use crate::scenario::Scenario;
use crate::scenario::budget::KEPT_FIRST_BYTES;
use crate::sim::{self, RunControl, RunError, RunOptions, Simulated};

/// Where a first look leaves its results for the rest (empty when they
/// were too large to keep).
pub type Kept = Arc<Mutex<Option<Simulated>>>;

/// A run the app asks for.
#[derive(Debug)]
pub enum RunJob {
    /// Every replication of the scenario.
    Whole(Scenario),
    /// The first `replications` of `full`'s replications; their results go
    /// to `kept` when they are small enough.
    FirstLook {
        /// The scenario with all of its replications.
        full: Scenario,
        /// Replications of the first look.
        replications: u32,
        /// Where the results go.
        kept: Kept,
    },
    /// Every replication of `full`, after a first look at its first
    /// `replications`: only those after them are simulated when the first
    /// look left its results in `kept`.
    Rest {
        /// The scenario with all of its replications.
        full: Scenario,
        /// Replications of the first look.
        replications: u32,
        /// The first look's results, if it kept them.
        kept: Kept,
    },
}

impl RunJob {
    /// The scenario of a first look at `replications` of `full`'s.
    fn first_look(full: &Scenario, replications: u32) -> Scenario {
        let mut look = full.clone();
        look.clock.replications = replications.min(full.clock.replications);
        look
    }
}

/// True when the results of the first `replications` of `scenario` fit
/// [`KEPT_FIRST_BYTES`], the room its memory estimate keeps for them.
fn small_enough_to_keep(scenario: &Scenario, replications: u32) -> bool {
    let runs = if scenario.has_spikes() { 2.0 } else { 1.0 };
    let results = scenario.designs.len() as f64 * f64::from(replications) * runs;
    results * scenario.result_bytes <= KEPT_FIRST_BYTES
}

/// What `kept` holds, locked (a panicked holder's value is as good).
fn lock(kept: &Kept) -> MutexGuard<'_, Option<Simulated>> {
    kept.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Job for RunJob {
    type Output = Prepared;

    fn total_ticks(&self) -> u64 {
        let options = crate::host::run_options();
        match self {
            RunJob::Whole(scenario) => sim::total_ticks(scenario, &options),
            RunJob::FirstLook { full, replications, .. } => {
                sim::total_ticks(full, &RunOptions { replications: Some(0..*replications), ..options })
            }
            RunJob::Rest { full, replications, kept } => {
                let held = lock(kept).is_some();
                let first = if held { *replications } else { 0 };
                let options = RunOptions { replications: Some(first..full.clock.replications), ..options };
                sim::total_ticks(full, &options)
            }
        }
    }

    fn run(self, control: &RunControl) -> Result<Prepared, RunError> {
        let options = crate::host::run_options();
        match self {
            RunJob::Whole(scenario) => sim::run(&scenario, &options, control).map(Prepared::new),
            RunJob::FirstLook { full, replications, kept } => {
                let look = Self::first_look(&full, replications);
                if !small_enough_to_keep(&full, replications) {
                    return sim::run(&look, &options, control).map(Prepared::first_look);
                }
                let simulated = sim::simulate(&look, &options, control)?;
                let report = simulated.report(&look, control)?;
                *lock(&kept) = Some(simulated);
                Ok(Prepared::first_look(report))
            }
            RunJob::Rest { full, replications, kept } => {
                // Taken before the run, so that it is not locked meanwhile.
                let first = lock(&kept).take();
                match first {
                    Some(first) => {
                        let rest_options =
                            RunOptions { replications: Some(replications..full.clock.replications), ..options };
                        sim::run_after(first, &full, &rest_options, control).map(Prepared::new)
                    }
                    None => sim::run(&full, &options, control).map(Prepared::new),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Limits, load_str};

    fn scenario() -> Scenario {
        let text = r#"Scenario(version: 1, name: "look", clock: (duration: "10m", seed: 3, replications: 6),
            tiers: { "t": (price_per_month: 10.0) },
            tenants: [ Group(prefix: "a", count: 4, tier: "t", load: (rate: 40.0)) ],
            layers: ( compute: (service_time: Exponential(mean_ms: 30.0), concurrency: 2, instances: (min: 2, max: 2)) ),
            designs: [ (name: "pool", placement: { "*": Pool }), (name: "silo", placement: { "*": Silo }) ],
            events: [ Spike(tenant: "a-02", at: "2m", duration: "4m", factor: 6.0) ])"#;
        match load_str(text, &Limits::default()) {
            Ok((_, sc)) => sc,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn a_first_look_and_the_rest_give_the_whole_run() {
        let full = scenario();
        assert!(small_enough_to_keep(&full, 2));
        let control = RunControl::new();
        let Ok(whole) = RunJob::Whole(full.clone()).run(&control) else { panic!("runs") };
        let kept: Kept = Arc::default();
        let first = RunJob::FirstLook { full: full.clone(), replications: 2, kept: Arc::clone(&kept) };
        let Ok(look) = first.run(&control) else { panic!("runs") };
        assert_eq!(look.report.replications, 2);
        assert!(kept.lock().is_ok_and(|k| k.is_some()), "the first look's results are kept");
        let rest = RunJob::Rest { full: full.clone(), replications: 2, kept: Arc::clone(&kept) };
        let all_ticks = RunJob::Whole(full.clone()).total_ticks();
        assert_eq!(rest.total_ticks() * 6, all_ticks * 4, "the rest simulates four replications of six");
        let Ok(merged) = rest.run(&control) else { panic!("runs") };
        assert_eq!(merged, whole, "the same results as one run of every replication");
        // With nothing kept, the rest runs every replication.
        let rest = RunJob::Rest { full, replications: 2, kept: Arc::default() };
        assert_eq!(rest.total_ticks(), all_ticks);
        let Ok(again) = rest.run(&control) else { panic!("runs") };
        assert_eq!(again, whole);
    }

    #[test]
    fn results_too_large_to_keep_are_not_kept() {
        // 8 results (2 designs × 2 replications × run and baseline) of
        // 10 MiB each: more than the estimate keeps room for.
        let mut full = scenario();
        full.result_bytes = 10.0 * 1024.0 * 1024.0;
        assert!(!small_enough_to_keep(&full, 2));
        let kept: Kept = Arc::default();
        let Ok(look) = RunJob::FirstLook { full, replications: 2, kept: Arc::clone(&kept) }.run(&RunControl::new())
        else {
            panic!("runs")
        };
        assert_eq!(look.report.replications, 2);
        assert!(kept.lock().is_ok_and(|k| k.is_none()));
    }
}
