use super::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}
fn yuan(y: i64) -> Money {
    Money::from_fen(y * 100)
}
fn code(r: Result<(), FieldError>) -> Option<&'static str> {
    r.err().map(|e| e.code)
}

#[test]
fn methods_need_their_grounds_and_approval_above_the_threshold() {
    let base = MethodChoice {
        method: PurchaseMethod::CompetitiveNegotiation,
        category: ItemCategory::Goods,
        grounds: vec![Ground::Urgency],
        budget: yuan(1_000_000),
        open_tender_threshold: yuan(2_000_000),
        approved: false,
        original_contract: None,
    };
    assert_eq!(code(check_method(&base)), None);
    let wrong = MethodChoice {
        grounds: vec![Ground::StandardGoods],
        ..base.clone()
    };
    let e = check_method(&wrong).expect_err("no ground");
    assert_eq!(
        (e.code, e.rule.map(|r| r.article)),
        ("procurement.no_ground", Some("30"))
    );
    // Just below the threshold no approval is needed; at it, it is.
    let below = MethodChoice {
        budget: Money::from_fen(yuan(2_000_000).fen() - 1),
        ..base.clone()
    };
    assert_eq!(code(check_method(&below)), None);
    let at_threshold = MethodChoice {
        budget: yuan(2_000_000),
        ..base.clone()
    };
    assert_eq!(
        code(check_method(&at_threshold)),
        Some("procurement.approval_required")
    );
    assert_eq!(
        code(check_method(&MethodChoice {
            approved: true,
            ..at_threshold
        })),
        None
    );
    let open = MethodChoice {
        method: PurchaseMethod::OpenTender,
        grounds: vec![],
        budget: yuan(9_000_000),
        ..base.clone()
    };
    assert_eq!(code(check_method(&open)), None);
    let rfq_services = MethodChoice {
        method: PurchaseMethod::RequestForQuotation,
        category: ItemCategory::Services,
        grounds: vec![Ground::StandardGoods],
        ..base.clone()
    };
    assert_eq!(
        code(check_method(&rfq_services)),
        Some("procurement.rfq_goods_only")
    );
}

#[test]
fn a_follow_on_is_at_most_ten_percent_of_the_original() {
    let c = MethodChoice {
        method: PurchaseMethod::SingleSource,
        category: ItemCategory::Goods,
        grounds: vec![Ground::CompatibleFollowOn],
        budget: yuan(100_000),
        open_tender_threshold: yuan(2_000_000),
        approved: false,
        original_contract: Some(yuan(1_000_000)),
    };
    assert_eq!(code(check_method(&c)), None);
    let over = MethodChoice {
        budget: Money::from_fen(yuan(100_000).fen() + 1),
        ..c
    };
    assert_eq!(
        code(check_method(&over)),
        Some("procurement.follow_on_over_10")
    );
}

#[test]
fn works_bought_by_tender_follow_the_construction_procedure() {
    assert_eq!(
        regime(ItemCategory::Works, PurchaseMethod::OpenTender),
        Regime::Tendering
    );
    assert_eq!(
        regime(ItemCategory::Works, PurchaseMethod::CompetitiveNegotiation),
        Regime::Procurement
    );
    assert_eq!(
        regime(ItemCategory::Goods, PurchaseMethod::OpenTender),
        Regime::Procurement
    );
}

/// Every [V]/[S] response period just inside and just outside, with working days counted on
/// the shipped calendar (2026-10-01..07 National Day, 2026-10-10 a make-up working Saturday).
#[test]
fn response_periods_per_method() {
    let pack = ProcurementPack::v2022();
    let cal = Calendar::default_cn();
    use PurchaseMethod::*;
    let rows: [(PurchaseMethod, &str, &str, &str); 5] = [
        (OpenTender, "2026-11-02", "2026-11-22", "2026-11-21"),
        (
            CompetitiveConsultation,
            "2026-11-02",
            "2026-11-12",
            "2026-11-11",
        ),
        // Issued Wed 30 Sep: the holiday week does not count; Sat 10 Oct is a working day.
        (
            CompetitiveNegotiation,
            "2026-09-30",
            "2026-10-10",
            "2026-10-09",
        ),
        (
            RequestForQuotation,
            "2026-11-02",
            "2026-11-05",
            "2026-11-04",
        ),
        (SingleSource, "2026-11-02", "2026-11-09", "2026-11-06"),
    ];
    for (m, issued, ok, short) in rows {
        assert_eq!(
            code(check_response_period(&pack, &cal, m, d(issued), d(ok))),
            None,
            "{m:?} {ok}"
        );
        assert_eq!(
            code(check_response_period(&pack, &cal, m, d(issued), d(short))),
            Some("procurement.period_short"),
            "{m:?} {short}"
        );
    }
}

#[test]
fn challenge_then_complaint_in_working_days_across_a_holiday() {
    let pack = ProcurementPack::v2022();
    let cal = Calendar::default_cn();
    // Knew on Tue 29 Sep 2026: 30 Sep, 8 Oct, 9 Oct, 10 Oct (Sat, make-up), 12–14 Oct → the
    // 7th working day is 14 Oct; the National Day week does not count.
    assert_eq!(
        code(check_challenge(
            &pack,
            &cal,
            d("2026-09-29"),
            d("2026-10-14")
        )),
        None
    );
    assert_eq!(
        code(check_challenge(
            &pack,
            &cal,
            d("2026-09-29"),
            d("2026-10-15")
        )),
        Some("challenge.late")
    );
    let dl = challenge_deadlines(&pack, &cal, d("2026-10-15"));
    assert_eq!(dl.reply_by, d("2026-10-26"));
    assert_eq!(
        dl.complaint_by,
        cal.add_working_days(d("2026-10-26"), WorkingDays(15))
    );
    assert!(check_complaint(&pack, &cal, Some(d("2026-10-15")), dl.complaint_by).is_ok());
    let late = dl.complaint_by + chrono::Duration::days(1);
    assert_eq!(
        check_complaint(&pack, &cal, Some(d("2026-10-15")), late).map_err(|e| e.code),
        Err("complaint.late")
    );
    assert_eq!(
        check_complaint(&pack, &cal, None, d("2026-10-16")).map_err(|e| e.code),
        Err("complaint.not_challenged")
    );
}

#[test]
fn silence_past_five_working_days_picks_the_first() {
    let pack = ProcurementPack::v2022();
    let cal = Calendar::default_cn();
    let ranked = [Uuid::from_u128(1), Uuid::from_u128(2)];
    // Report received Mon 2 Nov 2026: the fifth working day is Mon 9 Nov.
    assert_eq!(
        deemed_choice(&pack, &cal, d("2026-11-02"), d("2026-11-09"), None, &ranked),
        None
    );
    assert_eq!(
        deemed_choice(&pack, &cal, d("2026-11-02"), d("2026-11-10"), None, &ranked),
        Some(ranked[0])
    );
    assert_eq!(
        deemed_choice(
            &pack,
            &cal,
            d("2026-11-02"),
            d("2026-11-10"),
            Some(ranked[1]),
            &ranked
        ),
        Some(ranked[1])
    );
}

#[test]
fn price_weight_floors_and_consultation_ranges() {
    let pack = ProcurementPack::v2022();
    use ItemCategory::*;
    use PurchaseMethod::*;
    assert_eq!(code(check_price_weight(&pack, OpenTender, Goods, 30)), None);
    assert_eq!(
        code(check_price_weight(&pack, OpenTender, Goods, 29)),
        Some("procurement.price_weight")
    );
    assert_eq!(
        code(check_price_weight(&pack, OpenTender, Services, 10)),
        None
    );
    assert_eq!(
        code(check_price_weight(&pack, OpenTender, Services, 9)),
        Some("procurement.price_weight")
    );
    assert_eq!(
        code(check_price_weight(&pack, OpenTender, Goods, 80)),
        None,
        "no upper bound in 87号令"
    );
    assert_eq!(
        code(check_price_weight(
            &pack,
            CompetitiveConsultation,
            Goods,
            61
        )),
        Some("procurement.consultation_weight")
    );
    assert_eq!(
        code(check_price_weight(
            &pack,
            CompetitiveConsultation,
            Services,
            30
        )),
        None
    );
}

/// RULES.md §3.5: A quotes 100 as a small firm (−10% → 90), B quotes 95 as a large firm;
/// weight 30: A scores 30.00 and B 90/95 × 30 = 28.42.
#[test]
fn price_score_with_the_sme_deduction_matches_the_worked_example() {
    let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
    let ded = SmeDeduction {
        small_bp: 1000,
        partner_bp: 400,
    };
    let bids = [
        PricedBid {
            bidder: a,
            price: yuan(100),
            sme: SmeStatus::SmallOrMicro,
        },
        PricedBid {
            bidder: b,
            price: yuan(95),
            sme: SmeStatus::None,
        },
    ];
    assert_eq!(price_scores(&bids, 30, &ded), vec![(a, 3000), (b, 2842)]);
    // Hand-computed: a 4% partner preference on 200 → 192 against a plain 160: 160/192 × 60 = 50.00.
    let c = Uuid::from_u128(3);
    let bids = [
        PricedBid {
            bidder: a,
            price: yuan(200),
            sme: SmeStatus::WithSmallPartners,
        },
        PricedBid {
            bidder: c,
            price: yuan(160),
            sme: SmeStatus::None,
        },
    ];
    assert_eq!(price_scores(&bids, 60, &ded), vec![(a, 5000), (c, 6000)]);
    // Without deductions the lowest price earns the full weight; no extreme is trimmed.
    let none = SmeDeduction {
        small_bp: 0,
        partner_bp: 0,
    };
    let bids = [
        PricedBid {
            bidder: a,
            price: yuan(300),
            sme: SmeStatus::SmallOrMicro,
        },
        PricedBid {
            bidder: b,
            price: yuan(100),
            sme: SmeStatus::None,
        },
    ];
    assert_eq!(price_scores(&bids, 30, &none), vec![(a, 1000), (b, 3000)]);
}

/// 政府采购法 Art 49: all supplements together up to 10% of the original, to the fen.
#[test]
fn supplements_add_up_to_ten_percent_of_the_original_contract() {
    let original = yuan(1_000_000);
    assert_eq!(
        code(check_supplement(original, yuan(60_000), yuan(40_000))),
        None
    );
    let over = check_supplement(original, yuan(60_000), Money::from_fen(4_000_001));
    assert_eq!(
        over.as_ref().err().map(|e| e.code),
        Some("contract.supplement_over_10")
    );
    assert!(
        over.err()
            .and_then(|e| e.rule)
            .is_some_and(|r| r.regulation == LAW && r.article == "49")
    );
    assert_eq!(
        code(check_supplement(original, Money::ZERO, Money::ZERO)),
        Some("contract.supplement_amount")
    );
}
