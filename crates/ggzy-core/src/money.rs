//! Money as integer fen (分). Floating point never touches an amount.

use crate::error::FieldError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Money(i64);

impl Money {
    pub const ZERO: Money = Money(0);

    pub const fn from_fen(fen: i64) -> Self {
        Self(fen)
    }

    pub fn from_yuan(yuan: i64) -> Option<Self> {
        yuan.checked_mul(100).map(Self)
    }

    pub fn fen(self) -> i64 {
        self.0
    }

    /// Parses a non-negative yuan amount written with at most two decimals: `1234`, `1234.5`,
    /// `1,234.56`. Anything else is refused, never rounded.
    pub fn parse_yuan(field: &str, input: &str) -> Result<Self, FieldError> {
        let bad = || {
            FieldError::new(
                field,
                "money.format",
                "金额格式应为元，最多两位小数，例如 1234.56",
                "Amounts are in yuan with at most two decimals, e.g. 1234.56",
            )
        };
        let s: String = input.trim().chars().filter(|&c| c != ',').collect();
        let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
        if int.is_empty()
            || !int.bytes().all(|c| c.is_ascii_digit())
            || frac.len() > 2
            || !frac.bytes().all(|c| c.is_ascii_digit())
        {
            return Err(bad());
        }
        let yuan: i64 = int.parse().map_err(|_| bad())?;
        let mut fen: i64 = if frac.is_empty() {
            0
        } else {
            frac.parse().map_err(|_| bad())?
        };
        if frac.len() == 1 {
            fen *= 10;
        }
        yuan.checked_mul(100)
            .and_then(|v| v.checked_add(fen))
            .map(Self)
            .ok_or_else(bad)
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }
}

fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl Money {
    /// Yuan with thousands grouped, as notices print amounts: `¥52,000,000.00`.
    pub fn grouped(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        format!("{sign}¥{}.{:02}", group(a / 100), a % 100)
    }

    /// Ten-thousands of yuan, as Chinese readers size a deal: `5,200 万元`, `0.8 万元`; up to
    /// four decimals, trailing zeros dropped.
    pub fn wan(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        let (whole, rest) = (a / 1_000_000, a % 1_000_000);
        let frac = format!("{:06}", rest);
        let frac = frac[..4].trim_end_matches('0');
        if frac.is_empty() {
            format!("{sign}{} 万元", group(whole))
        } else {
            format!("{sign}{}.{frac} 万元", group(whole))
        }
    }
}

impl std::fmt::Display for Money {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        write!(f, "{sign}¥{}.{:02}", a / 100, a % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_print_the_chinese_way() {
        let m = Money::from_fen(52_000_000_00);
        assert_eq!(m.grouped(), "¥52,000,000.00");
        assert_eq!(m.wan(), "5,200 万元");
        assert_eq!(Money::from_fen(800_000_00).wan(), "80 万元");
        assert_eq!(Money::from_fen(8_000_00).wan(), "0.8 万元");
        assert_eq!(Money::from_fen(1).wan(), "0 万元");
        assert_eq!(Money::from_fen(123_456_78).grouped(), "¥123,456.78");
        assert_eq!(Money::from_fen(-100).grouped(), "-¥1.00");
    }

    #[test]
    fn parses_yuan_exactly() {
        assert_eq!(
            Money::parse_yuan("p", "1,234.5").expect("ok").fen(),
            123_450
        );
        assert_eq!(Money::parse_yuan("p", "0.01").expect("ok").fen(), 1);
        assert_eq!(
            Money::parse_yuan("p", "7").expect("ok").to_string(),
            "¥7.00"
        );
        for bad in [
            "",
            "-1",
            "1.234",
            "1e3",
            "abc",
            ".5",
            "99999999999999999999",
        ] {
            assert!(Money::parse_yuan("p", bad).is_err(), "{bad}");
        }
    }
}
