//! The latency the gateway and the database add to a served request
//! (docs/model.md, "Latency"): each a distribution of its own, independent
//! of load and of the compute stack's queueing. The per-request stacks
//! draw it for each request they serve; the fast engine convolves its
//! latency distributions with the layers' on the histograms' fine grid.

use rand_xoshiro::Xoshiro256PlusPlus;

use crate::queueing::ServiceTime;
use crate::rng::StreamPurpose;
use crate::scenario::model::Scenario;
use crate::sim::exact::source::Service;
use crate::sim::histogram::{convolve_fine, pmf_of_cdf};

/// The gateway's and the database's latency of one scenario.
#[derive(Debug, Clone, Default)]
pub struct LayerLatency {
    gateway: Option<Service>,
    database: Option<Service>,
    /// The gateway's mean, seconds (0 without one).
    pub gateway_mean_secs: f64,
    /// The database's mean, seconds (0 without one).
    pub database_mean_secs: f64,
}

/// The pmf of `sc`'s gateway's and database's latency (their sum) on the
/// histograms' fine grid, for the fluid's convolution (empty when neither
/// adds latency). Built once per run; the tasks only draw.
pub fn pmf(sc: &Scenario) -> Vec<f64> {
    let pmf_of = |d: ServiceTime| pmf_of_cdf(|x| d.cdf(x));
    match (sc.gateway.as_ref().and_then(|g| g.latency), sc.database.as_ref().and_then(|d| d.latency)) {
        (None, None) => Vec::new(),
        (Some(one), None) | (None, Some(one)) => pmf_of(one),
        (Some(g), Some(d)) => convolve_fine(&pmf_of(g), &pmf_of(d)),
    }
}

impl LayerLatency {
    /// The layers' latency of `sc`'s requests.
    pub fn of(sc: &Scenario) -> Self {
        let gateway = sc.gateway.as_ref().and_then(|g| g.latency);
        let database = sc.database.as_ref().and_then(|d| d.latency);
        Self {
            gateway_mean_secs: gateway.map_or(0.0, |d| d.mean_secs()),
            database_mean_secs: database.map_or(0.0, |d| d.mean_secs()),
            gateway: gateway.map(Service::new),
            database: database.map(Service::new),
        }
    }

    /// The streams each tenant's served requests draw their layers'
    /// latency from in replication `replication` (none when the layers add
    /// none). A tenant's own stream, in the order its requests are served,
    /// gives the same draws whether its stack runs in a whole design or a
    /// part of one, with or without spikes.
    pub fn streams(&self, sc: &Scenario, replication: u32) -> Vec<Xoshiro256PlusPlus> {
        if self.is_none() {
            return Vec::new();
        }
        (0..sc.tenants.len())
            .map(|t| crate::rng::stream(sc.clock.seed, u64::from(replication), t as u64, StreamPurpose::LayerLatency))
            .collect()
    }

    /// True when neither layer adds latency.
    #[inline]
    pub fn is_none(&self) -> bool {
        self.gateway.is_none() && self.database.is_none()
    }

    /// The mean the layers add, seconds.
    pub fn mean_secs(&self) -> f64 {
        self.gateway_mean_secs + self.database_mean_secs
    }

    /// One served request's latency from the layers, seconds (0, drawing
    /// nothing, when they add none).
    #[inline]
    pub fn draw(&self, rng: &mut Xoshiro256PlusPlus) -> f64 {
        let mut secs = 0.0;
        if let Some(g) = &self.gateway {
            secs += g.draw(rng);
        }
        if let Some(d) = &self.database {
            secs += d.draw(rng);
        }
        secs
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::histogram::Histogram;

    #[test]
    fn the_sum_of_two_exponentials_of_one_mean_is_an_erlang() {
        // Two independent Exp(4 ms): an Erlang of shape 2, whose CDF is
        // 1 − e^(−x/m)(1 + x/m).
        let d = ServiceTime::Exponential { mean_secs: 0.004 };
        let one = pmf_of_cdf(|x| d.cdf(x));
        let sum = convolve_fine(&one, &one);
        assert!((sum.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        let mut h = Histogram::fine();
        h.add_pmf(&sum, 1.0);
        for q in [0.5, 0.9, 0.99] {
            // The Erlang's quantile, by bisection on its CDF.
            let cdf = |x: f64| 1.0 - (-x / 4.0).exp() * (1.0 + x / 4.0);
            let (mut lo, mut hi) = (0.0, 200.0);
            for _ in 0..100 {
                let mid = 0.5 * (lo + hi);
                if cdf(mid) < q { lo = mid } else { hi = mid }
            }
            let got = h.quantile_ms(q);
            assert!((got / lo - 1.0).abs() < 0.03, "q {q}: {got} vs {lo}");
        }
    }
}
