//! Arbitrary messages never panic a core.

use super::*;

fn arb_vote() -> impl Strategy<Value = Vote> {
    (
        0u32..6,
        0u64..4,
        0u64..4,
        0u8..4,
        any::<[u8; 32]>(),
        any::<bool>(),
    )
        .prop_map(|(v, h, view, p, hash, real)| {
            let phase = Phase::from_code(p).unwrap_or(Phase::Prepare);
            let mut vote = Vote::sign(&key(v as usize), &set(4), v, h, view, phase, hash);
            if !real {
                vote.signature[1] ^= 0x55;
            }
            vote
        })
}

fn arb_block() -> impl Strategy<Value = Block> {
    (
        0u64..4,
        0u64..3,
        0u32..6,
        prop::collection::vec("[a-c]{0,2}", 0..3),
    )
        .prop_map(|(h, v, p, ids)| Block {
            height: h,
            view: v,
            parent_hash: [0; 32],
            proposer: p,
            proposals: ids
                .into_iter()
                .map(|id| Proposal::new(id, json!(1)))
                .collect(),
        })
}

fn arb_qc() -> impl Strategy<Value = QuorumCertificate> {
    prop::collection::vec(arb_vote(), 0..4).prop_map(|votes| {
        QuorumCertificate::from_votes(&votes).unwrap_or(QuorumCertificate {
            chain_id: "x".into(),
            epoch: 1,
            height: 1,
            view: 0,
            phase: Phase::Commit,
            block_hash: [0; 32],
            signatures: votes.iter().map(|v| (v.validator, v.signature)).collect(),
        })
    })
}

fn arb_view_change() -> impl Strategy<Value = ViewChange> {
    (arb_vote(), proptest::option::of((arb_qc(), arb_block()))).prop_map(|(vote, p)| ViewChange {
        vote,
        prepared: p.map(|(qc, block)| PreparedCertificate { qc, block }),
    })
}

fn arb_message() -> impl Strategy<Value = Message> {
    prop_oneof![
        (arb_block(), arb_vote(), proptest::option::of(arb_qc())).prop_map(
            |(block, vote, parent_qc)| Message::PrePrepare {
                block,
                vote,
                parent_qc
            }
        ),
        arb_vote().prop_map(Message::Vote),
        arb_view_change().prop_map(Message::ViewChange),
        (
            prop::collection::vec(arb_view_change(), 0..5),
            arb_block(),
            arb_vote(),
            proptest::option::of(arb_qc())
        )
            .prop_map(
                |(view_changes, block, vote, parent_qc)| Message::NewView(NewView {
                    view_changes,
                    block,
                    vote,
                    parent_qc
                })
            ),
        prop::collection::vec("[a-c]{0,3}", 0..3).prop_map(|ids| Message::Forward {
            proposals: ids
                .into_iter()
                .map(|id| Proposal::new(id, json!(null)))
                .collect()
        }),
        any::<u64>().prop_map(|from_height| Message::SyncRequest { from_height }),
        prop::collection::vec((arb_block(), arb_qc()), 0..3)
            .prop_map(|blocks| Message::SyncResponse { blocks }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever arrives, the core answers with effects, never a panic.
    #[test]
    fn arbitrary_messages_never_panic(inputs in prop::collection::vec((0u32..6, arb_message()), 1..12)) {
        let mut c = fast_core(4, 0);
        c.step(Input::Start);
        c.step(Input::Propose(proposal("a")));
        for (from, m) in inputs {
            let _ = c.step(msg(from, m));
            let _ = c.step(Input::Timeout { view: c.view(), height: c.height() });
        }
    }
}
