//! Serverless functions behind a queue layer (SQS feeding Lambda): a
//! message waits for its function's concurrency instead of being
//! throttled, so a function of n executions behind a queue is an M/M/n
//! queue where the same function without one is an Erlang B loss system.
//! A tier's reservation with a queue per tenant isolates exactly. Expected
//! values come from the closed forms, computed here, at 1 and 2 threads,
//! on three seeds.

use crate::common::{assert_refused, close, erlang_c, load, mmc_time_ms, run_1_and_2_threads};

/// Four tier "t" tenants at `rate` each (and the tenants in `extra`) on
/// one pooled functions stack of 100 ms exponential executions, behind a
/// queue when `queue` is not empty (the design's own `layers` after it).
fn queued(functions: &str, queue: &str, rate: f64, seed: u64, extra: &str, per_tenant: &str) -> String {
    format!(
        r#"Scenario(version: 1, name: "queued functions", clock: (duration: "1h", seed: {seed}, replications: 2),
            tiers: {{ "t": (price_per_month: 1.0), "r": (price_per_month: 1.0) }},
            tenants: [ Group(prefix: "x", count: 4, tier: "t", load: (rate: {rate})) {extra} ],
            layers: ( {queue} compute: (service_time: Exponential(mean_ms: 100.0), functions: ({functions})) ),
            designs: [ (name: "pool", placement: {{ "*": Pool }} {per_tenant}) ])"#
    )
}

/// Erlang B: the probability that an arrival finds all `servers` busy at
/// `a` erlangs.
fn erlang_b(servers: u32, a: f64) -> f64 {
    (1..=servers).fold(1.0, |b, k| a * b / (f64::from(k) + a * b))
}

#[test]
fn behind_a_queue_a_function_is_an_mmc_queue_and_throttles_nothing() {
    // 10 executions, 8 erlangs (80 messages a second of 100 ms), no cold
    // starts: Erlang C says 41 % of messages wait, 20.5 ms on average.
    let functions = r#"concurrency_limit: 10, cold_start: "0s""#;
    let want = mmc_time_ms(10, 80.0, 100.0);
    assert!((erlang_c(10, 8.0) - 0.409).abs() < 0.001);
    for seed in [1, 2, 3] {
        let report = run_1_and_2_threads(&load(&queued(functions, "queue: (),", 20.0, seed, "", "")));
        let d = &report.designs[0];
        let (mut offered, mut served, mut mean) = (0.0, 0.0, 0.0);
        for t in &d.tenants {
            assert_eq!(t.throttled.concurrency.mean, 0.0, "{}: a queued message is never throttled", t.id);
            assert_eq!(t.dropped.timeout.mean, 0.0, "{}: nothing waits a day", t.id);
            offered += t.offered.mean;
            served += t.served.mean;
            mean += t.latency.mean_ms.mean / 4.0;
        }
        assert!(close(served, offered, 1e-3), "seed {seed}: served {served} of {offered}");
        assert!(close(mean, want, 0.03), "seed {seed}: mean {mean:.1} ms, M/M/10 {want:.1} ms");
        // Without the queue the same load is throttled as Erlang B says.
        let report = run_1_and_2_threads(&load(&queued(functions, "", 20.0, seed, "", "")));
        let d = &report.designs[0];
        let offered: f64 = d.tenants.iter().map(|t| t.offered.mean).sum();
        let throttled: f64 = d.tenants.iter().map(|t| t.throttled.concurrency.mean).sum();
        let want_b = erlang_b(10, 8.0);
        assert!(close(throttled / offered, want_b, 0.04), "seed {seed}: {:.4} vs {want_b:.4}", throttled / offered);
    }
}

#[test]
fn a_reserved_tenant_with_its_own_queue_waits_only_for_its_own_function() {
    // Account 30; "solo" reserves 10 and reads its own queue at 7 erlangs
    // (M/M/10); the four others share the other 20 executions at 17
    // erlangs, each from its own queue read in turn (work-conserving with
    // equal means: M/M/20 per tenant). Then the others send 30 times as
    // much for 20 minutes: solo's figures do not move at all.
    let extra = r#", Tenant(id: "solo", tier: "r", load: (rate: 70.0))"#;
    let functions = r#"concurrency_limit: 30, reserved: {"r": 10}, cold_start: "0s""#;
    let per_tenant = r#", layers: (queue: { "*": Silo })"#;
    for seed in [1, 2, 3] {
        let text = queued(functions, "queue: (),", 42.5, seed, extra, per_tenant);
        let report = run_1_and_2_threads(&load(&text));
        let d = &report.designs[0];
        let solo = d.tenants.iter().find(|t| t.id == "solo").cloned().unwrap_or_else(|| panic!("no solo"));
        let want = mmc_time_ms(10, 70.0, 100.0);
        let got = solo.latency.mean_ms.mean;
        assert!(close(got, want, 0.04), "seed {seed}: solo {got:.1} ms, M/M/10 {want:.1}");
        let want = mmc_time_ms(20, 170.0, 100.0);
        for t in d.tenants.iter().filter(|t| t.tier == "t") {
            let got = t.latency.mean_ms.mean;
            assert!(close(got, want, 0.05), "seed {seed}: {} {got:.1} ms, M/M/20 {want:.1}", t.id);
        }
        let spiked = text.replace(
            "designs:",
            r#"events: [ Spike(tenant: "x-00", at: "20m", duration: "20m", factor: 30.0) ], designs:"#,
        );
        let report = run_1_and_2_threads(&load(&spiked));
        let d = &report.designs[0];
        let noisy = d.tenants.iter().find(|t| t.id == "x-01").cloned().unwrap_or_else(|| panic!("no x-01"));
        assert!(noisy.latency.mean_ms.mean > 2.0 * want, "the shared function's tenants wait for the spike");
        let after = d.tenants.iter().find(|t| t.id == "solo").cloned().unwrap_or_else(|| panic!("no solo"));
        assert_eq!(after.latency.mean_ms.mean, solo.latency.mean_ms.mean, "seed {seed}: isolated exactly");
        assert_eq!(after.latency.p99_ms.mean, solo.latency.p99_ms.mean, "seed {seed}: isolated exactly");
        assert_eq!(after.served.mean, solo.served.mean);
    }
}

#[test]
fn one_account_reads_a_shared_queue_and_a_reserved_tenants_own_queue() {
    // Design "bridge": the four "t" tenants share one queue (first in,
    // first out) read by the account's unreserved 20 executions, M/M/20 at
    // 17 erlangs; "solo" reads its own queue with its reservation, as in
    // the design with a queue per tenant, and sees the very same waits.
    let extra = r#", Tenant(id: "solo", tier: "r", load: (rate: 70.0))"#;
    let functions = r#"concurrency_limit: 30, reserved: {"r": 10}, cold_start: "0s""#;
    let bridge = r#"designs: [ (name: "bridge", placement: { "*": Pool }, layers: (queue: { "r": Silo, "*": Pool })),"#;
    let want = mmc_time_ms(20, 170.0, 100.0);
    for seed in [1, 2, 3] {
        let text = queued(functions, "queue: (),", 42.5, seed, extra, r#", layers: (queue: { "*": Silo })"#)
            .replace("designs: [", bridge);
        let report = run_1_and_2_threads(&load(&text));
        let (shared, each) = (&report.designs[0], &report.designs[1]);
        assert_eq!(shared.name, "bridge");
        for t in shared.tenants.iter().filter(|t| t.tier == "t") {
            let got = t.latency.mean_ms.mean;
            assert!(close(got, want, 0.05), "seed {seed}: {} {got:.1} ms, M/M/20 {want:.1}", t.id);
        }
        let solo = |d: &tenantsim::report::DesignReport| d.tenants.iter().find(|t| t.id == "solo").cloned();
        let (a, b) = (solo(shared), solo(each));
        let (a, b) = (a.unwrap_or_else(|| panic!("no solo")), b.unwrap_or_else(|| panic!("no solo")));
        assert_eq!(a.latency.mean_ms.mean, b.latency.mean_ms.mean, "seed {seed}");
        assert_eq!(a.latency.p99_ms.mean, b.latency.p99_ms.mean, "seed {seed}");
    }
}

#[test]
fn an_event_source_maximum_concurrency_makes_each_queue_an_mmc_queue_of_its_own() {
    // A queue per tenant, each processed at most 5 at a time by a function
    // with 100 executions to spare: each tenant at 4 erlangs is its own
    // M/M/5 queue (Erlang C: 55 % wait); without the limit none waits.
    let functions = r#"concurrency_limit: 100, cold_start: "0s""#;
    let per_tenant = r#", layers: (queue: { "*": Silo })"#;
    let want = mmc_time_ms(5, 40.0, 100.0);
    for seed in [1, 2, 3] {
        let text = queued(functions, "queue: (max_concurrency: 5),", 40.0, seed, "", per_tenant);
        let report = run_1_and_2_threads(&load(&text));
        for t in &report.designs[0].tenants {
            let got = t.latency.mean_ms.mean;
            assert!(close(got, want, 0.04), "seed {seed}: {} {got:.1} ms, M/M/5 {want:.1}", t.id);
        }
        let report = run_1_and_2_threads(&load(&queued(functions, "queue: (),", 40.0, seed, "", per_tenant)));
        for t in &report.designs[0].tenants {
            let got = t.latency.mean_ms.mean;
            assert!(close(got, 100.0, 0.03), "seed {seed}: {} {got:.1} ms without a limit", t.id);
        }
    }
}

#[test]
fn a_message_waits_for_a_new_environment_instead_of_being_throttled() {
    // The function may start one new environment a second and keeps them
    // warm all run; 50 messages a second of 100 ms need about 5 at once.
    // Nothing is throttled, and the first seconds' messages wait for the
    // environments to come.
    let functions = r#"concurrency_limit: 100, scale_per_10s: 10, keep_warm: "2h", cold_start: "0s""#;
    let report = run_1_and_2_threads(&load(&queued(functions, "queue: (),", 12.5, 1, "", "")));
    let d = &report.designs[0];
    for t in &d.tenants {
        assert_eq!(t.throttled.concurrency.mean, 0.0, "{}", t.id);
        assert!(close(t.served.mean, t.offered.mean, 1e-3), "{}: every message served", t.id);
    }
    let cold: f64 = d.tenants.iter().map(|t| t.cold_starts.mean).sum();
    assert!((10.0..40.0).contains(&cold), "environments started: {cold}");
}

#[test]
fn a_maximum_concurrency_needs_functions_and_a_value_aws_allows() {
    let instances = r#"Scenario(version: 1, name: "q", clock: (duration: "1m"), tiers: { "t": (price_per_month: 1.0) },
        tenants: [ Tenant(id: "a", tier: "t", load: (rate: 1.0)) ],
        layers: (queue: (max_concurrency: 5), compute: (service_time: Exponential(mean_ms: 10.0))),
        designs: [ (name: "pool", placement: { "*": Pool }) ])"#;
    let cases = [
        (instances.to_owned(), "layers.queue.max_concurrency: a queue's event source limits the executions"),
        (
            queued("concurrency_limit: 10", "queue: (max_concurrency: 1),", 1.0, 1, "", ""),
            "layers.queue.max_concurrency",
        ),
        (
            queued("concurrency_limit: 10", "queue: (max_concurrency: 1001),", 1.0, 1, "", ""),
            "layers.queue.max_concurrency",
        ),
    ];
    for (text, expected) in cases {
        assert_refused(&text, expected);
    }
}

#[test]
fn a_reserving_tier_in_a_shared_queue_is_refused_with_its_path() {
    let extra = r#", Tenant(id: "solo", tier: "r", load: (rate: 70.0))"#;
    let functions = r#"concurrency_limit: 30, reserved: {"r": 10}"#;
    let text = queued(functions, "queue: (),", 1.0, 1, extra, "");
    let want = "layers.compute.functions.reserved: design \"pool\": tenant \"solo\" shares a queue";
    assert_refused(&text, want);
}
