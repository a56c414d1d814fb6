//! A map split over a few mutex-guarded shards by key hash, so that
//! requests for different keys rarely wait on one lock: the gateway's
//! rate-limit buckets and its cache of verified tokens.

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hash};
use std::sync::{Mutex, MutexGuard};

pub struct Sharded<K, V> {
    shards: Vec<Mutex<HashMap<K, V>>>,
    hasher: RandomState,
}

impl<K: Hash + Eq, V> Sharded<K, V> {
    /// `n` shards (at least one).
    pub fn new(n: usize) -> Sharded<K, V> {
        Sharded {
            shards: (0..n.max(1)).map(|_| Mutex::default()).collect(),
            hasher: RandomState::new(),
        }
    }

    /// The shard that holds `key` (looked up by anything that hashes as
    /// the key does, e.g. a `&str` for `String` or `Box<str>` keys).
    pub fn shard<Q: Hash + ?Sized>(&self, key: &Q) -> MutexGuard<'_, HashMap<K, V>> {
        let i = (self.hasher.hash_one(key) as usize) % self.shards.len();
        lock(&self.shards[i])
    }

    /// Each shard in turn, locked.
    pub fn each(&self, mut f: impl FnMut(&mut HashMap<K, V>)) {
        for s in &self.shards {
            f(&mut lock(s));
        }
    }

    /// Entries held now.
    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| lock(s).len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_found_by_its_borrowed_form_in_one_shard() {
        let m: Sharded<String, u32> = Sharded::new(4);
        for i in 0..100 {
            m.shard(format!("k{i}").as_str()).insert(format!("k{i}"), i);
        }
        assert_eq!(m.len(), 100);
        assert_eq!(m.shard("k42").get("k42"), Some(&42));
        m.each(|s| s.retain(|_, v| *v % 2 == 0));
        assert_eq!(m.len(), 50);
        assert_eq!(m.shard("k41").get("k41"), None);
    }
}
