//! Files and dialogs: opening (a path, a bundled example, pasted text),
//! saving, exporting results, the clipboard, and the native file dialogs,
//! which run on their own thread and answer with a [`Command`] so the UI
//! never waits for them. Every failure becomes a status message.

use std::path::{Path, PathBuf};

use crate::app::{Command, Document, TenantsimApp};
use crate::bundled;
use crate::files;
use crate::report::format;
use crate::scenario::{self, Limits};

/// Which native dialog to show.
#[derive(Debug, Clone, Copy)]
pub(super) enum DialogKind {
    /// Pick a scenario to open.
    Open,
    /// Pick where to save the scenario.
    SaveAs,
    /// Pick where to export results as CSV.
    ExportCsv,
    /// Pick where to export results as JSON.
    ExportJson,
    /// Pick where to export a plan's sweep as CSV.
    ExportPlanCsv,
    /// Pick where to save a screenshot.
    Screenshot,
    /// Pick where to save the Planner tab's plot.
    Plot,
}

impl TenantsimApp {
    /// Opens a bundled example as a new document.
    pub(super) fn open_bundled(&mut self, name: &str) {
        match bundled::by_file_name(name) {
            Some(b) => match Document::from_text(b.text, None, Some(b.file_name)) {
                Ok(doc) => {
                    self.replace_document(doc);
                    self.set_status(format!("Opened example {name}"), false);
                }
                Err(e) => self.set_status(format!("{name}: {e}"), true),
            },
            None => self.set_status(format!("no bundled scenario {name}"), true),
        }
    }

    /// Opens a scenario file as a new document and remembers it.
    pub(super) fn open_path(&mut self, path: &Path) {
        match files::read_text(path, &Limits::default()) {
            Ok(text) => match Document::from_text(&text, Some(path.to_owned()), None) {
                Ok(doc) => {
                    self.prefs.remember(path.to_owned());
                    self.replace_document(doc);
                    self.set_status(format!("Opened {}", path.display()), false);
                }
                Err(e) => self.set_status(files::format_load_error(path, &e), true),
            },
            Err(e) => self.set_status(e.to_string(), true),
        }
    }

    /// Opens RON text: from a file (`path`), a new document; pasted (no
    /// path), an edit of the current one, so it can be undone.
    pub(super) fn open_text(&mut self, text: &str, path: Option<PathBuf>) {
        match Document::from_text(text, path.clone(), None) {
            Ok(doc) => {
                let label = path.as_ref().map_or_else(|| "pasted scenario".to_owned(), |p| p.display().to_string());
                if path.is_none() {
                    self.doc.edit(doc.file, "Paste scenario");
                    self.doc.view.ron_text = None;
                    self.request_run(false);
                } else {
                    self.replace_document(doc);
                }
                self.set_status(format!("Opened {label}"), false);
            }
            Err(e) => self.set_status(format!("Not a scenario: {e}"), true),
        }
    }

    /// Saves the scenario as RON to `path` (atomically) and remembers it.
    pub(super) fn save_to(&mut self, path: &Path) {
        let text = match scenario::to_ron_string(&self.doc.file) {
            Ok(t) => t,
            Err(e) => return self.set_status(format!("cannot save: {e}"), true),
        };
        match files::save_atomic(path, &text) {
            Ok(()) => {
                self.doc.mark_saved(path.to_owned());
                self.prefs.remember(path.to_owned());
                self.set_status(format!("Saved {}", path.display()), false);
            }
            // The message names the file.
            Err(e) => self.set_status(e.to_string(), true),
        }
    }

    /// Writes the latest results to `path`, as JSON or CSV.
    pub(super) fn export(&mut self, path: &Path, json: bool) {
        let Some(results) = &self.doc.results.latest else {
            return self.set_status("No results to export yet", true);
        };
        let text = if json {
            format::json(&results.report).map_err(|e| format!("{}: {e}", path.display()))
        } else {
            format::csv(&results.report).map_err(|e| format!("{}: {e}", path.display()))
        };
        // A save error names the file itself.
        match text.and_then(|t| files::save_atomic(path, &t).map_err(|e| e.to_string())) {
            Ok(()) => self.set_status(format!("Exported {}", path.display()), false),
            Err(e) => self.set_status(e, true),
        }
    }

    /// Copies the scenario's RON text to the clipboard.
    pub(super) fn copy_scenario(&mut self, ctx: &egui::Context) {
        match scenario::to_ron_string(&self.doc.file) {
            Ok(text) => {
                ctx.copy_text(text);
                self.set_status("Scenario copied to the clipboard as RON text", false);
            }
            Err(e) => self.set_status(format!("cannot copy: {e}"), true),
        }
    }

    /// Shows a native dialog on its own thread; the path picked comes back
    /// as a command.
    pub(super) fn spawn_dialog(&self, kind: DialogKind) {
        let tx = self.background_tx.clone();
        let start_dir = self.doc.path.as_ref().and_then(|p| p.parent().map(Path::to_path_buf));
        let stem = self
            .doc
            .path
            .as_ref()
            .and_then(|p| p.file_stem())
            .map_or_else(|| slug(&self.doc.file.name), |s| s.to_string_lossy().into_owned());
        std::thread::spawn(move || {
            let mut dialog = rfd::FileDialog::new();
            if let Some(dir) = start_dir {
                dialog = dialog.set_directory(dir);
            }
            let save = |dialog: rfd::FileDialog, name: &str, ext: &str, file: String| {
                dialog.add_filter(name, &[ext]).set_file_name(file).save_file()
            };
            let picked = match kind {
                DialogKind::Open => {
                    dialog.add_filter("tenantsim scenario", &["ron"]).pick_file().map(Command::OpenPath)
                }
                DialogKind::SaveAs => {
                    save(dialog, "tenantsim scenario", "ron", format!("{stem}.ron")).map(Command::SaveTo)
                }
                DialogKind::ExportCsv => save(dialog, "CSV", "csv", format!("{stem}-results.csv"))
                    .map(|path| Command::ExportTo { path, json: false }),
                DialogKind::ExportJson => save(dialog, "JSON", "json", format!("{stem}-results.json"))
                    .map(|path| Command::ExportTo { path, json: true }),
                DialogKind::ExportPlanCsv => {
                    save(dialog, "CSV", "csv", format!("{stem}-plan.csv")).map(Command::ExportPlanTo)
                }
                DialogKind::Screenshot => save(dialog, "PNG", "png", format!("{stem}.png")).map(Command::ScreenshotTo),
                DialogKind::Plot => save(dialog, "PNG", "png", format!("{stem}-plan.png")).map(Command::PlotTo),
            };
            if let Some(command) = picked {
                // The receiver is gone only when the app is.
                let _ = tx.send(command);
            }
        });
    }
}

/// A file-name stem from a scenario name: `Noisy neighbour!` → `noisy-neighbour`.
fn slug(name: &str) -> String {
    let s: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    let s = s.trim_matches('-').to_owned();
    if s.is_empty() { "scenario".into() } else { s }
}

#[cfg(test)]
mod tests {
    use super::slug;

    #[test]
    fn a_slug_keeps_letters_and_digits() {
        assert_eq!(slug("Noisy neighbour!"), "noisy-neighbour");
        assert_eq!(slug("  "), "scenario");
    }
}
