//! Shared form pieces for the editor panels: labelled grid rows, numbers
//! with units, durations, text fields that commit on Enter, and the
//! resolver's message next to the field it is about.
//!
//! Also the pure helpers the editors share to keep names consistent when
//! something is renamed (placement keys, spike targets, group ids). Widgets
//! here never clamp or rewrite a value the user did not touch: viewing a
//! tab must not create an edit.

use std::collections::HashMap;
use std::ops::RangeInclusive;

use egui::{Response, RichText, Ui};
use indexmap::IndexMap;

use crate::scenario::FieldErrors;
use crate::scenario::file::{
    ChangeFile, DesignFile, EventFile, ExpectFile, FigureFile, LessonFile, PlacementMap, ScenarioFile, TenantEntryFile,
};
use crate::units::DurationText;

/// The sign next to a field the resolver complains about (drawn by the
/// bundled fonts, see [`super::style::install_fonts`]).
pub const ERROR_MARK: &str = "⊗";

/// Most tenant ids listed for one group (the resolver's tenant limit).
const MAX_LISTED_IDS: u32 = 20_000;

/// The resolver's message for the field at `path`, if any.
pub fn error_at<'a>(errors: Option<&'a FieldErrors>, path: &str) -> Option<&'a str> {
    errors.and_then(|e| e.for_path(path))
}

/// Shows the resolver's message for `path` in the error colour, wrapped;
/// nothing when the field is fine.
pub fn field_error_ui(ui: &mut Ui, errors: Option<&FieldErrors>, path: &str) {
    if let Some(message) = error_at(errors, path) {
        let color = ui.visuals().error_fg_color;
        ui.add(egui::Label::new(RichText::new(format!("{ERROR_MARK} {message}")).color(color).small()).wrap());
    }
}

/// The compact form for table cells: a red mark with the message on hover.
pub fn error_mark_ui(ui: &mut Ui, errors: Option<&FieldErrors>, path: &str) {
    if let Some(message) = error_at(errors, path) {
        ui.colored_label(ui.visuals().error_fg_color, ERROR_MARK).on_hover_text(message);
    }
}

/// The first resolver message for `path` or any field under it (e.g.
/// every error of `tenants[2].load.pattern`).
pub fn error_under<'a>(errors: Option<&'a FieldErrors>, path: &str) -> Option<&'a str> {
    let errors = errors?;
    errors
        .0
        .iter()
        .find(|e| {
            e.path
                .strip_prefix(path)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('.') || rest.starts_with('['))
        })
        .map(|e| e.message.as_str())
}

/// A red mark for the first resolver message at or under `path`.
pub fn error_mark_under_ui(ui: &mut Ui, errors: Option<&FieldErrors>, path: &str) {
    if let Some(message) = error_under(errors, path) {
        ui.colored_label(ui.visuals().error_fg_color, ERROR_MARK).on_hover_text(message);
    }
}

/// A label with a tooltip (first column of a form, table headers).
pub fn label_ui(ui: &mut Ui, text: &str, tip: &str) -> Response {
    ui.label(text).on_hover_text(tip)
}

/// One row of a two-column form grid: `label` (explained by `tip`) on the
/// left; on the right whatever `add` draws, with the resolver's message for
/// `path` under it. Ends the grid row.
pub fn row_ui<R>(
    ui: &mut Ui,
    (label, tip): (&str, &str),
    errors: Option<&FieldErrors>,
    path: &str,
    add: impl FnOnce(&mut Ui) -> R,
) -> R {
    label_ui(ui, label, tip);
    let inner = ui
        .vertical(|ui| {
            let inner = ui.horizontal(add).inner;
            if error_at(errors, path).is_some() {
                ui.set_max_width(300.0);
                field_error_ui(ui, errors, path);
            }
            inner
        })
        .inner;
    ui.end_row();
    inner
}

/// A number with a unit suffix, dragged or typed. Values outside `range`
/// are kept as they are until the user edits them (the resolver reports
/// them); the speed follows the value's magnitude.
pub fn number_ui(ui: &mut Ui, value: &mut f64, range: RangeInclusive<f64>, suffix: &str, tip: &str) -> Response {
    let speed = if value.is_finite() { (value.abs() * 0.005).clamp(0.001, 1e6) } else { 1.0 };
    ui.add(egui::DragValue::new(value).range(range).clamp_existing_to_range(false).suffix(suffix).speed(speed))
        .on_hover_text(tip)
}

/// A multiplier, shown as `×20`.
pub fn factor_ui(ui: &mut Ui, value: &mut f64, max: f64, tip: &str) -> Response {
    let speed = if value.is_finite() { (value.abs() * 0.005).clamp(0.001, 100.0) } else { 1.0 };
    ui.add(egui::DragValue::new(value).range(0.0..=max).clamp_existing_to_range(false).prefix("×").speed(speed))
        .on_hover_text(tip)
}

/// A price in USD: `$` before the number, `unit` after it (" / month").
pub fn money_ui(ui: &mut Ui, value: &mut f64, max: f64, unit: &str, tip: &str) -> Response {
    let speed = if value.is_finite() { (value.abs() * 0.005).clamp(0.0001, 1e4) } else { 1.0 };
    ui.add(
        egui::DragValue::new(value)
            .range(0.0..=max)
            .clamp_existing_to_range(false)
            .prefix("$")
            .suffix(unit)
            .speed(speed)
            .custom_formatter(|v, _| money_text(v)),
    )
    .on_hover_text(tip)
}

/// Cents for prices of a dollar or more; small unit prices keep up to six
/// decimals (`0.00013`), without trailing zeros beyond the cents.
pub fn money_text(value: f64) -> String {
    if value == 0.0 || value.abs() >= 1.0 {
        return format!("{value:.2}");
    }
    let text = format!("{value:.6}");
    let trimmed = text.trim_end_matches('0');
    let decimals = trimmed.split('.').nth(1).map_or(0, str::len);
    if decimals < 2 { format!("{value:.2}") } else { trimmed.to_owned() }
}

/// A table wider than the editor panel: scrolls sideways, with a solid
/// scroll bar so the hidden columns are not missed.
pub fn wide_table_ui<R>(ui: &mut Ui, id_salt: &str, add: impl FnOnce(&mut Ui) -> R) -> R {
    ui.scope(|ui| {
        ui.spacing_mut().scroll = egui::style::ScrollStyle::solid();
        egui::ScrollArea::horizontal().id_salt(id_salt).show(ui, add).inner
    })
    .inner
}

/// Width of a text field that fits `text` (within `min`…`max` points).
pub fn fit_width(ui: &Ui, text: &str, min: f32, max: f32) -> f32 {
    let font = egui::TextStyle::Body.resolve(ui.style());
    let width = ui.fonts_mut(|f| f.layout_no_wrap(text.to_owned(), font, egui::Color32::WHITE).size().x);
    (width + 24.0).clamp(min, max)
}

/// A whole number with a unit suffix.
pub fn count_ui(ui: &mut Ui, value: &mut u32, range: RangeInclusive<u32>, suffix: &str, tip: &str) -> Response {
    let speed = (f64::from(*value) * 0.01).clamp(0.05, 1e5);
    ui.add(egui::DragValue::new(value).range(range).clamp_existing_to_range(false).suffix(suffix).speed(speed))
        .on_hover_text(tip)
}

/// A fraction (0–1) shown and edited as a percentage. The stored value
/// only changes when the user edits it, so no rounding creeps in.
pub fn percent_ui(ui: &mut Ui, fraction: &mut f64, tip: &str) -> Response {
    let mut percent = *fraction * 100.0;
    let response = ui.add(
        egui::DragValue::new(&mut percent)
            .range(0.0..=100.0)
            .clamp_existing_to_range(false)
            .suffix(" %")
            .speed(0.1)
            .max_decimals(3),
    );
    if response.changed() {
        *fraction = percent / 100.0;
    }
    response.on_hover_text(tip)
}

/// An optional whole number: a checkbox that turns it on (at `default`)
/// or off, and the number when on.
pub fn optional_count_ui(ui: &mut Ui, value: &mut Option<u64>, default: u64, suffix: &str, tip: &str) -> Response {
    let mut on = value.is_some();
    let mut response = ui.checkbox(&mut on, "").on_hover_text(tip);
    if response.changed() {
        *value = on.then_some(value.unwrap_or(default));
    }
    if let Some(v) = value {
        let speed = (*v as f64 * 0.01).clamp(0.1, 1e9);
        response |= ui
            .add(egui::DragValue::new(v).range(1..=u64::MAX).clamp_existing_to_range(false).suffix(suffix).speed(speed))
            .on_hover_text(tip);
    }
    response
}

/// A duration written as text (`"10m"`, `"250ms"`). With `compact`, a bad
/// value shows a red mark whose hover text says why; otherwise the message is
/// written next to the field.
pub fn duration_ui(ui: &mut Ui, value: &mut DurationText, tip: &str, compact: bool) -> Response {
    let mut text = value.text().to_owned();
    let response = ui.add(egui::TextEdit::singleline(&mut text).desired_width(52.0)).on_hover_text(format!(
        "{tip}\n\nWrite a number and a unit: ms, s, m, h, d or w (\"250ms\", \"30s\", \"10m\", \"1.5h\")."
    ));
    if response.changed() {
        *value = DurationText::new(text);
    }
    if let Err(message) = value.secs() {
        let color = ui.visuals().error_fg_color;
        if compact {
            ui.colored_label(color, ERROR_MARK).on_hover_text(message);
        } else {
            ui.add(egui::Label::new(RichText::new(format!("{ERROR_MARK} {message}")).color(color).small()).wrap());
        }
    }
    response
}

/// A single-line field that edits a copy while focused and hands back the
/// new text once, when the user presses Enter or leaves the field. Used for
/// names other things refer to, so a rename happens once and not at every
/// keystroke. `validate` runs while typing (its message shows next to the
/// field); text it rejects is dropped when the field is left.
pub fn commit_text_ui(
    ui: &mut Ui,
    id: egui::Id,
    current: &str,
    width: f32,
    tip: &str,
    validate: impl Fn(&str) -> Result<(), String>,
) -> (Response, Option<String>) {
    let buffer_id = id.with("buffer");
    let mut buffer = ui.data(|d| d.get_temp::<String>(buffer_id)).unwrap_or_else(|| current.to_owned());
    let response = ui
        .add(egui::TextEdit::singleline(&mut buffer).id(id).desired_width(width).min_size(egui::vec2(width, 0.0)))
        .on_hover_text(tip);
    let verdict = if buffer == current { Ok(()) } else { validate(&buffer) };
    let mut committed = None;
    if response.has_focus() {
        if let Err(message) = &verdict {
            ui.colored_label(ui.visuals().error_fg_color, format!("{ERROR_MARK} {message}"));
        }
        ui.data_mut(|d| d.insert_temp(buffer_id, buffer));
    } else {
        if response.lost_focus() && buffer != current && verdict.is_ok() {
            committed = Some(buffer);
        }
        ui.data_mut(|d| d.remove::<String>(buffer_id));
    }
    (response, committed)
}

/// Ids of a group's tenants as the resolver generates them: `prefix-00`,
/// `prefix-01`, … zero-padded to at least two digits.
pub fn group_ids(prefix: &str, count: u32) -> Vec<String> {
    let count = count.min(MAX_LISTED_IDS);
    let width = count.saturating_sub(1).to_string().len().max(2);
    (0..count).map(|k| format!("{prefix}-{k:0width$}")).collect()
}

/// True when `id` is one of the ids a group `prefix` × `count` generates.
pub fn is_group_member(id: &str, prefix: &str, count: u32) -> bool {
    let width = count.min(MAX_LISTED_IDS).saturating_sub(1).to_string().len().max(2);
    id.strip_prefix(prefix).and_then(|rest| rest.strip_prefix('-')).is_some_and(|digits| {
        digits.len() == width
            && digits.bytes().all(|b| b.is_ascii_digit())
            && digits.parse::<u32>().is_ok_and(|k| k < count.min(MAX_LISTED_IDS))
    })
}

/// Every tenant id of the file in order, groups expanded.
pub fn tenant_ids(file: &ScenarioFile) -> Vec<String> {
    let mut ids = Vec::new();
    for entry in &file.tenants {
        match entry {
            TenantEntryFile::Tenant { id, .. } => ids.push(id.clone()),
            TenantEntryFile::Group { prefix, count, .. } => ids.extend(group_ids(prefix, *count)),
        }
        if ids.len() > MAX_LISTED_IDS as usize {
            break;
        }
    }
    ids
}

/// Renames keys of an ordered map all at once, keeping their positions.
/// A renamed key that collides with an existing one keeps the first entry.
pub fn rename_keys<V>(map: &mut IndexMap<String, V>, renames: &HashMap<String, String>) {
    if !map.keys().any(|k| renames.contains_key(k)) {
        return;
    }
    let old = std::mem::take(map);
    for (key, value) in old {
        let key = renames.get(&key).cloned().unwrap_or(key);
        map.entry(key).or_insert(value);
    }
}

/// Every placement map of a design: the general one and each layer's.
pub fn placement_maps_mut(design: &mut DesignFile) -> impl Iterator<Item = &mut PlacementMap> {
    let layers = &mut design.layers;
    std::iter::once(&mut design.placement)
        .chain([layers.gateway.as_mut(), layers.compute.as_mut(), layers.database.as_mut()].into_iter().flatten())
}

/// Renames tenant ids or tier names wherever designs use them as placement
/// keys, and tenant ids in spikes.
pub fn rename_references(file: &mut ScenarioFile, renames: &HashMap<String, String>) {
    if renames.is_empty() {
        return;
    }
    for design in &mut file.designs {
        for map in placement_maps_mut(design) {
            rename_keys(map, renames);
        }
    }
    for event in &mut file.events {
        if let EventFile::Spike { tenant, .. } = event
            && let Some(new) = renames.get(tenant)
        {
            tenant.clone_from(new);
        }
    }
}

/// What a renamed name names, for the lesson's references.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    /// A tier name.
    Tier,
    /// A tenant id (explicit or generated by a group).
    Tenant,
    /// A group prefix.
    Group,
    /// A design name.
    Design,
}

/// Renames the lesson's references ("try this" changes and expected
/// outcomes) to names of one kind.
pub fn rename_in_lesson(lesson: Option<&mut LessonFile>, kind: NameKind, renames: &HashMap<String, String>) {
    let Some(lesson) = lesson else { return };
    let rename = |name: &mut String| {
        if let Some(new) = renames.get(name.as_str()) {
            name.clone_from(new);
        }
    };
    for step in &mut lesson.try_this {
        for change in &mut step.changes {
            match (kind, change) {
                (
                    NameKind::Tenant | NameKind::Group,
                    ChangeFile::TenantRate { tenant, .. } | ChangeFile::KeyShards { tenant, .. },
                )
                | (NameKind::Group, ChangeFile::GroupCount { prefix: tenant, .. })
                | (
                    NameKind::Tier,
                    ChangeFile::TierPlan { tier: tenant, .. } | ChangeFile::NoTierPlan { tier: tenant },
                )
                | (NameKind::Tier | NameKind::Tenant, ChangeFile::Placement { key: tenant, .. })
                | (NameKind::Design, ChangeFile::Placement { design: tenant, .. }) => rename(tenant),
                _ => {}
            }
        }
        for expect in &mut step.expect {
            rename_in_expect(expect, kind, &rename);
        }
    }
    for expect in &mut lesson.expect {
        rename_in_expect(expect, kind, &rename);
    }
}

fn rename_in_expect(expect: &mut ExpectFile, kind: NameKind, rename: &impl Fn(&mut String)) {
    for figure in std::iter::once(&mut expect.left).chain(expect.right.as_mut()) {
        let FigureFile { design, tier, tenant, .. } = figure;
        match kind {
            NameKind::Tier => tier.iter_mut().for_each(rename),
            NameKind::Tenant => tenant.iter_mut().for_each(rename),
            NameKind::Design => rename(design),
            NameKind::Group => {}
        }
    }
}

/// Removes a placement key from every map of every design (a layer map
/// left empty is dropped).
pub fn remove_placement_key(file: &mut ScenarioFile, key: &str) {
    for design in &mut file.designs {
        for map in placement_maps_mut(design) {
            map.shift_remove(key);
        }
        let layers = &mut design.layers;
        for map in [&mut layers.gateway, &mut layers.compute, &mut layers.database] {
            if map.as_ref().is_some_and(IndexMap::is_empty) {
                *map = None;
            }
        }
    }
}

/// `base`, or `base-2`, `base-3`, … whichever `taken` does not hold.
pub fn unique_name(base: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(base) {
        return base.to_owned();
    }
    (2..10_000).map(|n| format!("{base}-{n}")).find(|name| !taken(name)).unwrap_or_else(|| format!("{base}-new"))
}

/// Checks a name other things refer to: not empty, not `"*"`, not taken.
///
/// # Errors
/// Occurs when the name is empty, `"*"` or already used.
pub fn check_name(name: &str, taken: bool, what: &str) -> Result<(), String> {
    if name.trim().is_empty() {
        Err(format!("a {what} needs a name"))
    } else if name == "*" {
        Err("\"*\" is reserved for \"everyone else\" in placements".to_owned())
    } else if taken {
        Err(format!("another {what} is already called \"{name}\""))
    } else {
        Ok(())
    }
}

/// Helpers for the editors' behaviour tests.
#[cfg(test)]
pub(crate) mod testing {
    use egui_kittest::kittest::Queryable;
    use egui_kittest::{Harness, Node};

    /// A harness of the given size with the app's fonts, drawing `app`.
    pub fn harness<S>(
        size: [f32; 2],
        app: impl FnMut(&mut egui::Ui, &mut S) + 'static,
        state: S,
    ) -> Harness<'static, S> {
        Harness::builder()
            .with_size(egui::Vec2::from(size))
            .with_context_setup(super::super::style::install_fonts)
            .build_ui_state(app, state)
    }

    /// The text field showing `value`.
    pub fn text_input<'t, S>(harness: &'t Harness<'_, S>, value: &'t str) -> Node<'t> {
        harness.get_by(move |n| {
            matches!(n.role(), egui::Role::TextInput | egui::Role::MultilineTextInput)
                && n.value().as_deref() == Some(value)
        })
    }

    /// Replaces the text of the field showing `value` by `text` (focus,
    /// select all, type), without pressing Enter.
    pub fn retype<S>(harness: &mut Harness<'_, S>, value: &str, text: &str) {
        text_input(harness, value).focus();
        harness.run();
        harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
        text_input(harness, value).type_text(text);
        harness.run();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_ids_match_the_resolver_padding() {
        assert_eq!(group_ids("smb", 3), ["smb-00", "smb-01", "smb-02"]);
        let ids = group_ids("g", 150);
        assert_eq!(ids.first().map(String::as_str), Some("g-000"));
        assert_eq!(ids.last().map(String::as_str), Some("g-149"));
        assert!(group_ids("g", 0).is_empty());
        assert!(is_group_member("smb-04", "smb", 5));
        assert!(!is_group_member("smb-05", "smb", 5));
        assert!(!is_group_member("smb-4", "smb", 5));
        assert!(is_group_member("g-149", "g", 150));
    }

    #[test]
    fn rename_keys_keeps_order() {
        let mut map: IndexMap<String, u32> = [("a", 1), ("b", 2), ("c", 3)].map(|(k, v)| (k.to_owned(), v)).into();
        let renames = HashMap::from([("b".to_owned(), "z".to_owned())]);
        rename_keys(&mut map, &renames);
        assert_eq!(map.keys().map(String::as_str).collect::<Vec<_>>(), ["a", "z", "c"]);
        assert_eq!(map.get("z"), Some(&2));
    }

    #[test]
    fn lesson_references_follow_renames_of_their_kind_only() {
        use crate::scenario::file::{MetricFile, OpFile, TryThisFile};
        let figure = |tier: &str, tenant: &str| FigureFile {
            design: "pool".into(),
            metric: MetricFile::Cost,
            tier: Some(tier.into()),
            tenant: Some(tenant.into()),
        };
        let mut lesson = LessonFile {
            try_this: vec![TryThisFile {
                label: "x".into(),
                explain: String::new(),
                changes: vec![
                    ChangeFile::TierPlan { tier: "basic".into(), rate: 1.0, burst: 1.0 },
                    ChangeFile::TenantRate { tenant: "basic".into(), rate: 1.0 },
                ],
                expect: Vec::new(),
            }],
            expect: vec![ExpectFile {
                why: String::new(),
                left: figure("basic", "basic"),
                op: OpFile::Gt,
                right: None,
                factor: 1.0,
                value: 0.0,
            }],
            ..LessonFile::default()
        };
        let renames = HashMap::from([("basic".to_owned(), "gold".to_owned())]);
        rename_in_lesson(Some(&mut lesson), NameKind::Tier, &renames);
        let changes = &lesson.try_this[0].changes;
        assert!(matches!(&changes[0], ChangeFile::TierPlan { tier, .. } if tier == "gold"));
        assert!(matches!(&changes[1], ChangeFile::TenantRate { tenant, .. } if tenant == "basic"), "a group prefix");
        assert_eq!(lesson.expect[0].left, figure("gold", "basic"));
        rename_in_lesson(Some(&mut lesson), NameKind::Design, &HashMap::from([("pool".into(), "shared".into())]));
        assert_eq!(lesson.expect[0].left.design, "shared");
    }

    #[test]
    fn money_keeps_cents_and_small_unit_prices() {
        assert_eq!(money_text(0.0), "0.00");
        assert_eq!(money_text(99.0), "99.00");
        assert_eq!(money_text(3.5), "3.50");
        assert_eq!(money_text(0.096), "0.096");
        assert_eq!(money_text(0.1), "0.10");
        assert_eq!(money_text(0.000_13), "0.00013");
    }

    #[test]
    fn unique_name_counts_up() {
        assert_eq!(unique_name("pool", |n| n == "pool" || n == "pool-2"), "pool-3");
        assert_eq!(unique_name("x", |_| false), "x");
    }
}
