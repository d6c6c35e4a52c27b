//! Construction tendering through the services on every backend: the demo walk (one lot per
//! stage), sealing until the opening, the schedule firing exactly once, and the rule refusals.

use crate::support::{code, seeded, who};
use chrono::Duration;
use ggzy_core::procedure::Stage;
use ggzy_demo::tendering::{self as demo_tendering, Walk};
use ggzy_store::ServiceError;
use ggzy_store::accounts::actor_of;
use ggzy_store::evaluation;
use ggzy_store::tendering::{self, bids, notices};
use ggzy_store::vault::BidVault;
use std::sync::Arc;

#[tokio::test]
async fn demo_walks_one_lot_into_every_stage() {
    for (t, now) in seeded().await {
        let vault = Arc::new(BidVault::temporary().expect("vault"));
        demo_tendering::seed(&t.db, &vault, now)
            .await
            .expect("tendering demo");
        let mut stages = demo_tendering::stages(&t.db).await.expect("stages");
        stages.sort_by_key(|s| s.as_str());
        let mut want = vec![
            Stage::Contracted,
            Stage::Awarded,
            Stage::Publicity,
            Stage::Evaluating,
            // The colluding opening, waiting for its committee.
            Stage::Evaluating,
            Stage::Failed,
            Stage::Tendering,
            Stage::Prequalifying,
            Stage::Registered,
        ];
        want.sort_by_key(|s| s.as_str());
        assert_eq!(stages, want, "{}", t.name);
        // Seeding twice does nothing.
        demo_tendering::seed(&t.db, &vault, now)
            .await
            .expect("again");
        assert_eq!(
            demo_tendering::stages(&t.db).await.expect("stages").len(),
            9
        );
        t.cleanup().await;
    }
}

#[tokio::test]
async fn bids_stay_sealed_until_an_opening_that_happens_once() {
    for (t, now) in seeded().await {
        let vault = Arc::new(BidVault::temporary().expect("vault"));
        let t0 = now - Duration::days(20);
        let lot = demo_tendering::walk(
            &t.db,
            &vault,
            "测试工程",
            "open_tender",
            Walk::Tendering,
            t0,
        )
        .await
        .expect("walk");
        let principal = actor_of(&t.db, "principal", "127.0.0.1")
            .await
            .expect("principal");
        let staff = actor_of(&t.db, "staff", "127.0.0.1").await.expect("staff");
        let bidder = actor_of(&t.db, "bidder", "127.0.0.1")
            .await
            .expect("bidder");
        let mine = bids::my_bids(&t.db, &bidder, lot).await.expect("mine");
        assert_eq!(mine.len(), 1);
        // Nobody reads a bid before the opening: not the principal, not the centre.
        for who in [&principal, &staff] {
            let e = bids::read_package(&t.db, &vault, who, mine[0].id)
                .await
                .expect_err("sealed");
            assert_eq!(code(&e), "bid.sealed_until_opening", "{}", t.name);
        }
        assert!(
            bids::opening_record(&t.db, &principal, lot)
                .await
                .expect("record")
                .is_none()
        );
        let raw = std::fs::read(vault.envelope_path(lot, mine[0].id)).expect("raw");
        assert!(
            !raw.windows(6).any(|w| w == "投标".as_bytes()),
            "the envelope is sealed"
        );

        let deadline = t0 + Duration::days(21);
        let sealed = |form: usize, body: &'static [u8]| {
            let db = t.db.clone();
            async move {
                demo_tendering::seal_bid(
                    &db,
                    lot,
                    "bidder",
                    &demo_tendering::bid_form(form),
                    vec![("v.txt".into(), body.to_vec())],
                )
                .await
                .expect("seal")
            }
        };
        // A bid at the deadline is late.
        let late = bids::submit(
            &t.db,
            &vault,
            &bidder,
            lot,
            sealed(0, b"late").await,
            &bids::Origin::default(),
            &move || deadline,
        )
        .await
        .expect_err("late");
        assert_eq!(code(&late), "bid.late", "{}", t.name);
        // Just before it, a modification replaces the standing bid.
        let before = deadline - Duration::seconds(1);
        let v2 = sealed(0, b"second version").await;
        let r = bids::submit(
            &t.db,
            &vault,
            &bidder,
            lot,
            v2.clone(),
            &bids::Origin::default(),
            &move || before,
        )
        .await
        .expect("in time");
        assert_eq!(r.replaces.as_deref(), Some(mine[0].receipt_no.as_str()));
        assert_eq!(r.package_sm3, ggzy_seal::to_hex(&ggzy_seal::sm3(&[&v2])));

        // The public log does not tell how many bid or downloaded (招标投标法 Art 22): a lot's
        // own list leaves its sealed events out, and the whole log shows them as sealed rows
        // that still chain and verify.
        let subject = format!("lot:{lot}");
        let secret = |k: &str| {
            matches!(
                k,
                "lot.bid_accepted" | "document.downloaded" | "lot.bid_withdrawn"
            )
        };
        let of_lot = ggzy_store::events::list(&t.db, Some(&subject), None, 500)
            .await
            .expect("lot events");
        assert!(!of_lot.is_empty() && of_lot.iter().all(|e| !secret(&e.kind)));
        let all = ggzy_store::events::list(&t.db, None, None, 500)
            .await
            .expect("events");
        let sealed: Vec<_> = all
            .iter()
            .filter(|e| e.subject == subject && secret(&e.kind))
            .collect();
        assert!(
            sealed.len() >= 3,
            "{}: bids and downloads were logged",
            t.name
        );
        assert!(
            sealed
                .iter()
                .all(|e| !e.readable() && e.commitment().is_some())
        );
        assert!(
            ggzy_store::events::verify(&t.db)
                .await
                .expect("verify")
                .findings
                .is_empty()
        );

        // Nothing fires before the deadline; two runners after it convene the opening once.
        assert!(
            ggzy_store::regime::run_due(&t.db, deadline - Duration::seconds(1))
                .await
                .expect("early")
                .is_empty()
        );
        let (a, b) = tokio::join!(
            ggzy_store::regime::run_due(&t.db, deadline),
            ggzy_store::regime::run_due(&t.db, deadline)
        );
        let fired: Vec<_> = a.expect("a").into_iter().chain(b.expect("b")).collect();
        assert_eq!(fired.len(), 1, "{}: {fired:?}", t.name);
        assert_eq!(fired[0].outcome, "tendering", "waits for the custodians");
        demo_tendering::open_with_custodians(&t.db, &vault, lot, deadline + Duration::minutes(5))
            .await
            .expect("custodians open");
        let opened = ggzy_store::events::list(&t.db, None, None, 500)
            .await
            .expect("events")
            .into_iter()
            .filter(|e| e.kind == "lot.opened")
            .count();
        assert_eq!(opened, 1);
        // The opening publishes them: readable, in the lot's own list, and still verifying.
        let of_lot = ggzy_store::events::list(&t.db, Some(&subject), None, 500)
            .await
            .expect("lot events");
        assert!(of_lot.iter().filter(|e| secret(&e.kind)).count() >= 3);
        assert!(of_lot.iter().all(|e| e.readable()));
        assert!(
            ggzy_store::events::verify(&t.db)
                .await
                .expect("verify")
                .findings
                .is_empty()
        );
        let record = bids::opening_record(&t.db, &bidder, lot)
            .await
            .expect("record")
            .expect("opened");
        assert_eq!(record.lines.len(), 4);
        // An objection at the opening is recorded and answered on the spot (条例 Art 44).
        let oid = notices::raise_objection(
            &t.db,
            &bidder,
            lot,
            &notices::ObjectionInput {
                subject: "opening".into(),
                text: "唱标价格与投标函不一致".into(),
            },
            deadline + Duration::minutes(5),
        )
        .await
        .expect("opening objection");
        assert!(
            notices::reply_objection(
                &t.db,
                &principal,
                oid,
                &notices::ReplyInput {
                    reply: "已核对投标函原件，唱标无误".into()
                },
                deadline + Duration::minutes(10)
            )
            .await
            .expect("answered")
        );
        assert!(
            notices::objections(&t.db, &bidder, lot)
                .await
                .expect("mine")[0]
                .reply
                .is_some()
        );
        let (_, payload) = bids::read_package(&t.db, &vault, &staff, r.bid_id)
            .await
            .expect("readable after opening");
        assert_eq!(payload.file("v.txt"), Some(&b"second version"[..]));
        t.cleanup().await;
    }
}

#[tokio::test]
async fn statutory_refusals_name_their_rule() {
    for (t, now) in seeded().await {
        let _vault = Arc::new(BidVault::temporary().expect("vault"));
        let principal = actor_of(&t.db, "principal", "127.0.0.1")
            .await
            .expect("principal");
        let bidder = actor_of(&t.db, "bidder", "127.0.0.1")
            .await
            .expect("bidder");
        // Bond just over 2% of the estimate (estimate ¥10m → cap ¥200,000).
        let mut input = demo_tendering::project_input(
            "保证金测试",
            "一标段",
            "open_tender",
            demo_tendering::points_method(),
        );
        input.lots[0].estimated_price = "10000000".into();
        input.lots[0].max_price = None;
        input.lots[0].bid_bond = "200000.01".into();
        let e = tendering::intake::register_project(&t.db, &principal, &input, now)
            .await
            .expect_err("bond");
        assert_eq!(code(&e), "tender.bond_too_high");
        input.lots[0].bid_bond = "200000".into();
        let reg = tendering::intake::register_project(&t.db, &principal, &input, now)
            .await
            .expect("bond at cap");
        assert!(reg.lots[0].assessment.must_tender);
        assert!(reg.trade_code.starts_with("A02-"));
        let lot = reg.lots[0].lot_id;
        // Wrong role: a bidder cannot publish the notice.
        let e = notices::publish_tender_notice(
            &t.db,
            &bidder,
            lot,
            &demo_tendering::tender_notice(now),
            now,
        )
        .await
        .expect_err("role");
        assert_eq!(code(&e), "forbidden:project_register");
        // 19 days from issue to deadline is refused; 20 passes.
        let mut n = demo_tendering::tender_notice(now);
        n.bid_deadline = n.documents_from + Duration::days(19);
        let e = notices::publish_tender_notice(&t.db, &principal, lot, &n, now)
            .await
            .expect_err("19 days");
        assert_eq!(code(&e), "tender.issue_to_deadline");
        n.bid_deadline = n.documents_from + Duration::days(20);
        notices::publish_tender_notice(&t.db, &principal, lot, &n, now)
            .await
            .expect("20 days");
        // Out of order: the award before anything.
        let e = evaluation::award(
            &t.db,
            &principal,
            lot,
            &evaluation::AwardInput {
                winner: uuid::Uuid::nil(),
            },
            now,
        )
        .await
        .expect_err("order");
        assert_eq!(code(&e), "out_of_order:tendering");
        // Downloaders are secret to everyone but the tenderer before the deadline.
        let staff = actor_of(&t.db, "staff", "127.0.0.1").await.expect("staff");
        let e = notices::downloaders(&t.db, &staff, lot, now)
            .await
            .expect_err("secret");
        assert_eq!(code(&e), "document.downloaders_secret");
        assert!(
            notices::downloaders(&t.db, &principal, lot, now)
                .await
                .is_ok()
        );
        t.cleanup().await;
    }
}

#[tokio::test]
async fn withdrawn_bonds_come_back_and_complaints_follow_their_windows() {
    for (t, now) in seeded().await {
        let vault = Arc::new(BidVault::temporary().expect("vault"));
        let t0 = now - Duration::days(20);
        let lot = demo_tendering::walk(
            &t.db,
            &vault,
            "投诉测试工程",
            "open_tender",
            Walk::Tendering,
            t0,
        )
        .await
        .expect("walk");
        let bidder = actor_of(&t.db, "bidder", "127.0.0.1")
            .await
            .expect("bidder");
        let principal = actor_of(&t.db, "principal", "127.0.0.1")
            .await
            .expect("principal");
        let w = t0 + Duration::days(12);
        bids::withdraw(&t.db, &bidder, lot, w)
            .await
            .expect("withdraw");
        let refunds = evaluation::refunds(&t.db, &principal, lot)
            .await
            .expect("refunds");
        assert_eq!(refunds.len(), 1, "{}", t.name);
        assert_eq!(
            refunds[0].due_on,
            ggzy_core::tender_schedule::withdrawal_refund_due(
                &ggzy_core::rulepack::ConstructionPack::v2019(),
                w
            )
        );

        use ggzy_store::tendering::complaints::{self, ComplaintDecision, ComplaintInput};
        let knew = tendering::day(now) - Duration::days(11);
        let late = complaints::file(
            &t.db,
            &bidder,
            lot,
            &ComplaintInput {
                text: "评标办法设置不合理".into(),
                knew_on: knew,
                objection_id: None,
            },
            now,
        )
        .await
        .expect_err("11 days");
        assert_eq!(code(&late), "complaint.too_late");
        let c = complaints::file(
            &t.db,
            &bidder,
            lot,
            &ComplaintInput {
                text: "评标办法设置不合理".into(),
                knew_on: knew + Duration::days(1),
                objection_id: None,
            },
            now,
        )
        .await
        .expect("10 days");
        assert!(c.accept_due > tendering::day(now) && c.decide_due > c.accept_due);
        // Only the supervising department handles it.
        let e = complaints::handle(
            &t.db,
            &principal,
            c.id,
            &ComplaintDecision {
                accept: true,
                text: None,
            },
            now,
        )
        .await
        .expect_err("not a supervisor");
        assert_eq!(code(&e), "forbidden:supervise");
        let sup = actor_of(&t.db, "supervisor", "127.0.0.1")
            .await
            .expect("supervisor");
        assert!(
            complaints::handle(
                &t.db,
                &sup,
                c.id,
                &ComplaintDecision {
                    accept: true,
                    text: None
                },
                now
            )
            .await
            .expect("accept")
        );
        assert!(
            complaints::handle(
                &t.db,
                &sup,
                c.id,
                &ComplaintDecision {
                    accept: true,
                    text: Some("投诉不成立，驳回".into())
                },
                now
            )
            .await
            .expect("decide")
        );
        // The decision is published on the lot's deal, without the complainant's name.
        let published = ggzy_store::notices::latest_of(
            &t.db,
            &ggzy_store::notices::FeedFilter {
                trade_kind: Some("construction".into()),
                notice_kind: Some("complaint_decision".into()),
                ..Default::default()
            },
            10,
        )
        .await
        .expect("feed");
        let d = published
            .iter()
            .find(|n| n.lot_id == Some(lot))
            .expect("the decision is published");
        assert!(d.body.contains("处理决定：投诉不成立，驳回"), "{}", d.body);
        assert!(
            d.body.contains("第79条") && d.deal_code.is_some(),
            "{}",
            d.body
        );
        let entity = ggzy_store::entities::get(&t.db, &sup, c.entity_id, tendering::day(now))
            .await
            .expect("complainant");
        assert!(!d.body.contains(&entity.name), "{}", d.body);
        let e = complaints::handle(
            &t.db,
            &sup,
            c.id,
            &ComplaintDecision {
                accept: true,
                text: Some("again".into()),
            },
            now,
        )
        .await
        .expect_err("closed");
        assert_eq!(code(&e), "complaint.closed");
        assert_eq!(
            complaints::list(&t.db, &bidder, lot).await.expect("list")[0]
                .decision
                .as_deref(),
            Some("投诉不成立，驳回")
        );
        t.cleanup().await;
    }
}

/// The page offers a bid until the deadline's last microsecond and not at it; a lot that is only
/// registered is not shown to bidders at all, while its principal is offered the notice.
#[tokio::test]
async fn what_a_viewer_may_do_follows_the_stage_and_the_deadline() {
    use ggzy_store::tendering::viewer;
    for (t, now) in seeded().await {
        let vault = Arc::new(BidVault::temporary().expect("vault"));
        let t0 = now - Duration::days(20);
        let lot = demo_tendering::walk(
            &t.db,
            &vault,
            "视图工程",
            "open_tender",
            Walk::Tendering,
            t0,
        )
        .await
        .expect("walk");
        let bidder = who(&t.db, "bidder").await;
        let staff = who(&t.db, "staff").await;
        let deadline = tendering::load(&t.db, lot)
            .await
            .expect("lot")
            .state
            .dates
            .expect("dates")
            .bid_deadline;
        let us = Duration::microseconds(1);
        let v = viewer::view_for(&t.db, &bidder, lot, deadline - us)
            .await
            .expect("view");
        assert!(
            v.viewer.is_bidder() && v.actions.bid && !v.actions.open,
            "{}",
            t.name
        );
        let v = viewer::view_for(&t.db, &bidder, lot, deadline)
            .await
            .expect("view");
        assert!(!v.actions.bid, "{}", t.name);
        let v = viewer::view_for(&t.db, &staff, lot, deadline)
            .await
            .expect("view");
        assert!(
            v.viewer.is_centre() && v.actions.open && !v.actions.bid,
            "{}",
            t.name
        );

        let registered = demo_tendering::walk(
            &t.db,
            &vault,
            "未公告工程",
            "open_tender",
            Walk::Registered,
            t0,
        )
        .await
        .expect("walk");
        assert!(
            matches!(
                viewer::view_for(&t.db, &bidder, registered, now).await,
                Err(ServiceError::NotFound(_))
            ),
            "{}",
            t.name
        );
        let principal = who(&t.db, "principal").await;
        let v = viewer::view_for(&t.db, &principal, registered, now)
            .await
            .expect("view");
        assert!(v.actions.publish_notice && !v.actions.award, "{}", t.name);
        t.cleanup().await;
    }
}
