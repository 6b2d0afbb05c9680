//! The timelines' "each tenant, overlaid" scope: one line per tenant
//! (offered requests, p99 latency), each design's tenants under one legend
//! entry (each tier's, in its colour, when one design is shown), a click on
//! a line selecting its tenant, and the selected tenant picked out: drawn last, thick, in its
//! design's full colour, with its band and its own legend entry, while the
//! others fade back. Every line keeps its name, so hovering still tells
//! whose figure it is.

use egui::Color32;
use egui_plot::{AxisHints, Line, LineStyle, PlotPoint, PlotUi};

use super::{PlotCtx, Series, Shown, band_line_width, hover, title_ui};
use crate::app::panels::style;
use crate::app::plot_data::{BandLine, FlowLines};
use crate::report::Flow;

/// How one tenant's line is drawn when every tenant is overlaid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct TenantLineStyle {
    /// Line colour.
    pub(super) color: Color32,
    /// Line width, points.
    pub(super) width: f32,
}

/// The selected tenant stands out in its design's full colour and thick;
/// once a tenant is selected the others fade back; with no selection
/// every tenant is drawn alike.
pub(super) fn tenant_line_style(is_selected: bool, any_selected: bool, base: Color32) -> TenantLineStyle {
    match (is_selected, any_selected) {
        (true, _) => TenantLineStyle { color: base, width: 3.5 },
        (false, true) => TenantLineStyle { color: base.gamma_multiply(0.5), width: 1.0 },
        (false, false) => TenantLineStyle { color: base.gamma_multiply(0.8), width: 1.5 },
    }
}

/// Every tenant's `pick` line, design by design, each design's tenants
/// under one legend entry; the selected tenant's lines last (on top),
/// with their band and their own legend entry. Every line keeps its name
/// for hovering. `what` names the figure in the hover text.
pub(super) fn tenant_lines(
    plot_ui: &mut PlotUi<'_>,
    ctx: &PlotCtx<'_>,
    selected: Option<&str>,
    what: &str,
    pick: impl Fn(&FlowLines) -> &BandLine,
) {
    let several = ctx.several();
    let mut chosen: Vec<(&Shown<'_>, &FlowLines)> = Vec::new();
    let tiers = &ctx.prepared.report.tiers;
    for s in ctx.shown {
        // Several designs: a colour per design. One design: a colour per
        // tier, so the tenants of each tier read as a group.
        let groups: Vec<(String, Color32, Option<usize>)> = if several {
            vec![(s.design.name.clone(), ctx.color(s.index), None)]
        } else {
            tiers.iter().enumerate().map(|(k, t)| (format!("tier {t}"), style::tier_color(k), Some(k))).collect()
        };
        for (g, (group, color, tier)) in groups.iter().enumerate() {
            let other = tenant_line_style(false, selected.is_some(), *color);
            // An empty line names the group: the legend groups by id and
            // takes the first name, so it lists the group once, not every
            // tenant. (`add`, since `PlotUi::line` drops lines without points.)
            let id = ("tenants", s.index, g);
            plot_ui.add(Line::new(group.clone(), Vec::<[f64; 2]>::new()).color(other.color).width(other.width).id(id));
            let members = s.design.tenants.iter().filter(|f| tier.is_none_or(|k| tenant_tier(ctx, &f.name) == Some(k)));
            for flow in members {
                if selected == Some(flow.name.as_str()) {
                    chosen.push((s, flow));
                    continue;
                }
                let hover = if several {
                    format!("{} {} {what}", s.design.name, flow.name)
                } else {
                    format!("{} {what}", flow.name)
                };
                let line = Line::new(hover, pick(flow).mean.clone()).color(other.color).width(other.width).id(id);
                plot_ui.line(line);
            }
        }
    }
    if plot_ui.response().clicked()
        && let Some(pointer) = plot_ui.pointer_coordinate()
    {
        *ctx.clicked.borrow_mut() = nearest_tenant(plot_ui, ctx, &pick, pointer);
    }
    for (s, flow) in chosen {
        let base = match tenant_tier(ctx, &flow.name).filter(|_| !several) {
            Some(k) => style::tier_color(k),
            None => ctx.color(s.index),
        };
        let style = tenant_line_style(true, true, base);
        let legend = if several { format!("{} {}", s.design.name, flow.name) } else { flow.name.clone() };
        let hover = format!("{legend} {what}");
        let series = Series { legend: &legend, hover: &hover, id: ("selected", s.index) };
        band_line_width(plot_ui, &series, pick(flow), style.color, LineStyle::Solid, style.width);
    }
}

/// The tier index of tenant `id` (as the report lists its tiers).
fn tenant_tier(ctx: &PlotCtx<'_>, id: &str) -> Option<usize> {
    let report = &ctx.prepared.report;
    let tenant = report.designs.first()?.tenants.iter().find(|t| t.id == id)?;
    report.tiers.iter().position(|t| *t == tenant.tier)
}

/// The tenant whose line passes closest to `pointer`, within a few points
/// on screen (a click on a line selects its tenant).
fn nearest_tenant(
    plot_ui: &PlotUi<'_>,
    ctx: &PlotCtx<'_>,
    pick: &impl Fn(&FlowLines) -> &BandLine,
    pointer: PlotPoint,
) -> Option<String> {
    const REACH_POINTS: f32 = 8.0;
    let at = plot_ui.screen_from_plot(pointer);
    let mut best: Option<(f32, &str)> = None;
    for flow in ctx.shown.iter().flat_map(|s| s.design.tenants.iter()) {
        let points = &pick(flow).mean;
        // The point nearest the pointer's minute (x ascends).
        let k = points.partition_point(|p| p[0] < pointer.x);
        for p in [k.checked_sub(1), Some(k)].into_iter().flatten().filter_map(|k| points.get(k)) {
            let distance = plot_ui.screen_from_plot(PlotPoint::new(p[0], p[1])).distance(at);
            if distance <= REACH_POINTS && best.is_none_or(|(d, _)| distance < d) {
                best = Some((distance, &flow.name));
            }
        }
    }
    best.map(|(_, name)| name.to_owned())
}

/// Legend entries and lines of an every-tenant plot: one entry per
/// design, one per selected tenant's line; every tenant's line.
pub(super) fn tenant_fit<'a>(
    ctx: &PlotCtx<'a>,
    pick: impl Fn(&'a FlowLines) -> &'a BandLine,
) -> (usize, Vec<&'a BandLine>) {
    let selected = ctx.each_tenant.flatten();
    let lines: Vec<&BandLine> = ctx.shown.iter().flat_map(|s| s.design.tenants.iter().map(&pick)).collect();
    let chosen =
        ctx.shown.iter().filter(|s| s.design.tenants.iter().any(|f| Some(f.name.as_str()) == selected)).count();
    let groups = if ctx.several() { ctx.shown.len() } else { ctx.prepared.report.tiers.len() };
    (ctx.prepared.events.len() + groups + chosen, lines)
}

/// Requests per second offered by each tenant, overlaid.
pub(super) fn each_tenant_requests_ui(ui: &mut egui::Ui, ctx: &PlotCtx<'_>, selected: Option<&str>, height: f32) {
    let caption = match selected {
        Some(id) => format!("offered by each tenant · {id} highlighted"),
        None => "offered by each tenant · select a tenant to pick it out".to_owned(),
    };
    title_ui(ui, "Requests per second", &caption);
    let (entries, lines) = tenant_fit(ctx, |f| f.line(Flow::Offered));
    let (corner, top) = ctx.legend_fit(&lines, 0.0, entries, height);
    let plot = ctx.plot("timeline_requests", height, corner, AxisHints::new_y().label("requests/s"), None);
    plot.include_y(top).label_formatter(hover("req/s", 1)).show(ui, |plot_ui| {
        ctx.events(plot_ui);
        tenant_lines(plot_ui, ctx, selected, "offered", |f| f.line(Flow::Offered));
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::panels::style;

    #[test]
    fn the_selected_tenant_stands_out_among_every_tenant() {
        let base = style::design_color(0, false);
        let alone = tenant_line_style(false, false, base);
        let chosen = tenant_line_style(true, true, base);
        let others = tenant_line_style(false, true, base);
        assert_eq!(chosen.color, base, "full colour");
        assert!(chosen.width > alone.width && alone.width > others.width);
        assert!(others.color.a() < alone.color.a() && alone.color.a() < chosen.color.a(), "the others fade back");
    }
}
