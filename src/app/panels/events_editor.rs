//! The "Events" editor tab: spikes (one tenant's rate × factor for a
//! window) and capacity losses (a fraction of a layer's capacity gone in
//! every stack for a window), with add and remove.

use egui::Ui;

use super::form;
use crate::scenario::file::{EventFile, LayerName};
use crate::scenario::{FieldErrors, ScenarioFile};
use crate::units::DurationText;

/// Most tenant ids offered in a spike's tenant list.
const MAX_LISTED: usize = 1000;

const SPIKE_TIP: &str = "Spike: one tenant's rate is multiplied by a factor for a window (overlapping spikes \
                         multiply). tenantsim also runs the scenario without spikes to show which other tenants \
                         the spike hurt.";
const LOSS_TIP: &str = "Capacity loss: a fraction of a layer's capacity is gone in every stack of that layer for a \
                        window (gateway: account refill rate; compute: servers; database: partition caps).";

/// Draws the event list and edits `draft` in place.
pub fn events_ui(ui: &mut Ui, draft: &mut ScenarioFile, errors: Option<&FieldErrors>) {
    toolbar_ui(ui, draft);
    form::error_mark_ui(ui, errors, "events");
    if draft.events.is_empty() {
        ui.weak("No events: every tenant follows its load pattern for the whole run.");
        return;
    }
    let ids = form::tenant_ids(draft);
    let mut remove = None;
    form::wide_table_ui(ui, "events_scroll", |ui| {
        egui::Grid::new("events_grid").striped(true).spacing([8.0, 4.0]).show(ui, |ui| {
            for (label, tip) in [
                ("", "Remove the event"),
                ("Event", "Spike or capacity loss"),
                ("Target", "The tenant that spikes, or the layer that loses capacity"),
                ("At", "Start, counted from the beginning of the run; must be before the run ends"),
                ("For", "Length of the window; an event that outlasts the run is cut off at its end"),
                ("Amount", "Spike: rate multiplier. Capacity loss: share of capacity lost."),
            ] {
                ui.strong(label).on_hover_text(tip);
            }
            ui.end_row();
            for (i, event) in draft.events.iter_mut().enumerate() {
                if ui.small_button("×").on_hover_text("Remove this event").clicked() {
                    remove = Some(i);
                }
                event_row(ui, i, event, &ids, errors);
                ui.end_row();
            }
        });
    });
    if let Some(i) = remove.filter(|i| *i < draft.events.len()) {
        draft.events.remove(i);
    }
}

fn toolbar_ui(ui: &mut Ui, draft: &mut ScenarioFile) {
    let run_secs = draft.clock.duration.secs().unwrap_or(3600.0).max(1.0);
    let at = DurationText::from_secs((run_secs / 4.0).round().max(0.0));
    let length = DurationText::from_secs((run_secs / 6.0).round().max(1.0));
    ui.horizontal_wrapped(|ui| {
        if ui.button("Add spike").on_hover_text(SPIKE_TIP).clicked() {
            let tenant = form::tenant_ids(draft).into_iter().next().unwrap_or_default();
            draft.events.push(EventFile::Spike { tenant, at: at.clone(), duration: length.clone(), factor: 10.0 });
        }
        if ui.button("Add capacity loss").on_hover_text(LOSS_TIP).clicked() {
            draft.events.push(EventFile::CapacityLoss {
                layer: LayerName::Compute,
                at: at.clone(),
                duration: length.clone(),
                fraction: 0.5,
            });
        }
    });
}

fn event_row(ui: &mut Ui, i: usize, event: &mut EventFile, ids: &[String], errors: Option<&FieldErrors>) {
    let path = format!("events[{i}]");
    match event {
        EventFile::Spike { tenant, at, duration, factor } => {
            ui.label("Spike").on_hover_text(SPIKE_TIP);
            ui.horizontal(|ui| {
                tenant_combo_ui(ui, i, tenant, ids);
                form::error_mark_ui(ui, errors, &format!("{path}.tenant"));
            });
            timing_cells(ui, at, duration, errors, &path);
            ui.horizontal(|ui| {
                let tip = "Rate multiplier during the window (0 to 10,000): 20 means twenty times the usual load";
                form::factor_ui(ui, factor, 10_000.0, tip);
                form::error_mark_ui(ui, errors, &format!("{path}.factor"));
            });
        }
        EventFile::CapacityLoss { layer, at, duration, fraction } => {
            ui.label("Capacity loss").on_hover_text(LOSS_TIP);
            ui.horizontal(|ui| {
                egui::ComboBox::from_id_salt(("event_layer", i))
                    .selected_text(layer_name(*layer))
                    .width(90.0)
                    .show_ui(ui, |ui| {
                        for l in [LayerName::Gateway, LayerName::Compute, LayerName::Database] {
                            ui.selectable_value(layer, l, layer_name(l));
                        }
                    })
                    .response
                    .on_hover_text("The layer that loses capacity; the scenario must have it");
                form::error_mark_ui(ui, errors, &format!("{path}.layer"));
            });
            timing_cells(ui, at, duration, errors, &path);
            ui.horizontal(|ui| {
                let tip = "Share of capacity lost in every stack of the layer (compute rounds down to whole servers). \
                           Overlapping losses compound.";
                form::percent_ui(ui, fraction, tip);
                form::error_mark_ui(ui, errors, &format!("{path}.fraction"));
            });
        }
    }
}

fn timing_cells(
    ui: &mut Ui,
    at: &mut DurationText,
    duration: &mut DurationText,
    errors: Option<&FieldErrors>,
    path: &str,
) {
    ui.horizontal(|ui| {
        form::duration_ui(ui, at, "Start of the window, from the beginning of the run", true);
        form::error_mark_ui(ui, errors, &format!("{path}.at"));
    });
    ui.horizontal(|ui| {
        form::duration_ui(ui, duration, "Length of the window (> 0)", true);
        form::error_mark_ui(ui, errors, &format!("{path}.duration"));
    });
}

fn tenant_combo_ui(ui: &mut Ui, i: usize, tenant: &mut String, ids: &[String]) {
    egui::ComboBox::from_id_salt(("event_tenant", i))
        .selected_text(tenant.as_str())
        .width(100.0)
        .show_ui(ui, |ui| {
            for id in ids.iter().take(MAX_LISTED) {
                ui.selectable_value(tenant, id.clone(), id.as_str());
            }
            if ids.len() > MAX_LISTED {
                ui.weak(format!("… {} more: edit the id in the RON tab", ids.len() - MAX_LISTED));
            }
        })
        .response
        .on_hover_text("The tenant that spikes (group members such as smb-00 work too)");
}

fn layer_name(layer: LayerName) -> &'static str {
    match layer {
        LayerName::Gateway => "Gateway",
        LayerName::Queue => "Queue",
        LayerName::Compute => "Compute",
        LayerName::Database => "Database",
    }
}

#[cfg(test)]
mod tests {
    use egui_kittest::kittest::Queryable;

    use super::super::form::testing;
    use super::*;

    fn harness(file: ScenarioFile) -> egui_kittest::Harness<'static, ScenarioFile> {
        testing::harness([800.0, 500.0], |ui, file: &mut ScenarioFile| events_ui(ui, file, None), file)
    }

    #[test]
    fn add_edit_and_remove_events() {
        let mut harness = harness(crate::app::empty_scenario());
        harness.run();
        harness.get_by_label("Add spike").click();
        harness.run();
        harness.get_by_label("Add capacity loss").click();
        harness.run();
        let events = &harness.state().events;
        assert!(matches!(&events[0], EventFile::Spike { tenant, at, duration, .. }
            if tenant == "acme" && at.text() == "15m" && duration.text() == "10m"));
        assert!(matches!(&events[1], EventFile::CapacityLoss { layer: LayerName::Compute, .. }));
        harness.get_by_label_contains("The tenant that spikes").click();
        harness.run();
        harness.get_by_label("smb-03").click();
        harness.run();
        assert!(matches!(&harness.state().events[0], EventFile::Spike { tenant, .. } if tenant == "smb-03"));
        harness.get_all_by_label("×").next().unwrap_or_else(|| panic!("remove")).click();
        harness.run();
        assert_eq!(harness.state().events.len(), 1);
        assert!(matches!(&harness.state().events[0], EventFile::CapacityLoss { .. }));
    }
}
