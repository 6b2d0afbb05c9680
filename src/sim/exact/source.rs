//! One tenant's requests in the per-request engine: arrival times of a
//! Poisson process whose rate follows the tenant's load pattern and
//! spikes (drawn by thinning, so patterns are followed in continuous
//! time), and each request's own attributes (service time, read or write,
//! key shard).
//!
//! Each tenant has two streams of its own, so a tenant's requests are the
//! same in every design and, when it does not spike, in the no-spike
//! baseline (common random numbers).

use rand::RngExt;
use rand_distr::{Distribution, Exp1, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::queueing::ServiceTime;
use crate::rng::{StreamPurpose, stream};
use crate::scenario::model::{Load, Pattern, Scenario, Spike};

/// How service times are drawn.
#[derive(Debug, Clone, Copy)]
pub enum Service {
    /// Exponential of this mean.
    Exponential {
        /// Mean, seconds.
        mean_secs: f64,
    },
    /// Lognormal with these parameters of its logarithm.
    LogNormal {
        /// Mean of the logarithm.
        mu: f64,
        /// Standard deviation of the logarithm.
        sigma: f64,
    },
    /// Always this long.
    Deterministic {
        /// Seconds.
        secs: f64,
    },
}

impl Service {
    /// Draws from `service`.
    pub fn new(service: ServiceTime) -> Self {
        match service {
            ServiceTime::Exponential { mean_secs } => Service::Exponential { mean_secs },
            ServiceTime::LogNormal { mean_secs, cv } => {
                let sigma2 = (1.0 + cv * cv).ln();
                Service::LogNormal { mu: mean_secs.ln() - 0.5 * sigma2, sigma: sigma2.sqrt() }
            }
            ServiceTime::Deterministic { secs } => Service::Deterministic { secs },
        }
    }

    /// One service time, seconds (inlined into the arrivals' block loop,
    /// where a call per request shows).
    #[inline(always)]
    pub fn draw(&self, rng: &mut Xoshiro256PlusPlus) -> f64 {
        match *self {
            Service::Exponential { mean_secs } => {
                let e: f64 = Exp1.sample(rng);
                e * mean_secs
            }
            Service::LogNormal { mu, sigma } => {
                let z: f64 = StandardNormal.sample(rng);
                (mu + sigma * z).exp()
            }
            Service::Deterministic { secs } => secs,
        }
    }
}

/// What a request carries besides its arrival time.
#[derive(Debug, Clone, Copy)]
pub struct Attributes {
    /// Service time at a compute server, seconds.
    pub service_secs: f64,
    /// A read (else a write).
    pub read: bool,
    /// Index of its key shard among the tenant's.
    pub shard: u32,
    /// Initialisation it needs if it starts a new function environment,
    /// seconds (0 without functions).
    pub init_secs: f64,
}

/// One tenant's request source.
#[derive(Debug, Clone)]
pub struct Source {
    arrivals: Xoshiro256PlusPlus,
    attributes: Xoshiro256PlusPlus,
    rate_per_sec: f64,
    pattern: Pattern,
    peak: f64,
    /// The least the pattern's multiplier gets: a candidate below it is
    /// accepted without evaluating the pattern.
    floor: f64,
    start_hour: f64,
    /// This tenant's spikes applied in the task.
    spikes: Vec<Spike>,
    service: Service,
    /// The spike segment of the last draw: from, to (the spike factor
    /// holds in between) and the thinning rate over it.
    segment: (f64, f64, f64),
    read_fraction: f64,
    key_shards: u32,
    hot_key_share: f64,
    /// Mean initialisation of a new function environment, seconds (0:
    /// none drawn).
    cold_start_secs: f64,
}

impl Source {
    /// Tenant `t`'s source in replication `replication`, with the spikes
    /// given (those of the tenant that the task applies).
    pub fn new(sc: &Scenario, t: usize, replication: u32, spikes: &[Spike]) -> Self {
        let load: &Load = &sc.tenants[t].load;
        let (seed, r, i) = (sc.clock.seed, u64::from(replication), t as u64);
        Self {
            arrivals: stream(seed, r, i, StreamPurpose::ExactArrivals),
            attributes: stream(seed, r, i, StreamPurpose::ExactRequests),
            rate_per_sec: load.rate_per_sec,
            pattern: load.pattern,
            peak: load.pattern.peak(),
            floor: load.pattern.floor(),
            start_hour: sc.clock.start_hour,
            // A spike of factor 1 changes no rate, so it must not start a
            // new segment either (that would draw the arrivals afresh).
            spikes: spikes.iter().filter(|s| s.tenant == t && s.factor != 1.0).copied().collect(),
            service: Service::new(sc.compute.service),
            segment: (f64::INFINITY, f64::NEG_INFINITY, 0.0),
            read_fraction: load.read_fraction,
            key_shards: load.key_shards.max(1),
            hot_key_share: load.hot_key_share,
            cold_start_secs: sc.compute.functions.as_ref().map_or(0.0, |f| f.cold_start_secs),
        }
    }

    /// Its rate at the pattern's peak, without spikes, per second.
    pub fn peak_rate_per_sec(&self) -> f64 {
        self.rate_per_sec * self.peak
    }

    /// The spike factor at `t_secs` and when it next changes.
    fn spike_at(&self, t_secs: f64) -> (f64, f64) {
        let mut factor = 1.0;
        let mut next = f64::INFINITY;
        for s in &self.spikes {
            if s.runs_at(t_secs) {
                factor *= s.factor;
                next = next.min(s.end_secs);
            } else if s.start_secs > t_secs {
                next = next.min(s.start_secs);
            }
        }
        (factor, next)
    }

    /// The first arrival after `from_secs` and before `end_secs`
    /// (infinity when there is none).
    pub fn next_arrival(&mut self, from_secs: f64, end_secs: f64) -> f64 {
        let constant = matches!(self.pattern, Pattern::Constant);
        let mut t = from_secs;
        while t < end_secs {
            // The spikes running at `t` run until `segment_end`, so the
            // rate found at the segment's start holds until then.
            if !(t >= self.segment.0 && t < self.segment.1) {
                let (spike, segment_end) = self.spike_at(t);
                self.segment = (t, segment_end, self.rate_per_sec * self.peak * spike);
            }
            let (_, segment_end, most) = self.segment;
            if most <= 0.0 {
                t = segment_end;
                continue;
            }
            let gap: f64 = Exp1.sample(&mut self.arrivals);
            let candidate = t + gap / most;
            if candidate >= segment_end {
                // Memoryless: start again at the boundary at the new rate.
                t = segment_end;
                continue;
            }
            t = candidate;
            if constant {
                return t;
            }
            let u: f64 = self.arrivals.random();
            // The same test as against the pattern alone: the floor never
            // exceeds it.
            let x = u * self.peak;
            if x <= self.floor || x <= self.pattern.factor_at(t, self.start_hour) {
                return t;
            }
        }
        f64::INFINITY
    }

    /// The next request's attributes.
    #[inline]
    pub fn attributes(&mut self) -> Attributes {
        let service_secs = self.service.draw(&mut self.attributes);
        let read = self.attributes.random::<f64>() < self.read_fraction;
        let shard = if self.key_shards == 1 {
            0
        } else {
            let u: f64 = self.attributes.random();
            if u < self.hot_key_share { 0 } else { 1 + self.attributes.random_range(0..self.key_shards - 1) }
        };
        let init_secs = if self.cold_start_secs > 0.0 {
            let e: f64 = Exp1.sample(&mut self.attributes);
            e * self.cold_start_secs
        } else {
            0.0
        };
        Attributes { service_secs, read, shard, init_secs }
    }
}
