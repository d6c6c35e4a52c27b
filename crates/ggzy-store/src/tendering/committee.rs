//! The evaluation committee as the rest of the lot engine sees it: who sits on it, how it is
//! seated (≥ 5, odd, experts ≥ 2/3), and when the lot was awarded — the facts the expert draw,
//! procurement and the bid pages ask about without reaching into the evaluation itself.

use super::{load, log, party_of};
use crate::actor::Actor;
use crate::db::Db;
use crate::error::ServiceResult;
use crate::{db_all, db_opt, tx_exec, tx_one};
use chrono::{DateTime, Utc};
use ggzy_core::FieldError;
use ggzy_core::clock::truncate_micros;
use ggzy_core::procedure::Stage;
use ggzy_core::role::Permission;

use serde::Serialize;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct MemberView {
    pub account_id: Uuid,
    pub display_name: String,
    pub member_kind: String,
    pub assignment: String,
    pub submitted_at: Option<DateTime<Utc>>,
    pub signed_at: Option<DateTime<Utc>>,
    pub dissent: Option<String>,
}

pub async fn is_member(db: &Db, actor: &Actor, lot: Uuid) -> ServiceResult<bool> {
    let Some(a) = actor.account_id else {
        return Ok(false);
    };
    let r: Option<(i64,)> = db_opt!(
        db,
        "SELECT CAST(1 AS BIGINT) FROM committee_members WHERE lot_id = $1 AND account_id = $2",
        lot,
        a
    );
    Ok(r.is_some())
}

/// The principal's representatives must be the principal's own people.
pub(crate) async fn check_representatives(
    db: &Db,
    lot: &super::LotRow,
    reps: &[Uuid],
) -> ServiceResult<()> {
    for (i, r) in reps.iter().enumerate() {
        let ent: Option<(Option<Uuid>,)> =
            db_opt!(db, "SELECT entity_id FROM accounts WHERE id = $1", r);
        if ent.and_then(|e| e.0) != Some(lot.principal_id) {
            return Err(FieldError::new(
                format!("representatives[{i}]"),
                "committee.not_a_representative",
                "招标人代表应为招标人的人员",
                "Representatives must be the principal's people",
            )
            .into());
        }
    }
    Ok(())
}

/// Seat the committee: the experts (drawn, or appointed for a special project) and the
/// principal's representatives. The member list is confidential until the result is final
/// (法 Art 37): the log keeps only its hash.
pub(crate) async fn seat_committee(
    tx: &mut crate::db::Tx,
    actor: &Actor,
    lot: &super::LotRow,
    experts: &[Uuid],
    representatives: &[Uuid],
    assignment: &str,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let existing: (i64,) = tx_one!(
        tx,
        "SELECT COUNT(*) FROM committee_members WHERE lot_id = $1",
        lot.id
    );
    if existing.0 > 0 {
        return Err(FieldError::new(
            "experts",
            "committee.exists",
            "评标委员会已组建",
            "The committee has already been formed",
        )
        .into());
    }
    let mut all: Vec<Uuid> = experts.iter().chain(representatives).copied().collect();
    for (kind, list) in [("expert", experts), ("principal_rep", representatives)] {
        for a in list {
            tx_exec!(
                tx,
                "INSERT INTO committee_members (lot_id, account_id, member_kind, assignment, assigned_by, assigned_at) VALUES ($1, $2, $3, $4, $5, $6)",
                lot.id,
                a,
                kind,
                assignment,
                actor.account_id,
                truncate_micros(now)
            );
        }
    }
    all.sort();
    let list_hash = ggzy_seal::to_hex(&ggzy_seal::sm3(&[serde_json::json!(all)
        .to_string()
        .as_bytes()]));
    let grant = actor
        .grant_for(Permission::IntakeProcess, &lot.region)
        .cloned();
    log(tx, actor, grant.as_ref(), lot, "lot.committee_assigned", serde_json::json!({"members": all.len(), "experts": experts.len(), "assignment": assignment, "members_sm3": list_hash}), now).await?;
    Ok(())
}

pub async fn members(db: &Db, actor: &Actor, lot_id: Uuid) -> ServiceResult<Vec<MemberView>> {
    let lot = load(db, lot_id).await?;
    // Until the award only the staff who ran the draw and the members themselves see the list.
    let runner: Option<(Uuid,)> = db_opt!(
        db,
        "SELECT requested_by FROM expert_draws WHERE lot_id = $1",
        lot_id
    );
    let allowed = (runner.is_some() && runner.map(|r| r.0) == actor.account_id)
        || is_member(db, actor, lot_id).await?
        || (matches!(lot.state.stage, Stage::Awarded | Stage::Contracted)
            && party_of(actor, &lot).is_some());
    if !allowed {
        return Ok(vec![]);
    }
    Ok(db_all!(
        db,
        "SELECT m.account_id, a.display_name, m.member_kind, m.assignment, m.submitted_at, m.signed_at, m.dissent FROM committee_members m JOIN accounts a ON a.id = m.account_id WHERE m.lot_id = $1 ORDER BY m.member_kind, a.display_name",
        lot_id
    ))
}

pub async fn awarded_at(db: &Db, lot_id: Uuid) -> ServiceResult<Option<DateTime<Utc>>> {
    let r: Option<(DateTime<Utc>,)> = db_opt!(
        db,
        "SELECT at FROM events WHERE subject = $1 AND kind = 'lot.awarded' ORDER BY seq DESC LIMIT 1",
        format!("lot:{lot_id}")
    );
    Ok(r.map(|r| r.0))
}
