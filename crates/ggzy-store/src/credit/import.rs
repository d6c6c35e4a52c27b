//! Importing the national lists. A file is read by [`ggzy_core::credit::lists`]; its entries are
//! stored as records of the list, once — an entry already held (the same list, decision, company
//! and kind) is counted and left as it is, so the same file imported twice adds nothing — and the
//! import is one event in the log with its counts and the file's SM3, which every record it added
//! points to.

use super::{COLUMNS, RecordRow};
use crate::db::{Db, Tx};
use crate::error::{OrInternal, ServiceResult};
use crate::events::{self, NewEvent};
use crate::xlsx;
use crate::{db_opt, on_tx, tx_exec};
use chrono::{DateTime, Utc};
use ggzy_core::FieldError;
use ggzy_core::clock::truncate_micros;
use ggzy_core::credit::lists::{self, Parsed, RowRefusal};
use ggzy_core::credit::{CreditPack, RecordKind, RecordStatus, period};
use serde::Serialize;
use uuid::Uuid;

/// How a list file is written, by its name's ending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListFormat {
    Csv,
    Xlsx,
    Json,
}

impl ListFormat {
    pub fn of_name(name: &str) -> Option<Self> {
        let lower = name.to_ascii_lowercase();
        [
            (".csv", Self::Csv),
            (".xlsx", Self::Xlsx),
            (".json", Self::Json),
        ]
        .into_iter()
        .find(|(ext, _)| lower.ends_with(ext))
        .map(|(_, f)| f)
    }
}

/// The list a file in the import folder holds, by the start of its name
/// (`judgment_defaulter-2026-12-01.csv`).
pub fn list_of_name(name: &str) -> Option<RecordKind> {
    RecordKind::ALL
        .into_iter()
        .filter(|k| lists::importable(*k))
        .find(|k| name.starts_with(k.code()))
}

/// What an import did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    pub list: String,
    pub file: String,
    /// SM3 of the file's bytes, hex.
    pub sm3: String,
    /// Data rows read (the header left out).
    pub rows: usize,
    pub added: usize,
    /// Entries already on record from an earlier import.
    pub already_held: usize,
    pub refused: Vec<RowRefusal>,
    /// The log event of the import.
    pub event_seq: i64,
}

/// Read a list file into entries; a file that cannot be read at all is one field error.
pub fn read(kind: RecordKind, name: &str, bytes: &[u8]) -> Result<Parsed, FieldError> {
    if !lists::importable(kind) {
        return Err(FieldError::new(
            "list",
            "credit.not_a_list",
            "只能导入行政处罚、失信被执行人、重大税收违法失信主体和政府采购严重违法失信行为记录名单",
            "Only penalty, defaulter, tax-violator and procurement-violation lists are imported",
        ));
    }
    if bytes.len() > lists::MAX_BYTES {
        return Err(FieldError::new(
            lists::FILE,
            "credit.file_too_large",
            format!("文件不能超过{} MiB", lists::MAX_BYTES >> 20),
            format!("A file is at most {} MiB", lists::MAX_BYTES >> 20),
        ));
    }
    let text = || {
        std::str::from_utf8(bytes).map_err(|_| {
            FieldError::new(
                lists::FILE,
                "credit.not_utf8",
                "CSV 和 JSON 文件应为 UTF-8 编码",
                "CSV and JSON files are UTF-8",
            )
        })
    };
    match ListFormat::of_name(name) {
        Some(ListFormat::Csv) => lists::from_rows(
            kind,
            &lists::csv_rows_within(text()?, lists::MAX_ROWS + 1, lists::MAX_COLUMNS)?,
        ),
        Some(ListFormat::Json) => lists::from_json(kind, text()?),
        Some(ListFormat::Xlsx) => {
            let limits = xlsx::Limits {
                rows: lists::MAX_ROWS as u32 + 1,
                columns: lists::MAX_COLUMNS as u32,
                cells: (lists::MAX_ROWS + 1) * 16,
                ..xlsx::LIMITS
            };
            let rows = xlsx::rows_within(bytes, &limits).map_err(|mut e| {
                e.field = lists::FILE.into();
                e
            })?;
            lists::from_rows(kind, &rows)
        }
        None => Err(FieldError::new(
            lists::FILE,
            "credit.unknown_format",
            "文件应为 .csv、.xlsx 或 .json",
            "A list file is .csv, .xlsx or .json",
        )),
    }
}

/// Import one list file of `kind`, received as `name`, into the platform's root region.
pub async fn import(
    db: &Db,
    kind: RecordKind,
    name: &str,
    bytes: &[u8],
    now: DateTime<Utc>,
) -> ServiceResult<ImportReport> {
    let parsed = read(kind, name, bytes)?;
    let region: Option<(String,)> = db_opt!(
        db,
        "SELECT code FROM regions WHERE parent_code IS NULL ORDER BY code LIMIT 1"
    );
    let Some((region,)) = region else {
        return Err(FieldError::new(
            "region",
            "credit.no_region",
            "平台尚未设置行政区划",
            "The platform has no region yet",
        )
        .into());
    };
    let sm3 = hex::encode(ggzy_seal::sm3(&[bytes]));
    let pack = CreditPack::v2026();
    let source = format!("list:{}", kind.code());
    let mut tx = db.begin().await?;
    let mut added = 0;
    for (_, e) in &parsed.entries {
        let (starts_at, ends_at) = period(e.starts_on, e.ends_on);
        let row = RecordRow {
            id: Uuid::now_v7(),
            uscc: e.uscc.as_str().to_string(),
            entity_name: e.name.clone(),
            kind: kind.code().into(),
            ground: None,
            major: e.major,
            source: source.clone(),
            decision_no: e.decision_no.clone(),
            authority: e.authority.clone(),
            basis: e.basis.clone(),
            facts: e.facts.clone(),
            decided_on: e.decided_on,
            starts_at,
            ends_at,
            published_until: pack.default_publication(kind, e.decided_on, e.ends_on),
            status: RecordStatus::Active.code().into(),
            evidence: "[]".into(),
            region_code: region.clone(),
            recorded_at: truncate_micros(now),
            event_seq: 0,
        };
        added += write_new(&mut tx, &row).await?;
    }
    let report = ImportReport {
        list: kind.code().into(),
        file: name.chars().take(200).collect(),
        sm3,
        rows: parsed.entries.len() + parsed.refused.len(),
        added: added as usize,
        already_held: parsed.entries.len() - added as usize,
        refused: parsed.refused,
        event_seq: 0,
    };
    let ev = events::append(
        &mut tx,
        NewEvent {
            actor_id: None,
            actor_role: "system".into(),
            address: String::new(),
            region_code: region,
            kind: "credit.imported",
            subject: format!("credit_list:{}", kind.code()),
            payload: serde_json::json!({
                "list": report.list,
                "file": report.file,
                "sm3": report.sm3,
                "rows": report.rows,
                "added": report.added,
                "already_held": report.already_held,
                "refused": report.refused.len(),
            }),
        },
        now,
    )
    .await?;
    // The records added point to the import that brought them (they were written before the
    // event's number was known; no other writer leaves a record at 0).
    tx_exec!(
        &mut tx,
        "UPDATE credit_records SET event_seq = $1 WHERE event_seq = 0 AND source = $2",
        ev.seq,
        &source
    );
    tx.commit().await?;
    Ok(ImportReport {
        event_seq: ev.seq,
        ..report
    })
}

/// Store a record unless it is already held; 1 if it was added.
async fn write_new(tx: &mut Tx, row: &RecordRow) -> ServiceResult<u64> {
    let n = on_tx!(tx, |c| {
        sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO credit_records ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20) ON CONFLICT (source, decision_no, uscc, kind) DO NOTHING"
    )))
    .bind(row.id)
    .bind(&row.uscc)
    .bind(&row.entity_name)
    .bind(&row.kind)
    .bind(&row.ground)
    .bind(row.major)
    .bind(&row.source)
    .bind(&row.decision_no)
    .bind(&row.authority)
    .bind(&row.basis)
    .bind(&row.facts)
    .bind(row.decided_on)
    .bind(row.starts_at)
    .bind(row.ends_at)
    .bind(row.published_until)
    .bind(&row.status)
    .bind(&row.evidence)
    .bind(&row.region_code)
    .bind(row.recorded_at)
    .bind(row.event_seq)
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    .or_internal()
    });
    n
}

/// Import every list file waiting in `dir` (named for its list, e.g.
/// `judgment_defaulter-2026-12-01.csv`): each imported file moves to `dir/done/` with its report
/// beside it; a file that cannot be read moves to `dir/refused/` with the reason.
pub async fn import_folder(
    db: &Db,
    dir: &std::path::Path,
    now: DateTime<Utc>,
) -> ServiceResult<Vec<ImportReport>> {
    let mut names: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .or_internal()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    names.sort();
    let mut out = vec![];
    for path in names {
        let Some(name) = path
            .file_name()
            .and_then(|n| n.to_str())
            .map(str::to_string)
        else {
            continue;
        };
        if name.starts_with('.') || ListFormat::of_name(&name).is_none() {
            continue;
        }
        let result = match list_of_name(&name) {
            Some(kind) => {
                let bytes = std::fs::read(&path).or_internal()?;
                import(db, kind, &name, &bytes, now).await
            }
            None => Err(FieldError::new(
                "list",
                "credit.unknown_list",
                "文件名应以名单类别开头，如 judgment_defaulter-2026-12-01.csv",
                "A file's name starts with its list, e.g. judgment_defaulter-2026-12-01.csv",
            )
            .into()),
        };
        let (to, note) = match &result {
            Ok(r) => ("done", serde_json::to_string_pretty(r).or_internal()?),
            Err(e) => ("refused", e.to_string()),
        };
        let target = dir.join(to);
        std::fs::create_dir_all(&target).or_internal()?;
        std::fs::write(target.join(format!("{name}.report.json")), note).or_internal()?;
        std::fs::rename(&path, target.join(&name)).or_internal()?;
        match result {
            Ok(r) => out.push(r),
            Err(e) => tracing::warn!(file = %name, error = %e, "credit list refused"),
        }
    }
    Ok(out)
}
