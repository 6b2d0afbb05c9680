//! One lesson claim (`expect`) as a small form: why it holds, the figure it
//! is about (design, metric, and the tier or tenant), the comparison, and
//! what it is compared with (a value, or another figure times a factor),
//! with the claim in words underneath.

use egui::{RichText, Ui};

use super::{ItemAction, Names, name_combo_ui};
use crate::app::panels::form;
use crate::lesson;
use crate::scenario::file::{ExpectFile, FigureFile, MetricFile, OpFile};

/// Every metric, in menu order, with the scopes it has figures for
/// (design, tier, tenant) and what it measures.
const METRICS: [(MetricFile, [bool; 3], &str); 30] = [
    (MetricFile::TotalCost, [true, false, false], "Total cost per month, USD"),
    (MetricFile::CostPerTenant, [true, true, true], "Attributed cost per tenant per month, USD"),
    (MetricFile::Cost, [false, true, true], "Cost per month of a tier or tenant, USD"),
    (MetricFile::Unallocated, [true, false, false], "Cost attributed to no tenant per month, USD"),
    (MetricFile::SteadyCost, [true, true, true], "Cost per month without the spikes, USD"),
    (MetricFile::IncidentCost, [true, true, true], "What the spikes add to the run's cost, once, USD"),
    (MetricFile::Margin, [true, true, true], "Revenue minus cost per month, USD"),
    (MetricFile::SloMet, [true, true, true], "Fraction meeting the SLO, 0 to 1"),
    (MetricFile::P99, [true, true, true], "p99 latency, ms (design: the worst tenant's)"),
    (MetricFile::Unserved, [true, true, true], "Throttled plus dropped over offered, 0 to 1"),
    (MetricFile::Throttled, [true, false, false], "Throttled over offered, 0 to 1"),
    (MetricFile::ThrottledPlan, [false, false, true], "Requests throttled by the tenant's own plan"),
    (MetricFile::ThrottledAccount, [false, false, true], "Requests throttled by the shared account bucket"),
    (
        MetricFile::ThrottledConcurrency,
        [false, false, true],
        "Requests throttled by the tenant's function (serverless)",
    ),
    (MetricFile::ThrottledQueue, [false, false, true], "Messages throttled by the tenant's FIFO queue's send limit"),
    (MetricFile::ColdStarts, [true, false, true], "Requests that started a new function environment"),
    (MetricFile::Invocations, [true, false, true], "Executions of serverless functions (a batch of messages is one)"),
    (MetricFile::Retries, [true, false, true], "Attempts that were clients' retries"),
    (MetricFile::TimedOutClient, [false, false, true], "Attempts not answered before the client's own timeout"),
    (MetricFile::WastedWork, [true, false, true], "Share of compute time spent on attempts nobody waited for"),
    (MetricFile::QueueMs, [false, false, true], "Mean time in the queue layer, ms"),
    (MetricFile::OldestMessage, [false, false, true], "Oldest a message got in the queue layer, ms"),
    (MetricFile::Redelivered, [true, false, true], "Messages offered again after their processing failed"),
    (
        MetricFile::Duplicates,
        [true, false, true],
        "Messages processed again because a consumer outlived the visibility timeout",
    ),
    (MetricFile::DeadLettered, [true, false, true], "Messages moved to the dead-letter queue"),
    (MetricFile::DroppedConnections, [true, false, true], "Requests that found no relational connection"),
    (MetricFile::Dropped, [true, false, true], "Requests dropped (queue timeout, partition, client timeout)"),
    (MetricFile::DroppedPartition, [false, false, true], "Requests dropped by a saturated partition"),
    (MetricFile::TenantsHurt, [true, false, false], "Tenants hurt by others' spikes"),
    (MetricFile::ImpactP99, [true, false, true], "p99 increase inside others' spike windows, ms"),
];

const OPS: [(OpFile, &str, &str); 4] = [
    (OpFile::Gt, ">", "greater than"),
    (OpFile::Ge, "≥", "greater than or equal to"),
    (OpFile::Lt, "<", "less than"),
    (OpFile::Le, "≤", "less than or equal to"),
];

/// A new claim: the first design's total cost above zero.
pub(super) fn new_claim(names: &Names) -> ExpectFile {
    ExpectFile {
        why: String::new(),
        left: FigureFile {
            design: names.designs.first().cloned().unwrap_or_default(),
            metric: MetricFile::TotalCost,
            tier: None,
            tenant: None,
        },
        op: OpFile::Gt,
        right: None,
        factor: 1.0,
        value: 0.0,
    }
}

/// Draws one claim and edits it in place; `buttons` draws the list
/// buttons (move, remove) at the end of the first line.
pub(super) fn claim_ui(
    ui: &mut Ui,
    claim: &mut ExpectFile,
    names: &Names,
    buttons: impl FnOnce(&mut Ui) -> Option<ItemAction>,
) -> Option<ItemAction> {
    let action = ui
        .horizontal(|ui| {
            let tip = "Why it holds, shown next to the tick or cross in the lesson panel";
            form::label_ui(ui, "Why", tip);
            // The rest of the line, less room for the three list buttons.
            let width = (ui.available_width() - 90.0).clamp(160.0, 480.0);
            ui.add(egui::TextEdit::singleline(&mut claim.why).desired_width(width)).on_hover_text(tip);
            buttons(ui)
        })
        .inner;
    ui.horizontal_wrapped(|ui| figure_ui(ui, "left", &mut claim.left, names));
    ui.horizontal_wrapped(|ui| comparison_ui(ui, claim, names));
    ui.label(RichText::new(lesson::describe(claim)).small().weak());
    action
}

fn comparison_ui(ui: &mut Ui, claim: &mut ExpectFile, names: &Names) {
    let text = OPS.iter().find(|(op, ..)| *op == claim.op).map_or("?", |(_, sign, _)| *sign);
    egui::ComboBox::from_id_salt("claim_op")
        .selected_text(text)
        .width(40.0)
        .show_ui(ui, |ui| {
            for (op, sign, words) in OPS {
                ui.selectable_value(&mut claim.op, op, sign).on_hover_text(words);
            }
        })
        .response
        .on_hover_text("How the figure compares");
    let mut figure = claim.right.is_some();
    let value_tip = "Compare with a constant";
    let figure_tip = "Compare with another figure times a factor";
    let changed = ui.radio_value(&mut figure, false, "value").on_hover_text(value_tip).changed()
        | ui.radio_value(&mut figure, true, "figure").on_hover_text(figure_tip).changed();
    if changed {
        claim.right = figure.then(|| claim.left.clone());
    }
    match &mut claim.right {
        None => {
            form::number_ui(ui, &mut claim.value, f64::MIN..=f64::MAX, "", "The constant, in the metric's unit");
        }
        Some(right) => {
            form::factor_ui(ui, &mut claim.factor, 1e9, "Multiplies the right-hand figure");
            figure_ui(ui, "right", right, names);
        }
    }
}

/// Design, metric and scope of a figure, with a mark when the metric has
/// no figure for that scope.
fn figure_ui(ui: &mut Ui, side: &str, figure: &mut FigureFile, names: &Names) {
    name_combo_ui(ui, ("figure_design", side), &mut figure.design, &names.designs, "The design whose results it reads");
    let current = METRICS.iter().find(|(m, ..)| *m == figure.metric);
    egui::ComboBox::from_id_salt(("figure_metric", side))
        .selected_text(format!("{:?}", figure.metric))
        .width(120.0)
        .show_ui(ui, |ui| {
            for (metric, _, tip) in METRICS {
                ui.selectable_value(&mut figure.metric, metric, format!("{metric:?}")).on_hover_text(tip);
            }
        })
        .response
        .on_hover_text(current.map_or("", |(_, _, tip)| *tip));
    scope_ui(ui, side, figure, names);
    let scope = match (&figure.tenant, &figure.tier) {
        (Some(_), _) => 2,
        (None, Some(_)) => 1,
        (None, None) => 0,
    };
    if current.is_some_and(|(_, scopes, _)| !scopes[scope]) {
        let what = ["a design", "a tier", "a tenant"][scope];
        let message = format!("{:?} has no figure for {what}: choose another metric or scope", figure.metric);
        ui.colored_label(ui.visuals().error_fg_color, form::ERROR_MARK).on_hover_text(message);
    }
}

/// Whether the figure is the design's, a tier's or a tenant's.
fn scope_ui(ui: &mut Ui, side: &str, figure: &mut FigureFile, names: &Names) {
    let text = match (&figure.tenant, &figure.tier) {
        (Some(t), _) => format!("tenant {t}"),
        (None, Some(t)) => format!("tier {t}"),
        (None, None) => "whole design".to_owned(),
    };
    let mut picked: Option<(Option<String>, Option<String>)> = None;
    egui::ComboBox::from_id_salt(("figure_scope", side))
        .selected_text(&text)
        .width(form::fit_width(ui, &text, 90.0, 180.0))
        .show_ui(ui, |ui| {
            let whole = figure.tier.is_none() && figure.tenant.is_none();
            if ui.selectable_label(whole, "whole design").clicked() {
                picked = Some((None, None));
            }
            for tier in &names.tiers {
                let on = figure.tenant.is_none() && figure.tier.as_ref() == Some(tier);
                if ui.selectable_label(on, format!("tier {tier}")).clicked() {
                    picked = Some((Some(tier.clone()), None));
                }
            }
            for id in names.ids.iter().take(super::MAX_LISTED) {
                if ui.selectable_label(figure.tenant.as_ref() == Some(id), format!("tenant {id}")).clicked() {
                    picked = Some((None, Some(id.clone())));
                }
            }
        })
        .response
        .on_hover_text("Whose figure: the whole design's, one tier's or one tenant's");
    if let Some((tier, tenant)) = picked {
        figure.tier = tier;
        figure.tenant = tenant;
    }
}
