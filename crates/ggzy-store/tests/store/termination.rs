//! Ending a procedure before the award: the termination notice names the notice it ends and
//! carries its statutory content, the bidders are told, bonds fall due, timers stop, and nothing
//! more happens to the lot; a procurement ends only when its purchase is cancelled.

use crate::support::{code, seeded, who};
use chrono::Duration;
use ggzy_core::procedure::Stage;
use ggzy_demo::procurement as demo_procurement;
use ggzy_demo::tendering::{self as demo_tendering, Walk};
use ggzy_store::regime::{self, TerminationInput};
use ggzy_store::tendering::{self, bids, schedule};
use ggzy_store::vault::BidVault;
use ggzy_store::{alerts, evaluation};
use std::sync::Arc;

fn ended(reason: &str, purchase_cancelled: bool) -> TerminationInput {
    TerminationInput {
        reason: reason.into(),
        purchase_cancelled,
    }
}

#[tokio::test]
async fn an_ended_tender_publishes_its_termination_and_stops() {
    for (t, now) in seeded().await {
        let db = &t.db;
        let vault = Arc::new(BidVault::temporary().expect("vault"));
        let t0 = now - Duration::days(20);
        let lot = demo_tendering::walk(
            db,
            &vault,
            "终止测试工程",
            "open_tender",
            Walk::Tendering,
            t0,
        )
        .await
        .expect("walk");
        let at = t0 + Duration::days(12);
        let principal = who(db, "principal").await;
        let bidder = who(db, "bidder").await;

        // Who may end it is decided before what they wrote is read.
        let e = regime::terminate(db, &bidder, lot, &ended("", false), at)
            .await
            .expect_err("a bidder");
        assert_eq!(code(&e), "forbidden:project_register", "{}", t.name);
        let e = regime::terminate(db, &principal, lot, &ended("  ", false), at)
            .await
            .expect_err("no reason");
        assert_eq!(code(&e), "required");

        let reason = "项目建设规划调整，本标段不再实施";
        let id = regime::terminate(db, &principal, lot, &ended(reason, false), at)
            .await
            .expect("ended");
        let n = ggzy_store::notices::get(db, id).await.expect("notice");
        assert_eq!(
            (n.trade_kind.as_str(), n.notice_kind.as_str()),
            ("construction", "termination")
        );
        assert!(
            n.body.contains(&format!("终止原因：{reason}")),
            "{}",
            n.body
        );
        assert!(n.body.contains("第31条"), "{}", n.body);
        let tender = ggzy_store::notices::get(db, n.corrects.expect("names the notice it ends"))
            .await
            .expect("original");
        assert_eq!(tender.notice_kind, "tender");
        assert!(n.body.contains(&format!("原公告：{}", tender.title)));

        let l = tendering::load(db, lot).await.expect("lot");
        assert_eq!(l.state.stage, Stage::Terminated);
        // Every standing bid's bond falls due; the lot's timers stop.
        let refunds = evaluation::refunds(db, &principal, lot)
            .await
            .expect("refunds");
        assert!(!refunds.is_empty(), "{}", t.name);
        assert!(
            refunds
                .iter()
                .all(|r| r.due_on == tendering::day(at) + Duration::days(5))
        );
        let timers = schedule::for_lot(db, lot).await.expect("schedule");
        assert!(timers.iter().all(|r| r.fired_at.is_some()), "{timers:?}");
        assert!(
            timers
                .iter()
                .any(|r| r.outcome.as_deref() == Some("cancelled: terminated"))
        );
        let inbox = tendering::inbox(db, &bidder).await.expect("inbox");
        assert!(
            inbox
                .iter()
                .any(|m| m.kind == "terminated" && m.lot_id == Some(lot))
        );

        // Nothing more happens to it.
        let again = regime::terminate(db, &principal, lot, &ended(reason, false), at)
            .await
            .expect_err("ended once");
        assert_eq!(code(&again), "out_of_order:terminated");
        let staff = who(db, "staff").await;
        let open = bids::open(db, &staff, lot, t0 + Duration::days(30)).await;
        assert!(open.is_err(), "an ended lot is never opened");
        t.cleanup().await;
    }
}

#[tokio::test]
async fn an_awarded_tender_cannot_be_ended() {
    for (t, now) in seeded().await {
        let db = &t.db;
        let vault = Arc::new(BidVault::temporary().expect("vault"));
        let lot = demo_tendering::walk(
            db,
            &vault,
            "定标后终止测试",
            "open_tender",
            Walk::Awarded,
            now - Duration::days(60),
        )
        .await
        .expect("walk");
        let principal = who(db, "principal").await;
        let e = regime::terminate(db, &principal, lot, &ended("不再建设", false), now)
            .await
            .expect_err("awarded");
        assert_eq!(code(&e), "out_of_order:awarded", "{}", t.name);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_procurement_ends_only_when_its_purchase_is_cancelled() {
    for (t, now) in seeded().await {
        let db = &t.db;
        let vault = Arc::new(BidVault::temporary().expect("vault"));
        let spec = &demo_procurement::specs()[0];
        let t0 = now - Duration::days(20);
        let lot = demo_procurement::walk(db, &vault, spec, Walk::Tendering, t0)
            .await
            .expect("walk");
        let principal = who(db, "principal").await;
        let at = t0 + Duration::days(12);
        let e = regime::terminate(db, &principal, lot, &ended("预算调整", false), at)
            .await
            .expect_err("not cancelled");
        assert_eq!(code(&e), "procedure.termination_not_allowed", "{}", t.name);
        let id = regime::terminate(
            db,
            &principal,
            lot,
            &ended("机构撤并，采购任务取消", true),
            at,
        )
        .await
        .expect("cancelled");
        let n = ggzy_store::notices::get(db, id).await.expect("notice");
        assert_eq!(
            (n.trade_kind.as_str(), n.notice_kind.as_str()),
            ("procurement", "termination")
        );
        assert!(n.body.contains("第29条"), "{}", n.body);
        // The buyer reports to the finance department: the supervisor sees it.
        let sup = who(db, "supervisor").await;
        let raised = alerts::list(db, &sup, &Default::default())
            .await
            .expect("alerts");
        assert!(
            raised
                .iter()
                .any(|a| a.kind == "procedure.terminated" && a.lot_id == Some(lot)),
            "{raised:?}"
        );
        t.cleanup().await;
    }
}
