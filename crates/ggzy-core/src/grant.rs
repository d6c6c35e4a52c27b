//! The periods and price rules of land-use grants, mining-right grants and state-property
//! transfers (RULES.md §4, §5), as one pack per trade kind with the source of every number. The
//! auction itself is [`crate::auction`]; this module says when it may happen and on what terms.
//! No I/O and no clock.

use crate::calendar::{Calendar, CalendarDays, WorkingDays, YearNotLoaded};
use crate::error::FieldError;
use crate::money::Money;
use crate::rulepack::{Confidence, Limit};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub const LAND: &str = "招标拍卖挂牌出让国有建设用地使用权规定";
pub const MINING: &str = "矿业权出让交易规则";
pub const PROPERTY: &str = "企业国有资产交易监督管理办法";

/// A period counted in calendar or working days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Period {
    Calendar(CalendarDays),
    Working(WorkingDays),
}

impl Period {
    /// `to` is at least this long after `from`; unknowable for working days in a year whose
    /// holiday schedule is not loaded.
    pub fn holds(
        self,
        cal: &Calendar,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<bool, YearNotLoaded> {
        match self {
            Self::Calendar(n) => Ok(Calendar::at_least_calendar_days(from, to, n)),
            Self::Working(n) => cal.at_least_working_days(from, to, n),
        }
    }

    /// The last day of the period started on `from`.
    pub fn end(self, cal: &Calendar, from: NaiveDate) -> NaiveDate {
        match self {
            Self::Calendar(n) => cal.period_end(from, n),
            Self::Working(n) => cal.add_working_days(from, n),
        }
    }

    fn words(self) -> (String, String) {
        match self {
            Self::Calendar(CalendarDays(n)) => (format!("{n} 日"), format!("{n} days")),
            Self::Working(WorkingDays(n)) => (format!("{n} 个工作日"), format!("{n} working days")),
        }
    }
}

/// The pack of one trade kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GrantPack {
    pub version: &'static str,
    /// Announcement (or formal disclosure) before the event.
    pub announcement: Limit<Period>,
    /// Listing (挂牌) period.
    pub listing: Limit<Period>,
    /// Fewest bidders for a tender or auction to go ahead.
    pub min_bidders: Limit<u32>,
    /// Confirmation (成交确认书) signed within.
    pub confirmation_within: Limit<Period>,
    /// Result published within, and for how long.
    pub result_within: Limit<Period>,
    pub result_runs: Limit<Period>,
    /// Losers' deposits back within.
    pub deposit_refund_within: Limit<Period>,
    /// The timed stage's extension window (seconds), a configurable default.
    pub extension_secs: Limit<i64>,
}

fn lim<T>(
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

impl GrantPack {
    /// State-owned construction land (MLR Order 39).
    pub fn land() -> Self {
        use Confidence::*;
        Self {
            version: "land-2007.1",
            announcement: lim(Period::Calendar(CalendarDays(20)), LAND, "", Secondary),
            listing: lim(Period::Working(WorkingDays(10)), LAND, "", Unconfirmed),
            min_bidders: lim(1, LAND, "", Unconfirmed),
            confirmation_within: lim(Period::Working(WorkingDays(1)), LAND, "", Unconfirmed),
            result_within: lim(Period::Working(WorkingDays(10)), LAND, "", Secondary),
            result_runs: lim(Period::Working(WorkingDays(1)), LAND, "", Unconfirmed),
            deposit_refund_within: lim(Period::Working(WorkingDays(5)), LAND, "", Unconfirmed),
            extension_secs: lim(300, LAND, "", Unconfirmed),
        }
    }

    /// Mining rights (自然资规〔2023〕1号 and provincial online rules).
    pub fn mining() -> Self {
        use Confidence::*;
        Self {
            version: "mining-2023.1",
            announcement: lim(Period::Working(WorkingDays(20)), MINING, "", Secondary),
            listing: lim(Period::Working(WorkingDays(10)), MINING, "", Secondary),
            min_bidders: lim(3, MINING, "", Secondary),
            confirmation_within: lim(Period::Working(WorkingDays(3)), MINING, "", Secondary),
            result_within: lim(Period::Working(WorkingDays(5)), MINING, "", Secondary),
            result_runs: lim(Period::Working(WorkingDays(10)), MINING, "", Secondary),
            deposit_refund_within: lim(Period::Working(WorkingDays(5)), MINING, "", Unconfirmed),
            extension_secs: lim(300, MINING, "", Unconfirmed),
        }
    }

    /// State-owned property transfers (SASAC/MoF Order 32).
    pub fn property() -> Self {
        use Confidence::*;
        Self {
            version: "property-2016.1",
            announcement: lim(Period::Working(WorkingDays(20)), PROPERTY, "", Secondary),
            listing: lim(Period::Working(WorkingDays(20)), PROPERTY, "", Secondary),
            min_bidders: lim(2, PROPERTY, "", Secondary),
            confirmation_within: lim(Period::Working(WorkingDays(5)), PROPERTY, "", Unconfirmed),
            result_within: lim(Period::Working(WorkingDays(5)), PROPERTY, "", Unconfirmed),
            result_runs: lim(Period::Working(WorkingDays(5)), PROPERTY, "", Secondary),
            deposit_refund_within: lim(Period::Working(WorkingDays(5)), PROPERTY, "", Unconfirmed),
            extension_secs: lim(60, PROPERTY, "", Unconfirmed),
        }
    }
}

/// What is traded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TradeKind {
    /// 国有建设用地使用权
    LandUse,
    /// 矿业权
    MiningRight,
    /// 企业国有资产（产权）
    StateProperty,
}

/// How it is traded (交易方式).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantMethod {
    /// 拍卖: an online auction, free then timed bidding.
    Auction,
    /// 挂牌: quotes over the listing period; an auction at the close if anyone asks to go on.
    Listing,
    /// 多次报价: the exchanges' network bidding, ascending quotes in a free then timed stage.
    MultiQuote,
    /// 一次报价: each qualified buyer submits one sealed quote in a window; the highest wins,
    /// equal quotes to the earliest.
    OneQuote,
}

impl TradeKind {
    pub const ALL: [Self; 3] = [Self::LandUse, Self::MiningRight, Self::StateProperty];

    pub fn code(self) -> &'static str {
        match self {
            Self::LandUse => "land_use",
            Self::MiningRight => "mining_right",
            Self::StateProperty => "state_property",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::LandUse => "国有建设用地使用权",
            Self::MiningRight => "矿业权",
            Self::StateProperty => "企业国有产权",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::LandUse => "Land-use right",
            Self::MiningRight => "Mining right",
            Self::StateProperty => "State property",
        }
    }

    pub fn pack(self) -> GrantPack {
        match self {
            Self::LandUse => GrantPack::land(),
            Self::MiningRight => GrantPack::mining(),
            Self::StateProperty => GrantPack::property(),
        }
    }

    /// The sector its notices are published under (公共资源交易平台管理暂行办法 Art 8).
    pub fn notice_sector(self) -> &'static str {
        match self {
            Self::LandUse | Self::MiningRight => "land_mining",
            Self::StateProperty => "state_property",
        }
    }

    /// The methods the trade kind's rules allow.
    pub fn methods(self) -> &'static [GrantMethod] {
        match self {
            Self::LandUse | Self::MiningRight => &[GrantMethod::Listing, GrantMethod::Auction],
            Self::StateProperty => &[
                GrantMethod::MultiQuote,
                GrantMethod::OneQuote,
                GrantMethod::Auction,
            ],
        }
    }

    fn regulation(self) -> &'static str {
        match self {
            Self::LandUse => LAND,
            Self::MiningRight => MINING,
            Self::StateProperty => PROPERTY,
        }
    }
}

/// Where a grant is, as stored. The bidding within `Open` and `Auction` is the auction's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantState {
    /// Announced; applications, then the listing, auction or quotes.
    Open,
    /// A listing closed with a bidder asking to go on: the auction at the close runs.
    Auction,
    Deal,
    NoDeal,
    /// The confirmation (成交确认书) is signed.
    Confirmed,
    /// The result (or the failure) is published.
    Published,
    /// Ended before the close, with a termination notice.
    Terminated,
}

impl GrantState {
    pub const ALL: [GrantState; 7] = [
        Self::Open,
        Self::Auction,
        Self::Deal,
        Self::NoDeal,
        Self::Confirmed,
        Self::Published,
        Self::Terminated,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Auction => "auction",
            Self::Deal => "deal",
            Self::NoDeal => "no_deal",
            Self::Confirmed => "confirmed",
            Self::Published => "published",
            Self::Terminated => "terminated",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Still bidding: nothing about who applied may be shown to the public yet.
    pub fn bidding(self) -> bool {
        matches!(self, Self::Open | Self::Auction)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Open => "公告中 / 竞价中",
            Self::Auction => "挂牌截止，网上竞价",
            Self::Deal => "已成交，待签确认书",
            Self::NoDeal => "未成交（流拍）",
            Self::Confirmed => "已签成交确认书",
            Self::Published => "结果已公示",
            Self::Terminated => "已终止",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::Open => "Announced / bidding",
            Self::Auction => "Auction after the listing",
            Self::Deal => "Deal; confirmation due",
            Self::NoDeal => "No deal",
            Self::Confirmed => "Confirmed",
            Self::Published => "Result published",
            Self::Terminated => "Terminated",
        }
    }
}

impl GrantMethod {
    pub const ALL: [Self; 4] = [
        Self::Listing,
        Self::Auction,
        Self::MultiQuote,
        Self::OneQuote,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Auction => "auction",
            Self::Listing => "listing",
            Self::MultiQuote => "multi_quote",
            Self::OneQuote => "one_quote",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.code() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Auction => "拍卖",
            Self::Listing => "挂牌",
            Self::MultiQuote => "网络竞价（多次报价）",
            Self::OneQuote => "一次报价",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::Auction => "Auction",
            Self::Listing => "Listing",
            Self::MultiQuote => "Network bidding (multiple quotes)",
            Self::OneQuote => "One sealed quote",
        }
    }
}

/// The method is one the trade kind's rules allow (land and mining: listing or auction —
/// tender grants go through the evaluation procedure, not this engine; state property: network
/// bidding or auction).
pub fn check_method(kind: TradeKind, method: GrantMethod) -> Result<(), FieldError> {
    if kind.methods().contains(&method) {
        Ok(())
    } else {
        Err(cite(
            FieldError::new(
                "method",
                "grant.method",
                format!("{}不采用{}方式", kind.label_zh(), method.label_zh()),
                format!(
                    "A {} is not traded by {}",
                    kind.label_en(),
                    method.label_en()
                ),
            ),
            kind.regulation(),
            "",
        ))
    }
}

/// Cite the rule, or only its regulation where RULES.md gives no article (an [U] number).
fn cite(e: FieldError, regulation: &'static str, article: &'static str) -> FieldError {
    if article.is_empty() {
        FieldError {
            rule: Some(crate::error::RuleRef {
                regulation,
                article: "—",
            }),
            ..e
        }
    } else {
        e.with_rule(regulation, article)
    }
}

fn short(
    field: &str,
    code: &'static str,
    l: &Limit<Period>,
    what_zh: &str,
    what_en: &str,
) -> FieldError {
    let (zh, en) = l.value.words();
    cite(
        FieldError::new(
            field,
            code,
            format!("{what_zh}不得少于 {zh}"),
            format!("{what_en} lasts at least {en}"),
        ),
        l.regulation,
        l.article,
    )
}

/// The announcement runs its period before the event starts.
pub fn check_announcement(
    pack: &GrantPack,
    cal: &Calendar,
    announced: NaiveDate,
    starts: NaiveDate,
) -> Result<(), FieldError> {
    if pack
        .announcement
        .value
        .holds(cal, announced, starts)
        .map_err(|y| y.field("starts_on"))?
    {
        Ok(())
    } else {
        Err(short(
            "starts_on",
            "grant.announcement_short",
            &pack.announcement,
            "公告（披露）期",
            "The announcement",
        ))
    }
}

/// The listing runs its period.
pub fn check_listing(
    pack: &GrantPack,
    cal: &Calendar,
    opens: NaiveDate,
    closes: NaiveDate,
) -> Result<(), FieldError> {
    if pack
        .listing
        .value
        .holds(cal, opens, closes)
        .map_err(|y| y.field("closes_on"))?
    {
        Ok(())
    } else {
        Err(short(
            "closes_on",
            "grant.listing_short",
            &pack.listing,
            "挂牌期",
            "The listing",
        ))
    }
}

/// A tender or auction needs its fewest bidders; below it the event stops.
pub fn check_bidders(pack: &GrantPack, admitted: u32) -> Result<(), FieldError> {
    let l = &pack.min_bidders;
    if admitted >= l.value {
        Ok(())
    } else {
        Err(cite(
            FieldError::new(
                "bidders",
                "grant.too_few_bidders",
                format!("竞买人不足 {} 个，应当终止交易", l.value),
                format!("Fewer than {} bidders: the event stops", l.value),
            ),
            l.regulation,
            l.article,
        ))
    }
}

/// Where control of the enterprise changes, the transfer is pre-disclosed (信息预披露) at least
/// 20 working days before the formal disclosure (RULES.md §5 [S]).
pub fn check_pre_disclosure(
    cal: &Calendar,
    pre_disclosed: Option<NaiveDate>,
    formal: NaiveDate,
) -> Result<(), FieldError> {
    let needed = WorkingDays(20);
    let held = match pre_disclosed {
        Some(p) => cal
            .at_least_working_days(p, formal, needed)
            .map_err(|y| y.field("pre_disclosed_on"))?,
        None => false,
    };
    if held {
        Ok(())
    } else {
        Err(cite(
            FieldError::new(
                "pre_disclosed_on",
                "property.pre_disclosure",
                "涉及控股权转让的，应在正式披露前进行不少于 20 个工作日的信息预披露",
                "A change of control is pre-disclosed at least 20 working days before the formal disclosure",
            ),
            PROPERTY,
            "13",
        ))
    }
}

/// Where control changes, the pre-disclosure is published within 10 working days of the approval
/// of the transfer (32号令 Art 13 [S]); an approval dated after today is a typing error.
pub fn check_pre_disclosure_in_time(
    cal: &Calendar,
    approved_on: NaiveDate,
    today: NaiveDate,
) -> Result<(), FieldError> {
    if approved_on > today {
        return Err(FieldError::new(
            "approved_on",
            "property.approved_in_future",
            "批准日期不能晚于今天",
            "The approval cannot be dated after today",
        ));
    }
    let limit = WorkingDays(10);
    cal.require_covered(approved_on, today)
        .map_err(|y| y.field("approved_on"))?;
    if cal.working_days_between(approved_on, today) > i64::from(limit.0) {
        return Err(cite(
            FieldError::new(
                "approved_on",
                "property.pre_disclosure_late",
                "涉及控股权转让的，应在转让行为获批后 10 个工作日内进行信息预披露",
                "A change of control is pre-disclosed within 10 working days of the approval",
            ),
            PROPERTY,
            "13",
        ));
    }
    Ok(())
}

/// A state-property listing price: at least the appraisal on first disclosure; a re-disclosed
/// price under 90% of it only with the approving body's written consent (RULES.md §5).
pub fn check_listing_price(
    appraised: Money,
    price: Money,
    first: bool,
    approved_below_90: bool,
) -> Result<(), FieldError> {
    if first && price < appraised {
        return Err(FieldError::new(
            "price",
            "property.below_appraisal",
            format!("首次正式披露的转让底价不得低于评估结果（{appraised}）"),
            format!("The first disclosed price is at least the appraisal ({appraised})"),
        )
        .with_rule(PROPERTY, "12"));
    }
    // price < 90% × appraised, in fen: price × 10 < appraised × 9.
    if i128::from(price.fen()) * 10 < i128::from(appraised.fen()) * 9 && !approved_below_90 {
        return Err(cite(
            FieldError::new(
                "price",
                "property.below_90",
                "新的转让底价低于评估结果的90%，应当经转让行为批准单位书面同意",
                "A price under 90% of the appraisal needs the approving body's written consent",
            ),
            PROPERTY,
            "",
        ));
    }
    Ok(())
}

/// State-property payment terms: a lump sum within 5 working days, or at least 30% first within
/// 5 working days and the rest secured within one year (RULES.md §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PaymentTerms {
    LumpSum,
    Instalments {
        first: Money,
        rest_by: NaiveDate,
        secured: bool,
    },
}

pub fn check_payment(
    price: Money,
    terms: &PaymentTerms,
    effective: NaiveDate,
) -> Result<(), FieldError> {
    let PaymentTerms::Instalments {
        first,
        rest_by,
        secured,
    } = *terms
    else {
        return Ok(());
    };
    if i128::from(first.fen()) * 10 < i128::from(price.fen()) * 3 {
        return Err(cite(
            FieldError::new(
                "first",
                "property.first_payment",
                "分期付款的首期付款不得低于总价款的30%",
                "A first instalment is at least 30% of the price",
            ),
            PROPERTY,
            "",
        ));
    }
    let year = effective
        .checked_add_months(chrono::Months::new(12))
        .unwrap_or(effective);
    if rest_by > year {
        return Err(cite(
            FieldError::new(
                "rest_by",
                "property.rest_within_year",
                "其余款项应当在合同生效之日起1年内付清",
                "The rest is paid within one year of the contract taking effect",
            ),
            PROPERTY,
            "",
        ));
    }
    if !secured {
        return Err(cite(
            FieldError::new(
                "secured",
                "property.unsecured",
                "分期付款的其余款项应当提供合法有效担保",
                "The rest of an instalment payment must be secured",
            ),
            PROPERTY,
            "",
        ));
    }
    Ok(())
}

/// A pre-disclosure's own deal code: it is published before the transfer it announces exists,
/// and the formal announcement later names it (as exchanges number 预披露 and 正式披露 apart).
pub fn pre_disclosure_code(no: i64) -> String {
    format!("GY{no:08}")
}

/// A grant's deal code on the public pages and in the feeds: its platform number, which is
/// unique and never reused.
pub fn deal_code(no: i64) -> String {
    format!("G{no:08}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grant_states_round_trip_their_codes() {
        for s in GrantState::ALL {
            assert_eq!(GrantState::parse(s.code()), Some(s));
        }
        assert_eq!(GrantState::parse("closed"), None);
        assert!(GrantState::Auction.bidding() && !GrantState::NoDeal.bidding());
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    fn yuan(y: i64) -> Money {
        Money::from_fen(y * 100)
    }

    #[test]
    fn pre_disclosure_runs_twenty_working_days_before_a_change_of_control() {
        let cal = Calendar::default_cn();
        // 2026-03-02 is a Monday: 20 working days later is 2026-03-30.
        assert!(check_pre_disclosure(&cal, Some(d("2026-03-02")), d("2026-03-30")).is_ok());
        let e = check_pre_disclosure(&cal, Some(d("2026-03-02")), d("2026-03-27"))
            .expect_err("19 working days");
        assert_eq!(e.code, "property.pre_disclosure");
        assert!(check_pre_disclosure(&cal, None, d("2026-03-30")).is_err());
    }

    #[test]
    fn pre_disclosure_follows_the_approval_within_ten_working_days() {
        let cal = Calendar::default_cn();
        // Approved Monday 2026-03-02: the 10th working day after is Monday 2026-03-16.
        assert!(check_pre_disclosure_in_time(&cal, d("2026-03-02"), d("2026-03-02")).is_ok());
        assert!(check_pre_disclosure_in_time(&cal, d("2026-03-02"), d("2026-03-16")).is_ok());
        let e = check_pre_disclosure_in_time(&cal, d("2026-03-02"), d("2026-03-17"))
            .expect_err("11 working days");
        assert_eq!(
            (&*e.code, e.rule.map(|r| r.article)),
            ("property.pre_disclosure_late", Some("13"))
        );
        let e = check_pre_disclosure_in_time(&cal, d("2026-03-03"), d("2026-03-02"))
            .expect_err("approved tomorrow");
        assert_eq!(e.code, "property.approved_in_future");
        // A holiday week does not count: approved 2026-09-28, National Day (10-01..10-07) passes.
        let tenth = cal.add_working_days(d("2026-09-28"), WorkingDays(10));
        assert!(tenth > d("2026-10-10"), "{tenth}");
        assert!(check_pre_disclosure_in_time(&cal, d("2026-09-28"), tenth).is_ok());
        let eleventh = cal.add_working_days(d("2026-09-28"), WorkingDays(11));
        assert!(check_pre_disclosure_in_time(&cal, d("2026-09-28"), eleventh).is_err());
    }

    #[test]
    fn methods_follow_the_trade_kind() {
        assert!(check_method(TradeKind::LandUse, GrantMethod::Listing).is_ok());
        assert!(check_method(TradeKind::MiningRight, GrantMethod::Auction).is_ok());
        assert!(check_method(TradeKind::StateProperty, GrantMethod::MultiQuote).is_ok());
        assert!(check_method(TradeKind::StateProperty, GrantMethod::OneQuote).is_ok());
        assert!(check_method(TradeKind::MiningRight, GrantMethod::OneQuote).is_err());
        let e = check_method(TradeKind::LandUse, GrantMethod::MultiQuote).expect_err("land");
        assert_eq!(e.code, "grant.method");
        assert!(e.rule.is_some());
        for k in TradeKind::ALL {
            assert_eq!(TradeKind::parse(k.code()), Some(k));
        }
    }

    /// Each period just inside and just outside (March 2026 has no holiday; 03-02 is a Monday).
    #[test]
    fn periods_per_trade_kind() {
        let cal = Calendar::default_cn();
        let land = GrantPack::land();
        assert!(
            check_announcement(&land, &cal, d("2026-03-02"), d("2026-03-22")).is_ok(),
            "20 days"
        );
        let e =
            check_announcement(&land, &cal, d("2026-03-02"), d("2026-03-21")).expect_err("19 days");
        assert_eq!(e.code, "grant.announcement_short");
        assert!(
            check_listing(&land, &cal, d("2026-03-02"), d("2026-03-16")).is_ok(),
            "10 working days"
        );
        assert!(
            check_listing(&land, &cal, d("2026-03-02"), d("2026-03-13")).is_err(),
            "9 working days"
        );
        let mining = GrantPack::mining();
        assert!(
            check_announcement(&mining, &cal, d("2026-03-02"), d("2026-03-30")).is_ok(),
            "20 working days"
        );
        assert!(
            check_announcement(&mining, &cal, d("2026-03-02"), d("2026-03-27")).is_err(),
            "19 working days"
        );
        assert!(check_bidders(&mining, 3).is_ok());
        assert_eq!(
            check_bidders(&mining, 2).expect_err("2").code,
            "grant.too_few_bidders"
        );
        let property = GrantPack::property();
        assert!(check_announcement(&property, &cal, d("2026-03-02"), d("2026-03-30")).is_ok());
        assert!(check_announcement(&property, &cal, d("2026-03-02"), d("2026-03-27")).is_err());
        assert_eq!(property.extension_secs.value, 60);
        assert_eq!(land.extension_secs.value, 300);
    }

    #[test]
    fn property_prices_and_payment_terms() {
        let a = yuan(10_000_000);
        assert!(check_listing_price(a, a, true, false).is_ok());
        assert_eq!(
            check_listing_price(a, yuan(9_999_999), true, false)
                .expect_err("under")
                .code,
            "property.below_appraisal"
        );
        assert!(
            check_listing_price(a, yuan(9_000_000), false, false).is_ok(),
            "exactly 90%"
        );
        assert_eq!(
            check_listing_price(a, yuan(8_999_999), false, false)
                .expect_err("under 90")
                .code,
            "property.below_90"
        );
        assert!(
            check_listing_price(a, yuan(8_999_999), false, true).is_ok(),
            "with consent"
        );
        let eff = d("2026-03-02");
        let p = yuan(1_000_000);
        let terms = |first: i64, by: &str, secured| PaymentTerms::Instalments {
            first: yuan(first),
            rest_by: d(by),
            secured,
        };
        assert!(check_payment(p, &PaymentTerms::LumpSum, eff).is_ok());
        assert!(
            check_payment(p, &terms(300_000, "2027-03-02", true), eff).is_ok(),
            "30%, a year"
        );
        assert_eq!(
            check_payment(p, &terms(299_999, "2027-03-02", true), eff)
                .expect_err("first")
                .code,
            "property.first_payment"
        );
        assert_eq!(
            check_payment(p, &terms(300_000, "2027-03-03", true), eff)
                .expect_err("late")
                .code,
            "property.rest_within_year"
        );
        assert_eq!(
            check_payment(p, &terms(300_000, "2027-03-02", false), eff)
                .expect_err("unsecured")
                .code,
            "property.unsecured"
        );
    }
}
