//! A compute stack simulated request by request inside the tick loop
//! (engine `Auto`): where the fluid treatment is known to be off (a stack
//! near or over saturation), the tick's admitted requests of each member
//! are placed in time within the tick, queue for the stack's servers (first
//! come first served, or start-time fair queueing by weight) and are served
//! for service times of their own; what waits past the timeout is dropped.
//!
//! Given a tick's Poisson count, arrival times are independent and uniform
//! over the tick, so placing them so is exact; a member whose usage plan
//! paces it (its arrivals' squared coefficient of variation below 1)
//! arrives evenly spaced instead. Requests waiting or in service at the end
//! of a tick carry over to the next.

use rand::RngExt;
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::scenario::model::Fairness;
use crate::sim::exact::completions::{self, Completions};
use crate::sim::exact::queue::{IN_WINDOW, Queue, READ, Req};
use crate::sim::exact::slots::Slots;
use crate::sim::exact::source::Service;
use crate::sim::raw::TenantRaw;
use crate::sim::tenants::TickFlow;
use crate::sim::windows::WindowFlags;

/// A stack's requests between ticks.
#[derive(Debug, Clone)]
pub struct RequestStack {
    queue: Queue,
    /// Requests in service, by completion time, then job.
    completions: Completions,
    /// Requests in service, by the job index their completion key holds.
    jobs: Slots<Req>,
    /// Servers serving now.
    busy: u32,
    rng: Xoshiro256PlusPlus,
    arrivals: Vec<Req>,
    /// Room to sort a tick's arrivals into, and the sort's bucket counts.
    sorted: Vec<Req>,
    buckets: Vec<u32>,
}

/// What one tick of a request-by-request stack needs from its stack.
#[derive(Debug, Clone, Copy)]
pub struct TickInput<'a> {
    /// Tick start, seconds.
    pub start_secs: f64,
    /// Tick length, seconds.
    pub dt: f64,
    /// Servers available this tick.
    pub servers: u32,
    /// The stack's tenants, ascending.
    pub members: &'a [u32],
    /// Longest wait, seconds.
    pub timeout_secs: f64,
    /// Service times.
    pub service: Service,
    /// Who is inside another tenant's window this tick (what the tick's
    /// requests carry, so that they are counted by when they were sent).
    pub window: WindowFlags<'a>,
}

/// Where a tick's counts go, by tenant.
pub struct TickOutput<'a> {
    /// Requests served this tick.
    pub served: &'a mut [f64],
    /// Requests that waited past the timeout this tick.
    pub drops: &'a mut [f64],
    /// Of the requests served this tick, those sent inside another
    /// tenant's window.
    pub window_served: &'a mut [f64],
    /// Of the requests dropped this tick, those sent inside another
    /// tenant's window.
    pub window_drops: &'a mut [f64],
    /// Raw results.
    pub raw: &'a mut [TenantRaw],
    /// Completions: (tenant, latency in ms, sent inside another tenant's
    /// window).
    pub done: &'a mut Vec<(u32, f64, bool)>,
}

impl RequestStack {
    /// An empty stack sharing by `fairness` among `members` with `weights`
    /// (indexed by tenant), drawing from `rng`.
    pub fn new(fairness: Fairness, members: &[u32], weights: &[f64], rng: Xoshiro256PlusPlus) -> Self {
        let queue = match fairness {
            Fairness::Fifo => Queue::fifo(),
            Fairness::WeightedFair => Queue::fair(&members.iter().map(|&t| weights[t as usize]).collect::<Vec<_>>()),
        };
        Self {
            queue,
            completions: Completions::default(),
            jobs: Slots::default(),
            busy: 0,
            rng,
            arrivals: Vec::new(),
            sorted: Vec::new(),
            buckets: Vec::new(),
        }
    }

    /// Requests waiting or in service.
    pub fn in_system(&self) -> usize {
        self.queue.len() + self.busy as usize
    }

    /// Requests waiting for a server.
    pub fn waiting(&self) -> usize {
        self.queue.len()
    }

    /// Hands the tenant of every waiting request to `each`.
    pub fn for_each_waiting(&self, mut each: impl FnMut(u32)) {
        self.queue.for_each(|req| each(req.tenant));
    }

    /// When the oldest waiting request arrived, if one waits.
    pub fn oldest_arrival_secs(&self) -> Option<f64> {
        self.queue.oldest_arrival_secs()
    }

    /// Adds `count` requests of tenant `t` that are already waiting (the
    /// backlog when the stack turns to requests), as arrived at
    /// `arrival_secs`.
    pub fn add_waiting(&mut self, input: &TickInput<'_>, t: u32, count: u64, arrival_secs: f64) {
        let flow = input.members.binary_search(&t).unwrap_or(0);
        let flags = flags_of(input, t);
        for _ in 0..count {
            let service_secs = input.service.draw(&mut self.rng);
            let req = Req { flags, ..Req::first(arrival_secs, service_secs, t) };
            self.queue.push(flow, req);
        }
    }

    /// Adds a waiting request of tenant `t` sent at `arrival_secs`, inside
    /// another tenant's window or not (a deep stack's backlog returning to
    /// requests).
    pub fn add_sent(&mut self, input: &TickInput<'_>, t: u32, arrival_secs: f64, in_window: bool) {
        let flow = input.members.binary_search(&t).unwrap_or(0);
        let flags = if in_window { READ | IN_WINDOW } else { READ };
        let service_secs = input.service.draw(&mut self.rng);
        self.queue.push(flow, Req { flags, ..Req::first(arrival_secs, service_secs, t) });
    }

    fn start(&mut self, req: Req, at_secs: f64) {
        self.busy += 1;
        let job = self.jobs.insert(req);
        self.completions.push(completions::key(at_secs + req.service_secs, job));
    }

    fn start_waiting(&mut self, input: &TickInput<'_>, at_secs: f64, out: &mut TickOutput<'_>) {
        while self.busy < input.servers {
            let next = self.queue.next(at_secs, input.timeout_secs, |req| {
                count_drop(&req, input.timeout_secs, out);
            });
            match next {
                Some(req) => {
                    note_wait(&req, at_secs, out);
                    self.start(req, at_secs);
                }
                None => break,
            }
        }
    }

    fn complete(&mut self, job: u32, at_secs: f64, out: &mut TickOutput<'_>) {
        let req = self.jobs.take(job);
        self.busy -= 1;
        count_done(&req, at_secs, out);
    }

    /// Simulates one tick: the members' admitted requests (`now`) arrive,
    /// queue and are served. Counts go to `out` (cleared for the members
    /// first), completions to its `done`.
    pub fn tick(&mut self, input: &TickInput<'_>, now: &[TickFlow], out: &mut TickOutput<'_>) {
        for &t in input.members {
            let t = t as usize;
            out.served[t] = 0.0;
            out.drops[t] = 0.0;
            out.window_served[t] = 0.0;
            out.window_drops[t] = 0.0;
        }
        let (start, dt) = (input.start_secs, input.dt);
        self.arrivals.clear();
        for &t in input.members {
            let f = &now[t as usize];
            let count = f.admitted.max(0) as u64;
            if count == 0 {
                continue;
            }
            // Paced by its plan: evenly spaced; else uniform in the tick.
            let paced = f.ca2 < 1.0;
            let flags = flags_of(input, t);
            let phase: f64 = self.rng.random();
            for k in 0..count {
                let position = if paced { (k as f64 + phase) / count as f64 } else { self.rng.random() };
                let service_secs = input.service.draw(&mut self.rng);
                self.arrivals.push(Req { flags, ..Req::first(start + position * dt, service_secs, t) });
            }
        }
        self.sort_arrivals(start, start + dt);
        if !matches!(self.queue, Queue::Fair(_)) {
            self.tick_fifo(input, out);
            return;
        }
        self.start_waiting(input, start, out);
        let end = start + dt;
        let mut next = 0;
        loop {
            let completion = self.completions.next_secs();
            let arrival = self.arrivals.get(next).map_or(f64::INFINITY, |r| r.arrival_secs);
            if completion.min(arrival) >= end {
                break;
            }
            if completion <= arrival {
                if let Some(key) = self.completions.pop() {
                    self.complete(completions::job_of(key), completion, out);
                    self.start_waiting(input, completion, out);
                }
            } else {
                let req = self.arrivals[next];
                next += 1;
                if self.busy < input.servers && self.queue.is_empty() {
                    self.start(req, arrival);
                } else {
                    let flow = input.members.binary_search(&req.tenant).unwrap_or(0);
                    self.queue.push(flow, req);
                }
            }
        }
    }

    /// [`RequestStack::tick`] on a first-come-first-served queue, without
    /// an event loop: requests start in the order they arrived, so each
    /// (those carried over first, then the tick's in time order) starts at
    /// the latest of its arrival, the moment the request before it started
    /// or was dropped, and the moment a server frees up (the earliest
    /// completions, taken while every server is busy). One that would
    /// start past the timeout is dropped then, and its server stays free.
    /// A request no server takes before the tick ends waits, with every
    /// request after it, into the next tick, whose servers may differ. The
    /// completions come out in time order, as an event loop takes them.
    fn tick_fifo(&mut self, input: &TickInput<'_>, out: &mut TickOutput<'_>) {
        let end = input.start_secs + input.dt;
        let servers = input.servers;
        // The last request started or dropped (those carried over cannot
        // have started before this tick).
        let mut resolved_secs = input.start_secs;
        let mut next = 0;
        let Queue::Fifo(queue) = &mut self.queue else { return };
        // Out of the stack for the tick, so that requests can start meanwhile.
        let mut waiting = std::mem::take(queue);
        loop {
            let carried = !waiting.is_empty();
            let req = match waiting.front() {
                Some(&req) => req,
                None if next < self.arrivals.len() => self.arrivals[next],
                None => break,
            };
            let mut start_secs = req.arrival_secs.max(resolved_secs);
            let (mut blocked, mut started) = (false, false);
            while self.busy >= servers {
                let Some(earliest) = self.completions.peek().filter(|&k| completions::secs_of(k) < end) else {
                    blocked = true;
                    break;
                };
                let free_secs = completions::secs_of(earliest);
                start_secs = start_secs.max(free_secs);
                let job = completions::job_of(earliest);
                if self.busy == servers && start_secs - req.arrival_secs <= input.timeout_secs {
                    // The server that frees takes it: its job's place and
                    // one step through the completions.
                    count_done(self.jobs.get(job), free_secs, out);
                    note_wait(&req, start_secs, out);
                    self.jobs.set(job, req);
                    self.completions.replace_earliest(completions::key(start_secs + req.service_secs, job));
                    started = true;
                    break;
                }
                self.completions.pop();
                self.complete(job, free_secs, out);
            }
            if blocked {
                // It and everything after it wait into the next tick.
                waiting.extend(self.arrivals.drain(next..));
                break;
            }
            if carried {
                waiting.pop_front();
            } else {
                next += 1;
            }
            resolved_secs = start_secs;
            if started {
                continue;
            }
            if start_secs - req.arrival_secs > input.timeout_secs {
                count_drop(&req, input.timeout_secs, out);
            } else {
                note_wait(&req, start_secs, out);
                self.start(req, start_secs);
            }
        }
        self.queue = Queue::Fifo(waiting);
        while let Some(key) = self.completions.peek().filter(|&k| completions::secs_of(k) < end) {
            self.completions.pop();
            self.complete(completions::job_of(key), completions::secs_of(key), out);
        }
    }

    /// Puts the tick's arrivals (from `from_secs` to `to_secs`) in time
    /// order: the order `sort_unstable_by_key` on the times' bits gives (a
    /// non-negative time's bits order as it does), found in linear time
    /// for times spread over the tick.
    ///
    /// A counting sort into one bucket per request by time (a bucket's
    /// index never decreases with the time, so only requests within a
    /// bucket can be out of order), then an insertion sort, which moves
    /// only those. With all times distinct every sort gives the same
    /// order; two requests at the very same time would be placed as the
    /// library's sort places them, so then it sorts them instead.
    fn sort_arrivals(&mut self, from_secs: f64, to_secs: f64) {
        let n = self.arrivals.len();
        if n < 2 {
            return;
        }
        let per_sec = n as f64 / (to_secs - from_secs);
        // Non-negative, so truncation is floor (and saturates).
        let bucket = |secs: f64| (((secs - from_secs).max(0.0) * per_sec) as usize).min(n - 1);
        self.buckets.clear();
        self.buckets.resize(n + 1, 0);
        for r in &self.arrivals {
            self.buckets[bucket(r.arrival_secs) + 1] += 1;
        }
        for b in 1..=n {
            self.buckets[b] += self.buckets[b - 1];
        }
        self.sorted.clear();
        self.sorted.resize(n, self.arrivals[0]);
        for r in &self.arrivals {
            let place = &mut self.buckets[bucket(r.arrival_secs)];
            self.sorted[*place as usize] = *r;
            *place += 1;
        }
        let key = |r: &Req| r.arrival_secs.to_bits();
        for i in 1..n {
            let r = self.sorted[i];
            let mut j = i;
            while j > 0 && key(&self.sorted[j - 1]) > key(&r) {
                self.sorted[j] = self.sorted[j - 1];
                j -= 1;
            }
            self.sorted[j] = r;
        }
        if self.sorted.windows(2).any(|w| key(&w[0]) == key(&w[1])) {
            self.arrivals.sort_unstable_by_key(key);
        } else {
            std::mem::swap(&mut self.arrivals, &mut self.sorted);
        }
    }

    /// Ends request-by-request treatment: requests in service finish,
    /// counted now (the queue is empty).
    pub fn finish_in_service(&mut self, out: &mut TickOutput<'_>) {
        while let Some(key) = self.completions.pop() {
            self.complete(completions::job_of(key), completions::secs_of(key), out);
        }
    }

    /// Empties the stack, handing every request waiting or in service to
    /// `each` as (arrival time, tenant, sent inside another tenant's
    /// window); it keeps its random stream.
    pub fn drain(&mut self, mut each: impl FnMut(f64, u32, bool)) {
        self.queue.drain(|req| each(req.arrival_secs, req.tenant, req.in_window()));
        for key in self.completions.drain() {
            let req = self.jobs.take(completions::job_of(key));
            each(req.arrival_secs, req.tenant, req.in_window());
        }
        self.busy = 0;
    }

    /// At the end of the run: requests waiting or in service, by tenant,
    /// as (tenant, dropped, how long it has waited, at most the timeout,
    /// sent inside another tenant's window) given the end time.
    pub fn left_at_end(&mut self, end_secs: f64, timeout_secs: f64, mut each: impl FnMut(u32, bool, f64, bool)) {
        self.queue.drain(|req| {
            let waited = end_secs - req.arrival_secs;
            each(req.tenant, waited > timeout_secs, waited.min(timeout_secs), req.in_window());
        });
        for key in self.completions.drain() {
            let req = self.jobs.get(completions::job_of(key));
            each(req.tenant, false, 0.0, req.in_window());
        }
        self.busy = 0;
    }
}

/// The flags of tenant `t`'s requests arriving this tick.
fn flags_of(input: &TickInput<'_>, t: u32) -> u8 {
    if input.window.of(t as usize) { READ | IN_WINDOW } else { READ }
}

/// Counts `req` served at `at_secs`.
#[inline]
fn count_done(req: &Req, at_secs: f64, out: &mut TickOutput<'_>) {
    let t = req.tenant as usize;
    out.served[t] += 1.0;
    out.raw[t].compute_requests += 1.0;
    if req.in_window() {
        out.window_served[t] += 1.0;
    }
    out.done.push((req.tenant, (at_secs - req.arrival_secs) * 1e3, req.in_window()));
}

/// Notes that `req` waited until `start_secs` for a server.
#[inline]
fn note_wait(req: &Req, start_secs: f64, out: &mut TickOutput<'_>) {
    let raw = &mut out.raw[req.tenant as usize];
    raw.longest_wait_secs = raw.longest_wait_secs.max(start_secs - req.arrival_secs);
}

/// Counts `req` dropped for waiting past the timeout, `timeout_secs`.
fn count_drop(req: &Req, timeout_secs: f64, out: &mut TickOutput<'_>) {
    let t = req.tenant as usize;
    out.drops[t] += 1.0;
    out.raw[t].dropped_timeout += 1.0;
    out.raw[t].longest_wait_secs = out.raw[t].longest_wait_secs.max(timeout_secs);
    if req.in_window() {
        out.window_drops[t] += 1.0;
    }
}

#[cfg(test)]
mod tests {
    use rand::{RngExt, SeedableRng};

    use super::*;

    /// What a stack counted in one tick, by tenant, and its completions.
    #[derive(Debug, PartialEq)]
    struct Counted {
        served: Vec<f64>,
        drops: Vec<f64>,
        window_served: Vec<f64>,
        window_drops: Vec<f64>,
        done: Vec<(u32, f64, bool)>,
    }

    /// Simulates one tick of `stack` and returns what it counted.
    fn counted(stack: &mut RequestStack, input: &TickInput<'_>, now: &[TickFlow], raw: &mut [TenantRaw]) -> Counted {
        let tenants = raw.len();
        let mut c = Counted {
            served: vec![0.0; tenants],
            drops: vec![0.0; tenants],
            window_served: vec![0.0; tenants],
            window_drops: vec![0.0; tenants],
            done: Vec::new(),
        };
        let mut out = TickOutput {
            served: &mut c.served,
            drops: &mut c.drops,
            window_served: &mut c.window_served,
            window_drops: &mut c.window_drops,
            raw,
            done: &mut c.done,
        };
        stack.tick(input, now, &mut out);
        c
    }

    /// What a stack counted in each tick (its completions sorted, when
    /// `sorted`), and the requests in system and waiting at its end.
    type Tick = (Counted, usize, usize);

    /// Each tenant's longest wait and timeout drops.
    type Waits = Vec<(f64, f64)>;

    /// `ticks` one-second ticks of a stack of `members` sharing by
    /// `fairness`, with `service`, servers and admitted counts drawn from
    /// `seed` (overload, no servers at all, fewer servers than are busy),
    /// every other tick inside a window; then what is left at the end.
    fn run_with(
        fairness: Fairness,
        members: &[u32],
        seed: u64,
        ticks: u32,
        service: Service,
        sorted: bool,
    ) -> (Vec<Tick>, Vec<(u32, bool)>, Waits) {
        let tenants = members.len();
        let mut load = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
        let rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed + 1);
        let mut stack = RequestStack::new(fairness, members, &vec![1.0; tenants], rng);
        let mut raw = vec![TenantRaw::default(); tenants];
        let mut seen = Vec::new();
        for tick in 0..ticks {
            let servers = [0, 1, 2, 4, 4, 8][load.random_range(0..6)];
            let now: Vec<TickFlow> = (0..tenants)
                .map(|t| TickFlow {
                    intensity: 0.0,
                    ca2: if t == 0 { 1.0 } else { 0.5 },
                    plan_admitted: 0,
                    admitted: load.random_range(0..150),
                })
                .collect();
            let input = TickInput {
                start_secs: f64::from(tick),
                dt: 1.0,
                servers,
                members,
                timeout_secs: 0.4,
                service,
                window: if tick % 2 == 0 { WindowFlags::everyone() } else { WindowFlags::none() },
            };
            let mut c = counted(&mut stack, &input, &now, &mut raw);
            if sorted {
                c.done.sort_by_key(|d| (d.0, d.1.to_bits(), d.2));
            }
            seen.push((c, stack.in_system(), stack.waiting()));
        }
        let mut left = Vec::new();
        stack.left_at_end(f64::from(ticks), 0.4, |t, dropped, _, _| left.push((t, dropped)));
        let waits = raw.iter().map(|r| (r.longest_wait_secs, r.dropped_timeout)).collect();
        (seen, left, waits)
    }

    /// [`run_with`] exponential 20 ms service.
    fn run(fairness: Fairness, members: &[u32], seed: u64, ticks: u32) -> (Vec<Tick>, Vec<(u32, bool)>) {
        let (seen, left, _) = run_with(fairness, members, seed, ticks, Service::Exponential { mean_secs: 0.02 }, false);
        (seen, left)
    }

    #[test]
    fn a_fifo_tick_serves_as_an_event_loop_over_one_fair_flow_does() {
        // With one tenant the fair queue is first in, first out, and is
        // simulated event by event: the FIFO path must give the very same
        // ticks, whatever the servers do between them, with the same
        // windows, waits and drops. With fixed service times requests that
        // start together complete together, and the two may list them in
        // another order.
        let services =
            [(Service::Exponential { mean_secs: 0.02 }, false), (Service::Deterministic { secs: 0.03 }, true)];
        for (service, sorted) in services {
            for seed in [1, 2, 3] {
                let fifo = run_with(Fairness::Fifo, &[0], seed, 60, service, sorted);
                let fair = run_with(Fairness::WeightedFair, &[0], seed, 60, service, sorted);
                assert_eq!(fifo, fair, "seed {seed}, {service:?}");
                let dropped: f64 = fifo.0.iter().map(|t| t.0.drops[0]).sum();
                let in_window: f64 = fifo.0.iter().map(|t| t.0.window_served[0] + t.0.window_drops[0]).sum();
                let waited = fifo.0.iter().filter(|t| t.2 > 0).count();
                assert!(
                    dropped > 100.0 && waited > 5 && in_window > 100.0,
                    "the case overloads: {dropped} dropped, {waited} ticks waiting, {in_window} in windows"
                );
                assert!(fifo.2[0].0 > 0.3 && fifo.2[0].1 == dropped, "{:?}", fifo.2);
            }
        }
    }

    #[test]
    fn a_fifo_stack_accounts_for_every_request_and_serves_within_its_timeout() {
        let (ticks, left) = run(Fairness::Fifo, &[0, 1, 2], 7, 60);
        let arrived: usize = {
            // The same draws again, counted.
            let mut load = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(7);
            (0..60)
                .map(|_| {
                    let _servers: usize = load.random_range(0..6);
                    (0..3).map(|_| load.random_range(0..150i64) as usize).sum::<usize>()
                })
                .sum()
        };
        let served: f64 = ticks.iter().map(|t| t.0.served.iter().sum::<f64>()).sum();
        let dropped: f64 = ticks.iter().map(|t| t.0.drops.iter().sum::<f64>()).sum();
        assert_eq!(served as usize + dropped as usize + left.len(), arrived, "every request is accounted for once");
        for (counted, _, _) in &ticks {
            for &(_, ms, _) in &counted.done {
                // Waited at most the timeout, then served (exponential
                // service past 1 s has probability e^-50).
                assert!((0.0..1400.0).contains(&ms), "{ms} ms");
            }
        }
    }

    #[test]
    fn a_request_counts_in_the_window_it_was_sent_in_when_served_after_it() {
        // 100 requests sent inside another tenant's window in the first
        // tick, to one server taking about 50 a second, then nothing sent
        // and no window: every one of them is served in the window figures,
        // about half of them in the ticks after it.
        let rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(4);
        let mut stack = RequestStack::new(Fairness::Fifo, &[0], &[1.0], rng);
        let mut raw = vec![TenantRaw::default()];
        let mut seen = Vec::new();
        for tick in 0..4u32 {
            let admitted = if tick == 0 { 100 } else { 0 };
            let now = [TickFlow { intensity: 0.0, ca2: 1.0, plan_admitted: 0, admitted }];
            let input = TickInput {
                start_secs: f64::from(tick),
                dt: 1.0,
                servers: 1,
                members: &[0],
                timeout_secs: 30.0,
                service: Service::Exponential { mean_secs: 0.02 },
                window: if tick == 0 { WindowFlags::everyone() } else { WindowFlags::none() },
            };
            let c = counted(&mut stack, &input, &now, &mut raw);
            seen.push((c.served[0], c.window_served[0], c.done.iter().filter(|d| d.2).count() as f64));
        }
        assert_eq!(stack.in_system(), 0, "all served within four seconds");
        let later: f64 = seen[1..].iter().map(|t| t.1).sum();
        assert!(later > 20.0, "{later} of them served after the window's tick");
        for (served, in_window, flagged) in &seen {
            assert_eq!((served, in_window), (flagged, flagged), "every one served counts inside");
        }
        assert_eq!(seen.iter().map(|t| t.1).sum::<f64>(), 100.0);
    }
}
