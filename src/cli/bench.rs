//! `tenantsim bench`: throughput of the engine on reference scenarios,
//! printed as figures (never a pass/fail test).

use std::time::Instant;

use crate::reference::{LESSON, reference_day};
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

/// Runs the benchmark and prints its figures.
pub fn run(quick: bool) {
    let hours = if quick { 2 } else { 24 };
    let threads = rayon::current_num_threads();
    println!("tenantsim bench — {threads} worker thread(s)");
    let Some(day) = load(&reference_day(hours)) else { return };
    for (d, design) in day.designs.iter().enumerate() {
        let options = RunOptions { designs: Some(vec![d]), ..crate::host::run_options() };
        let started = Instant::now();
        let result = sim::run(&day, &options, &RunControl::new());
        let secs = started.elapsed().as_secs_f64();
        // Wall time includes the no-spike baseline the impact figures need
        // (run only for tenants connected to the spiking tenant).
        let tenant_ticks = day.tenant_ticks() as f64;
        match result {
            Ok(_) => println!(
                "reference day ({} tenants, {hours} h at 1 s) design {:<7} {:>6.2} s  {:>6.1} M tenant-ticks/s",
                day.tenants.len(),
                design.name,
                secs,
                tenant_ticks / secs / 1e6
            ),
            Err(e) => println!("design {}: {e}", design.name),
        }
    }
    let Some(lesson) = load(LESSON) else { return };
    let mut best = f64::INFINITY;
    for _ in 0..5 {
        let started = Instant::now();
        if sim::run(&lesson, &crate::host::run_options(), &RunControl::new()).is_err() {
            return;
        }
        best = best.min(started.elapsed().as_secs_f64());
    }
    println!("lesson-sized run (20 tenants, 1 h, 3 designs, 8 replications): {:.1} ms (best of 5)", best * 1e3);
}
