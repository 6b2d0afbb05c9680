//! The app's state and start-up: the open [`Document`], the [`Runner`]
//! that simulates it, the window's own layout ([`WindowState`]), the
//! user's [`Prefs`], the status message and frame statistics. Start-up
//! never simulates: it asks the runner for the first results, which arrive
//! a moment after the first frame. Applying commands, file I/O,
//! screenshots, the `--measure` benchmark and input live in sibling
//! modules, each an `impl TenantsimApp` block of its own.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};

use crate::app::look::{Kept, RunJob};
use crate::app::measure::Measure;
use crate::app::planning::PlanJob;
use crate::app::recovery::{Found, Recovery};
use crate::app::screenshot::AutoScreenshot;
use crate::app::{Command, Document, Prefs, Runner, Theme};
use crate::bundled;
use crate::scenario::Limits;
use crate::scenario::Scenario;

/// How the window starts (from the command line).
#[derive(Debug, Clone, Default)]
pub struct Startup {
    /// Scenario file, or a bundled example's file name.
    pub file: Option<PathBuf>,
    /// Results view to show (`None`: the lesson's, else Compare).
    pub tab: Option<ResultsTab>,
    /// Start in presenter mode.
    pub presenter: bool,
    /// Tenant to highlight.
    pub select: Option<String>,
    /// Save a PNG once results are shown, then close.
    pub screenshot: Option<PathBuf>,
    /// Re-roll this many times, print timings, then close.
    pub measure: Option<u32>,
    /// Window size in pixels (width, height), instead of the last one used.
    pub size: Option<(u32, u32)>,
}

/// Editor tabs (left panel).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EditorTab {
    /// Name, description, clock, cost settings.
    #[default]
    Scenario,
    /// Tier table.
    Tiers,
    /// Tenant table.
    Tenants,
    /// Gateway, compute, database.
    Layers,
    /// Design grid.
    Designs,
    /// Event list.
    Events,
    /// The lesson's "try this" steps and claims.
    Lesson,
    /// Raw RON with live validation.
    Ron,
}

/// Result tabs (central panel).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ResultsTab {
    /// Designs side by side.
    #[default]
    Compare,
    /// Timelines.
    Timelines,
    /// Cost per tenant and margin per tier.
    Costs,
    /// Per-tenant results table.
    Tenants,
    /// The scenario's plans: sweeps, answers, the cheapest design.
    Planner,
}

/// The window's own layout, kept when another document is opened (not
/// persisted).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WindowState {
    /// Active editor tab.
    pub editor_tab: EditorTab,
    /// Active results tab.
    pub results_tab: ResultsTab,
    /// Start page visible.
    pub show_start: bool,
    /// The next paste event is a scenario (File ▸ Paste scenario).
    pub paste_armed: bool,
    /// The app's own path field, shown where no file dialog can be.
    pub path_prompt: Option<crate::app::PathPrompt>,
}

/// A message in the status bar.
#[derive(Debug, Clone)]
pub struct Status {
    /// Text.
    pub text: String,
    /// True for failures.
    pub is_error: bool,
    /// When it was set.
    pub at: Instant,
}

/// Frame-time statistics (drawing only), for the status bar and README.
#[derive(Debug, Clone, Default)]
pub struct FrameStats {
    /// Recent frame times, ms.
    pub recent_ms: Vec<f32>,
    /// Largest frame time seen while a run was active, ms.
    pub worst_while_running_ms: f32,
}

impl FrameStats {
    /// Adds one frame's time.
    pub fn record(&mut self, ms: f32, running: bool) {
        if self.recent_ms.len() >= 120 {
            self.recent_ms.remove(0);
        }
        self.recent_ms.push(ms);
        if running {
            self.worst_while_running_ms = self.worst_while_running_ms.max(ms);
        }
    }

    /// Mean of recent frame times, ms.
    pub fn mean_ms(&self) -> f32 {
        if self.recent_ms.is_empty() { 0.0 } else { self.recent_ms.iter().sum::<f32>() / self.recent_ms.len() as f32 }
    }
}

/// The app.
pub struct TenantsimApp {
    /// The open document: scenario, history, view and results.
    pub doc: Document,
    /// Background runs of the document's scenario.
    pub runner: Runner<RunJob>,
    /// Where the run under way stands between a first look and the rest.
    pub(super) looking: Looking,
    /// A plan the user asked to run while it was being checked.
    pub(super) plan_wanted: Option<usize>,
    /// A run asked for while the file was being resolved, and whether it
    /// was to wait for the debounce.
    pub(super) deferred_debounce: Option<bool>,
    /// Background runs of the document's plans (one at a time).
    pub planner: Runner<PlanJob>,
    /// The window's own layout.
    pub window: WindowState,
    /// Preferences.
    pub prefs: Prefs,
    /// Status bar message.
    pub status: Option<Status>,
    /// A document-replacing command held until the user confirms.
    pub held: Option<Command>,
    /// Frame-time statistics.
    pub frames: FrameStats,
    /// When the app was asked for (for the start-up figures of `--measure`).
    pub(super) launched: Instant,
    /// Commands queued for this frame.
    pub(super) commands: Vec<Command>,
    /// File dialogs and screenshot callbacks report back here.
    pub(super) background_tx: Sender<Command>,
    background_rx: Receiver<Command>,
    /// The user confirmed closing with unsaved edits.
    pub(super) quit_confirmed: bool,
    /// Title last sent to the window.
    pub(super) window_title: String,
    /// The bundled fonts are installed (done on the first frame).
    pub(super) fonts_installed: bool,
    /// Window size asked for on the command line, in pixels (set on the
    /// first frame: eframe applies the size a window last had even when
    /// told not to remember it).
    pub(super) window_size: Option<(u32, u32)>,
    /// Automatic screenshot (`--screenshot`), waiting for results.
    pub(super) auto_screenshot: Option<AutoScreenshot>,
    /// Self-benchmark (`--measure`) in progress.
    pub(super) measure: Option<Measure>,
    /// Copies unsaved edits for crash recovery (none in tests unless asked).
    pub recovery: Option<Recovery>,
    /// A copy of unsaved edits left by an app that ended, offered until
    /// the user restores or discards it.
    pub recovered: Option<Found>,
}

impl TenantsimApp {
    /// An app on the default bundled example. Nothing is simulated here:
    /// the first results are requested from the runner and arrive a moment
    /// after the first frame.
    pub fn new(prefs: Prefs, repaint: impl Fn() + Send + Sync + 'static) -> Self {
        let (background_tx, background_rx) = channel();
        let repaint = Arc::new(repaint);
        let wake = Arc::clone(&repaint);
        let mut app = Self {
            doc: Document::default_example(),
            runner: Runner::new(move || repaint()),
            looking: Looking::No,
            plan_wanted: None,
            deferred_debounce: None,
            planner: Runner::new(move || wake()),
            window: WindowState::default(),
            prefs,
            status: None,
            held: None,
            frames: FrameStats::default(),
            launched: Instant::now(),
            commands: Vec::new(),
            background_tx,
            background_rx,
            quit_confirmed: false,
            window_title: String::new(),
            fonts_installed: false,
            window_size: None,
            auto_screenshot: None,
            measure: None,
            recovery: None,
            recovered: None,
        };
        app.request_run(false);
        app
    }

    /// Creates the app inside eframe, restoring preferences and applying
    /// the command line's startup options. `launched` is when the window
    /// was asked for.
    pub fn from_creation_context(cc: &eframe::CreationContext<'_>, startup: Startup, launched: Instant) -> Self {
        let mut prefs = Prefs::load(cc.storage);
        prefs.presenter = startup.presenter;
        let ctx = cc.egui_ctx.clone();
        let mut app = Self::new(prefs, move || ctx.request_repaint());
        app.launched = launched;
        // A scripted run (a screenshot, a measurement) edits nothing and must
        // not show, or take, another session's unsaved edits.
        let scripted = startup.screenshot.is_some() || startup.measure.is_some();
        if let Some(recovery) = Recovery::in_data_folder().filter(|_| !scripted) {
            app = app.with_recovery(recovery);
        }
        app.window_size = startup.size;
        app.start_with(startup, &cc.egui_ctx);
        app
    }

    /// Copies unsaved edits with `recovery` from now on, and offers the
    /// copy an earlier app left, if there is one.
    #[must_use]
    pub fn with_recovery(mut self, recovery: Recovery) -> Self {
        self.recovered = recovery.find();
        self.recovery = Some(recovery);
        self
    }

    /// Copies the document's unsaved edits (see [`Recovery::tick`]), and
    /// asks for a frame when the next copy is due.
    pub(super) fn tick_recovery(&mut self, ctx: &egui::Context) {
        let Some(recovery) = &mut self.recovery else { return };
        let dirty = self.doc.is_dirty();
        recovery.tick(
            &self.doc.file,
            self.doc.source.as_ref(),
            self.doc.path.as_deref(),
            self.doc.bundled,
            dirty,
            Instant::now(),
        );
        if dirty {
            ctx.request_repaint_after(crate::app::recovery::AUTOSAVE_INTERVAL);
        }
    }

    /// Opens the recovered copy as an unsaved document, or drops it.
    pub(super) fn settle_recovered(&mut self, restore: bool) {
        let Some(found) = self.recovered.take() else { return };
        if restore {
            let Found { recovered, .. } = &found;
            let bundled = recovered.bundled.as_deref().and_then(bundled::by_file_name);
            match Document::from_text(&recovered.text, recovered.path.clone(), bundled.map(|b| b.file_name)) {
                Ok(mut doc) => {
                    // Unsaved against what it was made from, as it was.
                    let origin = match (&recovered.path, bundled) {
                        (Some(p), _) => crate::files::read_text(p, &Limits::default())
                            .ok()
                            .and_then(|t| crate::scenario::parse_str(&t, &Limits::default()).ok()),
                        (None, Some(b)) => crate::scenario::parse_str(b.text, &Limits::default()).ok(),
                        (None, None) => None,
                    };
                    doc.mark_unsaved(origin);
                    self.replace_document(doc);
                    self.set_status(format!("Restored the unsaved edits to {}", recovered.describe()), false);
                }
                Err(e) => {
                    self.set_status(format!("The recovered copy is not a scenario: {e}"), true);
                    // Kept on disk: nothing is lost by a failed restore.
                    return;
                }
            }
        }
        let _ = std::fs::remove_file(&found.file);
    }

    /// Applies startup options: opens the file (its run replaces the
    /// example's, which has not started yet), picks the view.
    pub fn start_with(&mut self, startup: Startup, ctx: &egui::Context) {
        if let Some(file) = &startup.file {
            let name = file.to_string_lossy();
            match bundled::by_file_name(&name) {
                Some(b) if !file.exists() => self.apply(Command::OpenBundled(b.file_name), ctx),
                _ => self.apply(Command::OpenPath(file.clone()), ctx),
            }
        }
        // The command line wins over the lesson's own view.
        if let Some(tab) = startup.tab {
            self.window.results_tab = tab;
        }
        if startup.select.is_some() {
            self.doc.view.selected_tenant = startup.select;
            self.doc.view.timeline.scope = crate::app::Scope::Tenant;
        }
        self.auto_screenshot = startup.screenshot.map(AutoScreenshot::new);
        self.measure = startup.measure.map(Measure::new);
        self.apply_style(ctx);
    }

    /// Queues a command for this frame.
    pub fn push(&mut self, command: Command) {
        self.commands.push(command);
    }

    /// Sets the status bar message.
    pub(super) fn set_status(&mut self, text: impl Into<String>, is_error: bool) {
        self.status = Some(Status { text: text.into(), is_error, at: Instant::now() });
    }

    /// Brings the lesson's applied steps up to date with the file (after
    /// any edit, undo or redo): the steps still in effect in the order they
    /// were clicked, then any other step the file now has in effect.
    pub(super) fn refresh_steps(&mut self) {
        let Some(lesson) = &self.doc.file.lesson else {
            self.doc.view.tried.clear();
            return;
        };
        let in_effect: Vec<bool> =
            lesson.try_this.iter().map(|step| crate::lesson::step_in_effect(&self.doc.file, step)).collect();
        let tried = &mut self.doc.view.tried;
        tried.retain(|&i| in_effect.get(i).copied().unwrap_or(false));
        for (i, on) in in_effect.iter().enumerate() {
            if *on && !tried.contains(&i) {
                tried.push(i);
            }
        }
    }

    /// Asks for a re-simulation of the current scenario (if it is valid):
    /// a first look at [`FIRST_LOOK_REPLICATIONS`] replications, then all
    /// of them.
    ///
    /// While the file is being resolved, the run in flight (of an older
    /// file) is cancelled and this one waits for the resolution. For an
    /// invalid file nothing changes: a run in flight finishes, its first
    /// look followed by all of its replications.
    pub(super) fn request_run(&mut self, debounce: bool) {
        self.refresh_steps();
        if self.doc.is_resolving() {
            // Runs when its resolution comes (see `poll_background`).
            self.runner.cancel();
            self.looking = Looking::No;
            self.deferred_debounce = Some(self.deferred_debounce.unwrap_or(true) && debounce);
            return;
        }
        self.deferred_debounce = None;
        if let Ok(scenario) = &self.doc.resolved {
            self.looking = Looking::No;
            let slow = self.doc.results.complete_run_time.is_none_or(|t| t > FIRST_LOOK_ABOVE);
            if slow && scenario.clock.replications > FIRST_LOOK_REPLICATIONS {
                let kept = Kept::default();
                self.looking = Looking::First { full: Box::new(scenario.clone()), kept: Arc::clone(&kept) };
                let first_look =
                    RunJob::FirstLook { full: scenario.clone(), replications: FIRST_LOOK_REPLICATIONS, kept };
                self.runner.request(first_look, debounce);
            } else {
                self.runner.request(RunJob::Whole(scenario.clone()), debounce);
            }
        }
    }

    /// Shows what the lesson asks to be shown when it opens (see
    /// [`crate::scenario::file::LessonViewFile`]); names the scenario does
    /// not have are left alone (validation reports them).
    pub(super) fn apply_lesson_view(&mut self) {
        use crate::scenario::file::{ScopeFile, ViewTabFile};
        let Some(view) = self.doc.file.lesson.as_ref().and_then(|l| l.view.clone()) else { return };
        if let Some(tab) = view.tab {
            self.window.results_tab = match tab {
                ViewTabFile::Compare => ResultsTab::Compare,
                ViewTabFile::Timelines => ResultsTab::Timelines,
                ViewTabFile::Costs => ResultsTab::Costs,
                ViewTabFile::Tenants => ResultsTab::Tenants,
                ViewTabFile::Planner => ResultsTab::Planner,
            };
        }
        let file = &self.doc.file;
        let shown = &mut self.doc.view;
        let design = view.design.as_deref().and_then(|name| file.designs.iter().position(|d| d.name == name));
        shown.timeline.design = design;
        if let Some(d) = design {
            shown.table.design = d;
        }
        if let Some(scope) = &view.scope {
            shown.timeline.scope = match scope {
                ScopeFile::All => crate::app::Scope::All,
                ScopeFile::Tier(name) => match file.tiers.get_index_of(name) {
                    Some(k) => crate::app::Scope::Tier(k),
                    None => crate::app::Scope::All,
                },
                ScopeFile::Tenant => crate::app::Scope::Tenant,
                ScopeFile::EachTenant => crate::app::Scope::EachTenant,
            };
        }
        if view.select.is_some() {
            shown.selected_tenant = view.select;
        }
    }

    /// Replaces the document (with its view and results) and asks for its
    /// results; nothing of the old document's runs will be delivered.
    pub(super) fn replace_document(&mut self, doc: Document) {
        self.doc = doc;
        self.apply_lesson_view();
        self.window.show_start = false;
        self.runner.cancel();
        self.planner.cancel();
        self.plan_wanted = None;
        self.looking = Looking::No;
        self.deferred_debounce = None;
        self.request_run(false);
    }

    /// Collects what background work sent: dialog answers, screenshot
    /// notices, finished runs.
    pub(super) fn poll_background(&mut self, ctx: &egui::Context) {
        while let Ok(command) = self.background_rx.try_recv() {
            self.commands.push(command);
        }
        if self.doc.poll_resolution() {
            // Every change of the file asked for a run, held until now;
            // a plan checked meanwhile was checked against the old file.
            self.doc.plan_check.invalidate();
            let debounce = self.deferred_debounce.take().unwrap_or(false);
            self.request_run(debounce);
        }
        self.poll_plan_check();
        self.wake_for_checks(ctx);
        let (finished, wake) = self.runner.poll();
        if let Some(finished) = finished {
            let results = &mut self.doc.results;
            match finished.result {
                Ok(prepared) => {
                    let prepared = Arc::new(prepared);
                    results.latest = Some(Arc::clone(&prepared));
                    results.error = None;
                    results.run_time = Some(finished.run_time);
                    match std::mem::take(&mut self.looking) {
                        Looking::First { full, kept } => {
                            let held = kept.lock().is_ok_and(|k| k.is_some());
                            self.looking = Looking::Rest { held };
                            results.first_look_of = Some(full.clock.replications);
                            let rest = RunJob::Rest { full: *full, replications: FIRST_LOOK_REPLICATIONS, kept };
                            self.runner.request(rest, false);
                        }
                        done => {
                            let looked = results.first_look_of.take();
                            results.complete = Some(prepared);
                            results.complete_run_time = Some(match (done, looked) {
                                // The rest ran all but the first look's kept
                                // replications: one run of every one would
                                // take about that much longer (the first
                                // look's own run, on fewer tasks than
                                // threads, says less about it). A rest
                                // without them ran every replication.
                                (Looking::Rest { held: true }, Some(all)) if all > FIRST_LOOK_REPLICATIONS => {
                                    finished.run_time.mul_f64(f64::from(all) / f64::from(all - FIRST_LOOK_REPLICATIONS))
                                }
                                _ => finished.run_time,
                            });
                        }
                    }
                }
                Err(e) => {
                    results.error = Some(e.to_string());
                    self.looking = Looking::No;
                }
            }
        }
        self.poll_plan();
        if let Some(wake) = wake {
            ctx.request_repaint_after(wake);
        }
        self.wake_while_busy(ctx);
    }

    /// While a run or a plan is under way, asks for a frame after
    /// [`BUSY_FRAME_INTERVAL`]: progress bars move ten times a second;
    /// finished work wakes the UI at once. A run's bar first moves
    /// [`QUIET_START`] after the run started: most edits' results come
    /// before, and the frames in between would take the CPU from them.
    pub(super) fn wake_while_busy(&self, ctx: &egui::Context) {
        if self.planner.is_busy() {
            ctx.request_repaint_after(BUSY_FRAME_INTERVAL);
        }
        if self.runner.is_busy() {
            let running_for = self.runner.running_for().unwrap_or_default();
            ctx.request_repaint_after(QUIET_START.saturating_sub(running_for).max(BUSY_FRAME_INTERVAL));
        }
    }

    /// While a resolution or a plan check is under way, asks for frames
    /// to pick its answer up (called before drawing and after the frame's
    /// commands, which may have started one).
    pub(super) fn wake_for_checks(&self, ctx: &egui::Context) {
        if self.doc.is_resolving() || self.doc.plan_check.is_checking() {
            ctx.request_repaint_after(Duration::from_millis(10));
        }
    }

    /// Applies the theme and zoom preferences to the context.
    pub(super) fn apply_style(&self, ctx: &egui::Context) {
        ctx.set_theme(match self.prefs.theme {
            Theme::Dark => egui::Theme::Dark,
            Theme::Light => egui::Theme::Light,
        });
        ctx.set_zoom_factor(self.zoom(ctx));
        // No fades or slides: each step of one is a whole frame, and while
        // a run is under way those frames (a tooltip fading in under the
        // pointer, a scroll bar appearing) would take the cores the run
        // needs, most of all under a software renderer, where a frame
        // costs more than the layout (the window keeps to ten frames a
        // second while busy, see [`BUSY_FRAME_INTERVAL`]).
        ctx.all_styles_mut(|style| style.animation_time = 0.0);
    }

    /// Follows the window's height in presenter mode (called every frame;
    /// changes the zoom only when it should change).
    pub(super) fn follow_zoom(&self, ctx: &egui::Context) {
        let zoom = self.zoom(ctx);
        if (zoom - ctx.zoom_factor()).abs() > 0.005 {
            ctx.set_zoom_factor(zoom);
        }
    }

    /// The zoom for the window as it is: the user's, and in presenter mode
    /// at least [`presenter_zoom`] of the window's unzoomed height.
    fn zoom(&self, ctx: &egui::Context) -> f32 {
        if self.prefs.presenter {
            let unzoomed_height = ctx.content_rect().height() * ctx.zoom_factor();
            self.prefs.ui_scale.max(presenter_zoom(unzoomed_height))
        } else {
            self.prefs.ui_scale
        }
    }
}

/// Where the run under way stands between a first look at an edit's
/// results and the rest of its replications.
#[derive(Debug, Default)]
pub(super) enum Looking {
    /// A run of every replication, or none.
    #[default]
    No,
    /// The first look runs; the rest of `full` follows, with what the
    /// first look leaves in `kept`.
    First {
        /// The scenario with all of its replications.
        full: Box<Scenario>,
        /// Where the first look leaves its results.
        kept: Kept,
    },
    /// The rest runs, after a first look whose results it was given
    /// (`held`: it runs only the replications after them) or not (it
    /// runs every replication).
    Rest {
        /// The first look's results were kept for the rest.
        held: bool,
    },
}

/// Replications of the first look at an edit's results: enough to see
/// where it goes within a tenth of a second, before all of them arrive.
pub const FIRST_LOOK_REPLICATIONS: u32 = 2;

/// Time between frames while a run or a plan is under way (for their
/// progress bars): rare enough to leave the CPU to the work.
pub const BUSY_FRAME_INTERVAL: Duration = Duration::from_millis(100);

/// How long a run goes on before its progress bar moves (see
/// [`TenantsimApp::wake_while_busy`]).
pub const QUIET_START: Duration = Duration::from_millis(300);

/// A scenario whose run of every replication takes longer than this gets
/// a first look at its next edit. A first look and the rest deliver every
/// replication about 50 ms later than one run does (the rest waits for the
/// first look's slowest task and for the window to ask for it), so a run
/// only somewhat over the 150 ms an edit's results should take is better
/// made whole: measured on the cells lesson, 140 ms to every replication
/// in one run against 80 ms to a first look and 190 ms to the rest.
pub const FIRST_LOOK_ABOVE: Duration = Duration::from_millis(220);

/// Points presenter mode keeps in the window's height at least: enough
/// for the comparison's headline rows above a readable timeline.
const PRESENTER_MIN_HEIGHT: f32 = 560.0;

/// Presenter mode's zoom for a window `unzoomed_height` points high: 1.5,
/// less on a short window so that 560 points remain
/// (a 1280 × 720 projector gets about 1.29), never below 1.
pub fn presenter_zoom(unzoomed_height: f32) -> f32 {
    (unzoomed_height / PRESENTER_MIN_HEIGHT).clamp(1.0, 1.5)
}

#[cfg(test)]
mod tests {
    use super::presenter_zoom;

    #[test]
    fn presenter_mode_zooms_less_on_a_short_window() {
        assert_eq!(presenter_zoom(1000.0), 1.5, "a 1600 × 1000 window: the full zoom");
        let zoom = presenter_zoom(720.0);
        assert!((zoom - 720.0 / 560.0).abs() < 1e-6, "a 1280 × 720 projector keeps 560 points: {zoom}");
        assert_eq!(presenter_zoom(400.0), 1.0, "never smaller than the user's");
    }
}
