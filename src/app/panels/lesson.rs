//! The lesson panel (workshop mode): the lesson's text, its "try this"
//! steps as buttons that apply their changes, the scenario's plans as
//! buttons that draw them in the Planner tab (with their answers once
//! run), and the outcomes it promises as a checklist evaluated on the
//! current results.

use crate::app::panels::style;
use crate::app::{Command, PlanRun, Prepared};
use crate::lesson;
use crate::scenario::file::{LessonFile, PlannerFile};

/// Draws the lesson panel.
#[allow(clippy::too_many_arguments)]
pub fn lesson_ui(
    ui: &mut egui::Ui,
    lesson: &LessonFile,
    plans: &[PlannerFile],
    plan_run: Option<&PlanRun>,
    results: Option<&Prepared>,
    tried: &[usize],
    can_reset: bool,
    commands: &mut Vec<Command>,
) {
    ui.horizontal(|ui| {
        ui.heading("Lesson");
        if !lesson.level.is_empty() {
            ui.label(egui::RichText::new(&lesson.level).weak());
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if ui.small_button("Hide").on_hover_text("Hide the lesson panel (View ▸ Lesson shows it again)").clicked()
            {
                commands.push(Command::ToggleLesson);
            }
        });
    });
    // The text scrolls on its own, so the steps, the reset and the claims
    // below it stay in view on a projector's short screen.
    let text_height = (ui.available_height() * TEXT_SHARE).max(80.0);
    egui::ScrollArea::vertical().id_salt("lesson_text").max_height(text_height).auto_shrink([false, true]).show(
        ui,
        |ui| {
            ui.label(&lesson.text);
        },
    );
    ui.separator();
    egui::ScrollArea::vertical().id_salt("lesson_rest").auto_shrink([false, false]).show(ui, |ui| {
        if !lesson.try_this.is_empty() {
            ui.strong("Try this");
            for (i, step) in lesson.try_this.iter().enumerate() {
                ui.horizontal_wrapped(|ui| {
                    let done = tried.contains(&i);
                    let label = if done { format!("{} (applied)", step.label) } else { step.label.clone() };
                    if ui.button(label).on_hover_text(&step.explain).clicked() {
                        commands.push(Command::TryThis(i));
                    }
                });
                if !step.explain.is_empty() {
                    ui.label(egui::RichText::new(&step.explain).weak());
                }
                ui.add_space(4.0);
            }
        }
        if can_reset
            && ui.button("Reset lesson").on_hover_text("Return to the file as shipped (can be undone)").clicked()
        {
            commands.push(Command::ResetLesson);
        }
        claims_ui(ui, lesson, tried, results);
        if !plans.is_empty() {
            ui.add_space(8.0);
            ui.strong("Plan it").on_hover_text(
                "Each button sweeps a number of the scenario in the Planner tab and answers the plan's questions",
            );
            for (i, plan) in plans.iter().enumerate() {
                plan_row(ui, i, plan, plan_run, commands);
            }
        }
    });
}

/// The most of the panel's height the lesson text takes before it
/// scrolls.
const TEXT_SHARE: f32 = 0.38;

/// The claims that apply to the scenario as it is: the last applied
/// step's own claims, named after it, when it has some; the lesson's
/// claims about the shipped scenario otherwise (with a word that a step
/// may change them).
fn claims_ui(ui: &mut egui::Ui, lesson: &LessonFile, tried: &[usize], results: Option<&Prepared>) {
    let step = tried.last().and_then(|&i| lesson.try_this.get(i));
    let (title, tip, claims) = match step {
        Some(step) if !step.expect.is_empty() => (
            format!("After \u{201c}{}\u{201d}, the results should show", step.label),
            "Claims of the step last applied, checked live on the current results. Reset lesson (or undo) returns \
             to the lesson's own claims.",
            &step.expect,
        ),
        _ => (
            "What the results should show".to_owned(),
            "Claims the lesson makes about the shipped scenario, checked live on the current results.",
            &lesson.expect,
        ),
    };
    if claims.is_empty() {
        return;
    }
    ui.add_space(8.0);
    ui.strong(title).on_hover_text(tip);
    if let Some(step) = step.filter(|s| s.expect.is_empty()) {
        ui.label(
            egui::RichText::new(format!(
                "These are about the shipped scenario; after \u{201c}{}\u{201d} some may no longer hold.",
                step.label
            ))
            .small()
            .weak(),
        );
    }
    for e in claims {
        checklist_row(ui, e, results);
    }
}

/// One plan: a button that draws it, its description and, once it has
/// run, its answers.
fn plan_row(ui: &mut egui::Ui, index: usize, plan: &PlannerFile, run: Option<&PlanRun>, commands: &mut Vec<Command>) {
    let run = run.filter(|r| r.spec.name == plan.name);
    let running = run.is_some_and(|r| r.running);
    let text = if running { format!("{} (running…)", plan.name) } else { format!("Draw: {}", plan.name) };
    let tip = "Show this plan in the Planner tab and run it; its curve is drawn as the points finish";
    if ui.add_enabled(!running, egui::Button::new(text)).on_hover_text(tip).clicked() {
        commands.push(Command::DrawPlan(index));
    }
    if !plan.description.is_empty() {
        ui.label(egui::RichText::new(&plan.description).weak());
    }
    if let Some(report) = run.and_then(|r| r.report.as_ref()) {
        for answer in &report.answers {
            let color = if answer.found { ui.visuals().strong_text_color() } else { style::BAD };
            ui.label(egui::RichText::new(format!("→ {}", answer.sentence)).color(color));
        }
        if let Some(best) = report.search.as_ref().and_then(|s| s.best.as_ref()) {
            ui.label(format!("→ cheapest: {} at {}", best.label, crate::report::figures::usd(best.cost.mean)));
        }
    }
    ui.add_space(4.0);
}

fn checklist_row(ui: &mut egui::Ui, e: &crate::scenario::file::ExpectFile, results: Option<&Prepared>) {
    let check = results.map(|r| lesson::check(&r.report, e));
    let (mark, color) = match &check {
        Some(Ok(c)) if c.passed => ("holds", style::GOOD),
        Some(Ok(_)) => ("does not hold", style::BAD),
        Some(Err(_)) => ("cannot check", ui.visuals().weak_text_color()),
        None => ("…", ui.visuals().weak_text_color()),
    };
    ui.horizontal_wrapped(|ui| {
        ui.colored_label(color, format!("[{mark}]"));
        let text = if e.why.is_empty() { lesson::describe(e) } else { e.why.clone() };
        let response = ui.label(text);
        let detail = match &check {
            Some(Ok(c)) => format!("{}\nmeasured {} against {}", lesson::describe(e), short(c.left), short(c.right)),
            Some(Err(err)) => format!("{}\ncannot be checked on these results: {err}", lesson::describe(e)),
            None => lesson::describe(e),
        };
        response.on_hover_text(detail);
    });
}

/// A measured number for a tooltip: up to four significant digits.
fn short(x: f64) -> String {
    if !x.is_finite() {
        return "–".to_owned();
    }
    let digits = (3 - x.abs().max(1e-9).log10().floor() as i32).clamp(0, 6) as usize;
    let text = format!("{x:.digits$}");
    if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_owned() } else { text }
}
