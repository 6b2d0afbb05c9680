//! How far the time-stepped engines (Fast, Auto) are from the per-request
//! engine: a set of cases near saturation (where the fluid's assumptions
//! are strained), each run by the engine under test and the per-request
//! engine on the same scenario, and the figures compared with the
//! per-request engine's 95 % interval.
//!
//! `tenantsim agreement` prints the table; the tests hold the fast engine
//! to it; docs/engines.md shows it.

use crate::report::{Estimate, RunReport};
use crate::scenario::model::Engine;
use crate::scenario::{self, Limits, Scenario};
use crate::sim::{self, RunControl, RunError, RunOptions};

/// One situation both engines simulate.
#[derive(Debug, Clone)]
pub struct Case {
    /// Short name.
    pub name: &'static str,
    /// What it shows.
    pub about: &'static str,
    /// The scenario (RON).
    pub text: String,
}

/// A pool of 8 servers (exponential 20 ms service, 400 requests/s), two
/// premium and six basic tenants and one noisy basic tenant whose
/// 20-fold spike for 10 minutes is held at its usage plan (50/s, burst
/// 50): the others offer `others_per_sec` in all, so the pool runs at
/// (others + 50) / 400 during the spike.
fn throttled_noisy_pool(others_per_sec: f64, fairness: &str, replications: u32) -> String {
    behind_layers(others_per_sec, fairness, replications, ("", ""))
}

/// [`throttled_noisy_pool`] with these fields added to the gateway and, if
/// not empty, a database layer of these fields.
fn behind_layers(others_per_sec: f64, fairness: &str, replications: u32, (gateway, database): (&str, &str)) -> String {
    let database = if database.is_empty() { String::new() } else { format!("database: ({database}),") };
    format!(
        r#"Scenario(version: 1, name: "noisy held at its plan", clock: (duration: "30m", seed: 5, replications: {replications}),
    tiers: {{
        "basic": (price_per_month: 49.0, plan: (rate: 50.0, burst: 50.0), weight: 1.0),
        "premium": (price_per_month: 499.0, plan: (rate: 1000.0, burst: 1000.0), weight: 4.0, slo: (p99_ms: 150.0)),
    }},
    tenants: [
        Tenant(id: "noisy", tier: "basic", load: (rate: 10.0)),
        Group(prefix: "p", count: 2, tier: "premium", load: (rate: {premium})),
        Group(prefix: "b", count: 6, tier: "basic", load: (rate: {basic})),
    ],
    layers: (
        gateway: ({gateway}),
        compute: (service_time: Exponential(mean_ms: 20.0), concurrency: 8, instances: (min: 1, max: 1),
                  queue_timeout: "30s", fairness: {fairness}),
        {database}
    ),
    designs: [ (name: "pool", placement: {{ "*": Pool }}) ],
    events: [ Spike(tenant: "noisy", at: "10m", duration: "10m", factor: 20.0) ],
)"#,
        premium = others_per_sec * 0.3 / 2.0,
        basic = others_per_sec * 0.7 / 6.0,
    )
}

/// The cases, each with `replications` replications.
pub fn cases(replications: u32) -> Vec<Case> {
    vec![
        Case {
            name: "pool at 0.95",
            about: "a noisy tenant held at its plan fills the pool to 0.95 for ten minutes",
            text: throttled_noisy_pool(330.0, "Fifo", replications),
        },
        Case {
            name: "pool at 0.975",
            about: "the same at 0.975",
            text: throttled_noisy_pool(340.0, "Fifo", replications),
        },
        Case {
            name: "0.975 behind layers",
            about: "the same, behind a gateway adding 5 ms (exponential) and a table adding 4 ms (lognormal, cv 1)",
            text: behind_layers(
                340.0,
                "Fifo",
                replications,
                ("latency: Exponential(mean_ms: 5.0)", "latency: LogNormal(mean_ms: 4.0, cv: 1.0)"),
            ),
        },
        Case {
            name: "pool at 0.99",
            about: "the same at 0.99",
            text: throttled_noisy_pool(346.0, "Fifo", replications),
        },
        Case {
            name: "weighted-fair at 0.975",
            about: "weighted-fair sharing (premium 4, basic 1) below saturation, noisy tenant held at its plan",
            text: throttled_noisy_pool(340.0, "WeightedFair", replications),
        },
        Case {
            name: "weighted-fair at 1.35",
            about: "weighted-fair sharing above saturation: an unthrottled noisy tenant takes the pool to 1.35, 2 s timeout",
            text: format!(
                r#"Scenario(version: 1, name: "weighted-fair overload", clock: (duration: "30m", seed: 6, replications: {replications}),
    tiers: {{
        "basic": (price_per_month: 49.0, weight: 1.0),
        "premium": (price_per_month: 499.0, weight: 4.0, slo: (p99_ms: 150.0)),
    }},
    tenants: [
        Tenant(id: "noisy", tier: "basic", load: (rate: 20.0)),
        Group(prefix: "p", count: 2, tier: "premium", load: (rate: 40.0)),
        Group(prefix: "b", count: 6, tier: "basic", load: (rate: 30.0)),
    ],
    layers: (
        compute: (service_time: Exponential(mean_ms: 20.0), concurrency: 8, instances: (min: 1, max: 1),
                  queue_timeout: "2s", fairness: WeightedFair),
    ),
    designs: [ (name: "pool", placement: {{ "*": Pool }}) ],
    events: [ Spike(tenant: "noisy", at: "10m", duration: "10m", factor: 14.0) ],
)"#
            ),
        },
        Case {
            name: "capacity loss",
            about: "a pool at 0.6 loses half its servers for five minutes (1.2 offered), 5 s timeout",
            text: format!(
                r#"Scenario(version: 1, name: "capacity loss", clock: (duration: "20m", seed: 7, replications: {replications}),
    tiers: {{ "basic": (price_per_month: 49.0), "premium": (price_per_month: 499.0) }},
    tenants: [
        Group(prefix: "p", count: 2, tier: "premium", load: (rate: 48.0)),
        Group(prefix: "b", count: 8, tier: "basic", load: (rate: 48.0)),
    ],
    layers: (
        compute: (service_time: Exponential(mean_ms: 20.0), concurrency: 8, instances: (min: 2, max: 2),
                  queue_timeout: "5s"),
    ),
    designs: [ (name: "pool", placement: {{ "*": Pool }}) ],
    events: [ CapacityLoss(layer: Compute, at: "5m", duration: "5m", fraction: 0.5) ],
)"#
            ),
        },
        Case {
            name: "autoscaling surge",
            about: "a step surge from 0.5 to 1.5 of the pool's capacity that autoscaling (1 min period, 2 min warm-up) catches up with",
            text: format!(
                r#"Scenario(version: 1, name: "autoscaling surge", clock: (duration: "30m", seed: 8, replications: {replications}),
    tiers: {{ "basic": (price_per_month: 49.0), "premium": (price_per_month: 499.0) }},
    tenants: [
        Group(prefix: "p", count: 2, tier: "premium", load: (rate: 40.0)),
        Group(prefix: "b", count: 8, tier: "basic", load: (rate: 40.0)),
        Tenant(id: "surge", tier: "basic", load: (rate: 10.0)),
    ],
    layers: (
        compute: (service_time: Exponential(mean_ms: 20.0), concurrency: 8, instances: (min: 2, max: 20),
                  autoscale: (target_utilisation: 0.6, evaluation_period: "1m", warmup: "2m"), queue_timeout: "10s"),
    ),
    designs: [ (name: "pool", placement: {{ "*": Pool }}) ],
    events: [ Spike(tenant: "surge", at: "10m", duration: "20m", factor: 80.0) ],
)"#
            ),
        },
        Case {
            name: "utilisation 1",
            about: "a pool offered exactly its capacity (400/s on 8 servers), 30 s timeout",
            text: format!(
                r#"Scenario(version: 1, name: "utilisation 1", clock: (duration: "20m", seed: 9, replications: {replications}),
    tiers: {{ "basic": (price_per_month: 49.0), "premium": (price_per_month: 499.0) }},
    tenants: [
        Group(prefix: "p", count: 2, tier: "premium", load: (rate: 60.0)),
        Group(prefix: "b", count: 8, tier: "basic", load: (rate: 35.0)),
    ],
    layers: (
        compute: (service_time: Exponential(mean_ms: 20.0), concurrency: 8, instances: (min: 1, max: 1),
                  queue_timeout: "30s"),
    ),
    designs: [ (name: "pool", placement: {{ "*": Pool }}) ],
)"#
            ),
        },
        Case {
            name: "shared queue",
            about: "an importer's 10-fold burst for 5 minutes takes a shared queue's consumers to 1.15; messages kept an hour",
            text: importer_burst("", replications),
        },
        Case {
            name: "queue per tenant",
            about: "the same burst with a queue per tenant, read in turn by the pool's consumers",
            text: importer_burst(r#", layers: (queue: { "*": Silo })"#, replications),
        },
    ]
}

/// Eight tenants and an importer send messages through a queue to a pool
/// of 8 consumers (exponential 20 ms, 400 messages/s) at 280/s; the
/// importer bursts to 200/s for 5 minutes, so that the consumers are
/// offered 1.15 of what they serve and a backlog of about 18,000 messages
/// builds and drains. `design` is added to the pool design's fields.
fn importer_burst(design: &str, replications: u32) -> String {
    format!(
        r#"Scenario(version: 1, name: "importer burst", clock: (duration: "30m", seed: 12, replications: {replications}),
    tiers: {{ "basic": (price_per_month: 49.0), "premium": (price_per_month: 499.0) }},
    tenants: [
        Tenant(id: "importer", tier: "basic", load: (rate: 20.0)),
        Group(prefix: "p", count: 2, tier: "premium", load: (rate: 40.0)),
        Group(prefix: "b", count: 6, tier: "basic", load: (rate: 30.0)),
    ],
    layers: (
        queue: (retention: "1h"),
        compute: (service_time: Exponential(mean_ms: 20.0), concurrency: 8, instances: (min: 1, max: 1)),
    ),
    designs: [ (name: "pool", placement: {{ "*": Pool }}{design}) ],
    events: [ Spike(tenant: "importer", at: "10m", duration: "5m", factor: 10.0) ],
)"#
    )
}

/// One figure of one case, by both engines.
#[derive(Debug, Clone)]
pub struct Row {
    /// The case.
    pub case: &'static str,
    /// What is compared, e.g. `premium window p99 ms`.
    pub figure: String,
    /// The estimate of the engine under test (Fast or Auto).
    pub fast: Estimate,
    /// The per-request engine's estimate.
    pub exact: Estimate,
    /// The largest relative error allowed.
    pub limit: f64,
}

impl Row {
    /// `fast / exact − 1`.
    pub fn error(&self) -> f64 {
        if self.exact.mean.abs() > 0.0 { self.fast.mean / self.exact.mean - 1.0 } else { 0.0 }
    }

    /// True when the fast figure is within the limit of the exact one,
    /// widened by the exact figure's own 95 % interval.
    pub fn agrees(&self) -> bool {
        let tolerance = self.limit * self.exact.mean.abs() + self.exact.ci95 + self.fast.ci95;
        (self.fast.mean - self.exact.mean).abs() <= tolerance
    }
}

/// Why a case could not be compared.
#[derive(Debug, thiserror::Error)]
pub enum AgreementError {
    /// Occurs when a case's scenario does not load (a bug in the cases).
    #[error("case {case}: {message}")]
    Scenario {
        /// The case.
        case: &'static str,
        /// Why.
        message: String,
    },
    /// Occurs when a run fails or is cancelled.
    #[error("case {case}: {source}")]
    Run {
        /// The case.
        case: &'static str,
        /// Why.
        source: RunError,
    },
}

fn run(case: &Case, engine: Engine, options: &RunOptions) -> Result<RunReport, AgreementError> {
    let (_, mut sc): (_, Scenario) = scenario::load_str(&case.text, &Limits::default())
        .map_err(|e| AgreementError::Scenario { case: case.name, message: e.to_string() })?;
    sc.clock.engine = engine;
    // One series point a minute.
    let minutes = (sc.clock.duration_secs / 60.0).ceil() as u64;
    let options = RunOptions { series_points: Some(minutes), ..options.clone() };
    sim::run(&sc, &options, &RunControl::new()).map_err(|source| AgreementError::Run { case: case.name, source })
}

/// Per-minute p99 of the total (the runs' series points are a minute
/// long).
fn p99_per_minute(report: &RunReport) -> Vec<Estimate> {
    let p99 = &report.designs[0].series.total.p99_ms;
    p99.mean.iter().zip(&p99.ci95).map(|(&mean, &ci95)| Estimate { mean, ci95 }).collect()
}

/// Runs `case` in `engine` (Fast or Auto) and in the per-request engine
/// and compares: per tier, the mean and p99
/// latency inside the spike windows (over the whole run when the case has
/// no spike), the worst per-minute p99 and the requests dropped.
///
/// # Errors
/// Occurs when a run fails.
pub fn compare(case: &Case, engine: Engine, options: &RunOptions) -> Result<Vec<Row>, AgreementError> {
    let fast = run(case, engine, options)?;
    let exact = run(case, Engine::Exact, options)?;
    let (f, e) = (&fast.designs[0], &exact.designs[0]);
    let windows = !fast.events.iter().all(|w| w.kind != "spike");
    let mut rows = Vec::new();
    let row = |figure: String, fast: Estimate, exact: Estimate, limit: f64| Row {
        case: case.name,
        figure,
        fast,
        exact,
        limit,
    };
    for (ft, et) in f.tiers.iter().zip(&e.tiers) {
        let (fl, el, scope) = if windows {
            (&ft.windows.inside.latency, &et.windows.inside.latency, "in window")
        } else {
            (&ft.windows.outside.latency, &et.windows.outside.latency, "whole run")
        };
        rows.push(row(format!("{} mean ms ({scope})", ft.name), fl.mean_ms, el.mean_ms, 0.10));
        rows.push(row(format!("{} p99 ms ({scope})", ft.name), fl.p99_ms, el.p99_ms, 0.10));
    }
    let (fm, em) = (p99_per_minute(&fast), p99_per_minute(&exact));
    if let Some((minute, (a, b))) = fm
        .iter()
        .zip(&em)
        .enumerate()
        .filter(|(_, (_, b))| b.mean > 0.0)
        .max_by(|x, y| (x.1.0.mean / x.1.1.mean - 1.0).abs().total_cmp(&(y.1.0.mean / y.1.1.mean - 1.0).abs()))
    {
        rows.push(row(format!("p99 ms, worst minute ({minute})"), *a, *b, 0.20));
    }
    if e.totals.dropped.mean > 0.5 || f.totals.dropped.mean > 0.5 {
        rows.push(row("dropped requests".to_owned(), f.totals.dropped, e.totals.dropped, 0.05));
    }
    Ok(rows)
}
