//! Provably fair randomness (pure).
//!
//! Every game has a 32-byte server seed; its SHA-256 (the commitment) is
//! published when the game is created, before any client seed exists, and
//! the seed itself is revealed when the game ends. After the commitment,
//! every seated player may contribute a client seed until the game's first
//! draw; the draws' `client_seed` is the mix of all contributions, in the
//! order they were accepted ([`mix`]):
//!
//! ```text
//! enc(c)      = u32be(len(player)) || player || u32be(len(seed)) || seed   (UTF-8 bytes)
//! client_seed = lowercase hex of SHA-256(enc(c1) || enc(c2) || … || enc(ck))
//! ```
//!
//! (with no contribution, the SHA-256 of nothing). Games stored before
//! contributions existed keep the one client seed set at their creation.
//!
//! Draw number `nonce` (0, 1, 2, … counting every roll and shuffle of the
//! game) reads the byte stream
//!
//! ```text
//! block(round) = HMAC-SHA256(key = server_seed (32 raw bytes),
//!                            message = "{client_seed}:{nonce}:{round}")
//! stream = block(0) || block(1) || block(2) || …
//! ```
//!
//! with `nonce` and `round` in decimal ASCII. From the stream:
//!
//! - **a die**: take the next byte `b`; if `b >= 252` skip it; the face is
//!   `b % 6 + 1`. A craps roll is one draw: the first die, then the second.
//! - **a uniform index in `0..m`**: take the next 4 bytes as a big-endian
//!   `u32` `x`; if `x >= 2^32 - (2^32 mod m)` skip them; the index is `x % m`.
//! - **a shuffle** of `n` cards is one draw: Fisher–Yates from the top,
//!   `for i in (1..n).rev() { j = index(i + 1); swap(i, j) }`.
//!
//! Rejection sampling keeps every value exactly uniform (no modulo bias).

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// Where a game's random bytes come from. Every draw (a roll or a
/// shuffle) has a number, its `nonce`, and reads one byte stream; dice and
/// shuffles are derived from the stream the same way whatever the source.
/// Today the source is the game's committed seeds ([`Seeds`]); the
/// validators' randomness beacon can implement this trait later.
pub trait RandomSource {
    /// The byte stream of draw number `nonce`.
    fn stream(&self, nonce: u64) -> ByteStream;

    /// Two dice for draw `nonce`.
    fn dice(&self, nonce: u64) -> (u8, u8) {
        let mut s = self.stream(nonce);
        (s.die(), s.die())
    }

    /// Shuffles `items` with draw `nonce` (Fisher–Yates from the top).
    fn shuffle<T>(&self, nonce: u64, items: &mut [T]) {
        let mut s = self.stream(nonce);
        for i in (1..items.len()).rev() {
            let j = s.index(i as u32 + 1) as usize;
            items.swap(i, j);
        }
    }
}

/// A game's seeds. The server seed stays secret until revealed.
#[derive(Clone)]
pub struct Seeds {
    pub server_seed: [u8; 32],
    pub client_seed: String,
}

impl std::fmt::Debug for Seeds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Seeds")
            .field("server_seed", &"<secret>")
            .field("commitment", &hex::encode(self.commitment()))
            .field("client_seed", &self.client_seed)
            .finish()
    }
}

impl Seeds {
    /// SHA-256 of the server seed: published before any bet.
    pub fn commitment(&self) -> [u8; 32] {
        commitment(&self.server_seed)
    }
}

impl RandomSource for Seeds {
    fn stream(&self, nonce: u64) -> ByteStream {
        ByteStream::hmac(self.server_seed, format!("{}:{nonce}:", self.client_seed))
    }
}

/// One player's client seed, accepted after the commitment was published.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Contribution {
    pub player: String,
    pub client_seed: String,
    /// The sequence number of the game event that accepted it.
    pub seq: u64,
}

/// The longest client seed a player may contribute, in bytes.
pub const MAX_CLIENT_SEED: usize = 256;

/// The draws' client seed from the contributions, in the order given:
/// lowercase hex of SHA-256 over each contribution as
/// `u32be(len(player)) || player || u32be(len(seed)) || seed`. Every
/// length is a prefix, so no two different lists encode alike.
pub fn mix<'a>(contributions: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut h = Sha256::new();
    for (player, seed) in contributions {
        for part in [player, seed] {
            // Both are bounded far below 4 GiB (player ids 64, seeds 256 bytes).
            h.update(u32::try_from(part.len()).unwrap_or(u32::MAX).to_be_bytes());
            h.update(part.as_bytes());
        }
    }
    hex::encode(h.finalize())
}

/// Links in a game's seed chain (`L`): round `r` (1-based) draws with link
/// `s_r`, so a table can play this many rounds on one commitment.
pub const CHAIN_LENGTH: u64 = 10_000;

/// The longest chain a table may ask for (`config.chain_length`): opening
/// it hashes this many times (tens of milliseconds).
pub const MAX_CHAIN_LENGTH: u64 = 200_000;

/// A link every this many is kept in memory, so finding `s_r` takes at
/// most this many hashes instead of up to `L`.
const CHECKPOINT_EVERY: u64 = 100;

/// Link `index` of the chain whose top is `terminal` (`s_L`):
/// `s_index = SHA-256^(L - index)(s_L)`; `s_0` is the commitment.
pub fn chain_link(terminal: &[u8; 32], length: u64, index: u64) -> [u8; 32] {
    let mut s = *terminal;
    for _ in index.min(length)..length {
        s = commitment(&s);
    }
    s
}

/// Whether `link` is the predecessor's preimage: `SHA-256(link) = prev`.
pub fn chains_to(link: &[u8; 32], prev: &[u8; 32]) -> bool {
    commitment(link) == *prev
}

/// Checkpoints of a chain, every [`CHECKPOINT_EVERY`] links from the top,
/// so a link is a few dozen hashes away. Pure memo: not stored, rebuilt on
/// first use, and equal to any other (it is a function of the terminal).
#[derive(Clone, Default)]
pub struct LinkCache(std::sync::Arc<Vec<(u64, [u8; 32])>>);

impl PartialEq for LinkCache {
    fn eq(&self, _: &LinkCache) -> bool {
        true
    }
}
impl Eq for LinkCache {}

impl std::fmt::Debug for LinkCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LinkCache({} checkpoints)", self.0.len())
    }
}

impl LinkCache {
    /// Whether the checkpoints are in memory.
    pub fn is_filled(&self) -> bool {
        !self.0.is_empty()
    }

    /// Lets the checkpoints go (a table idle for a while); the next link
    /// asked for fills them again.
    pub fn clear(&mut self) {
        *self = LinkCache::default();
    }

    /// Link `index` of the chain topped by `terminal`, filling the
    /// checkpoints on first use (one walk of the chain).
    pub fn link(&mut self, terminal: &[u8; 32], length: u64, index: u64) -> [u8; 32] {
        if self.0.is_empty() {
            let mut points = Vec::with_capacity((length / CHECKPOINT_EVERY + 2) as usize);
            let mut s = *terminal;
            let mut i = length;
            loop {
                if i % CHECKPOINT_EVERY == 0 || i == length {
                    points.push((i, s));
                }
                if i == 0 {
                    break;
                }
                s = commitment(&s);
                i -= 1;
            }
            self.0 = std::sync::Arc::new(points);
        }
        // The lowest checkpoint at or above `index` (points run downwards).
        let (mut i, mut s) = (length, *terminal);
        for (at, link) in self.0.iter() {
            if *at >= index {
                (i, s) = (*at, *link);
            } else {
                break;
            }
        }
        while i > index {
            s = commitment(&s);
            i -= 1;
        }
        s
    }
}

/// SHA-256 of a server seed (a seed chain takes up to `L` of these per
/// game).
///
/// A 32-byte message is one padded block, so this is one call of the
/// block function (`sha2::compress256`, compiled optimised even in debug
/// builds) rather than the generic hasher, whose buffering code is
/// compiled at the caller's optimisation level: in a debug build that made
/// a 10,000-link chain cost 100–200 ms per new game.
pub fn commitment(server_seed: &[u8; 32]) -> [u8; 32] {
    const H0: [u32; 8] = [
        0x6a09_e667,
        0xbb67_ae85,
        0x3c6e_f372,
        0xa54f_f53a,
        0x510e_527f,
        0x9b05_688c,
        0x1f83_d9ab,
        0x5be0_cd19,
    ];
    let mut block = [0u8; 64];
    block[..32].copy_from_slice(server_seed);
    block[32] = 0x80;
    // The message length in bits (256), big-endian, in the last 8 bytes.
    block[56..].copy_from_slice(&256u64.to_be_bytes());
    let mut state = H0;
    sha2::compress256(
        &mut state,
        &[sha2::digest::generic_array::GenericArray::from(block)],
    );
    let mut out = [0u8; 32];
    for (chunk, word) in out.chunks_exact_mut(4).zip(state) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    out
}

/// The endless HMAC byte stream of one draw.
pub struct ByteStream {
    server_seed: [u8; 32],
    prefix: String,
    round: u64,
    block: [u8; 32],
    pos: usize,
}

impl ByteStream {
    /// The HMAC-SHA256 stream keyed by `key` over `prefix || round`.
    pub fn hmac(key: [u8; 32], prefix: String) -> ByteStream {
        ByteStream {
            server_seed: key,
            prefix,
            round: 0,
            block: [0; 32],
            pos: 32,
        }
    }

    fn refill(&mut self) {
        // A 32-byte key is always a valid HMAC key.
        let mut mac = match HmacSha256::new_from_slice(&self.server_seed) {
            Ok(m) => m,
            Err(_) => unreachable_key(),
        };
        mac.update(self.prefix.as_bytes());
        mac.update(self.round.to_string().as_bytes());
        self.block = mac.finalize().into_bytes().into();
        self.round += 1;
        self.pos = 0;
    }

    pub fn next_byte(&mut self) -> u8 {
        if self.pos == 32 {
            self.refill();
        }
        let b = self.block[self.pos];
        self.pos += 1;
        b
    }

    /// A fair die face 1..=6.
    pub fn die(&mut self) -> u8 {
        loop {
            let b = self.next_byte();
            if b < 252 {
                return b % 6 + 1;
            }
        }
    }

    /// A uniform index in `0..m` (`m >= 1`).
    pub fn index(&mut self, m: u32) -> u32 {
        let m = m.max(1);
        let limit = (1u64 << 32) - ((1u64 << 32) % u64::from(m));
        loop {
            let x = u32::from_be_bytes([
                self.next_byte(),
                self.next_byte(),
                self.next_byte(),
                self.next_byte(),
            ]);
            if u64::from(x) < limit {
                return x % m;
            }
        }
    }
}

#[cold]
fn unreachable_key() -> ! {
    // HMAC accepts keys of any length; this cannot happen.
    panic!("HMAC rejected a 32-byte key")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seeds() -> Seeds {
        Seeds {
            server_seed: [7u8; 32],
            client_seed: "alice".to_string(),
        }
    }

    #[test]
    fn stream_is_the_documented_hmac() {
        let s = seeds();
        let mut stream = s.stream(3);
        let first: Vec<u8> = (0..40).map(|_| stream.next_byte()).collect();
        let mut mac = HmacSha256::new_from_slice(&[7u8; 32]).unwrap();
        mac.update(b"alice:3:0");
        let block0 = mac.finalize().into_bytes();
        let mut mac = HmacSha256::new_from_slice(&[7u8; 32]).unwrap();
        mac.update(b"alice:3:1");
        let block1 = mac.finalize().into_bytes();
        assert_eq!(&first[..32], block0.as_slice());
        assert_eq!(&first[32..], &block1[..8]);
    }

    #[test]
    fn known_vectors_pin_the_derivation() {
        // Computed independently with Python's hmac/hashlib:
        //   hmac.new(bytes([7]*32), b"alice:0:0", hashlib.sha256).hexdigest()
        let s = seeds();
        assert_eq!(
            hex::encode(s.commitment()),
            "4bb06f8e4e3a7715d201d573d0aa423762e55dabd61a2c02278fa56cc6d294e0"
        );
        let block: Vec<u8> = {
            let mut st = s.stream(0);
            (0..32).map(|_| st.next_byte()).collect()
        };
        assert_eq!(
            hex::encode(block),
            "bef4226426424a910f8a87373d003944de1ca94f258113b5af9c194152960004"
        );
        // 0xbe = 190 -> 190 % 6 + 1 = 5; 0xf4 = 244 -> 5.
        assert_eq!(s.dice(0), (5, 5));
        let mut deck: Vec<u8> = (0..52).collect();
        s.shuffle(1, &mut deck);
        assert_eq!(deck[..10], [11, 9, 0, 37, 15, 14, 44, 5, 32, 27]);
        let bob = Seeds {
            client_seed: "bob".into(),
            ..seeds()
        };
        assert_ne!(
            (0..20).map(|n| s.dice(n)).collect::<Vec<_>>(),
            (0..20).map(|n| bob.dice(n)).collect::<Vec<_>>(),
            "the client seed changes the rolls"
        );
    }

    #[test]
    fn the_one_block_commitment_is_sha256() {
        let mut seed = [0u8; 32];
        for i in 0..200u32 {
            seed = Sha256::digest([&seed[..], &i.to_le_bytes()].concat()).into();
            let expected: [u8; 32] = Sha256::digest(seed).into();
            assert_eq!(commitment(&seed), expected);
        }
        assert_eq!(
            hex::encode(commitment(&[0; 32])),
            "66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925"
        );
    }

    #[test]
    fn the_chain_is_the_documented_hash_chain() {
        // The README's example vector, computed independently with hashlib:
        //   s2 = sha256(bytes([5]*32)); s1 = sha256(s2); s0 = sha256(s1)
        let top = [5u8; 32];
        assert_eq!(
            hex::encode(chain_link(&top, 3, 2)),
            "f849d67325facf04177bc663b2dc544051831c589ef581d412f2eba44834e77c"
        );
        assert_eq!(
            hex::encode(chain_link(&top, 3, 1)),
            "be3246b46eb9c831ad5d1827c115be0c8fd6502e81156b695a522df5a6e4e99c"
        );
        assert_eq!(
            hex::encode(chain_link(&top, 3, 0)),
            "9547726d82683447f7cbc2d3c5419a52f9db33b95650ac40cb89c4e04d69a6f1"
        );
        assert_eq!(chain_link(&top, 3, 3), top);
        assert!(chains_to(&chain_link(&top, 3, 1), &chain_link(&top, 3, 0)));
        let round1 = Seeds {
            server_seed: chain_link(&top, 3, 1),
            client_seed: mix(std::iter::empty()),
        };
        let mut st = round1.stream(0);
        let block: Vec<u8> = (0..32).map(|_| st.next_byte()).collect();
        assert_eq!(
            hex::encode(block),
            "36fc5b44b70905c5f2e07c7d32f7c5efcb5ddcd033f882542a7bde8c32b20a74"
        );
        // The checkpoint cache gives the same links as walking the chain.
        let mut cache = LinkCache::default();
        for i in [0, 1, 99, 100, 101, 250, 999, 1000] {
            assert_eq!(
                cache.link(&[9; 32], 1000, i),
                chain_link(&[9; 32], 1000, i),
                "link {i}"
            );
        }
    }

    #[test]
    fn the_mix_is_the_documented_length_prefixed_hash() {
        // Computed independently with Python's hashlib and struct:
        //   enc = lambda p, s: pack(">I", len(p)) + p + pack(">I", len(s)) + s
        //   sha256(enc(b"alice", b"lucky") + enc(b"bob", b"7")).hexdigest()
        assert_eq!(
            mix([("alice", "lucky"), ("bob", "7")]),
            "ebfced365442de7dc4d1e772543b6e6306a740cb73253da6025a6d6ef97ea573"
        );
        assert_eq!(
            mix(std::iter::empty()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "no contribution: the SHA-256 of nothing"
        );
        let s = Seeds {
            server_seed: [7u8; 32],
            client_seed: mix([("alice", "lucky"), ("bob", "7")]),
        };
        let mut st = s.stream(0);
        let block: Vec<u8> = (0..32).map(|_| st.next_byte()).collect();
        // hmac.new(bytes([7]*32), (mix + ":0:0").encode(), sha256).hexdigest()
        assert_eq!(
            hex::encode(block),
            "f84c71a16844b5c881bd116b5ad7f36b17fc7d9acf53e94c075da2aa98444f26"
        );
    }

    proptest::proptest! {
        /// Different lists of contributions never mix alike: moving bytes
        /// between a player id and a seed, or between two contributions,
        /// or reordering them changes the client seed.
        #[test]
        fn the_mix_separates_every_list(
            a in proptest::collection::vec(("[a-c]{0,3}", "[a-c:]{0,4}"), 0..4),
            b in proptest::collection::vec(("[a-c]{0,3}", "[a-c:]{0,4}"), 0..4),
        ) {
            let m = |v: &Vec<(String, String)>| mix(v.iter().map(|(p, s)| (p.as_str(), s.as_str())));
            proptest::prop_assert_eq!(a == b, m(&a) == m(&b));
        }
    }

    #[test]
    fn dice_are_uniform_over_many_draws() {
        let s = seeds();
        let mut counts = [0u32; 6];
        for n in 0..60_000 {
            let (a, b) = s.dice(n);
            counts[usize::from(a - 1)] += 1;
            counts[usize::from(b - 1)] += 1;
        }
        // chi-square with 5 degrees of freedom; 20.5 is the 0.1% critical value.
        let expected = 120_000.0 / 6.0;
        let chi2: f64 = counts
            .iter()
            .map(|c| (f64::from(*c) - expected).powi(2) / expected)
            .sum();
        assert!(chi2 < 20.5, "chi2 {chi2}, counts {counts:?}");
    }

    #[test]
    fn shuffle_is_a_permutation_and_uniform_on_small_decks() {
        let s = seeds();
        let mut counts = std::collections::HashMap::new();
        for n in 0..24_000 {
            let mut v = [0u8, 1, 2, 3];
            s.shuffle(n, &mut v);
            *counts.entry(v).or_insert(0u32) += 1;
        }
        assert_eq!(counts.len(), 24, "every permutation of 4 appears");
        let chi2: f64 = counts
            .values()
            .map(|c| (f64::from(*c) - 1000.0).powi(2) / 1000.0)
            .sum();
        // 23 degrees of freedom; 49.7 is the 0.1% critical value.
        assert!(chi2 < 49.7, "chi2 {chi2}");
        let mut deck: Vec<u16> = (0..312).collect();
        s.shuffle(99, &mut deck);
        let mut sorted = deck.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..312).collect::<Vec<_>>());
    }

    #[test]
    fn index_rejects_biased_values() {
        let mut s = seeds().stream(0);
        for m in [1u32, 2, 3, 52, 312, u32::MAX] {
            for _ in 0..100 {
                assert!(s.index(m) < m);
            }
        }
    }
}
