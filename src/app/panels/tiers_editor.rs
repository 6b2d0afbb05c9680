//! The "Tiers" editor tab: one column per tier (name, price, usage plan,
//! quotas, SLO, weights), so a handful of tiers fits the narrow editor
//! panel; add, duplicate, remove, and add from the published usage-plan
//! presets ([`crate::presets`]). Renaming a tier renames it everywhere the
//! scenario refers to it.

use std::collections::HashMap;

use egui::{RichText, Ui};

use super::form;
use super::style;
use crate::presets::{self, PresetSource, TierPreset};
use crate::scenario::file::{PlanFile, RetryFile, SloFile, TenantEntryFile, TierFile};
use crate::scenario::{FieldErrors, ScenarioFile};

/// A change to the tier list, applied after the table is drawn.
enum TierAction {
    Rename(String, String),
    Duplicate(String),
    Remove(String),
}

/// Draws the tier table and edits `draft` in place.
pub fn tiers_ui(ui: &mut Ui, draft: &mut ScenarioFile, errors: Option<&FieldErrors>) {
    ui.horizontal_wrapped(|ui| {
        if ui.button("Add tier").on_hover_text("A new tier without a usage plan (unthrottled)").clicked() {
            let name = form::unique_name("new-tier", |n| draft.tiers.contains_key(n));
            draft.tiers.insert(name, new_tier(99.0, None));
        }
        ui.menu_button("Add tier from preset ▾", |ui| presets_menu_ui(ui, draft)).response.on_hover_text(
            "Usage plans published in AWS's SaaS reference code, labelled by source: the same tier names carry \
             different numbers in different repositories",
        );
    });
    form::error_mark_ui(ui, errors, "tiers");
    if draft.tiers.is_empty() {
        ui.colored_label(ui.visuals().error_fg_color, "A scenario needs at least one tier.");
        return;
    }
    ui.add_space(4.0);
    let mut action = None;
    form::wide_table_ui(ui, "tiers_scroll", |ui| {
        egui::Grid::new("tiers_grid").striped(true).spacing([10.0, 4.0]).show(ui, |ui| {
            action = table_rows(ui, draft, errors);
        });
    });
    if let Some(action) = action {
        apply(draft, action);
    }
}

fn table_rows(ui: &mut Ui, draft: &mut ScenarioFile, errors: Option<&FieldErrors>) -> Option<TierAction> {
    let mut action = name_row(ui, draft, errors);
    let tip = "What a tenant of this tier pays per month, in USD: the revenue side of margins.";
    field_row(ui, draft, errors, ("Price / month", tip), "price_per_month", |ui, tier| {
        form::money_ui(ui, &mut tier.price_per_month, 1e7, "", tip);
    });
    plan_rows(ui, draft, errors);
    let tip = "SLO: target 99th-percentile latency in ms. A tenant meets its SLO when its p99 is at most this.";
    field_row(ui, draft, errors, ("SLO p99", tip), "slo.p99_ms", |ui, tier| {
        form::number_ui(ui, &mut tier.slo.p99_ms, 0.1..=1e6, " ms", tip);
    });
    let tip = "SLO: largest share of offered requests that may go unserved (throttled at the gateway or dropped \
               by a saturated resource).";
    field_row(ui, draft, errors, ("SLO max unserved", tip), "slo.max_throttled", |ui, tier| {
        form::percent_ui(ui, &mut tier.slo.max_throttled, tip);
    });
    if draft.layers.queue.is_some() {
        let tip = "SLO: the oldest a tenant's message may get in the queue before a consumer takes it (what an alarm \
                   on a queue's oldest-message age watches). Off: no objective on message age.";
        field_row(ui, draft, errors, ("SLO max message age", tip), "slo.max_message_age", |ui, tier| {
            form::optional_duration_ui(ui, &mut tier.slo.max_message_age, "5m", tip);
        });
    }
    let tip = "Fair-share weight: with WeightedFair compute fairness, a shared stack divides its capacity among \
               tenants with work in proportion to this. > 0.";
    field_row(ui, draft, errors, ("Weight", tip), "weight", |ui, tier| {
        form::number_ui(ui, &mut tier.weight, 0.01..=1000.0, "", tip);
    });
    let tip = "Cost weight: with the Tier weights attribution, a shared stack's cost is divided in proportion to \
               this (fixed percentages, as in AWS Cost Categories). ≥ 0.";
    field_row(ui, draft, errors, ("Cost weight", tip), "cost_weight", |ui, tier| {
        form::number_ui(ui, &mut tier.cost_weight, 0.0..=1000.0, "", tip);
    });
    retry_rows(ui, draft, errors);
    ui.label("");
    for name in draft.tiers.keys() {
        ui.horizontal(|ui| {
            if ui.small_button("Copy").on_hover_text(format!("Duplicate \"{name}\" as a new tier")).clicked() {
                action = Some(TierAction::Duplicate(name.clone()));
            }
            let tip = format!(
                "Remove \"{name}\" and its placement entries. Tenants on it keep the name and are flagged until \
                 you choose another tier."
            );
            if ui.small_button("×").on_hover_text(tip).clicked() {
                action = Some(TierAction::Remove(name.clone()));
            }
        });
    }
    ui.end_row();
    action
}

fn name_row(ui: &mut Ui, draft: &ScenarioFile, errors: Option<&FieldErrors>) -> Option<TierAction> {
    form::label_ui(ui, "Tier", "Tier name; renaming it renames it in tenants and placements too");
    let mut action = None;
    for (i, name) in draft.tiers.keys().enumerate() {
        ui.horizontal(|ui| {
            let (rect, _) = ui.allocate_exact_size(egui::vec2(8.0, 8.0), egui::Sense::hover());
            ui.painter().rect_filled(rect, 2.0, style::tier_color(i));
            let id = ui.make_persistent_id(("tier_name", i));
            let tip = "Tier name. Press Enter to rename: tenants and placement entries follow.";
            let width = form::fit_width(ui, name, 80.0, 160.0);
            let (_, committed) = form::commit_text_ui(ui, id, name, width, tip, |new| {
                form::check_name(new, draft.tiers.contains_key(new), "tier")
            });
            if let Some(new) = committed {
                action = Some(TierAction::Rename(name.clone(), new));
            }
            form::error_mark_ui(ui, errors, &format!("tiers.\"{name}\""));
        });
    }
    ui.end_row();
    action
}

fn plan_rows(ui: &mut Ui, draft: &mut ScenarioFile, errors: Option<&FieldErrors>) {
    let tip = "Usage plan enforced at the gateway, as in API Gateway: a per-tenant token bucket, then quotas. \
               Requests beyond it are throttled (HTTP 429). Off: the tier is never throttled per tenant. Needs a \
               gateway layer.";
    field_row(ui, draft, errors, ("Usage plan", tip), "plan", |ui, tier| {
        let mut on = tier.plan.is_some();
        if ui.checkbox(&mut on, "").on_hover_text(tip).changed() {
            tier.plan = on.then_some(PlanFile {
                rate: 100.0,
                burst: 200.0,
                quota_per_day: None,
                quota_per_week: None,
                quota_per_month: None,
            });
        }
    });
    let tip = "Usage plan rate: requests per second the tenant's token bucket refills. API Gateway usage plans \
               throttle with HTTP 429 beyond it. Over any window T a tenant gets at most burst + rate·T through.";
    plan_row(ui, draft, errors, ("  Rate", tip), "rate", |ui, plan| {
        form::number_ui(ui, &mut plan.rate, 0.0..=1e8, " req/s", tip);
    });
    let tip = "Usage plan burst: capacity of the token bucket, in requests. It starts full, so a tenant can send \
               this many at once before the rate limit applies. ≥ 1.";
    plan_row(ui, draft, errors, ("  Burst", tip), "burst", |ui, plan| {
        form::number_ui(ui, &mut plan.burst, 1.0..=1e9, " req", tip);
    });
    for (label, field, period) in [
        ("  Quota / day", "quota_per_day", "day (86,400 s)"),
        ("  Quota / week", "quota_per_week", "week (7 days)"),
        ("  Quota / month", "quota_per_month", "month (30 days)"),
    ] {
        let tip = format!(
            "Requests allowed per {period}, counted from the start of the run. When it is used up the tenant is \
             throttled until the period ends. Tick to set one."
        );
        plan_row(ui, draft, errors, (label, &tip), field, |ui, plan| {
            let quota = match field {
                "quota_per_day" => &mut plan.quota_per_day,
                "quota_per_week" => &mut plan.quota_per_week,
                _ => &mut plan.quota_per_month,
            };
            form::optional_count_ui(ui, quota, 100_000, "", &tip);
        });
    }
}

fn retry_rows(ui: &mut Ui, draft: &mut ScenarioFile, errors: Option<&FieldErrors>) {
    let tip = "Client retries: the tier's clients send a failed request again (throttled, timed out or dropped), \
               up to a number of attempts, after a backoff. Retries are new arrivals that pass every layer again, \
               so they add load where it already failed. Off: a failed request is lost. Runs the per-request \
               engine.";
    field_row(ui, draft, errors, ("Client retries", tip), "retry", |ui, tier| {
        let mut on = tier.retry.is_some();
        if ui.checkbox(&mut on, "").on_hover_text(tip).changed() {
            tier.retry = on.then(form::default_retry);
        }
    });
    let tip = "Most attempts of one request, the first included (1 to 10; 1, with a client timeout, gives up \
               without retrying). AWS SDKs make 3 by default.";
    retry_row(ui, draft, errors, ("  Attempts", tip), "attempts", |ui, retry| {
        form::count_ui(ui, &mut retry.attempts, 1..=10, "", tip);
    });
    let tip = "The wait before each retry: the same every time, or doubling from a base up to a cap.";
    retry_row(ui, draft, errors, ("  Backoff", tip), "backoff", |ui, retry| {
        form::backoff_ui(ui, &mut retry.backoff);
    });
    let tip = "How the wait is randomised: None (exactly the backoff), Full (uniform from zero to the backoff) or \
               Equal (half the backoff plus a uniform share of the other half).";
    retry_row(ui, draft, errors, ("  Jitter", tip), "jitter", |ui, retry| {
        form::jitter_ui(ui, &mut retry.jitter, tip);
    });
    let tip = "Retry budget: retries allowed per first attempt over time (each first attempt adds this share of a \
               token, each retry takes one; ten tokens at most). Off: every failure is retried up to the attempts.";
    retry_row(ui, draft, errors, ("  Retry budget", tip), "budget", |ui, retry| {
        form::optional_percent_ui(ui, &mut retry.budget, 0.1, tip);
    });
    let tip = "Client timeout: how long a client waits for each attempt before it gives up on it (and retries it if \
               attempts are left). The server does not know: it still serves the attempt, for nobody (wasted work). \
               Off: clients wait as long as the queue keeps the request.";
    retry_row(ui, draft, errors, ("  Client timeout", tip), "timeout", |ui, retry| {
        form::optional_duration_ui(ui, &mut retry.timeout, "1s", tip);
    });
}

/// A row of a retry-policy field; tiers whose clients do not retry show a
/// dash.
fn retry_row(
    ui: &mut Ui,
    draft: &mut ScenarioFile,
    errors: Option<&FieldErrors>,
    label: (&str, &str),
    field: &str,
    cell: impl FnMut(&mut Ui, &mut RetryFile),
) {
    let off = "No retries: tick \"Client retries\" to have this tier's clients retry";
    section_row(ui, draft, errors, label, ("retry", field, off), |tier| &mut tier.retry, cell);
}

/// A row of a field of an optional section of a tier (`section.field`):
/// tiers without the section show a dash that says how to add it (`off`).
fn section_row<S>(
    ui: &mut Ui,
    draft: &mut ScenarioFile,
    errors: Option<&FieldErrors>,
    label: (&str, &str),
    (section, field, off): (&str, &str, &str),
    of: impl Fn(&mut TierFile) -> &mut Option<S>,
    mut cell: impl FnMut(&mut Ui, &mut S),
) {
    field_row(ui, draft, errors, label, &format!("{section}.{field}"), |ui, tier| match of(tier) {
        Some(value) => cell(ui, value),
        None => {
            ui.weak("—").on_hover_text(off);
        }
    });
}

/// One row of the table: a label, then one cell per tier with the
/// resolver's mark for `tiers."name".field`.
fn field_row(
    ui: &mut Ui,
    draft: &mut ScenarioFile,
    errors: Option<&FieldErrors>,
    (label, tip): (&str, &str),
    field: &str,
    mut cell: impl FnMut(&mut Ui, &mut TierFile),
) {
    form::label_ui(ui, label, tip);
    for (name, tier) in &mut draft.tiers {
        ui.horizontal(|ui| {
            cell(ui, tier);
            form::error_mark_ui(ui, errors, &format!("tiers.\"{name}\".{field}"));
        });
    }
    ui.end_row();
}

/// A row of a usage-plan field; tiers without a plan show a dash.
fn plan_row(
    ui: &mut Ui,
    draft: &mut ScenarioFile,
    errors: Option<&FieldErrors>,
    label: (&str, &str),
    field: &str,
    cell: impl FnMut(&mut Ui, &mut PlanFile),
) {
    let off = "No usage plan: tick \"Usage plan\" to throttle this tier";
    section_row(ui, draft, errors, label, ("plan", field, off), |tier| &mut tier.plan, cell);
}

fn presets_menu_ui(ui: &mut Ui, draft: &mut ScenarioFile) {
    for source in presets::SOURCES {
        ui.menu_button(source.name, |ui| preset_source_ui(ui, draft, source));
    }
}

fn preset_source_ui(ui: &mut Ui, draft: &mut ScenarioFile, source: &PresetSource) {
    ui.label(RichText::new(source.repository).small().monospace());
    ui.label(RichText::new(source.file).small().monospace());
    ui.weak("Prices are not published there: set your own.");
    ui.separator();
    for preset in source.tiers {
        let text = format!(
            "{}: {} req/s, burst {}, {} / day",
            preset.tier, preset.rate_per_sec, preset.burst, preset.quota_per_day
        );
        let tip = "Adds a tier with this usage plan (renamed with -2, -3… if the name is taken)";
        if ui.button(text).on_hover_text(tip).clicked() {
            add_preset(draft, preset);
        }
    }
    if ui.button(format!("All {} tiers", source.tiers.len())).clicked() {
        for preset in source.tiers {
            add_preset(draft, preset);
        }
    }
}

fn add_preset(draft: &mut ScenarioFile, preset: &TierPreset) {
    let name = form::unique_name(preset.tier, |n| draft.tiers.contains_key(n));
    let plan = PlanFile {
        rate: preset.rate_per_sec,
        burst: preset.burst,
        quota_per_day: Some(preset.quota_per_day),
        quota_per_week: None,
        quota_per_month: None,
    };
    draft.tiers.insert(name, new_tier(0.0, Some(plan)));
}

fn new_tier(price_per_month: f64, plan: Option<PlanFile>) -> TierFile {
    TierFile { price_per_month, plan, slo: SloFile::default(), weight: 1.0, cost_weight: 1.0, retry: None }
}

fn apply(draft: &mut ScenarioFile, action: TierAction) {
    match action {
        TierAction::Rename(old, new) => rename_tier(draft, &old, &new),
        TierAction::Duplicate(name) => {
            let Some((index, _, tier)) = draft.tiers.get_full(&name) else { return };
            let tier = tier.clone();
            let copy = form::unique_name(&format!("{name}-copy"), |n| draft.tiers.contains_key(n));
            draft.tiers.shift_insert(index + 1, copy, tier);
        }
        TierAction::Remove(name) => {
            draft.tiers.shift_remove(&name);
            form::remove_placement_key(draft, &name);
        }
    }
}

/// Renames a tier in the tier map (keeping its position), in every tenant
/// entry on it, in every placement key and in the lesson's references. Does nothing when `new` is
/// already a tier.
pub fn rename_tier(file: &mut ScenarioFile, old: &str, new: &str) {
    if old == new || file.tiers.contains_key(new) || !file.tiers.contains_key(old) {
        return;
    }
    let renames = HashMap::from([(old.to_owned(), new.to_owned())]);
    form::rename_keys(&mut file.tiers, &renames);
    for entry in &mut file.tenants {
        let (TenantEntryFile::Tenant { tier, .. } | TenantEntryFile::Group { tier, .. }) = entry;
        if tier == old {
            new.clone_into(tier);
        }
    }
    for design in &mut file.designs {
        for map in form::placement_maps_mut(design) {
            form::rename_keys(map, &renames);
        }
    }
    form::rename_in_lesson(file.lesson.as_mut(), form::NameKind::Tier, &renames);
}

#[cfg(test)]
mod tests {
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;

    use super::super::form::testing;
    use super::*;
    use crate::scenario::file::PlacementFile;

    fn harness(file: ScenarioFile) -> Harness<'static, ScenarioFile> {
        testing::harness([900.0, 700.0], |ui, file: &mut ScenarioFile| tiers_ui(ui, file, None), file)
    }

    #[test]
    fn renaming_a_tier_renames_tenants_and_placements() {
        let mut file = crate::app::empty_scenario();
        file.designs[0].placement.insert("premium".into(), PlacementFile::Silo);
        let mut harness = harness(file);
        harness.run();
        testing::retype(&mut harness, "premium", "gold");
        assert!(harness.state().tiers.contains_key("premium"), "nothing renamed before Enter");
        harness.key_press(egui::Key::Enter);
        harness.run();
        let file = harness.state();
        assert_eq!(file.tiers.keys().collect::<Vec<_>>(), ["basic", "gold"]);
        let TenantEntryFile::Tenant { tier, .. } = &file.tenants[0] else { panic!("tenant") };
        assert_eq!(tier, "gold");
        assert_eq!(file.designs[0].placement.get("gold"), Some(&PlacementFile::Silo));
        assert!(!file.designs[0].placement.contains_key("premium"));
    }

    #[test]
    fn a_rename_to_a_taken_name_is_refused() {
        let mut harness = harness(crate::app::empty_scenario());
        harness.run();
        testing::retype(&mut harness, "premium", "basic");
        assert!(harness.query_by_label_contains("already called").is_some(), "the clash is shown while typing");
        harness.key_press(egui::Key::Enter);
        harness.run();
        assert_eq!(harness.state().tiers.keys().collect::<Vec<_>>(), ["basic", "premium"]);
    }

    #[test]
    fn add_tier_and_preset_add_columns() {
        let mut harness = harness(crate::app::empty_scenario());
        harness.run();
        harness.get_by_label("Add tier").click();
        harness.run();
        assert!(harness.state().tiers.contains_key("new-tier"));
        harness.get_by_label("Add tier from preset ▾").click();
        harness.run();
        harness.get_by_label("ECS SaaS reference").click();
        harness.run();
        harness.get_by_label("All 3 tiers").click();
        harness.run();
        let tiers = &harness.state().tiers;
        assert_eq!(
            tiers.keys().collect::<Vec<_>>(),
            ["basic", "premium", "new-tier", "basic-2", "advanced", "premium-2"]
        );
        let plan = tiers.get("advanced").and_then(|t| t.plan.clone());
        assert_eq!(plan.map(|p| (p.rate, p.burst, p.quota_per_day)), Some((75.0, 100.0, Some(2000))));
    }

    #[test]
    fn duplicate_and_remove() {
        let mut harness = harness(crate::app::empty_scenario());
        harness.run();
        harness.get_all_by_label("Copy").next().unwrap_or_else(|| panic!("duplicate button")).click();
        harness.run();
        assert_eq!(harness.state().tiers.keys().collect::<Vec<_>>(), ["basic", "basic-copy", "premium"]);
        harness.get_all_by_label("×").last().unwrap_or_else(|| panic!("remove button")).click();
        harness.run();
        assert_eq!(harness.state().tiers.keys().collect::<Vec<_>>(), ["basic", "basic-copy"]);
    }
}
