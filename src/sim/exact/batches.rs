//! The messages a function's execution took from its queue besides the
//! first (a Lambda trigger's batch): kept by index while the execution
//! runs, their lists reused so that no batch allocates once the run has
//! seen as many at once.

use crate::sim::exact::queue::Req;

/// A job processing one message only.
pub const NO_BATCH: u32 = u32::MAX;

/// Batches in progress, by index.
#[derive(Debug, Clone, Default)]
pub struct Batches {
    lists: Vec<Vec<Req>>,
    free: Vec<u32>,
}

impl Batches {
    /// An empty list to fill (the one freed last, if any).
    pub fn list(&mut self) -> Vec<Req> {
        match self.free.last() {
            Some(&i) => std::mem::take(&mut self.lists[i as usize]),
            None => Vec::new(),
        }
    }

    /// Keeps `list` (not empty) for a job; returns its index. Call right
    /// after [`Batches::list`] (its index is the one that list came from).
    pub fn keep(&mut self, list: Vec<Req>) -> u32 {
        debug_assert!(!list.is_empty(), "an empty batch is no batch");
        match self.free.pop() {
            Some(i) => {
                self.lists[i as usize] = list;
                i
            }
            None => {
                self.lists.push(list);
                (self.lists.len() - 1) as u32
            }
        }
    }

    /// Gives back a list [`Batches::list`] handed out and nothing kept.
    pub fn unused(&mut self, list: Vec<Req>) {
        if let Some(&i) = self.free.last() {
            self.lists[i as usize] = list;
        }
    }

    /// The messages of batch `index`, which stays in progress.
    pub fn get(&self, index: u32) -> &[Req] {
        &self.lists[index as usize]
    }

    /// The messages of batch `index`, to change.
    pub fn get_mut(&mut self, index: u32) -> &mut [Req] {
        &mut self.lists[index as usize]
    }

    /// Ends batch `index`: its messages, to hand back with
    /// [`Batches::recycle`].
    pub fn take(&mut self, index: u32) -> Vec<Req> {
        std::mem::take(&mut self.lists[index as usize])
    }

    /// Frees index `index` with its emptied list.
    pub fn recycle(&mut self, index: u32, mut list: Vec<Req>) {
        list.clear();
        self.lists[index as usize] = list;
        self.free.push(index);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_reused_and_indices_freed_last_come_first() {
        let mut b = Batches::default();
        let mut first = b.list();
        first.push(Req::first(1.0, 0.1, 0));
        let i = b.keep(first);
        let mut second = b.list();
        second.extend([Req::first(2.0, 0.1, 1), Req::first(3.0, 0.1, 2)]);
        let j = b.keep(second);
        assert_eq!((i, j), (0, 1));
        assert_eq!(b.get(j).len(), 2);
        let taken = b.take(j);
        let capacity = taken.capacity();
        assert_eq!(taken[1].tenant, 2);
        b.recycle(j, taken);
        let again = b.list();
        assert!(again.is_empty() && again.capacity() == capacity, "the freed list comes back empty, its room kept");
        b.unused(again);
        let mut third = b.list();
        third.push(Req::first(4.0, 0.1, 3));
        assert_eq!(b.keep(third), 1, "the freed index is used again");
        assert_eq!(b.get(i)[0].tenant, 0);
    }
}
