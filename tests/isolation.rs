//! Silo isolation and the noisy neighbour (docs/model.md).

use crate::common::{load, run};

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
