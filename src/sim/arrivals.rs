//! Poisson arrival counts per tick from one tenant's random stream.
//!
//! A tenant's arrivals are a Poisson process whose intensity changes from
//! tick to tick (load pattern, spikes). By the time-change theorem, such a
//! process is a unit-rate Poisson process run on the clock of integrated
//! intensity: a tick whose mean count is `m` covers `m` units of that
//! clock. The sampler keeps the distance to the next unit-rate arrival and
//! counts how many arrivals fit into each tick. That costs one Exp(1) draw
//! per arrival and no `exp`, `ln` or distribution set-up per tick, which
//! matters because a diurnal pattern changes every tenant's mean on every
//! tick.
//!
//! Ticks with a larger mean would need many draws, so above
//! [`COUNTING_MEAN`] the count is drawn directly from Poisson(m): by
//! inversion of its distribution function (one uniform and one `exp`) up
//! to [`DIRECT_MEAN`] and by `rand_distr`'s rejection sampler above it.
//! When the mean repeats from one tick to the next (constant load) and is
//! at most [`TABLE_MEAN`], inversion runs against the distribution
//! function tabulated once, with a guide table that starts the search near
//! the answer. All these methods are exact. Mixing them is too: the counts of disjoint
//! intervals of a Poisson process are independent, and by memorylessness
//! the distance from the end of a directly drawn tick to the next arrival
//! is a fresh Exp(1).

use rand::RngExt;
use rand_distr::{Distribution, Exp1, Poisson};
use rand_xoshiro::Xoshiro256PlusPlus;

/// Largest mean count per tick sampled by counting unit-rate arrivals.
pub const COUNTING_MEAN: f64 = 2.0;

/// Largest mean count per tick sampled by inversion.
pub const DIRECT_MEAN: f64 = 16.0;

/// Largest mean count per tick sampled from a tabulated distribution
/// function (`exp(-mean)` is still far from underflow there).
pub const TABLE_MEAN: f64 = 500.0;

/// Poisson(mean)'s distribution function, tabulated until the remaining
/// mass is negligible, with a guide table: `guide[j]` is the first count
/// whose distribution function reaches `j / guide.len()`.
#[derive(Debug, Clone)]
struct Tabulated {
    mean: f64,
    cdf: Vec<f64>,
    guide: Vec<u32>,
}

impl Tabulated {
    fn new(mean: f64) -> Self {
        let mut cdf = Vec::new();
        let mut p = (-mean).exp();
        let mut sum = p;
        cdf.push(sum);
        let mut k = 0.0;
        // Past the mode, stop once the next terms cannot move the sum.
        while k < mean || p > sum * f64::EPSILON * 0.25 {
            k += 1.0;
            p *= mean / k;
            sum += p;
            cdf.push(sum);
        }
        let buckets = cdf.len();
        let mut guide = Vec::with_capacity(buckets);
        let mut at = 0usize;
        for j in 0..buckets {
            let level = j as f64 / buckets as f64;
            while at + 1 < cdf.len() && cdf[at] < level {
                at += 1;
            }
            guide.push(at as u32);
        }
        Self { mean, cdf, guide }
    }

    /// The smallest count whose distribution function reaches `u`; past
    /// the table, the sequential search goes on from its last term.
    fn invert(&self, u: f64) -> u64 {
        let bucket = ((u * self.guide.len() as f64) as usize).min(self.guide.len() - 1);
        let mut k = self.guide[bucket] as usize;
        while k < self.cdf.len() && self.cdf[k] < u {
            k += 1;
        }
        if k < self.cdf.len() {
            return k as u64;
        }
        // u beyond the tabulated mass: continue the series (as the plain
        // inversion would), bounded far past any mass that matters.
        let last = self.cdf.len() - 1;
        let mut p = self.cdf[last] - self.cdf[last - 1];
        let mut sum = self.cdf[last];
        let mut k = last as f64;
        while sum < u && k < last as f64 + 1000.0 {
            k += 1.0;
            p *= self.mean / k;
            sum += p;
        }
        k as u64
    }
}

/// One tenant's arrival sampler.
#[derive(Debug, Clone)]
pub struct ArrivalStream {
    rng: Xoshiro256PlusPlus,
    /// Distance (in units of integrated intensity) to the next arrival;
    /// negative when it must be drawn afresh.
    to_next: f64,
    /// The last direct distribution with its mean, reused while the mean
    /// is unchanged (constant load).
    direct: Option<(f64, Poisson<f64>)>,
    /// The last mean sampled by inversion and its `exp(-mean)`.
    inversion: (f64, f64),
    /// The last large mean seen, and its tabulated distribution once it
    /// repeated.
    last_large_mean: f64,
    table: Option<Box<Tabulated>>,
}

impl ArrivalStream {
    /// A sampler drawing from `rng`.
    pub fn new(rng: Xoshiro256PlusPlus) -> Self {
        Self { rng, to_next: -1.0, direct: None, inversion: (f64::NAN, 0.0), last_large_mean: f64::NAN, table: None }
    }

    /// Arrivals in a tick whose mean count is `mean` (0 for a mean that is
    /// not positive).
    #[inline]
    pub fn draw(&mut self, mean: f64) -> u64 {
        if mean <= 0.0 || !mean.is_finite() {
            return 0;
        }
        if mean > COUNTING_MEAN {
            let repeated = mean == self.last_large_mean;
            self.last_large_mean = mean;
            return if repeated && mean <= TABLE_MEAN {
                self.draw_tabulated(mean)
            } else if mean > DIRECT_MEAN {
                self.draw_direct(mean)
            } else {
                self.draw_inversion(mean)
            };
        }
        if self.to_next < 0.0 {
            self.to_next = Exp1.sample(&mut self.rng);
        }
        let mut left = mean;
        let mut count = 0;
        while self.to_next <= left {
            left -= self.to_next;
            count += 1;
            self.to_next = Exp1.sample(&mut self.rng);
        }
        self.to_next -= left;
        count
    }

    /// Poisson(mean) by sequential search of its distribution function.
    fn draw_inversion(&mut self, mean: f64) -> u64 {
        // The next tick starts a fresh unit-rate clock.
        self.to_next = -1.0;
        let u: f64 = self.rng.random();
        if self.inversion.0 != mean {
            self.inversion = (mean, (-mean).exp());
        }
        let mut p = self.inversion.1;
        let mut cdf = p;
        let mut k = 0u64;
        // Rounding can leave the sum a hair below 1; the bound stops the
        // search far beyond any mass that matters (mean ≤ 16).
        while u > cdf && k < 200 {
            k += 1;
            p *= mean / k as f64;
            cdf += p;
        }
        k
    }

    /// Poisson(mean) by inversion against its tabulated distribution
    /// function (tabulated when the mean first repeats).
    fn draw_tabulated(&mut self, mean: f64) -> u64 {
        // The next tick starts a fresh unit-rate clock.
        self.to_next = -1.0;
        if self.table.as_ref().is_none_or(|t| t.mean != mean) {
            self.table = Some(Box::new(Tabulated::new(mean)));
        }
        let u: f64 = self.rng.random();
        self.table.as_ref().map_or(0, |t| t.invert(u))
    }

    #[cold]
    fn draw_direct(&mut self, mean: f64) -> u64 {
        let dist = match self.direct {
            Some((m, d)) if m == mean => d,
            _ => match Poisson::new(mean) {
                Ok(d) => {
                    self.direct = Some((mean, d));
                    d
                }
                Err(_) => return 0,
            },
        };
        // The next tick starts a fresh unit-rate clock.
        self.to_next = -1.0;
        dist.sample(&mut self.rng) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::rng::{StreamPurpose, stream};

    fn moments(means: &[f64], ticks: usize) -> Vec<(f64, f64)> {
        let mut s = ArrivalStream::new(stream(5, 0, 0, StreamPurpose::Arrivals));
        let mut sums = vec![(0.0, 0.0); means.len()];
        for i in 0..ticks {
            let k = i % means.len();
            let x = s.draw(means[k]) as f64;
            sums[k].0 += x;
            sums[k].1 += x * x;
        }
        let per = (ticks / means.len()) as f64;
        sums.iter().map(|(a, b)| (a / per, b / per - (a / per).powi(2))).collect()
    }

    #[test]
    fn counts_have_poisson_mean_and_variance_for_small_and_large_means() {
        // Alternating means exercises switching between the two methods.
        let means = [0.05, 0.7, 1.9, 2.1, 3.0, 11.5, 15.9, 16.5, 40.0, 400.0];
        for (m, (mean, var)) in means.iter().zip(moments(&means, means.len() * 200_000)) {
            let tolerance = 4.0 * (m / 200_000.0).sqrt() + 1e-3;
            assert!((mean - m).abs() < tolerance, "mean {mean} for {m}");
            assert!((var - m).abs() < 0.03 * m + 1e-3, "variance {var} for {m}");
        }
    }

    #[test]
    fn a_constant_mean_drawn_from_its_table_is_poisson() {
        // Means that repeat tick after tick come from the tabulated
        // distribution function: check P(N = k) across its bulk and the
        // first two moments.
        for m in [3.5, 12.0, 40.0, 250.0] {
            let mut s = ArrivalStream::new(stream(11, 0, 0, StreamPurpose::Arrivals));
            let n = 200_000;
            let mut freq = vec![0u32; 1200];
            let (mut sum, mut sum_sq) = (0.0, 0.0);
            for _ in 0..n {
                let k = s.draw(m);
                let last = freq.len() - 1;
                freq[(k as usize).min(last)] += 1;
                sum += k as f64;
                sum_sq += (k * k) as f64;
            }
            let mean = sum / f64::from(n);
            let var = sum_sq / f64::from(n) - mean * mean;
            assert!((mean - m).abs() < 4.0 * (m / f64::from(n)).sqrt(), "mean {mean} for {m}");
            assert!((var - m).abs() < 0.03 * m, "variance {var} for {m}");
            let spread = 3.0 * f64::sqrt(m);
            let (lo, hi) = ((m - spread) as usize, (m + spread) as usize);
            // log P(N = k) = k ln m - m - ln k!, summed in logs.
            let ln_fact = |k: usize| (1..=k).map(|i| (i as f64).ln()).sum::<f64>();
            for (k, &count) in freq.iter().enumerate().take(hi + 1).skip(lo) {
                let p = (k as f64 * m.ln() - m - ln_fact(k)).exp();
                let observed = f64::from(count) / f64::from(n);
                let sigma = (p * (1.0 - p) / f64::from(n)).sqrt();
                assert!((observed - p).abs() < 5.0 * sigma + 1e-4, "m {m}, P({k}) = {observed}, expected {p}");
            }
        }
    }

    #[test]
    fn zero_negative_and_non_finite_means_give_no_arrivals() {
        let mut s = ArrivalStream::new(stream(1, 0, 0, StreamPurpose::Arrivals));
        for m in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert_eq!(s.draw(m), 0);
        }
    }

    #[test]
    fn point_probabilities_match_poisson_in_every_regime() {
        // P(N = k) = e^-m m^k / k! for ticks of mean m, interleaved with
        // ticks of another mean, for the counting and inversion methods.
        for (m, other) in [(1.3, 0.4), (5.0, 1.0), (14.0, 30.0), (40.0, 40.0), (6.0, 6.0)] {
            let mut s = ArrivalStream::new(stream(9, 0, 0, StreamPurpose::Arrivals));
            let n = 200_000;
            let mut freq = [0u32; 64];
            for _ in 0..n {
                s.draw(other);
                let k = s.draw(m) as usize;
                if k < freq.len() {
                    freq[k] += 1;
                }
            }
            let mut p = (-m).exp();
            for (k, &f) in freq.iter().enumerate().take(30) {
                if k > 0 {
                    p *= m / k as f64;
                }
                let observed = f64::from(f) / f64::from(n);
                let sigma = (p * (1.0 - p) / f64::from(n)).sqrt();
                assert!((observed - p).abs() < 5.0 * sigma + 1e-4, "m {m}, P({k}) = {observed}, expected {p}");
            }
        }
    }
}
