//! One "try this" change as a form row: which kind of change (a pick list
//! that turns it into another kind, filled from the scenario's names) and
//! that kind's fields, with names chosen from lists.

use egui::Ui;

use super::{Names, name_combo_ui};
use crate::app::panels::form;
use crate::scenario::file::{AttributionFile, ChangeFile, IdleFile, LayerName, PlacementFile};
use crate::units::DurationText;

/// The kinds of change, in menu order, with what each does.
const KINDS: [(&str, &str); 20] = [
    ("Tenant rate", "Set the base rate of a tenant (by id) or a group (by prefix)"),
    ("Group count", "Set how many tenants a group has"),
    ("Tier plan", "Give a tier a usage plan (token bucket), replacing any; quotas are kept"),
    ("No tier plan", "Remove a tier's usage plan"),
    ("Placement", "Set a design's placement for a tenant, tier or \"*\", in every layer or one"),
    ("Instances", "Set the pooled compute instance bounds"),
    ("Warm-up", "Set the autoscaling warm-up (the scenario must autoscale)"),
    ("Key shards", "Spread a tenant's (or group's) items over more partition keys"),
    ("Account limit", "Set the shared gateway account limit (the scenario must have a gateway)"),
    ("Attribution", "Set how shared costs are attributed"),
    ("Idle capacity", "Set how idle capacity cost is handled"),
    ("Spike factor", "Set the factor of a spike event"),
    ("Account concurrency", "Set the serverless account's concurrency limit (the scenario must use functions)"),
    ("Reserved concurrency", "Set the concurrency a tier reserves per tenant, 0 for none (functions)"),
    ("Tier retries", "Set how a tier's clients retry failed requests, or that they do not"),
    ("Queue retention", "Set how long the queue keeps a message for a consumer (the scenario must have a queue)"),
    ("Database proxy", "Put a connection proxy in front of the relational database, or take it away"),
    (
        "FIFO queue",
        "Make the queue a FIFO queue with message groups, or a standard queue (the scenario must have a queue)",
    ),
    (
        "Fair queue",
        "Make the queue a fair queue (a shared queue serves its quiet tenants' messages first), or a plain one",
    ),
    (
        "Batch size",
        "How many messages a function's execution takes from its queue at once (the scenario must have a queue and \
         functions)",
    ),
];

/// The kind's position in [`KINDS`].
fn kind(change: &ChangeFile) -> usize {
    match change {
        ChangeFile::TenantRate { .. } => 0,
        ChangeFile::GroupCount { .. } => 1,
        ChangeFile::TierPlan { .. } => 2,
        ChangeFile::NoTierPlan { .. } => 3,
        ChangeFile::Placement { .. } => 4,
        ChangeFile::Instances { .. } => 5,
        ChangeFile::Warmup { .. } => 6,
        ChangeFile::KeyShards { .. } => 7,
        ChangeFile::AccountLimit { .. } => 8,
        ChangeFile::Attribution { .. } => 9,
        ChangeFile::Idle { .. } => 10,
        ChangeFile::SpikeFactor { .. } => 11,
        ChangeFile::FunctionsConcurrency { .. } => 12,
        ChangeFile::FunctionsReserved { .. } => 13,
        ChangeFile::TierRetry { .. } => 14,
        ChangeFile::QueueRetention { .. } => 15,
        ChangeFile::DatabaseProxy { .. } => 16,
        ChangeFile::QueueFifo { .. } => 17,
        ChangeFile::QueueFair { .. } => 18,
        ChangeFile::QueueBatchSize { .. } => 19,
    }
}

/// A new change of kind `k`, naming the scenario's first tenant, tier,
/// design or spike.
fn new_change(k: usize, names: &Names) -> ChangeFile {
    let first = |list: &[String]| list.first().cloned().unwrap_or_default();
    let tenant = first(&names.tenants_and_groups());
    match k {
        0 => ChangeFile::TenantRate { tenant, rate: 10.0 },
        1 => ChangeFile::GroupCount { prefix: first(&names.groups), count: 10 },
        2 => ChangeFile::TierPlan { tier: first(&names.tiers), rate: 20.0, burst: 40.0 },
        3 => ChangeFile::NoTierPlan { tier: first(&names.tiers) },
        4 => ChangeFile::Placement {
            design: first(&names.designs),
            key: "*".to_owned(),
            placement: PlacementFile::Silo,
            layer: None,
        },
        5 => ChangeFile::Instances { min: 1, max: 10 },
        6 => ChangeFile::Warmup { warmup: DurationText::new("1m") },
        7 => ChangeFile::KeyShards { tenant, shards: 16 },
        8 => ChangeFile::AccountLimit { rate: 1000.0, burst: 2000.0 },
        9 => ChangeFile::Attribution { method: AttributionFile::Proportional },
        10 => ChangeFile::Idle { idle: IdleFile::Unallocated },
        11 => ChangeFile::SpikeFactor { index: names.spikes.first().map_or(0, |s| s.index), factor: 2.0 },
        12 => ChangeFile::FunctionsConcurrency { limit: 1000 },
        13 => ChangeFile::FunctionsReserved { tier: first(&names.tiers), concurrency: 100 },
        14 => ChangeFile::TierRetry { tier: first(&names.tiers), retry: Some(form::default_retry()) },
        15 => ChangeFile::QueueRetention { retention: DurationText::new("1h") },
        16 => ChangeFile::DatabaseProxy { on: true },
        17 => ChangeFile::QueueFifo { on: true },
        18 => ChangeFile::QueueFair { on: true },
        _ => ChangeFile::QueueBatchSize { size: 10 },
    }
}

/// "Add change ▾": a menu of kinds; returns the new change when one is
/// picked.
pub(super) fn add_change_ui(ui: &mut Ui, names: &Names) -> Option<ChangeFile> {
    let mut added = None;
    ui.menu_button("Add change ▾", |ui| {
        for (k, (name, tip)) in KINDS.iter().enumerate() {
            if ui.button(*name).on_hover_text(*tip).clicked() {
                added = Some(new_change(k, names));
                ui.close();
            }
        }
    })
    .response
    .on_hover_text("Add an edit to this step");
    added
}

/// The change's kind and fields. `id` tells the rows apart (step, change).
pub(super) fn change_ui(ui: &mut Ui, id: (usize, usize), change: &mut ChangeFile, names: &Names) {
    let current = kind(change);
    let mut picked = current;
    egui::ComboBox::from_id_salt(("change_kind", id))
        .selected_text(KINDS[current].0)
        .width(110.0)
        .show_ui(ui, |ui| {
            for (k, (name, tip)) in KINDS.iter().enumerate() {
                ui.selectable_value(&mut picked, k, *name).on_hover_text(*tip);
            }
        })
        .response
        .on_hover_text(KINDS[current].1);
    if picked != current {
        *change = new_change(picked, names);
    }
    fields_ui(ui, id, change, names);
}

fn fields_ui(ui: &mut Ui, id: (usize, usize), change: &mut ChangeFile, names: &Names) {
    match change {
        ChangeFile::TenantRate { tenant, rate } => {
            let tip = "A Tenant id or a Group prefix (generated ids such as smb-03 are not accepted)";
            name_combo_ui(ui, ("change_tenant", id), tenant, &names.tenants_and_groups(), tip);
            form::number_ui(ui, rate, 0.0..=1e9, " req/s", "New base rate (a group's mean rate per tenant)");
        }
        ChangeFile::KeyShards { tenant, shards } => {
            let tip = "A Tenant id or a Group prefix";
            name_combo_ui(ui, ("change_tenant", id), tenant, &names.tenants_and_groups(), tip);
            form::count_ui(ui, shards, 1..=u32::MAX, " keys", "Partition keys the items are spread over");
        }
        ChangeFile::GroupCount { prefix, count } => {
            name_combo_ui(ui, ("change_group", id), prefix, &names.groups, "The group's prefix");
            form::count_ui(ui, count, 1..=u32::MAX, " tenants", "New number of tenants in the group");
        }
        ChangeFile::TierPlan { tier, rate, burst } => {
            name_combo_ui(ui, ("change_tier", id), tier, &names.tiers, "The tier that gets the plan");
            form::number_ui(ui, rate, 0.0..=1e9, " req/s", "Refill rate of each tenant's bucket");
            form::number_ui(ui, burst, 1.0..=1e12, " burst", "Bucket size, requests");
        }
        ChangeFile::NoTierPlan { tier } => {
            name_combo_ui(ui, ("change_tier", id), tier, &names.tiers, "The tier whose plan is removed");
        }
        ChangeFile::Placement { design, key, placement, layer } => {
            placement_ui(ui, id, design, key, placement, layer, names)
        }
        ChangeFile::Instances { min, max } => {
            form::count_ui(ui, min, 0..=100_000, " min", "Fewest instances of a pooled stack or cell");
            form::count_ui(ui, max, 1..=100_000, " max", "Most instances of a pooled stack or cell");
        }
        ChangeFile::Warmup { warmup } => {
            form::duration_ui(ui, warmup, "Time a new instance takes before it serves", true);
        }
        ChangeFile::QueueRetention { retention } => {
            form::duration_ui(ui, retention, "How long a message waits for a consumer before it is deleted", true);
        }
        ChangeFile::DatabaseProxy { on } => {
            ui.checkbox(on, "proxy").on_hover_text("On: queries borrow the proxy's connections; off: no proxy");
        }
        ChangeFile::QueueFifo { on } => {
            ui.checkbox(on, "FIFO").on_hover_text(
                "On: each tenant key shard is a message group, processed one message at a time; off: a standard queue",
            );
        }
        ChangeFile::QueueFair { on } => {
            ui.checkbox(on, "fair").on_hover_text(
                "On: a shared queue gives consumers its quiet tenants' messages before a noisy tenant's; off: oldest \
                 first",
            );
        }
        ChangeFile::QueueBatchSize { size } => {
            form::count_ui(
                ui,
                size,
                1..=10_000,
                " per execution",
                "The most messages one execution takes from its queue at once",
            );
        }
        ChangeFile::AccountLimit { rate, burst } => {
            form::number_ui(ui, rate, 0.0..=1e12, " req/s", "The account bucket's steady rate");
            form::number_ui(ui, burst, 1.0..=1e12, " burst", "The account bucket's size, requests");
        }
        ChangeFile::Attribution { method } => attribution_ui(ui, id, method),
        ChangeFile::Idle { idle } => {
            ui.radio_value(idle, IdleFile::Spread, "Spread").on_hover_text("Idle cost is divided like the rest");
            ui.radio_value(idle, IdleFile::Unallocated, "Unallocated")
                .on_hover_text("Idle cost is reported on its own line");
        }
        ChangeFile::SpikeFactor { index, factor } => {
            spike_combo_ui(ui, id, index, names);
            form::factor_ui(ui, factor, 10_000.0, "New rate multiplier of the spike");
        }
        ChangeFile::FunctionsConcurrency { limit } => {
            form::count_ui(ui, limit, 1..=100_000, " executions", "Concurrent executions per account (stack)");
        }
        ChangeFile::FunctionsReserved { tier, concurrency } => {
            name_combo_ui(ui, ("change_tier", id), tier, &names.tiers, "The tier whose tenants reserve concurrency");
            form::count_ui(ui, concurrency, 0..=100_000, " per tenant", "Concurrency reserved per tenant; 0 for none");
        }
        ChangeFile::TierRetry { tier, retry } => {
            name_combo_ui(ui, ("change_tier", id), tier, &names.tiers, "The tier whose clients' retries change");
            let tip = "Its clients retry failed requests; off: they do not";
            let mut on = retry.is_some();
            if ui.checkbox(&mut on, "retry").on_hover_text(tip).changed() {
                *retry = on.then(form::default_retry);
            }
            if let Some(r) = retry {
                let tip = "Most attempts, the first included (1 only with a timeout)";
                form::count_ui(ui, &mut r.attempts, 1..=10, " attempts", tip);
                form::backoff_ui(ui, &mut r.backoff);
                form::jitter_ui(ui, &mut r.jitter, "How the wait is randomised");
                ui.label("budget");
                form::optional_percent_ui(ui, &mut r.budget, 0.1, "Retries allowed per first attempt; off: none");
                ui.label("timeout");
                let tip = "How long a client waits for each attempt before it gives up on it; off: as long as the \
                           queue keeps it";
                form::optional_duration_ui(ui, &mut r.timeout, "1s", tip);
            }
        }
    }
}

fn placement_ui(
    ui: &mut Ui,
    id: (usize, usize),
    design: &mut String,
    key: &mut String,
    placement: &mut PlacementFile,
    layer: &mut Option<LayerName>,
    names: &Names,
) {
    name_combo_ui(ui, ("change_design", id), design, &names.designs, "The design to change");
    let keys: Vec<String> =
        std::iter::once("*".to_owned()).chain(names.tiers.iter().cloned()).chain(names.ids.iter().cloned()).collect();
    name_combo_ui(
        ui,
        ("change_key", id),
        key,
        &keys,
        "Placement key: a tenant id, a tier name or \"*\" (everyone else)",
    );
    let text = match placement {
        PlacementFile::Silo => "Silo",
        PlacementFile::Pool => "Pool",
        PlacementFile::Cells(_) => "Cells",
    };
    egui::ComboBox::from_id_salt(("change_placement", id))
        .selected_text(text)
        .width(60.0)
        .show_ui(ui, |ui| {
            ui.selectable_value(placement, PlacementFile::Silo, "Silo");
            ui.selectable_value(placement, PlacementFile::Pool, "Pool");
            let cells = if let PlacementFile::Cells(k) = placement { *k } else { 4 };
            ui.selectable_value(placement, PlacementFile::Cells(cells), "Cells");
        })
        .response
        .on_hover_text("Silo: a stack per tenant. Pool: one shared stack. Cells: k shared stacks.");
    if let PlacementFile::Cells(k) = placement {
        form::count_ui(ui, k, 1..=10_000, " cells", "Number of cells");
    }
    let layer_text = layer.map_or("every layer", layer_name);
    egui::ComboBox::from_id_salt(("change_layer", id))
        .selected_text(layer_text)
        .width(90.0)
        .show_ui(ui, |ui| {
            ui.selectable_value(layer, None, "every layer");
            for l in LayerName::ALL {
                ui.selectable_value(layer, Some(l), layer_name(l));
            }
        })
        .response
        .on_hover_text("Every layer sets the design's general placement; one layer sets that layer's override");
}

fn layer_name(layer: LayerName) -> &'static str {
    match layer {
        LayerName::Gateway => "Gateway",
        LayerName::Queue => "Queue",
        LayerName::Compute => "Compute",
        LayerName::Database => "Database",
    }
}

fn attribution_ui(ui: &mut Ui, id: (usize, usize), method: &mut AttributionFile) {
    let name = |m: AttributionFile| match m {
        AttributionFile::Proportional => "Proportional",
        AttributionFile::Requests => "Requests",
        AttributionFile::Even => "Even",
        AttributionFile::TierWeights => "Tier weights",
    };
    egui::ComboBox::from_id_salt(("change_attribution", id))
        .selected_text(name(*method))
        .width(110.0)
        .show_ui(ui, |ui| {
            for m in [
                AttributionFile::Proportional,
                AttributionFile::Requests,
                AttributionFile::Even,
                AttributionFile::TierWeights,
            ] {
                ui.selectable_value(method, m, name(m));
            }
        })
        .response
        .on_hover_text("How a shared stack's cost is divided among its tenants");
}

fn spike_combo_ui(ui: &mut Ui, id: (usize, usize), index: &mut usize, names: &Names) {
    let text =
        names.spikes.iter().find(|s| s.index == *index).map_or_else(|| format!("event #{index}"), |s| s.text.clone());
    egui::ComboBox::from_id_salt(("change_spike", id))
        .selected_text(text)
        .width(160.0)
        .show_ui(ui, |ui| {
            for spike in &names.spikes {
                ui.selectable_value(index, spike.index, spike.text.as_str());
            }
            if names.spikes.is_empty() {
                ui.weak("The scenario has no spike: add one on the Events tab");
            }
        })
        .response
        .on_hover_text("The spike event whose factor the step sets");
}
