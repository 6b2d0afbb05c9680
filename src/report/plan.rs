//! The plan report: a plan's answers first, then every point of its sweep
//! with every figure and its 95 % confidence interval, and the search's
//! winner and Pareto front. The JSON form is a documented, versioned
//! schema (`plan_schema_version`); fields are only ever added.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::report::Estimate;
use crate::safe_text::csv_cell;

/// Version of the plan report schema.
pub const PLAN_SCHEMA_VERSION: u32 = 1;

/// The results of one plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanReport {
    /// Schema version ([`PLAN_SCHEMA_VERSION`]).
    pub plan_schema_version: u32,
    /// Scenario name.
    pub scenario: String,
    /// Plan name.
    pub plan: String,
    /// What the plan is for.
    pub description: String,
    /// Master seed (the same at every point: common random numbers).
    pub seed: u64,
    /// Replications at every point.
    pub replications: u32,
    /// The axes swept.
    pub axes: Vec<AxisReport>,
    /// Answers to the plan's questions, in the file's order.
    pub answers: Vec<Answer>,
    /// The cheapest-design search, when the plan has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search: Option<SearchReport>,
    /// The sweep's points, in point order (the first axis varies fastest).
    pub points: Vec<PointReport>,
    /// Points evaluated while refining answers, in the order run.
    #[serde(default)]
    pub refinements: Vec<PointReport>,
}

/// One axis as run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AxisReport {
    /// What it turns, in words.
    pub knob: String,
    /// Unit of its values (may be empty).
    pub unit: String,
    /// True when the values are whole numbers.
    pub integer: bool,
    /// Its values as shown.
    pub values: Vec<String>,
}

/// A value an axis took at a point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PointValue {
    /// A number.
    Number(f64),
    /// A placement, e.g. `Cells(4)`.
    Placement(String),
}

/// One point: its axis values and every design's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointReport {
    /// Position in the sweep (refinements: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
    /// One value per axis.
    pub values: Vec<PointValue>,
    /// Per design, in the plan's design order.
    pub designs: Vec<DesignPoint>,
}

/// A design's figures at a point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DesignPoint {
    /// Design name.
    pub design: String,
    /// Figures by key: `cost`, `margin:pro` (a tier's), `p99@acme` (a
    /// tenant's), in the order of the table of figures.
    pub figures: IndexMap<String, Estimate>,
}

/// An answer to one question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    /// `crossover`, `crosses`, `smallest` or `largest`.
    pub kind: String,
    /// The question in words.
    pub question: String,
    /// The answer in one sentence.
    pub sentence: String,
    /// True when the sweep found what was asked for.
    pub found: bool,
    /// The axis value answered (crossings: the best estimate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// The interval the confidence intervals allow: `[low, high]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<[f64; 2]>,
    /// Caveats: monotonicity that failed, a bracket the CIs blur, a value
    /// at the end of the range.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// The cheapest-design search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchReport {
    /// What was minimised, in words (which cost it uses).
    pub objective: String,
    /// The winner, if any candidate met every constraint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub best: Option<Candidate>,
    /// Candidates in the search space.
    pub candidates: u64,
    /// Candidates simulated (at any number of replications).
    pub evaluated: u64,
    /// Candidates skipped as duplicates of another (same stacks).
    pub duplicates: u64,
    /// Candidates dropped by successive halving before full replications.
    pub pruned: u64,
    /// Design-replications simulated in all.
    pub design_runs: u64,
    /// The stages of successive halving: (candidates, replications).
    pub stages: Vec<[u64; 2]>,
    /// Candidates no other beats on cost, worst p99, tenants hurt and
    /// unserved at once (among those run at full replications).
    pub pareto: Vec<Candidate>,
    /// How the search went, in words.
    pub strategy: String,
}

/// One candidate design.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// Its placements, e.g. `basic: Pool, premium: Silo (compute)`.
    pub label: String,
    /// Placement per (key, layer) slot, as written in a design.
    pub placements: Vec<SlotPlacement>,
    /// The sizing axes' values.
    pub values: Vec<PointValue>,
    /// True when it met every constraint (on the conservative side).
    pub feasible: bool,
    /// Replications it was judged on.
    pub replications: u32,
    /// Total cost / month.
    pub cost: Estimate,
    /// Margin / month.
    pub margin: Estimate,
    /// Worst p99, ms.
    pub worst_p99_ms: Estimate,
    /// Tenants hurt by neighbours.
    pub tenants_hurt: Estimate,
    /// Unserved share.
    pub unserved: Estimate,
}

/// The placement of one key in one layer (or every layer).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlotPlacement {
    /// Placement key.
    pub key: String,
    /// Layer (`gateway`, `compute`, `database`), or none for every layer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
    /// `Silo`, `Pool` or `Cells(k)`.
    pub placement: String,
}

impl PlanReport {
    /// The report as pretty JSON (the documented schema).
    ///
    /// # Errors
    /// Occurs only if serialisation fails (every number is finite).
    pub fn json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string_pretty(self)
    }

    /// Every point as CSV: one row per point and design (sweep points
    /// first, then refinements), one column per axis, then each figure's
    /// mean and 95 % CI half-width.
    ///
    /// # Errors
    /// Occurs only if writing to memory fails.
    pub fn csv(&self) -> Result<String, csv::Error> {
        let mut keys: Vec<&str> = Vec::new();
        let rows = self.points.iter().chain(&self.refinements);
        for p in rows.clone() {
            for d in &p.designs {
                for k in d.figures.keys() {
                    if !keys.contains(&k.as_str()) {
                        keys.push(k);
                    }
                }
            }
        }
        let mut writer = csv::Writer::from_writer(Vec::new());
        let mut header: Vec<String> = vec!["point".to_owned()];
        header.extend(self.axes.iter().map(|a| csv_cell(&a.knob)));
        header.push("design".to_owned());
        for k in &keys {
            header.push((*k).to_owned());
            header.push(format!("{k}_ci95"));
        }
        writer.write_record(&header)?;
        for p in rows {
            for d in &p.designs {
                let mut record: Vec<String> = vec![p.index.map_or_else(|| "refined".to_owned(), |i| i.to_string())];
                record.extend(p.values.iter().map(|v| match v {
                    PointValue::Number(x) => x.to_string(),
                    PointValue::Placement(s) => csv_cell(s),
                }));
                record.push(csv_cell(&d.design));
                for k in &keys {
                    match d.figures.get(*k) {
                        Some(e) => {
                            record.push(e.mean.to_string());
                            record.push(e.ci95.to_string());
                        }
                        None => record.extend([String::new(), String::new()]),
                    }
                }
                writer.write_record(&record)?;
            }
        }
        let bytes = writer.into_inner().map_err(|e| csv::Error::from(e.into_error()))?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }
}
