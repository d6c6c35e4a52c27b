//! The procedures of one lot as one deterministic state machine:
//! `decide(rules, lot, command, now) -> events | refusal`, and `apply(lot, event)` to fold events
//! back. Construction tenders (open with post-qualification, prequalification, invited) and the six
//! government-procurement methods share the bidding, opening and objection steps; they differ in
//! how a lot reaches `Tendering`, who may bid, whether final quotes follow the opening, and what
//! happens after the report (candidate publicity and award, or the buyer's decision). The
//! procurement arms live in [`crate::procurement_procedure`].
//!
//! Blocking is modelled, not only deadlines: a pending objection suspends the steps it concerns
//! (条例 Art 22, 54) until it is answered. No I/O and no clock: `now` is an argument, so a replay of
//! the event log rebuilds exactly the same state.

mod construction;
pub(crate) use construction::*;

use crate::calendar::Calendar;
use crate::error::FieldError;
use crate::procurement::{ProcurementPack, PurchaseMethod};
use crate::rulepack::ConstructionPack;
use crate::tender_schedule::{self as ts, TenderDates};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// How a lot is tendered (法 Art 10, 17; 条例 Art 15–20).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProcedureKind {
    /// Open tender, qualification reviewed by the committee after opening (资格后审).
    OpenTender,
    /// Open tender with prequalification (资格预审): only applicants who pass may bid.
    Prequalification,
    /// Invited tender (邀请招标): invitation letters to at least 3 entities; only they may bid.
    Invited,
    /// Government procurement (政府采购法) by one of its six methods.
    Gp(PurchaseMethod),
}

impl ProcedureKind {
    /// The construction procedures (招标投标法).
    pub const ALL: [Self; 3] = [Self::OpenTender, Self::Prequalification, Self::Invited];
    pub const PROCUREMENT: [Self; 6] = [
        Self::Gp(PurchaseMethod::OpenTender),
        Self::Gp(PurchaseMethod::InvitedTender),
        Self::Gp(PurchaseMethod::CompetitiveNegotiation),
        Self::Gp(PurchaseMethod::CompetitiveConsultation),
        Self::Gp(PurchaseMethod::RequestForQuotation),
        Self::Gp(PurchaseMethod::SingleSource),
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::OpenTender => "open_tender",
            Self::Prequalification => "prequalification",
            Self::Invited => "invited",
            Self::Gp(m) => m.code(),
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .chain(Self::PROCUREMENT)
            .find(|k| k.as_str() == s)
    }

    pub fn purchase_method(self) -> Option<PurchaseMethod> {
        match self {
            Self::Gp(m) => Some(m),
            _ => None,
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::OpenTender => "公开招标（资格后审）",
            Self::Prequalification => "公开招标（资格预审）",
            Self::Invited => "邀请招标",
            Self::Gp(m) => m.label_zh(),
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::OpenTender => "Open tender (post-qualification)",
            Self::Prequalification => "Open tender (prequalification)",
            Self::Invited => "Invited tender",
            Self::Gp(m) => m.label_en(),
        }
    }
}

/// The rule pack a lot is governed by, with the working-day calendar procurement limits count in.
#[derive(Debug, Clone, Copy)]
pub enum Rules<'a> {
    Construction(&'a ConstructionPack),
    Procurement(&'a ProcurementPack, &'a Calendar),
}

impl<'a> From<&'a ConstructionPack> for Rules<'a> {
    fn from(p: &'a ConstructionPack) -> Self {
        Self::Construction(p)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Registered on the platform (进场), no notice yet.
    Registered,
    /// Prequalification notice out; applications accepted until their deadline.
    Prequalifying,
    /// Prequalification reviewed with enough passing; the tender notice goes to those who passed.
    Prequalified,
    /// Notice published; documents on issue; bids accepted until the deadline.
    Tendering,
    /// Opened with enough bids; evaluation under way.
    Evaluating,
    /// Fewer than the minimum bids at the deadline: failed, to be re-tendered.
    Failed,
    /// Evaluation report in; candidates to be published.
    Reported,
    /// Candidates on publicity.
    Publicity,
    Awarded,
    Contracted,
    /// Ended by the tenderer or buyer before the award, with a termination notice.
    Terminated,
}

impl Stage {
    pub const ALL: [Self; 11] = [
        Self::Registered,
        Self::Prequalifying,
        Self::Prequalified,
        Self::Tendering,
        Self::Evaluating,
        Self::Failed,
        Self::Reported,
        Self::Publicity,
        Self::Awarded,
        Self::Contracted,
        Self::Terminated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Registered => "registered",
            Self::Prequalifying => "prequalifying",
            Self::Prequalified => "prequalified",
            Self::Tendering => "tendering",
            Self::Evaluating => "evaluating",
            Self::Failed => "failed",
            Self::Reported => "reported",
            Self::Publicity => "publicity",
            Self::Awarded => "awarded",
            Self::Contracted => "contracted",
            Self::Terminated => "terminated",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Registered => "已进场登记",
            Self::Prequalifying => "资格预审中",
            Self::Prequalified => "资格预审完成",
            Self::Tendering => "招标中",
            Self::Evaluating => "已开标，评标中",
            Self::Failed => "流标",
            Self::Reported => "评标完成",
            Self::Publicity => "中标候选人公示中",
            Self::Awarded => "已定标",
            Self::Contracted => "合同已签订",
            Self::Terminated => "已终止",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::Registered => "Registered",
            Self::Prequalifying => "Prequalification",
            Self::Prequalified => "Prequalified",
            Self::Tendering => "Tendering",
            Self::Evaluating => "Opened, evaluating",
            Self::Failed => "Failed",
            Self::Reported => "Evaluated",
            Self::Publicity => "Candidates on publicity",
            Self::Awarded => "Awarded",
            Self::Contracted => "Contract signed",
            Self::Terminated => "Terminated",
        }
    }

    /// Bids may be decrypted from this stage on (条例 Art 44; 电子招标投标办法 Art 27).
    pub fn opened(self) -> bool {
        matches!(
            self,
            Self::Evaluating | Self::Reported | Self::Publicity | Self::Awarded | Self::Contracted
        )
    }

    /// What a lot in this stage waits for, shown with a refused out-of-order step.
    pub fn waits_for(self) -> &'static str {
        match self {
            Self::Registered => "publish_notice",
            Self::Prequalifying => "prequalification_review",
            Self::Prequalified => "publish_notice",
            Self::Tendering => "bid_deadline_then_open",
            Self::Evaluating => "evaluation_report",
            Self::Failed => "re_tender",
            Self::Reported => "start_publicity",
            Self::Publicity => "publicity_end_then_award",
            Self::Awarded => "contract",
            Self::Contracted | Self::Terminated => "nothing",
        }
    }

    /// A published procedure may be ended up to the award; the award notice binds both sides
    /// (法 Art 45), and a failed lot is re-tendered instead.
    pub fn terminable(self) -> bool {
        matches!(
            self,
            Self::Prequalifying
                | Self::Prequalified
                | Self::Tendering
                | Self::Evaluating
                | Self::Reported
                | Self::Publicity
        )
    }
}

/// What an objection concerns: the documents (suspends bidding and opening) or the result
/// (suspends the award).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectionSubject {
    Documents,
    Result,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingObjection {
    pub id: Uuid,
    pub subject: ObjectionSubject,
    pub raised_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lot {
    pub kind: ProcedureKind,
    pub stage: Stage,
    /// Prequalification applications are due by this instant.
    pub applications_due: Option<DateTime<Utc>>,
    pub applicants: Vec<Uuid>,
    /// Who may bid: those who passed prequalification, or the invitees. `None`: anyone registered.
    pub admitted: Option<Vec<Uuid>>,
    pub dates: Option<TenderDates>,
    /// Bidders whose bid currently stands (modified bids replace, withdrawn ones leave).
    pub bidders: Vec<Uuid>,
    pub objections: Vec<PendingObjection>,
    pub report_at: Option<DateTime<Utc>>,
    pub candidates: Vec<Uuid>,
    pub publicity_until: Option<DateTime<Utc>>,
    pub winner: Option<Uuid>,
    /// State funds control or lead: the first-ranked candidate must win (条例 Art 55).
    pub state_funds_controlling: bool,
    /// Final quotes (最后报价) are due by this instant (negotiation, consultation, single source).
    #[serde(default)]
    pub final_quotes_due: Option<DateTime<Utc>>,
    #[serde(default)]
    pub final_quoted: Vec<Uuid>,
    /// The finance department suspended the procurement while it handles a complaint (法 Art 57).
    #[serde(default)]
    pub suspended_until: Option<DateTime<Utc>>,
    /// A single-source purchase that must be publicised first (条例 Art 38).
    #[serde(default)]
    pub publicity_required: bool,
    /// A supervisor's order holds the procedure (责令暂停) until the same order is lifted.
    #[serde(default)]
    pub held_by: Option<Uuid>,
}

impl Lot {
    pub fn new(kind: ProcedureKind, state_funds_controlling: bool) -> Self {
        Self {
            kind,
            stage: Stage::Registered,
            applications_due: None,
            applicants: vec![],
            admitted: None,
            dates: None,
            bidders: vec![],
            objections: vec![],
            report_at: None,
            candidates: vec![],
            publicity_until: None,
            winner: None,
            state_funds_controlling,
            final_quotes_due: None,
            final_quoted: vec![],
            suspended_until: None,
            publicity_required: false,
            held_by: None,
        }
    }

    pub(crate) fn suspended_by(&self, subject: ObjectionSubject) -> bool {
        self.objections.iter().any(|o| o.subject == subject)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    PublishPrequalNotice(ts::PrequalDates),
    ApplyPrequal {
        applicant: Uuid,
    },
    /// The review's outcome: who passed.
    ReviewPrequal {
        passed: Vec<Uuid>,
    },
    /// Invitation letters with the tender's dates (invited tender).
    Invite {
        invitees: Vec<Uuid>,
        dates: TenderDates,
    },
    PublishNotice(TenderDates),
    /// A clarification that may affect bids, optionally moving the deadline.
    Clarify {
        new_deadline: Option<DateTime<Utc>>,
    },
    RaiseObjection {
        id: Uuid,
        subject: ObjectionSubject,
    },
    ReplyObjection {
        id: Uuid,
    },
    SubmitBid {
        bidder: Uuid,
    },
    WithdrawBid {
        bidder: Uuid,
    },
    /// At the opening, a bid that could not be decrypted leaves the lot (电子招标投标办法 Art 31):
    /// revoked when the bidder caused it, withdrawn otherwise.
    DecryptionFailed {
        bidder: Uuid,
        by_bidder: bool,
    },
    Open,
    ReportEvaluation {
        ranked: Vec<Uuid>,
    },
    /// Every bid rejected (or competition clearly lacking): the lot fails (法 Art 42).
    RejectAll,
    StartPublicity {
        until: DateTime<Utc>,
    },
    Award {
        winner: Uuid,
        /// Candidates ranked ahead of the winner who may no longer win (a credit bar since the
        /// evaluation), passed over in ranked order (条例 Art 55; 87号令 Art 68–69).
        passed_over: Vec<Uuid>,
    },
    RecordContract,
    /// The group asks every remaining supplier for its final quote (最后报价).
    RequestFinalQuotes {
        due: DateTime<Utc>,
    },
    SubmitFinalQuote {
        bidder: Uuid,
    },
    /// The finance department suspends the procurement during a complaint (法 Art 57).
    Suspend {
        until: DateTime<Utc>,
    },
    Resume,
    /// The tenderer or buyer ends the procedure (条例 Art 31; 87号令 Art 29). A procurement may be
    /// ended only because the purchase itself was cancelled by a major change.
    Terminate {
        purchase_cancelled: bool,
    },
    /// The supervisor orders the procedure suspended (责令暂停) until it lifts the order.
    Hold {
        order: Uuid,
    },
    /// The supervisor lifts its suspension order: the procedure resumes.
    Release {
        order: Uuid,
    },
    /// The supervisor orders the procedure ended (责令终止), at any stage before the contract.
    TerminateByOrder,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    PrequalNoticePublished {
        documents_from: DateTime<Utc>,
        documents_until: DateTime<Utc>,
        applications_due: DateTime<Utc>,
    },
    PrequalApplied {
        applicant: Uuid,
    },
    PrequalClarified {
        applications_due: DateTime<Utc>,
    },
    PrequalPassed {
        passed: Vec<Uuid>,
    },
    /// Fewer than the minimum passed: the lot fails and is re-tendered (条例 Art 19).
    PrequalFailed {
        passed: u32,
    },
    Invited {
        invitees: Vec<Uuid>,
        documents_from: DateTime<Utc>,
        documents_until: DateTime<Utc>,
        bid_deadline: DateTime<Utc>,
    },
    NoticePublished {
        dates_documents_from: DateTime<Utc>,
        dates_documents_until: DateTime<Utc>,
        bid_deadline: DateTime<Utc>,
    },
    Clarified {
        bid_deadline: DateTime<Utc>,
    },
    ObjectionRaised {
        id: Uuid,
        subject: ObjectionSubject,
        at: DateTime<Utc>,
    },
    ObjectionAnswered {
        id: Uuid,
        in_time: bool,
    },
    BidAccepted {
        bidder: Uuid,
        at: DateTime<Utc>,
    },
    BidWithdrawn {
        bidder: Uuid,
    },
    BidDecryptionFailed {
        bidder: Uuid,
        by_bidder: bool,
    },
    Opened {
        bids: u32,
    },
    FailedTooFewBids {
        bids: u32,
    },
    EvaluationReported {
        ranked: Vec<Uuid>,
        at: DateTime<Utc>,
    },
    AllBidsRejected,
    PublicityStarted {
        until: DateTime<Utc>,
    },
    Awarded {
        winner: Uuid,
    },
    ContractRecorded,
    FinalQuotesRequested {
        due: DateTime<Utc>,
    },
    FinalQuoteSubmitted {
        bidder: Uuid,
        at: DateTime<Utc>,
    },
    Suspended {
        until: DateTime<Utc>,
    },
    Resumed,
    Terminated,
    Held {
        order: Uuid,
    },
    Released {
        order: Uuid,
    },
}

/// Why a command was refused: a rule (422, citing it) or a step out of order (409).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    Rule(Vec<FieldError>),
    OutOfOrder {
        stage: Stage,
        waits_for: &'static str,
        reason: &'static str,
    },
}

impl From<FieldError> for Refusal {
    fn from(e: FieldError) -> Self {
        Self::Rule(vec![e])
    }
}

pub(crate) fn out_of_order(lot: &Lot, reason: &'static str) -> Refusal {
    Refusal::OutOfOrder {
        stage: lot.stage,
        waits_for: lot.stage.waits_for(),
        reason,
    }
}

pub(crate) fn suspended(field: &str) -> FieldError {
    FieldError::new(
        field,
        "procedure.suspended",
        "有异议尚未答复，相关招标投标活动暂停",
        "An objection awaits its reply; the steps it concerns are suspended",
    )
    .with_rule(crate::rulepack::REGS, "22")
}

pub(crate) fn not_in_past(from: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), Refusal> {
    if from < now - chrono::Duration::minutes(5) {
        return Err(FieldError::new(
            "documents_from",
            "tender.documents_in_past",
            "文件发出时间不能早于现在",
            "Documents cannot be issued in the past",
        )
        .into());
    }
    Ok(())
}

pub fn decide<'a>(
    rules: impl Into<Rules<'a>>,
    lot: &Lot,
    cmd: &Command,
    now: DateTime<Utc>,
) -> Result<Vec<Event>, Refusal> {
    if let Some(decided) = decide_order(lot, cmd) {
        return decided;
    }
    if let Command::Terminate { purchase_cancelled } = cmd {
        return decide_termination(lot, *purchase_cancelled);
    }
    match (rules.into(), lot.kind) {
        (Rules::Procurement(pack, cal), ProcedureKind::Gp(m)) => {
            crate::procurement_procedure::decide(pack, cal, m, lot, cmd, now)
        }
        (Rules::Construction(pack), k) if k.purchase_method().is_none() => {
            decide_construction(pack, lot, cmd, now)
        }
        _ => Err(out_of_order(
            lot,
            "the lot's rule pack does not govern its procedure",
        )),
    }
}

/// A supervisor's orders, the same for every procedure; and while an order holds the
/// procedure, every step but objections, their replies and clarifications waits (电子招标投标办法
/// Art 52: the supervision platform's instructions bind the trading platform). A clarification
/// passes because it is how the principal corrects its documents during the suspension and moves
/// a deadline the suspension ate. `None`: not an order's business, the procedure decides.
fn decide_order(lot: &Lot, cmd: &Command) -> Option<Result<Vec<Event>, Refusal>> {
    let live = !matches!(
        lot.stage,
        Stage::Failed | Stage::Contracted | Stage::Terminated
    );
    Some(match cmd {
        Command::Hold { .. } if !live => Err(out_of_order(lot, "the procedure has ended")),
        Command::Hold { .. } if lot.held_by.is_some() => Err(out_of_order(
            lot,
            "an earlier order already suspends the procedure",
        )),
        Command::Hold { order } => Ok(vec![Event::Held { order: *order }]),
        Command::Release { order } if lot.held_by == Some(*order) => {
            Ok(vec![Event::Released { order: *order }])
        }
        Command::Release { .. } => Err(out_of_order(
            lot,
            "no order of this number suspends the procedure",
        )),
        Command::TerminateByOrder if live => Ok(vec![Event::Terminated]),
        Command::TerminateByOrder => Err(out_of_order(lot, "the procedure has ended")),
        Command::RaiseObjection { .. }
        | Command::ReplyObjection { .. }
        | Command::Clarify { .. } => return None,
        _ if lot.held_by.is_some() => Err(held("lot").into()),
        _ => return None,
    })
}

pub(crate) fn held(field: &str) -> FieldError {
    FieldError::new(
        field,
        "procedure.held_by_order",
        "监督部门已责令暂停本项目的交易活动，解除前不得继续",
        "The supervisor has ordered this procedure suspended; nothing proceeds until the order is lifted",
    )
    .with_rule(crate::rulepack::E_TENDERING, "52")
}

/// The same for every procedure: whether it may still be ended, and for procurement why.
fn decide_termination(lot: &Lot, purchase_cancelled: bool) -> Result<Vec<Event>, Refusal> {
    if !lot.stage.terminable() {
        return Err(out_of_order(
            lot,
            "only a published procedure that is not yet awarded, failed or ended can be ended",
        ));
    }
    if lot.kind.purchase_method().is_some() && !purchase_cancelled {
        return Err(FieldError::new(
            "purchase_cancelled",
            "procedure.termination_not_allowed",
            "采购公告发布后，除因重大变故采购任务取消外，不得擅自终止采购活动",
            "Once its notice is out, a procurement may be ended only when a major change cancels the purchase itself",
        )
        .with_rule(crate::procurement::ORDER87, "29")
        .into());
    }
    Ok(vec![Event::Terminated])
}

/// The candidate who wins in ranked order: the first not passed over.
pub fn first_eligible<'a>(candidates: &'a [Uuid], passed_over: &[Uuid]) -> Option<&'a Uuid> {
    candidates.iter().find(|c| !passed_over.contains(c))
}

pub fn apply(lot: &mut Lot, ev: &Event) {
    match ev {
        Event::PrequalNoticePublished {
            applications_due, ..
        } => {
            lot.applications_due = Some(*applications_due);
            lot.stage = Stage::Prequalifying;
        }
        Event::PrequalApplied { applicant } => {
            if !lot.applicants.contains(applicant) {
                lot.applicants.push(*applicant);
            }
        }
        Event::PrequalClarified { applications_due } => {
            lot.applications_due = Some(*applications_due);
        }
        Event::PrequalPassed { passed } => {
            lot.admitted = Some(passed.clone());
            lot.stage = Stage::Prequalified;
        }
        Event::PrequalFailed { .. } => lot.stage = Stage::Failed,
        Event::Invited {
            invitees,
            documents_from,
            documents_until,
            bid_deadline,
        } => {
            lot.admitted = Some(invitees.clone());
            lot.dates = Some(TenderDates {
                documents_from: *documents_from,
                documents_until: *documents_until,
                bid_deadline: *bid_deadline,
            });
            lot.stage = Stage::Tendering;
        }
        Event::NoticePublished {
            dates_documents_from,
            dates_documents_until,
            bid_deadline,
        } => {
            lot.dates = Some(TenderDates {
                documents_from: *dates_documents_from,
                documents_until: *dates_documents_until,
                bid_deadline: *bid_deadline,
            });
            lot.stage = Stage::Tendering;
        }
        Event::Clarified { bid_deadline } => {
            if let Some(d) = lot.dates.as_mut() {
                d.bid_deadline = *bid_deadline;
            }
        }
        Event::ObjectionRaised { id, subject, at } => lot.objections.push(PendingObjection {
            id: *id,
            subject: *subject,
            raised_at: *at,
        }),
        Event::ObjectionAnswered { id, .. } => lot.objections.retain(|o| o.id != *id),
        Event::BidAccepted { bidder, .. } => {
            if !lot.bidders.contains(bidder) {
                lot.bidders.push(*bidder);
            }
        }
        Event::BidWithdrawn { bidder } | Event::BidDecryptionFailed { bidder, .. } => {
            lot.bidders.retain(|b| b != bidder)
        }
        Event::Opened { .. } => lot.stage = Stage::Evaluating,
        Event::FailedTooFewBids { .. } | Event::AllBidsRejected => lot.stage = Stage::Failed,
        Event::EvaluationReported { ranked, at } => {
            lot.candidates = ranked.clone();
            lot.report_at = Some(*at);
            lot.stage = Stage::Reported;
        }
        Event::PublicityStarted { until } => {
            lot.publicity_until = Some(*until);
            lot.stage = Stage::Publicity;
        }
        Event::Awarded { winner } => {
            lot.winner = Some(*winner);
            lot.stage = Stage::Awarded;
        }
        Event::ContractRecorded => lot.stage = Stage::Contracted,
        Event::FinalQuotesRequested { due } => lot.final_quotes_due = Some(*due),
        Event::FinalQuoteSubmitted { bidder, .. } => {
            if !lot.final_quoted.contains(bidder) {
                lot.final_quoted.push(*bidder);
            }
        }
        Event::Suspended { until } => lot.suspended_until = Some(*until),
        Event::Resumed => lot.suspended_until = None,
        Event::Terminated => {
            lot.stage = Stage::Terminated;
            lot.suspended_until = None;
            lot.held_by = None;
        }
        Event::Held { order } => lot.held_by = Some(*order),
        Event::Released { .. } => lot.held_by = None,
    }
}

/// Decide and apply in one step (what a service does inside its transaction).
pub fn step<'a>(
    rules: impl Into<Rules<'a>>,
    lot: &mut Lot,
    cmd: &Command,
    now: DateTime<Utc>,
) -> Result<Vec<Event>, Refusal> {
    let events = decide(rules, lot, cmd, now)?;
    for e in &events {
        apply(lot, e);
    }
    Ok(events)
}

#[cfg(test)]
mod tests;
