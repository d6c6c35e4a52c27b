//! Government procurement through the services on every backend: each of the six methods from
//! intention to contract, the supplier draw recomputed, final quotes deciding a negotiation, the
//! refusals of bad input with their rules, and the challenge → complaint path with working-day
//! deadlines across the National Day holiday.

use crate::support::{code, who};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use ggzy_core::calendar::{Calendar, WorkingDays};
use ggzy_core::procedure::Stage;
use ggzy_core::procurement::{Ground, PurchaseMethod};
use ggzy_core::tender_schedule::cn_day_start;
use ggzy_demo as demo;
use ggzy_demo::procurement::{self as demo_procurement, Spec};
use ggzy_demo::tendering::Walk;
use ggzy_demo::testing::TestDb;
use ggzy_store::evaluation;
use ggzy_store::procurement::{self, challenges};
use ggzy_store::tendering::{self, schedule};
use ggzy_store::vault::BidVault;
use ggzy_store::{Actor, ServiceError};
use std::sync::Arc;

fn rule(e: &ServiceError) -> Option<(String, String)> {
    match e {
        ServiceError::Invalid(i) => i.0[0]
            .rule
            .as_ref()
            .map(|r| (r.regulation.to_string(), r.article.to_string())),
        _ => None,
    }
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&format!("{s}+08:00"))
        .expect("ts")
        .with_timezone(&Utc)
}

#[tokio::test]
async fn every_method_runs_from_intention_to_contract() {
    for t in TestDb::all().await {
        let now = ggzy_demo::testing::epoch();
        demo::seed(&t.db, now - Duration::days(90))
            .await
            .expect("seed");
        let vault = Arc::new(BidVault::temporary().expect("vault"));
        for (i, spec) in demo_procurement::specs().iter().enumerate() {
            let t0 = now - Duration::days(80) + Duration::days(12 * i as i64);
            let lot = demo_procurement::walk(&t.db, &vault, spec, Walk::Contracted, t0)
                .await
                .unwrap_or_else(|e| panic!("{} {:?}: {e:?}", t.name, spec.method));
            let l = tendering::load(&t.db, lot).await.expect("lot");
            assert_eq!(
                l.state.stage,
                Stage::Contracted,
                "{} {:?}",
                t.name,
                spec.method
            );
            assert_eq!(l.purchase_method(), Some(spec.method));
            let terms = procurement::terms(&t.db, &l)
                .await
                .expect("terms")
                .expect("procurement");
            assert_eq!(terms.grounds.len(), spec.grounds.len(), "grounds recorded");
            assert!(terms.intention.is_some(), "the intention is linked");
            // Every deadline the lot ran by is listed; none is overdue on a finished lot but the
            // contract filing the demo does not record.
            let today = tendering::day(now);
            let ds = procurement::deadlines(&t.db, lot, today)
                .await
                .expect("deadlines");
            for key in [
                "buyer_decides",
                "result_notice",
                "result_challenge",
                "contract",
                "contract_published",
            ] {
                let d = ds
                    .iter()
                    .find(|d| d.key == key)
                    .unwrap_or_else(|| panic!("{key}"));
                assert!(!d.overdue, "{key} of {:?} is overdue: {d:?}", spec.method);
            }
            let staff = who(&t.db, "staff").await;
            let report = evaluation::report(&t.db, &staff, lot)
                .await
                .expect("report")
                .expect("report");
            if spec.method.final_quotes() {
                // The final quotes decide: ¥1,680,000 less ¥15,000 per later supplier.
                let winner = &report.results[0];
                assert!(
                    winner.bid_price.fen() < 1_700_000_00
                        || spec.method == PurchaseMethod::SingleSource,
                    "{winner:?}"
                );
            }
            if spec.method == PurchaseMethod::InvitedTender {
                // After the opening anyone may recompute the draw.
                let proof = procurement::supplier_draw(&t.db, &Actor::public("203.0.113.1"), lot)
                    .await
                    .expect("draw")
                    .expect("proof");
                for r in &proof.rounds {
                    ggzy_core::draw::verify(r).expect("the supplier draw recomputes");
                }
                assert_eq!(proof.rounds[0].picks.len(), 3);
                assert_eq!(proof.rounds[0].groups[0].eligible.len(), 6);
            }
            // Losers see their own score and rank, and only theirs.
            let loser = report.results.iter().find(|r| r.rank == Some(2));
            if let Some(r) = loser {
                let username = [
                    "bidder", "entity03", "entity05", "entity07", "entity09", "entity11",
                ];
                for u in username {
                    let a = who(&t.db, u).await;
                    if a.entity_id == Some(r.bidder) {
                        let mine = evaluation::report(&t.db, &a, lot)
                            .await
                            .expect("own")
                            .expect("own");
                        assert_eq!(mine.results.len(), 1);
                        assert_eq!(mine.results[0].rank, Some(2));
                    }
                }
            }
        }
        t.cleanup().await;
    }
}

fn spec(method: PurchaseMethod, category: &'static str, grounds: Vec<Ground>) -> Spec {
    Spec {
        name: "宁波市测试采购项目",
        method,
        category,
        grounds,
        budget: "1800000",
        approval: None,
        evaluation: ggzy_core::evaluation::Method::LowestEvaluatedPrice,
    }
}

#[tokio::test]
async fn bad_input_is_refused_with_its_rule() {
    for t in TestDb::all().await {
        let now = ggzy_demo::testing::epoch();
        demo::seed(&t.db, now - Duration::days(90))
            .await
            .expect("seed");
        let vault = Arc::new(BidVault::temporary().expect("vault"));
        let t0 = now - Duration::days(30);
        let cases: Vec<(Spec, &str, (&str, &str))> = vec![
            (
                spec(PurchaseMethod::CompetitiveNegotiation, "goods", vec![]),
                "procurement.no_ground",
                ("政府采购法", "30"),
            ),
            (
                spec(
                    PurchaseMethod::RequestForQuotation,
                    "services",
                    vec![Ground::StandardGoods],
                ),
                "procurement.rfq_goods_only",
                ("政府采购法", "32"),
            ),
            (
                spec(PurchaseMethod::SingleSource, "goods", vec![Ground::Urgency]),
                "procurement.no_ground",
                ("政府采购法", "31"),
            ),
            (
                spec(PurchaseMethod::OpenTender, "works", vec![]),
                "procurement.works_by_tender",
                ("政府采购法实施条例", "7"),
            ),
            (
                Spec {
                    evaluation: ggzy_core::evaluation::Method::Points {
                        price_points: 29,
                        criteria: vec![ggzy_core::evaluation::Criterion {
                            key: "q".into(),
                            name: "质量".into(),
                            max_points: 71,
                            objective: false,
                            scorer: ggzy_core::evaluation::Scorer::Members,
                        }],
                    },
                    ..spec(PurchaseMethod::OpenTender, "goods", vec![])
                },
                "procurement.price_weight",
                ("政府采购货物和服务招标投标管理办法", "55"),
            ),
            (
                Spec {
                    budget: "4000000",
                    ..spec(
                        PurchaseMethod::CompetitiveNegotiation,
                        "goods",
                        vec![Ground::Urgency],
                    )
                },
                "procurement.approval_required",
                ("政府采购法实施条例", "23"),
            ),
        ];
        for (s, want, (reg, art)) in cases {
            let e = demo_procurement::walk(&t.db, &vault, &s, Walk::Registered, t0)
                .await
                .expect_err(want);
            assert_eq!(code(&e), want, "{:?}", s.method);
            assert_eq!(rule(&e), Some((reg.into(), art.into())), "{want}");
        }
        // Just under the threshold needs no approval.
        let under = Spec {
            budget: "3999999.99",
            ..spec(
                PurchaseMethod::CompetitiveNegotiation,
                "goods",
                vec![Ground::Urgency],
            )
        };
        demo_procurement::walk(&t.db, &vault, &under, Walk::Registered, t0)
            .await
            .expect("under the threshold");
        // Too few suppliers drawn, and a list shorter than twice the draw.
        let principal = who(&t.db, "principal").await;
        let lot = demo_procurement::walk(
            &t.db,
            &vault,
            &spec(
                PurchaseMethod::InvitedTender,
                "goods",
                vec![Ground::LimitedSuppliers],
            ),
            Walk::Registered,
            t0,
        )
        .await
        .expect("invited");
        let mut list = vec![];
        for u in demo_procurement::SUPPLIERS {
            list.push(who(&t.db, u).await.entity_id.expect("entity"));
        }
        let draw =
            |suppliers: Vec<uuid::Uuid>, count| procurement::SupplierDrawInput { suppliers, count };
        let e = procurement::draw_suppliers(&t.db, &principal, lot, &draw(list.clone(), 2), now)
            .await
            .expect_err("2");
        assert_eq!(code(&e), "procurement.too_few_suppliers");
        let e =
            procurement::draw_suppliers(&t.db, &principal, lot, &draw(list[..5].to_vec(), 3), now)
                .await
                .expect_err("5 for 3");
        assert_eq!(code(&e), "procurement.list_too_short");
        procurement::draw_suppliers(&t.db, &principal, lot, &draw(list.clone(), 3), now)
            .await
            .expect("6 for 3");
        // Inviting anyone but the drawn suppliers is refused.
        let e = ggzy_store::regime::invite(
            &t.db,
            &principal,
            lot,
            &tendering::notices::InviteInput {
                invitees: list[..3].to_vec(),
                documents_from: now + Duration::hours(1),
                documents_until: now + Duration::days(8),
                bid_deadline: now + Duration::days(22),
                content: demo_procurement::content(),
            },
            now,
        )
        .await;
        // Before the opening the drawn suppliers are potential bidders: the public sees the
        // commitment, not the list or the picks; the buyer sees them.
        let public = procurement::supplier_draw(&t.db, &Actor::public("203.0.113.1"), lot)
            .await
            .expect("d")
            .expect("proof");
        assert!(!public.revealed);
        assert!(public.rounds[0].picks.is_empty() && public.rounds[0].groups.is_empty());
        assert!(public.rounds[0].seed.is_none() && !public.rounds[0].commitment.is_empty());
        let drawn = procurement::supplier_draw(&t.db, &principal, lot)
            .await
            .expect("d")
            .expect("proof");
        let mut picks: Vec<_> = drawn.rounds[0].picks.iter().map(|p| p.expert).collect();
        picks.sort();
        let mut first3 = list[..3].to_vec();
        first3.sort();
        if picks != first3 {
            assert_eq!(
                code(&e.expect_err("not drawn")),
                "procurement.invitees_not_drawn"
            );
        }
        t.cleanup().await;
    }
}

/// The result of 2026-09-29 (Tue): its notice runs one working day, to 09-30; the 7 working
/// days to challenge skip the National Day holiday (10-01 … 10-07) and count the adjusted
/// working Saturday 10-10 as the calendar says. A challenge on the last day is accepted, one a day
/// later refused; the reply, the complaint and the department's decision run from there.
#[tokio::test]
async fn challenge_then_complaint_across_the_national_day_holiday() {
    for t in TestDb::all().await {
        demo::seed(&t.db, at("2026-06-01T09:00:00"))
            .await
            .expect("seed");
        let vault = Arc::new(BidVault::temporary().expect("vault"));
        let cal = Calendar::default_cn();
        let s = &demo_procurement::specs()[4]; // request for quotation: 3 working days
        // Registration on 09-21 (Mon): the deadline falls on 09-25, the award on 09-26.
        let t0 = at("2026-09-21T08:00:00");
        let lot = demo_procurement::walk(&t.db, &vault, s, Walk::Reported, t0)
            .await
            .expect("walk");
        let principal = who(&t.db, "principal").await;
        let l = tendering::load(&t.db, lot).await.expect("lot");
        let award_at = at("2026-09-29T10:00:00");
        evaluation::award(
            &t.db,
            &principal,
            lot,
            &evaluation::AwardInput {
                winner: l.state.candidates[0],
            },
            award_at,
        )
        .await
        .expect("award");
        let notice_ends = cal.add_working_days(
            NaiveDate::from_ymd_opt(2026, 9, 29).expect("d"),
            WorkingDays(1),
        );
        let last = cal.add_working_days(notice_ends, WorkingDays(7));
        assert!(
            last > NaiveDate::from_ymd_opt(2026, 10, 8).expect("d"),
            "the holiday is not counted: {last}"
        );
        let loser = l.state.candidates[1];
        let mut loser_actor = None;
        for u in demo_procurement::SUPPLIERS {
            let a = who(&t.db, u).await;
            if a.entity_id == Some(loser) {
                loser_actor = Some(a);
            }
        }
        let loser_actor = loser_actor.expect("a losing supplier");
        let input = challenges::ChallengeInput {
            subject: "result".into(),
            text: "成交供应商报价的货物型号不满足采购需求。".into(),
            step_ended_on: None,
        };
        let late = challenges::file_challenge(
            &t.db,
            &loser_actor,
            lot,
            &input,
            cn_day_start(last + Duration::days(1)) + Duration::hours(9),
        )
        .await;
        if cal.is_working_day(last + Duration::days(1)) {
            let e = late.expect_err("a day late");
            assert_eq!(code(&e), "challenge.late");
            assert_eq!(rule(&e), Some(("政府采购法".into(), "52".into())));
        }
        // A supplier that took no part cannot challenge.
        let outsider = who(&t.db, "entity04").await;
        let e = challenges::file_challenge(
            &t.db,
            &outsider,
            lot,
            &input,
            cn_day_start(last) + Duration::hours(9),
        )
        .await
        .expect_err("outsider");
        assert_eq!(code(&e), "challenge.not_participant");
        let filed_at = cn_day_start(last) + Duration::hours(16);
        let c = challenges::file_challenge(&t.db, &loser_actor, lot, &input, filed_at)
            .await
            .expect("on the last day");
        assert_eq!(c.knew_on, notice_ends);
        assert_eq!(c.reply_by, cal.add_working_days(last, WorkingDays(7)));
        assert_eq!(
            c.complaint_by,
            cal.add_working_days(c.reply_by, WorkingDays(15))
        );
        // The contract waits for the reply (条例 Art 54).
        let contract = evaluation::ContractInput {
            amount: "1690000".into(),
            signed_on: last,
        };
        let e = evaluation::record_contract(
            &t.db,
            &principal,
            lot,
            &contract,
            filed_at + Duration::hours(1),
        )
        .await
        .expect_err("pending");
        assert_eq!(code(&e), "procurement.challenge_pending");
        // A complaint before the reply or its period is refused.
        let complaint = challenges::GpComplaintInput {
            challenge_id: c.id,
            text: "未获答复。".into(),
        };
        let e = challenges::file_complaint(
            &t.db,
            &loser_actor,
            lot,
            &complaint,
            filed_at + Duration::days(1),
        )
        .await
        .expect_err("early");
        assert_eq!(code(&e), "complaint.before_reply");
        // No reply by the due day: the schedule alerts the supervisor the next morning.
        let next_day = cn_day_start(c.reply_by + Duration::days(1)) + Duration::hours(1);
        let fired = ggzy_store::regime::run_due(&t.db, next_day)
            .await
            .expect("run");
        assert!(
            fired
                .iter()
                .any(|f| f.action == schedule::CHALLENGE_REPLY_DUE && f.outcome == "1 overdue"),
            "{fired:?}"
        );
        let supervisor = who(&t.db, "supervisor").await;
        let alerts = ggzy_store::alerts::list(&t.db, &supervisor, &Default::default())
            .await
            .expect("alerts");
        assert!(
            alerts.iter().any(|a| a.kind == "challenge.reply_overdue"),
            "{alerts:?}"
        );
        // The complaint is in time on its last day and refused a working day later.
        let complaint_late = cal.add_working_days(c.complaint_by, WorkingDays(1));
        let e = challenges::file_complaint(
            &t.db,
            &loser_actor,
            lot,
            &complaint,
            cn_day_start(complaint_late) + Duration::hours(9),
        )
        .await
        .expect_err("late");
        assert_eq!(code(&e), "complaint.late");
        let filed = cn_day_start(c.complaint_by) + Duration::hours(9);
        let gc = challenges::file_complaint(&t.db, &loser_actor, lot, &complaint, filed)
            .await
            .expect("complaint");
        assert_eq!(
            gc.decide_due,
            cal.add_working_days(c.complaint_by, WorkingDays(30))
        );
        // The department accepts, suspends for at most 30 days, and decides; the decision is public.
        let step = |action: &str, until: Option<DateTime<Utc>>, text: Option<&str>| {
            challenges::ComplaintStepInput {
                action: action.into(),
                until,
                text: text.map(str::to_string),
            }
        };
        challenges::handle_complaint(
            &t.db,
            &supervisor,
            gc.id,
            &step("accept", None, None),
            filed + Duration::days(1),
        )
        .await
        .expect("accept");
        let e = challenges::handle_complaint(
            &t.db,
            &supervisor,
            gc.id,
            &step("suspend", Some(filed + Duration::days(32)), None),
            filed + Duration::days(1),
        )
        .await
        .expect_err("31 days");
        assert_eq!(code(&e), "procurement.suspension_max");
        challenges::handle_complaint(
            &t.db,
            &supervisor,
            gc.id,
            &step("suspend", Some(filed + Duration::days(31)), None),
            filed + Duration::days(1),
        )
        .await
        .expect("30 days");
        let e = challenges::reply_challenge(
            &t.db,
            &principal,
            lot,
            c.id,
            &challenges::ChallengeReplyInput {
                reply: "答复".into(),
                upheld: false,
            },
            filed + Duration::days(2),
        )
        .await;
        assert!(
            e.is_ok(),
            "a challenge may still be answered during a suspension: {e:?}"
        );
        let e = evaluation::record_contract(
            &t.db,
            &principal,
            lot,
            &contract,
            filed + Duration::days(2),
        )
        .await
        .expect_err("suspended");
        assert_eq!(code(&e), "procurement.suspended");
        // The principal cannot decide a complaint.
        let e = challenges::handle_complaint(
            &t.db,
            &principal,
            gc.id,
            &step("decide", None, Some("驳回")),
            filed + Duration::days(3),
        )
        .await
        .expect_err("not the department");
        assert!(code(&e).starts_with("forbidden"), "{e:?}");
        let done = challenges::handle_complaint(
            &t.db,
            &supervisor,
            gc.id,
            &step("decide", None, Some("投诉缺乏事实依据，驳回投诉。")),
            filed + Duration::days(3),
        )
        .await
        .expect("decide");
        assert!(done.published_at.is_some());
        let l = tendering::load(&t.db, lot).await.expect("lot");
        assert_eq!(
            l.state.suspended_until, None,
            "the decision lifts the suspension"
        );
        evaluation::record_contract(&t.db, &principal, lot, &contract, filed + Duration::days(4))
            .await
            .expect("contract after the decision");
        t.cleanup().await;
    }
}

/// A buyer naming an agency that is not on the platform gets a field error, as a construction
/// principal does — not a database failure.
#[tokio::test]
async fn a_registration_naming_an_unknown_agency_is_refused_on_its_field() {
    for (t, now) in crate::support::seeded().await {
        let principal = who(&t.db, "principal").await;
        let input = procurement::ProcurementInput {
            name: "办公设备采购".into(),
            description: "财政预算资金。".into(),
            principal_id: None,
            agency_id: Some(uuid::Uuid::now_v7()),
            region_code: "330200".into(),
            supervising_department: "宁波市财政局".into(),
            intention_id: None,
            category: "goods".into(),
            budget: "800000".into(),
            max_price: None,
            sme_reserved: false,
            method: PurchaseMethod::OpenTender.code().into(),
            grounds: vec![],
            approval_ref: None,
            original_contract: None,
            bid_bond: "10000".into(),
            evaluation: demo_procurement::points(),
            sme_small_percent: Some(10),
            sme_partner_percent: None,
        };
        let e = procurement::register(&t.db, &principal, &input, now)
            .await
            .expect_err("unknown agency");
        assert_eq!(code(&e), "project.unknown_agency", "{}: {e:?}", t.name);
        t.cleanup().await;
    }
}
