//! Measures how long a run takes to stop once cancelled: runs a scenario
//! file (with the default limits, so it must pass validation), cancels it
//! a given number of milliseconds after the run starts (set-up included)
//! and prints when it returned. With `merge` instead of a time, it cancels
//! as soon as every tick is simulated, so that the cancel lands in the
//! end-of-run work (merging parts, folding replications, building the
//! report).
//!
//! ```text
//! cargo run --release --example cancel_probe -- FILE CANCEL_AFTER_MS|merge [THREADS]
//! ```
//!
//! The hostile-file table in docs/scenario-format.md was measured with it.

use std::time::{Duration, Instant};

use tenantsim::scenario::{Limits, load_str};
use tenantsim::sim::{RunControl, RunError, RunOptions, run, total_ticks};

/// When to cancel.
enum At {
    /// This many milliseconds after the run starts.
    AfterMs(u64),
    /// Once every tick is simulated.
    Merge,
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: cancel_probe FILE CANCEL_AFTER_MS|merge [THREADS]";
    let (Some(path), Some(at)) = (args.get(1), args.get(2)) else {
        return Err(usage.into());
    };
    let at = match at.as_str() {
        "merge" => At::Merge,
        ms => At::AfterMs(ms.parse().map_err(|e| format!("{usage}: {e}"))?),
    };
    let threads = match args.get(3) {
        Some(t) => Some(t.parse::<usize>().map_err(|e| format!("{usage}: {e}"))?),
        None => None,
    };
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let (_, scenario) = load_str(&text, &Limits::default()).map_err(|e| format!("{path}: {e}"))?;
    let control = RunControl::new();
    let options = RunOptions { threads, ..RunOptions::default() };
    let ticks = total_ticks(&scenario, &options);
    let started = Instant::now();
    let (cancel_at, result) = std::thread::scope(|s| {
        let handle = s.spawn(|| run(&scenario, &options, &control));
        match at {
            At::AfterMs(ms) => std::thread::sleep(Duration::from_millis(ms)),
            At::Merge => {
                while control.ticks_done() < ticks && !handle.is_finished() {
                    std::thread::sleep(Duration::from_micros(100));
                }
            }
        }
        let cancel_at = started.elapsed();
        control.cancel();
        (cancel_at, handle.join())
    });
    let done = started.elapsed();
    let outcome = match result {
        Ok(Ok(_)) => "finished before the cancel",
        Ok(Err(RunError::Cancelled)) => "cancelled",
        Ok(Err(_)) => "failed",
        Err(_) => "panicked",
    };
    println!(
        "{path}: cancel at {:.3} s, returned at {:.3} s ({:.1} ms after the cancel): {outcome}",
        cancel_at.as_secs_f64(),
        done.as_secs_f64(),
        done.saturating_sub(cancel_at).as_secs_f64() * 1e3,
    );
    Ok(())
}
