//! After the contract, until it is performed: supplementary contracts of a procurement (补充合同,
//! together at most 10% of the original, 政府采购法 Art 49) and the acceptance (履约验收) —
//! each recorded by the tenderer or buyer, logged, and published as a notice naming the winner,
//! so the company's page lists what it performed.

use crate::actor::Actor;
use crate::actor::Grant;
use crate::credit;
use crate::db::{Db, Tx};
use crate::error::{ServiceError, ServiceResult};
use crate::tendering::notices::publish_lot_notice;
use crate::tendering::{LotRow, begin_as_tenderer, log};
use crate::{db_all, db_opt, tx_exec, tx_one, tx_opt};
use chrono::{DateTime, NaiveDate, Utc};
use ggzy_core::clock::truncate_micros;
use ggzy_core::error::text;
use ggzy_core::procedure::Stage;
use ggzy_core::{FieldError, Invalid, Money};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupplementInput {
    /// What the supplement adds, in yuan.
    pub amount: String,
    pub signed_on: NaiveDate,
    /// Why more of the same is bought, as the public reads it.
    pub reason: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptanceInput {
    pub accepted_on: NaiveDate,
    /// Whether the performance passed the acceptance.
    pub passed: bool,
    /// How each technical, service and safety standard was met (条例 Art 45), or, for works,
    /// how the contract was performed.
    pub summary: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct SupplementView {
    pub id: Uuid,
    pub amount: i64,
    pub signed_on: NaiveDate,
    pub reason: String,
    pub notice_id: Uuid,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct AcceptanceView {
    pub accepted_on: NaiveDate,
    pub passed: bool,
    pub summary: String,
    pub notice_id: Uuid,
}

/// A contract's life after signing, as published.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Performance {
    /// Fen.
    pub contract_amount: i64,
    pub signed_on: NaiveDate,
    pub supplements: Vec<SupplementView>,
    /// Fen the supplements may still add (procurement only).
    pub supplement_room: Option<i64>,
    pub acceptance: Option<AcceptanceView>,
}

/// A lot's signed contract, opened by its tenderer for what follows it: refused before the
/// contract is signed and after the acceptance, which closes it. Gives its amount, day and winner.
async fn open_contract(
    db: &Db,
    actor: &Actor,
    lot_id: Uuid,
) -> ServiceResult<(Tx, LotRow, Grant, (i64, NaiveDate, Uuid))> {
    let (mut tx, lot, grant) = begin_as_tenderer(db, actor, lot_id).await?;
    if lot.state.stage != Stage::Contracted {
        return Err(ServiceError::OutOfOrder {
            stage: lot.state.stage.as_str(),
            waits_for: lot.state.stage.waits_for(),
            reason: "supplements and the acceptance follow the signed contract",
        });
    }
    let accepted: Option<(Uuid,)> = tx_opt!(
        &mut tx,
        "SELECT notice_id FROM contract_acceptances WHERE lot_id = $1",
        lot.id
    );
    if accepted.is_some() {
        return Err(ServiceError::OutOfOrder {
            stage: "accepted",
            waits_for: "nothing",
            reason: "the contract has been accepted; nothing more follows it",
        });
    }
    let contract = tx_one!(
        &mut tx,
        "SELECT amount, signed_on, winner_id FROM contracts WHERE lot_id = $1",
        lot.id
    );
    Ok((tx, lot, grant, contract))
}

fn not_before(
    field: &str,
    day: NaiveDate,
    signed_on: NaiveDate,
    today: NaiveDate,
) -> ServiceResult<()> {
    if day > today {
        return Err(FieldError::new(
            field,
            "contract.future",
            "日期不能晚于今天",
            "The day cannot be in the future",
        )
        .into());
    }
    if day < signed_on {
        return Err(FieldError::new(
            field,
            "contract.before_signing",
            "日期不能早于原合同签订日期",
            "The day cannot be before the contract was signed",
        )
        .into());
    }
    Ok(())
}

/// Record and publish a supplementary contract (procurement only; 政府采购法 Art 49).
pub async fn record_supplement(
    db: &Db,
    actor: &Actor,
    lot_id: Uuid,
    input: &SupplementInput,
    now: DateTime<Utc>,
) -> ServiceResult<Uuid> {
    let (mut tx, lot, grant, (original, signed_on, winner)) =
        open_contract(db, actor, lot_id).await?;
    let amount = Money::parse_yuan("amount", &input.amount)?;
    let mut errs = Invalid::default();
    let Some(reason) = text(&mut errs, "reason", &input.reason, 2_000) else {
        return Err(errs.into());
    };
    if lot.gp.is_none() {
        return Err(FieldError::new(
            "amount",
            "contract.supplement_procurement_only",
            "补充合同（添购）规则适用于政府采购合同；工程合同的变更按合同约定办理，不得背离合同实质性内容",
            "Supplementary contracts are a procurement rule; a works contract changes by its own terms and may not depart from its substance",
        )
        .with_rule("招标投标法", "46")
        .into());
    }
    not_before(
        "signed_on",
        input.signed_on,
        signed_on,
        crate::tendering::day(now),
    )?;
    let (earlier,): (i64,) = tx_one!(
        &mut tx,
        "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM contract_supplements WHERE lot_id = $1",
        lot.id
    );
    ggzy_core::procurement::check_supplement(
        Money::from_fen(original),
        Money::from_fen(earlier),
        amount,
    )?;
    let title = format!("{}{}补充合同公告", lot.project_name, lot.name);
    let body = format!(
        "{title}\n原合同：{}签订，合同金额 {}\n补充金额：{}（累计补充 {}，不超过原合同金额的10%，政府采购法 第49条）\n签订日期：{}\n变更原因：{reason}\n\n补充合同在原合同其他条款不变的前提下签订，自签订之日起2个工作日内公告（政府采购法实施条例 第50条）。",
        signed_on,
        Money::from_fen(original).grouped(),
        amount.grouped(),
        Money::from_fen(earlier + amount.fen()).grouped(),
        input.signed_on,
    );
    let notice = publish_lot_notice(
        &mut tx,
        &lot,
        "contract_change",
        &title,
        &body,
        Some((winner, amount.fen())),
        now,
    )
    .await?;
    let id = Uuid::now_v7();
    tx_exec!(
        &mut tx,
        "INSERT INTO contract_supplements (id, lot_id, amount, signed_on, reason, notice_id, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        id,
        lot.id,
        amount.fen(),
        input.signed_on,
        &reason,
        notice,
        actor.account_id,
        truncate_micros(now)
    );
    log(
        &mut tx,
        actor,
        Some(&grant),
        &lot,
        "lot.contract_supplemented",
        serde_json::json!({"amount": amount.fen(), "signed_on": input.signed_on, "notice": notice}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(notice)
}

/// Record and publish the acceptance of the performance (procurement: 条例 Art 45; works: the
/// performance record of the national data standard). Once per contract.
pub async fn record_acceptance(
    db: &Db,
    actor: &Actor,
    lot_id: Uuid,
    input: &AcceptanceInput,
    now: DateTime<Utc>,
) -> ServiceResult<Uuid> {
    let (mut tx, lot, grant, (amount, signed_on, winner)) =
        open_contract(db, actor, lot_id).await?;
    let mut errs = Invalid::default();
    let Some(summary) = text(&mut errs, "summary", &input.summary, 5_000) else {
        return Err(errs.into());
    };
    not_before(
        "accepted_on",
        input.accepted_on,
        signed_on,
        crate::tendering::day(now),
    )?;
    let (winner_name, winner_uscc): (String, String) = tx_one!(
        &mut tx,
        "SELECT name, uscc FROM entities WHERE id = $1",
        winner
    );
    let verdict = if input.passed {
        "验收合格"
    } else {
        "验收不合格"
    };
    let (kind, title, body) = match lot.gp {
        Some(_) => {
            let title = format!("{}{}履约验收结果公告", lot.project_name, lot.name);
            let body = format!(
                "{title}\n供应商：{winner_name}\n合同金额：{}（{}签订）\n验收日期：{}\n验收结论：{verdict}\n验收情况：\n{summary}\n\n采购人按照合同约定的技术、服务、安全标准组织履约验收（政府采购法实施条例 第45条）。",
                Money::from_fen(amount).grouped(),
                signed_on,
                input.accepted_on,
            );
            ("acceptance", title, body)
        }
        None => {
            let title = format!("{}{}履约及验收信息", lot.project_name, lot.name);
            let body = format!(
                "{title}\n中标人：{winner_name}\n合同金额：{}（{}签订）\n竣工验收日期：{}\n验收结论：{verdict}\n合同履行情况：\n{summary}",
                Money::from_fen(amount).grouped(),
                signed_on,
                input.accepted_on,
            );
            ("performance", title, body)
        }
    };
    let notice = publish_lot_notice(
        &mut tx,
        &lot,
        kind,
        &title,
        &body,
        Some((winner, amount)),
        now,
    )
    .await?;
    tx_exec!(
        &mut tx,
        "INSERT INTO contract_acceptances (lot_id, accepted_on, passed, summary, notice_id, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        lot.id,
        input.accepted_on,
        input.passed,
        &summary,
        notice,
        actor.account_id,
        truncate_micros(now)
    );
    if input.passed {
        let (accepted_by,): (String,) = tx_one!(
            &mut tx,
            "SELECT name FROM entities WHERE id = $1",
            lot.principal_id
        );
        let basis = match lot.gp {
            Some(_) => "政府采购法实施条例第四十五条（履约验收）",
            None => "履约验收合格（全国公共资源交易数据规范 履约信息）",
        };
        credit::record_performance(
            &mut tx,
            credit::Performed {
                uscc: &winner_uscc,
                entity_name: &winner_name,
                accepted_by: &accepted_by,
                deal_code: &lot.trade_code,
                deal_name: format!("{}{}", lot.project_name, lot.name),
                basis,
                accepted_on: input.accepted_on,
                notice,
                region_code: lot.region.as_str(),
            },
            now,
        )
        .await?;
    }
    log(
        &mut tx,
        actor,
        Some(&grant),
        &lot,
        "lot.contract_accepted",
        serde_json::json!({"accepted_on": input.accepted_on, "passed": input.passed, "notice": notice}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(notice)
}

/// What followed the lot's contract; `None` before there is one. Public, like the notices it
/// repeats.
pub async fn performance(db: &Db, lot: &LotRow) -> ServiceResult<Option<Performance>> {
    let c: Option<(i64, NaiveDate)> = db_opt!(
        db,
        "SELECT amount, signed_on FROM contracts WHERE lot_id = $1",
        lot.id
    );
    let Some((contract_amount, signed_on)) = c else {
        return Ok(None);
    };
    let supplements: Vec<SupplementView> = db_all!(
        db,
        "SELECT id, amount, signed_on, reason, notice_id FROM contract_supplements WHERE lot_id = $1 ORDER BY signed_on, recorded_at",
        lot.id
    );
    let acceptance: Option<AcceptanceView> = db_opt!(
        db,
        "SELECT accepted_on, passed, summary, notice_id FROM contract_acceptances WHERE lot_id = $1",
        lot.id
    );
    let added: i64 = supplements.iter().map(|s| s.amount).sum();
    Ok(Some(Performance {
        contract_amount,
        signed_on,
        supplement_room: lot
            .gp
            .is_some()
            .then(|| (contract_amount / 10 - added).max(0)),
        supplements,
        acceptance,
    }))
}
