//! The menu bar: files, edit history, view options, examples.

use crate::app::panels::start_page;
use crate::app::{Command, Document, Prefs, ResultsTab, Theme};

/// Draws the menu bar; `results_tab` is the results tab shown. `after`
/// draws more on the same line, after the menus (presenter mode's toolbar).
pub fn menu_bar_ui(
    ui: &mut egui::Ui,
    doc: &Document,
    prefs: &Prefs,
    results_tab: ResultsTab,
    commands: &mut Vec<Command>,
    after: impl FnOnce(&mut egui::Ui, &mut Vec<Command>),
) {
    egui::MenuBar::new().ui(ui, |ui| {
        ui.menu_button("File", |ui| {
            if ui.add(egui::Button::new("New").shortcut_text("Ctrl+N")).clicked() {
                commands.push(Command::New);
            }
            if ui.add(egui::Button::new("Open…").shortcut_text("Ctrl+O")).clicked() {
                commands.push(Command::OpenDialog);
            }
            ui.menu_button("Open lesson", |ui| {
                for entry in start_page::entries() {
                    let label = if entry.level.is_empty() {
                        entry.title.clone()
                    } else {
                        format!("{} ({})", entry.title, entry.level)
                    };
                    if ui.button(label).on_hover_text(&entry.summary).clicked() {
                        commands.push(Command::OpenBundled(entry.file_name));
                    }
                }
            });
            ui.menu_button("Open recent", |ui| {
                if prefs.recent.is_empty() {
                    ui.label("No recent files");
                }
                for path in &prefs.recent {
                    if ui.button(path.display().to_string()).clicked() {
                        commands.push(Command::OpenPath(path.clone()));
                    }
                }
            });
            ui.separator();
            if ui.add(egui::Button::new("Save").shortcut_text("Ctrl+S")).clicked() {
                commands.push(Command::Save);
            }
            if ui.add(egui::Button::new("Save as…").shortcut_text("Ctrl+Shift+S")).clicked() {
                commands.push(Command::SaveAsDialog);
            }
            ui.separator();
            if ui.button("Copy scenario as text").on_hover_text("Copy the RON text, to share it in a chat").clicked() {
                commands.push(Command::CopyScenario);
            }
            if ui
                .button("Paste scenario")
                .on_hover_text("Paste RON text copied from a chat or a file (Ctrl+V in this window)")
                .clicked()
            {
                commands.push(Command::PasteScenario);
            }
            ui.separator();
            if ui.button("Export results as CSV…").clicked() {
                commands.push(Command::ExportCsv);
            }
            if ui.button("Export results as JSON…").clicked() {
                commands.push(Command::ExportJson);
            }
            if ui.button("Screenshot to PNG…").clicked() {
                commands.push(Command::Screenshot);
            }
            ui.separator();
            if ui.button("Quit").clicked() {
                commands.push(Command::Quit);
            }
        });
        ui.menu_button("Edit", |ui| {
            let undo = doc.undo_label().map_or_else(|| "Undo".to_owned(), |l| format!("Undo {l}"));
            if ui.add_enabled(doc.undo_label().is_some(), egui::Button::new(undo).shortcut_text("Ctrl+Z")).clicked() {
                commands.push(Command::Undo);
            }
            let redo = doc.redo_label().map_or_else(|| "Redo".to_owned(), |l| format!("Redo {l}"));
            if ui
                .add_enabled(doc.redo_label().is_some(), egui::Button::new(redo).shortcut_text("Ctrl+Shift+Z"))
                .clicked()
            {
                commands.push(Command::Redo);
            }
        });
        ui.menu_button("View", |ui| {
            for (tab, label) in [
                (ResultsTab::Compare, "Compare"),
                (ResultsTab::Timelines, "Timelines"),
                (ResultsTab::Costs, "Costs"),
                (ResultsTab::Tenants, "Tenant table"),
                (ResultsTab::Planner, "Planner"),
            ] {
                if ui.radio(results_tab == tab, label).clicked() {
                    commands.push(Command::ShowResults(tab));
                }
            }
            ui.separator();
            if doc.file.lesson.is_some() && ui.selectable_label(!doc.view.hide_lesson, "Lesson panel").clicked() {
                commands.push(Command::ToggleLesson);
            }
            let theme = if prefs.theme == Theme::Dark { "Light theme" } else { "Dark theme" };
            if ui.button(theme).clicked() {
                commands.push(Command::ToggleTheme);
            }
            if ui
                .add(egui::Button::new("Presenter mode").shortcut_text("F11"))
                .on_hover_text("Large text, high-contrast plots, results fill the window")
                .clicked()
            {
                commands.push(Command::TogglePresenter);
            }
            ui.horizontal(|ui| {
                ui.label("UI scale");
                for scale in [1.0f32, 1.25, 1.5, 2.0] {
                    if ui
                        .selectable_label((prefs.ui_scale - scale).abs() < 0.01, format!("{:.0}%", scale * 100.0))
                        .clicked()
                    {
                        commands.push(Command::SetScale(scale));
                    }
                }
            });
        });
        ui.menu_button("Help", |ui| {
            if ui.button("Start page and lessons").clicked() {
                commands.push(Command::ShowStart(true));
            }
            ui.label(
                "Keyboard: Ctrl+N/O/S, Ctrl+Shift+S, Ctrl+Z / Ctrl+Shift+Z, F5 re-run, F11 presenter, Ctrl +/- zoom",
            );
        });
        after(ui, commands);
    });
}
