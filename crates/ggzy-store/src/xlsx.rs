//! Reading a bank's XLSX statement export into rows of text cells, the same shape as CSV rows,
//! so [`ggzy_core::deposit::parse_statement`] reads either.
//!
//! An upload is hostile until read: a workbook is a zip of XML, and both layers can promise far
//! more than their bytes (a 1.5 KB sheet whose dimension is A1:XFD1048576, a kilobyte of deflate
//! that inflates to gigabytes). So the reader is bounded by what it builds, not by the upload's
//! size: every zip entry is inflated against a cap before the workbook is opened, the cells are
//! streamed (never a rows × columns grid taken from the sheet's own claim) and the rows, columns
//! and cells kept are counted against [`Limits`]. Anything past them is bad input, never a crash.

use calamine::{DataRef, Reader, Xlsx};
use ggzy_core::FieldError;
use std::collections::BTreeMap;
use std::io::{Cursor, Read};

/// What one statement may build. A bank's daily export has hundreds of lines; these leave room
/// for a year of them and stay a few megabytes in memory.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Entries in the zip archive.
    pub entries: usize,
    /// Inflated bytes of one entry.
    pub entry_bytes: u64,
    /// Inflated bytes of the whole archive.
    pub total_bytes: u64,
    pub rows: u32,
    pub columns: u32,
    /// Non-empty cells kept.
    pub cells: usize,
}

pub const LIMITS: Limits = Limits {
    entries: 64,
    entry_bytes: 16 << 20,
    total_bytes: 32 << 20,
    rows: 50_000,
    columns: 64,
    cells: 500_000,
};

/// The field a refused workbook is reported on.
pub const FIELD: &str = "xlsx_base64";

fn unreadable() -> FieldError {
    FieldError::new(
        FIELD,
        "deposit.xlsx",
        "无法读取 XLSX 文件（应为银行导出的 Excel 2007+ 对账单，第一个工作表）",
        "The XLSX file cannot be read (a bank's Excel 2007+ statement, first sheet)",
    )
}

fn too_big(zh: String, en: String) -> FieldError {
    FieldError::new(FIELD, "deposit.xlsx_beyond_limits", zh, en)
}

fn cell(d: &DataRef<'_>) -> String {
    match d {
        DataRef::Empty | DataRef::Error(_) => String::new(),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_string(),
        // Amounts: whole yuan print without ".0"; fen keep two places.
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        DataRef::Float(f) => format!("{f:.2}"),
        DataRef::Int(i) => i.to_string(),
        DataRef::Bool(b) => b.to_string(),
        // Excel counts days from 1899-12-30 (the 1900 leap-year bug included).
        DataRef::DateTime(t) => {
            let days = t.as_f64().floor();
            chrono::NaiveDate::from_ymd_opt(1899, 12, 30)
                .filter(|_| days.is_finite() && days.abs() < 1e7)
                .and_then(|d| d.checked_add_signed(chrono::Duration::days(days as i64)))
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default()
        }
    }
}

/// Inflates every entry against the caps without keeping it: a zip bomb is refused here, before
/// the workbook reader holds any of it.
fn check_archive(bytes: &[u8], l: &Limits) -> Result<(), FieldError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| unreadable())?;
    if zip.len() > l.entries {
        return Err(too_big(
            format!("XLSX 文件包含 {} 个部件，超过上限 {}", zip.len(), l.entries),
            format!(
                "The XLSX file has {} parts, more than {}",
                zip.len(),
                l.entries
            ),
        ));
    }
    let mut total = 0u64;
    let mut buf = vec![0u8; 64 * 1024];
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|_| unreadable())?;
        let mut n = 0u64;
        loop {
            let got = entry.read(&mut buf).map_err(|_| unreadable())?;
            if got == 0 {
                break;
            }
            n += got as u64;
            total += got as u64;
            if n > l.entry_bytes || total > l.total_bytes {
                return Err(too_big(
                    format!(
                        "XLSX 文件解压后超过 {} MiB，不像银行对账单",
                        l.total_bytes >> 20
                    ),
                    format!(
                        "The XLSX file inflates past {} MiB, which no bank statement does",
                        l.total_bytes >> 20
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// The first sheet's rows, bounded by [`LIMITS`].
pub fn rows(bytes: &[u8]) -> Result<Vec<Vec<String>>, FieldError> {
    rows_within(bytes, &LIMITS)
}

/// The first sheet's non-empty rows, each as wide as its last non-empty cell.
pub fn rows_within(bytes: &[u8], l: &Limits) -> Result<Vec<Vec<String>>, FieldError> {
    check_archive(bytes, l)?;
    let mut book = Xlsx::new(Cursor::new(bytes)).map_err(|_| unreadable())?;
    let first = book.sheet_names().first().cloned().ok_or_else(unreadable)?;
    let mut cells = book
        .worksheet_cells_reader(&first)
        .map_err(|_| unreadable())?;
    let mut kept: BTreeMap<u32, BTreeMap<u32, String>> = BTreeMap::new();
    let mut count = 0usize;
    while let Some(c) = cells.next_cell().map_err(|_| unreadable())? {
        let (row, col) = c.get_position();
        let text = cell(c.get_value());
        if text.trim().is_empty() {
            continue;
        }
        if row >= l.rows || col >= l.columns {
            return Err(too_big(
                format!(
                    "对账单最多 {} 行、{} 列，第一个工作表在第 {} 行第 {} 列仍有数据",
                    l.rows,
                    l.columns,
                    row + 1,
                    col + 1
                ),
                format!(
                    "A statement has at most {} rows and {} columns; the first sheet has data at row {}, column {}",
                    l.rows,
                    l.columns,
                    row + 1,
                    col + 1
                ),
            ));
        }
        count += 1;
        if count > l.cells {
            return Err(too_big(
                format!("对账单最多 {} 个非空单元格", l.cells),
                format!("A statement has at most {} non-empty cells", l.cells),
            ));
        }
        kept.entry(row).or_default().insert(col, text);
    }
    Ok(kept
        .into_values()
        .map(|r| {
            let width = r.keys().next_back().map_or(0, |c| *c as usize + 1);
            let mut v = vec![String::new(); width];
            for (c, t) in r {
                v[c as usize] = t;
            }
            v
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_bad_input() {
        for bytes in [&b""[..], b"PK\x03\x04garbage", &[0xff; 64]] {
            assert_eq!(rows(bytes).expect_err("refused").code, "deposit.xlsx");
        }
    }
}
