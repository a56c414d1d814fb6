//! Refused input, duplicate-vote evidence, restarts that must not
//! double-sign, sync, and a no-panic fuzz.

use proptest::prelude::*;

use super::*;

#[test]
fn forged_and_foreign_votes_are_rejected_with_the_right_reason() {
    let mut c = core(4, 0, None);
    let hash = [7; 32];
    let good = vote(2, 1, 0, Phase::Prevote, hash);
    let mut bad_sig = good.clone();
    bad_sig.signature[3] ^= 1;
    let mut other = set(4);
    other.chain_id = "other-chain".into();
    let wrong_chain = Vote::sign(&key(2), &other, 2, 1, 0, Phase::Prevote, hash);
    other = set(4);
    other.epoch = 5;
    let wrong_epoch = Vote::sign(&key(2), &other, 2, 1, 0, Phase::Prevote, hash);
    let outsider = Vote::sign(&key(9), &set(4), 9, 1, 0, Phase::Prevote, hash);
    let pbft_phase = vote(2, 1, 0, Phase::Commit, hash);
    let pbft_message = Message::PrePrepare {
        block: block(1, 0, 1, &["a"]),
        vote: vote(1, 1, 0, Phase::Prepare, block(1, 0, 1, &["a"]).hash()),
        parent_qc: None,
    };
    let cases: Vec<(u32, Message, &str)> = vec![
        (2, Message::Vote(bad_sig), "bad_signature"),
        (2, Message::Vote(wrong_chain), "wrong_chain"),
        (2, Message::Vote(wrong_epoch), "wrong_epoch"),
        (2, Message::Vote(outsider), "non_member"),
        (9, Message::Vote(good.clone()), "non_member"),
        (2, Message::Vote(pbft_phase), "malformed"),
        (1, pbft_message, "malformed"),
    ];
    for (from, m, kind) in cases {
        let effects = c.step(msg(from, m));
        let reasons = rejections(&effects);
        assert_eq!(reasons.len(), 1, "{kind}: {effects:?}");
        assert_eq!(reasons[0].kind(), kind, "{:?}", reasons[0]);
        assert!(matches!(&effects[0], Effect::Rejected { from: f, .. } if *f == from));
    }
    assert!(rejections(&c.step(msg(2, Message::Vote(good)))).is_empty());
    assert!(c.last_votes()[2].is_some());
    assert!(c.last_votes()[3].is_none());
}

#[test]
fn malformed_proposals_are_rejected() {
    let mut c = core(4, 0, None);
    let a = block(1, 0, 1, &["a"]);
    let with = |f: &dyn Fn(&mut SignedProposal)| {
        let Message::Tendermint(TendermintMessage::Proposal(mut p)) = proposal_msg(&a, 0, None)
        else {
            unreachable!()
        };
        f(&mut p);
        Message::Tendermint(TendermintMessage::Proposal(p))
    };
    let not_proposer = {
        let b = block(1, 0, 2, &["a"]);
        Message::Tendermint(TendermintMessage::Proposal(SignedProposal {
            vote: vote(2, 1, 0, Phase::Prevote, b.hash()),
            block: b,
            pol: None,
            parent_qc: None,
        }))
    };
    let other_block = with(&|p| p.vote = vote(1, 1, 0, Phase::Prevote, [9; 32]));
    let precommit_signed = with(&|p| p.vote = vote(1, 1, 0, Phase::Precommit, a.hash()));
    // A fresh block (no proof-of-lock) must be from this round.
    let stale_fresh = {
        let b = block(1, 3, 0, &["a"]);
        Message::Tendermint(TendermintMessage::Proposal(SignedProposal {
            vote: vote(1, 1, 0, Phase::Prevote, b.hash()),
            block: b,
            pol: None,
            parent_qc: None,
        }))
    };
    // Proofs of lock: wrong phase, not earlier, too weak.
    let mut b1 = a.clone();
    b1.view = 0;
    let pol_phase = {
        let votes: Vec<Vote> = (1..4)
            .map(|i| vote(i, 1, 0, Phase::Precommit, a.hash()))
            .collect();
        QuorumCertificate::from_votes(&votes).unwrap()
    };
    let round1 = |pol: QuorumCertificate| {
        Message::Tendermint(TendermintMessage::Proposal(SignedProposal {
            vote: vote(2, 1, 1, Phase::Prevote, a.hash()),
            block: a.clone(),
            pol: Some(pol),
            parent_qc: None,
        }))
    };
    let mut weak = prevote_qc(&[1, 2, 3], 1, 0, a.hash());
    weak.signatures.pop();
    let cases = vec![
        not_proposer,
        other_block,
        precommit_signed,
        stale_fresh,
        with(&|p| p.block.parent_hash = [1; 32]),
        round1(pol_phase),
        round1(prevote_qc(&[1, 2, 3], 1, 1, a.hash())),
        round1(weak),
    ];
    for m in cases {
        let effects = c.step(msg(1, m.clone()));
        let reasons = rejections(&effects);
        assert_eq!(reasons.len(), 1, "{m:?}: {effects:?}");
        assert!(sent_votes(&effects).is_empty());
    }
    // The genuine proposal is prevoted.
    let effects = c.step(msg(1, proposal_msg(&a, 0, None)));
    assert!(rejections(&effects).is_empty());
    assert_eq!(
        sent_votes(&effects),
        [vote(0, 1, 0, Phase::Prevote, a.hash())]
    );
}

#[test]
fn duplicate_votes_and_equivocating_proposers_are_reported_once() {
    let mut c = core(4, 0, None);
    let a = block(1, 0, 1, &["a"]);
    let b = block(1, 0, 1, &["b"]);
    c.step(msg(1, proposal_msg(&a, 0, None)));
    // The proposer's second block is a second prevote in one slot.
    let effects = c.step(msg(1, proposal_msg(&b, 0, None)));
    let evidence: Vec<&Evidence> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Evidence(ev) => Some(ev),
            _ => None,
        })
        .collect();
    assert_eq!(evidence.len(), 1);
    let Evidence::DuplicateVote {
        a: first,
        b: second,
    } = evidence[0];
    assert_eq!((first.block_hash, second.block_hash), (a.hash(), b.hash()));
    assert!(sent_votes(&effects).is_empty(), "we prevoted once already");
    let again = c.step(msg(
        1,
        Message::Vote(vote(1, 1, 0, Phase::Prevote, [3; 32])),
    ));
    assert!(!again.iter().any(|e| matches!(e, Effect::Evidence(_))));
    let pc = c.step(msg(2, Message::Vote(vote(2, 1, 0, Phase::Precommit, NIL))));
    assert!(!pc.iter().any(|e| matches!(e, Effect::Evidence(_))));
    let pc = c.step(msg(
        2,
        Message::Vote(vote(2, 1, 0, Phase::Precommit, a.hash())),
    ));
    assert_eq!(
        pc.iter()
            .filter(|e| matches!(e, Effect::Evidence(_)))
            .count(),
        1
    );
}

#[test]
fn restart_keeps_the_lock_and_never_signs_below_the_record() {
    let (c, a) = locked_core();
    let record = c.safety_record().cloned().unwrap();
    assert_eq!((record.view, record.phase), (0, Phase::Precommit));
    let recovered = Recovered {
        safety: Some(record.clone()),
        committed: vec![],
    };
    let mut c = core(4, 0, Some(recovered));
    assert_eq!(c.locked(), Some((0, a.hash())));
    assert_eq!((c.height(), c.view()), (1, 0));
    let effects = c.step(Input::Start);
    assert!(sent_votes(&effects).is_empty());
    // A conflicting round-0 proposal gets no vote at all: we already
    // prevoted and precommitted in round 0.
    let b = block(1, 0, 1, &["b"]);
    let effects = c.step(msg(1, proposal_msg(&b, 0, None)));
    assert!(sent_votes(&effects).is_empty(), "{effects:?}");
    // The precommit timeout ends round 0 without 2/3+ precommits: the very
    // precommit signed before the restart goes out again (ed25519 is
    // deterministic) in the round state.
    let effects = c.step(Input::Timeout { view: 0, height: 1 });
    let resent = effects.iter().find_map(|e| match e {
        Effect::Broadcast {
            msg: Message::Tendermint(TendermintMessage::RoundState { vote: v, .. }),
        } => Some(v.clone()),
        _ => None,
    });
    assert_eq!(resent, Some(vote(0, 1, 0, Phase::Precommit, a.hash())));
    assert_eq!(c.view(), 1);
    // Round 1 with a fresh other block: still locked, prevote nil.
    let d = block(1, 1, 2, &["d"]);
    let effects = c.step(msg(2, proposal_msg(&d, 1, None)));
    assert_eq!(sent_votes(&effects), [vote(0, 1, 1, Phase::Prevote, NIL)]);
}

#[test]
fn restart_after_a_prevote_does_not_prevote_again() {
    let record = SafetyRecord {
        height: 1,
        view: 2,
        phase: Phase::Prevote,
        block_hash: NIL,
        prepared: None,
        branch: Vec::new(),
    };
    let mut c = core(
        4,
        0,
        Some(Recovered {
            safety: Some(record),
            committed: vec![],
        }),
    );
    assert_eq!(c.view(), 2);
    c.step(Input::Start);
    // Round 2's proposer (3) proposes a fresh block: no second prevote.
    let b = block(1, 2, 3, &["b"]);
    let effects = c.step(msg(3, proposal_msg(&b, 2, None)));
    assert!(sent_votes(&effects).is_empty(), "{effects:?}");
    // The precommit slot is still free: a polka for b gets a precommit.
    c.step(msg(
        1,
        Message::Vote(vote(1, 1, 2, Phase::Prevote, b.hash())),
    ));
    let effects = c.step(msg(
        2,
        Message::Vote(vote(2, 1, 2, Phase::Prevote, b.hash())),
    ));
    assert_eq!(
        sent_votes(&effects),
        [vote(0, 1, 2, Phase::Precommit, b.hash())]
    );
}

#[test]
fn sync_refuses_foreign_certificates_and_serves_stuck_peers() {
    let mut cores: Vec<Tendermint> = (0..4).map(|i| fast_core(4, i)).collect();
    let first = cores[1].step(Input::Propose(proposal("a")));
    let commits = run(&mut cores, vec![(1, first)]);
    let (_, b, qc) = commits[0].clone();
    let mut fresh = core(4, 3, None);
    let mut commit_qc = qc.clone();
    commit_qc.phase = Phase::Commit;
    let effects = fresh.step(msg(
        1,
        Message::SyncResponse {
            blocks: vec![(b.clone(), commit_qc)],
        },
    ));
    assert_eq!(rejections(&effects).len(), 1);
    assert_eq!(fresh.height(), 1);
    let effects = fresh.step(msg(
        1,
        Message::SyncResponse {
            blocks: vec![(b.clone(), qc.clone())],
        },
    ));
    assert!(effects.iter().any(|e| matches!(e, Effect::Commit { .. })));
    assert_eq!(fresh.height(), 2);
    // A peer stuck at height 1 sends its round state: it gets the block.
    let mut behind = core(4, 2, None);
    behind.step(msg(0, Message::Vote(vote(0, 1, 0, Phase::Prevote, NIL))));
    let stuck = Message::Tendermint(TendermintMessage::RoundState {
        vote: vote(2, 1, 0, Phase::Prevote, NIL),
        votes: vec![vote(0, 1, 0, Phase::Prevote, NIL)],
    });
    let effects = fresh.step(msg(2, stuck));
    assert!(effects.iter().any(|e| matches!(
        e,
        Effect::Send { to: 2, msg: Message::SyncResponse { blocks } } if blocks.len() == 1
    )));
    // A round state that is not its sender's is refused.
    let foreign = Message::Tendermint(TendermintMessage::RoundState {
        vote: vote(1, 2, 0, Phase::Prevote, NIL),
        votes: vec![],
    });
    assert_eq!(rejections(&fresh.step(msg(2, foreign))).len(), 1);
}

fn arb_vote() -> impl Strategy<Value = Vote> {
    (
        0u32..6,
        0u64..3,
        0u64..4,
        3u8..6,
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(v, h, round, p, nil, real)| {
            let phase = Phase::from_code(p).unwrap_or(Phase::Prevote);
            let hash = if nil {
                NIL
            } else {
                [u8::try_from(v).unwrap_or(0); 32]
            };
            let mut vote = Vote::sign(&key(v as usize), &set(4), v, h, round, phase, hash);
            if !real {
                vote.signature[1] ^= 0x55;
            }
            vote
        })
}

fn arb_message() -> impl Strategy<Value = Message> {
    prop_oneof![
        arb_vote().prop_map(Message::Vote),
        (arb_vote(), prop::collection::vec(arb_vote(), 0..6)).prop_map(|(vote, votes)| {
            Message::Tendermint(TendermintMessage::RoundState { vote, votes })
        }),
        (0u64..3, 0u64..3, 0u32..5, any::<bool>(), arb_vote()).prop_map(
            |(h, round, proposer, with_pol, v)| {
                let b = block(h, round, proposer, &["x"]);
                let pol = with_pol.then(|| prevote_qc(&[0, 1, 2], h, round, b.hash()));
                Message::Tendermint(TendermintMessage::Proposal(SignedProposal {
                    vote: Vote {
                        block_hash: if v.validator % 2 == 0 {
                            b.hash()
                        } else {
                            v.block_hash
                        },
                        ..v
                    },
                    block: b,
                    pol,
                    parent_qc: None,
                }))
            }
        ),
        (0u64..4).prop_map(|from_height| Message::SyncRequest { from_height }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn arbitrary_messages_and_timeouts_never_panic(
        inputs in prop::collection::vec((0u32..6, arb_message(), any::<bool>()), 1..24)
    ) {
        let mut c = fast_core(4, 0);
        c.step(Input::Start);
        for (from, m, tick) in inputs {
            c.step(msg(from, m));
            if tick {
                let (height, view) = (c.height(), c.view());
                c.step(Input::Timeout { view, height });
            }
            prop_assert!(c.height() >= 1);
        }
    }
}
