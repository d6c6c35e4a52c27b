//! SM2 signatures (GB/T 32918) for what the platform publishes: signed tree heads, later receipts.

use crate::Hash;
use sm2::dsa::signature::{Signer, Verifier};
use sm2::dsa::{Signature, SigningKey, VerifyingKey};

/// The default user identity of GB/T 32918 / GM/T 0009, used when no other is agreed.
pub const DIST_ID: &str = "1234567812345678";

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("not a valid SM2 private key")]
    BadPrivateKey,
    #[error("not a valid SM2 public key")]
    BadPublicKey,
}

/// The platform's SM2 signing key.
pub struct PlatformKey {
    signing: SigningKey,
}

impl std::fmt::Debug for PlatformKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret scalar.
        f.debug_struct("PlatformKey")
            .field("public", &self.public_hex())
            .finish()
    }
}

impl PlatformKey {
    pub fn generate() -> Self {
        loop {
            let bytes: [u8; 32] = rand::random();
            if let Ok(signing) = SigningKey::from_slice(DIST_ID, &bytes) {
                return Self { signing };
            }
        }
    }

    pub fn from_secret_hex(s: &str) -> Result<Self, KeyError> {
        let bytes = hex::decode(s.trim()).map_err(|_| KeyError::BadPrivateKey)?;
        let signing =
            SigningKey::from_slice(DIST_ID, &bytes).map_err(|_| KeyError::BadPrivateKey)?;
        Ok(Self { signing })
    }

    pub fn secret_hex(&self) -> String {
        hex::encode(self.signing.to_bytes())
    }

    /// Uncompressed SEC1 public key, hex.
    pub fn public_hex(&self) -> String {
        hex::encode(self.signing.verifying_key().to_sec1_bytes())
    }

    pub fn sign(&self, msg: &[u8]) -> Vec<u8> {
        let sig: Signature = self.signing.sign(msg);
        sig.to_bytes().to_vec()
    }
}

pub fn verify(public_hex: &str, msg: &[u8], signature: &[u8]) -> Result<bool, KeyError> {
    let bytes = hex::decode(public_hex).map_err(|_| KeyError::BadPublicKey)?;
    let key = VerifyingKey::from_sec1_bytes(DIST_ID, &bytes).map_err(|_| KeyError::BadPublicKey)?;
    let Ok(sig) = Signature::from_slice(signature) else {
        return Ok(false);
    };
    Ok(key.verify(msg, &sig).is_ok())
}

/// The exact bytes a signed tree head signs.
pub fn tree_head_message(size: u64, root: &Hash, timestamp_micros: i64) -> Vec<u8> {
    let mut m = Vec::with_capacity(11 + 8 + 32 + 8);
    m.extend_from_slice(b"ggzy-sth-v1");
    m.extend_from_slice(&size.to_be_bytes());
    m.extend_from_slice(root);
    m.extend_from_slice(&timestamp_micros.to_be_bytes());
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_verify_roundtrip_and_tamper() {
        let k = PlatformKey::generate();
        let msg = tree_head_message(3, &[7u8; 32], 1_700_000_000_000_000);
        let sig = k.sign(&msg);
        assert!(verify(&k.public_hex(), &msg, &sig).expect("key"));
        let other = tree_head_message(4, &[7u8; 32], 1_700_000_000_000_000);
        assert!(!verify(&k.public_hex(), &other, &sig).expect("key"));
        let again = PlatformKey::from_secret_hex(&k.secret_hex()).expect("hex");
        assert_eq!(again.public_hex(), k.public_hex());
        assert!(verify("zz", &msg, &sig).is_err());
        assert!(!format!("{k:?}").contains(&k.secret_hex()));
    }
}
