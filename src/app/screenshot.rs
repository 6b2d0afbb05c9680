//! Screenshots: File ▸ Screenshot (a PNG of the window where the user
//! picked), the Planner tab's Save plot (the same, cropped to the plot)
//! and `--screenshot` (wait until the results are shown, let the window
//! settle for a few frames, save, close). All ask egui for the frame's
//! pixels; the PNG is written in egui's callback, atomically like every
//! saved file.

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

    /// Saves a screenshot of the window to `path`, or of the part of it
    /// inside `crop` (in points); the outcome comes back as a status
    /// message.
    pub(super) fn screenshot_to(&mut self, path: PathBuf, crop: Option<egui::Rect>, ctx: &egui::Context) {
        let tx = self.background_tx.clone();
        let repaint = ctx.clone();
        let pixels_per_point = ctx.pixels_per_point();
        let what = if crop.is_some() { "Plot" } else { "Screenshot" };
        let callback = egui::ScreenshotCallback::new(move |image| {
            let saved = match crop {
                Some(rect) => crop_image(&image, rect, pixels_per_point)
                    .ok_or_else(|| format!("{}: the plot is not on the screen", path.display()))
                    .and_then(|part| save_png(&path, &part)),
                None => save_png(&path, &image),
            };
            let (text, is_error) = match saved {
                Ok(()) => (format!("{what} saved to {}", path.display()), false),
                Err(e) => (e, true),
            };
            let _ = tx.send(Command::Notice { text, is_error });
            repaint.request_repaint();
        });
        ctx.send_viewport_cmd(egui::ViewportCommand::Screenshot(callback));
    }
}

/// The part of `image` inside `rect` (in points, at `pixels_per_point`),
/// clamped to the image; `None` when nothing of it is inside.
fn crop_image(image: &egui::ColorImage, rect: egui::Rect, pixels_per_point: f32) -> Option<egui::ColorImage> {
    let [width, height] = image.size;
    // Pixel edges, rounded outwards and clamped (a rect half off-screen
    // keeps its visible half).
    let edge = |points: f32, limit: usize| ((points * pixels_per_point).max(0.0) as usize).min(limit);
    let (left, right) = (edge(rect.min.x.floor(), width), edge(rect.max.x.ceil(), width));
    let (top, bottom) = (edge(rect.min.y.floor(), height), edge(rect.max.y.ceil(), height));
    (right > left && bottom > top).then(|| image.region_by_pixels([left, top], [right - left, bottom - top]))
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
    fn a_crop_keeps_the_pixels_inside_the_rect_and_clamps_to_the_image() {
        let (width, height) = (40, 30);
        let pixels: Vec<egui::Color32> =
            (0..width * height).map(|i| egui::Color32::from_rgb((i % width) as u8, (i / width) as u8, 0)).collect();
        let image = egui::ColorImage::new([width, height], pixels);
        // At 2 pixels per point, points (5, 4)..(10, 9) are pixels (10, 8)..(20, 18).
        let rect = egui::Rect::from_min_max(egui::pos2(5.0, 4.0), egui::pos2(10.0, 9.0));
        let Some(part) = crop_image(&image, rect, 2.0) else { panic!("the rect is inside") };
        assert_eq!(part.size, [10, 10]);
        assert_eq!(part.pixels[0], egui::Color32::from_rgb(10, 8, 0), "top left");
        assert_eq!(part.pixels[99], egui::Color32::from_rgb(19, 17, 0), "bottom right");
        let off = egui::Rect::from_min_max(egui::pos2(15.0, 10.0), egui::pos2(100.0, 100.0));
        let half = crop_image(&image, off, 2.0).map(|part| part.size);
        assert_eq!(half, Some([10, 10]), "clamped to 40×30");
        let outside = egui::Rect::from_min_max(egui::pos2(50.0, 50.0), egui::pos2(60.0, 60.0));
        assert!(crop_image(&image, outside, 2.0).is_none());
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
