//! Company credit on every backend: what a supervisor may record, a bidding ban that refuses a
//! bid one second before its end and lets it in at the end, the check kept for each refusal,
//! the award passing over a candidate barred since the evaluation, and what the public sees.

use crate::support::{bid_as, code, seeded, tendering_lot, who};
use chrono::{DateTime, Duration, Months, NaiveDate, Utc};
use ggzy_core::credit::Trade;
use ggzy_core::credit::correction::CorrectionKind::{Objection, Repair};
use ggzy_core::credit::period;
use ggzy_demo::tendering::{self as demo_tendering, Walk};
use ggzy_store::credit::correction::{self, CreditCorrectionInput, DecisionInput};
use ggzy_store::credit::{self, RecordInput};
use ggzy_store::evaluation::{self, AwardInput};
use ggzy_store::tendering::{self, bids, sealing};
use ggzy_store::vault::BidVault;
use ggzy_store::{Db, ServiceError};
use std::sync::Arc;
use uuid::Uuid;

fn beijing_day(t: DateTime<Utc>) -> NaiveDate {
    (t + Duration::hours(8)).date_naive()
}

/// A one-year ban for false documents (条例 Art 68) whose last day is `last`.
fn ban(uscc: &str, last: NaiveDate, decision_no: &str) -> RecordInput {
    let first = last
        .succ_opt()
        .and_then(|d| d.checked_sub_months(Months::new(12)))
        .expect("date");
    RecordInput {
        uscc: uscc.into(),
        kind: "bidding_ban".into(),
        ground: Some("tender_fraud".into()),
        decision_no: decision_no.into(),
        authority: "宁波市住房和城乡建设局".into(),
        basis: "招标投标法实施条例第六十八条".into(),
        facts: "以他人名义投标，提供虚假业绩证明。".into(),
        decided_on: first,
        starts_on: first,
        ends_on: Some(last),
        region_code: "330200".into(),
        ..RecordInput::default()
    }
}

async fn uscc_of(db: &Db, user: &str) -> (Uuid, String) {
    let a = who(db, user).await;
    let entity = a.entity_id.expect("entity");
    (entity, sealing::uscc_of(db, entity).await.expect("uscc"))
}

#[tokio::test]
async fn only_a_supervisor_records_and_a_ban_is_as_long_as_its_article_allows() {
    for (t, now) in seeded().await {
        let supervisor = who(&t.db, "supervisor").await;
        let (_, uscc) = uscc_of(&t.db, "entity05").await;
        let last = beijing_day(now) + Duration::days(100);
        let good = ban(&uscc, last, "甬建罚〔2025〕1号");

        // Least privilege: a principal or the centre's staff cannot record.
        for u in ["principal", "staff", "bidder"] {
            let a = who(&t.db, u).await;
            let e = credit::record(&t.db, &a, &good, now).await.expect_err(u);
            assert!(code(&e).starts_with("forbidden:"), "{u}: {}", code(&e));
        }
        // A supervisor of another city cannot record for this one.
        let mut elsewhere = good.clone();
        elsewhere.region_code = "330100".into();
        let e = credit::record(&t.db, &supervisor, &elsewhere, now)
            .await
            .expect_err("region");
        assert!(code(&e).starts_with("forbidden:"), "{}", code(&e));

        // 条例 Art 68: one to three years. One day short and one day long are refused.
        let mut short = good.clone();
        short.ends_on = last.pred_opt();
        let e = credit::record(&t.db, &supervisor, &short, now)
            .await
            .expect_err("short");
        assert_eq!(code(&e), "credit.ban_length", "{}", t.name);
        if let ServiceError::Invalid(i) = &e {
            let rule = i.0[0].rule.as_ref().expect("cites its article");
            assert_eq!(rule.regulation, "招标投标法实施条例");
            assert_eq!(rule.article, "68");
        }
        let mut long = good.clone();
        long.ends_on = good
            .starts_on
            .checked_add_months(Months::new(36))
            .and_then(|d| d.succ_opt());
        let e = credit::record(&t.db, &supervisor, &long, now)
            .await
            .expect_err("long");
        assert_eq!(code(&e), "credit.ban_length");
        let mut longest = good.clone();
        longest.decision_no = "甬建罚〔2025〕2号".into();
        longest.ends_on = good
            .starts_on
            .checked_add_months(Months::new(36))
            .and_then(|d| d.pred_opt());
        credit::record(&t.db, &supervisor, &longest, now)
            .await
            .expect("three years exactly");

        // A ban without a ground, a finding without evidence, a bad code: field errors.
        let mut groundless = good.clone();
        groundless.ground = None;
        let e = credit::record(&t.db, &supervisor, &groundless, now)
            .await
            .expect_err("ground");
        assert_eq!(code(&e), "credit.ground_required");
        let mut finding = good.clone();
        finding.kind = "platform_finding".into();
        finding.ground = None;
        let e = credit::record(&t.db, &supervisor, &finding, now)
            .await
            .expect_err("evidence");
        assert_eq!(code(&e), "credit.finding_without_evidence");
        finding.evidence = vec![i64::MAX];
        let e = credit::record(&t.db, &supervisor, &finding, now)
            .await
            .expect_err("no such event");
        assert_eq!(code(&e), "credit.no_such_event");
        let mut bad = good.clone();
        bad.uscc = "91330200MA2H00000X".into();
        assert!(credit::record(&t.db, &supervisor, &bad, now).await.is_err());

        // Recorded once: the same decision again is refused on its number.
        let v = credit::record(&t.db, &supervisor, &good, now)
            .await
            .expect("recorded");
        assert_eq!(
            Some(v.row.entity_name.clone()),
            credit::registered_name(&t.db, &uscc).await.expect("name"),
            "the registry's name is used"
        );
        assert!(v.in_force);
        let e = credit::record(&t.db, &supervisor, &good, now)
            .await
            .expect_err("twice");
        assert_eq!(code(&e), "credit.already_recorded");

        // The public sees it, with the trades it bars, until its last day ends.
        let shown = credit::public_of(&t.db, &uscc, now).await.expect("public");
        assert_eq!(shown.len(), 2);
        let bans = credit::public_bans(&t.db, now, 50).await.expect("bans");
        assert!(bans.iter().any(|b| b.row.id == v.row.id));
        let (_, end) = period(good.starts_on, good.ends_on);
        let end = end.expect("bounded");
        let at_end = credit::public_of(&t.db, &uscc, end).await.expect("public");
        assert_eq!(at_end.len(), 1, "only the three-year ban is still shown");
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_ban_refuses_a_bid_until_the_instant_it_ends() {
    for (t, now) in seeded().await {
        let vault = Arc::new(BidVault::temporary().expect("vault"));
        let t0 = now - Duration::days(20);
        let lot = demo_tendering::walk(
            &t.db,
            &vault,
            "信用测试工程",
            "open_tender",
            Walk::Tendering,
            t0,
        )
        .await
        .expect("walk");
        let supervisor = who(&t.db, "supervisor").await;
        let (_, uscc) = uscc_of(&t.db, "bidder").await;
        // The ban's last day is `now`'s; it ends at 00:00 Beijing the next day, before the deadline.
        let last = beijing_day(now);
        let rec = credit::record(
            &t.db,
            &supervisor,
            &ban(&uscc, last, "甬建罚〔2025〕7号"),
            now,
        )
        .await
        .expect("recorded");
        let end = rec.restricts_until.expect("bounded");
        assert!(
            end < t0 + Duration::days(21),
            "the ban ends before the deadline"
        );

        let bidder = who(&t.db, "bidder").await;
        let sealed = demo_tendering::seal_bid(
            &t.db,
            lot,
            "bidder",
            &demo_tendering::bid_form(0),
            vec![("v.txt".into(), b"second".to_vec())],
        )
        .await
        .expect("seal");
        let inside = end - Duration::seconds(1);
        let e = bids::submit(
            &t.db,
            &vault,
            &bidder,
            lot,
            sealed.clone(),
            &bids::Origin::default(),
            &move || inside,
        )
        .await
        .expect_err("barred");
        assert_eq!(code(&e), "credit.barred", "{}", t.name);
        let ServiceError::Invalid(i) = &e else {
            unreachable!()
        };
        let f = &i.0[0];
        assert_eq!(
            f.record.as_deref(),
            Some(format!("credit_record:{}", rec.row.id).as_str())
        );
        let rule = f.rule.as_ref().expect("rule");
        assert_eq!(
            (rule.regulation, rule.article),
            ("招标投标法实施条例", "68")
        );
        assert!(
            f.message_zh.contains("甬建罚〔2025〕7号"),
            "{}",
            f.message_zh
        );

        // The refusal is kept in the check log, with the record that caused it.
        let l = tendering::load(&t.db, lot).await.expect("lot");
        let checks = credit::checks_of(&t.db, &l.trade_code)
            .await
            .expect("checks");
        assert!(
            checks
                .iter()
                .any(|c| c.uscc == uscc && c.point == "bid" && c.record_id == Some(rec.row.id)),
            "{checks:?}"
        );

        // At the end instant the ban no longer applies.
        bids::submit(
            &t.db,
            &vault,
            &bidder,
            lot,
            sealed,
            &bids::Origin::default(),
            &move || end,
        )
        .await
        .expect("in at the end");
        t.cleanup().await;
    }
}

#[tokio::test]
async fn the_award_passes_over_a_candidate_barred_since_the_evaluation() {
    for (t, now) in seeded().await {
        let vault = Arc::new(BidVault::temporary().expect("vault"));
        let t0 = now - Duration::days(40);
        let lot = demo_tendering::walk(
            &t.db,
            &vault,
            "定标信用测试工程",
            "open_tender",
            Walk::Publicity,
            t0,
        )
        .await
        .expect("walk");
        let l = tendering::load(&t.db, lot).await.expect("lot");
        let first = l.state.candidates[0];
        let second = l.state.candidates[1];
        let first_uscc = sealing::uscc_of(&t.db, first).await.expect("uscc");
        let supervisor = who(&t.db, "supervisor").await;
        let principal = who(&t.db, "principal").await;
        let deadline = t0 + Duration::days(21);
        let award_at = deadline + Duration::days(5);
        ggzy_store::regime::run_due(&t.db, award_at)
            .await
            .expect("due");

        // The first-ranked candidate is banned from the day of the award.
        let last = beijing_day(award_at)
            .checked_add_months(Months::new(12))
            .and_then(|d| d.pred_opt())
            .expect("date");
        let mut rec = ban(&first_uscc, last, "甬建罚〔2025〕9号");
        rec.decided_on = beijing_day(award_at);
        rec.starts_on = beijing_day(award_at);
        credit::record(&t.db, &supervisor, &rec, award_at)
            .await
            .expect("recorded");

        // Choosing the barred candidate is refused with the record; the next in rank is not.
        let e = evaluation::award(
            &t.db,
            &principal,
            lot,
            &AwardInput { winner: first },
            award_at,
        )
        .await
        .expect_err("barred");
        assert_eq!(code(&e), "credit.barred", "{}", t.name);
        evaluation::award(
            &t.db,
            &principal,
            lot,
            &AwardInput { winner: second },
            award_at,
        )
        .await
        .expect("the next in rank");
        let l = tendering::load(&t.db, lot).await.expect("lot");
        assert_eq!(l.state.winner, Some(second));
        let checks = credit::checks_of(&t.db, &l.trade_code)
            .await
            .expect("checks");
        let award_checks: Vec<_> = checks.iter().filter(|c| c.point == "award").collect();
        assert_eq!(
            award_checks.len(),
            2,
            "both candidates checked at the award: {checks:?}"
        );
        assert!(
            award_checks
                .iter()
                .any(|c| c.uscc == first_uscc && c.record_id.is_some())
        );
        // The result notice names who was passed over and by which record.
        let result = ggzy_store::notices::of_deal(&t.db, &l.trade_code)
            .await
            .expect("notices")
            .into_iter()
            .find(|n| n.notice_kind == "result")
            .expect("result notice");
        assert!(
            result.body.contains("依次递补") && result.body.contains("甬建罚〔2025〕9号"),
            "{}: {}",
            t.name,
            result.body
        );
        t.cleanup().await;
    }
}

/// An inline-string cell of a sheet row.
fn cell(col: char, row: usize, v: &str) -> String {
    format!(r#"<c r="{col}{row}" t="inlineStr"><is><t>{v}</t></is></c>"#)
}

#[tokio::test]
async fn a_list_is_imported_once_from_csv_xlsx_or_a_folder_and_bars_at_once() {
    use ggzy_core::credit::{RecordKind, Trade};
    use ggzy_store::credit::import;
    for (t, now) in seeded().await {
        let (bidder, bidder_uscc) = uscc_of(&t.db, "bidder").await;
        let outsider = ggzy_core::uscc::complete("91330100MA2J0001")
            .expect("code")
            .as_str()
            .to_string();
        let csv = format!(
            "被执行人名称,统一社会信用代码,执行法院,执行依据文号,立案时间,失信行为情形\n\
             ,{bidder_uscc},宁波市鄞州区人民法院,（2025）浙0212执1号,2025-01-02,拒不履行\n\
             杭州某公司,{outsider},杭州市中级人民法院,（2025）浙01执2号,2025年1月3日,\n\
             坏行,91330200MA2H0000XX,某法院,（2025）浙01执3号,2025-01-04,\n"
        );
        assert!(
            credit::barring(&t.db, bidder, Trade::Construction, now)
                .await
                .expect("bar")
                .is_none()
        );
        let r = import::import(
            &t.db,
            RecordKind::JudgmentDefaulter,
            "judgment_defaulter.csv",
            csv.as_bytes(),
            now,
        )
        .await
        .expect("imported");
        assert_eq!(
            (r.rows, r.added, r.already_held, r.refused.len()),
            (3, 2, 0, 1),
            "{}: {r:?}",
            t.name
        );
        assert_eq!(r.refused[0].row, 4);
        assert_eq!(r.refused[0].field, "uscc");
        // The same file again adds nothing and says so.
        let again = import::import(
            &t.db,
            RecordKind::JudgmentDefaulter,
            "judgment_defaulter.csv",
            csv.as_bytes(),
            now,
        )
        .await
        .expect("again");
        assert_eq!((again.added, again.already_held), (0, 2), "{}", t.name);
        assert_ne!(again.event_seq, r.event_seq, "every import is logged");
        // The defaulter is barred from works tendering at once, by the imported entry, with
        // the registry's name where the list gave none.
        let (row, bar) = credit::barring(&t.db, bidder, Trade::Construction, now)
            .await
            .expect("bar")
            .expect("barred");
        assert_eq!(row.decision_no, "（2025）浙0212执1号");
        assert_eq!(row.event_seq, r.event_seq);
        assert_eq!(bar.regulation, ggzy_core::credit::FA_285);

        // An XLSX of the tax list, and a folder holding a list and a stray file.
        let sheet = format!(
            r#"<row r="1">{}{}{}{}{}</row><row r="2">{}{}{}{}{}</row>"#,
            cell('A', 1, "纳税人名称"),
            cell('B', 1, "统一社会信用代码"),
            cell('C', 1, "认定机关"),
            cell('D', 1, "决定文书号"),
            cell('E', 1, "认定日期"),
            cell('A', 2, "杭州某公司"),
            cell('B', 2, &outsider),
            cell('C', 2, "国家税务总局杭州市税务局"),
            cell('D', 2, "杭税稽罚〔2025〕5号"),
            cell('E', 2, "2025-02-01"),
        );
        let dir = tempfile::tempdir().expect("dir");
        std::fs::write(
            dir.path().join("major_tax_violator-2025-05.xlsx"),
            ggzy_demo::testing::workbook(None, &sheet),
        )
        .expect("write");
        std::fs::write(dir.path().join("unknown-list.csv"), "a,b\n").expect("write");
        std::fs::write(dir.path().join("notes.txt"), "left alone").expect("write");
        let done = import::import_folder(&t.db, dir.path(), now)
            .await
            .expect("folder");
        assert_eq!(done.len(), 1);
        assert_eq!(
            (done[0].list.as_str(), done[0].added),
            ("major_tax_violator", 1)
        );
        assert!(
            dir.path()
                .join("done/major_tax_violator-2025-05.xlsx")
                .exists()
        );
        assert!(
            dir.path()
                .join("done/major_tax_violator-2025-05.xlsx.report.json")
                .exists()
        );
        assert!(dir.path().join("refused/unknown-list.csv").exists());
        assert!(dir.path().join("notes.txt").exists());
        let public = credit::public_of(&t.db, &outsider, now)
            .await
            .expect("public");
        assert_eq!(public.len(), 2, "{}", t.name);

        // A bidding ban is a decision, never a list entry.
        let e = import::import(&t.db, RecordKind::BiddingBan, "x.csv", csv.as_bytes(), now)
            .await
            .expect_err("not a list");
        assert_eq!(code(&e), "credit.not_a_list");
        t.cleanup().await;
    }
}

/// An administrative penalty on `uscc` decided and in force from `decided_on`, with no end of
/// its own (a major one bars procurement for three years, 政府采购法 Art 22).
fn penalty(uscc: &str, decided_on: NaiveDate, major: bool, decision_no: &str) -> RecordInput {
    RecordInput {
        uscc: uscc.into(),
        kind: "administrative_penalty".into(),
        major,
        decision_no: decision_no.into(),
        authority: "宁波市财政局".into(),
        basis: "政府采购法第七十七条".into(),
        facts: "提供虚假材料。".into(),
        decided_on,
        starts_on: decided_on,
        region_code: "330200".into(),
        trade_kind: Some("procurement".into()),
        ..RecordInput::default()
    }
}

/// A penalty states the trade it concerns, under whose notices it is published; a ban's ground
/// implies it.
#[tokio::test]
async fn a_penalty_states_its_trade_and_is_published_under_it() {
    for (t, now) in seeded().await {
        let db = &t.db;
        let supervisor = who(db, "supervisor").await;
        let (_, uscc) = uscc_of(db, "entity03").await;
        let mut p = penalty(&uscc, beijing_day(now), false, "甬财采罚〔2026〕8号");
        p.trade_kind = None;
        let e = credit::record(db, &supervisor, &p, now)
            .await
            .expect_err("no trade");
        assert_eq!(code(&e), "credit.trade_kind_required", "{}", t.name);
        p.trade_kind = Some("fishing".into());
        let e = credit::record(db, &supervisor, &p, now)
            .await
            .expect_err("no such trade");
        assert_eq!(code(&e), "credit.unknown_trade_kind", "{}", t.name);
        p.trade_kind = Some("procurement".into());
        credit::record(db, &supervisor, &p, now)
            .await
            .expect("recorded");
        let f = ggzy_store::notices::FeedFilter {
            trade_kind: Some("procurement".into()),
            notice_kind: Some("penalty".into()),
            ..Default::default()
        };
        let notices = ggzy_store::notices::latest_of(db, &f, 20)
            .await
            .expect("notices");
        let n = notices
            .iter()
            .find(|n| n.body.contains("甬财采罚〔2026〕8号"))
            .expect("published");
        assert!(
            n.body.contains(&format!("统一社会信用代码：{uscc}")),
            "{}",
            n.body
        );
        t.cleanup().await;
    }
}

fn said(reason: &str, commitment: bool) -> CreditCorrectionInput {
    CreditCorrectionInput {
        reason: reason.into(),
        commitment,
    }
}

fn decision(granted: bool) -> DecisionInput {
    DecisionInput {
        granted,
        reason: "经核查，异议事实与决定书不符。".into(),
    }
}

#[tokio::test]
async fn an_objection_upheld_by_another_supervisor_revokes_the_record() {
    for (t, now) in seeded().await {
        let supervisor = who(&t.db, "supervisor").await;
        let other = who(&t.db, "supervisor2").await;
        let company = who(&t.db, "entity05").await;
        let stranger = who(&t.db, "entity06").await;
        let (entity, uscc) = uscc_of(&t.db, "entity05").await;
        let clean = credit::grade_of(&t.db, &uscc, now).await.expect("grade");
        let b = credit::record(
            &t.db,
            &supervisor,
            &ban(
                &uscc,
                beijing_day(now) + Duration::days(100),
                "甬建罚〔2026〕31号",
            ),
            now,
        )
        .await
        .expect("ban");
        assert!(
            credit::grade_of(&t.db, &uscc, now)
                .await
                .expect("grade")
                .score
                < clean.score,
            "{}",
            t.name
        );

        // Only the company the record names objects, and it says why.
        let e = correction::file(
            &t.db,
            &stranger,
            b.row.id,
            Objection,
            &said("不是我们", false),
            now,
        )
        .await
        .expect_err("stranger");
        assert!(code(&e).starts_with("forbidden:"), "{}", code(&e));
        let e = correction::file(
            &t.db,
            &supervisor,
            b.row.id,
            Objection,
            &said("x", false),
            now,
        )
        .await
        .expect_err("supervisor files nothing");
        assert!(code(&e).starts_with("forbidden:"), "{}", code(&e));
        let e = correction::file(
            &t.db,
            &company,
            b.row.id,
            Objection,
            &said("  ", false),
            now,
        )
        .await
        .expect_err("no reason");
        assert_eq!(code(&e), "required");
        let o = correction::file(
            &t.db,
            &company,
            b.row.id,
            Objection,
            &said("所涉业绩证明真实，已提交原件。", false),
            now,
        )
        .await
        .expect("objection");
        assert!(o.pending && !o.overdue, "{}", t.name);
        assert!(o.row.due_on > beijing_day(now), "due in working days");
        let e = correction::file(
            &t.db,
            &company,
            b.row.id,
            Objection,
            &said("再次", false),
            now,
        )
        .await
        .expect_err("one pending at a time");
        assert_eq!(code(&e), "credit.already_pending", "{}", t.name);
        assert_eq!(
            correction::under_objection(&t.db, &uscc)
                .await
                .expect("marks"),
            vec![b.row.id]
        );
        // Past its due day the department is late, and its queue says so.
        let late = now + Duration::days(30);
        let queue = correction::pending_for(&t.db, &other, late)
            .await
            .expect("queue");
        assert!(queue.iter().any(|c| c.row.id == o.row.id && c.overdue));

        // Separation of duties: whoever recorded it does not decide; the company cannot either.
        let e = correction::decide(&t.db, &supervisor, o.row.id, &decision(true), now)
            .await
            .expect_err("recorder");
        assert_eq!(code(&e), "credit.own_record", "{}", t.name);
        let e = correction::decide(&t.db, &company, o.row.id, &decision(true), now)
            .await
            .expect_err("company");
        assert!(code(&e).starts_with("forbidden:"), "{}", code(&e));
        let d = correction::decide(&t.db, &other, o.row.id, &decision(true), now)
            .await
            .expect("upheld");
        assert_eq!(d.row.state, "granted");
        let e = correction::decide(&t.db, &other, o.row.id, &decision(false), now)
            .await
            .expect_err("twice");
        assert_eq!(code(&e), "credit.already_decided");

        // Revoked: it bars nothing, the public no longer sees it, and the grade is as before.
        assert!(
            credit::barring(&t.db, entity, Trade::Construction, now)
                .await
                .expect("bar")
                .is_none(),
            "{}",
            t.name
        );
        assert!(
            credit::public_of(&t.db, &uscc, now)
                .await
                .expect("public")
                .is_empty()
        );
        assert_eq!(
            credit::grade_of(&t.db, &uscc, now)
                .await
                .expect("grade")
                .score,
            clean.score
        );
        assert!(
            correction::under_objection(&t.db, &uscc)
                .await
                .expect("marks")
                .is_empty()
        );
        let e = correction::file(
            &t.db,
            &company,
            b.row.id,
            Objection,
            &said("再次", false),
            now,
        )
        .await
        .expect_err("revoked");
        assert_eq!(code(&e), "credit.record_not_active");

        // Who reads what the company wrote: the company and supervisors, not another company.
        assert_eq!(
            correction::of_company(&t.db, &company, &uscc, now)
                .await
                .expect("own")
                .len(),
            1
        );
        assert_eq!(
            correction::of_company(&t.db, &other, &uscc, now)
                .await
                .expect("sup")
                .len(),
            1
        );
        assert!(
            correction::of_company(&t.db, &stranger, &uscc, now)
                .await
                .expect("stranger")
                .is_empty()
        );
        // Upheld, the objection revokes the ban's notice by a notice linked to it.
        let f = ggzy_store::notices::FeedFilter {
            trade_kind: Some("construction".into()),
            notice_kind: Some("penalty_revocation".into()),
            ..Default::default()
        };
        let revoked = ggzy_store::notices::latest_of(&t.db, &f, 20)
            .await
            .expect("notices");
        assert!(
            revoked
                .iter()
                .any(|n| n.body.contains("甬建罚〔2026〕31号") && n.corrects.is_some()),
            "{}: {revoked:?}",
            t.name
        );
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_repair_opens_after_the_minimum_publicity_and_hides_the_record_but_not_the_bar() {
    for (t, now) in seeded().await {
        let supervisor = who(&t.db, "supervisor").await;
        let other = who(&t.db, "supervisor2").await;
        let company = who(&t.db, "entity05").await;
        let (entity, uscc) = uscc_of(&t.db, "entity05").await;
        let today = beijing_day(now);
        let three_months = today.checked_sub_months(Months::new(3)).expect("date");

        // A penalty may be repaired three months after its decision: a day short is refused.
        let young = credit::record(
            &t.db,
            &supervisor,
            &penalty(
                &uscc,
                three_months.succ_opt().expect("day"),
                false,
                "甬财罚〔2026〕5号",
            ),
            now,
        )
        .await
        .expect("young");
        let e = correction::file(
            &t.db,
            &company,
            young.row.id,
            Repair,
            &said("已整改", true),
            now,
        )
        .await
        .expect_err("too early");
        assert_eq!(code(&e), "credit.repair_too_early", "{}", t.name);
        if let ServiceError::Invalid(i) = &e {
            let rule = i.0[0].rule.as_ref().expect("cites its source");
            assert_eq!(rule.regulation, "国家发展改革委令2023年第58号");
        }
        let ripe = credit::record(
            &t.db,
            &supervisor,
            &penalty(&uscc, three_months, false, "甬财罚〔2026〕6号"),
            now,
        )
        .await
        .expect("ripe");
        let e = correction::file(
            &t.db,
            &company,
            ripe.row.id,
            Repair,
            &said("已整改", false),
            now,
        )
        .await
        .expect_err("no commitment");
        assert_eq!(code(&e), "credit.commitment_required");
        correction::file(
            &t.db,
            &company,
            ripe.row.id,
            Repair,
            &said("已整改", true),
            now,
        )
        .await
        .expect("at the day it opens");

        // A major penalty waits a year; repaired, it leaves the public page and the grade, but
        // the statute's three years out of procurement still run.
        let year = today.checked_sub_months(Months::new(12)).expect("date");
        let major = credit::record(
            &t.db,
            &supervisor,
            &penalty(&uscc, year, true, "甬财罚〔2025〕9号"),
            now,
        )
        .await
        .expect("major");
        let r = correction::file(
            &t.db,
            &company,
            major.row.id,
            Repair,
            &said("已缴纳罚款并完成整改，作出信用承诺。", true),
            now,
        )
        .await
        .expect("repair");
        let before = credit::grade_of(&t.db, &uscc, now).await.expect("grade");
        let d = correction::decide(&t.db, &other, r.row.id, &decision(true), now)
            .await
            .expect("granted");
        assert_eq!(d.row.state, "granted");
        let after = credit::grade_of(&t.db, &uscc, now).await.expect("grade");
        assert!(
            after.score > before.score,
            "{}: {before:?} {after:?}",
            t.name
        );
        let shown = credit::public_of(&t.db, &uscc, now).await.expect("public");
        assert!(shown.iter().all(|r| r.row.id != major.row.id));
        assert!(shown.iter().any(|r| r.row.id == young.row.id));
        let (row, bar) = credit::barring(&t.db, entity, Trade::Procurement, now)
            .await
            .expect("bar")
            .expect("still barred");
        assert_eq!(row.id, major.row.id);
        assert_eq!(bar.article, "22");
        // Repaired is final: neither another repair nor an objection reopens it.
        let e = correction::file(
            &t.db,
            &company,
            major.row.id,
            Repair,
            &said("再次", true),
            now,
        )
        .await
        .expect_err("repaired");
        assert_eq!(code(&e), "credit.record_not_active");
    }
}

#[tokio::test]
async fn a_grade_a_company_pays_half_the_bond_and_no_fen_less() {
    for (t, now) in seeded().await {
        let (vault, lot) = tendering_lot(&t.db, "守信激励工程", now - Duration::days(20)).await;
        let supervisor = who(&t.db, "supervisor").await;
        let (_, uscc) = uscc_of(&t.db, "entity05").await;
        // A good record (an award praised by the department) and nothing bad: grade A.
        let today = beijing_day(now);
        credit::record(
            &t.db,
            &supervisor,
            &RecordInput {
                uscc: uscc.clone(),
                kind: "good".into(),
                decision_no: "甬建表〔2026〕3号".into(),
                authority: "宁波市住房和城乡建设局".into(),
                basis: "宁波市建筑市场信用评价办法".into(),
                facts: "优质工程奖。".into(),
                decided_on: today,
                starts_on: today,
                region_code: "330200".into(),
                ..RecordInput::default()
            },
            now,
        )
        .await
        .expect("good record");
        let g = credit::grade_of(&t.db, &uscc, now).await.expect("grade");
        assert_eq!(g.grade.as_str(), "A", "{}: {g:?}", t.name);

        let bid = |user: &'static str, bond: &'static str| {
            let mut form = demo_tendering::bid_form(1);
            form.bond = bond.into();
            let (db, vault) = (t.db.clone(), vault.clone());
            async move { bid_as(&db, &vault, lot, user, &form, bond.as_bytes(), now).await }
        };
        // The lot asks ¥800,000: grade A owes ¥400,000, one fen less is short.
        let e = bid("entity05", "399999.99").await.expect_err("short");
        assert_eq!(code(&e), "bid.bond_short", "{}", t.name);
        if let ServiceError::Invalid(i) = &e {
            assert!(
                i.0[0].message_zh.contains("信用等级A"),
                "{}",
                i.0[0].message_zh
            );
        }
        bid("entity05", "400000")
            .await
            .expect("half is enough for grade A");
        // Without a good record a clean company is B and pays the whole bond.
        let e = bid("entity03", "400000").await.expect_err("B pays it all");
        assert_eq!(code(&e), "bid.bond_short", "{}", t.name);
        t.cleanup().await;
    }
}

/// A lot whose method scores the credit grade: the platform gives each bidder the share of the
/// criterion's points its grade earns as it stood at the bid deadline (A 5, B 4, C 3, D 0 of 5),
/// on top of the members' average; a record entered after the deadline moves nothing.
#[tokio::test]
async fn the_credit_grade_is_scored_as_it_stood_at_the_deadline() {
    for (t, now) in seeded().await {
        let db = &t.db;
        let vault = Arc::new(BidVault::temporary().expect("vault"));
        let supervisor = who(db, "supervisor").await;
        let t0 = now - Duration::days(40);
        let before = beijing_day(t0) - Duration::days(30);
        let deadline = t0 + Duration::days(21);
        let mut expected = std::collections::BTreeMap::new();
        let recorded = |uscc: &str, kind: &str, major: bool, n: u32| {
            let mut r = penalty(uscc, before, major, &format!("甬信〔2025〕{n}号"));
            r.kind = kind.into();
            if kind == "good" {
                r.facts = "获评市级守合同重信用企业。".into();
            }
            if kind == "platform_finding" {
                r.evidence = vec![1];
            }
            r
        };
        let plan: [(&str, &[(&str, bool)], u32); 4] = [
            ("bidder", &[("good", false)], 5),
            ("entity03", &[("administrative_penalty", false)], 4),
            ("entity05", &[("administrative_penalty", true)], 3),
            (
                "entity07",
                &[
                    ("administrative_penalty", true),
                    ("administrative_penalty", false),
                    ("platform_finding", false),
                ],
                0,
            ),
        ];
        let mut n = 0;
        for (user, records, points) in plan {
            let (entity, uscc) = uscc_of(db, user).await;
            for (kind, major) in records {
                n += 1;
                credit::record(db, &supervisor, &recorded(&uscc, kind, *major, n), t0)
                    .await
                    .expect("recorded");
            }
            expected.insert(entity, points);
        }
        // Entered after the deadline though it applies from before: not in the score.
        let (_, late) = uscc_of(db, "entity03").await;
        credit::record(
            db,
            &supervisor,
            &recorded(&late, "platform_finding", false, 99),
            deadline + Duration::minutes(30),
        )
        .await
        .expect("recorded late");

        let method = demo_tendering::credit_method();
        let lot = demo_tendering::walk_by(
            db,
            &vault,
            "信用评分测试工程",
            "open_tender",
            method.clone(),
            Walk::Evaluating,
            t0,
        )
        .await
        .expect("walk");
        let principal = who(db, "principal").await;
        let opened: Vec<Uuid> = bids::opening_record(db, &principal, lot)
            .await
            .expect("record")
            .expect("opened")
            .lines
            .iter()
            .map(|l| l.bidder_id)
            .collect();
        let sheets = [0, 1].map(|bias| demo_tendering::sheet(&method, &opened, bias));
        let staff = who(db, "staff").await;
        let o = evaluation::outcome(db, &staff, lot).await.expect("outcome");
        assert_eq!(o.results.len(), 4, "{}", t.name);
        for r in &o.results {
            let members: u32 = sheets
                .iter()
                .map(|s| s.scores[&r.bidder].values().sum::<u32>())
                .sum();
            let want = i64::from(members) * 50 + i64::from(expected[&r.bidder]) * 100;
            assert_eq!(
                r.criteria_score_x100,
                Some(want),
                "{}: {} earns {} credit points",
                t.name,
                r.bidder,
                expected[&r.bidder]
            );
        }
        t.cleanup().await;
    }
}

/// The department revokes a record on its own motion: never whoever entered it, only with a
/// reason and its document, and once; the record then bars nothing and leaves the public page
/// and the grade, while the log keeps both events.
#[tokio::test]
async fn a_supervisor_other_than_the_recorder_revokes_a_record() {
    for (t, now) in seeded().await {
        let db = &t.db;
        let supervisor = who(db, "supervisor").await;
        let other = who(db, "supervisor2").await;
        let (entity, uscc) = uscc_of(db, "entity05").await;
        let last = beijing_day(now) + Duration::days(200);
        let rec = credit::record(
            db,
            &supervisor,
            &ban(&uscc, last, "甬建罚〔2025〕41号"),
            now,
        )
        .await
        .expect("recorded");
        let id = rec.row.id;
        assert!(
            credit::barring(db, entity, Trade::Construction, now)
                .await
                .expect("bar")
                .is_some()
        );
        let input = correction::RevocationInput {
            reason: "该处罚决定已被行政复议决定撤销。".into(),
            document_no: "甬政复决〔2026〕12号".into(),
        };
        let e = correction::revoke(db, &supervisor, id, &input, now)
            .await
            .expect_err("own record");
        assert_eq!(code(&e), "credit.own_record", "{}", t.name);
        let bidder = who(db, "bidder").await;
        let e = correction::revoke(db, &bidder, id, &input, now)
            .await
            .expect_err("a bidder");
        assert!(code(&e).starts_with("forbidden"), "{}: {e}", t.name);
        let blank = correction::RevocationInput {
            document_no: " ".into(),
            ..input.clone()
        };
        let e = correction::revoke(db, &other, id, &blank, now)
            .await
            .expect_err("no document");
        assert!(matches!(e, ServiceError::Invalid(_)), "{}: {e}", t.name);

        let revoked = correction::revoke(db, &other, id, &input, now)
            .await
            .expect("revoked");
        assert_eq!(revoked.row.status, "revoked", "{}", t.name);
        assert!(!revoked.in_force);
        assert!(
            credit::barring(db, entity, Trade::Construction, now)
                .await
                .expect("bar")
                .is_none(),
            "{}: the ban no longer bars",
            t.name
        );
        let public = credit::public_of(db, &uscc, now).await.expect("public");
        assert!(public.iter().all(|r| r.row.id != id), "{}", t.name);
        let grade = credit::grade_of(db, &uscc, now).await.expect("grade");
        assert_eq!(grade.score, 100, "{}: {grade:?}", t.name);
        let e = correction::revoke(db, &other, id, &input, now)
            .await
            .expect_err("twice");
        assert_eq!(code(&e), "credit.already_revoked", "{}", t.name);
        // The ban was published under construction's notices with what a violation notice
        // names; its revocation is a new notice linked to it, not an edit.
        let published = |kind: &'static str| {
            let f = ggzy_store::notices::FeedFilter {
                trade_kind: Some("construction".into()),
                notice_kind: Some(kind.into()),
                ..Default::default()
            };
            async move {
                ggzy_store::notices::latest_of(db, &f, 20)
                    .await
                    .expect("notices")
            }
        };
        let first = published("penalty").await;
        let first = first
            .iter()
            .find(|n| n.body.contains("甬建罚〔2025〕41号"))
            .expect("the ban's notice");
        for label in [
            "当事人",
            "统一社会信用代码",
            "违法事实",
            "处罚依据",
            "处理决定",
            "决定机关",
        ] {
            assert!(
                first.body.contains(label),
                "{}: {label} in {}",
                t.name,
                first.body
            );
        }
        let revoked = published("penalty_revocation").await;
        let notice = revoked
            .iter()
            .find(|n| n.corrects == Some(first.id))
            .expect("the revocation's notice");
        assert!(
            notice.body.contains("甬政复决〔2026〕12号"),
            "{}",
            notice.body
        );
        let subject = format!("credit:{uscc}");
        let log = ggzy_store::events::list(db, Some(&subject), None, 50)
            .await
            .expect("log");
        assert!(
            log.iter().any(|e| e.kind == "credit.revoked"),
            "{}: {log:?}",
            t.name
        );
        t.cleanup().await;
    }
}
