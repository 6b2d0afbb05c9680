//! A deep first-come-first-served queue as a fluid (engine `Auto`).
//!
//! A stack simulated request by request whose queue has grown deep (its
//! random wander a few per cent of its size) is served as a fluid again,
//! but one that keeps what a request-by-request queue knows and a plain
//! fluid forgets: which tenant sent each part of the backlog, and when.
//! The backlog is a list of *cohorts*, one per tick of arrivals (their mean
//! arrival time), each listing its tenants' counts and whether they were
//! sent inside another tenant's spike window. Capacity takes the oldest
//! cohorts first, and a cohort that it takes only in part is served in
//! proportion (a tick's requests interleave at random); a cohort is dropped
//! whole once its deadline passes. So every tenant's served, dropped and
//! waited requests are its own, and a spike window's requests are counted
//! by when they were sent, as the requests themselves would be.

use std::collections::VecDeque;

/// One tenant's requests in a cohort.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    /// The tenant.
    pub tenant: u32,
    /// Its requests (a fraction once the cohort is served in part).
    pub count: f64,
    /// They were sent inside another tenant's spike window.
    pub in_window: bool,
}

/// The requests of one tick, in [`DeepQueue::entries`].
#[derive(Debug, Clone, Copy)]
struct Cohort {
    /// Mean arrival time, seconds.
    arrival_secs: f64,
    /// Requests left.
    total: f64,
    /// Its entries.
    len: usize,
}

/// A deep stack's backlog: cohorts oldest first.
#[derive(Debug, Clone, Default)]
pub struct DeepQueue {
    cohorts: VecDeque<Cohort>,
    entries: VecDeque<Entry>,
    /// The cohort being added to ([`DeepQueue::open`]).
    open: Option<Cohort>,
}

/// Where one tick's counts go, by tenant (the caller clears the members'
/// first).
pub struct DeepOutput<'a> {
    /// Requests served.
    pub served: &'a mut [f64],
    /// Requests dropped at their deadline.
    pub drops: &'a mut [f64],
    /// Of `served`, those sent inside another tenant's window.
    pub window_served: &'a mut [f64],
    /// Of `drops`, those sent inside another tenant's window.
    pub window_drops: &'a mut [f64],
    /// What was served, piece by piece: (tenant, requests, their wait in
    /// seconds, sent inside another tenant's window).
    pub pieces: &'a mut Vec<(u32, f64, f64, bool)>,
}

impl DeepQueue {
    /// Requests waiting.
    #[cfg(test)]
    fn total(&self) -> f64 {
        self.cohorts.iter().map(|c| c.total).sum()
    }

    /// True when no request waits.
    pub fn is_empty(&self) -> bool {
        self.cohorts.is_empty() && self.open.is_none_or(|c| c.len == 0)
    }

    /// Hands each tenant's waiting requests to `each` as (tenant, arrival
    /// time), oldest first, until `each` returns true.
    pub fn scan(&self, mut each: impl FnMut(u32, f64) -> bool) {
        let mut at = 0;
        for cohort in self.cohorts.iter().chain(&self.open) {
            for entry in self.entries.range(at..at + cohort.len) {
                if entry.count > 1e-9 && each(entry.tenant, cohort.arrival_secs) {
                    return;
                }
            }
            at += cohort.len;
        }
    }

    /// When the oldest waiting requests arrived, if any wait.
    pub fn oldest_arrival_secs(&self) -> Option<f64> {
        self.cohorts.front().map(|c| c.arrival_secs)
    }

    /// Starts a cohort of requests that arrived at `arrival_secs` (mean).
    pub fn open(&mut self, arrival_secs: f64) {
        self.close();
        self.open = Some(Cohort { arrival_secs, total: 0.0, len: 0 });
    }

    /// Adds `count` requests of `tenant` to the open cohort.
    pub fn add(&mut self, tenant: u32, count: f64, in_window: bool) {
        if count <= 0.0 {
            return;
        }
        if let Some(open) = &mut self.open {
            open.total += count;
            open.len += 1;
            self.entries.push_back(Entry { tenant, count, in_window });
        }
    }

    /// Ends the open cohort (an empty one is left out).
    pub fn close(&mut self) {
        if let Some(open) = self.open.take()
            && open.len > 0
        {
            self.cohorts.push_back(open);
        }
    }

    /// Serves a tick from `now_secs` to `now_secs + dt` with `capacity`
    /// requests of service, used evenly through the tick: the oldest
    /// cohorts first, each served at the middle of its stretch of the
    /// capacity, then drops every cohort whose deadline (`timeout_secs`
    /// after it arrived) falls by the tick's end. Returns the requests
    /// served and the sum of their waits, seconds.
    pub fn serve(
        &mut self,
        now_secs: f64,
        dt: f64,
        capacity: f64,
        timeout_secs: f64,
        out: &mut DeepOutput<'_>,
    ) -> (f64, f64) {
        self.close();
        let (mut used, mut waited) = (0.0, 0.0);
        while used < capacity {
            let Some(cohort) = self.cohorts.front_mut() else { break };
            let take = cohort.total.min(capacity - used);
            let served_at = now_secs + dt * (used + 0.5 * take) / capacity;
            let wait = (served_at - cohort.arrival_secs).clamp(0.0, timeout_secs);
            used += take;
            waited += take * wait;
            let whole = take >= cohort.total;
            let share = if whole { 1.0 } else { take / cohort.total };
            let mut left = 0.0;
            for entry in self.entries.range_mut(..cohort.len) {
                let t = entry.tenant as usize;
                let served = if whole { entry.count } else { entry.count * share };
                out.served[t] += served;
                out.pieces.push((entry.tenant, served, wait, entry.in_window));
                if entry.in_window {
                    out.window_served[t] += served;
                }
                entry.count -= served;
                left += entry.count;
            }
            if whole || left <= 1e-9 {
                self.entries.drain(..cohort.len);
                self.cohorts.pop_front();
            } else {
                cohort.total = left;
                break;
            }
        }
        let end_secs = now_secs + dt;
        while let Some(cohort) = self.cohorts.front().copied() {
            if cohort.arrival_secs + timeout_secs > end_secs {
                break;
            }
            for entry in self.entries.drain(..cohort.len) {
                let t = entry.tenant as usize;
                out.drops[t] += entry.count;
                if entry.in_window {
                    out.window_drops[t] += entry.count;
                }
            }
            self.cohorts.pop_front();
        }
        (used, waited)
    }

    /// Empties the queue, handing each cohort's arrival time and entries
    /// to `each`, oldest first.
    pub fn drain(&mut self, mut each: impl FnMut(f64, Entry)) {
        self.close();
        for cohort in self.cohorts.drain(..) {
            for entry in self.entries.drain(..cohort.len) {
                each(cohort.arrival_secs, entry);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Served, dropped, and of them inside a window, by tenant; the
    /// pieces served.
    type Output = ([Vec<f64>; 4], Vec<(u32, f64, f64, bool)>);

    fn output(n: usize) -> Output {
        (std::array::from_fn(|_| vec![0.0; n]), Vec::new())
    }

    fn serve(q: &mut DeepQueue, now: f64, capacity: f64, timeout: f64, o: &mut Output) -> f64 {
        let ([served, drops, window_served, window_drops], pieces) = o;
        let mut out = DeepOutput { served, drops, window_served, window_drops, pieces };
        q.serve(now, 1.0, capacity, timeout, &mut out).0
    }

    #[test]
    fn the_oldest_requests_go_first_and_each_tenant_keeps_its_own() {
        let mut q = DeepQueue::default();
        q.open(0.5);
        q.add(0, 100.0, false);
        q.add(1, 1.0, false);
        q.open(1.5);
        q.add(1, 10.0, true);
        let mut o = output(2);
        // 101 of capacity: the first cohort whole, nothing of the second.
        assert_eq!(serve(&mut q, 2.0, 101.0, 30.0, &mut o), 101.0);
        assert_eq!(o.0[0], vec![100.0, 1.0]);
        assert_eq!(o.0[2], vec![0.0, 0.0]);
        // Served in the middle of the tick (2.5 s), 2 s after arriving.
        assert_eq!(o.1, vec![(0, 100.0, 2.0, false), (1, 1.0, 2.0, false)]);
        assert_eq!(q.total(), 10.0);
        assert_eq!(q.oldest_arrival_secs(), Some(1.5));
        // Half of the second cohort: sent inside a window.
        let mut o = output(2);
        serve(&mut q, 3.0, 5.0, 30.0, &mut o);
        assert_eq!(o.0[0], vec![0.0, 5.0]);
        assert_eq!(o.0[2], vec![0.0, 5.0]);
        // All of the tick's capacity goes to it: served at 3.5 s, 2 s
        // after arriving.
        assert_eq!(o.1, vec![(1, 5.0, 2.0, true)]);
        assert!((q.total() - 5.0).abs() < 1e-12);
    }

    #[test]
    fn a_cohort_served_in_part_is_served_in_proportion_and_dropped_whole_at_its_deadline() {
        let mut q = DeepQueue::default();
        q.open(0.5);
        q.add(0, 30.0, true);
        q.add(1, 10.0, false);
        let mut o = output(2);
        serve(&mut q, 1.0, 8.0, 30.0, &mut o);
        assert!((o.0[0][0] - 6.0).abs() < 1e-12 && (o.0[0][1] - 2.0).abs() < 1e-12);
        // Its deadline is 30.5 s: the tick ending at 30.5 s drops it.
        let mut o = output(2);
        serve(&mut q, 29.5, 0.0, 30.0, &mut o);
        assert!((o.0[1][0] - 24.0).abs() < 1e-9 && (o.0[1][1] - 8.0).abs() < 1e-9);
        assert!((o.0[3][0] - 24.0).abs() < 1e-9 && o.0[3][1] == 0.0);
        assert!(o.1.is_empty());
        assert_eq!(q.total(), 0.0);
        assert_eq!(q.oldest_arrival_secs(), None);
    }

    #[test]
    fn a_scan_finds_each_tenant_s_own_oldest_requests() {
        let mut q = DeepQueue::default();
        assert!(q.is_empty());
        q.open(0.5);
        q.add(0, 100.0, false);
        q.open(1.5);
        q.add(0, 10.0, false);
        q.add(1, 2.0, false);
        assert!(!q.is_empty());
        let mut first = [f64::NAN; 2];
        q.scan(|t, at| {
            let seen = &mut first[t as usize];
            if seen.is_nan() {
                *seen = at;
            }
            first.iter().all(|x| !x.is_nan())
        });
        assert_eq!(first, [0.5, 1.5]);
        // Served to the end, it is empty, whatever rounding left in counts.
        let mut o = output(2);
        serve(&mut q, 2.0, 112.0, 30.0, &mut o);
        assert!(q.is_empty());
    }

    #[test]
    fn draining_hands_over_every_entry_oldest_first() {
        let mut q = DeepQueue::default();
        q.open(0.5);
        q.add(2, 3.0, false);
        q.open(1.5);
        q.add(0, 1.0, true);
        let mut seen = Vec::new();
        q.drain(|at, e| seen.push((at, e.tenant, e.count, e.in_window)));
        assert_eq!(seen, vec![(0.5, 2, 3.0, false), (1.5, 0, 1.0, true)]);
        assert_eq!(q.total(), 0.0);
    }
}
