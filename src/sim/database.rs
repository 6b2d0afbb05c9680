//! The database layer: each stack is a table of partitions, each with its
//! own read and write caps (and, when provisioned, its share of the
//! table's capacity plus a burst bank of unused capacity). A tenant's
//! requests land on the partitions of its key shards.
//!
//! Demand is summed per partition as requests move through the tick; a
//! stack whose partitions all stay within their caps serves everything
//! (fast), otherwise it is simulated partition by partition and its
//! members one by one.

use crate::rng::{StreamPurpose, stream_seed};
use crate::scenario::model::Topology;
use crate::scenario::model::{DB_BURST_BANK_SECS, Database as DatabaseLayer, DbPricing, Load, Scenario, StackKind};
use crate::sim::Checkpoint;
use crate::sim::gateway::Inflow;
use crate::sim::raw::{StackRaw, TenantRaw};
use crate::sim::tenants::SlowList;

/// Where each tenant's requests land in its database stack: tenant `t`'s
/// key shards are `start[t]..start[t + 1]`; shard `k` lies on the kept
/// partition `partition[k]` (see [`Database::new`]) and takes `share[k]` of the tenant's requests, which
/// put `read_units[k]` and `write_units[k]` on it per request. Each
/// (stack, partition) that some shard lies on has a demand slot, `slot[k]`
/// for shard `k`; a stack's slots are consecutive.
#[derive(Debug, Default)]
pub struct Shards {
    start: Vec<usize>,
    partition: Vec<usize>,
    /// Demand slot of each shard.
    pub slot: Vec<usize>,
    share: Vec<f64>,
    read_units: Vec<f64>,
    write_units: Vec<f64>,
}

/// [`Inflow::db_slot`] of a tenant with several key shards.
pub const MANY_SHARDS: u32 = u32::MAX;

/// Read and write units asked of every partition some tenant uses, by
/// demand slot, this tick, gathered as requests move through the tick.
#[derive(Debug)]
struct PartitionDemand {
    read: Vec<f64>,
    write: Vec<f64>,
}

impl PartitionDemand {
    /// Adds `ops` requests (negative to take them back) of tenant `t`.
    #[inline(always)]
    fn add(&mut self, shards: &Shards, f: &Inflow, t: usize, ops: f64) {
        if f.db_slot == MANY_SHARDS {
            self.add_shards(shards, t, ops);
        } else {
            let slot = f.db_slot as usize;
            self.read[slot] += ops * f.db_read_units;
            self.write[slot] += ops * f.db_write_units;
        }
    }

    #[cold]
    fn add_shards(&mut self, shards: &Shards, t: usize, ops: f64) {
        for k in shards.start[t]..shards.start[t + 1] {
            let slot = shards.slot[k];
            self.read[slot] += ops * shards.read_units[k];
            self.write[slot] += ops * shards.write_units[k];
        }
    }
}

/// One table.
#[derive(Debug)]
struct DbStack {
    partitions: usize,
    /// Its kept partitions (see [`Database::new`]) are
    /// `first_partition..first_partition + kept`.
    first_partition: usize,
    kept: usize,
    /// The demand slots of the partitions its members' key shards are
    /// on (the others never see a request).
    slots: std::ops::Range<usize>,
    /// Tick + 1 of the last tick it was simulated partition by partition
    /// (0: never), so that a tick with none to simulate need not visit
    /// every stack.
    slow_in: u64,
    /// Every partition's provisioned burst bank is full.
    banks_full: bool,
}

/// One partition's state for reads or for writes.
struct PartitionSide<'a> {
    demand: f64,
    ok: &'a mut f64,
    bank: &'a mut f64,
    hard_per_sec: f64,
    provisioned_per_sec: Option<f64>,
    used: &'a mut f64,
}

/// Every database stack of a task.
#[derive(Debug)]
pub struct Database {
    layer: DatabaseLayer,
    stacks: Vec<DbStack>,
    shards: Shards,
    demand: PartitionDemand,
    /// Per kept partition (of every stack): demand in a slow tick, the
    /// fraction served, and the provisioned burst bank. A stack keeps the
    /// partitions its members' shards lie on and one for all the rest, so
    /// these grow with the key shards, not with stacks × partitions.
    read_demand: Vec<f64>,
    write_demand: Vec<f64>,
    read_ok: Vec<f64>,
    write_ok: Vec<f64>,
    read_bank: Vec<f64>,
    write_bank: Vec<f64>,
    prov_read: Option<f64>,
    prov_write: Option<f64>,
    kept_secs: f64,
    /// Each tenant's requests served this tick by a slow stack.
    final_served: Vec<f64>,
    /// Per-stack results.
    pub raw: Vec<StackRaw>,
}

impl Database {
    /// The stacks of `topology` with their key shards, for the tenants
    /// marked `active` (a tenant the task does not simulate gets no
    /// demand slot).
    pub fn new(
        sc: &Scenario,
        layer: &DatabaseLayer,
        topology: &Topology,
        active: &[bool],
        check: &mut Checkpoint<'_>,
    ) -> Option<Self> {
        let n = sc.tenants.len();
        let mut shards = Shards { start: Vec::with_capacity(n + 1), ..Shards::default() };
        // Each shard's partition within its stack first.
        for (t, tenant) in sc.tenants.iter().enumerate() {
            shards.start.push(shards.partition.len());
            let stack = &topology.stacks[topology.stack_of_tenant[t] as usize];
            let partitions = table_partitions(layer, stack.kind);
            let load = &tenant.load;
            let count = load.key_shards;
            if check.cancelled(u64::from(count)) {
                return None;
            }
            for shard in 0..count {
                let share =
                    if shard == 0 { load.hot_key_share } else { (1.0 - load.hot_key_share) / f64::from(count - 1) };
                shards.partition.push(partition_of(t, shard, partitions));
                shards.share.push(share);
                shards.read_units.push(load.read_fraction * load.read_units_per_read * share);
                shards.write_units.push((1.0 - load.read_fraction) * load.write_units_per_write * share);
            }
        }
        shards.start.push(shards.partition.len());
        // Only the partitions some shard lies on are kept, in partition
        // order, and one for all the others of a stack: they never see a
        // request, so each follows the same course.
        let mut stacks = Vec::with_capacity(topology.stacks.len());
        let mut kept = 0usize;
        let mut used = Vec::new();
        for s in &topology.stacks {
            let partitions = table_partitions(layer, s.kind);
            if check.cancelled(1) {
                return None;
            }
            used.clear();
            for &t in &s.tenants {
                let t = t as usize;
                used.extend_from_slice(&shards.partition[shards.start[t]..shards.start[t + 1]]);
            }
            used.sort_unstable();
            used.dedup();
            for &t in &s.tenants {
                let t = t as usize;
                if check.cancelled((shards.start[t + 1] - shards.start[t]) as u64) {
                    return None;
                }
                for k in shards.start[t]..shards.start[t + 1] {
                    shards.partition[k] = kept + used.binary_search(&shards.partition[k]).unwrap_or(0);
                }
            }
            let len = used.len() + usize::from(used.len() < partitions);
            stacks.push(DbStack {
                partitions,
                first_partition: kept,
                kept: len,
                slots: 0..0,
                slow_in: 0,
                banks_full: false,
            });
            kept += len;
        }
        // Demand slots for the partitions this task simulates, in stack
        // order (a tenant it does not simulate never asks for one).
        let mut slot_of = vec![usize::MAX; kept];
        let mut slots = 0usize;
        shards.slot = vec![usize::MAX; shards.partition.len()];
        for (s, stack) in topology.stacks.iter().enumerate() {
            let first = slots;
            for &t in &stack.tenants {
                let t = t as usize;
                if !active[t] {
                    continue;
                }
                if check.cancelled((shards.start[t + 1] - shards.start[t]) as u64) {
                    return None;
                }
                for k in shards.start[t]..shards.start[t + 1] {
                    let p = shards.partition[k];
                    if slot_of[p] == usize::MAX {
                        slot_of[p] = slots;
                        slots += 1;
                    }
                    shards.slot[k] = slot_of[p];
                }
            }
            stacks[s].slots = first..slots;
        }
        let total_partitions = kept;
        let (prov_read, prov_write) = match layer.pricing {
            DbPricing::Provisioned { read_units_per_sec, write_units_per_sec, .. } => {
                (Some(read_units_per_sec), Some(write_units_per_sec))
            }
            DbPricing::OnDemand { .. } => (None, None),
        };
        Some(Self {
            layer: layer.clone(),
            raw: vec![StackRaw::default(); stacks.len()],
            stacks,
            shards,
            demand: PartitionDemand { read: vec![0.0; slots], write: vec![0.0; slots] },
            read_demand: vec![0.0; total_partitions],
            write_demand: vec![0.0; total_partitions],
            read_ok: vec![1.0; total_partitions],
            write_ok: vec![1.0; total_partitions],
            read_bank: vec![0.0; total_partitions],
            write_bank: vec![0.0; total_partitions],
            prov_read,
            prov_write,
            kept_secs: 0.0,
            final_served: vec![0.0; n],
        })
    }

    /// Tenant `t`'s demand slot, and the read and write units one request
    /// puts on it, when it has one key shard ([`MANY_SHARDS`] otherwise).
    pub fn single_slot(&self, t: usize) -> (u32, f64, f64) {
        let shards = &self.shards;
        match shards.start.get(t..t + 2) {
            Some(&[k, end]) if end == k + 1 => (shards.slot[k] as u32, shards.read_units[k], shards.write_units[k]),
            _ => (MANY_SHARDS, 0.0, 0.0),
        }
    }

    /// Adds `ops` requests of tenant `t` (negative to take them back) to
    /// this tick's partition demand.
    #[inline(always)]
    pub fn add(&mut self, f: &Inflow, t: usize, ops: f64) {
        self.demand.add(&self.shards, f, t, ops);
    }

    /// Serves this tick's demand with `keep` of the capacity. Stacks in
    /// `live` where some partition reaches a cap are simulated partition by
    /// partition: their members (listed in `slow`) get their served share
    /// of `ops_of(t)` requests and their partition drops.
    #[allow(clippy::too_many_arguments)]
    pub fn apply(
        &mut self,
        sc: &Scenario,
        topology: &Topology,
        live: &[usize],
        tick: u64,
        keep: f64,
        dt: f64,
        ops_of: impl Fn(usize) -> f64,
        slow: &mut SlowList,
        raw: &mut [TenantRaw],
    ) {
        let db = &self.layer;
        // Every partition's capacity scales with the same factor: the
        // stacks' capacity seconds are filled in at the end.
        self.kept_secs += keep * dt;
        let hard_read = db.read_units_per_partition_per_sec * keep * dt;
        let hard_write = db.write_units_per_partition_per_sec * keep * dt;
        // On demand, every partition has the same caps: one pass over the
        // demands (without a branch per partition) tells whether any stack
        // needs a closer look.
        let (prov_read, prov_write) = (self.prov_read, self.prov_write);
        let on_demand = prov_read.is_none() && prov_write.is_none();
        let any_over = !on_demand
            || self
                .demand
                .read
                .iter()
                .zip(&self.demand.write)
                .fold(false, |over, (&read, &write)| over | (read > hard_read) | (write > hard_write));
        if !any_over {
            self.demand.read.fill(0.0);
            self.demand.write.fill(0.0);
            return;
        }
        for &s in live {
            let stack = &topology.stacks[s];
            let d = &mut self.stacks[s];
            let partitions = d.partitions as f64;
            // The most one partition can serve this tick without touching
            // its burst bank (provisioned) or at all.
            let cap = |hard: f64, provisioned: Option<f64>| match provisioned {
                Some(table) if d.banks_full => (table / partitions * keep * dt).min(hard),
                Some(_) => -1.0,
                None => hard,
            };
            let (read_cap, write_cap) = (cap(hard_read, prov_read), cap(hard_write, prov_write));
            let mut over = false;
            for slot in d.slots.clone() {
                let (read, write) = (&mut self.demand.read[slot], &mut self.demand.write[slot]);
                over |= *read > read_cap || *write > write_cap;
                (*read, *write) = (0.0, 0.0);
            }
            if !over {
                continue;
            }
            d.slow_in = tick + 1;
            let partition_range = d.first_partition..d.first_partition + d.kept;
            self.read_demand[partition_range.clone()].iter_mut().for_each(|x| *x = 0.0);
            self.write_demand[partition_range.clone()].iter_mut().for_each(|x| *x = 0.0);
            let shards = &self.shards;
            for &t in &stack.tenants {
                let t = t as usize;
                let ops = ops_of(t);
                for k in shards.start[t]..shards.start[t + 1] {
                    let p = shards.partition[k];
                    self.read_demand[p] += ops * shards.read_units[k];
                    self.write_demand[p] += ops * shards.write_units[k];
                }
            }
            let raw_s = &mut self.raw[s];
            let mut full = true;
            for p in partition_range {
                for side in [
                    PartitionSide {
                        demand: self.read_demand[p],
                        ok: &mut self.read_ok[p],
                        bank: &mut self.read_bank[p],
                        hard_per_sec: db.read_units_per_partition_per_sec,
                        provisioned_per_sec: prov_read,
                        used: &mut raw_s.read_units,
                    },
                    PartitionSide {
                        demand: self.write_demand[p],
                        ok: &mut self.write_ok[p],
                        bank: &mut self.write_bank[p],
                        hard_per_sec: db.write_units_per_partition_per_sec,
                        provisioned_per_sec: prov_write,
                        used: &mut raw_s.write_units,
                    },
                ] {
                    full &= serve_partition(side, partitions, keep, dt);
                }
            }
            d.banks_full = full;
            for &t in &stack.tenants {
                let tu = t as usize;
                let ops = ops_of(tu);
                slow.mark(t, tick);
                if ops <= 0.0 {
                    self.final_served[tu] = 0.0;
                    continue;
                }
                let load = &sc.tenants[tu].load;
                let mut ok_reads = 0.0;
                let mut ok_writes = 0.0;
                for k in shards.start[tu]..shards.start[tu + 1] {
                    ok_reads += shards.share[k] * self.read_ok[shards.partition[k]];
                    ok_writes += shards.share[k] * self.write_ok[shards.partition[k]];
                }
                let reads = ops * load.read_fraction;
                let writes = ops - reads;
                let good = reads * ok_reads + writes * ok_writes;
                self.final_served[tu] = good;
                raw[tu].dropped_partition += ops - good;
                raw[tu].db_ops += good;
                raw[tu].db_units +=
                    reads * ok_reads * load.read_units_per_read + writes * ok_writes * load.write_units_per_write;
                raw_s.requests += good;
            }
        }
    }

    /// Of `ops` requests tenant `t` (with `load`, in stack `s`) sent this
    /// tick, those its partitions served; counts them.
    pub fn served(&mut self, t: usize, s: usize, load: &Load, ops: f64, tick: u64, raw: &mut TenantRaw) -> f64 {
        if self.stacks[s].slow_in == tick + 1 {
            self.final_served[t]
        } else {
            serve_all_in_db(load, ops, raw, &mut self.raw[s]);
            ops
        }
    }

    /// Fills in each stack's capacity seconds at the end of a task.
    pub fn finish(&mut self) {
        let db = &self.layer;
        for (raw, stack) in self.raw.iter_mut().zip(&self.stacks) {
            raw.capacity_secs = stack.partitions as f64
                * (db.read_units_per_partition_per_sec + db.write_units_per_partition_per_sec)
                * self.kept_secs;
        }
    }
}

/// Serves one side (reads or writes) of one partition in a slow tick;
/// true when its burst bank is full (or it has none).
fn serve_partition(side: PartitionSide<'_>, partitions: f64, keep: f64, dt: f64) -> bool {
    let hard_cap = side.hard_per_sec * keep * dt;
    let mut full = true;
    let cap = match side.provisioned_per_sec {
        Some(table) => {
            let share_per_sec = table / partitions;
            let max_bank = share_per_sec * DB_BURST_BANK_SECS;
            let share = share_per_sec * keep * dt;
            let cap = (share + *side.bank).min(hard_cap);
            let served = side.demand.min(cap);
            *side.bank = (*side.bank + share - served).clamp(0.0, max_bank);
            full = *side.bank >= max_bank;
            cap
        }
        None => hard_cap,
    };
    let served = side.demand.min(cap);
    *side.ok = if side.demand > 0.0 { served / side.demand } else { 1.0 };
    *side.used += served;
    full
}

/// Partitions of a table of `kind`.
fn table_partitions(layer: &DatabaseLayer, kind: StackKind) -> usize {
    (if kind == StackKind::Silo { layer.silo_partitions } else { layer.pool_partitions }) as usize
}

/// Partition (within its stack) of a tenant's key shard: a fixed hash of
/// (tenant, shard), the same in every design.
pub fn partition_of(tenant: usize, shard: u32, partitions: usize) -> usize {
    (stream_seed(tenant as u64, 0, u64::from(shard), StreamPurpose::PartitionKeys) % partitions as u64) as usize
}

/// Counts `ops` requests of a tenant with `load` that its database stack
/// served in full (no partition reached its cap).
pub fn serve_all_in_db(load: &Load, ops: f64, tenant: &mut TenantRaw, stack: &mut StackRaw) {
    let reads = ops * load.read_fraction;
    let writes = ops - reads;
    let (read_units, write_units) = (reads * load.read_units_per_read, writes * load.write_units_per_write);
    tenant.db_ops += ops;
    tenant.db_units += read_units + write_units;
    stack.requests += ops;
    stack.read_units += read_units;
    stack.write_units += write_units;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Limits, load_str};

    #[test]
    fn a_table_keeps_the_partitions_its_shards_lie_on_and_one_for_the_rest() {
        let text = r#"Scenario(version: 1, name: "kept", clock: (duration: "1m"),
            tiers: { "t": (price_per_month: 1.0) },
            tenants: [ Group(prefix: "x", count: 3, tier: "t", load: (rate: 1.0, key_shards: 4)) ],
            layers: ( compute: (service_time: Exponential(mean_ms: 10.0)), database: (partitions: 10000) ),
            designs: [ (name: "silo", placement: { "*": Silo }), (name: "pool", placement: { "*": Pool }) ],
        )"#;
        let sc = match load_str(text, &Limits::default()) {
            Ok((_, sc)) => sc,
            Err(e) => panic!("{e}"),
        };
        let Some(layer) = &sc.database else { panic!("a database layer") };
        for design in &sc.designs {
            let topology = &design.layers[2];
            let control = crate::sim::RunControl::new();
            let Some(db) = Database::new(&sc, layer, topology, &[true; 3], &mut Checkpoint::new(&control)) else {
                panic!("not cancelled")
            };
            // Three tenants of four shards each: at most twelve partitions
            // with a shard, and one per table for the 9,990-odd without.
            let kept = db.read_ok.len();
            assert!(kept <= 12 + topology.stacks.len(), "{}: {kept}", design.name);
            assert!(db.stacks.iter().all(|s| s.partitions == 10_000 && s.kept <= 13));
            for (t, tenant) in sc.tenants.iter().enumerate() {
                let stack = &db.stacks[topology.stack_of_tenant[t] as usize];
                let mut own: Vec<usize> = (0..tenant.load.key_shards).map(|k| partition_of(t, k, 10_000)).collect();
                own.sort_unstable();
                own.dedup();
                let kept: Vec<usize> = db.shards.partition[db.shards.start[t]..db.shards.start[t + 1]].to_vec();
                assert!(kept.iter().all(|p| (stack.first_partition..stack.first_partition + stack.kept).contains(p)));
                let mut distinct = kept.clone();
                distinct.sort_unstable();
                distinct.dedup();
                assert_eq!(distinct.len(), own.len(), "tenant {t}: as many partitions as its shards lie on");
            }
        }
    }

    #[test]
    fn setting_up_many_key_shards_stops_when_cancelled() {
        // 300 tenants × 1,000 key shards: several checkpoints' worth.
        let text = r#"Scenario(version: 1, name: "shards", clock: (duration: "1m"),
            tiers: { "t": (price_per_month: 1.0) },
            tenants: [ Group(prefix: "x", count: 300, tier: "t", load: (rate: 1.0, key_shards: 1000)) ],
            layers: ( compute: (service_time: Exponential(mean_ms: 10.0)), database: (partitions: 100) ),
            designs: [ (name: "pool", placement: { "*": Pool }) ],
        )"#;
        let sc = match load_str(text, &Limits::default()) {
            Ok((_, sc)) => sc,
            Err(e) => panic!("{e}"),
        };
        let Some(layer) = &sc.database else { panic!("a database layer") };
        let topology = &sc.designs[0].layers[2];
        let active = vec![true; 300];
        let control = crate::sim::RunControl::new();
        assert!(Database::new(&sc, layer, topology, &active, &mut Checkpoint::new(&control)).is_some());
        control.cancel();
        assert!(Database::new(&sc, layer, topology, &active, &mut Checkpoint::new(&control)).is_none());
    }
}
