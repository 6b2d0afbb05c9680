//! The compute layer: instance stacks that queue and serve the requests
//! the gateway admitted, drop what waits past the queue timeout, share
//! capacity FIFO or weighted-fair, scale on utilisation, and give each
//! tick a latency state.
//!
//! A stack with no backlog whose arrivals fit its capacity serves every
//! request this tick without looking at its members (*fast*); otherwise
//! its members are served one by one as a fluid (*slow*, [`serve_slowly`]:
//! FIFO cohorts dropped at expiry, or weighted-fair shares). Its latency
//! state is the stationary wait at the tick's load below utilisation 0.8;
//! above it the queue's mean size is followed from tick to tick. Under
//! engine Auto a stack at or above 0.9 is simulated request by request
//! instead ([`crate::sim::requests`]), until its queue is so deep that the
//! fluid's first-come-first-served wait is as good as the requests' (a
//! *deep* stack, served as a fluid until its backlog is shallow again).

use std::collections::VecDeque;

use crate::queueing::{RHO_CAP, WaitState, number_in_system, utilisation_for, variability};
use crate::rng::{StreamPurpose, stream};
use crate::scenario::model::{
    Autoscale, Engine, Fairness, InstanceBounds, Scenario, ServiceTime, Stack, StackKind, Topology,
};
use crate::sim::consumers::Consumers;
use crate::sim::deep::{DeepOutput, DeepQueue};
use crate::sim::exact::source::Service;
use crate::sim::latency::{Key, key_of, key_of_delay};
use crate::sim::raw::{StackRaw, TenantRaw};
use crate::sim::requests::{RequestStack, TickInput, TickOutput};
use crate::sim::tenants::TickFlow;
use crate::sim::windows::{EpochState, WindowFlags};

/// Relative change of a stack's load below which its stationary wait is
/// not recomputed: far finer than the latency key's quantisation (0.4 %
/// of P(wait), 1 % of the wait rate).
const LOAD_TOLERANCE: f64 = 1e-4;

/// Largest tolerance while P(wait) is below [`NEGLIGIBLE_WAIT`]. There
/// the tolerance is `ln 2 / (c + 1)` for `c` servers: Erlang C grows at
/// most about like the load to the power `c + 1` while it is that small,
/// so it stays below twice [`NEGLIGIBLE_WAIT`] (it quantises to zero and
/// adds under 1e-9 of a wait to the mean latency).
const LOAD_TOLERANCE_NO_WAIT: f64 = 1e-2;

/// P(wait) below which the wait is negligible.
const NEGLIGIBLE_WAIT: f64 = 1e-9;

/// Utilisation from which a FIFO stack's queue is followed through time
/// (its mean number in system carried from tick to tick) instead of taken
/// as stationary at each tick's load: below it the queue relaxes within a
/// fraction of a second, above it over many seconds.
const FLUID_FROM_RHO: f64 = 0.8;

/// Longest integration step when following a queue, seconds.
const FLUID_STEP_SECS: f64 = 0.25;

/// Utilisation from which engine Auto simulates a stack request by request.
const REQUESTS_FROM_RHO: f64 = 0.9;

/// Utilisation below which it returns to the fluid (once nothing waits).
const REQUESTS_UNTIL_RHO: f64 = 0.8;

/// Fewest waiting requests from which a first-come-first-served stack
/// simulated request by request goes back to the fluid as a deep stack.
const DEEP_MIN_WAITING: f64 = 256.0;

/// How many standard deviations of the queue's random wander it must hold
/// to be deep: over one second (`√(cμ · 1 s)` at the stack's drain rate
/// `cμ` per second), and over the time its drift `λ − cμ` takes to change
/// it by its own size (`√((λ + cμ) · W / |λ − cμ|)` for `W` waiting, which
/// is `W` at least this many times that when `W ≥ k² (λ + cμ) / |λ − cμ|`).
/// A queue so deep moves as its drift says, within a few per cent, and the
/// fluid's wait of the oldest requests (served in turn at `cμ`) is the
/// requests' wait; near `λ = cμ` the drift is nothing and the wander is
/// everything, so no queue is deep there.
const DEEP_SIGMAS: f64 = 20.0;

/// A deep stack goes back to requests (at utilisation 0.9 or more) once
/// its backlog is below this fraction of the depth that would make it deep.
const DEEP_UNTIL_FRACTION: f64 = 0.25;

/// Waiting requests from which a stack draining `drain_per_sec` with
/// arrivals at `lambda` per second is deep ([`DEEP_SIGMAS`]).
fn deep_from(drain_per_sec: f64, lambda: f64) -> f64 {
    let (drain, lambda) = (drain_per_sec.max(0.0), lambda.max(0.0));
    let drift = (lambda - drain).abs();
    let drifting = if drift > 0.0 { DEEP_SIGMAS * DEEP_SIGMAS * (lambda + drain) / drift } else { f64::INFINITY };
    DEEP_MIN_WAITING.max(DEEP_SIGMAS * drain.sqrt()).max(drifting)
}

/// No wait at all.
const IDLE: WaitState = WaitState::delay_only(0.0);

/// One compute stack: its instances, autoscaler window, queue and latency
/// state.
#[derive(Debug)]
pub struct ComputeStack {
    active: u32,
    /// Instances warming up: (first tick ready, count).
    pending: Vec<(u64, u32)>,
    min: u32,
    max: u32,
    eval_busy_secs: f64,
    eval_capacity_secs: f64,
    /// Last stationary wait computed, with its inputs (servers, load):
    /// reused while the servers are unchanged and the load is within
    /// [`LOAD_TOLERANCE`] of it.
    memo: (u32, f64, f64, WaitState),
    /// Mean number of requests in the stack (waiting or in service), when
    /// its queue is followed through time (near or over saturation); NaN
    /// while it is taken as stationary.
    in_system: f64,
    /// Utilisation of the last tick taken as stationary.
    last_rho: f64,
    /// Requests queued at the end of the last tick (sum over members).
    backlog: f64,
    /// The same at the start of the last tick.
    backlog_before: f64,
    /// The same requests as cohorts (arrival time, count), oldest first, so
    /// a FIFO stack drops each when it has waited out the timeout.
    cohorts: VecDeque<(f64, f64)>,
    /// Whole requests admitted to the stack this tick, and their intensity
    /// (per second), gathered as tenants arrive.
    arrived: i64,
    lambda: f64,
    /// Sum of its members' intensities times one less their arrivals'
    /// squared coefficient of variation (0 for Poisson, more for a paced
    /// stream), this tick.
    smoothness: f64,
    /// Squared coefficient of variation of the tick's arrivals.
    ca2_tick: f64,
    /// Engine Auto: the stack left request-by-request treatment with a
    /// deep queue and is served as a fluid until its backlog is gone (or
    /// shallow again at utilisation 0.9 or more); its served requests take
    /// the fluid's first-come-first-served wait.
    deep: bool,
    /// Mean wait of the requests it served in its last tick as a deep
    /// stack, seconds (from when each cohort arrived to when it was
    /// served): its latency state while deep.
    served_wait_secs: f64,
    /// The stack was saturated or had a backlog this tick, so its members
    /// were simulated one by one.
    pub slow: bool,
    /// This tick it was simulated request by request (its members'
    /// latencies are samples in [`Compute::samples`]).
    pub by_request: bool,
    /// The latency distribution its requests see (quantised) and its mean.
    state: WaitState,
    key: Key,
    mean_latency_secs: f64,
    /// Fraction of its capacity kept (capacity-loss events) and what
    /// follows from `active` and it; constant over a segment of ticks.
    keep: f64,
    servers_total: u32,
    servers: u32,
    drain_per_sec: f64,
    /// Instances still warming up, and the first tick one is ready.
    pending_total: u32,
    next_ready: u64,
    /// First tick of the current segment, and requests served since.
    segment_start: u64,
    served_since: f64,
    /// The last answers of [`utilisation_for`] while the queue is followed.
    utilisations: UtilisationMemo,
}

/// The inputs of [`utilisation_for`] as bits: servers, variability,
/// slope, target.
type UtilisationQuestion = (u32, u64, u64, u64);

/// The last few answers of [`utilisation_for`] (a root search of several
/// steps, each an Erlang C) with their exact inputs: a followed queue held
/// at its cap asks the same question tick after tick.
#[derive(Debug, Default)]
struct UtilisationMemo {
    /// Questions and their answers.
    entries: [Option<(UtilisationQuestion, f64)>; 2],
    /// The entry the next new answer replaces.
    next: usize,
}

impl UtilisationMemo {
    /// [`utilisation_for`] at these inputs, from memory when they repeat.
    fn get(&mut self, servers: u32, variability: f64, slope: f64, target: f64) -> f64 {
        let key: UtilisationQuestion = (servers, variability.to_bits(), slope.to_bits(), target.to_bits());
        if let Some((_, rho)) = self.entries.iter().flatten().find(|(k, _)| *k == key) {
            return *rho;
        }
        let rho = utilisation_for(servers, variability, slope, target);
        self.entries[self.next] = Some((key, rho));
        self.next = (self.next + 1) % self.entries.len();
        rho
    }
}

impl ComputeStack {
    /// Requests waiting for a server after the last tick served: the
    /// fluid's backlog, or the requests queued when it runs request by
    /// request (none below saturation, where the fluid keeps no backlog).
    pub fn waiting(&self) -> f64 {
        self.backlog
    }

    /// Recomputes the servers and drain rate from `active` and `keep`.
    fn resize(&mut self, concurrency: u32, mu: f64) {
        self.servers_total = self.active * concurrency;
        // Non-negative, so truncation is floor (and avoids a libm call).
        self.servers = (f64::from(self.servers_total) * self.keep) as u32;
        self.drain_per_sec = f64::from(self.servers) * mu;
        self.pending_total = self.pending.iter().map(|p| p.1).sum();
        self.next_ready = self.pending.iter().map(|p| p.0).min().unwrap_or(u64::MAX);
    }

    /// Adds the segment that ends before tick `end` to the stack's totals,
    /// the series point `point` and the autoscaler's window: the sizing
    /// was constant over it, so its sums are products.
    fn close_segment(
        &mut self,
        end: u64,
        raw: &mut StackRaw,
        series: &mut StackSeries,
        point: usize,
        dt: f64,
        mean_service: f64,
    ) {
        let ticks = self.add_segment(end, raw, dt, mean_service);
        if ticks > 0.0 {
            let capacity_secs = f64::from(self.servers) * dt * ticks;
            series.instances[point] += f64::from(self.active) * ticks;
            series.capacity[point] += capacity_secs;
            self.eval_capacity_secs += capacity_secs;
        }
        let busy = self.served_since * mean_service;
        series.busy[point] += busy;
        self.eval_busy_secs += busy;
        self.served_since = 0.0;
        self.segment_start = end;
    }

    /// Adds what the current segment, ended before tick `end`, brings to
    /// the stack's totals `raw` (and nothing else); returns its ticks.
    fn add_segment(&self, end: u64, raw: &mut StackRaw, dt: f64, mean_service: f64) -> f64 {
        let ticks = end.saturating_sub(self.segment_start) as f64;
        if ticks > 0.0 {
            let active = f64::from(self.active);
            raw.instance_secs += f64::from(self.active + self.pending_total) * dt * ticks;
            raw.active_instance_secs += active * dt * ticks;
            raw.capacity_secs += f64::from(self.servers) * dt * ticks;
            raw.peak_instances = raw.peak_instances.max(active);
        }
        raw.busy_secs += self.served_since * mean_service;
        raw.requests += self.served_since;
        ticks
    }

    /// A stack at zero instances that receives requests starts one
    /// instance at once, as a cold start: it is paid for from this tick
    /// and serves from the end of this tick plus the warm-up, like an
    /// instance the autoscaler adds at the end of this tick. The requests
    /// wait meanwhile (and time out as any others).
    fn scale_from_zero(
        &mut self,
        tick: u64,
        warmup_ticks: u64,
        (raw, series, point): (&mut StackRaw, &mut StackSeries, usize),
        dt: f64,
        mean_service: f64,
    ) {
        self.close_segment(tick, raw, series, point, dt, mean_service);
        self.pending.push((tick + 1 + warmup_ticks, 1));
    }

    /// Adds a tenant's admitted requests (negative to take them back),
    /// their intensity per second and its squared coefficient of variation
    /// to this tick's arrivals.
    #[inline(always)]
    pub fn add(&mut self, admitted: i64, intensity: f64, ca2: f64) {
        self.arrived += admitted;
        self.lambda += intensity;
        // Poisson arrivals (the usual case) leave the sum alone.
        if ca2 != 1.0 {
            self.smoothness += intensity * (1.0 - ca2);
        }
    }

    /// It is a deep stack ([`crate::sim::deep`]) this tick: each member's
    /// requests are counted by when they were sent, and their waits are in
    /// [`Compute::deep_pieces`].
    pub fn deep(&self) -> bool {
        self.deep
    }

    /// The latency state its fast requests are recorded under.
    pub fn epoch(&self) -> EpochState {
        EpochState { key: self.key, mean_latency_secs: self.mean_latency_secs }
    }

    /// The epoch `state` would start, when it differs from the current
    /// state (`None` when it is the same).
    pub fn next_epoch(&self, state: &WaitState, service: &ServiceTime) -> Option<EpochState> {
        let key = if self.deep { key_of_delay(state.delay_secs) } else { key_of(state) };
        (*state != self.state).then(|| EpochState { key, mean_latency_secs: state.mean_latency_secs(service) })
    }

    /// True when `next` records latency differently from the current
    /// epoch (so the current one must be flushed first).
    pub fn epoch_changes(&self, next: &EpochState) -> bool {
        next.key != self.key || next.mean_latency_secs != self.mean_latency_secs
    }

    /// Moves to latency state `state`, whose epoch is `next`.
    pub fn enter(&mut self, state: WaitState, next: EpochState) {
        self.state = state;
        self.key = next.key;
        self.mean_latency_secs = next.mean_latency_secs;
    }

    /// The stationary wait at `lambda` with variability factor `v`,
    /// recomputed only when the servers changed, the variability moved, or
    /// the load moved by more than [`LOAD_TOLERANCE`] (or
    /// [`LOAD_TOLERANCE_NO_WAIT`]) since it was last computed.
    fn stationary(&mut self, lambda: f64, v: f64, mean_service: f64) -> WaitState {
        let servers = self.servers;
        let (memo_servers, memo_lambda, memo_v, memo) = self.memo;
        let tolerance = if memo.wait_probability < NEGLIGIBLE_WAIT {
            (std::f64::consts::LN_2 / f64::from(servers + 1)).min(LOAD_TOLERANCE_NO_WAIT)
        } else {
            LOAD_TOLERANCE
        };
        if memo_servers != servers
            || memo_lambda.is_nan()
            || (lambda - memo_lambda).abs() > tolerance * memo_lambda
            || (v - memo_v).abs() > LOAD_TOLERANCE * memo_v
        {
            let rho = if servers == 0 { 0.0 } else { (lambda * mean_service / f64::from(servers)).min(RHO_CAP) };
            self.memo = (servers, lambda, v, WaitState::at_utilisation(servers, rho, mean_service, v, 0.0));
        }
        self.memo.3
    }

    /// Follows the mean number in the stack through a tick of `dt` at
    /// arrival intensity `lambda`, with arrivals of squared coefficient of
    /// variation `ca2`, service of coefficient of variation `cs` (so
    /// Allen–Cunneen factor `v`), and returns the tick's latency state.
    ///
    /// Below its stationary size the queue grows towards it at the pace of
    /// a reflected Brownian motion (time constant `0.3 σ² / δ²`, with
    /// `σ² = λ·ca² + cμ·cs²` and `δ = cμ − λ`: a queue near saturation takes
    /// minutes to fill, not the seconds a mean-value fluid would say).
    /// Above it (overload, or draining after it) the queue is a fluid
    /// `dx/dt = λ − cμ·ρ(x)` (implicit Euler), capped at what the timeout
    /// lets wait. The latency is the stationary wait at the tick's load
    /// for the part of the queue its load sustains, plus, for the rest, a
    /// delay of the time it takes to drain.
    fn follow(&mut self, lambda: f64, ca2: f64, cs: f64, dt: f64, timeout_secs: f64) -> (f64, f64) {
        let servers = self.servers;
        let v = variability(ca2, cs);
        let drain = self.drain_per_sec;
        // Requests are dropped when their deadline passes, so in overload
        // everything that arrived within the timeout is still waiting.
        let most = f64::from(servers) + drain.max(lambda) * timeout_secs;
        let steady = if lambda < drain { number_in_system(servers, lambda / drain, v) } else { f64::INFINITY };
        let steps = (dt / FLUID_STEP_SECS).ceil().max(1.0);
        let h = dt / steps;
        // The tick's requests arrive all through it: its latency follows
        // the queue's mean over the tick (trapezoids over the steps).
        let mut mean = 0.5 * self.in_system / steps;
        for step in 0..steps as u32 {
            if steady.is_finite() && self.in_system < steady {
                let gap = drain - lambda;
                let spread = lambda * ca2 + drain * cs * cs;
                let constant = (0.3 * spread / (gap * gap)).max(1e-9);
                self.in_system = steady - (steady - self.in_system) * (-h / constant).exp();
            } else {
                let rho = self.utilisations.get(servers, v, h * drain, self.in_system + h * lambda);
                self.in_system = number_in_system(servers, rho, v).max(steady.min(self.in_system));
            }
            self.in_system = self.in_system.min(most);
            mean += self.in_system / steps * if step + 1 == steps as u32 { 0.5 } else { 1.0 };
        }
        let rho_steady = (lambda / drain).min(RHO_CAP);
        let sustained = number_in_system(servers, rho_steady, v);
        if mean <= sustained {
            (self.utilisations.get(servers, v, 0.0, mean), 0.0)
        } else {
            (rho_steady, ((mean - sustained) / drain).min(timeout_secs))
        }
    }
}

/// The instances target tracking asks for: enough to bring `utilisation`
/// of `active` instances to the target, within the bounds. A stack at zero
/// instances has no utilisation to track: it keeps to one instance when
/// work waited or was served (its cold start, already asked for when the
/// work arrived), else to none. Both engines decide so.
pub fn desired_instances(active: u32, utilisation: f64, policy: &Autoscale, min: u32, max: u32) -> u32 {
    let wanted = if active == 0 {
        u32::from(utilisation > 0.0)
    } else {
        (f64::from(active) * utilisation / policy.target_utilisation).ceil() as u32
    };
    wanted.clamp(min, max)
}

/// A compute stack's instance bounds and its instances at t = 0: the
/// minimum, or when autoscaled the instances its tenants' load at t = 0
/// needs at the target utilisation (within the bounds), so runs do not
/// begin with a cold start. Both engines size stacks so.
pub fn initial_size(sc: &Scenario, stack: &Stack) -> (InstanceBounds, u32) {
    let bounds = if stack.kind == StackKind::Silo { sc.compute.silo_instances } else { sc.compute.pool_instances };
    let active = match &sc.compute.autoscale {
        Some(a) => {
            let load: f64 = stack
                .tenants
                .iter()
                .map(|&t| {
                    let t = &sc.tenants[t as usize];
                    t.load.rate_per_sec * t.load.pattern.factor_at(0.0, sc.clock.start_hour)
                })
                .sum();
            let c = f64::from(sc.compute.concurrency);
            let needed = (load * sc.compute.service.mean_secs() / (c * a.target_utilisation)).ceil();
            (needed.min(f64::from(bounds.max)) as u32).clamp(bounds.min, bounds.max)
        }
        None => bounds.min,
    };
    (bounds, active)
}

/// A task's per-point compute series, summed over stacks.
#[derive(Debug)]
pub struct StackSeries {
    /// Instance-ticks per point (divided by the point's ticks at the end).
    pub instances: Vec<f64>,
    /// Busy server-seconds per point.
    pub busy: Vec<f64>,
    /// Server-seconds of capacity per point.
    pub capacity: Vec<f64>,
    /// Requests waiting for a server at each point's end (the fluid's
    /// backlog, or the requests queued in a stack simulated request by
    /// request), over every stack.
    pub waiting: Vec<f64>,
    /// Age of the oldest of them at each point's end, seconds.
    pub oldest_secs: Vec<f64>,
}

/// What one compute stack did in one tick.
#[derive(Debug, Clone, Copy)]
pub struct StackTick {
    /// Its members were served one by one.
    pub slow: bool,
    /// Requests served.
    pub served: f64,
    /// Requests still queued.
    pub backlog_end: f64,
    /// Arrival intensity, per second.
    pub lambda: f64,
}

/// Every compute stack of a task, and each tenant's queue in them.
#[derive(Debug)]
pub struct Compute {
    /// The stacks, by index in the design's compute topology.
    pub stacks: Vec<ComputeStack>,
    /// Per-stack results.
    pub raw: Vec<StackRaw>,
    /// Per-point series over every stack.
    pub series: StackSeries,
    /// Each tenant's requests queued at the end of the tick, and at its
    /// start.
    pub backlog: Vec<f64>,
    backlog_start: Vec<f64>,
    /// Each tenant's requests served this tick by a slow stack.
    pub served: Vec<f64>,
    /// Each tenant's requests dropped this tick for waiting too long.
    pub timeout_drops: Vec<f64>,
    /// Of `served`, in a stack simulated request by request: those sent
    /// inside another tenant's window.
    pub window_served: Vec<f64>,
    /// Of `timeout_drops`, in a stack simulated request by request: those
    /// sent inside another tenant's window.
    pub window_drops: Vec<f64>,
    /// Each tenant's own latency state in a slow weighted-fair stack.
    pub tenant_state: Vec<WaitState>,
    service: ServiceTime,
    mean_service: f64,
    mu: f64,
    concurrency: u32,
    timeout_secs: f64,
    /// Each stack's discipline.
    fairness: Vec<Fairness>,
    /// Each tenant's weighted-fair weight.
    weights: Vec<f64>,
    autoscale: Option<Autoscale>,
    /// Stacks near saturation are simulated request by request (engine
    /// Auto).
    by_request: bool,
    /// Those stacks' requests.
    requests: Vec<Option<Box<RequestStack>>>,
    /// A stack's request stack, emptied, while it is deep: its random
    /// stream goes on where it stopped when the stack returns to requests.
    parked: Vec<Option<Box<RequestStack>>>,
    /// Deep stacks' backlogs (empty for the others).
    deep: Vec<DeepQueue>,
    /// Each tenant's own oldest waiting request in a deep stack, when
    /// asked for (room to find them in; NaN while not found).
    deep_oldest: Vec<f64>,
    /// This tick's requests served by deep stacks, piece by piece:
    /// (tenant, requests, wait in seconds, sent inside another tenant's
    /// window).
    pub deep_pieces: Vec<(u32, f64, f64, bool)>,
    /// Service times for them.
    service_draw: Service,
    /// (seed, replication) of their random streams.
    seed: (u64, u32),
    /// This tick's served requests of stacks simulated request by request:
    /// (tenant, latency in ms).
    pub samples: Vec<(u32, f64, bool)>,
    eval_ticks: u64,
    warmup_ticks: u64,
    next_eval_tick: u64,
}

impl Compute {
    /// The stacks of `topology`, pre-sized for the load at t = 0 when
    /// autoscaled, with `points` series points.
    pub fn new(sc: &Scenario, topology: &Topology, consumers: Consumers, points: usize, replication: u32) -> Self {
        let n = sc.tenants.len();
        let dt = sc.clock.tick_secs;
        let service = sc.compute.service;
        let mean_service = service.mean_secs();
        let mu = 1.0 / mean_service;
        let concurrency = sc.compute.concurrency;
        let mut stacks: Vec<ComputeStack> = topology
            .stacks
            .iter()
            .map(|s| {
                let (bounds, active) = initial_size(sc, s);
                ComputeStack {
                    active,
                    pending: Vec::with_capacity(8),
                    min: bounds.min,
                    max: bounds.max,
                    eval_busy_secs: 0.0,
                    eval_capacity_secs: 0.0,
                    memo: (u32::MAX, f64::NAN, 1.0, IDLE),
                    in_system: f64::NAN,
                    cohorts: VecDeque::new(),
                    backlog_before: 0.0,
                    last_rho: 0.0,
                    backlog: 0.0,
                    arrived: 0,
                    lambda: 0.0,
                    smoothness: 0.0,
                    ca2_tick: 1.0,
                    deep: false,
                    served_wait_secs: 0.0,
                    slow: false,
                    by_request: false,
                    state: IDLE,
                    key: key_of(&IDLE),
                    mean_latency_secs: IDLE.mean_latency_secs(&service),
                    keep: 1.0,
                    servers_total: 0,
                    servers: 0,
                    drain_per_sec: 0.0,
                    pending_total: 0,
                    next_ready: u64::MAX,
                    segment_start: 0,
                    served_since: 0.0,
                    utilisations: UtilisationMemo::default(),
                }
            })
            .collect();
        for cs in &mut stacks {
            cs.resize(concurrency, mu);
        }
        let eval_ticks = sc.compute.autoscale.map_or(u64::MAX, |a| ((a.evaluation_secs / dt).round() as u64).max(1));
        Self {
            raw: vec![StackRaw::default(); stacks.len()],
            stacks,
            series: StackSeries {
                instances: vec![0.0; points],
                busy: vec![0.0; points],
                capacity: vec![0.0; points],
                waiting: vec![0.0; points],
                oldest_secs: vec![0.0; points],
            },
            backlog: vec![0.0; n],
            backlog_start: vec![0.0; n],
            served: vec![0.0; n],
            timeout_drops: vec![0.0; n],
            window_served: vec![0.0; n],
            window_drops: vec![0.0; n],
            tenant_state: vec![IDLE; n],
            service,
            mean_service,
            mu,
            concurrency,
            timeout_secs: sc.compute.queue_timeout_secs,
            fairness: consumers.fairness,
            weights: consumers.weights,
            autoscale: sc.compute.autoscale,
            by_request: sc.clock.engine == Engine::Auto,
            requests: (0..topology.stacks.len()).map(|_| None).collect(),
            parked: (0..topology.stacks.len()).map(|_| None).collect(),
            deep: vec![DeepQueue::default(); topology.stacks.len()],
            deep_oldest: vec![0.0; n],
            deep_pieces: Vec::new(),
            service_draw: Service::new(service),
            seed: (sc.clock.seed, replication),
            samples: Vec::new(),
            eval_ticks,
            warmup_ticks: sc.compute.autoscale.map_or(0, |a| (a.warmup_secs / dt).round() as u64),
            next_eval_tick: eval_ticks,
        }
    }

    /// Makes stack `s` a serverless account: its instances are its
    /// `provisioned` environments (what it pays for whether used or not)
    /// and its capacity is its `limit` of concurrent executions. It is
    /// never served as a queue ([`crate::sim::functions`] decides what
    /// runs); only its served requests are counted.
    pub fn serverless(&mut self, s: usize, provisioned: u32, limit: u32) {
        let cs = &mut self.stacks[s];
        cs.active = provisioned;
        cs.pending.clear();
        cs.servers_total = limit;
        cs.servers = limit;
        cs.pending_total = 0;
        cs.next_ready = u64::MAX;
        self.raw[s].peak_instances = f64::from(provisioned);
    }

    /// The service-time distribution.
    pub fn service(&self) -> &ServiceTime {
        &self.service
    }

    /// Mean service time, seconds.
    pub fn mean_service_secs(&self) -> f64 {
        self.mean_service
    }

    /// The age of stack `s`'s oldest waiting request at `now_secs`, at most
    /// the timeout: the request's own under requests, the oldest cohort's
    /// in the FIFO fluid, and in the weighted-fair fluid the time each
    /// member's backlog takes to drain at what it was last served (0 when
    /// nothing waits).
    pub fn oldest_secs(&self, s: usize, members: &[u32], now_secs: f64, dt: f64) -> f64 {
        let cs = &self.stacks[s];
        if cs.backlog <= 0.0 {
            return 0.0;
        }
        let age = if let Some(stack) = &self.requests[s] {
            stack.oldest_arrival_secs().map_or(0.0, |arrived| now_secs - arrived)
        } else if cs.deep {
            self.deep[s].oldest_arrival_secs().map_or(0.0, |arrived| now_secs - arrived)
        } else if self.weighted_fair(s) {
            members
                .iter()
                .map(|&t| {
                    let (backlog, rate) = (self.backlog[t as usize], self.served[t as usize] / dt);
                    if backlog <= 1e-9 {
                        0.0
                    } else if rate > 0.0 {
                        backlog / rate
                    } else {
                        self.timeout_secs
                    }
                })
                .fold(0.0, f64::max)
        } else {
            cs.cohorts.front().map_or(0.0, |&(arrived, _)| now_secs - arrived)
        };
        age.clamp(0.0, self.timeout_secs)
    }

    /// True when stack `s` shares capacity by weights.
    pub fn weighted_fair(&self, s: usize) -> bool {
        self.fairness[s] == Fairness::WeightedFair
    }

    /// Serves stack `s`'s backlog and arrivals in tick `tick` (series
    /// point `point`) with `keep` of its capacity: instances that finished
    /// warming up join, and a saturated stack or one with a backlog serves
    /// its `members` one by one.
    #[allow(clippy::too_many_arguments)]
    pub fn serve(
        &mut self,
        s: usize,
        members: &[u32],
        tick: u64,
        point: usize,
        keep: f64,
        dt: f64,
        now: &[TickFlow],
        raw: &mut [TenantRaw],
        window: WindowFlags<'_>,
    ) -> StackTick {
        let cs = &mut self.stacks[s];
        let arrived = std::mem::take(&mut cs.arrived) as f64;
        let lambda = std::mem::take(&mut cs.lambda).max(0.0);
        let smoothness = std::mem::take(&mut cs.smoothness);
        cs.ca2_tick = if lambda > 0.0 { (1.0 - smoothness / lambda).max(0.0) } else { 1.0 };
        if cs.next_ready <= tick || cs.keep != keep {
            cs.close_segment(tick, &mut self.raw[s], &mut self.series, point, dt, self.mean_service);
            while let Some(i) = cs.pending.iter().position(|&(ready, _)| ready <= tick) {
                cs.active += cs.pending[i].1;
                cs.pending.swap_remove(i);
            }
            cs.keep = keep;
            cs.resize(self.concurrency, self.mu);
        }
        if arrived > 0.0 && cs.active == 0 && cs.pending_total == 0 && self.autoscale.is_some() {
            cs.scale_from_zero(
                tick,
                self.warmup_ticks,
                (&mut self.raw[s], &mut self.series, point),
                dt,
                self.mean_service,
            );
            cs.resize(self.concurrency, self.mu);
        }
        let capacity = cs.drain_per_sec * dt;
        // The deep queue says when it is empty (the members' backlogs, kept
        // by subtraction, may keep a rounding error).
        if cs.deep && self.deep[s].is_empty() {
            cs.deep = false;
        }
        let mut finished: Vec<(u32, f64)> = Vec::new();
        // A stack without servers has no fluid to follow: its requests wait
        // as requests (and time out one by one) in every engine, until it
        // has servers again and nothing waits.
        let held = cs.servers == 0 && (arrived > 0.0 || cs.backlog > 0.0);
        if self.by_request || held || self.requests[s].is_some() {
            let rho = if cs.drain_per_sec > 0.0 { lambda / cs.drain_per_sec } else { f64::INFINITY };
            let (enter, leave) = if self.by_request {
                // A deep stack stays a fluid until its backlog is shallow.
                let deep = cs.deep && cs.backlog >= DEEP_UNTIL_FRACTION * deep_from(cs.drain_per_sec, lambda);
                (rho >= REQUESTS_FROM_RHO && !deep, rho < REQUESTS_UNTIL_RHO)
            } else {
                (held, cs.servers > 0)
            };
            let leaving = self.requests[s].as_ref().is_some_and(|r| leave && r.waiting() == 0);
            if self.requests[s].is_none() && enter {
                self.enter_requests(s, members, tick, dt, window);
            }
            if leaving {
                // Back to the fluid: what is in service finishes now and is
                // counted with this tick's requests.
                if let Some(mut stack) = self.requests[s].take() {
                    let mut out = TickOutput {
                        served: &mut self.served,
                        drops: &mut self.timeout_drops,
                        window_served: &mut self.window_served,
                        window_drops: &mut self.window_drops,
                        raw,
                        done: &mut self.samples,
                    };
                    let before = out.done.len();
                    stack.finish_in_service(&mut out);
                    let finished_now: Vec<(u32, f64, bool)> = out.done.drain(before..).collect();
                    for (t, _, _) in finished_now {
                        match finished.iter_mut().find(|(u, _)| *u == t) {
                            Some(entry) => entry.1 += 1.0,
                            None => finished.push((t, 1.0)),
                        }
                    }
                }
                let cs = &mut self.stacks[s];
                cs.in_system = f64::NAN;
                // The fractions left in the fluid when the stack turned to
                // requests wait there again.
                cs.backlog = members.iter().map(|&t| self.backlog[t as usize]).sum();
                cs.cohorts.clear();
                if cs.backlog > 0.0 {
                    cs.cohorts.push_back((tick as f64 * dt, cs.backlog));
                }
            } else if let Some(stack) = &mut self.requests[s] {
                let cs = &mut self.stacks[s];
                let input = TickInput {
                    start_secs: tick as f64 * dt,
                    dt,
                    servers: cs.servers,
                    members,
                    timeout_secs: self.timeout_secs,
                    service: self.service_draw,
                    window,
                };
                let mut out = TickOutput {
                    served: &mut self.served,
                    drops: &mut self.timeout_drops,
                    window_served: &mut self.window_served,
                    window_drops: &mut self.window_drops,
                    raw,
                    done: &mut self.samples,
                };
                stack.tick(&input, now, &mut out);
                cs.slow = true;
                cs.by_request = true;
                let served: f64 = members.iter().map(|&t| self.served[t as usize]).sum();
                cs.backlog_before = cs.backlog;
                cs.backlog = stack.waiting() as f64;
                let backlog_end = stack.in_system() as f64;
                if self.by_request
                    && self.fairness[s] == Fairness::Fifo
                    && cs.backlog >= deep_from(cs.drain_per_sec, lambda)
                {
                    self.leave_deep(s, members, dt);
                }
                return StackTick { slow: true, served, backlog_end, lambda };
            }
            if self.stacks[s].deep {
                let (served, backlog_end) = self.serve_deep(s, members, tick, capacity, dt, now, raw, window);
                return StackTick { slow: true, served, backlog_end, lambda };
            }
        }
        let cs = &mut self.stacks[s];
        cs.by_request = false;
        cs.slow = cs.backlog > 0.0 || arrived > capacity || !finished.is_empty();
        let mut served = arrived;
        let mut backlog_end = 0.0;
        if cs.slow {
            let queues = Queues {
                backlog: &mut self.backlog,
                backlog_start: &mut self.backlog_start,
                served: &mut self.served,
                timeout_drops: &mut self.timeout_drops,
            };
            let clock = Clock { now_secs: tick as f64 * dt, dt, timeout_secs: self.timeout_secs };
            (served, backlog_end) = serve_slowly(
                members,
                self.fairness[s],
                capacity,
                clock,
                &self.weights,
                now,
                queues,
                &mut cs.cohorts,
                raw,
            );
            for &(t, count) in &finished {
                self.served[t as usize] += count;
                served += count;
            }
        }
        let cs = &mut self.stacks[s];
        cs.backlog_before = cs.backlog;
        cs.backlog = backlog_end;
        let slow = cs.slow;
        if slow {
            self.note_waits(s, members, (tick + 1) as f64 * dt, dt, raw);
        }
        StackTick { slow, served, backlog_end, lambda }
    }

    /// Notes how long the members of fluid stack `s` have waited at the end
    /// of a tick (`end_secs`) with a backlog: a member with a whole request
    /// waiting, the oldest cohort's age under FIFO and the time its own
    /// backlog takes to drain under weighted-fair sharing; one that lost
    /// requests to the timeout, the timeout.
    fn note_waits(&self, s: usize, members: &[u32], end_secs: f64, dt: f64, raw: &mut [TenantRaw]) {
        let cs = &self.stacks[s];
        let oldest = cs.cohorts.front().map_or(0.0, |&(arrived, _)| end_secs - arrived);
        let weighted_fair = self.weighted_fair(s);
        for &t in members {
            let t = t as usize;
            let backlog = self.backlog[t];
            let waited = if self.timeout_drops[t] >= 0.5 {
                self.timeout_secs
            } else if backlog < 0.5 {
                continue;
            } else if weighted_fair {
                let rate = self.served[t] / dt;
                if rate > 0.0 { backlog / rate } else { self.timeout_secs }
            } else {
                oldest
            };
            raw[t].longest_wait_secs = raw[t].longest_wait_secs.max(waited.clamp(0.0, self.timeout_secs));
        }
    }

    /// The latency state of stack `s` this tick at arrival intensity
    /// `lambda`: the stationary wait plus the delay of its backlog (the
    /// fluid backlog under FIFO; each member's own queue, in
    /// [`Compute::tenant_state`], under weighted-fair sharing).
    pub fn wait_state(&mut self, s: usize, members: &[u32], lambda: f64, dt: f64) -> WaitState {
        let timeout = self.timeout_secs;
        let weighted_fair = self.weighted_fair(s);
        let cs = &mut self.stacks[s];
        let ca2 = cs.ca2_tick;
        let v = variability(ca2, self.service.cv());
        if weighted_fair {
            let shared = cs.stationary(lambda, v, self.mean_service);
            if cs.slow {
                for &t in members {
                    let t = t as usize;
                    let rate = self.served[t] / dt;
                    let (start, end) = (self.backlog_start[t], self.backlog[t]);
                    let delay = if start + end <= 0.0 {
                        0.0
                    } else if rate > 0.0 {
                        (0.5 * (start + end) / rate).min(timeout)
                    } else {
                        timeout
                    };
                    self.tenant_state[t] = WaitState { delay_secs: delay, ..shared };
                }
            }
            return shared;
        }
        let drain = cs.drain_per_sec;
        if cs.servers == 0 || drain <= 0.0 {
            cs.in_system = f64::NAN;
            return WaitState::delay_only(timeout);
        }
        let rho = lambda / drain;
        if cs.deep {
            // Served in turn at the drain rate: the wait is the cohorts' own.
            cs.last_rho = rho.min(RHO_CAP);
            return WaitState::delay_only(cs.served_wait_secs.min(timeout));
        }
        if cs.in_system.is_nan() && rho < FLUID_FROM_RHO {
            cs.last_rho = rho;
            return cs.stationary(lambda, v, self.mean_service);
        }
        if cs.in_system.is_nan() {
            // Entering from a stationary stretch: the queue it left.
            cs.in_system = number_in_system(cs.servers, cs.last_rho.min(RHO_CAP), v);
        }
        let (followed, delay) = cs.follow(lambda, ca2, self.service.cv(), dt, timeout);
        // Back to stationary once well below saturation and relaxed.
        if rho < FLUID_FROM_RHO && (cs.in_system - number_in_system(cs.servers, rho, v)).abs() <= 0.01 * cs.in_system {
            cs.in_system = f64::NAN;
        }
        WaitState::at_utilisation(cs.servers, followed, self.mean_service, v, delay)
    }

    /// Turns stack `s` to requests at the start of `tick`: its backlog
    /// becomes waiting requests.
    fn enter_requests(&mut self, s: usize, members: &[u32], tick: u64, dt: f64, window: WindowFlags<'_>) {
        let mut stack = self.parked[s].take().unwrap_or_else(|| {
            let rng = stream(self.seed.0, u64::from(self.seed.1), s as u64, StreamPurpose::StackRequests);
            Box::new(RequestStack::new(self.fairness[s], members, &self.weights, rng))
        });
        let cs = &mut self.stacks[s];
        let input = TickInput {
            start_secs: tick as f64 * dt,
            dt,
            servers: cs.servers,
            members,
            timeout_secs: self.timeout_secs,
            service: self.service_draw,
            window,
        };
        if cs.deep {
            // Each member's whole requests, oldest first, as sent: its
            // fraction of a request waits in the fluid.
            cs.deep = false;
            for &t in members {
                self.backlog[t as usize] = 0.0;
            }
            let backlog = &mut self.backlog;
            self.deep[s].drain(|arrival_secs, entry| {
                let carry = &mut backlog[entry.tenant as usize];
                *carry += entry.count;
                while *carry >= 1.0 {
                    stack.add_sent(&input, entry.tenant, arrival_secs.min(input.start_secs), entry.in_window);
                    *carry -= 1.0;
                }
            });
            cs.cohorts.clear();
            cs.backlog = 0.0;
            self.requests[s] = Some(stack);
            return;
        }
        // Whole requests wait as requests; what is left of the fluid (a
        // fraction per member) waits in the fluid until the stack returns.
        // A FIFO fluid knows when its backlog arrived (its cohorts, which
        // mix the members' shares): each member's whole requests take their
        // share of each cohort's time, oldest first, and wait in that order,
        // so that their age (and the timeout) goes on from when they were
        // sent. Without cohorts they count from now.
        let total: f64 = cs.cohorts.iter().map(|&(_, count)| count).sum();
        let mut waiting: Vec<(f64, u32)> = Vec::new();
        for &t in members {
            let backlog = self.backlog[t as usize];
            let whole = backlog.floor();
            let share = if total > 0.0 { backlog / total } else { 0.0 };
            let (mut taken, mut reached) = (0.0, 0.0);
            for &(arrived, count) in &cs.cohorts {
                reached += count * share;
                while taken < whole && taken < reached {
                    waiting.push((arrived, t));
                    taken += 1.0;
                }
            }
            while taken < whole {
                waiting.push((input.start_secs, t));
                taken += 1.0;
            }
            self.backlog[t as usize] = backlog - whole;
        }
        waiting.sort_by(|a, b| a.0.total_cmp(&b.0));
        for (arrived, t) in waiting {
            stack.add_waiting(&input, t, 1, arrived.min(input.start_secs));
        }
        cs.cohorts.clear();
        cs.backlog = 0.0;
        self.requests[s] = Some(stack);
    }

    /// Turns first-come-first-served stack `s`, simulated request by
    /// request, into a deep stack at the end of a tick: every request,
    /// waiting or in service (whose service starts again in the fluid, out
    /// of its capacity), joins the cohort of the tick it arrived in, with
    /// its tenant and window, so that its age and timeout go on; the
    /// fractions the fluid kept when the stack turned to requests join the
    /// newest.
    fn leave_deep(&mut self, s: usize, members: &[u32], dt: f64) {
        let Some(mut stack) = self.requests[s].take() else { return };
        let mut sent: Vec<(f64, u32, bool)> = Vec::with_capacity(stack.in_system());
        stack.drain(|arrival_secs, t, in_window| sent.push((arrival_secs, t, in_window)));
        sent.sort_by(|a, b| a.0.total_cmp(&b.0));
        // What the fluid kept when the stack turned to requests (less than
        // one request each), for the newest cohort.
        let kept: Vec<f64> = members.iter().map(|&t| self.backlog[t as usize]).collect();
        let queue = &mut self.deep[s];
        // Each member's requests in the cohort being gathered: [outside,
        // inside] another tenant's window.
        let mut counts: Vec<[f64; 2]> = vec![[0.0; 2]; members.len()];
        let flush = |queue: &mut DeepQueue, counts: &mut [[f64; 2]], arrival_secs: f64| {
            queue.open(arrival_secs);
            for (k, c) in counts.iter_mut().enumerate() {
                queue.add(members[k], c[0], false);
                queue.add(members[k], c[1], true);
                *c = [0.0; 2];
            }
        };
        let (mut tick, mut sum, mut n) = (i64::MIN, 0.0, 0.0);
        for &(arrival_secs, t, in_window) in &sent {
            let at = (arrival_secs / dt).floor() as i64;
            if at != tick && n > 0.0 {
                flush(queue, &mut counts, sum / n);
                (sum, n) = (0.0, 0.0);
            }
            tick = at;
            sum += arrival_secs;
            n += 1.0;
            counts[members.binary_search(&t).unwrap_or(0)][usize::from(in_window)] += 1.0;
            self.backlog[t as usize] += 1.0;
        }
        for (c, k) in counts.iter_mut().zip(&kept) {
            c[0] += k;
        }
        flush(queue, &mut counts, if n > 0.0 { sum / n } else { 0.0 });
        queue.close();
        let cs = &mut self.stacks[s];
        cs.cohorts.clear();
        cs.backlog = members.iter().map(|&t| self.backlog[t as usize]).sum();
        cs.deep = true;
        cs.in_system = f64::NAN;
        cs.served_wait_secs = if cs.drain_per_sec > 0.0 { cs.backlog / cs.drain_per_sec } else { 0.0 };
        self.parked[s] = Some(stack);
    }

    /// One tick of deep stack `s` ([`DeepQueue`]): its members' admitted
    /// requests join as this tick's cohort, `capacity` serves the oldest,
    /// expired cohorts are dropped; each member is credited with its own
    /// served and dropped requests, and what it was served goes to
    /// [`Compute::deep_pieces`] with its wait.
    #[allow(clippy::too_many_arguments)]
    fn serve_deep(
        &mut self,
        s: usize,
        members: &[u32],
        tick: u64,
        capacity: f64,
        dt: f64,
        now: &[TickFlow],
        raw: &mut [TenantRaw],
        window: WindowFlags<'_>,
    ) -> (f64, f64) {
        let now_secs = tick as f64 * dt;
        for &t in members {
            let t = t as usize;
            self.served[t] = 0.0;
            self.timeout_drops[t] = 0.0;
            self.window_served[t] = 0.0;
            self.window_drops[t] = 0.0;
        }
        let queue = &mut self.deep[s];
        queue.open(now_secs + 0.5 * dt);
        for &t in members {
            let admitted = now[t as usize].admitted;
            if admitted > 0 {
                queue.add(t, admitted as f64, window.of(t as usize));
            }
        }
        let mut out = DeepOutput {
            served: &mut self.served,
            drops: &mut self.timeout_drops,
            window_served: &mut self.window_served,
            window_drops: &mut self.window_drops,
            pieces: &mut self.deep_pieces,
        };
        let before = out.pieces.len();
        let (served, waited) = queue.serve(now_secs, dt, capacity, self.timeout_secs, &mut out);
        let (empty, end_secs) = (queue.is_empty(), now_secs + dt);
        let mut backlog_end = 0.0;
        // Members with a request waiting whose own oldest is wanted.
        let mut wanted = 0;
        for &t in members {
            let t = t as usize;
            let (done, dropped) = (self.served[t], self.timeout_drops[t]);
            raw[t].compute_requests += done;
            raw[t].dropped_timeout += dropped;
            let left = self.backlog[t] + now[t].admitted as f64 - done - dropped;
            self.backlog_start[t] = self.backlog[t];
            self.backlog[t] = if empty || left < 1e-9 { 0.0 } else { left };
            backlog_end += self.backlog[t];
            self.deep_oldest[t] = if dropped < 0.5 && self.backlog[t] >= 0.5 {
                wanted += 1;
                f64::NAN
            } else {
                f64::INFINITY
            };
        }
        if wanted > 0 {
            let oldest = &mut self.deep_oldest;
            queue.scan(|t, arrival_secs| {
                let seen = &mut oldest[t as usize];
                if seen.is_nan() {
                    *seen = arrival_secs;
                    wanted -= 1;
                }
                wanted == 0
            });
        }
        // Each member's longest wait: the timeout when it lost requests to
        // it, else its own oldest waiting request's age, and what its
        // served requests waited.
        for &t in members {
            let t = t as usize;
            let longest = if self.timeout_drops[t] >= 0.5 {
                self.timeout_secs
            } else if self.deep_oldest[t].is_finite() {
                end_secs - self.deep_oldest[t]
            } else {
                continue;
            };
            raw[t].longest_wait_secs = raw[t].longest_wait_secs.max(longest.clamp(0.0, self.timeout_secs));
        }
        for &(t, _, wait_secs, _) in &self.deep_pieces[before..] {
            let r = &mut raw[t as usize];
            r.longest_wait_secs = r.longest_wait_secs.max(wait_secs);
        }
        let cs = &mut self.stacks[s];
        cs.slow = true;
        cs.by_request = false;
        cs.backlog_before = cs.backlog;
        cs.backlog = backlog_end;
        cs.served_wait_secs = if served > 0.0 { waited / served } else { 0.0 };
        (served, backlog_end)
    }

    /// Adds each request waiting in a stack simulated request by request to
    /// its tenant's count in `counts` (the fluid's and deep stacks' waiting
    /// requests are in [`Compute::backlog`]).
    pub fn count_waiting_requests(&self, counts: &mut [f64]) {
        for stack in self.requests.iter().flatten() {
            stack.for_each_waiting(|t| counts[t as usize] += 1.0);
        }
    }

    /// Requests still waiting or in service at the end of a run in stacks
    /// simulated request by request: `each(tenant, timed_out, waited
    /// seconds, sent inside another tenant's window)`.
    pub fn left_at_end(&mut self, end_secs: f64, mut each: impl FnMut(u32, bool, f64, bool)) {
        let timeout = self.timeout_secs;
        for stack in self.requests.iter_mut().flatten() {
            stack.left_at_end(end_secs, timeout, &mut each);
        }
    }

    /// Counts `served` requests of stack `s` towards its busy time.
    pub fn count_served(&mut self, s: usize, served: f64) {
        self.stacks[s].served_since += served;
    }

    /// True when the autoscaler evaluates at the end of `tick`.
    pub fn evaluates(&self, tick: u64) -> bool {
        self.autoscale.is_some() && tick + 1 == self.next_eval_tick
    }

    /// Sizes stack `s` for its utilisation over the evaluation window that
    /// ends with `tick`: scales out (after the warm-up) or in (when nothing
    /// is warming up).
    pub fn autoscale(&mut self, s: usize, tick: u64, point: usize, dt: f64, backlog_end: f64) {
        let Some(policy) = self.autoscale else { return };
        let cs = &mut self.stacks[s];
        cs.close_segment(tick + 1, &mut self.raw[s], &mut self.series, point, dt, self.mean_service);
        let pending = cs.pending_total;
        let utilisation = if cs.eval_capacity_secs > 0.0 {
            cs.eval_busy_secs / cs.eval_capacity_secs
        } else if cs.eval_busy_secs > 0.0 || backlog_end > 0.0 {
            1.0
        } else {
            0.0
        };
        let desired = desired_instances(cs.active, utilisation, &policy, cs.min, cs.max);
        let current = cs.active + pending;
        if desired > current {
            cs.pending.push((tick + 1 + self.warmup_ticks, desired - current));
        } else if desired < cs.active && pending == 0 {
            cs.active = desired;
        }
        cs.resize(self.concurrency, self.mu);
        cs.eval_busy_secs = 0.0;
        cs.eval_capacity_secs = 0.0;
    }

    /// Ends tick `tick` (after every stack was served).
    pub fn end_tick(&mut self, tick: u64) {
        if tick + 1 == self.next_eval_tick {
            self.next_eval_tick = self.next_eval_tick.saturating_add(self.eval_ticks);
        }
    }

    /// Stack `s`'s totals as they would read if its current segment
    /// closed before tick `end`; nothing changes.
    pub fn totals_at(&self, s: usize, end: u64, dt: f64) -> StackRaw {
        let mut raw = self.raw[s].clone();
        self.stacks[s].add_segment(end, &mut raw, dt, self.mean_service);
        raw
    }

    /// Closes the current segment of every stack in `live` before tick
    /// `end` (the end of series point `point`).
    pub fn close_segments(&mut self, live: &[usize], end: u64, point: usize, dt: f64) {
        for &s in live {
            self.stacks[s].close_segment(end, &mut self.raw[s], &mut self.series, point, dt, self.mean_service);
        }
    }
}

/// Each tenant's queue state that a slow tick reads and writes.
struct Queues<'a> {
    backlog: &'a mut [f64],
    backlog_start: &'a mut [f64],
    served: &'a mut [f64],
    timeout_drops: &'a mut [f64],
}

/// When a slow tick happens and how long requests may wait.
#[derive(Debug, Clone, Copy)]
struct Clock {
    now_secs: f64,
    dt: f64,
    timeout_secs: f64,
}

/// One slow tick of a compute stack: its members' backlog and admitted
/// requests are served FIFO (oldest cohorts first) or weighted-fair
/// within `capacity`, and what has waited out the timeout is dropped.
/// Returns the requests served and the backlog left.
#[allow(clippy::too_many_arguments)]
fn serve_slowly(
    members: &[u32],
    fairness: Fairness,
    capacity: f64,
    clock: Clock,
    weights: &[f64],
    now: &[TickFlow],
    queues: Queues<'_>,
    cohorts: &mut VecDeque<(f64, f64)>,
    raw: &mut [TenantRaw],
) -> (f64, f64) {
    let Clock { now_secs, dt, timeout_secs: timeout } = clock;
    let Queues { backlog, backlog_start, served: compute_served, timeout_drops } = queues;
    let mut backlog_total: f64 = 0.0;
    let mut arrived: f64 = 0.0;
    for &t in members {
        let t = t as usize;
        timeout_drops[t] = 0.0;
        backlog_start[t] = backlog[t];
        backlog_total += backlog[t];
        arrived += now[t].admitted as f64;
    }
    let mut served_total = 0.0;
    let mut backlog_end = 0.0;
    match fairness {
        Fairness::Fifo => {
            // The oldest cohorts first, then this tick's arrivals.
            let mut left = capacity;
            for cohort in cohorts.iter_mut() {
                let take = cohort.1.min(left);
                cohort.1 -= take;
                left -= take;
                if left <= 0.0 {
                    break;
                }
            }
            while cohorts.front().is_some_and(|c| c.1 <= 1e-9) {
                cohorts.pop_front();
            }
            let from_backlog = capacity - left;
            let from_new = arrived.min(left);
            if arrived - from_new > 1e-9 {
                cohorts.push_back((now_secs + 0.5 * dt, arrived - from_new));
            }
            // Cohorts whose deadline falls by the end of the tick could not
            // be served in time: dropped now, not before.
            let mut expired = 0.0;
            while let Some(&(arrival, count)) = cohorts.front() {
                if arrival + timeout > now_secs + dt {
                    break;
                }
                expired += count;
                cohorts.pop_front();
            }
            if expired < 1e-9 {
                expired = 0.0;
            }
            // Cohorts and members' backlogs are the same requests counted
            // two ways: what float rounding leaves between them is nothing.
            let old_ratio = if backlog_total <= 0.0 {
                0.0
            } else if from_backlog >= backlog_total - 1e-9 {
                1.0
            } else {
                from_backlog / backlog_total
            };
            let new_ratio = if arrived > 0.0 { from_new / arrived } else { 0.0 };
            let old_left = backlog_total - from_backlog;
            // Expired requests are old ones (or, with a timeout shorter
            // than a tick, new): shared in proportion.
            let (old_drop, new_drop) = if expired <= old_left || old_left + arrived - from_new <= 0.0 {
                (if old_left > 0.0 { (expired / old_left).min(1.0) } else { 0.0 }, 0.0)
            } else {
                let new_left = arrived - from_new;
                (1.0, ((expired - old_left) / new_left).min(1.0))
            };
            for &t in members {
                let t = t as usize;
                let a = now[t].admitted as f64;
                let old = backlog[t] * old_ratio;
                let new = a * new_ratio;
                compute_served[t] = old + new;
                raw[t].compute_requests += old + new;
                let mut drop = (backlog[t] - old) * old_drop + (a - new) * new_drop;
                if drop < 1e-9 {
                    drop = 0.0;
                }
                timeout_drops[t] = drop;
                raw[t].dropped_timeout += drop;
                backlog[t] = backlog[t] - old + (a - new) - drop;
                if backlog[t] < 1e-9 {
                    backlog[t] = 0.0;
                }
                backlog_end += backlog[t];
                served_total += old + new;
            }
            if backlog_end <= 1e-9 {
                cohorts.clear();
            }
        }
        Fairness::WeightedFair => {
            for &t in members {
                let t = t as usize;
                backlog[t] += now[t].admitted as f64;
                compute_served[t] = 0.0;
            }
            let mut remaining = capacity;
            for _round in 0..64 {
                let weight_sum: f64 = members
                    .iter()
                    .filter(|&&t| backlog[t as usize] - compute_served[t as usize] > 1e-12)
                    .map(|&t| weights[t as usize])
                    .sum();
                if weight_sum <= 0.0 || remaining <= 1e-12 {
                    break;
                }
                let mut used = 0.0;
                for &t in members {
                    let t = t as usize;
                    let want = backlog[t] - compute_served[t];
                    if want > 1e-12 {
                        let give = (remaining * weights[t] / weight_sum).min(want);
                        compute_served[t] += give;
                        used += give;
                    }
                }
                remaining -= used;
                if used <= 1e-12 {
                    break;
                }
            }
            for &t in members {
                let t = t as usize;
                backlog[t] -= compute_served[t];
                if backlog[t] < 1e-9 {
                    compute_served[t] += backlog[t];
                    backlog[t] = 0.0;
                }
                raw[t].compute_requests += compute_served[t];
                served_total += compute_served[t];
                // Timeouts: each tenant's queue drains at its own rate.
                let limit = compute_served[t] / dt * timeout;
                if backlog[t] > limit {
                    timeout_drops[t] = backlog[t] - limit;
                    raw[t].dropped_timeout += backlog[t] - limit;
                    backlog[t] = limit;
                }
                backlog_end += backlog[t];
            }
        }
    }
    (served_total, backlog_end)
}
