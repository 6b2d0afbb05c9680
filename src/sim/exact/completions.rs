//! Requests in service, by completion time: the per-request engine's and
//! `Auto`'s request-by-request stacks take the earliest next, so this is
//! the one priority queue of their hot loops.
//!
//! A key is a completion time's bits (a non-negative f64 orders as its
//! bits do) above a job index, so keys are distinct and the order is total:
//! whatever holds them, they come out in the same order. While few
//! requests are in service (the usual case: a task's busy servers) they
//! are kept sorted, latest first, and the earliest is taken from the end;
//! a new key's place is counted without a branch. Past
//! [`SORTED_MOST`] they move to a binary heap, and back below
//! [`SORTED_BACK`].

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Most keys kept in the sorted array.
const SORTED_MOST: usize = 32;

/// Keys below which a heap turns back into the sorted array.
const SORTED_BACK: usize = 8;

/// The key of a request completing at `t_secs` (non-negative) as job `job`.
#[inline]
pub fn key(t_secs: f64, job: u32) -> u128 {
    (u128::from(t_secs.to_bits()) << 32) | u128::from(job)
}

/// The completion time of `key`, seconds.
#[inline]
pub fn secs_of(key: u128) -> f64 {
    f64::from_bits((key >> 32) as u64)
}

/// The job of `key`.
#[inline]
pub fn job_of(key: u128) -> u32 {
    key as u32
}

/// Requests in service, earliest completion first.
#[derive(Debug, Clone, Default)]
pub struct Completions {
    /// Keys, latest first (used while `heap` is empty and unused).
    sorted: Vec<u128>,
    /// Keys, when there are many.
    heap: BinaryHeap<Reverse<u128>>,
    /// True while the keys are in `heap`.
    in_heap: bool,
}

impl Completions {
    /// Adds `key`.
    #[inline]
    pub fn push(&mut self, key: u128) {
        if self.in_heap {
            self.heap.push(Reverse(key));
        } else if self.sorted.len() < SORTED_MOST {
            // Keys later than the new one stay in front of it.
            let place: usize = self.sorted.iter().map(|&k| usize::from(k > key)).sum();
            // A few keys: shifted one by one rather than by a call to move
            // memory.
            self.sorted.push(key);
            let mut i = self.sorted.len() - 1;
            while i > place {
                self.sorted[i] = self.sorted[i - 1];
                i -= 1;
            }
            self.sorted[place] = key;
        } else {
            self.heap.extend(self.sorted.drain(..).map(Reverse));
            self.heap.push(Reverse(key));
            self.in_heap = true;
        }
    }

    /// Replaces the earliest key (call only when there is one) with `key`:
    /// the same as [`Completions::pop`] then [`Completions::push`], with
    /// one pass through the heap instead of two.
    #[inline]
    pub fn replace_earliest(&mut self, key: u128) {
        if let Some(mut earliest) = self.heap.peek_mut() {
            *earliest = Reverse(key);
        } else {
            self.sorted.pop();
            self.push(key);
        }
    }

    /// The earliest key, if any.
    #[inline]
    pub fn peek(&self) -> Option<u128> {
        if self.in_heap { self.heap.peek().map(|&Reverse(k)| k) } else { self.sorted.last().copied() }
    }

    /// Takes the earliest key, if any.
    #[inline]
    pub fn pop(&mut self) -> Option<u128> {
        if !self.in_heap {
            return self.sorted.pop();
        }
        let key = self.heap.pop().map(|Reverse(k)| k);
        if self.heap.len() < SORTED_BACK {
            self.sorted.extend(self.heap.drain().map(|Reverse(k)| k));
            self.sorted.sort_unstable_by(|a, b| b.cmp(a));
            self.in_heap = false;
        }
        key
    }

    /// The earliest completion time, seconds (infinity when none).
    #[inline]
    pub fn next_secs(&self) -> f64 {
        self.peek().map_or(f64::INFINITY, secs_of)
    }

    /// Every key, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = u128> + '_ {
        self.sorted.iter().copied().chain(self.heap.iter().map(|&Reverse(k)| k))
    }

    /// Takes every key, in no particular order.
    pub fn drain(&mut self) -> impl Iterator<Item = u128> + '_ {
        self.in_heap = false;
        self.sorted.drain(..).chain(self.heap.drain().map(|Reverse(k)| k))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn keys_come_out_in_order_through_both_forms() {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(7);
        let mut c = Completions::default();
        let mut reference = BinaryHeap::new();
        let mut job = 0u32;
        // Grow past the sorted form's size, shrink back, and again.
        for round in 0..4000 {
            let grow = (round / 500) % 2 == 0;
            if grow || rng.next_u32() % 3 == 0 {
                let t = f64::from(rng.next_u32() % 1000) * 1e-3 + f64::from(round) * 1e-3;
                c.push(key(t, job));
                reference.push(Reverse(key(t, job)));
                job += 1;
            } else if rng.next_u32() % 2 == 0 && c.peek().is_some() {
                // A request starting as another completes.
                let later = c.peek().map_or(0, |k| k + (u128::from(rng.next_u32() % 500) << 40));
                c.replace_earliest(later);
                reference.pop();
                reference.push(Reverse(later));
            } else {
                assert_eq!(c.pop(), reference.pop().map(|Reverse(k)| k));
            }
            assert_eq!(c.peek(), reference.peek().map(|&Reverse(k)| k));
        }
        while let Some(Reverse(k)) = reference.pop() {
            assert_eq!(c.pop(), Some(k));
        }
        assert_eq!(c.pop(), None);
        assert_eq!(c.next_secs(), f64::INFINITY);
    }

    #[test]
    fn a_key_holds_its_time_and_job() {
        let k = key(1.25, 9);
        assert_eq!((secs_of(k), job_of(k)), (1.25, 9));
        assert!(key(1.25, 10) > k && key(1.5, 0) > k);
    }
}
