//! Per-tenant latency recording without per-tick histogram work.
//!
//! Every tick a tenant's served requests see one latency distribution (a
//! [`WaitState`]). Its parameters are quantised into a key; each tenant
//! keeps a few slots of (key, pending weight) and adds a whole
//! distribution to its histograms only when a slot is evicted or a period
//! ends. Steady load therefore costs O(1) per tenant-tick.
//!
//! The distribution of a key is a pure function of the key (computed at
//! the key's representative parameters), so one cache can be shared by
//! every task of a run without making results depend on thread timing.

use std::sync::{Arc, RwLock};

use rustc_hash::FxHashMap;

use crate::queueing::WaitState;
use crate::scenario::model::ServiceTime;
use crate::sim::Checkpoint;
use crate::sim::histogram::{FineBins, Histogram, SparsePmf, coarsen, convolve_fine, latency_pmf};

/// Work of allocating one fine histogram, in the units of
/// [`crate::sim::task::CHECK_WORK`] (about as long as visiting this many
/// tenants in a tick).
const HISTOGRAM_WORK: u64 = 256;

/// Slots per tenant: enough for on/off patterns to alternate between keys
/// without flushing.
pub const SLOTS: usize = 4;

/// Most distributions a task keeps locally before flushing and clearing.
const LOCAL_CAPACITY: usize = 2048;

/// Most distributions the shared cache holds (about 8 KB each).
const SHARED_CAPACITY: usize = 8192;

/// Quantised latency-distribution parameters.
pub type Key = u64;

const C_STEPS: f64 = 250.0;
const THETA_STEPS: f64 = 100.0;
const THETA_OFFSET: i64 = 8192;
const DELAY_STEPS: f64 = 50.0;
const DELAY_FLOOR_SECS: f64 = 1e-5;

/// The key of a wait state: P(wait) in steps of 1/250, the wait rate in
/// steps of 1 % (of its logarithm's scale), the backlog delay in steps of
/// 2 % (above 10 µs).
pub fn key_of(state: &WaitState) -> Key {
    let c = (state.wait_probability.clamp(0.0, 1.0) * C_STEPS).round() as u64;
    let theta = if c == 0 {
        0
    } else {
        ((state.wait_rate_per_sec.max(1e-6).ln() * THETA_STEPS).round() as i64 + THETA_OFFSET).clamp(0, 65_535) as u64
    };
    let delay = if state.delay_secs < DELAY_FLOOR_SECS {
        0
    } else {
        (((state.delay_secs / DELAY_FLOOR_SECS).ln() * DELAY_STEPS).round() as u64 + 1).min(65_535)
    };
    c | (theta << 16) | (delay << 32)
}

/// Marks a key of [`key_of_delay`].
const DELAY_ONLY: Key = 1 << 48;

/// Steps per e-fold of a [`key_of_delay`] key's delay (0.1 %).
const FINE_DELAY_STEPS: f64 = 1000.0;

/// The key of a wait of exactly `delay_secs` (no random part: a deep
/// first-come-first-served queue served in turn), in steps of 0.1 %,
/// finer than [`key_of`]'s 2 % because the delay is all of the wait.
pub fn key_of_delay(delay_secs: f64) -> Key {
    let delay = if delay_secs < DELAY_FLOOR_SECS {
        0
    } else {
        (((delay_secs / DELAY_FLOOR_SECS).ln() * FINE_DELAY_STEPS).round() as u64 + 1).min(0xffff_ffff)
    };
    DELAY_ONLY | delay
}

/// The representative wait state of a key (inverse of [`key_of`] and
/// [`key_of_delay`] up to quantisation).
pub fn state_of_key(key: Key) -> WaitState {
    if key & DELAY_ONLY != 0 {
        let delay_q = key & 0xffff_ffff;
        let delay_secs =
            if delay_q == 0 { 0.0 } else { DELAY_FLOOR_SECS * ((delay_q - 1) as f64 / FINE_DELAY_STEPS).exp() };
        return WaitState::delay_only(delay_secs);
    }
    let c = (key & 0xffff) as f64 / C_STEPS;
    let theta_q = ((key >> 16) & 0xffff) as i64;
    let delay_q = (key >> 32) & 0xffff;
    WaitState {
        delay_secs: if delay_q == 0 { 0.0 } else { DELAY_FLOOR_SECS * ((delay_q - 1) as f64 / DELAY_STEPS).exp() },
        wait_probability: c,
        wait_rate_per_sec: if c == 0.0 { 1.0 } else { ((theta_q - THETA_OFFSET) as f64 / THETA_STEPS).exp() },
    }
}

/// A key's distribution on the fine and coarse grids, and its p99 on
/// the coarse grid (what a series point with only this key shows).
pub struct Cached {
    fine: SparsePmf,
    coarse: SparsePmf,
    coarse_p99_ms: f64,
}

/// Distributions by key, shared by all tasks of a run.
pub struct SharedPmfs {
    service: ServiceTime,
    /// The other layers' latency on the fine grid (empty: none).
    plus_pmf: Vec<f64>,
    map: RwLock<FxHashMap<Key, Arc<Cached>>>,
}

impl SharedPmfs {
    /// An empty cache for one service-time distribution.
    pub fn new(service: ServiceTime) -> Self {
        Self::with_layers(service, Vec::new())
    }

    /// An empty cache for one service-time distribution, the other layers
    /// adding an independent latency of fine-grid pmf `plus_pmf` (empty:
    /// none).
    pub fn with_layers(service: ServiceTime, plus_pmf: Vec<f64>) -> Self {
        Self { service, plus_pmf, map: RwLock::new(FxHashMap::default()) }
    }

    /// The cache of `sc`'s latency distributions.
    pub fn of(sc: &crate::scenario::model::Scenario) -> Self {
        Self::with_layers(sc.compute.service, crate::sim::layer_latency::pmf(sc))
    }

    fn get(&self, key: Key) -> Arc<Cached> {
        if let Ok(map) = self.map.read()
            && let Some(found) = map.get(&key)
        {
            return Arc::clone(found);
        }
        let mut fine = latency_pmf(&state_of_key(key), &self.service);
        if !self.plus_pmf.is_empty() {
            fine = convolve_fine(&fine, &self.plus_pmf);
        }
        let coarse = coarsen(&fine);
        let coarse = SparsePmf::trimmed(&coarse);
        let mut alone = Histogram::coarse();
        alone.add_sparse(&coarse, 1.0);
        let coarse_p99_ms = alone.quantile_ms(0.99);
        let cached = Arc::new(Cached { fine: SparsePmf::trimmed(&fine), coarse, coarse_p99_ms });
        if let Ok(mut map) = self.map.write()
            && map.len() < SHARED_CAPACITY
        {
            map.entry(key).or_insert_with(|| Arc::clone(&cached));
        }
        cached
    }
}

/// A pending weight for one key.
#[derive(Debug, Clone, Copy, Default)]
pub struct Slot {
    key: Key,
    used: bool,
    last_tick: u64,
    run: f64,
    window: f64,
    series: f64,
}

/// Adds `weight` requests to the slot that already holds `key`, the usual
/// case under steady load; false (and nothing added) when no slot holds it,
/// and the caller must go through [`PmfCache::record`].
#[inline]
pub fn add_to_slot(slots: &mut [Slot; SLOTS], key: Key, weight: f64, in_window: bool, tick: u64) -> bool {
    let Some(slot) = slots.iter_mut().find(|s| s.used && s.key == key) else {
        return false;
    };
    slot.last_tick = tick;
    slot.run += weight;
    if in_window {
        slot.window += weight;
    }
    slot.series += weight;
    true
}

/// Where a tenant's evicted weight goes.
pub struct Sinks<'a> {
    /// The tenant's run histogram (fine).
    pub run: &'a mut Histogram,
    /// The tenant's event-window histogram (fine), if tracked.
    pub window: Option<&'a mut Histogram>,
    /// Its tier's (or its own) mixture for the current series point.
    pub series: &'a mut Mixture,
}

/// A task's view of the shared cache (no locking on hits).
pub struct PmfCache<'a> {
    shared: &'a SharedPmfs,
    entries: FxHashMap<Key, Arc<Cached>>,
}

impl<'a> PmfCache<'a> {
    /// An empty local cache over `shared`.
    pub fn new(shared: &'a SharedPmfs) -> Self {
        Self { shared, entries: FxHashMap::default() }
    }

    /// The distribution of `key`: from the local memo, else the shared
    /// cache (computed there if needed). A pure function of the key, so
    /// clearing the memo never changes a result.
    fn get(&mut self, key: Key) -> Arc<Cached> {
        if let Some(found) = self.entries.get(&key) {
            return Arc::clone(found);
        }
        if self.entries.len() >= LOCAL_CAPACITY {
            self.entries.clear();
        }
        let cached = self.shared.get(key);
        self.entries.insert(key, Arc::clone(&cached));
        cached
    }

    fn flush(&mut self, slot: &mut Slot, sinks: &mut Sinks<'_>) {
        if !slot.used || (slot.run <= 0.0 && slot.window <= 0.0 && slot.series <= 0.0) {
            return;
        }
        let cached = self.get(slot.key);
        if slot.run > 0.0 {
            sinks.run.add_sparse(&cached.fine, slot.run);
        }
        if slot.window > 0.0
            && let Some(window) = sinks.window.as_deref_mut()
        {
            window.add_sparse(&cached.fine, slot.window);
        }
        if slot.series > 0.0 {
            sinks.series.add(slot.key, slot.series, &cached);
        }
        slot.run = 0.0;
        slot.window = 0.0;
        slot.series = 0.0;
    }

    /// Records `weight` requests with the latency distribution of `key`.
    #[allow(clippy::too_many_arguments)]
    pub fn record(
        &mut self,
        slots: &mut [Slot; SLOTS],
        key: Key,
        weight: f64,
        in_window: bool,
        tick: u64,
        sinks: &mut Sinks<'_>,
    ) {
        let index = match slots.iter().position(|s| s.used && s.key == key) {
            Some(i) => i,
            None => {
                let victim = slots
                    .iter()
                    .enumerate()
                    .min_by_key(|(_, s)| if s.used { s.last_tick + 1 } else { 0 })
                    .map_or(0, |(i, _)| i);
                self.flush(&mut slots[victim], sinks);
                slots[victim] = Slot { key, used: true, ..Slot::default() };
                victim
            }
        };
        let slot = &mut slots[index];
        slot.last_tick = tick;
        slot.run += weight;
        if in_window {
            slot.window += weight;
        }
        slot.series += weight;
    }

    /// Moves every slot's series weight into `series` (end of a point).
    pub fn flush_series(&mut self, slots: &mut [Slot; SLOTS], series: &mut Mixture) {
        for slot in slots.iter_mut().filter(|s| s.used && s.series > 0.0) {
            if !series.try_add(slot.key, slot.series) {
                let cached = self.get(slot.key);
                series.spill(&cached, slot.series);
            }
            slot.series = 0.0;
        }
    }

    /// Flushes every slot of a tenant and empties them.
    pub fn flush_all(&mut self, slots: &mut [Slot; SLOTS], sinks: &mut Sinks<'_>) {
        for slot in slots.iter_mut() {
            self.flush(slot, sinks);
            slot.used = false;
        }
    }

    /// Adds `from` to `into`.
    pub fn merge_mixture(&mut self, into: &mut Mixture, from: &Mixture) {
        for &(key, weight) in &from.keys {
            if !into.try_add(key, weight) {
                let cached = self.get(key);
                into.spill(&cached, weight);
            }
        }
        if from.spilled {
            into.spilled_mass.merge(&from.spilled_mass);
            into.spilled = true;
        }
    }

    /// The p99 of a mixture, ms (0 when empty): the cached value when it
    /// holds one key, else read from `scratch`.
    pub fn p99_ms(&mut self, mixture: &Mixture, scratch: &mut Histogram) -> f64 {
        match (mixture.keys.as_slice(), mixture.spilled) {
            ([], false) => 0.0,
            ([(key, _)], false) => self.get(*key).coarse_p99_ms,
            (keys, _) => {
                scratch.clear();
                if mixture.spilled {
                    scratch.merge(&mixture.spilled_mass);
                }
                for &(key, weight) in keys {
                    let cached = self.get(key);
                    scratch.add_sparse(&cached.coarse, weight);
                }
                scratch.quantile_ms(0.99)
            }
        }
    }
}

/// Most distinct keys a [`Mixture`] lists before it adds the rest to a
/// histogram.
const MIXTURE_KEYS: usize = 16;

/// The latency weight of one series point (a tier, a focus tenant or the
/// total) as weights per key. A point usually sees a handful of keys, and
/// one key's p99 is cached, so most points need no histogram at all.
#[derive(Debug, Clone)]
pub struct Mixture {
    keys: Vec<(Key, f64)>,
    /// Weight of keys beyond [`MIXTURE_KEYS`], as coarse mass.
    spilled_mass: Histogram,
    spilled: bool,
}

impl Mixture {
    /// An empty mixture.
    pub fn new() -> Self {
        Self { keys: Vec::with_capacity(MIXTURE_KEYS), spilled_mass: Histogram::coarse(), spilled: false }
    }

    /// Adds `weight` to a listed key or lists it; false when the list is
    /// full and the key is not on it.
    fn try_add(&mut self, key: Key, weight: f64) -> bool {
        if let Some(entry) = self.keys.iter_mut().find(|(k, _)| *k == key) {
            entry.1 += weight;
            true
        } else if self.keys.len() < MIXTURE_KEYS {
            self.keys.push((key, weight));
            true
        } else {
            false
        }
    }

    fn spill(&mut self, cached: &Cached, weight: f64) {
        self.spilled_mass.add_sparse(&cached.coarse, weight);
        self.spilled = true;
    }

    fn add(&mut self, key: Key, weight: f64, cached: &Cached) {
        if !self.try_add(key, weight) {
            self.spill(cached, weight);
        }
    }

    /// Empties the mixture.
    pub fn clear(&mut self) {
        self.keys.clear();
        if self.spilled {
            self.spilled_mass.clear();
            self.spilled = false;
        }
    }
}

impl Default for Mixture {
    fn default() -> Self {
        Self::new()
    }
}

/// Every latency sink of one task: each tenant's slots, run and window
/// histograms, and the series histograms of tiers and focus tenants.
pub struct LatencyBook<'a> {
    cache: PmfCache<'a>,
    slots: Vec<[Slot; SLOTS]>,
    /// Each tenant's run histogram (fine).
    pub run: Vec<Histogram>,
    /// Each tenant's event-window histogram (fine); empty when no event
    /// window is tracked.
    pub window: Vec<Histogram>,
    /// Each tier's mixture for the current series point.
    tier_series: Vec<Mixture>,
    /// Each focus tenant's mixture for the current series point.
    focus_series: Vec<Mixture>,
    total_series: Mixture,
    scratch: Histogram,
    focus_of: Vec<Option<usize>>,
    tier_of: Vec<usize>,
    /// The fine grid's lookup tables, for recording samples.
    bins: FineBins,
}

impl<'a> LatencyBook<'a> {
    /// Empty sinks for tenants of the given tiers; `focus[k]` is the
    /// tenant whose own series is `focus_series[k]`.
    /// `None` when the run is cancelled while the histograms are allocated.
    pub fn new(
        shared: &'a SharedPmfs,
        tier_of: Vec<usize>,
        tiers: usize,
        (focus, track_window): (&[usize], bool),
        check: &mut Checkpoint<'_>,
    ) -> Option<Self> {
        let n = tier_of.len();
        let mut histograms = || {
            let mut all = Vec::with_capacity(n);
            for _ in 0..n {
                if check.cancelled(HISTOGRAM_WORK) {
                    return None;
                }
                all.push(Histogram::fine());
            }
            Some(all)
        };
        let run = histograms()?;
        let window = if track_window { histograms()? } else { Vec::new() };
        let mut focus_of = vec![None; n];
        for (k, &t) in focus.iter().enumerate() {
            if t < n {
                focus_of[t] = Some(k);
            }
        }
        Some(Self {
            cache: PmfCache::new(shared),
            slots: vec![[Slot::default(); SLOTS]; n],
            run,
            window,
            tier_series: (0..tiers).map(|_| Mixture::new()).collect(),
            focus_series: focus.iter().map(|_| Mixture::new()).collect(),
            total_series: Mixture::new(),
            scratch: Histogram::coarse(),
            focus_of,
            tier_of,
            bins: FineBins::new(),
        })
    }

    /// Records `weight` of tenant `t`'s requests with the distribution of
    /// `key`.
    #[inline]
    pub fn record(&mut self, t: usize, key: Key, weight: f64, in_window: bool, tick: u64) {
        if add_to_slot(&mut self.slots[t], key, weight, in_window, tick) {
            return;
        }
        let series = match self.focus_of[t] {
            Some(k) => &mut self.focus_series[k],
            None => &mut self.tier_series[self.tier_of[t]],
        };
        let mut sinks = Sinks { run: &mut self.run[t], window: self.window.get_mut(t), series };
        self.cache.record(&mut self.slots[t], key, weight, in_window, tick, &mut sinks);
    }

    /// Ends a series point for tenant `t`: its series weight goes to its
    /// own series mixture (when it is a focus tenant, whose p99 is
    /// returned with its index, and which is then merged into its tier's)
    /// or its tier's.
    pub fn end_point(&mut self, t: usize) -> Option<(usize, f64)> {
        let tier = self.tier_of[t];
        match self.focus_of[t] {
            Some(k) => {
                self.cache.flush_series(&mut self.slots[t], &mut self.focus_series[k]);
                let p99 = self.cache.p99_ms(&self.focus_series[k], &mut self.scratch);
                self.cache.merge_mixture(&mut self.tier_series[tier], &self.focus_series[k]);
                self.focus_series[k].clear();
                Some((k, p99))
            }
            None => {
                self.cache.flush_series(&mut self.slots[t], &mut self.tier_series[tier]);
                None
            }
        }
    }

    /// Records one request of tenant `t` served with a latency of `ms`
    /// (weighted by `weight`, the share of it that was served to the end).
    pub fn record_sample(&mut self, t: usize, ms: f64, weight: f64, in_window: bool) {
        // One bin lookup for the three histograms.
        let fine = self.bins.of(ms);
        self.run[t].add_at_fine_bin(fine, weight);
        if in_window && let Some(w) = self.window.get_mut(t) {
            w.add_at_fine_bin(fine, weight);
        }
        let series = match self.focus_of[t] {
            Some(k) => &mut self.focus_series[k],
            None => &mut self.tier_series[self.tier_of[t]],
        };
        series.spilled_mass.add_at_fine_bin(fine, weight);
        series.spilled = true;
    }

    /// A copy of each tier's mixture of the current point.
    pub fn tier_mixtures(&self) -> Vec<Mixture> {
        self.tier_series.clone()
    }

    /// Ends a series point for the tiers and the total (after every
    /// tenant's [`LatencyBook::end_point`]): writes each tier's p99 into
    /// `tier_p99_ms` and returns the total's, ms.
    pub fn end_point_of_tiers(&mut self, mut tier_p99_ms: impl FnMut(usize, f64)) -> f64 {
        self.total_series.clear();
        for (tier, mixture) in self.tier_series.iter_mut().enumerate() {
            tier_p99_ms(tier, self.cache.p99_ms(mixture, &mut self.scratch));
            self.cache.merge_mixture(&mut self.total_series, mixture);
            mixture.clear();
        }
        self.cache.p99_ms(&self.total_series, &mut self.scratch)
    }

    /// Flushes every slot of every tenant (end of the run).
    pub fn flush_all(&mut self) {
        for (t, tenant_slots) in self.slots.iter_mut().enumerate() {
            let mut sinks = Sinks {
                run: &mut self.run[t],
                window: self.window.get_mut(t),
                series: &mut self.tier_series[self.tier_of[t]],
            };
            self.cache.flush_all(tenant_slots, &mut sinks);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Limits, load_str};
    use crate::sim::RunControl;

    #[test]
    fn allocating_many_tenants_histograms_stops_when_cancelled() {
        let text = r#"Scenario(version: 1, name: "book", clock: (duration: "1m"),
            tiers: { "t": (price_per_month: 1.0) },
            tenants: [ Tenant(id: "a", tier: "t", load: (rate: 1.0)) ],
            layers: ( compute: (service_time: Exponential(mean_ms: 10.0)) ),
            designs: [ (name: "pool", placement: { "*": Pool }) ],
        )"#;
        let sc = match load_str(text, &Limits::default()) {
            Ok((_, sc)) => sc,
            Err(e) => panic!("{e}"),
        };
        let shared = SharedPmfs::new(sc.compute.service);
        // Enough tenants for several checkpoints.
        let tier_of = vec![0; 2_000];
        let control = RunControl::new();
        let book = |control: &RunControl| {
            LatencyBook::new(&shared, tier_of.clone(), 1, (&[], true), &mut Checkpoint::new(control)).is_some()
        };
        assert!(book(&control));
        control.cancel();
        assert!(!book(&control));
    }
}
