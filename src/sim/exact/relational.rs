//! A relational database in the per-request engine (docs/model.md,
//! "Relational database"). Each database stack is a writer and its read
//! replicas; each instance runs queries on its vCPUs, first come, first
//! served, and a compute server waits for its request's query.
//!
//! Connections: without a proxy, every compute instance keeps a pool of
//! connections open to each database it uses (one per tenant with a
//! database each), whether busy or not. Instances that hold their
//! connections keep them; the connections left are shared among the
//! instances still asking (new ones, and those that could not connect
//! before and keep trying), in proportion to what they ask. A query on an
//! instance without connections fails at once. With a proxy, compute connects to the proxy, and each query
//! borrows one of the proxy's connections to its instance: it waits for
//! one first come, first served, and fails after the borrow timeout.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use rand::RngExt;
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::rng::{StreamPurpose, stream};
use crate::scenario::model::{Design, Layer, Relational as Layout, Scenario, Tenancy};
use crate::sim::exact::source::Service;
use crate::sim::raw::StackRaw;

/// One instance (writer or replica).
#[derive(Debug, Clone, Default)]
struct Instance {
    /// vCPUs available now (after capacity losses).
    servers: u32,
    /// Queries running.
    busy: u32,
    /// Jobs holding a connection, waiting for a vCPU.
    cpu_queue: VecDeque<u32>,
    /// Proxy connections in use (queries holding one).
    connections: u32,
    /// Connections its proxy opens to it (see [`Layout::connections_for`]).
    proxy_connections: u32,
    /// Jobs waiting at the proxy for a connection, with when they came.
    proxy_queue: VecDeque<(u32, f64)>,
    last_secs: f64,
    busy_secs: f64,
    capacity_secs: f64,
}

impl Instance {
    fn advance(&mut self, t_secs: f64) {
        let d = t_secs - self.last_secs;
        if d > 0.0 {
            self.busy_secs += f64::from(self.busy) * d;
            self.capacity_secs += f64::from(self.servers) * d;
            self.last_secs = t_secs;
        }
    }
}

/// [`Query::at`] of a request still in compute service.
pub const NO_QUERY: u32 = u32::MAX;
/// [`Query::at`] of a request whose query found no connection.
pub const REFUSED: u32 = u32::MAX - 1;
/// [`Query::at`] of a request whose query has run.
pub const QUERIED: u32 = u32::MAX - 2;

/// Where a job's query stands.
#[derive(Debug, Clone, Copy)]
pub struct Query {
    /// The instance it waits for or runs on, or [`NO_QUERY`], [`REFUSED`],
    /// [`QUERIED`].
    pub at: u32,
    /// When its compute service ended and its query began, seconds.
    pub from_secs: f64,
}

impl Query {
    /// No query yet.
    pub const NONE: Self = Self { at: NO_QUERY, from_secs: 0.0 };
}

/// A compute stack using a database stack.
#[derive(Debug, Clone, Copy)]
struct User {
    /// The compute stack.
    stack: u32,
    /// Connections each of its instances keeps open to the database.
    per_instance: f64,
    /// Its instances (or function environments) when last looked at.
    instances: u32,
    /// How many of them hold their connections (a share of an instance
    /// counts as that share of its requests).
    connected: f64,
}

impl User {
    /// The share of its requests on instances holding connections.
    fn share(&self) -> f64 {
        if self.instances == 0 { 1.0 } else { (self.connected / f64::from(self.instances)).min(1.0) }
    }
}

/// Where a query goes when it reaches its instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// A vCPU runs it from now.
    Runs,
    /// It waits (for a vCPU, or at the proxy for a connection).
    Waits,
}

/// Every relational stack of one design.
#[derive(Debug)]
pub struct Databases {
    layout: Layout,
    query: Service,
    instances: Vec<Instance>,
    /// Instances per stack (writer first).
    per_stack: usize,
    /// For each database stack: the compute stacks whose tenants use it.
    users: Vec<Vec<User>>,
    /// Each tenant's place among its database stack's users.
    user_of: Vec<u32>,
    /// Connections each stack's users hold.
    used: Vec<f64>,
    /// Connections each stack's instances accept (fewer than
    /// `max_connections` when its tenants' schemas crowd its memory).
    accepted: Vec<f64>,
    /// Each compute stack's places among the users of the database stacks
    /// it uses: (database stack, user).
    uses: Vec<Vec<(u32, u32)>>,
    /// Compute stacks whose instance counts changed since the last query
    /// (a cold start), when not every stack is to be looked at (`stale`).
    pub changed: Vec<u32>,
    /// Compute instance counts changed since `connected` was worked out.
    pub stale: bool,
    /// Each job's query, by job index (kept beside the jobs, so that
    /// scenarios without a relational database keep their jobs small).
    queries: Vec<Query>,
    /// When the oldest query waiting at each instance's proxy times out:
    /// (time bits, instance), earliest first; an entry whose instance's
    /// oldest waiter has changed since is passed over.
    deadlines: BinaryHeap<Reverse<(u64, u32)>>,
    rng: Xoshiro256PlusPlus,
}

impl Databases {
    /// The relational stacks of `design`, if `sc` has a relational layer.
    pub fn new(sc: &Scenario, design: &Design, replication: u32) -> Option<Self> {
        let layout = sc.relational.clone()?;
        let db = &design.layers[Layer::Database.index()];
        let compute = &design.layers[Layer::Compute.index()];
        let per_stack = layout.instances() as usize;
        let accepted: Vec<u32> = db.stacks.iter().map(|s| layout.connections_for(s.tenants.len())).collect();
        let instances = accepted
            .iter()
            .flat_map(|&cap| {
                let proxy_connections = layout.proxy.map_or(0, |p| p.connections.min(cap));
                std::iter::repeat_n(
                    Instance { servers: layout.vcpus, proxy_connections, ..Instance::default() },
                    per_stack,
                )
            })
            .collect();
        let mut users: Vec<Vec<User>> = vec![Vec::new(); db.stacks.len()];
        let mut user_of = vec![0; sc.tenants.len()];
        let pool = f64::from(layout.pool_per_instance);
        for (s, stack) in compute.stacks.iter().enumerate() {
            for &t in &stack.tenants {
                let d = db.stack_of_tenant[t as usize] as usize;
                let per_tenant = layout.tenancy == Tenancy::DatabasePerTenant;
                // A stack's tenants come one after another: its entry, if
                // any, is the last.
                let k = match users[d].last_mut() {
                    Some(user) if user.stack == s as u32 => {
                        if per_tenant {
                            user.per_instance += pool;
                        }
                        users[d].len() - 1
                    }
                    _ => {
                        users[d].push(User { stack: s as u32, per_instance: pool, instances: 0, connected: 0.0 });
                        users[d].len() - 1
                    }
                };
                user_of[t as usize] = k as u32;
            }
        }
        let mut uses = vec![Vec::new(); compute.stacks.len()];
        for (d, list) in users.iter().enumerate() {
            for (k, u) in list.iter().enumerate() {
                uses[u.stack as usize].push((d as u32, k as u32));
            }
        }
        Some(Self {
            query: Service::new(layout.query),
            layout,
            instances,
            per_stack,
            used: vec![0.0; users.len()],
            accepted: accepted.into_iter().map(f64::from).collect(),
            uses,
            changed: Vec::new(),
            users,
            user_of,
            stale: true,
            queries: Vec::new(),
            deadlines: BinaryHeap::new(),
            rng: stream(sc.clock.seed, u64::from(replication), 0, StreamPurpose::RelationalQueries),
        })
    }

    /// Job `job`'s query.
    #[inline]
    pub fn query(&self, job: u32) -> Query {
        self.queries.get(job as usize).copied().unwrap_or(Query::NONE)
    }

    /// Sets job `job`'s query.
    #[inline]
    pub fn set_query(&mut self, job: u32, query: Query) {
        let i = job as usize;
        if i >= self.queries.len() {
            self.queries.resize(i + 1, Query::NONE);
        }
        self.queries[i] = query;
    }

    /// Job `job`'s query, as its request finishes (its index is free for
    /// the next job).
    #[inline]
    pub fn take_query(&mut self, job: u32) -> Query {
        self.queries.get_mut(job as usize).map_or(Query::NONE, |q| std::mem::replace(q, Query::NONE))
    }

    /// Works out again which compute instances hold connections to every
    /// stack, from each compute stack's instance count now (when counts
    /// changed since the last time).
    pub fn refresh(&mut self, instances_of: impl Fn(usize) -> u32) {
        if self.stale {
            self.stale = false;
            self.changed.clear();
            for d in 0..self.users.len() {
                self.refresh_stack(d, &instances_of);
            }
            return;
        }
        // Only the stacks that changed: a cold start costs the same
        // whatever the number of stacks.
        let mut changed = std::mem::take(&mut self.changed);
        for s in changed.drain(..) {
            for i in 0..self.uses[s as usize].len() {
                let (d, k) = self.uses[s as usize][i];
                self.refresh_one(d as usize, k as usize, instances_of(s as usize));
            }
        }
        self.changed = changed;
    }

    /// [`Databases::refresh`] of stack `d` alone: instances gone give their
    /// connections back (those without connections go first), and the
    /// connections free are shared among the instances asking, in
    /// proportion to what they ask.
    pub fn refresh_stack(&mut self, d: usize, instances_of: impl Fn(usize) -> u32) {
        if self.layout.proxy.is_some() {
            return;
        }
        let users = &mut self.users[d];
        let mut used = 0.0;
        let mut asked = 0.0;
        for u in users.iter_mut() {
            u.instances = instances_of(u.stack as usize);
            u.connected = u.connected.min(f64::from(u.instances));
            used += u.connected * u.per_instance;
            asked += (f64::from(u.instances) - u.connected) * u.per_instance;
        }
        if asked <= 0.0 {
            self.used[d] = used;
            return;
        }
        let free = (self.accepted[d] - used).max(0.0);
        let given = (free / asked).min(1.0);
        for u in users.iter_mut() {
            u.connected += (f64::from(u.instances) - u.connected) * given;
        }
        self.used[d] = used + asked * given;
    }

    /// [`Databases::refresh_stack`] for tenant `t`'s compute stack alone,
    /// which has `instances` now (function environments come and go with
    /// every request, so only the querying stack is looked at): its
    /// instances gone give their connections back, and its instances
    /// without connections take what is free, first come, first served.
    pub fn refresh_user(&mut self, d: usize, t: usize, instances: u32) {
        self.refresh_one(d, self.user_of[t] as usize, instances);
    }

    /// [`Databases::refresh_user`] of user `k` of stack `d`.
    fn refresh_one(&mut self, d: usize, k: usize, instances: u32) {
        if self.layout.proxy.is_some() {
            return;
        }
        let u = &mut self.users[d][k];
        let held_before = u.connected * u.per_instance;
        u.instances = instances;
        u.connected = u.connected.min(f64::from(instances));
        let mut used = (self.used[d] - held_before + u.connected * u.per_instance).max(0.0);
        let asked = (f64::from(instances) - u.connected) * u.per_instance;
        let given = asked.min((self.accepted[d] - used).max(0.0));
        if given > 0.0 {
            u.connected += given / u.per_instance;
            used += given;
        }
        self.used[d] = used;
    }

    /// Routes a query of tenant `t` to its stack `d` (a read or a write):
    /// its instance, or none when the compute instance it runs on holds no
    /// connection.
    pub fn route(&mut self, d: usize, t: usize, read: bool) -> Option<usize> {
        if self.layout.proxy.is_none() {
            let share = self.users[d][self.user_of[t] as usize].share();
            if share < 1.0 && self.rng.random::<f64>() >= share {
                return None;
            }
        }
        let replicas = self.per_stack - 1;
        let k = if read && replicas > 0 { 1 + (self.rng.random::<f64>() * replicas as f64) as usize } else { 0 };
        Some(d * self.per_stack + k.min(self.per_stack - 1))
    }

    /// Job `job`'s query reaches instance `i` at `t_secs`.
    pub fn admit(&mut self, i: usize, job: u32, t_secs: f64) -> Admission {
        let proxy = self.layout.proxy;
        let inst = &mut self.instances[i];
        inst.advance(t_secs);
        if let Some(p) = proxy {
            if inst.connections >= inst.proxy_connections || !inst.proxy_queue.is_empty() {
                if inst.proxy_queue.is_empty() {
                    self.deadlines.push(Reverse(((t_secs + p.borrow_timeout_secs).to_bits(), i as u32)));
                }
                inst.proxy_queue.push_back((job, t_secs));
                return Admission::Waits;
            }
            inst.connections += 1;
        }
        if inst.busy < inst.servers && inst.cpu_queue.is_empty() {
            inst.busy += 1;
            Admission::Runs
        } else {
            inst.cpu_queue.push_back(job);
            Admission::Waits
        }
    }

    /// One query's CPU time, seconds.
    pub fn draw_query_secs(&mut self) -> f64 {
        self.query.draw(&mut self.rng)
    }

    /// A query on instance `i` ends at `t_secs`: its vCPU and its proxy
    /// connection are free.
    pub fn release(&mut self, i: usize, t_secs: f64) {
        let proxied = self.layout.proxy.is_some();
        let inst = &mut self.instances[i];
        inst.advance(t_secs);
        inst.busy = inst.busy.saturating_sub(1);
        if proxied {
            inst.connections = inst.connections.saturating_sub(1);
        }
    }

    /// The next waiting query instance `i` starts, if a vCPU is free:
    /// queries waiting at the proxy take the free connections first (none
    /// of them is past its borrow timeout: [`Databases::expire_borrows`]
    /// took those out at their deadlines, which come before anything else
    /// at their time).
    pub fn next(&mut self, i: usize) -> Option<u32> {
        let proxy = self.layout.proxy;
        let inst = &mut self.instances[i];
        if let Some(p) = proxy {
            let mut moved = false;
            while inst.connections < inst.proxy_connections {
                let Some((job, _)) = inst.proxy_queue.pop_front() else { break };
                moved = true;
                inst.connections += 1;
                inst.cpu_queue.push_back(job);
            }
            if moved && let Some(&(_, since)) = inst.proxy_queue.front() {
                self.deadlines.push(Reverse(((since + p.borrow_timeout_secs).to_bits(), i as u32)));
            }
        }
        if inst.busy < inst.servers {
            let job = inst.cpu_queue.pop_front()?;
            inst.busy += 1;
            return Some(job);
        }
        None
    }

    /// When the next query waiting at a proxy times out (infinity when
    /// none waits; possibly earlier, for a waiter already gone).
    #[inline]
    pub fn next_deadline_secs(&self) -> f64 {
        self.deadlines.peek().map_or(f64::INFINITY, |Reverse((bits, _))| f64::from_bits(*bits))
    }

    /// The queries waiting at a proxy whose borrow timeout has come by
    /// `t_secs` leave its queue: into `expired`, with when they timed out.
    pub fn expire_borrows(&mut self, t_secs: f64, expired: &mut Vec<(u32, f64)>) {
        let Some(p) = self.layout.proxy else { return };
        while let Some(&Reverse((bits, i))) = self.deadlines.peek() {
            if f64::from_bits(bits) > t_secs {
                break;
            }
            self.deadlines.pop();
            let queue = &mut self.instances[i as usize].proxy_queue;
            let before = queue.front().map(|w| w.1);
            while let Some(&(job, since)) = queue.front() {
                if since + p.borrow_timeout_secs > t_secs {
                    break;
                }
                queue.pop_front();
                expired.push((job, since + p.borrow_timeout_secs));
            }
            if let Some(&(_, since)) = queue.front()
                && queue.front().map(|w| w.1) != before
            {
                self.deadlines.push(Reverse(((since + p.borrow_timeout_secs).to_bits(), i)));
            }
        }
    }

    /// Instances (writers and replicas) over every stack.
    pub fn instance_count(&self) -> usize {
        self.instances.len()
    }

    /// Instances keep `keep` of their vCPUs from `t_secs` on (a capacity
    /// loss of the database layer), rounded down as compute's servers are;
    /// the caller then starts the queries the vCPUs come back for.
    pub fn set_keep(&mut self, t_secs: f64, keep: f64) {
        let vcpus = f64::from(self.layout.vcpus);
        for inst in &mut self.instances {
            inst.advance(t_secs);
            // Non-negative, so truncation is floor.
            inst.servers = (vcpus * keep) as u32;
        }
    }

    /// Connections compute holds now, over every stack: through a proxy,
    /// those queries borrow; else the pools of the compute instances that
    /// hold theirs.
    pub fn connections(&self) -> f64 {
        if self.layout.proxy.is_some() {
            return self.instances.iter().map(|i| f64::from(i.connections)).sum();
        }
        self.users.iter().flatten().map(|u| u.connected * u.per_instance).sum()
    }

    /// Busy and available vCPU-seconds from the start to `t_secs`, over
    /// every instance.
    pub fn vcpu_secs_at(&self, t_secs: f64) -> (f64, f64) {
        self.instances.iter().fold((0.0, 0.0), |(busy, capacity), inst| {
            let since = (t_secs - inst.last_secs).max(0.0);
            (
                busy + inst.busy_secs + f64::from(inst.busy) * since,
                capacity + inst.capacity_secs + f64::from(inst.servers) * since,
            )
        })
    }

    /// Jobs whose query still waits at the end: at a vCPU or the proxy.
    pub fn waiting(&self) -> impl Iterator<Item = u32> + '_ {
        self.instances.iter().flat_map(|i| i.cpu_queue.iter().copied().chain(i.proxy_queue.iter().map(|w| w.0)))
    }

    /// Adds each stack's figures up to `t_secs` to `raw`: its instances'
    /// paid seconds, busy and available vCPU-seconds (nothing changes).
    pub fn figures_at(&self, t_secs: f64, raw: &mut [StackRaw]) {
        for (d, r) in raw.iter_mut().enumerate() {
            for inst in &self.instances[d * self.per_stack..(d + 1) * self.per_stack] {
                let since = (t_secs - inst.last_secs).max(0.0);
                r.busy_secs += inst.busy_secs + f64::from(inst.busy) * since;
                r.capacity_secs += inst.capacity_secs + f64::from(inst.servers) * since;
                r.instance_secs += t_secs;
                r.active_instance_secs += t_secs;
            }
            r.peak_instances = self.per_stack as f64;
        }
    }
}
