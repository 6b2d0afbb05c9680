//! Background runs: every edit re-simulates on a worker thread after a
//! short debounce, and only the newest request's results are ever
//! delivered. A newer request (or [`Runner::cancel`], when another
//! document is opened) cancels the run in flight and makes whatever it
//! still sends stale, so results of an older document revision can never
//! be shown. One worker at most is alive per runner: a request whose time
//! has come waits until a cancelled run has stopped, so a burst of edits
//! never piles up threads. The UI only polls for finished results and
//! reads progress: it never waits for a run.
//!
//! What a run does is a [`Job`]; the app's job ([`RunJob`]) simulates a
//! scenario and prepares its plot data on the worker thread. Tests drive the
//! runner with jobs of their own and with their own clock
//! ([`Runner::request_at`], [`Runner::poll_at`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};

use crate::app::look::RunJob;
use crate::sim::{RunControl, RunError};

/// Delay between the last edit of a burst and the start of its run: long
/// enough to gather the frames of one drag into one run. An edit that
/// follows no other within this time (a typed value, committed once; a
/// click) starts its run at once.
pub const DEBOUNCE: Duration = Duration::from_millis(40);

/// Work the runner does on a worker thread.
pub trait Job: Send + 'static {
    /// What a finished run delivers.
    type Output: Send + 'static;
    /// Ticks the run will take, for its progress bar (0 when unknown).
    fn total_ticks(&self) -> u64;
    /// Does the work; should stop early with [`RunError::Cancelled`] once
    /// `control` is cancelled (a result it returns anyway is dropped).
    ///
    /// # Errors
    /// Occurs when the run fails or is cancelled.
    fn run(self, control: &RunControl) -> Result<Self::Output, RunError>;
}

/// A finished run of the newest request.
#[derive(Debug)]
pub struct Finished<T> {
    /// The output, or why there is none.
    pub result: Result<T, RunError>,
    /// Wall time of the run.
    pub run_time: Duration,
}

/// What the toolbar shows about runs.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RunStatus {
    /// A run is waiting for its debounce or running.
    pub busy: bool,
    /// Progress of the run in flight (0–1), if one is running.
    pub progress: Option<f32>,
}

/// A request waiting for its start time.
struct Pending<J> {
    generation: u64,
    job: J,
    start_at: Instant,
}

/// The run in flight for the newest request.
struct Active {
    generation: u64,
    control: Arc<RunControl>,
    total_ticks: u64,
    started: Instant,
}

/// What a worker thread sends back: the request it answers, its result
/// and how long it took.
type Sent<T> = (u64, Result<T, RunError>, Duration);

/// Runs jobs in the background, newest request only.
pub struct Runner<J: Job = RunJob> {
    pending: Option<Pending<J>>,
    active: Option<Active>,
    sender: Sender<Sent<J::Output>>,
    receiver: Receiver<Sent<J::Output>>,
    /// Generation of the newest request (or cancel); results of any other
    /// generation are stale.
    newest: u64,
    /// Runs asked for so far (what a test checks to see none was).
    requests_made: u64,
    /// When the last request that could be debounced was made.
    last_debounced: Option<Instant>,
    /// Worker threads started and not yet ended (0 or 1).
    alive: Arc<AtomicUsize>,
    repaint: Arc<dyn Fn() + Send + Sync>,
}

/// Counts a worker thread as ended when dropped, panic or not.
struct AliveGuard(Arc<AtomicUsize>);

impl Drop for AliveGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl<J: Job> Runner<J> {
    /// A runner that calls `repaint` whenever a worker thread has sent its
    /// result (to wake the UI).
    pub fn new(repaint: impl Fn() + Send + Sync + 'static) -> Self {
        let (sender, receiver) = channel();
        Self {
            pending: None,
            active: None,
            sender,
            receiver,
            newest: 0,
            requests_made: 0,
            last_debounced: None,
            alive: Arc::new(AtomicUsize::new(0)),
            repaint: Arc::new(repaint),
        }
    }

    /// How many runs have been asked for since the runner was made.
    pub fn requests_made(&self) -> u64 {
        self.requests_made
    }

    /// Asks for a run of `job`; cancels the run in flight and replaces any
    /// request still waiting. With `debounce` (edits that may come in a
    /// burst, as a drag's frames), it starts after the debounce delay when
    /// it follows another such request within that delay, else at once.
    pub fn request(&mut self, job: J, debounce: bool) {
        self.request_at(job, debounce, Instant::now());
    }

    /// [`Runner::request`] as if made at `now`.
    pub fn request_at(&mut self, job: J, debounce: bool, now: Instant) {
        self.requests_made += 1;
        self.cancel();
        let in_burst =
            debounce && self.last_debounced.is_some_and(|last| now.saturating_duration_since(last) < DEBOUNCE);
        if debounce {
            self.last_debounced = Some(now);
        }
        let start_at = if in_burst { now + DEBOUNCE } else { now };
        self.pending = Some(Pending { generation: self.newest, job, start_at });
    }

    /// Forgets the waiting request and cancels the run in flight: nothing
    /// requested so far will be delivered.
    pub fn cancel(&mut self) {
        self.newest += 1;
        self.pending = None;
        if let Some(active) = self.active.take() {
            active.control.cancel();
        }
    }

    /// Starts a request whose time has come (once no cancelled run is
    /// still stopping) and returns the newest request's result once it has
    /// arrived. Call once a frame. Also returns how long until a waiting
    /// request is due, for a repaint (a request held back by a stopping run
    /// is woken by that run's end).
    pub fn poll(&mut self) -> (Option<Finished<J::Output>>, Option<Duration>) {
        self.poll_at(Instant::now())
    }

    /// [`Runner::poll`] as if called at `now`.
    pub fn poll_at(&mut self, now: Instant) -> (Option<Finished<J::Output>>, Option<Duration>) {
        let wake = self.start_due_at(now);
        let mut latest = None;
        while let Ok((generation, result, run_time)) = self.receiver.try_recv() {
            let wanted = self.active.as_ref().is_some_and(|a| a.generation == generation);
            if !wanted {
                continue; // cancelled or superseded: stale
            }
            self.active = None;
            if !matches!(result, Err(RunError::Cancelled)) {
                latest = Some(Finished { result, run_time });
            }
        }
        (latest, wake)
    }

    /// Starts a request whose time has come, once no cancelled run is
    /// still stopping (so that one made by this frame's commands need not
    /// wait for the next frame); returns how long until a waiting request
    /// is due.
    pub fn start_due(&mut self) -> Option<Duration> {
        self.start_due_at(Instant::now())
    }

    /// [`Runner::start_due`] as if called at `now`.
    fn start_due_at(&mut self, now: Instant) -> Option<Duration> {
        let pending = self.pending.as_ref()?;
        if pending.start_at > now {
            return Some(pending.start_at - now);
        }
        if self.alive.load(Ordering::SeqCst) == 0
            && let Some(pending) = self.pending.take()
        {
            self.start(pending);
        }
        None
    }

    fn start(&mut self, pending: Pending<J>) {
        let Pending { generation, job, .. } = pending;
        let control = Arc::new(RunControl::new());
        self.active = Some(Active {
            generation,
            control: Arc::clone(&control),
            total_ticks: job.total_ticks(),
            started: Instant::now(),
        });
        let sender = self.sender.clone();
        let repaint = Arc::clone(&self.repaint);
        self.alive.fetch_add(1, Ordering::SeqCst);
        let alive = AliveGuard(Arc::clone(&self.alive));
        std::thread::spawn(move || {
            let started = Instant::now();
            let result = job.run(&control);
            // The receiver is gone only when the app is: nobody to tell.
            let _ = sender.send((generation, result, started.elapsed()));
            // Ended before the UI is woken, so its poll can start the next.
            drop(alive);
            repaint();
        });
    }

    /// Progress of the run in flight (0–1), if one is running.
    pub fn progress(&self) -> Option<f32> {
        self.active.as_ref().map(|a| {
            if a.total_ticks == 0 {
                0.0
            } else {
                (a.control.ticks_done() as f64 / a.total_ticks as f64).min(1.0) as f32
            }
        })
    }

    /// Worker threads alive: the run in flight or a cancelled one still
    /// stopping (never more than one).
    pub fn workers_alive(&self) -> usize {
        self.alive.load(Ordering::SeqCst)
    }

    /// True while a request is waiting or its run is in flight.
    pub fn is_busy(&self) -> bool {
        self.pending.is_some() || self.active.is_some()
    }

    /// How long the run in flight has been running (`None` when none is).
    pub fn running_for(&self) -> Option<Duration> {
        self.active.as_ref().map(|a| a.started.elapsed())
    }

    /// Busy and progress together, for the toolbar.
    pub fn status(&self) -> RunStatus {
        RunStatus { busy: self.is_busy(), progress: self.progress() }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::mpsc::{Receiver, Sender, channel};

    use super::*;

    /// A job that counts its starts, waits until the test lets it go, and
    /// then returns its id, cancelled or not (a run that finished before
    /// it noticed the cancel: the worst case for staleness).
    struct Gate {
        id: u32,
        starts: Arc<AtomicUsize>,
        release: Option<Receiver<()>>,
    }

    impl Job for Gate {
        type Output = u32;

        fn total_ticks(&self) -> u64 {
            1
        }

        fn run(self, _control: &RunControl) -> Result<u32, RunError> {
            self.starts.fetch_add(1, Ordering::SeqCst);
            if let Some(release) = self.release {
                let _ = release.recv();
            }
            Ok(self.id)
        }
    }

    /// A runner of gates whose repaint signal says "a worker has sent".
    struct Rig {
        runner: Runner<Gate>,
        starts: Arc<AtomicUsize>,
        sent: Receiver<()>,
    }

    impl Rig {
        fn new() -> Self {
            let (tx, sent) = channel();
            let runner = Runner::new(move || {
                let _ = tx.send(());
            });
            Self { runner, starts: Arc::new(AtomicUsize::new(0)), sent }
        }

        /// A gate with `id` and the sender that releases it.
        fn gate(&self, id: u32) -> (Gate, Sender<()>) {
            let (release, wait) = channel();
            (Gate { id, starts: Arc::clone(&self.starts), release: Some(wait) }, release)
        }

        /// A gate that returns at once.
        fn open_gate(&self, id: u32) -> Gate {
            Gate { id, starts: Arc::clone(&self.starts), release: None }
        }

        /// Waits until some worker has sent its result.
        fn wait_sent(&self) {
            self.sent.recv_timeout(Duration::from_secs(10)).unwrap_or_else(|e| panic!("no worker finished: {e}"));
        }

        fn poll(&mut self) -> Option<u32> {
            self.runner.poll().0.map(|f| f.result.unwrap_or_else(|e| panic!("{e}")))
        }
    }

    #[test]
    fn a_request_without_debounce_starts_at_the_next_poll_and_delivers() {
        let mut rig = Rig::new();
        let (job, release) = rig.gate(1);
        rig.runner.request(job, false);
        assert!(rig.runner.is_busy());
        assert_eq!(rig.starts.load(Ordering::SeqCst), 0, "nothing runs inside request()");
        assert_eq!(rig.poll(), None);
        assert_eq!(rig.runner.progress(), Some(0.0), "running");
        let _ = release.send(());
        rig.wait_sent();
        assert_eq!(rig.poll(), Some(1));
        assert!(!rig.runner.is_busy());
        assert_eq!(rig.poll(), None, "delivered once");
        // start_due starts it without waiting for a poll.
        let (job, release) = rig.gate(2);
        rig.runner.request(job, false);
        assert_eq!(rig.runner.start_due(), None);
        let _ = release.send(());
        rig.wait_sent();
        assert_eq!(rig.starts.load(Ordering::SeqCst), 2, "it ran");
        assert_eq!(rig.poll(), Some(2));
    }

    #[test]
    fn a_cancelled_run_never_delivers() {
        let mut rig = Rig::new();
        let (job, release) = rig.gate(1);
        rig.runner.request(job, false);
        assert_eq!(rig.poll(), None);
        rig.runner.cancel();
        assert!(!rig.runner.is_busy(), "a cancelled run is not waited for");
        assert_eq!(rig.runner.progress(), None);
        // The run ignores the cancel and finishes with a result anyway.
        let _ = release.send(());
        rig.wait_sent();
        assert_eq!(rig.starts.load(Ordering::SeqCst), 1);
        assert_eq!(rig.poll(), None, "the cancelled run's result is dropped");
    }

    #[test]
    fn a_cancelled_request_never_starts() {
        let mut rig = Rig::new();
        let job = rig.open_gate(1);
        rig.runner.request(job, true);
        rig.runner.cancel();
        let (result, wake) = rig.runner.poll_at(Instant::now() + 2 * DEBOUNCE);
        assert!(result.is_none() && wake.is_none());
        assert_eq!(rig.starts.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn several_edits_within_the_debounce_window_start_one_run() {
        let mut rig = Rig::new();
        let t0 = Instant::now();
        // A burst (a drag's frames) after an edit: each waits for the next.
        let (first, release_first) = rig.gate(0);
        rig.runner.request_at(first, true, t0);
        let mut releases = vec![release_first];
        for (k, id) in [1, 2, 3].into_iter().enumerate() {
            let at = t0 + DEBOUNCE / 4 * (k as u32 + 1);
            let (job, release) = rig.gate(id);
            releases.push(release);
            rig.runner.request_at(job, true, at);
            let (_, wake) = rig.runner.poll_at(at);
            assert_eq!(wake, Some(DEBOUNCE), "each edit of the burst restarts the wait");
        }
        // Just before the last edit's debounce ends: still waiting.
        let last = t0 + DEBOUNCE / 4 * 3;
        assert!(rig.runner.poll_at(last + DEBOUNCE - Duration::from_millis(1)).1.is_some());
        assert_eq!(rig.starts.load(Ordering::SeqCst), 0, "the first edit's run was cancelled before it started");
        assert!(rig.runner.poll_at(last + DEBOUNCE).1.is_none());
        for release in &releases {
            let _ = release.send(());
        }
        rig.wait_sent();
        assert_eq!(rig.poll(), Some(3), "the last edit's run");
        assert_eq!(rig.starts.load(Ordering::SeqCst), 1, "one run for the burst");
    }

    #[test]
    fn a_lone_edit_starts_at_once() {
        let mut rig = Rig::new();
        let t0 = Instant::now();
        let (first, release_first) = rig.gate(1);
        rig.runner.request_at(first, true, t0);
        assert_eq!(rig.runner.poll_at(t0).1, None, "nothing to wait for");
        let _ = release_first.send(());
        rig.wait_sent();
        assert_eq!(rig.poll(), Some(1));
        // Another edit well after the first is no burst either.
        let later = t0 + DEBOUNCE * 3;
        let (second, release_second) = rig.gate(2);
        rig.runner.request_at(second, true, later);
        assert_eq!(rig.runner.poll_at(later).1, None);
        let _ = release_second.send(());
        rig.wait_sent();
        assert_eq!(rig.poll(), Some(2));
    }

    #[test]
    fn a_new_run_waits_for_the_cancelled_one_to_stop_and_its_result_is_dropped() {
        let mut rig = Rig::new();
        let (old, release_old) = rig.gate(1);
        rig.runner.request(old, false);
        assert_eq!(rig.poll(), None);
        assert_eq!(rig.runner.workers_alive(), 1);
        // Many edits while the old run ignores its cancel: no new thread.
        let mut releases = Vec::new();
        for id in 2..=20 {
            let (new, release_new) = rig.gate(id);
            releases.push(release_new);
            rig.runner.request(new, false);
            assert_eq!(rig.poll(), None);
            assert_eq!(rig.runner.workers_alive(), 1, "edit {id}: the stopping run is the only worker");
            assert!(rig.runner.is_busy(), "the newest request waits");
        }
        // A run's thread counts its start when it gets to run.
        let starts_settle_at = |rig: &Rig, n: usize| {
            let deadline = Instant::now() + Duration::from_secs(10);
            while rig.starts.load(Ordering::SeqCst) < n && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(1));
            }
            std::thread::sleep(Duration::from_millis(20)); // room for a wrong extra start
            rig.starts.load(Ordering::SeqCst)
        };
        assert_eq!(starts_settle_at(&rig, 1), 1, "only the first run started");
        let _ = release_old.send(());
        rig.wait_sent();
        assert_eq!(rig.poll(), None, "the older revision's result is never shown; the newest starts");
        assert_eq!(starts_settle_at(&rig, 2), 2, "then the newest, and only it");
        for release in &releases {
            let _ = release.send(());
        }
        rig.wait_sent();
        assert_eq!(rig.poll(), Some(20));
        assert!(!rig.runner.is_busy());
        assert_eq!(rig.runner.workers_alive(), 0);
    }
}
