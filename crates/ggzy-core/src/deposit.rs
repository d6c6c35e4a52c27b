//! Deposits (竞买保证金/交易保证金, C15): each application gets its own virtual sub-account
//! number, the bank's statement is read line by line, and each credit is matched to the
//! application it was paid for — or kept aside with the reason it could not be.
//! No I/O: the store hands in the statement's cells (from CSV here, or from XLSX).

use crate::error::{FieldError, Invalid};
use crate::money::Money;
use chrono::NaiveDate;
use serde::Serialize;

/// The sub-account prefix the settlement bank assigns the centre (a configurable default).
pub const SUB_ACCOUNT_PREFIX: &str = "8801";

/// The virtual sub-account for applicant `seq` of grant `grant_no`: the prefix, six digits of the
/// grant, four of the applicant and a Luhn check digit, so a mistyped number is caught on import.
pub fn sub_account(grant_no: i64, seq: i64) -> String {
    let body = format!(
        "{SUB_ACCOUNT_PREFIX}{:06}{:04}",
        grant_no.rem_euclid(1_000_000),
        seq.rem_euclid(10_000)
    );
    let check = luhn_digit(&body);
    format!("{body}{check}")
}

fn luhn_digit(body: &str) -> u32 {
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    (10 - sum % 10) % 10
}

/// A well-formed sub-account number of ours (prefix, length, check digit).
pub fn is_sub_account(s: &str) -> bool {
    s.len() == 15
        && s.starts_with(SUB_ACCOUNT_PREFIX)
        && s.bytes().all(|b| b.is_ascii_digit())
        && luhn_digit(&s[..14]) == u32::from(s.as_bytes()[14] - b'0')
}

/// One credit on the bank statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatementLine {
    /// The bank's own transaction number (交易流水号); an import of the same line twice is a no-op.
    pub bank_ref: String,
    pub booked_on: NaiveDate,
    pub amount: Money,
    pub payer_name: String,
    pub payer_account: String,
    /// The sub-account it was paid into (收款子账号).
    pub account_no: String,
}

const COLUMNS: [(&str, &[&str]); 6] = [
    (
        "bank_ref",
        &["交易流水号", "流水号", "bank_ref", "reference"],
    ),
    ("booked_on", &["记账日期", "交易日期", "booked_on", "date"]),
    ("amount", &["金额", "贷方金额", "收入金额", "amount"]),
    ("payer_name", &["付款人名称", "对方户名", "payer_name"]),
    ("payer_account", &["付款账号", "对方账号", "payer_account"]),
    ("account_no", &["收款子账号", "子账号", "account_no"]),
];

/// Split CSV text into rows of cells (RFC 4180 quoting; a byte-order mark is ignored).
pub fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rows = vec![];
    let mut row = vec![];
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') if cell.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    if !cell.is_empty() || !row.is_empty() {
        row.push(cell);
        rows.push(row);
    }
    rows.retain(|r| r.iter().any(|c| !c.trim().is_empty()));
    rows
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    [
        "%Y-%m-%d",
        "%Y/%m/%d",
        "%Y%m%d",
        "%Y-%m-%d %H:%M:%S",
        "%Y/%m/%d %H:%M:%S",
    ]
    .iter()
    .find_map(|f| {
        NaiveDate::parse_from_str(s, f).ok().or_else(|| {
            chrono::NaiveDateTime::parse_from_str(s, f)
                .ok()
                .map(|t| t.date())
        })
    })
}

/// Read a statement from its rows: the first row names the columns (Chinese or English), each
/// later row is one credit. Every bad cell is reported as `lines.N.column`, N counting from 1
/// for the first line under the header.
pub fn parse_statement(rows: &[Vec<String>]) -> Result<Vec<StatementLine>, Invalid> {
    let Some((header, body)) = rows.split_first() else {
        return Err(FieldError::new(
            "statement",
            "deposit.statement_empty",
            "对账单为空",
            "The statement is empty",
        )
        .into());
    };
    let mut errs = Invalid::default();
    let mut at = [0usize; 6];
    for (i, (name, aliases)) in COLUMNS.iter().enumerate() {
        match header
            .iter()
            .position(|h| aliases.iter().any(|a| h.trim().eq_ignore_ascii_case(a)))
        {
            Some(p) => at[i] = p,
            None => errs.push(FieldError::new(
                format!("statement.{name}"),
                "deposit.column_missing",
                format!("对账单缺少列：{}", aliases[0]),
                format!("The statement has no column {name} ({})", aliases[0]),
            )),
        }
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    let mut out = vec![];
    for (n, row) in body.iter().enumerate() {
        let cell = |i: usize| row.get(at[i]).map_or("", |s| s.trim());
        let field = |name: &str| format!("lines.{}.{name}", n + 1);
        let bank_ref = cell(0).to_string();
        if bank_ref.is_empty() || bank_ref.chars().count() > 64 {
            errs.push(FieldError::new(
                field("bank_ref"),
                "deposit.bank_ref",
                "交易流水号缺失或过长",
                "The bank reference is missing or too long",
            ));
        }
        let booked_on = parse_date(cell(1));
        if booked_on.is_none() {
            errs.push(FieldError::new(
                field("booked_on"),
                "deposit.date",
                "记账日期应为 YYYY-MM-DD",
                "The booking date is YYYY-MM-DD",
            ));
        }
        let amount = Money::parse_yuan(&field("amount"), &cell(2).replace([',', '，'], ""))
            .map_err(|e| errs.push(e))
            .ok();
        if amount.is_some_and(|a| a.fen() <= 0) {
            errs.push(FieldError::new(
                field("amount"),
                "deposit.amount",
                "只导入贷方（入账）金额",
                "Only credits (positive amounts) are imported",
            ));
        }
        if let (Some(booked_on), Some(amount)) = (booked_on, amount) {
            out.push(StatementLine {
                bank_ref,
                booked_on,
                amount,
                payer_name: cell(3).to_string(),
                payer_account: cell(4).to_string(),
                account_no: cell(5).to_string(),
            });
        }
    }
    errs.into_result(out)
}

/// The application a sub-account belongs to, as the store found it.
#[derive(Debug, Clone)]
pub struct Expected<'a> {
    pub applicant_name: &'a str,
    pub deposit: Money,
    pub received: Money,
}

/// What became of one credit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Matched {
    /// Credited; `complete` once the whole deposit is in.
    Credited {
        complete: bool,
    },
    /// Kept aside for staff to return: the number is not ours, belongs to nobody, or the money
    /// came from someone other than the applicant (a deposit is paid from the bidder's own
    /// account, so a third party cannot buy a seat in its name).
    UnknownAccount,
    NoApplication,
    ThirdParty,
}

impl Matched {
    pub fn code(self) -> &'static str {
        match self {
            Self::Credited { complete: true } => "credited",
            Self::Credited { complete: false } => "credited_partly",
            Self::UnknownAccount => "unknown_account",
            Self::NoApplication => "no_application",
            Self::ThirdParty => "third_party",
        }
    }
}

pub fn match_credit(line: &StatementLine, expected: Option<&Expected<'_>>) -> Matched {
    if !is_sub_account(&line.account_no) {
        return Matched::UnknownAccount;
    }
    let Some(e) = expected else {
        return Matched::NoApplication;
    };
    if normalise(&line.payer_name) != normalise(e.applicant_name) {
        return Matched::ThirdParty;
    }
    Matched::Credited {
        complete: e.received.fen() + line.amount.fen() >= e.deposit.fen(),
    }
}

/// Bank statements write brackets either way round.
fn normalise(s: &str) -> String {
    s.trim()
        .chars()
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            c => c,
        })
        .filter(|c| !c.is_whitespace())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_accounts_carry_a_check_digit() {
        let a = sub_account(12, 3);
        assert_eq!(a.len(), 15);
        assert!(is_sub_account(&a), "{a}");
        let mut typo = a.clone().into_bytes();
        typo[8] = if typo[8] == b'9' { b'0' } else { typo[8] + 1 };
        assert!(!is_sub_account(&String::from_utf8(typo).expect("ascii")));
        assert!(!is_sub_account("880100001200037"), "wrong check digit");
        assert_ne!(sub_account(12, 3), sub_account(12, 4));
        assert_ne!(sub_account(12, 3), sub_account(13, 3));
    }

    #[test]
    fn a_statement_is_read_with_chinese_or_english_headers() {
        let csv = "\u{feff}交易流水号,记账日期,金额,付款人名称,付款账号,收款子账号\r\n\
                   B001,2026-12-01,\"1,000,000.00\",\"宁波（海曙）建设有限公司\",6222001,880100001200037\r\n\
                   B002,2026/12/02,500,某公司,6222002,880100001200045\n";
        let lines = parse_statement(&csv_rows(csv)).expect("parsed");
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].amount, Money::from_fen(100_000_000));
        assert_eq!(lines[0].payer_name, "宁波（海曙）建设有限公司");
        assert_eq!(
            lines[1].booked_on,
            NaiveDate::from_ymd_opt(2026, 12, 2).expect("d")
        );
        let en = "bank_ref,date,amount,payer_name,payer_account,account_no\nX,20261201,1.5,A,1,2\n";
        assert_eq!(parse_statement(&csv_rows(en)).expect("en").len(), 1);
    }

    #[test]
    fn bad_statement_cells_are_named_by_line_and_column() {
        let e = parse_statement(&csv_rows("流水号,金额\n")).expect_err("columns");
        assert!(e.0.iter().any(|f| f.field == "statement.booked_on"));
        let csv = "交易流水号,记账日期,金额,付款人名称,付款账号,收款子账号\n\
                   ,2026-13-01,-5,A,1,2\n";
        let e = parse_statement(&csv_rows(csv)).expect_err("cells");
        let fields: Vec<_> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert!(fields.contains(&"lines.1.bank_ref"), "{fields:?}");
        assert!(fields.contains(&"lines.1.booked_on"), "{fields:?}");
        assert!(fields.contains(&"lines.1.amount"), "{fields:?}");
        assert!(parse_statement(&[]).is_err());
    }

    #[test]
    fn credits_match_the_applicant_or_are_kept_aside() {
        let acct = sub_account(1, 1);
        let line = |name: &str, yuan: i64, account: &str| StatementLine {
            bank_ref: "R".into(),
            booked_on: NaiveDate::from_ymd_opt(2026, 12, 1).expect("d"),
            amount: Money::from_fen(yuan * 100),
            payer_name: name.into(),
            payer_account: "1".into(),
            account_no: account.into(),
        };
        let e = Expected {
            applicant_name: "宁波(海曙)建设有限公司",
            deposit: Money::from_fen(100_000),
            received: Money::from_fen(0),
        };
        assert_eq!(
            match_credit(&line("宁波（海曙）建设有限公司", 1000, &acct), Some(&e)),
            Matched::Credited { complete: true },
            "the whole deposit, brackets written the other way"
        );
        assert_eq!(
            match_credit(&line("宁波(海曙)建设有限公司", 999, &acct), Some(&e)),
            Matched::Credited { complete: false },
            "one yuan short"
        );
        assert_eq!(
            match_credit(&line("他人", 1000, &acct), Some(&e)),
            Matched::ThirdParty
        );
        assert_eq!(
            match_credit(&line("宁波(海曙)建设有限公司", 1000, &acct), None),
            Matched::NoApplication
        );
        assert_eq!(
            match_credit(&line("x", 1000, "6222000011112222"), Some(&e)),
            Matched::UnknownAccount
        );
    }
}
