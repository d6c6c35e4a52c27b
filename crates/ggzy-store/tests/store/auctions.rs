//! Online auctions through the services on every backend: admission by paddle, refusals with
//! their reasons, idempotent retries, the extension rule, the reserve hidden until the end, and
//! concurrent bidders never getting two bids accepted at one price.

use crate::support::{code, seeded, who};
use chrono::{Duration, Utc};
use ggzy_core::auction::{Outcome, Phase};
use ggzy_store::ServiceError;
use ggzy_store::auctions::{self, AuctionInput, BidInput};

fn bid(amount: &str, key: &str) -> BidInput {
    BidInput {
        amount: amount.into(),
        idempotency_key: key.into(),
    }
}

#[tokio::test]
async fn an_auction_from_admission_to_the_reserve_decision() {
    for (t, now) in seeded().await {
        let staff = who(&t.db, "staff").await;
        let (a, b, outsider) = (
            who(&t.db, "bidder").await,
            who(&t.db, "entity03").await,
            who(&t.db, "entity05").await,
        );
        let opens = now + Duration::minutes(1);
        let input = AuctionInput {
            name: "宁波市鄞州区 2026-18 号地块".into(),
            region_code: "330200".into(),
            trade_kind: "land_use".into(),
            start_price: "100000000".into(),
            increment: "1000000".into(),
            reserve: Some("105000000".into()),
            opens_at: opens,
            free_until: opens + Duration::minutes(30),
            extension_secs: None,
        };
        let e = auctions::create(&t.db, &a, &input, now)
            .await
            .expect_err("a bidder cannot set one up");
        assert!(
            code(&e).contains("forbidden") || matches!(e, ServiceError::Forbidden(_)),
            "{e:?}"
        );
        let id = auctions::create(&t.db, &staff, &input, now)
            .await
            .expect("create");
        let pa = auctions::admit(&t.db, &staff, id, a.entity_id.expect("a"), now)
            .await
            .expect("admit");
        let pb = auctions::admit(&t.db, &staff, id, b.entity_id.expect("b"), now)
            .await
            .expect("admit");
        assert_ne!(pa, pb);
        let at = opens + Duration::minutes(1);
        let e = auctions::bid(&t.db, &outsider, id, &bid("100000000", "o1"), at)
            .await
            .expect_err("not admitted");
        assert_eq!(code(&e), "auction.not_admitted");
        let e = auctions::bid(&t.db, &a, id, &bid("100000000", "a0"), now)
            .await
            .expect_err("before opening");
        assert_eq!(code(&e), "auction.not_open");
        let first = auctions::bid(&t.db, &a, id, &bid("100000000", "a1"), at)
            .await
            .expect("the starting price");
        assert!(!first.replayed);
        // A retry of the same key returns the same acknowledgement; another amount is refused.
        let again = auctions::bid(
            &t.db,
            &a,
            id,
            &bid("100000000", "a1"),
            at + Duration::seconds(2),
        )
        .await
        .expect("retry");
        assert_eq!((again.seq, again.replayed), (first.seq, true));
        let e = auctions::bid(&t.db, &a, id, &bid("101000000", "a1"), at)
            .await
            .expect_err("reused key");
        assert_eq!(code(&e), "auction.key_reused");
        let e = auctions::bid(&t.db, &b, id, &bid("100500000", "b1"), at)
            .await
            .expect_err("half an increment");
        assert_eq!(code(&e), "auction.too_low");
        let e = auctions::bid(&t.db, &b, id, &bid("101500000", "b1"), at)
            .await
            .expect_err("not whole");
        assert_eq!(code(&e), "auction.increment");
        auctions::bid(&t.db, &b, id, &bid("101000000", "b1"), at)
            .await
            .expect("one increment");
        // The reserve stays hidden while bidding runs.
        let v = auctions::view(&t.db, id, at).await.expect("view");
        assert_eq!(
            (v.phase, v.reserve, v.high_paddle, v.accepted),
            (Phase::Free, None, Some(pb), 2)
        );
        // A bid in the last 300 s of the timed stage moves the end.
        let end = v.ends_at;
        let late = end - Duration::seconds(10);
        let ack = auctions::bid(&t.db, &a, id, &bid("104000000", "a2"), late)
            .await
            .expect("late bid");
        assert_eq!(ack.ends_at, late + Duration::seconds(300));
        let e = auctions::bid(&t.db, &b, id, &bid("106000000", "b2"), ack.ends_at)
            .await
            .expect_err("at the end");
        assert_eq!(code(&e), "auction.ended");
        let v = auctions::view(&t.db, id, ack.ends_at).await.expect("view");
        assert_eq!(v.reserve, Some(10_500_000_000), "revealed at the end");
        assert_eq!(
            v.outcome,
            Some(Outcome::NoDeal {
                top: Some(ggzy_core::Money::from_fen(10_400_000_000)),
                reserve: Some(ggzy_core::Money::from_fen(10_500_000_000))
            }),
            "under the reserve"
        );
        let rows = auctions::bids_after(&t.db, id, 1).await.expect("bids");
        assert_eq!(
            rows.iter().map(|r| r.seq).collect::<Vec<_>>(),
            vec![2, 3],
            "a watcher resuming after 1 gets 2 and 3"
        );
        t.cleanup().await;
    }
}

/// Two bidders racing with the same amounts: the database lock orders them, one wins each price,
/// the sequence has no gap and every acknowledged bid is stored.
#[tokio::test]
async fn concurrent_bidders_never_share_a_price() {
    for (t, now) in seeded().await {
        let staff = who(&t.db, "staff").await;
        let input = AuctionInput {
            name: "企业国有股权转让".into(),
            region_code: "330200".into(),
            trade_kind: "state_property".into(),
            start_price: "1000000".into(),
            increment: "10000".into(),
            reserve: None,
            opens_at: now,
            free_until: now + Duration::hours(1),
            extension_secs: None,
        };
        let id = auctions::create(&t.db, &staff, &input, now)
            .await
            .expect("create");
        let mut bidders = vec![];
        for u in ["bidder", "entity03", "entity05", "entity07"] {
            let a = who(&t.db, u).await;
            auctions::admit(&t.db, &staff, id, a.entity_id.expect("entity"), now)
                .await
                .expect("admit");
            bidders.push(a);
        }
        let mut tasks = vec![];
        for (k, a) in bidders.into_iter().enumerate() {
            let db = t.db.clone();
            tasks.push(tokio::spawn(async move {
                let mut acks = vec![];
                for step in 0..15i64 {
                    let amount = 1_000_000 + 10_000 * step;
                    if let Ok(ack) = auctions::bid(
                        &db,
                        &a,
                        id,
                        &bid(&amount.to_string(), &format!("{k}-{step}")),
                        now + Duration::seconds(1),
                    )
                    .await
                    {
                        acks.push(ack);
                    }
                }
                acks
            }));
        }
        let mut acks = vec![];
        for task in tasks {
            acks.extend(task.await.expect("task"));
        }
        // A bidder already on top is refused its next step, so how many get in depends on the
        // interleaving; what may not vary is below.
        assert!(!acks.is_empty(), "{}: the first bid at least", t.name);
        acks.sort_by_key(|a| a.seq);
        let seqs: Vec<i64> = acks.iter().map(|a| a.seq).collect();
        assert_eq!(
            seqs,
            (1..=acks.len() as i64).collect::<Vec<_>>(),
            "{}: no gap, no repeat",
            t.name
        );
        let mut prices: Vec<i64> = acks.iter().map(|a| a.amount).collect();
        prices.dedup();
        assert_eq!(prices.len(), acks.len(), "{}: one bid per price", t.name);
        assert!(
            acks.windows(2).all(|w| w[1].amount > w[0].amount),
            "{}: rising",
            t.name
        );
        let stored = auctions::bids_after(&t.db, id, 0).await.expect("bids");
        assert_eq!(
            stored.len(),
            acks.len(),
            "{}: every acknowledged bid is durable",
            t.name
        );
        t.cleanup().await;
    }
}

/// A clock that reads `first` once, then `later`: the time moving on while a bid waits for the
/// auction's lock.
struct Stepping {
    first: chrono::DateTime<Utc>,
    later: chrono::DateTime<Utc>,
    read: std::sync::atomic::AtomicBool,
}

impl ggzy_core::clock::Now for Stepping {
    fn at(&self) -> chrono::DateTime<Utc> {
        if self.read.swap(true, std::sync::atomic::Ordering::SeqCst) {
            self.later
        } else {
            self.first
        }
    }
}

/// The instant that decides lateness is read under the lock: a bid that arrived a millisecond
/// before the end but got the lock a millisecond after it is refused; one decided a millisecond
/// before the end is accepted. Both databases.
#[tokio::test]
async fn the_end_is_judged_when_the_bid_is_decided_not_when_it_arrived() {
    for (t, now) in seeded().await {
        let staff = who(&t.db, "staff").await;
        let a = who(&t.db, "bidder").await;
        let opens = now + Duration::minutes(1);
        let input = AuctionInput {
            name: "截止时刻测试".into(),
            region_code: "330200".into(),
            trade_kind: "other".into(),
            start_price: "1000".into(),
            increment: "10".into(),
            reserve: None,
            opens_at: opens,
            free_until: opens + Duration::minutes(30),
            extension_secs: None,
        };
        let id = auctions::create(&t.db, &staff, &input, now)
            .await
            .expect("create");
        auctions::admit(&t.db, &staff, id, a.entity_id.expect("a"), now)
            .await
            .expect("admit");
        let ends = auctions::view(&t.db, id, now).await.expect("view").ends_at;
        let ms = Duration::milliseconds(1);
        let late = Stepping {
            first: ends - ms,
            later: ends + ms,
            read: false.into(),
        };
        let e = auctions::bid(&t.db, &a, id, &bid("1000", "edge-late"), late)
            .await
            .expect_err("decided after the end");
        assert_eq!(code(&e), "auction.ended", "{}", t.name);
        let ack = auctions::bid(&t.db, &a, id, &bid("1000", "edge-in"), ends - ms)
            .await
            .expect("decided before the end");
        assert_eq!(ack.amount, 100_000, "{}", t.name);
        t.cleanup().await;
    }
}
