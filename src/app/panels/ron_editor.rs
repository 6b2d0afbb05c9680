//! The "RON" editor tab: the scenario as RON text, validated at every
//! change (syntax with line:col, then every field error), with each text
//! that parses to a different scenario pushed as one `Edit RON` command.
//!
//! The app clears the text after any edit so that undo and the form tabs
//! show through; to keep what the user is typing (layout, comments, the
//! cursor), the last text this tab sent is remembered with the scenario it
//! parsed to and brought back while the document still equals it.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;

use egui::{RichText, Ui};

use super::style;
use crate::app::Command;
use crate::scenario::rewrite::{self, SourceText};
use crate::scenario::{self, FieldErrors, Limits, LoadError, Scenario, ScenarioFile};

/// What parsing one text found (resolution is the document's, done off
/// the UI thread).
#[derive(Debug, Clone, PartialEq)]
enum Parsed {
    /// A scenario, to be resolved.
    Scenario,
    /// Not RON, or not the shape of a scenario: `line:col: message`.
    Syntax(String),
    /// The shape is wrong in these fields (`path: message` each).
    Invalid(Vec<String>),
}

/// The verdict on the text shown.
#[derive(Debug, Clone, PartialEq)]
enum Verdict {
    /// Parses and resolves.
    Valid,
    /// Parses; being resolved.
    Checking,
    /// Not RON, or not the shape of a scenario: `line:col: message`.
    Syntax(String),
    /// Parses, but these fields are wrong (`path: message` each).
    Invalid(Vec<String>),
}

/// Where the RON tab leaves its syntax verdict for the status bar.
const SYNTAX_KEY: &str = "ron_editor_syntax";

/// The syntax error of the text in the RON tab, while the tab is shown
/// (its text is then not the scenario the results are of).
pub fn syntax_problem(ctx: &egui::Context) -> Option<String> {
    let (pass, problem) = ctx.data(|d| d.get_temp::<(u64, Option<String>)>(egui::Id::unique(SYNTAX_KEY)))?;
    if pass + 1 >= ctx.cumulative_pass_nr() { problem } else { None }
}

/// Draws the RON editor for the scenario `file`, written over `source`
/// (the text it was opened from or last typed as), with `resolution` the
/// file's resolution (`None` while it is under way). `text` is the text
/// being edited (`None`: show the scenario as it is).
pub fn ron_ui(
    ui: &mut Ui,
    (file, source): (&ScenarioFile, Option<&SourceText>),
    resolution: Option<&Result<Scenario, FieldErrors>>,
    text: &mut Option<String>,
    commands: &mut Vec<Command>,
) {
    let typed_id = ui.make_persistent_id("ron_editor_typed");
    let verdict_id = ui.make_persistent_id("ron_editor_verdict");
    let current = text.get_or_insert_with(|| {
        let typed = ui.data(|d| d.get_temp::<Arc<(String, ScenarioFile)>>(typed_id));
        match typed {
            Some(typed) if typed.1 == *file => typed.0.clone(),
            _ => fresh_text(file, source),
        }
    });
    let caption = ui
        .horizontal(|ui| {
            if ui
                .button("Reset to current")
                .on_hover_text("Throw away the text typed here and show the scenario as it is now")
                .clicked()
            {
                *current = fresh_text(file, source);
                ui.data_mut(|d| d.remove::<Arc<(String, ScenarioFile)>>(typed_id));
            }
            ui.weak("The scenario file as RON (docs/scenario-format.md). Edits apply as you type; Ctrl+Z undoes them.")
        })
        .inner;
    let hash = text_hash(current);
    let parsed = match ui.data(|d| d.get_temp::<Arc<(u64, Parsed)>>(verdict_id)) {
        Some(cached) if cached.0 == hash => cached.1.clone(),
        _ => {
            let (parsed, _) = parse(current);
            ui.data_mut(|d| d.insert_temp(verdict_id, Arc::new((hash, parsed.clone()))));
            parsed
        }
    };
    let verdict = match parsed {
        Parsed::Syntax(message) => Verdict::Syntax(message),
        Parsed::Invalid(errors) => Verdict::Invalid(errors),
        Parsed::Scenario => match resolution {
            None => Verdict::Checking,
            Some(Ok(_)) => Verdict::Valid,
            Some(Err(errors)) => Verdict::Invalid(errors.0.iter().map(ToString::to_string).collect()),
        },
    };
    let syntax = match &verdict {
        Verdict::Syntax(message) => Some(message.clone()),
        _ => None,
    };
    let pass = ui.ctx().cumulative_pass_nr();
    ui.ctx().data_mut(|d| d.insert_temp(egui::Id::unique(SYNTAX_KEY), (pass, syntax)));
    verdict_ui(ui, &verdict);
    ui.separator();
    if text_area_ui(ui, current, caption.id).changed() {
        let (verdict, parsed) = parse(current);
        ui.data_mut(|d| d.insert_temp(verdict_id, Arc::new((text_hash(current), verdict))));
        // A new scenario, or the same one with other text (a comment):
        // either way the text typed is what a save writes.
        let retyped = |p: &ScenarioFile| p != file || source.is_none_or(|s| s.file != *file || s.text != *current);
        if let Some(parsed) = parsed.filter(retyped) {
            ui.data_mut(|d| d.insert_temp(typed_id, Arc::new((current.clone(), parsed.clone()))));
            commands.push(Command::EditText { text: current.clone(), file: Box::new(parsed) });
        }
    }
}

/// The code editor itself: monospace, not wrapped (the structure stays
/// readable; long lines scroll), labelled by the caption for screen readers.
fn text_area_ui(ui: &mut Ui, text: &mut String, caption: egui::Id) -> egui::Response {
    let mut layouter = |ui: &Ui, buffer: &dyn egui::TextBuffer, _wrap_width: f32| {
        let font = egui::TextStyle::Monospace.resolve(ui.style());
        let job =
            egui::text::LayoutJob::simple(buffer.as_str().to_owned(), font, ui.visuals().text_color(), f32::INFINITY);
        ui.fonts_mut(|f| f.layout_job(job))
    };
    egui::ScrollArea::both()
        .id_salt("ron_scroll")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            ui.horizontal_top(|ui| {
                // Line numbers, in step with the text (same font, same top
                // margin), so "syntax error at 12:5" is found at a glance.
                let lines = text.split('\n').count().max(1);
                let cache = ui.make_persistent_id("ron_editor_line_numbers");
                let numbers = match ui.data(|d| d.get_temp::<(usize, Arc<String>)>(cache)) {
                    Some((n, numbers)) if n == lines => numbers,
                    _ => {
                        let width = lines.to_string().len();
                        let numbers: Arc<String> = Arc::new((1..=lines).map(|n| format!("{n:>width$}\n")).collect());
                        ui.data_mut(|d| d.insert_temp(cache, (lines, Arc::clone(&numbers))));
                        numbers
                    }
                };
                ui.vertical(|ui| {
                    ui.add_space(MARGIN.y);
                    ui.add(
                        egui::Label::new(egui::RichText::new(numbers.as_str()).monospace().weak()).selectable(false),
                    );
                });
                // An id of its own: the verdict above it changes from frame
                // to frame, and the text must keep the keyboard while it does.
                ui.add(
                    egui::TextEdit::multiline(text)
                        .id(ui.make_persistent_id("ron_editor_text"))
                        .code_editor()
                        .margin(MARGIN)
                        .desired_width(f32::INFINITY)
                        .desired_rows(30)
                        .lock_focus(true)
                        .layouter(&mut layouter),
                )
                .labelled_by(caption)
            })
            .inner
        })
        .inner
}

/// The text's margin inside the editor (the line numbers start as far down).
const MARGIN: egui::Vec2 = egui::vec2(4.0, 2.0);

fn fresh_text(file: &ScenarioFile, source: Option<&SourceText>) -> String {
    rewrite::write(file, source).unwrap_or_else(|e| format!("// cannot write this scenario as RON: {e}\n"))
}

fn text_hash(text: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    text.hash(&mut hasher);
    hasher.finish()
}

/// Parses `text` (resolving it is the document's job, off the UI
/// thread); the parsed file comes back when it has a scenario's shape.
fn parse(text: &str) -> (Parsed, Option<ScenarioFile>) {
    match scenario::parse_str(text, &Limits::default()) {
        Ok(file) => (Parsed::Scenario, Some(file)),
        Err(LoadError::Syntax { line, col, message }) => (Parsed::Syntax(format!("{line}:{col}: {message}")), None),
        Err(LoadError::Invalid(errors)) => (Parsed::Invalid(errors.0.iter().map(ToString::to_string).collect()), None),
    }
}

fn verdict_ui(ui: &mut Ui, verdict: &Verdict) {
    match verdict {
        Verdict::Valid => {
            ui.colored_label(style::GOOD, "√ valid").on_hover_text("The text parses and every field is in range");
        }
        Verdict::Checking => {
            ui.horizontal(|ui| {
                ui.add(egui::Spinner::new());
                ui.weak("checking…").on_hover_text("The text parses; its fields are being checked");
            });
        }
        Verdict::Syntax(message) => {
            ui.colored_label(style::BAD, RichText::new(format!("Syntax error at {message}")).strong())
                .on_hover_text("line:column where the parser stopped; nothing is applied until the text parses");
        }
        Verdict::Invalid(errors) => {
            ui.colored_label(
                style::BAD,
                RichText::new(format!("{} {}:", errors.len(), if errors.len() == 1 { "problem" } else { "problems" }))
                    .strong(),
            )
            .on_hover_text(
                "The text parses and is applied, but these fields are wrong: results show the last \
                                valid scenario until they are fixed",
            );
            egui::ScrollArea::vertical().id_salt("ron_errors").max_height(120.0).show(ui, |ui| {
                for error in errors {
                    ui.add(egui::Label::new(RichText::new(error).color(style::BAD).small()).wrap());
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use egui_kittest::kittest::Queryable;

    use super::super::form::testing;
    use super::*;
    use crate::app::Document;

    type State = (Document, Option<String>, Vec<Command>);

    fn harness() -> egui_kittest::Harness<'static, State> {
        let doc = Document::new(crate::app::empty_scenario(), None, None);
        testing::harness(
            [700.0, 900.0],
            |ui, (doc, text, commands): &mut State| {
                ron_ui(
                    ui,
                    (&doc.file, doc.source.as_ref()),
                    (!doc.is_resolving()).then_some(&doc.resolved),
                    text,
                    commands,
                )
            },
            (doc, None, Vec::new()),
        )
    }

    fn replace_text(harness: &mut egui_kittest::Harness<'static, State>, new: &str) {
        let old = harness.state().1.clone().unwrap_or_default();
        testing::retype(harness, &old, new);
    }

    #[test]
    fn valid_text_pushes_one_edit() {
        let mut harness = harness();
        harness.run();
        assert!(harness.query_by_label("√ valid").is_some());
        let text = harness.state().1.clone().unwrap_or_default().replace("New scenario", "Renamed");
        replace_text(&mut harness, &text);
        let edits: Vec<&Command> = harness.state().2.iter().collect();
        assert_eq!(edits.len(), 1, "{edits:?}");
        let Command::EditText { file, text: typed } = edits[0] else { panic!("not an edit: {:?}", edits[0]) };
        assert_eq!((file.name.as_str(), typed), ("Renamed", &text));
    }

    #[test]
    fn every_line_has_its_number_beside_it() {
        let mut harness = harness();
        harness.run();
        let lines = harness.state().1.as_deref().unwrap_or_default().split('\n').count();
        let width = lines.to_string().len();
        let numbers: String = (1..=lines).map(|n| format!("{n:>width$}\n")).collect();
        assert!(harness.query_by_label(&numbers).is_some(), "{lines} numbers");
    }

    #[test]
    fn syntax_errors_show_line_and_column_and_push_nothing() {
        let mut harness = harness();
        harness.run();
        replace_text(&mut harness, "Scenario(\n    version: 1,\n    name: oops\n)");
        assert!(harness.query_by_label_contains("Syntax error at 3:").is_some(), "line:col shown");
        assert!(harness.state().2.is_empty());
    }

    #[test]
    fn field_errors_are_listed_and_the_file_still_applies() {
        let mut harness = harness();
        harness.run();
        let text = harness.state().1.clone().unwrap_or_default().replace("replications: 4", "replications: 0");
        replace_text(&mut harness, &text);
        assert!(matches!(&harness.state().2[..], [Command::EditText { file, .. }] if file.clock.replications == 0));
        // What the app does with the edit: the document resolves it (off
        // the UI thread), and the tab lists its problems.
        let commands = std::mem::take(&mut harness.state_mut().2);
        for command in commands {
            if let Command::EditText { text, file } = command {
                harness.state_mut().0.edit_text(text, *file, "Edit RON");
            }
        }
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while harness.state().0.is_resolving() {
            harness.state_mut().0.poll_resolution();
            assert!(std::time::Instant::now() < deadline, "resolved within 30 s");
        }
        harness.run();
        assert!(harness.query_by_label_contains("clock.replications").is_some());
    }

    #[test]
    fn the_typed_text_survives_the_apps_reset_and_reset_to_current_restores() {
        let mut harness = harness();
        harness.run();
        let typed = "// my comment\n".to_owned() + &harness.state().1.clone().unwrap_or_default().replace("4", "3");
        replace_text(&mut harness, &typed);
        // What the app does with the edit: apply it and clear the text.
        let commands = std::mem::take(&mut harness.state_mut().2);
        for command in commands {
            if let Command::EditText { file, text } = command {
                harness.state_mut().0.edit_text(text, *file, "Edit RON");
            }
        }
        harness.state_mut().1 = None;
        harness.run();
        assert_eq!(harness.state().1.as_deref(), Some(typed.as_str()));
        harness.get_by_label("Reset to current").click();
        harness.run();
        // The typed text (comment included) is now the document's text.
        let fresh = harness.state().0.text().ok();
        assert_eq!(harness.state().1, fresh);
        assert_eq!(fresh.as_deref(), Some(typed.as_str()));
    }
}
