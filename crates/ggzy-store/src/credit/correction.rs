//! A company's objection (异议) to one of its records and its request for credit repair
//! (信用修复), and the recording department's decision on each. What may be filed, by when it is
//! due and what a decision does are [`ggzy_core::credit::correction`]'s; who reads a correction
//! is [`may_read`]'s. Every filing and decision is a log event.

use super::{COLUMNS, RecordRow};
use crate::actor::Actor;
use crate::db::{Db, unique_violation};
use crate::error::{ServiceError, ServiceResult};
use crate::events::{self, NewEvent};
use crate::{db_all, db_opt, on_tx, tx_exec, tx_opt};
use chrono::{DateTime, NaiveDate, Utc};
use ggzy_core::FieldError;
use ggzy_core::clock::truncate_micros;
use ggzy_core::credit::correction::{self as cc, CorrectionKind, CorrectionPack, CorrectionState};
use ggzy_core::error::{Invalid, text};
use ggzy_core::region::DivisionCode;
use ggzy_core::role::Permission;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What the company says: why the record is wrong, or what it has done to correct it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreditCorrectionInput {
    pub reason: String,
    /// For a repair: the company's credit commitment (信用承诺) not to repeat the conduct.
    #[serde(default)]
    pub commitment: bool,
}

/// The department's decision.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    /// An objection upheld, a repair granted.
    pub granted: bool,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct CorrectionRow {
    pub id: Uuid,
    pub record_id: Uuid,
    pub uscc: String,
    pub kind: String,
    pub reason: String,
    pub commitment: bool,
    pub filed_at: DateTime<Utc>,
    /// The last day the department has to decide (Beijing).
    pub due_on: NaiveDate,
    pub state: String,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_reason: Option<String>,
    pub filed_seq: i64,
    pub decided_seq: Option<i64>,
    /// The record's decision number and company, for the lists.
    pub decision_no: String,
    pub entity_name: String,
    pub region_code: String,
}

/// A correction with its names, and whether the department is late with it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CorrectionView {
    #[serde(flatten)]
    pub row: CorrectionRow,
    pub kind_zh: &'static str,
    pub kind_en: &'static str,
    pub state_zh: &'static str,
    pub state_en: &'static str,
    pub pending: bool,
    pub overdue: bool,
}

const SELECT: &str = "SELECT c.id, c.record_id, c.uscc, c.kind, c.reason, c.commitment, c.filed_at, c.due_on, c.state, c.decided_at, c.decision_reason, c.filed_seq, c.decided_seq, r.decision_no, r.entity_name, r.region_code FROM credit_corrections c JOIN credit_records r ON r.id = c.record_id";

impl CorrectionRow {
    fn view(self, today: NaiveDate) -> CorrectionView {
        let kind = CorrectionKind::parse(&self.kind).unwrap_or(CorrectionKind::Objection);
        let state = CorrectionState::parse(&self.state).unwrap_or(CorrectionState::Pending);
        let pending = state == CorrectionState::Pending;
        CorrectionView {
            kind_zh: kind.name_zh(),
            kind_en: kind.name_en(),
            state_zh: state.name_zh(kind),
            state_en: state.name_en(kind),
            pending,
            overdue: pending && today > self.due_on,
            row: self,
        }
    }
}

fn beijing_today(now: DateTime<Utc>) -> NaiveDate {
    (now + chrono::Duration::hours(8)).date_naive()
}

/// Who reads a company's corrections: the company itself, and supervisors and auditors. What
/// the company wrote about its conduct is not the public's; the public sees only that a record
/// is under objection.
pub fn may_read(actor: &Actor, company_uscc: Option<&str>, uscc: &str) -> bool {
    company_uscc == Some(uscc)
        || actor.has(Permission::Supervise)
        || actor.has(Permission::AuditRead)
}

/// The credit code of the company the actor speaks for.
pub async fn company_of(db: &Db, actor: &Actor) -> ServiceResult<Option<String>> {
    let Some(e) = actor.entity_id else {
        return Ok(None);
    };
    let r: Option<(String,)> = db_opt!(db, "SELECT uscc FROM entities WHERE id = $1", e);
    Ok(r.map(|r| r.0))
}

async fn record_by_id(db: &Db, id: Uuid) -> ServiceResult<(RecordRow, Option<Uuid>)> {
    #[derive(sqlx::FromRow)]
    struct WithRecorder {
        #[sqlx(flatten)]
        row: RecordRow,
        recorded_by: Option<Uuid>,
    }
    let r: Option<WithRecorder> = db_opt!(
        db,
        sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS}, recorded_by FROM credit_records WHERE id = $1"
        )),
        id
    );
    r.map(|r| (r.row, r.recorded_by))
        .ok_or(ServiceError::NotFound("credit record"))
}

/// The record, for a supervisor of its region who did not enter it: separation of duties —
/// whoever entered a record neither judges what the company says of it nor revokes it.
async fn for_another_supervisor(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    field: &'static str,
) -> ServiceResult<RecordRow> {
    let (record, recorded_by) = record_by_id(db, id).await?;
    let region = DivisionCode::parse("region_code", &record.region_code)?;
    actor.require(Permission::Supervise, &region)?;
    if recorded_by.is_some() && recorded_by == actor.account_id {
        return Err(FieldError::new(
            field,
            "credit.own_record",
            "录入该记录的人员不能处理该记录的异议、修复或撤销，请由其他监管人员办理",
            "Whoever recorded this cannot decide on it or revoke it; another supervisor does",
        )
        .into());
    }
    Ok(record)
}

/// File an objection or a repair (an account of the company the record names).
pub async fn file(
    db: &Db,
    actor: &Actor,
    record_id: Uuid,
    kind: CorrectionKind,
    input: &CreditCorrectionInput,
    now: DateTime<Utc>,
) -> ServiceResult<CorrectionView> {
    actor.require_any(Permission::EntityManage)?;
    let (record, _) = record_by_id(db, record_id).await?;
    if company_of(db, actor).await?.as_deref() != Some(record.uscc.as_str()) {
        return Err(ServiceError::Forbidden(Permission::EntityManage));
    }
    let mut errs = Invalid::default();
    text(&mut errs, "reason", &input.reason, 2000);
    if kind == CorrectionKind::Repair && !input.commitment {
        errs.push(
            FieldError::new(
                "commitment",
                "credit.commitment_required",
                "申请信用修复须作出信用承诺",
                "A repair comes with the company's credit commitment",
            )
            .with_rule(cc::NDRC_58, ""),
        );
    }
    errs.into_result(())?;
    let standing = record
        .standing()
        .ok_or(ServiceError::NotFound("credit record"))?;
    let pack = CorrectionPack::v2026();
    match kind {
        CorrectionKind::Objection => cc::may_object(&standing)?,
        CorrectionKind::Repair => cc::may_repair(&standing, record.decided_on, now, &pack)?,
    }
    let mut tx = db.begin().await?;
    let cal = crate::calendar::load_tx(&mut tx).await?;
    let due_on = pack.due_on(kind, beijing_today(now), &cal);
    let id = Uuid::now_v7();
    let ev = events::append(
        &mut tx,
        NewEvent {
            actor_id: actor.account_id,
            actor_role: "entity_user".into(),
            address: actor.address.clone(),
            region_code: record.region_code.clone(),
            kind: "credit.correction_filed",
            subject: format!("credit:{}", record.uscc),
            payload: serde_json::json!({
                "correction_id": id,
                "record_id": record.id,
                "kind": kind.code(),
                "due_on": due_on,
            }),
        },
        now,
    )
    .await?;
    let inserted = on_tx!(&mut tx, |c| {
        sqlx::query("INSERT INTO credit_corrections (id, record_id, uscc, kind, reason, commitment, filed_by, filed_at, due_on, filed_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
            .bind(id)
            .bind(record.id)
            .bind(&record.uscc)
            .bind(kind.code())
            .bind(input.reason.trim())
            .bind(input.commitment)
            .bind(actor.account_id)
            .bind(truncate_micros(now))
            .bind(due_on)
            .bind(ev.seq)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
    });
    match inserted {
        Ok(_) => {}
        Err(e) if unique_violation(&e) == Some("credit_corrections.pending") => {
            return Err(FieldError::new(
                "record_id",
                "credit.already_pending",
                format!("该记录已有待处理的{}申请", kind.name_zh()),
                format!("This record already has a pending {}", kind.name_en()),
            )
            .into());
        }
        Err(e) => return Err(e.into()),
    }
    tx.commit().await?;
    one(db, id, now).await
}

/// Decide a correction (a supervisor of the recording region who did not make the record).
pub async fn decide(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    input: &DecisionInput,
    now: DateTime<Utc>,
) -> ServiceResult<CorrectionView> {
    actor.require_any(Permission::Supervise)?;
    let c = one(db, id, now).await?;
    let record = for_another_supervisor(db, actor, c.row.record_id, "granted").await?;
    let mut errs = Invalid::default();
    text(&mut errs, "reason", &input.reason, 2000);
    errs.into_result(())?;
    if !c.pending {
        return Err(already_decided());
    }
    let kind = CorrectionKind::parse(&c.row.kind).unwrap_or(CorrectionKind::Objection);
    let state = if input.granted {
        CorrectionState::Granted
    } else {
        CorrectionState::Refused
    };
    let mut tx = db.begin().await?;
    let ev = events::append(
        &mut tx,
        NewEvent {
            actor_id: actor.account_id,
            actor_role: "supervisor".into(),
            address: actor.address.clone(),
            region_code: record.region_code.clone(),
            kind: "credit.correction_decided",
            subject: format!("credit:{}", record.uscc),
            payload: serde_json::json!({
                "correction_id": id,
                "record_id": record.id,
                "kind": kind.code(),
                "state": state.code(),
                "record_status": input.granted.then(|| kind.granted().code()),
            }),
        },
        now,
    )
    .await?;
    let n = tx_exec!(
        &mut tx,
        "UPDATE credit_corrections SET state = $1, decided_by = $2, decided_at = $3, decision_reason = $4, decided_seq = $5 WHERE id = $6 AND state = 'pending'",
        state.code(),
        actor.account_id,
        truncate_micros(now),
        input.reason.trim(),
        ev.seq,
        id
    );
    if n != 1 {
        return Err(already_decided());
    }
    if input.granted {
        // Read again inside the transaction: an objection upheld meanwhile leaves nothing to
        // repair.
        let (status,): (String,) = tx_opt!(
            &mut tx,
            "SELECT status FROM credit_records WHERE id = $1",
            record.id
        )
        .ok_or(ServiceError::NotFound("credit record"))?;
        let now_status = ggzy_core::credit::RecordStatus::parse(&status);
        let mut standing = record
            .standing()
            .ok_or(ServiceError::NotFound("credit record"))?;
        if let Some(s) = now_status {
            standing.status = s;
        }
        match kind {
            CorrectionKind::Objection => cc::may_object(&standing)?,
            CorrectionKind::Repair => {
                cc::may_repair(&standing, record.decided_on, now, &CorrectionPack::v2026())?
            }
        }
        tx_exec!(
            &mut tx,
            "UPDATE credit_records SET status = $1 WHERE id = $2",
            kind.granted().code(),
            record.id
        );
        if kind == CorrectionKind::Objection {
            // An upheld objection revokes the decision's notice as the department's own
            // revocation does: by a new notice linked to it.
            super::publish_revocation(
                &mut tx,
                &record,
                input.reason.trim(),
                &format!("异议处理决定（{id}）"),
                now,
            )
            .await?;
        }
    }
    tx.commit().await?;
    one(db, id, now).await
}

fn already_decided() -> ServiceError {
    FieldError::new(
        "granted",
        "credit.already_decided",
        "该申请已处理",
        "This has already been decided",
    )
    .into()
}

async fn one(db: &Db, id: Uuid, now: DateTime<Utc>) -> ServiceResult<CorrectionView> {
    let r: Option<CorrectionRow> = db_opt!(
        db,
        sqlx::AssertSqlSafe(format!("{SELECT} WHERE c.id = $1")),
        id
    );
    r.map(|r| r.view(beijing_today(now)))
        .ok_or(ServiceError::NotFound("correction"))
}

/// A company's corrections, newest first, for whoever [`may_read`] them.
pub async fn of_company(
    db: &Db,
    actor: &Actor,
    uscc: &str,
    now: DateTime<Utc>,
) -> ServiceResult<Vec<CorrectionView>> {
    let company = company_of(db, actor).await?;
    if !may_read(actor, company.as_deref(), uscc) {
        return Ok(vec![]);
    }
    let rows: Vec<CorrectionRow> = db_all!(
        db,
        sqlx::AssertSqlSafe(format!(
            "{SELECT} WHERE c.uscc = $1 ORDER BY c.filed_at DESC, c.id DESC"
        )),
        uscc
    );
    let today = beijing_today(now);
    Ok(rows.into_iter().map(|r| r.view(today)).collect())
}

/// What a supervisor has to decide: the pending corrections of the regions they supervise,
/// the earliest due first.
pub async fn pending_for(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
) -> ServiceResult<Vec<CorrectionView>> {
    actor.require_any(Permission::Supervise)?;
    let rows: Vec<CorrectionRow> = db_all!(
        db,
        sqlx::AssertSqlSafe(format!(
            "{SELECT} WHERE c.state = 'pending' ORDER BY c.due_on, c.filed_at LIMIT 1000"
        ))
    );
    let today = beijing_today(now);
    Ok(rows
        .into_iter()
        .filter(|r| {
            DivisionCode::parse("region_code", &r.region_code)
                .is_ok_and(|reg| actor.grant_for(Permission::Supervise, &reg).is_some())
        })
        .map(|r| r.view(today))
        .collect())
}

/// The records of a company under a pending objection: the public page marks them.
pub async fn under_objection(db: &Db, uscc: &str) -> ServiceResult<Vec<Uuid>> {
    let rows: Vec<(Uuid,)> = db_all!(
        db,
        "SELECT record_id FROM credit_corrections WHERE uscc = $1 AND kind = 'objection' AND state = 'pending'",
        uscc
    );
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// The department's own revocation of a record (依职权撤销): the decision was quashed on review
/// or in court, the list removed the company, or the record was entered in error.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevocationInput {
    /// Why the record no longer stands, as the public reads it.
    pub reason: String,
    /// The document that says so (复议决定书, 判决书, the list's removal notice, …).
    pub document_no: String,
}

/// Revoke a record: a supervisor of the record's region, never whoever entered it (separation of
/// duties, as for a company's objection). A revoked record never counted — it bars nothing and
/// leaves the grade and the public page — and the revocation is a log event with its reason.
pub async fn revoke(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    input: &RevocationInput,
    now: DateTime<Utc>,
) -> ServiceResult<super::CreditRecordView> {
    actor.require_any(Permission::Supervise)?;
    let record = for_another_supervisor(db, actor, id, "reason").await?;
    let mut errs = Invalid::default();
    text(&mut errs, "reason", &input.reason, 2000);
    text(&mut errs, "document_no", &input.document_no, 100);
    errs.into_result(())?;
    let mut tx = db.begin().await?;
    // Only a record that still stands: revoking twice, or after a repair's decision, is refused
    // inside the transaction so two supervisors cannot both revoke it.
    let n = tx_exec!(
        &mut tx,
        "UPDATE credit_records SET status = 'revoked' WHERE id = $1 AND status <> 'revoked'",
        id
    );
    if n != 1 {
        return Err(FieldError::new(
            "reason",
            "credit.already_revoked",
            "该记录已撤销",
            "This record is already revoked",
        )
        .into());
    }
    let notice = super::publish_revocation(
        &mut tx,
        &record,
        input.reason.trim(),
        input.document_no.trim(),
        now,
    )
    .await?;
    events::append(
        &mut tx,
        NewEvent {
            actor_id: actor.account_id,
            actor_role: "supervisor".into(),
            address: actor.address.clone(),
            region_code: record.region_code.clone(),
            kind: "credit.revoked",
            subject: format!("credit:{}", record.uscc),
            payload: serde_json::json!({
                "record_id": id,
                "was": record.status,
                "reason": input.reason.trim(),
                "document_no": input.document_no.trim(),
                "notice": notice,
            }),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    let (record, _) = record_by_id(db, id).await?;
    Ok(record.view(now, &ggzy_core::credit::CreditPack::v2026()))
}
