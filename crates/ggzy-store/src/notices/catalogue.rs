//! The disclosure catalogue as data: shipped with the statutory defaults of
//! [`ggzy_core::notice::DEFAULT_CATALOGUE`], kept by admins, read by every publication.

use crate::actor::Actor;
use crate::db::Db;
use crate::error::{ServiceError, ServiceResult};
use crate::events::{self, NewEvent};
use crate::{db_all, db_exec, tx_exec, tx_opt};
use chrono::{DateTime, Utc};
use ggzy_core::clock::truncate_micros;
use ggzy_core::notice::{DEFAULT_CATALOGUE, check_edit};
use ggzy_core::role::Permission;
use ggzy_core::rulepack::Confidence;
use ggzy_core::{FieldError, Invalid};
use serde::{Deserialize, Serialize};

/// One line of the catalogue as kept.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct NoticeKind {
    pub trade_kind: String,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// The labels its text must carry, as JSON; see `content()`.
    #[serde(skip)]
    pub content: String,
    pub moment_zh: String,
    pub moment_en: String,
    pub min_days: Option<i64>,
    pub working_days: bool,
    pub basis: String,
    /// `verified`, `secondary` or `unconfirmed` (RULES.md §0.1).
    pub confidence: String,
    pub updated_at: Option<DateTime<Utc>>,
}

impl NoticeKind {
    pub fn content(&self) -> Vec<String> {
        serde_json::from_str(&self.content).unwrap_or_default()
    }
}

/// The catalogue line with its labels spelled out, as the API and the public page give it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NoticeKindView {
    #[serde(flatten)]
    pub kind: NoticeKind,
    pub required_content: Vec<String>,
}

fn confidence(c: Confidence) -> &'static str {
    match c {
        Confidence::Verified => "verified",
        Confidence::Secondary => "secondary",
        Confidence::Unconfirmed => "unconfirmed",
    }
}

/// Add the shipped lines the table lacks; lines admins have kept are left as they are.
pub async fn seed_catalogue(db: &Db) -> ServiceResult<()> {
    for (i, k) in DEFAULT_CATALOGUE.iter().enumerate() {
        db_exec!(
            db,
            "INSERT INTO notice_kinds (trade_kind, code, position, name_zh, name_en, content, moment_zh, moment_en, min_days, working_days, basis, confidence)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (trade_kind, code) DO NOTHING",
            k.trade_kind,
            k.code,
            i as i64,
            k.name_zh,
            k.name_en,
            serde_json::to_string(k.content).unwrap_or_else(|_| "[]".into()),
            k.moment_zh,
            k.moment_en,
            k.min_days.map(i64::from),
            k.working_days,
            k.basis,
            confidence(k.confidence)
        );
    }
    Ok(())
}

const KIND_COLUMNS: &str = "trade_kind, code, name_zh, name_en, content, moment_zh, moment_en, min_days, working_days, basis, confidence, updated_at";

/// The whole catalogue, by trade kind in the order a deal publishes.
pub async fn catalogue(db: &Db) -> ServiceResult<Vec<NoticeKindView>> {
    let sql = format!(
        "SELECT {KIND_COLUMNS} FROM notice_kinds ORDER BY CASE trade_kind WHEN 'construction' THEN 1 WHEN 'procurement' THEN 2 WHEN 'land_mining' THEN 3 ELSE 4 END, position"
    );
    let rows: Vec<NoticeKind> = db_all!(db, sqlx::AssertSqlSafe(sql));
    Ok(rows
        .into_iter()
        .map(|kind| NoticeKindView {
            required_content: kind.content(),
            kind,
        })
        .collect())
}

/// An admin's change to one line: its content, period, moment or basis. Names stay as shipped,
/// so a notice's kind means the same thing on every page.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeKindEdit {
    pub required_content: Vec<String>,
    pub min_days: Option<i64>,
    #[serde(default)]
    pub working_days: bool,
    pub moment_zh: String,
    pub moment_en: String,
    pub basis: String,
    /// `verified`, `secondary` or `unconfirmed`.
    pub confidence: String,
}

pub async fn update_kind(
    db: &Db,
    actor: &Actor,
    trade_kind: &str,
    code: &str,
    edit: &NoticeKindEdit,
    now: DateTime<Utc>,
) -> ServiceResult<NoticeKindView> {
    actor.require_any(Permission::ConfigAdmin)?;
    let mut errs = Invalid::default();
    let content: Vec<String> = edit
        .required_content
        .iter()
        .map(|s| s.trim().to_string())
        .collect();
    if let Err(e) = check_edit(&content, edit.min_days, &edit.basis) {
        e.into_iter().for_each(|e| errs.push(e));
    }
    let moment_zh = ggzy_core::error::text(&mut errs, "moment_zh", &edit.moment_zh, 200);
    let moment_en = ggzy_core::error::text(&mut errs, "moment_en", &edit.moment_en, 200);
    if !["verified", "secondary", "unconfirmed"].contains(&edit.confidence.as_str()) {
        errs.push(FieldError::new(
            "confidence",
            "catalogue.bad_confidence",
            "可信度应为 verified、secondary 或 unconfirmed",
            "Confidence must be verified, secondary or unconfirmed",
        ));
    }
    errs.into_result(())?;
    let (moment_zh, moment_en) = (moment_zh.unwrap_or_default(), moment_en.unwrap_or_default());
    let mut tx = db.begin().await?;
    let found: Option<(String,)> = tx_opt!(
        &mut tx,
        "SELECT code FROM notice_kinds WHERE trade_kind = $1 AND code = $2",
        trade_kind,
        code
    );
    if found.is_none() {
        return Err(ServiceError::NotFound("notice kind"));
    }
    let json = serde_json::to_string(&content).unwrap_or_else(|_| "[]".into());
    tx_exec!(
        &mut tx,
        "UPDATE notice_kinds SET content = $1, min_days = $2, working_days = $3, moment_zh = $4, moment_en = $5, basis = $6, confidence = $7, updated_by = $8, updated_at = $9
         WHERE trade_kind = $10 AND code = $11",
        &json,
        edit.min_days,
        edit.working_days,
        &moment_zh,
        &moment_en,
        edit.basis.trim(),
        &edit.confidence,
        actor.account_id,
        truncate_micros(now),
        trade_kind,
        code
    );
    events::append(
        &mut tx,
        NewEvent::by(
            actor,
            &admin_region(actor),
            "catalogue.notice_kind_changed",
            format!("notice_kind:{trade_kind}/{code}"),
            serde_json::json!({
                "required_content": content,
                "min_days": edit.min_days,
                "working_days": edit.working_days,
                "basis": edit.basis.trim(),
                "confidence": edit.confidence,
            }),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    catalogue(db)
        .await?
        .into_iter()
        .find(|k| k.kind.trade_kind == trade_kind && k.kind.code == code)
        .ok_or(ServiceError::NotFound("notice kind"))
}

/// The catalogue is national, like the holiday table: the event names the region of the
/// admin's grant.
fn admin_region(actor: &Actor) -> String {
    actor
        .grants
        .iter()
        .find(|g| g.role.permissions().contains(&Permission::ConfigAdmin))
        .map_or_else(|| "000000".into(), |g| g.region.to_string())
}
