//! The scenario being edited: the file, where it lives, whether it is
//! saved, and its undo/redo history. Every change goes through
//! [`Document::edit`], so every change can be undone.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::scenario::{self, FieldErrors, Limits, LoadError, Scenario, ScenarioFile};

/// Edits with the same label closer together than this merge into one
/// undo step (dragging a value is one edit, not a hundred).
const COALESCE: Duration = Duration::from_millis(800);

/// Most undo steps kept.
const HISTORY: usize = 200;

/// The edited scenario and its history.
pub struct Document {
    /// The scenario as edited.
    pub file: ScenarioFile,
    /// Where it was opened from or saved to.
    pub path: Option<PathBuf>,
    /// The bundled scenario it came from, if any (for "reset lesson").
    pub bundled: Option<&'static str>,
    /// What was last saved or opened (to know whether edits are unsaved).
    saved: ScenarioFile,
    undo: Vec<(ScenarioFile, String)>,
    redo: Vec<(ScenarioFile, String)>,
    last_edit: Option<(String, Instant)>,
    /// Result of resolving `file`: the scenario to run, or its errors.
    pub resolved: Result<Scenario, FieldErrors>,
}

fn resolve(file: &ScenarioFile) -> Result<Scenario, FieldErrors> {
    scenario::resolve::resolve(file, &Limits::default())
}

impl Document {
    /// A document for a freshly opened file.
    pub fn new(file: ScenarioFile, path: Option<PathBuf>, bundled: Option<&'static str>) -> Self {
        let resolved = resolve(&file);
        Self { saved: file.clone(), file, path, bundled, undo: Vec::new(), redo: Vec::new(), last_edit: None, resolved }
    }

    /// Parses RON text into a document.
    ///
    /// # Errors
    /// Occurs when the text is not a scenario (syntax or shape); meaning
    /// errors still open, so the user can fix them in the editor.
    pub fn from_text(text: &str, path: Option<PathBuf>, bundled: Option<&'static str>) -> Result<Self, LoadError> {
        let file = scenario::parse_str(text, &Limits::default())?;
        Ok(Self::new(file, path, bundled))
    }

    /// True when the file differs from what was last opened or saved.
    pub fn is_dirty(&self) -> bool {
        self.file != self.saved
    }

    /// Marks the current state as saved at `path`.
    pub fn mark_saved(&mut self, path: PathBuf) {
        self.saved = self.file.clone();
        self.path = Some(path);
    }

    /// Treats the current edits as not worth keeping (the user chose to
    /// discard them), so a guarded command can proceed.
    pub fn mark_clean(&mut self) {
        self.saved = self.file.clone();
    }

    /// Replaces the file with an edited version, recording an undo step.
    /// Returns false when nothing changed.
    pub fn edit(&mut self, file: ScenarioFile, label: &str) -> bool {
        if file == self.file {
            return false;
        }
        let now = Instant::now();
        let coalesce =
            self.last_edit.as_ref().is_some_and(|(last, at)| last == label && now.duration_since(*at) < COALESCE);
        if !coalesce {
            self.undo.push((self.file.clone(), label.to_owned()));
            if self.undo.len() > HISTORY {
                self.undo.remove(0);
            }
        }
        self.redo.clear();
        self.last_edit = Some((label.to_owned(), now));
        self.file = file;
        self.resolved = resolve(&self.file);
        true
    }

    /// Undoes the last edit; returns its label.
    pub fn undo(&mut self) -> Option<String> {
        let (file, label) = self.undo.pop()?;
        let current = std::mem::replace(&mut self.file, file);
        self.redo.push((current, label.clone()));
        self.last_edit = None;
        self.resolved = resolve(&self.file);
        Some(label)
    }

    /// Redoes the last undone edit; returns its label.
    pub fn redo(&mut self) -> Option<String> {
        let (file, label) = self.redo.pop()?;
        let current = std::mem::replace(&mut self.file, file);
        self.undo.push((current, label.clone()));
        self.last_edit = None;
        self.resolved = resolve(&self.file);
        Some(label)
    }

    /// Label of the edit [`Document::undo`] would undo.
    pub fn undo_label(&self) -> Option<&str> {
        self.undo.last().map(|(_, l)| l.as_str())
    }

    /// Label of the edit [`Document::redo`] would redo.
    pub fn redo_label(&self) -> Option<&str> {
        self.redo.last().map(|(_, l)| l.as_str())
    }

    /// The resolve errors, if the file is currently invalid.
    pub fn errors(&self) -> Option<&FieldErrors> {
        self.resolved.as_ref().err()
    }

    /// Name for the title bar.
    pub fn title(&self) -> String {
        let name = match (&self.path, self.bundled) {
            (Some(p), _) => p.file_name().map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into_owned()),
            (None, Some(b)) => format!("{b} (example)"),
            (None, None) => "untitled.ron".to_owned(),
        };
        if self.is_dirty() { format!("{name} •") } else { name }
    }
}
