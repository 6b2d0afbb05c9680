//! TODO(helper): costs.

use crate::app::{Command, Prepared, ViewState};

/// Draws the cost plots.
pub fn costs_ui(ui: &mut egui::Ui, prepared: &Prepared, view: &mut ViewState, presenter: bool, commands: &mut Vec<Command>) {
    let _ = (ui, prepared, view, presenter, commands);
}
