//! Edits of a scenario file: the "try this" changes of lessons and the
//! knobs a plan's axes turn. Pure functions of a [`ScenarioFile`]; the
//! result is checked by resolving it like any other file.

use crate::scenario::ScenarioFile;
use crate::scenario::file::{
    ChangeFile, EventFile, KnobFile, LayerName, LoadFile, PlacementFile, PlacementMap, PlanFile, TenantEntryFile,
};
use crate::units::DurationText;

/// Applies one "try this" change to a scenario file.
///
/// # Errors
/// Occurs when the change names a tenant, tier, design or event the file
/// does not have.
pub fn apply_change(file: &mut ScenarioFile, change: &ChangeFile) -> Result<(), String> {
    match change {
        ChangeFile::TenantRate { tenant, rate } => {
            let load = tenant_load(file, tenant)?;
            load.rate = *rate;
        }
        ChangeFile::KeyShards { tenant, shards } => {
            let load = tenant_load(file, tenant)?;
            load.key_shards = *shards;
            load.hot_key_share = None;
        }
        ChangeFile::GroupCount { prefix, count: new } => {
            let count = file
                .tenants
                .iter_mut()
                .find_map(|e| match e {
                    TenantEntryFile::Group { prefix: p, count, .. } if p == prefix => Some(count),
                    _ => None,
                })
                .ok_or_else(|| format!("no group \"{prefix}\""))?;
            *count = *new;
        }
        ChangeFile::TierPlan { tier, rate, burst } => {
            let t = file.tiers.get_mut(tier).ok_or_else(|| format!("no tier \"{tier}\""))?;
            let quotas = t.plan.take();
            t.plan = Some(PlanFile {
                rate: *rate,
                burst: *burst,
                quota_per_day: quotas.as_ref().and_then(|p| p.quota_per_day),
                quota_per_week: quotas.as_ref().and_then(|p| p.quota_per_week),
                quota_per_month: quotas.as_ref().and_then(|p| p.quota_per_month),
            });
        }
        ChangeFile::NoTierPlan { tier } => {
            file.tiers.get_mut(tier).ok_or_else(|| format!("no tier \"{tier}\""))?.plan = None;
        }
        ChangeFile::Placement { design, key, placement, layer } => {
            placement_map(file, design, *layer)?.insert(key.clone(), *placement);
        }
        ChangeFile::Instances { min, max } => {
            file.layers.compute.instances.min = *min;
            file.layers.compute.instances.max = *max;
        }
        ChangeFile::Warmup { warmup } => {
            let a = file.layers.compute.autoscale.as_mut().ok_or("the scenario has no autoscaling")?;
            a.warmup = warmup.clone();
        }
        ChangeFile::AccountLimit { rate, burst } => {
            let g = file.layers.gateway.as_mut().ok_or("the scenario has no gateway")?;
            g.account_rate = *rate;
            g.account_burst = *burst;
        }
        ChangeFile::Attribution { method } => file.cost.attribution = *method,
        ChangeFile::Idle { idle } => file.cost.idle = *idle,
        ChangeFile::SpikeFactor { index, factor: new } => match file.events.get_mut(*index) {
            Some(EventFile::Spike { factor, .. }) => *factor = *new,
            _ => return Err(format!("event {index} is not a spike")),
        },
        ChangeFile::FunctionsConcurrency { limit } => {
            let f = file.layers.compute.functions.as_mut().ok_or("the scenario has no serverless functions")?;
            f.concurrency_limit = *limit;
        }
        ChangeFile::FunctionsReserved { tier, concurrency } => {
            if !file.tiers.contains_key(tier) {
                return Err(format!("no tier \"{tier}\""));
            }
            let f = file.layers.compute.functions.as_mut().ok_or("the scenario has no serverless functions")?;
            if *concurrency == 0 {
                f.reserved.shift_remove(tier);
            } else {
                f.reserved.insert(tier.clone(), *concurrency);
            }
        }
        ChangeFile::TierRetry { tier, retry } => {
            file.tiers.get_mut(tier).ok_or_else(|| format!("no tier \"{tier}\""))?.retry = retry.clone();
        }
        ChangeFile::QueueRetention { retention } => {
            file.layers.queue.as_mut().ok_or("the scenario has no queue")?.retention = retention.clone();
        }
        ChangeFile::QueueFifo { on } => {
            let queue = file.layers.queue.as_mut().ok_or("the scenario has no queue")?;
            queue.fifo = *on;
            if *on {
                // Fair queues are standard queues; a FIFO queue's batches
                // are not modelled.
                queue.fair = false;
                queue.batch_size = None;
                queue.batch_window = None;
            } else {
                // A standard queue has no send limit to keep.
                queue.send_rate = None;
            }
        }
        ChangeFile::QueueFair { on } => {
            let queue = file.layers.queue.as_mut().ok_or("the scenario has no queue")?;
            queue.fair = *on;
            if *on {
                // Fair queues are standard queues (their batches are not
                // modelled).
                queue.fifo = false;
                queue.send_rate = None;
                queue.batch_size = None;
                queue.batch_window = None;
            }
        }
        ChangeFile::QueueBatchSize { size } => {
            let queue = file.layers.queue.as_mut().ok_or("the scenario has no queue")?;
            queue.batch_size = (*size != 1).then_some(*size);
        }
        ChangeFile::DatabaseProxy { on } => {
            let rel = file.layers.relational.as_mut().ok_or("the scenario has no relational database")?;
            if !*on {
                rel.proxy = None;
            } else if rel.proxy.is_none() {
                rel.proxy = Some(crate::scenario::file::ProxyFile::default());
            }
        }
    }
    Ok(())
}

fn tenant_load<'a>(file: &'a mut ScenarioFile, name: &str) -> Result<&'a mut LoadFile, String> {
    file.tenants
        .iter_mut()
        .find_map(|e| match e {
            TenantEntryFile::Tenant { id, load, .. } if id == name => Some(load),
            TenantEntryFile::Group { prefix, load, .. } if prefix == name => Some(load),
            _ => None,
        })
        .ok_or_else(|| format!("no tenant or group \"{name}\""))
}

/// A design's placement map for one layer (created empty when the design
/// has no override for it), or its all-layer map.
fn placement_map<'a>(
    file: &'a mut ScenarioFile,
    design: &str,
    layer: Option<LayerName>,
) -> Result<&'a mut PlacementMap, String> {
    let d = file.designs.iter_mut().find(|d| d.name == design).ok_or_else(|| format!("no design \"{design}\""))?;
    Ok(match layer {
        None => &mut d.placement,
        Some(layer) => d.layers.get_mut(layer).get_or_insert_with(Default::default),
    })
}

/// A value an axis gives its knob.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum KnobValue {
    /// A number (integer knobs get whole numbers).
    Number(f64),
    /// A placement.
    Placement(PlacementFile),
}

impl KnobFile {
    /// True when the knob takes whole numbers only.
    pub fn is_integer(&self) -> bool {
        matches!(
            self,
            KnobFile::QuotaPerDay { .. }
                | KnobFile::QuotaPerMonth { .. }
                | KnobFile::GroupCount { .. }
                | KnobFile::KeyShards { .. }
                | KnobFile::InstancesMin
                | KnobFile::InstancesMax
                | KnobFile::Concurrency
                | KnobFile::Cells { .. }
                | KnobFile::FunctionsConcurrency
                | KnobFile::FunctionsReserved { .. }
                | KnobFile::FunctionsProvisioned
                | KnobFile::QueueMaxConcurrency
                | KnobFile::QueueBatchSize
                | KnobFile::DatabaseVcpus
                | KnobFile::ReadReplicas
                | KnobFile::MaxConnections
                | KnobFile::PoolPerInstance
                | KnobFile::RelationsPerSchema
                | KnobFile::RetryAttempts { .. }
        )
    }

    /// True when the knob changes only how results are read (a tier's
    /// price and objectives), not what is simulated: points on such axes
    /// share one simulation.
    pub fn reads_only(&self) -> bool {
        matches!(
            self,
            KnobFile::TierPrice { .. }
                | KnobFile::SloP99 { .. }
                | KnobFile::MaxThrottled { .. }
                | KnobFile::MaxMessageAgeSecs { .. }
        )
    }

    /// True when the knob takes placements rather than numbers.
    pub fn is_placement(&self) -> bool {
        matches!(self, KnobFile::Placement { .. })
    }

    /// Words for the knob, e.g. `price of pro` or `tenants in t`.
    pub fn describe(&self) -> String {
        let on = |layer: &Option<LayerName>| layer.map_or(String::new(), |l| format!(" ({l:?})"));
        match self {
            KnobFile::TierPrice { tier } => format!("price of {tier}"),
            KnobFile::SloP99 { tier } => format!("p99 objective of {tier}"),
            KnobFile::MaxThrottled { tier } => format!("unserved share allowed to {tier}"),
            KnobFile::MaxMessageAgeSecs { tier } => format!("message-age objective of {tier}"),
            KnobFile::PlanRate { tier } => format!("usage-plan rate of {tier}"),
            KnobFile::PlanBurst { tier } => format!("usage-plan burst of {tier}"),
            KnobFile::QuotaPerDay { tier } => format!("daily quota of {tier}"),
            KnobFile::QuotaPerMonth { tier } => format!("monthly quota of {tier}"),
            KnobFile::TenantRate { tenant } => format!("rate of {tenant}"),
            KnobFile::GroupCount { prefix } => format!("tenants in {prefix}"),
            KnobFile::KeyShards { tenant } => format!("key shards of {tenant}"),
            KnobFile::InstancesMin => "minimum instances".to_owned(),
            KnobFile::InstancesMax => "maximum instances".to_owned(),
            KnobFile::Concurrency => "concurrency per instance".to_owned(),
            KnobFile::QueueTimeoutSecs => "queue timeout".to_owned(),
            KnobFile::QueueRetentionSecs => "queue retention".to_owned(),
            KnobFile::QueueVisibilitySecs => "visibility timeout".to_owned(),
            KnobFile::QueueBatchWindowSecs => "batching window".to_owned(),
            KnobFile::QueueSendRate => "FIFO queue send limit".to_owned(),
            KnobFile::QueueMaxConcurrency => "queue maximum concurrency".to_owned(),
            KnobFile::QueueBatchSize => "messages per batch".to_owned(),
            KnobFile::TargetUtilisation => "autoscaling target".to_owned(),
            KnobFile::AccountRate => "account rate".to_owned(),
            KnobFile::FunctionsConcurrency => "account concurrency".to_owned(),
            KnobFile::FunctionsReserved { tier } => format!("concurrency reserved per {tier} tenant"),
            KnobFile::FunctionsProvisioned => "provisioned environments".to_owned(),
            KnobFile::DatabaseVcpus => "database vCPUs".to_owned(),
            KnobFile::ReadReplicas => "read replicas".to_owned(),
            KnobFile::MaxConnections => "database connections".to_owned(),
            KnobFile::PoolPerInstance => "connections per compute instance".to_owned(),
            KnobFile::RelationsPerSchema => "relations per tenant schema".to_owned(),
            KnobFile::RetryAttempts { tier } => format!("retry attempts of {tier}"),
            KnobFile::RetryBudget { tier } => format!("retry budget of {tier}"),
            KnobFile::ClientTimeoutSecs { tier } => format!("client timeout of {tier}"),
            KnobFile::FunctionsMemoryMb => "function memory".to_owned(),
            KnobFile::SpikeFactor { index } => format!("factor of event {index}"),
            KnobFile::Cells { design, key, layer } if key == "*" => format!("number of cells in {design}{}", on(layer)),
            KnobFile::Cells { design, key, layer } => format!("number of cells for {key} in {design}{}", on(layer)),
            KnobFile::Placement { design, key, layer } => format!("placement of {key} in {design}{}", on(layer)),
        }
    }

    /// The unit of its values, for labels: `USD`, `ms`, `req/s`, `s` or empty.
    pub fn unit(&self) -> &'static str {
        match self {
            KnobFile::TierPrice { .. } => "USD/month",
            KnobFile::SloP99 { .. } => "ms",
            KnobFile::PlanRate { .. } | KnobFile::TenantRate { .. } | KnobFile::AccountRate => "req/s",
            KnobFile::QueueSendRate => "messages/s",
            KnobFile::PlanBurst { .. } | KnobFile::QuotaPerDay { .. } | KnobFile::QuotaPerMonth { .. } => "requests",
            KnobFile::QueueTimeoutSecs
            | KnobFile::QueueRetentionSecs
            | KnobFile::QueueVisibilitySecs
            | KnobFile::QueueBatchWindowSecs
            | KnobFile::ClientTimeoutSecs { .. }
            | KnobFile::MaxMessageAgeSecs { .. } => "s",
            KnobFile::SpikeFactor { .. } => "×",
            KnobFile::GroupCount { .. } => "tenants",
            KnobFile::InstancesMin | KnobFile::InstancesMax => "instances",
            KnobFile::KeyShards { .. } => "keys",
            KnobFile::Cells { .. } => "cells",
            KnobFile::FunctionsConcurrency | KnobFile::FunctionsReserved { .. } => "executions",
            KnobFile::FunctionsProvisioned => "environments",
            KnobFile::QueueMaxConcurrency => "executions",
            KnobFile::QueueBatchSize => "messages",
            KnobFile::DatabaseVcpus => "vCPUs",
            KnobFile::ReadReplicas => "replicas",
            KnobFile::MaxConnections | KnobFile::PoolPerInstance => "connections",
            KnobFile::RelationsPerSchema => "relations",
            KnobFile::FunctionsMemoryMb => "MB",
            KnobFile::RetryAttempts { .. } => "attempts",
            KnobFile::RetryBudget { .. } => "retries/request",
            _ => "",
        }
    }

    /// Sets the knob to `value` in `file`.
    ///
    /// # Errors
    /// Occurs when the knob names a tier, tenant, group, design or event
    /// the file does not have, when the scenario lacks the layer or setting
    /// it turns, or when the value is of the wrong kind. Ranges are checked
    /// by resolving the changed file.
    pub fn apply(&self, file: &mut ScenarioFile, value: KnobValue) -> Result<(), String> {
        let x = match (value, self.is_placement()) {
            (KnobValue::Number(x), false) => x,
            (KnobValue::Placement(p), true) => {
                let KnobFile::Placement { design, key, layer } = self else { unreachable!() };
                placement_map(file, design, *layer)?.insert(key.clone(), p);
                return Ok(());
            }
            (KnobValue::Number(_), true) => return Err("this knob takes placements, not numbers".to_owned()),
            (KnobValue::Placement(_), false) => return Err("this knob takes numbers, not placements".to_owned()),
        };
        // Integer knobs get whole, non-negative numbers (ranges are checked
        // by resolution; a negative count is refused there).
        let whole = || -> Result<u64, String> {
            if x.is_finite() && x >= 0.0 && x.fract() == 0.0 && x <= f64::from(u32::MAX) {
                Ok(x as u64)
            } else {
                Err(format!("needs a whole number from 0 to {}, not {x}", u32::MAX))
            }
        };
        let tier = |file: &'_ mut ScenarioFile, name: &str| -> Result<(), String> {
            file.tiers.get(name).map(|_| ()).ok_or_else(|| format!("no tier \"{name}\""))
        };
        match self {
            KnobFile::TierPrice { tier: name } => {
                tier(file, name)?;
                file.tiers[name.as_str()].price_per_month = x;
            }
            KnobFile::SloP99 { tier: name } => {
                tier(file, name)?;
                file.tiers[name.as_str()].slo.p99_ms = x;
            }
            KnobFile::MaxThrottled { tier: name } => {
                tier(file, name)?;
                file.tiers[name.as_str()].slo.max_throttled = x;
            }
            KnobFile::MaxMessageAgeSecs { tier: name } => {
                tier(file, name)?;
                if !(x.is_finite() && x > 0.0) {
                    return Err(format!("a message age must be a positive number of seconds, not {x}"));
                }
                file.layers.queue.as_ref().ok_or("the scenario has no queue")?;
                file.tiers[name.as_str()].slo.max_message_age = Some(DurationText::from_secs(x));
            }
            KnobFile::PlanRate { tier: name }
            | KnobFile::PlanBurst { tier: name }
            | KnobFile::QuotaPerDay { tier: name }
            | KnobFile::QuotaPerMonth { tier: name } => {
                tier(file, name)?;
                let plan: &mut PlanFile = file.tiers[name.as_str()]
                    .plan
                    .as_mut()
                    .ok_or_else(|| format!("tier \"{name}\" has no usage plan"))?;
                match self {
                    KnobFile::PlanRate { .. } => plan.rate = x,
                    KnobFile::PlanBurst { .. } => plan.burst = x,
                    KnobFile::QuotaPerDay { .. } => plan.quota_per_day = Some(whole()?),
                    _ => plan.quota_per_month = Some(whole()?),
                }
            }
            KnobFile::TenantRate { tenant } => tenant_load(file, tenant)?.rate = x,
            KnobFile::KeyShards { tenant } => {
                let shards = u32::try_from(whole()?).map_err(|e| e.to_string())?;
                let load = tenant_load(file, tenant)?;
                load.key_shards = shards;
                load.hot_key_share = None;
            }
            KnobFile::GroupCount { prefix } => {
                let n = u32::try_from(whole()?).map_err(|e| e.to_string())?;
                apply_change(file, &ChangeFile::GroupCount { prefix: prefix.clone(), count: n })?;
            }
            KnobFile::InstancesMin => {
                let n = u32::try_from(whole()?).map_err(|e| e.to_string())?;
                let bounds = &mut file.layers.compute.instances;
                bounds.min = n;
                bounds.max = bounds.max.max(n);
            }
            KnobFile::InstancesMax => {
                let n = u32::try_from(whole()?).map_err(|e| e.to_string())?;
                let bounds = &mut file.layers.compute.instances;
                bounds.max = n;
                bounds.min = bounds.min.min(n);
            }
            KnobFile::Concurrency => {
                file.layers.compute.concurrency = u32::try_from(whole()?).map_err(|e| e.to_string())?;
            }
            KnobFile::QueueTimeoutSecs => {
                if !(x.is_finite() && x > 0.0) {
                    return Err(format!("a timeout must be a positive number of seconds, not {x}"));
                }
                file.layers.compute.queue_timeout = DurationText::from_secs(x);
            }
            KnobFile::QueueRetentionSecs => {
                if !(x.is_finite() && x > 0.0) {
                    return Err(format!("a retention must be a positive number of seconds, not {x}"));
                }
                file.layers.queue.as_mut().ok_or("the scenario has no queue")?.retention = DurationText::from_secs(x);
            }
            KnobFile::QueueBatchWindowSecs => {
                if !(x.is_finite() && x >= 0.0) {
                    return Err(format!("a batching window must be a number of seconds of at least 0, not {x}"));
                }
                let queue = file.layers.queue.as_mut().ok_or("the scenario has no queue")?;
                queue.batch_window = (x > 0.0).then(|| DurationText::from_secs(x));
            }
            KnobFile::QueueVisibilitySecs => {
                if !(x.is_finite() && x >= 0.0) {
                    return Err(format!("a visibility timeout must be a number of seconds of at least 0, not {x}"));
                }
                file.layers.queue.as_mut().ok_or("the scenario has no queue")?.visibility_timeout =
                    DurationText::from_secs(x);
            }
            KnobFile::QueueSendRate => {
                if !(x.is_finite() && x > 0.0) {
                    return Err(format!("a send limit must be a positive number of messages a second, not {x}"));
                }
                let queue = file.layers.queue.as_mut().ok_or("the scenario has no queue")?;
                if !queue.fifo {
                    return Err("only a FIFO queue has a send limit (set fifo to true)".to_owned());
                }
                queue.send_rate = Some(x);
            }
            KnobFile::QueueMaxConcurrency => {
                let n = u32::try_from(whole()?).map_err(|e| e.to_string())?;
                file.layers.queue.as_mut().ok_or("the scenario has no queue")?.max_concurrency = Some(n);
            }
            KnobFile::QueueBatchSize => {
                let n = u32::try_from(whole()?).map_err(|e| e.to_string())?;
                apply_change(file, &ChangeFile::QueueBatchSize { size: n })?;
            }
            KnobFile::TargetUtilisation => {
                file.layers.compute.autoscale.as_mut().ok_or("the scenario has no autoscaling")?.target_utilisation = x;
            }
            KnobFile::AccountRate => {
                file.layers.gateway.as_mut().ok_or("the scenario has no gateway")?.account_rate = x
            }
            KnobFile::SpikeFactor { index } => {
                apply_change(file, &ChangeFile::SpikeFactor { index: *index, factor: x })?;
            }
            KnobFile::FunctionsConcurrency => {
                let limit = u32::try_from(whole()?).map_err(|e| e.to_string())?;
                apply_change(file, &ChangeFile::FunctionsConcurrency { limit })?;
            }
            KnobFile::FunctionsReserved { tier } => {
                let concurrency = u32::try_from(whole()?).map_err(|e| e.to_string())?;
                apply_change(file, &ChangeFile::FunctionsReserved { tier: tier.clone(), concurrency })?;
            }
            KnobFile::FunctionsProvisioned => {
                let f = file.layers.compute.functions.as_mut().ok_or("the scenario has no serverless functions")?;
                f.provisioned = u32::try_from(whole()?).map_err(|e| e.to_string())?;
            }
            KnobFile::FunctionsMemoryMb => {
                file.layers.compute.functions.as_mut().ok_or("the scenario has no serverless functions")?.memory_mb = x;
            }
            KnobFile::DatabaseVcpus
            | KnobFile::ReadReplicas
            | KnobFile::MaxConnections
            | KnobFile::PoolPerInstance
            | KnobFile::RelationsPerSchema => {
                let n = u32::try_from(whole()?).map_err(|e| e.to_string())?;
                let rel = file.layers.relational.as_mut().ok_or("the scenario has no relational database")?;
                match self {
                    KnobFile::DatabaseVcpus => rel.vcpus = n,
                    KnobFile::ReadReplicas => rel.read_replicas = n,
                    KnobFile::MaxConnections => rel.max_connections = Some(n),
                    KnobFile::RelationsPerSchema => rel.relations_per_schema = Some(n),
                    _ => rel.pool_per_instance = Some(n),
                }
            }
            KnobFile::RetryAttempts { tier: name }
            | KnobFile::RetryBudget { tier: name }
            | KnobFile::ClientTimeoutSecs { tier: name } => {
                tier(file, name)?;
                let retry = file.tiers[name.as_str()]
                    .retry
                    .as_mut()
                    .ok_or_else(|| format!("tier \"{name}\" does not retry"))?;
                match self {
                    KnobFile::RetryAttempts { .. } => {
                        retry.attempts = u32::try_from(whole()?).map_err(|e| e.to_string())?;
                    }
                    KnobFile::ClientTimeoutSecs { .. } => {
                        if !(x.is_finite() && x > 0.0) {
                            return Err(format!("a timeout must be a positive number of seconds, not {x}"));
                        }
                        retry.timeout = Some(DurationText::from_secs(x));
                    }
                    _ => retry.budget = Some(x),
                }
            }
            KnobFile::Cells { design, key, layer } => {
                let k = u32::try_from(whole()?).map_err(|e| e.to_string())?;
                placement_map(file, design, *layer)?.insert(key.clone(), PlacementFile::Cells(k));
            }
            KnobFile::Placement { .. } => unreachable!("handled above"),
        }
        Ok(())
    }
}
