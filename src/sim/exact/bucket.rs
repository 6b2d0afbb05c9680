//! A token bucket refilled continuously: the usage plans, the shared
//! account buckets and the database partitions of the per-request engine.

/// Tokens short of a whole one that still count as one (floating-point
/// refills of whole tokens land a hair below them).
const SLACK: f64 = 1e-9;

/// A bucket of at most `capacity` tokens gaining `rate_per_sec` tokens a
/// second.
#[derive(Debug, Clone)]
pub struct Bucket {
    tokens: f64,
    last_secs: f64,
    rate_per_sec: f64,
    capacity: f64,
}

impl Bucket {
    /// A bucket that starts full, or empty.
    pub fn new(rate_per_sec: f64, capacity: f64, full: bool) -> Self {
        Self { tokens: if full { capacity } else { 0.0 }, last_secs: 0.0, rate_per_sec, capacity }
    }

    /// Adds the tokens gained up to `t_secs`.
    #[inline]
    fn refill(&mut self, t_secs: f64) {
        if t_secs > self.last_secs {
            self.tokens = (self.tokens + self.rate_per_sec * (t_secs - self.last_secs)).min(self.capacity);
            self.last_secs = t_secs;
        }
    }

    /// True when `amount` tokens are there at `t_secs`.
    #[inline]
    pub fn has(&mut self, t_secs: f64, amount: f64) -> bool {
        self.refill(t_secs);
        self.tokens + SLACK >= amount
    }

    /// Takes `amount` tokens at `t_secs` if they are there.
    #[inline]
    pub fn take(&mut self, t_secs: f64, amount: f64) -> bool {
        let ok = self.has(t_secs, amount);
        if ok {
            self.tokens = (self.tokens - amount).max(0.0);
        }
        ok
    }

    /// The earliest time from `t_secs` on when `amount` tokens are there
    /// (infinite when the bucket never holds them).
    pub fn ready_secs(&mut self, t_secs: f64, amount: f64) -> f64 {
        if self.has(t_secs, amount) {
            t_secs
        } else if self.rate_per_sec > 0.0 && amount <= self.capacity + SLACK {
            t_secs + (amount - self.tokens) / self.rate_per_sec
        } else {
            f64::INFINITY
        }
    }

    /// Refills at `rate_per_sec` from `t_secs` on.
    pub fn set_rate(&mut self, t_secs: f64, rate_per_sec: f64) {
        self.refill(t_secs);
        self.rate_per_sec = rate_per_sec;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_admits_its_burst_then_its_rate() {
        // 10 tokens, 5 a second: a burst of 10 at t = 0, then one every
        // 0.2 s.
        let mut b = Bucket::new(5.0, 10.0, true);
        assert_eq!((0..20).filter(|_| b.take(0.0, 1.0)).count(), 10);
        assert!(!b.take(0.1, 1.0));
        assert!(b.take(0.2, 1.0));
        let admitted = (1..=1000).filter(|k| b.take(0.2 + f64::from(*k) * 0.01, 1.0)).count();
        assert_eq!(admitted, 50, "10 s at 5/s");
    }

    #[test]
    fn a_slower_rate_applies_from_when_it_is_set() {
        let mut b = Bucket::new(10.0, 1.0, false);
        b.set_rate(1.0, 0.0);
        assert!(b.take(5.0, 1.0), "filled before the rate dropped");
        assert!(!b.take(100.0, 1.0));
    }
}
