//! Event windows and latency epochs.
//!
//! Spikes multiply a tenant's rate over a window; every other tenant is
//! *inside* that window while it runs, and its latency and losses there
//! feed the noisy-neighbour figures. Capacity losses scale a layer's
//! capacity over theirs.
//!
//! A tenant's fast ticks (see [`crate::sim::tenants::Totals`]) are
//! recorded in *epochs*: the weight gathered while its compute stack's
//! latency state stays the same is recorded at once, when the state
//! changes, a window opens or closes, or a series point ends.

use crate::scenario::model::{Design, Event, Scenario};
pub use crate::scenario::model::{Spike, spike_factor_at};
use crate::sim::latency::{Key, LatencyBook};
use crate::sim::parts::connected_groups;
use crate::sim::tenants::Tenants;

/// Which of the scenario's spikes a task applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Spikes {
    /// Every one: the run itself.
    All,
    /// None: the no-spike baseline, against which every tenant that does
    /// not spike is judged.
    None,
    /// Only those of one tenant: that tenant's own baseline, against which
    /// its harm from the others' spikes is judged (its own spikes are in
    /// both runs, so they cannot count as a neighbour's doing).
    Own(usize),
}

impl Spikes {
    /// True when tenant `t`'s spikes apply.
    pub fn keeps(self, t: usize) -> bool {
        match self {
            Spikes::All => true,
            Spikes::None => false,
            Spikes::Own(own) => own == t,
        }
    }

    /// True for a baseline (every task but the run itself).
    pub fn baseline(self) -> bool {
        self != Spikes::All
    }

    /// The ticks a task simulates: the whole run; a baseline until the
    /// spikes' effect has settled ([`baseline_ticks`]). An own baseline,
    /// read only for its window figures, reads them there: by then the
    /// requests sent in the windows have been served or dropped (its own
    /// spike may still hold a backlog where the last window ends, which
    /// the run with spikes serves later and counts).
    pub fn ticks(self, sc: &Scenario) -> u64 {
        match self {
            Spikes::All => sc.clock.ticks,
            Spikes::None | Spikes::Own(_) => baseline_ticks(sc),
        }
    }
}

/// The spikes a task applies.
pub fn spikes_of(sc: &Scenario, spikes: Spikes) -> Vec<Spike> {
    sc.spikes().into_iter().filter(|s| spikes.keeps(s.tenant)).collect()
}

/// The tenants a baseline simulates: for the no-spike baseline every
/// tenant a spike can reach ([`spike_component`]); for a tenant's own
/// baseline, those connected to it; all for the run itself.
pub fn simulated(sc: &Scenario, design: &Design, spikes: Spikes) -> Vec<bool> {
    match spikes {
        Spikes::All => vec![true; sc.tenants.len()],
        Spikes::None => spike_component(sc, design),
        Spikes::Own(t) => groups_where(sc, design, |group| group.contains(&t)),
    }
}

/// The tenants of `design`'s connected groups (tenants sharing stacks in
/// any layer, transitively) for which `keep` holds.
fn groups_where(sc: &Scenario, design: &Design, keep: impl Fn(&[usize]) -> bool) -> Vec<bool> {
    let mut marked = vec![false; sc.tenants.len()];
    for group in connected_groups(sc, design) {
        if keep(&group) {
            group.iter().for_each(|&t| marked[t] = true);
        }
    }
    marked
}

/// Most spiking tenants of a design judged against baselines of their
/// own (the first in the order of their first spike; the others against
/// the no-spike baseline).
pub const MAX_OWN_BASELINES: usize = 16;

/// How a design's spiking tenants are judged when there are several.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OwnBaselines {
    /// Those that get a baseline of their own (only their own spikes
    /// applied): connected through shared stacks to another spiking
    /// tenant, at most [`MAX_OWN_BASELINES`].
    pub run: Vec<usize>,
    /// Those that no other tenant's spike can reach: not hurt by any.
    pub alone: Vec<usize>,
    /// Those connected to another spiking tenant beyond the first
    /// [`MAX_OWN_BASELINES`]: judged against the no-spike baseline, so
    /// their increase counts their own spikes too.
    pub beyond: Vec<usize>,
}

/// The baselines `design`'s spiking tenants need (none with one spiking
/// tenant: nobody else's spike then runs in its windows).
pub fn own_baselines(sc: &Scenario, design: &Design) -> OwnBaselines {
    let spikers = sc.spiking_tenants();
    if spikers.len() < 2 {
        return OwnBaselines::default();
    }
    let groups = connected_groups(sc, design);
    let mut group_of = vec![0; sc.tenants.len()];
    for (g, group) in groups.iter().enumerate() {
        group.iter().for_each(|&t| group_of[t] = g);
    }
    let (reached, alone): (Vec<usize>, Vec<usize>) =
        spikers.iter().partition(|&&s| spikers.iter().any(|&o| o != s && group_of[o] == group_of[s]));
    let beyond = reached.get(MAX_OWN_BASELINES..).unwrap_or_default().to_vec();
    OwnBaselines { run: reached.into_iter().take(MAX_OWN_BASELINES).collect(), alone, beyond }
}

/// Ticks until the last spike window ends: the no-spike baseline's window
/// figures are read there.
pub fn window_ticks(sc: &Scenario) -> u64 {
    let last_end_secs = spikes_of(sc, Spikes::All).iter().map(|s| s.end_secs).fold(0.0, f64::max);
    ((last_end_secs / sc.clock.tick_secs).ceil() as u64).min(sc.clock.ticks)
}

/// Ticks a no-spike baseline simulates: until every spike's effect on
/// cost has died out ([`settled_secs`]), at most the whole run. From there
/// on the runs with and without spikes are taken to cost the same, so the
/// steady cost reads the run with spikes.
pub fn baseline_ticks(sc: &Scenario) -> u64 {
    let settled_secs = spikes_of(sc, Spikes::All).iter().map(|s| settled_secs(sc, s)).fold(0.0, f64::max);
    ((settled_secs / sc.clock.tick_secs).ceil() as u64).min(sc.clock.ticks).max(window_ticks(sc))
}

/// When `spike`'s effect on what the run costs has died out, seconds from
/// the start (docs/model.md, "Cost"): its queue is gone a timeout after it
/// ends; the autoscaler orders at most one evaluation later, the order is
/// ready a warm-up later and shed at the next evaluation with nothing
/// warming, one more evaluation covering a backlog's drain; the usage
/// plan's and account's buckets and a partition's burst have refilled;
/// and a quota the spike used up has started a new period. When clients
/// retry, the spike's retries go on for up to a request's longest waits
/// and the queueing of each of its attempts, and a retry budget the spike
/// emptied fills again from its tenant's first attempts (its tokens over
/// its ratio of the tenant's rate).
pub fn settled_secs(sc: &Scenario, spike: &Spike) -> f64 {
    let autoscaler_secs = sc.compute.autoscale.map_or(0.0, |a| a.warmup_secs + 3.0 * a.evaluation_secs);
    let plan = sc.tiers[sc.tenants[spike.tenant].tier].plan.as_ref().filter(|_| sc.gateway.is_some());
    let refill_secs = [
        plan.map_or(0.0, |p| p.burst / p.rate_per_sec),
        sc.gateway.as_ref().map_or(0.0, |g| g.account_burst / g.account_rate_per_sec),
        if sc.database.is_some() { crate::sim::exact::PARTITION_BURST_SECS } else { 0.0 },
    ]
    .into_iter()
    .filter(|x| x.is_finite())
    .fold(0.0, f64::max);
    let retry_secs = sc
        .tiers
        .iter()
        .filter_map(|t| t.retry)
        .map(|r| r.max_total_backoff_secs() + f64::from(r.attempts) * sc.compute.queue_timeout_secs)
        .fold(0.0, f64::max);
    let budget_secs = sc
        .tenants
        .iter()
        .filter_map(|t| {
            let ratio = sc.tiers[t.tier].retry?.budget_ratio?;
            Some(crate::scenario::model::RETRY_BUDGET_TOKENS / (ratio * t.load.rate_per_sec))
        })
        .filter(|x| x.is_finite())
        .fold(0.0, f64::max);
    let settled =
        spike.end_secs + sc.compute.queue_timeout_secs + autoscaler_secs + refill_secs + retry_secs + budget_secs;
    let month_secs = sc.month_secs();
    let quota_reset = plan.iter().flat_map(|p| &p.quotas).map(|q| {
        let period = q.period.secs(month_secs);
        (spike.end_secs / period).ceil() * period
    });
    quota_reset.fold(settled, f64::max)
}

/// Tenants connected to a spiking tenant through shared stacks (in any
/// layer, transitively): the only ones whose results a spike can change.
pub fn spike_component(sc: &Scenario, design: &Design) -> Vec<bool> {
    let mut spiking = vec![false; sc.tenants.len()];
    sc.spiking_tenants().into_iter().for_each(|t| spiking[t] = true);
    groups_where(sc, design, |group| group.iter().any(|&t| spiking[t]))
}

/// The fraction of each layer's capacity lost at `t_secs` (capacity-loss
/// events running then; overlapping losses compound, in file order).
pub fn capacity_lost_at(sc: &Scenario, t_secs: f64) -> [f64; 3] {
    let mut loss = [0.0f64; 3];
    for e in &sc.events {
        if let Event::CapacityLoss { layer, start_secs, end_secs, fraction } = *e
            && t_secs >= start_secs
            && t_secs < end_secs
        {
            let kept = 1.0 - loss[layer.index()];
            loss[layer.index()] = 1.0 - kept * (1.0 - fraction);
        }
    }
    loss
}

/// Each spiking tenant's spike factor over time: the product, in file
/// order, of its spikes running then ([`spike_factor_at`]). It only
/// changes where one of the tenant's spikes starts or ends, so it is
/// worked out once per change point and read in time order (a tick costs
/// the changes that fall in it) or looked up per tenant.
#[derive(Debug, Clone, Default)]
pub struct SpikeFactors {
    /// Each spiking tenant's changes `(from_secs, factor)` in time order:
    /// tenant `t`'s are `changes[span[t]]`.
    changes: Vec<(f64, f64)>,
    span: Vec<std::ops::Range<usize>>,
    /// Every change as `(from_secs, tenant, index into changes)`, in time
    /// order.
    order: Vec<(f64, u32, u32)>,
    /// The first entry of `order` not applied yet.
    next: usize,
}

impl SpikeFactors {
    /// The factors of `spikes` for a scenario of `tenants` tenants.
    pub fn new(spikes: &[Spike], tenants: usize) -> Self {
        let mut own: Vec<Vec<Spike>> = vec![Vec::new(); tenants];
        for s in spikes {
            own[s.tenant].push(*s);
        }
        let mut changes = Vec::new();
        let mut span = vec![0..0; tenants];
        let mut order = Vec::new();
        let mut bounds = Vec::new();
        for (t, list) in own.iter().enumerate().filter(|(_, l)| !l.is_empty()) {
            bounds.clear();
            bounds.extend(list.iter().flat_map(|s| [s.start_secs, s.end_secs]));
            bounds.sort_by(f64::total_cmp);
            bounds.dedup();
            let first = changes.len();
            // Between two bounds the same spikes run, so the product at a
            // bound holds until the next one.
            for &at in &bounds {
                order.push((at, t as u32, changes.len() as u32));
                changes.push((at, spike_factor_at(list, t, at)));
            }
            span[t] = first..changes.len();
        }
        order.sort_by(|a, b| a.0.total_cmp(&b.0));
        Self { changes, span, order, next: 0 }
    }

    /// Tenant `t`'s factor at `t_secs`.
    pub fn at(&self, t: usize, t_secs: f64) -> f64 {
        let changes = self.span.get(t).map_or(&[][..], |r| &self.changes[r.clone()]);
        match changes.partition_point(|&(from, _)| from <= t_secs) {
            0 => 1.0,
            k => changes[k - 1].1,
        }
    }

    /// Passes every change up to `t_secs` (later than the last call's) to
    /// `set(tenant, factor)`.
    pub fn advance(&mut self, t_secs: f64, mut set: impl FnMut(usize, f64)) {
        while let Some(&(at, t, k)) = self.order.get(self.next) {
            if at > t_secs {
                break;
            }
            self.next += 1;
            set(t as usize, self.changes[k as usize].1);
        }
    }
}

/// The fraction of each layer's capacity lost over time
/// ([`capacity_lost_at`]), worked out once per start or end of a
/// capacity-loss event and read in time order.
#[derive(Debug, Clone)]
pub struct CapacityLosses {
    /// `(from_secs, lost)` in time order.
    changes: Vec<(f64, [f64; 3])>,
    /// The first change not passed yet.
    next: usize,
    now: [f64; 3],
}

impl CapacityLosses {
    /// The losses of `sc`'s capacity-loss events.
    pub fn new(sc: &Scenario) -> Self {
        let mut bounds: Vec<f64> = sc
            .events
            .iter()
            .filter(|e| matches!(e, Event::CapacityLoss { .. }))
            .flat_map(|e| {
                let (start, end) = e.window_secs();
                [start, end]
            })
            .collect();
        bounds.sort_by(f64::total_cmp);
        bounds.dedup();
        let changes = bounds.into_iter().map(|at| (at, capacity_lost_at(sc, at))).collect();
        Self { changes, next: 0, now: [0.0; 3] }
    }

    /// The losses at `t_secs` (later than the last call's).
    pub fn at(&mut self, t_secs: f64) -> [f64; 3] {
        while let Some(&(at, lost)) = self.changes.get(self.next) {
            if at > t_secs {
                break;
            }
            self.next += 1;
            self.now = lost;
        }
        self.now
    }
}

/// Which spikes run now, and so who is inside another tenant's window.
///
/// The spikes' starts and ends are kept in time order, so a tick costs
/// the changes that fall in it, not a pass over every spike.
#[derive(Debug)]
pub struct Windows {
    /// Every spike of the scenario (each defines a window, whether the
    /// task applies it or not).
    spikes: Vec<Spike>,
    running: Vec<bool>,
    /// Whether each spike is counted as running in the flags.
    counted: Vec<bool>,
    /// Each spike's start and end, `(secs, spike)`, in time order.
    edges: Vec<(f64, u32)>,
    /// The first edge not passed yet.
    next_edge: usize,
    /// Spikes whose state changed since the last [`Windows::recount`].
    changed: Vec<u32>,
    /// Spikes of each tenant running now.
    own_running: Vec<u32>,
    /// Spikes running now.
    running_count: u32,
}

impl Windows {
    /// No window open yet, for a scenario of `tenants` tenants.
    pub fn new(sc: &Scenario) -> Self {
        let spikes = spikes_of(sc, Spikes::All);
        let mut edges: Vec<(f64, u32)> =
            spikes.iter().enumerate().flat_map(|(i, s)| [(s.start_secs, i as u32), (s.end_secs, i as u32)]).collect();
        edges.sort_by(|a, b| a.0.total_cmp(&b.0));
        Self {
            running: vec![false; spikes.len()],
            counted: vec![false; spikes.len()],
            spikes,
            edges,
            next_edge: 0,
            changed: Vec::new(),
            own_running: vec![0; sc.tenants.len()],
            running_count: 0,
        }
    }

    /// True when the scenario has windows to track.
    pub fn tracked(&self) -> bool {
        !self.spikes.is_empty()
    }

    /// The tenants that have a spike (and so a window of their own).
    pub fn spiking(&self, n: usize) -> Vec<bool> {
        let mut spiking = vec![false; n];
        for s in &self.spikes {
            spiking[s.tenant] = true;
        }
        spiking
    }

    /// Notes which spikes run at `t_secs` (later than the last call's);
    /// true when that set changed. The flags stay those of the last tick
    /// until [`Windows::recount`]: what was gathered under them must be
    /// flushed first.
    pub fn advance(&mut self, t_secs: f64) -> bool {
        let mut changed = false;
        while let Some(&(at, i)) = self.edges.get(self.next_edge) {
            if at > t_secs {
                break;
            }
            self.next_edge += 1;
            let i = i as usize;
            let running = self.spikes[i].runs_at(t_secs);
            if running != self.running[i] {
                self.running[i] = running;
                self.changed.push(i as u32);
                changed = true;
            }
        }
        changed
    }

    /// Brings the flags up to the spikes noted by [`Windows::advance`].
    pub fn recount(&mut self) {
        for i in self.changed.drain(..) {
            let i = i as usize;
            let (spike, on) = (&self.spikes[i], self.running[i]);
            // A spike listed twice (changed back) is counted once.
            if on == self.counted[i] {
                continue;
            }
            self.counted[i] = on;
            if on {
                self.running_count += 1;
                self.own_running[spike.tenant] += 1;
            } else {
                self.running_count -= 1;
                self.own_running[spike.tenant] -= 1;
            }
        }
    }

    /// Who is inside another tenant's window now.
    pub fn flags(&self) -> WindowFlags<'_> {
        WindowFlags { track: self.tracked(), running: self.running_count, own_running: &self.own_running }
    }
}

/// Whether tenant `t` is inside another tenant's event window this tick.
#[derive(Debug, Clone, Copy)]
pub struct WindowFlags<'a> {
    track: bool,
    running: u32,
    own_running: &'a [u32],
}

impl WindowFlags<'_> {
    /// Nobody inside another tenant's window (no windows tracked).
    #[cfg(test)]
    pub fn none() -> Self {
        WindowFlags { track: false, running: 0, own_running: &[] }
    }

    /// Each of the first 16 tenants inside another tenant's window.
    #[cfg(test)]
    pub fn everyone() -> Self {
        WindowFlags { track: true, running: 1, own_running: &[0; 16] }
    }

    /// True when tenant `t` is inside another tenant's window.
    #[inline]
    pub fn of(&self, t: usize) -> bool {
        self.track && self.running > self.own_running[t]
    }
}

/// A compute stack's current latency state, as the epochs record it.
#[derive(Debug, Clone, Copy)]
pub struct EpochState {
    /// The latency distribution's key.
    pub key: Key,
    /// Its mean, seconds.
    pub mean_latency_secs: f64,
}

/// Records the fast-tick weight the members of a compute stack gathered
/// since their last flush under the stack's current latency state. With
/// `open_tick`, the current tick's admitted requests are left for
/// the next epoch (the stack's state is about to change); with
/// `close_mean`, their latency sum is brought up to date too.
#[allow(clippy::too_many_arguments)]
pub fn flush_epoch(
    members: &[u32],
    state: EpochState,
    open_tick: bool,
    close_mean: bool,
    tick: u64,
    tenants: &mut Tenants,
    book: &mut LatencyBook<'_>,
    window: &WindowFlags<'_>,
) {
    for &t in members {
        let t = t as usize;
        let inflow = &tenants.inflows[t];
        if !inflow.active {
            continue;
        }
        let totals = &mut tenants.totals[t];
        let mut fast = totals.fast(inflow);
        if open_tick {
            fast -= tenants.now[t].admitted;
        }
        let weight = fast - totals.latency_mark;
        if weight > 0 {
            book.record(t, state.key, weight as f64, window.of(t), tick);
        }
        totals.latency_mark = fast;
        if close_mean {
            tenants.raw[t].latency_sum_secs += (fast - totals.mean_mark) as f64 * state.mean_latency_secs;
            totals.mean_mark = fast;
        }
    }
}

/// Counts the requests each tenant offered while inside another tenant's
/// window since the window last changed.
pub fn close_window(tenants: &mut Tenants, window: &WindowFlags<'_>) {
    if !window.track {
        return;
    }
    for (t, (f, total)) in tenants.inflows.iter().zip(tenants.totals.iter_mut()).enumerate() {
        if f.active && window.of(t) {
            tenants.raw[t].window_offered += (f.offered - total.window_mark) as f64;
        }
        total.window_mark = f.offered;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::model::RetryPolicy;
    use crate::scenario::{Limits, load_str};

    fn scenario(plan: &str, duration: &str) -> Scenario {
        let text = format!(
            r#"Scenario(version: 1, name: "settle", clock: (duration: "{duration}", tick: "1s"),
                tiers: {{ "t": (price_per_month: 1.0, plan: {plan}) }},
                tenants: [ Group(prefix: "x", count: 2, tier: "t", load: (rate: 5.0)) ],
                layers: (
                    gateway: (account_rate: 1000.0, account_burst: 500.0),
                    compute: (service_time: Exponential(mean_ms: 20.0), concurrency: 2, instances: (min: 1, max: 4),
                              autoscale: (target_utilisation: 0.6, evaluation_period: "1m", warmup: "3m"),
                              queue_timeout: "30s"),
                    database: (partitions: 1),
                ),
                designs: [ (name: "pool", placement: {{ "*": Pool }}) ],
                events: [ Spike(tenant: "x-00", at: "20m", duration: "10m", factor: 10.0) ],
            )"#
        );
        match load_str(&text, &Limits::default()) {
            Ok((_, sc)) => sc,
            Err(e) => panic!("{e}"),
        }
    }

    /// Overlapping spikes of three tenants: nested, touching, repeated.
    fn spikes() -> Vec<Spike> {
        let spike = |tenant, start_secs, end_secs, factor| Spike { tenant, start_secs, end_secs, factor };
        vec![
            spike(0, 10.0, 50.0, 3.0),
            spike(1, 0.0, 5.0, 7.0),
            spike(0, 20.0, 30.0, 1.1),
            spike(0, 30.0, 40.0, 0.5),
            spike(2, 12.5, 12.7, 9.0),
            spike(0, 20.0, 30.0, 1.3),
            spike(1, 5.0, 60.0, 2.0),
        ]
    }

    #[test]
    fn spike_factors_read_in_time_order_or_looked_up_are_the_file_order_products() {
        let spikes = spikes();
        let mut swept = SpikeFactors::new(&spikes, 4);
        let mut now = [1.0; 4];
        for tick in 0..700 {
            let t_secs = f64::from(tick) * 0.1;
            swept.advance(t_secs, |t, f| now[t] = f);
            for (t, now) in now.iter().enumerate() {
                let want = spike_factor_at(&spikes, t, t_secs);
                assert_eq!(now.to_bits(), want.to_bits(), "tenant {t} at {t_secs}");
                assert_eq!(swept.at(t, t_secs).to_bits(), want.to_bits(), "tenant {t} at {t_secs}");
            }
        }
    }

    #[test]
    fn windows_swept_in_time_order_flag_who_is_inside_another_tenants_spike() {
        let spikes = spikes();
        let sc = scenario("(rate: 50.0, burst: 200.0)", "1h");
        let mut windows = Windows::new(&sc);
        // The scenario's own spike is replaced by the test's.
        windows = Windows {
            running: vec![false; spikes.len()],
            counted: vec![false; spikes.len()],
            edges: {
                let mut e: Vec<(f64, u32)> = spikes
                    .iter()
                    .enumerate()
                    .flat_map(|(i, s)| [(s.start_secs, i as u32), (s.end_secs, i as u32)])
                    .collect();
                e.sort_by(|a, b| a.0.total_cmp(&b.0));
                e
            },
            spikes: spikes.clone(),
            own_running: vec![0; 4],
            ..windows
        };
        for tick in 0..700 {
            let t_secs = f64::from(tick) * 0.1;
            let running: Vec<bool> = spikes.iter().map(|s| s.runs_at(t_secs)).collect();
            let before: Vec<bool> = spikes.iter().map(|s| tick > 0 && s.runs_at(t_secs - 0.1)).collect();
            assert_eq!(windows.advance(t_secs), running != before, "change at {t_secs}");
            windows.recount();
            for t in 0..4 {
                let others = spikes.iter().zip(&running).any(|(s, &on)| on && s.tenant != t);
                assert_eq!(windows.flags().of(t), others, "tenant {t} at {t_secs}");
            }
        }
    }

    #[test]
    fn a_spike_settles_after_its_queue_autoscaler_and_buckets() {
        let sc = scenario("(rate: 50.0, burst: 200.0)", "1h");
        let spike = sc.spikes()[0];
        // Ends at 1,800 s; then the 30 s timeout, a 3-minute warm-up and
        // three 1-minute evaluations, and the slowest bucket to refill:
        // the plan's 200 requests at 50/s take 4 s (the account's 0.5 s,
        // a partition's burst 1 s).
        assert_eq!(settled_secs(&sc, &spike), 1800.0 + 30.0 + 180.0 + 180.0 + 4.0);
        assert_eq!(baseline_ticks(&sc), 2194);
        assert_eq!(window_ticks(&sc), 1800);
    }

    #[test]
    fn a_retry_budget_the_spike_may_empty_settles_once_it_has_filled_again() {
        // Clients retrying 3 times, 1 s apart, on a budget of one retry in
        // a hundred requests: the spike's retries are over 2 s + 3 × 30 s of
        // queueing after the rest has settled, and an emptied budget of 10
        // retries takes 10 / (0.01 × 5 req/s) = 200 s more to fill again.
        let mut sc = scenario("(rate: 50.0, burst: 200.0)", "1h");
        let retry = RetryPolicy {
            attempts: 3,
            backoff: crate::scenario::model::Backoff::Constant { delay_secs: 1.0 },
            jitter: crate::scenario::model::Jitter::None,
            budget_ratio: None,
            timeout_secs: None,
        };
        sc.tiers[0].retry = Some(retry);
        let spike = sc.spikes()[0];
        let without_budget = 1800.0 + 30.0 + 180.0 + 180.0 + 4.0 + 2.0 + 90.0;
        assert_eq!(settled_secs(&sc, &spike), without_budget);
        sc.tiers[0].retry = Some(RetryPolicy { budget_ratio: Some(0.01), ..retry });
        assert!((settled_secs(&sc, &spike) - (without_budget + 200.0)).abs() < 1e-9);
    }

    #[test]
    fn a_spike_that_may_use_up_a_quota_settles_when_the_quota_period_ends() {
        // A daily quota used up by the spike stays used up for the rest of
        // the day: the baseline runs to the end of a shorter run.
        let sc = scenario("(rate: 50.0, burst: 50.0, quota_per_day: 100000)", "1h");
        assert_eq!(settled_secs(&sc, &sc.spikes()[0]), 86_400.0);
        assert_eq!(baseline_ticks(&sc), sc.clock.ticks);
        // A run of two days: the first day's end.
        let sc = scenario("(rate: 50.0, burst: 50.0, quota_per_day: 100000)", "48h");
        assert_eq!(baseline_ticks(&sc), 86_400);
    }
}
