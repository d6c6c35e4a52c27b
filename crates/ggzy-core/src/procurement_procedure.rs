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
        (
            Stage::Reported,
            C::Award {
                winner,
                passed_over,
            },
        ) => {
            if crate::procedure::first_eligible(&lot.candidates, passed_over) != Some(winner) {
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
mod tests;
