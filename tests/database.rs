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

/// A one-partition provisioned table of `share` write units per second
/// (hard cap `hard_cap` per second) written to by one tenant that is
/// silent for `idle_secs`, then sends exactly `demand` writes per second
/// (1 KB items: one write unit each) for `burst_secs`. The tenant offers
/// 10 × `demand` and its usage plan (`rate: demand`, `burst: 1`) clips it,
/// so the demand is not random: `demand + 1` in the first tick of the
/// burst (the bucket's one token on top of the tick's refill), `demand`
/// in every later one.
fn burst_bank(seed: u64, share: f64, hard_cap: f64, demand: f64, idle_secs: u32, burst_secs: u32) -> String {
    format!(
        r#"Scenario(version: 1, name: "bank", clock: (duration: "{duration}s", seed: {seed}, replications: 1),
            tiers: {{ "t": (price_per_month: 1.0, plan: (rate: {demand:?}, burst: 1.0)) }},
            tenants: [ Tenant(id: "w", tier: "t", load: (rate: {offered:?}, read_fraction: 0.0, item_kb: 1.0,
                              pattern: Bursty(on: "{idle_secs}s", off: "100000s", factor: 0.0))) ],
            layers: (
                gateway: (account_rate: 1000000.0, account_burst: 1000000.0),
                compute: (service_time: Exponential(mean_ms: 1.0), concurrency: 100, instances: (min: 10, max: 10)),
                database: (partitions: 1, write_units_per_partition: {hard_cap:?},
                           pricing: Provisioned(read_units: 100.0, write_units: {share:?})),
            ),
            designs: [ (name: "pool", placement: {{ "*": Pool }}) ])"#,
        duration = idle_secs + burst_secs,
        offered = 10.0 * demand,
    )
}

#[test]
fn provisioned_burst_bank_covers_a_short_burst_then_drops_demand_minus_share() {
    // The bank starts empty, gains the unused share (100 WU/s) while the
    // tenant is silent, up to 300 s of it (30,000 WU), and pays for what
    // the burst asks above the share (150 − 100 = 50 WU/s). Expected
    // partition drops: max(0, 50 × burst + 1 − bank), the bank being
    // min(100 × idle, 30,000).
    let (share, demand) = (100.0, 150.0);
    let expected_drops = |idle: u32, burst: u32| {
        let bank = (share * f64::from(idle)).min(300.0 * share);
        ((demand - share) * f64::from(burst) + 1.0 - bank).max(0.0)
    };
    let cases = [
        // 200 s idle banks 20,000 WU: 400 s of the burst's excess.
        (200, 300, 0.0),
        (200, 600, 10_001.0),
        // 400 s idle would bank 40,000 but the bank holds 30,000.
        (400, 800, 10_001.0),
    ];
    for (idle, burst, want) in cases {
        assert_eq!(expected_drops(idle, burst), want);
        for seed in [1, 2] {
            let report =
                crate::common::run_1_and_2_threads(&load(&burst_bank(seed, share, 1000.0, demand, idle, burst)));
            let design = &report.designs[0];
            let t = &design.tenants[0];
            assert_eq!(t.admitted.mean, demand * f64::from(burst) + 1.0, "idle {idle} burst {burst}: demand");
            assert!(
                (t.dropped.partition.mean - want).abs() <= 1e-9 * t.admitted.mean,
                "idle {idle} burst {burst} seed {seed}: dropped {} vs {want}",
                t.dropped.partition.mean
            );
            assert_eq!(t.dropped.timeout.mean, 0.0);
            // Once the bank is empty, every second loses exactly demand −
            // share: from 400 s into the burst after a 200 s idle.
            if (idle, burst) == (200, 600) {
                let series = &design.series;
                let dropped = &series.total.dropped_per_sec.mean;
                for (p, &start) in series.t_secs.iter().enumerate() {
                    let end = start + series.interval_secs;
                    if end <= 599.0 {
                        assert_eq!(dropped[p], 0.0, "point at {start} s: the bank still covers the burst");
                    } else if start >= 600.0 {
                        assert!((dropped[p] - (demand - share)).abs() < 1e-9, "point at {start} s: {}", dropped[p]);
                    }
                }
            }
        }
    }
}

#[test]
fn burst_bank_never_lifts_a_partition_over_its_hard_cap() {
    // Hard cap 120 WU/s over a 100 WU/s share: with 20,000 WU banked the
    // partition still serves at most 120/s, so 150/s loses 30/s from the
    // first second (31 in the first, which brings one more) while the
    // bank drains by only 20/s and never empties in 600 s.
    let report = crate::common::run_1_and_2_threads(&load(&burst_bank(7, 100.0, 120.0, 150.0, 200, 600)));
    let t = &report.designs[0].tenants[0];
    let want = (150.0 - 120.0) * 600.0 + 1.0;
    assert!((t.dropped.partition.mean - want).abs() <= 1e-9 * want, "dropped {} vs {want}", t.dropped.partition.mean);
}
