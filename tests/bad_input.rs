//! Malformed and hostile scenario files: each gives a clear message (line
//! and column for syntax, the field path for meaning), exit code 2 from the
//! CLI, and no panic, hang or huge allocation.

use tenantsim::scenario::{self, Limits, LoadError};

/// A small valid scenario with one placeholder per section to break.
fn base() -> String {
    r#"Scenario(
    version: 1,
    name: "base",
    clock: (duration: "10m", tick: "1s", seed: 1, replications: 2),
    tiers: {
        "basic": (price_per_month: 49.0, plan: (rate: 50.0, burst: 50.0)),
        "premium": (price_per_month: 499.0),
    },
    tenants: [
        Tenant(id: "acme", tier: "premium", load: (rate: 10.0)),
        Group(prefix: "smb", count: 3, tier: "basic", load: (rate: 5.0)),
    ],
    layers: (
        gateway: (),
        compute: (service_time: Exponential(mean_ms: 20.0), concurrency: 4, instances: (min: 1, max: 4)),
        database: (partitions: 2),
    ),
    designs: [ (name: "pool", placement: { "*": Pool }) ],
    events: [ Spike(tenant: "smb-00", at: "2m", duration: "1m", factor: 5.0) ],
)"#
    .to_owned()
}

/// (case, file text, expected fragment of the message, syntax error?)
fn cases() -> Vec<(&'static str, String, &'static str, bool)> {
    let b = base();
    vec![
        ("syntax error", b.replace("name: \"base\",", "name: \"base\""), "4:", true),
        ("unknown field", b.replace("seed: 1,", "sed: 1,"), "sed", true),
        ("missing version", b.replace("version: 1,", ""), "version", true),
        ("wrong type", b.replace("replications: 2", "replications: \"two\""), "4:", true),
        ("empty file", String::new(), "1:", true),
        ("not ron at all", "{\"json\": true}".into(), "1:", true),
        ("unknown tier", b.replace("tier: \"premium\", load", "tier: \"gold\", load"), "tenants[0].tier: unknown tier \"gold\" (known: basic, premium)", false),
        ("future version", b.replace("version: 1,", "version: 2,"), "version: unsupported version 2", false),
        ("NaN rate", b.replace("load: (rate: 10.0)", "load: (rate: NaN)"), "tenants[0].load.rate: must be a finite number", false),
        ("infinite price", b.replace("price_per_month: 49.0", "price_per_month: inf"), "tiers.\"basic\".price_per_month: must be a finite number", false),
        ("negative rate", b.replace("load: (rate: 5.0)", "load: (rate: -5.0)"), "tenants[1].load.rate: must not be negative", false),
        ("huge rate", b.replace("load: (rate: 10.0)", "load: (rate: 1e30)"), "tenants[0].load.rate", false),
        ("huge group", b.replace("count: 3,", "count: 4000000000,"), "tenants: 4000000001 tenants is over the limit", false),
        ("zero capacity", b.replace("instances: (min: 1, max: 4)", "instances: (min: 0, max: 0)"), "layers.compute.instances.max: a stack needs at least one instance", false),
        ("zero concurrency", b.replace("concurrency: 4", "concurrency: 0"), "layers.compute.concurrency: must be at least 1", false),
        ("FIFO queue with weighted-fair consumers", b.replace("compute: (service_time: Exponential(mean_ms: 20.0), concurrency: 4,", "queue: (fifo: true), compute: (fairness: WeightedFair, service_time: Exponential(mean_ms: 20.0), concurrency: 4,"), "layers.queue.fifo: a FIFO queue gives consumers the oldest message whose group is free", false),
        ("send limit on a standard queue", b.replace("compute: (service_time: Exponential(mean_ms: 20.0), concurrency: 4,", "queue: (send_rate: 3000.0), compute: (service_time: Exponential(mean_ms: 20.0), concurrency: 4,"), "layers.queue.send_rate: a standard queue accepts a nearly unlimited number of messages a second", false),
        ("zero send limit", b.replace("compute: (service_time: Exponential(mean_ms: 20.0), concurrency: 4,", "queue: (fifo: true, send_rate: 0.0), compute: (service_time: Exponential(mean_ms: 20.0), concurrency: 4,"), "layers.queue.send_rate: must be from 1 to", false),
        ("zero service time", b.replace("mean_ms: 20.0", "mean_ms: 0.0"), "layers.compute.service_time.mean_ms: must be from 0.001 to 600000 ms (got 0 ms)", false),
        ("tick longer than run", b.replace("tick: \"1s\"", "tick: \"1h\""), "clock.tick: tick (1h) is longer than the run (10m)", false),
        ("too many ticks", b.replace("duration: \"10m\", tick: \"1s\"", "duration: \"1000d\", tick: \"1ms\""), "clock.tick:", false),
        ("too much work", b.replace("duration: \"10m\"", "duration: \"100d\"").replace("count: 3,", "count: 15000,"), "clock: this run needs about 5.44e12 units of work (budget 5.0e10)", false),
        ("bad duration", b.replace("\"10m\"", "\"ten minutes\""), "clock.duration: \"ten minutes\" is not a duration", false),
        ("bad unit", b.replace("\"10m\"", "\"10y\""), "unknown unit \"y\"", false),
        ("zero replications", b.replace("replications: 2", "replications: 0"), "clock.replications: must be at least 1", false),
        ("absurd replications", b.replace("replications: 2", "replications: 4000000000"), "clock.replications:", false),
        ("absurd partitions", b.replace("partitions: 2", "partitions: 4000000000"), "layers.database.partitions: 4000000000 partitions is over the limit", false),
        ("absurd cells", b.replace("\"*\": Pool", "\"*\": Cells(4000000000)"), "designs[0].placement.\"*\": 4000000000 cells is over the limit", false),
        ("zero cells", b.replace("\"*\": Pool", "\"*\": Cells(0)"), "Cells(k) needs at least one cell", false),
        ("absurd servers", b.replace("max: 4)", "max: 4000000000)"), "servers per stack", false),
        ("spike of unknown tenant", b.replace("tenant: \"smb-00\"", "tenant: \"nobody\""), "events[0].tenant: unknown tenant \"nobody\"", false),
        ("event after the end", b.replace("at: \"2m\"", "at: \"2h\""), "events[0].at:", false),
        ("huge spike factor", b.replace("factor: 5.0", "factor: 1e9"), "events[0].factor", false),
        ("unknown placement key", b.replace("\"*\": Pool", "\"gold\": Pool"), "designs[0].placement.\"gold\": \"gold\" is not \"*\", a tier", false),
        ("missing placement", b.replace("\"*\": Pool", "\"premium\": Pool"), "designs[0].placement: no gateway placement for tenants smb-00", false),
        ("duplicate tenant", b.replace("id: \"acme\"", "id: \"smb-01\""), "duplicate tenant id \"smb-01\"", false),
        ("duplicate design", b.replace("designs: [ (name: \"pool\", placement: { \"*\": Pool }) ]", "designs: [ (name: \"pool\", placement: { \"*\": Pool }), (name: \"pool\", placement: { \"*\": Silo }) ]"), "designs[1].name: duplicate design name", false),
        ("no tenants", b.replace("Tenant(id: \"acme\", tier: \"premium\", load: (rate: 10.0)),", "").replace("Group(prefix: \"smb\", count: 3, tier: \"basic\", load: (rate: 5.0)),", "").replace("events: [ Spike(tenant: \"smb-00\", at: \"2m\", duration: \"1m\", factor: 5.0) ],", ""), "tenants: at least one tenant is needed", false),
        ("zero quota", b.replace("burst: 50.0)", "burst: 50.0, quota_per_day: 0)"), "quota_per_day: a quota of 0", false),
        ("fraction out of range", b.replace("load: (rate: 5.0)", "load: (rate: 5.0, read_fraction: 1.5)"), "tenants[1].load.read_fraction: must be between 0 and 1", false),
        ("capacity loss on a missing layer", b.replace("        database: (partitions: 2),\n", "").replace("Spike(tenant: \"smb-00\", at: \"2m\", duration: \"1m\", factor: 5.0)", "CapacityLoss(layer: Database, at: \"1m\", duration: \"1m\", fraction: 0.5)"), "events[0].layer: the scenario has no database layer", false),
        ("deep nesting", format!("{}{}", "(".repeat(10_000), ")".repeat(10_000)), "1:", true),
    ]
}

#[test]
fn every_bad_file_gets_its_message_without_panicking() {
    for (case, text, expected, syntax) in cases() {
        let result = std::panic::catch_unwind(|| scenario::load_str(&text, &Limits::default()));
        let Ok(result) = result else { panic!("{case}: panicked") };
        match result {
            Ok(_) => panic!("{case}: accepted"),
            Err(error) => {
                let message = error.to_string();
                assert!(message.contains(expected), "{case}: expected \"{expected}\" in:\n{message}");
                assert_eq!(matches!(error, LoadError::Syntax { .. }), syntax, "{case}: wrong kind: {message}");
            }
        }
    }
}

#[test]
fn all_meaning_errors_are_reported_at_once() {
    let text = base()
        .replace("tier: \"premium\", load", "tier: \"gold\", load")
        .replace("concurrency: 4", "concurrency: 0")
        .replace("tenant: \"smb-00\"", "tenant: \"nobody\"");
    let Err(LoadError::Invalid(errors)) = scenario::load_str(&text, &Limits::default()) else {
        panic!("expected meaning errors")
    };
    let paths: Vec<&str> = errors.0.iter().map(|e| e.path.as_str()).collect();
    assert!(paths.contains(&"tenants[0].tier"), "{paths:?}");
    assert!(paths.contains(&"layers.compute.concurrency"), "{paths:?}");
    assert!(paths.contains(&"events[0].tenant"), "{paths:?}");
    assert_eq!(errors.for_path("tenants[0].tier"), Some("unknown tier \"gold\" (known: basic, premium)"));
}

#[test]
fn syntax_errors_carry_line_and_column() {
    let text = base().replace("seed: 1,", "seed: 1,,");
    let Err(LoadError::Syntax { line, col, .. }) = scenario::load_str(&text, &Limits::default()) else {
        panic!("expected a syntax error")
    };
    assert_eq!(line, 4);
    assert!(col > 40, "column {col}");
}

#[cfg(feature = "cli")]
#[test]
fn the_cli_exits_with_2_and_names_the_file_for_every_bad_file() {
    use std::process::Command;

    let dir = std::env::temp_dir().join(format!("tenantsim-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    for (i, (case, text, expected, _)) in cases().into_iter().enumerate() {
        let path = dir.join(format!("case{i}.ron"));
        std::fs::write(&path, &text).unwrap_or_else(|e| panic!("{e}"));
        for args in [vec!["validate"], vec!["run"]] {
            let output = Command::new(env!("CARGO_BIN_EXE_tenantsim"))
                .args(&args)
                .arg(&path)
                .output()
                .unwrap_or_else(|e| panic!("{e}"));
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.status.code(), Some(2), "{case} ({args:?}): exit code; stderr:\n{stderr}");
            assert!(stderr.contains(expected), "{case}: expected \"{expected}\" in:\n{stderr}");
            assert!(stderr.contains(&format!("case{i}.ron")), "{case}: the message names the file:\n{stderr}");
            assert!(!stderr.contains("panicked"), "{case}: panicked");
        }
    }
    // Not UTF-8, too large, missing.
    let binary = dir.join("binary.ron");
    std::fs::write(&binary, [0xff, 0xfe, 0x00, 0x01]).unwrap_or_else(|e| panic!("{e}"));
    let large = dir.join("large.ron");
    std::fs::write(&large, " ".repeat(5 * 1024 * 1024)).unwrap_or_else(|e| panic!("{e}"));
    for (path, expected) in
        [(binary, "not UTF-8"), (large, "larger than the limit"), (dir.join("missing.ron"), "missing.ron")]
    {
        let output = Command::new(env!("CARGO_BIN_EXE_tenantsim"))
            .arg("validate")
            .arg(&path)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{}: {stderr}", path.display());
        assert!(stderr.contains(expected), "{stderr}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
