//! Closed forms of queueing theory (docs/model.md, "Latency"): Erlang C,
//! M/M/c waiting and latency, service-time distributions, and the latency
//! distribution the engine records for one tick. Pure functions of
//! numbers that import nothing else of this crate; the engine and the
//! fidelity tests both use them, so the tests also check the engine's use
//! of them.

/// Probability that an arrival waits in an M/M/c queue with `servers`
/// servers and offered load `a = λ/μ` (Erlang C). Returns 1 when `a ≥ c`.
///
/// Uses the Erlang B recursion, which is stable for thousands of servers.
pub fn erlang_c(servers: u32, offered_load: f64) -> f64 {
    let c = f64::from(servers);
    if servers == 0 || offered_load >= c {
        return 1.0;
    }
    if offered_load <= 0.0 {
        return 0.0;
    }
    // Far more servers than load: the probability of waiting is below
    // 1e-15 (more than 10 standard deviations of the Poisson load).
    if c > offered_load + spread_of(offered_load) {
        return 0.0;
    }
    let b = erlang_b(servers, offered_load);
    let rho = offered_load / c;
    b / (1.0 - rho * (1.0 - b))
}

/// Ten standard deviations of a Poisson load `a`, and some: beyond it
/// Erlang B is below 1e-15.
fn spread_of(offered_load: f64) -> f64 {
    10.0 * offered_load.sqrt() + 20.0
}

/// Probability that an arrival finds all `servers` busy in a loss system
/// (no queue) at offered load `a` erlangs (Erlang B, M/G/c/c: it depends
/// on the service time's mean only). 1 with no server, 0 with no load.
pub fn erlang_b(servers: u32, offered_load: f64) -> f64 {
    if servers == 0 {
        return 1.0;
    }
    if offered_load <= 0.0 || offered_load.is_nan() {
        return 0.0;
    }
    let spread = spread_of(offered_load);
    if f64::from(servers) > offered_load + spread {
        return 0.0;
    }
    // By the recursion on its inverse, 1/B(k) = 1 + (k/a)/B(k−1), which
    // needs no division in the loop. For large loads it starts well below
    // the load, at k₀ = a − spread, from B(k₀) ≈ 1 − k₀/a: the recursion
    // contracts errors by k/a per step, so the start-up error vanishes
    // long before k = c. With far fewer servers than that, it runs from 0.
    let inv_a = 1.0 / offered_load;
    // Truncation of a non-negative value is its floor.
    let start = (offered_load - spread).max(0.0) as u32;
    let start = if start >= servers { 0 } else { start };
    let mut inv_b = if start == 0 { 1.0 } else { 1.0 / (1.0 - f64::from(start) * inv_a) };
    for k in start + 1..=servers {
        inv_b = 1.0 + f64::from(k) * inv_a * inv_b;
    }
    1.0 / inv_b
}

/// Mean waiting time in an M/M/c queue, seconds (`Wq = C/(cμ − λ)`).
pub fn mmc_mean_wait_secs(servers: u32, lambda_per_sec: f64, mu_per_sec: f64) -> f64 {
    let capacity = f64::from(servers) * mu_per_sec;
    if lambda_per_sec >= capacity {
        return f64::INFINITY;
    }
    erlang_c(servers, lambda_per_sec / mu_per_sec) / (capacity - lambda_per_sec)
}

/// Mean latency (wait plus exponential service) of an M/M/c queue, seconds.
pub fn mmc_mean_latency_secs(servers: u32, lambda_per_sec: f64, mu_per_sec: f64) -> f64 {
    mmc_mean_wait_secs(servers, lambda_per_sec, mu_per_sec) + 1.0 / mu_per_sec
}

/// Cap on utilisation in the stationary waiting term where a queue is
/// taken as stationary (above it a queue is followed through time, or its
/// excess is a drain delay).
pub const RHO_CAP: f64 = 0.98;

/// Allen–Cunneen's variability factor `(ca² + cs²) / 2` of a G/G/c queue
/// whose arrivals have squared coefficient of variation `ca2` and whose
/// service times have coefficient of variation `cs`: it scales the M/M/c
/// wait.
pub fn variability(ca2: f64, cs: f64) -> f64 {
    (0.5 * (ca2 + cs * cs)).max(1e-6)
}

/// Mean number in a G/G/c system at utilisation `rho` (below 1) by
/// Allen–Cunneen: `cρ + v · C(c, cρ) · ρ / (1 − ρ)`.
pub fn number_in_system(servers: u32, rho: f64, variability: f64) -> f64 {
    let c = f64::from(servers);
    let rho = rho.clamp(0.0, 1.0 - 1e-12);
    c * rho + variability * erlang_c(servers, c * rho) * rho / (1.0 - rho)
}

/// The utilisation `ρ` at which `number_in_system(ρ) + slope · ρ` equals
/// `target` (the left side grows with `ρ` from 0 towards infinity, so
/// there is one; `slope ≥ 0`). Solved on the complement's logarithm
/// `y = −ln(1 − ρ)`, which spreads ρ near 1, by Algorithm 748 (Alefeld,
/// Potra and Shi: a bracketing method that converges in a few steps on a
/// function this smooth, where bisection needs about 40).
pub fn utilisation_for(servers: u32, variability: f64, slope: f64, target: f64) -> f64 {
    if servers == 0 || target <= 0.0 {
        return 0.0;
    }
    let rho_of = |y: f64| -(-y).exp_m1();
    let f = |y: f64| {
        let rho = rho_of(y);
        number_in_system(servers, rho, variability) + slope * rho - target
    };
    // At y = 60, ρ is 1 to within 1e-26: a target beyond what that holds
    // is reached only at saturation.
    const Y_MAX: f64 = 60.0;
    match root1d::toms748(f, 0.0, Y_MAX).atol(1e-10).root() {
        Ok(y) => rho_of(y),
        Err(_) if f(Y_MAX) < 0.0 => rho_of(Y_MAX),
        // f(0) = −target < 0 and f is continuous and increasing, so only a
        // non-finite value can get here.
        Err(_) => 0.0,
    }
}

/// Service-time distribution.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ServiceTime {
    /// Exponential.
    Exponential {
        /// Mean in seconds.
        mean_secs: f64,
    },
    /// Lognormal.
    LogNormal {
        /// Mean in seconds.
        mean_secs: f64,
        /// Coefficient of variation.
        cv: f64,
    },
    /// Constant.
    Deterministic {
        /// Service time in seconds.
        secs: f64,
    },
}

impl ServiceTime {
    /// Mean service time in seconds.
    pub fn mean_secs(&self) -> f64 {
        match *self {
            ServiceTime::Exponential { mean_secs } | ServiceTime::LogNormal { mean_secs, .. } => mean_secs,
            ServiceTime::Deterministic { secs } => secs,
        }
    }

    /// Coefficient of variation (1 for exponential, 0 for deterministic).
    pub fn cv(&self) -> f64 {
        match *self {
            ServiceTime::Exponential { .. } => 1.0,
            ServiceTime::LogNormal { cv, .. } => cv,
            ServiceTime::Deterministic { .. } => 0.0,
        }
    }

    /// The probability of a time of at most `x_secs`.
    pub fn cdf(&self, x_secs: f64) -> f64 {
        if x_secs <= 0.0 {
            return 0.0;
        }
        match *self {
            ServiceTime::Exponential { mean_secs } => -(-x_secs / mean_secs).exp_m1(),
            ServiceTime::LogNormal { mean_secs, cv } => LogNormalService::new(mean_secs, cv).cdf(x_secs),
            ServiceTime::Deterministic { secs } => f64::from(u8::from(x_secs >= secs)),
        }
    }

    /// The time at probability `q` (0 < q < 1), seconds: exact for
    /// exponential and deterministic times, by bisection on the CDF for
    /// lognormal ones.
    pub fn quantile_secs(&self, q: f64) -> f64 {
        match *self {
            ServiceTime::Exponential { mean_secs } => -mean_secs * (-q).ln_1p(),
            ServiceTime::Deterministic { secs } => secs,
            ServiceTime::LogNormal { mean_secs, .. } => {
                let (mut lo, mut hi) = (0.0, mean_secs);
                while self.cdf(hi) < q && hi < 1e12 {
                    hi *= 2.0;
                }
                for _ in 0..100 {
                    let mid = 0.5 * (lo + hi);
                    if self.cdf(mid) < q {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                0.5 * (lo + hi)
            }
        }
    }
}

/// The waiting part of one tick's latency distribution: with probability
/// `wait_probability` a request waits an exponential time of rate
/// `wait_rate_per_sec`, after a deterministic `delay_secs` from backlog.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WaitState {
    /// Delay every request sees from backlog carried over ticks, seconds.
    pub delay_secs: f64,
    /// Probability of waiting for a server (Erlang C at the tick's load).
    pub wait_probability: f64,
    /// Rate of the exponential wait, per second (`cμ − λ`, adjusted for
    /// the service-time variability).
    pub wait_rate_per_sec: f64,
}

impl WaitState {
    /// A fixed delay of `delay_secs` and no wait for a server.
    pub const fn delay_only(delay_secs: f64) -> Self {
        Self { delay_secs, wait_probability: 0.0, wait_rate_per_sec: 1.0 }
    }

    /// The stationary M/M/c (or M/G/c, by the Allen–Cunneen correction)
    /// wait at `lambda_per_sec` on `servers` servers, plus `delay_secs`.
    /// Utilisation is capped at [`RHO_CAP`].
    pub fn stationary(servers: u32, lambda_per_sec: f64, service: &ServiceTime, delay_secs: f64) -> Self {
        let mean = service.mean_secs();
        if servers == 0 {
            return Self::delay_only(delay_secs);
        }
        let c = f64::from(servers);
        let rho = (lambda_per_sec.max(0.0) * mean / c).min(RHO_CAP);
        let wait_probability = erlang_c(servers, rho * c);
        let cv = service.cv();
        let variability = 0.5 * (1.0 + cv * cv);
        let wait_rate_per_sec = (c / mean) * (1.0 - rho) / variability.max(1e-6);
        Self { delay_secs, wait_probability, wait_rate_per_sec }
    }

    /// The wait of a G/G/c queue at utilisation `rho` (below 1, no cap),
    /// by Allen–Cunneen with variability factor `variability`, plus
    /// `delay_secs`.
    pub fn at_utilisation(servers: u32, rho: f64, mean_service_secs: f64, variability: f64, delay_secs: f64) -> Self {
        if servers == 0 {
            return Self::delay_only(delay_secs);
        }
        let c = f64::from(servers);
        let rho = rho.clamp(0.0, 1.0 - 1e-12);
        let wait_probability = erlang_c(servers, rho * c);
        let wait_rate_per_sec = (c / mean_service_secs) * (1.0 - rho) / variability.max(1e-6);
        Self { delay_secs, wait_probability, wait_rate_per_sec }
    }

    /// Mean latency (delay + wait + service), seconds.
    pub fn mean_latency_secs(&self, service: &ServiceTime) -> f64 {
        self.delay_secs + self.wait_probability / self.wait_rate_per_sec + service.mean_secs()
    }

    /// P(latency ≤ x) for latency = delay + wait + service.
    pub fn latency_cdf(&self, service: &ServiceTime, x_secs: f64) -> f64 {
        let y = x_secs - self.delay_secs;
        if y <= 0.0 {
            return 0.0;
        }
        let c = self.wait_probability;
        let theta = self.wait_rate_per_sec;
        let value = match *service {
            ServiceTime::Exponential { mean_secs } => {
                let mu = 1.0 / mean_secs;
                let no_wait = -(-mu * y).exp_m1();
                (1.0 - c) * no_wait + c * hypoexponential_cdf(theta, mu, y)
            }
            ServiceTime::Deterministic { secs } => {
                let z = y - secs;
                if z < 0.0 { 0.0 } else { (1.0 - c) + c * -(-theta * z).exp_m1() }
            }
            ServiceTime::LogNormal { mean_secs, cv } => {
                let dist = LogNormalService::new(mean_secs, cv);
                (1.0 - c) * dist.cdf(y) + c * dist.cdf_after_exp_wait(theta, y)
            }
        };
        value.clamp(0.0, 1.0)
    }

    /// The latency at probability `q`, seconds (bisection on the CDF).
    pub fn latency_quantile_secs(&self, service: &ServiceTime, q: f64) -> f64 {
        let mut lo = 0.0;
        let mut hi = self.delay_secs + service.mean_secs() * 10.0 + 1.0;
        while self.latency_cdf(service, hi) < q {
            hi *= 2.0;
            if hi > 1e9 {
                return hi;
            }
        }
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if self.latency_cdf(service, mid) < q {
                lo = mid;
            } else {
                hi = mid;
            }
            if hi - lo <= 1e-12 * hi.max(1e-9) {
                break;
            }
        }
        0.5 * (lo + hi)
    }
}

/// P(X + Y ≤ y) for independent exponentials of rates `a` and `b`.
fn hypoexponential_cdf(a: f64, b: f64, y: f64) -> f64 {
    if (a - b).abs() <= 1e-9 * a.max(b) {
        let r = 0.5 * (a + b);
        return 1.0 - (-r * y).exp() * (1.0 + r * y);
    }
    1.0 - (b * (-a * y).exp() - a * (-b * y).exp()) / (b - a)
}

/// Lognormal service time given by mean and coefficient of variation.
#[derive(Debug, Clone, Copy)]
struct LogNormalService {
    mu_log: f64,
    sigma_log: f64,
}

/// Gauss–Legendre nodes and weights on [-1, 1], 16 points.
const GL_NODES: [f64; 8] = [
    0.095_012_509_837_637_44,
    0.281_603_550_779_258_9,
    0.458_016_777_657_227_4,
    0.617_876_244_402_643_8,
    0.755_404_408_355_003,
    0.865_631_202_387_831_8,
    0.944_575_023_073_232_6,
    0.989_400_934_991_649_9,
];
const GL_WEIGHTS: [f64; 8] = [
    0.189_450_610_455_068_5,
    0.182_603_415_044_923_6,
    0.169_156_519_395_002_5,
    0.149_595_988_816_576_7,
    0.124_628_971_255_533_9,
    0.095_158_511_682_492_8,
    0.062_253_523_938_647_9,
    0.027_152_459_411_754_1,
];

impl LogNormalService {
    fn new(mean_secs: f64, cv: f64) -> Self {
        let sigma2 = (1.0 + cv * cv).ln();
        Self { mu_log: mean_secs.ln() - 0.5 * sigma2, sigma_log: sigma2.sqrt() }
    }

    fn cdf(&self, y: f64) -> f64 {
        if y <= 0.0 {
            return 0.0;
        }
        let z = (y.ln() - self.mu_log) / (self.sigma_log * std::f64::consts::SQRT_2);
        0.5 * libm::erfc(-z)
    }

    /// P(W + S ≤ y) with W exponential of rate `theta`: the integral
    /// ∫₀^y θe^{−θw} F_S(y − w) dw by 16-point Gauss–Legendre over the
    /// part of [0, y] where the exponential has mass.
    fn cdf_after_exp_wait(&self, theta: f64, y: f64) -> f64 {
        let upper = y.min(40.0 / theta);
        let half = 0.5 * upper;
        let mut sum = 0.0;
        for (node, weight) in GL_NODES.iter().zip(GL_WEIGHTS) {
            for w in [half * (1.0 - node), half * (1.0 + node)] {
                sum += weight * theta * (-theta * w).exp() * self.cdf(y - w);
            }
        }
        sum * half
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erlang_b_matches_its_textbook_recursion_at_every_size() {
        let textbook = |n: u32, a: f64| (1..=n).fold(1.0, |b, k| a * b / (f64::from(k) + a * b));
        for (n, a) in [(1, 0.5), (10, 8.0), (50, 45.0), (200, 174.0), (5000, 4900.0), (100, 400.0), (3000, 2000.0)] {
            let (got, want) = (erlang_b(n, a), textbook(n, a));
            assert!((got - want).abs() <= 1e-9 * want.max(1e-300) + 1e-15, "B({n}, {a}): {got} vs {want}");
        }
        assert_eq!(erlang_b(0, 3.0), 1.0);
        assert_eq!(erlang_b(4, 0.0), 0.0);
    }

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs()
    }

    #[test]
    fn erlang_c_matches_model_worked_value() {
        // Worked value in docs/model.md: c = 8, μ = 50/s, λ = 350/s → C = 0.6353.
        assert!(close(erlang_c(8, 7.0), 0.6353, 1e-4), "{}", erlang_c(8, 7.0));
        // M/M/1: C = ρ.
        assert!(close(erlang_c(1, 0.8), 0.8, 1e-12));
        // The shortcut start for large loads agrees with the full recursion.
        for (c, a) in [(3200u32, 2800.0), (1000, 990.0), (500, 300.0), (20_000, 19_700.0)] {
            let mut b = 1.0;
            for k in 1..=c {
                b = a * b / (f64::from(k) + a * b);
            }
            let full = b / (1.0 - a / f64::from(c) * (1.0 - b));
            assert!((erlang_c(c, a) - full).abs() < 1e-9, "c={c} a={a}: {} vs {full}", erlang_c(c, a));
        }
        assert_eq!(erlang_c(100_000, 10.0), 0.0);
    }

    #[test]
    fn utilisation_for_inverts_the_number_in_system() {
        for servers in [1u32, 2, 8, 64, 400] {
            for v in [0.25, 1.0, 2.5] {
                for slope in [0.0, 3.0, 250.0] {
                    for target in [1e-3, 0.5, 4.0, 50.0, 1e3, 1e5, 1e8] {
                        let rho = utilisation_for(servers, v, slope, target);
                        assert!((0.0..1.0).contains(&rho), "{servers} {v} {slope} {target}: {rho}");
                        let held = number_in_system(servers, rho, v) + slope * rho;
                        // Within 1e-9 relative (or what a float ρ this
                        // close to 1 resolves: the queue grows as
                        // 1 / (1 − ρ)), or the target lies beyond what a
                        // queue a hair below saturation holds.
                        let resolution = (4.0 * f64::EPSILON / (1.0 - rho)).max(1e-9);
                        let beyond = number_in_system(servers, 1.0, v) + slope < target;
                        assert!(
                            (held - target).abs() <= resolution * target.max(1.0) || (beyond && rho > 1.0 - 1e-12),
                            "{servers} {v} {slope} {target}: rho {rho} holds {held}"
                        );
                    }
                }
            }
        }
        assert_eq!(utilisation_for(0, 1.0, 0.0, 5.0), 0.0);
        assert_eq!(utilisation_for(4, 1.0, 0.0, 0.0), 0.0);
    }

    #[test]
    fn worked_latencies_match_model() {
        let exp = ServiceTime::Exponential { mean_secs: 0.02 };
        let cases = [
            (8, 350.0, 32.71, 25.85, 86.30, 124.05),
            (2, 10.0, 20.20, f64::NAN, f64::NAN, 92.54),
            (1, 40.0, 100.0, f64::NAN, f64::NAN, 460.5),
        ];
        for (c, lambda, mean_ms, p50, p95, p99) in cases {
            let state = WaitState::stationary(c, lambda, &exp, 0.0);
            assert!(close(state.mean_latency_secs(&exp) * 1e3, mean_ms, 1e-3));
            assert!(close(mmc_mean_latency_secs(c, lambda, 50.0) * 1e3, mean_ms, 1e-3));
            for (q, want) in [(0.5, p50), (0.95, p95), (0.99, p99)] {
                if want.is_finite() {
                    let got = state.latency_quantile_secs(&exp, q) * 1e3;
                    assert!(close(got, want, 1e-3), "c={c} q={q}: {got} vs {want}");
                }
            }
        }
    }

    /// P(Z ≤ 2.326348) = 0.99 for a standard normal Z.
    const Z_99: f64 = 2.326_347_874;

    /// The mean of a latency distribution read from its CDF alone,
    /// ∫₀^∞ (1 − F(x)) dx by Simpson's rule up to `upper_secs`.
    fn mean_from_cdf(state: &WaitState, service: &ServiceTime, upper_secs: f64) -> f64 {
        let steps = 40_000;
        let h = upper_secs / f64::from(steps);
        let tail = |k: u32| 1.0 - state.latency_cdf(service, f64::from(k) * h);
        let mut sum = tail(0) + tail(steps);
        for k in 1..steps {
            sum += if k % 2 == 1 { 4.0 } else { 2.0 } * tail(k);
        }
        sum * h / 3.0
    }

    #[test]
    fn lognormal_service_alone_has_its_closed_form_median_and_p99() {
        // 1,000 servers at λ = 1/s: nobody waits, so latency is the service
        // time. A lognormal of mean m and coefficient of variation cv has
        // σ² = ln(1 + cv²), median m/√(1 + cv²) and p99 median·e^(2.326348σ);
        // an exponential of mean m has median m·ln 2 and p99 m·ln 100.
        let m = 0.02;
        for cv in [0.5, 1.0, 2.0] {
            let service = ServiceTime::LogNormal { mean_secs: m, cv };
            let state = WaitState::stationary(1000, 1.0, &service, 0.0);
            assert_eq!(state.wait_probability, 0.0);
            let sigma = (1.0 + cv * cv).ln().sqrt();
            let median = m / (1.0 + cv * cv).sqrt();
            let p99 = median * (Z_99 * sigma).exp();
            assert!(close(state.latency_quantile_secs(&service, 0.5), median, 1e-6), "cv {cv}: median");
            assert!(close(state.latency_quantile_secs(&service, 0.99), p99, 1e-6), "cv {cv}: p99");
        }
        let exp = ServiceTime::Exponential { mean_secs: m };
        let state = WaitState::stationary(1000, 1.0, &exp, 0.0);
        assert!(close(state.latency_quantile_secs(&exp, 0.5), m * 2f64.ln(), 1e-6));
        assert!(close(state.latency_quantile_secs(&exp, 0.99), m * 100f64.ln(), 1e-6));
    }

    #[test]
    fn lognormal_wait_follows_pollaczek_khinchine_and_orders_against_exponential() {
        // M/G/1 at ρ = 0.8 (S = 20 ms, λ = 40/s). Pollaczek–Khinchine:
        // mean latency S + ρ·S·(1 + cv²) / (2(1 − ρ)); the exponential
        // (cv = 1) gives the M/M/1 value S/(1 − ρ) = 100 ms.
        let (s, lambda) = (0.02, 40.0);
        let rho: f64 = lambda * s;
        let pk = |cv: f64| s + rho * s * (1.0 + cv * cv) / (2.0 * (1.0 - rho));
        let exp = ServiceTime::Exponential { mean_secs: s };
        let exp_state = WaitState::stationary(1, lambda, &exp, 0.0);
        assert!(close(exp_state.mean_latency_secs(&exp), 0.1, 1e-9));
        assert!(close(pk(1.0), 0.1, 1e-12));
        let exp_p99 = exp_state.latency_quantile_secs(&exp, 0.99);
        // M/M/1 latency is exponential of rate μ − λ = 10/s: p99 = ln 100 / 10.
        assert!(close(exp_p99, 100f64.ln() / 10.0, 1e-6), "{exp_p99}");
        for (cv, want_ms) in [(0.5, 70.0), (1.0, 100.0), (2.0, 220.0)] {
            let ln = ServiceTime::LogNormal { mean_secs: s, cv };
            let state = WaitState::stationary(1, lambda, &ln, 0.0);
            let mean = state.mean_latency_secs(&ln);
            assert!(close(pk(cv) * 1e3, want_ms, 1e-12), "worked value for cv {cv}");
            assert!(close(mean, pk(cv), 1e-9), "cv {cv}: mean {mean} vs P-K {}", pk(cv));
            // The distribution the histogram records has that mean too.
            let from_cdf = mean_from_cdf(&state, &ln, 20.0);
            assert!(close(from_cdf, pk(cv), 0.01), "cv {cv}: mean from the CDF {from_cdf} vs {}", pk(cv));
            let p99 = state.latency_quantile_secs(&ln, 0.99);
            if cv < 1.0 {
                assert!(mean < exp_state.mean_latency_secs(&exp) && p99 < exp_p99, "cv {cv}: {mean} {p99}");
            } else if cv > 1.0 {
                assert!(mean > exp_state.mean_latency_secs(&exp) && p99 > exp_p99, "cv {cv}: {mean} {p99}");
            } else {
                assert!(close(mean, exp_state.mean_latency_secs(&exp), 1e-9), "cv 1: same mean as exponential");
            }
        }
    }
}
