//! The qualifications a lot requires, stated by its tenderer or buyer before bids are taken, and
//! the check of each bidder's registered certificates as of the bid deadline. What meets what is
//! [`ggzy_core::qualification`]'s.

use super::{LotRow, load, load_for_update, log, require_tenderer};
use crate::actor::Actor;
use crate::db::Db;
use crate::error::{OrInternal, ServiceError, ServiceResult};
use crate::{db_all, db_opt, tx_exec};
use chrono::{DateTime, NaiveDate, Utc};
use ggzy_core::FieldError;
use ggzy_core::qualification::{self as q, Held, Requirement};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What the lot requires; an empty list requires nothing.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequirementsInput {
    pub requirements: Vec<Requirement>,
}

/// State the lot's requirements (the tenderer or buyer, or its agency). They belong to the
/// first notice (the tender or the prequalification notice): once it is out they no longer change
/// (条例 Art 31: a clarification may not change the qualifications).
pub async fn set(
    db: &Db,
    actor: &Actor,
    lot_id: Uuid,
    input: &RequirementsInput,
    now: DateTime<Utc>,
) -> ServiceResult<Vec<Requirement>> {
    let lot = load(db, lot_id).await?;
    let grant = require_tenderer(actor, &lot)?.clone();
    let reqs = q::parse(&input.requirements)?;
    let js = serde_json::to_string(&reqs).or_internal()?;
    let mut tx = db.begin().await?;
    let lot = load_for_update(&mut tx, lot_id).await?;
    let viewer = super::viewer::Viewer::of(actor, &lot);
    if !super::viewer::LotActions::of(viewer, false, false, &lot, now).set_qualifications {
        return Err(FieldError::new(
            "requirements",
            "qualification.fixed",
            "招标公告或资格预审公告发布后不能再改变资格条件",
            "Once the notice is out the qualifications no longer change",
        )
        .with_rule("招标投标法实施条例", "31")
        .into());
    }
    tx_exec!(
        &mut tx,
        "UPDATE lots SET qualification_requirements = $1 WHERE id = $2",
        &js,
        lot_id
    );
    log(
        &mut tx,
        actor,
        Some(&grant),
        &lot,
        "lot.qualifications_set",
        serde_json::json!({ "requirements": reqs }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(reqs)
}

/// The qualification types the registry knows, for the tenderer's form to offer.
pub async fn known_types(db: &Db) -> ServiceResult<Vec<String>> {
    let rows: Vec<(String,)> = db_all!(
        db,
        "SELECT DISTINCT name FROM qualifications ORDER BY name LIMIT 500"
    );
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// The lot's requirements.
pub async fn of(db: &Db, lot_id: Uuid) -> ServiceResult<Vec<Requirement>> {
    let r: Option<(String,)> = db_opt!(
        db,
        "SELECT qualification_requirements FROM lots WHERE id = $1",
        lot_id
    );
    let (js,) = r.ok_or(ServiceError::NotFound("lot"))?;
    serde_json::from_str(&js).or_internal()
}

/// Refuse a bidder whose registered certificates do not meet the lot's requirements on `on`
/// (the deadline's day in Beijing): expired or not yet valid ones count as missing. The
/// committee would have to reject such a bid (条例 Art 51(3); 87号令 Art 63), and the bidder
/// can still register a certificate it holds before the deadline.
pub(crate) async fn check(
    db: &Db,
    lot: &LotRow,
    entity: Uuid,
    on: NaiveDate,
    field: &'static str,
) -> ServiceResult<()> {
    let reqs = of(db, lot.id).await?;
    if reqs.is_empty() {
        return Ok(());
    }
    let rows: Vec<(String, String, NaiveDate, NaiveDate)> = db_all!(
        db,
        "SELECT name, grade, valid_from, valid_until FROM qualifications WHERE entity_id = $1",
        entity
    );
    let held: Vec<Held> = rows
        .into_iter()
        .map(|(name, grade, valid_from, valid_until)| Held {
            name,
            grade,
            valid_from,
            valid_until,
        })
        .collect();
    let gaps = q::missing(&reqs, &held, on);
    if gaps.is_empty() {
        return Ok(());
    }
    let names = gaps.iter().map(|r| r.label()).collect::<Vec<_>>();
    let (regulation, article) = if lot.gp.is_some() {
        (q::PROCUREMENT_REGULATION, "63")
    } else {
        (q::TENDERING_REGULATION, "51")
    };
    Err(FieldError::new(
        field,
        "qualification.missing",
        format!(
            "截至{on}（截止日），本单位在主体库中没有有效的{}资质；请先在主体信息中登记有效证书",
            names.join("、")
        ),
        format!(
            "On {on} (the closing day) the registry shows no valid {} for your company; register a valid certificate first",
            names.join(", ")
        ),
    )
    .with_rule(regulation, article)
    .into())
}
