//! Cost bars, prepared once per report: tenants ordered by tier, each
//! tenant's monthly cost by layer, and per-tier aggregates for scenarios
//! with too many tenants to draw one bar each. Pure functions, no egui.

use crate::app::panels::style::COST_LAYERS;
use crate::report::{DesignReport, LayerCosts, RunReport};

/// Above this many tenants the cost plot shows per-tier aggregates.
pub const MAX_TENANT_BARS: usize = 60;

/// The tenants of one tier, as a run of consecutive bar slots.
#[derive(Debug, Clone, PartialEq)]
pub struct TierSlots {
    /// Tier name.
    pub name: String,
    /// Index into the report's tiers.
    pub tier: usize,
    /// First slot (inclusive).
    pub first: usize,
    /// Last slot (inclusive); `first > last` for a tier without tenants.
    pub last: usize,
    /// Tier price, USD per month.
    pub price_usd_per_month: f64,
}

/// One tier's aggregate under one design.
#[derive(Debug, Clone, PartialEq)]
pub struct TierCost {
    /// Tenants in the tier.
    pub tenants: usize,
    /// Mean cost per tenant by layer (gateway, compute, database,
    /// overhead), USD per month.
    pub mean_by_layer_usd: [f64; COST_LAYERS],
    /// Mean cost per tenant, USD per month.
    pub mean_usd: f64,
    /// The most expensive tenant of the tier and its cost.
    pub worst: Option<TenantCost>,
}

/// One tenant's attributed cost.
#[derive(Debug, Clone, PartialEq)]
pub struct TenantCost {
    /// Tenant id.
    pub id: String,
    /// Its cost, USD per month.
    pub usd_per_month: f64,
}

/// One design's bars.
#[derive(Debug, Clone, PartialEq)]
pub struct DesignCosts {
    /// Per slot (tenants in [`CostBars::order`]), cost by layer, USD per
    /// month.
    pub by_layer_usd: Vec<[f64; COST_LAYERS]>,
    /// Per slot, total cost, USD per month.
    pub total_usd: Vec<f64>,
    /// Per tier (report order).
    pub tiers: Vec<TierCost>,
}

/// Cost plot data of a report.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CostBars {
    /// Per layer (in [`crate::app::panels::style::LAYER_NAMES`] order):
    /// some bar of some design has a cost there (a legend lists no others).
    pub layers_used: [bool; COST_LAYERS],
    /// Tenant indices (file order) sorted by tier, then file order.
    pub order: Vec<usize>,
    /// Tier index of each slot.
    pub slot_tier: Vec<usize>,
    /// Tiers as runs of slots.
    pub tiers: Vec<TierSlots>,
    /// Per design, in report order.
    pub designs: Vec<DesignCosts>,
    /// True when there are too many tenants for one bar each.
    pub aggregate: bool,
    /// Top of the shared y axis: the tallest bar with some room, raised to
    /// include the tier prices unless one is far above every bar (that
    /// price is then marked at the top instead of squashing the bars).
    pub y_top_usd: f64,
}

/// A layer breakdown as an array in [`crate::app::panels::style::LAYER_NAMES`] order.
pub fn layer_array(costs: &LayerCosts) -> [f64; COST_LAYERS] {
    [costs.gateway.mean, costs.queue.mean, costs.compute.mean, costs.database.mean, costs.overhead.mean]
}

/// Index of `tier` in the report's tiers (unknown tiers sort last).
fn tier_index(report: &RunReport, tier: &str) -> usize {
    report.tiers.iter().position(|t| t == tier).unwrap_or(report.tiers.len())
}

fn design_costs(design: &DesignReport, order: &[usize], slot_tier: &[usize], tiers: usize) -> DesignCosts {
    let by_layer_usd: Vec<[f64; COST_LAYERS]> = order
        .iter()
        .map(|&i| design.tenants.get(i).map_or([0.0; COST_LAYERS], |t| layer_array(&t.cost_by_layer)))
        .collect();
    let total_usd: Vec<f64> = by_layer_usd.iter().map(|l| l.iter().sum()).collect();
    let tiers = (0..tiers)
        .map(|k| {
            let slots: Vec<usize> = (0..order.len()).filter(|&s| slot_tier[s] == k).collect();
            let n = slots.len();
            let mut sum = [0.0; COST_LAYERS];
            let mut worst: Option<TenantCost> = None;
            for &s in &slots {
                for (acc, v) in sum.iter_mut().zip(by_layer_usd[s]) {
                    *acc += v;
                }
                if worst.as_ref().is_none_or(|w| total_usd[s] > w.usd_per_month) {
                    let id = design.tenants.get(order[s]).map_or_else(String::new, |t| t.id.clone());
                    worst = Some(TenantCost { id, usd_per_month: total_usd[s] });
                }
            }
            let mean_by_layer_usd = if n == 0 { [0.0; COST_LAYERS] } else { sum.map(|v| v / n as f64) };
            TierCost { tenants: n, mean_by_layer_usd, mean_usd: mean_by_layer_usd.iter().sum(), worst }
        })
        .collect();
    DesignCosts { by_layer_usd, total_usd, tiers }
}

/// Prepares the cost bars of a report.
pub fn cost_bars(report: &RunReport) -> CostBars {
    let Some(first) = report.designs.first() else { return CostBars::default() };
    let mut order: Vec<usize> = (0..first.tenants.len()).collect();
    order.sort_by_key(|&i| tier_index(report, &first.tenants[i].tier));
    let slot_tier: Vec<usize> = order.iter().map(|&i| tier_index(report, &first.tenants[i].tier)).collect();
    let tiers: Vec<TierSlots> = report
        .tiers
        .iter()
        .enumerate()
        .map(|(k, name)| {
            let first_slot = slot_tier.iter().position(|&t| t == k);
            let last_slot = slot_tier.iter().rposition(|&t| t == k);
            let price = first
                .tiers
                .get(k)
                .map_or(0.0, |t| if t.tenants == 0 { 0.0 } else { t.revenue_usd_per_month / t.tenants as f64 });
            TierSlots {
                name: name.clone(),
                tier: k,
                first: first_slot.unwrap_or(1),
                last: last_slot.unwrap_or(0),
                price_usd_per_month: price,
            }
        })
        .collect();
    let designs: Vec<DesignCosts> =
        report.designs.iter().map(|d| design_costs(d, &order, &slot_tier, report.tiers.len())).collect();
    let aggregate = order.len() > MAX_TENANT_BARS;
    let bars_max =
        designs
            .iter()
            .flat_map(|d| {
                if aggregate { d.tiers.iter().map(|t| t.mean_usd).collect::<Vec<_>>() } else { d.total_usd.clone() }
            })
            .fold(0.0, f64::max);
    let price_max = tiers.iter().map(|t| t.price_usd_per_month).fold(0.0, f64::max);
    let y_top_usd =
        if price_max <= 1.6 * bars_max || bars_max <= 0.0 { bars_max.max(price_max) * 1.12 } else { bars_max * 1.25 };
    let mut layers_used = [false; COST_LAYERS];
    for d in &designs {
        for layers in d.by_layer_usd.iter().chain(d.tiers.iter().map(|t| &t.mean_by_layer_usd)) {
            for (used, cost) in layers_used.iter_mut().zip(layers) {
                *used |= *cost > 0.0;
            }
        }
    }
    CostBars { layers_used, order, slot_tier, tiers, designs, aggregate, y_top_usd: y_top_usd.max(1.0) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenants_are_grouped_by_tier_and_costs_add_up() {
        let report = crate::app::plot_data::tests::noisy_report();
        let bars = cost_bars(&report);
        let tenants = &report.designs[0].tenants;
        assert_eq!(bars.order.len(), tenants.len());
        // Tier-major, stable within a tier.
        assert!(bars.slot_tier.windows(2).all(|w| w[0] <= w[1]), "{:?}", bars.slot_tier);
        assert_eq!(bars.tiers.len(), report.tiers.len());
        for group in &bars.tiers {
            assert!((group.first..=group.last).all(|s| bars.slot_tier[s] == group.tier));
        }
        let premium = bars.tiers.iter().find(|t| t.name == "premium").map(|t| t.price_usd_per_month);
        assert_eq!(premium, Some(999.0));
        assert!(!bars.aggregate, "17 tenants get one bar each");
        for (design, costs) in report.designs.iter().zip(&bars.designs) {
            for (slot, &i) in bars.order.iter().enumerate() {
                let expected = design.tenants[i].cost_usd_per_month.mean;
                assert!((costs.total_usd[slot] - expected).abs() < 1e-6 * expected.max(1.0), "{}", design.name);
            }
            let tier_sum: f64 = costs.tiers.iter().map(|t| t.mean_usd * t.tenants as f64).sum();
            let all: f64 = costs.total_usd.iter().sum();
            assert!((tier_sum - all).abs() < 1e-6 * all.max(1.0));
            assert!(costs.tiers.iter().all(|t| t.worst.is_some()));
        }
        // The tallest bar (silo smb-00, ~$431) sets the scale; premium's
        // $999 price would squash every bar, so it is marked, not scaled.
        let tallest = bars.designs.iter().flat_map(|d| d.total_usd.iter().copied()).fold(0.0, f64::max);
        assert!(bars.y_top_usd > tallest && bars.y_top_usd < 999.0, "{} vs {tallest}", bars.y_top_usd);
    }

    #[test]
    fn many_tenants_switch_to_tier_aggregates() {
        let mut report = crate::app::plot_data::tests::noisy_report();
        for design in &mut report.designs {
            let template = design.tenants[3].clone();
            for k in 0..100 {
                let mut t = template.clone();
                t.id = format!("extra-{k:03}");
                design.tenants.push(t);
            }
        }
        let bars = cost_bars(&report);
        assert!(bars.aggregate);
        let basic = report.tiers.iter().position(|t| t == "basic").unwrap_or(0);
        assert_eq!(bars.designs[0].tiers[basic].tenants, 115);
    }
}
