//! Per-tenant latency recording without per-tick histogram work.
//!
//! Every tick a tenant's served requests see one latency distribution (a
//! [`WaitState`]). Its parameters are quantised into a key; each tenant
//! keeps a few slots of (key, pending weight) and adds a whole
//! distribution to its histograms only when a slot is evicted or a period
//! ends. Steady load therefore costs O(1) per tenant-tick; the
//! distribution of each key is computed once per task and cached.

use std::collections::HashMap;

use crate::queueing::WaitState;
use crate::scenario::model::ServiceTime;
use crate::sim::histogram::{coarsen, latency_pmf, Histogram};

/// Slots per tenant: enough for on/off patterns to alternate between keys
/// without flushing.
pub const SLOTS: usize = 4;

/// Most cached distributions before the cache is flushed and cleared.
const CACHE_CAPACITY: usize = 2048;

/// Quantised latency-distribution parameters.
pub type Key = u64;

/// The key of a wait state: P(wait) in 0.1 % steps, wait rate in 0.5 %
/// steps, backlog delay in 1 % steps (above 10 µs).
pub fn key_of(state: &WaitState) -> Key {
    let c = (state.wait_probability.clamp(0.0, 1.0) * 1000.0).round() as u64;
    let theta = if c == 0 {
        0
    } else {
        ((state.wait_rate_per_sec.max(1e-6).ln() * 200.0).round() as i64 + 8192).clamp(0, 65_535) as u64
    };
    let delay = if state.delay_secs < 1e-5 {
        0
    } else {
        (((state.delay_secs / 1e-5).ln() * 100.0).round() as u64 + 1).min(65_535)
    };
    c | (theta << 16) | (delay << 32)
}

/// A tenant's pending weight for one key.
#[derive(Debug, Clone, Copy, Default)]
pub struct Slot {
    key: Key,
    used: bool,
    last_tick: u64,
    run: f64,
    window: f64,
    series: f64,
}

/// Where a tenant's evicted weight goes.
pub struct Sinks<'a> {
    /// The tenant's run histogram (fine).
    pub run: &'a mut Histogram,
    /// The tenant's event-window histogram (coarse), if tracked.
    pub window: Option<&'a mut Histogram>,
    /// Its tier's histogram for the current series point (coarse).
    pub series: &'a mut Histogram,
}

struct Cached {
    fine: Vec<f64>,
    coarse: Vec<f64>,
}

/// Cache of distributions by key, one per task (so no locking and the
/// same result for any thread count).
pub struct PmfCache {
    service: ServiceTime,
    entries: HashMap<Key, Cached>,
}

impl PmfCache {
    /// An empty cache for one service-time distribution.
    pub fn new(service: ServiceTime) -> Self {
        Self {
            service,
            entries: HashMap::new(),
        }
    }

    /// True when the cache should be flushed and cleared before adding.
    pub fn is_full(&self) -> bool {
        self.entries.len() >= CACHE_CAPACITY
    }

    /// Drops every cached distribution (call after flushing all slots).
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    fn ensure(&mut self, key: Key, state: &WaitState) {
        let service = self.service;
        self.entries.entry(key).or_insert_with(|| {
            let fine = latency_pmf(state, &service);
            let coarse = coarsen(&fine);
            Cached { fine, coarse }
        });
    }

    fn flush(&self, slot: &mut Slot, sinks: &mut Sinks<'_>) {
        if !slot.used {
            return;
        }
        if let Some(cached) = self.entries.get(&slot.key) {
            if slot.run > 0.0 {
                sinks.run.add_pmf(&cached.fine, slot.run);
            }
            if slot.window > 0.0
                && let Some(window) = sinks.window.as_deref_mut()
            {
                window.add_pmf(&cached.coarse, slot.window);
            }
            if slot.series > 0.0 {
                sinks.series.add_pmf(&cached.coarse, slot.series);
            }
        }
        slot.run = 0.0;
        slot.window = 0.0;
        slot.series = 0.0;
    }

    /// Records `weight` requests with latency distribution `state`.
    #[allow(clippy::too_many_arguments)]
    pub fn record(
        &mut self,
        slots: &mut [Slot; SLOTS],
        state: &WaitState,
        weight: f64,
        in_window: bool,
        tick: u64,
        sinks: &mut Sinks<'_>,
    ) {
        let key = key_of(state);
        let index = match slots.iter().position(|s| s.used && s.key == key) {
            Some(i) => i,
            None => {
                let victim = slots
                    .iter()
                    .enumerate()
                    .min_by_key(|(_, s)| if s.used { s.last_tick + 1 } else { 0 })
                    .map_or(0, |(i, _)| i);
                self.flush(&mut slots[victim], sinks);
                self.ensure(key, state);
                slots[victim] = Slot {
                    key,
                    used: true,
                    ..Slot::default()
                };
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
    pub fn flush_series(&self, slots: &mut [Slot; SLOTS], series: &mut Histogram) {
        for slot in slots.iter_mut().filter(|s| s.used && s.series > 0.0) {
            if let Some(cached) = self.entries.get(&slot.key) {
                series.add_pmf(&cached.coarse, slot.series);
            }
            slot.series = 0.0;
        }
    }

    /// Flushes every slot of a tenant and empties them.
    pub fn flush_all(&self, slots: &mut [Slot; SLOTS], sinks: &mut Sinks<'_>) {
        for slot in slots.iter_mut() {
            self.flush(slot, sinks);
            slot.used = false;
        }
    }
}
