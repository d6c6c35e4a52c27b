//! SM2 key pairs held by people rather than the platform: bidders sign envelopes with theirs,
//! custodians receive their opening-key shares encrypted to theirs. Public-key encryption follows
//! GB/T 32918.4 with the GM/T 0009 ASN.1 ciphertext (C1, C3, C2), the form OpenSSL and the browser
//! library also produce, so a key made anywhere works everywhere.

use crate::sign::DIST_ID;
use serde::{Deserialize, Serialize};
use sm2::dsa::signature::{Signer, Verifier};
use sm2::dsa::{Signature, SigningKey, VerifyingKey};
use sm2::elliptic_curve::common::getrandom::SysRng;
use sm2::elliptic_curve::sec1::ToSec1Point;
use sm2::pke::{DecryptingKey, EncryptingKey};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    #[error("not a valid SM2 private key (64 hex digits)")]
    BadSecret,
    #[error("not a valid SM2 public key (SEC1 hex, 33 or 65 bytes)")]
    BadPublic,
    #[error("the ciphertext does not decrypt under this key")]
    Undecryptable,
    #[error("not a ggzy key file")]
    BadKeyFile,
}

/// A secret SM2 key. Its bytes are overwritten when it is dropped and never printed.
pub struct SecretKey {
    bytes: [u8; 32],
}

impl Drop for SecretKey {
    fn drop(&mut self) {
        wipe(&mut self.bytes);
    }
}

/// Overwrite secret bytes in a way the optimiser may not drop.
pub fn wipe(b: &mut [u8]) {
    zeroize::Zeroize::zeroize(b);
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretKey")
            .field("public", &self.public().to_hex())
            .finish_non_exhaustive()
    }
}

impl SecretKey {
    pub fn generate() -> Self {
        loop {
            let bytes: [u8; 32] = rand::random();
            if let Ok(k) = Self::from_bytes(bytes) {
                return k;
            }
        }
    }

    pub fn from_bytes(bytes: [u8; 32]) -> Result<Self, KeyError> {
        SigningKey::from_slice(DIST_ID, &bytes).map_err(|_| KeyError::BadSecret)?;
        Ok(Self { bytes })
    }

    pub fn from_hex(s: &str) -> Result<Self, KeyError> {
        let mut v = hex::decode(s.trim()).map_err(|_| KeyError::BadSecret)?;
        let arr: Result<[u8; 32], _> = v.as_slice().try_into();
        wipe(&mut v);
        Self::from_bytes(arr.map_err(|_| KeyError::BadSecret)?)
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.bytes)
    }

    pub fn bytes(&self) -> &[u8; 32] {
        &self.bytes
    }

    fn signing(&self) -> SigningKey {
        // Checked in the constructors.
        SigningKey::from_slice(DIST_ID, &self.bytes).unwrap_or_else(|_| unreachable!())
    }

    pub fn public(&self) -> PublicKey {
        PublicKey(self.signing().verifying_key().clone())
    }

    /// SM2 signature (GB/T 32918.2 with the default distinguishing identifier), r ‖ s.
    pub fn sign(&self, msg: &[u8]) -> [u8; 64] {
        let sig: Signature = self.signing().sign(msg);
        let mut out = [0u8; 64];
        out.copy_from_slice(&sig.to_bytes());
        out
    }

    /// Decrypt a GM/T 0009 ASN.1 SM2 ciphertext.
    pub fn decrypt(&self, der: &[u8]) -> Result<Vec<u8>, KeyError> {
        let k = DecryptingKey::from_slice(&self.bytes).map_err(|_| KeyError::BadSecret)?;
        k.decrypt_der(der).map_err(|_| KeyError::Undecryptable)
    }
}

/// A public SM2 key.
#[derive(Clone)]
pub struct PublicKey(VerifyingKey);

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.sec1(false) == other.sec1(false)
    }
}

impl Eq for PublicKey {}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey({})", self.to_hex())
    }
}

impl PublicKey {
    /// Parse SEC1 bytes, compressed (33) or uncompressed (65).
    pub fn from_sec1(b: &[u8]) -> Result<Self, KeyError> {
        if b.len() != 33 && b.len() != 65 {
            return Err(KeyError::BadPublic);
        }
        VerifyingKey::from_sec1_bytes(DIST_ID, b)
            .map(Self)
            .map_err(|_| KeyError::BadPublic)
    }

    pub fn from_hex(s: &str) -> Result<Self, KeyError> {
        let b = hex::decode(s.trim()).map_err(|_| KeyError::BadPublic)?;
        Self::from_sec1(&b)
    }

    /// Uncompressed SEC1, hex (130 digits): the form every tool here prints.
    pub fn to_hex(&self) -> String {
        hex::encode(self.sec1(false))
    }

    pub fn sec1(&self, compress: bool) -> Vec<u8> {
        self.0
            .as_affine()
            .to_sec1_point(compress)
            .as_bytes()
            .to_vec()
    }

    /// A short stable name: the first 8 bytes of SM3 over the uncompressed key, hex.
    pub fn fingerprint(&self) -> String {
        hex::encode(&crate::sm3(&[&self.sec1(false)])[..8])
    }

    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        let Ok(sig) = Signature::from_slice(sig) else {
            return false;
        };
        self.0.verify(msg, &sig).is_ok()
    }

    /// Encrypt to this key (GB/T 32918.4), GM/T 0009 ASN.1 output.
    pub fn encrypt(&self, msg: &[u8]) -> Vec<u8> {
        let k = EncryptingKey::from_sec1_bytes(&self.sec1(false))
            .unwrap_or_else(|_| unreachable!("a parsed key re-encodes"));
        k.encrypt_der(&mut SysRng, msg)
            .unwrap_or_else(|e| panic!("SM2 encryption with the system RNG failed: {e}"))
    }
}

/// The key file `ggzy keygen` writes and the browser's key tool reads and writes: JSON, so that a
/// person can see whose key it is.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyFile {
    pub kind: String,
    pub owner: String,
    pub public: String,
    pub secret: String,
}

pub const KEY_FILE_KIND: &str = "ggzy-sm2-key-v1";

impl KeyFile {
    pub fn new(owner: &str, key: &SecretKey) -> Self {
        Self {
            kind: KEY_FILE_KIND.into(),
            owner: owner.into(),
            public: key.public().to_hex(),
            secret: key.to_hex(),
        }
    }

    /// Parse and check that the secret and public halves belong together.
    pub fn parse(json: &[u8]) -> Result<(String, SecretKey), KeyError> {
        let f: KeyFile = serde_json::from_slice(json).map_err(|_| KeyError::BadKeyFile)?;
        if f.kind != KEY_FILE_KIND {
            return Err(KeyError::BadKeyFile);
        }
        let k = SecretKey::from_hex(&f.secret)?;
        if PublicKey::from_hex(&f.public)? != k.public() {
            return Err(KeyError::BadKeyFile);
        }
        Ok((f.owner, k))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encrypt_decrypt_sign_verify() {
        let k = SecretKey::generate();
        let p = k.public();
        let c = p.encrypt(b"sixteen byte key");
        assert_eq!(k.decrypt(&c).expect("decrypt"), b"sixteen byte key");
        let other = SecretKey::generate();
        assert_eq!(other.decrypt(&c), Err(KeyError::Undecryptable));
        let mut bent = c.clone();
        let last = bent.len() - 1;
        bent[last] ^= 1;
        assert!(k.decrypt(&bent).is_err());
        let s = k.sign(b"m");
        assert!(p.verify(b"m", &s));
        assert!(!p.verify(b"n", &s));
        assert!(!other.public().verify(b"m", &s));
        let compressed = PublicKey::from_sec1(&p.sec1(true)).expect("compressed");
        assert_eq!(compressed, p);
        assert!(!format!("{k:?}").contains(&k.to_hex()));
    }

    #[test]
    fn key_file_roundtrip_and_mismatch() {
        let k = SecretKey::generate();
        let f = serde_json::to_vec(&KeyFile::new("alice", &k)).expect("json");
        let (owner, back) = KeyFile::parse(&f).expect("parse");
        assert_eq!(owner, "alice");
        assert_eq!(back.public(), k.public());
        let mut wrong = KeyFile::new("alice", &k);
        wrong.public = SecretKey::generate().public().to_hex();
        let wrong = serde_json::to_vec(&wrong).expect("json");
        assert!(KeyFile::parse(&wrong).is_err());
        assert!(KeyFile::parse(b"{}").is_err());
    }
}
