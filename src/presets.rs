//! Usage-plan presets as published in AWS's public SaaS reference code
//! (docs/model.md, "Usage-plan presets"): per tier, the API Gateway throttle `rate` (req/s),
//! `burst` (requests) and daily quota.
//!
//! Pure data for front ends to offer ("add tier from preset"); nothing
//! here is applied automatically. Presets are labelled by source because
//! the same tier names carry different numbers in different repositories.
//! The numbers are the ones in the named files; prices are not published
//! there, so a preset says nothing about what a tier costs.

/// One published set of usage plans.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PresetSource {
    /// Short name of the reference, e.g. "Serverless SaaS reference".
    pub name: &'static str,
    /// Public GitHub repository, `owner/name`.
    pub repository: &'static str,
    /// File inside the repository that defines the usage plans.
    pub file: &'static str,
    /// The tiers, cheapest first.
    pub tiers: &'static [TierPreset],
}

/// The usage plan of one tier in one source.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TierPreset {
    /// Tier name as the source spells it (lower case).
    pub tier: &'static str,
    /// Token-bucket refill rate, requests per second (`rateLimit`).
    pub rate_per_sec: f64,
    /// Token-bucket capacity, requests (`burstLimit`).
    pub burst: f64,
    /// Requests allowed per day (`quota.limit` with `Period.DAY`).
    pub quota_per_day: u64,
}

const fn tier(tier: &'static str, rate_per_sec: f64, burst: f64, quota_per_day: u64) -> TierPreset {
    TierPreset { tier, rate_per_sec, burst, quota_per_day }
}

/// Every preset source, in the order docs/model.md lists them.
pub const SOURCES: &[PresetSource] = &[
    PresetSource {
        name: "Serverless SaaS reference",
        repository: "aws-samples/aws-saas-factory-ref-solution-serverless-saas",
        file: "server/cdk/lib/tenant-template/usage-plans.ts",
        tiers: &[
            tier("basic", 50.0, 50.0, 1_000),
            tier("standard", 75.0, 100.0, 3_000),
            tier("premium", 100.0, 200.0, 5_000),
            tier("platinum", 300.0, 300.0, 10_000),
        ],
    },
    PresetSource {
        name: "ECS SaaS reference",
        repository: "aws-samples/saas-reference-architecture-ecs",
        file: "server/lib/shared-infra/usage-plans.ts",
        tiers: &[
            tier("basic", 50.0, 50.0, 1_000),
            tier("advanced", 75.0, 100.0, 2_000),
            tier("premium", 300.0, 300.0, 6_000),
        ],
    },
    PresetSource {
        name: "EKS API-gateway tiering",
        repository: "aws-samples/aws-saas-factory-eks-saas-api-gateway-tiering-and-throttling",
        file: "cdk/root/lib/apigateway-stack/apigateway-stack.ts",
        tiers: &[
            tier("basic", 100.0, 200.0, 500),
            tier("standard", 1_000.0, 2_000.0, 5_000),
            tier("premium", 10_000.0, 20_000.0, 50_000),
        ],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    /// The table in docs/model.md, transcribed independently:
    /// (repository, tier, rate, burst, quota per day).
    const MODEL_TABLE: &[(&str, &str, f64, f64, u64)] = &[
        ("aws-samples/aws-saas-factory-ref-solution-serverless-saas", "basic", 50.0, 50.0, 1_000),
        ("aws-samples/aws-saas-factory-ref-solution-serverless-saas", "standard", 75.0, 100.0, 3_000),
        ("aws-samples/aws-saas-factory-ref-solution-serverless-saas", "premium", 100.0, 200.0, 5_000),
        ("aws-samples/aws-saas-factory-ref-solution-serverless-saas", "platinum", 300.0, 300.0, 10_000),
        ("aws-samples/saas-reference-architecture-ecs", "basic", 50.0, 50.0, 1_000),
        ("aws-samples/saas-reference-architecture-ecs", "advanced", 75.0, 100.0, 2_000),
        ("aws-samples/saas-reference-architecture-ecs", "premium", 300.0, 300.0, 6_000),
        ("aws-samples/aws-saas-factory-eks-saas-api-gateway-tiering-and-throttling", "basic", 100.0, 200.0, 500),
        (
            "aws-samples/aws-saas-factory-eks-saas-api-gateway-tiering-and-throttling",
            "standard",
            1_000.0,
            2_000.0,
            5_000,
        ),
        (
            "aws-samples/aws-saas-factory-eks-saas-api-gateway-tiering-and-throttling",
            "premium",
            10_000.0,
            20_000.0,
            50_000,
        ),
    ];

    #[test]
    fn presets_match_the_table_in_the_model_document() {
        let flat: Vec<(&str, &str, f64, f64, u64)> = SOURCES
            .iter()
            .flat_map(|s| s.tiers.iter().map(|t| (s.repository, t.tier, t.rate_per_sec, t.burst, t.quota_per_day)))
            .collect();
        assert_eq!(flat, MODEL_TABLE);
    }

    #[test]
    fn every_source_names_its_file_and_orders_tiers_by_rate() {
        for source in SOURCES {
            assert!(source.repository.starts_with("aws-samples/"), "{}", source.repository);
            assert!(source.file.ends_with(".ts"), "{}", source.file);
            assert!(source.tiers.windows(2).all(|w| w[0].rate_per_sec <= w[1].rate_per_sec), "{}", source.name);
        }
    }
}
