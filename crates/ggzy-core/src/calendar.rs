//! Working-day calendar and day counting (RULES.md §0.3).
//!
//! `CalendarDays` and `WorkingDays` are different types so that a limit written in one can never
//! be counted in the other. Counting excludes the start day: "≥ N days from X to Y" holds when
//! `date(Y) − date(X) ≥ N`.

use crate::error::FieldError;
use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The table shipped with the binary; administrators override it with their own.
pub const DEFAULT_TABLE: &str = include_str!("../calendar/cn.txt");

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CalendarDays(pub u32);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct WorkingDays(pub u32);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// A statutory holiday, even if it falls on a weekday.
    Holiday,
    /// An adjusted working day (调休), even if it falls on a weekend.
    Workday,
}

impl DayKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Holiday => "holiday",
            Self::Workday => "workday",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "holiday" => Some(Self::Holiday),
            "workday" => Some(Self::Workday),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpecialDay {
    pub day: NaiveDate,
    pub kind: DayKind,
    pub name: String,
}

#[derive(Debug, Clone, Default)]
pub struct Calendar {
    special: BTreeMap<NaiveDate, SpecialDay>,
    /// Years whose holiday schedule is loaded. A working-day count that reaches outside them
    /// would silently treat every weekday as a working day, so such counts are refused.
    years: BTreeSet<i32>,
}

/// A working-day count reached a year whose holiday schedule (节假日安排) is not loaded yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YearNotLoaded(pub i32);

impl YearNotLoaded {
    /// The refusal, reported against the input `field` that asked for the count.
    pub fn field(self, field: &str) -> FieldError {
        FieldError::new(
            field,
            "calendar.year_not_loaded",
            format!(
                "{} 年的节假日安排尚未载入，无法计算工作日；请管理员载入后再试",
                self.0
            ),
            format!(
                "The holiday schedule for {} is not loaded, so working days cannot be counted yet; an administrator must load it first",
                self.0
            ),
        )
    }
}

/// Parses the line format of [`DEFAULT_TABLE`]. Errors name the line.
pub fn parse_table(text: &str) -> Result<Vec<SpecialDay>, FieldError> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut parts = line.splitn(3, char::is_whitespace);
        let (d, k, name) = (
            parts.next(),
            parts.next(),
            parts.next().unwrap_or("").trim(),
        );
        let bad = || {
            FieldError::new(
                "calendar",
                "calendar.line",
                format!(
                    "第 {} 行格式错误，应为“YYYY-MM-DD holiday|workday 名称”",
                    i + 1
                ),
                format!("Line {}: expected 'YYYY-MM-DD holiday|workday name'", i + 1),
            )
        };
        let day = d
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .ok_or_else(bad)?;
        let kind = k.and_then(DayKind::parse).ok_or_else(bad)?;
        out.push(SpecialDay {
            day,
            kind,
            name: name.to_string(),
        });
    }
    Ok(out)
}

impl Calendar {
    pub fn new(days: impl IntoIterator<Item = SpecialDay>) -> Self {
        let special: BTreeMap<NaiveDate, SpecialDay> =
            days.into_iter().map(|d| (d.day, d)).collect();
        let years = special.keys().map(Datelike::year).collect();
        Self { special, years }
    }

    pub fn default_cn() -> Self {
        // The shipped table is tested below, so it always parses.
        Self::new(parse_table(DEFAULT_TABLE).unwrap_or_default())
    }

    pub fn special_days(&self) -> impl Iterator<Item = &SpecialDay> {
        self.special.values()
    }

    /// Years that have at least one entry (every schedule has 元旦); outside them only weekends
    /// are known.
    pub fn covers(&self, year: i32) -> bool {
        self.years.contains(&year)
    }

    /// The years whose holiday schedule is loaded, oldest first.
    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.iter().copied()
    }

    /// The first year between `a` and `b` (either order, both included) that is not covered.
    pub fn first_uncovered(&self, a: NaiveDate, b: NaiveDate) -> Option<i32> {
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        (lo.year()..=hi.year()).find(|y| !self.covers(*y))
    }

    /// Refuses a working-day count over a year that is not loaded.
    pub fn require_covered(&self, a: NaiveDate, b: NaiveDate) -> Result<(), YearNotLoaded> {
        self.first_uncovered(a, b)
            .map_or(Ok(()), |y| Err(YearNotLoaded(y)))
    }

    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        match self.special.get(&d).map(|s| s.kind) {
            Some(DayKind::Workday) => true,
            Some(DayKind::Holiday) => false,
            None => !matches!(d.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    pub fn holiday_name(&self, d: NaiveDate) -> Option<&str> {
        self.special
            .get(&d)
            .filter(|s| s.kind == DayKind::Holiday)
            .map(|s| s.name.as_str())
    }

    /// Calendar days from `from` to `to`, the start day not counted.
    pub fn calendar_days_between(from: NaiveDate, to: NaiveDate) -> i64 {
        (to - from).num_days()
    }

    /// Working days in `(from, to]`: the start day is not counted, the end day is.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        if to <= from {
            return -self.working_days_between_pos(to, from);
        }
        self.working_days_between_pos(from, to)
    }

    fn working_days_between_pos(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        from.iter_days()
            .skip(1)
            .take_while(|d| *d <= to)
            .filter(|d| self.is_working_day(*d))
            .count() as i64
    }

    /// The `n`-th working day after `start` (start not counted).
    pub fn add_working_days(&self, start: NaiveDate, n: WorkingDays) -> NaiveDate {
        let mut d = start;
        let mut left = n.0;
        while left > 0 {
            d += Duration::days(1);
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// Last day of a period of `n` calendar days from `start`: the start day is not counted, and
    /// when the last day is a rest day the period ends on the next working day (87号令 Art 85;
    /// 民法典 Art 203).
    pub fn period_end(&self, start: NaiveDate, n: CalendarDays) -> NaiveDate {
        let mut d = start + Duration::days(i64::from(n.0));
        while !self.is_working_day(d) {
            d += Duration::days(1);
        }
        d
    }

    /// "At least `n` calendar days from `from` to `to`".
    pub fn at_least_calendar_days(from: NaiveDate, to: NaiveDate, n: CalendarDays) -> bool {
        Self::calendar_days_between(from, to) >= i64::from(n.0)
    }

    /// "At least `n` working days from `from` to `to`"; unknowable when the span reaches a year
    /// whose holiday schedule is not loaded.
    pub fn at_least_working_days(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        n: WorkingDays,
    ) -> Result<bool, YearNotLoaded> {
        self.require_covered(from, to)?;
        Ok(self.working_days_between(from, to) >= i64::from(n.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn shipped_table_parses_and_covers_2025_and_2026() {
        let rows = parse_table(DEFAULT_TABLE).expect("parses");
        assert!(rows.len() > 50);
        let c = Calendar::default_cn();
        assert!(c.covers(2025) && c.covers(2026) && !c.covers(2030));
    }

    #[test]
    fn holidays_and_adjusted_days() {
        let c = Calendar::default_cn();
        assert!(
            !c.is_working_day(d("2026-02-16")),
            "Monday in Spring Festival"
        );
        assert!(
            c.is_working_day(d("2026-02-14")),
            "Saturday made a working day"
        );
        assert!(c.is_working_day(d("2026-02-28")));
        assert!(!c.is_working_day(d("2026-03-01")), "plain Sunday");
        assert!(c.is_working_day(d("2026-03-02")), "plain Monday");
        assert_eq!(c.holiday_name(d("2026-10-01")), Some("国庆节"));
    }

    #[test]
    fn working_days_across_spring_festival() {
        let c = Calendar::default_cn();
        // Fri 2026-02-13; Sat 14 is a workday; 15–23 holiday; Tue 24 resumes.
        assert_eq!(
            c.add_working_days(d("2026-02-13"), WorkingDays(1)),
            d("2026-02-14")
        );
        assert_eq!(
            c.add_working_days(d("2026-02-13"), WorkingDays(2)),
            d("2026-02-24")
        );
        assert_eq!(c.working_days_between(d("2026-02-13"), d("2026-02-24")), 2);
        // Five working days from Thu 2026-02-12: 13, 14, 24, 25, 26.
        assert_eq!(
            c.add_working_days(d("2026-02-12"), WorkingDays(5)),
            d("2026-02-26")
        );
        assert_eq!(
            c.at_least_working_days(d("2026-02-12"), d("2026-02-26"), WorkingDays(5)),
            Ok(true)
        );
        assert_eq!(
            c.at_least_working_days(d("2026-02-12"), d("2026-02-25"), WorkingDays(5)),
            Ok(false)
        );
    }

    #[test]
    fn a_year_without_its_holiday_schedule_is_refused_not_guessed() {
        let c = Calendar::default_cn();
        assert!(c.covers(2026) && !c.covers(2027));
        // Last day inside the loaded years: counted.
        assert_eq!(
            c.at_least_working_days(d("2026-12-24"), d("2026-12-31"), WorkingDays(5)),
            Ok(true)
        );
        // One day past them: refused, naming the year, however plain the weekdays look.
        assert_eq!(
            c.at_least_working_days(d("2026-12-24"), d("2027-01-01"), WorkingDays(5)),
            Err(YearNotLoaded(2027))
        );
        let e = YearNotLoaded(2027).field("deadline");
        assert_eq!(
            (e.field.as_str(), e.code),
            ("deadline", "calendar.year_not_loaded")
        );
        assert!(e.message_zh.contains("2027") && e.message_en.contains("2027"));
        // Loading the year makes it countable.
        let mut days: Vec<SpecialDay> = c.special_days().cloned().collect();
        days.push(SpecialDay {
            day: d("2027-01-01"),
            kind: DayKind::Holiday,
            name: "元旦".into(),
        });
        let loaded = Calendar::new(days);
        assert_eq!(
            loaded.at_least_working_days(d("2026-12-24"), d("2027-01-01"), WorkingDays(5)),
            Ok(true)
        );
        assert_eq!(
            c.first_uncovered(d("2024-06-01"), d("2026-01-01")),
            Some(2024)
        );
    }

    #[test]
    fn adjusted_weekend_day_counts_as_working() {
        let c = Calendar::default_cn();
        // Sun 2026-09-20 is an adjusted working day; Fri 18 → Mon 21 spans it.
        assert_eq!(c.working_days_between(d("2026-09-18"), d("2026-09-21")), 2);
        // Without the table the same span has one working day.
        assert_eq!(
            Calendar::default().working_days_between(d("2026-09-18"), d("2026-09-21")),
            1
        );
    }

    #[test]
    fn calendar_days_exclude_the_start_day_limit_inside_and_outside() {
        // 20 days: issued 2026-03-01 → deadline 2026-03-21 passes, 2026-03-20 fails.
        assert!(Calendar::at_least_calendar_days(
            d("2026-03-01"),
            d("2026-03-21"),
            CalendarDays(20)
        ));
        assert!(!Calendar::at_least_calendar_days(
            d("2026-03-01"),
            d("2026-03-20"),
            CalendarDays(20)
        ));
    }

    #[test]
    fn period_ending_on_a_holiday_runs_to_the_next_working_day() {
        let c = Calendar::default_cn();
        // 5 days from 2026-09-28 ends 2026-10-03 (National Day) → first working day is 2026-10-08.
        assert_eq!(
            c.period_end(d("2026-09-28"), CalendarDays(5)),
            d("2026-10-08")
        );
        // Ending on an adjusted Saturday keeps the day.
        assert_eq!(
            c.period_end(d("2026-10-05"), CalendarDays(5)),
            d("2026-10-10")
        );
        assert_eq!(
            c.period_end(d("2026-03-02"), CalendarDays(3)),
            d("2026-03-05")
        );
    }

    #[test]
    fn bad_lines_are_named() {
        let e = parse_table("2026-01-01 holiday 元旦\n2026-13-01 holiday x\n").unwrap_err();
        assert!(e.message_en.contains("Line 2"));
        assert!(parse_table("2026-01-01 vacation x").is_err());
    }
}
