//! Designs: which placement entry places each tenant in each layer
//! ([`Resolver::placements`]), worked out and counted before any stack is
//! built, so that the budget is checked first; then the stacks
//! ([`build_designs`]).
//!
//! Names are looked up in maps built once ([`Names`]), so checking a
//! placement's keys costs each key once, not each key times each tenant.

use indexmap::IndexMap;
use rustc_hash::FxHashMap;

use super::{Resolver, known_list};
use crate::scenario::budget::DesignShape;
use crate::scenario::file::{DesignFile, PlacementFile, PlacementMap, ScenarioFile};
use crate::scenario::limits::Limits;
use crate::scenario::model::{Database, Design, LAYERS, Layer, Stack, StackKind, Tenant, Tier, Topology};
use crate::scenario::ranges;

/// Tier names and tenant ids, each to its index.
pub(super) struct Names<'a> {
    tiers: FxHashMap<&'a str, usize>,
    tenants: FxHashMap<&'a str, usize>,
}

impl<'a> Names<'a> {
    /// The names of `tiers` and `tenants` (the first of a name written
    /// twice, which resolution reports).
    pub fn new(tiers: &'a [Tier], tenants: &'a [Tenant]) -> Self {
        let mut names = Self { tiers: FxHashMap::default(), tenants: FxHashMap::default() };
        for (i, t) in tiers.iter().enumerate() {
            names.tiers.entry(t.name.as_str()).or_insert(i);
        }
        for (i, t) in tenants.iter().enumerate() {
            names.tenants.entry(t.id.as_str()).or_insert(i);
        }
        names
    }

    /// The index of tenant `id`.
    pub fn tenant(&self, id: &str) -> Option<usize> {
        self.tenants.get(id).copied()
    }

    fn is_tier(&self, name: &str) -> bool {
        self.tiers.contains_key(name)
    }
}

/// One layer's placement: for each entry that places some tenant (in order
/// of its first tenant), the placement, its key and its tenants.
type Groups = Vec<(PlacementFile, String, Vec<u32>)>;

/// A design before its stacks are built.
pub(super) struct Placed {
    name: String,
    overhead_usd_per_stack_month: f64,
    /// Each present layer's groups.
    layers: [Option<Groups>; 3],
    /// The queue layer's groups, if it is present.
    queue: Option<Groups>,
}

impl Placed {
    /// Its size: stacks over all layers, and its tables' partitions.
    pub fn shape(&self, database: Option<&Database>, limits: &Limits) -> DesignShape {
        let mut shape = DesignShape::default();
        let queues = std::iter::once((usize::MAX, &self.queue));
        for (li, groups) in self.layers.iter().enumerate().chain(queues) {
            for (placement, _, members) in groups.iter().flatten() {
                let stacks = match *placement {
                    PlacementFile::Silo => members.len() as u64,
                    PlacementFile::Pool => 1,
                    PlacementFile::Cells(k) => u64::from(cells(k, limits)),
                };
                shape.stacks += stacks;
                if li == Layer::Database.index()
                    && let Some(db) = database
                {
                    let silo = *placement == PlacementFile::Silo;
                    let partitions = if silo { db.silo_partitions } else { db.pool_partitions };
                    shape.partitions += stacks * u64::from(partitions);
                }
            }
        }
        shape
    }
}

/// Cells of a `Cells(k)` entry: `k`, or 1 when out of range (reported by
/// the key check; never allocated for).
fn cells(k: u32, limits: &Limits) -> u32 {
    if (1..=limits.max_cells).contains(&k) { k } else { 1 }
}

impl Resolver {
    /// Every design's placement, with its keys checked.
    pub(super) fn placements(
        &mut self,
        file: &ScenarioFile,
        tiers: &[Tier],
        tenants: &[Tenant],
        names: &Names<'_>,
        limits: &Limits,
    ) -> Vec<Placed> {
        if file.designs.is_empty() {
            self.error("designs", "at least one design is needed");
        }
        if file.designs.len() > limits.max_designs {
            self.error(
                "designs",
                format!("{} designs is over the limit of {}", file.designs.len(), limits.max_designs),
            );
            return Vec::new();
        }
        let mut seen: FxHashMap<&str, usize> = FxHashMap::default();
        let mut placed = Vec::with_capacity(file.designs.len());
        for (i, design) in file.designs.iter().enumerate() {
            let path = format!("designs[{i}]");
            if design.name.trim().is_empty() {
                self.error(format!("{path}.name"), "a design needs a name");
            } else if seen.insert(design.name.as_str(), i).is_some() {
                self.error(format!("{path}.name"), format!("duplicate design name \"{}\"", design.name));
            }
            placed.push(self.placed(&path, design, file, tiers, tenants, names, limits));
        }
        placed
    }

    #[allow(clippy::too_many_arguments)]
    fn placed(
        &mut self,
        path: &str,
        design: &DesignFile,
        file: &ScenarioFile,
        tiers: &[Tier],
        tenants: &[Tenant],
        names: &Names<'_>,
        limits: &Limits,
    ) -> Placed {
        self.check_placement_keys(&format!("{path}.placement"), &design.placement, tiers, names, limits);
        let overrides =
            [design.layers.gateway.as_ref(), design.layers.compute.as_ref(), design.layers.database.as_ref()];
        let present =
            [file.layers.gateway.is_some(), true, file.layers.has(crate::scenario::file::LayerName::Database)];
        let mut layers: [Option<Groups>; 3] = Default::default();
        for layer in LAYERS {
            let li = layer.index();
            if let Some(map) = overrides[li] {
                let lpath = format!("{path}.layers.{}", layer.label());
                if !present[li] {
                    self.error(&lpath, format!("the scenario has no {} layer", layer.label()));
                }
                self.check_placement_keys(&lpath, map, tiers, names, limits);
            }
            if present[li] {
                layers[li] =
                    Some(self.groups(path, layer.label(), &[overrides[li], Some(&design.placement)], tiers, tenants));
            }
        }
        let queue_path = format!("{path}.layers.queue");
        if let Some(map) = &design.layers.queue {
            if file.layers.queue.is_none() {
                self.error(&queue_path, "the scenario has no queue layer");
            }
            self.check_placement_keys(&queue_path, map, tiers, names, limits);
        }
        // A queue is placed like compute, which consumes it, unless the
        // design places it otherwise.
        let queue_maps = [design.layers.queue.as_ref(), design.layers.compute.as_ref(), Some(&design.placement)];
        let queue = file.layers.queue.as_ref().map(|_| self.groups(path, "queue", &queue_maps, tiers, tenants));
        Placed {
            name: design.name.clone(),
            overhead_usd_per_stack_month: self.ranged(
                &format!("{path}.overhead_per_stack_per_month"),
                design.overhead_per_stack_per_month,
                &ranges::USD_PER_MONTH,
            ),
            layers,
            queue,
        }
    }

    fn check_placement_keys(
        &mut self,
        path: &str,
        map: &PlacementMap,
        tiers: &[Tier],
        names: &Names<'_>,
        limits: &Limits,
    ) {
        for (key, placement) in map {
            let is_tier = names.is_tier(key);
            let is_tenant = names.tenant(key).is_some();
            let kpath = format!("{path}.\"{key}\"");
            if key != "*" && !is_tier && !is_tenant {
                self.error(
                    &kpath,
                    format!(
                        "\"{key}\" is not \"*\", a tier ({}) or a tenant id",
                        known_list(tiers.iter().map(|t| t.name.as_str()))
                    ),
                );
            } else if is_tier && is_tenant {
                self.error(&kpath, format!("\"{key}\" is both a tier and a tenant id; rename one"));
            }
            if let PlacementFile::Cells(k) = placement {
                if *k == 0 {
                    self.error(&kpath, "Cells(k) needs at least one cell");
                } else if *k > limits.max_cells {
                    self.error(&kpath, format!("{k} cells is over the limit of {}", limits.max_cells));
                }
            }
        }
    }

    /// Which entry places each tenant in `layer`: the first of `maps` (the
    /// layer's own override first, the general placement last) with an
    /// entry for it, and in it the most specific (id, tier, `"*"`); a layer
    /// override reads as "in this layer, place tenants like this".
    fn groups(
        &mut self,
        path: &str,
        layer: &str,
        maps: &[Option<&PlacementMap>],
        tiers: &[Tier],
        tenants: &[Tenant],
    ) -> Groups {
        // Source of a placement: (map, entry index in it).
        let mut groups: IndexMap<(usize, usize), (PlacementFile, String, Vec<u32>)> = IndexMap::new();
        let mut missing = Vec::new();
        for (t, tenant) in tenants.iter().enumerate() {
            let tier = tiers.get(tenant.tier).map_or("", |x| x.name.as_str());
            let keys = [tenant.id.as_str(), tier, "*"];
            let found = maps.iter().enumerate().find_map(|(level, map)| {
                let map = (*map)?;
                keys.iter().find_map(|key| map.get_full(*key).map(|(i, k, p)| ((level, i), k, *p)))
            });
            match found {
                Some((source, key, placement)) => {
                    groups.entry(source).or_insert_with(|| (placement, key.clone(), Vec::new())).2.push(t as u32);
                }
                None => missing.push(tenant.id.as_str()),
            }
        }
        if !missing.is_empty() {
            self.error(
                format!("{path}.placement"),
                format!("no {layer} placement for tenants {} (add a \"*\" entry)", known_list(missing.into_iter())),
            );
        }
        groups.into_values().collect()
    }
}

/// The designs' stacks, once the placements are checked and within the
/// budget.
pub(super) fn build_designs(placed: Vec<Placed>, tenants: &[Tenant], limits: &Limits) -> Vec<Design> {
    placed
        .into_iter()
        .map(|p| Design {
            name: p.name,
            overhead_usd_per_stack_month: p.overhead_usd_per_stack_month,
            layers: p.layers.map(|groups| groups.map_or_else(Topology::default, |g| topology(g, tenants, limits))),
            queue: p.queue.map_or_else(Topology::default, |g| topology(g, tenants, limits)),
        })
        .collect()
}

fn topology(groups: Groups, tenants: &[Tenant], limits: &Limits) -> Topology {
    let mut stack_of_tenant = vec![0u32; tenants.len()];
    let mut stacks: Vec<Stack> = Vec::new();
    for (placement, key, members) in groups {
        match placement {
            PlacementFile::Silo => {
                for t in members {
                    stack_of_tenant[t as usize] = stacks.len() as u32;
                    stacks.push(Stack {
                        kind: StackKind::Silo,
                        label: format!("silo {}", tenants[t as usize].id),
                        tenants: vec![t],
                    });
                }
            }
            PlacementFile::Pool => {
                let index = stacks.len() as u32;
                for &t in &members {
                    stack_of_tenant[t as usize] = index;
                }
                stacks.push(Stack { kind: StackKind::Pool, label: format!("pool {key}"), tenants: members });
            }
            PlacementFile::Cells(k) => {
                let k = cells(k, limits);
                let first = stacks.len() as u32;
                for index in 0..k {
                    stacks.push(Stack {
                        kind: StackKind::Cell { index, of: k },
                        label: format!("cell {}/{k} {key}", index + 1),
                        tenants: Vec::new(),
                    });
                }
                for (n, t) in members.into_iter().enumerate() {
                    let cell = first + (n as u32 % k);
                    stack_of_tenant[t as usize] = cell;
                    stacks[cell as usize].tenants.push(t);
                }
            }
        }
    }
    Topology { stack_of_tenant, stacks }
}
