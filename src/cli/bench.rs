//! `tenantsim bench`: throughput of the engine on reference scenarios,
//! printed as figures (never a pass/fail test).

use std::time::Instant;

use crate::reference::{LESSON, reference_day};
use crate::scenario::model::Engine;
use crate::scenario::{self, Limits};
use crate::sim::{self, RunControl, RunOptions};

/// Requests a run's spiking runs offered, over every replication.
fn offered_requests(report: &crate::report::RunReport) -> f64 {
    report.designs.iter().map(|d| d.totals.offered.mean).sum::<f64>() * f64::from(report.replications)
}

/// Runs `sc` and prints `label`, the run's time and the requests (`unit`)
/// its spiking runs offered per second.
fn print_request_rate(sc: &scenario::Scenario, options: &RunOptions, label: &str, unit: &str) {
    let started = Instant::now();
    match sim::run(sc, options, &RunControl::new()) {
        Ok(report) => {
            let secs = started.elapsed().as_secs_f64();
            let rate = offered_requests(&report) / secs / 1e6;
            println!("{label}: {secs:.2} s, {rate:.1} M {unit}/s (spiking runs only)");
        }
        Err(e) => println!("{label}: {e}"),
    }
}

fn load(text: &str) -> Option<scenario::Scenario> {
    match scenario::load_str(text, &Limits::default()) {
        Ok((_, s)) => Some(s),
        Err(e) => {
            eprintln!("bench scenario invalid: {e}");
            None
        }
    }
}

/// A part of the benchmark, to run it alone (`tenantsim bench --only`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Part {
    /// The reference day, each design in `Auto` and `Fast`.
    Day,
    /// The lesson-sized run in `Auto` and `Fast`.
    Lesson,
    /// The per-request engine on the lesson-sized run, one thread.
    Exact,
    /// Serverless functions: the bundled serverless lesson in each engine,
    /// one thread.
    Functions,
    /// The other layers' latency (the lesson-sized run with a gateway's
    /// latency, `Auto` and `Fast`) and clients' timeouts (the retry-storm
    /// lesson with them, request by request, one thread).
    Layers,
    /// The queue layer: the queue-per-tenant lesson in `Auto` and `Fast`,
    /// and its shared queue behind a hot partition (messages coming back
    /// and dead-lettered), request by request, one thread.
    Queues,
    /// The relational database: the database-connections lesson, request
    /// by request, one thread.
    Relational,
    /// The planner's 100-point spike-factor sweep.
    Sweep,
    /// The planner's silo/pool crossover.
    Crossover,
    /// The planner's cheapest-design search.
    Search,
}

/// Whether `part` is to run when `only` lists the parts asked for (all
/// when it is empty).
fn wanted(only: &[Part], part: Part) -> bool {
    only.is_empty() || only.contains(&part)
}

/// The engines the benchmark times, with their names.
const ENGINES: [(Engine, &str); 2] = [(Engine::Auto, "auto"), (Engine::Fast, "fast")];

/// Runs the benchmark (the parts in `only`, or all) and prints its figures.
pub fn run(quick: bool, only: &[Part]) {
    let threads = rayon::current_num_threads();
    println!("tenantsim bench — {threads} worker thread(s)");
    if wanted(only, Part::Day) {
        day(quick);
    }
    let Some(mut lesson) = load(LESSON) else { return };
    if wanted(only, Part::Lesson) {
        lesson_sized(&mut lesson);
    }
    if wanted(only, Part::Exact) {
        exact(&mut lesson, quick);
    }
    if wanted(only, Part::Functions) {
        functions(quick);
    }
    if wanted(only, Part::Layers) {
        layers(quick);
    }
    if wanted(only, Part::Relational) {
        relational(quick);
    }
    if wanted(only, Part::Queues) {
        queues(quick);
    }
    plans(quick, only);
}

/// The reference day, each design in each engine.
fn day(quick: bool) {
    let hours = if quick { 2 } else { 24 };
    let Some(mut day) = load(&reference_day(hours)) else { return };
    for (engine, name) in ENGINES {
        day.clock.engine = engine;
        for (d, design) in day.designs.iter().enumerate() {
            let options = RunOptions { designs: Some(vec![d]), ..crate::host::run_options() };
            let started = Instant::now();
            let result = sim::run(&day, &options, &RunControl::new());
            let secs = started.elapsed().as_secs_f64();
            // Wall time includes the no-spike baseline the impact figures
            // need (run only for tenants connected to the spiking tenant).
            let tenant_ticks = day.tenant_ticks() as f64;
            match result {
                Ok(_) => println!(
                    "reference day ({} tenants, {hours} h at 1 s) {name} design {:<7} {:>6.2} s  {:>6.1} M tenant-ticks/s",
                    day.tenants.len(),
                    design.name,
                    secs,
                    tenant_ticks / secs / 1e6
                ),
                Err(e) => println!("design {}: {e}", design.name),
            }
        }
    }
}

/// The lesson-sized run in each engine, best of five.
fn lesson_sized(lesson: &mut scenario::Scenario) {
    for (engine, name) in ENGINES {
        lesson.clock.engine = engine;
        let mut best = f64::INFINITY;
        for _ in 0..5 {
            let started = Instant::now();
            if sim::run(lesson, &crate::host::run_options(), &RunControl::new()).is_err() {
                return;
            }
            best = best.min(started.elapsed().as_secs_f64());
        }
        println!(
            "lesson-sized run (20 tenants, 1 h, 3 designs, 8 replications) {name}: {:.1} ms (best of 5)",
            best * 1e3
        );
    }
}

/// The per-request engine on one thread: requests per second (fewer
/// replications in a quick run).
fn exact(lesson: &mut scenario::Scenario, quick: bool) {
    lesson.clock.engine = Engine::Exact;
    if quick {
        lesson.clock.replications = 2;
    }
    let options = RunOptions { threads: Some(1), ..crate::host::run_options() };
    let control = RunControl::new();
    let started = Instant::now();
    match sim::simulate(lesson, &options, &control).and_then(|s| Ok((s.report(lesson, &control)?, s))) {
        Ok((report, simulated)) => {
            let secs = started.elapsed().as_secs_f64();
            // Every design's offered requests in every replication; then
            // with the no-spike baselines' too (which stop when the spike
            // ends): every request the engine simulated.
            let offered: f64 = offered_requests(&report);
            println!(
                "per-request engine, lesson-sized run on one thread: {secs:.2} s, {:.1} M requests/s of the spiking \
                 runs, {:.1} M counting the no-spike baselines' requests too",
                offered / secs / 1e6,
                simulated.requests_offered() / secs / 1e6
            );
        }
        Err(e) => println!("per-request engine: {e}"),
    }
}

/// Serverless functions on one thread: the bundled serverless lesson,
/// request by request (requests offered per second) and in `Auto` (the
/// run's time), and request by request behind a queue per tenant.
fn functions(quick: bool) {
    let Some(bundled) = crate::bundled::by_file_name("serverless-reserved-concurrency.ron") else { return };
    let Some(mut lesson) = load(bundled.text) else { return };
    if quick {
        lesson.clock.replications = 2;
    }
    let options = RunOptions { threads: Some(1), ..crate::host::run_options() };
    for engine in [Engine::Exact, Engine::Auto] {
        lesson.clock.engine = engine;
        let started = Instant::now();
        match sim::run(&lesson, &options, &RunControl::new()) {
            Ok(report) if engine == Engine::Exact => {
                let secs = started.elapsed().as_secs_f64();
                let offered: f64 = offered_requests(&report);
                println!(
                    "serverless lesson, per-request engine, one thread: {secs:.2} s, {:.1} M requests/s (spiking \
                     runs only)",
                    offered / secs / 1e6
                );
            }
            Ok(_) => {
                let ms = started.elapsed().as_secs_f64() * 1e3;
                println!("serverless lesson, auto (the fast engine's functions), one thread: {ms:.1} ms");
            }
            Err(e) => println!("serverless functions: {e}"),
        }
    }
    // The same lesson with a queue per tenant in front of the shared
    // account's functions (messages wait instead of being throttled).
    let gateway = "gateway: (account_rate: 10000.0, account_burst: 5000.0, price_per_million: 1.0),";
    let shared = r#"(name: "shared account", placement: { "*": Pool })"#;
    let queued = bundled.text.replacen(gateway, &format!("{gateway} queue: (),"), 1).replacen(
        shared,
        r#"(name: "shared account", placement: { "*": Pool }, layers: (queue: { "*": Silo }))"#,
        1,
    );
    if !queued.contains("queue: ()") || !queued.contains("layers: (queue:") {
        println!("functions behind queues: the serverless lesson no longer reads as this benchmark expects");
        return;
    }
    let Some(mut queued) = load(&queued) else { return };
    if quick {
        queued.clock.replications = 2;
    }
    let label = "serverless lesson behind a queue per tenant, per-request engine, one thread";
    print_request_rate(&queued, &options, label, "messages");
    // The same, executions taking up to ten messages at once.
    if let Some(q) = &mut queued.queue {
        q.batch_size = 10;
    }
    let label = "the same in batches of up to ten, per-request engine, one thread";
    print_request_rate(&queued, &options, label, "messages");
}

/// The layers' latency and clients' timeouts: the lesson-sized run (as
/// the lesson part runs it, in a quick run too) with a 5 ms exponential
/// gateway latency in each engine (best of five; the fluid convolves
/// every distribution it caches), and the retry-storm lesson with etl's
/// clients giving up after 500 ms, request by request on one thread
/// (requests offered per second; two replications in a quick run).
fn layers(quick: bool) {
    let Some(mut layered) = load(LESSON) else { return };
    if let Some(g) = &mut layered.gateway {
        g.latency = Some(crate::queueing::ServiceTime::Exponential { mean_secs: 0.005 });
    }
    for (engine, name) in ENGINES {
        layered.clock.engine = engine;
        let mut best = f64::INFINITY;
        for _ in 0..5 {
            let started = Instant::now();
            if sim::run(&layered, &crate::host::run_options(), &RunControl::new()).is_err() {
                return;
            }
            best = best.min(started.elapsed().as_secs_f64());
        }
        println!("lesson-sized run with a gateway latency {name}: {:.1} ms (best of 5)", best * 1e3);
    }
    let Some(bundled) = crate::bundled::by_file_name("retry-storm.ron") else { return };
    let Some(mut storm) = load(bundled.text) else { return };
    if quick {
        storm.clock.replications = 2;
    }
    for tier in &mut storm.tiers {
        if let Some(retry) = &mut tier.retry
            && tier.name == "batch"
        {
            retry.timeout_secs = Some(0.5);
        }
    }
    let options = RunOptions { threads: Some(1), ..crate::host::run_options() };
    let label = "retry storm with clients' timeouts, per-request engine, one thread";
    print_request_rate(&storm, &options, label, "requests");
}

/// The queue layer: the queue-per-tenant lesson in each engine (best of
/// five), and its shared queue with a table of one partition that takes
/// 30 writes a second behind it (a fifth of the messages are writes, 24 a
/// second before the import), so that writes fail during the import,
/// come back and are dead-lettered after five receives, request by
/// request on one thread (messages offered per second; two replications
/// in a quick run).
fn queues(quick: bool) {
    let Some(bundled) = crate::bundled::by_file_name("queue-per-tenant.ron") else { return };
    let Some(mut lesson) = load(bundled.text) else { return };
    for (engine, name) in ENGINES {
        lesson.clock.engine = engine;
        let mut best = f64::INFINITY;
        for _ in 0..5 {
            let started = Instant::now();
            if sim::run(&lesson, &crate::host::run_options(), &RunControl::new()).is_err() {
                return;
            }
            best = best.min(started.elapsed().as_secs_f64());
        }
        println!("queue-per-tenant lesson {name}: {:.1} ms (best of 5)", best * 1e3);
    }
    let failing = bundled.text.replacen("queue: (retention: \"1d\",", "queue: (max_receives: 5, retention: \"1d\",", 1);
    let failing = failing.replacen(
        "        compute: (",
        "        database: (partitions: 1, write_units_per_partition: 30.0),\n        compute: (",
        1,
    );
    let Some(mut failing) = load(&failing) else { return };
    failing.designs.truncate(1);
    if quick {
        failing.clock.replications = 2;
    }
    let options = RunOptions { threads: Some(1), ..crate::host::run_options() };
    let started = Instant::now();
    match sim::run(&failing, &options, &RunControl::new()) {
        Ok(report) => {
            let secs = started.elapsed().as_secs_f64();
            let totals = &report.designs[0].totals;
            let offered = totals.offered.mean * f64::from(report.replications);
            println!(
                "queue behind a hot partition, per-request engine, one thread: {secs:.2} s, {:.1} M messages/s \
                 ({:.0} redelivered and {:.0} dead-lettered per run)",
                offered / secs / 1e6,
                totals.redelivered.mean,
                totals.dead_lettered.mean
            );
        }
        Err(e) => println!("queue behind a hot partition: {e}"),
    }
}

/// The relational database: the database-connections lesson (queries
/// waiting for vCPUs, compute instances without connections) request by
/// request on one thread, best of three (two in a quick run); then the
/// same tenants without their spikes (so no no-spike baseline runs) for
/// the requests simulated per second.
fn relational(quick: bool) {
    let Some(bundled) = crate::bundled::by_file_name("database-connections.ron") else { return };
    let Some(mut lesson) = load(bundled.text) else { return };
    let options = RunOptions { threads: Some(1), ..crate::host::run_options() };
    let rounds = if quick { 2 } else { 3 };
    let best_of = |sc: &scenario::Scenario| -> Option<(f64, f64)> {
        let mut best = f64::INFINITY;
        let mut requests = 0.0;
        for _ in 0..rounds {
            let started = Instant::now();
            let report = sim::run(sc, &options, &RunControl::new()).ok()?;
            best = best.min(started.elapsed().as_secs_f64());
            requests = offered_requests(&report);
        }
        Some((best, requests))
    };
    let Some((secs, _)) = best_of(&lesson) else { return };
    println!("database-connections lesson, per-request engine, one thread: {:.1} ms", secs * 1e3);
    lesson.events.clear();
    let Some((secs, requests)) = best_of(&lesson) else { return };
    println!(
        "its tenants without spikes, per-request engine, one thread: {:.1} ms, {:.1} M requests/s",
        secs * 1e3,
        requests / secs / 1e6
    );
}

/// The planner's figures: a 100-point sweep, a refined crossover and the
/// cheapest-design search (skipped in a quick run), on bundled lessons;
/// those of them in `only` (all when it is empty).
fn plans(quick: bool, only: &[Part]) {
    use crate::plan::{self, PlanOptions, PlanProgress};
    use crate::scenario::file::{AxisFile, KnobFile, PlannerFile, ValuesFile};
    let limits = Limits::default();
    let run = |text: &str,
               edit: &dyn Fn(&mut crate::scenario::ScenarioFile),
               name: &str|
     -> Option<(f64, plan::PlanProgress, crate::report::plan::PlanReport)> {
        let mut file = scenario::parse_str(text, &limits).ok()?;
        edit(&mut file);
        let sc = scenario::resolve::resolve(&file, &limits).ok()?;
        let specs = match plan::spec::resolve_plans(&file, &sc, &limits) {
            Ok(s) => s,
            Err(e) => {
                println!("bench plan invalid: {e}");
                return None;
            }
        };
        let spec = specs.into_iter().find(|s| s.name == name)?;
        let progress = PlanProgress::default();
        let started = Instant::now();
        let report = plan::run(&file, &spec, &limits, PlanOptions::default(), &RunControl::new(), &progress);
        let secs = started.elapsed().as_secs_f64();
        match report {
            Ok(r) => Some((secs, progress, r)),
            Err(e) => {
                println!("plan {name}: {e}");
                None
            }
        }
    };
    let noisy = crate::bundled::by_file_name("noisy-neighbour.ron").map(|b| b.text).unwrap_or_default();
    // A quick run (CI) sweeps 10 points, a full one 100.
    let last = if quick { 10.0 } else { 100.0 };
    let sweep = |file: &mut crate::scenario::ScenarioFile| {
        file.plans = vec![PlannerFile {
            name: "bench sweep".to_owned(),
            description: String::new(),
            axes: vec![AxisFile {
                knob: KnobFile::SpikeFactor { index: 0 },
                values: ValuesFile::Linear { from: 1.0, to: last, step: 1.0 },
            }],
            designs: Vec::new(),
            replications: None,
            ask: Vec::new(),
            search: None,
            expect: Vec::new(),
        }];
    };
    if wanted(only, Part::Sweep)
        && let Some((secs, _, r)) = run(noisy, &sweep, "bench sweep")
    {
        println!(
            "plan: {}-point sweep of the noisy-neighbour spike factor ({} designs, {} replications): {secs:.2} s",
            r.points.len(),
            r.points.first().map_or(0, |p| p.designs.len()),
            r.replications
        );
    }
    let cost = crate::bundled::by_file_name("silo-vs-pool-cost.ron").map(|b| b.text).unwrap_or_default();
    let crossover = |file: &mut crate::scenario::ScenarioFile| {
        if let Some(p) = file.plans.iter_mut().find(|p| p.name == "crossover") {
            p.axes[0].values = ValuesFile::Geometric { from: 1.0, to: 200.0, points: 12 };
        }
    };
    if wanted(only, Part::Crossover)
        && let Some((secs, _, r)) = run(cost, &crossover, "crossover")
    {
        println!(
            "plan: silo/pool crossover over 1..=200 tenants, refined ({} points + {} refinements): {secs:.2} s — {}",
            r.points.len(),
            r.refinements.len(),
            r.answers.first().map_or("", |a| a.sentence.as_str())
        );
    }
    if quick || !wanted(only, Part::Search) {
        return;
    }
    if let Some((secs, _, r)) = run(noisy, &|_| {}, "cheapest design")
        && let Some(s) = &r.search
    {
        println!(
            "plan: cheapest design on noisy-neighbour ({} candidates, {} design-replications): {secs:.1} s, {:.0} candidates/s",
            s.candidates,
            s.design_runs,
            s.candidates as f64 / secs
        );
    }
}
