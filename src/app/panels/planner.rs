//! The Planner tab: the scenario's plans, one picked or created; its form
//! on the left (see [`super::plan_form`]); on the right the run (Run,
//! Cancel, a progress bar), the answers as sentences with a button that
//! applies each to the scenario as one undoable edit, the cheapest design
//! with a button that adds it, and the plots: a figure of every design
//! against the axis with its 95 % band and the answers marked, a two-axis
//! plan's grid, the search's Pareto front. Points are drawn as they
//! finish. Nothing runs here: Run is a command, the worker's points and
//! report arrive in the document's [`crate::app::PlanRun`].

mod plots;

use egui::{RichText, Ui};

use crate::app::document::plan::{answer_edit, candidate_edit};
use crate::app::panels::{plan_form, style};
use crate::app::plot_data::plan::{self as data, figure_keys, figure_label};
use crate::app::{Command, Document, PlanRun, ResultsTab};
use crate::plan::spec::PlanSpec;
use crate::report::plan::{Answer, Candidate};
use crate::scenario::file::{AxisFile, KnobFile, PlannerFile, QuestionFile, ValuesFile};
use crate::scenario::{FieldErrors, ScenarioFile};

/// Draws the Planner tab for `doc`.
pub fn planner_ui(ui: &mut Ui, doc: &mut Document, commands: &mut Vec<Command>) {
    let count = doc.file.plans.len();
    if doc.view.plan.plan >= count {
        doc.view.plan.plan = count.saturating_sub(1);
    }
    let index = doc.view.plan.plan;
    // While the file or the plan is being checked, the form shows no
    // problems and Run waits for the check.
    let check = if count > 0 { doc.plan_checked(index).cloned() } else { None };
    let running = doc.plan_run.as_ref().is_some_and(|r| r.running);
    plan_bar_ui(ui, doc, check.as_ref(), running, commands);
    ui.separator();
    if count == 0 {
        ui.label("This scenario has no plans yet. A plan sweeps a number of the scenario (instances, a price, a rate…) and answers questions about it: where two designs cross, the smallest value that meets an SLO.");
        return;
    }
    let width = ui.available_width();
    let errors = check.as_ref().and_then(|c| c.as_ref().err());
    if width < NARROW {
        // Too narrow for the form beside the plot: the form folds away
        // above the results (open until the plan has run).
        egui::ScrollArea::vertical().auto_shrink([false, false]).show(ui, |ui| {
            egui::CollapsingHeader::new(RichText::new("Plan settings").strong())
                .default_open(doc.plan_run.is_none())
                .show(ui, |ui| form_ui(ui, doc, index, errors, commands));
            ui.separator();
            run_ui(ui, doc, index, commands);
        });
        return;
    }
    egui::Panel::left("plan_form_panel")
        .resizable(true)
        .default_size((width * 0.42).clamp(320.0, 480.0))
        .size_range(260.0..=(width * 0.6).max(300.0))
        .show(ui, |ui| {
            egui::ScrollArea::vertical().auto_shrink([false, false]).show(ui, |ui| {
                form_ui(ui, doc, index, errors, commands);
            });
        });
    egui::CentralPanel::default().show(ui, |ui| {
        egui::ScrollArea::vertical().auto_shrink([false, false]).show(ui, |ui| run_ui(ui, doc, index, commands));
    });
}

/// Below this width (points) the form goes above the results.
const NARROW: f32 = 720.0;

/// The form of the plan at `index`, on a draft of the plan alone (a
/// large file is not copied every frame); a change is one edit.
fn form_ui(ui: &mut Ui, doc: &Document, index: usize, errors: Option<&FieldErrors>, commands: &mut Vec<Command>) {
    let Some(plan) = doc.file.plans.get(index) else { return };
    let mut draft = plan.clone();
    plan_form::plan_form_ui(ui, &doc.file, &mut draft, errors);
    if draft != *plan {
        let mut file = doc.file.clone();
        if let Some(slot) = file.plans.get_mut(index) {
            *slot = draft;
        }
        commands.push(Command::Edit { file: Box::new(file), label: "Edit plan".to_owned() });
    }
}

/// The run of the plan at `index`, or what to do to get one.
fn run_ui(ui: &mut Ui, doc: &mut Document, index: usize, commands: &mut Vec<Command>) {
    let name = doc.file.plans.get(index).map(|p| p.name.clone()).unwrap_or_default();
    match doc.plan_run.as_ref().filter(|r| r.spec.name == name) {
        Some(run) => results_ui(ui, &doc.file, run, &mut doc.view.plan, commands),
        None => {
            let description = doc.file.plans.get(index).map(|p| p.description.clone()).unwrap_or_default();
            if !description.is_empty() {
                ui.label(RichText::new(description).italics());
            }
            ui.label(RichText::new("Press Run plan to sweep it; its points are drawn as they finish.").weak());
        }
    }
}

/// The plan picker, New and Delete, Run or Cancel with the progress, and
/// the CSV export.
fn plan_bar_ui(
    ui: &mut Ui,
    doc: &mut Document,
    check: Option<&Result<PlanSpec, FieldErrors>>,
    running: bool,
    commands: &mut Vec<Command>,
) {
    ui.horizontal_wrapped(|ui| {
        let names: Vec<String> = doc.file.plans.iter().map(|p| p.name.clone()).collect();
        if !names.is_empty() {
            let plan_label = ui.label("Plan");
            let selected = names.get(doc.view.plan.plan).cloned().unwrap_or_default();
            egui::ComboBox::from_id_salt("plan_pick")
                .selected_text(selected)
                .show_ui(ui, |ui| {
                    for (i, n) in names.iter().enumerate() {
                        ui.selectable_value(&mut doc.view.plan.plan, i, n);
                    }
                })
                .response
                .labelled_by(plan_label.id);
        }
        if ui.button("New plan").on_hover_text("Add a plan to the scenario (one undoable edit)").clicked() {
            let mut file = doc.file.clone();
            file.plans.push(new_plan(&file));
            doc.view.plan.plan = file.plans.len() - 1;
            commands.push(Command::Edit { file: Box::new(file), label: "Add plan".to_owned() });
        }
        if !names.is_empty() && ui.button("Delete plan").on_hover_text("Remove this plan from the scenario").clicked() {
            let mut file = doc.file.clone();
            file.plans.remove(doc.view.plan.plan);
            commands.push(Command::Edit { file: Box::new(file), label: "Delete plan".to_owned() });
        }
        if names.is_empty() {
            return;
        }
        ui.separator();
        if running {
            if ui.button("Cancel").on_hover_text("Stop the plan; the points finished so far stay drawn").clicked() {
                commands.push(Command::CancelPlan);
            }
            if let Some(run) = &doc.plan_run {
                let (done, total) = (run.progress.done(), run.progress.total());
                // Later search stages add work the total did not know of.
                let text =
                    if done < total { format!("{done} of {total} run") } else { format!("{done} run, finishing") };
                let bar = egui::ProgressBar::new(run.fraction()).desired_width(200.0).text(text);
                ui.add(bar).on_hover_text("Points and candidates run so far, of those known");
            }
        } else {
            let ok = matches!(check, Some(Ok(_)));
            let tip = match check {
                Some(Ok(_)) => "Run the plan in the background",
                Some(Err(_)) => "Fix the plan's problems first (marked in the form)",
                None => "The plan is being checked",
            };
            if check.is_none() {
                ui.add(egui::Spinner::new()).on_hover_text(tip);
            }
            if ui.add_enabled(ok, egui::Button::new(RichText::new("Run plan").strong())).on_hover_text(tip).clicked() {
                commands.push(Command::RunPlan(doc.view.plan.plan));
            }
        }
        let finished = doc.plan_run.as_ref().is_some_and(|r| r.report.is_some());
        if ui
            .add_enabled(finished, egui::Button::new("Export CSV…"))
            .on_hover_text("Every point and design of the sweep, each figure's mean and CI")
            .clicked()
        {
            commands.push(Command::ExportPlanCsv);
        }
        if ui
            .add_enabled(finished, egui::Button::new("Save plot PNG…"))
            .on_hover_text("The plot as drawn (curves, grid or Pareto front), as a PNG image")
            .clicked()
        {
            commands.push(Command::SavePlot);
        }
    });
}

/// A plan to start from: the compute stack's minimum instances, 1 to 8,
/// every design, the cost's crossover of the first two designs.
fn new_plan(file: &ScenarioFile) -> PlannerFile {
    let name = crate::app::panels::form::unique_name("plan", |n| file.plans.iter().any(|p| p.name == n));
    let designs: Vec<String> = file.designs.iter().map(|d| d.name.clone()).collect();
    let ask = match designs.as_slice() {
        [a, b, ..] => vec![QuestionFile::Crossover {
            figure: crate::scenario::file::PlanFigureFile {
                metric: crate::scenario::file::MetricFile::TotalCost,
                tier: None,
                tenant: None,
            },
            a: a.clone(),
            b: b.clone(),
        }],
        _ => Vec::new(),
    };
    PlannerFile {
        name,
        description: String::new(),
        axes: vec![AxisFile {
            knob: KnobFile::InstancesMin,
            values: ValuesFile::Linear { from: 1.0, to: 8.0, step: 1.0 },
        }],
        designs: Vec::new(),
        replications: None,
        ask,
        search: None,
        expect: Vec::new(),
    }
}

/// The run: its state, the answers, the search's winner, the plots.
fn results_ui(
    ui: &mut Ui,
    file: &ScenarioFile,
    run: &PlanRun,
    view: &mut crate::app::PlanView,
    commands: &mut Vec<Command>,
) {
    if !run.spec.description.is_empty() {
        ui.label(RichText::new(&run.spec.description).italics());
    }
    ui.ctx().data_mut(|d| d.remove::<egui::Rect>(egui::Id::unique(PLOT_RECT)));
    let status = if run.running {
        format!("Running… {} of {} point(s) finished", run.points.len(), run.spec.points())
    } else {
        let time = run.run_time.map_or_else(String::new, |t| format!(" in {:.1} s", t.as_secs_f64()));
        format!("{} point(s), {} replication(s) each{time}", run.spec.points(), run.spec.replications)
    };
    ui.label(RichText::new(status).weak());
    if &run.file != file && !run.running {
        ui.label(RichText::new("The scenario changed since this run: Run again to see the change.").weak());
    }
    if let Some(e) = &run.error {
        ui.colored_label(style::BAD, e);
    }
    if let Some(report) = &run.report {
        for answer in &report.answers {
            answer_ui(ui, file, run, answer, commands);
        }
        if let Some(search) = &report.search {
            search_ui(ui, file, run, search, view, commands);
        }
    }
    ui.add_space(6.0);
    let points = run.all_points();
    if points.is_empty() {
        if run.running {
            ui.spinner();
        }
        return;
    }
    let keys = figure_keys(&points);
    let wanted = view.figure.clone().unwrap_or_else(|| data::question_figure(&run.spec));
    let key = if keys.contains(&wanted) { wanted } else { keys.first().cloned().unwrap_or_default() };
    ui.horizontal(|ui| {
        let figure_label_id = ui.label("Figure").id;
        egui::ComboBox::from_id_salt("plan_figure")
            .selected_text(figure_label(&key).0)
            .height(400.0)
            .show_ui(ui, |ui| {
                for k in &keys {
                    if ui.selectable_label(*k == key, figure_label(k).0).clicked() {
                        view.figure = Some(k.clone());
                    }
                }
            })
            .response
            .labelled_by(figure_label_id);
    });
    let design_index = |name: &str| file.designs.iter().position(|d| d.name == name).unwrap_or(0);
    let drawn = ui.scope(|ui| {
        if run.spec.axes.len() == 2 {
            plots::grid_ui(ui, run, &points, &key, design_index);
        } else if let Some(axis) = run.spec.axes.first().filter(|a| !a.knob.is_placement()) {
            let curves = data::curves(&points, &key);
            let markers = run.report.as_ref().map(|r| data::markers(r, axis)).unwrap_or_default();
            let levels = data::levels(&run.spec, &key);
            plots::curve_plot_ui(ui, axis, &curves, &markers, &levels, &key, design_index);
        }
    });
    remember_plot(ui, drawn.response.rect);
}

/// Keeps `rect`, as far as it is shown, as what Save plot crops the
/// window to (a later plot of the same frame wins).
fn remember_plot(ui: &Ui, rect: egui::Rect) {
    let shown = rect.intersect(ui.clip_rect());
    if shown.is_positive() {
        ui.ctx().data_mut(|d| d.insert_temp(egui::Id::unique(PLOT_RECT), shown));
    }
}

/// Where the Planner tab keeps the rect of the plot it last drew.
const PLOT_RECT: &str = "planner_plot_rect";

/// The rect (in points) of the plot the Planner tab drew last, if it drew
/// one and it was on the screen.
pub fn plot_rect(ctx: &egui::Context) -> Option<egui::Rect> {
    ctx.data(|d| d.get_temp::<egui::Rect>(egui::Id::unique(PLOT_RECT))).filter(|r| r.is_positive())
}

/// One answer: the question, the sentence, its notes and, for a goal
/// that was found, the button that applies it.
fn answer_ui(ui: &mut Ui, file: &ScenarioFile, run: &PlanRun, answer: &Answer, commands: &mut Vec<Command>) {
    ui.label(RichText::new(&answer.question).weak());
    ui.horizontal_wrapped(|ui| {
        let color = if answer.found { ui.visuals().strong_text_color() } else { style::BAD };
        ui.label(RichText::new(&answer.sentence).strong().color(color));
        let goal = matches!(answer.kind.as_str(), "smallest" | "largest");
        if goal
            && answer.found
            && let Some(x) = answer.value
            && let Some(axis) = run.spec.axes.first()
        {
            let shown = crate::plan::answer::show_x(axis, x);
            let tip = format!("Set {} to {shown} in the scenario (one edit; Undo reverts it)", axis.knob.describe());
            if ui.button(format!("Apply {shown}")).on_hover_text(tip).clicked() {
                commands.push(match answer_edit(file, &run.spec, x) {
                    Ok((edited, label)) => Command::Edit { file: Box::new(edited), label },
                    Err(e) => Command::Notice { text: format!("Cannot apply the answer: {e}"), is_error: true },
                });
            }
        }
    });
    for note in &answer.notes {
        ui.label(RichText::new(format!("Note: {note}")).small().weak());
    }
    ui.add_space(4.0);
}

/// The search's winner with its button, and the Pareto front.
fn search_ui(
    ui: &mut Ui,
    file: &ScenarioFile,
    run: &PlanRun,
    search: &crate::report::plan::SearchReport,
    view: &mut crate::app::PlanView,
    commands: &mut Vec<Command>,
) {
    ui.label(RichText::new("Cheapest design").weak());
    match &search.best {
        Some(best) => {
            ui.horizontal_wrapped(|ui| {
                let label = data::pareto(search, &run.spec.axes)
                    .into_iter()
                    .find(|p| p.best)
                    .map_or_else(|| best.label.clone(), |p| p.label);
                ui.label(RichText::new(candidate_sentence(&label, best)).strong());
                add_candidate_ui(ui, file, run, best, "Add as a design", commands);
            });
        }
        None => {
            ui.colored_label(style::BAD, "No candidate meets every constraint.");
        }
    }
    ui.label(RichText::new(&search.strategy).small().weak());
    let points = data::pareto(search, &run.spec.axes);
    if points.is_empty() {
        return;
    }
    ui.label(RichText::new("Pareto front: cost against worst p99 (click a point)").strong());
    let drawn = ui.scope(|ui| plots::pareto_ui(ui, &points, view.candidate.as_deref()));
    remember_plot(ui, drawn.response.rect);
    if let Some(label) = drawn.inner {
        view.candidate = Some(label);
    }
    let picked = view.candidate.as_ref().and_then(|label| points.iter().find(|p| &p.label == label));
    if let Some(p) = picked {
        ui.horizontal_wrapped(|ui| {
            ui.label(candidate_sentence(&p.label, &p.candidate));
            add_candidate_ui(ui, file, run, &p.candidate, "Show in Compare", commands);
        });
    }
}

/// A candidate in one line.
fn candidate_sentence(label: &str, c: &Candidate) -> String {
    let usd = crate::report::figures::usd;
    format!(
        "{label} — {} / month, margin {}, worst p99 {:.1} ms, {:.1} tenants hurt",
        usd(c.cost.mean),
        usd(c.margin.mean),
        c.worst_p99_ms.mean,
        c.tenants_hurt.mean
    )
}

/// A button that adds `candidate` to the scenario as a design (one edit)
/// and shows the comparison.
fn add_candidate_ui(
    ui: &mut Ui,
    file: &ScenarioFile,
    run: &PlanRun,
    candidate: &Candidate,
    text: &str,
    commands: &mut Vec<Command>,
) {
    let tip = "Add this candidate to the scenario as a design (its sizing applied), then compare it; Undo reverts it";
    if ui.button(text).on_hover_text(tip).clicked() {
        match candidate_edit(file, &run.spec, candidate) {
            Ok((edited, _, label)) => {
                commands.push(Command::Edit { file: Box::new(edited), label });
                commands.push(Command::ShowResults(ResultsTab::Compare));
            }
            Err(e) => commands.push(Command::Notice { text: format!("Cannot add the design: {e}"), is_error: true }),
        }
    }
}
