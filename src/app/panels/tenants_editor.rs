//! The "Tenants" editor tab: one row per tenant or group (id or prefix,
//! count, tier, rate, pattern, database fields, spread) with a small
//! preview of its load over the run. Renaming a tenant or a group renames
//! its ids in placements and spikes; clicking a tenant's id follows it in
//! the results.

use std::collections::{HashMap, HashSet};

use egui::{RichText, Ui};

use super::form;
use crate::app::Command;
use crate::scenario::file::{EventFile, LoadFile, PatternFile, SpreadFile, TenantEntryFile};
use crate::scenario::{FieldErrors, ScenarioFile};

mod load;

use load::{pattern_ui, preview_ui, spread_cell};

/// A change to the tenant list, applied after the table is drawn.
enum TenantAction {
    /// New id (tenant) or prefix (group) for an entry.
    Rename(usize, String),
    /// A group's count changed from the given value (ids may be re-padded).
    Recount(usize, u32),
    Duplicate(usize),
    Remove(usize),
}

/// Draws the tenant table and edits `draft` in place; clicking a tenant's
/// id pushes [`Command::SelectTenant`].
pub fn tenants_ui(
    ui: &mut Ui,
    draft: &mut ScenarioFile,
    errors: Option<&FieldErrors>,
    selected: Option<&str>,
    commands: &mut Vec<Command>,
) {
    toolbar_ui(ui, draft);
    form::error_mark_ui(ui, errors, "tenants");
    let selected_row = selected.and_then(|id| draft.tenants.iter().position(|e| entry_has(e, id))).map(|i| i + 1);
    let id_width = draft.tenants.iter().map(|e| form::fit_width(ui, entry_name(e), 80.0, 180.0)).fold(80.0, f32::max);
    let mut action = None;
    let mut id_cells: Vec<egui::Rect> = Vec::with_capacity(draft.tenants.len());
    form::wide_table_ui(ui, "tenants_scroll", |ui| {
        egui::Grid::new("tenants_grid")
            .spacing([8.0, 4.0])
            .with_row_color(move |row, style| {
                if Some(row) == selected_row {
                    Some(style.visuals.selection.bg_fill.gamma_multiply(0.35))
                } else {
                    (row % 2 == 0).then_some(style.visuals.faint_bg_color)
                }
            })
            .show(ui, |ui| {
                header_ui(ui);
                for index in 0..draft.tenants.len() {
                    if let Some(a) = entry_row(ui, draft, (index, id_width), errors, &mut id_cells, commands) {
                        action = Some(a);
                    }
                }
            });
        pinned_ids_ui(ui, draft, &id_cells, selected_row, commands);
    });
    if let Some(action) = action {
        apply(draft, action);
    }
}

/// The names of the rows whose id cell is scrolled out of view, drawn at
/// the left edge over the other columns (a click there selects the
/// tenant), so a wide table never loses whose row is whose.
fn pinned_ids_ui(
    ui: &mut Ui,
    draft: &ScenarioFile,
    id_cells: &[egui::Rect],
    selected_row: Option<usize>,
    commands: &mut Vec<Command>,
) {
    let left = ui.clip_rect().left();
    let visuals = ui.visuals().clone();
    for (i, (cell, entry)) in id_cells.iter().zip(&draft.tenants).enumerate() {
        let rect = egui::Rect::from_min_size(egui::pos2(left, cell.top()), egui::vec2(cell.width(), cell.height()));
        if cell.left() >= left - 0.5 || !ui.is_rect_visible(rect) {
            continue;
        }
        let response = ui.interact(rect, ui.scope_id().with(("pinned_tenant", i)), egui::Sense::click());
        let painter = ui.painter();
        painter.rect_filled(rect, 0.0, visuals.panel_fill);
        if selected_row == Some(i + 1) {
            painter.rect_filled(rect, 0.0, visuals.selection.bg_fill.gamma_multiply(0.35));
        }
        painter.vline(rect.right(), rect.y_range(), visuals.widgets.noninteractive.bg_stroke);
        let name = entry_name(entry);
        let font = egui::TextStyle::Body.resolve(ui.style());
        painter.text(
            rect.left_center() + egui::vec2(4.0, 0.0),
            egui::Align2::LEFT_CENTER,
            name,
            font,
            visuals.strong_text_color(),
        );
        if response.on_hover_text("Scroll left to edit the name; click to follow it in the results").clicked() {
            // A group: its first tenant (ids are padded to the group's size).
            let id = match entry {
                TenantEntryFile::Tenant { id, .. } => Some(id.clone()),
                TenantEntryFile::Group { prefix, count, .. } => form::group_ids(prefix, *count).into_iter().next(),
            };
            if let Some(id) = id {
                commands.push(Command::SelectTenant(Some(id)));
            }
        }
    }
}

fn toolbar_ui(ui: &mut Ui, draft: &mut ScenarioFile) {
    ui.horizontal_wrapped(|ui| {
        let tier = draft.tiers.keys().next().cloned().unwrap_or_default();
        if ui.button("Add tenant").on_hover_text("One named tenant on the first tier, 10 req/s constant").clicked() {
            let ids: HashSet<String> = form::tenant_ids(draft).into_iter().collect();
            let id = form::unique_name("tenant", |n| ids.contains(n));
            draft.tenants.push(TenantEntryFile::Tenant { id, tier, load: new_load(10.0) });
        } else if ui
            .button("Add group")
            .on_hover_text("Ten similar tenants named group-00 … group-09, 5 req/s each on average")
            .clicked()
        {
            let prefix = unique_prefix(draft, "group", 10);
            draft.tenants.push(TenantEntryFile::Group {
                prefix,
                count: 10,
                tier,
                load: new_load(5.0),
                spread: SpreadFile::Fixed,
            });
        }
        let total: u64 = draft.tenants.iter().map(|e| u64::from(entry_count(e))).sum();
        ui.weak(format!("{} entries, {total} tenants", draft.tenants.len()));
    });
}

fn header_ui(ui: &mut Ui) {
    for (label, tip) in [
        ("", "Duplicate or remove the row"),
        (
            "Tenant / group",
            "A tenant's unique id, or a group's prefix (its tenants are prefix-00, prefix-01, …). \
          Press Enter to rename: placements and spikes follow. Click a tenant's id to follow it in the results.",
        ),
        ("Count", "How many tenants a group stands for (1 for a named tenant)"),
        ("Load over the run", "Offered requests per second over the run: rate × pattern × spikes"),
        ("Tier", "The commercial tier: price, usage plan, SLO and weights come from it"),
        ("Rate", "Base request rate in requests per second (for a group: the mean per tenant)"),
        ("Pattern", "Shape of the load over time; multiplies the rate"),
        ("Reads", "Share of requests that read from the database; the rest write"),
        ("Item", "Item size per request in KB: a read costs ⌈KB/4⌉ read units, a write ⌈KB⌉ write units"),
        ("Data", "Data stored, in GB, billed by the database's storage price"),
        (
            "Key shards",
            "Partition keys the tenant's items spread over; 1 = keyed by tenant, so all its traffic \
          hits one partition (the hot-partition risk in a pooled table)",
        ),
        ("Hot key", "Share of the tenant's database traffic on its hottest key shard (default: an even spread)"),
        ("Spread", "How a group's individual rates vary around its mean (drawn once from the seed)"),
    ] {
        ui.strong(label).on_hover_text(tip);
    }
    ui.end_row();
}

fn entry_row(
    ui: &mut Ui,
    draft: &mut ScenarioFile,
    (i, id_width): (usize, f32),
    errors: Option<&FieldErrors>,
    id_cells: &mut Vec<egui::Rect>,
    commands: &mut Vec<Command>,
) -> Option<TenantAction> {
    let path = format!("tenants[{i}]");
    let mut action = actions_ui(ui, draft, i);
    let id = ui.scope(|ui| id_cell(ui, &draft.tenants, (i, id_width), errors, commands));
    id_cells.push(id.response.rect);
    if let Some(a) = id.inner {
        action = Some(a);
    }
    let ScenarioFile { tenants, tiers, clock, events, .. } = draft;
    let entry = tenants.get_mut(i)?;
    ui.horizontal(|ui| match entry {
        TenantEntryFile::Tenant { .. } => {
            ui.weak("1");
        }
        TenantEntryFile::Group { count, .. } => {
            let before = *count;
            form::count_ui(ui, count, 1..=20_000, "", "How many tenants this group stands for");
            if *count != before {
                action = Some(TenantAction::Recount(i, before));
            }
            form::error_mark_ui(ui, errors, &format!("{path}.count"));
        }
    });
    let entry = tenants.get(i)?;
    let (TenantEntryFile::Tenant { tier, load, .. } | TenantEntryFile::Group { tier, load, .. }) = entry;
    preview_ui(ui, entry, load, clock, events, tiers.get_index_of(tier.as_str()));
    let (TenantEntryFile::Tenant { tier, load, .. } | TenantEntryFile::Group { tier, load, .. }) =
        tenants.get_mut(i)?;
    ui.horizontal(|ui| {
        tier_combo_ui(ui, tier, tiers.keys(), i);
        form::error_mark_ui(ui, errors, &format!("{path}.tier"));
    });
    ui.horizontal(|ui| {
        let tip = "Base request rate, requests per second; arrivals are Poisson at the current rate";
        form::number_ui(ui, &mut load.rate, 0.0..=1e8, " req/s", tip);
        form::error_mark_ui(ui, errors, &format!("{path}.load.rate"));
    });
    ui.horizontal(|ui| {
        pattern_ui(ui, &mut load.pattern);
        form::error_mark_under_ui(ui, errors, &format!("{path}.load.pattern"));
    });
    database_cells(ui, &mut tenants[i], &path, errors);
    spread_cell(ui, &mut tenants[i], &path, errors);
    ui.end_row();
    action
}

fn actions_ui(ui: &mut Ui, draft: &ScenarioFile, i: usize) -> Option<TenantAction> {
    let mut action = None;
    let name = draft.tenants.get(i).map_or("", entry_name);
    ui.horizontal(|ui| {
        if ui.small_button("Copy").on_hover_text(format!("Duplicate \"{name}\" with a new id")).clicked() {
            action = Some(TenantAction::Duplicate(i));
        }
        let tip = format!("Remove \"{name}\", with its placement entries and spikes");
        if ui.small_button("×").on_hover_text(tip).clicked() {
            action = Some(TenantAction::Remove(i));
        }
    });
    action
}

fn id_cell(
    ui: &mut Ui,
    tenants: &[TenantEntryFile],
    (i, width): (usize, f32),
    errors: Option<&FieldErrors>,
    commands: &mut Vec<Command>,
) -> Option<TenantAction> {
    let entry = tenants.get(i)?;
    let mut action = None;
    ui.horizontal(|ui| {
        let id = ui.make_persistent_id(("tenant_id", i));
        let (response, committed) = match entry {
            TenantEntryFile::Tenant { id: tenant, .. } => {
                let tip =
                    format!("Tenant id. Click to follow \"{tenant}\" in the results; Enter renames it everywhere.");
                form::commit_text_ui(ui, id, tenant, width, &tip, |new| {
                    form::check_name(new, id_taken(tenants, i, &[new.to_owned()]), "tenant")
                })
            }
            TenantEntryFile::Group { prefix, count, .. } => {
                let tip = format!(
                    "Group prefix: its tenants are {prefix}-{:02} … Click to follow the first one in the results; \
                     Enter renames them everywhere.",
                    0
                );
                form::commit_text_ui(ui, id, prefix, width, &tip, |new| {
                    form::check_name(new, id_taken(tenants, i, &form::group_ids(new, *count)), "tenant or group")
                })
            }
        };
        if response.gained_focus()
            && let Some(first) = first_id(entry)
        {
            commands.push(Command::SelectTenant(Some(first)));
        }
        if let Some(new) = committed {
            action = Some(TenantAction::Rename(i, new));
        }
        let key = if matches!(entry, TenantEntryFile::Tenant { .. }) { "id" } else { "prefix" };
        form::error_mark_ui(ui, errors, &format!("tenants[{i}].{key}"));
        if let TenantEntryFile::Tenant { id, .. } = entry {
            form::error_mark_ui(ui, errors, &format!("tenants.\"{id}\""));
        }
    });
    action
}

fn tier_combo_ui<'a>(ui: &mut Ui, tier: &mut String, names: impl Iterator<Item = &'a String> + Clone, i: usize) {
    let known = names.clone().any(|n| n == tier);
    let shown = if known {
        RichText::new(tier.as_str())
    } else {
        RichText::new(tier.as_str()).color(ui.visuals().error_fg_color)
    };
    egui::ComboBox::from_id_salt(("tenant_tier", i))
        .selected_text(shown)
        .width(84.0)
        .show_ui(ui, |ui| {
            for name in names {
                ui.selectable_value(tier, name.clone(), name.as_str());
            }
        })
        .response
        .on_hover_text("Tier: price, usage plan, SLO and weights come from it");
}

fn database_cells(ui: &mut Ui, entry: &mut TenantEntryFile, path: &str, errors: Option<&FieldErrors>) {
    let (TenantEntryFile::Tenant { load, .. } | TenantEntryFile::Group { load, .. }) = entry;
    ui.horizontal(|ui| {
        form::percent_ui(ui, &mut load.read_fraction, "Share of requests that read; the rest write");
        form::error_mark_ui(ui, errors, &format!("{path}.load.read_fraction"));
    });
    ui.horizontal(|ui| {
        let tip = "Item size per request in KB (at most 400): a read costs ⌈KB/4⌉ read units, a write ⌈KB⌉ write units";
        form::number_ui(ui, &mut load.item_kb, 0.001..=400.0, " KB", tip);
        form::error_mark_ui(ui, errors, &format!("{path}.load.item_kb"));
    });
    ui.horizontal(|ui| {
        form::number_ui(ui, &mut load.data_gb, 0.0..=1e7, " GB", "Data stored, billed per GB-month");
        form::error_mark_ui(ui, errors, &format!("{path}.load.data_gb"));
    });
    ui.horizontal(|ui| {
        let tip = "Partition keys the items spread over (1 to 1,000). 1 = keyed by tenant: all its database \
                   traffic hits one partition";
        form::count_ui(ui, &mut load.key_shards, 1..=1000, "", tip);
        form::error_mark_ui(ui, errors, &format!("{path}.load.key_shards"));
    });
    ui.horizontal(|ui| {
        let tip = "Share of the traffic on the hottest key shard, between 1/key shards and 100 %. Off: an even spread.";
        let mut on = load.hot_key_share.is_some();
        if ui.checkbox(&mut on, "").on_hover_text(tip).changed() {
            load.hot_key_share = on.then_some(1.0);
        }
        if let Some(share) = &mut load.hot_key_share {
            form::percent_ui(ui, share, tip);
        }
        form::error_mark_ui(ui, errors, &format!("{path}.load.hot_key_share"));
    });
}

fn new_load(rate: f64) -> LoadFile {
    LoadFile {
        rate,
        pattern: PatternFile::Constant,
        read_fraction: 0.8,
        item_kb: 1.0,
        data_gb: 1.0,
        key_shards: 1,
        hot_key_share: None,
    }
}

fn entry_name(entry: &TenantEntryFile) -> &str {
    match entry {
        TenantEntryFile::Tenant { id, .. } => id,
        TenantEntryFile::Group { prefix, .. } => prefix,
    }
}

fn entry_count(entry: &TenantEntryFile) -> u32 {
    match entry {
        TenantEntryFile::Tenant { .. } => 1,
        TenantEntryFile::Group { count, .. } => *count,
    }
}

fn entry_ids(entry: &TenantEntryFile) -> Vec<String> {
    match entry {
        TenantEntryFile::Tenant { id, .. } => vec![id.clone()],
        TenantEntryFile::Group { prefix, count, .. } => form::group_ids(prefix, *count),
    }
}

fn first_id(entry: &TenantEntryFile) -> Option<String> {
    match entry {
        TenantEntryFile::Tenant { id, .. } => Some(id.clone()),
        TenantEntryFile::Group { prefix, count, .. } => form::group_ids(prefix, (*count).min(1)).pop(),
    }
}

/// True when the entry is, or generates, the tenant `id`.
fn entry_has(entry: &TenantEntryFile, id: &str) -> bool {
    match entry {
        TenantEntryFile::Tenant { id: own, .. } => own == id,
        TenantEntryFile::Group { prefix, count, .. } => form::is_group_member(id, prefix, *count),
    }
}

/// True when an entry other than `except` already has one of `ids`.
fn id_taken(tenants: &[TenantEntryFile], except: usize, ids: &[String]) -> bool {
    tenants.iter().enumerate().any(|(j, e)| j != except && ids.iter().any(|id| entry_has(e, id)))
}

fn unique_prefix(draft: &ScenarioFile, base: &str, count: u32) -> String {
    form::unique_name(base, |p| id_taken(&draft.tenants, usize::MAX, &form::group_ids(p, count)))
}

fn apply(draft: &mut ScenarioFile, action: TenantAction) {
    match action {
        TenantAction::Rename(i, new) => {
            let Some(entry) = draft.tenants.get_mut(i) else { return };
            let old_ids = entry_ids(entry);
            match entry {
                TenantEntryFile::Tenant { id, .. } => id.clone_from(&new),
                TenantEntryFile::Group { prefix, .. } => {
                    let prefixes = HashMap::from([(std::mem::replace(prefix, new.clone()), new)]);
                    form::rename_in_lesson(draft.lesson.as_mut(), form::NameKind::Group, &prefixes);
                }
            }
            let Some(entry) = draft.tenants.get(i) else { return };
            let renames: HashMap<String, String> = old_ids.into_iter().zip(entry_ids(entry)).collect();
            form::rename_references(draft, &renames);
            form::rename_in_lesson(draft.lesson.as_mut(), form::NameKind::Tenant, &renames);
        }
        TenantAction::Recount(i, before) => {
            let Some(TenantEntryFile::Group { prefix, count, .. }) = draft.tenants.get(i) else { return };
            let renames: HashMap<String, String> =
                form::group_ids(prefix, before).into_iter().zip(form::group_ids(prefix, *count)).collect();
            form::rename_references(draft, &renames);
            form::rename_in_lesson(draft.lesson.as_mut(), form::NameKind::Tenant, &renames);
        }
        TenantAction::Duplicate(i) => {
            let Some(mut copy) = draft.tenants.get(i).cloned() else { return };
            match &mut copy {
                TenantEntryFile::Tenant { id, .. } => {
                    *id = form::unique_name(&format!("{id}-copy"), |n| {
                        id_taken(&draft.tenants, usize::MAX, &[n.to_owned()])
                    });
                }
                TenantEntryFile::Group { prefix, count, .. } => {
                    *prefix = unique_prefix(draft, &format!("{prefix}-copy"), *count);
                }
            }
            draft.tenants.insert(i + 1, copy);
        }
        TenantAction::Remove(i) => {
            if i >= draft.tenants.len() {
                return;
            }
            let ids = entry_ids(&draft.tenants.remove(i));
            for id in &ids {
                form::remove_placement_key(draft, id);
            }
            draft.events.retain(|e| !matches!(e, EventFile::Spike { tenant, .. } if ids.contains(tenant)));
        }
    }
}

#[cfg(test)]
mod tests {
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;

    use super::super::form::testing;
    use super::*;
    use crate::scenario::file::PlacementFile;
    use crate::scenario::{self, Limits};
    use crate::units::DurationText;

    type State = (ScenarioFile, Vec<Command>);

    fn harness(file: ScenarioFile) -> Harness<'static, State> {
        testing::harness(
            [1400.0, 600.0],
            |ui, (file, commands): &mut State| tenants_ui(ui, file, None, None, commands),
            (file, Vec::new()),
        )
    }

    #[test]
    fn scrolled_sideways_the_names_stay_at_the_left_and_a_click_selects() {
        let mut harness = testing::harness(
            [360.0, 400.0],
            |ui, (file, commands): &mut State| tenants_ui(ui, file, None, None, commands),
            (noisy(), Vec::new()),
        );
        harness.run();
        assert!(harness.query_by_label_contains("Scroll left to edit").is_none(), "nothing pinned unscrolled");
        // Scroll to the far right, as Shift+wheel would.
        for _ in 0..40 {
            harness.event(egui::Event::MouseWheel {
                unit: egui::MouseWheelUnit::Point,
                delta: egui::vec2(-200.0, 0.0),
                modifiers: egui::Modifiers::NONE,
                phase: egui::TouchPhase::Move,
                source: egui::MouseWheelSource::Wheel,
            });
            harness.hover_at(egui::pos2(180.0, 120.0));
            harness.step();
        }
        harness.run();
        let pinned: Vec<_> = harness.query_all_by_label_contains("Scroll left to edit").collect();
        assert_eq!(pinned.len(), noisy().tenants.len(), "one pinned name per row");
        pinned[0].click();
        harness.run();
        assert!(
            harness.state().1.iter().any(|c| matches!(c, Command::SelectTenant(Some(id)) if id == "acme")),
            "{:?}",
            harness.state().1
        );
    }

    fn noisy() -> ScenarioFile {
        scenario::parse_str(crate::bundled::DEFAULT.text, &Limits::default()).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn add_tenant_and_add_group_append_rows() {
        let mut harness = harness(crate::app::empty_scenario());
        harness.run();
        harness.get_by_label("Add tenant").click();
        harness.run();
        harness.get_by_label("Add group").click();
        harness.run();
        let tenants = &harness.state().0.tenants;
        assert_eq!(tenants.len(), 4);
        assert!(matches!(&tenants[2], TenantEntryFile::Tenant { id, tier, .. } if id == "tenant" && tier == "basic"));
        assert!(matches!(&tenants[3], TenantEntryFile::Group { prefix, count: 10, .. } if prefix == "group"));
    }

    #[test]
    fn renaming_a_tenant_renames_spikes_and_placement_keys() {
        let mut file = noisy();
        file.designs[0].placement.insert("acme".into(), PlacementFile::Silo);
        file.events.push(EventFile::Spike {
            tenant: "acme".into(),
            at: DurationText::new("5m"),
            duration: DurationText::new("1m"),
            factor: 2.0,
        });
        let mut harness = harness(file);
        harness.run();
        testing::text_input(&harness, "acme").click();
        harness.run();
        assert_eq!(harness.state().1, [Command::SelectTenant(Some("acme".into()))], "clicking the id follows it");
        testing::retype(&mut harness, "acme", "initech");
        harness.key_press(egui::Key::Enter);
        harness.run();
        let file = &harness.state().0;
        assert!(matches!(&file.tenants[0], TenantEntryFile::Tenant { id, .. } if id == "initech"));
        assert_eq!(file.designs[0].placement.get("initech"), Some(&PlacementFile::Silo));
        assert!(matches!(&file.events[1], EventFile::Spike { tenant, .. } if tenant == "initech"));
    }

    #[test]
    fn renaming_a_group_renames_its_generated_ids() {
        let mut harness = harness(noisy());
        harness.run();
        testing::retype(&mut harness, "smb", "small");
        harness.key_press(egui::Key::Enter);
        harness.run();
        let file = &harness.state().0;
        assert!(matches!(&file.events[0], EventFile::Spike { tenant, .. } if tenant == "small-00"));
    }

    #[test]
    fn a_rename_onto_another_tenant_is_refused() {
        let mut harness = harness(noisy());
        harness.run();
        testing::retype(&mut harness, "acme", "globex");
        assert!(harness.query_by_label_contains("already called").is_some(), "the clash is shown while typing");
        harness.key_press(egui::Key::Enter);
        harness.run();
        assert!(matches!(&harness.state().0.tenants[0], TenantEntryFile::Tenant { id, .. } if id == "acme"));
    }

    #[test]
    fn removing_a_group_removes_its_spikes_and_recount_repads_ids() {
        let mut file = noisy();
        apply(&mut file, TenantAction::Recount(2, 15));
        assert!(matches!(&file.events[0], EventFile::Spike { tenant, .. } if tenant == "smb-00"), "same width");
        if let TenantEntryFile::Group { count, .. } = &mut file.tenants[2] {
            *count = 150;
        }
        apply(&mut file, TenantAction::Recount(2, 15));
        assert!(matches!(&file.events[0], EventFile::Spike { tenant, .. } if tenant == "smb-000"));
        let mut harness = harness(file);
        harness.run();
        harness.get_all_by_label("×").last().unwrap_or_else(|| panic!("remove button")).click();
        harness.run();
        assert_eq!(harness.state().0.tenants.len(), 2);
        assert!(harness.state().0.events.is_empty());
    }

    #[test]
    fn editing_a_pattern_in_its_popup() {
        let mut harness = harness(noisy());
        harness.run();
        harness.get_all_by_label("Constant ▾").next().unwrap_or_else(|| panic!("pattern button")).click();
        harness.run();
        harness.get_by_label("Ramp").click();
        harness.run();
        let TenantEntryFile::Tenant { load, .. } = &harness.state().0.tenants[1] else { panic!("tenant") };
        assert!(matches!(load.pattern, PatternFile::Ramp { .. }));
    }
}
