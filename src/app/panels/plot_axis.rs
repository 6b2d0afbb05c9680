//! The value (y) axis grid every plot shares: labelled ticks on round
//! steps, far enough apart to read at the current text size, with finer
//! unlabelled lines between them. The step arithmetic is pure and lives in
//! [`crate::app::plot_data`]; this file only adapts it to egui_plot.

use egui_plot::{GridInput, GridMark};

use crate::app::plot_data::{tick_marks, tick_step};

/// Points egui_plot's `base_step_size` stands for (its default smallest
/// grid spacing, which no plot here changes).
const BASE_STEP_POINTS: f64 = 8.0;

/// Least room between two tick labels: about two lines of body text, and
/// never less than egui_plot needs to draw a label at full strength.
pub fn tick_spacing_points(ui: &egui::Ui) -> f64 {
    f64::from(ui.text_style_height(&egui::TextStyle::Body) * 1.8).max(30.0)
}

/// A y grid spacer: labelled ticks at least `min_points` apart, on the
/// smallest step `accept` takes (see [`tick_step`]).
pub fn y_grid<'a>(min_points: f64, accept: impl Fn(f64) -> bool + 'a) -> impl Fn(GridInput) -> Vec<GridMark> + 'a {
    move |input: GridInput| {
        let min_step = input.base_step_size / BASE_STEP_POINTS * min_points;
        let step = tick_step(min_step, &accept);
        tick_marks(input.bounds.0, input.bounds.1, step)
            .into_iter()
            .map(|tick| GridMark { value: tick.value, step_size: tick.step })
            .collect()
    }
}
