//! The open-tender procedure of one lot as a deterministic state machine:
//! `decide(lot, command, now) -> events | refusal`, and `apply(lot, event)` to fold events back.
//!
//! Blocking is modelled, not only deadlines: a pending objection suspends the steps it concerns
//! (条例 Art 22, 54) until it is answered. No I/O and no clock: `now` is an argument, so a replay of
//! the event log rebuilds exactly the same state.

use crate::error::FieldError;
use crate::rulepack::ConstructionPack;
use crate::tender_schedule::{self as ts, TenderDates};
use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Registered on the platform (进场), no notice yet.
    Registered,
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
    /// What a lot in this stage waits for, shown with a refused out-of-order step.
    pub fn waits_for(self) -> &'static str {
        match self {
            Self::Registered => "publish_notice",
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectionSubject {
    Documents,
    Result,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PendingObjection {
    pub id: Uuid,
    pub subject: ObjectionSubject,
    pub raised_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lot {
    pub stage: Stage,
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
}

impl Lot {
    pub fn new(state_funds_controlling: bool) -> Self {
        Self {
            stage: Stage::Registered,
            dates: None,
            bidders: vec![],
            objections: vec![],
            report_at: None,
            candidates: vec![],
            publicity_until: None,
            winner: None,
            state_funds_controlling,
        }
    }

    fn suspended_by(&self, subject: ObjectionSubject) -> bool {
        self.objections.iter().any(|o| o.subject == subject)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
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
    Open,
    ReportEvaluation {
        ranked: Vec<Uuid>,
    },
    StartPublicity {
        until: DateTime<Utc>,
    },
    Award {
        winner: Uuid,
    },
    RecordContract,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
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
    PublicityStarted {
        until: DateTime<Utc>,
    },
    Awarded {
        winner: Uuid,
    },
    ContractRecorded,
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

fn out_of_order(lot: &Lot, reason: &'static str) -> Refusal {
    Refusal::OutOfOrder {
        stage: lot.stage,
        waits_for: lot.stage.waits_for(),
        reason,
    }
}

fn suspended(field: &str) -> FieldError {
    FieldError::new(
        field,
        "procedure.suspended",
        "有异议尚未答复，相关招标投标活动暂停",
        "An objection awaits its reply; the steps it concerns are suspended",
    )
    .with_rule(crate::rulepack::REGS, "22")
}

pub fn decide(
    pack: &ConstructionPack,
    lot: &Lot,
    cmd: &Command,
    now: DateTime<Utc>,
) -> Result<Vec<Event>, Refusal> {
    use Command as C;
    match (lot.stage, cmd) {
        (Stage::Registered, C::PublishNotice(d)) => {
            ts::check_tender_dates(pack, d).map_err(Refusal::Rule)?;
            if d.documents_from < now - chrono::Duration::minutes(5) {
                return Err(FieldError::new(
                    "documents_from",
                    "tender.documents_in_past",
                    "招标文件发出时间不能早于现在",
                    "Documents cannot be issued in the past",
                )
                .into());
            }
            Ok(vec![Event::NoticePublished {
                dates_documents_from: d.documents_from,
                dates_documents_until: d.documents_until,
                bid_deadline: d.bid_deadline,
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
                .with_rule(crate::rulepack::LAW, "28")
                .into());
            }
            if lot.suspended_by(ObjectionSubject::Documents) {
                return Err(suspended("bid").into());
            }
            Ok(vec![Event::BidAccepted {
                bidder: *bidder,
                at: now,
            }])
        }
        (Stage::Tendering, C::WithdrawBid { bidder }) => {
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
                .with_rule(crate::rulepack::LAW, "29")
                .into());
            }
            if !lot.bidders.contains(bidder) {
                return Err(out_of_order(lot, "no bid from this bidder"));
            }
            Ok(vec![Event::BidWithdrawn { bidder: *bidder }])
        }
        (Stage::Tendering, C::Open) => {
            let Some(d) = lot.dates else {
                return Err(out_of_order(lot, "no notice"));
            };
            if now < d.bid_deadline {
                return Err(out_of_order(lot, "the bid deadline has not come"));
            }
            if lot.suspended_by(ObjectionSubject::Documents) {
                return Err(suspended("open").into());
            }
            let n = lot.bidders.len() as u32;
            Ok(vec![match ts::check_bids_to_open(pack, n) {
                Ok(()) => Event::Opened { bids: n },
                Err(_) => Event::FailedTooFewBids { bids: n },
            }])
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
        Event::BidWithdrawn { bidder } => lot.bidders.retain(|b| b != bidder),
        Event::Opened { .. } => lot.stage = Stage::Evaluating,
        Event::FailedTooFewBids { .. } => lot.stage = Stage::Failed,
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
    }
}

/// Decide and apply in one step (what a service does inside its transaction).
pub fn step(
    pack: &ConstructionPack,
    lot: &mut Lot,
    cmd: &Command,
    now: DateTime<Utc>,
) -> Result<Vec<Event>, Refusal> {
    let events = decide(pack, lot, cmd, now)?;
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
        let mut lot = Lot::new(state_funds_controlling);
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

    fn command() -> impl Strategy<Value = (u8, u8, i64)> {
        (0u8..10, 0u8..5, 0i64..40 * 24)
    }

    proptest! {
        /// Whatever commands arrive in whatever order, the invariants hold.
        #[test]
        fn invariants_hold_under_random_commands(cmds in proptest::collection::vec(command(), 1..60)) {
            let p = ConstructionPack::v2019();
            let mut lot = Lot::new(true);
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
