//! Fair queues: a shared standard queue whose messages name their tenant
//! gives consumers the oldest message of a quiet tenant before any of a
//! noisy tenant's. With one tenant noisy throughout and the others quiet,
//! that is a non-preemptive priority queue of two classes, whose mean
//! waits on c exponential servers are Cobham's: class k waits
//! C(c, a) / (cμ (1 − σ_{k−1}) (1 − σ_k)), σ_k the utilisation of the
//! classes up to k. Expected values are computed here from that closed
//! form and Erlang C, at 1 and 2 threads, on three seeds.

use crate::common::{assert_refused, close, erlang_c, load, run_1_and_2_threads};

/// A tenant sending `noisy` messages a second and 20 sending one each,
/// on one shared queue read by 4 consumers of 90 ms exponential
/// processing, request by request whether the queue is fair or not.
fn shared(seed: u64, noisy: f64, fair: bool) -> String {
    format!(
        r#"Scenario(version: 1, name: "fair", clock: (duration: "4h", seed: {seed}, replications: 4, engine: Exact),
        tiers: {{ "t": (price_per_month: 1.0) }},
        tenants: [
            Tenant(id: "noisy", tier: "t", load: (rate: {noisy})),
            Group(prefix: "q", count: 20, tier: "t", load: (rate: 1.0)),
        ],
        layers: (
            queue: (fair: {fair}),
            compute: (service_time: Exponential(mean_ms: 90.0), concurrency: 4, instances: (min: 1, max: 1)),
        ),
        designs: [ (name: "pool", placement: {{ "*": Pool }}) ])"#
    )
}

/// Mean latency of the quiet tenants and of the noisy one, ms.
fn means(report: &tenantsim::report::RunReport) -> (f64, f64) {
    let tenants = &report.designs[0].tenants;
    let quiet: Vec<f64> = tenants.iter().filter(|t| t.id != "noisy").map(|t| t.latency.mean_ms.mean).collect();
    let noisy = tenants.iter().find(|t| t.id == "noisy").map(|t| t.latency.mean_ms.mean);
    (quiet.iter().sum::<f64>() / quiet.len() as f64, noisy.unwrap_or(f64::NAN))
}

#[test]
fn a_noisy_tenant_waits_behind_the_quiet_ones_as_a_lower_priority_class_does() {
    // The noisy tenant does half the processing (over a tenth: noisy all
    // along); each quiet one a fortieth (never near a tenth); 4 in flight
    // at most, so the concurrency rule (30) never applies. ρ = 0.9.
    let (c, mu, service_ms) = (4u32, 1e3 / 90.0, 90.0);
    let (quiet_rate, noisy_rate) = (20.0, 20.0);
    let capacity = f64::from(c) * mu;
    let (sigma_1, sigma_2) = (quiet_rate / capacity, (quiet_rate + noisy_rate) / capacity);
    let waiting = erlang_c(c, (quiet_rate + noisy_rate) / mu);
    let quiet_ms = waiting / (capacity * (1.0 - sigma_1)) * 1e3 + service_ms;
    let noisy_ms = waiting / (capacity * (1.0 - sigma_1) * (1.0 - sigma_2)) * 1e3 + service_ms;
    let fifo_ms = waiting / (capacity - quiet_rate - noisy_rate) * 1e3 + service_ms;
    for seed in [1, 2, 3] {
        let (quiet, noisy) = means(&run_1_and_2_threads(&load(&shared(seed, noisy_rate, true))));
        assert!(close(quiet, quiet_ms, 0.04), "seed {seed}: quiet {quiet:.1} ms, Cobham {quiet_ms:.1}");
        assert!(close(noisy, noisy_ms, 0.10), "seed {seed}: noisy {noisy:.1} ms, Cobham {noisy_ms:.1}");
        // The same queue without fairness: one class, Erlang C for all.
        let (quiet, noisy) = means(&run_1_and_2_threads(&load(&shared(seed, noisy_rate, false))));
        for (who, got) in [("quiet", quiet), ("noisy", noisy)] {
            assert!(close(got, fifo_ms, 0.06), "seed {seed}: plain queue, {who} {got:.1} ms, M/M/4 {fifo_ms:.1}");
        }
    }
}

#[test]
fn a_tenant_under_a_tenth_of_the_work_is_served_oldest_first() {
    // At 1.5 messages a second against the others' 1, the busiest tenant
    // does 7 % of the processing: nobody is noisy, and the fair queue
    // gives the messages in the order a plain queue does, but for the
    // moments its recent share passes a tenth by chance (and the run's
    // first seconds, when a few messages make up the recent past).
    for seed in [1, 2] {
        let fair = run_1_and_2_threads(&load(&shared(seed, 1.5, true)));
        let plain = run_1_and_2_threads(&load(&shared(seed, 1.5, false)));
        for (f, p) in fair.designs[0].tenants.iter().zip(&plain.designs[0].tenants) {
            for (what, got, want) in [
                ("mean", f.latency.mean_ms.mean, p.latency.mean_ms.mean),
                ("p99", f.latency.p99_ms.mean, p.latency.p99_ms.mean),
            ] {
                assert!(close(got, want, 0.002), "seed {seed}: {} {what} {got:.2} ms, plain {want:.2}", f.id);
            }
            assert_eq!(f.served, p.served, "seed {seed}: {}", f.id);
        }
    }
    // At 3 a second (13 %) it is noisy: it waits longer than in the plain
    // queue and the others wait less.
    let fair = means(&run_1_and_2_threads(&load(&shared(1, 3.0, true))));
    let plain = means(&run_1_and_2_threads(&load(&shared(1, 3.0, false))));
    assert!(fair.0 < plain.0 && fair.1 > plain.1, "fair {fair:?}, plain {plain:?}");
}

#[test]
fn a_queue_per_tenant_is_the_same_fair_or_not() {
    let text = |fair: bool| {
        shared(1, 20.0, fair).replace(
            r#"(name: "pool", placement: { "*": Pool })"#,
            r#"(name: "pool", placement: { "*": Pool }, layers: (queue: { "*": Silo }))"#,
        )
    };
    assert_eq!(run_1_and_2_threads(&load(&text(true))).designs, run_1_and_2_threads(&load(&text(false))).designs);
}

#[test]
fn fair_queues_refuse_what_they_cannot_be() {
    let base = shared(1, 20.0, true);
    assert_refused(
        &base.replace("queue: (fair: true)", "queue: (fair: true, fifo: true)"),
        "layers.queue.fair: fair queues are standard queues",
    );
    // Functions reading a shared fair queue beside queues of their own.
    let functions = base.replace("instances: (min: 1, max: 1)),", "functions: (concurrency_limit: 100)),").replace(
        r#"(name: "pool", placement: { "*": Pool })"#,
        r#"(name: "pool", placement: { "*": Pool }, layers: (queue: { "noisy": Silo, "*": Pool }))"#,
    );
    assert_refused(&functions, "designs[0].layers.queue: the functions of compute stack");
    // Without fairness the same mix is read in turn.
    load(&functions.replace("fair: true", "fair: false"));
}

/// 16 tenants sending 4 messages a second each and a bulk tenant that
/// sends 1,000 a second for 10 s at minute 2, on one shared queue read by
/// 100 consumers of 1 s exponential processing.
fn burst(seed: u64, fair: bool) -> String {
    format!(
        r#"Scenario(version: 1, name: "burst", clock: (duration: "6m", seed: {seed}, replications: 2, engine: Exact),
        tiers: {{ "t": (price_per_month: 1.0) }},
        tenants: [
            Tenant(id: "bulk", tier: "t", load: (rate: 0.5)),
            Group(prefix: "q", count: 16, tier: "t", load: (rate: 4.0)),
        ],
        layers: (
            queue: (fair: {fair}),
            compute: (service_time: Exponential(mean_ms: 1000.0), concurrency: 100, instances: (min: 1, max: 1)),
        ),
        designs: [ (name: "pool", placement: {{ "*": Pool }}) ],
        events: [ Spike(tenant: "bulk", at: "2m", duration: "10s", factor: 2000.0) ])"#
    )
}

#[test]
fn a_burst_is_noisy_by_its_messages_in_flight_before_its_processing_share_counts() {
    // The 16 tenants keep 64 consumers busy, each 4 % of the processing
    // during the burst. When the bulk tenant's 10,000 messages arrive, it
    // takes the 36 free consumers at once, over 30 and over a tenth of
    // those in flight: noisy from its 30th message on. Its share of the
    // recent processing (a minute of the others' 64 busy consumers,
    // 3,840 s, against the 100 s a second it gets while the others queue
    // behind it) passes a tenth only some 4 s later. From its 30th
    // message the others are served first, as a higher-priority class on
    // a full fleet: a message waits for the next consumer to free, 1/100 s
    // on average, and the worst of 10 s of them (about 200 ms) well under
    // a second. Without the concurrency rule their messages would queue
    // behind the burst for those seconds (3 s at worst, measured), and on
    // a plain queue behind all of it, for a minute and a half.
    for seed in [1, 2, 3] {
        let report = run_1_and_2_threads(&load(&burst(seed, true)));
        for t in &report.designs[0].tenants {
            let worst_ms = t.oldest_message_ms.mean;
            if t.id == "bulk" {
                // 10,000 messages drained by the 36 consumers left over: minutes.
                assert!(worst_ms > 150_000.0, "seed {seed}: bulk's oldest message {worst_ms:.0} ms");
            } else {
                assert!(worst_ms < 1000.0, "seed {seed}: {}'s oldest message {worst_ms:.0} ms", t.id);
            }
        }
        let plain = run_1_and_2_threads(&load(&burst(seed, false)));
        let worst_ms = plain.designs[0].tenants[1].oldest_message_ms.mean;
        assert!(worst_ms > 60_000.0, "seed {seed}: plain queue, q-00's oldest message {worst_ms:.0} ms");
    }
}
