//! Suppliers drawn at random for an invited tender or a competitive procedure (87号令 Art 14),
//! committed before and revealed after, verifiable by anyone.

use super::*;
use crate::{db_opt, tx_exec, tx_opt};

// ---------------------------------------------------------------- supplier draw

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupplierDrawInput {
    /// The list drawn from: qualified suppliers (资格预审合格或供应商库), at least twice `count`.
    pub suppliers: Vec<Uuid>,
    /// How many to invite (≥ 3).
    pub count: u32,
}

/// The draw format groups by a classification code; suppliers are grouped by item category.
fn category_code(lot: &LotRow) -> ServiceResult<SpecialtyCode> {
    let letter = match lot.category.as_str() {
        "works" => "A",
        "goods" => "B",
        _ => "C",
    };
    Ok(SpecialtyCode::parse("category", letter)?)
}

/// Draw the invited suppliers at random (87号令 Art 14) with the expert draw's published
/// function: the seed's commitment and the list's SM3 are logged and committed before the
/// draw is computed, and the seed is revealed with the picks, so anyone can recompute them with
/// `ggzy verify-draw`.
pub async fn draw_suppliers(
    db: &Db,
    actor: &Actor,
    lot_id: Uuid,
    input: &SupplierDrawInput,
    now: DateTime<Utc>,
) -> ServiceResult<crate::experts::draw::DrawProof> {
    let (mut tx, lot, grant) = begin_as_tenderer(db, actor, lot_id).await?;
    let (Some(PurchaseMethod::InvitedTender), Some(pack)) = (lot.purchase_method(), lot.gp.clone())
    else {
        return Err(ServiceError::OutOfOrder {
            stage: lot.state.stage.as_str(),
            waits_for: lot.state.stage.waits_for(),
            reason: "suppliers are drawn for an invited procurement tender",
        });
    };
    if lot.state.stage != Stage::Registered || supplier_round(db, lot_id).await?.is_some() {
        return Err(ServiceError::OutOfOrder {
            stage: lot.state.stage.as_str(),
            waits_for: lot.state.stage.waits_for(),
            reason: "the suppliers are drawn once, before the invitations",
        });
    }
    let mut listed = input.suppliers.clone();
    listed.sort();
    listed.dedup();
    gp::check_supplier_draw(&pack, listed.len() as u32, input.count)?;
    for (i, s) in listed.iter().enumerate() {
        let found: Option<(Uuid,)> = tx_opt!(&mut tx, "SELECT id FROM entities WHERE id = $1", s);
        if found.is_none() || *s == lot.principal_id || Some(*s) == lot.agency_id {
            return Err(FieldError::new(
                format!("suppliers[{i}]"),
                "procurement.unknown_supplier",
                "名单中的供应商应为平台注册主体，且不能是采购人或代理机构",
                "Listed suppliers are registered entities other than the buyer or agency",
            )
            .into());
        }
    }
    let groups = vec![GroupPool {
        specialty: category_code(&lot)?,
        count: input.count,
        eligible: listed.clone(),
    }];
    let seed = crate::experts::draw::fresh_seed();
    let commitment = dr::to_hex(&dr::commitment(&seed));
    let snapshot = dr::to_hex(&dr::snapshot_hash(&groups));
    let listed_js = serde_json::to_string(&groups).or_internal()?;
    tx_exec!(
        &mut tx,
        "INSERT INTO supplier_draws (lot_id, listed, seed, commitment, snapshot_sm3, picks, drawn_by, drawn_at) VALUES ($1, $2, $3, $4, $5, '[]', $6, $7)",
        lot_id,
        &listed_js,
        dr::to_hex(&seed),
        &commitment,
        &snapshot,
        actor.account_id,
        truncate_micros(now)
    );
    log(&mut tx, actor, Some(&grant), &lot, "lot.supplier_draw_committed", serde_json::json!({"commitment": commitment, "snapshot_sm3": snapshot, "listed": listed.len(), "count": input.count}), now).await?;
    tx.commit().await?;

    let picks = dr::draw(&seed, &groups).map_err(|s| {
        ServiceError::Internal(format!("supplier draw short after its checks: {s:?}"))
    })?;
    let picks_js = serde_json::to_string(&picks).or_internal()?;
    let mut tx = db.begin().await?;
    tx_exec!(
        &mut tx,
        "UPDATE supplier_draws SET picks = $1 WHERE lot_id = $2",
        &picks_js,
        lot_id
    );
    log(
        &mut tx,
        actor,
        Some(&grant),
        &lot,
        "lot.suppliers_drawn",
        serde_json::json!({"seed": dr::to_hex(&seed), "picks": picks}),
        now,
    )
    .await?;
    tx.commit().await?;
    supplier_draw(db, actor, lot_id)
        .await?
        .ok_or(ServiceError::NotFound("supplier draw"))
}

async fn supplier_round(db: &Db, lot_id: Uuid) -> ServiceResult<Option<PublishedRound>> {
    let r: Option<(String, String, String, String, String)> = db_opt!(
        db,
        "SELECT listed, seed, commitment, snapshot_sm3, picks FROM supplier_draws WHERE lot_id = $1",
        lot_id
    );
    let Some((listed, seed, commitment, snapshot_sm3, picks)) = r else {
        return Ok(None);
    };
    let bad =
        |e: serde_json::Error| ServiceError::Internal(format!("supplier draw of {lot_id}: {e}"));
    Ok(Some(PublishedRound {
        round: 1,
        commitment,
        snapshot_sm3,
        seed: Some(seed),
        groups: serde_json::from_str(&listed).map_err(bad)?,
        picks: serde_json::from_str(&picks).map_err(bad)?,
    }))
}

/// The supplier draw of a lot, verifiable by anyone (the seed is revealed with the picks).
/// The supplier draw as `actor` may see it. The drawn suppliers and the list they were drawn
/// from are potential bidders, secret until the opening
/// ([`ggzy_core::disclosure::Secret::PotentialBidders`]): before it the public gets the logged
/// commitment and snapshot hash only; the buyer, the centre and the supervisor see it all.
pub async fn supplier_draw(
    db: &Db,
    actor: &Actor,
    lot_id: Uuid,
) -> ServiceResult<Option<crate::experts::draw::DrawProof>> {
    use ggzy_core::disclosure::{self, Moment, Secret};
    let lot = load(db, lot_id).await?;
    let reached: &[Moment] = if lot.state.stage.opened() {
        &[Moment::Opened]
    } else {
        &[]
    };
    let shown = disclosure::public(Secret::PotentialBidders, reached)
        || matches!(
            tendering::party_of(actor, &lot),
            Some(
                tendering::Party::Tenderer
                    | tendering::Party::Centre
                    | tendering::Party::Supervisor
            )
        );
    Ok(supplier_round(db, lot_id).await?.map(|mut r| {
        if !shown {
            r.seed = None;
            r.groups.clear();
            r.picks.clear();
        }
        crate::experts::draw::DrawProof {
            lot_id,
            trade_code: lot.trade_code.clone(),
            revealed: shown,
            rounds: vec![r],
        }
    }))
}

/// The drawn suppliers, for the invitation step to check against.
pub(crate) async fn drawn_suppliers(db: &Db, lot_id: Uuid) -> ServiceResult<Option<Vec<Uuid>>> {
    Ok(supplier_round(db, lot_id)
        .await?
        .filter(|r| !r.picks.is_empty())
        .map(|r| {
            let mut v: Vec<Uuid> = r.picks.iter().map(|p| p.expert).collect();
            v.sort();
            v
        }))
}
