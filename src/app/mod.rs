//! The desktop app (eframe/egui): scenario editor, live results, the
//! silo-vs-pool comparison.
//!
//! The app ([`TenantsimApp`], in [`state`]) owns the open [`Document`]
//! (the scenario, its history, the user's view of it and its latest
//! results), a background [`Runner`] and the user's [`Prefs`]. Each frame
//! ([`TenantsimApp::ui_root`], here) reads window-wide input
//! ([`input`]), collects finished runs and dialog answers, lets the
//! panels ([`panels`], one per file) draw what they are given and push
//! [`Command`]s, then applies those ([`apply`]). File I/O and dialogs are
//! in [`io`], screenshots in [`screenshot`], the `--measure` benchmark in
//! [`measure`]. Nothing is simulated or resolved on the UI thread, not
//! even at start-up: the window opens at once and the results follow;
//! resolving a file and checking a plan run on [`checker`] threads, which
//! the UI waits for at most a few frames.

mod apply;
pub mod checker;
pub mod command;
pub mod document;
mod input;
mod io;
pub mod look;
mod measure;
pub mod panels;
pub mod planning;
pub mod plot_data;
pub mod prefs;
pub mod recovery;
pub mod runner;
mod screenshot;
pub mod state;

use std::time::Instant;

pub use command::Command;
pub use document::{
    CompareView, Document, PlanRun, PlanView, Scope, TableView, TimelineView, ViewState, empty_scenario,
};
pub use io::{DialogKind, PathPrompt};
pub use plot_data::Prepared;
pub use prefs::{Prefs, Theme};
pub use runner::Runner;
pub use state::{EditorTab, FrameStats, ResultsTab, Startup, Status, TenantsimApp, WindowState};

impl TenantsimApp {
    /// Draws the whole window into `ui` and applies the frame's commands.
    pub fn ui_root(&mut self, ui: &mut egui::Ui) {
        let started = Instant::now();
        let ctx = ui.ctx().clone();
        if self.fonts_installed {
            // After the zoom set this frame, the window's size in points
            // is last frame's: follow it from the next frame on.
            self.follow_zoom(&ctx);
        } else {
            panels::style::install_fonts(&ctx);
            self.apply_style(&ctx);
            self.fonts_installed = true;
            if let Some((w, h)) = self.window_size.take() {
                // In points at the zoom just set, so the window has these pixels.
                let size = egui::vec2(w as f32, h as f32) / ctx.zoom_factor();
                ctx.send_viewport_cmd(egui::ViewportCommand::InnerSize(size));
            }
        }
        self.handle_input(&ctx);
        self.poll_background(&ctx);
        let mut commands = std::mem::take(&mut self.commands);
        let screen = panels::Screen {
            doc: &mut self.doc,
            window: &mut self.window,
            prefs: &self.prefs,
            run: self.runner.status(),
            status: self.status.as_ref(),
            frames: &self.frames,
            held: self.held.is_some(),
            recovered: self.recovered.as_ref().map(|f| &f.recovered),
        };
        panels::draw(ui, screen, &mut commands);
        for command in commands {
            self.apply(command, &ctx);
        }
        // Commands pushed while applying (e.g. re-roll → edit) run now.
        while !self.commands.is_empty() {
            for command in std::mem::take(&mut self.commands) {
                self.apply(command, &ctx);
            }
        }
        // A run the commands asked for starts now, not a frame later, and
        // its progress bar moves.
        if let Some(wake) = self.runner.start_due() {
            ctx.request_repaint_after(wake);
        }
        self.wake_while_busy(&ctx);
        // Every viewport command asks for another frame: sending the title
        // each frame would keep an idle window repainting forever.
        let title = format!("tenantsim — {}", self.doc.title());
        if self.window_title != title {
            self.window_title.clone_from(&title);
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title));
        }
        self.wake_for_checks(&ctx);
        self.tick_recovery(&ctx);
        self.tick_auto_screenshot(&ctx);
        let frame_ms = started.elapsed().as_secs_f64() * 1000.0;
        self.frames.record(frame_ms as f32, self.runner.is_busy());
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

/// Opens the window (the `tenantsim` binary with no arguments).
///
/// # Errors
/// Occurs when no window can be created (no display, no GL).
pub fn run_native(startup: Startup) -> eframe::Result<()> {
    let launched = Instant::now();
    let size = startup.size.map_or([1500.0, 920.0], |(w, h)| [w as f32, h as f32]);
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("tenantsim")
            .with_inner_size(size)
            .with_min_inner_size([900.0_f32.min(size[0]), 600.0_f32.min(size[1])])
            .with_drag_and_drop(true),
        // A size asked for on the command line wins over the remembered one.
        persist_window: startup.size.is_none(),
        ..Default::default()
    };
    eframe::run_native(
        "tenantsim",
        options,
        Box::new(move |cc| Ok(Box::new(TenantsimApp::from_creation_context(cc, startup, launched)))),
    )
}
