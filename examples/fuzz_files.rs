//! A fuzz check that needs no nightly compiler: mutates the bundled
//! scenario files deterministically (seeded) and puts every mutant through
//! parse → resolve → budget estimate → plans → a short, bounded run,
//! checking that nothing panics, that a syntax error carries a line and a
//! column inside the text, that a meaning error names a field path, that
//! the estimate is finite, and that a report holds only finite numbers.
//!
//! ```text
//! cargo run --release --example fuzz_files -- [--seconds 50] [--iterations N] [--seed 1]
//! ```
//!
//! CI runs it for 50 seconds (`.ci/run`). A failing mutant is written to
//! `target/fuzz-failure.ron` and the program exits with code 1.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::{Duration, Instant};

use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde_json::Value;
use tenantsim::plan::spec::resolve_plans;
use tenantsim::scenario::budget::{Shape, estimate};
use tenantsim::scenario::{Limits, LoadError, load_str};
use tenantsim::sim::{RunControl, RunOptions, run};

/// Runs whose estimated work is above this are only resolved, not run.
const RUN_WORK: f64 = 2e7;
/// A run still going after this long is cancelled (it must then return
/// promptly, which the check's own time bound enforces).
const RUN_CANCEL_AFTER: Duration = Duration::from_millis(1500);

/// Values a mutation writes over a number.
const NUMBERS: &[&str] = &[
    "0",
    "-1",
    "1",
    "0.5",
    "1e308",
    "-1e308",
    "1e-308",
    "4294967295",
    "4294967296",
    "18446744073709551615",
    "1e19",
    "NaN",
    "inf",
    "999999999",
    "20000",
    "10000",
    "1000",
    "1001",
    "3",
];
/// Values a mutation writes over a word.
const WORDS: &[&str] = &[
    "Pool",
    "Silo",
    "Cells(1000)",
    "Cells(0)",
    "Exact",
    "Fast",
    "Auto",
    "\"*\"",
    "\"\"",
    "\"1e9h\"",
    "\"0s\"",
    "\"3660d\"",
    "\"1ms\"",
    "None",
    "Some(1)",
    "[]",
    "{}",
    "()",
];

struct Options {
    seconds: u64,
    iterations: u64,
    seed: u64,
}

fn options() -> Result<Options, String> {
    let mut o = Options { seconds: 50, iterations: u64::MAX, seed: 1 };
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let value = pair.get(1).ok_or_else(|| format!("{} needs a value", pair[0]))?;
        let number: u64 = value.parse().map_err(|e| format!("{}: {e}", pair[0]))?;
        match pair[0].as_str() {
            "--seconds" => o.seconds = number,
            "--iterations" => o.iterations = number,
            "--seed" => o.seed = number,
            other => return Err(format!("unknown option {other} (--seconds, --iterations, --seed)")),
        }
    }
    Ok(o)
}

/// Byte ranges (start, end) of tokens of a text.
type Spans = Vec<(usize, usize)>;

/// Byte ranges of the numbers and of the words (identifiers, quoted
/// strings) of `text`.
fn tokens(text: &str) -> (Spans, Spans) {
    let bytes = text.as_bytes();
    let (mut numbers, mut words) = (Vec::new(), Vec::new());
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let c = bytes[i];
        if c.is_ascii_digit() {
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'.') {
                i += 1;
            }
            numbers.push((start, i));
        } else if c.is_ascii_alphabetic() {
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            words.push((start, i));
        } else if c == b'"' {
            i += 1;
            while i < bytes.len() && bytes[i] != b'"' {
                i += 1;
            }
            i = (i + 1).min(bytes.len());
            words.push((start, i));
        } else {
            i += 1;
        }
    }
    (numbers, words)
}

/// One to three mutations of `text`.
fn mutate(text: &str, rng: &mut Xoshiro256PlusPlus) -> String {
    let mut out = text.to_owned();
    for _ in 0..rng.random_range(1..=3) {
        let (numbers, words) = tokens(&out);
        let pick = |list: &[(usize, usize)], rng: &mut Xoshiro256PlusPlus| {
            (!list.is_empty()).then(|| list[rng.random_range(0..list.len())])
        };
        match rng.random_range(0..6) {
            0 | 1 => {
                if let Some((a, b)) = pick(&numbers, rng) {
                    out.replace_range(a..b, NUMBERS[rng.random_range(0..NUMBERS.len())]);
                }
            }
            2 => {
                if let Some((a, b)) = pick(&words, rng) {
                    out.replace_range(a..b, WORDS[rng.random_range(0..WORDS.len())]);
                }
            }
            3 => {
                // Delete a span of up to 40 bytes (at character boundaries).
                let a = rng.random_range(0..out.len().max(1));
                let b = (a + rng.random_range(1..40)).min(out.len());
                if out.is_char_boundary(a) && out.is_char_boundary(b) {
                    out.replace_range(a..b, "");
                }
            }
            4 => {
                // Write a line twice.
                let lines: Vec<&str> = out.lines().collect();
                if !lines.is_empty() {
                    let k = rng.random_range(0..lines.len());
                    let mut copy: Vec<&str> = lines.clone();
                    copy.insert(k, lines[k]);
                    out = copy.join("\n");
                }
            }
            _ => {
                // A number made much larger: a count, a rate or a duration
                // towards its limit.
                if let Some((a, b)) = pick(&numbers, rng) {
                    let bigger = format!("{}{}", &out[a..b], "000");
                    out.replace_range(a..b, &bigger);
                }
            }
        }
    }
    out
}

/// Paths of the `null`s in `value` (a NaN or an infinity in a report).
fn nulls(value: &Value, path: &str, out: &mut Vec<String>) {
    match value {
        Value::Null => out.push(path.to_owned()),
        Value::Array(items) => items.iter().enumerate().for_each(|(i, v)| nulls(v, &format!("{path}[{i}]"), out)),
        Value::Object(fields) => fields.iter().for_each(|(k, v)| nulls(v, &format!("{path}.{k}"), out)),
        Value::Bool(_) | Value::Number(_) | Value::String(_) => {}
    }
}

/// What one mutant did; `Err` describes a broken promise.
fn check(text: &str) -> Result<&'static str, String> {
    let limits = Limits::default();
    let (file, scenario) = match load_str(text, &limits) {
        Ok(loaded) => loaded,
        Err(LoadError::Syntax { line, col, message }) => {
            let lines = text.lines().count().max(1) + 1;
            if line == 0 || col == 0 || line > lines || message.is_empty() {
                return Err(format!("syntax error at {line}:{col} outside the text ({lines} lines): {message}"));
            }
            return Ok("syntax error");
        }
        Err(LoadError::Invalid(errors)) => {
            if errors.0.is_empty() || errors.0.iter().any(|e| e.path.is_empty() || e.message.is_empty()) {
                return Err(format!("a meaning error without a field path or message:\n{errors}"));
            }
            return Ok("meaning error");
        }
    };
    let needs = estimate(&Shape::of(&scenario));
    if !(needs.work.is_finite() && needs.memory_bytes.is_finite() && needs.tick_work.is_finite()) {
        return Err(format!("an estimate that is not finite: {needs:?}"));
    }
    if needs.memory_bytes > limits.max_memory_bytes || needs.work > limits.max_work {
        return Err(format!("accepted over the budget: {needs:?}"));
    }
    if let Err(errors) = resolve_plans(&file, &scenario, &limits)
        && errors.0.iter().any(|e| e.path.is_empty() || e.message.is_empty())
    {
        return Err(format!("a plan error without a field path or message:\n{errors}"));
    }
    if needs.work > RUN_WORK {
        return Ok("accepted (too large to run here)");
    }
    let control = RunControl::new();
    let options = RunOptions { threads: Some(1), ..RunOptions::default() };
    let started = Instant::now();
    let result = std::thread::scope(|s| {
        let watchdog = s.spawn(|| {
            while started.elapsed() < RUN_CANCEL_AFTER && !control.is_cancelled() {
                std::thread::sleep(Duration::from_millis(5));
            }
            control.cancel();
        });
        let result = run(&scenario, &options, &control);
        control.cancel();
        let _ = watchdog.join();
        result
    });
    let Ok(report) = result else { return Ok("accepted, run cancelled") };
    let json = serde_json::to_value(&report).map_err(|e| format!("the report does not serialise: {e}"))?;
    let mut found = Vec::new();
    nulls(&json, "", &mut found);
    if !found.is_empty() {
        return Err(format!("figures that are not finite numbers: {}", found.join(", ")));
    }
    Ok("accepted and run")
}

fn main() -> Result<(), String> {
    let o = options()?;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut seeds: Vec<(String, String)> = Vec::new();
    let mut entries: Vec<_> =
        std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?.flatten().collect();
    entries.sort_by_key(std::fs::DirEntry::path);
    for entry in entries {
        let path = entry.path();
        if path.extension().is_some_and(|x| x == "ron") {
            let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            seeds.push((path.display().to_string(), text));
        }
    }
    if seeds.is_empty() {
        return Err(format!("no scenario files in {}", dir.display()));
    }
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(o.seed);
    let started = Instant::now();
    let mut counts: std::collections::BTreeMap<&'static str, u64> = std::collections::BTreeMap::new();
    let mut done = 0u64;
    while done < o.iterations && started.elapsed() < Duration::from_secs(o.seconds) {
        let (name, text) = &seeds[rng.random_range(0..seeds.len())];
        let mutant = mutate(text, &mut rng);
        let outcome = catch_unwind(AssertUnwindSafe(|| check(&mutant)))
            .unwrap_or_else(|_| Err("panicked (message above)".to_owned()));
        match outcome {
            Ok(what) => *counts.entry(what).or_default() += 1,
            Err(problem) => {
                let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("target").join("fuzz-failure.ron");
                let _ = std::fs::write(&out, &mutant);
                return Err(format!(
                    "iteration {done} (seed {}, a mutant of {name}, written to {}): {problem}",
                    o.seed,
                    out.display()
                ));
            }
        }
        done += 1;
    }
    println!("{done} mutants in {:.1} s, no broken promise: {counts:?}", started.elapsed().as_secs_f64());
    Ok(())
}
