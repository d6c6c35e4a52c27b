//! Regions keyed by GB/T 2260 administrative division codes: province → city → county branch.

use crate::error::FieldError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionLevel {
    Province,
    City,
    County,
}

impl RegionLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Province => "province",
            Self::City => "city",
            Self::County => "county",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "province" => Some(Self::Province),
            "city" => Some(Self::City),
            "county" => Some(Self::County),
            _ => None,
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Province => "省级",
            Self::City => "市级",
            Self::County => "县区分中心",
        }
    }
}

/// A six-digit division code. The level follows from the trailing zeros: `330000` province,
/// `330200` city, `330203` county.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DivisionCode(String);

impl DivisionCode {
    pub fn parse(field: &str, s: &str) -> Result<Self, FieldError> {
        let s = s.trim();
        if s.len() != 6 || !s.bytes().all(|c| c.is_ascii_digit()) || &s[..2] == "00" {
            return Err(FieldError::new(
                field,
                "region.code",
                "行政区划代码应为 6 位数字（GB/T 2260）",
                "An administrative division code has six digits (GB/T 2260)",
            ));
        }
        if &s[2..4] == "00" && &s[4..6] != "00" {
            return Err(FieldError::new(
                field,
                "region.code",
                "行政区划代码无效：县级代码必须属于某个市",
                "Invalid division code: a county code must sit under a city",
            ));
        }
        Ok(Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn level(&self) -> RegionLevel {
        if &self.0[2..] == "0000" {
            RegionLevel::Province
        } else if &self.0[4..] == "00" {
            RegionLevel::City
        } else {
            RegionLevel::County
        }
    }

    /// The parent in the tree: county → city, city → province, province → none.
    pub fn parent(&self) -> Option<DivisionCode> {
        match self.level() {
            RegionLevel::Province => None,
            RegionLevel::City => Some(Self(format!("{}0000", &self.0[..2]))),
            RegionLevel::County => Some(Self(format!("{}00", &self.0[..4]))),
        }
    }

    /// Whose rules apply here: a county branch works under its city's rules; a city and a province
    /// under their own.
    pub fn rules_region(&self) -> DivisionCode {
        match self.level() {
            RegionLevel::County => self.parent().unwrap_or_else(|| self.clone()),
            _ => self.clone(),
        }
    }

    /// The leading digits every code in this region and its branches shares: a province's two,
    /// a city's four, a county's six (for `LIKE 'prefix%'`).
    pub fn branch_prefix(&self) -> &str {
        match self.level() {
            RegionLevel::Province => &self.0[..2],
            RegionLevel::City => &self.0[..4],
            RegionLevel::County => &self.0,
        }
    }

    /// True when `self` is `other` or lies beneath it.
    pub fn within(&self, other: &DivisionCode) -> bool {
        match other.level() {
            RegionLevel::Province => self.0[..2] == other.0[..2],
            RegionLevel::City => self.0[..4] == other.0[..4],
            RegionLevel::County => self.0 == other.0,
        }
    }
}

impl TryFrom<String> for DivisionCode {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        DivisionCode::parse("region", &s).map_err(|e| e.message_en)
    }
}

impl From<DivisionCode> for String {
    fn from(d: DivisionCode) -> String {
        d.0
    }
}

impl std::fmt::Display for DivisionCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> DivisionCode {
        DivisionCode::parse("r", s).expect("valid")
    }

    #[test]
    fn levels_and_parents() {
        assert_eq!(d("330000").level(), RegionLevel::Province);
        assert_eq!(d("330200").level(), RegionLevel::City);
        assert_eq!(d("330203").level(), RegionLevel::County);
        assert_eq!(d("330203").parent(), Some(d("330200")));
        assert_eq!(d("330200").parent(), Some(d("330000")));
        assert_eq!(d("330000").parent(), None);
    }

    #[test]
    fn a_branch_works_under_its_city_rules() {
        assert_eq!(d("330203").rules_region(), d("330200"));
        assert_eq!(d("330200").rules_region(), d("330200"));
    }

    #[test]
    fn within_tree() {
        assert!(d("330203").within(&d("330200")));
        assert!(d("330203").within(&d("330000")));
        assert!(!d("330203").within(&d("330300")));
        assert!(!d("330200").within(&d("330203")));
    }

    #[test]
    fn a_branch_prefix_matches_exactly_the_codes_within() {
        for (region, inside, outside) in [
            ("330000", "330203", "340203"),
            ("330200", "330212", "330312"),
            ("330212", "330212", "330213"),
        ] {
            let r = d(region);
            assert!(inside.starts_with(r.branch_prefix()) && d(inside).within(&r));
            assert!(!outside.starts_with(r.branch_prefix()) && !d(outside).within(&r));
        }
    }

    #[test]
    fn malformed_codes_are_refused() {
        for bad in ["33020", "3302000", "33a200", "000000", "330012", ""] {
            assert!(DivisionCode::parse("r", bad).is_err(), "{bad}");
        }
    }
}
