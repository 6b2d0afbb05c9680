//! Screenshots: File ▸ Screenshot (a PNG of the window where the user
//! picked) and `--screenshot` (wait until the results are shown, let the
//! window settle for a few frames, save, close). Both ask egui for the
//! frame's pixels; the PNG is written in egui's callback, atomically like
//! every saved file.

use std::path::{Path, PathBuf};

use crate::app::{Command, TenantsimApp};

/// Frames drawn with results before an automatic screenshot.
const SCREENSHOT_AFTER_FRAMES: u32 = 12;

/// The `--screenshot` countdown: waits while results are on their way,
/// then for a few settled frames.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct AutoScreenshot {
    path: PathBuf,
    frames_left: u32,
}

impl AutoScreenshot {
    /// A screenshot to `path` once results are shown.
    pub(super) fn new(path: PathBuf) -> Self {
        Self { path, frames_left: SCREENSHOT_AFTER_FRAMES }
    }

    /// Counts one frame; true when this frame is the one to save (never
    /// while `waiting` for results).
    fn tick(&mut self, waiting: bool) -> bool {
        if waiting {
            self.frames_left = SCREENSHOT_AFTER_FRAMES;
            return false;
        }
        match self.frames_left.checked_sub(1) {
            Some(left) => {
                self.frames_left = left;
                false
            }
            None => true,
        }
    }
}

impl TenantsimApp {
    /// Counts frames down to an automatic screenshot once the results are
    /// in, then saves it and closes the window.
    pub(super) fn tick_auto_screenshot(&mut self, ctx: &egui::Context) {
        let waiting = self.runner.is_busy();
        let Some(shot) = &mut self.auto_screenshot else { return };
        if !shot.tick(waiting) {
            // While the run is on, the runner wakes the UI when it is done;
            // drawing meanwhile would only take the run's CPU.
            if !waiting {
                ctx.request_repaint();
            }
            return;
        }
        let path = shot.path.clone();
        self.auto_screenshot = None;
        let close = ctx.clone();
        let callback = egui::ScreenshotCallback::new(move |image| {
            if let Err(e) = save_png(&path, &image) {
                eprintln!("{e}");
            }
            close.send_viewport_cmd(egui::ViewportCommand::Close);
            close.request_repaint();
        });
        ctx.send_viewport_cmd(egui::ViewportCommand::Screenshot(callback));
    }

    /// Saves a screenshot of the window to `path`; the outcome comes back
    /// as a status message.
    pub(super) fn screenshot_to(&mut self, path: PathBuf, ctx: &egui::Context) {
        let tx = self.background_tx.clone();
        let repaint = ctx.clone();
        let callback = egui::ScreenshotCallback::new(move |image| {
            let (text, is_error) = match save_png(&path, &image) {
                Ok(()) => (format!("Screenshot saved to {}", path.display()), false),
                Err(e) => (e, true),
            };
            let _ = tx.send(Command::Notice { text, is_error });
            repaint.request_repaint();
        });
        ctx.send_viewport_cmd(egui::ViewportCommand::Screenshot(callback));
    }
}

/// Writes a window screenshot as PNG, encoded in memory and saved like
/// every other file ([`crate::files::save_atomic`]); the error names the
/// file.
fn save_png(path: &Path, image: &egui::ColorImage) -> Result<(), String> {
    let mut png = std::io::Cursor::new(Vec::new());
    image::write_buffer_with_format(
        &mut png,
        image.as_raw(),
        image.width() as u32,
        image.height() as u32,
        image::ExtendedColorType::Rgba8,
        image::ImageFormat::Png,
    )
    .map_err(|e| format!("{}: {e}", path.display()))?;
    crate::files::save_atomic(path, png.into_inner()).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_automatic_screenshot_waits_for_results_then_settles() {
        let mut shot = AutoScreenshot::new(PathBuf::from("x.png"));
        for _ in 0..100 {
            assert!(!shot.tick(true), "never while results are on their way");
        }
        for frame in 0..SCREENSHOT_AFTER_FRAMES {
            assert!(!shot.tick(false), "settling frame {frame}");
        }
        assert!(shot.tick(false));
    }

    #[test]
    fn a_new_run_restarts_the_countdown() {
        let mut shot = AutoScreenshot::new(PathBuf::from("x.png"));
        for _ in 0..SCREENSHOT_AFTER_FRAMES {
            shot.tick(false);
        }
        assert!(!shot.tick(true));
        assert!(!shot.tick(false), "settles again after the new results");
    }
}
