//! Poisson arrival counts per tick from one tenant's random stream.
//!
//! A tenant's arrivals are a Poisson process whose intensity changes from
//! tick to tick (load pattern, spikes); a tick whose mean count is `m`
//! needs one Poisson(`m`) draw. A diurnal pattern changes every tenant's
//! mean on every tick, so the sampler must not pay for a new distribution
//! each tick. It splits the mean in two:
//!
//! - a *floor*: `m` with its mantissa cut to 6 bits, so at
//!   most 1.6 % below `m`. There are 64 floors per octave, and every
//!   floor in `COUNTING_MEAN..TABLE_MEAN` has an alias table (Walker's
//!   method) built once per process and shared by all tenants: drawing
//!   from it costs one uniform, one table read and no branch on the
//!   outcome;
//! - the *rest*, `m - floor`, which is small: its arrivals are counted on
//!   a unit-rate Poisson process run on the clock of integrated intensity
//!   (the time-change theorem). The sampler keeps the distance to that
//!   process's next arrival, so a tick costs one comparison, and an Exp(1)
//!   draw only when an arrival falls in it.
//!
//! The sum of independent Poisson counts is Poisson, so the tick's count
//! is exactly Poisson(`m`) (to the rounding of the tables, below 1e-15).
//! Means up to [`COUNTING_MEAN`] are counted on the unit-rate process
//! alone; means from [`TABLE_MEAN`] on (far beyond any usage plan we
//! expect per tick) are drawn by `rand_distr`'s rejection sampler. The
//! unit-rate process runs on across ticks of every kind: by
//! memorylessness, the distance to its next arrival is a fresh Exp(1)
//! whatever was drawn in between.

use std::sync::LazyLock;

use rand::Rng;
use rand_distr::{Distribution, Exp1, Poisson};
use rand_xoshiro::Xoshiro256PlusPlus;

/// Largest mean count per tick sampled by counting unit-rate arrivals
/// alone (a power of two: the tables start there).
pub const COUNTING_MEAN: f64 = 0.25;

/// Means from here on are drawn by `rand_distr`'s rejection sampler (a
/// power of two: the tables end there; `exp(-mean)` is still far from
/// underflow).
pub const TABLE_MEAN: f64 = 512.0;

/// Mantissa bits kept in a floor: the rest is below `2^-FLOOR_BITS`
/// of the mean.
const FLOOR_BITS: u32 = 6;

/// Bits of an `f64` below those a floor keeps.
const DROPPED_BITS: u32 = f64::MANTISSA_DIGITS - 1 - FLOOR_BITS;

/// `mean` with its mantissa cut to [`FLOOR_BITS`] bits: at most `mean`
/// and more than `mean * (1 - 2^-FLOOR_BITS)` (for a positive, normal
/// `mean`).
fn floor_of(mean: f64) -> f64 {
    f64::from_bits(mean.to_bits() >> DROPPED_BITS << DROPPED_BITS)
}

/// The index of `floor_of(mean)` among the tabulated floors (for `mean`
/// in `COUNTING_MEAN..TABLE_MEAN`).
fn table_index(mean: f64) -> usize {
    ((mean.to_bits() >> DROPPED_BITS) - (COUNTING_MEAN.to_bits() >> DROPPED_BITS)) as usize
}

/// Where one floor's table lies in [`Tables`].
#[derive(Debug, Clone, Copy)]
struct Span {
    start: u32,
    len: u32,
}

/// One column of an alias table, packed in 8 bytes to keep the tables
/// small in cache: count `k` (the column's index) is drawn when the
/// uniform's fraction within the column is below `keep`, else `other`.
/// `keep` is held in 48 bits of fixed point (so to 4e-15); a column that
/// keeps everything names itself as `other`.
#[derive(Debug, Clone, Copy)]
struct Alias(u64);

/// Fixed-point bits of [`Alias`]'s `keep`.
const KEEP_BITS: u32 = 48;

impl Alias {
    fn new(keep: f64, other: usize) -> Self {
        debug_assert!(other < 1 << (64 - KEEP_BITS), "tables end far below 65,536 counts");
        let scale = (1u64 << KEEP_BITS) as f64;
        let keep = ((keep * scale) as u64).min((1 << KEEP_BITS) - 1);
        Self(keep << (64 - KEEP_BITS) | other as u64)
    }

    /// `keep` in fixed point.
    fn keep(self) -> u64 {
        self.0 >> (64 - KEEP_BITS)
    }

    fn other(self) -> u32 {
        (self.0 & ((1 << (64 - KEEP_BITS)) - 1)) as u32
    }
}

/// Poisson(floor) for every floor in `COUNTING_MEAN..TABLE_MEAN` as an
/// alias table (Walker's method, built by Vose's algorithm): the counts
/// up to where the remaining mass is below the resolution of an `f64`,
/// each column holding its own count and one other, so a draw costs one
/// uniform, one table read and no branch on the outcome. Built once per
/// process and shared by every tenant and thread: tenants with similar
/// means share tables, which keeps them in cache.
#[derive(Debug)]
struct Tables {
    spans: Vec<Span>,
    columns: Vec<Alias>,
}

static TABLES: LazyLock<Tables> = LazyLock::new(Tables::build);

impl Tables {
    fn build() -> Self {
        let count = table_index(TABLE_MEAN);
        let mut tables = Self { spans: Vec::with_capacity(count), columns: Vec::new() };
        let first = COUNTING_MEAN.to_bits() >> DROPPED_BITS;
        let (mut pmf, mut small, mut large) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..count as u64 {
            let mean = f64::from_bits((first + i) << DROPPED_BITS);
            pmf.clear();
            let mut p = (-mean).exp();
            let mut sum = p;
            pmf.push(p);
            let mut k = 0.0;
            // Past the mode, stop once the next terms cannot move the sum.
            while k < mean || p > sum * f64::EPSILON * 0.25 {
                k += 1.0;
                p *= mean / k;
                sum += p;
                pmf.push(p);
            }
            let n = pmf.len();
            let start = tables.columns.len();
            // Scaled so that the average column holds 1.
            let scale = n as f64 / sum;
            for (k, p) in pmf.iter_mut().enumerate() {
                *p *= scale;
                tables.columns.push(Alias::new(1.0, k));
                if *p < 1.0 { &mut small } else { &mut large }.push(k);
            }
            while let (Some(&s), Some(&l)) = (small.last(), large.last()) {
                small.pop();
                tables.columns[start + s] = Alias::new(pmf[s], l);
                pmf[l] -= 1.0 - pmf[s];
                if pmf[l] < 1.0 {
                    large.pop();
                    small.push(l);
                }
            }
            // Whatever is left holds 1 up to rounding: it keeps itself.
            small.clear();
            large.clear();
            tables.spans.push(Span { start: start as u32, len: n as u32 });
        }
        tables
    }

    /// A count from table `index` for the uniform 64-bit word `r`.
    #[inline]
    fn draw(&self, index: usize, r: u64) -> u64 {
        let span = self.spans[index];
        // r / 2^64 * len: the high word is the column (uniform to
        // len / 2^64), the low word the fraction within it.
        let wide = u128::from(r) * u128::from(span.len);
        let column = (wide >> 64) as u32;
        let fraction = (wide as u64) >> (64 - KEEP_BITS);
        let alias = self.columns[(span.start + column) as usize];
        // Select without a branch: the outcome is unpredictable.
        let other = u32::from(fraction >= alias.keep()).wrapping_neg();
        u64::from(column ^ ((column ^ alias.other()) & other))
    }
}

/// Largest mean the rejection sampler takes.
const MAX_MEAN: f64 = Poisson::<f64>::MAX_LAMBDA;

/// One tenant's arrival sampler.
#[derive(Debug, Clone)]
pub struct ArrivalStream {
    rng: Xoshiro256PlusPlus,
    /// Distance (in units of integrated intensity) to the next arrival of
    /// the unit-rate process; negative before the first draw.
    to_next: f64,
    /// The last rejection sampler with its mean, reused while the mean
    /// is unchanged (boxed: rarely needed, and the stream stays small).
    direct: Option<Box<(f64, Poisson<f64>)>>,
}

impl ArrivalStream {
    /// A sampler drawing from `rng`.
    pub fn new(rng: Xoshiro256PlusPlus) -> Self {
        Self { rng, to_next: -1.0, direct: None }
    }

    /// Arrivals in a tick whose mean count is `mean` (0 for a mean that is
    /// not positive). The scenario's ranges keep every mean finite and
    /// below what the sampler takes (a tick of at most a day at most 1e8
    /// req/s: 8.64e12, against 1.8e19).
    #[inline(always)]
    pub fn draw(&mut self, mean: f64) -> u64 {
        debug_assert!(mean.is_finite() && mean < MAX_MEAN, "a tick's mean arrivals out of range: {mean}");
        if mean <= 0.0 || !mean.is_finite() {
            return 0;
        }
        if mean <= COUNTING_MEAN {
            return self.count(mean);
        }
        if mean >= TABLE_MEAN {
            return self.draw_direct(mean);
        }
        let bulk = TABLES.draw(table_index(mean), self.rng.next_u64());
        let rest = mean - floor_of(mean);
        // The rest is small: its process rarely has an arrival this tick.
        if self.to_next > rest {
            self.to_next -= rest;
            bulk
        } else {
            bulk + self.count(rest)
        }
    }

    /// Arrivals of the unit-rate process in the next `mean` units of its
    /// clock.
    fn count(&mut self, mean: f64) -> u64 {
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

    /// Poisson(mean) by `rand_distr`'s rejection sampler; a mean it does
    /// not take (impossible within the scenario's ranges, asserted in
    /// [`ArrivalStream::draw`]) gives its normal approximation rather than
    /// nothing.
    #[cold]
    fn draw_direct(&mut self, mean: f64) -> u64 {
        let dist = match self.direct.as_deref() {
            Some(&(m, d)) if m == mean => d,
            _ => match Poisson::new(mean) {
                Ok(d) => {
                    self.direct = Some(Box::new((mean, d)));
                    d
                }
                Err(_) => {
                    let z: f64 = rand_distr::StandardNormal.sample(&mut self.rng);
                    return (mean + z * mean.sqrt()).max(0.0) as u64;
                }
            },
        };
        dist.sample(&mut self.rng) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{StreamPurpose, stream};

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
    fn every_alias_table_holds_the_poisson_distribution_of_its_floor() {
        // Column k hands out `keep` of its 1/n to k and the rest to its
        // alias; summed, each count must get P(N = k) = e^-m m^k / k!.
        let tables = Tables::build();
        assert_eq!(tables.spans.len(), 64 * 11, "64 floors per octave from 1/4 to 512");
        for (i, span) in tables.spans.iter().enumerate() {
            let mean = f64::from_bits(((COUNTING_MEAN.to_bits() >> DROPPED_BITS) + i as u64) << DROPPED_BITS);
            assert_eq!(table_index(mean), i);
            let n = span.len as usize;
            let columns = &tables.columns[span.start as usize..][..n];
            let mut got = vec![0.0; n];
            let scale = (1u64 << KEEP_BITS) as f64;
            for (k, c) in columns.iter().enumerate() {
                let keep = c.keep() as f64 / scale;
                got[k] += keep / n as f64;
                got[c.other() as usize] += (1.0 - keep) / n as f64;
            }
            let mut p = (-mean).exp();
            for (k, g) in got.iter().enumerate() {
                if k > 0 {
                    p *= mean / k as f64;
                }
                assert!((g - p).abs() < 1e-14, "mean {mean}: P({k}) = {g}, expected {p}");
            }
            // The table ends where the remaining mass is negligible.
            assert!(p < 1e-15 && n as f64 > mean, "mean {mean} ends at {n}");
        }
    }

    #[test]
    fn a_floor_is_at_most_the_mean_and_within_its_64th() {
        for mean in [0.26, 1.0, 1.999, 2.0, 3.3, 47.5, 255.9, 511.0] {
            let floor = floor_of(mean);
            assert!(floor <= mean && mean - floor < mean / 64.0, "{mean} -> {floor}");
        }
    }

    #[test]
    fn zero_and_negative_means_give_no_arrivals() {
        let mut s = ArrivalStream::new(stream(1, 0, 0, StreamPurpose::Arrivals));
        for m in [0.0, -1.0] {
            assert_eq!(s.draw(m), 0);
        }
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "mean arrivals out of range")]
    fn a_non_finite_mean_is_a_bug_the_ranges_rule_out() {
        ArrivalStream::new(stream(1, 0, 0, StreamPurpose::Arrivals)).draw(f64::NAN);
    }

    #[test]
    fn a_mean_beyond_the_rejection_sampler_is_drawn_by_its_normal_approximation() {
        let mut s = ArrivalStream::new(stream(1, 0, 0, StreamPurpose::Arrivals));
        let mean = 1.8445e19;
        let x = s.draw_direct(mean) as f64;
        assert!((x - mean).abs() < 10.0 * mean.sqrt(), "{x}");
    }

    #[test]
    fn point_probabilities_match_poisson_in_every_regime() {
        // P(N = k) = e^-m m^k / k! for ticks of mean m, interleaved with
        // ticks of another mean: small means (the unit-rate process alone),
        // means on an alias table's floor, and floors plus a small rest.
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
