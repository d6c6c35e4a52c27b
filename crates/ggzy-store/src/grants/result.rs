//! After the deal: the confirmation (成交确认书), the result or failure notice, deposit refunds.

use super::*;
use crate::{tx_exec, tx_one};

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmInput {
    /// The grant (or transfer) contract is signed by this day.
    pub contract_by: NaiveDate,
    /// Property: how the price is paid. Land and mining: leave out.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub payment: Option<PaymentTerms>,
}

/// Sign the confirmation (成交确认书) with the winner: parties, object, price, the deposit
/// applied to it, and when the contract is signed. Signed after its due day it is recorded as
/// late for the supervisor.
pub async fn confirm(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    input: &ConfirmInput,
    now: DateTime<Utc>,
) -> ServiceResult<GrantView> {
    let (mut tx, row) = begin_as_staff(db, actor, id).await?;
    let next = decided(&row, &GrantCommand::Confirm, now)?;
    let today = cn_date(now);
    if input.contract_by < today {
        return Err(refuse(
            "contract_by",
            "grant.contract_by",
            "合同签订日期不能早于今天",
            "The contract date is not before today",
        ));
    }
    let price = Money::from_fen(row.price.unwrap_or(0));
    if row.kind == TradeKind::StateProperty {
        let terms = input.payment.unwrap_or(PaymentTerms::LumpSum);
        check_payment(price, &terms, input.contract_by).map_err(ServiceError::from)?;
    }
    let winner = row
        .winner
        .ok_or(ServiceError::Internal("deal without winner".into()))?;
    let (winner_name, uscc): (String, String) = tx_one!(
        &mut tx,
        "SELECT name, uscc FROM entities WHERE id = $1",
        winner
    );
    let late = row.confirm_by.is_some_and(|d| today > d);
    let payment = match input.payment {
        Some(PaymentTerms::Instalments {
            first,
            rest_by,
            secured,
        }) => format!(
            "分期付款：首期 {first}（合同生效后 5 个工作日内），余款 {} 于 {rest_by} 前付清{}",
            Money::from_fen(price.fen() - first.fen()),
            if secured {
                "，已提供合法有效担保并按同期贷款利率支付利息"
            } else {
                ""
            }
        ),
        _ => "一次性付款：合同生效之日起 5 个工作日内付清（竞买保证金自动转作价款）".into(),
    };
    let text = format!(
        "成交确认书\n\n出让（转让）人：{}\n竞得（受让）人：{winner_name}（统一社会信用代码 {uscc}）\n标的：{}（{}，{}）\n成交时间：{}\n成交价：{price}\n竞买保证金 {} 转作价款\n{payment}\n双方应于 {} 前签订{}合同。\n本确认书一经签订即具有法律效力。",
        if row.kind == TradeKind::StateProperty {
            "转让方（经交易中心）"
        } else {
            "出让人（经交易中心）"
        },
        row.name,
        row.kind.label_zh(),
        row.method.label_zh(),
        row.closed_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
        row.deposit,
        input.contract_by,
        if row.kind == TradeKind::StateProperty {
            "产权交易"
        } else {
            "出让"
        },
    );
    tx_exec!(
        &mut tx,
        "UPDATE grants SET state = $1, confirmed_at = $2, confirmation = $3 WHERE id = $4",
        Coded(next),
        truncate_micros(now),
        &text,
        id
    );
    log(&mut tx, actor, &row.region, id, "grant.confirmed", serde_json::json!({"winner": winner, "price": price.fen(), "contract_by": input.contract_by, "late": late, "payment": input.payment}), now).await?;
    tx.commit().await?;
    view(db, id, Some(actor), now).await
}

/// Publish the result (成交公示 / 结果公告): the winner's name, the price, and for state property
/// the appraisal and the listing price, running the pack's period. A grant without a deal gets
/// its 流拍 notice the same way.
pub async fn publish_result(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    now: DateTime<Utc>,
) -> ServiceResult<GrantView> {
    let (mut tx, row) = begin_as_staff(db, actor, id).await?;
    let next = decided(&row, &GrantCommand::Publish, now)?;
    let cal = crate::calendar::load_tx(&mut tx).await?;
    let pack = row.kind.pack();
    let today = cn_date(now);
    let runs_until = pack.result_runs.value.end(&cal, today);
    let late = row.result_by.is_some_and(|d| today > d);
    let (kind, title, body) = if row.state == GrantState::Confirmed {
        let winner = row
            .winner
            .ok_or(ServiceError::Internal("no winner".into()))?;
        let (winner_name,): (String,) =
            tx_one!(&mut tx, "SELECT name FROM entities WHERE id = $1", winner);
        let mut b = format!(
            "标的：{}（{}）\n交易方式：{}\n竞得（受让）人：{winner_name}\n成交价：{}\n",
            row.name,
            row.kind.label_zh(),
            row.method.label_zh(),
            Money::from_fen(row.price.unwrap_or(0))
        );
        if let Some(a) = row.stored.appraisal {
            b.push_str(&format!("评估值：{}\n", Money::from_fen(a)));
        }
        b.push_str(&format!("公示期至：{runs_until}\n"));
        ("result", format!("成交结果公示：{}", row.name), b)
    } else {
        (
            "failed",
            format!("终止（流拍）公告：{}", row.name),
            format!(
                "标的：{}（{}）\n本次交易未成交。竞买保证金于 {} 前原路退还，不计利息。\n",
                row.name,
                row.kind.label_zh(),
                pack.deposit_refund_within.value.end(&cal, today)
            ),
        )
    };
    let deal = (kind == "result").then_some((row.price, row.winner));
    publish(
        &mut tx,
        (id, row.no),
        row.kind,
        kind,
        &title,
        &body,
        &row.region,
        deal.and_then(|d| d.0),
        deal.and_then(|d| d.1),
        now,
    )
    .await?;
    tx_exec!(
        &mut tx,
        "UPDATE grants SET state = $1, result_published_at = $2 WHERE id = $3",
        Coded(next),
        truncate_micros(now),
        id
    );
    log(
        &mut tx,
        actor,
        &row.region,
        id,
        "grant.result_published",
        serde_json::json!({"late": late, "runs_until": runs_until}),
        now,
    )
    .await?;
    tx.commit().await?;
    view(db, id, Some(actor), now).await
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[schema(as = DepositRefundInput)]
#[serde(deny_unknown_fields)]
pub struct RefundInput {
    /// The day the bank returned the deposit.
    pub refunded_on: NaiveDate,
}

/// Record a deposit refund as done (centre staff).
pub async fn refund(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    entity: Uuid,
    input: &RefundInput,
    now: DateTime<Utc>,
) -> ServiceResult<ApplicationView> {
    let (mut tx, row) = begin_as_staff(db, actor, id).await?;
    if input.refunded_on > cn_date(now) {
        return Err(refuse(
            "refunded_on",
            "deposit.refund_future",
            "退还日期不能晚于今天",
            "The refund date is not after today",
        ));
    }
    let n = tx_exec!(
        &mut tx,
        "UPDATE grant_applications SET refunded_on = $1 WHERE grant_id = $2 AND entity_id = $3 AND refund_due IS NOT NULL AND refunded_on IS NULL",
        input.refunded_on,
        id,
        entity
    );
    if n == 0 {
        return Err(refuse(
            "entity",
            "deposit.nothing_to_refund",
            "该申请人没有待退还的保证金",
            "This applicant has no deposit due back",
        ));
    }
    log(
        &mut tx,
        actor,
        &row.region,
        id,
        "grant.deposit_refunded",
        serde_json::json!({"entity": entity, "refunded_on": input.refunded_on}),
        now,
    )
    .await?;
    tx.commit().await?;
    staff_application(db, id, entity, now).await
}
