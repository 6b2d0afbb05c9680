//! The status bar: last message, validity, run and frame times.

use crate::app::panels::style;
use crate::app::{Document, FrameStats, Status};

/// Draws the status bar.
pub fn status_bar_ui(ui: &mut egui::Ui, doc: &Document, status: Option<&Status>, frames: &FrameStats) {
    ui.horizontal(|ui| {
        let syntax = super::ron_editor::syntax_problem(ui.ctx());
        match doc.errors() {
            _ if syntax.is_some() => {
                let message = syntax.unwrap_or_default();
                ui.colored_label(style::BAD, "RON text not applied: syntax error").on_hover_text(message);
            }
            Some(errors) => {
                ui.colored_label(
                    style::BAD,
                    format!(
                        "{} {} in the scenario",
                        errors.0.len(),
                        if errors.0.len() == 1 { "problem" } else { "problems" }
                    ),
                );
            }
            None => {
                ui.colored_label(style::GOOD, "scenario valid");
            }
        }
        ui.separator();
        if let Some(status) = status {
            let color = if status.is_error { style::BAD } else { ui.visuals().text_color() };
            ui.colored_label(color, &status.text);
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            ui.label(format!("frame {:.1} ms", frames.mean_ms()))
                .on_hover_text("Time to draw a frame (mean of the last 120 frames)");
            if let Some(run) = doc.results.run_time {
                ui.separator();
                ui.label(format!("last run {:.0} ms", run.as_secs_f64() * 1e3));
            }
            if let Some(path) = &doc.path {
                ui.separator();
                ui.label(path.display().to_string());
            }
        });
    });
}
