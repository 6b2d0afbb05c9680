//! One compute stack in the per-request engine: its instances (active
//! and warming up), servers, busy servers, waiting requests, and the
//! time integrals its figures and its autoscaler read.

use crate::scenario::model::{Autoscale, InstanceBounds};
use crate::sim::compute::desired_instances;
use crate::sim::exact::queue::Queue;
use crate::sim::raw::StackRaw;

/// Server-time and instance-time gathered over a stretch of time.
#[derive(Debug, Clone, Copy, Default)]
pub struct Integrals {
    /// Busy server-seconds.
    pub busy_secs: f64,
    /// Available server-seconds (after capacity losses).
    pub capacity_secs: f64,
    /// Active instance-seconds.
    pub active_secs: f64,
}

/// One compute stack.
#[derive(Debug, Clone)]
pub struct Stack {
    /// Requests waiting for a server.
    pub queue: Queue,
    active: u32,
    /// Instances warming up: (ready at, count).
    pending: Vec<(f64, u32)>,
    bounds: InstanceBounds,
    concurrency: u32,
    /// Servers regardless of instances (a functions stack's account
    /// limit; its `active` instances are its provisioned environments).
    fixed_servers: Option<u32>,
    /// Fraction of capacity kept (capacity-loss events).
    keep: f64,
    /// Servers available now.
    pub servers: u32,
    /// Servers serving a request now (may exceed `servers` for a while
    /// after a loss: requests in service finish).
    pub busy: u32,
    last_secs: f64,
    /// Totals over the run.
    pub raw: StackRaw,
    /// Since the autoscaler last evaluated.
    eval: Integrals,
    /// Since the current series point began.
    pub point: Integrals,
}

impl Stack {
    /// A stack of `active` instances.
    pub fn new(queue: Queue, active: u32, bounds: InstanceBounds, concurrency: u32) -> Self {
        let mut stack = Self {
            queue,
            active,
            pending: Vec::new(),
            bounds,
            concurrency,
            fixed_servers: None,
            keep: 1.0,
            servers: 0,
            busy: 0,
            last_secs: 0.0,
            raw: StackRaw::default(),
            eval: Integrals::default(),
            point: Integrals::default(),
        };
        stack.resize();
        stack.raw.peak_instances = f64::from(active);
        stack
    }

    /// A functions stack: an account of `limit` concurrent executions
    /// with `provisioned` environments (paid as its instances).
    /// Its `queue` holds a queue layer's messages for its functions.
    pub fn functions(limit: u32, provisioned: u32, queue: Queue) -> Self {
        let bounds = InstanceBounds { min: provisioned, max: provisioned };
        let mut stack = Self::new(queue, provisioned, bounds, 1);
        stack.fixed_servers = Some(limit);
        stack.resize();
        stack
    }

    fn resize(&mut self) {
        let servers = self.fixed_servers.unwrap_or(self.active * self.concurrency);
        // Non-negative, so truncation is floor.
        self.servers = (f64::from(servers) * self.keep) as u32;
    }

    fn pending_total(&self) -> u32 {
        self.pending.iter().map(|p| p.1).sum()
    }

    /// Brings the integrals up to `t_secs`.
    #[inline]
    pub fn advance(&mut self, t_secs: f64) {
        let d = t_secs - self.last_secs;
        if d <= 0.0 {
            return;
        }
        let (busy, servers, active) = (f64::from(self.busy), f64::from(self.servers), f64::from(self.active));
        let instances = self.active + self.pending_total();
        add_integrals(&mut self.raw, instances, active, servers, busy, d);
        for i in [&mut self.eval, &mut self.point] {
            i.busy_secs += busy * d;
            i.capacity_secs += servers * d;
            i.active_secs += active * d;
        }
        self.last_secs = t_secs;
    }

    /// The run's totals as they would read brought up to `t_secs`
    /// (nothing changes).
    pub fn totals_at(&self, t_secs: f64) -> StackRaw {
        let mut raw = self.raw.clone();
        let d = t_secs - self.last_secs;
        if d > 0.0 {
            let instances = self.active + self.pending_total();
            let (busy, servers, active) = (f64::from(self.busy), f64::from(self.servers), f64::from(self.active));
            add_integrals(&mut raw, instances, active, servers, busy, d);
        }
        raw
    }

    /// Keeps `keep` of the capacity from `t_secs` on.
    pub fn set_keep(&mut self, t_secs: f64, keep: f64) {
        self.advance(t_secs);
        self.keep = keep;
        self.resize();
    }

    /// Instances that finished warming up by `t_secs` join.
    pub fn ready(&mut self, t_secs: f64) {
        self.advance(t_secs);
        let before = self.pending.len();
        let mut joined = 0;
        self.pending.retain(|&(at, n)| {
            let ready = at <= t_secs;
            if ready {
                joined += n;
            }
            !ready
        });
        if self.pending.len() != before {
            self.active += joined;
            self.raw.peak_instances = self.raw.peak_instances.max(f64::from(self.active));
            self.resize();
        }
    }

    /// Instances paid for now: active and warming up.
    pub fn instances(&self) -> u32 {
        self.active + self.pending_total()
    }

    /// True when the stack has no instance, active or warming up.
    pub fn is_empty(&self) -> bool {
        self.active == 0 && self.pending.is_empty()
    }

    /// A stack at zero instances that receives a request at `t_secs`
    /// starts one instance at once (a cold start), paid for from now and
    /// serving at `ready_secs`.
    pub fn scale_from_zero(&mut self, t_secs: f64, ready_secs: f64) {
        self.advance(t_secs);
        self.pending.push((ready_secs, 1));
    }

    /// Target tracking at `t_secs`: sizes the stack for the utilisation
    /// (busy over available server-time) since the last evaluation.
    /// Returns when new instances will be ready, if it scaled out.
    pub fn autoscale(&mut self, t_secs: f64, policy: &Autoscale, warmup_secs: f64) -> Option<f64> {
        self.advance(t_secs);
        let utilisation = if self.eval.capacity_secs > 0.0 {
            self.eval.busy_secs / self.eval.capacity_secs
        } else if self.eval.busy_secs > 0.0 || !self.queue.is_empty() {
            1.0
        } else {
            0.0
        };
        self.eval = Integrals::default();
        let desired = desired_instances(self.active, utilisation, policy, self.bounds.min, self.bounds.max);
        let pending = self.pending_total();
        let current = self.active + pending;
        if desired > current {
            let ready = t_secs + warmup_secs;
            self.pending.push((ready, desired - current));
            Some(ready)
        } else {
            if desired < self.active && pending == 0 {
                self.active = desired;
                self.resize();
            }
            None
        }
    }
}

/// Adds `d` seconds at the given instances (paid, active), servers and
/// busy servers to a stack's totals.
#[inline]
fn add_integrals(raw: &mut StackRaw, instances: u32, active: f64, servers: f64, busy: f64, d: f64) {
    raw.instance_secs += f64::from(instances) * d;
    raw.active_instance_secs += active * d;
    raw.capacity_secs += servers * d;
    raw.busy_secs += busy * d;
}
