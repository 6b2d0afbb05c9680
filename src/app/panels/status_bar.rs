//! The status bar: last message, validity, run and frame times.

use crate::app::TenantsimApp;
use crate::app::panels::style;

/// Draws the status bar.
pub fn status_bar_ui(ui: &mut egui::Ui, app: &TenantsimApp) {
    ui.horizontal(|ui| {
        match app.doc.errors() {
            Some(errors) => {
                ui.colored_label(style::BAD, format!("{} problem(s) in the scenario", errors.0.len()));
            }
            None => {
                ui.colored_label(style::GOOD, "scenario valid");
            }
        }
        ui.separator();
        if let Some(status) = &app.status {
            let color = if status.is_error { style::BAD } else { ui.visuals().text_color() };
            ui.colored_label(color, &status.text);
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            ui.label(format!("frame {:.1} ms", app.frames.mean_ms()))
                .on_hover_text("Time to draw a frame (mean of the last 120 frames)");
            if let Some(run) = app.last_run {
                ui.separator();
                ui.label(format!("last run {:.0} ms", run.as_secs_f64() * 1e3));
            }
            if let Some(path) = &app.doc.path {
                ui.separator();
                ui.label(path.display().to_string());
            }
        });
    });
}
