//! The comparison: every design side by side, one column each, with the
//! best figure of each row starred, and (when the scenario has spikes) a
//! "during the spike" block: each tier's latency and losses inside other
//! tenants' spike windows against the rest of the run. Figures come
//! ready-made from [`crate::app::plot_data::compare`]; this file only lays
//! them out. When the panel is wide enough the rows split into two tables
//! at the section boundary that evens their heights, and when it is too
//! short for every row (presenter mode, small windows) only the main or
//! the headline rows are shown, so that a projector shows the story
//! without scrolling; the user can ask for every row. Which rows, font
//! and split fit is worked out in its `fit` module.

use egui::{Align, Color32, FontId, Layout, RichText};

mod fit;

pub use fit::headline_height;
use fit::{
    CAPTION_HEIGHT_ID, COLUMN_GAP, Fit, ROW_GAP, TABLE_GAP, TITLE_HEIGHT, fit, fit_width, keep_rows, label_text, split,
};

use crate::app::panels::{form, style};
use crate::app::plot_data::compare::{CompareRow, DURING_THE_SPIKE, best_first_descending, design_order};
use crate::app::{Command, CompareView, Prepared};

/// Draws the comparison of `prepared` with `view`'s design order and row
/// choice. `presenter` picks the projector palette for the design
/// headers, the same one the timelines use. Clicking a row's label orders
/// the design columns by that row (best first; again to reverse);
/// clicking who hurt whom selects the culprit (a command).
pub fn compare_ui(
    ui: &mut egui::Ui,
    prepared: &Prepared,
    view: &mut CompareView,
    presenter: bool,
    commands: &mut Vec<Command>,
) {
    let report = &prepared.report;
    if report.designs.is_empty() {
        ui.label("The scenario has no designs to compare.");
        return;
    }
    // The caption wraps on narrow panels: fit the rows under last frame's
    // caption, and lay the frame out again if it changed height.
    let caption_id = egui::Id::unique(CAPTION_HEIGHT_ID);
    let caption_height: f32 = ui.data(|d| d.get_temp(caption_id)).unwrap_or(2.0 * TITLE_HEIGHT);
    let panel = (ui.available_size(), view.all_rows, presenter, shape_of(prepared));
    let width = ui.available_width();
    let height = ui.available_height() - caption_height - 4.0;
    // A first look keeps the rows of the results before it (its wide
    // intervals would otherwise drop rows until every replication is in,
    // and the table would shrink and grow back at every edit), and their
    // font and split unless its cells are too wide for them.
    let kept_id = egui::Id::unique(KEPT_FIT_ID);
    let kept: Option<KeptFit> = ui.data(|d| d.get_temp(kept_id));
    let (fitted, fit) = match kept {
        Some(kept) if prepared.first_look && kept.panel == panel => {
            (kept.fitted, keep_rows(ui, prepared, width, kept.fit))
        }
        _ => {
            let fitted = fit(ui, prepared, width, height);
            let fit = if view.all_rows { fit_width(ui, prepared, width) } else { fitted };
            (fitted, fit)
        }
    };
    if !prepared.first_look {
        ui.data_mut(|d| d.insert_temp(kept_id, KeptFit { panel, fitted, fit }));
    }
    let top = ui.cursor().top();
    caption_ui(ui, prepared, fitted.max_priority < 2, presenter, view);
    let drawn = ui.cursor().top() - top;
    if (drawn - caption_height).abs() > 1.0 {
        ui.data_mut(|d| d.insert_temp(caption_id, drawn));
        ui.ctx().request_discard("the comparison's caption changed height");
    }
    ui.add_space(4.0);
    let rows: Vec<&CompareRow> = prepared.compare.iter().filter(|r| r.priority <= fit.max_priority).collect();
    let order = design_order(&prepared.compare, report.designs.len(), view.sort_row.as_deref(), view.descending);
    let table = Table { prepared, order: &order, size: fit.size, presenter, sections: fit.max_priority > 0 };
    egui::ScrollArea::vertical().auto_shrink([false, true]).show(ui, |ui| {
        if fit.two_up {
            let (left, right) = split(&rows);
            ui.horizontal_top(|ui| {
                table_ui(ui, "compare_left", &table, &left, true, view, commands);
                ui.add_space(TABLE_GAP);
                table_ui(ui, "compare_right", &table, &right, false, view, commands);
            });
        } else {
            // Too narrow even for one table at the smallest size: scroll
            // sideways, with a bar that shows there is more.
            form::wide_table_ui(ui, "compare_all_h", |ui| {
                table_ui(ui, "compare_all", &table, &rows, true, view, commands);
            });
        }
    });
}

/// Where the comparison keeps the layout of the last results of every
/// replication, for the first look at the next edit's.
const KEPT_FIT_ID: &str = "tenantsim_compare_kept_fit";

/// The layout of the last results of every replication, and the panel
/// it was fitted to (size, every row asked for, presenter mode, the
/// results' shape).
#[derive(Debug, Clone, Copy)]
struct KeptFit {
    panel: (egui::Vec2, bool, bool, u64),
    /// The rows, font and split that fit the panel, and what was drawn
    /// (every row when the user asked for them).
    fitted: Fit,
    fit: Fit,
}

/// What the comparison's layout depends on besides the figures: the
/// scenario, its tiers, designs and spike block (another scenario, or a
/// design added, is fitted anew even in a first look).
fn shape_of(prepared: &Prepared) -> u64 {
    use std::hash::{Hash, Hasher};
    let report = &prepared.report;
    let mut hasher = std::hash::DefaultHasher::new();
    report.scenario.hash(&mut hasher);
    report.tiers.hash(&mut hasher);
    report.designs.iter().for_each(|d| d.name.hash(&mut hasher));
    report.events.iter().for_each(|e| e.kind.hash(&mut hasher));
    hasher.finish()
}

/// The line above the tables: what the figures are, the star, the rows
/// toggle (when not every row fits, `cropped`) and, when the designs are
/// sorted, by what (with a way back).
fn caption_ui(ui: &mut egui::Ui, prepared: &Prepared, cropped: bool, presenter: bool, view: &mut CompareView) {
    let report = &prepared.report;
    let caption = if report.replications > 1 {
        format!("Mean of {} replications (± 95 % CI where it matters) ·", report.replications)
    } else {
        "One replication (no confidence intervals) ·".to_owned()
    };
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new(caption).weak());
        star_ui(ui, 13.0, style::GOOD, "star".to_owned());
        // On a projector one short line, so the rows and the plot get the room.
        let best =
            if presenter { "best of the row" } else { "best of the row · hover a figure for how it is computed" };
        ui.label(RichText::new(best).weak());
        if cropped || view.all_rows {
            let (text, tip) = if view.all_rows {
                ("Headline rows", "Show only the rows that fit without scrolling")
            } else {
                ("Show all rows", "Not every row fits here; show every row, scrolling if needed")
            };
            if ui.small_button(text).on_hover_text(tip).clicked() {
                view.all_rows = !view.all_rows;
            }
        }
        match &view.sort_row {
            Some(key) => {
                let direction = if view.descending { "largest" } else { "smallest" };
                let label = prepared.compare.iter().find(|r| r.key == *key).map_or(key.as_str(), |r| r.label.as_str());
                ui.label(RichText::new(format!("· designs by {label}, {direction} first")).weak());
                let tip = "Put the designs back in the scenario's order";
                if ui.small_button("Scenario order").on_hover_text(tip).clicked() {
                    view.sort_row = None;
                }
            }
            None if presenter => {}
            None => {
                ui.label(RichText::new("· click a row's name to order the designs by it").weak());
            }
        }
    });
}

/// What every table of one frame shares.
struct Table<'a> {
    prepared: &'a Prepared,
    /// Design indices, left to right.
    order: &'a [usize],
    /// Font size.
    size: f32,
    presenter: bool,
    /// Section headings shown.
    sections: bool,
}

/// A filled five-pointed star (no font has one built in), named for
/// screen readers and tests.
fn star_ui(ui: &mut egui::Ui, size: f32, color: Color32, name: String) -> egui::Response {
    let (rect, response) = ui.allocate_exact_size(egui::vec2(size, size), egui::Sense::hover());
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, &name));
    if ui.is_rect_visible(rect) {
        let center = rect.center();
        let outer = size * 0.5;
        let mut mesh = egui::Mesh::default();
        mesh.colored_vertex(center, color);
        for k in 0..10 {
            let radius = if k % 2 == 0 { outer } else { outer * 0.42 };
            let angle = -std::f32::consts::FRAC_PI_2 + k as f32 * std::f32::consts::PI / 5.0;
            mesh.colored_vertex(center + radius * egui::vec2(angle.cos(), angle.sin()), color);
        }
        for k in 0..10u32 {
            mesh.add_triangle(0, 1 + k, 1 + (k + 1) % 10);
        }
        ui.painter().add(egui::Shape::mesh(mesh));
    }
    response
}

/// One table of rows under the design headers, in `table.order`. The
/// second of two tables paints its headers without naming them again for
/// screen readers.
fn table_ui(
    ui: &mut egui::Ui,
    id: &str,
    table: &Table<'_>,
    rows: &[&CompareRow],
    named_headers: bool,
    view: &mut CompareView,
    commands: &mut Vec<Command>,
) {
    let designs = &table.prepared.report.designs;
    let size = table.size;
    egui::Grid::new(ui.scope_id().with(id)).striped(true).spacing([COLUMN_GAP, ROW_GAP]).min_col_width(40.0).show(
        ui,
        |ui| {
            ui.label("");
            for &d in table.order {
                let Some(design) = designs.get(d) else { continue };
                ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                    let color = style::design_color(d, table.presenter);
                    if named_headers {
                        let header = RichText::new(&design.name).size(size + 2.0).strong().color(color);
                        ui.label(header).on_hover_text(format!("Design {}: figures of this column", design.name));
                    } else {
                        let font = FontId::proportional(size + 2.0);
                        let galley = ui.painter().layout_no_wrap(design.name.clone(), font, color);
                        let (rect, _) = ui.allocate_exact_size(galley.size(), egui::Sense::hover());
                        ui.painter().galley(rect.min, galley, color);
                    }
                });
            }
            ui.end_row();
            let mut section = "";
            for row in rows {
                if table.sections && row.section != section {
                    section = row.section;
                    ui.label(RichText::new(section.to_uppercase()).size(size - 3.0).strong().weak());
                    ui.end_row();
                }
                row_label_ui(ui, row, size, view);
                row_ui(ui, table, row, commands);
                ui.end_row();
            }
        },
    );
}

/// A row's name: click to order the designs by it, again to reverse; the
/// row the designs are ordered by carries a triangle pointing the way.
fn row_label_ui(ui: &mut egui::Ui, row: &CompareRow, size: f32, sort: &mut CompareView) {
    let sorted = sort.sort_row.as_deref() == Some(row.key.as_str());
    ui.horizontal(|ui| {
        let label = egui::Label::new(RichText::new(label_text(row)).size(size)).selectable(false);
        let again = if sorted { "; click again to reverse" } else { "" };
        let response = ui
            .add(label.sense(egui::Sense::click()))
            .on_hover_text(format!("{}\n\nClick to order the designs by this row{again}", row.help));
        if sorted {
            sort_marker_ui(ui, size, sort.descending);
        }
        if response.clicked() {
            if sorted {
                sort.descending = !sort.descending;
            } else {
                sort.sort_row = Some(row.key.clone());
                sort.descending = best_first_descending(row.better);
            }
        }
    });
}

/// A small triangle, pointing down when the largest figure comes first
/// (as in the tenant table), named for screen readers and tests.
fn sort_marker_ui(ui: &mut egui::Ui, size: f32, descending: bool) {
    let side = (size * 0.6).round();
    let (rect, response) = ui.allocate_exact_size(egui::vec2(side, side), egui::Sense::hover());
    let name = if descending { "sorted largest first" } else { "sorted smallest first" };
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, name));
    let (c, w, h) = (rect.center(), side * 0.45, side * 0.38);
    let points = if descending {
        vec![c + egui::vec2(-w, -h), c + egui::vec2(w, -h), c + egui::vec2(0.0, h)]
    } else {
        vec![c + egui::vec2(-w, h), c + egui::vec2(w, h), c + egui::vec2(0.0, -h)]
    };
    let color = ui.visuals().strong_text_color();
    ui.painter().add(egui::Shape::convex_polygon(points, color, egui::Stroke::NONE));
}

/// A row's figures, one cell per design in `table.order`.
fn row_ui(ui: &mut egui::Ui, table: &Table<'_>, row: &CompareRow, commands: &mut Vec<Command>) {
    let designs = &table.prepared.report.designs;
    let size = table.size;
    let money_row = row.key.starts_with("margin");
    let blame_row = row.key == "blame";
    for &d in table.order {
        let (Some(cell), Some(design)) = (row.cells.get(d), designs.get(d)) else {
            ui.label("");
            continue;
        };
        ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
            let color = if cell.best {
                style::GOOD
            } else if money_row && cell.mean < 0.0 {
                style::BAD
            } else {
                ui.visuals().text_color()
            };
            let clickable = blame_row && cell.mean > 0.0;
            let label = egui::Label::new(cell_text(ui, row, &cell.text, size, color)).selectable(false);
            let response = if clickable { ui.add(label.sense(egui::Sense::click())) } else { ui.add(label) };
            let response = response.on_hover_text(&cell.tooltip);
            if clickable && response.clicked() {
                let culprit = cell.text.split(" → ").next().unwrap_or_default().to_owned();
                commands.push(Command::SelectTenant(Some(culprit)));
            }
            if cell.best {
                star_ui(ui, size * 0.95, style::GOOD, format!("best {}: {}", row.label, design.name))
                    .on_hover_text(&cell.tooltip);
            }
        });
    }
}

/// A cell's text in `color`; in the "during the spike" block the value
/// outside the windows (after ` / `) is weak, so the value inside them
/// reads first.
fn cell_text(ui: &egui::Ui, row: &CompareRow, text: &str, size: f32, color: Color32) -> egui::WidgetText {
    let font = FontId::proportional(size);
    let split = if row.section == DURING_THE_SPIKE { text.split_once(" / ") } else { None };
    let Some((inside, outside)) = split else {
        return RichText::new(text).size(size).color(color).into();
    };
    let mut job = egui::text::LayoutJob::default();
    job.append(inside, 0.0, egui::TextFormat::simple(font.clone(), color));
    job.append(&format!(" / {outside}"), 0.0, egui::TextFormat::simple(font, ui.visuals().weak_text_color()));
    job.into()
}

#[cfg(test)]
mod tests {
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;

    use super::*;
    use crate::app::plot_data::tests::noisy_prepared;

    type State = (Prepared, CompareView, Vec<Command>);

    fn harness(width: f32) -> Harness<'static, State> {
        harness_presenter(width, false)
    }

    fn harness_presenter(width: f32, presenter: bool) -> Harness<'static, State> {
        let state = (noisy_prepared(), CompareView::default(), Vec::new());
        Harness::builder()
            .with_size(egui::vec2(width, 700.0))
            .with_context_setup(style::install_fonts)
            .build_ui_state(move |ui, (p, view, cmds): &mut State| compare_ui(ui, p, view, presenter, cmds), state)
    }

    #[test]
    fn presenter_mode_is_a_parameter_and_picks_the_projector_palette() {
        for presenter in [false, true] {
            let mut harness = harness_presenter(1400.0, presenter);
            harness.run_steps(3);
            let colors = crate::app::panels::testing::text_colors(harness.output(), "pool");
            assert!(!colors.is_empty(), "the pool header is painted");
            let expected = style::design_color(0, presenter);
            assert!(colors.iter().all(|c| *c == expected), "presenter {presenter}: {colors:?} vs {expected:?}");
        }
    }

    #[test]
    fn every_design_and_its_figures_are_shown() {
        let mut harness = harness(1400.0);
        harness.run_steps(3);
        for design in ["pool", "silo", "bridge"] {
            assert!(harness.query_by_label(design).is_some(), "{design} header");
        }
        let pool = &harness.state().0.report.designs[0];
        let cost = crate::app::plot_data::compare::usd(pool.totals.cost_usd_per_month.mean);
        assert!(harness.query_all_by_label_contains(&cost).count() >= 1, "pool's total cost {cost} is shown");
        for label in
            ["Total cost / month", "Margin / month", "SLO met (tenants)", "Tenants hurt by neighbours", "Who hurt whom"]
        {
            assert!(harness.query_by_label(label).is_some(), "row {label}");
        }
        assert!(harness.query_by_label("    Margin premium").is_some(), "per-tier rows");
        assert!(harness.query_by_label_contains("smb-00 → 16 tenants").is_some(), "blast radius in the pool");
    }

    #[test]
    fn the_best_value_of_a_row_is_starred() {
        let mut harness = harness(1400.0);
        harness.run_steps(3);
        let p = &harness.state().0;
        let cheapest = p.report.designs.iter().map(|d| d.totals.cost_usd_per_month.mean).fold(f64::INFINITY, f64::min);
        let pool = p.report.designs.iter().position(|d| d.totals.cost_usd_per_month.mean == cheapest).unwrap_or(0);
        let name = format!("best Total cost / month: {}", p.report.designs[pool].name);
        assert!(harness.query_by_label(&name).is_some(), "{name}");
        assert_eq!(harness.query_all_by_label_contains("best Total cost / month").count(), 1, "one cheapest design");
        // Silo hurts nobody: the fewest tenants hurt is starred.
        assert!(harness.query_by_label("best Tenants hurt by neighbours: silo").is_some());
        assert!(harness.query_by_label_contains("best Revenue").is_none(), "revenue is not ranked");
    }

    #[test]
    fn narrow_panels_still_show_every_row() {
        let mut harness = harness(700.0);
        harness.run_steps(3);
        assert!(harness.query_by_label("Total cost / month").is_some());
        assert!(harness.query_by_label("Who hurt whom").is_some());
        assert!(harness.query_by_label("pool").is_some());
    }

    #[test]
    fn a_short_panel_keeps_the_headline_rows() {
        let state = (noisy_prepared(), CompareView::default(), Vec::new());
        let mut harness = Harness::builder()
            .with_size(egui::vec2(700.0, 280.0))
            .with_context_setup(style::install_fonts)
            .build_ui_state(|ui, (p, view, cmds): &mut State| compare_ui(ui, p, view, false, cmds), state);
        harness.run_steps(3);
        for label in ["Total cost / month", "Margin / month", "SLO met (tenants)", "Worst p99 latency", "Who hurt whom"]
        {
            assert!(harness.query_by_label(label).is_some(), "headline row {label}");
        }
        assert!(harness.query_by_label("    Margin basic").is_none(), "details make way");
        harness.get_by_label("Show all rows").click();
        harness.run_steps(3);
        assert!(harness.query_by_label("    Margin basic").is_some(), "all rows on request");
    }

    /// Design names in header order, left to right.
    fn header_order(harness: &Harness<'_, State>) -> Vec<String> {
        let mut headers: Vec<(f32, String)> = ["pool", "silo", "bridge"]
            .iter()
            .map(|name| (harness.get_by_label(name).rect().left(), (*name).to_owned()))
            .collect();
        headers.sort_by(|a, b| a.0.total_cmp(&b.0));
        headers.into_iter().map(|(_, name)| name).collect()
    }

    #[test]
    fn clicking_a_row_name_orders_the_designs_and_again_reverses() {
        let mut harness = harness(1400.0);
        harness.run_steps(3);
        assert_eq!(header_order(&harness), ["pool", "silo", "bridge"], "the scenario's order by default");
        assert!(harness.query_by_label_contains("sorted").is_none());
        let report = &harness.state().0.report;
        let mut by_cost: Vec<(f64, String)> =
            report.designs.iter().map(|d| (d.totals.cost_usd_per_month.mean, d.name.clone())).collect();
        by_cost.sort_by(|a, b| a.0.total_cmp(&b.0));
        let cheapest_first: Vec<String> = by_cost.into_iter().map(|(_, n)| n).collect();
        harness.get_by_label("Total cost / month").click();
        harness.run_steps(3);
        assert_eq!(header_order(&harness), cheapest_first, "lower is better: cheapest first");
        assert!(harness.query_by_label("sorted smallest first").is_some());
        assert_eq!(harness.state().1.sort_row.as_deref(), Some("cost"));
        // The star follows its design.
        let star = format!("best Total cost / month: {}", cheapest_first[0]);
        assert!(harness.query_by_label(&star).is_some(), "{star}");
        harness.get_by_label("Total cost / month").click();
        harness.run_steps(3);
        let mut reversed = cheapest_first.clone();
        reversed.reverse();
        assert_eq!(header_order(&harness), reversed);
        assert!(harness.query_by_label("sorted largest first").is_some());
        assert!(harness.query_by_label(&star).is_some(), "best is still marked");
        harness.get_by_label("Scenario order").click();
        harness.run_steps(3);
        assert_eq!(header_order(&harness), ["pool", "silo", "bridge"]);
        assert_eq!(harness.state().1.sort_row, None);
    }

    #[test]
    fn a_higher_is_better_row_sorts_best_first() {
        let mut harness = harness(1400.0);
        harness.run_steps(3);
        harness.get_by_label("Margin / month").click();
        harness.run_steps(3);
        assert!(harness.state().1.descending, "largest margin first");
        let report = &harness.state().0.report;
        let best = report
            .designs
            .iter()
            .max_by(|a, b| a.totals.margin_usd_per_month.mean.total_cmp(&b.totals.margin_usd_per_month.mean))
            .map(|d| d.name.clone());
        assert_eq!(header_order(&harness).first(), best.as_ref());
    }

    #[test]
    fn the_spike_block_shows_in_and_out_per_tier_and_stars_the_best() {
        let mut harness = harness(1400.0);
        harness.run_steps(3);
        assert!(harness.query_by_label("DURING THE SPIKE (IN / OUT)").is_some(), "the block's heading");
        assert!(harness.query_by_label("p99 premium").is_some());
        let row = harness.state().0.compare.iter().find(|r| r.key == "window_p99.premium").cloned();
        let row = row.unwrap_or_else(|| panic!("the p99 premium row"));
        for cell in &row.cells {
            // Painted as one label of two parts: the value in, then out.
            assert!(harness.query_all_by_label(&cell.text).count() >= 1, "{} is shown", cell.text);
        }
        let designs: Vec<String> = harness.state().0.report.designs.iter().map(|d| d.name.clone()).collect();
        for (cell, design) in row.cells.iter().zip(&designs) {
            let star = format!("best p99 premium: {design}");
            assert_eq!(harness.query_by_label(&star).is_some(), cell.best, "{star}");
        }
        // Ordering the designs by a row of the block works as by any row.
        harness.get_by_label("p99 premium").click();
        harness.run_steps(3);
        assert_eq!(harness.state().1.sort_row.as_deref(), Some("window_p99.premium"));
        let best = row.cells.iter().position(|c| c.best).map(|d| designs[d].clone());
        assert_eq!(header_order(&harness).first(), best.as_ref(), "best (lowest) first");
    }

    #[test]
    fn every_row_on_request_and_back() {
        let mut harness = Harness::builder()
            .with_size(egui::vec2(640.0, 420.0))
            .with_context_setup(style::install_fonts)
            .build_ui_state(
                |ui, (p, view, cmds): &mut State| compare_ui(ui, p, view, false, cmds),
                (noisy_prepared(), CompareView::default(), Vec::new()),
            );
        harness.run_steps(3);
        assert!(harness.query_by_label("p99 premium").is_none(), "only the headline rows fit");
        harness.get_by_label("Show all rows").click();
        harness.run_steps(3);
        assert!(harness.state().1.all_rows, "kept in the document's view");
        assert!(harness.query_by_label("p99 premium").is_some());
        assert!(harness.query_by_label("Mean latency basic").is_some(), "details too");
        harness.get_by_label("Headline rows").click();
        harness.run_steps(3);
        assert!(harness.query_by_label("p99 premium").is_none());
    }

    #[test]
    fn clicking_who_hurt_whom_selects_the_culprit() {
        let mut harness = harness(1400.0);
        harness.run_steps(3);
        harness.get_by_label("smb-00 → 16 tenants").click();
        harness.run_steps(2);
        assert!(harness.state().2.contains(&Command::SelectTenant(Some("smb-00".into()))));
    }

    /// The noisy-neighbour example at its first two replications (wide
    /// intervals, so wide cells), run once.
    fn two_replications() -> crate::report::RunReport {
        static REPORT: std::sync::OnceLock<crate::report::RunReport> = std::sync::OnceLock::new();
        REPORT
            .get_or_init(|| {
                let (_, mut scenario) =
                    crate::scenario::load_str(crate::bundled::DEFAULT.text, &crate::scenario::Limits::default())
                        .unwrap_or_else(|e| panic!("{e}"));
                scenario.clock.replications = 2;
                let options = crate::sim::RunOptions { threads: Some(2), ..Default::default() };
                crate::sim::run(&scenario, &options, &crate::sim::RunControl::new()).unwrap_or_else(|e| panic!("{e}"))
            })
            .clone()
    }

    /// Whether a detail row shows in a panel `width` wide after the
    /// complete example's results were shown and then `next`.
    fn detail_shown_after(width: f32, next: Prepared) -> bool {
        let mut harness = Harness::builder()
            .with_size(egui::vec2(width, 800.0))
            .with_context_setup(style::install_fonts)
            .build_ui_state(
                |ui, (p, view, cmds): &mut State| compare_ui(ui, p, view, false, cmds),
                (noisy_prepared(), CompareView::default(), Vec::new()),
            );
        harness.run_steps(3);
        if harness.query_by_label("    Margin basic").is_none() {
            return false;
        }
        harness.state_mut().0 = next;
        harness.run_steps(3);
        harness.query_by_label("    Margin basic").is_some()
    }

    #[test]
    fn a_first_look_keeps_the_layout_of_the_results_before_it() {
        // A panel where every row of the complete results fits but, fitted
        // anew, those of two replications (whose intervals widen the
        // columns) would not.
        let width = (400..=1200)
            .step_by(20)
            .map(|w| w as f32)
            .find(|&w| {
                detail_shown_after(w, noisy_prepared()) && !detail_shown_after(w, Prepared::new(two_replications()))
            })
            .unwrap_or_else(|| panic!("no width where two replications' own layout drops rows"));
        // As a first look at a run of eight, they keep the rows of the
        // results before them.
        assert!(
            detail_shown_after(width, Prepared::first_look(two_replications())),
            "a first look at {width} keeps every row"
        );
    }
}
