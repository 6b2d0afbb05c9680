//! The per-request engine against closed forms: Erlang C (M/M/c),
//! Pollaczek–Khinchine and Crommelin (M/D/1), P-K for M/G/1, and the token
//! bucket's bound. Every expected value is computed here, independently of
//! the engine.

use crate::common::{close, load, run_1_and_2_threads};
use crate::fidelity::{exact_mean_ms, exact_quantile_ms, md1_wait_cdf, pollaczek_khinchine_mean_ms};

/// Four tenants on one pooled stack of `servers` servers with the given
/// service, the per-request engine.
fn pool(servers: u32, lambda: f64, service: &str, duration: &str, seed: u64) -> String {
    format!(
        r#"Scenario(version: 1, name: "exact", clock: (duration: "{duration}", seed: {seed}, replications: 2, engine: Exact),
            tiers: {{ "t": (price_per_month: 1.0) }},
            tenants: [ Group(prefix: "x", count: 4, tier: "t", load: (rate: {rate})) ],
            layers: ( compute: (service_time: {service}, concurrency: {servers}, instances: (min: 1, max: 1)) ),
            designs: [ (name: "pool", placement: {{ "*": Pool }}) ])"#,
        rate = lambda / 4.0
    )
}

/// Mean and p99 latency of the whole tier, ms, and requests dropped.
fn tier_figures(text: &str) -> (f64, f64, f64) {
    let report = run_1_and_2_threads(&load(text));
    let design = &report.designs[0];
    let served: f64 = design.tenants.iter().map(|t| t.served.mean).sum();
    let mean = design.tenants.iter().map(|t| t.latency.mean_ms.mean * t.served.mean).sum::<f64>() / served;
    (mean, design.tiers[0].p99_ms.mean, design.totals.dropped.mean)
}

#[test]
fn exact_engine_matches_erlang_c() {
    // M/M/c at ρ = 0.875 (c = 8), 0.5 (c = 1) and 0.1 (c = 2); μ = 50/s.
    // (M/M/1 at ρ = 0.8 would need hours of simulated time for its mean to
    // settle within 2 %: its waits are correlated over many seconds.)
    for (servers, lambda, duration) in [(8u32, 350.0, "1h"), (1, 25.0, "1h"), (2, 10.0, "1h")] {
        let want = (exact_mean_ms(servers, lambda, 50.0), exact_quantile_ms(servers, lambda, 50.0, 0.99));
        for seed in [3, 4] {
            let (mean, p99, dropped) =
                tier_figures(&pool(servers, lambda, "Exponential(mean_ms: 20.0)", duration, seed));
            assert!(close(mean, want.0, 0.02), "c {servers} seed {seed}: mean {mean} ms vs Erlang C {} ms", want.0);
            assert!(close(p99, want.1, 0.02), "c {servers} seed {seed}: p99 {p99} ms vs Erlang C {} ms", want.1);
            assert_eq!(dropped, 0.0);
        }
    }
}

#[test]
fn exact_engine_matches_pollaczek_khinchine_and_crommelin() {
    // M/D/1 at ρ = 0.5 and 0.8 (mean and p99), M/G/1 with lognormal
    // service of cv 0.5 (mean).
    for rho in [0.5, 0.8] {
        let lambda = rho * 50.0;
        let (mut lo, mut hi) = (0.0, 1.0);
        for _ in 0..100 {
            let mid = 0.5 * (lo + hi);
            if md1_wait_cdf(lambda, 0.02, mid) < 0.99 {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        let want_p99 = (0.5 * (lo + hi) + 0.02) * 1e3;
        let want_mean = pollaczek_khinchine_mean_ms(20.0, rho, 0.0);
        let (mean, p99, _) = tier_figures(&pool(1, lambda, "Deterministic(ms: 20.0)", "1h", 5));
        assert!(close(mean, want_mean, 0.02), "M/D/1 ρ {rho}: mean {mean} vs P-K {want_mean}");
        assert!(close(p99, want_p99, 0.02), "M/D/1 ρ {rho}: p99 {p99} vs Crommelin {want_p99}");
    }
    let want = pollaczek_khinchine_mean_ms(20.0, 0.7, 0.5);
    let (mean, _, _) = tier_figures(&pool(1, 35.0, "LogNormal(mean_ms: 20.0, cv: 0.5)", "1h", 6));
    assert!(close(mean, want, 0.02), "M/G/1 cv 0.5: mean {mean} vs P-K {want}");
}

#[test]
fn exact_token_bucket_admits_burst_plus_rate_and_no_more() {
    // One tenant offering 200/s against a plan of 50/s with a burst of 80:
    // over the whole run it gets exactly burst + rate·T, give or take the
    // last partial token; the rest is throttled by the plan.
    let text = r#"Scenario(version: 1, name: "bucket", clock: (duration: "10m", seed: 9, replications: 1, engine: Exact),
        tiers: { "t": (price_per_month: 1.0, plan: (rate: 50.0, burst: 80.0)) },
        tenants: [ Tenant(id: "a", tier: "t", load: (rate: 200.0)) ],
        layers: ( gateway: (), compute: (service_time: Exponential(mean_ms: 1.0), concurrency: 64, instances: (min: 1, max: 1)) ),
        designs: [ (name: "pool", placement: { "*": Pool }) ])"#;
    let report = run_1_and_2_threads(&load(text));
    let t = &report.designs[0].tenants[0];
    let bound = 80.0 + 50.0 * 600.0;
    assert!(t.admitted.mean <= bound, "admitted {} over the bound {bound}", t.admitted.mean);
    assert!(t.admitted.mean >= bound - 1.0, "admitted {} well under the bound {bound}", t.admitted.mean);
    assert_eq!(t.offered.mean, t.admitted.mean + t.throttled.plan.mean);
    // Over every 10-second point of the series, at most burst + rate·10.
    let admitted = &report.designs[0].series.total.admitted_per_sec.mean;
    let interval = report.designs[0].series.interval_secs;
    for (p, rate) in admitted.iter().enumerate() {
        assert!(rate * interval <= 80.0 + 50.0 * interval + 1e-6, "point {p}: {} admitted", rate * interval);
    }
}

#[test]
fn served_requests_never_wait_longer_than_the_timeout() {
    // A pool losing half its servers into overload with a 5 s timeout:
    // whatever is served waited at most 5 s, plus its 20 ms service, in the
    // per-request engine and in Auto (the fast engine's fluid gives a
    // latency distribution whose tail is not bounded this way).
    for engine in ["Exact", "Auto"] {
        let text = format!(
            r#"Scenario(version: 1, name: "timeout", clock: (duration: "12m", seed: 3, replications: 2, engine: {engine}),
                tiers: {{ "t": (price_per_month: 1.0) }},
                tenants: [ Group(prefix: "x", count: 4, tier: "t", load: (rate: 120.0)) ],
                layers: ( compute: (service_time: Deterministic(ms: 20.0), concurrency: 8, instances: (min: 2, max: 2),
                                    queue_timeout: "5s") ),
                designs: [ (name: "pool", placement: {{ "*": Pool }}) ],
                events: [ CapacityLoss(layer: Compute, at: "2m", duration: "5m", fraction: 0.5) ])"#
        );
        let report = run_1_and_2_threads(&load(&text));
        let design = &report.designs[0];
        assert!(design.totals.dropped.mean > 1000.0, "{engine}: the loss overloads the pool");
        // One fine bin (2 %) of slack for reading a percentile.
        let bound_ms = 5020.0 * 1.02;
        for tenant in &design.tenants {
            assert!(
                tenant.latency.p99_ms.mean <= bound_ms,
                "{engine} {}: p99 {}",
                tenant.id,
                tenant.latency.p99_ms.mean
            );
            assert!(tenant.latency.p99_ms.mean > 4500.0, "{engine} {}: requests did wait", tenant.id);
        }
    }
}
