//! Qualifications a lot requires, on every backend: the tenderer states them before the notice
//! and not after, and a bid is refused unless the bidder's registered certificate is valid on the
//! deadline's day — the day before its last day is not enough, its last day is.

use crate::support::{bid_as, code, seeded, tendering_lot, who};
use chrono::Duration;
use ggzy_core::entity::QualificationInput;
use ggzy_core::qualification::Requirement;
use ggzy_demo::tendering::{self as demo_tendering, Walk};
use ggzy_store::tendering;
use ggzy_store::tendering::qualifications::{self, RequirementsInput};
use ggzy_store::vault::BidVault;
use ggzy_store::{ServiceError, entities, on_db};
use std::sync::Arc;

fn needs(name: &str, grade: &str) -> RequirementsInput {
    RequirementsInput {
        requirements: vec![Requirement {
            name: name.into(),
            min_grade: grade.into(),
        }],
    }
}

#[tokio::test]
async fn the_tenderer_states_them_before_the_notice_only() {
    for (t, now) in seeded().await {
        let vault = Arc::new(BidVault::temporary().expect("vault"));
        let principal = who(&t.db, "principal").await;
        let bidder = who(&t.db, "bidder").await;
        let lot = demo_tendering::walk(
            &t.db,
            &vault,
            "资质要求工程",
            "open_tender",
            Walk::Registered,
            now,
        )
        .await
        .expect("walk");
        let e = qualifications::set(
            &t.db,
            &bidder,
            lot,
            &needs("建筑工程施工总承包", "二级"),
            now,
        )
        .await
        .expect_err("not the tenderer");
        assert!(code(&e).starts_with("forbidden:"), "{}", code(&e));
        let e = qualifications::set(
            &t.db,
            &principal,
            lot,
            &needs("建筑工程施工总承包", "二等"),
            now,
        )
        .await
        .expect_err("grade");
        assert_eq!(code(&e), "qualification.grade", "{}", t.name);
        let set = qualifications::set(
            &t.db,
            &principal,
            lot,
            &needs("建筑工程施工总承包", "二级"),
            now,
        )
        .await
        .expect("set");
        assert_eq!(set[0].min_grade, "二级");
        assert_eq!(qualifications::of(&t.db, lot).await.expect("of"), set);

        let (_, tendering) = tendering_lot(&t.db, "已发公告工程", now).await;
        let e = qualifications::set(
            &t.db,
            &principal,
            tendering,
            &needs("建筑工程施工总承包", ""),
            now,
        )
        .await
        .expect_err("fixed");
        assert_eq!(code(&e), "qualification.fixed", "{}", t.name);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_bid_needs_a_certificate_valid_on_the_deadline_day() {
    for (t, now) in seeded().await {
        let (vault, lot) = tendering_lot(&t.db, "水利资质工程", now - Duration::days(20)).await;
        // Stated before the notice (the walk publishes it in one go, so the test writes the
        // requirement the way `qualifications::set` would have).
        let js = serde_json::to_string(&needs("水利水电工程施工总承包", "二级").requirements)
            .expect("json");
        on_db!(&t.db, |c| sqlx::query(
            "UPDATE lots SET qualification_requirements = $1 WHERE id = $2"
        )
        .bind(&js)
        .bind(lot)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
        .expect("requirement"));
        let l = tendering::load(&t.db, lot).await.expect("lot");
        let deadline = l.state.dates.expect("dates").bid_deadline;
        let deadline_day = (deadline + Duration::hours(8)).date_naive();

        let bidder = who(&t.db, "bidder").await;
        let entity = bidder.entity_id.expect("entity");
        let form = demo_tendering::bid_form(0);
        let submit = || bid_as(&t.db, &vault, lot, "bidder", &form, b"water", now);
        let cert = |grade: &str, until: chrono::NaiveDate, no: &str| QualificationInput {
            name: "水利水电工程施工总承包".into(),
            grade: grade.into(),
            certificate_no: no.into(),
            issuer: "浙江省水利厅".into(),
            valid_from: "2020-01-01".into(),
            valid_until: until.to_string(),
        };

        // None registered: refused, naming what is missing and the article the committee applies.
        let e = submit().await.expect_err("none");
        assert_eq!(code(&e), "qualification.missing", "{}", t.name);
        if let ServiceError::Invalid(i) = &e {
            let rule = i.0[0].rule.as_ref().expect("rule");
            assert_eq!(
                (rule.regulation, rule.article),
                ("招标投标法实施条例", "51")
            );
            assert!(
                i.0[0]
                    .message_zh
                    .contains("水利水电工程施工总承包二级及以上"),
                "{}",
                i.0[0].message_zh
            );
        }
        // A lower grade, and a certificate that expires the day before the deadline: still missing.
        entities::add_qualification(
            &t.db,
            &bidder,
            entity,
            &cert("三级", deadline_day, "D133000001"),
            now,
        )
        .await
        .expect("lower grade");
        let day_before = deadline_day.pred_opt().expect("day");
        entities::add_qualification(
            &t.db,
            &bidder,
            entity,
            &cert("二级", day_before, "D233000002"),
            now,
        )
        .await
        .expect("expires the day before");
        let e = submit().await.expect_err("expired by the deadline");
        assert_eq!(code(&e), "qualification.missing", "{}", t.name);
        // Valid through the deadline's day, and a higher grade than required: accepted.
        entities::add_qualification(
            &t.db,
            &bidder,
            entity,
            &cert("一级", deadline_day, "D133000003"),
            now,
        )
        .await
        .expect("valid on the day");
        submit().await.expect("accepted");
        t.cleanup().await;
    }
}
