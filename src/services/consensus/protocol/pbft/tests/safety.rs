//! Forged and malformed input, duplicate-vote evidence, restarts that
//! must not double-sign.

use super::*;

#[test]
fn forged_votes_are_rejected_with_the_right_reason() {
    let mut c = core(4, 0, None);
    let hash = [7; 32];
    let good = vote(2, 1, 0, Phase::Prepare, hash);

    let mut bad_sig = good.clone();
    bad_sig.signature[3] ^= 1;
    let mut other = set(4);
    other.chain_id = "other-chain".into();
    let wrong_chain = Vote::sign(&key(2), &other, 2, 1, 0, Phase::Prepare, hash);
    other = set(4);
    other.epoch = 5;
    let wrong_epoch = Vote::sign(&key(2), &other, 2, 1, 0, Phase::Prepare, hash);
    let outsider = Vote::sign(&key(9), &set(4), 9, 1, 0, Phase::Prepare, hash);
    let vc_as_vote = vote(2, 1, 1, Phase::ViewChange, [0; 32]);

    let cases: Vec<(u32, Message, &str)> = vec![
        (2, Message::Vote(bad_sig), "bad_signature"),
        (2, Message::Vote(wrong_chain), "wrong_chain"),
        (2, Message::Vote(wrong_epoch), "wrong_epoch"),
        (2, Message::Vote(outsider), "non_member"),
        (9, Message::Vote(good.clone()), "non_member"),
        (2, Message::Vote(vc_as_vote), "malformed"),
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
fn malformed_pre_prepares_are_rejected() {
    let mut c = core(4, 0, None);
    let b = block(1, 0, 1, &["a"]);
    // From a validator that does not lead height 1 view 0.
    let not_leader = Message::PrePrepare {
        block: block(1, 0, 2, &["a"]),
        vote: vote(2, 1, 0, Phase::Prepare, block(1, 0, 2, &["a"]).hash()),
        parent_qc: None,
    };
    // The leader's vote names another block.
    let mismatched = Message::PrePrepare {
        block: b.clone(),
        vote: vote(1, 1, 0, Phase::Prepare, [9; 32]),
        parent_qc: None,
    };
    // A block that does not extend the chain.
    let mut orphan = b.clone();
    orphan.parent_hash = [1; 32];
    // A proposal twice in one block.
    let twice = block(1, 0, 1, &["a", "a"]);
    for m in [
        not_leader,
        mismatched,
        pre_prepare(&orphan),
        pre_prepare(&twice),
    ] {
        let reasons = rejections(&c.step(msg(1, m)));
        assert_eq!(reasons.len(), 1);
        assert_eq!(reasons[0].kind(), "malformed");
    }
    // The genuine one is prepared.
    let effects = c.step(msg(1, pre_prepare(&b)));
    assert!(rejections(&effects).is_empty());
    assert_eq!(sent_votes(&effects).len(), 1);
}

#[test]
fn duplicate_votes_produce_evidence_once() {
    let mut c = core(4, 0, None);
    let a = vote(3, 1, 0, Phase::Commit, [1; 32]);
    let b = vote(3, 1, 0, Phase::Commit, [2; 32]);
    let d = vote(3, 1, 0, Phase::Commit, [3; 32]);
    let evidence = |effects: Vec<Effect>| -> Vec<Evidence> {
        effects
            .into_iter()
            .filter_map(|e| match e {
                Effect::Evidence(e) => Some(e),
                _ => None,
            })
            .collect()
    };
    assert!(evidence(c.step(msg(3, Message::Vote(a.clone())))).is_empty());
    assert!(evidence(c.step(msg(3, Message::Vote(a.clone())))).is_empty()); // a repeat is no offence
    let found = evidence(c.step(msg(3, Message::Vote(b.clone()))));
    assert_eq!(found, vec![Evidence::DuplicateVote { a: a.clone(), b }]);
    assert_eq!(found[0].validator(), 3);
    assert!(
        evidence(c.step(msg(3, Message::Vote(d)))).is_empty(),
        "reported once"
    );
    // Another phase is another slot.
    let p1 = vote(3, 1, 0, Phase::Prepare, [1; 32]);
    let p2 = vote(3, 1, 0, Phase::Prepare, [2; 32]);
    c.step(msg(3, Message::Vote(p1)));
    assert_eq!(evidence(c.step(msg(3, Message::Vote(p2)))).len(), 1);
}

#[test]
fn restarted_validator_never_double_signs() {
    // Validator 2 prepares block A from leader 1 ...
    let a = block(1, 0, 1, &["a"]);
    let b = block(1, 0, 1, &["b"]); // ... which then equivocates with B.
    let mut first = core(4, 2, None);
    let effects = first.step(msg(1, pre_prepare(&a)));
    let Some(Effect::Persist(record)) = effects.first().cloned() else {
        panic!("the prepare vote must be persisted first: {effects:?}");
    };
    let prepare_a = sent_votes(&effects).remove(0);
    assert_eq!(
        (record.height, record.view, record.phase, record.block_hash),
        (1, 0, Phase::Prepare, a.hash())
    );

    // kill -9; restart from exactly what was persisted.
    let recovered = Recovered {
        safety: Some(record.clone()),
        committed: vec![],
    };
    let mut again = core(4, 2, Some(recovered));
    again.step(Input::Start);
    let effects = again.step(msg(1, pre_prepare(&b)));
    assert!(
        sent_votes(&effects).is_empty(),
        "signed B after A: {effects:?}"
    );
    assert!(!effects.iter().any(|e| matches!(e, Effect::Persist(_))));
    // A again is fine: the same slot, the same signature.
    let effects = again.step(msg(1, pre_prepare(&a)));
    assert_eq!(sent_votes(&effects), vec![prepare_a]);
}

#[test]
fn restarted_validator_still_reports_what_it_prepared() {
    // Validator 2 saw a prepare quorum for A and sent its commit vote.
    let a = block(1, 0, 1, &["a"]);
    let mut first = core(4, 2, None);
    first.step(msg(1, pre_prepare(&a)));
    let effects = first.step(msg(
        3,
        Message::Vote(vote(3, 1, 0, Phase::Prepare, a.hash())),
    ));
    let commit = sent_votes(&effects);
    assert_eq!(commit.len(), 1);
    assert_eq!(commit[0].phase, Phase::Commit);
    let record = effects
        .iter()
        .find_map(|e| match e {
            Effect::Persist(r) => Some(r.clone()),
            _ => None,
        })
        .unwrap();
    assert!(record.prepared.is_some());

    let mut again = core(
        4,
        2,
        Some(Recovered {
            safety: Some(record),
            committed: vec![],
        }),
    );
    // It holds a prepared certificate, so it has work: a timer runs, and
    // its timeout sends a view change carrying the certificate.
    let started = again.step(Input::Start);
    assert!(
        started.iter().any(|e| matches!(
            e,
            Effect::SetTimer {
                height: 1,
                view: 0,
                ..
            }
        )),
        "{started:?}"
    );
    let effects = again.step(Input::Timeout { view: 0, height: 1 });
    let vc = effects
        .iter()
        .find_map(|e| match e {
            Effect::Broadcast {
                msg: Message::ViewChange(vc),
            } => Some(vc.clone()),
            _ => None,
        })
        .unwrap();
    let p = vc.prepared.unwrap();
    assert_eq!(p.qc.block_hash, a.hash());
    assert_eq!(vc.vote.block_hash, view_change_digest(Some((0, &a.hash()))));
}
