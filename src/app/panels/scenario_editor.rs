//! TODO(helper): scenario_editor.

use crate::scenario::{FieldErrors, ScenarioFile};

/// Draws the editor.
pub fn scenario_ui(ui: &mut egui::Ui, draft: &mut ScenarioFile, errors: Option<&FieldErrors>) {
    let _ = (ui, draft, errors);
}
