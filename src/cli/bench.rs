//! `tenantsim bench`: throughput of the engine on reference scenarios,
//! printed as figures (never a pass/fail test).

use std::time::Instant;

use crate::reference::{LESSON, reference_day};
use crate::scenario::model::Engine;
use crate::scenario::{self, Limits};
use crate::sim::{self, RunControl, RunOptions};

fn load(text: &str) -> Option<scenario::Scenario> {
    match scenario::load_str(text, &Limits::default()) {
        Ok((_, s)) => Some(s),
        Err(e) => {
            eprintln!("bench scenario invalid: {e}");
            None
        }
    }
}

/// The engines the benchmark times, with their names.
const ENGINES: [(Engine, &str); 2] = [(Engine::Auto, "auto"), (Engine::Fast, "fast")];

/// Runs the benchmark and prints its figures.
pub fn run(quick: bool) {
    let hours = if quick { 2 } else { 24 };
    let threads = rayon::current_num_threads();
    println!("tenantsim bench — {threads} worker thread(s)");
    let Some(mut day) = load(&reference_day(hours)) else { return };
    for (engine, name) in ENGINES {
        day.clock.engine = engine;
        for (d, design) in day.designs.iter().enumerate() {
            let options = RunOptions { designs: Some(vec![d]), ..crate::host::run_options() };
            let started = Instant::now();
            let result = sim::run(&day, &options, &RunControl::new());
            let secs = started.elapsed().as_secs_f64();
            // Wall time includes the no-spike baseline the impact figures
            // need (run only for tenants connected to the spiking tenant).
            let tenant_ticks = day.tenant_ticks() as f64;
            match result {
                Ok(_) => println!(
                    "reference day ({} tenants, {hours} h at 1 s) {name} design {:<7} {:>6.2} s  {:>6.1} M tenant-ticks/s",
                    day.tenants.len(),
                    design.name,
                    secs,
                    tenant_ticks / secs / 1e6
                ),
                Err(e) => println!("design {}: {e}", design.name),
            }
        }
    }
    let Some(mut lesson) = load(LESSON) else { return };
    for (engine, name) in ENGINES {
        lesson.clock.engine = engine;
        let mut best = f64::INFINITY;
        for _ in 0..5 {
            let started = Instant::now();
            if sim::run(&lesson, &crate::host::run_options(), &RunControl::new()).is_err() {
                return;
            }
            best = best.min(started.elapsed().as_secs_f64());
        }
        println!(
            "lesson-sized run (20 tenants, 1 h, 3 designs, 8 replications) {name}: {:.1} ms (best of 5)",
            best * 1e3
        );
    }
    // The per-request engine on one thread: requests per second (fewer
    // replications in a quick run).
    lesson.clock.engine = Engine::Exact;
    if quick {
        lesson.clock.replications = 2;
    }
    let options = RunOptions { threads: Some(1), ..crate::host::run_options() };
    let started = Instant::now();
    match sim::run(&lesson, &options, &RunControl::new()) {
        Ok(report) => {
            let secs = started.elapsed().as_secs_f64();
            // Every design's offered requests in every replication, and the
            // baselines' (which stop when the spike ends).
            let offered: f64 =
                report.designs.iter().map(|d| d.totals.offered.mean).sum::<f64>() * f64::from(report.replications);
            println!(
                "per-request engine, lesson-sized run on one thread: {secs:.2} s, {:.1} M requests/s (spiking runs only; \
                 the baselines' requests are extra work)",
                offered / secs / 1e6
            );
        }
        Err(e) => println!("per-request engine: {e}"),
    }
}
