//! Serverless functions: the per-request engine against closed forms
//! (Erlang B for a concurrency limit with no queue, and its insensitivity
//! to the service-time distribution; cold starts after idle gaps),
//! reservations carved out of the account limit and isolating exactly in
//! both engines, provisioned environments' cost, the fast engine against
//! the per-request one, and the checks on the `functions` section. Every
//! expected value is computed here, independently of the engines.

use crate::common::{assert_refused, close, load, run_1_and_2_threads};

/// Erlang B: the probability that an arrival finds all `servers` busy at
/// offered load `a` (in erlangs), by its recurrence.
fn erlang_b(servers: u32, a: f64) -> f64 {
    (1..=servers).fold(1.0, |b, k| a * b / (f64::from(k) + a * b))
}

/// `tenants` tenants of tier "t" at `rate` each (and the tenants in
/// `extra`) on one pooled functions stack, simulated request by request.
fn functions_pool(functions: &str, service: &str, tenants: u32, rate: f64, seed: u64, extra: &str) -> String {
    format!(
        r#"Scenario(version: 1, name: "functions", clock: (duration: "1h", seed: {seed}, replications: 2, engine: Exact),
            tiers: {{ "t": (price_per_month: 1.0), "r": (price_per_month: 1.0) }},
            tenants: [ Group(prefix: "x", count: {tenants}, tier: "t", load: (rate: {rate})) {extra} ],
            layers: ( compute: (service_time: {service}, functions: ({functions})) ),
            designs: [ (name: "pool", placement: {{ "*": Pool }}) ])"#
    )
}

/// Throttled share of the tier "t" tenants' requests, and their cold
/// starts.
fn throttled_share(text: &str) -> (f64, f64) {
    let report = run_1_and_2_threads(&load(text));
    let tenants = report.designs[0].tenants.iter().filter(|t| t.tier == "t");
    let (offered, throttled, cold) = tenants.fold((0.0, 0.0, 0.0), |(o, th, c), t| {
        (o + t.offered.mean, th + t.throttled.concurrency.mean, c + t.cold_starts.mean)
    });
    (throttled / offered, cold)
}

#[test]
fn a_concurrency_limit_throttles_as_erlang_b_whatever_the_service_time() {
    // Offered load a = λ·E[S] erlangs on n executions: (n, a) = (10, 8),
    // (50, 45) and (5, 2); mean service 100 ms, exponential and lognormal
    // (Erlang B depends on the mean only).
    for (n, a) in [(10u32, 8.0), (50, 45.0), (5, 2.0)] {
        let want = erlang_b(n, a);
        let rate = a / 0.1 / 4.0;
        for (service, seed) in [("Exponential(mean_ms: 100.0)", 3), ("LogNormal(mean_ms: 100.0, cv: 2.0)", 4)] {
            let functions = format!(r#"concurrency_limit: {n}, cold_start: "0s""#);
            let (share, _) = throttled_share(&functions_pool(&functions, service, 4, rate, seed, ""));
            assert!(close(share, want, 0.04), "n {n}, a {a}, {service}: throttled {share:.4} vs Erlang B {want:.4}");
        }
    }
}

#[test]
fn a_reservation_is_taken_out_of_the_account_and_isolates_exactly() {
    // Account 30; tenant "solo" (tier r) reserves 10, so the four others
    // share 20: Erlang B(20, a) for them. The reserved tenant offers
    // 7 erlangs on its 10 (Erlang B(10, 7)).
    let extra = r#", Tenant(id: "solo", tier: "r", load: (rate: 70.0))"#;
    let functions = r#"concurrency_limit: 30, reserved: {"r": 10}, cold_start: "0s""#;
    let a = 17.0;
    let text = functions_pool(functions, "Exponential(mean_ms: 100.0)", 4, a / 0.1 / 4.0, 5, extra);
    let (share, _) = throttled_share(&text);
    let want = erlang_b(20, a);
    assert!(close(share, want, 0.04), "unreserved: throttled {share:.4} vs Erlang B(20, {a}) {want:.4}");
    let solo = |text: &str| {
        let report = run_1_and_2_threads(&load(text));
        let t = report.designs[0].tenants.iter().find(|t| t.id == "solo").cloned();
        t.unwrap_or_else(|| panic!("no tenant solo"))
    };
    let quiet = solo(&text);
    let reserved_share = quiet.throttled.concurrency.mean / quiet.offered.mean;
    let want = erlang_b(10, 7.0);
    assert!(close(reserved_share, want, 0.04), "reserved: {reserved_share:.5} vs Erlang B(10, 7) {want:.5}");
    // The others spike 50x for 20 minutes: the reserved tenant sees the
    // very same requests, throttles and latencies.
    let spiking = text.replace(
        "designs:",
        r#"events: [ Spike(tenant: "x-00", at: "10m", duration: "20m", factor: 50.0),
                     Spike(tenant: "x-01", at: "10m", duration: "20m", factor: 50.0) ], designs:"#,
    );
    let loud = solo(&spiking);
    assert_eq!(loud.throttled.concurrency, quiet.throttled.concurrency);
    assert_eq!(loud.served, quiet.served);
    assert_eq!(loud.latency, quiet.latency);
    let (others, _) = throttled_share(&spiking);
    assert!(others > 5.0 * share, "the spikes throttle the unreserved tenants: {others:.4} vs {share:.4}");
    // The fast engine isolates just as exactly.
    let fast = |text: &str| solo(&text.replace("engine: Exact", "engine: Fast"));
    let (quiet, loud) = (fast(&text), fast(&spiking));
    assert_eq!(loud.throttled.concurrency, quiet.throttled.concurrency);
    assert_eq!(loud.served, quiet.served);
    assert_eq!(loud.latency, quiet.latency);
}

/// Per-tenant throttles, p50 and p99, and the design's cold starts and
/// cost under the fast and the per-request engine: each within its
/// tolerance. (The fast engine shares a function's cold starts among its
/// tenants by their requests; request by request, those arriving as the
/// environments run out take them, so per tenant they differ more.)
fn engines_agree(case: &str, text: &str) {
    let report = |engine: &str| {
        let mut scenario = load(text);
        scenario.clock.engine = match engine {
            "fast" => tenantsim::scenario::model::Engine::Fast,
            _ => tenantsim::scenario::model::Engine::Exact,
        };
        run_1_and_2_threads(&scenario)
    };
    let (fast, exact) = (report("fast"), report("exact"));
    for (f, e) in fast.designs.iter().zip(&exact.designs) {
        let within = |what: &str, got: f64, want: f64, rel: f64, floor: f64| {
            assert!(
                (got - want).abs() <= rel * want.abs() + floor,
                "{case}, {}: {what}: fast {got:.3} vs per-request {want:.3}",
                e.name
            );
        };
        within("cost", f.totals.cost_usd_per_month.mean, e.totals.cost_usd_per_month.mean, 0.02, 0.0);
        within("cold starts", f.totals.cold_starts.mean, e.totals.cold_starts.mean, 0.20, 10.0);
        for (ft, et) in f.tenants.iter().zip(&e.tenants) {
            let who = |what: &str| format!("{} {what}", et.id);
            within(&who("throttled"), ft.throttled.concurrency.mean, et.throttled.concurrency.mean, 0.10, 20.0);
            within(&who("p50"), ft.latency.p50_ms.mean, et.latency.p50_ms.mean, 0.05, 0.0);
            within(&who("p99"), ft.latency.p99_ms.mean, et.latency.p99_ms.mean, 0.10, 0.0);
        }
    }
}

#[test]
fn the_fast_engine_agrees_with_the_per_request_engine_on_functions() {
    // The serverless lesson: a surge into a shared account with a
    // reservation, and an account per tenant.
    let lesson =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/serverless-reserved-concurrency.ron"))
            .unwrap_or_else(|e| panic!("the serverless lesson: {e}"));
    engines_agree("serverless lesson", &lesson);
    // Load that comes and goes every two minutes with a 30-second
    // keep-warm: environments go cold and start again all through the run.
    let bursty = functions_pool(
        r#"concurrency_limit: 60, cold_start: "500ms", keep_warm: "30s""#,
        "Exponential(mean_ms: 200.0)",
        4,
        25.0,
        11,
        r#", Tenant(id: "b", tier: "t", load: (rate: 20.0, pattern: Bursty(on: "1m", off: "1m", factor: 8.0)))"#,
    );
    engines_agree("bursty load", &bursty);
}

#[test]
fn an_environment_idle_past_keep_warm_starts_cold() {
    // One tenant at λ = 1/s, 1 ms of service and at most 1 ms of
    // initialisation: a request starts cold when the gap since the
    // previous one passed the keep-warm time K, so with probability
    // e^{-λK} (up to the few ms the previous request ran).
    for (keep_warm, k_secs) in [("1s", 1.0f64), ("2s", 2.0), ("500ms", 0.5)] {
        let functions = format!(r#"concurrency_limit: 10, cold_start: "1ms", keep_warm: "{keep_warm}""#);
        let text = functions_pool(&functions, "Deterministic(ms: 1.0)", 1, 1.0, 6, "");
        let report = run_1_and_2_threads(&load(&text));
        let t = &report.designs[0].tenants[0];
        let share = t.cold_starts.mean / t.served.mean;
        let want = (-k_secs).exp();
        assert!(close(share, want, 0.05), "keep_warm {keep_warm}: cold share {share:.4} vs e^-λK {want:.4}");
    }
}

#[test]
fn a_cold_start_adds_its_initialisation_to_the_latency() {
    // Every request cold (keep-warm 1 ms, one request a second): latency
    // is 1 ms of service plus an exponential initialisation of mean
    // 100 ms, so mean 101 ms and p99 1 + 100·ln 100 ms.
    let functions = r#"concurrency_limit: 10, cold_start: "100ms", keep_warm: "1ms""#;
    let text = functions_pool(functions, "Deterministic(ms: 1.0)", 4, 1.0, 7, "");
    let report = run_1_and_2_threads(&load(&text));
    for t in &report.designs[0].tenants {
        assert!(
            t.cold_starts.mean >= 0.99 * t.served.mean,
            "{}: {} cold of {}",
            t.id,
            t.cold_starts.mean,
            t.served.mean
        );
    }
    let tier = &report.designs[0].tiers[0];
    let want_p99 = 1.0 + 100.0 * 100f64.ln();
    assert!(close(tier.p99_ms.mean, want_p99, 0.05), "p99 {} vs {want_p99}", tier.p99_ms.mean);
    let t = &report.designs[0].tenants[0];
    assert!(close(t.latency.mean_ms.mean, 101.0, 0.06), "mean {}", t.latency.mean_ms.mean);
}

#[test]
fn provisioned_environments_are_paid_whether_used_or_not() {
    // 10 provisioned environments of 2 GB and no traffic: 10 × 2 GB ×
    // $0.0000041667 per GB-second, every second of a 730-hour month.
    let functions = r#"concurrency_limit: 100, provisioned: 10, memory_mb: 2048"#;
    let text = functions_pool(functions, "Exponential(mean_ms: 100.0)", 1, 0.0, 8, "");
    let report = run_1_and_2_threads(&load(&text));
    let want = 10.0 * 2.0 * 0.000_004_166_7 * 730.0 * 3600.0;
    let cost = report.designs[0].totals.cost_usd_per_month.mean;
    assert!(close(cost, want, 1e-6), "cost {cost} vs {want}");
    // With traffic and none provisioned: per request and per GB-second of
    // execution only (1 GB, 100 ms each on average).
    let functions = r#"concurrency_limit: 1000, cold_start: "0s""#;
    let text = functions_pool(functions, "Deterministic(ms: 100.0)", 1, 100.0, 8, "");
    let report = run_1_and_2_threads(&load(&text));
    let served = report.designs[0].tenants[0].served.mean;
    let per_request = 0.20 / 1e6 + 0.1 * 0.000_016_666_7;
    let want = served * per_request * 730.0;
    let cost = report.designs[0].totals.cost_usd_per_month.mean;
    assert!(close(cost, want, 1e-3), "cost {cost} vs {want}");
}

#[test]
fn executions_on_provisioned_environments_are_billed_at_their_rate_for_the_load_they_carry() {
    // Requests take an idle provisioned environment first, so the 5
    // provisioned environments are the first group of a loss system with
    // ordered hunting: they carry a·(1 − B(5, a)) erlangs of the a = 4
    // offered (80 %), billed at $0.0000097222 per GB-second instead of
    // $0.0000166667; the rest runs on demand. 1 GB, 100 ms on average.
    let (a, p) = (4.0, 5u32);
    let functions = format!(r#"concurrency_limit: 1000, provisioned: {p}, cold_start: "0s", memory_mb: 1024"#);
    let text = functions_pool(&functions, "Exponential(mean_ms: 100.0)", 1, a / 0.1, 12, "");
    let carried = a * (1.0 - erlang_b(p, a));
    for engine in ["Exact", "Fast"] {
        let report = run_1_and_2_threads(&load(&text.replace("engine: Exact", &format!("engine: {engine}"))));
        let served = report.designs[0].tenants[0].served.mean;
        let busy = served * 0.1;
        let on_provisioned = carried * 3600.0;
        let run = served * 0.20 / 1e6
            + (busy - on_provisioned) * 0.000_016_666_7
            + on_provisioned * 0.000_009_722_2
            + f64::from(p) * 0.000_004_166_7 * 3600.0;
        let want = run * 730.0;
        let cost = report.designs[0].totals.cost_usd_per_month.mean;
        assert!(close(cost, want, 0.01), "{engine}: cost {cost:.2} vs {want:.2}");
        // Billing every execution at the on-demand rate would cost more
        // than the tolerance: the test tells the two apart.
        let all_on_demand =
            (served * 0.20 / 1e6 + busy * 0.000_016_666_7 + f64::from(p) * 0.000_004_166_7 * 3600.0) * 730.0;
        assert!(!close(cost, all_on_demand, 0.05), "{engine}: {cost:.2} is the on-demand bill {all_on_demand:.2}");
    }
}

#[test]
fn with_environments_to_spare_every_execution_is_billed_at_the_provisioned_rate() {
    // 50 provisioned environments for 4 erlangs: B(50, 4) is below 1e-30,
    // so every execution runs on one, and the bill is exactly the
    // requests, the busy time at the provisioned execution rate and the
    // environments, whatever the traffic drawn (the fast engine's share
    // is of the executions it serves, not of the load it expects; its
    // Poisson spread over the hour is about 0.5 %, 0.08 % of the bill).
    // The executions still running at the end are busy time but not yet
    // served: a few in 144,000, 3e-6 of the bill.
    let functions = r#"concurrency_limit: 1000, provisioned: 50, cold_start: "0s", memory_mb: 1024"#;
    let text = functions_pool(functions, "Deterministic(ms: 100.0)", 1, 40.0, 5, "");
    assert!(erlang_b(50, 4.0) < 1e-30);
    for engine in ["Exact", "Fast"] {
        let report = run_1_and_2_threads(&load(&text.replace("engine: Exact", &format!("engine: {engine}"))));
        let served = report.designs[0].tenants[0].served.mean;
        let run = served * 0.20 / 1e6 + served * 0.1 * 0.000_009_722_2 + 50.0 * 0.000_004_166_7 * 3600.0;
        let want = run * 730.0;
        let cost = report.designs[0].totals.cost_usd_per_month.mean;
        assert!(close(cost, want, 1e-5), "{engine}: cost {cost} vs {want}");
    }
}

#[test]
fn bad_functions_sections_say_which_field() {
    let base =
        functions_pool(r#"concurrency_limit: 20, reserved: {"r": 5}"#, "Exponential(mean_ms: 100.0)", 4, 1.0, 1, "");
    let cases = [
        (base.replace(r#"{"r": 5}"#, r#"{"gold": 5}"#), "layers.compute.functions.reserved.gold: unknown tier"),
        (base.replace(r#"{"r": 5}"#, r#"{"t": 6}"#), "layers.compute.functions.reserved: design \"pool\""),
        (base.replace("concurrency_limit: 20", "concurrency_limit: 0"), "layers.compute.functions.concurrency_limit"),
        (
            base.replace("functions: (", "autoscale: (target_utilisation: 0.5), functions: ("),
            "layers.compute.autoscale: functions scale by themselves",
        ),
    ];
    for (text, expected) in cases {
        assert_refused(&text, expected);
    }
}

#[test]
fn compare_shows_cold_starts_only_where_functions_ran() {
    let keys = |text: &str| -> Vec<String> {
        let mut scenario = load(text);
        scenario.clock.replications = 2;
        let report = crate::common::run(&scenario);
        tenantsim::report::compare::compare_rows(&report).into_iter().map(|r| r.key).collect()
    };
    let functions = functions_pool(r#"concurrency_limit: 50"#, "Exponential(mean_ms: 100.0)", 4, 20.0, 12, "");
    assert!(keys(&functions).iter().any(|k| k == "cold_starts"), "a functions run has the row");
    let instances = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/usage-plans.ron"))
        .unwrap_or_else(|e| panic!("usage-plans.ron: {e}"));
    assert!(!keys(&instances).iter().any(|k| k == "cold_starts"), "an instance run has none");
}
