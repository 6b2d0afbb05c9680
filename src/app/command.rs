//! Everything a user can do, as values. Panels push commands; the app
//! applies them once per frame ([`super::TenantsimApp::apply`]). That keeps
//! panels free of side effects and makes every action testable.

use std::path::PathBuf;

use crate::app::{DialogKind, ResultsTab};
use crate::scenario::ScenarioFile;

/// One user action.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Start an empty scenario.
    New,
    /// Open a bundled scenario by file name.
    OpenBundled(&'static str),
    /// Show the native open dialog.
    OpenDialog,
    /// Ask for a path in the app's own field (no dialog service answered).
    PromptPath(DialogKind),
    /// Open a file.
    OpenPath(PathBuf),
    /// Save to the current path (or ask for one).
    Save,
    /// Ask for a path and save there.
    SaveAsDialog,
    /// Save to this path.
    SaveTo(PathBuf),
    /// Copy the scenario's RON text to the clipboard.
    CopyScenario,
    /// Ask for the clipboard; the next paste is opened as a scenario.
    PasteScenario,
    /// Replace the scenario with RON text (from the clipboard, a drop or
    /// the raw view).
    OpenText {
        /// The RON text.
        text: String,
        /// Where it came from, if a file.
        path: Option<PathBuf>,
    },
    /// Replace the scenario with an edited version (one undo step).
    Edit {
        /// The edited scenario.
        file: Box<ScenarioFile>,
        /// What was edited, for the undo menu.
        label: String,
    },
    /// Take RON text the user typed as the scenario (one undo step when
    /// the scenario changed); a save writes that text as typed.
    EditText {
        /// The text as typed.
        text: String,
        /// What it parses to.
        file: Box<ScenarioFile>,
    },
    /// Apply the `index`th "try this" step of the lesson (one undo step).
    TryThis(usize),
    /// Return the lesson to the file as shipped (one undo step).
    ResetLesson,
    /// Show or hide the lesson panel.
    ToggleLesson,
    /// Undo the last edit.
    Undo,
    /// Redo the last undone edit.
    Redo,
    /// Draw a new random seed.
    Reroll,
    /// Re-run now, without debounce.
    Rerun,
    /// Export the results as CSV (dialog).
    ExportCsv,
    /// Export the results as JSON (dialog).
    ExportJson,
    /// Write the results to this path (JSON when `json`, else CSV).
    ExportTo {
        /// Target file.
        path: PathBuf,
        /// JSON rather than CSV.
        json: bool,
    },
    /// Run the plan at this index of the scenario's `plans` in the
    /// background (replacing any plan run in flight).
    RunPlan(usize),
    /// Stop the plan run in flight.
    CancelPlan,
    /// Export the last plan run's sweep as CSV (dialog).
    ExportPlanCsv,
    /// Write the last plan run's sweep as CSV to this path.
    ExportPlanTo(PathBuf),
    /// Save a PNG screenshot of the window (dialog).
    Screenshot,
    /// Save a PNG screenshot of the window to this path.
    ScreenshotTo(PathBuf),
    /// Save the Planner tab's plot as PNG (dialog).
    SavePlot,
    /// Save the Planner tab's plot, as last drawn, to this path as PNG.
    PlotTo(PathBuf),
    /// Show the plan at this index in the Planner tab and run it.
    DrawPlan(usize),
    /// Open the unsaved edits an earlier app left as the document.
    RestoreRecovered,
    /// Delete the unsaved edits an earlier app left.
    DiscardRecovered,
    /// Highlight a tenant in every plot (or clear).
    SelectTenant(Option<String>),
    /// Toggle between dark and light.
    ToggleTheme,
    /// Set the UI zoom.
    SetScale(f32),
    /// Toggle presenter mode.
    TogglePresenter,
    /// Show or hide the start page.
    ShowStart(bool),
    /// Show a results tab.
    ShowResults(ResultsTab),
    /// Remember the editor panel's width, points.
    SetEditorWidth(f32),
    /// Discard unsaved edits and run the held command.
    ConfirmDiscard,
    /// Keep the edits; forget the held command.
    CancelDiscard,
    /// Close the window.
    Quit,
    /// Show a message in the status bar (from background work).
    Notice {
        /// The message.
        text: String,
        /// True for failures.
        is_error: bool,
    },
}

impl Command {
    /// True for commands that replace the document (guarded when dirty).
    pub fn replaces_document(&self) -> bool {
        matches!(
            self,
            Command::New | Command::OpenBundled(_) | Command::OpenPath(_) | Command::OpenText { .. } | Command::Quit
        )
    }
}
