//! The fast engine does not depend on its tick: the noisy-neighbour window
//! at 1 s, 100 ms and 10 ms ticks gives the same latency within 5 %, for a
//! noisy tenant held at its usage plan and for one that is not.

use crate::common::{load, run_with};

fn noisy_pool(tick: &str, plan: bool) -> String {
    let (basic_plan, factor) = if plan { (", plan: (rate: 50.0, burst: 50.0)", 20.0) } else { ("", 6.0) };
    format!(
        r#"Scenario(version: 1, name: "ticks", clock: (duration: "12m", tick: "{tick}", seed: 4, replications: 2, engine: Fast),
            tiers: {{ "basic": (price_per_month: 49.0{basic_plan}), "premium": (price_per_month: 499.0) }},
            tenants: [
                Tenant(id: "noisy", tier: "basic", load: (rate: 10.0)),
                Group(prefix: "p", count: 2, tier: "premium", load: (rate: 50.0)),
                Group(prefix: "b", count: 6, tier: "basic", load: (rate: 39.0)),
            ],
            layers: ( gateway: (), compute: (service_time: Exponential(mean_ms: 20.0), concurrency: 8,
                                             instances: (min: 1, max: 1), queue_timeout: "30s") ),
            designs: [ (name: "pool", placement: {{ "*": Pool }}) ],
            events: [ Spike(tenant: "noisy", at: "2m", duration: "10m", factor: {factor:?}) ],
        )"#
    )
}

#[test]
fn window_latency_is_the_same_at_1_s_100_ms_and_10_ms_ticks() {
    for plan in [true, false] {
        let figures = |tick: &str| {
            let report = run_with(&load(&noisy_pool(tick, plan)), 2);
            let premium = &report.designs[0].tiers[1].windows.inside.latency;
            (premium.mean_ms.mean, premium.p99_ms.mean)
        };
        let (mean, p99) = figures("1s");
        assert!(mean > 40.0, "the window is near saturation (mean {mean} ms)");
        for tick in ["100ms", "10ms"] {
            let (m, p) = figures(tick);
            assert!((m / mean - 1.0).abs() < 0.05, "plan {plan}, {tick}: mean {m} ms vs {mean} ms at 1 s");
            assert!((p / p99 - 1.0).abs() < 0.05, "plan {plan}, {tick}: p99 {p} ms vs {p99} ms at 1 s");
        }
    }
}
