//! Mergeable latency histograms on a fixed logarithmic grid.
//!
//! Bins grow by 2 % from 0.05 ms to 100,000 s (past the longest latency a
//! valid scenario can report: an hour's wait plus a ten-minute lognormal
//! service time's p99), so a percentile read from a histogram is within a
//! fraction of a bin of the true value (below 0.05 ms, within 0.05 ms). Histograms
//! hold probability mass (weights may be fractional: the engine adds whole
//! distributions, not samples) and merge by adding bins. A coarse variant
//! groups five fine bins (≈10 % wide) for time series points.

use std::sync::OnceLock;

use crate::queueing::WaitState;
use crate::scenario::model::ServiceTime;

/// Lower edge of the first logarithmic bin, ms.
pub const MIN_MS: f64 = 0.05;
/// Upper edge of the last logarithmic bin, ms.
pub const MAX_MS: f64 = 1e8;
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

/// Mantissa bits a [`fine_bin`] lookup cell spans (cells of about 0.4 %,
/// finer than a bin's 2 %).
const CELL_BITS: u32 = 8;

/// Binary exponent of [`MIN_MS`], rounded down.
fn min_exponent() -> i64 {
    MIN_MS.log2().floor() as i64
}

/// For each lookup cell (binary exponent from [`min_exponent`], then the
/// mantissa's top [`CELL_BITS`] bits), the number of edges at or below the
/// cell's lower end.
fn bin_cells() -> &'static [u16] {
    static CELLS: OnceLock<Vec<u16>> = OnceLock::new();
    CELLS.get_or_init(|| {
        let edges = edges_ms();
        let octaves = (MAX_MS / MIN_MS).log2().ceil() as i64 + 2;
        let per = 1u64 << CELL_BITS;
        let mut cells = Vec::with_capacity((octaves as u64 * per) as usize);
        for e in 0..octaves {
            for m in 0..per {
                let low = 2f64.powi((min_exponent() + e) as i32) * (1.0 + m as f64 / per as f64);
                cells.push(edges.partition_point(|&edge| edge <= low).min(u16::MAX as usize) as u16);
            }
        }
        cells
    })
}

/// The fine bin of a latency of `ms` milliseconds: 0 below [`MIN_MS`], `k`
/// for `[edge k−1, edge k)`, the last bin above [`MAX_MS`]. A table lookup
/// on the float's exponent and top mantissa bits, then at most a step or
/// two along the edges (no logarithm).
#[inline]
pub fn fine_bin(ms: f64) -> usize {
    FineBins::new().of(ms)
}

/// The tables [`fine_bin`] reads, held by code that bins many latencies
/// (one lookup of the shared tables instead of one per latency).
#[derive(Debug, Clone, Copy)]
pub struct FineBins {
    cells: &'static [u16],
    edges: &'static [f64],
    min_exponent: i64,
}

impl Default for FineBins {
    fn default() -> Self {
        Self::new()
    }
}

impl FineBins {
    /// The shared tables.
    pub fn new() -> Self {
        Self { cells: bin_cells(), edges: edges_ms(), min_exponent: min_exponent() }
    }

    /// The fine bin of `ms` milliseconds, as [`fine_bin`].
    #[inline]
    pub fn of(&self, ms: f64) -> usize {
        let edges = self.edges;
        if ms.is_nan() || ms < MIN_MS {
            return 0;
        }
        if ms >= MAX_MS {
            return edges.len();
        }
        let bits = ms.to_bits();
        let exponent = ((bits >> 52) & 0x7ff) as i64 - 1023;
        let top = (bits >> (52 - CELL_BITS)) & ((1 << CELL_BITS) - 1);
        let cell = ((exponent - self.min_exponent) as u64 * (1 << CELL_BITS) + top) as usize;
        let Some(&below) = self.cells.get(cell) else { return edges.partition_point(|&edge| edge <= ms) };
        // A cell is narrower than a bin, so at most one edge lies between
        // its lower end and `ms` (tested): one step, without a branch.
        let k = usize::from(below);
        k + usize::from(edges.get(k).is_some_and(|&edge| edge <= ms))
    }
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
///
/// It remembers the range of bins that may hold mass, so clearing,
/// merging and reading quantiles cost the width of the distribution, not
/// of the whole grid.
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    group: usize,
    mass: Vec<f64>,
    /// Bins outside `lo..hi` hold no mass (empty when `lo >= hi`).
    lo: usize,
    hi: usize,
}

/// Requests by fine bin, counted one at a time: a fine histogram of unit
/// weights kept as whole numbers, half the size of one (a hot loop's
/// histograms then stay in cache) and turned into a [`Histogram`] with the
/// very masses that adding 1.0 at a time would have given (whole numbers
/// are exact in a double up to 2^53).
#[derive(Debug, Clone)]
pub struct BinCounts {
    counts: Vec<u32>,
    /// 2^32 for every time a bin's count wrapped (empty until one does).
    spill: Vec<f64>,
}

impl Default for BinCounts {
    fn default() -> Self {
        Self::new()
    }
}

impl BinCounts {
    /// No requests yet, over the fine bins.
    pub fn new() -> Self {
        Self { counts: vec![0; fine_bins()], spill: Vec::new() }
    }

    /// Counts one request at fine bin `fine` (the last bin for any beyond).
    #[inline]
    pub fn add(&mut self, fine: usize) {
        let last = self.counts.len() - 1;
        let count = &mut self.counts[fine.min(last)];
        *count = count.wrapping_add(1);
        if *count == 0 {
            self.wrapped(fine.min(last));
        }
    }

    #[cold]
    fn wrapped(&mut self, bin: usize) {
        self.spill.resize(self.counts.len(), 0.0);
        self.spill[bin] += f64::from(u32::MAX) + 1.0;
    }

    /// The counts as a fine histogram, as if each request had been added
    /// with [`Histogram::add_at_fine_bin`] at weight 1.
    pub fn histogram(&self) -> Histogram {
        let mut h = Histogram::fine();
        for (bin, (&count, m)) in self.counts.iter().zip(&mut h.mass).enumerate() {
            let spill = self.spill.get(bin).copied().unwrap_or(0.0);
            if count > 0 || spill > 0.0 {
                *m = f64::from(count) + spill;
                h.lo = h.lo.min(bin);
                h.hi = h.hi.max(bin + 1);
            }
        }
        h
    }
}

impl Histogram {
    fn empty(group: usize, bins: usize) -> Self {
        Self { group, mass: vec![0.0; bins], lo: bins, hi: 0 }
    }

    /// An empty fine histogram.
    pub fn fine() -> Self {
        Self::empty(1, fine_bins())
    }

    /// An empty coarse histogram.
    pub fn coarse() -> Self {
        Self::empty(COARSE_GROUP, coarse_bins())
    }

    fn used(&self) -> &[f64] {
        self.mass.get(self.lo..self.hi).unwrap_or(&[])
    }

    fn widen(&mut self, first: usize, end: usize) {
        let end = end.min(self.mass.len());
        if first < end {
            self.lo = self.lo.min(first);
            self.hi = self.hi.max(end);
        }
    }

    /// Total weight held.
    pub fn total(&self) -> f64 {
        self.used().iter().sum()
    }

    /// Adds `weight` times a probability mass function on the same grid.
    pub fn add_pmf(&mut self, pmf: &[f64], weight: f64) {
        self.add_at(0, pmf, weight);
    }

    fn add_at(&mut self, first: usize, pmf: &[f64], weight: f64) {
        let end = (first + pmf.len()).min(self.mass.len());
        if let Some(bins) = self.mass.get_mut(first..end) {
            for (m, p) in bins.iter_mut().zip(pmf) {
                *m += weight * p;
            }
            self.widen(first, end);
        }
    }

    /// Adds `weight` times a sparse probability mass function: `pmf[i]` is
    /// the mass of bin `first + i` (bins outside it hold none).
    pub fn add_sparse(&mut self, sparse: &SparsePmf, weight: f64) {
        self.add_at(sparse.first, &sparse.mass, weight);
    }

    /// Adds `weight` at one latency of `ms` milliseconds (a sample).
    #[inline]
    pub fn add_value(&mut self, ms: f64, weight: f64) {
        self.add_at_fine_bin(fine_bin(ms), weight);
    }

    /// Adds `weight` at fine bin `fine` (see [`fine_bin`]).
    #[inline]
    pub fn add_at_fine_bin(&mut self, fine: usize, weight: f64) {
        // Its grid is the fine one or the coarse one: a division by a
        // constant (a multiply), not by a field.
        let bin = if self.group == 1 { fine } else { fine / COARSE_GROUP };
        self.add_at_bin(bin, weight);
    }

    /// Adds `weight` at bin `bin` of this histogram's own grid (a fine
    /// bin, or for a coarse histogram the fine bin over [`COARSE_GROUP`]),
    /// the last bin for any beyond it.
    #[inline]
    pub fn add_at_bin(&mut self, bin: usize, weight: f64) {
        let bin = bin.min(self.mass.len() - 1);
        self.mass[bin] += weight;
        self.lo = self.lo.min(bin);
        self.hi = self.hi.max(bin + 1);
    }

    /// The mean latency, ms (each bin at its geometric middle; 0 when
    /// empty).
    pub fn mean_ms(&self) -> f64 {
        self.summary(None)[0]
    }

    /// Mean, p50, p95 and p99 (ms) of what `self` holds beyond `part` (a
    /// histogram of a subset of its weight; `None` for all of it), bin by
    /// bin never below zero, read in two passes without a copy.
    pub fn summary(&self, part: Option<&Histogram>) -> [f64; 4] {
        debug_assert!(part.is_none_or(|p| p.group == self.group));
        let mass_of = |bin: usize| {
            let m = self.mass[bin];
            match part.and_then(|p| p.mass.get(bin)) {
                Some(&q) if bin >= part.map_or(0, |p| p.lo) && bin < part.map_or(0, |p| p.hi) => (m - q).max(0.0),
                _ => m,
            }
        };
        let (mut total, mut sum) = (0.0, 0.0);
        let mut last = self.lo;
        for bin in self.lo..self.hi {
            let m = mass_of(bin);
            if m > 0.0 {
                total += m;
                sum += m * self.middle_ms(bin);
                last = bin;
            }
        }
        if total <= 0.0 {
            return [0.0; 4];
        }
        let mut out = [sum / total, 0.0, 0.0, 0.0];
        let targets = [0.5 * total, 0.95 * total, 0.99 * total];
        let mut next = 0;
        let mut cumulative = 0.0;
        for bin in self.lo..self.hi {
            let m = mass_of(bin);
            if m <= 0.0 {
                continue;
            }
            while next < 3 && (cumulative + m >= targets[next] || bin == last) {
                let fraction = ((targets[next] - cumulative) / m).clamp(0.0, 1.0);
                out[next + 1] = self.interpolate_ms(bin, fraction);
                next += 1;
            }
            if next == 3 {
                break;
            }
            cumulative += m;
        }
        out
    }

    /// The latency a `fraction` of the way through `bin`, geometrically.
    fn interpolate_ms(&self, bin: usize, fraction: f64) -> f64 {
        let lo = self.lower_edge_ms(bin);
        match self.upper_edge_ms(bin) {
            Some(hi) if lo > 0.0 => lo * (hi / lo).powf(fraction),
            Some(hi) => hi * fraction,
            None => lo,
        }
    }

    /// The geometric middle of `bin`, ms.
    fn middle_ms(&self, bin: usize) -> f64 {
        let lo = self.lower_edge_ms(bin);
        match self.upper_edge_ms(bin) {
            Some(hi) if lo > 0.0 => (lo * hi).sqrt(),
            Some(hi) => hi / 2.0,
            None => lo,
        }
    }

    /// Adds another histogram of the same grid.
    pub fn merge(&mut self, other: &Histogram) {
        debug_assert_eq!(self.group, other.group);
        self.add_at(other.lo, other.used(), 1.0);
    }

    /// Empties the histogram.
    pub fn clear(&mut self) {
        if let Some(bins) = self.mass.get_mut(self.lo..self.hi) {
            bins.iter_mut().for_each(|m| *m = 0.0);
        }
        self.lo = self.mass.len();
        self.hi = 0;
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
        let used = self.used();
        let last = self.lo + used.iter().rposition(|&m| m > 0.0).unwrap_or(0);
        for (bin, &m) in (self.lo..).zip(used) {
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

/// A probability mass function stored only over the bins that hold mass.
#[derive(Debug, Clone, PartialEq)]
pub struct SparsePmf {
    /// Index of the first stored bin.
    pub first: usize,
    /// Mass of bins `first..first + mass.len()`.
    pub mass: Vec<f64>,
}

/// Mass below which an outermost bin of a pmf is folded into its
/// neighbour: latency tails fall off exponentially, so trimming them
/// leaves every quantile unchanged while adding a pmf touches only the
/// bins that matter (a few dozen of the grid's hundreds).
pub const TRIM_MASS: f64 = 1e-13;

impl SparsePmf {
    /// `pmf` without its negligible leading and trailing bins; the mass
    /// they held moves to the nearest kept bin, so the total is unchanged.
    pub fn trimmed(pmf: &[f64]) -> Self {
        let Some(last_big) = pmf.iter().rposition(|&m| m >= TRIM_MASS) else {
            return Self { first: 0, mass: pmf.to_vec() };
        };
        let first_big = pmf.iter().position(|&m| m >= TRIM_MASS).unwrap_or(0);
        let mut mass = pmf[first_big..=last_big].to_vec();
        let head: f64 = pmf[..first_big].iter().sum();
        let tail: f64 = pmf[last_big + 1..].iter().sum();
        if let Some(m) = mass.first_mut() {
            *m += head;
        }
        if let Some(m) = mass.last_mut() {
            *m += tail;
        }
        Self { first: first_big, mass }
    }
}

/// The fine probability mass function of one tick's latency distribution.
pub fn latency_pmf(state: &WaitState, service: &ServiceTime) -> Vec<f64> {
    // No latency is shorter than the delay: the bins below it are empty.
    let below = edges_ms().partition_point(|&edge| edge / 1000.0 - state.delay_secs <= 0.0);
    pmf_of_cdf_from(below, |x_secs| state.latency_cdf(service, x_secs))
}

/// The fine-grid pmf of a time whose CDF (of seconds) is `cdf`.
pub fn pmf_of_cdf(cdf: impl Fn(f64) -> f64) -> Vec<f64> {
    pmf_of_cdf_from(0, cdf)
}

/// The fine-grid pmf of a time whose CDF (of seconds) is `cdf` and is 0 at
/// the upper edges of the first `skip` bins (those bins are empty and
/// `cdf` is not asked there).
fn pmf_of_cdf_from(skip: usize, cdf: impl Fn(f64) -> f64) -> Vec<f64> {
    let skip = skip.min(edges_ms().len());
    let mut pmf = Vec::with_capacity(edges_ms().len() + 1);
    pmf.resize(skip, 0.0);
    let mut previous = 0.0;
    let edges = &edges_ms()[skip..];
    for &edge in edges {
        // Once all the mass is in, every later bin is empty.
        if previous >= 1.0 {
            break;
        }
        let cdf = cdf(edge / 1000.0).max(previous);
        pmf.push(cdf - previous);
        previous = cdf;
    }
    pmf.resize(edges_ms().len(), 0.0);
    pmf.push((1.0 - previous).max(0.0));
    pmf
}

/// The value a fine bin's mass stands for, ms: the geometric middle of its
/// edges (half the lowest edge for the first bin, the highest edge for the
/// last).
fn fine_middle_ms(k: usize) -> f64 {
    let edges = edges_ms();
    match k {
        0 => 0.5 * MIN_MS,
        k if k >= edges.len() => MAX_MS,
        k => (edges[k - 1] * edges[k]).sqrt(),
    }
}

/// Masses below which a bin is left out of a convolution (all of them
/// together weigh under 3e-10).
const NEGLIGIBLE_MASS: f64 = 1e-13;

/// The fine-grid pmf of the sum of two independent times given by their
/// fine-grid pmfs: each pair of bins puts its mass in the bin of the sum
/// of their middles (within a bin's width, 2 %, of the exact sum's).
pub fn convolve_fine(a: &[f64], b: &[f64]) -> Vec<f64> {
    let bins = FineBins::new();
    let mut out = vec![0.0; a.len().max(b.len())];
    let heavy = |pmf: &[f64]| -> Vec<(f64, f64)> {
        pmf.iter().enumerate().filter(|&(_, &m)| m > NEGLIGIBLE_MASS).map(|(k, &m)| (fine_middle_ms(k), m)).collect()
    };
    let (a, b) = (heavy(a), heavy(b));
    for &(x, ma) in &a {
        for &(y, mb) in &b {
            if let Some(slot) = out.get_mut(bins.of(x + y)) {
                *slot += ma * mb;
            }
        }
    }
    out
}

/// Groups a fine pmf into the coarse grid.
pub fn coarsen(fine: &[f64]) -> Vec<f64> {
    fine.chunks(COARSE_GROUP).map(|c| c.iter().sum()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fine_bin_of_a_value_lies_between_its_edges() {
        let edges = edges_ms();
        let mut v = MIN_MS * 0.5;
        while v < MAX_MS * 2.0 {
            let k = fine_bin(v);
            if v < MIN_MS {
                assert_eq!(k, 0);
            } else if v >= MAX_MS {
                assert_eq!(k, edges.len());
            } else {
                assert!(edges[k - 1] <= v && v < edges[k], "{v}: bin {k}");
            }
            v *= 1.0037;
        }
        for (k, &edge) in edges.iter().enumerate().take(edges.len() - 1) {
            assert_eq!(fine_bin(edge), k + 1, "an edge opens its bin");
        }
    }

    #[test]
    fn counts_read_as_the_histogram_of_unit_weights() {
        let mut counts = BinCounts::new();
        let mut h = Histogram::fine();
        for (k, ms) in [0.01, 3.0, 3.0, 250.0, 1e9, 17.5, 3.0].into_iter().enumerate() {
            counts.add(fine_bin(ms));
            h.add_at_fine_bin(fine_bin(ms), 1.0);
            let c = counts.histogram();
            assert_eq!((c.lo, c.hi, &c.mass), (h.lo, h.hi, &h.mass), "after {k}");
        }
        counts.counts[7] = u32::MAX;
        counts.add(7);
        assert_eq!(counts.histogram().mass[7], 4_294_967_296.0);
    }

    #[test]
    fn a_lookup_cell_holds_at_most_one_edge() {
        let (cells, edges) = (bin_cells(), edges_ms());
        let per = 1u64 << CELL_BITS;
        for (cell, &below) in cells.iter().enumerate() {
            let (e, m) = (cell as u64 / per, cell as u64 % per);
            let scale = 2f64.powi((min_exponent() + e as i64) as i32);
            let (low, high) = (scale * (1.0 + m as f64 / per as f64), scale * (1.0 + (m + 1) as f64 / per as f64));
            assert_eq!(usize::from(below), edges.partition_point(|&edge| edge <= low));
            let inside = edges.iter().filter(|&&edge| edge > low && edge < high).count();
            assert!(inside <= 1, "cell {cell} holds {inside} edges");
        }
    }

    #[test]
    fn samples_give_their_quantiles_and_a_part_can_be_taken_out() {
        // Values 1..=1000 ms, one each: p50 ≈ 500, p99 ≈ 990, mean 500.5.
        let mut all = Histogram::fine();
        let mut high = Histogram::fine();
        for v in 1..=1000 {
            all.add_value(f64::from(v), 1.0);
            if v > 500 {
                high.add_value(f64::from(v), 1.0);
            }
        }
        let [mean, p50, p95, p99] = all.summary(None);
        for (got, want) in [(mean, 500.5), (p50, 500.0), (p95, 950.0), (p99, 990.0)] {
            assert!((got - want).abs() / want < 0.02, "{got} vs {want}");
        }
        assert!((all.quantile_ms(0.99) - p99).abs() < 1e-9, "one pass agrees with quantile_ms");
        // Without the upper half: 1..=500.
        let [mean, p50, _, p99] = all.summary(Some(&high));
        for (got, want) in [(mean, 250.5), (p50, 250.0), (p99, 495.0)] {
            assert!((got - want).abs() / want < 0.02, "{got} vs {want}");
        }
        assert_eq!(Histogram::fine().summary(None), [0.0; 4]);
    }

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

    #[test]
    fn sparse_pmfs_keep_mass_and_quantiles_and_clearing_empties_only_the_used_range() {
        let service = ServiceTime::Exponential { mean_secs: 0.02 };
        let state = WaitState { delay_secs: 0.003, wait_probability: 0.4, wait_rate_per_sec: 30.0 };
        let dense = latency_pmf(&state, &service);
        let sparse = SparsePmf::trimmed(&dense);
        assert!(sparse.mass.len() < dense.len() / 2, "{} of {} bins kept", sparse.mass.len(), dense.len());
        assert!((sparse.mass.iter().sum::<f64>() - dense.iter().sum::<f64>()).abs() < 1e-12);
        let (mut a, mut b) = (Histogram::fine(), Histogram::fine());
        a.add_pmf(&dense, 7.0);
        b.add_sparse(&sparse, 7.0);
        for q in [0.5, 0.95, 0.99, 0.999] {
            assert!((a.quantile_ms(q) - b.quantile_ms(q)).abs() < 1e-9 * a.quantile_ms(q), "q {q}");
        }
        // Clear, then reuse at another place of the grid: nothing stale.
        b.clear();
        assert_eq!(b.total(), 0.0);
        assert_eq!(b, Histogram::fine());
        let far = WaitState::delay_only(2.0);
        b.add_sparse(&SparsePmf::trimmed(&latency_pmf(&far, &service)), 1.0);
        let mut merged = Histogram::fine();
        merged.merge(&b);
        merged.merge(&a);
        assert!((merged.total() - 8.0).abs() < 1e-9);
        assert!(merged.quantile_ms(0.99) > 2000.0);
        assert!((merged.quantile_ms(0.5) - a.quantile_ms(0.57)).abs() < 0.05 * a.quantile_ms(0.57));
    }
}
