//! The expert pool (专家库): profiles, the avoidance rules a draw applies (回避), expert credit and
//! evaluation fees — pure functions over values the store loads.
//!
//! Every exclusion names its rule, so a supervisor can be shown why each expert was left out.

use crate::calendar::CalendarDays;
use crate::draw::GroupPool;
use crate::error::{FieldError, RuleRef};
use crate::money::Money;
use crate::region::DivisionCode;
use crate::rulepack::{Confidence, Limit};
use crate::specialty::SpecialtyCode;
use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExpertStatus {
    /// Applied, not yet vetted.
    Pending,
    Active,
    Suspended,
    Removed,
    /// The department turned the application down.
    Refused,
}

impl ExpertStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Active => "active",
            Self::Suspended => "suspended",
            Self::Removed => "removed",
            Self::Refused => "refused",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Pending,
            Self::Active,
            Self::Suspended,
            Self::Removed,
            Self::Refused,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Pending => "待审核",
            Self::Active => "在库",
            Self::Suspended => "暂停",
            Self::Removed => "已清退",
            Self::Refused => "未通过",
        }
    }
}

/// A time-bounded exclusion of an expert (法 Art 56; 条例 Art 71–72; 政府采购条例 Art 75).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Ban {
    pub from: NaiveDate,
    /// Last day of the ban; none for a permanent one.
    pub until: Option<NaiveDate>,
    /// Trade kinds it covers (`construction`, `procurement` …); empty for all.
    #[serde(default)]
    pub scope: Vec<String>,
}

impl Ban {
    pub fn covers(&self, day: NaiveDate, trade_kind: &str) -> bool {
        self.from <= day
            && self.until.is_none_or(|u| day <= u)
            && (self.scope.is_empty() || self.scope.iter().any(|s| s == trade_kind))
    }
}

/// An expert as the draw sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpertProfile {
    pub id: Uuid,
    pub status: ExpertStatus,
    pub specialties: Vec<SpecialtyCode>,
    pub senior_title: bool,
    pub practice_years: u32,
    pub region: DivisionCode,
    /// Credit code of the current employer.
    pub employer: Option<String>,
    /// Former employers with the day the expert left.
    pub former_employers: Vec<(String, NaiveDate)>,
    /// Declared conflicts: relatives' employers, companies the expert has an interest in.
    pub conflicts: Vec<String>,
    /// Credit code of the government department the expert works for, if any.
    pub department: Option<String>,
    /// Inclusive date ranges the expert cannot serve (leave, busy dates).
    pub unavailable: Vec<(NaiveDate, NaiveDate)>,
    /// On the 失信被执行人 list at the last query.
    pub dishonest: bool,
    pub bans: Vec<Ban>,
    pub credit_score: u32,
    /// Recent services: the principal's credit code and the evaluation day.
    pub services: Vec<(String, NaiveDate)>,
}

/// Where the experts come from: the lot's own city, or several regions for remote evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "regions", rename_all = "snake_case")]
pub enum Scope {
    Local(DivisionCode),
    CrossRegion(Vec<DivisionCode>),
}

impl Scope {
    pub fn admits(&self, region: &DivisionCode) -> bool {
        match self {
            Self::Local(r) => region.within(r),
            Self::CrossRegion(rs) => rs.iter().any(|r| region.within(r)),
        }
    }
}

/// The parties an expert must not be tied to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Parties {
    pub principal: String,
    pub agency: Option<String>,
    pub bidders: Vec<String>,
    /// The department supervising the project (its credit code).
    pub supervising_department: Option<String>,
}

impl Parties {
    fn all(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.principal.as_str())
            .chain(self.agency.as_deref())
            .chain(self.bidders.iter().map(String::as_str))
    }
}

/// The configurable part of the avoidance rules, with the sources of the statutory ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExpertPack {
    pub version: &'static str,
    /// Tender evaluation needs this many years in the field…
    pub min_practice_years: Limit<u32>,
    /// …and a senior title or equivalent.
    pub senior_title_required: Limit<bool>,
    /// Former employees of a party are excluded for this many years after leaving.
    pub former_employer_years: Limit<u32>,
    /// Experts below this credit score are not drawn. [U] configurable default.
    pub min_credit_score: Limit<u32>,
    /// At most this many services for the same principal within the window… [U]
    pub max_with_principal: Limit<u32>,
    /// …of this many days. [U]
    pub with_principal_window: Limit<CalendarDays>,
    /// The credit cycle: a deduction stands this many months unless another follows. [S]
    pub credit_cycle_months: Limit<u32>,
    /// A score further than this share of the criterion's range from the rest of the committee's
    /// mean raises an alert. [U] configurable default.
    pub abnormal_deviation_percent: Limit<u32>,
}

const fn lim<T>(
    value: T,
    regulation: &'static str,
    article: &'static str,
    c: Confidence,
) -> Limit<T> {
    Limit {
        value,
        regulation,
        article,
        confidence: c,
    }
}

impl ExpertPack {
    pub fn v2025() -> Self {
        use Confidence::*;
        Self {
            version: "experts-2025.1",
            min_practice_years: lim(8, "招标投标法", "37", Verified),
            senior_title_required: lim(true, "招标投标法", "37", Verified),
            former_employer_years: lim(3, "政府采购法实施条例", "9", Verified),
            min_credit_score: lim(60, "平台配置", "专家信用", Unconfirmed),
            max_with_principal: lim(3, "平台配置", "同一招标人", Unconfirmed),
            with_principal_window: lim(CalendarDays(180), "平台配置", "同一招标人", Unconfirmed),
            credit_cycle_months: lim(
                12,
                "上海市公共资源场内交易信用记分管理办法",
                "记分周期",
                Secondary,
            ),
            abnormal_deviation_percent: lim(30, "平台配置", "评分偏离", Unconfirmed),
        }
    }
}

/// Why an expert was left out of a draw, in the order the rules are applied.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Exclusion {
    Inactive,
    Unqualified,
    Banned,
    Dishonest,
    LowCredit,
    PartyEmployee,
    FormerPartyEmployee,
    DeclaredConflict,
    SupervisingStaff,
    Unavailable,
    FrequentWithPrincipal,
    AlreadyDrawn,
}

impl Exclusion {
    pub const ALL: [Exclusion; 12] = [
        Self::Inactive,
        Self::Unqualified,
        Self::Banned,
        Self::Dishonest,
        Self::LowCredit,
        Self::PartyEmployee,
        Self::FormerPartyEmployee,
        Self::DeclaredConflict,
        Self::SupervisingStaff,
        Self::Unavailable,
        Self::FrequentWithPrincipal,
        Self::AlreadyDrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Inactive => "inactive",
            Self::Unqualified => "unqualified",
            Self::Banned => "banned",
            Self::Dishonest => "dishonest",
            Self::LowCredit => "low_credit",
            Self::PartyEmployee => "party_employee",
            Self::FormerPartyEmployee => "former_party_employee",
            Self::DeclaredConflict => "declared_conflict",
            Self::SupervisingStaff => "supervising_staff",
            Self::Unavailable => "unavailable",
            Self::FrequentWithPrincipal => "frequent_with_principal",
            Self::AlreadyDrawn => "already_drawn",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Inactive => "未在库（暂停、清退或待审核）",
            Self::Unqualified => "从业年限或职称不符",
            Self::Banned => "处于禁止评标期",
            Self::Dishonest => "失信被执行人",
            Self::LowCredit => "信用分低于抽取下限",
            Self::PartyEmployee => "系招标人、代理机构或投标人的在职人员",
            Self::FormerPartyEmployee => "三年内曾在招标人、代理机构或投标人任职",
            Self::DeclaredConflict => "申报的近亲属或利害关系",
            Self::SupervisingStaff => "本项目行政监督部门人员",
            Self::Unavailable => "评标当日不可参加",
            Self::FrequentWithPrincipal => "近期为同一招标人评标次数过多",
            Self::AlreadyDrawn => "本次抽取中已被抽中",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::Inactive => "Not active (suspended, removed or pending)",
            Self::Unqualified => "Practice years or title below the requirement",
            Self::Banned => "Banned from evaluation",
            Self::Dishonest => "On the dishonest judgment-debtor list",
            Self::LowCredit => "Credit score below the draw floor",
            Self::PartyEmployee => "Works for the principal, the agency or a bidder",
            Self::FormerPartyEmployee => "Worked for a party within the past 3 years",
            Self::DeclaredConflict => "Declared relative or interest",
            Self::SupervisingStaff => "Staff of the supervising department",
            Self::Unavailable => "Unavailable on the evaluation day",
            Self::FrequentWithPrincipal => "Served the same principal too often lately",
            Self::AlreadyDrawn => "Already drawn in this draw",
        }
    }

    pub fn rule(self, pack: &ExpertPack) -> RuleRef {
        let r = |l: &Limit<u32>| RuleRef {
            regulation: l.regulation,
            article: l.article,
        };
        let fixed = |regulation, article| RuleRef {
            regulation,
            article,
        };
        match self {
            Self::Inactive => fixed("评标专家和评标专家库管理办法", "动态管理"),
            Self::Unqualified => r(&pack.min_practice_years),
            Self::Banned => fixed("招标投标法实施条例", "71"),
            Self::Dishonest => fixed("法〔2016〕285号", "三"),
            Self::LowCredit => r(&pack.min_credit_score),
            Self::PartyEmployee | Self::DeclaredConflict => {
                fixed("评标委员会和评标方法暂行规定", "12")
            }
            Self::FormerPartyEmployee => r(&pack.former_employer_years),
            Self::SupervisingStaff => fixed("招标投标法实施条例", "46"),
            Self::Unavailable | Self::AlreadyDrawn => fixed("招标投标法实施条例", "46"),
            Self::FrequentWithPrincipal => r(&pack.max_with_principal),
        }
    }
}

/// A request as the draw screens it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrawSpec {
    /// Specialty and number of experts per group, in drawing order.
    pub groups: Vec<(SpecialtyCode, u32)>,
    pub day: NaiveDate,
    pub scope: Scope,
    pub trade_kind: String,
    pub parties: Parties,
    /// Tender evaluation: the 8-year and senior-title floor applies.
    pub tender_evaluation: bool,
}

/// The pool after avoidance: eligible ids per group and every exclusion with all its reasons.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Screening {
    pub groups: Vec<GroupPool>,
    /// Experts matching a group and the scope but excluded, with every rule that excluded them.
    pub excluded: Vec<(Uuid, Vec<Exclusion>)>,
    /// How many experts each rule excluded (an expert counts under each rule that applies).
    pub by_rule: BTreeMap<Exclusion, u32>,
    /// Experts that matched a requested specialty and the scope.
    pub considered: u32,
}

/// Every rule that keeps `e` off this draw; empty if eligible.
pub fn exclusions(
    e: &ExpertProfile,
    spec: &DrawSpec,
    pack: &ExpertPack,
    already: &BTreeSet<Uuid>,
) -> Vec<Exclusion> {
    let mut out = vec![];
    let day = spec.day;
    if e.status != ExpertStatus::Active {
        out.push(Exclusion::Inactive);
    }
    if spec.tender_evaluation
        && (e.practice_years < pack.min_practice_years.value
            || (pack.senior_title_required.value && !e.senior_title))
    {
        out.push(Exclusion::Unqualified);
    }
    if e.bans.iter().any(|b| b.covers(day, &spec.trade_kind)) {
        out.push(Exclusion::Banned);
    }
    if e.dishonest {
        out.push(Exclusion::Dishonest);
    }
    if e.credit_score < pack.min_credit_score.value {
        out.push(Exclusion::LowCredit);
    }
    let p = &spec.parties;
    if e.employer
        .as_deref()
        .is_some_and(|x| p.all().any(|q| q == x))
    {
        out.push(Exclusion::PartyEmployee);
    }
    let years = pack.former_employer_years.value;
    if e.former_employers.iter().any(|(x, left)| {
        p.all().any(|q| q == x)
            && left
                .checked_add_months(Months::new(12 * years))
                .is_none_or(|end| day < end)
    }) {
        out.push(Exclusion::FormerPartyEmployee);
    }
    if e.conflicts.iter().any(|x| p.all().any(|q| q == x)) {
        out.push(Exclusion::DeclaredConflict);
    }
    if e.department.is_some() && e.department == p.supervising_department {
        out.push(Exclusion::SupervisingStaff);
    }
    if e.unavailable.iter().any(|(a, b)| *a <= day && day <= *b) {
        out.push(Exclusion::Unavailable);
    }
    let window = i64::from(pack.with_principal_window.value.0);
    let recent = e
        .services
        .iter()
        .filter(|(q, d)| {
            *q == p.principal && (day - *d).num_days() >= 0 && (day - *d).num_days() < window
        })
        .count() as u32;
    if recent >= pack.max_with_principal.value {
        out.push(Exclusion::FrequentWithPrincipal);
    }
    if already.contains(&e.id) {
        out.push(Exclusion::AlreadyDrawn);
    }
    out
}

/// Apply the avoidance rules to the pool. Experts outside the requested specialties or the scope
/// are not part of the draw at all and are not listed.
pub fn screen(
    pool: &[ExpertProfile],
    spec: &DrawSpec,
    pack: &ExpertPack,
    already: &BTreeSet<Uuid>,
) -> Screening {
    let mut s = Screening {
        groups: spec
            .groups
            .iter()
            .map(|(c, n)| GroupPool {
                specialty: c.clone(),
                count: *n,
                eligible: vec![],
            })
            .collect(),
        ..Screening::default()
    };
    for e in pool {
        let matches: Vec<usize> = spec
            .groups
            .iter()
            .enumerate()
            .filter(|(_, (c, _))| e.specialties.iter().any(|x| x.within(c)))
            .map(|(i, _)| i)
            .collect();
        if matches.is_empty() || !spec.scope.admits(&e.region) {
            continue;
        }
        s.considered += 1;
        let why = exclusions(e, spec, pack, already);
        if why.is_empty() {
            for i in matches {
                s.groups[i].eligible.push(e.id);
            }
        } else {
            for w in &why {
                *s.by_rule.entry(*w).or_default() += 1;
            }
            s.excluded.push((e.id, why));
        }
    }
    for g in &mut s.groups {
        g.eligible.sort_unstable();
    }
    s.excluded.sort_unstable_by_key(|(id, _)| *id);
    s
}

/// The request cannot be filled: the numbers, never a partial committee.
pub fn too_few(s: &Screening) -> Option<FieldError> {
    let mut union: BTreeSet<Uuid> = BTreeSet::new();
    let mut needed = 0u32;
    for g in &s.groups {
        needed += g.count;
        union.extend(g.eligible.iter().copied());
    }
    let short = s
        .groups
        .iter()
        .find(|g| (g.eligible.len() as u32) < g.count);
    if short.is_none() && union.len() as u32 >= needed {
        return None;
    }
    let (what, need, have) = match short {
        Some(g) => (g.specialty.to_string(), g.count, g.eligible.len() as u32),
        None => ("all".to_string(), needed, union.len() as u32),
    };
    let reasons_zh: Vec<String> = s
        .by_rule
        .iter()
        .map(|(r, n)| format!("{} {n} 人", r.label_zh()))
        .collect();
    let reasons_en: Vec<String> = s
        .by_rule
        .iter()
        .map(|(r, n)| format!("{}: {n}", r.as_str()))
        .collect();
    Some(
        FieldError::new(
            "groups",
            "draw.too_few_experts",
            format!(
                "专业 {what} 需要 {need} 人，符合条件的仅 {have} 人（共匹配 {} 人；回避排除：{}）",
                s.considered,
                if reasons_zh.is_empty() { "无".to_string() } else { reasons_zh.join("，") }
            ),
            format!(
                "Specialty {what} needs {need} but only {have} are eligible ({} matched; excluded: {})",
                s.considered,
                if reasons_en.is_empty() { "none".to_string() } else { reasons_en.join(", ") }
            ),
        )
        .with_rule("招标投标法实施条例", "46"),
    )
}

/// A deduction from an expert's credit (misconduct with its legal basis).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deduction {
    pub on: NaiveDate,
    pub points: u32,
}

/// The score on `today`: 100 less the deductions of the running cycle. A cycle runs `months` from
/// the last deduction; with no new deduction in that time the score is back to 100 (the Shanghai
/// model, RULES.md §8; the cycle length is configuration).
pub fn credit_score(deductions: &[Deduction], today: NaiveDate, months: u32) -> u32 {
    let mut ds: Vec<Deduction> = deductions
        .iter()
        .filter(|d| d.on <= today)
        .copied()
        .collect();
    ds.sort_by_key(|d| d.on);
    let mut score: i64 = 100;
    let mut cycle_end: Option<NaiveDate> = None;
    for d in ds {
        if cycle_end.is_some_and(|end| d.on >= end) {
            score = 100;
        }
        score -= i64::from(d.points);
        cycle_end = d.on.checked_add_months(Months::new(months));
    }
    if cycle_end.is_some_and(|end| today >= end) {
        score = 100;
    }
    score.clamp(0, 100) as u32
}

/// A region's fee standard for evaluation (专家劳务报酬标准), data the admins keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FeeStandard {
    /// Pay per started session, in fen.
    #[schema(value_type = i64)]
    pub per_session: Money,
    /// Length of one session in hours (a half day is usually 4).
    pub session_hours: u32,
    /// Extra per evaluation for remote cross-region evaluation, in fen.
    #[schema(value_type = i64)]
    pub remote_allowance: Money,
}

/// The fee for one evaluation: every started session from sign-in to signing the report, at
/// least one; nothing when the expert's scores were voided for misconduct (政府采购条例 Art 75).
pub fn evaluation_fee(
    std: &FeeStandard,
    checked_in: DateTime<Utc>,
    signed: DateTime<Utc>,
    remote: bool,
    voided: bool,
) -> Money {
    if voided {
        return Money::ZERO;
    }
    let minutes = (signed - checked_in).num_minutes().max(0);
    let per = i64::from(std.session_hours.max(1)) * 60;
    let sessions = ((minutes + per - 1) / per).max(1);
    let base = std.per_session.fen() * sessions;
    Money::from_fen(
        base + if remote {
            std.remote_allowance.fen()
        } else {
            0
        },
    )
}

/// An expert's age in whole years on `day` from the birth date, for the age limit of the pool.
pub fn age_on(birth: NaiveDate, day: NaiveDate) -> i32 {
    let mut a = day.year() - birth.year();
    if (day.month(), day.day()) < (birth.month(), birth.day()) {
        a -= 1;
    }
    a
}

/// A resident identity card number (GB 11643): 17 digits and an ISO 7064 MOD 11-2 check
/// character. The platform stores only its SM3, to check the expert's identity on the day.
pub fn parse_id_number(field: &str, input: &str) -> Result<String, FieldError> {
    let s = input.trim().to_ascii_uppercase();
    let bad = || {
        FieldError::new(
            field,
            "expert.id_number",
            "身份证号码应为 18 位且校验位正确",
            "An identity card number has 18 characters with a valid check character",
        )
    };
    let b = s.as_bytes();
    if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
        return Err(bad());
    }
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = b[..17]
        .iter()
        .zip(W)
        .map(|(c, w)| u32::from(c - b'0') * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize];
    if b[17] != check {
        return Err(bad());
    }
    Ok(s)
}

/// Complete a 17-digit prefix with its check character (demo data and tests).
pub fn complete_id_number(first17: &str) -> String {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first17
        .bytes()
        .zip(W)
        .map(|(c, w)| u32::from(c - b'0') * w)
        .sum();
    format!("{first17}{}", b"10X98765432"[(sum % 11) as usize] as char)
}

#[cfg(test)]
mod id_number_tests {
    use super::*;

    #[test]
    fn check_character_is_verified() {
        // The GB 11643 example number.
        assert!(parse_id_number("id", "11010519491231002X").is_ok());
        assert!(parse_id_number("id", "110105194912310021").is_err());
        assert!(parse_id_number("id", "11010519491231002").is_err());
        let n = complete_id_number("33020319700101123");
        assert_eq!(parse_id_number("id", &n), Ok(n.clone()));
    }
}

#[cfg(test)]
mod tests;
