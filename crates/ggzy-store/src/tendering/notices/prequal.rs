//! Prequalification: applications and their review.

use super::*;
use crate::{db_all, tx_exec};

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrequalApplication {
    /// How the applicant meets the qualification requirements.
    pub statement: String,
}

pub async fn apply_prequal(
    db: &Db,
    actor: &Actor,
    lot_id: Uuid,
    input: &PrequalApplication,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let mut errs = Invalid::default();
    let Some(statement) = text(&mut errs, "statement", &input.statement, 20_000) else {
        return Err(errs.into());
    };
    let (entity, grant) = require_bidder(actor)?;
    let grant = grant.clone();
    let lot = load(db, lot_id).await?;
    lot.screen(
        db,
        entity,
        ggzy_core::credit::CheckPoint::Prequalification,
        "statement",
        now,
    )
    .await?;
    // Prequalification reviews who may bid: the certificates must be valid when applications
    // close.
    let due = lot.state.applications_due.unwrap_or(now);
    let due_day = (due + chrono::Duration::hours(8)).date_naive();
    crate::tendering::qualifications::check(db, &lot, entity, due_day, "statement").await?;
    let mut tx = db.begin().await?;
    let mut lot = load_for_update(&mut tx, lot_id).await?;
    step(
        &mut tx,
        &mut lot,
        actor,
        Some(&grant),
        &Command::ApplyPrequal { applicant: entity },
        now,
        serde_json::json!({}),
    )
    .await?;
    tx_exec!(&mut tx, "INSERT INTO prequal_applications (lot_id, entity_id, statement, address, applied_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (lot_id, entity_id) DO UPDATE SET statement = $3, address = $4, applied_at = $5", lot.id, entity, &statement, &actor.address, truncate_micros(now));
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrequalReview {
    pub passed: Vec<Uuid>,
}

/// Record the prequalification review; fewer than 3 passing fails the lot (条例 Art 19).
pub async fn review_prequal(
    db: &Db,
    actor: &Actor,
    lot_id: Uuid,
    input: &PrequalReview,
    now: DateTime<Utc>,
) -> ServiceResult<Stage> {
    let (mut tx, mut lot, grant) = crate::tendering::begin_as_tenderer(db, actor, lot_id).await?;
    step(
        &mut tx,
        &mut lot,
        actor,
        Some(&grant),
        &Command::ReviewPrequal {
            passed: input.passed.clone(),
        },
        now,
        serde_json::json!({}),
    )
    .await?;
    for a in lot.state.applicants.clone() {
        let passed = input.passed.contains(&a);
        tx_exec!(
            &mut tx,
            "UPDATE prequal_applications SET passed = $1 WHERE lot_id = $2 AND entity_id = $3",
            passed,
            lot.id,
            a
        );
        let (t, b) = if passed {
            (
                "资格预审合格通知书",
                "您已通过资格预审，请关注招标文件发出。",
            )
        } else {
            (
                "资格预审结果通知书",
                "您未通过资格预审，不得参加本标段投标（招标投标法实施条例 第19条）。",
            )
        };
        push(
            &mut tx,
            a,
            lot.id,
            "prequal_result",
            &format!("{} {t}", lot.name),
            b,
            now,
        )
        .await?;
    }
    if lot.state.stage == Stage::Failed {
        let title = format!("{}{}资格预审失败公告", lot.project_name, lot.name);
        publish_notice_row(
            &mut tx,
            &lot,
            "failed",
            &title,
            &format!(
                "{title}\n通过资格预审的申请人少于3个，依法重新招标（招标投标法实施条例 第19条）。"
            ),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(lot.state.stage)
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = PrequalApplicationView)]
pub struct ApplicationView {
    pub entity_id: Uuid,
    pub name: String,
    pub statement: String,
    pub applied_at: DateTime<Utc>,
    pub passed: Option<bool>,
}

pub async fn applications(
    db: &Db,
    actor: &Actor,
    lot_id: Uuid,
) -> ServiceResult<Vec<ApplicationView>> {
    let lot = load(db, lot_id).await?;
    let rows: Vec<ApplicationView> = db_all!(
        db,
        "SELECT a.entity_id, e.name, a.statement, a.applied_at, a.passed FROM prequal_applications a JOIN entities e ON e.id = a.entity_id WHERE a.lot_id = $1 ORDER BY a.applied_at",
        lot_id
    );
    Ok(crate::tendering::visible_to(actor, &lot, rows, |r| {
        Some(r.entity_id)
    }))
}
