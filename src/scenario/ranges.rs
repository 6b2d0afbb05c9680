//! The allowed range of every number in a scenario file, in one table.
//!
//! The ranges are chosen so that every figure a run reports is a finite
//! number: prices, quantities and times are bounded above so that no sum or
//! product overflows, and divisors (service times, capacities, hours in a
//! month) are bounded below so that no quotient does. Resolution checks
//! each value against its range; the format reference lists the same table
//! (a test holds the two together). Counts bounded by [`super::Limits`]
//! (tenants, servers, partitions…) are not repeated here.

use std::fmt;

use crate::units::format_duration;

/// What a range's numbers measure: a quantity in a unit, or a duration
/// (written in the file as text, held in seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// A plain number in the named unit (empty for a pure number).
    Number(&'static str),
    /// A duration; the bounds are seconds.
    Duration,
}

/// An allowed range: `min ≤ value ≤ max` (or `< max`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    /// Smallest value allowed.
    pub min: f64,
    /// Largest value allowed (or the bound it must stay below).
    pub max: f64,
    /// True when `max` itself is not allowed (an hour of the day is below 24).
    pub below_max: bool,
    /// What the numbers measure.
    pub measure: Measure,
}

impl Range {
    const fn number(min: f64, max: f64, unit: &'static str) -> Self {
        Self { min, max, below_max: false, measure: Measure::Number(unit) }
    }

    const fn duration(min_secs: f64, max_secs: f64) -> Self {
        Self { min: min_secs, max: max_secs, below_max: false, measure: Measure::Duration }
    }

    /// True when `value` is finite and within the range.
    pub fn contains(&self, value: f64) -> bool {
        value.is_finite() && value >= self.min && if self.below_max { value < self.max } else { value <= self.max }
    }

    /// `value` moved into the range (what resolution carries on with after
    /// reporting a value out of range, so that later checks stay sane).
    pub fn clamp(&self, value: f64) -> f64 {
        if value.is_nan() {
            return self.min;
        }
        let top = if self.below_max { self.min.max(self.max - self.max.abs() * 1e-9) } else { self.max };
        value.clamp(self.min, top)
    }

    /// One bound as the file would write it.
    pub fn show(&self, value: f64) -> String {
        match self.measure {
            Measure::Duration => format_duration(value),
            Measure::Number(unit) => {
                let number = show_number(value);
                if unit.is_empty() { number } else { format!("{number} {unit}") }
            }
        }
    }
}

impl fmt::Display for Range {
    /// `from 0.001 to 600000 ms`, `from 0 to below 24`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let below = if self.below_max { "below " } else { "" };
        let min = match self.measure {
            Measure::Duration => format_duration(self.min),
            Measure::Number(_) => show_number(self.min),
        };
        write!(f, "from {min} to {below}{}", self.show(self.max))
    }
}

/// A bound written briefly: `1e9` rather than `1000000000`.
fn show_number(x: f64) -> String {
    if x != 0.0 && (x.abs() >= 1e6 || x.abs() < 1e-3) { format!("{x:e}") } else { format!("{x}") }
}

/// One day, seconds.
const DAY_SECS: f64 = 86_400.0;

/// `clock.duration`: a second to ten years (3660 days).
pub const RUN_DURATION: Range = Range::duration(1.0, 3660.0 * DAY_SECS);
/// `clock.tick`: a millisecond to a day (and at most the run). A day at
/// the largest rate keeps a tick's mean arrivals (1e8 × 86,400) far below
/// what the Poisson sampler takes (1.8e19).
pub const TICK: Range = Range::duration(0.001, DAY_SECS);
/// An hour of the day (`clock.start_hour`, `Diurnal.peak_hour`).
pub const HOUR_OF_DAY: Range = Range { min: 0.0, max: 24.0, below_max: true, measure: Measure::Number("") };
/// A fraction (`read_fraction`, `amplitude`, `max_throttled`, a capacity
/// loss's `fraction`, `hot_key_share`).
pub const FRACTION: Range = Range::number(0.0, 1.0, "");
/// Money per month or per stack (`price_per_month`,
/// `overhead_per_stack_per_month`): up to a billion dollars.
pub const USD_PER_MONTH: Range = Range::number(0.0, 1e9, "USD");
/// Prices per unit of use (per million requests or units, per
/// instance-hour, per GB-month): up to a million dollars.
pub const USD_PER_UNIT: Range = Range::number(0.0, 1e6, "USD");
/// Price of a provisioned capacity unit per hour: up to a thousand dollars.
pub const USD_PER_UNIT_HOUR: Range = Range::number(0.0, 1e3, "USD");
/// A request rate that may be zero (a tenant's `rate`, a plan's `rate`,
/// `TenantRate`): up to a billion requests per second (a tenant's peak is
/// also held to [`super::Limits::max_rate_per_sec`]).
pub const RATE_PER_SEC: Range = Range::number(0.0, 1e9, "req/s");
/// The shared account bucket's refill: at least one request every 1,000 s.
pub const ACCOUNT_RATE_PER_SEC: Range = Range::number(0.001, 1e9, "req/s");
/// A token bucket's size (`burst`, `account_burst`): one request to 1e12.
pub const BURST: Range = Range::number(1.0, 1e12, "requests");
/// A quota (requests per day, week or month): one to 1e15, where counts
/// are still whole numbers as floating point.
pub const QUOTA: Range = Range::number(1.0, 1e15, "requests");
/// `slo.p99_ms`: a microsecond to a day.
pub const P99_OBJECTIVE_MS: Range = Range::number(0.001, 8.64e7, "ms");
/// A tier's fair-share `weight`: relative, within a factor of a million.
pub const FAIR_WEIGHT: Range = Range::number(0.001, 1000.0, "");
/// A tier's `cost_weight`: relative, zero allowed.
pub const COST_WEIGHT: Range = Range::number(0.0, 1e6, "");
/// A `LogNormal` spread's `sigma`: a factor of e^5 either way at most.
pub const SPREAD_SIGMA: Range = Range::number(0.0, 5.0, "");
/// A `Uniform` spread's `low` and `high` factors.
pub const SPREAD_FACTOR: Range = Range::number(0.0, 1000.0, "");
/// A rate multiplier (a pattern's `factor` and `to_factor`, a spike's
/// `factor`).
pub const MULTIPLIER: Range = Range::number(0.0, 10_000.0, "");
/// A pattern's `on` and `off` periods and a spike's or loss's length.
pub const PERIOD: Range = Range::duration(0.001, 3660.0 * DAY_SECS);
/// A `Ramp`'s `over` (zero: at once) and an event's `at`.
pub const OFFSET: Range = Range::duration(0.0, 3660.0 * DAY_SECS);
/// `item_kb`: a byte to DynamoDB's item limit of 400 KB.
pub const ITEM_KB: Range = Range::number(0.001, 400.0, "KB");
/// `data_gb`: up to an exabyte.
pub const DATA_GB: Range = Range::number(0.0, 1e9, "GB");
/// A mean (or fixed) service time: a microsecond to ten minutes.
pub const SERVICE_MS: Range = Range::number(0.001, 600_000.0, "ms");
/// A `LogNormal` service time's coefficient of variation.
pub const SERVICE_CV: Range = Range::number(0.001, 10.0, "");
/// `autoscale.target_utilisation`.
pub const TARGET_UTILISATION: Range = Range::number(0.01, 1.0, "");
/// `autoscale.evaluation_period`: a millisecond (one tick, once rounded)
/// to a day.
pub const EVALUATION_PERIOD: Range = Range::duration(0.001, DAY_SECS);
/// `autoscale.warmup`: none to a day.
pub const WARMUP: Range = Range::duration(0.0, DAY_SECS);
/// `functions.cold_start`: none to ten minutes.
pub const COLD_START: Range = Range::duration(0.0, 600.0);
/// `functions.keep_warm`: a millisecond to a day.
pub const KEEP_WARM: Range = Range::duration(0.001, DAY_SECS);
/// `functions.memory_mb`: AWS Lambda's 128 MB to 10,240 MB.
pub const MEMORY_MB: Range = Range::number(128.0, 10_240.0, "MB");
/// `retry.attempts`: none (clients with a timeout that never retry) to
/// AWS SDKs' most configurable, 10 in all.
pub const RETRY_ATTEMPTS: Range = Range::number(1.0, 10.0, "attempts");
/// `retry.timeout`: a millisecond to an hour (a client's wait for one
/// attempt).
pub const CLIENT_TIMEOUT: Range = Range::duration(0.001, 3600.0);
/// A retry's backoff (`Constant`, `Exponential.base` and `cap`): none to an
/// hour.
pub const RETRY_BACKOFF: Range = Range::duration(0.0, 3600.0);
/// `retry.budget`: retries per first attempt, up to one each.
pub const RETRY_BUDGET: Range = Range::number(0.0, 1.0, "");
/// `queue_timeout`: a millisecond to an hour (so that the longest wait,
/// plus a long service time, stays on the latency histogram's grid).
pub const QUEUE_TIMEOUT: Range = Range::duration(0.001, 3600.0);
/// `queue.retention`: a minute (SQS's least) to a day (SQS keeps up to 14
/// days, but a longer wait would leave the latency histogram's grid).
pub const RETENTION: Range = Range::duration(60.0, 86_400.0);
/// A tier's `slo.max_message_age`: a second to the longest retention.
pub const MESSAGE_AGE: Range = Range::duration(1.0, 86_400.0);
/// `queue.visibility_timeout`: none to SQS's most, 12 hours.
pub const VISIBILITY_TIMEOUT: Range = Range::duration(0.0, 43_200.0);
/// `queue.send_rate`: a FIFO queue's messages per second, one to a billion
/// (SQS: 300 a call at a time, 3,000 in batches, tens of thousands in its
/// high-throughput mode).
pub const SEND_RATE_PER_SEC: Range = Range::number(1.0, 1e9, "messages/s");
/// `queue.max_concurrency`: an SQS event source's maximum concurrency for
/// a Lambda function, 2 to 1,000 as AWS allows.
pub const MAX_CONCURRENCY: Range = Range::number(2.0, 1000.0, "executions");
/// `queue.batch_size`: one message an invocation to a Lambda trigger's
/// most, 10,000 (more than ten only with a batching window).
pub const BATCH_SIZE: Range = Range::number(1.0, 10_000.0, "messages");
/// `queue.batch_window`: none to a Lambda trigger's most, five minutes.
pub const BATCH_WINDOW: Range = Range::duration(0.0, 300.0);
/// The most messages a batch holds without a batching window of at least
/// a second (AWS's rule).
pub const MOST_WITHOUT_WINDOW: u32 = 10;
/// `queue.max_receives`: SQS's least, 1, to 250 (SQS allows 1,000; beyond a
/// few the retention decides anyway).
pub const MAX_RECEIVES: Range = Range::number(1.0, 250.0, "receives");
/// `queue.requests_per_message`: one to SQS's most for a 256 KB message
/// sent, received and deleted in 64 KB chunks.
pub const REQUESTS_PER_MESSAGE: Range = Range::number(1.0, 12.0, "requests");
/// A partition's read or write units per second, and a table's
/// provisioned units: one to a billion.
pub const CAPACITY_UNITS: Range = Range::number(1.0, 1e9, "units/s");
/// `relational.vcpus`: one to the largest managed instances' 192.
pub const VCPUS: Range = Range::number(1.0, 192.0, "vCPUs");
/// `relational.memory_gib`: half a GiB to 24 TiB.
pub const MEMORY_GIB: Range = Range::number(0.5, 24_576.0, "GiB");
/// `relational.max_connections`, `relational.pool_per_instance`: one to
/// PostgreSQL's most, 262,143.
pub const CONNECTIONS: Range = Range::number(1.0, 262_143.0, "connections");
/// `relational.relations_per_schema`: one to a million.
pub const RELATIONS_PER_SCHEMA: Range = Range::number(1.0, 1e6, "relations");
/// `relational.read_replicas`: none to the 15 a managed cluster allows.
pub const READ_REPLICAS: Range = Range::number(0.0, 15.0, "replicas");
/// `proxy.max_connections_percent`: 1 % to all of them.
pub const PERCENT_OF_CONNECTIONS: Range = Range::number(1.0, 100.0, "%");
/// `proxy.borrow_timeout`: a millisecond to an hour.
pub const BORROW_TIMEOUT: Range = Range::duration(0.001, 3600.0);
/// `cost.hours_per_month`: an hour to a leap year's 8,784.
pub const HOURS_PER_MONTH: Range = Range::number(1.0, 8784.0, "h");

/// Every range with the fields it applies to, as the format reference
/// lists them.
pub const DOCUMENTED: &[(&str, Range)] = &[
    ("`clock.duration`", RUN_DURATION),
    ("`clock.tick`", TICK),
    ("`clock.start_hour`, `Diurnal.peak_hour`", HOUR_OF_DAY),
    ("`price_per_month`, `overhead_per_stack_per_month`", USD_PER_MONTH),
    (
        "`price_per_million`, `price_per_hour`, `read_per_million`, `write_per_million`, `storage_per_gb_month`",
        USD_PER_UNIT,
    ),
    ("`read_unit_per_hour`, `write_unit_per_hour`", USD_PER_UNIT_HOUR),
    ("`load.rate`, `plan.rate` (and `TenantRate`, `TierPlan`)", RATE_PER_SEC),
    ("`account_rate`", ACCOUNT_RATE_PER_SEC),
    ("`burst`, `account_burst`", BURST),
    ("`quota_per_day`, `quota_per_week`, `quota_per_month`", QUOTA),
    ("`slo.p99_ms`", P99_OBJECTIVE_MS),
    ("`slo.max_throttled`, `read_fraction`, `hot_key_share`, `Diurnal.amplitude`, `CapacityLoss.fraction`", FRACTION),
    ("`weight`", FAIR_WEIGHT),
    ("`cost_weight`", COST_WEIGHT),
    ("`LogNormal.sigma` (spread)", SPREAD_SIGMA),
    ("`Uniform.low`, `Uniform.high` (spread)", SPREAD_FACTOR),
    ("`Bursty.factor`, `Ramp.to_factor`, `Spike.factor`", MULTIPLIER),
    ("`Bursty.on`, `Bursty.off`, an event's `duration`", PERIOD),
    ("`Ramp.over`, an event's `at` (and before the run ends)", OFFSET),
    ("`item_kb`", ITEM_KB),
    ("`data_gb`", DATA_GB),
    ("`mean_ms`, `ms` (service time)", SERVICE_MS),
    ("`cv` (service time)", SERVICE_CV),
    ("`target_utilisation`", TARGET_UTILISATION),
    ("`evaluation_period`", EVALUATION_PERIOD),
    ("`warmup`", WARMUP),
    ("`queue_timeout`", QUEUE_TIMEOUT),
    ("`queue.retention`", RETENTION),
    ("`queue.visibility_timeout`", VISIBILITY_TIMEOUT),
    ("`slo.max_message_age`", MESSAGE_AGE),
    ("`queue.max_receives`", MAX_RECEIVES),
    ("`queue.requests_per_message`", REQUESTS_PER_MESSAGE),
    ("`queue.batch_size`", BATCH_SIZE),
    ("`queue.batch_window`", BATCH_WINDOW),
    ("`retry.attempts`", RETRY_ATTEMPTS),
    ("`retry.backoff` (`Constant`, `Exponential.base`, `Exponential.cap`)", RETRY_BACKOFF),
    ("`retry.budget`", RETRY_BUDGET),
    ("`retry.timeout`", CLIENT_TIMEOUT),
    ("`functions.cold_start`", COLD_START),
    ("`functions.keep_warm`", KEEP_WARM),
    ("`functions.memory_mb`", MEMORY_MB),
    (
        "`read_units_per_partition`, `write_units_per_partition`, `Provisioned.read_units`, `Provisioned.write_units`",
        CAPACITY_UNITS,
    ),
    ("`hours_per_month`", HOURS_PER_MONTH),
    ("`relational.vcpus`", VCPUS),
    ("`relational.memory_gib`", MEMORY_GIB),
    ("`relational.max_connections`, `relational.pool_per_instance`", CONNECTIONS),
    ("`relational.read_replicas`", READ_REPLICAS),
    ("`relational.relations_per_schema`", RELATIONS_PER_SCHEMA),
    ("`proxy.max_connections_percent`", PERCENT_OF_CONNECTIONS),
    ("`proxy.borrow_timeout`", BORROW_TIMEOUT),
];

/// The row of the format reference's table of ranges for one entry.
pub fn doc_row(fields: &str, range: &Range) -> String {
    let below = if range.below_max { "below " } else { "" };
    let min = match range.measure {
        Measure::Duration => format!("`\"{}\"`", format_duration(range.min)),
        Measure::Number(_) => show_number(range.min),
    };
    let max = match range.measure {
        Measure::Duration => format!("`\"{}\"`", format_duration(range.max)),
        Measure::Number(_) => show_number(range.max),
    };
    let unit = match range.measure {
        Measure::Duration => "duration",
        Measure::Number(unit) => unit,
    };
    format!("| {fields} | {min} | {below}{max} | {unit} |")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_read_as_written() {
        assert_eq!(SERVICE_MS.to_string(), "from 0.001 to 600000 ms");
        assert_eq!(USD_PER_MONTH.to_string(), "from 0 to 1e9 USD");
        assert_eq!(HOUR_OF_DAY.to_string(), "from 0 to below 24");
        assert_eq!(RUN_DURATION.to_string(), "from 1s to 3660d");
        assert_eq!(TICK.to_string(), "from 1ms to 1d");
        assert_eq!(doc_row("`x`", &QUEUE_TIMEOUT), "| `x` | `\"1ms\"` | `\"1h\"` | duration |");
    }

    #[test]
    fn contains_and_clamp_agree() {
        for range in DOCUMENTED.iter().map(|(_, r)| r) {
            for x in [f64::NAN, f64::NEG_INFINITY, -1.0, 0.0, 5e-324, 1.0, 24.0, 1e300, f64::INFINITY] {
                let inside = range.clamp(x);
                assert!(range.contains(inside), "{range}: {x} clamps to {inside}");
                if range.contains(x) {
                    assert_eq!(inside, x, "{range}: {x}");
                }
            }
        }
    }
}
