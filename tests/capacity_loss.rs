//! Compute capacity-loss events (docs/model.md, "Compute"): for its window
//! a stack keeps ⌊servers × (1 − fraction)⌋ servers, overlapping losses
//! multiply what they keep, and what cannot be served queues and then
//! times out like any other backlog.

use crate::common::{load, run_1_and_2_threads};
use tenantsim::report::RunReport;

/// 2 instances × 5 = 10 servers of 10 ms: 100 requests per second each,
/// 1,000 per second in all. Four tenants offer 150/s each (600/s), so the
/// stack is at ρ = 0.6 until capacity is lost.
const SERVERS: f64 = 10.0;
const MU_PER_SEC: f64 = 100.0;
const OFFERED_PER_SEC: f64 = 600.0;
const TIMEOUT_SECS: f64 = 30.0;

fn scenario(seed: u64, events: &str) -> String {
    format!(
        r#"Scenario(version: 1, name: "loss", clock: (duration: "10m", seed: {seed}, replications: 4, engine: Fast),
            tiers: {{ "t": (price_per_month: 1.0) }},
            tenants: [ Group(prefix: "x", count: 4, tier: "t", load: (rate: 150.0)) ],
            layers: ( compute: (service_time: Deterministic(ms: 10.0), concurrency: 5, instances: (min: 2, max: 2),
                                queue_timeout: "30s", price_per_hour: 1.0) ),
            designs: [ (name: "pool", placement: {{ "*": Pool }}) ],
            events: [ {events} ])"#
    )
}

/// Series points whose interval lies in `[from, to)` seconds.
fn points_in(report: &RunReport, from: f64, to: f64) -> Vec<usize> {
    let series = &report.designs[0].series;
    (0..series.t_secs.len())
        .filter(|&p| series.t_secs[p] >= from && series.t_secs[p] + series.interval_secs <= to)
        .collect()
}

#[test]
fn compute_capacity_loss_keeps_whole_servers_for_its_window() {
    // Losing 55 % of 10 servers keeps ⌊4.5⌋ = 4 (not 4.5): 400/s, under
    // the 600/s offered, from 300 s to 420 s.
    let kept_per_sec = (SERVERS * (1.0 - 0.55)).floor() * MU_PER_SEC;
    assert_eq!(kept_per_sec, 400.0);
    let (start, end) = (300.0, 420.0);
    for seed in [1, 2] {
        let report = run_1_and_2_threads(&load(&scenario(
            seed,
            r#"CapacityLoss(layer: Compute, at: "5m", duration: "2m", fraction: 0.55)"#,
        )));
        let design = &report.designs[0];
        let total = &design.series.total;
        // Before the window the stack keeps up: served as offered.
        for p in points_in(&report, 0.0, start) {
            let (served, offered) = (total.served_per_sec.mean[p], total.offered_per_sec.mean[p]);
            assert!((served - offered).abs() <= 1e-9 * offered, "seed {seed} point {p}: {served} vs {offered}");
        }
        // In the window it is saturated and serves exactly what 4 servers
        // can.
        for p in points_in(&report, start, end) {
            let served = total.served_per_sec.mean[p];
            assert!((served - kept_per_sec).abs() <= 1e-9 * kept_per_sec, "seed {seed} point {p}: {served}");
        }
        // After it, all 10 servers drain the backlog at 1,000/s (about
        // 30 s of it), and are back to serving what arrives a minute
        // later.
        for p in points_in(&report, end, end + 20.0) {
            let served = total.served_per_sec.mean[p];
            assert!((served - SERVERS * MU_PER_SEC).abs() <= 1e-9 * served, "seed {seed} point {p}: {served}");
        }
        for p in points_in(&report, end + 60.0, report.duration_secs) {
            let (served, offered) = (total.served_per_sec.mean[p], total.offered_per_sec.mean[p]);
            assert!((served - offered).abs() <= 1e-9 * offered, "seed {seed} point {p}: {served} vs {offered}");
        }

        // Drops, by a fluid count: requests are dropped when their
        // deadline passes. In the window 600/s arrive and 400/s are
        // served, oldest first, so the oldest waiting request ages by
        // 1 − 400/600 of a second each second and reaches the 30 s
        // timeout 90 s into the window; from then on 200/s expire until the
        // window ends 30 s later. After it everything still waiting (the
        // last 30 s of arrivals) is served within its deadline at 1,000/s.
        let reaches_timeout = TIMEOUT_SECS * OFFERED_PER_SEC / (OFFERED_PER_SEC - kept_per_sec);
        assert_eq!(reaches_timeout, 90.0);
        let expected = (OFFERED_PER_SEC - kept_per_sec) * (end - start - reaches_timeout);
        assert_eq!(expected, 6_000.0);
        let dropped = design.totals.dropped.mean;
        assert!((dropped - expected).abs() <= 0.05 * expected, "seed {seed}: dropped {dropped} vs about {expected}");
        // Nothing is left queued at the end; the lost instances are still
        // running (and billed).
        let in_flight: f64 = design.tenants.iter().map(|t| t.in_flight.mean).sum();
        assert_eq!(in_flight, 0.0);
        let stack = &design.stacks[0];
        assert!((stack.mean_instances.mean - 2.0).abs() < 1e-12, "{}", stack.mean_instances.mean);
        assert!((stack.cost_usd_per_month.mean - 2.0 * 730.0).abs() < 1e-9, "{}", stack.cost_usd_per_month.mean);
    }
}

#[test]
fn overlapping_capacity_losses_multiply_what_they_keep() {
    // 50 % lost over [300, 420) s and 30 % over [360, 480) s: 5 servers,
    // then ⌊10 × 0.5 × 0.7⌋ = 3 while both run; both under 600/s.
    for seed in [3, 4] {
        let report = run_1_and_2_threads(&load(&scenario(
            seed,
            r#"CapacityLoss(layer: Compute, at: "5m", duration: "2m", fraction: 0.5),
               CapacityLoss(layer: Compute, at: "6m", duration: "2m", fraction: 0.3)"#,
        )));
        let total = &report.designs[0].series.total;
        for (from, to, servers) in [(300.0, 360.0, 5.0), (360.0, 420.0, 3.0)] {
            for p in points_in(&report, from, to) {
                let served = total.served_per_sec.mean[p];
                let want = servers * MU_PER_SEC;
                assert!((served - want).abs() <= 1e-9 * want, "seed {seed} point {p}: {served} vs {want}");
            }
        }
        // Then ⌊10 × 0.7⌋ = 7 servers (700/s) drain the backlog, which is
        // still there 20 s later: 60 s at −100/s and 60 s at −300/s filled
        // it past 20 × (700 − 600).
        for p in points_in(&report, 420.0, 440.0) {
            let served = total.served_per_sec.mean[p];
            assert!((served - 700.0).abs() <= 1e-9 * 700.0, "seed {seed} point {p}: {served}");
        }
    }
}
