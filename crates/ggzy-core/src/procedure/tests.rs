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
                winner: Uuid::from_u128(1),
                passed_over: vec![],
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
            passed_over: vec![],
        },
        t("2026-03-30T09:00:00"),
    );
    assert!(matches!(r, Err(Refusal::Rule(ref e)) if e[0].code == "award.first_ranked"));
    step(
        &p,
        &mut lot,
        &Command::Award {
            winner: Uuid::from_u128(1),
            passed_over: vec![],
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
    assert!(matches!(late, Err(Refusal::Rule(ref e)) if e[0].code == "tender.objection_too_late"));
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

/// A tenderer may end its tender up to the award (条例 Art 31) — for any reason — and not after:
/// the award notice binds both sides (法 Art 45).
#[test]
fn a_tender_can_be_ended_up_to_the_award_and_not_after() {
    let end = Command::Terminate {
        purchase_cancelled: false,
    };
    let (p, mut lot) = tendering(true, 3);
    step(&p, &mut lot, &Command::Open, t("2026-03-23T09:30:00")).expect("open");
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
    let mut ended = lot.clone();
    assert_eq!(
        step(&p, &mut ended, &end, t("2026-03-30T08:59:59")).expect("in publicity"),
        vec![Event::Terminated]
    );
    assert_eq!(ended.stage, Stage::Terminated);
    assert!(matches!(
        step(
            &p,
            &mut ended,
            &Command::Award {
                winner: Uuid::from_u128(1),
                passed_over: vec![],
            },
            t("2026-03-30T09:00:00")
        ),
        Err(Refusal::OutOfOrder { .. })
    ));
    step(
        &p,
        &mut lot,
        &Command::Award {
            winner: Uuid::from_u128(1),
            passed_over: vec![],
        },
        t("2026-03-30T09:00:00"),
    )
    .expect("award");
    assert!(matches!(
        step(&p, &mut lot, &end, t("2026-03-30T09:00:01")),
        Err(Refusal::OutOfOrder {
            stage: Stage::Awarded,
            ..
        })
    ));
    let mut fresh = Lot::new(ProcedureKind::OpenTender, false);
    assert!(
        matches!(
            step(&p, &mut fresh, &end, t("2026-03-01T09:00:00")),
            Err(Refusal::OutOfOrder {
                stage: Stage::Registered,
                ..
            })
        ),
        "nothing published yet"
    );
}

fn command() -> impl Strategy<Value = (u8, u8, i64)> {
    (0u8..11, 0u8..5, 0i64..40 * 24)
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
                9 => Command::Terminate { purchase_cancelled: false },
                _ => Command::Award { winner: lot.candidates.first().copied().unwrap_or(bidder), passed_over: vec![] },
            };
            let before = lot.clone();
            let result = step(&p, &mut lot, &cmd, now);
            prop_assert!(before.stage != Stage::Terminated || result.is_err(), "an ended lot moved");
            if matches!(result, Ok(ref e) if e.contains(&Event::Terminated)) {
                prop_assert!(before.stage.terminable());
            }
            if let Ok(events) = result {
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

#[test]
fn a_supervisors_suspension_holds_every_step_but_objections_until_the_same_order_lifts_it() {
    let (p, mut lot) = tendering(false, 3);
    let order = Uuid::from_u128(77);
    let at = t("2026-03-20T11:00:00");
    assert_eq!(
        step(&p, &mut lot, &Command::Hold { order }, at).expect("hold"),
        vec![Event::Held { order }]
    );
    let refused = step(
        &p,
        &mut lot,
        &Command::SubmitBid {
            bidder: Uuid::from_u128(9),
        },
        at,
    );
    assert!(
        matches!(refused, Err(Refusal::Rule(ref e)) if e[0].code == "procedure.held_by_order"
            && e[0].rule.as_ref().map(|r| r.regulation) == Some("电子招标投标办法")),
        "{refused:?}"
    );
    assert!(matches!(
        step(&p, &mut lot, &Command::Open, t("2026-03-23T09:30:00")),
        Err(Refusal::Rule(ref e)) if e[0].code == "procedure.held_by_order"
    ));
    let objection = Uuid::from_u128(5);
    step(
        &p,
        &mut lot,
        &Command::RaiseObjection {
            id: objection,
            subject: ObjectionSubject::Documents,
        },
        t("2026-03-12T10:00:00"),
    )
    .expect("an objection is still heard while the order holds");
    step(
        &p,
        &mut lot.clone(),
        &Command::Clarify {
            new_deadline: Some(t("2026-04-07T09:30:00")),
        },
        at,
    )
    .expect("the principal may correct its documents and move the deadline while held");
    assert!(matches!(
        step(
            &p,
            &mut lot,
            &Command::Hold {
                order: Uuid::from_u128(78)
            },
            at
        ),
        Err(Refusal::OutOfOrder { .. })
    ));
    assert!(matches!(
        step(
            &p,
            &mut lot,
            &Command::Release {
                order: Uuid::from_u128(78)
            },
            at
        ),
        Err(Refusal::OutOfOrder { .. })
    ));
    step(&p, &mut lot, &Command::ReplyObjection { id: objection }, at).expect("reply");
    step(&p, &mut lot, &Command::Release { order }, at).expect("release");
    assert_eq!(lot.held_by, None);
    assert_eq!(
        step(&p, &mut lot, &Command::Open, t("2026-03-23T09:30:00")).expect("open"),
        vec![Event::Opened { bids: 3 }]
    );
}

#[test]
fn a_supervisor_may_end_a_procedure_after_the_award_but_not_after_the_contract() {
    let (p, mut lot) = tendering(true, 3);
    step(&p, &mut lot, &Command::Open, t("2026-03-23T09:30:00")).expect("open");
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
    step(
        &p,
        &mut lot,
        &Command::Award {
            winner: Uuid::from_u128(1),
            passed_over: vec![],
        },
        t("2026-03-30T09:00:00"),
    )
    .expect("award");
    let mut ordered = lot.clone();
    assert!(
        matches!(
            step(
                &p,
                &mut ordered,
                &Command::Terminate {
                    purchase_cancelled: false
                },
                t("2026-03-31T09:00:00")
            ),
            Err(Refusal::OutOfOrder { .. })
        ),
        "the tenderer may not end an awarded procedure"
    );
    assert_eq!(
        step(
            &p,
            &mut ordered,
            &Command::TerminateByOrder,
            t("2026-03-31T09:00:00")
        )
        .expect("the supervisor may"),
        vec![Event::Terminated]
    );
    step(
        &p,
        &mut lot,
        &Command::RecordContract,
        t("2026-03-31T09:00:00"),
    )
    .expect("contract");
    for cmd in [
        Command::TerminateByOrder,
        Command::Hold {
            order: Uuid::from_u128(1),
        },
    ] {
        assert!(matches!(
            step(&p, &mut lot, &cmd, t("2026-04-01T09:00:00")),
            Err(Refusal::OutOfOrder { .. })
        ));
    }
}
