//! A consumer whose processing outlives the queue's visibility timeout
//! still holds its message when the queue offers it again, so another
//! consumer processes it too. With consumers to spare, a message whose
//! processing takes S seconds is received again at every multiple of the
//! timeout v before S: floor(S / v) duplicates. Every expected value is
//! computed here from that rule and the service distribution, at 1 and 2
//! threads, on three seeds.

use tenantsim::report::DesignReport;
use tenantsim::scenario::model::OUTLIVED_PER_REQUEST;

use crate::common::{close, load, run_1_and_2_threads};

/// Four tenants of 5 messages a second on `instances` instances of 50
/// consumers, processing `service`, a visibility timeout `visibility`
/// (and the rest of the queue's fields in `queue`).
fn slow_consumers(engine: &str, seed: u64, service: &str, queue: &str, instances: u32) -> String {
    format!(
        r#"Scenario(version: 1, name: "slow consumers", clock: (duration: "30m", seed: {seed}, replications: 4, engine: {engine}),
        tiers: {{ "t": (price_per_month: 1.0) }},
        tenants: [ Group(prefix: "shop", count: 4, tier: "t", load: (rate: 5.0)) ],
        layers: (
            queue: ({queue}),
            compute: (service_time: {service}, concurrency: 50, instances: (min: {instances}, max: {instances})),
        ),
        designs: [ (name: "pool", placement: {{ "*": Pool }}) ])"#
    )
}

fn figures(d: &DesignReport) -> (f64, f64, f64, f64, f64) {
    let t = &d.totals;
    let in_flight: f64 = d.tenants.iter().map(|t| t.in_flight.mean).sum();
    (t.served.mean, t.duplicates.mean, t.redelivered.mean, in_flight, d.stacks[0].utilisation.mean)
}

#[test]
fn exponential_processing_is_repeated_as_often_as_its_tail_passes_multiples_of_the_timeout() {
    // S exponential of mean m = 1 s, v = 1 s: q = P(S > v) = e^-1.
    // Duplicates per message: sum over k >= 1 of P(S > k v) = q / (1 - q).
    // Busy time per message: E[S (1 + floor(S / v))] = m + v q / (1 - q)^2
    // + m q / (1 - q), about 2.50 s, on 100 consumers at 20 messages a
    // second: utilisation 0.50. The first processing answers: p99 is
    // m ln 100.
    let (m, v) = (1.0_f64, 1.0_f64);
    let q = (-v / m).exp();
    let per_message = q / (1.0 - q);
    let busy = m + v * q / (1.0 - q).powi(2) + m * q / (1.0 - q);
    let utilisation = 20.0 * busy / 100.0;
    for engine in ["Auto", "Exact"] {
        for seed in [1, 2, 3] {
            let report = run_1_and_2_threads(&load(&slow_consumers(
                engine,
                seed,
                "Exponential(mean_ms: 1000.0)",
                r#"visibility_timeout: "1s""#,
                2,
            )));
            let d = &report.designs[0];
            let (served, duplicates, redelivered, in_flight, busy_share) = figures(d);
            let got = duplicates / served;
            assert!(
                close(got, per_message, 0.03),
                "{engine} seed {seed}: {got:.4} duplicates a message, {per_message:.4}"
            );
            // Every copy found a free consumer: each was processed.
            assert!(redelivered >= duplicates && redelivered - duplicates < 50.0, "{redelivered} {duplicates}");
            assert!(
                close(busy_share, utilisation, 0.03),
                "{engine} seed {seed}: {busy_share:.4} busy, {utilisation:.4}"
            );
            assert!(close(d.totals.offered.mean, served + in_flight, 1e-9), "each message counts once");
            assert_eq!(d.totals.dropped.mean, 0.0);
            let p99 = d.tenants.iter().map(|t| t.latency.p99_ms.mean).sum::<f64>() / 4.0;
            let want = m * 100f64.ln() * 1e3;
            assert!(close(p99, want, 0.05), "{engine} seed {seed}: p99 {p99:.0} ms, {want:.0}");
        }
    }
}

#[test]
fn a_fixed_processing_time_gives_its_count_of_duplicates_up_to_the_dead_letter_queue() {
    // 2.5 s of processing, v = 1 s: copies at 1 s and 2 s, two duplicates
    // a message (200 consumers: utilisation 20 × 2.5 × 3 / 200 = 0.75).
    // With max_receives 2 the queue would move the message to the
    // dead-letter queue instead of a third receive: one duplicate, and
    // nothing lost, as the first consumer still processes it.
    for (queue, per_message, utilisation) in
        [(r#"visibility_timeout: "1s""#, 2.0, 0.75), (r#"visibility_timeout: "1s", max_receives: 2"#, 1.0, 0.5)]
    {
        for seed in [1, 2, 3] {
            let report =
                run_1_and_2_threads(&load(&slow_consumers("Auto", seed, "Deterministic(ms: 2500.0)", queue, 4)));
            let d = &report.designs[0];
            let (served, duplicates, _, in_flight, busy_share) = figures(d);
            // Messages sent in the last 2.5 s have not had all their
            // receives yet.
            assert!(
                (duplicates - per_message * served).abs() <= per_message * in_flight + 1.0,
                "{queue} seed {seed}: {duplicates} duplicates of {served} messages"
            );
            assert!(close(busy_share, utilisation, 0.01), "{queue} seed {seed}: {busy_share:.4} busy");
            assert_eq!(d.totals.dead_lettered.mean, 0.0, "{queue}: processed, so not lost");
            assert!(close(d.totals.offered.mean, served + in_flight, 1e-9));
        }
    }
}

#[test]
fn copies_still_waiting_when_the_first_consumer_finishes_vanish() {
    // One consumer of 1.5 s, a message a second: the queue grows by a
    // third of a message a second. Each message's copy comes back after
    // 1 s and waits behind the backlog; when the first processing ends it
    // is deleted, so it is never processed and no longer waits.
    for seed in [1, 2, 3] {
        let text = format!(
            r#"Scenario(version: 1, name: "backlog", clock: (duration: "10m", seed: {seed}, replications: 2),
            tiers: {{ "t": (price_per_month: 1.0) }},
            tenants: [ Tenant(id: "a", tier: "t", load: (rate: 1.0)) ],
            layers: (
                queue: (visibility_timeout: "1s"),
                compute: (service_time: Deterministic(ms: 1500.0), concurrency: 1, instances: (min: 1, max: 1)),
            ),
            designs: [ (name: "pool", placement: {{ "*": Pool }}) ])"#
        );
        let report = run_1_and_2_threads(&load(&text));
        let d = &report.designs[0];
        let (served, duplicates, redelivered, in_flight, _) = figures(d);
        assert_eq!(duplicates, 0.0, "seed {seed}");
        // Every message received came back once (its copy then vanished).
        assert!((redelivered - served).abs() <= 1.0, "seed {seed}: {redelivered} back, {served} served");
        assert!(close(d.totals.offered.mean, served + in_flight, 1e-9));
        // At the end the queue holds the messages not yet processed but
        // the one in service, and none of the copies.
        let depth = d.series.queue_depth.mean.last().copied().unwrap_or(f64::NAN);
        assert!(depth <= in_flight && depth >= in_flight - 1.0, "seed {seed}: depth {depth}, {in_flight} in flight");
        // A third of a message a second piles up: about 200 after 10 minutes.
        assert!((150.0..250.0).contains(&in_flight), "seed {seed}: {in_flight}");
    }
}

#[test]
fn only_a_tail_past_one_in_a_million_needs_the_per_request_engine() {
    // 50 ms exponential against 30 s: e^-600; against 0.6 s: e^-12 (6e-6).
    let at = |service: &str, visibility: &str| {
        load(&slow_consumers("Fast", 1, service, &format!(r#"visibility_timeout: "{visibility}""#), 1)).per_request()
    };
    assert!(!at("Exponential(mean_ms: 50.0)", "30s"));
    assert!(at("Exponential(mean_ms: 50.0)", "600ms"));
    assert!(!at("Exponential(mean_ms: 50.0)", "800ms"), "e^-16 is below {OUTLIVED_PER_REQUEST}");
    assert!(!at("Deterministic(ms: 900.0)", "1s"));
    assert!(at("Deterministic(ms: 1100.0)", "1s"));
    assert!(at("LogNormal(mean_ms: 100.0, cv: 3.0)", "30s"), "a heavy tail reaches 30 s");
}

#[test]
fn slow_consumers_are_budgeted_as_the_messages_that_come_back() {
    use tenantsim::scenario::budget::{Shape, estimate};
    use tenantsim::scenario::{Limits, load_str};
    // The queue lesson with 10 s of processing against the 30 s visibility
    // timeout (e^-3 of processings outlive it): request by request, each
    // message received up to once per timeout over the run. A fuzzed file
    // like it, its spike written twice, was accepted with a work estimate
    // over the budget: resolving left the messages that come back out.
    let lesson = include_str!("../scenarios/queue-per-tenant.ron");
    let spike = r#"Spike(tenant: "importer", at: "10m", duration: "5m", factor: 10.0),"#;
    assert!(lesson.contains("Exponential(mean_ms: 50.0)") && lesson.contains(spike));
    let slow = lesson.replace("Exponential(mean_ms: 50.0)", "Exponential(mean_ms: 10000.0)");
    let (_, scenario) = load_str(&slow, &Limits::default()).unwrap_or_else(|e| panic!("{e}"));
    assert!(scenario.per_request());
    let needs = estimate(&Shape::of(&scenario));
    assert!(needs.work <= Limits::default().max_work, "accepted, and within the budget: {needs:?}");
    let twice = slow.replace(spike, &format!("{spike} {spike}"));
    let errors = match load_str(&twice, &Limits::default()) {
        Ok(_) => panic!("accepted over the budget"),
        Err(e) => e.to_string(),
    };
    assert!(errors.contains("units of work") && errors.contains("receives"), "{errors}");
}
