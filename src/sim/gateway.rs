//! The gateway layer: each tenant's usage plan (a token bucket and its
//! quotas, applied as its requests arrive) and the shared account bucket
//! of each gateway stack, applied to what the usage plans admitted.
//!
//! A tenant's [`Inflow`] also holds its arrival stream and its routing, so
//! that the arrival pass reads one record per tenant.

use crate::rng::{StreamPurpose, stream};
use crate::scenario::model::{Gateway, QuotaPeriod, Scenario, Topology};
use crate::sim::arrivals::ArrivalStream;
use crate::sim::database::MANY_SHARDS;
use crate::sim::raw::StackRaw;
use crate::sim::tenants::TickFlow;

/// A tenant's usage plan in per-tick terms (only when a gateway applies it).
#[derive(Debug, Clone, Copy)]
pub struct PlanRates {
    /// Tokens added per second.
    pub rate_per_sec: f64,
    /// Tokens added per tick.
    pub refill: f64,
    /// Bucket capacity.
    pub burst: f64,
    /// The tier has quotas.
    pub has_quotas: bool,
    /// Each quota period's limit (infinite without one), by
    /// [`QuotaPeriod::index`].
    pub quota_limits: [f64; 3],
}

/// A tenant's arrivals and the per-tenant part of the gateway: its
/// stream, load, usage plan, the stacks it is routed to, and the counters
/// the arrival pass keeps.
#[derive(Debug, Clone)]
pub struct Inflow {
    /// Its own arrival stream.
    pub stream: ArrivalStream,
    /// Simulated in this task (all but in a no-spike baseline).
    pub active: bool,
    /// Its tier.
    pub tier: usize,
    /// Base rate, requests per second.
    pub rate_per_sec: f64,
    /// Index of its load pattern among the scenario's distinct ones.
    pub pattern: usize,
    /// Product of the tenant's spikes active this tick.
    pub spike_factor: f64,
    /// Its usage plan, when a gateway applies one.
    pub plan: Option<PlanRates>,
    /// Tokens in its usage-plan bucket.
    pub tokens: f64,
    /// Tokens of the same bucket fed by the tenant's intensity instead of
    /// its counts: what says how smoothly the plan lets requests through.
    pub fluid_tokens: f64,
    /// Requests counted against its day, week and month quotas.
    pub quota_used: [u64; 3],
    /// The same, counted from the fluid bucket's output.
    pub fluid_quota_used: [f64; 3],
    /// Its gateway stack (0 without a gateway).
    pub gw: u32,
    /// Its compute stack.
    pub compute: u32,
    /// Its database stack (0 without a database).
    pub db: u32,
    /// The demand slot ([`crate::sim::database::Shards::slot`]) of its only
    /// key shard ([`MANY_SHARDS`] when it has several) and the read and
    /// write units one request puts on it.
    pub db_slot: u32,
    /// See [`Inflow::db_slot`].
    pub db_read_units: f64,
    /// See [`Inflow::db_slot`].
    pub db_write_units: f64,
    /// Requests that arrived so far.
    pub offered: i64,
    /// Requests its usage plan and quotas admitted so far.
    pub plan_admitted: i64,
    /// Requests its bucket refused so far.
    pub throttled_plan: i64,
    /// Requests its quotas refused so far.
    pub throttled_quota: i64,
    /// Its arrivals are read from drawn rows, not drawn by the task.
    pub from_table: bool,
}

impl Inflow {
    /// Tenant `t`'s arrival state at the start of a replication (routed to
    /// stack 0 of every layer until the caller says otherwise).
    pub fn new(sc: &Scenario, t: usize, replication: u32, pattern: usize) -> Self {
        let tenant = &sc.tenants[t];
        let tier_plan = sc.tiers[tenant.tier].plan.as_ref();
        Self {
            stream: ArrivalStream::new(stream(
                sc.clock.seed,
                u64::from(replication),
                t as u64,
                StreamPurpose::Arrivals,
            )),
            active: true,
            tier: tenant.tier,
            rate_per_sec: tenant.load.rate_per_sec,
            pattern,
            spike_factor: 1.0,
            plan: tier_plan.filter(|_| sc.gateway.is_some()).map(|p| PlanRates {
                rate_per_sec: p.rate_per_sec,
                refill: p.rate_per_sec * sc.clock.tick_secs,
                burst: p.burst,
                has_quotas: !p.quotas.is_empty(),
                quota_limits: {
                    let mut limits = [f64::INFINITY; 3];
                    for q in &p.quotas {
                        limits[q.period.index()] = q.limit as f64;
                    }
                    limits
                },
            }),
            tokens: tier_plan.map_or(0.0, |p| p.burst),
            fluid_tokens: tier_plan.map_or(0.0, |p| p.burst),
            quota_used: [0; 3],
            fluid_quota_used: [0.0; 3],
            gw: 0,
            compute: 0,
            db: 0,
            db_slot: MANY_SHARDS,
            db_read_units: 0.0,
            db_write_units: 0.0,
            offered: 0,
            plan_admitted: 0,
            throttled_plan: 0,
            throttled_quota: 0,
            from_table: false,
        }
    }

    /// One tick's arrivals at `lambda` per second and what the tenant's
    /// usage plan and quotas admit: (arrivals, admitted). Counts them in
    /// the tenant's totals.
    #[inline(always)]
    pub fn arrive(&mut self, sc: &Scenario, lambda: f64, dt: f64) -> (i64, i64) {
        let count = self.stream.draw(lambda * dt) as i64;
        self.offered += count;
        let mut allowed = count;
        if let Some(plan) = &self.plan {
            let available = self.tokens + plan.refill;
            // `available` is never negative, so truncation is floor.
            let by_plan = allowed.min(available as i64);
            self.tokens = (available - by_plan as f64).min(plan.burst);
            self.throttled_plan += allowed - by_plan;
            allowed = by_plan;
            if plan.has_quotas {
                let by_quota = self.take_quota(sc, allowed);
                self.throttled_quota += allowed - by_quota;
                allowed = by_quota;
            }
        }
        (count, allowed)
    }

    /// Of `allowed` requests, those the tier's quotas still admit (and
    /// counts them against every quota).
    fn take_quota(&mut self, sc: &Scenario, allowed: i64) -> i64 {
        let Some(plan) = &sc.tiers[self.tier].plan else { return allowed };
        let mut by_quota = allowed as u64;
        for quota in &plan.quotas {
            by_quota = by_quota.min(quota.limit.saturating_sub(self.quota_used[quota.period.index()]));
        }
        for quota in &plan.quotas {
            self.quota_used[quota.period.index()] += by_quota;
        }
        by_quota as i64
    }
}

impl Inflow {
    /// The intensity per second of the requests the usage plan lets
    /// through over a tick of `dt` at offered intensity `lambda`, and their
    /// squared coefficient of variation: a fluid token bucket fed at
    /// `lambda` (independent of the tick length). Poisson (1) while the
    /// bucket holds tokens; once it is empty the plan paces requests at its
    /// rate, each the first arrival after a token refills, so the gaps are
    /// `1/r` plus an exponential of mean `1/λ`: `(r / (λ + r))²`.
    #[inline]
    pub fn admitted_flow(&mut self, lambda: f64, dt: f64) -> (f64, f64) {
        let Some(plan) = self.plan else { return (lambda, 1.0) };
        let r = plan.rate_per_sec;
        let (volume, ca2) = if lambda <= r {
            // Usually the bucket is full and stays full.
            if self.fluid_tokens < plan.burst {
                self.fluid_tokens = (self.fluid_tokens + (r - lambda) * dt).min(plan.burst);
            }
            (lambda * dt, 1.0)
        } else {
            let drain = lambda - r;
            let until_empty = self.fluid_tokens / drain;
            if until_empty >= dt {
                self.fluid_tokens -= drain * dt;
                (lambda * dt, 1.0)
            } else {
                self.fluid_tokens = 0.0;
                let free = lambda * until_empty;
                let paced = r * (dt - until_empty);
                let paced_ca2 = (r / (lambda + r)).powi(2);
                (free + paced, (free + paced * paced_ca2) / (free + paced))
            }
        };
        if !plan.has_quotas {
            return (volume / dt, ca2);
        }
        // What the quotas still let through this period.
        let left = (0..3).map(|k| plan.quota_limits[k] - self.fluid_quota_used[k]).fold(f64::INFINITY, f64::min);
        let volume = volume.min(left.max(0.0));
        for used in &mut self.fluid_quota_used {
            *used += volume;
        }
        (volume / dt, ca2)
    }
}

/// Which quota period (day, week, month) the run is in.
#[derive(Debug, Clone)]
pub struct QuotaClock {
    period_secs: [f64; 3],
    current: [u64; 3],
}

impl QuotaClock {
    /// The clock at t = 0 of a run of `sc`.
    pub fn new(sc: &Scenario) -> Self {
        Self { period_secs: QuotaPeriod::ALL.map(|p| p.secs(sc.month_secs())), current: [0; 3] }
    }

    /// Which periods, by [`QuotaPeriod::index`], start at `t_secs` (later
    /// than the last time asked).
    pub fn starts(&mut self, t_secs: f64) -> [bool; 3] {
        let mut starts = [false; 3];
        for ((current, &secs), start) in self.current.iter_mut().zip(&self.period_secs).zip(&mut starts) {
            let now = (t_secs / secs) as u64;
            *start = now != *current;
            *current = now;
        }
        starts
    }
}

/// Starts a new quota period for every tenant when `t_secs` enters one.
pub fn reset_quotas(inflows: &mut [Inflow], clock: &mut QuotaClock, t_secs: f64) {
    for (k, starts) in clock.starts(t_secs).into_iter().enumerate() {
        if starts {
            inflows.iter_mut().for_each(|f| {
                f.quota_used[k] = 0;
                f.fluid_quota_used[k] = 0.0;
            });
        }
    }
}

/// The shared account buckets of a design's gateway stacks: each refills
/// at the account rate and admits, of what its members' usage plans
/// admitted, what its tokens cover.
#[derive(Debug)]
pub struct AccountBuckets {
    rate_per_sec: f64,
    burst: f64,
    tokens: Vec<f64>,
    /// Requests the usage plans admitted this tick, per stack (one slot
    /// even without a gateway, so the arrival pass need not check).
    demand: Vec<i64>,
    /// Where each stack's round-robin remainder starts next.
    cursor: Vec<usize>,
    /// Seconds of capacity kept (capacity-loss events scale it).
    kept_secs: f64,
    /// Per-stack results.
    pub raw: Vec<StackRaw>,
}

impl AccountBuckets {
    /// Full buckets for the stacks of `topology` (none without a gateway).
    pub fn new(gateway: Option<&Gateway>, topology: &Topology) -> Self {
        let stacks = topology.stacks.len();
        Self {
            rate_per_sec: gateway.map_or(0.0, |g| g.account_rate_per_sec),
            burst: gateway.map_or(0.0, |g| g.account_burst),
            tokens: vec![gateway.map_or(0.0, |g| g.account_burst); stacks],
            demand: vec![0; stacks.max(1)],
            cursor: vec![0; stacks],
            kept_secs: 0.0,
            raw: vec![StackRaw::default(); stacks],
        }
    }

    /// Adds `admitted` requests to stack `s`'s demand this tick.
    #[inline(always)]
    pub fn add(&mut self, s: u32, admitted: i64) {
        self.demand[s as usize] += admitted;
    }

    /// Forgets this tick's demand (a scenario without a gateway).
    pub fn clear(&mut self) {
        self.demand.iter_mut().for_each(|d| *d = 0);
    }

    /// Starts a tick with `keep` of the capacity: the tokens every bucket
    /// gains.
    pub fn refill(&mut self, keep: f64, dt: f64) -> f64 {
        // Every stack's capacity scales with the same factor: filled in at
        // the end.
        self.kept_secs += keep * dt;
        self.rate_per_sec * keep * dt
    }

    /// Takes stack `s`'s demand this tick from its bucket, which gained
    /// `refill` tokens: (demand, admitted).
    pub fn take(&mut self, s: usize, refill: f64) -> (i64, i64) {
        let demand = std::mem::take(&mut self.demand[s]);
        // A full bucket that this tick's refill covers stays full.
        if self.tokens[s] == self.burst && demand as f64 <= refill {
            self.raw[s].requests += demand as f64;
            return (demand, demand);
        }
        let available = self.tokens[s] + refill;
        let allowed = demand.min(available as i64);
        self.tokens[s] = (available - allowed as f64).min(self.burst);
        self.raw[s].requests += allowed as f64;
        (demand, allowed)
    }

    /// Splits `allowed` of stack `s`'s `demand` among its `members`
    /// proportionally to what their usage plans admitted (see
    /// [`share_out`]).
    pub fn share(&mut self, s: usize, members: &[u32], allowed: i64, demand: i64, flows: &mut [TickFlow]) {
        share_out(members, allowed, demand, &mut self.cursor[s], flows);
    }

    /// Fills in each stack's capacity seconds at the end of a task.
    pub fn finish(&mut self, gateway: Option<&Gateway>) {
        if let Some(g) = gateway {
            for raw in &mut self.raw {
                raw.capacity_secs = g.account_rate_per_sec * self.kept_secs;
            }
        }
    }
}

/// Splits `allowed` whole requests among the members' `plan_admitted`
/// proportionally into their `admitted`; the remainder goes round-robin
/// from `cursor` so no tenant is favoured.
pub fn share_out(members: &[u32], allowed: i64, total: i64, cursor: &mut usize, flows: &mut [TickFlow]) {
    let mut given = 0;
    for &t in members {
        let flow = &mut flows[t as usize];
        let share = ((i128::from(allowed) * i128::from(flow.plan_admitted)) / i128::from(total.max(1))) as i64;
        flow.admitted = share;
        given += share;
    }
    let n = members.len();
    let mut left = allowed - given;
    let mut i = 0;
    while left > 0 && i < n {
        let flow = &mut flows[members[(*cursor + i) % n] as usize];
        if flow.admitted < flow.plan_admitted {
            flow.admitted += 1;
            left -= 1;
        }
        i += 1;
    }
    *cursor = (*cursor + 1) % n.max(1);
}
