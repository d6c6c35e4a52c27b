//! Changes to a grant's published notices (变更公告): the centre of the grant's region publishes
//! a new notice naming the one it changes; the original is never edited.

use super::*;
use crate::tendering::notices::CorrectionInput;

/// Whether `actor` may change the grant's notices: its region's centre staff.
pub async fn may_correct(db: &Db, actor: &Actor, grant: Uuid) -> bool {
    match load(db, grant).await {
        Ok(row) => staff_of(actor, &row).is_ok(),
        Err(_) => false,
    }
}

/// Publish a change of `notice` (one of `grant`'s notices), linked to it.
pub async fn correct_notice(
    db: &Db,
    actor: &Actor,
    grant: Uuid,
    notice: Uuid,
    input: &CorrectionInput,
    now: DateTime<Utc>,
) -> ServiceResult<Uuid> {
    let (mut tx, row) = begin_as_staff(db, actor, grant).await?;
    let mut errs = Invalid::default();
    let Some(changes) = text(&mut errs, "changes", &input.changes, 20_000) else {
        return Err(errs.into());
    };
    let found: Option<(String, DateTime<Utc>)> = crate::tx_opt!(
        &mut tx,
        "SELECT title, published_at FROM notices WHERE id = $1 AND grant_id = $2",
        notice,
        grant
    );
    let (original, published_at) = found.ok_or(ServiceError::NotFound("notice"))?;
    let deal = ggzy_core::grant::deal_code(row.no);
    let title = format!("{original}（变更公告）");
    let body = format!(
        "{title}\n统一交易标识码：{deal}\n原公告：{original}（{}发布）\n更正事项：\n{changes}\n\n除上述变更事项外，原公告其他内容不变。",
        crate::tendering::notices_fmt(published_at)
    );
    let (id, _) = crate::notices::publish(
        &mut tx,
        &crate::notices::NewNotice {
            trade_kind: row.kind.notice_sector(),
            notice_kind: "correction",
            title: &title,
            body: &body,
            region: &row.region,
            deal_code: Some(&deal),
            grant_id: Some(grant),
            corrects: Some(notice),
            ..Default::default()
        },
        now,
    )
    .await?;
    log(
        &mut tx,
        actor,
        &row.region,
        grant,
        "grant.notice_corrected",
        serde_json::json!({"notice": notice, "correction": id}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}
