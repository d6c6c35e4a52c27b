//! Ending a grant before its close (终止出让／终结交易): the centre ends it with a reason, the
//! bidding stops at that instant, every deposit received falls due for refund, and a termination
//! notice names the announcement it ends.

use super::*;
use crate::tx_exec;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[schema(as = GrantTerminationInput)]
#[serde(deny_unknown_fields)]
pub struct TerminationInput {
    /// Why the trade ends (the grantor's decision, a court's seizure, …), as the public reads it.
    pub reason: String,
}

/// End the grant while it is still bidding; returns the termination notice.
pub async fn terminate(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    input: &TerminationInput,
    now: DateTime<Utc>,
) -> ServiceResult<Uuid> {
    let (mut tx, row) = begin_as_staff(db, actor, id).await?;
    let mut errs = Invalid::default();
    let Some(reason) = text(&mut errs, "reason", &input.reason, 2_000) else {
        return Err(errs.into());
    };
    let next = decided(&row, &GrantCommand::Terminate, now)?;
    for auction in std::iter::once(row.auction_id).chain(row.final_auction_id) {
        auctions::halt(&mut tx, actor, auction, now).await?;
    }
    let cal = crate::calendar::load_tx(&mut tx).await?;
    let refund_by = row
        .kind
        .pack()
        .deposit_refund_within
        .value
        .end(&cal, cn_date(now));
    let refunds = tx_exec!(
        &mut tx,
        "UPDATE grant_applications SET refund_due = $1 WHERE grant_id = $2 AND received > 0 AND refund_due IS NULL",
        refund_by,
        id
    );
    tx_exec!(
        &mut tx,
        "UPDATE grants SET state = $1, closed_at = $2 WHERE id = $3",
        Coded(next),
        truncate_micros(now),
        id
    );

    let announcement: Option<(Uuid, String, DateTime<Utc>)> = tx_opt!(
        &mut tx,
        "SELECT id, title, published_at FROM notices WHERE grant_id = $1 AND notice_kind = 'announcement' ORDER BY seq LIMIT 1",
        id
    );
    let deal = ggzy_core::grant::deal_code(row.no);
    let title = format!("终止公告：{}", row.name);
    let body = format!(
        "{title}\n统一交易标识码：{deal}\n原公告：{}\n标的：{}（{}）\n终止原因：{reason}\n\n本次交易自 {} 起终止，竞价同时停止。已交纳的竞买保证金于 {refund_by} 前原路退还，不计利息。\n",
        announcement.as_ref().map_or_else(
            || row.name.clone(),
            |(_, t, at)| format!("{t}（{}发布）", crate::tendering::notices_fmt(*at))
        ),
        row.name,
        row.kind.label_zh(),
        crate::tendering::notices_fmt(now),
    );
    let (notice, _) = crate::notices::publish(
        &mut tx,
        &crate::notices::NewNotice {
            trade_kind: row.kind.notice_sector(),
            notice_kind: "termination",
            title: &title,
            body: &body,
            region: &row.region,
            deal_code: Some(&deal),
            grant_id: Some(id),
            corrects: announcement.as_ref().map(|a| a.0),
            ..Default::default()
        },
        now,
    )
    .await?;
    log(
        &mut tx,
        actor,
        &row.region,
        id,
        "grant.terminated",
        serde_json::json!({
            "notice": notice,
            "reason_sm3": ggzy_seal::to_hex(&ggzy_seal::sm3(&[reason.as_bytes()])),
            "deposits_due": refunds,
            "refund_by": refund_by,
        }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(notice)
}
