//! The "Scenario" editor tab: name, description, lesson text, the clock
//! (duration, tick, seed, replications, start hour) and cost settings.
//! Edits the per-frame draft in place; the caller turns the difference
//! into one undoable edit.

use egui::Ui;

use super::form::{self, row_ui};
use crate::scenario::file::{AttributionFile, EngineFile, IdleFile, LessonFile};
use crate::scenario::{FieldErrors, ScenarioFile};

/// Draws the scenario settings and edits `draft` in place.
pub fn scenario_ui(ui: &mut Ui, draft: &mut ScenarioFile, errors: Option<&FieldErrors>) {
    ui.heading("Scenario").on_hover_text("What this experiment is called and what it teaches");
    egui::Grid::new("scenario_text").num_columns(2).spacing([12.0, 6.0]).show(ui, |ui| text_rows(ui, draft, errors));
    lesson_ui(ui, &mut draft.lesson);
    ui.add_space(8.0);
    ui.heading("Clock").on_hover_text("Simulated time, randomness and repetitions");
    egui::Grid::new("scenario_clock").num_columns(2).spacing([12.0, 6.0]).show(ui, |ui| clock_rows(ui, draft, errors));
    ui.add_space(8.0);
    ui.heading("Cost").on_hover_text("How the cost of shared stacks is divided among the tenants that use them");
    egui::Grid::new("scenario_cost").num_columns(2).spacing([12.0, 6.0]).show(ui, |ui| cost_rows(ui, draft, errors));
}

fn text_rows(ui: &mut Ui, draft: &mut ScenarioFile, errors: Option<&FieldErrors>) {
    row_ui(ui, ("Name", "Short title shown in the title bar, lists and reports"), errors, "name", |ui| {
        ui.add(egui::TextEdit::singleline(&mut draft.name).desired_width(280.0))
            .on_hover_text("Short title shown in the title bar, lists and reports");
    });
    row_ui(ui, ("Description", "One line saying what the experiment shows"), errors, "description", |ui| {
        ui.add(egui::TextEdit::multiline(&mut draft.description).desired_width(280.0).desired_rows(2))
            .on_hover_text("One line saying what the experiment shows");
    });
}

fn lesson_ui(ui: &mut Ui, lesson: &mut Option<LessonFile>) {
    let mut on = lesson.is_some();
    if ui
        .checkbox(&mut on, "Lesson text for workshops")
        .on_hover_text(
            "Teaching material shown with the scenario: what to look at and why. The simulation ignores it. \
             Unticking removes the whole lesson, \"try this\" steps included (Ctrl+Z brings it back).",
        )
        .changed()
    {
        *lesson = on.then(LessonFile::default);
    }
    let Some(lesson) = lesson else { return };
    ui.indent("lesson", |ui| {
        ui.horizontal(|ui| {
            form::label_ui(ui, "Level", "Audience level: intro, intermediate or advanced (free text)");
            egui::ComboBox::from_id_salt("lesson_level")
                .selected_text(if lesson.level.is_empty() { "(none)" } else { lesson.level.as_str() })
                .show_ui(ui, |ui| {
                    for level in ["", "intro", "intermediate", "advanced"] {
                        let label = if level.is_empty() { "(none)" } else { level };
                        ui.selectable_value(&mut lesson.level, level.to_owned(), label);
                    }
                })
                .response
                .on_hover_text("Audience level, shown next to the scenario's name");
        });
        // The lesson panel shows the text; here it is edited, folded away
        // until wanted so the first screen does not show it twice.
        let words = lesson.text.split_whitespace().count();
        egui::CollapsingHeader::new(format!("Edit the lesson text ({words} words)"))
            .id_salt("lesson_text_edit")
            .default_open(lesson.text.is_empty())
            .show(ui, |ui| {
                ui.add(
                    egui::TextEdit::multiline(&mut lesson.text)
                        .desired_width(f32::INFINITY)
                        .desired_rows(4)
                        .hint_text("What to look at in the results, and why"),
                )
                .on_hover_text("What to look at and why, as plain text");
            });
        if !lesson.try_this.is_empty() || !lesson.expect.is_empty() {
            ui.weak(format!(
                "{} \"try this\" step(s) and {} expected outcome(s): edit them in the Lesson tab.",
                lesson.try_this.len(),
                lesson.expect.len()
            ));
        }
    });
}

fn clock_rows(ui: &mut Ui, draft: &mut ScenarioFile, errors: Option<&FieldErrors>) {
    let retries = draft.tiers.values().any(|t| t.retry.is_some());
    let relational = draft.layers.relational.is_some();
    let redelivers = draft.layers.queue.is_some() && (draft.layers.database.is_some() || relational);
    let fifo = draft.layers.queue.as_ref().is_some_and(|q| q.fifo);
    let fair = draft.layers.queue.as_ref().is_some_and(|q| q.fair);
    let queued_functions = draft.layers.queue.is_some() && draft.layers.compute.functions.is_some();
    let outlives = draft.layers.queue.as_ref().is_some_and(|q| {
        let batch = q.batch_for(draft.layers.compute.functions.is_some());
        q.visibility_timeout
            .secs()
            .is_ok_and(|v| crate::scenario::model::outlives(&draft.layers.compute.service_time.as_written(), v, batch))
    });
    let clock = &mut draft.clock;
    let tip =
        "Simulated time of one run (not wall-clock time). Longer runs average out more randomness but take longer.";
    row_ui(ui, ("Duration", tip), errors, "clock.duration", |ui| {
        form::duration_ui(ui, &mut clock.duration, tip, false)
    });
    let tip = "Time step of the simulation. Arrivals, token buckets and queues are updated once per tick; \
               duration ÷ tick is the number of ticks (at most 10,000,000).";
    row_ui(ui, ("Tick", tip), errors, "clock.tick", |ui| {
        form::duration_ui(ui, &mut clock.tick, tip, false);
        if let (Ok(d), Ok(t)) = (clock.duration.secs(), clock.tick.secs())
            && t > 0.0
        {
            let ticks = (d / t).ceil();
            ui.weak(format!("= {ticks:.0} {}", if ticks == 1.0 { "tick" } else { "ticks" }));
        }
    });
    let tip = "Master seed: every random stream (arrivals, group rates) derives from it. The same seed gives the same \
               traffic in every design and the same results on every machine.";
    row_ui(ui, ("Seed", tip), errors, "clock.seed", |ui| {
        let id = ui.make_persistent_id("clock_seed");
        let (_, committed) = form::commit_text_ui(ui, id, &clock.seed.to_string(), 120.0, tip, |text| {
            text.trim().parse::<u64>().map(|_| ()).map_err(|_| "a whole number from 0 to 2^64 − 1".to_owned())
        });
        if let Some(seed) = committed.and_then(|t| t.trim().parse().ok()) {
            clock.seed = seed;
        }
    });
    let tip = "Independent runs with different random arrivals. More replications give tighter 95 % confidence \
               intervals (the ± figures) but take longer. 1 to 1,000.";
    row_ui(ui, ("Replications", tip), errors, "clock.replications", |ui| {
        form::count_ui(ui, &mut clock.replications, 1..=1000, "", tip);
    });
    let tip = "Hour of day (0 to 24) at which the run starts. Diurnal load patterns peak at their peak hour, so a \
               one-hour run starting at 9 sees the morning ramp.";
    row_ui(ui, ("Start hour", tip), errors, "clock.start_hour", |ui| {
        form::number_ui(ui, &mut clock.start_hour, 0.0..=23.99, " h", tip);
    });
    let tip = "Which engine simulates the run. Auto (the default) treats queues as fluids tick by tick and simulates \
               a stack request by request while it is near saturation; Fast is the fluid alone (quickest, less \
               accurate near saturation and under weighted-fair sharing); Exact simulates every request (slowest, \
               the reference the others are checked against).";
    row_ui(ui, ("Engine", tip), errors, "clock.engine", |ui| {
        for (engine, name, hover) in [
            (EngineFile::Auto, "Auto", "Fluid, and request by request near saturation"),
            (EngineFile::Fast, "Fast", "Fluid only: quickest"),
            (EngineFile::Exact, "Exact", "Every request: slowest, the reference"),
        ] {
            ui.radio_value(&mut clock.engine, engine, name).on_hover_text(hover);
        }
    });
    if retries && clock.engine != EngineFile::Exact {
        ui.label("");
        ui.weak("Retries run request by request")
            .on_hover_text("Some tier's clients retry failed requests, which only the per-request engine follows");
        ui.end_row();
    } else if redelivers && clock.engine != EngineFile::Exact {
        ui.label("");
        ui.weak("Redeliveries run request by request").on_hover_text(
            "Messages whose write the database refuses come back from the queue, which only the per-request engine \
             follows",
        );
        ui.end_row();
    } else if relational && clock.engine != EngineFile::Exact {
        ui.label("");
        ui.weak("Relational runs request by request").on_hover_text(
            "Requests wait for the relational database's connections and vCPUs, which only the per-request engine \
             follows",
        );
        ui.end_row();
    } else if fifo && clock.engine != EngineFile::Exact {
        ui.label("");
        ui.weak("FIFO queues run request by request").on_hover_text(
            "A FIFO queue's message groups take one message at a time, which only the per-request engine follows",
        );
        ui.end_row();
    } else if queued_functions && clock.engine != EngineFile::Exact {
        ui.label("");
        ui.weak("Queued functions run per request").on_hover_text(
            "Messages wait in the queue for the functions' concurrency, which only the per-request engine follows",
        );
        ui.end_row();
    } else if fair && clock.engine != EngineFile::Exact {
        ui.label("");
        ui.weak("Fair queues run request by request").on_hover_text(
            "A fair queue tells quiet tenants from noisy ones by their messages in flight and their recent \
             processing time, which only the per-request engine follows",
        );
        ui.end_row();
    } else if outlives && clock.engine != EngineFile::Exact {
        ui.label("");
        ui.weak("Slow consumers run request by request").on_hover_text(
            "Processing can outlive the queue's visibility timeout (a message is then processed twice), which only \
             the per-request engine follows",
        );
        ui.end_row();
    }
}

fn cost_rows(ui: &mut Ui, draft: &mut ScenarioFile, errors: Option<&FieldErrors>) {
    let cost = &mut draft.cost;
    let tip = "How a shared (pool or cell) stack's cost is divided among its tenants. A silo stack always belongs \
               wholly to its tenant.";
    row_ui(ui, ("Attribution", tip), errors, "cost.attribution", |ui| {
        egui::ComboBox::from_id_salt("cost_attribution")
            .selected_text(attribution_name(cost.attribution))
            .width(150.0)
            .show_ui(ui, |ui| {
                for (value, tip) in [
                    (AttributionFile::Proportional, "By consumption: compute-seconds, capacity units, GB stored, requests (AWS SaaS workshop Lab 7)"),
                    (AttributionFile::Requests, "By request count in every layer"),
                    (AttributionFile::Even, "Equal share per tenant of the stack"),
                    (AttributionFile::TierWeights, "By each tier's cost weight (fixed percentages, as in AWS Cost Categories)"),
                ] {
                    ui.selectable_value(&mut cost.attribution, value, attribution_name(value)).on_hover_text(tip);
                }
            })
            .response
            .on_hover_text(tip);
    });
    let tip = "The cost of capacity nobody used in a shared stack: spread over its tenants like the rest, or kept \
               on its own \"unallocated\" line so tenant costs show only what they consumed.";
    row_ui(ui, ("Idle capacity", tip), errors, "cost.idle", |ui| {
        ui.radio_value(&mut cost.idle, IdleFile::Spread, "Spread").on_hover_text("Idle cost is divided like the rest");
        ui.radio_value(&mut cost.idle, IdleFile::Unallocated, "Unallocated")
            .on_hover_text("Idle cost is reported on its own line");
    });
    let tip = "Hours in a billing month; a run's cost is scaled to a month with it (730 by AWS convention).";
    row_ui(ui, ("Hours per month", tip), errors, "cost.hours_per_month", |ui| {
        form::number_ui(ui, &mut cost.hours_per_month, 1.0..=744.0, " h", tip);
    });
}

fn attribution_name(value: AttributionFile) -> &'static str {
    match value {
        AttributionFile::Proportional => "Proportional",
        AttributionFile::Requests => "Requests",
        AttributionFile::Even => "Even",
        AttributionFile::TierWeights => "Tier weights",
    }
}

#[cfg(test)]
mod tests {
    use egui_kittest::kittest::Queryable;

    use super::super::form::testing;
    use super::*;

    fn harness(file: ScenarioFile) -> egui_kittest::Harness<'static, ScenarioFile> {
        testing::harness([600.0, 900.0], |ui, file: &mut ScenarioFile| scenario_ui(ui, file, None), file)
    }

    #[test]
    fn lesson_checkbox_adds_a_lesson_and_durations_keep_their_text() {
        let mut file = crate::app::empty_scenario();
        file.lesson = None;
        let mut harness = harness(file);
        harness.run();
        harness.get_by_label("Lesson text for workshops").click();
        harness.run();
        assert_eq!(harness.state().lesson, Some(LessonFile::default()));
        testing::retype(&mut harness, "1h", "90m");
        assert_eq!(harness.state().clock.duration.text(), "1h", "nothing is taken while typing");
        harness.key_press(egui::Key::Enter);
        harness.run();
        assert_eq!(harness.state().clock.duration.text(), "90m");
        assert_eq!(harness.state().clock.duration.secs(), Ok(5400.0));
    }

    #[test]
    fn the_engine_is_picked_by_its_radio_button() {
        let mut harness = harness(crate::app::empty_scenario());
        harness.run();
        assert_eq!(harness.state().clock.engine, EngineFile::Auto, "Auto by default");
        harness.get_by_label("Exact").click();
        harness.run();
        assert_eq!(harness.state().clock.engine, EngineFile::Exact);
        harness.get_by_label("Fast").click();
        harness.run();
        assert_eq!(harness.state().clock.engine, EngineFile::Fast);
    }

    #[test]
    fn a_bad_duration_is_kept_and_explained() {
        // As in the app: the resolver's errors of the current file, every frame.
        let mut harness = testing::harness(
            [600.0, 900.0],
            |ui, file: &mut ScenarioFile| {
                let errors = crate::scenario::resolve::resolve(file, &crate::scenario::Limits::default()).err();
                scenario_ui(ui, file, errors.as_ref());
            },
            crate::app::empty_scenario(),
        );
        harness.run();
        testing::retype(&mut harness, "1h", "10 parsecs");
        harness.key_press(egui::Key::Enter);
        harness.run();
        assert_eq!(harness.state().clock.duration.text(), "10 parsecs");
        assert!(harness.query_by_label_contains("unknown unit").is_some(), "the parse error is shown");
    }

    #[test]
    fn the_seed_commits_on_enter_and_refuses_garbage() {
        let mut harness = harness(crate::app::empty_scenario());
        harness.run();
        testing::retype(&mut harness, "1", "12345678901234567890");
        assert_eq!(harness.state().clock.seed, 1, "not before Enter");
        harness.key_press(egui::Key::Enter);
        harness.run();
        assert_eq!(harness.state().clock.seed, 12_345_678_901_234_567_890);
        testing::retype(&mut harness, "12345678901234567890", "abc");
        harness.key_press(egui::Key::Enter);
        harness.run();
        assert_eq!(harness.state().clock.seed, 12_345_678_901_234_567_890);
    }

    #[test]
    fn viewing_the_tab_changes_nothing_even_out_of_range() {
        let mut file = crate::app::empty_scenario();
        file.clock.replications = 0;
        file.clock.start_hour = 30.0;
        file.cost.hours_per_month = -1.0;
        let before = file.clone();
        let mut harness = harness(file);
        harness.run();
        assert_eq!(harness.state(), &before);
    }
}
