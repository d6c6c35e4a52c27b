//! Qualifications a lot requires (资格条件) and whether a company's registered certificates meet
//! them on a given day. A bid that does not meet the tender's qualification conditions cannot
//! stand: the committee must reject it (招标投标法实施条例 Art 51(3) [V]; for procurement, 87号令
//! Art 63 [V]). The platform reads the shared registry, so it can tell the bidder before the
//! deadline rather than leave it to the committee.

use crate::FieldError;
use crate::error::Invalid;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub const TENDERING_REGULATION: &str = "招标投标法实施条例";
pub const PROCUREMENT_REGULATION: &str = "政府采购货物和服务招标投标管理办法";

/// At most this many requirements per lot: the parser is bounded by what it builds.
pub const MAX_REQUIREMENTS: usize = 20;

/// One qualification the lot requires: its type as the registry names it, and the lowest grade
/// accepted (empty: any grade).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    /// e.g. 建筑工程施工总承包
    pub name: String,
    /// e.g. 二级: 二级 or better (一级, 特级) is accepted. Empty: any grade.
    #[serde(default)]
    pub min_grade: String,
}

/// A certificate the company holds, as registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    pub name: String,
    pub grade: String,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
}

/// The grade ladders in use: 特级 above 一级 above 二级 above 三级 (施工总承包 and the like), and
/// 甲级 above 乙级 above 丙级 (design, supervision, survey). A grade outside both compares only as
/// equal.
const LADDERS: [&[&str]; 2] = [&["特级", "一级", "二级", "三级"], &["甲级", "乙级", "丙级"]];

fn rank(grade: &str) -> Option<(usize, usize)> {
    LADDERS
        .iter()
        .enumerate()
        .find_map(|(l, ladder)| ladder.iter().position(|g| *g == grade).map(|p| (l, p)))
}

/// Whether `held` is at least `min`.
pub fn grade_meets(held: &str, min: &str) -> bool {
    let (held, min) = (held.trim(), min.trim());
    if min.is_empty() || held == min {
        return true;
    }
    match (rank(held), rank(min)) {
        (Some((lh, ph)), Some((lm, pm))) => lh == lm && ph <= pm,
        _ => false,
    }
}

impl Requirement {
    /// Met by a certificate of the same type and a sufficient grade, valid on `on` (an expired
    /// or not yet valid certificate counts as missing).
    pub fn met_by(&self, held: &[Held], on: NaiveDate) -> bool {
        held.iter().any(|h| {
            h.name.trim() == self.name.trim()
                && grade_meets(&h.grade, &self.min_grade)
                && h.valid_from <= on
                && on <= h.valid_until
        })
    }

    pub fn label(&self) -> String {
        if self.min_grade.trim().is_empty() {
            self.name.clone()
        } else {
            format!("{}{}及以上", self.name, self.min_grade)
        }
    }
}

/// The requirements `held` does not meet on `on`.
pub fn missing<'a>(reqs: &'a [Requirement], held: &[Held], on: NaiveDate) -> Vec<&'a Requirement> {
    reqs.iter().filter(|r| !r.met_by(held, on)).collect()
}

/// Check what a principal states: named types, known grades (or none), no duplicates, a bounded
/// number.
pub fn parse(input: &[Requirement]) -> Result<Vec<Requirement>, Invalid> {
    let mut errs = Invalid::default();
    if input.len() > MAX_REQUIREMENTS {
        errs.push(FieldError::new(
            "requirements",
            "qualification.too_many",
            format!("资格要求最多 {MAX_REQUIREMENTS} 项"),
            format!("At most {MAX_REQUIREMENTS} requirements"),
        ));
        return Err(errs);
    }
    let mut out: Vec<Requirement> = Vec::with_capacity(input.len());
    for (i, r) in input.iter().enumerate() {
        let name = r.name.trim();
        let grade = r.min_grade.trim();
        if name.is_empty() || name.chars().count() > 100 {
            errs.push(FieldError::new(
                format!("requirements[{i}].name"),
                "qualification.name",
                "资质类别不能为空，且不超过100个字符",
                "Name the qualification type (at most 100 characters)",
            ));
            continue;
        }
        if !grade.is_empty() && rank(grade).is_none() {
            errs.push(FieldError::new(
                format!("requirements[{i}].min_grade"),
                "qualification.grade",
                "资质等级应为特级、一级、二级、三级或甲级、乙级、丙级，不限等级时留空",
                "A grade is 特级, 一级, 二级, 三级 or 甲级, 乙级, 丙级; leave it empty for any grade",
            ));
            continue;
        }
        if out.iter().any(|o| o.name == name) {
            errs.push(FieldError::new(
                format!("requirements[{i}].name"),
                "qualification.duplicate",
                "同一资质类别只能要求一次",
                "Each qualification type is required once",
            ));
            continue;
        }
        out.push(Requirement {
            name: name.to_string(),
            min_grade: grade.to_string(),
        });
    }
    errs.into_result(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn cert(grade: &str, from: &str, until: &str) -> Held {
        Held {
            name: "建筑工程施工总承包".into(),
            grade: grade.into(),
            valid_from: day(from),
            valid_until: day(until),
        }
    }

    fn req(grade: &str) -> Requirement {
        Requirement {
            name: "建筑工程施工总承包".into(),
            min_grade: grade.into(),
        }
    }

    #[test]
    fn a_higher_grade_of_the_same_ladder_meets_a_lower_requirement() {
        assert!(grade_meets("一级", "二级"));
        assert!(grade_meets("特级", "三级"));
        assert!(grade_meets("二级", "二级"));
        assert!(!grade_meets("三级", "二级"));
        assert!(grade_meets("甲级", "乙级"));
        assert!(!grade_meets("乙级", "甲级"));
        // Ladders do not mix.
        assert!(!grade_meets("甲级", "二级"));
        assert!(grade_meets("不分等级", ""));
    }

    #[test]
    fn a_certificate_counts_on_its_first_and_last_day_only_within_them() {
        let held = [cert("一级", "2024-01-01", "2026-06-30")];
        let r = req("二级");
        assert!(r.met_by(&held, day("2024-01-01")));
        assert!(r.met_by(&held, day("2026-06-30")));
        assert!(
            !r.met_by(&held, day("2026-07-01")),
            "expired counts as missing"
        );
        assert!(!r.met_by(&held, day("2023-12-31")), "not yet valid");
        assert!(!req("特级").met_by(&held, day("2025-01-01")));
        let other = Requirement {
            name: "市政公用工程施工总承包".into(),
            min_grade: String::new(),
        };
        let reqs = [r, other];
        let gaps = missing(&reqs, &held, day("2025-01-01"));
        assert_eq!(gaps.len(), 1);
        assert_eq!(gaps[0].name, "市政公用工程施工总承包");
    }

    #[test]
    fn parse_refuses_unknown_grades_duplicates_and_too_many() {
        let ok = parse(&[req("二级")]).expect("ok");
        assert_eq!(ok[0].label(), "建筑工程施工总承包二级及以上");
        let e = parse(&[req("二等")]).expect_err("grade");
        assert_eq!(e.0[0].code, "qualification.grade");
        let e = parse(&[req(""), req("一级")]).expect_err("dup");
        assert_eq!(e.0[0].code, "qualification.duplicate");
        let many: Vec<Requirement> = (0..=MAX_REQUIREMENTS)
            .map(|i| Requirement {
                name: format!("类别{i}"),
                min_grade: String::new(),
            })
            .collect();
        assert_eq!(
            parse(&many).expect_err("many").0[0].code,
            "qualification.too_many"
        );
        assert!(parse(&many[..MAX_REQUIREMENTS]).is_ok());
    }
}
