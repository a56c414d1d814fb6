use super::*;

fn c(s: &str) -> Card {
    s.parse().unwrap()
}

/// A deck dealing `holes` (in deal order: clockwise from the left of the
/// button) and `board`; burns and the rest come from the unused cards.
fn stacked(holes: &[[&str; 2]], board: [&str; 5]) -> Vec<Card> {
    let mut top: Vec<Option<Card>> = Vec::new();
    for r in 0..2 {
        top.extend(holes.iter().map(|h| Some(c(h[r]))));
    }
    let b: Vec<Card> = board.iter().map(|s| c(s)).collect();
    top.extend([None, Some(b[0]), Some(b[1]), Some(b[2])]);
    top.extend([None, Some(b[3]), None, Some(b[4])]);
    let used: Vec<Card> = top.iter().flatten().copied().collect();
    let mut rest = Card::deck().into_iter().filter(|c| !used.contains(c));
    let mut deck: Vec<Card> = top
        .into_iter()
        .map(|o| o.unwrap_or_else(|| rest.next().unwrap()))
        .collect();
    deck.extend(rest);
    assert_eq!(deck.len(), 52);
    deck
}

/// A table and the caller's ledger, kept in step through the chip moves.
pub(super) struct Game {
    pub(super) table: PokerTable,
    pub(super) ledger: BTreeMap<String, Chips>,
}

impl Game {
    pub(super) fn new(sb: Chips, bb: Chips, players: &[(&str, Chips)]) -> Game {
        let mut table = PokerTable::new(PokerConfig {
            small_blind: sb,
            big_blind: bb,
            max_seats: 10,
        });
        for (p, _) in players {
            table.sit(p).unwrap();
        }
        let ledger = players.iter().map(|(p, s)| (p.to_string(), *s)).collect();
        Game { table, ledger }
    }

    pub(super) fn settle(&mut self, o: &Outcome) {
        for m in &o.moves {
            match m {
                ChipMove::Stake { player, amount } => {
                    let s = self.ledger.get_mut(player).unwrap();
                    *s = s.checked_sub(*amount).expect("a stack went negative");
                }
                ChipMove::Return { player, amount } => {
                    *self.ledger.get_mut(player).unwrap() += amount
                }
                m => panic!("poker never moves chips to or from the house: {m:?}"),
            }
        }
    }

    pub(super) fn start(&mut self, deck: Vec<Card>) -> Outcome {
        let o = self.table.start_hand(deck, &self.ledger).unwrap();
        self.settle(&o);
        o
    }

    pub(super) fn act(&mut self, p: &str, a: PokerAction) -> Outcome {
        let o = self
            .table
            .act(p, a, &self.ledger)
            .unwrap_or_else(|e| panic!("{p} {a:?}: {e}"));
        self.settle(&o);
        o
    }

    /// An action that must be refused, leaving the table as it was.
    fn refused(&mut self, p: &str, a: PokerAction) -> RuleError {
        let before = self.table.clone();
        let e = self.table.act(p, a, &self.ledger).unwrap_err();
        assert_eq!(
            self.table, before,
            "{p} {a:?} was refused but changed the table"
        );
        e
    }

    pub(super) fn stack(&self, p: &str) -> Chips {
        self.ledger[p]
    }

    pub(super) fn to_act(&self) -> Option<&str> {
        self.table.to_act()
    }
}

use PokerAction::{AllIn, Bet, Call, Check, Fold, Raise};

fn blinds(o: &Outcome) -> Vec<(String, Blind, Chips)> {
    o.events
        .iter()
        .filter_map(|e| match e {
            PokerEvent::BlindPosted {
                player,
                blind,
                amount,
                ..
            } => Some((player.clone(), *blind, *amount)),
            _ => None,
        })
        .collect()
}

fn streets(o: &Outcome) -> Vec<Street> {
    o.events
        .iter()
        .filter_map(|e| match e {
            PokerEvent::BoardDealt { street, .. } => Some(*street),
            _ => None,
        })
        .collect()
}

fn awards(o: &Outcome) -> Vec<Award> {
    o.events
        .iter()
        .filter_map(|e| match e {
            PokerEvent::PotAwarded(a) => Some(a.clone()),
            _ => None,
        })
        .collect()
}

fn shares(a: &Award) -> Vec<(&str, Chips)> {
    a.winners
        .iter()
        .map(|s| (s.player.as_str(), s.amount))
        .collect()
}

#[test]
fn heads_up_the_button_posts_the_small_blind_and_acts_first_preflop_only() {
    let mut g = Game::new(5, 10, &[("alice", 1000), ("bob", 1000)]);
    let o = g.start(Card::deck());
    assert_eq!(
        blinds(&o),
        vec![
            ("alice".into(), Blind::Small, 5),
            ("bob".into(), Blind::Big, 10)
        ]
    );
    assert_eq!(o.to_act.as_deref(), Some("alice"));
    assert_eq!(g.table.view(None).button.as_deref(), Some("alice"));
    g.act("alice", Call);
    assert_eq!(g.to_act(), Some("bob"), "the big blind has the option");
    let o = g.act("bob", Check);
    assert_eq!(streets(&o), vec![Street::Flop]);
    assert_eq!(
        g.to_act(),
        Some("bob"),
        "the button acts last after the flop"
    );
    g.act("bob", Check);
    let o = g.act("alice", Check);
    assert_eq!(streets(&o), vec![Street::Turn]);
    g.act("bob", Bet { amount: 20 });
    let o = g.act("alice", Fold);
    assert!(o.hand_over);
    assert_eq!((g.stack("alice"), g.stack("bob")), (990, 1010));

    // The button moves to bob.
    let o = g.start(Card::deck());
    assert_eq!(blinds(&o)[0], ("bob".into(), Blind::Small, 5));
    assert_eq!(o.to_act.as_deref(), Some("bob"));
}

#[test]
fn three_handed_the_blinds_sit_left_of_the_button_and_it_moves() {
    let players = [("alice", 1000), ("bob", 1000), ("carol", 1000), ("dave", 0)];
    let mut g = Game::new(5, 10, &players);
    let o = g.start(Card::deck());
    assert_eq!(
        blinds(&o),
        vec![
            ("bob".into(), Blind::Small, 5),
            ("carol".into(), Blind::Big, 10)
        ]
    );
    assert!(
        matches!(&o.events[0], PokerEvent::HandStarted { button, players, .. }
        if button == "alice" && players == &["bob", "carol", "alice"]),
        "dave has no chips and is not dealt in"
    );
    assert_eq!(g.to_act(), Some("alice"));
    assert_eq!(g.refused("bob", Call).to_string(), "it is alice's turn");
    g.act("alice", Call);
    g.act("bob", Call);
    let o = g.act("carol", Check);
    assert_eq!(streets(&o), vec![Street::Flop]);
    assert_eq!(
        g.to_act(),
        Some("bob"),
        "first to act after the flop: left of the button"
    );
    g.act("bob", Check);
    g.act("carol", Bet { amount: 10 });
    g.act("alice", Fold);
    let o = g.act("bob", Fold);
    assert!(o.hand_over && o.busted.is_empty());

    let o = g.start(Card::deck());
    let b = blinds(&o);
    assert_eq!((b[0].0.as_str(), b[1].0.as_str()), ("carol", "alice"));
    assert_eq!(g.to_act(), Some("bob"));
    let v = g.table.view(None);
    assert_eq!(v.button.as_deref(), Some("bob"));
    assert_eq!(v.seats[3].status, SeatStatus::Waiting);
}

#[test]
fn raises_must_be_at_least_the_last_full_raise() {
    let players = [("alice", 1000), ("bob", 1000), ("carol", 1000)];
    let mut g = Game::new(5, 10, &players);
    g.start(Card::deck());
    let e = g.refused("alice", Raise { to: 15 });
    assert_eq!(e, RuleError::invalid("the minimum raise is to 20"));
    assert!(matches!(
        g.refused("alice", Bet { amount: 50 }),
        RuleError::NotNow(_)
    ));
    assert!(matches!(
        g.refused("alice", Raise { to: 1001 }),
        RuleError::Invalid(_)
    ));
    g.act("alice", Raise { to: 30 });
    assert_eq!(g.table.view(None).min_raise_to, Some(50));
    assert!(matches!(
        g.refused("bob", Raise { to: 45 }),
        RuleError::Invalid(_)
    ));
    g.act("bob", Raise { to: 50 });
    assert!(matches!(
        g.refused("carol", Raise { to: 69 }),
        RuleError::Invalid(_)
    ));
    g.act("carol", Call);
    let o = g.act("alice", Call);
    assert_eq!(streets(&o), vec![Street::Flop], "bob already matched 50");
    assert_eq!(g.to_act(), Some("bob"));
    assert!(matches!(
        g.refused("bob", Raise { to: 20 }),
        RuleError::NotNow(_)
    ));
    let e = g.refused("bob", Bet { amount: 5 });
    assert_eq!(e, RuleError::invalid("the minimum bet is 10"));
    g.act("bob", Bet { amount: 10 });
}

#[test]
fn a_short_all_in_does_not_reopen_the_betting() {
    let players = [("alice", 1000), ("bob", 1000), ("carol", 150)];
    let mut g = Game::new(5, 10, &players);
    g.start(Card::deck());
    g.act("alice", Raise { to: 100 });
    g.act("bob", Call);
    let o = g.act("carol", AllIn);
    assert!(matches!(
        &o.events[0],
        PokerEvent::Acted {
            action: Raise { to: 150 },
            all_in: true,
            ..
        }
    ));
    // alice and bob already acted and face only a 50-chip raise (< 90).
    assert!(matches!(
        g.refused("alice", Raise { to: 300 }),
        RuleError::NotNow(_)
    ));
    assert!(matches!(g.refused("alice", AllIn), RuleError::NotNow(_)));
    assert_eq!(g.table.view(None).min_raise_to, None);
    g.act("alice", Call);
    assert!(matches!(
        g.refused("bob", Raise { to: 300 }),
        RuleError::NotNow(_)
    ));
    let o = g.act("bob", Call);
    assert_eq!(streets(&o), vec![Street::Flop]);
    assert_eq!(g.table.chips_in_play(), 450);

    // A player who has not acted yet may still raise, and then the
    // betting is open again to everyone facing that full raise.
    let players = [("alice", 1000), ("bob", 150), ("carol", 1000)];
    let mut g = Game::new(5, 10, &players);
    g.start(Card::deck());
    g.act("alice", Raise { to: 100 });
    g.act("bob", AllIn);
    assert!(matches!(
        g.refused("carol", Raise { to: 239 }),
        RuleError::Invalid(_)
    ));
    g.act("carol", Raise { to: 240 });
    g.act("alice", Raise { to: 330 });
}

#[test]
fn a_hand_is_bet_and_raised_to_a_showdown() {
    let players = [("alice", 1000), ("bob", 1000), ("carol", 1000)];
    let mut g = Game::new(5, 10, &players);
    // Deal order: bob, carol, alice.
    let deck = stacked(
        &[["Ah", "Kh"], ["Qs", "Qd"], ["7c", "2d"]],
        ["Qh", "9h", "3c", "4h", "8s"],
    );
    g.start(deck);
    g.act("alice", Fold);
    g.act("bob", Call);
    g.act("carol", Check);
    g.act("bob", Check);
    g.act("carol", Bet { amount: 20 });
    g.act("bob", Raise { to: 60 });
    let o = g.act("carol", Call);
    assert_eq!(streets(&o), vec![Street::Turn]);
    g.act("bob", Bet { amount: 100 });
    g.act("carol", Call);
    g.act("bob", Check);
    let o = g.act("carol", Check);
    assert!(o.hand_over);
    let shown: Vec<(&str, &str)> = o
        .events
        .iter()
        .filter_map(|e| match e {
            PokerEvent::Showdown { player, hand, .. } => Some((player.as_str(), hand.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(
        shown,
        vec![("bob", "flush, ace high"), ("carol", "three queens")]
    );
    let a = awards(&o);
    assert_eq!(a.len(), 1);
    assert_eq!(shares(&a[0]), vec![("bob", 340)]);
    assert_eq!(a[0].hand.as_deref(), Some("flush, ace high"));
    assert_eq!(
        o.moves,
        vec![ChipMove::Return {
            player: "bob".into(),
            amount: 340
        }]
    );
    assert_eq!(
        (g.stack("alice"), g.stack("bob"), g.stack("carol")),
        (1000, 1170, 830)
    );
    // Showdown hands are public; the folded hand is not.
    let v = g.table.view(None);
    assert_eq!(v.board.len(), 5);
    assert_eq!(v.seats[1].cards, Some([c("Ah"), c("Kh")]));
    assert_eq!(v.seats[2].hand.as_deref(), Some("three queens"));
    assert_eq!(v.seats[0].cards, None);
    assert_eq!(
        g.table.view(Some("alice")).seats[0].cards,
        Some([c("7c"), c("2d")])
    );
}

#[test]
fn when_everyone_folds_the_pot_goes_without_a_showdown() {
    let players = [("alice", 1000), ("bob", 1000), ("carol", 1000)];
    let mut g = Game::new(5, 10, &players);
    g.start(Card::deck());
    let v = g.table.view(Some("bob"));
    assert!(v.seats[1].cards.is_some() && v.seats[0].cards.is_none() && v.seats[2].cards.is_none());
    let hole = g.table.view(Some("bob")).seats[1].cards.unwrap();
    let public = serde_json::to_string(&g.table.view(None)).unwrap();
    assert!(hole.iter().all(|h| !public.contains(&format!("\"{h}\""))));
    g.act("alice", Raise { to: 30 });
    g.act("bob", Fold);
    let o = g.act("carol", Fold);
    assert!(o.hand_over);
    assert!(
        !o.events
            .iter()
            .any(|e| matches!(e, PokerEvent::Showdown { .. }))
    );
    assert!(o.events.contains(&PokerEvent::UncalledReturned {
        player: "alice".into(),
        amount: 20
    }));
    assert_eq!(shares(&awards(&o)[0]), vec![("alice", 25)]);
    assert_eq!(awards(&o)[0].hand, None);
    assert_eq!(g.stack("alice"), 1015);
    let v = g.table.view(None);
    assert!(v.seats.iter().all(|s| s.cards.is_none()), "no cards shown");
    assert!(v.board.is_empty());
}

#[test]
fn three_all_ins_make_a_main_pot_and_two_side_pots() {
    let players = [("alice", 100), ("bob", 200), ("carol", 300), ("dave", 1000)];
    let mut g = Game::new(5, 10, &players);
    // Deal order: bob, carol, dave, alice. Aces > kings > queens > jacks.
    let deck = stacked(
        &[["Ks", "Kd"], ["Qs", "Qd"], ["Js", "Jd"], ["As", "Ad"]],
        ["2c", "7h", "9d", "3s", "5c"],
    );
    g.start(deck);
    g.act("dave", AllIn);
    g.act("alice", AllIn);
    g.act("bob", AllIn);
    let o = g.act("carol", AllIn);
    assert!(o.hand_over, "nobody can act: the board runs out");
    assert_eq!(streets(&o), vec![Street::Flop, Street::Turn, Street::River]);
    assert!(o.events.contains(&PokerEvent::UncalledReturned {
        player: "dave".into(),
        amount: 700
    }));
    let a = awards(&o);
    assert_eq!(
        a.iter().map(|a| a.amount).collect::<Vec<_>>(),
        vec![400, 300, 200]
    );
    assert_eq!(shares(&a[0]), vec![("alice", 400)]);
    assert_eq!(shares(&a[1]), vec![("bob", 300)]);
    assert_eq!(shares(&a[2]), vec![("carol", 200)]);
    assert_eq!(a[2].eligible, vec!["carol", "dave"]);
    assert_eq!(
        ["alice", "bob", "carol", "dave"].map(|p| g.stack(p)),
        [400, 300, 200, 700]
    );
}

#[test]
fn a_split_pot_gives_the_odd_chip_to_the_first_winner_left_of_the_button() {
    let players = [("alice", 1000), ("bob", 1000), ("carol", 1000)];
    let mut g = Game::new(5, 10, &players);
    // Both play the board's straight; deal order bob, carol, alice.
    let deck = stacked(
        &[["7c", "8d"], ["2h", "3d"], ["4s", "2s"]],
        ["Ah", "Kd", "Qs", "Jc", "Tc"],
    );
    g.start(deck);
    g.act("alice", Call);
    g.act("bob", Fold);
    g.act("carol", Check);
    for _ in 0..2 {
        g.act("carol", Check);
        g.act("alice", Check);
    }
    g.act("carol", Check);
    let o = g.act("alice", Check);
    let a = awards(&o);
    assert_eq!(a[0].amount, 25);
    assert_eq!(shares(&a[0]), vec![("carol", 13), ("alice", 12)]);
    assert_eq!(a[0].hand.as_deref(), Some("straight, ace high"));
    assert_eq!((g.stack("carol"), g.stack("alice")), (1003, 1002));
}

#[test]
fn an_uncalled_all_in_comes_back_and_the_loser_is_busted() {
    let mut g = Game::new(5, 10, &[("alice", 1000), ("bob", 300)]);
    // Deal order: bob, alice (the button).
    let deck = stacked(
        &[["Jc", "4d"], ["As", "Ad"]],
        ["2c", "7h", "9d", "3s", "5c"],
    );
    g.start(deck);
    g.act("alice", AllIn);
    let o = g.act("bob", AllIn);
    assert!(matches!(
        &o.events[0],
        PokerEvent::Acted {
            action: Call,
            staked: 290,
            ..
        }
    ));
    assert!(o.moves.contains(&ChipMove::Return {
        player: "alice".into(),
        amount: 700
    }));
    assert_eq!(shares(&awards(&o)[0]), vec![("alice", 600)]);
    assert_eq!(o.busted, vec!["bob"]);
    assert_eq!((g.stack("alice"), g.stack("bob")), (1300, 0));
    g.table.leave("bob").unwrap();
    let e = g.table.start_hand(Card::deck(), &g.ledger).unwrap_err();
    assert!(matches!(e, RuleError::NotNow(_)));
}

#[test]
fn a_short_blind_is_posted_all_in() {
    let mut g = Game::new(5, 10, &[("alice", 1000), ("bob", 3)]);
    let o = g.start(Card::deck());
    assert_eq!(blinds(&o)[1], ("bob".into(), Blind::Big, 3));
    // alice's small blind already covers bob: nothing left to bet.
    assert!(o.hand_over);
    assert!(o.events.contains(&PokerEvent::UncalledReturned {
        player: "alice".into(),
        amount: 2
    }));
    assert_eq!(g.stack("alice") + g.stack("bob"), 1003);
}

#[test]
fn illegal_actions_change_nothing() {
    let mut g = Game::new(5, 10, &[("alice", 1000), ("bob", 1000), ("carol", 1000)]);
    assert!(
        matches!(g.refused("alice", Check), RuleError::NotNow(_)),
        "no hand yet"
    );
    g.start(Card::deck());
    let before = g.table.clone();
    assert!(matches!(
        g.table.start_hand(Card::deck(), &g.ledger),
        Err(RuleError::NotNow(_))
    ));
    assert!(matches!(g.table.leave("bob"), Err(RuleError::NotNow(_))));
    assert_eq!(g.table, before);
    assert_eq!(g.refused("carol", Check).to_string(), "it is alice's turn");
    assert!(matches!(g.refused("zed", Fold), RuleError::NotNow(_)));
    assert!(matches!(g.refused("alice", Check), RuleError::NotNow(_)));
    assert!(matches!(
        g.refused("alice", Raise { to: 5000 }),
        RuleError::Invalid(_)
    ));
    assert!(matches!(
        g.refused("alice", Raise { to: 10 }),
        RuleError::Invalid(_)
    ));
    // The ledger must cover the stake too.
    g.ledger.insert("alice".into(), 5);
    assert!(matches!(g.refused("alice", Call), RuleError::Invalid(_)));
    g.ledger.insert("alice".into(), 1000);
    g.act("alice", Call);
    g.act("bob", Call);
    assert!(
        matches!(g.refused("carol", Call), RuleError::NotNow(_)),
        "nothing to call"
    );
    assert!(matches!(
        g.refused("carol", Bet { amount: 20 }),
        RuleError::NotNow(_)
    ));
    g.act("carol", Check);
    assert!(matches!(
        g.refused("bob", Raise { to: 20 }),
        RuleError::NotNow(_)
    ));
    assert!(matches!(
        g.refused("bob", Bet { amount: 0 }),
        RuleError::Invalid(_)
    ));
}
