//! A stack in deep overload: `Auto` serves a queue thousands deep as a
//! fluid that keeps each tenant's requests and when they were sent. Its
//! figures are checked against the closed form of a queue held at its
//! timeout, and against the per-request engine where the queue drains.

use crate::common::{close, load, run_1_and_2_threads};

/// Eight servers of 20 ms (400 requests a second) and a 5 s timeout; a
/// quiet tenant at 20/s and a noisy one sending 1,000/s from minute 10 to
/// 20 on top of its 20/s.
fn held_at_its_timeout(engine: &str, seed: u64) -> String {
    format!(
        r#"Scenario(version: 1, name: "deep", clock: (duration: "30m", seed: {seed}, replications: 4, engine: {engine}),
        tiers: {{ "t": (price_per_month: 1.0) }},
        tenants: [
            Tenant(id: "quiet", tier: "t", load: (rate: 20.0)),
            Tenant(id: "noisy", tier: "t", load: (rate: 20.0)),
        ],
        layers: (compute: (service_time: Exponential(mean_ms: 20.0), concurrency: 4, instances: (min: 2, max: 2),
                           queue_timeout: "5s")),
        designs: [ (name: "pool", placement: {{ "*": Pool }}) ],
        events: [ Spike(tenant: "noisy", at: "10m", duration: "10m", factor: 51.0) ])"#
    )
}

#[test]
fn a_queue_held_at_its_timeout_serves_its_capacity_and_every_served_request_waits_the_timeout() {
    // Offered 1,040/s to 400/s of capacity: the queue fills to 2,000 in
    // about 3 s and stays there. From then on the stack serves 400/s and
    // drops the rest, each tenant in proportion to what it sends, and every
    // request it serves has waited the 5 s timeout (the fluid limit of a
    // queue kept full: its head is always a request about to expire).
    let capacity_per_sec = 400.0;
    let offered_per_sec = 1040.0;
    for engine in ["Auto", "Exact"] {
        for seed in [1, 2, 3] {
            let report = run_1_and_2_threads(&load(&held_at_its_timeout(engine, seed)));
            let Some(quiet) = report.designs[0].tenants.iter().find(|t| t.id == "quiet") else {
                panic!("no tenant quiet")
            };
            let inside = &quiet.windows.inside;
            let lost = inside.unserved_fraction.mean;
            assert!(
                close(lost, 1.0 - capacity_per_sec / offered_per_sec, 0.02),
                "{engine} seed {seed}: quiet lost {lost:.4} of its requests in the window"
            );
            // The first few seconds (before the queue fills) and the
            // service time move the mean by under 1 %.
            let mean = inside.latency.mean_ms.mean;
            let median = inside.latency.p50_ms.mean;
            assert!(close(mean, 5000.0, 0.03), "{engine} seed {seed}: window mean {mean:.0} ms");
            assert!(close(median, 5000.0, 0.03), "{engine} seed {seed}: window median {median:.0} ms");
        }
    }
}

/// Four quiet tenants and a noisy one whose 2,000/s surge stops after
/// 20,000 requests (its daily quota), on a pool of 320/s with a 30 s
/// timeout: a backlog builds for about 12 s, is held at the timeout, then
/// drains behind the quiet tenants' requests.
fn surge_stopped_by_a_quota(engine: &str, seed: u64) -> String {
    format!(
        r#"Scenario(version: 1, name: "drain", clock: (duration: "1h", seed: {seed}, replications: 16, engine: {engine}),
        tiers: {{ "t": (price_per_month: 1.0, plan: (rate: 10000.0, burst: 20000.0, quota_per_day: 25000)) }},
        tenants: [ Group(prefix: "x", count: 5, tier: "t", load: (rate: 1.0)) ],
        layers: (gateway: (), compute: (service_time: Exponential(mean_ms: 25.0), concurrency: 4, instances: (min: 2, max: 2))),
        designs: [ (name: "pool", placement: {{ "*": Pool }}) ],
        events: [ Spike(tenant: "x-00", at: "40m", duration: "5m", factor: 2000.0) ])"#
    )
}

#[test]
fn a_draining_backlog_gives_each_request_its_own_wait_as_the_requests_do() {
    // A tick that drains a backlog serves requests sent over the last
    // 30 s: each must keep its own wait (a mean per tick would pull the
    // quiet tenants' tail in), and requests sent in the window and served
    // after it count in the window. Against the per-request engine: the
    // quiet tenants' window mean, p99 and losses.
    let figures = |engine: &str| {
        let report = run_1_and_2_threads(&load(&surge_stopped_by_a_quota(engine, 7)));
        let quiet: Vec<_> = report.designs[0].tenants.iter().filter(|t| t.id != "x-00").collect();
        let n = quiet.len() as f64;
        let mean = |f: &dyn Fn(&tenantsim::report::WindowSide) -> f64| {
            quiet.iter().map(|t| f(&t.windows.inside)).sum::<f64>() / n
        };
        [
            mean(&|w| w.latency.mean_ms.mean),
            mean(&|w| w.latency.p99_ms.mean),
            mean(&|w| w.unserved.mean),
            mean(&|w| w.latency.p99_ms.ci95),
        ]
    };
    let (auto, exact) = (figures("Auto"), figures("Exact"));
    let [mean, p99, lost, ci] = auto;
    let [mean_x, p99_x, lost_x, ci_x] = exact;
    assert!(p99_x > 10_000.0, "the case must reach the backlog's tail: p99 {p99_x:.0} ms");
    assert!(close(mean, mean_x, 0.10), "window mean {mean:.0} ms, per request {mean_x:.0} ms");
    assert!(
        (p99 - p99_x).abs() <= 0.10 * p99_x + ci + ci_x,
        "window p99 {p99:.0} ± {ci:.0} ms, per request {p99_x:.0} ± {ci_x:.0} ms"
    );
    assert!(close(lost, lost_x, 0.15), "lost in the window {lost:.1}, per request {lost_x:.1}");
}

/// The queue lesson's shared queue with a tenant that sends only from
/// minute 18 to 19, while the import's backlog drains.
fn late_sender(engine: &str, importer_factor: f64, import: &str) -> String {
    let Some((_, text)) =
        crate::common::bundled_scenarios().into_iter().find(|(name, _)| name == "queue-per-tenant.ron")
    else {
        panic!("no queue lesson")
    };
    text.replace("replications: 4", &format!("replications: 4, engine: {engine}"))
        .replace(
            r#"Group(prefix: "shop""#,
            r#"Tenant(id: "late", tier: "standard", load: (rate: 0.001)), Group(prefix: "shop""#,
        )
        .replace(
            r#"Spike(tenant: "importer", at: "10m", duration: "5m", factor: 10.0)"#,
            &format!(
                r#"Spike(tenant: "importer", at: "10m", duration: "{import}", factor: {importer_factor}), Spike(tenant: "late", at: "18m", duration: "1m", factor: 1000.0)"#
            ),
        )
}

#[test]
fn a_tenant_s_oldest_message_is_its_own_not_the_queue_s() {
    // The late tenant's messages join a backlog that is draining: they
    // wait behind it, but never as long as the import's oldest did. A deep
    // queue must report the late tenant's own oldest message (it once gave
    // every tenant the queue head's age: 261 s against 222 s).
    let oldest = |engine: &str| {
        let report = run_1_and_2_threads(&load(&late_sender(engine, 10.0, "5m")));
        let design = &report.designs[0];
        let Some(late) = design.tenants.iter().find(|t| t.id == "late") else { panic!("no late tenant") };
        let Some(importer) = design.tenants.iter().find(|t| t.id == "importer") else { panic!("no importer") };
        (late.oldest_message_ms.mean, importer.oldest_message_ms.mean)
    };
    let ((late, importer), (late_x, importer_x)) = (oldest("Auto"), oldest("Exact"));
    assert!(late < 0.9 * importer, "the late tenant's oldest {late:.0} ms, the importer's {importer:.0} ms");
    assert!(close(late, late_x, 0.05), "late: {late:.0} ms, per request {late_x:.0} ms");
    assert!(close(importer, importer_x, 0.05), "importer: {importer:.0} ms, per request {importer_x:.0} ms");
}

#[test]
fn once_a_deep_queue_has_drained_its_stack_queues_as_before() {
    // A 20-minute import on a queue kept 20 minutes: the backlog drains by
    // about minute 190 and the workers run at 0.875 after it (the shops
    // send 24 a second each). A deep
    // stack whose members' backlogs kept a rounding error once stayed a
    // fluid with no queue at all: its p99 after the drain fell from about
    // 300 ms to 239 ms. After the drain it must queue as the requests do.
    for seed in [4, 6] {
        let p99_after = |engine: &str| {
            let text = late_sender(engine, 50.0, "20m")
                .replace(r#"retention: "1d""#, r#"retention: "20m""#)
                .replace(
                    r#"count: 5, tier: "standard", load: (rate: 20.0)"#,
                    r#"count: 5, tier: "standard", load: (rate: 24.0)"#,
                )
                .replace("seed: 5", &format!("seed: {seed}"))
                .replace(r#"duration: "40m""#, r#"duration: "4h""#);
            // The per-request engine's own determinism is tested elsewhere.
            let scenario = load(&text);
            let report = if engine == "Exact" { crate::common::run(&scenario) } else { run_1_and_2_threads(&scenario) };
            let series = &report.designs[0].series;
            let mut after: Vec<f64> = series
                .t_secs
                .iter()
                .zip(&series.total.p99_ms.mean)
                .filter(|(t, _)| **t >= 11_500.0)
                .map(|(_, p)| *p)
                .collect();
            after.sort_by(f64::total_cmp);
            after[after.len() / 2]
        };
        let (auto, exact) = (p99_after("Auto"), p99_after("Exact"));
        assert!(
            close(auto, exact, 0.10),
            "seed {seed}: median p99 after the drain {auto:.0} ms, per request {exact:.0} ms"
        );
    }
}
