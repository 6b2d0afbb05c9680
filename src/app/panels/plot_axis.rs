//! The axis grids every plot shares: labelled ticks on round steps, far
//! enough apart to read at the current text size (value axes) or for
//! egui_plot to draw their labels at all (the minutes axis), with finer
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

/// Least room between two labels of an x axis: egui_plot leaves out x
/// labels closer than 60 points and fades them in up to 80. (Its own
/// grid steps by powers of ten: on a narrow plot an hour's minutes axis
/// was labelled "0" alone, 10 minutes being too close and 100 too far.)
pub const X_LABEL_POINTS: f64 = 80.0;

/// A grid spacer (x or y): labelled ticks at least `min_points` apart, on
/// the smallest step `accept` takes (see [`tick_step`]).
pub fn grid<'a>(min_points: f64, accept: impl Fn(f64) -> bool + 'a) -> impl Fn(GridInput) -> Vec<GridMark> + 'a {
    move |input: GridInput| {
        let min_step = input.base_step_size / BASE_STEP_POINTS * min_points;
        let step = tick_step(min_step, &accept);
        tick_marks(input.bounds.0, input.bounds.1, step)
            .into_iter()
            .map(|tick| GridMark { value: tick.value, step_size: tick.step })
            .collect()
    }
}
