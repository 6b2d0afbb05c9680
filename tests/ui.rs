//! The desktop app as a user drives it, with egui_kittest (no display):
//! load an example, edit, undo, invalid input, save and reopen.

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use tenantsim::app::{Command, EditorTab, Prefs, ResultsTab, TenantsimApp};
use tenantsim::scenario::file::TenantEntryFile;

fn app_harness() -> Harness<'static, TenantsimApp> {
    let app = TenantsimApp::new(Prefs::default(), || {});
    Harness::builder()
        .with_size(egui::vec2(1500.0, 950.0))
        .build_ui_state(|ui, app: &mut TenantsimApp| app.ui_root(ui), app)
}

/// Steps the UI until the background run requested by the last edit has
/// delivered its results.
fn wait_for_results(harness: &mut Harness<'_, TenantsimApp>) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        harness.step();
        if !harness.state().runner.is_busy() {
            harness.step();
            return;
        }
        assert!(Instant::now() < deadline, "no results within 60 s");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn edit(
    harness: &mut Harness<'_, TenantsimApp>,
    label: &str,
    change: impl FnOnce(&mut tenantsim::scenario::ScenarioFile),
) {
    let mut file = harness.state().doc.file.clone();
    change(&mut file);
    harness.state_mut().push(Command::Edit { file: Box::new(file), label: label.to_owned() });
    harness.step();
}

fn total_cost(app: &TenantsimApp, design: &str) -> f64 {
    app.results
        .as_ref()
        .and_then(|r| r.report.design(design).map(|d| d.totals.cost_usd_per_month.mean))
        .unwrap_or(f64::NAN)
}

fn set_rate(file: &mut tenantsim::scenario::ScenarioFile, id_or_prefix: &str, rate: f64) {
    for entry in &mut file.tenants {
        match entry {
            TenantEntryFile::Tenant { id, load, .. } if id == id_or_prefix => load.rate = rate,
            TenantEntryFile::Group { prefix, load, .. } if prefix == id_or_prefix => load.rate = rate,
            _ => {}
        }
    }
}

#[test]
fn opens_on_an_example_with_results_already_shown() {
    let mut harness = app_harness();
    harness.run_steps(3);
    let app = harness.state();
    let results = app.results.as_ref().unwrap_or_else(|| panic!("no results at start"));
    assert_eq!(results.report.designs.len(), 3);
    assert_eq!(app.view.results_tab, ResultsTab::Compare);
    for design in ["pool", "silo", "bridge"] {
        assert!(harness.query_all_by_label_contains(design).next().is_some(), "design {design} not shown");
    }
    assert!(harness.query_all_by_label_contains("Noisy neighbour").next().is_some());
    // The compare view shows the figures: the pool's total cost, as text.
    let cost = results.report.design("pool").map_or(0.0, |d| d.totals.cost_usd_per_month.mean);
    let shown = format!("{cost:.2}");
    let shown = shown.split('.').next().unwrap_or_default().to_owned();
    assert!(
        harness.query_all_by_label_contains(&shown[shown.len().saturating_sub(3)..]).next().is_some(),
        "cost {cost} shown"
    );
}

#[test]
fn changing_a_tenant_rate_changes_the_figures_and_undo_restores_them() {
    let mut harness = app_harness();
    harness.run_steps(2);
    let before = total_cost(harness.state(), "pool");
    edit(&mut harness, "Edit tenants", |f| set_rate(f, "smb", 40.0));
    wait_for_results(&mut harness);
    let after = total_cost(harness.state(), "pool");
    assert!(after > before * 1.1, "cost should grow with 4× the load: {before} → {after}");
    harness.state_mut().push(Command::Undo);
    wait_for_results(&mut harness);
    let undone = total_cost(harness.state(), "pool");
    assert_eq!(undone, before, "undo restores the scenario and the same seed gives the same figures");
    assert!(!harness.state().doc.is_dirty());
    harness.state_mut().push(Command::Redo);
    wait_for_results(&mut harness);
    assert_eq!(total_cost(harness.state(), "pool"), after);
}

#[test]
fn undo_and_redo_work_from_the_keyboard() {
    let mut harness = app_harness();
    harness.run_steps(2);
    let original = harness.state().doc.file.clone();
    edit(&mut harness, "Edit tiers", |f| {
        if let Some(t) = f.tiers.get_mut("basic") {
            t.price_per_month = 5.0;
        }
    });
    assert_ne!(harness.state().doc.file, original);
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    harness.step();
    harness.step();
    assert_eq!(harness.state().doc.file, original);
    harness.key_press_modifiers(egui::Modifiers::COMMAND | egui::Modifiers::SHIFT, egui::Key::Z);
    harness.step();
    harness.step();
    assert_ne!(harness.state().doc.file, original);
}

#[test]
fn adding_and_removing_a_tenant_updates_the_results() {
    let mut harness = app_harness();
    harness.run_steps(2);
    let tenants = |app: &TenantsimApp| app.results.as_ref().map_or(0, |r| r.report.designs[0].tenants.len());
    assert_eq!(tenants(harness.state()), 17);
    edit(&mut harness, "Edit tenants", |f| {
        f.tenants.push(TenantEntryFile::Tenant {
            id: "initech".into(),
            tier: "premium".into(),
            load: tenantsim::scenario::parse_str(
                r#"Scenario(version: 1, name: "x", clock: (duration: "1h"), tiers: {"t": (price_per_month: 1.0)},
                   tenants: [Tenant(id: "a", tier: "t", load: (rate: 12.0))],
                   layers: (compute: (service_time: Exponential(mean_ms: 1.0))), designs: [(name: "p", placement: {"*": Pool})])"#,
                &tenantsim::scenario::Limits::default(),
            )
            .map(|s| match &s.tenants[0] {
                TenantEntryFile::Tenant { load, .. } => load.clone(),
                TenantEntryFile::Group { load, .. } => load.clone(),
            })
            .unwrap_or_else(|e| panic!("{e}")),
        });
    });
    wait_for_results(&mut harness);
    assert_eq!(tenants(harness.state()), 18);
    assert!(harness.state().results.as_ref().is_some_and(|r| r.report.designs[0].tenant("initech").is_some()));
    edit(&mut harness, "Edit tenants", |f| {
        f.tenants.retain(|e| !matches!(e, TenantEntryFile::Tenant { id, .. } if id == "initech"));
    });
    wait_for_results(&mut harness);
    assert_eq!(tenants(harness.state()), 17);
}

#[test]
fn an_invalid_value_shows_its_message_and_keeps_the_last_good_results() {
    let mut harness = app_harness();
    harness.run_steps(2);
    let good = harness.state().results.as_ref().map(|r| r.report.clone());
    edit(&mut harness, "Edit tenants", |f| {
        if let Some(TenantEntryFile::Tenant { tier, .. }) = f.tenants.first_mut() {
            *tier = "gold".into();
        }
    });
    harness.run_steps(3);
    let app = harness.state();
    let errors = app.doc.errors().unwrap_or_else(|| panic!("expected a resolve error"));
    assert_eq!(errors.for_path("tenants[0].tier"), Some("unknown tier \"gold\" (known: basic, premium)"));
    assert_eq!(app.results.as_ref().map(|r| r.report.clone()), good, "last good results kept");
    assert!(!app.runner.is_busy(), "an invalid scenario is not simulated");
    assert!(harness.query_by_label_contains("unknown tier \"gold\"").is_some(), "the message is shown");
}

#[test]
fn save_then_open_round_trips_the_scenario_exactly() {
    let mut harness = app_harness();
    harness.run_steps(2);
    edit(&mut harness, "Edit tenants", |f| set_rate(f, "acme", 33.0));
    let path = std::env::temp_dir().join(format!("tenantsim-ui-{}.ron", std::process::id()));
    harness.state_mut().push(Command::SaveTo(path.clone()));
    harness.step();
    assert!(!harness.state().doc.is_dirty());
    let saved = harness.state().doc.file.clone();
    harness.state_mut().push(Command::OpenBundled("noisy-neighbour.ron"));
    harness.step();
    assert_ne!(harness.state().doc.file, saved);
    harness.state_mut().push(Command::OpenPath(path.clone()));
    wait_for_results(&mut harness);
    assert_eq!(harness.state().doc.file, saved, "reopened file equals what was saved");
    assert_eq!(harness.state().doc.path.as_deref(), Some(path.as_path()));
    assert!(harness.state().prefs.recent.contains(&path));
    let _ = std::fs::remove_file(&path);
}

#[test]
fn unsaved_edits_are_guarded_before_opening_another_scenario() {
    let mut harness = app_harness();
    harness.run_steps(2);
    edit(&mut harness, "Edit tenants", |f| set_rate(f, "acme", 35.0));
    harness.state_mut().push(Command::New);
    // The modal fades in over a few frames.
    harness.run_steps(4);
    assert!(harness.state().held.is_some(), "the guard holds the command");
    assert!(harness.query_by_label_contains("Unsaved changes").is_some());
    harness.get_by_label("Cancel").click();
    harness.run_steps(2);
    assert!(harness.state().held.is_none());
    assert!(harness.state().doc.is_dirty(), "edits kept");
    harness.state_mut().push(Command::New);
    harness.run_steps(4);
    harness.get_by_label("Discard edits").click();
    harness.run_steps(2);
    assert_eq!(harness.state().doc.file.name, "New scenario");
}

#[test]
fn switching_tabs_and_selecting_a_tenant() {
    let mut harness = app_harness();
    harness.run_steps(2);
    for tab in ["Timelines", "Costs", "Tenant table", "Compare"] {
        harness.get_by_label(tab).click();
        harness.run_steps(2);
    }
    assert_eq!(harness.state().view.results_tab, ResultsTab::Compare);
    harness.get_by_label("Designs").click();
    harness.run_steps(2);
    assert_eq!(harness.state().view.editor_tab, EditorTab::Designs);
    harness.state_mut().push(Command::SelectTenant(Some("acme".into())));
    harness.run_steps(2);
    assert_eq!(harness.state().view.selected_tenant.as_deref(), Some("acme"));
}

#[test]
fn reroll_draws_a_new_seed_and_new_traffic() {
    let mut harness = app_harness();
    harness.run_steps(2);
    let seed = harness.state().doc.file.clock.seed;
    let offered = |app: &TenantsimApp| app.results.as_ref().map(|r| r.report.designs[0].totals.offered.mean);
    let before = offered(harness.state());
    harness.get_by_label_contains("Re-roll").click();
    harness.run_steps(2);
    wait_for_results(&mut harness);
    assert_ne!(harness.state().doc.file.clock.seed, seed);
    assert_ne!(offered(harness.state()), before);
}

#[test]
fn a_lesson_step_applies_its_change_and_reset_returns_to_the_shipped_file() {
    let mut harness = app_harness();
    harness.run_steps(2);
    let shipped = harness.state().doc.file.clone();
    let hurt = |app: &TenantsimApp| {
        app.results
            .as_ref()
            .map_or(f64::NAN, |r| r.report.design("pool").map_or(f64::NAN, |d| d.totals.tenants_hurt.mean))
    };
    assert!(hurt(harness.state()) >= 10.0);
    assert!(harness.query_by_label_contains("What the results should show").is_some());
    harness.get_by_label("Throttle basic at 20 req/s").click();
    harness.run_steps(2);
    wait_for_results(&mut harness);
    assert_eq!(hurt(harness.state()), 0.0, "the usage plan stops the noisy neighbour");
    assert!(harness.query_by_label_contains("(applied)").is_some());
    harness.get_by_label("Reset lesson").click();
    harness.run_steps(2);
    wait_for_results(&mut harness);
    assert_eq!(harness.state().doc.file, shipped);
    assert!(hurt(harness.state()) >= 10.0);
}

#[test]
fn a_lesson_step_added_in_the_lesson_form_is_in_the_scenario_and_undo_removes_it() {
    let mut harness = app_harness();
    harness.run_steps(2);
    let steps = |app: &TenantsimApp| app.doc.file.lesson.as_ref().map_or(0, |l| l.try_this.len());
    let before = steps(harness.state());
    // The editor tab (the lesson side panel has a "Lesson" heading too).
    harness.get_by_role_and_label(egui::accesskit::Role::Button, "Lesson").click();
    harness.run_steps(2);
    assert_eq!(harness.state().view.editor_tab, EditorTab::Lesson);
    harness.get_by_label("Add step").click();
    harness.run_steps(2);
    assert_eq!(steps(harness.state()), before + 1);
    assert_eq!(harness.state().doc.undo_label(), Some("Edit lesson"));
    let added = harness.state().doc.file.lesson.as_ref().and_then(|l| l.try_this.last()).map(|s| s.label.clone());
    assert_eq!(added, Some(format!("Step {}", before + 1)));
    let button = format!("Step {}", before + 1);
    assert!(
        harness.query_by_role_and_label(egui::accesskit::Role::Button, &button).is_some(),
        "the lesson panel offers it"
    );
    harness.state_mut().push(Command::Undo);
    harness.run_steps(2);
    assert_eq!(steps(harness.state()), before);
    assert!(!harness.state().doc.is_dirty());
}

#[test]
fn an_idle_window_stops_asking_for_frames() {
    // Once results are shown and nothing changes, the app must not request
    // another frame (sending the window title every frame used to keep an
    // idle window repainting at full speed).
    let mut harness = app_harness();
    wait_for_results(&mut harness);
    for _ in 0..3 {
        harness.step();
    }
    assert!(!harness.ctx.has_requested_repaint(), "idle app requested a repaint: {:?}", harness.ctx.repaint_causes());
}
