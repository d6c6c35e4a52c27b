//! Land, mining-right and state-property trades through the services on every backend: the
//! announcement checked against its pack, applications with deposit sub-accounts, a bank
//! statement matched to them, admission only with the deposit in, a land listing that goes on to
//! an auction at its close, a mining-right auction with its fewest bidders just inside and just
//! outside, a state-property multiple-quote bidding with its price floor and payment terms, the
//! confirmation, the result and the refunds.

use crate::support::{code, seeded, who};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use ggzy_core::grant::GrantState;
use ggzy_demo as demo;
use ggzy_demo::testing::TestDb;
use ggzy_store::auctions::{self, BidInput};
use ggzy_store::grants::{
    self, ConfirmInput, GrantDetails, GrantInput, GrantView, RefundInput, ReviewInput,
};
use ggzy_store::{Actor, Db, ServiceError};

/// Centre staff of a branch (鄞州区): the city's grants and deposits are not theirs.
fn branch_staff() -> Actor {
    Actor::account(
        uuid::Uuid::now_v7(),
        "staff_yinzhou".into(),
        "鄞州区交易中心".into(),
        None,
        vec![ggzy_store::actor::Grant {
            role: ggzy_core::role::Role::CenterStaff,
            region: ggzy_core::region::DivisionCode::parse("region", "330212").expect("code"),
        }],
        "127.0.0.1".into(),
    )
}

/// Monday 2026-03-02 10:00 in Beijing (no holiday in March 2026).
fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-02T10:00:00+08:00")
        .expect("t0")
        .with_timezone(&Utc)
}

fn input(kind: &str, method: &str, starts: DateTime<Utc>, closes: DateTime<Utc>) -> GrantInput {
    GrantInput {
        name: format!("测试标的 {kind} {method}"),
        region_code: "330200".into(),
        trade_kind: kind.into(),
        method: method.into(),
        details: GrantDetails {
            location: "宁波市鄞州区".into(),
            area: "32000".into(),
            purpose: "商服用地".into(),
            planning: "容积率 ≤ 2.5".into(),
            term: "40 年".into(),
            ..GrantDetails::default()
        },
        start_price: "10000000".into(),
        increment: "100000".into(),
        reserve: Some("10300000".into()),
        deposit: "2000000".into(),
        apply_until: closes - Duration::days(1),
        starts_at: starts,
        free_until: closes,
        extension_secs: None,
        appraisal: None,
        redisclosure: false,
        consent_ref: None,
        control_change: false,
        pre_disclosure: None,
    }
}

fn bid(amount: &str, key: &str) -> BidInput {
    BidInput {
        amount: amount.into(),
        idempotency_key: key.into(),
    }
}

fn cells(csv: &str) -> Vec<Vec<String>> {
    ggzy_core::deposit::csv_rows(csv)
}

/// A statement paying each (application, payer name, yuan) with a fresh bank reference.
fn statement(tag: &str, lines: &[(&grants::ApplicationView, &str, i64)]) -> Vec<Vec<String>> {
    let mut s = String::from("交易流水号,记账日期,金额,付款人名称,付款账号,收款子账号\n");
    for (i, (a, payer, yuan)) in lines.iter().enumerate() {
        s.push_str(&format!(
            "{tag}-{i},2026-03-03,{yuan}.00,{payer},62220000{i},{}\n",
            a.account_no
        ));
    }
    cells(&s)
}

async fn name_of(db: &Db, a: &Actor) -> String {
    ggzy_store::entities::get(db, a, a.entity_id.expect("entity"), t0().date_naive())
        .await
        .expect("entity")
        .name
}

/// Apply, pay in full and be admitted; returns the paddles.
async fn admit_all(db: &Db, staff: &Actor, g: &GrantView, bidders: &[&Actor], at: DateTime<Utc>) {
    let mut apps = vec![];
    for b in bidders {
        apps.push((
            grants::apply(db, b, g.id, at).await.expect("apply"),
            name_of(db, b).await,
        ));
    }
    let lines: Vec<_> = apps
        .iter()
        .map(|(a, n)| (a, n.as_str(), 2_000_000))
        .collect();
    let s = grants::import_statement(db, staff, &statement(&g.id.to_string(), &lines), at)
        .await
        .expect("import");
    assert_eq!(s.credited, bidders.len());
    for (a, _) in &apps {
        grants::review(
            db,
            staff,
            g.id,
            a.entity_id,
            &ReviewInput {
                admit: true,
                reason: None,
            },
            at,
        )
        .await
        .expect("admit");
    }
}

#[tokio::test]
async fn a_land_listing_goes_on_to_an_auction_at_its_close() {
    for t in TestDb::all().await {
        let db = &t.db;
        demo::seed(db, ggzy_demo::testing::epoch())
            .await
            .expect("seed");
        let staff = who(db, "staff").await;
        let (a, b, c) = (
            who(db, "bidder").await,
            who(db, "entity03").await,
            who(db, "entity05").await,
        );
        let starts = t0() + Duration::days(20);
        let closes = starts + Duration::days(14);

        // The announcement runs 20 days: one day short is refused with the regulation.
        let e = grants::announce(
            db,
            &staff,
            &input("land_use", "listing", starts - Duration::days(1), closes),
            t0(),
        )
        .await
        .expect_err("19 days");
        assert!(code(&e).contains("grant.announcement_short"), "{e:?}");
        // The listing runs 10 working days.
        let e = grants::announce(
            db,
            &staff,
            &input("land_use", "listing", starts, starts + Duration::days(11)),
            t0(),
        )
        .await
        .expect_err("9 working days");
        assert!(code(&e).contains("grant.listing_short"), "{e:?}");
        let e = grants::announce(
            db,
            &staff,
            &input("land_use", "multi_quote", starts, closes),
            t0(),
        )
        .await
        .expect_err("not a land method");
        assert!(code(&e).contains("grant.method"), "{e:?}");
        let e = grants::announce(db, &a, &input("land_use", "listing", starts, closes), t0())
            .await
            .expect_err("a bidder cannot announce");
        assert!(matches!(e, ServiceError::Forbidden(_)), "{e:?}");

        let g = grants::announce(
            db,
            &staff,
            &input("land_use", "listing", starts, closes),
            t0(),
        )
        .await
        .expect("announce");
        assert_eq!(g.state, GrantState::Open.code());
        // No seat in a grant's auction except through its admission with the whole deposit:
        // centre staff cannot add a bidder by hand (it would also count towards the minimum).
        let e = auctions::admit(db, &staff, g.auction_id, c.entity_id.expect("c"), t0())
            .await
            .expect_err("admitted by hand");
        assert_eq!(code(&e), "auction.admitted_by_grant", "{}", t.name);
        let notices = ggzy_store::notices::latest(db, "land_mining", 10)
            .await
            .expect("notices");
        assert!(
            notices.iter().any(|n| n.title.contains(&g.name)),
            "announcement published"
        );

        // Applications: each gets its own sub-account.
        let at = t0() + Duration::days(2);
        let pa = grants::apply(db, &a, g.id, at).await.expect("apply a");
        let pb = grants::apply(db, &b, g.id, at).await.expect("apply b");
        let pc = grants::apply(db, &c, g.id, at).await.expect("apply c");
        assert!(ggzy_core::deposit::is_sub_account(&pa.account_no));
        assert_ne!(pa.account_no, pb.account_no);
        assert_eq!(
            grants::apply(db, &a, g.id, at)
                .await
                .expect("again")
                .account_no,
            pa.account_no
        );
        let others = grants::applications(db, &a, g.id, at).await.expect("own");
        assert_eq!(others.len(), 1, "a bidder sees only its own application");
        assert!(
            grants::applications(db, &Actor::public("1.2.3.4"), g.id, at)
                .await
                .expect("public")
                .is_empty()
        );

        // The bank statement: a and b pay in full, c one yuan short; a third party pays for c;
        // a credit to a number that is not ours.
        let (na, nb, nc) = (
            name_of(db, &a).await,
            name_of(db, &b).await,
            name_of(db, &c).await,
        );
        let mut csv = String::from("交易流水号,记账日期,金额,付款人名称,付款账号,收款子账号\n");
        csv.push_str(&format!(
            "L1,2026-03-03,\"2,000,000.00\",{na},6222001,{}\n",
            pa.account_no
        ));
        csv.push_str(&format!(
            "L2,2026-03-03,2000000,{nb},6222002,{}\n",
            pb.account_no
        ));
        csv.push_str(&format!(
            "L3,2026-03-03,1999999,{nc},6222003,{}\n",
            pc.account_no
        ));
        csv.push_str(&format!(
            "L4,2026-03-03,1,某代付公司,6222004,{}\n",
            pc.account_no
        ));
        csv.push_str("L5,2026-03-03,500,无名,6222005,622200000000001\n");
        let s = grants::import_statement(db, &staff, &cells(&csv), at)
            .await
            .expect("import");
        assert_eq!((s.lines, s.credited, s.duplicates), (5, 3, 0));
        let why: Vec<_> = s.unmatched.iter().map(|u| u.matched.as_str()).collect();
        assert_eq!(why, ["third_party", "unknown_account"]);
        let mine = grants::unmatched(db, &staff).await.expect("unmatched");
        assert_eq!(
            mine.len(),
            2,
            "the importing centre sees what it kept aside"
        );
        let theirs = grants::unmatched(db, &branch_staff())
            .await
            .expect("unmatched");
        assert!(
            theirs.is_empty(),
            "another region's staff see none of it: {theirs:?}"
        );
        let again = grants::import_statement(db, &staff, &cells(&csv), at)
            .await
            .expect("again");
        assert_eq!(
            (again.credited, again.duplicates),
            (0, 5),
            "importing twice changes nothing"
        );
        let e = grants::import_statement(db, &a, &cells(&csv), at)
            .await
            .expect_err("bidder");
        assert!(matches!(e, ServiceError::Forbidden(_)));
        let e = grants::import_statement(db, &staff, &cells("交易流水号,金额\nX,1\n"), at)
            .await
            .expect_err("columns");
        assert!(code(&e).contains("deposit.column_missing"), "{e:?}");

        // Admission needs the whole deposit: c is one yuan short.
        let admit = ReviewInput {
            admit: true,
            reason: None,
        };
        let e = grants::review(db, &staff, g.id, pc.entity_id, &admit, at)
            .await
            .expect_err("short");
        assert_eq!(code(&e), "grant.deposit_not_received");
        let va = grants::review(db, &staff, g.id, pa.entity_id, &admit, at)
            .await
            .expect("a");
        let vb = grants::review(db, &staff, g.id, pb.entity_id, &admit, at)
            .await
            .expect("b");
        assert_eq!((va.paddle, vb.paddle), (Some(101), Some(102)));

        // The listing: quotes in whole increments, the price to beat rising.
        let q = starts + Duration::hours(1);
        let e = auctions::bid(db, &c, g.auction_id, &bid("10000000", "c1"), q)
            .await
            .expect_err("c");
        assert_eq!(code(&e), "auction.not_admitted");
        auctions::bid(db, &a, g.auction_id, &bid("10000000", "a1"), q)
            .await
            .expect("a quotes");
        let e = auctions::bid(db, &b, g.auction_id, &bid("10150000", "b1"), q)
            .await
            .expect_err("half");
        assert_eq!(code(&e), "auction.increment");
        auctions::bid(db, &b, g.auction_id, &bid("10100000", "b2"), q)
            .await
            .expect("b quotes");
        let e = grants::go_on(db, &c, g.id, q)
            .await
            .expect_err("c is not admitted");
        assert_eq!(code(&e), "auction.not_admitted");
        grants::go_on(db, &a, g.id, q)
            .await
            .expect("a asks to go on");
        let e = grants::go_on(db, &a, g.id, closes)
            .await
            .expect_err("after the close");
        assert_eq!(code(&e), "grant.go_on_closed");
        let e = auctions::bid(db, &a, g.auction_id, &bid("10200000", "a2"), closes)
            .await
            .expect_err("closed");
        assert_eq!(code(&e), "auction.ended");

        // Nothing closes early; at the close the auction follows, from the top quote + 1 increment.
        assert_eq!(
            grants::settle(db, g.id, closes - Duration::seconds(1))
                .await
                .expect("early"),
            None
        );
        assert_eq!(
            grants::settle(db, g.id, closes)
                .await
                .expect("close")
                .as_deref(),
            Some("to_auction")
        );
        assert!(
            grants::run_due(db, closes).await.expect("again").is_empty(),
            "closes once"
        );
        let g = grants::view(db, g.id, Some(&staff), closes)
            .await
            .expect("view");
        assert_eq!(g.state, GrantState::Auction.code());
        let fin = g.final_auction_id.expect("auction at the close");
        let v = auctions::view(db, fin, closes).await.expect("auction");
        assert_eq!(
            v.start_price, 1_020_000_000,
            "top quote plus one increment, in fen"
        );
        // How many bid is secret until the close: not in the public hall, not on the public
        // grant page; the centre sees it.
        assert_eq!(v.bidders, None, "the hall does not count the bidders");
        let public = grants::view(db, g.id, None, closes)
            .await
            .expect("public view");
        assert_eq!((public.applicants, public.admitted), (None, None));
        assert_eq!(g.admitted, Some(2), "the centre sees the listing's bidders");
        assert_eq!(
            auctions::paddle_of(db, fin, pb.entity_id).await.expect("p"),
            Some(102)
        );

        // The auction: timed from its start; a late bid extends the end by 300 s.
        let opens = v.opens_at;
        let r1 = auctions::bid(
            db,
            &a,
            fin,
            &bid("10200000", "f1"),
            opens + Duration::seconds(10),
        )
        .await
        .expect("a");
        assert_eq!(r1.ends_at, opens + Duration::seconds(310));
        let r2 = auctions::bid(
            db,
            &b,
            fin,
            &bid("10400000", "f2"),
            opens + Duration::seconds(200),
        )
        .await
        .expect("b");
        assert_eq!(r2.ends_at, opens + Duration::seconds(500));
        let v = auctions::view(db, fin, r2.ends_at - Duration::seconds(1))
            .await
            .expect("view");
        assert_eq!(v.reserve, None, "the reserve stays sealed until the end");
        assert!(
            grants::run_due(db, r2.ends_at - Duration::seconds(1))
                .await
                .expect("not yet")
                .is_empty()
        );
        let fired = grants::run_due(db, r2.ends_at).await.expect("end");
        assert_eq!(fired, vec![(g.id, "deal".to_string())]);
        let g = grants::view(db, g.id, Some(&Actor::public("x")), r2.ends_at)
            .await
            .expect("public view");
        assert_eq!(
            (g.state.as_str(), g.price, g.winner_paddle),
            (GrantState::Deal.code(), Some(1_040_000_000), Some(102))
        );
        assert_eq!(g.winner_name, None, "names stay hidden until the result");
        assert_eq!(
            auctions::view(db, fin, r2.ends_at)
                .await
                .expect("v")
                .reserve,
            Some(1_030_000_000)
        );

        // Deposits: the winner's is applied to the price; the others' fall due in 5 working days.
        let apps = grants::applications(db, &staff, g.id, r2.ends_at)
            .await
            .expect("apps");
        let find = |e| apps.iter().find(|x| x.entity_id == e).expect("app");
        assert!(find(pb.entity_id).applied_to_price && find(pb.entity_id).refund_due.is_none());
        let due = find(pa.entity_id).refund_due.expect("a's refund due");
        assert_eq!(
            find(pc.entity_id).refund_due,
            Some(due),
            "the short payer's money goes back too"
        );
        let closed_on = g
            .closed_at
            .expect("closed")
            .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("tz"))
            .date_naive();
        assert_eq!(
            ggzy_store::calendar::load(db)
                .await
                .expect("cal")
                .working_days_between(closed_on, due),
            5
        );

        // Confirmation within its day, then the result names the winner.
        let after = r2.ends_at + Duration::hours(1);
        let e = grants::publish_result(db, &staff, g.id, after)
            .await
            .expect_err("confirm first");
        assert!(matches!(e, ServiceError::OutOfOrder { .. }), "{e:?}");
        let g = grants::confirm(
            db,
            &staff,
            g.id,
            &ConfirmInput {
                contract_by: NaiveDate::from_ymd_opt(2026, 4, 30).expect("d"),
                payment: None,
            },
            after,
        )
        .await
        .expect("confirm");
        assert!(
            g.confirmation
                .as_deref()
                .is_some_and(|t| t.contains("成交确认书") && t.contains(&nb))
        );
        let g = grants::publish_result(db, &staff, g.id, after)
            .await
            .expect("result");
        assert_eq!(g.state, GrantState::Published.code());
        let g = grants::view(db, g.id, None, after).await.expect("view");
        assert_eq!(g.winner_name.as_deref(), Some(nb.as_str()));

        // Refunds: overdue after the due day until recorded.
        let late = ggzy_core::tender_schedule::cn_day_start(due + chrono::Days::new(1))
            + Duration::hours(2);
        let overdue = grants::overdue_refunds(db, &staff, late)
            .await
            .expect("overdue");
        assert_eq!(overdue.iter().filter(|o| o.grant_id == g.id).count(), 2);
        let elsewhere = grants::overdue_refunds(db, &branch_staff(), late)
            .await
            .expect("overdue");
        assert!(
            elsewhere.is_empty(),
            "the city's refunds are not a branch's: {elsewhere:?}"
        );
        grants::refund(
            db,
            &staff,
            g.id,
            pa.entity_id,
            &RefundInput { refunded_on: due },
            late,
        )
        .await
        .expect("refund a");
        let e = grants::refund(
            db,
            &staff,
            g.id,
            pb.entity_id,
            &RefundInput { refunded_on: due },
            late,
        )
        .await
        .expect_err("winner");
        assert_eq!(code(&e), "deposit.nothing_to_refund");
        let overdue = grants::overdue_refunds(db, &staff, late)
            .await
            .expect("overdue");
        assert_eq!(
            overdue.iter().filter(|o| o.grant_id == g.id).count(),
            1,
            "c's is still overdue"
        );
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_mining_right_auction_needs_three_bidders() {
    for t in TestDb::all().await {
        let db = &t.db;
        demo::seed(db, ggzy_demo::testing::epoch())
            .await
            .expect("seed");
        let staff = who(db, "staff").await;
        let bidders = [
            who(db, "bidder").await,
            who(db, "entity03").await,
            who(db, "entity04").await,
        ];
        // 20 working days of announcement: 2026-03-02 (Mon) → 2026-03-30 (Mon).
        let starts = DateTime::parse_from_rfc3339("2026-03-30T10:00:00+08:00")
            .expect("s")
            .with_timezone(&Utc);
        let free = starts + Duration::minutes(30);
        let mut inp = input("mining_right", "auction", starts, free);
        inp.apply_until = starts - Duration::days(2);
        let mut short = inp.clone();
        short.starts_at = starts - Duration::days(1);
        short.apply_until = short.starts_at - Duration::days(1);
        let e = grants::announce(db, &staff, &short, t0())
            .await
            .expect_err("19 working days");
        assert!(code(&e).contains("grant.announcement_short"), "{e:?}");

        let at = t0() + Duration::days(3);
        // Two bidders: just outside the fewest — no deal, everyone's deposit back.
        let two = grants::announce(db, &staff, &inp, t0())
            .await
            .expect("announce");
        admit_all(db, &staff, &two, &[&bidders[0], &bidders[1]], at).await;
        auctions::bid(
            db,
            &bidders[0],
            two.auction_id,
            &bid("10000000", "x"),
            starts + Duration::minutes(1),
        )
        .await
        .expect("bid");
        let end = free + Duration::seconds(300);
        let fired = grants::run_due(db, end).await.expect("close");
        assert_eq!(
            fired,
            vec![(two.id, "no_deal: too_few_bidders".to_string())]
        );
        let v = grants::view(db, two.id, Some(&staff), end)
            .await
            .expect("view");
        assert_eq!(
            v.outcome
                .as_ref()
                .and_then(|o| o["detail"]["needed"].as_u64()),
            Some(3)
        );

        // Three bidders: just inside. Free bidding, then the timed stage extends on late bids.
        let mut inp3 = inp.clone();
        inp3.name = "测试矿业权 三家".into();
        let three = grants::announce(db, &staff, &inp3, t0())
            .await
            .expect("announce");
        admit_all(
            db,
            &staff,
            &three,
            &[&bidders[0], &bidders[1], &bidders[2]],
            at,
        )
        .await;
        let id = three.auction_id;
        auctions::bid(
            db,
            &bidders[0],
            id,
            &bid("10000000", "1"),
            starts + Duration::minutes(5),
        )
        .await
        .expect("1");
        auctions::bid(
            db,
            &bidders[1],
            id,
            &bid("10300000", "2"),
            starts + Duration::minutes(20),
        )
        .await
        .expect("2");
        // 299 s before the end: inside the window, the end moves to 300 s after it.
        let late = free + Duration::seconds(1);
        let r = auctions::bid(db, &bidders[2], id, &bid("10500000", "3"), late)
            .await
            .expect("3");
        assert_eq!(r.ends_at, late + Duration::seconds(300));
        let ack = auctions::bid(
            db,
            &bidders[2],
            id,
            &bid("10500000", "3"),
            late + Duration::seconds(5),
        )
        .await
        .expect("retry");
        assert!(ack.replayed && ack.seq == r.seq, "a retry never bids twice");
        let e = auctions::bid(
            db,
            &bidders[2],
            id,
            &bid("10600000", "3"),
            late + Duration::seconds(5),
        )
        .await
        .expect_err("key reused");
        assert_eq!(code(&e), "auction.key_reused");
        let e = auctions::bid(db, &bidders[0], id, &bid("10600000", "4"), r.ends_at)
            .await
            .expect_err("ended");
        assert_eq!(code(&e), "auction.ended");
        let fired = grants::run_due(db, r.ends_at).await.expect("close");
        assert_eq!(fired, vec![(three.id, "deal".to_string())]);
        let v = grants::view(db, three.id, Some(&staff), r.ends_at)
            .await
            .expect("view");
        assert_eq!((v.price, v.winner_paddle), (Some(1_050_000_000), Some(103)));
        // Mining: the confirmation within 3 working days.
        assert_eq!(
            ggzy_store::calendar::load(db)
                .await
                .expect("c")
                .working_days_between(
                    ggzy_core::tender_schedule::cn_date(r.ends_at),
                    v.confirm_by.expect("confirm by")
                ),
            3
        );
        t.cleanup().await;
    }
}

async fn pre_disclose(
    db: &Db,
    staff: &Actor,
    approved_on: NaiveDate,
    on: NaiveDate,
) -> grants::PreDisclosureView {
    grants::pre_disclose(db, staff, &pre_disclosure_input(approved_on), at_ten(on))
        .await
        .expect("pre-disclose")
}

fn pre_disclosure_input(approved_on: NaiveDate) -> grants::PreDisclosureInput {
    grants::PreDisclosureInput {
        name: "宁波某国有控股公司 60% 股权".into(),
        region_code: "330200".into(),
        subject: "宁波某国有控股公司 60% 股权，转让后控股权转移".into(),
        shareholders: "宁波市国资委 100%".into(),
        approval_ref: "甬国资产权〔2026〕2号".into(),
        approved_on,
        financials: "资产总额 2.1 亿元，净利润 0.1 亿元".into(),
        conditions: String::new(),
        conditions_filed_ref: String::new(),
    }
}

fn at_ten(d: NaiveDate) -> DateTime<Utc> {
    ggzy_core::tender_schedule::cn_day_start(d) + Duration::hours(10)
}

#[tokio::test]
async fn a_pre_disclosure_follows_its_approval_within_ten_working_days_with_its_content() {
    for t in TestDb::all().await {
        let db = &t.db;
        demo::seed(db, ggzy_demo::testing::epoch())
            .await
            .expect("seed");
        let staff = who(db, "staff").await;
        let d = |m: u32, day: u32| NaiveDate::from_ymd_opt(2026, m, day).expect("day");
        // Approved Monday 2026-03-02: the 10th working day after is 03-16, the 11th 03-17.
        let inp = pre_disclosure_input(d(3, 2));
        let e = grants::pre_disclose(db, &staff, &inp, at_ten(d(3, 17)))
            .await
            .expect_err("11 working days after");
        assert_eq!(code(&e), "property.pre_disclosure_late", "{}", t.name);
        let p = grants::pre_disclose(db, &staff, &inp, at_ten(d(3, 16)))
            .await
            .expect("10 working days after");
        assert!(p.code.starts_with("GY") && p.grant_code.is_none());
        let n = ggzy_store::notices::get(db, p.notice_id)
            .await
            .expect("notice");
        assert_eq!(
            (n.trade_kind.as_str(), n.notice_kind.as_str()),
            ("state_property", "pre_disclosure")
        );
        for label in ["转让标的", "股东结构", "批准情况", "主要财务指标"] {
            assert!(n.body.contains(label), "{label}: {}", n.body);
        }
        // Buyer conditions are filed first; a bidder cannot pre-disclose.
        let mut c = pre_disclosure_input(d(3, 2));
        c.conditions = "具有物流行业经营经验".into();
        let e = grants::pre_disclose(db, &staff, &c, at_ten(d(3, 16)))
            .await
            .expect_err("conditions not filed");
        assert_eq!(code(&e), "property.conditions_not_filed");
        let bidder = who(db, "bidder").await;
        let e = grants::pre_disclose(db, &bidder, &inp, at_ten(d(3, 16)))
            .await
            .expect_err("a bidder");
        assert!(code(&e).starts_with("forbidden"), "{e:?}");
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_state_property_multiple_quote_bidding_with_its_price_floor_and_payment() {
    for t in TestDb::all().await {
        let db = &t.db;
        demo::seed(db, ggzy_demo::testing::epoch())
            .await
            .expect("seed");
        let staff = who(db, "staff").await;
        let (a, b) = (who(db, "bidder").await, who(db, "entity03").await);
        let starts = DateTime::parse_from_rfc3339("2026-03-30T10:00:00+08:00")
            .expect("s")
            .with_timezone(&Utc);
        let free = starts + Duration::hours(1);
        let mut inp = input("state_property", "multi_quote", starts, free);
        inp.reserve = None;
        inp.appraisal = Some("10000000".into());
        inp.details.approval_ref = "甬国资产权〔2027〕3号".into();
        inp.start_price = "9999999.99".into();
        let e = grants::announce(db, &staff, &inp, t0())
            .await
            .expect_err("one fen under");
        assert!(code(&e).contains("property.below_appraisal"), "{e:?}");
        inp.start_price = "10000000".into();
        inp.control_change = true;
        let e = grants::announce(db, &staff, &inp, t0())
            .await
            .expect_err("no pre-disclosure");
        assert!(code(&e).contains("property.pre_disclosure"), "{e:?}");
        // Across the Spring Festival holiday: 19 working days from 2026-01-28, 20 from the 27th.
        let jan = |d: u32| NaiveDate::from_ymd_opt(2026, 1, d).expect("day");
        let (late, timely) = (
            pre_disclose(db, &staff, jan(20), jan(28)).await,
            pre_disclose(db, &staff, jan(20), jan(27)).await,
        );
        inp.pre_disclosure = Some(late.code.clone());
        let e = grants::announce(db, &staff, &inp, t0())
            .await
            .expect_err("pre-disclosed 19 working days before");
        assert!(code(&e).contains("property.pre_disclosure"), "{e:?}");
        inp.pre_disclosure = Some("GY99999999".into());
        let e = grants::announce(db, &staff, &inp, t0())
            .await
            .expect_err("unknown");
        assert!(
            code(&e).contains("property.pre_disclosure_unknown"),
            "{e:?}"
        );
        inp.pre_disclosure = Some(timely.code.clone());
        inp.details.conditions = "具有房地产开发资质".into();
        let e = grants::announce(db, &staff, &inp, t0())
            .await
            .expect_err("conditions not filed");
        assert!(code(&e).contains("property.conditions_not_filed"), "{e:?}");
        inp.details.conditions_filed_ref = "甬国资备〔2027〕9号".into();
        // A re-disclosure under 90% needs written consent.
        let mut re = inp.clone();
        (re.control_change, re.pre_disclosure) = (false, None);
        re.redisclosure = true;
        re.start_price = "8999999".into();
        let e = grants::announce(db, &staff, &re, t0())
            .await
            .expect_err("under 90%");
        assert!(code(&e).contains("property.below_90"), "{e:?}");
        re.consent_ref = Some("甬国资函〔2027〕1号".into());
        grants::announce(db, &staff, &re, t0())
            .await
            .expect("with consent");

        let g = grants::announce(db, &staff, &inp, t0())
            .await
            .expect("announce");
        assert_eq!(g.appraisal, Some(1_000_000_000));
        // Named once: the two codes now show one life.
        let e = grants::announce(db, &staff, &inp, t0())
            .await
            .expect_err("already named");
        assert!(
            code(&e).contains("property.pre_disclosure_unknown"),
            "{e:?}"
        );
        let life = ggzy_store::notices::of_deal(db, &timely.code)
            .await
            .expect("deal");
        let kinds: Vec<&str> = life.iter().map(|n| n.notice_kind.as_str()).collect();
        assert_eq!(kinds, ["pre_disclosure", "announcement"], "{}", t.name);
        assert!(life[1].body.contains(&timely.code), "{}", life[1].body);
        let grant_code = life[1].deal_code.clone().expect("code");
        assert_eq!(
            ggzy_store::notices::of_deal(db, &grant_code)
                .await
                .expect("deal")
                .len(),
            2
        );
        assert!(
            grants::unclaimed(db, &staff)
                .await
                .expect("unclaimed")
                .iter()
                .all(|p| p.code != timely.code)
        );
        admit_all(db, &staff, &g, &[&a, &b], t0() + Duration::days(1)).await;
        // Free stage, then the timed stage with its 60 s window.
        let id = g.auction_id;
        auctions::bid(
            db,
            &a,
            id,
            &bid("10000000", "a1"),
            starts + Duration::minutes(1),
        )
        .await
        .expect("a1");
        auctions::bid(
            db,
            &b,
            id,
            &bid("10100000", "b1"),
            starts + Duration::minutes(2),
        )
        .await
        .expect("b1");
        let e = auctions::bid(
            db,
            &b,
            id,
            &bid("10200000", "b2"),
            starts + Duration::minutes(3),
        )
        .await
        .expect_err("b leads");
        assert_eq!(code(&e), "auction.already_highest");
        let r = auctions::bid(
            db,
            &a,
            id,
            &bid("10200000", "a2"),
            free + Duration::seconds(30),
        )
        .await
        .expect("a2");
        assert_eq!(
            r.ends_at,
            free + Duration::seconds(90),
            "60 s after the bid"
        );
        assert_eq!(
            grants::settle(db, g.id, r.ends_at)
                .await
                .expect("close")
                .as_deref(),
            Some("deal")
        );

        // Payment: instalments need ≥ 30% first.
        let after = r.ends_at + Duration::hours(1);
        let contract_by = NaiveDate::from_ymd_opt(2026, 4, 15).expect("d");
        let terms = |first_yuan: i64| ConfirmInput {
            contract_by,
            payment: Some(ggzy_core::grant::PaymentTerms::Instalments {
                first: ggzy_core::Money::from_fen(first_yuan * 100),
                rest_by: NaiveDate::from_ymd_opt(2027, 3, 1).expect("d"),
                secured: true,
            }),
        };
        let e = grants::confirm(db, &staff, g.id, &terms(3_059_999), after)
            .await
            .expect_err("29.99%");
        assert_eq!(code(&e), "property.first_payment");
        let g = grants::confirm(db, &staff, g.id, &terms(3_060_000), after)
            .await
            .expect("30%");
        assert!(
            g.confirmation
                .as_deref()
                .is_some_and(|t| t.contains("分期付款"))
        );
        let g = grants::publish_result(db, &staff, g.id, after)
            .await
            .expect("result");
        let n = ggzy_store::notices::latest(db, "state_property", 10)
            .await
            .expect("notices");
        assert!(
            n.iter()
                .any(|x| x.notice_kind == "result" && x.title.contains(&g.name))
        );
        t.cleanup().await;
    }
}

/// The demo's trades seed on every backend whatever the day: a listing running, a mining auction
/// in its free stage, a property transfer published; seeding twice adds nothing.
#[tokio::test]
async fn the_demo_shows_each_trade_at_a_different_stage() {
    for t in TestDb::all().await {
        let db = &t.db;
        let now = ggzy_demo::testing::epoch();
        demo::seed(db, now).await.expect("seed");
        ggzy_demo::grants::seed(db, now).await.expect("demo grants");
        ggzy_demo::grants::seed(db, now).await.expect("again");
        let list = grants::list(db, None).await.expect("list");
        assert_eq!(list.len(), 3);
        let by = |k: &str| list.iter().find(|g| g.trade_kind == k).expect(k);
        assert_eq!(by("land_use").state, GrantState::Open.code());
        let mining = auctions::view(db, by("mining_right").auction_id, now)
            .await
            .expect("mining");
        assert_eq!(mining.phase, ggzy_core::auction::Phase::Free);
        assert_eq!(by("state_property").state, GrantState::Published.code());
        // Nothing is due to close at start-up.
        assert!(grants::run_due(db, now).await.expect("run").is_empty());
        t.cleanup().await;
    }
}

/// The demo's dates are found on the calendar: starting it inside the Spring Festival or the
/// National Day holiday still gives lawful periods.
#[tokio::test]
async fn the_demo_seeds_on_holidays_too() {
    for day in ["2026-02-18T09:00:00+08:00", "2026-10-05T09:00:00+08:00"] {
        let t = TestDb::sqlite().await;
        let now = DateTime::parse_from_rfc3339(day)
            .expect("day")
            .with_timezone(&Utc);
        demo::seed(&t.db, now).await.expect("seed");
        ggzy_demo::grants::seed(&t.db, now)
            .await
            .unwrap_or_else(|e| panic!("{day}: {e:?}"));
        assert_eq!(grants::list(&t.db, None).await.expect("list").len(), 3);
        t.cleanup().await;
    }
}

/// 一次报价: one sealed quote each inside the window, unread until it closes, the highest winning
/// and equal quotes going to the earliest; open bids on its auction row are refused.
#[tokio::test]
async fn a_state_property_one_sealed_quote_each() {
    use ggzy_store::grants::QuoteInput;
    for t in TestDb::all().await {
        let db = &t.db;
        demo::seed(db, ggzy_demo::testing::epoch())
            .await
            .expect("seed");
        let staff = who(db, "staff").await;
        let (a, b, c) = (
            who(db, "bidder").await,
            who(db, "entity03").await,
            who(db, "entity04").await,
        );
        let starts = DateTime::parse_from_rfc3339("2026-03-30T10:00:00+08:00")
            .expect("s")
            .with_timezone(&Utc);
        let closes = starts + Duration::hours(2);
        let mut inp = input("state_property", "one_quote", starts, closes);
        inp.reserve = None;
        inp.appraisal = Some("10000000".into());
        let e = grants::announce(
            db,
            &staff,
            &input("land_use", "one_quote", starts, closes),
            t0(),
        )
        .await
        .expect_err("land");
        assert!(code(&e).contains("grant.method"), "{e:?}");
        let g = grants::announce(db, &staff, &inp, t0())
            .await
            .expect("announce");
        admit_all(db, &staff, &g, &[&a, &b, &c], t0() + Duration::days(1)).await;
        let q = |y: &str| QuoteInput { amount: y.into() };

        let e = grants::quote(db, &a, g.id, &q("10500000"), starts - Duration::seconds(1))
            .await
            .expect_err("early");
        assert_eq!(code(&e), "grant.quote_window");
        let e = auctions::bid(
            db,
            &a,
            g.auction_id,
            &bid("10000000", "x"),
            starts + Duration::minutes(1),
        )
        .await
        .expect_err("open bid");
        assert_eq!(code(&e), "auction.sealed");
        let at = |m| starts + Duration::minutes(m);
        let qa = grants::quote(db, &a, g.id, &q("10500000"), at(1))
            .await
            .expect("a");
        let qb = grants::quote(db, &b, g.id, &q("10800000"), at(2))
            .await
            .expect("b");
        let e = grants::quote(db, &c, g.id, &q("9999999.99"), at(3))
            .await
            .expect_err("under the listing price");
        assert_eq!(code(&e), "auction.too_low");
        grants::quote(db, &c, g.id, &q("10800000"), at(4))
            .await
            .expect("c, equal to b but later");
        let e = grants::quote(db, &a, g.id, &q("11000000"), at(5))
            .await
            .expect_err("a second quote");
        assert_eq!(code(&e), "grant.quote_once");
        let again = grants::quote(db, &a, g.id, &q("10500000"), at(6))
            .await
            .expect("the same again");
        assert!(again.replayed && again.commitment == qa.commitment);
        let e = grants::opened_quotes(db, g.id, closes - Duration::seconds(1))
            .await
            .expect_err("sealed");
        assert_eq!(code(&e), "grant.quotes_sealed");
        let e = grants::quote(db, &a, g.id, &q("10500000"), closes)
            .await
            .expect_err("closed");
        assert_eq!(code(&e), "grant.quote_window");

        assert_eq!(
            grants::settle(db, g.id, closes)
                .await
                .expect("close")
                .as_deref(),
            Some("deal")
        );
        let v = grants::view(db, g.id, Some(&staff), closes)
            .await
            .expect("view");
        assert_eq!(
            (v.price, v.winner_paddle),
            (Some(1_080_000_000), Some(102)),
            "equal quotes: the earlier"
        );
        let opened = grants::opened_quotes(db, g.id, closes)
            .await
            .expect("opened");
        assert_eq!(opened.len(), 3);
        assert_eq!(
            opened[0].commitment, qb.commitment,
            "the published quote matches its logged commitment"
        );
        t.cleanup().await;
    }
}

/// What the grant page offers is what the grant's machine accepts: a company may apply until the
/// application deadline's last microsecond and not at it, centre staff review and nobody confirms
/// an open grant; the public is offered nothing.
#[tokio::test]
async fn what_a_grant_offers_each_actor_follows_its_machine() {
    for (t, _) in seeded().await {
        let db = &t.db;
        let staff = who(db, "staff").await;
        let bidder = who(db, "bidder").await;
        let starts = t0() + Duration::days(20);
        let closes = starts + Duration::days(14);
        let g = grants::announce(
            db,
            &staff,
            &input("land_use", "listing", starts, closes),
            t0(),
        )
        .await
        .expect("announce");
        let us = Duration::microseconds(1);
        let before = grants::actions(&bidder, &g, g.apply_until - us);
        assert!(
            before.apply && !before.review && !before.confirm,
            "{}",
            t.name
        );
        assert!(
            !grants::actions(&bidder, &g, g.apply_until).apply,
            "{}",
            t.name
        );
        let centre = grants::actions(&staff, &g, starts);
        assert!(
            centre.review && !centre.apply && !centre.confirm && !centre.publish,
            "{}",
            t.name
        );
        let public = grants::actions(&Actor::public("127.0.0.1"), &g, starts);
        assert_eq!(public, grants::GrantActions::default(), "{}", t.name);
        t.cleanup().await;
    }
}

/// The centre ends a mining-right auction while it runs: a bid just before the end stands, one
/// at the instant of the end is refused, every deposit falls due, the close never fires, and the
/// termination notice names the announcement; a grant with a deal cannot be ended.
#[tokio::test]
async fn a_grant_ended_while_bidding_stops_its_auction_and_publishes_why() {
    for t in TestDb::all().await {
        let db = &t.db;
        demo::seed(db, ggzy_demo::testing::epoch())
            .await
            .expect("seed");
        let staff = who(db, "staff").await;
        let bidders = [who(db, "bidder").await, who(db, "entity03").await];
        let starts = DateTime::parse_from_rfc3339("2026-03-30T10:00:00+08:00")
            .expect("s")
            .with_timezone(&Utc);
        let free = starts + Duration::minutes(30);
        let mut inp = input("mining_right", "auction", starts, free);
        inp.apply_until = starts - Duration::days(2);
        let g = grants::announce(db, &staff, &inp, t0())
            .await
            .expect("announce");
        admit_all(
            db,
            &staff,
            &g,
            &[&bidders[0], &bidders[1]],
            t0() + Duration::days(3),
        )
        .await;
        let end = starts + Duration::minutes(5);
        auctions::bid(
            db,
            &bidders[0],
            g.auction_id,
            &bid("10000000", "a"),
            end - Duration::seconds(1),
        )
        .await
        .expect("just before the end");

        // A change to the announcement is a new notice by the grant's centre, linked to it.
        let deal = ggzy_core::grant::deal_code(g.no);
        let announced = ggzy_store::notices::of_deal(db, &deal).await.expect("deal")[0].id;
        let change = ggzy_store::tendering::notices::CorrectionInput {
            changes: "竞买保证金到账截止时间顺延至2026年3月28日17:00".into(),
        };
        for who_not in [&bidders[0], &branch_staff()] {
            assert!(!ggzy_store::regime::may_correct(db, who_not, announced).await);
            let e = ggzy_store::regime::correct_notice(db, who_not, announced, &change, t0())
                .await
                .expect_err("not the grant's centre");
            assert_eq!(code(&e), "forbidden:intake_process", "{}", t.name);
        }
        assert!(ggzy_store::regime::may_correct(db, &staff, announced).await);
        let changed = ggzy_store::regime::correct_notice(db, &staff, announced, &change, t0())
            .await
            .expect("changed");
        let c = ggzy_store::notices::get(db, changed).await.expect("change");
        assert_eq!(
            (c.notice_kind.as_str(), c.corrects),
            ("correction", Some(announced))
        );
        assert_eq!(c.deal_code.as_deref(), Some(deal.as_str()));

        let why = grants::TerminationInput {
            reason: "该矿区被划入生态保护红线，出让人终止出让".into(),
        };
        let e = grants::terminate(db, &bidders[0], g.id, &why, end)
            .await
            .expect_err("a bidder");
        assert_eq!(code(&e), "forbidden:intake_process", "{}", t.name);
        let e = grants::terminate(db, &branch_staff(), g.id, &why, end)
            .await
            .expect_err("another region's staff");
        assert_eq!(code(&e), "forbidden:intake_process");
        let notice = grants::terminate(db, &staff, g.id, &why, end)
            .await
            .expect("ended");

        let late = auctions::bid(db, &bidders[1], g.auction_id, &bid("10100000", "b"), end)
            .await
            .expect_err("at the end");
        assert_eq!(code(&late), "auction.ended");
        let n = ggzy_store::notices::get(db, notice).await.expect("notice");
        assert_eq!(
            (n.trade_kind.as_str(), n.notice_kind.as_str()),
            ("land_mining", "termination")
        );
        assert!(
            n.body.contains(&format!("终止原因：{}", why.reason)),
            "{}",
            n.body
        );
        let original = ggzy_store::notices::get(db, n.corrects.expect("names it"))
            .await
            .expect("announcement");
        assert_eq!(original.notice_kind, "announcement");
        assert_eq!(n.deal_code, original.deal_code);

        let v = grants::view(db, g.id, Some(&staff), end)
            .await
            .expect("view");
        assert_eq!(v.state, GrantState::Terminated.code());
        let apps = grants::applications(db, &staff, g.id, end)
            .await
            .expect("apps");
        assert_eq!(apps.len(), 2);
        assert!(apps.iter().all(|a| a.refund_due.is_some()), "{apps:?}");
        assert!(
            grants::run_due(db, free + Duration::hours(1))
                .await
                .expect("close")
                .is_empty()
        );
        let again = grants::terminate(db, &staff, g.id, &why, end)
            .await
            .expect_err("once");
        assert_eq!(code(&again), "out_of_order:terminated");
        t.cleanup().await;
    }
}
