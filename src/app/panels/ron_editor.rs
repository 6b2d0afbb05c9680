//! TODO(helper): raw RON editor.

use crate::app::{Command, Document};

/// Draws the editor.
pub fn ron_ui(ui: &mut egui::Ui, doc: &Document, text: &mut Option<String>, commands: &mut Vec<Command>) {
    let _ = (ui, doc, text, commands);
}
