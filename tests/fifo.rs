//! FIFO queues: each tenant's messages form one message group per key
//! shard, and a group's messages are processed one at a time, in order.
//! With consumers to spare, each group is a single-server queue fed by its
//! share of its tenant's messages: M/M/1 for Poisson messages and
//! exponential processing, whatever the neighbours send. Expected values
//! are computed here from those closed forms, at 1 and 2 threads, on three
//! seeds.

use crate::common::{close, load, run_1_and_2_threads};

/// A quiet tenant (5/s, one group), a noisy one (`noisy`/s, one group) and
/// a sharded one (5/s over 4 groups) on 100 consumers of 100 ms
/// exponential processing.
fn groups(seed: u64, noisy: f64, fifo: bool) -> String {
    format!(
        r#"Scenario(version: 1, name: "fifo", clock: (duration: "2h", seed: {seed}, replications: 4),
        tiers: {{ "t": (price_per_month: 1.0) }},
        tenants: [
            Tenant(id: "quiet", tier: "t", load: (rate: 5.0)),
            Tenant(id: "noisy", tier: "t", load: (rate: {noisy})),
            Tenant(id: "sharded", tier: "t", load: (rate: 5.0, key_shards: 4)),
        ],
        layers: (
            queue: (fifo: {fifo}),
            compute: (service_time: Exponential(mean_ms: 100.0), concurrency: 50, instances: (min: 2, max: 2)),
        ),
        designs: [ (name: "pool", placement: {{ "*": Pool }}) ])"#
    )
}

/// M/M/1's mean time in system and its p99, ms, at `lambda` a second and
/// 10 a second of service.
fn mm1(lambda: f64) -> (f64, f64) {
    let rate = 10.0 - lambda;
    (1e3 / rate, 1e3 * 100f64.ln() / rate)
}

#[test]
fn each_message_group_is_a_single_server_queue_whatever_the_neighbours_send() {
    for seed in [1, 2, 3] {
        for noisy in [2.0, 9.0] {
            let report = run_1_and_2_threads(&load(&groups(seed, noisy, true)));
            let d = &report.designs[0];
            for (id, lambda) in [("quiet", 5.0), ("noisy", noisy), ("sharded", 5.0 / 4.0)] {
                let t = d.tenants.iter().find(|t| t.id == id).unwrap_or_else(|| panic!("no {id}"));
                let (mean, p99) = mm1(lambda);
                let (got_mean, got_p99) = (t.latency.mean_ms.mean, t.latency.p99_ms.mean);
                // A group at ρ 0.9 wanders far: a wider margin.
                let tolerance = if lambda > 8.0 { 0.08 } else { 0.03 };
                assert!(
                    close(got_mean, mean, tolerance),
                    "seed {seed}, noisy {noisy}: {id} mean {got_mean:.1} ms, M/M/1 {mean:.1}"
                );
                assert!(
                    close(got_p99, p99, tolerance + 0.02),
                    "seed {seed}, noisy {noisy}: {id} p99 {got_p99:.1} ms, M/M/1 {p99:.1}"
                );
                assert!(close(t.offered.mean, t.served.mean + t.in_flight.mean, 1e-9), "{id}: each message once");
            }
        }
    }
}

#[test]
fn without_message_groups_the_same_consumers_do_not_queue() {
    // 19 messages a second of 100 ms on 100 consumers: Erlang C's wait is
    // nil, so a standard queue's latency is the processing alone.
    let report = run_1_and_2_threads(&load(&groups(1, 9.0, false)));
    for t in &report.designs[0].tenants {
        let got = t.latency.mean_ms.mean;
        assert!(close(got, 100.0, 0.02), "{}: {got:.1} ms", t.id);
    }
}

#[test]
fn a_group_waits_for_every_copy_a_slow_consumer_leaves_of_its_message() {
    // One group, 2.5 s of processing, a 1 s visibility timeout, consumers
    // to spare. The receive at r holds the group until r + 1, when the
    // message is visible again at the head of its group and received at
    // once (holding it to r + 2), and again at r + 2 (its copy hidden to
    // r + 3 holding it); the first processing ends at r + 2.5 and deletes
    // the message, which frees the group then. The group is an M/D/1 queue
    // of 2.5 s per message; each message is answered 2.5 s after its first
    // receive and processed twice more. (Held until the hidden copy came
    // back, the group was an M/D/1 queue of 3 s: 3,143 ms.)
    for seed in [1, 2, 3] {
        let text = format!(
            r#"Scenario(version: 1, name: "fifo copies", clock: (duration: "24h", seed: {seed}, replications: 4),
            tiers: {{ "t": (price_per_month: 1.0) }},
            tenants: [ Tenant(id: "a", tier: "t", load: (rate: 0.1)) ],
            layers: (
                queue: (fifo: true, visibility_timeout: "1s"),
                compute: (service_time: Deterministic(ms: 2500.0), concurrency: 50, instances: (min: 2, max: 2)),
            ),
            designs: [ (name: "pool", placement: {{ "*": Pool }}) ])"#
        );
        let report = run_1_and_2_threads(&load(&text));
        let t = &report.designs[0].tenants[0];
        let (lambda, held) = (0.1, 2.5);
        let rho = lambda * held;
        let want_ms = (rho * held / (2.0 * (1.0 - rho)) + 2.5) * 1e3;
        let got = t.latency.mean_ms.mean;
        assert!(close(got, want_ms, 0.03), "seed {seed}: mean {got:.0} ms, M/D/1 {want_ms:.0}");
        let per_message = t.duplicates.mean / t.served.mean;
        assert!(close(per_message, 2.0, 0.002), "seed {seed}: {per_message:.4} duplicates a message");
    }
}

#[test]
fn a_message_visible_again_wakes_a_stack_that_scaled_to_zero() {
    // A quiet tenant (a message every 83 minutes or so, over 256 message
    // groups, so that no two share one at a time) on a FIFO queue whose
    // consumers scale to zero (an instance lives 71 to 131 s after its
    // last work). Each message needs 2 write units of a partition that
    // holds 1, so every receive fails: the message is visible again 5
    // minutes after it, on a stack at zero by then, which it must start (a
    // warm-up of 10 s from the end of its 1 s tick) as a fresh message
    // does; the third receive dead-letters it. Its age at that receive is
    // at most 600 s + 3 cold starts of 11 s. Left waiting for the
    // autoscaler's next evaluation instead, the oldest waited 720 to 735 s.
    let text = |seed: u64| {
        format!(
            r#"Scenario(version: 1, name: "wake", clock: (duration: "12h", seed: {seed}, replications: 4, engine: Exact),
            tiers: {{ "t": (price_per_month: 1.0) }},
            tenants: [ Tenant(id: "quiet", tier: "t", load: (rate: 0.0002, read_fraction: 0.0, item_kb: 2.0, key_shards: 256)) ],
            layers: (
                queue: (fifo: true, retention: "1d", visibility_timeout: "5m", max_receives: 3),
                compute: (service_time: Exponential(mean_ms: 20.0), concurrency: 4, instances: (min: 0, max: 2),
                    autoscale: (target_utilisation: 0.6, evaluation_period: "1m", warmup: "10s")),
                database: (partitions: 1, write_units_per_partition: 1.0),
            ),
            designs: [ (name: "silo", placement: {{ "*": Silo }}) ])"#
        )
    };
    for seed in [1, 2, 3] {
        let report = run_1_and_2_threads(&load(&text(seed)));
        let q = &report.designs[0].tenants[0];
        let sent = q.offered.mean;
        assert!(sent > 4.0, "seed {seed}: {sent} messages");
        assert!(close(q.redelivered.mean, 2.0 * q.dropped.dead_letter.mean, 1e-9), "seed {seed}: two comebacks each");
        assert!(q.dropped.dead_letter.mean >= sent - 1.0, "seed {seed}: every message but one in flight dead-lettered");
        let oldest_secs = q.oldest_message_ms.mean / 1e3;
        assert!(
            (600.0..=600.0 + 3.0 * 11.0).contains(&oldest_secs),
            "seed {seed}: the oldest message waited {oldest_secs:.0} s"
        );
    }
}

/// A tenant sending `big`/s over 64 groups and three sending 50/s over 8,
/// on consumers to spare, behind one shared FIFO queue and behind a queue
/// each, with the queues' send limit `send_rate` (none: the default).
fn sending(seed: u64, big: f64, send_rate: Option<f64>) -> String {
    let limit = send_rate.map_or(String::new(), |r| format!(", send_rate: {r:?}"));
    format!(
        r#"Scenario(version: 1, name: "fifo sends", clock: (duration: "10m", seed: {seed}, replications: 4),
        tiers: {{ "t": (price_per_month: 1.0) }},
        tenants: [ Tenant(id: "big", tier: "t", load: (rate: {big:?}, key_shards: 64)),
                   Group(prefix: "s", count: 3, tier: "t", load: (rate: 50.0, key_shards: 8)) ],
        layers: ( gateway: (), queue: (fifo: true{limit}),
                  compute: (service_time: Exponential(mean_ms: 10.0), concurrency: 50, instances: (min: 4, max: 4)) ),
        designs: [ (name: "shared queue", placement: {{ "*": Pool }}),
                   (name: "queue per tenant", placement: {{ "*": Pool }}, layers: (queue: {{ "*": Silo }})) ])"#
    )
}

/// Messages a queue of `rate`/s (a second's worth at once, full at the
/// start) lets through in `secs` when offered far more: its rate, and its
/// burst once.
fn bucket_passes(rate: f64, secs: f64) -> f64 {
    rate * secs + rate
}

#[test]
fn a_fifo_queue_accepts_its_send_limit_a_second_and_throttles_the_rest() {
    for seed in [1, 2, 3] {
        // 500 a second into one queue of the default 300: 40 % throttled,
        // every tenant alike. A queue each: only big's 350 meets a limit.
        let report = run_1_and_2_threads(&load(&sending(seed, 350.0, None)));
        let [shared, own] = &report.designs[..] else { panic!("two designs") };
        let throttled = |d: &tenantsim::report::DesignReport, id: &str| {
            let t = d.tenants.iter().find(|t| t.id == id).unwrap_or_else(|| panic!("no {id}"));
            assert_eq!(t.throttled.queue.mean, t.throttled.total.mean, "{id}: the queue is the only throttle");
            (t.throttled.queue.mean, t.offered.mean)
        };
        let expected = 1.0 - bucket_passes(300.0, 600.0) / (500.0 * 600.0);
        let (total_throttled, total_offered) = ["big", "s-00", "s-01", "s-02"]
            .iter()
            .map(|id| throttled(shared, id))
            .fold((0.0, 0.0), |(a, b), (x, y)| (a + x, b + y));
        let got = total_throttled / total_offered;
        assert!(close(got, expected, 0.01), "seed {seed}: shared queue throttled {got:.4}, expected {expected:.4}");
        for id in ["big", "s-00", "s-01", "s-02"] {
            let (n, offered) = throttled(shared, id);
            assert!(close(n / offered, expected, 0.03), "seed {seed}: {id} throttled {:.4} of its sends", n / offered);
        }
        let (big, offered) = throttled(own, "big");
        let expected_big = 1.0 - bucket_passes(300.0, 600.0) / (350.0 * 600.0);
        assert!(
            close(big / offered, expected_big, 0.03),
            "seed {seed}: big's own queue throttled {:.4}",
            big / offered
        );
        for id in ["s-00", "s-01", "s-02"] {
            assert_eq!(throttled(own, id).0, 0.0, "seed {seed}: {id} sends 50 a second into a queue of its own");
        }
    }
    // Batches of ten: 3,000 a second, nothing throttled.
    let report = run_1_and_2_threads(&load(&sending(1, 350.0, Some(3000.0))));
    for d in &report.designs {
        assert!(d.tenants.iter().all(|t| t.throttled.total.mean == 0.0), "{}: under the limit", d.name);
    }
}
