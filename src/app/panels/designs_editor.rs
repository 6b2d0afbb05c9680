//! The "Designs" editor tab: per design its name, overhead and a placement
//! grid. Rows are placement keys ("*", each tier, tenant ids already used
//! as keys); columns are "All layers" (the design's `placement`) and each
//! layer present (its `layers.<layer>` overrides). A cell is Silo, Pool,
//! Cells(k) or "—" (no entry: the tenant falls back to a less specific key
//! or to "All layers"); inherited cells show what applies instead.

use egui::{RichText, Ui};

use super::form;
use super::style;
use crate::scenario::file::{DesignFile, LayerName, LayerPlacementsFile, PlacementFile, PlacementMap, TenantEntryFile};
use crate::scenario::{FieldErrors, ScenarioFile};

const SILO_TIP: &str = "Silo: every tenant this entry matches gets a stack of its own. Full isolation: nobody else's \
                        load reaches it, but every stack costs its minimum capacity and overhead.";
const POOL_TIP: &str = "Pool: all tenants this entry matches share one stack. Cheapest, but a noisy neighbour \
                        raises everyone's latency and can use up shared limits.";
/// Pool, as a tier's or a tenant's own entry reads it.
const OWN_POOL: &str = "Own pool";
const OWN_POOL_TIP: &str = "Own pool: the tenants this row matches share one stack of their own, apart from the pool \
                            of \"*\" (everyone else) and of every other row: a noisy neighbour elsewhere cannot reach \
                            them, one among them can.";
const CELLS_TIP: &str = "Cells(k): k shared stacks. The entry's tenants are dealt round-robin in file order (1st to \
                         cell 1, 2nd to cell 2, …, k+1th to cell 1 again), so a noisy neighbour only hurts its own \
                         cell.";
const INHERIT_TIP: &str = "—: no entry here. For each tenant and layer, tenantsim tries the layer's overrides (tenant \
                           id, then tier, then \"*\"), then All layers in the same order; the first entry found wins. \
                           The grey value shows what applies.";

/// A change to the design list, applied after the designs are drawn.
enum DesignAction {
    Rename(usize, String),
    Duplicate(usize),
    Remove(usize),
}

/// Draws every design and edits `draft` in place.
pub fn designs_ui(ui: &mut Ui, draft: &mut ScenarioFile, errors: Option<&FieldErrors>) {
    quick_add_ui(ui, draft);
    form::error_mark_ui(ui, errors, "designs");
    ui.weak("Each design places every tenant in every layer. Hover a cell to learn what Silo, Pool and Cells mean.");
    let mut action = None;
    for i in 0..draft.designs.len() {
        ui.add_space(6.0);
        ui.push_id(("design", i), |ui| {
            egui::Frame::group(ui.style()).show(ui, |ui| {
                if let Some(a) = design_ui(ui, draft, i, errors) {
                    action = Some(a);
                }
            });
        });
    }
    match action {
        Some(DesignAction::Rename(i, new)) => {
            if let Some(design) = draft.designs.get_mut(i) {
                let renames =
                    std::collections::HashMap::from([(std::mem::replace(&mut design.name, new.clone()), new)]);
                form::rename_in_lesson(draft.lesson.as_mut(), form::NameKind::Design, &renames);
            }
        }
        Some(DesignAction::Duplicate(i)) => {
            if let Some(mut copy) = draft.designs.get(i).cloned() {
                copy.name = unique_design_name(draft, &format!("{}-copy", copy.name));
                draft.designs.insert(i + 1, copy);
            }
        }
        Some(DesignAction::Remove(i)) if i < draft.designs.len() => {
            draft.designs.remove(i);
        }
        _ => {}
    }
}

fn quick_add_ui(ui: &mut Ui, draft: &mut ScenarioFile) {
    let top_tier = draft
        .tiers
        .iter()
        .max_by(|a, b| a.1.price_per_month.total_cmp(&b.1.price_per_month))
        .map(|(name, _)| name.clone());
    ui.horizontal_wrapped(|ui| {
        let mut add = None;
        if ui
            .button("All silo")
            .on_hover_text(format!("Add a design with every tenant siloed.\n\n{SILO_TIP}"))
            .clicked()
        {
            add = Some(("silo", vec![("*".to_owned(), PlacementFile::Silo)]));
        }
        if ui
            .button("All pool")
            .on_hover_text(format!("Add a design with every tenant pooled.\n\n{POOL_TIP}"))
            .clicked()
        {
            add = Some(("pool", vec![("*".to_owned(), PlacementFile::Pool)]));
        }
        if let Some(top) = top_tier {
            let tip = format!("Add a bridge: the most expensive tier (\"{top}\") siloed, everyone else pooled.");
            if ui.button("Bridge (top tier silo)").on_hover_text(tip).clicked() {
                add = Some(("bridge", vec![(top, PlacementFile::Silo), ("*".to_owned(), PlacementFile::Pool)]));
            }
        }
        if ui.button("Cells ×4").on_hover_text(format!("Add a design with four cells.\n\n{CELLS_TIP}")).clicked() {
            add = Some(("cells", vec![("*".to_owned(), PlacementFile::Cells(4))]));
        }
        if let Some((name, placement)) = add {
            let name = unique_design_name(draft, name);
            draft.designs.push(DesignFile {
                name,
                placement: placement.into_iter().collect(),
                layers: LayerPlacementsFile::default(),
                overhead_per_stack_per_month: 0.0,
            });
        }
    });
}

fn unique_design_name(draft: &ScenarioFile, base: &str) -> String {
    form::unique_name(base, |n| draft.designs.iter().any(|d| d.name == n))
}

fn design_ui(ui: &mut Ui, draft: &mut ScenarioFile, i: usize, errors: Option<&FieldErrors>) -> Option<DesignAction> {
    let path = format!("designs[{i}]");
    let mut action = None;
    let rows = row_keys(draft, i);
    let tenant_tiers = tenant_tiers(&draft.tenants, &rows);
    let present = LayerName::ALL.map(|l| draft.layers.has(l));
    let tiers: Vec<String> = draft.tiers.keys().cloned().collect();
    let names: Vec<String> = draft.designs.iter().map(|d| d.name.clone()).collect();
    let design = draft.designs.get_mut(i)?;
    ui.horizontal_wrapped(|ui| {
        let (rect, _) = ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
        ui.painter().rect_filled(rect, 2.0, style::design_color(i, false));
        let tip = "Design name: a column in the results. Unique among designs; press Enter to rename.";
        let id = ui.make_persistent_id("design_name");
        let taken = |new: &str| names.iter().enumerate().any(|(j, n)| j != i && n == new);
        let (_, committed) = form::commit_text_ui(ui, id, &design.name, 110.0, tip, |new| {
            if new.trim().is_empty() {
                Err("a design needs a name".to_owned())
            } else if taken(new) {
                Err(format!("another design is already called \"{new}\""))
            } else {
                Ok(())
            }
        });
        if let Some(new) = committed {
            action = Some(DesignAction::Rename(i, new));
        }
        form::error_mark_ui(ui, errors, &format!("{path}.name"));
        let tip = "Fixed USD per month for every stack of every layer (empty cells included): what makes many \
                   small silos expensive.";
        form::money_ui(ui, &mut design.overhead_per_stack_per_month, 1e6, " / stack-month", tip);
        form::error_mark_ui(ui, errors, &format!("{path}.overhead_per_stack_per_month"));
        if ui.small_button("Copy").on_hover_text("Duplicate this design").clicked() {
            action = Some(DesignAction::Duplicate(i));
        }
        if ui.small_button("×").on_hover_text("Remove this design").clicked() {
            action = Some(DesignAction::Remove(i));
        }
    });
    form::field_error_ui(ui, errors, &format!("{path}.placement"));
    let layers: Vec<LayerName> = LayerName::ALL
        .into_iter()
        .enumerate()
        .filter(|(li, layer)| present[*li] || design.layers.get(*layer).is_some())
        .map(|(_, layer)| layer)
        .collect();
    form::wide_table_ui(ui, "placement_scroll", |ui| {
        egui::Grid::new("placement_grid").striped(true).spacing([6.0, 4.0]).show(ui, |ui| {
            header_ui(ui, &layers, errors, &path);
            for key in &rows {
                let grid_row = GridRow { key, tier: tenant_tiers.get(key).map(String::as_str), path: &path };
                row_ui(ui, design, &grid_row, &layers, errors, tiers.iter().position(|t| t == key));
            }
        });
    });
    add_tenant_row_ui(ui, design, &tenant_tiers, &rows);
    action
}

/// "*", every tier, then every other key used in any map of the design.
fn row_keys(draft: &ScenarioFile, i: usize) -> Vec<String> {
    let mut rows = vec!["*".to_owned()];
    rows.extend(draft.tiers.keys().cloned());
    if let Some(design) = draft.designs.get(i) {
        let l = &design.layers;
        for map in std::iter::once(&design.placement).chain([&l.gateway, &l.compute, &l.database].into_iter().flatten())
        {
            for key in map.keys() {
                if !rows.contains(key) {
                    rows.push(key.clone());
                }
            }
        }
    }
    rows
}

/// Tier of every tenant id in `keys` (and of every tenant, for the add
/// menu), from explicit tenants and groups.
fn tenant_tiers(tenants: &[TenantEntryFile], keys: &[String]) -> indexmap::IndexMap<String, String> {
    let mut tiers = indexmap::IndexMap::new();
    for entry in tenants {
        match entry {
            TenantEntryFile::Tenant { id, tier, .. } => {
                tiers.insert(id.clone(), tier.clone());
            }
            TenantEntryFile::Group { prefix, count, tier, .. } => {
                for id in keys.iter().filter(|k| form::is_group_member(k, prefix, *count)) {
                    tiers.insert(id.clone(), tier.clone());
                }
                if *count <= 50 {
                    for id in form::group_ids(prefix, *count) {
                        tiers.entry(id).or_insert_with(|| tier.clone());
                    }
                }
            }
        }
    }
    tiers
}

fn header_ui(ui: &mut Ui, layers: &[LayerName], errors: Option<&FieldErrors>, path: &str) {
    ui.strong("Tenants")
        .on_hover_text("Which tenants a row's entry matches: a tenant id beats its tier, a tier beats \"*\"");
    ui.strong("All layers").on_hover_text(
        "The design's general placement: applies to every layer, unless a layer's column has an entry for the tenant",
    );
    for layer in layers {
        let name = layer.label();
        ui.horizontal(|ui| {
            ui.strong(format!("{}{}", name[..1].to_uppercase(), &name[1..])).on_hover_text(format!(
                "Overrides for the {name} only: any entry in this column beats every entry of All layers for the \
                 {name}. Empty column: the {name} follows All layers."
            ));
            form::error_mark_ui(ui, errors, &format!("{path}.layers.{name}"));
        });
    }
    ui.end_row();
}

/// What one grid row stands for.
struct GridRow<'a> {
    key: &'a str,
    /// The tier of the tenant, when the key is a tenant id.
    tier: Option<&'a str>,
    /// `designs[i]`.
    path: &'a str,
}

impl GridRow<'_> {
    /// Keys tried for this row's tenants, most specific first.
    fn lookup_keys(&self) -> Vec<&str> {
        let mut keys = vec![self.key];
        if let Some(tier) = self.tier {
            keys.push(tier);
        }
        if self.key != "*" {
            keys.push("*");
        }
        keys
    }
}

fn row_ui(
    ui: &mut Ui,
    design: &mut DesignFile,
    row: &GridRow<'_>,
    layers: &[LayerName],
    errors: Option<&FieldErrors>,
    tier_index: Option<usize>,
) {
    let (text, tip) = match (row.key, row.tier) {
        ("*", _) => ("* (everyone else)".to_owned(), "Tenants that no more specific row matches".to_owned()),
        (key, Some(tier)) => {
            (format!("{key} ({tier})"), format!("The tenant \"{key}\" only: beats its tier and \"*\""))
        }
        (key, None) => (key.to_owned(), format!("Tenants of the tier \"{key}\"")),
    };
    let label = match (tier_index, row.tier) {
        (Some(t), None) => RichText::new(text).color(style::tier_color(t)),
        _ => RichText::new(text),
    };
    ui.label(label).on_hover_text(tip);
    let keys = row.lookup_keys();
    let inherited = keys.iter().skip(1).find_map(|k| design.placement.get(*k).copied());
    let general = design.placement.get(row.key).copied();
    let cell_path = format!("{}.placement.\"{}\"", row.path, row.key);
    let own = row.key != "*";
    if let Some(new) = cell_ui(ui, ("all", row.key), general, inherited, own, errors, &cell_path) {
        set_entry(&mut design.placement, row.key, new);
    }
    for layer in layers {
        let map = design.layers.get(*layer);
        let current = map.and_then(|m| m.get(row.key).copied());
        // What applies without this cell: a less specific key of the layer,
        // then (for the queue) compute's override, then All layers.
        let from_layer = keys.iter().skip(1).find_map(|k| map.and_then(|m| m.get(*k).copied()));
        let from_compute = || {
            let compute = (*layer == LayerName::Queue).then_some(design.layers.compute.as_ref()).flatten();
            keys.iter().find_map(|k| compute.and_then(|m| m.get(*k).copied()))
        };
        let inherited =
            from_layer.or_else(from_compute).or_else(|| keys.iter().find_map(|k| design.placement.get(*k).copied()));
        let cell_path = format!("{}.layers.{}.\"{}\"", row.path, layer.label(), row.key);
        let salt = (layer.label(), row.key);
        if let Some(new) = cell_ui(ui, salt, current, inherited, own, errors, &cell_path) {
            let slot = design.layers.get_mut(*layer);
            set_entry(slot.get_or_insert_with(PlacementMap::new), row.key, new);
            if slot.as_ref().is_some_and(PlacementMap::is_empty) {
                *slot = None;
            }
        }
    }
    ui.end_row();
}

fn set_entry(map: &mut PlacementMap, key: &str, value: Option<PlacementFile>) {
    match value {
        Some(p) => {
            map.insert(key.to_owned(), p);
        }
        None => {
            map.shift_remove(key);
        }
    }
}

fn placement_name(p: PlacementFile) -> String {
    match p {
        PlacementFile::Silo => "Silo".to_owned(),
        PlacementFile::Pool => "Pool".to_owned(),
        PlacementFile::Cells(k) => format!("Cells({k})"),
    }
}

/// One cell: a combo box Silo / Pool / Cells / —, and k for cells. `own`:
/// the row is a tier or a tenant, whose Pool entry is a pool of its own
/// (apart from everyone else's), and says so. Returns the new entry when
/// the user changed it (`Some(None)`: entry removed).
fn cell_ui(
    ui: &mut Ui,
    salt: (&str, &str),
    current: Option<PlacementFile>,
    inherited: Option<PlacementFile>,
    own: bool,
    errors: Option<&FieldErrors>,
    path: &str,
) -> Option<Option<PlacementFile>> {
    let mut value = current;
    let pool = if own { OWN_POOL } else { "Pool" };
    ui.horizontal(|ui| {
        let shown = match (current, inherited) {
            (Some(PlacementFile::Cells(_)), _) => RichText::new("Cells"),
            (Some(PlacementFile::Pool), _) => RichText::new(pool),
            (Some(p), _) => RichText::new(placement_name(p)),
            (None, Some(p)) => RichText::new(format!("— {}", placement_name(p))).weak(),
            (None, None) => RichText::new("—").weak(),
        };
        let tip = match current {
            Some(PlacementFile::Silo) => SILO_TIP,
            Some(PlacementFile::Pool) if own => OWN_POOL_TIP,
            Some(PlacementFile::Pool) => POOL_TIP,
            Some(PlacementFile::Cells(_)) => CELLS_TIP,
            None => INHERIT_TIP,
        };
        let pool_tip = if own { OWN_POOL_TIP } else { POOL_TIP };
        egui::ComboBox::from_id_salt(salt)
            .selected_text(shown)
            .width(84.0)
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut value, None, "—").on_hover_text(INHERIT_TIP);
                ui.selectable_value(&mut value, Some(PlacementFile::Silo), "Silo").on_hover_text(SILO_TIP);
                ui.selectable_value(&mut value, Some(PlacementFile::Pool), pool).on_hover_text(pool_tip);
                let cells = match current {
                    Some(PlacementFile::Cells(k)) => PlacementFile::Cells(k),
                    _ => PlacementFile::Cells(4),
                };
                ui.selectable_value(&mut value, Some(cells), "Cells").on_hover_text(CELLS_TIP);
            })
            .response
            .on_hover_text(tip);
        if let Some(PlacementFile::Cells(k)) = &mut value {
            form::count_ui(ui, k, 1..=1000, "", "k: number of cells (shared stacks) for this entry, 1 to 1,000");
        }
        form::error_mark_ui(ui, errors, path);
    });
    (value != current).then_some(value)
}

/// A menu to add a row for one tenant, so it can be placed apart from its
/// tier (e.g. one big customer siloed in a pooled tier).
fn add_tenant_row_ui(
    ui: &mut Ui,
    design: &mut DesignFile,
    tenant_tiers: &indexmap::IndexMap<String, String>,
    rows: &[String],
) {
    let candidates: Vec<&String> = tenant_tiers.keys().filter(|id| !rows.contains(id)).take(200).collect();
    if candidates.is_empty() {
        return;
    }
    let mut picked = None;
    egui::ComboBox::from_id_salt("add_tenant_row")
        .selected_text("Place one tenant apart…")
        .width(180.0)
        .show_ui(ui, |ui| {
            for id in candidates {
                if ui.selectable_label(false, id.as_str()).clicked() {
                    picked = Some(id.clone());
                }
            }
        })
        .response
        .on_hover_text("Adds a row for one tenant, siloed to start with: a tenant-id entry beats its tier and \"*\"");
    if let Some(id) = picked {
        design.placement.insert(id, PlacementFile::Silo);
    }
}

#[cfg(test)]
mod tests {
    use egui_kittest::kittest::Queryable;

    use super::super::form::testing;
    use super::*;

    fn harness(file: ScenarioFile) -> egui_kittest::Harness<'static, ScenarioFile> {
        testing::harness([900.0, 900.0], |ui, file: &mut ScenarioFile| designs_ui(ui, file, None), file)
    }

    /// Opens the combo box of a cell (found by its tooltip, in grid order)
    /// and picks `option`.
    fn pick(harness: &mut egui_kittest::Harness<'static, ScenarioFile>, tip: &str, nth: usize, option: &str) {
        harness.get_all_by_label(tip).nth(nth).unwrap_or_else(|| panic!("cell {nth}")).click();
        harness.run();
        harness.get_by_label(option).click();
        harness.run();
    }

    #[test]
    fn per_layer_cells_write_the_layer_map_and_all_layers_the_placement() {
        let mut file = crate::app::empty_scenario();
        file.designs.truncate(1);
        let mut harness = harness(file);
        harness.run();
        // Grid order for the pool design: row "*" has All=Pool, Gateway=—, Compute=—;
        // row "basic" has —, —, —; row "premium" the same. Inherited cells carry INHERIT_TIP.
        pick(&mut harness, INHERIT_TIP, 0, "Silo"); // "*" × gateway
        let design = &harness.state().designs[0];
        assert_eq!(design.layers.gateway.as_ref().and_then(|m| m.get("*")), Some(&PlacementFile::Silo));
        assert_eq!(design.placement.get("*"), Some(&PlacementFile::Pool), "All layers untouched");
        // Now "premium" × All layers: after the "*" row (3 cells, 2 inherit) and basic (3 inherit).
        let inherited = harness.get_all_by_label(INHERIT_TIP).count();
        pick(&mut harness, INHERIT_TIP, inherited - 3, "Silo");
        let design = &harness.state().designs[0];
        assert_eq!(design.placement.get("premium"), Some(&PlacementFile::Silo));
        assert!(design.layers.compute.is_none());
    }

    #[test]
    fn a_tiers_own_pool_says_it_is_apart_from_everyone_elses() {
        let mut file = crate::app::empty_scenario();
        file.designs.truncate(1);
        let mut harness = harness(file);
        harness.run();
        // "premium" × All layers, as in the test above, set to a pool.
        let inherited = harness.get_all_by_label(INHERIT_TIP).count();
        pick(&mut harness, INHERIT_TIP, inherited - 3, OWN_POOL);
        assert_eq!(harness.state().designs[0].placement.get("premium"), Some(&PlacementFile::Pool));
        // Everyone else's entry reads Pool, premium's its own pool.
        assert_eq!(harness.get_all_by_label(POOL_TIP).count(), 1);
        assert_eq!(harness.get_all_by_label(OWN_POOL_TIP).count(), 1);
    }

    #[test]
    fn clearing_the_last_override_drops_the_layer_map() {
        let mut file = crate::app::empty_scenario();
        file.designs.truncate(1);
        file.designs[0].layers.compute = Some([("basic".to_owned(), PlacementFile::Silo)].into());
        let mut harness = harness(file);
        harness.run();
        pick(&mut harness, SILO_TIP, 0, "—");
        assert_eq!(harness.state().designs[0].layers.compute, None);
    }

    #[test]
    fn renaming_a_design_commits_on_enter_and_refuses_duplicates() {
        let mut harness = harness(crate::app::empty_scenario());
        harness.run();
        testing::retype(&mut harness, "pool", "silo");
        harness.key_press(egui::Key::Enter);
        harness.run();
        assert_eq!(harness.state().designs[0].name, "pool", "a taken name is refused");
        let silo_fields = |h: &egui_kittest::Harness<'_, ScenarioFile>| {
            h.query_all_by(|n| n.role() == egui::Role::TextInput && n.value().as_deref() == Some("silo")).count()
        };
        assert_eq!(silo_fields(&harness), 2, "the refused name stays in its field to correct");
        assert!(harness.query_by_label_contains("not applied").is_some(), "with the reason beside it");
        // Escape goes back to the name in the file.
        let first =
            harness.query_all_by(|n| n.role() == egui::Role::TextInput && n.value().as_deref() == Some("silo")).next();
        first.unwrap_or_else(|| panic!("the refused name's field")).focus();
        harness.run();
        harness.key_press(egui::Key::Escape);
        harness.run();
        assert_eq!(silo_fields(&harness), 1);
        testing::retype(&mut harness, "pool", "shared");
        harness.key_press(egui::Key::Enter);
        harness.run();
        assert_eq!(harness.state().designs[0].name, "shared");
    }

    #[test]
    fn quick_add_buttons() {
        let mut harness = harness(crate::app::empty_scenario());
        harness.run();
        harness.get_by_label("Bridge (top tier silo)").click();
        harness.run();
        harness.get_by_label("All pool").click();
        harness.run();
        let designs = &harness.state().designs;
        assert_eq!(designs.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(), ["pool", "silo", "bridge", "pool-2"]);
        assert_eq!(designs[2].placement.get("premium"), Some(&PlacementFile::Silo));
        assert_eq!(designs[2].placement.get("*"), Some(&PlacementFile::Pool));
    }

    #[test]
    fn a_tenant_can_be_placed_apart() {
        let mut harness = harness(crate::app::empty_scenario());
        harness.run();
        harness.get_all_by_label_contains("Adds a row for one tenant").next().unwrap_or_else(|| panic!("menu")).click();
        harness.run();
        harness.get_by_label("acme").click();
        harness.run();
        assert_eq!(harness.state().designs[0].placement.get("acme"), Some(&PlacementFile::Silo));
    }
}
