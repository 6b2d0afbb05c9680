//! The scenarios shipped in `scenarios/`, embedded in the binary so the
//! app and the CLI can open them anywhere.

/// A bundled scenario: file name and RON text.
#[derive(Debug, Clone, Copy)]
pub struct Bundled {
    /// File name in `scenarios/`.
    pub file_name: &'static str,
    /// The RON text as shipped.
    pub text: &'static str,
}

/// Every bundled scenario, in the order the app lists them: the workshop
/// lessons, 1 to 15.
pub const BUNDLED: &[Bundled] = &[
    Bundled { file_name: "silo-vs-pool-cost.ron", text: include_str!("../scenarios/silo-vs-pool-cost.ron") },
    Bundled { file_name: "noisy-neighbour.ron", text: include_str!("../scenarios/noisy-neighbour.ron") },
    Bundled { file_name: "usage-plans.ron", text: include_str!("../scenarios/usage-plans.ron") },
    Bundled { file_name: "shared-account-limit.ron", text: include_str!("../scenarios/shared-account-limit.ron") },
    Bundled { file_name: "hot-partition.ron", text: include_str!("../scenarios/hot-partition.ron") },
    Bundled { file_name: "bridge.ron", text: include_str!("../scenarios/bridge.ron") },
    Bundled { file_name: "tier-economics.ron", text: include_str!("../scenarios/tier-economics.ron") },
    Bundled { file_name: "autoscaling-lag.ron", text: include_str!("../scenarios/autoscaling-lag.ron") },
    Bundled { file_name: "cells.ron", text: include_str!("../scenarios/cells.ron") },
    Bundled { file_name: "reference-usage-plans.ron", text: include_str!("../scenarios/reference-usage-plans.ron") },
    Bundled {
        file_name: "serverless-reserved-concurrency.ron",
        text: include_str!("../scenarios/serverless-reserved-concurrency.ron"),
    },
    Bundled { file_name: "retry-storm.ron", text: include_str!("../scenarios/retry-storm.ron") },
    Bundled { file_name: "queue-per-tenant.ron", text: include_str!("../scenarios/queue-per-tenant.ron") },
    Bundled { file_name: "serverless-queues.ron", text: include_str!("../scenarios/serverless-queues.ron") },
    Bundled { file_name: "database-connections.ron", text: include_str!("../scenarios/database-connections.ron") },
];

/// The scenario the app opens first: the noisy neighbour (lesson 2).
pub const DEFAULT: &Bundled = &BUNDLED[1];

/// The bundled scenario with this file name.
pub fn by_file_name(name: &str) -> Option<&'static Bundled> {
    BUNDLED.iter().find(|b| b.file_name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_the_noisy_neighbour_and_names_are_unique() {
        assert_eq!(DEFAULT.file_name, "noisy-neighbour.ron");
        for (i, b) in BUNDLED.iter().enumerate() {
            assert!(BUNDLED[..i].iter().all(|o| o.file_name != b.file_name), "{} is listed twice", b.file_name);
        }
    }
}
