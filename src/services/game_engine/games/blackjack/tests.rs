//! Table tests on stacked shoes. Deal order: each seat's first card, the
//! dealer's up card, each seat's second card, the hole card; then hits,
//! split cards (first hand, then the new one) and the dealer's draws.

use super::super::cards::Card;
use super::super::{ChipMove, Chips, RuleError};
use super::strategy::{SplitMix64, shuffled_shoe};
use super::*;
use BlackjackAction::{DeclineInsurance, Double, Hit, Insurance, Split, Stand, Surrender};

fn cards(s: &str) -> Vec<Card> {
    s.split_whitespace().map(|c| c.parse().unwrap()).collect()
}

/// A full shoe of `decks` decks whose first cards are `first`.
fn stacked(decks: u8, first: &str) -> Vec<Card> {
    let mut rest: Vec<Card> = (0..decks).flat_map(|_| Card::deck()).collect();
    let mut shoe = Vec::new();
    for c in cards(first) {
        let i = rest.iter().position(|x| *x == c).unwrap();
        shoe.push(rest.remove(i));
    }
    shoe.extend(rest);
    shoe
}

/// A table with every chip move of the round so far.
struct Game {
    t: BlackjackTable,
    moves: Vec<ChipMove>,
}

impl Game {
    fn new(config: BlackjackConfig, bets: &[(&str, Chips)], first: &str) -> (Game, Outcome) {
        let mut t = BlackjackTable::new(config).unwrap();
        t.load_shoe(stacked(config.decks, first)).unwrap();
        let mut moves = Vec::new();
        for (p, b) in bets {
            moves.extend(t.bet(p, *b).unwrap());
        }
        let o = t.deal(bets[0].0).unwrap();
        moves.extend(o.moves.clone());
        (Game { t, moves }, o)
    }

    fn act(&mut self, player: &str, action: BlackjackAction) -> Outcome {
        let o = self.t.act(player, action).unwrap();
        self.moves.extend(o.moves.clone());
        o
    }

    /// An action that must be refused and must change nothing.
    fn refused(&mut self, player: &str, action: BlackjackAction) -> RuleError {
        let before = self.t.clone();
        let e = self.t.act(player, action).unwrap_err();
        assert_eq!(self.t, before, "{action:?} by {player} changed the table");
        e
    }

    fn net(&self, player: &str) -> i128 {
        net(&self.moves, player)
    }

    fn result(&self, o: &Outcome, player: &str, hand: usize) -> HandResult {
        o.results
            .iter()
            .find(|r| r.player == player && r.hand == hand)
            .cloned()
            .unwrap()
    }
}

fn net(moves: &[ChipMove], player: &str) -> i128 {
    moves
        .iter()
        .map(|m| match m {
            ChipMove::Stake { player: p, amount } if p == player => -i128::from(*amount),
            ChipMove::Return { player: p, amount } | ChipMove::Pay { player: p, amount }
                if p == player =>
            {
                i128::from(*amount)
            }
            _ => 0,
        })
        .sum()
}

/// Everything staked comes back to the player or goes to the house.
pub(super) fn assert_conserved(moves: &[ChipMove]) {
    let (mut staked, mut back) = (0u128, 0u128);
    for m in moves {
        match m {
            ChipMove::Stake { amount, .. } => staked += u128::from(*amount),
            ChipMove::Return { amount, .. } | ChipMove::Collect { amount, .. } => {
                back += u128::from(*amount)
            }
            ChipMove::Pay { .. } => {}
        }
    }
    assert_eq!(staked, back, "{moves:?}");
}

fn cfg() -> BlackjackConfig {
    BlackjackConfig::default()
}

#[test]
fn the_dealer_stands_or_hits_soft_17_as_configured() {
    for (h17, alice) in [(false, 10), (true, -10)] {
        let config = BlackjackConfig {
            dealer_hits_soft_17: h17,
            ..cfg()
        };
        let (mut g, _) = Game::new(config, &[("alice", 10)], "Ts 6h 8d Ac 4c");
        let o = g.act("alice", Stand);
        assert!(o.round_over);
        let dealer = if h17 { "6h Ac 4c" } else { "6h Ac" };
        assert_eq!(o.dealer, Some(cards(dealer)), "h17 {h17}");
        assert_eq!(g.net("alice"), alice);
        assert_conserved(&g.moves);
    }
    // A hard 17 and a soft 18 stand either way.
    for dealer in ["7h Tc", "7h Ac"] {
        let config = BlackjackConfig {
            dealer_hits_soft_17: true,
            ..cfg()
        };
        let first = format!("Ts {} 9d {} 4c", &dealer[..2], &dealer[3..]);
        let (mut g, _) = Game::new(config, &[("alice", 10)], &first);
        assert_eq!(g.act("alice", Stand).dealer, Some(cards(dealer)));
    }
}

#[test]
fn a_natural_is_a_blackjack_and_21_after_a_split_is_not() {
    // Alice splits aces to two 21s, Bob has a natural, dealer 19.
    let (mut g, _) = Game::new(
        cfg(),
        &[("alice", 10), ("bob", 10)],
        "As Ah 9c Ad Kh Tc Kc Qd",
    );
    let o = g.act("alice", Split);
    assert!(
        o.round_over,
        "split aces stand; Bob's blackjack needs no play"
    );
    assert_eq!(g.result(&o, "alice", 0).outcome, HandOutcome::Win);
    assert_eq!(g.result(&o, "alice", 1).outcome, HandOutcome::Win);
    assert_eq!(g.result(&o, "bob", 0).outcome, HandOutcome::Blackjack);
    assert_eq!((g.net("alice"), g.net("bob")), (20, 15));

    // The dealer draws to 21: a natural still wins 3:2, a split 21 pushes.
    let (mut g, _) = Game::new(
        cfg(),
        &[("alice", 10), ("bob", 10)],
        "As Ad 5c Kh Ac 6d 9s Ks Th",
    );
    let o = g.act("bob", Split);
    assert_eq!(o.dealer, Some(cards("5c 6d Th")));
    assert_eq!(g.result(&o, "alice", 0).outcome, HandOutcome::Blackjack);
    assert_eq!(g.result(&o, "bob", 0).outcome, HandOutcome::Lose);
    assert_eq!(g.result(&o, "bob", 1).outcome, HandOutcome::Push);
    assert_eq!((g.net("alice"), g.net("bob")), (15, -10));
    assert_conserved(&g.moves);

    // K and Q split as a pair; K then A is 21 and stands by itself.
    let (mut g, _) = Game::new(cfg(), &[("alice", 10)], "Kd 7c Qs Td Ah 5c");
    g.act("alice", Split);
    let h = &g.t.seats[0].hands;
    assert_eq!(
        (h[0].status, h[1].status),
        (HandStatus::Stood, HandStatus::Playing)
    );
    assert_eq!(g.t.turn, Some((0, 1)));
    let o = g.act("alice", Stand);
    assert_eq!(g.result(&o, "alice", 0).paid, 10, "21, not a blackjack");
    assert_eq!(g.result(&o, "alice", 1).outcome, HandOutcome::Lose);
}

#[test]
fn insurance_pays_two_to_one_when_the_dealer_has_blackjack() {
    let bets = [("alice", 10), ("bob", 10), ("carol", 1), ("dave", 10)];
    let (mut g, o) = Game::new(cfg(), &bets, "9s 9h 9d Ad As 8s 8h 8d Kd Kc");
    assert!(!o.round_over);
    assert_eq!(g.t.phase, Phase::Insurance);
    assert_eq!(g.t.seats[2].insurance, InsuranceState::NotOffered);
    let e = g.refused("alice", Hit);
    assert!(matches!(e, RuleError::NotNow(_)), "{e}");
    let e = g.refused("alice", Insurance { amount: 6 });
    assert!(matches!(e, RuleError::Invalid(_)), "{e}");
    g.refused("alice", Insurance { amount: 0 });
    g.act("alice", Insurance { amount: 5 });
    g.refused("alice", Insurance { amount: 5 });
    g.refused("alice", DeclineInsurance);
    g.refused("carol", Insurance { amount: 1 });
    g.act("bob", DeclineInsurance);
    assert_eq!(
        g.t.view().dealer.hidden,
        1,
        "no peek before everyone decided"
    );
    let o = g.act("dave", Insurance { amount: 5 });
    assert!(o.round_over);
    assert!(o.dealt.iter().any(|d| d.to == CardTo::DealerHole));
    assert_eq!(o.insurance.len(), 2);
    assert!(o.insurance.iter().all(|i| i.won));
    assert_eq!(g.net("alice"), 0, "insurance covers the lost bet");
    assert_eq!(g.net("bob"), -10);
    assert_eq!(g.net("carol"), -1);
    assert_eq!(
        g.net("dave"),
        10,
        "a pushed blackjack plus insurance: even money"
    );
    assert_conserved(&g.moves);
    assert_eq!(g.t.phase, Phase::Betting);
}

#[test]
fn insurance_is_lost_when_the_dealer_has_no_blackjack() {
    let (mut g, _) = Game::new(cfg(), &[("alice", 10)], "Ts Ac 9s 7d");
    let o = g.act("alice", Insurance { amount: 5 });
    assert_eq!(
        o.moves,
        vec![
            ChipMove::Stake {
                player: "alice".into(),
                amount: 5
            },
            ChipMove::Collect {
                player: "alice".into(),
                amount: 5
            }
        ]
    );
    assert!(!o.insurance[0].won);
    assert_eq!(g.t.phase, Phase::PlayerTurns);
    assert_eq!(g.t.view().dealer.hidden, 1);
    g.act("alice", Stand);
    assert_eq!(g.net("alice"), 5);
    assert_conserved(&g.moves);

    // Only 1-chip bets: nobody can insure, so play starts at once.
    let (g, _) = Game::new(cfg(), &[("alice", 1)], "Ts Ac 9s 7d");
    assert_eq!(g.t.phase, Phase::PlayerTurns);
}

#[test]
fn the_dealer_peeks_under_a_ten() {
    let (g, o) = Game::new(cfg(), &[("alice", 10), ("bob", 10)], "As 9h Kc Kd 9c Ah");
    assert!(o.round_over, "the deal ends the round");
    assert_eq!(g.result(&o, "alice", 0).outcome, HandOutcome::Push);
    assert_eq!(g.result(&o, "bob", 0).outcome, HandOutcome::Lose);
    assert_eq!(o.dealer, Some(cards("Kc Ah")));
    assert_conserved(&g.moves);
}

#[test]
fn late_surrender_returns_half_on_the_first_decision_only() {
    let config = BlackjackConfig {
        late_surrender: true,
        ..cfg()
    };
    let (mut g, _) = Game::new(config, &[("alice", 10), ("bob", 5)], "Ts Th 9c 6s 6h 8d");
    g.act("alice", Surrender);
    let o = g.act("bob", Surrender);
    assert!(o.round_over);
    assert_eq!(
        o.dealt,
        vec![CardDealt {
            to: CardTo::DealerHole,
            card: "8d".parse().unwrap()
        }]
    );
    assert_eq!(
        o.dealer,
        Some(cards("9c 8d")),
        "nobody left to beat: no draw"
    );
    assert_eq!(g.result(&o, "bob", 0).outcome, HandOutcome::Surrender);
    assert_eq!(
        (g.net("alice"), g.net("bob")),
        (-5, -3),
        "half of 5 rounds down"
    );
    assert_conserved(&g.moves);

    let (mut g, _) = Game::new(config, &[("alice", 10)], "Ts 9c 6s 8d 2d");
    g.act("alice", Hit);
    let e = g.refused("alice", Surrender);
    assert!(e.to_string().contains("first decision"), "{e}");

    let (mut g, _) = Game::new(config, &[("alice", 10)], "8s 9c 8d 8h 2d 3d");
    g.act("alice", Split);
    assert!(
        g.refused("alice", Surrender)
            .to_string()
            .contains("after splitting")
    );

    let (mut g, _) = Game::new(cfg(), &[("alice", 10)], "Ts 9c 6s 8d");
    assert!(matches!(
        g.refused("alice", Surrender),
        RuleError::Invalid(_)
    ));
}

#[test]
fn pairs_split_to_four_hands_and_aces_once() {
    let (mut g, _) = Game::new(
        cfg(),
        &[("alice", 10)],
        "8s 6c 8d Tc 8h 3c 8c 2d 8s 9h Kd Qd Th",
    );
    g.act("alice", Split);
    g.act("alice", Split);
    g.act("alice", Split);
    let hands: Vec<String> = g.t.seats[0]
        .hands
        .iter()
        .map(|h| {
            h.cards
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    assert_eq!(hands, ["8s 8s", "8c 9h", "8h 2d", "8d 3c"]);
    let e = g.refused("alice", Split);
    assert!(e.to_string().contains("at most 4 hands"), "{e}");
    g.act("alice", Stand);
    g.act("alice", Stand);
    g.act("alice", Double);
    let o = g.act("alice", Double);
    assert!(o.round_over);
    assert_eq!(o.dealer, Some(cards("6c Tc Th")));
    assert_eq!(o.results.len(), 4);
    assert!(o.results.iter().all(|r| r.outcome == HandOutcome::Win));
    assert_eq!(g.net("alice"), 60);
    assert_conserved(&g.moves);

    // Split aces take one card each and cannot be split again.
    let (mut g, _) = Game::new(
        cfg(),
        &[("alice", 10), ("bob", 10)],
        "As Ts 6c Ad 7s Tc Ah 5d",
    );
    g.act("alice", Split);
    let h = &g.t.seats[0].hands;
    assert_eq!(h[0].cards, cards("As Ah"));
    assert_eq!(h[1].cards, cards("Ad 5d"));
    assert!(
        h.iter()
            .all(|h| h.status == HandStatus::Stood && h.split_aces)
    );
    let e = g.refused("alice", Split);
    assert_eq!(e.to_string(), "it is bob's turn (hand 1)");
}

#[test]
fn double_after_split_follows_the_config() {
    for das in [true, false] {
        let config = BlackjackConfig {
            double_after_split: das,
            ..cfg()
        };
        let (mut g, _) = Game::new(config, &[("alice", 10)], "9s 6c 9d Tc 2h Th Kd");
        g.act("alice", Split);
        if das {
            let o = g.act("alice", Double);
            assert_eq!(g.t.seats[0].hands[0].bet, 20);
            assert_eq!(o.moves.len(), 1);
        } else {
            let e = g.refused("alice", Double);
            assert!(e.to_string().contains("after a split"), "{e}");
            g.act("alice", Hit);
        }
        assert_eq!(g.t.seats[0].hands[0].cards, cards("9s 2h Kd"));
    }
}

#[test]
fn illegal_actions_change_nothing() {
    let (mut g, _) = Game::new(cfg(), &[("alice", 10), ("bob", 10)], "Ts 9h 6c 7s 8h Tc 2d");
    let e = g.refused("bob", Hit);
    assert_eq!(e, RuleError::not_now("it is alice's turn (hand 1)"));
    assert!(matches!(g.refused("carol", Stand), RuleError::NotNow(_)));
    assert!(matches!(
        g.refused("alice", Insurance { amount: 5 }),
        RuleError::NotNow(_)
    ));
    assert!(matches!(
        g.refused("alice", DeclineInsurance),
        RuleError::NotNow(_)
    ));
    assert!(matches!(g.refused("alice", Split), RuleError::Invalid(_)));
    g.act("alice", Hit);
    let e = g.refused("alice", Double);
    assert!(e.to_string().contains("first two cards"), "{e}");
    let before = g.t.clone();
    assert!(matches!(g.t.bet("carol", 10), Err(RuleError::NotNow(_))));
    assert!(matches!(g.t.deal("alice"), Err(RuleError::NotNow(_))));
    assert!(matches!(
        g.t.load_shoe(stacked(6, "")),
        Err(RuleError::NotNow(_))
    ));
    assert!(matches!(
        g.t.remove_player("bob"),
        Err(RuleError::NotNow(_))
    ));
    assert_eq!(g.t, before);
    g.act("alice", Stand);
    g.act("bob", Stand);

    // Between rounds.
    let t = &mut g.t;
    let before = t.clone();
    assert!(matches!(t.act("alice", Hit), Err(RuleError::NotNow(_))));
    assert!(
        matches!(t.deal("alice"), Err(RuleError::NotNow(_))),
        "no bets"
    );
    assert!(matches!(t.bet("alice", 0), Err(RuleError::Invalid(_))));
    assert!(matches!(
        t.bet("alice", 1_000_001),
        Err(RuleError::Invalid(_))
    ));
    assert_eq!(*t, before);
    t.bet("alice", 10).unwrap();
    let before = t.clone();
    assert!(matches!(t.bet("alice", 10), Err(RuleError::NotNow(_))));
    assert!(matches!(t.deal("zed"), Err(RuleError::NotNow(_))));
    for p in ["c", "d", "e", "f", "g"] {
        t.bet(p, 5).unwrap();
    }
    assert!(
        t.bet("h", 5)
            .unwrap_err()
            .to_string()
            .contains("all 7 seats")
    );
    assert_eq!(
        t.remove_player("c").unwrap(),
        vec![ChipMove::Return {
            player: "c".into(),
            amount: 5
        }]
    );
    assert_eq!(t.remove_player("nobody").unwrap(), vec![]);
    t.bet("h", 5).unwrap();
    assert_ne!(*t, before);
}

#[test]
fn the_dealer_does_not_draw_when_every_hand_busted() {
    let (mut g, _) = Game::new(cfg(), &[("alice", 10)], "Ts 6c 6s Tc Kd");
    let o = g.act("alice", Hit);
    assert!(o.round_over);
    assert_eq!(o.dealt.len(), 2, "the hit and the hole card");
    assert_eq!(o.dealer, Some(cards("6c Tc")));
    assert_eq!(g.result(&o, "alice", 0).outcome, HandOutcome::Bust);
    assert_eq!(g.net("alice"), -10);
}

#[test]
fn an_empty_shoe_mid_round_voids_it() {
    let (mut g, _) = Game::new(cfg(), &[("alice", 10)], "8s 6c 8d Tc");
    g.act("alice", Split);
    g.t.shoe.clear();
    let o = g.act("alice", Double);
    assert!(o.voided && o.round_over);
    assert!(o.results.iter().all(|r| r.outcome == HandOutcome::Void));
    assert_eq!(g.net("alice"), 0);
    assert_conserved(&g.moves);
    assert!(g.t.needs_shuffle());
}

#[test]
fn the_shoe_must_be_whole_and_is_reshuffled_at_the_cut_card() {
    let mut t = BlackjackTable::new(cfg()).unwrap();
    assert!(t.needs_shuffle());
    t.bet("alice", 10).unwrap();
    assert!(
        t.deal("alice")
            .unwrap_err()
            .to_string()
            .contains("shuffling")
    );
    let mut shoe = stacked(6, "");
    assert!(matches!(
        t.load_shoe(shoe[1..].to_vec()),
        Err(RuleError::Invalid(_))
    ));
    shoe[0] = shoe[1];
    assert!(matches!(t.load_shoe(shoe), Err(RuleError::Invalid(_))));
    let mut rng = SplitMix64(7);
    t.load_shoe(shuffled_shoe(6, &mut rng)).unwrap();
    let mut rounds = 0;
    while !t.needs_shuffle() {
        if t.seats[0].bet == 0 {
            t.bet("alice", 10).unwrap();
        }
        let mut o = t.deal("alice").unwrap();
        while !o.round_over {
            let a = if t.phase == Phase::Insurance {
                DeclineInsurance
            } else {
                Stand
            };
            o = t.act("alice", a).unwrap();
        }
        rounds += 1;
    }
    assert!(t.shoe_remaining() < 78 && rounds > 20);
    t.bet("alice", 10).unwrap();
    assert!(matches!(t.deal("alice"), Err(RuleError::NotNow(_))));
}

#[test]
fn the_view_hides_the_hole_card_and_the_shoe() {
    let (mut g, _) = Game::new(cfg(), &[("alice", 10)], "Ts 9c 9s Qd");
    let v = g.t.view();
    assert_eq!((v.dealer.cards.clone(), v.dealer.hidden), (cards("9c"), 1));
    assert_eq!(
        v.turn,
        Some(TurnView {
            player: "alice".into(),
            hand: 0
        })
    );
    assert_eq!(v.shoe_remaining, 308);
    let json = serde_json::to_value(&v).unwrap();
    assert!(!json.to_string().contains("Qd"));
    assert!(json.get("shoe").is_none());
    g.act("alice", Stand);
    let v = g.t.view();
    assert_eq!(
        (v.dealer.total, v.dealer.hidden, v.phase),
        (19, 0, Phase::Betting)
    );
    assert_eq!(v.seats[0].hands[0].result, Some(HandOutcome::Push));
}

#[test]
fn a_player_without_a_hand_may_leave_mid_round() {
    let mut t = BlackjackTable::new(cfg()).unwrap();
    t.load_shoe(stacked(6, "Ts Th 7c 9s 9h Tc Td 8c 9d Th"))
        .unwrap();
    t.bet("carol", 10).unwrap();
    t.bet("alice", 10).unwrap();
    t.deal("alice").unwrap();
    t.act("carol", Stand).unwrap();
    assert!(t.act("alice", Stand).unwrap().round_over);
    t.bet("alice", 10).unwrap();
    t.deal("alice").unwrap();
    assert_eq!(t.turn, Some((1, 0)));
    assert_eq!(t.remove_player("carol").unwrap(), vec![]);
    assert_eq!(t.view().turn.unwrap().player, "alice");
    let o = t.act("alice", Stand).unwrap();
    assert_eq!(o.results[0].outcome, HandOutcome::Win);
}

#[test]
fn the_most_a_bet_can_win_covers_splits_doubles_blackjack_and_insurance() {
    let table = |max_hands, double_after_split| {
        BlackjackTable::new(BlackjackConfig {
            max_hands,
            double_after_split,
            ..BlackjackConfig::default()
        })
        .unwrap()
    };
    assert_eq!(
        table(4, true).max_win(10),
        80,
        "4 split hands, each doubled"
    );
    assert_eq!(table(4, false).max_win(10), 40, "4 split hands");
    assert_eq!(table(2, true).max_win(10), 40);
    assert_eq!(table(1, true).max_win(10), 20, "no splits: a double");
    assert_eq!(table(1, false).max_win(11), 22);
    // A blackjack (3:2, rounded) and insurance won (2:1 on half) stay below.
    let bj = HandOutcome::Blackjack.chips(11).1;
    assert!(u128::from(bj) <= table(1, false).max_win(11), "{bj}");
    assert!(u128::from(11u64 / 2 * 2) <= table(1, false).max_win(11));
    // The table's worst case: every waiting bet, and a round's original bets.
    let mut t = table(4, true);
    t.load_shoe(stacked(6, "")).unwrap();
    t.bet("alice", 10).unwrap();
    t.bet("bob", 5).unwrap();
    assert_eq!(t.worst_case_payout(), 120);
    t.deal("alice").unwrap();
    if t.phase() != Phase::Betting {
        assert_eq!(t.worst_case_payout(), 120, "the round in play");
    }
}
