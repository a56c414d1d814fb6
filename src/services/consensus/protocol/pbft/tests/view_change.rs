//! New-view proofs and the f+1 rule.

use super::*;

/// View changes to view 1 at height 1 from `who`, none prepared.
fn view_changes(who: &[usize]) -> Vec<ViewChange> {
    who.iter()
        .map(|i| ViewChange {
            vote: vote(*i, 1, 1, Phase::ViewChange, [0; 32]),
            prepared: None,
        })
        .collect()
}

fn new_view(view_changes: Vec<ViewChange>, b: &Block) -> Message {
    // Height 1 view 1 is led by validator 2.
    Message::NewView(NewView {
        view_changes,
        block: b.clone(),
        vote: vote(2, 1, 1, Phase::Prepare, b.hash()),
        parent_qc: None,
    })
}

#[test]
fn new_view_proofs_are_checked() {
    let fresh = block(1, 1, 2, &["x"]);
    let mut c = core(4, 0, None);
    // Too few view changes.
    let r = rejections(&c.step(msg(2, new_view(view_changes(&[1, 2]), &fresh))));
    assert!(
        matches!(&r[..], [RejectReason::Malformed { detail }] if detail.contains("quorum")),
        "{r:?}"
    );
    // A signer twice.
    let r = rejections(&c.step(msg(2, new_view(view_changes(&[1, 2, 2]), &fresh))));
    assert_eq!(r[0].kind(), "malformed");
    // A forged view change inside.
    let mut forged = view_changes(&[1, 2, 3]);
    forged[0].vote.signature[0] ^= 1;
    let r = rejections(&c.step(msg(2, new_view(forged, &fresh))));
    assert_eq!(r, vec![RejectReason::BadSignature { validator: 1 }]);

    // Validator 3 prepared A in view 0: the new-view must re-propose A.
    let a = block(1, 0, 1, &["a"]);
    let prepares: Vec<Vote> = [0, 1, 3]
        .iter()
        .map(|i| vote(*i, 1, 0, Phase::Prepare, a.hash()))
        .collect();
    let qc = QuorumCertificate::from_votes(&prepares).unwrap();
    let mut vcs = view_changes(&[1, 2]);
    vcs.push(ViewChange {
        vote: vote(
            3,
            1,
            1,
            Phase::ViewChange,
            view_change_digest(Some((0, &a.hash()))),
        ),
        prepared: Some(PreparedCertificate {
            qc: qc.clone(),
            block: a.clone(),
        }),
    });
    let r = rejections(&c.step(msg(2, new_view(vcs.clone(), &fresh))));
    assert!(
        matches!(&r[..], [RejectReason::Malformed { detail }] if detail.contains("highest prepared")),
        "{r:?}"
    );
    // A certificate stripped from its view change is caught by the digest.
    let mut stripped = vcs.clone();
    stripped[2].prepared = None;
    let r = rejections(&c.step(msg(2, new_view(stripped, &fresh))));
    assert!(
        matches!(&r[..], [RejectReason::Malformed { detail }] if detail.contains("digest")),
        "{r:?}"
    );
    // The honest new-view is accepted: validator 0 moves to view 1 and
    // prepares A there.
    let effects = c.step(msg(2, new_view(vcs, &a)));
    assert!(rejections(&effects).is_empty(), "{effects:?}");
    assert_eq!(c.view(), 1);
    let votes = sent_votes(&effects);
    assert_eq!(
        (votes[0].view, votes[0].phase, votes[0].block_hash),
        (1, Phase::Prepare, a.hash())
    );
}

#[test]
fn f_plus_one_view_changes_pull_a_validator_along() {
    let mut c = core(4, 0, None);
    // View 2 of height 1 is led by validator 3, not by us.
    let vcs: Vec<ViewChange> = [1usize, 3]
        .iter()
        .map(|i| ViewChange {
            vote: vote(*i, 1, 2, Phase::ViewChange, [0; 32]),
            prepared: None,
        })
        .collect();
    let e = c.step(msg(1, Message::ViewChange(vcs[0].clone())));
    assert_eq!(c.view(), 0, "one validator is not enough: {e:?}");
    let e = c.step(msg(3, Message::ViewChange(vcs[1].clone())));
    assert_eq!(c.view(), 2);
    assert!(c.is_view_changing());
    let mine = sent_votes(&e);
    assert_eq!((mine[0].phase, mine[0].view), (Phase::ViewChange, 2));
}
