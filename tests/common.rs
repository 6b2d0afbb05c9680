//! Helpers shared by the test modules.

use tenantsim::report::RunReport;
use tenantsim::scenario::{self, Limits, Scenario, ScenarioFile};
use tenantsim::sim::{self, RunControl, RunOptions};

/// Parses and resolves a scenario, failing the test with the message.
pub fn load(text: &str) -> Scenario {
    match scenario::load_str(text, &Limits::default()) {
        Ok((_, s)) => s,
        Err(e) => panic!("scenario does not load:\n{e}"),
    }
}

/// Parses a scenario file without resolving it.
pub fn parse(text: &str) -> ScenarioFile {
    match scenario::parse_str(text, &Limits::default()) {
        Ok(f) => f,
        Err(e) => panic!("scenario does not parse:\n{e}"),
    }
}

/// Runs a scenario on `threads` worker threads.
pub fn run_with(scenario: &Scenario, threads: usize) -> RunReport {
    let options = RunOptions { threads: Some(threads), ..RunOptions::default() };
    match sim::run(scenario, &options, &RunControl::new()) {
        Ok(r) => r,
        Err(e) => panic!("run failed: {e}"),
    }
}

/// Runs a scenario on 1 and on 2 worker threads, checks that both give
/// the same report, and returns it.
pub fn run_1_and_2_threads(scenario: &Scenario) -> RunReport {
    let one = run_with(scenario, 1);
    let two = run_with(scenario, 2);
    assert_eq!(one, two, "{}: reports differ between 1 and 2 threads", scenario.name);
    two
}

/// Runs a scenario on the global pool.
pub fn run(scenario: &Scenario) -> RunReport {
    run_with(scenario, 2)
}

/// `|a − b| ≤ rel·|b|`.
pub fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * b.abs()
}

/// Every `.ron` file in `scenarios/`, with its text.
pub fn bundled_scenarios() -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(), text)
        })
        .collect();
    files.sort();
    files
}

/// Every ```ron block in `docs/scenario-format.md`.
pub fn doc_examples() -> Vec<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/scenario-format.md");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match (&mut current, line.trim_start()) {
            (None, l) if l.starts_with("```ron") => current = Some(String::new()),
            (Some(block), l) if l.starts_with("```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

/// Asserts that `text` loads with a meaning error whose message contains
/// `expected` (a field path, and what is said of it).
pub fn assert_refused(text: &str, expected: &str) {
    match tenantsim::scenario::load_str(text, &tenantsim::scenario::Limits::default()) {
        Err(tenantsim::scenario::LoadError::Invalid(errors)) => {
            let message = errors.to_string();
            assert!(message.contains(expected), "expected \"{expected}\" in:\n{message}");
        }
        Err(other) => panic!("expected a meaning error for \"{expected}\", got {other}"),
        Ok(_) => panic!("accepted; expected \"{expected}\""),
    }
}

/// Erlang C: the probability that an arrival waits in an M/M/c queue of
/// `servers` at offered load `a` erlangs (from Erlang B's recurrence).
pub fn erlang_c(servers: u32, a: f64) -> f64 {
    let b = (1..=servers).fold(1.0, |b, k| a * b / (f64::from(k) + a * b));
    let rho = a / f64::from(servers);
    b / (1.0 - rho + rho * b)
}

/// Mean time in an M/M/c queue (wait and service), ms, for `lambda`
/// arrivals a second on `servers` of mean service `service_ms`.
pub fn mmc_time_ms(servers: u32, lambda: f64, service_ms: f64) -> f64 {
    let mu = 1e3 / service_ms;
    erlang_c(servers, lambda / mu) / (f64::from(servers) * mu - lambda) * 1e3 + service_ms
}
