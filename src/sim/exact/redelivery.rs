//! Messages whose processing failed, in the per-request engine (docs/model.md,
//! "Queues"): a consumer that could not finish a message (the database
//! refused its write) does not delete it, so the queue offers it again once
//! its visibility timeout, counted from when the consumer received it, has
//! passed; after `max_receives` receives it goes to the dead-letter queue
//! instead. The messages waiting to be offered again are kept here, in the
//! order they become visible.
//!
//! A consumer whose processing outlives the visibility timeout still holds
//! its message when the queue offers it again, so a second consumer may
//! process it too. Such a message gets a record here ([`Req::slot`] holds
//! its index: a queue's messages have no client timeout): how many of its
//! copies are alive and whether one was processed, which deletes the
//! message (copies still waiting then vanish; copies in service finish as
//! duplicates).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::sim::exact::queue::{HOLDS, NO_SLOT, Req};
use crate::sim::exact::slots::Slots;

/// What became of a message whose processing failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failed {
    /// It will be offered again.
    Redelivered,
    /// It was received `max_receives` times and went to the dead-letter
    /// queue.
    DeadLettered,
}

/// A message received while a consumer still held it.
#[derive(Debug, Clone, Copy, Default)]
struct Message {
    /// Its copies alive: held by consumers, hidden, or waiting in a queue.
    copies: u32,
    /// Copies waiting in a compute stack's queue.
    queued: u32,
    /// A consumer processed it (and deleted it).
    deleted: bool,
    /// Its hidden copies that hold its FIFO message group.
    hidden_holds: u8,
    /// Of those, the ones whose hold its deletion let go (they come back
    /// holding nothing).
    released_holds: u8,
}

/// The messages waiting out their visibility timeout.
#[derive(Debug, Default)]
pub struct Redelivery {
    visibility_secs: f64,
    /// Most receives before the dead-letter queue (none: no dead-letter
    /// queue).
    max_receives: Option<u8>,
    /// (visible-again time bits, sequence, slot), smallest first; the
    /// sequence keeps messages visible at the same time in the order they
    /// failed.
    due: BinaryHeap<Reverse<(u64, u64, u32)>>,
    /// The waiting messages.
    slots: Slots<Req>,
    sequence: u64,
    /// Messages received while a consumer held them.
    messages: Slots<Message>,
    /// Copies of deleted messages still waiting in queues (they leave when
    /// they reach a consumer).
    ghosts: usize,
}

impl Redelivery {
    /// Messages offered again `visibility_secs` after they were received,
    /// up to `max_receives` receives (none: until the queue's retention).
    pub fn new(visibility_secs: f64, max_receives: Option<u32>) -> Self {
        Self { visibility_secs, max_receives: max_receives.map(|m| m.min(u32::from(u8::MAX)) as u8), ..Self::default() }
    }

    /// When the next message becomes visible again (infinity when none
    /// waits).
    #[inline]
    pub fn next_secs(&self) -> f64 {
        self.due.peek().map_or(f64::INFINITY, |Reverse((bits, ..))| f64::from_bits(*bits))
    }

    /// Message `req`, received at `received_secs`, failed at `failed_secs`:
    /// it waits until its visibility timeout has passed (at the earliest
    /// when it failed), or goes to the dead-letter queue. A message counts
    /// its receives in [`Req::retries`] (a queued message has no client
    /// retries).
    pub fn failed(&mut self, mut req: Req, received_secs: f64, failed_secs: f64) -> Failed {
        req.retries = req.retries.saturating_add(1);
        if self.max_receives.is_some_and(|most| req.retries >= most) {
            return Failed::DeadLettered;
        }
        self.hide(req, (received_secs + self.visibility_secs).max(failed_secs));
        Failed::Redelivered
    }

    /// Keeps `req` hidden until `due_secs` (after those hidden before it
    /// until then).
    fn hide(&mut self, req: Req, due_secs: f64) {
        if req.flags & HOLDS != 0 && req.slot != NO_SLOT {
            self.edit(req.slot, |m| m.hidden_holds += 1);
        }
        let slot = self.slots.insert(req);
        self.due.push(Reverse((due_secs.to_bits(), self.sequence, slot)));
        self.sequence += 1;
    }

    /// A consumer received `req` at `received_secs` and will still hold it
    /// when its visibility timeout ends: the message comes back then (a copy
    /// is hidden until then), unless it was received `max_receives` times
    /// (the queue would move it to the dead-letter queue; the consumer
    /// still holding it decides its fate). Returns `req` with its message
    /// record.
    pub fn outlived(&mut self, mut req: Req, received_secs: f64) -> Req {
        if req.slot == NO_SLOT {
            req.slot = self.messages.insert(Message { copies: 1, ..Message::default() });
        }
        let mut copy = req;
        copy.retries = copy.retries.saturating_add(1);
        if self.max_receives.is_some_and(|most| copy.retries >= most) {
            return req;
        }
        self.edit(req.slot, |m| m.copies += 1);
        self.hide(copy, received_secs + self.visibility_secs);
        // The hidden copy holds a FIFO queue's message group from now on.
        req.flags &= !HOLDS;
        req
    }

    /// True when `req` is a copy of a message a consumer already processed.
    #[inline]
    pub fn deleted(&self, req: &Req) -> bool {
        req.slot != NO_SLOT && self.messages.get(req.slot).deleted
    }

    /// Copies of `req`'s message alive, `req` among them (1 for a message
    /// without a record).
    pub fn copies(&self, req: &Req) -> u32 {
        if req.slot == NO_SLOT { 1 } else { self.messages.get(req.slot).copies }
    }

    /// A consumer processed `req`'s message: it is deleted, and its copies
    /// waiting in queues become ghosts. Returns how many of its hidden
    /// copies held its FIFO message group: the group is free now (those
    /// copies come back holding nothing).
    pub fn delete(&mut self, req: &Req) -> u8 {
        if req.slot == NO_SLOT {
            return 0;
        }
        let mut m = *self.messages.get(req.slot);
        m.deleted = true;
        self.ghosts += m.queued as usize;
        m.queued = 0;
        let holds = m.hidden_holds;
        m.released_holds += holds;
        m.hidden_holds = 0;
        self.messages.set(req.slot, m);
        holds
    }

    /// Copy `req` went into a compute stack's queue.
    #[inline]
    pub fn queued(&mut self, req: &Req) {
        if req.slot != NO_SLOT {
            self.edit(req.slot, |m| m.queued += 1);
        }
    }

    /// Copy `req` left a compute stack's queue (to a consumer, or dropped):
    /// false when it is a ghost, which goes without a trace (and is
    /// released).
    #[inline]
    pub fn dequeued(&mut self, req: Req) -> bool {
        if req.slot == NO_SLOT {
            return true;
        }
        if self.messages.get(req.slot).deleted {
            self.ghosts -= 1;
            self.release(req);
            return false;
        }
        self.edit(req.slot, |m| m.queued -= 1);
        true
    }

    /// Copy `req` is gone (processed, dropped or a ghost); its message's
    /// record goes with its last copy. Returns `req` without the record
    /// when it was the last.
    pub fn release(&mut self, mut req: Req) -> Req {
        if req.slot != NO_SLOT {
            let m = *self.messages.get(req.slot);
            if m.copies <= 1 {
                self.messages.take(req.slot);
                req.slot = NO_SLOT;
            } else {
                self.edit(req.slot, |m| m.copies -= 1);
            }
        }
        req
    }

    /// Copies of deleted messages still waiting in queues.
    pub fn ghosts(&self) -> usize {
        self.ghosts
    }

    fn edit(&mut self, slot: u32, change: impl FnOnce(&mut Message)) {
        let mut m = *self.messages.get(slot);
        change(&mut m);
        self.messages.set(slot, m);
    }

    /// The next message visible again (call when [`Redelivery::next_secs`]
    /// has come).
    pub fn pop(&mut self) -> Option<Req> {
        let Reverse((.., slot)) = self.due.pop()?;
        let mut req = self.slots.take(slot);
        if req.flags & HOLDS != 0 && req.slot != NO_SLOT {
            let mut m = *self.messages.get(req.slot);
            if m.released_holds > 0 {
                // Its message's deletion let its group go.
                m.released_holds -= 1;
                req.flags &= !HOLDS;
            } else {
                m.hidden_holds -= 1;
            }
            self.messages.set(req.slot, m);
        }
        Some(req)
    }

    /// The messages still waiting.
    pub fn waiting(&self) -> impl Iterator<Item = &Req> + '_ {
        self.due.iter().map(|Reverse((.., slot))| self.slots.get(*slot))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_come_back_after_their_visibility_timeout_in_order_and_then_go_to_the_dead_letter_queue() {
        let mut r = Redelivery::new(30.0, Some(2));
        let req = |tenant| Req::first(0.0, 0.1, tenant);
        assert_eq!(r.failed(req(1), 5.0, 5.1), Failed::Redelivered);
        assert_eq!(r.failed(req(2), 4.0, 5.2), Failed::Redelivered);
        // Received before a visibility timeout shorter than its processing:
        // offered again when it failed.
        let mut short = Redelivery::new(0.05, None);
        short.failed(req(3), 1.0, 1.1);
        assert_eq!(short.next_secs(), 1.1);
        assert_eq!(r.next_secs(), 34.0);
        let first = r.pop().map(|m| m.tenant);
        assert_eq!(first, Some(2));
        let again = r.pop();
        assert_eq!(again.map(|m| (m.tenant, m.retries)), Some((1, 1)));
        assert_eq!(r.next_secs(), f64::INFINITY, "none waits");
        // Its second receive fails too: two receives, the dead-letter queue.
        let Some(again) = again else { return };
        assert_eq!(r.failed(again, 35.0, 35.1), Failed::DeadLettered);
        assert_eq!(r.next_secs(), f64::INFINITY, "it does not come back");
        // Without a dead-letter queue it keeps coming back.
        let mut forever = Redelivery::new(1.0, None);
        let mut m = req(4);
        for k in 0..300 {
            assert_eq!(forever.failed(m, f64::from(k), f64::from(k)), Failed::Redelivered);
            m = forever.pop().unwrap_or(m);
        }
    }
}
