//! Costs: each tenant's monthly cost stacked by layer, one small plot per
//! design on a shared dollar scale, tenants grouped by tier with the tier
//! price drawn across each group (bars above the line lose money); below,
//! the margin of every tier under every design. Scenarios with more than
//! [`MAX_TENANT_BARS`] tenants show each tier's mean tenant instead. The
//! bars come ready-made from [`crate::app::plot_data::costs`].

use egui::{Align2, Color32, RichText, Stroke};
use egui_plot::{Bar, BarChart, Line, LineStyle, PlotPoint, Span, Text};

mod bar_plot;
mod margin;

use bar_plot::usd_bar_plot;
use margin::margin_ui;

use crate::app::panels::plot_axis;
use crate::app::panels::style::{self, LAYER_NAMES};
use crate::app::plot_data::compare::usd;
use crate::app::plot_data::costs::{CostBars, MAX_TENANT_BARS, TierSlots};
use crate::app::{Command, Prepared};

/// Width of a tenant's bar, in slots.
const BAR_WIDTH: f64 = 0.72;
/// Width of a tier's bar (many tenants), in slots.
const AGGREGATE_WIDTH: f64 = 0.6;

/// Draws the cost plots of the design `cost_design` (`None`: all side by
/// side), `selected` the tenant highlighted.
pub fn costs_ui(
    ui: &mut egui::Ui,
    prepared: &Prepared,
    cost_design: &mut Option<usize>,
    selected: Option<&str>,
    presenter: bool,
    commands: &mut Vec<Command>,
) {
    let report = &prepared.report;
    if report.designs.is_empty() || prepared.costs.order.is_empty() {
        ui.label("No tenants to cost.");
        return;
    }
    controls_ui(ui, prepared, cost_design, selected, commands);
    legend_ui(ui, prepared);
    let shown: Vec<usize> = match *cost_design {
        Some(d) if d < report.designs.len() => vec![d],
        _ => (0..report.designs.len()).collect(),
    };
    let columns = shown.len().min(3);
    let rows = shown.len().div_ceil(columns);
    let available = ui.available_height();
    let margin_height = (available * 0.34).clamp(150.0, 360.0);
    let cost_height = ((available - margin_height - 60.0) / rows as f32 - 28.0).max(180.0);
    egui::ScrollArea::vertical().auto_shrink([false, false]).show(ui, |ui| {
        for chunk in shown.chunks(columns) {
            ui.columns(columns, |cols| {
                for (col, &d) in cols.iter_mut().zip(chunk) {
                    design_costs_ui(col, prepared, d, selected, presenter, cost_height, commands);
                }
            });
        }
        ui.add_space(6.0);
        margin_ui(ui, prepared, presenter, margin_height);
    });
}

fn controls_ui(
    ui: &mut egui::Ui,
    prepared: &Prepared,
    cost_design: &mut Option<usize>,
    selected: Option<&str>,
    commands: &mut Vec<Command>,
) {
    let report = &prepared.report;
    // One line whatever is selected, so the plots never jump.
    ui.horizontal(|ui| {
        let label = ui.label("Design");
        let text = cost_design.and_then(|d| report.designs.get(d)).map_or("all, side by side", |d| d.name.as_str());
        let combo = egui::ComboBox::from_id_salt("cost_design").selected_text(text).show_ui(ui, |ui| {
            ui.selectable_value(cost_design, None, "all, side by side");
            for (d, design) in report.designs.iter().enumerate() {
                ui.selectable_value(cost_design, Some(d), &design.name);
            }
        });
        combo.response.labelled_by(label.id);
        ui.separator();
        let tenant = selected.and_then(|id| {
            let d = cost_design.unwrap_or(0).min(report.designs.len() - 1);
            report.designs[d].tenant(id).map(|t| (d, t))
        });
        let text = match tenant {
            Some((d, t)) => {
                if ui.small_button("clear").on_hover_text("Clear the selection").clicked() {
                    commands.push(Command::SelectTenant(None));
                }
                let margin = t.margin_usd_per_month.mean;
                let mut job = egui::text::LayoutJob::default();
                let body = egui::TextStyle::Body.resolve(ui.style());
                let strong = egui::TextFormat::simple(body.clone(), ui.visuals().strong_text_color());
                let normal = egui::TextFormat::simple(body.clone(), ui.visuals().text_color());
                let color = if margin < 0.0 { style::BAD } else { style::GOOD };
                job.append(&format!("Selected {} ({})", t.id, t.tier), 0.0, strong);
                let figures = format!(
                    " · {}: cost {} / month, price {}, ",
                    report.designs[d].name,
                    usd(t.cost_usd_per_month.mean),
                    usd(t.revenue_usd_per_month)
                );
                job.append(&figures, 0.0, normal);
                job.append(&format!("margin {}", usd(margin)), 0.0, egui::TextFormat::simple(body, color));
                egui::WidgetText::from(job)
            }
            None if prepared.costs.aggregate => RichText::new(format!(
                "{} tenants: each bar is a tier's mean tenant (more than {MAX_TENANT_BARS} tenants)",
                prepared.costs.order.len()
            ))
            .weak()
            .into(),
            None => RichText::new("Click a bar to select its tenant · hover for the figures").weak().into(),
        };
        // Wraps: the selected tenant's figures are never cut off.
        ui.add(egui::Label::new(text).wrap());
    });
}

/// Layer colours, the price line and tier colours, once for every plot.
fn legend_ui(ui: &mut egui::Ui, prepared: &Prepared) {
    let strong = ui.visuals().strong_text_color();
    ui.horizontal_wrapped(|ui| {
        // Only the layers something costs in: no database entry without one.
        for (l, name) in LAYER_NAMES.iter().enumerate().filter(|(l, _)| prepared.costs.layers_used[*l]) {
            chip(ui, Chip::Swatch(style::layer_color(l)), name);
        }
        ui.separator();
        chip(ui, Chip::Dashes(strong), "tier price: bars above it lose money");
        ui.separator();
        // The tiers' shaded backgrounds behind their tenants' bars.
        for group in &prepared.costs.tiers {
            let text = format!("{} tenants, price {}", group.name, usd(group.price_usd_per_month));
            chip(ui, Chip::Band(style::tier_color(group.tier)), &text);
        }
    });
}

/// The mark drawn before a legend entry.
enum Chip {
    /// A filled square.
    Swatch(Color32),
    /// A short dashed line.
    Dashes(Color32),
    /// A tier's background shading, outlined in its colour.
    Band(Color32),
}

/// A legend entry as one widget, so a wrapping row never splits it.
fn chip(ui: &mut egui::Ui, mark: Chip, text: &str) {
    let color = ui.visuals().text_color();
    let galley = ui.painter().layout_no_wrap(text.to_owned(), egui::TextStyle::Body.resolve(ui.style()), color);
    let mark_width = if matches!(mark, Chip::Dashes(_)) { 26.0 } else { 14.0 };
    let size = egui::vec2(mark_width + 5.0 + galley.size().x, galley.size().y.max(14.0));
    let (rect, response) = ui.allocate_exact_size(size, egui::Sense::hover());
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, text));
    let y = rect.center().y;
    match mark {
        Chip::Swatch(fill) => {
            let square = egui::Rect::from_center_size(egui::pos2(rect.left() + 7.0, y), egui::vec2(14.0, 14.0));
            ui.painter().rect_filled(square, 2.0, fill);
        }
        Chip::Band(color) => {
            let square = egui::Rect::from_center_size(egui::pos2(rect.left() + 7.0, y), egui::vec2(14.0, 14.0));
            ui.painter().rect_filled(square, 2.0, color.gamma_multiply(TIER_SHADE));
            ui.painter().rect_stroke(square, 2.0, Stroke::new(1.5, color), egui::StrokeKind::Inside);
        }
        Chip::Dashes(stroke) => {
            for k in 0..3 {
                let x = rect.left() + k as f32 * 10.0;
                ui.painter().line_segment([egui::pos2(x, y), egui::pos2(x + 6.0, y)], Stroke::new(2.5, stroke));
            }
        }
    }
    ui.painter().galley(egui::pos2(rect.left() + mark_width + 5.0, y - galley.size().y / 2.0), galley, color);
}

/// One design's cost bars; a click on a bar selects its tenant.
fn design_costs_ui(
    ui: &mut egui::Ui,
    prepared: &Prepared,
    d: usize,
    selected: Option<&str>,
    presenter: bool,
    height: f32,
    commands: &mut Vec<Command>,
) {
    let design = &prepared.report.designs[d];
    let bars = &prepared.costs;
    // Wraps in a narrow column rather than widening it past the panel.
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new(&design.name).strong().size(16.0).color(style::design_color(d, presenter)));
        ui.label(format!("{} / month", usd(design.totals.cost_usd_per_month.mean)));
    });
    let aggregate = bars.aggregate;
    let highlight = ui.visuals().strong_text_color();
    let names: Vec<String> = if aggregate {
        bars.tiers.iter().map(|t| t.name.clone()).collect()
    } else {
        bars.order.iter().map(|&i| design.tenants.get(i).map_or_else(String::new, |t| t.id.clone())).collect()
    };
    let groups =
        if aggregate { Vec::new() } else { bars.tiers.iter().filter(|g| g.first <= g.last).cloned().collect() };
    let x_label = if aggregate { "tiers (mean tenant)" } else { "tenants, by tier" };
    let plot = usd_bar_plot(("cost_bars", d), height, plot_axis::tick_spacing_points(ui), x_label, names, groups, 0.6)
        .include_y(bars.y_top_usd);
    let response = plot.show(ui, |plot_ui| {
        if aggregate {
            tier_bars(plot_ui, prepared, d, highlight);
        } else {
            tenant_bars(plot_ui, prepared, d, selected, highlight);
        }
        (plot_ui.pointer_coordinate(), plot_ui.response().clicked())
    });
    let (pointer, clicked) = response.inner;
    let Some(BarPart { slot, layer }) = pointer.and_then(|p| bar_at(prepared, d, p)) else { return };
    let plot_response = response.response.on_hover_ui_at_pointer(|ui| bar_tooltip_ui(ui, prepared, d, slot, layer));
    if clicked
        && !aggregate
        && let Some(id) = slot_tenant(prepared, d, slot)
    {
        let again = selected == Some(id.as_str());
        commands.push(Command::SelectTenant(if again { None } else { Some(id) }));
    }
    let _ = plot_response;
}

/// The tenant in `slot` of design `d`'s plot.
fn slot_tenant(prepared: &Prepared, d: usize, slot: usize) -> Option<String> {
    let design = prepared.report.designs.get(d)?;
    design.tenants.get(*prepared.costs.order.get(slot)?).map(|t| t.id.clone())
}

/// A point on a cost bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct BarPart {
    /// The bar's slot.
    slot: usize,
    /// The layer of its stack there (`None` just above a short bar).
    layer: Option<usize>,
}

/// The part of a bar under `point` in design `d`'s plot.
fn bar_at(prepared: &Prepared, d: usize, point: PlotPoint) -> Option<BarPart> {
    let bars = &prepared.costs;
    let costs = bars.designs.get(d)?;
    let half = if bars.aggregate { AGGREGATE_WIDTH / 2.0 } else { BAR_WIDTH / 2.0 };
    let slot = point.x.round();
    if slot < 0.0 || (point.x - slot).abs() > half + 0.05 || point.y < 0.0 {
        return None;
    }
    let slot = slot as usize;
    let layers =
        if bars.aggregate { costs.tiers.get(slot)?.mean_by_layer_usd } else { *costs.by_layer_usd.get(slot)? };
    let total: f64 = layers.iter().sum();
    // A little headroom keeps short bars easy to hit.
    if point.y > total + bars.y_top_usd * 0.04 {
        return None;
    }
    let mut top = 0.0;
    let layer = layers.iter().position(|v| {
        top += v;
        point.y <= top
    });
    Some(BarPart { slot, layer })
}

/// What a bar is made of, with the hovered layer in bold.
fn bar_tooltip_ui(ui: &mut egui::Ui, prepared: &Prepared, d: usize, slot: usize, layer: Option<usize>) {
    let bars = &prepared.costs;
    let design = &prepared.report.designs[d];
    let costs = &bars.designs[d];
    let (title, layers, total, price, footer) = if bars.aggregate {
        let (Some(group), Some(tier)) = (bars.tiers.get(slot), costs.tiers.get(slot)) else { return };
        let worst = tier
            .worst
            .as_ref()
            .map_or_else(String::new, |w| format!("most expensive: {} {}", w.id, usd(w.usd_per_month)));
        let title = format!("{} · {} tenants · mean tenant · {}", group.name, tier.tenants, design.name);
        (title, tier.mean_by_layer_usd, tier.mean_usd, group.price_usd_per_month, worst)
    } else {
        let Some(t) = bars.order.get(slot).and_then(|&i| design.tenants.get(i)) else { return };
        let title = format!("{} · {} · {}", t.id, t.tier, design.name);
        let footer = format!("margin {} / month · click to select", usd(t.margin_usd_per_month.mean));
        (title, costs.by_layer_usd[slot], costs.total_usd[slot], t.revenue_usd_per_month, footer)
    };
    ui.label(RichText::new(title).strong());
    egui::Grid::new("cost_tooltip").num_columns(2).spacing([16.0, 2.0]).show(ui, |ui| {
        for (l, name) in LAYER_NAMES.iter().enumerate().filter(|(l, _)| bars.layers_used[*l]) {
            let text = |t: String| if layer == Some(l) { RichText::new(t).strong() } else { RichText::new(t) };
            ui.horizontal(|ui| {
                let (rect, _) = ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
                ui.painter().rect_filled(rect, 2.0, style::layer_color(l));
                ui.label(text((*name).to_owned()));
            });
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| ui.label(text(usd(layers[l]))));
            ui.end_row();
        }
        ui.label(RichText::new("total / month").strong());
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            ui.label(RichText::new(usd(total)).strong())
        });
        ui.end_row();
        ui.label("tier price");
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| ui.label(usd(price)));
        ui.end_row();
    });
    if !footer.is_empty() {
        ui.label(RichText::new(footer).weak());
    }
}

/// Per-tenant bars stacked by layer, tier backgrounds and price lines.
fn tenant_bars(
    plot_ui: &mut egui_plot::PlotUi<'_>,
    prepared: &Prepared,
    d: usize,
    selected: Option<&str>,
    highlight: Color32,
) {
    let bars = &prepared.costs;
    let design = &prepared.report.designs[d];
    let costs = &bars.designs[d];
    tier_backgrounds(plot_ui, bars);
    let mut charts: Vec<BarChart> = Vec::with_capacity(4);
    for (l, layer) in LAYER_NAMES.iter().enumerate() {
        let fill = style::layer_color(l);
        let items: Vec<Bar> = bars
            .order
            .iter()
            .enumerate()
            .map(|(slot, &i)| {
                let selected = design.tenants.get(i).is_some_and(|t| selected == Some(t.id.as_str()));
                let stroke = if selected { Stroke::new(2.0, highlight) } else { Stroke::NONE };
                Bar::new(slot as f64, costs.by_layer_usd[slot][l]).width(BAR_WIDTH).fill(fill).stroke(stroke)
            })
            .collect();
        let below: Vec<&BarChart> = charts.iter().collect();
        // Hover is ours (a tooltip with every layer), not egui_plot's.
        let chart = BarChart::new(*layer, items).color(fill).allow_hover(false).stack_on(&below);
        charts.push(chart);
    }
    for chart in charts {
        plot_ui.bar_chart(chart);
    }
    price_lines(plot_ui, bars, BAR_WIDTH / 2.0 + 0.1, highlight);
}

/// Each tier's mean tenant, stacked by layer (scenarios with many tenants).
fn tier_bars(plot_ui: &mut egui_plot::PlotUi<'_>, prepared: &Prepared, d: usize, color: Color32) {
    let bars = &prepared.costs;
    let costs = &bars.designs[d];
    let mut charts: Vec<BarChart> = Vec::with_capacity(4);
    for (l, layer) in LAYER_NAMES.iter().enumerate() {
        let fill = style::layer_color(l);
        let items: Vec<Bar> = costs
            .tiers
            .iter()
            .enumerate()
            .map(|(k, tier)| Bar::new(k as f64, tier.mean_by_layer_usd[l]).width(AGGREGATE_WIDTH).fill(fill))
            .collect();
        let below: Vec<&BarChart> = charts.iter().collect();
        charts.push(BarChart::new(*layer, items).color(fill).allow_hover(false).stack_on(&below));
    }
    for chart in charts {
        plot_ui.bar_chart(chart);
    }
    for (k, group) in bars.tiers.iter().enumerate() {
        price_marker(plot_ui, group, k as f64 - 0.4, k as f64 + 0.4, bars.y_top_usd, color);
    }
}

/// How strongly a tier's colour shades its tenants' background.
const TIER_SHADE: f32 = 0.16;

/// A faint background per tier, labelled with the tier name.
fn tier_backgrounds(plot_ui: &mut egui_plot::PlotUi<'_>, bars: &CostBars) {
    for group in bars.tiers.iter().filter(|g| g.first <= g.last) {
        let color = style::tier_color(group.tier);
        let range = group.first as f64 - 0.5..=group.last as f64 + 0.5;
        plot_ui.span(Span::new(group.name.clone(), range).fill(color.gamma_multiply(TIER_SHADE)).border_width(0.0));
    }
}

/// The tier price across each tier's tenants.
fn price_lines(plot_ui: &mut egui_plot::PlotUi<'_>, bars: &CostBars, overhang: f64, color: Color32) {
    for group in bars.tiers.iter().filter(|g| g.first <= g.last) {
        let (left, right) = (group.first as f64 - overhang, group.last as f64 + overhang);
        price_marker(plot_ui, group, left, right, bars.y_top_usd, color);
    }
}

/// A tier's price as a dashed line from `left` to `right`; a price above
/// the axis top is drawn at the top with its value and an arrow (without
/// the tier's name when the plot is too narrow for it).
fn price_marker(
    plot_ui: &mut egui_plot::PlotUi<'_>,
    group: &TierSlots,
    left: f64,
    right: f64,
    top: f64,
    color: Color32,
) {
    let price = group.price_usd_per_month;
    let above = price > top;
    let y = if above { top * 0.985 } else { price };
    let name = format!("{} price {}", group.name, usd(price));
    let line = Line::new(name.clone(), vec![[left, y], [right, y]]).color(color).width(2.5);
    plot_ui.line(line.style(LineStyle::Dashed { length: 8.0 }));
    if above {
        let font = egui::FontId::proportional(13.0);
        let long = format!("{} price {} ↑", group.name, usd(price));
        let long_width = plot_ui.ctx().fonts_mut(|f| f.layout_no_wrap(long.clone(), font, color).size().x);
        let room = plot_ui.screen_from_plot(PlotPoint::new(right, y)).x - plot_ui.transform().frame().left();
        let text = if long_width <= room { long } else { format!("{} ↑", usd(price)) };
        let text = RichText::new(text).color(color).size(13.0);
        plot_ui.text(Text::new(name, PlotPoint::new(right, y), text).anchor(Align2::RIGHT_TOP));
    }
}

#[cfg(test)]
mod tests {
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;

    use super::*;
    use crate::app::ViewState;
    use crate::app::plot_data::tests::noisy_prepared;

    type State = (Prepared, ViewState, Vec<Command>);

    fn harness(view: ViewState) -> Harness<'static, State> {
        Harness::builder()
            .with_size(egui::vec2(1200.0, 800.0))
            .with_context_setup(crate::app::panels::style::install_fonts)
            .build_ui_state(
                |ui, (p, view, cmds): &mut State| {
                    costs_ui(ui, p, &mut view.cost_design, view.selected_tenant.as_deref(), false, cmds);
                },
                (noisy_prepared(), view, Vec::new()),
            )
    }

    #[test]
    fn shows_every_design_the_layers_and_the_tier_prices() {
        let mut harness = harness(ViewState::default());
        harness.run_steps(3);
        for name in
            ["Margin per tier", "gateway", "compute", "basic tenants, price $99.00", "premium tenants, price $999.00"]
        {
            assert!(harness.query_by_label(name).is_some(), "{name}");
        }
        // The example has no database layer: no legend entry for one.
        assert!(harness.query_by_label("database").is_none());
        // Each design: its cost plot's title and its entry in the margin legend.
        for name in ["pool", "silo", "bridge"] {
            assert_eq!(harness.query_all_by_label(name).count(), 2, "{name}");
        }
    }

    #[test]
    fn one_design_can_be_chosen_and_a_selection_shown_and_cleared() {
        let view = ViewState { cost_design: Some(1), selected_tenant: Some("acme".into()), ..ViewState::default() };
        let mut harness = harness(view);
        harness.run_steps(3);
        assert_eq!(
            harness.query_all_by_label("pool").count(),
            1,
            "only the chosen design is plotted (pool: legend only)"
        );
        assert_eq!(harness.query_all_by_label("silo").count(), 2);
        assert!(harness.query_by_label_contains("Selected acme (premium)").is_some());
        harness.get_by_label("clear").click();
        harness.run_steps(1);
        assert_eq!(harness.state().2.last(), Some(&Command::SelectTenant(None)));
    }

    #[test]
    fn the_pointer_finds_the_bar_and_layer_under_it() {
        let p = noisy_prepared();
        let design = &p.report.designs[0];
        let slot = p.costs.order.iter().position(|&i| design.tenants[i].id == "globex").unwrap_or(0);
        let on_bar = PlotPoint::new(slot as f64 + 0.1, 0.5);
        let BarPart { slot: found, layer } = bar_at(&p, 0, on_bar).unwrap_or(BarPart { slot: usize::MAX, layer: None });
        assert_eq!(slot_tenant(&p, 0, found).as_deref(), Some("globex"));
        assert_eq!(layer, Some(0), "the bottom of the stack is the gateway");
        let between = PlotPoint::new(slot as f64 + 0.5, 1.0);
        assert_eq!(bar_at(&p, 0, between), None);
        let far_above = PlotPoint::new(slot as f64, p.costs.y_top_usd * 0.9);
        assert_eq!(bar_at(&p, 0, far_above), None, "pool bars are far below the shared maximum");
    }
}
