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
use crate::sim::exact::queue::{Queue, Req};
use crate::sim::exact::source::Service;
use crate::sim::raw::TenantRaw;
use crate::sim::tenants::TickFlow;

/// A stack's requests between ticks.
#[derive(Debug, Clone)]
pub struct RequestStack {
    queue: Queue,
    /// Requests in service, by completion time, then job.
    completions: Completions,
    jobs: Vec<Req>,
    free: Vec<u32>,
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
}

/// Where a tick's counts go, by tenant.
pub struct TickOutput<'a> {
    /// Requests served this tick.
    pub served: &'a mut [f64],
    /// Requests that waited past the timeout this tick.
    pub drops: &'a mut [f64],
    /// Raw results.
    pub raw: &'a mut [TenantRaw],
    /// Completions: (tenant, latency in ms).
    pub done: &'a mut Vec<(u32, f64)>,
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
            jobs: Vec::new(),
            free: Vec::new(),
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

    /// When the oldest waiting request arrived, if one waits.
    pub fn oldest_arrival_secs(&self) -> Option<f64> {
        self.queue.oldest_arrival_secs()
    }

    /// Adds `count` requests of tenant `t` that are already waiting (the
    /// backlog when the stack turns to requests), as arrived at
    /// `arrival_secs`.
    pub fn add_waiting(&mut self, input: &TickInput<'_>, t: u32, count: u64, arrival_secs: f64) {
        let flow = input.members.binary_search(&t).unwrap_or(0);
        for _ in 0..count {
            let service_secs = input.service.draw(&mut self.rng);
            let req = Req::first(arrival_secs, service_secs, t);
            self.queue.push(flow, req);
        }
    }

    fn start(&mut self, req: Req, at_secs: f64) {
        self.busy += 1;
        let job = match self.free.pop() {
            Some(i) => {
                self.jobs[i as usize] = req;
                i
            }
            None => {
                self.jobs.push(req);
                (self.jobs.len() - 1) as u32
            }
        };
        self.completions.push(completions::key(at_secs + req.service_secs, job));
    }

    fn start_waiting(&mut self, input: &TickInput<'_>, at_secs: f64, out: &mut TickOutput<'_>) {
        while self.busy < input.servers {
            let next = self.queue.next(at_secs, input.timeout_secs, |req| {
                let t = req.tenant as usize;
                out.drops[t] += 1.0;
                out.raw[t].dropped_timeout += 1.0;
            });
            match next {
                Some(req) => self.start(req, at_secs),
                None => break,
            }
        }
    }

    fn complete(&mut self, job: u32, at_secs: f64, out: &mut TickOutput<'_>) {
        let req = self.jobs[job as usize];
        self.free.push(job);
        self.busy -= 1;
        let t = req.tenant as usize;
        out.served[t] += 1.0;
        out.raw[t].compute_requests += 1.0;
        out.done.push((req.tenant, (at_secs - req.arrival_secs) * 1e3));
    }

    /// Simulates one tick: the members' admitted requests (`now`) arrive,
    /// queue and are served. Counts go to `out` (cleared for the members
    /// first), completions to its `done`.
    pub fn tick(&mut self, input: &TickInput<'_>, now: &[TickFlow], out: &mut TickOutput<'_>) {
        for &t in input.members {
            out.served[t as usize] = 0.0;
            out.drops[t as usize] = 0.0;
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
            let phase: f64 = self.rng.random();
            for k in 0..count {
                let position = if paced { (k as f64 + phase) / count as f64 } else { self.rng.random() };
                let service_secs = input.service.draw(&mut self.rng);
                self.arrivals.push(Req::first(start + position * dt, service_secs, t));
            }
        }
        self.sort_arrivals(start, start + dt);
        self.start_waiting(input, start, out);
        let fair = matches!(self.queue, Queue::Fair(_));
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
                    // A FIFO queue has one flow.
                    let flow = if fair { input.members.binary_search(&req.tenant).unwrap_or(0) } else { 0 };
                    self.queue.push(flow, req);
                }
            }
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

    /// At the end of the run: requests waiting or in service, by tenant,
    /// as (in flight, dropped) given the end time.
    pub fn left_at_end(&mut self, end_secs: f64, timeout_secs: f64, mut each: impl FnMut(u32, bool)) {
        self.queue.drain(|req| each(req.tenant, end_secs - req.arrival_secs > timeout_secs));
        for key in self.completions.drain() {
            each(self.jobs[completions::job_of(key) as usize].tenant, false);
        }
        self.busy = 0;
    }
}
