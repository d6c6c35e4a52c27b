//! 统一社会信用代码 (GB 32100-2015), validated by both check characters (RULES.md §7).

use crate::error::FieldError;
use serde::{Deserialize, Serialize};

const CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];
const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
/// First two digits of the GB/T 2260 province-level codes.
const PROVINCES: [&str; 34] = [
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
    "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71",
    "81", "82",
];

/// A unified social credit code that passed every check. Construct with [`Uscc::parse`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Uscc(String);

fn value(c: u8) -> Option<u32> {
    CHARSET.iter().position(|&x| x == c).map(|p| p as u32)
}

/// GB 11714 values: digits 0–9, letters A=10 … Z=35 over the full alphabet.
fn org_value(c: u8) -> Option<u32> {
    match c {
        b'0'..=b'9' => Some(u32::from(c - b'0')),
        b'A'..=b'Z' => Some(u32::from(c - b'A') + 10),
        _ => None,
    }
}

/// The 18th character that makes the first 17 a valid code.
pub fn check_char(first17: &str) -> Option<char> {
    let b = first17.as_bytes();
    if b.len() != 17 {
        return None;
    }
    let mut sum = 0;
    for (i, &c) in b.iter().enumerate() {
        sum += value(c)? * WEIGHTS[i];
    }
    let c = (31 - sum % 31) % 31;
    Some(CHARSET[c as usize] as char)
}

/// The organisation-code check character for its 8-character body.
pub fn org_check_char(body8: &str) -> Option<char> {
    let b = body8.as_bytes();
    if b.len() != 8 {
        return None;
    }
    let mut sum = 0;
    for (i, &c) in b.iter().enumerate() {
        sum += org_value(c)? * ORG_WEIGHTS[i];
    }
    Some(match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        d => char::from_digit(d, 10)?,
    })
}

/// Entity type codes allowed under a registration authority. RULES.md §7.1 labels the full table
/// [U]; only the rows for 机构编制, 民政 and 工商 are certain, the rest accept any type digit.
fn type_allowed(authority: u8, kind: u8) -> bool {
    match authority {
        b'1' => matches!(kind, b'1' | b'2' | b'3' | b'9'),
        b'5' => matches!(kind, b'1' | b'2' | b'3' | b'9'),
        b'9' => matches!(kind, b'1' | b'2' | b'3'),
        b'2'..=b'8' | b'A' | b'N' | b'Y' => kind.is_ascii_digit() && kind != b'0',
        _ => false,
    }
}

impl Uscc {
    /// Validation order per RULES.md §7.4: length → character set → authority/type → region →
    /// organisation-code check → full check. Surrounding spaces are dropped and letters upper-cased
    /// because people paste codes from certificates.
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let f = "uscc";
        let s: String = input.trim().to_ascii_uppercase();
        if s.is_empty() {
            return Err(FieldError::required(f));
        }
        if s.chars().count() != 18 {
            return Err(FieldError::new(
                f,
                "uscc.length",
                format!(
                    "统一社会信用代码应为 18 位，当前为 {} 位",
                    s.chars().count()
                ),
                format!(
                    "A unified social credit code has 18 characters, this has {}",
                    s.chars().count()
                ),
            )
            .with_rule("GB 32100-2015", "4"));
        }
        if let Some((pos, ch)) = s
            .chars()
            .enumerate()
            .find(|&(_, c)| !c.is_ascii() || value(c as u8).is_none())
        {
            return Err(FieldError::new(
                f,
                "uscc.charset",
                format!("第 {} 位字符“{ch}”不允许（不使用 I、O、S、V、Z）", pos + 1),
                format!(
                    "Character {} ('{ch}') is not allowed (I, O, S, V and Z are never used)",
                    pos + 1
                ),
            )
            .with_rule("GB 32100-2015", "4"));
        }
        let b = s.as_bytes();
        if !type_allowed(b[0], b[1]) {
            return Err(FieldError::new(
                f,
                "uscc.authority_type",
                "第 1–2 位的登记管理部门码与机构类别码组合无效",
                "Positions 1–2 are not a valid registration authority and entity type",
            )
            .with_rule("GB 32100-2015", "4.1–4.2"));
        }
        let region = &s[2..8];
        if !region.bytes().all(|c| c.is_ascii_digit()) || !PROVINCES.contains(&&region[..2]) {
            return Err(FieldError::new(
                f,
                "uscc.region",
                format!("第 3–8 位“{region}”不是有效的行政区划代码"),
                format!("Positions 3–8 ('{region}') are not an administrative division code"),
            )
            .with_rule("GB 32100-2015", "4.3"));
        }
        if org_check_char(&s[8..16]) != Some(b[16] as char) {
            return Err(FieldError::new(
                f,
                "uscc.org_check",
                "第 17 位（组织机构代码校验码）不正确，请核对代码",
                "Character 17 (the organisation-code check character) is wrong; please check the code",
            )
            .with_rule("GB 11714-1997", "5"));
        }
        if check_char(&s[..17]) != Some(b[17] as char) {
            return Err(FieldError::new(
                f,
                "uscc.check_digit",
                "第 18 位校验码不正确，请核对代码",
                "Character 18 (the check character) is wrong; please check the code",
            )
            .with_rule("GB 32100-2015", "4.5"));
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The GB/T 2260 code of the registering authority's area (positions 3–8).
    pub fn region_code(&self) -> &str {
        &self.0[2..8]
    }
}

impl TryFrom<String> for Uscc {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Uscc::parse(&s).map_err(|e| e.message_en)
    }
}

impl From<Uscc> for String {
    fn from(u: Uscc) -> String {
        u.0
    }
}

impl std::fmt::Display for Uscc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Completes a 16-character prefix (authority, type, region, 8-char body) into a valid code.
/// Used by demo data and tests to make codes that pass both checks.
pub fn complete(prefix16: &str) -> Option<Uscc> {
    let org = org_check_char(&prefix16.get(8..16)?)?;
    let first17 = format!("{prefix16}{org}");
    let last = check_char(&first17)?;
    Uscc::parse(&format!("{first17}{last}")).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worked_example_passes_both_checks() {
        let u = Uscc::parse("91350100M000100Y43").expect("valid");
        assert_eq!(u.region_code(), "350100");
        assert_eq!(check_char("91350100M000100Y4"), Some('3'));
        assert_eq!(org_check_char("M000100Y"), Some('4'));
    }

    #[test]
    fn second_real_code_passes() {
        assert!(Uscc::parse("123100007847653857").is_ok());
    }

    #[test]
    fn input_is_trimmed_and_uppercased() {
        assert_eq!(
            Uscc::parse(" 91350100m000100y43 ").expect("valid").as_str(),
            "91350100M000100Y43"
        );
    }

    #[test]
    fn wrong_check_character_is_refused() {
        assert_eq!(
            Uscc::parse("91350100M000100Y44").unwrap_err().code,
            "uscc.check_digit"
        );
    }

    #[test]
    fn wrong_org_check_character_is_refused() {
        // Body digit changed: org check fails before the full check is reached.
        assert_eq!(
            Uscc::parse("91350100M000200Y43").unwrap_err().code,
            "uscc.org_check"
        );
    }

    #[test]
    fn length_just_inside_and_outside() {
        assert_eq!(
            Uscc::parse("91350100M000100Y4").unwrap_err().code,
            "uscc.length"
        );
        assert_eq!(
            Uscc::parse("91350100M000100Y433").unwrap_err().code,
            "uscc.length"
        );
        assert_eq!(Uscc::parse("").unwrap_err().code, "required");
        assert_eq!(
            Uscc::parse("９１３５０１００Ｍ０００１００Ｙ４３")
                .unwrap_err()
                .code,
            "uscc.charset"
        );
    }

    #[test]
    fn excluded_letters_are_refused() {
        for bad in ['I', 'O', 'S', 'V', 'Z'] {
            let s = format!("91350100M000100{bad}43");
            assert_eq!(Uscc::parse(&s).unwrap_err().code, "uscc.charset", "{s}");
        }
    }

    #[test]
    fn authority_type_and_region_are_checked() {
        assert_eq!(
            Uscc::parse("90350100M000100Y43").unwrap_err().code,
            "uscc.authority_type"
        );
        assert_eq!(
            Uscc::parse("91990100M000100Y43").unwrap_err().code,
            "uscc.region"
        );
    }

    #[test]
    fn completed_codes_are_valid_and_every_single_change_of_the_last_char_fails() {
        let u = complete("91330200MA2AB7K1").expect("completes");
        let s = u.as_str();
        for c in CHARSET.iter().map(|&c| c as char) {
            let t = format!("{}{c}", &s[..17]);
            assert_eq!(Uscc::parse(&t).is_ok(), t == s, "{t}");
        }
    }
}
