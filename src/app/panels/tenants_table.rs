//! TODO(helper): tenant table.

use crate::app::{Command, Prepared, ViewState};

/// Draws the table.
pub fn tenants_table_ui(ui: &mut egui::Ui, prepared: &Prepared, view: &mut ViewState, commands: &mut Vec<Command>) {
    let _ = (ui, prepared, view, commands);
}
