//! 统一交易标识码 (`TradeCode`): the lifelong identifier of a project and its lots.
//!
//! Layout, following the one real value in RULES.md §9 (`A02-123100007847653857-20161012-000015-Q`):
//! trading-classification code, the principal's 18-character credit code, the registration date in
//! Beijing, and a six-digit daily sequence; a lot adds a three-digit suffix. The meaning of the
//! trailing letter in that example is unconfirmed [U], so it is not generated; the classification
//! codes per trade kind are configurable defaults [U] until the official 编码方案 is in hand.

use crate::error::FieldError;
use crate::uscc::Uscc;
use chrono::NaiveDate;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct TradeCode {
    category: String,
    principal: String,
    date: NaiveDate,
    seq: u32,
    lot: Option<u16>,
}

fn bad(input: &str) -> FieldError {
    FieldError::new(
        "trade_code",
        "trade_code.format",
        format!("统一交易标识码格式不正确：{input}"),
        format!("Not a trade code: {input}"),
    )
}

/// A classification code: one capital letter and two digits (`A02`).
fn valid_category(c: &str) -> bool {
    let b = c.as_bytes();
    b.len() == 3 && b[0].is_ascii_uppercase() && b[1].is_ascii_digit() && b[2].is_ascii_digit()
}

impl TradeCode {
    pub fn project(
        category: &str,
        principal: &Uscc,
        date: NaiveDate,
        seq: u32,
    ) -> Result<Self, FieldError> {
        if !valid_category(category) || seq == 0 || seq > 999_999 {
            return Err(bad(&format!("{category}/{seq}")));
        }
        Ok(Self {
            category: category.into(),
            principal: principal.as_str().into(),
            date,
            seq,
            lot: None,
        })
    }

    /// The code of lot `n` (1-based) of this project.
    pub fn lot(&self, n: u16) -> Result<Self, FieldError> {
        if n == 0 || n > 999 || self.lot.is_some() {
            return Err(bad(&format!("{self}/{n}")));
        }
        Ok(Self {
            lot: Some(n),
            ..self.clone()
        })
    }

    pub fn project_code(&self) -> Self {
        Self {
            lot: None,
            ..self.clone()
        }
    }

    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let s = input.trim();
        let parts: Vec<&str> = s.split('-').collect();
        if !(parts.len() == 4 || parts.len() == 5) || !valid_category(parts[0]) {
            return Err(bad(s));
        }
        let principal = Uscc::parse(parts[1]).map_err(|_| bad(s))?;
        let date = NaiveDate::parse_from_str(parts[2], "%Y%m%d").map_err(|_| bad(s))?;
        let seq: u32 = (parts[3].len() == 6)
            .then(|| parts[3].parse().ok())
            .flatten()
            .ok_or_else(|| bad(s))?;
        let code = Self::project(parts[0], &principal, date, seq).map_err(|_| bad(s))?;
        match parts.get(4) {
            None => Ok(code),
            Some(l) if l.len() == 3 => code.lot(l.parse().map_err(|_| bad(s))?).map_err(|_| bad(s)),
            Some(_) => Err(bad(s)),
        }
    }
}

impl std::fmt::Display for TradeCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}-{}-{}-{:06}",
            self.category,
            self.principal,
            self.date.format("%Y%m%d"),
            self.seq
        )?;
        if let Some(l) = self.lot {
            write!(f, "-{l:03}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_and_lot_codes_round_trip() {
        let u = Uscc::parse("91350100M000100Y43").expect("valid");
        let d = NaiveDate::from_ymd_opt(2026, 11, 22).expect("d");
        let p = TradeCode::project("A02", &u, d, 15).expect("code");
        assert_eq!(p.to_string(), "A02-91350100M000100Y43-20261122-000015");
        let l = p.lot(2).expect("lot");
        assert_eq!(l.to_string(), "A02-91350100M000100Y43-20261122-000015-002");
        assert_eq!(TradeCode::parse(&l.to_string()), Ok(l.clone()));
        assert_eq!(l.project_code(), p);
        assert!(l.lot(3).is_err(), "a lot has no lots");
    }

    #[test]
    fn malformed_codes_are_refused() {
        for bad in [
            "A2-91350100M000100Y43-20261122-000015",
            "A02-91350100M000100Y44-20261122-000015",
            "A02-91350100M000100Y43-20261322-000015",
            "A02-91350100M000100Y43-20261122-15",
            "A02-91350100M000100Y43-20261122-000015-0002",
            "A02-91350100M000100Y43-20261122-000000",
            "",
        ] {
            assert!(TradeCode::parse(bad).is_err(), "{bad}");
        }
    }
}
