//! The desktop app (eframe/egui): scenario editor, live results, the
//! silo-vs-pool comparison.
//!
//! The app owns a [`Document`] (the scenario being edited), the latest
//! finished [`RunReport`] with its prepared plot data, a background
//! [`Runner`] and the user's [`Prefs`]. Panels (one per file in
//! [`panels`]) draw from that state and push [`Command`]s; the app applies
//! them once per frame. Nothing is simulated on the UI thread.

pub mod command;
pub mod document;
pub mod panels;
pub mod plot_data;
pub mod prefs;
pub mod runner;

use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};

use crate::bundled;
use crate::files;
use crate::report::format;
use crate::scenario::{self, Limits, ScenarioFile};
use crate::sim::{self, RunControl};

pub use command::Command;
pub use document::Document;
pub use plot_data::Prepared;
pub use prefs::{Prefs, Theme};
pub use runner::Runner;

/// How the window starts (from the command line).
#[derive(Debug, Clone, Default)]
pub struct Startup {
    /// Scenario file, or a bundled example's file name.
    pub file: Option<std::path::PathBuf>,
    /// Results view to show.
    pub tab: ResultsTab,
    /// Start in presenter mode.
    pub presenter: bool,
    /// Tenant to highlight.
    pub select: Option<String>,
    /// Save a PNG once results are shown, then close.
    pub screenshot: Option<std::path::PathBuf>,
    /// Re-roll this many times, print timings, then close.
    pub measure: Option<u32>,
}

/// The `--measure` self-benchmark: edits made, timings seen.
#[derive(Debug, Default)]
struct Measure {
    edits_left: u32,
    next_edit: Option<Instant>,
    waiting_since: Option<Instant>,
    edit_to_results_ms: Vec<f64>,
    frame_ms: Vec<f64>,
    frame_ms_while_running: Vec<f64>,
}

/// Frames drawn with results before an automatic screenshot.
const SCREENSHOT_AFTER_FRAMES: u32 = 12;

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
}

/// Which flows a timeline shows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Scope {
    /// All tenants together.
    #[default]
    All,
    /// One tier (index into the report's tiers).
    Tier(usize),
    /// The selected tenant.
    Tenant,
    /// Every tenant's own series overlaid, the selected tenant emphasised.
    EachTenant,
}

/// Timeline controls.
#[derive(Debug, Clone, Default)]
pub struct TimelineView {
    /// Design shown; `None` overlays every design.
    pub design: Option<usize>,
    /// Flows shown.
    pub scope: Scope,
}

/// Tenant results table controls.
#[derive(Debug, Clone, Default)]
pub struct TableView {
    /// Design whose results are listed.
    pub design: usize,
    /// Only this tier, if set.
    pub tier: Option<String>,
    /// Only tenant ids containing this text.
    pub search: String,
    /// Sort column index.
    pub sort_column: usize,
    /// Sort descending.
    pub descending: bool,
}

/// Design comparison controls.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompareView {
    /// Key of the row whose figures order the design columns; `None`
    /// keeps the scenario's design order.
    pub sort_row: Option<String>,
    /// Largest figure first.
    pub descending: bool,
}

/// What the user is looking at (not persisted).
#[derive(Debug, Clone, Default)]
pub struct ViewState {
    /// Design comparison controls.
    pub compare: CompareView,
    /// Timeline controls.
    pub timeline: TimelineView,
    /// Tenant table controls.
    pub table: TableView,
    /// Design whose cost bars are shown; `None` shows all side by side.
    pub cost_design: Option<usize>,
    /// Active editor tab.
    pub editor_tab: EditorTab,
    /// Active results tab.
    pub results_tab: ResultsTab,
    /// Tenant highlighted in every plot.
    pub selected_tenant: Option<String>,
    /// Start page visible.
    pub show_start: bool,
    /// Text of the raw RON editor (kept while the user types).
    pub ron_text: Option<String>,
    /// The next paste event is a scenario (File ▸ Paste scenario).
    pub paste_armed: bool,
    /// Lesson panel hidden by the user.
    pub hide_lesson: bool,
    /// "Try this" steps applied since the lesson was opened or reset.
    pub tried: Vec<usize>,
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
    fn record(&mut self, ms: f32, running: bool) {
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
    /// The scenario being edited.
    pub doc: Document,
    /// Latest finished results (kept while the scenario is invalid).
    pub results: Option<Arc<Prepared>>,
    /// Why the last run failed, if it did.
    pub run_error: Option<String>,
    /// Wall time of the last finished run.
    pub last_run: Option<Duration>,
    /// Time from the last edit to its results.
    pub last_edit_to_results: Option<Duration>,
    /// Background runs.
    pub runner: Runner,
    /// Generation of the newest request; older results are ignored.
    wanted: u64,
    /// When the newest request was made.
    requested_at: Option<Instant>,
    /// What the user is looking at.
    pub view: ViewState,
    /// Preferences.
    pub prefs: Prefs,
    /// Status bar message.
    pub status: Option<Status>,
    /// A document-replacing command held until the user confirms.
    pub held: Option<Command>,
    /// Commands pushed this frame.
    commands: Vec<Command>,
    /// File dialogs report back here.
    dialog_tx: Sender<Command>,
    dialog_rx: Receiver<Command>,
    /// Frame-time statistics.
    pub frames: FrameStats,
    quit_confirmed: bool,
    /// Title last sent to the window.
    window_title: String,
    fonts_installed: bool,
    /// Automatic screenshot: target and frames still to wait.
    auto_screenshot: Option<(std::path::PathBuf, u32)>,
    /// Self-benchmark in progress.
    measure: Option<Measure>,
}

impl TenantsimApp {
    /// An app on the default bundled scenario, with its results computed
    /// before the first frame (the window never opens empty).
    pub fn new(prefs: Prefs, repaint: impl Fn() + Send + Sync + 'static) -> Self {
        let (dialog_tx, dialog_rx) = channel();
        let doc = match Document::from_text(bundled::DEFAULT.text, None, Some(bundled::DEFAULT.file_name)) {
            Ok(doc) => doc,
            Err(_) => Document::new(empty_scenario(), None, None),
        };
        let mut app = Self {
            doc,
            results: None,
            run_error: None,
            last_run: None,
            last_edit_to_results: None,
            runner: Runner::new(repaint),
            wanted: 0,
            requested_at: None,
            view: ViewState { show_start: false, ..ViewState::default() },
            prefs,
            status: None,
            held: None,
            commands: Vec::new(),
            dialog_tx,
            dialog_rx,
            frames: FrameStats::default(),
            quit_confirmed: false,
            window_title: String::new(),
            fonts_installed: false,
            auto_screenshot: None,
            measure: None,
        };
        app.run_now_blocking();
        app
    }

    /// Creates the app inside eframe, restoring preferences and applying
    /// the command line's startup options.
    pub fn from_creation_context(cc: &eframe::CreationContext<'_>, startup: Startup) -> Self {
        let mut prefs: Prefs = cc.storage.and_then(|s| eframe::get_value(s, eframe::APP_KEY)).unwrap_or_default();
        prefs.presenter = startup.presenter;
        let ctx = cc.egui_ctx.clone();
        let mut app = Self::new(prefs, move || ctx.request_repaint());
        app.start_with(startup, &cc.egui_ctx);
        app
    }

    /// Applies startup options: opens the file, picks the view.
    pub fn start_with(&mut self, startup: Startup, ctx: &egui::Context) {
        if let Some(file) = &startup.file {
            let name = file.to_string_lossy();
            match bundled::by_file_name(&name) {
                Some(b) if !file.exists() => self.apply(Command::OpenBundled(b.file_name), ctx),
                _ => self.apply(Command::OpenPath(file.clone()), ctx),
            }
            // Results before the first frame, as for the default example.
            self.runner = Runner::new({
                let ctx = ctx.clone();
                move || ctx.request_repaint()
            });
            self.run_now_blocking();
        }
        self.view.results_tab = startup.tab;
        self.view.selected_tenant = startup.select;
        if self.view.selected_tenant.is_some() {
            self.view.timeline.scope = Scope::Tenant;
        }
        self.auto_screenshot = startup.screenshot.map(|p| (p, SCREENSHOT_AFTER_FRAMES));
        self.measure = startup.measure.map(|edits| Measure { edits_left: edits, ..Measure::default() });
        self.apply_style(ctx);
    }

    /// Drives the `--measure` self-benchmark: one re-roll a second, each
    /// after the previous results arrived; prints the figures at the end.
    fn tick_measure(&mut self, ctx: &egui::Context, frame_ms: f64) {
        let Some(m) = &mut self.measure else { return };
        let busy = self.runner.is_busy();
        m.frame_ms.push(frame_ms);
        if busy {
            m.frame_ms_while_running.push(frame_ms);
        }
        let now = Instant::now();
        if let Some(since) = m.waiting_since
            && !busy
        {
            m.edit_to_results_ms.push(since.elapsed().as_secs_f64() * 1e3);
            m.waiting_since = None;
            m.next_edit = Some(now + Duration::from_millis(500));
        }
        if m.waiting_since.is_none() && m.next_edit.is_none_or(|t| t <= now) {
            if m.edits_left == 0 {
                let report = measure_report(m);
                println!("{report}");
                self.measure = None;
                // The re-rolls were the benchmark's, not the user's edits.
                self.quit_confirmed = true;
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                return;
            }
            m.edits_left -= 1;
            m.waiting_since = Some(now);
            self.commands.push(Command::Reroll);
        }
        ctx.request_repaint();
    }

    /// Counts frames down to an automatic screenshot, then closes.
    fn tick_auto_screenshot(&mut self, ctx: &egui::Context) {
        let Some((path, frames)) = self.auto_screenshot.take() else { return };
        if self.results.is_none() || self.runner.is_busy() {
            self.auto_screenshot = Some((path, frames));
        } else if frames > 0 {
            self.auto_screenshot = Some((path, frames - 1));
        } else {
            let close = ctx.clone();
            let callback = egui::ScreenshotCallback::new(move |image| {
                if let Err(e) = save_png(&path, &image) {
                    eprintln!("{}: {e}", path.display());
                }
                close.send_viewport_cmd(egui::ViewportCommand::Close);
                close.request_repaint();
            });
            ctx.send_viewport_cmd(egui::ViewportCommand::Screenshot(callback));
            return;
        }
        ctx.request_repaint();
    }

    /// Simulates the current scenario on this thread (start-up only).
    fn run_now_blocking(&mut self) {
        if let Ok(scenario) = &self.doc.resolved {
            let started = Instant::now();
            match sim::run(scenario, &crate::host::run_options(), &RunControl::new()) {
                Ok(report) => {
                    self.results = Some(Arc::new(Prepared::new(report)));
                    self.last_run = Some(started.elapsed());
                }
                Err(e) => self.run_error = Some(e.to_string()),
            }
        }
    }

    /// Queues a command for this frame.
    pub fn push(&mut self, command: Command) {
        self.commands.push(command);
    }

    fn set_status(&mut self, text: impl Into<String>, is_error: bool) {
        self.status = Some(Status { text: text.into(), is_error, at: Instant::now() });
    }

    /// Asks for a re-simulation of the current scenario (if it is valid).
    fn request_run(&mut self, debounce: bool) {
        if let Ok(scenario) = &self.doc.resolved {
            self.wanted = self.runner.request(scenario.clone(), debounce);
            self.requested_at = Some(Instant::now());
        }
    }

    /// Replaces the document, resetting view state that referred to it.
    fn replace_document(&mut self, doc: Document) {
        self.doc = doc;
        self.view.selected_tenant = None;
        self.view.ron_text = None;
        self.view.tried.clear();
        self.view.show_start = false;
        self.request_run(false);
    }

    /// Applies one command.
    #[allow(clippy::too_many_lines)]
    pub fn apply(&mut self, command: Command, ctx: &egui::Context) {
        if command.replaces_document()
            && self.doc.is_dirty()
            && !matches!(command, Command::OpenText { path: None, .. })
        {
            if command == Command::Quit && self.quit_confirmed {
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                return;
            }
            self.held = Some(command);
            return;
        }
        match command {
            Command::New => self.replace_document(Document::new(empty_scenario(), None, None)),
            Command::OpenBundled(name) => match bundled::by_file_name(name) {
                Some(b) => match Document::from_text(b.text, None, Some(b.file_name)) {
                    Ok(doc) => {
                        self.replace_document(doc);
                        self.set_status(format!("Opened example {name}"), false);
                    }
                    Err(e) => self.set_status(format!("{name}: {e}"), true),
                },
                None => self.set_status(format!("no bundled scenario {name}"), true),
            },
            Command::OpenDialog => self.spawn_dialog(DialogKind::Open),
            Command::OpenPath(path) => self.open_path(&path),
            Command::Save => match self.doc.path.clone() {
                Some(path) => self.save_to(&path),
                None => self.spawn_dialog(DialogKind::SaveAs),
            },
            Command::SaveAsDialog => self.spawn_dialog(DialogKind::SaveAs),
            Command::SaveTo(path) => self.save_to(&path),
            Command::CopyScenario => match scenario::to_ron_string(&self.doc.file) {
                Ok(text) => {
                    ctx.copy_text(text);
                    self.set_status("Scenario copied to the clipboard as RON text", false);
                }
                Err(e) => self.set_status(format!("cannot copy: {e}"), true),
            },
            Command::OpenText { text, path } => match Document::from_text(&text, path.clone(), None) {
                Ok(doc) => {
                    let label = path.as_ref().map_or_else(|| "pasted scenario".to_owned(), |p| p.display().to_string());
                    if path.is_none() {
                        // Pasted text is an edit of the current document, so it can be undone.
                        let file = doc.file.clone();
                        self.doc.edit(file, "Paste scenario");
                        self.request_run(false);
                    } else {
                        self.replace_document(doc);
                    }
                    self.set_status(format!("Opened {label}"), false);
                }
                Err(e) => self.set_status(format!("Not a scenario: {e}"), true),
            },
            Command::Edit { file, label } => {
                if self.doc.edit(*file, &label) {
                    self.view.ron_text = None;
                    self.request_run(true);
                }
            }
            Command::TryThis(index) => {
                let step = self.doc.file.lesson.as_ref().and_then(|l| l.try_this.get(index)).cloned();
                if let Some(step) = step {
                    let mut file = self.doc.file.clone();
                    let applied: Result<Vec<()>, String> =
                        step.changes.iter().map(|c| crate::lesson::apply_change(&mut file, c)).collect();
                    match applied {
                        Ok(_) => {
                            self.view.tried.push(index);
                            self.set_status(format!("Try this: {}", step.label), false);
                            self.push(Command::Edit { file: Box::new(file), label: format!("Try: {}", step.label) });
                        }
                        Err(e) => self.set_status(format!("cannot apply \"{}\": {e}", step.label), true),
                    }
                }
            }
            Command::ResetLesson => {
                let shipped = self
                    .doc
                    .bundled
                    .and_then(bundled::by_file_name)
                    .and_then(|b| scenario::parse_str(b.text, &Limits::default()).ok());
                match shipped {
                    Some(file) => {
                        self.view.tried.clear();
                        self.set_status("Lesson reset to the file as shipped", false);
                        self.push(Command::Edit { file: Box::new(file), label: "Reset lesson".into() });
                    }
                    None => self.set_status("This scenario is not a bundled lesson", true),
                }
            }
            Command::ToggleLesson => self.view.hide_lesson = !self.view.hide_lesson,
            Command::Undo => {
                if let Some(label) = self.doc.undo() {
                    self.view.ron_text = None;
                    self.set_status(format!("Undid: {label}"), false);
                    self.request_run(false);
                }
            }
            Command::Redo => {
                if let Some(label) = self.doc.redo() {
                    self.view.ron_text = None;
                    self.set_status(format!("Redid: {label}"), false);
                    self.request_run(false);
                }
            }
            Command::Reroll => {
                let mut file = self.doc.file.clone();
                file.clock.seed = reroll(file.clock.seed);
                self.push(Command::Edit { label: "Re-roll seed".into(), file: Box::new(file) });
            }
            Command::Rerun => self.request_run(false),
            Command::ExportCsv => self.spawn_dialog(DialogKind::ExportCsv),
            Command::ExportJson => self.spawn_dialog(DialogKind::ExportJson),
            Command::ExportTo { path, json } => self.export(&path, json),
            Command::Screenshot => self.spawn_dialog(DialogKind::Screenshot),
            Command::ScreenshotTo(path) => {
                let tx = self.dialog_tx.clone();
                let repaint = ctx.clone();
                let callback = egui::ScreenshotCallback::new(move |image| {
                    let (text, is_error) = match save_png(&path, &image) {
                        Ok(()) => (format!("Screenshot saved to {}", path.display()), false),
                        Err(e) => (format!("{}: {e}", path.display()), true),
                    };
                    let _ = tx.send(Command::Notice { text, is_error });
                    repaint.request_repaint();
                });
                ctx.send_viewport_cmd(egui::ViewportCommand::Screenshot(callback));
            }
            Command::Notice { text, is_error } => self.set_status(text, is_error),
            Command::SelectTenant(id) => self.view.selected_tenant = id,
            Command::ToggleTheme => {
                self.prefs.theme = if self.prefs.theme == Theme::Dark { Theme::Light } else { Theme::Dark };
                self.apply_style(ctx);
            }
            Command::SetScale(scale) => {
                self.prefs.ui_scale = scale.clamp(0.6, 3.0);
                self.apply_style(ctx);
            }
            Command::TogglePresenter => {
                self.prefs.presenter = !self.prefs.presenter;
                self.apply_style(ctx);
            }
            Command::ShowStart(show) => self.view.show_start = show,
            Command::ConfirmDiscard => {
                if let Some(held) = self.held.take() {
                    if held == Command::Quit {
                        self.quit_confirmed = true;
                        ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                    } else {
                        // Forget the edits, then run the held command.
                        self.doc.mark_clean();
                        self.apply(held, ctx);
                    }
                }
            }
            Command::CancelDiscard => self.held = None,
            Command::Quit => ctx.send_viewport_cmd(egui::ViewportCommand::Close),
        }
    }

    fn open_path(&mut self, path: &Path) {
        match files::read_text(path, &Limits::default()) {
            Ok(text) => match Document::from_text(&text, Some(path.to_owned()), None) {
                Ok(doc) => {
                    self.prefs.remember(path.to_owned());
                    self.replace_document(doc);
                    self.set_status(format!("Opened {}", path.display()), false);
                }
                Err(e) => self.set_status(files::format_load_error(path, &e), true),
            },
            Err(e) => self.set_status(e.to_string(), true),
        }
    }

    fn save_to(&mut self, path: &Path) {
        let text = match scenario::to_ron_string(&self.doc.file) {
            Ok(t) => t,
            Err(e) => return self.set_status(format!("cannot save: {e}"), true),
        };
        match files::save_atomic(path, &text) {
            Ok(()) => {
                self.doc.mark_saved(path.to_owned());
                self.prefs.remember(path.to_owned());
                self.set_status(format!("Saved {}", path.display()), false);
            }
            Err(e) => self.set_status(format!("{}: {e}", path.display()), true),
        }
    }

    fn export(&mut self, path: &Path, json: bool) {
        let Some(results) = &self.results else {
            return self.set_status("No results to export yet", true);
        };
        let text = if json {
            format::json(&results.report).map_err(|e| e.to_string())
        } else {
            format::csv(&results.report).map_err(|e| e.to_string())
        };
        match text.map(|t| files::save_atomic(path, &t).map_err(|e| e.to_string())) {
            Ok(Ok(())) => self.set_status(format!("Exported {}", path.display()), false),
            Ok(Err(e)) | Err(e) => self.set_status(format!("{}: {e}", path.display()), true),
        }
    }

    fn spawn_dialog(&self, kind: DialogKind) {
        let tx = self.dialog_tx.clone();
        let start_dir = self.doc.path.as_ref().and_then(|p| p.parent().map(Path::to_path_buf));
        let stem = self
            .doc
            .path
            .as_ref()
            .and_then(|p| p.file_stem())
            .map_or_else(|| slug(&self.doc.file.name), |s| s.to_string_lossy().into_owned());
        std::thread::spawn(move || {
            let mut dialog = rfd::FileDialog::new();
            if let Some(dir) = start_dir {
                dialog = dialog.set_directory(dir);
            }
            let picked = match kind {
                DialogKind::Open => {
                    dialog.add_filter("tenantsim scenario", &["ron"]).pick_file().map(Command::OpenPath)
                }
                DialogKind::SaveAs => dialog
                    .add_filter("tenantsim scenario", &["ron"])
                    .set_file_name(format!("{stem}.ron"))
                    .save_file()
                    .map(Command::SaveTo),
                DialogKind::ExportCsv => dialog
                    .add_filter("CSV", &["csv"])
                    .set_file_name(format!("{stem}-results.csv"))
                    .save_file()
                    .map(|path| Command::ExportTo { path, json: false }),
                DialogKind::ExportJson => dialog
                    .add_filter("JSON", &["json"])
                    .set_file_name(format!("{stem}-results.json"))
                    .save_file()
                    .map(|path| Command::ExportTo { path, json: true }),
                DialogKind::Screenshot => dialog
                    .add_filter("PNG", &["png"])
                    .set_file_name(format!("{stem}.png"))
                    .save_file()
                    .map(Command::ScreenshotTo),
            };
            if let Some(command) = picked {
                let _ = tx.send(command);
            }
        });
    }

    fn apply_style(&self, ctx: &egui::Context) {
        ctx.set_theme(match self.prefs.theme {
            Theme::Dark => egui::Theme::Dark,
            Theme::Light => egui::Theme::Light,
        });
        let scale = if self.prefs.presenter { self.prefs.ui_scale.max(1.5) } else { self.prefs.ui_scale };
        ctx.set_zoom_factor(scale);
    }

    fn handle_input(&mut self, ctx: &egui::Context) {
        use egui::{Key, KeyboardShortcut, Modifiers};
        let shortcuts = [
            (KeyboardShortcut::new(Modifiers::COMMAND | Modifiers::SHIFT, Key::S), Command::SaveAsDialog),
            (KeyboardShortcut::new(Modifiers::COMMAND | Modifiers::SHIFT, Key::Z), Command::Redo),
            (KeyboardShortcut::new(Modifiers::COMMAND, Key::N), Command::New),
            (KeyboardShortcut::new(Modifiers::COMMAND, Key::O), Command::OpenDialog),
            (KeyboardShortcut::new(Modifiers::COMMAND, Key::S), Command::Save),
            (KeyboardShortcut::new(Modifiers::COMMAND, Key::Z), Command::Undo),
            (KeyboardShortcut::new(Modifiers::COMMAND, Key::Y), Command::Redo),
            (KeyboardShortcut::new(Modifiers::NONE, Key::F5), Command::Rerun),
            (KeyboardShortcut::new(Modifiers::NONE, Key::F11), Command::TogglePresenter),
        ];
        let mut fired = Vec::new();
        ctx.input_mut(|input| {
            for (shortcut, command) in &shortcuts {
                if input.consume_shortcut(shortcut) {
                    fired.push(command.clone());
                }
            }
        });
        self.commands.extend(fired);
        // Files dropped on the window.
        let dropped: Vec<Command> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .filter_map(|f| {
                    if f.path().as_os_str().is_empty() {
                        f.bytes()
                            .ok()
                            .map(|b| Command::OpenText { text: String::from_utf8_lossy(&b).into_owned(), path: None })
                    } else {
                        Some(Command::OpenPath(f.path().to_path_buf()))
                    }
                })
                .collect()
        });
        self.commands.extend(dropped);
        // A paste outside any text field (or after File ▸ Paste scenario)
        // opens the pasted text as a scenario.
        let typing = ctx.memory(|m| m.focused().is_some());
        let pasted = ctx.input(|i| {
            i.raw.events.iter().find_map(|e| match e {
                egui::Event::Paste(text) => Some(text.clone()),
                _ => None,
            })
        });
        if let Some(text) = pasted
            && (self.view.paste_armed || !typing)
        {
            self.view.paste_armed = false;
            self.commands.push(Command::OpenText { text, path: None });
        }
        if ctx.input(|i| i.viewport().close_requested()) && self.doc.is_dirty() && !self.quit_confirmed {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            self.held = Some(Command::Quit);
        }
        // Keep the preference in sync with egui's own Ctrl +/- zoom.
        if !self.prefs.presenter {
            self.prefs.ui_scale = ctx.zoom_factor();
        }
    }

    fn poll_background(&mut self, ctx: &egui::Context) {
        while let Ok(command) = self.dialog_rx.try_recv() {
            self.commands.push(command);
        }
        let (finished, wake) = self.runner.poll();
        if let Some(finished) = finished
            && finished.generation >= self.wanted
        {
            match finished.result {
                Ok(report) => {
                    self.results = Some(Arc::new(Prepared::new(report)));
                    self.run_error = None;
                    self.last_run = Some(finished.elapsed);
                    self.last_edit_to_results = self.requested_at.map(|t| t.elapsed());
                }
                Err(e) => self.run_error = Some(e.to_string()),
            }
        }
        if let Some(wake) = wake {
            ctx.request_repaint_after(wake);
        }
        if self.runner.is_busy() {
            ctx.request_repaint_after(Duration::from_millis(50));
        }
    }

    /// Draws the whole window into `ui` and applies the frame's commands.
    pub fn ui_root(&mut self, ui: &mut egui::Ui) {
        let started = Instant::now();
        let ctx = ui.ctx().clone();
        if !self.fonts_installed {
            panels::style::install_fonts(&ctx);
            self.apply_style(&ctx);
            self.fonts_installed = true;
        }
        self.handle_input(&ctx);
        self.poll_background(&ctx);
        let mut commands = std::mem::take(&mut self.commands);
        panels::draw(ui, self, &mut commands);
        for command in commands {
            self.apply(command, &ctx);
        }
        // Commands pushed while applying (e.g. re-roll → edit) run now.
        while !self.commands.is_empty() {
            let more = std::mem::take(&mut self.commands);
            for command in more {
                self.apply(command, &ctx);
            }
        }
        // Every viewport command asks for another frame: sending the title
        // each frame would keep an idle window repainting forever.
        let title = format!("tenantsim — {}", self.doc.title());
        if self.window_title != title {
            self.window_title.clone_from(&title);
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title));
        }
        self.tick_auto_screenshot(&ctx);
        let running = self.runner.is_busy();
        let frame_ms = started.elapsed().as_secs_f64() * 1000.0;
        self.frames.record(frame_ms as f32, running);
        self.tick_measure(&ctx, frame_ms);
    }
}

impl eframe::App for TenantsimApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.ui_root(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, eframe::APP_KEY, &self.prefs);
    }
}

#[derive(Debug, Clone, Copy)]
enum DialogKind {
    Open,
    SaveAs,
    ExportCsv,
    ExportJson,
    Screenshot,
}

/// Writes a window screenshot as PNG.
fn save_png(path: &Path, image: &egui::ColorImage) -> image::ImageResult<()> {
    image::save_buffer(
        path,
        image.as_raw(),
        image.width() as u32,
        image.height() as u32,
        image::ExtendedColorType::Rgba8,
    )
}

fn percentile(values: &[f64], q: f64) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    v.get(((v.len() as f64 - 1.0) * q).round() as usize).copied().unwrap_or(0.0)
}

fn measure_report(m: &Measure) -> String {
    let describe = |v: &[f64]| {
        format!(
            "n={} median {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            v.len(),
            percentile(v, 0.5),
            percentile(v, 0.99),
            v.iter().copied().fold(0.0, f64::max)
        )
    };
    let slowest = m.frame_ms.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).map_or(0, |(i, _)| i);
    let after_first = m.frame_ms.get(1..).unwrap_or(&[]);
    format!(
        "frame build time (all frames): {}\n  slowest is frame #{slowest} (#0 is the first frame)\nframe build time after the first frame: {}\nframe build time while simulating: {}\nedit to updated results: {}",
        describe(&m.frame_ms),
        describe(after_first),
        describe(&m.frame_ms_while_running),
        describe(&m.edit_to_results_ms)
    )
}

/// A new seed, derived from the old one (deterministic, never the same).
fn reroll(seed: u64) -> u64 {
    crate::rng::stream_seed(seed, 0xdead_beef, 1, crate::rng::StreamPurpose::Reroll) % 1_000_000
}

fn slug(name: &str) -> String {
    let s: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    let s = s.trim_matches('-').to_owned();
    if s.is_empty() { "scenario".into() } else { s }
}

/// The scenario `New` starts from: small, valid, ready to edit.
pub fn empty_scenario() -> ScenarioFile {
    const NEW: &str = r#"Scenario(
    version: 1,
    name: "New scenario",
    description: "Two tiers, a few tenants, pool against silo.",
    clock: (duration: "1h", seed: 1, replications: 4),
    tiers: {
        "basic": (price_per_month: 99.0, plan: (rate: 50.0, burst: 100.0)),
        "premium": (price_per_month: 999.0, plan: (rate: 300.0, burst: 300.0), slo: (p99_ms: 200.0)),
    },
    tenants: [
        Tenant(id: "acme", tier: "premium", load: (rate: 20.0)),
        Group(prefix: "smb", count: 5, tier: "basic", load: (rate: 5.0)),
    ],
    layers: (
        gateway: (price_per_million: 1.0),
        compute: (service_time: Exponential(mean_ms: 20.0), concurrency: 4, instances: (min: 1, max: 10),
                  autoscale: (target_utilisation: 0.6), price_per_hour: 0.1),
    ),
    designs: [
        (name: "pool", placement: { "*": Pool }),
        (name: "silo", placement: { "*": Silo }, overhead_per_stack_per_month: 50.0),
    ],
)"#;
    scenario::parse_str(NEW, &Limits::default()).unwrap_or_else(|_| {
        // The text above is a valid scenario (tested); this is unreachable.
        panic!("built-in new scenario does not parse")
    })
}

/// Opens the window (the `tenantsim` binary with no arguments).
///
/// # Errors
/// Occurs when no window can be created (no display, no GL).
pub fn run_native(startup: Startup) -> eframe::Result<()> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("tenantsim")
            .with_inner_size([1500.0, 920.0])
            .with_min_inner_size([900.0, 600.0])
            .with_drag_and_drop(true),
        ..Default::default()
    };
    eframe::run_native(
        "tenantsim",
        options,
        Box::new(|cc| Ok(Box::new(TenantsimApp::from_creation_context(cc, startup)))),
    )
}
