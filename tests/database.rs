//! Database partitions: caps bind per partition, not per stack (docs/model.md, "Database").

use crate::common::{load, run};

/// 60 tenants of 40 requests/s, half of them writes, pooled on one
/// database of 8 partitions: 1,200 write units/s in all, about 150 per
/// partition.
fn scenario(write_cap: f64) -> String {
    format!(
        r#"Scenario(version: 1, name: "db", clock: (duration: "10m", seed: 5, replications: 2),
            tiers: {{ "basic": (price_per_month: 49.0, plan: (rate: 400.0, burst: 400.0)) }},
            tenants: [ Group(prefix: "t", count: 60, tier: "basic", load: (rate: 40.0, read_fraction: 0.5)) ],
            layers: (
                gateway: (),
                compute: (service_time: Exponential(mean_ms: 10.0), concurrency: 8, instances: (min: 20, max: 20)),
                database: (partitions: 8, write_units_per_partition: {write_cap:?}),
            ),
            designs: [ (name: "pool", placement: {{ "*": Pool }}) ],
        )"#
    )
}

#[test]
fn a_stack_over_one_partitions_cap_throttles_nothing_while_each_partition_is_within_it() {
    // Together the tenants write more than one partition takes (1,000
    // units/s), but spread over 8 partitions none reaches its cap: the run
    // matches one with caps too high to matter, request for request.
    let capped = run(&load(&scenario(1000.0)));
    let free = run(&load(&scenario(1e9)));
    for (a, b) in capped.designs[0].tenants.iter().zip(&free.designs[0].tenants) {
        assert_eq!(a.dropped.partition.mean, 0.0, "tenant {}", a.id);
        assert_eq!((&a.served, &a.dropped, &a.latency), (&b.served, &b.dropped, &b.latency), "tenant {}", a.id);
    }
    // With a tenth of the cap, the partitions do throttle: about 150
    // units/s asked of 100.
    let tight = run(&load(&scenario(100.0)));
    let tenants = &tight.designs[0].tenants;
    let dropped: f64 = tenants.iter().map(|t| t.dropped.partition.mean).sum();
    let offered: f64 = tenants.iter().map(|t| t.offered.mean).sum();
    assert!(dropped > 0.05 * offered, "dropped {dropped} of {offered}");
}
