//! Fidelity: a steady pool agrees with Erlang C (docs/model.md, "Latency") within 2 %.

use crate::common::{close, load, run};

/// Erlang C by its textbook definition (independent of the library's
/// recursion).
fn erlang_c_textbook(c: u32, a: f64) -> f64 {
    let mut sum = 0.0;
    let mut term = 1.0; // a^k / k!
    for k in 0..c {
        if k > 0 {
            term *= a / f64::from(k);
        }
        sum += term;
    }
    let top = term * a / f64::from(c) * f64::from(c) / (f64::from(c) - a);
    top / (sum + top)
}

/// P(latency > t) for M/M/c with exponential service, closed form.
fn tail(c: u32, lambda: f64, mu: f64, t: f64) -> f64 {
    let erl = erlang_c_textbook(c, lambda / mu);
    let theta = f64::from(c) * mu - lambda;
    let no_wait = (-mu * t).exp();
    let wait = if (theta - mu).abs() < 1e-9 {
        (-mu * t).exp() * (1.0 + mu * t)
    } else {
        (mu * (-theta * t).exp() - theta * (-mu * t).exp()) / (mu - theta)
    };
    (1.0 - erl) * no_wait + erl * wait
}

fn exact_quantile_ms(c: u32, lambda: f64, mu: f64, q: f64) -> f64 {
    let (mut lo, mut hi) = (0.0, 100.0);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if 1.0 - tail(c, lambda, mu, mid) < q {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi) * 1e3
}

fn exact_mean_ms(c: u32, lambda: f64, mu: f64) -> f64 {
    (erlang_c_textbook(c, lambda / mu) / (f64::from(c) * mu - lambda) + 1.0 / mu) * 1e3
}

fn steady_pool(servers: u32, lambda: f64) -> String {
    // Four tenants share one pooled stack of `servers` servers, μ = 50/s,
    // no gateway (nothing throttles), a fixed instance count.
    format!(
        r#"Scenario(version: 1, name: "fidelity", clock: (duration: "2h", seed: 11, replications: 3),
            tiers: {{ "t": (price_per_month: 1.0) }},
            tenants: [ Group(prefix: "x", count: 4, tier: "t", load: (rate: {rate})) ],
            layers: ( compute: (service_time: Exponential(mean_ms: 20.0), concurrency: {servers},
                                instances: (min: 1, max: 1)) ),
            designs: [ (name: "pool", placement: {{ "*": Pool }}) ])"#,
        rate = lambda / 4.0
    )
}

#[test]
fn textbook_erlang_c_matches_the_worked_value() {
    assert!(close(erlang_c_textbook(8, 7.0), 0.6353, 1e-4));
    assert!(close(exact_mean_ms(8, 350.0, 50.0), 32.71, 1e-3));
    assert!(close(exact_quantile_ms(8, 350.0, 50.0, 0.99), 124.05, 1e-3));
    assert!(close(exact_quantile_ms(8, 350.0, 50.0, 0.50), 25.85, 1e-3));
    assert!(close(exact_quantile_ms(8, 350.0, 50.0, 0.95), 86.30, 1e-3));
    assert!(close(exact_mean_ms(2, 10.0, 50.0), 20.20, 1e-3));
    assert!(close(exact_quantile_ms(2, 10.0, 50.0, 0.99), 92.54, 1e-3));
    assert!(close(exact_mean_ms(1, 40.0, 50.0), 100.0, 1e-3));
    assert!(close(exact_quantile_ms(1, 40.0, 50.0, 0.99), 460.5, 1e-3));
}

#[test]
fn steady_pool_matches_erlang_c_within_two_percent() {
    let mu = 50.0;
    for servers in [1u32, 2, 8] {
        for rho in [0.5, 0.8, 0.875] {
            let lambda = rho * f64::from(servers) * mu;
            let report = run(&load(&steady_pool(servers, lambda)));
            let design = &report.designs[0];
            let want_mean = exact_mean_ms(servers, lambda, mu);
            let want_p99 = exact_quantile_ms(servers, lambda, mu, 0.99);
            let want_p50 = exact_quantile_ms(servers, lambda, mu, 0.50);
            for tenant in &design.tenants {
                let l = &tenant.latency;
                assert!(
                    close(l.mean_ms.mean, want_mean, 0.02),
                    "c={servers} ρ={rho}: mean {} vs {want_mean}",
                    l.mean_ms.mean
                );
                assert!(
                    close(l.p99_ms.mean, want_p99, 0.02),
                    "c={servers} ρ={rho}: p99 {} vs {want_p99}",
                    l.p99_ms.mean
                );
                assert!(close(l.p50_ms.mean, want_p50, 0.02), "c={servers} ρ={rho}: p50");
                assert_eq!(tenant.dropped.total.mean, 0.0, "no drops in a stable queue");
                assert_eq!(tenant.throttled.total.mean, 0.0, "no gateway, no throttling");
            }
            assert!(close(design.tiers[0].p99_ms.mean, want_p99, 0.02));
            // Little's law on the whole stack: L = λW; the served rate
            // matches λ within Poisson noise (4 σ).
            let served_per_sec = design.totals.served.mean / report.duration_secs;
            let sigma = (lambda / report.duration_secs / f64::from(report.replications)).sqrt();
            assert!((served_per_sec - lambda).abs() < 4.0 * sigma + 1e-6, "throughput {served_per_sec} vs {lambda}");
        }
    }
}

#[test]
fn model_worked_values_from_the_engine() {
    for (servers, lambda, mean_ms, p99_ms) in
        [(8u32, 350.0, 32.71, 124.05), (2, 10.0, 20.20, 92.54), (1, 40.0, 100.0, 460.5)]
    {
        let report = run(&load(&steady_pool(servers, lambda)));
        let tier = &report.designs[0].tiers[0];
        let tenant = &report.designs[0].tenants[0];
        assert!(close(tenant.latency.mean_ms.mean, mean_ms, 0.02), "c={servers}: mean {}", tenant.latency.mean_ms.mean);
        assert!(close(tier.p99_ms.mean, p99_ms, 0.02), "c={servers}: p99 {}", tier.p99_ms.mean);
    }
}
