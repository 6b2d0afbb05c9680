//! The tenant table: one row per tenant of one design, sortable by any
//! column (click a header; again to reverse) and filtered by tier and id.
//! Only the visible rows are drawn (`ScrollArea::show_rows`), each painted
//! in one pass with fixed column widths, so thousands of tenants scroll
//! smoothly. Clicking a row selects the tenant everywhere.

use egui::{Align2, Color32, FontId, Rect, RichText, Sense, Stroke, pos2, vec2};

use crate::app::panels::style;
use crate::app::plot_data::compare::{Unit, thousands, usd};
use crate::app::plot_data::table::{COLUMNS, Column, TableQuery, in_spike_windows, shown_columns, table_rows};
use crate::app::{Command, Prepared, TableView};
use crate::report::{Estimate, TenantReport};

/// Body font size of the table.
const FONT_SIZE: f32 = 14.0;
/// Horizontal padding inside a cell.
const PAD: f32 = 6.0;

/// Width of a column, points (the id column grows with the longest id).
fn column_width(column: Column, id_chars: usize) -> f32 {
    match column {
        Column::Id => (id_chars as f32 * 8.5 + 2.0 * PAD).clamp(84.0, 220.0),
        Column::Tier => 84.0,
        Column::Offered | Column::Throttled | Column::Retries => 80.0,
        Column::ThrottledPlan | Column::ThrottledQuota => 60.0,
        Column::ThrottledAccount
        | Column::Dropped
        | Column::DroppedPartition
        | Column::DroppedClient
        | Column::DroppedConnections => 74.0,
        Column::GatewayMs | Column::QueueMs | Column::ComputeMs | Column::DatabaseMs => 96.0,
        Column::OldestMessage => 96.0,
        Column::WastedWork => 104.0,
        Column::Redelivered => 96.0,
        Column::DeadLettered | Column::Duplicates => 60.0,
        Column::ThrottledConcurrency | Column::ColdStarts | Column::ThrottledQueue => 92.0,
        Column::DroppedTimeout => 68.0,
        Column::P50 => 84.0,
        Column::P99 | Column::SpikeP99 => 104.0,
        Column::SpikeUnserved => 84.0,
        Column::SloMet => 68.0,
        Column::Cost | Column::Revenue => 92.0,
        Column::Margin => 100.0,
        Column::Impact => 94.0,
        Column::Blamed => 150.0,
    }
}

/// Draws the table with `view`'s design, filters and sort, `selected` the
/// tenant highlighted.
pub fn tenants_table_ui(
    ui: &mut egui::Ui,
    prepared: &Prepared,
    view: &mut TableView,
    selected: Option<&str>,
    commands: &mut Vec<Command>,
) {
    let report = &prepared.report;
    if report.designs.is_empty() {
        ui.label("No results.");
        return;
    }
    view.design = view.design.min(report.designs.len() - 1);
    let design = &report.designs[view.design];
    let query = TableQuery {
        tier: view.tier.clone(),
        search: view.search.clone(),
        sort_column: view.sort_column,
        descending: view.descending,
    };
    // Filtering and sorting a thousand rows takes well under a millisecond.
    let rows = table_rows(design, &report.tiers, &query);
    let columns = shown_columns(design);
    controls_ui(ui, prepared, view, rows.len(), columns.len() < COLUMNS.len());
    let id_chars = design.tenants.iter().map(|t| t.id.chars().count()).max().unwrap_or(6);
    let widths: Vec<(usize, f32)> = columns.iter().map(|&c| (c, column_width(COLUMNS[c], id_chars))).collect();
    let row_height = ui.fonts_mut(|f| f.row_height(&FontId::proportional(FONT_SIZE))) + 8.0;
    let scroll_to = scroll_target(ui, &rows, design, selected, row_height);
    let beyond = beyond_the_edge(&widths, ui.available_width());
    if !beyond.is_empty() {
        let text = format!("Scroll sideways (Shift+wheel or the bar below) for more columns: {}", beyond.join(", "));
        ui.label(RichText::new(text).weak());
    }
    // Solid bars: a floating one is invisible until hovered, and the
    // columns past the edge would go unnoticed.
    ui.spacing_mut().scroll = egui::style::ScrollStyle::solid();
    let horizontal = egui::ScrollArea::horizontal()
        .id_salt("tenant_table_h")
        .auto_shrink([false, false])
        .scroll_bar_visibility(egui::scroll_area::ScrollBarVisibility::AlwaysVisible);
    horizontal.show(ui, |ui| {
        ui.spacing_mut().item_spacing.y = 0.0;
        header_ui(ui, view, &widths, row_height + 4.0);
        let mut area = egui::ScrollArea::vertical().id_salt("tenant_table_v").auto_shrink([true, false]);
        if let Some(offset) = scroll_to {
            area = area.vertical_scroll_offset(offset);
        }
        area.show_rows(ui, row_height, rows.len(), |ui, range| {
            for (n, &i) in rows[range.clone()].iter().enumerate() {
                let tenant = &design.tenants[i];
                let is_selected = selected == Some(tenant.id.as_str());
                let stripe = (range.start + n) % 2 == 1;
                if row_ui(ui, prepared, tenant, &widths, row_height, is_selected, stripe).clicked() {
                    commands.push(Command::SelectTenant(if is_selected { None } else { Some(tenant.id.clone()) }));
                }
            }
        });
        if rows.is_empty() {
            ui.add_space(12.0);
            ui.label(RichText::new("No tenant matches the filter.").weak());
        }
    });
}

/// Titles of the columns mostly past `width`, the ones to scroll to (the
/// first five, then an ellipsis).
fn beyond_the_edge(widths: &[(usize, f32)], width: f32) -> Vec<&'static str> {
    let mut left = 0.0;
    let mut titles: Vec<&str> = widths
        .iter()
        .filter_map(|&(c, w)| {
            let starts = left;
            left += w;
            (starts + 0.5 * w > width).then(|| COLUMNS[c].title())
        })
        .collect();
    if titles.len() > 5 {
        titles.truncate(5);
        titles.push("…");
    }
    titles
}

/// When the selection changed since the last frame (e.g. a click in the
/// cost plot), the scroll offset that brings its row into view.
fn scroll_target(
    ui: &egui::Ui,
    rows: &[usize],
    design: &crate::report::DesignReport,
    selected: Option<&str>,
    row_height: f32,
) -> Option<f32> {
    let id = ui.scope_id().with("tenant_table_last_selection");
    let last: Option<Option<String>> = ui.data(|d| d.get_temp(id));
    let current = selected.map(str::to_owned);
    ui.data_mut(|d| d.insert_temp(id, current.clone()));
    if last.is_none() || last == Some(current) {
        return None;
    }
    let position = rows.iter().position(|&i| Some(design.tenants[i].id.as_str()) == selected)?;
    Some((position as f32 - 3.0).max(0.0) * row_height)
}

fn controls_ui(ui: &mut egui::Ui, prepared: &Prepared, view: &mut TableView, shown: usize, hidden_causes: bool) {
    let report = &prepared.report;
    ui.horizontal_wrapped(|ui| {
        let label = ui.label("Design");
        let name = report.designs.get(view.design).map_or("", |d| d.name.as_str());
        let combo = egui::ComboBox::from_id_salt("table_design").selected_text(name).show_ui(ui, |ui| {
            for (d, design) in report.designs.iter().enumerate() {
                ui.selectable_value(&mut view.design, d, &design.name);
            }
        });
        combo.response.labelled_by(label.id);
        let label = ui.label("Tier");
        let tier_text = view.tier.clone().unwrap_or_else(|| "all tiers".to_owned());
        let combo = egui::ComboBox::from_id_salt("table_tier").selected_text(tier_text).show_ui(ui, |ui| {
            ui.selectable_value(&mut view.tier, None, "all tiers");
            for tier in &report.tiers {
                ui.selectable_value(&mut view.tier, Some(tier.clone()), tier);
            }
        });
        combo.response.labelled_by(label.id);
        let search = egui::TextEdit::singleline(&mut view.search).hint_text("search tenant id").desired_width(160.0);
        ui.add(search);
        if !view.search.is_empty() && ui.small_button("×").on_hover_text("Clear the search").clicked() {
            view.search.clear();
        }
        let total = report.designs.get(view.design).map_or(0, |d| d.tenants.len());
        ui.label(RichText::new(format!("{shown} of {total} tenants · click a header to sort, a row to select")).weak());
        if hidden_causes {
            ui.label(RichText::new("· throttle and drop causes that never happened are hidden").weak());
        }
    });
    ui.add_space(4.0);
}

fn header_ui(ui: &mut egui::Ui, view: &mut TableView, widths: &[(usize, f32)], height: f32) {
    let total: f32 = widths.iter().map(|(_, w)| w).sum();
    let (rect, _) = ui.allocate_exact_size(vec2(total, height), Sense::hover());
    let visuals = ui.visuals().clone();
    ui.painter().rect_filled(rect, 0.0, visuals.faint_bg_color);
    ui.painter().hline(rect.x_range(), rect.bottom(), visuals.widgets.noninteractive.bg_stroke);
    let mut x = rect.left();
    let mut pinned_title = None;
    for &(c, width) in widths {
        let column = COLUMNS[c];
        let cell = Rect::from_min_size(pos2(x, rect.top()), vec2(width, height));
        x += width;
        let response = ui.interact(cell, ui.scope_id().with(("tenant_table_header", c)), Sense::click());
        response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::ColumnHeader, true, column.title()));
        let sorted = view.sort_column == c;
        let color = if sorted || response.hovered() { visuals.strong_text_color() } else { visuals.text_color() };
        let font = FontId::proportional(FONT_SIZE);
        let title_width = paint_cell(ui, cell, column.title(), column.numeric(), font.clone(), color);
        if let Some(pinned) = pinned_cell(ui, column, cell) {
            pinned_title = Some((pinned, column.title(), font, color));
        }
        if sorted {
            // Numbers are right-aligned: their arrow goes left of the title.
            let x = if column.numeric() {
                cell.right() - PAD - title_width - 8.0
            } else {
                cell.left() + PAD + title_width + 8.0
            };
            sort_arrow(ui, pos2(x, cell.center().y), view.descending, color);
        }
        let response = response.on_hover_text(format!(
            "{}\nClick to sort{}",
            column.help(),
            if sorted { "; click again to reverse" } else { "" }
        ));
        if response.clicked() {
            if sorted {
                view.descending = !view.descending;
            } else {
                view.sort_column = c;
                // Numbers: the largest (usually the interesting) first.
                view.descending = column.numeric();
            }
        }
    }
    if let Some((pinned, title, font, color)) = pinned_title {
        cover(ui, pinned, visuals.faint_bg_color);
        paint_cell(ui, pinned, title, false, font, color);
    }
}

/// Where the id column's cell is drawn when the table is scrolled past it:
/// at the left edge of the view, so the names stay in sight (`None` when
/// it is in view where it is, or for other columns).
fn pinned_cell(ui: &egui::Ui, column: Column, cell: Rect) -> Option<Rect> {
    let left = ui.clip_rect().left();
    (column == Column::Id && cell.left() < left - 0.5).then(|| Rect::from_min_size(pos2(left, cell.top()), cell.size()))
}

/// An opaque background for a pinned cell (the panel's, then `fill`),
/// with a line on its right edge where the scrolled columns pass under it.
fn cover(ui: &egui::Ui, rect: Rect, fill: Color32) {
    let visuals = ui.visuals();
    ui.painter().rect_filled(rect, 0.0, visuals.panel_fill);
    ui.painter().rect_filled(rect, 0.0, fill);
    ui.painter().vline(rect.right(), rect.y_range(), visuals.widgets.noninteractive.bg_stroke);
}

/// Paints a cell's text (clipped to the cell); returns the text's width.
fn paint_cell(ui: &egui::Ui, cell: Rect, text: &str, right: bool, font: FontId, color: Color32) -> f32 {
    let inner = cell.shrink2(vec2(PAD, 0.0));
    let (pos, align) = if right {
        (pos2(inner.right(), inner.center().y), Align2::RIGHT_CENTER)
    } else {
        (inner.left_center(), Align2::LEFT_CENTER)
    };
    ui.painter().with_clip_rect(cell.intersect(ui.clip_rect())).text(pos, align, text, font, color).width()
}

/// A small triangle, pointing down for descending order.
fn sort_arrow(ui: &egui::Ui, center: egui::Pos2, descending: bool, color: Color32) {
    let (w, h) = (4.5, 4.0);
    let points = if descending {
        vec![center + vec2(-w, -h), center + vec2(w, -h), center + vec2(0.0, h)]
    } else {
        vec![center + vec2(-w, h), center + vec2(w, h), center + vec2(0.0, -h)]
    };
    ui.painter().add(egui::Shape::convex_polygon(points, color, Stroke::NONE));
}

/// A cell's text and colour.
fn cell(prepared: &Prepared, t: &TenantReport, column: Column, visuals: &egui::Visuals) -> (String, Color32) {
    let normal = visuals.text_color();
    let weak = visuals.weak_text_color();
    let count = |e: Estimate| {
        let text = thousands(e.mean, 0);
        let color = if e.mean.abs() < 0.5 { weak } else { normal };
        (text, color)
    };
    let with_ci = |e: Estimate| {
        // Latencies of ten seconds and more (an overloaded queue) are
        // written in seconds, so that they fit their column.
        if e.mean.abs() >= 10_000.0 {
            let (mean, ci) = (e.mean / 1e3, e.ci95 / 1e3);
            let decimals = if mean.abs() >= 100.0 { 0 } else { 1 };
            let text = format!("{} s", thousands(mean, decimals));
            return if ci >= 0.05 { format!("{text} ±{}", thousands(ci, decimals)) } else { text };
        }
        // Big latencies lose their decimals to fit.
        let decimals = if e.mean.abs() >= 1000.0 { 0 } else { 1 };
        let mean = thousands(e.mean, decimals);
        if e.ci95 >= 0.05 { format!("{mean} ±{}", thousands(e.ci95, decimals)) } else { mean }
    };
    // A p99 over the tier's objective is bad.
    let p99 = |e: Estimate| {
        let k = prepared.report.tiers.iter().position(|n| *n == t.tier);
        let slo = k.and_then(|k| prepared.report.tier_slo_p99_ms.get(k)).copied().unwrap_or(f64::INFINITY);
        (with_ci(e), if e.mean > slo { style::BAD } else { normal })
    };
    match column {
        Column::Id => (t.id.clone(), visuals.strong_text_color()),
        Column::Tier => {
            let k = prepared.report.tiers.iter().position(|n| *n == t.tier).unwrap_or(0);
            (t.tier.clone(), style::tier_color(k))
        }
        Column::Offered => count(t.offered),
        Column::Throttled => {
            let (text, color) = count(t.throttled.total);
            (text, if t.throttled.total.mean >= 0.5 { style::BAD } else { color })
        }
        Column::ThrottledPlan => count(t.throttled.plan),
        Column::ThrottledQuota => count(t.throttled.quota),
        Column::ThrottledAccount => count(t.throttled.account),
        Column::ThrottledConcurrency => count(t.throttled.concurrency),
        Column::ThrottledQueue => count(t.throttled.queue),
        Column::ColdStarts => count(t.cold_starts),
        Column::Retries => count(t.retries),
        Column::Dropped => {
            let (text, color) = count(t.dropped.total);
            (text, if t.dropped.total.mean >= 0.5 { style::BAD } else { color })
        }
        Column::DroppedTimeout => count(t.dropped.timeout),
        Column::DroppedPartition => count(t.dropped.partition),
        Column::DroppedClient => count(t.dropped.client),
        Column::DroppedConnections => count(t.dropped.connections),
        Column::Redelivered => count(t.redelivered),
        Column::Duplicates => count(t.duplicates),
        Column::DeadLettered => count(t.dropped.dead_letter),
        Column::WastedWork => (Unit::Percent.format(t.wasted_work, 0), normal),
        Column::P50 => (with_ci(t.latency.p50_ms), normal),
        Column::GatewayMs => (with_ci(t.latency_by_layer.gateway_ms), normal),
        Column::QueueMs => (with_ci(t.latency_by_layer.queue_ms), normal),
        Column::OldestMessage => (with_ci(t.oldest_message_ms), normal),
        Column::ComputeMs => (with_ci(t.latency_by_layer.compute_ms), normal),
        Column::DatabaseMs => (with_ci(t.latency_by_layer.database_ms), normal),
        Column::P99 => p99(t.latency.p99_ms),
        Column::SpikeP99 | Column::SpikeUnserved if !in_spike_windows(t) => ("–".to_owned(), weak),
        Column::SpikeP99 => p99(t.windows.inside.latency.p99_ms),
        Column::SpikeUnserved => {
            let lost = t.windows.inside.unserved_fraction;
            let text = Unit::Percent.format(lost, 0);
            let color = if text == Unit::Percent.format(Estimate::default(), 0) { weak } else { style::BAD };
            (text, color)
        }
        Column::SloMet => {
            let met = t.slo_met.mean;
            let color = if met >= 0.999 {
                style::GOOD
            } else if met <= 0.001 {
                style::BAD
            } else {
                Color32::from_rgb(255, 167, 38)
            };
            (format!("{:.0} %", met * 100.0), color)
        }
        Column::Cost => (usd(t.cost_usd_per_month.mean), normal),
        Column::Revenue => (usd(t.revenue_usd_per_month), normal),
        Column::Margin => {
            let m = t.margin_usd_per_month.mean;
            (usd(m), if m < 0.0 { style::BAD } else { normal })
        }
        Column::Impact if t.impact.hurt => (format!("+{:.1} ms", t.impact.p99_increase_ms.mean), style::BAD),
        Column::Impact => ("–".to_owned(), weak),
        Column::Blamed => (t.impact.blamed_text(), normal),
    }
}

fn row_ui(
    ui: &mut egui::Ui,
    prepared: &Prepared,
    tenant: &TenantReport,
    widths: &[(usize, f32)],
    height: f32,
    selected: bool,
    stripe: bool,
) -> egui::Response {
    let total: f32 = widths.iter().map(|(_, w)| w).sum();
    let (rect, _) = ui.allocate_exact_size(vec2(total, height), Sense::hover());
    // The row answers clicks (and tells screen readers it is) where it is
    // visible: columns scrolled out of view are not part of it.
    let visible = rect.intersect(ui.clip_rect());
    let response = ui.interact(visible, ui.scope_id().with(("tenant_row", &tenant.id)), Sense::click());
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Row, true, format!("tenant {}", tenant.id)));
    ui.ctx().accesskit_node_builder(response.id, |node| node.set_selected(selected));
    let visuals = ui.visuals().clone();
    if !ui.is_rect_visible(rect) {
        return response;
    }
    let fill = if selected {
        visuals.selection.bg_fill
    } else if response.hovered() {
        visuals.widgets.hovered.weak_bg_fill
    } else if stripe {
        visuals.faint_bg_color
    } else {
        Color32::TRANSPARENT
    };
    ui.painter().rect_filled(rect, 0.0, fill);
    if selected {
        ui.painter().rect_stroke(rect, 0.0, Stroke::new(1.5, visuals.selection.stroke.color), egui::StrokeKind::Inside);
    }
    let mut x = rect.left();
    let mut pinned_id = None;
    for &(c, width) in widths {
        let column = COLUMNS[c];
        let cell_rect = Rect::from_min_size(pos2(x, rect.top()), vec2(width, height));
        x += width;
        let (text, mut color) = cell(prepared, tenant, column, &visuals);
        if selected && column == Column::Id {
            color = visuals.selection.stroke.color;
        }
        paint_cell(ui, cell_rect, &text, column.numeric(), FontId::proportional(FONT_SIZE), color);
        // The id stays in view when the other columns scroll sideways:
        // drawn again, over them, once they are all drawn.
        if let Some(pinned) = pinned_cell(ui, column, cell_rect) {
            pinned_id = Some((pinned, text, color));
        }
    }
    if let Some((pinned, text, color)) = pinned_id {
        cover(ui, pinned, fill);
        paint_cell(ui, pinned, &text, false, FontId::proportional(FONT_SIZE), color);
    }
    let blamed = if tenant.impact.blamed.is_empty() && !tenant.impact.own_spikes_counted {
        String::new()
    } else {
        format!("\nblamed: {}", tenant.impact.blamed_text())
    };
    let spike = if in_spike_windows(tenant) {
        let (inside, outside) = (&tenant.windows.inside, &tenant.windows.outside);
        format!(
            "\nduring others' spikes: p99 {} (out of them {}), lost at shared resources {} (out of them {})",
            Unit::Ms.format(inside.latency.p99_ms, 0),
            Unit::Ms.format(outside.latency.p99_ms, 0),
            Unit::Percent.format(inside.unserved_fraction, 0),
            Unit::Percent.format(outside.unserved_fraction, 0),
        )
    } else {
        String::new()
    };
    response.on_hover_text(format!(
        "{} ({}) · stacks: {}\nthrottled {} of {} offered ({:.2} %) · dropped {}\np99 {:.1} ms · cost {} · margin {}{spike}{blamed}\nClick to select",
        tenant.id,
        tenant.tier,
        tenant.stacks.join(", "),
        thousands(tenant.throttled.total.mean, 0),
        thousands(tenant.offered.mean, 0),
        tenant.throttled.total.mean / tenant.offered.mean.max(1.0) * 100.0,
        thousands(tenant.dropped.total.mean, 0),
        tenant.latency.p99_ms.mean,
        usd(tenant.cost_usd_per_month.mean),
        usd(tenant.margin_usd_per_month.mean),
    ))
}

#[cfg(test)]
mod tests {
    use egui_kittest::Harness;
    use egui_kittest::kittest::{NodeT, Queryable};

    use super::*;
    use crate::app::ViewState;
    use crate::app::plot_data::tests::{noisy_prepared, noisy_report};

    type State = (Prepared, ViewState, Vec<Command>);

    fn harness_with(prepared: Prepared, height: f32) -> Harness<'static, State> {
        Harness::builder()
            .with_size(egui::vec2(1300.0, height))
            .with_context_setup(crate::app::panels::style::install_fonts)
            .build_ui_state(
                |ui, (p, view, cmds): &mut State| {
                    tenants_table_ui(ui, p, &mut view.table, view.selected_tenant.as_deref(), cmds);
                },
                (prepared, ViewState::default(), Vec::new()),
            )
    }

    fn row_order(harness: &Harness<'_, State>) -> Vec<String> {
        let mut rows: Vec<(f32, String)> = harness
            .query_all_by_role(egui::Role::Row)
            .filter_map(|n| {
                n.accesskit_node().label().map(|l| (n.rect().top(), l.trim_start_matches("tenant ").to_owned()))
            })
            .collect();
        rows.sort_by(|a, b| a.0.total_cmp(&b.0));
        rows.into_iter().map(|(_, id)| id).collect()
    }

    #[test]
    fn clicking_a_row_selects_its_tenant() {
        let mut harness = harness_with(noisy_prepared(), 700.0);
        harness.run_steps(2);
        harness.get_by_label("tenant globex").click();
        harness.run_steps(1);
        assert_eq!(harness.state().2.last(), Some(&Command::SelectTenant(Some("globex".into()))));
        // The selected row is marked selected; clicking it again clears.
        harness.state_mut().1.selected_tenant = Some("globex".into());
        harness.run_steps(2);
        assert_eq!(harness.get_by_label("tenant globex").accesskit_node().is_selected(), Some(true));
        harness.get_by_label("tenant globex").click();
        harness.run_steps(1);
        assert_eq!(harness.state().2.last(), Some(&Command::SelectTenant(None)));
    }

    #[test]
    fn clicking_a_header_sorts_and_again_reverses() {
        let mut harness = harness_with(noisy_prepared(), 700.0);
        harness.run_steps(2);
        assert_eq!(row_order(&harness).first().map(String::as_str), Some("acme"), "file order by id");
        // The worst p99 of the report the panel draws (not a name typed in).
        let tenants = &harness.state().0.report.designs[0].tenants;
        let worst =
            tenants.iter().max_by(|a, b| a.latency.p99_ms.mean.total_cmp(&b.latency.p99_ms.mean)).map(|t| t.id.clone());
        assert!(tenants.first().map(|t| &t.id) != worst.as_ref(), "the sort would prove nothing");
        harness.get_by_label("p99 ms").click();
        harness.run_steps(2);
        let order = row_order(&harness);
        assert_eq!(order.first(), worst.as_ref(), "worst p99 first: {order:?}");
        harness.get_by_label("p99 ms").click();
        harness.run_steps(2);
        let reversed = row_order(&harness);
        assert_eq!(reversed.last(), worst.as_ref(), "{reversed:?}");
    }

    #[test]
    fn the_scroll_hint_names_the_columns_past_the_edge() {
        let widths: Vec<(usize, f32)> = (0..COLUMNS.len()).map(|c| (c, 100.0)).collect();
        assert!(beyond_the_edge(&widths[..3], 300.0).is_empty());
        assert_eq!(beyond_the_edge(&widths[..4], 340.0), [COLUMNS[3].title()], "mostly hidden");
        let many = beyond_the_edge(&widths, 300.0);
        assert_eq!(many.len(), 6);
        assert_eq!(many.last(), Some(&"…"));
    }

    #[test]
    fn spike_window_columns_sort_and_mark_who_sent_nothing_then() {
        let mut harness = harness_with(noisy_prepared(), 700.0);
        harness.run_steps(2);
        let tenants = &harness.state().0.report.designs[0].tenants;
        let worst = tenants
            .iter()
            .filter(|t| in_spike_windows(t))
            .max_by(|a, b| a.windows.inside.latency.p99_ms.mean.total_cmp(&b.windows.inside.latency.p99_ms.mean))
            .map(|t| t.id.clone());
        let quiet: Vec<String> = tenants.iter().filter(|t| !in_spike_windows(t)).map(|t| t.id.clone()).collect();
        assert_eq!(quiet, ["smb-00"], "only the spiking tenant sent nothing during another's spike");
        harness.get_by_label("spike p99").click();
        harness.run_steps(2);
        let order = row_order(&harness);
        assert_eq!(order.first(), worst.as_ref(), "worst p99 during the spike first: {order:?}");
        assert_eq!(order.last(), quiet.first(), "nothing to rank sorts last: {order:?}");
        assert!(harness.query_by_label("spike lost").is_some());
        // No spikes: no spike columns.
        let mut report = noisy_report();
        for design in &mut report.designs {
            for tenant in &mut design.tenants {
                tenant.windows = crate::report::WindowFigures::default();
            }
        }
        let mut harness = harness_with(Prepared::new(report), 700.0);
        harness.run_steps(2);
        assert!(harness.query_by_label("spike p99").is_none());
    }

    #[test]
    fn tier_and_search_filter_rows() {
        let mut harness = harness_with(noisy_prepared(), 700.0);
        harness.state_mut().1.table.tier = Some("premium".into());
        harness.run_steps(2);
        assert_eq!(row_order(&harness), vec!["acme", "globex"]);
        harness.state_mut().1.table.tier = None;
        harness.state_mut().1.table.search = "smb-1".into();
        harness.run_steps(2);
        assert_eq!(row_order(&harness).len(), 5);
        assert!(harness.query_by_label_contains("5 of 17 tenants").is_some());
    }

    #[test]
    fn a_thousand_tenants_draw_only_the_visible_rows() {
        let mut report = noisy_report();
        for design in &mut report.designs {
            let template = design.tenants[5].clone();
            for k in 0..1200 {
                let mut t = template.clone();
                t.id = format!("bulk-{k:04}");
                design.tenants.push(t);
            }
        }
        let mut harness = harness_with(Prepared::new(report), 600.0);
        harness.run_steps(2);
        let drawn = harness.query_all_by_role(egui::Role::Row).count();
        assert!(drawn > 5 && drawn < 60, "only visible rows are laid out: {drawn}");
        harness.state_mut().1.selected_tenant = Some("bulk-0900".into());
        harness.run_steps(3);
        assert!(harness.query_by_label("tenant bulk-0900").is_some(), "the table scrolls to a new selection");
    }
}
