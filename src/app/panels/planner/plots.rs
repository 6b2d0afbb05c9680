//! The Planner tab's plots: a figure against the axis (one line and 95 %
//! band per design, a dot per point so a lone finished point shows, the
//! answers as vertical marks with the interval their CIs allow, the
//! constraints' levels as dashed lines), a two-axis plan's grid coloured
//! by the figure with the edges where a level is crossed drawn thick, and
//! the Pareto front as cost against worst p99 (a click picks a point).
//! The data comes ready from [`crate::app::plot_data::plan`].

use egui::{Align2, Color32, RichText, Ui};
use egui_plot::{FilledArea, GridMark, HLine, Legend, Line, LineStyle, Plot, PlotPoint, Points, Span, Text, VLine};

use crate::app::PlanRun;
use crate::app::panels::style;
use crate::app::plot_data::plan::{self as data, Curve, Level, Marker, ParetoPoint, XScale, figure_label};
use crate::plan::answer::show_x;
use crate::plan::spec::Axis;
use crate::report::figures::{Unit, thousands, usd};
use crate::report::plan::PointReport;

/// A value on a plot's y axis in its unit.
fn y_text(unit: Unit, y: f64) -> String {
    match unit {
        Unit::Usd => usd(y).trim_end_matches(".00").to_owned(),
        Unit::Percent => format!("{:.1} %", y * 100.0),
        Unit::Ms => format!("{y:.0} ms"),
        Unit::Tenants => format!("{y:.1}"),
        Unit::Requests => thousands(y, 0),
    }
}

/// The plot's height: what is left of the panel, within reason.
fn plot_height(ui: &Ui) -> f32 {
    (ui.available_height() - 8.0).clamp(240.0, 520.0)
}

/// Every design's `key` against the axis, answers and levels marked.
pub fn curve_plot_ui(
    ui: &mut Ui,
    axis: &Axis,
    curves: &[Curve],
    markers: &[Marker],
    levels: &[Level],
    key: &str,
    design_index: impl Fn(&str) -> usize,
) {
    let (label, unit) = figure_label(key);
    let x_unit = if axis.knob.unit().is_empty() { String::new() } else { format!(" ({})", axis.knob.unit()) };
    ui.label(RichText::new(format!("{label} against {}", axis.knob.describe())).strong());
    let top = curves
        .iter()
        .flat_map(|c| c.upper.iter().copied())
        .chain(levels.iter().map(|l| l.y))
        .fold(f64::NEG_INFINITY, f64::max);
    let bottom = curves
        .iter()
        .flat_map(|c| c.lower.iter().copied())
        .chain(levels.iter().map(|l| l.y))
        .fold(f64::INFINITY, f64::min);
    let axis_for_hover = axis.clone();
    // A geometric axis is drawn on a log scale: its points lie evenly apart.
    let scale = XScale::of(axis);
    let smallest_x = curves.iter().flat_map(|c| c.x.iter().copied()).fold(f64::INFINITY, f64::min);
    let curves: Vec<Curve> =
        curves.iter().map(|c| Curve { x: c.x.iter().map(|&x| scale.to_plot(x)).collect(), ..c.clone() }).collect();
    let plot = Plot::new("plan_curve")
        .height(plot_height(ui))
        .legend(
            Legend::default()
                .position(egui_plot::Corner::RightBottom)
                .grouping(egui_plot::LegendGrouping::ById)
                .follow_insertion_order(true)
                .color_conflict_handling(egui_plot::ColorConflictHandling::PickLast)
                .background_alpha(0.85),
        )
        .x_axis_label(format!(
            "{}{x_unit}{}",
            axis.knob.describe(),
            if scale == XScale::Log10 { ", log scale" } else { "" }
        ))
        .y_axis_formatter(move |mark, _| y_text(unit, mark.value))
        .label_formatter(move |hover| {
            let (name, point) = match hover {
                egui_plot::HoverPosition::NearDataPoint { plot_name, position, .. } => (*plot_name, *position),
                egui_plot::HoverPosition::Elsewhere { position } => ("", *position),
            };
            let x = show_x(&axis_for_hover, scale.from_plot(point.x));
            Some(format!("{name}\n{x}: {}", y_text(unit, point.y)))
        })
        .allow_scroll(false)
        .include_y(if bottom.is_finite() && bottom >= 0.0 { 0.0 } else { bottom.min(0.0) });
    let plot = match scale {
        XScale::Linear => plot,
        XScale::Log10 => plot
            .x_grid_spacer(|input| {
                let (lo, hi) = input.bounds;
                data::log_marks(lo, hi).into_iter().map(|m| GridMark { value: m.at, step_size: m.step }).collect()
            })
            .x_axis_formatter(move |mark, _| data::log_tick_text(scale.from_plot(mark.value))),
    };
    plot.show(ui, |plot_ui| {
        for c in &curves {
            let color = style::design_color(design_index(&c.design), false);
            if c.x.len() >= 2 {
                let band = FilledArea::new(&c.design, &c.x, &c.lower, &c.upper);
                plot_ui.add(band.fill_color(color.gamma_multiply(0.22)).allow_hover(false).id(("band", &c.design)));
            }
            plot_ui.line(Line::new(&c.design, c.points()).color(color).width(2.0).id(("band", &c.design)));
            // Unnamed: no legend entry of its own; the line's hover names it.
            plot_ui.points(Points::new("", c.points()).color(color).radius(3.0).filled(true).allow_hover(false));
        }
        let label_y = if top.is_finite() { top } else { 1.0 };
        for m in markers {
            if let Some([lo, hi]) = m.interval {
                let fill = style::GOOD.gamma_multiply(0.12);
                // A log scale has no room for an interval reaching zero:
                // it starts at the smallest value swept.
                let lo = if scale == XScale::Log10 { lo.max(smallest_x) } else { lo };
                plot_ui.span(Span::new("", scale.to_plot(lo)..=scale.to_plot(hi)).fill(fill).border_width(0.0));
            }
            let x = scale.to_plot(m.x);
            plot_ui.vline(VLine::new("", x).color(style::GOOD).width(2.0).allow_hover(false));
            let text = RichText::new(format!(" {}", m.label)).color(style::GOOD).strong().size(14.0);
            plot_ui.text(Text::new("", PlotPoint::new(x, label_y), text).anchor(Align2::LEFT_TOP));
        }
        for l in levels {
            let color = ui_weak_color();
            plot_ui.hline(HLine::new(&l.label, l.y).color(color).style(LineStyle::dashed_dense()).width(1.5));
        }
    });
    if curves.iter().all(|c| c.x.len() < 2) && !curves.is_empty() {
        ui.label(RichText::new("One point so far; the lines join as more finish.").weak());
    }
}

/// The colour of constraint levels: neutral, readable on both themes.
fn ui_weak_color() -> Color32 {
    Color32::from_rgb(150, 150, 160)
}

/// A two-axis plan: one grid per design of `key`, coloured from the
/// smallest to the largest value, the edges where a level is crossed
/// drawn thick.
pub fn grid_ui(ui: &mut Ui, run: &PlanRun, points: &[&PointReport], key: &str, design_index: impl Fn(&str) -> usize) {
    let (label, unit) = figure_label(key);
    let [a, b] = run.spec.axes.as_slice() else { return };
    ui.label(
        RichText::new(format!("{label} over {} (across) and {} (up)", a.knob.describe(), b.knob.describe())).strong(),
    );
    let levels = data::levels(&run.spec, key);
    for design in &run.spec.designs {
        let Some(grid) = data::grid(&run.spec, points, design, key) else { continue };
        let color = style::design_color(design_index(design), false);
        ui.label(RichText::new(design).strong().color(color));
        let (lo, hi) = grid.range;
        let cols = grid.columns.len();
        let rows = grid.rows.len();
        let label_w = 56.0;
        let cell = ((ui.available_width() - label_w - 8.0) / cols as f32).clamp(10.0, 48.0);
        let cell_h = cell.min(26.0);
        let size = egui::vec2(label_w + cell * cols as f32, cell_h * (rows as f32 + 1.0));
        let (rect, response) = ui.allocate_exact_size(size, egui::Sense::hover());
        let painter = ui.painter_at(rect);
        let text_color = ui.visuals().text_color();
        let at = |c: usize, r: usize| {
            // Row 0 (the second axis's first value) at the bottom.
            let x = rect.left() + label_w + cell * c as f32;
            let y = rect.top() + cell_h * (rows - 1 - r) as f32;
            egui::Rect::from_min_size(egui::pos2(x, y), egui::vec2(cell, cell_h))
        };
        let mut hovered = None;
        for r in 0..rows {
            let left = egui::pos2(rect.left() + label_w - 4.0, at(0, r).center().y);
            painter.text(left, Align2::RIGHT_CENTER, &grid.rows[r], egui::FontId::proportional(11.0), text_color);
            for c in 0..cols {
                let cell_rect = at(c, r);
                let fill = match grid.at(c, r) {
                    Some(e) => heat_color(if hi > lo { ((e.mean - lo) / (hi - lo)) as f32 } else { 0.5 }),
                    None => ui.visuals().faint_bg_color,
                };
                painter.rect_filled(cell_rect.shrink(0.5), 0.0, fill);
                if response.hover_pos().is_some_and(|p| cell_rect.contains(p)) {
                    hovered = Some((c, r));
                }
            }
        }
        let step = (cols / 8).max(1);
        for c in (0..cols).step_by(step) {
            let pos = egui::pos2(at(c, 0).center().x, rect.bottom() - cell_h / 2.0);
            painter.text(pos, Align2::CENTER_CENTER, &grid.columns[c], egui::FontId::proportional(11.0), text_color);
        }
        let edge = egui::Stroke::new(3.0, ui.visuals().strong_text_color());
        for level in &levels {
            for (c, r, right) in grid.flips(level.y) {
                let here = at(c, r);
                if right {
                    painter.line_segment([here.right_top(), here.right_bottom()], edge);
                } else {
                    painter.line_segment([here.left_top(), here.right_top()], edge);
                }
            }
        }
        if let Some((c, r)) = hovered
            && let Some(e) = grid.at(c, r)
        {
            response.on_hover_text(format!(
                "{} = {}, {} = {}\n{label}: {}",
                a.knob.describe(),
                grid.columns[c],
                b.knob.describe(),
                grid.rows[r],
                unit.format(e, 0).replace(" of 0", "")
            ));
        }
        ui.label(
            RichText::new(format!(
                "from {} (dark) to {} (light){}",
                y_text(unit, lo),
                y_text(unit, hi),
                if levels.is_empty() { String::new() } else { "; thick edges: where a constraint flips".to_owned() }
            ))
            .small()
            .weak(),
        );
    }
}

/// A dark-blue to yellow scale (readable in both themes), `t` in 0–1.
fn heat_color(t: f32) -> Color32 {
    let stops: [(f32, [u8; 3]); 3] = [(0.0, [38, 70, 140]), (0.5, [33, 150, 140]), (1.0, [250, 220, 60])];
    let t = t.clamp(0.0, 1.0);
    let (i, j) = if t <= 0.5 { (0, 1) } else { (1, 2) };
    let (t0, c0) = stops[i];
    let (t1, c1) = stops[j];
    let f = (t - t0) / (t1 - t0);
    let mix = |k: usize| (f32::from(c0[k]) + (f32::from(c1[k]) - f32::from(c0[k])) * f) as u8;
    Color32::from_rgb(mix(0), mix(1), mix(2))
}

/// The Pareto front; returns the label of the point clicked, if any.
pub fn pareto_ui(ui: &mut Ui, points: &[ParetoPoint], selected: Option<&str>) -> Option<String> {
    let plot = Plot::new("plan_pareto")
        .height(240.0)
        .legend(Legend::default().position(egui_plot::Corner::RightTop))
        .x_axis_label("total cost / month (USD)")
        .y_axis_label("worst p99 (ms)")
        .x_axis_formatter(|mark, _| y_text(Unit::Usd, mark.value))
        .y_axis_formatter(|mark, _| format!("{:.0}", mark.value))
        .allow_scroll(false)
        .set_margin_fraction(egui::vec2(0.08, 0.2));
    let response = plot.show(ui, |plot_ui| {
        let at = |p: &ParetoPoint| [p.cost_usd, p.worst_p99_ms];
        let feasible: Vec<[f64; 2]> = points.iter().filter(|p| p.feasible && !p.best).map(at).collect();
        let not: Vec<[f64; 2]> = points.iter().filter(|p| !p.feasible).map(at).collect();
        let best: Vec<[f64; 2]> = points.iter().filter(|p| p.best).map(at).collect();
        plot_ui.points(Points::new("meets the constraints", feasible).color(style::GOOD).radius(5.0).filled(true));
        plot_ui.points(Points::new("does not", not).color(style::BAD).radius(5.0).filled(true));
        plot_ui.points(Points::new("cheapest", best).color(Color32::from_rgb(255, 202, 40)).radius(8.0).filled(true));
        if let Some(p) = points.iter().find(|p| Some(p.label.as_str()) == selected) {
            let ring = Points::new("", vec![at(p)]).color(Color32::WHITE).radius(11.0).filled(false);
            plot_ui.points(ring);
        }
        // The point nearest the click, within a few points on screen.
        let clicked = plot_ui.response().clicked();
        let pointer = plot_ui.response().interact_pointer_pos().or(plot_ui.response().hover_pos());
        let nearest = pointer.and_then(|pos| {
            points
                .iter()
                .map(|p| (p, plot_ui.screen_from_plot(PlotPoint::new(p.cost_usd, p.worst_p99_ms)).distance(pos)))
                .filter(|(_, d)| *d < 12.0)
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .map(|(p, _)| p.label.clone())
        });
        (clicked, nearest)
    });
    let (clicked, nearest) = response.inner;
    if let Some(label) = &nearest {
        response.response.on_hover_text_at_pointer(label.as_str());
    }
    if clicked { nearest } else { None }
}
