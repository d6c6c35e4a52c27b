//! SM4 in GCM mode (GB/T 32907 block cipher, NIST SP 800-38D mode): the bid envelope's content
//! cipher. The key is fresh per envelope and travels wrapped to the lot's SM2 opening key.

use aes_gcm::AesGcm;
use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{Aead, KeyInit, Payload};

type Sm4Gcm = AesGcm<sm4::Sm4, U12>;

pub const KEY: usize = 16;
pub const NONCE: usize = 12;
pub const TAG: usize = 16;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("SM4-GCM: ciphertext or associated data does not authenticate")]
pub struct Tampered;

/// Encrypt `msg` bound to `aad`; returns ciphertext ‖ 16-byte tag.
pub fn seal(key: &[u8; KEY], nonce: &[u8; NONCE], aad: &[u8], msg: &[u8]) -> Vec<u8> {
    Sm4Gcm::new(&(*key).into())
        .encrypt(&(*nonce).into(), Payload { msg, aad })
        .unwrap_or_default()
}

pub fn open(
    key: &[u8; KEY],
    nonce: &[u8; NONCE],
    aad: &[u8],
    sealed: &[u8],
) -> Result<Vec<u8>, Tampered> {
    Sm4Gcm::new(&(*key).into())
        .decrypt(&(*nonce).into(), Payload { msg: sealed, aad })
        .map_err(|_| Tampered)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sm4::cipher::BlockEncrypt;

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s).expect("hex")
    }

    #[test]
    fn gbt_32907_block_vector() {
        // GB/T 32907-2016 Appendix A, example 1.
        let key: [u8; 16] = h("0123456789abcdeffedcba9876543210")
            .try_into()
            .expect("key");
        let c = sm4::Sm4::new(&key.into());
        let mut block = key.into();
        c.encrypt_block(&mut block);
        assert_eq!(hex::encode(block), "681edf34d206965e86b3e94f536e4246");
    }

    #[test]
    fn rfc_8998_sm4_gcm_vector() {
        // RFC 8998 Appendix A.1 (SM4-GCM test vector).
        let key: [u8; 16] = h("0123456789ABCDEFFEDCBA9876543210")
            .try_into()
            .expect("key");
        let nonce: [u8; 12] = h("00001234567800000000ABCD").try_into().expect("iv");
        let aad = h("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2");
        let pt = h(
            "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDDEEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA",
        );
        let sealed = seal(&key, &nonce, &aad, &pt);
        let (ct, tag) = sealed.split_at(pt.len());
        assert_eq!(
            hex::encode_upper(ct),
            "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D"
        );
        assert_eq!(hex::encode_upper(tag), "83DE3541E4C2B58177E065A9BF7B62EC");
        assert_eq!(open(&key, &nonce, &aad, &sealed).as_deref(), Ok(&pt[..]));
        let mut bent = sealed.clone();
        bent[0] ^= 1;
        assert_eq!(open(&key, &nonce, &aad, &bent), Err(Tampered));
        assert_eq!(open(&key, &nonce, b"other", &sealed), Err(Tampered));
    }
}
