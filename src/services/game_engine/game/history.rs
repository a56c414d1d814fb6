//! A game's history lists (its draws, rounds and anchors): they only grow,
//! and every action works on a copy of the game. [`History`] makes that
//! copy cheap whatever the length: a copy shares everything, full chunks
//! of [`CHUNK`] items are sealed for good, and appending to a shared list
//! copies only its last, unsealed chunk (fewer than `CHUNK` items, usually
//! pointers). An idle table pays for what it holds, not for a tree of
//! chunks.

use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Items in a sealed chunk.
pub const CHUNK: usize = 64;

/// An append-only list whose copies share everything but the last chunk.
#[derive(Clone)]
pub struct History<T> {
    /// Full chunks, oldest first (`None` until the first is sealed).
    sealed: Option<Arc<Vec<Arc<Vec<T>>>>>,
    /// The last items (at most `CHUNK`; the newest item is always here),
    /// shared until one of the copies changes them.
    tail: Arc<Vec<T>>,
}

impl<T> Default for History<T> {
    fn default() -> Self {
        History {
            sealed: None,
            tail: Arc::new(Vec::new()),
        }
    }
}

impl<T: Clone> History<T> {
    fn sealed_len(&self) -> usize {
        self.sealed.as_ref().map_or(0, |s| s.len() * CHUNK)
    }

    pub fn len(&self) -> usize {
        self.sealed_len() + self.tail.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends `item`; seals the last chunk first when it is full, so the
    /// newest item is always in the unsealed tail.
    pub fn push(&mut self, item: T) {
        if self.tail.len() == CHUNK {
            let full = std::mem::replace(&mut self.tail, Arc::new(Vec::with_capacity(4)));
            Arc::make_mut(self.sealed.get_or_insert_with(Default::default)).push(full);
        }
        Arc::make_mut(&mut self.tail).push(item);
    }

    pub fn get(&self, i: usize) -> Option<&T> {
        let sealed = self.sealed_len();
        if i < sealed {
            let chunks = self.sealed.as_ref()?;
            chunks.get(i / CHUNK)?.get(i % CHUNK)
        } else {
            self.tail.get(i - sealed)
        }
    }

    /// Item `i`, to change: an item of a sealed chunk is copied with its
    /// chunk first (rare: the newest items are in the tail).
    pub fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        let sealed = self.sealed_len();
        if i < sealed {
            let chunks = Arc::make_mut(self.sealed.as_mut()?);
            Arc::make_mut(chunks.get_mut(i / CHUNK)?).get_mut(i % CHUNK)
        } else {
            Arc::make_mut(&mut self.tail).get_mut(i - sealed)
        }
    }

    pub fn last(&self) -> Option<&T> {
        self.tail.last()
    }

    pub fn last_mut(&mut self) -> Option<&mut T> {
        Arc::make_mut(&mut self.tail).last_mut()
    }

    /// Oldest first; double-ended, so the newest are cheap to reach.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + '_ {
        self.sealed
            .iter()
            .flat_map(|chunks| chunks.iter())
            .flat_map(|chunk| chunk.iter())
            .chain(self.tail.iter())
    }
}

/// Like a `Vec`'s: panics past the end (use [`History::get`] otherwise).
impl<T: Clone> std::ops::Index<usize> for History<T> {
    type Output = T;

    fn index(&self, i: usize) -> &T {
        match self.get(i) {
            Some(item) => item,
            None => panic!("index {i} past the end of a history of {}", self.len()),
        }
    }
}

impl<T: Clone> FromIterator<T> for History<T> {
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> Self {
        let mut h = History::default();
        h.extend(items);
        h
    }
}

impl<T: Clone> Extend<T> for History<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, items: I) {
        for item in items {
            self.push(item);
        }
    }
}

impl<T: Clone> IntoIterator for History<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter().cloned().collect::<Vec<_>>().into_iter()
    }
}

impl<T: Clone + PartialEq> PartialEq for History<T> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl<T: Clone + Eq> Eq for History<T> {}

impl<T: Clone + std::fmt::Debug> std::fmt::Debug for History<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// A plain JSON array, as the `Vec` it replaces.
impl<T: Clone + Serialize> Serialize for History<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de, T: Clone + Deserialize<'de>> Deserialize<'de> for History<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Vec::<T>::deserialize(d)?.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Whatever is pushed and changed, a history reads like a `Vec`
        /// given the same, its copies are independent of it, and it goes
        /// through JSON as the same array.
        #[test]
        fn a_history_is_a_vec_whose_copies_share_their_past(
            ops in proptest::collection::vec((0u32..1000, any::<bool>(), any::<u16>()), 0..400),
        ) {
            let mut h: History<u32> = History::default();
            let mut v: Vec<u32> = Vec::new();
            let mut copies = Vec::new();
            for (x, change, at) in ops {
                if change && !v.is_empty() {
                    let i = usize::from(at) % v.len();
                    v[i] = x;
                    *h.get_mut(i).unwrap() = x;
                } else {
                    v.push(x);
                    h.push(x);
                }
                if x % 7 == 0 {
                    copies.push((h.clone(), v.clone()));
                }
            }
            prop_assert_eq!(h.len(), v.len());
            prop_assert_eq!(h.iter().copied().collect::<Vec<_>>(), v.clone());
            prop_assert_eq!(h.iter().rev().copied().collect::<Vec<_>>(),
                            v.iter().rev().copied().collect::<Vec<_>>());
            for (i, x) in v.iter().enumerate() {
                prop_assert_eq!(h.get(i), Some(x));
            }
            prop_assert_eq!(h.get(v.len()), None);
            prop_assert_eq!(h.last(), v.last());
            for (c, cv) in copies {
                prop_assert_eq!(c.iter().copied().collect::<Vec<_>>(), cv);
            }
            let json = serde_json::to_string(&h).unwrap();
            prop_assert_eq!(&json, &serde_json::to_string(&v).unwrap());
            let back: History<u32> = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(back, h);
        }
    }

    /// Copying a long history copies only its last chunk.
    #[test]
    fn a_copy_shares_every_sealed_chunk() {
        let h: History<Arc<u64>> = (0..10_000u64).map(Arc::new).collect();
        let c = h.clone();
        assert!(Arc::ptr_eq(
            h.sealed.as_ref().unwrap(),
            c.sealed.as_ref().unwrap()
        ));
        assert!(Arc::ptr_eq(&h.tail, &c.tail));
        assert!(c.tail.len() <= CHUNK);
        assert!(History::<u8>::default().sealed.is_none());
    }
}
