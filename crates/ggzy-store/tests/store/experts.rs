//! The expert pool and its draws on every backend: avoidance with every exclusion explained, the
//! drawn list hidden, a decline and a silence redrawn, sign-in on the day, credit that feeds the
//! next draw, fees, and a revealed draw that recomputes.

use crate::support::{code, seeded};
use chrono::{DateTime, Duration, Utc};
use ggzy_core::draw as dr;
use ggzy_demo::experts as demo_experts;
use ggzy_demo::tendering::{self as demo_tendering, Walk};
use ggzy_store::accounts::actor_of;
use ggzy_store::evaluation;
use ggzy_store::experts::draw::{self, CheckInInput, DrawInput, GroupInput, ReplyInput};
use ggzy_store::experts::{self, credit};
use ggzy_store::vault::BidVault;
use ggzy_store::{Db, ServiceError};
use std::sync::Arc;
use uuid::Uuid;

fn message(e: &ServiceError) -> String {
    match e {
        ServiceError::Invalid(i) => {
            i.0.iter()
                .map(|f| format!("{} / {}", f.message_zh, f.message_en))
                .collect()
        }
        other => other.to_string(),
    }
}

fn input(groups: &[(&str, u32)], at: DateTime<Utc>) -> DrawInput {
    DrawInput {
        groups: groups
            .iter()
            .map(|(c, n)| GroupInput {
                specialty: (*c).into(),
                count: *n,
            })
            .collect(),
        representatives: vec![],
        evaluation_on: ggzy_store::tendering::day(at).to_string(),
        reply_within_minutes: Some(60),
        cross_region: vec![],
    }
}

async fn opened_lot(
    db: &Db,
    vault: &Arc<BidVault>,
    name: &str,
    t0: DateTime<Utc>,
) -> (Uuid, DateTime<Utc>) {
    let lot = demo_tendering::walk(db, vault, name, "open_tender", Walk::Opened, t0)
        .await
        .expect("walk");
    (
        lot,
        demo_tendering::tender_notice(t0).bid_deadline + Duration::hours(1),
    )
}

async fn expert_id(db: &Db, username: &str) -> Uuid {
    let a = actor_of(db, username, "127.0.0.1").await.expect("account");
    experts::expert_of(db, &a)
        .await
        .expect("query")
        .expect("expert")
}

#[tokio::test]
async fn a_draw_avoids_every_tie_and_confirms_with_redraws() {
    for (t, now) in seeded().await {
        let vault = Arc::new(BidVault::temporary().expect("vault"));
        let t0 = now - Duration::days(30);
        let (lot, at) = opened_lot(&t.db, &vault, "专家抽取测试工程", t0).await;
        let staff = actor_of(&t.db, "staff", "10.0.0.5").await.expect("staff");
        let supervisor = actor_of(&t.db, "supervisor", "10.0.0.6")
            .await
            .expect("supervisor");
        let principal = actor_of(&t.db, "principal", "10.0.0.7")
            .await
            .expect("principal");

        // Four members is too few for a construction committee (法 Art 37).
        let e = draw::request(&t.db, &staff, lot, &input(&[("A08", 4)], at), at)
            .await
            .expect_err("4");
        assert_eq!(code(&e), "evaluation.committee_size", "{}", t.name);
        // A specialty with two eligible experts cannot fill three places: the numbers come back.
        let e = draw::request(
            &t.db,
            &staff,
            lot,
            &input(&[("A0803", 3), ("A09", 2)], at),
            at,
        )
        .await
        .expect_err("short");
        assert_eq!(code(&e), "draw.too_few_experts", "{}", t.name);
        assert!(
            message(&e).contains("needs 3 but only 2"),
            "{}",
            message(&e)
        );
        // Nobody but staff draws.
        let e = draw::request(
            &t.db,
            &principal,
            lot,
            &input(&[("A08", 3), ("A09", 2)], at),
            at,
        )
        .await
        .expect_err("principal");
        assert!(matches!(e, ServiceError::Forbidden(_)), "{}", t.name);

        draw::request(
            &t.db,
            &staff,
            lot,
            &input(&[("A08", 3), ("A09", 2)], at),
            at,
        )
        .await
        .expect("draw");
        let v = draw::view(&t.db, &staff, lot)
            .await
            .expect("view")
            .expect("draw");
        let picks = v.picks.clone().expect("the runner sees the list");
        assert_eq!(picks.len(), 5);
        let excluded = v.excluded.clone().expect("excluded list");
        let why = |u: &str| {
            excluded
                .iter()
                .find(|x| x.name == u)
                .map(|x| x.reasons.join(";"))
                .unwrap_or_default()
        };
        for (name, reason) in [
            ("唐亮", "投标人的在职人员"),
            ("韩雪", "三年内曾在"),
            ("冯刚", "未在库"),
            ("曹阳", "职称不符"),
            ("彭飞", "不可参加"),
            ("曾凡", "失信"),
            ("吕强", "行政监督部门"),
        ] {
            assert!(
                why(name).contains(reason),
                "{}: {name} → {:?}",
                t.name,
                why(name)
            );
        }
        for p in &picks {
            assert!(
                excluded.iter().all(|x| x.expert_id != p.expert_id),
                "an excluded expert was drawn"
            );
        }
        let rules: Vec<&str> = v.rounds[0]
            .excluded_by_rule
            .iter()
            .map(|r| r.rule.as_str())
            .collect();
        for r in [
            "party_employee",
            "former_party_employee",
            "inactive",
            "unqualified",
            "unavailable",
            "dishonest",
            "supervising_staff",
        ] {
            assert!(rules.contains(&r), "{}: {r} in {rules:?}", t.name);
        }
        // Hidden from everyone else until the result is published; the supervisor sees exclusions.
        let sv = draw::view(&t.db, &supervisor, lot)
            .await
            .expect("view")
            .expect("draw");
        assert!(sv.picks.is_none() && sv.excluded.is_some(), "{}", t.name);
        let pv = draw::view(&t.db, &principal, lot)
            .await
            .expect("view")
            .expect("draw");
        assert!(pv.picks.is_none() && pv.excluded.is_none(), "{}", t.name);
        let proof = draw::proof(&t.db, lot).await.expect("proof");
        assert!(
            !proof.revealed && proof.rounds[0].seed.is_none() && proof.rounds[0].picks.is_empty()
        );
        assert_eq!(proof.rounds[0].commitment.len(), 64);

        // The first declines (a reason is required), which draws round 2 at once.
        let first = actor_of(&t.db, &picks[0].username, "10.1.0.1")
            .await
            .expect("expert");
        let e = draw::reply(
            &t.db,
            &first,
            lot,
            &ReplyInput {
                accept: false,
                reason: String::new(),
            },
            at,
        )
        .await
        .expect_err("no reason");
        assert_eq!(code(&e), "draw.reason_required");
        draw::reply(
            &t.db,
            &first,
            lot,
            &ReplyInput {
                accept: false,
                reason: "出差".into(),
            },
            at,
        )
        .await
        .expect("decline");
        let v = draw::view(&t.db, &staff, lot)
            .await
            .expect("view")
            .expect("draw");
        assert_eq!(v.rounds.len(), 2, "{}", t.name);
        let invited: Vec<_> = v
            .picks
            .clone()
            .unwrap_or_default()
            .into_iter()
            .filter(|p| p.status == "invited")
            .collect();
        assert_eq!(invited.len(), 5);
        assert!(
            invited.iter().all(|p| p.username != picks[0].username),
            "the decliner is not drawn again"
        );
        // One stays silent: past the reply window the scheduler counts it as a decline and redraws.
        let silent = invited[0].username.clone();
        for p in &invited[1..] {
            let a = actor_of(&t.db, &p.username, "10.1.0.2")
                .await
                .expect("expert");
            draw::reply(
                &t.db,
                &a,
                lot,
                &ReplyInput {
                    accept: true,
                    reason: String::new(),
                },
                at,
            )
            .await
            .expect("accept");
        }
        let late = at + Duration::minutes(61);
        ggzy_store::regime::run_due(&t.db, late)
            .await
            .expect("schedule");
        let v = draw::view(&t.db, &staff, lot)
            .await
            .expect("view")
            .expect("draw");
        let all = v.picks.clone().unwrap_or_default();
        assert_eq!(
            all.iter()
                .find(|p| p.username == silent)
                .map(|p| p.status.as_str()),
            Some("no_answer"),
            "{}",
            t.name
        );
        assert_eq!(v.rounds.len(), 3, "{}", t.name);
        let a_silent = actor_of(&t.db, &silent, "10.1.0.3").await.expect("expert");
        let e = draw::reply(
            &t.db,
            &a_silent,
            lot,
            &ReplyInput {
                accept: true,
                reason: String::new(),
            },
            late,
        )
        .await
        .expect_err("late");
        assert_eq!(code(&e), "draw.already_replied");
        let last = all
            .iter()
            .find(|p| p.status == "invited")
            .expect("round 3 pick")
            .username
            .clone();
        let a_last = actor_of(&t.db, &last, "10.1.0.4").await.expect("expert");
        draw::reply(
            &t.db,
            &a_last,
            lot,
            &ReplyInput {
                accept: true,
                reason: String::new(),
            },
            late,
        )
        .await
        .expect("accept");
        let v = draw::view(&t.db, &staff, lot)
            .await
            .expect("view")
            .expect("draw");
        assert_eq!(v.status, "formed", "{}", t.name);
        let members = evaluation::members(&t.db, &staff, lot)
            .await
            .expect("members");
        assert_eq!(members.len(), 5);
        assert!(members.iter().all(|m| m.assignment == "drawn"));
        assert!(
            evaluation::members(&t.db, &principal, lot)
                .await
                .expect("members")
                .is_empty(),
            "hidden from the principal"
        );

        // Sign-in on the day with the identity card number before scoring.
        let seated: Vec<String> = v
            .picks
            .unwrap_or_default()
            .into_iter()
            .filter(|p| p.status == "accepted")
            .map(|p| p.username)
            .collect();
        let m0 = actor_of(&t.db, &seated[0], "10.2.0.1")
            .await
            .expect("member");
        let e = evaluation::submit_sheet(&t.db, &m0, lot, &Default::default(), late)
            .await
            .expect_err("not signed in");
        assert_eq!(code(&e), "evaluation.not_checked_in", "{}", t.name);
        let e = draw::check_in(
            &t.db,
            &m0,
            lot,
            &CheckInInput {
                id_number: ggzy_core::expert::complete_id_number("11010519491231002"),
            },
            late,
        )
        .await
        .expect_err("wrong id");
        assert_eq!(code(&e), "draw.identity_mismatch");
        let e = draw::check_in(
            &t.db,
            &m0,
            lot,
            &CheckInInput {
                id_number: demo_experts::id_number(&seated[0]),
            },
            late + Duration::days(1),
        )
        .await
        .expect_err("wrong day");
        assert_eq!(code(&e), "draw.not_today");
        draw::check_in(
            &t.db,
            &m0,
            lot,
            &CheckInInput {
                id_number: demo_experts::id_number(&seated[0]),
            },
            late,
        )
        .await
        .expect("check in");

        // Clarifications go through the platform, in writing: only members ask, only the bidder answers.
        let bidder = actor_of(&t.db, "bidder", "10.3.0.1").await.expect("bidder");
        let other = actor_of(&t.db, "entity03", "10.3.0.2")
            .await
            .expect("bidder");
        let ask = evaluation::AskInput {
            bidder_id: bidder.entity_id.expect("entity"),
            question: "请说明第3章施工组织设计中的工期安排".into(),
        };
        let e = evaluation::ask_bidder(&t.db, &principal, lot, &ask, late)
            .await
            .expect_err("principal");
        assert!(matches!(e, ServiceError::Forbidden(_)));
        let q = evaluation::ask_bidder(&t.db, &m0, lot, &ask, late)
            .await
            .expect("ask");
        assert!(
            evaluation::bidder_clarifications(&t.db, &other, lot)
                .await
                .expect("list")
                .is_empty(),
            "another bidder sees nothing"
        );
        let e = evaluation::answer_bidder_clarification(
            &t.db,
            &other,
            q,
            &evaluation::AnswerInput { answer: "x".into() },
            late,
        )
        .await
        .expect_err("not theirs");
        assert!(matches!(e, ServiceError::NotFound(_)));
        evaluation::answer_bidder_clarification(
            &t.db,
            &bidder,
            q,
            &evaluation::AnswerInput {
                answer: "工期 520 日历天，详见附表".into(),
            },
            late,
        )
        .await
        .expect("answer");
        let e = evaluation::answer_bidder_clarification(
            &t.db,
            &bidder,
            q,
            &evaluation::AnswerInput {
                answer: "again".into(),
            },
            late,
        )
        .await
        .expect_err("twice");
        assert_eq!(code(&e), "evaluation.already_answered");
        let seen = evaluation::bidder_clarifications(&t.db, &m0, lot)
            .await
            .expect("list");
        assert_eq!(
            seen[0].answer.as_deref(),
            Some("工期 520 日历天，详见附表"),
            "{}",
            t.name
        );
        t.cleanup().await;
    }
}

#[tokio::test]
async fn credit_feeds_the_next_draw_and_a_revealed_draw_recomputes() {
    for (t, now) in seeded().await {
        let vault = Arc::new(BidVault::temporary().expect("vault"));
        let supervisor = actor_of(&t.db, "supervisor", "10.0.0.6")
            .await
            .expect("supervisor");
        let staff = actor_of(&t.db, "staff", "10.0.0.5").await.expect("staff");
        // A ban and a heavy deduction, recorded with their legal basis.
        let banned = expert_id(&t.db, "expert08").await;
        credit::record_misconduct(
            &t.db,
            &supervisor,
            banned,
            &credit::MisconductInput {
                lot_id: None,
                description: "私下接触投标人".into(),
                regulation: "招标投标法实施条例".into(),
                article: "72".into(),
                points: 20,
                voids_scores: false,
                ban: Some(credit::BanInput {
                    until: Some(
                        (ggzy_store::tendering::day(now) + Duration::days(365)).to_string(),
                    ),
                    scope: vec!["construction".into()],
                }),
            },
            now,
        )
        .await
        .expect("ban");
        let low = expert_id(&t.db, "expert14").await;
        credit::record_misconduct(
            &t.db,
            &supervisor,
            low,
            &credit::MisconductInput {
                lot_id: None,
                description: "评标打分明显不公".into(),
                regulation: "招标投标法实施条例".into(),
                article: "71".into(),
                points: 41,
                voids_scores: false,
                ban: None,
            },
            now,
        )
        .await
        .expect("deduction");
        assert_eq!(
            credit::score(&t.db, low, ggzy_store::tendering::day(now))
                .await
                .expect("score"),
            59
        );
        let e = credit::record_misconduct(
            &t.db,
            &staff,
            low,
            &credit::MisconductInput {
                lot_id: None,
                description: "x".into(),
                regulation: "y".into(),
                article: "1".into(),
                points: 1,
                voids_scores: false,
                ban: None,
            },
            now,
        )
        .await
        .expect_err("staff may not");
        assert!(matches!(e, ServiceError::Forbidden(_)));

        let t0 = now - Duration::days(25);
        // Drawn today, so the bans and the deduction recorded above are in force.
        let (lot, _) = opened_lot(&t.db, &vault, "信用抽取测试工程", t0).await;
        let at = now;
        draw::request(
            &t.db,
            &staff,
            lot,
            &input(&[("A08", 3), ("A09", 2)], at),
            at,
        )
        .await
        .expect("draw");
        let v = draw::view(&t.db, &staff, lot)
            .await
            .expect("view")
            .expect("draw");
        let ex = v.excluded.unwrap_or_default();
        let reasons = |id: Uuid| {
            ex.iter()
                .find(|x| x.expert_id == id)
                .map(|x| x.reasons.join(";"))
                .unwrap_or_default()
        };
        assert!(
            reasons(banned).contains("禁止评标"),
            "{}: {:?}",
            t.name,
            reasons(banned)
        );
        assert!(
            reasons(low).contains("信用分"),
            "{}: {:?}",
            t.name,
            reasons(low)
        );

        // The demo's awarded lot: its draw is revealed and recomputes; a changed pool does not.
        let awarded = demo_tendering::walk(
            &t.db,
            &vault,
            "公开抽取复核工程",
            "open_tender",
            Walk::Awarded,
            now - Duration::days(40),
        )
        .await
        .expect("walk");
        let proof = draw::proof(&t.db, awarded).await.expect("proof");
        assert!(proof.revealed, "{}", t.name);
        assert!(
            proof.rounds.len() >= 2,
            "the demo declines once, so there is a redraw"
        );
        for r in &proof.rounds {
            assert_eq!(dr::verify(r), Ok(()), "{} round {}", t.name, r.round);
        }
        let mut bad = proof.rounds[0].clone();
        bad.groups[0].eligible.retain(|e| *e != bad.picks[0].expert);
        assert_eq!(dr::verify(&bad), Err(dr::VerifyError::Snapshot(bad.round)));
        // After the report the principal and the supervisor rate each expert; fees were computed.
        let principal = actor_of(&t.db, "principal", "10.0.0.7")
            .await
            .expect("principal");
        let members = evaluation::members(&t.db, &principal, awarded)
            .await
            .expect("members");
        let seated = members
            .iter()
            .find(|m| m.member_kind == "expert")
            .expect("expert");
        let eid: (Uuid,) = match &t.db {
            Db::Sqlite(p) => sqlx::query_as("SELECT id FROM experts WHERE account_id = $1")
                .bind(seated.account_id)
                .fetch_one(p)
                .await
                .expect("id"),
            Db::Pg(p) => sqlx::query_as("SELECT id FROM experts WHERE account_id = $1")
                .bind(seated.account_id)
                .fetch_one(p)
                .await
                .expect("id"),
        };
        for (who, stars) in [(&principal, 6u32), (&principal, 4), (&supervisor, 5)] {
            let r = credit::rate(
                &t.db,
                who,
                awarded,
                &credit::RatingInput {
                    expert_id: eid.0,
                    stars,
                    comment: "认真负责".into(),
                },
                now,
            )
            .await;
            if stars == 6 {
                assert_eq!(code(&r.expect_err("6 stars")), "rating.stars");
            } else {
                r.expect("rate");
            }
        }
        let e = credit::rate(
            &t.db,
            &principal,
            awarded,
            &credit::RatingInput {
                expert_id: eid.0,
                stars: 3,
                comment: String::new(),
            },
            now,
        )
        .await
        .expect_err("twice");
        assert_eq!(code(&e), "rating.exists");
        let c = credit::credit(&t.db, &supervisor, eid.0, now)
            .await
            .expect("credit");
        assert_eq!((c.ratings, c.average_stars), (2, Some(4.5)));
        assert_eq!(c.fees.len(), 1, "{}", t.name);
        assert!(
            c.fees[0].amount >= 40_000,
            "at least one session: {:?}",
            c.fees
        );
        t.cleanup().await;
    }
}

/// An account of `role` in `region` only, made here rather than seeded.
fn branch(role: ggzy_core::role::Role, region: &str) -> ggzy_store::Actor {
    ggzy_store::Actor::account(
        Uuid::now_v7(),
        format!("{}_{region}", role.as_str()),
        region.into(),
        None,
        vec![ggzy_store::actor::Grant {
            role,
            region: ggzy_core::region::DivisionCode::parse("region", region).expect("code"),
        }],
        "127.0.0.1".into(),
    )
}

#[tokio::test]
async fn the_expert_registry_and_fee_standards_belong_to_their_region() {
    use ggzy_core::role::Role;
    for (t, now) in seeded().await {
        let city = actor_of(&t.db, "staff", "127.0.0.1").await.expect("staff");
        let all = experts::list(&t.db, &city, None, now).await.expect("list");
        let haishu = branch(Role::CenterStaff, "330203");
        let theirs = experts::list(&t.db, &haishu, None, now)
            .await
            .expect("list");
        assert!(
            !theirs.is_empty() && theirs.len() < all.len(),
            "{} of {}",
            theirs.len(),
            all.len()
        );
        assert!(theirs.iter().all(|e| e.region_code == "330203"));
        let city_expert = all
            .iter()
            .find(|e| e.region_code == "330200")
            .expect("city expert");
        assert!(matches!(
            experts::get(&t.db, &haishu, city_expert.id, now).await,
            Err(ServiceError::Forbidden(_))
        ));
        experts::get(&t.db, &city, city_expert.id, now)
            .await
            .expect("the city reads its own");
        // A branch's administrator sets the branch's fees, not the city's.
        let admin = branch(Role::Admin, "330203");
        let fees = ggzy_core::expert::FeeStandard {
            per_session: ggzy_core::money::Money::from_fen(80_000),
            session_hours: 4,
            remote_allowance: ggzy_core::money::Money::from_fen(20_000),
        };
        let city_code = ggzy_core::region::DivisionCode::parse("region", "330200").expect("code");
        let own = ggzy_core::region::DivisionCode::parse("region", "330203").expect("code");
        assert!(matches!(
            credit::put_fee_standard(&t.db, &admin, &city_code, &fees, now).await,
            Err(ServiceError::Forbidden(_))
        ));
        credit::put_fee_standard(&t.db, &admin, &own, &fees, now)
            .await
            .expect("own region");
        t.cleanup().await;
    }
}
