//! Choosing an instance (pure): round robin, smooth weighted round robin,
//! least connections, IP hash (rendezvous hashing: when an instance leaves,
//! only the clients it served move) and random (the caller supplies the
//! random number). Instances that are unhealthy or whose breaker is open
//! are passed in as not `available` and never chosen.

use std::hash::{Hash, Hasher};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    RoundRobin,
    Weighted,
    LeastConnections,
    IpHash,
    Random,
}

impl std::str::FromStr for Strategy {
    type Err = String;
    fn from_str(s: &str) -> Result<Strategy, String> {
        match s {
            "round_robin" => Ok(Strategy::RoundRobin),
            "weighted" | "weighted_round_robin" => Ok(Strategy::Weighted),
            "least_connections" => Ok(Strategy::LeastConnections),
            "ip_hash" => Ok(Strategy::IpHash),
            "random" => Ok(Strategy::Random),
            _ => Err(format!(
                "unknown load-balancing strategy {s:?}; strategies: round_robin, weighted, least_connections, ip_hash, random"
            )),
        }
    }
}

/// What the balancer knows of one instance at the moment of choosing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    pub available: bool,
    pub weight: u32,
    pub in_flight: u32,
    /// A stable identity of the instance (IP hash keys on it, so clients
    /// stay put when other instances join or leave).
    pub id: u64,
}

/// Per-upstream balancer state (the round-robin cursor, smooth-weighted
/// current weights).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Balancer {
    cursor: usize,
    current: Vec<i64>,
}

/// Inputs a strategy may use besides the candidates.
#[derive(Debug, Clone, Copy, Default)]
pub struct Key<'a> {
    /// The client's address or other affinity key (IP hash).
    pub affinity: Option<&'a str>,
    /// A uniformly random number (random strategy).
    pub random: u64,
}

impl Balancer {
    /// Picks an index among `candidates`, or `None` when none is available.
    pub fn choose(
        &mut self,
        strategy: Strategy,
        candidates: &[Candidate],
        key: Key<'_>,
    ) -> Option<usize> {
        let avail: Vec<usize> = (0..candidates.len())
            .filter(|i| candidates[*i].available)
            .collect();
        if avail.is_empty() {
            return None;
        }
        match strategy {
            Strategy::RoundRobin => {
                // The next available instance at or after the cursor.
                let n = candidates.len();
                let start = self.cursor % n;
                let pick = (0..n)
                    .map(|k| (start + k) % n)
                    .find(|i| candidates[*i].available)?;
                self.cursor = pick + 1;
                Some(pick)
            }
            Strategy::Weighted => {
                // Nginx's smooth weighted round robin: add each weight to its
                // current value, pick the largest, subtract the total.
                if self.current.len() != candidates.len() {
                    self.current = vec![0; candidates.len()];
                }
                let total: i64 = avail
                    .iter()
                    .map(|i| i64::from(candidates[*i].weight.max(1)))
                    .sum();
                let mut best: Option<usize> = None;
                for &i in &avail {
                    self.current[i] += i64::from(candidates[i].weight.max(1));
                    if best.is_none_or(|b| self.current[i] > self.current[b]) {
                        best = Some(i);
                    }
                }
                let b = best?;
                self.current[b] -= total;
                Some(b)
            }
            Strategy::LeastConnections => {
                // Fewest in flight; ties go round robin so load spreads.
                let min = avail.iter().map(|i| candidates[*i].in_flight).min()?;
                let n = candidates.len();
                let start = self.cursor % n;
                let pick = (0..n)
                    .map(|k| (start + k) % n)
                    .find(|i| candidates[*i].available && candidates[*i].in_flight == min)?;
                self.cursor = pick + 1;
                Some(pick)
            }
            Strategy::IpHash => {
                let affinity = key.affinity.unwrap_or("");
                avail
                    .into_iter()
                    .max_by_key(|i| rendezvous(affinity, candidates[*i].id))
            }
            Strategy::Random => Some(avail[(key.random % avail.len() as u64) as usize]),
        }
    }
}

/// Highest-random-weight score of `instance` for `key`.
fn rendezvous(key: &str, instance: u64) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    key.hash(&mut h);
    instance.hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::{Balancer, Candidate, Key, Strategy};
    use proptest::prelude::{prop_assert_eq, proptest};

    fn up(n: usize) -> Vec<Candidate> {
        vec![
            Candidate {
                available: true,
                weight: 1,
                in_flight: 0,
                id: 0
            };
            n
        ]
        .into_iter()
        .enumerate()
        .map(|(i, c)| Candidate { id: i as u64, ..c })
        .collect()
    }

    fn picks(b: &mut Balancer, s: Strategy, c: &[Candidate], n: usize) -> Vec<usize> {
        (0..n)
            .map(|_| b.choose(s, c, Key::default()).unwrap())
            .collect()
    }

    #[test]
    fn round_robin_cycles_and_skips_unavailable() {
        let mut b = Balancer::default();
        let mut c = up(3);
        assert_eq!(
            picks(&mut b, Strategy::RoundRobin, &c, 6),
            [0, 1, 2, 0, 1, 2]
        );
        c[1].available = false;
        assert_eq!(picks(&mut b, Strategy::RoundRobin, &c, 4), [0, 2, 0, 2]);
        for x in &mut c {
            x.available = false;
        }
        assert_eq!(b.choose(Strategy::RoundRobin, &c, Key::default()), None);
    }

    #[test]
    fn smooth_weighted_interleaves_by_weight() {
        let mut b = Balancer::default();
        let mut c = up(3);
        c[0].weight = 5;
        // nginx's documented sequence for weights 5, 1, 1.
        assert_eq!(
            picks(&mut b, Strategy::Weighted, &c, 7),
            [0, 0, 1, 0, 2, 0, 0]
        );
    }

    #[test]
    fn least_connections_prefers_the_idle_instance() {
        let mut b = Balancer::default();
        let mut c = up(3);
        c[0].in_flight = 4;
        c[1].in_flight = 1;
        c[2].in_flight = 2;
        assert_eq!(
            b.choose(Strategy::LeastConnections, &c, Key::default()),
            Some(1)
        );
        c[1].available = false;
        assert_eq!(
            b.choose(Strategy::LeastConnections, &c, Key::default()),
            Some(2)
        );
    }

    #[test]
    fn random_uses_the_given_number() {
        let mut b = Balancer::default();
        let c = up(4);
        let k = |r| Key {
            affinity: None,
            random: r,
        };
        assert_eq!(b.choose(Strategy::Random, &c, k(6)), Some(2));
    }

    proptest! {
        /// IP hash is stable, and when an instance leaves only its clients move.
        #[test]
        fn ip_hash_remaps_only_the_departed_instances_clients(ips in proptest::collection::vec("[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}", 1..50), gone in 0usize..5) {
            let mut b = Balancer::default();
            let all = up(5);
            let mut less = all.clone();
            less[gone].available = false;
            for ip in &ips {
                let key = Key { affinity: Some(ip), random: 0 };
                let before = b.choose(Strategy::IpHash, &all, key).unwrap();
                prop_assert_eq!(b.choose(Strategy::IpHash, &all, key).unwrap(), before);
                let after = b.choose(Strategy::IpHash, &less, key).unwrap();
                if before != gone {
                    prop_assert_eq!(after, before);
                }
            }
        }

        /// Over one full cycle, weighted picks each instance exactly its weight.
        #[test]
        fn weighted_shares_match_weights(w in proptest::collection::vec(1u32..6, 1..5)) {
            let mut b = Balancer::default();
            let c: Vec<Candidate> = w.iter().map(|w| Candidate { available: true, weight: *w, in_flight: 0, id: 0 }).collect();
            let total: u32 = w.iter().sum();
            let mut counts = vec![0u32; w.len()];
            for _ in 0..total {
                counts[b.choose(Strategy::Weighted, &c, Key::default()).unwrap()] += 1;
            }
            prop_assert_eq!(counts, w);
        }
    }
}
