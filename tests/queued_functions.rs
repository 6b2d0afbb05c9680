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
    // equal means: M/M/20 per tenant). Then x-00 sends 30 times as much
    // for 20 minutes, swamping the shared function: solo's figures do not
    // move at all.
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
        let noisy = d.tenants.iter().find(|t| t.id == "x-00").cloned().unwrap_or_else(|| panic!("no x-00"));
        assert!(noisy.latency.mean_ms.mean > 10.0 * want, "the spike swamps the shared function");
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
fn a_burst_waits_for_the_scaling_rate_and_no_longer() {
    // 200 messages in 10 s, each holding its execution 10 minutes: the
    // function starts 10 environments at once, then one a second, so the
    // k-th message (arriving at about k/20 s) starts at about k − 10 s and
    // the last waits about 180 s; nothing else happens to wake the queue.
    for seed in [1, 2, 3] {
        let text = format!(
            r#"Scenario(version: 1, name: "burst", clock: (duration: "30m", seed: {seed}, replications: 2),
            tiers: {{ "t": (price_per_month: 1.0) }},
            tenants: [ Tenant(id: "a", tier: "t", load: (rate: 0.01)) ],
            layers: ( queue: (visibility_timeout: "12h"),
                      compute: (service_time: Deterministic(ms: 600000.0),
                                functions: (concurrency_limit: 1000, scale_per_10s: 10, keep_warm: "2h", cold_start: "0s")) ),
            designs: [ (name: "pool", placement: {{ "*": Pool }}) ],
            events: [ Spike(tenant: "a", at: "60s", duration: "10s", factor: 2000.0) ])"#
        );
        let report = run_1_and_2_threads(&load(&text));
        let a = &report.designs[0].tenants[0];
        let oldest_secs = a.oldest_message_ms.mean / 1e3;
        let burst = a.offered.mean - 18.0;
        let want = 0.95 * burst - 10.0;
        assert!((oldest_secs - want).abs() < 20.0, "seed {seed}: oldest {oldest_secs:.0} s, about {want:.0} s");
    }
}

#[test]
fn a_busy_reserved_tenant_does_not_change_the_others_turns() {
    // "r" keeps its 8 reserved executions busy (or sends almost nothing);
    // b and c share the other 4 with d, which bursts at 30/s for two
    // minutes. The shared function's tenants see the same waits either
    // way: a function's turns are its own.
    let text = |r: f64, seed: u64| {
        format!(
            r#"Scenario(version: 1, name: "turns", clock: (duration: "40m", seed: {seed}, replications: 2),
            tiers: {{ "t": (price_per_month: 1.0), "r": (price_per_month: 1.0) }},
            tenants: [ Tenant(id: "r", tier: "r", load: (rate: {r})),
                       Tenant(id: "b", tier: "t", load: (rate: 10.0)), Tenant(id: "c", tier: "t", load: (rate: 10.0)),
                       Tenant(id: "d", tier: "t", load: (rate: 30.0, pattern: Bursty(on: "30m", off: "2m", factor: 0.0))) ],
            layers: ( queue: (), compute: (service_time: Exponential(mean_ms: 100.0),
                      functions: (concurrency_limit: 12, reserved: {{"r": 8}}, cold_start: "0s", keep_warm: "2h")) ),
            designs: [ (name: "each", placement: {{ "*": Pool }}, layers: (queue: {{ "*": Silo }})) ])"#
        )
    };
    for seed in [1, 2, 3] {
        let busy = run_1_and_2_threads(&load(&text(100.0, seed)));
        let quiet = run_1_and_2_threads(&load(&text(0.001, seed)));
        for id in ["b", "c", "d"] {
            let of = |r: &tenantsim::report::RunReport| {
                r.designs[0].tenants.iter().find(|t| t.id == id).map_or(f64::NAN, |t| t.latency.mean_ms.mean)
            };
            let (a, b) = (of(&busy), of(&quiet));
            assert!(
                close(a, b, 0.005),
                "seed {seed}: {id} waits {a:.1} ms beside a busy r, {b:.1} ms beside a quiet one"
            );
        }
    }
}

#[test]
fn behind_a_fifo_queue_each_message_group_is_a_single_server_queue() {
    // A FIFO queue's group is processed one message at a time whatever
    // executions are free: quiet (5/s, one group), noisy (9/s, one group)
    // and sharded (5/s over 4 groups) on 100 executions of 100 ms are
    // M/M/1 queues at their groups' rates.
    let mm1_mean_ms = |lambda: f64| 1e3 / (10.0 - lambda);
    for seed in [1, 2, 3] {
        let text = format!(
            r#"Scenario(version: 1, name: "fifo functions", clock: (duration: "2h", seed: {seed}, replications: 4),
            tiers: {{ "t": (price_per_month: 1.0) }},
            tenants: [ Tenant(id: "quiet", tier: "t", load: (rate: 5.0)), Tenant(id: "noisy", tier: "t", load: (rate: 9.0)),
                       Tenant(id: "sharded", tier: "t", load: (rate: 5.0, key_shards: 4)) ],
            layers: ( queue: (fifo: true), compute: (service_time: Exponential(mean_ms: 100.0),
                      functions: (concurrency_limit: 100, cold_start: "0s")) ),
            designs: [ (name: "pool", placement: {{ "*": Pool }}) ])"#
        );
        let report = run_1_and_2_threads(&load(&text));
        for (id, lambda) in [("quiet", 5.0), ("noisy", 9.0), ("sharded", 1.25)] {
            let t = report.designs[0].tenants.iter().find(|t| t.id == id).unwrap_or_else(|| panic!("no {id}"));
            let (got, want) = (t.latency.mean_ms.mean, mm1_mean_ms(lambda));
            // A group at ρ 0.9 wanders far: a wider margin.
            let tolerance = if lambda > 8.0 { 0.08 } else { 0.03 };
            assert!(close(got, want, tolerance), "seed {seed}: {id} {got:.1} ms, M/M/1 {want:.1} ms");
            assert_eq!(t.throttled.concurrency.mean, 0.0);
        }
    }
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

#[test]
fn a_queue_lets_its_function_add_five_executions_a_second_and_starts_again_from_five() {
    // The function could start 3000 at once; the shared queue's pollers
    // start with 5 and add 5 a second while messages wait. A burst of n
    // messages in one second: the k-th starts about (k − 5)/5 s after the
    // burst began, so the last one waits about (n − 5)/5 − 1 s. Each holds
    // its execution two minutes, so four minutes after "a"'s burst of 300
    // nothing of it runs and, a minute on, the pollers are back to five:
    // "b"'s burst of 600 waits about (600 − 5)/5 − 1 s, not the
    // (600 − 300)/5 − 1 s it would if they kept "a"'s level. (A tenant's
    // other messages caught in a burst wait less than it; the few running
    // at a time shift the waits by about a second.)
    let text = |seed: u64, b_spikes: bool| {
        let b = if b_spikes { r#"Spike(tenant: "b", at: "900s", duration: "1s", factor: 10000.0)"# } else { "" };
        format!(
            r#"Scenario(version: 1, name: "pollers", clock: (duration: "30m", seed: {seed}, replications: 2),
            tiers: {{ "t": (price_per_month: 1.0) }},
            tenants: [ Tenant(id: "a", tier: "t", load: (rate: 0.03)), Tenant(id: "b", tier: "t", load: (rate: 0.06)) ],
            layers: ( queue: (visibility_timeout: "10m", retention: "10m"),
                      compute: (service_time: Deterministic(ms: 120000.0),
                                functions: (concurrency_limit: 3000, scale_per_10s: 3000, keep_warm: "2h", cold_start: "0s")) ),
            designs: [ (name: "pool", placement: {{ "*": Pool }}) ],
            events: [ Spike(tenant: "a", at: "60s", duration: "1s", factor: 10000.0), {b} ])"#
        )
    };
    for seed in [1, 2, 3] {
        for (b_spikes, who, expected, others) in [(false, 0, 300.0, 54.0), (true, 1, 600.0, 108.0)] {
            let report = run_1_and_2_threads(&load(&text(seed, b_spikes)));
            let t = &report.designs[0].tenants[who];
            // Its burst, less its other messages in the half hour.
            let burst = t.offered.mean - others;
            assert!(close(burst, expected, 0.15), "seed {seed}: {} sent {burst:.0} in its burst", t.id);
            let oldest_secs = t.oldest_message_ms.mean / 1e3;
            let want = (burst - 5.0) / 5.0 - 1.0;
            assert!(
                (oldest_secs - want).abs() < 5.0,
                "seed {seed}: {} oldest {oldest_secs:.1} s, about {want:.1} s",
                t.id
            );
            for t in &report.designs[0].tenants {
                assert_eq!(t.dropped.timeout.mean, 0.0, "seed {seed}: every message waits its turn");
                assert_eq!(t.throttled.concurrency.mean, 0.0);
            }
        }
    }
}

#[test]
fn messages_offered_again_wake_the_pollers_in_time_order() {
    // Executions of 20 s on average outlive a 30 s visibility timeout now
    // and then, so messages come back (a side event) while the pollers
    // ramp up for a spike: the wake a redelivery schedules must come
    // before any later arrival or completion (debug builds check that
    // events never go back in time).
    for seed in [1, 2, 3] {
        let text = format!(
            r#"Scenario(version: 1, name: "redelivered", clock: (duration: "10m", seed: {seed}, replications: 2),
            tiers: {{ "t": (price_per_month: 1.0) }},
            tenants: [ Group(prefix: "x", count: 3, tier: "t", load: (rate: 0.5)) ],
            layers: ( queue: (visibility_timeout: "30s"),
                      compute: (service_time: Exponential(mean_ms: 20000.0), functions: (concurrency_limit: 100, cold_start: "0s")) ),
            designs: [ (name: "pool", placement: {{ "*": Pool }}) ],
            events: [ Spike(tenant: "x-01", at: "60s", duration: "20s", factor: 20.0) ])"#
        );
        let report = run_1_and_2_threads(&load(&text));
        let d = &report.designs[0];
        let redelivered: f64 = d.tenants.iter().map(|t| t.redelivered.mean).sum();
        assert!(redelivered > 0.0, "seed {seed}: some messages come back");
        for t in &d.tenants {
            assert!(t.served.mean > 0.0 && t.throttled.concurrency.mean == 0.0, "seed {seed}: {}", t.id);
        }
    }
}
