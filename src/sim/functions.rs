//! Serverless functions in the fast engine (docs/model.md, "Serverless
//! functions"): each tick, a function's offered load — its tenants'
//! arrival intensity × mean execution time, in erlangs — on its
//! concurrency gives the share of their requests throttled, by Erlang B.
//! A loss system has no queue to remember earlier ticks: it forgets its
//! past within an execution time, so a tick's stationary figure holds
//! while ticks are longer than a few executions.
//!
//! Environments: a function keeps as many as it ran at once over the last
//! keep-warm time (the most recently freed is reused first, so the rest
//! go cold one by one). At a steady load of `a` busy executions that is
//! the most the Poisson number busy reaches over the keep-warm time `K`:
//! about `a + z·√a` with `z = √(2 ln(K / mean duration))`, the largest of
//! that many roughly independent draws. What a tick needs beyond the
//! environments kept starts cold, as the scaling rate allows; a cold start
//! holds its execution for the initialisation as well, which the tick's
//! load counts. A tenant's latency is its execution time plus, for the share of
//! its function's requests that started cold, an exponential
//! initialisation.

use std::collections::VecDeque;

use crate::queueing::{WaitState, erlang_b};
use crate::scenario::model::{Functions, Scenario, Topology};
use crate::sim::tenants::TickFlow;

/// Passes of the fixed point between cold starts and the load they add.
const COLD_PASSES: usize = 4;

/// One function of one stack.
#[derive(Debug)]
struct Function {
    /// The stack it belongs to.
    stack: usize,
    /// Its tenants.
    members: Vec<u32>,
    limit: u32,
    provisioned: u32,
    /// Environments needed in recent ticks, (tick, environments), the
    /// most first: the front is the most over the keep-warm time.
    recent: VecDeque<(u64, f64)>,
    /// New environments it may start now.
    tokens: f64,
}

/// Every function of a task, and each tenant's.
#[derive(Debug)]
pub struct FastFunctions {
    functions: Vec<Function>,
    /// Each tenant's fraction of a throttled request carried to the next
    /// tick (throttles are whole requests).
    carry: Vec<f64>,
    /// Each tenant's initialisation seconds (cold starts × their mean).
    pub init_busy_secs: Vec<f64>,
    /// The last tick's outcome per tenant with requests: (tenant, whole
    /// requests throttled, its function's cold share, its cold starts).
    pub out: Vec<(u32, i64, f64, f64)>,
    /// The last tick's execution seconds on provisioned environments, by
    /// function's stack: (stack, seconds).
    pub provisioned_busy: Vec<(usize, f64)>,
    mean_secs: f64,
    cold_start_secs: f64,
    keep_warm_ticks: u64,
    /// Standard deviations above the mean number busy that the most busy
    /// over the keep-warm time reaches.
    spread_sd: f64,
    scale_per_sec: f64,
    scale_burst: f64,
}

impl FastFunctions {
    /// The functions of `topology`'s stacks under settings `f`: each
    /// tenant of a tier that reserves concurrency has its own, the others
    /// of a stack share one with what is left.
    pub fn new(sc: &Scenario, f: &Functions, topology: &Topology) -> Self {
        let n = sc.tenants.len();
        let mut functions = Vec::new();
        for (s, stack) in topology.stacks.iter().enumerate() {
            let mut unreserved = f.concurrency_limit;
            let mut shared = Vec::new();
            for &t in &stack.tenants {
                let reserved = f.reserved(sc.tenants[t as usize].tier);
                if reserved > 0 {
                    unreserved = unreserved.saturating_sub(reserved);
                    functions.push(Function::new(s, vec![t], reserved, f));
                } else {
                    shared.push(t);
                }
            }
            if !shared.is_empty() {
                functions.push(Function::new(s, shared, unreserved, f));
            }
        }
        let dt = sc.clock.tick_secs;
        Self {
            functions,
            carry: vec![0.0; n],
            init_busy_secs: vec![0.0; n],
            out: Vec::new(),
            provisioned_busy: Vec::new(),
            mean_secs: sc.compute.service.mean_secs(),
            cold_start_secs: f.cold_start_secs,
            keep_warm_ticks: (f.keep_warm_secs / dt).ceil().max(1.0) as u64,
            spread_sd: (2.0 * (f.keep_warm_secs / sc.compute.service.mean_secs()).max(std::f64::consts::E).ln()).sqrt(),
            scale_per_sec: f64::from(f.scale_per_10s) / 10.0,
            scale_burst: f64::from(f.scale_per_10s),
        }
    }

    /// Provisioned environments of stack `s`'s functions.
    pub fn provisioned(&self, s: usize) -> u32 {
        self.functions.iter().filter(|f| f.stack == s).map(|f| f.provisioned).sum()
    }

    /// The latency state of a request of a function whose share
    /// `cold_share` started cold: its initialisation, exponential, with
    /// that probability.
    pub fn state(&self, cold_share: f64) -> WaitState {
        if cold_share > 0.0 && self.cold_start_secs > 0.0 {
            WaitState { delay_secs: 0.0, wait_probability: cold_share, wait_rate_per_sec: 1.0 / self.cold_start_secs }
        } else {
            WaitState::delay_only(0.0)
        }
    }

    /// Tick `tick` of `dt` seconds with `keep` of the concurrency, given
    /// every tenant's requests past the gateway (`now`): each function's
    /// throttled and cold shares, and in [`FastFunctions::out`] what they
    /// mean for each of its tenants with requests.
    pub fn tick(&mut self, tick: u64, dt: f64, keep: f64, now: &[TickFlow]) {
        let (mean, init) = (self.mean_secs, self.cold_start_secs);
        let intensity = |t: usize| now[t].intensity.max(0.0);
        let admitted = |t: usize| now[t].admitted;
        self.out.clear();
        self.provisioned_busy.clear();
        for f in &mut self.functions {
            f.tokens = (f.tokens + self.scale_per_sec * dt).min(self.scale_burst);
            let lambda: f64 = f.members.iter().map(|&t| intensity(t as usize)).sum();
            let requests: i64 = f.members.iter().map(|&t| admitted(t as usize)).sum();
            // Environments kept: the most needed over the keep-warm time.
            while f.recent.front().is_some_and(|&(at, _)| at + self.keep_warm_ticks < tick) {
                f.recent.pop_front();
            }
            let warm = f.recent.front().map_or(0.0, |&(_, envs)| envs).max(f64::from(f.provisioned));
            let limit = (f64::from(f.limit) * keep).floor();
            // Cold starts add their initialisation to the load, and the
            // load decides how many environments are needed.
            let (mut cold, mut need, mut load) = (0.0, 0.0, lambda * mean);
            for _ in 0..COLD_PASSES {
                let share = if requests > 0 { (cold / requests as f64).min(1.0) } else { 0.0 };
                load = lambda * (mean + share * init);
                let busy = load.min(limit);
                need = (busy + self.spread_sd * busy.sqrt()).min(limit);
                cold = (need - warm).max(0.0).min(f.tokens);
            }
            // Executions it can run: its limit, and no more environments
            // than it has and may start.
            let servers = limit.min(warm + f.tokens);
            let throttled_share = erlang_b(servers as u32, load);
            // Requests take an idle provisioned environment first, so the
            // provisioned ones are the first group of a loss system with
            // ordered hunting: they carry a·(1 − B(p, a)) of the load, the
            // share (1 − B(p, a)) / (1 − throttled) of what is served.
            let provisioned = f64::from(f.provisioned).min(limit);
            let on_provisioned = if provisioned > 0.0 && throttled_share < 1.0 {
                let a = lambda * mean;
                ((1.0 - erlang_b(provisioned as u32, a)) / (1.0 - throttled_share)).min(1.0)
            } else {
                0.0
            };
            let mut served_here = 0.0;
            let served = requests as f64 * (1.0 - throttled_share);
            let cold = cold.min(served);
            f.tokens -= cold;
            // The environments this tick used stay warm for the keep-warm
            // time; those it did not use age.
            let used = need.min(warm + cold);
            while f.recent.back().is_some_and(|&(_, envs)| envs <= used) {
                f.recent.pop_back();
            }
            f.recent.push_back((tick, used));
            let cold_share = if served > 0.0 { cold / served } else { 0.0 };
            for &t in &f.members {
                let t = t as usize;
                let mine = admitted(t);
                if mine <= 0 {
                    continue;
                }
                let exact = mine as f64 * throttled_share + self.carry[t];
                // Non-negative, so truncation is floor.
                let whole = (exact as i64).min(mine);
                self.carry[t] = exact - whole as f64;
                let mine_cold = (mine - whole) as f64 * cold_share;
                self.init_busy_secs[t] += mine_cold * init;
                self.out.push((t as u32, whole, cold_share, mine_cold));
                served_here += (mine - whole) as f64;
            }
            // Of the executions this tick serves (their service, not the
            // initialisation a provisioned environment never needs), so
            // never more than the stack's busy time.
            if on_provisioned > 0.0 {
                self.provisioned_busy.push((f.stack, on_provisioned * served_here * mean));
            }
        }
    }
}

impl Function {
    fn new(stack: usize, members: Vec<u32>, limit: u32, f: &Functions) -> Self {
        Self {
            stack,
            members,
            limit,
            provisioned: f.provisioned.min(limit),
            recent: VecDeque::new(),
            tokens: f64::from(f.scale_per_10s),
        }
    }
}
