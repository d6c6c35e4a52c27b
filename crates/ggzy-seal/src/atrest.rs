//! Bid encryption at rest until the opening: AES-256-GCM under a per-lot key derived from a
//! platform master key that lives outside the database.
//!
//! A database reader learns nothing from a sealed bid; the platform process could decrypt early,
//! which is why the services open bids only once the lot is opened and why the bidder-side sealing
//! (SM2/SM4 envelopes with k-of-n opening keys) will replace this behind the same interface.
//! AES-GCM rather than SM4 here because it runs on the CPU's AES instructions: at the deadline
//! minute gigabytes pass through it.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use rand::RngCore;

const NONCE: usize = 12;
/// Format version, authenticated with the ciphertext.
const VERSION: u8 = 1;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SealError {
    #[error("sealed data is truncated or of an unknown version")]
    Malformed,
    #[error("sealed data does not authenticate under this lot's key")]
    Tampered,
}

/// The master key; per-lot keys are derived from it.
pub struct MasterKey([u8; 32]);

impl MasterKey {
    pub fn generate() -> Self {
        let mut k = [0u8; 32];
        rand::rng().fill_bytes(&mut k);
        Self(k)
    }

    pub fn from_bytes(k: [u8; 32]) -> Self {
        Self(k)
    }

    pub fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    fn lot_cipher(&self, lot: &[u8]) -> Aes256Gcm {
        let k = crate::sm3(&[b"ggzy-bid-at-rest-v1", &self.0, lot]);
        Aes256Gcm::new(&k.into())
    }

    /// `version ‖ nonce ‖ ciphertext+tag`, bound to `lot` and `aad` (e.g. the bid id).
    pub fn seal(&self, lot: &[u8], aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE];
        rand::rng().fill_bytes(&mut nonce);
        let ct = self
            .lot_cipher(lot)
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .unwrap_or_default();
        let mut out = Vec::with_capacity(1 + NONCE + ct.len());
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        out
    }

    pub fn open(&self, lot: &[u8], aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, SealError> {
        if sealed.len() < 1 + NONCE + 16 || sealed[0] != VERSION {
            return Err(SealError::Malformed);
        }
        let (nonce, ct) = sealed[1..].split_at(NONCE);
        let nonce: [u8; NONCE] = nonce.try_into().map_err(|_| SealError::Malformed)?;
        self.lot_cipher(lot)
            .decrypt(&Nonce::from(nonce), Payload { msg: ct, aad })
            .map_err(|_| SealError::Tampered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_binding() {
        let k = MasterKey::generate();
        let s = k.seal(b"lot-1", b"bid-1", b"price 100");
        assert!(
            !s.windows(9).any(|w| w == b"price 100"),
            "no plaintext in the sealed bytes"
        );
        assert_eq!(
            k.open(b"lot-1", b"bid-1", &s).as_deref(),
            Ok(&b"price 100"[..])
        );
        assert_eq!(k.open(b"lot-2", b"bid-1", &s), Err(SealError::Tampered));
        assert_eq!(k.open(b"lot-1", b"bid-2", &s), Err(SealError::Tampered));
        let mut t = s.clone();
        let last = t.len() - 1;
        t[last] ^= 1;
        assert_eq!(k.open(b"lot-1", b"bid-1", &t), Err(SealError::Tampered));
        assert_eq!(
            k.open(b"lot-1", b"bid-1", &s[..10]),
            Err(SealError::Malformed)
        );
        assert_eq!(
            MasterKey::generate().open(b"lot-1", b"bid-1", &s),
            Err(SealError::Tampered)
        );
    }
}
