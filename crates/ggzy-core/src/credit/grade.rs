//! The credit grade (信用等级) of a company, computed from its records by a published, versioned
//! formula. No national rule fixes one: Shanghai scores trading parties out of 100 with deductions
//! only, other cities grade A/B/C/D (RULES.md §8, [S] for the model, [U] for every number). So
//! every number here is a configurable default of [`GradeFormula`], shown on the public credit
//! page with its version, and a grade always names the records that moved it.

use super::{RecordKind, RecordStatus, Standing};
use crate::Money;
use chrono::{DateTime, Months, Utc};
use serde::Serialize;

/// A grade band, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
pub enum Grade {
    A,
    B,
    C,
    D,
}

impl Grade {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::A => "A",
            Self::B => "B",
            Self::C => "C",
            Self::D => "D",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Self::A => "守信",
            Self::B => "良好",
            Self::C => "一般",
            Self::D => "失信",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Self::A => "trustworthy",
            Self::B => "good",
            Self::C => "fair",
            Self::D => "untrustworthy",
        }
    }
}

/// The formula, every number a configurable default [U].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct GradeFormula {
    pub version: &'static str,
    /// Everyone starts here; records only take away, as in the Shanghai model.
    pub start: u32,
    /// Points a record of each kind takes while it counts.
    pub bidding_ban: u32,
    pub judgment_defaulter: u32,
    pub major_tax_violator: u32,
    pub procurement_serious_violation: u32,
    pub major_penalty: u32,
    pub penalty: u32,
    pub platform_finding: u32,
    /// A bad record counts while in force and this many years after it began.
    pub window_years: u32,
    /// Lowest score of grades A, B and C; below C is D.
    pub a_from: u32,
    pub b_from: u32,
    pub c_from: u32,
    /// Grade A also needs a good record (an award, performance accepted) within the window.
    pub a_needs_good_record: bool,
    /// The reward: a grade-A company pays this percentage of a lot's bid bond (local rules
    /// reduce or waive it for the trustworthy; the share is a configurable default).
    pub a_bond_percent: u32,
    /// Where a lot's points method scores the credit grade, the share of the criterion's points
    /// each grade earns, A to D (local practice, a configurable default).
    pub scoring_percent: [u32; 4],
}

impl GradeFormula {
    pub const fn v2026() -> Self {
        Self {
            version: "credit-grade-2026",
            start: 100,
            bidding_ban: 40,
            judgment_defaulter: 40,
            major_tax_violator: 30,
            procurement_serious_violation: 40,
            major_penalty: 30,
            penalty: 10,
            platform_finding: 15,
            window_years: 3,
            a_from: 90,
            b_from: 80,
            c_from: 60,
            a_needs_good_record: true,
            a_bond_percent: 50,
            scoring_percent: [100, 80, 60, 0],
        }
    }

    /// The bid bond a company of `grade` pays where the lot asks `bond`: grade A pays
    /// `a_bond_percent` of it, rounded up to the fen; the others pay it whole.
    pub fn bond_due(&self, bond: Money, grade: Grade) -> Money {
        match grade {
            Grade::A => {
                let pct = i64::from(self.a_bond_percent.min(100));
                Money::from_fen((bond.fen() * pct + 99) / 100)
            }
            _ => bond,
        }
    }

    /// The points a company of `grade` earns on a credit criterion worth `max_points`, rounded
    /// down to the whole point.
    pub fn criterion_points(&self, max_points: u32, grade: Grade) -> u32 {
        let pct = self.scoring_percent[grade as usize].min(100);
        max_points.saturating_mul(pct) / 100
    }

    /// Points a record takes, and whether it is a good record.
    fn points(&self, s: &Standing) -> u32 {
        match s.kind {
            RecordKind::BiddingBan => self.bidding_ban,
            RecordKind::JudgmentDefaulter => self.judgment_defaulter,
            RecordKind::MajorTaxViolator => self.major_tax_violator,
            RecordKind::ProcurementSeriousViolation => self.procurement_serious_violation,
            RecordKind::AdministrativePenalty if s.major => self.major_penalty,
            RecordKind::AdministrativePenalty => self.penalty,
            RecordKind::PlatformFinding => self.platform_finding,
            RecordKind::Good => 0,
        }
    }

    /// Whether a record counts at `at`: active, begun, and in force or begun within the window.
    fn counts(&self, s: &Standing, at: DateTime<Utc>) -> bool {
        if s.status != RecordStatus::Active || at < s.starts_at {
            return false;
        }
        let in_force = s.ends_at.is_none_or(|e| at < e);
        let recent = s
            .starts_at
            .checked_add_months(Months::new(12 * self.window_years))
            .is_some_and(|w| at < w);
        in_force || recent
    }
}

/// One record's part in a grade, by its index in the list given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct GradeLine {
    pub record: usize,
    pub points: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Evaluation {
    pub formula: &'static str,
    pub score: u32,
    pub grade: Grade,
    /// The records that took points, and the good records that count.
    pub lines: Vec<GradeLine>,
}

/// The grade of a company with these records at `at`.
pub fn evaluate(records: &[Standing], at: DateTime<Utc>, f: &GradeFormula) -> Evaluation {
    let mut lines = vec![];
    let mut taken = 0u32;
    let mut good = false;
    for (i, s) in records.iter().enumerate() {
        if !f.counts(s, at) {
            continue;
        }
        let points = f.points(s);
        if s.kind == RecordKind::Good {
            good = true;
        } else if points == 0 {
            continue;
        }
        taken = taken.saturating_add(points);
        lines.push(GradeLine { record: i, points });
    }
    let score = f.start.saturating_sub(taken);
    let grade = if score >= f.a_from && (good || !f.a_needs_good_record) {
        Grade::A
    } else if score >= f.b_from {
        Grade::B
    } else if score >= f.c_from {
        Grade::C
    } else {
        Grade::D
    };
    Evaluation {
        formula: f.version,
        score,
        grade,
        lines,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn at() -> DateTime<Utc> {
        DateTime::from_timestamp(1_747_015_200, 0).unwrap_or_default()
    }

    fn rec(kind: RecordKind, starts: DateTime<Utc>, ends: Option<DateTime<Utc>>) -> Standing {
        Standing {
            kind,
            ground: None,
            major: false,
            status: RecordStatus::Active,
            starts_at: starts,
            ends_at: ends,
        }
    }

    #[test]
    fn a_clean_company_is_good_and_an_award_makes_it_trustworthy() {
        let f = GradeFormula::v2026();
        let clean = evaluate(&[], at(), &f);
        assert_eq!((clean.score, clean.grade), (100, Grade::B));
        let good = rec(RecordKind::Good, at() - Duration::days(10), None);
        let e = evaluate(&[good], at(), &f);
        assert_eq!((e.score, e.grade), (100, Grade::A));
        assert_eq!(
            e.lines,
            vec![GradeLine {
                record: 0,
                points: 0
            }]
        );
    }

    #[test]
    fn a_record_counts_to_the_end_of_its_window_and_not_after() {
        let f = GradeFormula::v2026();
        let start = at() - Duration::days(2000);
        let window_end = start.checked_add_months(Months::new(36)).expect("date");
        let penalty = rec(
            RecordKind::AdministrativePenalty,
            start,
            Some(start + Duration::days(1)),
        );
        let inside = evaluate(
            std::slice::from_ref(&penalty),
            window_end - Duration::seconds(1),
            &f,
        );
        assert_eq!((inside.score, inside.grade), (90, Grade::B));
        let outside = evaluate(&[penalty], window_end, &f);
        assert_eq!(outside.score, 100);
    }

    #[test]
    fn bands_hold_at_their_edges() {
        let f = GradeFormula::v2026();
        let now = at();
        let ban = rec(RecordKind::BiddingBan, now, None);
        let finding = rec(RecordKind::PlatformFinding, now, None);
        let penalty = rec(RecordKind::AdministrativePenalty, now, None);
        // 100 − 40 = 60: C at its floor; one more penalty: 50, D.
        assert_eq!(
            evaluate(std::slice::from_ref(&ban), now, &f).grade,
            Grade::C
        );
        assert_eq!(
            evaluate(&[ban.clone(), penalty.clone()], now, &f).grade,
            Grade::D
        );
        // 100 − 15 = 85: B; 100 − 10 − 10 = 80: B at its floor; − 25 = 75: C.
        assert_eq!(
            evaluate(std::slice::from_ref(&finding), now, &f).grade,
            Grade::B
        );
        assert_eq!(
            evaluate(&[penalty.clone(), penalty.clone()], now, &f).grade,
            Grade::B
        );
        assert_eq!(evaluate(&[penalty, finding], now, &f).grade, Grade::C);
        // A revoked record and one not yet begun take nothing.
        let mut revoked = ban.clone();
        revoked.status = RecordStatus::Revoked;
        let later = rec(RecordKind::BiddingBan, now + Duration::seconds(1), None);
        assert_eq!(evaluate(&[revoked, later], now, &f).score, 100);
        // Points never go below zero.
        let many = vec![ban; 5];
        assert_eq!(evaluate(&many, now, &f).score, 0);
    }

    #[test]
    fn grade_a_pays_half_the_bond_rounded_up_and_the_others_all_of_it() {
        let f = GradeFormula::v2026();
        let bond = Money::from_fen(80_000_001);
        assert_eq!(f.bond_due(bond, Grade::A), Money::from_fen(40_000_001));
        assert_eq!(f.bond_due(bond, Grade::B), bond);
        assert_eq!(f.bond_due(bond, Grade::D), bond);
    }
}
