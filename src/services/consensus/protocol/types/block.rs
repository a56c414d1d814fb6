//! Client proposals, blocks and the block hash.
//!
//! # Block hash
//!
//! `Block::hash()` is SHA-256 over an explicit byte encoding (never over
//! serde output, whose spacing and key order are not a contract). Integers
//! are big-endian; lengths and counts are `u32`.
//!
//! ```text
//! block    = "bitcraps-block-v1"            17 ASCII bytes
//!            u64 height || u64 view || parent_hash (32 bytes) || u32 proposer
//!            u32 number of proposals || proposal*
//! proposal = u32 len(id) || id (UTF-8)
//!            0x00                           no kind
//!          | 0x01 || u32 len(kind) || kind  kind present
//!          | 0x02 || u32 len(kind) || kind  kind and attestation present
//!                 || u32 len(signer) || signer || u32 len(kid) || kid
//!                 || sig (64 bytes)
//!          | 0x03 || u32 len(signer) || signer || u32 len(kid) || kid
//!                 || sig (64 bytes)         attestation without a kind (never
//!                                           valid; encoded so the hash covers it)
//!            value(payload)
//! record   = "bitcraps-record-v1"           18 ASCII bytes (what a service signs)
//!            u32 len(kind) || kind || value(payload)
//! value    = 0x00                           null
//!          | 0x01 | 0x02                    false | true
//!          | 0x03 || u64                    integer >= 0
//!          | 0x04 || i64                    integer < 0 (two's complement)
//!          | 0x05 || f64 bits (u64)         any other number
//!          | 0x06 || u32 len || UTF-8       string
//!          | 0x07 || u32 count || value*    array, in order
//!          | 0x08 || u32 count || (u32 len(key) || key || value)*
//!                                           object, keys sorted bytewise
//! ```
//!
//! A block survives a JSON round trip with the same hash. Payload numbers
//! must be integers (`Proposal::validate` refuses floats): serde_json does not
//! promise to read a float back bit for bit, and one changed bit would change
//! the hash in transit. The float tag exists only so the encoding is total.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::hex_serde::hex_array;

/// Domain tag that starts the block encoding.
pub const BLOCK_DOMAIN: &[u8] = b"bitcraps-block-v1";
/// Domain tag that starts the bytes a service signs for a record.
pub const RECORD_DOMAIN: &[u8] = b"bitcraps-record-v1";
/// Longest attestation signer name or key id, in bytes.
pub const MAX_ATTESTATION_NAME_LEN: usize = 128;
/// Longest proposal id, in bytes.
pub const MAX_PROPOSAL_ID_LEN: usize = 256;
/// Longest proposal kind, in bytes.
pub const MAX_PROPOSAL_KIND_LEN: usize = 128;
/// Deepest nesting of arrays and objects in a payload.
pub const MAX_PAYLOAD_DEPTH: usize = 64;
/// Largest proposal, in bytes of its wire size ([`Proposal::wire_size`]).
/// `POST /propose` answers 413 above it.
pub const MAX_PROPOSAL_BYTES: usize = 64 * 1024;
/// Most proposal bytes one block carries (the sum of its proposals' wire
/// sizes). Leaders fill blocks up to it and every validator refuses a block
/// above it, so every message that carries blocks has a bound the transport
/// limit is derived from (`protocol::limits`).
pub const MAX_BLOCK_PROPOSAL_BYTES: usize = 512 * 1024;

/// Why a proposal or block is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Malformed(pub String);

impl Malformed {
    pub fn new(detail: impl Into<String>) -> Malformed {
        Malformed(detail.into())
    }
}

/// A client's request to order `payload`. The id is chosen by the client
/// (or the service) and is unique within a chain: a committed id is never
/// committed again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Proposal {
    pub id: String,
    pub payload: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The signature of the service whose record this is (`game.*` from an
    /// engine, `wallet.*` from the wallet): validators admit such a record
    /// only with it, so no validator can put one in a block.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attestation: Option<Attestation>,
}

/// A service's Ed25519 signature over a record's [`Proposal::record_bytes`],
/// with the service's name and the key set's `kid` of its key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attestation {
    pub signer: String,
    pub kid: String,
    #[serde(with = "hex_array")]
    pub sig: [u8; 64],
}

impl Proposal {
    pub fn new(id: impl Into<String>, payload: Value) -> Proposal {
        Proposal {
            id: id.into(),
            payload,
            kind: None,
            attestation: None,
        }
    }

    /// What a service signs for a record of `kind`: the domain, the kind
    /// and the payload, in the block encoding (the proposal id is chosen by
    /// the validator the record is submitted to, so it is not covered).
    pub fn record_bytes(kind: &str, payload: &Value) -> Vec<u8> {
        let mut out = Vec::with_capacity(64);
        out.extend_from_slice(RECORD_DOMAIN);
        put_bytes(&mut out, kind.as_bytes());
        encode_value(payload, &mut out);
        out
    }

    /// Bytes of the proposal's compact JSON encoding, as it travels between
    /// validators: `{"id":…,"payload":…}` (`,"kind":…` before the closing
    /// brace when there is one), no whitespace, object keys sorted bytewise,
    /// strings escaped as serde_json writes them (`"`, `\\` and control
    /// characters escaped, everything else verbatim UTF-8).
    pub fn wire_size(&self) -> usize {
        json_size(self)
    }

    /// Checks the id and kind (non-empty, bounded), the size (at most
    /// [`MAX_PROPOSAL_BYTES`]) and the payload (integer numbers only,
    /// nesting at most [`MAX_PAYLOAD_DEPTH`]).
    pub fn validate(&self) -> Result<(), Malformed> {
        self.validated_size().map(|_| ())
    }

    /// [`Proposal::validate`], returning the wire size it measured.
    pub fn validated_size(&self) -> Result<usize, Malformed> {
        let size = self.wire_size();
        if size > MAX_PROPOSAL_BYTES {
            return Err(Malformed::new(format!(
                "proposal {:?} is {size} bytes, more than the limit of {MAX_PROPOSAL_BYTES}",
                truncated(&self.id)
            )));
        }
        if self.id.is_empty() || self.id.len() > MAX_PROPOSAL_ID_LEN {
            return Err(Malformed::new(format!(
                "a proposal id must be 1 to {MAX_PROPOSAL_ID_LEN} bytes long"
            )));
        }
        if let Some(kind) = &self.kind {
            if kind.is_empty() || kind.len() > MAX_PROPOSAL_KIND_LEN {
                return Err(Malformed::new(format!(
                    "proposal {:?}: a kind must be 1 to {MAX_PROPOSAL_KIND_LEN} bytes long",
                    self.id
                )));
            }
        }
        if let Some(a) = &self.attestation {
            if self.kind.is_none() {
                return Err(Malformed::new(format!(
                    "proposal {:?}: an attestation signs a record of some kind; this one has none",
                    self.id
                )));
            }
            let bounded = |s: &str| !s.is_empty() && s.len() <= MAX_ATTESTATION_NAME_LEN;
            if !bounded(&a.signer) || !bounded(&a.kid) {
                return Err(Malformed::new(format!(
                    "proposal {:?}: an attestation's signer and kid must be 1 to \
                     {MAX_ATTESTATION_NAME_LEN} bytes long",
                    self.id
                )));
            }
        }
        check_payload(&self.payload, 0)
            .map_err(|detail| Malformed::new(format!("proposal {:?}: {detail}", self.id)))?;
        Ok(size)
    }

    fn encode(&self, out: &mut Vec<u8>) {
        put_bytes(out, self.id.as_bytes());
        match (&self.kind, &self.attestation) {
            (Some(kind), Some(a)) => {
                out.push(2);
                put_bytes(out, kind.as_bytes());
                put_bytes(out, a.signer.as_bytes());
                put_bytes(out, a.kid.as_bytes());
                out.extend_from_slice(&a.sig);
            }
            (Some(kind), None) => {
                out.push(1);
                put_bytes(out, kind.as_bytes());
            }
            (None, None) => out.push(0),
            // Never valid, but still encoded: two proposals that differ in
            // anything never share a hash, so no copy of a certified block
            // can differ from the block its certificate signed.
            (None, Some(a)) => {
                out.push(3);
                put_bytes(out, a.signer.as_bytes());
                put_bytes(out, a.kid.as_bytes());
                out.extend_from_slice(&a.sig);
            }
        }
        encode_value(&self.payload, out);
    }
}

/// One height of the chain: a batch of proposals in the order they take
/// effect. `view` is the view in which the block was first proposed; a block
/// re-proposed after a view change travels unchanged, so its hash stays the
/// same in every view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Block {
    pub height: u64,
    pub view: u64,
    #[serde(with = "hex_array")]
    pub parent_hash: [u8; 32],
    /// Index of the proposer in the validator set.
    pub proposer: u32,
    pub proposals: Vec<Proposal>,
}

impl Block {
    /// The bytes the hash covers (layout in the module documentation).
    pub fn encoding(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(128);
        out.extend_from_slice(BLOCK_DOMAIN);
        out.extend_from_slice(&self.height.to_be_bytes());
        out.extend_from_slice(&self.view.to_be_bytes());
        out.extend_from_slice(&self.parent_hash);
        out.extend_from_slice(&self.proposer.to_be_bytes());
        put_len(&mut out, self.proposals.len());
        for proposal in &self.proposals {
            proposal.encode(&mut out);
        }
        out
    }

    /// SHA-256 of [`Block::encoding`].
    pub fn hash(&self) -> [u8; 32] {
        Sha256::digest(self.encoding()).into()
    }

    /// Shape checks that need no chain state: at most `max_batch`
    /// proposals of at most [`MAX_BLOCK_PROPOSAL_BYTES`] together, each
    /// valid, no id twice.
    pub fn check_shape(&self, max_batch: usize) -> Result<(), Malformed> {
        if self.proposals.len() > max_batch {
            return Err(Malformed::new(format!(
                "block {} holds {} proposals, more than the batch limit {max_batch}",
                self.height,
                self.proposals.len()
            )));
        }
        let mut ids = std::collections::HashSet::with_capacity(self.proposals.len());
        let mut bytes = 0usize;
        for proposal in &self.proposals {
            bytes = bytes.saturating_add(proposal.validated_size()?);
            if bytes > MAX_BLOCK_PROPOSAL_BYTES {
                return Err(Malformed::new(format!(
                    "block {} holds more than {MAX_BLOCK_PROPOSAL_BYTES} bytes of proposals",
                    self.height
                )));
            }
            if !ids.insert(proposal.id.as_str()) {
                return Err(Malformed::new(format!(
                    "block {} holds proposal {:?} twice",
                    self.height, proposal.id
                )));
            }
        }
        Ok(())
    }
}

/// The first 64 characters of an id, for error messages.
fn truncated(id: &str) -> &str {
    match id.char_indices().nth(64) {
        Some((at, _)) => &id[..at],
        None => id,
    }
}

/// Bytes of `value`'s compact JSON encoding, counted without building it
/// (`usize::MAX` if it cannot be encoded).
pub fn json_size<T: Serialize + ?Sized>(value: &T) -> usize {
    let mut count = ByteCount(0);
    match serde_json::to_writer(&mut count, value) {
        Ok(()) => count.0,
        Err(_) => usize::MAX,
    }
}

/// An `io::Write` that only counts bytes.
struct ByteCount(usize);

impl std::io::Write for ByteCount {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 = self.0.saturating_add(buf.len());
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn put_len(out: &mut Vec<u8>, len: usize) {
    // Nothing this long passes the shell's body limit; saturating keeps the
    // encoding total rather than panicking.
    let len = u32::try_from(len).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    put_len(out, bytes.len());
    out.extend_from_slice(bytes);
}

fn check_payload(value: &Value, depth: usize) -> Result<(), String> {
    match value {
        Value::Number(n) if n.as_u64().is_none() && n.as_i64().is_none() => Err(format!(
            "payload number {n} is not an integer (send decimals as strings)"
        )),
        Value::Array(_) | Value::Object(_) if depth >= MAX_PAYLOAD_DEPTH => Err(format!(
            "payload nests deeper than {MAX_PAYLOAD_DEPTH} levels"
        )),
        Value::Array(items) => items.iter().try_for_each(|v| check_payload(v, depth + 1)),
        Value::Object(map) => map.values().try_for_each(|v| check_payload(v, depth + 1)),
        _ => Ok(()),
    }
}

/// Canonical encoding of a JSON value (layout in the module documentation).
pub fn encode_value(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Null => out.push(0x00),
        Value::Bool(false) => out.push(0x01),
        Value::Bool(true) => out.push(0x02),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                out.push(0x03);
                out.extend_from_slice(&u.to_be_bytes());
            } else if let Some(i) = n.as_i64() {
                out.push(0x04);
                out.extend_from_slice(&i.to_be_bytes());
            } else {
                out.push(0x05);
                let f = n.as_f64().unwrap_or(0.0);
                out.extend_from_slice(&f.to_bits().to_be_bytes());
            }
        }
        Value::String(s) => {
            out.push(0x06);
            put_bytes(out, s.as_bytes());
        }
        Value::Array(items) => {
            out.push(0x07);
            put_len(out, items.len());
            for item in items {
                encode_value(item, out);
            }
        }
        Value::Object(map) => {
            out.push(0x08);
            put_len(out, map.len());
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            for (key, item) in entries {
                put_bytes(out, key.as_bytes());
                encode_value(item, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn block(proposals: Vec<Proposal>) -> Block {
        Block {
            height: 7,
            view: 2,
            parent_hash: [0xab; 32],
            proposer: 3,
            proposals,
        }
    }

    #[test]
    fn encoding_layout_is_pinned() {
        let b = block(vec![Proposal {
            id: "p1".into(),
            payload: json!({"b": [1, -2, 1.5, null, true], "a": "x"}),
            kind: Some("bet".into()),
            attestation: None,
        }]);
        let mut expected = b"bitcraps-block-v1".to_vec();
        expected.extend_from_slice(&7u64.to_be_bytes());
        expected.extend_from_slice(&2u64.to_be_bytes());
        expected.extend_from_slice(&[0xab; 32]);
        expected.extend_from_slice(&3u32.to_be_bytes());
        expected.extend_from_slice(&1u32.to_be_bytes());
        expected.extend_from_slice(&[0, 0, 0, 2, b'p', b'1']);
        expected.extend_from_slice(&[1, 0, 0, 0, 3, b'b', b'e', b't']);
        expected.extend_from_slice(&[0x08, 0, 0, 0, 2]);
        expected.extend_from_slice(&[0, 0, 0, 1, b'a', 0x06, 0, 0, 0, 1, b'x']);
        expected.extend_from_slice(&[0, 0, 0, 1, b'b', 0x07, 0, 0, 0, 5]);
        expected.push(0x03);
        expected.extend_from_slice(&1u64.to_be_bytes());
        expected.push(0x04);
        expected.extend_from_slice(&(-2i64).to_be_bytes());
        expected.push(0x05);
        expected.extend_from_slice(&1.5f64.to_bits().to_be_bytes());
        expected.extend_from_slice(&[0x00, 0x02]);
        assert_eq!(b.encoding(), expected);
        assert_eq!(b.hash(), <[u8; 32]>::from(Sha256::digest(&expected)));
    }

    #[test]
    fn an_attested_record_is_pinned_too() {
        let mut p = Proposal::new("p1", json!(7));
        p.kind = Some("game.anchors".into());
        p.attestation = Some(Attestation {
            signer: "engine-0".into(),
            kid: "k1".into(),
            sig: [0x5a; 64],
        });
        let mut expected = vec![0, 0, 0, 2, b'p', b'1', 2, 0, 0, 0, 12];
        expected.extend_from_slice(b"game.anchors");
        expected.extend_from_slice(&[0, 0, 0, 8]);
        expected.extend_from_slice(b"engine-0");
        expected.extend_from_slice(&[0, 0, 0, 2, b'k', b'1']);
        expected.extend_from_slice(&[0x5a; 64]);
        expected.push(0x03);
        expected.extend_from_slice(&7u64.to_be_bytes());
        let mut out = Vec::new();
        p.encode(&mut out);
        assert_eq!(out, expected);
        let mut record = b"bitcraps-record-v1".to_vec();
        record.extend_from_slice(&[0, 0, 0, 12]);
        record.extend_from_slice(b"game.anchors");
        record.push(0x03);
        record.extend_from_slice(&7u64.to_be_bytes());
        assert_eq!(Proposal::record_bytes("game.anchors", &json!(7)), record);
        // The JSON form round-trips with the same hash; without a kind an
        // attestation does not validate.
        let b = block(vec![p.clone()]);
        let back: Block = serde_json::from_str(&serde_json::to_string(&b).unwrap()).unwrap();
        assert_eq!(back.hash(), b.hash());
        assert!(p.validate().is_ok());
        p.kind = None;
        assert!(p.validate().is_err());
        // Still covered by the hash: a kindless proposal with an
        // attestation is not the same block as one without.
        let mut bare = p.clone();
        bare.attestation = None;
        assert_ne!(block(vec![p]).hash(), block(vec![bare]).hash());
    }

    #[test]
    fn every_field_changes_the_hash() {
        let base = block(vec![Proposal::new("p", json!(1))]);
        let mut variants = vec![];
        let mut b = base.clone();
        b.height += 1;
        variants.push(b);
        let mut b = base.clone();
        b.view += 1;
        variants.push(b);
        let mut b = base.clone();
        b.parent_hash[0] ^= 1;
        variants.push(b);
        let mut b = base.clone();
        b.proposer += 1;
        variants.push(b);
        let mut b = base.clone();
        b.proposals[0].kind = Some("k".into());
        variants.push(b);
        let mut b = base.clone();
        b.proposals[0].payload = json!(2);
        variants.push(b);
        let mut b = base.clone();
        b.proposals[0].kind = Some("k".into());
        b.proposals[0].attestation = Some(Attestation {
            signer: "s".into(),
            kid: "k".into(),
            sig: [0; 64],
        });
        variants.push(b);
        let mut b = base.clone();
        b.proposals[0].payload = json!("1");
        variants.push(b);
        let mut b = base.clone();
        b.proposals.clear();
        variants.push(b);
        for v in variants {
            assert_ne!(v.hash(), base.hash(), "{v:?}");
        }
    }

    #[test]
    fn shape_checks() {
        let ok = block(vec![
            Proposal::new("a", json!(1)),
            Proposal::new("b", json!(2)),
        ]);
        assert!(ok.check_shape(2).is_ok());
        assert!(ok.check_shape(1).is_err());
        let dup = block(vec![
            Proposal::new("a", json!(1)),
            Proposal::new("a", json!(2)),
        ]);
        assert!(dup.check_shape(10).is_err());
        let empty_id = block(vec![Proposal::new("", json!(1))]);
        assert!(empty_id.check_shape(10).is_err());
        let long_id = block(vec![Proposal::new(
            "x".repeat(MAX_PROPOSAL_ID_LEN + 1),
            json!(1),
        )]);
        assert!(long_id.check_shape(10).is_err());
        let float = block(vec![Proposal::new("f", json!({"amount": [1, 2.5]}))]);
        assert!(float.check_shape(10).is_err());
        let mut deep = json!(1);
        for _ in 0..=MAX_PAYLOAD_DEPTH {
            deep = json!([deep]);
        }
        assert!(
            block(vec![Proposal::new("d", deep)])
                .check_shape(10)
                .is_err()
        );
        let big = block(vec![Proposal::new("i", json!([u64::MAX, i64::MIN, -0]))]);
        assert!(big.check_shape(10).is_ok());
    }

    #[test]
    fn wire_size_is_the_length_of_the_compact_json() {
        let p = Proposal {
            id: "p\"1".into(),
            payload: json!({"z": "caf\u{e9} \u{1}\n", "a": [1, -2, null]}),
            kind: Some("bet".into()),
            attestation: None,
        };
        assert_eq!(p.wire_size(), serde_json::to_vec(&p).unwrap().len());
        assert_eq!(
            serde_json::to_string(&p).unwrap(),
            r#"{"id":"p\"1","payload":{"a":[1,-2,null],"z":"café \u0001\n"},"kind":"bet"}"#
        );
    }

    /// A proposal whose wire size is exactly `size` bytes.
    pub(crate) fn proposal_of_size(id: &str, size: usize) -> Proposal {
        let mut p = Proposal::new(id, json!(""));
        let base = p.wire_size();
        p.payload = json!("x".repeat(size - base));
        assert_eq!(p.wire_size(), size);
        p
    }

    #[test]
    fn proposals_and_blocks_are_bounded_in_bytes() {
        assert!(proposal_of_size("a", MAX_PROPOSAL_BYTES).validate().is_ok());
        let over = proposal_of_size("a", MAX_PROPOSAL_BYTES + 1).validate();
        assert!(
            over.as_ref()
                .is_err_and(|e| e.0.contains("more than the limit")),
            "{over:?}"
        );
        // Proposals that are each fine but together exceed a block's bytes.
        let per = MAX_PROPOSAL_BYTES;
        let fit = MAX_BLOCK_PROPOSAL_BYTES / per;
        let full: Vec<Proposal> = (0..fit)
            .map(|i| proposal_of_size(&format!("p{i:05}"), per))
            .collect();
        assert!(block(full.clone()).check_shape(1000).is_ok());
        let mut over = full;
        over.push(proposal_of_size("p-over", 100));
        let err = block(over).check_shape(1000).unwrap_err();
        assert!(err.0.contains("bytes of proposals"), "{err}");
    }

    fn arb_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<u64>().prop_map(|u| json!(u)),
            any::<i64>().prop_map(|i| json!(i)),
            "[a-z\\u{e9}\\u{1f3b2}]{0,8}".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map("[a-d]{1,3}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn hash_survives_a_json_round_trip(payload in arb_json(), kind in proptest::option::of("[a-z]{1,5}")) {
            let b = block(vec![Proposal { id: "id".into(), payload, kind, attestation: None }]);
            prop_assert!(b.check_shape(1).is_ok());
            let text = serde_json::to_string(&b).unwrap();
            let back: Block = serde_json::from_str(&text).unwrap();
            prop_assert_eq!(back.hash(), b.hash());
        }
    }
}
