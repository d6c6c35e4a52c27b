//! Ending a procedure before the award (终止招标／终止采购活动): the tenderer or buyer ends it
//! with a reason, a termination notice names the notice it ends, every bidder and applicant is
//! told, bonds fall due for refund, the lot's timers stop, and for procurement the supervisor is
//! alerted, because the buyer must report why the purchase was cancelled (87号令 Art 29).

use crate::actor::Actor;
use crate::db::Db;
use crate::error::ServiceResult;
use crate::tendering::{begin_as_tenderer, push, step};
use crate::{tx_all, tx_exec, tx_opt};
use chrono::{DateTime, NaiveDate, Utc};
use ggzy_core::clock::truncate_micros;
use ggzy_core::error::text;
use ggzy_core::procedure::Command;
use ggzy_core::{Invalid, Money};
use serde::Deserialize;
use uuid::Uuid;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TerminationInput {
    /// Why the procedure ends, in the words the public will read.
    pub reason: String,
    /// Procurement only: a major change cancelled the purchase itself, the one ground on which a
    /// published procurement may end (87号令 Art 29).
    #[serde(default)]
    pub purchase_cancelled: bool,
}

/// End the lot's procedure and publish its termination notice; returns the notice.
pub async fn terminate(
    db: &Db,
    actor: &Actor,
    lot_id: Uuid,
    input: &TerminationInput,
    now: DateTime<Utc>,
) -> ServiceResult<Uuid> {
    let (mut tx, mut lot, grant) = begin_as_tenderer(db, actor, lot_id).await?;
    let mut errs = Invalid::default();
    let Some(reason) = text(&mut errs, "reason", &input.reason, 2_000) else {
        return Err(errs.into());
    };
    let reason_sm3 = ggzy_seal::to_hex(&ggzy_seal::sm3(&[reason.as_bytes()]));
    let opened = lot.state.stage.opened();
    step(
        &mut tx,
        &mut lot,
        actor,
        Some(&grant),
        &Command::Terminate {
            purchase_cancelled: input.purchase_cancelled,
        },
        now,
        serde_json::json!({ "reason_sm3": reason_sm3 }),
    )
    .await?;

    let (refund_by, bonds) = wind_up(&mut tx, &lot, now).await?;

    // The termination names the notice that started the procedure.
    let original: Option<(Uuid, String, DateTime<Utc>)> = tx_opt!(
        &mut tx,
        "SELECT id, title, published_at FROM notices WHERE lot_id = $1 AND notice_kind IN ('tender', 'prequal', 'single_source') ORDER BY seq LIMIT 1",
        lot.id
    );
    let title = format!("{}{}终止公告", lot.project_name, lot.name);
    let original_line = original.as_ref().map_or_else(
        || "（以投标邀请书邀请）".to_string(),
        |(_, t, at)| format!("{t}（{}发布）", crate::tendering::notices_fmt(*at)),
    );
    let (basis, bond_line) = match lot.gp {
        Some(_) => (
            "因重大变故采购任务取消，本项目终止采购活动（政府采购货物和服务招标投标管理办法 第29条）。",
            "已收取的投标保证金及其在银行产生的孳息",
        ),
        None if opened => (
            "招标人终止招标（招标投标法实施条例 第31条），评标不再进行。",
            "已收取的投标保证金及银行同期存款利息",
        ),
        None => (
            "招标人终止招标（招标投标法实施条例 第31条）。已递交的投标文件不再开启。",
            "已收取的投标保证金及银行同期存款利息",
        ),
    };
    let bonds_total: i64 = bonds.iter().map(|b| b.1).sum();
    let body = format!(
        "{title}\n统一交易标识码：{}\n原公告：{original_line}\n终止原因：{reason}\n\n{basis}\n{}",
        lot.trade_code,
        if bonds_total > 0 {
            format!(
                "{bond_line}（共 {}）将于 {refund_by} 前退还。",
                Money::from_fen(bonds_total).grouped()
            )
        } else {
            "本项目未收取投标保证金。".to_string()
        }
    );
    let notice = crate::tendering::notices::lot_notice(
        &mut tx,
        &lot,
        "termination",
        &title,
        &body,
        None,
        original.as_ref().map(|o| o.0),
        now,
    )
    .await?;

    let mut told: Vec<Uuid> = bonds.iter().map(|b| b.0).collect();
    told.extend(lot.state.applicants.iter().copied());
    told.extend(lot.state.admitted.iter().flatten().copied());
    told.sort_unstable();
    told.dedup();
    for entity in told {
        push(&mut tx, entity, lot.id, "terminated", &title, &body, now).await?;
    }
    if lot.gp.is_some() {
        crate::alerts::raise(
            &mut tx,
            &lot,
            "procedure.terminated",
            ggzy_core::alert::Severity::Low,
            serde_json::json!({ "notice": notice, "reason_sm3": reason_sm3 }),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(notice)
}

/// What every ended procedure does, however it ended: each active bond falls due for refund,
/// and the lot's timers stop. Returns the refund date and the bonds (bidder, amount).
pub(crate) async fn wind_up(
    tx: &mut crate::db::Tx,
    lot: &crate::tendering::LotRow,
    now: DateTime<Utc>,
) -> ServiceResult<(NaiveDate, Vec<(Uuid, i64)>)> {
    let refund_by: NaiveDate = match &lot.gp {
        Some(gp) => crate::calendar::load_tx(tx)
            .await?
            .add_working_days(crate::tendering::day(now), gp.bond_refund_within.value),
        None => ggzy_core::tender_schedule::withdrawal_refund_due(&lot.pack, now),
    };
    let bonds: Vec<(Uuid, i64)> = tx_all!(
        tx,
        "SELECT bidder_id, bond FROM bids WHERE lot_id = $1 AND status = 'active'",
        lot.id
    );
    for (bidder, bond) in bonds.iter().filter(|b| b.1 > 0) {
        tx_exec!(
            tx,
            "INSERT INTO bond_refunds (lot_id, bidder_id, amount, due_on) VALUES ($1, $2, $3, $4) ON CONFLICT (lot_id, bidder_id) DO NOTHING",
            lot.id,
            bidder,
            bond,
            refund_by
        );
    }
    tx_exec!(
        tx,
        "UPDATE schedule SET fired_at = $1, outcome = 'cancelled: terminated' WHERE lot_id = $2 AND fired_at IS NULL",
        truncate_micros(now),
        lot.id
    );

    Ok((refund_by, bonds))
}
