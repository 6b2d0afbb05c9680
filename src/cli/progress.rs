//! A long command's progress bar: the work runs on a worker thread while
//! this thread draws a bar on stderr once it has taken more than a second,
//! and returns the moment the work ends.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

/// How often the bar is redrawn.
const REDRAW: Duration = Duration::from_millis(50);
/// How long the work runs before a bar appears.
const QUIET: Duration = Duration::from_secs(1);

/// Runs `work` on a worker thread; after [`QUIET`] draws a bar from
/// `template` (indicatif's syntax) at `position()` = (done, total).
/// `None` when the worker panicked.
pub fn with_bar<T: Send>(
    template: &str,
    position: impl Fn() -> (u64, u64),
    work: impl FnOnce() -> T + Send,
) -> Option<T> {
    let started = Instant::now();
    let (sender, receiver) = mpsc::channel();
    std::thread::scope(|scope| {
        let worker = scope.spawn(move || {
            // The receiver waits until the end of the scope: cannot fail.
            let _ = sender.send(work());
        });
        let mut bar: Option<indicatif::ProgressBar> = None;
        let result = loop {
            match receiver.recv_timeout(REDRAW) {
                Ok(value) => break Some(value),
                Err(RecvTimeoutError::Disconnected) => break None,
                Err(RecvTimeoutError::Timeout) => {}
            }
            if bar.is_none() && started.elapsed() > QUIET {
                let b = indicatif::ProgressBar::with_draw_target(Some(1), indicatif::ProgressDrawTarget::stderr());
                if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
                    b.set_style(style);
                }
                bar = Some(b);
            }
            if let Some(b) = &bar {
                let (done, total) = position();
                b.set_length(total.max(1));
                b.set_position(done.min(total));
            }
        };
        if let Some(b) = bar {
            b.finish_and_clear();
        }
        // Joined here, a panic is the worker's failure, not the scope's.
        worker.join().ok().and(result)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn returns_the_work_s_value() {
        assert_eq!(with_bar("{bar}", || (0, 1), || 41 + 1), Some(42));
    }

    #[test]
    fn a_panicking_worker_gives_none() {
        let value: Option<u32> = with_bar("{bar}", || (0, 1), || panic!("worker failed"));
        assert_eq!(value, None);
    }
}
