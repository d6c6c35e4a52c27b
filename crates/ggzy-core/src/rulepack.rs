//! Rule packs: the statutory numbers as versioned data with an effective date. A project pins the
//! pack in force on the day it was registered, so a later change of law does not move the goal posts
//! of a tender already under way.
//!
//! Every number carries its source and confidence (RULES.md §0.1): [V] verified and [S] secondary
//! values are enforced; [U] values would be configurable defaults (none in the construction pack).

use crate::calendar::{CalendarDays, WorkingDays};
use crate::money::Money;
use chrono::NaiveDate;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Confidence {
    Verified,
    Secondary,
    Unconfirmed,
}

/// A statutory limit: its value with where it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Limit<T> {
    pub value: T,
    pub regulation: &'static str,
    pub article: &'static str,
    pub confidence: Confidence,
}

const fn v<T>(value: T, regulation: &'static str, article: &'static str) -> Limit<T> {
    Limit {
        value,
        regulation,
        article,
        confidence: Confidence::Verified,
    }
}

const fn s<T>(value: T, regulation: &'static str, article: &'static str) -> Limit<T> {
    Limit {
        value,
        regulation,
        article,
        confidence: Confidence::Secondary,
    }
}

/// Key custody of a lot's opening key. 电子招标投标办法 Art 26–31 require that bids cannot be
/// decrypted before the opening and name who decrypts, but fix no number of custodians, so these
/// are ggzy's configurable defaults [U]: no threshold below the floor, and no one account
/// appointing as many of a lot's custodians as the threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CustodyPack {
    /// Fewest shares an opening may ever need: no single custodian opens alone.
    pub threshold_floor: Limit<u32>,
}

pub const CUSTODY_PACK: CustodyPack = CustodyPack {
    threshold_floor: Limit {
        value: 2,
        regulation: "电子招标投标办法",
        article: "26",
        confidence: Confidence::Unconfirmed,
    },
};

pub const LAW: &str = "招标投标法";
pub const REGS: &str = "招标投标法实施条例";
pub const E_TENDERING: &str = "电子招标投标办法";
pub const MUST_TENDER: &str = "必须招标的工程项目规定";

/// The limits of construction tendering (RULES.md §1.3–1.6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConstructionPack {
    pub version: &'static str,
    pub effective_from: NaiveDate,
    /// Prequalification or tender documents available for at least this long.
    pub documents_available: Limit<CalendarDays>,
    /// Prequalification applications due at least this long after document sale ends.
    pub prequal_application_after_sale: Limit<CalendarDays>,
    /// From the first issue of tender documents to the bid deadline.
    pub issue_to_deadline: Limit<CalendarDays>,
    /// A clarification that may affect bids must go out this long before the bid deadline…
    pub clarification_lead: Limit<CalendarDays>,
    /// …or this long before the prequalification deadline; otherwise the deadline moves.
    pub prequal_clarification_lead: Limit<CalendarDays>,
    /// Objections to tender documents are raised at least this long before the bid deadline.
    pub objection_to_documents_lead: Limit<CalendarDays>,
    /// Objections to prequalification documents, before the application deadline.
    pub objection_to_prequal_lead: Limit<CalendarDays>,
    /// The tenderer replies to an objection within this; tendering is suspended until then.
    pub objection_reply: Limit<CalendarDays>,
    /// Fewer bids than this: no opening, the lot fails and is re-tendered.
    pub min_bids_to_open: Limit<u32>,
    /// Fewer passing prequalification applicants than this: re-tender.
    pub min_prequal_passing: Limit<u32>,
    pub min_invitees: Limit<u32>,
    /// Evaluation committee: at least this many members, an odd number.
    pub committee_min: Limit<u32>,
    /// Experts make up at least this share of the committee (numerator, denominator).
    pub committee_expert_share: Limit<(u32, u32)>,
    pub max_candidates: Limit<u32>,
    /// Candidates published within this of receiving the report…
    pub candidates_published_within: Limit<CalendarDays>,
    /// …for at least this long.
    pub publicity_min: Limit<CalendarDays>,
    pub contract_within: Limit<CalendarDays>,
    /// Bid bonds refunded at the latest this long after the contract.
    pub bond_refund_within: Limit<CalendarDays>,
    /// Tendering report to the supervising department within this of determining the winner.
    pub report_within: Limit<CalendarDays>,
    /// Bid bond as basis points of the estimated price (200 = 2%).
    pub bond_max_basis_points: Limit<u32>,
    pub bond_cap_works_and_goods: Limit<Money>,
    pub bond_cap_survey_design: Limit<Money>,
    /// Performance bond as a percentage of the contract amount.
    pub performance_bond_max_percent: Limit<u32>,
    /// A bond is refunded this long after a bid is withdrawn before the deadline.
    pub withdrawal_refund_within: Limit<CalendarDays>,
    /// A complaint to the supervising department within this of knowing (objection period not counted).
    pub complaint_within: Limit<CalendarDays>,
    /// The department decides whether to accept a complaint within this…
    pub complaint_accept_within: Limit<WorkingDays>,
    /// …and decides it within this (testing and expert review excluded).
    pub complaint_decide_within: Limit<WorkingDays>,
    /// Must-tender thresholds per contract (必须招标的工程项目规定 Art 5).
    pub must_tender_works: Limit<Money>,
    pub must_tender_goods: Limit<Money>,
    pub must_tender_services: Limit<Money>,
    /// "State funds": budget funds of at least this amount…
    pub state_budget_min: Limit<Money>,
    /// …making up at least this share of the investment, in basis points.
    pub state_budget_share_bp: Limit<u32>,
}

fn yuan(y: i64) -> Money {
    Money::from_fen(y * 100)
}

impl ConstructionPack {
    /// The first pack: the law as amended 2017 and the regulations as amended 2019.
    pub fn v2019() -> Self {
        Self {
            version: "construction-2019.1",
            effective_from: NaiveDate::from_ymd_opt(2019, 3, 2).unwrap_or_default(),
            documents_available: v(CalendarDays(5), REGS, "16"),
            prequal_application_after_sale: v(CalendarDays(5), REGS, "17"),
            issue_to_deadline: v(CalendarDays(20), LAW, "24"),
            clarification_lead: v(CalendarDays(15), LAW, "23"),
            prequal_clarification_lead: v(CalendarDays(3), REGS, "21"),
            objection_to_documents_lead: v(CalendarDays(10), REGS, "22"),
            objection_to_prequal_lead: v(CalendarDays(2), REGS, "22"),
            objection_reply: v(CalendarDays(3), REGS, "22"),
            min_bids_to_open: v(3, REGS, "44"),
            min_prequal_passing: v(3, REGS, "19"),
            min_invitees: v(3, LAW, "17"),
            committee_min: v(5, LAW, "37"),
            committee_expert_share: v((2, 3), LAW, "37"),
            max_candidates: v(3, REGS, "53"),
            candidates_published_within: v(CalendarDays(3), REGS, "54"),
            publicity_min: v(CalendarDays(3), REGS, "54"),
            contract_within: v(CalendarDays(30), LAW, "46"),
            bond_refund_within: v(CalendarDays(5), REGS, "57"),
            report_within: v(CalendarDays(15), LAW, "47"),
            bond_max_basis_points: v(200, REGS, "26"),
            bond_cap_works_and_goods: s(yuan(800_000), "工程建设项目施工招标投标办法", "37"),
            bond_cap_survey_design: s(
                yuan(100_000),
                "工程建设项目勘察设计招标投标办法",
                "(article to be confirmed)",
            ),
            performance_bond_max_percent: v(10, REGS, "58"),
            withdrawal_refund_within: v(CalendarDays(5), REGS, "35"),
            complaint_within: v(CalendarDays(10), REGS, "60"),
            complaint_accept_within: v(WorkingDays(3), REGS, "61"),
            complaint_decide_within: v(WorkingDays(30), REGS, "61"),
            must_tender_works: s(yuan(4_000_000), MUST_TENDER, "5"),
            must_tender_goods: s(yuan(2_000_000), MUST_TENDER, "5"),
            must_tender_services: s(yuan(1_000_000), MUST_TENDER, "5"),
            state_budget_min: s(yuan(2_000_000), MUST_TENDER, "2"),
            state_budget_share_bp: s(1_000, MUST_TENDER, "2"),
        }
    }
}

/// All construction packs, oldest first.
pub fn construction_packs() -> Vec<ConstructionPack> {
    vec![ConstructionPack::v2019()]
}

/// The pack in force on `day`: the newest whose effective date is not after it.
pub fn construction_pack_on(day: NaiveDate) -> Option<ConstructionPack> {
    construction_packs()
        .into_iter()
        .filter(|p| p.effective_from <= day)
        .last()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_project_gets_the_pack_in_force_on_its_registration_day() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).expect("date");
        assert!(construction_pack_on(d(2019, 3, 1)).is_none());
        assert_eq!(
            construction_pack_on(d(2019, 3, 2)).map(|p| p.version),
            Some("construction-2019.1")
        );
        assert_eq!(
            construction_pack_on(d(2026, 11, 22)).map(|p| p.version),
            Some("construction-2019.1")
        );
    }

    #[test]
    fn every_enforced_limit_is_verified_or_secondary() {
        let p = ConstructionPack::v2019();
        assert_eq!(p.issue_to_deadline.confidence, Confidence::Verified);
        assert_eq!(p.bond_cap_works_and_goods.confidence, Confidence::Secondary);
        assert_eq!(p.bond_cap_works_and_goods.value.fen(), 80_000_000);
    }
}
