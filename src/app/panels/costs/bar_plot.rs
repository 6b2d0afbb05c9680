//! The frame both cost plots share (the cost bars per design and the
//! margin per tier): named slots along x, dollars per month up y from
//! zero, and nothing that pans or zooms. The bars and their hover text are
//! the callers'; this file only builds the empty plot.

use std::cell::Cell;
use std::rc::Rc;

use egui_plot::{AxisHints, GridInput, GridMark, Plot};

use crate::app::panels::plot_axis;
use crate::app::plot_data::costs::TierSlots;
use crate::app::plot_data::is_round_step;

/// Points reserved for the dollar labels of the y axis.
const Y_AXIS_WIDTH: f32 = 44.0;

/// A bar plot with one slot per entry of `names` (labelled as
/// [`slot_axis`] does, the x axis titled `x_label`) and USD per month up the
/// y axis, starting at zero. `x_margin_slots` is the room left of the first
/// slot's centre and right of the last's. Dollar ticks are round and at
/// least `tick_points` apart (see [`plot_axis::grid`]). Fixed: no drag,
/// zoom or reset.
pub(super) fn usd_bar_plot<'a>(
    id: impl egui::AsIdSalt,
    height: f32,
    tick_points: f64,
    x_label: &str,
    names: Vec<String>,
    groups: Vec<TierSlots>,
    x_margin_slots: f64,
) -> Plot<'a> {
    let slots = names.len() as f64;
    let (axis, spacer) = slot_axis(x_label, names, groups);
    Plot::new(id)
        .height(height)
        .custom_x_axes(vec![axis])
        .x_grid_spacer(spacer)
        .y_axis_label("USD / month")
        .y_axis_formatter(|mark, _| usd_short(mark.value))
        .y_grid_spacer(plot_axis::grid(tick_points, is_round_step))
        .y_axis_min_width(Y_AXIS_WIDTH)
        .include_x(-x_margin_slots)
        .include_x(slots - 1.0 + x_margin_slots)
        .include_y(0.0)
        .show_grid([false, true])
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .allow_double_click_reset(false)
        .show_x(false)
        .show_y(false)
}

/// X axis labelling every bar when the labels fit, else each tier group
/// at its centre (`groups`: the tiers with tenants).
fn slot_axis<'a>(
    label: &str,
    names: Vec<String>,
    groups: Vec<TierSlots>,
) -> (AxisHints<'a>, impl Fn(GridInput) -> Vec<GridMark> + 'a) {
    let widest = names.iter().map(|n| n.chars().count()).max().unwrap_or(4) as f64;
    let n = names.len();
    let by_group = Rc::new(Cell::new(false));
    let centres: Vec<f64> = groups.iter().map(|g| (g.first + g.last) as f64 / 2.0).collect();
    let mode = Rc::clone(&by_group);
    let marks = centres.clone();
    let hints = AxisHints::new_x().label(label.to_owned()).label_spacing(10.0..=12.0).formatter(move |mark, _| {
        if mode.get() {
            let k = centres.iter().position(|c| (c - mark.value).abs() < 1e-6);
            return k.map_or_else(String::new, |k| groups[k].name.clone());
        }
        let k = mark.value.round();
        if (mark.value - k).abs() < 1e-6 && k >= 0.0 && (k as usize) < names.len() {
            names[k as usize].clone()
        } else {
            String::new()
        }
    });
    let spacer = move |input: GridInput| {
        // base_step_size is 8 points' worth of plot units.
        let points_per_slot = 8.0 / input.base_step_size.max(1e-9);
        let stride = ((widest * 7.5 + 12.0) / points_per_slot).ceil().max(1.0) as usize;
        by_group.set(stride > 1 && !marks.is_empty());
        if by_group.get() {
            marks.iter().map(|&value| GridMark { value, step_size: n as f64 }).collect()
        } else {
            (0..n).map(|k| GridMark { value: k as f64, step_size: 1.0 }).collect()
        }
    };
    (hints, spacer)
}

/// A dollar figure short enough for an axis: `$250`, `$12k`, `−$300`.
fn usd_short(value: f64) -> String {
    let sign = if value < -0.5 { "−" } else { "" };
    let value = value.abs();
    if value >= 10_000.0 { format!("{sign}${:.0}k", value / 1000.0) } else { format!("{sign}${value:.0}") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::panels::testing::painted_texts;

    #[test]
    fn the_shared_frame_names_the_slots_and_counts_dollars_from_zero() {
        let names = vec!["acme".to_owned(), "globex".to_owned(), "initech".to_owned()];
        let mut harness = egui_kittest::Harness::builder().with_size(egui::vec2(600.0, 300.0)).build_ui(move |ui| {
            usd_bar_plot("test_bars", 260.0, 30.0, "tenants", names.clone(), Vec::new(), 0.6)
                .include_y(40_000.0)
                .show(ui, |_| {});
        });
        harness.run_steps(2);
        let texts: Vec<String> = painted_texts(harness.output()).into_iter().map(|t| t.text).collect();
        for expected in ["USD / month", "tenants", "acme", "globex", "initech", "$0", "$20k"] {
            assert!(texts.iter().any(|t| t == expected), "{expected} in {texts:?}");
        }
    }

    #[test]
    fn axis_dollars_are_short() {
        assert_eq!(usd_short(250.0), "$250");
        assert_eq!(usd_short(12_000.0), "$12k");
        assert_eq!(usd_short(-300.0), "−$300");
        assert_eq!(usd_short(-0.2), "$0");
    }
}
