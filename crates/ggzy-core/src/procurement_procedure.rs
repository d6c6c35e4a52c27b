//! The government-procurement arms of the lot machine (政府采购法 and its regulations).
//!
//! The six methods are one definition read from [`PurchaseMethod`]: how the lot starts (a notice,
//! invitations to ≥ 3 suppliers, or a single supplier after its publicity), the response period
//! of the method, how many responses an opening needs, whether final quotes follow the opening,
//! and the buyer's decision in ranked order after the report. Bidding, withdrawal and opening are
//! the steps shared with construction ([`crate::procedure`]).
//!
//! Challenges (质疑) use the lot's objection list: while one is pending the contract may not be
//! signed (条例 Art 54). A complaint's suspension (法 Art 57) holds every step but the challenge
//! steps until it lapses or is lifted.

use crate::calendar::Calendar;
use crate::error::FieldError;
use crate::procedure::{
    self as p, Command, Event, Lot, ObjectionSubject, Refusal, Stage, out_of_order,
};
use crate::procurement::{self as gp, ORDER74, ORDER87, ProcurementPack, PurchaseMethod};
use crate::tender_schedule::{TenderDates, cn_date};
use chrono::{DateTime, Duration, Utc};

fn rule(
    field: &str,
    code: &'static str,
    reg: &'static str,
    art: &'static str,
    zh: String,
    en: String,
) -> Refusal {
    FieldError::new(field, code, zh, en)
        .with_rule(reg, art)
        .into()
}

/// The dates of a notice or invitation: the method's response period, and documents available
/// for at least 5 working days where the method issues documents on sale (条例 Art 31; 214号 Art 10).
pub fn check_dates(
    pack: &ProcurementPack,
    cal: &Calendar,
    m: PurchaseMethod,
    d: &TenderDates,
    now: DateTime<Utc>,
) -> Result<(), Refusal> {
    p::not_in_past(d.documents_from, now)?;
    if d.documents_until <= d.documents_from || d.documents_until > d.bid_deadline {
        return Err(FieldError::new(
            "documents_until",
            "tender.documents_window",
            "文件发售截止应晚于开始且不晚于响应截止时间",
            "Documents are on issue from their start until no later than the deadline",
        )
        .into());
    }
    let (from, until) = (cn_date(d.documents_from), cn_date(d.documents_until));
    if matches!(
        m,
        PurchaseMethod::OpenTender
            | PurchaseMethod::InvitedTender
            | PurchaseMethod::CompetitiveConsultation
    ) && !cal
        .at_least_working_days(from, until, pack.documents_available.value)
        .map_err(|y| y.field("documents_until"))?
    {
        let n = &pack.documents_available;
        return Err(rule(
            "documents_until",
            "procurement.documents_short",
            n.regulation,
            n.article,
            format!("采购文件的提供期限不得少于 {} 个工作日", n.value.0),
            format!(
                "Documents are available for at least {} working days",
                n.value.0
            ),
        ));
    }
    gp::check_response_period(pack, cal, m, from, cn_date(d.bid_deadline))?;
    Ok(())
}

/// The dates of the lot's start step; a single source without its publicity has no period.
fn check_start(
    pack: &ProcurementPack,
    cal: &Calendar,
    m: PurchaseMethod,
    lot: &Lot,
    d: &TenderDates,
    now: DateTime<Utc>,
) -> Result<(), Refusal> {
    if m == PurchaseMethod::SingleSource && !lot.publicity_required {
        p::not_in_past(d.documents_from, now)?;
        if d.bid_deadline <= d.documents_from {
            return Err(FieldError::new(
                "bid_deadline",
                "tender.documents_window",
                "响应截止应晚于文件发出时间",
                "The deadline follows the documents",
            )
            .into());
        }
        return Ok(());
    }
    check_dates(pack, cal, m, d, now)
}

fn check_invitees(m: PurchaseMethod, invitees: &[uuid::Uuid]) -> Result<(), Refusal> {
    let (min, reg, art) = m.min_suppliers();
    if m == PurchaseMethod::SingleSource {
        if invitees.len() != 1 {
            return Err(rule(
                "invitees",
                "procurement.single_source_one",
                reg,
                art,
                "单一来源采购只能与一家供应商协商".into(),
                "A single-source purchase negotiates with exactly one supplier".into(),
            ));
        }
        return Ok(());
    }
    if (invitees.len() as u32) < min {
        return Err(rule(
            "invitees",
            "procurement.too_few_suppliers",
            reg,
            art,
            format!("{}应邀请不少于 {min} 家供应商", m.label_zh()),
            format!("{} invites at least {min} suppliers", m.label_en()),
        ));
    }
    Ok(())
}

fn check_clarification(
    pack: &ProcurementPack,
    cal: &Calendar,
    m: PurchaseMethod,
    now: DateTime<Utc>,
    deadline: DateTime<Utc>,
) -> Result<(), Refusal> {
    let (today, last) = (cn_date(now), cn_date(deadline));
    match m {
        PurchaseMethod::CompetitiveNegotiation | PurchaseMethod::RequestForQuotation => {
            let n = &pack.negotiation_clarification_lead;
            if !cal
                .at_least_working_days(today, last, n.value)
                .map_err(|y| y.field("bid_deadline"))?
            {
                return Err(rule(
                    "bid_deadline",
                    "procurement.clarification_late",
                    n.regulation,
                    n.article,
                    format!(
                        "澄清或修改应在响应截止 {} 个工作日前发出，否则顺延截止时间",
                        n.value.0
                    ),
                    format!(
                        "Clarify at least {} working days before the deadline, or move it",
                        n.value.0
                    ),
                ));
            }
        }
        _ => {
            let n = if m == PurchaseMethod::CompetitiveConsultation {
                &pack.consultation_clarification_lead
            } else {
                &pack.clarification_lead
            };
            if !Calendar::at_least_calendar_days(today, last, n.value) {
                return Err(rule(
                    "bid_deadline",
                    "procurement.clarification_late",
                    n.regulation,
                    n.article,
                    format!(
                        "澄清或修改应在截止时间 {} 日前发出，否则顺延截止时间",
                        n.value.0
                    ),
                    format!(
                        "Clarify at least {} days before the deadline, or move it",
                        n.value.0
                    ),
                ));
            }
        }
    }
    Ok(())
}

pub fn decide(
    pack: &ProcurementPack,
    cal: &Calendar,
    m: PurchaseMethod,
    lot: &Lot,
    cmd: &Command,
    now: DateTime<Utc>,
) -> Result<Vec<Event>, Refusal> {
    use Command as C;
    let held = lot.suspended_until.is_some_and(|u| now < u);
    if held
        && !matches!(
            cmd,
            C::Resume | C::Suspend { .. } | C::RaiseObjection { .. } | C::ReplyObjection { .. }
        )
    {
        return Err(rule(
            "lot",
            "procurement.suspended",
            gp::LAW,
            "57",
            "投诉处理期间财政部门已暂停采购活动".into(),
            "The finance department has suspended this procurement during a complaint".into(),
        ));
    }
    match (lot.stage, cmd) {
        (Stage::Registered, C::PublishNotice(d))
            if !matches!(
                m,
                PurchaseMethod::InvitedTender | PurchaseMethod::SingleSource
            ) =>
        {
            check_start(pack, cal, m, lot, d, now)?;
            Ok(vec![Event::NoticePublished {
                dates_documents_from: d.documents_from,
                dates_documents_until: d.documents_until,
                bid_deadline: d.bid_deadline,
            }])
        }
        (Stage::Registered, C::Invite { invitees, dates }) if m != PurchaseMethod::OpenTender => {
            let mut distinct = invitees.clone();
            distinct.sort();
            distinct.dedup();
            check_invitees(m, &distinct)?;
            check_start(pack, cal, m, lot, dates, now)?;
            Ok(vec![Event::Invited {
                invitees: distinct,
                documents_from: dates.documents_from,
                documents_until: dates.documents_until,
                bid_deadline: dates.bid_deadline,
            }])
        }
        (Stage::Registered, C::PublishNotice(_) | C::Invite { .. }) => Err(out_of_order(
            lot,
            match m {
                PurchaseMethod::OpenTender => "an open tender starts with its notice",
                PurchaseMethod::InvitedTender => "an invited tender starts with the supplier draw",
                PurchaseMethod::SingleSource => "a single-source purchase starts with its supplier",
                _ => "this method starts with a notice or invitations",
            },
        )),
        (Stage::Tendering, C::Clarify { new_deadline }) => {
            let Some(d) = lot.dates else {
                return Err(out_of_order(lot, "no notice"));
            };
            if now >= d.bid_deadline {
                return Err(out_of_order(lot, "the deadline has passed"));
            }
            let deadline = new_deadline.unwrap_or(d.bid_deadline);
            if deadline < d.bid_deadline {
                return Err(FieldError::new(
                    "bid_deadline",
                    "tender.deadline_earlier",
                    "澄清不能提前截止时间",
                    "A clarification cannot bring the deadline forward",
                )
                .into());
            }
            check_clarification(pack, cal, m, now, deadline)?;
            Ok(vec![Event::Clarified {
                bid_deadline: deadline,
            }])
        }
        (Stage::Registered | Stage::Failed | Stage::Contracted, C::RaiseObjection { .. }) => {
            Err(out_of_order(
                lot,
                "challenges concern published documents, steps or results",
            ))
        }
        (_, C::RaiseObjection { id, subject }) => Ok(vec![Event::ObjectionRaised {
            id: *id,
            subject: *subject,
            at: now,
        }]),
        (_, C::ReplyObjection { id }) => {
            let Some(o) = lot.objections.iter().find(|o| o.id == *id) else {
                return Err(out_of_order(lot, "no such pending challenge"));
            };
            let due = cal.add_working_days(cn_date(o.raised_at), pack.challenge_reply.value);
            Ok(vec![Event::ObjectionAnswered {
                id: *id,
                in_time: cn_date(now) <= due,
            }])
        }
        (Stage::Tendering, C::SubmitBid { bidder }) => {
            p::submit_bid(lot, *bidder, now, (ORDER87, "33"), || {
                let (_, reg, art) = m.min_suppliers();
                FieldError::new(
                    "bid",
                    "bid.not_admitted",
                    format!("{}仅接受受邀供应商的响应", m.label_zh()),
                    format!("{} accepts responses from its invitees only", m.label_en()),
                )
                .with_rule(reg, art)
            })
        }
        (Stage::Tendering, C::WithdrawBid { bidder }) => {
            p::withdraw_bid(lot, *bidder, now, (ORDER87, "34"))
        }
        (Stage::Tendering, C::DecryptionFailed { bidder, by_bidder }) => {
            p::decryption_failed(lot, *bidder, *by_bidder, now)
        }
        (Stage::Tendering, C::Open) => p::open(lot, now, m.min_suppliers().0),
        (Stage::Evaluating, C::RequestFinalQuotes { due }) if m.final_quotes() => {
            // One round: a buyer who could ask again after reading the quotes could let a
            // favoured supplier re-quote and drop the others.
            if lot.final_quotes_due.is_some() {
                return Err(rule(
                    "due",
                    "procurement.final_quotes_once",
                    ORDER74,
                    "33",
                    "最后报价只进行一轮，已邀请的最后报价不得重新发起".into(),
                    "Final quotes are one round; a requested round cannot be requested again"
                        .into(),
                ));
            }
            if *due <= now {
                return Err(FieldError::new(
                    "due",
                    "procurement.final_quotes_due",
                    "最后报价截止时间应晚于现在",
                    "Final quotes are due after now",
                )
                .into());
            }
            Ok(vec![Event::FinalQuotesRequested { due: *due }])
        }
        (Stage::Evaluating, C::SubmitFinalQuote { bidder }) => {
            let Some(due) = lot.final_quotes_due else {
                return Err(out_of_order(lot, "final quotes have not been requested"));
            };
            if now >= due {
                return Err(rule(
                    "price",
                    "procurement.final_quote_late",
                    ORDER74,
                    "33",
                    "已过最后报价截止时间".into(),
                    "Final quotes are closed".into(),
                ));
            }
            if !lot.bidders.contains(bidder) {
                return Err(out_of_order(lot, "not a responding supplier"));
            }
            Ok(vec![Event::FinalQuoteSubmitted {
                bidder: *bidder,
                at: now,
            }])
        }
        (Stage::Evaluating, C::ReportEvaluation { ranked }) => {
            let eligible: &[uuid::Uuid] = if m.final_quotes() {
                match lot.final_quotes_due {
                    Some(due) if now >= due => &lot.final_quoted,
                    _ => {
                        return Err(out_of_order(
                            lot,
                            "the report follows the close of final quotes",
                        ));
                    }
                }
            } else {
                &lot.bidders
            };
            let max = pack.max_candidates.value as usize;
            if ranked.is_empty()
                || ranked.len() > max
                || ranked.iter().any(|c| !eligible.contains(c))
            {
                return Err(rule(
                    "ranked",
                    "evaluation.candidates",
                    pack.max_candidates.regulation,
                    pack.max_candidates.article,
                    format!("成交/中标候选人应为 1 至 {max} 名有效响应的供应商"),
                    format!("Name 1 to {max} candidates from the valid responses"),
                ));
            }
            Ok(vec![Event::EvaluationReported {
                ranked: ranked.clone(),
                at: now,
            }])
        }
        (Stage::Evaluating, C::RejectAll) => Ok(vec![Event::AllBidsRejected]),
        (Stage::Reported, C::Award { winner }) => {
            if lot.candidates.first() != Some(winner) {
                return Err(rule(
                    "winner",
                    "award.ranked_order",
                    ORDER87,
                    "68",
                    "采购人应当按照评审报告中推荐的候选人顺序确定中标或成交供应商".into(),
                    "The buyer decides in the ranked order of the report".into(),
                ));
            }
            Ok(vec![Event::Awarded { winner: *winner }])
        }
        (Stage::Awarded, C::RecordContract) => {
            if lot.suspended_by(ObjectionSubject::Result)
                || lot.suspended_by(ObjectionSubject::Documents)
            {
                return Err(rule(
                    "contract",
                    "procurement.challenge_pending",
                    gp::REGS,
                    "54",
                    "质疑答复前可能影响采购结果，暂停签订合同".into(),
                    "A pending challenge may change the result: signing is stopped".into(),
                ));
            }
            Ok(vec![Event::ContractRecorded])
        }
        (Stage::Failed | Stage::Contracted, C::Suspend { .. }) => {
            Err(out_of_order(lot, "nothing left to suspend"))
        }
        (_, C::Suspend { until }) => {
            let n = pack.suspension_max.value;
            if *until <= now || *until > now + Duration::days(i64::from(n.0)) {
                return Err(rule(
                    "until",
                    "procurement.suspension_max",
                    pack.suspension_max.regulation,
                    pack.suspension_max.article,
                    format!("暂停采购活动的时间最长不得超过 {} 日", n.0),
                    format!("A suspension lasts at most {} days", n.0),
                ));
            }
            Ok(vec![Event::Suspended { until: *until }])
        }
        (_, C::Resume) if lot.suspended_until.is_some() => Ok(vec![Event::Resumed]),
        (_, _) => Err(out_of_order(
            lot,
            "this step does not follow from the current stage",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::procedure::{ProcedureKind, Rules, step};
    use uuid::Uuid;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(&format!("{s}+08:00"))
            .expect("ts")
            .with_timezone(&Utc)
    }

    fn ids(n: u128) -> Vec<Uuid> {
        (1..=n).map(Uuid::from_u128).collect()
    }

    struct Env {
        pack: ProcurementPack,
        cal: Calendar,
    }

    impl Env {
        fn new() -> Self {
            Self {
                pack: ProcurementPack::v2022(),
                cal: Calendar::default_cn(),
            }
        }
        fn run(&self, lot: &mut Lot, cmd: Command, at: &str) -> Result<Vec<Event>, Refusal> {
            step(Rules::Procurement(&self.pack, &self.cal), lot, &cmd, t(at))
        }
    }

    fn dates(from: &str, until: &str, deadline: &str) -> TenderDates {
        TenderDates {
            documents_from: t(from),
            documents_until: t(until),
            bid_deadline: t(deadline),
        }
    }

    fn code(r: &Result<Vec<Event>, Refusal>) -> &str {
        match r {
            Err(Refusal::Rule(e)) => e[0].code,
            Err(Refusal::OutOfOrder { .. }) => "out_of_order",
            Ok(_) => "ok",
        }
    }

    fn lot(m: PurchaseMethod) -> Lot {
        Lot::new(ProcedureKind::Gp(m), false)
    }

    /// Each start limit of RULES.md §3.2 [V]/[S], just inside and just outside. Monday
    /// 2026-03-02 is the issue day; the calendar has no holiday in March 2026.
    #[test]
    fn start_periods_per_method() {
        let e = Env::new();
        let now = "2026-03-01T10:00:00";
        let cases: [(PurchaseMethod, &str, &str, &str); 8] = [
            // Tender: ≥ 20 days, documents ≥ 5 working days (Mon → next Mon).
            (
                PurchaseMethod::OpenTender,
                "2026-03-09T17:00:00",
                "2026-03-22T09:30:00",
                "ok",
            ),
            (
                PurchaseMethod::OpenTender,
                "2026-03-09T17:00:00",
                "2026-03-21T09:30:00",
                "procurement.period_short",
            ),
            (
                PurchaseMethod::OpenTender,
                "2026-03-06T17:00:00",
                "2026-03-22T09:30:00",
                "procurement.documents_short",
            ),
            // Consultation: ≥ 10 days.
            (
                PurchaseMethod::CompetitiveConsultation,
                "2026-03-09T17:00:00",
                "2026-03-12T09:30:00",
                "ok",
            ),
            (
                PurchaseMethod::CompetitiveConsultation,
                "2026-03-09T17:00:00",
                "2026-03-11T09:30:00",
                "procurement.period_short",
            ),
            // Negotiation and quotation: ≥ 3 working days (Mon → Thu).
            (
                PurchaseMethod::CompetitiveNegotiation,
                "2026-03-03T17:00:00",
                "2026-03-05T09:30:00",
                "ok",
            ),
            (
                PurchaseMethod::CompetitiveNegotiation,
                "2026-03-03T17:00:00",
                "2026-03-04T09:30:00",
                "procurement.period_short",
            ),
            (
                PurchaseMethod::RequestForQuotation,
                "2026-03-03T17:00:00",
                "2026-03-04T09:30:00",
                "procurement.period_short",
            ),
        ];
        for (m, until, deadline, want) in cases {
            let mut l = lot(m);
            let r = e.run(
                &mut l,
                Command::PublishNotice(dates("2026-03-02T09:00:00", until, deadline)),
                now,
            );
            assert_eq!(code(&r), want, "{m:?} until {until} deadline {deadline}");
        }
    }

    #[test]
    fn invitations_need_three_suppliers_and_single_source_one() {
        let e = Env::new();
        let d = dates(
            "2026-03-02T09:00:00",
            "2026-03-04T17:00:00",
            "2026-03-06T09:30:00",
        );
        let now = "2026-03-01T10:00:00";
        for (m, n, want) in [
            (
                PurchaseMethod::CompetitiveNegotiation,
                2,
                "procurement.too_few_suppliers",
            ),
            (PurchaseMethod::CompetitiveNegotiation, 3, "ok"),
            (
                PurchaseMethod::RequestForQuotation,
                2,
                "procurement.too_few_suppliers",
            ),
            (
                PurchaseMethod::SingleSource,
                2,
                "procurement.single_source_one",
            ),
            (PurchaseMethod::SingleSource, 1, "ok"),
        ] {
            let mut l = lot(m);
            let r = e.run(
                &mut l,
                Command::Invite {
                    invitees: ids(n),
                    dates: d,
                },
                now,
            );
            assert_eq!(code(&r), want, "{m:?} with {n}");
        }
        // An open tender does not start with invitations.
        let mut l = lot(PurchaseMethod::OpenTender);
        let r = e.run(
            &mut l,
            Command::Invite {
                invitees: ids(3),
                dates: d,
            },
            now,
        );
        assert_eq!(code(&r), "out_of_order");
        // A single source above the threshold with one supplier is publicised 5 working days.
        let mut l = lot(PurchaseMethod::SingleSource);
        l.publicity_required = true;
        let r = e.run(
            &mut l,
            Command::Invite {
                invitees: ids(1),
                dates: d,
            },
            now,
        );
        assert_eq!(code(&r), "procurement.period_short");
        let five = dates(
            "2026-03-02T09:00:00",
            "2026-03-06T17:00:00",
            "2026-03-09T09:30:00",
        );
        let r = e.run(
            &mut l,
            Command::Invite {
                invitees: ids(1),
                dates: five,
            },
            now,
        );
        assert_eq!(code(&r), "ok");
    }

    /// A negotiation: three respond, final quotes are asked, the report ranks only those who
    /// quoted, the buyer decides in ranked order, a challenge stops the contract until answered.
    #[test]
    fn negotiation_from_invitation_to_contract() {
        let e = Env::new();
        let mut l = lot(PurchaseMethod::CompetitiveNegotiation);
        let d = dates(
            "2026-03-02T09:00:00",
            "2026-03-04T17:00:00",
            "2026-03-06T09:30:00",
        );
        e.run(
            &mut l,
            Command::Invite {
                invitees: ids(3),
                dates: d,
            },
            "2026-03-01T10:00:00",
        )
        .expect("invite");
        let stranger = Uuid::from_u128(9);
        let r = e.run(
            &mut l,
            Command::SubmitBid { bidder: stranger },
            "2026-03-05T10:00:00",
        );
        assert_eq!(code(&r), "bid.not_admitted");
        for b in ids(3) {
            e.run(
                &mut l,
                Command::SubmitBid { bidder: b },
                "2026-03-05T10:00:00",
            )
            .expect("bid");
        }
        assert_eq!(
            e.run(&mut l, Command::Open, "2026-03-06T09:30:00")
                .expect("open"),
            vec![Event::Opened { bids: 3 }]
        );
        let r = e.run(
            &mut l,
            Command::ReportEvaluation { ranked: ids(1) },
            "2026-03-06T11:00:00",
        );
        assert_eq!(
            code(&r),
            "out_of_order",
            "the report follows the final quotes"
        );
        e.run(
            &mut l,
            Command::RequestFinalQuotes {
                due: t("2026-03-06T15:00:00"),
            },
            "2026-03-06T11:00:00",
        )
        .expect("ask");
        for b in ids(2) {
            e.run(
                &mut l,
                Command::SubmitFinalQuote { bidder: b },
                "2026-03-06T14:00:00",
            )
            .expect("quote");
        }
        let late = e.run(
            &mut l,
            Command::SubmitFinalQuote {
                bidder: Uuid::from_u128(3),
            },
            "2026-03-06T15:00:00",
        );
        assert_eq!(code(&late), "procurement.final_quote_late");
        // Final quotes are final: once read, the round cannot be asked for again, neither
        // while it runs nor after it closed, and the quotes already in stay counted.
        for at in ["2026-03-06T14:30:00", "2026-03-06T15:30:00"] {
            let again = e.run(
                &mut l,
                Command::RequestFinalQuotes {
                    due: t("2026-03-06T18:00:00"),
                },
                at,
            );
            assert_eq!(code(&again), "procurement.final_quotes_once", "{at}");
        }
        assert_eq!(l.final_quoted, ids(2));
        let r = e.run(
            &mut l,
            Command::ReportEvaluation { ranked: ids(3) },
            "2026-03-06T16:00:00",
        );
        assert_eq!(
            code(&r),
            "evaluation.candidates",
            "no final quote, no place"
        );
        e.run(
            &mut l,
            Command::ReportEvaluation { ranked: ids(2) },
            "2026-03-06T16:00:00",
        )
        .expect("report");
        let r = e.run(
            &mut l,
            Command::Award {
                winner: Uuid::from_u128(2),
            },
            "2026-03-09T10:00:00",
        );
        assert_eq!(code(&r), "award.ranked_order");
        e.run(
            &mut l,
            Command::Award {
                winner: Uuid::from_u128(1),
            },
            "2026-03-09T10:00:00",
        )
        .expect("award");
        let ch = Uuid::from_u128(77);
        e.run(
            &mut l,
            Command::RaiseObjection {
                id: ch,
                subject: ObjectionSubject::Result,
            },
            "2026-03-11T10:00:00",
        )
        .expect("challenge");
        let r = e.run(&mut l, Command::RecordContract, "2026-03-12T10:00:00");
        assert_eq!(code(&r), "procurement.challenge_pending");
        // Reply on the 7th working day after the challenge (Wed 11 → Fri 20) is in time.
        assert_eq!(
            e.run(
                &mut l,
                Command::ReplyObjection { id: ch },
                "2026-03-20T17:00:00"
            )
            .expect("reply"),
            vec![Event::ObjectionAnswered {
                id: ch,
                in_time: true
            }]
        );
        e.run(&mut l, Command::RecordContract, "2026-03-23T10:00:00")
            .expect("contract");
        assert_eq!(l.stage, Stage::Contracted);
    }

    #[test]
    fn too_few_responses_fail_and_single_source_needs_one() {
        let e = Env::new();
        let d = dates(
            "2026-03-02T09:00:00",
            "2026-03-09T17:00:00",
            "2026-03-23T09:30:00",
        );
        let mut l = lot(PurchaseMethod::OpenTender);
        e.run(&mut l, Command::PublishNotice(d), "2026-03-01T10:00:00")
            .expect("notice");
        for b in ids(2) {
            e.run(
                &mut l,
                Command::SubmitBid { bidder: b },
                "2026-03-20T10:00:00",
            )
            .expect("bid");
        }
        assert_eq!(
            e.run(&mut l, Command::Open, "2026-03-23T09:30:00")
                .expect("open"),
            vec![Event::FailedTooFewBids { bids: 2 }]
        );
        let mut s = lot(PurchaseMethod::SingleSource);
        e.run(
            &mut s,
            Command::Invite {
                invitees: ids(1),
                dates: d,
            },
            "2026-03-01T10:00:00",
        )
        .expect("invite");
        e.run(
            &mut s,
            Command::SubmitBid {
                bidder: Uuid::from_u128(1),
            },
            "2026-03-20T10:00:00",
        )
        .expect("bid");
        assert_eq!(
            e.run(&mut s, Command::Open, "2026-03-23T09:30:00")
                .expect("open"),
            vec![Event::Opened { bids: 1 }]
        );
    }

    /// 法 Art 57: a suspension lasts at most 30 days and holds every step but challenges.
    #[test]
    fn a_complaint_suspends_for_at_most_thirty_days() {
        let e = Env::new();
        let d = dates(
            "2026-03-02T09:00:00",
            "2026-03-09T17:00:00",
            "2026-03-23T09:30:00",
        );
        let mut l = lot(PurchaseMethod::OpenTender);
        e.run(&mut l, Command::PublishNotice(d), "2026-03-01T10:00:00")
            .expect("notice");
        let r = e.run(
            &mut l,
            Command::Suspend {
                until: t("2026-04-03T10:00:01"),
            },
            "2026-03-04T10:00:00",
        );
        assert_eq!(
            code(&r),
            "procurement.suspension_max",
            "30 days and a second"
        );
        e.run(
            &mut l,
            Command::Suspend {
                until: t("2026-04-03T10:00:00"),
            },
            "2026-03-04T10:00:00",
        )
        .expect("30 days");
        let r = e.run(
            &mut l,
            Command::SubmitBid {
                bidder: Uuid::from_u128(1),
            },
            "2026-03-05T10:00:00",
        );
        assert_eq!(code(&r), "procurement.suspended");
        e.run(&mut l, Command::Resume, "2026-03-06T10:00:00")
            .expect("resume");
        e.run(
            &mut l,
            Command::SubmitBid {
                bidder: Uuid::from_u128(1),
            },
            "2026-03-06T11:00:00",
        )
        .expect("bid after resuming");
    }

    #[test]
    fn construction_rules_do_not_govern_a_procurement_lot() {
        let pack = crate::rulepack::ConstructionPack::v2019();
        let mut l = lot(PurchaseMethod::OpenTender);
        let d = dates(
            "2026-03-02T09:00:00",
            "2026-03-09T17:00:00",
            "2026-03-23T09:30:00",
        );
        let r = step(
            &pack,
            &mut l,
            &Command::PublishNotice(d),
            t("2026-03-01T10:00:00"),
        );
        assert_eq!(code(&r), "out_of_order");
    }
}
