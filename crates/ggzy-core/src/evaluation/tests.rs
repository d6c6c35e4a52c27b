use super::*;

fn yuan(y: i64) -> Money {
    Money::from_fen(y * 100)
}

fn form(price: i64, words: &str) -> BidForm {
    BidForm {
        price: yuan(price),
        price_in_words: words.into(),
        lines: vec![],
        duration_days: 300,
        quality: "合格".into(),
        project_manager: "张三".into(),
        brand: None,
        sme: None,
    }
}

#[test]
fn amounts_are_written_in_words_and_read_back() {
    let w = |f: i64| amount_in_words(Money::from_fen(f)).expect("words");
    assert_eq!(w(5_010_000_000), "人民币伍仟零壹拾万元整");
    assert_eq!(w(30_050_000_000), "人民币叁亿零伍拾万元整");
    assert_eq!(
        w(1_234_567_898),
        "人民币壹仟贰佰叁拾肆万伍仟陆佰柒拾捌元玖角捌分"
    );
    assert_eq!(w(100_005), "人民币壹仟元零伍分");
    assert_eq!(w(0), "人民币零元整");
    assert_eq!(amount_in_words(Money::from_fen(-1)), None);
    let mut f: i64 = 1;
    assert_eq!(amount_in_words(Money::from_fen(100_000_000_000_000)), None);
    while f < 1_000_000_000_000 {
        for n in [f, f + 1, f * 7 + 3, f * 10 - 1, f * 3 + f / 7] {
            assert_eq!(
                parse_amount_in_words(&w(n)),
                Some(Money::from_fen(n)),
                "{n}: {}",
                w(n)
            );
        }
        f = f * 10 + 7;
    }
}

#[test]
fn amounts_in_words() {
    assert_eq!(
        parse_amount_in_words("人民币壹佰万元整"),
        Some(yuan(1_000_000))
    );
    assert_eq!(
        parse_amount_in_words("壹仟贰佰叁拾肆万伍仟陆佰柒拾捌元玖角捌分"),
        Some(Money::from_fen(1_234_567_898))
    );
    assert_eq!(
        parse_amount_in_words("叁亿零伍拾万元整"),
        Some(yuan(300_500_000))
    );
    assert_eq!(parse_amount_in_words("拾元"), Some(yuan(10)));
    assert_eq!(parse_amount_in_words("壹佰万"), None, "no 元");
    assert_eq!(
        parse_amount_in_words("一百万元"),
        None,
        "lower-case numerals are not 大写"
    );
}

#[test]
fn words_prevail_then_unit_prices() {
    let (p, c) = corrected_price(&form(1_000_000, "人民币玖拾玖万元整"));
    assert_eq!(p, yuan(990_000));
    assert_eq!(c.len(), 1);
    let mut f = form(1_000, "壹仟元整");
    f.lines = vec![
        PriceLine {
            name: "a".into(),
            quantity: 2,
            unit_price: yuan(300),
        },
        PriceLine {
            name: "b".into(),
            quantity: 1,
            unit_price: yuan(500),
        },
    ];
    let (p, c) = corrected_price(&f);
    assert_eq!(p, yuan(1_100), "unit prices prevail");
    assert_eq!(c[0].rule_en, "Unit prices prevail over the total");
    f.lines[0].unit_price = yuan(25);
    let (p, c) = corrected_price(&f);
    assert_eq!(
        (p, c.len()),
        (yuan(1_000), 0),
        "a misplaced decimal point keeps the total"
    );
}

fn bid(n: u128, price: i64, minute: i64) -> OpenedBid {
    OpenedBid {
        bidder: Uuid::from_u128(n),
        form: form(price, ""),
        received_at: DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::minutes(minute),
    }
}

/// The evaluation and the price-score helper round alike: 30 × 8183/10000 = 24.549 shows as
/// 24.55 in both (the evaluation used to truncate it to 24.54).
#[test]
fn evaluation_price_score_rounds_like_the_helper() {
    let bids = [bid(1, 8183, 1), bid(2, 10_000, 2)];
    let method = Method::Points {
        price_points: 30,
        criteria: vec![],
    };
    let o = evaluate_with(
        &method,
        &bids,
        &[MemberSheet::default()],
        3,
        &Pricing::default(),
        &CreditGrades::default(),
    );
    let of = |n: u128| {
        o.results
            .iter()
            .find(|r| r.bidder == Uuid::from_u128(n))
            .and_then(|r| r.price_score_x100)
    };
    let priced = |n: u128, y: i64| crate::procurement::PricedBid {
        bidder: Uuid::from_u128(n),
        price: yuan(y),
        sme: crate::procurement::SmeStatus::None,
    };
    let helper = crate::procurement::price_scores(
        &[priced(1, 8183), priced(2, 10_000)],
        30,
        &crate::procurement::SmeDeduction {
            small_bp: 0,
            partner_bp: 0,
        },
    );
    assert_eq!(
        (of(1), of(2)),
        (Some(3000), Some(2455)),
        "24.549 rounds to 24.55"
    );
    assert_eq!(
        helper,
        vec![(Uuid::from_u128(1), 3000), (Uuid::from_u128(2), 2455)]
    );
}

/// Procurement pricing: the §3.5 worked example through the whole evaluation (a small firm
/// at ¥100 against ¥95, 10% deduction: 90 is the base, 30 × 90/95 = 28.42), the budget
/// ceiling, final quotes, same brand counted once, and the abnormally-low flag.
#[test]
fn procurement_pricing_in_the_evaluation() {
    use crate::procurement::{SmeDeduction, SmeStatus};
    let mut small = bid(1, 100, 1);
    small.form.sme = Some(SmeStatus::SmallOrMicro);
    let bids = [small, bid(2, 95, 2)];
    let method = Method::Points {
        price_points: 30,
        criteria: vec![],
    };
    let pricing = Pricing {
        sme: Some(SmeDeduction {
            small_bp: 1_000,
            partner_bp: 400,
        }),
        ..Pricing::default()
    };
    let o = evaluate_with(
        &method,
        &bids,
        &[MemberSheet::default()],
        3,
        &pricing,
        &CreditGrades::default(),
    );
    let score = |o: &Outcome, n: u128| {
        o.results
            .iter()
            .find(|r| r.bidder == Uuid::from_u128(n))
            .and_then(|r| r.price_score_x100)
    };
    assert_eq!((score(&o, 1), score(&o, 2)), (Some(3_000), Some(2_842)));
    assert_eq!(
        o.results[0].bid_price,
        yuan(100),
        "the contract stays at the bid price"
    );
    assert_eq!(o.candidates[0], Uuid::from_u128(1));

    let ceiling = Pricing {
        ceiling: Some(yuan(99)),
        ..pricing.clone()
    };
    let o = evaluate_with(
        &method,
        &bids,
        &[MemberSheet::default()],
        3,
        &ceiling,
        &CreditGrades::default(),
    );
    assert_eq!(
        o.candidates,
        vec![Uuid::from_u128(2)],
        "¥100 is over the ¥99 budget"
    );
    let at = Pricing {
        ceiling: Some(yuan(100)),
        ..pricing.clone()
    };
    let o = evaluate_with(
        &method,
        &bids,
        &[MemberSheet::default()],
        3,
        &at,
        &CreditGrades::default(),
    );
    assert_eq!(o.candidates.len(), 2, "at the budget is valid");

    let mut finals = Pricing::default();
    finals.final_prices.insert(Uuid::from_u128(1), yuan(90));
    let o = evaluate(&Method::LowestEvaluatedPrice, &bids, &[], 3);
    assert_eq!(o.candidates[0], Uuid::from_u128(2));
    let o = evaluate_with(
        &Method::LowestEvaluatedPrice,
        &bids,
        &[],
        3,
        &finals,
        &CreditGrades::default(),
    );
    assert_eq!(
        o.candidates[0],
        Uuid::from_u128(1),
        "the final quote decides"
    );

    let mut a = bid(3, 80, 1);
    let mut b = bid(4, 85, 2);
    a.form.brand = Some("Acme".into());
    b.form.brand = Some(" acme ".into());
    let brands = [a, b, bid(5, 90, 3), bid(6, 95, 4)];
    let same = Pricing {
        same_brand: true,
        ..Pricing::default()
    };
    let o = evaluate_with(
        &Method::LowestEvaluatedPrice,
        &brands,
        &[],
        3,
        &same,
        &CreditGrades::default(),
    );
    assert_eq!(
        o.candidates,
        vec![Uuid::from_u128(3), Uuid::from_u128(5), Uuid::from_u128(6)],
        "the second Acme bid is set aside"
    );
    let set_aside = o.results.iter().find(|r| r.bidder == Uuid::from_u128(4));
    assert_eq!(
        set_aside.and_then(|r| r.same_brand_as),
        Some(Uuid::from_u128(3))
    );

    // 20% under the others' average is abnormally low; just above it is not.
    let low = Pricing {
        abnormally_low_bp: Some(2_000),
        ..Pricing::default()
    };
    let flagged = |p: i64| {
        let bs = [bid(7, p, 1), bid(8, 100, 2), bid(9, 100, 3)];
        evaluate_with(
            &Method::LowestEvaluatedPrice,
            &bs,
            &[],
            3,
            &low,
            &CreditGrades::default(),
        )
        .results
        .iter()
        .any(|r| r.bidder == Uuid::from_u128(7) && r.abnormally_low)
    };
    assert!(flagged(79), "79 < 80");
    assert!(!flagged(80), "80 is exactly 20% under");
}

#[test]
fn lowest_price_ranks_valid_bids_and_majority_rejects() {
    let bids = [
        bid(1, 900, 3),
        bid(2, 800, 2),
        bid(3, 850, 1),
        bid(4, 800, 1),
    ];
    let mut reject = MemberSheet::default();
    reject
        .rejections
        .insert(Uuid::from_u128(4), RejectionReason::NotResponsive);
    let sheets = [
        reject.clone(),
        reject,
        MemberSheet::default(),
        MemberSheet::default(),
        MemberSheet::default(),
    ];
    let o = evaluate(&Method::LowestEvaluatedPrice, &bids, &sheets, 3);
    assert_eq!(
        o.candidates,
        vec![Uuid::from_u128(4), Uuid::from_u128(2), Uuid::from_u128(3)],
        "2 of 5 votes do not reject; the tie at ¥800 goes to the earlier bid"
    );
    let mut three = sheets.clone();
    three[2]
        .rejections
        .insert(Uuid::from_u128(4), RejectionReason::NotQualified);
    let o = evaluate(&Method::LowestEvaluatedPrice, &bids, &three, 3);
    assert_eq!(
        o.candidates,
        vec![Uuid::from_u128(2), Uuid::from_u128(3), Uuid::from_u128(1)],
        "3 of 5 reject"
    );
    assert_eq!(
        o.results[3].rejected,
        Some(RejectionReason::NotResponsive),
        "the reason most voted for"
    );
    assert!(!o.competition_lacking);
}

#[test]
fn points_method_price_score_and_ranges() {
    let m = Method::Points {
        price_points: 60,
        criteria: vec![Criterion {
            key: "tech".into(),
            name: "技术".into(),
            max_points: 40,
            objective: false,
            scorer: Scorer::Members,
        }],
    };
    assert!(m.check().is_ok());
    let bidders = [Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3)];
    let mut s = MemberSheet::default();
    for (b, t) in bidders.iter().zip([40, 20, 30]) {
        s.scores
            .insert(*b, BTreeMap::from([("tech".to_string(), t)]));
    }
    assert!(check_sheet(&m, &bidders, &s).is_ok());
    let mut over = s.clone();
    over.scores
        .get_mut(&bidders[0])
        .map(|x| x.insert("tech".into(), 41));
    assert_eq!(
        check_sheet(&m, &bidders, &over).expect_err("41 > 40")[0].code,
        "evaluation.score_out_of_range"
    );
    let bids = [bid(1, 1000, 1), bid(2, 800, 2), bid(3, 900, 3)];
    let o = evaluate(&m, &bids, &[s], 3);
    // 1: 48 + 40 = 88; 2: 60 + 20 = 80; 3: 53.33 + 30 = 83.33
    assert_eq!(o.candidates, vec![bidders[0], bidders[2], bidders[1]]);
    assert_eq!(o.results[0].total_x100, Some(8800));
    assert_eq!(o.results[1].total_x100, Some(8333));
}

/// A credit-grade criterion is the platform's to score: A earns all its points, B 80%, C 60%,
/// D none; a member's score on it is refused; one such criterion of at most 10 points.
#[test]
fn the_credit_grade_scored_by_the_platform() {
    let criterion = |key: &str, points: u32, scorer: Scorer| Criterion {
        key: key.into(),
        name: key.into(),
        max_points: points,
        objective: false,
        scorer,
    };
    let method = |credit: u32| Method::Points {
        price_points: 60,
        criteria: vec![
            criterion("tech", 40 - credit, Scorer::Members),
            criterion("credit", credit, Scorer::CreditGrade),
        ],
    };
    assert!(method(CREDIT_POINTS_MAX).check().is_ok(), "just inside");
    assert_eq!(
        method(CREDIT_POINTS_MAX + 1)
            .check()
            .expect_err("just outside")
            .code,
        "evaluation.credit_points"
    );
    let two = Method::Points {
        price_points: 80,
        criteria: vec![
            criterion("a", 10, Scorer::CreditGrade),
            criterion("b", 10, Scorer::CreditGrade),
        ],
    };
    assert_eq!(
        two.check().expect_err("two").code,
        "evaluation.credit_points"
    );

    let m = method(10);
    let bidders: Vec<Uuid> = (1..=4).map(Uuid::from_u128).collect();
    let mut s = MemberSheet::default();
    for b in &bidders {
        s.scores
            .insert(*b, BTreeMap::from([("tech".to_string(), 30)]));
    }
    assert!(check_sheet(&m, &bidders, &s).is_ok(), "members skip it");
    let mut scored = s.clone();
    scored
        .scores
        .get_mut(&bidders[0])
        .map(|x| x.insert("credit".into(), 10));
    assert_eq!(
        check_sheet(&m, &bidders, &scored).expect_err("a member scored it")[0].code,
        "evaluation.platform_scored"
    );

    let grades = CreditGrades {
        by_bidder: bidders
            .iter()
            .copied()
            .zip([Grade::A, Grade::B, Grade::C, Grade::D])
            .collect(),
        ..CreditGrades::default()
    };
    let bids = [
        bid(1, 1000, 1),
        bid(2, 1000, 2),
        bid(3, 1000, 3),
        bid(4, 1000, 4),
    ];
    let o = evaluate_with(&m, &bids, &[s], 4, &Pricing::default(), &grades);
    let crit: Vec<Option<i64>> = o.results.iter().map(|r| r.criteria_score_x100).collect();
    assert_eq!(
        crit,
        vec![Some(4000), Some(3800), Some(3600), Some(3000)],
        "30 from the members plus 10/8/6/0"
    );
    assert_eq!(o.candidates, bidders);
    // Without a grade (not looked up) the criterion earns nothing.
    let o = evaluate(&m, &bids, &[MemberSheet::default()], 4);
    assert!(o.results.iter().all(|r| r.criteria_score_x100 == Some(0)));
}
