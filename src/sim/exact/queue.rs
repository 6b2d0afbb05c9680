//! The queue of one compute stack in the per-request engine: first come
//! first served, or weighted-fair (start-time fair queueing with a unit
//! cost per request: each tenant has a queue of its own and the head with
//! the smallest start tag goes next, so backlogged tenants are served in
//! proportion to their weights).
//!
//! A shared SQS fair queue keeps each tenant's messages apart and gives
//! consumers the oldest message of a quiet tenant before any of a noisy
//! one's ([`QuietQueue`]).
//!
//! A request waits at most the queue timeout: one whose wait would pass it
//! is dropped when it reaches the head (it could not have been served
//! before its deadline, as every queue is first in, first out per tenant).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// A request admitted to compute.
#[derive(Debug, Clone, Copy)]
pub struct Req {
    /// Arrival time, seconds.
    pub arrival_secs: f64,
    /// Service time it needs, seconds.
    pub service_secs: f64,
    /// Its tenant.
    pub tenant: u32,
    /// Its client's timeout slot ([`NO_SLOT`]: its client waits as long
    /// as the queue keeps it).
    pub slot: u32,
    /// How long before its arrival its request's first attempt arrived,
    /// seconds (0 unless it is a retry; single precision keeps a request
    /// in 32 bytes).
    pub since_first_secs: f32,
    /// Its key shard (at most the limits' 1,000 per tenant).
    pub shard: u16,
    /// [`READ`] and [`IN_WINDOW`].
    pub flags: u8,
    /// Attempts of its request before this one.
    pub retries: u8,
}

/// No client timeout slot.
pub const NO_SLOT: u32 = u32::MAX;

/// [`Req::flags`]: a read (else a write).
pub const READ: u8 = 1;

/// [`Req::flags`]: its request's first attempt arrived inside another
/// tenant's spike window.
pub const IN_WINDOW: u8 = 2;

/// [`Req::flags`]: a FIFO queue's message whose receive (or, hidden, its
/// visibility timeout) keeps its message group waiting.
pub const HOLDS: u8 = 4;

impl Req {
    /// A first attempt with no initialisation (instance compute).
    pub fn first(arrival_secs: f64, service_secs: f64, tenant: u32) -> Self {
        Self {
            arrival_secs,
            service_secs,
            tenant,
            slot: NO_SLOT,
            since_first_secs: 0.0,
            shard: 0,
            flags: READ,
            retries: 0,
        }
    }

    /// A read (else a write).
    #[inline]
    pub fn read(&self) -> bool {
        self.flags & READ != 0
    }

    /// Its request's first attempt arrived inside another tenant's spike
    /// window.
    #[inline]
    pub fn in_window(&self) -> bool {
        self.flags & IN_WINDOW != 0
    }
}

/// One tenant's queue in a weighted-fair stack.
#[derive(Debug, Clone, Default)]
struct Flow {
    queue: VecDeque<Req>,
    weight: f64,
    /// Finish tag of its last request served.
    finish: f64,
}

/// Start-time fair queueing over the stack's tenants.
#[derive(Debug, Clone, Default)]
pub struct FairQueue {
    flows: Vec<Flow>,
    /// Each flow's virtual clock (empty: one clock for every flow). Flows
    /// read by different serverless functions keep apart clocks, so that
    /// one function's backlog does not move another's turns.
    clock_of: Vec<u32>,
    /// Per clock, the latest start tag served (a head passed over and
    /// served later does not set it back).
    virtual_times: Vec<f64>,
    /// Each non-empty flow's head, by start tag (bits of a non-negative
    /// f64 order as the number), then by order of tagging.
    heads: BinaryHeap<Reverse<(u64, u64, u32)>>,
    /// Heads passed over by [`Queue::next_open`] (kept to reuse the
    /// allocation).
    aside: Vec<(u64, u64, u32)>,
    seq: u64,
    len: usize,
}

impl FairQueue {
    #[inline]
    fn clock(&self, flow: usize) -> usize {
        self.clock_of.get(flow).map_or(0, |&c| c as usize)
    }

    fn tag_head(&mut self, flow: usize) {
        let start = self.virtual_times[self.clock(flow)].max(self.flows[flow].finish);
        self.seq += 1;
        self.heads.push(Reverse((start.to_bits(), self.seq, flow as u32)));
    }
}

/// A FIFO queue's message groups (docs/model.md, "FIFO queues"): each
/// flow's messages are spread over its groups by key shard; a consumer
/// takes the oldest message at the head of a group that none of its
/// messages holds (being processed, or hidden until its visibility
/// timeout), and the group waits until that message lets it go.
#[derive(Debug, Clone, Default)]
pub struct GroupQueue {
    /// Each flow's first group.
    first: Vec<u32>,
    /// Each flow's groups.
    count: Vec<u32>,
    groups: Vec<VecDeque<Req>>,
    /// Messages holding each group.
    held: Vec<u32>,
    /// The heads of the groups nobody holds: (arrival bits, order of
    /// tagging, group), the oldest first.
    heads: BinaryHeap<Reverse<(u64, u64, u32)>>,
    /// Heads passed over by [`Queue::next_open`].
    aside: Vec<(u64, u64, u32)>,
    seq: u64,
    len: usize,
}

impl GroupQueue {
    fn group(&self, flow: usize, req: &Req) -> usize {
        (self.first[flow] + u32::from(req.shard).min(self.count[flow] - 1)) as usize
    }

    fn tag_head(&mut self, g: usize) {
        if let Some(head) = self.groups[g].front() {
            self.seq += 1;
            self.heads.push(Reverse((head.arrival_secs.max(0.0).to_bits(), self.seq, g as u32)));
        }
    }

    /// A message of group `g` lets it go.
    fn free(&mut self, g: usize) {
        self.held[g] = self.held[g].saturating_sub(1);
        if self.held[g] == 0 {
            self.tag_head(g);
        }
    }
}

/// In-flight messages from which a tenant of a fair queue can be noisy by
/// its concurrency share (SQS fair queues: at least 30 of its own).
pub const NOISY_IN_FLIGHT: u32 = 30;

/// Share of a fair queue's in-flight messages, or of its recent processing
/// time, above which a tenant is noisy (SQS fair queues: 10 %).
pub const NOISY_SHARE: f64 = 0.1;

/// Time constant of the "recent" processing time a fair queue weighs each
/// tenant's share by, seconds (SQS does not publish its window).
pub const RECENT_PROCESSING_SECS: f64 = 60.0;

/// A shared SQS fair queue (docs/model.md, "Fair queues"): each flow (a
/// tenant, its messages' group) has a queue of its own. A flow is noisy
/// while it holds more than a tenth of the messages in flight and at
/// least [`NOISY_IN_FLIGHT`] of them, or more than a tenth of the recent
/// processing time; a consumer takes the oldest message of a quiet flow,
/// and only when no quiet flow has one, the head of the noisy flow with
/// the fewest messages in flight.
#[derive(Debug, Clone, Default)]
pub struct QuietQueue {
    flows: Vec<VecDeque<Req>>,
    /// Each flow's messages being processed.
    in_flight: Vec<u32>,
    total_in_flight: u32,
    /// Each flow's processing time started, each weighted by
    /// e^((start − origin) / [`RECENT_PROCESSING_SECS`]): shares of these
    /// sums are shares of an exponentially weighted recent past.
    recent: Vec<f64>,
    recent_total: f64,
    origin_secs: f64,
    /// Each non-empty flow's head, by arrival (bits of a non-negative f64
    /// order as the number), then by order of tagging.
    heads: BinaryHeap<Reverse<(u64, u64, u32)>>,
    /// Heads of noisy flows passed over while looking for a quiet one.
    aside: Vec<(u64, u64, u32)>,
    seq: u64,
    len: usize,
}

impl QuietQueue {
    fn tag_head(&mut self, flow: usize) {
        if let Some(head) = self.flows[flow].front() {
            self.seq += 1;
            self.heads.push(Reverse((head.arrival_secs.max(0.0).to_bits(), self.seq, flow as u32)));
        }
    }

    /// True when flow `flow` is noisy now.
    fn noisy(&self, flow: usize) -> bool {
        let mine = self.in_flight[flow];
        (mine >= NOISY_IN_FLIGHT && f64::from(mine) > NOISY_SHARE * f64::from(self.total_in_flight))
            || self.recent[flow] > NOISY_SHARE * self.recent_total
    }

    /// A consumer received a message of flow `flow` at `now_secs` and
    /// processes it for `busy_secs`.
    fn received(&mut self, flow: usize, busy_secs: f64, now_secs: f64) {
        let mut exponent = (now_secs - self.origin_secs) / RECENT_PROCESSING_SECS;
        if exponent > 300.0 {
            // Move the origin before the weights overflow: every sum
            // shrinks by the same factor, so no share changes.
            let factor = (-exponent).exp();
            self.recent.iter_mut().for_each(|r| *r *= factor);
            self.recent_total *= factor;
            self.origin_secs = now_secs;
            exponent = 0.0;
        }
        let weighted = busy_secs * exponent.exp();
        self.recent[flow] += weighted;
        self.recent_total += weighted;
        self.in_flight[flow] += 1;
        self.total_in_flight += 1;
    }

    /// A message of flow `flow` is no longer being processed.
    fn finished(&mut self, flow: usize) {
        debug_assert!(self.in_flight[flow] > 0, "flow {flow} finished a message it never received");
        self.in_flight[flow] = self.in_flight[flow].saturating_sub(1);
        self.total_in_flight = self.total_in_flight.saturating_sub(1);
    }
}

/// A compute stack's waiting requests.
#[derive(Debug, Clone)]
pub enum Queue {
    /// One queue in arrival order.
    Fifo(VecDeque<Req>),
    /// One queue per tenant, served by weight.
    Fair(FairQueue),
    /// A FIFO queue's message groups.
    Groups(GroupQueue),
    /// A shared fair queue, one flow per tenant.
    Quiet(QuietQueue),
}

impl Queue {
    /// A FIFO queue.
    pub fn fifo() -> Self {
        Queue::Fifo(VecDeque::new())
    }

    /// A weighted-fair queue over flows of the given weights.
    pub fn fair(weights: &[f64]) -> Self {
        Queue::Fair(FairQueue {
            flows: weights.iter().map(|&weight| Flow { weight: weight.max(1e-9), ..Flow::default() }).collect(),
            virtual_times: vec![0.0],
            ..FairQueue::default()
        })
    }

    /// Message groups of a FIFO queue: flow k's messages in `groups[k]`
    /// groups (at least 1), by key shard.
    pub fn groups(groups: &[u32]) -> Self {
        let count: Vec<u32> = groups.iter().map(|&g| g.max(1)).collect();
        let first = count
            .iter()
            .scan(0u32, |next, &c| {
                let first = *next;
                *next += c;
                Some(first)
            })
            .collect();
        let total = count.iter().sum::<u32>() as usize;
        Queue::Groups(GroupQueue {
            first,
            count,
            groups: vec![VecDeque::new(); total],
            held: vec![0; total],
            ..GroupQueue::default()
        })
    }

    /// A shared fair queue of `flows` tenants.
    pub fn quiet(flows: usize) -> Self {
        Queue::Quiet(QuietQueue {
            flows: vec![VecDeque::new(); flows],
            in_flight: vec![0; flows],
            recent: vec![0.0; flows],
            ..QuietQueue::default()
        })
    }

    /// A consumer received `flow`'s message at `now_secs` to process it
    /// for `busy_secs` (what a fair queue weighs noise by; nothing for
    /// other queues).
    #[inline]
    pub fn received(&mut self, flow: usize, busy_secs: f64, now_secs: f64) {
        if let Queue::Quiet(q) = self {
            q.received(flow, busy_secs, now_secs);
        }
    }

    /// The processing of a message of `flow` ended (nothing but for a
    /// fair queue).
    #[inline]
    pub fn finished(&mut self, flow: usize) {
        if let Queue::Quiet(q) = self {
            q.finished(flow);
        }
    }

    /// Messages received and not yet finished, for a fair queue (the
    /// count its concurrency rule weighs; `None` for other queues).
    pub fn in_flight(&self) -> Option<u32> {
        match self {
            Queue::Quiet(q) => Some(q.total_in_flight),
            _ => None,
        }
    }

    /// Gives each flow of a weighted-fair queue the virtual clock of its
    /// `owner` (flows of the same owner share one; nothing for other
    /// queues).
    pub fn separate_clocks(&mut self, owner: &[u32]) {
        if let Queue::Fair(f) = self {
            let mut owners: Vec<u32> = Vec::new();
            f.clock_of = owner
                .iter()
                .map(|o| {
                    owners.iter().position(|x| x == o).unwrap_or_else(|| {
                        owners.push(*o);
                        owners.len() - 1
                    }) as u32
                })
                .collect();
            f.virtual_times = vec![0.0; owners.len().max(1)];
        }
    }

    /// When the oldest waiting request arrived (none when nothing waits;
    /// one past its deadline not yet seen counts).
    pub fn oldest_arrival_secs(&self) -> Option<f64> {
        match self {
            Queue::Fifo(q) => q.front().map(|r| r.arrival_secs),
            Queue::Fair(f) => {
                f.flows.iter().filter_map(|flow| flow.queue.front()).map(|r| r.arrival_secs).min_by(f64::total_cmp)
            }
            // Many groups may wait on none.
            Queue::Groups(g) if g.len == 0 => None,
            Queue::Groups(g) => {
                g.groups.iter().filter_map(VecDeque::front).map(|r| r.arrival_secs).min_by(f64::total_cmp)
            }
            Queue::Quiet(q) if q.len == 0 => None,
            Queue::Quiet(q) => {
                q.flows.iter().filter_map(VecDeque::front).map(|r| r.arrival_secs).min_by(f64::total_cmp)
            }
        }
    }

    /// When the oldest waiting request that `counts` arrived, looking at
    /// every one, not only the heads: a message offered again after a
    /// failed receive waits behind younger ones with its first arrival.
    pub fn earliest_arrival_secs(&self, counts: impl Fn(&Req) -> bool) -> Option<f64> {
        let mut earliest = None;
        self.for_each(|r| {
            if counts(r) {
                earliest = Some(earliest.map_or(r.arrival_secs, |e: f64| e.min(r.arrival_secs)));
            }
        });
        earliest
    }

    /// Flows of a weighted-fair queue (0 for other queues).
    pub fn flows(&self) -> usize {
        match self {
            Queue::Fair(f) => f.flows.len(),
            _ => 0,
        }
    }

    /// Requests waiting (including any past their deadline not yet seen).
    pub fn len(&self) -> usize {
        match self {
            Queue::Fifo(q) => q.len(),
            Queue::Fair(f) => f.len,
            Queue::Groups(g) => g.len,
            Queue::Quiet(q) => q.len,
        }
    }

    /// True when nothing waits.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True when the queue flow `flow` reads has messages waiting: its
    /// own for a weighted-fair queue (with functions behind a queue layer,
    /// a flow is one of its queues), the whole queue otherwise (a shared
    /// fair queue is one queue whatever its tenants).
    pub fn has_waiting(&self, flow: usize) -> bool {
        match self {
            Queue::Fair(f) => !f.flows[flow].queue.is_empty(),
            _ => !self.is_empty(),
        }
    }

    /// Adds `req`, of flow `flow` (its tenant's place in the stack).
    pub fn push(&mut self, flow: usize, req: Req) {
        match self {
            Queue::Fifo(q) => q.push_back(req),
            Queue::Fair(f) => {
                let was_empty = f.flows[flow].queue.is_empty();
                f.flows[flow].queue.push_back(req);
                f.len += 1;
                if was_empty {
                    f.tag_head(flow);
                }
            }
            Queue::Groups(q) => {
                let g = q.group(flow, &req);
                let was_empty = q.groups[g].is_empty();
                q.groups[g].push_back(req);
                q.len += 1;
                if was_empty && q.held[g] == 0 {
                    q.tag_head(g);
                }
            }
            Queue::Quiet(q) => {
                let was_empty = q.flows[flow].is_empty();
                q.flows[flow].push_back(req);
                q.len += 1;
                if was_empty {
                    q.tag_head(flow);
                }
            }
        }
    }

    /// `req` (of flow `flow`), whose receive or hiding held its message
    /// group, is visible again: it goes back to the head of its group,
    /// which it no longer holds (to the back of a queue without groups).
    pub fn visible_again(&mut self, flow: usize, req: Req) {
        match self {
            Queue::Groups(q) => {
                let g = q.group(flow, &req);
                q.groups[g].push_front(req);
                q.len += 1;
                // A held group has no tag (its head's was taken when it was
                // held): freeing it tags the new head.
                q.free(g);
            }
            _ => self.push(flow, req),
        }
    }

    /// `req` (of flow `flow`) no longer holds its message group (nothing
    /// without groups).
    pub fn release(&mut self, flow: usize, req: &Req) {
        if let Queue::Groups(q) = self {
            let g = q.group(flow, req);
            q.free(g);
        }
    }

    /// The next request to serve at `now_secs`; requests that waited more
    /// than `timeout_secs` are handed to `drop` instead.
    #[inline]
    pub fn next(&mut self, now_secs: f64, timeout_secs: f64, drop: impl FnMut(Req)) -> Option<Req> {
        self.next_open(now_secs, timeout_secs, drop, |_, _| true)
    }

    /// [`Queue::next`] among the requests `open` says can start now (given
    /// a head and how many wait in the queue it heads: a tenant's own, a
    /// message group, or the whole queue): a head it refuses stays where it
    /// is (the shared queue's head blocks what follows it; a tenant's own
    /// queue or a message group is passed over, keeping its turn).
    pub fn next_open(
        &mut self,
        now_secs: f64,
        timeout_secs: f64,
        mut drop: impl FnMut(Req),
        mut open: impl FnMut(&Req, usize) -> bool,
    ) -> Option<Req> {
        match self {
            Queue::Fifo(q) => {
                while let Some(req) = q.front() {
                    if now_secs - req.arrival_secs > timeout_secs {
                        drop(*req);
                        q.pop_front();
                    } else if open(req, q.len()) {
                        return q.pop_front();
                    } else {
                        return None;
                    }
                }
                None
            }
            Queue::Fair(f) => {
                let mut found = None;
                while let Some(Reverse(entry)) = f.heads.pop() {
                    let (start_bits, _, flow) = entry;
                    let flow = flow as usize;
                    let Some(&req) = f.flows[flow].queue.front() else { continue };
                    if now_secs - req.arrival_secs > timeout_secs {
                        f.flows[flow].queue.pop_front();
                        f.len -= 1;
                        // Dropped heads do not advance the flow's tags.
                        drop(req);
                        if !f.flows[flow].queue.is_empty() {
                            f.tag_head(flow);
                        }
                        continue;
                    }
                    if !open(&req, f.flows[flow].queue.len()) {
                        f.aside.push(entry);
                        continue;
                    }
                    f.flows[flow].queue.pop_front();
                    f.len -= 1;
                    let start = f64::from_bits(start_bits);
                    let c = f.clock(flow);
                    f.virtual_times[c] = f.virtual_times[c].max(start);
                    f.flows[flow].finish = start + 1.0 / f.flows[flow].weight;
                    if !f.flows[flow].queue.is_empty() {
                        f.tag_head(flow);
                    }
                    found = Some(req);
                    break;
                }
                // Heads passed over keep their tags.
                f.heads.extend(f.aside.drain(..).map(Reverse));
                found
            }
            Queue::Groups(q) => {
                let mut found = None;
                while let Some(Reverse(entry)) = q.heads.pop() {
                    let g = entry.2 as usize;
                    if q.held[g] > 0 {
                        continue;
                    }
                    let Some(&req) = q.groups[g].front() else { continue };
                    if now_secs - req.arrival_secs > timeout_secs {
                        q.groups[g].pop_front();
                        q.len -= 1;
                        drop(req);
                        q.tag_head(g);
                        continue;
                    }
                    if !open(&req, q.groups[g].len()) {
                        q.aside.push(entry);
                        continue;
                    }
                    q.groups[g].pop_front();
                    q.len -= 1;
                    // Its receive holds the group.
                    q.held[g] += 1;
                    found = Some(req);
                    break;
                }
                q.heads.extend(q.aside.drain(..).map(Reverse));
                found
            }
            Queue::Quiet(q) => {
                // The oldest head of a quiet flow; noisy ones are set aside
                // (they are few: each holds over a tenth of something).
                let mut pick = None;
                while let Some(Reverse(entry)) = q.heads.pop() {
                    let flow = entry.2 as usize;
                    let Some(&req) = q.flows[flow].front() else { continue };
                    if now_secs - req.arrival_secs > timeout_secs {
                        q.flows[flow].pop_front();
                        q.len -= 1;
                        drop(req);
                        q.tag_head(flow);
                        continue;
                    }
                    if q.noisy(flow) {
                        q.aside.push(entry);
                        continue;
                    }
                    pick = Some(entry);
                    break;
                }
                // Else the noisy flow with the fewest in flight, the oldest
                // head among equals (set aside oldest first).
                let pick = pick.or_else(|| {
                    let k = (0..q.aside.len()).min_by_key(|&k| (q.in_flight[q.aside[k].2 as usize], k))?;
                    Some(q.aside.swap_remove(k))
                });
                let mut found = None;
                if let Some(entry) = pick {
                    let flow = entry.2 as usize;
                    // One queue: a head its consumers cannot take now blocks
                    // the rest, as a plain shared queue's does.
                    if open(&q.flows[flow][0], q.len) {
                        found = q.flows[flow].pop_front();
                        q.len -= 1;
                        q.tag_head(flow);
                    } else {
                        q.aside.push(entry);
                    }
                }
                q.heads.extend(q.aside.drain(..).map(Reverse));
                found
            }
        }
    }

    /// Moves up to `most` more messages of the queue flow `flow` reads
    /// into `batch`, in the order its consumers take them (a shared queue's
    /// oldest first, a tenant's queue its own oldest first); messages that
    /// waited more than `timeout_secs` are handed to `drop` instead. A
    /// weighted-fair queue charges the flow one turn per message taken, as
    /// if each had been taken alone. FIFO and fair queues take none (their
    /// batches are not modelled; resolution refuses them).
    pub fn take_batch(
        &mut self,
        flow: usize,
        (now_secs, timeout_secs): (f64, f64),
        most: usize,
        batch: &mut Vec<Req>,
        mut drop: impl FnMut(Req),
    ) {
        let expired = |req: &Req| now_secs - req.arrival_secs > timeout_secs;
        match self {
            Queue::Fifo(q) => {
                let goal = batch.len() + most;
                while batch.len() < goal
                    && let Some(req) = q.pop_front()
                {
                    if expired(&req) { drop(req) } else { batch.push(req) }
                }
            }
            Queue::Fair(f) => {
                let goal = batch.len() + most;
                let mut popped = false;
                while batch.len() < goal
                    && let Some(req) = f.flows[flow].queue.pop_front()
                {
                    popped = true;
                    f.len -= 1;
                    if expired(&req) {
                        // Dropped heads do not advance the flow's tags.
                        drop(req);
                        continue;
                    }
                    // Its turn, as if taken alone; the clock stays where the
                    // batch's head set it, so the other flows keep the turns
                    // the batch took ahead of them.
                    let start = f.virtual_times[f.clock(flow)].max(f.flows[flow].finish);
                    f.flows[flow].finish = start + 1.0 / f.flows[flow].weight;
                    batch.push(req);
                }
                if popped {
                    // The flow's place among the heads was its old head's.
                    f.heads.retain(|Reverse(entry)| entry.2 as usize != flow);
                    if !f.flows[flow].queue.is_empty() {
                        f.tag_head(flow);
                    }
                }
            }
            Queue::Groups(_) | Queue::Quiet(_) => {}
        }
    }

    /// Hands every waiting request to `each`, leaving the queue as it is.
    pub fn for_each(&self, mut each: impl FnMut(&Req)) {
        match self {
            Queue::Fifo(q) => q.iter().for_each(&mut each),
            Queue::Fair(f) => f.flows.iter().flat_map(|flow| &flow.queue).for_each(&mut each),
            Queue::Groups(g) if g.len == 0 => {}
            Queue::Groups(g) => g.groups.iter().flatten().for_each(&mut each),
            Queue::Quiet(q) => q.flows.iter().flatten().for_each(&mut each),
        }
    }

    /// Empties the queue, handing every request to `each`.
    pub fn drain(&mut self, mut each: impl FnMut(Req)) {
        match self {
            Queue::Fifo(q) => q.drain(..).for_each(&mut each),
            Queue::Fair(f) => {
                for flow in &mut f.flows {
                    flow.queue.drain(..).for_each(&mut each);
                }
                f.heads.clear();
                f.len = 0;
            }
            Queue::Groups(g) => {
                for group in &mut g.groups {
                    group.drain(..).for_each(&mut each);
                }
                g.heads.clear();
                g.len = 0;
            }
            Queue::Quiet(q) => {
                for flow in &mut q.flows {
                    flow.drain(..).for_each(&mut each);
                }
                q.heads.clear();
                q.len = 0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(tenant: u32, arrival_secs: f64) -> Req {
        Req::first(arrival_secs, 1.0, tenant)
    }

    #[test]
    fn a_request_stays_in_32_bytes() {
        // Queues and the job table hold many; retries and clients' timeouts
        // added fields that fit the padding.
        assert_eq!(std::mem::size_of::<Req>(), 32);
    }

    #[test]
    fn fair_queue_serves_backlogged_flows_in_proportion_to_weight() {
        let mut q = Queue::fair(&[1.0, 4.0]);
        for k in 0..1000 {
            q.push(0, req(0, f64::from(k) * 1e-3));
            q.push(1, req(1, f64::from(k) * 1e-3));
        }
        let mut served = [0usize; 2];
        for _ in 0..500 {
            if let Some(r) = q.next(0.0, 10.0, |_| {}) {
                served[r.tenant as usize] += 1;
            }
        }
        assert_eq!(served[0] + served[1], 500);
        assert!((served[1] as f64 / served[0] as f64 - 4.0).abs() < 0.05, "{served:?}");
    }

    #[test]
    fn a_batch_takes_one_queue_and_is_charged_a_turn_per_message() {
        let mut q = Queue::fair(&[1.0, 1.0]);
        for k in 0..8 {
            q.push(0, req(0, f64::from(k)));
            q.push(1, req(1, f64::from(k) + 0.5));
        }
        // Flow 0's head, then three more of flow 0 only, the expired first
        // one of them dropped on the way.
        let head = q.next(8.0, 10.0, |_| {});
        assert_eq!(head.map(|r| r.tenant), Some(0));
        let mut batch = Vec::new();
        let mut dropped = Vec::new();
        q.take_batch(0, (11.5, 10.0), 3, &mut batch, |r| dropped.push(r.arrival_secs));
        assert_eq!(dropped, [1.0], "waited 10.5 s of 10");
        assert_eq!(
            batch.iter().map(|r| (r.tenant, r.arrival_secs)).collect::<Vec<_>>(),
            [(0, 2.0), (0, 3.0), (0, 4.0)]
        );
        assert_eq!(q.len(), 16 - 1 - 1 - 3);
        // Four turns taken by flow 0: flow 1 has the next four, then they
        // alternate again.
        let next: Vec<u32> = (0..6).filter_map(|_| q.next(11.5, 100.0, |_| {})).map(|r| r.tenant).collect();
        assert_eq!(next, [1, 1, 1, 1, 0, 1]);
        // A flow emptied by a batch leaves no turn behind.
        let mut rest = Vec::new();
        q.take_batch(0, (11.5, 100.0), 10, &mut rest, |_| {});
        assert_eq!(rest.len(), 2);
        assert!((0..3).filter_map(|_| q.next(11.5, 100.0, |_| {})).all(|r| r.tenant == 1));
    }

    #[test]
    fn a_closed_flow_is_passed_over_and_keeps_its_turn() {
        let mut q = Queue::fair(&[1.0, 1.0]);
        for k in 0..3 {
            q.push(0, req(0, f64::from(k)));
            q.push(1, req(1, f64::from(k) + 0.5));
        }
        let only_1 = |r: &Req, _: usize| r.tenant == 1;
        let taken: Vec<u32> = (0..2).filter_map(|_| q.next_open(3.0, 10.0, |_| {}, only_1)).map(|r| r.tenant).collect();
        assert_eq!(taken, [1, 1], "flow 0 is closed");
        // Flow 0 kept its first turn and now catches up.
        let taken: Vec<u32> = (0..4).filter_map(|_| q.next(3.0, 10.0, |_| {})).map(|r| r.tenant).collect();
        assert_eq!(taken, [0, 0, 1, 0]);
        // A shared queue's head blocks what follows it.
        let mut q = Queue::fifo();
        q.push(0, req(0, 0.0));
        q.push(0, req(1, 1.0));
        assert!(q.next_open(2.0, 10.0, |_| {}, only_1).is_none());
        assert_eq!(q.len(), 2);
    }

    #[test]
    fn a_fair_queue_passes_over_a_tenant_with_thirty_in_flight_and_a_tenth_of_them() {
        // Flow 0 has done next to no processing (its share of the recent
        // processing time is nil), flow 1 a lot: only the concurrency rule
        // can make flow 0 noisy.
        let mut q = Queue::quiet(3);
        q.received(1, 1000.0, 0.0);
        q.received(2, 1000.0, 0.0);
        for _ in 0..29 {
            q.received(0, 1e-6, 0.0);
        }
        let take = |q: &mut Queue| {
            q.push(0, req(0, 1.0));
            q.push(2, req(2, 2.0));
            let first = q.next(3.0, 10.0, |_| {}).map(|r| r.tenant);
            q.drain(|_| {});
            first
        };
        // Flow 2, with half the processing time, is noisy by its share; flow
        // 0 with 29 in flight is not: its older message goes first.
        assert_eq!(take(&mut q), Some(0));
        q.received(0, 1e-6, 0.0);
        // 30 of 32 in flight: both noisy; flow 2 has fewer in flight.
        assert_eq!(take(&mut q), Some(2));
        q.finished(0);
        assert_eq!(take(&mut q), Some(0), "29 in flight again");
        // Down to 5 in flight, flow 0 is out of reach of the concurrency
        // rule. Without decay flow 2 would stay noisy by its 1000 s and
        // flow 0 quiet by its 1 s; an hour later flows 1 and 2 weigh
        // nothing against flow 0's new second, which makes flow 0 noisy
        // and flow 2 quiet.
        for _ in 0..24 {
            q.finished(0);
        }
        q.received(0, 1.0, 3600.0);
        assert_eq!(take(&mut q), Some(2));
        // Eight hours on, the weights are rescaled before they overflow
        // (e^480); flow 1's new second is now all the recent processing.
        q.received(1, 1.0, 32_400.0);
        q.push(1, req(1, 32_400.0));
        q.push(2, req(2, 32_401.0));
        assert_eq!(q.next(32_402.0, 10.0, |_| {}).map(|r| r.tenant), Some(2));
        let Queue::Quiet(quiet) = &q else { unreachable!() };
        assert!(quiet.recent_total.is_finite() && quiet.recent_total > 0.0, "{}", quiet.recent_total);
    }

    #[test]
    fn requests_past_their_timeout_are_dropped_at_the_head() {
        let mut q = Queue::fifo();
        q.push(0, req(0, 0.0));
        q.push(0, req(0, 4.0));
        let mut dropped = Vec::new();
        let next = q.next(5.5, 5.0, |r| dropped.push(r.arrival_secs));
        assert_eq!(dropped, vec![0.0]);
        assert_eq!(next.map(|r| r.arrival_secs), Some(4.0));
        assert!(q.is_empty());
    }
}
