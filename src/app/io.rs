//! Files and dialogs: opening (a path, a bundled example, pasted text),
//! saving, exporting results, the clipboard, and the native file dialogs,
//! which run on their own thread and answer with a [`Command`] so the UI
//! never waits for them. Every failure becomes a status message.

use std::path::{Path, PathBuf};

use crate::app::{Command, Document, TenantsimApp};
use crate::bundled;
use crate::files;
use crate::report::format;
use crate::scenario::Limits;

/// Which file dialog to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialogKind {
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

impl DialogKind {
    /// What the dialog is for, as its title.
    pub fn title(self) -> &'static str {
        match self {
            Self::Open => "Open scenario",
            Self::SaveAs => "Save scenario as",
            Self::ExportCsv => "Export results as CSV",
            Self::ExportJson => "Export results as JSON",
            Self::ExportPlanCsv => "Export the plan as CSV",
            Self::Screenshot => "Save a screenshot",
            Self::Plot => "Save the plot",
        }
    }

    /// The file type's name and extension.
    fn filter(self) -> (&'static str, &'static str) {
        match self {
            Self::Open | Self::SaveAs => ("tenantsim scenario", "ron"),
            Self::ExportCsv | Self::ExportPlanCsv => ("CSV", "csv"),
            Self::ExportJson => ("JSON", "json"),
            Self::Screenshot | Self::Plot => ("PNG", "png"),
        }
    }

    /// The file name offered for a document whose name (or file stem) is
    /// `stem`; none when opening.
    fn file_name(self, stem: &str) -> Option<String> {
        match self {
            Self::Open => None,
            Self::SaveAs => Some(format!("{stem}.ron")),
            Self::ExportCsv => Some(format!("{stem}-results.csv")),
            Self::ExportJson => Some(format!("{stem}-results.json")),
            Self::ExportPlanCsv => Some(format!("{stem}-plan.csv")),
            Self::Screenshot => Some(format!("{stem}.png")),
            Self::Plot => Some(format!("{stem}-plan.png")),
        }
    }

    /// The command that does what the dialog was for, at `path`.
    pub fn command_for(self, path: PathBuf) -> Command {
        match self {
            Self::Open => Command::OpenPath(path),
            Self::SaveAs => Command::SaveTo(path),
            Self::ExportCsv => Command::ExportTo { path, json: false },
            Self::ExportJson => Command::ExportTo { path, json: true },
            Self::ExportPlanCsv => Command::ExportPlanTo(path),
            Self::Screenshot => Command::ScreenshotTo(path),
            Self::Plot => Command::PlotTo(path),
        }
    }
}

/// The app's own stand-in for a file dialog: a path typed into a field,
/// offered where no dialog service (desktop portal or zenity) answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathPrompt {
    /// What the path is for.
    pub kind: DialogKind,
    /// The path as typed (starts as the folder and file name a dialog
    /// would offer).
    pub text: String,
}

/// A dialog that answers "nothing picked" sooner than this was never
/// shown: no person cancels that fast, so the app asks for a path itself.
const NO_DIALOG_WITHIN: std::time::Duration = std::time::Duration::from_millis(300);

/// Whether a native file dialog can be shown: zenity on the `PATH`, or a
/// session bus where a desktop portal may answer. `TENANTSIM_FILE_DIALOG=
/// builtin` always uses the app's own path field.
fn dialog_service_available() -> bool {
    if std::env::var("TENANTSIM_FILE_DIALOG").is_ok_and(|v| v == "builtin") {
        return false;
    }
    let zenity = std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join("zenity").is_file()));
    zenity || std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some_and(|v| !v.is_empty())
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
        let text = match self.doc.text() {
            Ok(t) => t,
            Err(e) => return self.set_status(format!("cannot save: {e}"), true),
        };
        match files::save_atomic(path, &text) {
            Ok(()) => {
                self.doc.mark_saved(path.to_owned(), text);
                self.prefs.remember(path.to_owned());
                self.set_status(format!("Saved {}", path.display()), false);
            }
            // The message names the file.
            Err(e) => self.set_status(e.to_string(), true),
        }
    }

    /// Writes the latest results to `path`, as JSON or CSV.
    pub(super) fn export(&mut self, path: &Path, json: bool) {
        if let Some(total) = self.doc.results.first_look_of {
            return self.set_status(format!("Results of all {total} replications are on their way; export then"), true);
        }
        let Some(results) = &self.doc.results.complete else {
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
        match self.doc.text() {
            Ok(text) => {
                ctx.copy_text(text);
                self.set_status("Scenario copied to the clipboard as RON text", false);
            }
            Err(e) => self.set_status(format!("cannot copy: {e}"), true),
        }
    }

    /// The folder a dialog starts in (the document's, else the working
    /// folder) and the name stem it offers (the file's, the bundled
    /// example's, else one made from the scenario's name).
    fn dialog_start(&self) -> (Option<PathBuf>, String) {
        let dir = self
            .doc
            .path
            .as_ref()
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .filter(|d| !d.as_os_str().is_empty())
            .or_else(|| std::env::current_dir().ok());
        let stem = self
            .doc
            .path
            .as_ref()
            .and_then(|p| p.file_stem())
            .map(|s| s.to_string_lossy().into_owned())
            .or_else(|| self.doc.bundled.map(|b| b.trim_end_matches(".ron").to_owned()))
            .unwrap_or_else(|| slug(&self.doc.file.name));
        (dir, stem)
    }

    /// Asks for a path with the app's own field (see [`PathPrompt`]).
    pub(super) fn prompt_path(&mut self, kind: DialogKind) {
        let (dir, stem) = self.dialog_start();
        let mut path = dir.unwrap_or_default();
        if let Some(name) = kind.file_name(&stem) {
            path.push(name);
        }
        let mut text = path.display().to_string();
        if kind == DialogKind::Open && !text.ends_with(std::path::MAIN_SEPARATOR) {
            text.push(std::path::MAIN_SEPARATOR);
        }
        self.window.path_prompt = Some(PathPrompt { kind, text });
    }

    /// Shows a native dialog on its own thread, starting in the document's
    /// folder; the path picked comes back as a command and wakes the
    /// window. Where no dialog can be shown, the app's own path field is
    /// offered instead.
    pub(super) fn spawn_dialog(&mut self, kind: DialogKind, ctx: &egui::Context) {
        if !dialog_service_available() {
            self.prompt_path(kind);
            return;
        }
        let tx = self.background_tx.clone();
        let (start_dir, stem) = self.dialog_start();
        let ctx = ctx.clone();
        std::thread::spawn(move || {
            let asked = std::time::Instant::now();
            let (name, ext) = kind.filter();
            let mut dialog = rfd::FileDialog::new().set_title(kind.title()).add_filter(name, &[ext]);
            if let Some(dir) = start_dir {
                dialog = dialog.set_directory(dir);
            }
            let picked = match kind.file_name(&stem) {
                None => dialog.pick_file(),
                Some(file) => dialog.set_file_name(file).save_file(),
            };
            let command = match picked {
                Some(path) => Some(kind.command_for(path)),
                None if asked.elapsed() < NO_DIALOG_WITHIN => Some(Command::PromptPath(kind)),
                None => None,
            };
            if let Some(command) = command {
                // The receiver is gone only when the app is.
                let _ = tx.send(command);
                ctx.request_repaint();
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
