//! Silo isolation and the noisy neighbour (docs/model.md).

use crate::common::{load, run, run_1_and_2_threads};

fn scenario(spike: bool, placement: &str) -> String {
    let events =
        if spike { r#"events: [ Spike(tenant: "n-00", at: "10m", duration: "10m", factor: 20.0) ],"# } else { "" };
    format!(
        r#"Scenario(version: 1, name: "iso", clock: (duration: "40m", seed: 21, replications: 3),
            tiers: {{ "basic": (price_per_month: 49.0, plan: (rate: 400.0, burst: 400.0)) }},
            tenants: [ Group(prefix: "n", count: 6, tier: "basic", load: (rate: 15.0, pattern: Diurnal(peak_hour: 12.0, amplitude: 0.3))) ],
            layers: (
                gateway: (account_rate: 2000.0, account_burst: 1000.0),
                compute: (service_time: Exponential(mean_ms: 20.0), concurrency: 4, instances: (min: 1, max: 10),
                          autoscale: (target_utilisation: 0.6, warmup: "2m"), price_per_hour: 0.1),
                database: (partitions: 2),
            ),
            designs: [ (name: "d", placement: {{ "*": {placement} }}, overhead_per_stack_per_month: 10.0) ],
            {events}
        )"#
    )
}

#[test]
fn silo_spike_leaves_every_other_tenant_bit_identical() {
    let calm = run(&load(&scenario(false, "Silo")));
    let spiky = run(&load(&scenario(true, "Silo")));
    let (calm, spiky) = (&calm.designs[0], &spiky.designs[0]);
    assert_ne!(calm.tenants[0], spiky.tenants[0], "the spiking tenant itself changes");
    for (a, b) in calm.tenants.iter().zip(&spiky.tenants).skip(1) {
        // Only the split into inside and outside the spike's window
        // differs: the calm run has no window.
        let (mut a, mut b) = (a.clone(), b.clone());
        let split = b.windows.inside.served.mean + b.windows.outside.served.mean;
        assert!(
            (split - a.windows.outside.served.mean).abs() <= 1e-9 * split,
            "{}: served in and out of the window add up to the calm run's",
            a.id
        );
        (a.windows, b.windows) = (Default::default(), Default::default());
        assert_eq!(a, b, "tenant {} changed", a.id);
        assert!(!b.impact.hurt);
    }
}

#[test]
fn pool_spike_hurts_the_others_and_names_the_spiker() {
    let calm = run(&load(&scenario(false, "Pool")));
    let spiky = run(&load(&scenario(true, "Pool")));
    let (calm, spiky) = (&calm.designs[0], &spiky.designs[0]);
    for (a, b) in calm.tenants.iter().zip(&spiky.tenants).skip(1) {
        assert!(
            b.latency.p99_ms.mean > 1.5 * a.latency.p99_ms.mean,
            "{}: p99 {} with the spike vs {} without",
            a.id,
            b.latency.p99_ms.mean,
            a.latency.p99_ms.mean
        );
        assert!(b.impact.hurt, "{} should be reported as hurt", b.id);
        assert!(b.impact.p99_increase_ms.mean > 10.0);
        assert_eq!(b.impact.blamed, vec!["n-00".to_owned()]);
    }
    assert!(!spiky.tenants[0].impact.blamed.contains(&"n-00".to_owned()));
    assert!(spiky.totals.tenants_hurt.mean >= 5.0);
}

#[test]
fn cells_limit_the_blast_radius() {
    let spiky = run(&load(&scenario(true, "Cells(3)")));
    let design = &spiky.designs[0];
    // Cells are assigned round-robin: n-00 shares cell 1 with n-03 only.
    let hurt: Vec<&str> = design.tenants.iter().filter(|t| t.impact.hurt).map(|t| t.id.as_str()).collect();
    assert!(hurt.contains(&"n-03"), "{hurt:?}");
    for quiet in ["n-01", "n-02", "n-04", "n-05"] {
        assert!(!hurt.contains(&quiet), "{quiet} is in another cell: {hurt:?}");
    }
}

#[test]
fn a_tenant_out_of_its_own_quota_is_not_hurt_by_a_later_spike() {
    // "a" burns its daily quota in its own spike; "b" spikes later. During
    // b's spike, a is refused by its own quota in the spiked run but not in
    // the no-spike baseline: that is a's doing, not b's. Compute is ample,
    // so nobody's latency moves either.
    let text = r#"Scenario(version: 1, name: "quota", clock: (duration: "40m", seed: 4, replications: 3),
        tiers: { "basic": (price_per_month: 49.0, plan: (rate: 1000.0, burst: 1000.0, quota_per_day: 20000)) },
        tenants: [
            Tenant(id: "a", tier: "basic", load: (rate: 5.0)),
            Tenant(id: "b", tier: "basic", load: (rate: 5.0)),
            Tenant(id: "c", tier: "basic", load: (rate: 5.0)),
        ],
        layers: (
            gateway: (account_rate: 100000.0, account_burst: 100000.0),
            compute: (service_time: Exponential(mean_ms: 10.0), concurrency: 64, instances: (min: 20, max: 20)),
        ),
        designs: [ (name: "pool", placement: { "*": Pool }) ],
        events: [
            Spike(tenant: "a", at: "2m", duration: "10m", factor: 20.0),
            Spike(tenant: "b", at: "20m", duration: "10m", factor: 3.0),
        ],
    )"#;
    let report = run(&load(text));
    let design = &report.designs[0];
    let a = &design.tenants[0];
    assert!(a.throttled.quota.mean > 1000.0, "a must exhaust its quota: {:?}", a.throttled);
    assert!(a.impact.unserved_increase.mean.abs() < 1e-9, "a's own quota counted: {:?}", a.impact);
    assert!(!a.impact.hurt);
    assert!(design.tenants.iter().all(|t| !t.impact.hurt), "nobody is hurt with ample shared capacity");
    assert_eq!(design.totals.tenants_hurt.mean, 0.0);
}

/// [`scenario`]'s tenants with `events` (text inside `events: [ … ]`).
fn with_events(placement: &str, events: &str) -> String {
    scenario(true, placement).replace(
        r#"events: [ Spike(tenant: "n-00", at: "10m", duration: "10m", factor: 20.0) ],"#,
        &format!("events: [ {events} ],"),
    )
}

#[test]
fn overlapping_spikes_in_silos_hurt_nobody_not_even_the_spikers_themselves() {
    // n-00 and n-01 spike at once, each in its own silo: each one's own
    // spike (and its silo's scaling out) slows it down inside the other's
    // window, but no neighbour did that.
    let text = with_events(
        "Silo",
        r#"Spike(tenant: "n-00", at: "10m", duration: "10m", factor: 20.0),
           Spike(tenant: "n-01", at: "10m", duration: "10m", factor: 20.0)"#,
    );
    let report = run_1_and_2_threads(&load(&text));
    let d = &report.designs[0];
    for t in &d.tenants[..2] {
        assert!(
            t.windows.inside.latency.p99_ms.mean > 2.0 * t.windows.outside.latency.p99_ms.mean,
            "{}: own spike",
            t.id
        );
        assert_eq!((t.impact.p99_increase_ms.mean, t.impact.unserved_increase.mean), (0.0, 0.0), "{}", t.id);
        assert!(!t.impact.hurt && t.impact.blamed.is_empty(), "{}", t.id);
    }
    assert_eq!(d.totals.tenants_hurt.mean, 0.0);
    assert_eq!(d.totals.worst_impact_p99_increase_ms.mean, 0.0);
}

#[test]
fn a_spiking_tenant_is_judged_against_the_run_with_only_its_own_spike() {
    // In one pool, n-00 and n-01 spike at once. n-00's harm is what n-01's
    // spike adds to a run where n-00 spikes alone, and that run is what a
    // user gets by giving n-01's spike a factor of 1 (same window, no extra
    // load, the same random traffic), in every engine.
    let both = r#"Spike(tenant: "n-00", at: "10m", duration: "10m", factor: 8.0),
                  Spike(tenant: "n-01", at: "12m", duration: "6m", factor: 12.0)"#;
    let only_own = both.replace("factor: 12.0", "factor: 1.0");
    for engine in ["Auto", "Exact"] {
        let in_engine = |events: &str| {
            with_events("Pool", events).replace("replications: 3)", &format!("replications: 3, engine: {engine})"))
        };
        let full = run_1_and_2_threads(&load(&in_engine(both)));
        let alone = run_1_and_2_threads(&load(&in_engine(&only_own)));
        let (a, b) = (&full.designs[0].tenants[0], &alone.designs[0].tenants[0]);
        let expected = a.windows.inside.latency.p99_ms.mean - b.windows.inside.latency.p99_ms.mean;
        assert!(expected > 10.0, "{engine}: n-01's spike slows n-00 down: {expected} ms");
        assert!(
            (a.impact.p99_increase_ms.mean - expected).abs() < 1e-9 * expected,
            "{engine}: n-00: {} ms against {expected} ms",
            a.impact.p99_increase_ms.mean
        );
        assert!(a.impact.hurt, "{engine}");
        assert_eq!(a.impact.blamed, vec!["n-01".to_owned()], "{engine}");
        // With n-01 at factor 1 nothing but n-00's own spike runs in its
        // window: not hurt.
        assert!(b.impact.p99_increase_ms.mean.abs() < 1e-9 && !b.impact.hurt, "{engine}: {:?}", b.impact);
    }
}

#[test]
fn a_spike_of_factor_one_changes_nothing_the_tenant_sends() {
    // A factor-1 spike opens a window but adds no load: the spiking
    // tenant's own traffic, and so everything it gets, is what it gets
    // without the event, in every engine (the per-request engine used to
    // draw its arrivals afresh at the spike's edges).
    let none = with_events("Silo", "");
    let one = with_events("Silo", r#"Spike(tenant: "n-00", at: "10m", duration: "10m", factor: 1.0)"#);
    for engine in ["Auto", "Exact"] {
        let in_engine = |text: &str| text.replace("replications: 3)", &format!("replications: 3, engine: {engine})"));
        let (a, b) = (run(&load(&in_engine(&none))), run(&load(&in_engine(&one))));
        let (a, b) = (&a.designs[0].tenants[0], &b.designs[0].tenants[0]);
        assert_eq!((a.offered.mean, a.served.mean), (b.offered.mean, b.served.mean), "{engine}");
        assert_eq!(a.latency.p99_ms.mean, b.latency.p99_ms.mean, "{engine}");
    }
}

#[test]
fn a_spiking_tenant_s_own_backlog_at_the_last_window_s_end_is_not_a_neighbour_s_doing() {
    // n-00 overloads one instance from minute 10 to 20; n-01 "spikes" by a
    // factor of 1 from 18 to 20, which adds no load. When the last window
    // ends n-00's backlog still waits; the run with spikes serves or drops
    // it later, and so must the baseline n-00 is judged against.
    let text = r#"Scenario(version: 1, name: "backlog", clock: (duration: "40m", seed: 21, replications: 3, engine: ENGINE),
        tiers: { "basic": (price_per_month: 49.0) },
        tenants: [ Group(prefix: "n", count: 6, tier: "basic", load: (rate: 15.0)) ],
        layers: ( compute: (service_time: Exponential(mean_ms: 20.0), concurrency: 4, instances: (min: 1, max: 1),
                            queue_timeout: "30s") ),
        designs: [ (name: "d", placement: { "*": Pool }) ],
        events: [ Spike(tenant: "n-00", at: "10m", duration: "10m", factor: 10),
                  Spike(tenant: "n-01", at: "18m", duration: "2m", factor: 1.0) ])"#;
    for engine in ["Auto", "Exact"] {
        let report = run_1_and_2_threads(&load(&text.replace("ENGINE", engine)));
        let n00 = &report.designs[0].tenants[0];
        assert!(n00.windows.inside.unserved_fraction.mean > 0.1, "{engine}: n-00's own spike overloads the pool");
        let impact = &n00.impact;
        assert!(!impact.hurt && impact.unserved_increase.mean.abs() < 0.005, "{engine}: {impact:?}");
        // The same traffic with and without n-01's factor-1 spike (the
        // window's edges only split the fluid's epochs differently).
        assert_eq!(impact.unserved_increase.mean, 0.0, "{engine}: {impact:?}");
        assert!(impact.p99_increase_ms.mean.abs() < 0.01, "{engine}: {impact:?}");
    }
}

#[test]
fn spiking_tenants_past_the_sixteenth_say_their_own_spikes_are_counted() {
    // Eighteen of twenty tenants in one pool spike, one after the other:
    // the first sixteen (by first spike) get a baseline of their own; the
    // last two are judged against the run without any spike, and the
    // report says so for them and for nobody else.
    let spikes: Vec<String> = (0..18)
        .map(|k| format!(r#"Spike(tenant: "n-{k:02}", at: "{}m", duration: "1m", factor: 3.0)"#, 2 + k))
        .collect();
    let text = format!(
        r#"Scenario(version: 1, name: "many", clock: (duration: "30m", seed: 3, replications: 2),
        tiers: {{ "basic": (price_per_month: 49.0) }},
        tenants: [ Group(prefix: "n", count: 20, tier: "basic", load: (rate: 5.0)) ],
        layers: ( compute: (service_time: Exponential(mean_ms: 20.0), concurrency: 4, instances: (min: 2, max: 2)) ),
        designs: [ (name: "d", placement: {{ "*": Pool }}) ],
        events: [ {} ])"#,
        spikes.join(", ")
    );
    let report = run_1_and_2_threads(&load(&text));
    let counted: Vec<&str> =
        report.designs[0].tenants.iter().filter(|t| t.impact.own_spikes_counted).map(|t| t.id.as_str()).collect();
    assert_eq!(counted, ["n-16", "n-17"]);
    for t in &report.designs[0].tenants {
        let text = t.impact.blamed_text();
        assert_eq!(text.contains("past 16 spiking tenants"), t.impact.own_spikes_counted, "{}: {text}", t.id);
    }
    let json = serde_json::to_string(&report).unwrap_or_default();
    assert_eq!(json.matches("\"own_spikes_counted\":true").count(), 2);
    assert!(!json.contains("\"own_spikes_counted\":false"), "left out when false");
    let rows = tenantsim::report::compare::compare_rows(&report);
    let Some(blame) = rows.iter().find(|r| r.key == "blame") else { panic!("no blame row") };
    assert!(
        blame.cells[0].text.contains("2 spiking tenant(s) judged with their own spikes counted"),
        "{}",
        blame.cells[0].text
    );
}
