//! After the contract: a procurement's supplementary contracts add up to 10% of the original and
//! not a fen more (政府采购法 Art 49), the acceptance is published once and names the supplier,
//! a works contract gets its performance record, and the company's record lists it.

use crate::support::{code, seeded, who};
use chrono::Duration;
use ggzy_demo::procurement as demo_procurement;
use ggzy_demo::tendering::{self as demo_tendering, Walk};
use ggzy_store::evaluation::performance::{self, AcceptanceInput, SupplementInput};
use ggzy_store::tendering;
use ggzy_store::vault::BidVault;
use std::sync::Arc;

fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

#[tokio::test]
async fn supplements_stop_at_ten_percent_and_the_acceptance_is_published_once() {
    for (t, now) in seeded().await {
        let db = &t.db;
        let vault = Arc::new(BidVault::temporary().expect("vault"));
        let spec = &demo_procurement::specs()[0];
        let lot =
            demo_procurement::walk(db, &vault, spec, Walk::Contracted, now - Duration::days(80))
                .await
                .expect("walk");
        let row = tendering::load(db, lot).await.expect("lot");
        let p = performance::performance(db, &row)
            .await
            .expect("p")
            .expect("contract");
        let cap = p.contract_amount / 10;
        assert_eq!(p.supplement_room, Some(cap), "{}", t.name);
        let principal = who(db, "principal").await;
        let bidder = who(db, "bidder").await;
        let day = tendering::day(now);
        let supplement = |fen: i64| SupplementInput {
            amount: yuan(fen),
            signed_on: day,
            reason: "新增院区同型号设备，合同其他条款不变".into(),
        };

        let e = performance::record_supplement(db, &bidder, lot, &supplement(100), now)
            .await
            .expect_err("a supplier");
        assert_eq!(code(&e), "forbidden:project_register");
        let first = cap * 6 / 10;
        performance::record_supplement(db, &principal, lot, &supplement(first), now)
            .await
            .expect("60% of the room");
        // Just outside: one fen over the 10% in total. Just inside: exactly the rest.
        let e =
            performance::record_supplement(db, &principal, lot, &supplement(cap - first + 1), now)
                .await
                .expect_err("a fen over");
        assert_eq!(code(&e), "contract.supplement_over_10", "{}", t.name);
        let n = performance::record_supplement(db, &principal, lot, &supplement(cap - first), now)
            .await
            .expect("exactly 10%");
        let notice = ggzy_store::notices::get(db, n).await.expect("notice");
        assert_eq!(notice.notice_kind, "contract_change");
        assert!(notice.body.contains("变更原因："), "{}", notice.body);
        let future = SupplementInput {
            signed_on: day + Duration::days(1),
            ..supplement(1)
        };
        let e = performance::record_supplement(db, &principal, lot, &future, now)
            .await
            .expect_err("tomorrow");
        assert_eq!(code(&e), "contract.future");

        let acceptance = AcceptanceInput {
            accepted_on: day,
            passed: true,
            summary: "设备到货安装调试完毕，各项技术指标符合合同约定。".into(),
        };
        let early = AcceptanceInput {
            accepted_on: p.signed_on - Duration::days(1),
            ..acceptance.clone()
        };
        let e = performance::record_acceptance(db, &principal, lot, &early, now)
            .await
            .expect_err("before signing");
        assert_eq!(code(&e), "contract.before_signing");
        let n = performance::record_acceptance(db, &principal, lot, &acceptance, now)
            .await
            .expect("accepted");
        let notice = ggzy_store::notices::get(db, n).await.expect("notice");
        assert_eq!(
            (notice.trade_kind.as_str(), notice.notice_kind.as_str()),
            ("procurement", "acceptance")
        );
        assert!(
            notice.body.contains("验收结论：验收合格"),
            "{}",
            notice.body
        );
        let again = performance::record_acceptance(db, &principal, lot, &acceptance, now)
            .await
            .expect_err("once");
        assert_eq!(code(&again), "out_of_order:accepted");
        let late = performance::record_supplement(db, &principal, lot, &supplement(1), now)
            .await
            .expect_err("after the acceptance");
        assert_eq!(code(&late), "out_of_order:accepted");

        let p = performance::performance(db, &row)
            .await
            .expect("p")
            .expect("contract");
        assert_eq!(p.supplements.len(), 2);
        assert_eq!(p.supplement_room, Some(0));
        assert!(p.acceptance.is_some_and(|a| a.passed));
        let winner = row.state.winner.expect("winner");
        let record = ggzy_store::notices::company_record(db, winner, 50)
            .await
            .expect("record");
        assert!(record.performed.iter().any(|x| x.id == n), "{}", t.name);
        assert!(record.won.iter().all(|x| x.notice_kind == "result"));
        // The acceptance wrote the supplier's good record, which the grade now counts, for the
        // formula's three years.
        let uscc = tendering::sealing::uscc_of(db, winner).await.expect("uscc");
        let good: Vec<_> = ggzy_store::credit::all_of(db, &uscc)
            .await
            .expect("records")
            .into_iter()
            .filter(|r| r.source == "performance")
            .collect();
        assert_eq!(good.len(), 1, "{}", t.name);
        assert_eq!(good[0].kind, "good");
        assert_eq!(
            good[0].published_until,
            Some(day + chrono::Months::new(36) - Duration::days(1)),
            "{}",
            t.name
        );
        let grade = ggzy_store::credit::grade_of(db, &uscc, now)
            .await
            .expect("grade");
        assert!(
            grade
                .lines
                .iter()
                .any(|l| l.record.as_ref().is_some_and(|r| r.row.id == good[0].id)),
            "{}: {grade:?}",
            t.name
        );
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_works_contract_gets_a_performance_record_and_no_supplement() {
    for (t, now) in seeded().await {
        let db = &t.db;
        let vault = Arc::new(BidVault::temporary().expect("vault"));
        let lot = demo_tendering::walk(
            db,
            &vault,
            "履约测试工程",
            "open_tender",
            Walk::Contracted,
            now - Duration::days(80),
        )
        .await
        .expect("walk");
        let principal = who(db, "principal").await;
        let day = tendering::day(now);
        let e = performance::record_supplement(
            db,
            &principal,
            lot,
            &SupplementInput {
                amount: "1000.00".into(),
                signed_on: day,
                reason: "增加工程量".into(),
            },
            now,
        )
        .await
        .expect_err("works");
        assert_eq!(
            code(&e),
            "contract.supplement_procurement_only",
            "{}",
            t.name
        );
        let n = performance::record_acceptance(
            db,
            &principal,
            lot,
            &AcceptanceInput {
                accepted_on: day,
                passed: false,
                summary: "工程竣工，部分分项工程质量不合格，需整改后复验。".into(),
            },
            now,
        )
        .await
        .expect("accepted");
        let notice = ggzy_store::notices::get(db, n).await.expect("notice");
        assert_eq!(
            (notice.trade_kind.as_str(), notice.notice_kind.as_str()),
            ("construction", "performance")
        );
        // Every bidder took part in the published result; the winner also performed it.
        let row = tendering::load(db, lot).await.expect("lot");
        let winner = row.state.winner.expect("winner");
        let record = ggzy_store::notices::company_record(db, winner, 50)
            .await
            .expect("record");
        assert!(record.took_part.iter().any(|x| x.lot_id == Some(lot)));
        assert!(record.performed.iter().any(|x| x.id == n));
        // A works acceptance that failed leaves no good record.
        let uscc = tendering::sealing::uscc_of(db, winner).await.expect("uscc");
        let records = ggzy_store::credit::all_of(db, &uscc)
            .await
            .expect("records");
        assert_eq!(
            records.iter().filter(|r| r.source == "performance").count(),
            0,
            "{}",
            t.name
        );
        t.cleanup().await;
    }
}
