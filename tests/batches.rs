//! Batches of messages (a Lambda trigger's batch size): an execution takes
//! what waits in its queue, up to the batch size, processes the messages
//! one after the other and answers them all at its end. Checked against
//! what follows from that without the engine's own arithmetic: a saturated
//! execution still serves one message per service time and pays one
//! invocation per batch; with nothing waiting a batch size changes nothing;
//! and with batches of at most two on one execution, first come first
//! served, the work is the same as one message at a time (work-conserving,
//! the same draws), so a message waits longer by exactly one service time
//! when it shares its batch with the message after it: the mean latency
//! grows by the service time × (1 − invocations / messages). At 1 and 2
//! threads, on three seeds.

use crate::common::{assert_refused, close, load, run_1_and_2_threads};
use tenantsim::report::{DesignReport, RunReport};

/// One tenant at `rate` messages a second through a queue to functions of
/// `limit` executions taking `service`, batches of `batch` (`""`: none).
fn fed(rate: f64, service: &str, limit: u32, batch: &str, seed: u64) -> String {
    format!(
        r#"Scenario(version: 1, name: "batches", clock: (duration: "1h", seed: {seed}, replications: 2),
            tiers: {{ "t": (price_per_month: 1.0) }},
            tenants: [ Tenant(id: "a", tier: "t", load: (rate: {rate})) ],
            layers: ( queue: ({batch}),
                      compute: (service_time: {service}, functions: (concurrency_limit: {limit}, cold_start: "0s")) ),
            designs: [ (name: "pool", placement: {{ "*": Pool }}) ])"#
    )
}

fn design(report: &RunReport) -> &DesignReport {
    &report.designs[0]
}

#[test]
fn a_saturated_execution_serves_one_message_per_service_time_and_pays_one_invocation_per_batch() {
    // 20 messages a second for one execution of 100 ms: a backlog from the
    // start, so batches of ten, 36,000 messages an hour either way.
    for seed in [1, 2, 3] {
        let single = run_1_and_2_threads(&load(&fed(20.0, "Deterministic(ms: 100.0)", 1, "", seed)));
        let batched = run_1_and_2_threads(&load(&fed(20.0, "Deterministic(ms: 100.0)", 1, "batch_size: 10", seed)));
        let (one, ten) = (&design(&single).tenants[0], &design(&batched).tenants[0]);
        assert!(close(one.served.mean, 36_000.0, 1e-4), "seed {seed}: one at a time served {}", one.served.mean);
        assert!(close(ten.served.mean, 36_000.0, 5e-4), "seed {seed}: in batches served {}", ten.served.mean);
        assert_eq!(one.invocations.mean, one.served.mean, "seed {seed}: one invocation a message");
        let per_batch = ten.served.mean / ten.invocations.mean;
        assert!(close(per_batch, 10.0, 2e-3), "seed {seed}: {per_batch:.4} messages an invocation");
        assert_eq!(design(&batched).totals.invocations, ten.invocations, "the design's total is its tenant's");
        // The backlog and the batch in service at the end are under way.
        let accounted = ten.served.mean + ten.dropped.total.mean + ten.in_flight.mean;
        assert_eq!(accounted, ten.offered.mean, "seed {seed}: every message is accounted for");
        // The queue's receive and delete calls go per batch: a tenth of
        // them, besides every message's send.
        let queue_cost = |t: &tenantsim::report::TenantReport| t.cost_by_layer.queue.mean;
        let sends = ten.admitted.mean;
        let want = (sends + 2.0 * ten.invocations.mean) / (one.admitted.mean + 2.0 * one.served.mean);
        let got = queue_cost(ten) / queue_cost(one);
        assert!(close(got, want, 2e-3), "seed {seed}: queue cost ratio {got:.4}, calls ratio {want:.4}");
    }
}

#[test]
fn with_nothing_waiting_a_batch_size_changes_nothing() {
    // 0.2 erlangs on the queue's first five executions: a message finds
    // them all busy about once in 400,000, so every batch is one message.
    for seed in [1, 2, 3] {
        let service = "Exponential(mean_ms: 100.0)";
        let single = run_1_and_2_threads(&load(&fed(2.0, service, 1000, "", seed)));
        let batched = run_1_and_2_threads(&load(&fed(2.0, service, 1000, "batch_size: 10", seed)));
        assert_eq!(design(&single), design(&batched), "seed {seed}");
        assert!(design(&single).tenants[0].served.mean > 7000.0);
    }
}

#[test]
fn sharing_a_batch_with_the_next_message_adds_one_service_time() {
    // M/D/1 at ρ = 0.8 (8 messages a second, 100 ms each, one execution):
    // Pollaczek–Khinchine gives 300 ms one message at a time. With batches
    // of two the execution does the same work in the same order, so each
    // message that shares its batch with the next one waits 100 ms more.
    let service = "Deterministic(ms: 100.0)";
    for seed in [1, 2, 3] {
        let single = run_1_and_2_threads(&load(&fed(8.0, service, 1, "", seed)));
        let pairs = run_1_and_2_threads(&load(&fed(8.0, service, 1, "batch_size: 2", seed)));
        let (one, two) = (&design(&single).tenants[0], &design(&pairs).tenants[0]);
        let p_k = 0.8 * 100.0 / (2.0 * 0.2) + 100.0;
        assert!(
            close(one.latency.mean_ms.mean, p_k, 0.04),
            "seed {seed}: {} ms, P-K {p_k} ms",
            one.latency.mean_ms.mean
        );
        let shared = 1.0 - two.invocations.mean / two.served.mean;
        assert!(shared > 0.2 && shared < 0.8, "seed {seed}: {shared:.3} of messages shared a batch");
        let want = one.latency.mean_ms.mean + 100.0 * shared;
        let got = two.latency.mean_ms.mean;
        assert!((got - want).abs() < 0.5, "seed {seed}: {got:.2} ms in pairs, {want:.2} ms expected");
        // By layer, a message's time in the queue ends when its batch is
        // received and the function's time is its batch's: a message alone
        // takes 100 ms, each of a pair 200 ms (2 × `shared` of the messages
        // are in pairs), and the second of a pair left the queue with the
        // first, 100 ms earlier than it would have alone.
        let queue_ms = |t: &tenantsim::report::TenantReport| t.latency_by_layer.queue_ms.mean;
        let compute_ms = |t: &tenantsim::report::TenantReport| t.latency_by_layer.compute_ms.mean;
        let want = 100.0 + 200.0 * shared;
        assert!(
            close(compute_ms(two), want, 1e-3),
            "seed {seed}: function {} ms, {want:.2} ms expected",
            compute_ms(two)
        );
        let want = queue_ms(one) - 100.0 * shared;
        assert!((queue_ms(two) - want).abs() < 0.5, "seed {seed}: queue {} ms, {want:.2} ms expected", queue_ms(two));
    }
}

#[test]
fn a_reserved_tenant_with_its_own_queue_stays_isolated_in_batches() {
    // "solo" reserves 10 executions and reads its own queue; x-00, on the
    // account's other 20 with the others, sends thirty times as much for
    // 20 minutes: its batches fill up, solo's figures do not move.
    let text = |spike: bool, seed: u64| {
        let events =
            if spike { r#"events: [ Spike(tenant: "x-00", at: "20m", duration: "20m", factor: 30.0) ],"# } else { "" };
        format!(
            r#"Scenario(version: 1, name: "isolated batches", clock: (duration: "1h", seed: {seed}, replications: 2),
                tiers: {{ "t": (price_per_month: 1.0), "r": (price_per_month: 1.0) }},
                tenants: [ Group(prefix: "x", count: 4, tier: "t", load: (rate: 42.5)),
                           Tenant(id: "solo", tier: "r", load: (rate: 70.0)) ],
                layers: ( queue: (batch_size: 10),
                          compute: (service_time: Exponential(mean_ms: 100.0),
                                    functions: (concurrency_limit: 30, reserved: {{"r": 10}}, cold_start: "0s")) ),
                {events}
                designs: [ (name: "pool", placement: {{ "*": Pool }}, layers: (queue: {{ "*": Silo }})) ])"#
        )
    };
    for seed in [1, 2, 3] {
        let quiet = run_1_and_2_threads(&load(&text(false, seed)));
        let spiked = run_1_and_2_threads(&load(&text(true, seed)));
        let find = |r: &RunReport, id: &str| design(r).tenants.iter().find(|t| t.id == id).cloned();
        let (Some(before), Some(after)) = (find(&quiet, "solo"), find(&spiked, "solo")) else { panic!("no solo") };
        assert_eq!(before.latency, after.latency, "seed {seed}: isolated exactly");
        assert_eq!(before.invocations, after.invocations);
        let Some(noisy) = find(&spiked, "x-00") else { panic!("no x-00") };
        assert!(noisy.served.mean / noisy.invocations.mean > 3.0, "seed {seed}: the backlog is taken in batches");
    }
}

#[test]
fn a_batch_size_needs_functions_a_standard_queue_and_a_value_aws_allows() {
    let base = fed(5.0, "Exponential(mean_ms: 100.0)", 100, "batch_size: 10", 1);
    let path = "layers.queue.batch_size";
    assert_refused(&base.replace("batch_size: 10", "batch_size: 11"), "needs a batching window");
    assert_refused(&base.replace("batch_size: 10", "batch_size: 0"), path);
    assert_refused(&base.replace("batch_size: 10", "batch_size: 10, fifo: true"), "batches from a FIFO queue");
    assert_refused(&base.replace("batch_size: 10", "batch_size: 10, fair: true"), "batches from a fair queue");
    let instances = base.replace(r#"functions: (concurrency_limit: 100, cold_start: "0s")"#, "concurrency: 4");
    assert_refused(&instances, "batches are taken by serverless functions");
    // One message a batch is what every queue does.
    let one = instances.replace("batch_size: 10", "batch_size: 1");
    assert!(tenantsim::scenario::load_str(&one, &tenantsim::scenario::Limits::default()).is_ok());
}

#[test]
fn a_batching_window_gathers_what_arrives_within_it() {
    // 10 messages a second, a 1 s window, batches of up to 100 (never
    // full), 10 ms each, executions to spare: a batch is handed over 1 s
    // after its first message with the 1 + Poisson(10) messages that came
    // meanwhile (the next message starts the next window). Its first
    // message waits 1 s, the others 0.5 s on average, and all are answered
    // when the batch's K × 10 ms are done: a mean latency of
    // (W + λW²/2 + D·E[K²]) / E[K] with E[K] = 1 + λW, E[K²] = λW + E[K]²,
    // 664.5 ms.
    let (rate, w, d): (f64, f64, f64) = (10.0, 1.0, 0.010);
    let k1 = 1.0 + rate * w;
    let k2 = rate * w + k1 * k1;
    let want_ms = (w + rate * w * w / 2.0 + d * k2) / k1 * 1e3;
    assert!((want_ms - 664.5).abs() < 0.1);
    for seed in [1, 2, 3] {
        let text = fed(rate, "Deterministic(ms: 10.0)", 1000, r#"batch_size: 100, batch_window: "1s""#, seed);
        let report = run_1_and_2_threads(&load(&text));
        let t = &design(&report).tenants[0];
        let got = t.latency.mean_ms.mean;
        assert!(close(got, want_ms, 0.02), "seed {seed}: mean {got:.1} ms, {want_ms:.1} ms expected");
        let per_batch = t.served.mean / t.invocations.mean;
        assert!(close(per_batch, k1, 0.02), "seed {seed}: {per_batch:.3} messages a batch, {k1} expected");
        // Nobody waits longer than the window and the batch's work.
        assert!(t.latency.p99_ms.mean < 1000.0 + 30.0 * 10.0, "seed {seed}: p99 {}", t.latency.p99_ms.mean);
    }
}

#[test]
fn a_batch_that_fills_goes_before_its_window_ends() {
    // 100 messages a second, batches of 10, a 10 s window: a batch fills
    // in about 0.1 s, so every batch is full and nothing waits the window.
    for seed in [1, 2, 3] {
        let text = fed(100.0, "Deterministic(ms: 10.0)", 1000, r#"batch_size: 10, batch_window: "10s""#, seed);
        let report = run_1_and_2_threads(&load(&text));
        let t = &design(&report).tenants[0];
        let per_batch = t.served.mean / t.invocations.mean;
        assert!(close(per_batch, 10.0, 1e-3), "seed {seed}: {per_batch:.4} messages a batch");
        // The first of a batch waits for nine more Poisson arrivals (0.09 s
        // on average), the tenth none: 45 ms on average, and 100 ms of
        // processing.
        let got = t.latency.mean_ms.mean;
        assert!(close(got, 45.0 + 100.0, 0.03), "seed {seed}: mean {got:.1} ms");
    }
}

#[test]
fn a_batch_over_ten_needs_a_window_of_a_second() {
    let base = fed(5.0, "Exponential(mean_ms: 100.0)", 100, "batch_size: 50", 1);
    assert_refused(&base, "needs a batching window of at least 1s");
    assert_refused(&base.replace("batch_size: 50", r#"batch_size: 50, batch_window: "500ms""#), "at least 1s");
    let ok = base.replace("batch_size: 50", r#"batch_size: 50, batch_window: "1s""#);
    assert!(tenantsim::scenario::load_str(&ok, &tenantsim::scenario::Limits::default()).is_ok());
    assert_refused(
        &base.replace("batch_size: 50", r#"batch_size: 50, batch_window: "6m""#),
        "layers.queue.batch_window",
    );
    assert_refused(&base.replace("batch_size: 50", "batch_size: 10001"), "layers.queue.batch_size");
    let instances = fed(5.0, "Exponential(mean_ms: 100.0)", 100, r#"batch_window: "2s""#, 1)
        .replace(r#"functions: (concurrency_limit: 100, cold_start: "0s")"#, "concurrency: 4");
    assert_refused(&instances, "layers.queue.batch_window");
}

#[test]
fn every_message_of_a_batch_outliving_the_visibility_timeout_comes_back_and_none_is_lost() {
    // Messages of 11 s against a 10 s visibility timeout: every batch
    // outlives it, so each of its messages is offered again (and may be
    // processed twice), not only the one the execution took first. Every
    // message is served, dropped or still under way at the end, batches in
    // service included.
    let text = |seed: u64| {
        fed(0.5, "Deterministic(ms: 11000.0)", 4, "batch_size: 10", seed)
            .replace("queue: (batch_size: 10)", r#"queue: (batch_size: 10, visibility_timeout: "10s")"#)
    };
    for seed in [1, 2, 3] {
        let report = run_1_and_2_threads(&load(&text(seed)));
        let t = &design(&report).tenants[0];
        let processed_in_batches = t.served.mean / t.invocations.mean;
        assert!(processed_in_batches > 2.0, "seed {seed}: {processed_in_batches:.2} messages an invocation");
        assert!(
            t.redelivered.mean >= t.served.mean,
            "seed {seed}: {} offered again for {} served",
            t.redelivered.mean,
            t.served.mean
        );
        let accounted = t.served.mean + t.dropped.total.mean + t.throttled.total.mean + t.in_flight.mean;
        assert_eq!(accounted, t.offered.mean, "seed {seed}: every message is accounted for");
        assert!(t.in_flight.mean > 0.0, "seed {seed}: batches are under way at the end");
    }
}

#[test]
fn a_spike_that_changes_nothing_leaves_the_steady_cost_of_batches_whole() {
    // A spike of factor 1: the run without spikes is the run itself, so
    // its steady month (read from the baseline, then from the run once the
    // spike has settled) costs what the run costs, the queue's receive and
    // delete calls of batches included.
    for seed in [1, 2, 3] {
        // A minute's retention: the spike has settled a few minutes after
        // it ends, and the baseline stops there.
        let text = fed(20.0, "Exponential(mean_ms: 100.0)", 1, r#"batch_size: 10, retention: "1m""#, seed).replace(
            "designs:",
            r#"events: [ Spike(tenant: "a", at: "10m", duration: "10m", factor: 1.0) ], designs:"#,
        );
        let report = run_1_and_2_threads(&load(&text));
        let totals = &design(&report).totals;
        assert!(totals.invocations.mean < 0.2 * totals.served.mean, "seed {seed}: batches form");
        let (steady, total) = (totals.steady_cost_usd_per_month.mean, totals.cost_usd_per_month.mean);
        assert!((steady - total).abs() < 1e-9 * total, "seed {seed}: steady {steady} vs {total}");
    }
}
