//! Rule-based warnings for supervisors (预警, C13): raised with their evidence where a rule spots
//! something, and listed for the supervising department of the region.

use crate::actor::Actor;
use crate::db::{Db, Tx};
use crate::error::OrInternal;
use crate::error::ServiceResult;
use crate::tendering::{LotRow, log};
use crate::{db_all, tx_exec};
use chrono::{DateTime, Utc};
use ggzy_core::clock::truncate_micros;
use ggzy_core::role::Permission;
use serde::Serialize;
use uuid::Uuid;

pub(crate) async fn raise(
    tx: &mut Tx,
    lot: &LotRow,
    kind: &'static str,
    evidence: serde_json::Value,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let js = evidence.to_string();
    tx_exec!(
        tx,
        "INSERT INTO alerts (id, region_code, lot_id, kind, evidence, raised_at) VALUES ($1, $2, $3, $4, $5, $6)",
        Uuid::now_v7(),
        lot.region.as_str(),
        lot.id,
        kind,
        &js,
        truncate_micros(now)
    );
    log(
        tx,
        &Actor::system(),
        None,
        lot,
        "alert.raised",
        serde_json::json!({"kind": kind, "evidence": evidence}),
        now,
    )
    .await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AlertView {
    pub id: Uuid,
    pub lot_id: Option<Uuid>,
    pub lot_name: Option<String>,
    pub kind: String,
    pub evidence: serde_json::Value,
    pub raised_at: DateTime<Utc>,
}

/// Alerts in the regions the supervisor (or auditor) covers, newest first.
pub async fn list(db: &Db, actor: &Actor) -> ServiceResult<Vec<AlertView>> {
    if !actor.has(Permission::Supervise) {
        actor.require_any(Permission::AuditRead)?;
    }
    let rows: Vec<(
        Uuid,
        String,
        Option<Uuid>,
        Option<String>,
        String,
        String,
        DateTime<Utc>,
    )> = db_all!(
        db,
        "SELECT a.id, a.region_code, a.lot_id, l.name, a.kind, a.evidence, a.raised_at FROM alerts a LEFT JOIN lots l ON l.id = a.lot_id ORDER BY a.raised_at DESC LIMIT 500"
    );
    let mut out = vec![];
    for (id, region, lot_id, lot_name, kind, evidence, raised_at) in rows {
        let Ok(r) = ggzy_core::region::DivisionCode::parse("region", &region) else {
            continue;
        };
        if actor.grant_for(Permission::Supervise, &r).is_none()
            && actor.grant_for(Permission::AuditRead, &r).is_none()
        {
            continue;
        }
        out.push(AlertView {
            id,
            lot_id,
            lot_name,
            kind,
            evidence: serde_json::from_str(&evidence).or_internal()?,
            raised_at,
        });
    }
    Ok(out)
}
