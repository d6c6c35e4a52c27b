//! Final quotes (74号令 Art 33) and the prices the evaluation reads; the buyer's decision window.

use super::*;
use crate::{db_all, db_opt, tx_exec};

// ---------------------------------------------------------------- final quotes

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FinalQuotesInput {
    pub due: DateTime<Utc>,
}

/// The group (organised by the agency or buyer) asks the remaining suppliers for final quotes
/// (74号令 Art 33; 214号 Art 21).
pub async fn request_final_quotes(
    db: &Db,
    actor: &Actor,
    lot_id: Uuid,
    input: &FinalQuotesInput,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let mut tx = db.begin().await?;
    let mut lot = tendering::load_for_update(&mut tx, lot_id).await?;
    let grant = match tendering::require_tenderer(actor, &lot) {
        Ok(g) => Some(g.clone()),
        Err(e) => {
            if !tendering::committee::is_member(db, actor, lot_id).await? {
                return Err(e);
            }
            actor.grant_for(Permission::Evaluate, &lot.region).cloned()
        }
    };
    step(
        &mut tx,
        &mut lot,
        actor,
        grant.as_ref(),
        &Command::RequestFinalQuotes { due: input.due },
        now,
        serde_json::json!({}),
    )
    .await?;
    let title = format!("{}{} 最后报价邀请", lot.project_name, lot.name);
    let body = format!(
        "请于 {} 前通过本平台提交最后报价。未在规定时间内提交最后报价的，视为退出（政府采购非招标采购方式管理办法 第33条）。",
        tendering::notices_fmt(input.due)
    );
    for b in lot.state.bidders.clone() {
        push(&mut tx, b, lot_id, "final_quotes", &title, &body, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FinalQuoteInput {
    /// The final quote in yuan.
    pub price: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct FinalQuoteView {
    pub bidder_id: Uuid,
    pub bidder_name: String,
    /// Fen.
    pub price: i64,
    pub submitted_at: DateTime<Utc>,
}

/// A supplier's final quote, before its due time; a later one replaces it. No higher than the
/// budget, and no one but the supplier sees it before the close.
pub async fn submit_final_quote(
    db: &Db,
    actor: &Actor,
    lot_id: Uuid,
    input: &FinalQuoteInput,
    now: DateTime<Utc>,
) -> ServiceResult<FinalQuoteView> {
    let price = Money::parse_yuan("price", &input.price)?;
    if price.fen() <= 0 {
        return Err(FieldError::new(
            "price",
            "bid.price",
            "报价应大于零",
            "The price must be positive",
        )
        .into());
    }
    let (entity, grant) = require_bidder(actor)?;
    let grant = grant.clone();
    tendering::load(db, lot_id)
        .await?
        .screen(
            db,
            entity,
            ggzy_core::credit::CheckPoint::FinalQuote,
            "price",
            now,
        )
        .await?;
    let mut tx = db.begin().await?;
    let mut lot = tendering::load_for_update(&mut tx, lot_id).await?;
    let ceiling = lot.max_price.unwrap_or(lot.estimated_price);
    if price > ceiling {
        return Err(FieldError::new(
            "price",
            "procurement.over_budget",
            format!("报价超过采购预算或最高限价（{ceiling}），响应无效"),
            format!("A price above the budget or maximum ({ceiling}) is invalid"),
        )
        .with_rule(gp::ORDER87, "63")
        .into());
    }
    step(
        &mut tx,
        &mut lot,
        actor,
        Some(&grant),
        &Command::SubmitFinalQuote { bidder: entity },
        now,
        serde_json::json!({}),
    )
    .await?;
    tx_exec!(&mut tx, "INSERT INTO final_quotes (lot_id, bidder_id, price, account_id, submitted_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (lot_id, bidder_id) DO UPDATE SET price = excluded.price, account_id = excluded.account_id, submitted_at = excluded.submitted_at", lot_id, entity, price.fen(), actor.account_id, truncate_micros(now));
    tx.commit().await?;
    Ok(FinalQuoteView {
        bidder_id: entity,
        bidder_name: tendering::entity_name(db, entity).await?,
        price: price.fen(),
        submitted_at: truncate_micros(now),
    })
}

/// Final quotes as `actor` may see them: a supplier its own; parties, members and supervisors
/// every quote once the due time has passed.
pub async fn final_quotes(
    db: &Db,
    actor: &Actor,
    lot_id: Uuid,
    now: DateTime<Utc>,
) -> ServiceResult<Vec<FinalQuoteView>> {
    let lot = load(db, lot_id).await?;
    let rows: Vec<FinalQuoteView> = db_all!(
        db,
        "SELECT q.bidder_id, e.name AS bidder_name, q.price, q.submitted_at FROM final_quotes q JOIN entities e ON e.id = q.bidder_id WHERE q.lot_id = $1 ORDER BY q.price, q.submitted_at",
        lot_id
    );
    let closed = lot.state.final_quotes_due.is_some_and(|d| now >= d);
    let member = tendering::committee::is_member(db, actor, lot_id).await?;
    Ok(match tendering::party_of(actor, &lot) {
        Some(
            tendering::Party::Tenderer | tendering::Party::Centre | tendering::Party::Supervisor,
        ) if closed => rows,
        _ if member && closed => rows,
        _ => rows
            .into_iter()
            .filter(|r| actor.entity_id == Some(r.bidder_id))
            .collect(),
    })
}

/// The price rules a procurement lot's evaluation runs under.
pub(crate) async fn pricing(db: &Db, lot: &LotRow) -> ServiceResult<Pricing> {
    let (Some(m), Some(pack)) = (lot.purchase_method(), &lot.gp) else {
        return Ok(Pricing::default());
    };
    let mut final_prices = BTreeMap::new();
    if m.final_quotes() {
        let rows: Vec<(Uuid, i64)> = db_all!(
            db,
            "SELECT bidder_id, price FROM final_quotes WHERE lot_id = $1",
            lot.id
        );
        final_prices = rows
            .into_iter()
            .map(|(b, p)| (b, Money::from_fen(p)))
            .collect();
    }
    let sme: Option<(Option<String>,)> =
        db_opt!(db, "SELECT sme_deduction FROM lots WHERE id = $1", lot.id);
    Ok(Pricing {
        final_prices,
        sme: sme
            .and_then(|s| s.0)
            .and_then(|s| serde_json::from_str(&s).ok()),
        ceiling: Some(lot.max_price.unwrap_or(lot.estimated_price)),
        same_brand: lot.category == "goods",
        abnormally_low_bp: Some(pack.abnormally_low_bp.value),
    })
}

/// Suppliers who left by not giving a final quote (74号令 Art 33) are out of the evaluation.
pub(crate) fn in_evaluation(lot: &LotRow, bidder: Uuid) -> bool {
    match lot.purchase_method() {
        Some(m) if m.final_quotes() => lot.state.final_quoted.contains(&bidder),
        _ => true,
    }
}

// ---------------------------------------------------------------- the buyer's decision

/// After the report the buyer decides within 5 working days; at the start of the next day the
/// schedule picks the first-ranked if it stayed silent (87号令 Art 68).
pub(crate) async fn plan_deemed_choice(
    tx: &mut Tx,
    lot: &LotRow,
    now: DateTime<Utc>,
) -> ServiceResult<NaiveDate> {
    let pack = lot.gp.clone().unwrap_or_else(ProcurementPack::v2022);
    let cal = crate::calendar::load_tx(tx).await?;
    let last = cal.add_working_days(cn_date(now), pack.buyer_decides.value);
    let due = cn_day_start(last + chrono::Duration::days(1));
    tendering::schedule::plan(tx, lot.id, tendering::schedule::BUYER_DEEMED, due).await?;
    Ok(last)
}
