//! Plot-ready data prepared once per finished run (pure functions, no
//! egui): timelines as `[x, y]` points in minutes with confidence bands,
//! and load-profile previews for the tenant editor. Nothing here runs
//! while drawing.

use crate::report::{Band, FlowSeries, RunReport};
use crate::scenario::file::{ClockFile, EventFile, LoadFile, PatternFile};
use crate::scenario::model::Pattern;

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
}

/// The flows of one tier, tenant or the total, ready to plot.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FlowLines {
    /// Tier name, tenant id or `all`.
    pub name: String,
    /// Offered requests/s.
    pub offered: BandLine,
    /// Admitted requests/s.
    pub admitted: BandLine,
    /// Throttled requests/s.
    pub throttled: BandLine,
    /// Dropped requests/s.
    pub dropped: BandLine,
    /// Served requests/s.
    pub served: BandLine,
    /// p99 latency, ms.
    pub p99_ms: BandLine,
}

impl FlowLines {
    fn new(x: &[f64], flow: &FlowSeries) -> Self {
        Self {
            name: flow.name.clone(),
            offered: BandLine::new(x, &flow.offered_per_sec),
            admitted: BandLine::new(x, &flow.admitted_per_sec),
            throttled: BandLine::new(x, &flow.throttled_per_sec),
            dropped: BandLine::new(x, &flow.dropped_per_sec),
            served: BandLine::new(x, &flow.served_per_sec),
            p99_ms: BandLine::new(x, &flow.p99_ms),
        }
    }
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
}

/// A finished report with its plot data.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    /// The report.
    pub report: RunReport,
    /// Per design, in report order.
    pub designs: Vec<DesignLines>,
    /// Event windows in minutes: (label, start, end, is spike).
    pub events: Vec<(String, f64, f64, bool)>,
}

impl Prepared {
    /// Prepares a report for plotting.
    pub fn new(report: RunReport) -> Self {
        let designs = report
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
                }
            })
            .collect();
        let events = report
            .events
            .iter()
            .map(|e| (e.label.clone(), e.start_secs / 60.0, e.end_secs / 60.0, e.kind == "spike"))
            .collect();
        Self { report, designs, events }
    }
}

/// The multiplier of a pattern as written in a file, read leniently (a
/// malformed duration counts as one second) so previews draw while the
/// user is still typing.
fn lenient_pattern(pattern: &PatternFile) -> Pattern {
    let secs = |d: &crate::units::DurationText| d.secs().unwrap_or(1.0).max(1e-3);
    match pattern {
        PatternFile::Constant => Pattern::Constant,
        PatternFile::Diurnal { peak_hour, amplitude } => {
            Pattern::Diurnal { peak_hour: *peak_hour, amplitude: amplitude.clamp(0.0, 1.0) }
        }
        PatternFile::Bursty { on, off, factor } => {
            Pattern::Bursty { on_secs: secs(on), off_secs: secs(off), factor: factor.max(0.0) }
        }
        PatternFile::Ramp { to_factor, over } => Pattern::Ramp { to_factor: to_factor.max(0.0), over_secs: secs(over) },
    }
}

/// Points of a tenant's offered rate over the run (req/s against
/// minutes), with its spikes, for the small preview in the tenant table.
pub fn load_preview(load: &LoadFile, clock: &ClockFile, events: &[EventFile], tenant_ids: &[&str], points: usize) -> Vec<[f64; 2]> {
    let duration = clock.duration.secs().unwrap_or(3600.0).clamp(1.0, 1e9);
    let pattern = lenient_pattern(&load.pattern);
    let spikes: Vec<(f64, f64, f64)> = events
        .iter()
        .filter_map(|e| match e {
            EventFile::Spike { tenant, at, duration, factor } if tenant_ids.contains(&tenant.as_str()) => {
                let start = at.secs().ok()?;
                Some((start, start + duration.secs().ok()?, *factor))
            }
            _ => None,
        })
        .collect();
    let n = points.max(2);
    (0..n)
        .map(|i| {
            let t = duration * i as f64 / (n - 1) as f64;
            let spike: f64 = spikes.iter().filter(|(s, e, _)| t >= *s && t < *e).map(|(_, _, f)| f).product();
            [t / 60.0, load.rate.max(0.0) * pattern.factor_at(t, clock.start_hour) * spike]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{self, Limits};

    #[test]
    fn preview_shows_the_spike_and_the_pattern() {
        let file = scenario::parse_str(crate::bundled::DEFAULT.text, &Limits::default()).unwrap_or_else(|e| panic!("{e}"));
        let crate::scenario::file::TenantEntryFile::Group { load, .. } = &file.tenants[2] else { panic!("group") };
        let points = load_preview(load, &file.clock, &file.events, &["smb-00"], 121);
        assert_eq!(points.len(), 121);
        let max = points.iter().map(|p| p[1]).fold(0.0, f64::max);
        assert!((max - 200.0).abs() < 1e-9, "spike ×20 of 10 req/s: {max}");
        let quiet = load_preview(load, &file.clock, &file.events, &["smb-01"], 121);
        assert!(quiet.iter().all(|p| (p[1] - 10.0).abs() < 1e-9));
    }
}
