//! The "Lesson" editor tab: the lesson's "try this" steps (button text,
//! explanation, the changes a step applies and what should hold after it)
//! and the claims the scenario as written makes. Steps, changes and claims
//! can be added, removed, reordered and edited. Like every editor tab it
//! edits the per-frame draft in place, so each change becomes one undoable
//! `Edit`; the lesson's level and text stay on the Scenario tab.
//!
//! The resolver does not look at lessons, so this tab checks what it can
//! itself: each change is tried on a copy of the scenario (with the step's
//! earlier changes applied) and a change the scenario cannot take is marked
//! with the reason. Claims can only be checked against results, which the
//! lesson panel does.

use egui::{RichText, Ui};

mod change;
mod claim;

use super::form;
use crate::lesson;
use crate::scenario::ScenarioFile;
use crate::scenario::file::{EventFile, ExpectFile, LessonFile, TenantEntryFile, TryThisFile};

/// Most tenant ids offered in one name list.
const MAX_LISTED: usize = 1000;

const STEPS_TIP: &str = "\"Try this\" steps: buttons in the lesson panel that change the scenario with one click \
                         (undoable). The tests apply each step on its own to the file as written and check its \
                         claims.";
const CLAIMS_TIP: &str = "Claims about the results of the scenario as written, ticked off live in the lesson panel \
                          and checked by the test suite on three seeds: pick thresholds with room to spare.";

/// The names a lesson can refer to, taken from the draft once per frame.
#[derive(Debug, Clone, Default)]
pub(crate) struct Names {
    /// Ids of the explicit tenants, in file order.
    pub tenants: Vec<String>,
    /// Prefixes of the groups, in file order.
    pub groups: Vec<String>,
    /// Every tenant id, group members included (for figures and keys).
    pub ids: Vec<String>,
    /// Tier names.
    pub tiers: Vec<String>,
    /// Design names.
    pub designs: Vec<String>,
    /// Spike events, in file order.
    pub spikes: Vec<SpikeName>,
}

/// A spike event as the lesson form names it.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct SpikeName {
    /// Position in the file's `events`.
    pub index: usize,
    /// A short description: `#0: smb-00 ×20 at 20m`.
    pub text: String,
}

impl Names {
    fn of(file: &ScenarioFile) -> Self {
        let mut names = Names::default();
        for entry in &file.tenants {
            match entry {
                TenantEntryFile::Tenant { id, .. } => names.tenants.push(id.clone()),
                TenantEntryFile::Group { prefix, .. } => names.groups.push(prefix.clone()),
            }
        }
        names.ids = form::tenant_ids(file);
        names.tiers = file.tiers.keys().cloned().collect();
        names.designs = file.designs.iter().map(|d| d.name.clone()).collect();
        names.spikes = file
            .events
            .iter()
            .enumerate()
            .filter_map(|(i, e)| match e {
                EventFile::Spike { tenant, at, factor, .. } => {
                    Some(SpikeName { index: i, text: format!("#{i}: {tenant} ×{factor} at {}", at.text()) })
                }
                EventFile::CapacityLoss { .. } => None,
            })
            .collect();
        names
    }

    /// Tenant ids and group prefixes: what `TenantRate` and `KeyShards` take.
    fn tenants_and_groups(&self) -> Vec<String> {
        self.tenants.iter().chain(&self.groups).cloned().collect()
    }
}

/// Draws the lesson's steps and claims and edits `draft` in place.
pub fn lesson_editor_ui(ui: &mut Ui, draft: &mut ScenarioFile) {
    ui.heading("Lesson")
        .on_hover_text("Workshop material: \"try this\" steps and the claims the results must bear out");
    let Some(mut lesson) = draft.lesson.take() else {
        ui.weak("This scenario has no lesson.");
        if ui.button("Add a lesson").on_hover_text("Start an empty lesson: text, steps and claims").clicked() {
            draft.lesson = Some(LessonFile::default());
        }
        return;
    };
    let names = Names::of(draft);
    ui.weak("Level and text are on the Scenario tab.");
    ui.add_space(6.0);
    steps_ui(ui, &mut lesson.try_this, draft, &names);
    ui.add_space(10.0);
    ui.separator();
    ui.strong("What the scenario as written shows").on_hover_text(CLAIMS_TIP);
    claims_ui(ui, "lesson_claims", &mut lesson.expect, &names);
    draft.lesson = Some(lesson);
}

fn steps_ui(ui: &mut Ui, steps: &mut Vec<TryThisFile>, file: &ScenarioFile, names: &Names) {
    ui.horizontal(|ui| {
        ui.strong("Try this").on_hover_text(STEPS_TIP);
        if ui.button("Add step").on_hover_text("A new step at the end; give it changes below").clicked() {
            steps.push(TryThisFile {
                label: format!("Step {}", steps.len() + 1),
                explain: String::new(),
                changes: Vec::new(),
                expect: Vec::new(),
            });
        }
    });
    if steps.is_empty() {
        ui.weak("No steps yet.");
    }
    let mut action = None;
    let len = steps.len();
    for (i, step) in steps.iter_mut().enumerate() {
        ui.push_id(("lesson_step", i), |ui| {
            ui.group(|ui| {
                ui.horizontal(|ui| {
                    ui.strong(format!("Step {}", i + 1));
                    if let Some(a) = item_buttons_ui(ui, i, len, "step") {
                        action = Some((i, a));
                    }
                });
                step_ui(ui, i, step, file, names);
            });
        });
    }
    if let Some((i, a)) = action {
        apply_action(steps, i, a);
    }
}

fn step_ui(ui: &mut Ui, i: usize, step: &mut TryThisFile, file: &ScenarioFile, names: &Names) {
    egui::Grid::new(("lesson_step_text", i)).num_columns(2).spacing([12.0, 6.0]).show(ui, |ui| {
        let tip = "Button text in the lesson panel, e.g. \"Throttle basic at 20 req/s\"";
        form::label_ui(ui, "Label", tip);
        ui.add(egui::TextEdit::singleline(&mut step.label).desired_width(260.0)).on_hover_text(tip);
        ui.end_row();
        let tip = "What the change should show, in a sentence or two (under the button)";
        form::label_ui(ui, "Explain", tip);
        ui.add(egui::TextEdit::multiline(&mut step.explain).desired_width(260.0).desired_rows(2)).on_hover_text(tip);
        ui.end_row();
    });
    ui.add_space(4.0);
    ui.label("Changes, applied in order").on_hover_text("The edits the step makes to the scenario");
    let errors = change_errors(file, &step.changes);
    let mut action = None;
    let len = step.changes.len();
    for (k, change) in step.changes.iter_mut().enumerate() {
        ui.horizontal_wrapped(|ui| {
            change::change_ui(ui, (i, k), change, names);
            if let Some(Some(message)) = errors.get(k) {
                ui.colored_label(ui.visuals().error_fg_color, form::ERROR_MARK).on_hover_text(message);
            }
            if let Some(a) = item_buttons_ui(ui, k, len, "change") {
                action = Some((k, a));
            }
        });
    }
    if let Some((k, a)) = action {
        apply_action(&mut step.changes, k, a);
    }
    if let Some(new) = change::add_change_ui(ui, names) {
        step.changes.push(new);
    }
    ui.add_space(4.0);
    ui.label("Should hold after the step").on_hover_text("Claims about the results once the step is applied");
    claims_ui(ui, &format!("step_claims_{i}"), &mut step.expect, names);
}

/// For each change, why the scenario cannot take it (with the changes
/// before it applied), if it cannot.
fn change_errors(file: &ScenarioFile, changes: &[crate::scenario::file::ChangeFile]) -> Vec<Option<String>> {
    let mut copy = file.clone();
    changes.iter().map(|c| lesson::apply_change(&mut copy, c).err()).collect()
}

fn claims_ui(ui: &mut Ui, id: &str, claims: &mut Vec<ExpectFile>, names: &Names) {
    let mut action = None;
    let len = claims.len();
    for (k, claim) in claims.iter_mut().enumerate() {
        ui.push_id((id, k), |ui| {
            ui.group(|ui| {
                if let Some(a) = claim::claim_ui(ui, claim, names, |ui| item_buttons_ui(ui, k, len, "claim")) {
                    action = Some((k, a));
                }
            });
        });
    }
    if let Some((k, a)) = action {
        apply_action(claims, k, a);
    }
    if ui.button("Add claim").on_hover_text("A claim comparing a figure with a value").clicked() {
        claims.push(claim::new_claim(names));
    }
}

/// What the buttons next to a list item asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ItemAction {
    /// Swap with the item before.
    Up,
    /// Swap with the item after.
    Down,
    /// Delete.
    Remove,
}

/// Move up, move down and remove buttons for item `i` of `len`.
fn item_buttons_ui(ui: &mut Ui, i: usize, len: usize, what: &str) -> Option<ItemAction> {
    let mut action = None;
    if ui.add_enabled(i > 0, egui::Button::new("↑").small()).on_hover_text(format!("Move this {what} up")).clicked() {
        action = Some(ItemAction::Up);
    }
    let down = egui::Button::new("↓").small();
    if ui.add_enabled(i + 1 < len, down).on_hover_text(format!("Move this {what} down")).clicked() {
        action = Some(ItemAction::Down);
    }
    if ui.small_button("×").on_hover_text(format!("Remove this {what}")).clicked() {
        action = Some(ItemAction::Remove);
    }
    action
}

fn apply_action<T>(list: &mut Vec<T>, i: usize, action: ItemAction) {
    match action {
        ItemAction::Up if i > 0 && i < list.len() => list.swap(i - 1, i),
        ItemAction::Down if i + 1 < list.len() => list.swap(i, i + 1),
        ItemAction::Remove if i < list.len() => {
            list.remove(i);
        }
        _ => {}
    }
}

/// A pick list of names that shows the current value even when it is not
/// one of them (the mark next to the field says what is wrong).
fn name_combo_ui(ui: &mut Ui, id: impl egui::AsIdSalt, value: &mut String, options: &[String], tip: &str) {
    let text = if value.is_empty() { "(choose)" } else { value.as_str() };
    egui::ComboBox::from_id_salt(id)
        .selected_text(RichText::new(text))
        .width(form::fit_width(ui, text, 70.0, 180.0))
        .show_ui(ui, |ui| {
            for name in options.iter().take(MAX_LISTED) {
                ui.selectable_value(value, name.clone(), name.as_str());
            }
            if options.len() > MAX_LISTED {
                ui.weak(format!("… {} more: edit the name in the RON tab", options.len() - MAX_LISTED));
            }
        })
        .response
        .on_hover_text(tip);
}

#[cfg(test)]
mod tests {
    use egui_kittest::kittest::Queryable;

    use super::super::form::testing;
    use super::*;
    use crate::scenario::file::{ChangeFile, MetricFile, OpFile};

    fn harness(file: ScenarioFile) -> egui_kittest::Harness<'static, ScenarioFile> {
        testing::harness([900.0, 1400.0], |ui, file: &mut ScenarioFile| lesson_editor_ui(ui, file), file)
    }

    fn noisy() -> ScenarioFile {
        crate::scenario::parse_str(crate::bundled::DEFAULT.text, &crate::scenario::Limits::default())
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn steps(file: &ScenarioFile) -> &[TryThisFile] {
        file.lesson.as_ref().map_or(&[], |l| l.try_this.as_slice())
    }

    #[test]
    fn viewing_a_shipped_lesson_changes_nothing() {
        for bundled in crate::bundled::BUNDLED {
            let file = crate::scenario::parse_str(bundled.text, &crate::scenario::Limits::default())
                .unwrap_or_else(|e| panic!("{e}"));
            let mut harness = harness(file.clone());
            harness.run();
            assert_eq!(harness.state(), &file, "{}", bundled.file_name);
            assert!(harness.query_by_label_contains(form::ERROR_MARK).is_none(), "{}", bundled.file_name);
        }
    }

    #[test]
    fn add_a_step_with_a_change_and_a_claim() {
        let mut harness = harness(noisy());
        harness.run();
        let before = steps(harness.state()).len();
        harness.get_by_label("Add step").click();
        harness.run();
        assert_eq!(steps(harness.state()).len(), before + 1);
        let new = before;
        harness.get_all_by_label("Add change ▾").nth(new).unwrap_or_else(|| panic!("add change")).click();
        harness.run();
        harness.get_by_label("Tenant rate").click();
        harness.run();
        let step = &steps(harness.state())[new];
        assert_eq!(step.label, format!("Step {}", new + 1));
        assert!(matches!(&step.changes[..], [ChangeFile::TenantRate { tenant, .. }] if tenant == "acme"));
        // The kind's pick list turns the change into another kind.
        harness.get_by(|n| n.role() == egui::Role::ComboBox && n.value().as_deref() == Some("Tenant rate")).click();
        harness.run();
        harness.get_by_label("Group count").click();
        harness.run();
        let step = &steps(harness.state())[new];
        assert!(matches!(&step.changes[..], [ChangeFile::GroupCount { prefix, count: 10 }] if prefix == "smb"));
        let claims_before = step.expect.len();
        harness.get_all_by_label("Add claim").nth(new).unwrap_or_else(|| panic!("add claim")).click();
        harness.run();
        let claim = &steps(harness.state())[new].expect[claims_before];
        assert_eq!(claim.left.design, "pool");
        assert_eq!(claim.left.metric, MetricFile::TotalCost);
        assert_eq!(claim.op, OpFile::Gt);
        assert!(claim.right.is_none());
    }

    #[test]
    fn steps_move_and_go() {
        let mut file = noisy();
        let lesson = file.lesson.get_or_insert_with(LessonFile::default);
        lesson.try_this.truncate(1);
        let first = lesson.try_this[0].label.clone();
        lesson.try_this.push(TryThisFile {
            label: "Second".into(),
            explain: String::new(),
            changes: Vec::new(),
            expect: Vec::new(),
        });
        let mut harness = harness(file);
        harness.run();
        harness.get_all_by_label("↓").next().unwrap_or_else(|| panic!("down")).click();
        harness.run();
        let labels: Vec<String> = steps(harness.state()).iter().map(|s| s.label.clone()).collect();
        assert_eq!(labels, vec!["Second".to_owned(), first.clone()]);
        // The first "×" removes the first step (now "Second").
        harness.get_all_by_label("×").next().unwrap_or_else(|| panic!("remove")).click();
        harness.run();
        let labels: Vec<String> = steps(harness.state()).iter().map(|s| s.label.clone()).collect();
        assert_eq!(labels, vec![first]);
    }

    #[test]
    fn a_change_naming_a_missing_tenant_is_marked() {
        let mut file = noisy();
        let lesson = file.lesson.get_or_insert_with(LessonFile::default);
        lesson.try_this[0].changes = vec![ChangeFile::TenantRate { tenant: "nobody".into(), rate: 5.0 }];
        let mut harness = harness(file.clone());
        harness.run();
        assert!(harness.query_by_label(form::ERROR_MARK).is_some(), "the unknown tenant is marked");
        assert_eq!(harness.state(), &file, "and kept as written");
    }

    #[test]
    fn a_scenario_without_a_lesson_can_get_one() {
        let mut file = crate::app::empty_scenario();
        file.lesson = None;
        let mut harness = harness(file);
        harness.run();
        harness.get_by_label("Add a lesson").click();
        harness.run();
        assert_eq!(harness.state().lesson, Some(LessonFile::default()));
    }
}
