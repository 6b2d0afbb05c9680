//! Shared form pieces for the editor panels: labelled grid rows, numbers
//! with units, durations, text fields that commit on Enter, and the
//! resolver's message next to the field it is about.
//!
//! Widgets here never clamp or rewrite a value the user did not touch:
//! viewing a tab must not create an edit. The pure helpers that keep names
//! consistent when something is renamed live in [`names`] (re-exported).

use std::ops::RangeInclusive;

use egui::{Response, RichText, Ui};

use crate::scenario::FieldErrors;
use crate::units::DurationText;

pub mod names;

pub use names::*;

/// The sign next to a field the resolver complains about (drawn by the
/// bundled fonts, see [`super::style::install_fonts`]).
pub const ERROR_MARK: &str = "⊗";

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

/// A price in USD, `$` before the number and `unit` after it (" / month").
pub fn money_ui(ui: &mut Ui, value: &mut f64, max: f64, unit: &str, tip: &str) -> Response {
    let speed = if value.is_finite() { (value.abs() * 0.005).clamp(0.0001, 1e4) } else { 1.0 };
    ui.add(
        egui::DragValue::new(value)
            .range(0.0..=max)
            .clamp_existing_to_range(false)
            .suffix(unit)
            .speed(speed)
            .custom_formatter(|v, _| money_text(v))
            .custom_parser(|text| text.trim().replace(['$', ','], "").parse().ok()),
    )
    .on_hover_text(tip)
}

/// `$99.00`, `-$5.00`: cents for prices of a dollar or more; small unit
/// prices keep up to six decimals (`$0.00013`).
pub fn money_text(value: f64) -> String {
    let sign = if value < 0.0 { "-" } else { "" };
    let value = value.abs();
    if value == 0.0 || value >= 1.0 || !value.is_finite() {
        return format!("{sign}${value:.2}");
    }
    let text = format!("{value:.6}");
    let trimmed = text.trim_end_matches('0');
    let decimals = trimmed.split('.').nth(1).map_or(0, str::len);
    if decimals < 2 { format!("{sign}${value:.2}") } else { format!("{sign}${trimmed}") }
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

/// A duration written as text (`"10m"`, `"250ms"`). With `compact` (table
/// cells), a bad value shows a red mark whose hover text says why; in a
/// form row the resolver's message for the field, shown by [`row_ui`], says
/// the same in full.
pub fn duration_ui(ui: &mut Ui, value: &mut DurationText, tip: &str, compact: bool) -> Response {
    let mut text = value.text().to_owned();
    let width = fit_width(ui, &text, 52.0, 140.0);
    let response = ui
        .add(egui::TextEdit::singleline(&mut text).desired_width(width).min_size(egui::vec2(width, 0.0)))
        .on_hover_text(format!(
            "{tip}\n\nWrite a number and a unit: ms, s, m, h, d or w (\"250ms\", \"30s\", \"10m\", \"1.5h\")."
        ));
    if response.changed() {
        *value = DurationText::new(text);
    }
    if compact && let Err(message) = value.secs() {
        ui.colored_label(ui.visuals().error_fg_color, ERROR_MARK).on_hover_text(message);
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
    fn money_keeps_cents_and_small_unit_prices() {
        assert_eq!(money_text(0.0), "$0.00");
        assert_eq!(money_text(99.0), "$99.00");
        assert_eq!(money_text(-5.0), "-$5.00");
        assert_eq!(money_text(3.5), "$3.50");
        assert_eq!(money_text(0.096), "$0.096");
        assert_eq!(money_text(0.1), "$0.10");
        assert_eq!(money_text(0.000_13), "$0.00013");
    }
}
