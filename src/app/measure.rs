//! The `--measure` self-benchmark: how long after launch the first frame
//! and the first results came, then `n` re-rolls, one at a time, each
//! half a second after the previous results arrived (timed to the first
//! look and to every replication), with the frame build times seen
//! meanwhile; prints the figures and closes the window.

use std::time::{Duration, Instant};

use crate::app::{Command, TenantsimApp};

/// Edits made and timings seen so far.
#[derive(Debug, Default)]
pub(super) struct Measure {
    edits_left: u32,
    next_edit: Option<Instant>,
    waiting_since: Option<Instant>,
    first_frame_ms: Option<f64>,
    first_results_ms: Option<f64>,
    edit_to_results_ms: Vec<f64>,
    edit_to_first_look_ms: Vec<f64>,
    /// The results shown when the edit was made (to see new ones arrive).
    shown_at_edit: Option<usize>,
    frame_ms: Vec<f64>,
    frame_ms_while_running: Vec<f64>,
}

impl Measure {
    /// A benchmark of `edits` re-rolls.
    pub(super) fn new(edits: u32) -> Self {
        Self { edits_left: edits, ..Self::default() }
    }
}

impl TenantsimApp {
    /// Drives the benchmark: called at the end of every frame.
    pub(super) fn tick_measure(&mut self, ctx: &egui::Context, frame_ms: f64) {
        let Some(m) = &mut self.measure else { return };
        let busy = self.runner.is_busy();
        let since_launch_ms = self.launched.elapsed().as_secs_f64() * 1e3;
        m.first_frame_ms.get_or_insert(since_launch_ms);
        m.frame_ms.push(frame_ms);
        if busy {
            m.frame_ms_while_running.push(frame_ms);
        }
        let now = Instant::now();
        let shown = self.doc.results.latest.as_ref().map(|r| std::sync::Arc::as_ptr(r) as usize);
        if m.waiting_since.is_some() && m.shown_at_edit.is_some_and(|before| shown != Some(before)) {
            if let Some(since) = m.waiting_since {
                m.edit_to_first_look_ms.push(since.elapsed().as_secs_f64() * 1e3);
            }
            m.shown_at_edit = None;
        }
        if m.first_results_ms.is_none() {
            // The start-up run first; re-rolls only once its results are
            // shown. No extra frames meanwhile (the runner wakes the UI):
            // they would take CPU from the run and delay what is measured.
            if !busy {
                m.first_results_ms = Some(since_launch_ms);
                m.next_edit = Some(now + Duration::from_millis(500));
                ctx.request_repaint();
            }
            return;
        }
        if let Some(since) = m.waiting_since
            && !busy
        {
            m.edit_to_results_ms.push(since.elapsed().as_secs_f64() * 1e3);
            m.waiting_since = None;
            m.next_edit = Some(now + Duration::from_millis(500));
        }
        if m.waiting_since.is_none() && m.next_edit.is_none_or(|t| t <= now) {
            if m.edits_left == 0 {
                println!("{}", report(m));
                self.measure = None;
                // The re-rolls were the benchmark's, not the user's edits.
                self.quit_confirmed = true;
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                return;
            }
            m.edits_left -= 1;
            m.waiting_since = Some(now);
            m.shown_at_edit = shown;
            self.commands.push(Command::Reroll);
            // The frame a click would bring, to carry out the command.
            ctx.request_repaint();
            return;
        }
        // Otherwise frames come as a user's would: the app wakes itself
        // for its runs and results, and the next edit is due at its time.
        if m.waiting_since.is_none()
            && let Some(at) = m.next_edit
        {
            ctx.request_repaint_after(at.saturating_duration_since(now));
        }
    }
}

fn percentile(values: &[f64], q: f64) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    v.get(((v.len() as f64 - 1.0) * q).round() as usize).copied().unwrap_or(0.0)
}

fn report(m: &Measure) -> String {
    let describe = |v: &[f64]| {
        format!(
            "n={} median {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            v.len(),
            percentile(v, 0.5),
            percentile(v, 0.99),
            v.iter().copied().fold(0.0, f64::max)
        )
    };
    let slowest = m.frame_ms.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).map_or(0, |(i, _)| i);
    let after_first = m.frame_ms.get(1..).unwrap_or(&[]);
    format!(
        "start-up: first frame {:.0} ms, first results {:.0} ms after the window was asked for\n\
         frame build time (all frames): {}\n  slowest is frame #{slowest} (#0 is the first frame)\n\
         frame build time after the first frame: {}\nframe build time while simulating: {}\n\
         edit to the first results drawn (a first look when replications > {}): {}\n\
         edit to the results of every replication: {}",
        m.first_frame_ms.unwrap_or(0.0),
        m.first_results_ms.unwrap_or(0.0),
        describe(&m.frame_ms),
        describe(after_first),
        describe(&m.frame_ms_while_running),
        crate::app::state::FIRST_LOOK_REPLICATIONS,
        describe(&m.edit_to_first_look_ms),
        describe(&m.edit_to_results_ms)
    )
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn percentiles_pick_the_nearest_rank() {
        let v = [5.0, 1.0, 3.0, 2.0, 4.0];
        assert_eq!(percentile(&v, 0.5), 3.0);
        assert_eq!(percentile(&v, 1.0), 5.0);
        assert_eq!(percentile(&[], 0.5), 0.0);
    }
}
