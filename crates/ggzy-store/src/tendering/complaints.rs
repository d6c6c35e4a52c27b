//! Complaints (投诉) to the supervising department (条例 Art 60–61): filed by a bidder or other
//! interested party within 10 days of knowing — after an objection where the matter needs one — and
//! accepted or refused within 3 working days, decided within 30. Due dates follow the working-day
//! calendar; overdue ones show to the supervisor.

use super::{load, log, push, require_bidder};
use crate::actor::Actor;
use crate::db::Db;
use crate::error::{ServiceError, ServiceResult};
use crate::{db_all, db_opt, tx_exec};
use chrono::{DateTime, NaiveDate, Utc};
use ggzy_core::FieldError;
use ggzy_core::clock::truncate_micros;
use ggzy_core::error::text;
use ggzy_core::role::Permission;
use ggzy_core::tender_schedule as ts;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComplaintInput {
    pub text: String,
    /// The day the complainant knew (or should have known) of the matter.
    pub knew_on: NaiveDate,
    /// The objection raised first, for matters of 条例 Art 22, 44 and 54; the 10 days then run from
    /// its reply.
    #[serde(default)]
    pub objection_id: Option<Uuid>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ComplaintView {
    pub id: Uuid,
    pub entity_id: Uuid,
    pub text: String,
    pub knew_on: NaiveDate,
    pub filed_at: DateTime<Utc>,
    pub accept_due: NaiveDate,
    pub decide_due: NaiveDate,
    pub accepted: Option<bool>,
    pub decision: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
}

pub async fn file(
    db: &Db,
    actor: &Actor,
    lot_id: Uuid,
    input: &ComplaintInput,
    now: DateTime<Utc>,
) -> ServiceResult<ComplaintView> {
    let mut errs = ggzy_core::Invalid::default();
    let Some(body) = text(&mut errs, "text", &input.text, 20_000) else {
        return Err(errs.into());
    };
    let (entity, grant) = require_bidder(actor)?;
    let grant = grant.clone();
    let lot = load(db, lot_id).await?;
    if lot.gp.is_some() {
        return Err(ServiceError::OutOfOrder {
            stage: lot.state.stage.as_str(),
            waits_for: lot.state.stage.waits_for(),
            reason: "a procurement complaint follows a challenge: file it through the challenge",
        });
    }
    let mut knew_on = input.knew_on;
    if let Some(oid) = input.objection_id {
        let o: Option<(Option<Uuid>, Option<DateTime<Utc>>)> = db_opt!(
            db,
            "SELECT entity_id, replied_at FROM objections WHERE id = $1 AND lot_id = $2",
            oid,
            lot_id
        );
        match o {
            Some((Some(e), replied)) if e == entity => {
                // The objection period is not counted: the 10 days run from the reply (or its due day).
                if let Some(r) = replied {
                    knew_on = knew_on.max(ts::cn_date(r));
                }
            }
            _ => {
                return Err(FieldError::new(
                    "objection_id",
                    "complaint.objection",
                    "所引异议不存在或不是本单位提出的",
                    "No such objection of yours on this lot",
                )
                .into());
            }
        }
    }
    if knew_on > super::day(now) {
        return Err(FieldError::new(
            "knew_on",
            "complaint.knew_in_future",
            "知道之日不能晚于今天",
            "The day you knew cannot be in the future",
        )
        .into());
    }
    ts::check_complaint_window(&lot.pack, knew_on, now)?;
    let calendar = crate::calendar::load(db).await?;
    let (accept_due, decide_due) = ts::complaint_due_dates(&lot.pack, &calendar, now);
    let id = Uuid::now_v7();
    let mut tx = db.begin().await?;
    tx_exec!(
        &mut tx,
        "INSERT INTO complaints (id, lot_id, entity_id, filed_by, objection_id, text, knew_on, filed_at, accept_due, decide_due) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        id,
        lot_id,
        entity,
        actor.account_id,
        input.objection_id,
        &body,
        knew_on,
        truncate_micros(now),
        accept_due,
        decide_due
    );
    log(
        &mut tx,
        actor,
        Some(&grant),
        &lot,
        "lot.complaint_filed",
        serde_json::json!({"complaint": id, "accept_due": accept_due, "decide_due": decide_due}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(ComplaintView {
        id,
        entity_id: entity,
        text: body,
        knew_on,
        filed_at: truncate_micros(now),
        accept_due,
        decide_due,
        accepted: None,
        decision: None,
        decided_at: None,
    })
}

pub async fn list(db: &Db, actor: &Actor, lot_id: Uuid) -> ServiceResult<Vec<ComplaintView>> {
    let lot = load(db, lot_id).await?;
    let rows: Vec<ComplaintView> = db_all!(
        db,
        "SELECT id, entity_id, text, knew_on, filed_at, accept_due, decide_due, accepted, decision, decided_at FROM complaints WHERE lot_id = $1 ORDER BY filed_at",
        lot_id
    );
    Ok(super::visible_to(actor, &lot, rows, |r| Some(r.entity_id)))
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComplaintDecision {
    /// Accept (受理) or refuse to accept; a refusal needs the reason in `text`.
    pub accept: bool,
    /// The decision (处理决定) once accepted, or the reason for refusing.
    #[serde(default)]
    pub text: Option<String>,
}

/// The supervising department accepts (or refuses) a complaint, and later decides it. Returns
/// whether this step was in time.
pub async fn handle(
    db: &Db,
    actor: &Actor,
    complaint: Uuid,
    input: &ComplaintDecision,
    now: DateTime<Utc>,
) -> ServiceResult<bool> {
    let row: Option<(
        Uuid,
        Uuid,
        NaiveDate,
        NaiveDate,
        Option<bool>,
        Option<String>,
    )> = db_opt!(
        db,
        "SELECT lot_id, entity_id, accept_due, decide_due, accepted, decision FROM complaints WHERE id = $1",
        complaint
    );
    let (lot_id, entity, accept_due, decide_due, accepted, decision) =
        row.ok_or(ServiceError::NotFound("complaint"))?;
    let lot = load(db, lot_id).await?;
    let grant = actor.require(Permission::Supervise, &lot.region)?.clone();
    let today = super::day(now);
    let authority = crate::regions::get(db, lot.region.as_str())
        .await?
        .map_or_else(|| lot.region.as_str().to_string(), |r| r.name);
    let text = input
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string);
    let mut tx = db.begin().await?;
    let in_time = match (accepted, &decision) {
        (None, _) => {
            if !input.accept && text.is_none() {
                return Err(FieldError::new(
                    "text",
                    "complaint.reason_required",
                    "不予受理的，应当说明理由",
                    "A refusal to accept must give its reason",
                )
                .into());
            }
            tx_exec!(
                &mut tx,
                "UPDATE complaints SET accepted = $1, accepted_at = $2, decision = $3, decided_by = $4, decided_at = CASE WHEN $1 THEN NULL ELSE $2 END WHERE id = $5",
                input.accept,
                truncate_micros(now),
                if input.accept { None } else { text.clone() },
                actor.account_id,
                complaint
            );
            today <= accept_due
        }
        (Some(true), None) => {
            let Some(t) = text.clone() else {
                return Err(FieldError::new(
                    "text",
                    "complaint.decision_required",
                    "请填写处理决定",
                    "Write the decision",
                )
                .into());
            };
            tx_exec!(
                &mut tx,
                "UPDATE complaints SET decision = $1, decided_by = $2, decided_at = $3, published_at = $3 WHERE id = $4",
                &t,
                actor.account_id,
                truncate_micros(now),
                complaint
            );
            publish_decision(&mut tx, &lot, &authority, &t, now).await?;
            today <= decide_due
        }
        _ => {
            return Err(FieldError::new(
                "complaint",
                "complaint.closed",
                "该投诉已处理完毕",
                "This complaint is closed",
            )
            .into());
        }
    };
    log(
        &mut tx,
        actor,
        Some(&grant),
        &lot,
        "lot.complaint_handled",
        serde_json::json!({"complaint": complaint, "accept": input.accept, "in_time": in_time}),
        now,
    )
    .await?;
    push(
        &mut tx,
        entity,
        lot_id,
        "complaint",
        &format!("{} 投诉处理", lot.name),
        text.as_deref().unwrap_or("投诉已受理"),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(in_time)
}

/// A decision on a complaint is an administrative decision the supervising department publishes
/// (条例 Art 79); the complainant is not named, the lot and the decision are. A refusal to accept
/// goes to the complainant only.
async fn publish_decision(
    tx: &mut crate::db::Tx,
    lot: &super::LotRow,
    authority: &str,
    decision: &str,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let title = format!("{}{}投诉处理决定公告", lot.project_name, lot.name);
    let body = format!(
        "{title}\n统一交易标识码：{}\n处理机关：{authority}招标投标行政监督部门\n处理决定：{decision}\n（招标投标法实施条例 第61条：行政监督部门应当自受理投诉之日起30个工作日内作出书面处理决定；第79条：依法公告行政处理决定。）",
        lot.trade_code
    );
    super::notices::publish_notice_row(tx, lot, "complaint_decision", &title, &body, now).await?;
    Ok(())
}
