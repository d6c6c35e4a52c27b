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
}

impl Stage {
    pub const ALL: [Self; 10] = [
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
            Self::Contracted => "nothing",
        }
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

fn check_issue(
    pack: &ConstructionPack,
    d: &TenderDates,
    now: DateTime<Utc>,
) -> Result<(), Refusal> {
    ts::check_tender_dates(pack, d).map_err(Refusal::Rule)?;
    not_in_past(d.documents_from, now)
}

fn notice_published(d: &TenderDates) -> Event {
    Event::NoticePublished {
        dates_documents_from: d.documents_from,
        dates_documents_until: d.documents_until,
        bid_deadline: d.bid_deadline,
    }
}

/// A bid before the deadline from someone admitted to bid (the steps every procedure shares).
pub(crate) fn submit_bid(
    lot: &Lot,
    bidder: Uuid,
    now: DateTime<Utc>,
    (reg, art): (&'static str, &'static str),
    not_admitted: impl FnOnce() -> FieldError,
) -> Result<Vec<Event>, Refusal> {
    let Some(d) = lot.dates else {
        return Err(out_of_order(lot, "no notice"));
    };
    if now >= d.bid_deadline {
        return Err(FieldError::new(
            "bid",
            "bid.late",
            "已过投标截止时间，拒收投标文件",
            "The bid deadline has passed; late bids are refused",
        )
        .with_rule(reg, art)
        .into());
    }
    if lot.admitted.as_ref().is_some_and(|a| !a.contains(&bidder)) {
        return Err(not_admitted().into());
    }
    Ok(vec![Event::BidAccepted { bidder, at: now }])
}

pub(crate) fn withdraw_bid(
    lot: &Lot,
    bidder: Uuid,
    now: DateTime<Utc>,
    (reg, art): (&'static str, &'static str),
) -> Result<Vec<Event>, Refusal> {
    let Some(d) = lot.dates else {
        return Err(out_of_order(lot, "no notice"));
    };
    if now >= d.bid_deadline {
        return Err(FieldError::new(
            "bid",
            "bid.withdraw_late",
            "投标截止后不能撤回投标文件",
            "Bids cannot be withdrawn after the deadline",
        )
        .with_rule(reg, art)
        .into());
    }
    if !lot.bidders.contains(&bidder) {
        return Err(out_of_order(lot, "no bid from this bidder"));
    }
    Ok(vec![Event::BidWithdrawn { bidder }])
}

pub(crate) fn decryption_failed(
    lot: &Lot,
    bidder: Uuid,
    by_bidder: bool,
    now: DateTime<Utc>,
) -> Result<Vec<Event>, Refusal> {
    let Some(d) = lot.dates else {
        return Err(out_of_order(lot, "no notice"));
    };
    if now < d.bid_deadline {
        return Err(out_of_order(lot, "the bid deadline has not come"));
    }
    if !lot.bidders.contains(&bidder) {
        return Err(out_of_order(lot, "no bid from this bidder"));
    }
    Ok(vec![Event::BidDecryptionFailed { bidder, by_bidder }])
}

/// The opening at the deadline: fewer than `min` bids fail the lot instead.
pub(crate) fn open(lot: &Lot, now: DateTime<Utc>, min: u32) -> Result<Vec<Event>, Refusal> {
    let Some(d) = lot.dates else {
        return Err(out_of_order(lot, "no notice"));
    };
    if now < d.bid_deadline {
        return Err(out_of_order(lot, "the bid deadline has not come"));
    }
    let n = lot.bidders.len() as u32;
    Ok(vec![if n >= min {
        Event::Opened { bids: n }
    } else {
        Event::FailedTooFewBids { bids: n }
    }])
}

pub fn decide<'a>(
    rules: impl Into<Rules<'a>>,
    lot: &Lot,
    cmd: &Command,
    now: DateTime<Utc>,
) -> Result<Vec<Event>, Refusal> {
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

fn decide_construction(
    pack: &ConstructionPack,
    lot: &Lot,
    cmd: &Command,
    now: DateTime<Utc>,
) -> Result<Vec<Event>, Refusal> {
    use Command as C;
    match (lot.stage, cmd) {
        (Stage::Registered, C::PublishNotice(d)) if lot.kind == ProcedureKind::OpenTender => {
            check_issue(pack, d, now)?;
            Ok(vec![notice_published(d)])
        }
        (Stage::Prequalified, C::PublishNotice(d)) => {
            check_issue(pack, d, now)?;
            Ok(vec![notice_published(d)])
        }
        (Stage::Registered, C::PublishPrequalNotice(d))
            if lot.kind == ProcedureKind::Prequalification =>
        {
            ts::check_prequal_dates(pack, d).map_err(Refusal::Rule)?;
            not_in_past(d.documents_from, now)?;
            Ok(vec![Event::PrequalNoticePublished {
                documents_from: d.documents_from,
                documents_until: d.documents_until,
                applications_due: d.applications_due,
            }])
        }
        (Stage::Prequalifying, C::ApplyPrequal { applicant }) => {
            if lot.applications_due.is_some_and(|due| now >= due) {
                return Err(FieldError::new(
                    "application",
                    "prequal.late",
                    "已过资格预审申请文件提交截止时间",
                    "The prequalification application deadline has passed",
                )
                .with_rule(crate::rulepack::REGS, "17")
                .into());
            }
            if lot.suspended_by(ObjectionSubject::Documents) {
                return Err(suspended("application").into());
            }
            Ok(vec![Event::PrequalApplied {
                applicant: *applicant,
            }])
        }
        (Stage::Prequalifying, C::ReviewPrequal { passed }) => {
            if lot.applications_due.is_some_and(|due| now < due) {
                return Err(out_of_order(lot, "applications are still open"));
            }
            if lot.suspended_by(ObjectionSubject::Documents) {
                return Err(suspended("review").into());
            }
            if let Some(stranger) = passed.iter().find(|p| !lot.applicants.contains(p)) {
                return Err(FieldError::new(
                    "passed",
                    "prequal.not_an_applicant",
                    format!("{stranger} 未提交资格预审申请"),
                    format!("{stranger} did not apply for prequalification"),
                )
                .into());
            }
            let n = passed.len() as u32;
            Ok(vec![if n >= pack.min_prequal_passing.value {
                Event::PrequalPassed {
                    passed: passed.clone(),
                }
            } else {
                Event::PrequalFailed { passed: n }
            }])
        }
        (Stage::Registered, C::Invite { invitees, dates })
            if lot.kind == ProcedureKind::Invited =>
        {
            let min = &pack.min_invitees;
            let mut distinct = invitees.clone();
            distinct.sort();
            distinct.dedup();
            if (distinct.len() as u32) < min.value {
                return Err(FieldError::new(
                    "invitees",
                    "tender.too_few_invitees",
                    format!(
                        "邀请招标应当向 {} 个以上特定的法人发出投标邀请书",
                        min.value
                    ),
                    format!(
                        "An invited tender must invite at least {} entities",
                        min.value
                    ),
                )
                .with_rule(min.regulation, min.article)
                .into());
            }
            check_issue(pack, dates, now)?;
            Ok(vec![Event::Invited {
                invitees: distinct,
                documents_from: dates.documents_from,
                documents_until: dates.documents_until,
                bid_deadline: dates.bid_deadline,
            }])
        }
        (
            Stage::Registered,
            C::PublishNotice(_) | C::PublishPrequalNotice(_) | C::Invite { .. },
        ) => Err(out_of_order(
            lot,
            match lot.kind {
                ProcedureKind::OpenTender => "an open tender starts with its tender notice",
                ProcedureKind::Prequalification => {
                    "a prequalified tender starts with its prequalification notice"
                }
                ProcedureKind::Invited | ProcedureKind::Gp(_) => {
                    "an invited tender starts with its invitations"
                }
            },
        )),
        (Stage::Prequalifying, C::Clarify { new_deadline }) => {
            let Some(due) = lot.applications_due else {
                return Err(out_of_order(lot, "no prequalification notice"));
            };
            if now >= due {
                return Err(out_of_order(lot, "applications are closed"));
            }
            let moved = new_deadline.unwrap_or(due);
            if moved < due {
                return Err(FieldError::new(
                    "applications_due",
                    "prequal.deadline_earlier",
                    "澄清不能提前资格预审申请截止时间",
                    "A clarification cannot bring the application deadline forward",
                )
                .into());
            }
            ts::check_moved_prequal_deadline(pack, now, moved)?;
            Ok(vec![Event::PrequalClarified {
                applications_due: moved,
            }])
        }
        (Stage::Tendering, C::Clarify { new_deadline }) => {
            let Some(d) = lot.dates else {
                return Err(out_of_order(lot, "no notice"));
            };
            if now >= d.bid_deadline {
                return Err(out_of_order(lot, "the bid deadline has passed"));
            }
            let deadline = new_deadline.unwrap_or(d.bid_deadline);
            if deadline < d.bid_deadline {
                return Err(FieldError::new(
                    "bid_deadline",
                    "tender.deadline_earlier",
                    "澄清不能提前投标截止时间",
                    "A clarification cannot bring the deadline forward",
                )
                .into());
            }
            ts::check_moved_deadline(pack, now, deadline)?;
            Ok(vec![Event::Clarified {
                bid_deadline: deadline,
            }])
        }
        (
            Stage::Tendering,
            C::RaiseObjection {
                id,
                subject: ObjectionSubject::Documents,
            },
        ) => {
            let Some(d) = lot.dates else {
                return Err(out_of_order(lot, "no notice"));
            };
            ts::check_objection_to_documents(pack, now, d.bid_deadline)?;
            Ok(vec![Event::ObjectionRaised {
                id: *id,
                subject: ObjectionSubject::Documents,
                at: now,
            }])
        }
        (
            Stage::Prequalifying,
            C::RaiseObjection {
                id,
                subject: ObjectionSubject::Documents,
            },
        ) => {
            if let Some(due) = lot.applications_due {
                ts::check_objection_to_prequal(pack, now, due)?;
            }
            Ok(vec![Event::ObjectionRaised {
                id: *id,
                subject: ObjectionSubject::Documents,
                at: now,
            }])
        }
        (
            Stage::Publicity,
            C::RaiseObjection {
                id,
                subject: ObjectionSubject::Result,
            },
        ) => {
            if lot.publicity_until.is_some_and(|u| now > u) {
                return Err(out_of_order(lot, "the publicity period is over"));
            }
            Ok(vec![Event::ObjectionRaised {
                id: *id,
                subject: ObjectionSubject::Result,
                at: now,
            }])
        }
        (_, C::RaiseObjection { .. }) => Err(out_of_order(
            lot,
            "objections to documents during tendering, to results during publicity",
        )),
        (_, C::ReplyObjection { id }) => {
            let Some(o) = lot.objections.iter().find(|o| o.id == *id) else {
                return Err(out_of_order(lot, "no such pending objection"));
            };
            Ok(vec![Event::ObjectionAnswered {
                id: *id,
                in_time: ts::reply_in_time(pack, o.raised_at, now),
            }])
        }
        (Stage::Tendering, C::SubmitBid { bidder }) => {
            if lot.suspended_by(ObjectionSubject::Documents) {
                return Err(suspended("bid").into());
            }
            let not_admitted = || {
                if lot.kind == ProcedureKind::Invited {
                    FieldError::new(
                        "bid",
                        "bid.not_admitted",
                        "邀请招标仅接受被邀请人投标",
                        "Only invitees may bid in an invited tender",
                    )
                    .with_rule(crate::rulepack::LAW, "17")
                } else {
                    FieldError::new(
                        "bid",
                        "bid.not_admitted",
                        "未通过资格预审的申请人不得参加投标",
                        "Applicants who did not pass prequalification may not bid",
                    )
                    .with_rule(crate::rulepack::REGS, "19")
                }
            };
            submit_bid(
                lot,
                *bidder,
                now,
                (crate::rulepack::LAW, "28"),
                not_admitted,
            )
        }
        (Stage::Tendering, C::WithdrawBid { bidder }) => {
            withdraw_bid(lot, *bidder, now, (crate::rulepack::LAW, "29"))
        }
        (Stage::Tendering, C::DecryptionFailed { bidder, by_bidder }) => {
            decryption_failed(lot, *bidder, *by_bidder, now)
        }
        (Stage::Tendering, C::Open) => {
            if lot.suspended_by(ObjectionSubject::Documents) {
                return Err(suspended("open").into());
            }
            open(lot, now, pack.min_bids_to_open.value)
        }
        (Stage::Evaluating, C::ReportEvaluation { ranked }) => {
            let max = pack.max_candidates.value as usize;
            if ranked.is_empty()
                || ranked.len() > max
                || ranked.iter().any(|c| !lot.bidders.contains(c))
            {
                return Err(FieldError::new(
                    "ranked",
                    "evaluation.candidates",
                    format!("中标候选人应为 1 至 {max} 名投标人"),
                    format!("Name 1 to {max} candidates from the bidders"),
                )
                .with_rule(pack.max_candidates.regulation, pack.max_candidates.article)
                .into());
            }
            Ok(vec![Event::EvaluationReported {
                ranked: ranked.clone(),
                at: now,
            }])
        }
        (Stage::Evaluating, C::RejectAll) => Ok(vec![Event::AllBidsRejected]),
        (Stage::Reported, C::StartPublicity { until }) => {
            let report = lot.report_at.unwrap_or(now);
            ts::check_publicity(pack, report, now, *until).map_err(Refusal::Rule)?;
            Ok(vec![Event::PublicityStarted { until: *until }])
        }
        (Stage::Publicity, C::Award { winner }) => {
            if lot.publicity_until.is_some_and(|u| now < u) {
                return Err(out_of_order(lot, "the publicity period has not ended"));
            }
            if lot.suspended_by(ObjectionSubject::Result) {
                return Err(suspended("award").into());
            }
            if !lot.candidates.contains(winner) {
                return Err(FieldError::new(
                    "winner",
                    "award.not_a_candidate",
                    "中标人应从中标候选人中确定",
                    "The winner must be one of the candidates",
                )
                .into());
            }
            if lot.state_funds_controlling && lot.candidates.first() != Some(winner) {
                return Err(FieldError::new(
                    "winner",
                    "award.first_ranked",
                    "国有资金占控股或者主导地位的项目，应当确定排名第一的中标候选人为中标人",
                    "Where state funds control, the first-ranked candidate must win",
                )
                .with_rule(crate::rulepack::REGS, "55")
                .into());
            }
            Ok(vec![Event::Awarded { winner: *winner }])
        }
        (Stage::Awarded, C::RecordContract) => Ok(vec![Event::ContractRecorded]),
        (_, _) => Err(out_of_order(
            lot,
            "this step does not follow from the current stage",
        )),
    }
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
mod tests {
    use super::*;
    use chrono::Duration;
    use proptest::prelude::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(&format!("{s}+08:00"))
            .expect("ts")
            .with_timezone(&Utc)
    }

    fn dates() -> TenderDates {
        TenderDates {
            documents_from: t("2026-03-02T09:00:00"),
            documents_until: t("2026-03-09T17:00:00"),
            bid_deadline: t("2026-03-23T09:30:00"),
        }
    }

    fn ids(n: u128) -> Vec<Uuid> {
        (1..=n).map(Uuid::from_u128).collect()
    }

    /// A lot with its notice published and `bids` bids in.
    fn tendering(state_funds_controlling: bool, bids: u128) -> (ConstructionPack, Lot) {
        let p = ConstructionPack::v2019();
        let mut lot = Lot::new(ProcedureKind::OpenTender, state_funds_controlling);
        step(
            &p,
            &mut lot,
            &Command::PublishNotice(dates()),
            t("2026-03-02T08:00:00"),
        )
        .expect("notice");
        for b in ids(bids) {
            step(
                &p,
                &mut lot,
                &Command::SubmitBid { bidder: b },
                t("2026-03-20T10:00:00"),
            )
            .expect("bid");
        }
        (p, lot)
    }

    #[test]
    fn a_lot_goes_from_notice_to_contract() {
        let (p, mut lot) = tendering(true, 3);
        let r = step(
            &p,
            &mut lot,
            &Command::SubmitBid {
                bidder: Uuid::from_u128(9),
            },
            t("2026-03-23T09:30:00"),
        );
        assert!(
            matches!(r, Err(Refusal::Rule(ref e)) if e[0].code == "bid.late"),
            "a bid at the deadline is late"
        );
        assert!(matches!(
            step(&p, &mut lot, &Command::Open, t("2026-03-23T09:29:59")),
            Err(Refusal::OutOfOrder { .. })
        ));
        assert_eq!(
            step(&p, &mut lot, &Command::Open, t("2026-03-23T09:30:00")).expect("open"),
            vec![Event::Opened { bids: 3 }]
        );
        step(
            &p,
            &mut lot,
            &Command::ReportEvaluation { ranked: ids(3) },
            t("2026-03-25T16:00:00"),
        )
        .expect("report");
        step(
            &p,
            &mut lot,
            &Command::StartPublicity {
                until: t("2026-03-29T17:00:00"),
            },
            t("2026-03-26T09:00:00"),
        )
        .expect("publicity");
        assert!(matches!(
            step(
                &p,
                &mut lot,
                &Command::Award {
                    winner: Uuid::from_u128(1)
                },
                t("2026-03-29T09:00:00")
            ),
            Err(Refusal::OutOfOrder { .. })
        ));
        let r = step(
            &p,
            &mut lot,
            &Command::Award {
                winner: Uuid::from_u128(2),
            },
            t("2026-03-30T09:00:00"),
        );
        assert!(matches!(r, Err(Refusal::Rule(ref e)) if e[0].code == "award.first_ranked"));
        step(
            &p,
            &mut lot,
            &Command::Award {
                winner: Uuid::from_u128(1),
            },
            t("2026-03-30T09:00:00"),
        )
        .expect("award");
        step(
            &p,
            &mut lot,
            &Command::RecordContract,
            t("2026-04-10T09:00:00"),
        )
        .expect("contract");
        assert_eq!(lot.stage, Stage::Contracted);
    }

    #[test]
    fn two_bids_fail_the_lot_and_withdrawals_count() {
        let (p, mut lot) = tendering(false, 3);
        step(
            &p,
            &mut lot,
            &Command::WithdrawBid {
                bidder: Uuid::from_u128(3),
            },
            t("2026-03-21T10:00:00"),
        )
        .expect("withdraw");
        assert_eq!(
            step(&p, &mut lot, &Command::Open, t("2026-03-23T09:30:00")).expect("open"),
            vec![Event::FailedTooFewBids { bids: 2 }]
        );
        assert_eq!(lot.stage, Stage::Failed);
    }

    #[test]
    fn an_objection_suspends_bidding_until_answered() {
        let (p, mut lot) = tendering(false, 0);
        let late = step(
            &p,
            &mut lot,
            &Command::RaiseObjection {
                id: Uuid::from_u128(7),
                subject: ObjectionSubject::Documents,
            },
            t("2026-03-14T09:00:00"),
        );
        assert!(
            matches!(late, Err(Refusal::Rule(ref e)) if e[0].code == "tender.objection_too_late")
        );
        step(
            &p,
            &mut lot,
            &Command::RaiseObjection {
                id: Uuid::from_u128(7),
                subject: ObjectionSubject::Documents,
            },
            t("2026-03-13T09:00:00"),
        )
        .expect("objection");
        let r = step(
            &p,
            &mut lot,
            &Command::SubmitBid {
                bidder: Uuid::from_u128(1),
            },
            t("2026-03-13T10:00:00"),
        );
        assert!(matches!(r, Err(Refusal::Rule(ref e)) if e[0].code == "procedure.suspended"));
        let ev = step(
            &p,
            &mut lot,
            &Command::ReplyObjection {
                id: Uuid::from_u128(7),
            },
            t("2026-03-15T09:00:00"),
        )
        .expect("reply");
        assert_eq!(
            ev,
            vec![Event::ObjectionAnswered {
                id: Uuid::from_u128(7),
                in_time: true
            }]
        );
        step(
            &p,
            &mut lot,
            &Command::SubmitBid {
                bidder: Uuid::from_u128(1),
            },
            t("2026-03-15T10:00:00"),
        )
        .expect("bidding resumes");
    }

    #[test]
    fn a_late_clarification_must_move_the_deadline() {
        let (p, mut lot) = tendering(false, 0);
        step(
            &p,
            &mut lot,
            &Command::Clarify { new_deadline: None },
            t("2026-03-08T12:00:00"),
        )
        .expect("15 days ahead");
        let r = step(
            &p,
            &mut lot,
            &Command::Clarify { new_deadline: None },
            t("2026-03-09T12:00:00"),
        );
        assert!(matches!(r, Err(Refusal::Rule(ref e)) if e[0].code == "tender.clarification_lead"));
        step(
            &p,
            &mut lot,
            &Command::Clarify {
                new_deadline: Some(t("2026-03-24T09:30:00")),
            },
            t("2026-03-09T12:00:00"),
        )
        .expect("moved");
        assert_eq!(
            lot.dates.map(|d| d.bid_deadline),
            Some(t("2026-03-24T09:30:00"))
        );
    }

    #[test]
    fn prequalification_needs_three_passing_and_only_they_may_bid() {
        let p = ConstructionPack::v2019();
        let pq = ts::PrequalDates {
            documents_from: t("2026-02-02T09:00:00"),
            documents_until: t("2026-02-07T17:00:00"),
            applications_due: t("2026-02-12T09:00:00"),
        };
        let start = |lot: &mut Lot| {
            step(
                &p,
                lot,
                &Command::PublishPrequalNotice(pq),
                t("2026-02-02T08:00:00"),
            )
            .expect("prequal notice");
            for a in ids(4) {
                step(
                    &p,
                    lot,
                    &Command::ApplyPrequal { applicant: a },
                    t("2026-02-10T09:00:00"),
                )
                .expect("apply");
            }
        };
        let mut lot = Lot::new(ProcedureKind::Prequalification, false);
        assert!(matches!(
            step(
                &p,
                &mut lot,
                &Command::PublishNotice(dates()),
                t("2026-02-02T08:00:00")
            ),
            Err(Refusal::OutOfOrder { .. })
        ));
        start(&mut lot);
        let late = step(
            &p,
            &mut lot,
            &Command::ApplyPrequal {
                applicant: Uuid::from_u128(9),
            },
            t("2026-02-12T09:00:00"),
        );
        assert!(matches!(late, Err(Refusal::Rule(ref e)) if e[0].code == "prequal.late"));
        let mut two = lot.clone();
        assert_eq!(
            step(
                &p,
                &mut two,
                &Command::ReviewPrequal { passed: ids(2) },
                t("2026-02-13T09:00:00")
            )
            .expect("review"),
            vec![Event::PrequalFailed { passed: 2 }]
        );
        assert_eq!(two.stage, Stage::Failed);
        step(
            &p,
            &mut lot,
            &Command::ReviewPrequal { passed: ids(3) },
            t("2026-02-13T09:00:00"),
        )
        .expect("three pass");
        step(
            &p,
            &mut lot,
            &Command::PublishNotice(dates()),
            t("2026-03-02T08:00:00"),
        )
        .expect("tender notice to those who passed");
        let r = step(
            &p,
            &mut lot,
            &Command::SubmitBid {
                bidder: Uuid::from_u128(4),
            },
            t("2026-03-10T09:00:00"),
        );
        assert!(matches!(r, Err(Refusal::Rule(ref e)) if e[0].code == "bid.not_admitted"));
        step(
            &p,
            &mut lot,
            &Command::SubmitBid {
                bidder: Uuid::from_u128(3),
            },
            t("2026-03-10T09:00:00"),
        )
        .expect("a passer bids");
    }

    #[test]
    fn invited_tender_needs_three_invitees() {
        let p = ConstructionPack::v2019();
        let mut lot = Lot::new(ProcedureKind::Invited, false);
        let two = step(
            &p,
            &mut lot,
            &Command::Invite {
                invitees: vec![Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(2)],
                dates: dates(),
            },
            t("2026-03-02T08:00:00"),
        );
        assert!(
            matches!(two, Err(Refusal::Rule(ref e)) if e[0].code == "tender.too_few_invitees" && e[0].rule.as_ref().is_some_and(|r| r.article == "17"))
        );
        step(
            &p,
            &mut lot,
            &Command::Invite {
                invitees: ids(3),
                dates: dates(),
            },
            t("2026-03-02T08:00:00"),
        )
        .expect("three invitees");
        let r = step(
            &p,
            &mut lot,
            &Command::SubmitBid {
                bidder: Uuid::from_u128(7),
            },
            t("2026-03-10T09:00:00"),
        );
        assert!(matches!(r, Err(Refusal::Rule(ref e)) if e[0].code == "bid.not_admitted"));
    }

    fn command() -> impl Strategy<Value = (u8, u8, i64)> {
        (0u8..10, 0u8..5, 0i64..40 * 24)
    }

    proptest! {
        /// Whatever commands arrive in whatever order, the invariants hold.
        #[test]
        fn invariants_hold_under_random_commands(cmds in proptest::collection::vec(command(), 1..60)) {
            let p = ConstructionPack::v2019();
            let mut lot = Lot::new(ProcedureKind::OpenTender, true);
            let start = t("2026-03-02T08:00:00");
            let mut awards = 0;
            let mut hours = 0;
            for (kind, who, dh) in cmds {
                hours += dh % 48;
                let now = start + Duration::hours(hours);
                let bidder = Uuid::from_u128(u128::from(who) + 1);
                let cmd = match kind {
                    0 => Command::PublishNotice(dates()),
                    1 | 2 => Command::SubmitBid { bidder },
                    3 => Command::WithdrawBid { bidder },
                    4 => Command::Open,
                    5 => Command::RaiseObjection { id: Uuid::from_u128(100 + u128::from(who)), subject: if who % 2 == 0 { ObjectionSubject::Documents } else { ObjectionSubject::Result } },
                    6 => Command::ReplyObjection { id: Uuid::from_u128(100 + u128::from(who)) },
                    7 => Command::ReportEvaluation { ranked: lot.bidders.iter().take(3).copied().collect() },
                    8 => Command::StartPublicity { until: now + Duration::days(3) },
                    _ => Command::Award { winner: lot.candidates.first().copied().unwrap_or(bidder) },
                };
                let before = lot.clone();
                if let Ok(events) = step(&p, &mut lot, &cmd, now) {
                    for e in &events {
                        match e {
                            Event::Opened { bids } => {
                                prop_assert!(*bids >= 3, "opened with {bids} bids");
                                prop_assert!(before.dates.is_some_and(|d| now >= d.bid_deadline));
                            }
                            Event::BidAccepted { .. } => prop_assert!(before.dates.is_some_and(|d| now < d.bid_deadline)),
                            Event::Awarded { .. } => {
                                awards += 1;
                                prop_assert!(before.publicity_until.is_some_and(|u| now >= u), "award before publicity ended");
                                prop_assert!(!before.objections.iter().any(|o| o.subject == ObjectionSubject::Result));
                            }
                            _ => {}
                        }
                    }
                }
                prop_assert!(awards <= 1);
            }
        }
    }
}
