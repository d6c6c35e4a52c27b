//! The one rounding rule for evaluation scores. The law gives the formulas (87号令 Art 55: the
//! lowest evaluation price over the bid's, times the price weight) but fixes no rounding, so
//! ggzy keeps every score in hundredths of a point, rounded half up (四舍五入，保留两位小数), the
//! convention tender documents state [U]. Every score computed or shown goes through
//! [`hundredths`], so a price score cannot read 24.54 on one page and 24.55 on another.

/// `numerator / denominator` points in hundredths, rounded half up; 0 for a zero or negative
/// denominator. Inputs are the points times 100 already (`numerator` carries the ×100).
pub fn hundredths(numerator: i128, denominator: i128) -> i64 {
    if denominator <= 0 || numerator < 0 {
        return 0;
    }
    let q = (numerator * 2 + denominator) / (2 * denominator);
    i64::try_from(q).unwrap_or(i64::MAX)
}

/// The price score of the points method in hundredths: `lowest / price × weight`.
pub fn price_score(lowest_fen: i64, price_fen: i64, weight_points: u32) -> i64 {
    if price_fen <= 0 || lowest_fen <= 0 {
        return 0;
    }
    hundredths(
        i128::from(lowest_fen) * i128::from(weight_points) * 100,
        i128::from(price_fen),
    )
}

/// A score in hundredths as shown to people: two decimals, from the integer, never a float.
pub fn show(x100: i64) -> String {
    let sign = if x100 < 0 { "-" } else { "" };
    let a = x100.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_up_just_below_and_at_the_half() {
        // 30 × 818 / 1000 = 24.54 exactly; 30 × 8183 / 10000 = 24.549 → 24.55; 24.5449 → 24.54.
        assert_eq!(price_score(818, 1000, 30), 2454);
        assert_eq!(price_score(8183, 10000, 30), 2455);
        assert_eq!(price_score(81_816_333, 100_000_000, 30), 2454);
        // x.xx5 rounds up, x.xx4999 does not.
        assert_eq!(hundredths(245_450, 100), 2455);
        assert_eq!(hundredths(245_449, 100), 2454);
        assert_eq!(hundredths(1, 0), 0);
        assert_eq!(
            (show(2455), show(5), show(10_000)),
            ("24.55".into(), "0.05".into(), "100.00".into())
        );
    }
}
