//! The status bar: last message, validity, run and frame times.

use crate::app::panels::style;
use crate::app::{Document, FrameStats, Status};

/// How long a message stays in the status bar.
pub const MESSAGE_SHOWN_FOR: std::time::Duration = std::time::Duration::from_secs(8);
/// How long an error stays in the status bar.
pub const ERROR_SHOWN_FOR: std::time::Duration = std::time::Duration::from_secs(30);

/// Draws the status bar.
pub fn status_bar_ui(ui: &mut egui::Ui, doc: &Document, status: Option<&Status>, frames: &FrameStats) {
    ui.horizontal(|ui| {
        let syntax = super::ron_editor::syntax_problem(ui.ctx());
        match doc.errors() {
            _ if syntax.is_some() => {
                let message = syntax.unwrap_or_default();
                ui.colored_label(style::BAD, "RON text not applied: syntax error").on_hover_text(message);
            }
            _ if doc.is_resolving() => {
                ui.add(egui::Spinner::new());
                ui.label("checking the scenario…")
                    .on_hover_text("A large file: its problems and budget are being checked on a worker thread");
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
        // A message says what just happened: it goes once it is old news
        // (an error stays longer), and the window wakes to take it away.
        if let Some(status) = status {
            let shown_for = if status.is_error { ERROR_SHOWN_FOR } else { MESSAGE_SHOWN_FOR };
            let age = status.at.elapsed();
            if age < shown_for {
                let color = if status.is_error { style::BAD } else { ui.visuals().text_color() };
                ui.colored_label(color, &status.text);
                ui.ctx().request_repaint_after(shown_for - age);
            }
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

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use egui_kittest::kittest::Queryable;

    use super::*;

    fn shown(text: &str, is_error: bool, age: Duration) -> bool {
        let status = Status { text: text.to_owned(), is_error, at: Instant::now() - age };
        let doc = Document::default_example();
        let mut harness = egui_kittest::Harness::builder().with_size(egui::vec2(900.0, 40.0)).build_ui(|ui| {
            status_bar_ui(ui, &doc, Some(&status), &FrameStats::default());
        });
        harness.run_steps(2);
        harness.query_by_label(text).is_some()
    }

    #[test]
    fn a_message_goes_once_it_is_old_news_and_an_error_stays_longer() {
        assert!(shown("Saved x.ron", false, Duration::ZERO));
        assert!(!shown("Saved x.ron", false, MESSAGE_SHOWN_FOR + Duration::from_secs(1)));
        assert!(shown("cannot save", true, MESSAGE_SHOWN_FOR + Duration::from_secs(1)));
        assert!(!shown("cannot save", true, ERROR_SHOWN_FOR + Duration::from_secs(1)));
    }
}
