//! The window's layout and one panel per file. Panels are given what they
//! draw (the [`Document`], its results, their own view state) and push
//! [`Command`]s for everything else; they never see the app. Editors draw
//! on a per-frame draft of the scenario and the difference becomes one
//! `Edit` command.

pub mod compare;
pub mod costs;
pub mod designs_editor;
pub mod events_editor;
pub mod form;
pub mod layers_editor;
pub mod layout;
pub mod lesson;
pub mod lesson_editor;
pub mod menu_bar;
pub mod plan_form;
pub mod planner;
pub mod plot_axis;
pub mod ron_editor;
pub mod scenario_editor;
pub mod start_page;
pub mod status_bar;
pub mod style;
pub mod tenants_editor;
pub mod tenants_table;
#[cfg(test)]
pub(crate) mod testing;
pub mod tiers_editor;
pub mod timelines;
pub mod toolbar;

use egui::UiBuilder;

use crate::app::runner::RunStatus;
use crate::app::{Command, Document, EditorTab, FrameStats, Prefs, ResultsTab, Status, WindowState};

/// What one frame of the window draws from, lent by the app. Panels may
/// change only their own view state (the window's tabs, the document's
/// view); everything else they ask for by pushing a [`Command`].
pub struct Screen<'a> {
    /// The open document, with its view and results.
    pub doc: &'a mut Document,
    /// The window's tabs and start page.
    pub window: &'a mut WindowState,
    /// Preferences (theme, presenter mode, recent files).
    pub prefs: &'a Prefs,
    /// Whether a run is waiting or in flight, and its progress.
    pub run: RunStatus,
    /// The status bar message.
    pub status: Option<&'a Status>,
    /// Frame-time statistics.
    pub frames: &'a FrameStats,
    /// A command waits for the user to confirm discarding edits.
    pub held: bool,
    /// Unsaved edits an earlier app left, offered for restoring.
    pub recovered: Option<&'a crate::app::recovery::Recovered>,
}

/// Draws the whole window.
pub fn draw(ui: &mut egui::Ui, screen: Screen<'_>, commands: &mut Vec<Command>) {
    let Screen { doc, window, prefs, run, status, frames, held, recovered } = screen;
    if prefs.presenter {
        // On a projector every line counts: the menus and the toolbar share one.
        egui::Panel::top("menu_bar").show(ui, |ui| {
            menu_bar::menu_bar_ui(ui, doc, prefs, window.results_tab, commands, |ui, commands| {
                ui.separator();
                // The toolbar's own look, not the menus' frameless one.
                ui.scope(|ui| {
                    ui.style_mut().visuals = ui.ctx().global_style().visuals.clone();
                    toolbar::toolbar_ui(ui, doc, run, commands);
                });
            });
        });
    } else {
        egui::Panel::top("menu_bar")
            .show(ui, |ui| menu_bar::menu_bar_ui(ui, doc, prefs, window.results_tab, commands, |_, _| {}));
        egui::Panel::top("toolbar").show(ui, |ui| toolbar::toolbar_ui(ui, doc, run, commands));
    }
    egui::Panel::bottom("status_bar").show(ui, |ui| status_bar::status_bar_ui(ui, doc, status, frames));
    let shows_lesson = doc.file.lesson.is_some() && !doc.view.hide_lesson;
    let window_width = ui.available_rect_before_wrap().width();
    let widths = layout::side_widths(window_width, prefs.editor_width, shows_lesson, prefs.presenter);
    if let Some(lesson) = doc.file.lesson.as_ref().filter(|_| shows_lesson) {
        layout::follow_width(ui, "lesson", widths.lesson);
        let panel = egui::Panel::right("lesson").resizable(true).default_size(widths.lesson);
        panel.size_range(layout::MIN_LESSON_WIDTH..=widths.lesson.max(window_width * 0.5)).show(ui, |ui| {
            // Claims are judged on every replication, never on a first look.
            let results = doc.results.complete.as_deref();
            let plan_run = doc.plan_run.as_ref();
            let plans = &doc.file.plans;
            lesson::lesson_ui(ui, lesson, plans, plan_run, results, &doc.view.tried, doc.bundled.is_some(), commands);
        });
    }
    if !prefs.presenter {
        layout::follow_width(ui, "editor", widths.editor);
        let most = (window_width - widths.lesson - layout::MIN_RESULTS_WIDTH).max(widths.editor);
        let panel = egui::Panel::left("editor").resizable(true).default_size(widths.editor);
        let response = panel
            .size_range(layout::MIN_EDITOR_WIDTH..=most)
            .show(ui, |ui| editor_ui(ui, doc, &mut window.editor_tab, commands));
        // Only a drag makes it another width: that is the user's new width.
        let width = response.response.rect.width();
        if (width - widths.editor).abs() > 0.5 {
            commands.push(Command::SetEditorWidth(width));
        }
    }
    egui::CentralPanel::default().show(ui, |ui| {
        if prefs.presenter {
            presenter_ui(ui, doc, run, commands);
        } else {
            results_ui(ui, doc, &mut window.results_tab, run, commands);
        }
    });
    start_page::start_page_ui(ui, window.show_start, &prefs.recent, commands);
    if held {
        discard_ui(ui, &doc.title(), commands);
    } else if let Some(recovered) = recovered {
        recovered_ui(ui, recovered, commands);
    } else if let Some(prompt) = &mut window.path_prompt {
        match path_prompt_ui(ui, prompt) {
            Some(true) => {
                commands.push(prompt.kind.command_for(std::path::PathBuf::from(prompt.text.trim())));
                window.path_prompt = None;
            }
            Some(false) => window.path_prompt = None,
            None => {}
        }
    }
}

/// The app's own file dialog: a path to type, for a machine where no
/// dialog service answers. `Some(true)` when the user confirms, `Some
/// (false)` when they cancel.
fn path_prompt_ui(ui: &mut egui::Ui, prompt: &mut crate::app::PathPrompt) -> Option<bool> {
    let mut answer = None;
    egui::Modal::new(egui::Id::unique("path_prompt")).show(ui.ctx(), |ui| {
        ui.heading(prompt.kind.title());
        ui.label("Type the file's path (no file dialog is available on this machine).");
        let id = egui::Id::unique("path_prompt_text");
        let field = egui::TextEdit::singleline(&mut prompt.text).id(id).desired_width(520.0);
        let response = ui.add(field);
        if !response.has_focus() && !response.lost_focus() {
            response.request_focus();
        }
        let entered = response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        let empty = prompt.text.trim().is_empty();
        ui.add_space(6.0);
        ui.horizontal(|ui| {
            let ok = if prompt.kind == crate::app::DialogKind::Open { "Open" } else { "Save" };
            if ui.add_enabled(!empty, egui::Button::new(ok)).clicked() || (entered && !empty) {
                answer = Some(true);
            }
            if ui.button("Cancel").clicked() || ui.input(|i| i.key_pressed(egui::Key::Escape)) {
                answer = Some(false);
            }
        });
    });
    answer
}

/// The offer to restore unsaved edits an earlier app left behind.
fn recovered_ui(ui: &mut egui::Ui, recovered: &crate::app::recovery::Recovered, commands: &mut Vec<Command>) {
    egui::Modal::new(egui::Id::unique("recovered_edits")).show(ui.ctx(), |ui| {
        ui.heading("Unsaved edits found");
        let when = std::time::UNIX_EPOCH + std::time::Duration::from_secs(recovered.written_unix_secs);
        let ago = std::time::SystemTime::now().duration_since(when).map_or(0, |d| d.as_secs());
        let ago = match ago {
            0..60 => "less than a minute ago".to_owned(),
            60..7200 => format!("{} minutes ago", ago / 60),
            _ => format!("{} hours ago", ago / 3600),
        };
        ui.label(format!(
            "tenantsim closed without saving edits to {}. A copy was kept {ago}.",
            crate::safe_text::terminal(&recovered.describe())
        ));
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            if ui.button("Restore edits").on_hover_text("Open the edits as an unsaved scenario").clicked() {
                commands.push(Command::RestoreRecovered);
            }
            if ui.button("Discard").on_hover_text("Delete the copy; the saved file is unchanged").clicked() {
                commands.push(Command::DiscardRecovered);
            }
        });
    });
}

/// One line, always there (so the form under it never moves): the
/// scenario's problems, the first in words and all of them on hover, or
/// that there are none.
fn problems_strip_ui(ui: &mut egui::Ui, errors: Option<&crate::scenario::FieldErrors>, resolving: bool) {
    let height = ui.spacing().interact_size.y;
    let width = ui.available_width();
    ui.allocate_ui_with_layout(egui::vec2(width, height), egui::Layout::left_to_right(egui::Align::Center), |ui| {
        ui.set_min_size(egui::vec2(width, height));
        match errors {
            _ if resolving => {
                ui.add(egui::Spinner::new());
                ui.label(egui::RichText::new("Checking the scenario…").weak());
            }
            Some(errors) if !errors.0.is_empty() => {
                let n = errors.0.len();
                let first = &errors.0[0];
                let text = format!("{} {n} {}: {first}", form::ERROR_MARK, if n == 1 { "problem" } else { "problems" });
                let all: Vec<String> = errors.0.iter().map(ToString::to_string).collect();
                let hover = format!("The results shown are from the last valid scenario.\n\n{}", all.join("\n"));
                ui.add(egui::Label::new(egui::RichText::new(text).color(ui.visuals().error_fg_color)).truncate())
                    .on_hover_text(hover);
            }
            _ => {
                ui.label(egui::RichText::new("No problems").weak());
            }
        }
    });
}

/// The editor tabs and the tab shown; each form edits a draft of the
/// scenario, and a changed draft becomes one `Edit` command.
fn editor_ui(ui: &mut egui::Ui, doc: &mut Document, editor_tab: &mut EditorTab, commands: &mut Vec<Command>) {
    ui.horizontal_wrapped(|ui| {
        for (tab, label, tip) in [
            (EditorTab::Scenario, "Scenario", "Name, description, clock, seed, replications and cost attribution"),
            (EditorTab::Tiers, "Tiers", "Commercial plans: price, usage plan (throttling), SLO, fair-share weight"),
            (EditorTab::Tenants, "Tenants", "Customers and their load profiles"),
            (EditorTab::Layers, "Layers", "Gateway, compute and database: limits, sizing, prices"),
            (EditorTab::Designs, "Designs", "Where each tier's traffic lands in each layer: silo, pool or cells"),
            (EditorTab::Events, "Events", "Spikes and capacity losses during the run"),
            (EditorTab::Lesson, "Lesson", "Workshop steps (\"try this\") and the claims the results must bear out"),
            (EditorTab::Ron, "RON", "The scenario file as text, with live validation"),
        ] {
            ui.selectable_value(editor_tab, tab, label).on_hover_text(tip);
        }
    });
    ui.separator();
    problems_strip_ui(ui, doc.errors(), doc.is_resolving());
    let tab = *editor_tab;
    if tab == EditorTab::Ron {
        let resolution = (!doc.is_resolving()).then_some(&doc.resolved);
        ron_editor::ron_ui(ui, (&doc.file, doc.source.as_ref()), resolution, &mut doc.view.ron_text, commands);
        return;
    }
    let errors = doc.resolved.as_ref().err();
    let revision = doc.revision();
    let draft = doc.draft.of(&doc.file, revision);
    // The form's widgets get the same ids whatever is drawn above it, so a
    // field keeps its focus and text when a message appears or goes.
    let form_scope = UiBuilder::new().scope_id(ui.make_persistent_id(("editor_form", format!("{tab:?}"))));
    ui.scope_builder(form_scope, |ui| {
        egui::ScrollArea::vertical().auto_shrink([false, false]).show(ui, |ui| match tab {
            EditorTab::Scenario => scenario_editor::scenario_ui(ui, draft, errors),
            EditorTab::Tiers => tiers_editor::tiers_ui(ui, draft, errors),
            EditorTab::Tenants => {
                tenants_editor::tenants_ui(ui, draft, errors, doc.view.selected_tenant.as_deref(), commands);
            }
            EditorTab::Layers => layers_editor::layers_ui(ui, draft, errors),
            EditorTab::Designs => designs_editor::designs_ui(ui, draft, errors),
            EditorTab::Events => events_editor::events_ui(ui, draft, errors),
            EditorTab::Lesson => lesson_editor::lesson_editor_ui(ui, draft),
            EditorTab::Ron => {}
        });
    });
    // Only input can change the draft: a frame without any (a repaint
    // while a run progresses, a hover) skips comparing it with the file,
    // unless the frame before had input or the keyboard focus moved since
    // (a typed number commits when its field loses focus, which egui may
    // report a frame later).
    let input = ui.input(|i| {
        i.pointer.any_down()
            || i.events.iter().any(|e| !matches!(e, egui::Event::PointerMoved(_) | egui::Event::MouseMoved(_)))
    });
    let focus = ui.memory(egui::Memory::focused);
    let last_id = egui::Id::unique("editor_form_last_frame");
    let (input_before, focus_before) =
        ui.data(|d| d.get_temp::<(bool, Option<egui::Id>)>(last_id)).unwrap_or((true, None));
    ui.data_mut(|d| d.insert_temp(last_id, (input, focus)));
    let touched = input || input_before || focus != focus_before;
    if touched && *draft != doc.file {
        let draft = draft.clone();
        doc.draft.reset();
        let label = match tab {
            EditorTab::Scenario => "Edit scenario",
            EditorTab::Tiers => "Edit tiers",
            EditorTab::Tenants => "Edit tenants",
            EditorTab::Layers => "Edit layers",
            EditorTab::Designs => "Edit designs",
            EditorTab::Events => "Edit events",
            EditorTab::Lesson => "Edit lesson",
            EditorTab::Ron => "Edit RON",
        };
        commands.push(Command::Edit { file: Box::new(draft), label: label.to_owned() });
    }
}

/// The results tabs and the tab shown, or why there are no results yet.
fn results_ui(
    ui: &mut egui::Ui,
    doc: &mut Document,
    results_tab: &mut ResultsTab,
    run: RunStatus,
    commands: &mut Vec<Command>,
) {
    ui.horizontal(|ui| {
        for (tab, label, tip) in [
            (
                ResultsTab::Compare,
                "Compare",
                "Every design side by side: cost, margin, SLOs, throttling, noisy-neighbour blast radius",
            ),
            (ResultsTab::Timelines, "Timelines", "Requests, throttling, p99 latency and capacity over the run"),
            (ResultsTab::Costs, "Costs", "Cost per tenant by layer, and margin per tier"),
            (ResultsTab::Tenants, "Tenant table", "Per-tenant results: throttles by cause, latency, SLO, cost, margin"),
            (
                ResultsTab::Planner,
                "Planner",
                "Sweep a number of the scenario: where designs cross, the smallest value that meets an SLO, the cheapest design",
            ),
        ] {
            ui.selectable_value(results_tab, tab, egui::RichText::new(label).strong()).on_hover_text(tip);
        }
    });
    ui.separator();
    if *results_tab == ResultsTab::Planner {
        planner::planner_ui(ui, doc, commands);
        return;
    }
    let Some(prepared) = doc.results.latest.clone() else {
        ui.centered_and_justified(|ui| {
            if run.busy {
                ui.spinner();
            } else if let Some(e) = &doc.results.error {
                ui.colored_label(style::BAD, e);
            } else {
                ui.label("Fix the scenario's problems (left) to see results.");
            }
        });
        return;
    };
    let view = &mut doc.view;
    let selected = view.selected_tenant.as_deref();
    match *results_tab {
        ResultsTab::Compare => compare::compare_ui(ui, &prepared, &mut view.compare, false, commands),
        ResultsTab::Timelines => {
            if let Some(id) = timelines::timelines_ui(ui, &prepared, &mut view.timeline, selected, false) {
                commands.push(Command::SelectTenant(Some(id)));
            }
        }
        ResultsTab::Costs => costs::costs_ui(ui, &prepared, &mut view.cost_design, selected, false, commands),
        ResultsTab::Tenants => tenants_table::tenants_table_ui(ui, &prepared, &mut view.table, selected, commands),
        ResultsTab::Planner => {}
    }
}

/// Presenter mode: the comparison above one timeline, filling the window.
fn presenter_ui(ui: &mut egui::Ui, doc: &mut Document, run: RunStatus, commands: &mut Vec<Command>) {
    let Some(prepared) = doc.results.latest.clone() else {
        if run.busy {
            ui.spinner();
        }
        return;
    };
    // The comparison's headline rows above the timeline: what they need,
    // between a third and half of the height.
    let height = ui.available_height();
    let compare_height = compare::headline_height(ui, &prepared).clamp(height * 0.33, height * 0.5);
    ui.allocate_ui(egui::vec2(ui.available_width(), compare_height), |ui| {
        compare::compare_ui(ui, &prepared, &mut doc.view.compare, true, commands);
    });
    ui.separator();
    let view = &mut doc.view;
    if let Some(id) = timelines::timelines_ui(ui, &prepared, &mut view.timeline, view.selected_tenant.as_deref(), true)
    {
        commands.push(Command::SelectTenant(Some(id)));
    }
}

/// The unsaved-changes guard.
fn discard_ui(ui: &mut egui::Ui, title: &str, commands: &mut Vec<Command>) {
    egui::Modal::new(egui::Id::unique("discard_guard")).show(ui.ctx(), |ui| {
        ui.heading("Unsaved changes");
        ui.label(format!("{title} has edits that are not saved."));
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            if ui.button("Save…").clicked() {
                commands.push(Command::CancelDiscard);
                commands.push(Command::Save);
            }
            if ui.button("Discard edits").clicked() {
                commands.push(Command::ConfirmDiscard);
            }
            if ui.button("Cancel").clicked() {
                commands.push(Command::CancelDiscard);
            }
        });
    });
}
