//! Background simulation: every edit re-simulates on a worker thread after
//! a short debounce; a newer request cancels a stale run. The UI only polls
//! for finished results and reads progress, so it never blocks a frame.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};

use crate::report::RunReport;
use crate::scenario::Scenario;
use crate::sim::{self, RunControl, RunError};

/// Delay between the last edit and the start of a run.
pub const DEBOUNCE: Duration = Duration::from_millis(200);

/// A finished run.
pub struct Finished {
    /// Which request it answers.
    pub generation: u64,
    /// The report, or why there is none.
    pub result: Result<RunReport, RunError>,
    /// Wall time of the run.
    pub elapsed: Duration,
}

struct Active {
    generation: u64,
    control: Arc<RunControl>,
    total_ticks: u64,
    started: Instant,
}

/// Runs scenarios in the background, newest request first.
pub struct Runner {
    pending: Option<(u64, Scenario, Instant)>,
    active: Option<Active>,
    sender: Sender<Finished>,
    receiver: Receiver<Finished>,
    next_generation: u64,
    repaint: Option<Arc<dyn Fn() + Send + Sync>>,
}

impl Default for Runner {
    fn default() -> Self {
        let (sender, receiver) = channel();
        Self { pending: None, active: None, sender, receiver, next_generation: 1, repaint: None }
    }
}

impl Runner {
    /// A runner that calls `repaint` when a run finishes (to wake the UI).
    pub fn new(repaint: impl Fn() + Send + Sync + 'static) -> Self {
        Self { repaint: Some(Arc::new(repaint)), ..Self::default() }
    }

    /// Asks for a run of `scenario`; cancels the active run, if any, and
    /// starts after the debounce delay. Returns the request's generation.
    pub fn request(&mut self, scenario: Scenario, debounce: bool) -> u64 {
        let generation = self.next_generation;
        self.next_generation += 1;
        if let Some(active) = &self.active {
            active.control.cancel();
        }
        let start = if debounce { Instant::now() + DEBOUNCE } else { Instant::now() };
        self.pending = Some((generation, scenario, start));
        generation
    }

    /// Starts a due request and returns a finished run, if any. Call once a
    /// frame; returns the time until the next due request, for repaints.
    pub fn poll(&mut self) -> (Option<Finished>, Option<Duration>) {
        let mut wake = None;
        if let Some((_, _, start)) = &self.pending {
            let now = Instant::now();
            if *start <= now {
                if let Some((generation, scenario, _)) = self.pending.take() {
                    self.start(generation, scenario);
                }
            } else {
                wake = Some(*start - now);
            }
        }
        let mut latest = None;
        while let Ok(finished) = self.receiver.try_recv() {
            if self.active.as_ref().is_some_and(|a| a.generation == finished.generation) {
                self.active = None;
            }
            if !matches!(finished.result, Err(RunError::Cancelled)) {
                latest = Some(finished);
            }
        }
        (latest, wake)
    }

    fn start(&mut self, generation: u64, scenario: Scenario) {
        let control = Arc::new(RunControl::new());
        let options = crate::host::run_options();
        let total_ticks = sim::total_ticks(&scenario, &options);
        self.active = Some(Active { generation, control: Arc::clone(&control), total_ticks, started: Instant::now() });
        let sender = self.sender.clone();
        let repaint = self.repaint.clone();
        std::thread::spawn(move || {
            let started = Instant::now();
            let result = sim::run(&scenario, &options, &control);
            let _ = sender.send(Finished { generation, result, elapsed: started.elapsed() });
            if let Some(repaint) = repaint {
                repaint();
            }
        });
    }

    /// Progress of the active run (0–1), if one is running.
    pub fn progress(&self) -> Option<f32> {
        self.active.as_ref().map(|a| {
            if a.total_ticks == 0 {
                0.0
            } else {
                (a.control.ticks_done() as f64 / a.total_ticks as f64).min(1.0) as f32
            }
        })
    }

    /// True while a run is pending or active.
    pub fn is_busy(&self) -> bool {
        self.pending.is_some() || self.active.is_some()
    }

    /// How long the active run has been going.
    pub fn running_for(&self) -> Option<Duration> {
        self.active.as_ref().map(|a| a.started.elapsed())
    }
}
