//! Mergeable latency histograms on a fixed logarithmic grid.
//!
//! Bins grow by 2 % from 0.05 ms to 1,000 s, so a percentile read from a
//! histogram is within a fraction of a bin of the true value. Histograms
//! hold probability mass (weights may be fractional: the engine adds whole
//! distributions, not samples) and merge by adding bins. A coarse variant
//! groups five fine bins (≈10 % wide) for time series and event windows.

use std::sync::OnceLock;

use crate::queueing::WaitState;
use crate::scenario::model::ServiceTime;

/// Lower edge of the first logarithmic bin, ms.
pub const MIN_MS: f64 = 0.05;
/// Upper edge of the last logarithmic bin, ms.
pub const MAX_MS: f64 = 1e6;
/// Width ratio of one fine bin.
pub const BIN_RATIO: f64 = 1.02;
/// Fine bins grouped into one coarse bin.
pub const COARSE_GROUP: usize = 5;

/// Number of fine bins: one below `MIN_MS`, the logarithmic bins and one
/// overflow bin above `MAX_MS`.
pub fn fine_bins() -> usize {
    edges_ms().len() + 1
}

/// Number of coarse bins.
pub fn coarse_bins() -> usize {
    fine_bins().div_ceil(COARSE_GROUP)
}

/// Edges between fine bins, ms (edge `k` is the upper edge of bin `k`).
pub fn edges_ms() -> &'static [f64] {
    static EDGES: OnceLock<Vec<f64>> = OnceLock::new();
    EDGES.get_or_init(|| {
        let n = ((MAX_MS / MIN_MS).ln() / BIN_RATIO.ln()).ceil() as usize;
        (0..=n).map(|k| MIN_MS * BIN_RATIO.powi(k as i32)).collect()
    })
}

/// A latency distribution over a grid of bins, with merging and quantiles.
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    group: usize,
    mass: Vec<f64>,
}

impl Histogram {
    /// An empty fine histogram.
    pub fn fine() -> Self {
        Self { group: 1, mass: vec![0.0; fine_bins()] }
    }

    /// An empty coarse histogram.
    pub fn coarse() -> Self {
        Self { group: COARSE_GROUP, mass: vec![0.0; coarse_bins()] }
    }

    /// Total weight held.
    pub fn total(&self) -> f64 {
        self.mass.iter().sum()
    }

    /// Adds `weight` times a probability mass function on the same grid.
    pub fn add_pmf(&mut self, pmf: &[f64], weight: f64) {
        for (m, p) in self.mass.iter_mut().zip(pmf) {
            *m += weight * p;
        }
    }

    /// Adds another histogram of the same grid.
    pub fn merge(&mut self, other: &Histogram) {
        debug_assert_eq!(self.group, other.group);
        self.add_pmf(&other.mass, 1.0);
    }

    /// Empties the histogram.
    pub fn clear(&mut self) {
        self.mass.iter_mut().for_each(|m| *m = 0.0);
    }

    fn lower_edge_ms(&self, bin: usize) -> f64 {
        if bin == 0 { 0.0 } else { edges_ms()[(bin * self.group - 1).min(edges_ms().len() - 1)] }
    }

    fn upper_edge_ms(&self, bin: usize) -> Option<f64> {
        edges_ms().get((bin + 1) * self.group - 1).copied()
    }

    /// The latency at probability `q` (0–1), ms; 0 when empty.
    ///
    /// Interpolates geometrically inside the bin that holds the quantile.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        let total = self.total();
        if total <= 0.0 {
            return 0.0;
        }
        let target = q.clamp(0.0, 1.0) * total;
        let mut cumulative = 0.0;
        let last = self.mass.iter().rposition(|&m| m > 0.0).unwrap_or(0);
        for (bin, &m) in self.mass.iter().enumerate() {
            if m > 0.0 && (cumulative + m >= target || bin == last) {
                let fraction = ((target - cumulative) / m).clamp(0.0, 1.0);
                let lo = self.lower_edge_ms(bin);
                return match self.upper_edge_ms(bin) {
                    Some(hi) if lo > 0.0 => lo * (hi / lo).powf(fraction),
                    Some(hi) => hi * fraction,
                    None => lo,
                };
            }
            cumulative += m;
        }
        0.0
    }
}

/// The fine probability mass function of one tick's latency distribution.
pub fn latency_pmf(state: &WaitState, service: &ServiceTime) -> Vec<f64> {
    let edges = edges_ms();
    let mut pmf = Vec::with_capacity(edges.len() + 1);
    let mut previous = 0.0;
    for &edge in edges {
        let cdf = state.latency_cdf(service, edge / 1000.0).max(previous);
        pmf.push(cdf - previous);
        previous = cdf;
    }
    pmf.push((1.0 - previous).max(0.0));
    pmf
}

/// Groups a fine pmf into the coarse grid.
pub fn coarsen(fine: &[f64]) -> Vec<f64> {
    fine.chunks(COARSE_GROUP).map(|c| c.iter().sum()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_of_an_analytic_distribution_are_within_half_a_percent() {
        let service = ServiceTime::Exponential { mean_secs: 0.02 };
        let state = WaitState::stationary(8, 350.0, &service, 0.0);
        let mut h = Histogram::fine();
        h.add_pmf(&latency_pmf(&state, &service), 1000.0);
        assert!((h.total() - 1000.0).abs() < 1e-6);
        for q in [0.5, 0.95, 0.99] {
            let exact = state.latency_quantile_secs(&service, q) * 1e3;
            let got = h.quantile_ms(q);
            assert!((got - exact).abs() / exact < 0.005, "q={q}: {got} vs {exact}");
        }
        let mut coarse = Histogram::coarse();
        coarse.add_pmf(&coarsen(&latency_pmf(&state, &service)), 1.0);
        let exact = state.latency_quantile_secs(&service, 0.99) * 1e3;
        assert!((coarse.quantile_ms(0.99) - exact).abs() / exact < 0.05);
    }

    #[test]
    fn merge_adds_mass_and_empty_is_zero() {
        let mut a = Histogram::fine();
        assert_eq!(a.quantile_ms(0.99), 0.0);
        let mut pmf = vec![0.0; fine_bins()];
        pmf[100] = 1.0;
        a.add_pmf(&pmf, 2.0);
        let mut b = Histogram::fine();
        b.add_pmf(&pmf, 3.0);
        a.merge(&b);
        assert!((a.total() - 5.0).abs() < 1e-12);
        let q = a.quantile_ms(0.5);
        assert!(q >= edges_ms()[99] && q <= edges_ms()[100]);
    }
}
