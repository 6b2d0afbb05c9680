//! The per-request engine: every request is an event. It arrives (a
//! Poisson process following its tenant's pattern and spikes in continuous
//! time), passes its usage plan's token bucket, its quotas and its gateway
//! stack's account bucket (refilled continuously), waits in its compute
//! stack's queue (FIFO or weighted-fair) for a server, is dropped if it
//! waits longer than the timeout, is served for its own service time, and
//! takes read or write units from its key shard's partition (dropped when
//! the partition is over its cap). Capacity losses, autoscaling with
//! warm-up and event windows happen at their exact times.
//!
//! It shares the scenario, the random streams' scheme and the raw results
//! with the fast engine, which it checks: nothing here approximates a
//! queue, so its figures are exact up to sampling error. It runs whole
//! designs (no parts) and reads no wall clock.

mod arrivals;
mod batches;
mod bucket;
pub(crate) mod completions;
mod functions;
mod points;
mod pollers;
pub(crate) mod queue;
mod redelivery;
mod relational;
mod retries;
pub(crate) mod slots;
pub(crate) mod source;
mod stack;
mod timeouts;

use crate::report::Flow;
use crate::rng::{StreamPurpose, stream};
use crate::scenario::model::{DbPricing, Design, Fairness, Layer, QuotaPeriod, Scenario, StackKind};
use crate::sim::RunControl;
use crate::sim::compute::initial_size;
use crate::sim::consumers::Consumers;
use crate::sim::database::partition_of;
use crate::sim::histogram::{BinCounts, FineBins};
use crate::sim::layer_latency::LayerLatency;
use crate::sim::raw::{Counts, FlowRaw, StackRaw, TaskRaw, TenantRaw, TierHistograms};
use crate::sim::windows::{Spikes, Windows, baseline_ticks, capacity_lost_at, simulated, spikes_of, window_ticks};

use arrivals::{Arrivals, Drawn};
use batches::{Batches, NO_BATCH};
use bucket::Bucket;
use completions::Completions;
use functions::{Env, Function};
use points::Points;
use pollers::Pollers;
use queue::{HOLDS, IN_WINDOW, NO_SLOT, Queue, READ, Req};
use rand_distr::{Distribution, Exp1};
use redelivery::{Failed, Redelivery};
use relational::{Admission, Databases, NO_QUERY, QUERIED, Query, REFUSED};
use retries::{Attempt, Retries};
use slots::Slots;
use source::Source;
use stack::Stack;
use timeouts::Timeouts;

/// Seconds of a partition's hard cap it may use at once (its burst).
pub const PARTITION_BURST_SECS: f64 = 1.0;

/// Events between progress updates and cancellation checks.
const PROGRESS_EVENTS: u64 = 1 << 16;

/// A tenant with no function of its own or shared (instance compute).
const NO_FUNCTION: u32 = u32::MAX;

/// A request in service.
#[derive(Debug, Clone, Copy)]
struct Job {
    req: Req,
    stack: u32,
    /// Its function and environment ([`NO_FUNCTION`] on instances).
    function: u32,
    env: Env,
    /// Its service time, initialisation included on a cold start, seconds
    /// (a batch's: every message's, one after the other).
    busy_secs: f64,
    /// The other messages of its batch in [`Exact::batches`] ([`NO_BATCH`]:
    /// it processes `req` alone).
    batch: u32,
}

/// A message's share of the execution that processed it (a request's
/// whole execution when it is alone).
#[derive(Debug, Clone, Copy)]
struct Done {
    /// Busy time it took, seconds (its own processing and its share of
    /// the initialisation).
    busy_secs: f64,
    /// Its share of the invocation and of the queue's receive and delete
    /// calls: 1 alone, 1/k in a batch of k.
    receipt: f64,
    /// Time its batch spent processing the other messages, seconds.
    batched_secs: f64,
    /// The whole execution's busy time, seconds (from its receive).
    execution_secs: f64,
}

/// One partition's caps: the hard cap (reads, writes) and, when
/// provisioned, the table's share with its burst bank.
#[derive(Debug, Clone)]
struct Partition {
    hard: [Bucket; 2],
    provisioned: Option<[Bucket; 2]>,
}

/// What the hot paths need to know of a tenant, gathered once.
#[derive(Debug, Clone, Copy)]
struct TenantInfo {
    tier: usize,
    /// Its place among the focus tenants, if it is one.
    focus: Option<usize>,
    /// Its gateway, compute and database stacks.
    gw: usize,
    stack: usize,
    db: usize,
    /// Its flow in its compute stack's queue: its place among the stack's
    /// tenants (with functions behind a standard queue layer, its queue's
    /// place among the stack's queues).
    flow: usize,
    /// Its queue in the design's queue layer (0 without one).
    queue: u32,
    /// Its usage plan has quotas (and a gateway applies them).
    quotas: bool,
    /// Its function ([`NO_FUNCTION`] on instance compute).
    function: u32,
    /// Its queue's send limit in [`Exact::sends`] ([`NO_SEND`] when its
    /// queue has none).
    send: u32,
}

/// A tenant whose queue accepts every message.
const NO_SEND: u32 = u32::MAX;

/// One task's state in the per-request engine.
struct Exact<'a> {
    sc: &'a Scenario,
    design: &'a Design,
    end_secs: f64,
    /// A run with spikes that goes on past its baseline's end notes its
    /// cost counters there (`settled`).
    settle_secs: Option<f64>,
    settled: Option<Box<Counts>>,
    /// A baseline that goes on past the last spike window reads its window
    /// figures there (`window_read`: offered, lost, served, p99 per tenant),
    /// as a baseline stopping there would have.
    window_end_secs: Option<f64>,
    window_read: Vec<[f64; 4]>,
    timeout_secs: f64,
    /// The autoscaler's warm-up in whole ticks, seconds.
    warmup_secs: f64,
    arrivals: Arrivals,
    /// Clients' retries waiting to be sent.
    retries: Retries,
    /// Clients' timeouts counting down.
    timeouts: Timeouts,
    /// The gateway's and the database's latency, and the stream its draws
    /// come from.
    layers: LayerLatency,
    layer_rng: Vec<rand_xoshiro::Xoshiro256PlusPlus>,
    /// No layer adds latency and no client has a timeout: a request's
    /// answer is its compute's.
    plain: bool,
    info: Vec<TenantInfo>,
    plans: Vec<Option<Bucket>>,
    quota_used: Vec<[u64; 3]>,
    quota_period: Vec<[u64; 3]>,
    quota_secs: [f64; 3],
    accounts: Vec<Bucket>,
    /// Each FIFO queue's send limit, and whether several tenants send to
    /// it.
    sends: Vec<(Bucket, bool)>,
    gw_raw: Vec<StackRaw>,
    stacks: Vec<Stack>,
    partitions: Vec<Partition>,
    /// Each tenant's key shards' partitions (global index).
    shard_partitions: Vec<Vec<usize>>,
    db_raw: Vec<StackRaw>,
    kept_secs: [f64; 3],
    keep: [f64; 3],
    last_change_secs: f64,
    /// Requests in service, by the job index their completion key holds.
    jobs: Slots<Job>,
    /// Every function of every stack (serverless compute).
    functions: Vec<Function>,
    /// Each compute stack's functions (serverless compute).
    stack_functions: Vec<Vec<u32>>,
    /// Requests in service by completion time, then job. At the same
    /// time, clients' deadlines come first, then arrivals, then
    /// completions, then instances ready, each kind by index.
    completions: Completions,
    /// Stacks whose warming instances may be ready: (time bits, stack).
    ready: Vec<(u64, u32)>,
    /// The earliest time pushed to `ready` since the tight loop last
    /// looked (infinity: none), so that it stops for it.
    ready_pushed_secs: f64,
    /// The latest time a request started or completed (debug builds
    /// check that events never go back in time).
    #[cfg(debug_assertions)]
    last_secs: f64,
    /// Requests that waited past the timeout, found at a queue's head.
    expired: Vec<Req>,
    raw: Vec<TenantRaw>,
    latency: Vec<BinCounts>,
    window_latency: Vec<BinCounts>,
    bins: FineBins,
    windows: Windows,
    focus: Vec<usize>,
    points: Points,
    control: &'a RunControl,
    ticks_reported: u64,
    /// Events handled (progress is reported every [`PROGRESS_EVENTS`]).
    handled: u64,
    /// A queue layer takes the requests: the gateway's acceptance is the
    /// client's answer, and what becomes of a message later is not retried
    /// by the client.
    queued: bool,
    /// Messages whose processing failed or outlived the visibility
    /// timeout, waiting to be offered again, and the records of messages
    /// received while a consumer held them.
    redelivery: Box<Redelivery>,
    /// A consumer busy longer than this (a queue's visibility timeout)
    /// still holds its message when the queue offers it again (infinity
    /// without a queue).
    outlive_secs: f64,
    /// The queues are FIFO queues: their message groups take one message
    /// at a time.
    fifo: bool,
    /// The relational database's stacks, if the scenario has one.
    relational: Option<Box<Databases>>,
    /// Serverless functions consume a queue layer's messages: a message
    /// waits for its function's concurrency instead of being throttled.
    fed: bool,
    /// With `fed`, each tenant's stream of initialisation times for its
    /// messages that start cold.
    cold_rng: Vec<rand_xoshiro::Xoshiro256PlusPlus>,
    /// With `fed`, when each compute stack is next woken to start a
    /// message its function had no new environment for.
    wake_secs: Vec<f64>,
    /// With `fed`, each queue's messages being processed, and the most
    /// its event source processes at once (`u32::MAX`: no limit).
    consuming: Vec<u32>,
    max_consuming: u32,
    /// With `fed` and standard queues, each queue's event source mapping
    /// (how many executions its pollers let run), and each compute
    /// stack's queues.
    pollers: Vec<Pollers>,
    stack_queues: Vec<Vec<u32>>,
    /// Queries that waited past the proxy's borrow timeout: (job, when
    /// they timed out), kept to reuse its allocation.
    borrow_expired: Vec<(u32, f64)>,
    /// With `fed`, the most messages an execution takes from its queue at
    /// once (1: one an invocation), and the batches being processed.
    batch_size: usize,
    batches: Batches,
    /// With batches, how long a queue's messages wait for their batch to
    /// fill, from the oldest one's arrival, seconds (0: not at all).
    batch_window_secs: f64,
}

/// A functions stack of `members` (docs/model.md, "Serverless
/// functions"): each member whose tier reserves concurrency gets a
/// function of its own, the others share one with what is left; each
/// function keeps the provisioned environments it can.
fn functions_stack(
    sc: &Scenario,
    f: &crate::scenario::model::Functions,
    members: &[u32],
    info: &mut [TenantInfo],
    functions: &mut Vec<Function>,
    queue: Queue,
) -> Stack {
    let mut unreserved = f.concurrency_limit;
    let mut provisioned = 0;
    let mut add = |limit: u32, functions: &mut Vec<Function>| {
        let p = f.provisioned.min(limit);
        provisioned += p;
        functions.push(Function::new(limit, p, f.keep_warm_secs, f.scale_per_10s));
        (functions.len() - 1) as u32
    };
    let mut shared = Vec::new();
    for &t in members {
        let reserved = f.reserved(sc.tenants[t as usize].tier);
        if reserved > 0 {
            // Resolution checked that the reservations fit.
            unreserved = unreserved.saturating_sub(reserved);
            info[t as usize].function = add(reserved, functions);
        } else {
            shared.push(t);
        }
    }
    if !shared.is_empty() {
        let index = add(unreserved, functions);
        for t in shared {
            info[t as usize].function = index;
        }
    }
    Stack::functions(f.concurrency_limit, provisioned, queue)
}

/// The queues a functions stack's `members` send to, read in turn: one
/// flow per queue (a shared queue first in, first out), each member's
/// flow set to its queue's.
fn queues_in_turn(queues: &crate::scenario::model::Topology, members: &[u32], info: &mut [TenantInfo]) -> Queue {
    let mut flows: Vec<u32> = Vec::new();
    for &t in members {
        let q = queues.stack_of_tenant[t as usize];
        info[t as usize].flow = flows.iter().position(|&f| f == q).unwrap_or_else(|| {
            flows.push(q);
            flows.len() - 1
        });
    }
    Queue::fair(&vec![1.0; flows.len()])
}

/// True when queue `q`'s event source may start one more execution at
/// `t_secs`: under the queue's maximum concurrency and, for a standard
/// queue, what its pollers allow.
#[inline]
fn source_admits(pollers: &mut [Pollers], consuming: &[u32], max: u32, q: usize, t_secs: f64) -> bool {
    let in_use = consuming[q];
    in_use < max && pollers.get_mut(q).is_none_or(|p| p.admits(in_use, t_secs))
}

/// True when the compute stack of `members` reads one fair queue that
/// several tenants share (a queue per tenant, fair or not, is in turn).
fn reads_fair_queue(sc: &Scenario, design: &Design, members: &[u32]) -> bool {
    if !sc.queue.as_ref().is_some_and(|q| q.fair) || members.len() < 2 {
        return false;
    }
    let queues = &design.queue;
    let first = queues.stack_of_tenant[members[0] as usize];
    members.iter().all(|&t| queues.stack_of_tenant[t as usize] == first)
}

/// Each compute stack's functions, from its tenants' (none on instances).
fn stack_functions(info: &[TenantInfo], compute: &crate::scenario::model::Topology, count: usize) -> Vec<Vec<u32>> {
    if count == 0 {
        return Vec::new();
    }
    compute
        .stacks
        .iter()
        .map(|s| {
            let mut of: Vec<u32> = s.tenants.iter().map(|&t| info[t as usize].function).collect();
            of.sort_unstable();
            of.dedup();
            of
        })
        .collect()
}

/// What keeps connections to a relational database in compute stack `s`
/// at `t_secs`: its instances (active and warming up), or with serverless
/// functions its functions' live environments (`of_stack[s]`).
fn compute_size(stacks: &[Stack], functions: &[Function], of_stack: &[Vec<u32>], s: usize, t_secs: f64) -> u32 {
    if functions.is_empty() {
        stacks[s].instances()
    } else {
        of_stack[s].iter().map(|&f| functions[f as usize].environments(t_secs)).sum()
    }
}

/// Runs one task per request. Returns `None` when cancelled.
pub fn simulate(
    sc: &Scenario,
    design: &Design,
    replication: u32,
    spikes: Spikes,
    focus: &[usize],
    series_points: u64,
    control: &RunControl,
) -> Option<TaskRaw> {
    let mut task = Exact::new(sc, design, replication, spikes, focus, series_points, control);
    if task.run() { Some(task.finish()) } else { None }
}

impl<'a> Exact<'a> {
    fn new(
        sc: &'a Scenario,
        design: &'a Design,
        replication: u32,
        applied: Spikes,
        focus: &[usize],
        series_points: u64,
        control: &'a RunControl,
    ) -> Self {
        let n = sc.tenants.len();
        let dt = sc.clock.tick_secs;
        let active = simulated(sc, design, applied);
        let (baseline_end, window_end) = (baseline_ticks(sc), window_ticks(sc));
        let end_tick = applied.ticks(sc);
        let end_secs = end_tick as f64 * dt;
        let settle_secs = (!applied.baseline() && sc.has_spikes() && baseline_end < sc.clock.ticks)
            .then_some(baseline_end as f64 * dt);
        let window_end_secs = (applied == Spikes::None && window_end < baseline_end).then_some(window_end as f64 * dt);
        let spikes = spikes_of(sc, applied);
        let sources: Vec<Option<Source>> =
            (0..n).map(|t| active[t].then(|| Source::new(sc, t, replication, &spikes))).collect();
        let rate_per_sec = sources.iter().flatten().map(Source::peak_rate_per_sec).sum();
        let plans = sc
            .tenants
            .iter()
            .map(|tenant| {
                let plan = sc.tiers[tenant.tier].plan.as_ref().filter(|_| sc.gateway.is_some())?;
                Some(Bucket::new(plan.rate_per_sec, plan.burst, true))
            })
            .collect();
        let [gw, compute, db] = &design.layers;
        let accounts = match &sc.gateway {
            Some(g) => vec![Bucket::new(g.account_rate_per_sec, g.account_burst, true); gw.stacks.len()],
            None => Vec::new(),
        };
        let Consumers { fairness, weights } = Consumers::of(sc, design);
        let mut focus_of = vec![None; n];
        for (k, &t) in focus.iter().enumerate() {
            focus_of[t] = Some(k);
        }
        let mut info: Vec<TenantInfo> = (0..n)
            .map(|t| {
                // A layer the scenario does not have places nobody.
                let stack_of =
                    |layer: Layer| design.layers[layer.index()].stack_of_tenant.get(t).map_or(0, |&s| s as usize);
                let plan = sc.tiers[sc.tenants[t].tier].plan.as_ref();
                TenantInfo {
                    tier: sc.tenants[t].tier,
                    focus: focus_of[t],
                    gw: stack_of(Layer::Gateway),
                    stack: stack_of(Layer::Compute),
                    db: stack_of(Layer::Database),
                    flow: 0,
                    quotas: plan.is_some_and(|p| !p.quotas.is_empty()) && sc.gateway.is_some(),
                    function: NO_FUNCTION,
                    send: NO_SEND,
                    queue: design.queue.stack_of_tenant.get(t).copied().unwrap_or(0),
                }
            })
            .collect();
        let mut sends = Vec::new();
        if let Some(rate) = sc.queue.as_ref().and_then(|q| q.send_rate_per_sec) {
            for queue in &design.queue.stacks {
                for &t in &queue.tenants {
                    info[t as usize].send = sends.len() as u32;
                }
                // An SQS quota is a rate a second: a second's worth at most
                // at once, all of it at the start.
                sends.push((Bucket::new(rate, rate, true), queue.tenants.len() > 1));
            }
        }
        let mut functions = Vec::new();
        let stacks = compute
            .stacks
            .iter()
            .enumerate()
            .map(|(si, s)| {
                for (k, &t) in s.tenants.iter().enumerate() {
                    info[t as usize].flow = k;
                }
                let queue = match fairness[si] {
                    _ if reads_fair_queue(sc, design, &s.tenants) => Queue::quiet(s.tenants.len()),
                    _ if sc.queue.as_ref().is_some_and(|q| q.fifo) => Queue::groups(
                        &s.tenants.iter().map(|&t| sc.tenants[t as usize].load.key_shards).collect::<Vec<_>>(),
                    ),
                    Fairness::Fifo => Queue::fifo(),
                    Fairness::WeightedFair => {
                        Queue::fair(&s.tenants.iter().map(|&t| weights[t as usize]).collect::<Vec<_>>())
                    }
                };
                if let Some(f) = &sc.compute.functions {
                    // Without a queue layer a function's requests never
                    // wait; with one, each function reads its own queues.
                    let queue = match sc.queue.as_ref() {
                        Some(q) if !q.fifo && !matches!(queue, Queue::Quiet(_)) => {
                            queues_in_turn(&design.queue, &s.tenants, &mut info)
                        }
                        _ => queue,
                    };
                    let mut stack = functions_stack(sc, f, &s.tenants, &mut info, &mut functions, queue);
                    // Each function takes its own queues' turns.
                    let mut owner = vec![0; stack.queue.flows()];
                    for &t in &s.tenants {
                        let i = info[t as usize];
                        if let Some(o) = owner.get_mut(i.flow) {
                            *o = i.function;
                        }
                    }
                    stack.queue.separate_clocks(&owner);
                    return stack;
                }
                let (bounds, active) = initial_size(sc, s);
                Stack::new(queue, active, bounds, sc.compute.concurrency)
            })
            .collect();
        let fed = sc.queue.is_some() && !functions.is_empty();
        let mut partitions = Vec::new();
        let mut shard_partitions = vec![Vec::new(); n];
        if let Some(layer) = &sc.database {
            for s in &db.stacks {
                let count = if s.kind == StackKind::Silo { layer.silo_partitions } else { layer.pool_partitions };
                let first = partitions.len();
                for &t in &s.tenants {
                    let t = t as usize;
                    shard_partitions[t] = (0..sc.tenants[t].load.key_shards.max(1))
                        .map(|k| first + partition_of(t, k, count as usize))
                        .collect();
                }
                let caps = [layer.read_units_per_partition_per_sec, layer.write_units_per_partition_per_sec];
                for _ in 0..count {
                    let provisioned = match layer.pricing {
                        DbPricing::Provisioned { read_units_per_sec, write_units_per_sec, .. } => {
                            Some([read_units_per_sec, write_units_per_sec].map(|table| {
                                let share = table / f64::from(count);
                                Bucket::new(share, share * crate::scenario::model::DB_BURST_BANK_SECS, false)
                            }))
                        }
                        DbPricing::OnDemand { .. } => None,
                    };
                    partitions.push(Partition {
                        hard: caps.map(|cap| Bucket::new(cap, cap * PARTITION_BURST_SECS, true)),
                        provisioned,
                    });
                }
            }
        }
        let stack_functions = stack_functions(&info, compute, functions.len());
        let stack_queues: Vec<Vec<u32>> = if !fed {
            Vec::new()
        } else {
            compute
                .stacks
                .iter()
                .map(|s| {
                    let mut of: Vec<u32> = s.tenants.iter().map(|&t| info[t as usize].queue).collect();
                    of.sort_unstable();
                    of.dedup();
                    of
                })
                .collect()
        };
        let ticks = sc.clock.ticks;
        let ticks_per_point = ticks.div_ceil(series_points.min(ticks).max(1));
        let count = ticks.div_ceil(ticks_per_point) as usize;
        let tiers = sc.tiers.len();
        let windows = Windows::new(sc);
        let (layers, timeouts) = (LayerLatency::of(sc), Timeouts::new(sc));
        let tracked = windows.tracked();
        let month = sc.month_secs();
        Self {
            sc,
            design,
            end_secs,
            settle_secs,
            settled: None,
            window_end_secs,
            window_read: Vec::new(),
            timeout_secs: sc.compute.queue_timeout_secs,
            warmup_secs: sc.compute.autoscale.map_or(0.0, |a| (a.warmup_secs / dt).round() * dt),
            arrivals: Arrivals::new(sources, end_secs, rate_per_sec),
            retries: Retries::new(sc, replication),
            plain: layers.is_none() && timeouts.is_none(),
            layer_rng: layers.streams(sc, replication),
            layers,
            timeouts,
            info,
            plans,
            quota_used: vec![[0; 3]; n],
            quota_period: vec![[0; 3]; n],
            quota_secs: QuotaPeriod::ALL.map(|p| p.secs(month)),
            accounts,
            sends,
            gw_raw: vec![StackRaw::default(); gw.stacks.len()],
            stacks,
            partitions,
            shard_partitions,
            db_raw: vec![StackRaw::default(); db.stacks.len()],
            kept_secs: [0.0; 3],
            keep: [1.0; 3],
            last_change_secs: 0.0,
            jobs: Slots::default(),
            stack_functions,
            functions,
            completions: Completions::default(),
            ready: Vec::new(),
            ready_pushed_secs: f64::INFINITY,
            #[cfg(debug_assertions)]
            last_secs: 0.0,
            expired: Vec::new(),
            raw: vec![TenantRaw::default(); n],
            latency: (0..n).map(|_| BinCounts::new()).collect(),
            window_latency: if tracked { (0..n).map(|_| BinCounts::new()).collect() } else { Vec::new() },
            bins: FineBins::new(),
            windows,
            focus: focus.to_vec(),
            points: Points::new(ticks_per_point as f64 * dt, count, tiers, focus.len()),
            control,
            ticks_reported: 0,
            handled: 0,
            queued: sc.queue.is_some(),
            redelivery: Box::new(
                sc.queue
                    .as_ref()
                    .map_or_else(Redelivery::default, |q| Redelivery::new(q.visibility_secs, q.max_receives)),
            ),
            outlive_secs: sc.queue.as_ref().map_or(f64::INFINITY, |q| q.visibility_secs),
            fifo: sc.queue.as_ref().is_some_and(|q| q.fifo),
            relational: Databases::new(sc, design, replication).map(Box::new),
            borrow_expired: Vec::new(),
            fed,
            cold_rng: if fed {
                (0..n)
                    .map(|t| stream(sc.clock.seed, u64::from(replication), t as u64, StreamPurpose::ColdStarts))
                    .collect()
            } else {
                Vec::new()
            },
            wake_secs: if fed { vec![f64::NEG_INFINITY; compute.stacks.len()] } else { Vec::new() },
            consuming: if fed { vec![0; design.queue.stacks.len()] } else { Vec::new() },
            max_consuming: sc.queue.as_ref().and_then(|q| q.max_concurrency).unwrap_or(u32::MAX),
            pollers: match &sc.queue {
                Some(q) if fed && !q.fifo => {
                    vec![Pollers::new(q.max_concurrency.unwrap_or(pollers::MOST)); design.queue.stacks.len()]
                }
                _ => Vec::new(),
            },
            stack_queues,
            batch_size: if fed { sc.queue.as_ref().map_or(1, |q| q.batch_size as usize) } else { 1 },
            batches: Batches::default(),
            batch_window_secs: match &sc.queue {
                Some(q) if fed && q.batch_size > 1 => q.batch_window_secs,
                _ => 0.0,
            },
        }
    }

    /// The times at which capacity or event windows change, in order.
    fn changes(&self) -> Vec<f64> {
        let mut times: Vec<f64> = self
            .sc
            .events
            .iter()
            .flat_map(|e| {
                let (start, end) = e.window_secs();
                [start, end]
            })
            .filter(|&t| t > 0.0 && t < self.end_secs)
            .collect();
        times.sort_by(f64::total_cmp);
        times.dedup();
        times
    }

    /// Runs every event up to the end; false when cancelled.
    fn run(&mut self) -> bool {
        let changes = self.changes();
        let mut next_change = 0;
        let dt = self.sc.clock.tick_secs;
        let eval_secs = self.sc.compute.autoscale.map(|a| ((a.evaluation_secs / dt).round().max(1.0)) * dt);
        let warmup_secs = self.warmup_secs;
        let mut next_eval = eval_secs.unwrap_or(f64::INFINITY);
        let mut next_point = self.points.secs;
        self.apply_changes(0.0);
        loop {
            let change_secs = changes.get(next_change).copied().unwrap_or(f64::INFINITY);
            let boundary = next_point.min(change_secs).min(next_eval);
            // Arrivals and completions before anything else happens run
            // in a tight loop.
            let reads = self.settle_secs.unwrap_or(f64::INFINITY).min(self.window_end_secs.unwrap_or(f64::INFINITY));
            let limit = boundary.min(reads).min(self.end_secs).min(self.next_ready_secs());
            if !self.run_until(limit) {
                return false;
            }
            let event_secs = self.next_event_secs();
            // Before anything else at their time: what a run stopping there
            // would have counted.
            if let Some(at) = self.settle_secs.filter(|&at| at <= boundary.min(event_secs)) {
                self.settled = Some(Box::new(self.counts(at)));
                self.settle_secs = None;
            }
            if let Some(at) = self.window_end_secs.filter(|&at| at <= boundary.min(event_secs)) {
                self.window_read = self.read_windows(at);
                self.window_end_secs = None;
            }
            if boundary <= event_secs && boundary < self.end_secs {
                if next_point == boundary {
                    self.end_point(boundary);
                    next_point += self.points.secs;
                } else if change_secs == boundary {
                    self.apply_changes(boundary);
                    next_change += 1;
                } else if let Some(policy) = self.sc.compute.autoscale {
                    if let Some(dbs) = &mut self.relational {
                        // Any stack may scale: look at all of them.
                        dbs.stale = true;
                    }
                    for s in 0..self.stacks.len() {
                        if let Some(ready) = self.stacks[s].autoscale(boundary, &policy, warmup_secs) {
                            self.push_ready(ready, s);
                        }
                    }
                    next_eval += eval_secs.unwrap_or(f64::INFINITY);
                }
                continue;
            }
            if event_secs >= self.end_secs {
                break;
            }
            self.next_event();
        }
        self.progress(self.end_secs)
    }

    /// Runs the arrivals and completions before `limit_secs` (and before
    /// any instances are ready); false when cancelled.
    fn run_until(&mut self, limit_secs: f64) -> bool {
        loop {
            // Clients' deadlines (one per admitted attempt of a tier with a
            // timeout) and messages visible again stop the tight loop; one
            // at the same time as an arrival or a completion comes first.
            if !self.run_events_until(limit_secs.min(self.side_secs())) {
                return false;
            }
            // Instances or a function's scaling ready before the next side
            // event go first: the caller handles them.
            if self.side_secs() >= limit_secs.min(self.next_ready_secs()) {
                return true;
            }
            self.side_event();
        }
    }

    /// When the next client's deadline or message visible again comes.
    #[inline]
    fn side_secs(&self) -> f64 {
        self.timeouts.next_secs().min(self.redelivery.next_secs()).min(self.borrow_deadline_secs())
    }

    /// When the next query waiting at a database proxy times out.
    #[inline]
    fn borrow_deadline_secs(&self) -> f64 {
        self.relational.as_deref().map_or(f64::INFINITY, Databases::next_deadline_secs)
    }

    /// The next client's deadline, or else the next message visible again,
    /// or else the next query to time out at a database proxy.
    fn side_event(&mut self) {
        let (deadline, visible) = (self.timeouts.next_secs(), self.redelivery.next_secs());
        if deadline <= visible && deadline <= self.borrow_deadline_secs() {
            self.deadline();
        } else if visible <= self.borrow_deadline_secs() {
            self.redeliver();
        } else {
            self.expire_borrows();
        }
    }

    /// Queries waiting at a database proxy past its borrow timeout fail
    /// then, and their compute servers are free.
    #[inline(never)]
    fn expire_borrows(&mut self) {
        let t_secs = self.borrow_deadline_secs();
        let mut expired = std::mem::take(&mut self.borrow_expired);
        if let Some(dbs) = self.relational.as_deref_mut() {
            dbs.expire_borrows(t_secs, &mut expired);
            for &(job, _) in &expired {
                let from_secs = dbs.query(job).from_secs;
                dbs.set_query(job, Query { at: REFUSED, from_secs });
            }
        }
        for (job, _) in expired.drain(..) {
            self.complete(job, t_secs);
        }
        self.borrow_expired = expired;
    }

    /// A message whose processing failed is visible again: it goes back to
    /// its compute stack's queue (its age still counts from when it was
    /// sent).
    #[inline(never)]
    fn redeliver(&mut self) {
        let t_secs = self.redelivery.next_secs();
        let Some(req) = self.redelivery.pop() else { return };
        if self.redelivery.deleted(&req) {
            // A consumer that held it processed it meanwhile.
            self.let_go(&req);
            self.redelivery.release(req);
            self.start_waiting(self.info[req.tenant as usize].stack, t_secs);
            return;
        }
        if req.flags & HOLDS != 0 {
            // A FIFO queue's message: back to the head of its group.
            return self.reappear(req, t_secs);
        }
        if t_secs - req.arrival_secs > self.timeout_secs {
            // Its retention passed while it was hidden: the queue deletes it.
            self.drop_timed_out(req, t_secs);
            return;
        }
        self.raw[req.tenant as usize].redelivered += 1.0;
        self.enqueue(req, t_secs);
    }

    /// [`Exact::run_until`]'s tight loop: arrivals and completions before
    /// `limit_secs`, or before a client's deadline that an arrival sets
    /// earlier; false when cancelled.
    fn run_events_until(&mut self, mut limit_secs: f64) -> bool {
        loop {
            // A stack's instances, a function's scaling or a queue's
            // pollers may have become ready before the limit (in the last
            // event, or in a side event before this loop).
            limit_secs = limit_secs.min(std::mem::replace(&mut self.ready_pushed_secs, f64::INFINITY));
            let arrival_secs = self.next_arrival_secs();
            let completion_secs = self.next_completion_secs();
            if arrival_secs <= completion_secs {
                if arrival_secs >= limit_secs {
                    break;
                }
                let attempt = self.take_arrival();
                self.arrive(attempt);
                limit_secs = limit_secs.min(self.timeouts.next_secs());
                if self.queued {
                    // A message whose processing outlives its visibility
                    // timeout comes back before the limit.
                    limit_secs = limit_secs.min(self.redelivery.next_secs());
                }
            } else {
                if completion_secs >= limit_secs {
                    break;
                }
                if let Some(key) = self.completions.pop() {
                    self.complete(completions::job_of(key), completion_secs);
                }
                if self.queued {
                    // A failed message may be visible again before the limit.
                    limit_secs = limit_secs.min(self.redelivery.next_secs());
                }
                // A query may wait at a database proxy until before it.
                limit_secs = limit_secs.min(self.borrow_deadline_secs());
            }
            self.handled += 1;
            if self.handled.is_multiple_of(PROGRESS_EVENTS) && !self.progress(arrival_secs.min(completion_secs)) {
                return false;
            }
        }
        true
    }

    /// When the next attempt arrives, a first one or a retry (infinity when
    /// none is left).
    #[inline]
    fn next_arrival_secs(&self) -> f64 {
        self.arrivals.next_secs().min(self.retries.next_secs())
    }

    /// The next attempt (call only when [`Exact::next_arrival_secs`] is
    /// finite): a first attempt before a retry due at the same time.
    #[inline]
    fn take_arrival(&mut self) -> Attempt {
        if self.arrivals.next_secs() <= self.retries.next_secs() {
            let drawn = self.arrivals.take();
            let in_window = self.windows.flags().of(drawn.tenant as usize);
            Attempt { drawn, retries: 0, first_secs: drawn.secs, in_window }
        } else {
            match self.retries.pop() {
                Some(attempt) => attempt,
                None => unreachable!("a retry is due"),
            }
        }
    }

    /// When the next request in service completes (infinity when none is).
    #[inline]
    fn next_completion_secs(&self) -> f64 {
        self.completions.next_secs()
    }

    /// The earliest time a stack's warming instances may be ready.
    fn next_ready_secs(&self) -> f64 {
        self.ready.iter().map(|&(bits, _)| f64::from_bits(bits)).fold(f64::INFINITY, f64::min)
    }

    /// The time of the next event of any kind (infinity when none is left).
    fn next_event_secs(&self) -> f64 {
        self.next_arrival_secs().min(self.next_completion_secs()).min(self.next_ready_secs()).min(self.side_secs())
    }

    /// Handles the next event: by time, then clients' deadlines before
    /// arrivals before completions before instances ready, each kind by
    /// index.
    fn next_event(&mut self) {
        let (arrival, completion) = (self.next_arrival_secs(), self.next_completion_secs());
        let ready = self.ready.iter().enumerate().min_by_key(|&(_, &key)| key).map(|(i, &key)| (i, key));
        let ready_secs = ready.map_or(f64::INFINITY, |(_, (bits, _))| f64::from_bits(bits));
        let side = self.side_secs();
        if side <= arrival.min(completion) && side <= ready_secs {
            self.side_event();
        } else if arrival <= completion && arrival <= ready_secs {
            let attempt = self.take_arrival();
            self.arrive(attempt);
        } else if completion <= ready_secs {
            if let Some(key) = self.completions.pop() {
                self.complete(completions::job_of(key), completion);
            }
        } else if let Some((i, (_, s))) = ready {
            self.ready.swap_remove(i);
            let s = s as usize;
            self.stacks[s].ready(ready_secs);
            self.start_waiting(s, ready_secs);
        }
    }

    /// Stack `s`'s warming instances may be ready at `t_secs`.
    fn push_ready(&mut self, t_secs: f64, s: usize) {
        if t_secs.is_finite() {
            self.ready.push((t_secs.max(0.0).to_bits(), s as u32));
            self.ready_pushed_secs = self.ready_pushed_secs.min(t_secs.max(0.0));
        }
    }

    /// Reports the ticks simulated up to `t_secs`; false when cancelled.
    fn progress(&mut self, t_secs: f64) -> bool {
        if self.control.is_cancelled() {
            return false;
        }
        let ticks = ((t_secs / self.sc.clock.tick_secs) as u64).min(self.sc.clock.ticks);
        if ticks > self.ticks_reported {
            self.control.add_progress(ticks - self.ticks_reported);
            self.ticks_reported = ticks;
        }
        true
    }

    /// Capacity and event windows at `t_secs`.
    fn apply_changes(&mut self, t_secs: f64) {
        for layer in 0..3 {
            self.kept_secs[layer] += self.keep[layer] * (t_secs - self.last_change_secs);
        }
        self.last_change_secs = t_secs;
        let lost = capacity_lost_at(self.sc, t_secs);
        let keep = lost.map(|l| 1.0 - l);
        if let Some(g) = &self.sc.gateway {
            for bucket in &mut self.accounts {
                bucket.set_rate(t_secs, g.account_rate_per_sec * keep[Layer::Gateway.index()]);
            }
        }
        let c = keep[Layer::Compute.index()];
        for f in &mut self.functions {
            f.set_keep(c);
        }
        for s in 0..self.stacks.len() {
            self.stacks[s].set_keep(t_secs, c);
            self.start_waiting(s, t_secs);
        }
        if let Some(layer) = &self.sc.database {
            let d = keep[Layer::Database.index()];
            let caps = [layer.read_units_per_partition_per_sec, layer.write_units_per_partition_per_sec];
            let table = match layer.pricing {
                DbPricing::Provisioned { read_units_per_sec, write_units_per_sec, .. } => {
                    [read_units_per_sec, write_units_per_sec]
                }
                DbPricing::OnDemand { .. } => [0.0; 2],
            };
            let mut index = 0;
            for s in &self.design.layers[Layer::Database.index()].stacks {
                let count = if s.kind == StackKind::Silo { layer.silo_partitions } else { layer.pool_partitions };
                for p in &mut self.partitions[index..index + count as usize] {
                    for side in 0..2 {
                        p.hard[side].set_rate(t_secs, caps[side] * d);
                        if let Some(prov) = &mut p.provisioned {
                            prov[side].set_rate(t_secs, table[side] / f64::from(count) * d);
                        }
                    }
                }
                index += count as usize;
            }
        }
        if let Some(dbs) = &mut self.relational {
            dbs.set_keep(t_secs, keep[Layer::Database.index()]);
            // vCPUs that come back start the queries waiting for them.
            for i in 0..dbs.instance_count() {
                self.start_queries(i, t_secs);
            }
        }
        self.keep = keep;
        if self.windows.advance(t_secs) {
            self.windows.recount();
        }
    }

    /// Counts one request of tenant `t` in `flow` at series point `point`
    /// (throttled is offered less admitted, filled in at the end).
    #[inline]
    fn count(&mut self, t: usize, point: usize, flow: Flow) {
        let info = &self.info[t];
        self.points.count(point, info.tier, info.focus, flow);
    }

    /// The client timeout slot of `req` ([`NO_SLOT`] for a queue's message,
    /// whose client has no timeout and whose slot holds its message record).
    #[inline]
    fn client_slot(&self, req: &Req) -> u32 {
        if self.queued { NO_SLOT } else { req.slot }
    }

    /// True when `req` is a copy of a queued message a consumer already
    /// processed (a ghost where it waits).
    #[inline]
    fn ghost(&self, req: &Req) -> bool {
        self.queued && self.redelivery.deleted(req)
    }

    /// An attempt failed at `t_secs` (`shared`: at a resource the tenant's
    /// neighbours share): its client retries it, or gives its request up.
    fn fail(&mut self, attempt: Attempt, t_secs: f64, shared: bool) {
        if self.retries.failed(attempt, t_secs) {
            return;
        }
        self.lose(attempt.drawn.tenant as usize, attempt.in_window, shared);
    }

    /// Tenant `t` lost a request (`in_window`: sent inside another tenant's
    /// spike window; `shared`: at a resource its neighbours share).
    #[inline(never)]
    fn lose(&mut self, t: usize, in_window: bool, shared: bool) {
        let raw = &mut self.raw[t];
        raw.gave_up += 1.0;
        if shared {
            raw.gave_up_shared += 1.0;
            if in_window {
                raw.window_unserved += 1.0;
            }
        }
    }

    /// A client's deadline comes: if its attempt has not been answered,
    /// the client gives up on it (and retries it or gives the request up);
    /// the server goes on with it.
    fn deadline(&mut self) {
        let due_secs = self.timeouts.next_secs();
        let Some(attempt) = self.timeouts.come_due() else { return };
        let t = attempt.drawn.tenant as usize;
        self.raw[t].timed_out_client += 1.0;
        self.count(t, self.points.of(due_secs), Flow::Dropped);
        self.fail(attempt, due_secs, true);
    }

    /// A request's attempt arriving.
    #[inline]
    fn arrive(&mut self, attempt: Attempt) {
        let drawn = attempt.drawn;
        let t = drawn.tenant as usize;
        let t_secs = drawn.secs;
        let info = self.info[t];
        let point = self.points.of(t_secs);
        let raw = &mut self.raw[t];
        raw.offered += 1.0;
        if attempt.retries == 0 {
            if attempt.in_window {
                raw.window_offered += 1.0;
            }
            self.retries.first_attempt(t);
        } else {
            raw.retries += 1.0;
            self.count(t, point, Flow::Retries);
        }
        if let Some(plan) = &mut self.plans[t]
            && !plan.take(t_secs, 1.0)
        {
            self.raw[t].throttled_plan += 1.0;
            self.count(t, point, Flow::Offered);
            self.fail(attempt, t_secs, false);
            return;
        }
        if info.quotas && !self.take_quota(t, t_secs) {
            self.raw[t].throttled_quota += 1.0;
            self.count(t, point, Flow::Offered);
            self.fail(attempt, t_secs, false);
            return;
        }
        if self.sc.gateway.is_some() {
            if !self.accounts[info.gw].take(t_secs, 1.0) {
                self.raw[t].throttled_account += 1.0;
                self.count(t, point, Flow::Offered);
                self.fail(attempt, t_secs, true);
                return;
            }
            self.gw_raw[info.gw].requests += 1.0;
        }
        if info.send != NO_SEND {
            let (bucket, shared) = &mut self.sends[info.send as usize];
            if !bucket.take(t_secs, 1.0) {
                let shared = *shared;
                self.raw[t].throttled_queue += 1.0;
                self.count(t, point, Flow::Offered);
                self.fail(attempt, t_secs, shared);
                return;
            }
        }
        if info.function != NO_FUNCTION && !self.fed {
            self.invoke(attempt, info, point);
            return;
        }
        self.raw[t].admitted += 1.0;
        self.count(t, point, Flow::Offered);
        self.count(t, point, Flow::Admitted);
        let mut req = request_of(&attempt);
        req.slot = self.timeouts.start(&attempt);
        if self.queued {
            // A message counts its receives from here on.
            req.retries = 0;
        }
        self.enqueue(req, t_secs);
    }

    /// A FIFO queue's message `req`, hidden until `t_secs`, is visible
    /// again at the head of its message group (which it lets go), unless
    /// its retention has passed.
    fn reappear(&mut self, mut req: Req, t_secs: f64) {
        let info = self.info[req.tenant as usize];
        if t_secs - req.arrival_secs > self.timeout_secs {
            self.let_go(&req);
            self.drop_timed_out(req, t_secs);
        } else {
            req.flags &= !HOLDS;
            self.raw[req.tenant as usize].redelivered += 1.0;
            self.wake(info.stack, t_secs);
            self.stacks[info.stack].queue.visible_again(info.flow, req);
            self.redelivery.queued(&req);
        }
        self.start_waiting(info.stack, t_secs);
    }

    /// `req`, done with, lets its FIFO message group go if it held it.
    #[inline]
    fn let_go(&mut self, req: &Req) {
        if req.flags & HOLDS != 0 {
            let info = self.info[req.tenant as usize];
            self.stacks[info.stack].queue.release(info.flow, req);
        }
    }

    /// Request `req` reaches its compute stack at `t_secs`: a free server
    /// takes it, or it waits in the stack's queue.
    #[inline(always)]
    fn enqueue(&mut self, req: Req, t_secs: f64) {
        let t = req.tenant as usize;
        let info = self.info[t];
        let s = info.stack;
        self.wake(s, t_secs);
        let stack = &self.stacks[s];
        if stack.busy < stack.servers
            && stack.queue.is_empty()
            && !self.fifo
            && self.batch_window_secs <= 0.0
            && (!self.fed || self.can_consume(info, t_secs))
        {
            self.start(s, req, t_secs);
        } else {
            self.stacks[s].queue.push(info.flow, req);
            if self.queued {
                self.redelivery.queued(&req);
            }
            if self.fifo {
                // Its group decides whether it can start.
                self.start_waiting(s, t_secs);
            } else if self.fed {
                self.pollers_see_waiting(info, t_secs);
                // Another tenant's function may take it while the head's
                // cannot.
                self.start_waiting(s, t_secs);
            }
        }
    }

    /// Work reaches stack `s` at `t_secs`: a stack at zero instances
    /// starts one (a cold start), serving from the end of this tick plus
    /// the warm-up, as in the fast engine.
    #[inline]
    fn wake(&mut self, s: usize, t_secs: f64) {
        if self.stacks[s].is_empty() && self.sc.compute.autoscale.is_some() {
            let dt = self.sc.clock.tick_secs;
            let ready = ((t_secs / dt).floor() + 1.0) * dt + self.warmup_secs;
            self.stacks[s].scale_from_zero(t_secs, ready);
            self.push_ready(ready, s);
            if let Some(dbs) = &mut self.relational {
                dbs.changed.push(s as u32);
            }
        }
    }

    /// A request the gateway passed to its tenant's function: throttled at
    /// once when the function cannot start it, else served from when it
    /// arrives (after initialising a new environment on a cold start).
    fn invoke(&mut self, attempt: Attempt, info: TenantInfo, point: usize) {
        let drawn = attempt.drawn;
        let t = drawn.tenant as usize;
        let t_secs = drawn.secs;
        let Some(env) = self.functions[info.function as usize].start(t_secs) else {
            self.raw[t].throttled_concurrency += 1.0;
            self.count(t, point, Flow::Offered);
            self.fail(attempt, t_secs, true);
            return;
        };
        let raw = &mut self.raw[t];
        raw.admitted += 1.0;
        let mut busy_secs = drawn.service_secs;
        if env == Env::Cold {
            raw.cold_starts += 1.0;
            busy_secs += drawn.init_secs;
        }
        self.count(t, point, Flow::Offered);
        self.count(t, point, Flow::Admitted);
        let mut req = request_of(&attempt);
        req.slot = self.timeouts.start(&attempt);
        self.start_on(info.stack, req, t_secs, (info.function, env), busy_secs, NO_BATCH);
    }

    /// Counts a request against tenant `t`'s quotas; false when one is
    /// used up.
    fn take_quota(&mut self, t: usize, t_secs: f64) -> bool {
        let Some(plan) = &self.sc.tiers[self.sc.tenants[t].tier].plan else { return true };
        for k in 0..3 {
            let period = (t_secs / self.quota_secs[k]) as u64;
            if period != self.quota_period[t][k] {
                self.quota_period[t][k] = period;
                self.quota_used[t][k] = 0;
            }
        }
        if plan.quotas.iter().any(|q| self.quota_used[t][q.period.index()] >= q.limit) {
            return false;
        }
        for q in &plan.quotas {
            self.quota_used[t][q.period.index()] += 1;
        }
        true
    }

    /// Starts serving `req` on stack `s` at `t_secs`.
    #[inline]
    fn start(&mut self, s: usize, req: Req, t_secs: f64) {
        if self.fed {
            self.consume(s, req, t_secs);
        } else {
            self.start_on(s, req, t_secs, (NO_FUNCTION, Env::Warm), req.service_secs, NO_BATCH);
        }
    }

    /// A function takes message `req` from stack `s`'s queue at `t_secs`
    /// (its caller saw that it can), initialising a new environment on a
    /// cold start.
    fn consume(&mut self, s: usize, req: Req, t_secs: f64) {
        let t = req.tenant as usize;
        let function = self.info[t].function;
        let Some(env) = self.functions[function as usize].start(t_secs) else {
            debug_assert!(false, "a message started that its function could not take");
            self.stacks[s].queue.visible_again(self.info[t].flow, req);
            return;
        };
        // The rest of its batch: what else waits in its queue now.
        let batch = if self.batch_size > 1 { self.fill_batch(s, &req, t_secs) } else { NO_BATCH };
        let q = self.info[t].queue as usize;
        self.consuming[q] += 1;
        if let Some(p) = self.pollers.get_mut(q) {
            p.used(self.consuming[q] - 1, self.consuming[q], t_secs);
            if self.stacks[s].queue.has_waiting(self.info[t].flow) {
                self.pollers_see_waiting(self.info[t], t_secs);
            } else {
                // Taken at once or the last one waiting: nothing waits.
                self.pollers[q].drained(t_secs);
            }
        }
        let mut busy_secs = req.service_secs;
        if batch != NO_BATCH {
            // One message after the other.
            busy_secs += self.batches.get(batch).iter().map(|m| m.service_secs).sum::<f64>();
        }
        if env == Env::Cold {
            self.raw[t].cold_starts += 1.0;
            let e: f64 = Exp1.sample(&mut self.cold_rng[t]);
            busy_secs += e * self.sc.compute.functions.as_ref().map_or(0.0, |f| f.cold_start_secs);
        }
        self.start_on(s, req, t_secs, (function, env), busy_secs, batch);
    }

    /// For [`Exact::consume`] with batches: the messages an execution
    /// taking `head` from stack `s`'s queue at `t_secs` takes with it,
    /// those waiting in the same queue now, oldest first, up to the batch
    /// size ([`NO_BATCH`] when none waits). Messages past the retention are
    /// deleted on the way, and copies of messages processed already are
    /// passed over, as when taken one at a time.
    fn fill_batch(&mut self, s: usize, head: &Req, t_secs: f64) -> u32 {
        let flow = self.info[head.tenant as usize].flow;
        let mut batch = self.batches.list();
        while batch.len() + 1 < self.batch_size && self.stacks[s].queue.has_waiting(flow) {
            let (before, waiting) = (batch.len(), self.stacks[s].queue.len());
            let mut expired = std::mem::take(&mut self.expired);
            let room = self.batch_size - 1 - batch.len();
            self.stacks[s].queue.take_batch(flow, (t_secs, self.timeout_secs), room, &mut batch, |m| expired.push(m));
            for m in expired.drain(..) {
                if !self.queued || self.redelivery.dequeued(m) {
                    self.drop_timed_out(m, t_secs);
                }
            }
            self.expired = expired;
            let mut k = before;
            while k < batch.len() {
                if self.queued && !self.redelivery.dequeued(batch[k]) {
                    // A ghost: its message was processed already.
                    batch.remove(k);
                } else {
                    k += 1;
                }
            }
            if self.stacks[s].queue.len() == waiting {
                break;
            }
        }
        if batch.is_empty() {
            self.batches.unused(batch);
            NO_BATCH
        } else {
            self.batches.keep(batch)
        }
    }

    /// True when tenant `info`'s function can take one of its queue's
    /// messages at `t_secs` (its queue's event source has room too).
    #[inline]
    fn can_consume(&mut self, info: TenantInfo, t_secs: f64) -> bool {
        source_admits(&mut self.pollers, &self.consuming, self.max_consuming, info.queue as usize, t_secs)
            && self.functions[info.function as usize].can_start(t_secs)
    }

    /// With functions consuming a queue, stack `s`'s waiting messages that
    /// only lack a new environment, their pollers' room or a full batch
    /// are looked at again at the first of: their function's scaling
    /// allowing one, their pollers allowing one, and `gathered_secs` (a
    /// batch still gathering is due).
    fn wake_for_scaling(&mut self, s: usize, t_secs: f64, gathered_secs: f64) {
        let functions = &mut self.functions;
        let (pollers, consuming) = (&self.pollers, &self.consuming);
        let ready = self.stack_functions[s]
            .iter()
            .map(|&f| functions[f as usize].scaling_ready_secs(t_secs))
            .chain(
                self.stack_queues[s]
                    .iter()
                    .filter_map(|&q| pollers.get(q as usize).map(|p| p.ready_secs(consuming[q as usize], t_secs))),
            )
            .fold(gathered_secs, f64::min);
        // A wake due now has fired (or is about to, and one more is
        // harmless): the next is scheduled.
        let pending = self.wake_secs[s];
        if ready.is_finite() && (pending <= t_secs || ready < pending) {
            self.wake_secs[s] = ready;
            self.push_ready(ready, s);
        }
    }

    /// A message of `info`'s queue waits at `t_secs` (it has just arrived,
    /// or one was taken and more wait): when its pollers are all in use
    /// they start adding more, at the moment a mapping would, whatever
    /// order the engine looks at its queues in.
    #[inline]
    fn pollers_see_waiting(&mut self, info: TenantInfo, t_secs: f64) {
        let q = info.queue as usize;
        if let Some(p) = self.pollers.get_mut(q) {
            p.admits(self.consuming[q], t_secs);
        }
    }

    /// `req` left stack `s`'s queue at `t_secs`: when it leaves its queue
    /// layer's queue with no message waiting, that queue's pollers stop
    /// adding executions.
    #[inline]
    fn note_drained(&mut self, s: usize, req: &Req, t_secs: f64) {
        if self.pollers.is_empty() {
            return;
        }
        let info = self.info[req.tenant as usize];
        if !self.stacks[s].queue.has_waiting(info.flow) {
            self.pollers[info.queue as usize].drained(t_secs);
        }
    }

    /// Starts serving `req` on stack `s` at `t_secs`, in `function`'s
    /// environment `env` if it runs on one, for `busy_secs`, with the other
    /// messages of `batch` if it has some.
    #[inline]
    fn start_on(&mut self, s: usize, req: Req, t_secs: f64, (function, env): (u32, Env), busy_secs: f64, batch: u32) {
        self.note_time(t_secs);
        let mut req = req;
        if self.fifo {
            // Its receive holds its message group.
            req.flags |= HOLDS;
        }
        if busy_secs > self.outlive_secs {
            req = self.redelivery.outlived(req, t_secs);
        }
        let raw = &mut self.raw[req.tenant as usize];
        raw.longest_wait_secs = raw.longest_wait_secs.max(t_secs - req.arrival_secs);
        if batch != NO_BATCH {
            self.start_batch(batch, busy_secs, t_secs);
        }
        let stack = &mut self.stacks[s];
        stack.advance(t_secs);
        stack.busy += 1;
        stack.queue.received(self.info[req.tenant as usize].flow, busy_secs, t_secs);
        debug_assert!(stack.queue.in_flight().is_none_or(|n| n == stack.busy), "a fair queue's in-flight count");
        let job = Job { req, stack: s as u32, function, env, busy_secs, batch };
        let index = self.jobs.insert(job);
        self.completions.push(completions::key(t_secs + busy_secs, index));
    }

    /// The other messages of `batch`, received at `t_secs` for an
    /// execution of `busy_secs`: each has waited until now, and each is
    /// visible again if the execution outlives the visibility timeout.
    #[inline(never)]
    fn start_batch(&mut self, batch: u32, busy_secs: f64, t_secs: f64) {
        let outlives = busy_secs > self.outlive_secs;
        for m in self.batches.get_mut(batch) {
            if outlives {
                *m = self.redelivery.outlived(*m, t_secs);
            }
            let raw = &mut self.raw[m.tenant as usize];
            raw.longest_wait_secs = raw.longest_wait_secs.max(t_secs - m.arrival_secs);
        }
    }

    /// Debug builds: an event at `t_secs` comes no earlier than the last.
    #[inline(always)]
    fn note_time(&mut self, t_secs: f64) {
        #[cfg(debug_assertions)]
        {
            debug_assert!(t_secs >= self.last_secs, "an event at {t_secs} s after one at {} s", self.last_secs);
            self.last_secs = t_secs;
        }
        let _ = t_secs;
    }

    /// Starts waiting requests on stack `s` while servers are free.
    #[inline]
    fn start_waiting(&mut self, s: usize, t_secs: f64) {
        if self.stacks[s].queue.is_empty() {
            return;
        }
        self.start_waiting_slowly(s, t_secs);
    }

    /// [`Exact::start_waiting`] when requests wait.
    fn start_waiting_slowly(&mut self, s: usize, t_secs: f64) {
        let timeout = self.timeout_secs;
        let (size, window_secs) = (self.batch_size, self.batch_window_secs);
        // The earliest a queue whose batch is still gathering hands it over.
        let mut gathered_secs = f64::INFINITY;
        while self.stacks[s].busy < self.stacks[s].servers {
            let mut expired = std::mem::take(&mut self.expired);
            let next = if self.fed {
                let (functions, info, consuming, max, pollers) =
                    (&mut self.functions, &self.info, &self.consuming, self.max_consuming, &mut self.pollers);
                self.stacks[s].queue.next_open(
                    t_secs,
                    timeout,
                    |req| expired.push(req),
                    |req, waiting| {
                        // A batch waits to fill until its oldest message has
                        // waited the window (the same sum as the wake's).
                        let due_secs = req.arrival_secs + window_secs;
                        if window_secs > 0.0 && waiting < size && t_secs < due_secs {
                            gathered_secs = gathered_secs.min(due_secs);
                            return false;
                        }
                        let i = &info[req.tenant as usize];
                        source_admits(pollers, consuming, max, i.queue as usize, t_secs)
                            && functions[i.function as usize].can_start(t_secs)
                    },
                )
            } else {
                self.stacks[s].queue.next(t_secs, timeout, |req| expired.push(req))
            };
            for req in expired.drain(..) {
                self.note_drained(s, &req, t_secs);
                if !self.queued || self.redelivery.dequeued(req) {
                    self.drop_timed_out(req, t_secs);
                }
            }
            self.expired = expired;
            match next {
                Some(req) if self.queued && !self.redelivery.dequeued(req) => {
                    // A ghost: it lets its message group go at once.
                    self.note_drained(s, &req, t_secs);
                    self.stacks[s].queue.release(self.info[req.tenant as usize].flow, &req);
                }
                // Its function's pollers look at the queue as it starts.
                Some(req) => self.start(s, req, t_secs),
                None => {
                    if self.fed && !self.stacks[s].queue.is_empty() {
                        self.wake_for_scaling(s, t_secs, gathered_secs);
                    }
                    break;
                }
            }
        }
    }

    /// A request that waited longer than the timeout, found at `now_secs`
    /// (its client retries it from then, or from when it timed out if
    /// later).
    fn drop_timed_out(&mut self, req: Req, now_secs: f64) {
        let req = if self.queued {
            if self.redelivery.copies(&req) > 1 {
                // Another copy of the message is alive and decides its fate.
                self.redelivery.release(req);
                return;
            }
            self.redelivery.release(req)
        } else {
            req
        };
        if !self.timeouts.answer(self.client_slot(&req), now_secs) {
            // Its client gave up on it before.
            return;
        }
        let t = req.tenant as usize;
        self.raw[t].dropped_timeout += 1.0;
        self.raw[t].longest_wait_secs = self.raw[t].longest_wait_secs.max(self.timeout_secs);
        let at = (req.arrival_secs + self.timeout_secs).min(self.end_secs);
        self.count(t, self.points.of(at), Flow::Dropped);
        if self.queued {
            // The queue deleted it: its client heard it was taken.
            self.lose(t, req.in_window(), true);
        } else {
            self.fail(attempt_of(&req), at.max(now_secs), true);
        }
    }

    /// A request's service ends at `t_secs`: the database, then the
    /// tenant's figures; the server takes the next request.
    #[inline]
    fn complete(&mut self, job: u32, t_secs: f64) {
        self.note_time(t_secs);
        if self.relational.is_some() && !self.query_done(job, t_secs) {
            return;
        }
        let Job { req, stack: s, function, env, busy_secs, batch } = self.jobs.take(job);
        let Query { at: query, from_secs: query_from_secs } =
            self.relational.as_deref_mut().map_or(Query::NONE, |dbs| dbs.take_query(job));
        if function != NO_FUNCTION {
            self.functions[function as usize].finish(env, t_secs);
            if self.fed {
                let q = self.info[req.tenant as usize].queue as usize;
                self.consuming[q] -= 1;
                if let Some(p) = self.pollers.get_mut(q) {
                    p.used(self.consuming[q] + 1, self.consuming[q], t_secs);
                }
            }
        }
        let s = s as usize;
        let stack = &mut self.stacks[s];
        stack.advance(t_secs);
        stack.busy -= 1;
        stack.queue.finished(self.info[req.tenant as usize].flow);
        debug_assert!(stack.queue.in_flight().is_none_or(|n| n == stack.busy), "a fair queue's in-flight count");
        if env == Env::Provisioned {
            // Its environment also waited for its query, if it had one.
            let queried_secs = if query == NO_QUERY { 0.0 } else { t_secs - query_from_secs };
            stack.raw.provisioned_busy_secs += busy_secs + queried_secs;
        }
        stack.raw.requests += 1.0;
        if batch == NO_BATCH {
            let done = Done { busy_secs, receipt: 1.0, batched_secs: 0.0, execution_secs: busy_secs };
            self.deliver(req, done, (query, query_from_secs), t_secs);
        } else {
            // One invocation for every message of the batch: each its own
            // processing and a share of the initialisation, and each
            // answered when the last is done.
            let members = self.batches.take(batch);
            let k = (members.len() + 1) as f64;
            let processing_secs = req.service_secs + members.iter().map(|m| m.service_secs).sum::<f64>();
            let init_share_secs = (busy_secs - processing_secs).max(0.0) / k;
            for m in std::iter::once(req).chain(members.iter().copied()) {
                let done = Done {
                    busy_secs: m.service_secs + init_share_secs,
                    receipt: 1.0 / k,
                    batched_secs: processing_secs - m.service_secs,
                    execution_secs: busy_secs,
                };
                self.deliver(m, done, (query, query_from_secs), t_secs);
            }
            self.batches.recycle(batch, members);
        }
        self.start_waiting(s, t_secs);
    }

    /// For [`Exact::complete`]: message or request `req`, whose processing
    /// ends at `t_secs` (`done`: its share of the execution),
    /// with its query if it ran one: its tenant's figures, the database,
    /// and its answer.
    #[inline]
    fn deliver(&mut self, req: Req, done: Done, (query, query_from_secs): (u32, f64), t_secs: f64) {
        let Done { busy_secs, receipt, batched_secs, execution_secs } = done;
        let t = req.tenant as usize;
        let raw = &mut self.raw[t];
        raw.compute_requests += 1.0;
        raw.compute_busy_secs += busy_secs;
        raw.receipts += receipt;
        if self.queued && req.slot != NO_SLOT && self.duplicate(req, t_secs) {
            return;
        }
        let point = self.points.of(t_secs);
        // The gateway's and the database's latency, on its way back, and
        // whether its client still waits for it then.
        let (answered, layers_secs) = if self.plain { (true, 0.0) } else { self.answer_through_layers(&req, t_secs) };
        if !answered {
            // Its client gave up on it, or will before the answer reaches
            // it: the work, the database's too, is done for nobody.
            let raw = &mut self.raw[t];
            raw.wasted += 1.0;
            raw.wasted_busy_secs += busy_secs;
            if self.sc.database.is_some() {
                self.store(&req, t_secs);
            }
        } else if query == REFUSED || (self.sc.database.is_some() && !self.store(&req, t_secs)) {
            // Its database refused it: a partition over its cap, or no
            // relational connection (its compute service ended then).
            let relational = query == REFUSED;
            if self.queued {
                let served_secs = if relational { query_from_secs } else { t_secs };
                // Received when its execution started.
                self.consumer_failed(req, served_secs - execution_secs, t_secs);
            } else {
                let raw = &mut self.raw[t];
                *if relational { &mut raw.dropped_connections } else { &mut raw.dropped_partition } += 1.0;
                self.count(t, point, Flow::Dropped);
                self.fail(attempt_of(&req), t_secs, true);
            }
        } else {
            if query == QUERIED {
                self.raw[t].relational_secs += t_secs - query_from_secs;
            }
            // What the client sees: from its request's first attempt.
            let latency_secs = t_secs - req.arrival_secs + f64::from(req.since_first_secs) + layers_secs;
            let bin = self.bins.of(latency_secs * 1e3);
            let raw = &mut self.raw[t];
            raw.served += 1.0;
            raw.batched_secs += batched_secs;
            raw.latency_sum_secs += latency_secs;
            self.latency[t].add(bin);
            if req.in_window()
                && let Some(h) = self.window_latency.get_mut(t)
            {
                h.add(bin);
            }
            // A point's latency is that of the requests served in it, as a
            // monitoring system would chart it.
            let info = &self.info[t];
            let database_secs = if query == QUERIED { t_secs - query_from_secs } else { 0.0 };
            self.points.record_latency(
                point,
                (info.tier, info.focus),
                bin,
                latency_secs,
                (database_secs, batched_secs),
            );
            self.count(t, point, Flow::Served);
            if self.queued && req.slot != NO_SLOT {
                // Processed: the message is deleted (its copies still
                // waiting vanish, those in service finish as duplicates).
                let held = self.redelivery.delete(&req);
                let info = self.info[t];
                for _ in 0..held {
                    // A hidden copy held its FIFO group: deleted, the
                    // message no longer does.
                    self.stacks[info.stack].queue.release(info.flow, &req);
                }
                self.redelivery.release(req);
            }
            self.let_go(&req);
        }
    }

    /// For [`Exact::complete`] with a relational database: job `job`'s
    /// compute service, or its query, ends at `t_secs`. True when its
    /// request is done with the database (its query ran or found no
    /// connection); false when its query runs or waits (its compute server
    /// waits with it).
    #[inline(never)]
    fn query_done(&mut self, job: u32, t_secs: f64) -> bool {
        let Some(dbs) = self.relational.as_deref_mut() else { return true };
        match dbs.query(job).at {
            NO_QUERY => {
                let req = self.jobs.get(job).req;
                let d = self.info[req.tenant as usize].db;
                let (stacks, functions, of_stack) = (&self.stacks, &self.functions, &self.stack_functions);
                if !functions.is_empty() {
                    // Environments come and go with every request.
                    let t = req.tenant as usize;
                    dbs.refresh_user(d, t, compute_size(stacks, functions, of_stack, self.info[t].stack, t_secs));
                } else if dbs.stale || !dbs.changed.is_empty() {
                    dbs.refresh(|s| compute_size(stacks, functions, of_stack, s, t_secs));
                }
                match dbs.route(d, req.tenant as usize, req.read()) {
                    None => {
                        dbs.set_query(job, Query { at: REFUSED, from_secs: t_secs });
                        true
                    }
                    Some(i) => {
                        dbs.set_query(job, Query { at: i as u32, from_secs: t_secs });
                        self.db_raw[d].requests += 1.0;
                        if dbs.admit(i, job, t_secs) == Admission::Runs {
                            self.run_query(job, req.tenant as usize, t_secs);
                        }
                        false
                    }
                }
            }
            REFUSED | QUERIED => true,
            i => {
                dbs.release(i as usize, t_secs);
                let from_secs = dbs.query(job).from_secs;
                dbs.set_query(job, Query { at: QUERIED, from_secs });
                self.start_queries(i as usize, t_secs);
                true
            }
        }
    }

    /// Job `job`'s query (tenant `t`'s) starts on a vCPU at `t_secs`; its
    /// CPU time is the tenant's database use.
    #[inline]
    fn run_query(&mut self, job: u32, t: usize, t_secs: f64) {
        let Some(dbs) = self.relational.as_deref_mut() else { return };
        let secs = dbs.draw_query_secs();
        self.completions.push(completions::key(t_secs + secs, job));
        let raw = &mut self.raw[t];
        raw.db_ops += 1.0;
        raw.db_units += secs;
    }

    /// Starts the queries waiting for instance `i` that its free vCPUs
    /// (and connections) allow at `t_secs`.
    fn start_queries(&mut self, i: usize, t_secs: f64) {
        while let Some(job) = self.relational.as_deref_mut().and_then(|dbs| dbs.next(i)) {
            let t = self.jobs.get(job).req.tenant as usize;
            self.run_query(job, t, t_secs);
        }
    }

    /// For [`Exact::complete`] with a queue: a consumer finished a copy of a
    /// message received while another consumer held it. True when another
    /// copy was processed first (this one is a duplicate, its work done
    /// for nothing); else a successful processing will delete the message.
    #[inline(never)]
    fn duplicate(&mut self, req: Req, t_secs: f64) -> bool {
        if self.redelivery.deleted(&req) {
            self.let_go(&req);
            self.raw[req.tenant as usize].duplicates += 1.0;
            if self.sc.database.is_some() {
                // Its write is made again.
                self.store(&req, t_secs);
            }
            self.redelivery.release(req);
            return true;
        }
        false
    }

    /// A consumer received message `req` at `received_secs` and could not
    /// process it (the database refused its write) at `failed_secs`: the
    /// queue offers it again after its visibility timeout, or moves it to
    /// the dead-letter queue.
    #[inline(never)]
    fn consumer_failed(&mut self, req: Req, received_secs: f64, failed_secs: f64) {
        if self.redelivery.copies(&req) > 1 {
            // Another copy is alive (an earlier receive that outlived its
            // visibility timeout, or a later one). A receive holding its
            // FIFO group keeps it until the message is visible again, as a
            // failed receive does (it may still be dead-lettered, the other
            // copies deciding the message's fate).
            if req.flags & HOLDS != 0 && self.redelivery.failed(req, received_secs, failed_secs) == Failed::Redelivered
            {
                return;
            }
            self.let_go(&req);
            self.redelivery.release(req);
            return;
        }
        let req = self.redelivery.release(req);
        let t = req.tenant as usize;
        // Hidden until it is visible again, it still holds its message
        // group (a FIFO queue's).
        if self.redelivery.failed(req, received_secs, failed_secs) == Failed::DeadLettered {
            self.let_go(&req);
            self.raw[t].dead_lettered += 1.0;
            self.count(t, self.points.of(failed_secs), Flow::Dropped);
            self.lose(t, req.in_window(), true);
        }
    }

    /// For [`Exact::complete`] when a layer adds latency or a client has a
    /// timeout: the gateway's and the database's latency of a request
    /// compute finished at `t_secs`, and whether its client is still
    /// waiting when its answer arrives.
    #[inline(never)]
    fn answer_through_layers(&mut self, req: &Req, t_secs: f64) -> (bool, f64) {
        let (slot, tenant) = (self.client_slot(req), req.tenant as usize);
        let layers_secs = if self.layers.is_none() { 0.0 } else { self.layers.draw(&mut self.layer_rng[tenant]) };
        (self.timeouts.answer(slot, t_secs + layers_secs), layers_secs)
    }

    /// Takes the request's units from its partition at `t_secs`; false
    /// when the partition is over a cap.
    fn store(&mut self, req: &Req, t_secs: f64) -> bool {
        let t = req.tenant as usize;
        let load = &self.sc.tenants[t].load;
        let p = self.shard_partitions[t][req.shard as usize];
        let (side, units) = if req.read() { (0, load.read_units_per_read) } else { (1, load.write_units_per_write) };
        let partition = &mut self.partitions[p];
        let provisioned_ok = match &mut partition.provisioned {
            Some(prov) => prov[side].has(t_secs, units),
            None => true,
        };
        if !provisioned_ok || !partition.hard[side].take(t_secs, units) {
            return false;
        }
        if let Some(prov) = &mut partition.provisioned {
            prov[side].take(t_secs, units);
        }
        let db = self.info[t].db;
        let raw = &mut self.raw[t];
        raw.db_ops += 1.0;
        raw.db_units += units;
        let stack = &mut self.db_raw[db];
        stack.requests += 1.0;
        if req.read() {
            stack.read_units += units;
        } else {
            stack.write_units += units;
        }
        true
    }

    /// Closes the series point that ends at `t_secs`.
    fn end_point(&mut self, t_secs: f64) {
        let p = self.points.current;
        for stack in &mut self.stacks {
            stack.advance(t_secs);
            self.points.instances_secs[p] += stack.point.active_secs;
            self.points.busy_secs[p] += stack.point.busy_secs;
            self.points.capacity_secs[p] += stack.point.capacity_secs;
            stack.point = stack::Integrals::default();
        }
        self.points.waiting[p] = self.waiting();
        self.points.oldest_secs[p] = self.oldest_secs(t_secs);
        self.count_waiting(p);
        if let Some(dbs) = self.relational.as_deref_mut() {
            // Every stack looked at again: environments that went cold
            // since their stack last queried give their connections back,
            // and instances still without any take what came free.
            dbs.stale = true;
            let (stacks, functions, of_stack) = (&self.stacks, &self.functions, &self.stack_functions);
            dbs.refresh(|s| compute_size(stacks, functions, of_stack, s, t_secs));
        }
        if let Some(dbs) = &self.relational {
            if self.points.db_connections.is_empty() {
                let count = self.points.count;
                self.points.db_connections = vec![0.0; count];
                self.points.db_busy_secs = vec![0.0; count];
                self.points.db_capacity_secs = vec![0.0; count];
            }
            let (busy, capacity) = dbs.vcpu_secs_at(t_secs);
            let earlier: f64 = self.points.db_busy_secs.iter().sum();
            let earlier_capacity: f64 = self.points.db_capacity_secs.iter().sum();
            self.points.db_connections[p] = dbs.connections();
            self.points.db_busy_secs[p] = busy - earlier;
            self.points.db_capacity_secs[p] = capacity - earlier_capacity;
        }
        // Nothing served from now on falls before this point.
        self.points.read_before(p);
        self.points.current = (p + 1).min(self.points.count - 1);
    }

    /// Adds the requests waiting now to each tier's and focus tenant's
    /// queue depth at point `p` (copies of deleted messages left out).
    fn count_waiting(&mut self, p: usize) {
        for stack in &self.stacks {
            stack.queue.for_each(|req| {
                if !(self.queued && self.redelivery.deleted(req)) {
                    let info = &self.info[req.tenant as usize];
                    self.points.count_waiting(p, info.tier, info.focus);
                }
            });
        }
    }

    /// Requests waiting for a server now, over every stack.
    fn waiting(&self) -> f64 {
        let queued: usize = self.stacks.iter().map(|s| s.queue.len()).sum();
        (queued - self.redelivery.ghosts()) as f64
    }

    /// The age of the oldest request waiting for a server at `t_secs`, at
    /// most the timeout (one past it may not have reached its queue's head
    /// yet).
    fn oldest_secs(&self, t_secs: f64) -> f64 {
        // Messages offered again wait behind younger ones: then every
        // waiting message is looked at.
        let redelivers = self.sc.redelivers();
        let oldest = self
            .stacks
            .iter()
            .filter_map(|s| {
                if redelivers {
                    s.queue.earliest_arrival_secs(|req| !self.ghost(req))
                } else {
                    s.queue.oldest_arrival_secs()
                }
            })
            .min_by(f64::total_cmp);
        oldest.map_or(0.0, |arrived| (t_secs - arrived).clamp(0.0, self.timeout_secs))
    }

    /// The raw results at the end of the run.
    fn finish(mut self) -> TaskRaw {
        let end = self.end_secs;
        // The last point's depth, read before its queues are emptied below.
        let closing = self.points.current < self.points.count && self.points.of(end) == self.points.current;
        let (waiting_at_end, oldest_at_end) = (self.waiting(), self.oldest_secs(end));
        if closing {
            // The queues are empty when the point closes below.
            self.count_waiting(self.points.current);
        }
        // Requests still in service or waiting: in flight, unless they
        // waited past the timeout. A message with several copies alive is
        // under way once (none if a consumer processed it).
        let mut counted = rustc_hash::FxHashSet::default();
        for s in 0..self.stacks.len() {
            self.stacks[s].advance(end);
            let mut waiting = Vec::new();
            self.stacks[s].queue.drain(|req| waiting.push(req));
            for req in waiting {
                if self.queued && !self.redelivery.dequeued(req) {
                    // A copy of a message processed already.
                } else if self.queued && req.slot != NO_SLOT && counted.contains(&req.slot) {
                    // Its message is counted.
                } else if self.timeouts.gave_up(self.client_slot(&req)) {
                    // Under way for nobody.
                } else if end - req.arrival_secs > self.timeout_secs {
                    self.drop_timed_out(req, end);
                } else {
                    let raw = &mut self.raw[req.tenant as usize];
                    raw.in_flight += 1.0;
                    raw.longest_wait_secs = raw.longest_wait_secs.max(end - req.arrival_secs);
                    if self.queued && req.slot != NO_SLOT {
                        counted.insert(req.slot);
                    }
                }
            }
        }
        let queries = self.relational.as_deref().map_or_else(Vec::new, |dbs| dbs.waiting().collect());
        let jobs: Vec<Job> =
            self.completions.iter().map(completions::job_of).chain(queries).map(|j| *self.jobs.get(j)).collect();
        let batched = |job: &Job| if job.batch == NO_BATCH { &[][..] } else { self.batches.get(job.batch) };
        let in_service: Vec<Req> =
            jobs.iter().flat_map(|job| std::iter::once(job.req).chain(batched(job).iter().copied())).collect();
        for req in &in_service {
            if self.queued && req.slot != NO_SLOT && (self.redelivery.deleted(req) || !counted.insert(req.slot)) {
                // A duplicate, or its message is counted.
            } else if !self.timeouts.gave_up(self.client_slot(req)) {
                self.raw[req.tenant as usize].in_flight += 1.0;
            }
        }
        // Served, but not yet answered to a client whose deadline is still
        // ahead: under way.
        let late: Vec<usize> = self.timeouts.late().collect();
        for t in late {
            self.raw[t].in_flight += 1.0;
        }
        for (t, r) in self.raw.iter_mut().enumerate() {
            r.retrying = self.sc.tiers[self.sc.tenants[t].tier].retry.is_some();
        }
        // Messages waiting out their visibility timeout: still under way,
        // unless their retention has passed.
        let hidden: Vec<Req> = self.redelivery.waiting().copied().collect();
        for req in hidden {
            if req.slot != NO_SLOT && (self.redelivery.deleted(&req) || counted.contains(&req.slot)) {
                // Processed, or its message is counted.
            } else if end - req.arrival_secs > self.timeout_secs {
                self.drop_timed_out(req, end);
            } else {
                self.raw[req.tenant as usize].in_flight += 1.0;
            }
        }
        // Retries not yet sent: requests still under way.
        let waiting: Vec<usize> = self.retries.waiting().collect();
        for t in waiting {
            self.raw[t].in_flight += 1.0;
        }
        if closing {
            let p = self.points.current;
            self.end_point(end);
            self.points.waiting[p] = waiting_at_end;
            self.points.oldest_secs[p] = oldest_at_end;
        }
        self.apply_kept(end);
        let sc = self.sc;
        let dt = sc.clock.tick_secs;
        let end_tick = (end / dt).round() as u64;
        let tpp = (self.points.secs / dt).round() as u64;
        let point_ticks: Vec<u64> =
            (0..self.points.count as u64).map(|p| end_tick.saturating_sub(p * tpp).min(tpp)).collect();
        let mut tiers = TierHistograms::new(sc.tiers.len(), !self.window_latency.is_empty());
        for (t, r) in self.raw.iter_mut().enumerate() {
            let (run, window) = (self.latency[t].histogram(), self.window_latency.get(t).map(BinCounts::histogram));
            r.read_latency(&run, window.as_ref());
            tiers.add(sc.tenants[t].tier, &run, window.as_ref());
        }
        for (r, &[offered, lost, served, p99]) in self.raw.iter_mut().zip(&self.window_read) {
            r.window_offered = offered;
            r.window_unserved = lost;
            r.window_served = served;
            r.window_p99_ms = p99;
        }
        let (mut tier_flows, mut focus_flows, total_p99_ms) = self.points.flows();
        let waiting = std::mem::take(&mut self.points.waiting);
        let oldest_secs = std::mem::take(&mut self.points.oldest_secs);
        let points = &mut self.points;
        let mut total = FlowRaw::new(points.count);
        total.p99_ms = total_p99_ms;
        let mut instances = vec![0.0; points.count];
        let mut utilisation = vec![0.0; points.count];
        for p in 0..points.count {
            if point_ticks[p] == 0 {
                continue;
            }
            let secs = point_ticks[p] as f64 * dt;
            for flow in tier_flows.iter_mut().chain(focus_flows.iter_mut()) {
                let [offered, admitted, throttled, ..] = &mut flow.flows;
                throttled[p] = offered[p] - admitted[p];
                for series in &mut flow.flows {
                    series[p] /= secs;
                }
            }
            for flow in &tier_flows {
                for (sum, series) in total.flows.iter_mut().zip(&flow.flows) {
                    sum[p] += series[p];
                }
            }
            instances[p] = points.instances_secs[p] / secs;
            if points.capacity_secs[p] > 0.0 {
                utilisation[p] = points.busy_secs[p] / points.capacity_secs[p];
            }
        }
        for flow in &tier_flows {
            total.add_sums(flow);
        }
        if let Some(g) = &sc.gateway {
            for raw in &mut self.gw_raw {
                raw.capacity_secs = g.account_rate_per_sec * self.kept_secs[Layer::Gateway.index()];
            }
        }
        if let Some(layer) = &sc.database {
            let stacks = &self.design.layers[Layer::Database.index()].stacks;
            for (raw, s) in self.db_raw.iter_mut().zip(stacks) {
                let count = if s.kind == StackKind::Silo { layer.silo_partitions } else { layer.pool_partitions };
                raw.capacity_secs = f64::from(count)
                    * (layer.read_units_per_partition_per_sec + layer.write_units_per_partition_per_sec)
                    * self.kept_secs[Layer::Database.index()];
            }
        }
        if let Some(dbs) = &self.relational {
            dbs.figures_at(end, &mut self.db_raw);
        }
        let n = sc.tenants.len();
        let active = self.arrivals.active();
        debug_assert_eq!(active.len(), n);
        TaskRaw {
            active,
            tier_p99_ms: tiers.run.iter().map(|h| h.quantile_ms(0.99)).collect(),
            tier_hist: tiers.run,
            tier_window_hist: tiers.window,
            stacks: [self.gw_raw, self.stacks.into_iter().map(|s| s.raw).collect(), self.db_raw],
            ticks_per_point: tpp,
            point_ticks,
            tiers: tier_flows,
            total,
            focus: std::mem::take(&mut self.focus).into_iter().zip(focus_flows).collect(),
            instances,
            waiting,
            oldest_secs,
            utilisation,
            busy_secs: std::mem::take(&mut points.busy_secs),
            capacity_secs: std::mem::take(&mut points.capacity_secs),
            db_connections: std::mem::take(&mut points.db_connections),
            db_utilisation: points
                .db_busy_secs
                .iter()
                .zip(&points.db_capacity_secs)
                .map(|(&busy, &capacity)| if capacity > 0.0 { busy / capacity } else { 0.0 })
                .collect(),
            tenants: self.raw,
            tier_mixtures: Vec::new(),
            settled: self.settled,
            own: Vec::new(),
        }
    }

    /// Every tenant's and stack's cost counters as they stand at `t_secs`
    /// (before any event then; nothing changes).
    fn counts(&self, t_secs: f64) -> Counts {
        let mut db_raw = self.db_raw.clone();
        if let Some(dbs) = &self.relational {
            dbs.figures_at(t_secs, &mut db_raw);
        }
        Counts {
            tenants: self.raw.clone(),
            stacks: [self.gw_raw.clone(), self.stacks.iter().map(|s| s.totals_at(t_secs)).collect(), db_raw],
        }
    }

    /// Each tenant's window figures (offered, lost at shared resources,
    /// served, p99) at `t_secs`, where the last spike window ends, as
    /// [`Exact::finish`] would read them had the run stopped there: waiting
    /// requests past their timeout then count as lost, unless their client
    /// would retry them (they are then still under way, as the retries
    /// waiting are).
    fn read_windows(&self, t_secs: f64) -> Vec<[f64; 4]> {
        let mut lost: Vec<f64> = self.raw.iter().map(|r| r.window_unserved).collect();
        let mut set_aside = vec![0; self.raw.len()];
        for stack in &self.stacks {
            // Every request past its timeout is judged, in the order
            // `finish` fails them (each retry takes from its budget), and
            // those of the windows counted.
            stack.queue.for_each(|req| {
                if t_secs - req.arrival_secs > self.timeout_secs
                    && !self.timeouts.gave_up(self.client_slot(req))
                    && !(self.queued && (self.redelivery.deleted(req) || self.redelivery.copies(req) > 1))
                    && (self.queued || self.retries.would_give_up(req.tenant as usize, req.retries, &mut set_aside))
                    && req.in_window()
                {
                    lost[req.tenant as usize] += 1.0;
                }
            });
        }
        self.raw
            .iter()
            .zip(lost)
            .enumerate()
            .map(|(t, (r, lost))| {
                let window = self.window_latency.get(t).map(BinCounts::histogram);
                let (served, p99) = window.map_or((0.0, 0.0), |h| (h.total(), h.quantile_ms(0.99)));
                [r.window_offered, lost, served, p99]
            })
            .collect()
    }

    /// Brings the kept-capacity integrals up to `t_secs`.
    fn apply_kept(&mut self, t_secs: f64) {
        for layer in 0..3 {
            self.kept_secs[layer] += self.keep[layer] * (t_secs - self.last_change_secs);
        }
        self.last_change_secs = t_secs;
    }
}

/// The request an attempt puts in a queue or in service.
#[inline]
fn request_of(attempt: &Attempt) -> Req {
    let drawn = &attempt.drawn;
    Req {
        arrival_secs: drawn.secs,
        service_secs: drawn.service_secs,
        tenant: drawn.tenant,
        slot: NO_SLOT,
        since_first_secs: (drawn.secs - attempt.first_secs) as f32,
        // Key shards are at most the limits' 1,000.
        shard: drawn.shard as u16,
        flags: if drawn.read { READ } else { 0 } | if attempt.in_window { IN_WINDOW } else { 0 },
        retries: attempt.retries,
    }
}

/// The attempt a queued or served request is (its initialisation, should
/// a retry need one, is drawn afresh: [`Retries::failed`]).
#[inline]
fn attempt_of(req: &Req) -> Attempt {
    let drawn = Drawn {
        secs: req.arrival_secs,
        service_secs: req.service_secs,
        tenant: req.tenant,
        shard: u32::from(req.shard),
        read: req.read(),
        init_secs: f64::NAN,
    };
    let first_secs = req.arrival_secs - f64::from(req.since_first_secs);
    Attempt { drawn, retries: req.retries, first_secs, in_window: req.in_window() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Limits, load_str};

    /// An overloaded pool (one server of 1.5 s, 6 requests a second, a
    /// 1 s queue timeout, so that many requests wait past their timeout
    /// between two starts) whose clients retry (`budget` when given); a
    /// spike from 20 s to 30 s, and the run lasts `duration`.
    fn overloaded(duration: &str, budget: &str) -> Scenario {
        let text = format!(
            r#"Scenario(version: 1, name: "read", clock: (duration: "{duration}", seed: 5, replications: 1, engine: Exact),
                tiers: {{ "t": (price_per_month: 1.0, retry: (attempts: 3, backoff: Constant("200ms"), jitter: Full{budget})) }},
                tenants: [ Group(prefix: "x", count: 3, tier: "t", load: (rate: 2.0)) ],
                layers: ( compute: (service_time: Deterministic(ms: 1500.0), concurrency: 1, instances: (min: 1, max: 1),
                                    queue_timeout: "1s") ),
                designs: [ (name: "pool", placement: {{ "*": Pool }}) ],
                events: [ Spike(tenant: "x-00", at: "20s", duration: "10s", factor: 3.0) ])"#
        );
        load_str(&text, &Limits::default()).unwrap_or_else(|e| panic!("{e}")).1
    }

    #[test]
    fn a_baseline_read_where_the_windows_end_is_what_one_stopping_there_reads() {
        // The windows end at 30 s: a 30 s run's baseline stops there and
        // reads its figures at its end; a 2-minute run's goes on (its
        // spike's cost settles later) and reads them when 30 s is reached.
        // Requests past their timeout wait in the queue at that moment,
        // and the budget allows some of them a retry and not others.
        for budget in ["", ", budget: 0.3"] {
            read_where_the_windows_end(&overloaded("30s", budget), &overloaded("2m", budget));
        }
    }

    fn read_where_the_windows_end(short: &Scenario, long: &Scenario) {
        let design = &short.designs[0];
        assert_eq!(window_ticks(short), baseline_ticks(short), "the short baseline stops at the windows' end");
        assert!(window_ticks(long) < baseline_ticks(long), "the long one goes on");
        let mut lost = 0.0;
        for replication in 0..3 {
            let read = |sc: &Scenario| {
                let raw = simulate(sc, &sc.designs[0], replication, Spikes::None, &[], 1, &RunControl::new());
                let raw = raw.unwrap_or_else(|| panic!("runs"));
                raw.tenants
                    .iter()
                    .map(|t| [t.window_offered, t.window_unserved, t.window_served, t.window_p99_ms])
                    .collect::<Vec<_>>()
            };
            let (stopped, went_on) = (read(short), read(long));
            assert_eq!(stopped, went_on, "replication {replication} of {}", design.name);
            lost += stopped.iter().map(|t| t[1]).sum::<f64>();
        }
        assert!(lost > 0.0, "some requests of the windows were given up");
    }
}
