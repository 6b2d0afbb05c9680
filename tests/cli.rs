//! The command line as a user runs it: output formats, the JSON schema,
//! exit codes.

use std::process::{Command, Output};

fn tenantsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tenantsim"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot start tenantsim: {e}"))
}

const EXAMPLE: &str = "scenarios/noisy-neighbour.ron";

#[test]
fn help_lists_the_commands() {
    // With the default `gui` feature, no arguments opens the window; the
    // help is one flag away either way.
    let out = tenantsim(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    for word in ["run", "compare", "validate", "bench", "gui"] {
        assert!(text.contains(word), "{text}");
    }
}

#[test]
fn validate_accepts_the_bundled_example() {
    let out = tenantsim(&["validate", EXAMPLE]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("ok"));
}

#[test]
fn json_report_follows_the_documented_schema() {
    let out = tenantsim(&["run", EXAMPLE, "--replications", "2", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON: {e}"));
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["replications"], 2);
    assert_eq!(v["seed"], 42);
    let designs = v["designs"].as_array().unwrap_or_else(|| panic!("designs"));
    let names: Vec<&str> = designs.iter().filter_map(|d| d["name"].as_str()).collect();
    assert_eq!(names, ["pool", "silo", "bridge"]);
    for d in designs {
        for field in [
            "cost_usd_per_month",
            "unallocated_usd_per_month",
            "margin_usd_per_month",
            "slo_met_fraction",
            "worst_p99_ms",
            "tenants_hurt",
        ] {
            assert!(d["totals"][field]["mean"].is_number(), "totals.{field}");
            assert!(d["totals"][field]["ci95"].is_number(), "totals.{field}.ci95");
        }
        let t = &d["tenants"][0];
        for path in [
            &["offered"][..],
            &["throttled", "plan"],
            &["throttled", "quota"],
            &["throttled", "account"],
            &["dropped", "timeout"],
            &["dropped", "partition"],
            &["latency", "p99_ms"],
            &["cost_usd_per_month"],
            &["cost_by_layer", "compute"],
            &["margin_usd_per_month"],
            &["impact", "p99_increase_ms"],
        ] {
            let mut node = t;
            for key in path {
                node = &node[*key];
            }
            assert!(node["mean"].is_number(), "tenant field {path:?}");
        }
        assert!(t["impact"]["blamed"].is_array());
        assert!(d["series"]["t_secs"].as_array().is_some_and(|a| !a.is_empty() && a.len() <= 360));
        assert!(d["series"]["total"]["p99_ms"]["mean"].is_array());
        assert!(d["stacks"].as_array().is_some_and(|s| !s.is_empty()));
    }
    // The pool's non-spiking tenants blame the spiking one.
    let pool = &designs[0];
    let acme = pool["tenants"]
        .as_array()
        .and_then(|ts| ts.iter().find(|t| t["id"] == "acme"))
        .unwrap_or_else(|| panic!("acme"));
    assert_eq!(acme["impact"]["blamed"][0], "smb-00");
    assert_eq!(v["events"][0]["kind"], "spike");
}

#[test]
fn csv_has_one_row_per_design_and_tenant() {
    let out =
        tenantsim(&["run", EXAMPLE, "--replications", "1", "--format", "csv", "--design", "pool", "--design", "silo"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(tenantsim::report::format::CSV_HEADER.join(",").as_str()));
    assert_eq!(lines.count(), 2 * 17);
}

#[test]
fn compare_prints_designs_side_by_side_and_out_writes_a_file() {
    let path = std::env::temp_dir().join(format!("tenantsim-compare-{}.txt", std::process::id()));
    let out =
        tenantsim(&["compare", EXAMPLE, "--replications", "2", "--threads", "1", "--out", &path.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let _ = std::fs::remove_file(&path);
    for needle in ["pool", "silo", "bridge"] {
        assert!(text.contains(needle), "{needle} missing in:\n{text}");
    }
    // Every compared figure of the shared table has its row.
    for figure in tenantsim::report::figures::FIGURES.iter().filter(|f| f.compare.is_some()) {
        assert!(text.contains(figure.label), "{} missing in:\n{text}", figure.label);
    }
    // The same run as JSON: the table shows each design's cost as the
    // figures table formats it.
    let out = tenantsim(&["run", EXAMPLE, "--replications", "2", "--threads", "1", "--format", "json"]);
    let report: tenantsim::report::RunReport =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("JSON: {e}"));
    for design in &report.designs {
        let cost = tenantsim::report::figures::Unit::Usd.format(design.totals.cost_usd_per_month, 17);
        assert!(text.contains(&cost), "{}: {cost} missing in:\n{text}", design.name);
    }
}

#[test]
fn bad_arguments_exit_with_2() {
    for args in [
        &["run", EXAMPLE, "--design", "nope"][..],
        &["run", EXAMPLE, "--threads", "0"],
        &["run", EXAMPLE, "--format", "xml"],
        &["run"],
        &["frobnicate"],
    ] {
        let out = tenantsim(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
    let out = tenantsim(&["run", EXAMPLE, "--design", "nope"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("known: pool, silo, bridge"));
}

#[test]
fn seed_and_replications_override_the_file() {
    let a = tenantsim(&["run", EXAMPLE, "--seed", "7", "--replications", "1", "--format", "json", "--design", "pool"]);
    let b = tenantsim(&["run", EXAMPLE, "--seed", "7", "--replications", "1", "--format", "json", "--design", "pool"]);
    assert_eq!(a.stdout, b.stdout);
    let v: serde_json::Value = serde_json::from_slice(&a.stdout).unwrap_or_default();
    assert_eq!(v["seed"], 7);
    assert_eq!(v["replications"], 1);
}
