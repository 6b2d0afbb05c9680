//! Applying commands: every [`Command`] a panel, a shortcut, a dialog or
//! the app itself pushed is applied here, once per frame, in order. This
//! is the only place the document is replaced or edited; commands that
//! replace a document with unsaved edits are held until the user
//! confirms. File I/O and dialogs are in [`super::io`], screenshots in
//! [`super::screenshot`].

use crate::app::io::DialogKind;
use crate::app::{Command, Document, TenantsimApp, Theme};
use crate::bundled;
use crate::scenario::{self, Limits};

impl TenantsimApp {
    /// Applies one command.
    pub fn apply(&mut self, command: Command, ctx: &egui::Context) {
        if command.replaces_document()
            && self.doc.is_dirty()
            && !matches!(command, Command::OpenText { path: None, .. })
        {
            if command == Command::Quit && self.quit_confirmed {
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                return;
            }
            self.held = Some(command);
            return;
        }
        match command {
            Command::New => self.replace_document(Document::blank()),
            Command::OpenBundled(name) => self.open_bundled(name),
            Command::OpenDialog => self.spawn_dialog(DialogKind::Open, ctx),
            Command::PromptPath(kind) => {
                self.prompt_path(kind);
                self.set_status("No file dialog answered here: type the path instead", false);
            }
            Command::OpenPath(path) => self.open_path(&path),
            Command::Save => match self.doc.path.clone() {
                Some(path) => self.save_to(&path),
                None => self.spawn_dialog(DialogKind::SaveAs, ctx),
            },
            Command::SaveAsDialog => self.spawn_dialog(DialogKind::SaveAs, ctx),
            Command::SaveTo(path) => self.save_to(&path),
            Command::CopyScenario => self.copy_scenario(ctx),
            Command::PasteScenario => {
                ctx.send_viewport_cmd(egui::ViewportCommand::RequestPaste);
                self.window.paste_armed = true;
            }
            Command::OpenText { text, path } => self.open_text(&text, path),
            Command::Edit { file, label } => self.edit_and_run(*file, &label),
            Command::EditText { text, file } => {
                if self.doc.edit_text(text, *file, "Edit RON") {
                    self.request_run(true);
                }
            }
            Command::TryThis(index) => self.try_this(index),
            Command::ResetLesson => self.reset_lesson(),
            Command::ToggleLesson => self.doc.view.hide_lesson = !self.doc.view.hide_lesson,
            Command::Undo => self.undo_redo(true),
            Command::Redo => self.undo_redo(false),
            Command::Reroll => {
                let mut file = self.doc.file.clone();
                file.clock.seed = reroll(file.clock.seed);
                self.push(Command::Edit { label: "Re-roll seed".into(), file: Box::new(file) });
            }
            Command::Rerun => self.request_run(false),
            Command::ExportCsv => self.spawn_dialog(DialogKind::ExportCsv, ctx),
            Command::ExportJson => self.spawn_dialog(DialogKind::ExportJson, ctx),
            Command::ExportTo { path, json } => self.export(&path, json),
            Command::RunPlan(index) => self.run_plan(index),
            Command::CancelPlan => self.cancel_plan(),
            Command::ExportPlanCsv => self.spawn_dialog(DialogKind::ExportPlanCsv, ctx),
            Command::ExportPlanTo(path) => self.export_plan_csv(&path),
            Command::Screenshot => self.spawn_dialog(DialogKind::Screenshot, ctx),
            Command::ScreenshotTo(path) => self.screenshot_to(path, None, ctx),
            Command::SavePlot => self.spawn_dialog(DialogKind::Plot, ctx),
            Command::PlotTo(path) => match crate::app::panels::planner::plot_rect(ctx)
                .filter(|_| self.window.results_tab == crate::app::ResultsTab::Planner)
            {
                Some(rect) => self.screenshot_to(path, Some(rect), ctx),
                None => self.set_status("Open the Planner tab with a plotted run to save its plot".to_owned(), true),
            },
            Command::RestoreRecovered => self.settle_recovered(true),
            Command::DiscardRecovered => self.settle_recovered(false),
            Command::DrawPlan(index) => {
                self.doc.view.plan.plan = index;
                self.window.results_tab = crate::app::ResultsTab::Planner;
                self.run_plan(index);
            }
            Command::Notice { text, is_error } => self.set_status(text, is_error),
            Command::SelectTenant(id) => self.doc.view.selected_tenant = id,
            Command::ToggleTheme => {
                self.prefs.theme = if self.prefs.theme == Theme::Dark { Theme::Light } else { Theme::Dark };
                self.apply_style(ctx);
            }
            Command::SetScale(scale) => {
                self.prefs.ui_scale = scale.clamp(0.6, 3.0);
                self.apply_style(ctx);
            }
            Command::TogglePresenter => {
                self.prefs.presenter = !self.prefs.presenter;
                self.apply_style(ctx);
            }
            Command::ShowStart(show) => self.window.show_start = show,
            Command::ShowResults(tab) => self.window.results_tab = tab,
            Command::SetEditorWidth(width) => self.prefs.editor_width = width,
            Command::ConfirmDiscard => self.confirm_discard(ctx),
            Command::CancelDiscard => self.held = None,
            Command::Quit => ctx.send_viewport_cmd(egui::ViewportCommand::Close),
        }
    }

    /// Discards the unsaved edits and runs the held command.
    fn confirm_discard(&mut self, ctx: &egui::Context) {
        let Some(held) = self.held.take() else { return };
        if held == Command::Quit {
            if let Some(recovery) = &mut self.recovery {
                recovery.clear(); // the user chose to lose the edits
            }
            self.quit_confirmed = true;
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        } else {
            self.doc.mark_clean();
            self.apply(held, ctx);
        }
    }

    fn undo_redo(&mut self, undo: bool) {
        let label = if undo { self.doc.undo() } else { self.doc.redo() };
        if let Some(label) = label {
            self.doc.view.ron_text = None;
            self.set_status(format!("{}: {label}", if undo { "Undid" } else { "Redid" }), false);
            self.request_run(false);
        }
    }

    /// Applies the lesson's `index`th "try this" step as one edit.
    fn try_this(&mut self, index: usize) {
        let Some(step) = self.doc.file.lesson.as_ref().and_then(|l| l.try_this.get(index)).cloned() else { return };
        let mut file = self.doc.file.clone();
        let applied: Result<Vec<()>, String> =
            step.changes.iter().map(|c| crate::lesson::apply_change(&mut file, c)).collect();
        match applied {
            Ok(_) => {
                self.doc.view.tried.retain(|&i| i != index);
                self.doc.view.tried.push(index);
                self.set_status(format!("Try this: {}", step.label), false);
                self.push(Command::Edit { file: Box::new(file), label: format!("Try: {}", step.label) });
            }
            Err(e) => self.set_status(format!("cannot apply \"{}\": {e}", step.label), true),
        }
    }

    /// Replaces the scenario with `file` (one undo step) and, when that
    /// changed it, shows it afresh in the RON view and re-runs it.
    fn edit_and_run(&mut self, file: crate::scenario::ScenarioFile, label: &str) {
        if self.doc.edit(file, label) {
            self.doc.view.ron_text = None;
            self.request_run(true);
        }
    }

    /// Returns a bundled lesson to the file as shipped, as one edit, and
    /// to the view it opens on.
    fn reset_lesson(&mut self) {
        let shipped = self
            .doc
            .bundled
            .and_then(bundled::by_file_name)
            .and_then(|b| scenario::parse_str(b.text, &Limits::default()).ok());
        match shipped {
            Some(file) => {
                self.doc.view.tried.clear();
                self.set_status("Lesson reset to the file as shipped", false);
                self.edit_and_run(file, "Reset lesson");
                self.apply_lesson_view();
            }
            None => self.set_status("This scenario is not a bundled lesson", true),
        }
    }
}

/// A new seed, derived from the old one (deterministic, never the same).
fn reroll(seed: u64) -> u64 {
    crate::rng::stream_seed(seed, 0xdead_beef, 1, crate::rng::StreamPurpose::Reroll) % 1_000_000
}
