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
        let stacks: f64 = design.stacks.iter().map(|s| s.cost_usd_per_month.mean).sum();
        assert!((stacks - total).abs() <= 1e-9 * total, "{label} {}: stacks {stacks} vs {total}", design.name);
        let tiers: f64 = design.tiers.iter().map(|t| t.cost_usd_per_month.mean).sum();
        assert!((tiers - tenants).abs() <= 1e-9 * total);
        for t in &design.tenants {
            let layers = &t.cost_by_layer;
            let sum = layers.gateway.mean + layers.compute.mean + layers.database.mean + layers.overhead.mean;
            assert!((sum - t.cost_usd_per_month.mean).abs() <= 1e-9 * total);
            assert!(t.cost_usd_per_month.mean >= 0.0);
            assert!(
                (t.margin_usd_per_month.mean - (t.revenue_usd_per_month - t.cost_usd_per_month.mean)).abs()
                    <= 1e-9 * total
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
