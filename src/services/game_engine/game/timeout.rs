//! Turns that time out (pure): a card table waiting on one player does not
//! wait forever. The engine asks [`Game::stalled_on`] who holds a table up
//! and, once `game_engine.turn_timeout` has passed since the game last
//! changed, applies the first of that player's default actions the rules
//! take, marked `"timeout": <version>`. The mark makes the action apply
//! only to the turn it was made for, and puts a `turn_timed_out` event
//! before the action's own, so everyone sees the engine acted.

use serde_json::{Value, json};

use super::*;
use crate::services::game_engine::games::blackjack::{InsuranceState, Phase};

impl Game {
    /// The player an open card table waits for and what is done for them
    /// when their turn times out, in order of preference: blackjack —
    /// decline insurance while it is offered, else stand; hold'em — check,
    /// else fold. Craps waits for no one: bets may be taken down and
    /// players leave whatever the shooter does.
    pub fn stalled_on(&self) -> Option<(String, Vec<Value>)> {
        if self.status != GameStatus::Open {
            return None;
        }
        let v = self.version;
        let on = |kind: &str| json!({ "type": kind, "timeout": v });
        match &self.table {
            Table::Craps(_) => None,
            Table::Blackjack(t) => {
                let view = t.view();
                match view.phase {
                    Phase::Betting => None,
                    Phase::Insurance => view
                        .seats
                        .iter()
                        .find(|s| s.in_round && s.insurance == InsuranceState::Pending)
                        .map(|s| (s.player.clone(), vec![on("decline_insurance")])),
                    Phase::PlayerTurns => view.turn.map(|turn| (turn.player, vec![on("stand")])),
                }
            }
            Table::Poker(t) => t
                .to_act()
                .map(|p| (p.to_string(), vec![on("check"), on("fold")])),
        }
    }

    /// The `turn_timed_out` event of an action marked `"timeout"`, if it
    /// is marked: refused unless the mark is the game's version (the turn
    /// it was made for is still the one being played). Checked before
    /// anything else changes.
    pub(super) fn timed_out(
        &mut self,
        player: &str,
        kind: &str,
        action: &Value,
        now: u64,
    ) -> Result<Option<Event>, GameError> {
        let Some(mark) = action.get("timeout") else {
            return Ok(None);
        };
        let at = mark.as_u64().ok_or_else(|| {
            GameError::BadRequest("\"timeout\" is the version the turn timed out at".into())
        })?;
        if at != self.version {
            return Err(RuleError::not_now(format!(
                "the turn that timed out at version {at} has been played (the game is at {})",
                self.version
            ))
            .into());
        }
        Ok(Some(self.event(
            now,
            "turn_timed_out",
            Some(player),
            json!({ "action": kind }),
            Vec::new(),
        )))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn open(game_type: GameType, config: Value) -> Game {
        let req = CreateGame {
            game_type,
            players: ["alice", "bob"]
                .iter()
                .map(|id| PlayerBuyIn {
                    id: id.to_string(),
                    buy_in: 1_000,
                })
                .collect(),
            config,
            client_seed: None,
        };
        anchored(
            Game::open("e0-t".into(), &req, [7; 32], 0, 8, 1_000_000)
                .unwrap()
                .0,
        )
    }

    /// Applies the first default action the rules take, as the engine does.
    fn time_out(g: &mut Game) -> (String, Vec<Event>) {
        let (player, actions) = g.stalled_on().expect("someone holds the table up");
        for a in actions {
            if let Ok(events) = g.apply(&player, &a, 99) {
                return (player, events);
            }
        }
        panic!("no default action of {player} applies");
    }

    /// A blackjack round whose players stop acting plays out: each turn
    /// that times out stands (after declining insurance when offered),
    /// each marked by a `turn_timed_out` event, until the table is back to
    /// betting and waits for no one.
    #[test]
    fn a_blackjack_round_plays_out_when_its_players_stop_acting() {
        let mut g = open(GameType::Blackjack, json!({"min_bet": 5, "max_bet": 100}));
        assert_eq!(g.stalled_on(), None, "betting waits for no one");
        for p in ["alice", "bob"] {
            g.apply(p, &json!({"type": "bet", "amount": 10}), 1)
                .unwrap();
        }
        g.apply("alice", &json!({"type": "deal"}), 2).unwrap();
        let mut timed_out = 0;
        while let Some((_, _)) = g.stalled_on() {
            let (player, events) = time_out(&mut g);
            assert_eq!(events[0].kind, "turn_timed_out");
            assert_eq!(events[0].player.as_deref(), Some(player.as_str()));
            timed_out += 1;
            assert!(timed_out < 10);
        }
        let Table::Blackjack(t) = &g.table else {
            unreachable!()
        };
        assert_eq!(t.phase(), Phase::Betting, "the round is over");
    }

    /// A hold'em hand whose players stop acting ends: checks while a check
    /// is allowed, folds when facing a bet.
    #[test]
    fn a_holdem_hand_ends_when_its_players_stop_acting() {
        let mut g = open(GameType::Poker, Value::Null);
        assert_eq!(g.stalled_on(), None, "no hand: no one to wait for");
        g.apply("alice", &json!({"type": "deal"}), 1).unwrap();
        let mut kinds = Vec::new();
        while g.stalled_on().is_some() {
            let (_, events) = time_out(&mut g);
            kinds.extend(events.into_iter().map(|e| e.kind));
            assert!(kinds.len() < 100);
        }
        let Table::Poker(t) = &g.table else {
            unreachable!()
        };
        assert!(!t.hand_in_progress(), "{kinds:?}");
        assert!(kinds.contains(&"turn_timed_out".to_string()));
    }

    /// A timeout made for one turn does not apply to a later one (the
    /// player acted meanwhile, and it is their turn again); a mark that is
    /// not a version is a bad request; neither changes anything.
    #[test]
    fn a_timeout_applies_only_to_the_turn_it_was_made_for() {
        let mut g = open(GameType::Poker, Value::Null);
        g.apply("alice", &json!({"type": "deal"}), 1).unwrap();
        let (player, actions) = g.stalled_on().unwrap();
        let stale = actions[1].clone();
        g.apply(&player, &json!({"type": "call"}), 2)
            .or_else(|_| g.apply(&player, &json!({"type": "check"}), 2))
            .unwrap();
        let before = g.clone();
        let err = g.apply(&player, &stale, 3).unwrap_err();
        assert!(matches!(err, GameError::Rule(_)), "{err:?}");
        let err = g
            .apply(&player, &json!({"type": "fold", "timeout": "soon"}), 3)
            .unwrap_err();
        assert!(matches!(err, GameError::BadRequest(_)), "{err:?}");
        assert_eq!(g, before);
        assert_eq!(open(GameType::Craps, Value::Null).stalled_on(), None);
    }
}
