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
    // once (holding it to r + 2), and again at r + 2; the first processing
    // ends at r + 2.5 and deletes the message, so the copy due at r + 3
    // is gone and the group is free then. The group is an M/D/1 queue of
    // 3 s per message; each message is answered 2.5 s after its first
    // receive and processed twice more.
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
        let (lambda, held) = (0.1, 3.0);
        let rho = lambda * held;
        let want_ms = (rho * held / (2.0 * (1.0 - rho)) + 2.5) * 1e3;
        let got = t.latency.mean_ms.mean;
        assert!(close(got, want_ms, 0.03), "seed {seed}: mean {got:.0} ms, M/D/1 {want_ms:.0}");
        let per_message = t.duplicates.mean / t.served.mean;
        assert!(close(per_message, 2.0, 0.002), "seed {seed}: {per_message:.4} duplicates a message");
    }
}
