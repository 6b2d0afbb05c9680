//! Text from a scenario file that attacks whoever reads the output:
//! escape sequences and other control characters never reach a terminal
//! as they are, and CSV text cells a spreadsheet would run as formulas are
//! neutralised while numbers stay numbers (issue "Untrusted scenario
//! files").

use tenantsim::plan::{self, PlanOptions, PlanProgress};
use tenantsim::scenario::{self, Limits};
use tenantsim::sim::RunControl;

/// A scenario whose names come from the caller; tenants pay nothing, so
/// every margin is negative.
fn scenario_with(name: &str, tier: &str, ids: &[&str], designs: &[&str]) -> String {
    let tenants: Vec<String> =
        ids.iter().map(|id| format!("Tenant(id: {id:?}, tier: {tier:?}, load: (rate: 2.0))")).collect();
    let designs: Vec<String> = designs.iter().map(|d| format!("(name: {d:?}, placement: {{ \"*\": Pool }})")).collect();
    format!(
        r#"Scenario(
    version: 1,
    name: {name:?},
    clock: (duration: "2m", tick: "1s", seed: 3, replications: 1),
    tiers: {{ {tier:?}: (price_per_month: 0.0) }},
    tenants: [ {} ],
    layers: ( compute: (service_time: Exponential(mean_ms: 20.0), price_per_hour: 0.1) ),
    designs: [ {} ],
)"#,
        tenants.join(", "),
        designs.join(", ")
    )
}

#[test]
fn a_plan_csv_neutralises_text_and_keeps_numbers() {
    let text = scenario_with("plan", "std", &["acme"], &["=pool", "-pool"]).replace(
        "\n)",
        r#"
    plans: [ (name: "rate", axes: [ (knob: TierPrice(tier: "std"), values: List([0.0, 1.0])) ]) ],
)"#,
    );
    let limits = Limits::default();
    let file = scenario::parse_str(&text, &limits).unwrap_or_else(|e| panic!("{e}"));
    let resolved = scenario::resolve::resolve(&file, &limits).unwrap_or_else(|e| panic!("{e}"));
    let specs = tenantsim::plan::spec::resolve_plans(&file, &resolved, &limits).unwrap_or_else(|e| panic!("{e}"));
    let report = plan::run(
        &file,
        &specs[0],
        &limits,
        PlanOptions { threads: Some(1) },
        &RunControl::new(),
        &PlanProgress::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let csv = report.csv().unwrap_or_else(|e| panic!("{e}"));
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header = reader.headers().unwrap_or_else(|e| panic!("{e}")).clone();
    let column = |name: &str| header.iter().position(|h| h == name).unwrap_or_else(|| panic!("{name} in {header:?}"));
    let (design, margin) = (column("design"), column("margin"));
    let mut designs = Vec::new();
    for record in reader.records() {
        let record = record.unwrap_or_else(|e| panic!("{e}"));
        designs.push(record[design].to_owned());
        let value: f64 = record[margin].parse().unwrap_or_else(|e| panic!("{:?}: {e}", &record[margin]));
        assert!(value < 0.0 && record[margin].starts_with('-'), "a negative margin stays a number: {record:?}");
    }
    assert_eq!(designs, ["'=pool", "'-pool", "'=pool", "'-pool"]);
}

#[cfg(feature = "cli")]
mod cli {
    use std::path::Path;
    use std::process::{Command, Output};

    use super::scenario_with;

    /// An escape sequence that clears the screen, one that sets the window
    /// title (OSC, ended by BEL), a carriage return and a backspace.
    const NASTY: &str = "\u{1b}[2J\u{1b}]0;owned\u{7}\r\u{8}";

    /// The CSV cells a spreadsheet would read as formulas (OWASP's list).
    const FORMULAS: [&str; 6] = ["=HYPERLINK(\"http://example.com\",\"x\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"];

    fn tenantsim(args: &[&str], file: &Path) -> Output {
        Command::new(env!("CARGO_BIN_EXE_tenantsim"))
            .args(args)
            .arg(file)
            .output()
            .unwrap_or_else(|e| panic!("cannot start tenantsim: {e}"))
    }

    fn write_scenario(dir: &Path, text: &str) -> std::path::PathBuf {
        let path = dir.join("hostile.ron");
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
        path
    }

    /// No control character but the line break, as bytes.
    fn assert_clean(what: &str, bytes: &[u8]) {
        let text = String::from_utf8_lossy(bytes);
        let bad: Vec<char> = text.chars().filter(|c| c.is_control() && *c != '\n').collect();
        assert!(bad.is_empty(), "{what}: raw control characters {bad:?} in:\n{text}");
    }

    #[test]
    fn control_characters_in_names_are_escaped_in_tables_and_messages() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let id = format!("café{NASTY}東京");
        let path = write_scenario(
            dir.path(),
            &scenario_with(&format!("title{NASTY}"), &format!("tier{NASTY}"), &[&id], &[&format!("pool{NASTY}")]),
        );
        for command in ["run", "compare"] {
            let out = tenantsim(&[command], &path);
            assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
            assert_clean(command, &out.stdout);
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(stdout.contains("title\\u{1b}[2J\\u{1b}]0;owned\\u{7}\\u{d}\\u{8}"), "{stdout}");
            assert!(stdout.contains("pool\\u{1b}"), "{stdout}");
            if command == "run" {
                assert!(stdout.contains("café\\u{1b}[2J"), "the tenant id, its Unicode kept: {stdout}");
                assert!(stdout.contains("\\u{8}東京"), "{stdout}");
                assert!(stdout.contains("tier\\u{1b}"), "{stdout}");
            }
        }
        let out = tenantsim(&["validate"], &path);
        assert_clean("validate", &out.stdout);
        assert!(String::from_utf8_lossy(&out.stdout).contains("title\\u{1b}"));
        // Error messages quote the file's text: an unknown tier.
        let bad = write_scenario(
            dir.path(),
            &scenario_with("x", "std", &["acme"], &["pool"])
                .replace("tier: \"std\", load", &format!("tier: {:?}, load", format!("gold{NASTY}"))),
        );
        for command in [&["validate"][..], &["run"], &["plan"]] {
            let out = tenantsim(command, &bad);
            assert_eq!(out.status.code(), Some(2), "{command:?}");
            assert_clean("error", &out.stderr);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(stderr.contains("unknown tier \"gold\\u{1b}[2J"), "{command:?}: {stderr}");
        }
    }

    #[test]
    fn csv_formula_cells_are_neutralised_and_numbers_stay_numbers() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = write_scenario(dir.path(), &scenario_with("csv", "=tier", &FORMULAS, &["-pool"]));
        let out = tenantsim(&["run", "--format", "csv"], &path);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        assert_clean("csv", &out.stdout);
        let column = |name: &str| {
            tenantsim::report::format::CSV_HEADER.iter().position(|h| *h == name).unwrap_or_else(|| panic!("{name}"))
        };
        let (cost_at, margin_at) = (column("cost_usd_per_month"), column("margin_usd_per_month"));
        let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
        let mut tenants = Vec::new();
        for record in reader.records() {
            let record = record.unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(&record[0], "'-pool", "design");
            assert_eq!(&record[2], "'=tier", "tier");
            tenants.push(record[1].to_owned());
            // The cost is a positive number, the margin a negative one:
            // both as the number's own text, no quote in front.
            let (cost, margin) = (&record[cost_at], &record[margin_at]);
            let cost: f64 = cost.parse().unwrap_or_else(|e| panic!("cost {cost:?}: {e}"));
            assert!(margin.starts_with('-'), "{record:?}");
            let margin: f64 = margin.parse().unwrap_or_else(|e| panic!("margin {margin:?}: {e}"));
            assert!(cost > 0.0 && margin < 0.0, "{record:?}");
        }
        assert_eq!(
            tenants,
            ["'=HYPERLINK(\"http://example.com\",\"x\")", "'+1+1", "'-2+3", "'@SUM(A1)", "'\\u{9}x", "'\\u{d}x"]
        );
    }
}
