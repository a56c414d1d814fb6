//! How many open tables each player sits at on this engine, kept as games
//! change (pure): what `MAX_TABLES_PER_PLAYER` is checked against. A
//! creation reserves its players' places here, atomically with the check,
//! before the game exists; so many creates sent at once cannot all pass a
//! check that each made alone. The cost of a check is one lookup per
//! player, not a scan of every game.

use std::collections::{BTreeSet, HashMap};

/// Open tables per player.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Seats {
    open: HashMap<String, usize>,
}

/// A game as the count sees it: whether it is open, and who sits at it.
#[derive(Debug, Clone, Copy)]
pub struct Table<'a> {
    pub open: bool,
    pub players: &'a [String],
}

impl Seats {
    /// Open tables `player` sits at (places reserved by a creation under
    /// way included).
    pub fn of(&self, player: &str) -> usize {
        self.open.get(player).copied().unwrap_or(0)
    }

    /// Takes a place for each of `players` (once each) if every one of them
    /// is under `cap`; otherwise takes nothing and names the first who is
    /// not, with their count.
    pub fn reserve<S: AsRef<str>>(
        &mut self,
        players: &[S],
        cap: usize,
    ) -> Result<(), (String, usize)> {
        let unique: BTreeSet<&str> = players.iter().map(AsRef::as_ref).collect();
        if let Some(full) = unique.iter().find(|p| self.of(p) >= cap) {
            return Err((full.to_string(), self.of(full)));
        }
        for p in unique {
            *self.open.entry(p.to_string()).or_insert(0) += 1;
        }
        Ok(())
    }

    /// Gives back what [`Seats::reserve`] took (the creation failed).
    pub fn release<S: AsRef<str>>(&mut self, players: &[S]) {
        let unique: BTreeSet<&str> = players.iter().map(AsRef::as_ref).collect();
        for p in unique {
            self.leave(p);
        }
    }

    /// One game changed from `before` (none: the engine did not count it
    /// yet) to `after`: players who sit at it while it is open count it.
    pub fn apply(&mut self, before: Option<Table<'_>>, after: Table<'_>) {
        let seated = |t: Option<Table<'_>>| -> BTreeSet<String> {
            t.filter(|t| t.open)
                .map(|t| t.players.iter().cloned().collect())
                .unwrap_or_default()
        };
        let (was, is) = (seated(before), seated(Some(after)));
        for p in was.difference(&is) {
            self.leave(p);
        }
        for p in is.difference(&was) {
            *self.open.entry(p.clone()).or_insert(0) += 1;
        }
    }

    fn leave(&mut self, player: &str) {
        if let Some(n) = self.open.get_mut(player) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.open.remove(player);
            }
        }
    }

    /// Players counted (for tests and metrics).
    pub fn players(&self) -> usize {
        self.open.len()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn t(open: bool, players: &[String]) -> Table<'_> {
        Table { open, players }
    }

    #[test]
    fn a_reservation_is_all_or_nothing_and_counts_a_player_once() {
        let mut s = Seats::default();
        assert_eq!(s.reserve(&["alice", "alice"], 2), Ok(()));
        assert_eq!(s.of("alice"), 1);
        assert_eq!(s.reserve(&["alice", "bob"], 2), Ok(()));
        assert_eq!(s.reserve(&["bob", "alice"], 2), Err(("alice".into(), 2)));
        assert_eq!(s.of("bob"), 1, "nothing taken for bob");
        s.release(&["alice", "bob"]);
        assert_eq!((s.of("alice"), s.of("bob")), (1, 0));
        assert_eq!(s.players(), 1);
    }

    #[test]
    fn joins_leaves_and_the_end_of_a_game_move_the_count() {
        let mut s = Seats::default();
        let (a, ab, b) = (names(&["alice"]), names(&["alice", "bob"]), names(&["bob"]));
        s.apply(None, t(true, &a));
        s.apply(Some(t(true, &a)), t(true, &ab));
        assert_eq!((s.of("alice"), s.of("bob")), (1, 1));
        s.apply(Some(t(true, &ab)), t(true, &b));
        assert_eq!((s.of("alice"), s.of("bob")), (0, 1));
        s.apply(Some(t(true, &b)), t(false, &b));
        assert_eq!(s, Seats::default(), "a finished game counts for no one");
        // A finished game read back from the store changes nothing.
        s.apply(None, t(false, &ab));
        assert_eq!(s, Seats::default());
    }

    proptest! {
        /// Any history of games opening, changing seats and finishing
        /// leaves each player's count equal to the open games they sit at.
        #[test]
        fn the_count_is_the_open_tables_each_player_sits_at(
            steps in proptest::collection::vec((0usize..6, any::<bool>(), proptest::collection::vec(0usize..4, 0..4)), 0..60)
        ) {
            let people = ["a", "b", "c", "d"];
            let mut s = Seats::default();
            let mut games: Vec<Option<(bool, Vec<String>)>> = vec![None; 6];
            for (g, open, who) in steps {
                let players: Vec<String> = who.iter().map(|i| people[*i].to_string()).collect();
                let before = games[g].clone();
                s.apply(
                    before.as_ref().map(|(o, p)| Table { open: *o, players: p }),
                    Table { open, players: &players },
                );
                games[g] = Some((open, players));
            }
            for p in people {
                let want = games
                    .iter()
                    .flatten()
                    .filter(|(open, players)| *open && players.iter().any(|x| x == p))
                    .count();
                prop_assert_eq!(s.of(p), want, "{}", p);
            }
        }
    }
}
