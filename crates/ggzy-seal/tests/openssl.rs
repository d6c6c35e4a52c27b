//! Interoperation with an independent implementation: the OpenSSL command line (3.x has SM2, SM3
//! and SM4). Each primitive is exercised in both directions, so a mistake shared by our sealing and
//! our opening cannot hide behind a round trip.

use ggzy_seal::keys::{PublicKey, SecretKey};
use ggzy_seal::{sm3, sm4gcm};
use std::path::Path;
use std::process::Command;

fn openssl(dir: &Path, args: &[&str]) -> Vec<u8> {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the openssl command line is installed (Debian package openssl)");
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// An SM2 key made by OpenSSL: its PEM file in `dir/name.pem` and its raw halves.
fn openssl_key(dir: &Path, name: &str) -> (SecretKey, PublicKey) {
    let pem = format!("{name}.pem");
    openssl(
        dir,
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:SM2",
            "-out",
            &pem,
        ],
    );
    let text =
        String::from_utf8(openssl(dir, &["pkey", "-in", &pem, "-text", "-noout"])).expect("utf8");
    let grab = |label: &str| -> String {
        let start = text.find(label).expect("label") + label.len();
        text[start..]
            .lines()
            .skip(1)
            .take_while(|l| l.starts_with(' '))
            .flat_map(|l| l.trim().split(':'))
            .filter(|h| !h.is_empty())
            .collect()
    };
    let mut secret = grab("priv:");
    // OpenSSL prints a leading 00 when the top bit is set.
    while secret.len() > 64 && secret.starts_with("00") {
        secret.drain(..2);
    }
    let secret = format!("{secret:0>64}");
    let k = SecretKey::from_hex(&secret).expect("openssl private key");
    let p = PublicKey::from_hex(&grab("pub:")).expect("openssl public key");
    assert_eq!(k.public(), p, "parsed halves belong together");
    openssl(
        dir,
        &[
            "pkey",
            "-in",
            &pem,
            "-pubout",
            "-out",
            &format!("{name}.pub.pem"),
        ],
    );
    (k, p)
}

fn der_signature(raw: &[u8; 64]) -> Vec<u8> {
    fn int(b: &[u8]) -> Vec<u8> {
        let mut v: Vec<u8> = b.iter().copied().skip_while(|&x| x == 0).collect();
        if v.first().is_none_or(|&x| x & 0x80 != 0) {
            v.insert(0, 0);
        }
        let mut out = vec![0x02, v.len() as u8];
        out.extend(v);
        out
    }
    let body = [int(&raw[..32]), int(&raw[32..])].concat();
    let mut out = vec![0x30, body.len() as u8];
    out.extend(body);
    out
}

fn raw_signature(der: &[u8]) -> [u8; 64] {
    assert_eq!(der[0], 0x30);
    let mut at = 2;
    let mut out = [0u8; 64];
    for half in 0..2 {
        assert_eq!(der[at], 0x02);
        let len = der[at + 1] as usize;
        let v = &der[at + 2..at + 2 + len];
        let v = if v.len() > 32 { &v[v.len() - 32..] } else { v };
        out[half * 32 + 32 - v.len()..half * 32 + 32].copy_from_slice(v);
        at += 2 + len;
    }
    out
}

#[test]
fn sm3_matches_openssl() {
    let dir = tempfile::tempdir().expect("tmp");
    let data: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(dir.path().join("d"), &data).expect("write");
    let out = String::from_utf8(openssl(dir.path(), &["dgst", "-sm3", "-r", "d"])).expect("utf8");
    let theirs = out.split_whitespace().next().expect("digest");
    assert_eq!(theirs, hex::encode(sm3(&[&data])));
}

#[test]
fn sm2_signatures_verify_across_implementations() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let (k, p) = openssl_key(d, "signer");
    let msg = b"ggzy-envelope-v1 test message";
    std::fs::write(d.join("msg"), msg).expect("write");

    // Ours signs, OpenSSL verifies.
    std::fs::write(d.join("ours.sig"), der_signature(&k.sign(msg))).expect("write");
    let ok = String::from_utf8(openssl(
        d,
        &[
            "pkeyutl",
            "-verify",
            "-pubin",
            "-inkey",
            "signer.pub.pem",
            "-rawin",
            "-in",
            "msg",
            "-sigfile",
            "ours.sig",
            "-digest",
            "sm3",
            "-pkeyopt",
            "distid:1234567812345678",
        ],
    ))
    .expect("utf8");
    assert!(ok.contains("Verified Successfully"), "{ok}");

    // OpenSSL signs, ours verifies; a different message does not.
    openssl(
        d,
        &[
            "pkeyutl",
            "-sign",
            "-inkey",
            "signer.pem",
            "-rawin",
            "-in",
            "msg",
            "-digest",
            "sm3",
            "-pkeyopt",
            "distid:1234567812345678",
            "-out",
            "theirs.sig",
        ],
    );
    let theirs = raw_signature(&std::fs::read(d.join("theirs.sig")).expect("read"));
    assert!(p.verify(msg, &theirs));
    assert!(!p.verify(b"another message", &theirs));
}

#[test]
fn sm2_encryption_works_across_implementations() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let (k, p) = openssl_key(d, "custodian");
    let secret = b"0123456789abcdef";
    std::fs::write(d.join("plain"), secret).expect("write");

    // OpenSSL encrypts (GM/T 0009 ASN.1), ours decrypts.
    openssl(
        d,
        &[
            "pkeyutl",
            "-encrypt",
            "-pubin",
            "-inkey",
            "custodian.pub.pem",
            "-in",
            "plain",
            "-out",
            "theirs.ct",
        ],
    );
    let ct = std::fs::read(d.join("theirs.ct")).expect("read");
    assert_eq!(k.decrypt(&ct).expect("ours decrypts theirs"), secret);

    // Ours encrypts, OpenSSL decrypts.
    std::fs::write(d.join("ours.ct"), p.encrypt(secret)).expect("write");
    let back = openssl(
        d,
        &[
            "pkeyutl",
            "-decrypt",
            "-inkey",
            "custodian.pem",
            "-in",
            "ours.ct",
        ],
    );
    assert_eq!(back, secret);
}

#[test]
fn sm4_gcm_keystream_is_openssl_sm4_ctr() {
    // GCM encrypts with CTR starting at counter 2 of nonce ‖ counter (NIST SP 800-38D). OpenSSL's
    // `enc` has no AEAD modes, so the SM4 part is checked against its SM4-CTR both ways, and the
    // GB/T 32907 block vector against its SM4-ECB.
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let key = *b"\x01\x23\x45\x67\x89\xab\xcd\xef\xfe\xdc\xba\x98\x76\x54\x32\x10";
    let nonce = [9u8; 12];
    let msg: Vec<u8> = (0..1000u32).map(|i| i as u8).collect();
    std::fs::write(d.join("m"), &msg).expect("write");
    let iv = format!("{}00000002", hex::encode(nonce));
    let theirs = openssl(
        d,
        &[
            "enc",
            "-sm4-ctr",
            "-K",
            &hex::encode(key),
            "-iv",
            &iv,
            "-in",
            "m",
        ],
    );
    let ours = sm4gcm::seal(&key, &nonce, b"", &msg);
    assert_eq!(&ours[..msg.len()], &theirs[..]);
    std::fs::write(d.join("c"), &ours[..msg.len()]).expect("write");
    let back = openssl(
        d,
        &[
            "enc",
            "-d",
            "-sm4-ctr",
            "-K",
            &hex::encode(key),
            "-iv",
            &iv,
            "-in",
            "c",
        ],
    );
    assert_eq!(back, msg);
    assert_eq!(
        sm4gcm::open(&key, &nonce, b"", &ours).expect("own tag"),
        msg
    );

    // GB/T 32907-2016 Appendix A example 1.
    std::fs::write(d.join("block"), key).expect("write");
    let ecb = openssl(
        d,
        &[
            "enc",
            "-sm4-ecb",
            "-nopad",
            "-K",
            &hex::encode(key),
            "-in",
            "block",
        ],
    );
    assert_eq!(hex::encode(ecb), "681edf34d206965e86b3e94f536e4246");
}
