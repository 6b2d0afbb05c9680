//! A design's figures, described once: what each figure of a
//! [`DesignReport`] is in one replication (its value from that
//! replication's raw results). The same description records a
//! replication's values ([`Figures`] recording) and, once every
//! replication is folded in, builds the report from their estimates
//! (reading), so the two can never disagree on which value is which.
//!
//! Either way the work grows with tenants, stacks and plotted points, so
//! it counts its work through a [`Checkpoint`] and stops with
//! [`RunError::Cancelled`] within a fraction of a millisecond of a cancel.

use crate::report::{
    Band, DesignReport, DesignTotals, Drops, Estimate, Flow, FlowSeries, Impact, Latency, LayerCosts, LayerLatencyMs,
    LayerSeries, MAX_BLAMED, SeriesReport, StackReport, TenantReport, Throttles, TierReport, WindowFigures, WindowSide,
};
use crate::scenario::Scenario;
use crate::scenario::model::{Design, LAYERS};
use crate::sim::cost::{OVERHEAD, QUEUE, months_per_run, steady, total_usd_per_month};
use crate::sim::raw::{FlowRaw, StackRaw, TaskRaw, TenantRaw, figures};
use crate::sim::{Checkpoint, RunError, free_elsewhere};

/// Work of one tenant's figures, in the units of
/// [`crate::sim::task::CHECK_WORK`]: the cancel flag is read every 256
/// tenants (a few hundred microseconds when building the report). A hurt
/// tenant adds one unit per spiking tenant it is checked against.
const TENANT_WORK: u64 = 256;

/// Work of one stack's figures (see [`TENANT_WORK`]).
const STACK_WORK: u64 = 16;

/// [`RunError::Cancelled`], once what the report had built so far is
/// handed to another thread to free (see [`free_elsewhere`]).
fn cancelled<T: Send + 'static>(built: Vec<T>) -> RunError {
    if !built.is_empty() {
        free_elsewhere(built);
    }
    RunError::Cancelled
}

/// How a design's figures are read: recorded for one replication, or read
/// back as their estimates over every replication.
pub(super) trait Figures {
    /// The figure whose value in this replication is `value()`: its
    /// estimate over the replications (a placeholder while recording).
    fn figure(&mut self, value: &dyn Fn() -> f64) -> Estimate;

    /// True when the report is being built: labels, flags and culprits
    /// are only worked out then.
    fn building(&self) -> bool;
}

fn ratio(num: f64, den: f64) -> f64 {
    if den > 0.0 { num / den } else { 0.0 }
}

fn throttled(r: &TenantRaw) -> f64 {
    r.throttled_plan + r.throttled_quota + r.throttled_account + r.throttled_concurrency + r.throttled_queue
}

fn dropped(r: &TenantRaw) -> f64 {
    r.dropped_timeout + r.dropped_partition + r.dropped_connections + r.timed_out_client + r.dead_lettered
}

/// A tenant's requests counted by the per-request engine's give-ups (a
/// client retried, or gave up a request): then a request is unserved when
/// its last attempt failed, not at each failed attempt.
fn counts_give_ups(r: &TenantRaw) -> bool {
    r.retrying || r.retries > 0.0 || r.gave_up > 0.0
}

/// Requests (first attempts; retries are the same requests again).
fn requests(r: &TenantRaw) -> f64 {
    r.offered - r.retries
}

/// Requests that got no answer: their last attempt failed.
fn unserved(r: &TenantRaw) -> f64 {
    if counts_give_ups(r) { r.gave_up } else { throttled(r) + dropped(r) }
}

fn unserved_fraction(r: &TenantRaw) -> f64 {
    ratio(unserved(r), requests(r))
}

fn window_unserved(r: &TenantRaw) -> f64 {
    ratio(r.window_unserved, r.window_offered)
}

/// Requests lost at shared resources (what a neighbour can cause).
fn shared_losses(r: &TenantRaw) -> f64 {
    if counts_give_ups(r) {
        r.gave_up_shared
    } else {
        r.throttled_account + r.throttled_concurrency + r.dropped_timeout + r.dropped_partition + r.dropped_connections
    }
}

/// Counts inside (or, with `inside` false, outside) the windows:
/// (offered, served, unserved).
fn window_counts(r: &TenantRaw, inside: bool) -> [f64; 3] {
    if inside {
        [r.window_offered, r.window_served, r.window_unserved]
    } else {
        [
            requests(r) - r.window_offered,
            (r.served - r.window_served).max(0.0),
            (shared_losses(r) - r.window_unserved).max(0.0),
        ]
    }
}

/// One side of the window figures from one replication's counts
/// (offered, served, unserved) and latencies (mean, p50, p95, p99).
fn window_side(fig: &mut dyn Figures, counts: [f64; 3], latency: [f64; 4]) -> WindowSide {
    WindowSide {
        offered: fig.figure(&|| counts[0]),
        served: fig.figure(&|| counts[1]),
        unserved: fig.figure(&|| counts[2]),
        unserved_fraction: fig.figure(&|| ratio(counts[2], counts[0])),
        latency: Latency {
            mean_ms: fig.figure(&|| latency[0]),
            p50_ms: fig.figure(&|| latency[1]),
            p95_ms: fig.figure(&|| latency[2]),
            p99_ms: fig.figure(&|| latency[3]),
        },
    }
}

/// A tenant's window figures.
fn tenant_windows(fig: &mut dyn Figures, r: &TenantRaw) -> WindowFigures {
    let inside = window_side(fig, window_counts(r, true), r.window_latency_ms.inside);
    let outside = window_side(fig, window_counts(r, false), r.window_latency_ms.outside);
    WindowFigures { inside, outside }
}

/// A tier's window figures.
fn tier_windows(fig: &mut dyn Figures, m: &TaskRaw, tier: usize, members: &[usize]) -> WindowFigures {
    let mut side = |inside: bool| {
        let mut counts = [0.0; 3];
        for &t in members {
            for (sum, c) in counts.iter_mut().zip(window_counts(&m.tenants[t], inside)) {
                *sum += c;
            }
        }
        let latency = match m.tier_window_hist.get(tier) {
            Some(w) if inside => figures(w),
            Some(w) => m.tier_hist[tier].summary(Some(w)),
            None if inside => [0.0; 4],
            None => figures(&m.tier_hist[tier]),
        };
        window_side(fig, counts, latency)
    };
    let inside = side(true);
    let outside = side(false);
    WindowFigures { inside, outside }
}

fn cost(r: &TenantRaw) -> f64 {
    r.cost_usd_per_month.iter().sum()
}

fn slo_met(sc: &Scenario, t: usize, r: &TenantRaw) -> bool {
    let slo = sc.tiers[sc.tenants[t].tier].slo;
    (r.served <= 0.0 || r.p99_ms <= slo.p99_ms)
        && unserved_fraction(r) <= slo.max_unserved_fraction
        && slo.max_message_age_secs.is_none_or(|most| r.longest_wait_secs <= most)
}

/// A tenant is hurt when its p99 inside others' spike windows rose by more
/// than 10 % and 1 ms, or its unserved fraction by 0.5 points.
fn is_hurt(p99_increase_ms: f64, base_p99_ms: f64, unserved_increase: f64) -> bool {
    (p99_increase_ms > 1.0 && p99_increase_ms > 0.1 * base_p99_ms) || unserved_increase > 0.005
}

/// `text` when building the report, else nothing (recording needs no
/// labels).
fn label(fig: &dyn Figures, text: &str) -> String {
    if fig.building() { text.to_owned() } else { String::new() }
}

/// One replication of a design: its run (`main`) and, when the scenario
/// has spikes, its no-spike baseline (`base`).
#[derive(Clone, Copy)]
pub(super) struct Replication<'a> {
    /// The run.
    pub main: &'a TaskRaw,
    /// The baseline.
    pub base: Option<&'a TaskRaw>,
}

impl Replication<'_> {
    /// Tenant `t`'s noisy-neighbour figures against the baseline: p99
    /// increase, unserved increase and the baseline's p99.
    fn impact(&self, t: usize) -> (f64, f64, f64) {
        let m = &self.main.tenants[t];
        let Some(b) = self.base else { return (0.0, 0.0, 0.0) };
        // A spiking tenant against its own baseline; any other against
        // the no-spike one.
        let base = match b.own.iter().find(|(s, _)| *s == t) {
            Some((_, own)) => own.as_deref(),
            None => b.active[t].then(|| &b.tenants[t]),
        };
        match base {
            Some(b) => (m.window_p99_ms - b.window_p99_ms, window_unserved(m) - window_unserved(b), b.window_p99_ms),
            None => (0.0, 0.0, m.window_p99_ms),
        }
    }
}

/// Design `d`'s report, each figure read through `fig` from replication
/// `rep` (when recording, that replication's values; when building, any
/// replication: only the layout is read from it).
///
/// # Errors
/// Occurs when the run is cancelled (read through `check`).
pub(super) fn design_report(
    sc: &Scenario,
    d: usize,
    rep: Replication<'_>,
    fig: &mut dyn Figures,
    check: &mut Checkpoint<'_>,
) -> Result<DesignReport, RunError> {
    let main = rep.main;
    // The run without spikes over its whole length (the run itself when
    // there are none); incident costs are over the run, unscaled.
    let steady_run = rep.base.map(|b| steady(sc, &sc.designs[d], main, b));
    let steady = steady_run.as_ref().unwrap_or(main);
    // Figures are read in this order: tenants, totals, tiers, stacks, series.
    let tenants = tenant_reports(sc, d, rep, steady, fig, check)?;
    let totals = totals(sc, rep, steady, fig);
    let tiers = match tiers(sc, rep, steady, fig, check) {
        Ok(tiers) => tiers,
        Err(_) => return Err(cancelled(tenants)),
    };
    let stacks = match stacks(sc, d, main, fig, check) {
        Ok(stacks) => stacks,
        Err(_) => return Err(cancelled(tenants)),
    };
    let series = match series(sc, &sc.designs[d], main, fig, check) {
        Ok(series) => series,
        Err(_) => return Err(cancelled(tenants)),
    };
    Ok(DesignReport { name: label(fig, &sc.designs[d].name), totals, tenants, tiers, stacks, series })
}

/// Every tenant's figures of design `d` (the reports only when building).
#[allow(clippy::too_many_lines)]
fn tenant_reports(
    sc: &Scenario,
    d: usize,
    rep: Replication<'_>,
    steady: &TaskRaw,
    fig: &mut dyn Figures,
    check: &mut Checkpoint<'_>,
) -> Result<Vec<TenantReport>, RunError> {
    let design = &sc.designs[d];
    let main = rep.main;
    let n = sc.tenants.len();
    let has_base = rep.base.is_some();
    let months = months_per_run(sc);
    let building = fig.building();
    let spikers = if building { sc.spiking_tenants() } else { Vec::new() };
    let judged_without_any_spike =
        if building { crate::sim::windows::own_baselines(sc, design).beyond } else { Vec::new() };
    let mut tenants = Vec::with_capacity(if building { n } else { 0 });
    // The means the gateway and the database add to a served request, ms;
    // with a queue layer, compute's part is its service and the rest of
    // what is not the gateway's or the database's is time in the queue.
    let LayerSplit { gateway_ms, database_ms, service_ms, .. } = LayerSplit::of(sc);
    for (t, tenant) in sc.tenants.iter().enumerate() {
        let r = &main.tenants[t];
        let impact = rep.impact(t);
        let p99_increase = fig.figure(&|| impact.0);
        let unserved_increase = fig.figure(&|| impact.1);
        let base_p99 = fig.figure(&|| impact.2);
        let hurt = building && has_base && is_hurt(p99_increase.mean, base_p99.mean, unserved_increase.mean);
        let (blamed, blamed_not_listed) = if hurt { blamed(sc, d, t, &spikers) } else { (Vec::new(), 0) };
        let price = sc.tiers[tenant.tier].price_usd_per_month;
        let mut report = TenantReport {
            id: label(fig, &tenant.id),
            tier: label(fig, &sc.tiers[tenant.tier].name),
            stacks: if building {
                LAYERS
                    .iter()
                    .filter_map(|l| {
                        let topo = &design.layers[l.index()];
                        topo.stack_of_tenant.get(t).map(|&s| topo.stacks[s as usize].label.clone())
                    })
                    .collect()
            } else {
                Vec::new()
            },
            offered: fig.figure(&|| r.offered),
            admitted: fig.figure(&|| r.admitted),
            throttled: Throttles {
                plan: fig.figure(&|| r.throttled_plan),
                quota: fig.figure(&|| r.throttled_quota),
                account: fig.figure(&|| r.throttled_account),
                concurrency: fig.figure(&|| r.throttled_concurrency),
                queue: fig.figure(&|| r.throttled_queue),
                total: fig.figure(&|| throttled(r)),
            },
            dropped: Drops {
                timeout: fig.figure(&|| r.dropped_timeout),
                partition: fig.figure(&|| r.dropped_partition),
                connections: fig.figure(&|| r.dropped_connections),
                client: fig.figure(&|| r.timed_out_client),
                dead_letter: fig.figure(&|| r.dead_lettered),
                total: fig.figure(&|| dropped(r)),
            },
            served: fig.figure(&|| r.served),
            in_flight: fig.figure(&|| r.in_flight),
            latency: Latency {
                mean_ms: fig.figure(&|| ratio(r.latency_sum_secs, r.served) * 1e3),
                p50_ms: fig.figure(&|| r.p50_ms),
                p95_ms: fig.figure(&|| r.p95_ms),
                p99_ms: fig.figure(&|| r.p99_ms),
            },
            unserved_fraction: fig.figure(&|| unserved_fraction(r)),
            slo_met: fig.figure(&|| f64::from(u8::from(slo_met(sc, t, r)))),
            cost_usd_per_month: fig.figure(&|| cost(r)),
            cost_by_layer: LayerCosts {
                gateway: fig.figure(&|| r.cost_usd_per_month[0]),
                compute: fig.figure(&|| r.cost_usd_per_month[1]),
                database: fig.figure(&|| r.cost_usd_per_month[2]),
                overhead: fig.figure(&|| r.cost_usd_per_month[OVERHEAD]),
                queue: fig.figure(&|| r.cost_usd_per_month[QUEUE]),
            },
            steady_cost_usd_per_month: fig.figure(&|| cost(&steady.tenants[t])),
            incident_cost_usd: fig.figure(&|| (cost(r) - cost(&steady.tenants[t])) * months),
            revenue_usd_per_month: price,
            margin_usd_per_month: fig.figure(&|| price - cost(r)),
            impact: Impact {
                p99_increase_ms: p99_increase,
                unserved_increase,
                hurt,
                blamed,
                blamed_not_listed,
                own_spikes_counted: judged_without_any_spike.contains(&t),
            },
            windows: tenant_windows(fig, r),
            cold_starts: fig.figure(&|| r.cold_starts),
            invocations: fig.figure(&|| invocations(sc, r)),
            retries: fig.figure(&|| r.retries),
            wasted_work: fig.figure(&|| ratio(r.wasted_busy_secs, r.compute_busy_secs)),
            redelivered: fig.figure(&|| r.redelivered),
            duplicates: fig.figure(&|| r.duplicates),
            oldest_message_ms: fig.figure(&|| if sc.queue.is_some() { r.longest_wait_secs * 1e3 } else { 0.0 }),
            latency_by_layer: LayerLatencyMs::default(),
        };
        // A relational database's time varies with its load: measured.
        let database_ms = if sc.relational.is_some() {
            fig.figure(&|| ratio(r.relational_secs, r.served) * 1e3).mean
        } else {
            database_ms
        };
        // A batch's processing of the other messages is the function's
        // time, not the queue's.
        let service_ms = service_ms.map(|ms| ms + fig.figure(&|| ratio(r.batched_secs, r.served) * 1e3).mean);
        report.latency_by_layer = layer_means(&report.latency.mean_ms, gateway_ms, database_ms, service_ms);
        if building {
            tenants.push(report);
        }
        if check.cancelled(TENANT_WORK + if hurt { spikers.len() as u64 } else { 0 }) {
            return Err(cancelled(tenants));
        }
    }
    Ok(tenants)
}

/// A tenant's mean latency by layer from its mean: the gateway's and the
/// database's own means (when it had requests served), and the rest as
/// compute's (with, for a request that was retried, its failed attempts
/// and backoffs). With a queue layer (`service_ms`: compute's mean service
/// time), compute's part is its service and the rest is time in the
/// queue: a request's wait does not depend on its own service time, so
/// the served requests' mean service is the distribution's.
fn layer_means(mean: &Estimate, gateway_ms: f64, database_ms: f64, service_ms: Option<f64>) -> LayerLatencyMs {
    if mean.mean <= 0.0 {
        return LayerLatencyMs::default();
    }
    let [gateway, queue, compute, database] = split_ms(mean.mean, gateway_ms, database_ms, service_ms);
    let exact = |ms: f64| Estimate { mean: ms, ci95: 0.0 };
    // The rest's uncertainty is the mean's.
    let rest = |ms: f64| Estimate { mean: ms, ci95: mean.ci95 };
    match service_ms {
        None => LayerLatencyMs {
            gateway_ms: exact(gateway),
            compute_ms: rest(compute),
            database_ms: exact(database),
            queue_ms: exact(queue),
        },
        Some(_) => LayerLatencyMs {
            gateway_ms: exact(gateway),
            queue_ms: rest(queue),
            compute_ms: exact(compute),
            database_ms: exact(database),
        },
    }
}

/// A mean latency of `mean_ms` split by layer (gateway, queue, compute,
/// database), as [`layer_means`] explains.
fn split_ms(mean_ms: f64, gateway_ms: f64, database_ms: f64, service_ms: Option<f64>) -> [f64; 4] {
    let rest = (mean_ms - gateway_ms - database_ms).max(0.0);
    match service_ms {
        None => [gateway_ms, 0.0, rest, database_ms],
        Some(service_ms) => [gateway_ms, (rest - service_ms).max(0.0), service_ms.min(rest), database_ms],
    }
}

/// What a design's latency series are split by: the gateway's and the
/// key-value database's means, compute's mean service with a queue layer,
/// and whether a relational database's time is measured.
#[derive(Debug, Clone, Copy)]
struct LayerSplit {
    gateway_ms: f64,
    database_ms: f64,
    service_ms: Option<f64>,
    relational: bool,
    /// The scenario has a queue layer (each flow's series then has its
    /// queue depth).
    queued: bool,
}

impl LayerSplit {
    fn of(sc: &Scenario) -> Self {
        Self {
            gateway_ms: sc.gateway.as_ref().and_then(|g| g.latency).map_or(0.0, |l| l.mean_secs() * 1e3),
            database_ms: sc.database.as_ref().and_then(|d| d.latency).map_or(0.0, |l| l.mean_secs() * 1e3),
            service_ms: sc.queue.as_ref().map(|_| sc.compute.service.mean_secs() * 1e3),
            relational: sc.relational.is_some(),
            queued: sc.queue.is_some(),
        }
    }

    /// True when a layer other than compute adds latency (else the series
    /// are not split).
    fn layered(&self) -> bool {
        self.gateway_ms > 0.0 || self.database_ms > 0.0 || self.service_ms.is_some() || self.relational
    }

    /// One replication's mean latency by layer in each point of `raw`
    /// (points of `secs` seconds): `[layer][point]`.
    fn columns(&self, raw: &FlowRaw, secs: &[f64]) -> [Vec<f64>; 4] {
        let served = raw.flow(Flow::Served);
        let mut columns: [Vec<f64>; 4] = std::array::from_fn(|_| vec![0.0; served.len()]);
        for p in 0..served.len() {
            let count = served[p] * secs.get(p).copied().unwrap_or(0.0);
            if count <= 0.0 {
                continue;
            }
            let mean_ms = raw.latency_secs.get(p).copied().unwrap_or(0.0) / count * 1e3;
            let database_ms = if self.relational {
                raw.database_secs.get(p).copied().unwrap_or(0.0) / count * 1e3
            } else {
                self.database_ms
            };
            // A batch's processing of other messages is the function's time.
            let batched_ms = raw.batched_secs.get(p).copied().unwrap_or(0.0) / count * 1e3;
            let service_ms = self.service_ms.map(|ms| ms + batched_ms);
            let split = split_ms(mean_ms, self.gateway_ms, database_ms, service_ms);
            for (column, ms) in columns.iter_mut().zip(split) {
                column[p] = ms;
            }
        }
        columns
    }
}

/// The spiking tenants that share a stack with tenant `t` in design `d`:
/// the first [`MAX_BLAMED`] in the order of their first spike in the
/// file, and how many more there are.
fn blamed(sc: &Scenario, d: usize, t: usize, spikers: &[usize]) -> (Vec<String>, u64) {
    let design = &sc.designs[d];
    let shares_stack = |a: usize, b: usize| {
        design
            .layers
            .iter()
            .any(|topo| !topo.stack_of_tenant.is_empty() && topo.stack_of_tenant[a] == topo.stack_of_tenant[b])
    };
    let mut culprits = spikers.iter().filter(|&&s| s != t && shares_stack(s, t));
    let named = culprits.by_ref().take(MAX_BLAMED).map(|&s| sc.tenants[s].id.clone()).collect();
    (named, culprits.count() as u64)
}

/// Tenant `r`'s share of the functions' executions: a request or message
/// processed alone is one, each message of a batch of k is 1/k (none on
/// instances).
fn invocations(sc: &Scenario, r: &TenantRaw) -> f64 {
    if sc.compute.functions.is_none() { 0.0 } else { crate::sim::cost::receives(sc, r) }
}

fn totals(sc: &Scenario, rep: Replication<'_>, steady: &TaskRaw, fig: &mut dyn Figures) -> DesignTotals {
    let (m, n) = (rep.main, sc.tenants.len());
    let has_base = rep.base.is_some();
    let months = months_per_run(sc);
    let revenue: f64 = sc.tenants.iter().map(|t| sc.tiers[t.tier].price_usd_per_month).sum();
    let stack_total = total_usd_per_month;
    let sum_tenants = |f: &dyn Fn(&TenantRaw) -> f64| m.tenants.iter().map(f).sum::<f64>();
    DesignTotals {
        cost_usd_per_month: fig.figure(&|| stack_total(m)),
        unallocated_usd_per_month: fig.figure(&|| m.stacks.iter().flatten().map(|s| s.unallocated_usd_per_month).sum()),
        revenue_usd_per_month: revenue,
        margin_usd_per_month: fig.figure(&|| revenue - stack_total(m)),
        mean_cost_per_tenant_usd_per_month: fig.figure(&|| sum_tenants(&cost) / n as f64),
        worst_cost_per_tenant_usd_per_month: fig.figure(&|| m.tenants.iter().map(cost).fold(0.0, f64::max)),
        offered: fig.figure(&|| sum_tenants(&|r| r.offered)),
        throttled: fig.figure(&|| sum_tenants(&throttled)),
        dropped: fig.figure(&|| sum_tenants(&dropped)),
        served: fig.figure(&|| sum_tenants(&|r| r.served)),
        throttled_fraction: fig.figure(&|| ratio(sum_tenants(&throttled), sum_tenants(&|r| r.offered))),
        unserved_fraction: fig.figure(&|| ratio(sum_tenants(&unserved), sum_tenants(&requests))),
        slo_met_fraction: fig
            .figure(&|| m.tenants.iter().enumerate().filter(|(t, r)| slo_met(sc, *t, r)).count() as f64 / n as f64),
        worst_p99_ms: fig.figure(&|| m.tenants.iter().map(|r| r.p99_ms).fold(0.0, f64::max)),
        tenants_hurt: fig.figure(&|| {
            (0..n)
                .filter(|&t| {
                    let (p, u, b) = rep.impact(t);
                    has_base && is_hurt(p, b, u)
                })
                .count() as f64
        }),
        worst_impact_p99_increase_ms: fig.figure(&|| (0..n).map(|t| rep.impact(t).0).fold(0.0, f64::max)),
        steady_cost_usd_per_month: fig.figure(&|| stack_total(steady)),
        incident_cost_usd: fig.figure(&|| {
            m.stacks
                .iter()
                .flatten()
                .zip(steady.stacks.iter().flatten())
                .map(|(a, b)| (a.cost_usd_per_month - b.cost_usd_per_month) * months)
                .sum::<f64>()
                + m.tenants
                    .iter()
                    .zip(&steady.tenants)
                    .map(|(a, b)| (a.cost_usd_per_month[QUEUE] - b.cost_usd_per_month[QUEUE]) * months)
                    .sum::<f64>()
        }),
        cold_starts: fig.figure(&|| sum_tenants(&|r| r.cold_starts)),
        invocations: fig.figure(&|| sum_tenants(&|r| invocations(sc, r))),
        retries: fig.figure(&|| sum_tenants(&|r| r.retries)),
        wasted_work_fraction: fig
            .figure(&|| ratio(sum_tenants(&|r| r.wasted_busy_secs), sum_tenants(&|r| r.compute_busy_secs))),
        redelivered: fig.figure(&|| sum_tenants(&|r| r.redelivered)),
        duplicates: fig.figure(&|| sum_tenants(&|r| r.duplicates)),
        dead_lettered: fig.figure(&|| sum_tenants(&|r| r.dead_lettered)),
        dropped_connections: fig.figure(&|| sum_tenants(&|r| r.dropped_connections)),
    }
}

fn tiers(
    sc: &Scenario,
    rep: Replication<'_>,
    steady: &TaskRaw,
    fig: &mut dyn Figures,
    check: &mut Checkpoint<'_>,
) -> Result<Vec<TierReport>, RunError> {
    let (m, n) = (rep.main, sc.tenants.len());
    let months = months_per_run(sc);
    let mut members_of: Vec<Vec<usize>> = vec![Vec::new(); sc.tiers.len()];
    for t in 0..n {
        members_of[sc.tenants[t].tier].push(t);
    }
    let mut tiers = Vec::with_capacity(sc.tiers.len());
    for (k, (tier, members)) in sc.tiers.iter().zip(&members_of).enumerate() {
        let tier_revenue = tier.price_usd_per_month * members.len() as f64;
        let tier_cost = |m: &TaskRaw| members.iter().map(|&t| cost(&m.tenants[t])).sum::<f64>();
        tiers.push(TierReport {
            name: label(fig, &tier.name),
            tenants: members.len(),
            cost_usd_per_month: fig.figure(&|| tier_cost(m)),
            steady_cost_usd_per_month: fig.figure(&|| tier_cost(steady)),
            incident_cost_usd: fig
                .figure(&|| members.iter().map(|&t| (cost(&m.tenants[t]) - cost(&steady.tenants[t])) * months).sum()),
            revenue_usd_per_month: tier_revenue,
            margin_usd_per_month: fig.figure(&|| tier_revenue - tier_cost(m)),
            p99_ms: fig.figure(&|| m.tier_p99_ms[k]),
            slo_met_fraction: fig.figure(&|| {
                ratio(members.iter().filter(|&&t| slo_met(sc, t, &m.tenants[t])).count() as f64, members.len() as f64)
            }),
            unserved_fraction: fig.figure(&|| {
                let un: f64 = members.iter().map(|&t| unserved(&m.tenants[t])).sum();
                let off: f64 = members.iter().map(|&t| requests(&m.tenants[t])).sum();
                ratio(un, off)
            }),
            windows: tier_windows(fig, m, k, members),
        });
        // Each figure visits the tier's members.
        if check.cancelled(members.len() as u64) {
            return Err(RunError::Cancelled);
        }
    }
    Ok(tiers)
}

fn stacks(
    sc: &Scenario,
    d: usize,
    m: &TaskRaw,
    fig: &mut dyn Figures,
    check: &mut Checkpoint<'_>,
) -> Result<Vec<StackReport>, RunError> {
    let design = &sc.designs[d];
    let mut stacks = Vec::new();
    for layer in LAYERS {
        let li = layer.index();
        for (s, stack) in design.layers[li].stacks.iter().enumerate() {
            let r: &StackRaw = &m.stacks[li][s];
            let report = StackReport {
                layer: label(fig, layer.label()),
                label: label(fig, &stack.label),
                tenants: stack.tenants.len(),
                utilisation: fig.figure(&|| {
                    let used = if li == 2 && sc.relational.is_none() {
                        r.read_units + r.write_units
                    } else if li == 0 {
                        r.requests
                    } else {
                        r.busy_secs
                    };
                    ratio(used, r.capacity_secs)
                }),
                mean_instances: fig.figure(&|| r.active_instance_secs / sc.clock.duration_secs),
                peak_instances: fig.figure(&|| r.peak_instances),
                cost_usd_per_month: fig.figure(&|| r.cost_usd_per_month),
            };
            if fig.building() {
                stacks.push(report);
            }
            if check.cancelled(STACK_WORK) {
                return Err(cancelled(stacks));
            }
        }
    }
    Ok(stacks)
}

/// A series point by point, each point a figure.
fn band(fig: &mut dyn Figures, column: &[f64]) -> Band {
    let building = fig.building();
    let points = if building { column.len() } else { 0 };
    let mut band = Band { mean: Vec::with_capacity(points), ci95: Vec::with_capacity(points) };
    for &value in column {
        let e = fig.figure(&|| value);
        if building {
            band.mean.push(e.mean);
            band.ci95.push(e.ci95);
        }
    }
    band
}

fn flow(fig: &mut dyn Figures, name: &str, raw: &FlowRaw, (split, secs): (&LayerSplit, &[f64])) -> FlowSeries {
    let flows = Flow::ALL.map(|f| band(fig, raw.flow(f)));
    let p99 = band(fig, &raw.p99_ms);
    // With a queue layer every waiting request is a message in a queue.
    let queue_depth = if split.queued { band(fig, &raw.waiting) } else { Band::default() };
    if !split.layered() {
        return FlowSeries { queue_depth, ..FlowSeries::new(label(fig, name), flows, p99) };
    }
    let [gateway, queue, compute, database] = split.columns(raw, secs);
    let latency_by_layer = LayerSeries {
        gateway_ms: band(fig, &gateway),
        queue_ms: band(fig, &queue),
        compute_ms: band(fig, &compute),
        database_ms: band(fig, &database),
    };
    FlowSeries { latency_by_layer, queue_depth, ..FlowSeries::new(label(fig, name), flows, p99) }
}

fn series(
    sc: &Scenario,
    design: &Design,
    m: &TaskRaw,
    fig: &mut dyn Figures,
    check: &mut Checkpoint<'_>,
) -> Result<SeriesReport, RunError> {
    let interval = m.ticks_per_point as f64 * sc.clock.tick_secs;
    let layers = LayerSplit::of(sc);
    // A flow's work: its points, one per band.
    let bands = Flow::ALL.len() + 1 + if layers.layered() { 4 } else { 0 } + usize::from(layers.queued);
    let work = bands as u64 * m.point_ticks.len() as u64;
    let secs: Vec<f64> = m.point_ticks.iter().map(|&ticks| ticks as f64 * sc.clock.tick_secs).collect();
    let split = (&layers, secs.as_slice());
    let total = flow(fig, "all", &m.total, split);
    let mut tiers = Vec::with_capacity(sc.tiers.len());
    for (k, t) in sc.tiers.iter().enumerate() {
        tiers.push(flow(fig, &t.name, &m.tiers[k], split));
        if check.cancelled(work) {
            return Err(RunError::Cancelled);
        }
    }
    let instances = band(fig, &m.instances);
    let utilisation = band(fig, &m.utilisation);
    let queue_depth = band(fig, &m.waiting);
    let oldest_message_secs = band(fig, &m.oldest_secs);
    let db_connections = band(fig, &m.db_connections);
    let db_utilisation = band(fig, &m.db_utilisation);
    let mut tenants = Vec::with_capacity(m.focus.len());
    for (t, raw) in &m.focus {
        tenants.push(flow(fig, &sc.tenants[*t].id, raw, split));
        if check.cancelled(work) {
            return Err(RunError::Cancelled);
        }
    }
    Ok(SeriesReport {
        t_secs: if fig.building() {
            (0..m.point_ticks.len()).map(|p| p as f64 * interval).collect()
        } else {
            Vec::new()
        },
        interval_secs: interval,
        total,
        tiers,
        instances,
        utilisation,
        queue_depth,
        oldest_message_secs,
        db_connections,
        db_utilisation,
        db_connection_limit: sc.relational.as_ref().map_or(0.0, |r| {
            design.layers[crate::scenario::model::Layer::Database.index()]
                .stacks
                .iter()
                .map(|s| f64::from(r.connections_for(s.tenants.len())))
                .sum()
        }),
        tenants,
    })
}
