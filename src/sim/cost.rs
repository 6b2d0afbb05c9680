//! Cost of every stack and its attribution to tenants (docs/model.md, "Cost").
//!
//! Silo stacks belong wholly to their tenant. Shared stacks are split by
//! the scenario's attribution method; with `idle: Unallocated` the cost of
//! idle capacity goes to an explicit unallocated line instead. Every dollar
//! lands on exactly one tenant or on the unallocated line, so the sum of
//! tenant costs plus unallocated equals the total (conservation).

use crate::scenario::model::{Attribution, DbPricing, Design, Functions, Idle, Layer, Relational, Scenario, StackKind};
use crate::sim::raw::{StackRaw, TaskRaw, TenantRaw};

/// Index of the overhead bucket in [`crate::sim::raw::TenantRaw::cost_usd_per_month`].
pub const OVERHEAD: usize = 3;
/// Index of the queue bucket (after the overhead, so that the layers keep
/// their indices).
pub const QUEUE: usize = 4;
/// Buckets of [`crate::sim::raw::TenantRaw::cost_usd_per_month`].
pub const COST_BUCKETS: usize = 5;

/// Months one run represents (usage is scaled by its inverse).
pub fn months_per_run(sc: &Scenario) -> f64 {
    sc.clock.duration_secs / sc.month_secs()
}

/// One stack's monthly cost split into the part that follows consumption
/// and the fixed part.
struct StackCost {
    /// Usage cost, USD per month.
    usage: f64,
    /// Fraction of `usage` that paid for capacity actually used.
    used_fraction: f64,
    /// Storage cost, USD per month (always consumption-based).
    storage: f64,
    /// Fixed overhead, USD per month.
    overhead: f64,
}

/// Computes stack costs and attributes them to tenants, in place.
pub fn attribute(sc: &Scenario, design: &Design, task: &mut TaskRaw) {
    let months = months_per_run(sc);
    for layer in [Layer::Gateway, Layer::Compute, Layer::Database] {
        let li = layer.index();
        let topology = &design.layers[li];
        for (s, stack) in topology.stacks.iter().enumerate() {
            let cost = stack_cost(sc, design, layer, &stack.tenants, &task.stacks[li][s], months);
            let total = cost.usage + cost.storage + cost.overhead;
            let mut unallocated = 0.0;
            let members = &stack.tenants;
            if members.is_empty() {
                unallocated = total;
            } else if stack.kind == StackKind::Silo {
                let t = members[0] as usize;
                task.tenants[t].cost_usd_per_month[li] += cost.usage + cost.storage;
                task.tenants[t].cost_usd_per_month[OVERHEAD] += cost.overhead;
            } else {
                let weights = |measure: &dyn Fn(usize) -> f64| -> Vec<f64> {
                    members
                        .iter()
                        .map(|&t| {
                            let t = t as usize;
                            match sc.cost.attribution {
                                Attribution::Even => 1.0,
                                Attribution::TierWeights => sc.tiers[sc.tenants[t].tier].cost_weight,
                                Attribution::Proportional | Attribution::Requests => measure(t),
                            }
                        })
                        .collect()
                };
                let raw = &task.tenants;
                let proportional = sc.cost.attribution == Attribution::Proportional;
                let usage_weights = weights(&|t| match layer {
                    Layer::Gateway => raw[t].admitted,
                    Layer::Compute if proportional => raw[t].compute_busy_secs,
                    Layer::Compute => raw[t].compute_requests,
                    Layer::Database if proportional => raw[t].db_units,
                    Layer::Database => raw[t].db_ops,
                });
                let storage_weights = weights(&|t| {
                    if proportional { sc.tenants[t].load.data_gb } else { raw[t].db_ops }
                });
                let (spread_usage, idle_usage) = match sc.cost.idle {
                    Idle::Spread => (cost.usage, 0.0),
                    Idle::Unallocated => (cost.usage * cost.used_fraction, cost.usage * (1.0 - cost.used_fraction)),
                };
                unallocated += idle_usage;
                let mut shares = vec![[0.0; COST_BUCKETS]; members.len()];
                unallocated += split(spread_usage, &usage_weights, &mut shares, li, sc.cost.idle);
                unallocated += split(cost.storage, &storage_weights, &mut shares, li, sc.cost.idle);
                unallocated += split(cost.overhead, &usage_weights, &mut shares, OVERHEAD, Idle::Spread);
                for (k, &t) in members.iter().enumerate() {
                    for (bucket, value) in shares[k].iter().enumerate() {
                        task.tenants[t as usize].cost_usd_per_month[bucket] += value;
                    }
                }
            }
            let s_raw = &mut task.stacks[li][s];
            s_raw.cost_usd_per_month = total;
            s_raw.unallocated_usd_per_month = unallocated;
        }
    }
    // Queues are paid per request: each tenant pays for its own messages,
    // one request to send each and the rest for those a consumer took
    // (received and deleted).
    if let Some(q) = &sc.queue {
        for r in &mut task.tenants {
            let requests = r.admitted + receives(sc, r) * (q.requests_per_message - 1.0);
            r.cost_usd_per_month[QUEUE] += requests * q.usd_per_million_requests / 1e6 / months;
        }
    }
}

/// Tenant `r`'s share of the receives its messages took from their
/// queues, and of the invocations that processed them: one per message
/// processed, or with batches (a batch's messages are received, deleted
/// and processed together) the per-request engine's count of 1/k for
/// each message of a batch of k.
pub fn receives(sc: &Scenario, r: &TenantRaw) -> f64 {
    if sc.queue.as_ref().is_some_and(|q| q.batch_size > 1) { r.receipts } else { r.compute_requests }
}

/// A run's total cost, USD per month: its stacks' and its tenants' queue
/// messages.
pub fn total_usd_per_month(task: &TaskRaw) -> f64 {
    task.stacks.iter().flatten().map(|s| s.cost_usd_per_month).sum::<f64>()
        + task.tenants.iter().map(|r| r.cost_usd_per_month[QUEUE]).sum::<f64>()
}

/// Splits `amount` over `weights` into `shares[..][bucket]`; returns what
/// could not be split. With no weight at all the amount is split evenly
/// (`Spread`) or left unallocated (`Unallocated`).
fn split(amount: f64, weights: &[f64], shares: &mut [[f64; COST_BUCKETS]], bucket: usize, idle: Idle) -> f64 {
    if amount == 0.0 {
        return 0.0;
    }
    let total: f64 = weights.iter().sum();
    if total > 0.0 {
        for (share, w) in shares.iter_mut().zip(weights) {
            share[bucket] += amount * w / total;
        }
        0.0
    } else if idle == Idle::Spread {
        let each = amount / shares.len() as f64;
        for share in shares.iter_mut() {
            share[bucket] += each;
        }
        0.0
    } else {
        amount
    }
}

fn stack_cost(sc: &Scenario, design: &Design, layer: Layer, members: &[u32], raw: &StackRaw, months: f64) -> StackCost {
    let overhead = design.overhead_usd_per_stack_month;
    match layer {
        Layer::Gateway => {
            let price = sc.gateway.as_ref().map_or(0.0, |g| g.usd_per_million_requests);
            StackCost { usage: raw.requests * price / 1e6 / months, used_fraction: 1.0, storage: 0.0, overhead }
        }
        Layer::Compute => {
            if let Some(f) = &sc.compute.functions {
                return functions_cost(f, raw, months, overhead);
            }
            let server_secs = raw.instance_secs * f64::from(sc.compute.concurrency);
            StackCost {
                usage: raw.instance_secs / 3600.0 * sc.compute.usd_per_instance_hour / months,
                used_fraction: if server_secs > 0.0 { (raw.busy_secs / server_secs).min(1.0) } else { 0.0 },
                storage: 0.0,
                overhead,
            }
        }
        Layer::Database => {
            if let Some(rel) = &sc.relational {
                return relational_cost(sc, rel, members, raw, months, overhead);
            }
            let Some(db) = &sc.database else {
                return StackCost { usage: 0.0, used_fraction: 1.0, storage: 0.0, overhead: 0.0 };
            };
            let storage =
                members.iter().map(|&t| sc.tenants[t as usize].load.data_gb).sum::<f64>() * db.storage_usd_per_gb_month;
            let (usage, used_fraction) = match db.pricing {
                DbPricing::OnDemand { read_usd_per_million, write_usd_per_million } => (
                    (raw.read_units * read_usd_per_million + raw.write_units * write_usd_per_million) / 1e6 / months,
                    1.0,
                ),
                DbPricing::Provisioned {
                    read_units_per_sec,
                    write_units_per_sec,
                    read_usd_per_unit_hour,
                    write_usd_per_unit_hour,
                } => {
                    let hours = sc.clock.duration_secs / 3600.0;
                    let read_cost = read_units_per_sec * read_usd_per_unit_hour * hours;
                    let write_cost = write_units_per_sec * write_usd_per_unit_hour * hours;
                    let provisioned_read = read_units_per_sec * sc.clock.duration_secs;
                    let provisioned_write = write_units_per_sec * sc.clock.duration_secs;
                    let used = (raw.read_units / provisioned_read).min(1.0) * read_cost
                        + (raw.write_units / provisioned_write).min(1.0) * write_cost;
                    let total = read_cost + write_cost;
                    (total / months, if total > 0.0 { used / total } else { 1.0 })
                }
            };
            StackCost { usage, used_fraction, storage, overhead }
        }
    }
}

/// A relational stack's cost: its instances (writer and replicas) by the
/// hour whether busy or not, its proxy by the hour per vCPU behind it, and
/// its tenants' data by the GB-month. The share of vCPU time that ran
/// queries is what was used.
fn relational_cost(
    sc: &Scenario,
    rel: &Relational,
    members: &[u32],
    raw: &StackRaw,
    months: f64,
    overhead: f64,
) -> StackCost {
    let hours = raw.instance_secs / 3600.0;
    let proxy = rel.proxy.map_or(0.0, |p| p.usd_per_vcpu_hour * f64::from(rel.vcpus));
    StackCost {
        usage: hours * (rel.usd_per_instance_hour + proxy) / months,
        used_fraction: if raw.capacity_secs > 0.0 { (raw.busy_secs / raw.capacity_secs).min(1.0) } else { 0.0 },
        storage: members.iter().map(|&t| sc.tenants[t as usize].load.data_gb).sum::<f64>()
            * rel.storage_usd_per_gb_month,
        overhead,
    }
}

/// A functions stack's cost: pay per use, invocations and execution
/// GB-seconds (its busy time, initialisation included); its provisioned
/// environments (the stack's instances) are paid by the GB-second whether
/// used or not, and are its only capacity that can sit idle.
fn functions_cost(f: &Functions, raw: &StackRaw, months: f64, overhead: f64) -> StackCost {
    let requests = raw.requests * f.usd_per_million_requests / 1e6;
    // Execution on provisioned environments is billed at its own rate
    // (they run part of the executions, never more than all of them).
    let on_provisioned = raw.provisioned_busy_secs.min(raw.busy_secs);
    let on_demand = raw.busy_secs - on_provisioned;
    let execution = on_demand * f.memory_gb * f.usd_per_gb_sec
        + on_provisioned * f.memory_gb * f.provisioned_execution_usd_per_gb_sec;
    let provisioned = raw.instance_secs * f.memory_gb * f.provisioned_usd_per_gb_sec;
    let usage = requests + execution + provisioned;
    let idle =
        if raw.instance_secs > 0.0 { provisioned * (1.0 - (raw.busy_secs / raw.instance_secs).min(1.0)) } else { 0.0 };
    StackCost {
        usage: usage / months,
        used_fraction: if usage > 0.0 { 1.0 - idle / usage } else { 1.0 },
        storage: 0.0,
        overhead,
    }
}

/// The replication's run without spikes, over the whole run, its costs
/// attributed (docs/model.md, "Cost"): `main` is the run with spikes and
/// `base` its no-spike baseline, both merged and costed.
///
/// Tenants and stacks the baseline did not simulate are out of every
/// spike's reach and cost the same without spikes (same random streams):
/// they are read from `main`. The others are read from the baseline up to
/// where it stopped, once the spikes' effect had settled, and from `main`
/// after that (its counters there are `main.settled`; none when the
/// baseline ran to the end). Only the counters that costs read are kept.
pub fn steady(sc: &Scenario, design: &Design, main: &TaskRaw, base: &TaskRaw) -> TaskRaw {
    let settled = main.settled.as_deref();
    let tenants = (0..sc.tenants.len())
        .map(|t| {
            let mut r = if base.active.get(t).copied().unwrap_or(false) {
                let mut r = base.tenants[t].clone();
                if let Some(at) = settled {
                    let (after, at) = (&main.tenants[t], &at.tenants[t]);
                    r.admitted += after.admitted - at.admitted;
                    r.compute_requests += after.compute_requests - at.compute_requests;
                    r.receipts += after.receipts - at.receipts;
                    r.compute_busy_secs += after.compute_busy_secs - at.compute_busy_secs;
                    r.db_units += after.db_units - at.db_units;
                    r.db_ops += after.db_ops - at.db_ops;
                }
                r
            } else {
                main.tenants[t].clone()
            };
            r.cost_usd_per_month = [0.0; COST_BUCKETS];
            r
        })
        .collect();
    let stacks = std::array::from_fn(|li| {
        design.layers[li]
            .stacks
            .iter()
            .enumerate()
            .map(|(s, stack)| {
                let reached = stack.tenants.first().is_some_and(|&t| base.active.get(t as usize) == Some(&true));
                if !reached {
                    return main.stacks[li][s].clone();
                }
                let mut r = base.stacks[li][s].clone();
                if let Some(at) = settled {
                    let (after, at) = (&main.stacks[li][s], &at.stacks[li][s]);
                    r.instance_secs += after.instance_secs - at.instance_secs;
                    r.busy_secs += after.busy_secs - at.busy_secs;
                    r.provisioned_busy_secs += after.provisioned_busy_secs - at.provisioned_busy_secs;
                    r.requests += after.requests - at.requests;
                    r.read_units += after.read_units - at.read_units;
                    r.write_units += after.write_units - at.write_units;
                }
                r
            })
            .collect()
    });
    let mut steady = TaskRaw { active: main.active.clone(), tenants, stacks, ..TaskRaw::default() };
    attribute(sc, design, &mut steady);
    steady
}
