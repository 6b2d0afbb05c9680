//! The document and everything that resets with it: the scenario being
//! edited, where it lives, whether it is saved, its undo/redo
//! [`History`], the user's [`ViewState`] of it and its latest
//! [`Results`] and its latest plan run ([`PlanRun`]). Opening another file builds a new [`Document`], so no
//! selection, filter, sort, lesson progress or result of the old one can
//! outlive it. Every change of the scenario goes through
//! [`Document::edit`], so every change can be undone. No egui here.

pub mod history;
pub mod plan;
pub mod view;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use history::History;
pub use plan::{PlanCheck, PlanRun};
pub use view::{CompareView, PlanView, Scope, TableView, TimelineView, ViewState};

use crate::app::Prepared;
use crate::app::checker::Checker;
use crate::bundled;
use crate::scenario::rewrite::{self, SourceText};
use crate::scenario::{self, FieldErrors, Limits, LoadError, Scenario, ScenarioFile};

/// The latest results of a document's scenario.
#[derive(Debug, Clone, Default)]
pub struct Results {
    /// Latest finished results (kept while the scenario is invalid); a
    /// first look at fewer replications while [`Results::first_look_of`]
    /// is set.
    pub latest: Option<Arc<Prepared>>,
    /// Latest results with every replication (what claims are judged on
    /// and exports write).
    pub complete: Option<Arc<Prepared>>,
    /// Wall time of a run of every replication of the scenario behind
    /// `complete`: the run's, or after a first look whose results the
    /// rest was given, the rest's scaled to every replication.
    pub complete_run_time: Option<Duration>,
    /// While `latest` is a first look: the replications of the full run
    /// under way.
    pub first_look_of: Option<u32>,
    /// Why the last run failed, if it did.
    pub error: Option<String>,
    /// Wall time of the last finished run.
    pub run_time: Option<Duration>,
}

/// The edited scenario, its history, its view and its results.
pub struct Document {
    /// The scenario as edited.
    pub file: ScenarioFile,
    /// Where it was opened from or saved to.
    pub path: Option<PathBuf>,
    /// The bundled scenario it came from, if any (for "reset lesson").
    pub bundled: Option<&'static str>,
    /// What was last saved or opened (to know whether edits are unsaved).
    saved: ScenarioFile,
    /// The text it was opened from, last saved as or last typed as RON:
    /// a save rewrites only what changed in it (see [`rewrite`]).
    pub(crate) source: Option<SourceText>,
    /// The text last opened or saved (a typed comment is an unsaved edit).
    saved_text: Option<String>,
    /// [`Document::is_dirty`]'s answer, until the file, the text or what
    /// was saved changes (asked every frame; comparing a large file each
    /// time would cost the frame).
    dirty: std::cell::Cell<Option<bool>>,
    /// Counts changes of `file` (see [`Document::revision`]).
    revision: u64,
    /// The copy of the file the editor's forms draw and edit in place.
    pub(crate) draft: Draft,
    history: History,
    /// Result of resolving `file` (or, while [`Document::is_resolving`],
    /// an earlier version of it): the scenario to run, or its errors.
    pub resolved: Result<Scenario, FieldErrors>,
    /// Resolves on a worker thread (see [`Checker`]).
    resolver: Checker<ScenarioFile, Result<Scenario, FieldErrors>>,
    /// What the user is looking at in this document.
    pub view: ViewState,
    /// Its latest results.
    pub results: Results,
    /// The latest run of one of its plans (the Planner tab).
    pub plan_run: Option<PlanRun>,
    /// The check of the plan shown in the Planner tab.
    pub plan_check: PlanCheck,
}

/// What the resolver thread does: a hostile file may take a while here
/// (it is bounded by the budget, see `scenario::budget`).
#[allow(clippy::needless_pass_by_value)] // the checker hands its question over
fn resolve(file: ScenarioFile) -> Result<Scenario, FieldErrors> {
    scenario::resolve::resolve(&file, &Limits::default())
}

/// What the resolver answers should resolving panic (a bug): an error
/// the user sees, instead of a file that stays "checking" for good.
fn resolve_panicked() -> Result<Scenario, FieldErrors> {
    Err(FieldErrors(vec![scenario::FieldError {
        path: String::new(),
        message: "internal error while checking this file (please report it with the file)".to_owned(),
    }]))
}

/// What `resolved` holds until the first answer comes.
fn not_yet_resolved() -> Result<Scenario, FieldErrors> {
    Err(FieldErrors(Vec::new()))
}

impl Document {
    /// A document for a freshly opened file: no history, the default view,
    /// no results yet.
    pub fn new(file: ScenarioFile, path: Option<PathBuf>, bundled: Option<&'static str>) -> Self {
        let mut doc = Self {
            saved: file.clone(),
            source: None,
            saved_text: None,
            dirty: std::cell::Cell::new(None),
            revision: 0,
            draft: Draft::default(),
            file,
            path,
            bundled,
            history: History::default(),
            resolved: not_yet_resolved(),
            resolver: Checker::new("resolver", resolve, resolve_panicked),
            view: ViewState::default(),
            results: Results::default(),
            plan_run: None,
            plan_check: PlanCheck::default(),
        };
        doc.start_resolving();
        doc
    }

    /// Has the file resolved on the resolver's thread, waiting for the
    /// answer at most [`checker::WAIT`](crate::app::checker::WAIT).
    fn start_resolving(&mut self) {
        if let Some(answer) = self.resolver.ask(self.file.clone()) {
            self.resolved = answer;
        }
    }

    /// Sets how long an edit waits for its resolution before the UI draws
    /// on without it (by default [`checker::WAIT`](crate::app::checker::WAIT);
    /// zero never waits).
    pub fn set_resolve_wait(&mut self, wait: std::time::Duration) {
        self.resolver.set_wait(wait);
    }

    /// The check of the plan at `index` (see [`PlanCheck::check`]);
    /// `None` while the file or the plan is being checked.
    pub fn plan_checked(&mut self, index: usize) -> Option<&Result<crate::plan::spec::PlanSpec, FieldErrors>> {
        if self.is_resolving() {
            return None;
        }
        self.plan_check.check(&self.file, &self.resolved, index)
    }

    /// True while the current file is being resolved (its answer took
    /// longer than the UI waits): `resolved` is of an earlier version.
    pub fn is_resolving(&self) -> bool {
        self.resolver.is_waiting()
    }

    /// Takes the resolution of the current file if it has come since the
    /// last frame; true when it did (the app then runs it).
    pub fn poll_resolution(&mut self) -> bool {
        match self.resolver.poll() {
            Some(answer) => {
                self.resolved = answer;
                true
            }
            None => false,
        }
    }

    /// Parses RON text into a document.
    ///
    /// # Errors
    /// Occurs when the text is not a scenario (syntax or shape); meaning
    /// errors still open, so the user can fix them in the editor.
    pub fn from_text(text: &str, path: Option<PathBuf>, bundled: Option<&'static str>) -> Result<Self, LoadError> {
        let source = SourceText::parse(text, &Limits::default())?;
        let mut doc = Self::new(source.file.clone(), path, bundled);
        doc.saved_text = Some(source.text.clone());
        doc.source = Some(source);
        Ok(doc)
    }

    /// The document the app opens on: the default bundled example (or the
    /// new-scenario template, should the example ever fail to parse).
    pub fn default_example() -> Self {
        Self::from_text(bundled::DEFAULT.text, None, Some(bundled::DEFAULT.file_name))
            .unwrap_or_else(|_| Self::new(empty_scenario(), None, None))
    }

    /// A new, untitled document on the `New` template (its text included).
    pub fn blank() -> Self {
        Self::from_text(NEW_SCENARIO, None, None).unwrap_or_else(|_| Self::new(empty_scenario(), None, None))
    }

    /// A number that changes whenever the file may have (an edit, an undo
    /// or a redo), for caches of what is derived from it.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// True when the file differs from what was last opened or saved, or
    /// its text was retyped since.
    pub fn is_dirty(&self) -> bool {
        if let Some(dirty) = self.dirty.get() {
            return dirty;
        }
        let dirty = self.file != self.saved
            || self.source.as_ref().is_some_and(|s| Some(&s.text) != self.saved_text.as_ref() && s.file == self.file);
        self.dirty.set(Some(dirty));
        dirty
    }

    /// The scenario as RON text: the source text with only what changed
    /// rewritten (see [`rewrite::write`]).
    ///
    /// # Errors
    /// Occurs only if serialisation fails (it does not for valid files).
    pub fn text(&self) -> Result<String, ron::Error> {
        rewrite::write(&self.file, self.source.as_ref())
    }

    /// Takes RON text the user typed as the document's text: `file` is
    /// what it parses to. Returns true when the scenario itself changed
    /// (one undo step, as for [`Document::edit`]).
    pub fn edit_text(&mut self, text: String, file: ScenarioFile, label: &str) -> bool {
        self.dirty.set(None);
        let changed = self.edit(file.clone(), label);
        self.source = Some(SourceText { text, file });
        changed
    }

    /// Marks the current state as saved at `path` as `text`.
    pub fn mark_saved(&mut self, path: PathBuf, text: String) {
        self.dirty.set(None);
        self.saved = self.file.clone();
        self.saved_text = Some(text.clone());
        self.source = Some(SourceText { text, file: self.file.clone() });
        self.path = Some(path);
    }

    /// Marks the file as edited since `origin` (what it was opened from),
    /// or since a new scenario when that is not known: a restored copy of
    /// unsaved edits is unsaved again.
    pub fn mark_unsaved(&mut self, origin: Option<ScenarioFile>) {
        self.dirty.set(None);
        self.saved = origin.unwrap_or_else(empty_scenario);
    }

    /// Treats the current edits as not worth keeping (the user chose to
    /// discard them), so a guarded command can proceed.
    pub fn mark_clean(&mut self) {
        self.dirty.set(None);
        self.saved = self.file.clone();
        self.saved_text = self.source.as_ref().map(|s| s.text.clone());
    }

    /// Replaces the file with an edited version, recording an undo step
    /// (or joining the last one, see [`History`]). Returns false when
    /// nothing changed.
    pub fn edit(&mut self, file: ScenarioFile, label: &str) -> bool {
        if file == self.file {
            return false;
        }
        let before = std::mem::replace(&mut self.file, file);
        self.history.record(before, &self.file, label, Instant::now());
        self.file_changed();
        true
    }

    /// Undoes the last edit; returns its label.
    pub fn undo(&mut self) -> Option<String> {
        let label = self.history.undo(&mut self.file)?;
        self.file_changed();
        Some(label)
    }

    /// Redoes the last undone edit; returns its label.
    pub fn redo(&mut self) -> Option<String> {
        let label = self.history.redo(&mut self.file)?;
        self.file_changed();
        Some(label)
    }

    /// What follows every change of `file`: "unsaved?" asked anew, the
    /// forms' draft copied anew, and the file resolved.
    fn file_changed(&mut self) {
        self.dirty.set(None);
        self.revision += 1;
        self.start_resolving();
    }

    /// Label of the edit [`Document::undo`] would undo.
    pub fn undo_label(&self) -> Option<&str> {
        self.history.undo_label()
    }

    /// Label of the edit [`Document::redo`] would redo.
    pub fn redo_label(&self) -> Option<&str> {
        self.history.redo_label()
    }

    /// The resolve errors, if the file is currently invalid (those of an
    /// earlier version while it is being resolved).
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

/// The copy of the file the editor's forms draw and edit in place, made
/// again only when the file changed: cloning a large file every frame
/// would cost the frame.
#[derive(Debug, Default)]
pub struct Draft {
    copy: Option<(u64, ScenarioFile)>,
}

impl Draft {
    /// The draft of `file` at `revision` (a fresh copy when the file has
    /// changed since the last one, or after [`Draft::reset`]).
    pub fn of(&mut self, file: &ScenarioFile, revision: u64) -> &mut ScenarioFile {
        if self.copy.as_ref().is_some_and(|(r, _)| *r != revision) {
            self.copy = None;
        }
        &mut self.copy.get_or_insert_with(|| (revision, file.clone())).1
    }

    /// Forgets the copy (its edit was sent; the next frame copies the
    /// file as the edit left it).
    pub fn reset(&mut self) {
        self.copy = None;
    }
}

/// The text `New` starts from: small, valid, ready to edit.
const NEW_SCENARIO: &str = r#"Scenario(
    version: 1,
    name: "New scenario",
    description: "Two tiers, a few tenants, pool against silo.",
    clock: (duration: "1h", seed: 1, replications: 4),
    tiers: {
        "basic": (price_per_month: 99.0, plan: (rate: 50.0, burst: 100.0)),
        "premium": (price_per_month: 999.0, plan: (rate: 300.0, burst: 300.0), slo: (p99_ms: 200.0)),
    },
    tenants: [
        Tenant(id: "acme", tier: "premium", load: (rate: 20.0)),
        Group(prefix: "smb", count: 5, tier: "basic", load: (rate: 5.0)),
    ],
    layers: (
        gateway: (price_per_million: 1.0),
        compute: (service_time: Exponential(mean_ms: 20.0), concurrency: 4, instances: (min: 1, max: 10),
                  autoscale: (target_utilisation: 0.6), price_per_hour: 0.1),
    ),
    designs: [
        (name: "pool", placement: { "*": Pool }),
        (name: "silo", placement: { "*": Silo }, overhead_per_stack_per_month: 50.0),
    ],
)"#;

/// The scenario `New` starts from (see [`NEW_SCENARIO`]).
pub fn empty_scenario() -> ScenarioFile {
    scenario::parse_str(NEW_SCENARIO, &Limits::default()).unwrap_or_else(|_| {
        // The text above is a valid scenario (tested); this is unreachable.
        panic!("built-in new scenario does not parse")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_new_scenario_template_is_valid() {
        let doc = Document::new(empty_scenario(), None, None);
        assert!(doc.errors().is_none(), "{:?}", doc.errors());
    }

    #[test]
    fn edits_keep_the_view_and_undo_restores_the_file() {
        let mut doc = Document::default_example();
        doc.view.selected_tenant = Some("acme".into());
        let original = doc.file.clone();
        let mut file = doc.file.clone();
        file.clock.seed += 1;
        assert!(doc.edit(file.clone(), "Edit seed"));
        assert!(!doc.edit(file, "Edit seed"), "no change, no edit");
        assert!(doc.is_dirty());
        assert_eq!(doc.undo().as_deref(), Some("Edit seed"));
        assert_eq!(doc.file, original);
        assert!(!doc.is_dirty());
        assert_eq!(doc.view.selected_tenant.as_deref(), Some("acme"), "the view is the document's, not the edit's");
    }
}
