//! How a company gets one of its records put right. An objection (异议) says the record is wrong:
//! upheld, the record is revoked and counts for nothing, as if never made. A repair (信用修复)
//! says the company has corrected what it did: granted, the record leaves public view and the
//! grade, while a restriction the law sets for a period (a major penalty's three years, a ban)
//! runs on to its end — a repair shortens publicity, not a statutory bar. A supervisor of the
//! recording department decides either within a number of working days. This module says what
//! may be filed, when it is due and what a decision does.

use super::{RecordKind, RecordStatus, Standing, beijing_start};
use crate::FieldError;
use crate::calendar::{Calendar, WorkingDays};
use crate::rulepack::{Confidence, Limit};
use chrono::{DateTime, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// 失信行为纠正后的信用信息修复管理办法（试行）.
pub const NDRC_58: &str = "国家发展改革委令2023年第58号";
/// 法〔2016〕285号: a 失信被执行人 entry ends when the court removes it.
const FA_285: &str = super::FA_285;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CorrectionKind {
    /// 异议: the record is wrong (the wrong company, the wrong decision, a transcription error).
    Objection,
    /// 信用修复: the company has corrected what it did and asks the record out of public view.
    Repair,
}

impl CorrectionKind {
    pub const ALL: [Self; 2] = [Self::Objection, Self::Repair];

    pub fn code(self) -> &'static str {
        match self {
            Self::Objection => "objection",
            Self::Repair => "repair",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Objection => "异议",
            Self::Repair => "信用修复",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Self::Objection => "Objection",
            Self::Repair => "Credit repair",
        }
    }

    /// What granting it does to the record.
    pub fn granted(self) -> RecordStatus {
        match self {
            Self::Objection => RecordStatus::Revoked,
            Self::Repair => RecordStatus::Repaired,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CorrectionState {
    Pending,
    Granted,
    Refused,
}

impl CorrectionState {
    pub fn code(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Granted => "granted",
            Self::Refused => "refused",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Pending, Self::Granted, Self::Refused]
            .into_iter()
            .find(|k| k.code() == s)
    }

    /// The state as the filer reads it: an objection is upheld or not, a repair granted or not.
    pub fn name_zh(self, kind: CorrectionKind) -> &'static str {
        match (self, kind) {
            (Self::Pending, _) => "待处理",
            (Self::Granted, CorrectionKind::Objection) => "异议成立，记录已撤销",
            (Self::Refused, CorrectionKind::Objection) => "异议不成立",
            (Self::Granted, CorrectionKind::Repair) => "准予修复，已停止公示",
            (Self::Refused, CorrectionKind::Repair) => "不予修复",
        }
    }

    pub fn name_en(self, kind: CorrectionKind) -> &'static str {
        match (self, kind) {
            (Self::Pending, _) => "Pending",
            (Self::Granted, CorrectionKind::Objection) => "Upheld: the record is revoked",
            (Self::Refused, CorrectionKind::Objection) => "Not upheld",
            (Self::Granted, CorrectionKind::Repair) => "Repaired: no longer shown",
            (Self::Refused, CorrectionKind::Repair) => "Refused",
        }
    }
}

/// The periods of objection and repair. Every value is a configurable default [U]: the 2023
/// order's numbers are quoted from secondary summaries, not read here, and local rules vary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CorrectionPack {
    pub version: &'static str,
    /// Working days the department has to decide an objection. [U]
    pub objection_working_days: Limit<u32>,
    /// Working days the department has to decide a repair. [U]
    pub repair_working_days: Limit<u32>,
    /// Months an ordinary administrative penalty is shown before it may be repaired. [U]
    pub penalty_min_months: Limit<u32>,
    /// Months a major one (a serious 失信 act) is shown first. [U]
    pub major_penalty_min_months: Limit<u32>,
    /// Months a platform finding is shown first. [U]
    pub finding_min_months: Limit<u32>,
}

const fn u(value: u32, regulation: &'static str) -> Limit<u32> {
    Limit {
        value,
        regulation,
        article: "",
        confidence: Confidence::Unconfirmed,
    }
}

impl CorrectionPack {
    pub const fn v2026() -> Self {
        Self {
            version: "credit-correction-2026",
            objection_working_days: u(5, ""),
            repair_working_days: u(5, NDRC_58),
            penalty_min_months: u(3, NDRC_58),
            major_penalty_min_months: u(12, NDRC_58),
            finding_min_months: u(3, ""),
        }
    }

    /// The last day the department has to decide, counted in working days after the day filed.
    pub fn due_on(&self, kind: CorrectionKind, filed_on: NaiveDate, cal: &Calendar) -> NaiveDate {
        let days = match kind {
            CorrectionKind::Objection => self.objection_working_days.value,
            CorrectionKind::Repair => self.repair_working_days.value,
        };
        cal.add_working_days(filed_on, WorkingDays(days))
    }

    /// The first instant a record may be repaired, or why it never can be here.
    pub fn repair_opens(
        &self,
        s: &Standing,
        decided_on: NaiveDate,
    ) -> Result<DateTime<Utc>, FieldError> {
        let after = |months: u32| {
            decided_on
                .checked_add_months(Months::new(months))
                .map(beijing_start)
                .unwrap_or(DateTime::<Utc>::MAX_UTC)
        };
        let not_here = |zh: &str, en: &str, regulation: &'static str| {
            Err(
                FieldError::new("record_id", "credit.not_repairable", zh, en)
                    .with_rule(regulation, ""),
            )
        };
        match s.kind {
            RecordKind::AdministrativePenalty if s.major => {
                Ok(after(self.major_penalty_min_months.value))
            }
            RecordKind::AdministrativePenalty => Ok(after(self.penalty_min_months.value)),
            RecordKind::PlatformFinding => Ok(after(self.finding_min_months.value)),
            // A ban or a procurement-violation record runs for its statutory period; only then
            // may it leave public view early.
            RecordKind::BiddingBan | RecordKind::ProcurementSeriousViolation => match s.ends_at {
                Some(end) => Ok(end),
                None => not_here(
                    "该记录没有截止日期，不能申请修复",
                    "This record has no end, so it cannot be repaired",
                    "",
                ),
            },
            RecordKind::JudgmentDefaulter => not_here(
                "失信被执行人信息由人民法院屏蔽或删除，请向作出决定的法院申请",
                "A dishonest-debtor entry is removed by the court that made it; apply there",
                FA_285,
            ),
            RecordKind::MajorTaxViolator => not_here(
                "重大税收违法失信主体信息由税务机关撤出名单，请向税务机关申请",
                "A major tax violator leaves the list by the tax authority's decision; apply there",
                "",
            ),
            RecordKind::Good => {
                not_here("良好信用记录无需修复", "A good record needs no repair", "")
            }
        }
    }
}

/// Whether the company may object to a record now: any record that still counts against it.
pub fn may_object(s: &Standing) -> Result<(), FieldError> {
    if s.kind == RecordKind::Good {
        return Err(FieldError::new(
            "record_id",
            "credit.objection_to_good",
            "良好信用记录不能提出异议",
            "A good record cannot be objected to",
        ));
    }
    if s.status == RecordStatus::Revoked {
        return Err(not_active());
    }
    Ok(())
}

/// Whether the company may ask for a repair at `at`: the record is active and its minimum
/// publicity has passed.
pub fn may_repair(
    s: &Standing,
    decided_on: NaiveDate,
    at: DateTime<Utc>,
    pack: &CorrectionPack,
) -> Result<(), FieldError> {
    if s.status != RecordStatus::Active {
        return Err(not_active());
    }
    let opens = pack.repair_opens(s, decided_on)?;
    if at < opens {
        let day = (opens + chrono::Duration::hours(8)).date_naive();
        return Err(FieldError::new(
            "record_id",
            "credit.repair_too_early",
            format!("该记录最短公示期未满，{day}起可申请信用修复"),
            format!(
                "The record's minimum publicity has not passed; a repair may be asked from {day}"
            ),
        )
        .with_rule(NDRC_58, ""));
    }
    Ok(())
}

fn not_active() -> FieldError {
    FieldError::new(
        "record_id",
        "credit.record_not_active",
        "该记录已撤销或已修复",
        "This record is already revoked or repaired",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credit::{BanGround, period};

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn penalty(major: bool, decided: &str) -> Standing {
        let (starts_at, ends_at) = period(day(decided), None);
        Standing {
            kind: RecordKind::AdministrativePenalty,
            ground: None,
            major,
            status: RecordStatus::Active,
            starts_at,
            ends_at,
        }
    }

    #[test]
    fn a_penalty_may_be_repaired_from_the_first_instant_after_its_minimum_publicity() {
        let pack = CorrectionPack::v2026();
        let s = penalty(false, "2026-03-10");
        let opens = beijing_start(day("2026-06-10"));
        let just_before = opens - chrono::Duration::microseconds(1);
        let e = may_repair(&s, day("2026-03-10"), just_before, &pack).unwrap_err();
        assert_eq!(e.code, "credit.repair_too_early");
        assert!(e.message_zh.contains("2026-06-10"));
        assert!(may_repair(&s, day("2026-03-10"), opens, &pack).is_ok());
        // A major penalty is shown a year first.
        let m = penalty(true, "2026-03-10");
        assert!(may_repair(&m, day("2026-03-10"), opens, &pack).is_err());
        let year = beijing_start(day("2027-03-10"));
        assert!(
            may_repair(
                &m,
                day("2026-03-10"),
                year - chrono::Duration::microseconds(1),
                &pack
            )
            .is_err()
        );
        assert!(may_repair(&m, day("2026-03-10"), year, &pack).is_ok());
    }

    #[test]
    fn a_ban_may_be_repaired_only_once_it_has_ended_and_a_court_list_never_here() {
        let pack = CorrectionPack::v2026();
        let (starts_at, ends_at) = period(day("2026-01-01"), Some(day("2026-12-31")));
        let ban = Standing {
            kind: RecordKind::BiddingBan,
            ground: Some(BanGround::TenderCollusion),
            major: false,
            status: RecordStatus::Active,
            starts_at,
            ends_at,
        };
        let end = ends_at.unwrap();
        assert!(
            may_repair(
                &ban,
                day("2026-01-01"),
                end - chrono::Duration::microseconds(1),
                &pack
            )
            .is_err()
        );
        assert!(may_repair(&ban, day("2026-01-01"), end, &pack).is_ok());
        let defaulter = Standing {
            kind: RecordKind::JudgmentDefaulter,
            ends_at: None,
            ..ban.clone()
        };
        let e = may_repair(&defaulter, day("2026-01-01"), end, &pack).unwrap_err();
        assert_eq!(e.code, "credit.not_repairable");
        assert_eq!(e.rule.unwrap().regulation, FA_285);
        // Any record against the company may be objected to, once.
        assert!(may_object(&defaulter).is_ok());
        let revoked = Standing {
            status: RecordStatus::Revoked,
            ..ban
        };
        assert_eq!(
            may_object(&revoked).unwrap_err().code,
            "credit.record_not_active"
        );
        assert!(may_repair(&revoked, day("2026-01-01"), end, &pack).is_err());
    }

    #[test]
    fn the_department_has_working_days_that_skip_the_national_day_holiday() {
        let pack = CorrectionPack::v2026();
        let cal = Calendar::default_cn();
        // Filed on the eve of National Day: 10-08, 10-09, 10-10 (an adjusted Saturday), 10-12, 10-13.
        assert_eq!(
            pack.due_on(CorrectionKind::Objection, day("2026-09-30"), &cal),
            day("2026-10-13")
        );
        // Filed on a Friday: the next week's Friday.
        assert_eq!(
            pack.due_on(CorrectionKind::Repair, day("2026-11-06"), &cal),
            day("2026-11-13")
        );
    }

    #[test]
    fn granting_an_objection_revokes_and_granting_a_repair_repairs() {
        assert_eq!(CorrectionKind::Objection.granted(), RecordStatus::Revoked);
        assert_eq!(CorrectionKind::Repair.granted(), RecordStatus::Repaired);
        assert!(RecordStatus::Repaired.may_bar());
        assert!(!RecordStatus::Revoked.may_bar());
    }
}
