//! The per-request engine's time series: each point's requests by flow
//! for every tier and focus tenant, the latency of the requests served in
//! it, and the stacks' instance, busy and available time over it.
//!
//! Requests are counted in one flat table while the task runs (a point's
//! row of a tier or focus tenant holds its five flows side by side), and
//! turned into the raw series when it ends. A point's latency histograms
//! are read into its p99s once no request can be served in it any more,
//! and their memory serves later points: a task holds a few points'
//! histograms, not one set per point.

use crate::report::Flow;
use crate::sim::histogram::{COARSE_GROUP, Histogram};
use crate::sim::raw::FlowRaw;

/// Latency of the requests served in one series point.
#[derive(Debug)]
struct PointLatency {
    tiers: Vec<Histogram>,
    focus: Vec<Histogram>,
}

/// Each series point's figures, gathered as time passes.
#[derive(Debug)]
pub struct Points {
    /// Length of a point, seconds.
    pub secs: f64,
    /// `1 / secs`.
    per_sec: f64,
    /// Number of points.
    pub count: usize,
    /// The point running now.
    pub current: usize,
    tiers: usize,
    /// Rows per point: the tiers, then the focus tenants.
    rows: usize,
    /// Requests by point, row and flow ([`Flow::index`]).
    counts: Vec<f64>,
    /// Latency of the requests served in the points not yet read, per
    /// tier and focus tenant, by point (made when the point's first
    /// request is served).
    open: Vec<(usize, PointLatency)>,
    /// Histograms of points already read, emptied, for later points.
    spare: Vec<PointLatency>,
    /// Each point's p99 per row, ms, once read (0 where none was served).
    p99_ms: Vec<f64>,
    /// Each point's p99 of every tier's requests together, ms.
    total_p99_ms: Vec<f64>,
    /// Their latency summed, seconds, by point and row.
    latency_secs: Vec<f64>,
    /// The relational database's part of it, by point and row.
    database_secs: Vec<f64>,
    /// The part its batches spent on other messages, by point and row.
    batched_secs: Vec<f64>,
    /// Requests waiting for a server at each point's end, by point and
    /// row.
    waiting_rows: Vec<f64>,
    /// Active instance-seconds of each point.
    pub instances_secs: Vec<f64>,
    /// Busy server-seconds of each point.
    pub busy_secs: Vec<f64>,
    /// Available server-seconds of each point.
    pub capacity_secs: Vec<f64>,
    /// Requests waiting for a server at each point's end.
    pub waiting: Vec<f64>,
    /// Age of the oldest of them, seconds.
    pub oldest_secs: Vec<f64>,
    /// Connections held to the relational database at each point's end
    /// (empty without one).
    pub db_connections: Vec<f64>,
    /// Its busy and available vCPU-seconds in each point (empty without
    /// one).
    pub db_busy_secs: Vec<f64>,
    /// See [`Points::db_busy_secs`].
    pub db_capacity_secs: Vec<f64>,
}

impl Points {
    /// `count` points of `secs` each, for `tiers` tiers and `focus` focus
    /// tenants.
    pub fn new(secs: f64, count: usize, tiers: usize, focus: usize) -> Self {
        let rows = tiers + focus;
        Self {
            secs,
            per_sec: 1.0 / secs,
            count,
            current: 0,
            tiers,
            rows,
            counts: vec![0.0; count * rows * Flow::ALL.len()],
            open: Vec::new(),
            spare: Vec::new(),
            p99_ms: vec![0.0; count * rows],
            total_p99_ms: vec![0.0; count],
            latency_secs: vec![0.0; count * rows],
            database_secs: vec![0.0; count * rows],
            batched_secs: vec![0.0; count * rows],
            waiting_rows: vec![0.0; count * rows],
            instances_secs: vec![0.0; count],
            busy_secs: vec![0.0; count],
            capacity_secs: vec![0.0; count],
            waiting: vec![0.0; count],
            oldest_secs: vec![0.0; count],
            db_connections: Vec::new(),
            db_busy_secs: Vec::new(),
            db_capacity_secs: Vec::new(),
        }
    }

    /// The point that holds `t_secs`.
    #[inline]
    pub fn of(&self, t_secs: f64) -> usize {
        // As `as usize` (a point index never reaches 2^32).
        ((t_secs * self.per_sec) as u32 as usize).min(self.count - 1)
    }

    /// Counts one request of a tenant of `tier` (and focus tenant `focus`,
    /// if it is one) in `flow` at `point`.
    #[inline]
    pub fn count(&mut self, point: usize, tier: usize, focus: Option<usize>, flow: Flow) {
        let row = point * self.rows;
        self.counts[(row + tier) * Flow::ALL.len() + flow.index()] += 1.0;
        if let Some(k) = focus {
            self.counts[(row + self.tiers + k) * Flow::ALL.len() + flow.index()] += 1.0;
        }
    }

    /// Records a request served at `point` with a latency of
    /// `latency_secs` (in fine bin `fine`), `database_secs` of it the
    /// relational database's and `batched_secs` its batch's processing of
    /// other messages, for its tier and, if it is one, its focus tenant.
    #[inline]
    pub fn record_latency(
        &mut self,
        point: usize,
        (tier, focus): (usize, Option<usize>),
        fine: usize,
        latency_secs: f64,
        (database_secs, batched_secs): (f64, f64),
    ) {
        let (tiers, focus_n) = (self.tiers, self.rows - self.tiers);
        let row = point * self.rows;
        self.latency_secs[row + tier] += latency_secs;
        self.database_secs[row + tier] += database_secs;
        if batched_secs != 0.0 {
            self.batched_secs[row + tier] += batched_secs;
        }
        if let Some(k) = focus {
            self.latency_secs[row + tiers + k] += latency_secs;
            self.database_secs[row + tiers + k] += database_secs;
            if batched_secs != 0.0 {
                self.batched_secs[row + tiers + k] += batched_secs;
            }
        }
        let at = match self.open.iter().position(|&(p, _)| p == point) {
            Some(at) => at,
            None => {
                let latency = self.spare.pop().unwrap_or_else(|| PointLatency {
                    tiers: (0..tiers).map(|_| Histogram::coarse()).collect(),
                    focus: (0..focus_n).map(|_| Histogram::coarse()).collect(),
                });
                self.open.push((point, latency));
                self.open.len() - 1
            }
        };
        let latency = &mut self.open[at].1;
        let coarse = fine / COARSE_GROUP;
        latency.tiers[tier].add_at_bin(coarse, 1.0);
        if let Some(k) = focus {
            latency.focus[k].add_at_bin(coarse, 1.0);
        }
    }

    /// Counts one request of a tenant of `tier` (and focus tenant `focus`,
    /// if it is one) waiting for a server at `point`'s end.
    #[inline]
    pub fn count_waiting(&mut self, point: usize, tier: usize, focus: Option<usize>) {
        let row = point * self.rows;
        self.waiting_rows[row + tier] += 1.0;
        if let Some(k) = focus {
            self.waiting_rows[row + self.tiers + k] += 1.0;
        }
    }

    /// Reads the latency of the points before `point` into their p99s
    /// (call once no request can be served in them).
    pub fn read_before(&mut self, point: usize) {
        let mut i = 0;
        while i < self.open.len() {
            if self.open[i].0 < point {
                let (p, mut latency) = self.open.swap_remove(i);
                self.read(p, &mut latency);
                self.spare.push(latency);
            } else {
                i += 1;
            }
        }
    }

    /// Point `p`'s p99s from its histograms `latency`, which it empties.
    fn read(&mut self, p: usize, latency: &mut PointLatency) {
        let mut total = Histogram::coarse();
        let row = p * self.rows;
        for (tier, h) in latency.tiers.iter_mut().enumerate() {
            self.p99_ms[row + tier] = h.quantile_ms(0.99);
            total.merge(h);
            h.clear();
        }
        self.total_p99_ms[p] = total.quantile_ms(0.99);
        for (k, h) in latency.focus.iter_mut().enumerate() {
            self.p99_ms[row + self.tiers + k] = h.quantile_ms(0.99);
            h.clear();
        }
    }

    /// Each tier's and each focus tenant's series (requests per point,
    /// not yet per second) with its p99s, and the total's p99s.
    pub fn flows(&mut self) -> (Vec<FlowRaw>, Vec<FlowRaw>, Vec<f64>) {
        self.read_before(self.count);
        let flows = Flow::ALL.len();
        let mut rows: Vec<FlowRaw> = (0..self.rows).map(|_| FlowRaw::new(self.count)).collect();
        for (p, counts) in self.counts.chunks_exact(self.rows * flows).enumerate() {
            for (r, (row, counts)) in rows.iter_mut().zip(counts.chunks_exact(flows)).enumerate() {
                for (series, &n) in row.flows.iter_mut().zip(counts) {
                    series[p] = n;
                }
                row.latency_secs[p] = self.latency_secs[p * self.rows + r];
                row.database_secs[p] = self.database_secs[p * self.rows + r];
                row.batched_secs[p] = self.batched_secs[p * self.rows + r];
                row.waiting[p] = self.waiting_rows[p * self.rows + r];
                row.p99_ms[p] = self.p99_ms[p * self.rows + r];
            }
        }
        let focus = rows.split_off(self.tiers);
        (rows, focus, std::mem::take(&mut self.total_p99_ms))
    }
}
