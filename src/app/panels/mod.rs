//! The window's layout and one panel per file. Panels read the app's state
//! and push [`Command`]s; editors draw on a per-frame draft of the scenario
//! and the difference becomes one `Edit` command.

pub mod compare;
pub mod costs;
pub mod designs_editor;
pub mod events_editor;
pub mod form;
pub mod layers_editor;
pub mod lesson;
pub mod lesson_editor;
pub mod menu_bar;
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

use crate::app::{Command, EditorTab, ResultsTab, TenantsimApp};

/// Draws the whole window.
pub fn draw(ui: &mut egui::Ui, app: &mut TenantsimApp, commands: &mut Vec<Command>) {
    egui::Panel::top("menu_bar").show(ui, |ui| menu_bar::menu_bar_ui(ui, app, commands));
    egui::Panel::top("toolbar").show(ui, |ui| toolbar::toolbar_ui(ui, app, commands));
    egui::Panel::bottom("status_bar").show(ui, |ui| status_bar::status_bar_ui(ui, app));
    if let Some(lesson) = app.doc.file.lesson.clone()
        && !app.view.hide_lesson
    {
        let width = if app.prefs.presenter { 420.0 } else { 340.0 };
        egui::Panel::right("lesson").resizable(true).default_size(width).min_size(240.0).show(ui, |ui| {
            lesson::lesson_ui(
                ui,
                &lesson,
                app.results.as_deref(),
                &app.view.tried,
                app.doc.bundled.is_some(),
                commands,
            );
        });
    }
    if !app.prefs.presenter {
        let panel = egui::Panel::left("editor").resizable(true).default_size(app.prefs.editor_width).min_size(320.0);
        let response = panel.show(ui, |ui| editor_ui(ui, app, commands));
        app.prefs.editor_width = response.response.rect.width();
    }
    egui::CentralPanel::default().show(ui, |ui| {
        if app.prefs.presenter {
            presenter_ui(ui, app, commands);
        } else {
            results_ui(ui, app, commands);
        }
    });
    start_page::start_page_ui(ui, app, commands);
    discard_ui(ui, app, commands);
}

fn editor_ui(ui: &mut egui::Ui, app: &mut TenantsimApp, commands: &mut Vec<Command>) {
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
            ui.selectable_value(&mut app.view.editor_tab, tab, label).on_hover_text(tip);
        }
    });
    ui.separator();
    if let Some(errors) = app.doc.errors() {
        egui::Frame::new()
            .fill(ui.visuals().error_fg_color.gamma_multiply(0.15))
            .inner_margin(6.0)
            .corner_radius(4.0)
            .show(ui, |ui| {
                ui.colored_label(
                    ui.visuals().error_fg_color,
                    format!("{} problem(s) — results show the last valid scenario", errors.0.len()),
                );
                for e in errors.0.iter().take(6) {
                    ui.label(egui::RichText::new(e.to_string()).small());
                }
            });
        ui.add_space(4.0);
    }
    let errors = app.doc.errors().cloned();
    let errors = errors.as_ref();
    let tab = app.view.editor_tab;
    if tab == EditorTab::Ron {
        ron_editor::ron_ui(ui, &app.doc, &mut app.view.ron_text, commands);
        return;
    }
    let mut draft = app.doc.file.clone();
    egui::ScrollArea::vertical().auto_shrink([false, false]).show(ui, |ui| match tab {
        EditorTab::Scenario => scenario_editor::scenario_ui(ui, &mut draft, errors),
        EditorTab::Tiers => tiers_editor::tiers_ui(ui, &mut draft, errors),
        EditorTab::Tenants => {
            tenants_editor::tenants_ui(ui, &mut draft, errors, app.view.selected_tenant.as_deref(), commands);
        }
        EditorTab::Layers => layers_editor::layers_ui(ui, &mut draft, errors),
        EditorTab::Designs => designs_editor::designs_ui(ui, &mut draft, errors),
        EditorTab::Events => events_editor::events_ui(ui, &mut draft, errors),
        EditorTab::Lesson => lesson_editor::lesson_editor_ui(ui, &mut draft),
        EditorTab::Ron => {}
    });
    if draft != app.doc.file {
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

fn results_ui(ui: &mut egui::Ui, app: &mut TenantsimApp, commands: &mut Vec<Command>) {
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
        ] {
            ui.selectable_value(&mut app.view.results_tab, tab, egui::RichText::new(label).strong()).on_hover_text(tip);
        }
    });
    ui.separator();
    let Some(prepared) = app.results.clone() else {
        ui.centered_and_justified(|ui| {
            if app.runner.is_busy() {
                ui.spinner();
            } else if let Some(e) = &app.run_error {
                ui.colored_label(style::BAD, e);
            } else {
                ui.label("Fix the scenario's problems (left) to see results.");
            }
        });
        return;
    };
    match app.view.results_tab {
        ResultsTab::Compare => compare::compare_ui(ui, &prepared, &mut app.view, app.prefs.presenter, commands),
        ResultsTab::Timelines => timelines::timelines_ui(ui, &prepared, &mut app.view, app.prefs.presenter, commands),
        ResultsTab::Costs => costs::costs_ui(ui, &prepared, &mut app.view, app.prefs.presenter, commands),
        ResultsTab::Tenants => tenants_table::tenants_table_ui(ui, &prepared, &mut app.view, commands),
    }
}

/// Presenter mode: the comparison above one timeline, filling the window.
fn presenter_ui(ui: &mut egui::Ui, app: &mut TenantsimApp, commands: &mut Vec<Command>) {
    let Some(prepared) = app.results.clone() else {
        ui.spinner();
        return;
    };
    let height = ui.available_height();
    ui.allocate_ui(egui::vec2(ui.available_width(), height * 0.48), |ui| {
        compare::compare_ui(ui, &prepared, &mut app.view, true, commands);
    });
    ui.separator();
    timelines::timelines_ui(ui, &prepared, &mut app.view, true, commands);
}

/// The unsaved-changes guard.
fn discard_ui(ui: &mut egui::Ui, app: &mut TenantsimApp, commands: &mut Vec<Command>) {
    if app.held.is_none() {
        return;
    }
    egui::Modal::new(egui::Id::unique("discard_guard")).show(ui.ctx(), |ui| {
        ui.heading("Unsaved changes");
        ui.label(format!("{} has edits that are not saved.", app.doc.title()));
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
