//! What one task keeps of each tenant: its inflow (arrivals and usage
//! plan, see [`crate::sim::gateway::Inflow`]), its requests in the current
//! tick stage by stage, its running totals outside the arrival pass, and
//! its raw results. One record per tenant per concern, in file order.

use crate::sim::gateway::Inflow;
use crate::sim::raw::TenantRaw;

/// One tenant's requests in the current tick, stage by stage.
#[derive(Debug, Clone, Copy, Default)]
pub struct TickFlow {
    /// Arrival intensity after the gateway, per second.
    pub intensity: f64,
    /// Squared coefficient of variation of those arrivals.
    pub ca2: f64,
    /// Requests its usage plan and quotas admitted.
    pub plan_admitted: i64,
    /// Of those, requests the shared account bucket admitted.
    pub admitted: i64,
}

/// A tenant's whole-request totals kept outside the arrival pass.
///
/// Most ticks are *fast* for a tenant: nothing throttles or queues it
/// after its usage plan, so each of its admitted requests is served at its
/// compute stack's latency. Those ticks cost nothing per tenant; their
/// totals follow from the counters ([`Totals::fast`]) and their latency
/// weight is recorded per epoch of the stack's latency state.
#[derive(Debug, Clone, Copy, Default)]
pub struct Totals {
    /// Requests the shared account bucket refused.
    pub throttled_account: i64,
    /// Requests their function refused (serverless).
    pub throttled_concurrency: i64,
    /// Admitted requests in slow ticks (simulated one by one).
    pub slow_admitted: i64,
    /// Fast requests already recorded in the latency histograms.
    pub latency_mark: i64,
    /// Fast requests already counted in the latency sum (whose mean only
    /// changes with the stack's state, so splitting an epoch for a window
    /// or a series point does not change how the sum rounds).
    pub mean_mark: i64,
    /// Offered requests counted when the event window last changed.
    pub window_mark: i64,
}

impl Totals {
    /// Requests admitted and served in fast ticks so far.
    pub fn fast(&self, inflow: &Inflow) -> i64 {
        inflow.plan_admitted - self.throttled_account - self.throttled_concurrency - self.slow_admitted
    }
}

/// Every tenant's state in one task, indexed by tenant.
#[derive(Debug)]
pub struct Tenants {
    /// Arrivals, usage plan and routing.
    pub inflows: Vec<Inflow>,
    /// This tick's requests.
    pub now: Vec<TickFlow>,
    /// Running totals outside the arrival pass.
    pub totals: Vec<Totals>,
    /// Raw results.
    pub raw: Vec<TenantRaw>,
}

impl Tenants {
    /// Tenants with the given inflows and nothing counted yet.
    pub fn new(inflows: Vec<Inflow>) -> Self {
        let n = inflows.len();
        Self {
            inflows,
            now: vec![TickFlow::default(); n],
            totals: vec![Totals::default(); n],
            raw: vec![TenantRaw::default(); n],
        }
    }
}

/// The tenants simulated one by one this tick, each listed once.
#[derive(Debug)]
pub struct SlowList {
    /// The list, in the order they were marked.
    pub tenants: Vec<u32>,
    /// Tick + 1 of the tick each tenant was last listed in.
    mark: Vec<u64>,
}

impl SlowList {
    /// An empty list for `n` tenants.
    pub fn new(n: usize) -> Self {
        Self { tenants: Vec::with_capacity(n), mark: vec![0; n] }
    }

    /// Lists tenant `t` for `tick` unless it already is.
    #[inline]
    pub fn mark(&mut self, t: u32, tick: u64) {
        let tu = t as usize;
        if self.mark[tu] != tick + 1 {
            self.mark[tu] = tick + 1;
            self.tenants.push(t);
        }
    }
}
