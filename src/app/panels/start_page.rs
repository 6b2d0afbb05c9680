//! The start page and lesson browser: the bundled scenarios with their
//! titles, one-line summaries and levels, and the recent files.

use std::sync::OnceLock;

use std::path::PathBuf;

use crate::app::Command;
use crate::bundled;
use crate::scenario::{self, Limits};

/// A bundled scenario as listed: file name, title, summary, level.
#[derive(Debug, Clone)]
pub struct Entry {
    /// File name in `scenarios/`.
    pub file_name: &'static str,
    /// Scenario name.
    pub title: String,
    /// One-line description.
    pub summary: String,
    /// Lesson level, empty when not a lesson.
    pub level: String,
}

/// The bundled scenarios, parsed once.
pub fn entries() -> &'static [Entry] {
    static ENTRIES: OnceLock<Vec<Entry>> = OnceLock::new();
    ENTRIES.get_or_init(|| {
        let mut entries = bundled::BUNDLED
            .iter()
            .map(|b| match scenario::parse_str(b.text, &Limits::default()) {
                Ok(f) => Entry {
                    file_name: b.file_name,
                    title: f.name,
                    summary: f.description,
                    level: f.lesson.map(|l| l.level).unwrap_or_default(),
                },
                Err(_) => Entry {
                    file_name: b.file_name,
                    title: b.file_name.to_owned(),
                    summary: String::new(),
                    level: String::new(),
                },
            })
            .collect::<Vec<Entry>>();
        // Lessons from the first steps to the hardest, then the rest; the
        // bundled order within a level.
        entries.sort_by_key(|e| level_rank(&e.level));
        entries
    })
}

/// Where a lesson level comes in the list: intro, intermediate, advanced,
/// then any other level, then scenarios that are not lessons.
fn level_rank(level: &str) -> u8 {
    match level {
        "intro" => 0,
        "intermediate" => 1,
        "advanced" => 2,
        "" => 4,
        _ => 3,
    }
}

/// Draws the start page window when it is open (`show`), with the
/// `recent` files.
pub fn start_page_ui(ui: &mut egui::Ui, show: bool, recent: &[PathBuf], commands: &mut Vec<Command>) {
    if !show {
        return;
    }
    let mut open = true;
    egui::Window::new("Start")
        .open(&mut open)
        .collapsible(false)
        .resizable(true)
        .default_width(720.0)
        .anchor(egui::Align2::CENTER_CENTER, egui::vec2(0.0, 0.0))
        .show(ui.ctx(), |ui| {
            ui.heading("tenantsim");
            ui.label("Simulate silo, pool, bridge and cell designs of a multi-tenant SaaS on the same random traffic.");
            ui.add_space(8.0);
            ui.strong("Lessons and examples");
            egui::Grid::new("lessons").striped(true).num_columns(3).spacing([12.0, 6.0]).show(ui, |ui| {
                for entry in entries() {
                    if ui.button(&entry.title).on_hover_text(entry.file_name).clicked() {
                        commands.push(Command::OpenBundled(entry.file_name));
                    }
                    ui.label(egui::RichText::new(&entry.level).weak());
                    ui.add(egui::Label::new(&entry.summary).wrap());
                    ui.end_row();
                }
            });
            if !recent.is_empty() {
                ui.add_space(8.0);
                ui.strong("Recent files");
                for path in recent {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lessons_are_listed_from_intro_to_advanced_then_the_rest() {
        let ranks: Vec<u8> = entries().iter().map(|e| level_rank(&e.level)).collect();
        assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "{ranks:?}");
        assert!(ranks.contains(&0) && ranks.contains(&2), "the bundled lessons span the levels: {ranks:?}");
    }
}
