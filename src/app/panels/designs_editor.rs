//! TODO(helper): designs_editor.

use crate::scenario::{FieldErrors, ScenarioFile};

/// Draws the editor.
pub fn designs_ui(ui: &mut egui::Ui, draft: &mut ScenarioFile, errors: Option<&FieldErrors>) {
    let _ = (ui, draft, errors);
}
