//! Token buckets: over any window of length T the admitted count is at most
//! `burst + rate·T`, and within 1 % of it under saturation (docs/model.md, "Throttle chain").

use crate::common::{load, run};

fn saturated(rate: f64, burst: f64, offered: f64, tick: &str) -> String {
    format!(
        r#"Scenario(version: 1, name: "bucket", clock: (duration: "10m", tick: "{tick}", seed: 5, replications: 1),
            tiers: {{ "t": (price_per_month: 1.0, plan: (rate: {rate}, burst: {burst})) }},
            tenants: [ Tenant(id: "hog", tier: "t", load: (rate: {offered})) ],
            layers: ( gateway: (account_rate: 1000000.0, account_burst: 1000000.0),
                      compute: (service_time: Exponential(mean_ms: 1.0), concurrency: 100, instances: (min: 100, max: 100)) ),
            designs: [ (name: "pool", placement: {{ "*": Pool }}) ])"#
    )
}

#[test]
fn admitted_never_exceeds_burst_plus_rate_times_window() {
    for (rate, burst, tick) in [(100.0, 500.0, "1s"), (50.0, 50.0, "1s"), (300.0, 20.0, "1s"), (75.0, 100.0, "250ms")] {
        let report = run(&load(&saturated(rate, burst, 10.0 * rate, tick)));
        let design = &report.designs[0];
        let series = &design.series;
        let admitted_per_sec = &series.total.admitted_per_sec.mean;
        // Length of each series interval (the last one may be shorter).
        let lengths: Vec<f64> =
            series.t_secs.iter().map(|t| series.interval_secs.min(report.duration_secs - t)).collect();
        // Every window of whole series intervals [i, j].
        for i in 0..admitted_per_sec.len() {
            let mut admitted = 0.0;
            let mut window_secs = 0.0;
            for (j, per_sec) in admitted_per_sec.iter().enumerate().skip(i) {
                admitted += per_sec * lengths[j];
                window_secs += lengths[j];
                assert!(
                    admitted <= burst + rate * window_secs + 1e-6,
                    "rate {rate} burst {burst}: {admitted} admitted in {window_secs} s"
                );
            }
        }
        // Whole run: saturated, so within 1 % of the bound.
        let tenant = &design.tenants[0];
        let bound = burst + rate * report.duration_secs;
        assert!(tenant.admitted.mean <= bound);
        assert!(tenant.admitted.mean >= 0.99 * bound, "rate {rate}: {} of {bound}", tenant.admitted.mean);
        assert!(tenant.throttled.plan.mean > 0.0);
        assert_eq!(tenant.throttled.account.mean, 0.0);
    }
}

#[test]
fn shared_account_bucket_throttles_everyone_behind_it() {
    let text = r#"Scenario(version: 1, name: "account", clock: (duration: "10m", seed: 9, replications: 2),
        tiers: { "t": (price_per_month: 1.0, plan: (rate: 1000.0, burst: 1000.0)) },
        tenants: [ Group(prefix: "a", count: 4, tier: "t", load: (rate: 400.0)) ],
        layers: ( gateway: (account_rate: 1000.0, account_burst: 500.0),
                  compute: (service_time: Exponential(mean_ms: 1.0), concurrency: 100, instances: (min: 100, max: 100)) ),
        designs: [ (name: "pool", placement: { "*": Pool }), (name: "silo", placement: { "*": Silo }) ])"#;
    let report = run(&load(text));
    let pool = report.design("pool").unwrap_or_else(|| panic!("no pool"));
    let silo = report.design("silo").unwrap_or_else(|| panic!("no silo"));
    // 1,600 req/s offered against a shared 1,000 req/s bucket: every tenant
    // is throttled by the account, none by its own plan.
    let bound = 500.0 + 1000.0 * report.duration_secs;
    let admitted: f64 = pool.tenants.iter().map(|t| t.admitted.mean).sum();
    assert!(admitted <= bound && admitted >= 0.99 * bound, "{admitted} vs {bound}");
    for t in &pool.tenants {
        assert!(t.throttled.account.mean > 0.2 * t.offered.mean, "{}", t.id);
        assert_eq!(t.throttled.plan.mean, 0.0);
        // Round-robin remainders keep the split fair: each gets ~1/4.
        assert!((t.admitted.mean / admitted - 0.25).abs() < 0.01);
    }
    // In silos each tenant has its own account bucket: nobody is throttled.
    for t in &silo.tenants {
        assert_eq!(t.throttled.total.mean, 0.0, "{}", t.id);
    }
}

#[test]
fn daily_quota_stops_a_tenant_at_its_limit() {
    let text = r#"Scenario(version: 1, name: "quota", clock: (duration: "1h", seed: 2, replications: 1),
        tiers: { "t": (price_per_month: 1.0, plan: (rate: 100.0, burst: 100.0, quota_per_day: 20000)) },
        tenants: [ Tenant(id: "q", tier: "t", load: (rate: 20.0)) ],
        layers: ( gateway: (), compute: (service_time: Exponential(mean_ms: 5.0), concurrency: 10, instances: (min: 2, max: 2)) ),
        designs: [ (name: "pool", placement: { "*": Pool }) ])"#;
    let report = run(&load(text));
    let t = &report.designs[0].tenants[0];
    assert_eq!(t.admitted.mean, 20_000.0);
    assert!(t.throttled.quota.mean > 40_000.0);
    assert_eq!(t.throttled.plan.mean, 0.0);
}
