//! The time limits of a construction tender (RULES.md §1.3), as pure checks over instants the
//! caller supplies. Days are counted on the China calendar date (UTC+8), excluding the start day:
//! "≥ N days from X to Y" holds when `date(Y) − date(X) ≥ N` (RULES.md §0.3).

use crate::calendar::CalendarDays;
use crate::error::FieldError;
use crate::money::Money;
use crate::rulepack::{ConstructionPack, Limit};
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveTime, Utc};

/// The calendar date in China of an instant; statutory days are Beijing days.
pub fn cn_date(t: DateTime<Utc>) -> NaiveDate {
    let east8 = FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
    t.with_timezone(&east8).date_naive()
}

/// The instant a Beijing calendar day begins.
pub fn cn_day_start(d: NaiveDate) -> DateTime<Utc> {
    let local = d.and_time(NaiveTime::MIN);
    DateTime::<Utc>::from_naive_utc_and_offset(local - Duration::hours(8), Utc)
}

fn days_between(from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
    (cn_date(to) - cn_date(from)).num_days()
}

fn refuse<T>(
    field: &str,
    code: &'static str,
    limit: &Limit<T>,
    zh: String,
    en: String,
) -> FieldError {
    FieldError::new(field, code, zh, en).with_rule(limit.regulation, limit.article)
}

/// The dates a tender notice announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TenderDates {
    /// Tender documents first available (发售/获取开始).
    pub documents_from: DateTime<Utc>,
    /// Tender documents available until.
    pub documents_until: DateTime<Utc>,
    /// Bid deadline, which is also the opening time (法 Art 34).
    pub bid_deadline: DateTime<Utc>,
}

/// Check a notice's dates against the pack; every breach at once, each citing its article.
pub fn check_tender_dates(pack: &ConstructionPack, d: &TenderDates) -> Result<(), Vec<FieldError>> {
    let mut errs = Vec::new();
    let avail = &pack.documents_available;
    if days_between(d.documents_from, d.documents_until) < i64::from(avail.value.0) {
        errs.push(refuse(
            "documents_until",
            "tender.documents_available",
            avail,
            format!("招标文件发售期不得少于 {} 日", avail.value.0),
            format!(
                "Tender documents must be available for at least {} days",
                avail.value.0
            ),
        ));
    }
    if d.documents_until > d.bid_deadline {
        errs.push(FieldError::new(
            "documents_until",
            "tender.documents_after_deadline",
            "招标文件发售截止时间不能晚于投标截止时间",
            "Documents cannot stay on sale after the bid deadline",
        ));
    }
    let lead = &pack.issue_to_deadline;
    if days_between(d.documents_from, d.bid_deadline) < i64::from(lead.value.0) {
        errs.push(refuse(
            "bid_deadline",
            "tender.issue_to_deadline",
            lead,
            format!("自招标文件开始发出之日起至投标截止之日止，不得少于 {} 日", lead.value.0),
            format!("At least {} days must pass from the first issue of tender documents to the bid deadline", lead.value.0),
        ));
    }
    if errs.is_empty() { Ok(()) } else { Err(errs) }
}

/// The dates a prequalification notice announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PrequalDates {
    pub documents_from: DateTime<Utc>,
    pub documents_until: DateTime<Utc>,
    /// Applications due (资格预审申请文件提交截止).
    pub applications_due: DateTime<Utc>,
}

/// Prequalification documents on sale ≥ 5 days (条例 Art 16); applications due ≥ 5 days after the
/// sale ends (条例 Art 17).
pub fn check_prequal_dates(
    pack: &ConstructionPack,
    d: &PrequalDates,
) -> Result<(), Vec<FieldError>> {
    let mut errs = Vec::new();
    let avail = &pack.documents_available;
    if days_between(d.documents_from, d.documents_until) < i64::from(avail.value.0) {
        errs.push(refuse(
            "documents_until",
            "prequal.documents_available",
            avail,
            format!("资格预审文件发售期不得少于 {} 日", avail.value.0),
            format!(
                "Prequalification documents must be available for at least {} days",
                avail.value.0
            ),
        ));
    }
    let after = &pack.prequal_application_after_sale;
    if days_between(d.documents_until, d.applications_due) < i64::from(after.value.0) {
        errs.push(refuse(
            "applications_due",
            "prequal.application_window",
            after,
            format!(
                "资格预审申请文件提交时间，自资格预审文件停止发售之日起不得少于 {} 日",
                after.value.0
            ),
            format!(
                "Applications must be due at least {} days after prequalification documents stop selling",
                after.value.0
            ),
        ));
    }
    if errs.is_empty() { Ok(()) } else { Err(errs) }
}

/// Objections to prequalification documents: at least 2 days before the application deadline.
pub fn check_objection_to_prequal(
    pack: &ConstructionPack,
    at: DateTime<Utc>,
    applications_due: DateTime<Utc>,
) -> Result<(), FieldError> {
    let lead = &pack.objection_to_prequal_lead;
    if days_between(at, applications_due) >= i64::from(lead.value.0) {
        Ok(())
    } else {
        Err(refuse(
            "objection",
            "prequal.objection_too_late",
            lead,
            format!(
                "对资格预审文件的异议应当在提交资格预审申请文件截止时间 {} 日前提出",
                lead.value.0
            ),
            format!(
                "Objections to prequalification documents must be raised at least {} days before applications are due",
                lead.value.0
            ),
        ))
    }
}

/// A clarification of prequalification documents goes out ≥ 3 days before applications are due,
/// or the application deadline moves (条例 Art 21).
pub fn check_moved_prequal_deadline(
    pack: &ConstructionPack,
    sent_at: DateTime<Utc>,
    applications_due: DateTime<Utc>,
) -> Result<(), FieldError> {
    let lead = &pack.prequal_clarification_lead;
    if days_between(sent_at, applications_due) >= i64::from(lead.value.0) {
        return Ok(());
    }
    let earliest = cn_date(sent_at) + Duration::days(i64::from(lead.value.0));
    Err(refuse(
        "applications_due",
        "prequal.clarification_lead",
        lead,
        format!(
            "澄清或修改在资格预审申请截止前不足 {} 日发出，申请截止时间须顺延至 {earliest} 或以后",
            lead.value.0
        ),
        format!(
            "The clarification went out less than {} days before applications are due; move the deadline to {earliest} or later",
            lead.value.0
        ),
    ))
}

/// A bond of a bid withdrawn before the deadline is refunded by this Beijing day (条例 Art 35).
pub fn withdrawal_refund_due(pack: &ConstructionPack, withdrawn_at: DateTime<Utc>) -> NaiveDate {
    cn_date(withdrawn_at) + Duration::days(i64::from(pack.withdrawal_refund_within.value.0))
}

/// A complaint is filed within 10 days of the day the complainant knew (or, for matters that need an
/// objection first, of the reply) — 条例 Art 60.
pub fn check_complaint_window(
    pack: &ConstructionPack,
    knew_on: NaiveDate,
    filed_at: DateTime<Utc>,
) -> Result<(), FieldError> {
    let w = &pack.complaint_within;
    if (cn_date(filed_at) - knew_on).num_days() <= i64::from(w.value.0) {
        return Ok(());
    }
    Err(refuse(
        "knew_on",
        "complaint.too_late",
        w,
        format!(
            "应当自知道或者应当知道之日起 {} 日内向有关行政监督部门投诉",
            w.value.0
        ),
        format!(
            "A complaint must be filed within {} days of knowing",
            w.value.0
        ),
    ))
}

/// When the department must decide to accept a complaint, and decide it (条例 Art 61).
pub fn complaint_due_dates(
    pack: &ConstructionPack,
    calendar: &crate::calendar::Calendar,
    filed_at: DateTime<Utc>,
) -> (NaiveDate, NaiveDate) {
    let filed = cn_date(filed_at);
    (
        calendar.add_working_days(filed, pack.complaint_accept_within.value),
        calendar.add_working_days(filed, pack.complaint_decide_within.value),
    )
}

/// The earliest bid deadline a notice with documents from `documents_from` may announce.
pub fn earliest_deadline(pack: &ConstructionPack, documents_from: DateTime<Utc>) -> NaiveDate {
    cn_date(documents_from) + Duration::days(i64::from(pack.issue_to_deadline.value.0))
}

/// What a clarification or amendment that may affect bids does to the deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClarificationEffect {
    /// Sent early enough; the deadline stands.
    DeadlineStands,
    /// Sent too late: the deadline must move to this Beijing date or later (法 Art 23).
    DeadlineMoves { earliest: NaiveDate },
}

pub fn clarification_effect(
    pack: &ConstructionPack,
    sent_at: DateTime<Utc>,
    bid_deadline: DateTime<Utc>,
) -> ClarificationEffect {
    let lead = i64::from(pack.clarification_lead.value.0);
    if days_between(sent_at, bid_deadline) >= lead {
        ClarificationEffect::DeadlineStands
    } else {
        ClarificationEffect::DeadlineMoves {
            earliest: cn_date(sent_at) + Duration::days(lead),
        }
    }
}

/// A new deadline proposed after a late clarification must respect the lead time.
pub fn check_moved_deadline(
    pack: &ConstructionPack,
    sent_at: DateTime<Utc>,
    new_deadline: DateTime<Utc>,
) -> Result<(), FieldError> {
    match clarification_effect(pack, sent_at, new_deadline) {
        ClarificationEffect::DeadlineStands => Ok(()),
        ClarificationEffect::DeadlineMoves { earliest } => Err(refuse(
            "bid_deadline",
            "tender.clarification_lead",
            &pack.clarification_lead,
            format!(
                "澄清或修改在投标截止前不足 {} 日发出，投标截止时间须顺延至 {earliest} 或以后",
                pack.clarification_lead.value.0
            ),
            format!(
                "The clarification went out less than {} days before the deadline; move the deadline to {earliest} or later",
                pack.clarification_lead.value.0
            ),
        )),
    }
}

/// An objection to the tender documents may be raised until this many days before the deadline.
pub fn check_objection_to_documents(
    pack: &ConstructionPack,
    at: DateTime<Utc>,
    bid_deadline: DateTime<Utc>,
) -> Result<(), FieldError> {
    let lead = &pack.objection_to_documents_lead;
    if days_between(at, bid_deadline) >= i64::from(lead.value.0) {
        Ok(())
    } else {
        Err(refuse(
            "objection",
            "tender.objection_too_late",
            lead,
            format!(
                "对招标文件的异议应当在投标截止时间 {} 日前提出",
                lead.value.0
            ),
            format!(
                "Objections to tender documents must be raised at least {} days before the bid deadline",
                lead.value.0
            ),
        ))
    }
}

/// The last Beijing day on which the tenderer may reply to an objection raised at `at`.
pub fn objection_reply_due(pack: &ConstructionPack, at: DateTime<Utc>) -> NaiveDate {
    cn_date(at) + Duration::days(i64::from(pack.objection_reply.value.0))
}

/// Whether a reply at `replied_at` to an objection raised at `raised_at` is in time.
pub fn reply_in_time(
    pack: &ConstructionPack,
    raised_at: DateTime<Utc>,
    replied_at: DateTime<Utc>,
) -> bool {
    cn_date(replied_at) <= objection_reply_due(pack, raised_at)
}

/// Fewer bids than the pack's minimum: no opening (条例 Art 44).
pub fn check_bids_to_open(pack: &ConstructionPack, bids: u32) -> Result<(), FieldError> {
    let min = &pack.min_bids_to_open;
    if bids >= min.value {
        Ok(())
    } else {
        Err(refuse(
            "bids",
            "tender.too_few_bids",
            min,
            format!(
                "投标人少于 {} 个，不得开标，应当依法重新招标（本次 {bids} 个）",
                min.value
            ),
            format!(
                "Fewer than {} bids ({bids}): no opening; the lot must be re-tendered",
                min.value
            ),
        ))
    }
}

/// Evaluation committee: at least the minimum, odd, experts at least the share.
pub fn check_committee(
    pack: &ConstructionPack,
    members: u32,
    experts: u32,
) -> Result<(), FieldError> {
    let min = &pack.committee_min;
    let (num, den) = pack.committee_expert_share.value;
    if members < min.value || members % 2 == 0 {
        return Err(refuse(
            "committee",
            "evaluation.committee_size",
            min,
            format!(
                "评标委员会成员应为 {} 人以上单数（当前 {members} 人）",
                min.value
            ),
            format!(
                "The committee needs an odd number of at least {} members (now {members})",
                min.value
            ),
        ));
    }
    if experts * den < members * num {
        return Err(refuse(
            "committee",
            "evaluation.expert_share",
            &pack.committee_expert_share,
            format!("技术、经济等方面的专家不得少于成员总数的 {num}/{den}"),
            format!("Experts must be at least {num}/{den} of the committee"),
        ));
    }
    Ok(())
}

/// Candidate publicity: published within 3 days of the report, running at least 3 days.
pub fn check_publicity(
    pack: &ConstructionPack,
    report_at: DateTime<Utc>,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<(), Vec<FieldError>> {
    let mut errs = Vec::new();
    let within = &pack.candidates_published_within;
    if days_between(report_at, from) > i64::from(within.value.0) {
        errs.push(refuse(
            "publicity_from",
            "award.publicity_late",
            within,
            format!(
                "应当自收到评标报告之日起 {} 日内公示中标候选人",
                within.value.0
            ),
            format!(
                "Candidates must be published within {} days of the evaluation report",
                within.value.0
            ),
        ));
    }
    let min = &pack.publicity_min;
    if days_between(from, until) < i64::from(min.value.0) {
        errs.push(refuse(
            "publicity_until",
            "award.publicity_short",
            min,
            format!("中标候选人公示期不得少于 {} 日", min.value.0),
            format!("Candidate publicity must run at least {} days", min.value.0),
        ));
    }
    if errs.is_empty() { Ok(()) } else { Err(errs) }
}

/// Bid bond cap: ≤ 2% of the estimated price and ≤ the absolute cap for the kind of work, with
/// the rule of whichever binds.
fn bond_limit(
    pack: &ConstructionPack,
    estimated_price: Money,
    survey_or_design: bool,
) -> (Money, &'static str, &'static str) {
    let rate = &pack.bond_max_basis_points;
    let by_rate =
        Money::from_fen(estimated_price.fen().saturating_mul(i64::from(rate.value)) / 10_000);
    let abs = if survey_or_design {
        &pack.bond_cap_survey_design
    } else {
        &pack.bond_cap_works_and_goods
    };
    if by_rate.fen() <= abs.value.fen() {
        (by_rate, rate.regulation, rate.article)
    } else {
        (abs.value, abs.regulation, abs.article)
    }
}

pub fn bond_cap(pack: &ConstructionPack, estimated_price: Money, survey_or_design: bool) -> Money {
    bond_limit(pack, estimated_price, survey_or_design).0
}

pub fn check_bond(
    pack: &ConstructionPack,
    bond: Money,
    estimated_price: Money,
    survey_or_design: bool,
) -> Result<(), FieldError> {
    let (cap, regulation, article) = bond_limit(pack, estimated_price, survey_or_design);
    if bond.fen() <= cap.fen() {
        return Ok(());
    }
    Err(FieldError::new(
        "bid_bond",
        "tender.bond_too_high",
        format!("投标保证金不得超过估算价的 2%，且不超过上限；本项目最高 {cap}"),
        format!("The bid bond may not exceed 2% of the estimated price nor the absolute cap; here at most {cap}"),
    )
    .with_rule(regulation, article))
}

/// Due dates that follow from an award, for tracking and overdue alerts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AwardDeadlines {
    pub contract_by: NaiveDate,
    pub report_by: NaiveDate,
}

pub fn award_deadlines(pack: &ConstructionPack, awarded_at: DateTime<Utc>) -> AwardDeadlines {
    let d = cn_date(awarded_at);
    AwardDeadlines {
        contract_by: d + Duration::days(i64::from(pack.contract_within.value.0)),
        report_by: d + Duration::days(i64::from(pack.report_within.value.0)),
    }
}

pub fn bond_refund_due(pack: &ConstructionPack, contract_signed_at: DateTime<Utc>) -> NaiveDate {
    cn_date(contract_signed_at) + Duration::days(i64::from(pack.bond_refund_within.value.0))
}

/// Days as a typed count, for callers that show remaining time.
pub fn days_left(now: DateTime<Utc>, until: NaiveDate) -> CalendarDays {
    CalendarDays((until - cn_date(now)).num_days().max(0) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        // Beijing wall-clock times, as a notice would state them.
        DateTime::parse_from_rfc3339(&format!("{s}+08:00"))
            .expect("ts")
            .with_timezone(&Utc)
    }

    fn pack() -> ConstructionPack {
        ConstructionPack::v2019()
    }

    #[test]
    fn beijing_dates_not_utc_dates() {
        // 07:00 in Beijing on 3 March is still 2 March in UTC.
        assert_eq!(
            cn_date(at("2026-03-03T07:00:00")),
            NaiveDate::from_ymd_opt(2026, 3, 3).expect("d")
        );
        assert_eq!(
            cn_date(cn_day_start(
                NaiveDate::from_ymd_opt(2026, 3, 3).expect("d")
            )),
            NaiveDate::from_ymd_opt(2026, 3, 3).expect("d")
        );
    }

    #[test]
    fn twenty_days_from_first_issue_to_deadline() {
        let base = TenderDates {
            documents_from: at("2026-03-02T09:00:00"),
            documents_until: at("2026-03-07T17:00:00"),
            bid_deadline: at("2026-03-22T09:30:00"),
        };
        assert!(
            check_tender_dates(&pack(), &base).is_ok(),
            "exactly 20 days passes"
        );
        let short = TenderDates {
            bid_deadline: at("2026-03-21T23:59:00"),
            ..base
        };
        let errs = check_tender_dates(&pack(), &short).unwrap_err();
        assert_eq!(errs[0].code, "tender.issue_to_deadline");
        assert_eq!(
            errs[0].rule.as_ref().map(|r| (r.regulation, r.article)),
            Some(("招标投标法", "24"))
        );
        assert_eq!(
            earliest_deadline(&pack(), base.documents_from),
            NaiveDate::from_ymd_opt(2026, 3, 22).expect("d")
        );
    }

    #[test]
    fn documents_available_five_days() {
        let ok = TenderDates {
            documents_from: at("2026-03-02T09:00:00"),
            documents_until: at("2026-03-07T09:00:00"),
            bid_deadline: at("2026-03-30T09:00:00"),
        };
        assert!(check_tender_dates(&pack(), &ok).is_ok());
        let short = TenderDates {
            documents_until: at("2026-03-06T23:00:00"),
            ..ok
        };
        let errs = check_tender_dates(&pack(), &short).unwrap_err();
        assert_eq!(
            (errs[0].code, errs[0].rule.as_ref().map(|r| r.article)),
            ("tender.documents_available", Some("16"))
        );
    }

    #[test]
    fn a_late_clarification_moves_the_deadline() {
        let deadline = at("2026-04-20T09:30:00");
        assert_eq!(
            clarification_effect(&pack(), at("2026-04-05T18:00:00"), deadline),
            ClarificationEffect::DeadlineStands
        );
        let late = at("2026-04-06T08:00:00");
        assert_eq!(
            clarification_effect(&pack(), late, deadline),
            ClarificationEffect::DeadlineMoves {
                earliest: NaiveDate::from_ymd_opt(2026, 4, 21).expect("d")
            }
        );
        assert!(check_moved_deadline(&pack(), late, at("2026-04-21T09:30:00")).is_ok());
        let e = check_moved_deadline(&pack(), late, deadline).unwrap_err();
        assert_eq!(e.rule.map(|r| r.article), Some("23"));
    }

    #[test]
    fn objections_to_documents_close_ten_days_before_and_are_answered_within_three() {
        let deadline = at("2026-04-20T09:30:00");
        assert!(check_objection_to_documents(&pack(), at("2026-04-10T16:00:00"), deadline).is_ok());
        let e =
            check_objection_to_documents(&pack(), at("2026-04-11T08:00:00"), deadline).unwrap_err();
        assert_eq!(
            (e.code, e.rule.map(|r| r.article)),
            ("tender.objection_too_late", Some("22"))
        );
        let raised = at("2026-04-08T10:00:00");
        assert!(reply_in_time(&pack(), raised, at("2026-04-11T23:00:00")));
        assert!(!reply_in_time(&pack(), raised, at("2026-04-12T00:30:00")));
    }

    #[test]
    fn three_bids_to_open() {
        assert!(check_bids_to_open(&pack(), 3).is_ok());
        let e = check_bids_to_open(&pack(), 2).unwrap_err();
        assert_eq!(
            (e.code, e.rule.map(|r| r.article)),
            ("tender.too_few_bids", Some("44"))
        );
    }

    #[test]
    fn committee_of_five_or_more_odd_with_two_thirds_experts() {
        assert!(check_committee(&pack(), 5, 4).is_ok());
        assert!(check_committee(&pack(), 7, 5).is_ok());
        assert_eq!(
            check_committee(&pack(), 4, 4).unwrap_err().code,
            "evaluation.committee_size"
        );
        assert_eq!(
            check_committee(&pack(), 6, 6).unwrap_err().code,
            "evaluation.committee_size"
        );
        assert_eq!(
            check_committee(&pack(), 5, 3).unwrap_err().code,
            "evaluation.expert_share"
        );
        assert_eq!(
            check_committee(&pack(), 7, 4).unwrap_err().code,
            "evaluation.expert_share"
        );
    }

    #[test]
    fn candidate_publicity_within_three_days_for_three_days() {
        let report = at("2026-05-06T15:00:00");
        assert!(
            check_publicity(
                &pack(),
                report,
                at("2026-05-09T09:00:00"),
                at("2026-05-12T09:00:00")
            )
            .is_ok()
        );
        let errs = check_publicity(
            &pack(),
            report,
            at("2026-05-10T09:00:00"),
            at("2026-05-12T17:00:00"),
        )
        .unwrap_err();
        let codes: Vec<_> = errs.iter().map(|e| e.code).collect();
        assert_eq!(codes, vec!["award.publicity_late", "award.publicity_short"]);
    }

    #[test]
    fn bid_bond_two_percent_and_absolute_caps() {
        let p = pack();
        let est = Money::from_fen(10_000_000_00); // ¥10m → 2% = ¥200,000
        assert!(check_bond(&p, Money::from_fen(200_000_00), est, false).is_ok());
        assert!(check_bond(&p, Money::from_fen(200_000_01), est, false).is_err());
        let big = Money::from_fen(100_000_000_00); // ¥100m → 2% = ¥2m, capped at ¥800k
        assert_eq!(bond_cap(&p, big, false), Money::from_fen(800_000_00));
        assert!(check_bond(&p, Money::from_fen(800_000_00), big, false).is_ok());
        let e = check_bond(&p, Money::from_fen(800_000_01), big, false).unwrap_err();
        assert_eq!(
            e.rule.map(|r| r.article),
            Some("37"),
            "the absolute cap binds here"
        );
        let e = check_bond(&p, Money::from_fen(200_000_01), est, false).unwrap_err();
        assert_eq!(
            e.rule.map(|r| r.article),
            Some("26"),
            "the 2% rule binds here"
        );
        assert_eq!(bond_cap(&p, big, true), Money::from_fen(100_000_00));
    }

    #[test]
    fn contract_report_and_refund_dates() {
        let d = award_deadlines(&pack(), at("2026-06-01T10:00:00"));
        assert_eq!(
            d.contract_by,
            NaiveDate::from_ymd_opt(2026, 7, 1).expect("d")
        );
        assert_eq!(
            d.report_by,
            NaiveDate::from_ymd_opt(2026, 6, 16).expect("d")
        );
        assert_eq!(
            bond_refund_due(&pack(), at("2026-07-01T10:00:00")),
            NaiveDate::from_ymd_opt(2026, 7, 6).expect("d")
        );
    }

    #[test]
    fn prequalification_windows_five_and_five_days() {
        let d = |from: &str, until: &str, due: &str| PrequalDates {
            documents_from: at(from),
            documents_until: at(until),
            applications_due: at(due),
        };
        assert!(
            check_prequal_dates(
                &pack(),
                &d(
                    "2026-02-02T09:00:00",
                    "2026-02-07T17:00:00",
                    "2026-02-12T09:00:00"
                )
            )
            .is_ok()
        );
        let short = check_prequal_dates(
            &pack(),
            &d(
                "2026-02-02T09:00:00",
                "2026-02-06T17:00:00",
                "2026-02-12T09:00:00",
            ),
        )
        .expect_err("4 days of sale");
        assert_eq!(short[0].code, "prequal.documents_available");
        let early = check_prequal_dates(
            &pack(),
            &d(
                "2026-02-02T09:00:00",
                "2026-02-07T17:00:00",
                "2026-02-11T23:59:00",
            ),
        )
        .expect_err("4 days after sale");
        assert_eq!(early[0].code, "prequal.application_window");
        assert_eq!(early[0].rule.as_ref().map(|r| r.article), Some("17"));
        let due = at("2026-02-12T09:00:00");
        assert!(check_objection_to_prequal(&pack(), at("2026-02-10T23:00:00"), due).is_ok());
        assert_eq!(
            check_objection_to_prequal(&pack(), at("2026-02-11T00:00:00"), due).map_err(|e| e.code),
            Err("prequal.objection_too_late")
        );
    }

    #[test]
    fn prequal_clarification_three_days_before_applications_due() {
        let due = at("2026-02-12T09:00:00");
        assert!(check_moved_prequal_deadline(&pack(), at("2026-02-09T18:00:00"), due).is_ok());
        let e = check_moved_prequal_deadline(&pack(), at("2026-02-10T08:00:00"), due)
            .expect_err("2 days");
        assert_eq!(
            (e.code, e.rule.map(|r| r.article)),
            ("prequal.clarification_lead", Some("21"))
        );
    }

    #[test]
    fn withdrawn_bid_bond_back_within_five_days() {
        assert_eq!(
            withdrawal_refund_due(&pack(), at("2026-03-10T23:30:00")),
            NaiveDate::from_ymd_opt(2026, 3, 15).expect("date")
        );
    }

    #[test]
    fn complaints_within_ten_days_and_department_working_days() {
        let knew = NaiveDate::from_ymd_opt(2026, 3, 1).expect("date");
        assert!(check_complaint_window(&pack(), knew, at("2026-03-11T23:59:00")).is_ok());
        let e =
            check_complaint_window(&pack(), knew, at("2026-03-12T00:00:00")).expect_err("11 days");
        assert_eq!(
            (e.code, e.rule.map(|r| r.article)),
            ("complaint.too_late", Some("60"))
        );
        // Filed Friday 2026-04-03 before 清明 (04-04..06 off): 3 working days end Thursday 04-09.
        let cal = crate::calendar::Calendar::default_cn();
        let (accept, decide) = complaint_due_dates(&pack(), &cal, at("2026-04-03T10:00:00"));
        assert_eq!(accept, NaiveDate::from_ymd_opt(2026, 4, 9).expect("date"));
        assert!(
            decide > accept + Duration::days(40),
            "30 working days span six weeks"
        );
    }
}
