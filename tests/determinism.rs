//! Determinism: the same file and seed give a bit-identical report at 1 and
//! at 2 threads; common random numbers across designs.

use crate::common::{bundled_scenarios, load, run_with};
use tenantsim::report::format;

#[test]
fn noisy_neighbour_is_bit_identical_at_one_and_two_threads() {
    for (name, text) in bundled_scenarios() {
        let mut file = crate::common::parse(&text);
        file.clock.replications = file.clock.replications.min(3);
        let scenario = tenantsim::scenario::resolve::resolve(&file, &tenantsim::scenario::Limits::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let one = run_with(&scenario, 1);
        let two = run_with(&scenario, 2);
        assert_eq!(one, two, "{name}: reports differ between 1 and 2 threads");
        assert_eq!(format::json(&one).ok(), format::json(&two).ok(), "{name}: JSON differs");
    }
}

#[test]
fn a_different_seed_gives_different_traffic() {
    let text = r#"Scenario(version: 1, name: "seed", clock: (duration: "10m", seed: SEED, replications: 2),
        tiers: { "t": (price_per_month: 1.0) },
        tenants: [ Group(prefix: "a", count: 3, tier: "t", load: (rate: 20.0)) ],
        layers: ( compute: (service_time: Exponential(mean_ms: 10.0), concurrency: 4, instances: (min: 1, max: 1)) ),
        designs: [ (name: "pool", placement: { "*": Pool }), (name: "silo", placement: { "*": Silo }) ])"#;
    let a = run_with(&load(&text.replace("SEED", "1")), 2);
    let b = run_with(&load(&text.replace("SEED", "2")), 2);
    assert_ne!(a.designs[0].tenants[0].offered, b.designs[0].tenants[0].offered);
    // Common random numbers: every design sees the same arrivals.
    for t in 0..3 {
        assert_eq!(a.designs[0].tenants[t].offered, a.designs[1].tenants[t].offered);
    }
}

#[test]
fn a_design_split_into_parts_is_bit_identical_at_one_and_two_threads() {
    // 300 silo tenants: the silo design runs as parts on separate threads.
    let text = r#"Scenario(version: 1, name: "parts", clock: (duration: "10m", seed: 9, replications: 2),
        tiers: { "t": (price_per_month: 10.0, plan: (rate: 50.0, burst: 50.0)) },
        tenants: [ Group(prefix: "a", count: 300, tier: "t", load: (rate: 4.0), spread: LogNormal(sigma: 0.5)) ],
        layers: ( gateway: (), compute: (service_time: Exponential(mean_ms: 20.0), concurrency: 2, instances: (min: 1, max: 3)) ),
        designs: [ (name: "silo", placement: { "*": Silo }), (name: "cells", placement: { "*": Cells(3) }) ],
        events: [ Spike(tenant: "a-000", at: "3m", duration: "3m", factor: 10.0) ])"#;
    let scenario = load(text);
    let one = run_with(&scenario, 1);
    let two = run_with(&scenario, 2);
    assert_eq!(one, two, "reports differ between 1 and 2 threads");
    // Common random numbers hold across parts too.
    for t in 0..300 {
        assert_eq!(one.designs[0].tenants[t].offered, one.designs[1].tenants[t].offered);
    }
}
