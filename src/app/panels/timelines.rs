//! Timelines: requests per second, p99 latency against the SLO, and compute
//! capacity over the run, stacked and linked on one minutes axis, with the
//! event windows shaded and 95 % bands around every line. Controls pick
//! the design (one or all overlaid) and the scope (all tenants, a tier,
//! the selected tenant, or every tenant's own line overlaid with the
//! selected one emphasised). The points come ready-made from
//! [`crate::app::plot_data`]; drawing only copies them.

use egui::{Color32, RichText};
use egui_plot::{
    AxisHints, ColorConflictHandling, Corner, FilledArea, HLine, HPlacement, HoverPosition, Legend, LegendGrouping,
    Line, LineStyle, Plot, PlotUi, Span,
};

mod each_tenant;

use each_tenant::{each_tenant_requests_ui, tenant_fit, tenant_lines};

use crate::app::panels::{plot_axis, style};
use crate::app::plot_data::{BandLine, DesignLines, FlowLines, LATENCY_LAYERS, Slo, is_round_step};
use crate::app::{Prepared, Scope, TimelineView};
use crate::report::Flow;

/// Height of a plot's title row.
const TITLE_HEIGHT: f32 = 22.0;
/// Smallest plot height before the panel scrolls.
const MIN_PLOT_HEIGHT: f32 = 140.0;

/// Which single plot presenter mode shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum PresenterPlot {
    #[default]
    Latency,
    Layers,
    Requests,
    Capacity,
}

/// What the plots show: when it changes, they start again from the whole
/// run.
#[derive(Debug, Clone, PartialEq)]
struct Looking {
    design: Option<usize>,
    scope: Scope,
    selected: Option<String>,
    presenter: bool,
}

/// One design's flows for the chosen scope.
struct Shown<'a> {
    /// Design index (for its colour).
    index: usize,
    /// The design's plot data.
    design: &'a DesignLines,
    /// The flows of the scope.
    flow: &'a FlowLines,
}

/// Draws the timelines of `view`'s design and scope, `selected` the
/// tenant highlighted. Returns the tenant whose line was clicked (every
/// tenant overlaid), for the caller to select.
pub fn timelines_ui(
    ui: &mut egui::Ui,
    prepared: &Prepared,
    view: &mut TimelineView,
    selected: Option<&str>,
    presenter: bool,
) -> Option<String> {
    let choice_id = egui::Id::unique("tenantsim_presenter_plot");
    let mut choice: PresenterPlot = ui.data(|d| d.get_temp(choice_id)).unwrap_or_default();
    // Latency from other layers than compute gets a plot (and a presenter
    // choice) of its own.
    let layered = layered(prepared);
    let mut reset = controls_ui(ui, prepared, view, selected, (presenter, layered), &mut choice);
    ui.data_mut(|d| d.insert_temp(choice_id, choice));
    // A new selection starts from the whole run, not the old zoom.
    let key_id = egui::Id::unique("tenantsim_timeline_key");
    let key =
        Looking { design: view.design, scope: view.scope.clone(), selected: selected.map(str::to_owned), presenter };
    let old: Option<Looking> = ui.data(|d| d.get_temp(key_id));
    if old.as_ref().is_some_and(|old| *old != key) {
        reset = true;
    }
    ui.data_mut(|d| d.insert_temp(key_id, key));
    let shown = match shown(prepared, view, selected) {
        Ok(shown) => shown,
        Err(message) => {
            ui.add_space(24.0);
            ui.vertical_centered(|ui| ui.label(RichText::new(message).size(16.0).weak()));
            return None;
        }
    };
    let link = ui.scope_id().with("timeline_link");
    let overlaid = view.design.is_none();
    // The SLO shown is the strictest tier's (see `Prepared::slo_for`).
    let scope_all = view.scope == Scope::All || (view.scope == Scope::EachTenant && selected.is_none());
    let tick_points = plot_axis::tick_spacing_points(ui);
    let each_tenant = (view.scope == Scope::EachTenant).then_some(selected);
    let ctx = PlotCtx {
        prepared,
        shown: &shown,
        link,
        reset,
        presenter,
        overlaid,
        scope_all,
        tick_points,
        each_tenant,
        clicked: std::cell::RefCell::default(),
    };
    let slo = prepared.slo_for(&view.scope, selected);
    if presenter {
        let height = (ui.available_height() - TITLE_HEIGHT - 8.0).max(MIN_PLOT_HEIGHT);
        match choice {
            PresenterPlot::Latency => latency_ui(ui, &ctx, slo.as_ref(), height),
            PresenterPlot::Layers => layers_ui(ui, &ctx, height),
            PresenterPlot::Requests => requests_ui(ui, &ctx, height),
            PresenterPlot::Capacity => capacity_ui(ui, &ctx, height),
        }
    } else {
        // So do a queue layer's depth and a relational database's
        // connections.
        let queued = prepared.report.queued;
        let relational = prepared.designs.iter().any(|d| d.db_connection_limit > 0.0);
        let plots = 3.0 + [layered, queued, relational].into_iter().map(|b| f32::from(u8::from(b))).sum::<f32>();
        let height = ((ui.available_height() - plots * (TITLE_HEIGHT + 8.0)) / plots).max(MIN_PLOT_HEIGHT);
        egui::ScrollArea::vertical().auto_shrink([false, false]).show(ui, |ui| {
            requests_ui(ui, &ctx, height);
            latency_ui(ui, &ctx, slo.as_ref(), height);
            if layered {
                layers_ui(ui, &ctx, height);
            }
            if queued {
                queue_ui(ui, &ctx, height);
            }
            capacity_ui(ui, &ctx, height);
            if relational {
                database_ui(ui, &ctx, height);
            }
        });
    }
    ctx.clicked.take()
}

/// Design, scope and reset controls (in presenter mode, the plot to
/// show; "by layer" when `layered`). Returns true when the view should be
/// reset.
fn controls_ui(
    ui: &mut egui::Ui,
    prepared: &Prepared,
    view: &mut TimelineView,
    selected: Option<&str>,
    (presenter, layered): (bool, bool),
    choice: &mut PresenterPlot,
) -> bool {
    let report = &prepared.report;
    let mut reset = false;
    ui.horizontal_wrapped(|ui| {
        // On a projector the choices speak for themselves: no labels, so
        // the controls take one line and the plot the rest.
        let label = (!presenter).then(|| ui.label("Design"));
        let design_text = match view.design.and_then(|d| report.designs.get(d)) {
            Some(d) => d.name.clone(),
            None => "all, overlaid".to_owned(),
        };
        let combo = egui::ComboBox::from_id_salt("timeline_design").selected_text(design_text).show_ui(ui, |ui| {
            ui.selectable_value(&mut view.design, None, "all, overlaid");
            for (d, design) in report.designs.iter().enumerate() {
                ui.selectable_value(&mut view.design, Some(d), &design.name);
            }
        });
        name_combo(&combo.response, label, "Design");
        let label = (!presenter).then(|| ui.label("Scope"));
        let scope_text = scope_label(&view.scope, report, selected);
        let combo = egui::ComboBox::from_id_salt("timeline_scope").selected_text(scope_text).show_ui(ui, |ui| {
            ui.selectable_value(&mut view.scope, Scope::All, "all tenants");
            for (k, tier) in report.tiers.iter().enumerate() {
                ui.selectable_value(&mut view.scope, Scope::Tier(k), format!("tier {tier}"));
            }
            let tenant_label = scope_label(&Scope::Tenant, report, selected);
            ui.selectable_value(&mut view.scope, Scope::Tenant, tenant_label);
            ui.selectable_value(&mut view.scope, Scope::EachTenant, scope_label(&Scope::EachTenant, report, None))
                .on_hover_text("One line per tenant; select a tenant (tenant table, costs) to pick it out");
        });
        name_combo(&combo.response, label, "Scope");
        if presenter {
            ui.separator();
            ui.selectable_value(choice, PresenterPlot::Latency, "latency");
            if layered {
                ui.selectable_value(choice, PresenterPlot::Layers, "by layer");
            } else if *choice == PresenterPlot::Layers {
                *choice = PresenterPlot::Latency;
            }
            ui.selectable_value(choice, PresenterPlot::Requests, "requests");
            ui.selectable_value(choice, PresenterPlot::Capacity, "capacity");
        }
        ui.separator();
        const HINT: &str = "bands: 95 % CI · drag to pan, Ctrl+scroll to zoom";
        let tip = format!("Show the whole run again (or double-click a plot)\n{HINT}");
        if ui.button("Reset view").on_hover_text(tip).clicked() {
            reset = true;
        }
        // On a projector the plot needs the line more than the hint does.
        if !presenter {
            ui.label(RichText::new(HINT).weak());
        }
    });
    reset
}

/// Names a combo box for screen readers: by its label when one is shown,
/// else by `name`.
fn name_combo(combo: &egui::Response, label: Option<egui::Response>, name: &'static str) {
    match label {
        Some(label) => {
            combo.clone().labelled_by(label.id);
        }
        None => combo.widget_info(|| egui::WidgetInfo::labeled(egui::Role::ComboBox, true, name)),
    }
}

fn scope_label(scope: &Scope, report: &crate::report::RunReport, tenant: Option<&str>) -> String {
    match scope {
        Scope::All => "all tenants".to_owned(),
        Scope::Tier(k) => format!("tier {}", report.tiers.get(*k).map_or("?", String::as_str)),
        Scope::Tenant => match tenant {
            Some(id) => format!("tenant {id}"),
            None => "selected tenant (none)".to_owned(),
        },
        Scope::EachTenant => "each tenant, overlaid".to_owned(),
    }
}

/// The flows to draw, or why there are none.
fn shown<'a>(prepared: &'a Prepared, view: &TimelineView, selected: Option<&str>) -> Result<Vec<Shown<'a>>, String> {
    let designs: Vec<(usize, &DesignLines)> = match view.design {
        Some(d) => prepared.designs.get(d).map(|lines| vec![(d, lines)]).unwrap_or_default(),
        None => prepared.designs.iter().enumerate().collect(),
    };
    if designs.is_empty() {
        return Err("No design to show.".to_owned());
    }
    designs
        .into_iter()
        .map(|(index, design)| {
            let flow = match &view.scope {
                Scope::All => Some(&design.total),
                Scope::Tier(k) => design.tiers.get(*k),
                Scope::Tenant => {
                    let Some(id) = selected else {
                        return Err("Select a tenant (click it in the Costs or Tenant table tab) to see its own \
                                    timeline."
                            .to_owned());
                    };
                    let flow = design.tenants.iter().find(|f| f.name == id);
                    if flow.is_none() {
                        return Err(format!(
                            "No time series for tenant {id}: runs record per-tenant series only for small \
                             scenarios (up to {} tenants). Choose all tenants or its tier instead.",
                            crate::sim::FOCUS_ALL_MAX
                        ));
                    }
                    flow
                }
                Scope::EachTenant if design.tenants.is_empty() => {
                    return Err(format!(
                        "No per-tenant time series: runs record them only for small scenarios (up to {} \
                         tenants). Choose all tenants or a tier instead.",
                        crate::sim::FOCUS_ALL_MAX
                    ));
                }
                // The total stands in for captions; the lines are the tenants'.
                Scope::EachTenant => Some(&design.total),
            };
            flow.map(|flow| Shown { index, design, flow }).ok_or_else(|| "Unknown tier.".to_owned())
        })
        .collect()
}

/// What every plot needs.
struct PlotCtx<'a> {
    prepared: &'a Prepared,
    shown: &'a [Shown<'a>],
    link: egui::Id,
    reset: bool,
    presenter: bool,
    overlaid: bool,
    /// The scope is all tenants (the SLO shown is the strictest).
    scope_all: bool,
    /// Least room between y tick labels, points.
    tick_points: f64,
    /// Every tenant overlaid: `Some`, with the selected tenant if any.
    each_tenant: Option<Option<&'a str>>,
    /// The tenant whose line was clicked this frame (every tenant overlaid).
    clicked: std::cell::RefCell<Option<String>>,
}

/// Width of every plot's left and right axis, so that the stacked plots'
/// minutes line up.
const AXIS_WIDTH: f32 = 64.0;

impl PlotCtx<'_> {
    fn color(&self, design: usize) -> Color32 {
        style::design_color(design, self.presenter)
    }

    /// True when each design gets its own colour (several designs shown).
    fn several(&self) -> bool {
        self.overlaid && self.shown.len() > 1
    }

    /// A plot with the shared x axis, legend, hover and reset. `right` is
    /// the right-hand axis (an empty one keeps the plots aligned).
    fn plot<'p>(
        &self,
        id: &str,
        height: f32,
        corner: Corner,
        left: AxisHints<'p>,
        right: Option<AxisHints<'p>>,
    ) -> Plot<'p> {
        let legend = Legend::default()
            .position(corner)
            .grouping(LegendGrouping::ById)
            .follow_insertion_order(true)
            .color_conflict_handling(ColorConflictHandling::PickLast)
            .background_alpha(0.85);
        let right = right.unwrap_or_else(|| AxisHints::new_y().formatter(|_, _| String::new()));
        let mut plot = Plot::new(id)
            .height(height)
            .legend(legend)
            .x_axis_label("minutes")
            .custom_y_axes(vec![
                left.min_thickness(AXIS_WIDTH),
                right.placement(HPlacement::Right).min_thickness(AXIS_WIDTH),
            ])
            .link_axis(self.link, [true, false])
            .link_cursor(self.link, [true, false])
            .include_x(0.0)
            .include_x(self.prepared.duration_minutes())
            .include_y(0.0)
            .x_grid_spacer(plot_axis::grid(plot_axis::X_LABEL_POINTS, is_round_step))
            .y_grid_spacer(plot_axis::grid(self.tick_points, is_round_step))
            .allow_scroll(false)
            .set_margin_fraction(egui::vec2(0.01, 0.03));
        if self.reset {
            plot = plot.reset();
        }
        plot
    }

    fn events(&self, plot_ui: &mut PlotUi<'_>) {
        for event in &self.prepared.events {
            let fill = style::event_color(event.spike);
            let border = fill.to_opaque().gamma_multiply(0.6);
            let span = Span::new(event.label.clone(), event.start_min..=event.end_min);
            plot_ui.span(span.fill(fill).border_color(border).border_width(1.0));
        }
    }

    /// Where the legend of `entries` lines goes and how high the y axis
    /// must reach so that it hides no data: the top corner over the
    /// quieter third of the run. `level` is a constant line (an SLO).
    fn legend_fit(&self, lines: &[&BandLine], level: f64, entries: usize, height: f32) -> (Corner, f64) {
        let legend = entries as f32 * 20.5 + 16.0;
        let plot = (height - 36.0).max(40.0);
        let free = f64::from((1.0 - legend / plot).clamp(0.3, 1.0));
        let end = self.prepared.duration_minutes();
        let local = |from: f64, to: f64| {
            lines
                .iter()
                .flat_map(|l| l.x.iter().zip(&l.upper))
                .filter(|(x, _)| **x >= from && **x <= to)
                .map(|(_, y)| *y)
                .fold(level, f64::max)
        };
        let global = lines.iter().map(|l| l.max()).fold(level, f64::max) * 1.05;
        let left = global.max(local(0.0, 0.35 * end) / free);
        let right = global.max(local(0.65 * end, end) / free);
        if right < left { (Corner::RightTop, right) } else { (Corner::LeftTop, left) }
    }
}

/// Names and id of one line: the legend groups lines by id under the
/// name of the band drawn first, hover shows the line's own name.
struct Series<'n> {
    legend: &'n str,
    hover: &'n str,
    id: (&'static str, usize),
}

/// A line with its translucent 95 % band (band first, so the line is on
/// top and gives the legend its colour).
fn band_line(plot_ui: &mut PlotUi<'_>, series: &Series<'_>, line: &BandLine, color: Color32, style: LineStyle) {
    let width = if matches!(style, LineStyle::Dotted { .. }) { 2.5 } else { 2.0 };
    band_line_width(plot_ui, series, line, color, style, width);
}

/// [`band_line`] with a chosen line width.
fn band_line_width(
    plot_ui: &mut PlotUi<'_>,
    series: &Series<'_>,
    line: &BandLine,
    color: Color32,
    style: LineStyle,
    width: f32,
) {
    if line.x.len() >= 2 && line.lower.len() == line.x.len() && line.upper.len() == line.x.len() {
        let fill = color.gamma_multiply(0.22);
        let band = FilledArea::new(series.legend, &line.x, &line.lower, &line.upper);
        plot_ui.add(band.fill_color(fill).allow_hover(false).id(series.id));
    }
    plot_ui.line(Line::new(series.hover, line.mean.clone()).color(color).style(style).width(width).id(series.id));
}

/// A plot's title and caption; the caption wraps on a narrow panel (a
/// line that did not fit would widen the panel's content and push the
/// plots past its right edge).
fn title_ui(ui: &mut egui::Ui, title: &str, caption: &str) {
    ui.horizontal_wrapped(|ui| {
        ui.set_min_height(TITLE_HEIGHT);
        ui.label(RichText::new(title).strong().size(15.0));
        if !caption.is_empty() {
            ui.label(RichText::new(caption).weak());
        }
    });
}

fn hover(unit: &'static str, decimals: usize) -> impl Fn(&HoverPosition<'_>) -> Option<String> {
    move |pos| match pos {
        HoverPosition::NearDataPoint { plot_name, position, .. } => {
            Some(format!("{plot_name}\n{:.1} min: {:.*} {unit}", position.x, decimals, position.y))
        }
        HoverPosition::Elsewhere { position } => {
            Some(format!("{:.1} min\n{:.*} {unit}", position.x, decimals, position.y))
        }
    }
}

/// How a flow's line is drawn in the requests plot.
fn flow_style(flow: Flow) -> LineStyle {
    match flow {
        Flow::Offered | Flow::Served => LineStyle::Solid,
        Flow::Admitted => LineStyle::Dashed { length: 10.0 },
        Flow::Throttled => LineStyle::Dotted { spacing: 6.0 },
        Flow::Dropped => LineStyle::Dashed { length: 4.0 },
        Flow::Retries => LineStyle::Dotted { spacing: 3.0 },
    }
}

/// Throttled requests when one design is shown (its own colour).
const THROTTLED_COLOR: Color32 = Color32::from_rgb(255, 152, 0);

/// Retries when one design is shown.
const RETRIES_COLOR: Color32 = Color32::from_rgb(186, 104, 200);

/// The flows drawn for one shown scope: offered (unless shared), then
/// admitted and throttled when anything was throttled, dropped when
/// anything was dropped, and retries when clients retried.
fn drawn_flows(flow: &FlowLines, offered: bool) -> Vec<Flow> {
    let throttled = !flow.line(Flow::Throttled).is_all_zero();
    let dropped = !flow.line(Flow::Dropped).is_all_zero();
    let retries = !flow.line(Flow::Retries).is_all_zero();
    let mut flows = Vec::new();
    if offered {
        flows.push(Flow::Offered);
    }
    if throttled {
        flows.extend([Flow::Admitted, Flow::Throttled]);
    }
    if dropped {
        flows.push(Flow::Dropped);
    }
    if retries {
        flows.push(Flow::Retries);
    }
    flows
}

fn requests_ui(ui: &mut egui::Ui, ctx: &PlotCtx<'_>, height: f32) {
    if let Some(selected) = ctx.each_tenant {
        return each_tenant_requests_ui(ui, ctx, selected, height);
    }
    let happened = |flow: Flow| ctx.shown.iter().any(|s| !s.flow.line(flow).is_all_zero());
    let (throttled, dropped) = (happened(Flow::Throttled), happened(Flow::Dropped));
    let retries = happened(Flow::Retries);
    let caption = match (throttled, dropped) {
        (false, false) => "solid offered · nothing throttled or dropped",
        (true, false) => "solid offered · dashed admitted · dotted throttled · nothing dropped",
        (false, true) => "solid offered · short dashes dropped · nothing throttled",
        (true, true) => "solid offered · dashed admitted · dotted throttled · short dashes dropped",
    };
    let caption = if retries { format!("{caption} · fine dots retries (in offered)") } else { caption.to_owned() };
    title_ui(ui, "Requests per second", &caption);
    let neutral = ui.visuals().text_color().gamma_multiply(0.75);
    let several = ctx.several();
    let shared = ctx.prepared.offered_shared && several;
    // Legend entries: events, offered (once or per design), then designs
    // (overlaid) or series (one design).
    let mut entries = ctx.prepared.events.len() + if shared { 1 } else { ctx.shown.len() };
    if several {
        entries += ctx.shown.iter().filter(|s| !drawn_flows(s.flow, false).is_empty()).count();
    } else {
        entries += usize::from(throttled) * 2 + usize::from(dropped) + usize::from(retries);
    }
    let lines: Vec<&BandLine> = ctx.shown.iter().map(|s| s.flow.line(Flow::Offered)).collect();
    let (corner, top) = ctx.legend_fit(&lines, 0.0, entries, height);
    let plot = ctx.plot("timeline_requests", height, corner, AxisHints::new_y().label("requests/s"), None);
    let plot = plot.include_y(top).label_formatter(hover("req/s", 1));
    plot.show(ui, |plot_ui| {
        ctx.events(plot_ui);
        if shared && let Some(first) = ctx.shown.first() {
            let series = Series { legend: "offered", hover: "offered", id: ("offered", 0) };
            band_line(plot_ui, &series, first.flow.line(Flow::Offered), neutral, flow_style(Flow::Offered));
        }
        for s in ctx.shown {
            let design_color = ctx.color(s.index);
            for flow in drawn_flows(s.flow, !shared) {
                let name = flow.label();
                // Overlaid designs: one colour and legend entry per design.
                // One design: one colour and legend entry per flow.
                let (legend, id, color) = if several {
                    (s.design.name.as_str(), ("design", s.index), design_color)
                } else {
                    let color = match flow {
                        Flow::Offered => neutral,
                        Flow::Throttled => THROTTLED_COLOR,
                        Flow::Dropped => style::BAD,
                        Flow::Retries => RETRIES_COLOR,
                        Flow::Admitted | Flow::Served => design_color,
                    };
                    (name, (name, 0), color)
                };
                let hover = if several { format!("{} {name}", s.design.name) } else { name.to_owned() };
                band_line(plot_ui, &Series { legend, hover: &hover, id }, s.flow.line(flow), color, flow_style(flow));
            }
        }
    });
}

fn latency_ui(ui: &mut egui::Ui, ctx: &PlotCtx<'_>, slo: Option<&Slo>, height: f32) {
    let strictest = if ctx.scope_all && ctx.prepared.report.tiers.len() > 1 { ", the strictest tier's" } else { "" };
    let caption = match slo {
        Some(Slo { tier, p99_ms }) => {
            format!("of requests served in each interval · dashed: {tier} SLO {p99_ms:.0} ms{strictest}")
        }
        None => "of requests served in each interval".to_owned(),
    };
    title_ui(ui, "p99 latency", &caption);
    let (entries, lines) = match ctx.each_tenant {
        Some(_) => tenant_fit(ctx, |f| &f.p99_ms),
        None => (ctx.prepared.events.len() + ctx.shown.len(), ctx.shown.iter().map(|s| &s.flow.p99_ms).collect()),
    };
    let entries = entries + usize::from(slo.is_some());
    let (corner, top) = ctx.legend_fit(&lines, slo.map_or(0.0, |s| s.p99_ms), entries, height);
    let plot = ctx.plot("timeline_latency", height, corner, AxisHints::new_y().label("p99 ms"), None);
    let plot = plot.include_y(top).label_formatter(hover("ms", 1));
    plot.show(ui, |plot_ui| {
        ctx.events(plot_ui);
        if let Some(Slo { tier, p99_ms }) = slo {
            let name = format!("SLO {tier} {p99_ms:.0} ms");
            plot_ui.hline(HLine::new(name, *p99_ms).color(style::BAD).style(LineStyle::dashed_dense()).width(1.5));
        }
        if let Some(selected) = ctx.each_tenant {
            tenant_lines(plot_ui, ctx, selected, "p99", |f| &f.p99_ms);
            return;
        }
        for s in ctx.shown {
            let hover = format!("{} p99", s.design.name);
            let series = Series { legend: &s.design.name, hover: &hover, id: ("design", s.index) };
            band_line(plot_ui, &series, &s.flow.p99_ms, ctx.color(s.index), LineStyle::Solid);
        }
    });
}

/// True when a layer other than compute adds latency in some design (the
/// gateway, a queue or a database), so the Timelines split it by layer.
fn layered(prepared: &Prepared) -> bool {
    prepared.designs.iter().any(|d| d.total.layered())
}

/// How a layer's mean latency is drawn (in [`LATENCY_LAYERS`] order).
fn layer_style(layer: usize) -> LineStyle {
    match layer {
        0 => LineStyle::Dotted { spacing: 3.0 },
        1 => LineStyle::Dashed { length: 10.0 },
        2 => LineStyle::Solid,
        _ => LineStyle::Dotted { spacing: 6.0 },
    }
}

/// Words for [`layer_style`]'s styles, for captions.
const LAYER_STYLE_NAMES: [&str; 4] = ["fine dots", "dashed", "solid", "dotted"];

/// Mean latency of the requests served in each interval, by layer: with
/// one design, a line per layer in the layer's colour (as in Costs); with
/// several, each design's colour, the layer told by the line's style.
fn layers_ui(ui: &mut egui::Ui, ctx: &PlotCtx<'_>, height: f32) {
    let drawn: Vec<usize> =
        (0..LATENCY_LAYERS.len()).filter(|&k| ctx.shown.iter().any(|s| !s.flow.layers[k].is_all_zero())).collect();
    let several = ctx.several();
    let mut caption = "of requests served in each interval".to_owned();
    if several {
        for &k in &drawn {
            caption += &format!(" · {} {}", LAYER_STYLE_NAMES[k], LATENCY_LAYERS[k]);
        }
    }
    if ctx.each_tenant.is_some() {
        caption += " · all tenants";
    }
    title_ui(ui, "Mean latency by layer", &caption);
    let entries = ctx.prepared.events.len() + if several { ctx.shown.len() } else { drawn.len() };
    let lines: Vec<&BandLine> = ctx.shown.iter().flat_map(|s| drawn.iter().map(|&k| &s.flow.layers[k])).collect();
    let (corner, top) = ctx.legend_fit(&lines, 0.0, entries, height);
    let plot = ctx.plot("timeline_layers", height, corner, AxisHints::new_y().label("mean ms"), None);
    let plot = plot.include_y(top).label_formatter(hover("ms", 1));
    plot.show(ui, |plot_ui| {
        ctx.events(plot_ui);
        for s in ctx.shown {
            for &k in &drawn {
                let name = LATENCY_LAYERS[k];
                let (legend, id, color) = if several {
                    (s.design.name.as_str(), ("design", s.index), ctx.color(s.index))
                } else {
                    (name, (name, 0), style::layer_color(k))
                };
                let hover = if several { format!("{} {name}", s.design.name) } else { name.to_owned() };
                let series = Series { legend, hover: &hover, id };
                band_line(plot_ui, &series, &s.flow.layers[k], color, layer_style(k));
            }
        }
    });
}

/// Instances (left axis, solid) and utilisation (right axis, dashed) in
/// one plot: utilisation is drawn scaled so that 100 % is the top of the
/// instances axis, a round number so the percentages are round too.
/// The queue layer's depth (messages waiting for a consumer at the end of
/// each interval: the scope's own, a tier's or a tenant's, else over all
/// queues of a design; left axis, solid) and the age of the oldest message
/// in any queue (right axis, dashed, drawn scaled so that its axis top is
/// the plot's top).
fn queue_ui<'a>(ui: &mut egui::Ui, ctx: &PlotCtx<'a>, height: f32) {
    let own = |s: &Shown<'_>| s.flow.name != "all" && !s.flow.queue_depth.mean.is_empty();
    let caption = match ctx.shown.iter().find(|s| own(s)) {
        Some(s) => format!(
            "solid: {}'s messages waiting for a consumer (left) · dashed: age of the oldest in any queue, s (right) \
             · at each interval's end",
            s.flow.name
        ),
        None => "solid: messages waiting for a consumer (left) · dashed: age of the oldest, s (right) · at each \
                 interval's end, all queues"
            .to_owned(),
    };
    title_ui(ui, "Queue depth", &caption);
    let entries = ctx.prepared.events.len() + ctx.shown.len();
    let depth = |s: &Shown<'a>| -> &'a BandLine {
        let (design, flow): (&'a DesignLines, &'a FlowLines) = (s.design, s.flow);
        if own(s) { &flow.queue_depth } else { &design.queue_depth }
    };
    let lines: Vec<&BandLine> = ctx.shown.iter().map(depth).collect();
    let (corner, top) = ctx.legend_fit(&lines, 1.0, entries, height);
    let top = crate::app::plot_data::nice_axis_top(top);
    let oldest = ctx.shown.iter().map(|s| s.design.oldest_message.max()).fold(1.0, f64::max);
    let age_top = crate::app::plot_data::nice_axis_top(oldest * 1.05);
    let scale = top / age_top;
    let right = AxisHints::new_y().label("oldest, s").formatter(move |mark, _| format!("{:.0}", mark.value / scale));
    let plot = ctx.plot("timeline_queue", height, corner, AxisHints::new_y().label("messages"), Some(right));
    let plot = plot.include_y(top).label_formatter(move |pos| {
        let (name, x, y) = hovered(pos);
        let value = if name.ends_with("oldest") {
            format!("oldest {:.1} s", y / scale)
        } else if name.is_empty() {
            format!("{y:.0} messages · oldest {:.1} s", y / scale)
        } else {
            format!("{y:.0} messages waiting")
        };
        Some(format!("{name}\n{x:.1} min: {value}").trim_start().to_owned())
    });
    plot.show(ui, |plot_ui| {
        ctx.events(plot_ui);
        solid_and_dashed(plot_ui, ctx, ("waiting", depth), ("oldest", |s| s.design.oldest_message.scaled(scale)));
    });
}

/// A relational database's connections held by compute (left axis, solid;
/// each design's limit a dotted line) and its vCPU utilisation (right
/// axis, dashed, drawn scaled so that 100 % is the axis top).
fn database_ui(ui: &mut egui::Ui, ctx: &PlotCtx<'_>, height: f32) {
    let scope = if ctx.shown.iter().any(|s| s.flow.name != "all") { ", whatever the scope" } else { "" };
    let caption = format!(
        "solid: connections held at each interval's end (left; dotted: what the database accepts) · dashed: \
         vCPU utilisation % (right) · all database stacks{scope}"
    );
    title_ui(ui, "Database connections", &caption);
    let entries = ctx.prepared.events.len() + ctx.shown.len();
    let lines: Vec<&BandLine> = ctx.shown.iter().map(|s| &s.design.db_connections).collect();
    let (corner, top) = ctx.legend_fit(&lines, 1.0, entries, height);
    let limit = ctx.shown.iter().map(|s| s.design.db_connection_limit).fold(0.0, f64::max);
    let top = crate::app::plot_data::nice_axis_top(top.max(limit * 1.05));
    let right = AxisHints::new_y()
        .label("vCPU utilisation %")
        .formatter(move |mark, _| format!("{:.0}", mark.value / top * 100.0));
    let plot = ctx.plot("timeline_database", height, corner, AxisHints::new_y().label("connections"), Some(right));
    let plot = plot.include_y(top).label_formatter(move |pos| {
        let (name, x, y) = hovered(pos);
        let value = if name.ends_with("vCPU") {
            format!("vCPU utilisation {:.0} %", y / top * 100.0)
        } else if name.ends_with("limit") {
            format!("accepts {y:.0} connections")
        } else {
            format!("{y:.0} connections held")
        };
        Some(format!("{name}\n{x:.1} min: {value}").trim_start().to_owned())
    });
    plot.show(ui, |plot_ui| {
        ctx.events(plot_ui);
        for s in ctx.shown {
            let name = format!("{} limit", s.design.name);
            let line = HLine::new(name, s.design.db_connection_limit).color(ctx.color(s.index));
            plot_ui.hline(line.style(LineStyle::dotted_dense()).width(1.0));
        }
        solid_and_dashed(
            plot_ui,
            ctx,
            ("held", |s| &s.design.db_connections),
            ("vCPU", |s| s.design.db_utilisation.scaled(top)),
        );
    });
}

fn capacity_ui(ui: &mut egui::Ui, ctx: &PlotCtx<'_>, height: f32) {
    let scope = if ctx.shown.iter().any(|s| s.flow.name != "all") { ", whatever the scope" } else { "" };
    let serverless = ctx.prepared.report.serverless;
    let (unit, busy) = if serverless {
        ("provisioned environments", "share of the concurrency limit in use")
    } else {
        ("instances", "utilisation")
    };
    let caption = format!("solid: {unit} (left) · dashed: {busy} % (right) · all compute stacks{scope}");
    title_ui(ui, "Compute capacity", &caption);
    let unit = if serverless { "environments" } else { "instances" };
    let entries = ctx.prepared.events.len() + ctx.shown.len();
    let lines: Vec<&BandLine> = ctx.shown.iter().map(|s| &s.design.instances).collect();
    let (corner, top) = ctx.legend_fit(&lines, 1.0, entries, height);
    let top = crate::app::plot_data::nice_axis_top(top);
    let right =
        AxisHints::new_y().label("utilisation %").formatter(move |mark, _| format!("{:.0}", mark.value / top * 100.0));
    let plot = ctx.plot("timeline_capacity", height, corner, AxisHints::new_y().label(unit), Some(right));
    // Ticks where the utilisation axis reads whole percentages.
    let whole_percent = move |step: f64| {
        let percent = step / top * 100.0;
        (percent - percent.round()).abs() < 1e-6
    };
    let plot = plot.y_grid_spacer(plot_axis::grid(ctx.tick_points, whole_percent));
    let plot = plot.include_y(top).label_formatter(move |pos| {
        let (name, x, y) = hovered(pos);
        let value = if name.ends_with("utilisation") {
            format!("{:.1} % busy", y / top * 100.0)
        } else if name.is_empty() {
            format!("{y:.1} {unit} · {:.0} %", y / top * 100.0)
        } else {
            format!("{y:.1} {unit}")
        };
        Some(format!("{name}\n{x:.1} min: {value}").trim_start().to_owned())
    });
    plot.show(ui, |plot_ui| {
        ctx.events(plot_ui);
        solid_and_dashed(
            plot_ui,
            ctx,
            ("instances", |s| &s.design.instances),
            ("utilisation", |s| s.design.utilisation.scaled(top)),
        );
    });
}

/// The name, minutes and value a hover is at (no name away from lines).
fn hovered<'a>(pos: &HoverPosition<'a>) -> (&'a str, f64, f64) {
    match pos {
        HoverPosition::NearDataPoint { plot_name, position, .. } => (plot_name, position.x, position.y),
        HoverPosition::Elsewhere { position } => ("", position.x, position.y),
    }
}

/// Each shown design's two lines of a plot with two axes: `solid` (left
/// axis) and `dashed` (right axis, already scaled to the left one), each
/// hovered as the design's name and the line's `(name, …)`.
fn solid_and_dashed<'a>(
    plot_ui: &mut PlotUi<'_>,
    ctx: &PlotCtx<'a>,
    (solid_name, solid): (&str, impl Fn(&Shown<'a>) -> &'a BandLine),
    (dashed_name, dashed): (&str, impl Fn(&Shown<'a>) -> BandLine),
) {
    for s in ctx.shown {
        let color = ctx.color(s.index);
        let hover = format!("{} {solid_name}", s.design.name);
        let series = Series { legend: &s.design.name, hover: &hover, id: ("design", s.index) };
        band_line(plot_ui, &series, solid(s), color, LineStyle::Solid);
        let hover = format!("{} {dashed_name}", s.design.name);
        let series = Series { legend: &s.design.name, hover: &hover, id: ("design", s.index) };
        band_line(plot_ui, &series, &dashed(s), color, LineStyle::Dashed { length: 6.0 });
    }
}

#[cfg(test)]
mod tests {
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;

    use super::*;
    use crate::app::ViewState;
    use crate::app::plot_data::tests::noisy_prepared;

    type State = (Prepared, ViewState);

    /// Draws the timelines as the app does, from a document's view (a
    /// clicked line selects its tenant, as the app's command would).
    fn draw(ui: &mut egui::Ui, (p, view): &mut State, presenter: bool) {
        if let Some(id) = timelines_ui(ui, p, &mut view.timeline, view.selected_tenant.as_deref(), presenter) {
            view.selected_tenant = Some(id);
        }
    }

    #[test]
    fn a_click_on_a_tenants_line_selects_it_and_one_design_colours_its_tiers() {
        let mut view = ViewState::default();
        view.timeline.scope = Scope::EachTenant;
        view.timeline.design = Some(0);
        let mut harness = harness(view, true);
        harness.run_steps(3);
        assert!(harness.query_by_label("tier basic").is_some() && harness.query_by_label("tier premium").is_some());
        // Down a column of the plot at minute ~10, a click at a time: the
        // first that lands on a line selects that line's tenant.
        let title = harness.get_by_label("p99 latency").rect();
        let x = title.left() + 0.25 * (1100.0 - title.left());
        let mut y = title.bottom() + 20.0;
        while harness.state().1.selected_tenant.is_none() && y < 760.0 {
            let at = egui::pos2(x, y);
            harness.hover_at(at);
            harness.step();
            harness.drag_at(at);
            harness.step();
            harness.drop_at(at);
            harness.run_steps(2);
            y += 3.0;
        }
        let chosen = harness.state().1.selected_tenant.clone().unwrap_or_else(|| panic!("no line took a click"));
        assert!(noisy_prepared().designs[0].tenants.iter().any(|f| f.name == chosen), "{chosen}");
        assert!(harness.query_by_label(&chosen).is_some(), "the selected tenant gets its own legend entry");
    }

    fn harness(view: ViewState, presenter: bool) -> Harness<'static, State> {
        Harness::builder()
            .with_size(egui::vec2(1100.0, 800.0))
            .with_context_setup(crate::app::panels::style::install_fonts)
            .build_ui_state(move |ui, state: &mut State| draw(ui, state, presenter), (noisy_prepared(), view))
    }

    #[test]
    fn the_three_plots_and_the_slo_are_shown() {
        let mut harness = harness(ViewState::default(), false);
        harness.run_steps(3);
        for title in ["Requests per second", "p99 latency", "Compute capacity"] {
            assert!(harness.query_by_label(title).is_some(), "{title}");
        }
        assert!(harness.query_by_label_contains("premium SLO 150 ms").is_some(), "strictest SLO for all tenants");
        assert!(harness.query_by_label_contains("nothing throttled or dropped").is_some());
        // Only compute adds latency: no plot splits it by layer.
        assert!(harness.query_by_label("Mean latency by layer").is_none());
    }

    /// The plot data of a bundled lesson run with 2 replications.
    fn bundled_prepared(file: &str) -> Prepared {
        let bundled = crate::bundled::by_file_name(file).unwrap_or_else(|| panic!("{file} is bundled"));
        let (_, mut scenario) = crate::scenario::load_str(bundled.text, &crate::scenario::Limits::default())
            .unwrap_or_else(|e| panic!("{e}"));
        scenario.clock.replications = 2;
        let options = crate::sim::RunOptions { threads: Some(2), ..Default::default() };
        let report =
            crate::sim::run(&scenario, &options, &crate::sim::RunControl::new()).unwrap_or_else(|e| panic!("{e}"));
        Prepared::new(report)
    }

    #[test]
    fn a_relational_database_gets_its_connections_plot_with_the_limit() {
        let prepared = bundled_prepared("database-connections.ron");
        let silo = &prepared.designs[0];
        assert_eq!(silo.db_connection_limit, 270.0);
        // The pools fill the 270 connections the instance accepts when
        // shop-a scales out, and never go over them.
        let held = silo.db_connections.mean.iter().fold(0.0, |m: f64, &[_, y]| m.max(y));
        assert!((held - 270.0).abs() < 1e-6, "{held}");
        let mut view = ViewState::default();
        view.timeline.design = Some(0);
        let mut harness = Harness::builder()
            .with_size(egui::vec2(1100.0, 1000.0))
            .with_context_setup(crate::app::panels::style::install_fonts)
            .build_ui_state(move |ui, state: &mut State| draw(ui, state, false), (prepared, view));
        harness.run_steps(3);
        assert!(harness.query_by_label("Database connections").is_some());
        assert!(harness.query_by_label("silo compute limit").is_some(), "the limit in the legend");
        // The database adds latency: each interval's mean is split by
        // layer, one line per layer for one design.
        assert!(harness.query_by_label("Mean latency by layer").is_some());
        for layer in ["compute", "database"] {
            assert!(harness.query_by_label(layer).is_some(), "{layer} in the legend");
        }
        assert!(harness.query_by_label("gateway").is_none(), "the gateway adds nothing here");
    }

    #[test]
    fn presenter_mode_offers_the_latency_by_layer_when_a_layer_adds_some() {
        let prepared = bundled_prepared("queue-per-tenant.ron");
        let mut queued = Harness::builder()
            .with_size(egui::vec2(1100.0, 700.0))
            .with_context_setup(crate::app::panels::style::install_fonts)
            .build_ui_state(move |ui, state: &mut State| draw(ui, state, true), (prepared, ViewState::default()));
        queued.run_steps(2);
        assert!(queued.query_by_label("Mean latency by layer").is_none(), "p99 first");
        queued.get_by_label("by layer").click();
        queued.run_steps(2);
        assert!(queued.query_by_label("Mean latency by layer").is_some());
        assert!(queued.query_by_label("p99 latency").is_none(), "one plot at a time");
        // The noisy-neighbour lesson's latency is compute's alone: no choice.
        let mut plain = harness(ViewState::default(), true);
        plain.run_steps(2);
        assert!(plain.query_by_label("by layer").is_none());
    }

    #[test]
    fn tenant_scope_without_a_selection_says_what_to_do() {
        let mut view = ViewState::default();
        view.timeline.scope = Scope::Tenant;
        let mut harness = harness(view, false);
        harness.run_steps(2);
        assert!(harness.query_by_label_contains("Select a tenant").is_some());
        harness.state_mut().1.selected_tenant = Some("smb-03".into());
        harness.run_steps(2);
        assert!(harness.query_by_label_contains("Select a tenant").is_none());
        assert!(harness.query_by_label_contains("basic SLO 300 ms").is_some(), "the tenant's own tier's SLO");
        harness.state_mut().1.selected_tenant = Some("nobody".into());
        harness.run_steps(2);
        assert!(harness.query_by_label_contains("No time series for tenant nobody").is_some());
    }

    #[test]
    fn presenter_mode_shows_one_plot() {
        let mut harness = harness(ViewState::default(), true);
        harness.run_steps(3);
        assert!(harness.query_by_label("p99 latency").is_some());
        assert!(harness.query_by_label("Requests per second").is_none());
        harness.get_by_label("requests").click();
        harness.run_steps(2);
        assert!(harness.query_by_label("Requests per second").is_some());
    }

    /// The bundled hot-partition lesson's results (run once per test binary).
    fn hot_partition() -> Prepared {
        static REPORT: std::sync::OnceLock<crate::report::RunReport> = std::sync::OnceLock::new();
        let report = REPORT.get_or_init(|| {
            let bundled = crate::bundled::by_file_name("hot-partition.ron").unwrap_or_else(|| panic!("bundled"));
            let (_, scenario) = crate::scenario::load_str(bundled.text, &crate::scenario::Limits::default())
                .unwrap_or_else(|e| panic!("{e}"));
            let options = crate::sim::RunOptions { threads: Some(2), ..Default::default() };
            crate::sim::run(&scenario, &options, &crate::sim::RunControl::new()).unwrap_or_else(|e| panic!("{e}"))
        });
        Prepared::new(report.clone())
    }

    /// The numbers painted left of the plots (the y axis tick labels), top
    /// to bottom.
    fn y_tick_labels(output: &egui::FullOutput) -> Vec<String> {
        let mut ticks: Vec<(f32, String)> = crate::app::panels::testing::painted_texts(output)
            .into_iter()
            .filter(|t| t.rect.right() <= AXIS_WIDTH + 12.0 && t.text.parse::<f64>().is_ok())
            .map(|t| (t.rect.top(), t.text))
            .collect();
        ticks.sort_by(|a, b| a.0.total_cmp(&b.0));
        ticks.into_iter().map(|(_, t)| t).collect()
    }

    #[test]
    fn hot_partition_latency_in_presenter_mode_has_several_y_ticks() {
        // At 260 points egui_plot's powers-of-ten grid labelled only "0".
        for height in [260.0, 300.0, 420.0, 700.0] {
            let mut harness = Harness::builder()
                .with_size(egui::vec2(1100.0, height))
                .with_context_setup(crate::app::panels::style::install_fonts)
                .build_ui_state(|ui, state: &mut State| draw(ui, state, true), (hot_partition(), ViewState::default()));
            harness.run_steps(3);
            for plot in ["latency", "requests", "capacity"] {
                if plot != "latency" {
                    harness.get_by_label(plot).click();
                    harness.run_steps(3);
                }
                let ticks = y_tick_labels(harness.output());
                assert!(ticks.len() >= 3, "{plot} at {height} points: {ticks:?}");
                assert_eq!(ticks.last().map(String::as_str), Some("0"), "{plot} at {height} points: {ticks:?}");
            }
        }
    }

    /// The numbers painted under the lowest plot (its minutes axis).
    fn x_tick_labels(output: &egui::FullOutput) -> Vec<String> {
        let texts = crate::app::panels::testing::painted_texts(output);
        let bottom = texts.iter().filter(|t| t.text == "minutes").map(|t| t.rect.top()).fold(0.0, f32::max);
        let mut ticks: Vec<(f32, String)> = texts
            .into_iter()
            .filter(|t| t.rect.bottom() <= bottom + 1.0 && t.rect.top() >= bottom - 30.0)
            .filter(|t| t.text.parse::<f64>().is_ok())
            .map(|t| (t.rect.left(), t.text))
            .collect();
        ticks.sort_by(|a, b| a.0.total_cmp(&b.0));
        ticks.into_iter().map(|(_, t)| t).collect()
    }

    #[test]
    fn a_narrow_plot_still_labels_its_minutes() {
        // At 1280 × 720 the requests plot was about 330 points wide and its
        // minutes axis read "0" alone.
        for width in [420.0, 640.0, 1100.0] {
            let mut harness = Harness::builder()
                .with_size(egui::vec2(width, 800.0))
                .with_context_setup(crate::app::panels::style::install_fonts)
                .build_ui_state(
                    |ui, state: &mut State| draw(ui, state, false),
                    (noisy_prepared(), ViewState::default()),
                );
            harness.run_steps(3);
            let ticks = x_tick_labels(harness.output());
            assert!(ticks.len() >= 3, "at {width} points: {ticks:?}");
            assert_eq!(ticks.first().map(String::as_str), Some("0"), "at {width} points: {ticks:?}");
        }
    }

    #[test]
    fn each_tenant_overlaid_highlights_the_selection_in_lines_and_legend() {
        let mut view = ViewState::default();
        view.timeline.scope = Scope::EachTenant;
        view.timeline.design = Some(0);
        let mut harness = harness(view, false);
        harness.run_steps(3);
        // One design: its tenants coloured by tier, one legend entry per tier.
        for tier in ["tier basic", "tier premium"] {
            assert_eq!(harness.query_all_by_label(tier).count(), 2, "{tier} in requests and p99");
        }
        assert!(harness.query_by_label("smb-00").is_none(), "no tenant of its own in the legend");
        let (basic, premium) = (style::tier_color(0), style::tier_color(1));
        let widths = |harness: &Harness<'_, State>, color: Color32| {
            let lines = crate::app::panels::testing::painted_lines(harness.output());
            lines.iter().filter(|(_, c)| *c == color).map(|(w, _)| *w).collect::<Vec<f32>>()
        };
        let alone = |c| each_tenant::tenant_line_style(false, false, c);
        let drawn = widths(&harness, alone(basic).color).len() + widths(&harness, alone(premium).color).len();
        assert!(drawn >= 2 * 17, "17 tenants in two plots, drawn alike: {drawn}");
        let chosen = each_tenant::tenant_line_style(true, true, basic);
        assert!(!widths(&harness, basic).contains(&chosen.width), "nobody is emphasised");

        harness.state_mut().1.selected_tenant = Some("smb-00".into());
        harness.run_steps(3);
        assert_eq!(harness.query_all_by_label("smb-00").count(), 2, "the selected tenant is named in both legends");
        let thick = widths(&harness, chosen.color).into_iter().filter(|w| *w == chosen.width).count();
        assert_eq!(thick, 2, "one thick line in its tier's full colour in requests and in p99");
        let others = |c| each_tenant::tenant_line_style(false, true, c);
        let mut dimmed = widths(&harness, others(basic).color);
        dimmed.extend(widths(&harness, others(premium).color));
        assert!(dimmed.len() >= 2 * 16 && dimmed.iter().all(|w| *w == others(basic).width), "{dimmed:?}");
    }

    #[test]
    fn each_tenant_needs_per_tenant_series() {
        let mut report = crate::app::plot_data::tests::noisy_report();
        for design in &mut report.designs {
            design.series.tenants.clear();
        }
        let mut view = ViewState::default();
        view.timeline.scope = Scope::EachTenant;
        let mut harness = Harness::builder()
            .with_size(egui::vec2(1100.0, 800.0))
            .with_context_setup(crate::app::panels::style::install_fonts)
            .build_ui_state(|ui, state: &mut State| draw(ui, state, false), (Prepared::new(report), view));
        harness.run_steps(2);
        assert!(harness.query_by_label_contains("No per-tenant time series").is_some());
    }

    #[test]
    fn choosing_a_design_and_resetting_keep_working() {
        let mut harness = harness(ViewState::default(), false);
        harness.run_steps(2);
        harness.state_mut().1.timeline.design = Some(1);
        harness.run_steps(2);
        harness.get_by_label("Reset view").click();
        harness.run_steps(2);
        assert!(harness.query_by_label("Requests per second").is_some());
    }
}
