//! TODO(helper): timelines.

use crate::app::{Command, Prepared, ViewState};

/// Draws the timelines.
pub fn timelines_ui(ui: &mut egui::Ui, prepared: &Prepared, view: &mut ViewState, presenter: bool, commands: &mut Vec<Command>) {
    let _ = (ui, prepared, view, presenter, commands);
}
