//! The per-request engine's arrivals, drawn a block of time ahead: every
//! active tenant's requests (arrival time and attributes) in the block,
//! put in the order the event loop takes them (by time, then by tenant).
//!
//! A tenant's requests depend on its own two streams only, never on what
//! the simulation does with them, so drawing them early changes no number:
//! each stream gives the same draws in the same order as it would one
//! request at a time. How long a block is only changes how much is drawn
//! at once.

use crate::sim::exact::source::Source;

/// Requests a block aims to hold (it adapts its length to the load).
const BLOCK_REQUESTS: usize = 1024;

/// A request drawn ahead.
#[derive(Debug, Clone, Copy)]
pub struct Drawn {
    /// Arrival time, seconds.
    pub secs: f64,
    /// Service time it needs, seconds.
    pub service_secs: f64,
    /// Its tenant.
    pub tenant: u32,
    /// Its key shard.
    pub shard: u32,
    /// A read (else a write).
    pub read: bool,
    /// Initialisation it needs on a cold start, seconds.
    pub init_secs: f64,
}

/// Every tenant's requests, a block at a time.
#[derive(Debug)]
pub struct Arrivals {
    sources: Vec<Option<Source>>,
    /// Each tenant's next arrival not yet in a block (infinity when none).
    next_secs: Vec<f64>,
    block: Vec<Drawn>,
    /// Room to sort a block into, and the sort's bucket counts.
    sorted: Vec<Drawn>,
    buckets: Vec<u32>,
    /// The next request of `block` to hand out.
    at: usize,
    /// Where the current block ends (requests before it are drawn).
    block_end_secs: f64,
    block_secs: f64,
    end_secs: f64,
}

impl Arrivals {
    /// The requests of `sources` (`None` for a tenant the task does not
    /// simulate) before `end_secs`, expecting about `rate_per_sec` of them
    /// a second.
    pub fn new(mut sources: Vec<Option<Source>>, end_secs: f64, rate_per_sec: f64) -> Self {
        let next_secs =
            sources.iter_mut().map(|s| s.as_mut().map_or(f64::INFINITY, |s| s.next_arrival(0.0, end_secs))).collect();
        let block_secs = if rate_per_sec > 0.0 { BLOCK_REQUESTS as f64 / rate_per_sec } else { end_secs };
        let mut arrivals = Self {
            sources,
            next_secs,
            block: Vec::with_capacity(2 * BLOCK_REQUESTS),
            sorted: Vec::with_capacity(2 * BLOCK_REQUESTS),
            buckets: Vec::new(),
            at: 0,
            block_end_secs: 0.0,
            block_secs: block_secs.clamp(1e-6, end_secs.max(1e-6)),
            end_secs,
        };
        arrivals.fill();
        arrivals
    }

    /// Which tenants have requests in this task.
    pub fn active(&self) -> Vec<bool> {
        self.sources.iter().map(Option::is_some).collect()
    }

    /// The time of the next request (infinity when there is none).
    #[inline]
    pub fn next_secs(&self) -> f64 {
        self.block.get(self.at).map_or(f64::INFINITY, |d| d.secs)
    }

    /// The next request (call only when [`Arrivals::next_secs`] is finite).
    #[inline]
    pub fn take(&mut self) -> Drawn {
        let drawn = self.block[self.at];
        self.at += 1;
        if self.at == self.block.len() {
            self.fill();
        }
        drawn
    }

    /// Draws the next block that holds a request (none once every tenant
    /// has drawn its last).
    fn fill(&mut self) {
        self.block.clear();
        self.at = 0;
        let mut first = f64::INFINITY;
        while self.block.is_empty() {
            let start = self.block_end_secs;
            first = self.next_secs.iter().copied().fold(f64::INFINITY, f64::min);
            if first >= self.end_secs {
                return;
            }
            // A quiet stretch: start the block at the next request.
            let end = start.max(first) + self.block_secs;
            for (t, source) in self.sources.iter_mut().enumerate() {
                let Some(source) = source else { continue };
                let mut secs = self.next_secs[t];
                while secs < end {
                    let a = source.attributes();
                    self.block.push(Drawn {
                        secs,
                        service_secs: a.service_secs,
                        tenant: t as u32,
                        shard: a.shard,
                        read: a.read,
                        init_secs: a.init_secs,
                    });
                    secs = source.next_arrival(secs, self.end_secs);
                }
                self.next_secs[t] = secs;
            }
            self.block_end_secs = end;
            // The next block as long as this one would have had to be to
            // hold about the aimed-for requests (at most twice as long).
            let n = self.block.len().max(1);
            self.block_secs *= (BLOCK_REQUESTS as f64 / n as f64).min(2.0);
        }
        self.sort(first, self.block_end_secs);
    }

    /// Puts the block (its requests from `from_secs` to before `to_secs`)
    /// in order by time, then tenant; a tenant's requests at the same time
    /// stay in the order they were drawn.
    ///
    /// A counting sort into about one bucket per request by time (the
    /// bucket grows with the time, so only requests within a bucket can be
    /// out of order), then an insertion sort, which moves only those.
    fn sort(&mut self, from_secs: f64, to_secs: f64) {
        let n = self.block.len();
        let per_sec = n as f64 / (to_secs - from_secs);
        // Non-negative, so truncation is floor (and saturates).
        let bucket = |secs: f64| (((secs - from_secs) * per_sec) as usize).min(n - 1);
        self.buckets.clear();
        self.buckets.resize(n + 1, 0);
        for d in &self.block {
            self.buckets[bucket(d.secs) + 1] += 1;
        }
        for b in 1..=n {
            self.buckets[b] += self.buckets[b - 1];
        }
        self.sorted.clear();
        self.sorted.resize(n, self.block[0]);
        for d in &self.block {
            let place = &mut self.buckets[bucket(d.secs)];
            self.sorted[*place as usize] = *d;
            *place += 1;
        }
        let key = |d: &Drawn| (d.secs.to_bits(), d.tenant);
        for i in 1..n {
            let d = self.sorted[i];
            let mut j = i;
            while j > 0 && key(&self.sorted[j - 1]) > key(&d) {
                self.sorted[j] = self.sorted[j - 1];
                j -= 1;
            }
            self.sorted[j] = d;
        }
        std::mem::swap(&mut self.block, &mut self.sorted);
    }
}
