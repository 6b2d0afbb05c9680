//! Undo and redo of a document's scenario. Consecutive edits of the same
//! field under the same label, each within [`COALESCE`] of the last, are
//! one step (dragging a value is one edit, not a hundred); an edit of
//! another field starts a new step. At most [`HISTORY`] steps are kept,
//! the oldest forgotten first.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::scenario::ScenarioFile;

/// Edits closer together than this can merge into one undo step.
pub const COALESCE: Duration = Duration::from_millis(800);

/// Most undo steps kept.
pub const HISTORY: usize = 200;

/// Most changed fields told apart (an edit that changes more is keyed by
/// the first ones).
const MAX_FIELDS: usize = 8;

/// One undo or redo step: the scenario before it and what it was.
#[derive(Debug, Clone)]
struct Step {
    file: ScenarioFile,
    label: String,
}

/// The last edit, for coalescing.
#[derive(Debug, Clone)]
struct LastEdit {
    label: String,
    fields: Vec<String>,
    at: Instant,
}

/// A scenario's undo and redo stacks.
#[derive(Debug, Clone, Default)]
pub struct History {
    undo: VecDeque<Step>,
    redo: Vec<Step>,
    last: Option<LastEdit>,
}

impl History {
    /// Records that `before` became `after` by the edit `label` at `now`.
    /// Returns true when the edit joined the previous undo step.
    pub fn record(&mut self, before: ScenarioFile, after: &ScenarioFile, label: &str, now: Instant) -> bool {
        let fields = changed_fields(&before, after);
        let joins = self.last.as_ref().is_some_and(|last| {
            last.label == label && last.fields == fields && now.saturating_duration_since(last.at) < COALESCE
        });
        if !joins {
            self.undo.push_back(Step { file: before, label: label.to_owned() });
            if self.undo.len() > HISTORY {
                self.undo.pop_front();
            }
        }
        self.redo.clear();
        self.last = Some(LastEdit { label: label.to_owned(), fields, at: now });
        joins
    }

    /// Undoes the last step on `current`; returns its label.
    pub fn undo(&mut self, current: &mut ScenarioFile) -> Option<String> {
        let step = self.undo.pop_back()?;
        let label = step.label.clone();
        self.redo.push(Step { file: std::mem::replace(current, step.file), label: step.label });
        self.last = None;
        Some(label)
    }

    /// Redoes the last undone step on `current`; returns its label.
    pub fn redo(&mut self, current: &mut ScenarioFile) -> Option<String> {
        let step = self.redo.pop()?;
        let label = step.label.clone();
        self.undo.push_back(Step { file: std::mem::replace(current, step.file), label: step.label });
        self.last = None;
        Some(label)
    }

    /// Label of the step [`History::undo`] would undo.
    pub fn undo_label(&self) -> Option<&str> {
        self.undo.back().map(|s| s.label.as_str())
    }

    /// Label of the step [`History::redo`] would redo.
    pub fn redo_label(&self) -> Option<&str> {
        self.redo.last().map(|s| s.label.as_str())
    }

    /// Number of steps that can be undone.
    pub fn undo_len(&self) -> usize {
        self.undo.len()
    }
}

/// The paths of the fields that differ between two scenarios
/// (`clock.seed`, `tiers.basic.price_per_month`, `tenants` when a tenant
/// was added), the first [`MAX_FIELDS`] of them. Empty when a scenario
/// cannot be compared field by field (then edits coalesce by label).
///
/// Only what differs is serialised to be compared (the top-level fields,
/// and the entries of lists of the same length, are compared as they
/// are first), so an edit of a large file costs what the edit touched.
/// Fields are visited in the order of their JSON names.
pub fn changed_fields(a: &ScenarioFile, b: &ScenarioFile) -> Vec<String> {
    // Every field, so that a new one cannot be missed.
    let ScenarioFile {
        version,
        name,
        description,
        lesson,
        clock,
        tiers,
        tenants,
        layers,
        designs,
        events,
        cost,
        plans,
    } = a;
    let mut out = Vec::new();
    field("clock", clock, &b.clock, &mut out);
    // Left out of the text when it is the default: a change from or to
    // the default is a change of the whole section.
    let default_cost = crate::scenario::file::CostFile::default();
    if *cost != b.cost && (*cost == default_cost || b.cost == default_cost) {
        out.push("cost".to_owned());
    } else {
        field("cost", cost, &b.cost, &mut out);
    }
    field("description", description, &b.description, &mut out);
    list("designs", designs, &b.designs, &mut out);
    list("events", events, &b.events, &mut out);
    field("layers", layers, &b.layers, &mut out);
    field("lesson", lesson, &b.lesson, &mut out);
    field("name", name, &b.name, &mut out);
    list("plans", plans, &b.plans, &mut out);
    list("tenants", tenants, &b.tenants, &mut out);
    field("tiers", tiers, &b.tiers, &mut out);
    field("version", version, &b.version, &mut out);
    out
}

/// The fields under `path` that differ between `a` and `b`.
fn field<T: serde::Serialize + PartialEq>(path: &str, a: &T, b: &T, out: &mut Vec<String>) {
    if out.len() >= MAX_FIELDS || a == b {
        return;
    }
    match (serde_json::to_value(a), serde_json::to_value(b)) {
        (Ok(a), Ok(b)) => diff(&a, &b, &mut path.to_owned(), out),
        _ => out.push(path.to_owned()),
    }
}

/// As [`field`] for a list: a list that changed length changed as a
/// whole; otherwise each entry that differs is looked into.
fn list<T: serde::Serialize + PartialEq>(path: &str, a: &[T], b: &[T], out: &mut Vec<String>) {
    if a.len() != b.len() {
        if out.len() < MAX_FIELDS {
            out.push(path.to_owned());
        }
        return;
    }
    for (i, (a, b)) in a.iter().zip(b).enumerate() {
        if a != b {
            field(&format!("{path}[{i}]"), a, b, out);
        }
    }
}

fn diff(a: &Value, b: &Value, path: &mut String, out: &mut Vec<String>) {
    if out.len() >= MAX_FIELDS || a == b {
        return;
    }
    let len = path.len();
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys = x.keys().chain(y.keys().filter(|k| !x.contains_key(*k)));
            for key in keys {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                diff(x.get(key).unwrap_or(&Value::Null), y.get(key).unwrap_or(&Value::Null), path, out);
                path.truncate(len);
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (x, y)) in x.iter().zip(y).enumerate() {
                path.push_str(&format!("[{i}]"));
                diff(x, y, path, out);
                path.truncate(len);
            }
        }
        _ => out.push(path.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::empty_scenario;

    fn with_seed(seed: u64) -> ScenarioFile {
        let mut file = empty_scenario();
        file.clock.seed = seed;
        file
    }

    fn with_replications(mut file: ScenarioFile, replications: u32) -> ScenarioFile {
        file.clock.replications = replications;
        file
    }

    #[test]
    fn changed_fields_name_the_field_that_changed() {
        let a = empty_scenario();
        assert_eq!(changed_fields(&a, &with_seed(7)), vec!["clock.seed"]);
        assert_eq!(changed_fields(&a, &with_replications(a.clone(), 9)), vec!["clock.replications"]);
        let mut b = a.clone();
        if let Some(tier) = b.tiers.get_mut("basic") {
            tier.price_per_month = 1.0;
        }
        assert_eq!(changed_fields(&a, &b), vec!["tiers.basic.price_per_month"]);
        let mut c = a.clone();
        c.tenants.pop();
        assert_eq!(changed_fields(&a, &c), vec!["tenants"], "a tenant removed changes the list");
        assert!(changed_fields(&a, &a).is_empty());
        // The cost section is left out of the text at its default: leaving
        // the default changes the section, a later edit a field of it.
        let mut d = a.clone();
        d.cost.hours_per_month = 700.0;
        assert_eq!(changed_fields(&a, &d), vec!["cost"]);
        let mut e = d.clone();
        e.cost.hours_per_month = 650.0;
        assert_eq!(changed_fields(&d, &e), vec!["cost.hours_per_month"]);
    }

    #[test]
    fn consecutive_edits_of_the_same_field_coalesce_into_one_undo_step() {
        let mut history = History::default();
        let t0 = Instant::now();
        let mut file = with_seed(1);
        for (k, seed) in [2, 3, 4, 5].into_iter().enumerate() {
            let next = with_seed(seed);
            let joined =
                history.record(std::mem::replace(&mut file, next), &file, "Edit seed", t0 + COALESCE / 2 * k as u32);
            assert_eq!(joined, k > 0, "edit {k}");
        }
        assert_eq!(history.undo_len(), 1, "four drags of the seed are one step");
        assert_eq!(history.undo(&mut file).as_deref(), Some("Edit seed"));
        assert_eq!(file.clock.seed, 1, "undo returns to before the first edit");
        assert_eq!(history.redo(&mut file).as_deref(), Some("Edit seed"));
        assert_eq!(file.clock.seed, 5, "redo returns to after the last edit");
    }

    #[test]
    fn an_edit_of_a_different_field_starts_a_new_undo_step() {
        let mut history = History::default();
        let t0 = Instant::now();
        let mut file = with_seed(1);
        let next = with_seed(2);
        assert!(!history.record(std::mem::replace(&mut file, next), &file, "Edit seed/replications", t0));
        // Same label, same moment, another field: a step of its own.
        let next = with_replications(file.clone(), 9);
        let joined = history.record(std::mem::replace(&mut file, next), &file, "Edit seed/replications", t0);
        assert!(!joined);
        assert_eq!(history.undo_len(), 2);
        assert!(history.undo(&mut file).is_some());
        assert_eq!((file.clock.seed, file.clock.replications), (2, 4), "only the replications undone");
        assert!(history.undo(&mut file).is_some());
        assert_eq!(file.clock.seed, 1);
    }

    #[test]
    fn the_same_field_after_a_pause_or_under_another_label_is_a_new_step() {
        let mut history = History::default();
        let t0 = Instant::now();
        let mut file = with_seed(1);
        let next = with_seed(2);
        history.record(std::mem::replace(&mut file, next), &file, "Edit seed", t0);
        let next = with_seed(3);
        assert!(!history.record(std::mem::replace(&mut file, next), &file, "Edit seed", t0 + COALESCE));
        let next = with_seed(4);
        assert!(!history.record(std::mem::replace(&mut file, next), &file, "Re-roll seed", t0 + COALESCE));
        assert_eq!(history.undo_len(), 3);
    }

    #[test]
    fn undo_breaks_coalescing() {
        let mut history = History::default();
        let t0 = Instant::now();
        let mut file = with_seed(1);
        let next = with_seed(2);
        history.record(std::mem::replace(&mut file, next), &file, "Edit seed", t0);
        history.undo(&mut file);
        let next = with_seed(3);
        assert!(!history.record(std::mem::replace(&mut file, next), &file, "Edit seed", t0));
        assert_eq!(history.redo_label(), None, "a new edit clears redo");
        assert_eq!(history.undo_len(), 1);
    }

    #[test]
    fn the_history_keeps_the_newest_steps_up_to_its_cap() {
        let mut history = History::default();
        let t0 = Instant::now();
        let mut file = with_seed(0);
        let edits = HISTORY as u64 + 50;
        for seed in 1..=edits {
            let next = with_seed(seed);
            // Far apart in time: no coalescing.
            history.record(std::mem::replace(&mut file, next), &file, "Edit seed", t0 + COALESCE * seed as u32);
        }
        assert_eq!(history.undo_len(), HISTORY);
        let mut undone = 0;
        while history.undo(&mut file).is_some() {
            undone += 1;
        }
        assert_eq!(undone, HISTORY);
        assert_eq!(file.clock.seed, edits - HISTORY as u64, "the oldest 50 steps were forgotten");
    }
}
