//! Reduction of per-task raw results into the [`RunReport`]: replication
//! values become estimates (mean and 95 % CI), summed in replication order
//! so the report does not depend on which thread ran what.

use crate::report::{
    Band, DesignReport, DesignTotals, Drops, Estimate, EventWindow, Flow, FlowSeries, Impact, Latency, LayerCosts,
    REPORT_SCHEMA_VERSION, RunReport, SeriesReport, StackReport, TenantReport, Throttles, TierReport, WindowFigures,
    WindowSide,
};
use crate::scenario::Scenario;
use crate::scenario::model::{Engine, Event, LAYERS};
use crate::sim::cost::{OVERHEAD, months_per_run, steady};
use rayon::prelude::*;

use crate::sim::raw::{FlowRaw, TaskRaw, TenantRaw, figures};

fn est(values: impl Iterator<Item = f64>) -> Estimate {
    let v: Vec<f64> = values.collect();
    Estimate::from_samples(&v)
}

fn ratio(num: f64, den: f64) -> f64 {
    if den > 0.0 { num / den } else { 0.0 }
}

fn throttled(r: &TenantRaw) -> f64 {
    r.throttled_plan + r.throttled_quota + r.throttled_account
}

fn dropped(r: &TenantRaw) -> f64 {
    r.dropped_timeout + r.dropped_partition
}

fn unserved_fraction(r: &TenantRaw) -> f64 {
    ratio(throttled(r) + dropped(r), r.offered)
}

fn window_unserved(r: &TenantRaw) -> f64 {
    ratio(r.window_unserved, r.window_offered)
}

/// Requests lost at shared resources (what a neighbour can cause).
fn shared_losses(r: &TenantRaw) -> f64 {
    r.throttled_account + r.dropped_timeout + r.dropped_partition
}

/// Counts inside (or, with `inside` false, outside) the windows:
/// (offered, served, unserved).
fn window_counts(r: &TenantRaw, inside: bool) -> [f64; 3] {
    if inside {
        [r.window_offered, r.window_served, r.window_unserved]
    } else {
        [
            r.offered - r.window_offered,
            (r.served - r.window_served).max(0.0),
            (shared_losses(r) - r.window_unserved).max(0.0),
        ]
    }
}

/// One replication's counts (offered, served, unserved) and latencies
/// (mean, p50, p95, p99) on one side of the windows.
type WindowRep = ([f64; 3], [f64; 4]);

/// One side of the window figures from per-replication counts and
/// latencies (mean, p50, p95, p99).
fn window_side(reps: &[WindowRep]) -> WindowSide {
    let pick = |f: &dyn Fn(&WindowRep) -> f64| est(reps.iter().map(f));
    WindowSide {
        offered: pick(&|(c, _)| c[0]),
        served: pick(&|(c, _)| c[1]),
        unserved: pick(&|(c, _)| c[2]),
        unserved_fraction: pick(&|(c, _)| ratio(c[2], c[0])),
        latency: Latency {
            mean_ms: pick(&|(_, l)| l[0]),
            p50_ms: pick(&|(_, l)| l[1]),
            p95_ms: pick(&|(_, l)| l[2]),
            p99_ms: pick(&|(_, l)| l[3]),
        },
    }
}

/// A tenant's window figures over the replications.
fn tenant_windows(main: &[TaskRaw], t: usize) -> WindowFigures {
    let side = |inside: bool| {
        let reps: Vec<WindowRep> = main
            .iter()
            .map(|m| {
                let r = &m.tenants[t];
                let latency = if inside { r.window_latency_ms.inside } else { r.window_latency_ms.outside };
                (window_counts(r, inside), latency)
            })
            .collect();
        window_side(&reps)
    };
    WindowFigures { inside: side(true), outside: side(false) }
}

/// A tier's window figures over the replications.
fn tier_windows(main: &[TaskRaw], tier: usize, members: &[usize]) -> WindowFigures {
    let side = |inside: bool| {
        let reps: Vec<WindowRep> = main
            .iter()
            .map(|m| {
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
                (counts, latency)
            })
            .collect();
        window_side(&reps)
    };
    WindowFigures { inside: side(true), outside: side(false) }
}

fn cost(r: &TenantRaw) -> f64 {
    r.cost_usd_per_month.iter().sum()
}

fn slo_met(sc: &Scenario, t: usize, r: &TenantRaw) -> bool {
    let slo = sc.tiers[sc.tenants[t].tier].slo;
    (r.served <= 0.0 || r.p99_ms <= slo.p99_ms) && unserved_fraction(r) <= slo.max_unserved_fraction
}

/// A tenant is hurt when its p99 inside others' spike windows rose by more
/// than 10 % and 1 ms, or its unserved fraction by 0.5 points.
fn is_hurt(p99_increase_ms: f64, base_p99_ms: f64, unserved_increase: f64) -> bool {
    (p99_increase_ms > 1.0 && p99_increase_ms > 0.1 * base_p99_ms) || unserved_increase > 0.005
}

pub(crate) fn report(
    sc: &Scenario,
    designs: &[usize],
    tasks: &[(usize, u32, bool)],
    results: Vec<TaskRaw>,
) -> RunReport {
    let mut by_design: Vec<(Vec<TaskRaw>, Vec<TaskRaw>)> = designs.iter().map(|_| (Vec::new(), Vec::new())).collect();
    for (&(d, _, with_spikes), raw) in tasks.iter().zip(results) {
        let slot = designs.iter().position(|&x| x == d).unwrap_or(0);
        if with_spikes {
            by_design[slot].0.push(raw);
        } else {
            by_design[slot].1.push(raw);
        }
    }
    RunReport {
        schema_version: REPORT_SCHEMA_VERSION,
        scenario: sc.name.clone(),
        seed: sc.clock.seed,
        replications: sc.clock.replications,
        duration_secs: sc.clock.duration_secs,
        tick_secs: sc.clock.tick_secs,
        engine: match sc.clock.engine {
            Engine::Auto => "auto",
            Engine::Fast => "fast",
            Engine::Exact => "exact",
        }
        .to_owned(),
        months_per_run: months_per_run(sc),
        tiers: sc.tiers.iter().map(|t| t.name.clone()).collect(),
        tier_slo_p99_ms: sc.tiers.iter().map(|t| t.slo.p99_ms).collect(),
        events: event_windows(sc),
        designs: designs
            .par_iter()
            .zip(by_design)
            .map(|(&d, (main, base))| design_report(sc, d, &main, &base))
            .collect(),
    }
}

fn event_windows(sc: &Scenario) -> Vec<EventWindow> {
    sc.events
        .iter()
        .map(|e| match *e {
            Event::Spike { tenant, start_secs, end_secs, factor } => EventWindow {
                kind: "spike".into(),
                label: format!("{} ×{factor}", sc.tenants[tenant].id),
                tenant: Some(sc.tenants[tenant].id.clone()),
                start_secs,
                end_secs,
            },
            Event::CapacityLoss { layer, start_secs, end_secs, fraction } => EventWindow {
                kind: "capacity_loss".into(),
                label: format!("{} −{:.0} %", layer.label(), fraction * 100.0),
                tenant: None,
                start_secs,
                end_secs,
            },
        })
        .collect()
}

#[allow(clippy::too_many_lines)]
fn design_report(sc: &Scenario, d: usize, main: &[TaskRaw], base: &[TaskRaw]) -> DesignReport {
    let design = &sc.designs[d];
    let n = sc.tenants.len();
    let spikers: Vec<usize> = sc
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Spike { tenant, .. } => Some(*tenant),
            Event::CapacityLoss { .. } => None,
        })
        .collect();
    let shares_stack = |a: usize, b: usize| {
        design
            .layers
            .iter()
            .any(|topo| !topo.stack_of_tenant.is_empty() && topo.stack_of_tenant[a] == topo.stack_of_tenant[b])
    };
    // Per replication impact figures, paired with the baseline run.
    let impact_of = |t: usize, rep: usize| -> (f64, f64, f64) {
        match base.get(rep) {
            Some(b) if !b.active[t] => (0.0, 0.0, main[rep].tenants[t].window_p99_ms),
            Some(b) => {
                let (m, b) = (&main[rep].tenants[t], &b.tenants[t]);
                (m.window_p99_ms - b.window_p99_ms, window_unserved(m) - window_unserved(b), b.window_p99_ms)
            }
            None => (0.0, 0.0, 0.0),
        }
    };
    let reps = main.len();
    // Each replication without spikes over the whole run (the run itself
    // when there are none); incident costs are over the run, unscaled.
    let steady_runs: Vec<TaskRaw> = main.iter().zip(base).map(|(m, b)| steady(sc, design, m, b)).collect();
    let steady_of = |rep: usize| steady_runs.get(rep).unwrap_or(&main[rep]);
    let months = months_per_run(sc);
    let mut tenants = Vec::with_capacity(n);
    for (t, tenant) in sc.tenants.iter().enumerate() {
        let per = |f: &dyn Fn(&TenantRaw) -> f64| est(main.iter().map(|m| f(&m.tenants[t])));
        let p99_increase = est((0..reps).map(|r| impact_of(t, r).0));
        let unserved_increase = est((0..reps).map(|r| impact_of(t, r).1));
        let base_p99 = est((0..reps).map(|r| impact_of(t, r).2));
        let hurt = !base.is_empty() && is_hurt(p99_increase.mean, base_p99.mean, unserved_increase.mean);
        let mut blamed: Vec<String> = Vec::new();
        if hurt {
            for &s in &spikers {
                let id = &sc.tenants[s].id;
                if s != t && shares_stack(s, t) && !blamed.contains(id) {
                    blamed.push(id.clone());
                }
            }
        }
        let price = sc.tiers[tenant.tier].price_usd_per_month;
        tenants.push(TenantReport {
            id: tenant.id.clone(),
            tier: sc.tiers[tenant.tier].name.clone(),
            stacks: LAYERS
                .iter()
                .filter_map(|l| {
                    let topo = &design.layers[l.index()];
                    topo.stack_of_tenant.get(t).map(|&s| topo.stacks[s as usize].label.clone())
                })
                .collect(),
            offered: per(&|r| r.offered),
            admitted: per(&|r| r.admitted),
            throttled: Throttles {
                plan: per(&|r| r.throttled_plan),
                quota: per(&|r| r.throttled_quota),
                account: per(&|r| r.throttled_account),
                total: per(&throttled),
            },
            dropped: Drops {
                timeout: per(&|r| r.dropped_timeout),
                partition: per(&|r| r.dropped_partition),
                total: per(&dropped),
            },
            served: per(&|r| r.served),
            in_flight: per(&|r| r.in_flight),
            latency: Latency {
                mean_ms: per(&|r| ratio(r.latency_sum_secs, r.served) * 1e3),
                p50_ms: per(&|r| r.p50_ms),
                p95_ms: per(&|r| r.p95_ms),
                p99_ms: per(&|r| r.p99_ms),
            },
            unserved_fraction: per(&unserved_fraction),
            slo_met: per(&|r| f64::from(u8::from(slo_met(sc, t, r)))),
            cost_usd_per_month: per(&cost),
            cost_by_layer: LayerCosts {
                gateway: per(&|r| r.cost_usd_per_month[0]),
                compute: per(&|r| r.cost_usd_per_month[1]),
                database: per(&|r| r.cost_usd_per_month[2]),
                overhead: per(&|r| r.cost_usd_per_month[OVERHEAD]),
            },
            steady_cost_usd_per_month: est((0..reps).map(|r| cost(&steady_of(r).tenants[t]))),
            incident_cost_usd: est(
                (0..reps).map(|r| (cost(&main[r].tenants[t]) - cost(&steady_of(r).tenants[t])) * months)
            ),
            revenue_usd_per_month: price,
            margin_usd_per_month: per(&|r| price - cost(r)),
            impact: Impact { p99_increase_ms: p99_increase, unserved_increase, hurt, blamed },
            windows: tenant_windows(main, t),
        });
    }

    let revenue: f64 = sc.tenants.iter().map(|t| sc.tiers[t.tier].price_usd_per_month).sum();
    let per_rep = |f: &dyn Fn(usize, &TaskRaw) -> f64| est(main.iter().enumerate().map(|(r, m)| f(r, m)));
    let stack_total = |m: &TaskRaw| m.stacks.iter().flatten().map(|s| s.cost_usd_per_month).sum::<f64>();
    let sum_tenants = |m: &TaskRaw, f: &dyn Fn(&TenantRaw) -> f64| m.tenants.iter().map(f).sum::<f64>();
    let totals = DesignTotals {
        cost_usd_per_month: per_rep(&|_, m| stack_total(m)),
        unallocated_usd_per_month: per_rep(&|_, m| {
            m.stacks.iter().flatten().map(|s| s.unallocated_usd_per_month).sum()
        }),
        revenue_usd_per_month: revenue,
        margin_usd_per_month: per_rep(&|_, m| revenue - stack_total(m)),
        mean_cost_per_tenant_usd_per_month: per_rep(&|_, m| sum_tenants(m, &cost) / n as f64),
        worst_cost_per_tenant_usd_per_month: per_rep(&|_, m| m.tenants.iter().map(cost).fold(0.0, f64::max)),
        offered: per_rep(&|_, m| sum_tenants(m, &|r| r.offered)),
        throttled: per_rep(&|_, m| sum_tenants(m, &throttled)),
        dropped: per_rep(&|_, m| sum_tenants(m, &dropped)),
        served: per_rep(&|_, m| sum_tenants(m, &|r| r.served)),
        throttled_fraction: per_rep(&|_, m| ratio(sum_tenants(m, &throttled), sum_tenants(m, &|r| r.offered))),
        unserved_fraction: per_rep(&|_, m| {
            ratio(sum_tenants(m, &|r| throttled(r) + dropped(r)), sum_tenants(m, &|r| r.offered))
        }),
        slo_met_fraction: per_rep(&|_, m| {
            m.tenants.iter().enumerate().filter(|(t, r)| slo_met(sc, *t, r)).count() as f64 / n as f64
        }),
        worst_p99_ms: per_rep(&|_, m| m.tenants.iter().map(|r| r.p99_ms).fold(0.0, f64::max)),
        tenants_hurt: per_rep(&|r, _| {
            (0..n)
                .filter(|&t| {
                    let (p, u, b) = impact_of(t, r);
                    !base.is_empty() && is_hurt(p, b, u)
                })
                .count() as f64
        }),
        worst_impact_p99_increase_ms: per_rep(&|r, _| (0..n).map(|t| impact_of(t, r).0).fold(0.0, f64::max)),
        steady_cost_usd_per_month: per_rep(&|r, _| stack_total(steady_of(r))),
        incident_cost_usd: per_rep(&|r, m| {
            let steady = steady_of(r).stacks.iter().flatten();
            m.stacks
                .iter()
                .flatten()
                .zip(steady)
                .map(|(a, b)| (a.cost_usd_per_month - b.cost_usd_per_month) * months)
                .sum()
        }),
    };

    let tiers = sc
        .tiers
        .iter()
        .enumerate()
        .map(|(k, tier)| {
            let members: Vec<usize> = (0..n).filter(|&t| sc.tenants[t].tier == k).collect();
            let tier_revenue = tier.price_usd_per_month * members.len() as f64;
            let tier_cost = |m: &TaskRaw| members.iter().map(|&t| cost(&m.tenants[t])).sum::<f64>();
            TierReport {
                name: tier.name.clone(),
                tenants: members.len(),
                cost_usd_per_month: per_rep(&|_, m| tier_cost(m)),
                steady_cost_usd_per_month: per_rep(&|r, _| tier_cost(steady_of(r))),
                incident_cost_usd: per_rep(&|r, m| {
                    members.iter().map(|&t| (cost(&m.tenants[t]) - cost(&steady_of(r).tenants[t])) * months).sum()
                }),
                revenue_usd_per_month: tier_revenue,
                margin_usd_per_month: per_rep(&|_, m| tier_revenue - tier_cost(m)),
                p99_ms: per_rep(&|_, m| m.tier_p99_ms[k]),
                slo_met_fraction: per_rep(&|_, m| {
                    ratio(
                        members.iter().filter(|&&t| slo_met(sc, t, &m.tenants[t])).count() as f64,
                        members.len() as f64,
                    )
                }),
                unserved_fraction: per_rep(&|_, m| {
                    let un: f64 = members.iter().map(|&t| throttled(&m.tenants[t]) + dropped(&m.tenants[t])).sum();
                    let off: f64 = members.iter().map(|&t| m.tenants[t].offered).sum();
                    ratio(un, off)
                }),
                windows: tier_windows(main, k, &members),
            }
        })
        .collect();

    let mut stacks = Vec::new();
    for layer in LAYERS {
        let li = layer.index();
        for (s, stack) in design.layers[li].stacks.iter().enumerate() {
            let per_stack =
                |f: &dyn Fn(&crate::sim::raw::StackRaw) -> f64| est(main.iter().map(|m| f(&m.stacks[li][s])));
            stacks.push(StackReport {
                layer: layer.label().to_owned(),
                label: stack.label.clone(),
                tenants: stack.tenants.len(),
                utilisation: per_stack(&|r| {
                    let used = if li == 2 {
                        r.read_units + r.write_units
                    } else if li == 0 {
                        r.requests
                    } else {
                        r.busy_secs
                    };
                    ratio(used, r.capacity_secs)
                }),
                mean_instances: per_stack(&|r| r.active_instance_secs / sc.clock.duration_secs),
                peak_instances: per_stack(&|r| r.peak_instances),
                cost_usd_per_month: per_stack(&|r| r.cost_usd_per_month),
            });
        }
    }

    DesignReport { name: design.name.clone(), totals, tenants, tiers, stacks, series: series(sc, main) }
}

fn band(main: &[TaskRaw], f: &dyn Fn(&TaskRaw) -> &Vec<f64>) -> Band {
    let points = main.first().map_or(0, |m| f(m).len());
    let mut band = Band { mean: Vec::with_capacity(points), ci95: Vec::with_capacity(points) };
    let columns: Vec<&Vec<f64>> = main.iter().map(f).collect();
    let mut samples = Vec::with_capacity(main.len());
    for p in 0..points {
        samples.clear();
        samples.extend(columns.iter().map(|c| c[p]));
        let e = Estimate::from_samples(&samples);
        band.mean.push(e.mean);
        band.ci95.push(e.ci95);
    }
    band
}

fn flow(name: &str, main: &[TaskRaw], pick: &dyn Fn(&TaskRaw) -> &FlowRaw) -> FlowSeries {
    FlowSeries::new(
        name.to_owned(),
        Flow::ALL.map(|f| band(main, &|m| pick(m).flow(f))),
        band(main, &|m| &pick(m).p99_ms),
    )
}

fn series(sc: &Scenario, main: &[TaskRaw]) -> SeriesReport {
    let Some(first) = main.first() else {
        return SeriesReport::default();
    };
    let interval = first.ticks_per_point as f64 * sc.clock.tick_secs;
    SeriesReport {
        t_secs: (0..first.point_ticks.len()).map(|p| p as f64 * interval).collect(),
        interval_secs: interval,
        total: flow("all", main, &|m| &m.total),
        tiers: sc.tiers.iter().enumerate().map(|(k, t)| flow(&t.name, main, &|m| &m.tiers[k])).collect(),
        instances: band(main, &|m| &m.instances),
        utilisation: band(main, &|m| &m.utilisation),
        tenants: first
            .focus
            .iter()
            .enumerate()
            .map(|(k, (t, _))| flow(&sc.tenants[*t].id, main, &|m| &m.focus[k].1))
            .collect(),
    }
}
