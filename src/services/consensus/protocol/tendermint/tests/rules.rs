//! The locking, valid-round, nil, timeout and round-skip rules.

use super::*;

#[test]
fn locked_validator_prevotes_nil_for_another_fresh_block() {
    let (mut c, a) = locked_core();
    precommit_nil_round(&mut c, 0);
    // Round 1 is proposed by validator 2 with a fresh block b.
    let b = block(1, 1, 2, &["b"]);
    let effects = c.step(msg(2, proposal_msg(&b, 1, None)));
    assert_eq!(sent_votes(&effects), [vote(0, 1, 1, Phase::Prevote, NIL)]);
    assert_eq!(c.locked(), Some((0, a.hash())));
}

#[test]
fn locked_validator_prevotes_its_lock_when_re_proposed() {
    let (mut c, a) = locked_core();
    precommit_nil_round(&mut c, 0);
    // Validator 2 re-proposes a with the round-0 proof-of-lock.
    let pol = prevote_qc(&[0, 1, 2], 1, 0, a.hash());
    let effects = c.step(msg(2, proposal_msg(&a, 1, Some(pol))));
    assert_eq!(
        sent_votes(&effects),
        [vote(0, 1, 1, Phase::Prevote, a.hash())]
    );
}

#[test]
fn a_later_proof_of_lock_unlocks() {
    let (mut c, a) = locked_core();
    precommit_nil_round(&mut c, 0);
    precommit_nil_round(&mut c, 1);
    // b gathered a polka in round 1 that validator 0 never saw; round 2's
    // proposer (3) proposes it with that proof: lockedRound 0 <= 1.
    let b = block(1, 1, 2, &["b"]);
    let pol = prevote_qc(&[1, 2, 3], 1, 1, b.hash());
    let effects = c.step(msg(3, proposal_msg(&b, 2, Some(pol))));
    assert_eq!(
        sent_votes(&effects),
        [vote(0, 1, 2, Phase::Prevote, b.hash())]
    );
    // Prevoting does not move the lock; the polka of this round does.
    assert_eq!(
        c.locked(),
        Some((0, a.hash())),
        "prevoting does not move the lock"
    );
    // The polka for b in round 2 moves lock and valid value to b.
    for i in [1, 2] {
        c.step(msg(
            i,
            Message::Vote(vote(i as usize, 1, 2, Phase::Prevote, b.hash())),
        ));
    }
    assert_eq!(c.locked(), Some((2, b.hash())));
    assert_eq!(c.valid(), Some((2, b.hash())));
}

#[test]
fn proof_of_lock_older_than_the_lock_gets_nil() {
    let (mut c, _a) = locked_core();
    precommit_nil_round(&mut c, 0);
    precommit_nil_round(&mut c, 1);
    // Lock on b in round 2 (as in the test above).
    let b = block(1, 1, 2, &["b"]);
    let pol = prevote_qc(&[1, 2, 3], 1, 1, b.hash());
    c.step(msg(3, proposal_msg(&b, 2, Some(pol))));
    for i in [1, 2] {
        c.step(msg(
            i,
            Message::Vote(vote(i as usize, 1, 2, Phase::Prevote, b.hash())),
        ));
    }
    assert_eq!(c.locked(), Some((2, b.hash())));
    precommit_nil_round(&mut c, 2);
    // Round 3 is ours (we re-propose b); it fails too.
    precommit_nil_round(&mut c, 3);
    // Round 4 (proposer 1) offers d with a proof from round 1 < lock round 2.
    let d = block(1, 1, 2, &["d"]);
    let old = prevote_qc(&[1, 2, 3], 1, 1, d.hash());
    let effects = c.step(msg(1, proposal_msg(&d, 4, Some(old))));
    assert_eq!(sent_votes(&effects), [vote(0, 1, 4, Phase::Prevote, NIL)]);
}

#[test]
fn the_proposer_re_proposes_its_valid_value_with_its_proof() {
    let (mut c, a) = locked_core();
    // Rounds 0 to 2 fail; round 3 is proposed by validator 0.
    let mut proposals = Vec::new();
    for round in 0..3 {
        for i in 1..4 {
            proposals.extend(c.step(msg(
                u32::try_from(i).unwrap(),
                Message::Vote(vote(i, 1, round, Phase::Precommit, NIL)),
            )));
        }
        proposals.extend(fire_until_round(&mut c, round + 1));
    }
    let p = proposals
        .iter()
        .find_map(|e| match e {
            Effect::Broadcast {
                msg: Message::Tendermint(TendermintMessage::Proposal(p)),
            } => Some(p.clone()),
            _ => None,
        })
        .expect("validator 0 proposes in round 3");
    assert_eq!(p.vote.view, 3);
    assert_eq!(p.block, a, "the valid value travels unchanged");
    assert_eq!(p.valid_round(), Some(0));
    assert_eq!(p.pol.as_ref().map(|qc| qc.signatures.len()), Some(3));
}

#[test]
fn nil_polka_precommits_nil_and_precommit_timeout_moves_the_round() {
    let mut c = core(4, 0, None);
    c.step(Input::Propose(proposal("x")));
    // Propose timeout: prevote nil.
    let effects = c.step(Input::Timeout { view: 0, height: 1 });
    assert_eq!(sent_votes(&effects), [vote(0, 1, 0, Phase::Prevote, NIL)]);
    assert!(
        matches!(
            &effects[0],
            Effect::Broadcast {
                msg: Message::Forward { .. }
            }
        ),
        "pending proposals are forwarded again: {effects:?}"
    );
    assert_eq!(timers(&effects), [(1, 0, 200)], "the prevote timeout");
    c.step(msg(1, Message::Vote(vote(1, 1, 0, Phase::Prevote, NIL))));
    let effects = c.step(msg(2, Message::Vote(vote(2, 1, 0, Phase::Prevote, NIL))));
    assert_eq!(sent_votes(&effects), [vote(0, 1, 0, Phase::Precommit, NIL)]);
    // The precommit timeout runs from the precommit step (2/3+ precommits
    // of any kind set no second one); it fires after the stale prevote
    // timer queued before it.
    assert_eq!(timers(&effects), [(1, 0, 200)]);
    let effects = c.step(msg(1, Message::Vote(vote(1, 1, 0, Phase::Precommit, NIL))));
    assert!(timers(&effects).is_empty());
    assert_eq!(c.view(), 0, "a block could still gather 2/3+ precommits");
    // With 3's precommit for another block no block can reach 2/3+ in
    // round 0 any more: the round is over at once, without its timeout.
    let effects = c.step(msg(
        3,
        Message::Vote(vote(3, 1, 0, Phase::Precommit, [5; 32])),
    ));
    assert!(effects.iter().all(|e| !matches!(e, Effect::Commit { .. })));
    assert_eq!(c.view(), 1);
    assert!(
        timers(&effects).contains(&(1, 1, 400)),
        "timeouts double per round: {:?}",
        timers(&effects)
    );
    // Stale timers are ignored.
    assert!(c.step(Input::Timeout { view: 0, height: 1 }).is_empty());
}

/// A validator cut off from a quorum (it hears one other of four) goes
/// through rounds by its timeouts, which stay at the base: a longer wait
/// would not help, and it would make the round that can decide after the
/// heal start seconds late. Votes from a quorum heard for a round, even
/// late, make the following rounds' timeouts double again.
#[test]
fn rounds_cut_off_from_a_quorum_do_not_double_the_timeouts() {
    let mut c = core(4, 0, None);
    c.step(Input::Propose(proposal("x")));
    let mut seen = Vec::new();
    for round in 0..4 {
        // Only validator 1 is reachable: 2 of 4 votes, no quorum.
        c.step(msg(
            1,
            Message::Vote(vote(1, 1, round, Phase::Prevote, NIL)),
        ));
        c.step(msg(
            1,
            Message::Vote(vote(1, 1, round, Phase::Precommit, NIL)),
        ));
        let effects = fire_until_round(&mut c, round + 1);
        seen.extend(timers(&effects).into_iter().filter(|t| t.1 == round + 1));
    }
    assert!(!seen.is_empty());
    assert!(
        seen.iter().all(|t| t.2 == 200),
        "timers of rounds after rounds without a quorum: {seen:?}"
    );
    // The partition heals: round 2's prevotes from 1, 2 and 3 arrive late.
    for i in 2..4 {
        c.step(msg(
            u32::try_from(i).unwrap(),
            Message::Vote(vote(i, 1, 2, Phase::Prevote, NIL)),
        ));
    }
    let effects = fire_until_round(&mut c, 5);
    assert!(
        timers(&effects).contains(&(1, 5, 400)),
        "a quorum was heard in one earlier round: {:?}",
        timers(&effects)
    );
}

/// Prevotes split so that neither a block nor nil can reach 2/3+: precommit
/// nil at once instead of at the prevote timeout.
#[test]
fn split_prevotes_precommit_nil_at_once() {
    let mut c = core(4, 0, None);
    let a = block(1, 0, 1, &["a"]);
    c.step(msg(1, proposal_msg(&a, 0, None)));
    assert_eq!(
        sent_votes(&c.step(msg(2, Message::Vote(vote(2, 1, 0, Phase::Prevote, NIL))))),
        []
    );
    // Prevotes: 1 and 0 for a, 2 nil; 3 prevotes another block.
    let effects = c.step(msg(
        3,
        Message::Vote(vote(3, 1, 0, Phase::Prevote, [7; 32])),
    ));
    assert_eq!(sent_votes(&effects), [vote(0, 1, 0, Phase::Precommit, NIL)]);
    assert_eq!(c.locked(), None);
}

#[test]
fn prevote_timeout_precommits_nil() {
    let mut c = core(4, 0, None);
    let a = block(1, 0, 1, &["a"]);
    c.step(msg(1, proposal_msg(&a, 0, None)));
    c.step(msg(2, Message::Vote(vote(2, 1, 0, Phase::Prevote, NIL))));
    // Split prevotes: no polka. The prevote timeout precommits nil.
    let effects = c.step(Input::Timeout { view: 0, height: 1 });
    assert_eq!(sent_votes(&effects), [vote(0, 1, 0, Phase::Precommit, NIL)]);
    assert_eq!(c.locked(), None);
}

/// A validator that comes back in an earlier round of the height (it was
/// frozen) is sent our round state, and our proposal when we propose this
/// round, once per round: its round skip then brings it to us at once.
#[test]
fn a_peer_in_an_earlier_round_is_sent_our_round_state_and_proposal() {
    let mut c = core(4, 2, None);
    // Validators 0 and 1 and we time out rounds 0 and 1 (no proposal).
    c.step(Input::Propose(proposal("p")));
    for r in 0..2u64 {
        for i in [0usize, 1] {
            c.step(msg(
                i as u32,
                Message::Vote(vote(i, 1, r, Phase::Prevote, NIL)),
            ));
            c.step(msg(
                i as u32,
                Message::Vote(vote(i, 1, r, Phase::Precommit, NIL)),
            ));
        }
        for _ in 0..3 {
            c.step(Input::Timeout { view: r, height: 1 });
        }
    }
    assert_eq!(c.view(), 2);
    // Validator 3 speaks from round 0: it was away.
    let effects = c.step(msg(3, Message::Vote(vote(3, 1, 0, Phase::Prevote, NIL))));
    let to_3: Vec<&Message> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Send { to: 3, msg } => Some(msg),
            _ => None,
        })
        .collect();
    assert!(
        to_3.iter().any(|m| matches!(m,
            Message::Tendermint(TendermintMessage::RoundState { vote, votes })
                if vote.view == 1 && votes.iter().any(|v| v.view == 1 && v.validator == 0))),
        "{effects:?}"
    );
    // Once per round.
    let again = c.step(msg(3, Message::Vote(vote(3, 1, 0, Phase::Precommit, NIL))));
    assert!(
        !again
            .iter()
            .any(|e| matches!(e, Effect::Send { to: 3, .. }))
    );
}

#[test]
fn a_peer_in_an_earlier_round_is_sent_our_proposal_when_we_propose_the_round() {
    // Validator 2 proposes round 1 of height 1 ((1 + 1) mod 4).
    let mut c = core(4, 2, None);
    c.step(Input::Propose(proposal("p")));
    for i in [0usize, 1] {
        c.step(msg(
            i as u32,
            Message::Vote(vote(i, 1, 0, Phase::Prevote, NIL)),
        ));
        c.step(msg(
            i as u32,
            Message::Vote(vote(i, 1, 0, Phase::Precommit, NIL)),
        ));
    }
    for _ in 0..3 {
        c.step(Input::Timeout { view: 0, height: 1 });
    }
    assert_eq!(c.view(), 1);
    let effects = c.step(msg(3, Message::Vote(vote(3, 1, 0, Phase::Prevote, NIL))));
    assert!(
        effects.iter().any(|e| matches!(e,
            Effect::Send { to: 3, msg: Message::Tendermint(TendermintMessage::Proposal(p)) }
                if p.vote.view == 1 && p.vote.validator == 2)),
        "{effects:?}"
    );
}

#[test]
fn f_plus_one_in_a_higher_round_pulls_a_validator_along() {
    let mut c = core(4, 0, None);
    c.step(msg(1, Message::Vote(vote(1, 1, 3, Phase::Prevote, NIL))));
    assert_eq!(c.view(), 0, "one validator (f) is not enough");
    let effects = c.step(msg(2, Message::Vote(vote(2, 1, 5, Phase::Precommit, NIL))));
    assert_eq!(c.view(), 3, "two validators are in round 3 or beyond");
    // No earlier round of the height was heard from a quorum: the base.
    assert!(
        timers(&effects).contains(&(1, 3, 200)),
        "{:?}",
        timers(&effects)
    );
    // Round 3 is proposed by validator 0 (us): with votes at this height it
    // proposes, here an empty block.
    let proposed = effects.iter().any(|e| {
        matches!(e, Effect::Broadcast { msg: Message::Tendermint(TendermintMessage::Proposal(p)) }
            if p.vote.view == 3 && p.block.proposals.is_empty())
    });
    assert!(proposed, "{effects:?}");
}

#[test]
fn precommits_of_an_earlier_round_decide() {
    let mut c = core(4, 0, None);
    let a = block(1, 0, 1, &["a"]);
    c.step(msg(1, proposal_msg(&a, 0, None)));
    precommit_nil_round(&mut c, 0);
    assert_eq!(c.view(), 1);
    // Late precommits for a in round 0 (l. 49 has no round condition).
    let mut commits = Vec::new();
    for i in 1..4 {
        let effects = c.step(msg(
            u32::try_from(i).unwrap(),
            Message::Vote(vote(i, 1, 0, Phase::Precommit, a.hash())),
        ));
        commits.extend(effects.into_iter().filter_map(|e| match e {
            Effect::Commit { block, qc } => Some((block, qc)),
            _ => None,
        }));
    }
    // Validator 1..3 each precommitted nil and then a in round 0: duplicate
    // votes, reported, and never counted twice: no decision.
    assert!(commits.is_empty());
    let mut c = core(4, 0, None);
    c.step(msg(1, proposal_msg(&a, 0, None)));
    c.step(msg(3, Message::Vote(vote(3, 1, 1, Phase::Prevote, NIL))));
    c.step(msg(2, Message::Vote(vote(2, 1, 1, Phase::Prevote, NIL))));
    assert_eq!(c.view(), 1, "skipped to round 1");
    c.step(msg(
        1,
        Message::Vote(vote(1, 1, 0, Phase::Precommit, a.hash())),
    ));
    c.step(msg(
        2,
        Message::Vote(vote(2, 1, 0, Phase::Precommit, a.hash())),
    ));
    let effects = c.step(msg(
        3,
        Message::Vote(vote(3, 1, 0, Phase::Precommit, a.hash())),
    ));
    let commit = effects.iter().find_map(|e| match e {
        Effect::Commit { block, qc } => Some((block, qc)),
        _ => None,
    });
    let (block, qc) = commit.expect("decided from round 0's precommits");
    assert_eq!(block, &a);
    assert_eq!((qc.view, qc.phase), (0, Phase::Precommit));
    assert_eq!(c.height(), 2);
}

/// Algorithm 1 line 36 holds for any proposal of the round, not only the
/// first one seen: an equivocating proposer sends A to us and B to the
/// others, who prevote B. We prevoted A (our first proposal), then B's
/// proposal and 2f+1 prevotes for B arrive: we lock B and precommit it,
/// so B can be decided with our precommit.
#[test]
fn a_polka_for_a_proposal_that_was_not_the_first_seen_locks_and_precommits_it() {
    let mut c = core(4, 0, None);
    let a = block(1, 0, 1, &["a"]);
    let b = block(1, 0, 1, &["b"]);
    // Prevotes for b from 1, 2 and 3 come first (we hold no proposal yet).
    for i in 1..4 {
        c.step(msg(
            u32::try_from(i).unwrap(),
            Message::Vote(vote(i, 1, 0, Phase::Prevote, b.hash())),
        ));
    }
    // Then the proposer's proposal of a: the first we see, we prevote it.
    let effects = c.step(msg(1, proposal_msg(&a, 0, None)));
    assert_eq!(
        sent_votes(&effects),
        [vote(0, 1, 0, Phase::Prevote, a.hash())]
    );
    // Then its proposal of b, which holds 2f+1 prevotes: line 36.
    let effects = c.step(msg(1, proposal_msg(&b, 0, None)));
    assert_eq!(
        sent_votes(&effects),
        [vote(0, 1, 0, Phase::Precommit, b.hash())]
    );
    assert_eq!(c.locked(), Some((0, b.hash())));
    // Two more precommits for b decide it.
    c.step(msg(
        2,
        Message::Vote(vote(2, 1, 0, Phase::Precommit, b.hash())),
    ));
    let effects = c.step(msg(
        3,
        Message::Vote(vote(3, 1, 0, Phase::Precommit, b.hash())),
    ));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Commit { block, .. } if block == &b)),
        "{effects:?}"
    );
}
