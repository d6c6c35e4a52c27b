//! Sealed bids on every backend: k-of-n custody, shares refused before the deadline and from the
//! wrong hands, postponement, an opening with one bidder-caused and one platform-caused failure
//! (电子招标投标办法 Art 31), refused envelopes, receipts that verify offline — and that a full
//! database dump, the server's keys and k−1 shares do not open a bid.

use crate::support::{code, seeded, who};
use chrono::{DateTime, Duration, Utc};
use ggzy_core::procedure::Stage;
use ggzy_demo as demo;
use ggzy_demo::tendering::{self as demo_tendering, Walk};
use ggzy_demo::testing::TestDb;
use ggzy_demo::{CUSTODIANS, demo_key};
use ggzy_seal::envelope::{self, Envelope, EnvelopeError};
use ggzy_seal::keys::{PublicKey, SecretKey};
use ggzy_seal::shamir::{Commitments, Share};
use ggzy_store::tendering::sealing::{self, ShareInput};
use ggzy_store::tendering::{self, bids};
use ggzy_store::vault::BidVault;
use ggzy_store::{Actor, Db, ServiceError};
use std::sync::Arc;
use uuid::Uuid;

/// A custodian's decrypted share, as `ggzy custody open-share` would print it.
async fn share_of(db: &Db, u: &str, lot: Uuid, at: DateTime<Utc>) -> String {
    let a = who(db, u).await;
    let sealed = sealing::sealed_share(db, &a, lot, at)
        .await
        .expect("sealed share");
    let k = demo_key(&format!("{u}/{}", sealing::CUSTODY));
    hex::encode(
        k.decrypt(&hex::decode(sealed.sealed_share).expect("hex"))
            .expect("decrypts"),
    )
}

async fn submit(
    db: &Db,
    vault: &Arc<BidVault>,
    u: &str,
    lot: Uuid,
    share: &str,
    at: DateTime<Utc>,
) -> Result<sealing::ShareOutcome, ServiceError> {
    let a = who(db, u).await;
    sealing::submit_share(
        db,
        vault,
        &a,
        lot,
        &ShareInput {
            share: share.into(),
        },
        &move || at,
    )
    .await
}

/// A lot tendering with the demo's four bids, the notice at `t0`, deadline `t0 + 21 d`.
async fn tendering_lot(db: &Db, vault: &Arc<BidVault>, t0: DateTime<Utc>) -> Uuid {
    demo_tendering::walk(
        db,
        vault,
        "封存测试工程",
        "open_tender",
        Walk::Tendering,
        t0,
    )
    .await
    .expect("walk")
}

#[tokio::test]
async fn opening_from_shares_with_a_bidder_caused_and_a_platform_caused_failure() {
    for (t, now) in seeded().await {
        let vault = Arc::new(BidVault::temporary().expect("vault"));
        let t0 = now - Duration::days(30);
        let lot = tendering_lot(&t.db, &vault, t0).await;
        let deadline = t0 + Duration::days(21);
        let key = sealing::opening_key(&t.db, lot)
            .await
            .expect("key")
            .expect("published");
        assert_eq!(key.threshold, 3);
        assert_eq!(
            key.custodians.len(),
            4,
            "three custodians and the principal"
        );
        let opening = PublicKey::from_hex(&key.public_key).expect("pk");

        // A fifth bidder whose tool wrapped the content key to the wrong key while naming the
        // lot's key: the upload passes every check the platform can make without the key.
        let e09 = who(&t.db, "entity09").await;
        let uscc = sealing::uscc_of(&t.db, e09.entity_id.expect("entity"))
            .await
            .expect("uscc");
        let signer = demo_key(&format!("entity09/{}", sealing::BID_SIGNING));
        let stranger = SecretKey::generate();
        let wrong = envelope::seal(
            &envelope::SealInput {
                lot: &key.lot_trade_code,
                bidder: &uscc,
                opening_key: &stranger.public(),
                bond: "800000",
                sealed_at: "test",
                tool: "test",
            },
            &signer,
            &[(
                envelope::FORM_FILE.into(),
                serde_json::to_vec(&demo_tendering::bid_form(1)).expect("json"),
            )],
        );
        // Its header names the lot's key, but the content key is wrapped to a stranger's.
        let mut header = Envelope::parse(&wrong).expect("parse").header;
        header.opening_key = hex::encode(opening.sec1(true));
        let content = [7u8; 16];
        header.wrapped_key = hex::encode(stranger.public().encrypt(&content));
        let header_bytes2 = serde_json::to_vec(&header).expect("json");
        let nonce: [u8; 12] = hex::decode(&header.nonce)
            .expect("hex")
            .try_into()
            .expect("12");
        let ct = ggzy_seal::sm4gcm::seal(
            &content,
            &nonce,
            &header_bytes2,
            &envelope::Payload::pack(&[(envelope::FORM_FILE.into(), b"{}".to_vec())]),
        );
        let bad_wrap = envelope::assemble(&header_bytes2, &ct, &signer);
        let r = bids::submit(
            &t.db,
            &vault,
            &e09,
            lot,
            bad_wrap,
            &bids::Origin::default(),
            &move || deadline - Duration::hours(1),
        )
        .await
        .expect("accepted: the platform cannot tell");
        let bidder_caused = r.receipt_no.clone();

        // A platform storage fault: one stored envelope is damaged on disk.
        let e03 = who(&t.db, "entity03").await;
        let mine = bids::my_bids(&t.db, &e03, lot).await.expect("mine");
        let path = vault.envelope_path(lot, mine[0].id);
        let mut bytes = std::fs::read(&path).expect("stored");
        let mid = bytes.len() / 2;
        bytes[mid] ^= 0xff;
        std::fs::write(&path, bytes).expect("damage");
        let platform_caused = mine[0].receipt_no.clone();

        // Before the deadline no share is released or accepted (Art 27).
        let early = deadline - Duration::seconds(1);
        let c1 = who(&t.db, "custodian").await;
        let e = sealing::sealed_share(&t.db, &c1, lot, early)
            .await
            .expect_err("early");
        assert_eq!(code(&e), "custody.before_deadline", "{}", t.name);

        // The deadline convenes the opening; nothing is decrypted yet.
        let fired = ggzy_store::regime::run_due(&t.db, deadline)
            .await
            .expect("run");
        assert_eq!(fired.len(), 1);
        assert_eq!(
            tendering::load(&t.db, lot).await.expect("lot").state.stage,
            Stage::Tendering
        );

        let at = deadline + Duration::minutes(5);
        let s1 = share_of(&t.db, "custodian", lot, at).await;
        let s2 = share_of(&t.db, "custodian2", lot, at).await;
        let s3 = share_of(&t.db, "custodian3", lot, at).await;
        // Someone else's share, a malformed one, and one not from this lot's key are refused.
        let e = submit(&t.db, &vault, "custodian3", lot, &s1, at)
            .await
            .expect_err("not yours");
        assert_eq!(code(&e), "share.not_yours");
        let e = submit(&t.db, &vault, "custodian", lot, "zz", at)
            .await
            .expect_err("malformed");
        assert_eq!(code(&e), "share.malformed");
        let mut forged = Share::parse_hex(&s1).expect("share");
        forged.value[31] ^= 1;
        let e = submit(&t.db, &vault, "custodian", lot, &forged.to_hex(), at)
            .await
            .expect_err("forged");
        assert_eq!(code(&e), "share.not_of_this_lot");
        let bidder = who(&t.db, "bidder").await;
        let e = sealing::submit_share(
            &t.db,
            &vault,
            &bidder,
            lot,
            &ShareInput { share: s1.clone() },
            &move || at,
        )
        .await
        .expect_err("not a custodian");
        assert_eq!(code(&e), "forbidden:key_custody");

        // k−1 shares: still closed. The postponement check tells everyone.
        let o = submit(&t.db, &vault, "custodian", lot, &s1, at)
            .await
            .expect("share 1");
        assert_eq!((o.submitted, o.stage.as_deref()), (1, None));
        submit(&t.db, &vault, "custodian2", lot, &s2, at)
            .await
            .expect("share 2");
        let fired = ggzy_store::regime::run_due(&t.db, deadline + Duration::minutes(31))
            .await
            .expect("check");
        assert_eq!(fired.len(), 1);
        assert!(
            fired[0].outcome.starts_with("postponed: 2 of 3"),
            "{:?}",
            fired[0]
        );
        let told = tendering::inbox(&t.db, &bidder).await.expect("inbox");
        assert!(
            told.iter().any(|m| m.kind == "opening_postponed"),
            "{}",
            t.name
        );
        assert!(
            ggzy_store::notices::latest(&t.db, "construction", 100)
                .await
                .expect("notices")
                .iter()
                .any(|n| n.notice_kind == "postponed"),
            "the postponement is published"
        );

        // The third share opens: the key is rebuilt, every envelope checked and decrypted.
        let o = submit(
            &t.db,
            &vault,
            "custodian3",
            lot,
            &s3,
            deadline + Duration::minutes(40),
        )
        .await
        .expect("share 3");
        assert_eq!(o.stage.as_deref(), Some("evaluating"), "{}", t.name);
        let tr = sealing::transcript(&t.db, lot)
            .await
            .expect("t")
            .expect("published");
        assert_eq!(tr.lines.len(), 5);
        let result = |no: &str| {
            tr.lines
                .iter()
                .find(|l| l.receipt_no == no)
                .map(|l| l.result.clone())
        };
        assert_eq!(
            result(&bidder_caused).as_deref(),
            Some("revoked"),
            "{}",
            t.name
        );
        assert_eq!(
            result(&platform_caused).as_deref(),
            Some("withdrawn"),
            "{}",
            t.name
        );
        assert_eq!(tr.lines.iter().filter(|l| l.result == "opened").count(), 3);
        for l in tr.lines.iter().filter(|l| l.result == "opened") {
            assert_eq!(l.package_sm3.len(), 64);
        }
        assert_eq!(tr.shares.len(), 3);
        let principal = who(&t.db, "principal").await;
        let record = bids::opening_record(&t.db, &principal, lot)
            .await
            .expect("r")
            .expect("record");
        assert_eq!(record.lines.len(), 3, "only decrypted bids are read out");
        // The withdrawn bidder's bond comes back; both failed bidders are told why.
        let refunds = ggzy_store::evaluation::refunds(&t.db, &principal, lot)
            .await
            .expect("refunds");
        assert!(
            refunds.iter().any(|r| Some(r.bidder_id) == e03.entity_id),
            "{}",
            t.name
        );
        for who in [&e03, &e09] {
            let inbox = tendering::inbox(&t.db, who).await.expect("inbox");
            assert!(inbox.iter().any(|m| m.kind == "decryption_failed"));
        }
        // The shares are wiped; a late share is refused; the opening happened once.
        let e = submit(
            &t.db,
            &vault,
            "principal",
            lot,
            &s1,
            deadline + Duration::hours(1),
        )
        .await
        .expect_err("late");
        assert!(code(&e).starts_with("out_of_order"), "{}", code(&e));
        let opened = ggzy_store::events::list(&t.db, None, None, 1000)
            .await
            .expect("events")
            .into_iter()
            .filter(|e| e.kind == "lot.opened" || e.kind == "lot.bid_decryption_failed")
            .count();
        assert_eq!(opened, 3);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn envelopes_are_refused_for_what_they_are() {
    for (t, now) in seeded().await {
        let vault = Arc::new(BidVault::temporary().expect("vault"));
        let t0 = now - Duration::days(10);
        let lot = tendering_lot(&t.db, &vault, t0).await;
        let other = tendering_lot(&t.db, &vault, t0).await;
        let at = t0 + Duration::days(12);
        let bidder = who(&t.db, "bidder").await;
        let form = demo_tendering::bid_form(0);
        let good = demo_tendering::seal_bid(&t.db, lot, "bidder", &form, vec![])
            .await
            .expect("seal");
        let try_submit = |env: Vec<u8>, who: Actor| {
            let (db, vault) = (t.db.clone(), vault.clone());
            async move {
                bids::submit(
                    &db,
                    &vault,
                    &who,
                    lot,
                    env,
                    &bids::Origin::default(),
                    &move || at,
                )
                .await
            }
        };
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (b"%PDF-1.7 plain bid".to_vec(), "envelope.not_sealed"),
            (good[..good.len() / 2].to_vec(), "envelope.malformed"),
            (
                demo_tendering::seal_bid(&t.db, other, "bidder", &form, vec![])
                    .await
                    .expect("other"),
                "envelope.wrong_lot",
            ),
            (
                {
                    let mut b = good.clone();
                    let n = b.len() - 100;
                    b[n] ^= 1;
                    b
                },
                "envelope.bad_signature",
            ),
        ];
        for (env, want) in cases {
            let e = try_submit(env, bidder.clone()).await.expect_err(want);
            assert_eq!(code(&e), want, "{}", t.name);
        }
        // Another company uploading the bidder's envelope: its signer is not theirs.
        let e03 = who(&t.db, "entity03").await;
        let e = try_submit(good.clone(), e03).await.expect_err("not theirs");
        assert_eq!(code(&e), "envelope.signer_not_registered");
        // The bidder's own envelope twice: the replay is refused.
        try_submit(good.clone(), bidder.clone())
            .await
            .expect("first");
        let e = try_submit(good.clone(), bidder.clone())
            .await
            .expect_err("replay");
        assert_eq!(code(&e), "envelope.replayed", "{}", t.name);
        // Every refusal is in the log.
        let refused = ggzy_store::events::list(&t.db, None, None, 1000)
            .await
            .expect("events")
            .into_iter()
            .filter(|e| e.kind == "lot.envelope_refused")
            .count();
        assert_eq!(refused, 6, "{}", t.name);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_database_dump_the_server_keys_and_k_minus_1_shares_do_not_open_a_bid() {
    let t = TestDb::sqlite().await;
    let now = ggzy_demo::testing::epoch();
    demo::seed(&t.db, now).await.expect("seed");
    let vault = Arc::new(BidVault::temporary().expect("vault"));
    let t0 = now - Duration::days(30);
    let lot = tendering_lot(&t.db, &vault, t0).await;
    let deadline = t0 + Duration::days(21);
    let at = deadline + Duration::minutes(1);
    let bidder = who(&t.db, "bidder").await;
    let mine = bids::my_bids(&t.db, &bidder, lot).await.expect("mine");
    let env = std::fs::read(vault.envelope_path(lot, mine[0].id)).expect("envelope");
    let parsed = Envelope::parse(&env).expect("parse");

    // Everything an attacker with the server gets: the whole database file and WAL, every file in
    // the data directory (the vault key included).
    let mut dump = vec![];
    for dir in [t.dir().expect("sqlite dir"), vault.dir()] {
        for f in walk(dir) {
            dump.extend(std::fs::read(f).unwrap_or_default());
        }
    }
    assert!(dump.len() > 10_000);
    // k−1 = 2 shares, decrypted by their custodians.
    let shares: Vec<Share> = {
        let mut v = vec![];
        for u in &CUSTODIANS[..2] {
            v.push(Share::parse_hex(&share_of(&t.db, u, lot, at).await).expect("share"));
        }
        v
    };
    let key = sealing::opening_key(&t.db, lot)
        .await
        .expect("k")
        .expect("key");
    let commitments = Commitments::from_hex(&key.commitments).expect("commitments");
    assert!(
        commitments.rebuild(&shares).is_err(),
        "k−1 shares do not rebuild the key"
    );

    // Try everything the attacker has as the opening key: every 64-hex-digit string and every
    // aligned 32-byte window in the dump, the vault key, and the secret that the k−1 shares
    // interpolate to as if they were enough.
    let mut candidates: Vec<[u8; 32]> = vec![];
    let text = String::from_utf8_lossy(&dump).into_owned();
    let mut run = String::new();
    for ch in text.chars().chain(std::iter::once(' ')) {
        if ch.is_ascii_hexdigit() {
            run.push(ch);
        } else {
            for chunk in run.as_bytes().chunks(64).filter(|c| c.len() == 64) {
                if let Ok(b) = hex::decode(chunk) {
                    candidates.push(b.try_into().expect("32"));
                }
            }
            run.clear();
        }
    }
    candidates.extend(
        dump.chunks_exact(32)
            .map(|c| <[u8; 32]>::try_from(c).expect("32")),
    );
    let interpolated = ggzy_seal::shamir::interpolate(&shares).expect("degree-1 guess");
    candidates.push(interpolated);
    let mut tried = 0;
    for c in &candidates {
        if let Ok(k) = SecretKey::from_bytes(*c) {
            tried += 1;
            assert_eq!(parsed.open(&k).err(), Some(EnvelopeError::WrongOpeningKey));
        }
    }
    assert!(tried > 1000, "a real search: {tried} keys tried");

    // With the k-th share the same envelope opens: the test above was not vacuous.
    let mut all = shares.clone();
    all.push(Share::parse_hex(&share_of(&t.db, CUSTODIANS[2], lot, at).await).expect("share"));
    let real = commitments.rebuild(&all).expect("k shares");
    assert!(parsed.open(&real).is_ok());
    assert!(
        !candidates.contains(real.bytes()),
        "the opening key is nowhere on the server"
    );
    t.cleanup().await;
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![];
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// Decide first, decrypt after: the k-th share before the opening is convened opens nothing and
/// writes no archive; once the deadline's schedule convenes it, the same share opens the lot.
#[tokio::test]
async fn shares_before_the_opening_is_convened_decrypt_nothing() {
    for (t, now) in seeded().await {
        let vault = Arc::new(BidVault::temporary().expect("vault"));
        let t0 = now - Duration::days(30);
        let lot = tendering_lot(&t.db, &vault, t0).await;
        let deadline = t0 + Duration::days(21);
        let at = deadline + Duration::minutes(5);
        let shares = [
            share_of(&t.db, "custodian", lot, at).await,
            share_of(&t.db, "custodian2", lot, at).await,
            share_of(&t.db, "custodian3", lot, at).await,
        ];
        submit(&t.db, &vault, "custodian", lot, &shares[0], at)
            .await
            .expect("share 1");
        submit(&t.db, &vault, "custodian2", lot, &shares[1], at)
            .await
            .expect("share 2");
        let e = submit(&t.db, &vault, "custodian3", lot, &shares[2], at)
            .await
            .expect_err("not convened");
        assert!(
            matches!(
                e,
                ServiceError::OutOfOrder {
                    waits_for: "opening_convened",
                    ..
                }
            ),
            "{}: {e:?}",
            t.name
        );
        let mine = bids::my_bids(&t.db, &who(&t.db, "bidder").await, lot)
            .await
            .expect("mine");
        assert!(
            vault.read_opened(lot, mine[0].id).is_err(),
            "{}: no archive written",
            t.name
        );
        assert_eq!(
            tendering::load(&t.db, lot).await.expect("lot").state.stage,
            Stage::Tendering
        );
        // Convened at the deadline, the custodian's retry opens it.
        ggzy_store::regime::run_due(&t.db, deadline)
            .await
            .expect("run");
        let o = submit(&t.db, &vault, "custodian3", lot, &shares[2], at)
            .await
            .expect("opens");
        assert_eq!(o.stage.as_deref(), Some("evaluating"), "{}", t.name);
        assert!(vault.read_opened(lot, mine[0].id).is_ok());
        t.cleanup().await;
    }
}
