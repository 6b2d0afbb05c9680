//! The desktop app as a user drives it, with egui_kittest (no display):
//! start-up, load an example, edit, undo, invalid input, save and reopen,
//! switch tabs, open another scenario. Every figure a test expects comes
//! from a report the test ran itself on the same scenario (the engine is
//! deterministic), never from a number typed into the test.

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use tenantsim::app::plot_data::compare::usd;
use tenantsim::app::{Command, EditorTab, Prefs, ResultsTab, Scope, TenantsimApp, ViewState};
use tenantsim::report::RunReport;
use tenantsim::scenario::file::TenantEntryFile;
use tenantsim::scenario::{Limits, ScenarioFile};

/// A new app with its first frame drawn (results may not be in yet).
fn app_harness() -> Harness<'static, TenantsimApp> {
    let app = TenantsimApp::new(Prefs::default(), || {});
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1500.0, 950.0))
        .build_ui_state(|ui, app: &mut TenantsimApp| app.ui_root(ui), app);
    harness.step();
    harness
}

/// A new app with the start-up results shown.
pub(crate) fn started() -> Harness<'static, TenantsimApp> {
    let mut harness = app_harness();
    wait_for_results(&mut harness);
    harness
}

/// Steps the UI until the run requested by the last change has delivered
/// its results.
pub(crate) fn wait_for_results(harness: &mut Harness<'_, TenantsimApp>) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        harness.step();
        // A run waits for its file's resolution when that came late.
        if !harness.state().runner.is_busy() && !harness.state().doc.is_resolving() {
            harness.step();
            if !harness.state().runner.is_busy() {
                return;
            }
        }
        assert!(Instant::now() < deadline, "no results within 60 s");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// What the engine reports for `file`, run here by the test.
fn run(file: &ScenarioFile) -> RunReport {
    let scenario = tenantsim::scenario::resolve::resolve(file, &Limits::default())
        .unwrap_or_else(|e| panic!("the test's scenario is invalid: {e:?}"));
    tenantsim::sim::run(&scenario, &tenantsim::host::run_options(), &tenantsim::sim::RunControl::new())
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The report the app shows.
fn shown(app: &TenantsimApp) -> Option<RunReport> {
    app.doc.results.latest.as_ref().map(|r| r.report.clone())
}

fn edit(harness: &mut Harness<'_, TenantsimApp>, label: &str, change: impl FnOnce(&mut ScenarioFile)) {
    let mut file = harness.state().doc.file.clone();
    change(&mut file);
    harness.state_mut().push(Command::Edit { file: Box::new(file), label: label.to_owned() });
    harness.step();
}

fn total_cost(report: &RunReport, design: &str) -> f64 {
    report.design(design).map_or(f64::NAN, |d| d.totals.cost_usd_per_month.mean)
}

fn set_rate(file: &mut ScenarioFile, id_or_prefix: &str, rate: f64) {
    for entry in &mut file.tenants {
        match entry {
            TenantEntryFile::Tenant { id, load, .. } if id == id_or_prefix => load.rate = rate,
            TenantEntryFile::Group { prefix, load, .. } if prefix == id_or_prefix => load.rate = rate,
            _ => {}
        }
    }
}

#[test]
fn start_up_no_longer_simulates_before_the_first_frame() {
    // The app used to simulate the example twice, blocking, before the
    // window could show. Now it only asks the runner.
    let app = TenantsimApp::new(Prefs::default(), || {});
    assert!(app.doc.results.latest.is_none(), "nothing simulated while creating the app");
    assert!(app.runner.is_busy(), "the first run is requested");
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1500.0, 950.0))
        .build_ui_state(|ui, app: &mut TenantsimApp| app.ui_root(ui), app);
    harness.step();
    assert!(harness.query_by_label_contains("Noisy neighbour").is_some(), "the first frame shows the example");
    wait_for_results(&mut harness);
    let app = harness.state();
    assert_eq!(shown(app), Some(run(&app.doc.file)), "the results are the example's");
    assert_eq!(app.window.results_tab, ResultsTab::Compare);
}

#[test]
fn the_compare_tab_shows_each_designs_total_cost_as_the_app_formats_it() {
    let harness = started();
    let report = run(&harness.state().doc.file);
    let costs: Vec<f64> = report.designs.iter().map(|d| d.totals.cost_usd_per_month.mean).collect();
    assert!(costs.windows(2).all(|w| usd(w[0]) != usd(w[1])), "designs cost the same: the test would prove little");
    for design in &report.designs {
        assert!(harness.query_all_by_label_contains(&design.name).next().is_some(), "design {} not shown", design.name);
        let cost = usd(design.totals.cost_usd_per_month.mean);
        assert!(harness.query_all_by_label_contains(&cost).next().is_some(), "{}'s cost {cost} not shown", design.name);
    }
}

#[test]
fn changing_a_tenant_rate_changes_the_figures_and_undo_restores_them() {
    let mut harness = started();
    let before = shown(harness.state()).unwrap_or_else(|| panic!("no results"));
    edit(&mut harness, "Edit tenants", |f| set_rate(f, "smb", 40.0));
    wait_for_results(&mut harness);
    let after = run(&harness.state().doc.file);
    assert_eq!(shown(harness.state()).as_ref(), Some(&after), "the edited scenario's results");
    assert!(total_cost(&after, "pool") > total_cost(&before, "pool"), "4× the load costs more");
    harness.state_mut().push(Command::Undo);
    wait_for_results(&mut harness);
    assert_eq!(shown(harness.state()), Some(before), "undo restores the scenario, the same seed the same figures");
    assert!(!harness.state().doc.is_dirty());
    harness.state_mut().push(Command::Redo);
    wait_for_results(&mut harness);
    assert_eq!(shown(harness.state()), Some(after));
}

/// An edit whose resolution comes after its frame (as a large file's
/// does): the run in flight is cancelled, and the edit's own run starts
/// when the resolution comes, not a run of the file before it.
#[test]
fn an_edit_resolved_after_its_frame_runs_when_the_resolution_comes() {
    let mut harness = started();
    harness.state_mut().doc.set_resolve_wait(Duration::ZERO);
    edit(&mut harness, "Edit tenants", |f| set_rate(f, "smb", 40.0));
    assert!(harness.state().doc.is_resolving(), "the edit's frame did not wait for its resolution");
    assert!(!harness.state().runner.is_busy(), "no run of the file before the edit");
    wait_for_results(&mut harness);
    let expected = run(&harness.state().doc.file);
    assert_eq!(shown(harness.state()).as_ref(), Some(&expected), "the edited scenario's results");
    // The problems of an invalid edit come the same way.
    edit(&mut harness, "Edit clock", |f| f.clock.replications = 0);
    wait_for_results(&mut harness);
    let errors = harness.state().doc.errors().map(|e| e.0.len()).unwrap_or(0);
    assert!(errors > 0, "the invalid edit's problems arrived");
    assert_eq!(shown(harness.state()).as_ref(), Some(&expected), "the last valid results stay");
}

#[test]
fn undo_and_redo_work_from_the_keyboard() {
    let mut harness = app_harness();
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
    let mut harness = started();
    let tenants = |app: &TenantsimApp| shown(app).map_or(0, |r| r.designs[0].tenants.len());
    let before = tenants(harness.state());
    assert!(before > 0);
    edit(&mut harness, "Edit tenants", |f| {
        let Some(load) = f.tenants.iter().find_map(|e| match e {
            TenantEntryFile::Tenant { load, .. } => Some(load.clone()),
            TenantEntryFile::Group { .. } => None,
        }) else {
            panic!("the example names a tenant")
        };
        f.tenants.push(TenantEntryFile::Tenant { id: "initech".into(), tier: "premium".into(), load });
    });
    wait_for_results(&mut harness);
    assert_eq!(tenants(harness.state()), before + 1);
    assert!(shown(harness.state()).is_some_and(|r| r.designs[0].tenant("initech").is_some()));
    edit(&mut harness, "Edit tenants", |f| {
        f.tenants.retain(|e| !matches!(e, TenantEntryFile::Tenant { id, .. } if id == "initech"));
    });
    wait_for_results(&mut harness);
    assert_eq!(tenants(harness.state()), before);
}

#[test]
fn an_invalid_value_shows_its_message_and_keeps_the_last_good_results() {
    let mut harness = started();
    let good = shown(harness.state());
    edit(&mut harness, "Edit tenants", |f| {
        if let Some(TenantEntryFile::Tenant { tier, .. }) = f.tenants.first_mut() {
            *tier = "gold".into();
        }
    });
    harness.run_steps(3);
    let app = harness.state();
    let errors = app.doc.errors().unwrap_or_else(|| panic!("expected a resolve error"));
    assert_eq!(errors.for_path("tenants[0].tier"), Some("unknown tier \"gold\" (known: basic, premium)"));
    assert_eq!(shown(app), good, "last good results kept");
    assert!(!app.runner.is_busy(), "an invalid scenario is not simulated");
    assert!(harness.query_by_label_contains("unknown tier \"gold\"").is_some(), "the message is shown");
}

#[test]
fn save_then_open_round_trips_the_scenario_exactly() {
    let mut harness = app_harness();
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
fn a_slow_scenario_shows_a_first_look_then_every_replication() {
    let mut harness = started();
    harness.state_mut().push(Command::OpenBundled("noisy-neighbour.ron"));
    wait_for_results(&mut harness);
    let before = harness.state().doc.results.complete.clone().unwrap_or_else(|| panic!("results"));
    assert_eq!(before.report.replications, 8);
    // However fast this machine ran it, treat the last run as slow.
    harness.state_mut().doc.results.complete_run_time = Some(Duration::from_secs(1));
    edit(&mut harness, "Edit tenants", |f| set_rate(f, "acme", 60.0));
    let deadline = Instant::now() + Duration::from_secs(60);
    while harness.state().doc.results.first_look_of.is_none() {
        assert!(Instant::now() < deadline, "no first look within 60 s");
        std::thread::sleep(Duration::from_millis(5));
        harness.step();
    }
    let app = harness.state();
    let first = app.doc.results.latest.clone().unwrap_or_else(|| panic!("first look"));
    assert_eq!((first.report.replications, app.doc.results.first_look_of), (2, Some(8)));
    assert!(app.runner.is_busy(), "the full run follows at once");
    let complete = app.doc.results.complete.clone().unwrap_or_else(|| panic!("complete"));
    assert!(std::sync::Arc::ptr_eq(&complete, &before), "claims stay on the last full results meanwhile");
    assert!(harness.query_by_label_contains("first look: 3 designs × 2 of 8 replications").is_some());
    let out = std::env::temp_dir().join(format!("tenantsim-first-look-{}.json", std::process::id()));
    harness.state_mut().push(Command::ExportTo { path: out.clone(), json: true });
    harness.step();
    assert!(!out.exists(), "a first look is not exported");
    assert!(harness.state().status.as_ref().is_some_and(|s| s.is_error && s.text.contains("on their way")));

    wait_for_results(&mut harness);
    let app = harness.state();
    let latest = app.doc.results.latest.clone().unwrap_or_else(|| panic!("results"));
    assert_eq!((latest.report.replications, app.doc.results.first_look_of), (8, None));
    assert!(app.doc.results.complete.as_ref().is_some_and(|c| std::sync::Arc::ptr_eq(c, &latest)));
    assert!(harness.query_by_label_contains("3 designs × 8 replications").is_some());
}

#[test]
fn open_then_save_writes_the_same_bytes_and_an_edit_keeps_the_comments() {
    let original = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/noisy-neighbour.ron"))
        .unwrap_or_default();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (opened, same, edited) = (dir.path().join("a.ron"), dir.path().join("b.ron"), dir.path().join("c.ron"));
    std::fs::write(&opened, &original).unwrap_or_else(|e| panic!("{e}"));
    let mut harness = app_harness();
    harness.state_mut().push(Command::OpenPath(opened.clone()));
    wait_for_results(&mut harness);
    harness.state_mut().push(Command::SaveTo(same.clone()));
    harness.step();
    assert_eq!(std::fs::read_to_string(&same).ok().as_deref(), Some(original.as_str()), "byte for byte");

    edit(&mut harness, "Edit tenants", |f| set_rate(f, "acme", 33.0));
    harness.state_mut().push(Command::SaveTo(edited.clone()));
    harness.step();
    let saved = std::fs::read_to_string(&edited).unwrap_or_default();
    let (old_lines, new_lines): (Vec<&str>, Vec<&str>) = (original.lines().collect(), saved.lines().collect());
    assert_eq!(old_lines.len(), new_lines.len(), "{saved}");
    let changed: Vec<(&&str, &&str)> = old_lines.iter().zip(&new_lines).filter(|(a, b)| a != b).collect();
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert!(changed[0].1.contains("rate: 33.0") && changed[0].1.contains("\"acme\""), "{changed:?}");
    for internal in ["LessonFile(", "TryThisFile(", "ExpectFile(", "\\'"] {
        assert!(!saved.contains(internal), "{internal}");
    }

    // The RON view shows the text a save writes.
    harness.state_mut().window.editor_tab = EditorTab::Ron;
    harness.run_steps(2);
    assert_eq!(harness.state().doc.view.ron_text.as_deref(), Some(saved.as_str()));
}

#[test]
fn unsaved_edits_are_guarded_before_opening_another_scenario() {
    let mut harness = app_harness();
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
fn each_results_tab_shows_its_own_content_and_the_last_one_clicked_stays() {
    // The old test clicked through the tabs and ended on the default one,
    // so it passed whether or not a click did anything.
    let mut harness = started();
    let report = shown(harness.state()).unwrap_or_else(|| panic!("no results"));
    let first_tenant = format!("tenant {}", report.designs[0].tenants[0].id);
    let caption = format!("Mean of {} replications", report.replications);
    let markers: [(&str, ResultsTab, &str); 4] = [
        ("Timelines", ResultsTab::Timelines, "Requests per second"),
        ("Costs", ResultsTab::Costs, "Margin per tier"),
        ("Compare", ResultsTab::Compare, &caption),
        ("Tenant table", ResultsTab::Tenants, &first_tenant),
    ];
    for (tab, state, content) in markers {
        harness.get_by_label(tab).click();
        harness.run_steps(2);
        assert_eq!(harness.state().window.results_tab, state);
        assert!(harness.query_all_by_label_contains(content).next().is_some(), "{tab} shows {content}");
        for (other, _, other_content) in markers.iter().filter(|m| m.0 != tab) {
            assert!(
                harness.query_all_by_label_contains(other_content).next().is_none(),
                "{tab} does not show {other}'s {other_content}"
            );
        }
    }
    assert_eq!(harness.state().window.results_tab, ResultsTab::Tenants, "not the default tab");
    // Clicking a row selects its tenant everywhere.
    harness.get_by_label(&first_tenant).click();
    harness.run_steps(2);
    assert_eq!(harness.state().doc.view.selected_tenant.as_deref(), Some(report.designs[0].tenants[0].id.as_str()));
    harness.get_by_label("Designs").click();
    harness.run_steps(2);
    assert_eq!(harness.state().window.editor_tab, EditorTab::Designs);
}

#[test]
fn the_view_menu_switches_the_results_tab() {
    let mut harness = started();
    harness.get_by_label("View").click();
    harness.run_steps(2);
    harness.get_by_role_and_label(egui::accesskit::Role::RadioButton, "Costs").click();
    harness.run_steps(2);
    assert_eq!(harness.state().window.results_tab, ResultsTab::Costs);
    assert!(harness.query_by_label("Margin per tier").is_some());
}

#[test]
fn opening_another_scenario_resets_what_was_selected_filtered_and_sorted_in_the_old_one() {
    // Selection, timeline scope, table filters, the compare sort and lesson
    // progress used to survive opening a file (indices and names of the old
    // scenario applied to the new one).
    let mut harness = started();
    {
        let app = harness.state_mut();
        let view = &mut app.doc.view;
        view.selected_tenant = Some("acme".into());
        view.timeline.design = Some(2);
        view.timeline.scope = Scope::Tier(1);
        view.table.tier = Some("premium".into());
        view.table.search = "smb".into();
        view.table.sort_column = 3;
        view.compare.sort_row = Some("Total cost / month".into());
        view.cost_design = Some(1);
        view.tried.push(0);
        view.hide_lesson = true;
        app.window.results_tab = ResultsTab::Timelines;
        app.prefs.recent.push("/tmp/kept.ron".into());
    }
    harness.state_mut().push(Command::OpenBundled("hot-partition.ron"));
    harness.step();
    let app = harness.state();
    assert_eq!(app.doc.view, ViewState::default(), "the new document starts from the default view");
    assert!(app.doc.results.latest.is_none(), "the old document's results went with it");
    assert_eq!(app.window.results_tab, ResultsTab::Timelines, "the window's layout is kept");
    assert!(app.prefs.recent.iter().any(|p| p.ends_with("kept.ron")), "preferences are app-wide");
    wait_for_results(&mut harness);
    let app = harness.state();
    assert_eq!(shown(app), Some(run(&app.doc.file)), "the new scenario's results");
    assert!(harness.query_by_label("Requests per second").is_some(), "timelines drawn from the default view");
}

#[test]
fn a_run_of_the_previous_document_never_lands_in_the_next() {
    let mut harness = app_harness(); // the example's run is in flight
    assert!(harness.state().runner.is_busy());
    harness.state_mut().push(Command::OpenBundled("cells.ron"));
    wait_for_results(&mut harness);
    let app = harness.state();
    assert_eq!(app.doc.file.name, run(&app.doc.file).scenario);
    assert_eq!(shown(app), Some(run(&app.doc.file)));
}

#[test]
fn opening_an_invalid_file_while_a_run_is_in_flight_never_shows_the_old_scenarios_results() {
    let mut harness = app_harness(); // the example's run is in flight
    assert!(harness.state().runner.is_busy());
    let mut file = tenantsim::app::empty_scenario();
    if let Some(TenantEntryFile::Tenant { tier, .. }) = file.tenants.first_mut() {
        *tier = "gold".into();
    }
    let text = tenantsim::scenario::to_ron_string(&file).unwrap_or_else(|e| panic!("{e}"));
    let path = std::env::temp_dir().join("tenantsim-ui-invalid.ron");
    harness.state_mut().push(Command::OpenText { text, path: Some(path) });
    harness.step();
    assert!(harness.state().doc.errors().is_some(), "opened, with its problems");
    assert!(!harness.state().runner.is_busy(), "nothing to wait for");
    // Long enough for the example's cancelled run to have ended.
    let until = Instant::now() + Duration::from_secs(2);
    while Instant::now() < until {
        harness.step();
        assert!(harness.state().doc.results.latest.is_none(), "the old scenario's results appeared");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn reroll_draws_a_new_seed_and_new_traffic() {
    let mut harness = started();
    let seed = harness.state().doc.file.clock.seed;
    let offered = |app: &TenantsimApp| shown(app).map(|r| r.designs[0].totals.offered.mean);
    let before = offered(harness.state());
    harness.get_by_label_contains("Re-roll").click();
    harness.run_steps(2);
    wait_for_results(&mut harness);
    assert_ne!(harness.state().doc.file.clock.seed, seed);
    assert_ne!(offered(harness.state()), before);
    assert_eq!(shown(harness.state()), Some(run(&harness.state().doc.file)));
}

#[test]
fn a_lesson_step_applies_its_change_and_reset_returns_to_the_shipped_file() {
    let mut harness = started();
    let shipped = harness.state().doc.file.clone();
    let shipped_report = run(&shipped);
    assert_eq!(shown(harness.state()).as_ref(), Some(&shipped_report));
    let lesson = shipped.lesson.clone().unwrap_or_else(|| panic!("the example is a lesson"));
    // The checklist marks what the test's own report bears out.
    let holds =
        lesson.expect.iter().filter(|e| tenantsim::lesson::check(&shipped_report, e).is_ok_and(|c| c.passed)).count();
    assert_eq!(harness.query_all_by_label("[holds]").count(), holds);
    let step = &lesson.try_this[0];
    let mut expected = shipped.clone();
    for change in &step.changes {
        tenantsim::lesson::apply_change(&mut expected, change).unwrap_or_else(|e| panic!("{e}"));
    }
    harness.get_by_label(&step.label).click();
    harness.run_steps(2);
    wait_for_results(&mut harness);
    assert_eq!(harness.state().doc.file, expected, "the step's changes, nothing else");
    let stepped = run(&expected);
    assert_eq!(shown(harness.state()).as_ref(), Some(&stepped));
    let hurt = |r: &RunReport| r.design("pool").map_or(f64::NAN, |d| d.totals.tenants_hurt.mean);
    assert!(hurt(&stepped) < hurt(&shipped_report), "the step helps the pool's neighbours");
    assert!(harness.query_by_label_contains("(applied)").is_some());
    harness.get_by_label("Reset lesson").click();
    harness.run_steps(2);
    wait_for_results(&mut harness);
    assert_eq!(harness.state().doc.file, shipped);
    assert_eq!(shown(harness.state()), Some(shipped_report));
    assert!(harness.query_by_label_contains("(applied)").is_none(), "lesson progress reset");
}

#[test]
fn a_lesson_step_added_in_the_lesson_form_is_in_the_scenario_and_undo_removes_it() {
    let mut harness = app_harness();
    let steps = |app: &TenantsimApp| app.doc.file.lesson.as_ref().map_or(0, |l| l.try_this.len());
    let before = steps(harness.state());
    // The editor tab (the lesson side panel has a "Lesson" heading too).
    harness.get_by_role_and_label(egui::accesskit::Role::Button, "Lesson").click();
    harness.run_steps(2);
    assert_eq!(harness.state().window.editor_tab, EditorTab::Lesson);
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
    let mut harness = started();
    for _ in 0..3 {
        harness.step();
    }
    assert!(!harness.ctx.has_requested_repaint(), "idle app requested a repaint: {:?}", harness.ctx.repaint_causes());
}

#[test]
fn a_window_waiting_for_its_run_asks_for_no_frames_in_between() {
    // Every frame drawn while a run is under way takes the cores the run
    // needs (a software-rendered frame costs more than its layout), so
    // while waiting the window asks for its next frame no sooner than its
    // progress bar moves. Under X, animations asked for every next frame
    // at once (the tooltip of the button just clicked fading in under the
    // pointer resting on it, a scroll bar fading in and out); the harness
    // shows no tooltip, so it checks that the app has no animations, then
    // that the frames while waiting (pointer on the button) ask for none.
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let mut harness = started();
    // The harness turns animations off for its snapshots (a window starts
    // with egui's): the app's own style, applied again with each theme,
    // has none.
    harness.ctx.all_styles_mut(|style| style.animation_time = egui::Style::default().animation_time);
    for _ in 0..2 {
        harness.state_mut().push(Command::ToggleTheme);
        harness.step();
        assert_eq!(harness.ctx.global_style().animation_time, 0.0, "no fades or slides");
    }
    harness.get_by_label("Re-roll seed").hover();
    for _ in 0..60 {
        harness.step();
    }
    harness.get_by_label("Re-roll seed").click();
    harness.step();
    harness.step();
    assert!(harness.state().runner.is_busy(), "the re-roll runs");
    let ui_thread = std::thread::current().id();
    let asked_at_once = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&asked_at_once);
    harness.ctx.set_repaint_observer(Box::new(move |info: egui::RequestRepaintInfo| {
        if info.delay < Duration::from_millis(50) && std::thread::current().id() == ui_thread {
            count.fetch_add(1, Ordering::SeqCst);
        }
    }));
    let (mut waiting, mut asking) = (0, 0);
    let deadline = Instant::now() + Duration::from_secs(60);
    while harness.state().runner.is_busy() {
        let before = asked_at_once.load(Ordering::SeqCst);
        harness.step();
        if harness.state().runner.is_busy() {
            waiting += 1;
            asking += usize::from(asked_at_once.load(Ordering::SeqCst) > before);
        }
        assert!(Instant::now() < deadline, "no results within 60 s");
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(waiting >= 5, "the run lasted {waiting} frames");
    // A first look's results arriving lay the tables out again (a grid
    // that changed size asks for one more frame): a frame or two.
    assert!(asking <= 3, "{asking} of {waiting} frames while waiting asked for the next at once");
}

#[test]
fn at_1280_by_720_the_results_keep_their_width_beside_the_editor_and_the_lesson() {
    // At 1280 × 720 the results used to get about 480 points between the
    // editor and the lesson: the comparison's last column and the plots'
    // right edges were cut off.
    let app = TenantsimApp::new(Prefs::default(), || {});
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1280.0, 720.0))
        .build_ui_state(|ui, app: &mut TenantsimApp| app.ui_root(ui), app);
    harness.step();
    wait_for_results(&mut harness);
    harness.run_steps(3);
    let results_left = harness.get_by_label("Compare").rect().left();
    let lesson_left = harness.get_by_label("Try this").rect().left();
    let results_width = lesson_left - results_left;
    assert!(results_width >= 620.0, "the results are {results_width} points wide");
    let report = shown(harness.state()).unwrap_or_else(|| panic!("results"));
    for design in &report.designs {
        let header = harness.get_by_label(&design.name).rect();
        assert!(header.right() <= lesson_left, "{}'s column ends at {} under the lesson", design.name, header.right());
    }
    assert_eq!(harness.state().prefs.editor_width, Prefs::default().editor_width, "the user's width is kept");
}

/// Steps the UI until the plan run in flight has delivered its report.
fn wait_for_plan(harness: &mut Harness<'_, TenantsimApp>) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        harness.step();
        let done = harness.state().doc.plan_run.as_ref().is_some_and(|r| !r.running);
        if done && !harness.state().planner.is_busy() {
            harness.run_steps(3);
            return;
        }
        assert!(Instant::now() < deadline, "no plan report within 60 s");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Open paths of more than `min_points` points painted in `color` (the
/// lines of a plot).
fn painted_lines_of(output: &egui::FullOutput, color: egui::Color32, min_points: usize) -> usize {
    fn walk(shape: &egui::Shape, color: egui::Color32, min_points: usize, count: &mut usize) {
        match shape {
            egui::Shape::Vec(shapes) => shapes.iter().for_each(|s| walk(s, color, min_points, count)),
            egui::Shape::Path(path)
                if !path.closed
                    && path.points.len() >= min_points
                    && path.stroke.color == egui::epaint::ColorMode::Solid(color) =>
            {
                *count += 1;
            }
            _ => {}
        }
    }
    let mut count = 0;
    for clipped in &output.shapes {
        walk(&clipped.shape, color, min_points, &mut count);
    }
    count
}

#[test]
fn the_planner_tab_sizes_the_pool_and_its_answer_applies_as_one_undoable_edit() {
    let mut harness = app_harness();
    harness.state_mut().push(Command::OpenBundled("noisy-neighbour.ron"));
    harness.step();
    let min_before = harness.state().doc.file.layers.compute.instances.min;
    assert_eq!(min_before, 2, "the lesson ships with 2 instances");
    harness.get_by_label("Planner").click();
    harness.run_steps(2);
    assert_eq!(harness.state().window.results_tab, ResultsTab::Planner);
    let named = |h: &Harness<'_, TenantsimApp>, text: &str| {
        h.query_all_by_label_contains(text).next().is_some() || h.query_all_by_value(text).next().is_some()
    };
    assert!(named(&harness, "size the pool"), "the scenario's first plan is shown");
    // Set the axis from the form: a list of values instead of the range.
    harness.get_by_value("Linear").click();
    harness.run_steps(2);
    harness.get_by_label("List").click();
    harness.run_steps(2);
    let list = |h: &Harness<'_, TenantsimApp>| h.state().doc.file.plans[0].axes[0].values.clone();
    assert_eq!(list(&harness), tenantsim::scenario::file::ValuesFile::List(vec![1.0, 8.0]));
    harness.get_by(|n| n.role() == egui::accesskit::Role::TextInput && n.value().as_deref() == Some("1, 8")).focus();
    harness.run_steps(2);
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness
        .get_by(|n| n.role() == egui::accesskit::Role::TextInput && n.value().as_deref() == Some("1, 8"))
        .type_text("1, 2, 3, 4, 5");
    harness.run_steps(2);
    harness.key_press(egui::Key::Enter);
    harness.run_steps(3);
    assert_eq!(list(&harness), tenantsim::scenario::file::ValuesFile::List(vec![1.0, 2.0, 3.0, 4.0, 5.0]));
    assert_eq!(harness.state().doc.undo_label(), Some("Edit plan"));
    // Run: in the background, then the answer and the curve.
    harness.get_by_label("Run plan").click();
    harness.step();
    assert!(harness.state().doc.plan_run.is_some(), "a plan run was asked for");
    wait_for_plan(&mut harness);
    let run = harness.state().doc.plan_run.as_ref().unwrap_or_else(|| panic!("no plan run"));
    assert!(run.error.is_none(), "{:?}", run.error);
    assert_eq!(run.points.len(), 5, "every point of the list");
    // In the tab, and (with an arrow) under the lesson's button for the plan.
    assert_eq!(
        harness.query_all_by_label_contains("Smallest minimum instances: 3 instances").count(),
        2,
        "the answer is shown in the tab and in the lesson"
    );
    let pool = harness.state().doc.file.designs.iter().position(|d| d.name == "pool").unwrap_or(0);
    let pool_color = tenantsim::app::panels::style::design_color(pool, false);
    assert!(painted_lines_of(harness.output(), pool_color, 5) > 0, "the pool's curve is drawn through the 5 points");
    // Apply the answer: one edit; undo reverts it.
    harness.get_by_label("Apply 3 instances").click();
    harness.run_steps(2);
    assert_eq!(harness.state().doc.file.layers.compute.instances.min, 3);
    assert_eq!(harness.state().doc.undo_label(), Some("Set minimum instances to 3 instances"));
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    harness.run_steps(2);
    assert_eq!(harness.state().doc.file.layers.compute.instances.min, 2);
    assert_eq!(
        list(&harness),
        tenantsim::scenario::file::ValuesFile::List(vec![1.0, 2.0, 3.0, 4.0, 5.0]),
        "only the answer was undone"
    );
}

#[test]
fn a_lessons_plan_button_draws_the_crossover_and_states_it_in_the_lesson() {
    let mut harness = app_harness();
    harness.state_mut().push(Command::OpenBundled("silo-vs-pool-cost.ron"));
    harness.run_steps(2);
    assert_ne!(harness.state().window.results_tab, ResultsTab::Planner);
    // Below the lesson's claims: scroll to it as a user would.
    harness.get_by_label("Draw: crossover").scroll_to_me();
    harness.run_steps(2);
    harness.get_by_label("Draw: crossover").click();
    harness.step();
    assert_eq!(harness.state().window.results_tab, ResultsTab::Planner, "the button opens the Planner tab");
    assert!(harness.state().doc.plan_run.is_some(), "and runs the plan");
    wait_for_plan(&mut harness);
    let run = harness.state().doc.plan_run.as_ref().unwrap_or_else(|| panic!("no plan run"));
    assert_eq!(run.spec.name, "crossover");
    assert!(run.error.is_none(), "{:?}", run.error);
    // The answer, in the lesson panel (with its arrow) and in the tab.
    assert!(
        harness.query_by_label_contains("→ Between 3 tenants and 4 tenants").is_some(),
        "the lesson states the crossover"
    );
    let pool = harness.state().doc.file.designs.iter().position(|d| d.name == "pool").unwrap_or(0);
    let pool_color = tenantsim::app::panels::style::design_color(pool, false);
    assert!(painted_lines_of(harness.output(), pool_color, 5) > 0, "the pool's curve is drawn");
    assert!(tenantsim::app::panels::planner::plot_rect(&harness.ctx).is_some(), "Save plot has a plot to crop to");
}

#[test]
fn cancel_stops_a_long_plan_and_keeps_what_it_finished() {
    let mut harness = app_harness();
    harness.state_mut().push(Command::OpenBundled("noisy-neighbour.ron"));
    harness.run_steps(2);
    // The cheapest-design search: thousands of runs, far longer than this test.
    // Below the lesson's claims: scroll to it as a user would.
    harness.get_by_label("Draw: cheapest design").scroll_to_me();
    harness.run_steps(10);
    harness.get_by_label("Draw: cheapest design").click();
    harness.step();
    assert!(
        harness.state().doc.plan_run.as_ref().is_some_and(|r| r.running),
        "{:?}",
        harness.state().status.as_ref().map(|s| &s.text)
    );
    harness.run_steps(2);
    harness.get_by_label("Cancel").click();
    let deadline = Instant::now() + Duration::from_secs(10);
    while harness.state().planner.is_busy() {
        harness.step();
        assert!(Instant::now() < deadline, "the worker did not stop within 10 s of Cancel");
        std::thread::sleep(Duration::from_millis(10));
    }
    harness.run_steps(2);
    let run = harness.state().doc.plan_run.as_ref().unwrap_or_else(|| panic!("the cancelled run is kept"));
    assert!(!run.running, "no longer running");
    assert!(run.report.is_none(), "a cancelled search has no winner");
    assert!(harness.query_by_label("Run plan").is_some(), "Run plan is offered again");
}

/// An app that copies unsaved edits to `dir` at every frame.
fn recovering_harness(dir: &std::path::Path) -> Harness<'static, TenantsimApp> {
    let recovery = tenantsim::app::recovery::Recovery::new(dir.to_owned(), Duration::ZERO);
    let app = TenantsimApp::new(Prefs::default(), || {}).with_recovery(recovery);
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1500.0, 950.0))
        .build_ui_state(|ui, app: &mut TenantsimApp| app.ui_root(ui), app);
    harness.step();
    harness
}

/// Waits for the app's recovery copy to be written.
fn wait_for_copy(harness: &mut Harness<'_, TenantsimApp>) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !harness.state().recovery.as_ref().is_some_and(tenantsim::app::recovery::Recovery::idle) {
        assert!(Instant::now() < deadline, "no copy within 10 s");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn unsaved_edits_survive_a_crash_and_are_restored_on_the_next_start() {
    let dir = std::env::temp_dir().join(format!("tenantsim-ui-recovery-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let own = dir.join(format!("unsaved-{}.json", std::process::id()));
    {
        let mut harness = recovering_harness(&dir);
        assert!(harness.query_by_label("Unsaved edits found").is_none(), "nothing to restore the first time");
        let mut file = harness.state().doc.file.clone();
        file.name = "my edited pool".to_owned();
        harness.state_mut().push(Command::Edit { file: Box::new(file), label: "Rename".to_owned() });
        harness.run_steps(2);
        wait_for_copy(&mut harness);
        assert!(own.exists(), "a copy of the unsaved edit");
        // Undo: clean again, so the copy goes.
        harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
        harness.run_steps(2);
        assert!(!own.exists(), "no copy while nothing is unsaved");
        harness.key_press_modifiers(egui::Modifiers::COMMAND | egui::Modifiers::SHIFT, egui::Key::Z);
        harness.run_steps(2);
        wait_for_copy(&mut harness);
        assert!(own.exists());
        // The app "crashes": nothing runs after this point, and its process
        // is gone (a copy of this test's own process is never offered).
        std::mem::forget(harness);
    }
    let dead = dir.join("unsaved-4999999.json");
    std::fs::rename(&own, &dead).unwrap_or_else(|e| panic!("{e}"));
    let mut harness = recovering_harness(&dir);
    harness.run_steps(2);
    assert!(harness.query_by_label("Unsaved edits found").is_some(), "the next start offers the edits");
    assert!(harness.query_by_label_contains("the example").is_some(), "and says what they were made to");
    harness.get_by_label("Restore edits").click();
    harness.run_steps(2);
    assert_eq!(harness.state().doc.file.name, "my edited pool", "the edit is back");
    assert!(harness.state().doc.is_dirty(), "and still unsaved");
    assert!(harness.state().doc.bundled.is_some(), "made to the example, as before");
    assert!(!dead.exists(), "the restored copy is removed");
    assert!(harness.query_by_label("Unsaved edits found").is_none());
    // Discarding on a later start removes the copy without opening it.
    wait_for_copy(&mut harness);
    std::fs::rename(&own, &dead).unwrap_or_else(|e| panic!("{e}"));
    let mut later = recovering_harness(&dir);
    later.run_steps(2);
    later.get_by_label("Discard").click();
    later.run_steps(2);
    assert!(!dead.exists(), "discarded");
    assert_ne!(later.state().doc.file.name, "my edited pool", "the example as shipped");
    std::mem::forget(harness);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_search_is_set_up_from_the_form_and_names_the_cheapest_design() {
    let mut harness = app_harness();
    harness.state_mut().push(Command::OpenBundled("silo-vs-pool-cost.ron"));
    harness.run_steps(2);
    harness.get_by_label("Planner").click();
    harness.run_steps(2);
    harness.get_by_label("New plan").click();
    harness.run_steps(2);
    let plans = |h: &Harness<'_, TenantsimApp>| h.state().doc.file.plans.clone();
    let new = plans(&harness).len() - 1;
    assert!(plans(&harness)[new].search.is_none());
    harness.get_by_label("Search for the cheapest design").click();
    harness.run_steps(2);
    let search = plans(&harness)[new].search.clone().unwrap_or_else(|| panic!("the checkbox adds a search"));
    assert_eq!(search.keys, vec!["standard".to_owned()], "every tier is placed");
    assert_eq!(search.constraints, vec![tenantsim::scenario::file::ConstraintFile::AllSlosMet]);
    // Also try cells of 2; one undoable edit each.
    harness.get_by_label("Cells(2)").click();
    harness.run_steps(2);
    let search = plans(&harness)[new].search.clone().unwrap_or_else(|| panic!("still searching"));
    assert_eq!(search.placements.len(), 3, "silo, pool and cells of 2");
    assert_eq!(harness.state().doc.undo_label(), Some("Edit plan"));
    // A small axis keeps the run short: 2 values × 3 placements.
    let mut file = harness.state().doc.file.clone();
    file.plans[new].axes[0].values = tenantsim::scenario::file::ValuesFile::List(vec![1.0, 2.0]);
    file.plans[new].ask.clear();
    harness.state_mut().push(Command::Edit { file: Box::new(file), label: "Edit plan".to_owned() });
    harness.run_steps(2);
    harness.get_by_label("Run plan").click();
    harness.step();
    wait_for_plan(&mut harness);
    let run = harness.state().doc.plan_run.as_ref().unwrap_or_else(|| panic!("no plan run"));
    assert!(run.error.is_none(), "{:?}", run.error);
    let report = run.report.as_ref().unwrap_or_else(|| panic!("no report"));
    let search = report.search.as_ref().unwrap_or_else(|| panic!("no search in the report"));
    let best = search.best.as_ref().unwrap_or_else(|| panic!("no candidate meets every SLO"));
    assert!(harness.query_by_label("Cheapest design").is_some());
    assert!(harness.query_by_label("Add as a design").is_some(), "the winner can be added");
    assert!(best.cost.mean > 0.0);
}

#[test]
fn presenter_mode_keeps_the_lesson_checklist_and_the_headline_rows_in_view_on_a_projector() {
    for (w, h) in [(1280.0, 720.0), (1920.0, 1080.0)] {
        let prefs = Prefs { presenter: true, ..Prefs::default() };
        let app = TenantsimApp::new(prefs, || {});
        let mut harness = Harness::builder()
            .with_size(egui::vec2(w, h))
            .build_ui_state(|ui, app: &mut TenantsimApp| app.ui_root(ui), app);
        harness.step();
        harness.state_mut().push(Command::OpenBundled("noisy-neighbour.ron"));
        wait_for_results(&mut harness);
        harness.run_steps(3);
        let screen = harness.ctx.content_rect();
        let in_view = |label: &str| {
            let rect = harness.get_by_label_contains(label).rect();
            assert!(screen.contains_rect(rect), "{w}×{h}: {label:?} at {rect:?}, window {screen:?}");
        };
        in_view("Reset lesson");
        in_view("Throttle basic at 20 req/s");
        in_view("In the pool everyone shares one queue");
        in_view("Who hurt whom");
        in_view("Re-roll seed");
        // The toolbar shares the menus' line.
        let menu = harness.get_by_label("File").rect();
        let reroll = harness.get_by_label("Re-roll seed").rect();
        assert!((menu.center().y - reroll.center().y).abs() < 4.0, "{w}×{h}: {menu:?} {reroll:?}");
    }
}

#[test]
fn a_lesson_opens_on_the_view_it_asks_for_and_reset_lesson_returns_to_it() {
    let mut harness = started();
    harness.state_mut().push(Command::OpenBundled("usage-plans.ron"));
    wait_for_results(&mut harness);
    let view = &harness.state().doc.view;
    assert_eq!((view.selected_tenant.as_deref(), &view.timeline.scope), (Some("smb-00"), &Scope::Tenant));
    // The user looks elsewhere; Reset lesson brings the lesson's view back.
    harness.state_mut().doc.view.selected_tenant = Some("acme".into());
    harness.state_mut().doc.view.timeline.scope = Scope::All;
    harness.state_mut().push(Command::ResetLesson);
    harness.step();
    let view = &harness.state().doc.view;
    assert_eq!((view.selected_tenant.as_deref(), &view.timeline.scope), (Some("smb-00"), &Scope::Tenant));
}

#[test]
fn ticking_fifo_message_groups_in_the_layers_editor_isolates_the_shops_from_the_import() {
    let mut harness = started();
    harness.state_mut().push(Command::OpenBundled("queue-per-tenant.ron"));
    wait_for_results(&mut harness);
    let standard = shown(harness.state()).unwrap_or_else(|| panic!("no results"));
    harness.get_by_label("Layers").click();
    harness.step();
    harness.get_by_label("by key shard").click();
    harness.step();
    wait_for_results(&mut harness);
    let file = harness.state().doc.file.clone();
    assert!(file.layers.queue.as_ref().is_some_and(|q| q.fifo), "the click made the queue FIFO");
    let fifo = run(&file);
    assert_eq!(shown(harness.state()).as_ref(), Some(&fifo), "the FIFO scenario's results");
    let hurt = |r: &RunReport| r.designs[0].totals.tenants_hurt.mean;
    // One group per tenant: the import waits in the importer's own group
    // and no longer hurts the shops (each shop's group, one worker at
    // exactly its 20 orders a second of 50 ms, wanders to tens of seconds
    // on its own: the lesson's step gives the shops four groups each).
    assert!(hurt(&fifo) < hurt(&standard), "{} hurt with groups, {} without", hurt(&fifo), hurt(&standard));
    harness.state_mut().push(Command::Undo);
    wait_for_results(&mut harness);
    assert_eq!(shown(harness.state()), Some(standard), "undo gives the standard queue back");
}
