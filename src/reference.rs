//! Reference scenarios the benchmark and the tests share: the reference
//! day (1,000 tenants in three tiers) and a lesson-sized run.

/// The reference day: 1,000 tenants in three tiers, 24 h at 1 s, with
/// pool, silo and bridge designs.
pub fn reference_day(hours: u32) -> String {
    format!(
        r#"Scenario(
    version: 1,
    name: "Reference day",
    clock: (duration: "{hours}h", tick: "1s", seed: 7, replications: 1),
    tiers: {{
        "basic": (price_per_month: 49.0, plan: (rate: 50.0, burst: 50.0)),
        "standard": (price_per_month: 199.0, plan: (rate: 75.0, burst: 100.0)),
        "premium": (price_per_month: 999.0, plan: (rate: 300.0, burst: 300.0)),
    }},
    tenants: [
        Group(prefix: "b", count: 800, tier: "basic", load: (rate: 2.0, pattern: Diurnal(peak_hour: 14.0, amplitude: 0.6)), spread: LogNormal(sigma: 0.8)),
        Group(prefix: "s", count: 150, tier: "standard", load: (rate: 8.0, pattern: Diurnal(peak_hour: 14.0, amplitude: 0.5)), spread: LogNormal(sigma: 0.6)),
        Group(prefix: "p", count: 50, tier: "premium", load: (rate: 30.0)),
    ],
    layers: (
        gateway: (),
        compute: (service_time: Exponential(mean_ms: 20.0), concurrency: 8, instances: (min: 1, max: 400),
                  autoscale: (target_utilisation: 0.6)),
        database: (partitions: 8),
    ),
    designs: [
        (name: "pool", placement: {{ "*": Pool }}),
        (name: "silo", placement: {{ "*": Silo }}, overhead_per_stack_per_month: 30.0),
        (name: "bridge", placement: {{ "premium": Silo, "*": Pool }}, overhead_per_stack_per_month: 30.0),
    ],
    events: [ Spike(tenant: "b-000", at: "{spike}m", duration: "10m", factor: 20.0) ],
)"#,
        spike = hours * 30
    )
}

/// A lesson-sized scenario: 20 tenants, 1 h, 3 designs, 8 replications.
pub const LESSON: &str = r#"Scenario(
    version: 1,
    name: "Lesson-sized",
    clock: (duration: "1h", seed: 3, replications: 8),
    tiers: {
        "basic": (price_per_month: 49.0, plan: (rate: 50.0, burst: 50.0)),
        "premium": (price_per_month: 499.0, plan: (rate: 300.0, burst: 300.0), slo: (p99_ms: 150.0)),
    },
    tenants: [
        Tenant(id: "acme", tier: "premium", load: (rate: 40.0)),
        Tenant(id: "globex", tier: "premium", load: (rate: 30.0)),
        Group(prefix: "smb", count: 18, tier: "basic", load: (rate: 10.0)),
    ],
    layers: (
        gateway: (),
        compute: (service_time: Exponential(mean_ms: 20.0), concurrency: 4, instances: (min: 2, max: 20),
                  autoscale: (target_utilisation: 0.6, warmup: "3m"), price_per_hour: 0.096),
    ),
    designs: [
        (name: "pool", placement: { "*": Pool }),
        (name: "silo", placement: { "*": Silo }, overhead_per_stack_per_month: 120.0),
        (name: "bridge", placement: { "premium": Silo, "*": Pool }),
    ],
    events: [ Spike(tenant: "smb-00", at: "20m", duration: "10m", factor: 20.0) ],
)"#;
