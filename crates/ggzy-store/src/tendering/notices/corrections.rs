//! Corrections (更正公告): a published notice is never edited; its publisher issues a new notice
//! that names it and says what changed, and both stay public side by side.

use crate::actor::Actor;
use crate::db::Db;
use crate::error::{ServiceError, ServiceResult};
use crate::tendering::{begin_as_tenderer, load, log, require_tenderer};
use chrono::{DateTime, Utc};
use ggzy_core::error::text;
use ggzy_core::{FieldError, Invalid};
use serde::Deserialize;
use uuid::Uuid;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectionInput {
    /// What changes, in the words the public will read.
    pub changes: String,
}

/// The lot a published notice belongs to, when it belongs to one.
async fn lot_of_notice(db: &Db, notice: Uuid) -> ServiceResult<(Uuid, String, DateTime<Utc>)> {
    let r: Option<(Option<Uuid>, String, DateTime<Utc>)> = crate::db_opt!(
        db,
        "SELECT lot_id, title, published_at FROM notices WHERE id = $1",
        notice
    );
    let (lot, title, at) = r.ok_or(ServiceError::NotFound("notice"))?;
    let lot = lot.ok_or_else(|| {
        ServiceError::from(FieldError::new(
            "notice",
            "notice.not_a_lot_notice",
            "该公告不属于某一标段或交易，不能更正",
            "This notice belongs to no lot or grant and cannot be corrected here",
        ))
    })?;
    Ok((lot, title, at))
}

/// Whether `actor` may correct the notice: its lot's principal or agency.
pub async fn may_correct(db: &Db, actor: &Actor, notice: Uuid) -> bool {
    match lot_of_notice(db, notice).await {
        Ok((lot, _, _)) => match load(db, lot).await {
            Ok(lot) => require_tenderer(actor, &lot).is_ok(),
            Err(_) => false,
        },
        Err(_) => false,
    }
}

/// Publish a correction of `notice`, linked to it, by the lot's tenderer.
pub async fn correct_notice(
    db: &Db,
    actor: &Actor,
    notice: Uuid,
    input: &CorrectionInput,
    now: DateTime<Utc>,
) -> ServiceResult<Uuid> {
    let (lot_id, original, published_at) = lot_of_notice(db, notice).await?;
    // Who may correct is decided before what they wrote is judged.
    let (mut tx, lot, grant) = begin_as_tenderer(db, actor, lot_id).await?;
    let mut errs = Invalid::default();
    let Some(changes) = text(&mut errs, "changes", &input.changes, 20_000) else {
        return Err(errs.into());
    };
    let title = format!("{original}（更正公告）");
    let body = format!(
        "{title}\n统一交易标识码：{}\n原公告：{original}（{}发布）\n更正事项：\n{changes}\n\n除上述更正事项外，原公告其他内容不变。",
        lot.trade_code,
        crate::tendering::notices_fmt(published_at)
    );
    let id = super::lot_notice(
        &mut tx,
        &lot,
        "correction",
        &title,
        &body,
        None,
        Some(notice),
        now,
    )
    .await?;
    log(
        &mut tx,
        actor,
        Some(&grant),
        &lot,
        "lot.notice_corrected",
        serde_json::json!({"notice": notice, "correction": id}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}
