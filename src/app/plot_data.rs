//! Plot-ready data prepared once per finished run (pure functions, no
//! egui): timelines as `[x, y]` points in minutes with confidence bands,
//! and load-profile previews for the tenant editor. Nothing here runs
//! while drawing. The results panels' tables and bars live in the
//! submodules: [`compare`] (the design comparison), [`costs`] (cost bars)
//! [`table`] (the per-tenant table's columns and order) and [`plan`] (the
//! Planner tab's curves, grid and Pareto front).

pub mod compare;
pub mod costs;
pub mod plan;
pub mod table;

use crate::report::{Band, Flow, FlowSeries, RunReport};
use crate::scenario::file::{ClockFile, EventFile, LoadFile, PatternFile};
use crate::scenario::model::{Pattern, Spike, spike_factor_at};

/// A line with its 95 % band, x in minutes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BandLine {
    /// Mean points.
    pub mean: Vec<[f64; 2]>,
    /// Lower edge of the band.
    pub lower: Vec<f64>,
    /// Upper edge of the band.
    pub upper: Vec<f64>,
    /// X of every point (minutes).
    pub x: Vec<f64>,
}

impl BandLine {
    /// From a report band and the x axis.
    pub fn new(x: &[f64], band: &Band) -> Self {
        Self {
            mean: x.iter().zip(&band.mean).map(|(x, y)| [*x, *y]).collect(),
            lower: band.mean.iter().zip(&band.ci95).map(|(m, c)| (m - c).max(0.0)).collect(),
            upper: band.mean.iter().zip(&band.ci95).map(|(m, c)| m + c).collect(),
            x: x.to_vec(),
        }
    }

    /// Largest upper value (for axis bounds).
    pub fn max(&self) -> f64 {
        self.upper.iter().copied().fold(0.0, f64::max)
    }

    /// The same line with every value multiplied by `factor` (e.g. a
    /// fraction drawn against another axis).
    pub fn scaled(&self, factor: f64) -> Self {
        Self {
            mean: self.mean.iter().map(|[x, y]| [*x, y * factor]).collect(),
            lower: self.lower.iter().map(|v| v * factor).collect(),
            upper: self.upper.iter().map(|v| v * factor).collect(),
            x: self.x.clone(),
        }
    }

    /// True when every point and its band are zero (nothing to draw).
    pub fn is_all_zero(&self) -> bool {
        self.upper.iter().all(|v| v.abs() < 1e-12) && self.mean.iter().all(|p| p[1].abs() < 1e-12)
    }

    /// True when two lines have the same points (within `rel` of the
    /// larger value).
    pub fn same_as(&self, other: &BandLine, rel: f64) -> bool {
        self.mean.len() == other.mean.len()
            && self.mean.iter().zip(&other.mean).all(|(a, b)| {
                (a[0] - b[0]).abs() < 1e-9 && (a[1] - b[1]).abs() <= rel * a[1].abs().max(b[1].abs()).max(1e-9)
            })
    }
}

/// The flows of one tier, tenant or the total, ready to plot.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FlowLines {
    /// Tier name, tenant id or `all`.
    pub name: String,
    /// Requests per second of each flow, in [`Flow::ALL`] order.
    flows: [BandLine; 6],
    /// p99 latency, ms.
    pub p99_ms: BandLine,
    /// Mean latency by layer, ms, in [`LATENCY_LAYERS`] order.
    pub layers: [BandLine; 4],
    /// Its messages waiting in the queue layer (empty without one).
    pub queue_depth: BandLine,
}

/// The layers of a mean latency, in [`FlowLines::layers`] order (that of
/// the layer colours the Costs tab uses).
pub const LATENCY_LAYERS: [&str; 4] = ["gateway", "queue", "compute", "database"];

impl FlowLines {
    fn new(x: &[f64], series: &FlowSeries) -> Self {
        let l = &series.latency_by_layer;
        Self {
            name: series.name.clone(),
            flows: Flow::ALL.map(|flow| BandLine::new(x, series.band(flow))),
            p99_ms: BandLine::new(x, &series.p99_ms),
            layers: [&l.gateway_ms, &l.queue_ms, &l.compute_ms, &l.database_ms].map(|band| BandLine::new(x, band)),
            queue_depth: BandLine::new(x, &series.queue_depth),
        }
    }

    /// True when a layer other than compute added latency.
    pub fn layered(&self) -> bool {
        self.layers.iter().enumerate().any(|(k, line)| k != 2 && !line.is_all_zero())
    }

    /// Requests per second of `flow`.
    pub fn line(&self, flow: Flow) -> &BandLine {
        &self.flows[flow.index()]
    }
}

/// An event's window on the timelines, in minutes.
#[derive(Debug, Clone, PartialEq)]
pub struct EventSpan {
    /// Its label, e.g. `smb-00 ×20`.
    pub label: String,
    /// Start, minutes from the beginning of the run.
    pub start_min: f64,
    /// End, minutes.
    pub end_min: f64,
    /// A tenant's spike (else a capacity loss).
    pub spike: bool,
}

/// A tier's p99 objective.
#[derive(Debug, Clone, PartialEq)]
pub struct Slo {
    /// Tier name.
    pub tier: String,
    /// Its p99 latency objective, ms.
    pub p99_ms: f64,
}

/// One design's plot data.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DesignLines {
    /// Design name.
    pub name: String,
    /// All tenants.
    pub total: FlowLines,
    /// Per tier.
    pub tiers: Vec<FlowLines>,
    /// Per followed tenant.
    pub tenants: Vec<FlowLines>,
    /// Compute instances.
    pub instances: BandLine,
    /// Compute utilisation (0–1).
    pub utilisation: BandLine,
    /// Messages waiting in the queue layer at each point's end.
    pub queue_depth: BandLine,
    /// Age of the oldest of them, seconds.
    pub oldest_message: BandLine,
    /// Connections held to the relational database at each point's end.
    pub db_connections: BandLine,
    /// Its vCPU utilisation (0–1).
    pub db_utilisation: BandLine,
    /// Connections its stacks accept in all (0 without one).
    pub db_connection_limit: f64,
}

/// A finished report with its plot data.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    /// The report.
    pub report: RunReport,
    /// Per design, in report order.
    pub designs: Vec<DesignLines>,
    /// Event windows, in report order.
    pub events: Vec<EventSpan>,
    /// True when every design was offered the same traffic (common random
    /// numbers), so timelines draw the offered load once.
    pub offered_shared: bool,
    /// Rows of the design comparison, the "during the spike" block last.
    pub compare: Vec<compare::CompareRow>,
    /// Cost bars.
    pub costs: costs::CostBars,
    /// A first look at a few of the scenario's replications, which the
    /// results of all of them follow (views keep their layout for those).
    pub first_look: bool,
}

impl Prepared {
    /// Prepares a report for plotting.
    pub fn new(report: RunReport) -> Self {
        let designs: Vec<DesignLines> = report
            .designs
            .iter()
            .map(|d| {
                let x: Vec<f64> = d.series.t_secs.iter().map(|t| (t + 0.5 * d.series.interval_secs) / 60.0).collect();
                DesignLines {
                    name: d.name.clone(),
                    total: FlowLines::new(&x, &d.series.total),
                    tiers: d.series.tiers.iter().map(|f| FlowLines::new(&x, f)).collect(),
                    tenants: d.series.tenants.iter().map(|f| FlowLines::new(&x, f)).collect(),
                    instances: BandLine::new(&x, &d.series.instances),
                    utilisation: BandLine::new(&x, &d.series.utilisation),
                    queue_depth: BandLine::new(&x, &d.series.queue_depth),
                    oldest_message: BandLine::new(&x, &d.series.oldest_message_secs),
                    db_connections: BandLine::new(&x, &d.series.db_connections),
                    db_utilisation: BandLine::new(&x, &d.series.db_utilisation),
                    db_connection_limit: d.series.db_connection_limit,
                }
            })
            .collect();
        let events = report
            .events
            .iter()
            .map(|e| EventSpan {
                label: e.label.clone(),
                start_min: e.start_secs / 60.0,
                end_min: e.end_secs / 60.0,
                spike: e.kind == "spike",
            })
            .collect();
        let offered_shared = offered_shared(&designs);
        let mut compare = compare::compare_rows(&report);
        compare.extend(compare::window_rows(&report));
        let costs = costs::cost_bars(&report);
        Self { report, designs, events, offered_shared, compare, costs, first_look: false }
    }

    /// Prepares the report of a first look at a few replications.
    pub fn first_look(report: RunReport) -> Self {
        Self { first_look: true, ..Self::new(report) }
    }

    /// Run length in minutes.
    pub fn duration_minutes(&self) -> f64 {
        self.report.duration_secs / 60.0
    }

    /// The p99 objective a timeline of `scope` is held to: the tier's, the
    /// selected tenant's tier's, or for all tenants (and every tenant
    /// overlaid with none selected) the strictest (with the tier's name).
    pub fn slo_for(&self, scope: &crate::app::Scope, tenant: Option<&str>) -> Option<Slo> {
        let tiers = &self.report.tiers;
        let slo = |k: usize| self.report.tier_slo_p99_ms.get(k).map(|ms| Slo { tier: tiers[k].clone(), p99_ms: *ms });
        match scope {
            crate::app::Scope::All => (0..tiers.len())
                .filter_map(slo)
                .filter(|s| s.p99_ms.is_finite() && s.p99_ms > 0.0)
                .min_by(|a, b| a.p99_ms.total_cmp(&b.p99_ms)),
            crate::app::Scope::Tier(k) => slo(*k),
            crate::app::Scope::Tenant => {
                let tier = self.report.designs.first()?.tenant(tenant?)?.tier.clone();
                slo(tiers.iter().position(|t| *t == tier)?)
            }
            // The selected tenant's objective, else the strictest.
            crate::app::Scope::EachTenant => match tenant {
                Some(_) => self.slo_for(&crate::app::Scope::Tenant, tenant),
                None => self.slo_for(&crate::app::Scope::All, None),
            },
        }
    }
}

/// The smallest of 1, 2, 2.5, 4 or 5 × 10^k that is at least `value`: an
/// axis top whose grid lines (at multiples of powers of ten) fall on round
/// percentages of it.
pub fn nice_axis_top(value: f64) -> f64 {
    if !value.is_finite() || value <= 0.0 {
        return 1.0;
    }
    let decade = 10f64.powf(value.log10().floor());
    [1.0, 2.0, 2.5, 4.0, 5.0, 10.0]
        .iter()
        .map(|m| m * decade)
        .find(|top| *top >= value * (1.0 - 1e-12))
        .unwrap_or(10.0 * decade)
}

/// The step between labelled ticks of a value axis: the smallest 1, 2,
/// 2.5 or 5 × 10^k that is at least `min_step` and that `accept` takes
/// (egui_plot's own grid steps only by powers of ten, which on a short
/// plot can leave a lone "0": the next power of ten is already past the
/// top while the one below packs the labels too close to draw).
pub fn tick_step(min_step: f64, accept: impl Fn(f64) -> bool) -> f64 {
    if !(min_step.is_finite() && min_step > 0.0) {
        return 1.0;
    }
    let mut decade = 10f64.powf(min_step.log10().floor());
    for _ in 0..40 {
        for mantissa in [1.0, 2.0, 2.5, 5.0] {
            let step = mantissa * decade;
            if step >= min_step * (1.0 - 1e-9) && accept(step) {
                return step;
            }
        }
        decade *= 10.0;
    }
    decade
}

/// `step` divided by its power of ten: 1 ≤ mantissa < 10.
fn mantissa(step: f64) -> f64 {
    step / 10f64.powf(step.log10().floor())
}

/// True for steps of 1, 2 or 5 × 10^k, the usual round ticks.
pub fn is_round_step(step: f64) -> bool {
    let m = mantissa(step);
    [1.0, 2.0, 5.0, 10.0].iter().any(|r| (m - r).abs() < 1e-6)
}

/// A grid line of a value axis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tick {
    /// Where it is.
    pub value: f64,
    /// The step it belongs to: the labelled step for a labelled tick, the
    /// finer step for the lines between.
    pub step: f64,
}

/// Grid lines from `low` to `high`: every multiple of `step` (the labelled
/// ticks) and the finer lines between them (a fifth of a step, a quarter
/// for steps of 2 × 10^k). Empty for an unusable range.
pub fn tick_marks(low: f64, high: f64, step: f64) -> Vec<Tick> {
    let minor = if (mantissa(step) - 2.0).abs() < 1e-6 { step / 4.0 } else { step / 5.0 };
    if !(low.is_finite() && high.is_finite() && step > 0.0) || high < low || (high - low) / minor > 10_000.0 {
        return Vec::new();
    }
    let (first, last) = ((low / minor).ceil() as i64, (high / minor).floor() as i64);
    (first..=last)
        .map(|k| {
            let value = k as f64 * minor;
            let steps = value / step;
            let major = (steps - steps.round()).abs() < 1e-6;
            Tick { value, step: if major { step } else { minor } }
        })
        .collect()
}

/// True when every design's offered load matches the first design's.
fn offered_shared(designs: &[DesignLines]) -> bool {
    designs.split_first().is_some_and(|(first, rest)| {
        rest.iter().all(|d| {
            let same = |a: &FlowLines, b: &FlowLines| a.line(Flow::Offered).same_as(b.line(Flow::Offered), 1e-9);
            same(&d.total, &first.total)
                && d.tiers.len() == first.tiers.len()
                && d.tiers.iter().zip(&first.tiers).all(|(a, b)| same(a, b))
        })
    })
}

/// A multiplier (pattern or spike factor) as the resolver reads it, its
/// errors replaced by the resolver's own fallbacks: negative or not a
/// number counts as 0, over 10,000 as 1.
fn lenient_multiplier(value: f64) -> f64 {
    match value {
        v if !v.is_finite() || v < 0.0 => 0.0,
        v if v > 10_000.0 => 1.0,
        v => v,
    }
}

/// The pattern a file's load would resolve to, read leniently so that
/// previews draw while the user is still typing: each value the resolver
/// would reject becomes the value it falls back to itself (a malformed
/// on/off period counts as one second, a malformed ramp length as none).
/// For a valid pattern this is exactly the resolved one (tested against
/// `scenario::resolve`).
fn lenient_pattern(pattern: &PatternFile) -> Pattern {
    let positive_secs = |d: &crate::units::DurationText| d.secs().ok().filter(|s| *s > 0.0).unwrap_or(1.0);
    match pattern {
        PatternFile::Constant => Pattern::Constant,
        PatternFile::Diurnal { peak_hour, amplitude } => Pattern::Diurnal {
            peak_hour: if peak_hour.is_finite() { peak_hour.max(0.0) } else { 0.0 },
            amplitude: if amplitude.is_finite() { amplitude.clamp(0.0, 1.0) } else { 0.0 },
        },
        PatternFile::Bursty { on, off, factor } => Pattern::Bursty {
            on_secs: positive_secs(on),
            off_secs: positive_secs(off),
            factor: lenient_multiplier(*factor),
        },
        PatternFile::Ramp { to_factor, over } => {
            Pattern::Ramp { to_factor: lenient_multiplier(*to_factor), over_secs: over.secs().unwrap_or(0.0) }
        }
    }
}

/// The spikes of `events` on any of `tenant_ids`, as the model's
/// [`Spike`]s of one tenant (index 0, the tenant previewed), each window
/// ending with the run as the resolver ends it. Spikes with a malformed
/// start or length are left out.
fn preview_spikes(events: &[EventFile], tenant_ids: &[&str], duration_secs: f64) -> Vec<Spike> {
    events
        .iter()
        .filter_map(|e| match e {
            EventFile::Spike { tenant, at, duration, factor } if tenant_ids.contains(&tenant.as_str()) => {
                let start_secs = at.secs().ok()?;
                let length_secs = duration.secs().ok().filter(|s| *s > 0.0)?;
                let end_secs = (start_secs + length_secs).min(duration_secs);
                Some(Spike { tenant: 0, start_secs, end_secs, factor: lenient_multiplier(*factor) })
            }
            _ => None,
        })
        .collect()
}

/// Points of a tenant's offered rate over the run (req/s against
/// minutes), with the spikes of any of `tenant_ids`, for the small
/// preview in the tenant table: the base rate times the pattern's and the
/// spikes' factors, by the model's own rules.
pub fn load_preview(
    load: &LoadFile,
    clock: &ClockFile,
    events: &[EventFile],
    tenant_ids: &[&str],
    points: usize,
) -> Vec<[f64; 2]> {
    let duration_secs = clock.duration.secs().unwrap_or(3600.0).clamp(1.0, 1e9);
    let pattern = lenient_pattern(&load.pattern);
    let spikes = preview_spikes(events, tenant_ids, duration_secs);
    let n = points.max(2);
    (0..n)
        .map(|i| {
            let t = duration_secs * i as f64 / (n - 1) as f64;
            let factor = pattern.factor_at(t, clock.start_hour) * spike_factor_at(&spikes, 0, t);
            [t / 60.0, load.rate.max(0.0) * factor]
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::scenario::{self, Limits};

    /// The bundled noisy-neighbour example's report (run once per test
    /// binary).
    pub(crate) fn noisy_report() -> RunReport {
        static REPORT: std::sync::OnceLock<RunReport> = std::sync::OnceLock::new();
        REPORT
            .get_or_init(|| {
                let (_, scenario) = scenario::load_str(crate::bundled::DEFAULT.text, &Limits::default())
                    .unwrap_or_else(|e| panic!("{e}"));
                let options = crate::sim::RunOptions { threads: Some(2), ..Default::default() };
                crate::sim::run(&scenario, &options, &crate::sim::RunControl::new()).unwrap_or_else(|e| panic!("{e}"))
            })
            .clone()
    }

    /// The noisy-neighbour example, prepared.
    pub(crate) fn noisy_prepared() -> Prepared {
        Prepared::new(noisy_report())
    }

    #[test]
    fn axis_tops_are_round() {
        assert_eq!(nice_axis_top(17.0), 20.0);
        assert_eq!(nice_axis_top(20.0), 20.0);
        assert_eq!(nice_axis_top(21.0), 25.0);
        assert_eq!(nice_axis_top(27.0), 40.0);
        assert_eq!(nice_axis_top(0.3), 0.4);
        assert_eq!(nice_axis_top(51.0), 100.0);
        assert_eq!(nice_axis_top(0.0), 1.0);
        assert_eq!(nice_axis_top(f64::NAN), 1.0);
    }

    #[test]
    fn ticks_step_by_round_numbers_far_enough_apart() {
        // The hot-partition latency plot in presenter mode: about 750 ms in
        // 150 points; labels at least 30 points apart need 150 ms steps.
        let step = tick_step(750.0 / 150.0 * 30.0, is_round_step);
        assert_eq!(step, 200.0);
        let majors: Vec<f64> =
            tick_marks(-20.0, 760.0, step).into_iter().filter(|t| t.step == step).map(|t| t.value).collect();
        assert_eq!(majors, vec![0.0, 200.0, 400.0, 600.0]);
        assert_eq!(tick_marks(0.0, 100.0, 20.0).len(), 21, "quarters of a 2 × 10^k step");
        assert_eq!(tick_step(0.3, is_round_step), 0.5);
        assert_eq!(tick_step(3.0, is_round_step), 5.0);
        assert_eq!(tick_step(0.0, is_round_step), 1.0);
        assert!(is_round_step(0.02) && is_round_step(5000.0) && !is_round_step(25.0));
        // Round percentages of a 40-instance axis: 2 (5 %), not 1 (2.5 %).
        let top = 40.0;
        let percent = |s: f64| (s / top * 100.0 - (s / top * 100.0).round()).abs() < 1e-6;
        assert_eq!(tick_step(0.9, percent), 2.0);
        assert_eq!(tick_step(4.1, percent), 10.0);
        assert!(tick_marks(0.0, f64::NAN, 1.0).is_empty());
    }

    #[test]
    fn scaling_a_band_scales_every_edge() {
        let band = crate::report::Band { mean: vec![0.5, 1.0], ci95: vec![0.1, 0.0] };
        let line = BandLine::new(&[1.0, 2.0], &band).scaled(20.0);
        assert_eq!(line.mean, vec![[1.0, 10.0], [2.0, 20.0]]);
        assert!((line.lower[0] - 8.0).abs() < 1e-9 && (line.upper[0] - 12.0).abs() < 1e-9);
        assert_eq!(line.x, vec![1.0, 2.0]);
    }

    #[test]
    fn designs_share_the_offered_load_and_the_slo_follows_the_scope() {
        let p = noisy_prepared();
        assert!(p.offered_shared, "common random numbers: same offered load in every design");
        let premium = p.report.tiers.iter().position(|t| t == "premium").unwrap_or(0);
        assert_eq!(p.slo_for(&crate::app::Scope::All, None), Some(Slo { tier: "premium".to_owned(), p99_ms: 150.0 }));
        let ms = |slo: Option<Slo>| slo.map(|s| s.p99_ms);
        assert_eq!(ms(p.slo_for(&crate::app::Scope::Tier(premium), None)), Some(150.0));
        assert_eq!(ms(p.slo_for(&crate::app::Scope::Tenant, Some("smb-03"))), Some(300.0));
        assert_eq!(p.slo_for(&crate::app::Scope::Tenant, None), None);
        assert_eq!(ms(p.slo_for(&crate::app::Scope::EachTenant, Some("smb-03"))), Some(300.0));
        assert_eq!(ms(p.slo_for(&crate::app::Scope::EachTenant, None)), Some(150.0));
        let pool = &p.designs[0];
        // Each line carries the report's per-second rates: summed over the
        // intervals they give the report's totals, and a line is "all zero"
        // exactly when nothing of that flow happened in the run.
        let design = &p.report.designs[0];
        let interval_secs = design.series.interval_secs;
        let count = |line: &BandLine| line.mean.iter().map(|q| q[1] * interval_secs).sum::<f64>();
        for (flow, total) in [
            (Flow::Offered, design.totals.offered.mean),
            (Flow::Throttled, design.totals.throttled.mean),
            (Flow::Served, design.totals.served.mean),
        ] {
            let line = pool.total.line(flow);
            assert_eq!(line.mean.len(), design.series.t_secs.len(), "{flow:?}: one point per interval");
            assert!((count(line) - total).abs() <= 1e-6 * total.max(1.0), "{flow:?}: {} vs {total}", count(line));
            assert_eq!(line.is_all_zero(), total == 0.0, "{flow:?}");
        }
        assert!(!pool.total.line(Flow::Offered).is_all_zero());
        assert_eq!(pool.tenants.len(), 17, "small scenarios follow every tenant");
        // The spike window is in minutes and the pool's p99 rises inside it.
        let EventSpan { start_min: start, end_min: end, spike, .. } = p.events[0].clone();
        assert!(spike && (start - 20.0).abs() < 1e-9 && (end - 30.0).abs() < 1e-9);
        let p99_at = |lo: f64, hi: f64| {
            let v: Vec<f64> = pool.total.p99_ms.mean.iter().filter(|q| q[0] > lo && q[0] < hi).map(|q| q[1]).collect();
            v.iter().sum::<f64>() / v.len().max(1) as f64
        };
        assert!(p99_at(start, end) > 1.5 * p99_at(40.0, 60.0), "p99 rises during the spike in the pool");
    }

    #[test]
    fn the_preview_reads_a_valid_pattern_as_the_resolver_does() {
        use crate::units::DurationText;
        let mut file =
            scenario::parse_str(crate::bundled::DEFAULT.text, &Limits::default()).unwrap_or_else(|e| panic!("{e}"));
        let patterns = [
            PatternFile::Constant,
            PatternFile::Diurnal { peak_hour: 14.0, amplitude: 0.4 },
            PatternFile::Bursty { on: DurationText::new("30s"), off: DurationText::new("2m"), factor: 3.0 },
            PatternFile::Ramp { to_factor: 2.5, over: DurationText::new("20m") },
            PatternFile::Ramp { to_factor: 4.0, over: DurationText::new("0s") },
        ];
        for pattern in patterns {
            let crate::scenario::file::TenantEntryFile::Tenant { load, .. } = &mut file.tenants[0] else {
                panic!("the example starts with a tenant")
            };
            load.pattern = pattern.clone();
            let resolved = scenario::resolve::resolve(&file, &Limits::default()).unwrap_or_else(|e| panic!("{e:?}"));
            assert_eq!(lenient_pattern(&pattern), resolved.tenants[0].load.pattern, "{pattern:?}");
        }
        // While the user types: the resolver's own fallbacks.
        let typing = PatternFile::Bursty { on: DurationText::new("3"), off: DurationText::new("x"), factor: -2.0 };
        assert_eq!(lenient_pattern(&typing), Pattern::Bursty { on_secs: 3.0, off_secs: 1.0, factor: 0.0 });
    }

    #[test]
    fn preview_spikes_end_with_the_run_and_multiply() {
        use crate::units::DurationText;
        let spike = |tenant: &str, at: &str, duration: &str, factor: f64| EventFile::Spike {
            tenant: tenant.into(),
            at: DurationText::new(at),
            duration: DurationText::new(duration),
            factor,
        };
        let events = [
            spike("a", "10m", "1h", 3.0),
            spike("b", "15m", "5m", 2.0),
            spike("c", "0s", "1h", 5.0),
            spike("a", "?", "1m", 9.0),
        ];
        let spikes = preview_spikes(&events, &["a", "b"], 1800.0);
        assert_eq!(spikes.len(), 2, "c is another tenant's, the malformed one is left out");
        assert_eq!(spikes[0].end_secs, 1800.0, "ends with the run");
        assert_eq!(spike_factor_at(&spikes, 0, 16.0 * 60.0), 6.0, "overlapping spikes multiply");
        assert_eq!(spike_factor_at(&spikes, 0, 1800.0), 1.0, "over at the run's end");
    }

    #[test]
    fn preview_shows_the_spike_and_the_pattern() {
        let file =
            scenario::parse_str(crate::bundled::DEFAULT.text, &Limits::default()).unwrap_or_else(|e| panic!("{e}"));
        let crate::scenario::file::TenantEntryFile::Group { load, .. } = &file.tenants[2] else { panic!("group") };
        let points = load_preview(load, &file.clock, &file.events, &["smb-00"], 121);
        assert_eq!(points.len(), 121);
        let max = points.iter().map(|p| p[1]).fold(0.0, f64::max);
        assert!((max - 200.0).abs() < 1e-9, "spike ×20 of 10 req/s: {max}");
        let quiet = load_preview(load, &file.clock, &file.events, &["smb-01"], 121);
        assert!(quiet.iter().all(|p| (p[1] - 10.0).abs() < 1e-9));
    }
}
