//! Block sync and recovered state.

use super::*;

#[test]
fn sync_catches_up_and_checks_certificates() {
    let mut cores: Vec<Pbft> = (0..4).map(|i| fast_core(4, i)).collect();
    let mut chain = Vec::new();
    for id in ["a", "b", "c"] {
        let h = cores[0].height();
        let leader = cores[0].set.leader(h, 0);
        let first = cores[leader as usize].step(Input::Propose(proposal(id)));
        run(&mut cores, vec![(leader, first)]);
        chain.push(cores[0].committed_block(h).unwrap().clone());
    }
    let mut late = core(4, 3, None);
    late.step(Input::Start);
    // A tampered certificate is refused and nothing is committed.
    let mut bad = chain.clone();
    bad[0].1.signatures[0].1[0] ^= 1;
    let effects = late.step(msg(0, Message::SyncResponse { blocks: bad }));
    assert_eq!(rejections(&effects)[0].kind(), "bad_signature");
    assert_eq!(late.height(), 1);
    // A block that is not the one certified.
    let mut swapped = chain.clone();
    swapped[0].0.proposals.push(proposal("smuggled"));
    assert_eq!(
        rejections(&late.step(msg(0, Message::SyncResponse { blocks: swapped })))[0].kind(),
        "malformed"
    );
    // The genuine blocks commit in order; a gap stops the walk.
    let effects = late.step(msg(
        0,
        Message::SyncResponse {
            blocks: vec![chain[0].clone(), chain[2].clone()],
        },
    ));
    assert_eq!(
        effects
            .iter()
            .filter(|e| matches!(e, Effect::Commit { .. }))
            .count(),
        1
    );
    let effects = late.step(msg(
        0,
        Message::SyncResponse {
            blocks: chain.clone(),
        },
    ));
    assert_eq!(
        effects
            .iter()
            .filter(|e| matches!(e, Effect::Commit { .. }))
            .count(),
        2
    );
    assert_eq!(late.height(), 4);
    // And it serves what it holds; older heights go to the shell.
    let small = CoreConfig {
        sync_window: 1,
        ..CoreConfig::default()
    };
    let mut tiny = Pbft::new(
        set(4),
        3,
        key(3).to_bytes(),
        small,
        Some(Recovered {
            safety: None,
            committed: chain.clone(),
        }),
    )
    .unwrap();
    let e = tiny.step(msg(1, Message::SyncRequest { from_height: 3 }));
    assert!(
        matches!(&e[..], [Effect::Send { to: 1, msg: Message::SyncResponse { blocks } }] if blocks.len() == 1)
    );
    let e = tiny.step(msg(1, Message::SyncRequest { from_height: 1 }));
    assert_eq!(
        e,
        vec![Effect::ServeSync {
            to: 1,
            from_height: 1,
            max_blocks: 64
        }]
    );
    assert!(
        tiny.step(msg(1, Message::SyncRequest { from_height: 4 }))
            .is_empty()
    );
}

#[test]
fn recovered_chain_must_be_consistent() {
    let mut cores: Vec<Pbft> = (0..4).map(|i| fast_core(4, i)).collect();
    let first = cores[1].step(Input::Propose(proposal("a")));
    run(&mut cores, vec![(1, first)]);
    let (b, qc) = cores[0].committed_block(1).unwrap().clone();
    let mut wrong = qc.clone();
    wrong.phase = Phase::Prepare;
    let r = Pbft::new(
        set(4),
        0,
        key(0).to_bytes(),
        CoreConfig::default(),
        Some(Recovered {
            safety: None,
            committed: vec![(b.clone(), wrong)],
        }),
    );
    assert!(matches!(r, Err(SetupError::Recovered(_))));
    let r = Pbft::new(
        set(4),
        0,
        key(0).to_bytes(),
        CoreConfig::default(),
        Some(Recovered {
            safety: None,
            committed: vec![(b.clone(), qc.clone()), (b, qc)],
        }),
    );
    assert!(matches!(r, Err(SetupError::Recovered(_))));
}
