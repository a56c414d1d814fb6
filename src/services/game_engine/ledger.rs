//! A game's chip ledger (pure). Accounts: each player's stack, the table
//! (chips in play) and the house bankroll. Rules emit [`ChipMove`]s; the
//! ledger applies a batch all or nothing, never lets a balance go
//! negative, and keeps `players + table + house == deposits - withdrawals`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::games::{ChipMove, Chips};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    #[error("{player} has {balance} chips; {needed} are needed")]
    Insufficient {
        player: String,
        balance: Chips,
        needed: Chips,
    },
    /// A payment the house cannot make. The games never let this reach a
    /// player: bets are checked against the bankroll when placed, and a
    /// draw's settlement is applied only after that check.
    #[error("the house bankroll ({house} chips) cannot pay {needed}")]
    HouseExhausted { house: Chips, needed: Chips },
    #[error("{0} is not seated at this table")]
    UnknownPlayer(String),
    #[error("internal ledger error: {0}")]
    Internal(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ledger {
    pub players: BTreeMap<String, Chips>,
    pub table: Chips,
    pub house: Chips,
    /// Chips brought in (buy-ins and the house bankroll).
    pub deposits: u128,
    /// Chips taken out (cash-outs).
    pub withdrawals: u128,
}

impl Ledger {
    pub fn new(house_bankroll: Chips) -> Ledger {
        Ledger {
            players: BTreeMap::new(),
            table: 0,
            house: house_bankroll,
            deposits: u128::from(house_bankroll),
            withdrawals: 0,
        }
    }

    pub fn balance(&self, player: &str) -> Option<Chips> {
        self.players.get(player).copied()
    }

    /// A player buys in (or adds chips).
    pub fn deposit(&mut self, player: &str, amount: Chips) {
        *self.players.entry(player.to_string()).or_insert(0) += amount;
        self.deposits += u128::from(amount);
    }

    /// A player cashes out everything and leaves; returns the amount.
    pub fn cash_out(&mut self, player: &str) -> Result<Chips, LedgerError> {
        let amount = self
            .players
            .remove(player)
            .ok_or_else(|| LedgerError::UnknownPlayer(player.to_string()))?;
        self.withdrawals += u128::from(amount);
        Ok(amount)
    }

    /// Applies every move or none.
    pub fn apply(&mut self, moves: &[ChipMove]) -> Result<(), LedgerError> {
        let mut next = self.clone();
        for m in moves {
            next.apply_one(m)?;
        }
        debug_assert!(next.conserved());
        *self = next;
        Ok(())
    }

    fn stack(&mut self, player: &str) -> Result<&mut Chips, LedgerError> {
        self.players
            .get_mut(player)
            .ok_or_else(|| LedgerError::UnknownPlayer(player.to_string()))
    }

    fn apply_one(&mut self, m: &ChipMove) -> Result<(), LedgerError> {
        match m {
            ChipMove::Stake { player, amount } => {
                let stack = self.stack(player)?;
                if *stack < *amount {
                    return Err(LedgerError::Insufficient {
                        player: player.clone(),
                        balance: *stack,
                        needed: *amount,
                    });
                }
                *stack -= amount;
                self.table += amount;
            }
            ChipMove::Return { player, amount } => {
                self.take_from_table(*amount)?;
                *self.stack(player)? += amount;
            }
            ChipMove::Collect { amount, .. } => {
                self.take_from_table(*amount)?;
                self.house += amount;
            }
            ChipMove::Pay { player, amount } => {
                if self.house < *amount {
                    return Err(LedgerError::HouseExhausted {
                        house: self.house,
                        needed: *amount,
                    });
                }
                self.house -= amount;
                *self.stack(player)? += amount;
            }
        }
        Ok(())
    }

    fn take_from_table(&mut self, amount: Chips) -> Result<(), LedgerError> {
        if self.table < amount {
            return Err(LedgerError::Internal(format!(
                "moving {amount} chips off a table holding {}",
                self.table
            )));
        }
        self.table -= amount;
        Ok(())
    }

    /// The conservation invariant.
    pub fn conserved(&self) -> bool {
        let held: u128 = self.players.values().map(|c| u128::from(*c)).sum::<u128>()
            + u128::from(self.table)
            + u128::from(self.house);
        held + self.withdrawals == self.deposits
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn stake(p: &str, a: Chips) -> ChipMove {
        ChipMove::Stake {
            player: p.into(),
            amount: a,
        }
    }

    #[test]
    fn a_batch_that_cannot_be_paid_changes_nothing() {
        let mut l = Ledger::new(1000);
        l.deposit("alice", 100);
        let before = l.clone();
        let err = l
            .apply(&[stake("alice", 60), stake("alice", 60)])
            .unwrap_err();
        assert!(matches!(
            err,
            LedgerError::Insufficient {
                balance: 40,
                needed: 60,
                ..
            }
        ));
        assert_eq!(l, before);
        assert!(l.apply(&[stake("bob", 1)]).is_err());
        assert_eq!(l, before);
    }

    #[test]
    fn win_lose_push_and_cash_out_conserve_chips() {
        let mut l = Ledger::new(1000);
        l.deposit("alice", 100);
        l.apply(&[
            stake("alice", 10),
            ChipMove::Return {
                player: "alice".into(),
                amount: 10,
            },
            ChipMove::Pay {
                player: "alice".into(),
                amount: 10,
            },
            stake("alice", 20),
            ChipMove::Collect {
                player: "alice".into(),
                amount: 20,
            },
        ])
        .unwrap();
        assert_eq!(l.balance("alice"), Some(90));
        assert_eq!(l.house, 1010);
        assert!(l.conserved());
        assert_eq!(l.cash_out("alice").unwrap(), 90);
        assert!(l.conserved());
        let err = l
            .apply(&[ChipMove::Pay {
                player: "x".into(),
                amount: 5000,
            }])
            .unwrap_err();
        assert!(matches!(err, LedgerError::HouseExhausted { .. }));
    }

    proptest! {
        #[test]
        fn random_batches_keep_balances_non_negative_and_chips_conserved(
            ops in proptest::collection::vec((0u8..4, 0usize..3, 0u64..200), 1..60)
        ) {
            let players = ["a", "b", "c"];
            let mut l = Ledger::new(500);
            for p in players { l.deposit(p, 100); }
            for (kind, who, amount) in ops {
                let player = players[who].to_string();
                let m = match kind {
                    0 => ChipMove::Stake { player, amount },
                    1 => ChipMove::Return { player, amount },
                    2 => ChipMove::Pay { player, amount },
                    _ => ChipMove::Collect { player, amount },
                };
                let before = l.clone();
                if l.apply(std::slice::from_ref(&m)).is_err() {
                    prop_assert_eq!(&l, &before);
                }
                prop_assert!(l.conserved());
            }
        }
    }
}
