//! TODO(helper): tenants editor.

use crate::app::Command;
use crate::scenario::{FieldErrors, ScenarioFile};

/// Draws the editor.
pub fn tenants_ui(
    ui: &mut egui::Ui,
    draft: &mut ScenarioFile,
    errors: Option<&FieldErrors>,
    selected: Option<&str>,
    commands: &mut Vec<Command>,
) {
    let _ = (ui, draft, errors, selected, commands);
}
