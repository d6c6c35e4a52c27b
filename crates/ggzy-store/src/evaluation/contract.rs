//! After the award: the contract, bond refunds, the tendering report and the follow-up deadlines.

use crate::actor::Actor;
use crate::db::Db;
use crate::error::{ServiceError, ServiceResult};
use crate::tendering::notices::publish_lot_notice;
use crate::tendering::{load, log, push, require_tenderer, step};
use crate::{db_all, db_one, db_opt, tx_all, tx_exec, tx_opt};
use chrono::{DateTime, NaiveDate, Utc};
use ggzy_core::clock::truncate_micros;
use ggzy_core::error::text;
use ggzy_core::procedure::Command;
use ggzy_core::tender_schedule as ts;
use ggzy_core::{FieldError, Invalid, Money};

use crate::tendering::committee::awarded_at;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractInput {
    /// Contract amount in yuan.
    pub amount: String,
    pub signed_on: NaiveDate,
}

/// Record the contract; bond refunds fall due 5 days later (条例 Art 57).
pub async fn record_contract(
    db: &Db,
    actor: &Actor,
    lot_id: Uuid,
    input: &ContractInput,
    now: DateTime<Utc>,
) -> ServiceResult<NaiveDate> {
    let amount = Money::parse_yuan("amount", &input.amount)?;
    let (mut tx, mut lot, grant) = crate::tendering::begin_as_tenderer(db, actor, lot_id).await?;
    if input.signed_on > crate::tendering::day(now) {
        return Err(FieldError::new(
            "signed_on",
            "contract.future",
            "签订日期不能晚于今天",
            "The signing date cannot be in the future",
        )
        .into());
    }
    let winner = lot.state.winner.ok_or(ServiceError::OutOfOrder {
        stage: lot.state.stage.as_str(),
        waits_for: lot.state.stage.waits_for(),
        reason: "no winner yet",
    })?;
    step(
        &mut tx,
        &mut lot,
        actor,
        Some(&grant),
        &Command::RecordContract,
        now,
        serde_json::json!({"amount": amount.fen(), "signed_on": input.signed_on}),
    )
    .await?;
    tx_exec!(
        &mut tx,
        "INSERT INTO contracts (lot_id, winner_id, amount, signed_on, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6)",
        lot_id,
        winner,
        amount.fen(),
        input.signed_on,
        actor.account_id,
        truncate_micros(now)
    );
    let signed_at = ts::cn_day_start(input.signed_on);
    let due = match &lot.gp {
        // The winner's bond within 5 working days of signing (87号令 Art 38).
        Some(gp) => crate::calendar::load_tx(&mut tx)
            .await?
            .add_working_days(input.signed_on, gp.bond_refund_within.value),
        None => ts::bond_refund_due(&lot.pack, signed_at),
    };
    let bonds: Vec<(Uuid, i64)> = tx_all!(
        &mut tx,
        "SELECT bidder_id, bond FROM bids WHERE lot_id = $1 AND status = 'active'",
        lot_id
    );
    for (b, amount) in bonds {
        tx_exec!(
            &mut tx,
            "INSERT INTO bond_refunds (lot_id, bidder_id, amount, due_on) VALUES ($1, $2, $3, $4) ON CONFLICT (lot_id, bidder_id) DO NOTHING",
            lot_id,
            b,
            amount,
            due
        );
    }
    let (title, tail) = if lot.gp.is_some() {
        (
            format!("{}{}政府采购合同公告", lot.project_name, lot.name),
            "\n合同依法在签订之日起2个工作日内公告（政府采购法实施条例 第50条），并于7个工作日内报同级财政部门备案（政府采购法 第47条）。",
        )
    } else {
        (format!("{}{}合同订立信息", lot.project_name, lot.name), "")
    };
    publish_lot_notice(
        &mut tx,
        &lot,
        "contract",
        &title,
        &format!(
            "{title}\n合同金额：{amount}\n签订日期：{}{tail}",
            input.signed_on
        ),
        Some((winner, amount.fen())),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(due)
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct RefundView {
    pub bidder_id: Uuid,
    pub bidder_name: String,
    pub amount: i64,
    pub due_on: NaiveDate,
    pub refunded_on: Option<NaiveDate>,
    /// Fen owed as interest on a late procurement refund (87号令 Art 38).
    pub late_interest: Option<i64>,
}

pub async fn refunds(db: &Db, actor: &Actor, lot_id: Uuid) -> ServiceResult<Vec<RefundView>> {
    let lot = load(db, lot_id).await?;
    let rows: Vec<RefundView> = db_all!(
        db,
        "SELECT r.bidder_id, e.name AS bidder_name, r.amount, r.due_on, r.refunded_on, r.late_interest FROM bond_refunds r JOIN entities e ON e.id = r.bidder_id WHERE r.lot_id = $1 ORDER BY e.name",
        lot_id
    );
    Ok(crate::tendering::visible_to(actor, &lot, rows, |r| {
        Some(r.bidder_id)
    }))
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[schema(as = BondRefundInput)]
#[serde(deny_unknown_fields)]
pub struct RefundInput {
    pub bidder_id: Uuid,
    pub refunded_on: NaiveDate,
}

pub async fn mark_refunded(
    db: &Db,
    actor: &Actor,
    lot_id: Uuid,
    input: &RefundInput,
    now: DateTime<Utc>,
) -> ServiceResult<bool> {
    let lot = load(db, lot_id).await?;
    let grant = require_tenderer(actor, &lot)?.clone();
    let mut tx = db.begin().await?;
    let due: Option<(NaiveDate, i64)> = tx_opt!(
        &mut tx,
        "SELECT due_on, amount FROM bond_refunds WHERE lot_id = $1 AND bidder_id = $2 AND refunded_on IS NULL",
        lot_id,
        input.bidder_id
    );
    let Some((due, amount)) = due else {
        return Err(FieldError::new(
            "bidder_id",
            "refund.none_due",
            "该投标人没有待退还的保证金",
            "No bond refund is due to this bidder",
        )
        .into());
    };
    // A late procurement refund owes interest at the loan rate plus 20% for the days late.
    let interest = lot.gp.as_ref().map(|gp| {
        ggzy_core::procurement::late_interest(
            gp,
            Money::from_fen(amount),
            (input.refunded_on - due).num_days(),
        )
        .fen()
    });
    tx_exec!(
        &mut tx,
        "UPDATE bond_refunds SET refunded_on = $1, late_interest = $2 WHERE lot_id = $3 AND bidder_id = $4",
        input.refunded_on,
        interest.filter(|i| *i > 0),
        lot_id,
        input.bidder_id
    );
    let late = input.refunded_on > due;
    log(&mut tx, actor, Some(&grant), &lot, "lot.bond_refunded", serde_json::json!({"bidder": input.bidder_id, "refunded_on": input.refunded_on, "due_on": due, "late": late}), now).await?;
    push(
        &mut tx,
        input.bidder_id,
        lot_id,
        "bond_refunded",
        &format!("{} 投标保证金已退还", lot.name),
        &format!("退还日期 {}", input.refunded_on),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(!late)
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TenderingReportInput {
    pub body: String,
}

/// The tendering report to the supervising department, due 15 days after the award (法 Art 47).
pub async fn submit_tendering_report(
    db: &Db,
    actor: &Actor,
    lot_id: Uuid,
    input: &TenderingReportInput,
    now: DateTime<Utc>,
) -> ServiceResult<bool> {
    let mut errs = Invalid::default();
    let Some(body) = text(&mut errs, "body", &input.body, 50_000) else {
        return Err(errs.into());
    };
    let lot = load(db, lot_id).await?;
    let grant = require_tenderer(actor, &lot)?.clone();
    if lot.state.winner.is_none() {
        return Err(ServiceError::OutOfOrder {
            stage: lot.state.stage.as_str(),
            waits_for: lot.state.stage.waits_for(),
            reason: "the report follows the award",
        });
    }
    let awarded_at = awarded_at(db, lot_id).await?.unwrap_or(now);
    let in_time =
        crate::tendering::day(now) <= ts::award_deadlines(&lot.pack, awarded_at).report_by;
    let mut tx = db.begin().await?;
    tx_exec!(
        &mut tx,
        "INSERT INTO tendering_reports (lot_id, body, submitted_by, submitted_at) VALUES ($1, $2, $3, $4) ON CONFLICT (lot_id) DO NOTHING",
        lot_id,
        &body,
        actor.account_id,
        truncate_micros(now)
    );
    log(
        &mut tx,
        actor,
        Some(&grant),
        &lot,
        "lot.tendering_report_submitted",
        serde_json::json!({"in_time": in_time}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(in_time)
}

/// Follow-up dates after the award, and whether each is met or overdue — for the tenderer's
/// workspace and the supervisor's alerts.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FollowUp {
    pub contract_by: Option<NaiveDate>,
    pub contract_signed_on: Option<NaiveDate>,
    pub report_by: Option<NaiveDate>,
    pub report_submitted_at: Option<DateTime<Utc>>,
    pub refunds_overdue: i64,
    pub overdue: Vec<String>,
}

pub async fn follow_up(db: &Db, lot_id: Uuid, today: NaiveDate) -> ServiceResult<FollowUp> {
    let lot = load(db, lot_id).await?;
    let at = awarded_at(db, lot_id).await?;
    let due = at.map(|a| ts::award_deadlines(&lot.pack, a));
    let signed: Option<(NaiveDate,)> = db_opt!(
        db,
        "SELECT signed_on FROM contracts WHERE lot_id = $1",
        lot_id
    );
    let report: Option<(DateTime<Utc>,)> = db_opt!(
        db,
        "SELECT submitted_at FROM tendering_reports WHERE lot_id = $1",
        lot_id
    );
    let (late,): (i64,) = db_one!(
        db,
        "SELECT COUNT(*) FROM bond_refunds WHERE lot_id = $1 AND ((refunded_on IS NULL AND due_on < $2) OR refunded_on > due_on)",
        lot_id,
        today
    );
    let mut overdue = vec![];
    if let Some(d) = due {
        if signed.is_none() && today > d.contract_by {
            overdue.push("contract".to_string());
        }
        if report.is_none() && today > d.report_by {
            overdue.push("tendering_report".to_string());
        }
    }
    if late > 0 {
        overdue.push("bond_refunds".to_string());
    }
    Ok(FollowUp {
        contract_by: due.map(|d| d.contract_by),
        contract_signed_on: signed.map(|s| s.0),
        report_by: due.map(|d| d.report_by),
        report_submitted_at: report.map(|r| r.0),
        refunds_overdue: late,
        overdue,
    })
}
