//! The plan form of the Planner tab: a plan's name, its axis (the knob,
//! with its tier, tenant, group, event, design, key and layer picked from
//! the scenario, and its values as a list, a linear or a geometric range),
//! the designs it runs, its replications, its questions (crossover,
//! crosses, smallest, largest, with their figures and constraints) and
//! its search for the cheapest design (the design it starts from, the
//! keys and layers it places, the placements it tries, the objective and
//! the constraints every candidate must meet). It
//! edits a draft of the plan; the tab turns a changed draft into one
//! `Edit` command. The checker's messages show as marks beside the fields
//! (hover for the text) and as a list under the form, so a message never
//! moves a field.

use egui::{RichText, Ui};

use crate::app::panels::form::{self, ERROR_MARK, error_under};
use crate::lesson::figure_of;
use crate::report::figures::figure;
use crate::scenario::file::{
    AxisFile, ConstraintFile, KnobFile, LayerName, MetricFile, ObjectiveFile, PlacementFile, PlanFigureFile,
    PlannerFile, QuestionFile, SearchFile, TenantEntryFile, ValuesFile,
};
use crate::scenario::{FieldErrors, ScenarioFile};

/// Every metric a plan figure can name, in the table of figures' order.
const METRICS: [MetricFile; 30] = [
    MetricFile::TotalCost,
    MetricFile::CostPerTenant,
    MetricFile::Margin,
    MetricFile::SloMet,
    MetricFile::Unserved,
    MetricFile::Throttled,
    MetricFile::P99,
    MetricFile::TenantsHurt,
    MetricFile::ImpactP99,
    MetricFile::Dropped,
    MetricFile::DroppedPartition,
    MetricFile::ThrottledAccount,
    MetricFile::ThrottledPlan,
    MetricFile::ThrottledConcurrency,
    MetricFile::ThrottledQueue,
    MetricFile::ColdStarts,
    MetricFile::Invocations,
    MetricFile::Retries,
    MetricFile::TimedOutClient,
    MetricFile::WastedWork,
    MetricFile::QueueMs,
    MetricFile::OldestMessage,
    MetricFile::Redelivered,
    MetricFile::Duplicates,
    MetricFile::DeadLettered,
    MetricFile::DroppedConnections,
    MetricFile::Cost,
    MetricFile::Unallocated,
    MetricFile::SteadyCost,
    MetricFile::IncidentCost,
];

/// Names the form offers, read from the scenario.
struct Names {
    tiers: Vec<String>,
    tenants: Vec<String>,
    groups: Vec<String>,
    designs: Vec<String>,
    events: usize,
}

impl Names {
    fn of(file: &ScenarioFile) -> Self {
        let groups = file
            .tenants
            .iter()
            .filter_map(|t| match t {
                TenantEntryFile::Group { prefix, .. } => Some(prefix.clone()),
                TenantEntryFile::Tenant { .. } => None,
            })
            .collect();
        Self {
            tiers: file.tiers.keys().cloned().collect(),
            tenants: form::tenant_ids(file),
            groups,
            designs: file.designs.iter().map(|d| d.name.clone()).collect(),
            events: file.events.len(),
        }
    }

    fn first_tier(&self) -> String {
        self.tiers.first().cloned().unwrap_or_default()
    }

    /// Tenants and groups: what a rate or key-shard knob can name.
    fn loads(&self) -> Vec<String> {
        self.groups.iter().chain(&self.tenants).cloned().collect()
    }

    /// Placement keys: `*`, tiers, tenants.
    fn keys(&self) -> Vec<String> {
        std::iter::once("*".to_owned()).chain(self.tiers.iter().cloned()).chain(self.tenants.iter().cloned()).collect()
    }
}

/// A mark beside a field when the checker has a message at or under
/// `path`; the same width whether or not there is one.
fn mark_ui(ui: &mut Ui, errors: Option<&FieldErrors>, path: &str) {
    let (rect, response) = ui.allocate_exact_size(egui::vec2(14.0, 14.0), egui::Sense::hover());
    if let Some(message) = error_under(errors, path) {
        let color = ui.visuals().error_fg_color;
        ui.painter().text(
            rect.center(),
            egui::Align2::CENTER_CENTER,
            ERROR_MARK,
            egui::FontId::proportional(13.0),
            color,
        );
        response.on_hover_text(message);
    }
}

/// A combo of `options` for `value`.
fn pick_ui(ui: &mut Ui, id: impl egui::AsIdSalt, value: &mut String, options: &[String], tip: &str) {
    egui::ComboBox::from_id_salt(id)
        .selected_text(value.as_str())
        .show_ui(ui, |ui| {
            for o in options {
                ui.selectable_value(value, o.clone(), o);
            }
        })
        .response
        .on_hover_text(tip);
}

/// Draws the form for `plan` (the scenario `file` gives the names); the
/// checker's `errors` have paths relative to the plan.
pub fn plan_form_ui(ui: &mut Ui, file: &ScenarioFile, plan: &mut PlannerFile, errors: Option<&FieldErrors>) {
    let names = Names::of(file);
    egui::Grid::new("plan_form").num_columns(2).spacing([8.0, 6.0]).show(ui, |ui| {
        form::label_ui(ui, "Name", "The plan's name, unique among the scenario's plans");
        ui.horizontal(|ui| {
            let (_, renamed) = form::commit_text_ui(
                ui,
                ui.make_persistent_id("plan_name"),
                &plan.name,
                180.0,
                "Enter to rename",
                |t| {
                    if t.trim().is_empty() { Err("a plan needs a name".to_owned()) } else { Ok(()) }
                },
            );
            if let Some(name) = renamed {
                plan.name = name;
            }
            mark_ui(ui, errors, "name");
        });
        ui.end_row();
        for k in 0..plan.axes.len().min(2) {
            axis_ui(ui, &names, plan, k, errors);
        }
        ui.label("");
        ui.horizontal(|ui| {
            if plan.axes.len() < 2 && ui.small_button("+ axis").on_hover_text("Sweep another knob (a grid)").clicked() {
                plan.axes.push(AxisFile {
                    knob: KnobFile::InstancesMin,
                    values: ValuesFile::Linear { from: 1.0, to: 4.0, step: 1.0 },
                });
            }
            if !plan.axes.is_empty() && ui.small_button("− last axis").clicked() {
                plan.axes.pop();
            }
            mark_ui(ui, errors, "axes");
        });
        ui.end_row();
        form::label_ui(ui, "Designs", "Designs run at every point (none ticked: every design)");
        ui.horizontal_wrapped(|ui| {
            for name in &names.designs {
                let mut on = plan.designs.contains(name);
                if ui.checkbox(&mut on, name).changed() {
                    if on {
                        plan.designs.push(name.clone());
                    } else {
                        plan.designs.retain(|d| d != name);
                    }
                }
            }
            mark_ui(ui, errors, "designs");
        });
        ui.end_row();
        form::label_ui(ui, "Replications", "Replications at every point (off: the scenario's)");
        ui.horizontal(|ui| {
            let mut value = plan.replications.map(u64::from);
            form::optional_count_ui(ui, &mut value, u64::from(file.clock.replications), "", "Replications per point");
            plan.replications = value.map(|v| u32::try_from(v).unwrap_or(u32::MAX));
            mark_ui(ui, errors, "replications");
        });
        ui.end_row();
    });
    ui.add_space(6.0);
    questions_ui(ui, &names, plan, errors);
    ui.add_space(6.0);
    search_ui(ui, &names, plan, errors);
    if let Some(errors) = errors.filter(|e| !e.0.is_empty()) {
        ui.add_space(6.0);
        let color = ui.visuals().error_fg_color;
        for e in errors.0.iter().take(6) {
            let at = if e.path.is_empty() { String::new() } else { format!("{}: ", e.path) };
            ui.add(
                egui::Label::new(RichText::new(format!("{ERROR_MARK} {at}{}", e.message)).color(color).small()).wrap(),
            );
        }
    }
}

/// The knob and values of axis `k`.
fn axis_ui(ui: &mut Ui, names: &Names, plan: &mut PlannerFile, k: usize, errors: Option<&FieldErrors>) {
    let path = format!("axes[{k}]");
    let axis = &mut plan.axes[k];
    form::label_ui(ui, if k == 0 { "Axis" } else { "Second axis" }, "The number of the scenario the plan sweeps");
    ui.horizontal_wrapped(|ui| {
        knob_ui(ui, names, &mut axis.knob, k);
        mark_ui(ui, errors, &format!("{path}.knob"));
    });
    ui.end_row();
    form::label_ui(ui, "Values", "The values the axis takes");
    ui.horizontal_wrapped(|ui| {
        values_ui(ui, &mut axis.values, (axis.knob.is_placement(), axis.knob.is_integer()), k);
        mark_ui(ui, errors, &format!("{path}.values"));
    });
    ui.end_row();
}

/// Every kind of knob, targets taken from `current` where it has them and
/// otherwise the scenario's first.
fn knob_choices(names: &Names, current: &KnobFile) -> Vec<(&'static str, KnobFile)> {
    let tier = match current {
        KnobFile::TierPrice { tier }
        | KnobFile::SloP99 { tier }
        | KnobFile::MaxThrottled { tier }
        | KnobFile::MaxMessageAgeSecs { tier }
        | KnobFile::PlanRate { tier }
        | KnobFile::PlanBurst { tier }
        | KnobFile::QuotaPerDay { tier }
        | KnobFile::QuotaPerMonth { tier } => tier.clone(),
        _ => names.first_tier(),
    };
    let load = names.loads().first().cloned().unwrap_or_default();
    let group = names.groups.first().cloned().unwrap_or_default();
    let design = names.designs.first().cloned().unwrap_or_default();
    let t = || tier.clone();
    vec![
        ("Tier price", KnobFile::TierPrice { tier: t() }),
        ("SLO p99 objective", KnobFile::SloP99 { tier: t() }),
        ("SLO unserved allowed", KnobFile::MaxThrottled { tier: t() }),
        ("SLO message age", KnobFile::MaxMessageAgeSecs { tier: t() }),
        ("Usage-plan rate", KnobFile::PlanRate { tier: t() }),
        ("Usage-plan burst", KnobFile::PlanBurst { tier: t() }),
        ("Daily quota", KnobFile::QuotaPerDay { tier: t() }),
        ("Monthly quota", KnobFile::QuotaPerMonth { tier: t() }),
        ("Tenant rate", KnobFile::TenantRate { tenant: load.clone() }),
        ("Tenants in a group", KnobFile::GroupCount { prefix: group }),
        ("Key shards", KnobFile::KeyShards { tenant: load }),
        ("Minimum instances", KnobFile::InstancesMin),
        ("Maximum instances", KnobFile::InstancesMax),
        ("Concurrency", KnobFile::Concurrency),
        ("Queue timeout", KnobFile::QueueTimeoutSecs),
        ("Queue retention", KnobFile::QueueRetentionSecs),
        ("Visibility timeout", KnobFile::QueueVisibilitySecs),
        ("Batching window", KnobFile::QueueBatchWindowSecs),
        ("FIFO queue send limit", KnobFile::QueueSendRate),
        ("Queue maximum concurrency", KnobFile::QueueMaxConcurrency),
        ("Messages per batch", KnobFile::QueueBatchSize),
        ("Autoscaling target", KnobFile::TargetUtilisation),
        ("Account rate", KnobFile::AccountRate),
        ("Functions: account concurrency", KnobFile::FunctionsConcurrency),
        ("Functions: reserved per tenant", KnobFile::FunctionsReserved { tier: t() }),
        ("Functions: provisioned", KnobFile::FunctionsProvisioned),
        ("Functions: memory", KnobFile::FunctionsMemoryMb),
        ("Database: vCPUs", KnobFile::DatabaseVcpus),
        ("Database: read replicas", KnobFile::ReadReplicas),
        ("Database: max connections", KnobFile::MaxConnections),
        ("Database: pool per instance", KnobFile::PoolPerInstance),
        ("Database: relations per schema", KnobFile::RelationsPerSchema),
        ("Retry attempts", KnobFile::RetryAttempts { tier: t() }),
        ("Retry budget", KnobFile::RetryBudget { tier: t() }),
        ("Client timeout", KnobFile::ClientTimeoutSecs { tier: t() }),
        ("Spike factor", KnobFile::SpikeFactor { index: 0 }),
        ("Cells", KnobFile::Cells { design: design.clone(), key: "*".to_owned(), layer: None }),
        ("Placement", KnobFile::Placement { design, key: "*".to_owned(), layer: None }),
    ]
}

/// The knob's kind and its target (tier, tenant, group, event, design,
/// key, layer).
fn knob_ui(ui: &mut Ui, names: &Names, knob: &mut KnobFile, k: usize) {
    let choices = knob_choices(names, knob);
    let same = |a: &KnobFile, b: &KnobFile| std::mem::discriminant(a) == std::mem::discriminant(b);
    let current = choices.iter().find(|(_, c)| same(c, knob)).map_or("?", |(n, _)| *n);
    egui::ComboBox::from_id_salt(("plan_knob", k)).selected_text(current).show_ui(ui, |ui| {
        for (name, choice) in &choices {
            if ui.selectable_label(same(choice, knob), *name).clicked() && !same(choice, knob) {
                *knob = choice.clone();
            }
        }
    });
    match knob {
        KnobFile::TierPrice { tier }
        | KnobFile::SloP99 { tier }
        | KnobFile::MaxThrottled { tier }
        | KnobFile::MaxMessageAgeSecs { tier }
        | KnobFile::PlanRate { tier }
        | KnobFile::PlanBurst { tier }
        | KnobFile::QuotaPerDay { tier }
        | KnobFile::QuotaPerMonth { tier }
        | KnobFile::FunctionsReserved { tier }
        | KnobFile::RetryAttempts { tier }
        | KnobFile::RetryBudget { tier }
        | KnobFile::ClientTimeoutSecs { tier } => {
            ui.label("of tier");
            pick_ui(ui, ("knob_tier", k), tier, &names.tiers, "The tier whose setting moves");
        }
        KnobFile::TenantRate { tenant } | KnobFile::KeyShards { tenant } => {
            ui.label("of");
            pick_ui(ui, ("knob_tenant", k), tenant, &names.loads(), "A tenant, or a group by its prefix");
        }
        KnobFile::GroupCount { prefix } => {
            ui.label("group");
            pick_ui(ui, ("knob_group", k), prefix, &names.groups, "The group whose tenant count moves");
        }
        KnobFile::SpikeFactor { index } => {
            ui.label("event");
            let events: Vec<String> = (0..names.events).map(|i| i.to_string()).collect();
            let mut text = index.to_string();
            pick_ui(ui, ("knob_event", k), &mut text, &events, "Position of the spike in the events list");
            *index = text.parse().unwrap_or(*index);
        }
        KnobFile::Cells { design, key, layer } | KnobFile::Placement { design, key, layer } => {
            ui.label("in");
            pick_ui(ui, ("knob_design", k), design, &names.designs, "The design whose placement changes");
            ui.label("for");
            pick_ui(ui, ("knob_key", k), key, &names.keys(), "Placement key: \"*\", a tier or a tenant");
            let shown = layer.map_or("every layer".to_owned(), |l| format!("{l:?}"));
            egui::ComboBox::from_id_salt(("knob_layer", k)).selected_text(shown).show_ui(ui, |ui| {
                ui.selectable_value(layer, None, "every layer");
                for l in LayerName::ALL {
                    ui.selectable_value(layer, Some(l), format!("{l:?}"));
                }
            });
        }
        _ => {}
    }
}

/// The axis values: a list, a linear range, a geometric range, or (for a
/// placement knob) placements.
fn values_ui(ui: &mut Ui, values: &mut ValuesFile, (placement, integer): (bool, bool), k: usize) {
    let decimals = if integer { 0 } else { 3 };
    let number = |ui: &mut Ui, value: &mut f64, min: f64, tip: &str| {
        let speed = if value.is_finite() { (value.abs() * 0.005).clamp(0.01, 1e6) } else { 1.0 };
        form::drag_value_ui(ui, value, min..=f64::MAX, |d| {
            d.max_decimals(decimals).speed(if integer { speed.max(0.05) } else { speed })
        })
        .on_hover_text(tip);
    };
    let kind = match values {
        ValuesFile::List(_) => "List",
        ValuesFile::Linear { .. } => "Linear",
        ValuesFile::Geometric { .. } => "Geometric",
        ValuesFile::Placements(_) => "Placements",
    };
    let (lo, hi) = match values {
        ValuesFile::List(l) => (l.first().copied().unwrap_or(1.0), l.last().copied().unwrap_or(4.0)),
        ValuesFile::Linear { from, to, .. } | ValuesFile::Geometric { from, to, .. } => (*from, *to),
        ValuesFile::Placements(_) => (1.0, 4.0),
    };
    egui::ComboBox::from_id_salt(("plan_values", k)).selected_text(kind).width(90.0).show_ui(ui, |ui| {
        let options: Vec<(&str, ValuesFile)> = if placement {
            vec![("Placements", ValuesFile::Placements(vec![PlacementFile::Silo, PlacementFile::Pool]))]
        } else {
            vec![
                ("List", ValuesFile::List(vec![lo, hi])),
                ("Linear", ValuesFile::Linear { from: lo, to: hi, step: ((hi - lo) / 4.0).max(1.0) }),
                ("Geometric", ValuesFile::Geometric { from: lo.max(1.0), to: hi.max(lo.max(1.0) * 2.0), points: 5 }),
            ]
        };
        for (name, v) in options {
            if ui.selectable_label(kind == name, name).clicked() && kind != name {
                *values = v;
            }
        }
    });
    match values {
        ValuesFile::List(list) => {
            let text = list.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
            let (_, committed) = form::commit_text_ui(
                ui,
                ui.make_persistent_id(("plan_list", k)),
                &text,
                form::fit_width(ui, &text, 120.0, 260.0),
                "Numbers separated by commas; Enter to apply",
                |t| parse_list(t).map(|_| ()),
            );
            if let Some(list_text) = committed
                && let Ok(parsed) = parse_list(&list_text)
            {
                *list = parsed;
            }
        }
        ValuesFile::Linear { from, to, step } => {
            ui.label("from");
            number(ui, from, f64::MIN, "First value");
            ui.label("to");
            number(ui, to, f64::MIN, "Last value (at most)");
            ui.label("step");
            number(ui, step, 0.0, "Distance between values");
        }
        ValuesFile::Geometric { from, to, points } => {
            ui.label("from");
            number(ui, from, 0.0, "First value (above zero)");
            ui.label("to");
            number(ui, to, 0.0, "Last value");
            ui.label("points");
            form::count_ui(ui, points, 2..=10_000, "", "How many values, evenly spaced on a log scale");
        }
        ValuesFile::Placements(list) => {
            for p in [PlacementFile::Silo, PlacementFile::Pool, PlacementFile::Cells(2), PlacementFile::Cells(4)] {
                let mut on = list.contains(&p);
                if ui.checkbox(&mut on, crate::plan::search::placement_words(p)).changed() {
                    if on {
                        list.push(p);
                    } else {
                        list.retain(|q| *q != p);
                    }
                }
            }
        }
    }
}

/// Numbers separated by commas (or spaces).
fn parse_list(text: &str) -> Result<Vec<f64>, String> {
    let list: Result<Vec<f64>, String> = text
        .split([',', ' ', ';'])
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().parse::<f64>().map_err(|_| format!("\"{}\" is not a number", s.trim())))
        .collect();
    match list {
        Ok(l) if l.is_empty() => Err("write at least one number".to_owned()),
        other => other,
    }
}

/// The plan's questions, each on its own line, with add and remove.
fn questions_ui(ui: &mut Ui, names: &Names, plan: &mut PlannerFile, errors: Option<&FieldErrors>) {
    ui.horizontal(|ui| {
        ui.label(RichText::new("Questions").strong());
        let design = plan.designs.first().or(names.designs.first()).cloned().unwrap_or_default();
        ui.menu_button("+ question", |ui| {
            let figure = PlanFigureFile { metric: MetricFile::TotalCost, tier: None, tenant: None };
            let other = names.designs.iter().find(|d| **d != design).cloned().unwrap_or_else(|| design.clone());
            let options = [
                (
                    "Crossover of two designs",
                    QuestionFile::Crossover { figure: figure.clone(), a: design.clone(), b: other },
                ),
                (
                    "Where a figure crosses a value",
                    QuestionFile::Crosses {
                        design: design.clone(),
                        figure: PlanFigureFile { metric: MetricFile::Margin, tier: None, tenant: None },
                        value: 0.0,
                    },
                ),
                (
                    "Smallest value that meets…",
                    QuestionFile::Smallest { design: design.clone(), constraints: vec![ConstraintFile::AllSlosMet] },
                ),
                (
                    "Largest value that meets…",
                    QuestionFile::Largest { design: design.clone(), constraints: vec![ConstraintFile::AllSlosMet] },
                ),
            ];
            for (label, q) in options {
                if ui.button(label).clicked() {
                    plan.ask.push(q);
                }
            }
        });
    });
    let mut remove = None;
    for (k, q) in plan.ask.iter_mut().enumerate() {
        let path = format!("ask[{k}]");
        ui.horizontal_wrapped(|ui| {
            if ui.small_button("×").on_hover_text("Remove this question").clicked() {
                remove = Some(k);
            }
            mark_ui(ui, errors, &path);
            question_ui(ui, names, q, k);
        });
    }
    if let Some(k) = remove {
        plan.ask.remove(k);
    }
}

fn question_ui(ui: &mut Ui, names: &Names, q: &mut QuestionFile, k: usize) {
    let smallest = matches!(q, QuestionFile::Smallest { .. });
    match q {
        QuestionFile::Crossover { figure, a, b } => {
            ui.label("Where does");
            figure_ui(ui, names, figure, ("q_fig", k));
            ui.label("of");
            pick_ui(ui, ("q_a", k), a, &names.designs, "First design");
            ui.label("cross that of");
            pick_ui(ui, ("q_b", k), b, &names.designs, "Second design");
        }
        QuestionFile::Crosses { design, figure, value } => {
            ui.label("Where does");
            figure_ui(ui, names, figure, ("q_fig", k));
            ui.label("of");
            pick_ui(ui, ("q_design", k), design, &names.designs, "The design");
            ui.label("cross");
            form::number_ui(ui, value, f64::MIN..=f64::MAX, "", "The value it crosses (margin 0: break-even)");
        }
        QuestionFile::Smallest { design, constraints } | QuestionFile::Largest { design, constraints } => {
            ui.label(if smallest { "Smallest value at which" } else { "Largest value at which" });
            pick_ui(ui, ("q_design", k), design, &names.designs, "The design that must meet the constraints");
            ui.label("meets:");
            constraints_ui(ui, names, constraints, k);
        }
    }
}

/// A figure: metric and scope (the design, a tier, a tenant).
fn figure_ui(ui: &mut Ui, names: &Names, f: &mut PlanFigureFile, id: (&str, usize)) {
    let label = |m: MetricFile| figure(figure_of(m)).label.to_lowercase();
    egui::ComboBox::from_id_salt((id.0, id.1, "metric")).selected_text(label(f.metric)).show_ui(ui, |ui| {
        for m in METRICS {
            ui.selectable_value(&mut f.metric, m, label(m));
        }
    });
    let scope = match (&f.tier, &f.tenant) {
        (Some(t), _) => format!("tier {t}"),
        (None, Some(t)) => t.clone(),
        (None, None) => "the design".to_owned(),
    };
    egui::ComboBox::from_id_salt((id.0, id.1, "scope")).selected_text(scope).show_ui(ui, |ui| {
        if ui.selectable_label(f.tier.is_none() && f.tenant.is_none(), "the design").clicked() {
            f.tier = None;
            f.tenant = None;
        }
        for t in &names.tiers {
            if ui.selectable_label(f.tier.as_ref() == Some(t), format!("tier {t}")).clicked() {
                f.tier = Some(t.clone());
                f.tenant = None;
            }
        }
        for t in &names.tenants {
            if ui.selectable_label(f.tenant.as_ref() == Some(t), t).clicked() {
                f.tenant = Some(t.clone());
                f.tier = None;
            }
        }
    });
}

/// Placements a search can try, in the order offered.
const SEARCH_PLACEMENTS: [PlacementFile; 5] = [
    PlacementFile::Silo,
    PlacementFile::Pool,
    PlacementFile::Cells(2),
    PlacementFile::Cells(4),
    PlacementFile::Cells(8),
];

/// The id the search's constraints use (questions use their index).
const SEARCH_ID: usize = 10_000;

/// The cheapest-design search: on or off, and its settings.
fn search_ui(ui: &mut Ui, names: &Names, plan: &mut PlannerFile, errors: Option<&FieldErrors>) {
    ui.horizontal(|ui| {
        let mut on = plan.search.is_some();
        let tip = "Try every placement of the chosen keys (with the plan's axes as sizing) and report the cheapest \
                   design that meets the constraints, with the Pareto front";
        if ui.checkbox(&mut on, RichText::new("Search for the cheapest design").strong()).on_hover_text(tip).changed() {
            plan.search = on.then(|| SearchFile {
                base: plan.designs.first().or(names.designs.first()).cloned().unwrap_or_default(),
                keys: names.tiers.clone(),
                layers: Vec::new(),
                placements: vec![PlacementFile::Silo, PlacementFile::Pool],
                objective: ObjectiveFile::MinCost,
                constraints: vec![ConstraintFile::AllSlosMet],
            });
        }
        mark_ui(ui, errors, "search");
    });
    let Some(search) = &mut plan.search else { return };
    egui::Grid::new("plan_search").num_columns(2).spacing([8.0, 4.0]).show(ui, |ui| {
        form::label_ui(ui, "Start from", "The design whose overheads and other keys every candidate keeps");
        ui.horizontal(|ui| {
            pick_ui(ui, "search_base", &mut search.base, &names.designs, "The design candidates start from");
            mark_ui(ui, errors, "search.base");
        });
        ui.end_row();
        form::label_ui(ui, "Place", "The placement keys the search decides: tiers, tenants or * (everyone else)");
        ui.horizontal_wrapped(|ui| {
            for key in names.keys().into_iter().take(12) {
                let label = key.clone();
                member_checkbox_ui(ui, &mut search.keys, key, &label);
            }
            mark_ui(ui, errors, "search.keys");
        });
        ui.end_row();
        form::label_ui(ui, "Layers apart", "Layers placed separately (none ticked: every layer alike)");
        ui.horizontal_wrapped(|ui| {
            for layer in LayerName::ALL {
                member_checkbox_ui(ui, &mut search.layers, layer, layer.label());
            }
            mark_ui(ui, errors, "search.layers");
        });
        ui.end_row();
        form::label_ui(ui, "Try", "The placements tried for every key (and layer)");
        ui.horizontal_wrapped(|ui| {
            for p in SEARCH_PLACEMENTS {
                member_checkbox_ui(ui, &mut search.placements, p, &crate::plan::search::placement_words(p));
            }
            mark_ui(ui, errors, "search.placements");
        });
        ui.end_row();
        form::label_ui(ui, "Objective", "What the winner is best at");
        let words = |o: ObjectiveFile| match o {
            ObjectiveFile::MinCost => "lowest cost",
            ObjectiveFile::MaxMargin => "highest margin",
            ObjectiveFile::MinSteadyCost => "lowest steady cost (without the spikes)",
        };
        egui::ComboBox::from_id_salt("search_objective").selected_text(words(search.objective)).show_ui(ui, |ui| {
            for o in [ObjectiveFile::MinCost, ObjectiveFile::MaxMargin, ObjectiveFile::MinSteadyCost] {
                ui.selectable_value(&mut search.objective, o, words(o));
            }
        });
        ui.end_row();
        form::label_ui(
            ui,
            "Must meet",
            "What every candidate must satisfy (judged on the conservative side of the CI)",
        );
        ui.horizontal_wrapped(|ui| {
            constraints_ui(ui, names, &mut search.constraints, SEARCH_ID);
            mark_ui(ui, errors, "search.constraints");
        });
        ui.end_row();
    });
}

/// A goal's constraints, with add and remove.
fn constraints_ui(ui: &mut Ui, names: &Names, list: &mut Vec<ConstraintFile>, k: usize) {
    let mut remove = None;
    for (j, c) in list.iter_mut().enumerate() {
        let kind = match c {
            ConstraintFile::AllSlosMet => "every SLO met",
            ConstraintFile::SloMet { .. } => "SLO met of",
            ConstraintFile::AtMost { .. } => "at most",
            ConstraintFile::AtLeast { .. } => "at least",
        };
        let figure = PlanFigureFile { metric: MetricFile::P99, tier: None, tenant: None };
        egui::ComboBox::from_id_salt(("c_kind", k, j)).selected_text(kind).show_ui(ui, |ui| {
            let options = [
                ("every SLO met", ConstraintFile::AllSlosMet),
                ("SLO met of", ConstraintFile::SloMet { tier: names.first_tier() }),
                ("at most", ConstraintFile::AtMost { figure: figure.clone(), value: 200.0 }),
                ("at least", ConstraintFile::AtLeast { figure, value: 0.0 }),
            ];
            for (name, option) in options {
                if ui.selectable_label(kind == name, name).clicked() && kind != name {
                    *c = option;
                }
            }
        });
        match c {
            ConstraintFile::SloMet { tier } => {
                pick_ui(ui, ("c_tier", k, j), tier, &names.tiers, "The tier whose every tenant must meet its SLO");
            }
            ConstraintFile::AtMost { figure, value } | ConstraintFile::AtLeast { figure, value } => {
                figure_ui(ui, names, figure, ("c_fig", k * 100 + j));
                form::number_ui(ui, value, f64::MIN..=f64::MAX, "", "The bound, in the figure's unit (fractions 0–1)");
            }
            ConstraintFile::AllSlosMet => {}
        }
        if ui.small_button("−").on_hover_text("Remove this constraint").clicked() {
            remove = Some(j);
        }
    }
    if let Some(j) = remove {
        list.remove(j);
    }
    if ui.small_button("+").on_hover_text("Add a constraint").clicked() {
        list.push(ConstraintFile::AllSlosMet);
    }
}

/// A checkbox for whether `item` is in `list`: ticking adds it at the end,
/// unticking removes it.
fn member_checkbox_ui<T: PartialEq>(ui: &mut Ui, list: &mut Vec<T>, item: T, label: &str) {
    let mut on = list.contains(&item);
    if ui.checkbox(&mut on, label).changed() {
        if on {
            list.push(item);
        } else {
            list.retain(|x| *x != item);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_list;

    #[test]
    fn a_list_of_values_reads_commas_and_spaces() {
        assert_eq!(parse_list("1, 2 4;8"), Ok(vec![1.0, 2.0, 4.0, 8.0]));
        assert!(parse_list("1, two").is_err());
        assert!(parse_list(" , ").is_err());
    }
}
