//! Checks that a hostile file can make slow (resolving a scenario, a
//! plan) run on a worker thread of their own, so the UI thread never does
//! them. The UI waits for an answer at most [`WAIT`], so an ordinary
//! file's errors show in the same frame as the keystroke that caused
//! them; a slower check is picked up by [`Checker::poll`] in a later
//! frame, and while a document's checks stay slow the UI stops waiting
//! at all. Only the newest question is answered: questions asked while
//! the worker was busy are dropped unanswered, so a burst of keystrokes
//! costs one check, not one each.

use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::{Duration, Instant};

/// The longest the UI thread waits for an answer before it draws on
/// without one: a few frames, far above what an ordinary file takes.
pub const WAIT: Duration = Duration::from_millis(50);

/// A worker thread answering questions `I` with `O`, newest first.
pub struct Checker<I, O> {
    /// Questions, numbered; `None` when the worker could not be started
    /// (then questions are answered on the caller's thread).
    questions: Option<Sender<(u64, I)>>,
    answers: Receiver<(u64, O)>,
    /// Where answers go (for the worker to clone; kept for the fallback).
    answers_tx: Sender<(u64, O)>,
    check: fn(I) -> O,
    /// The answer when `check` panics (a bug; the worker goes on).
    on_panic: fn() -> O,
    /// Number of the newest question.
    asked: u64,
    /// When the newest question was asked, while it is unanswered.
    waiting_since: Option<Instant>,
    /// The last answer took longer than `wait`: do not wait next time.
    slow: bool,
    /// How long [`Checker::ask`] waits for its answer.
    wait: Duration,
}

impl<I: Send + 'static, O: Send + 'static> Checker<I, O> {
    /// Starts a worker named `name` that answers with `check`, or with
    /// `on_panic` should `check` panic (so that no question goes
    /// unanswered).
    pub fn new(name: &str, check: fn(I) -> O, on_panic: fn() -> O) -> Self {
        let (questions_tx, questions_rx) = channel::<(u64, I)>();
        let (answers_tx, answers) = channel();
        let worker_tx = answers_tx.clone();
        let started = std::thread::Builder::new().name(name.to_owned()).spawn(move || {
            while let Ok(mut question) = questions_rx.recv() {
                // Only the newest question is worth answering.
                while let Ok(newer) = questions_rx.try_recv() {
                    question = newer;
                }
                let (number, input) = question;
                let answer = answer(check, on_panic, input);
                if worker_tx.send((number, answer)).is_err() {
                    break;
                }
            }
        });
        Self {
            questions: started.is_ok().then_some(questions_tx),
            answers,
            answers_tx,
            check,
            on_panic,
            asked: 0,
            waiting_since: None,
            slow: false,
            wait: WAIT,
        }
    }

    /// Sets how long [`Checker::ask`] waits for its answer (default
    /// [`WAIT`]; zero never waits).
    pub fn set_wait(&mut self, wait: Duration) {
        self.wait = wait;
    }

    /// Asks `input`, replacing any question still unanswered, and waits
    /// for the answer at most the wait (by default [`WAIT`]; not at all
    /// while answers are slow). `None` means the answer will come through
    /// [`Checker::poll`].
    pub fn ask(&mut self, input: I) -> Option<O> {
        self.asked += 1;
        let now = Instant::now();
        self.waiting_since = Some(now);
        let input = match &self.questions {
            Some(questions) => match questions.send((self.asked, input)) {
                Ok(()) => None,
                // The worker is gone: answer here from now on.
                Err(std::sync::mpsc::SendError((_, input))) => Some(input),
            },
            None => Some(input),
        };
        if let Some(input) = input {
            // No worker (a thread could not be started): answer here.
            self.questions = None;
            let _ = self.answers_tx.send((self.asked, answer(self.check, self.on_panic, input)));
            return self.poll();
        }
        if self.slow || self.wait.is_zero() {
            return None;
        }
        let deadline = now + self.wait;
        loop {
            match self.answers.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok((number, answer)) if number == self.asked => return Some(self.answered(answer)),
                Ok(_) => {} // an older question's answer
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => return None,
            }
        }
    }

    /// The answer to the newest question, if it has come since it was
    /// asked (answers to older questions are dropped).
    pub fn poll(&mut self) -> Option<O> {
        self.waiting_since?;
        let mut newest = None;
        while let Ok((number, answer)) = self.answers.try_recv() {
            if number == self.asked {
                newest = Some(answer);
            }
        }
        newest.map(|answer| self.answered(answer))
    }

    /// True while the newest question is unanswered.
    pub fn is_waiting(&self) -> bool {
        self.waiting_since.is_some()
    }

    fn answered(&mut self, answer: O) -> O {
        self.slow = self.waiting_since.take().is_some_and(|since| since.elapsed() > self.wait);
        answer
    }
}

/// `check`'s answer to `input`, or `on_panic`'s if it panics.
fn answer<I, O>(check: fn(I) -> O, on_panic: fn() -> O, input: I) -> O {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(input))).unwrap_or_else(|_| on_panic())
}

impl<I, O> std::fmt::Debug for Checker<I, O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Checker").field("asked", &self.asked).field("slow", &self.slow).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn double(x: u64) -> u64 {
        2 * x
    }

    /// Sleeps for `ms` milliseconds, then answers it.
    fn sleepy(ms: u64) -> u64 {
        std::thread::sleep(Duration::from_millis(ms));
        ms
    }

    fn poll_until(checker: &mut Checker<u64, u64>) -> u64 {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(answer) = checker.poll() {
                return answer;
            }
            assert!(Instant::now() < deadline, "no answer in 30 s");
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    #[test]
    fn a_quick_check_is_answered_at_once() {
        let mut checker = Checker::new("test", double, || 0);
        // A loaded test machine may need more than WAIT: then it comes by poll.
        let answer = checker.ask(21).unwrap_or_else(|| poll_until(&mut checker));
        assert_eq!(answer, 42);
        assert!(!checker.is_waiting());
        assert_eq!(checker.poll(), None, "answered once");
    }

    #[test]
    fn a_slow_check_comes_later_and_the_next_question_is_not_waited_for() {
        let mut checker = Checker::new("test", sleepy, || 0);
        let asked = Instant::now();
        assert_eq!(checker.ask(300), None, "300 ms is beyond the wait");
        assert!(asked.elapsed() < Duration::from_millis(250), "the caller waited only about WAIT");
        assert!(checker.is_waiting());
        assert_eq!(poll_until(&mut checker), 300);
        // The file is known to be slow: the next question returns at once.
        let asked = Instant::now();
        assert_eq!(checker.ask(1), None);
        assert!(asked.elapsed() < Duration::from_millis(40), "did not wait: {:?}", asked.elapsed());
        assert_eq!(poll_until(&mut checker), 1);
    }

    /// Panics on 13 (as a bug in a check would).
    fn unlucky(x: u64) -> u64 {
        assert!(x != 13, "thirteen");
        x
    }

    #[test]
    fn a_check_that_panics_is_answered_and_the_worker_goes_on() {
        let mut checker = Checker::new("test", unlucky, || u64::MAX);
        let first = checker.ask(13).unwrap_or_else(|| poll_until(&mut checker));
        assert_eq!(first, u64::MAX, "the panic's answer");
        assert!(!checker.is_waiting());
        let next = checker.ask(7).unwrap_or_else(|| poll_until(&mut checker));
        assert_eq!(next, 7);
    }

    #[test]
    fn only_the_newest_question_is_answered() {
        let mut checker = Checker::new("test", sleepy, || 0);
        assert_eq!(checker.ask(200), None);
        // Asked while the worker is busy: 201 and 202 queue, 202 replaces 201.
        let _ = checker.ask(201);
        let _ = checker.ask(202);
        assert_eq!(poll_until(&mut checker), 202, "the older questions' answers are dropped");
        std::thread::sleep(Duration::from_millis(300));
        assert_eq!(checker.poll(), None, "nothing else comes");
    }
}
