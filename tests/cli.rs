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
    // Every compared figure of the shared table has its row (but those
    // of serverless functions, which this example does not use).
    for figure in tenantsim::report::figures::FIGURES.iter().filter(|f| f.compare.is_some_and(|s| !s.zero_hidden)) {
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

#[test]
fn threads_above_the_cap_are_refused_with_the_cap() {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let cap = 4 * cores;
    let over = (cap + 1).to_string();
    for args in [
        &["run", EXAMPLE, "--threads", over.as_str()][..],
        &["compare", EXAMPLE, "--threads", over.as_str()],
        &["plan", "scenarios/silo-vs-pool-cost.ron", "--threads", over.as_str()],
        &["run", EXAMPLE, "--threads", "18446744073709551615"],
    ] {
        let out = tenantsim(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(&format!("--threads: {} is over the limit of {cap}", args[3])), "{stderr}");
        assert!(out.stdout.is_empty());
    }
    // The cap itself is allowed.
    let out = tenantsim(&["run", EXAMPLE, "--replications", "1", "--design", "pool", "--threads", &cap.to_string()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn a_design_named_twice_is_refused() {
    let out = tenantsim(&["run", EXAMPLE, "--replications", "1", "--design", "pool", "--design", "pool"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--design: \"pool\" is named twice"), "{stderr}");
    assert!(out.stdout.is_empty(), "nothing ran");
}

#[test]
fn replications_out_of_range_name_the_flag_not_the_file() {
    for (value, expected) in [("0", "--replications: must be at least 1"), ("100000", "--replications: 100000 is over")]
    {
        let out = tenantsim(&["run", EXAMPLE, "--replications", value]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(expected), "{stderr}");
        assert!(!stderr.contains("clock.replications") && !stderr.contains(EXAMPLE), "not the file's fault: {stderr}");
    }
}

/// Runs tenantsim on `path` and waits at most a minute: a command that
/// blocked on a FIFO would otherwise hang the test run.
#[cfg(unix)]
fn tenantsim_with_deadline(args: &[&str], path: &std::path::Path) -> Output {
    use std::time::{Duration, Instant};
    let mut child = Command::new(env!("CARGO_BIN_EXE_tenantsim"))
        .args(args)
        .arg(path)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let started = Instant::now();
    while child.try_wait().unwrap_or_else(|e| panic!("{e}")).is_none() {
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{args:?} {}: still waiting after a minute (blocked on the input?)", path.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap_or_else(|e| panic!("{e}"))
}

#[cfg(unix)]
#[test]
fn inputs_that_are_not_regular_files_are_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let fifo = dir.path().join("pipe.ron");
    crate::saving::mkfifo(&fifo);
    let folder = dir.path().join("folder.ron");
    std::fs::create_dir(&folder).unwrap_or_else(|e| panic!("{e}"));
    for (path, kind) in [
        (fifo.as_path(), "is a FIFO (named pipe), not a regular file"),
        (folder.as_path(), "is a directory, not a regular file"),
        (std::path::Path::new("/dev/zero"), "is a character device, not a regular file"),
    ] {
        for args in [&["validate"][..], &["run"], &["plan"], &["merge"]] {
            let out = tenantsim_with_deadline(args, path);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{args:?} {}: {stderr}", path.display());
            assert!(stderr.contains(kind), "{args:?}: {stderr}");
        }
    }
}

/// A screenshot path that cannot be written is refused before the window
/// opens (without the check, a machine with no display fails with 1).
#[cfg(feature = "gui")]
#[test]
fn a_screenshot_to_a_missing_folder_is_refused_before_the_window_opens() {
    let out = tenantsim(&["gui", EXAMPLE, "--screenshot", "/nonexistent-folder/x.png"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.starts_with("--screenshot: ") && stderr.contains("does not exist"), "{stderr}");
}

/// `gui FILE` refuses, before any window, a file it cannot open (exit 2
/// and the message), instead of showing the bundled example under the
/// file's name; with `--screenshot`, also a file the resolver rejects.
#[cfg(feature = "gui")]
#[test]
fn the_app_refuses_a_file_it_cannot_open_before_opening_a_window() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let shot = dir.path().join("shot.png");
    let shot = shot.to_string_lossy();
    let syntax = dir.path().join("syntax.ron");
    std::fs::write(&syntax, "Scenario(version: 1, name: \"x\"").unwrap_or_else(|e| panic!("{e}"));
    let invalid = dir.path().join("invalid.ron");
    let example = include_str!("../scenarios/noisy-neighbour.ron")
        .replace("count: 15, tier: \"basic\"", "count: 15, tier: \"gold\"");
    std::fs::write(&invalid, example).unwrap_or_else(|e| panic!("{e}"));
    let (syntax, invalid) = (syntax.to_string_lossy(), invalid.to_string_lossy());
    let cases: [(Vec<&str>, &str); 4] = [
        (vec!["gui", "/nonexistent/x.ron", "--screenshot", &shot], "No such file"),
        (vec!["gui", "/nonexistent/x.ron"], "No such file"),
        (vec!["gui", &syntax, "--screenshot", &shot], ":1:"),
        (vec!["gui", &invalid, "--screenshot", &shot], "unknown tier \"gold\""),
    ];
    for (args, says) in cases {
        let out = tenantsim(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?} says {says:?}: {stderr}");
        assert!(!std::path::Path::new(&*shot).exists(), "no picture is saved");
    }
}
