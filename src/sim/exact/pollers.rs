//! The pollers of an event source mapping: how many executions of a
//! function a standard SQS queue lets run at once (docs/model.md,
//! "Functions behind a queue"). A mapping starts with five, adds up to
//! 300 a minute while its queue has messages waiting for them, up to
//! 1,250, and lets go of those it has not needed for about a minute.

/// Executions a mapping lets run when it starts, and the fewest it keeps
/// (AWS: five concurrent batches).
pub const START: u32 = 5;

/// How fast a mapping adds executions while messages wait for them, per
/// second (AWS: up to 300 a minute).
pub const PER_SEC: f64 = 5.0;

/// The most executions a mapping of a standard queue runs at once (AWS:
/// 1,250).
pub const MOST: u32 = 1250;

/// Length of the buckets the recent peak in use is kept in, seconds.
const BUCKET_SECS: f64 = 10.0;

/// Buckets kept: the peak covers the last 60 to 70 s.
const BUCKETS: usize = 7;

/// One queue's event source mapping.
#[derive(Debug, Clone)]
pub struct Pollers {
    /// Executions allowed at `since_secs` (a real number: it grows
    /// continuously while rising).
    level: f64,
    since_secs: f64,
    /// Growing at [`PER_SEC`] since `since_secs`.
    rising: bool,
    /// The most it allows: [`MOST`], or the queue's maximum concurrency.
    ceiling: u32,
    /// The most executions in use in each of the last [`BUCKETS`]
    /// buckets of [`BUCKET_SECS`] (a ring; `bucket` is the current one).
    peaks: [u32; BUCKETS],
    bucket: u64,
}

impl Pollers {
    /// A new mapping allowing at most `ceiling` executions (at least 1).
    pub fn new(ceiling: u32) -> Self {
        let ceiling = ceiling.clamp(1, MOST);
        Self {
            level: f64::from(START.min(ceiling)),
            since_secs: 0.0,
            rising: false,
            ceiling,
            peaks: [0; BUCKETS],
            bucket: 0,
        }
    }

    /// Moves the ring of peaks to `t_secs`, `in_use` having held since the
    /// last change.
    fn roll(&mut self, in_use: u32, t_secs: f64) {
        let bucket = (t_secs.max(0.0) / BUCKET_SECS) as u64;
        if bucket > self.bucket {
            let skipped = (bucket - self.bucket).min(BUCKETS as u64);
            for k in 1..=skipped {
                self.peaks[((self.bucket + k) % BUCKETS as u64) as usize] = in_use;
            }
            self.bucket = bucket;
        }
    }

    /// Its level at `t_secs` while not rising, `in_use` running: what it
    /// stopped at, down to the most in use over the last minute (never
    /// below [`START`]). Not stored, so the answer does not depend on
    /// when it is asked.
    fn resting(&mut self, in_use: u32, t_secs: f64) -> f64 {
        self.roll(in_use, t_secs);
        let peak = self.peaks.iter().copied().max().unwrap_or(0).max(in_use);
        self.level.min(f64::from(peak.max(START).min(self.ceiling)))
    }

    /// Executions allowed at `t_secs` with `in_use` running, while not
    /// rising.
    fn allowed(&mut self, in_use: u32, t_secs: f64) -> u32 {
        // A level stopped at a whole number stays one despite rounding.
        ((self.resting(in_use, t_secs) + 1e-9).floor() as u32).min(self.ceiling)
    }

    /// True when one more execution may start at `t_secs` with `in_use`
    /// running; when not, a message is waiting for the level, which rises
    /// from then on.
    pub fn admits(&mut self, in_use: u32, t_secs: f64) -> bool {
        if self.rising {
            // The very test `ready_secs` makes, so that a wake it schedules
            // finds the level there however large the clock.
            return in_use < self.ceiling && self.due_secs(in_use) <= t_secs;
        }
        if in_use < self.allowed(in_use, t_secs) {
            return true;
        }
        if in_use < self.ceiling {
            self.level = self.resting(in_use, t_secs);
            self.rising = true;
            self.since_secs = t_secs;
        }
        false
    }

    /// Executions in use went from `before` to `after` at `t_secs`.
    pub fn used(&mut self, before: u32, after: u32, t_secs: f64) {
        self.roll(before, t_secs);
        let peak = &mut self.peaks[(self.bucket % BUCKETS as u64) as usize];
        *peak = (*peak).max(after);
    }

    /// The queue has no message waiting at `t_secs`: the level stops
    /// rising where it is.
    pub fn drained(&mut self, t_secs: f64) {
        if self.rising {
            let risen = PER_SEC * (t_secs - self.since_secs).max(0.0);
            self.level = (self.level + risen).min(f64::from(self.ceiling));
            self.rising = false;
        }
    }

    /// When the level next lets one more execution start, `in_use`
    /// running at `t_secs`; infinity when it is not rising, is at its
    /// ceiling, or already lets one start (something else refuses it).
    pub fn ready_secs(&self, in_use: u32, t_secs: f64) -> f64 {
        if !self.rising || in_use >= self.ceiling {
            return f64::INFINITY;
        }
        let due = self.due_secs(in_use);
        if due <= t_secs { f64::INFINITY } else { due }
    }

    /// While rising: when the level reaches `in_use + 1`.
    fn due_secs(&self, in_use: u32) -> f64 {
        self.since_secs + (f64::from(in_use + 1) - self.level) / PER_SEC
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mapping_adds_five_executions_a_second_while_messages_wait_and_lets_them_go_a_minute_later() {
        let mut p = Pollers::new(MOST);
        // Five at once, then a sixth message waits.
        assert!(p.admits(4, 0.0));
        assert!(!p.admits(5, 0.0));
        // It may start when the level reaches 6, 0.2 s later.
        let due = p.ready_secs(5, 0.0);
        assert!((due - 0.2).abs() < 1e-12, "{due}");
        assert!(!p.admits(5, due - 1e-6));
        assert!(p.admits(5, due));
        // Once it lets one start, whatever still refuses is something else.
        assert!(p.ready_secs(5, due).is_infinite());
        // A minute on, 305 may run.
        assert!(p.admits(304, 60.0) && !p.admits(305, 60.0));
        for n in 5..300 {
            p.used(n, n + 1, 60.0);
        }
        // The queue drains at 60 s with 300 running: the level stays at
        // the most used in the last minute while they finish, then falls
        // back to five.
        p.drained(60.0);
        p.used(300, 3, 61.0);
        assert_eq!(p.allowed(3, 100.0), 300, "the peak of the last minute");
        assert_eq!(p.allowed(3, 140.0), START, "over a minute after the 300 ended");
        // It never passes its ceiling, and a queue's maximum concurrency
        // under five caps the start.
        let mut p = Pollers::new(MOST);
        assert!(!p.admits(5, 0.0));
        assert!(p.admits(MOST - 1, 1e6) && !p.admits(MOST, 1e6));
        assert!(p.ready_secs(MOST, 1e6).is_infinite());
        let mut p = Pollers::new(2);
        assert!(p.admits(1, 0.0) && !p.admits(2, 0.0));
        assert!(p.ready_secs(2, 0.0).is_infinite());
    }
}
