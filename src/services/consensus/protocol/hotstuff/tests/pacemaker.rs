//! Timers, timeouts, timeout certificates and catching up on views.

use serde_json::json;

use super::*;

fn timeout_msg(i: usize, view: u64, hqc: Option<&QuorumCertificate>) -> Message {
    Message::HotStuff(HotStuffMessage::Timeout {
        vote: timeout_vote(i, view, hqc.map_or(0, |q| q.view)),
        high_qc: hqc.cloned(),
        last_tc: None,
    })
}

#[test]
fn no_work_no_timer_and_stale_timers_are_ignored() {
    let mut c = core(0, None);
    let out = c.step(Input::Start);
    assert!(!out.iter().any(|e| matches!(e, Effect::SetTimer { .. })));
    assert!(c.step(Input::Timeout { view: 1, height: 1 }).is_empty());
    let out = c.step(Input::Propose(Proposal::new("p", json!(1))));
    assert!(out.iter().any(|e| matches!(
        e,
        Effect::SetTimer {
            view: 1,
            height: 1,
            after_ms: 200
        }
    )));
    // A timer for another view does nothing.
    assert!(c.step(Input::Timeout { view: 7, height: 1 }).is_empty());
}

/// One validator's validly signed timeout for a view far ahead must not
/// keep an idle cluster timing out forever.
#[test]
fn a_timeout_for_a_far_future_view_gives_an_idle_validator_no_work() {
    let mut c = core(0, None);
    c.step(Input::Start);
    let out = c.step(msg(3, timeout_msg(3, 1_000_000_000_000, None)));
    assert!(
        !out.iter().any(|e| matches!(e, Effect::SetTimer { .. })),
        "{out:?}"
    );
    assert!(!c.has_work());
    assert_eq!(c.view(), 1);
    // Nor are one validator's timeouts near our view, sent again and again
    // (at most f power: possibly Byzantine).
    for v in [1, 2, 5] {
        let out = c.step(msg(3, timeout_msg(3, v, None)));
        assert!(
            !out.iter().any(|e| matches!(e, Effect::SetTimer { .. })),
            "{out:?}"
        );
    }
    assert!(!c.has_work());
    // More than 1/3 of the power timing out at our view is: at least one
    // honest validator needs a TC, and ours may be what completes it.
    let out = c.step(msg(2, timeout_msg(2, 1, None)));
    assert!(
        out.iter().any(|e| matches!(
            e,
            Effect::SetTimer { .. }
                | Effect::Broadcast {
                    msg: Message::HotStuff(HotStuffMessage::Timeout { .. })
                }
        )),
        "{out:?}"
    );
}

#[test]
fn a_timeout_is_persisted_then_broadcast_and_blocks_voting_in_that_view() {
    let mut c = core(0, None);
    c.step(Input::Propose(Proposal::new("p", json!(1))));
    let out = c.step(Input::Timeout { view: 1, height: 1 });
    let persist = out
        .iter()
        .position(|e| matches!(e, Effect::Persist(_)))
        .unwrap();
    let sent = out
        .iter()
        .position(|e| {
            matches!(
                e,
                Effect::Broadcast {
                    msg: Message::HotStuff(HotStuffMessage::Timeout { .. })
                }
            )
        })
        .unwrap();
    assert!(persist < sent);
    let Effect::Persist(r) = &out[persist] else {
        unreachable!()
    };
    assert_eq!((r.height, r.view, r.phase), (0, 1, Phase::Timeout));
    assert_eq!(r.block_hash, timeout_digest(1, 0));
    // The pending proposal is forwarded again on the timeout.
    assert!(out.iter().any(|e| matches!(
        e,
        Effect::Broadcast {
            msg: Message::Forward { .. }
        }
    )));
    // The view-1 proposal arrives late: no vote after a timeout.
    let b = block(1, 1, [0; 32], &["a"]);
    assert!(sent_votes(&c.step(msg(1, proposal(&b, None, None)))).is_empty());
}

#[test]
fn timeouts_from_a_quorum_form_a_tc_and_the_next_leader_proposes_with_it() {
    // Validator 2 leads view 2.
    let mut c = core(2, None);
    c.step(Input::Propose(Proposal::new("p", json!(1))));
    c.step(msg(0, timeout_msg(0, 1, None)));
    assert_eq!(c.view(), 1);
    // Two of four (more than 1/3) timed out: join at once.
    let out = c.step(msg(1, timeout_msg(1, 1, None)));
    assert!(out.iter().any(|e| matches!(
        e,
        Effect::Broadcast {
            msg: Message::HotStuff(HotStuffMessage::Timeout { .. })
        }
    )));
    // Three of four with ours: TC(1), view 2, and we lead it.
    assert_eq!(c.view(), 2);
    let (block, tc) = out
        .iter()
        .find_map(|e| match e {
            Effect::Broadcast {
                msg:
                    Message::HotStuff(HotStuffMessage::Proposal {
                        block,
                        tc,
                        justify: None,
                        ..
                    }),
            } => Some((block.clone(), tc.clone())),
            _ => None,
        })
        .expect("a proposal with the TC");
    assert_eq!((block.height, block.view), (1, 2));
    let tc = tc.unwrap();
    assert_eq!(tc.view, 1);
    let mut signers: Vec<u32> = tc.signatures.iter().map(|s| s.validator).collect();
    signers.sort();
    assert_eq!(signers, vec![0, 1, 2]);
    let check = &mut |k: &[u8; 32], m: &[u8], s: &[u8; 64]| {
        crate::services::consensus::protocol::signature::Ed25519Check.check(k, m, s)
    };
    use crate::services::consensus::protocol::signature::SignatureCheck;
    tc.verify_with(&set(N), check).unwrap();
}

#[test]
fn timeouts_double_with_failed_views_and_reset_on_progress() {
    let mut c = core(3, None);
    c.step(Input::Propose(Proposal::new("p", json!(1))));
    // TC(1) and TC(2) with no QC: view 3 is the second failed view.
    c.step(msg(
        0,
        Message::HotStuff(HotStuffMessage::SyncInfo {
            high_qc: None,
            tc: Some(tc_of(1, None, &[0, 1, 2])),
        }),
    ));
    let out = c.step(msg(
        0,
        Message::HotStuff(HotStuffMessage::SyncInfo {
            high_qc: None,
            tc: Some(tc_of(2, None, &[0, 1, 2])),
        }),
    ));
    assert_eq!(c.view(), 3);
    assert!(
        out.iter().any(|e| matches!(
            e,
            Effect::SetTimer {
                view: 3,
                after_ms: 400,
                ..
            }
        )),
        "{out:?}"
    );
    let out = c.step(msg(
        0,
        Message::HotStuff(HotStuffMessage::SyncInfo {
            high_qc: None,
            tc: Some(tc_of(5, None, &[0, 1, 2])),
        }),
    ));
    assert_eq!(c.view(), 6);
    assert!(out.iter().any(|e| matches!(
        e,
        Effect::SetTimer {
            view: 6,
            after_ms: 3_200,
            ..
        }
    )));
    // View 6's block arrives (with TC(5)), then view 7's with QC(view 6):
    // progress, the base timeout again.
    let b = block(1, 6, [0; 32], &["a"]);
    c.step(msg(2, proposal(&b, None, Some(tc_of(5, None, &[0, 1, 2])))));
    let b7 = block(2, 7, b.hash(), &[]);
    let out = c.step(msg(3, proposal(&b7, Some(qc_of(&b)), None)));
    assert_eq!(c.view(), 7);
    assert!(
        out.iter().any(|e| matches!(
            e,
            Effect::SetTimer {
                view: 7,
                after_ms: 200,
                ..
            }
        )),
        "{out:?}"
    );
}

#[test]
fn a_validator_timing_out_in_an_old_view_is_told_the_way_forward_once() {
    let mut c = core(0, None);
    c.step(msg(
        1,
        Message::HotStuff(HotStuffMessage::SyncInfo {
            high_qc: None,
            tc: Some(tc_of(4, None, &[1, 2, 3])),
        }),
    ));
    assert_eq!(c.view(), 5);
    let out = c.step(msg(2, timeout_msg(2, 3, None)));
    let helped: Vec<_> = out
        .iter()
        .filter_map(|e| match e {
            Effect::Send {
                to,
                msg: Message::HotStuff(HotStuffMessage::SyncInfo { tc, .. }),
            } => Some((*to, tc.as_ref().map(|t| t.view))),
            _ => None,
        })
        .collect();
    assert_eq!(helped, vec![(2, Some(4))]);
    assert!(c.step(msg(2, timeout_msg(2, 3, None))).is_empty());
}

#[test]
fn on_timeout_the_vote_of_the_view_is_broadcast_so_anyone_can_form_the_qc() {
    let mut c = core(3, None);
    let b = block(1, 1, [0; 32], &["a"]);
    c.step(msg(1, proposal(&b, None, None)));
    let out = c.step(Input::Timeout { view: 1, height: 1 });
    let votes = sent_votes(&out);
    assert_eq!(votes.len(), 1);
    assert_eq!(votes[0].0, None);
    assert_eq!(votes[0].1.block_hash, b.hash());
    // Its timeout reports no QC yet (view 0) and is signed after the vote.
    let Some(Effect::Persist(r)) = out.iter().find(|e| matches!(e, Effect::Persist(_))) else {
        panic!("no persist: {out:?}")
    };
    assert_eq!((r.view, r.phase), (1, Phase::Timeout));
}
