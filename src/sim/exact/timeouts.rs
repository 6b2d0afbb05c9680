//! Clients' own timeouts in the per-request engine: a client whose tier
//! has a `timeout` stops waiting for an attempt that long after sending
//! it, and retries it if its policy allows (docs/model.md, "Clients'
//! timeouts"). The server does not know: the attempt stays in its queue or
//! in service, and the work it is then given is wasted.
//!
//! Every admitted attempt of such a tenant takes a slot that says whether
//! its client still waits. Attempts arrive in time order and a tier's
//! timeout is one number, so each tier's deadlines come due in the order
//! they were set: a first-in, first-out line per tier holds them, and the
//! earliest deadline is the earliest of the lines' fronts.

use std::collections::VecDeque;

use crate::scenario::model::Scenario;
use crate::sim::exact::queue::NO_SLOT;
use crate::sim::exact::retries::Attempt;

/// Where an attempt's client stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Client {
    /// Waiting for the answer.
    Waiting,
    /// Answered (served, or told it failed) before its deadline; the slot
    /// is free once the deadline comes.
    Answered,
    /// Served, but its answer (after the gateway's and the database's
    /// latency) would reach the client after its deadline: the client
    /// gives up then, and the slot is free.
    Late,
    /// Gave up at its deadline; the slot is free once the server is done.
    GaveUp,
}

/// One admitted attempt whose client has a timeout.
#[derive(Debug, Clone, Copy)]
struct Slot {
    attempt: Attempt,
    client: Client,
    /// When its client gives up, seconds.
    due_secs: f64,
}

/// A deadline: when, and whose.
#[derive(Debug, Clone, Copy)]
struct Deadline {
    due_secs: f64,
    slot: u32,
}

/// Every tenant's client timeout and the deadlines counting down.
#[derive(Debug)]
pub struct Timeouts {
    /// Each tenant's tier's line, if its clients have a timeout.
    line_of: Vec<Option<u32>>,
    /// Each line's timeout, seconds.
    timeout_secs: Vec<f64>,
    /// Each line's deadlines, earliest first.
    lines: Vec<VecDeque<Deadline>>,
    slots: Vec<Slot>,
    free: Vec<u32>,
    /// The earliest deadline (infinity when none), and its line.
    next_secs: f64,
    next_line: usize,
    /// No tier's clients have a timeout: nothing ever counts down.
    none: bool,
}

impl Timeouts {
    /// The timeouts of `sc`'s tenants' clients.
    pub fn new(sc: &Scenario) -> Self {
        let mut line_of_tier = vec![None; sc.tiers.len()];
        let mut timeout_secs = Vec::new();
        for (k, tier) in sc.tiers.iter().enumerate() {
            if let Some(secs) = tier.retry.and_then(|r| r.timeout_secs) {
                line_of_tier[k] = Some(timeout_secs.len() as u32);
                timeout_secs.push(secs);
            }
        }
        Self {
            none: timeout_secs.is_empty(),
            line_of: sc.tenants.iter().map(|t| line_of_tier[t.tier]).collect(),
            lines: vec![VecDeque::new(); timeout_secs.len()],
            timeout_secs,
            slots: Vec::new(),
            free: Vec::new(),
            next_secs: f64::INFINITY,
            next_line: 0,
        }
    }

    /// True when no tier's clients have a timeout.
    pub fn is_none(&self) -> bool {
        self.none
    }

    /// When the next client gives up, unless answered first (infinity when
    /// no deadline is counting down).
    #[inline]
    pub fn next_secs(&self) -> f64 {
        self.next_secs
    }

    /// `attempt` was admitted at its `drawn.secs`: its client's deadline
    /// starts counting down. Returns its slot ([`NO_SLOT`] when its client
    /// has no timeout).
    #[inline]
    pub fn start(&mut self, attempt: &Attempt) -> u32 {
        if self.none { NO_SLOT } else { self.start_slowly(attempt) }
    }

    /// [`Timeouts::start`] when some client has a timeout.
    #[inline(never)]
    fn start_slowly(&mut self, attempt: &Attempt) -> u32 {
        let Some(Some(line)) = self.line_of.get(attempt.drawn.tenant as usize).copied() else { return NO_SLOT };
        let due_secs = attempt.drawn.secs + self.timeout_secs[line as usize];
        let entry = Slot { attempt: *attempt, client: Client::Waiting, due_secs };
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize] = entry;
                slot
            }
            None => {
                self.slots.push(entry);
                (self.slots.len() - 1) as u32
            }
        };
        self.lines[line as usize].push_back(Deadline { due_secs, slot });
        if due_secs < self.next_secs {
            self.next_secs = due_secs;
            self.next_line = line as usize;
        }
        slot
    }

    /// The deadline due at [`Timeouts::next_secs`] comes: returns the
    /// attempt whose client gives up then, or `None` when it was answered
    /// in time (call only when `next_secs` is finite).
    pub fn come_due(&mut self) -> Option<Attempt> {
        let deadline = self.lines[self.next_line].pop_front()?;
        self.update_next();
        let slot = &mut self.slots[deadline.slot as usize];
        match slot.client {
            Client::Waiting => {
                slot.client = Client::GaveUp;
                Some(slot.attempt)
            }
            Client::Late => {
                let attempt = slot.attempt;
                self.free.push(deadline.slot);
                Some(attempt)
            }
            Client::Answered | Client::GaveUp => {
                self.free.push(deadline.slot);
                None
            }
        }
    }

    fn update_next(&mut self) {
        self.next_secs = f64::INFINITY;
        for (k, line) in self.lines.iter().enumerate() {
            if let Some(front) = line.front()
                && front.due_secs < self.next_secs
            {
                self.next_secs = front.due_secs;
                self.next_line = k;
            }
        }
    }

    /// The server is done with the attempt in `slot` (failed it, or
    /// served it), its answer reaching the client at `answer_secs`: true
    /// when the client is still waiting then, false when it had given up
    /// or will have by then (the work was wasted). Call at most once per
    /// attempt, in time order with the deadlines (a waiting client's
    /// deadline is still ahead).
    #[inline]
    pub fn answer(&mut self, slot: u32, answer_secs: f64) -> bool {
        if slot == NO_SLOT {
            return true;
        }
        let entry = &mut self.slots[slot as usize];
        match entry.client {
            Client::GaveUp => {
                self.free.push(slot);
                false
            }
            // At its deadline the client gives up (a deadline comes before
            // anything else at its time).
            Client::Waiting if answer_secs >= entry.due_secs => {
                entry.client = Client::Late;
                false
            }
            Client::Waiting | Client::Answered | Client::Late => {
                entry.client = Client::Answered;
                true
            }
        }
    }

    /// The tenant of each attempt served whose answer would reach its
    /// client after its deadline, the deadline still to come (at the end
    /// of a run: requests still under way for their clients).
    pub fn late(&self) -> impl Iterator<Item = usize> + '_ {
        self.lines
            .iter()
            .flatten()
            .filter(|d| self.slots[d.slot as usize].client == Client::Late)
            .map(|d| self.slots[d.slot as usize].attempt.drawn.tenant as usize)
    }

    /// True when the client of the attempt in `slot` has given up on it
    /// (a reading; changes nothing).
    #[inline]
    pub fn gave_up(&self, slot: u32) -> bool {
        slot != NO_SLOT && matches!(self.slots[slot as usize].client, Client::GaveUp | Client::Late)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Limits, load_str};
    use crate::sim::exact::arrivals::Drawn;

    fn two_tiers() -> Scenario {
        let text = r#"Scenario(
            version: 1,
            name: "t",
            clock: (duration: "1m", tick: "1s", seed: 1, replications: 1),
            tiers: {
                "patient": (price_per_month: 1.0, retry: (attempts: 2, backoff: Constant("1s"))),
                "brief": (price_per_month: 1.0, retry: (attempts: 1, backoff: Constant("1s"), timeout: "2s")),
                "briefer": (price_per_month: 1.0, retry: (attempts: 3, backoff: Constant("1s"), timeout: "500ms")),
            },
            tenants: [
                Tenant(id: "a", tier: "patient", load: (rate: 1.0)),
                Tenant(id: "b", tier: "brief", load: (rate: 1.0)),
                Tenant(id: "c", tier: "briefer", load: (rate: 1.0)),
            ],
            layers: (compute: (service_time: Exponential(mean_ms: 10.0), concurrency: 1, instances: (min: 1, max: 1), price_per_hour: 0.1)),
            designs: [(name: "pool", placement: { "*": Pool })],
        )"#;
        match load_str(text, &Limits::default()) {
            Ok((_, sc)) => sc,
            Err(e) => panic!("{e}"),
        }
    }

    fn attempt(tenant: u32, secs: f64) -> Attempt {
        let drawn = Drawn { secs, service_secs: 0.01, tenant, shard: 0, read: true, init_secs: 0.0 };
        Attempt { drawn, retries: 0, first_secs: secs, in_window: false }
    }

    #[test]
    fn deadlines_come_due_in_time_order_across_tiers_and_skip_the_answered() {
        let sc = two_tiers();
        let mut timeouts = Timeouts::new(&sc);
        // A client without a timeout takes no slot.
        assert_eq!(timeouts.start(&attempt(0, 0.0)), NO_SLOT);
        assert!(timeouts.answer(NO_SLOT, 0.0));
        // Deadlines: b at 2.0 and 3.0, c at 0.7 and 2.5.
        let b0 = timeouts.start(&attempt(1, 0.0));
        let c0 = timeouts.start(&attempt(2, 0.2));
        let b1 = timeouts.start(&attempt(1, 1.0));
        let c1 = timeouts.start(&attempt(2, 2.0));
        assert_eq!(timeouts.next_secs(), 0.7);
        // c0 is answered in time; b1 too, after b0's client gave up.
        assert!(timeouts.answer(c0, 0.5));
        assert_eq!(timeouts.come_due().map(|a| a.drawn.secs), None);
        assert_eq!(timeouts.next_secs(), 2.0);
        assert_eq!(timeouts.come_due().map(|a| a.drawn.secs), Some(0.0));
        assert!(timeouts.gave_up(b0));
        assert!(timeouts.answer(b1, 2.9));
        assert_eq!(timeouts.next_secs(), 2.5);
        assert_eq!(timeouts.come_due().map(|a| a.drawn.tenant), Some(2));
        assert_eq!(timeouts.next_secs(), 3.0);
        assert_eq!(timeouts.come_due().map(|a| a.drawn.secs), None);
        assert_eq!(timeouts.next_secs(), f64::INFINITY);
        // The server finishing what its clients gave up on is wasted work.
        assert!(!timeouts.answer(b0, 3.5));
        assert!(!timeouts.answer(c1, 3.5));
        // Served in time, but answered (after the other layers) late: its
        // client gives up at its deadline all the same.
        let late = timeouts.start(&attempt(1, 4.0));
        assert!(!timeouts.answer(late, 6.5));
        assert!(timeouts.gave_up(late));
        // Until its deadline comes it is under way for its client.
        assert_eq!(timeouts.late().collect::<Vec<_>>(), vec![1]);
        assert_eq!(timeouts.next_secs(), 6.0);
        assert_eq!(timeouts.come_due().map(|a| a.drawn.secs), Some(4.0));
        assert_eq!(timeouts.late().count(), 0);
        // An answer exactly at the deadline is too late: the deadline comes
        // first.
        let edge = timeouts.start(&attempt(1, 10.0));
        assert!(!timeouts.answer(edge, 12.0));
        assert_eq!(timeouts.come_due().map(|a| a.drawn.secs), Some(10.0));
        // Every slot is free again, and reused.
        assert_eq!(timeouts.free.len(), timeouts.slots.len());
        let again = timeouts.start(&attempt(1, 15.0));
        assert!((again as usize) < timeouts.slots.len());
        assert!(!timeouts.gave_up(again));
    }
}
