//! The gateway's and the database's own latency: a served request's
//! latency is compute's plus theirs. Checked against closed forms (a
//! constant shifts every percentile by itself; an exponential gateway
//! behind compute that never queues gives `s + m·ln(1/(1−q))`), the fast
//! engine against the per-request one, and the report's split by layer.
//! Every expected value is computed here, independently of the engines.

use tenantsim::report::RunReport;

use crate::common::{close, load, mmc_time_ms, run_1_and_2_threads};

/// Four tenants at `rate` each on a pool of `servers` servers of `service`,
/// behind a gateway and in front of a table, with `gateway` and
/// `database` latency fields (empty: none), run by `engine`.
fn layered(engine: &str, rate: f64, servers: u32, service: &str, latency: (&str, &str), seed: u64) -> String {
    let (gateway, database) = latency;
    format!(
        r#"Scenario(version: 1, name: "layers", clock: (duration: "1h", seed: {seed}, replications: 2, engine: {engine}),
            tiers: {{ "t": (price_per_month: 1.0) }},
            tenants: [ Group(prefix: "x", count: 4, tier: "t", load: (rate: {rate})) ],
            layers: (
                gateway: (account_rate: 100000.0, account_burst: 100000.0{gateway}),
                compute: (service_time: {service}, concurrency: 1, instances: (min: {servers}, max: {servers}),
                          price_per_hour: 0.1),
                database: (partitions: 4, read_units_per_partition: 100000.0, write_units_per_partition: 100000.0{database}),
            ),
            designs: [ (name: "pool", placement: {{ "*": Pool }}) ])"#
    )
}

/// (mean, p50, p99) of the first tenant, ms.
fn latency(report: &RunReport) -> (f64, f64, f64) {
    let l = &report.designs[0].tenants[0].latency;
    (l.mean_ms.mean, l.p50_ms.mean, l.p99_ms.mean)
}

#[test]
fn constant_layer_latencies_shift_every_figure_by_their_sum() {
    // 7 ms at the gateway and 3 ms at the table on an M/M/2 at ρ = 0.8:
    // the same requests, each 10 ms later.
    for engine in ["Exact", "Fast"] {
        let plain = layered(engine, 40.0, 2, "Exponential(mean_ms: 10.0)", ("", ""), 7);
        let shifted = layered(
            engine,
            40.0,
            2,
            "Exponential(mean_ms: 10.0)",
            (", latency: Deterministic(ms: 7.0)", ", latency: Deterministic(ms: 3.0)"),
            7,
        );
        let (a, b) = (run_1_and_2_threads(&load(&plain)), run_1_and_2_threads(&load(&shifted)));
        let ((mean_a, p50_a, p99_a), (mean_b, p50_b, p99_b)) = (latency(&a), latency(&b));
        assert!((mean_b - mean_a - 10.0).abs() < 1e-6, "{engine}: mean {mean_a} → {mean_b}");
        // Percentiles are read from histograms whose bins are under 1 % wide.
        assert!(close(p50_b, p50_a + 10.0, 0.01), "{engine}: p50 {p50_a} → {p50_b}");
        assert!(close(p99_b, p99_a + 10.0, 0.01), "{engine}: p99 {p99_a} → {p99_b}");
        // Nothing else changes: the layers' latency is no load.
        let (ta, tb) = (&a.designs[0].totals, &b.designs[0].totals);
        assert_eq!((ta.served.mean, ta.unserved_fraction.mean), (tb.served.mean, tb.unserved_fraction.mean));
        let split = &b.designs[0].tenants[0].latency_by_layer;
        assert_eq!((split.gateway_ms.mean, split.database_ms.mean), (7.0, 3.0));
        assert!((split.compute_ms.mean - mean_a).abs() < 1e-6, "{engine}: compute {}", split.compute_ms.mean);
    }
}

#[test]
fn an_exponential_gateway_in_front_of_compute_that_never_queues_has_its_closed_form() {
    // 1 ms of compute on servers that are never all busy (ρ = 0.004) and
    // a 5 ms exponential gateway: latency 1 + Exp(5) ms, so the median is
    // 1 + 5 ln 2 and the p99 1 + 5 ln 100.
    let (p50, p99) = (1.0 + 5.0 * 2f64.ln(), 1.0 + 5.0 * 100f64.ln());
    for (engine, seed) in [("Exact", 3), ("Fast", 3), ("Exact", 4), ("Auto", 4)] {
        let text =
            layered(engine, 10.0, 10, "Deterministic(ms: 1.0)", (", latency: Exponential(mean_ms: 5.0)", ""), seed);
        let report = run_1_and_2_threads(&load(&text));
        let (mean, got_p50, got_p99) = latency(&report);
        assert!(close(mean, 6.0, 0.02), "{engine}: mean {mean}");
        // Percentiles within a couple of the histograms' 2 % bins.
        assert!(close(got_p50, p50, 0.02), "{engine}: p50 {got_p50} vs {p50}");
        assert!(close(got_p99, p99, 0.04), "{engine}: p99 {got_p99} vs {p99}");
    }
}

#[test]
fn the_fast_engine_adds_layer_latency_as_the_per_request_engine_does() {
    // An M/M/3 at ρ = 0.7 behind an exponential 5 ms gateway and a
    // lognormal 4 ms table (cv 1): both engines, on three seeds.
    let latency = (", latency: Exponential(mean_ms: 5.0)", ", latency: LogNormal(mean_ms: 4.0, cv: 1.0)");
    for seed in [1, 2, 3] {
        let fast = run_1_and_2_threads(&load(&layered("Fast", 5.25, 3, "Exponential(mean_ms: 100.0)", latency, seed)));
        let exact =
            run_1_and_2_threads(&load(&layered("Exact", 5.25, 3, "Exponential(mean_ms: 100.0)", latency, seed)));
        let ((mean_f, p50_f, p99_f), (mean_e, p50_e, p99_e)) = (latency_of(&fast), latency_of(&exact));
        assert!(close(mean_f, mean_e, 0.05), "seed {seed}: mean fast {mean_f} vs exact {mean_e}");
        assert!(close(p50_f, p50_e, 0.05), "seed {seed}: p50 fast {p50_f} vs exact {p50_e}");
        assert!(close(p99_f, p99_e, 0.08), "seed {seed}: p99 fast {p99_f} vs exact {p99_e}");
    }
}

/// (mean, p50, p99) over the design's tenants (means of the tenants'), ms.
fn latency_of(report: &RunReport) -> (f64, f64, f64) {
    let tenants = &report.designs[0].tenants;
    let n = tenants.len() as f64;
    let sum = |f: &dyn Fn(&tenantsim::report::TenantReport) -> f64| tenants.iter().map(f).sum::<f64>() / n;
    (sum(&|t| t.latency.mean_ms.mean), sum(&|t| t.latency.p50_ms.mean), sum(&|t| t.latency.p99_ms.mean))
}
/// The mean over the series points whose interval lies in `from_min..to_min`.
fn mean_between(report: &RunReport, band: &tenantsim::report::Band, (from_min, to_min): (f64, f64)) -> f64 {
    let series = &report.designs[0].series;
    let values: Vec<f64> = series
        .t_secs
        .iter()
        .zip(&band.mean)
        .filter(|(t, _)| **t >= from_min * 60.0 && **t + series.interval_secs <= to_min * 60.0)
        .map(|(_, v)| *v)
        .collect();
    assert!(values.len() > 10, "{} points", values.len());
    values.iter().sum::<f64>() / values.len() as f64
}

#[test]
fn each_interval_s_mean_latency_by_layer_follows_its_load() {
    // Four tenants at 25 a second on an M/M/2 of 10 ms (ρ = 0.5), one of
    // them sending 3.4 times as much from minute 20 to 40 (ρ = 0.8),
    // behind a 7 ms gateway and a 3 ms table: in every interval the
    // gateway adds 7 ms and the table 3, and compute what Erlang C says
    // of that interval's load (13.3 ms, then 27.8 ms).
    let (calm, spiked) = (mmc_time_ms(2, 100.0, 10.0), mmc_time_ms(2, 160.0, 10.0));
    let latency = (", latency: Deterministic(ms: 7.0)", ", latency: Deterministic(ms: 3.0)");
    for (engine, seed) in [("Exact", 1), ("Fast", 2), ("Auto", 3), ("Exact", 4)] {
        let text = layered(engine, 25.0, 2, "Exponential(mean_ms: 10.0)", latency, seed).replace(
            "designs: [",
            r#"events: [ Spike(tenant: "x-00", at: "20m", duration: "20m", factor: 3.4) ], designs: ["#,
        );
        let report = run_1_and_2_threads(&load(&text));
        let series = &report.designs[0].series;
        for flow in std::iter::once(&series.total).chain(&series.tiers).chain(&series.tenants) {
            let layers = &flow.latency_by_layer;
            let served = &flow.served_per_sec.mean;
            for (p, &s) in served.iter().enumerate() {
                let (gateway, database) = (layers.gateway_ms.mean[p], layers.database_ms.mean[p]);
                if s > 0.0 {
                    assert!((gateway - 7.0).abs() < 1e-9 && (database - 3.0).abs() < 1e-9, "{engine} {}", flow.name);
                }
                assert_eq!(layers.queue_ms.mean[p], 0.0, "{engine}: no queue layer");
            }
        }
        let compute = &series.total.latency_by_layer.compute_ms;
        let before = mean_between(&report, compute, (2.0, 19.0));
        let during = mean_between(&report, compute, (22.0, 40.0));
        let after = mean_between(&report, compute, (42.0, 60.0));
        assert!(close(before, calm, 0.03), "{engine} seed {seed}: before {before:.2} vs {calm:.2}");
        assert!(close(during, spiked, 0.05), "{engine} seed {seed}: during {during:.2} vs {spiked:.2}");
        assert!(close(after, calm, 0.03), "{engine} seed {seed}: after {after:.2} vs {calm:.2}");
        // A FIFO queue delays every tenant alike: a quiet tenant's own
        // series sees the spiker's load.
        let quiet = series.tenants.iter().find(|f| f.name == "x-01").map(|f| &f.latency_by_layer.compute_ms);
        let quiet_during = quiet.map(|b| mean_between(&report, b, (22.0, 40.0)));
        assert!(quiet_during.is_some_and(|q| close(q, spiked, 0.1)), "{engine}: x-01 {quiet_during:?}");
    }
}

#[test]
fn the_intervals_by_layer_add_up_to_the_run_s_mean_latency() {
    // One replication: the intervals' layers, weighted by what each
    // interval served, give each tenant's mean latency over the run, in
    // every engine, with a queue layer (time in queue apart) or without.
    let latency = (", latency: Exponential(mean_ms: 5.0)", ", latency: LogNormal(mean_ms: 4.0, cv: 1.0)");
    for engine in ["Exact", "Fast", "Auto"] {
        let plain = layered(engine, 40.0, 2, "Exponential(mean_ms: 10.0)", latency, 5)
            .replace("replications: 2", "replications: 1");
        let queued = plain.replace("gateway: (", "queue: (), gateway: (");
        for (text, queue) in [(plain, false), (queued, true)] {
            let report = run_1_and_2_threads(&load(&text));
            let d = &report.designs[0];
            let interval = d.series.interval_secs;
            for flow in &d.series.tenants {
                let l = &flow.latency_by_layer;
                let served = &flow.served_per_sec.mean;
                let weighted: f64 = (0..served.len())
                    .map(|p| {
                        let sum =
                            l.gateway_ms.mean[p] + l.queue_ms.mean[p] + l.compute_ms.mean[p] + l.database_ms.mean[p];
                        sum * served[p] * interval
                    })
                    .sum::<f64>()
                    / served.iter().map(|s| s * interval).sum::<f64>();
                let tenant = d.tenants.iter().find(|t| t.id == flow.name).map(|t| t.latency.mean_ms.mean);
                assert!(
                    tenant.is_some_and(|m| close(weighted, m, 1e-6)),
                    "{engine} {}: {weighted} vs {tenant:?}",
                    flow.name
                );
                let queued_ms: f64 = l.queue_ms.mean.iter().sum();
                assert_eq!(queued_ms > 0.0, queue, "{engine} {}: time in queue only with a queue layer", flow.name);
            }
        }
    }
}
