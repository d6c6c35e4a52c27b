//! National-algorithm cryptography for ggzy.
//!
//! Everything here is pure computation: SM3 hashing, the RFC 6962 Merkle tree (over SM3 instead of
//! SHA-256) with inclusion and consistency proofs, and SM2 signatures over the tree heads that the
//! platform publishes. No I/O, no clock: callers pass timestamps in.

pub mod atrest;
pub mod envelope;
pub mod keys;
pub mod merkle;
pub mod shamir;
pub mod sign;
pub mod sm4gcm;

use sm3::{Digest, Sm3};

/// An SM3 digest.
pub type Hash = [u8; 32];

/// SM3 of the concatenation of `parts`.
pub fn sm3(parts: &[&[u8]]) -> Hash {
    let mut h = Sm3::new();
    for p in parts {
        h.update(p);
    }
    let out = h.finalize();
    let mut a = [0u8; 32];
    a.copy_from_slice(&out);
    a
}

/// The chain hash of an event: SM3(previous hash ‖ canonical bytes of the event).
///
/// Chaining makes every row depend on all rows before it, so editing one row breaks every later
/// hash and `ggzy verify` can name the first row that no longer matches.
pub fn chain_hash(prev: &Hash, canonical: &[u8]) -> Hash {
    sm3(&[prev, canonical])
}

/// The hash that precedes the first event.
pub const GENESIS: Hash = [0u8; 32];

pub fn to_hex(h: &Hash) -> String {
    hex::encode(h)
}

pub fn from_hex(s: &str) -> Option<Hash> {
    let v = hex::decode(s).ok()?;
    v.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sm3_standard_vector_abc() {
        // GB/T 32905-2016 example 1.
        assert_eq!(
            to_hex(&sm3(&[b"abc"])),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
    }

    #[test]
    fn chain_depends_on_previous() {
        let a = chain_hash(&GENESIS, b"x");
        let b = chain_hash(&a, b"x");
        assert_ne!(a, b);
        assert_eq!(from_hex(&to_hex(&b)), Some(b));
    }
}
