//! TODO(helper): compare view.

use crate::app::{Command, Prepared, ViewState};

/// Draws the comparison.
pub fn compare_ui(ui: &mut egui::Ui, prepared: &Prepared, view: &ViewState, commands: &mut Vec<Command>) {
    let _ = (ui, prepared, view, commands);
}
