//! Company credit (信用): records keyed by the credit code, and the one rule that says whether a
//! company may take part in a trade at an instant. Every point of participation (a bid, a
//! prequalification application, a procurement response or final quote, a grant application or
//! admission, an auction bid, the award) asks [`bar`] and nothing else.

pub mod correction;
pub mod grade;
pub mod lists;

use crate::FieldError;
use crate::rulepack::{Confidence, Limit};
use chrono::{DateTime, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

pub const PROCUREMENT_LAW: &str = "政府采购法";
pub const PROCUREMENT_REGS: &str = "政府采购法实施条例";
/// 关于在政府采购活动中查询及使用信用记录有关问题的通知.
pub const CAIKU_125: &str = "财库〔2016〕125号";
/// 关于在招标投标活动中对失信被执行人实施联合惩戒的通知.
pub const FA_285: &str = "法〔2016〕285号";
/// 关于对失信被执行人实施联合惩戒的合作备忘录, whose measures include restricting land the
/// government supplies (RULES.md §8 names it as the parent memorandum).
pub const FGCJ_141: &str = "发改财金〔2016〕141号";
const TENDER_LAW: &str = crate::rulepack::LAW;
const TENDER_REGS: &str = crate::rulepack::REGS;

/// The four trades a bar can cover, as the disclosure catalogue names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Trade {
    Construction,
    Procurement,
    LandMining,
    StateProperty,
}

impl Trade {
    pub const ALL: [Self; 4] = [
        Self::Construction,
        Self::Procurement,
        Self::LandMining,
        Self::StateProperty,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Construction => "construction",
            Self::Procurement => "procurement",
            Self::LandMining => "land_mining",
            Self::StateProperty => "state_property",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.code() == s)
    }

    /// The trade of an auction by its kind (`land_use`, `mining_right`, `state_property`,
    /// `other`): a disposal of other public assets is a state-property trade.
    pub fn of_auction(kind: &str) -> Self {
        match kind {
            "land_use" | "mining_right" => Self::LandMining,
            _ => Self::StateProperty,
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Self::Construction => "construction tendering",
            Self::Procurement => "government procurement",
            Self::LandMining => "land and mining-right grants",
            Self::StateProperty => "state-property transfers",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Construction => "工程建设",
            Self::Procurement => "政府采购",
            Self::LandMining => "土地和矿业权",
            Self::StateProperty => "国有产权",
        }
    }
}

impl From<crate::grant::TradeKind> for Trade {
    fn from(k: crate::grant::TradeKind) -> Self {
        match k {
            crate::grant::TradeKind::LandUse | crate::grant::TradeKind::MiningRight => {
                Self::LandMining
            }
            crate::grant::TradeKind::StateProperty => Self::StateProperty,
        }
    }
}

/// Where a company's credit is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CheckPoint {
    /// A bid or a procurement response, at submission.
    Bid,
    /// A prequalification application.
    Prequalification,
    /// A procurement's responses as of the deadline (财库〔2016〕125号: checked and kept).
    Deadline,
    /// A final quote in a negotiation or consultation.
    FinalQuote,
    /// A grant application.
    GrantApplication,
    /// A grant admission (竞买资格确认).
    Admission,
    /// A bid in an auction hall.
    AuctionBid,
    /// The award: a candidate barred since the evaluation is passed over.
    Award,
}

impl CheckPoint {
    pub fn code(self) -> &'static str {
        match self {
            Self::Bid => "bid",
            Self::Prequalification => "prequalification",
            Self::Deadline => "deadline",
            Self::FinalQuote => "final_quote",
            Self::GrantApplication => "grant_application",
            Self::Admission => "admission",
            Self::AuctionBid => "auction_bid",
            Self::Award => "award",
        }
    }
}

/// What a record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// 行政处罚. A major one (a suspension order, a licence revoked, a large fine) keeps a
    /// supplier out of government procurement for three years.
    AdministrativePenalty,
    /// 失信被执行人, the Supreme People's Court's list.
    JudgmentDefaulter,
    /// 重大税收违法失信主体, the tax administration's list.
    MajorTaxViolator,
    /// 政府采购严重违法失信行为记录 (ccgp.gov.cn/cr/list).
    ProcurementSeriousViolation,
    /// A decision disqualifying the company from bidding for a period (取消投标资格 /
    /// 禁止参加政府采购活动), on one of the statutory grounds in [`BanGround`].
    BiddingBan,
    /// A finding of this platform's supervisor (collusion, false documents, refusal to sign, …),
    /// with the log events as evidence. It informs the department's decision and bars nothing
    /// by itself.
    PlatformFinding,
    /// 良好信用记录: an award, performance accepted as good.
    Good,
}

impl RecordKind {
    pub const ALL: [Self; 7] = [
        Self::AdministrativePenalty,
        Self::JudgmentDefaulter,
        Self::MajorTaxViolator,
        Self::ProcurementSeriousViolation,
        Self::BiddingBan,
        Self::PlatformFinding,
        Self::Good,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::AdministrativePenalty => "administrative_penalty",
            Self::JudgmentDefaulter => "judgment_defaulter",
            Self::MajorTaxViolator => "major_tax_violator",
            Self::ProcurementSeriousViolation => "procurement_serious_violation",
            Self::BiddingBan => "bidding_ban",
            Self::PlatformFinding => "platform_finding",
            Self::Good => "good",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Self::AdministrativePenalty => "行政处罚",
            Self::JudgmentDefaulter => "失信被执行人",
            Self::MajorTaxViolator => "重大税收违法失信主体",
            Self::ProcurementSeriousViolation => "政府采购严重违法失信行为记录",
            Self::BiddingBan => "取消投标资格",
            Self::PlatformFinding => "平台监管发现",
            Self::Good => "良好信用记录",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Self::AdministrativePenalty => "Administrative penalty",
            Self::JudgmentDefaulter => "Dishonest judgment debtor",
            Self::MajorTaxViolator => "Major tax violator",
            Self::ProcurementSeriousViolation => "Serious procurement violation",
            Self::BiddingBan => "Disqualified from bidding",
            Self::PlatformFinding => "Platform finding",
            Self::Good => "Good record",
        }
    }

    /// Kinds the public list of bans and serious 失信 records shows.
    pub fn serious(self) -> bool {
        !matches!(
            self,
            Self::AdministrativePenalty | Self::PlatformFinding | Self::Good
        )
    }
}

/// The statutory grounds of a bidding ban, each with the trades it covers and the length the law
/// allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BanGround {
    /// 串通投标、行贿 (法 Art 53; 条例 Art 67): 1–2 years, must-tender works.
    TenderCollusion,
    /// 弄虚作假、以他人名义投标 (法 Art 54; 条例 Art 68): 1–3 years.
    TenderFraud,
    /// 不按合同履行义务，情节严重 (法 Art 60): 2–5 years.
    NonPerformance,
    /// 提供虚假材料、串通、行贿等 (政府采购法 Art 77): 1–3 years, all government procurement.
    ProcurementMisconduct,
}

/// A ban's allowed length in whole years, and where the law says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BanRule {
    pub trade: Trade,
    pub min_years: u32,
    pub max_years: u32,
    pub regulation: &'static str,
    pub article: &'static str,
}

impl BanGround {
    pub const ALL: [Self; 4] = [
        Self::TenderCollusion,
        Self::TenderFraud,
        Self::NonPerformance,
        Self::ProcurementMisconduct,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::TenderCollusion => "tender_collusion",
            Self::TenderFraud => "tender_fraud",
            Self::NonPerformance => "non_performance",
            Self::ProcurementMisconduct => "procurement_misconduct",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.code() == s)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Self::TenderCollusion => "串通投标或行贿",
            Self::TenderFraud => "弄虚作假或以他人名义投标",
            Self::NonPerformance => "不履行合同义务情节严重",
            Self::ProcurementMisconduct => "政府采购违法行为",
        }
    }

    /// [V] RULES.md §8 and §1.11.
    pub fn rule(self) -> BanRule {
        let (trade, min_years, max_years, regulation, article) = match self {
            Self::TenderCollusion => (Trade::Construction, 1, 2, TENDER_REGS, "67"),
            Self::TenderFraud => (Trade::Construction, 1, 3, TENDER_REGS, "68"),
            Self::NonPerformance => (Trade::Construction, 2, 5, TENDER_LAW, "60"),
            Self::ProcurementMisconduct => (Trade::Procurement, 1, 3, PROCUREMENT_LAW, "77"),
        };
        BanRule {
            trade,
            min_years,
            max_years,
            regulation,
            article,
        }
    }
}

/// The trade under whose notices a department's decision is published (行政处罚决定公告, 招标投标
/// 违法行为记录公告暂行办法 Art 9 [S]; bad records of procurement, 政府采购法实施条例 Art 63 [V]):
/// a ban's ground names it, a procurement-violation record is procurement's, and a penalty states
/// it. The national lists publish their own entries, a platform finding informs the department
/// without deciding anything, and a good record is no penalty: none of those is published here.
pub fn published_under(
    kind: RecordKind,
    ground: Option<BanGround>,
    stated: Option<Trade>,
) -> Result<Option<Trade>, FieldError> {
    match kind {
        RecordKind::BiddingBan => Ok(ground.map(|g| g.rule().trade)),
        RecordKind::ProcurementSeriousViolation => Ok(Some(Trade::Procurement)),
        RecordKind::AdministrativePenalty => stated.map(Some).ok_or_else(|| {
            FieldError::new(
                "trade_kind",
                "credit.trade_kind_required",
                "行政处罚应注明所涉交易类型，处罚决定在该类交易的信息公开栏目公告",
                "A penalty states the trade it concerns; its notice is published under that trade",
            )
        }),
        RecordKind::JudgmentDefaulter
        | RecordKind::MajorTaxViolator
        | RecordKind::PlatformFinding
        | RecordKind::Good => Ok(None),
    }
}

/// Whether a record still counts: an upheld objection revokes it (it never counted); a granted
/// repair takes it out of public view and out of the grade, but a restriction the law sets for
/// a period (a major penalty's three years, a ban) runs on to its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecordStatus {
    Active,
    Revoked,
    Repaired,
}

impl RecordStatus {
    pub fn code(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Revoked => "revoked",
            Self::Repaired => "repaired",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(Self::Active),
            "revoked" => Some(Self::Revoked),
            "repaired" => Some(Self::Repaired),
            _ => None,
        }
    }

    /// Whether a record in this state can still bar a company (only a revoked one cannot).
    pub fn may_bar(self) -> bool {
        self != Self::Revoked
    }
}

/// A record as the rule reads it: what it is and the instants it holds between.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Standing {
    pub kind: RecordKind,
    pub ground: Option<BanGround>,
    /// An administrative penalty that is major (政府采购法 Art 22: 重大违法记录).
    pub major: bool,
    pub status: RecordStatus,
    /// The first instant it applies.
    pub starts_at: DateTime<Utc>,
    /// The first instant it no longer applies; `None` while the list keeps the company on it
    /// (a 失信被执行人 entry lasts until the court removes it).
    pub ends_at: Option<DateTime<Utc>>,
}

/// Which kinds bar which trades, with the source of each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreditPack {
    pub version: &'static str,
    /// Years a major administrative penalty keeps a supplier out of procurement. [V]
    pub major_penalty_years: Limit<u32>,
    /// 失信被执行人 in works tendering [S] and procurement [S]…
    pub defaulter_construction: Limit<bool>,
    pub defaulter_procurement: Limit<bool>,
    /// …and in land, mining-right and property grants: the courts' memorandum names them, the
    /// local rules vary. [U] configurable default.
    pub defaulter_grants: Limit<bool>,
    /// 重大税收违法失信主体 in procurement [S]; elsewhere [U] configurable, off by default.
    pub tax_violator_procurement: Limit<bool>,
    pub tax_violator_other: Limit<bool>,
    /// 政府采购严重违法失信行为记录 in procurement. [S]
    pub procurement_violation: Limit<bool>,
    /// Years an administrative penalty stays in public view after its decision when the decision
    /// states none. [U] configurable default.
    pub penalty_publication_years: Limit<u32>,
}

const fn lim<T>(
    value: T,
    regulation: &'static str,
    article: &'static str,
    confidence: Confidence,
) -> Limit<T> {
    Limit {
        value,
        regulation,
        article,
        confidence,
    }
}

impl CreditPack {
    pub const fn v2026() -> Self {
        use Confidence::*;
        Self {
            version: "credit-2026",
            major_penalty_years: lim(3, PROCUREMENT_LAW, "22", Verified),
            defaulter_construction: lim(true, FA_285, "", Secondary),
            defaulter_procurement: lim(true, CAIKU_125, "", Secondary),
            defaulter_grants: lim(true, FGCJ_141, "", Unconfirmed),
            tax_violator_procurement: lim(true, CAIKU_125, "", Secondary),
            tax_violator_other: lim(false, "", "", Unconfirmed),
            procurement_violation: lim(true, CAIKU_125, "", Secondary),
            penalty_publication_years: lim(3, "", "", Unconfirmed),
        }
    }

    /// Whether a record of this kind, in force, keeps the company out of `trade`.
    pub fn covers(&self, s: &Standing, trade: Trade) -> bool {
        self.bars(s, trade).is_some()
    }

    /// Whether the record applies at `at`: not revoked, begun, and not yet ended.
    pub fn in_force(&self, s: &Standing, at: DateTime<Utc>) -> bool {
        s.status.may_bar() && at >= s.starts_at && self.restricts_until(s).is_none_or(|u| at < u)
    }

    /// The last day a record is shown to the public when its decision states none: its last day
    /// in force, and for a penalty (which may have none) the pack's years after the decision.
    pub fn default_publication(
        &self,
        kind: RecordKind,
        decided_on: NaiveDate,
        last_day: Option<NaiveDate>,
    ) -> Option<NaiveDate> {
        match kind {
            RecordKind::AdministrativePenalty | RecordKind::PlatformFinding => {
                let years = decided_on
                    .checked_add_months(Months::new(12 * self.penalty_publication_years.value))
                    .and_then(|d| d.pred_opt());
                match (last_day, years) {
                    (Some(l), Some(y)) => Some(l.max(y)),
                    (l, y) => l.or(y),
                }
            }
            _ => last_day,
        }
    }

    /// Whether a record of this kind, if in force, bars `trade`, and the rule that says so.
    fn bars(&self, s: &Standing, trade: Trade) -> Option<(&'static str, &'static str)> {
        let by = |l: &Limit<bool>| l.value.then_some((l.regulation, l.article));
        match s.kind {
            RecordKind::JudgmentDefaulter => match trade {
                Trade::Construction => by(&self.defaulter_construction),
                Trade::Procurement => by(&self.defaulter_procurement),
                Trade::LandMining | Trade::StateProperty => by(&self.defaulter_grants),
            },
            RecordKind::MajorTaxViolator => match trade {
                Trade::Procurement => by(&self.tax_violator_procurement),
                _ => by(&self.tax_violator_other),
            },
            RecordKind::ProcurementSeriousViolation => (trade == Trade::Procurement)
                .then_some(())
                .and(by(&self.procurement_violation)),
            RecordKind::BiddingBan => s
                .ground
                .map(BanGround::rule)
                .and_then(|r| (r.trade == trade).then_some((r.regulation, r.article))),
            RecordKind::AdministrativePenalty => (s.major && trade == Trade::Procurement)
                .then_some((
                    self.major_penalty_years.regulation,
                    self.major_penalty_years.article,
                )),
            RecordKind::PlatformFinding | RecordKind::Good => None,
        }
    }

    /// When a record stops restricting: its own end, and for a major penalty at most the
    /// statutory three years after it began.
    pub fn restricts_until(&self, s: &Standing) -> Option<DateTime<Utc>> {
        match s.kind {
            RecordKind::AdministrativePenalty => {
                let three = s
                    .starts_at
                    .checked_add_months(Months::new(12 * self.major_penalty_years.value));
                match (s.ends_at, three) {
                    (Some(e), Some(t)) => Some(e.min(t)),
                    (e, t) => e.or(t),
                }
            }
            _ => s.ends_at,
        }
    }
}

/// Why a company may not take part: the record (by its index in the list given) and the rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    pub record: usize,
    pub regulation: &'static str,
    pub article: &'static str,
    pub until: Option<DateTime<Utc>>,
}

/// The first record that bars the company from `trade` at `at`: in force (`starts_at ≤ at <
/// end`), not revoked, of a kind that covers the trade.
pub fn bar(
    records: &[Standing],
    trade: Trade,
    at: DateTime<Utc>,
    pack: &CreditPack,
) -> Option<Bar> {
    records.iter().enumerate().find_map(|(i, s)| {
        if !s.status.may_bar() || at < s.starts_at {
            return None;
        }
        let until = pack.restricts_until(s);
        if until.is_some_and(|u| at >= u) {
            return None;
        }
        pack.bars(s, trade).map(|(regulation, article)| Bar {
            record: i,
            regulation,
            article,
            until,
        })
    })
}

/// Whether the public sees a record at `at`: not revoked, begun, and within its publication
/// period (to the end of its last day, Beijing), or while in force when it states none. The
/// log keeps it after that.
pub fn publicly_shown(s: &Standing, published_until: Option<NaiveDate>, at: DateTime<Utc>) -> bool {
    if s.status != RecordStatus::Active || at < s.starts_at {
        return false;
    }
    match published_until {
        Some(last) => last.succ_opt().is_some_and(|d| at < beijing_start(d)),
        None => s.ends_at.is_none_or(|e| at < e),
    }
}

/// 00:00 in Beijing on `day`, as an instant.
pub fn beijing_start(day: NaiveDate) -> DateTime<Utc> {
    (day.and_hms_opt(0, 0, 0).unwrap_or_default() - chrono::Duration::hours(8)).and_utc()
}

/// A decision's period as written (自…起至…止, both days included) as the instants it holds
/// between.
pub fn period(first: NaiveDate, last: Option<NaiveDate>) -> (DateTime<Utc>, Option<DateTime<Utc>>) {
    (
        beijing_start(first),
        last.and_then(|l| l.succ_opt()).map(beijing_start),
    )
}

/// A bidding ban's period must be as long as its ground allows: at least `min_years` and at most
/// `max_years` whole years from its first day.
pub fn check_ban_period(
    ground: BanGround,
    first: NaiveDate,
    last: Option<NaiveDate>,
) -> Result<(), FieldError> {
    let r = ground.rule();
    let Some(last) = last else {
        return Err(FieldError::new(
            "ends_on",
            "credit.ban_unbounded",
            "取消投标资格应写明期限",
            "A bidding ban states its last day",
        )
        .with_rule(r.regulation, r.article));
    };
    let end = last.succ_opt().unwrap_or(last);
    let years = |n: u32| first.checked_add_months(Months::new(12 * n));
    let short = years(r.min_years).is_some_and(|m| end < m);
    let long = years(r.max_years).is_some_and(|m| end > m);
    if short || long {
        return Err(FieldError::new(
            "ends_on",
            "credit.ban_length",
            format!(
                "依据{}第{}条，取消投标资格期限为{}至{}年",
                r.regulation, r.article, r.min_years, r.max_years
            ),
            format!(
                "Under {} Art {}, the ban lasts {} to {} years",
                r.regulation, r.article, r.min_years, r.max_years
            ),
        )
        .with_rule(r.regulation, r.article));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_decision_is_published_under_the_trade_it_concerns() {
        use RecordKind::*;
        let collusion = Some(BanGround::TenderCollusion);
        assert_eq!(
            published_under(BiddingBan, collusion, None),
            Ok(Some(Trade::Construction))
        );
        assert_eq!(
            published_under(
                BiddingBan,
                Some(BanGround::ProcurementMisconduct),
                Some(Trade::Construction)
            ),
            Ok(Some(Trade::Procurement)),
            "the ground decides, not the form"
        );
        assert_eq!(
            published_under(ProcurementSeriousViolation, None, None),
            Ok(Some(Trade::Procurement))
        );
        assert_eq!(
            published_under(AdministrativePenalty, None, None)
                .expect_err("a penalty states it")
                .code,
            "credit.trade_kind_required"
        );
        assert_eq!(
            published_under(AdministrativePenalty, None, Some(Trade::LandMining)),
            Ok(Some(Trade::LandMining))
        );
        for kind in [JudgmentDefaulter, MajorTaxViolator, PlatformFinding, Good] {
            assert_eq!(
                published_under(kind, None, Some(Trade::Procurement)),
                Ok(None)
            );
        }
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    fn ban(ground: BanGround, first: &str, last: &str) -> Standing {
        let (starts_at, ends_at) = period(day(first), Some(day(last)));
        Standing {
            kind: RecordKind::BiddingBan,
            ground: Some(ground),
            major: false,
            status: RecordStatus::Active,
            starts_at,
            ends_at,
        }
    }

    const PACK: CreditPack = CreditPack::v2026();

    #[test]
    fn a_ban_holds_from_its_first_instant_to_just_before_its_end() {
        let b = [ban(BanGround::TenderCollusion, "2026-01-01", "2026-12-31")];
        // 2026-01-01 00:00 Beijing is 2025-12-31 16:00 UTC; the end is 2027-01-01 00:00 Beijing.
        let start = beijing_start(day("2026-01-01"));
        let end = beijing_start(day("2027-01-01"));
        let us = chrono::Duration::microseconds(1);
        assert_eq!(bar(&b, Trade::Construction, start - us, &PACK), None);
        let inside = bar(&b, Trade::Construction, start, &PACK).expect("barred at its start");
        assert_eq!((inside.regulation, inside.article), (TENDER_REGS, "67"));
        assert_eq!(inside.until, Some(end));
        assert!(bar(&b, Trade::Construction, end - us, &PACK).is_some());
        assert_eq!(bar(&b, Trade::Construction, end, &PACK), None);
        // A works ban is not a procurement ban.
        assert_eq!(bar(&b, Trade::Procurement, start, &PACK), None);
    }

    #[test]
    fn a_revoked_record_bars_nothing() {
        let mut b = ban(BanGround::TenderFraud, "2026-01-01", "2026-12-31");
        b.status = RecordStatus::Revoked;
        assert_eq!(
            bar(
                &[b],
                Trade::Construction,
                beijing_start(day("2026-06-01")),
                &PACK
            ),
            None
        );
    }

    #[test]
    fn the_lists_bar_the_trades_their_rules_name() {
        let listed = |kind| Standing {
            kind,
            ground: None,
            major: false,
            status: RecordStatus::Active,
            starts_at: beijing_start(day("2026-01-01")),
            ends_at: None,
        };
        let at = beijing_start(day("2030-01-01"));
        let barred = |kind, trade| bar(&[listed(kind)], trade, at, &PACK).is_some();
        for t in Trade::ALL {
            assert!(barred(RecordKind::JudgmentDefaulter, t), "{t:?}");
            assert!(!barred(RecordKind::Good, t));
            assert!(!barred(RecordKind::PlatformFinding, t));
            assert!(!barred(RecordKind::AdministrativePenalty, t), "not major");
        }
        assert!(barred(RecordKind::MajorTaxViolator, Trade::Procurement));
        assert!(!barred(RecordKind::MajorTaxViolator, Trade::Construction));
        assert!(barred(
            RecordKind::ProcurementSeriousViolation,
            Trade::Procurement
        ));
        assert!(!barred(
            RecordKind::ProcurementSeriousViolation,
            Trade::LandMining
        ));
    }

    #[test]
    fn a_major_penalty_keeps_a_supplier_out_of_procurement_for_three_years() {
        let p = Standing {
            kind: RecordKind::AdministrativePenalty,
            ground: None,
            major: true,
            status: RecordStatus::Active,
            starts_at: beijing_start(day("2026-03-10")),
            ends_at: None,
        };
        let end = beijing_start(day("2029-03-10"));
        let us = chrono::Duration::microseconds(1);
        let b = bar(
            std::slice::from_ref(&p),
            Trade::Procurement,
            end - us,
            &PACK,
        )
        .expect("barred");
        assert_eq!((b.regulation, b.article), (PROCUREMENT_LAW, "22"));
        assert_eq!(bar(&[p.clone()], Trade::Procurement, end, &PACK), None);
        assert_eq!(bar(&[p], Trade::Construction, end - us, &PACK), None);
    }

    #[test]
    fn a_ban_is_as_long_as_its_ground_allows() {
        use BanGround::*;
        let ok = |g, first, last| check_ban_period(g, day(first), Some(day(last))).is_ok();
        // Collusion: 1 to 2 years.
        assert!(
            ok(TenderCollusion, "2026-01-01", "2026-12-31"),
            "exactly 1 year"
        );
        assert!(
            !ok(TenderCollusion, "2026-01-01", "2026-12-30"),
            "a day short"
        );
        assert!(
            ok(TenderCollusion, "2026-01-01", "2027-12-31"),
            "exactly 2 years"
        );
        assert!(
            !ok(TenderCollusion, "2026-01-01", "2028-01-01"),
            "a day over"
        );
        // Non-performance: 2 to 5 years.
        assert!(ok(NonPerformance, "2026-01-01", "2030-12-31"));
        assert!(!ok(NonPerformance, "2026-01-01", "2031-01-01"));
        assert!(!ok(NonPerformance, "2026-01-01", "2027-12-30"));
        // Procurement: 1 to 3 years.
        assert!(ok(ProcurementMisconduct, "2026-01-01", "2028-12-31"));
        assert!(!ok(ProcurementMisconduct, "2026-01-01", "2029-01-01"));
        let e = check_ban_period(TenderFraud, day("2026-01-01"), None).expect_err("unbounded");
        assert_eq!(e.code, "credit.ban_unbounded");
    }
}
