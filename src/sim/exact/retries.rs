//! Client retries in the per-request engine: a failed attempt (throttled,
//! timed out or dropped) comes back after its tier's backoff, with jitter
//! drawn from the tenant's own stream, until its attempts or its tenant's
//! retry budget run out (docs/model.md, "Client retries").
//!
//! Retries wait in a binary heap by due time and order of scheduling, so
//! the order they come back in is total and the same on every run.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use rand::RngExt;
use rand_distr::{Distribution, Exp1};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::rng::{StreamPurpose, stream};
use crate::scenario::model::{Jitter, RETRY_BUDGET_TOKENS, RetryPolicy, Scenario};
use crate::sim::exact::arrivals::Drawn;

/// One attempt of a request: what it carries from its first attempt.
#[derive(Debug, Clone, Copy)]
pub struct Attempt {
    /// The request as drawn, `secs` the time of this attempt.
    pub drawn: Drawn,
    /// Attempts before this one (0 for the first).
    pub retries: u8,
    /// When the first attempt arrived, seconds (a served request's latency
    /// is counted from it, backoffs and failed attempts included).
    pub first_secs: f64,
    /// The first attempt arrived inside another tenant's spike window (the
    /// request counts there, whichever attempt ends it).
    pub in_window: bool,
}

/// A retry waiting for its time.
#[derive(Debug, Clone, Copy)]
struct Pending {
    /// Due time's bits (non-negative, so they order as the times do).
    due_bits: u64,
    /// Order of scheduling, to break ties.
    seq: u64,
    attempt: Attempt,
}

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        (self.due_bits, self.seq) == (other.due_bits, other.seq)
    }
}

impl Eq for Pending {}

impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Pending {
    /// Reversed, so that the heap's top is the earliest.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.due_bits, other.seq).cmp(&(self.due_bits, self.seq))
    }
}

/// A retry budget's token in whole units (budgets count in integers, so a
/// ratio of 0.1 earns exactly one token in ten first attempts).
const TOKEN_UNITS: f64 = 1e9;

/// Every tenant's retry policy, jitter stream and budget, and the retries
/// waiting.
#[derive(Debug)]
pub struct Retries {
    /// Each tenant's tier's policy.
    policy: Vec<Option<RetryPolicy>>,
    /// Each tenant's jitter stream (drawn only for a jittered policy).
    rng: Vec<Xoshiro256PlusPlus>,
    /// Each tenant's retry budget, in [`TOKEN_UNITS`] of a token.
    tokens: Vec<u64>,
    /// Each tenant's budget ratio in [`TOKEN_UNITS`] (none: no budget).
    earn: Vec<Option<u64>>,
    heap: BinaryHeap<Pending>,
    /// The heap's earliest due time (infinity when empty), kept so that the
    /// event loop reads a field.
    next_secs: f64,
    seq: u64,
    /// No tier retries: nothing is ever scheduled.
    none: bool,
    /// Mean initialisation of a new function environment, seconds.
    cold_start_secs: f64,
}

impl Retries {
    /// The policies of `sc`'s tenants in replication `replication`.
    pub fn new(sc: &Scenario, replication: u32) -> Self {
        let policy: Vec<Option<RetryPolicy>> = sc.tenants.iter().map(|t| sc.tiers[t.tier].retry).collect();
        let none = policy.iter().all(Option::is_none);
        let rng = if none {
            Vec::new()
        } else {
            (0..sc.tenants.len())
                .map(|t| stream(sc.clock.seed, u64::from(replication), t as u64, StreamPurpose::RetryJitter))
                .collect()
        };
        Self {
            tokens: vec![full_budget(); if none { 0 } else { policy.len() }],
            earn: earnings(&policy),
            policy,
            rng,
            heap: BinaryHeap::new(),
            next_secs: f64::INFINITY,
            seq: 0,
            none,
            cold_start_secs: sc.compute.functions.as_ref().map_or(0.0, |f| f.cold_start_secs),
        }
    }

    /// When the next retry is due (infinity when none waits).
    #[inline]
    pub fn next_secs(&self) -> f64 {
        self.next_secs
    }

    /// Brings [`Retries::next_secs`] up to date with the heap.
    fn update_next(&mut self) {
        self.next_secs = self.heap.peek().map_or(f64::INFINITY, |p| f64::from_bits(p.due_bits));
    }

    /// The next retry, due at its `drawn.secs` (call only when
    /// [`Retries::next_secs`] is finite).
    pub fn pop(&mut self) -> Option<Attempt> {
        let attempt = self.heap.pop().map(|p| p.attempt);
        self.update_next();
        attempt
    }

    /// A first attempt of tenant `t` arrived: its budget gains its ratio.
    #[inline]
    pub fn first_attempt(&mut self, t: usize) {
        if self.none {
            return;
        }
        if let Some(earn) = self.earn[t] {
            self.tokens[t] = (self.tokens[t] + earn).min(full_budget());
        }
    }

    /// `attempt` failed at `t_secs`: schedules its retry and returns true,
    /// or returns false when the request is given up (no policy, attempts
    /// used up, or the budget empty). An attempt rebuilt from a queued or
    /// served request has no initialisation (NaN): its retry draws one from
    /// the tenant's stream, as a new environment would take.
    pub fn failed(&mut self, mut attempt: Attempt, t_secs: f64) -> bool {
        if self.none {
            return false;
        }
        let t = attempt.drawn.tenant as usize;
        let Some((policy, cost)) = self.retry_allowed(t, attempt.retries, 0) else { return false };
        self.tokens[t] -= cost;
        attempt.retries += 1;
        if attempt.drawn.init_secs.is_nan() {
            let e: f64 = Exp1.sample(&mut self.rng[t]);
            attempt.drawn.init_secs = e * self.cold_start_secs;
        }
        let u = if policy.jitter == Jitter::None { 0.0 } else { self.rng[t].random::<f64>() };
        let due = t_secs + policy.delay_secs(u32::from(attempt.retries), u);
        attempt.drawn.secs = due;
        self.heap.push(Pending { due_bits: due.to_bits(), seq: self.seq, attempt });
        self.seq += 1;
        self.next_secs = self.next_secs.min(due);
        true
    }

    /// Whether a failed attempt of tenant `t` after `retries` retries
    /// would be given up now, as [`Retries::failed`] judges, with
    /// `set_aside[t]` budget (in the budget's units) already promised to
    /// attempts judged before it; a retry it would get is promised too.
    /// Changes nothing else (a reading of what would happen).
    pub fn would_give_up(&self, t: usize, retries: u8, set_aside: &mut [u64]) -> bool {
        match self.retry_allowed(t, retries, set_aside[t]) {
            Some((_, cost)) => {
                set_aside[t] += cost;
                false
            }
            None => true,
        }
    }

    /// Tenant `t`'s policy and the budget a retry of an attempt after
    /// `retries` retries takes (0 without a budget), when its policy allows
    /// one and its budget, less `set_aside`, holds it; `None` when the
    /// request is given up.
    fn retry_allowed(&self, t: usize, retries: u8, set_aside: u64) -> Option<(RetryPolicy, u64)> {
        let policy = self.policy.get(t).copied().flatten()?;
        if u32::from(retries) + 1 >= policy.attempts {
            return None;
        }
        if self.earn[t].is_none() {
            return Some((policy, 0));
        }
        let token = TOKEN_UNITS as u64;
        (self.tokens[t].saturating_sub(set_aside) >= token).then_some((policy, token))
    }

    /// Each waiting retry's tenant.
    pub fn waiting(&self) -> impl Iterator<Item = usize> + '_ {
        self.heap.iter().map(|p| p.attempt.drawn.tenant as usize)
    }
}

/// A full retry budget, in [`TOKEN_UNITS`].
fn full_budget() -> u64 {
    (RETRY_BUDGET_TOKENS * TOKEN_UNITS) as u64
}

/// What each first attempt earns each tenant's budget, in [`TOKEN_UNITS`].
fn earnings(policy: &[Option<RetryPolicy>]) -> Vec<Option<u64>> {
    policy.iter().map(|p| p.and_then(|p| p.budget_ratio).map(|r| (r * TOKEN_UNITS).round() as u64)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::model::Backoff;

    fn attempt(tenant: u32, secs: f64) -> Attempt {
        let drawn = Drawn { secs, service_secs: 0.1, tenant, shard: 0, read: true, init_secs: 0.0 };
        Attempt { drawn, retries: 0, first_secs: secs, in_window: false }
    }

    fn retries(policy: RetryPolicy, tenants: usize) -> Retries {
        let policy = vec![Some(policy); tenants];
        Retries {
            earn: earnings(&policy),
            policy,
            rng: (0..tenants).map(|t| stream(1, 0, t as u64, StreamPurpose::RetryJitter)).collect(),
            tokens: vec![full_budget(); tenants],
            heap: BinaryHeap::new(),
            next_secs: f64::INFINITY,
            seq: 0,
            none: false,
            cold_start_secs: 0.0,
        }
    }

    #[test]
    fn exponential_backoff_doubles_to_its_cap_and_attempts_run_out() {
        let policy = RetryPolicy {
            attempts: 5,
            backoff: Backoff::Exponential { base_secs: 0.1, cap_secs: 0.3 },
            jitter: Jitter::None,
            budget_ratio: None,
            timeout_secs: None,
        };
        let mut r = retries(policy, 1);
        let mut a = attempt(0, 10.0);
        let mut times = Vec::new();
        while r.failed(a, a.drawn.secs) {
            assert_eq!(r.next_secs(), r.heap.peek().map_or(f64::INFINITY, |p| f64::from_bits(p.due_bits)));
            let Some(next) = r.pop() else { panic!("a retry waits") };
            times.push(next.drawn.secs - a.drawn.secs);
            assert_eq!(next.first_secs, 10.0);
            a = next;
        }
        // Four retries after 0.1, 0.2, then the cap of 0.3 twice.
        assert_eq!(times.len(), 4);
        for (got, want) in times.iter().zip([0.1, 0.2, 0.3, 0.3]) {
            assert!((got - want).abs() < 1e-12, "{times:?}");
        }
        assert!((policy.max_total_backoff_secs() - 0.9).abs() < 1e-12);
    }

    #[test]
    fn full_jitter_spreads_waits_uniformly_below_the_backoff() {
        let policy = RetryPolicy {
            attempts: 2,
            backoff: Backoff::Constant { delay_secs: 2.0 },
            jitter: Jitter::Full,
            budget_ratio: None,
            timeout_secs: None,
        };
        let mut r = retries(policy, 1);
        let n = 20_000;
        let mut sum = 0.0;
        let mut below_half = 0;
        for _ in 0..n {
            assert!(r.failed(attempt(0, 0.0), 0.0));
            let Some(next) = r.pop() else { panic!("a retry waits") };
            let wait = next.drawn.secs;
            assert!((0.0..2.0).contains(&wait));
            sum += wait;
            below_half += usize::from(wait < 1.0);
        }
        // Mean 1 s (sd of the mean 0.0041 s); half below 1 s (sd 0.0035).
        assert!((sum / f64::from(n) - 1.0).abs() < 0.02, "{}", sum / f64::from(n));
        assert!((below_half as f64 / f64::from(n) - 0.5).abs() < 0.02);
    }

    /// Three attempts a second apart, on a budget of one retry in ten.
    fn budgeted() -> RetryPolicy {
        RetryPolicy {
            attempts: 3,
            backoff: Backoff::Constant { delay_secs: 1.0 },
            jitter: Jitter::None,
            budget_ratio: Some(0.1),
            timeout_secs: None,
        }
    }

    #[test]
    fn a_budget_allows_its_tokens_then_its_ratio_of_first_attempts() {
        let mut r = retries(budgeted(), 2);
        // The bucket starts full: ten retries at once, then none.
        let allowed = (0..50).filter(|_| r.failed(attempt(0, 0.0), 0.0)).count();
        assert_eq!(allowed, 10);
        // A hundred first attempts earn ten more.
        for _ in 0..100 {
            r.first_attempt(0);
        }
        let allowed = (0..50).filter(|_| r.failed(attempt(0, 0.0), 0.0)).count();
        assert_eq!(allowed, 10);
        // Another tenant's budget is its own.
        assert!(r.failed(attempt(1, 0.0), 0.0));
    }

    #[test]
    fn judging_a_failure_ahead_agrees_with_failing_and_changes_nothing() {
        let mut r = retries(budgeted(), 2);
        let mut set_aside = vec![0; 2];
        // Attempts used up: given up whatever the budget.
        assert!(r.would_give_up(0, 2, &mut set_aside));
        // The full bucket promises ten retries, then none.
        let promised = (0..50).filter(|_| !r.would_give_up(0, 0, &mut set_aside)).count();
        assert_eq!(promised, 10);
        // Nothing was taken: failing still gets its ten retries.
        assert!(r.heap.is_empty());
        let allowed = (0..50).filter(|_| r.failed(attempt(0, 0.0), 0.0)).count();
        assert_eq!(allowed, 10);
        // Another tenant's promises are its own; no policy never retries.
        assert!(!r.would_give_up(1, 0, &mut set_aside));
        r.policy[1] = None;
        assert!(r.would_give_up(1, 0, &mut set_aside));
    }
}
