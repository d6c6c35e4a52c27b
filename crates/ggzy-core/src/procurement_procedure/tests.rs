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
            passed_over: vec![],
        },
        "2026-03-09T10:00:00",
    );
    assert_eq!(code(&r), "award.ranked_order");
    // The first-ranked barred since the evaluation is passed over: the second wins in order.
    let mut passed = l.clone();
    e.run(
        &mut passed,
        Command::Award {
            winner: Uuid::from_u128(2),
            passed_over: vec![Uuid::from_u128(1)],
        },
        "2026-03-09T10:00:00",
    )
    .expect("the next in ranked order");
    e.run(
        &mut l,
        Command::Award {
            winner: Uuid::from_u128(1),
            passed_over: vec![],
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

/// A procurement may be ended after its notice only because the purchase itself was cancelled
/// (87号令 Art 29); once ended nothing more happens to it.
#[test]
fn a_procurement_is_ended_only_when_the_purchase_is_cancelled() {
    let e = Env::new();
    let mut l = lot(PurchaseMethod::OpenTender);
    assert_eq!(
        code(&e.run(
            &mut l,
            Command::Terminate {
                purchase_cancelled: true
            },
            "2026-03-01T10:00:00"
        )),
        "out_of_order",
        "nothing published yet: nothing to end"
    );
    e.run(
        &mut l,
        Command::PublishNotice(dates(
            "2026-03-02T09:00:00",
            "2026-03-09T17:00:00",
            "2026-03-23T09:30:00",
        )),
        "2026-03-01T10:00:00",
    )
    .expect("notice");
    let refused = e.run(
        &mut l,
        Command::Terminate {
            purchase_cancelled: false,
        },
        "2026-03-05T10:00:00",
    );
    assert!(
        matches!(&refused, Err(Refusal::Rule(f)) if f[0].code == "procedure.termination_not_allowed"
            && f[0].rule.as_ref().is_some_and(|r| r.article == "29" && r.regulation == crate::procurement::ORDER87)),
        "{refused:?}"
    );
    assert_eq!(l.stage, Stage::Tendering);
    e.run(
        &mut l,
        Command::Terminate {
            purchase_cancelled: true,
        },
        "2026-03-05T10:00:00",
    )
    .expect("cancelled purchase");
    assert_eq!(l.stage, Stage::Terminated);
    assert_eq!(
        code(&e.run(
            &mut l,
            Command::SubmitBid {
                bidder: Uuid::from_u128(1)
            },
            "2026-03-06T10:00:00"
        )),
        "out_of_order"
    );
    assert_eq!(
        code(&e.run(
            &mut l,
            Command::Terminate {
                purchase_cancelled: true
            },
            "2026-03-06T10:00:00"
        )),
        "out_of_order",
        "ended once"
    );
}
