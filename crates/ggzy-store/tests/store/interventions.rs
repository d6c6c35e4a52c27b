//! The supervisor's orders on a lot: a suspension holds every step (even the scheduled opening)
//! until it is lifted, an order to correct waits for the principal's answer and becomes an alert
//! the instant it falls due unanswered, an order to end the procedure refunds the bonds; each
//! order is logged, published and told to those it concerns.

use crate::support::{bid_as, code, seeded, tendering_lot, who};
use chrono::{DateTime, Duration, Utc};
use ggzy_core::intervention::InterventionKind;
use ggzy_core::procedure::Stage;
use ggzy_store::regime::{self, InterventionAnswer, InterventionInput};
use ggzy_store::tendering::{self, schedule};
use ggzy_store::{alerts, evaluation};

fn ordered(kind: InterventionKind, due_at: Option<DateTime<Utc>>) -> InterventionInput {
    InterventionInput {
        kind,
        basis: "招标投标法实施条例 第62条".into(),
        reason: "投诉反映招标文件设置排他性条件，经初步核查情况属实".into(),
        due_at,
    }
}

#[tokio::test]
async fn a_suspension_holds_the_lot_and_its_opening_until_it_is_lifted() {
    for (t, now) in seeded().await {
        let db = &t.db;
        let t0 = now - Duration::days(20);
        let (vault, lot) = tendering_lot(db, "监督暂停测试工程", t0).await;
        let at = t0 + Duration::days(12);
        let deadline = t0 + Duration::days(21);
        let sup = who(db, "supervisor").await;
        let principal = who(db, "principal").await;
        let bidder = who(db, "bidder").await;

        // Only a supervisor of the region orders, and an order cites its basis.
        let e = regime::order(
            db,
            &principal,
            lot,
            &ordered(InterventionKind::Suspend, None),
            at,
        )
        .await
        .expect_err("the principal");
        assert_eq!(code(&e), "forbidden:supervise", "{}", t.name);
        let mut blank = ordered(InterventionKind::Suspend, None);
        blank.basis = " ".into();
        let e = regime::order(db, &sup, lot, &blank, at)
            .await
            .expect_err("no basis");
        assert_eq!(code(&e), "required");
        let e = regime::order(db, &sup, lot, &ordered(InterventionKind::Resume, None), at)
            .await
            .expect_err("nothing to resume");
        assert_eq!(code(&e), "intervention.nothing_to_resume");

        let held = regime::order(db, &sup, lot, &ordered(InterventionKind::Suspend, None), at)
            .await
            .expect("suspended");
        assert_eq!(held.kind, InterventionKind::Suspend);
        let l = tendering::load(db, lot).await.expect("lot");
        assert_eq!(l.state.held_by, Some(held.id), "{}", t.name);
        let n = ggzy_store::notices::get(db, held.notice_id.expect("published"))
            .await
            .expect("notice");
        assert_eq!(n.notice_kind, "supervision_order");
        assert!(
            n.body.contains("依据：招标投标法实施条例 第62条"),
            "{}",
            n.body
        );
        let inbox = tendering::inbox(db, &bidder).await.expect("inbox");
        assert!(
            inbox
                .iter()
                .any(|m| m.kind == "intervention" && m.lot_id == Some(lot)),
            "a bidder hears that its trade stops"
        );

        // Nothing moves: a modified bid, the principal's own termination, a second suspension.
        let form = ggzy_demo::tendering::bid_form(0);
        let e = bid_as(
            db,
            &vault,
            lot,
            "bidder",
            &form,
            b"v2",
            at + Duration::hours(1),
        )
        .await
        .expect_err("held");
        assert_eq!(code(&e), "procedure.held_by_order", "{}", t.name);
        let e = regime::terminate(
            db,
            &principal,
            lot,
            &regime::TerminationInput {
                reason: "不再建设".into(),
                purchase_cancelled: false,
            },
            at + Duration::hours(1),
        )
        .await
        .expect_err("held");
        assert_eq!(code(&e), "procedure.held_by_order");
        let e = regime::order(db, &sup, lot, &ordered(InterventionKind::Suspend, None), at)
            .await
            .expect_err("held once");
        assert_eq!(code(&e), "out_of_order:tendering");

        // The scheduled opening waits while the order holds ...
        regime::run_due(db, deadline).await.expect("tick");
        let l = tendering::load(db, lot).await.expect("lot");
        assert_eq!(l.state.stage, Stage::Tendering);
        let open = schedule::for_lot(db, lot).await.expect("schedule");
        assert!(
            open.iter()
                .any(|r| r.action == schedule::OPEN && r.fired_at.is_none()),
            "{open:?}"
        );

        // ... and happens once it is lifted.
        let lifted = deadline + Duration::minutes(5);
        let resumed = regime::order(
            db,
            &sup,
            lot,
            &ordered(InterventionKind::Resume, None),
            lifted,
        )
        .await
        .expect("resumed");
        assert_eq!(resumed.lifts, Some(held.id));
        assert_eq!(
            tendering::load(db, lot).await.expect("lot").state.held_by,
            None
        );
        let fired = regime::run_due(db, lifted + Duration::minutes(1))
            .await
            .expect("tick");
        assert!(
            fired
                .iter()
                .any(|f| f.lot_id == lot && f.action == schedule::OPEN),
            "{fired:?}"
        );
        let orders = regime::interventions(db, lot).await.expect("orders");
        assert_eq!(
            orders.iter().map(|o| o.kind).collect::<Vec<_>>(),
            [InterventionKind::Suspend, InterventionKind::Resume]
        );
        t.cleanup().await;
    }
}

#[tokio::test]
async fn an_unanswered_correction_becomes_an_alert_the_instant_it_falls_due() {
    for (t, now) in seeded().await {
        let db = &t.db;
        let t0 = now - Duration::days(20);
        let (_vault, lot) = tendering_lot(db, "监督改正测试工程", t0).await;
        let at = t0 + Duration::days(12);
        let sup = who(db, "supervisor").await;
        let principal = who(db, "principal").await;
        let bidder = who(db, "bidder").await;

        let e = regime::order(db, &sup, lot, &ordered(InterventionKind::Correct, None), at)
            .await
            .expect_err("no due time");
        assert_eq!(code(&e), "required", "{}", t.name);
        let e = regime::order(
            db,
            &sup,
            lot,
            &ordered(InterventionKind::Correct, Some(at)),
            at,
        )
        .await
        .expect_err("due now");
        assert_eq!(code(&e), "intervention.due_in_past");

        let first_due = at + Duration::days(3);
        let second_due = at + Duration::days(4);
        let first = regime::order(
            db,
            &sup,
            lot,
            &ordered(InterventionKind::Correct, Some(first_due)),
            at,
        )
        .await
        .expect("first");
        let second = regime::order(
            db,
            &sup,
            lot,
            &ordered(InterventionKind::Correct, Some(second_due)),
            at,
        )
        .await
        .expect("second");
        // An order to correct stops nothing.
        assert_eq!(
            tendering::load(db, lot).await.expect("lot").state.held_by,
            None
        );

        let answer = InterventionAnswer {
            answer: "已发布澄清，删除排他性条件".into(),
        };
        let e = regime::answer_intervention(db, &bidder, first.id, &answer, at)
            .await
            .expect_err("a bidder");
        assert_eq!(code(&e), "forbidden:project_register");
        let done =
            regime::answer_intervention(db, &principal, first.id, &answer, at + Duration::days(1))
                .await
                .expect("answered");
        assert_eq!(done.answer.as_deref(), Some(answer.answer.as_str()));
        assert!(!done.awaits_answer());
        let e =
            regime::answer_intervention(db, &principal, first.id, &answer, at + Duration::days(1))
                .await
                .expect_err("once");
        assert_eq!(code(&e), "intervention.answered");

        let overdue = |raised: &[alerts::AlertView]| {
            raised
                .iter()
                .filter(|a| a.kind == "intervention.correction_overdue" && a.lot_id == Some(lot))
                .count()
        };
        regime::run_due(db, first_due).await.expect("tick");
        regime::run_due(db, second_due - Duration::seconds(1))
            .await
            .expect("tick");
        let raised = alerts::list(db, &sup, &Default::default())
            .await
            .expect("alerts");
        assert_eq!(overdue(&raised), 0, "{}: answered, or not due yet", t.name);
        regime::run_due(db, second_due).await.expect("tick");
        let raised = alerts::list(db, &sup, &Default::default())
            .await
            .expect("alerts");
        assert_eq!(overdue(&raised), 1, "{}", t.name);
        let alert = raised
            .iter()
            .find(|a| a.kind == "intervention.correction_overdue")
            .expect("alert");
        assert_eq!(alert.evidence["intervention"], second.id.to_string());
        regime::run_due(db, second_due + Duration::days(1))
            .await
            .expect("tick");
        let raised = alerts::list(db, &sup, &Default::default())
            .await
            .expect("alerts");
        assert_eq!(overdue(&raised), 1, "raised once");
        t.cleanup().await;
    }
}

#[tokio::test]
async fn an_order_to_end_the_procedure_refunds_the_bonds_and_leaves_the_bids_sealed() {
    for (t, now) in seeded().await {
        let db = &t.db;
        let t0 = now - Duration::days(20);
        let (_vault, lot) = tendering_lot(db, "监督终止测试工程", t0).await;
        let at = t0 + Duration::days(12);
        let sup = who(db, "supervisor").await;
        let principal = who(db, "principal").await;
        let ended = regime::order(
            db,
            &sup,
            lot,
            &ordered(InterventionKind::Terminate, None),
            at,
        )
        .await
        .expect("ended");
        let l = tendering::load(db, lot).await.expect("lot");
        assert_eq!(l.state.stage, Stage::Terminated, "{}", t.name);
        let refunds = evaluation::refunds(db, &principal, lot)
            .await
            .expect("refunds");
        assert_eq!(refunds.len(), 4);
        assert!(
            refunds
                .iter()
                .all(|r| r.due_on == tendering::day(at) + Duration::days(5))
        );
        let n = ggzy_store::notices::get(db, ended.notice_id.expect("published"))
            .await
            .expect("notice");
        assert!(n.body.contains("不再开启"), "{}", n.body);
        let e = regime::order(db, &sup, lot, &ordered(InterventionKind::Suspend, None), at)
            .await
            .expect_err("ended");
        assert_eq!(code(&e), "out_of_order:terminated");
        t.cleanup().await;
    }
}
