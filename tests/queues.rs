//! The queue layer: a shared queue is an M/M/c queue served first in,
//! first out (Erlang C's wait, whatever compute's fairness); a queue per
//! tenant read in turn bounds a quiet tenant's wait whatever its neighbour
//! sends; retention deletes what waited too long; messages are priced per
//! request. Every expected value is computed here, independently of the
//! engine, in each engine, at 1 and 2 threads and on two seeds.

use tenantsim::report::{DesignReport, RunReport, TenantReport};
use tenantsim::scenario::{Limits, load_str};

use crate::common::{close, erlang_c, load, run_1_and_2_threads};

/// Two tiers' tenants (weights 1 and 4, so weighted sharing would tell
/// them apart) on 2 instances of 4 servers, 50 ms exponential service;
/// `queue` is the queue layer's fields, `placement` the design's queue
/// placement.
fn scenario(engine: &str, seed: u64, rates: [f64; 2], retention: &str, queue_placement: &str) -> String {
    weighted(engine, seed, rates, retention, queue_placement, "WeightedFair")
}

/// [`scenario`] with compute's `fairness`.
fn weighted(
    engine: &str,
    seed: u64,
    rates: [f64; 2],
    retention: &str,
    queue_placement: &str,
    fairness: &str,
) -> String {
    format!(
        r#"Scenario(version: 1, name: "queues", clock: (duration: "2h", seed: {seed}, replications: 2, engine: {engine}),
            tiers: {{ "light": (price_per_month: 1.0, weight: 1.0), "heavy": (price_per_month: 1.0, weight: 4.0) }},
            tenants: [ Tenant(id: "a", tier: "light", load: (rate: {a})), Tenant(id: "b", tier: "heavy", load: (rate: {b})) ],
            layers: (
                queue: (retention: "{retention}", price_per_million: 0.40, requests_per_message: 3.0),
                compute: (service_time: Exponential(mean_ms: 50.0), concurrency: 4, instances: (min: 2, max: 2),
                          fairness: {fairness}, price_per_hour: 0.1),
            ),
            designs: [ (name: "d", placement: {{ "*": Pool }}, layers: (queue: {{ "*": {queue_placement} }})) ])"#,
        a = rates[0],
        b = rates[1],
    )
}

fn tenant<'a>(design: &'a DesignReport, id: &str) -> &'a TenantReport {
    design.tenants.iter().find(|t| t.id == id).unwrap_or_else(|| panic!("no tenant {id}"))
}

fn run(text: &str) -> RunReport {
    run_1_and_2_threads(&load(text))
}

#[test]
fn a_shared_queue_waits_as_erlang_c_says_whatever_compute_s_fairness() {
    // 128 messages a second on 8 servers of 20 a second: ρ = 0.8.
    let (servers, mu, lambda) = (8, 20.0, 128.0);
    let wq_ms = erlang_c(servers, lambda / mu) / (f64::from(servers) * mu - lambda) * 1e3;
    for engine in ["Exact", "Auto", "Fast"] {
        for seed in [1, 2] {
            let report = run(&scenario(engine, seed, [64.0, 64.0], "1d", "Pool"));
            let d = &report.designs[0];
            for id in ["a", "b"] {
                let got = tenant(d, id).latency_by_layer.queue_ms.mean;
                // Weighted-fair sharing would give the heavy tier a
                // quarter of the light tier's wait; one shared queue
                // cannot.
                assert!(
                    close(got, wq_ms, 0.05),
                    "{engine} seed {seed} {id}: {got:.2} ms in queue, Erlang C {wq_ms:.2}"
                );
            }
            let service_ms = tenant(d, "a").latency_by_layer.compute_ms.mean;
            assert!(close(service_ms, 50.0, 1e-9), "{engine}: compute's part is the service, {service_ms}");
        }
    }
}

#[test]
fn queues_per_tenant_keep_a_quiet_tenant_s_wait_whatever_its_neighbour_sends() {
    // b sends 200 a second to 160 a second of servers, for ever; a sends
    // 20. The servers are always busy, so they free up as a Poisson
    // process of 160 a second. Taking the queues in turn, a's next message
    // takes the next free server, or the one after when b's turn comes
    // first: its wait is at least 1/160 s, and at most the sojourn of an
    // M/M/1 queue served at half the departures (80 a second).
    let (departures, quiet) = (160.0, 20.0);
    let low_ms = 1e3 / departures;
    let high_ms = 1e3 / (departures / 2.0 - quiet);
    for engine in ["Exact", "Auto"] {
        for seed in [3, 4] {
            // Compute's FIFO fairness: the consumers take the queues in
            // turn, one message each.
            let report = run(&weighted(engine, seed, [quiet, 200.0], "5m", "Silo", "Fifo"));
            let d = &report.designs[0];
            let (a, b) = (tenant(d, "a"), tenant(d, "b"));
            let waited = a.latency_by_layer.queue_ms.mean;
            assert!(
                (low_ms * 0.95..=high_ms * 1.05).contains(&waited),
                "{engine} seed {seed}: a waited {waited:.2} ms, bounds {low_ms:.2}–{high_ms:.2}"
            );
            assert!(a.unserved_fraction.mean < 1e-4, "{engine}: a lost {}", a.unserved_fraction.mean);
            // The servers never idle: b gets what a leaves.
            let b_per_sec = b.served.mean / 7200.0;
            assert!(close(b_per_sec, departures - quiet, 0.02), "{engine} seed {seed}: b served {b_per_sec:.1}/s");
            // On one shared queue a's messages wait behind b's backlog,
            // up to the retention.
            let shared = run(&scenario(engine, seed, [quiet, 200.0], "5m", "Pool"));
            let waited_shared = tenant(&shared.designs[0], "a").latency_by_layer.queue_ms.mean;
            assert!(
                waited_shared > 250_000.0,
                "{engine} seed {seed}: a waited {waited_shared:.0} ms on a shared queue"
            );
        }
    }
}

#[test]
fn retention_deletes_what_waited_too_long_and_no_more() {
    // 200 a second on 160 a second of servers with a 60 s retention: the
    // servers take 160 a second, so a fifth of the messages are deleted,
    // and every message served waited almost the whole retention.
    for engine in ["Exact", "Auto", "Fast"] {
        for seed in [5, 6] {
            let report = run(&scenario(engine, seed, [100.0, 100.0], "1m", "Pool"));
            let d = &report.designs[0];
            // The servers are busy from the start: what they did not take
            // and is not still waiting at the end was deleted.
            let sum = |f: &dyn Fn(&TenantReport) -> f64| d.tenants.iter().map(f).sum::<f64>();
            let (offered, in_flight) = (sum(&|t| t.offered.mean), sum(&|t| t.in_flight.mean));
            let expected = offered - 160.0 * 7200.0 - in_flight;
            let deleted = sum(&|t| t.dropped.timeout.mean);
            assert!(
                close(deleted, expected, 0.01),
                "{engine} seed {seed}: {deleted:.0} deleted, expected {expected:.0}"
            );
            assert!(close(deleted / offered, 0.2, 0.05), "{engine} seed {seed}: {deleted} of {offered} deleted");
            // Every message of the last minute is still queued, served at
            // the head or deleted there at a minute's age: 200 × 60 waiting
            // once the head's age reaches the retention (after five
            // minutes: the servers take 160 of every 200).
            assert!(report.queued, "the report says it has queues");
            let depth = &d.series.queue_depth.mean;
            let late = &depth[depth.len() / 2..depth.len() - 1];
            let mean_depth = late.iter().sum::<f64>() / late.len() as f64;
            assert!(close(mean_depth, 200.0 * 60.0, 0.03), "{engine} seed {seed}: {mean_depth:.0} messages waiting");
            // And the oldest of them is about to be deleted: a minute old.
            let oldest = &d.series.oldest_message_secs.mean;
            let late = &oldest[oldest.len() / 2..oldest.len() - 1];
            assert!(late.iter().all(|&age| (58.0..=60.0).contains(&age)), "{engine} seed {seed}: oldest {late:?}");
            for t in &d.tenants {
                let waited = t.latency_by_layer.queue_ms.mean;
                assert!((55_000.0..=60_000.0).contains(&waited), "{engine} {}: waited {waited:.0} ms", t.id);
                if engine != "Fast" {
                    // The fast engine's distribution is approximate; the
                    // per-request engine serves nothing that waited longer
                    // (within the latency histogram's 2 % bins, plus a
                    // long service time).
                    let p99 = t.latency.p99_ms.mean;
                    assert!(p99 <= 60_000.0 * 1.02 + 400.0, "{engine} {}: p99 {p99}", t.id);
                }
            }
        }
    }
}

#[test]
fn messages_cost_their_requests() {
    // 40 messages a second, all served: three requests each at $0.40 per
    // million, over a month of 730 hours.
    let month_secs = 730.0 * 3600.0;
    let expected = 40.0 * month_secs * 3.0 * 0.40 / 1e6;
    for engine in ["Exact", "Fast"] {
        let report = run(&scenario(engine, 7, [20.0, 20.0], "1d", "Silo"));
        let d = &report.designs[0];
        let queue: f64 = d.tenants.iter().map(|t| t.cost_by_layer.queue.mean).sum();
        assert!(close(queue, expected, 0.01), "{engine}: queue ${queue:.2} a month, expected ${expected:.2}");
        let compute: f64 = d.tenants.iter().map(|t| t.cost_by_layer.compute.mean).sum();
        assert!(
            close(d.totals.cost_usd_per_month.mean, queue + compute, 1e-9),
            "{engine}: the total is the queue's and compute's"
        );
    }
}

/// The message of loading `text`, which must fail.
fn error_of(text: &str) -> String {
    match load_str(text, &Limits::default()) {
        Ok(_) => panic!("loaded, but should not have:\n{text}"),
        Err(e) => e.to_string(),
    }
}

fn layout(queue: &str, compute_extra: &str, designs: &str, events: &str) -> String {
    format!(
        r#"Scenario(version: 1, name: "q", clock: (duration: "10m"),
            tiers: {{ "t": (price_per_month: 1.0) }},
            tenants: [ Group(prefix: "x", count: 3, tier: "t", load: (rate: 1.0)) ],
            layers: ( {queue} compute: (service_time: Exponential(mean_ms: 10.0) {compute_extra}) ),
            designs: [ {designs} ], events: [ {events} ])"#
    )
}

#[test]
fn queues_that_consumers_cannot_read_are_refused_at_their_field() {
    let cases = [
        (
            layout("queue: (),", "", r#"(name: "d", placement: { "*": Silo }, layers: (queue: { "*": Pool }))"#, ""),
            "designs[0].layers.queue",
            "would feed compute stacks",
        ),
        (
            layout(
                "queue: (),",
                "",
                r#"(name: "d", placement: { "*": Pool }, layers: (queue: { "x-00": Silo, "*": Pool }))"#,
                "",
            ),
            "designs[0].layers.queue",
            "one shared queue or one queue per tenant",
        ),
        (
            layout("", "", r#"(name: "d", placement: { "*": Pool }, layers: (queue: { "*": Silo }))"#, ""),
            "designs[0].layers.queue",
            "no queue layer",
        ),
        (
            layout(r#"queue: (retention: "10s"),"#, "", r#"(name: "d", placement: { "*": Pool })"#, ""),
            "layers.queue.retention",
            "from 1m to 1d",
        ),
        (
            layout(
                "queue: (),",
                "",
                r#"(name: "d", placement: { "*": Pool })"#,
                r#"CapacityLoss(layer: Queue, at: "1m", duration: "1m", fraction: 0.5)"#,
            ),
            "events[0].layer",
            "no capacity to lose",
        ),
    ];
    for (text, path, words) in cases {
        let message = error_of(&text);
        assert!(message.contains(path) && message.contains(words), "wanted {path}: …{words}…, got:\n{message}");
    }
    // Placed like compute, or finer, loads.
    let fine =
        layout("queue: (),", "", r#"(name: "d", placement: { "*": Cells(2) }, layers: (queue: { "*": Silo }))"#, "");
    load(&fine);
    // Without an override of its own, a queue follows compute's: a compute
    // silo each (as a plan's search may place it) gives a queue each.
    let follows =
        layout("queue: (),", "", r#"(name: "d", placement: { "*": Pool }, layers: (compute: { "*": Silo }))"#, "");
    let sc = load(&follows);
    assert_eq!(sc.designs[0].queue.stacks.len(), 3, "a queue per compute silo");
}

/// One tenant writing `rate` messages a second through a queue to a table
/// of one partition that takes 100 writes a second; consumers to spare.
fn failing(engine: &str, seed: u64, rate: f64, max_receives: &str) -> String {
    format!(
        r#"Scenario(version: 1, name: "redelivery", clock: (duration: "2h", seed: {seed}, replications: 2, engine: {engine}),
            tiers: {{ "t": (price_per_month: 1.0) }},
            tenants: [ Tenant(id: "w", tier: "t", load: (rate: {rate}, read_fraction: 0.0, item_kb: 1.0)) ],
            layers: (
                queue: (retention: "1d", visibility_timeout: "30s", {max_receives}),
                compute: (service_time: Exponential(mean_ms: 5.0), concurrency: 50, instances: (min: 1, max: 1)),
                database: (partitions: 1, write_units_per_partition: 100.0),
            ),
            designs: [ (name: "d", placement: {{ "*": Pool }}) ])"#
    )
}

#[test]
fn failed_messages_come_back_after_their_visibility_timeout_until_the_dead_letter_queue_takes_them() {
    // 150 writes a second at a partition that takes 100 a second.
    let (rate, cap) = (150.0, 100.0);
    for seed in [8, 9] {
        // One receive: whatever the partition refuses goes to the
        // dead-letter queue, a third of the messages.
        let once = run(&failing("Auto", seed, rate, "max_receives: 1"));
        let w = tenant(&once.designs[0], "w");
        let lost = w.dropped.dead_letter.mean / w.offered.mean;
        assert!(close(lost, 1.0 - cap / rate, 0.02), "seed {seed}: {lost:.4} dead-lettered after one receive");
        assert_eq!(w.redelivered.mean, 0.0, "nothing comes back");
        // Three receives: fewer lost, the partition still takes its 100 a
        // second, and every message is served, dead-lettered or under way.
        let thrice = run(&failing("Auto", seed, rate, "max_receives: 3"));
        let w3 = tenant(&thrice.designs[0], "w");
        let lost3 = w3.dropped.dead_letter.mean / w3.offered.mean;
        assert!(lost3 > 0.05 && lost3 < lost, "seed {seed}: {lost3:.4} dead-lettered after three receives");
        assert!(close(w3.served.mean / 7200.0, cap, 0.01), "seed {seed}: the partition's 100 a second");
        let accounted = w3.served.mean + w3.dropped.dead_letter.mean + w3.in_flight.mean;
        assert!(close(accounted, w3.offered.mean, 1e-9), "seed {seed}: {accounted} of {}", w3.offered.mean);
    }
    // Without a dead-letter queue nothing is lost within a day's
    // retention: what the partition refuses comes back 30 s after it was
    // received, as often as it takes. 50 a second with two minutes at 200:
    // the spike's refused writes come back until the partition has room,
    // and all are served long before the end. Each failed receive delays
    // its message by exactly 30 s, so the mean latency is 30 s ×
    // redeliveries ÷ served, plus 5 ms of service.
    let text = failing("Exact", 10, 50.0, "")
        .replace("designs: [", r#"events: [ Spike(tenant: "w", at: "30m", duration: "2m", factor: 4.0) ], designs: ["#);
    let report = run(&text);
    let w = tenant(&report.designs[0], "w");
    assert_eq!(w.dropped.total.mean, 0.0, "nothing lost");
    assert_eq!(w.in_flight.mean, 0.0, "all served by the end");
    let again = w.redelivered.mean / w.offered.mean;
    assert!(again > 0.01, "{again:.4} of the messages came back");
    let expected_ms = 30_000.0 * w.redelivered.mean / w.served.mean + 5.0;
    let got = w.latency.mean_ms.mean;
    assert!(close(got, expected_ms, 0.02), "mean latency {got:.0} ms, 30 s per failed receive: {expected_ms:.0} ms");
}

#[test]
fn a_message_the_queue_deletes_is_not_retried_by_its_client() {
    // The clients retry (three attempts), but the queue took their
    // messages: what its retention deletes later is lost, not sent again.
    let text = scenario("Exact", 11, [100.0, 100.0], "1m", "Pool").replace(
        r#""light": (price_per_month: 1.0, weight: 1.0)"#,
        r#""light": (price_per_month: 1.0, weight: 1.0, retry: (attempts: 3, backoff: Constant("1s")))"#,
    );
    let report = run(&text);
    let a = tenant(&report.designs[0], "a");
    assert_eq!(a.retries.mean, 0.0, "no retries");
    let lost = a.dropped.timeout.mean / a.offered.mean;
    assert!(
        close(a.unserved_fraction.mean, lost, 0.01),
        "unserved {} against deleted {lost}",
        a.unserved_fraction.mean
    );
    assert!(lost > 0.1, "{lost}");
    // A client timeout has nothing to wait for behind a queue.
    let timed = text.replace(r#"backoff: Constant("1s"))"#, r#"backoff: Constant("1s"), timeout: "2s")"#);
    let message = error_of(&timed);
    assert!(message.contains("retry.timeout") && message.contains("queue"), "{message}");
}

#[test]
fn a_message_that_keeps_failing_is_deleted_at_its_retention() {
    // 50 writes a second at a partition that takes 10: without a
    // dead-letter queue, refused messages come back every 30 s until the
    // queue's two-minute retention deletes them, on an otherwise idle
    // stack too.
    let text = failing("Exact", 12, 50.0, "")
        .replace(r#"retention: "1d""#, r#"retention: "2m""#)
        .replace("write_units_per_partition: 100.0", "write_units_per_partition: 10.0");
    let report = run(&text);
    let w = tenant(&report.designs[0], "w");
    assert!(w.latency.p99_ms.mean <= 120_000.0 * 1.02 + 100.0, "p99 {} past the retention", w.latency.p99_ms.mean);
    let deleted = w.dropped.timeout.mean / w.offered.mean;
    assert!(close(deleted, 0.8, 0.03), "{deleted:.4} deleted, the partition takes a fifth");
    let accounted = w.served.mean + w.dropped.total.mean + w.in_flight.mean;
    assert!(close(accounted, w.offered.mean, 1e-9), "{accounted} of {}", w.offered.mean);
    // At most four receives fit in two minutes, 30 s apart.
    assert!(w.redelivered.mean <= 4.0 * w.offered.mean, "{} redeliveries", w.redelivered.mean);
}

#[test]
fn the_work_of_messages_that_may_come_back_is_budgeted_before_running() {
    // A visibility timeout of 0 without a dead-letter queue lets a refused
    // message come back at once, again and again for its hour of
    // retention: a day of it at a thousand a second is refused with the
    // work it implies, and a dead-letter queue after three receives brings
    // it back in budget.
    let endless = failing("Exact", 1, 1000.0, "")
        .replace(r#"duration: "2h""#, r#"duration: "1d""#)
        .replace(r#"visibility_timeout: "30s""#, r#"visibility_timeout: "0s""#)
        .replace(r#"retention: "1d""#, r#"retention: "1h""#);
    let message = error_of(&endless);
    assert!(message.contains("units of work"), "{message}");
    let bounded = endless.replace(r#"visibility_timeout: "0s","#, r#"visibility_timeout: "0s", max_receives: 3,"#);
    assert!(load_str(&bounded, &Limits::default()).is_ok(), "three receives fit");
}

/// Eight consumers (400 messages/s) fed 280/s, then 460/s for five
/// minutes from the 10th, through one shared queue kept an hour;
/// `slo` is the tiers' objective, `more` further fields of the scenario.
pub fn burst(engine: &str, seed: u64, slo: &str, more: &str) -> String {
    format!(
        r#"Scenario(version: 1, name: "burst", clock: (duration: "30m", seed: {seed}, replications: 4, engine: {engine}),
            tiers: {{ "t": (price_per_month: 1.0, slo: ({slo})) }},
            tenants: [
                Tenant(id: "importer", tier: "t", load: (rate: 20.0)),
                Group(prefix: "shop", count: 4, tier: "t", load: (rate: 65.0)),
            ],
            layers: (
                queue: (retention: "1h"),
                compute: (service_time: Exponential(mean_ms: 20.0), concurrency: 8, instances: (min: 1, max: 1)),
            ),
            designs: [ (name: "d", placement: {{ "*": Pool }}) ],
            events: [ Spike(tenant: "importer", at: "10m", duration: "5m", factor: 10.0) ]{more})"#
    )
}

#[test]
fn the_oldest_message_peaks_at_the_backlog_a_burst_leaves_over_the_drain_rate() {
    // In the burst 60 messages/s more arrive than the consumers take, so
    // 18,000 wait when it ends, and the last message of it is taken when
    // they are gone: 18,000 / 400 = 45 s after it was sent, the oldest any
    // message gets (one shared queue: every tenant's).
    let peak_ms = (460.0 - 400.0) * 300.0 / 400.0 * 1e3;
    for engine in ["Exact", "Auto", "Fast"] {
        for seed in [1, 2] {
            let report = run(&burst(engine, seed, "", ""));
            for t in &report.designs[0].tenants {
                let got = t.oldest_message_ms.mean;
                assert!(close(got, peak_ms, 0.04), "{engine} seed {seed} {}: oldest {got:.0} ms, {peak_ms:.0}", t.id);
            }
        }
    }
    // With the 1-minute retention of 200/s on 160/s, messages are deleted
    // at a minute's age: the oldest any gets.
    for engine in ["Exact", "Auto", "Fast"] {
        let report = run(&scenario(engine, 5, [100.0, 100.0], "1m", "Pool"));
        for t in &report.designs[0].tenants {
            let got = t.oldest_message_ms.mean;
            assert!(close(got, 60_000.0, 0.001), "{engine} {}: oldest {got:.0} ms", t.id);
        }
    }
}

#[test]
fn an_objective_on_message_age_holds_the_oldest_message() {
    // The burst's messages reach 45 s: an objective of 30 s is missed by
    // every tenant, one of a minute met (latency is held to a minute too).
    for engine in ["Exact", "Auto", "Fast"] {
        for (age, met) in [("30s", 0.0), ("1m", 1.0)] {
            let slo = format!(r#"p99_ms: 60000.0, max_message_age: "{age}""#);
            let report = run(&burst(engine, 3, &slo, ""));
            for t in &report.designs[0].tenants {
                assert_eq!(t.slo_met.mean, met, "{engine} {age} {}: oldest {:.0} ms", t.id, t.oldest_message_ms.mean);
            }
        }
    }
    // Without a queue there is no message to age: refused at the field.
    let text = layout("", "", r#"(name: "d", placement: { "*": Pool })"#, "")
        .replace(r#""t": (price_per_month: 1.0)"#, r#""t": (price_per_month: 1.0, slo: (max_message_age: "5m"))"#);
    let error = error_of(&text);
    assert!(error.contains(r#"tiers."t".slo.max_message_age"#) && error.contains("queue layer"), "{error}");
    let text = layout("queue: (),", "", r#"(name: "d", placement: { "*": Pool })"#, "")
        .replace(r#""t": (price_per_month: 1.0)"#, r#""t": (price_per_month: 1.0, slo: (max_message_age: "2d"))"#);
    let error = error_of(&text);
    assert!(error.contains(r#"tiers."t".slo.max_message_age"#) && error.contains("1s to 1d"), "{error}");
}

#[test]
fn a_backlog_keeps_its_age_when_the_consumers_stop() {
    // 600 messages a second to 1,000 a second of consumers: half are lost
    // from the 5th minute for two minutes (12,000 left waiting), then all of
    // them for half a minute. The message at the head when they stop was
    // sent 100 s into the loss (the consumers had taken 500 a second of the
    // 600); it waits until they return at 7m30s: 50 s, the oldest any
    // message gets. The fast engine holds the backlog as requests while no
    // consumer runs, which must keep their age.
    let text = |engine: &str, seed: u64| {
        format!(
            r#"Scenario(version: 1, name: "stop", clock: (duration: "15m", seed: {seed}, replications: 2, engine: {engine}),
            tiers: {{ "t": (price_per_month: 1.0) }},
            tenants: [ Group(prefix: "x", count: 4, tier: "t", load: (rate: 150.0)) ],
            layers: (
                queue: (retention: "1h"),
                compute: (service_time: Exponential(mean_ms: 10.0), concurrency: 10, instances: (min: 1, max: 1)),
            ),
            designs: [ (name: "d", placement: {{ "*": Pool }}) ],
            events: [
                CapacityLoss(layer: Compute, at: "5m", duration: "2m", fraction: 0.5),
                CapacityLoss(layer: Compute, at: "7m", duration: "30s", fraction: 1.0),
            ])"#
        )
    };
    for engine in ["Exact", "Auto", "Fast"] {
        for seed in [1, 2] {
            let report = run(&text(engine, seed));
            for t in &report.designs[0].tenants {
                let got = t.oldest_message_ms.mean;
                assert!(close(got, 50_000.0, 0.03), "{engine} seed {seed} {}: oldest {got:.0} ms", t.id);
            }
        }
    }
}

#[test]
fn the_oldest_message_over_time_sees_messages_offered_again_behind_younger_ones() {
    // A burst fills the queue while the database refuses a share of the
    // writes: messages offered again after their visibility timeout wait
    // behind younger ones, with their first arrival. The oldest message
    // read at each interval's end must find them, not only the queue's
    // head: its peak is the peak of the tenants' oldest messages.
    let text = r#"Scenario(version: 1, name: "redq", clock: (duration: "30m", seed: 1, replications: 2),
        tiers: { "t": (price_per_month: 1.0) },
        tenants: [
            Tenant(id: "importer", tier: "t", load: (rate: 20.0, read_fraction: 0.0)),
            Group(prefix: "shop", count: 4, tier: "t", load: (rate: 65.0, read_fraction: 0.0)),
        ],
        layers: (
            queue: (retention: "1h", visibility_timeout: "1m"),
            compute: (service_time: Exponential(mean_ms: 20.0), concurrency: 8, instances: (min: 1, max: 1)),
            database: (partitions: 1, write_units_per_partition: 300.0),
        ),
        designs: [ (name: "d", placement: { "*": Pool }) ],
        events: [ Spike(tenant: "importer", at: "10m", duration: "5m", factor: 10.0) ],
    )"#;
    let report = run(text);
    let d = &report.designs[0];
    assert!(d.totals.redelivered.mean > 10_000.0, "messages come back: {}", d.totals.redelivered.mean);
    let series = d.series.oldest_message_secs.mean.iter().copied().fold(0.0, f64::max);
    let tenants = d.tenants.iter().map(|t| t.oldest_message_ms.mean / 1e3).fold(0.0, f64::max);
    // Read at the heads alone, the series peaked at 461 s against 1,183 s.
    assert!(close(series, tenants, 0.05), "oldest over time {series:.0} s, tenants' oldest {tenants:.0} s");
}

#[test]
fn each_tenant_s_queue_depth_grows_as_its_backlog_does_and_the_depths_add_up() {
    // A burst of 300 messages a second for five minutes on four workers
    // that take 200: the burster's messages pile up at 100 a second, so at
    // each minute's end it has 6,000 more waiting (the fluid limit of a
    // queue kept busy; the random part is a few hundred). A quiet tenant's
    // messages wait behind them on the shared queue (its share of the
    // backlog: what it sent since the head of the queue, the burst's
    // first minute, was sent); with a queue each, never more than a few.
    let text = |engine: &str, queues: &str| {
        format!(
            r#"Scenario(version: 1, name: "depth", clock: (duration: "8m", seed: 3, replications: 4, engine: {engine}),
            tiers: {{ "t": (price_per_month: 1.0) }},
            tenants: [ Tenant(id: "burst", tier: "t", load: (rate: 1.0)), Tenant(id: "quiet", tier: "t", load: (rate: 20.0)) ],
            layers: (
                queue: (retention: "1h"),
                compute: (service_time: Exponential(mean_ms: 20.0), concurrency: 2, instances: (min: 2, max: 2)),
            ),
            designs: [ (name: "d", placement: {{ "*": Pool }}, layers: (queue: {{ "*": {queues} }})) ],
            events: [ Spike(tenant: "burst", at: "0s", duration: "5m", factor: 280.0) ])"#
        )
    };
    for engine in ["Exact", "Auto", "Fast"] {
        let shared = run(&text(engine, "Pool"));
        let series = &shared.designs[0].series;
        let minute = |t: &tenantsim::report::FlowSeries, m: usize| {
            let p = series.t_secs.iter().position(|&s| s + series.interval_secs >= 60.0 * m as f64 - 1e-9);
            p.map_or(0.0, |p| t.queue_depth.mean[p])
        };
        let Some(burst) = series.tenants.iter().find(|f| f.name == "burst") else { panic!("no burst series") };
        let Some(quiet) = series.tenants.iter().find(|f| f.name == "quiet") else { panic!("no quiet series") };
        for m in 1..=5 {
            let (b, q) = (minute(burst, m), minute(quiet, m));
            // Burst and quiet send 280 and 20 a second: the backlog of 100
            // a second is theirs in that proportion.
            let all = 100.0 * 60.0 * m as f64;
            assert!(close(b + q, all, 0.06), "{engine} minute {m}: {b:.0} + {q:.0} waiting, against {all:.0}");
            assert!(close(q, all * 20.0 / 300.0, 0.10), "{engine} minute {m}: quiet {q:.0}");
        }
        // Every point: the tiers' depths add up to the design's.
        for (p, total) in series.queue_depth.mean.iter().enumerate() {
            let tiers: f64 = series.tiers.iter().map(|t| t.queue_depth.mean[p]).sum();
            assert!((tiers - total).abs() <= 1e-6 * total.max(1.0), "{engine} point {p}: {tiers} against {total}");
        }
        let own = run(&text(engine, "Silo"));
        let series = &own.designs[0].series;
        let Some(quiet) = series.tenants.iter().find(|f| f.name == "quiet") else { panic!("no quiet series") };
        let most = quiet.queue_depth.mean.iter().copied().fold(0.0, f64::max);
        assert!(most < 20.0, "{engine}: with a queue each, quiet has at most {most:.1} waiting");
    }
    // Without a queue layer the series have no queue depth (and the JSON
    // no key).
    let plain = text("Auto", "Pool")
        .replace("queue: (retention: \"1h\"),", "")
        .replace(", layers: (queue: { \"*\": Pool })", "");
    let plain = run(&plain);
    assert!(plain.designs[0].series.tiers.iter().all(|t| t.queue_depth.mean.is_empty()));
    let json = serde_json::to_string(&plain).unwrap_or_default();
    assert!(!json.contains("\"queue_depth\":{\"mean\":[]"), "no empty queue depth in the JSON");
}

#[test]
fn the_tiers_depths_add_up_at_the_last_point_when_the_backlog_outlasts_the_run() {
    // The same burst to the end of a 5-minute run: 100 messages a second
    // pile up (about 30,000 at the end), two thirds of them the burster's
    // tier's. The last point's depth was once read per tier after the
    // per-request engine had emptied its queues.
    let text = |engine: &str| {
        format!(
            r#"Scenario(version: 1, name: "depth at the end", clock: (duration: "5m", seed: 5, replications: 2, engine: {engine}),
            tiers: {{ "loud": (price_per_month: 1.0), "calm": (price_per_month: 1.0) }},
            tenants: [ Tenant(id: "burst", tier: "loud", load: (rate: 1.0)), Tenant(id: "quiet", tier: "calm", load: (rate: 20.0)) ],
            layers: (
                queue: (retention: "1h"),
                compute: (service_time: Exponential(mean_ms: 20.0), concurrency: 2, instances: (min: 2, max: 2)),
            ),
            designs: [ (name: "d", placement: {{ "*": Pool }}, layers: (queue: {{ "*": Pool }})) ],
            events: [ Spike(tenant: "burst", at: "0s", duration: "5m", factor: 280.0) ])"#
        )
    };
    for engine in ["Exact", "Auto", "Fast"] {
        let report = run(&text(engine));
        let series = &report.designs[0].series;
        let Some(&total) = series.queue_depth.mean.last() else { panic!("{engine}: no queue depth") };
        assert!(close(total, 30_000.0, 0.06), "{engine}: {total:.0} waiting at the end");
        let tiers: Vec<f64> = series.tiers.iter().map(|t| t.queue_depth.mean.last().copied().unwrap_or(0.0)).collect();
        let sum: f64 = tiers.iter().sum();
        assert!((sum - total).abs() <= 1e-6 * total, "{engine}: tiers {tiers:?} against {total:.0}");
        // The loud tier sends 280 of every 300 messages.
        assert!(close(tiers[0], total * 280.0 / 300.0, 0.03), "{engine}: loud {:.0} of {total:.0}", tiers[0]);
    }
}
