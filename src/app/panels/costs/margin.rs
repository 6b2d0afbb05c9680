//! The margin plot under the cost bars: every tier's margin (and all
//! tiers') under every design, as grouped bars, losses in red.

use egui::{RichText, Stroke};
use egui_plot::{Bar, BarChart, HLine, Legend};

use super::bar_plot::usd_bar_plot;
use crate::app::Prepared;
use crate::app::panels::{plot_axis, style};
use crate::app::plot_data::compare::usd;

/// Margin per tier (and over all tiers) for every design, as grouped bars.
pub(super) fn margin_ui(ui: &mut egui::Ui, prepared: &Prepared, presenter: bool, height: f32) {
    let report = &prepared.report;
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new("Margin per tier").strong().size(16.0));
        ui.label(RichText::new("revenue − attributed cost, per month · red: losing money").weak());
    });
    let n = report.designs.len();
    let group_width = 0.8;
    let width = group_width / n as f64;
    let mut names: Vec<String> = report.tiers.clone();
    // With one tier its bar already is the total.
    if report.tiers.len() > 1 {
        names.push("all tiers".to_owned());
    }
    let groups = names.len();
    let plot = usd_bar_plot("margin_bars", height, plot_axis::tick_spacing_points(ui), "", names, Vec::new(), 0.5)
        .legend(Legend::default().position(egui_plot::Corner::RightTop).follow_insertion_order(true));
    let zero = ui.visuals().weak_text_color();
    let margins = report
        .designs
        .iter()
        .flat_map(|d| d.tiers.iter().map(|t| t.margin_usd_per_month.mean).chain([d.totals.margin_usd_per_month.mean]));
    let (low, high) = margins.fold((0.0, 0.0), |(lo, hi): (f64, f64), m| (lo.min(m), hi.max(m)));
    // Room at the top right for the legend.
    let plot = plot.include_y(high + 0.45 * (high - low).max(1.0)).include_y(low * 1.05);
    let response = plot.show(ui, |plot_ui| {
        plot_ui.hline(HLine::new("", 0.0).color(zero).width(1.0));
        for (d, design) in report.designs.iter().enumerate() {
            let color = style::design_color(d, presenter);
            let offset = (d as f64 - (n as f64 - 1.0) / 2.0) * width;
            let items: Vec<Bar> = (0..groups)
                .filter_map(|k| margin_figure(design, k).map(|f| (k, f)))
                .map(|(k, figure)| {
                    let margin = figure.margin.mean;
                    let fill = if margin < 0.0 { style::BAD } else { color };
                    let bar = Bar::new(k as f64 + offset, margin).width(width * 0.9);
                    bar.fill(fill.gamma_multiply(0.85)).stroke(Stroke::new(2.0, color))
                })
                .collect();
            // Hover is ours (a tooltip), not egui_plot's text in the plot.
            plot_ui.bar_chart(BarChart::new(design.name.clone(), items).color(color).allow_hover(false));
        }
        plot_ui.pointer_coordinate()
    });
    let hovered = response.inner.and_then(|point| {
        let k = point.x.round();
        let d = ((point.x - k + group_width / 2.0) / width).floor();
        if k < 0.0 || k >= groups as f64 || d < 0.0 || d >= n as f64 {
            return None;
        }
        let design = report.designs.get(d as usize)?;
        let figure = margin_figure(design, k as usize)?;
        let centre = k + (d - (n as f64 - 1.0) / 2.0) * width;
        let margin = figure.margin.mean;
        let inside = (point.x - centre).abs() <= width * 0.45
            && point.y * margin.signum() >= 0.0
            && point.y.abs() <= margin.abs();
        inside.then_some((design, figure))
    });
    if let Some((design, f)) = hovered {
        response.response.on_hover_ui_at_pointer(|ui| {
            let ci = if f.margin.ci95 > 0.005 {
                format!(" ± {}", usd(f.margin.ci95).trim_start_matches('$'))
            } else {
                String::new()
            };
            let per_tenant = if f.tenants > 0 { usd(f.margin.mean / f.tenants as f64) } else { "–".to_owned() };
            ui.label(RichText::new(format!("{} · {}", design.name, f.tier)).strong());
            let color = if f.margin.mean < 0.0 { style::BAD } else { style::GOOD };
            ui.label(RichText::new(format!("margin {}{ci} / month", usd(f.margin.mean))).color(color));
            ui.label(format!("revenue {} − cost {}", usd(f.revenue_usd), usd(f.cost_usd)));
            ui.label(format!("per tenant {per_tenant} ({} tenants)", f.tenants));
        });
    }
}

/// One bar of the margin plot: a tier's figures, or all tiers' at the
/// index after the last tier.
struct MarginFigure<'a> {
    tier: &'a str,
    tenants: usize,
    margin: crate::report::Estimate,
    revenue_usd: f64,
    cost_usd: f64,
}

fn margin_figure(design: &crate::report::DesignReport, k: usize) -> Option<MarginFigure<'_>> {
    match design.tiers.get(k) {
        Some(t) => Some(MarginFigure {
            tier: &t.name,
            tenants: t.tenants,
            margin: t.margin_usd_per_month,
            revenue_usd: t.revenue_usd_per_month,
            cost_usd: t.cost_usd_per_month.mean,
        }),
        None if k == design.tiers.len() => Some(MarginFigure {
            tier: "all tiers",
            tenants: design.tenants.len(),
            margin: design.totals.margin_usd_per_month,
            revenue_usd: design.totals.revenue_usd_per_month,
            cost_usd: design.totals.cost_usd_per_month.mean,
        }),
        None => None,
    }
}
