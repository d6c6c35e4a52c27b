//! A supervisor's orders on a lot (责令暂停／恢复／改正／终止): each cites its legal basis, is logged,
//! is published as a supervision-order notice and reaches the principal's inbox (and the
//! bidders', when it stops or ends their trade). The engine honours the orders: a suspended lot
//! takes no step but objections until the same order is lifted, even the scheduled opening,
//! which waits. An order to correct waits for the principal's answer; past its due time the
//! scheduler raises an alert.

use crate::actor::Actor;
use crate::db::{Db, Tx};
use crate::error::{ServiceError, ServiceResult};
use crate::tendering::schedule::{CORRECTION_DUE, plan};
use crate::tendering::{LotRow, load_for_update, log, push, require_tenderer, step};
use crate::{db_all, db_opt, tx_all, tx_exec, tx_opt};
use chrono::{DateTime, Utc};
use ggzy_core::clock::truncate_micros;
use ggzy_core::error::text;
use ggzy_core::intervention::{InterventionKind, check_due};
use ggzy_core::procedure::Command;
use ggzy_core::role::Permission;
use ggzy_core::{FieldError, Invalid};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InterventionInput {
    pub kind: InterventionKind,
    /// The legal basis the order rests on, as it will be published (e.g. 招标投标法实施条例 第62条).
    pub basis: String,
    /// Why: the facts the order answers, in the words the public will read.
    pub reason: String,
    /// An order to correct only: by when the principal reports the correction.
    #[serde(default)]
    pub due_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InterventionAnswer {
    /// What the principal corrected, for the supervisor to check.
    pub answer: String,
}

/// An order as everyone may read it: orders are published.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct InterventionView {
    pub id: Uuid,
    pub lot_id: Uuid,
    #[sqlx(try_from = "String")]
    pub kind: InterventionKind,
    pub basis: String,
    pub reason: String,
    pub due_at: Option<DateTime<Utc>>,
    /// A resumption: the suspension it lifts.
    pub lifts: Option<Uuid>,
    pub issued_by: String,
    pub issued_at: DateTime<Utc>,
    pub notice_id: Option<Uuid>,
    pub answer: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
    /// The log event of the order.
    pub event_seq: i64,
}

const SELECT: &str = "SELECT i.id, i.lot_id, i.kind, i.basis, i.reason, i.due_at, i.lifts, COALESCE(a.display_name, a.username) AS issued_by, i.issued_at, i.notice_id, i.answer, i.answered_at, i.event_seq FROM interventions i JOIN accounts a ON a.id = i.issued_by";

/// The orders on a lot, oldest first.
pub async fn for_lot(db: &Db, lot_id: Uuid) -> ServiceResult<Vec<InterventionView>> {
    let sql = format!("{SELECT} WHERE i.lot_id = $1 ORDER BY i.issued_at, i.event_seq");
    Ok(db_all!(db, sqlx::AssertSqlSafe(sql), lot_id))
}

async fn one(db: &Db, id: Uuid) -> ServiceResult<InterventionView> {
    let sql = format!("{SELECT} WHERE i.id = $1");
    let r: Option<InterventionView> = db_opt!(db, sqlx::AssertSqlSafe(sql), id);
    r.ok_or(ServiceError::NotFound("intervention"))
}

async fn one_in(tx: &mut Tx, id: Uuid) -> ServiceResult<InterventionView> {
    let sql = format!("{SELECT} WHERE i.id = $1");
    let r: Option<InterventionView> = tx_opt!(tx, sqlx::AssertSqlSafe(sql), id);
    r.ok_or(ServiceError::NotFound("intervention"))
}

impl InterventionView {
    /// An order to correct its principal has not answered yet.
    pub fn awaits_answer(&self) -> bool {
        self.kind == InterventionKind::Correct && self.answer.is_none()
    }
}

/// Issue an order on a lot of the supervisor's region.
pub async fn order(
    db: &Db,
    actor: &Actor,
    lot_id: Uuid,
    input: &InterventionInput,
    now: DateTime<Utc>,
) -> ServiceResult<InterventionView> {
    let mut tx = db.begin().await?;
    let mut lot = load_for_update(&mut tx, lot_id).await?;
    let grant = actor.require(Permission::Supervise, &lot.region)?.clone();
    let mut errs = Invalid::default();
    let basis = text(&mut errs, "basis", &input.basis, 200);
    let reason = text(&mut errs, "reason", &input.reason, 2_000);
    if let Err(e) = check_due(input.kind, input.due_at, now) {
        errs.push(e);
    }
    let (Some(basis), Some(reason)) = (basis, reason) else {
        return Err(errs.into());
    };
    if !errs.0.is_empty() {
        return Err(errs.into());
    }
    let id = Uuid::now_v7();
    let lifts = lot.state.held_by;
    let cmd = match input.kind {
        InterventionKind::Suspend => Some(Command::Hold { order: id }),
        InterventionKind::Resume => Some(Command::Release {
            order: lifts.ok_or_else(|| {
                ServiceError::Invalid(Invalid(vec![FieldError::new(
                    "kind",
                    "intervention.nothing_to_resume",
                    "本项目没有生效的暂停指令",
                    "No suspension order is in force on this lot",
                )]))
            })?,
        }),
        InterventionKind::Terminate => Some(Command::TerminateByOrder),
        InterventionKind::Correct => None,
    };
    let extra = serde_json::json!({ "intervention": id, "basis": basis });
    if let Some(cmd) = &cmd {
        step(
            &mut tx,
            &mut lot,
            actor,
            Some(&grant),
            cmd,
            now,
            extra.clone(),
        )
        .await?;
    }
    let ev = log(
        &mut tx,
        actor,
        Some(&grant),
        &lot,
        "intervention.ordered",
        serde_json::json!({
            "intervention": id, "kind": input.kind.as_str(), "basis": basis,
            "reason": reason, "due_at": input.due_at,
        }),
        now,
    )
    .await?;
    let refunds = match input.kind {
        InterventionKind::Terminate => Some(super::termination::wind_up(&mut tx, &lot, now).await?),
        _ => None,
    };
    if let Some(due) = input.due_at {
        plan_next_due(&mut tx, lot.id, Some(due)).await?;
    }

    let (kind_zh, _) = input.kind.title();
    let title = format!("{}{}监督指令公告（{kind_zh}）", lot.project_name, lot.name);
    let supervisor = actor
        .display_name
        .clone()
        .or_else(|| actor.username.clone())
        .unwrap_or_default();
    let mut body = format!(
        "{title}\n统一交易标识码：{}\n监督部门：{supervisor}（{}）\n指令：{kind_zh}\n依据：{basis}\n事由：{reason}",
        lot.trade_code,
        lot.region.as_str()
    );
    match input.kind {
        InterventionKind::Suspend => body.push_str(
            "\n\n自本指令发布时起，本项目的交易活动暂停（异议的提出与答复除外），至监督部门发布恢复指令时止；已定的开标等时间顺延至恢复后执行。",
        ),
        InterventionKind::Resume => body.push_str("\n\n本项目自本指令发布时起恢复交易活动。"),
        InterventionKind::Correct => body.push_str(&format!(
            "\n\n请招标人（采购人）于 {} 前改正并通过平台报告改正情况。",
            crate::tendering::notices_fmt(input.due_at.unwrap_or(now))
        )),
        InterventionKind::Terminate => {
            let (refund_by, bonds) = refunds.as_ref().map_or((None, 0), |(d, b)| {
                (Some(*d), b.iter().map(|x| x.1).sum::<i64>())
            });
            body.push_str("\n\n本项目交易活动终止，已递交的投标（响应）文件不再开启或评审。");
            if let (Some(d), true) = (refund_by, bonds > 0) {
                body.push_str(&format!(
                    "已收取的保证金（共 {}）将于 {d} 前退还。",
                    ggzy_core::Money::from_fen(bonds).grouped()
                ));
            }
        }
    }
    let notice = crate::tendering::notices::lot_notice(
        &mut tx,
        &lot,
        "supervision_order",
        &title,
        &body,
        None,
        None,
        now,
    )
    .await?;
    tx_exec!(
        &mut tx,
        "INSERT INTO interventions (id, lot_id, region_code, kind, basis, reason, due_at, lifts, issued_by, issued_at, notice_id, event_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        id,
        lot.id,
        lot.region.as_str(),
        input.kind.as_str(),
        &basis,
        &reason,
        input.due_at.map(truncate_micros),
        if input.kind == InterventionKind::Resume {
            lifts
        } else {
            None
        },
        actor.account_id,
        truncate_micros(now),
        notice,
        ev.seq
    );
    for entity in told(&mut tx, &lot, input.kind).await? {
        push(&mut tx, entity, lot.id, "intervention", &title, &body, now).await?;
    }
    tx.commit().await?;
    one(db, id).await
}

/// Who hears of an order: the principal (and its agency) always; the bidders and applicants
/// when the order stops, restarts or ends their trade.
async fn told(tx: &mut Tx, lot: &LotRow, kind: InterventionKind) -> ServiceResult<Vec<Uuid>> {
    let mut to = vec![lot.principal_id];
    to.extend(lot.agency_id);
    if kind != InterventionKind::Correct {
        let bidders: Vec<(Uuid,)> = tx_all!(
            tx,
            "SELECT DISTINCT bidder_id FROM bids WHERE lot_id = $1",
            lot.id
        );
        to.extend(bidders.into_iter().map(|b| b.0));
        to.extend(lot.state.applicants.iter().copied());
        to.extend(lot.state.admitted.iter().flatten().copied());
    }
    to.sort_unstable();
    to.dedup();
    Ok(to)
}

/// The principal (or its agency) reports what it corrected, once.
pub async fn answer(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    input: &InterventionAnswer,
    now: DateTime<Utc>,
) -> ServiceResult<InterventionView> {
    let mut tx = db.begin().await?;
    let found: Option<(Uuid,)> = tx_opt!(
        &mut tx,
        "SELECT lot_id FROM interventions WHERE id = $1",
        id
    );
    let (lot_id,) = found.ok_or(ServiceError::NotFound("intervention"))?;
    let lot = load_for_update(&mut tx, lot_id).await?;
    let grant = require_tenderer(actor, &lot)?.clone();
    let refuse = |code: &'static str, zh: &'static str, en: &'static str| {
        ServiceError::Invalid(Invalid(vec![FieldError::new("answer", code, zh, en)]))
    };
    let order = one_in(&mut tx, id).await?;
    if order.kind != InterventionKind::Correct {
        return Err(refuse(
            "intervention.not_a_correction",
            "只有责令改正指令需要答复",
            "Only an order to correct is answered",
        ));
    }
    if order.answer.is_some() {
        return Err(refuse(
            "intervention.answered",
            "该指令已答复",
            "This order has been answered",
        ));
    }
    let mut errs = Invalid::default();
    let Some(text) = text(&mut errs, "answer", &input.answer, 4_000) else {
        return Err(errs.into());
    };
    log(
        &mut tx,
        actor,
        Some(&grant),
        &lot,
        "intervention.answered",
        serde_json::json!({ "intervention": id, "answer": text }),
        now,
    )
    .await?;
    tx_exec!(
        &mut tx,
        "UPDATE interventions SET answer = $1, answered_by = $2, answered_at = $3 WHERE id = $4",
        &text,
        actor.account_id,
        truncate_micros(now),
        id
    );
    tx.commit().await?;
    one(db, id).await
}

/// Keep one planned check at the earliest unanswered correction still ahead (`extra` counts one
/// not yet stored).
async fn plan_next_due(tx: &mut Tx, lot: Uuid, extra: Option<DateTime<Utc>>) -> ServiceResult<()> {
    let pending: Vec<(DateTime<Utc>,)> = tx_all!(
        tx,
        "SELECT due_at FROM interventions WHERE lot_id = $1 AND kind = 'correct' AND answer IS NULL AND due_at IS NOT NULL",
        lot
    );
    let next = pending.into_iter().map(|p| p.0).chain(extra).min();
    if let Some(due) = next {
        plan(tx, lot, CORRECTION_DUE, due).await?;
    }
    Ok(())
}

/// The scheduler's check: every unanswered order to correct past its due time raises one alert.
pub(crate) async fn correction_due_in(
    tx: &mut Tx,
    lot_id: Uuid,
    now: DateTime<Utc>,
) -> ServiceResult<String> {
    let lot = load_for_update(tx, lot_id).await?;
    let overdue: Vec<(Uuid, DateTime<Utc>, i64)> = tx_all!(
        tx,
        "SELECT id, due_at, event_seq FROM interventions WHERE lot_id = $1 AND kind = 'correct' AND answer IS NULL AND due_at <= $2",
        lot_id,
        truncate_micros(now)
    );
    let mut raised = 0;
    for (id, due, seq) in &overdue {
        let already: Option<(Uuid,)> = tx_opt!(
            tx,
            "SELECT id FROM alerts WHERE lot_id = $1 AND kind = 'intervention.correction_overdue' AND evidence LIKE $2",
            lot_id,
            format!("%{id}%")
        );
        if already.is_some() {
            continue;
        }
        crate::alerts::raise(
            tx,
            &lot,
            "intervention.correction_overdue",
            ggzy_core::alert::Severity::High,
            serde_json::json!({ "intervention": id, "due_at": due, "events": [seq] }),
            now,
        )
        .await?;
        raised += 1;
    }
    let ahead: Vec<(DateTime<Utc>,)> = tx_all!(
        tx,
        "SELECT due_at FROM interventions WHERE lot_id = $1 AND kind = 'correct' AND answer IS NULL AND due_at > $2",
        lot_id,
        truncate_micros(now)
    );
    if let Some(due) = ahead.into_iter().map(|a| a.0).min() {
        plan(tx, lot_id, CORRECTION_DUE, due).await?;
    }
    Ok(format!("{raised} correction(s) overdue"))
}
