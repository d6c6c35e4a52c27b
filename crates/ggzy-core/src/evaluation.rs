//! Bid evaluation (评标): the two construction methods, arithmetic correction, mandatory rejection
//! and ranking, as pure functions over the opened bids and the members' submissions.
//!
//! Lowest evaluated price (经评审的最低投标价法) ranks valid bids by corrected price; comprehensive
//! points (综合评估法) adds a price score to the members' averaged scores on the criteria fixed in
//! the tender documents (条例 Art 49: no other criteria).

use crate::credit::grade::{Grade, GradeFormula};
use crate::error::FieldError;
use crate::money::Money;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// A criterion of the points method, fixed in the tender documents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Criterion {
    pub key: String,
    pub name: String,
    /// Highest score a member may give.
    pub max_points: u32,
    /// An objective criterion (客观分) has one right answer: members must agree on it.
    #[serde(default)]
    pub objective: bool,
    /// Who scores it: the members, or the platform from the bidder's credit grade.
    #[serde(default, skip_serializing_if = "Scorer::is_members")]
    pub scorer: Scorer,
}

/// Who gives a criterion's points.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Scorer {
    /// Every member scores it; the points are the members' average.
    #[default]
    Members,
    /// The platform scores it from the bidder's credit grade as of the bid deadline, by the
    /// published grade formula (`GradeFormula::criterion_points`); members do not score it.
    CreditGrade,
}

impl Scorer {
    fn is_members(&self) -> bool {
        *self == Self::Members
    }
}

/// The bidders' credit grades as of the bid deadline, for the criteria the platform scores.
#[derive(Debug, Clone)]
pub struct CreditGrades {
    pub formula: GradeFormula,
    pub by_bidder: BTreeMap<Uuid, Grade>,
}

impl Default for CreditGrades {
    fn default() -> Self {
        Self {
            formula: GradeFormula::v2026(),
            by_bidder: BTreeMap::new(),
        }
    }
}

impl CreditGrades {
    /// The points the platform gives `bidder` on `c`; a bidder without a grade earns none.
    pub fn points(&self, c: &Criterion, bidder: Uuid) -> u32 {
        self.by_bidder
            .get(&bidder)
            .map_or(0, |g| self.formula.criterion_points(c.max_points, *g))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum Method {
    LowestEvaluatedPrice,
    Points {
        /// Points for price: the lowest valid evaluated price earns all of them.
        price_points: u32,
        criteria: Vec<Criterion>,
    },
}

impl Method {
    pub fn label_zh(&self) -> &'static str {
        match self {
            Self::LowestEvaluatedPrice => "经评审的最低投标价法",
            Self::Points { .. } => "综合评估法",
        }
    }

    pub fn label_en(&self) -> &'static str {
        match self {
            Self::LowestEvaluatedPrice => "Lowest evaluated price",
            Self::Points { .. } => "Comprehensive points",
        }
    }

    pub fn criteria(&self) -> &[Criterion] {
        match self {
            Self::LowestEvaluatedPrice => &[],
            Self::Points { criteria, .. } => criteria,
        }
    }

    /// The criteria's maxima and the price points add up to 100.
    pub fn check(&self) -> Result<(), FieldError> {
        if let Self::Points {
            price_points,
            criteria,
        } = self
        {
            let total: u32 = criteria.iter().map(|c| c.max_points).sum::<u32>() + price_points;
            let mut keys: Vec<&str> = criteria.iter().map(|c| c.key.as_str()).collect();
            keys.sort_unstable();
            keys.dedup();
            if total != 100 || keys.len() != criteria.len() || criteria.is_empty() {
                return Err(FieldError::new(
                    "method",
                    "evaluation.weights",
                    format!("价格分与各评分因素分值之和应为 100（现为 {total}），且因素不得重复"),
                    format!(
                        "Price points and criteria must add up to 100 (now {total}) with no repeated criterion"
                    ),
                ));
            }
            let credit: Vec<&Criterion> = criteria
                .iter()
                .filter(|c| c.scorer == Scorer::CreditGrade)
                .collect();
            if credit.len() > 1 || credit.iter().any(|c| c.max_points > CREDIT_POINTS_MAX) {
                return Err(FieldError::new(
                    "method",
                    "evaluation.credit_points",
                    format!("信用等级最多作为一个评分因素，分值不超过 {CREDIT_POINTS_MAX} 分"),
                    format!(
                        "The credit grade is at most one criterion, worth at most {CREDIT_POINTS_MAX} points"
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// The most a credit-grade criterion may weigh: enough to reward the trustworthy, too little to
/// shut out a newcomer whose grade this platform has not yet seen (a configurable default, [U]).
pub const CREDIT_POINTS_MAX: u32 = 10;

/// One line of a bid's price schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PriceLine {
    pub name: String,
    pub quantity: i64,
    #[schema(value_type = i64)]
    pub unit_price: Money,
}

/// The bid form (投标函): price and key items, read out at the opening.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BidForm {
    /// Price in figures (小写), in fen.
    #[schema(value_type = i64)]
    pub price: Money,
    /// Price in words (大写), e.g. 人民币壹佰万元整.
    pub price_in_words: String,
    #[serde(default)]
    pub lines: Vec<PriceLine>,
    /// Construction period in calendar days.
    pub duration_days: u32,
    pub quality: String,
    pub project_manager: String,
    /// Brand of the core product (核心产品品牌), for the same-brand rule (87号令 Art 31).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brand: Option<String>,
    /// The supplier's small-enterprise declaration (中小企业声明函), for the price deduction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sme: Option<crate::procurement::SmeStatus>,
}

const DIGITS: [(char, i64); 11] = [
    ('零', 0),
    ('壹', 1),
    ('贰', 2),
    ('叁', 3),
    ('肆', 4),
    ('伍', 5),
    ('陆', 6),
    ('柒', 7),
    ('捌', 8),
    ('玖', 9),
    ('两', 2),
];

/// Writes an amount in capital Chinese numerals (大写金额) as a bid form states it, e.g.
/// 人民币伍仟零壹拾万元整; [`parse_amount_in_words`] reads it back. Nothing for a negative amount
/// or one of a 万亿 yuan or more.
pub fn amount_in_words(m: Money) -> Option<String> {
    const D: [char; 10] = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];
    let fen = u64::try_from(m.fen()).ok()?;
    let (yuan, jiao, fen) = (fen / 100, fen / 10 % 10, fen % 10);
    // Up to 9,999 亿 yuan: no trade here comes near a 万亿.
    if yuan >= 1_000_000_000_000 {
        return None;
    }
    // One group of four digits; `lead` says a zero before it must be written.
    let group = |n: u64, lead: bool| -> String {
        let mut s = String::new();
        let mut zero = lead;
        for (p, unit) in [(1000, "仟"), (100, "佰"), (10, "拾"), (1, "")] {
            let d = (n / p % 10) as usize;
            if d == 0 {
                zero |= !s.is_empty();
            } else {
                if zero {
                    s.push('零');
                    zero = false;
                }
                s.push(D[d]);
                s.push_str(unit);
            }
        }
        s
    };
    let mut out = String::from("人民币");
    let groups = [
        (yuan / 100_000_000, "亿"),
        (yuan / 10_000 % 10_000, "万"),
        (yuan % 10_000, ""),
    ];
    let mut written = false;
    let mut gap = false;
    for (g, unit) in groups {
        if g == 0 {
            gap |= written;
            continue;
        }
        out.push_str(&group(g, written && (gap || g < 1000)));
        out.push_str(unit);
        written = true;
        gap = false;
    }
    if !written {
        out.push('零');
    }
    out.push('元');
    match (jiao, fen) {
        (0, 0) => out.push('整'),
        (j, f) => {
            if j > 0 {
                out.push(D[j as usize]);
                out.push('角');
            } else if written {
                out.push('零');
            }
            if f > 0 {
                out.push(D[f as usize]);
                out.push('分');
            } else {
                out.push('整');
            }
        }
    }
    Some(out)
}

/// Reads an amount written in capital Chinese numerals (大写金额) into fen.
pub fn parse_amount_in_words(input: &str) -> Option<Money> {
    let s = input.trim().trim_start_matches("人民币").trim();
    if s.is_empty() {
        return None;
    }
    let (mut total, mut section, mut digit): (i64, i64, Option<i64>) = (0, 0, None);
    let mut yuan: Option<i64> = None;
    let mut fen = 0i64;
    for c in s.chars() {
        if let Some(&(_, d)) = DIGITS.iter().find(|(ch, _)| *ch == c) {
            digit = Some(d);
            continue;
        }
        match c {
            '拾' | '佰' | '仟' => {
                let unit = match c {
                    '拾' => 10,
                    '佰' => 100,
                    _ => 1000,
                };
                section += digit.take().unwrap_or(1) * unit;
            }
            '万' => {
                total = total
                    .checked_add((section + digit.take().unwrap_or(0)).checked_mul(10_000)?)?;
                section = 0;
            }
            '亿' => {
                total = (total + section + digit.take().unwrap_or(0)).checked_mul(100_000_000)?;
                section = 0;
            }
            '元' | '圆' => {
                yuan = Some(total + section + digit.take().unwrap_or(0));
                total = 0;
                section = 0;
            }
            '角' => fen += digit.take()? * 10,
            '分' => fen += digit.take()?,
            '整' | '正' => {}
            _ => return None,
        }
    }
    if digit.is_some() || total != 0 || section != 0 {
        return None;
    }
    yuan?
        .checked_mul(100)?
        .checked_add(fen)
        .map(Money::from_fen)
}

/// A correction made to a bid price, with its rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Correction {
    pub rule_zh: String,
    pub rule_en: String,
    #[schema(value_type = i64)]
    pub from: Money,
    #[schema(value_type = i64)]
    pub to: Money,
}

/// The price the evaluation uses after arithmetic correction (评标委员会规定 Art 19): words prevail
/// over figures; unit prices prevail over the total unless a unit price's decimal point is
/// obviously misplaced (the total matches it moved by a power of ten).
pub fn corrected_price(form: &BidForm) -> (Money, Vec<Correction>) {
    let mut price = form.price;
    let mut out = vec![];
    if let Some(words) = parse_amount_in_words(&form.price_in_words)
        && words != price
    {
        out.push(Correction {
            rule_zh: "大写金额与小写金额不一致的，以大写金额为准".into(),
            rule_en: "Words prevail over figures".into(),
            from: price,
            to: words,
        });
        price = words;
    }
    if form.lines.is_empty() {
        return (price, out);
    }
    let line_sum = |lines: &[PriceLine]| -> i64 {
        lines
            .iter()
            .map(|l| l.quantity.saturating_mul(l.unit_price.fen()))
            .fold(0i64, i64::saturating_add)
    };
    let sum = line_sum(&form.lines);
    if sum == price.fen() {
        return (price, out);
    }
    for i in 0..form.lines.len() {
        for shift in [10i64, 100, 1000] {
            for moved in [
                form.lines[i].unit_price.fen().saturating_mul(shift),
                form.lines[i].unit_price.fen() / shift,
            ] {
                let mut lines = form.lines.clone();
                lines[i].unit_price = Money::from_fen(moved);
                if moved != 0 && line_sum(&lines) == price.fen() {
                    return (price, out);
                }
            }
        }
    }
    out.push(Correction {
        rule_zh: "单价金额与总价金额不一致的，以单价金额为准".into(),
        rule_en: "Unit prices prevail over the total".into(),
        from: price,
        to: Money::from_fen(sum),
    });
    (Money::from_fen(sum), out)
}

/// Mandatory rejection grounds (条例 Art 51).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum RejectionReason {
    NotSealedOrSigned,
    NoConsortiumAgreement,
    NotQualified,
    MultipleBids,
    PriceBelowCostOrAboveCeiling,
    NotResponsive,
    CollusionOrFraud,
}

impl RejectionReason {
    pub const ALL: [Self; 7] = [
        Self::NotSealedOrSigned,
        Self::NoConsortiumAgreement,
        Self::NotQualified,
        Self::MultipleBids,
        Self::PriceBelowCostOrAboveCeiling,
        Self::NotResponsive,
        Self::CollusionOrFraud,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotSealedOrSigned => "not_sealed_or_signed",
            Self::NoConsortiumAgreement => "no_consortium_agreement",
            Self::NotQualified => "not_qualified",
            Self::MultipleBids => "multiple_bids",
            Self::PriceBelowCostOrAboveCeiling => "price_below_cost_or_above_ceiling",
            Self::NotResponsive => "not_responsive",
            Self::CollusionOrFraud => "collusion_or_fraud",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The item of 条例 Art 51 para 2.
    pub fn item(self) -> u8 {
        Self::ALL
            .iter()
            .position(|r| *r == self)
            .map_or(0, |i| i as u8 + 1)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::NotSealedOrSigned => "投标文件未经投标单位盖章和单位负责人签字",
            Self::NoConsortiumAgreement => "投标联合体没有提交共同投标协议",
            Self::NotQualified => "投标人不符合国家或者招标文件规定的资格条件",
            Self::MultipleBids => "同一投标人提交两个以上不同的投标文件或者投标报价",
            Self::PriceBelowCostOrAboveCeiling => {
                "投标报价低于成本或者高于招标文件设定的最高投标限价"
            }
            Self::NotResponsive => "投标文件没有对招标文件的实质性要求和条件作出响应",
            Self::CollusionOrFraud => "投标人有串通投标、弄虚作假、行贿等违法行为",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::NotSealedOrSigned => "Neither sealed by the bidder nor signed by its head",
            Self::NoConsortiumAgreement => "Consortium without a joint-bid agreement",
            Self::NotQualified => "Bidder fails the qualification conditions",
            Self::MultipleBids => "Two or more different bids or prices from one bidder",
            Self::PriceBelowCostOrAboveCeiling => "Price below cost or above the published maximum",
            Self::NotResponsive => "Does not respond to the substantive requirements",
            Self::CollusionOrFraud => "Collusion, falsification or bribery",
        }
    }
}

/// An opened bid as the evaluation sees it.
#[derive(Debug, Clone)]
pub struct OpenedBid {
    pub bidder: Uuid,
    pub form: BidForm,
    pub received_at: DateTime<Utc>,
}

/// One member's submission: scores per bidder per criterion, and rejection votes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MemberSheet {
    #[serde(default)]
    pub scores: BTreeMap<Uuid, BTreeMap<String, u32>>,
    #[serde(default)]
    pub rejections: BTreeMap<Uuid, RejectionReason>,
}

/// A sheet's scores lie within each criterion's range and cover every criterion of every bid the
/// member did not vote to reject.
pub fn check_sheet(
    method: &Method,
    bidders: &[Uuid],
    sheet: &MemberSheet,
) -> Result<(), Vec<FieldError>> {
    let mut errs = vec![];
    for b in bidders {
        if sheet.rejections.contains_key(b) {
            continue;
        }
        for c in method.criteria() {
            match sheet.scores.get(b).and_then(|s| s.get(&c.key)) {
                Some(_) if c.scorer != Scorer::Members => errs.push(FieldError::new(
                    format!("scores.{b}.{}", c.key),
                    "evaluation.platform_scored",
                    format!("“{}”由平台按投标截止时的信用等级计分，评委不打分", c.name),
                    format!(
                        "'{}' is scored by the platform from the credit grade at the deadline, not by members",
                        c.name
                    ),
                )),
                None if c.scorer != Scorer::Members => {}
                None => errs.push(FieldError::new(
                    format!("scores.{b}.{}", c.key),
                    "evaluation.score_missing",
                    format!("请为“{}”打分", c.name),
                    format!("Score '{}'", c.name),
                )),
                Some(v) if *v > c.max_points => errs.push(FieldError::new(
                    format!("scores.{b}.{}", c.key),
                    "evaluation.score_out_of_range",
                    format!("“{}”的分值应在 0 至 {} 之间", c.name, c.max_points),
                    format!("'{}' takes 0 to {} points", c.name, c.max_points),
                )),
                Some(_) => {}
            }
        }
    }
    for (b, s) in &sheet.scores {
        if !bidders.contains(b) {
            errs.push(FieldError::new(
                format!("scores.{b}"),
                "evaluation.unknown_bidder",
                "不是本标段的投标人",
                "Not a bidder of this lot",
            ));
        }
        for k in s.keys() {
            if !method.criteria().iter().any(|c| &c.key == k) {
                errs.push(
                    FieldError::new(
                        format!("scores.{b}.{k}"),
                        "evaluation.unknown_criterion",
                        "招标文件未规定该评分因素，不得使用",
                        "The tender documents do not set this criterion; it may not be used",
                    )
                    .with_rule(crate::rulepack::REGS, "49"),
                );
            }
        }
    }
    if errs.is_empty() { Ok(()) } else { Err(errs) }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BidResult {
    pub bidder: Uuid,
    #[schema(value_type = i64)]
    pub bid_price: Money,
    #[schema(value_type = i64)]
    pub evaluated_price: Money,
    pub corrections: Vec<Correction>,
    /// Hundredths of a point (points method).
    pub price_score_x100: Option<i64>,
    pub criteria_score_x100: Option<i64>,
    pub total_x100: Option<i64>,
    pub rejected: Option<RejectionReason>,
    /// 1-based rank among valid bids.
    pub rank: Option<u32>,
    /// Set aside under the same-brand rule in favour of this bidder (87号令 Art 31).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub same_brand_as: Option<Uuid>,
    /// The price is abnormally low against the others: the supplier must justify it (87号令 Art 60).
    #[serde(default)]
    pub abnormally_low: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Outcome {
    pub results: Vec<BidResult>,
    /// Ranked candidates, at most `max_candidates`.
    pub candidates: Vec<Uuid>,
    /// Fewer than 3 valid bids: the committee may reject all (评标委员会规定 Art 27).
    pub competition_lacking: bool,
}

/// How a regime treats prices beyond arithmetic correction. The default is construction's:
/// nothing more. Government procurement adds final quotes, the small-enterprise deduction, the
/// budget ceiling, the same-brand rule and the abnormally-low flag.
#[derive(Debug, Clone, Default)]
pub struct Pricing {
    /// Final quotes (最后报价) replace the opened price where the method takes them.
    pub final_prices: BTreeMap<Uuid, Money>,
    pub sme: Option<crate::procurement::SmeDeduction>,
    /// A price above the budget or maximum price makes the bid invalid (87号令 Art 63).
    pub ceiling: Option<Money>,
    pub same_brand: bool,
    pub abnormally_low_bp: Option<u32>,
}

/// Evaluate: correct prices, apply rejections a majority voted for, score and rank.
pub fn evaluate(
    method: &Method,
    bids: &[OpenedBid],
    sheets: &[MemberSheet],
    max_candidates: u32,
) -> Outcome {
    evaluate_with(
        method,
        bids,
        sheets,
        max_candidates,
        &Pricing::default(),
        &CreditGrades::default(),
    )
}

/// Evaluate under a regime's [`Pricing`]. The deducted price is the evaluated price, used for
/// the base and every bid's score alike (87号令 Art 55); the contract stays at the bid price.
pub fn evaluate_with(
    method: &Method,
    bids: &[OpenedBid],
    sheets: &[MemberSheet],
    max_candidates: u32,
    pricing: &Pricing,
    grades: &CreditGrades,
) -> Outcome {
    let members = sheets.len().max(1);
    let mut results: Vec<(BidResult, DateTime<Utc>)> = bids
        .iter()
        .map(|b| {
            let (mut corrected, corrections) = corrected_price(&b.form);
            if let Some(f) = pricing.final_prices.get(&b.bidder) {
                corrected = *f;
            }
            let evaluated = match pricing.sme {
                Some(d) => Money::from_fen(crate::procurement::evaluation_price(
                    &crate::procurement::PricedBid {
                        bidder: b.bidder,
                        price: corrected,
                        sme: b.form.sme.unwrap_or(crate::procurement::SmeStatus::None),
                    },
                    &d,
                )),
                None => corrected,
            };
            let mut votes: BTreeMap<RejectionReason, usize> = BTreeMap::new();
            for s in sheets {
                if let Some(r) = s.rejections.get(&b.bidder) {
                    *votes.entry(*r).or_default() += 1;
                }
            }
            let total_votes: usize = votes.values().sum();
            let over_ceiling = pricing.ceiling.is_some_and(|c| corrected > c);
            let rejected = (total_votes * 2 > members)
                .then(|| votes.iter().max_by_key(|(_, n)| **n).map(|(r, _)| *r))
                .flatten()
                .or(over_ceiling.then_some(RejectionReason::PriceBelowCostOrAboveCeiling));
            (
                BidResult {
                    bidder: b.bidder,
                    bid_price: pricing
                        .final_prices
                        .get(&b.bidder)
                        .copied()
                        .unwrap_or(b.form.price),
                    evaluated_price: evaluated,
                    corrections,
                    price_score_x100: None,
                    criteria_score_x100: None,
                    total_x100: None,
                    rejected,
                    rank: None,
                    same_brand_as: None,
                    abnormally_low: false,
                },
                b.received_at,
            )
        })
        .collect();
    if let Some(bp) = pricing.abnormally_low_bp {
        flag_abnormally_low(&mut results, bp);
    }
    if let Method::Points {
        price_points,
        criteria,
    } = method
    {
        score_points(&mut results, sheets, *price_points, criteria, grades);
    }
    let mut valid: Vec<usize> = (0..results.len())
        .filter(|i| results[*i].0.rejected.is_none())
        .collect();
    let order = |&a: &usize, &b: &usize| {
        let (ra, ta) = &results[a];
        let (rb, tb) = &results[b];
        let by_method = match method {
            Method::LowestEvaluatedPrice => ra.evaluated_price.cmp(&rb.evaluated_price),
            Method::Points { .. } => rb.total_x100.cmp(&ra.total_x100),
        };
        // Ties: the lower evaluated price, then the earlier bid.
        by_method
            .then(ra.evaluated_price.cmp(&rb.evaluated_price))
            .then(ta.cmp(tb))
    };
    valid.sort_by(order);
    if pricing.same_brand {
        set_aside_same_brand(bids, &mut results, &mut valid);
    }
    for (rank, &i) in valid.iter().enumerate() {
        results[i].0.rank = Some(rank as u32 + 1);
    }
    let candidates = valid
        .iter()
        .take(max_candidates as usize)
        .map(|&i| results[i].0.bidder)
        .collect();
    let competition_lacking = valid.len() < 3;
    let mut out: Vec<BidResult> = results.into_iter().map(|(r, _)| r).collect();
    out.sort_by_key(|r| (r.rank.is_none(), r.rank));
    Outcome {
        results: out,
        candidates,
        competition_lacking,
    }
}

/// Points: the price score against the lowest valid evaluated price, plus the members' average
/// of the criteria they score and the platform's points on the others, in hundredths.
fn score_points(
    results: &mut [(BidResult, DateTime<Utc>)],
    sheets: &[MemberSheet],
    price_points: u32,
    criteria: &[Criterion],
    grades: &CreditGrades,
) {
    let lowest = results
        .iter()
        .filter(|(r, _)| r.rejected.is_none() && r.evaluated_price.fen() > 0)
        .map(|(r, _)| r.evaluated_price.fen())
        .min();
    for (r, _) in results.iter_mut().filter(|(r, _)| r.rejected.is_none()) {
        let price_score = lowest.map_or(0, |low| {
            crate::score::price_score(low, r.evaluated_price.fen(), price_points)
        });
        let scoring: Vec<&BTreeMap<String, u32>> = sheets
            .iter()
            .filter_map(|s| s.scores.get(&r.bidder))
            .collect();
        let by_platform: i64 = criteria
            .iter()
            .filter(|c| c.scorer == Scorer::CreditGrade)
            .map(|c| i64::from(grades.points(c, r.bidder)) * 100)
            .sum();
        let by_members = if scoring.is_empty() {
            0
        } else {
            let sum: i64 = scoring
                .iter()
                .map(|m| {
                    criteria
                        .iter()
                        .filter(|c| c.scorer == Scorer::Members)
                        .map(|c| i64::from(*m.get(&c.key).unwrap_or(&0)))
                        .sum::<i64>()
                })
                .sum();
            crate::score::hundredths(i128::from(sum) * 100, scoring.len() as i128)
        };
        let crit = by_members + by_platform;
        r.price_score_x100 = Some(price_score);
        r.criteria_score_x100 = Some(crit);
        r.total_x100 = Some(price_score + crit);
    }
}

/// Bids offering the same core-product brand count as one bidder: the best-placed one stands,
/// the others are set aside (87号令 Art 31). `valid` is in rank order.
fn set_aside_same_brand(
    bids: &[OpenedBid],
    results: &mut [(BidResult, DateTime<Utc>)],
    valid: &mut Vec<usize>,
) {
    let brands: BTreeMap<Uuid, String> = bids
        .iter()
        .filter_map(|b| {
            let s = b.form.brand.as_deref()?.trim().to_lowercase();
            (!s.is_empty()).then_some((b.bidder, s))
        })
        .collect();
    let mut seen: BTreeMap<&str, Uuid> = BTreeMap::new();
    valid.retain(|&i| {
        let Some(brand) = brands.get(&results[i].0.bidder).map(String::as_str) else {
            return true;
        };
        match seen.get(&brand) {
            Some(first) => {
                results[i].0.same_brand_as = Some(*first);
                false
            }
            None => {
                seen.insert(brand, results[i].0.bidder);
                true
            }
        }
    });
}

/// Flag prices more than `bp` basis points under the average of the other valid bids.
fn flag_abnormally_low(results: &mut [(BidResult, DateTime<Utc>)], bp: u32) {
    let prices: Vec<(usize, i64)> = results
        .iter()
        .enumerate()
        .filter(|(_, (r, _))| r.rejected.is_none())
        .map(|(i, (r, _))| (i, r.bid_price.fen()))
        .collect();
    if prices.len() < 3 {
        return;
    }
    let sum: i128 = prices.iter().map(|(_, p)| i128::from(*p)).sum();
    for &(i, p) in &prices {
        let others = (sum - i128::from(p)) / (prices.len() as i128 - 1);
        // p < others × (1 − bp/10000)
        if i128::from(p) * 10_000 < others * i128::from(10_000 - bp.min(10_000)) {
            results[i].0.abnormally_low = true;
        }
    }
}

/// Members who scored an objective criterion differently for the same bid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Disagreement {
    pub bidder: Uuid,
    pub criterion: String,
    /// Each member's score, by member.
    pub scores: BTreeMap<Uuid, u32>,
}

/// Objective criteria on which the members' sheets differ: the report waits until they agree.
pub fn objective_disagreements(
    method: &Method,
    sheets: &[(Uuid, &MemberSheet)],
) -> Vec<Disagreement> {
    let mut out = vec![];
    let bidders: std::collections::BTreeSet<Uuid> = sheets
        .iter()
        .flat_map(|(_, s)| s.scores.keys().copied())
        .collect();
    for c in method.criteria().iter().filter(|c| c.objective) {
        for b in &bidders {
            let scores: BTreeMap<Uuid, u32> = sheets
                .iter()
                .filter_map(|(m, s)| {
                    s.scores
                        .get(b)
                        .and_then(|x| x.get(&c.key))
                        .map(|v| (*m, *v))
                })
                .collect();
            let mut vals: Vec<u32> = scores.values().copied().collect();
            vals.dedup();
            vals.sort_unstable();
            vals.dedup();
            if vals.len() > 1 {
                out.push(Disagreement {
                    bidder: *b,
                    criterion: c.key.clone(),
                    scores,
                });
            }
        }
    }
    out
}

/// A member's score far from the rest of the committee (评分畸高畸低).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AbnormalScore {
    pub member: Uuid,
    pub bidder: Uuid,
    pub criterion: String,
    pub score: u32,
    /// Mean of the other members' scores.
    pub others_mean: f64,
    pub max_points: u32,
}

/// Scores further than `percent` of the criterion's range from the mean of the other members.
pub fn abnormal_scores(
    method: &Method,
    sheets: &[(Uuid, &MemberSheet)],
    percent: u32,
) -> Vec<AbnormalScore> {
    let mut out = vec![];
    if sheets.len() < 3 {
        return out;
    }
    for c in method.criteria().iter().filter(|c| !c.objective) {
        let limit = f64::from(c.max_points) * f64::from(percent) / 100.0;
        for (m, s) in sheets {
            for (b, scores) in &s.scores {
                let Some(v) = scores.get(&c.key) else {
                    continue;
                };
                let others: Vec<f64> = sheets
                    .iter()
                    .filter(|(o, _)| o != m)
                    .filter_map(|(_, o)| o.scores.get(b).and_then(|x| x.get(&c.key)))
                    .map(|x| f64::from(*x))
                    .collect();
                if others.is_empty() {
                    continue;
                }
                let mean = others.iter().sum::<f64>() / others.len() as f64;
                if (f64::from(*v) - mean).abs() > limit {
                    out.push(AbnormalScore {
                        member: *m,
                        bidder: *b,
                        criterion: c.key.clone(),
                        score: *v,
                        others_mean: mean,
                        max_points: c.max_points,
                    });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod committee_checks {
    use super::*;

    fn method() -> Method {
        Method::Points {
            price_points: 60,
            criteria: vec![
                Criterion {
                    key: "tech".into(),
                    name: "技术".into(),
                    max_points: 30,
                    objective: false,
                    scorer: Scorer::Members,
                },
                Criterion {
                    key: "record".into(),
                    name: "业绩".into(),
                    max_points: 10,
                    objective: true,
                    scorer: Scorer::Members,
                },
            ],
        }
    }

    fn sheet(b: Uuid, tech: u32, record: u32) -> MemberSheet {
        MemberSheet {
            scores: [(
                b,
                [("tech".to_string(), tech), ("record".to_string(), record)].into(),
            )]
            .into(),
            rejections: BTreeMap::new(),
        }
    }

    #[test]
    fn objective_scores_must_agree() {
        let b = Uuid::from_u128(9);
        let (s1, s2, s3) = (sheet(b, 20, 6), sheet(b, 25, 6), sheet(b, 22, 6));
        let m = [
            (Uuid::from_u128(1), &s1),
            (Uuid::from_u128(2), &s2),
            (Uuid::from_u128(3), &s3),
        ];
        assert!(
            objective_disagreements(&method(), &m).is_empty(),
            "subjective scores may differ"
        );
        let s3 = sheet(b, 22, 8);
        let m = [
            (Uuid::from_u128(1), &s1),
            (Uuid::from_u128(2), &s2),
            (Uuid::from_u128(3), &s3),
        ];
        let d = objective_disagreements(&method(), &m);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].criterion, "record");
        assert_eq!(d[0].scores.get(&Uuid::from_u128(3)), Some(&8));
    }

    #[test]
    fn a_score_more_than_the_allowed_deviation_raises_an_alert() {
        let b = Uuid::from_u128(9);
        // Range 30, 30% → 9 points. Others average 20: 29 is exactly 9 away (fine), 30 is not.
        let (s1, s2) = (sheet(b, 20, 6), sheet(b, 20, 6));
        let ok = sheet(b, 29, 6);
        let m = [
            (Uuid::from_u128(1), &s1),
            (Uuid::from_u128(2), &s2),
            (Uuid::from_u128(3), &ok),
        ];
        assert!(abnormal_scores(&method(), &m, 30).is_empty());
        let high = sheet(b, 30, 6);
        let m = [
            (Uuid::from_u128(1), &s1),
            (Uuid::from_u128(2), &s2),
            (Uuid::from_u128(3), &high),
        ];
        let a = abnormal_scores(&method(), &m, 30);
        assert!(
            a.iter()
                .any(|a| a.member == Uuid::from_u128(3) && a.score == 30),
            "{a:?}"
        );
    }
}

#[cfg(test)]
mod tests;
