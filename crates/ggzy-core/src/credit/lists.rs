//! The national credit lists as files. 信用中国 publishes 失信被执行人 and 重大税收违法失信主体,
//! ccgp.gov.cn the 政府采购严重违法失信行为记录, and the departments their administrative
//! penalties; none can be reached from here, so ggzy reads the files they publish — CSV, XLSX
//! (as rows) or JSON — through one column mapping, documented in `docs/CREDIT_IMPORT.md`.
//!
//! A file is hostile until read: rows and columns are counted against [`MAX_ROWS`] and
//! [`MAX_COLUMNS`] while they are built, and every row that cannot be read is refused on its own
//! with its row number, never the whole file.

use super::RecordKind;
use crate::{FieldError, Uscc};
use chrono::NaiveDate;
use serde::Serialize;

/// Rows one file may hold: a city's share of a national list is a few thousand.
pub const MAX_ROWS: usize = 100_000;
/// Columns one row may hold.
pub const MAX_COLUMNS: usize = 64;
/// Bytes one file may hold before it is parsed.
pub const MAX_BYTES: usize = 32 << 20;

/// The field a refused file is reported on.
pub const FILE: &str = "file";

/// One entry of a list, as the file states it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListEntry {
    pub uscc: Uscc,
    pub name: String,
    pub decision_no: String,
    pub authority: String,
    pub basis: String,
    pub facts: String,
    pub decided_on: NaiveDate,
    pub starts_on: NaiveDate,
    /// Last day in force, included; none while the list keeps the company on it.
    pub ends_on: Option<NaiveDate>,
    /// An administrative penalty that is a major violation.
    pub major: bool,
}

/// A row the file could not give, by its row number (the header is row 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RowRefusal {
    pub row: usize,
    pub field: String,
    pub code: &'static str,
    pub message_zh: String,
    pub message_en: String,
}

/// What a file gave: its entries, each with its row number, and the rows refused.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    pub entries: Vec<(usize, ListEntry)>,
    pub refused: Vec<RowRefusal>,
}

/// The kinds a list file can hold; a bidding ban or a platform finding is a decision recorded
/// here, never imported.
pub fn importable(kind: RecordKind) -> bool {
    matches!(
        kind,
        RecordKind::AdministrativePenalty
            | RecordKind::JudgmentDefaulter
            | RecordKind::MajorTaxViolator
            | RecordKind::ProcurementSeriousViolation
    )
}

/// The basis an entry carries when its file names none.
fn default_basis(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::JudgmentDefaulter => "最高人民法院关于公布失信被执行人名单信息的若干规定",
        RecordKind::MajorTaxViolator => "重大税收违法失信主体信息公布管理办法",
        RecordKind::ProcurementSeriousViolation => "政府采购法第七十七条；财库〔2016〕125号",
        _ => "",
    }
}

/// Each field and the column headings that carry it, in the lists' own words first.
pub const COLUMNS: [(&str, &[&str]); 10] = [
    (
        "uscc",
        &[
            "统一社会信用代码",
            "信用代码",
            "组织机构代码/统一社会信用代码",
            "uscc",
        ],
    ),
    (
        "name",
        &[
            "主体名称",
            "企业名称",
            "被执行人名称",
            "被执行人",
            "纳税人名称",
            "供应商名称",
            "当事人名称",
            "name",
        ],
    ),
    (
        "decision_no",
        &[
            "决定文书号",
            "处罚决定书文号",
            "行政处罚决定书文号",
            "执行依据文号",
            "案号",
            "文书号",
            "decision_no",
        ],
    ),
    (
        "authority",
        &[
            "认定机关",
            "处罚机关",
            "作出决定机关",
            "执行法院",
            "实施机关",
            "决定机关",
            "authority",
        ],
    ),
    ("basis", &["法律依据", "处罚依据", "依据", "basis"]),
    (
        "facts",
        &[
            "失信行为",
            "违法事实",
            "主要违法事实",
            "失信行为情形",
            "处罚事由",
            "案件性质",
            "facts",
        ],
    ),
    (
        "decided_on",
        &[
            "决定日期",
            "处罚决定日期",
            "立案时间",
            "认定日期",
            "处罚日期",
            "decided_on",
        ],
    ),
    (
        "starts_on",
        &["列入日期", "生效日期", "发布日期", "公布日期", "starts_on"],
    ),
    (
        "ends_on",
        &[
            "截止日期",
            "移出日期",
            "处罚截止日期",
            "有效期至",
            "禁止参加政府采购活动截止日期",
            "ends_on",
        ],
    ),
    ("major", &["是否重大", "重大违法", "major"]),
];

const REQUIRED: [&str; 4] = ["uscc", "decision_no", "authority", "decided_on"];

fn heading_field(heading: &str) -> Option<usize> {
    let h = heading.trim().trim_start_matches('\u{feff}');
    COLUMNS
        .iter()
        .position(|(_, names)| names.iter().any(|n| n.eq_ignore_ascii_case(h)))
}

/// Split CSV text into rows of cells (RFC 4180 quoting; a byte-order mark ignored), refusing a
/// file with more than `max_rows` rows or a row with more than `max_columns` cells as it goes.
pub fn csv_rows_within(
    text: &str,
    max_rows: usize,
    max_columns: usize,
) -> Result<Vec<Vec<String>>, FieldError> {
    let too_big = || {
        FieldError::new(
            FILE,
            "credit.file_too_large",
            format!("文件最多{max_rows}行、每行最多{max_columns}列"),
            format!("A file holds at most {max_rows} rows of {max_columns} columns"),
        )
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rows: Vec<Vec<String>> = vec![];
    let mut row: Vec<String> = vec![];
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    let end_row = |row: &mut Vec<String>, rows: &mut Vec<Vec<String>>| {
        if row.iter().any(|c| !c.trim().is_empty()) {
            if rows.len() >= max_rows {
                return Err(too_big());
            }
            rows.push(std::mem::take(row));
        } else {
            row.clear();
        }
        Ok(())
    };
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') if cell.is_empty() => quoted = true,
            (false, ',') => {
                if row.len() + 1 >= max_columns {
                    return Err(too_big());
                }
                row.push(std::mem::take(&mut cell));
            }
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                end_row(&mut row, &mut rows)?;
            }
            (false, c) => cell.push(c),
        }
    }
    if !cell.is_empty() || !row.is_empty() {
        row.push(cell);
        end_row(&mut row, &mut rows)?;
    }
    Ok(rows)
}

/// A date as the lists write it: `2025-05-12`, `2025/5/12`, `2025.5.12`, `2025年5月12日`,
/// `20250512`, or a spreadsheet's day number.
pub fn list_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    let s = s.split([' ', 'T']).next().unwrap_or(s);
    if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        return NaiveDate::parse_from_str(s, "%Y%m%d").ok();
    }
    if let Ok(n) = s.parse::<f64>()
        && (20_000.0..80_000.0).contains(&n)
    {
        return NaiveDate::from_ymd_opt(1899, 12, 30)
            .and_then(|d| d.checked_add_days(chrono::Days::new(n as u64)));
    }
    let parts: Vec<&str> = s
        .split(['-', '/', '.', '年', '月', '日'])
        .filter(|p| !p.is_empty())
        .collect();
    match parts.as_slice() {
        [y, m, d] => NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?),
        _ => None,
    }
}

/// Read rows (a header, then entries) of a list of `kind`.
pub fn from_rows(kind: RecordKind, rows: &[Vec<String>]) -> Result<Parsed, FieldError> {
    let Some((header, body)) = rows.split_first() else {
        return Err(FieldError::new(
            FILE,
            "credit.file_empty",
            "文件没有内容",
            "The file is empty",
        ));
    };
    let mut at = [None; COLUMNS.len()];
    for (i, h) in header.iter().enumerate() {
        if let Some(f) = heading_field(h) {
            at[f].get_or_insert(i);
        }
    }
    let missing: Vec<&str> = REQUIRED
        .iter()
        .filter(|r| {
            COLUMNS
                .iter()
                .position(|(f, _)| f == *r)
                .is_some_and(|i| at[i].is_none())
        })
        .map(|r| {
            COLUMNS
                .iter()
                .find(|(f, _)| f == r)
                .map_or(*r, |(_, names)| names[0])
        })
        .collect();
    if !missing.is_empty() {
        return Err(FieldError::new(
            FILE,
            "credit.columns_missing",
            format!("文件缺少列：{}", missing.join("、")),
            format!("The file lacks the columns {}", missing.join(", ")),
        ));
    }
    let mut out = Parsed::default();
    for (i, row) in body.iter().enumerate() {
        let cells: Vec<&str> = at
            .iter()
            .map(|c| c.and_then(|c| row.get(c)).map_or("", |s| s.trim()))
            .collect();
        match entry(kind, &cells) {
            Ok(e) => out.entries.push((i + 2, e)),
            Err(e) => out.refused.push(RowRefusal {
                row: i + 2,
                field: e.field,
                code: e.code,
                message_zh: e.message_zh,
                message_en: e.message_en,
            }),
        }
    }
    Ok(out)
}

/// Read a JSON list: an array of objects (or `{"data": [...]}` / `{"records": [...]}`) whose
/// keys are the same headings as the CSV's.
pub fn from_json(kind: RecordKind, text: &str) -> Result<Parsed, FieldError> {
    let bad = |en: String| {
        FieldError::new(
            FILE,
            "credit.bad_json",
            "JSON 文件应为对象数组，每个对象的键为列名",
            format!("A JSON list is an array of objects keyed by column names ({en})"),
        )
    };
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
    let items = match &v {
        serde_json::Value::Array(a) => a,
        serde_json::Value::Object(o) => o
            .get("data")
            .or_else(|| o.get("records"))
            .and_then(|d| d.as_array())
            .ok_or_else(|| bad("no array".into()))?,
        _ => return Err(bad("not an array".into())),
    };
    if items.len() > MAX_ROWS {
        return Err(FieldError::new(
            FILE,
            "credit.file_too_large",
            format!("文件最多{MAX_ROWS}行"),
            format!("A file holds at most {MAX_ROWS} rows"),
        ));
    }
    let mut rows = vec![
        COLUMNS
            .iter()
            .map(|(f, _)| (*f).to_string())
            .collect::<Vec<_>>(),
    ];
    for item in items {
        let Some(o) = item.as_object() else {
            rows.push(vec![]);
            continue;
        };
        let mut row = vec![String::new(); COLUMNS.len()];
        for (k, val) in o.iter().take(MAX_COLUMNS) {
            if let Some(f) = heading_field(k) {
                row[f] = match val {
                    serde_json::Value::String(s) => s.clone(),
                    serde_json::Value::Number(n) => n.to_string(),
                    serde_json::Value::Bool(b) => (if *b { "是" } else { "否" }).to_string(),
                    _ => String::new(),
                };
            }
        }
        rows.push(row);
    }
    from_rows(kind, &rows)
}

fn entry(kind: RecordKind, c: &[&str]) -> Result<ListEntry, FieldError> {
    let [
        uscc,
        name,
        decision_no,
        authority,
        basis,
        facts,
        decided_on,
        starts_on,
        ends_on,
        major,
    ] = c
    else {
        return Err(FieldError::required("uscc"));
    };
    let uscc = Uscc::parse(uscc)?;
    let date = |field: &str, v: &str| {
        list_date(v).ok_or_else(|| {
            FieldError::new(
                field,
                "credit.bad_date",
                format!("无法识别的日期“{v}”"),
                format!("Not a date: “{v}”"),
            )
        })
    };
    for (field, v, max) in [
        ("decision_no", decision_no, 100),
        ("authority", authority, 100),
    ] {
        if v.is_empty() {
            return Err(FieldError::required(field));
        }
        if v.chars().count() > max {
            return Err(FieldError::new(
                field,
                "too_long",
                format!("最多{max}个字符"),
                format!("At most {max} characters"),
            ));
        }
    }
    let decided_on = date("decided_on", decided_on)?;
    let starts_on = if starts_on.is_empty() {
        decided_on
    } else {
        date("starts_on", starts_on)?
    };
    let ends_on = if ends_on.is_empty() {
        None
    } else {
        Some(date("ends_on", ends_on)?)
    };
    if ends_on.is_some_and(|e| e < starts_on) {
        return Err(FieldError::new(
            "ends_on",
            "credit.ends_before_start",
            "截止日期早于起始日期",
            "The last day is before the first",
        ));
    }
    let basis = if basis.is_empty() {
        default_basis(kind)
    } else {
        basis
    };
    if basis.is_empty() {
        return Err(FieldError::required("basis"));
    }
    let clip = |s: &str, n: usize| s.chars().take(n).collect::<String>();
    Ok(ListEntry {
        uscc,
        name: clip(name, 200),
        decision_no: decision_no.to_string(),
        authority: authority.to_string(),
        basis: clip(basis, 200),
        facts: clip(facts, 2000),
        decided_on,
        starts_on,
        ends_on,
        major: kind == RecordKind::AdministrativePenalty
            && matches!(*major, "是" | "Y" | "y" | "yes" | "true" | "1"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(n: u32) -> String {
        crate::uscc::complete(&format!("91330200MA2H{n:04}"))
            .expect("code")
            .as_str()
            .to_string()
    }

    /// The same code with its check character changed.
    fn bad(n: u32) -> String {
        let c = code(n);
        let last = if c.ends_with('0') { '1' } else { '0' };
        format!("{}{last}", &c[..17])
    }

    fn defaulters() -> String {
        format!(
            "\u{feff}被执行人名称,统一社会信用代码,执行法院,执行依据文号,立案时间,失信行为情形,移出日期\r\n\
             宁波某建设有限公司,{},宁波市鄞州区人民法院,（2025）浙0212执1234号,2025年3月1日,有履行能力而拒不履行生效法律文书确定义务,\r\n\
             坏代码公司,{},宁波市中级人民法院,（2025）浙02执9号,2025-03-02,,\r\n\
             \"宁波某贸易有限公司,分公司\",{},宁波市海曙区人民法院,（2025）浙0203执77号,2025/3/3,,2026/3/2\r\n",
            code(1),
            bad(2),
            code(3)
        )
    }

    #[test]
    fn a_defaulters_csv_in_the_lists_own_words() {
        let rows = csv_rows_within(&defaulters(), MAX_ROWS, MAX_COLUMNS).expect("rows");
        assert_eq!(rows.len(), 4);
        let p = from_rows(RecordKind::JudgmentDefaulter, &rows).expect("parsed");
        // The second data row's check digit is wrong: refused on its own, by its row number.
        assert!(
            p.refused.iter().any(|r| r.row == 3 && r.field == "uscc"),
            "{p:?}"
        );
        assert_eq!(p.refused.len(), 1, "{p:?}");
        assert_eq!(p.entries.len(), 2);
        for (row, e) in &p.entries {
            assert!(*row == 2 || *row == 4);
            assert_eq!(e.basis, default_basis(RecordKind::JudgmentDefaulter));
        }
        let (_, e) = p.entries.iter().find(|(r, _)| *r == 4).expect("row 4");
        assert_eq!(e.name, "宁波某贸易有限公司,分公司");
        assert_eq!(e.ends_on, NaiveDate::from_ymd_opt(2026, 3, 2));
        assert_eq!(e.starts_on, NaiveDate::from_ymd_opt(2025, 3, 3).expect("d"));
    }

    #[test]
    fn missing_columns_are_named_and_bounds_hold_while_building() {
        let rows = csv_rows_within("名称,金额\n甲,1\n", 10, 10).expect("rows");
        let e = from_rows(RecordKind::MajorTaxViolator, &rows).expect_err("columns");
        assert_eq!(e.code, "credit.columns_missing");
        assert!(
            e.message_zh.contains("统一社会信用代码"),
            "{}",
            e.message_zh
        );
        // Just inside and just outside the row and column bounds.
        assert!(csv_rows_within("a\nb\nc\n", 3, 10).is_ok());
        assert!(csv_rows_within("a\nb\nc\nd\n", 3, 10).is_err());
        assert!(csv_rows_within("a,b,c\n", 10, 3).is_ok());
        assert!(csv_rows_within("a,b,c,d\n", 10, 3).is_err());
        // A million empty cells on one line are refused at the 64th, not built.
        let wide = ",".repeat(1_000_000);
        assert_eq!(
            csv_rows_within(&wide, MAX_ROWS, MAX_COLUMNS)
                .expect_err("wide")
                .code,
            "credit.file_too_large"
        );
    }

    #[test]
    fn dates_as_the_lists_write_them() {
        let d = NaiveDate::from_ymd_opt(2025, 5, 12);
        for s in [
            "2025-05-12",
            "2025/5/12",
            "2025.5.12",
            "2025年5月12日",
            "20250512",
            "45789",
            "2025-05-12 00:00:00",
        ] {
            assert_eq!(list_date(s), d, "{s}");
        }
        for s in ["", "2025-13-01", "十二月", "12345"] {
            assert_eq!(list_date(s), None, "{s}");
        }
    }

    #[test]
    fn a_json_list_reads_like_the_csv() {
        let json = format!(
            r#"{{"data": [
            {{"纳税人名称": "宁波某商贸有限公司", "统一社会信用代码": "{}", "认定机关": "国家税务总局宁波市税务局", "决定文书号": "甬税稽罚〔2025〕12号", "认定日期": "2025-04-01", "主要违法事实": "虚开增值税专用发票"}},
            {{"统一社会信用代码": "{}", "认定机关": "", "决定文书号": "x", "认定日期": "2025-04-01"}},
            7
        ]}}"#,
            code(5),
            code(6)
        );
        let p = from_json(RecordKind::MajorTaxViolator, &json).expect("parsed");
        assert_eq!(p.entries.len(), 1, "{p:?}");
        assert_eq!(p.refused.len(), 2, "{p:?}");
        assert!(
            p.refused
                .iter()
                .any(|r| r.row == 3 && r.field == "authority")
        );
        assert!(p.refused.iter().any(|r| r.row == 4));
        assert!(from_json(RecordKind::MajorTaxViolator, "[[[").is_err());
        assert!(from_json(RecordKind::MajorTaxViolator, "\"x\"").is_err());
    }

    #[test]
    fn only_the_lists_are_importable() {
        assert!(importable(RecordKind::JudgmentDefaulter));
        assert!(!importable(RecordKind::BiddingBan));
        assert!(!importable(RecordKind::PlatformFinding));
        assert!(!importable(RecordKind::Good));
    }
}
