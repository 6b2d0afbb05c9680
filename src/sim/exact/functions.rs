//! Serverless functions in the per-request engine: a function runs at
//! most its concurrency at once and has no queue, so a request that finds
//! it full is throttled at once. It serves from a provisioned environment
//! if one is idle, else from a warm one (idle for no longer than the
//! keep-warm time, most recently used first), else it starts a new one
//! (a cold start, as the scaling rate allows: a request it cannot start
//! is throttled too).

use crate::sim::exact::bucket::Bucket;

/// Where a request started runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Env {
    /// A provisioned environment (always warm).
    Provisioned,
    /// An on-demand environment that was warm.
    Warm,
    /// A new environment: the request waits for its initialisation.
    Cold,
}

/// One function.
#[derive(Debug, Clone)]
pub struct Function {
    /// Its concurrency with nothing lost.
    base_limit: u32,
    /// Its concurrency now (after capacity losses).
    limit: u32,
    /// Requests running.
    busy: u32,
    /// Provisioned environments idle.
    provisioned_idle: u32,
    /// Idle on-demand environments: when each was last freed, oldest
    /// first.
    warm: Vec<f64>,
    keep_warm_secs: f64,
    /// New environments it may start (refilled at the scaling rate).
    scaling: Bucket,
}

impl Function {
    /// A function of `limit` concurrency with `provisioned` environments,
    /// whose idle environments last `keep_warm_secs` and which starts at
    /// most `scale_per_10s` new ones per 10 seconds.
    pub fn new(limit: u32, provisioned: u32, keep_warm_secs: f64, scale_per_10s: u32) -> Self {
        let scale = f64::from(scale_per_10s);
        Self {
            base_limit: limit,
            limit,
            busy: 0,
            provisioned_idle: provisioned.min(limit),
            warm: Vec::new(),
            keep_warm_secs,
            scaling: Bucket::new(scale / 10.0, scale, true),
        }
    }

    /// Starts a request at `t_secs`: where it runs, or `None` when it is
    /// throttled (the function is at its concurrency, or it may not start
    /// a new environment yet).
    #[inline]
    pub fn start(&mut self, t_secs: f64) -> Option<Env> {
        if self.busy >= self.limit {
            return None;
        }
        let env = if self.provisioned_idle > 0 {
            self.provisioned_idle -= 1;
            Env::Provisioned
        } else if self.warm.last().is_some_and(|&freed| t_secs - freed <= self.keep_warm_secs) {
            self.warm.pop();
            Env::Warm
        } else {
            // The latest freed is past its keep-warm time, so all are.
            self.warm.clear();
            if !self.scaling.take(t_secs, 1.0) {
                return None;
            }
            Env::Cold
        };
        self.busy += 1;
        Some(env)
    }

    /// True when [`Function::start`] would start a request at `t_secs`
    /// (changing nothing but the scaling bucket's refill).
    #[inline]
    pub fn can_start(&mut self, t_secs: f64) -> bool {
        self.busy < self.limit
            && (self.provisioned_idle > 0
                || self.warm.last().is_some_and(|&freed| t_secs - freed <= self.keep_warm_secs)
                || self.scaling.has(t_secs, 1.0))
    }

    /// When a request refused at `t_secs` only for want of a new
    /// environment could start (the scaling bucket holds one again);
    /// infinite when something else refuses it, or nothing does.
    pub fn scaling_ready_secs(&mut self, t_secs: f64) -> f64 {
        if self.can_start(t_secs) || self.busy >= self.limit {
            return f64::INFINITY;
        }
        self.scaling.ready_secs(t_secs, 1.0)
    }

    /// A request that ran in `env` ends at `t_secs`; its environment idles.
    #[inline]
    pub fn finish(&mut self, env: Env, t_secs: f64) {
        self.busy -= 1;
        match env {
            Env::Provisioned => self.provisioned_idle += 1,
            Env::Warm | Env::Cold => self.warm.push(t_secs),
        }
    }

    /// Environments alive at `t_secs`: running a request, provisioned, or
    /// idle within the keep-warm time (each keeps its own connections).
    pub fn environments(&self, t_secs: f64) -> u32 {
        let expired = self.warm.partition_point(|&freed| t_secs - freed > self.keep_warm_secs);
        self.busy + self.provisioned_idle + (self.warm.len() - expired) as u32
    }

    /// Keeps `keep` of the concurrency (a capacity loss); running requests
    /// finish.
    pub fn set_keep(&mut self, keep: f64) {
        // Non-negative, so truncation is floor.
        self.limit = (f64::from(self.base_limit) * keep) as u32;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_function_throttles_and_environments_are_reused_while_warm() {
        let mut f = Function::new(2, 0, 60.0, 1000);
        assert_eq!(f.start(0.0), Some(Env::Cold));
        assert_eq!(f.start(0.0), Some(Env::Cold));
        assert_eq!(f.start(0.1), None, "at its concurrency");
        f.finish(Env::Cold, 1.0);
        f.finish(Env::Cold, 2.0);
        assert_eq!(f.start(30.0), Some(Env::Warm));
        assert_eq!(f.start(30.0), Some(Env::Warm));
        f.finish(Env::Warm, 31.0);
        f.finish(Env::Warm, 31.0);
        assert_eq!(f.start(91.5), Some(Env::Cold), "idle for 60.5 s, past keep-warm");
    }

    #[test]
    fn provisioned_environments_go_first_and_never_go_cold() {
        let mut f = Function::new(3, 1, 1.0, 1000);
        assert_eq!(f.start(0.0), Some(Env::Provisioned));
        assert_eq!(f.start(0.0), Some(Env::Cold));
        f.finish(Env::Provisioned, 0.5);
        assert_eq!(f.start(1000.0), Some(Env::Provisioned));
    }

    #[test]
    fn new_environments_follow_the_scaling_rate() {
        // 10 per 10 s: ten at once, then one a second.
        let mut f = Function::new(100, 0, 600.0, 10);
        assert_eq!((0..20).filter(|_| f.start(0.0).is_some()).count(), 10);
        assert_eq!(f.start(0.5), None);
        assert!(!f.can_start(0.5));
        assert!((f.scaling_ready_secs(0.5) - 1.0).abs() < 1e-9, "one a second");
        assert!(f.can_start(1.0));
        assert_eq!(f.start(1.0), Some(Env::Cold));
    }

    #[test]
    fn a_capacity_loss_lowers_the_limit() {
        let mut f = Function::new(10, 0, 600.0, 1000);
        f.set_keep(0.5);
        assert_eq!((0..10).filter(|_| f.start(0.0).is_some()).count(), 5);
    }
}
