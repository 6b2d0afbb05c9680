//! The load cells of the tenant table: the pattern and spread pop-ups and
//! the small preview of a row's offered load over the run.

use egui::{PopupCloseBehavior, Ui};

use super::entry_has;
use crate::app::panels::{form, style};
use crate::app::plot_data::load_preview;
use crate::scenario::FieldErrors;
use crate::scenario::file::{ClockFile, EventFile, LoadFile, PatternFile, SpreadFile, TenantEntryFile};
use crate::units::DurationText;

/// Size of the load preview, in points.
const PREVIEW_SIZE: egui::Vec2 = egui::vec2(140.0, 36.0);
/// Points of the load preview line.
const PREVIEW_POINTS: usize = 72;

fn pattern_summary(pattern: &PatternFile) -> String {
    match pattern {
        PatternFile::Constant => "Constant".to_owned(),
        PatternFile::Diurnal { peak_hour, amplitude } => format!("Diurnal {peak_hour}h ±{:.0}%", amplitude * 100.0),
        PatternFile::Bursty { on, off, factor } => format!("Bursty ×{factor} {on}/{off}"),
        PatternFile::Ramp { to_factor, over } => format!("Ramp →×{to_factor} in {over}"),
    }
}

pub(super) fn pattern_ui(ui: &mut Ui, pattern: &mut PatternFile) {
    let response = ui.button(format!("{} ▾", pattern_summary(pattern))).on_hover_text("Edit the load pattern");
    egui::Popup::from_toggle_button_response(&response).close_behavior(PopupCloseBehavior::CloseOnClickOutside).show(
        |ui| {
            ui.horizontal(|ui| {
                let kinds = [
                    ("Constant", "Flat: the rate all the time", PatternFile::Constant),
                    (
                        "Diurnal",
                        "A daily cosine peaking at the peak hour",
                        PatternFile::Diurnal { peak_hour: 14.0, amplitude: 0.5 },
                    ),
                    (
                        "Bursty",
                        "On/off: factor × rate while on, the rate while off; starts on",
                        PatternFile::Bursty { on: DurationText::new("1m"), off: DurationText::new("9m"), factor: 5.0 },
                    ),
                    (
                        "Ramp",
                        "Linear from 1× at the start to the final factor, then flat",
                        PatternFile::Ramp { to_factor: 2.0, over: DurationText::new("30m") },
                    ),
                ];
                for (label, tip, value) in kinds {
                    let same = std::mem::discriminant(pattern) == std::mem::discriminant(&value);
                    if ui.selectable_label(same, label).on_hover_text(tip).clicked() && !same {
                        *pattern = value;
                    }
                }
            });
            egui::Grid::new("pattern_params").num_columns(2).show(ui, |ui| pattern_params_ui(ui, pattern));
        },
    );
}

fn pattern_params_ui(ui: &mut Ui, pattern: &mut PatternFile) {
    match pattern {
        PatternFile::Constant => {
            ui.weak("No parameters.");
        }
        PatternFile::Diurnal { peak_hour, amplitude } => {
            let tip = "Hour of day (0–24) of the daily peak; the run starts at the clock's start hour";
            form::label_ui(ui, "Peak hour", tip);
            form::number_ui(ui, peak_hour, 0.0..=23.99, " h", tip);
            ui.end_row();
            let tip = "Relative swing: the rate goes from (1 − amplitude) at night to (1 + amplitude) at the peak";
            form::label_ui(ui, "Amplitude", tip);
            form::percent_ui(ui, amplitude, tip);
        }
        PatternFile::Bursty { on, off, factor } => {
            form::label_ui(ui, "On for", "Length of each burst");
            form::duration_ui(ui, on, "Length of each burst", true);
            ui.end_row();
            form::label_ui(ui, "Off for", "Quiet time between bursts");
            form::duration_ui(ui, off, "Quiet time between bursts", true);
            ui.end_row();
            let tip = "Rate multiplier during a burst (0 to 10,000)";
            form::label_ui(ui, "Factor", tip);
            form::factor_ui(ui, factor, 10_000.0, tip);
        }
        PatternFile::Ramp { to_factor, over } => {
            let tip = "Multiplier reached at the end of the ramp and kept after it (0 to 10,000)";
            form::label_ui(ui, "To factor", tip);
            form::factor_ui(ui, to_factor, 10_000.0, tip);
            ui.end_row();
            form::label_ui(ui, "Over", "Time to reach the final factor; \"0s\" jumps at once");
            form::duration_ui(ui, over, "Time to reach the final factor; \"0s\" jumps at once", true);
        }
    }
    ui.end_row();
}

pub(super) fn preview_ui(
    ui: &mut Ui,
    entry: &TenantEntryFile,
    load: &LoadFile,
    clock: &ClockFile,
    events: &[EventFile],
    tier_index: Option<usize>,
) {
    // Only ids that have spikes matter to the preview.
    let spiked: Vec<&str> = events
        .iter()
        .filter_map(|e| match e {
            EventFile::Spike { tenant, .. } if entry_has(entry, tenant) => Some(tenant.as_str()),
            _ => None,
        })
        .collect();
    let points = load_preview(load, clock, events, &spiked, PREVIEW_POINTS);
    let (rect, response) = ui.allocate_exact_size(PREVIEW_SIZE, egui::Sense::hover());
    let peak = points.iter().map(|p| p[1]).fold(0.0, f64::max);
    let mean = points.iter().map(|p| p[1]).sum::<f64>() / points.len().max(1) as f64;
    let color = tier_index.map_or(ui.visuals().text_color(), style::tier_color);
    paint_preview(ui, rect, &points, peak, color);
    let who = if matches!(entry, TenantEntryFile::Group { .. }) { "per tenant, " } else { "" };
    let spikes = if spiked.is_empty() { String::new() } else { format!("\nSpikes on {}", spiked.join(", ")) };
    response.on_hover_text(format!(
        "Offered load over the run ({who}rate × pattern × spikes): peak {peak:.1} req/s, mean {mean:.1} req/s{spikes}"
    ));
}

pub(super) fn spread_cell(ui: &mut Ui, entry: &mut TenantEntryFile, path: &str, errors: Option<&FieldErrors>) {
    let TenantEntryFile::Group { spread, .. } = entry else {
        ui.weak("—").on_hover_text("Only groups have a spread");
        return;
    };
    ui.horizontal(|ui| {
        let summary = match spread {
            SpreadFile::Fixed => "Fixed".to_owned(),
            SpreadFile::LogNormal { sigma } => format!("LogNormal σ {sigma}"),
            SpreadFile::Uniform { low, high } => format!("Uniform {low}–{high}"),
        };
        let response = ui.button(format!("{summary} ▾")).on_hover_text("How individual rates vary around the mean");
        egui::Popup::from_toggle_button_response(&response)
            .close_behavior(PopupCloseBehavior::CloseOnClickOutside)
            .show(|ui| spread_popup_ui(ui, spread));
        form::error_mark_under_ui(ui, errors, &format!("{path}.spread"));
    });
}

fn spread_popup_ui(ui: &mut Ui, spread: &mut SpreadFile) {
    ui.horizontal(|ui| {
        for (label, tip, value) in [
            ("Fixed", "Every tenant has exactly the rate", SpreadFile::Fixed),
            ("LogNormal", "A few heavy tenants, many light ones (mean factor 1)", SpreadFile::LogNormal { sigma: 0.5 }),
            ("Uniform", "Factor uniform between low and high", SpreadFile::Uniform { low: 0.5, high: 1.5 }),
        ] {
            let same = std::mem::discriminant(spread) == std::mem::discriminant(&value);
            if ui.selectable_label(same, label).on_hover_text(tip).clicked() && !same {
                *spread = value;
            }
        }
    });
    ui.horizontal(|ui| match spread {
        SpreadFile::Fixed => {
            ui.weak("No parameters.");
        }
        SpreadFile::LogNormal { sigma } => {
            let tip = "Standard deviation of the log of the factor (0 to 5); 0.5 is a moderate spread";
            form::label_ui(ui, "σ", tip);
            form::number_ui(ui, sigma, 0.0..=5.0, "", tip);
        }
        SpreadFile::Uniform { low, high } => {
            form::label_ui(ui, "Low", "Smallest factor (≥ 0)");
            form::factor_ui(ui, low, 1000.0, "Smallest factor (≥ 0)");
            form::label_ui(ui, "High", "Largest factor (≥ low)");
            form::factor_ui(ui, high, 1000.0, "Largest factor (≥ low)");
        }
    });
}

/// Paints the preview: the load as a filled area from zero up to the
/// row's own peak (written in the corner), so shapes stay visible whatever
/// the rate.
fn paint_preview(ui: &Ui, rect: egui::Rect, points: &[[f64; 2]], peak: f64, color: egui::Color32) {
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 2.0, ui.visuals().extreme_bg_color);
    let end = points.last().map_or(1.0, |p| p[0]).max(1e-9);
    let scale = if peak > 0.0 { peak } else { 1.0 };
    // The top 12 points are left for the peak label.
    let plot = egui::Rect::from_min_max(rect.min + egui::vec2(2.0, 12.0), rect.max - egui::vec2(2.0, 2.0));
    let line: Vec<egui::Pos2> = points
        .iter()
        .map(|[x, y]| {
            egui::pos2(
                plot.left() + (x / end) as f32 * plot.width(),
                plot.bottom() - (y / scale).clamp(0.0, 1.0) as f32 * plot.height(),
            )
        })
        .collect();
    let mut mesh = egui::Mesh::default();
    let fill = color.gamma_multiply(0.25);
    for pair in line.windows(2) {
        let base = mesh.vertices.len() as u32;
        for pos in [pair[0], pair[1], egui::pos2(pair[1].x, plot.bottom()), egui::pos2(pair[0].x, plot.bottom())] {
            mesh.colored_vertex(pos, fill);
        }
        mesh.add_triangle(base, base + 1, base + 2);
        mesh.add_triangle(base, base + 2, base + 3);
    }
    painter.add(mesh);
    painter.add(egui::Shape::line(line, egui::Stroke::new(1.5, color)));
    painter.text(
        rect.left_top() + egui::vec2(3.0, 1.0),
        egui::Align2::LEFT_TOP,
        format!("peak {} req/s", short_number(peak)),
        egui::FontId::proportional(10.0),
        ui.visuals().weak_text_color(),
    );
}

/// A rate for a small label: whole above 100, else up to two decimals.
fn short_number(value: f64) -> String {
    if value >= 100.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.2}").trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}
