//! Accounting identities (docs/model.md, "Invariants") in every run, as a property over
//! generated valid scenarios; also proves that no valid scenario panics.

use proptest::prelude::*;
use tenantsim::report::RunReport;

use crate::common::{load, run_with};

#[derive(Debug, Clone)]
struct Gen {
    tenants: Vec<(usize, f64, usize, u32)>,
    plans: Vec<Option<(f64, f64, Option<u64>)>>,
    gateway: Option<(f64, f64)>,
    database: Option<(u32, bool)>,
    service: usize,
    mean_ms: f64,
    concurrency: u32,
    instances: (u32, u32),
    autoscale: bool,
    timeout_secs: u32,
    fair: bool,
    spike: Option<(usize, f64)>,
    loss: Option<f64>,
    duration_min: u32,
    half_tick: bool,
    replications: u32,
    attribution: usize,
    unallocated: bool,
}

fn generator() -> impl Strategy<Value = Gen> {
    let tenant = (0usize..3, 0.0f64..150.0, 0usize..4, 1u32..4);
    let plan = proptest::option::of((1.0f64..300.0, 1.0f64..300.0, proptest::option::of(100u64..50_000)));
    (
        proptest::collection::vec(tenant, 1..7),
        proptest::collection::vec(plan, 3),
        proptest::option::of((50.0f64..5000.0, 1.0f64..2000.0)),
        proptest::option::of((1u32..5, any::<bool>())),
        (0usize..3, 1.0f64..60.0, 1u32..8, (1u32..4, 0u32..6)),
        (any::<bool>(), 1u32..40, any::<bool>()),
        (proptest::option::of((0usize..6, 1.0f64..30.0)), proptest::option::of(0.0f64..1.0)),
        (3u32..8, any::<bool>(), 1u32..4, 0usize..4, any::<bool>()),
    )
        .prop_map(
            |(
                tenants,
                plans,
                gateway,
                database,
                (service, mean_ms, concurrency, (min, extra)),
                (autoscale, timeout_secs, fair),
                (spike, loss),
                (duration_min, half_tick, replications, attribution, unallocated),
            )| Gen {
                tenants,
                plans,
                gateway,
                database,
                service,
                mean_ms,
                concurrency,
                instances: (min, min + extra),
                autoscale,
                timeout_secs,
                fair,
                spike,
                loss,
                duration_min,
                half_tick,
                replications,
                attribution,
                unallocated,
            },
        )
}

fn render(g: &Gen) -> String {
    let tiers: String = (0..3)
        .map(|k| {
            let plan = match g.plans[k] {
                Some((rate, burst, quota)) => format!(
                    "plan: (rate: {rate:?}, burst: {burst:?}{}),",
                    quota.map_or(String::new(), |q| format!(", quota_per_day: {q}"))
                ),
                None => String::new(),
            };
            format!("\"t{k}\": (price_per_month: {}.0, {plan} weight: {}.0),", 10 * (k + 1), k + 1)
        })
        .collect();
    let patterns = [
        "Constant",
        "Diurnal(peak_hour: 3.0, amplitude: 0.7)",
        "Bursty(on: \"20s\", off: \"40s\", factor: 6.0)",
        "Ramp(to_factor: 4.0, over: \"3m\")",
    ];
    let tenants: String = g
        .tenants
        .iter()
        .enumerate()
        .map(|(i, &(tier, rate, pattern, shards))| {
            format!(
                "Tenant(id: \"x{i}\", tier: \"t{tier}\", load: (rate: {rate:?}, pattern: {}, key_shards: {shards}, item_kb: 3.0)),",
                patterns[pattern]
            )
        })
        .collect();
    let service = match g.service {
        0 => format!("Exponential(mean_ms: {:?})", g.mean_ms),
        1 => format!("LogNormal(mean_ms: {:?}, cv: 2.0)", g.mean_ms),
        _ => format!("Deterministic(ms: {:?})", g.mean_ms),
    };
    let gateway = g
        .gateway
        .map_or(String::new(), |(rate, burst)| format!("gateway: (account_rate: {rate:?}, account_burst: {burst:?}),"));
    let database = g.database.map_or(String::new(), |(p, provisioned)| {
        let pricing = if provisioned { "Provisioned(read_units: 300.0, write_units: 100.0)" } else { "OnDemand()" };
        format!("database: (partitions: {p}, pricing: {pricing}, read_units_per_partition: 200.0, write_units_per_partition: 80.0),")
    });
    let autoscale = if g.autoscale {
        "autoscale: (target_utilisation: 0.6, evaluation_period: \"30s\", warmup: \"45s\"),"
    } else {
        ""
    };
    let mut events = Vec::new();
    if let Some((t, factor)) = g.spike {
        events.push(format!(
            "Spike(tenant: \"x{}\", at: \"30s\", duration: \"2m\", factor: {factor:?})",
            t % g.tenants.len()
        ));
    }
    if let Some(fraction) = g.loss {
        events.push(format!("CapacityLoss(layer: Compute, at: \"1m\", duration: \"1m\", fraction: {fraction:?})"));
    }
    format!(
        r#"Scenario(version: 1, name: "generated",
            clock: (duration: "{}m", tick: "{}", seed: 99, replications: {}),
            tiers: {{ {tiers} }},
            tenants: [ {tenants} ],
            layers: ( {gateway}
                compute: (service_time: {service}, concurrency: {}, instances: (min: {}, max: {}), {autoscale}
                          queue_timeout: "{}s", price_per_hour: 0.3, fairness: {}),
                {database} ),
            designs: [
                (name: "pool", placement: {{ "*": Pool }}, overhead_per_stack_per_month: 5.0),
                (name: "silo", placement: {{ "*": Silo }}, overhead_per_stack_per_month: 5.0),
                (name: "bridge", placement: {{ "t2": Silo, "*": Pool }}),
                (name: "cells", placement: {{ "*": Cells(2) }}),
            ],
            events: [ {} ],
            cost: (attribution: {}, idle: {}),
        )"#,
        g.duration_min,
        if g.half_tick { "500ms" } else { "1s" },
        g.replications,
        g.concurrency,
        g.instances.0,
        g.instances.1,
        g.timeout_secs,
        if g.fair { "WeightedFair" } else { "Fifo" },
        events.join(", "),
        ["Proportional", "Requests", "Even", "TierWeights"][g.attribution],
        if g.unallocated { "Unallocated" } else { "Spread" },
    )
}

fn check_identities(report: &RunReport) {
    for design in &report.designs {
        let total = design.totals.cost_usd_per_month.mean;
        let mut tenant_costs = 0.0;
        for t in &design.tenants {
            let id = format!("{}/{}", design.name, t.id);
            // offered = admitted + plan + quota + account throttles, exactly
            // (whole requests; exact in every replication, the means carry
            // rounding). Arrivals, the plan's and quotas' refusals and what
            // the plan let through are counted as they happen, by whichever
            // arrival path ran; admitted is what the plan let through less
            // the account's refusals, so the account term itself cancels.
            // (The report's `throttled.total` is the sum of the three causes
            // by definition, so checking it against them would prove nothing.)
            let sum = t.admitted.mean + t.throttled.plan.mean + t.throttled.quota.mean + t.throttled.account.mean;
            assert!(
                (t.offered.mean - sum).abs() <= 1e-12 * t.offered.mean.max(1.0),
                "{id}: {} vs {sum}",
                t.offered.mean
            );
            // admitted = served + dropped + in flight at the end.
            let out = t.served.mean + t.dropped.total.mean + t.in_flight.mean;
            assert!(
                (out - t.admitted.mean).abs() <= 1e-9 * t.admitted.mean.max(1.0),
                "{id}: {out} vs {}",
                t.admitted.mean
            );
            for v in [t.served.mean, t.dropped.timeout.mean, t.dropped.partition.mean, t.in_flight.mean] {
                assert!(v >= -1e-9, "{id}: negative count {v}");
            }
            let l = &t.latency;
            assert!(l.p50_ms.mean <= l.p95_ms.mean + 1e-9 && l.p95_ms.mean <= l.p99_ms.mean + 1e-9, "{id}: {l:?}");
            assert!((0.0..=1.0).contains(&t.unserved_fraction.mean), "{id}");
            assert!(t.cost_usd_per_month.mean >= -1e-9, "{id}");
            tenant_costs += t.cost_usd_per_month.mean;
        }
        let unallocated = design.totals.unallocated_usd_per_month.mean;
        assert!(
            (tenant_costs + unallocated - total).abs() <= 1e-9 * total.max(1e-9),
            "{}: {tenant_costs} + {unallocated} != {total}",
            design.name
        );
    }
    // No NaN or infinity anywhere: serde_json writes them as null, and
    // the only field that may be null is an event's tenant.
    let json = tenantsim::report::format::json(report).unwrap_or_default();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
    assert_no_null(&value, "report");
}

fn assert_no_null(value: &serde_json::Value, path: &str) {
    match value {
        serde_json::Value::Null => panic!("{path} is null (NaN or infinite)"),
        serde_json::Value::Array(items) => {
            items.iter().enumerate().for_each(|(i, v)| assert_no_null(v, &format!("{path}[{i}]")))
        }
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                if !(k == "tenant" && v.is_null()) {
                    assert_no_null(v, &format!("{path}.{k}"));
                }
            }
        }
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, .. ProptestConfig::default() })]

    #[test]
    fn identities_hold_in_every_generated_run(g in generator()) {
        let text = render(&g);
        let scenario = load(&text);
        let report = run_with(&scenario, 2);
        check_identities(&report);
    }
}
