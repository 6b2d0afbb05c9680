//! Typing into the app's fields as a user does, key by key (egui_kittest,
//! no display): a value takes effect once, when the user is done (Enter or
//! leaving the field), every keystroke is kept while the text is invalid,
//! a value over a limit is kept and reported and never simulated, nothing
//! is clamped in silence, and Ctrl+Z in a field undoes the typing, not an
//! earlier change to the scenario.

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use tenantsim::app::{Command, EditorTab, TenantsimApp};
use tenantsim::scenario::file::TenantEntryFile;

use crate::ui::{started, wait_for_results};

/// The app on its default example with the first results shown and the
/// editor on `tab`.
fn started_on(tab: EditorTab) -> Harness<'static, TenantsimApp> {
    let mut harness = started();
    harness.state_mut().window.editor_tab = tab;
    harness.run_steps(3);
    harness
}

/// True when a text field shows exactly `text`.
fn field_shows(harness: &Harness<'_, TenantsimApp>, text: &str) -> bool {
    harness.query_by(|n| n.role() == Role::TextInput && n.value().as_deref() == Some(text)).is_some()
}

/// Types `text` one character at a time into the focused field, drawing
/// a few frames after each as a person's typing would.
fn type_keys(harness: &mut Harness<'_, TenantsimApp>, text: &str) {
    for c in text.chars() {
        harness.input_mut().events.push(egui::Event::Text(c.to_string()));
        harness.run_steps(2);
    }
}

/// Focuses the text field showing `value` and selects all of it.
fn select_field(harness: &mut Harness<'_, TenantsimApp>, value: &str) {
    harness.get_by(|n| n.role() == Role::TextInput && n.value().as_deref() == Some(value)).focus();
    harness.run_steps(2);
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.run_steps(1);
}

fn duration(app: &TenantsimApp) -> String {
    app.doc.file.clock.duration.text().to_owned()
}

#[test]
fn a_duration_typed_through_invalid_text_keeps_every_keystroke_and_takes_effect_on_enter() {
    let mut harness = started_on(EditorTab::Scenario);
    let results = harness.state().doc.results.latest.as_ref().map(|r| r.report.clone());
    let runs = harness.state().runner.requests_made();
    assert_eq!(duration(harness.state()), "1h");
    // `1h` → `10000h`: through `1` (no unit), `1000`, ... none of it applied.
    select_field(&mut harness, "1h");
    type_keys(&mut harness, "1");
    assert!(field_shows(&harness, "1"), "the first key is kept while the text reads as no duration");
    type_keys(&mut harness, "0000h");
    assert!(field_shows(&harness, "10000h"), "every keystroke is kept");
    assert_eq!(duration(harness.state()), "1h", "nothing takes effect while typing");
    assert_eq!(harness.state().runner.requests_made(), runs, "typing starts no run");
    harness.key_press(egui::Key::Enter);
    harness.run_steps(3);
    // Over the ticks limit: kept as typed, reported, never simulated.
    assert_eq!(duration(harness.state()), "10000h");
    let errors = harness.state().doc.errors().map(|e| e.0.len()).unwrap_or(0);
    assert!(errors > 0, "10000 hours at 1 s ticks is over the limit and is reported");
    assert!(field_shows(&harness, "10000h"), "the field still shows what was typed");
    assert_eq!(harness.state().runner.requests_made(), runs, "a scenario over a limit is never run");
    assert_eq!(
        harness.state().doc.results.latest.as_ref().map(|r| r.report.clone()),
        results,
        "the last good results stay"
    );
    // `10000h` → `3h`: `3` alone is not taken for 3 seconds.
    select_field(&mut harness, "10000h");
    type_keys(&mut harness, "3");
    assert_eq!(duration(harness.state()), "10000h");
    type_keys(&mut harness, "h");
    harness.key_press(egui::Key::Enter);
    harness.run_steps(2);
    assert_eq!(duration(harness.state()), "3h");
    assert_eq!(harness.state().runner.requests_made(), runs + 1, "one run for the one value entered");
    wait_for_results(&mut harness);
    let shown = harness.state().doc.results.latest.as_ref().map(|r| r.report.duration_secs);
    assert_eq!(shown, Some(3.0 * 3600.0), "the results are of the 3 hours entered");
}

#[test]
fn escape_goes_back_to_the_value_before_typing() {
    let mut harness = started_on(EditorTab::Scenario);
    select_field(&mut harness, "1s");
    type_keys(&mut harness, "500m");
    assert!(field_shows(&harness, "500m"));
    harness.key_press(egui::Key::Escape);
    harness.run_steps(3);
    assert_eq!(harness.state().doc.file.clock.tick.text(), "1s");
    assert!(field_shows(&harness, "1s"), "the field shows the value again");
    assert!(!harness.state().doc.is_dirty(), "nothing changed");
}

/// The group of the default example and its count.
fn smb_count(app: &TenantsimApp) -> u32 {
    app.doc
        .file
        .tenants
        .iter()
        .find_map(|t| match t {
            TenantEntryFile::Group { prefix, count, .. } if prefix == "smb" => Some(*count),
            _ => None,
        })
        .unwrap_or_else(|| panic!("the default example has a group smb"))
}

/// Focuses the first number field (a drag value) holding `value`, so it
/// takes text, and selects its text.
fn open_number(harness: &mut Harness<'_, TenantsimApp>, value: f64) {
    let field = harness.get_all_by(|n| n.role() == Role::SpinButton && n.numeric_value() == Some(value)).next();
    field.unwrap_or_else(|| panic!("no number field holds {value}")).focus();
    harness.run_steps(2);
    assert!(
        harness.query_by(|n| n.role() == Role::SpinButton && n.is_focused()).is_some(),
        "the number {value} has the keyboard"
    );
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.run_steps(1);
}

#[test]
fn a_count_over_the_limit_is_kept_reported_and_never_run() {
    let mut harness = started_on(EditorTab::Tenants);
    let runs = harness.state().runner.requests_made();
    assert_eq!(smb_count(harness.state()), 15);
    open_number(&mut harness, 15.0);
    type_keys(&mut harness, "30000");
    assert_eq!(smb_count(harness.state()), 15, "the prefixes 3, 30, 300, 3000 are never taken");
    assert_eq!(harness.state().runner.requests_made(), runs);
    harness.key_press(egui::Key::Enter);
    harness.run_steps(3);
    assert_eq!(smb_count(harness.state()), 30_000, "kept as typed, not clamped to a limit");
    let errors = harness.state().doc.errors().map(|e| e.to_string()).unwrap_or_default();
    assert!(errors.contains("tenants"), "the limit is reported: {errors}");
    assert_eq!(harness.state().runner.requests_made(), runs, "never simulated");
}

#[test]
fn a_negative_rate_is_kept_and_reported_not_clamped_to_zero() {
    let mut harness = started_on(EditorTab::Tenants);
    let rate = |app: &TenantsimApp| match &app.doc.file.tenants[0] {
        TenantEntryFile::Tenant { load, .. } | TenantEntryFile::Group { load, .. } => load.rate,
    };
    let first = rate(harness.state());
    open_number(&mut harness, first);
    type_keys(&mut harness, "-5");
    harness.key_press(egui::Key::Enter);
    harness.run_steps(3);
    assert_eq!(rate(harness.state()), -5.0, "kept as typed");
    let errors = harness.state().doc.errors().map(|e| e.to_string()).unwrap_or_default();
    assert!(errors.contains("tenants[0].load.rate"), "reported at the field: {errors}");
}

#[test]
fn ctrl_z_in_a_text_field_undoes_the_typing_not_an_earlier_change() {
    let mut harness = started_on(EditorTab::Scenario);
    // An earlier change to the scenario: a new seed.
    let mut file = harness.state().doc.file.clone();
    file.clock.seed = 777;
    harness.state_mut().push(Command::Edit { file: Box::new(file), label: "Edit seed".into() });
    harness.run_steps(2);
    let name = harness.state().doc.file.name.clone();
    harness.get_by(|n| n.role() == Role::TextInput && n.value().as_deref() == Some(name.as_str())).focus();
    harness.run_steps(2);
    harness.key_press(egui::Key::End);
    type_keys(&mut harness, " v2");
    assert_eq!(harness.state().doc.file.name, format!("{name} v2"));
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    harness.run_steps(3);
    assert_eq!(harness.state().doc.file.clock.seed, 777, "the earlier change stays");
    assert_eq!(harness.state().doc.file.name, name, "the typing is undone");
}

#[test]
fn copy_puts_the_scenario_on_the_system_clipboard_and_paste_opens_what_is_there() {
    let mut harness = started_on(EditorTab::Scenario);
    harness.state_mut().push(Command::CopyScenario);
    harness.step();
    // What the app hands the platform (eframe writes it to the clipboard).
    let copied = harness.output().platform_output.commands.iter().find_map(|c| match c {
        egui::OutputCommand::CopyText(text) => Some(text.clone()),
        _ => None,
    });
    let copied = copied.unwrap_or_else(|| panic!("Copy scenario as text sends the text to the clipboard"));
    let parsed = tenantsim::scenario::parse_str(&copied, &tenantsim::scenario::Limits::default())
        .unwrap_or_else(|e| panic!("the copy parses: {e}"));
    assert_eq!(parsed, harness.state().doc.file, "the copy is the scenario");
    // Paste: the app asks the platform for the clipboard, which answers
    // with a paste event carrying text from outside (a chat message).
    let shared = copied.replace(&format!("name: {:?}", parsed.name), "name: \"From the chat\"");
    harness.state_mut().push(Command::PasteScenario);
    harness.step();
    let asked = harness
        .output()
        .viewport_output
        .values()
        .any(|v| v.commands.iter().any(|c| matches!(c, egui::ViewportCommand::RequestPaste)));
    assert!(asked, "Paste scenario asks the platform for the clipboard");
    harness.input_mut().events.push(egui::Event::Paste(shared));
    harness.run_steps(3);
    assert_eq!(harness.state().doc.file.name, "From the chat", "the pasted text is opened");
}

#[test]
fn without_a_file_dialog_the_app_asks_for_a_path_and_saves_there() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut harness = started_on(EditorTab::Scenario);
    // The dialog thread found no service: the app offers its own field.
    harness.state_mut().push(Command::PromptPath(tenantsim::app::DialogKind::SaveAs));
    harness.run_steps(3);
    let offered = harness.state().window.path_prompt.as_ref().map(|p| p.text.clone());
    let offered = offered.unwrap_or_else(|| panic!("a path field is offered"));
    assert!(offered.ends_with("noisy-neighbour.ron"), "it offers the example's name: {offered}");
    assert!(harness.query_by_label_contains("Type the file's path").is_some());
    let target = dir.path().join("mine.ron");
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.run_steps(1);
    type_keys(&mut harness, &target.to_string_lossy());
    let typed = harness.state().window.path_prompt.as_ref().map(|p| p.text.clone());
    assert_eq!(typed.as_deref(), Some(&*target.to_string_lossy()), "the path is typed over the offer");
    harness.key_press(egui::Key::Enter);
    harness.run_steps(3);
    assert!(harness.state().window.path_prompt.is_none(), "the field closes");
    let saved = std::fs::read_to_string(&target).unwrap_or_else(|e| panic!("saved where typed: {e}"));
    let parsed = tenantsim::scenario::parse_str(&saved, &tenantsim::scenario::Limits::default())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(parsed, harness.state().doc.file);
    assert!(!harness.state().doc.is_dirty(), "the document is saved");
}

/// True when some label contains `text`.
fn shows(harness: &Harness<'_, TenantsimApp>, text: &str) -> bool {
    harness.query_all_by_label_contains(text).next().is_some()
}

#[test]
fn a_lesson_step_shows_its_own_claims_as_holding_and_undo_returns_to_the_lessons() {
    let mut harness = started_on(EditorTab::Scenario);
    let step = "Throttle basic at 20 req/s";
    assert!(shows(&harness, "What the results should show"));
    harness.state_mut().push(Command::TryThis(0));
    harness.run_steps(2);
    wait_for_results(&mut harness);
    harness.run_steps(2);
    assert!(shows(&harness, &format!("After \u{201c}{step}\u{201d}")), "the step's claims are shown, named after it");
    assert!(shows(&harness, "The spike is stopped at smb-00's own usage plan."));
    assert!(shows(&harness, &format!("{step} (applied)")));
    let holds = harness.query_all_by_label("[holds]").count();
    assert!(holds >= 2, "the step's claims hold on its results ({holds})");
    assert_eq!(
        harness.query_all_by_label("[does not hold]").count(),
        0,
        "following the lesson does not look like failing it"
    );
    // Undo: the step is no longer in effect, its button says so.
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    harness.run_steps(2);
    wait_for_results(&mut harness);
    harness.run_steps(2);
    assert!(!shows(&harness, &format!("{step} (applied)")), "undo takes the step back");
    assert!(shows(&harness, "What the results should show"));
    assert_eq!(harness.query_all_by_label("[does not hold]").count(), 0, "the shipped scenario's claims hold");
    // Redo, then Reset lesson: back to the lesson's own claims.
    harness.key_press_modifiers(egui::Modifiers::COMMAND | egui::Modifiers::SHIFT, egui::Key::Z);
    harness.run_steps(2);
    assert!(shows(&harness, &format!("{step} (applied)")), "redo brings it back");
    harness.state_mut().push(Command::ResetLesson);
    harness.run_steps(2);
    wait_for_results(&mut harness);
    harness.run_steps(2);
    assert!(!shows(&harness, "(applied)"));
    assert!(shows(&harness, "What the results should show"));
}

/// The app on the retry-storm example, its results shown, on the Tiers
/// tab.
fn retry_storm_on_tiers() -> Harness<'static, TenantsimApp> {
    let mut harness = started_on(EditorTab::Tiers);
    harness.state_mut().push(Command::OpenBundled("retry-storm.ron"));
    wait_for_results(&mut harness);
    harness.run_steps(3);
    harness
}

/// The app tier's retry attempts in the retry-storm example.
fn app_attempts(app: &TenantsimApp) -> u32 {
    let tier = app.doc.file.tiers.get("app").unwrap_or_else(|| panic!("the example has a tier app"));
    tier.retry.as_ref().map_or(0, |r| r.attempts)
}

#[test]
fn retry_attempts_typed_in_the_tiers_tab_take_effect_on_enter_and_an_eleventh_is_reported() {
    let mut harness = retry_storm_on_tiers();
    assert_eq!(app_attempts(harness.state()), 3);
    let runs = harness.state().runner.requests_made();
    open_number(&mut harness, 3.0);
    type_keys(&mut harness, "6");
    assert_eq!(app_attempts(harness.state()), 3, "nothing applied before Enter");
    harness.key_press(egui::Key::Enter);
    harness.run_steps(3);
    assert_eq!(app_attempts(harness.state()), 6);
    assert!(harness.state().runner.requests_made() > runs, "the new policy runs");
    wait_for_results(&mut harness);
    let report = harness.state().doc.results.latest.as_ref().map(|r| r.report.clone());
    let retries = report.map_or(0.0, |r| r.designs[0].totals.retries.mean);
    assert!(retries > 0.0, "the pool's clients retried");
    // Eleven attempts are over the limit of ten: kept, reported at the
    // field, never run.
    let runs = harness.state().runner.requests_made();
    open_number(&mut harness, 6.0);
    type_keys(&mut harness, "11");
    harness.key_press(egui::Key::Enter);
    harness.run_steps(3);
    assert_eq!(app_attempts(harness.state()), 11, "kept as typed");
    let errors = harness.state().doc.errors().map(|e| e.to_string()).unwrap_or_default();
    assert!(errors.contains("tiers.\"app\".retry.attempts"), "reported at the field: {errors}");
    assert_eq!(harness.state().runner.requests_made(), runs, "never simulated");
}

/// The app tier's clients' timeout in the retry-storm example, as written.
fn app_timeout(app: &TenantsimApp) -> Option<String> {
    let tier = app.doc.file.tiers.get("app").unwrap_or_else(|| panic!("the example has a tier app"));
    tier.retry.as_ref().and_then(|r| r.timeout.as_ref()).map(|t| t.text().to_owned())
}

#[test]
fn a_client_timeout_typed_in_the_tiers_tab_takes_effect_on_enter_and_shows_wasted_work() {
    let mut harness = retry_storm_on_tiers();
    assert_eq!(app_timeout(harness.state()), None);
    // The row's checkbox turns the timeout on at 1 s (as ticking it does).
    let mut file = harness.state().doc.file.clone();
    let tier = file.tiers.get_mut("app").unwrap_or_else(|| panic!("tier app"));
    if let Some(retry) = tier.retry.as_mut() {
        retry.timeout = Some(tenantsim::units::DurationText::new("1s"));
    }
    harness.state_mut().push(Command::Edit { file: Box::new(file), label: "Client timeout".into() });
    harness.run_steps(3);
    wait_for_results(&mut harness);
    harness.run_steps(3);
    let runs = harness.state().runner.requests_made();
    select_field(&mut harness, "1s");
    type_keys(&mut harness, "250");
    assert!(field_shows(&harness, "250"), "a number without its unit is kept while typing");
    assert_eq!(app_timeout(harness.state()).as_deref(), Some("1s"), "nothing applied before Enter");
    type_keys(&mut harness, "ms");
    harness.key_press(egui::Key::Enter);
    harness.run_steps(3);
    assert_eq!(app_timeout(harness.state()).as_deref(), Some("250ms"));
    assert!(harness.state().runner.requests_made() > runs, "the new timeout runs");
    wait_for_results(&mut harness);
    // The app clients give up after 250 ms in a pool whose queue holds a
    // request up to 1 s: the pool serves what they gave up on.
    let report = harness.state().doc.results.latest.as_ref().map(|r| r.report.clone());
    let wasted = report.map_or(0.0, |r| r.designs[0].totals.wasted_work_fraction.mean);
    assert!(wasted > 0.01, "wasted work {wasted}");
    assert!(shows(&harness, "Client timeout"), "the tiers tab has the row");
}

/// The queue's retention in the queue-per-tenant example, as written.
fn retention(app: &TenantsimApp) -> Option<String> {
    app.doc.file.layers.queue.as_ref().map(|q| q.retention.text().to_owned())
}

#[test]
fn a_retention_typed_in_the_layers_tab_takes_effect_on_enter_and_deletes_waiting_orders() {
    let mut harness = started_on(EditorTab::Layers);
    harness.state_mut().push(Command::OpenBundled("queue-per-tenant.ron"));
    wait_for_results(&mut harness);
    harness.run_steps(3);
    assert_eq!(retention(harness.state()).as_deref(), Some("1d"));
    assert!(shows(&harness, "Retention"), "the layers tab has the queue's rows");
    let runs = harness.state().runner.requests_made();
    select_field(&mut harness, "1d");
    type_keys(&mut harness, "2");
    assert!(field_shows(&harness, "2"), "a number without its unit is kept while typing");
    assert_eq!(retention(harness.state()).as_deref(), Some("1d"), "nothing applied before Enter");
    type_keys(&mut harness, "m");
    harness.key_press(egui::Key::Enter);
    harness.run_steps(3);
    assert_eq!(retention(harness.state()).as_deref(), Some("2m"));
    assert!(harness.state().runner.requests_made() > runs, "the new retention runs");
    wait_for_results(&mut harness);
    // The import makes the shared queue's messages wait about four
    // minutes: with a two-minute retention the shops lose orders there,
    // and none with a queue each.
    let report = harness.state().doc.results.latest.as_ref().map(|r| r.report.clone());
    let lost = |r: &Option<tenantsim::report::RunReport>, d: usize| {
        r.as_ref().map_or(-1.0, |r| {
            r.designs[d].tenants.iter().find(|t| t.id == "shop-00").map_or(-1.0, |t| t.dropped.timeout.mean)
        })
    };
    assert!(lost(&report, 0) > 100.0, "shared queue: shop-00 lost {}", lost(&report, 0));
    assert_eq!(lost(&report, 1), 0.0, "a queue each: shop-00 lost nothing");
}

/// The standard tier's objective on message age in the queue-per-tenant
/// example, as written.
fn message_age(app: &TenantsimApp) -> Option<String> {
    app.doc.file.tiers.get("standard").and_then(|t| t.slo.max_message_age.as_ref()).map(|d| d.text().to_owned())
}

#[test]
fn a_message_age_objective_typed_in_the_tiers_tab_is_checked_at_its_field_then_judged() {
    let mut harness = started_on(EditorTab::Tiers);
    harness.state_mut().push(Command::OpenBundled("queue-per-tenant.ron"));
    wait_for_results(&mut harness);
    harness.run_steps(3);
    assert!(shows(&harness, "SLO max message age"), "the tiers tab has the row with a queue");
    assert_eq!(message_age(harness.state()).as_deref(), Some("2m"));
    let runs = harness.state().runner.requests_made();
    // Under a second: kept as typed, reported at its field, never run.
    select_field(&mut harness, "2m");
    type_keys(&mut harness, "300ms");
    assert_eq!(message_age(harness.state()).as_deref(), Some("2m"), "nothing applied before Enter");
    harness.key_press(egui::Key::Enter);
    harness.run_steps(3);
    assert_eq!(message_age(harness.state()).as_deref(), Some("300ms"));
    let errors = harness.state().doc.errors().map(|e| e.to_string()).unwrap_or_default();
    assert!(errors.contains(r#"tiers."standard".slo.max_message_age"#), "reported at the field: {errors}");
    assert!(field_shows(&harness, "300ms"), "the field still shows what was typed");
    assert_eq!(harness.state().runner.requests_made(), runs, "an invalid objective is never run");
    // Four minutes: the shops' orders wait over four minutes on the shared
    // queue, under a second with a queue each.
    select_field(&mut harness, "300ms");
    type_keys(&mut harness, "4m");
    harness.key_press(egui::Key::Enter);
    harness.run_steps(3);
    assert_eq!(message_age(harness.state()).as_deref(), Some("4m"));
    assert!(harness.state().runner.requests_made() > runs, "the new objective runs");
    wait_for_results(&mut harness);
    let report = harness.state().doc.results.latest.as_ref().map(|r| r.report.clone());
    let shop =
        |d: usize| report.as_ref().and_then(|r| r.designs[d].tenants.iter().find(|t| t.id == "shop-00").cloned());
    let (shared, own) = (shop(0), shop(1));
    assert!(shared.as_ref().is_some_and(|t| t.oldest_message_ms.mean > 240_000.0 && t.slo_met.mean == 0.0));
    assert!(own.as_ref().is_some_and(|t| t.oldest_message_ms.mean < 5_000.0 && t.slo_met.mean == 1.0));
}
