//! Serde helpers: fixed-size byte arrays travel as lowercase hex strings,
//! so hashes, keys and signatures read the same in JSON as in logs.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// `#[serde(with = "hex_array")]` for `[u8; N]`.
pub mod hex_array {
    use super::*;

    pub fn serialize<S: Serializer, const N: usize>(
        bytes: &[u8; N],
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>, const N: usize>(
        d: D,
    ) -> Result<[u8; N], D::Error> {
        let text = String::deserialize(d)?;
        let mut out = [0u8; N];
        hex::decode_to_slice(text.as_bytes(), &mut out).map_err(|e| {
            D::Error::custom(format!("expected {} hex digits ({N} bytes): {e}", 2 * N))
        })?;
        Ok(out)
    }
}

/// `#[serde(with = "hex_array_list")]` for `Vec<[u8; N]>`: a list of hex
/// strings.
pub mod hex_array_list {
    use super::*;

    pub fn serialize<S: Serializer, const N: usize>(
        list: &[[u8; N]],
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(list.iter().map(hex::encode))
    }

    pub fn deserialize<'de, D: Deserializer<'de>, const N: usize>(
        d: D,
    ) -> Result<Vec<[u8; N]>, D::Error> {
        Vec::<String>::deserialize(d)?
            .iter()
            .map(|text| {
                let mut out = [0u8; N];
                hex::decode_to_slice(text.as_bytes(), &mut out).map_err(|e| {
                    D::Error::custom(format!("expected {} hex digits ({N} bytes): {e}", 2 * N))
                })?;
                Ok(out)
            })
            .collect()
    }
}

#[derive(Serialize, Deserialize)]
struct SignatureEntry {
    validator: u32,
    #[serde(with = "hex_array")]
    signature: [u8; 64],
}

/// `#[serde(with = "signature_list")]` for `Vec<(u32, [u8; 64])>`: a list of
/// `{"validator": 0, "signature": "<128 hex digits>"}` objects.
pub mod signature_list {
    use super::*;

    pub fn serialize<S: Serializer>(list: &[(u32, [u8; 64])], s: S) -> Result<S::Ok, S::Error> {
        let entries: Vec<SignatureEntry> = list
            .iter()
            .map(|(validator, signature)| SignatureEntry {
                validator: *validator,
                signature: *signature,
            })
            .collect();
        entries.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(u32, [u8; 64])>, D::Error> {
        let entries = Vec::<SignatureEntry>::deserialize(d)?;
        Ok(entries
            .into_iter()
            .map(|e| (e.validator, e.signature))
            .collect())
    }
}
