//! Weighted-fair sharing of a saturated pool (docs/model.md, "Compute"):
//! capacity splits by tier weight among the tenants with work waiting, a
//! share one cannot use goes to the others, and below saturation weights
//! change nothing.

use crate::common::{load, run_1_and_2_threads};
use tenantsim::report::DesignReport;

/// Servers of the pool and mean service time: 4 servers of 10 ms serve
/// at most 4 / 0.010 = 400 requests per second.
const SERVERS: f64 = 4.0;
const SERVICE_SECS: f64 = 0.010;
const CAPACITY_PER_SEC: f64 = SERVERS / SERVICE_SECS;
const DURATION_SECS: f64 = 600.0;
const TIMEOUT_SECS: f64 = 30.0;

/// Two "light" tenants (tier weight `light_weight`) offering `light_rate`
/// each and two "heavy" ones (weight `heavy_weight`) offering
/// `heavy_rate`, in one fixed-size weighted-fair pool without a gateway.
fn pool(seed: u64, weights: (f64, f64), light_rate: f64, heavy_rate: f64) -> String {
    let (light_weight, heavy_weight) = weights;
    format!(
        r#"Scenario(version: 1, name: "wfq", clock: (duration: "10m", seed: {seed}, replications: 2, engine: Fast),
            tiers: {{
                "light": (price_per_month: 1.0, weight: {light_weight:?}),
                "heavy": (price_per_month: 1.0, weight: {heavy_weight:?}),
            }},
            tenants: [
                Group(prefix: "l", count: 2, tier: "light", load: (rate: {light_rate:?})),
                Group(prefix: "h", count: 2, tier: "heavy", load: (rate: {heavy_rate:?})),
            ],
            layers: ( compute: (service_time: Deterministic(ms: 10.0), concurrency: 4, instances: (min: 1, max: 1),
                                queue_timeout: "30s", fairness: WeightedFair) ),
            designs: [ (name: "pool", placement: {{ "*": Pool }}) ])"#
    )
}

fn weight_of(tenant: &str, weights: (f64, f64)) -> f64 {
    if tenant.starts_with('l') { weights.0 } else { weights.1 }
}

#[test]
fn saturated_weighted_fair_pool_serves_in_proportion_to_weights() {
    // Everybody offers 1,000/s against 400/s of capacity, so every tenant
    // has work waiting in every tick and gets capacity × w / Σw: with
    // weights 1, 1, 4, 4 that is 40/s for a light tenant and 160/s for a
    // heavy one, over the whole run.
    for seed in [1, 2] {
        for weights in [(1.0, 4.0), (3.0, 1.0)] {
            let report = run_1_and_2_threads(&load(&pool(seed, weights, 1000.0, 1000.0)));
            let design = &report.designs[0];
            let weight_sum: f64 = design.tenants.iter().map(|t| weight_of(&t.id, weights)).sum();
            for t in &design.tenants {
                let share_per_sec = CAPACITY_PER_SEC * weight_of(&t.id, weights) / weight_sum;
                let want_served = share_per_sec * DURATION_SECS;
                assert!(
                    (t.served.mean - want_served).abs() <= 1e-9 * want_served,
                    "seed {seed} weights {weights:?} {}: served {} vs {want_served}",
                    t.id,
                    t.served.mean
                );
                // Each queue keeps what its own rate serves within the
                // timeout; the rest of what arrived was dropped.
                let want_in_flight = share_per_sec * TIMEOUT_SECS;
                assert!((t.in_flight.mean - want_in_flight).abs() <= 1e-9 * want_in_flight, "{}: in flight", t.id);
                let want_dropped = t.offered.mean - want_served - want_in_flight;
                assert!((t.dropped.timeout.mean - want_dropped).abs() <= 1e-9 * t.offered.mean, "{}: dropped", t.id);
            }
        }
    }
}

#[test]
fn a_share_a_tenant_cannot_use_goes_to_the_others() {
    // Heavy tenants (weight 4) offer 50/s, well under their 160/s share;
    // light ones (weight 1) offer 1,000/s. Each tick the heavy tenants are
    // served in full and the two light tenants split the rest equally:
    // light served = (400 · T − heavy arrivals) / 2 each.
    for seed in [3, 4] {
        let report = run_1_and_2_threads(&load(&pool(seed, (1.0, 4.0), 1000.0, 50.0)));
        let design = &report.designs[0];
        let heavy_offered: f64 = design.tenants.iter().filter(|t| t.id.starts_with('h')).map(|t| t.offered.mean).sum();
        for t in &design.tenants {
            if t.id.starts_with('h') {
                assert_eq!(t.served.mean, t.offered.mean, "{}: served in full", t.id);
                assert_eq!(t.dropped.total.mean, 0.0, "{}", t.id);
                assert!(t.latency.mean_ms.mean < 1000.0, "{}: its own queue stays empty", t.id);
            } else {
                let want = (CAPACITY_PER_SEC * DURATION_SECS - heavy_offered) / 2.0;
                assert!((t.served.mean - want).abs() <= 1e-9 * want, "{}: served {} vs {want}", t.id, t.served.mean);
                // Its queue fills within 6 s and is then held at what it
                // serves in the timeout, so it waits about the timeout
                // (less in the first seconds, plus service and a wait
                // well under a second).
                let mean_secs = t.latency.mean_ms.mean / 1e3;
                assert!((mean_secs - TIMEOUT_SECS).abs() < 0.5, "{}: mean latency {mean_secs} s", t.id);
            }
        }
    }
}

#[test]
fn below_saturation_weights_change_nothing() {
    // 2 × 100 + 2 × 50 = 300/s against 400/s: a light tenant offers more
    // than its weighted share (40/s) but the stack keeps up, so everything
    // is served in the tick it arrives whatever the weights.
    let served = |d: &DesignReport| d.tenants.iter().map(|t| t.served.mean).collect::<Vec<f64>>();
    for seed in [5, 6] {
        let skewed = run_1_and_2_threads(&load(&pool(seed, (1.0, 4.0), 100.0, 50.0)));
        let equal = run_1_and_2_threads(&load(&pool(seed, (1.0, 1.0), 100.0, 50.0)));
        let reversed = run_1_and_2_threads(&load(&pool(seed, (4.0, 1.0), 100.0, 50.0)));
        let design = &skewed.designs[0];
        for t in &design.tenants {
            assert_eq!(t.served.mean, t.offered.mean, "{}: everything served", t.id);
            assert_eq!((t.dropped.total.mean, t.in_flight.mean), (0.0, 0.0), "{}", t.id);
        }
        assert_eq!(served(design), served(&equal.designs[0]));
        assert_eq!(served(design), served(&reversed.designs[0]));
    }
}
