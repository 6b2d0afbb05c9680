//! How wide the side panels are. The results in the middle keep at least
//! [`MIN_RESULTS_WIDTH`] whenever the window allows it: on a small window
//! (1280 × 720) the lesson and then the editor give way, down to their
//! own minimum widths. The editor is as wide as the user last dragged it
//! (a preference) whenever there is room, and comes back to that width
//! when the window grows again.

use egui::PanelState;

/// Least width of the results (the central panel), points: the comparison
/// of three designs, three cost plots and the timelines' minutes axis
/// stay readable.
pub const MIN_RESULTS_WIDTH: f32 = 640.0;
/// Least width of the editor panel, points.
pub const MIN_EDITOR_WIDTH: f32 = 320.0;
/// Least width of the lesson panel, points.
pub const MIN_LESSON_WIDTH: f32 = 240.0;

/// The side panels' widths for one frame, points (0 for a panel not
/// shown).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SideWidths {
    /// The editor (left).
    pub editor: f32,
    /// The lesson (right).
    pub lesson: f32,
}

/// The side panels' widths in a window `window` points wide: the lesson
/// at its usual width (wider in presenter mode) unless that leaves less
/// than the least editor and results widths, then the editor at the
/// user's width `editor_pref` unless that squeezes the results; neither
/// below its own minimum. Presenter mode has no editor.
pub fn side_widths(window: f32, editor_pref: f32, lesson: bool, presenter: bool) -> SideWidths {
    let editor_min = if presenter { 0.0 } else { MIN_EDITOR_WIDTH };
    let lesson = if lesson {
        let usual: f32 = if presenter { 420.0 } else { 340.0 };
        usual.min(window - MIN_RESULTS_WIDTH - editor_min).max(MIN_LESSON_WIDTH)
    } else {
        0.0
    };
    let editor =
        if presenter { 0.0 } else { editor_pref.min(window - lesson - MIN_RESULTS_WIDTH).max(MIN_EDITOR_WIDTH) };
    SideWidths { editor, lesson }
}

/// Makes the side panel `id_salt`, shown next in `ui`, start this frame
/// at `width` when that changed since the last frame (the window was
/// resized, or the user's width changed) and the user is not dragging
/// anything: egui otherwise keeps a panel at its last width. A width the
/// user drags the panel to is kept until then.
pub fn follow_width(ui: &egui::Ui, id_salt: &str, width: f32) {
    // A panel's id is its parent's with its salt (egui's `Panel::id`).
    let id = ui.scope_id().with(id_salt);
    let last_id = id.with("followed_width");
    let last: Option<f32> = ui.data(|d| d.get_temp(last_id));
    if last.is_some_and(|last| (last - width).abs() <= 0.5) || ui.input(|i| i.pointer.any_down()) {
        return;
    }
    ui.data_mut(|d| d.insert_temp(last_id, width));
    let stale = PanelState::load(ui.ctx(), id).is_some_and(|state| (state.size().x - width).abs() > 0.5);
    if stale {
        ui.ctx().data_mut(|d| d.remove::<PanelState>(id));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_results_keep_their_width_on_a_small_window() {
        // 1280 × 720 with a lesson: both side panels give way.
        let small = side_widths(1280.0, 460.0, true, false);
        assert_eq!(small, SideWidths { editor: MIN_EDITOR_WIDTH, lesson: 320.0 });
        assert!(1280.0 - small.editor - small.lesson >= MIN_RESULTS_WIDTH);
        // Without a lesson the editor keeps the user's width.
        assert_eq!(side_widths(1280.0, 460.0, false, false).editor, 460.0);
        // A large window: the usual widths.
        assert_eq!(side_widths(1600.0, 460.0, true, false), SideWidths { editor: 460.0, lesson: 340.0 });
        // In between, the editor gives way first.
        assert_eq!(side_widths(1366.0, 460.0, true, false).editor, 1366.0 - 340.0 - MIN_RESULTS_WIDTH);
        // Presenter mode: no editor, the larger lesson while it fits.
        assert_eq!(side_widths(1280.0, 460.0, true, true), SideWidths { editor: 0.0, lesson: 420.0 });
        // Too small for everything: the minimums, the results get the rest.
        assert_eq!(side_widths(900.0, 460.0, true, false), SideWidths { editor: 320.0, lesson: 240.0 });
    }

    #[test]
    fn a_panel_follows_its_width_when_the_window_changes() {
        let width = std::rc::Rc::new(std::cell::Cell::new(460.0_f32));
        let shown = std::rc::Rc::new(std::cell::Cell::new(0.0_f32));
        let (w, s) = (width.clone(), shown.clone());
        let mut harness = egui_kittest::Harness::builder().with_size(egui::vec2(1200.0, 600.0)).build_ui(move |ui| {
            follow_width(ui, "side", w.get());
            let panel = egui::Panel::left("side").resizable(true).default_size(w.get()).min_size(100.0);
            // Content that fills the panel, as the editor's does.
            let response = panel.show(ui, |ui| ui.allocate_space(ui.available_size()));
            s.set(response.response.rect.width());
        });
        harness.run_steps(2);
        assert!((shown.get() - 460.0).abs() < 1.0, "{}", shown.get());
        width.set(330.0);
        harness.run_steps(2);
        assert!((shown.get() - 330.0).abs() < 1.0, "narrower: {}", shown.get());
        width.set(460.0);
        harness.run_steps(2);
        assert!((shown.get() - 460.0).abs() < 1.0, "back to the user's width: {}", shown.get());
    }
}
