//! Shared form pieces for the editor panels: labelled grid rows, numbers
//! with units, durations, text fields that commit on Enter, and the
//! resolver's message next to the field it is about.
//!
//! Widgets here never clamp or rewrite a value the user did not touch:
//! viewing a tab must not create an edit. Typed values take effect when the
//! user is done (Enter, Tab or a click elsewhere; Escape reverts), never at
//! every keystroke, and are kept as typed: a value out of range stays and
//! the resolver says why next to the field. Only a drag is held to a range. The pure helpers that keep names
//! consistent when something is renamed live in [`names`] (re-exported).

use std::ops::RangeInclusive;

use egui::{Response, RichText, Ui};

use crate::scenario::FieldErrors;
use crate::scenario::file::{BackoffFile, JitterFile, RetryFile};
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
/// `path` on the same line after it. Ends the grid row.
pub fn row_ui<R>(
    ui: &mut Ui,
    (label, tip): (&str, &str),
    errors: Option<&FieldErrors>,
    path: &str,
    add: impl FnOnce(&mut Ui) -> R,
) -> R {
    label_ui(ui, label, tip);
    let inner = ui
        .horizontal(|ui| {
            let inner = add(ui);
            if let Some(message) = error_at(errors, path) {
                message_beside_ui(ui, message);
            }
            inner
        })
        .inner;
    ui.end_row();
    inner
}

/// A number dragged or typed. Typed text takes effect once, when the user
/// is done (Enter or leaving the field; Escape reverts), exactly as typed:
/// a value outside `range` is kept for the resolver to report next to the
/// field, never clamped in silence. A drag stays within `range`.
pub fn drag_value_ui<N: egui::emath::Numeric>(
    ui: &mut Ui,
    value: &mut N,
    range: RangeInclusive<N>,
    configure: impl FnOnce(egui::DragValue<'_>) -> egui::DragValue<'_>,
) -> Response {
    let response = ui.add(configure(egui::DragValue::new(value)).update_while_editing(false));
    if response.dragged() {
        let (lo, hi) = (range.start().to_f64(), range.end().to_f64());
        let x = value.to_f64();
        if x < lo || x > hi {
            *value = N::from_f64(x.clamp(lo, hi));
        }
    }
    response
}

/// A number with a unit suffix, dragged or typed (see [`drag_value_ui`]);
/// the drag speed follows the value's magnitude.
pub fn number_ui(ui: &mut Ui, value: &mut f64, range: RangeInclusive<f64>, suffix: &str, tip: &str) -> Response {
    let speed = if value.is_finite() { (value.abs() * 0.005).clamp(0.001, 1e6) } else { 1.0 };
    drag_value_ui(ui, value, range, |d| d.suffix(suffix).speed(speed)).on_hover_text(tip)
}

/// A multiplier, shown as `×20`.
pub fn factor_ui(ui: &mut Ui, value: &mut f64, max: f64, tip: &str) -> Response {
    let speed = if value.is_finite() { (value.abs() * 0.005).clamp(0.001, 100.0) } else { 1.0 };
    drag_value_ui(ui, value, 0.0..=max, |d| d.prefix("×").speed(speed)).on_hover_text(tip)
}

/// A price in USD, `$` before the number and `unit` after it (" / month").
pub fn money_ui(ui: &mut Ui, value: &mut f64, max: f64, unit: &str, tip: &str) -> Response {
    let speed = if value.is_finite() { (value.abs() * 0.005).clamp(0.0001, 1e4) } else { 1.0 };
    drag_value_ui(ui, value, 0.0..=max, |d| {
        d.suffix(unit)
            .speed(speed)
            .custom_formatter(|v, _| money_text(v))
            .custom_parser(|text| text.trim().replace(['$', ','], "").parse().ok())
    })
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
    drag_value_ui(ui, value, range, |d| d.suffix(suffix).speed(speed)).on_hover_text(tip)
}

/// A fraction (0–1) shown and edited as a percentage. The stored value
/// only changes when the user edits it, so no rounding creeps in.
pub fn percent_ui(ui: &mut Ui, fraction: &mut f64, tip: &str) -> Response {
    let mut percent = *fraction * 100.0;
    let response = drag_value_ui(ui, &mut percent, 0.0..=100.0, |d| d.suffix(" %").speed(0.1).max_decimals(3));
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
        response |= drag_value_ui(ui, v, 1..=u64::MAX, |d| d.suffix(suffix).speed(speed)).on_hover_text(tip);
    }
    response
}

/// An optional duration: a checkbox that turns it on (at `default`) or
/// off, and the duration's text field when on (see [`duration_ui`]).
pub fn optional_duration_ui(ui: &mut Ui, value: &mut Option<DurationText>, default: &str, tip: &str) -> Response {
    let mut on = value.is_some();
    let mut response = ui.checkbox(&mut on, "").on_hover_text(tip);
    if response.changed() {
        *value = if on { Some(value.take().unwrap_or_else(|| DurationText::new(default))) } else { None };
    }
    if let Some(v) = value {
        response |= duration_ui(ui, v, tip, true);
    }
    response
}

/// An optional fraction shown as a percentage: a checkbox that turns it
/// on (at `default`) or off, and the percentage when on.
pub fn optional_percent_ui(ui: &mut Ui, value: &mut Option<f64>, default: f64, tip: &str) -> Response {
    let mut on = value.is_some();
    let mut response = ui.checkbox(&mut on, "").on_hover_text(tip);
    if response.changed() {
        *value = on.then_some(value.unwrap_or(default));
    }
    if let Some(v) = value {
        response |= percent_ui(ui, v, tip);
    }
    response
}

/// The retry policy a tier gets when its retries are turned on: what AWS
/// SDKs do in their standard mode (3 attempts, exponential backoff from
/// 100 ms to 20 s, full jitter), without a budget.
pub fn default_retry() -> RetryFile {
    RetryFile {
        attempts: 3,
        backoff: BackoffFile::Exponential { base: DurationText::new("100ms"), cap: DurationText::new("20s") },
        jitter: JitterFile::Full,
        budget: None,
        timeout: None,
    }
}

/// A retry backoff: its kind (a pick list keeping the durations it can)
/// and its durations.
pub fn backoff_ui(ui: &mut Ui, backoff: &mut BackoffFile) {
    let exponential = matches!(backoff, BackoffFile::Exponential { .. });
    let mut picked = exponential;
    egui::ComboBox::from_id_salt(ui.next_auto_id().with("backoff_kind"))
        .selected_text(if exponential { "Exponential" } else { "Constant" })
        .width(96.0)
        .show_ui(ui, |ui| {
            ui.selectable_value(&mut picked, false, "Constant").on_hover_text("The same wait before every retry");
            ui.selectable_value(&mut picked, true, "Exponential")
                .on_hover_text("Doubling from the base before each retry, at most the cap");
        })
        .response
        .on_hover_text("The wait before each retry: the same every time, or doubling from a base up to a cap");
    if picked != exponential {
        *backoff = match backoff {
            BackoffFile::Constant(d) => BackoffFile::Exponential { base: d.clone(), cap: DurationText::new("20s") },
            BackoffFile::Exponential { base, .. } => BackoffFile::Constant(base.clone()),
        };
    }
    match backoff {
        BackoffFile::Constant(d) => {
            duration_ui(ui, d, "The wait before every retry", true);
        }
        BackoffFile::Exponential { base, cap } => {
            duration_ui(ui, base, "The wait before the first retry (the base)", true);
            ui.label("to");
            duration_ui(ui, cap, "The longest wait (the cap)", true);
        }
    }
}

/// How a retry's wait is randomised.
pub fn jitter_ui(ui: &mut Ui, jitter: &mut JitterFile, tip: &str) {
    let name = |j: JitterFile| match j {
        JitterFile::None => "None",
        JitterFile::Full => "Full",
        JitterFile::Equal => "Equal",
    };
    egui::ComboBox::from_id_salt(ui.next_auto_id().with("jitter"))
        .selected_text(name(*jitter))
        .width(64.0)
        .show_ui(ui, |ui| {
            for j in [JitterFile::None, JitterFile::Full, JitterFile::Equal] {
                ui.selectable_value(jitter, j, name(j)).on_hover_text(tip);
            }
        })
        .response
        .on_hover_text(tip);
}

/// A duration written as text (`"10m"`, `"250ms"`). The text is edited
/// as a copy and takes effect when the user is done (see
/// [`buffered_text_ui`]), valid or not: a bad value is kept and reported.
/// While typing, a mark after the field (in a slot kept for it, so nothing
/// moves) says whether the text reads as a duration. With `compact` (table
/// cells), a bad value shows a red mark whose hover text says why; in a
/// form row the resolver's message for the field, shown by [`row_ui`], says
/// the same in full.
pub fn duration_ui(ui: &mut Ui, value: &mut DurationText, tip: &str, compact: bool) -> Response {
    let id = ui.next_auto_id().with("duration");
    let current = value.text().to_owned();
    let shown = ui.data(|d| d.get_temp::<Pending>(id)).map_or_else(|| current.clone(), |p| p.text);
    let width = fit_width(ui, &shown, 52.0, 140.0);
    let tip = format!(
        "{tip}\n\nWrite a number and a unit: ms, s, m, h, d or w (\"250ms\", \"30s\", \"10m\", \"1.5h\"). \
         It takes effect on Enter or when you leave the field; Escape goes back."
    );
    let check = |text: &str| DurationText::new(text.to_owned()).secs().map(|_| ());
    let (response, committed) = buffered_text_ui(ui, id, &current, width, &tip, check, true);
    if let Some(text) = committed {
        *value = DurationText::new(text);
    }
    if compact
        && !response.has_focus()
        && let Err(message) = value.secs()
    {
        ui.colored_label(ui.visuals().error_fg_color, ERROR_MARK).on_hover_text(message);
    }
    response
}

/// Widest a message beside a field may be; longer ones are cut, in full on
/// hover.
const BESIDE_WIDTH: f32 = 260.0;

/// A problem shown on one line after a field (cut to [`BESIDE_WIDTH`], in
/// full on hover), so the rows around it do not move.
pub fn message_beside_ui(ui: &mut Ui, message: &str) {
    let color = ui.visuals().error_fg_color;
    let height = ui.spacing().interact_size.y;
    // What is left of the visible panel to the right, within the limit.
    let width = (ui.clip_rect().right() - ui.cursor().left() - 4.0).clamp(24.0, BESIDE_WIDTH);
    ui.allocate_ui(egui::vec2(width, height), |ui| {
        ui.add(egui::Label::new(RichText::new(format!("{ERROR_MARK} {message}")).color(color)).truncate())
            .on_hover_text(message);
    });
}

/// Text typed into a field and not yet taken: what it was typed over (so a
/// change made elsewhere, e.g. an undo, drops it) and the text itself.
#[derive(Debug, Clone)]
struct Pending {
    base: String,
    text: String,
}

/// A single-line field that edits a copy of `current` and hands the new
/// text back once, when the user presses Enter or leaves the field
/// (Escape reverts). `check` runs while typing; its verdict shows as a mark
/// in a slot after the field that is always there, so the layout never
/// moves while typing. With `take_invalid`, text `check` rejects is handed
/// back too (the resolver reports it); without, it is not applied and stays
/// in the field, marked, until corrected or reverted with Escape.
pub fn buffered_text_ui(
    ui: &mut Ui,
    id: egui::Id,
    current: &str,
    width: f32,
    tip: &str,
    check: impl Fn(&str) -> Result<(), String>,
    take_invalid: bool,
) -> (Response, Option<String>) {
    let pending = ui.data(|d| d.get_temp::<Pending>(id)).filter(|p| p.base == current);
    let mut buffer = pending.as_ref().map_or_else(|| current.to_owned(), |p| p.text.clone());
    let mut response = ui
        .add(egui::TextEdit::singleline(&mut buffer).id(id).desired_width(width).min_size(egui::vec2(width, 0.0)))
        .on_hover_text(tip);
    let verdict = if buffer == current { Ok(()) } else { check(&buffer) };
    let escaped = ui.input(|i| i.key_pressed(egui::Key::Escape));
    let mut committed = None;
    let mut keep = None;
    if response.has_focus() {
        keep = Some(buffer.clone());
    } else if response.lost_focus() && !escaped && buffer != current {
        if verdict.is_ok() || take_invalid {
            committed = Some(buffer.clone());
        } else {
            keep = Some(buffer.clone());
        }
    } else if pending.is_some() && !escaped && buffer != current && verdict.is_err() && !take_invalid {
        keep = Some(buffer.clone());
    }
    // The slot after the field: a mark while the text does not read, with
    // the reason on hover; empty space otherwise.
    let slot = egui::vec2(ui.spacing().interact_size.y, ui.spacing().interact_size.y);
    let showing = keep.as_ref().is_some_and(|text| text != current);
    match &verdict {
        Err(message) if showing => {
            let note = if response.has_focus() || take_invalid {
                message.clone()
            } else {
                format!("not applied: {message} (Escape goes back)")
            };
            message_beside_ui(ui, &note);
            response = response.on_hover_text(note);
        }
        _ => {
            ui.allocate_space(slot);
        }
    }
    match keep {
        Some(text) if text != current => {
            ui.data_mut(|d| d.insert_temp(id, Pending { base: current.to_owned(), text }));
        }
        _ => ui.data_mut(|d| d.remove::<Pending>(id)),
    }
    (response, committed)
}

/// A single-line field for names other things refer to: a rename happens
/// once, when the user is done, and not at every keystroke (see
/// [`buffered_text_ui`]). Text `validate` rejects is never applied: it
/// stays in the field, marked, with the reason.
pub fn commit_text_ui(
    ui: &mut Ui,
    id: egui::Id,
    current: &str,
    width: f32,
    tip: &str,
    validate: impl Fn(&str) -> Result<(), String>,
) -> (Response, Option<String>) {
    buffered_text_ui(ui, id, current, width, tip, validate, false)
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
