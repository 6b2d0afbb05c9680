//! How each compute stack takes the work waiting for it (docs/model.md,
//! "Queues"). Without a queue layer a stack's own queue shares capacity as
//! compute's `fairness` says. With one, its instances consume its tenants'
//! queues: one shared queue is read first in, first out, whatever the
//! fairness; one queue per tenant is read in turn, one message from each
//! queue with messages (weighted by tier under `WeightedFair`).

use crate::scenario::model::{Design, Fairness, Layer, Scenario};

/// The discipline of every compute stack of one design.
#[derive(Debug, Clone, PartialEq)]
pub struct Consumers {
    /// Each compute stack's discipline.
    pub fairness: Vec<Fairness>,
    /// Each tenant's weight where capacity is shared by weight.
    pub weights: Vec<f64>,
}

impl Consumers {
    /// The consumers of `design`'s compute stacks in `sc`.
    pub fn of(sc: &Scenario, design: &Design) -> Self {
        let compute = &design.layers[Layer::Compute.index()];
        let tier_weights = || sc.tenants.iter().map(|t| sc.tiers[t.tier].weight).collect();
        if sc.queue.is_none() {
            return Self { fairness: vec![sc.compute.fairness; compute.stacks.len()], weights: tier_weights() };
        }
        let queues = &design.queue;
        let fairness = compute
            .stacks
            .iter()
            .map(|s| {
                let shared = s.tenants.iter().any(|&t| {
                    let q = queues.stack_of_tenant.get(t as usize).map_or(0, |&q| q as usize);
                    queues.stacks.get(q).is_some_and(|q| q.tenants.len() > 1)
                });
                if shared { Fairness::Fifo } else { Fairness::WeightedFair }
            })
            .collect();
        let weights = match sc.compute.fairness {
            Fairness::Fifo => vec![1.0; sc.tenants.len()],
            Fairness::WeightedFair => tier_weights(),
        };
        Self { fairness, weights }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Limits, load_str};

    fn scenario(queue: &str, fairness: &str) -> Scenario {
        let per_tenant = if queue.is_empty() { "" } else { r#", layers: (queue: { "*": Silo })"# };
        let text = format!(
            r#"Scenario(version: 1, name: "q", clock: (duration: "1m"),
                tiers: {{ "basic": (price_per_month: 1.0, weight: 1.0), "premium": (price_per_month: 9.0, weight: 3.0) }},
                tenants: [ Tenant(id: "a", tier: "premium", load: (rate: 1.0)), Group(prefix: "b", count: 2, tier: "basic", load: (rate: 1.0)) ],
                layers: ({queue} compute: (service_time: Exponential(mean_ms: 10.0), fairness: {fairness})),
                designs: [ (name: "pool", placement: {{ "*": Pool }}),
                           (name: "per tenant", placement: {{ "*": Pool }}{per_tenant}),
                           (name: "bridge", placement: {{ "premium": Silo, "*": Pool }}) ])"#
        );
        match load_str(&text, &Limits::default()) {
            Ok((_, sc)) => sc,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn a_shared_queue_is_first_in_first_out_and_queues_per_tenant_take_turns() {
        let sc = scenario("queue: (),", "Fifo");
        let of = |d: usize| Consumers::of(&sc, &sc.designs[d]);
        assert_eq!(of(0).fairness, [Fairness::Fifo]);
        assert_eq!(of(1).fairness, [Fairness::WeightedFair]);
        assert_eq!(of(1).weights, [1.0, 1.0, 1.0], "in turn, whatever the tier");
        // The premium tenant's silo reads its own queue; the basic pool one
        // shared queue.
        assert_eq!(of(2).fairness, [Fairness::WeightedFair, Fairness::Fifo]);
        let weighted = scenario("queue: (),", "WeightedFair");
        assert_eq!(Consumers::of(&weighted, &weighted.designs[1]).weights, [3.0, 1.0, 1.0]);
        assert_eq!(Consumers::of(&weighted, &weighted.designs[0]).fairness, [Fairness::Fifo]);
    }

    #[test]
    fn without_a_queue_layer_compute_shares_as_its_fairness_says() {
        let sc = scenario("", "WeightedFair");
        let c = Consumers::of(&sc, &sc.designs[0]);
        assert_eq!(c.fairness, [Fairness::WeightedFair]);
        assert_eq!(c.weights, [3.0, 1.0, 1.0]);
    }
}
