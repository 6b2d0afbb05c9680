//! The start page: the bundled scenarios with their descriptions, and the
//! recent files.

use crate::app::{Command, TenantsimApp};
use crate::bundled;
use crate::scenario::{self, Limits};

/// Draws the start page window when it is open.
pub fn start_page_ui(ui: &mut egui::Ui, app: &mut TenantsimApp, commands: &mut Vec<Command>) {
    if !app.view.show_start {
        return;
    }
    let mut open = true;
    egui::Window::new("Start")
        .open(&mut open)
        .collapsible(false)
        .resizable(true)
        .default_width(560.0)
        .anchor(egui::Align2::CENTER_CENTER, egui::vec2(0.0, 0.0))
        .show(ui.ctx(), |ui| {
            ui.heading("tenantsim");
            ui.label("Simulate silo, pool, bridge and cell designs of a multi-tenant SaaS on the same random traffic.");
            ui.add_space(8.0);
            ui.strong("Examples");
            for b in bundled::BUNDLED {
                let (name, description) = match scenario::parse_str(b.text, &Limits::default()) {
                    Ok(f) => (f.name, f.description),
                    Err(_) => (b.file_name.to_owned(), String::new()),
                };
                ui.horizontal(|ui| {
                    if ui.button(&name).clicked() {
                        commands.push(Command::OpenBundled(b.file_name));
                    }
                    ui.label(egui::RichText::new(description).weak());
                });
            }
            if !app.prefs.recent.is_empty() {
                ui.add_space(8.0);
                ui.strong("Recent files");
                for path in &app.prefs.recent {
                    if ui.link(path.display().to_string()).clicked() {
                        commands.push(Command::OpenPath(path.clone()));
                    }
                }
            }
            ui.add_space(8.0);
            ui.horizontal(|ui| {
                if ui.button("New scenario").clicked() {
                    commands.push(Command::New);
                }
                if ui.button("Open file…").clicked() {
                    commands.push(Command::OpenDialog);
                }
            });
        });
    if !open {
        commands.push(Command::ShowStart(false));
    }
}
