//! Every bundled scenario and every documented example loads, runs and
//! survives a save/load round trip unchanged.

use crate::common::{bundled_scenarios, doc_examples, parse};
use tenantsim::scenario::{self, Limits};
use tenantsim::sim::{self, RunControl, RunOptions};

fn loads_runs_and_round_trips(label: &str, text: &str) {
    let file = parse(text);
    let saved = scenario::to_ron_string(&file).unwrap_or_else(|e| panic!("{label}: cannot save: {e}"));
    let reloaded = parse(&saved);
    assert_eq!(file, reloaded, "{label}: round trip changed the scenario:\n{saved}");
    let mut quick = file.clone();
    quick.clock.replications = quick.clock.replications.min(2);
    let resolved = scenario::resolve::resolve(&quick, &Limits::default()).unwrap_or_else(|e| panic!("{label}:\n{e}"));
    let report =
        sim::run(&resolved, &RunOptions::default(), &RunControl::new()).unwrap_or_else(|e| panic!("{label}: {e}"));
    assert_eq!(report.designs.len(), resolved.designs.len());
    assert!(report.designs.iter().all(|d| d.totals.offered.mean > 0.0), "{label}: no traffic");
}

#[test]
fn bundled_scenarios_load_run_and_round_trip() {
    let files = bundled_scenarios();
    assert!(!files.is_empty());
    for (name, text) in files {
        loads_runs_and_round_trips(&name, &text);
    }
}

#[test]
fn documented_examples_load_run_and_round_trip() {
    let examples = doc_examples();
    assert!(examples.len() >= 3, "docs/scenario-format.md should hold complete examples");
    for (i, text) in examples.iter().enumerate() {
        loads_runs_and_round_trips(&format!("docs example {}", i + 1), text);
    }
}

#[test]
fn saved_text_is_readable_ron_with_human_durations() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/noisy-neighbour.ron");
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let saved = scenario::to_ron_string(&parse(&text)).unwrap_or_default();
    assert!(saved.contains("duration: \"1h\""), "{saved}");
    assert!(saved.starts_with("Scenario("), "{saved}");
}
