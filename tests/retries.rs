//! Client retries: the per-request engine against closed forms (Erlang B's
//! fixed point for a concurrency limit whose throttled requests come back;
//! a quota that lets exactly its limit through however often the rest is
//! retried), a retry budget's ratio, the accounting of requests against
//! attempts, and the checks on the `retry` section. Every expected value is
//! computed here, independently of the engine.

use tenantsim::scenario::{self, Limits, LoadError};

use crate::common::{close, load, run_1_and_2_threads};

/// Erlang B: the probability that an arrival finds all `servers` busy at
/// offered load `a` (in erlangs), by its recurrence.
fn erlang_b(servers: u32, a: f64) -> f64 {
    (1..=servers).fold(1.0, |b, k| a * b / (f64::from(k) + a * b))
}

/// Four tenants of tier "t" at `rate` each on one pooled functions stack
/// of `limit` executions (100 ms exponential service, no cold starts),
/// retrying as `retry` says.
fn retrying_pool(limit: u32, rate: f64, retry: &str, seed: u64) -> String {
    format!(
        r#"Scenario(version: 1, name: "retries", clock: (duration: "1h", seed: {seed}, replications: 2),
            tiers: {{ "t": (price_per_month: 1.0, retry: ({retry})) }},
            tenants: [ Group(prefix: "x", count: 4, tier: "t", load: (rate: {rate})) ],
            layers: ( compute: (service_time: Exponential(mean_ms: 100.0),
                                functions: (concurrency_limit: {limit}, cold_start: "0s")) ),
            designs: [ (name: "pool", placement: {{ "*": Pool }}) ])"#
    )
}

/// Sums over the design's tenants: (attempts, retries, throttled
/// attempts, requests unserved as a share of requests).
fn totals(text: &str) -> (f64, f64, f64, f64) {
    let report = run_1_and_2_threads(&load(text));
    assert_eq!(report.engine, "exact", "retries run the per-request engine");
    let d = &report.designs[0];
    let attempts: f64 = d.tenants.iter().map(|t| t.offered.mean).sum();
    let retries: f64 = d.tenants.iter().map(|t| t.retries.mean).sum();
    let throttled: f64 = d.tenants.iter().map(|t| t.throttled.concurrency.mean).sum();
    assert!((d.totals.retries.mean - retries).abs() < 1e-6 * retries.max(1.0));
    (attempts, retries, throttled, d.totals.unserved_fraction.mean)
}

#[test]
fn throttled_retries_settle_where_erlang_b_meets_the_load_they_add() {
    // n executions, first attempts at λ·E[S] = a0 erlangs. With long,
    // jittered waits, retries arrive like a Poisson stream of their own,
    // so an attempt is throttled with p = B(n, a0·(1 + p + … + p^(m-1)))
    // and a request is given up with p^m (m attempts).
    for (n, a0, m, seed) in [(10u32, 8.0, 3u32, 3u64), (20, 17.0, 4, 4)] {
        let mut p = erlang_b(n, a0);
        for _ in 0..200 {
            let amplification: f64 = (0..m).map(|k| p.powi(k as i32)).sum();
            p = erlang_b(n, a0 * amplification);
        }
        let amplification: f64 = (0..m).map(|k| p.powi(k as i32)).sum();
        let retry = format!(r#"attempts: {m}, backoff: Constant("20s"), jitter: Full"#);
        let text = retrying_pool(n, a0 / 0.1 / 4.0, &retry, seed);
        let (attempts, retries, throttled, unserved) = totals(&text);
        let share = throttled / attempts;
        assert!(close(share, p, 0.05), "n {n}, a0 {a0}: throttled share {share:.4} vs fixed point {p:.4}");
        let first = attempts - retries;
        let per_request = retries / first;
        assert!(
            close(per_request, amplification - 1.0, 0.06),
            "n {n}, a0 {a0}: retries per request {per_request:.4} vs {:.4}",
            amplification - 1.0
        );
        let given_up = p.powi(m as i32);
        assert!(close(unserved, given_up, 0.2), "n {n}, a0 {a0}: given up {unserved:.5} vs p^{m} {given_up:.5}");
        // Without retries the same pool throttles at B(n, a0), more of the
        // requests in the end.
        let plain = retrying_pool(n, a0 / 0.1 / 4.0, "", seed).replace(", retry: ()", "");
        let report = run_1_and_2_threads(&load(&plain));
        let lost = report.designs[0].totals.unserved_fraction.mean;
        assert!(close(lost, erlang_b(n, a0), 0.05), "no retries: {lost:.4} vs {:.4}", erlang_b(n, a0));
        assert!(lost > 3.0 * unserved, "retries recover requests: {lost:.4} vs {unserved:.5}");
    }
}

#[test]
fn a_quota_lets_its_limit_through_however_often_the_rest_is_retried() {
    // 10 req/s for an hour against 5,000 a day: exactly 5,000 are served;
    // every later request is tried three times, one second apart, and
    // given up, except those whose retries the run's end cuts short.
    let text = r#"Scenario(version: 1, name: "quota", clock: (duration: "1h", seed: 9, replications: 2),
        tiers: { "t": (price_per_month: 1.0, plan: (rate: 1000.0, burst: 1000.0, quota_per_day: 5000),
                       retry: (attempts: 3, backoff: Constant("1s"), jitter: None)) },
        tenants: [ Tenant(id: "a", tier: "t", load: (rate: 10.0)) ],
        layers: ( gateway: (account_rate: 10000.0, account_burst: 10000.0),
                  compute: (service_time: Exponential(mean_ms: 10.0), instances: (min: 4, max: 4)) ),
        designs: [ (name: "pool", placement: { "*": Pool }) ])"#;
    let report = run_1_and_2_threads(&load(text));
    let t = &report.designs[0].tenants[0];
    assert_eq!(t.served.mean, 5000.0);
    let requests = t.offered.mean - t.retries.mean;
    let refused = requests - 5000.0;
    // Two retries per refused request, less those still waiting (at most
    // two seconds' worth, 2 × 10 req/s × 2 s).
    assert!(t.retries.mean <= 2.0 * refused && t.retries.mean >= 2.0 * refused - 40.0, "{t:?}");
    // The quota refuses every retry, and every request past its limit once.
    assert_eq!(t.throttled.quota.mean, refused + t.retries.mean);
    let unserved = t.unserved_fraction.mean;
    // (The report's share is the mean of each replication's; this is the
    // share of the means.)
    let want = (refused - t.in_flight.mean) / requests;
    assert!((unserved - want).abs() < 1e-5, "unserved {unserved} vs {want}");
    // The timelines' retries, per second over each interval, add up to the
    // count.
    let series = &report.designs[0].series;
    let charted: f64 = series.total.retries_per_sec.mean.iter().map(|r| r * series.interval_secs).sum();
    assert!((charted - t.retries.mean).abs() < 1e-6 * t.retries.mean, "{charted} vs {}", t.retries.mean);
}

#[test]
fn a_retry_budget_holds_retries_to_its_share_of_requests() {
    // Twice the pool's capacity: most attempts fail, so retries are as
    // many as the budget allows, 10 % of first attempts (plus the ten
    // tokens each tenant starts with).
    let retry = r#"attempts: 5, backoff: Constant("100ms"), jitter: Full, budget: 0.1"#;
    let (attempts, retries, _, _) = totals(&retrying_pool(10, 50.0, retry, 5));
    let first = attempts - retries;
    let share = retries / first;
    assert!(share <= 0.1 + 4.0 * 10.0 / first && share > 0.095, "retries per request {share:.4}");
    // Without the budget, four retries per failed request pile up.
    let retry = r#"attempts: 5, backoff: Constant("100ms"), jitter: Full"#;
    let (attempts, retries, _, _) = totals(&retrying_pool(10, 50.0, retry, 5));
    assert!(retries / (attempts - retries) > 1.0, "{retries} retries of {attempts} attempts");
}

#[test]
fn retry_policies_are_checked_field_by_field() {
    let with = |retry: &str| retrying_pool(10, 10.0, retry, 1);
    for (retry, path) in [
        (r#"attempts: 1, backoff: Constant("1s")"#, r#"tiers."t".retry.attempts"#),
        (r#"attempts: 11, backoff: Constant("1s")"#, r#"tiers."t".retry.attempts"#),
        (r#"attempts: 3, backoff: Constant("2h")"#, r#"tiers."t".retry.backoff"#),
        (r#"attempts: 3, backoff: Exponential(base: "1s", cap: "100ms")"#, r#"tiers."t".retry.backoff.cap"#),
        (r#"attempts: 3, backoff: Exponential(base: "soon", cap: "1s")"#, r#"tiers."t".retry.backoff.base"#),
        (r#"attempts: 3, backoff: Constant("1s"), budget: 1.5"#, r#"tiers."t".retry.budget"#),
        (r#"attempts: 3, backoff: Constant("1s"), timeout: "0s""#, r#"tiers."t".retry.timeout"#),
        (r#"attempts: 1, backoff: Constant("1s"), timeout: "2h""#, r#"tiers."t".retry.timeout"#),
        (r#"attempts: 2, backoff: Constant("1s"), timeout: "later""#, r#"tiers."t".retry.timeout"#),
    ] {
        match scenario::load_str(&with(retry), &Limits::default()) {
            Err(LoadError::Invalid(errors)) => {
                assert!(errors.0.iter().any(|e| e.path == path), "{retry}: {errors}");
            }
            other => panic!("{retry}: expected an error at {path}, got {other:?}"),
        }
    }
    // One attempt is a policy only with a timeout: clients that give up
    // without retrying.
    assert!(
        scenario::load_str(&with(r#"attempts: 1, backoff: Constant("1s"), timeout: "2s""#), &Limits::default()).is_ok()
    );
}
