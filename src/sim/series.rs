//! Time series of one task: each tier's, each focus tenant's and the
//! total's flows and p99 per series point (at most [`MAX_SERIES_POINTS`]
//! points, each a whole number of ticks).

use crate::sim::compute::StackSeries;
use crate::sim::latency::{LatencyBook, Mixture};
use crate::sim::raw::FlowRaw;
use crate::sim::tenants::Tenants;

/// Most points in a time series.
pub const MAX_SERIES_POINTS: u64 = 360;

/// A tenant's running totals when the current series point began.
#[derive(Debug, Clone, Copy, Default)]
struct PointStart {
    offered: i64,
    admitted: i64,
    served: f64,
    dropped: f64,
    /// Latency of its served requests, summed, seconds.
    latency_secs: f64,
}

/// The series a task records.
#[derive(Debug)]
pub struct Series {
    ticks: u64,
    /// Ticks per point (the last point may have fewer).
    pub ticks_per_point: u64,
    /// Number of points.
    pub points: usize,
    next_point_tick: u64,
    /// Ticks simulated in each point.
    point_ticks: Vec<u64>,
    tiers: Vec<FlowRaw>,
    total: FlowRaw,
    /// Each tenant's index among the focus tenants.
    focus_of: Vec<Option<usize>>,
    focus: Vec<usize>,
    focus_flows: Vec<FlowRaw>,
    point_start: Vec<PointStart>,
    /// Each point's latency weights per tier, when kept.
    mixtures: Vec<Vec<Mixture>>,
    keep_mixtures: bool,
}

/// The finished series of a task.
#[derive(Debug)]
pub struct FinishedSeries {
    /// Ticks per point.
    pub ticks_per_point: u64,
    /// Ticks simulated in each point.
    pub point_ticks: Vec<u64>,
    /// Each tier's flows, per second.
    pub tiers: Vec<FlowRaw>,
    /// The total's flows, per second.
    pub total: FlowRaw,
    /// Each focus tenant's flows, per second.
    pub focus: Vec<(usize, FlowRaw)>,
    /// Mean active instances per point.
    pub instances: Vec<f64>,
    /// Utilisation per point.
    pub utilisation: Vec<f64>,
    /// Busy server-seconds per point.
    pub busy_secs: Vec<f64>,
    /// Server-seconds of capacity per point.
    pub capacity_secs: Vec<f64>,
    /// Requests waiting for a server at each point's end.
    pub waiting: Vec<f64>,
    /// Age of the oldest of them, seconds.
    pub oldest_secs: Vec<f64>,
    /// Each point's latency weights per tier (a part of a design only).
    pub tier_mixtures: Vec<Vec<Mixture>>,
}

impl Series {
    /// Empty series of a run of `ticks` ticks for `n` tenants in `tiers`
    /// tiers, with `focus` tenants' own, in at most `most_points` points;
    /// `keep_mixtures` keeps each point's latency weights per tier (for
    /// merging parts).
    pub fn new(ticks: u64, tiers: usize, n: usize, focus: &[usize], keep_mixtures: bool, most_points: u64) -> Self {
        let ticks_per_point = ticks.div_ceil(most_points.min(ticks).max(1));
        let points = ticks.div_ceil(ticks_per_point) as usize;
        let mut focus_of = vec![None; n];
        for (k, &t) in focus.iter().enumerate() {
            if t < n {
                focus_of[t] = Some(k);
            }
        }
        Self {
            ticks,
            ticks_per_point,
            points,
            next_point_tick: ticks_per_point,
            point_ticks: vec![0; points],
            tiers: (0..tiers).map(|_| FlowRaw::new(points)).collect(),
            total: FlowRaw::new(points),
            focus_of,
            focus: focus.to_vec(),
            focus_flows: focus.iter().map(|_| FlowRaw::new(points)).collect(),
            point_start: vec![PointStart::default(); n],
            mixtures: Vec::new(),
            keep_mixtures,
        }
    }

    /// Starts a tick: the point it belongs to.
    pub fn begin_tick(&mut self) -> usize {
        let point = (self.next_point_tick / self.ticks_per_point - 1) as usize;
        self.point_ticks[point] += 1;
        point
    }

    /// True when `tick` is the last of its point (or of the run); moves
    /// on to the next point.
    pub fn ends_point(&mut self, tick: u64) -> bool {
        if tick + 1 == self.ticks || tick + 1 == self.next_point_tick {
            self.next_point_tick += self.ticks_per_point;
            true
        } else {
            false
        }
    }

    /// Ends point `point`: adds each of `active` tenants' counts and
    /// latency since the point began to its tier's (and its own) series,
    /// and reads the point's p99 from the latency book. `pending(t)` is
    /// the latency of tenant `t`'s requests served but not yet in its
    /// latency sum; every served request also has `layers_secs` of the
    /// other layers' (added to the sums when the task finishes);
    /// `waiting(t)` is how many of its requests wait for compute now.
    pub fn end_point(
        &mut self,
        point: usize,
        (active, tenants): (&[usize], &Tenants),
        (pending, layers_secs, waiting): (impl Fn(usize) -> f64, f64, impl Fn(usize) -> f64),
        book: &mut LatencyBook<'_>,
    ) {
        for &t in active {
            let tier = tenants.inflows[t].tier;
            let (inflow, totals, raw) = (&tenants.inflows[t], &tenants.totals[t], &tenants.raw[t]);
            let served = raw.served + totals.fast(inflow) as f64;
            let now = PointStart {
                offered: inflow.offered,
                admitted: inflow.plan_admitted - totals.throttled_account - totals.throttled_concurrency,
                served,
                dropped: raw.dropped_timeout + raw.dropped_partition + raw.dropped_connections,
                latency_secs: raw.latency_sum_secs + pending(t) + served * layers_secs,
            };
            let start = std::mem::replace(&mut self.point_start[t], now);
            let offered = (now.offered - start.offered) as f64;
            let admitted = (now.admitted - start.admitted) as f64;
            let served = now.served - start.served;
            let dropped = now.dropped - start.dropped;
            let flows = [Some(&mut self.tiers[tier]), self.focus_of[t].map(|k| &mut self.focus_flows[k])];
            let latency_secs = now.latency_secs - start.latency_secs;
            let waiting = waiting(t);
            for flow in flows.into_iter().flatten() {
                flow.add(point, offered, admitted, served, dropped);
                flow.latency_secs[point] += latency_secs;
                flow.waiting[point] += waiting;
            }
            if let Some((k, p99)) = book.end_point(t) {
                self.focus_flows[k].p99_ms[point] = p99;
            }
        }
        if self.keep_mixtures {
            self.mixtures.push(book.tier_mixtures());
        }
        let tiers = &mut self.tiers;
        self.total.p99_ms[point] = book.end_point_of_tiers(|tier, p99| tiers[tier].p99_ms[point] = p99);
    }

    /// Turns the sums into rates per second (over ticks of `dt` seconds)
    /// and adds the compute stacks' series.
    pub fn finish(self, dt: f64, mut stacks: StackSeries) -> FinishedSeries {
        let Self { point_ticks, mut tiers, mut total, focus, mut focus_flows, mixtures, ticks_per_point, .. } = self;
        for p in 0..point_ticks.len() {
            if point_ticks[p] == 0 {
                // Past the end of a baseline: nothing was simulated.
                continue;
            }
            let secs = point_ticks[p] as f64 * dt;
            for flow in tiers.iter_mut().chain(focus_flows.iter_mut()) {
                for series in &mut flow.flows {
                    series[p] /= secs;
                }
            }
            for flow in &tiers {
                for (sum, series) in total.flows.iter_mut().zip(&flow.flows) {
                    sum[p] += series[p];
                }
            }
            stacks.instances[p] /= point_ticks[p] as f64;
        }
        for flow in &tiers {
            total.add_sums(flow);
        }
        let utilisation = stacks
            .busy
            .iter()
            .zip(&stacks.capacity)
            .map(|(&busy, &capacity)| if capacity > 0.0 { busy / capacity } else { 0.0 })
            .collect();
        FinishedSeries {
            ticks_per_point,
            point_ticks,
            tiers,
            total,
            focus: focus.into_iter().zip(focus_flows).collect(),
            instances: stacks.instances,
            utilisation,
            busy_secs: stacks.busy,
            capacity_secs: stacks.capacity,
            waiting: stacks.waiting,
            oldest_secs: stacks.oldest_secs,
            tier_mixtures: mixtures,
        }
    }
}
