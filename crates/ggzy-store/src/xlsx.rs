//! Reading a bank's XLSX statement export into rows of text cells, the same shape as CSV rows,
//! so [`ggzy_core::deposit::parse_statement`] reads either.

use calamine::{Data, Reader, Xlsx};
use ggzy_core::FieldError;
use std::io::Cursor;

fn unreadable() -> FieldError {
    FieldError::new(
        "xlsx_base64",
        "deposit.xlsx",
        "无法读取 XLSX 文件（应为银行导出的 Excel 2007+ 对账单，第一个工作表）",
        "The XLSX file cannot be read (a bank's Excel 2007+ statement, first sheet)",
    )
}

fn cell(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        // Amounts: whole yuan print without ".0"; fen keep two places.
        Data::Float(f) if f.fract() == 0.0 => format!("{f:.0}"),
        Data::Float(f) => format!("{f:.2}"),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        // Excel counts days from 1899-12-30 (the 1900 leap-year bug included).
        Data::DateTime(t) => chrono::NaiveDate::from_ymd_opt(1899, 12, 30)
            .and_then(|d| d.checked_add_signed(chrono::Duration::days(t.as_f64().floor() as i64)))
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(_) => String::new(),
    }
}

/// The first sheet's rows.
pub fn rows(bytes: &[u8]) -> Result<Vec<Vec<String>>, FieldError> {
    let mut book = Xlsx::new(Cursor::new(bytes)).map_err(|_| unreadable())?;
    let range = book
        .worksheet_range_at(0)
        .ok_or_else(unreadable)?
        .map_err(|_| unreadable())?;
    Ok(range
        .rows()
        .map(|r| r.iter().map(cell).collect::<Vec<_>>())
        .filter(|r| r.iter().any(|c| !c.trim().is_empty()))
        .collect())
}
