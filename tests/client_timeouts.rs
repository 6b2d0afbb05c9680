//! Clients' own timeouts: the per-request engine against the M/M/c
//! queue's sojourn-time distribution (a client that gives up does not
//! change what the server does, so the queue stays M/M/c), the work the
//! servers then do for nobody, and the accounting of attempts. Every
//! expected value is computed here, independently of the engine.

use crate::common::{close, erlang_c, load, run_1_and_2_threads};

/// An M/M/c queue's sojourn time (wait plus service): the probability it
/// passes `t` seconds, and the mean service time of the requests whose
/// sojourn does, times their share (per unit of mean service time: the
/// share of busy time they take).
fn sojourn_tail(servers: u32, lambda: f64, mu: f64, t: f64) -> (f64, f64) {
    let c = erlang_c(servers, lambda / mu);
    // A waiting request waits Exp(θ), θ = cμ − λ; service is Exp(μ).
    let theta = f64::from(servers) * mu - lambda;
    let tail = (1.0 - c) * (-mu * t).exp() + c * (theta * (-mu * t).exp() - mu * (-theta * t).exp()) / (theta - mu);
    // E[S · 1{W + S > t}]: with W = w < t, E[S; S > t − w] =
    // e^{−μ(t−w)} (t − w + 1/μ); with w ≥ t, all of E[S] = 1/μ.
    let late_service = |w: f64| (-mu * (t - w)).exp() * (t - w + 1.0 / mu);
    let steps = 20_000;
    let h = t / f64::from(steps);
    // Simpson's rule over the waiting requests' wait density on [0, t].
    let integral: f64 = (0..=steps)
        .map(|k| {
            let w = f64::from(k) * h;
            let weight = if k == 0 || k == steps {
                1.0
            } else if k % 2 == 1 {
                4.0
            } else {
                2.0
            };
            weight * theta * (-theta * w).exp() * late_service(w)
        })
        .sum::<f64>()
        * h
        / 3.0;
    let wasted = (1.0 - c) * late_service(0.0) + c * (integral + (-theta * t).exp() / mu);
    (tail, wasted * mu)
}

/// Four tenants at `rate` each on one pool of `servers` servers (100 ms
/// exponential service, no server-side timeout to speak of), their
/// clients waiting `timeout` for each attempt and making `attempts`.
fn timing_out_pool(servers: u32, rate: f64, timeout: &str, attempts: u32, seed: u64) -> String {
    behind_a_gateway(servers, rate, timeout, attempts, seed, "")
}

/// [`timing_out_pool`] behind a gateway with `gateway` fields (none: no
/// gateway).
fn behind_a_gateway(servers: u32, rate: f64, timeout: &str, attempts: u32, seed: u64, gateway: &str) -> String {
    let gateway = if gateway.is_empty() {
        String::new()
    } else {
        format!("gateway: (account_rate: 100000.0, account_burst: 100000.0, {gateway}),")
    };
    format!(
        r#"Scenario(version: 1, name: "client timeouts", clock: (duration: "2h", seed: {seed}, replications: 2),
            tiers: {{ "t": (price_per_month: 1.0,
                            retry: (attempts: {attempts}, backoff: Constant("1s"), timeout: "{timeout}")) }},
            tenants: [ Group(prefix: "x", count: 4, tier: "t", load: (rate: {rate})) ],
            layers: ( {gateway} compute: (service_time: Exponential(mean_ms: 100.0), concurrency: 1,
                                instances: (min: {servers}, max: {servers}), queue_timeout: "1h",
                                price_per_hour: 0.1) ),
            designs: [ (name: "pool", placement: {{ "*": Pool }}) ])"#
    )
}

#[test]
fn clients_give_up_as_often_as_the_mmc_sojourn_passes_their_timeout() {
    // ρ = 0.85 on 4 servers, and ρ = 0.7 on 8: a quarter and a tenth or so
    // of the requests outlast their clients.
    for (servers, lambda, timeout_secs, seed) in [(4u32, 34.0, 0.3, 3u64), (8, 56.0, 0.25, 4)] {
        let (tail, wasted) = sojourn_tail(servers, lambda, 10.0, timeout_secs);
        let timeout = format!("{}ms", timeout_secs * 1e3);
        let report = run_1_and_2_threads(&load(&timing_out_pool(servers, lambda / 4.0, &timeout, 1, seed)));
        assert_eq!(report.engine, "exact", "clients' timeouts run the per-request engine");
        let d = &report.designs[0];
        let sum = |f: &dyn Fn(&tenantsim::report::TenantReport) -> f64| d.tenants.iter().map(f).sum::<f64>();
        let admitted = sum(&|t| t.admitted.mean);
        let timed_out = sum(&|t| t.dropped.client.mean);
        let share = timed_out / admitted;
        assert!(close(share, tail, 0.04), "{servers} servers: timed out {share:.4} vs P(D > T) {tail:.4}");
        // The servers finish what the clients gave up on: that share of
        // their busy time is wasted.
        let got = d.totals.wasted_work_fraction.mean;
        assert!(close(got, wasted, 0.05), "{servers} servers: wasted work {got:.4} vs {wasted:.4}");
        for t in &d.tenants {
            // Every admitted attempt is answered, given up on or still
            // under way; no server-side drop happens within an hour.
            let accounted = t.served.mean + t.dropped.client.mean + t.in_flight.mean;
            assert!((accounted - t.admitted.mean).abs() < 1e-6, "{}: {accounted} vs {}", t.id, t.admitted.mean);
            assert_eq!(t.dropped.timeout.mean, 0.0);
            assert_eq!(t.dropped.total.mean, t.dropped.client.mean);
            // One attempt: a request whose client gave up is unserved.
            let requests = t.offered.mean;
            assert!(close(t.unserved_fraction.mean, t.dropped.client.mean / requests, 0.02), "{t:?}");
            // What a client got, it got within its timeout.
            assert!(t.latency.p99_ms.mean <= timeout_secs * 1e3 * 1.02, "{}: p99 {}", t.id, t.latency.p99_ms.mean);
        }
    }
}

#[test]
fn clients_that_retry_what_they_gave_up_on_add_load_the_servers_waste() {
    // The same pool at ρ = 0.85, its clients retrying after a 300 ms
    // timeout: every retry is one more request in the queue while the one
    // it replaces is still served, so the queue grows and clients give up
    // more, not less, than with one attempt.
    let once = run_1_and_2_threads(&load(&timing_out_pool(4, 8.5, "300ms", 1, 5)));
    let thrice = run_1_and_2_threads(&load(&timing_out_pool(4, 8.5, "300ms", 3, 5)));
    let (a, b) = (&once.designs[0], &thrice.designs[0]);
    let timed_out = |d: &tenantsim::report::DesignReport| d.tenants.iter().map(|t| t.dropped.client.mean).sum::<f64>();
    let admitted = |d: &tenantsim::report::DesignReport| d.tenants.iter().map(|t| t.admitted.mean).sum::<f64>();
    assert!(b.totals.retries.mean > 0.2 * admitted(a), "retries {}", b.totals.retries.mean);
    assert!(
        timed_out(b) / admitted(b) > timed_out(a) / admitted(a),
        "attempts timed out: {} of {} with retries, {} of {} without",
        timed_out(b),
        admitted(b),
        timed_out(a),
        admitted(a)
    );
    assert!(b.totals.wasted_work_fraction.mean > a.totals.wasted_work_fraction.mean);
    // Each retry is an attempt a client gave up on, sent again.
    for t in &b.tenants {
        assert!(t.retries.mean <= t.dropped.client.mean, "{t:?}");
    }
}

#[test]
fn timeouts_at_the_ends_of_their_range_give_up_on_everything_or_on_nothing() {
    for attempts in [1, 10] {
        // 1 ms against 100 ms of service: a client gets an answer only when
        // its request is served at once in under a millisecond (about 1 %
        // of requests are, at ρ = 0.6), and nearly all the work is wasted.
        let report = run_1_and_2_threads(&load(&timing_out_pool(4, 6.0, "1ms", attempts, 6)));
        let d = &report.designs[0];
        let admitted: f64 = d.tenants.iter().map(|t| t.admitted.mean).sum();
        let served: f64 = d.tenants.iter().map(|t| t.served.mean).sum();
        assert!(served / admitted < 0.01, "{attempts} attempts: served {served} of {admitted}");
        assert!(d.totals.wasted_work_fraction.mean > 0.999, "{:?}", d.totals.wasted_work_fraction);
        assert!(d.tenants.iter().all(|t| t.latency.p99_ms.mean <= 1.0 && t.latency.p99_ms.mean.is_finite()));
        // An hour: nobody gives up, nothing is wasted.
        let report = run_1_and_2_threads(&load(&timing_out_pool(4, 6.0, "1h", attempts, 6)));
        let d = &report.designs[0];
        assert_eq!(d.totals.wasted_work_fraction.mean, 0.0);
        assert_eq!(d.totals.retries.mean, 0.0);
        assert!(d.tenants.iter().all(|t| t.dropped.client.mean == 0.0 && t.unserved_fraction.mean == 0.0));
    }
}

#[test]
fn a_client_waits_for_the_gateways_latency_too() {
    // A constant 50 ms at the gateway and a 350 ms timeout: a client gives
    // up exactly when compute's part passes 300 ms, as often as in the
    // M/M/c without a gateway and a 300 ms timeout, and what it got, it
    // got within 350 ms.
    let (tail, _) = sojourn_tail(4, 34.0, 10.0, 0.3);
    let text = behind_a_gateway(4, 8.5, "350ms", 1, 3, "latency: Deterministic(ms: 50.0)");
    let report = run_1_and_2_threads(&load(&text));
    let d = &report.designs[0];
    let admitted: f64 = d.tenants.iter().map(|t| t.admitted.mean).sum();
    let timed_out: f64 = d.tenants.iter().map(|t| t.dropped.client.mean).sum();
    assert!(close(timed_out / admitted, tail, 0.04), "timed out {:.4} vs {tail:.4}", timed_out / admitted);
    for t in &d.tenants {
        // Every admitted attempt is answered, given up on or under way,
        // those served in the run's last moments whose answer is still on
        // its way included.
        let accounted = t.served.mean + t.dropped.client.mean + t.in_flight.mean;
        assert!((accounted - t.admitted.mean).abs() < 1e-6, "{}: {accounted} vs {}", t.id, t.admitted.mean);
        assert!(t.latency.p99_ms.mean <= 350.0 * 1.02, "{}: p99 {}", t.id, t.latency.p99_ms.mean);
        assert!(t.latency.p50_ms.mean >= 50.0, "{}: p50 {}", t.id, t.latency.p50_ms.mean);
    }
}
