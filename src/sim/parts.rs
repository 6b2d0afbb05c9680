//! Splitting a design into parts that run on separate threads.
//!
//! Tenants that share no stack in any layer cannot affect each other, so a
//! design whose tenants fall into many such groups (all-silo, cells) can be
//! simulated as a few parts, each a task of its own, and the parts' raw
//! results merged into the task the whole design would have produced.
//! Per-tenant and per-stack results come from the part that simulated them;
//! flows add up; percentiles are read after merging their histograms or
//! latency weights.
//!
//! How a design is split depends only on the scenario, never on the number
//! of threads, so results stay bit-identical for any thread count.

use crate::scenario::model::{Design, Scenario};
use crate::sim::histogram::Histogram;
use crate::sim::latency::{Mixture, PmfCache, SharedPmfs};
use crate::sim::raw::{Counts, FlowRaw, StackRaw, TaskRaw, TenantRaw};

/// Fewest tenants a part is worth: below it, the per-task work (set-up,
/// series points) outweighs what a second thread gains.
pub const MIN_PART_TENANTS: usize = 64;

/// Most parts one design is split into.
pub const MAX_PARTS: usize = 8;

/// How many parts `n` tenants in `groups` independent groups make: a power
/// of two, so that equal parts share 1, 2, 4 or 8 threads evenly (7 parts
/// on 2 threads would keep one thread busy for 4 while the other does 3).
pub fn part_count(n: usize, groups: usize) -> usize {
    let most = (n / MIN_PART_TENANTS).min(MAX_PARTS).min(groups);
    if most == 0 { 0 } else { 1 << most.ilog2() }
}

/// Groups of tenants connected through a shared stack in any layer, each
/// as its tenants in ascending order, ordered by their first tenant.
pub fn connected_groups(sc: &Scenario, design: &Design) -> Vec<Vec<usize>> {
    let n = sc.tenants.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for topology in &design.layers {
        for stack in &topology.stacks {
            if let Some((&first, rest)) = stack.tenants.split_first() {
                for &t in rest {
                    let (a, b) = (find(&mut parent, first as usize), find(&mut parent, t as usize));
                    parent[a.max(b)] = a.min(b);
                }
            }
        }
    }
    let mut index_of_root = vec![usize::MAX; n];
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for t in 0..n {
        let root = find(&mut parent, t);
        if index_of_root[root] == usize::MAX {
            index_of_root[root] = groups.len();
            groups.push(Vec::new());
        }
        groups[index_of_root[root]].push(t);
    }
    groups
}

/// The parts a design runs as: membership masks over tenants. One part
/// (the whole design) unless it has enough independent groups; then
/// whole groups are dealt, largest first, to the lightest part.
pub fn split(sc: &Scenario, design: &Design) -> Vec<Vec<bool>> {
    let n = sc.tenants.len();
    let groups = connected_groups(sc, design);
    let largest = groups.iter().map(Vec::len).max().unwrap_or(0);
    let parts = part_count(n, groups.len());
    // A group that holds most tenants leaves nothing to balance.
    if parts < 2 || largest * 2 > n {
        return vec![vec![true; n]];
    }
    let mut order: Vec<&Vec<usize>> = groups.iter().collect();
    order.sort_by_key(|g| std::cmp::Reverse(g.len()));
    let mut masks = vec![vec![false; n]; parts];
    let mut load = vec![0usize; parts];
    for group in order {
        let lightest = (0..parts).min_by_key(|&p| (load[p], p)).unwrap_or(0);
        load[lightest] += group.len();
        for &t in group {
            masks[lightest][t] = true;
        }
    }
    masks
}

/// `masks` (a design's parts) with each part that holds both tenants
/// connected to one of `apart` and tenants that are not split in two,
/// those connected first: the planner keeps the others' results when
/// only `apart`'s spikes change.
pub fn split_apart(sc: &Scenario, design: &Design, masks: Vec<Vec<bool>>, apart: &[bool]) -> Vec<Vec<bool>> {
    let mut reached = vec![false; sc.tenants.len()];
    for group in connected_groups(sc, design) {
        if group.iter().any(|&t| apart.get(t).copied().unwrap_or(false)) {
            group.iter().for_each(|&t| reached[t] = true);
        }
    }
    let mut out = Vec::with_capacity(masks.len() + 1);
    let count = masks.len();
    for (i, mask) in masks.into_iter().enumerate() {
        let masks_left = count - i - 1;
        let near: Vec<bool> = mask.iter().zip(&reached).map(|(&m, &r)| m && r).collect();
        let far: Vec<bool> = mask.iter().zip(&reached).map(|(&m, &r)| m && !r).collect();
        // No more parts than a design may have (the memory budget counts
        // at most MAX_PARTS): beyond, the rest stays whole.
        if near.contains(&true) && far.contains(&true) && out.len() + 2 + masks_left <= MAX_PARTS {
            out.push(near);
            out.push(far);
        } else {
            out.push(mask);
        }
    }
    out
}

/// Merges the raw results of a design's parts (in part order) into the
/// task the whole design would have produced.
pub fn merge(sc: &Scenario, design: &Design, parts: Vec<TaskRaw>, shared: &SharedPmfs) -> TaskRaw {
    let mut parts = parts.into_iter();
    let Some(first) = parts.next() else { return TaskRaw::default() };
    let rest: Vec<TaskRaw> = parts.collect();
    if rest.is_empty() {
        return first;
    }
    let all: Vec<&TaskRaw> = std::iter::once(&first).chain(&rest).collect();
    let n = sc.tenants.len();
    // The part that simulated each tenant (the first one for tenants no
    // part did, as in a baseline).
    let owner: Vec<usize> = (0..n).map(|t| all.iter().position(|p| p.active[t]).unwrap_or(0)).collect();

    let Counts { tenants, stacks } =
        merge_counts(design, &owner, &all.iter().map(|p| (p.tenants.as_slice(), &p.stacks)).collect::<Vec<_>>());
    // Every part of a run with spikes notes its counters where the
    // baseline stops, or none does.
    let settled: Option<Vec<_>> =
        all.iter().map(|p| p.settled.as_deref().map(|c| (c.tenants.as_slice(), &c.stacks))).collect();
    let settled = settled.map(|parts| Box::new(merge_counts(design, &owner, &parts)));

    let points = first.point_ticks.len();
    let tiers = sc.tiers.len();
    let mut cache = PmfCache::new(shared);
    let mut scratch = Histogram::coarse();
    let mut tier_flows: Vec<FlowRaw> = (0..tiers).map(|k| sum_flows(all.iter().map(|p| &p.tiers[k]))).collect();
    let mut total = sum_flows(all.iter().map(|p| &p.total));
    for point in 0..points {
        let mut whole = Mixture::new();
        for (k, flow) in tier_flows.iter_mut().enumerate() {
            let mut mixture = Mixture::new();
            for part in &all {
                if let Some(m) = part.tier_mixtures.get(point).and_then(|tiers| tiers.get(k)) {
                    cache.merge_mixture(&mut mixture, m);
                }
            }
            flow.p99_ms[point] = cache.p99_ms(&mixture, &mut scratch);
            cache.merge_mixture(&mut whole, &mixture);
        }
        total.p99_ms[point] = cache.p99_ms(&whole, &mut scratch);
    }

    let mut tier_hist: Vec<Histogram> = (0..tiers).map(|_| Histogram::fine()).collect();
    for part in &all {
        for (into, from) in tier_hist.iter_mut().zip(&part.tier_hist) {
            into.merge(from);
        }
    }
    let mut tier_window_hist: Vec<Histogram> =
        if first.tier_window_hist.is_empty() { Vec::new() } else { (0..tiers).map(|_| Histogram::fine()).collect() };
    for part in &all {
        for (into, from) in tier_window_hist.iter_mut().zip(&part.tier_window_hist) {
            into.merge(from);
        }
    }
    let sum_points = |pick: &dyn Fn(&TaskRaw) -> &Vec<f64>| -> Vec<f64> {
        (0..points).map(|p| all.iter().map(|part| pick(part).get(p).copied().unwrap_or(0.0)).sum()).collect()
    };
    let busy_secs = sum_points(&|p| &p.busy_secs);
    let capacity_secs = sum_points(&|p| &p.capacity_secs);
    let utilisation = busy_secs.iter().zip(&capacity_secs).map(|(&b, &c)| if c > 0.0 { b / c } else { 0.0 }).collect();
    let focus = first.focus.iter().enumerate().map(|(k, (t, _))| (*t, all[owner[*t]].focus[k].1.clone())).collect();

    TaskRaw {
        active: (0..n).map(|t| all.iter().any(|p| p.active[t])).collect(),
        tenants,
        tier_p99_ms: tier_hist.iter().map(|h| h.quantile_ms(0.99)).collect(),
        stacks,
        ticks_per_point: first.ticks_per_point,
        point_ticks: first.point_ticks.clone(),
        tiers: tier_flows,
        total,
        focus,
        instances: sum_points(&|p| &p.instances),
        waiting: sum_points(&|p| &p.waiting),
        oldest_secs: (0..points)
            .map(|p| all.iter().map(|part| part.oldest_secs.get(p).copied().unwrap_or(0.0)).fold(0.0, f64::max))
            .collect(),
        utilisation,
        busy_secs,
        capacity_secs,
        // The per-request engine runs a relational database, in whole
        // designs.
        db_connections: first.db_connections.clone(),
        db_utilisation: first.db_utilisation.clone(),
        tier_hist,
        tier_window_hist,
        tier_mixtures: Vec::new(),
        settled,
        own: Vec::new(),
    }
}

/// Each tenant's and each stack's counters from the part that simulated
/// them (`owner`: the part of each tenant; a stack goes with its first
/// tenant, an empty one with the first part).
fn merge_counts(design: &Design, owner: &[usize], parts: &[(&[TenantRaw], &[Vec<StackRaw>; 3])]) -> Counts {
    let tenants = owner.iter().enumerate().map(|(t, &p)| parts[p].0[t].clone()).collect();
    let stacks = std::array::from_fn(|li| {
        design.layers[li]
            .stacks
            .iter()
            .enumerate()
            .map(|(s, stack)| {
                let from = stack.tenants.first().map_or(0, |&t| owner[t as usize]);
                parts[from].1[li].get(s).cloned().unwrap_or_default()
            })
            .collect()
    });
    Counts { tenants, stacks }
}

/// Point-by-point sums of flows (their p99 is filled in by the caller).
fn sum_flows<'a>(flows: impl Iterator<Item = &'a FlowRaw>) -> FlowRaw {
    let mut sum = FlowRaw::default();
    for flow in flows {
        for (into, from) in sum.flows.iter_mut().zip(&flow.flows) {
            if into.is_empty() {
                into.clone_from(from);
            } else {
                into.iter_mut().zip(from).for_each(|(a, b)| *a += b);
            }
        }
        if sum.p99_ms.is_empty() {
            sum.p99_ms = vec![0.0; flow.p99_ms.len()];
        }
        sum.add_sums(flow);
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundled;
    use crate::scenario::{Limits, load_str};
    use crate::sim::drawer::Arrivals;
    use crate::sim::task::{Part, simulate};

    fn day() -> Scenario {
        match load_str(&crate::reference::reference_day(1), &Limits::default()) {
            Ok((_, sc)) => sc,
            Err(e) => panic!("reference day: {e}"),
        }
    }

    #[test]
    fn parts_come_in_powers_of_two() {
        assert_eq!(part_count(1000, 1000), 8);
        assert_eq!(part_count(1000, 6), 4);
        assert_eq!(part_count(200, 200), 2);
        assert_eq!(part_count(100, 100), 1);
        assert_eq!(part_count(10, 10), 0);
    }

    #[test]
    fn a_pool_stays_whole_and_silos_split_into_balanced_parts() {
        let sc = day();
        let by_name = |name: &str| match sc.designs.iter().find(|d| d.name == name) {
            Some(design) => design,
            None => panic!("no design {name}"),
        };
        assert_eq!(split(&sc, by_name("pool")).len(), 1);
        // The bridge's pool holds 950 of 1,000 tenants: nothing to balance.
        assert_eq!(split(&sc, by_name("bridge")).len(), 1);
        let silo = split(&sc, by_name("silo"));
        assert_eq!(silo.len(), MAX_PARTS);
        let sizes: Vec<usize> = silo.iter().map(|m| m.iter().filter(|&&x| x).count()).collect();
        assert_eq!(sizes.iter().sum::<usize>(), 1000);
        let (least, most) = (sizes.iter().min().copied(), sizes.iter().max().copied());
        assert!(most.zip(least).is_some_and(|(a, b)| a - b <= 1), "{sizes:?}");
        for t in 0..1000 {
            assert_eq!(silo.iter().filter(|m| m[t]).count(), 1, "tenant {t} in exactly one part");
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
    }

    #[test]
    fn a_design_run_in_parts_gives_the_results_of_the_whole() {
        let text = r#"Scenario(version: 1, name: "parts", clock: (duration: "15m", seed: 5, replications: 1),
            tiers: {
                "basic": (price_per_month: 49.0, plan: (rate: 20.0, burst: 20.0)),
                "pro": (price_per_month: 299.0, plan: (rate: 100.0, burst: 100.0)),
            },
            tenants: [
                Group(prefix: "b", count: 250, tier: "basic", load: (rate: 3.0, pattern: Diurnal(peak_hour: 12.0, amplitude: 0.5)), spread: LogNormal(sigma: 0.7)),
                Group(prefix: "p", count: 40, tier: "pro", load: (rate: 40.0)),
            ],
            layers: (
                gateway: (),
                compute: (service_time: Exponential(mean_ms: 20.0), concurrency: 2, instances: (min: 1, max: 4),
                          autoscale: (target_utilisation: 0.6, warmup: "1m")),
                database: (partitions: 2),
            ),
            designs: [ (name: "silo", placement: { "*": Silo }) ],
            events: [ Spike(tenant: "p-00", at: "5m", duration: "5m", factor: 8.0) ],
        )"#;
        let sc = match load_str(text, &Limits::default()) {
            Ok((_, sc)) => sc,
            Err(e) => panic!("{e}"),
        };
        let design = &sc.designs[0];
        let masks = split(&sc, design);
        assert_eq!(masks.len(), part_count(290, 290));
        assert_eq!(masks.len(), 4, "290 tenants make 4 parts of 64 or more");
        let shared = SharedPmfs::of(&sc);
        let control = crate::sim::RunControl::new();
        let focus = [0, 260];
        let run = |part: Part<'_>| match simulate(
            &sc,
            design,
            0,
            crate::sim::windows::Spikes::All,
            part,
            Arrivals::Inline,
            &shared,
            &focus,
            &control,
            None,
            360,
        ) {
            Some(raw) => raw,
            None => panic!("cancelled"),
        };
        let whole = run(Part { members: None, first: true });
        let parts: Vec<TaskRaw> =
            masks.iter().enumerate().map(|(p, mask)| run(Part { members: Some(mask), first: p == 0 })).collect();
        let merged = merge(&sc, design, parts, &shared);
        // Each tenant and stack is simulated alone in its part: identical.
        assert_eq!(format!("{:?}", whole.tenants), format!("{:?}", merged.tenants));
        assert_eq!(format!("{:?}", whole.stacks), format!("{:?}", merged.stacks));
        assert_eq!(format!("{:?}", whole.focus), format!("{:?}", merged.focus));
        // Sums over tenants only differ in the order they were added.
        for (a, b) in whole.tiers.iter().chain([&whole.total]).zip(merged.tiers.iter().chain([&merged.total])) {
            for (x, y) in a.flows.iter().zip(&b.flows).chain([(&a.p99_ms, &b.p99_ms)]) {
                assert!(x.iter().zip(y).all(|(&x, &y)| close(x, y)), "{x:?} vs {y:?}");
            }
        }
        for (x, y) in [
            (&whole.tier_p99_ms, &merged.tier_p99_ms),
            (&whole.instances, &merged.instances),
            (&whole.utilisation, &merged.utilisation),
        ] {
            assert!(x.iter().zip(y).all(|(&x, &y)| close(x, y)), "{x:?} vs {y:?}");
        }
        assert!(whole.total.p99_ms.iter().any(|&p| p > 0.0));
    }

    #[test]
    fn small_scenarios_run_whole() {
        let sc = match load_str(bundled::DEFAULT.text, &Limits::default()) {
            Ok((_, sc)) => sc,
            Err(e) => panic!("{e}"),
        };
        for design in &sc.designs {
            assert_eq!(split(&sc, design).len(), 1, "{}", design.name);
        }
    }
}
