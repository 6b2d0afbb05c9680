//! Resolution: [`ScenarioFile`] → [`Scenario`]. Names become indices,
//! human units become numbers, every rule is checked once, and every
//! problem is reported with its field path, all at once.

use indexmap::IndexMap;
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal, Uniform};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::rng::{StreamPurpose, stream_seed};
use crate::scenario::budget::{self, Shape, peak_rates};
use crate::scenario::error::{FieldError, FieldErrors};
use crate::scenario::file::{
    AttributionFile, BackoffFile, DbPricingFile, EngineFile, EventFile, FORMAT_VERSION, FairnessFile, FunctionsFile,
    IdleFile, JitterFile, LayerName, LoadFile, PatternFile, RetryFile, ScenarioFile, ServiceTimeFile, SpreadFile,
    TenancyFile, TenantEntryFile, TierFile,
};
use crate::scenario::limits::Limits;
use crate::scenario::model::{
    Attribution, Autoscale, Backoff, Clock, Compute, CostSettings, Database, DbPricing, Design, Engine, Event,
    Fairness, Functions, Gateway, Idle, InstanceBounds, Jitter, Layer, Load, Pattern, Proxy, Queue, Quota, QuotaPeriod,
    Relational, RetryPolicy, Scenario, ServiceTime, Slo, Tenancy, Tenant, Tier, UsagePlan,
};
use crate::scenario::ranges::{self, Range};
use crate::units::DurationText;

mod designs;

use designs::{Names, Placed, build_designs};

/// Connections a compute instance keeps per database by default, when its
/// concurrency is larger: common connection-pool libraries' default size.
pub const DEFAULT_POOL: u32 = 10;

/// Relations (tables, indexes, sequences) in a tenant's schema when the
/// file does not say: a small application's tables and their indexes.
pub const DEFAULT_RELATIONS_PER_SCHEMA: u32 = 50;

/// Messages a second a FIFO queue accepts when the file does not say: an
/// SQS FIFO queue's 300 calls a second to send, one message a call.
pub const DEFAULT_FIFO_SEND_RATE_PER_SEC: f64 = 300.0;

/// The connections a relational instance of `memory_gib` accepts by
/// default, as managed PostgreSQL sets them: its memory in bytes over
/// 9,531,392, at most 5,000.
pub fn default_max_connections(memory_gib: f64) -> u32 {
    ((memory_gib * f64::from(1u32 << 30) / crate::scenario::model::CONNECTION_BYTES).floor() as u32).clamp(1, 5000)
}

/// Checks a parsed file and builds the scenario the engine runs.
///
/// # Errors
/// Occurs when any value is out of range or inconsistent, or when the run
/// would exceed `limits`; every problem found is returned, each with the
/// path of its field.
pub fn resolve(file: &ScenarioFile, limits: &Limits) -> Result<Scenario, FieldErrors> {
    let mut r = Resolver::default();
    if file.version != FORMAT_VERSION {
        r.error(
            "version",
            format!("unsupported version {} (this tenantsim reads version {FORMAT_VERSION})", file.version),
        );
    }
    let clock = r.clock(file, limits);
    let tiers = r.tiers(file, limits);
    let tenants = r.tenants(file, &tiers, clock.as_ref().map_or(0, |c| c.seed), limits);
    let gateway = file.layers.gateway.as_ref().map(|g| Gateway {
        account_rate_per_sec: r.ranged("layers.gateway.account_rate", g.account_rate, &ranges::ACCOUNT_RATE_PER_SEC),
        account_burst: r.ranged("layers.gateway.account_burst", g.account_burst, &ranges::BURST),
        usd_per_million_requests: r.ranged(
            "layers.gateway.price_per_million",
            g.price_per_million,
            &ranges::USD_PER_UNIT,
        ),
        latency: g.latency.as_ref().map(|l| r.duration_distribution("layers.gateway.latency", l)),
    });
    let queue = r.queue(file);
    let compute = r.compute(file, &tiers, limits);
    let database = r.database(file, limits);
    let relational = r.relational(file, compute.as_ref());
    let names = Names::new(&tiers, &tenants);
    let placed = r.placements(file, &tiers, &tenants, &names, limits);
    let events = r.events(file, &tenants, &names, clock.as_ref(), limits);
    let cost = CostSettings {
        attribution: match file.cost.attribution {
            AttributionFile::Proportional => Attribution::Proportional,
            AttributionFile::Requests => Attribution::Requests,
            AttributionFile::Even => Attribution::Even,
            AttributionFile::TierWeights => Attribution::TierWeights,
        },
        idle: match file.cost.idle {
            IdleFile::Spread => Idle::Spread,
            IdleFile::Unallocated => Idle::Unallocated,
        },
        hours_per_month: r.ranged("cost.hours_per_month", file.cost.hours_per_month, &ranges::HOURS_PER_MONTH),
    };
    let (mut max_threads, mut result_bytes) = (1, 0.0);
    if let Some(clock) = &clock {
        r.check_peak_rates(&tenants, &events, limits);
        let parts = (tiers.as_slice(), tenants.as_slice());
        (max_threads, result_bytes) =
            r.check_budget(file, clock, parts, compute.as_ref(), database.as_ref(), &placed, &events, limits);
    }
    if !r.errors.is_empty() {
        return Err(FieldErrors(r.errors));
    }
    drop(names);
    let designs = build_designs(placed, &tenants, limits);
    if queue.is_some() {
        let fair = queue.as_ref().is_some_and(|q| q.fair);
        r.check_queues(&designs, compute.as_ref().is_some_and(|c| c.functions.is_some()), fair);
        if !r.errors.is_empty() {
            return Err(FieldErrors(r.errors));
        }
    }
    if let Some(functions) = compute.as_ref().and_then(|c| c.functions.as_ref()) {
        r.check_reservations(functions, &tenants, &designs, queue.is_some());
        if !r.errors.is_empty() {
            return Err(FieldErrors(r.errors));
        }
    }
    let (Some(clock), Some(compute)) = (clock, compute) else {
        // Unreachable: both are None only when an error was recorded.
        return Err(FieldErrors(vec![FieldError { path: "clock".into(), message: "invalid".into() }]));
    };
    Ok(Scenario {
        name: file.name.clone(),
        description: file.description.clone(),
        clock,
        tiers,
        tenants,
        gateway,
        queue,
        compute,
        database,
        relational,
        designs,
        events,
        cost,
        max_threads,
        result_bytes,
    })
}

#[derive(Default)]
struct Resolver {
    errors: Vec<FieldError>,
}

/// At most this many names are listed in "known: …" hints.
const HINT_NAMES: usize = 8;

fn known_list<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<&str> = names.collect();
    let mut shown: Vec<String> = names.iter().take(HINT_NAMES).map(|s| (*s).to_owned()).collect();
    if names.len() > HINT_NAMES {
        shown.push(format!("… {} more", names.len() - HINT_NAMES));
    }
    if shown.is_empty() { "none".to_owned() } else { shown.join(", ") }
}

impl Resolver {
    fn error(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError { path: path.into(), message: message.into() });
    }

    fn finite(&mut self, path: &str, value: f64) -> Option<f64> {
        if value.is_finite() {
            Some(value)
        } else {
            self.error(path, format!("must be a finite number, not {value}"));
            None
        }
    }

    /// `value` checked against `range`; a value outside it is reported
    /// with the range, and resolution carries on with it moved inside.
    fn ranged(&mut self, path: &str, value: f64, range: &Range) -> f64 {
        if range.contains(value) {
            return value;
        }
        let message = if !value.is_finite() {
            format!("must be a finite number, not {value}")
        } else if value < 0.0 && range.min == 0.0 {
            format!("must not be negative (got {value})")
        } else {
            format!("must be {range} (got {})", range.show(value))
        };
        self.error(path, message);
        range.clamp(value)
    }

    /// A duration checked against `range`, in seconds.
    fn duration_in(&mut self, path: &str, value: &DurationText, range: &Range) -> Option<f64> {
        let secs = self.duration(path, value)?;
        if range.contains(secs) {
            Some(secs)
        } else if secs == 0.0 {
            self.error(path, "must be longer than zero");
            None
        } else {
            self.error(path, format!("must be {range} (got \"{value}\")"));
            None
        }
    }

    fn fraction(&mut self, path: &str, value: f64) -> f64 {
        match self.finite(path, value) {
            Some(v) if (0.0..=1.0).contains(&v) => v,
            Some(v) => {
                self.error(path, format!("must be between 0 and 1 (got {v})"));
                v.clamp(0.0, 1.0)
            }
            None => 0.0,
        }
    }

    fn duration(&mut self, path: &str, value: &DurationText) -> Option<f64> {
        match value.secs() {
            Ok(secs) => Some(secs),
            Err(message) => {
                self.error(path, message);
                None
            }
        }
    }

    fn clock(&mut self, file: &ScenarioFile, limits: &Limits) -> Option<Clock> {
        let c = &file.clock;
        let duration = self.duration_in("clock.duration", &c.duration, &ranges::RUN_DURATION);
        let tick = self.duration_in("clock.tick", &c.tick, &ranges::TICK);
        let start_hour = self.ranged("clock.start_hour", c.start_hour, &ranges::HOUR_OF_DAY);
        if c.replications == 0 {
            self.error("clock.replications", "must be at least 1");
        } else if c.replications > limits.max_replications {
            self.error(
                "clock.replications",
                format!("{} replications is over the limit of {}", c.replications, limits.max_replications),
            );
        }
        let (duration, tick) = (duration?, tick?);
        if tick > duration {
            self.error(
                "clock.tick",
                format!("tick ({}) is longer than the run ({}); use a shorter tick", c.tick, c.duration),
            );
            return None;
        }
        let ticks = (duration / tick - 1e-9).ceil();
        if ticks > limits.max_ticks as f64 {
            self.error(
                "clock.tick",
                format!(
                    "{} / {} is {ticks} ticks, over the limit of {}; use a longer tick or a shorter duration",
                    c.duration, c.tick, limits.max_ticks
                ),
            );
            return None;
        }
        Some(Clock {
            duration_secs: duration,
            tick_secs: tick,
            ticks: ticks as u64,
            seed: c.seed,
            replications: c.replications.max(1),
            start_hour,
            engine: match c.engine {
                EngineFile::Fast => Engine::Fast,
                EngineFile::Exact => Engine::Exact,
                EngineFile::Auto => Engine::Auto,
            },
        })
    }

    fn tiers(&mut self, file: &ScenarioFile, limits: &Limits) -> Vec<Tier> {
        if file.tiers.is_empty() {
            self.error("tiers", "at least one tier is needed");
        }
        if file.tiers.len() > limits.max_tiers {
            self.error("tiers", format!("{} tiers is over the limit of {}", file.tiers.len(), limits.max_tiers));
        }
        let tiers: Vec<Tier> = file.tiers.iter().map(|(name, tier)| self.tier(name, tier)).collect();
        if file.layers.queue.is_none() {
            for (name, tier) in &file.tiers {
                if tier.slo.max_message_age.is_some() {
                    self.error(
                        format!("tiers.\"{name}\".slo.max_message_age"),
                        "an objective on message age needs a queue layer (`layers.queue`)",
                    );
                }
            }
        }
        tiers
    }

    fn tier(&mut self, name: &str, tier: &TierFile) -> Tier {
        let path = format!("tiers.\"{name}\"");
        if name.trim().is_empty() || name == "*" {
            self.error(&path, "a tier needs a name (and \"*\" is reserved)");
        }
        let plan = tier.plan.as_ref().map(|p| {
            let mut quotas = Vec::new();
            for (field, limit, period) in [
                ("quota_per_day", p.quota_per_day, QuotaPeriod::Day),
                ("quota_per_week", p.quota_per_week, QuotaPeriod::Week),
                ("quota_per_month", p.quota_per_month, QuotaPeriod::Month),
            ] {
                match limit {
                    Some(0) => self.error(
                        format!("{path}.plan.{field}"),
                        "a quota of 0 throttles everything; remove it or set a positive number",
                    ),
                    Some(limit) => {
                        let limit = self.ranged(&format!("{path}.plan.{field}"), limit as f64, &ranges::QUOTA) as u64;
                        quotas.push(Quota { limit, period });
                    }
                    None => {}
                }
            }
            UsagePlan {
                rate_per_sec: self.ranged(&format!("{path}.plan.rate"), p.rate, &ranges::RATE_PER_SEC),
                burst: self.ranged(&format!("{path}.plan.burst"), p.burst, &ranges::BURST),
                quotas,
            }
        });
        Tier {
            name: name.to_owned(),
            price_usd_per_month: self.ranged(
                &format!("{path}.price_per_month"),
                tier.price_per_month,
                &ranges::USD_PER_MONTH,
            ),
            plan,
            slo: Slo {
                p99_ms: self.ranged(&format!("{path}.slo.p99_ms"), tier.slo.p99_ms, &ranges::P99_OBJECTIVE_MS),
                max_unserved_fraction: self.fraction(&format!("{path}.slo.max_throttled"), tier.slo.max_throttled),
                max_message_age_secs: tier.slo.max_message_age.as_ref().and_then(|age| {
                    self.duration_in(&format!("{path}.slo.max_message_age"), age, &ranges::MESSAGE_AGE)
                }),
            },
            weight: self.ranged(&format!("{path}.weight"), tier.weight, &ranges::FAIR_WEIGHT),
            cost_weight: self.ranged(&format!("{path}.cost_weight"), tier.cost_weight, &ranges::COST_WEIGHT),
            retry: tier.retry.as_ref().and_then(|r| self.retry(&format!("{path}.retry"), r)),
        }
    }

    fn retry(&mut self, path: &str, r: &RetryFile) -> Option<RetryPolicy> {
        let attempts = self.ranged(&format!("{path}.attempts"), f64::from(r.attempts), &ranges::RETRY_ATTEMPTS) as u32;
        let mut wait = |field: &str, d: &DurationText| {
            let secs = self.duration(&format!("{path}.backoff{field}"), d)?;
            if ranges::RETRY_BACKOFF.contains(secs) {
                Some(secs)
            } else {
                self.error(
                    format!("{path}.backoff{field}"),
                    format!("must be {} (got \"{d}\")", ranges::RETRY_BACKOFF),
                );
                None
            }
        };
        let backoff = match &r.backoff {
            BackoffFile::Constant(d) => Backoff::Constant { delay_secs: wait("", d)? },
            BackoffFile::Exponential { base, cap } => {
                let (base_secs, cap_secs) = (wait(".base", base), wait(".cap", cap));
                let (base_secs, cap_secs) = (base_secs?, cap_secs?);
                if cap_secs < base_secs {
                    self.error(
                        format!("{path}.backoff.cap"),
                        format!("must be at least the base (\"{base}\"), got \"{cap}\""),
                    );
                    return None;
                }
                Backoff::Exponential { base_secs, cap_secs }
            }
        };
        let jitter = match r.jitter {
            JitterFile::None => Jitter::None,
            JitterFile::Full => Jitter::Full,
            JitterFile::Equal => Jitter::Equal,
        };
        let budget_ratio = r.budget.map(|b| self.ranged(&format!("{path}.budget"), b, &ranges::RETRY_BUDGET));
        let timeout_secs = match &r.timeout {
            Some(d) => {
                let secs = self.duration(&format!("{path}.timeout"), d)?;
                if !ranges::CLIENT_TIMEOUT.contains(secs) {
                    self.error(format!("{path}.timeout"), format!("must be {} (got \"{d}\")", ranges::CLIENT_TIMEOUT));
                    return None;
                }
                Some(secs)
            }
            None => None,
        };
        if attempts == 1 && timeout_secs.is_none() {
            self.error(
                format!("{path}.attempts"),
                "one attempt and no timeout changes nothing: give the clients a `timeout`, or 2 attempts or more"
                    .to_owned(),
            );
            return None;
        }
        Some(RetryPolicy { attempts, backoff, jitter, budget_ratio, timeout_secs })
    }

    fn tier_index(&mut self, path: &str, name: &str, tiers: &[Tier]) -> usize {
        if let Some(i) = tiers.iter().position(|t| t.name == name) {
            i
        } else {
            self.error(
                path,
                format!("unknown tier \"{name}\" (known: {})", known_list(tiers.iter().map(|t| t.name.as_str()))),
            );
            0
        }
    }

    fn tenants(&mut self, file: &ScenarioFile, tiers: &[Tier], seed: u64, limits: &Limits) -> Vec<Tenant> {
        let total: u64 = file
            .tenants
            .iter()
            .map(|e| match e {
                TenantEntryFile::Tenant { .. } => 1,
                TenantEntryFile::Group { count, .. } => u64::from(*count),
            })
            .sum();
        if total == 0 {
            self.error("tenants", "at least one tenant is needed");
            return Vec::new();
        }
        if total > limits.max_tenants {
            self.error(
                "tenants",
                format!("{total} tenants is over the limit of {}; lower the groups' count", limits.max_tenants),
            );
            return Vec::new();
        }
        let mut tenants = Vec::with_capacity(total as usize);
        let mut seen: IndexMap<String, String> = IndexMap::new();
        for (i, entry) in file.tenants.iter().enumerate() {
            match entry {
                TenantEntryFile::Tenant { id, tier, load } => {
                    let path = format!("tenants[{i}]");
                    let tier = self.tier_index(&format!("{path}.tier"), tier, tiers);
                    let load = self.load(&format!("{path}.load"), load, limits);
                    self.claim_id(&mut seen, id, &format!("{path}.id"));
                    tenants.push(Tenant { id: id.clone(), tier, load });
                }
                TenantEntryFile::Group { prefix, count, tier, load, spread } => {
                    let path = format!("tenants[{i}]");
                    if *count == 0 {
                        self.error(format!("{path}.count"), "a group needs at least 1 tenant");
                    }
                    let tier = self.tier_index(&format!("{path}.tier"), tier, tiers);
                    let load = self.load(&format!("{path}.load"), load, limits);
                    let factors = self.spread_factors(&format!("{path}.spread"), spread, *count, seed, i);
                    let width = count.saturating_sub(1).to_string().len().max(2);
                    for (k, factor) in factors.into_iter().enumerate() {
                        let id = format!("{prefix}-{k:0width$}");
                        self.claim_id(&mut seen, &id, &format!("{path}.prefix"));
                        let mut load = load.clone();
                        load.rate_per_sec *= factor;
                        tenants.push(Tenant { id, tier, load });
                    }
                }
            }
        }
        tenants
    }

    fn claim_id(&mut self, seen: &mut IndexMap<String, String>, id: &str, path: &str) {
        if id.trim().is_empty() || id == "*" {
            self.error(path, "a tenant needs an id (and \"*\" is reserved)");
        } else if let Some(first) = seen.get(id) {
            self.error(path, format!("duplicate tenant id \"{id}\" (first at {first})"));
        } else {
            seen.insert(id.to_owned(), path.to_owned());
        }
    }

    fn spread_factors(&mut self, path: &str, spread: &SpreadFile, count: u32, seed: u64, entry: usize) -> Vec<f64> {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(stream_seed(seed, 0, entry as u64, StreamPurpose::GroupRates));
        let count = count as usize;
        match *spread {
            SpreadFile::Fixed => vec![1.0; count],
            SpreadFile::LogNormal { sigma } => {
                let sigma = self.ranged(&format!("{path}.sigma"), sigma, &ranges::SPREAD_SIGMA);
                (0..count)
                    .map(|_| {
                        let z: f64 = StandardNormal.sample(&mut rng);
                        (sigma * z - 0.5 * sigma * sigma).exp()
                    })
                    .collect()
            }
            SpreadFile::Uniform { low, high } => {
                let low = self.ranged(&format!("{path}.low"), low, &ranges::SPREAD_FACTOR);
                let high = self.ranged(&format!("{path}.high"), high, &ranges::SPREAD_FACTOR);
                if high < low {
                    self.error(format!("{path}.high"), format!("must not be below low ({low})"));
                    return vec![1.0; count];
                }
                match Uniform::new_inclusive(low, high) {
                    Ok(dist) => (0..count).map(|_| dist.sample(&mut rng)).collect(),
                    Err(_) => vec![1.0; count],
                }
            }
        }
    }

    fn load(&mut self, path: &str, load: &LoadFile, limits: &Limits) -> Load {
        let rate = self.ranged(&format!("{path}.rate"), load.rate, &ranges::RATE_PER_SEC);
        if rate > limits.max_rate_per_sec {
            self.error(
                format!("{path}.rate"),
                format!("{rate} req/s is over the limit of {} req/s per tenant", limits.max_rate_per_sec),
            );
        }
        let pattern = self.pattern(&format!("{path}.pattern"), &load.pattern);
        let item_kb = self.ranged(&format!("{path}.item_kb"), load.item_kb, &ranges::ITEM_KB);
        let key_shards = if load.key_shards == 0 {
            self.error(format!("{path}.key_shards"), "must be at least 1");
            1
        } else if load.key_shards > limits.max_key_shards {
            self.error(
                format!("{path}.key_shards"),
                format!("{} is over the limit of {}", load.key_shards, limits.max_key_shards),
            );
            1
        } else {
            load.key_shards
        };
        let even = 1.0 / f64::from(key_shards);
        let hot_key_share = match load.hot_key_share {
            Some(share) => {
                let share = self.fraction(&format!("{path}.hot_key_share"), share);
                if share < even {
                    self.error(
                        format!("{path}.hot_key_share"),
                        format!("must be at least 1/key_shards ({even:.3}): the hottest shard carries at least an even share"),
                    );
                    even
                } else {
                    share
                }
            }
            None => even,
        };
        Load {
            rate_per_sec: rate,
            pattern,
            read_fraction: self.fraction(&format!("{path}.read_fraction"), load.read_fraction),
            read_units_per_read: (item_kb.min(400.0) / 4.0).ceil().max(1.0),
            write_units_per_write: item_kb.min(400.0).ceil().max(1.0),
            data_gb: self.ranged(&format!("{path}.data_gb"), load.data_gb, &ranges::DATA_GB),
            key_shards,
            hot_key_share,
        }
    }

    fn pattern(&mut self, path: &str, pattern: &PatternFile) -> Pattern {
        match pattern {
            PatternFile::Constant => Pattern::Constant,
            PatternFile::Diurnal { peak_hour, amplitude } => {
                let peak_hour = self.ranged(&format!("{path}.peak_hour"), *peak_hour, &ranges::HOUR_OF_DAY);
                Pattern::Diurnal { peak_hour, amplitude: self.fraction(&format!("{path}.amplitude"), *amplitude) }
            }
            PatternFile::Bursty { on, off, factor } => Pattern::Bursty {
                on_secs: self.duration_in(&format!("{path}.on"), on, &ranges::PERIOD).unwrap_or(1.0),
                off_secs: self.duration_in(&format!("{path}.off"), off, &ranges::PERIOD).unwrap_or(1.0),
                factor: self.multiplier(&format!("{path}.factor"), *factor),
            },
            PatternFile::Ramp { to_factor, over } => Pattern::Ramp {
                to_factor: self.multiplier(&format!("{path}.to_factor"), *to_factor),
                over_secs: self.duration_in(&format!("{path}.over"), over, &ranges::OFFSET).unwrap_or(0.0),
            },
        }
    }

    fn multiplier(&mut self, path: &str, value: f64) -> f64 {
        self.ranged(path, value, &ranges::MULTIPLIER)
    }

    fn instances(&mut self, path: &str, min: u32, max: u32, concurrency: u32, limits: &Limits) -> InstanceBounds {
        if max < min {
            self.error(format!("{path}.max"), format!("must not be below min ({min})"));
        }
        if max == 0 {
            self.error(format!("{path}.max"), "a stack needs at least one instance");
        }
        let servers = u64::from(max.max(min)) * u64::from(concurrency);
        if servers > limits.max_servers_per_stack {
            self.error(
                format!("{path}.max"),
                format!(
                    "{servers} servers per stack (max × concurrency) is over the limit of {}",
                    limits.max_servers_per_stack
                ),
            );
        }
        InstanceBounds { min, max: max.max(min).max(1) }
    }

    /// Serverless settings: the account limit, reservations by tier,
    /// cold starts and prices.
    fn functions(&mut self, f: &FunctionsFile, tiers: &[Tier], limits: &Limits) -> Functions {
        let p = "layers.compute.functions";
        if f.concurrency_limit == 0 {
            self.error(format!("{p}.concurrency_limit"), "must be at least 1");
        } else if u64::from(f.concurrency_limit) > limits.max_servers_per_stack {
            self.error(
                format!("{p}.concurrency_limit"),
                format!(
                    "{} is over the limit of {} servers per stack",
                    f.concurrency_limit, limits.max_servers_per_stack
                ),
            );
        }
        let limit = f.concurrency_limit.max(1);
        let mut reserved_by_tier = vec![0; tiers.len()];
        for (name, &reserved) in &f.reserved {
            let path = format!("{p}.reserved.{name}");
            let tier = self.tier_index(&path, name, tiers);
            if reserved == 0 {
                self.error(&path, "a reservation must be at least 1 (leave the tier out for none)");
            } else if reserved > limit {
                self.error(&path, format!("{reserved} is more than the concurrency limit ({limit})"));
            }
            if let Some(slot) = reserved_by_tier.get_mut(tier) {
                *slot = reserved.min(limit);
            }
        }
        if f.provisioned > limit {
            self.error(
                format!("{p}.provisioned"),
                format!("{} is more than the concurrency limit ({limit})", f.provisioned),
            );
        }
        if f.scale_per_10s == 0 {
            self.error(format!("{p}.scale_per_10s"), "must be at least 1");
        }
        Functions {
            concurrency_limit: limit,
            reserved_by_tier,
            provisioned: f.provisioned.min(limit),
            cold_start_secs: self
                .duration_in(&format!("{p}.cold_start"), &f.cold_start, &ranges::COLD_START)
                .unwrap_or(0.0),
            keep_warm_secs: self
                .duration_in(&format!("{p}.keep_warm"), &f.keep_warm, &ranges::KEEP_WARM)
                .unwrap_or(600.0),
            scale_per_10s: f.scale_per_10s.max(1),
            memory_gb: self.ranged(&format!("{p}.memory_mb"), f.memory_mb, &ranges::MEMORY_MB) / 1024.0,
            usd_per_million_requests: self.ranged(
                &format!("{p}.price_per_million"),
                f.price_per_million,
                &ranges::USD_PER_UNIT,
            ),
            usd_per_gb_sec: self.ranged(
                &format!("{p}.price_per_gb_second"),
                f.price_per_gb_second,
                &ranges::USD_PER_UNIT,
            ),
            provisioned_usd_per_gb_sec: self.ranged(
                &format!("{p}.provisioned_price_per_gb_second"),
                f.provisioned_price_per_gb_second,
                &ranges::USD_PER_UNIT,
            ),
            provisioned_execution_usd_per_gb_sec: self.ranged(
                &format!("{p}.provisioned_execution_price_per_gb_second"),
                f.provisioned_execution_price_per_gb_second,
                &ranges::USD_PER_UNIT,
            ),
        }
    }

    /// Every design's compute stacks leave room for their tenants'
    /// reservations, and behind a queue layer (`queued`) a tenant whose
    /// tier reserves concurrency has a queue of its own: a queue is read
    /// by one function.
    fn check_reservations(&mut self, functions: &Functions, tenants: &[Tenant], designs: &[Design], queued: bool) {
        for design in designs.iter().filter(|_| queued) {
            let shared = design.queue.stacks.iter().filter(|q| q.tenants.len() > 1);
            if let Some(&t) =
                shared.flat_map(|q| &q.tenants).find(|&&t| functions.reserved(tenants[t as usize].tier) > 0)
            {
                let tenant = &tenants[t as usize];
                self.error(
                    "layers.compute.functions.reserved",
                    format!(
                        "design \"{}\": tenant \"{}\" shares a queue with other tenants, but its tier reserves \
                         concurrency; a queue is read by one function, so give the tier a queue per tenant (the \
                         design's `layers: (queue: {{ ...: Silo }})`) or reserve nothing for it",
                        design.name, tenant.id
                    ),
                );
                return;
            }
        }
        for design in designs {
            for stack in &design.layers[Layer::Compute.index()].stacks {
                let reserved: u64 =
                    stack.tenants.iter().map(|&t| u64::from(functions.reserved(tenants[t as usize].tier))).sum();
                if reserved > u64::from(functions.concurrency_limit) {
                    self.error(
                        "layers.compute.functions.reserved",
                        format!(
                            "design \"{}\": a compute stack's {} tenants reserve {reserved} in all, more than its \
                             concurrency limit ({})",
                            design.name,
                            stack.tenants.len(),
                            functions.concurrency_limit
                        ),
                    );
                    return;
                }
            }
        }
    }

    /// A service-time or latency distribution at `path`, its milliseconds
    /// in range.
    fn duration_distribution(&mut self, path: &str, d: &ServiceTimeFile) -> ServiceTime {
        match *d {
            ServiceTimeFile::Exponential { mean_ms } => ServiceTime::Exponential {
                mean_secs: self.ranged(&format!("{path}.mean_ms"), mean_ms, &ranges::SERVICE_MS) / 1000.0,
            },
            ServiceTimeFile::LogNormal { mean_ms, cv } => ServiceTime::LogNormal {
                mean_secs: self.ranged(&format!("{path}.mean_ms"), mean_ms, &ranges::SERVICE_MS) / 1000.0,
                cv: self.ranged(&format!("{path}.cv"), cv, &ranges::SERVICE_CV),
            },
            ServiceTimeFile::Deterministic { ms } => ServiceTime::Deterministic {
                secs: self.ranged(&format!("{path}.ms"), ms, &ranges::SERVICE_MS) / 1000.0,
            },
        }
    }

    fn compute(&mut self, file: &ScenarioFile, tiers: &[Tier], limits: &Limits) -> Option<Compute> {
        let c = &file.layers.compute;
        let p = "layers.compute";
        let service = self.duration_distribution(&format!("{p}.service_time"), &c.service_time);
        if c.concurrency == 0 {
            self.error(format!("{p}.concurrency"), "must be at least 1");
        }
        let concurrency = c.concurrency.max(1);
        let pool_instances =
            self.instances(&format!("{p}.instances"), c.instances.min, c.instances.max, concurrency, limits);
        let silo_instances = match &c.silo_instances {
            Some(s) => self.instances(&format!("{p}.silo_instances"), s.min, s.max, concurrency, limits),
            None => pool_instances,
        };
        let autoscale = c.autoscale.as_ref().map(|a| {
            let path = format!("{p}.autoscale");
            Autoscale {
                target_utilisation: self.ranged(
                    &format!("{path}.target_utilisation"),
                    a.target_utilisation,
                    &ranges::TARGET_UTILISATION,
                ),
                evaluation_secs: self
                    .duration_in(&format!("{path}.evaluation_period"), &a.evaluation_period, &ranges::EVALUATION_PERIOD)
                    .unwrap_or(60.0),
                warmup_secs: self.duration_in(&format!("{path}.warmup"), &a.warmup, &ranges::WARMUP).unwrap_or(0.0),
            }
        });
        for (name, bounds) in [("instances", pool_instances), ("silo_instances", silo_instances)] {
            if autoscale.is_none() && bounds.min == 0 {
                self.error(
                    format!("{p}.{name}.min"),
                    "without autoscaling a stack runs `min` instances, so min must be at least 1",
                );
            }
        }
        let mut queue_timeout_secs =
            self.duration_in(&format!("{p}.queue_timeout"), &c.queue_timeout, &ranges::QUEUE_TIMEOUT).unwrap_or(30.0);
        if let Some(q) = &file.layers.queue {
            // Messages wait in the queue layer for as long as it keeps them.
            queue_timeout_secs = q.retention.secs().unwrap_or(queue_timeout_secs);
        }
        let functions = c.functions.as_ref().map(|f| self.functions(f, tiers, limits));
        if functions.is_some() {
            if c.autoscale.is_some() {
                self.error(format!("{p}.autoscale"), "functions scale by themselves; remove autoscale");
            }
            if c.fairness != FairnessFile::Fifo {
                self.error(format!("{p}.fairness"), "functions have no queue to share; remove fairness");
            }
        }
        Some(Compute {
            service,
            concurrency,
            pool_instances,
            silo_instances,
            autoscale,
            queue_timeout_secs,
            usd_per_instance_hour: self.ranged(&format!("{p}.price_per_hour"), c.price_per_hour, &ranges::USD_PER_UNIT),
            fairness: match c.fairness {
                FairnessFile::Fifo => Fairness::Fifo,
                FairnessFile::WeightedFair => Fairness::WeightedFair,
            },
            functions,
        })
    }

    fn queue(&mut self, file: &ScenarioFile) -> Option<Queue> {
        let q = file.layers.queue.as_ref()?;
        let p = "layers.queue";
        let visibility_secs = match self.duration(&format!("{p}.visibility_timeout"), &q.visibility_timeout) {
            Some(secs) if ranges::VISIBILITY_TIMEOUT.contains(secs) => secs,
            Some(_) => {
                self.error(
                    format!("{p}.visibility_timeout"),
                    format!("must be {} (got \"{}\")", ranges::VISIBILITY_TIMEOUT, q.visibility_timeout),
                );
                30.0
            }
            None => 30.0,
        };
        let max_receives = q.max_receives.map(|m| {
            self.ranged(&format!("{p}.max_receives"), f64::from(m), &ranges::MAX_RECEIVES);
            m.clamp(1, 250)
        });
        if q.fifo && file.layers.compute.fairness == FairnessFile::WeightedFair {
            self.error(
                format!("{p}.fifo"),
                "a FIFO queue gives consumers the oldest message whose group is free, so compute's WeightedFair \
                 sharing cannot apply; set compute's fairness to Fifo, or fifo to false",
            );
        }
        if q.fifo && q.fair {
            self.error(
                format!("{p}.fair"),
                "fair queues are standard queues whose messages name their tenant; a FIFO queue orders each \
                 message group already; set fifo or fair to false",
            );
        }
        let send_rate_per_sec = match (q.fifo, q.send_rate) {
            (true, rate) => Some(self.ranged(
                &format!("{p}.send_rate"),
                rate.unwrap_or(DEFAULT_FIFO_SEND_RATE_PER_SEC),
                &ranges::SEND_RATE_PER_SEC,
            )),
            (false, None) => None,
            (false, Some(_)) => {
                self.error(
                    format!("{p}.send_rate"),
                    "a standard queue accepts a nearly unlimited number of messages a second; the limit applies to \
                     FIFO queues (set fifo to true, or remove send_rate)",
                );
                None
            }
        };
        let max_concurrency = q.max_concurrency.map(|m| {
            if file.layers.compute.functions.is_none() {
                self.error(
                    format!("{p}.max_concurrency"),
                    "a queue's event source limits the executions of serverless functions; instances read as many \
                     messages as they have servers (add `functions` to compute, or remove max_concurrency)",
                );
            }
            self.ranged(&format!("{p}.max_concurrency"), f64::from(m), &ranges::MAX_CONCURRENCY);
            m.clamp(2, 1000)
        });
        let batch_window_secs = match &q.batch_window {
            None => 0.0,
            Some(w) => self.duration_in(&format!("{p}.batch_window"), w, &ranges::BATCH_WINDOW).unwrap_or(0.0),
        };
        let batching = q.batch_size.is_some_and(|b| b != 1) || batch_window_secs > 0.0;
        let batch_path = if q.batch_size.is_some_and(|b| b != 1) { "batch_size" } else { "batch_window" };
        let batch_size = match q.batch_size {
            _ if !batching => 1,
            b => {
                let b = b.unwrap_or(1);
                let path = format!("{p}.{batch_path}");
                let why = if file.layers.compute.functions.is_none() {
                    Some(
                        "batches are taken by serverless functions' event sources; an instance's server takes one \
                         message at a time (add `functions` to compute, or remove batch_size and batch_window)",
                    )
                } else if q.fifo {
                    Some(
                        "batches from a FIFO queue are not modelled: its message groups are processed one message \
                         at a time (remove batch_size and batch_window, or set fifo to false)",
                    )
                } else if q.fair {
                    Some(
                        "batches from a fair queue are not modelled: each execution takes one message (remove \
                         batch_size and batch_window, or set fair to false)",
                    )
                } else if file.layers.relational.is_some() {
                    Some(
                        "batches are not modelled with a relational database, whose queries run one a request \
                         (remove batch_size and batch_window)",
                    )
                } else {
                    None
                };
                if let Some(why) = why {
                    self.error(path, why);
                }
                let size_path = format!("{p}.batch_size");
                self.ranged(&size_path, f64::from(b), &ranges::BATCH_SIZE);
                if b > ranges::MOST_WITHOUT_WINDOW && batch_window_secs < 1.0 {
                    self.error(
                        size_path,
                        format!(
                            "a batch of more than {} messages needs a batching window of at least 1s, as AWS \
                             requires (add batch_window, or set batch_size to {} or fewer)",
                            ranges::MOST_WITHOUT_WINDOW,
                            ranges::MOST_WITHOUT_WINDOW
                        ),
                    );
                }
                b.clamp(1, 10_000)
            }
        };
        for (name, tier) in &file.tiers {
            if tier.retry.as_ref().is_some_and(|r| r.timeout.is_some()) {
                self.error(
                    format!("tiers.\"{name}\".retry.timeout"),
                    "with a queue, clients wait only for the queue to take a message; remove the timeout",
                );
            }
        }
        Some(Queue {
            visibility_secs,
            max_receives,
            retention_secs: self
                .duration_in(&format!("{p}.retention"), &q.retention, &ranges::RETENTION)
                .unwrap_or(86_400.0),
            usd_per_million_requests: self.ranged(
                &format!("{p}.price_per_million"),
                q.price_per_million,
                &ranges::USD_PER_UNIT,
            ),
            requests_per_message: self.ranged(
                &format!("{p}.requests_per_message"),
                q.requests_per_message,
                &ranges::REQUESTS_PER_MESSAGE,
            ),
            fifo: q.fifo,
            fair: q.fair,
            send_rate_per_sec,
            max_concurrency,
            batch_size,
            batch_window_secs,
        })
    }

    /// Each design's queues feed its compute stacks as consumers can read
    /// them: a queue's messages go to one compute stack, and a compute
    /// stack of instances shared by several tenants reads one shared queue
    /// or one queue per tenant (`functions` read any mix, unless the
    /// queues are fair: a fair queue's order is kept among its own
    /// messages only).
    fn check_queues(&mut self, designs: &[Design], functions: bool, fair: bool) {
        for (i, design) in designs.iter().enumerate() {
            let compute = &design.layers[Layer::Compute.index()];
            let queues = &design.queue;
            let path = format!("designs[{i}].layers.queue");
            // Cells may be left without tenants.
            for q in &queues.stacks {
                let Some(&t0) = q.tenants.first() else { continue };
                let first = compute.stack_of_tenant[t0 as usize];
                if let Some(&other) = q.tenants.iter().find(|&&t| compute.stack_of_tenant[t as usize] != first) {
                    self.error(
                        &path,
                        format!(
                            "queue \"{}\" would feed compute stacks \"{}\" and \"{}\"; a queue's consumers are \
                             one compute stack, so place the queue like compute (or finer)",
                            q.label,
                            compute.stacks[first as usize].label,
                            compute.stacks[compute.stack_of_tenant[other as usize] as usize].label
                        ),
                    );
                    break;
                }
            }
            for c in &compute.stacks {
                let Some(&t0) = c.tenants.first() else { continue };
                let first = queues.stack_of_tenant[t0 as usize];
                let one_shared = c.tenants.iter().all(|&t| queues.stack_of_tenant[t as usize] == first);
                let one_each = c
                    .tenants
                    .iter()
                    .all(|&t| queues.stacks[queues.stack_of_tenant[t as usize] as usize].tenants.len() == 1);
                // Functions read each queue with the function of its
                // tenants (check_reservations sees that it is one).
                if !one_shared && !one_each && !functions {
                    self.error(
                        &path,
                        format!(
                            "compute stack \"{}\" would read several queues shared by several tenants; its \
                             consumers read one shared queue or one queue per tenant",
                            c.label
                        ),
                    );
                    break;
                }
                if !one_shared && !one_each && fair {
                    self.error(
                        &path,
                        format!(
                            "the functions of compute stack \"{}\" would read a shared fair queue beside other \
                             queues; with fair queues a compute stack reads one shared queue or one queue per \
                             tenant (or set layers.queue.fair to false)",
                            c.label
                        ),
                    );
                    break;
                }
            }
        }
    }

    fn database(&mut self, file: &ScenarioFile, limits: &Limits) -> Option<Database> {
        let d = file.layers.database.as_ref()?;
        let p = "layers.database";
        let partitions = |r: &mut Self, field: &str, n: u32| {
            if n == 0 {
                r.error(format!("{p}.{field}"), "a table needs at least one partition");
                1
            } else if n > limits.max_partitions {
                r.error(
                    format!("{p}.{field}"),
                    format!("{n} partitions is over the limit of {}", limits.max_partitions),
                );
                1
            } else {
                n
            }
        };
        let pool_partitions = partitions(self, "partitions", d.partitions);
        let silo_partitions = partitions(self, "silo_partitions", d.silo_partitions.unwrap_or(d.partitions));
        let pricing = match d.pricing {
            DbPricingFile::OnDemand { read_per_million, write_per_million } => DbPricing::OnDemand {
                read_usd_per_million: self.ranged(
                    &format!("{p}.pricing.read_per_million"),
                    read_per_million,
                    &ranges::USD_PER_UNIT,
                ),
                write_usd_per_million: self.ranged(
                    &format!("{p}.pricing.write_per_million"),
                    write_per_million,
                    &ranges::USD_PER_UNIT,
                ),
            },
            DbPricingFile::Provisioned { read_units, write_units, read_unit_per_hour, write_unit_per_hour } => {
                DbPricing::Provisioned {
                    read_units_per_sec: self.ranged(
                        &format!("{p}.pricing.read_units"),
                        read_units,
                        &ranges::CAPACITY_UNITS,
                    ),
                    write_units_per_sec: self.ranged(
                        &format!("{p}.pricing.write_units"),
                        write_units,
                        &ranges::CAPACITY_UNITS,
                    ),
                    read_usd_per_unit_hour: self.ranged(
                        &format!("{p}.pricing.read_unit_per_hour"),
                        read_unit_per_hour,
                        &ranges::USD_PER_UNIT_HOUR,
                    ),
                    write_usd_per_unit_hour: self.ranged(
                        &format!("{p}.pricing.write_unit_per_hour"),
                        write_unit_per_hour,
                        &ranges::USD_PER_UNIT_HOUR,
                    ),
                }
            }
        };
        Some(Database {
            pool_partitions,
            silo_partitions,
            read_units_per_partition_per_sec: self.ranged(
                &format!("{p}.read_units_per_partition"),
                d.read_units_per_partition,
                &ranges::CAPACITY_UNITS,
            ),
            write_units_per_partition_per_sec: self.ranged(
                &format!("{p}.write_units_per_partition"),
                d.write_units_per_partition,
                &ranges::CAPACITY_UNITS,
            ),
            pricing,
            storage_usd_per_gb_month: self.ranged(
                &format!("{p}.storage_per_gb_month"),
                d.storage_per_gb_month,
                &ranges::USD_PER_UNIT,
            ),
            latency: d.latency.as_ref().map(|l| self.duration_distribution(&format!("{p}.latency"), l)),
        })
    }

    fn relational(&mut self, file: &ScenarioFile, compute: Option<&Compute>) -> Option<Relational> {
        let d = file.layers.relational.as_ref()?;
        let p = "layers.relational";
        if file.layers.database.is_some() {
            self.error(p, "a scenario has one database: remove `database` or `relational`");
        }
        let vcpus = self.ranged(&format!("{p}.vcpus"), f64::from(d.vcpus), &ranges::VCPUS) as u32;
        let memory_gib = self.ranged(&format!("{p}.memory_gib"), d.memory_gib, &ranges::MEMORY_GIB);
        let max_connections = match d.max_connections {
            Some(n) => self.ranged(&format!("{p}.max_connections"), f64::from(n), &ranges::CONNECTIONS) as u32,
            None => default_max_connections(memory_gib),
        };
        let proxy = d.proxy.as_ref().map(|x| {
            let percent = self.ranged(
                &format!("{p}.proxy.max_connections_percent"),
                x.max_connections_percent,
                &ranges::PERCENT_OF_CONNECTIONS,
            );
            Proxy {
                connections: ((f64::from(max_connections) * percent / 100.0).floor() as u32).max(1),
                borrow_timeout_secs: self
                    .duration_in(&format!("{p}.proxy.borrow_timeout"), &x.borrow_timeout, &ranges::BORROW_TIMEOUT)
                    .unwrap_or(120.0),
                usd_per_vcpu_hour: self.ranged(
                    &format!("{p}.proxy.price_per_vcpu_hour"),
                    x.price_per_vcpu_hour,
                    &ranges::USD_PER_UNIT_HOUR,
                ),
            }
        });
        let pool_per_instance = match d.pool_per_instance {
            Some(n) => self.ranged(&format!("{p}.pool_per_instance"), f64::from(n), &ranges::CONNECTIONS) as u32,
            // A function environment runs one request at a time.
            None if file.layers.compute.functions.is_some() => 1,
            None => compute.map_or(1, |c| c.concurrency.min(DEFAULT_POOL)),
        };
        let relations_per_schema = match d.relations_per_schema {
            Some(n) => {
                self.ranged(&format!("{p}.relations_per_schema"), f64::from(n), &ranges::RELATIONS_PER_SCHEMA) as u32
            }
            None => DEFAULT_RELATIONS_PER_SCHEMA,
        };
        Some(Relational {
            vcpus,
            max_connections,
            memory_bytes: memory_gib * f64::from(1u32 << 30),
            relations_per_schema,
            query: self.duration_distribution(&format!("{p}.query_time"), &d.query_time),
            read_replicas: self.ranged(
                &format!("{p}.read_replicas"),
                f64::from(d.read_replicas),
                &ranges::READ_REPLICAS,
            ) as u32,
            tenancy: match d.tenancy {
                TenancyFile::SharedSchema => Tenancy::SharedSchema,
                TenancyFile::SchemaPerTenant => Tenancy::SchemaPerTenant,
                TenancyFile::DatabasePerTenant => Tenancy::DatabasePerTenant,
            },
            pool_per_instance,
            proxy,
            usd_per_instance_hour: self.ranged(&format!("{p}.price_per_hour"), d.price_per_hour, &ranges::USD_PER_UNIT),
            storage_usd_per_gb_month: self.ranged(
                &format!("{p}.storage_per_gb_month"),
                d.storage_per_gb_month,
                &ranges::USD_PER_UNIT,
            ),
        })
    }

    fn events(
        &mut self,
        file: &ScenarioFile,
        tenants: &[Tenant],
        names: &Names<'_>,
        clock: Option<&Clock>,
        limits: &Limits,
    ) -> Vec<Event> {
        if file.events.len() > limits.max_events {
            self.error("events", format!("{} events is over the limit of {}", file.events.len(), limits.max_events));
            return Vec::new();
        }
        let duration = clock.map_or(f64::INFINITY, |c| c.duration_secs);
        let mut events = Vec::new();
        for (i, event) in file.events.iter().enumerate() {
            let path = format!("events[{i}]");
            let (at, length) = match event {
                EventFile::Spike { at, duration, .. } | EventFile::CapacityLoss { at, duration, .. } => (
                    self.duration_in(&format!("{path}.at"), at, &ranges::OFFSET),
                    self.duration_in(&format!("{path}.duration"), duration, &ranges::PERIOD),
                ),
            };
            if let Some(at) = at
                && at >= duration
            {
                self.error(format!("{path}.at"), format!("starts at {}s, after the run ends ({duration}s)", at));
            }
            let (Some(start), Some(length)) = (at, length) else {
                continue;
            };
            let end = (start + length).min(duration);
            match event {
                EventFile::Spike { tenant, factor, .. } => {
                    let factor = self.multiplier(&format!("{path}.factor"), *factor);
                    match names.tenant(tenant) {
                        Some(t) => events.push(Event::Spike { tenant: t, start_secs: start, end_secs: end, factor }),
                        None if !tenants.is_empty() => self.error(
                            format!("{path}.tenant"),
                            format!(
                                "unknown tenant \"{tenant}\" (known: {})",
                                known_list(tenants.iter().map(|t| t.id.as_str()))
                            ),
                        ),
                        None => {}
                    }
                }
                EventFile::CapacityLoss { layer, fraction, .. } => {
                    let fraction = self.fraction(&format!("{path}.fraction"), *fraction);
                    let Some(model_layer) = layer_of(*layer) else {
                        self.error(
                            format!("{path}.layer"),
                            "a queue has no capacity to lose (its consumers are compute's: lose compute instead)",
                        );
                        continue;
                    };
                    if file.layers.has(*layer) {
                        events.push(Event::CapacityLoss {
                            layer: model_layer,
                            start_secs: start,
                            end_secs: end,
                            fraction,
                        });
                    } else {
                        self.error(format!("{path}.layer"), format!("the scenario has no {} layer", layer.label()));
                    }
                }
            }
        }
        events
    }

    fn check_peak_rates(&mut self, tenants: &[Tenant], events: &[Event], limits: &Limits) {
        let peaks = peak_rates(tenants.iter().map(|t| (t.load.rate_per_sec, t.load.pattern.peak())), events);
        if let Some((tenant, peak)) = tenants.iter().zip(peaks).find(|(_, peak)| *peak > limits.max_rate_per_sec) {
            self.error(
                format!("tenants.\"{}\"", tenant.id),
                format!(
                    "peak rate {peak:.3e} req/s (rate × pattern × spikes) is over the limit of {:.1e} req/s",
                    limits.max_rate_per_sec
                ),
            );
        }
    }

    /// Checks the run's work and memory against the budget, before any
    /// stack is built; returns the most worker threads a run may use
    /// within the memory budget (see [`budget::threads_within`]).
    #[allow(clippy::too_many_arguments)]
    fn check_budget(
        &mut self,
        file: &ScenarioFile,
        clock: &Clock,
        (tiers, tenants): (&[Tier], &[Tenant]),
        compute: Option<&Compute>,
        database: Option<&Database>,
        placed: &[Placed],
        events: &[Event],
        limits: &Limits,
    ) -> (usize, f64) {
        // A FIFO queue keeps a message group per key shard.
        let fifo = file.layers.queue.as_ref().is_some_and(|q| q.fifo);
        let (key_shards, key_shards_path) = if database.is_some() || fifo {
            let most = file
                .tenants
                .iter()
                .enumerate()
                .map(|(i, e)| match e {
                    TenantEntryFile::Tenant { load, .. } | TenantEntryFile::Group { load, .. } => (load.key_shards, i),
                })
                .max_by_key(|&(shards, i)| (shards, std::cmp::Reverse(i)));
            (
                tenants.iter().map(|t| u64::from(t.load.key_shards)).sum(),
                most.map_or_else(String::new, |(_, i)| format!("tenants[{i}].load.key_shards")),
            )
        } else {
            (0, String::new())
        };
        // A relational database refuses too: behind a queue, messages
        // come back; so do messages whose processing outlives the
        // visibility timeout (as `Scenario::redelivers` says).
        let has_db = file.layers.has(LayerName::Database);
        let outlives = match (&file.layers.queue, compute) {
            (Some(q), Some(c)) => {
                let batch = q.batch_for(c.functions.is_some());
                q.visibility_timeout.secs().is_ok_and(|v| crate::scenario::model::outlives(&c.service, v, batch))
            }
            _ => false,
        };
        let redelivers = file.layers.queue.is_some() && (has_db || outlives);
        // What Scenario::per_request_only says of the scenario resolved.
        let per_request_only = tiers.iter().any(|t| t.retry.is_some())
            || redelivers
            || fifo
            || file.layers.queue.as_ref().is_some_and(|q| q.fair)
            || file.layers.relational.is_some()
            || (file.layers.queue.is_some() && compute.is_some_and(|c| c.functions.is_some()));
        let shape = Shape {
            tenants: tenants.len() as u64,
            tiers: tiers.len() as u64,
            ticks: clock.ticks,
            tick_secs: clock.tick_secs,
            duration_secs: clock.duration_secs,
            replications: u64::from(clock.replications),
            engine: if per_request_only { Engine::Exact } else { clock.engine },
            fast_possible: !per_request_only,
            queue_layer: file.layers.queue.is_some(),
            spikes: events.iter().any(|e| matches!(e, Event::Spike { .. })),
            spiking_tenants: crate::scenario::model::spiking_tenants(events).len() as u64,
            designs: placed.iter().map(|p| p.shape(database, limits)).collect(),
            key_shards,
            key_shards_path,
            peak_rate_per_sec: peak_rates(tenants.iter().map(|t| (t.load.rate_per_sec, t.load.pattern.peak())), events)
                .iter()
                .sum(),
            queue_timeout_secs: compute.map_or(0.0, |c| {
                let hidden = file
                    .layers
                    .queue
                    .as_ref()
                    .filter(|_| redelivers)
                    .map(|q| q.visibility_timeout.secs().unwrap_or(0.0).min(ranges::VISIBILITY_TIMEOUT.max));
                budget::queued_secs(c.queue_timeout_secs, hidden, clock.duration_secs)
            }),
            retry_attempts: budget::retry_attempts(tiers),
            receives: match &file.layers.queue {
                Some(q) if redelivers => budget::receives(
                    q.max_receives,
                    q.retention.secs().unwrap_or(0.0).min(clock.duration_secs),
                    q.visibility_timeout.secs().unwrap_or(0.0),
                ),
                _ => 1.0,
            },
            retry_wait_secs: budget::retry_wait_secs(tiers),
            client_timeout_secs: budget::client_timeout_secs(tiers),
            blamed_bytes: budget::blamed_bytes(tenants, events),
            stages: if file.layers.relational.is_some() { 2.0 } else { 1.0 },
        };
        for over in budget::check(&shape, limits) {
            self.error(over.path, over.message);
        }
        (budget::threads_within(&shape, limits), budget::result_bytes(&shape))
    }
}

/// The model's layer a file names.
/// The model's layer a file names (the queue layer has no stacks of its
/// own to lose capacity in).
fn layer_of(layer: LayerName) -> Option<Layer> {
    match layer {
        LayerName::Gateway => Some(Layer::Gateway),
        LayerName::Queue => None,
        LayerName::Compute => Some(Layer::Compute),
        LayerName::Database => Some(Layer::Database),
    }
}
