//! The sealed-bid envelope, format version 1 (docs/SEALED_BIDS.md is the written form).
//!
//! ```text
//! "GGZYBID" ‖ version (1 byte) ‖ header length (u32 BE) ‖ header (UTF-8 JSON)
//!           ‖ ciphertext length (u64 BE) ‖ ciphertext (SM4-GCM, AAD = header bytes)
//!           ‖ signature length (u16 BE) ‖ signature (SM2, r ‖ s)
//! ```
//!
//! The signature covers `"ggzy-envelope-v1" ‖ SM3(everything before the signature length)`, so the
//! platform checks the signer, the lot and the format without the opening key; the SM4 content key
//! is wrapped to the lot's opening key and only the rebuilt key unwraps it. The plaintext is a
//! file archive (`payload`) holding `bid_form.json`, `fingerprint.json` and the bid files.

use crate::keys::{PublicKey, SecretKey, wipe};
use crate::{Hash, sm3, sm4gcm};
use serde::{Deserialize, Serialize};

pub const MAGIC: &[u8; 7] = b"GGZYBID";
pub const VERSION: u8 = 1;
pub const SIGNED_PREFIX: &[u8] = b"ggzy-envelope-v1";
pub const MAX_HEADER: usize = 16 * 1024;
/// The largest envelope the format allows; deployments may set a lower limit.
pub const MAX_ENVELOPE: u64 = 1 << 30;
pub const FORM_FILE: &str = "bid_form.json";
pub const FINGERPRINT_FILE: &str = "fingerprint.json";
const PAYLOAD_MAGIC: &[u8; 8] = b"GGZYPKG1";
const MAX_FILES: usize = 10_000;

/// The public part of an envelope, readable by anyone and bound into the encryption as AAD.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    pub v: u8,
    /// The lot's 统一交易标识码.
    pub lot: String,
    /// The bidder's unified social credit code.
    pub bidder: String,
    /// The lot's opening public key the content key is wrapped to (SEC1 hex).
    pub opening_key: String,
    /// The bidder's registered signing key (SEC1 uncompressed hex).
    pub signer_key: String,
    /// The SM4 content key, SM2-encrypted to `opening_key` (GM/T 0009 ASN.1, hex).
    pub wrapped_key: String,
    /// SM4-GCM nonce, 12 bytes hex.
    pub nonce: String,
    /// Bid bond paid, yuan (public: the bond is checked at upload).
    pub bond: String,
    /// The sealing machine's clock, for the record only; the platform's receipt time decides.
    pub sealed_at: String,
    /// What sealed it, e.g. `ggzy-seal 0.1.0` or `browser sm-crypto-v2`.
    pub tool: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EnvelopeError {
    #[error("not a ggzy bid envelope (missing GGZYBID marker); unencrypted bids are refused")]
    NotAnEnvelope,
    #[error("envelope format version {0} is not supported (this platform reads version 1)")]
    Version(u8),
    #[error("the envelope is truncated")]
    Truncated,
    #[error("the envelope has {0} bytes after its signature")]
    Trailing(usize),
    #[error("the envelope is larger than allowed")]
    TooLarge,
    #[error("the envelope header is malformed: {0}")]
    Header(String),
    #[error("the signature does not verify under the signer key in the header")]
    BadSignature,
    #[error("the content key does not unwrap with this opening key")]
    WrongOpeningKey,
    #[error("the ciphertext fails its authentication tag: altered after sealing")]
    Tampered,
    #[error("the decrypted archive is malformed: {0}")]
    Payload(String),
}

/// A parsed, not yet verified envelope borrowing the input bytes.
#[derive(Debug)]
pub struct Envelope<'a> {
    pub header: Header,
    header_bytes: &'a [u8],
    ciphertext: &'a [u8],
    signed_digest: Hash,
    whole_digest: Hash,
    signature: &'a [u8],
    pub opening_key: PublicKey,
    pub signer_key: PublicKey,
    wrapped_key: Vec<u8>,
    nonce: [u8; 12],
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], EnvelopeError> {
        let end = self.at.checked_add(n).ok_or(EnvelopeError::Truncated)?;
        let s = self.b.get(self.at..end).ok_or(EnvelopeError::Truncated)?;
        self.at = end;
        Ok(s)
    }
    fn u16(&mut self) -> Result<u16, EnvelopeError> {
        Ok(u16::from_be_bytes(
            self.take(2)?
                .try_into()
                .map_err(|_| EnvelopeError::Truncated)?,
        ))
    }
    fn u32(&mut self) -> Result<u32, EnvelopeError> {
        Ok(u32::from_be_bytes(
            self.take(4)?
                .try_into()
                .map_err(|_| EnvelopeError::Truncated)?,
        ))
    }
    fn u64(&mut self) -> Result<u64, EnvelopeError> {
        Ok(u64::from_be_bytes(
            self.take(8)?
                .try_into()
                .map_err(|_| EnvelopeError::Truncated)?,
        ))
    }
}

fn header_err(what: &str) -> EnvelopeError {
    EnvelopeError::Header(what.into())
}

impl<'a> Envelope<'a> {
    /// Parse the layout and the header; check nothing cryptographic yet.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, EnvelopeError> {
        Self::parse_limited(bytes, MAX_ENVELOPE)
    }

    pub fn parse_limited(bytes: &'a [u8], max: u64) -> Result<Self, EnvelopeError> {
        if bytes.len() as u64 > max {
            return Err(EnvelopeError::TooLarge);
        }
        let mut r = Reader { b: bytes, at: 0 };
        if r.take(MAGIC.len())
            .map_err(|_| EnvelopeError::NotAnEnvelope)?
            != MAGIC
        {
            return Err(EnvelopeError::NotAnEnvelope);
        }
        let v = r.take(1)?[0];
        if v != VERSION {
            return Err(EnvelopeError::Version(v));
        }
        let hlen = r.u32()? as usize;
        if hlen > MAX_HEADER {
            return Err(header_err("longer than 16 KiB"));
        }
        let header_bytes = r.take(hlen)?;
        let clen = r.u64()?;
        if clen > max {
            return Err(EnvelopeError::TooLarge);
        }
        let ciphertext = r.take(usize::try_from(clen).map_err(|_| EnvelopeError::TooLarge)?)?;
        let signed_end = r.at;
        let slen = r.u16()? as usize;
        let signature = r.take(slen)?;
        if r.at != bytes.len() {
            return Err(EnvelopeError::Trailing(bytes.len() - r.at));
        }
        if slen != 64 {
            return Err(header_err("signature is not 64 bytes"));
        }
        let header: Header = serde_json::from_slice(header_bytes)
            .map_err(|e| EnvelopeError::Header(e.to_string()))?;
        if header.v != VERSION {
            return Err(header_err("header version differs from the envelope's"));
        }
        let opening_key =
            PublicKey::from_hex(&header.opening_key).map_err(|_| header_err("opening_key"))?;
        let signer_key =
            PublicKey::from_hex(&header.signer_key).map_err(|_| header_err("signer_key"))?;
        let wrapped_key =
            hex::decode(&header.wrapped_key).map_err(|_| header_err("wrapped_key"))?;
        if wrapped_key.is_empty() || wrapped_key.len() > 512 {
            return Err(header_err("wrapped_key"));
        }
        let nonce: [u8; 12] = hex::decode(&header.nonce)
            .ok()
            .and_then(|n| n.try_into().ok())
            .ok_or_else(|| header_err("nonce is not 12 bytes"))?;
        if ciphertext.len() < sm4gcm::TAG {
            return Err(EnvelopeError::Truncated);
        }
        // One pass over the (possibly large) body gives both the signed digest and the SM3 of the
        // whole envelope that the receipt and the log commit to.
        let mut h = <sm3::Sm3 as sm3::Digest>::new();
        sm3::Digest::update(&mut h, &bytes[..signed_end]);
        let signed_digest: Hash = sm3::Digest::finalize(h.clone()).into();
        sm3::Digest::update(&mut h, &bytes[signed_end..]);
        let whole_digest: Hash = sm3::Digest::finalize(h).into();
        Ok(Self {
            signed_digest,
            whole_digest,
            header,
            header_bytes,
            ciphertext,
            signature,
            opening_key,
            signer_key,
            wrapped_key,
            nonce,
        })
    }

    /// Check the bidder's signature over everything before it.
    pub fn verify_signature(&self) -> Result<(), EnvelopeError> {
        if self
            .signer_key
            .verify(&signed_message(&self.signed_digest), self.signature)
        {
            Ok(())
        } else {
            Err(EnvelopeError::BadSignature)
        }
    }

    /// SM3 of the whole envelope as received: the commitment the log and the receipt carry.
    pub fn sm3(&self) -> Hash {
        self.whole_digest
    }

    pub fn ciphertext_len(&self) -> usize {
        self.ciphertext.len()
    }

    /// Decrypt with the rebuilt opening key. Every failure here is the sealer's doing: the platform
    /// has already checked that these are the bytes the bidder signed.
    pub fn open(&self, opening: &SecretKey) -> Result<Payload, EnvelopeError> {
        let mut key = opening
            .decrypt(&self.wrapped_key)
            .map_err(|_| EnvelopeError::WrongOpeningKey)?;
        let k: Result<[u8; 16], _> = key.as_slice().try_into();
        wipe(&mut key);
        let mut k = k.map_err(|_| EnvelopeError::WrongOpeningKey)?;
        let plain = sm4gcm::open(&k, &self.nonce, self.header_bytes, self.ciphertext);
        wipe(&mut k);
        Payload::parse(&plain.map_err(|_| EnvelopeError::Tampered)?)
    }
}

fn signed_message(digest: &Hash) -> Vec<u8> {
    [SIGNED_PREFIX, digest.as_slice()].concat()
}

/// What the sealer supplies besides the files.
#[derive(Debug, Clone)]
pub struct SealInput<'a> {
    pub lot: &'a str,
    pub bidder: &'a str,
    pub opening_key: &'a PublicKey,
    pub bond: &'a str,
    pub sealed_at: &'a str,
    pub tool: &'a str,
}

/// Seal files into an envelope: fresh SM4 key and nonce, key wrapped to the opening key, signed.
pub fn seal(input: &SealInput<'_>, signer: &SecretKey, files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut key: [u8; 16] = rand::random();
    let nonce: [u8; 12] = rand::random();
    let header = Header {
        v: VERSION,
        lot: input.lot.into(),
        bidder: input.bidder.into(),
        opening_key: hex::encode(input.opening_key.sec1(true)),
        signer_key: signer.public().to_hex(),
        wrapped_key: hex::encode(input.opening_key.encrypt(&key)),
        nonce: hex::encode(nonce),
        bond: input.bond.into(),
        sealed_at: input.sealed_at.into(),
        tool: input.tool.into(),
    };
    let header_bytes = serde_json::to_vec(&header).unwrap_or_else(|_| unreachable!());
    let mut plain = Payload::pack(files);
    let ct = sm4gcm::seal(&key, &nonce, &header_bytes, &plain);
    wipe(&mut key);
    wipe(&mut plain);
    assemble(&header_bytes, &ct, signer)
}

/// Lay out and sign an envelope from its parts (also used by tests to build malformed ones).
pub fn assemble(header_bytes: &[u8], ciphertext: &[u8], signer: &SecretKey) -> Vec<u8> {
    let mut out = Vec::with_capacity(header_bytes.len() + ciphertext.len() + 100);
    out.extend_from_slice(MAGIC);
    out.push(VERSION);
    out.extend_from_slice(&(header_bytes.len() as u32).to_be_bytes());
    out.extend_from_slice(header_bytes);
    out.extend_from_slice(&(ciphertext.len() as u64).to_be_bytes());
    out.extend_from_slice(ciphertext);
    let sig = signer.sign(&signed_message(&sm3(&[&out])));
    out.extend_from_slice(&64u16.to_be_bytes());
    out.extend_from_slice(&sig);
    out
}

/// The decrypted archive: named files in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload {
    pub files: Vec<(String, Vec<u8>)>,
}

impl Payload {
    /// `GGZYPKG1 ‖ count (u32 BE) ‖ { name length (u16 BE) ‖ name ‖ size (u64 BE) ‖ bytes }*`
    pub fn pack(files: &[(String, Vec<u8>)]) -> Vec<u8> {
        let total: usize = files.iter().map(|(n, b)| n.len() + b.len() + 10).sum();
        let mut out = Vec::with_capacity(total + 12);
        out.extend_from_slice(PAYLOAD_MAGIC);
        out.extend_from_slice(&(files.len() as u32).to_be_bytes());
        for (name, bytes) in files {
            out.extend_from_slice(&(name.len() as u16).to_be_bytes());
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
            out.extend_from_slice(bytes);
        }
        out
    }

    pub fn parse(b: &[u8]) -> Result<Self, EnvelopeError> {
        let bad = |s: &str| EnvelopeError::Payload(s.into());
        let mut r = Reader { b, at: 0 };
        if r.take(8).map_err(|_| bad("too short"))? != PAYLOAD_MAGIC {
            return Err(bad("missing GGZYPKG1 marker"));
        }
        let n = r.u32().map_err(|_| bad("truncated"))? as usize;
        if n > MAX_FILES {
            return Err(bad("too many files"));
        }
        let mut files: Vec<(String, Vec<u8>)> = Vec::with_capacity(n);
        for _ in 0..n {
            let len = r.u16().map_err(|_| bad("truncated"))? as usize;
            let name = std::str::from_utf8(r.take(len).map_err(|_| bad("truncated"))?)
                .map_err(|_| bad("a file name is not UTF-8"))?;
            check_name(name).map_err(|e| bad(&e))?;
            if files.iter().any(|(f, _)| f == name) {
                return Err(bad(&format!("{name} appears twice")));
            }
            let size = r.u64().map_err(|_| bad("truncated"))?;
            let size = usize::try_from(size).map_err(|_| bad("truncated"))?;
            let bytes = r.take(size).map_err(|_| bad("truncated"))?;
            files.push((name.to_string(), bytes.to_vec()));
        }
        if r.at != b.len() {
            return Err(bad("bytes after the last file"));
        }
        if !files.iter().any(|(n, _)| n == FORM_FILE) {
            return Err(bad("no bid_form.json"));
        }
        Ok(Self { files })
    }

    pub fn file(&self, name: &str) -> Option<&[u8]> {
        self.files
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, b)| b.as_slice())
    }

    /// SM3 over the packed archive: what the opening transcript publishes as the package hash.
    pub fn sm3(&self) -> Hash {
        sm3(&[&Self::pack(&self.files)])
    }
}

/// Relative paths only: no absolute paths, no `..`, no backslashes, no control characters.
pub fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 255 {
        return Err("a file name is empty or longer than 255 bytes".into());
    }
    if name.starts_with('/')
        || name.contains('\\')
        || name
            .split('/')
            .any(|p| p.is_empty() || p == "." || p == "..")
        || name.chars().any(char::is_control)
    {
        return Err(format!("file name {name:?} is not a plain relative path"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files() -> Vec<(String, Vec<u8>)> {
        vec![
            (FORM_FILE.into(), br#"{"price":"100"}"#.to_vec()),
            ("tech/plan.pdf".into(), vec![7u8; 5000]),
        ]
    }

    fn sealed(opening: &PublicKey, signer: &SecretKey) -> Vec<u8> {
        seal(
            &SealInput {
                lot: "A02-LOT",
                bidder: "91110000MA01ABCDE1",
                opening_key: opening,
                bond: "10000",
                sealed_at: "2026-11-23T10:00:00+08:00",
                tool: "test",
            },
            signer,
            &files(),
        )
    }

    #[test]
    fn seal_parse_verify_open() {
        let opening = SecretKey::generate();
        let bidder = SecretKey::generate();
        let env = sealed(&opening.public(), &bidder);
        let e = Envelope::parse(&env).expect("parse");
        assert_eq!(e.header.lot, "A02-LOT");
        assert_eq!(e.signer_key, bidder.public());
        e.verify_signature().expect("signature");
        assert_eq!(e.sm3(), sm3(&[&env]));
        let p = e.open(&opening).expect("open");
        assert_eq!(p.files, files());
        assert_eq!(p.file(FORM_FILE), Some(&br#"{"price":"100"}"#[..]));
        // The plaintext is nowhere in the envelope.
        assert!(!env.windows(16).any(|w| w == [7u8; 16]));
    }

    #[test]
    fn every_kind_of_damage_is_named() {
        let opening = SecretKey::generate();
        let bidder = SecretKey::generate();
        let env = sealed(&opening.public(), &bidder);
        assert_eq!(
            Envelope::parse(b"PK\x03\x04 a zip file").err(),
            Some(EnvelopeError::NotAnEnvelope)
        );
        for cut in [0, 7, 8, 12, 40, env.len() - 1] {
            assert!(Envelope::parse(&env[..cut]).is_err(), "cut at {cut}");
        }
        let mut longer = env.clone();
        longer.push(0);
        assert_eq!(
            Envelope::parse(&longer).err(),
            Some(EnvelopeError::Trailing(1))
        );
        let mut v2 = env.clone();
        v2[7] = 2;
        assert_eq!(Envelope::parse(&v2).err(), Some(EnvelopeError::Version(2)));
        assert_eq!(
            Envelope::parse_limited(&env, 100).err(),
            Some(EnvelopeError::TooLarge)
        );
        // A flipped ciphertext byte: the signature fails first.
        let mut bent = env.clone();
        let mid = env.len() - 200;
        bent[mid] ^= 1;
        let e = Envelope::parse(&bent).expect("layout intact");
        assert_eq!(e.verify_signature(), Err(EnvelopeError::BadSignature));
        // Re-signed by a bidder who altered its own ciphertext: the tag fails at the opening.
        let parsed = Envelope::parse(&env).expect("parse");
        let mut ct = parsed.ciphertext.to_vec();
        ct[3] ^= 1;
        let resigned = assemble(parsed.header_bytes, &ct, &bidder);
        let e = Envelope::parse(&resigned).expect("parse");
        e.verify_signature().expect("signed by the bidder");
        assert_eq!(e.open(&opening).err(), Some(EnvelopeError::Tampered));
        // Sealed to a key that is not the opening key: the content key does not unwrap.
        let stranger = SecretKey::generate();
        let wrong = sealed(&stranger.public(), &bidder);
        let e = Envelope::parse(&wrong).expect("parse");
        assert_eq!(e.open(&opening).err(), Some(EnvelopeError::WrongOpeningKey));
    }

    #[test]
    fn archive_refuses_escaping_names_and_missing_form() {
        for n in [
            "/etc/passwd",
            "../x",
            "a/../b",
            "a\\b",
            "",
            "a//b",
            "x\u{0}",
        ] {
            assert!(check_name(n).is_err(), "{n:?}");
        }
        assert!(check_name("技术标/施工组织设计.pdf").is_ok());
        let no_form = Payload::pack(&[("a.pdf".into(), vec![1])]);
        assert!(Payload::parse(&no_form).is_err());
        let twice = Payload::pack(&[(FORM_FILE.into(), vec![1]), (FORM_FILE.into(), vec![2])]);
        assert!(Payload::parse(&twice).is_err());
    }

    proptest::proptest! {
        #[test]
        fn parsers_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..600)) {
            let _ = Envelope::parse(&bytes);
            let _ = Payload::parse(&bytes);
            let mut with_magic = MAGIC.to_vec();
            with_magic.push(VERSION);
            with_magic.extend_from_slice(&bytes);
            let _ = Envelope::parse(&with_magic);
        }
    }
}
