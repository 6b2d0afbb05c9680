//! Plausible files that used to give wrong answers without a word (issue:
//! untrusted scenario files, "wrong answers from plausible files"): a key
//! written twice, a lesson step that cannot apply, exponent notation and a
//! byte-order mark. Each is now read as meant or refused with its place in
//! the file, and the CLI exits with 2 for the refused ones.

use tenantsim::scenario::{self, Limits, LoadError};

use crate::common::{load, parse};

/// A small valid scenario with a lesson, to break one piece at a time.
fn base() -> String {
    r#"Scenario(
    version: 1,
    name: "base",
    lesson: (
        level: "intro",
        text: "Two tiers in a pool.",
        try_this: [
            (label: "Throttle basic", changes: [ TierPlan(tier: "basic", rate: 20.0, burst: 40.0) ]),
            (label: "A bigger spike", changes: [ SpikeFactor(index: 0, factor: 8.0) ]),
            (label: "Quieter acme", changes: [ TenantRate(tenant: "acme", rate: 5.0) ]),
        ],
        expect: [ (left: (design: "pool", metric: Unserved), op: Lt, value: 0.5) ],
    ),
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
    ),
    designs: [
        (name: "pool", placement: { "*": Pool }),
        (name: "bridge", placement: { "premium": Silo, "*": Pool }),
    ],
    events: [ Spike(tenant: "smb-00", at: "2m", duration: "1m", factor: 5.0) ],
)"#
    .to_owned()
}

/// The message of a file that must not load.
fn refused(text: &str) -> LoadError {
    match scenario::load_str(text, &Limits::default()) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e,
    }
}

#[test]
fn the_base_file_and_its_lesson_steps_are_valid() {
    let file = parse(&base());
    load(&base());
    assert_eq!(tenantsim::lesson::check_steps(&file, &Limits::default()), []);
}

#[test]
fn a_tier_written_twice_is_an_error_naming_both_places() {
    let text = base().replace(
        "\"premium\": (price_per_month: 499.0),",
        "\"premium\": (price_per_month: 499.0),\n        \"basic\": (price_per_month: 49.0),",
    );
    let LoadError::Syntax { line, col, message } = refused(&text) else { panic!("not a syntax error") };
    // The second "basic" is on line 18, the first on line 16, both at column 9.
    assert_eq!((line, col), (18, 9), "{message}");
    assert_eq!(message, "tiers: duplicate key \"basic\" (first at 16:9): each key may appear once");
}

#[test]
fn a_placement_key_written_twice_is_an_error_naming_the_design() {
    // Under "last wins", this design named pool ran as all-silo.
    let text = base().replace(
        "(name: \"pool\", placement: { \"*\": Pool }),",
        "(name: \"pool\", placement: { \"*\": Pool, \"*\": Silo }),",
    );
    let error = refused(&text);
    assert_eq!(
        error.to_string(),
        "28:48: designs[0].placement: duplicate key \"*\" (first at 28:37): each key may appear once"
    );
    let text = base().replace(
        "(name: \"bridge\", placement: { \"premium\": Silo, \"*\": Pool }),",
        "(name: \"bridge\", placement: { \"*\": Pool }, layers: (compute: { \"premium\": Silo, \"premium\": Pool })),",
    );
    let message = refused(&text).to_string();
    assert!(message.contains("designs[1].layers.compute: duplicate key \"premium\" (first at 29:"), "{message}");
}

#[test]
fn durations_take_exponent_notation() {
    let text = base().replace("duration: \"10m\"", "duration: \"6e2s\"").replace("at: \"2m\"", "at: \"1.2e2\"");
    let s = load(&text);
    assert_eq!(s.clock.duration_secs, 600.0);
    assert_eq!(s.clock.ticks, 600);
}

#[test]
fn a_byte_order_mark_is_skipped() {
    let text = format!("\u{feff}{}", base());
    let s = load(&text);
    assert_eq!(s.name, "base");
    // Positions in messages count from after the mark, as an editor shows them.
    let broken = format!("\u{feff}{}", base().replace("seed: 1,", "seed: 1,,"));
    let LoadError::Syntax { line, .. } = refused(&broken) else { panic!("not a syntax error") };
    assert_eq!(line, 14);
}

/// Lesson steps that used to pass `validate`: (case, step, expected message).
fn bad_steps() -> Vec<(&'static str, &'static str, &'static str)> {
    vec![
        (
            "negative rate",
            "(label: \"x\", changes: [ TenantRate(tenant: \"acme\", rate: -5.0) ])",
            "lesson.try_this[3].changes[0]: tenants[0].load.rate: must not be negative (got -5)",
        ),
        (
            "NaN factor",
            "(label: \"x\", changes: [ SpikeFactor(index: 0, factor: NaN) ])",
            "lesson.try_this[3].changes[0]: events[0].factor: must be a finite number, not NaN",
        ),
        (
            "unknown tier",
            "(label: \"x\", changes: [ TierPlan(tier: \"gold\", rate: 1.0, burst: 1.0) ])",
            "lesson.try_this[3].changes[0]: no tier \"gold\"",
        ),
        (
            "a change the scenario cannot take",
            "(label: \"x\", changes: [ Warmup(warmup: \"1m\") ])",
            "lesson.try_this[3].changes[0]: the scenario has no autoscaling",
        ),
        (
            "blame on the change that broke it",
            "(label: \"x\", changes: [ TenantRate(tenant: \"smb\", rate: 6.0), Instances(min: 5, max: 2) ])",
            "lesson.try_this[3].changes[1]: layers.compute.instances.max: must not be below min (5)",
        ),
        (
            "NaN in a claim",
            "(label: \"x\", changes: [], expect: [ (left: (design: \"pool\", metric: P99), op: Lt, value: NaN) ])",
            "lesson.try_this[3].expect[0].value: must be a finite number, not NaN",
        ),
    ]
}

fn with_step(step: &str) -> String {
    base().replace(
        "(label: \"Quieter acme\", changes: [ TenantRate(tenant: \"acme\", rate: 5.0) ]),",
        &format!(
            "(label: \"Quieter acme\", changes: [ TenantRate(tenant: \"acme\", rate: 5.0) ]),\n            {step},"
        ),
    )
}

#[test]
fn every_lesson_step_is_applied_and_resolved_by_validation() {
    for (case, step, expected) in bad_steps() {
        let file = parse(&with_step(step));
        let errors = tenantsim::lesson::check_steps(&file, &Limits::default());
        let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert!(messages.iter().any(|m| m == expected), "{case}: expected \"{expected}\" in {messages:#?}");
    }
}

#[test]
fn steps_that_only_fail_one_after_another_are_named() {
    // Each alone is fine; clicked in order, smb-00 would peak at 50,000 req/s
    // × a 5,000-fold spike, over the limit of 1e8 req/s.
    let text = with_step("(label: \"x\", changes: [ TenantRate(tenant: \"smb\", rate: 50000.0) ])")
        .replace("SpikeFactor(index: 0, factor: 8.0)", "SpikeFactor(index: 0, factor: 5000.0)");
    let errors = tenantsim::lesson::check_steps(&parse(&text), &Limits::default());
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].path, "lesson.try_this[3]");
    assert!(
        errors[0]
            .message
            .starts_with("after the steps before it (as the app applies them in turn): tenants.\"smb-00\": peak rate"),
        "{}",
        errors[0].message
    );
}

#[cfg(feature = "cli")]
#[test]
fn the_cli_refuses_them_with_exit_code_2_and_reads_the_rest() {
    use std::process::Command;

    let dir = std::env::temp_dir().join(format!("tenantsim-plausible-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let mut refused: Vec<(String, String, String)> = bad_steps()
        .into_iter()
        .map(|(case, step, expected)| (case.to_owned(), with_step(step), expected.to_owned()))
        .collect();
    refused
        .extend(out_of_range().into_iter().map(|(case, text, expected)| (case.to_owned(), text, expected.to_owned())));
    refused.push((
        "duplicate tier".into(),
        base().replace(
            "\"premium\": (price_per_month: 499.0),",
            "\"premium\": (price_per_month: 1.0), \"premium\": (price_per_month: 499.0),",
        ),
        "tiers: duplicate key \"premium\"".into(),
    ));
    for (i, (case, text, expected)) in refused.iter().enumerate() {
        let path = dir.join(format!("case{i}.ron"));
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
        let output = Command::new(env!("CARGO_BIN_EXE_tenantsim"))
            .arg("validate")
            .arg(&path)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{case}: exit code; stderr:\n{stderr}");
        assert!(stderr.contains(expected.as_str()), "{case}: expected \"{expected}\" in:\n{stderr}");
    }
    let accepted = dir.join("accepted.ron");
    let mut bytes = "\u{feff}".as_bytes().to_vec();
    bytes.extend(base().replace("duration: \"10m\"", "duration: \"1e3s\"").as_bytes());
    std::fs::write(&accepted, bytes).unwrap_or_else(|e| panic!("{e}"));
    let output = Command::new(env!("CARGO_BIN_EXE_tenantsim"))
        .arg("validate")
        .arg(&accepted)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).contains("1000 ticks"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A quiet tenant (one request every 500 s on average) alone on a silo
/// that autoscales down to zero instances.
fn quiet_tenant_from_zero(engine: &str, fairness: &str, warmup: &str) -> String {
    format!(
        r#"Scenario(
    version: 1,
    name: "scale from zero",
    clock: (duration: "12h", tick: "1s", seed: 7, replications: 2, engine: {engine}),
    tiers: {{ "basic": (price_per_month: 10.0) }},
    tenants: [ Tenant(id: "quiet", tier: "basic", load: (rate: 0.002)) ],
    layers: (
        compute: (
            service_time: Exponential(mean_ms: 20.0),
            concurrency: 4,
            instances: (min: 0, max: 4),
            autoscale: (target_utilisation: 0.6, evaluation_period: "1m", warmup: "{warmup}"),
            queue_timeout: "30s",
            price_per_hour: 0.1,
            fairness: {fairness},
        ),
    ),
    designs: [ (name: "silo", placement: {{ "*": Silo }}) ],
)"#
    )
}

/// Instance-seconds the run paid for, from the stack's monthly cost.
fn instance_secs(report: &tenantsim::report::RunReport) -> f64 {
    let stack = &report.designs[0].stacks[0];
    stack.cost_usd_per_month.mean * report.months_per_run / 0.1 * 3600.0
}

#[test]
fn a_stack_at_zero_instances_scales_out_when_a_request_arrives() {
    // Each request finds the stack at zero, starts one instance and waits
    // its warm-up (10 s, counted from the end of the arrival's tick), well
    // within the 30 s queue timeout: every request is served. The instance
    // then runs until an evaluation window (1 min) passes without work:
    // 71 to 131 s per request that finds the stack empty.
    for (engine, fairness) in [("Fast", "Fifo"), ("Auto", "Fifo"), ("Exact", "Fifo"), ("Fast", "WeightedFair")] {
        let report = crate::common::run(&load(&quiet_tenant_from_zero(engine, fairness, "10s")));
        let tenant = &report.designs[0].tenants[0];
        let (offered, served) = (tenant.offered.mean, tenant.served.mean);
        assert!(offered > 60.0 && offered < 115.0, "{engine}: {offered} offered (86 expected)");
        assert!(served >= 0.99 * offered, "{engine}/{fairness}: {served} of {offered} served");
        assert_eq!(tenant.dropped.total.mean, 0.0, "{engine}/{fairness}");
        let p50 = tenant.latency.p50_ms.mean;
        assert!(
            (10_000.0..11_200.0).contains(&p50),
            "{engine}/{fairness}: p50 {p50} ms, the warm-up's 10 s and up to a tick"
        );
        let paid = instance_secs(&report);
        assert!(
            paid >= 0.6 * served * 71.0 && paid <= served * 131.0,
            "{engine}/{fairness}: {paid} instance-s for {served}"
        );
        assert!(tenant.cost_usd_per_month.mean > 0.0);
    }
}

#[test]
fn a_request_waiting_longer_than_the_queue_timeout_for_a_cold_start_is_dropped() {
    // A 3-minute warm-up against a 30 s timeout: the request that starts
    // the instance is dropped, as any request that waits too long is; the
    // instance still starts and is paid for. Only a request that arrives
    // in the warm-up's last 30 s or while the instance runs (about one in
    // eight at this rate) is served.
    for engine in ["Fast", "Exact"] {
        let report = crate::common::run(&load(&quiet_tenant_from_zero(engine, "Fifo", "3m")));
        let tenant = &report.designs[0].tenants[0];
        let (offered, dropped) = (tenant.offered.mean, tenant.dropped.timeout.mean);
        assert!(dropped >= 0.75 * offered, "{engine}: {dropped} of {offered} dropped");
        assert!(dropped + tenant.served.mean >= offered - 1.0, "{engine}: every request is served or dropped");
        let paid = instance_secs(&report);
        assert!(paid >= 0.5 * dropped * 180.0, "{engine}: {paid} instance-s for {dropped} cold starts or fewer");
    }
}

/// Numbers that used to run and report NaN or infinity (written as JSON
/// `null`), refused with their range: (case, file, message).
fn out_of_range() -> Vec<(&'static str, String, &'static str)> {
    let b = base();
    vec![
        (
            "price of 1e308",
            b.replace("price_per_month: 499.0", "price_per_month: 1e308"),
            "tiers.\"premium\".price_per_month: must be from 0 to 1e9 USD (got 1e308 USD)",
        ),
        (
            "month of 5e-324 hours",
            b.replace("    events:", "    cost: (hours_per_month: 5e-324),\n    events:"),
            "cost.hours_per_month: must be from 1 to 8784 h (got 5e-324 h)",
        ),
        (
            "service time of 5e-324 ms",
            b.replace("mean_ms: 20.0", "mean_ms: 5e-324"),
            "layers.compute.service_time.mean_ms: must be from 0.001 to 600000 ms (got 5e-324 ms)",
        ),
        (
            "tick of a thousand days",
            b.replace("duration: \"10m\", tick: \"1s\"", "duration: \"3000d\", tick: \"1000d\""),
            "clock.tick: must be from 1ms to 1d (got \"1000d\")",
        ),
        (
            "a run of 1 ms",
            b.replace("duration: \"10m\", tick: \"1s\"", "duration: \"1ms\", tick: \"1ms\"")
                .replace("at: \"2m\", duration: \"1m\"", "at: \"0s\", duration: \"1ms\""),
            "clock.duration: must be from 1s to 3660d (got \"1ms\")",
        ),
        (
            "timeout of a day",
            b.replace("concurrency: 4,", "concurrency: 4, queue_timeout: \"1d\","),
            "layers.compute.queue_timeout: must be from 1ms to 1h (got \"1d\")",
        ),
        (
            "partition of 5e-324 units",
            b.replace(
                "compute: (service_time",
                "database: (read_units_per_partition: 5e-324),\n        compute: (service_time",
            ),
            "layers.database.read_units_per_partition: must be from 1 to 1e9 units/s (got 5e-324 units/s)",
        ),
    ]
}

#[test]
fn numbers_outside_their_range_are_refused_with_it() {
    for (case, text, expected) in out_of_range() {
        let message = refused(&text).to_string();
        assert!(message.contains(expected), "{case}: expected \"{expected}\" in:\n{message}");
    }
}

#[test]
fn a_claim_about_a_design_tier_or_tenant_the_scenario_lacks_is_an_error() {
    let names = |text: &str| {
        let scenario = load(text);
        let errors = tenantsim::lesson::check_claim_names(&parse(text), &scenario);
        errors.iter().map(ToString::to_string).collect::<Vec<String>>()
    };
    assert_eq!(names(&base()), Vec::<String>::new(), "the base file's claims name what it has");
    let claim = "(left: (design: \"pool\", metric: Unserved), op: Lt, value: 0.5)";
    let cases = [
        (
            "(left: (design: \"silo\", metric: Unserved), op: Lt, value: 0.5)",
            "lesson.expect[0].left.design: no design \"silo\"",
        ),
        (
            "(left: (design: \"pool\", metric: P99, tier: \"gold\"), op: Lt, value: 150.0)",
            "lesson.expect[0].left.tier: no tier \"gold\"",
        ),
        (
            "(left: (design: \"pool\", metric: P99, tenant: \"globex\"), op: Lt, value: 150.0)",
            "lesson.expect[0].left.tenant: no tenant \"globex\"",
        ),
        (
            "(left: (design: \"pool\", metric: Unserved), op: Lt, factor: 1.0, right: (design: \"cells\", metric: Unserved))",
            "lesson.expect[0].right.design: no design \"cells\"",
        ),
    ];
    for (bad, expected) in cases {
        let messages = names(&base().replace(claim, bad));
        assert!(messages.iter().any(|m| m == expected), "expected \"{expected}\" in {messages:#?}");
    }
}

#[test]
fn a_lesson_view_naming_what_the_scenario_lacks_is_an_error() {
    let names = |view: &str| {
        let text =
            base().replace("        level: \"intro\",", &format!("        level: \"intro\",\n        view: {view},"));
        let errors = tenantsim::lesson::check_claim_names(&parse(&text), &load(&text));
        errors.iter().map(ToString::to_string).collect::<Vec<String>>()
    };
    assert_eq!(names("(tab: Timelines, design: \"pool\", scope: Tenant, select: \"acme\")"), Vec::<String>::new());
    let cases = [
        ("(design: \"silo\")", "lesson.view.design: no design \"silo\""),
        ("(scope: Tier(\"gold\"))", "lesson.view.scope: no tier \"gold\""),
        ("(select: \"globex\")", "lesson.view.select: no tenant \"globex\""),
        ("(scope: Tenant)", "lesson.view.scope: Tenant shows the selected tenant: name it in `select`"),
    ];
    for (view, expected) in cases {
        let messages = names(view);
        assert!(messages.iter().any(|m| m == expected), "expected \"{expected}\" in {messages:#?}");
    }
}
