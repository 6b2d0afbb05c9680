//! Every figure of every report is a finite number (issue: untrusted
//! scenario files, "valid files whose reports hold NaN or infinity"). The
//! run report and the plan report are written as JSON, where a NaN or an
//! infinity would become `null`, and as CSV, where it would read `NaN` or
//! `inf`; both are checked for every bundled scenario and its plans, and
//! for files with every number at an edge of its documented range.

use serde_json::Value;
use tenantsim::plan::{self, PlanOptions, PlanProgress};
use tenantsim::report::RunReport;
use tenantsim::report::format;
use tenantsim::report::plan::PlanReport;
use tenantsim::scenario::{self, Limits, ScenarioFile};
use tenantsim::sim::histogram::MAX_MS;
use tenantsim::sim::{self, RunControl, RunOptions};

use crate::common::{bundled_scenarios, parse};

/// The path of every `null` in `value`.
fn nulls(value: &Value, path: &str, out: &mut Vec<String>) {
    match value {
        Value::Null => out.push(path.to_owned()),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                nulls(item, &format!("{path}[{i}]"), out);
            }
        }
        Value::Object(fields) => {
            for (key, item) in fields {
                nulls(item, &if path.is_empty() { key.clone() } else { format!("{path}.{key}") }, out);
            }
        }
        Value::Bool(_) | Value::Number(_) | Value::String(_) => {}
    }
}

/// CSV cells that are not finite numbers.
fn non_finite_cells(csv: &str) -> Vec<String> {
    csv.lines()
        .enumerate()
        .flat_map(|(row, line)| {
            line.split(',')
                .filter(|cell| matches!(cell.trim().to_ascii_lowercase().as_str(), "nan" | "inf" | "-inf" | "infinity"))
                .map(move |cell| format!("row {row}: {cell}"))
        })
        .collect()
}

/// Latency percentiles at the top of the latency grid (read there, they
/// would be the grid's edge, not the latency).
fn clipped(value: &Value, path: &str, inside: bool, out: &mut Vec<String>) {
    match value {
        Value::Number(n) if inside && n.as_f64().is_some_and(|x| x >= MAX_MS) => out.push(format!("{path}: {n} ms")),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                clipped(item, &format!("{path}[{i}]"), inside, out);
            }
        }
        Value::Object(fields) => {
            for (key, item) in fields {
                let percentile = ["p50_ms", "p95_ms", "p99_ms"].iter().any(|p| key.ends_with(p));
                let at = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                clipped(item, &at, inside || percentile, out);
            }
        }
        _ => {}
    }
}

/// What is not finite in a run report. The one documented `null` is the
/// `tenant` of a capacity-loss event, which has none.
fn run_problems(report: &RunReport) -> Vec<String> {
    let json = serde_json::to_value(report).unwrap_or_else(|e| panic!("{e}"));
    let mut found = Vec::new();
    nulls(&json, "", &mut found);
    clipped(&json, "", false, &mut found);
    found.retain(|path| {
        let event = path.strip_prefix("events[").and_then(|p| p.strip_suffix("].tenant"));
        event.and_then(|i| i.parse::<usize>().ok()).is_none_or(|i| report.events[i].kind != "capacity_loss")
    });
    found.extend(non_finite_cells(&format::csv(report).unwrap_or_else(|e| panic!("{e}"))));
    found
}

/// What is not finite in a plan report.
fn plan_problems(report: &PlanReport) -> Vec<String> {
    let json = serde_json::to_value(report).unwrap_or_else(|e| panic!("{e}"));
    let mut found = Vec::new();
    nulls(&json, "", &mut found);
    found.extend(non_finite_cells(&report.csv().unwrap_or_else(|e| panic!("{e}"))));
    found
}

/// Runs `file` (its plans too) and lists what is not finite, each with
/// `name`.
fn problems_of(name: &str, file: &ScenarioFile) -> Vec<String> {
    let limits = Limits::default();
    let scenario =
        scenario::resolve::resolve(file, &limits).unwrap_or_else(|e| panic!("{name} does not resolve:\n{e}"));
    let report =
        sim::run(&scenario, &RunOptions::default(), &RunControl::new()).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut found: Vec<String> = run_problems(&report).into_iter().map(|p| format!("{name}: {p}")).collect();
    let specs = plan::spec::resolve_plans(file, &scenario, &limits).unwrap_or_else(|e| panic!("{name} plans:\n{e}"));
    for spec in &specs {
        let report =
            plan::run(file, spec, &limits, PlanOptions::default(), &RunControl::new(), &PlanProgress::default())
                .unwrap_or_else(|e| panic!("{name} / {}: {e}", spec.name));
        found.extend(plan_problems(&report).into_iter().map(|p| format!("{name} / {}: {p}", spec.name)));
    }
    found
}

#[test]
fn every_bundled_scenario_and_plan_reports_finite_numbers() {
    let mut found = Vec::new();
    for (name, text) in bundled_scenarios() {
        let mut file = parse(&text);
        // Fewer replications: finiteness does not depend on how many.
        file.clock.replications = 2;
        for p in &mut file.plans {
            p.replications = Some(2);
        }
        found.extend(problems_of(&name, &file));
    }
    assert!(found.is_empty(), "not finite:\n{}", found.join("\n"));
}

/// A scenario using every field, each number from `edges` by name.
fn edge_file(edges: &[(&str, &str)]) -> String {
    let mut text = r#"Scenario(
    version: 1,
    name: "edges",
    clock: (duration: "{DURATION}", tick: "{TICK}", seed: 3, replications: 2, start_hour: {HOUR}, engine: {ENGINE}),
    tiers: {
        "a": (
            price_per_month: {PRICE_MONTH},
            plan: (rate: {PLAN_RATE}, burst: {BURST}, quota_per_day: {QUOTA}, quota_per_week: {QUOTA}, quota_per_month: {QUOTA}),
            slo: (p99_ms: {P99}, max_throttled: {FRACTION}{AGE}),
            weight: {WEIGHT_A},
            cost_weight: {COST_WEIGHT},
        ),
        "b": (price_per_month: {PRICE_MONTH}, slo: (p99_ms: {P99}, max_throttled: {FRACTION}), weight: {WEIGHT_B}, cost_weight: {COST_WEIGHT}),
    },
    tenants: [
        Tenant(id: "c", tier: "a", load: (rate: {RATE_C}, read_fraction: {FRACTION}, item_kb: {ITEM_KB}, data_gb: {DATA_GB}, key_shards: {SHARDS}, hot_key_share: {HOT_SHARE})),
        Tenant(id: "x", tier: "a", load: (rate: {RATE_X}, pattern: Diurnal(peak_hour: {HOUR}, amplitude: {FRACTION}), item_kb: {ITEM_KB}, data_gb: {DATA_GB})),
        Group(prefix: "g", count: 3, tier: "b", load: (rate: {RATE_G}, pattern: Bursty(on: "{PERIOD}", off: "{PERIOD}", factor: {MULTIPLIER})), spread: LogNormal(sigma: {SIGMA})),
        Group(prefix: "u", count: 2, tier: "b", load: (rate: {RATE_U}, pattern: Ramp(to_factor: {MULTIPLIER}, over: "{OFFSET}")), spread: Uniform(low: {SPREAD}, high: {SPREAD})),
    ],
    layers: (
        gateway: (account_rate: {ACCOUNT_RATE}, account_burst: {BURST}, price_per_million: {PRICE_UNIT}),
        {QUEUE}
        compute: (
            service_time: {SERVICE},
            concurrency: {CONCURRENCY},
            instances: (min: {MIN}, max: {MAX}),
            silo_instances: (min: {MIN}, max: {MAX}),
            autoscale: (target_utilisation: {TARGET}, evaluation_period: "{EVALUATION}", warmup: "{WARMUP}"),
            queue_timeout: "{TIMEOUT}",
            price_per_hour: {PRICE_UNIT},
            fairness: {FAIRNESS},
        ),
        {DATABASE}
    ),
    designs: [
        (name: "pool", placement: { "*": Pool }, overhead_per_stack_per_month: {PRICE_MONTH}),
        (name: "silo", placement: { "*": Silo }, overhead_per_stack_per_month: {PRICE_MONTH}),
        (name: "cells", placement: { "a": Cells({CELLS}), "*": Pool }),
    ],
    events: [
        Spike(tenant: "x", at: "{AT}", duration: "{PERIOD}", factor: {MULTIPLIER}),
        CapacityLoss(layer: Compute, at: "{AT}", duration: "{PERIOD}", fraction: {LOSS}),
        CapacityLoss(layer: Database, at: "{AT}", duration: "{PERIOD}", fraction: {LOSS}),
        CapacityLoss(layer: Gateway, at: "{AT}", duration: "{PERIOD}", fraction: {LOSS}),
    ],
    cost: (attribution: {ATTRIBUTION}, idle: {IDLE}, hours_per_month: {HOURS}),
    plans: [
        (
            name: "price",
            axes: [ (knob: TierPrice(tier: "a"), values: List([{PRICE_MONTH}, {PRICE_MONTH_OTHER}])) ],
            replications: 2,
            ask: [
                Crossover(figure: (metric: CostPerTenant), a: "pool", b: "silo"),
                Crosses(design: "pool", figure: (metric: Margin), value: 0.0),
                Smallest(design: "pool", constraints: [ AllSlosMet, AtMost(figure: (metric: Unserved), value: 0.5) ]),
                Largest(design: "silo", constraints: [ AtLeast(figure: (metric: Margin), value: 0.0) ]),
            ],
        ),
        (
            name: "search",
            replications: 2,
            search: (base: "pool", keys: ["a", "b"], layers: [Compute], placements: [Silo, Pool], constraints: [ AllSlosMet ]),
        ),
    ],
)"#
    .to_owned();
    for (name, value) in edges {
        text = text.replace(&format!("{{{name}}}"), value);
    }
    let unfilled = text.split('{').skip(1).find(|rest| {
        rest.split_once('}')
            .is_some_and(|(name, _)| !name.is_empty() && name.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
    });
    assert_eq!(unfilled, None, "a placeholder is not filled");
    text
}

/// The key-value database the edge files have, unless a case swaps it for
/// a relational one.
const KEY_VALUE: &str = "database: (
            partitions: {PARTITIONS},
            read_units_per_partition: {UNITS},
            write_units_per_partition: {UNITS},
            pricing: {PRICING},
            storage_per_gb_month: {PRICE_UNIT},
        ),";

/// Every number at the low end of its range (rates small but not all
/// zero, so that there is traffic to count).
fn smallest() -> Vec<(&'static str, &'static str)> {
    vec![
        ("DURATION", "1s"),
        ("TICK", "1ms"),
        ("HOUR", "0.0"),
        ("ENGINE", "Auto"),
        ("QUEUE", ""),
        ("AGE", ""),
        ("DATABASE", KEY_VALUE),
        ("PRICE_MONTH", "0.0"),
        ("PRICE_MONTH_OTHER", "1.0"),
        ("PLAN_RATE", "0.0"),
        ("BURST", "1.0"),
        ("QUOTA", "1"),
        ("P99", "0.001"),
        ("FRACTION", "0.0"),
        ("WEIGHT_A", "0.001"),
        ("WEIGHT_B", "1000.0"),
        ("COST_WEIGHT", "0.0"),
        ("RATE_C", "0.0"),
        ("RATE_X", "5.0"),
        ("RATE_G", "40.0"),
        ("RATE_U", "3.0"),
        ("ITEM_KB", "0.001"),
        ("DATA_GB", "0.0"),
        ("SHARDS", "1"),
        ("HOT_SHARE", "1.0"),
        ("PERIOD", "1ms"),
        ("OFFSET", "0s"),
        ("MULTIPLIER", "0.0"),
        ("SIGMA", "0.0"),
        ("SPREAD", "0.0"),
        ("ACCOUNT_RATE", "0.001"),
        ("PRICE_UNIT", "0.0"),
        ("SERVICE", "LogNormal(mean_ms: 0.001, cv: 0.001)"),
        ("CONCURRENCY", "1"),
        ("MIN", "0"),
        ("MAX", "1"),
        ("TARGET", "0.01"),
        ("EVALUATION", "1ms"),
        ("WARMUP", "0s"),
        ("TIMEOUT", "1ms"),
        ("FAIRNESS", "WeightedFair"),
        ("PARTITIONS", "1"),
        ("UNITS", "1.0"),
        (
            "PRICING",
            "Provisioned(read_units: 1.0, write_units: 1.0, read_unit_per_hour: 0.0, write_unit_per_hour: 0.0)",
        ),
        ("CELLS", "1"),
        ("AT", "0s"),
        ("LOSS", "1.0"),
        ("ATTRIBUTION", "TierWeights"),
        ("IDLE", "Unallocated"),
        ("HOURS", "1.0"),
    ]
}

/// Every number at the high end of its range. Each tenant's peak (rate ×
/// pattern × spread × spike) is exactly the limit of 1e8 req/s. Two
/// numbers are not at their top, so that the run takes seconds, not days:
/// the service time is at its smallest (at 10 minutes a stack would be
/// saturated and followed through time in steps of 0.25 s over 1-day
/// ticks; the file "slowest" has the longest service times), and the
/// 1,000 cells have 10 partitions each (10,000 each would be ten million
/// partitions; "dearest" has 10,000 partitions in one table).
fn largest() -> Vec<(&'static str, &'static str)> {
    vec![
        ("DURATION", "3660d"),
        ("TICK", "1d"),
        ("HOUR", "23.999"),
        ("ENGINE", "Fast"),
        ("QUEUE", ""),
        ("AGE", ""),
        ("DATABASE", KEY_VALUE),
        ("PRICE_MONTH", "1e9"),
        ("PRICE_MONTH_OTHER", "0.0"),
        ("PLAN_RATE", "1e9"),
        ("BURST", "1e12"),
        ("QUOTA", "1000000000000000"),
        ("P99", "8.64e7"),
        ("FRACTION", "1.0"),
        ("WEIGHT_A", "1000.0"),
        ("WEIGHT_B", "0.001"),
        ("COST_WEIGHT", "1e6"),
        ("RATE_C", "1e8"),
        ("RATE_X", "5000.0"),
        ("RATE_G", "1.0"),
        ("RATE_U", "10.0"),
        ("ITEM_KB", "400.0"),
        ("DATA_GB", "1e9"),
        ("SHARDS", "1000"),
        ("HOT_SHARE", "1.0"),
        ("PERIOD", "3660d"),
        ("OFFSET", "3660d"),
        ("MULTIPLIER", "10000.0"),
        ("SIGMA", "5.0"),
        ("SPREAD", "1000.0"),
        ("ACCOUNT_RATE", "1e9"),
        ("PRICE_UNIT", "1e6"),
        ("SERVICE", "LogNormal(mean_ms: 0.001, cv: 10.0)"),
        ("CONCURRENCY", "1000"),
        ("MIN", "100"),
        ("MAX", "100"),
        ("TARGET", "1.0"),
        ("EVALUATION", "1d"),
        ("WARMUP", "1d"),
        ("TIMEOUT", "1h"),
        ("FAIRNESS", "Fifo"),
        ("PARTITIONS", "10"),
        ("UNITS", "1e9"),
        (
            "PRICING",
            "Provisioned(read_units: 1e9, write_units: 1e9, read_unit_per_hour: 1e3, write_unit_per_hour: 1e3)",
        ),
        ("CELLS", "1000"),
        ("AT", "3659d"),
        // A total loss at this rate would be simulated request by request;
        // the smallest file has it.
        ("LOSS", "0.5"),
        ("ATTRIBUTION", "Proportional"),
        ("IDLE", "Spread"),
        ("HOURS", "8784.0"),
    ]
}

/// `base` with some entries replaced.
fn with(
    base: Vec<(&'static str, &'static str)>,
    changes: &[(&'static str, &'static str)],
) -> Vec<(&'static str, &'static str)> {
    base.into_iter().map(|(k, v)| (k, changes.iter().find(|(c, _)| *c == k).map_or(v, |c| c.1))).collect()
}

/// The files at the edges: the smallest numbers under each engine, the
/// largest, the largest prices and rates over the shortest run in the
/// shortest month (the largest monthly figures), the longest service
/// times and waits on a saturated stack (the longest latencies), and a
/// run without any traffic (figures of nothing: rates, percentiles and
/// shares of zero).
fn edge_files() -> Vec<(String, String)> {
    let mut files = Vec::new();
    for engine in ["Fast", "Auto", "Exact"] {
        files.push((format!("smallest ({engine})"), edge_file(&with(smallest(), &[("ENGINE", engine)]))));
    }
    files.push(("largest".into(), edge_file(&largest())));
    let dearest = with(
        largest(),
        &[
            ("DURATION", "1s"),
            ("TICK", "1ms"),
            ("PERIOD", "1ms"),
            ("OFFSET", "0s"),
            ("AT", "0s"),
            ("HOURS", "1.0"),
            ("SERVICE", "Exponential(mean_ms: 0.001)"),
            ("EVALUATION", "1ms"),
            ("WARMUP", "0s"),
            ("TIMEOUT", "1ms"),
            ("ATTRIBUTION", "Requests"),
            ("PARTITIONS", "10000"),
            ("CELLS", "2"),
        ],
    );
    for engine in ["Fast", "Auto"] {
        files.push((format!("dearest ({engine})"), edge_file(&with(dearest.clone(), &[("ENGINE", engine)]))));
    }
    let slowest = with(
        smallest(),
        &[
            ("DURATION", "6h"),
            ("TICK", "1s"),
            ("PERIOD", "1h"),
            ("AT", "1h"),
            ("LOSS", "0.5"),
            ("SERVICE", "LogNormal(mean_ms: 600000.0, cv: 10.0)"),
            ("MIN", "1"),
            ("MAX", "1"),
            ("TIMEOUT", "1h"),
            ("EVALUATION", "1d"),
            ("WARMUP", "1d"),
            ("P99", "8.64e7"),
            ("FAIRNESS", "Fifo"),
            ("QUOTA", "1000000"),
        ],
    );
    for engine in ["Fast", "Auto", "Exact"] {
        files.push((format!("slowest ({engine})"), edge_file(&with(slowest.clone(), &[("ENGINE", engine)]))));
    }
    // Behind a queue: retention at both ends of its range (the longest
    // replaces the queue timeout, so waits reach a day), and an objective
    // on message age at both ends of its.
    // The most receives with the shortest run, the fewest with the longest
    // (the most over a long run is over the work budget, as it should be).
    const SHORTEST: &str = r#"queue: (retention: "1m", visibility_timeout: "0s", max_receives: 250,
        price_per_million: 0.0, requests_per_message: 1.0),"#;
    const LONGEST: &str = r#"queue: (retention: "1d", visibility_timeout: "12h", max_receives: 1,
        price_per_million: 1000000.0, requests_per_message: 12.0),"#;
    for engine in ["Fast", "Auto", "Exact"] {
        let smallest =
            with(smallest(), &[("ENGINE", engine), ("QUEUE", SHORTEST), ("AGE", r#", max_message_age: "1s""#)]);
        files.push((format!("smallest behind a queue ({engine})"), edge_file(&smallest)));
        let slowest =
            with(slowest.clone(), &[("ENGINE", engine), ("QUEUE", LONGEST), ("AGE", r#", max_message_age: "1d""#)]);
        files.push((format!("slowest behind a queue ({engine})"), edge_file(&slowest)));
    }
    // (The largest file behind a queue and its database runs request by
    // request, which the budget refuses at those rates, as it should.)
    // A relational database at both ends of its ranges: one vCPU of one
    // connection, a proxy of 1 % waiting a millisecond; the most vCPUs and
    // replicas, a database per tenant, ten-minute queries waiting an hour.
    const FEWEST: &str = r#"relational: (vcpus: 1, memory_gib: 0.5, max_connections: 1, query_time: Deterministic(ms: 0.001),
            pool_per_instance: 1, price_per_hour: 0.0, storage_per_gb_month: 0.0,
            proxy: Some((max_connections_percent: 1.0, borrow_timeout: "1ms", price_per_vcpu_hour: 0.0))),"#;
    const MOST: &str = r#"relational: (vcpus: 192, memory_gib: 24576.0, max_connections: 262143, read_replicas: 15,
            query_time: LogNormal(mean_ms: 600000.0, cv: 10.0), tenancy: DatabasePerTenant, pool_per_instance: 262143,
            price_per_hour: 1000000.0, storage_per_gb_month: 1000000.0,
            proxy: Some((max_connections_percent: 100.0, borrow_timeout: "1h", price_per_vcpu_hour: 1000.0))),"#;
    const NO_PROXY: &str = r#"relational: (vcpus: 1, max_connections: 1, tenancy: SchemaPerTenant,
            query_time: Exponential(mean_ms: 600000.0)),"#;
    files.push(("smallest relational".into(), edge_file(&with(smallest(), &[("DATABASE", FEWEST)]))));
    files.push(("slowest relational".into(), edge_file(&with(slowest.clone(), &[("DATABASE", MOST)]))));
    files.push((
        "slowest relational without a proxy".into(),
        edge_file(&with(slowest.clone(), &[("DATABASE", NO_PROXY)])),
    ));
    let silent = with(smallest(), &[("RATE_X", "0.0"), ("RATE_G", "0.0"), ("RATE_U", "0.0"), ("ATTRIBUTION", "Even")]);
    for engine in ["Fast", "Exact"] {
        files.push((format!("no traffic ({engine})"), edge_file(&with(silent.clone(), &[("ENGINE", engine)]))));
    }
    files
}

#[test]
fn files_at_the_edges_of_every_range_report_finite_numbers() {
    let mut found = Vec::new();
    for (name, text) in edge_files() {
        found.extend(problems_of(&name, &parse(&text)));
    }
    assert!(found.is_empty(), "not finite:\n{}", found.join("\n"));
}

#[test]
fn every_range_is_in_the_format_reference() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/scenario-format.md");
    let doc = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    for (fields, range) in scenario::ranges::DOCUMENTED {
        let row = scenario::ranges::doc_row(fields, range);
        assert!(doc.contains(&row), "docs/scenario-format.md lacks the row\n{row}");
    }
}

#[test]
fn figures_of_nothing_are_the_documented_numbers() {
    // docs/scenario-format.md, "Ranges": with nothing offered, shares are 0;
    // with nothing served, latencies are 0 and the objective is met; an
    // unused stack's utilisation is 0.
    let silent = with(smallest(), &[("RATE_X", "0.0"), ("RATE_G", "0.0"), ("RATE_U", "0.0"), ("LOSS", "0.0")]);
    let report = crate::common::run(&crate::common::load(&edge_file(&silent)));
    for design in &report.designs {
        let t = &design.totals;
        assert_eq!((t.offered.mean, t.unserved_fraction.mean, t.throttled_fraction.mean), (0.0, 0.0, 0.0));
        assert_eq!((t.slo_met_fraction.mean, t.worst_p99_ms.mean), (1.0, 0.0));
        for tenant in &design.tenants {
            let l = &tenant.latency;
            assert_eq!([l.mean_ms.mean, l.p50_ms.mean, l.p95_ms.mean, l.p99_ms.mean], [0.0; 4], "{}", tenant.id);
            assert_eq!((tenant.slo_met.mean, tenant.unserved_fraction.mean), (1.0, 0.0), "{}", tenant.id);
        }
        for stack in &design.stacks {
            assert_eq!(stack.utilisation.mean, 0.0, "{} {}", design.name, stack.label);
        }
    }
}

#[test]
fn the_checker_finds_a_nan_in_a_report() {
    let mut report = crate::common::run(&crate::common::load(&edge_file(&smallest())));
    assert_eq!(run_problems(&report), Vec::<String>::new());
    report.designs[0].tenants[1].latency.p99_ms.mean = f64::NAN;
    report.designs[1].totals.margin_usd_per_month.ci95 = f64::INFINITY;
    report.designs[2].tenants[0].latency.p50_ms.mean = MAX_MS;
    let found = run_problems(&report);
    for expected in [
        "designs[0].tenants[1].latency.p99_ms.mean",
        "designs[1].totals.margin_usd_per_month.ci95",
        "designs[2].tenants[0].latency.p50_ms.mean: 100000000.0 ms",
    ] {
        assert!(found.iter().any(|f| f == expected), "{expected} not in {found:#?}");
    }
    assert!(found.iter().any(|f| f.contains("NaN")), "the CSV's NaN: {found:#?}");
}
