//! The "Layers" editor tab: the gateway (shared account bucket, price),
//! the queue (retention, price per request), compute (service time, concurrency, instances, autoscaling, queue
//! timeout, fairness, price; or serverless functions: account concurrency,
//! reservations per tier, provisioned environments, cold starts, prices)
//! and database (a key-value table: partitions, per-partition caps,
//! pricing, storage; or a relational database: vCPUs, connections,
//! replicas, tenancy, proxy, prices). Gateway, queue and database can be
//! switched off; their settings are remembered for the session so
//! switching back restores them.

use egui::Ui;

use super::form::{self, row_ui};
use crate::scenario::file::{
    AutoscaleFile, ComputeFile, DatabaseFile, DbPricingFile, DesignFile, EventFile, FairnessFile, FunctionsFile,
    GatewayFile, InstancesFile, LayerName, ProxyFile, QueueFile, RelationalFile, ServiceTimeFile, TenancyFile,
    TenantEntryFile,
};
use crate::scenario::{FieldErrors, ScenarioFile};
use crate::units::DurationText;

/// Draws the three layers and edits `draft` in place.
pub fn layers_ui(ui: &mut Ui, draft: &mut ScenarioFile, errors: Option<&FieldErrors>) {
    ui.weak(
        "A request passes the gateway, then waits in a queue (when there is one), then compute, then the \
             database. Each design decides how many stacks of each layer exist; these settings apply to every stack.",
    );
    ui.add_space(4.0);
    let tip = "API gateway: per-tenant usage plans (from the tiers), quotas, then a shared account bucket per \
               gateway stack. Off: nothing is ever throttled.";
    optional_layer_ui(ui, draft, LayerName::Gateway, tip, |f| &mut f.layers.gateway);
    if let Some(gateway) = &mut draft.layers.gateway {
        egui::Grid::new("gateway_grid")
            .num_columns(2)
            .spacing([12.0, 6.0])
            .show(ui, |ui| gateway_rows(ui, gateway, errors));
    }
    ui.add_space(8.0);
    let tip = "A message queue between the gateway and compute (SQS-like): the gateway's answer is the message's \
               acceptance, and compute's instances (or functions) take messages from the queues as they free up. A \
               design places one shared queue (Pool: first in, first out) or one per tenant (Silo: the consumers \
               take turns). Off: compute takes requests directly.";
    optional_layer_ui(ui, draft, LayerName::Queue, tip, |f| &mut f.layers.queue);
    let functions = draft.layers.compute.functions.is_some();
    if let Some(queue) = &mut draft.layers.queue {
        egui::Grid::new("queue_grid")
            .num_columns(2)
            .spacing([12.0, 6.0])
            .show(ui, |ui| queue_rows(ui, queue, functions, errors));
    }
    let queued = draft.layers.queue.is_some();
    ui.add_space(8.0);
    ui.heading("Compute").on_hover_text("Servers with a queue: where latency and the noisy neighbour come from");
    compute_kind_ui(ui, &mut draft.layers.compute);
    if draft.layers.compute.functions.is_none()
        && let Some(queue) = &mut draft.layers.queue
    {
        // Instances read as many messages as they have servers, one each.
        queue.max_concurrency = None;
        queue.batch_size = None;
        queue.batch_window = None;
    }
    let tiers: Vec<String> = draft.tiers.keys().cloned().collect();
    egui::Grid::new("compute_grid").num_columns(2).spacing([12.0, 6.0]).show(ui, |ui| {
        if let Some(functions) = &mut draft.layers.compute.functions {
            let tip = "How long one invocation runs (its billed duration, before any cold start).";
            row_ui(ui, ("Duration", tip), errors, "layers.compute.service_time", |ui| {
                service_time_ui(ui, &mut draft.layers.compute.service_time, errors, tip, "layers.compute.service_time");
            });
            functions_rows(ui, functions, &tiers, errors);
        } else {
            compute_rows(ui, &mut draft.layers.compute, queued, errors);
            autoscale_rows(ui, &mut draft.layers.compute, errors);
        }
    });
    ui.add_space(8.0);
    database_ui(ui, draft);
    if let Some(database) = &mut draft.layers.database {
        egui::Grid::new("database_grid")
            .num_columns(2)
            .spacing([12.0, 6.0])
            .show(ui, |ui| database_rows(ui, database, errors));
    }
    let pool_default = draft.layers.compute.concurrency.min(crate::scenario::resolve::DEFAULT_POOL);
    // The most tenants one pooled instance may hold: all of them.
    let tenants: usize = draft
        .tenants
        .iter()
        .map(|e| match e {
            TenantEntryFile::Tenant { .. } => 1,
            TenantEntryFile::Group { count, .. } => *count as usize,
        })
        .sum();
    if let Some(relational) = &mut draft.layers.relational {
        egui::Grid::new("relational_grid")
            .num_columns(2)
            .spacing([12.0, 6.0])
            .show(ui, |ui| relational_rows(ui, relational, (pool_default, tenants), errors));
    }
}

/// Both database kinds, as the switch and the kind buttons stash them.
type Databases = (Option<DatabaseFile>, Option<RelationalFile>);

/// The database's switch and, when on, its kind: a key-value table or a
/// relational database. What is switched off (or the other kind) is kept
/// for the session.
fn database_ui(ui: &mut Ui, draft: &mut ScenarioFile) {
    let tip = "The database: a key-value table with partitions, each with hard read and write caps \
               (DynamoDB-like), or a relational database (PostgreSQL-like instances with vCPUs and a connection \
               limit). Off: no database.";
    let layers = &mut draft.layers;
    let present = layers.database.is_some() || layers.relational.is_some();
    let stash = ui.make_persistent_id(("stashed_layer", "database"));
    if let Some(on) = layer_switch_ui(ui, "Database", present, tip) {
        if on {
            let (database, relational) = ui.data_mut(|d| d.remove_temp::<Databases>(stash)).unwrap_or_default();
            layers.relational = relational;
            layers.database = database.or_else(|| layers.relational.is_none().then(DatabaseFile::default));
        } else {
            let kept: Databases = (layers.database.take(), layers.relational.take());
            ui.data_mut(|d| d.insert_temp(stash, kept));
            drop_layer_references(draft, LayerName::Database);
        }
        return;
    }
    if !present {
        return;
    }
    let mut relational = layers.relational.is_some();
    let changed = ui
        .horizontal(|ui| {
            let table = ui
                .radio_value(&mut relational, false, "Key-value table")
                .on_hover_text("Partitions with read and write caps: a hot partition throttles its neighbours");
            let instances = ui.radio_value(&mut relational, true, "Relational").on_hover_text(
                "Instances whose vCPUs run queries first come, first served, and whose connections the compute \
                 instances' pools (or a proxy) share",
            );
            table.changed() || instances.changed()
        })
        .inner;
    if changed {
        let other = stash.with("other kind");
        let away: Databases = (layers.database.take(), layers.relational.take());
        let (database, relational_file) = ui.data_mut(|d| {
            let back = d.remove_temp::<Databases>(other).unwrap_or_default();
            d.insert_temp(other, away);
            back
        });
        if relational {
            layers.relational = Some(relational_file.unwrap_or_default());
        } else {
            layers.database = Some(database.unwrap_or_default());
        }
    }
}

fn relational_rows(
    ui: &mut Ui,
    rel: &mut RelationalFile,
    (pool_default, tenants): (u32, usize),
    errors: Option<&FieldErrors>,
) {
    let p = "layers.relational";
    let tip = "vCPUs of each instance (writer and replicas): the queries it runs at once; the others wait, first \
               come, first served (1 to 192).";
    row_ui(ui, ("vCPUs", tip), errors, &format!("{p}.vcpus"), |ui| {
        form::count_ui(ui, &mut rel.vcpus, 1..=192, " vCPUs", tip);
    });
    let tip = "Memory of each instance, GiB. Sets the default connection limit: memory in bytes / 9,531,392, at \
               most 5,000, as managed PostgreSQL does.";
    row_ui(ui, ("Memory", tip), errors, &format!("{p}.memory_gib"), |ui| {
        form::number_ui(ui, &mut rel.memory_gib, 0.5..=24_576.0, " GiB", tip);
    });
    let tip = "Connections each instance accepts. When the compute instances using it keep more open, the share of \
               them without one fail their queries. Off: set from the memory.";
    row_ui(ui, ("Max connections", tip), errors, &format!("{p}.max_connections"), |ui| {
        let default = crate::scenario::resolve::default_max_connections(rel.memory_gib);
        optional_u32_ui(ui, &mut rel.max_connections, default, " connections", tip);
    });
    let tip = "CPU time of one query (one per request).";
    row_ui(ui, ("Query time", tip), errors, &format!("{p}.query_time"), |ui| {
        service_time_ui(ui, &mut rel.query_time, errors, tip, &format!("{p}.query_time"));
    });
    let tip = "Read replicas of each stack: reads go to them, spread evenly; writes go to the writer (0 to 15).";
    row_ui(ui, ("Read replicas", tip), errors, &format!("{p}.read_replicas"), |ui| {
        form::count_ui(ui, &mut rel.read_replicas, 0..=15, " replicas", tip);
    });
    let tip = "How tenants sharing an instance keep their data. With a database per tenant, a connection belongs \
               to one database, so every compute instance keeps a pool per tenant database.";
    row_ui(ui, ("Tenancy", tip), errors, &format!("{p}.tenancy"), |ui| {
        for (value, label) in [
            (TenancyFile::SharedSchema, "Shared schema"),
            (TenancyFile::SchemaPerTenant, "Schema per tenant"),
            (TenancyFile::DatabasePerTenant, "Database per tenant"),
        ] {
            ui.radio_value(&mut rel.tenancy, value, label).on_hover_text(tip);
        }
    });
    if rel.tenancy == TenancyFile::SchemaPerTenant {
        let tip = "Tables, indexes and sequences in each tenant's schema. Every connection in time caches the \
                   catalog of every schema it serves (about 5 KiB a relation), so with many tenants on an instance \
                   fewer connections fit in its memory than Max connections says. Off: 50.";
        row_ui(ui, ("Relations per schema", tip), errors, &format!("{p}.relations_per_schema"), |ui| {
            let default = crate::scenario::resolve::DEFAULT_RELATIONS_PER_SCHEMA;
            optional_u32_ui(ui, &mut rel.relations_per_schema, default, " relations", tip);
            let max = rel
                .max_connections
                .unwrap_or_else(|| crate::scenario::resolve::default_max_connections(rel.memory_gib));
            let memory_bytes = rel.memory_gib * f64::from(1u32 << 30);
            let relations = rel.relations_per_schema.unwrap_or(default);
            let fit = crate::scenario::model::connections_with_schemas(memory_bytes, max, relations, tenants);
            if tenants > 1 && fit < max {
                ui.weak(format!("{fit} connections fit, {tenants} schemas")).on_hover_text(format!(
                    "With all {tenants} tenants on one instance, {fit} connections fit in its memory."
                ));
            }
        });
    }
    let tip = "Connections each compute instance keeps open to each database it uses, busy or not. Off: compute's \
               concurrency, at most 10.";
    row_ui(ui, ("Pool per instance", tip), errors, &format!("{p}.pool_per_instance"), |ui| {
        optional_u32_ui(ui, &mut rel.pool_per_instance, pool_default, " connections", tip);
    });
    let tip = "A connection proxy (RDS Proxy, PgBouncer): compute connects to it, and each query borrows one of \
               its connections to the instance, waiting at most the borrow timeout. Off: every compute instance \
               keeps its own pool.";
    row_ui(ui, ("Proxy", tip), errors, &format!("{p}.proxy"), |ui| {
        let mut on = rel.proxy.is_some();
        if ui.checkbox(&mut on, "").on_hover_text(tip).changed() {
            rel.proxy = on.then(ProxyFile::default);
        }
        if rel.proxy.is_none() {
            ui.weak("none: each compute instance keeps its pools");
        }
    });
    if let Some(proxy) = &mut rel.proxy {
        let tip = "Share of each instance's connections the proxy opens (1 to 100 %).";
        row_ui(ui, ("  Proxy connections", tip), errors, &format!("{p}.proxy.max_connections_percent"), |ui| {
            form::number_ui(ui, &mut proxy.max_connections_percent, 1.0..=100.0, " %", tip);
        });
        let tip = "Longest a query waits at the proxy for a connection before it fails (RDS Proxy: 120 s).";
        row_ui(ui, ("  Borrow timeout", tip), errors, &format!("{p}.proxy.borrow_timeout"), |ui| {
            form::duration_ui(ui, &mut proxy.borrow_timeout, tip, false);
        });
        let tip = "USD per hour per vCPU of the instances behind the proxy (RDS Proxy: about $0.015).";
        row_ui(ui, ("  Proxy price", tip), errors, &format!("{p}.proxy.price_per_vcpu_hour"), |ui| {
            form::money_ui(ui, &mut proxy.price_per_vcpu_hour, 1000.0, " / vCPU-hour", tip);
        });
    }
    let tip = "USD per instance-hour, for the writer and each replica, busy or not.";
    row_ui(ui, ("Price", tip), errors, &format!("{p}.price_per_hour"), |ui| {
        form::money_ui(ui, &mut rel.price_per_hour, 1000.0, " / instance-hour", tip);
    });
    let tip = "USD per GB-month of the tenants' data (gp3 storage: $0.115).";
    row_ui(ui, ("Storage", tip), errors, &format!("{p}.storage_per_gb_month"), |ui| {
        form::money_ui(ui, &mut rel.storage_per_gb_month, 100.0, " / GB-month", tip);
    });
}

/// An optional count with a checkbox: off shows the `default` it stands
/// for; turned on, it starts there.
fn optional_u32_ui(ui: &mut Ui, value: &mut Option<u32>, default: u32, suffix: &str, tip: &str) {
    let mut on = value.is_some();
    if ui.checkbox(&mut on, "").on_hover_text(tip).changed() {
        *value = on.then_some(default);
    }
    match value {
        Some(n) => {
            form::count_ui(ui, n, 1..=262_143, suffix, tip);
        }
        None => {
            ui.weak(format!("default: {default}{suffix}"));
        }
    }
}

/// An optional layer's heading and switch: switched off, its settings are
/// kept for the session (and what refers to the layer is dropped);
/// switched on again, they come back (or the defaults).
fn optional_layer_ui<T: Default + Clone + Send + Sync + 'static>(
    ui: &mut Ui,
    draft: &mut ScenarioFile,
    layer: LayerName,
    tip: &str,
    slot: fn(&mut ScenarioFile) -> &mut Option<T>,
) {
    let mut name = layer.label().to_owned();
    name[..1].make_ascii_uppercase();
    let Some(on) = layer_switch_ui(ui, &name, slot(draft).is_some(), tip) else { return };
    let stash = ui.make_persistent_id(("stashed_layer", layer.label()));
    if on {
        *slot(draft) = Some(ui.data_mut(|d| d.remove_temp::<T>(stash)).unwrap_or_default());
    } else if let Some(settings) = slot(draft).take() {
        ui.data_mut(|d| d.insert_temp(stash, settings));
        drop_layer_references(draft, layer);
    }
}

/// A heading with an on/off checkbox; returns the new state when toggled.
fn layer_switch_ui(ui: &mut Ui, name: &str, present: bool, tip: &str) -> Option<bool> {
    let mut on = present;
    let changed = ui
        .horizontal(|ui| {
            let changed = ui.checkbox(&mut on, egui::RichText::new(name).heading()).on_hover_text(tip).changed();
            if !on {
                ui.weak("(off)");
            }
            changed
        })
        .inner;
    changed.then_some(on)
}

/// Removes what refers to a layer that was switched off (per-layer
/// placements and capacity losses), which would otherwise be errors.
fn drop_layer_references(draft: &mut ScenarioFile, layer: LayerName) {
    for DesignFile { layers, .. } in &mut draft.designs {
        *layers.get_mut(layer) = None;
    }
    draft.events.retain(|e| !matches!(e, EventFile::CapacityLoss { layer: l, .. } if *l == layer));
}

fn gateway_rows(ui: &mut Ui, gateway: &mut GatewayFile, errors: Option<&FieldErrors>) {
    let tip = "Steady rate of the shared account bucket, per gateway stack, in req/s. Every tenant behind the same \
               gateway stack draws from it, so in a pool one tenant can exhaust it and get everybody throttled. \
               API Gateway's default is 10,000 req/s per account and Region.";
    row_ui(ui, ("Account rate", tip), errors, "layers.gateway.account_rate", |ui| {
        form::number_ui(ui, &mut gateway.account_rate, 1.0..=1e8, " req/s", tip);
    });
    let tip = "Capacity of the shared account bucket, in requests; it starts full. API Gateway's default is 5,000.";
    row_ui(ui, ("Account burst", tip), errors, "layers.gateway.account_burst", |ui| {
        form::number_ui(ui, &mut gateway.account_burst, 1.0..=1e9, " req", tip);
    });
    let tip = "USD per million admitted requests (API Gateway REST APIs list $3.50 for the first tier).";
    row_ui(ui, ("Price", tip), errors, "layers.gateway.price_per_million", |ui| {
        form::money_ui(ui, &mut gateway.price_per_million, 1000.0, " / M req", tip);
    });
    let tip = "The latency the gateway adds to every request it passes, a distribution of its own (whatever the \
               load). Off: none. It counts in every served request's latency and in the tenant table's gateway ms.";
    latency_row(ui, &mut gateway.latency, errors, tip, "layers.gateway.latency");
}

/// An optional latency a layer adds: a checkbox (on: 5 ms, exponential),
/// and its distribution.
fn latency_row(
    ui: &mut Ui,
    latency: &mut Option<ServiceTimeFile>,
    errors: Option<&FieldErrors>,
    tip: &str,
    path: &str,
) {
    row_ui(ui, ("Latency", tip), errors, path, |ui| {
        let mut on = latency.is_some();
        if ui.checkbox(&mut on, "").on_hover_text(tip).changed() {
            *latency = on.then_some(ServiceTimeFile::Exponential { mean_ms: 5.0 });
        }
        if let Some(l) = latency {
            service_time_ui(ui, l, errors, tip, path);
        }
    });
}

/// Instances or serverless functions. Switching to functions puts the
/// autoscaling policy and fairness aside for the session (functions have
/// neither), switching back restores them and the functions' settings.
fn compute_kind_ui(ui: &mut Ui, compute: &mut ComputeFile) {
    let mut serverless = compute.functions.is_some();
    let changed = ui
        .horizontal(|ui| {
            let instances = ui
                .radio_value(&mut serverless, false, "Instances")
                .on_hover_text("Instances with a queue: requests beyond capacity wait, and time out");
            let functions = ui.radio_value(&mut serverless, true, "Serverless functions").on_hover_text(
                "Functions with a concurrency limit (as AWS Lambda): requests beyond it are throttled at once, or \
                 wait in the queue layer if there is one; new environments start cold; billed per invocation and \
                 GB-second",
            );
            instances.changed() || functions.changed()
        })
        .inner;
    if !changed {
        return;
    }
    let stash = ui.make_persistent_id("stashed_compute_kind");
    if serverless {
        let away = (compute.autoscale.take(), std::mem::take(&mut compute.fairness));
        let functions = ui.data_mut(|d| {
            let kept = d.remove_temp::<FunctionsFile>(stash.with("functions"));
            d.insert_temp(stash, away);
            kept
        });
        compute.functions = Some(functions.unwrap_or_default());
    } else if let Some(functions) = compute.functions.take() {
        let away = ui.data_mut(|d| {
            d.insert_temp(stash.with("functions"), functions);
            d.remove_temp::<(Option<AutoscaleFile>, FairnessFile)>(stash)
        });
        if let Some((autoscale, fairness)) = away {
            compute.autoscale = autoscale;
            compute.fairness = fairness;
        }
    }
}

fn functions_rows(ui: &mut Ui, f: &mut FunctionsFile, tiers: &[String], errors: Option<&FieldErrors>) {
    let p = "layers.compute.functions";
    let tip = "Concurrent executions one stack allows: a stack is an account (a silo gives each tenant its own). \
               AWS Lambda's default is 1,000 per account and region.";
    row_ui(ui, ("Account concurrency", tip), errors, &format!("{p}.concurrency_limit"), |ui| {
        form::count_ui(ui, &mut f.concurrency_limit, 1..=100_000, " executions", tip);
    });
    let tip = "Concurrency reserved for each tenant of a tier: its own function, which never runs more than this \
               and which nobody else can use. 0: the tier shares the rest of the account.";
    row_ui(ui, ("Reserved per tenant", tip), errors, &format!("{p}.reserved"), |ui| {
        ui.horizontal_wrapped(|ui| {
            for tier in tiers {
                let mut reserved = f.reserved.get(tier).copied().unwrap_or(0);
                let response = form::count_ui(ui, &mut reserved, 0..=100_000, &format!(" {tier}"), tip);
                form::error_mark_ui(ui, errors, &format!("{p}.reserved.{tier}"));
                if response.changed() {
                    if reserved == 0 {
                        f.reserved.shift_remove(tier);
                    } else {
                        f.reserved.insert(tier.clone(), reserved);
                    }
                }
            }
        });
    });
    let tip = "Provisioned environments of every function: always warm, used first, billed whether used or not.";
    row_ui(ui, ("Provisioned", tip), errors, &format!("{p}.provisioned"), |ui| {
        form::count_ui(ui, &mut f.provisioned, 0..=100_000, " per function", tip);
    });
    let tip = "Mean time a new execution environment takes to initialise; the request that needs it waits for it.";
    row_ui(ui, ("Cold start", tip), errors, &format!("{p}.cold_start"), |ui| {
        form::duration_ui(ui, &mut f.cold_start, tip, false);
    });
    let tip = "An environment idle for longer than this is gone (AWS does not publish it; 5 to 15 minutes is \
               typical).";
    row_ui(ui, ("Keep warm", tip), errors, &format!("{p}.keep_warm"), |ui| {
        form::duration_ui(ui, &mut f.keep_warm, tip, false);
    });
    let tip = "New environments a function may start per 10 seconds (AWS Lambda: 1,000); a request that needs one \
               beyond it is throttled.";
    row_ui(ui, ("Scaling", tip), errors, &format!("{p}.scale_per_10s"), |ui| {
        form::count_ui(ui, &mut f.scale_per_10s, 1..=1_000_000, " new per 10 s", tip);
    });
    let tip = "Memory of each environment: execution is billed by GB-second.";
    row_ui(ui, ("Memory", tip), errors, &format!("{p}.memory_mb"), |ui| {
        form::number_ui(ui, &mut f.memory_mb, 128.0..=10_240.0, " MB", tip);
    });
    let tip = "USD per million invocations (AWS Lambda: $0.20).";
    row_ui(ui, ("Price", tip), errors, &format!("{p}.price_per_million"), |ui| {
        form::money_ui(ui, &mut f.price_per_million, 1000.0, " / M invocations", tip);
    });
    let tip = "USD per GB-second of execution, initialisation included (AWS Lambda x86: $0.0000166667).";
    row_ui(ui, ("Execution price", tip), errors, &format!("{p}.price_per_gb_second"), |ui| {
        form::money_ui(ui, &mut f.price_per_gb_second, 1.0, " / GB-s", tip);
    });
    let tip = "USD per GB-second a provisioned environment exists (AWS Lambda x86: $0.0000041667).";
    row_ui(ui, ("Provisioned price", tip), errors, &format!("{p}.provisioned_price_per_gb_second"), |ui| {
        form::money_ui(ui, &mut f.provisioned_price_per_gb_second, 1.0, " / GB-s", tip);
    });
}

fn queue_rows(ui: &mut Ui, queue: &mut QueueFile, functions: bool, errors: Option<&FieldErrors>) {
    let p = "layers.queue";
    let tip = "How long a message waits for a consumer before the queue deletes it (SQS: 1 minute to 14 days, 4 \
               days by default; here at most a day). It replaces compute's queue timeout.";
    row_ui(ui, ("Retention", tip), errors, &format!("{p}.retention"), |ui| {
        form::duration_ui(ui, &mut queue.retention, tip, false);
    });
    let tip = "How long a message a consumer received stays hidden from the other consumers (SQS: 30 s by \
               default, up to 12 h). If its processing fails (the database refused its write), or is still going \
               on, the queue offers it again once this has passed since it was received: a consumer slower than \
               this makes another one process the message too (duplicates).";
    row_ui(ui, ("Visibility timeout", tip), errors, &format!("{p}.visibility_timeout"), |ui| {
        form::duration_ui(ui, &mut queue.visibility_timeout, tip, false);
    });
    let tip = "Receives after which a message whose processing keeps failing goes to the dead-letter queue (SQS's \
               redrive policy, maxReceiveCount). Off: it comes back until the retention deletes it.";
    row_ui(ui, ("Dead-letter queue", tip), errors, &format!("{p}.max_receives"), |ui| {
        let off = "none: failed messages come back until deleted";
        optional_count_ui(ui, &mut queue.max_receives, (5, 1..=250), " receives", off, tip);
    });
    let tip = "A FIFO queue: each tenant's messages form one message group per key shard, and a group's \
               messages are processed one at a time, in order. A tenant's burst then takes one consumer per group \
               and no more. Runs request by request.";
    row_ui(ui, ("FIFO message groups", tip), errors, &format!("{p}.fifo"), |ui| {
        if ui.checkbox(&mut queue.fifo, "by key shard").on_hover_text(tip).changed() {
            if queue.fifo {
                // Fair queues are standard queues; a FIFO queue's batches
                // are not modelled.
                queue.fair = false;
                queue.batch_size = None;
                queue.batch_window = None;
            } else {
                // Standard queues have no send limit to keep.
                queue.send_rate = None;
            }
        }
    });
    if !queue.fifo {
        let tip = "An SQS fair queue: each message names its tenant as its message group, and a queue shared by \
                   several tenants gives its consumers the messages of quiet tenants before those of a noisy one \
                   (a tenant is noisy while it holds over 10 % of the messages in flight and at least 30 of them, \
                   or over 10 % of the recent processing time). A noisy tenant's messages wait; nobody else's \
                   do. A queue per tenant is unchanged. Runs request by request.";
        row_ui(ui, ("Fair queue", tip), errors, &format!("{p}.fair"), |ui| {
            if ui.checkbox(&mut queue.fair, "quiet tenants first").on_hover_text(tip).changed() && queue.fair {
                // A fair queue's batches are not modelled.
                queue.batch_size = None;
                queue.batch_window = None;
            }
        });
    }
    if queue.fifo {
        let default = crate::scenario::resolve::DEFAULT_FIFO_SEND_RATE_PER_SEC;
        let tip = "Messages a second each FIFO queue accepts; the ones sent beyond it are throttled (429) and \
                   retried as the tier's clients retry. A shared queue's limit is shared by its tenants, a queue \
                   per tenant has its own. SQS FIFO: 300 a second sending one message a call, 3,000 in batches of \
                   ten, tens of thousands in high-throughput mode. Off: 300.";
        row_ui(ui, ("Send limit", tip), errors, &format!("{p}.send_rate"), |ui| {
            let mut on = queue.send_rate.is_some();
            if ui.checkbox(&mut on, "").on_hover_text(tip).changed() {
                queue.send_rate = on.then_some(default);
            }
            match &mut queue.send_rate {
                Some(rate) => {
                    form::number_ui(ui, rate, 1.0..=1e9, " messages/s", tip);
                }
                None => {
                    ui.weak(format!("default: {default:.0} messages/s"));
                }
            }
        });
    }
    if functions {
        let tip = "The most messages of one queue its functions process at once (the maximum concurrency of an SQS \
                   trigger, 2 to 1,000): a queue per tenant with a limit keeps one tenant's backlog from taking the \
                   whole function. Off: as many as the function allows.";
        row_ui(ui, ("Max concurrency", tip), errors, &format!("{p}.max_concurrency"), |ui| {
            let off = "none: as many as the function allows";
            optional_count_ui(ui, &mut queue.max_concurrency, (10, 2..=1000), " per queue", off, tip);
        });
        if !queue.fifo && !queue.fair {
            let tip = "The most messages one execution takes from its queue at once and processes one after the \
                       other (the batch size of an SQS trigger, up to 10 without a batching window; AWS's default \
                       for a new trigger is 10). Each takes what waits in its queue then: under a backlog, full \
                       batches, so fewer invocations and fewer receive and delete calls to pay for, but every \
                       message of a batch is answered when the last is done. 1: one message an invocation.";
            row_ui(ui, ("Batch size", tip), errors, &format!("{p}.batch_size"), |ui| {
                let mut size = queue.batch_size.unwrap_or(1);
                if form::count_ui(ui, &mut size, 1..=10_000, " per execution", tip).changed() {
                    queue.batch_size = (size != 1).then_some(size);
                }
            });
            if queue.batch_size.is_some_and(|b| b > 1) || queue.batch_window.is_some() {
                let tip = "How long the event source waits for a batch to fill before it hands over what it has, \
                           from the oldest message's arrival (a Lambda trigger's batching window, up to 5 minutes; \
                           needed, at least 1 s, for batches over 10). A full batch goes at once. Longer windows \
                           mean fuller batches, fewer invocations and longer waits. Off: no waiting, a batch is what \
                           waits when an execution is free.";
                row_ui(ui, ("Batching window", tip), errors, &format!("{p}.batch_window"), |ui| {
                    form::optional_duration_ui(ui, &mut queue.batch_window, "1s", tip);
                });
            }
        }
    }
    let tip = "USD per million queue requests (SQS standard: $0.40, FIFO: $0.50).";
    row_ui(ui, ("Price", tip), errors, &format!("{p}.price_per_million"), |ui| {
        form::money_ui(ui, &mut queue.price_per_million, 1000.0, " / M requests", tip);
    });
    let tip = "Queue requests each message takes: send, receive and delete are three (a message over 64 KB counts \
               once per 64 KB).";
    row_ui(ui, ("Requests per message", tip), errors, &format!("{p}.requests_per_message"), |ui| {
        form::number_ui(ui, &mut queue.requests_per_message, 1.0..=12.0, " requests", tip);
    });
}

/// A count that may be left out: a checkbox that sets it to `first` of
/// `range` (or removes it), then its field, or `off` when it is left out.
fn optional_count_ui(
    ui: &mut Ui,
    value: &mut Option<u32>,
    (first, range): (u32, std::ops::RangeInclusive<u32>),
    suffix: &str,
    off: &str,
    tip: &str,
) {
    let mut on = value.is_some();
    if ui.checkbox(&mut on, "").on_hover_text(tip).changed() {
        *value = on.then_some(first);
    }
    match value {
        Some(count) => {
            form::count_ui(ui, count, range, suffix, tip);
        }
        None => {
            ui.weak(off);
        }
    }
}

fn compute_rows(ui: &mut Ui, compute: &mut ComputeFile, queued: bool, errors: Option<&FieldErrors>) {
    let tip = "How long one request occupies a server. Exponential gives the textbook M/M/c queue; LogNormal has a \
               heavier tail (cv = standard deviation / mean); Deterministic takes the same time always.";
    row_ui(ui, ("Service time", tip), errors, "layers.compute.service_time", |ui| {
        service_time_ui(ui, &mut compute.service_time, errors, tip, "layers.compute.service_time");
    });
    let tip = "Requests one instance serves at once: a stack has instances × concurrency servers.";
    row_ui(ui, ("Concurrency", tip), errors, "layers.compute.concurrency", |ui| {
        form::count_ui(ui, &mut compute.concurrency, 1..=100_000, " per instance", tip);
        let mean_ms = mean_service_ms(&compute.service_time);
        if mean_ms > 0.0 {
            ui.weak(format!("≈ {:.0} req/s per instance at 100 %", f64::from(compute.concurrency) * 1000.0 / mean_ms));
        }
    });
    let tip = "Instance count of a pooled stack and of each cell: min is the fixed count without autoscaling; the \
               autoscaler stays within min…max.";
    row_ui(ui, ("Instances", tip), errors, "layers.compute.instances.max", |ui| {
        instances_ui(ui, &mut compute.instances, tip);
        form::error_mark_ui(ui, errors, "layers.compute.instances.min");
    });
    let tip = "Instance bounds of a silo stack (one tenant's own stack), often smaller than a pool's. Off: same as \
               Instances.";
    row_ui(ui, ("Silo instances", tip), errors, "layers.compute.silo_instances.max", |ui| {
        let mut on = compute.silo_instances.is_some();
        if ui.checkbox(&mut on, "").on_hover_text(tip).changed() {
            compute.silo_instances = on.then(|| compute.instances.clone());
        }
        match &mut compute.silo_instances {
            Some(silo) => instances_ui(ui, silo, tip),
            None => {
                ui.weak("same as Instances");
            }
        }
        form::error_mark_ui(ui, errors, "layers.compute.silo_instances.min");
    });
    let tip = "Queued work older than this is dropped (counted as dropped, not throttled).";
    row_ui(ui, ("Queue timeout", tip), errors, "layers.compute.queue_timeout", |ui| {
        if queued {
            ui.weak("the queue's retention instead").on_hover_text(tip);
        } else {
            form::duration_ui(ui, &mut compute.queue_timeout, tip, false);
        }
    });
    let tip = "USD per instance-hour; instances warming up are billed too.";
    row_ui(ui, ("Price", tip), errors, "layers.compute.price_per_hour", |ui| {
        form::money_ui(ui, &mut compute.price_per_hour, 1000.0, " / instance-h", tip);
    });
    let tip = if queued {
        "How a shared stack's consumers take turns between one queue per tenant (a shared queue is always first in, \
         first out)."
    } else {
        "How a shared (pool or cell) stack divides its capacity among its tenants."
    };
    row_ui(ui, ("Fairness", tip), errors, "layers.compute.fairness", |ui| {
        ui.radio_value(&mut compute.fairness, FairnessFile::Fifo, "FIFO").on_hover_text(
            "First come, first served: everyone shares one queue, so one tenant's burst raises everyone's latency",
        );
        ui.radio_value(&mut compute.fairness, FairnessFile::WeightedFair, "Weighted fair").on_hover_text(
            "Capacity divided among tenants with work in proportion to their tier's weight; each has its own queue",
        );
    });
}

/// A latency (or service-time) distribution at field path `p`: its kind
/// and its numbers.
fn service_time_ui(ui: &mut Ui, service: &mut ServiceTimeFile, errors: Option<&FieldErrors>, tip: &str, p: &str) {
    let mean_ms = mean_service_ms(service);
    let name = match service {
        ServiceTimeFile::Exponential { .. } => "Exponential",
        ServiceTimeFile::LogNormal { .. } => "LogNormal",
        ServiceTimeFile::Deterministic { .. } => "Deterministic",
    };
    egui::ComboBox::from_id_salt(("service_time_kind", p))
        .selected_text(name)
        .width(110.0)
        .show_ui(ui, |ui| {
            for (label, value) in [
                ("Exponential", ServiceTimeFile::Exponential { mean_ms }),
                ("LogNormal", ServiceTimeFile::LogNormal { mean_ms, cv: 1.0 }),
                ("Deterministic", ServiceTimeFile::Deterministic { ms: mean_ms }),
            ] {
                let same = std::mem::discriminant(service) == std::mem::discriminant(&value);
                if ui.selectable_label(same, label).clicked() && !same {
                    *service = value;
                }
            }
        })
        .response
        .on_hover_text(tip);
    match service {
        ServiceTimeFile::Exponential { mean_ms } | ServiceTimeFile::LogNormal { mean_ms, .. } => {
            form::number_ui(ui, mean_ms, 0.001..=600_000.0, " ms mean", tip);
            form::error_mark_ui(ui, errors, &format!("{p}.mean_ms"));
        }
        ServiceTimeFile::Deterministic { ms } => {
            form::number_ui(ui, ms, 0.001..=600_000.0, " ms", tip);
            form::error_mark_ui(ui, errors, &format!("{p}.ms"));
        }
    }
    if let ServiceTimeFile::LogNormal { cv, .. } = service {
        let tip = "Coefficient of variation: standard deviation / mean (1 is as variable as exponential; at most 10)";
        form::number_ui(ui, cv, 0.01..=10.0, " cv", tip);
        form::error_mark_ui(ui, errors, &format!("{p}.cv"));
    }
}

fn mean_service_ms(service: &ServiceTimeFile) -> f64 {
    match service {
        ServiceTimeFile::Exponential { mean_ms } | ServiceTimeFile::LogNormal { mean_ms, .. } => *mean_ms,
        ServiceTimeFile::Deterministic { ms } => *ms,
    }
}

fn instances_ui(ui: &mut Ui, instances: &mut InstancesFile, tip: &str) {
    form::count_ui(ui, &mut instances.min, 0..=100_000, " min", tip);
    ui.label("to");
    form::count_ui(ui, &mut instances.max, 1..=100_000, " max", tip);
}

fn autoscale_rows(ui: &mut Ui, compute: &mut ComputeFile, errors: Option<&FieldErrors>) {
    let tip = "Target tracking on utilisation: every evaluation period each stack resizes to ⌈instances × \
               utilisation / target⌉ within min…max; new instances serve after the warm-up. Off: every stack runs \
               min instances.";
    row_ui(ui, ("Autoscaling", tip), errors, "layers.compute.autoscale", |ui| {
        let mut on = compute.autoscale.is_some();
        if ui.checkbox(&mut on, "target tracking").on_hover_text(tip).changed() {
            compute.autoscale = on.then(|| AutoscaleFile {
                target_utilisation: 0.6,
                evaluation_period: DurationText::new("1m"),
                warmup: DurationText::new("3m"),
            });
        }
    });
    let Some(autoscale) = &mut compute.autoscale else { return };
    let tip = "Utilisation the policy aims for (busy server-time / available server-time). Lower targets keep \
               more headroom for bursts and cost more.";
    row_ui(ui, ("  Target", tip), errors, "layers.compute.autoscale.target_utilisation", |ui| {
        form::percent_ui(ui, &mut autoscale.target_utilisation, tip);
    });
    let tip = "How often the policy looks at utilisation (rounded to whole ticks).";
    row_ui(ui, ("  Evaluation period", tip), errors, "layers.compute.autoscale.evaluation_period", |ui| {
        form::duration_ui(ui, &mut autoscale.evaluation_period, tip, false);
    });
    let tip = "Delay before a new instance serves; it is billed from the moment it is requested.";
    row_ui(ui, ("  Warm-up", tip), errors, "layers.compute.autoscale.warmup", |ui| {
        form::duration_ui(ui, &mut autoscale.warmup, tip, false);
    });
}

fn database_rows(ui: &mut Ui, database: &mut DatabaseFile, errors: Option<&FieldErrors>) {
    let tip = "Partitions of a pooled table and of each cell's table (1 to 10,000). Tenants keyed by tenant id \
               land on one partition each, by a fixed hash.";
    row_ui(ui, ("Partitions", tip), errors, "layers.database.partitions", |ui| {
        form::count_ui(ui, &mut database.partitions, 1..=10_000, "", tip);
    });
    let tip = "Partitions of a silo table (one tenant's own table). Off: same as Partitions.";
    row_ui(ui, ("Silo partitions", tip), errors, "layers.database.silo_partitions", |ui| {
        let mut on = database.silo_partitions.is_some();
        if ui.checkbox(&mut on, "").on_hover_text(tip).changed() {
            database.silo_partitions = on.then_some(database.partitions);
        }
        match &mut database.silo_partitions {
            Some(n) => {
                form::count_ui(ui, n, 1..=10_000, "", tip);
            }
            None => {
                ui.weak("same as Partitions");
            }
        }
    });
    let tip = "Hard cap of read units per second per partition (DynamoDB: 3,000; a read unit is one strongly \
               consistent read of up to 4 KB). Demand beyond it is dropped for every tenant on the partition.";
    row_ui(ui, ("Reads / partition", tip), errors, "layers.database.read_units_per_partition", |ui| {
        form::number_ui(ui, &mut database.read_units_per_partition, 1.0..=1e7, " RU/s", tip);
    });
    let tip = "Hard cap of write units per second per partition (DynamoDB: 1,000; a write unit is one write of up \
               to 1 KB).";
    row_ui(ui, ("Writes / partition", tip), errors, "layers.database.write_units_per_partition", |ui| {
        form::number_ui(ui, &mut database.write_units_per_partition, 1.0..=1e7, " WU/s", tip);
    });
    pricing_rows(ui, &mut database.pricing, errors);
    let tip = "USD per GB-month stored, applied to the tenants' data size.";
    row_ui(ui, ("Storage", tip), errors, "layers.database.storage_per_gb_month", |ui| {
        form::money_ui(ui, &mut database.storage_per_gb_month, 100.0, " / GB-month", tip);
    });
    let tip = "The latency of one read or write as a served request sees it, a distribution of its own (whatever \
               the load; a saturated partition refuses requests rather than queueing them). Off: none.";
    latency_row(ui, &mut database.latency, errors, tip, "layers.database.latency");
}

fn provisioned_rows(ui: &mut Ui, (read_units, write_units): (&mut f64, &mut f64), errors: Option<&FieldErrors>) {
    let p = "layers.database.pricing";
    let tip = "Read units per second provisioned for every table (pool, each cell, each silo)";
    row_ui(ui, ("  Read units", tip), errors, &format!("{p}.read_units"), |ui| {
        form::number_ui(ui, read_units, 1.0..=1e8, " RU/s", tip);
    });
    let tip = "Write units per second provisioned for every table (pool, each cell, each silo)";
    row_ui(ui, ("  Write units", tip), errors, &format!("{p}.write_units"), |ui| {
        form::number_ui(ui, write_units, 1.0..=1e8, " WU/s", tip);
    });
}

fn pricing_rows(ui: &mut Ui, pricing: &mut DbPricingFile, errors: Option<&FieldErrors>) {
    let tip = "On demand: pay per unit consumed, limited only by the partition caps. Provisioned: every table gets \
               fixed read and write units, spread evenly over its partitions (plus up to 300 s of banked burst), \
               paid for the whole run whether used or not.";
    row_ui(ui, ("Pricing", tip), errors, "layers.database.pricing", |ui| {
        let on_demand = matches!(pricing, DbPricingFile::OnDemand { .. });
        if ui.radio(on_demand, "On demand").on_hover_text(tip).clicked() && !on_demand {
            *pricing = DbPricingFile::default();
        }
        if ui.radio(!on_demand, "Provisioned").on_hover_text(tip).clicked() && on_demand {
            *pricing = DbPricingFile::Provisioned {
                read_units: 1000.0,
                write_units: 500.0,
                read_unit_per_hour: 0.000_13,
                write_unit_per_hour: 0.000_65,
            };
        }
    });
    let p = "layers.database.pricing";
    let rows: [(&str, &str, &str, &mut f64, &str); 2] = match pricing {
        DbPricingFile::OnDemand { read_per_million, write_per_million } => [
            ("  Read price", "USD per million read units consumed", "read_per_million", read_per_million, " / M RU"),
            (
                "  Write price",
                "USD per million write units consumed",
                "write_per_million",
                write_per_million,
                " / M WU",
            ),
        ],
        DbPricingFile::Provisioned { read_units, write_units, read_unit_per_hour, write_unit_per_hour } => {
            provisioned_rows(ui, (read_units, write_units), errors);
            [
                (
                    "  Read unit price",
                    "USD per provisioned read-unit-hour",
                    "read_unit_per_hour",
                    read_unit_per_hour,
                    " / RU-h",
                ),
                (
                    "  Write unit price",
                    "USD per provisioned write-unit-hour",
                    "write_unit_per_hour",
                    write_unit_per_hour,
                    " / WU-h",
                ),
            ]
        }
    };
    for (label, tip, field, value, suffix) in rows {
        row_ui(ui, (label, tip), errors, &format!("{p}.{field}"), |ui| {
            form::money_ui(ui, value, 1000.0, suffix, tip);
        });
    }
}

#[cfg(test)]
mod tests {
    use egui_kittest::kittest::Queryable;

    use super::super::form::testing;
    use super::*;
    use crate::scenario::file::PlacementFile;

    fn harness(file: ScenarioFile) -> egui_kittest::Harness<'static, ScenarioFile> {
        testing::harness([700.0, 1100.0], |ui, file: &mut ScenarioFile| layers_ui(ui, file, None), file)
    }

    #[test]
    fn switching_the_gateway_off_and_on_restores_it_and_drops_its_overrides() {
        let mut file = crate::app::empty_scenario();
        file.designs[0].layers.gateway = Some([("*".to_owned(), PlacementFile::Silo)].into());
        file.layers.gateway = Some(GatewayFile { account_rate: 123.0, ..GatewayFile::default() });
        let mut harness = harness(file);
        harness.run();
        harness.get_by_label("Gateway").click();
        harness.run();
        assert_eq!(harness.state().layers.gateway, None);
        assert_eq!(harness.state().designs[0].layers.gateway, None, "override of a missing layer dropped");
        harness.get_by_label("Gateway").click();
        harness.run();
        assert_eq!(harness.state().layers.gateway.as_ref().map(|g| g.account_rate), Some(123.0));
    }

    #[test]
    fn database_can_be_added_and_priced_provisioned() {
        let mut harness = harness(crate::app::empty_scenario());
        harness.run();
        harness.get_by_label("Database").click();
        harness.run();
        assert_eq!(harness.state().layers.database, Some(DatabaseFile::default()));
        harness.get_by_label("Provisioned").click();
        harness.run();
        let pricing = harness.state().layers.database.as_ref().map(|d| d.pricing.clone());
        assert!(matches!(pricing, Some(DbPricingFile::Provisioned { .. })));
    }

    #[test]
    fn the_database_can_be_made_relational_and_back() {
        let mut harness = harness(crate::app::empty_scenario());
        harness.run();
        harness.get_by_label("Database").click();
        harness.run();
        harness.get_by_label("Relational").click();
        harness.run();
        assert_eq!(harness.state().layers.database, None);
        assert_eq!(harness.state().layers.relational, Some(RelationalFile::default()));
        harness.get_by_label("Database per tenant").click();
        harness.run();
        let tenancy = harness.state().layers.relational.as_ref().map(|r| r.tenancy);
        assert_eq!(tenancy, Some(TenancyFile::DatabasePerTenant));
        harness.get_by_label("Key-value table").click();
        harness.run();
        assert_eq!(harness.state().layers.database, Some(DatabaseFile::default()));
        harness.get_by_label("Relational").click();
        harness.run();
        let tenancy = harness.state().layers.relational.as_ref().map(|r| r.tenancy);
        assert_eq!(tenancy, Some(TenancyFile::DatabasePerTenant), "the relational settings come back");
        harness.get_by_label("Database").click();
        harness.run();
        assert_eq!(
            (harness.state().layers.database.is_some(), harness.state().layers.relational.is_some()),
            (false, false)
        );
        harness.get_by_label("Database").click();
        harness.run();
        assert!(harness.state().layers.relational.is_some(), "switched back on as it was");
    }

    #[test]
    fn switching_service_time_keeps_the_mean() {
        let mut harness = harness(crate::app::empty_scenario());
        harness.run();
        harness.get_by_label_contains("How long one request occupies").click();
        harness.run();
        harness.get_by_label("LogNormal").click();
        harness.run();
        assert_eq!(harness.state().layers.compute.service_time, ServiceTimeFile::LogNormal { mean_ms: 20.0, cv: 1.0 });
    }
}
