//! Every bundled lesson asserts its own outcome: its `expect` section holds
//! on three seeds, and so does each "try this" step's after its changes.

use tenantsim::lesson;
use tenantsim::scenario::{Limits, ScenarioFile, resolve};
use tenantsim::sim::{self, RunControl, RunOptions};

use crate::common::{bundled_scenarios, parse};

/// Seeds every claim must hold on (the file's own and two others).
fn seeds(file: &ScenarioFile) -> [u64; 3] {
    [file.clock.seed, file.clock.seed.wrapping_add(1001), file.clock.seed.wrapping_add(2002)]
}

fn check_all(label: &str, file: &ScenarioFile, expect: &[tenantsim::scenario::file::ExpectFile]) -> Vec<String> {
    let mut failures = Vec::new();
    for seed in seeds(file) {
        let mut f = file.clone();
        f.clock.seed = seed;
        let scenario = resolve::resolve(&f, &Limits::default()).unwrap_or_else(|e| panic!("{label}:\n{e}"));
        let report =
            sim::run(&scenario, &RunOptions::default(), &RunControl::new()).unwrap_or_else(|e| panic!("{label}: {e}"));
        for e in expect {
            match lesson::check(&report, e) {
                Ok(c) if c.passed => {}
                Ok(c) => {
                    failures.push(format!("{label} (seed {seed}): {} — got {:.4} vs {:.4}", c.claim, c.left, c.right))
                }
                Err(err) => failures.push(format!("{label}: {err}")),
            }
        }
    }
    failures
}

#[test]
fn every_lesson_keeps_its_promises_on_three_seeds() {
    let mut failures = Vec::new();
    let mut lessons = 0;
    for (name, text) in bundled_scenarios() {
        let file = parse(&text);
        let Some(lesson) = &file.lesson else { continue };
        lessons += 1;
        assert!(!lesson.expect.is_empty(), "{name}: a lesson needs an expect section");
        assert!(!lesson.text.trim().is_empty(), "{name}: a lesson needs its text");
        failures.extend(check_all(&name, &file, &lesson.expect));
        for step in &lesson.try_this {
            let mut changed = file.clone();
            for change in &step.changes {
                lesson::apply_change(&mut changed, change).unwrap_or_else(|e| panic!("{name} / {}: {e}", step.label));
            }
            failures.extend(check_all(&format!("{name} / {}", step.label), &changed, &step.expect));
        }
    }
    assert!(lessons >= 1, "no lessons found");
    assert!(failures.is_empty(), "broken promises:\n{}", failures.join("\n"));
}

#[test]
fn every_scenario_file_is_embedded_in_the_binary() {
    for (name, text) in bundled_scenarios() {
        let embedded =
            tenantsim::bundled::by_file_name(&name).unwrap_or_else(|| panic!("{name} is not in src/bundled.rs"));
        assert_eq!(embedded.text, text, "{name}: embedded text differs");
    }
}

#[test]
fn every_plan_claim_holds_on_three_seeds() {
    let limits = Limits::default();
    let mut failures = Vec::new();
    let mut claims = 0;
    for (name, text) in bundled_scenarios() {
        let file = parse(&text);
        for seed in seeds(&file) {
            let mut f = file.clone();
            f.clock.seed = seed;
            let scenario = resolve::resolve(&f, &limits).unwrap_or_else(|e| panic!("{name}:\n{e}"));
            let specs =
                tenantsim::plan::spec::resolve_plans(&f, &scenario, &limits).unwrap_or_else(|e| panic!("{name}:\n{e}"));
            for spec in specs.iter().filter(|s| !s.expect.is_empty()) {
                let report = tenantsim::plan::run(
                    &f,
                    spec,
                    &limits,
                    tenantsim::plan::PlanOptions::default(),
                    &RunControl::new(),
                    &tenantsim::plan::PlanProgress::default(),
                )
                .unwrap_or_else(|e| panic!("{name} / {}: {e}", spec.name));
                for claim in &spec.expect {
                    claims += 1;
                    match lesson::check_plan_claim(&report, claim) {
                        Ok(c) if c.passed => {}
                        Ok(c) => failures.push(format!("{name} (seed {seed}): {} — got {:.4}", c.claim, c.left)),
                        Err(e) => failures.push(format!("{name}: {e}")),
                    }
                }
            }
        }
    }
    assert!(claims >= 6, "the bundled plans should make claims ({claims})");
    assert!(failures.is_empty(), "broken promises:\n{}", failures.join("\n"));
}
