//! Arrivals drawn apart from the rest of the simulation.
//!
//! A tenant's arrivals and usage-plan results depend on nothing else in
//! the simulation, so they can be drawn ahead: a block of ticks at a time
//! on another thread ([`Arrivals::Ahead`]), or a whole replication at once
//! into a table every design reads ([`ArrivalTable`]). Every way gives the
//! same numbers as drawing inside the tick loop ([`Arrivals::Inline`]).

use crate::scenario::model::{Pattern, Scenario};
use crate::sim::gateway::{Inflow, QuotaClock};
use crate::sim::windows::{SpikeFactors, Spikes, baseline_ticks, spikes_of};
use crate::sim::{RunControl, WallClock};

/// Ticks per block drawn ahead (see [`Arrivals::Ahead`]).
pub const PIPELINE_BLOCK_TICKS: u64 = 16;

/// Ticks per block of an [`ArrivalTable`] (and between cancellation
/// checks while drawing one).
const TABLE_BLOCK_TICKS: u64 = 256;

/// Where a task's arrivals (and usage-plan results) come from. All three
/// give the same numbers; they differ in who draws them and when.
#[derive(Debug, Clone, Copy)]
pub enum Arrivals<'a> {
    /// Drawn tick by tick inside the task.
    Inline,
    /// Drawn a block of ticks ahead, on another thread when one is free
    /// (`rayon::join`): a large task then uses two cores, one simulating
    /// and one drawing (which costs less than simulating).
    Ahead,
    /// Read from the replication's table, drawn once for all its tasks (a
    /// baseline still draws its spiking tenants' own).
    Table(&'a ArrivalTable),
}

/// One tenant's arrivals in one tick, after its usage plan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Drawn {
    /// Requests that arrived.
    pub offered: i64,
    /// Requests its usage plan and quotas admitted.
    pub admitted: i64,
}

/// A tick's drawn arrivals: tenant `t`'s entry is
/// `drawn[offset + t * stride]`.
#[derive(Clone, Copy)]
pub struct Row<'a> {
    drawn: &'a [Drawn],
    offset: usize,
    stride: usize,
}

impl Row<'_> {
    /// Tenant `t`'s arrivals this tick.
    #[inline]
    pub fn of(&self, t: usize) -> Drawn {
        self.drawn[self.offset + t * self.stride]
    }
}

/// The distinct load patterns of a scenario and each tenant's index into
/// them, so each pattern is evaluated once per tick.
pub fn distinct_patterns(sc: &Scenario) -> (Vec<Pattern>, Vec<usize>) {
    let mut patterns: Vec<Pattern> = Vec::new();
    let mut index: rustc_hash::FxHashMap<[u64; 4], usize> = rustc_hash::FxHashMap::default();
    let pattern_of = sc
        .tenants
        .iter()
        .map(|t| {
            *index.entry(pattern_key(&t.load.pattern)).or_insert_with(|| {
                patterns.push(t.load.pattern);
                patterns.len() - 1
            })
        })
        .collect();
    (patterns, pattern_of)
}

/// A pattern as bits: equal keys are equal patterns (and patterns equal
/// as numbers but for the sign of a zero, which give the same factors,
/// are merely kept apart).
fn pattern_key(pattern: &Pattern) -> [u64; 4] {
    match *pattern {
        Pattern::Constant => [0; 4],
        Pattern::Diurnal { peak_hour, amplitude } => [1, peak_hour.to_bits(), amplitude.to_bits(), 0],
        Pattern::Bursty { on_secs, off_secs, factor } => [2, on_secs.to_bits(), off_secs.to_bits(), factor.to_bits()],
        Pattern::Ramp { to_factor, over_secs } => [3, to_factor.to_bits(), over_secs.to_bits(), 0],
    }
}

/// What every tenant's draws in one block of ticks share.
#[derive(Debug, Clone, Default)]
struct BlockClock {
    ticks: std::ops::Range<u64>,
    /// Pattern `p`'s factor at the block's tick `k`: `factors[p * len + k]`.
    factors: Vec<f64>,
    /// The quota periods (day, week, month) that start at tick `k`.
    resets: Vec<[bool; 3]>,
}

/// Draws tenants' arrivals and usage-plan results tick after tick, apart
/// from the rest of the simulation. It draws a block of ticks tenant by
/// tenant, so a block's tenants can be shared between two threads.
#[derive(Debug, Clone)]
pub struct Drawer {
    inflows: Vec<Inflow>,
    patterns: Vec<Pattern>,
    quotas: QuotaClock,
    /// The factors of the spikes drawn.
    spikes: SpikeFactors,
    spiking: Vec<bool>,
    /// Tenants drawn (the others' entries stay empty).
    drawn: Vec<usize>,
    clock: BlockClock,
    /// How many of the last tenants drawn the simulating thread draws
    /// after its block (see [`Drawer::fill_alongside`]).
    share: usize,
}

impl Drawer {
    /// A drawer of the active tenants.
    pub fn new(sc: &Scenario, replication: u32, spikes: Spikes, active: &[bool]) -> Self {
        let (patterns, pattern_of) = distinct_patterns(sc);
        let inflows = (0..sc.tenants.len()).map(|t| Inflow::new(sc, t, replication, pattern_of[t])).collect();
        let spikes = spikes_of(sc, spikes);
        let mut spiking = vec![false; sc.tenants.len()];
        for s in &spikes {
            spiking[s.tenant] = true;
        }
        Self {
            inflows,
            patterns,
            quotas: QuotaClock::new(sc),
            spikes: SpikeFactors::new(&spikes, sc.tenants.len()),
            spiking,
            drawn: (0..sc.tenants.len()).filter(|&t| active[t]).collect(),
            clock: BlockClock::default(),
            share: 0,
        }
    }

    /// Sets the clock for the block `ticks` (which follow the last ones
    /// drawn).
    fn start_block(&mut self, sc: &Scenario, ticks: std::ops::Range<u64>) {
        let clock = &mut self.clock;
        clock.factors.clear();
        for p in &self.patterns {
            clock
                .factors
                .extend(ticks.clone().map(|tick| p.factor_at(tick as f64 * sc.clock.tick_secs, sc.clock.start_hour)));
        }
        clock.resets.clear();
        for tick in ticks.clone() {
            clock.resets.push(self.quotas.starts(tick as f64 * sc.clock.tick_secs));
        }
        clock.ticks = ticks;
    }

    /// Draws ticks `ticks` (which follow the last ones drawn) into `out`:
    /// tick `k` of tenant `t` goes to `out[t * stride + k]`.
    pub fn fill(&mut self, sc: &Scenario, ticks: std::ops::Range<u64>, out: &mut [Drawn], stride: usize) {
        self.start_block(sc, ticks);
        let block = Block { clock: &self.clock, spikes: &self.spikes, spiking: &self.spiking, stride };
        block.draw(sc, &mut self.inflows, 0, &self.drawn, out);
    }

    /// Draws the block `ticks` into `out` (as [`Drawer::fill`]) while
    /// `work` runs, with `rayon::join`: one thread draws the first
    /// tenants, the other runs `work` and then draws the rest. How many
    /// each draws follows the last block's timings on `clock` (without
    /// one, the other thread draws them all), so both finish together;
    /// who draws which tenant does not change what is drawn.
    pub fn fill_alongside<R: Send>(
        &mut self,
        sc: &Scenario,
        ticks: std::ops::Range<u64>,
        out: &mut [Drawn],
        stride: usize,
        clock: Option<&WallClock>,
        work: impl FnOnce() -> R + Send,
    ) -> R {
        self.start_block(sc, ticks);
        let count = self.drawn.len();
        let share = self.share.min(count);
        let (first, rest) = self.drawn.split_at(count - share);
        let boundary = rest.first().copied().unwrap_or(self.inflows.len());
        let (inflows_a, inflows_b) = self.inflows.split_at_mut(boundary);
        let (out_a, out_b) = out.split_at_mut(boundary * stride);
        let block = Block { clock: &self.clock, spikes: &self.spikes, spiking: &self.spiking, stride };
        let now = || clock.map_or(0.0, WallClock::now_secs);
        let ((), (result, work_secs, b_secs)) = rayon::join(
            || block.draw(sc, inflows_a, 0, first, out_a),
            || {
                let started = now();
                let result = work();
                let worked = now() - started;
                block.draw(sc, inflows_b, boundary, rest, out_b);
                (result, worked, now() - started - worked)
            },
        );
        if clock.is_some() {
            // Balance: the drawing thread's part should take as long as the
            // work plus the rest. Estimate a tenant's drawing from the rest
            // (or assume the work costs as much as drawing everything).
            let per_tenant = if share > 0 { b_secs / share as f64 } else { work_secs / count.max(1) as f64 };
            let target = if per_tenant > 0.0 {
                ((count as f64 - work_secs / per_tenant) / 2.0).clamp(0.0, count as f64)
            } else {
                0.0
            };
            self.share = ((self.share as f64 + target) / 2.0).round() as usize;
        }
        result
    }

    /// Each tenant's requests throttled by its plan and by its quotas so
    /// far.
    pub fn throttled(&self) -> Vec<(i64, i64)> {
        self.inflows.iter().map(|f| (f.throttled_plan, f.throttled_quota)).collect()
    }

    /// Runs `step` over ticks `0..end_tick` with each tick's row, drawing
    /// a block ahead on another thread while the current one is simulated
    /// (and then some of the next, see [`Drawer::fill_alongside`]). False
    /// when `step` stopped.
    pub fn drive(
        &mut self,
        sc: &Scenario,
        end_tick: u64,
        clock: Option<&WallClock>,
        mut step: impl FnMut(u64, Row<'_>) -> bool + Send,
    ) -> bool {
        let n = sc.tenants.len();
        let stride = PIPELINE_BLOCK_TICKS as usize;
        let (mut current, mut next) = (vec![Drawn::default(); n * stride], vec![Drawn::default(); n * stride]);
        self.fill(sc, 0..PIPELINE_BLOCK_TICKS.min(end_tick), &mut current, stride);
        let mut start = 0;
        let mut going = true;
        while going && start < end_tick {
            let stop = (start + PIPELINE_BLOCK_TICKS).min(end_tick);
            let following = stop..(stop + PIPELINE_BLOCK_TICKS).min(end_tick);
            let rows = &current;
            let step = &mut step;
            going = self.fill_alongside(sc, following, &mut next, stride, clock, || {
                (start..stop).all(|tick| step(tick, Row { drawn: rows, offset: (tick - start) as usize, stride }))
            });
            std::mem::swap(&mut current, &mut next);
            start = stop;
        }
        going
    }
}

/// What drawing one block for some tenants reads.
#[derive(Clone, Copy)]
struct Block<'a> {
    clock: &'a BlockClock,
    spikes: &'a SpikeFactors,
    spiking: &'a [bool],
    stride: usize,
}

impl Block<'_> {
    /// Draws the block for tenants `drawn`, whose records start at tenant
    /// `first` in `inflows` and `out` (`out[(t - first) * stride + k]` for
    /// tick `k`).
    fn draw(&self, sc: &Scenario, inflows: &mut [Inflow], first: usize, drawn: &[usize], out: &mut [Drawn]) {
        let dt = sc.clock.tick_secs;
        let clock = self.clock;
        let len = clock.resets.len();
        for &t in drawn {
            let f = &mut inflows[t - first];
            let factors = &clock.factors[f.pattern * len..][..len];
            let row = &mut out[(t - first) * self.stride..][..len];
            for (k, tick) in clock.ticks.clone().enumerate() {
                for (used, &reset) in f.quota_used.iter_mut().zip(&clock.resets[k]) {
                    if reset {
                        *used = 0;
                    }
                }
                if self.spiking[t] {
                    f.spike_factor = self.spikes.at(t, tick as f64 * dt);
                }
                let lambda = f.rate_per_sec * factors[k] * f.spike_factor;
                let (offered, admitted) = f.arrive(sc, lambda, dt);
                row[k] = Drawn { offered, admitted };
            }
        }
    }
}

/// Every tenant's arrivals and usage-plan results in one replication,
/// with spikes. Common random numbers make them the same in every design,
/// so a run with several designs draws them once per replication and
/// every task reads them (a baseline draws its spiking tenants' own).
#[derive(Debug, Clone, PartialEq)]
pub struct ArrivalTable {
    /// `[tick * tenants + tenant]`.
    drawn: Vec<Drawn>,
    /// Each tenant's requests throttled by its plan and by its quotas
    /// until each tick a task may stop at (where the baselines stop, the
    /// run's end).
    throttled: Vec<(u64, Vec<(i64, i64)>)>,
}

impl ArrivalTable {
    /// Draws replication `replication`'s table; `None` when cancelled.
    pub fn draw(sc: &Scenario, replication: u32, control: &RunControl) -> Option<Self> {
        Self::draw_over(sc, replication, None, control)
    }

    /// Replication `replication`'s table of `sc`, from `base`, the same
    /// replication's table of a scenario that differs from `sc` only in
    /// the tenants `varying`: those are drawn, the others' draws (each
    /// tenant's come from streams of its own) and plan results are
    /// `base`'s. `None` when cancelled.
    pub fn patched(
        sc: &Scenario,
        replication: u32,
        base: &ArrivalTable,
        varying: &[bool],
        control: &RunControl,
    ) -> Option<Self> {
        let n = sc.tenants.len();
        let fits = base.drawn.len() == n * sc.clock.ticks as usize
            && varying.len() == n
            && base.throttled.iter().map(|(tick, _)| *tick).eq(stops(sc));
        Self::draw_over(sc, replication, fits.then_some((base, varying)), control)
    }

    /// [`ArrivalTable::draw`], or with `over`, [`ArrivalTable::patched`].
    fn draw_over(
        sc: &Scenario,
        replication: u32,
        over: Option<(&ArrivalTable, &[bool])>,
        control: &RunControl,
    ) -> Option<Self> {
        let n = sc.tenants.len();
        let active = over.map_or_else(|| vec![true; n], |(_, varying)| varying.to_vec());
        let mut drawer = Drawer::new(sc, replication, Spikes::All, &active);
        let ticks = sc.clock.ticks;
        let stops = stops(sc);
        // Every entry is written below, but a patch's tenants that do not
        // vary, which keep the base's.
        let mut drawn = match over {
            Some((base, _)) => base.drawn.clone(),
            None => vec![Drawn::default(); n * ticks as usize],
        };
        let mut block = Vec::new();
        let mut throttled = Vec::new();
        let mut start = 0;
        while start < ticks {
            if control.is_cancelled() {
                return None;
            }
            if stops.contains(&start) {
                throttled.push((start, drawer.throttled()));
            }
            // Blocks end where a task may stop, to note its totals.
            let next_stop = stops.iter().copied().find(|&s| s > start).unwrap_or(ticks);
            let end = next_stop.min(start + TABLE_BLOCK_TICKS).min(ticks);
            let len = (end - start) as usize;
            block.clear();
            block.resize(n * len, Drawn::default());
            drawer.fill(sc, start..end, &mut block, len);
            // The table is tick-major.
            for &t in &drawer.drawn {
                for k in 0..len {
                    drawn[(start as usize + k) * n + t] = block[t * len + k];
                }
            }
            start = end;
        }
        throttled.push((ticks, drawer.throttled()));
        if let Some((base, varying)) = over {
            // The others' plan results are the base's.
            for ((_, counts), (_, base_counts)) in throttled.iter_mut().zip(&base.throttled) {
                for (t, (count, &base_count)) in counts.iter_mut().zip(base_counts).enumerate() {
                    if !varying[t] {
                        *count = base_count;
                    }
                }
            }
        }
        Some(Self { drawn, throttled })
    }

    /// Bytes the table holds.
    pub fn bytes(&self) -> usize {
        self.drawn.len() * std::mem::size_of::<Drawn>()
            + self.throttled.iter().map(|(_, c)| c.len() * std::mem::size_of::<(i64, i64)>()).sum::<usize>()
    }

    /// Tick `tick`'s row.
    pub fn row(&self, tick: u64, tenants: usize) -> Row<'_> {
        Row { drawn: &self.drawn, offset: tick as usize * tenants, stride: 1 }
    }

    /// Tenant `t`'s requests throttled by its plan and by its quotas until
    /// `end_tick`, one of the ticks a task stops at (else over the run).
    pub fn throttled(&self, t: usize, end_tick: u64) -> (i64, i64) {
        let at = self.throttled.iter().find(|(tick, _)| *tick == end_tick).or(self.throttled.last());
        at.and_then(|(_, counts)| counts.get(t).copied()).unwrap_or_default()
    }
}

/// The ticks a task may stop at, in order: where the baselines stop and
/// the run's end.
fn stops(sc: &Scenario) -> Vec<u64> {
    let mut stops = vec![baseline_ticks(sc), sc.clock.ticks];
    stops.sort_unstable();
    stops.dedup();
    stops
}

/// A row with nothing drawn (every tenant draws its own).
pub fn empty_row() -> Row<'static> {
    Row { drawn: &[], offset: 0, stride: 0 }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::scenario::{Limits, load_str};

    /// A small scenario with usage plans, quotas, patterns and a spike.
    pub(crate) fn scenario() -> Scenario {
        let text = r#"Scenario(version: 1, name: "table", clock: (duration: "20m", seed: 3, replications: 1),
            tiers: {
                "basic": (price_per_month: 49.0, plan: (rate: 12.0, burst: 12.0, quota_per_day: 9000)),
                "pro": (price_per_month: 299.0, plan: (rate: 100.0, burst: 100.0)),
            },
            tenants: [
                Group(prefix: "b", count: 12, tier: "basic", load: (rate: 8.0, pattern: Diurnal(peak_hour: 0.0, amplitude: 0.5)), spread: LogNormal(sigma: 0.5)),
                Tenant(id: "p", tier: "pro", load: (rate: 60.0)),
            ],
            layers: (
                gateway: (account_rate: 150.0, account_burst: 150.0),
                compute: (service_time: Exponential(mean_ms: 20.0), concurrency: 4, instances: (min: 1, max: 4),
                          autoscale: (target_utilisation: 0.6)),
                database: (partitions: 2),
            ),
            designs: [ (name: "pool", placement: { "*": Pool }) ],
            events: [ Spike(tenant: "b-00", at: "5m", duration: "5m", factor: 6.0) ],
        )"#;
        match load_str(text, &Limits::default()) {
            Ok((_, sc)) => sc,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn a_table_patched_for_the_tenants_that_changed_is_the_table_drawn_whole() {
        let base = scenario();
        let control = RunControl::new();
        // b-00's spike twice as strong, and p sending 90 a second: the
        // tenants that vary.
        let mut other = base.clone();
        for e in &mut other.events {
            if let crate::scenario::model::Event::Spike { factor, .. } = e {
                *factor = 12.0;
            }
        }
        let p = other.tenants.len() - 1;
        other.tenants[p].load.rate_per_sec = 90.0;
        let mut varying = vec![false; base.tenants.len()];
        varying[0] = true;
        varying[p] = true;
        for replication in [0, 3] {
            let (Some(table), Some(whole)) =
                (ArrivalTable::draw(&base, replication, &control), ArrivalTable::draw(&other, replication, &control))
            else {
                panic!("the tables draw")
            };
            let Some(patched) = ArrivalTable::patched(&other, replication, &table, &varying, &control) else {
                panic!("the patch draws")
            };
            assert!(patched == whole, "replication {replication}: patched as drawn whole");
            assert!(table != whole, "the change shows in the table");
            // Leaving out a tenant that changed leaves its old draws.
            varying[p] = false;
            let Some(stale) = ArrivalTable::patched(&other, replication, &table, &varying, &control) else {
                panic!("the patch draws")
            };
            assert!(stale != whole, "replication {replication}: p's draws are the base's");
            varying[p] = true;
        }
    }

    #[test]
    fn drawing_a_block_on_two_threads_gives_what_one_draws() {
        // However the tenants of a block are shared between the drawing
        // and the simulating thread, every tenant's draws are the same.
        let sc = scenario();
        let n = sc.tenants.len();
        let stride = PIPELINE_BLOCK_TICKS as usize;
        let mut alone = Drawer::new(&sc, 0, Spikes::All, &vec![true; n]);
        let mut shared = alone.clone();
        let (mut a, mut b) = (vec![Drawn::default(); n * stride], vec![Drawn::default(); n * stride]);
        let blocks = sc.clock.ticks.div_ceil(PIPELINE_BLOCK_TICKS);
        for block in 0..blocks {
            let ticks = block * PIPELINE_BLOCK_TICKS..((block + 1) * PIPELINE_BLOCK_TICKS).min(sc.clock.ticks);
            alone.fill(&sc, ticks.clone(), &mut a, stride);
            // From nothing to everything to the work's side, and beyond.
            shared.share = block as usize % (n + 2);
            let seen = shared.fill_alongside(&sc, ticks, &mut b, stride, None, || block);
            assert_eq!(seen, block);
            let len = (sc.clock.ticks - block * PIPELINE_BLOCK_TICKS).min(PIPELINE_BLOCK_TICKS) as usize;
            for t in 0..n {
                for k in 0..len {
                    let (x, y) = (a[t * stride + k], b[t * stride + k]);
                    assert_eq!((x.offered, x.admitted), (y.offered, y.admitted), "block {block}, tenant {t}, tick {k}");
                }
            }
        }
        assert_eq!(alone.throttled(), shared.throttled());
    }
}
