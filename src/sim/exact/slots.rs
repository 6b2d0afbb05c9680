//! A table of values kept by index while they are in use: the per-request
//! engine's jobs in service, `Auto`'s request-by-request stacks' jobs and
//! the messages waiting out their visibility timeout. A freed index is
//! used again before the table grows, so it holds at most as many values
//! as were ever in use at once, and every run hands out the same indices.

/// Values by index, freed indices used again first.
#[derive(Debug, Clone)]
pub struct Slots<T> {
    values: Vec<T>,
    free: Vec<u32>,
}

impl<T> Default for Slots<T> {
    fn default() -> Self {
        Self { values: Vec::new(), free: Vec::new() }
    }
}

impl<T: Copy> Slots<T> {
    /// Keeps `value`, at the index freed last if there is one; returns its
    /// index.
    #[inline]
    pub fn insert(&mut self, value: T) -> u32 {
        match self.free.pop() {
            Some(i) => {
                self.values[i as usize] = value;
                i
            }
            None => {
                self.values.push(value);
                (self.values.len() - 1) as u32
            }
        }
    }

    /// The value at `index`, which is freed.
    #[inline]
    pub fn take(&mut self, index: u32) -> T {
        self.free.push(index);
        self.values[index as usize]
    }

    /// The value at `index`.
    #[inline]
    pub fn get(&self, index: u32) -> &T {
        &self.values[index as usize]
    }

    /// Replaces the value at `index` (still in use).
    #[inline]
    pub fn set(&mut self, index: u32, value: T) {
        self.values[index as usize] = value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_freed_index_is_used_again_first() {
        let mut s = Slots::default();
        assert_eq!((s.insert('a'), s.insert('b'), s.insert('c')), (0, 1, 2));
        assert_eq!((s.take(0), s.take(2)), ('a', 'c'));
        assert_eq!(s.insert('d'), 2, "the last freed");
        assert_eq!(s.insert('e'), 0);
        assert_eq!(s.insert('f'), 3, "then the table grows");
        s.set(1, 'g');
        assert_eq!((*s.get(0), *s.get(1), *s.get(2)), ('e', 'g', 'd'));
    }
}
