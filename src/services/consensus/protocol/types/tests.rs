//! Sign-bytes test vector, vote and certificate checks, quorum arithmetic.

use proptest::prelude::*;

use super::*;
use crate::services::consensus::protocol::testkit::{CHAIN, key, set, set_with_powers};

const HASH: [u8; 32] = [0x11; 32];

fn vote(i: usize, set: &ValidatorSet, phase: Phase, hash: [u8; 32]) -> Vote {
    Vote::sign(&key(i), set, u32::try_from(i).unwrap(), 2, 3, phase, hash)
}

fn qc(set: &ValidatorSet, signers: &[usize], hash: [u8; 32]) -> QuorumCertificate {
    let votes: Vec<Vote> = signers
        .iter()
        .map(|i| vote(*i, set, Phase::Commit, hash))
        .collect();
    QuorumCertificate::from_votes(&votes).unwrap()
}

#[test]
fn sign_bytes_test_vector() {
    let s = set(4);
    let v = vote(0, &s, Phase::Commit, HASH);
    let expected = concat!(
        "62697463726170732d766f74652d7631", // "bitcraps-vote-v1"
        "0000000d",                         // len("bitcraps-test") = 13
        "62697463726170732d74657374",       // "bitcraps-test"
        "0000000000000001",                 // epoch 1
        "0000000000000002",                 // height 2
        "0000000000000003",                 // view 3
        "02",                               // phase commit
        "1111111111111111111111111111111111111111111111111111111111111111",
    );
    assert_eq!(hex::encode(v.sign_bytes()), expected);
    assert_eq!(v.sign_bytes().len(), 77 + CHAIN.len());
    // Secret key 32 x 0x01: anyone can reproduce this with any ed25519
    // library (RFC 8032 signatures are deterministic).
    assert_eq!(
        hex::encode(key(0).verifying_key().to_bytes()),
        "8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c"
    );
    assert_eq!(hex::encode(v.signature), SIGNATURE_VECTOR);
    assert_eq!(v.verify(&s), Ok(()));
}

// Cross-checked with Python `cryptography` (Ed25519PrivateKey.sign).
const SIGNATURE_VECTOR: &str = concat!(
    "9d17092bd1e3e3b87d6bb48aad664e99b817b537e6ab70e7cff3ebaf401ebb38",
    "6c0d0ffc87e848739bfbe1d026334c3d5f48261d9c959684fed2956bdc7e9704",
);

#[test]
fn phase_codes_round_trip() {
    let all = [
        Phase::Prepare,
        Phase::Commit,
        Phase::ViewChange,
        Phase::Prevote,
        Phase::Precommit,
        Phase::Generic,
        Phase::Timeout,
    ];
    for (i, p) in all.into_iter().enumerate() {
        assert_eq!(
            p.code() as usize,
            i + 1,
            "{p}: codes are documented in order"
        );
        assert_eq!(Phase::from_code(p.code()), Some(p));
    }
    assert_eq!(Phase::from_code(0), None);
    assert_eq!(Phase::from_code(8), None);
}

#[test]
fn vote_errors_are_distinct() {
    let s = set(4);
    let good = vote(1, &s, Phase::Prepare, HASH);
    assert_eq!(good.verify(&s), Ok(()));

    let mut bad_sig = good.clone();
    bad_sig.signature[0] ^= 1;
    assert_eq!(
        bad_sig.verify(&s),
        Err(VoteError::BadSignature { validator: 1 })
    );

    let mut tampered = good.clone();
    tampered.view += 1;
    assert_eq!(
        tampered.verify(&s),
        Err(VoteError::BadSignature { validator: 1 })
    );

    let mut other_chain = s.clone();
    other_chain.chain_id = "other".into();
    let v = vote(1, &other_chain, Phase::Prepare, HASH);
    assert!(matches!(v.verify(&s), Err(VoteError::WrongChain { .. })));

    let mut other_epoch = s.clone();
    other_epoch.epoch = 2;
    let v = vote(1, &other_epoch, Phase::Prepare, HASH);
    assert_eq!(
        v.verify(&s),
        Err(VoteError::WrongEpoch {
            expected: 1,
            got: 2
        })
    );

    let outsider = Vote::sign(&key(9), &s, 9, 2, 3, Phase::Prepare, HASH);
    assert_eq!(
        outsider.verify(&s),
        Err(VoteError::NonMember { validator: 9 })
    );

    // A member index signed with someone else's key.
    let impostor = Vote::sign(&key(9), &s, 2, 2, 3, Phase::Prepare, HASH);
    assert_eq!(
        impostor.verify(&s),
        Err(VoteError::BadSignature { validator: 2 })
    );
}

#[test]
fn qc_verifies_with_a_quorum() {
    let s = set(4);
    assert_eq!(qc(&s, &[0, 1, 2], HASH).verify(&s), Ok(()));
    assert_eq!(qc(&s, &[3, 1, 0, 2], HASH).verify(&s), Ok(()));
}

#[test]
fn qc_failures() {
    let s = set(4);
    assert_eq!(
        qc(&s, &[0, 1], HASH).verify(&s),
        Err(QcError::InsufficientPower { have: 2, need: 3 })
    );

    let mut dup = qc(&s, &[0, 1], HASH);
    let again = dup.signatures[1];
    dup.signatures.push(again);
    assert_eq!(
        dup.verify(&s),
        Err(QcError::DuplicateSigner { validator: 1 })
    );

    let mut wrong_hash = qc(&s, &[0, 1, 2], HASH);
    wrong_hash.block_hash = [0x22; 32];
    assert!(matches!(
        wrong_hash.verify(&s),
        Err(QcError::BadSignature { .. })
    ));

    let mut outsider = qc(&s, &[0, 1, 2], HASH);
    outsider.signatures.push((7, [0; 64]));
    assert_eq!(
        outsider.verify(&s),
        Err(QcError::NonMember { validator: 7 })
    );

    let mut bad = qc(&s, &[0, 1, 2], HASH);
    bad.signatures[2].1[5] ^= 0x40;
    assert_eq!(bad.verify(&s), Err(QcError::BadSignature { validator: 2 }));

    let mut other = s.clone();
    other.chain_id = "other".into();
    assert!(matches!(
        qc(&s, &[0, 1, 2], HASH).verify(&other),
        Err(QcError::WrongChain { .. })
    ));
    other = s.clone();
    other.epoch = 9;
    assert!(matches!(
        qc(&s, &[0, 1, 2], HASH).verify(&other),
        Err(QcError::WrongEpoch { .. })
    ));
}

#[test]
fn qc_counts_power_not_heads() {
    // Powers 5, 1, 1, 1: total 8, quorum needs more than 16/3, so 6.
    let s = set_with_powers(&[5, 1, 1, 1]);
    assert_eq!(s.quorum_power(), 6);
    assert_eq!(qc(&s, &[0, 1], HASH).verify(&s), Ok(()));
    assert!(matches!(
        qc(&s, &[1, 2, 3], HASH).verify(&s),
        Err(QcError::InsufficientPower { have: 3, need: 6 })
    ));
}

#[test]
fn from_votes_refuses_mixed_ballots() {
    let s = set(4);
    let a = vote(0, &s, Phase::Commit, HASH);
    let b = vote(1, &s, Phase::Commit, [0x22; 32]);
    assert!(QuorumCertificate::from_votes([&a, &b]).is_none());
    assert!(QuorumCertificate::from_votes(std::iter::empty::<&Vote>()).is_none());
}

#[test]
fn set_validation() {
    assert_eq!(set(4).validate(), Ok(()));
    let mut s = set(4);
    s.validators[1].power = 0;
    assert!(matches!(s.validate(), Err(SetError::ZeroPower { .. })));
    let mut s = set(4);
    s.validators[2].id = "validator-0".into();
    assert!(matches!(s.validate(), Err(SetError::DuplicateId { .. })));
    let mut s = set(4);
    s.validators[2].public_key = s.validators[0].public_key;
    assert!(matches!(s.validate(), Err(SetError::DuplicateKey { .. })));
    let mut s = set(1);
    s.validators[0].power = u64::MAX;
    assert_eq!(s.validate(), Ok(()));
    s.validators.push(set(2).validators[1].clone());
    assert_eq!(s.validate(), Err(SetError::PowerOverflow));
    let empty = ValidatorSet {
        chain_id: CHAIN.into(),
        epoch: 1,
        validators: vec![],
        governance_keys: vec![],
    };
    assert_eq!(empty.validate(), Err(SetError::Empty));
}

#[test]
fn serde_shapes() {
    let s = set(2);
    let text = serde_json::to_value(&s).unwrap();
    assert_eq!(
        text["validators"][0]["public_key"],
        hex::encode(key(0).verifying_key().to_bytes())
    );
    let c = qc(&set(4), &[0, 1, 2], HASH);
    let json = serde_json::to_value(&c).unwrap();
    assert_eq!(json["phase"], "commit");
    assert_eq!(json["signatures"][1]["validator"], 1);
    assert_eq!(
        json["signatures"][1]["signature"].as_str().unwrap().len(),
        128
    );
    let back: QuorumCertificate = serde_json::from_value(json).unwrap();
    assert_eq!(back, c);
    let bad = serde_json::json!({"id": "x", "public_key": "abcd", "power": 1});
    assert!(serde_json::from_value::<Validator>(bad).is_err());
}

proptest! {
    #[test]
    fn equal_power_quorum_is_2f_plus_1(f in 0usize..40) {
        let s = set_with_powers(&vec![1; 3 * f + 1]);
        prop_assert_eq!(s.f(), f as u64);
        prop_assert_eq!(s.quorum_power(), 2 * f as u64 + 1);
        prop_assert!(s.has_quorum(2 * f as u64 + 1));
        prop_assert!(!s.has_quorum(2 * f as u64));
        prop_assert!(s.has_weak_quorum(f as u64 + 1));
        prop_assert!(!s.has_weak_quorum(f as u64));
    }

    #[test]
    fn two_quorums_share_more_than_a_third(powers in prop::collection::vec(1u64..1000, 1..12)) {
        let s = set_with_powers(&powers);
        let total = s.total_power();
        let q = s.quorum_power();
        prop_assert!(s.has_quorum(q) && !s.has_quorum(q - 1));
        // Two quorums overlap in more than total/3, so in more than f.
        prop_assert!(u128::from(2 * q - total) * 3 > u128::from(total));
        prop_assert!(2 * q - total > s.f());
    }
}
