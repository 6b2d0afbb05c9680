//! TODO(helper): tiers_editor.

use crate::scenario::{FieldErrors, ScenarioFile};

/// Draws the editor.
pub fn tiers_ui(ui: &mut egui::Ui, draft: &mut ScenarioFile, errors: Option<&FieldErrors>) {
    let _ = (ui, draft, errors);
}
