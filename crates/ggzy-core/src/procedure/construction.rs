//! The construction procedure's transition table (招标投标法 and its 实施条例): what each command
//! may do at each stage, and the checks the procurement table shares.

use super::*;

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

pub(super) fn decide_construction(
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
        // An ended tender answers nothing more: ending it is the answer to what was pending.
        (Stage::Terminated, C::ReplyObjection { .. }) => {
            Err(out_of_order(lot, "the tender has ended"))
        }
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
        (
            Stage::Publicity,
            C::Award {
                winner,
                passed_over,
            },
        ) => {
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
            if lot.state_funds_controlling
                && super::first_eligible(&lot.candidates, passed_over) != Some(winner)
            {
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
