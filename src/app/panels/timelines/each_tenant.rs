//! The timelines' "each tenant, overlaid" scope: one line per tenant
//! (offered requests, p99 latency), each design's tenants under one legend
//! entry, and the selected tenant picked out: drawn last, thick, in its
//! design's full colour, with its band and its own legend entry, while the
//! others fade back. Every line keeps its name, so hovering still tells
//! whose figure it is.

use egui::Color32;
use egui_plot::{AxisHints, Line, LineStyle, PlotUi};

use super::{PlotCtx, Series, Shown, band_line_width, hover, title_ui};
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
        (false, true) => TenantLineStyle { color: base.gamma_multiply(0.3), width: 1.0 },
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
    for s in ctx.shown {
        let other = tenant_line_style(false, selected.is_some(), ctx.color(s.index));
        let group = match (several, selected) {
            (true, _) => s.design.name.clone(),
            (false, Some(_)) => "other tenants".to_owned(),
            (false, None) => "every tenant".to_owned(),
        };
        // An empty line names the group: the legend groups by id and takes
        // the first name, so it lists the design once, not every tenant.
        // (`add`, since `PlotUi::line` drops lines without points.)
        let id = ("tenants", s.index);
        plot_ui.add(Line::new(group, Vec::<[f64; 2]>::new()).color(other.color).width(other.width).id(id));
        for flow in &s.design.tenants {
            if selected == Some(flow.name.as_str()) {
                chosen.push((s, flow));
                continue;
            }
            let hover = if several {
                format!("{} {} {what}", s.design.name, flow.name)
            } else {
                format!("{} {what}", flow.name)
            };
            plot_ui.line(Line::new(hover, pick(flow).mean.clone()).color(other.color).width(other.width).id(id));
        }
    }
    for (s, flow) in chosen {
        let style = tenant_line_style(true, true, ctx.color(s.index));
        let legend = if several { format!("{} {}", s.design.name, flow.name) } else { flow.name.clone() };
        let hover = format!("{legend} {what}");
        let series = Series { legend: &legend, hover: &hover, id: ("selected", s.index) };
        band_line_width(plot_ui, &series, pick(flow), style.color, LineStyle::Solid, style.width);
    }
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
    (ctx.prepared.events.len() + ctx.shown.len() + chosen, lines)
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
