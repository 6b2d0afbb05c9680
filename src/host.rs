//! What the front ends take from the machine they run on and hand to the
//! core, which reads nothing of it itself: the wall clock and how many
//! worker threads make sense.

use std::sync::LazyLock;
use std::time::Instant;

use crate::sim::{RunOptions, WallClock};

/// The process's monotonic clock, in seconds since its first reading.
pub fn wall_clock() -> WallClock {
    static ORIGIN: LazyLock<Instant> = LazyLock::new(Instant::now);
    WallClock::new(|| ORIGIN.elapsed().as_secs_f64())
}

/// Run options with the machine's clock and everything else at default.
pub fn run_options() -> RunOptions {
    RunOptions { clock: Some(wall_clock()), ..RunOptions::default() }
}

/// Worker threads allowed per core: more only add switching.
pub const THREADS_PER_CORE: usize = 4;

/// The most worker threads a run may ask for: [`THREADS_PER_CORE`] ×
/// the cores available to this process (1 core when that is unknown).
pub fn max_threads() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    THREADS_PER_CORE * cores
}
