//! Cost conservation: tenant costs plus unallocated equal the total, for
//! every attribution method and idle handling (docs/model.md, "Cost").

use crate::common::{load, run};
use tenantsim::report::RunReport;

fn scenario(attribution: &str, idle: &str, pricing: &str) -> String {
    format!(
        r#"Scenario(version: 1, name: "cost", clock: (duration: "30m", seed: 4, replications: 2),
            tiers: {{
                "basic": (price_per_month: 49.0, plan: (rate: 100.0, burst: 100.0), cost_weight: 1.0),
                "premium": (price_per_month: 499.0, plan: (rate: 300.0, burst: 300.0), cost_weight: 5.0),
            }},
            tenants: [
                Tenant(id: "big", tier: "premium", load: (rate: 80.0, data_gb: 50.0)),
                Tenant(id: "idle", tier: "basic", load: (rate: 0.0, data_gb: 0.0)),
                Group(prefix: "s", count: 5, tier: "basic", load: (rate: 5.0, item_kb: 6.0)),
            ],
            layers: (
                gateway: (price_per_million: 3.5),
                compute: (service_time: LogNormal(mean_ms: 30.0, cv: 1.5), concurrency: 4, instances: (min: 2, max: 12),
                          autoscale: (target_utilisation: 0.5), price_per_hour: 0.2),
                database: (partitions: 3, pricing: {pricing}, storage_per_gb_month: 0.25),
            ),
            designs: [
                (name: "pool", placement: {{ "*": Pool }}, overhead_per_stack_per_month: 25.0),
                (name: "silo", placement: {{ "*": Silo }}, overhead_per_stack_per_month: 25.0),
                (name: "bridge", placement: {{ "premium": Silo, "*": Pool }}, layers: (database: {{ "*": Pool }})),
                (name: "cells", placement: {{ "*": Cells(10) }}),
            ],
            cost: (attribution: {attribution}, idle: {idle}),
        )"#
    )
}

fn assert_conserved(report: &RunReport, label: &str) {
    for design in &report.designs {
        let total = design.totals.cost_usd_per_month.mean;
        let tenants: f64 = design.tenants.iter().map(|t| t.cost_usd_per_month.mean).sum();
        let unallocated = design.totals.unallocated_usd_per_month.mean;
        assert!(total > 0.0);
        assert!(
            ((tenants + unallocated) - total).abs() <= 1e-9 * total,
            "{label} {}: tenants {tenants} + unallocated {unallocated} != total {total}",
            design.name
        );
        for t in &design.tenants {
            assert!(
                t.cost_usd_per_month.mean >= 0.0,
                "{label} {}: {} costs {}",
                design.name,
                t.id,
                t.cost_usd_per_month.mean
            );
        }
    }
}

#[test]
fn conservation_holds_for_every_method_and_idle_handling() {
    for pricing in ["OnDemand()", "Provisioned(read_units: 500.0, write_units: 200.0)"] {
        for attribution in ["Proportional", "Requests", "Even", "TierWeights"] {
            for idle in ["Spread", "Unallocated"] {
                let report = run(&load(&scenario(attribution, idle, pricing)));
                assert_conserved(&report, &format!("{attribution}/{idle}/{pricing}"));
            }
        }
    }
}

#[test]
fn attribution_methods_split_differently() {
    let even = run(&load(&scenario("Even", "Spread", "OnDemand()")));
    let proportional = run(&load(&scenario("Proportional", "Spread", "OnDemand()")));
    let weights = run(&load(&scenario("TierWeights", "Spread", "OnDemand()")));
    let cost = |r: &RunReport, id: &str| {
        r.design("pool").and_then(|d| d.tenant(id)).map_or(f64::NAN, |t| t.cost_usd_per_month.mean)
    };
    // Under an even split the idle tenant pays as much as anyone; by
    // consumption it pays only for its (zero) use.
    assert!((cost(&even, "idle") - cost(&even, "big")).abs() < 1e-9 * cost(&even, "big"));
    assert!(cost(&proportional, "idle") < 1e-9);
    assert!(cost(&proportional, "big") > 5.0 * cost(&proportional, "s-00"));
    // Tier weights: premium weight 5 vs basic 1.
    assert!((cost(&weights, "big") / cost(&weights, "idle") - 5.0).abs() < 1e-9);
}

#[test]
fn idle_capacity_goes_to_the_unallocated_line() {
    let report = run(&load(&scenario("Proportional", "Unallocated", "OnDemand()")));
    for design in &report.designs {
        if design.name == "silo" {
            // Silo stacks belong wholly to their tenant.
            assert_eq!(design.totals.unallocated_usd_per_month.mean, 0.0);
        } else {
            assert!(design.totals.unallocated_usd_per_month.mean > 0.0, "{}", design.name);
        }
    }
    // Ten cells for seven tenants: three empty cells cost something and
    // nobody pays for them, even with idle spread.
    let spread = run(&load(&scenario("Proportional", "Spread", "OnDemand()")));
    let cells = spread.design("cells").unwrap_or_else(|| panic!("no cells design"));
    assert!(cells.totals.unallocated_usd_per_month.mean > 0.0);
    let pool = spread.design("pool").unwrap_or_else(|| panic!("no pool design"));
    assert!(pool.totals.unallocated_usd_per_month.mean.abs() < 1e-9);
}

#[test]
fn silo_overhead_dominates_with_many_small_tenants() {
    let report = run(&load(&scenario("Proportional", "Spread", "OnDemand()")));
    let pool = report.design("pool").unwrap_or_else(|| panic!("no pool"));
    let silo = report.design("silo").unwrap_or_else(|| panic!("no silo"));
    assert!(silo.totals.cost_usd_per_month.mean > pool.totals.cost_usd_per_month.mean);
    let overhead =
        |d: &tenantsim::report::DesignReport| -> f64 { d.tenants.iter().map(|t| t.cost_by_layer.overhead.mean).sum() };
    // 7 tenants × 3 layers × $25 in silo; 3 pooled stacks × $25 in pool.
    assert!((overhead(silo) - 7.0 * 3.0 * 25.0).abs() < 1e-9);
    assert!((overhead(pool) - 3.0 * 25.0).abs() < 1e-9);
}

/// Four tenants sharing one stack per layer: "a" (gold, cost weight 5)
/// sends 10 req/s, "b" 4 and "c" 1 (basic, cost weight 1), and "z"
/// (basic) nothing. Compute is 3 fixed instances at $0.50/h; the table is
/// provisioned (300 RU/s at $0.0002/h, 100 WU/s at $0.001/h) with storage
/// at $0.25/GB-month; every stack has a $30 monthly overhead. Load is
/// light, so nothing is throttled, dropped or left queued.
fn shared_stacks(seed: u64, attribution: &str, idle: &str) -> String {
    format!(
        r#"Scenario(version: 1, name: "split", clock: (duration: "30m", seed: {seed}, replications: 1),
            tiers: {{
                "gold": (price_per_month: 500.0, cost_weight: 5.0),
                "basic": (price_per_month: 50.0, cost_weight: 1.0),
            }},
            tenants: [
                Tenant(id: "a", tier: "gold", load: (rate: 10.0, data_gb: 10.0)),
                Tenant(id: "b", tier: "basic", load: (rate: 4.0, data_gb: 2.0)),
                Tenant(id: "c", tier: "basic", load: (rate: 1.0, data_gb: 1.0)),
                Tenant(id: "z", tier: "basic", load: (rate: 0.0, data_gb: 5.0)),
            ],
            layers: (
                gateway: (price_per_million: 3.5),
                compute: (service_time: Exponential(mean_ms: 20.0), concurrency: 4, instances: (min: 3, max: 3),
                          price_per_hour: 0.5),
                database: (partitions: 4, storage_per_gb_month: 0.25,
                           pricing: Provisioned(read_units: 300.0, write_units: 100.0,
                                                read_unit_per_hour: 0.0002, write_unit_per_hour: 0.001)),
            ),
            designs: [ (name: "pool", placement: {{ "*": Pool }}, overhead_per_stack_per_month: 30.0) ],
            cost: (attribution: {attribution}, idle: {idle}),
        )"#
    )
}

/// Monthly costs of the three shared stacks by the price list, from the
/// requests the gateway let through: (gateway, compute, database usage,
/// storage), overheads apart.
fn stack_costs_by_hand(admitted: f64) -> (f64, f64, f64, f64) {
    let hours_per_month = 730.0;
    let months_per_run = 0.5 / hours_per_month;
    let gateway = admitted * 3.5 / 1e6 / months_per_run;
    let compute = 3.0 * 0.5 * hours_per_month;
    let database = (300.0 * 0.0002 + 100.0 * 0.001) * hours_per_month;
    let storage = (10.0 + 2.0 + 1.0 + 5.0) * 0.25;
    (gateway, compute, database, storage)
}

const OVERHEAD: f64 = 30.0;
const GB: [f64; 4] = [10.0, 2.0, 1.0, 5.0];
const COST_WEIGHT: [f64; 4] = [5.0, 1.0, 1.0, 1.0];

#[test]
fn shared_costs_split_by_requests_evenly_by_tier_weights_and_by_consumption() {
    for seed in [1, 2, 3] {
        for attribution in ["Requests", "Even", "TierWeights", "Proportional"] {
            let report = crate::common::run_1_and_2_threads(&load(&shared_stacks(seed, attribution, "Spread")));
            let design = &report.designs[0];
            let served: Vec<f64> = design.tenants.iter().map(|t| t.served.mean).collect();
            let total_served: f64 = served.iter().sum();
            let admitted: f64 = design.tenants.iter().map(|t| t.admitted.mean).sum();
            assert_eq!(admitted, total_served, "light load: everything admitted is served");
            assert_eq!(served[3], 0.0);
            let (gateway, compute, database, storage) = stack_costs_by_hand(admitted);
            let total = gateway + compute + database + storage + 3.0 * OVERHEAD;
            let label = format!("seed {seed} {attribution}");
            assert!((design.totals.cost_usd_per_month.mean - total).abs() <= 1e-9 * total, "{label}: total");
            assert!(design.totals.unallocated_usd_per_month.mean.abs() <= 1e-9 * total, "{label}: idle spread");
            for stack in &design.stacks {
                let want = OVERHEAD
                    + match stack.layer.as_str() {
                        "gateway" => gateway,
                        "compute" => compute,
                        _ => database + storage,
                    };
                let got = stack.cost_usd_per_month.mean;
                assert!((got - want).abs() <= 1e-9 * want, "{label}: {} stack {got} vs {want}", stack.layer);
            }
            for (k, t) in design.tenants.iter().enumerate() {
                // The tenant's share of each layer's usage (and of that
                // layer's overhead, which is split like its usage), and of
                // the storage.
                let by_requests = served[k] / total_served;
                let by_weight = COST_WEIGHT[k] / COST_WEIGHT.iter().sum::<f64>();
                let by_gb = GB[k] / GB.iter().sum::<f64>();
                // (gateway, compute, database units, storage)
                let (gw, cp, db, st) = match attribution {
                    "Requests" => (by_requests, by_requests, by_requests, by_requests),
                    "Even" => (0.25, 0.25, 0.25, 0.25),
                    "TierWeights" => (by_weight, by_weight, by_weight, by_weight),
                    // Every tenant has the same service time, item size and
                    // read share, so compute-seconds and capacity units are
                    // proportional to requests; storage follows GB stored.
                    _ => (by_requests, by_requests, by_requests, by_gb),
                };
                let layers = &t.cost_by_layer;
                let id = &t.id;
                for (name, got, want) in [
                    ("gateway", layers.gateway.mean, gateway * gw),
                    ("compute", layers.compute.mean, compute * cp),
                    ("database", layers.database.mean, database * db + storage * st),
                    ("overhead", layers.overhead.mean, OVERHEAD * (gw + cp + db)),
                ] {
                    assert!((got - want).abs() <= 1e-9 * total, "{label} {id}: {name} {got} vs {want}");
                }
                let want = gateway * gw + compute * cp + database * db + storage * st + OVERHEAD * (gw + cp + db);
                let got = t.cost_usd_per_month.mean;
                assert!((got - want).abs() <= 1e-9 * total, "{label} {id}: cost {got} vs {want}");
            }
        }
    }
}

#[test]
fn idle_capacity_of_shared_stacks_is_left_unallocated_by_hand() {
    // With idle: Unallocated, the unused part of the compute servers'
    // time and of the provisioned units goes to the unallocated line:
    // compute cost × (1 − busy / server time), busy = served × 20 ms over
    // 12 servers × 1,800 s; reads use 0.8 RU and writes 0.2 WU per request
    // of 300 × 1,800 RU and 100 × 1,800 WU provisioned.
    for seed in [1, 2] {
        let report = crate::common::run_1_and_2_threads(&load(&shared_stacks(seed, "Requests", "Unallocated")));
        let design = &report.designs[0];
        let served: f64 = design.tenants.iter().map(|t| t.served.mean).sum();
        let (_, compute, _, _) = stack_costs_by_hand(served);
        let busy = served * 0.020 / (12.0 * 1800.0);
        let read_cost = 300.0 * 0.0002 * 730.0;
        let write_cost = 100.0 * 0.001 * 730.0;
        let read_used = served * 0.8 / (300.0 * 1800.0);
        let write_used = served * 0.2 / (100.0 * 1800.0);
        let want = compute * (1.0 - busy) + read_cost * (1.0 - read_used) + write_cost * (1.0 - write_used);
        let got = design.totals.unallocated_usd_per_month.mean;
        assert!((got - want).abs() <= 1e-9 * want, "seed {seed}: unallocated {got} vs {want}");
    }
}
